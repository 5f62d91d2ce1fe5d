"""Step 3 in Swedish: the factor catalogue, local indicators, scores and priorities.

Tables, sentences and the profile chart of the report *Identifiera förändringsfaktorer*,
made from the English frames of :mod:`vpanalysis.steps.factors` (a
:class:`~vpanalysis.steps.factors.FactorAnalysis`). Local survey values are always read
through :func:`~vpanalysis.steps.factors.published_indicators`, so a withheld share stays
withheld in every table and chart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vpanalysis import geography, plots, report
from vpanalysis.config import DISCLOSURE_THRESHOLD, SWEDEN_CODE
from vpanalysis.publication import keys
from vpanalysis.registers import (
    CHANGEABILITY,
    EVIDENCE,
    FACTOR_LEVELS,
    VIOLENCE_FORMS,
    parse_cutoff,
)
from vpanalysis.report import SUPPRESSED, interval
from vpanalysis.steps.factors import (
    COMPONENTS,
    CUTOFF_OPS,
    DEFAULT_WEIGHTS,
    FactorAnalysis,
    protect_shares,
    published_indicators,
    sex_difference,
)

JUDGEMENT_LABELS = {
    "worse": "sämre än jämförelsen",
    "similar": "ingen säker skillnad",
    "better": "bättre än jämförelsen",
    "too few": "för få svar för en bedömning",
    "no data": "uppgift saknas",
}
#: A judgement in words by the factor's type: for a risk factor worse is higher, for a
#: protective factor worse is lower (the one vocabulary, :mod:`vpanalysis.verdicts`).
_SIDED_LABELS = {
    ("worse", "risk"): "högre (sämre) än jämförelsen",
    ("better", "risk"): "lägre (bättre) än jämförelsen",
    ("worse", "skydd"): "lägre (sämre) än jämförelsen",
    ("better", "skydd"): "högre (bättre) än jämförelsen",
}
#: Why a factor has no judgement: no local indicator at all, or an indicator whose
#: source (the school survey, Kolada) has no data for the municipality.
NO_INDICATOR = "ingen lokal indikator"
SOURCE_MISSING = {
    "skolenkat": "indikator finns, men skolenkäten saknas för kommunen",
    "kolada": "indikator finns, men nyckeltalet saknas för kommunen",
}


def judgement_words(analysis: FactorAnalysis, factor_ids) -> list[str]:
    """Each factor's judgement in words (:data:`_SIDED_LABELS`: "högre (sämre) än
    jämförelsen" …); a factor without a judgement says why: :data:`NO_INDICATOR`, or
    :data:`SOURCE_MISSING` when its indicator's source has nothing for the municipality."""
    scored = analysis.scored.set_index("factor_id")
    measured = set(analysis.indicators["factor_id"])
    out = []
    for fid in factor_ids:
        row = scored.loc[fid]
        code, kind = str(row["judgement"]), str(row["type"])
        if code in ("worse", "better"):
            out.append(_SIDED_LABELS.get((code, kind), JUDGEMENT_LABELS[code]))
        elif code != "no data" or fid in measured:
            out.append(JUDGEMENT_LABELS.get(code, code))
        elif _blank(row["indicator"]) or not str(row["indicator"]).strip():
            out.append(NO_INDICATOR)
        else:
            source = str(row["indicator"]).partition(":")[0]
            out.append(SOURCE_MISSING.get(source, "uppgift saknas för kommunen"))
    return out


def indicator_counts(analysis: FactorAnalysis) -> dict[str, int]:
    """How many factors have a local value (``measured``), an indicator whose source is
    missing for the municipality (``source_missing``), and no local indicator
    (``no_indicator``): the headline and the text count the same way as the tables."""
    words = judgement_words(analysis, analysis.scored["factor_id"])
    missing = sum(w in SOURCE_MISSING.values() or w == "uppgift saknas för kommunen" for w in words)
    none = sum(w == NO_INDICATOR for w in words)
    return {"measured": len(words) - missing - none, "source_missing": missing,
            "no_indicator": none}  # fmt: skip


BASIS_LABELS = {
    ("risk", True): "förhöjd risk",
    ("skydd", True): "försvagat skydd",
    ("risk", False): "ej flaggad – vald på poäng",
    ("skydd", False): "ej flaggad – vald på poäng",
}

_TYPE_LABELS = {"risk": "Riskfaktor", "skydd": "Skyddsfaktor"}
_SOURCE_LABELS = {"skolenkat": "Skolenkät", "kolada": "Kolada"}
COMPONENT_LABELS = {
    "difference": "Skillnad mot jämförelsen",
    "evidence": "Kunskapsstöd",
    "changeability": "Påverkbarhet",
    "shared": "Delad mellan våldsformer",
}
SHORT_COMPONENT_LABELS = {
    "difference": "Skillnad",
    "evidence": "Kunskapsstöd",
    "changeability": "Påverkbarhet",
    "shared": "Delad",
}
_COMPONENT_HOW = {
    "difference": "Bara om kommunen är sämre än jämförelsen med en säker skillnad (för "
    "skolenkäten ett test av två andelar, för Kolada när jämförelsevärdet ligger utanför "
    "kommunens intervall): den relativa skillnaden, där 50 % sämre eller mer ger 1. "
    "Annars 0.",
    "evidence": "Kunskapsstödet för sambandet med våld: begränsat 1/3, måttligt 2/3, starkt 1.",
    "changeability": "Hur mycket parterna kan påverka faktorn: liten 1/3, viss 2/3, stor 1.",
    "shared": "Antal våldsformer som faktorn delas av, delat med alla {n} våldsformer.",
}


def _blank(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


# ---------------------------------------------------------------- labels of the codes


def basis_labels(priorities: pd.DataFrame) -> pd.Series:
    """Why each priority was chosen, in Swedish (``förhöjd risk``, ``försvagat skydd``,
    ``ej flaggad – vald på poäng``), from its ``type`` and ``flagged``."""
    return pd.Series(
        [
            BASIS_LABELS[(t, bool(f))]
            for t, f in zip(priorities["type"], priorities["flagged"], strict=True)
        ],
        index=priorities.index,
        dtype="string",
    )


def comparator_labels(indicators: pd.DataFrame) -> pd.Series:
    """What each indicator is compared with: ``Övriga samverkanskommuner (Bollnäs,
    Sandviken)`` or ``Riket``, from ``comparator_group`` and ``comparator_regions``."""

    def one(group: object, regions: object) -> object:
        if group == "sweden":
            return "Riket"
        if group == "collaborating":
            names = ", ".join(geography.region_name(c) for c in str(regions).split(","))
            return f"Övriga samverkanskommuner ({names})"
        return pd.NA

    return pd.Series(
        [
            one(g, r)
            for g, r in zip(
                indicators["comparator_group"], indicators["comparator_regions"], strict=True
            )
        ],
        index=indicators.index,
        dtype="string",
    )


def _insert_after(frame: pd.DataFrame, after: str, name: str, values: pd.Series) -> None:
    frame.insert(frame.columns.get_loc(after) + 1, name, values)


def label(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a step-3 frame with Swedish labels beside its codes.

    Adds ``judgement_label`` after ``judgement`` (from
    :func:`~vpanalysis.steps.factors.score_factors`), ``basis_label`` after ``basis`` (from
    :func:`~vpanalysis.steps.factors.select_priorities`) and ``comparator_label`` after
    ``comparator_regions`` (the indicators), where those columns are present.
    """
    out = frame.copy()
    if "judgement" in out and "judgement_label" not in out:
        labels = out["judgement"].map(JUDGEMENT_LABELS).astype("string")
        _insert_after(out, "judgement", "judgement_label", labels)
    if "basis" in out and "basis_label" not in out:
        _insert_after(out, "basis", "basis_label", basis_labels(out))
    if "comparator_regions" in out and "comparator_label" not in out:
        _insert_after(out, "comparator_regions", "comparator_label", comparator_labels(out))
    return out


# ---------------------------------------------------------------- report tables


def _level_order(levels: pd.Series) -> pd.Series:
    order = {level: i for i, level in enumerate(FACTOR_LEVELS.values)}
    return levels.map(lambda v: order.get(v, len(order)))


def _level_label(level: object) -> str:
    return FACTOR_LEVELS.labels.get(level, str(level))


def _indicator_label(indicator: object) -> str:
    if _blank(indicator) or not str(indicator).strip():
        return "Ingen lokal indikator"
    source = str(indicator).partition(":")[0]
    return _SOURCE_LABELS.get(source, source)


def catalogue_table(factors: pd.DataFrame, analysis: FactorAnalysis | None = None) -> pd.DataFrame:
    """The factor catalogue by socio-ecological level (individ → samhälle), Swedish columns.

    With ``analysis``, an indicator the municipality has no data for (a survey item where
    the municipality has no survey) says so instead of naming the source as if it had it.
    """
    measured = None if analysis is None else set(analysis.indicators["factor_id"])

    def shown(fid, indicator):
        text = _indicator_label(indicator)
        if measured is None or _blank(indicator) or fid in measured:
            return text
        return f"{text} (saknas för kommunen)"

    frame = factors.assign(
        _level=_level_order(factors["level"]), _type=factors["type"].map({"risk": 0, "skydd": 1})
    ).sort_values(["_level", "_type", "factor_id"], kind="stable")
    return pd.DataFrame(
        {
            "Nivå": frame["level"].map(_level_label),
            "Faktor": frame["name"],
            "Typ": frame["type"].map(lambda t: _TYPE_LABELS.get(t, t)),
            "Kunskapsstöd": frame["evidence"].map(lambda v: EVIDENCE.labels.get(int(v), str(v))),
            "Påverkbarhet": frame["changeability"].map(
                lambda v: CHANGEABILITY.labels.get(int(v), str(v))
            ),
            "Antal våldsformer": frame["n_forms"].astype("Int64"),
            "Lokal indikator": [
                shown(f, i) for f, i in zip(frame["factor_id"], frame["indicator"], strict=True)
            ],
        }
    ).reset_index(drop=True)


def level_overview(factors: pd.DataFrame) -> pd.DataFrame:
    """Number of risk and protective factors per socio-ecological level (rows in order)."""
    rows = []
    for level in FACTOR_LEVELS.values:
        here = factors[factors["level"] == level]
        rows.append(
            {
                "Nivå": _level_label(level),
                "Riskfaktorer": int((here["type"] == "risk").sum()),
                "Skyddsfaktorer": int((here["type"] == "skydd").sum()),
                "Med indikator i katalogen": int(here["indicator"].notna().sum()),
            }
        )
    return pd.DataFrame(rows).astype(
        {"Riskfaktorer": "Int64", "Skyddsfaktorer": "Int64", "Med indikator i katalogen": "Int64"}
    )


def _answer_codes(codes: object) -> dict[float, str]:
    out = {}
    for part in str(codes or "").split("|"):
        key, sep, label = part.partition("=")
        try:
            out[float(key)] = label.strip() if sep else ""
        except ValueError:
            continue
    return out


def answer_text(codes: object, cutoff: object, missing_codes: object = None) -> str:
    """Which answers count, in words: ``"Ja"``, ``"Stämmer ganska bra eller Stämmer helt"``.

    ``codes`` is the codebook's ``1=Label|2=Label`` text, ``cutoff`` the cutoff text (``"= 1"``
    for a 0/1 item); percentile cutoffs are described as such.
    """
    labels = _answer_codes(codes)
    for code in _answer_codes(missing_codes) or {}:
        labels.pop(code, None)
    for code, label in list(labels.items()):
        if label.lower().startswith("vet inte"):
            labels.pop(code)
    text = "" if _blank(cutoff) else str(cutoff).strip()
    if not text or text == "= 1":
        return labels.get(1.0, "svar 1")
    cut = parse_cutoff(text)
    if cut is None:
        return text
    if cut.percentile is not None:
        side = "över" if cut.op in (">", ">=") else "under"
        return f"svar {side} jämförelsegruppens {cut.percentile:g}:e percentil"
    chosen = [lab for code, lab in labels.items() if CUTOFF_OPS[cut.op](code, cut.value)]
    return " eller ".join(chosen) if chosen else f"svar {cut.op} {cut.value:g}"


def survey_indicator_table(
    analysis: FactorAnalysis, threshold: int = DISCLOSURE_THRESHOLD
) -> pd.DataFrame:
    """Survey-based indicators per factor, protected for publication (Swedish columns).

    Shows the share (%) with its 95 % interval, the number of respondents, the comparator's
    share and the judgement; never the number of pupils at risk. Shares derived from a
    count (or complement) under ``threshold`` are shown as missing.
    """
    ind = analysis.indicators[analysis.indicators["source"] == "skolenkat"]
    if ind.empty:
        return pd.DataFrame(
            columns=["Faktor", "Typ", "Fråga i skolenkäten", "Räknas", "Antal svarande"]
        )
    ind = ind if analysis.published else protect_shares(ind, threshold)
    scored = analysis.scored.set_index("factor_id")
    codebook = (
        analysis.codebook.set_index("item")
        if analysis.codebook is not None
        else pd.DataFrame(columns=["codes", "missing_codes"])
    )

    def counts(item, cutoff):
        if item not in codebook.index:
            return str(cutoff)
        row = codebook.loc[item]
        return answer_text(row.get("codes"), cutoff, row.get("missing_codes"))

    return pd.DataFrame(
        {
            "Faktor": ind["factor_id"].map(scored["name"]),
            "Fråga i skolenkäten": ind["question"],
            "Period": [recall_period(analysis, i) for i in ind["item"]],
            "Räknas": [counts(i, c) for i, c in zip(ind["item"], ind["cutoff"], strict=True)],
            "Antal svarande": ind["denominator"].astype("Int64"),
            "Andel i kommunen (%)": ind["value"].astype("Float64"),
            "95 % konfidensintervall": [
                interval(lo, up) for lo, up in zip(ind["lower"], ind["upper"], strict=True)
            ],
            "Jämförelse (%)": ind["comparator"].astype("Float64"),
            "Bedömning": judgement_words(analysis, ind["factor_id"]),
        }
    ).reset_index(drop=True)


def survey_source(analysis: FactorAnalysis) -> str:
    """The source line of the survey tables, with the survey's year: ``"Skolenkäten 2024
    (senaste undersökningsåret)"``."""
    ind = analysis.indicators[analysis.indicators["source"] == "skolenkat"]
    years = sorted({int(y) for y in ind["year"].dropna()}) if "year" in ind else []
    if not years:
        return "Skolenkäten, senaste undersökningsåret"
    return f"Skolenkäten {', '.join(map(str, years))} (senaste undersökningsåret)"


def recall_period(analysis: FactorAnalysis, item: object) -> str:
    """The period a survey item asks about (the codebook's ``recall_period``), or
    ``"anges inte i kodboken"``."""
    book = analysis.codebook
    if book is None or "recall_period" not in book.columns:
        return "anges inte i kodboken"
    hit = book.loc[book["item"] == item, "recall_period"]
    text = "" if hit.empty or _blank(hit.iloc[0]) else str(hit.iloc[0]).strip()
    return text or "anges inte i kodboken"


#: The verdicts of :func:`~vpanalysis.steps.factors.sex_difference` in Swedish.
SEX_VERDICTS = {
    "higher among girls": "högre bland tjejer",
    "higher among boys": "högre bland killar",
    "no certain difference": "ingen säker skillnad",
    "too few": "för få svar för en bedömning",
    "withheld": "redovisas inte (skydd av små antal)",
}
_SEX_COLUMNS = ["Faktor", "Fråga i skolenkäten", "Period", "Tjejer (%)", "Tjejer, 95 % KI",
                "Killar (%)", "Killar, 95 % KI", "Tjejer jämfört med killar"]  # fmt: skip


def sex_table(analysis: FactorAnalysis) -> pd.DataFrame:
    """Every survey factor for girls and boys (published cells only): the share and its
    interval for each, and whether the difference is certain (tested on the difference,
    :func:`~vpanalysis.steps.factors.sex_difference`, not on overlapping intervals)."""
    by_sex = analysis.by_sex
    if by_sex is None or by_sex.empty:
        return pd.DataFrame(columns=_SEX_COLUMNS)
    ind = analysis.indicators.set_index("factor_id")
    names = analysis.scored.set_index("factor_id")["name"]
    verdicts = sex_difference(by_sex).set_index("factor_id")["verdict"]
    rows = []
    for fid, group in by_sex.groupby("factor_id", sort=False):
        g = group.set_index("sex")
        k, m = g.loc["K"], g.loc["M"]
        rows.append(
            {
                "Faktor": names.get(fid, fid),
                "Fråga i skolenkäten": ind.loc[fid, "question"],
                "Period": recall_period(analysis, ind.loc[fid, "item"]),
                "Tjejer (%)": k["value"],
                "Tjejer, 95 % KI": interval(k["lower"], k["upper"]),
                "Killar (%)": m["value"],
                "Killar, 95 % KI": interval(m["lower"], m["upper"]),
                "Tjejer jämfört med killar": SEX_VERDICTS.get(verdicts.get(fid), "")
                or SEX_VERDICTS["too few"],
            }
        )
    out = pd.DataFrame(rows, columns=_SEX_COLUMNS)
    for column in ("Tjejer (%)", "Killar (%)"):
        out[column] = out[column].astype("Float64")
    return out


def sex_marks(analysis: FactorAnalysis) -> pd.DataFrame | None:
    """The publication cells of :func:`sex_table` (same shape): each share with its
    interval and answered-count, for girls (sex ``K``) and boys (``M``)."""
    by_sex = analysis.by_sex
    if by_sex is None or by_sex.empty:
        return None
    rows = []
    for _, group in by_sex.groupby("factor_id", sort=False):
        row: dict[str, object] = {}
        for sex, label in (("K", "Tjejer"), ("M", "Killar")):
            r = group[group["sex"] == sex].iloc[0]
            marks = share_marks(str(r["item"]), str(r["region"]), int(r["year"]), r)
            for part in marks.values():
                for c in part:
                    c["sex"] = sex
            row[f"{label} (%)"] = marks["share"]
            row[f"{label}, 95 % KI"] = marks["interval"]
        rows.append(row)
    return pd.DataFrame(rows, columns=["Tjejer (%)", "Tjejer, 95 % KI", "Killar (%)",
                                       "Killar, 95 % KI"])  # fmt: skip


def _round(value: object, decimals: int) -> float | None:
    return None if _blank(value) else round(float(value), decimals)


def share_marks(
    item: str, region: str, year: int, share: pd.Series | dict | None, decimals: int = 1
) -> dict[str, list[dict]]:
    """The publication cells of one survey share as shown: ``{"share": [...], "interval":
    [...], "denominator": [...]}``, lists of :func:`vpanalysis.publication.keys.cell`.

    ``share`` holds ``yes``, ``answered``, ``value``, ``lower``, ``upper`` (a row of
    :attr:`~vpanalysis.steps.factors.FactorAnalysis.shares`). A published share lists the
    share, lower and upper limit (as shown, ``decimals``) and its answered-count
    (``denominator``); a withheld one lists its withheld cells.
    """
    key = dict(source="skolenkat", measure=item, region=region, year=int(year), sex="T",
               age=keys.ALL, grade=keys.ALL)  # fmt: skip
    yes, answered = {**key, "answer": "yes"}, {**key, "answer": "answered"}
    get = (lambda c: None) if share is None else (lambda c: share[c])
    withheld = [keys.cell("withheld", **k) for k, c in ((yes, "yes"), (answered, "answered"))
                if _blank(get(c))]  # fmt: skip
    denominator = [] if _blank(get("answered")) else [
        keys.cell("denominator", get("answered"), **answered)
    ]  # fmt: skip
    if _blank(get("value")):
        return {"share": withheld, "interval": withheld, "denominator": denominator or withheld}
    interval_cells = [
        keys.cell("lower", _round(get("lower"), decimals), **yes),
        keys.cell("upper", _round(get("upper"), decimals), **yes),
    ]
    shown = [keys.cell("share", _round(get("value"), decimals), **yes)]
    return {
        "share": shown + interval_cells + denominator,
        "interval": interval_cells,
        "denominator": denominator,
    }


def _shares_by_region(analysis: FactorAnalysis) -> dict[tuple[str, str], pd.Series]:
    shares = analysis.shares
    if shares is None or shares.empty:
        return {}
    return {(str(r["factor_id"]), str(r["region"])): r for _, r in shares.iterrows()}


def _pool_of(row: pd.Series, by_region: dict) -> str:
    """The pooled region the factor's comparator is (the pool its shares list, else the
    pool of ``comparator_regions``)."""
    fid = str(row.get("factor_id", row.name))
    pools = [r for f, r in by_region if f == fid and r.startswith(keys.POOL_PREFIX)]
    return pools[0] if pools else keys.pool_region(str(row["comparator_regions"]).split(","))


def survey_indicator_marks(analysis: FactorAnalysis) -> pd.DataFrame | None:
    """The publication cells of :func:`survey_indicator_table` (same shape; ``marks`` of
    :func:`vpanalysis.report.table`): the respondents, the share with its interval and
    the pooled comparison share; ``None`` unless ``analysis.published``."""
    if not analysis.published:
        return None
    ind = analysis.indicators[analysis.indicators["source"] == "skolenkat"]
    by_region = _shares_by_region(analysis)
    rows = []
    for _, r in ind.iterrows():
        fid, item, year = str(r["factor_id"]), str(r["item"]), int(r["year"])
        here = share_marks(item, analysis.municipality_code, year,
                           by_region.get((fid, analysis.municipality_code)))  # fmt: skip
        pool = _pool_of(r, by_region)
        there = share_marks(item, pool, year, by_region.get((fid, pool)))
        rows.append(
            {
                "Antal svarande": here["denominator"],
                "Andel i kommunen (%)": here["share"],
                "95 % konfidensintervall": here["interval"],
                "Jämförelse (%)": [
                    c for c in there["share"] if c["kind"] != "lower" and c["kind"] != "upper"
                ],  # fmt: skip
            }
        )
    columns = ["Antal svarande", "Andel i kommunen (%)", "95 % konfidensintervall",
               "Jämförelse (%)"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def kolada_indicator_table(analysis: FactorAnalysis) -> pd.DataFrame:
    """Kolada-based indicators per factor: the municipality (with interval), the comparison
    group of every factor (:func:`comparator_labels`) and the judgement against it, and the
    county's and Sweden's levels beside them."""
    ind = analysis.indicators[analysis.indicators["source"] == "kolada"]
    scored = analysis.scored.set_index("factor_id")
    return pd.DataFrame(
        {
            "Faktor": ind["factor_id"].map(scored["name"]),
            "Nyckeltal i Kolada": ind["question"],
            "År": ind["year"].astype("Int64").astype("string"),
            "Kommunen": ind["value"].astype("Float64"),
            "95 % konfidensintervall": [
                interval(lo, up) if not _blank(lo) else "beräknas inte"
                for lo, up in zip(ind["lower"], ind["upper"], strict=True)
            ],
            "Jämförelse": ind["comparator"].astype("Float64"),
            "Jämförs med": comparator_labels(ind).fillna("uppgift saknas").to_numpy(),
            "Bedömning": judgement_words(analysis, ind["factor_id"]),
            "Länet": ind["county_value"].astype("Float64"),
            "Riket": ind["sweden_value"].astype("Float64"),
            "Kolada-id": ind["item"].astype("string"),
        }
    ).reset_index(drop=True)


SPINE_LABEL_MAX = 32
#: Width of the profile chart in inches (the factor labels need room).
PROFILE_WIDTH = 10


def spine_data(analysis: FactorAnalysis, threshold: int = DISCLOSURE_THRESHOLD) -> pd.DataFrame:
    """The input of :func:`vpanalysis.plots.spine`: one row per factor with a publishable
    local value (:func:`~vpanalysis.steps.factors.published_indicators`).

    ``factor`` is a short label (``"Normer som … (risk)"``, name cut at
    :data:`SPINE_LABEL_MAX` characters), ``value``
    and ``comparator`` as in the indicators, ``range_low``/``range_high`` the comparison
    areas' range, ``judgement``; in rank order.
    """
    ind = published_indicators(analysis, threshold).dropna(subset=["value", "comparator"])
    scored = analysis.scored[analysis.scored["factor_id"].isin(ind["factor_id"])]
    merged = scored[["factor_id", "name", "type", "judgement"]].merge(
        ind[["factor_id", "value", "comparator", "range_low", "range_high"]], on="factor_id"
    )

    def short(name: str, kind: str) -> str:
        name = name if len(name) <= SPINE_LABEL_MAX else name[: SPINE_LABEL_MAX - 1].rstrip() + "…"
        return f"{name} ({'risk' if kind == 'risk' else 'skydd'})"

    out = pd.DataFrame(
        {
            "factor": [short(n, t) for n, t in zip(merged["name"], merged["type"], strict=True)],
            "value": merged["value"].astype("float64"),
            "comparator": merged["comparator"].astype("float64"),
            "range_low": merged["range_low"].astype("float64"),
            "range_high": merged["range_high"].astype("float64"),
            "judgement": merged["judgement"].astype(str),
        }
    )
    for column in ("range_low", "range_high"):
        out[column] = out[column].fillna(out["value"])
    return out


def weights_table(analysis: FactorAnalysis | None = None) -> pd.DataFrame:
    """The score components, their weights (share of the score) and how each is computed."""
    weights = dict(analysis.weights) if analysis is not None else dict(DEFAULT_WEIGHTS)
    total = sum(weights.values())
    n_forms = len(VIOLENCE_FORMS.values)
    return pd.DataFrame(
        {
            "Del av poängen": [COMPONENT_LABELS[k] for k in COMPONENTS],
            "Vikt (%)": [100 * weights[k] / total for k in COMPONENTS],
            "Så beräknas den (0–1)": [_COMPONENT_HOW[k].format(n=n_forms) for k in COMPONENTS],
        }
    )


def score_table(analysis: FactorAnalysis) -> pd.DataFrame:
    """Every factor's score with its four components (0–1), in rank order; priorities marked."""
    s = analysis.scored
    chosen = set(analysis.priorities["factor_id"])
    return pd.DataFrame(
        {
            "Rang": s["rank"].astype("Int64"),
            "Faktor": s["name"],
            "Typ": s["type"].map(lambda t: _TYPE_LABELS.get(t, t)),
            "Bedömning": judgement_words(analysis, s["factor_id"]),
            **{SHORT_COMPONENT_LABELS[k]: s[f"c_{k}"].astype("Float64") for k in COMPONENTS},
            "Poäng": s["score"].astype("Float64"),
            "Prioriterad": s["factor_id"].map(lambda f: "✓" if f in chosen else ""),
            "Lika poäng": _ties(s),
        }
    ).reset_index(drop=True)


def _ties(scored: pd.DataFrame) -> list[str]:
    """For each factor the ranks it shares its score with (two decimals, as shown), e.g.
    ``"lika med rang 3"``; empty when its score is its own."""
    shown = scored["score"].astype(float).round(2).to_numpy()
    ranks = scored["rank"].astype(int).to_numpy()
    out = []
    for i, value in enumerate(shown):
        others = [str(r) for j, r in enumerate(ranks) if j != i and shown[j] == value]
        out.append(f"lika med rang {', '.join(others)}" if others else "")
    return out


def tie_note(analysis: FactorAnalysis) -> str | None:
    """The rule for a tie at the edge of the priorities: a chosen factor whose score (as
    shown, two decimals) equals an unchosen one's. ``None`` without such a tie."""
    s = analysis.scored
    chosen = set(analysis.priorities["factor_id"])
    shown = s["score"].astype(float).round(2)
    pairs = []
    for value in sorted(set(shown[s["factor_id"].isin(chosen)])):
        tied = s[shown == value]
        inside = tied[tied["factor_id"].isin(chosen)]["name"].tolist()
        outside = tied[~tied["factor_id"].isin(chosen)]["name"].tolist()
        if inside and outside:
            pairs.append((value, inside, outside))
    if not pairs:
        return None
    said = "; ".join(
        f"{', '.join(i)} och {', '.join(o)} har samma poäng ({f'{v:.2f}'.replace('.', ',')})"
        for v, i, o in pairs
    )
    return (
        f"Lika poäng: {said} med två decimaler. Då avgör först en säker skillnad åt det "
        "sämre hållet mot jämförelsen, sedan den oavrundade poängen och sist faktorns "
        "ordning i faktorkatalogen – inget av det säger vilken faktor som är viktigast. "
        "Styrgruppen kan byta mellan dem."
    )


def priority_table(analysis: FactorAnalysis, threshold: int = DISCLOSURE_THRESHOLD) -> pd.DataFrame:
    """The 2–5 priorities: why each was chosen, its local value (as published, see
    :func:`~vpanalysis.steps.factors.published_indicators`) and comparator."""
    p = analysis.priorities
    ind = label(published_indicators(analysis, threshold)).set_index("factor_id")

    def shown(fid, column):
        return ind[column].get(fid, pd.NA) if column in ind else pd.NA

    measured = set(analysis.indicators["factor_id"])

    def absent(fid, value):
        """A value, or why it is not shown: no data for the municipality ("uppgift
        saknas") is not a withheld value (``..``)."""
        if not _blank(value):
            return report.number(value, 1)
        return SUPPRESSED if fid in measured else "uppgift saknas"

    return pd.DataFrame(
        {
            "Prioritet": p["priority"].astype("Int64"),
            "Faktor": p["name"],
            "Nivå": p["level"].map(_level_label),
            "Typ": p["type"].map(lambda t: _TYPE_LABELS.get(t, t)),
            "Grund": basis_labels(p),
            "Kommunen": [absent(f, shown(f, "value")) for f in p["factor_id"]],
            "Jämförelse": [
                absent(f, v) for f, v in zip(p["factor_id"], p["comparator"], strict=True)
            ],  # fmt: skip
            "Jämförs med": [
                "uppgift saknas" if _blank(v := shown(f, "comparator_label")) else v
                for f in p["factor_id"]
            ],
            "Tjejer jämfört med killar": sex_verdicts(analysis, p["factor_id"]),
            "Poäng": p["score"].astype("Float64"),
        }
    ).reset_index(drop=True)


def sex_verdicts(analysis: FactorAnalysis, factor_ids) -> list[str]:
    """For each factor id: girls against boys in Swedish (:data:`SEX_VERDICTS`), or
    ``"uppgift saknas"`` for a factor without survey shares by sex."""
    by_sex = analysis.by_sex
    verdicts = (
        {} if by_sex is None or by_sex.empty
        else dict(sex_difference(by_sex)[["factor_id", "verdict"]].itertuples(index=False))
    )  # fmt: skip
    return [SEX_VERDICTS.get(verdicts.get(f), "uppgift saknas") for f in factor_ids]


def priority_marks(analysis: FactorAnalysis) -> pd.DataFrame | None:
    """The publication cells of :func:`priority_table` (same shape): a survey factor's
    share (``Kommunen``) and pooled comparison share (``Jämförelse``); ``None`` unless
    ``analysis.published``."""
    if not analysis.published:
        return None
    ind = analysis.indicators.set_index("factor_id")
    by_region = _shares_by_region(analysis)
    rows = []
    for fid in analysis.priorities["factor_id"]:
        row = {"Kommunen": None, "Jämförelse": None}
        if fid in ind.index and ind.loc[fid, "source"] == "skolenkat":
            r = ind.loc[fid]
            item, year, pool = str(r["item"]), int(r["year"]), _pool_of(r, by_region)
            here = share_marks(item, analysis.municipality_code, year,
                               by_region.get((str(fid), analysis.municipality_code)))  # fmt: skip
            there = share_marks(item, pool, year, by_region.get((str(fid), pool)))
            row["Kommunen"] = here["share"]
            row["Jämförelse"] = [c for c in there["share"] if c["kind"] not in ("lower", "upper")]
        rows.append(row)
    return pd.DataFrame(rows, columns=["Kommunen", "Jämförelse"])


def profile_cells(analysis: FactorAnalysis, threshold: int = DISCLOSURE_THRESHOLD) -> list[dict]:
    """The publication cells the profile chart draws (``cells`` of
    :func:`vpanalysis.report.chart`): per survey factor shown, its share, the pooled
    comparison share and the collaborating municipalities' shares its range spans."""
    if not analysis.published or analysis.shares is None:
        return []
    shown = published_indicators(analysis, threshold).dropna(subset=["value", "comparator"])
    shown = shown[shown["source"] == "skolenkat"]
    cells: list[dict] = []
    for _, s in analysis.shares[analysis.shares["factor_id"].isin(shown["factor_id"])].iterrows():
        if _blank(s["value"]):
            continue
        marks = share_marks(str(s["item"]), str(s["region"]), int(s["year"]), s)
        cells += [c for c in marks["share"] if c["kind"] in ("share", "denominator")]
    return cells


def priority_notes(analysis: FactorAnalysis) -> list[str]:
    """Swedish sentences for the report: why fewer than 2 factors are flagged, data gaps."""
    notes = []
    n_flagged = int(analysis.scored["flagged"].sum())
    n_data = int(analysis.scored["judgement"].ne("no data").sum())
    if n_data == 0:
        notes.append(
            "Det finns inga lokala indikatorer för kommunen i underlaget. Prioriteringarna "
            "bygger därför bara på kunskapsstöd, påverkbarhet och hur många våldsformer "
            "faktorn delas av – inte på kommunens eget läge."
        )
    elif n_flagged < 2:
        notes.append(
            f"Bara {n_flagged} faktor{'' if n_flagged == 1 else 'er'} har en säker skillnad "
            "åt det sämre hållet mot jämförelsen. Resten av prioriteringarna är valda på "
            "poäng och är markerade ”ej flaggad – vald på poäng”."
        )
    if n_data:
        s = analysis.scored
        words = pd.Series(judgement_words(analysis, s["factor_id"]), index=s.index)
        missing = s[words.isin([*SOURCE_MISSING.values(), "uppgift saknas för kommunen"])]
        none = s[words == NO_INDICATOR]
        if len(missing):
            notes.append(
                f"{len(missing)} av {len(s)} faktorer har en indikator, men dess källa "
                "(oftast skolenkäten) har inga uppgifter för kommunen i underlaget: "
                + ", ".join(missing["name"])
                + ". De kan bara väljas på poäng tills uppgifterna finns."
            )
        if len(none):
            notes.append(
                f"{len(none)} av {len(s)} faktorer har ingen lokal indikator: "
                + ", ".join(none["name"])
                + ". De kan bara väljas på poäng."
            )
    tie = tie_note(analysis)
    if tie:
        notes.append(tie)
    return notes


def kolada_missing(page):
    """The notice for the factors' Kolada table without values: no Kolada data for the
    municipality, or none for the county and Sweden to compare with."""
    ctx = page.context
    tables = getattr(ctx, "tables", None)
    if (
        tables is not None
        and tables.kolada is not None
        and tables.has("kolada", ctx.municipality_code)
        and not tables.has("kolada", ctx.county_code)
        and not tables.has("kolada", SWEDEN_CODE)
    ):
        return page.missing(
            "Kolada-nyckeltal för faktorerna",
            "kolada",
            why=f"finns bara för {page.name}, inte för länet och riket att jämföra med.",
            means="Faktorerna på samhällsnivå kan därför inte bedömas.",
        )
    return page.missing("Kolada-nyckeltal för faktorerna", "kolada")


def priority_notice(analysis: FactorAnalysis, page, *, ok: str):
    """The notes on the priorities (:func:`priority_notes`), ``ok`` when there are none;
    without a factor catalogue it says that no factor can be assessed and what to fill in."""
    if analysis.scored.empty:
        return page.missing(
            "Faktorkatalogen",
            "factors",
            means="Inga faktorer kan därför bedömas eller prioriteras.",
        )
    return report.notice(priority_notes(analysis), ok=ok)


def key_figures(analysis: FactorAnalysis) -> list[tuple[str, str]]:
    """Key figures for the report's top: factors, with local data, flagged, priorities."""
    s = analysis.scored
    counts = indicator_counts(analysis) if len(s) else {"measured": 0, "source_missing": 0}
    figures = [
        ("faktorer i katalogen", str(len(s))),
        ("med lokal indikator", str(counts["measured"])),
    ]
    if counts["source_missing"]:
        figures.append(("med indikator, men källan saknas för kommunen",
                        str(counts["source_missing"])))  # fmt: skip
    return [
        *figures,
        ("sämre än jämförelsen (säker skillnad)", str(int(s["flagged"].sum()))),
        ("prioriterade faktorer", str(len(analysis.priorities))),
    ]


#: The profile chart is drawn from this many factors with a local value; with fewer a
#: chart says nothing the table does not.
PROFILE_MINIMUM = 3


def profile_chart(analysis: FactorAnalysis, title: str = "", threshold: int = DISCLOSURE_THRESHOLD):
    """The spine chart of :func:`spine_data` (:func:`vpanalysis.plots.spine`), widened so
    the factor labels fit; ``None`` when fewer than :data:`PROFILE_MINIMUM` factors have a
    publishable local value (:func:`profile_missing` says why)."""
    data = spine_data(analysis, threshold)
    if len(data) < PROFILE_MINIMUM:
        return None
    fig = plots.spine(data, title=title)
    height = fig.get_size_inches()[1]
    fig.set_size_inches(PROFILE_WIDTH, height)
    return fig


def profile_missing(analysis: FactorAnalysis, page, threshold: int = DISCLOSURE_THRESHOLD):
    """Why the profile chart is left out: no factor with a local value (a missing-data
    notice), or fewer than :data:`PROFILE_MINIMUM` (the tables above show them)."""
    n = len(spine_data(analysis, threshold))
    if n == 0:
        return page.missing("Lokala indikatorer för faktorerna", ["skolenkat", "kolada"])
    return report.markdown(
        f"Profildiagrammet visas inte: bara {n} faktor{'' if n == 1 else 'er'} har ett lokalt "
        f"värde att jämföra, och diagrammet ritas först från {PROFILE_MINIMUM}. Värdena står "
        "i tabellerna ovan."
    )
