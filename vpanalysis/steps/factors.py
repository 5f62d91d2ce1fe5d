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

import numpy as np
import pandas as pd

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

JUDGEMENTS = ("worse", "similar", "better", "no data")
JUDGEMENT_LABELS = {
    "worse": "sämre än jämförelsen",
    "similar": "som jämförelsen",
    "better": "bättre än jämförelsen",
    "no data": "uppgift saknas",
}
_JUDGEMENT_ALIASES = {
    "sämre": "worse",
    "bättre": "better",
    "likvärdig": "similar",
    "liknande": "similar",
    "lika": "similar",
    "no_data": "no data",
    "": "no data",
}
BASIS_LABELS = {
    ("risk", True): "förhöjd risk",
    ("skydd", True): "försvagat skydd",
    ("risk", False): "ej flaggad – vald på poäng",
    ("skydd", False): "ej flaggad – vald på poäng",
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
    ``judgement``, ``judgement_label``, ``flagged``, ``c_difference``, ``c_evidence``,
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
    table["judgement_label"] = table["judgement"].map(JUDGEMENT_LABELS).astype("string")
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
        "comparator", "judgement", "judgement_label", "flagged", "c_difference", "c_evidence",
        "c_changeability", "c_shared", "score", "rank",
    ]  # fmt: skip
    return table[columns]


def select_priorities(scored: pd.DataFrame, minimum: int = 2, maximum: int = 5) -> pd.DataFrame:
    """The 2–5 priorities from :func:`score_factors`' table.

    Flagged factors (judged worse than the comparator) first, by rank, at most
    ``maximum``; if fewer than ``minimum`` are flagged, the best-ranked unflagged factors
    fill up to ``minimum``. Adds ``priority`` (1..n), ``basis`` (``flagged`` /
    ``not flagged``) and ``basis_label`` (``förhöjd risk``, ``försvagat skydd`` or
    ``ej flaggad – vald på poäng``).
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
    out["basis_label"] = pd.Series(
        [BASIS_LABELS[(t, bool(f))] for t, f in zip(out["type"], out["flagged"], strict=True)],
        dtype="string",
    )
    return out


# ---------------------------------------------------------------- survey: share at risk


def _resolve_cutoff(cutoff: Cutoff | str | float | int | None) -> Cutoff | None:
    if cutoff is None or isinstance(cutoff, Cutoff):
        return cutoff
    if isinstance(cutoff, int | float):
        return Cutoff(">", float(cutoff), None)
    return parse_cutoff(cutoff)


_OPS: dict[str, Callable] = {
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
        at_risk = pd.Series(_OPS[cut.op](answers.to_numpy(), threshold), index=survey.index)
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


def survey_factor_table(
    survey: pd.DataFrame,
    factors: pd.DataFrame,
    region: str,
    *,
    region_column: str = "region_code",
    comparator: Iterable[str] | pd.Series | None = None,
    interval: Callable | None = None,
    per: int = 100,
) -> pd.DataFrame:
    """The ``local`` table for :func:`score_factors` from respondent-level survey data.

    For each factor whose indicator is a ``skolenkat:`` item present in ``survey``:
    the share at risk in ``region`` (with ``indicator_cutoff``; percentiles are taken in
    the comparator group) with its interval, and the comparator group's share.
    ``comparator``: region codes, a boolean mask over ``survey``, or ``None`` for all
    respondents. ``interval(numerator, denominator, per=per)`` must return value, lower,
    upper (default :func:`vpanalysis.indicators.proportion`, Wilson).

    Returns ``factor_id``, ``indicator``, ``item``, ``cutoff``, ``numerator``,
    ``denominator``, ``value``, ``lower``, ``upper``, ``comparator``.
    """
    if interval is None:
        from vpanalysis.indicators import proportion as interval  # noqa: PLC0415
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
        cutoff = factor.get("indicator_cutoff")
        cutoff = None if cutoff is None or pd.isna(cutoff) else str(cutoff)
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
