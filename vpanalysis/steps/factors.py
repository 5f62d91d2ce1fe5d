"""Step 3, *Identifiera förändringsfaktorer*: score the factor catalogue, pick 2–5 priorities.

The priority score is deliberately simple so that a steering group can follow it and
change it. Each factor of ``factors.csv`` gets four components, each scaled to 0–1:

=================  =====================================================================
component          definition
=================  =====================================================================
``difference``     only when the local value is judged **worse** than the comparator
                   (the comparator lies outside the local confidence interval, on the
                   bad side given the indicator's polarity): the relative difference
                   ``|local − comparator| / |comparator|`` divided by ``difference_cap``
                   (default 0.5) and capped at 1, so a local value 50 % worse than the
                   comparator or more scores 1. A factor judged worse without values
                   (judgement given by the caller) scores 1. Otherwise 0.
``evidence``       strength of evidence for the factor's link to violence:
                   ``evidence / 3`` (begränsad 1/3, måttlig 2/3, stark 1)
``changeability``  how much the partners can change it: ``changeability / 3``
``shared``         how many forms of violence share the factor:
                   ``n_forms / n_forms_max`` (default: all forms in
                   :data:`~vpanalysis.registers.VIOLENCE_FORMS`, 7), capped at 1
=================  =====================================================================

``score = Σ weight_k · component_k / Σ weight_k`` (0–1) with :data:`DEFAULT_WEIGHTS`
(difference 0.35, changeability 0.25, evidence 0.20, shared 0.20). Ties are broken by
flagged first, then factor id. A factor is **flagged** when its judgement is ``worse``:
elevated risk or depressed protection.

:func:`select_priorities` then takes the flagged factors by rank (at most 5); if fewer
than 2 are flagged it fills up with the best-scoring unflagged ones, marked as such.

:func:`share_at_risk` turns respondent-level survey answers into numerator/denominator
per group (binary items: 1 = at risk; Likert items: beyond a fixed value or a reference
group's percentile), for the interval function of :mod:`vpanalysis.indicators`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from vpanalysis import disclosure, geography, verdicts
from vpanalysis.config import DISCLOSURE_THRESHOLD, SWEDEN_CODE
from vpanalysis.data import Tables, population_totals
from vpanalysis.indicators import proportion
from vpanalysis.registers import VIOLENCE_FORMS, Cutoff, parse_cutoff

#: Default weights of the score components (normalised by their sum).
DEFAULT_WEIGHTS: dict[str, float] = {
    "difference": 0.35,
    "changeability": 0.25,
    "evidence": 0.20,
    "shared": 0.20,
}
COMPONENTS = ("difference", "evidence", "changeability", "shared")
#: A local value this much worse (relative) than the comparator gives difference = 1.
DIFFERENCE_CAP = 0.5

JUDGEMENTS = ("worse", "similar", "better", "too few", "no data")
#: Accepted spellings of a judgement given by the caller (the registers may use Swedish).
_JUDGEMENT_ALIASES = {
    "sämre": "worse",
    "bättre": "better",
    "likvärdig": "similar",
    "liknande": "similar",
    "lika": "similar",
    "no_data": "no data",
    "too_few": "too few",
    "": "no data",
}


# ---------------------------------------------------------------- comparison


def _as_float_array(values) -> np.ndarray:
    return pd.to_numeric(pd.Series(np.atleast_1d(values)), errors="coerce").astype(float).to_numpy()


def compare(lower, upper, comparator):
    """``higher`` / ``lower`` / ``similar`` / ``no data`` for scalars or array-likes.

    ``similar`` when the comparator lies inside ``[lower, upper]`` (boundaries
    included), ``higher`` when the whole interval lies above it, ``lower`` below.
    """
    scalar = np.ndim(lower) == 0 and np.ndim(upper) == 0 and np.ndim(comparator) == 0
    lo, up, comp = (_as_float_array(v) for v in (lower, upper, comparator))
    lo, up, comp = np.broadcast_arrays(lo, up, comp)
    missing = np.isnan(lo) | np.isnan(up) | np.isnan(comp)
    result = np.select(
        [missing, lo > comp, up < comp], ["no data", "higher", "lower"], default="similar"
    )
    return str(result[0]) if scalar else pd.Series(result, dtype="string")


def judgement(lower, upper, comparator, polarity="higher_worse"):
    """``worse`` / ``better`` / ``similar`` / ``no data`` given the indicator's polarity.

    ``polarity`` is ``higher_worse`` (risk indicators) or ``higher_better`` (protective);
    scalar or array-like like the other arguments.
    """
    side = compare(lower, upper, comparator)
    scalar = isinstance(side, str)
    side_arr = np.atleast_1d(np.asarray(side, dtype=object))
    pol = np.broadcast_to(np.atleast_1d(np.asarray(polarity, dtype=object)), side_arr.shape)
    bad = np.where(pol == "higher_better", "lower", "higher")
    good = np.where(pol == "higher_better", "higher", "lower")
    unknown = ~np.isin(pol, ["higher_worse", "higher_better"])
    if unknown.any():
        raise ValueError(f"polarity must be higher_worse or higher_better, got {set(pol[unknown])}")
    result = np.select(
        [side_arr == "no data", side_arr == bad, side_arr == good],
        ["no data", "worse", "better"],
        default="similar",
    )
    return str(result[0]) if scalar else pd.Series(result, dtype="string")


# ---------------------------------------------------------------- scoring


def _weights(weights: Mapping[str, float] | None) -> dict[str, float]:
    merged = dict(DEFAULT_WEIGHTS)
    for key, value in (weights or {}).items():
        if key not in COMPONENTS:
            raise ValueError(
                f"unknown score component {key!r}; components: {', '.join(COMPONENTS)}"
            )
        if value < 0:
            raise ValueError(f"weight of {key!r} is negative")
        merged[key] = float(value)
    if sum(merged.values()) <= 0:
        raise ValueError("at least one weight must be positive")
    return merged


def _normalise_judgements(values: pd.Series) -> pd.Series:
    def one(v):
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            return None
        key = str(v).strip().casefold()
        key = _JUDGEMENT_ALIASES.get(key, key)
        if key not in JUDGEMENTS:
            raise ValueError(f"judgement must be one of {', '.join(JUDGEMENTS)}, got {v!r}")
        return key

    return values.map(one).astype("string")


def score_factors(
    factors: pd.DataFrame,
    local: pd.DataFrame | None = None,
    weights: Mapping[str, float] | None = None,
    *,
    difference_cap: float = DIFFERENCE_CAP,
    n_forms_max: int | None = None,
) -> pd.DataFrame:
    """Score every factor of the catalogue (see the module docstring for the formula).

    ``local`` has one row per factor with local data: ``factor_id`` and ``value``,
    ``lower``, ``upper`` (the local estimate and its interval), ``comparator`` (the
    comparator's value), and optionally ``judgement`` (better/worse/similar/no data;
    computed from the interval and ``indicator_polarity`` where missing). Factors without a
    row get judgement ``no data`` and difference 0. ``weights`` override
    :data:`DEFAULT_WEIGHTS` partially (set a weight to 0 to switch a component off).

    Returns the factors sorted by rank with columns ``factor_id``, ``name``, ``level``,
    ``type``, ``indicator``, ``value``, ``lower``, ``upper``, ``comparator``,
    ``judgement``, ``flagged``, ``c_difference``, ``c_evidence``,
    ``c_changeability``, ``c_shared``, ``score`` and ``rank`` (1 = highest priority).
    """
    w = _weights(weights)
    n_forms_max = n_forms_max or len(VIOLENCE_FORMS.values)
    base = factors[
        [
            "factor_id",
            "name",
            "level",
            "type",
            "indicator",
            "indicator_polarity",
            "evidence",
            "changeability",
            "n_forms",
        ]
    ].copy()
    local_cols = ["value", "lower", "upper", "comparator"]
    if local is None:
        local = pd.DataFrame(columns=["factor_id", *local_cols])
    missing = [c for c in ["factor_id", *local_cols] if c not in local.columns]
    if missing and not ("judgement" in local.columns and "factor_id" in local.columns):
        raise ValueError(f"local table lacks columns {missing}")
    local = local.copy()
    for col in local_cols:
        if col not in local.columns:
            local[col] = np.nan
    if local["factor_id"].duplicated().any():
        dup = local.loc[local["factor_id"].duplicated(), "factor_id"].tolist()
        raise ValueError(f"factor ids appear more than once in the local table: {dup}")
    unknown = set(local["factor_id"]) - set(base["factor_id"])
    if unknown:
        raise ValueError(f"factor ids not in the catalogue: {sorted(unknown)}")
    keep = ["factor_id", *local_cols] + (["judgement"] if "judgement" in local.columns else [])
    table = base.merge(local[keep], on="factor_id", how="left")
    for col in local_cols:
        table[col] = pd.to_numeric(table[col], errors="coerce").astype("Float64")

    computed = judgement(
        table["lower"].astype(float).to_numpy(),
        table["upper"].astype(float).to_numpy(),
        table["comparator"].astype(float).to_numpy(),
        table["indicator_polarity"].astype(object).fillna("higher_worse").to_numpy(),
    )
    computed = pd.Series(computed.to_numpy(), index=table.index, dtype="string")
    if "judgement" in table.columns:
        given = _normalise_judgements(table["judgement"])
        table["judgement"] = given.fillna(computed)
    else:
        table["judgement"] = computed
    table["flagged"] = (table["judgement"] == "worse").astype(bool)

    value = table["value"].astype(float)
    comp = table["comparator"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where(comp != 0, (value - comp).abs() / comp.abs(), np.inf)
    magnitude = np.minimum(relative / difference_cap, 1.0)
    magnitude = np.where(np.isnan(value) | np.isnan(comp), 1.0, magnitude)
    table["c_difference"] = np.where(table["flagged"], magnitude, 0.0)
    table["c_evidence"] = table["evidence"].astype(float) / 3
    table["c_changeability"] = table["changeability"].astype(float) / 3
    table["c_shared"] = np.minimum(table["n_forms"].astype(float) / n_forms_max, 1.0)
    total = sum(w.values())
    table["score"] = sum(w[k] * table[f"c_{k}"] for k in COMPONENTS) / total

    table = table.sort_values(
        ["score", "flagged", "factor_id"], ascending=[False, False, True], kind="stable"
    ).reset_index(drop=True)
    table["rank"] = pd.array(range(1, len(table) + 1), dtype="Int64")
    columns = [
        "factor_id", "name", "level", "type", "indicator", "value", "lower", "upper",
        "comparator", "judgement", "flagged", "c_difference", "c_evidence",
        "c_changeability", "c_shared", "score", "rank",
    ]  # fmt: skip
    return table[columns]


def select_priorities(scored: pd.DataFrame, minimum: int = 2, maximum: int = 5) -> pd.DataFrame:
    """The 2–5 priorities from :func:`score_factors`' table.

    Flagged factors (judged worse than the comparator) first, by rank, at most
    ``maximum``; if fewer than ``minimum`` are flagged, the best-ranked unflagged factors
    fill up to ``minimum``. Adds ``priority`` (1..n) and ``basis`` (``flagged`` /
    ``not flagged``); :func:`vpanalysis.presentation.factors.label` adds its Swedish label.
    """
    if not 1 <= minimum <= maximum:
        raise ValueError("need 1 <= minimum <= maximum")
    ranked = scored.sort_values("rank", kind="stable")
    chosen = ranked[ranked["flagged"]].head(maximum)
    if len(chosen) < minimum:
        fill = ranked[~ranked["flagged"]].head(minimum - len(chosen))
        chosen = pd.concat([chosen, fill])
    out = chosen.copy().reset_index(drop=True)
    out["priority"] = pd.array(range(1, len(out) + 1), dtype="Int64")
    out["basis"] = np.where(out["flagged"], "flagged", "not flagged")
    out["basis"] = out["basis"].astype("string")
    return out


# ---------------------------------------------------------------- survey: share at risk


def _resolve_cutoff(cutoff: Cutoff | str | float | int | None) -> Cutoff | None:
    if cutoff is None or isinstance(cutoff, Cutoff):
        return cutoff
    if isinstance(cutoff, int | float):
        return Cutoff(">", float(cutoff), None)
    return parse_cutoff(cutoff)


#: Comparison operators of a cutoff (``">="`` -> :func:`numpy.greater_equal`).
CUTOFF_OPS: dict[str, Callable] = {
    ">": np.greater,
    ">=": np.greater_equal,
    "<": np.less,
    "<=": np.less_equal,
}


def cutoff_threshold(values: pd.Series, cutoff: Cutoff | str | float | None) -> float | None:
    """The numeric threshold of ``cutoff``: its value, or the percentile of ``values``
    (the reference group's answers, missing ignored, linear interpolation)."""
    cut = _resolve_cutoff(cutoff)
    if cut is None:
        return None
    if cut.percentile is None:
        return cut.value
    answers = pd.to_numeric(values, errors="coerce").dropna().astype(float)
    if answers.empty:
        raise ValueError("the reference group has no answers to take a percentile of")
    return float(answers.quantile(cut.percentile / 100))


def share_at_risk(
    survey: pd.DataFrame,
    item: str,
    cutoff: Cutoff | str | float | None = None,
    by: str | Sequence[str] | None = None,
    reference: pd.DataFrame | pd.Series | None = None,
) -> pd.DataFrame:
    """Respondents at risk on a survey item: numerator and denominator per group.

    ``cutoff``: ``None`` for a binary item coded as in the codebook (1 = at risk, 0 = not;
    any other value raises); a number (at risk if the answer is above it); or a text as in
    ``factors.indicator_cutoff``: ``">= 4"``, ``"< 2"``, ``"p75"`` (above the reference
    group's 75th percentile), ``"< p25"``. ``reference`` is the reference group for
    percentiles: a DataFrame of respondents, or a boolean mask over ``survey``; default all
    of ``survey``. Respondents without an answer are left out of the denominator.

    Returns the ``by`` columns and ``item``, ``cutoff`` (as text, ``"= 1"`` for binary),
    ``threshold``, ``numerator``, ``denominator`` (Int64). Intervals are the caller's
    (e.g. ``vpanalysis.indicators.proportion(numerator, denominator, per=100)``).
    """
    if item not in survey.columns:
        raise KeyError(f"survey has no item {item!r}")
    by_cols = [by] if isinstance(by, str) else list(by or [])
    answers = pd.to_numeric(survey[item], errors="coerce").astype(float)
    cut = _resolve_cutoff(cutoff)
    if cut is None:
        seen = set(answers.dropna().unique())
        if not seen <= {0.0, 1.0}:
            raise ValueError(
                f"item {item!r} is not coded 0/1 (values {sorted(seen)[:6]}); give a cutoff"
            )
        threshold = None
        at_risk = answers == 1
        label = "= 1"
    else:
        if reference is None:
            ref_values = survey[item]
        elif isinstance(reference, pd.Series):
            ref_values = survey.loc[
                reference.reindex(survey.index, fill_value=False).astype(bool), item
            ]
        else:
            ref_values = reference[item]
        threshold = cutoff_threshold(ref_values, cut)
        at_risk = pd.Series(CUTOFF_OPS[cut.op](answers.to_numpy(), threshold), index=survey.index)
        label = str(cut)
    frame = pd.DataFrame(
        {
            **{c: survey[c] for c in by_cols},
            "numerator": (at_risk & answers.notna()).astype(int),
            "denominator": answers.notna().astype(int),
        }
    )
    if by_cols:
        out = frame.groupby(by_cols, sort=True, dropna=False)[["numerator", "denominator"]].sum()
        out = out.reset_index()
    else:
        out = frame[["numerator", "denominator"]].sum().to_frame().T
    out.insert(len(by_cols), "item", item)
    out.insert(len(by_cols) + 1, "cutoff", label)
    out.insert(len(by_cols) + 2, "threshold", threshold)
    return out.astype(
        {
            "item": "string",
            "cutoff": "string",
            "threshold": "Float64",
            "numerator": "Int64",
            "denominator": "Int64",
        }
    )


def _interval_frame(result, index: pd.Index) -> pd.DataFrame:
    frame = result if isinstance(result, pd.DataFrame) else pd.DataFrame(result)
    frame = frame.reset_index(drop=True)
    frame.index = index
    return frame[["value", "lower", "upper"]].astype("Float64")


def _blank(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def factor_cutoff(
    factor: Mapping, item: str, cutoffs: Mapping[str, str] | None = None
) -> str | None:
    """The cutoff text of a factor's survey item: ``indicator_cutoff`` if given, else
    ``cutoffs[item]`` (the codebook's), else ``None`` (a 0/1 item)."""
    own = factor.get("indicator_cutoff")
    if not _blank(own) and str(own).strip():
        return str(own).strip()
    fallback = (cutoffs or {}).get(item)
    return None if _blank(fallback) or not str(fallback).strip() else str(fallback).strip()


def survey_factor_table(
    survey: pd.DataFrame,
    factors: pd.DataFrame,
    region: str,
    *,
    region_column: str = "region_code",
    comparator: Iterable[str] | pd.Series | None = None,
    interval: Callable | None = None,
    per: int = 100,
    cutoffs: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The ``local`` table for :func:`score_factors` from respondent-level survey data.

    For each factor whose indicator is a ``skolenkat:`` item present in ``survey``:
    the share at risk in ``region`` (with ``indicator_cutoff``; percentiles are taken in
    the comparator group) with its interval, and the comparator group's share.
    ``comparator``: region codes, a boolean mask over ``survey``, or ``None`` for all
    respondents. ``interval(numerator, denominator, per=per)`` must return value, lower,
    upper (default :func:`vpanalysis.indicators.proportion`, Wilson). ``cutoffs`` maps a
    survey item to the cutoff used where the factor's ``indicator_cutoff`` is empty (the
    codebook's ``cutoff`` column, see :func:`codebook_cutoffs`).

    Returns ``factor_id``, ``indicator``, ``item``, ``cutoff``, ``numerator``,
    ``denominator``, ``value``, ``lower``, ``upper``, ``comparator``.
    """
    if interval is None:
        interval = proportion
    if comparator is None:
        comp_mask = pd.Series(True, index=survey.index)
    elif isinstance(comparator, pd.Series):
        comp_mask = comparator.reindex(survey.index, fill_value=False).astype(bool)
    else:
        comp_mask = survey[region_column].isin(list(comparator))
    local_mask = survey[region_column] == region
    rows = []
    for _, factor in factors.iterrows():
        indicator = factor["indicator"]
        if not isinstance(indicator, str) or not indicator.startswith("skolenkat:"):
            continue
        item = indicator.split(":", 1)[1]
        if item not in survey.columns:
            continue
        cutoff = factor_cutoff(factor, item, cutoffs)
        reference = survey.loc[comp_mask]
        here = share_at_risk(survey.loc[local_mask], item, cutoff, reference=reference)
        there = share_at_risk(reference, item, cutoff, reference=reference)
        num, den = int(here["numerator"].iloc[0]), int(here["denominator"].iloc[0])
        c_num, c_den = int(there["numerator"].iloc[0]), int(there["denominator"].iloc[0])
        rows.append(
            {
                "factor_id": factor["factor_id"],
                "indicator": indicator,
                "item": item,
                "cutoff": here["cutoff"].iloc[0],
                "numerator": num,
                "denominator": den,
                "comparator": c_num / c_den * per if c_den else np.nan,
            }
        )
    columns = ["factor_id", "indicator", "item", "cutoff", "numerator", "denominator"]
    out = pd.DataFrame(rows, columns=[*columns, "comparator"])
    if out.empty:
        for col in ("value", "lower", "upper"):
            out[col] = pd.Series(dtype="Float64")
        return out[[*columns, "value", "lower", "upper", "comparator"]]
    ci = _interval_frame(
        interval(out["numerator"].astype("int64"), out["denominator"].astype("int64"), per=per),
        out.index,
    )
    out = pd.concat([out, ci], axis=1)
    out = out.astype({"numerator": "Int64", "denominator": "Int64", "comparator": "Float64"})
    return out[[*columns, "value", "lower", "upper", "comparator"]]


# ---------------------------------------------------------------- the analysis of a municipality

#: Register-based Kolada shares (%) whose denominator is the population of an age group.
#: Their interval is a Wilson interval with that population as denominator (the share is
#: a count of the whole population, so the interval expresses random variation only).
#: KPIs not listed here (survey-based shares such as U01413, rates per inhabitant) get no
#: interval and are therefore never judged better or worse.
KOLADA_DENOMINATORS: dict[str, str] = {
    "N02904": "0-19",  # invånare 0-19 år i ekonomiskt utsatta hushåll
    "N00914": "20-64",  # förvärvsarbetande invånare 20-64 år
}
_INDICATOR_COLUMNS = [
    "factor_id", "source", "indicator", "item", "question", "cutoff", "year", "numerator",
    "denominator", "value", "lower", "upper", "comparator", "comparator_group",
    "comparator_regions",
    "county_value", "sweden_value", "range_low", "range_high",
]  # fmt: skip


def codebook_cutoffs(codebook: pd.DataFrame) -> dict[str, str]:
    """Survey item -> the codebook's cutoff text (items without a cutoff are left out)."""
    rows = codebook[["item", "cutoff"]].dropna()
    return {
        str(i): str(c).strip()
        for i, c in zip(rows["item"], rows["cutoff"], strict=True)
        if str(c).strip()
    }


def latest_survey_year(survey: pd.DataFrame, municipality: str, years: Sequence[int]) -> int | None:
    """The latest survey wave within ``years`` (first and last year) with answers from
    ``municipality``; ``None`` when it has none."""
    lo, hi = int(years[0]), int(years[-1])
    mine = survey[(survey["region_code"] == municipality) & survey["year"].between(lo, hi)]
    return None if mine.empty else int(mine["year"].max())


def _empty_indicators() -> pd.DataFrame:
    return _typed_indicators(pd.DataFrame(columns=_INDICATOR_COLUMNS))


def _typed_indicators(frame: pd.DataFrame) -> pd.DataFrame:
    floats = ["value", "lower", "upper", "comparator", "county_value", "sweden_value"]
    floats += ["range_low", "range_high"]
    out = frame.reindex(columns=_INDICATOR_COLUMNS)
    strings = ["factor_id", "source", "indicator", "item", "question", "cutoff"]
    strings += ["comparator_group", "comparator_regions"]
    types = {**dict.fromkeys(strings, "string"), **dict.fromkeys(floats, "Float64")}
    types.update({"year": "Int64", "numerator": "Int64", "denominator": "Int64"})
    for column, dtype in types.items():
        values = out[column].astype(object) if dtype == "string" else out[column]
        if dtype != "string":
            values = pd.to_numeric(values, errors="coerce")
        out[column] = values.astype(dtype)
    return out.reset_index(drop=True)


def survey_indicators(
    survey: pd.DataFrame,
    factors: pd.DataFrame,
    municipality: str,
    comparison_codes: Sequence[str],
    years: Sequence[int],
    codebook: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Survey-based local indicators of the catalogue's factors, one row per factor.

    Uses the latest wave within ``years`` (:func:`latest_survey_year`). The comparator is the
    other collaborating municipalities' pupils together (``comparison_codes`` without the
    municipality itself) in the same wave; percentile cutoffs are taken in that group.
    ``range_low``/``range_high`` span the share in each collaborating municipality (this one
    included), for the spine chart. Empty when the municipality or its comparators have no
    answers. Columns as :func:`analyse`'s ``indicators``.
    """
    year = latest_survey_year(survey, municipality, years)
    if year is None:
        return _empty_indicators()
    wave = survey[survey["year"] == year]
    present = set(wave["region_code"])
    others = [c for c in dict.fromkeys(comparison_codes) if c != municipality and c in present]
    if not others:
        return _empty_indicators()
    cutoffs = codebook_cutoffs(codebook) if codebook is not None else {}
    questions = (
        dict(zip(codebook["item"], codebook["question"], strict=True))
        if codebook is not None
        else {}
    )
    table = survey_factor_table(wave, factors, municipality, comparator=others, cutoffs=cutoffs)
    if table.empty:
        return _empty_indicators()
    reference = wave[wave["region_code"].isin(others)]
    group = wave[wave["region_code"].isin([municipality, *others])]
    by_id = factors.set_index("factor_id")
    lows, highs = [], []
    for fid, item in zip(table["factor_id"], table["item"], strict=True):
        cutoff = factor_cutoff(by_id.loc[fid], item, cutoffs)
        per_region = share_at_risk(group, item, cutoff, by="region_code", reference=reference)
        den = per_region["denominator"].astype(float)
        shares = (per_region["numerator"].astype(float) / den.where(den > 0)) * 100
        lows.append(shares.min())
        highs.append(shares.max())
    out = table.assign(
        source="skolenkat",
        question=table["item"].map(lambda i: questions.get(i, i)),
        year=year,
        comparator_group="collaborating",
        comparator_regions=",".join(others),
        county_value=np.nan,
        sweden_value=np.nan,
        range_low=lows,
        range_high=highs,
    )
    return _typed_indicators(out)


def kolada_indicators(
    kolada: pd.DataFrame,
    kpis: Iterable[str],
    municipality: str,
    years: Sequence[int],
    population: pd.DataFrame | None = None,
    *,
    comparator: str = SWEDEN_CODE,
) -> pd.DataFrame:
    """Kolada KPIs for the municipality against its county and Sweden, one row per KPI.

    For each KPI: the latest year within ``years`` where both the municipality and the
    ``comparator`` region (default Sweden, ``0000``) have a value (sex ``T``); the
    municipality's value, an interval where :data:`KOLADA_DENOMINATORS` gives the KPI's
    population (``population``: the single-year population table), the county's and
    Sweden's values and the range over the county's municipalities. KPIs without a local
    value are left out. Columns: ``kpi``, ``year``, ``value``, ``lower``, ``upper``,
    ``denominator``, ``comparator``, ``county_value``, ``sweden_value``, ``range_low``,
    ``range_high``.
    """
    county = geography.county_of(municipality)
    county_members = set(geography.municipalities_in(county))
    lo, hi = int(years[0]), int(years[-1])
    frame = kolada[(kolada["sex"] == "T") & kolada["year"].between(lo, hi)]
    frame = frame[frame["value"].notna()]
    rows = []
    for kpi in dict.fromkeys(kpis):
        values = frame[frame["kpi"] == kpi]
        mine = values[values["region_code"] == municipality]
        theirs = values[values["region_code"] == comparator]
        common = sorted(set(mine["year"]) & set(theirs["year"]))
        if not common:
            continue
        year = common[-1]
        at = values[values["year"] == year].set_index("region_code")["value"].astype(float)
        value = float(at[municipality])
        lower = upper = denominator = np.nan
        age_group = KOLADA_DENOMINATORS.get(kpi)
        if age_group and population is not None:
            pop = population_totals(
                population, age_group=age_group, regions=[municipality], years=[year]
            )
            if not pop.empty:
                denominator = int(pop["population"].iloc[0])
                numerator = round(value / 100 * denominator)
                ci = proportion(numerator, denominator, per=100)
                lower, upper = float(ci["lower"].iloc[0]), float(ci["upper"].iloc[0])
        peers = at[at.index.isin(county_members)]
        rows.append(
            {
                "kpi": kpi,
                "year": year,
                "value": value,
                "lower": lower,
                "upper": upper,
                "denominator": denominator,
                "comparator": float(at[comparator]),
                "county_value": float(at[county]) if county in at.index else np.nan,
                "sweden_value": float(at[SWEDEN_CODE]) if SWEDEN_CODE in at.index else np.nan,
                "range_low": peers.min() if len(peers) else np.nan,
                "range_high": peers.max() if len(peers) else np.nan,
            }
        )
    columns = ["kpi", "year", "value", "lower", "upper", "denominator", "comparator"]
    columns += ["county_value", "sweden_value", "range_low", "range_high"]
    out = pd.DataFrame(rows, columns=columns)
    types = {c: "Float64" for c in columns[2:]}
    types.update({"kpi": "string", "year": "Int64", "denominator": "Int64"})
    return out.astype(types)


def kolada_factor_indicators(
    kolada: pd.DataFrame,
    factors: pd.DataFrame,
    municipality: str,
    years: Sequence[int],
    population: pd.DataFrame | None = None,
    kpi_titles: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Kolada-based local indicators of the factors whose indicator is ``kolada:<KPI>``
    (compared with Sweden), in the columns of :func:`analyse`'s ``indicators``."""
    linked = factors[factors["indicator"].fillna("").str.startswith("kolada:")]
    if linked.empty:
        return _empty_indicators()
    kpi_of = dict(zip(linked["factor_id"], linked["indicator"].str.split(":").str[1], strict=True))
    values = kolada_indicators(kolada, kpi_of.values(), municipality, years, population)
    by_kpi = values.set_index("kpi")
    rows = []
    for fid, kpi in kpi_of.items():
        if kpi not in by_kpi.index:
            continue
        row = by_kpi.loc[kpi]
        rows.append(
            {
                "factor_id": fid,
                "source": "kolada",
                "indicator": f"kolada:{kpi}",
                "item": kpi,
                "question": (kpi_titles or {}).get(kpi, kpi),
                **{c: row[c] for c in ["year", "value", "lower", "upper", "comparator"]},
                "denominator": row["denominator"],
                "comparator_group": "sweden",
                "comparator_regions": SWEDEN_CODE,
                **{c: row[c] for c in ["county_value", "sweden_value", "range_low", "range_high"]},
            }
        )
    return _typed_indicators(pd.DataFrame(rows, columns=_INDICATOR_COLUMNS))


def with_collaborating_comparator(
    indicators: pd.DataFrame,
    kolada: pd.DataFrame,
    others: Sequence[str],
    population: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Kolada ``indicators`` compared with the same group as the survey: the other
    collaborating municipalities ``others``, so that every factor of step 3 has one
    comparison group.

    The comparator of each KPI is the others' value in the indicator's year, weighted by
    the population of the KPI's age group where :data:`KOLADA_DENOMINATORS` gives one
    (a pooled share), else their plain mean. A KPI none of the others has that year keeps
    no comparator (and so no judgement). ``comparator_group`` becomes ``collaborating``.
    """
    if indicators.empty or not others:
        return indicators
    out = indicators.copy()
    frame = kolada[(kolada["sex"] == "T") & kolada["value"].notna()]
    for i, row in out.iterrows():
        kpi, year = str(row["item"]), int(row["year"])
        at = frame[(frame["kpi"] == kpi) & (frame["year"] == year)]
        at = at[at["region_code"].isin(list(others))].set_index("region_code")["value"]
        at = at.astype(float)
        value = np.nan
        if len(at):
            value = float(at.mean())
            age_group = KOLADA_DENOMINATORS.get(kpi)
            if age_group and population is not None:
                pop = population_totals(
                    population, age_group=age_group, regions=list(at.index), years=[year]
                )
                weights = pop.set_index("region_code")["population"].reindex(at.index)
                if weights.notna().all() and weights.sum() > 0:
                    value = float((at * weights).sum() / weights.sum())
        out.loc[i, "comparator"] = value
        out.loc[i, "comparator_group"] = "collaborating"
        out.loc[i, "comparator_regions"] = ",".join(others)
    return _typed_indicators(out)


# ---------------------------------------------------------------- survey: from published cells

#: The survey's source key and the group key of all pupils in a publication's cells.
SURVEY_SOURCE = "skolenkat"
ALL_GROUP = "alla"
_POOL_PREFIX = "pool:"  # as vpanalysis.publication.keys.pool_region
#: Columns of :attr:`FactorAnalysis.shares`.
SHARE_COLUMNS = [
    "factor_id", "item", "region", "year", "yes", "answered", "value", "lower", "upper",
]  # fmt: skip
_COUNT_TYPES = {
    "item": "string", "region": "string", "year": "Int64", "yes": "Float64",
    "answered": "Float64",
}  # fmt: skip


def pool_key(codes: Iterable[str]) -> str:
    """The region key of the pooled comparison value over ``codes`` (as
    :func:`vpanalysis.publication.keys.pool_region`)."""
    return _POOL_PREFIX + "+".join(sorted(str(c) for c in codes))


def published_survey_counts(cells: pd.DataFrame) -> pd.DataFrame:
    """The survey's yes- and answered-counts of all pupils (sex ``T``, grade ``alla``) in a
    publication's ``cells``, one row per item, region and year: ``item``, ``region``,
    ``year``, ``yes``, ``answered`` (``<NA>`` where withheld)."""
    columns = ["item", "region", "year", "yes", "answered"]
    d = cells[
        (cells["source"] == SURVEY_SOURCE)
        & (cells["sex"] == "T")
        & (cells["grade"] == ALL_GROUP)
        & cells["answer"].isin(["yes", "answered"])
    ]
    if d.empty:
        return pd.DataFrame(columns=columns).astype(_COUNT_TYPES)
    values = d["value"].astype("Float64").mask(d["withheld"].astype(bool))
    long = pd.DataFrame(
        {
            "item": d["measure"].astype(str).to_numpy(),
            "region": d["region"].astype(str).to_numpy(),
            "year": d["year"].astype("int64").to_numpy(),
            "answer": d["answer"].astype(str).to_numpy(),
            "value": values.astype("float64").to_numpy(),
        }
    )
    wide = long.pivot_table(
        index=["item", "region", "year"], columns="answer", values="value", aggfunc="first",
        dropna=False,
    )  # fmt: skip
    wide = wide.reindex(columns=["yes", "answered"]).reset_index()
    wide.columns.name = None
    return wide[columns].astype(_COUNT_TYPES)


def published_shares(counts: pd.DataFrame, per: int = 100) -> pd.DataFrame:
    """``counts`` (:func:`published_survey_counts`) with ``value``, ``lower``, ``upper``:
    the share and its Wilson interval where both counts are published, else ``<NA>``."""
    out = counts.reset_index(drop=True).copy()
    ok = (out["yes"].notna() & out["answered"].notna() & (out["answered"] > 0)).fillna(False)
    ok = ok.astype(bool)
    for column in ("value", "lower", "upper"):
        out[column] = pd.array([pd.NA] * len(out), dtype="Float64")
    if ok.any():
        ci = proportion(
            out.loc[ok, "yes"].astype("int64").to_numpy(),
            out.loc[ok, "answered"].astype("int64").to_numpy(),
            per=per,
        )
        ci = _interval_frame(ci, out.index[ok])
        for column in ("value", "lower", "upper"):
            out.loc[ok, column] = ci[column]
    return out


def _codebook_cutoff_label(factor: Mapping, item: str, cutoffs: Mapping[str, str]) -> str | None:
    """The cutoff label of a factor's item when the publication's cells count it (the
    codebook's own cutoff), ``None`` when the factor counts the item otherwise."""
    own = factor_cutoff(factor, item, cutoffs)
    book = (cutoffs or {}).get(item)
    if (own or None) != (book or None):
        return None
    cut = _resolve_cutoff(own)
    return "= 1" if cut is None else str(cut)


def published_survey_indicators(
    cells: pd.DataFrame,
    factors: pd.DataFrame,
    municipality: str,
    comparison_codes: Sequence[str],
    years: Sequence[int],
    codebook: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Survey indicators of the factors from a publication's ``cells`` only.

    Like :func:`survey_indicators`, but every number is a published cell or computed from
    published cells alone: the share is shown when its yes- and answered-counts are
    published (else ``<NA>``, so the factor gets no judgement and no difference component),
    the comparator is the pooled cell of the other collaborating municipalities
    (:func:`pool_key`), the range spans the published shares of the collaborating
    municipalities. A factor counting its item with another cutoff than the codebook's has
    no published cells and is left out. Returns ``(indicators, shares)``: the indicators
    (columns as :func:`analyse`'s) and every share they rest on, one row per factor and
    region, the pool included (:data:`SHARE_COLUMNS`).
    """
    empty = (_empty_indicators(), pd.DataFrame(columns=SHARE_COLUMNS))
    counts = published_survey_counts(cells)
    lo, hi = int(years[0]), int(years[-1])
    counts = counts[counts["year"].between(lo, hi)]
    mine = counts[counts["region"] == municipality]
    if mine.empty:
        return empty
    year = int(mine["year"].max())
    wave = published_shares(counts[counts["year"] == year])
    present = set(wave["region"])
    others = [c for c in dict.fromkeys(comparison_codes) if c != municipality and c in present]
    if not others:
        return empty
    pools = [pool_key(others), pool_key(c for c in comparison_codes if c != municipality)]
    pool = next((p for p in pools if p in present), pools[0])
    cutoffs = codebook_cutoffs(codebook) if codebook is not None else {}
    questions = (
        dict(zip(codebook["item"], codebook["question"], strict=True))
        if codebook is not None
        else {}
    )
    by_item = {(r["item"], r["region"]): r for _, r in wave.iterrows()}
    rows, shares = [], []
    for _, factor in factors.iterrows():
        indicator = factor["indicator"]
        if not isinstance(indicator, str) or not indicator.startswith("skolenkat:"):
            continue
        item = indicator.split(":", 1)[1]
        label = _codebook_cutoff_label(factor, item, cutoffs)
        if label is None or (item, municipality) not in by_item:
            continue
        got = {r: by_item[(item, r)] for r in [municipality, *others, pool] if (item, r) in by_item}
        for region, cell in got.items():
            shares.append(
                {"factor_id": factor["factor_id"], "item": item, "region": region, "year": year}
                | {c: cell[c] for c in SHARE_COLUMNS[4:]}
            )
        here = got[municipality]
        spread = [got[r]["value"] for r in [municipality, *others] if r in got]
        spread = [float(v) for v in spread if not _blank(v)]
        rows.append(
            {
                "factor_id": factor["factor_id"],
                "source": SURVEY_SOURCE,
                "indicator": indicator,
                "item": item,
                "question": questions.get(item, item),
                "cutoff": label,
                "year": year,
                "numerator": here["yes"],
                "denominator": here["answered"],
                "value": here["value"],
                "lower": here["lower"],
                "upper": here["upper"],
                "comparator": got[pool]["value"] if pool in got else np.nan,
                "comparator_group": "collaborating",
                "comparator_regions": ",".join(others),
                "county_value": np.nan,
                "sweden_value": np.nan,
                "range_low": min(spread) if spread else np.nan,
                "range_high": max(spread) if spread else np.nan,
            }
        )
    if not rows:
        return empty
    types = {"factor_id": "string", **_COUNT_TYPES}
    types.update(dict.fromkeys(["value", "lower", "upper"], "Float64"))
    share_frame = pd.DataFrame(shares, columns=SHARE_COLUMNS)
    share_frame = share_frame.replace({pd.NA: np.nan}).astype(types)
    return _typed_indicators(pd.DataFrame(rows, columns=_INDICATOR_COLUMNS)), share_frame


#: Columns of :attr:`FactorAnalysis.by_sex`.
SEX_COLUMNS = [
    "factor_id", "item", "region", "year", "sex", "yes", "answered", "value", "lower", "upper",
]  # fmt: skip
#: Sexes the survey shares are split by (the publication's cells: K girls, M boys).
SEXES = ("K", "M")


def published_sex_shares(
    cells: pd.DataFrame, indicators: pd.DataFrame, municipality: str
) -> pd.DataFrame:
    """The survey share of every survey indicator split by sex, from a publication's
    ``cells`` only: girls (``K``) and boys (``M``), all grades, the indicator's year and
    ``municipality``; share and Wilson interval where both counts are published, else
    ``<NA>`` (:data:`SEX_COLUMNS`)."""
    survey = indicators[indicators["source"] == SURVEY_SOURCE]
    d = cells[
        (cells["source"] == SURVEY_SOURCE)
        & (cells["region"] == municipality)
        & (cells["grade"] == ALL_GROUP)
        & cells["sex"].isin(list(SEXES))
        & cells["answer"].isin(["yes", "answered"])
    ]
    rows = []
    for _, ind in survey.iterrows():
        item, year = str(ind["item"]), int(ind["year"])
        for sex in SEXES:
            got = d[(d["measure"] == item) & (d["year"] == year) & (d["sex"] == sex)]
            counts = {}
            for answer in ("yes", "answered"):
                hit = got[got["answer"] == answer]
                withheld = hit.empty or bool(hit["withheld"].iloc[0])
                counts[answer] = np.nan if withheld else float(hit["value"].iloc[0])
            rows.append(
                {"factor_id": ind["factor_id"], "item": item, "region": municipality,
                 "year": year, "sex": sex, **counts}
            )  # fmt: skip
    frame = pd.DataFrame(rows, columns=SEX_COLUMNS[:7])
    frame = frame.astype({"yes": "Float64", "answered": "Float64"})
    out = published_shares(frame)
    types = {"factor_id": "string", "item": "string", "region": "string", "year": "Int64",
             "sex": "string"}  # fmt: skip
    return out[SEX_COLUMNS].astype(types)


def sex_difference(by_sex: pd.DataFrame, minimum_answered: int = 30) -> pd.DataFrame:
    """Girls against boys for each factor of ``by_sex`` (:func:`published_sex_shares`).

    The difference girls − boys (percentage points) with Newcombe's interval (from the
    two Wilson intervals, method 10), which tests the difference itself: ``verdict`` is
    ``higher among girls`` / ``higher among boys`` when the interval excludes 0, ``no
    certain difference`` when it includes 0, ``withheld`` when a share is not published
    (protection of small counts) and ``too few`` when a share rests on fewer than
    ``minimum_answered`` answers. Columns ``factor_id``,
    ``difference``, ``lower``, ``upper``, ``verdict``.
    """
    rows = []
    for fid, group in by_sex.groupby("factor_id", sort=False):
        g = group.set_index("sex")
        if not set(SEXES) <= set(g.index):
            continue
        k, m = g.loc["K"], g.loc["M"]
        withheld = any(_blank(r["value"]) or _blank(r["answered"]) for r in (k, m))
        few = not withheld and any(float(r["answered"]) < minimum_answered for r in (k, m))
        if withheld or few:
            verdict = "withheld" if withheld else "too few"
            rows.append({"factor_id": fid, "difference": np.nan, "lower": np.nan,
                         "upper": np.nan, "verdict": verdict})  # fmt: skip
            continue
        p1, l1, u1 = (float(k[c]) for c in ("value", "lower", "upper"))
        p2, l2, u2 = (float(m[c]) for c in ("value", "lower", "upper"))
        diff = p1 - p2
        lower = diff - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
        upper = diff + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
        verdict = (
            "higher among girls" if lower > 0
            else "higher among boys" if upper < 0
            else "no certain difference"
        )  # fmt: skip
        rows.append({"factor_id": fid, "difference": diff, "lower": lower, "upper": upper,
                     "verdict": verdict})  # fmt: skip
    out = pd.DataFrame(rows, columns=["factor_id", "difference", "lower", "upper", "verdict"])
    return out.astype({"factor_id": "string", "difference": "Float64", "lower": "Float64",
                       "upper": "Float64", "verdict": "string"})  # fmt: skip


@dataclass(frozen=True)
class FactorAnalysis:
    """Step 3 for one municipality: the catalogue, local indicators, scores and priorities.

    ``indicators`` has one row per factor with a local indicator (columns ``factor_id``,
    ``source`` (``skolenkat``/``kolada``), ``indicator``, ``item``, ``question``,
    ``cutoff``, ``year``, ``numerator``, ``denominator``, ``value``, ``lower``, ``upper``,
    ``comparator``, ``comparator_group`` (``collaborating``: the other collaborating
    municipalities together; ``sweden``), ``comparator_regions`` (their codes,
    comma-separated), ``county_value``, ``sweden_value``, ``range_low``, ``range_high``);
    ``scored`` and ``priorities`` come from
    :func:`score_factors` and :func:`select_priorities`. ``published`` is True when the
    survey indicators come from a publication's cells
    (:func:`published_survey_indicators`); ``shares`` then lists every published survey
    share they rest on (per factor and region, the pool included), and ``by_sex`` the
    municipality's shares for girls and boys (:func:`published_sex_shares`).
    """

    municipality_code: str
    catalogue: pd.DataFrame
    indicators: pd.DataFrame
    scored: pd.DataFrame
    priorities: pd.DataFrame
    codebook: pd.DataFrame | None = None
    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    published: bool = False
    shares: pd.DataFrame | None = None
    by_sex: pd.DataFrame | None = None


#: A two-sample verdict (:data:`vpanalysis.verdicts.COMPARISONS`) as a judgement, for a
#: risk factor (``higher_worse``); a protective factor swaps worse and better.
_SIDE_JUDGEMENT = {
    "higher": "worse",
    "lower": "better",
    "no_difference": "similar",
    "too_few": "too few",
    "not_compared": "no data",
}


def survey_judgements(
    indicators: pd.DataFrame, shares: pd.DataFrame, factors: pd.DataFrame
) -> pd.Series:
    """The judgement of each survey indicator against its comparison group by a two-sample
    test: the comparison group (the other collaborating municipalities' pupils) is a sample
    too, so the fixed-reference rule (:func:`judgement`) would overstate certainty.

    :func:`vpanalysis.verdicts.shares_differ` on the published yes- and answered-counts of
    the municipality and of the pooled comparison group (``shares``,
    :attr:`FactorAnalysis.shares`), turned into ``worse``/``better`` by the factor's
    polarity; ``similar`` for no certain difference, ``too few`` under
    :data:`vpanalysis.verdicts.MIN_DENOMINATOR` answers, ``no data`` where a count is
    withheld. Other indicators (Kolada) get ``<NA>``: :func:`score_factors` judges them
    against the comparator's value. Indexed like ``indicators``.
    """
    polarity = dict(zip(factors["factor_id"], factors["indicator_polarity"], strict=True))
    pools = shares[shares["region"].astype(str).str.startswith(_POOL_PREFIX)]
    pool = {str(r["factor_id"]): r for _, r in pools.iterrows()}
    out = pd.Series(pd.NA, index=indicators.index, dtype="string")
    for i, row in indicators.iterrows():
        if row["source"] != SURVEY_SOURCE:
            continue
        theirs = pool.get(str(row["factor_id"]))
        if theirs is None:
            out[i] = "no data"
            continue
        side = verdicts.shares_differ(
            row["numerator"], row["denominator"], theirs["yes"], theirs["answered"]
        )
        verdict = _SIDE_JUDGEMENT[side]
        if polarity.get(row["factor_id"]) == "higher_better" and verdict in ("worse", "better"):
            verdict = "better" if verdict == "worse" else "worse"
        out[i] = verdict
    return out


def analyse(
    factors: pd.DataFrame,
    tables: Tables,
    municipality: str,
    comparison_codes: Sequence[str],
    years: Sequence[int],
    *,
    weights: Mapping[str, float] | None = None,
    minimum: int = 2,
    maximum: int = 5,
    cells: pd.DataFrame | None = None,
    threshold: int = DISCLOSURE_THRESHOLD,
) -> FactorAnalysis:
    """Step 3 from the loaded tables: survey and Kolada indicators, scores, 2–5 priorities.

    ``tables`` is :attr:`vpanalysis.context.Context.tables` (survey, Kolada values, KPI
    list, codebook, single-year population; a missing table gives no indicators from it);
    only ``years`` (first and last) are used. Survey indicators compare with the other
    collaborating municipalities (:func:`survey_indicators`), Kolada indicators with Sweden
    (:func:`kolada_factor_indicators`). A factor measured both ways keeps the survey value.
    With ``cells`` a survey indicator is judged by a two-sample test against the pooled
    comparison group (:func:`survey_judgements`).
    Step 4 calls this again to get the same priorities.

    ``cells`` (the ``cells`` of the protected publication,
    :mod:`vpanalysis.publication`) makes the survey indicators, scores and judgements
    rest on published cells only (:func:`published_survey_indicators`); reports pass it.
    Without ``cells`` the survey indicators are computed from the respondents, and a share
    that :func:`protect_shares` withholds at ``threshold`` is scored as missing (no
    judgement, no difference component): no verdict rests on a withheld value.
    """
    codebook = tables.codebook
    kpis = tables.kpis
    titles = dict(zip(kpis["kpi"], kpis["title"], strict=True)) if kpis is not None else {}
    shares = None
    if cells is not None:
        survey_part, shares = published_survey_indicators(
            cells, factors, municipality, comparison_codes, years, codebook
        )
    elif tables.survey is not None:
        survey_part = survey_indicators(
            tables.survey, factors, municipality, comparison_codes, years, codebook
        )
        if not survey_part.empty:
            protected = protect_shares(survey_part, threshold)
            survey_part = survey_part.assign(
                **{c: protected[c] for c in ("value", "lower", "upper")}
            )
    else:
        survey_part = _empty_indicators()
    kolada_part = (
        kolada_factor_indicators(
            tables.kolada, factors, municipality, years, tables.population, titles
        )
        if tables.kolada is not None
        else _empty_indicators()
    )
    kolada_part = kolada_part[~kolada_part["factor_id"].isin(survey_part["factor_id"])]
    if not survey_part.empty and not kolada_part.empty:
        # one comparison group for every factor: the survey's collaborating municipalities
        others = str(survey_part["comparator_regions"].iloc[0]).split(",")
        kolada_part = with_collaborating_comparator(
            kolada_part, tables.kolada, others, tables.population
        )
    parts = [p for p in (survey_part, kolada_part) if not p.empty]
    indicators = (
        _typed_indicators(pd.concat(parts, ignore_index=True)) if parts else _empty_indicators()
    )
    local = indicators[["factor_id", "value", "lower", "upper", "comparator"]]
    if shares is not None and not indicators.empty:
        local = local.assign(judgement=survey_judgements(indicators, shares, factors).to_numpy())
    scored = score_factors(factors, local, weights)
    priorities = select_priorities(scored, minimum, maximum)
    return FactorAnalysis(
        municipality_code=municipality,
        catalogue=factors,
        indicators=indicators,
        scored=scored,
        priorities=priorities,
        codebook=codebook,
        weights=_weights(weights),
        published=cells is not None,
        shares=shares,
        by_sex=published_sex_shares(cells, indicators, municipality) if cells is not None else None,
    )


# ---------------------------------------------------------------- what may be published


def protect_shares(frame: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Blank shares whose numerator or complement is a small count of persons (1..t-1), and
    the number of respondents when it is itself under the threshold."""
    den = frame["denominator"].astype("Float64")
    hide_share = pd.Series(
        disclosure.small_share(frame["numerator"], den, threshold), index=frame.index
    )
    shares = frame[["value", "lower", "upper"]]
    mask = pd.DataFrame({c: hide_share for c in shares.columns}, index=frame.index)
    out = frame.copy()
    out[["value", "lower", "upper"]] = disclosure.suppress_derived(shares, mask)
    out["denominator"] = frame["denominator"].mask(((den >= 1) & (den < threshold)).fillna(False))
    return out


def published_indicators(
    analysis: FactorAnalysis, threshold: int = DISCLOSURE_THRESHOLD
) -> pd.DataFrame:
    """``analysis.indicators`` as they may be published: survey shares (and intervals)
    blanked where :func:`protect_shares` withholds them. Every table or chart of local
    values reads this, never ``analysis.indicators`` directly. Indicators from a
    publication's cells (``analysis.published``) are returned as they are."""
    ind = analysis.indicators
    if ind.empty or analysis.published:
        return ind
    survey = ind["source"] == "skolenkat"
    out = ind.copy()
    protected = protect_shares(ind[survey], threshold)
    for column in ("value", "lower", "upper", "denominator"):
        out.loc[survey, column] = protected[column]
    return out
