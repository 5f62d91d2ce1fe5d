"""Step 5, *Implementera, följ upp och sprid*: goals, staff training coverage, activities.

Goal status compares the latest value of a goal's indicator with a straight line from
the baseline to the target, by the one rule of :func:`vpanalysis.verdicts.goal_verdict`
(:data:`STATUSES`): ``reached``, ``on_track``, ``within_margin`` (the value's interval
covers the target or the line), ``not_on_track`` and ``no_data``. A value without an
interval (Kolada, a figure typed into the goals register) says so in its notes, and is
judged on track or not only from two values after the baseline; a figure computed from
the municipality's own registers (trained staff) is complete and judged as it is. A
``within_margin`` value without an interval is step 5's own status :data:`UNDECIDED`
(*kan inte avgöras än*), never counted as within the margin. Where
a police-reported rate's yearly count is under 10, the status is taken from the pooled
last three years (note ``averaged``). Codes only: the Swedish tables, labels and messages are in
:mod:`vpanalysis.presentation.followup`.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from vpanalysis import disclosure, indicators, verdicts
from vpanalysis.config import DISCLOSURE_THRESHOLD
from vpanalysis.data import Tables
from vpanalysis.registers import match_key
from vpanalysis.steps import situation
from vpanalysis.steps.factors import published_shares, published_survey_counts, share_at_risk
from vpanalysis.steps.interventions import (
    POPULATION_SOURCES,
    SURVEY_AGES,
    is_parent_group,
    target_ages,
)

#: A goal whose value has no interval and is ``within_margin`` by
#: :func:`vpanalysis.verdicts.goal_verdict`: there is no margin of error to be within, so
#: step 5 says that the status cannot be decided yet, a status of its own.
UNDECIDED = "undecided"
#: Step 5's goal statuses: :data:`vpanalysis.verdicts.GOAL_STATUSES` and :data:`UNDECIDED`
#: (after ``within_margin``), in the order the report counts them.
STATUSES = (*verdicts.GOAL_STATUSES[:3], UNDECIDED, *verdicts.GOAL_STATUSES[3:])
#: Years pooled for a goal's value when the latest year's counts are few.
POOLED_YEARS = 3
#: The ``administration`` of the total rows of :func:`training_coverage`.
TOTAL = "total"
WEEK_47 = 47
_EPS = 1e-9


def _select(frame: pd.DataFrame, municipality: str | None) -> pd.DataFrame:
    if municipality is None:
        return frame
    return frame[frame["municipality_code"] == municipality]


# ---------------------------------------------------------------- goals


_POINT = ("year", "value", "lower", "upper", "count", "population")


def _latest_from_table(indicators: pd.DataFrame | None, as_of: int | None) -> dict:
    """(indicator, municipality) -> the rows of the table, as dicts of :data:`_POINT`."""
    if indicators is None or indicators.empty:
        return {}
    code_col = "municipality_code" if "municipality_code" in indicators else "region_code"
    table = indicators.reindex(columns=["indicator", code_col, *_POINT]).dropna(
        subset=["year", "value"]
    )
    if as_of is not None:
        table = table[table["year"] <= as_of]
    out: dict[tuple[str, str], list[dict]] = {}
    for row in table.to_dict("records"):
        point = {k: (None if pd.isna(row[k]) else float(row[k])) for k in _POINT}
        point["year"] = int(row["year"])
        out.setdefault((str(row["indicator"]), str(row[code_col])), []).append(point)
    return out


def classify(
    baseline_year: int,
    baseline_value: float,
    target_year: int,
    target_value: float,
    direction: str,
    latest_year: int | None,
    latest_value: float | None,
    lower: float | None = None,
    upper: float | None = None,
    previous: tuple[int, float] | None = None,
) -> tuple[str, float | None, float | None]:
    """(status, progress, expected_progress) of one goal by
    :func:`vpanalysis.verdicts.goal_verdict`."""
    v = verdicts.goal_verdict(
        baseline_year, baseline_value, target_year, target_value, direction, latest_year,
        latest_value, lower, upper, previous=previous,
    )  # fmt: skip
    return v.status, v.progress, v.expected


def _few(indicator: str, point: dict) -> bool:
    """Whether a value's counts are too few for a verdict (:func:`vpanalysis.verdicts.too_few`):
    a BRÅ rate's count, a survey share's respondents."""
    source = str(indicator).partition(":")[0].strip().lower()
    if source == "bra":
        return verdicts.too_few(count=point.get("count"))
    if source == "skolenkat":
        return verdicts.too_few(denominator=point.get("population"))
    return False


def pooled_value(indicator: str, points: list[dict]) -> dict | None:
    """The last :data:`POOLED_YEARS` values of ``points`` (with counts) of a BRÅ rate
    pooled: the sum of counts over the sum of populations (per 100 000, exact/Byar's
    interval); the ``year`` is the mean year. ``None`` for other sources (a survey share
    with few respondents keeps its own wide interval) or without counts."""
    last = sorted(points, key=lambda p: p["year"])[-POOLED_YEARS:]
    if len(last) < 2 or any(p.get("count") is None or p.get("population") is None for p in last):
        return None
    count = sum(p["count"] for p in last)
    population = sum(p["population"] for p in last)
    if str(indicator).partition(":")[0].strip().lower() != "bra":
        return None  # a local source's pooled value would be no published cell
    row = indicators.rate([count], [population], per=100_000).iloc[0]
    return {
        "year": sum(p["year"] for p in last) / len(last),
        "year_from": last[0]["year"],
        "value": float(row["value"]),
        "lower": float(row["lower"]),
        "upper": float(row["upper"]),
        "count": count,
        "population": population,
    }


def goal_status(
    goals: pd.DataFrame,
    indicators: pd.DataFrame | None = None,
    municipality: str | None = None,
    as_of: int | None = None,
) -> pd.DataFrame:
    """Status of each goal (see the module docstring).

    The latest value is the most recent of the register's ``latest_year``/``latest_value``
    and, if given, the ``indicators`` table (columns ``indicator``, ``municipality_code``
    or ``region_code``, ``year``, ``value`` and, where the source gives them, ``lower``,
    ``upper``, ``count``, ``population``; e.g. :func:`goal_series`); on the same year the
    table wins. ``as_of`` ignores later years.

    Columns: ``goal_id``, ``municipality_code``, ``goal``, ``indicator``, ``direction``,
    ``baseline_year``, ``baseline_value``, ``target_year``, ``target_value``,
    ``latest_year``, ``latest_value`` (a pooled value when ``averaged``),
    ``latest_lower``, ``latest_upper`` (its 95 % interval, ``<NA>`` without one),
    ``latest_from`` (the first year pooled, else the latest year), ``latest_source``
    (``register`` / ``indicator``), ``progress`` (share of the way from baseline to
    target), ``expected_progress``, ``path_value`` (the line's value), ``status`` (one of
    :data:`STATUSES`; :data:`UNDECIDED` for ``within_margin`` without an interval) and
    ``notes`` (codes of :data:`vpanalysis.verdicts.GOAL_NOTES`, comma-separated).
    """
    frame = _select(goals, municipality)
    table = _latest_from_table(indicators, as_of)
    rows = []
    for _, g in frame.iterrows():
        candidates: list[tuple[int, int, dict, str]] = []
        has_latest = pd.notna(g.get("latest_year")) and pd.notna(g.get("latest_value"))
        if has_latest and (as_of is None or g["latest_year"] <= as_of):
            point = dict.fromkeys(_POINT)
            point.update(year=int(g["latest_year"]), value=float(g["latest_value"]))
            candidates.append((point["year"], 0, point, "register"))
        after = [
            p for p in table.get((g["indicator"], g["municipality_code"]), [])
            if p["year"] > g["baseline_year"]
        ]  # fmt: skip
        candidates += [(p["year"], 1, p, "indicator") for p in after]
        candidates.sort(key=lambda c: (c[0], c[1]))
        latest, source, previous, averaged = None, None, None, False
        if candidates:
            _, _, latest, source = candidates[-1]
            earlier = [c for c in candidates if c[0] < latest["year"]]
            if earlier:
                previous = (earlier[-1][0], earlier[-1][2]["value"])
            if source == "indicator" and _few(g["indicator"], latest):
                pooled = pooled_value(g["indicator"], after)
                if pooled is not None:
                    latest = {**pooled, "year_latest": latest["year"]}
                    averaged = True
        v = verdicts.goal_verdict(
            int(g["baseline_year"]),
            float(g["baseline_value"]),
            int(g["target_year"]),
            float(g["target_value"]),
            g["direction"],
            None if latest is None else latest["year"],
            None if latest is None else latest["value"],
            None if latest is None else latest.get("lower"),
            None if latest is None else latest.get("upper"),
            previous=previous,
            averaged=averaged,
            exact=source == "indicator" and str(g["indicator"]).startswith("register:"),
        )
        shown = v.status
        if shown == "within_margin" and "no_interval" in v.notes:
            shown = UNDECIDED
        latest_year = None
        if latest is not None:
            latest_year = latest.get("year_latest", latest["year"])
        rows.append(
            {
                "goal_id": g["goal_id"],
                "municipality_code": g["municipality_code"],
                "goal": g["goal"],
                "indicator": g["indicator"],
                "direction": g["direction"],
                "baseline_year": g["baseline_year"],
                "baseline_value": g["baseline_value"],
                "target_year": g["target_year"],
                "target_value": g["target_value"],
                "latest_year": latest_year,
                "latest_value": None if latest is None else latest["value"],
                "latest_lower": None if latest is None else latest.get("lower"),
                "latest_upper": None if latest is None else latest.get("upper"),
                "latest_from": None if latest is None else latest.get("year_from", latest_year),
                "latest_source": source,
                "progress": v.progress,
                "expected_progress": v.expected,
                "path_value": v.path_value,
                "status": shown,
                "notes": ",".join(v.notes),
            }
        )
    columns = [
        "goal_id", "municipality_code", "goal", "indicator", "direction", "baseline_year",
        "baseline_value", "target_year", "target_value", "latest_year", "latest_value",
        "latest_lower", "latest_upper", "latest_from", "latest_source", "progress",
        "expected_progress", "path_value", "status", "notes",
    ]  # fmt: skip
    out = pd.DataFrame(rows, columns=columns)
    dtypes = {
        "baseline_year": "Int64",
        "target_year": "Int64",
        "latest_year": "Int64",
        "latest_from": "Int64",
    }
    for col in ("baseline_value", "target_value", "latest_value", "latest_lower",
                "latest_upper", "progress", "expected_progress", "path_value"):  # fmt: skip
        dtypes[col] = "Float64"
    for col in ("goal_id", "municipality_code", "goal", "indicator", "direction",
                "latest_source", "status", "notes"):  # fmt: skip
        dtypes[col] = "string"
    return out.astype(dtypes)


#: Kolada KPIs that are police-reported crime.
REPORTED_CRIME_KPIS = ("N07403", "N07402")


def uses_reported_crime(indicator: object) -> bool:
    """Whether a goal's indicator is police-reported crime (``bra:<category>``, or a Kolada
    KPI of :data:`REPORTED_CRIME_KPIS`): more reports can mean that more people dare to
    report, so a goal to reduce it can be missed by success."""
    source, _, measure = str(indicator).partition(":")
    source = source.strip().lower()
    return source == "bra" or (source == "kolada" and measure.strip() in REPORTED_CRIME_KPIS)


def reported_crime_goals(goals: pd.DataFrame, municipality: str | None = None) -> pd.DataFrame:
    """The goals (``goal_id``, ``goal``, ``indicator``, ``direction``) whose indicator is
    police-reported crime (:func:`uses_reported_crime`)."""
    frame = _select(goals, municipality)
    hit = frame["indicator"].map(uses_reported_crime).astype(bool)
    return frame.loc[hit, ["goal_id", "goal", "indicator", "direction"]].reset_index(drop=True)


def is_count_indicator(indicator: object) -> bool:
    """Whether a goal indicator is a count of persons (:data:`COUNT_SOURCES`,
    :data:`COUNT_INDICATORS`)."""
    text = str(indicator)
    return text in COUNT_INDICATORS or text.partition(":")[0].strip().lower() in COUNT_SOURCES


def _near(series: pd.DataFrame, indicator: str, year: int) -> pd.DataFrame:
    d = series[series["indicator"] == indicator]
    reach = 1 if str(indicator).startswith("skolenkat:") else 0
    return d[(d["year"].astype(int) - int(year)).abs() <= reach]


def published_goal_status(
    status: pd.DataFrame, series: pd.DataFrame, threshold: int = DISCLOSURE_THRESHOLD
) -> pd.DataFrame:
    """:func:`goal_status` as it may be published.

    A goal's baseline, target or latest value typed in as a count of persons
    (:func:`is_count_indicator`) is withheld when it is 1..``threshold``-1; a survey goal's
    baseline is withheld when the data's share of that year (or the survey year next to it)
    is withheld in ``series`` (the published :func:`goal_series`), as the typed share would
    reveal it; likewise a count's typed baseline (or typed latest value) of a year whose
    published count is withheld. A goal with a withheld value gets no status (``no_data``)
    and no progress.
    """
    out = status.copy()
    for i, g in out.iterrows():
        hide = set()
        if is_count_indicator(g["indicator"]):
            for column in ("baseline_value", "target_value", "latest_value"):
                v = g[column]
                if pd.notna(v) and 1 <= float(v) < threshold:
                    hide.add(column)
        if str(g["indicator"]).startswith("skolenkat:") and pd.notna(g["baseline_year"]):
            near = _near(series, g["indicator"], int(g["baseline_year"]))
            if near["suppressed"].astype(bool).any():
                hide.add("baseline_value")
        if is_count_indicator(g["indicator"]) and "suppressed" in series:
            # a typed count of a year whose published count is withheld would reveal it
            for column in ("baseline_value", "latest_value"):
                year = g[column.replace("_value", "_year")]
                if column == "latest_value" and g.get("latest_source") != "register":
                    continue
                if pd.notna(year) and pd.notna(g[column]):
                    near = _near(series, g["indicator"], int(year))
                    if near["suppressed"].astype(bool).any():
                        hide.add(column)
        for column in hide:
            out.loc[i, column] = pd.NA
        if "latest_value" in hide:
            out.loc[i, ["latest_lower", "latest_upper"]] = pd.NA
        if hide:
            out.loc[i, ["progress", "expected_progress", "path_value"]] = pd.NA
            out.loc[i, "status"] = "no_data"
            out.loc[i, "notes"] = ""
    return out


# ---------------------------------------------------------------- training coverage


def training_coverage(
    plan: pd.DataFrame,
    log: pd.DataFrame,
    municipality: str | None = None,
    year: int | None = None,
    total: bool = False,
) -> pd.DataFrame:
    """Staff trained against plan, per municipality, administration and year.

    Columns: ``municipality_code``, ``administration`` (as spelled in the plan),
    ``year``, ``planned``, ``trained`` (participants in the log that year), ``share``
    (trained / planned; ``<NA>`` when nothing is planned), and the same accumulated over
    the years up to and including ``year``: ``cumulative_planned``,
    ``cumulative_trained``, ``cumulative_share``. Trainings in a year without a plan row
    appear with ``planned`` 0. ``year`` keeps that year only (cumulative values still count
    earlier years); ``total`` adds a row per municipality and year whose
    ``administration`` is :data:`TOTAL`.
    """
    plan = _select(plan, municipality)
    log = _select(log, municipality)
    planned = plan.assign(_admin=plan["administration"].map(match_key))
    planned = planned.groupby(["municipality_code", "_admin", "year"], as_index=False).agg(
        administration=("administration", "first"), planned=("planned", "sum")
    )
    years = log["date"].dt.year if "year" not in log else log["year"]
    done = log.assign(_admin=log["administration"].map(match_key), year=years)
    done = done.groupby(["municipality_code", "_admin", "year"], as_index=False).agg(
        administration_log=("administration", "first"), trained=("participants", "sum")
    )
    keys = ["municipality_code", "_admin", "year"]
    # object keys: merging two empty Arrow-backed string columns fails in pandas 3.1
    planned = planned.astype({"municipality_code": object, "_admin": object})
    done = done.astype({"municipality_code": object, "_admin": object})
    out = planned.merge(done, on=keys, how="outer")
    out["administration"] = out["administration"].fillna(out["administration_log"])
    names = (
        out.dropna(subset=["administration"])
        .groupby(["municipality_code", "_admin"])["administration"]
        .first()
    )
    out["administration"] = [
        names.get((c, a), a) for c, a in zip(out["municipality_code"], out["_admin"], strict=True)
    ]
    out["planned"] = out["planned"].fillna(0)
    out["trained"] = out["trained"].fillna(0)
    out = out.sort_values(["municipality_code", "_admin", "year"], kind="stable")
    if total:
        totals = out.groupby(["municipality_code", "year"], as_index=False)[
            ["planned", "trained"]
        ].sum()
        totals["administration"] = TOTAL
        totals["_admin"] = "\uffff"  # sorts last
        out = pd.concat([out, totals], ignore_index=True)
    out = out.sort_values(["municipality_code", "_admin", "year"], kind="stable")
    grouped = out.groupby(["municipality_code", "_admin"])
    out["cumulative_planned"] = grouped["planned"].cumsum()
    out["cumulative_trained"] = grouped["trained"].cumsum()
    out["share"] = _ratio(out["trained"], out["planned"])
    out["cumulative_share"] = _ratio(out["cumulative_trained"], out["cumulative_planned"])
    if year is not None:
        out = out[out["year"] == year]
    columns = [
        "municipality_code", "administration", "year", "planned", "trained", "share",
        "cumulative_planned", "cumulative_trained", "cumulative_share",
    ]  # fmt: skip
    out = out[columns].reset_index(drop=True)
    ints = ["year", "planned", "trained", "cumulative_planned", "cumulative_trained"]
    return out.astype(
        {
            **dict.fromkeys(ints, "Int64"),
            "share": "Float64",
            "cumulative_share": "Float64",
            "administration": "string",
            "municipality_code": "string",
        }
    )


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    num = numerator.astype(float)
    den = denominator.astype(float)
    return pd.Series(np.where(den > 0, num / den.where(den > 0, 1.0), np.nan), index=num.index)


# ---------------------------------------------------------------- activities


def touches_week(start: pd.Timestamp, end: pd.Timestamp, week: int) -> bool:
    """Whether some day from ``start`` to ``end`` (default ``start``) is in ISO ``week``."""
    if pd.isna(start):
        return False
    end = start if pd.isna(end) else end
    days = pd.date_range(start, end, freq="D")
    return bool((days.isocalendar().week == week).any())


def activity_summary(
    activities: pd.DataFrame, municipality: str | None = None, year: int | None = None
) -> pd.DataFrame:
    """Per municipality and year (of ``start_date``): ``n_activities``, ``reach`` (sum of
    known reach), ``n_reach_missing``, ``week_47`` (some activity falls in ISO week 47,
    *En vecka fri från våld*), ``channels`` and ``organisers`` (``", "``-joined)."""
    frame = _select(activities, municipality)
    frame = frame.assign(year=frame["start_date"].dt.year)
    if year is not None:
        frame = frame[frame["year"] == year]
    rows = []
    for (code, yr), group in frame.groupby(["municipality_code", "year"], sort=True):
        channels = dict.fromkeys(c for values in group["channels"] for c in values)
        rows.append(
            {
                "municipality_code": code,
                "year": yr,
                "n_activities": len(group),
                "reach": group["reach"].sum(min_count=1),
                "n_reach_missing": int(group["reach"].isna().sum()),
                "week_47": any(
                    touches_week(s, e, WEEK_47)
                    for s, e in zip(group["start_date"], group["end_date"], strict=True)
                ),
                "channels": ", ".join(channels),
                "organisers": ", ".join(dict.fromkeys(group["organiser"])),
            }
        )
    columns = [
        "municipality_code", "year", "n_activities", "reach", "n_reach_missing", "week_47",
        "channels", "organisers",
    ]  # fmt: skip
    out = pd.DataFrame(rows, columns=columns)
    return out.astype(
        {
            "year": "Int64",
            "n_activities": "Int64",
            "reach": "Int64",
            "n_reach_missing": "Int64",
            "week_47": bool,
        }
    )


def published_activities(activities: pd.DataFrame, threshold: int = DISCLOSURE_THRESHOLD):
    """The activities register as it may be published: a ``reach`` (people reached, a
    count of persons) of 1..``threshold``-1 is withheld (``<NA>``, as unknown), so every
    sum of known reach (:func:`activity_summary`) adds up published values only."""
    return disclosure.withhold_small(activities, "reach", threshold)


# ---------------------------------------------------------------- register indicators


def register_indicators(
    plan: pd.DataFrame | None = None,
    log: pd.DataFrame | None = None,
    activities: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Indicators computed from the registers, in the shape :func:`goal_status` takes:
    ``indicator``, ``municipality_code``, ``year``, ``value``.

    ``register:training_coverage``: staff trained as a percentage of staff planned,
    accumulated over the years, all administrations together. ``register:activity_reach``:
    people reached by the year's activities (known reach only).
    """
    parts = []
    if plan is not None and log is not None:
        cov = training_coverage(plan, log, total=True)
        cov = cov[cov["administration"] == TOTAL]
        parts.append(
            pd.DataFrame(
                {
                    "indicator": "register:training_coverage",
                    "municipality_code": cov["municipality_code"],
                    "year": cov["year"],
                    "value": cov["cumulative_share"] * 100,
                }
            )
        )
    if activities is not None:
        act = activity_summary(activities)
        parts.append(
            pd.DataFrame(
                {
                    "indicator": "register:activity_reach",
                    "municipality_code": act["municipality_code"],
                    "year": act["year"],
                    "value": act["reach"].astype("Float64"),
                }
            )
        )
    columns = ["indicator", "municipality_code", "year", "value"]
    if not parts:
        return pd.DataFrame(columns=columns)
    out = pd.concat(parts, ignore_index=True)[columns]
    return (
        out.dropna(subset=["value"])
        .astype(
            {
                "indicator": "string",
                "municipality_code": "string",
                "year": "Int64",
                "value": "Float64",
            }
        )
        .reset_index(drop=True)
    )


# ---------------------------------------------------------------- goal indicator series

#: Columns of :func:`indicator_series` / :func:`goal_series`.
SERIES_COLUMNS = [
    "indicator", "municipality_code", "year", "value", "lower", "upper", "count",
    "population", "suppressed",
]  # fmt: skip


def baseline_year(goals: pd.DataFrame, municipality: str | None = None) -> int | None:
    """The year the municipality's goals start from (the most common ``baseline_year``;
    the earliest of equally common ones), or ``None`` without goals."""
    years = _select(goals, municipality)["baseline_year"].dropna().astype(int)
    if years.empty:
        return None
    counts = years.value_counts()
    return int(min(counts[counts == counts.max()].index))


def split_indicator(indicator: str) -> tuple[str, str]:
    """``"skolenkat:risk_normer"`` -> ``("skolenkat", "risk_normer")``; ``register:...``
    keeps its whole name as the measure's source (``("register", "training_coverage")``)."""
    source, sep, measure = str(indicator).partition(":")
    if not sep or not measure:
        raise ValueError(f"a goal indicator is 'source:measure', got {indicator!r}")
    return source.strip().lower(), measure.strip()


def _empty_series() -> pd.DataFrame:
    return _series_frame(pd.DataFrame(columns=SERIES_COLUMNS))


def _series_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.reindex(columns=SERIES_COLUMNS)
    out["suppressed"] = out["suppressed"].astype("boolean").fillna(False)
    return (
        out.astype(
            {
                "indicator": "string",
                "municipality_code": "string",
                "year": "Int64",
                "value": "Float64",
                "lower": "Float64",
                "upper": "Float64",
                "count": "Float64",
                "population": "Float64",
                "suppressed": bool,
            }
        )
        .sort_values("year", kind="stable")
        .reset_index(drop=True)
    )


def codebook_row(codebook: pd.DataFrame | None, item: str) -> pd.Series | None:
    """The codebook's row of a survey ``item`` (``None`` when it has none)."""
    if codebook is None or codebook.empty:
        return None
    rows = codebook[codebook["item"] == item]
    return None if rows.empty else rows.iloc[0]


def item_cutoff(codebook: pd.DataFrame | None, item: str) -> str | None:
    """The codebook's ``cutoff`` of a survey ``item`` (``None`` when empty or missing)."""
    row = codebook_row(codebook, item)
    if row is None:
        return None
    cutoff = row.get("cutoff")
    return None if cutoff is None or pd.isna(cutoff) or not str(cutoff).strip() else str(cutoff)


def _survey_series(
    survey: pd.DataFrame | None,
    codebook: pd.DataFrame | None,
    item: str,
    municipality: str,
    threshold: int,
) -> pd.DataFrame:
    if survey is None or item not in survey.columns:
        return _empty_series()
    here = survey[survey["region_code"] == municipality]
    if here.empty:
        return _empty_series()
    # Percentile cut-offs are taken in all respondents of all years: one fixed threshold.
    shares = share_at_risk(here, item, item_cutoff(codebook, item), by="year", reference=survey)
    num = shares["numerator"].astype("float64")
    den = shares["denominator"].astype("float64")
    ci = indicators.proportion(num.to_numpy(), den.to_numpy(), per=100).reset_index(drop=True)
    # Counts of pupils: a share is withheld when the pupils with, or without, the answer
    # are 1..threshold-1 (one is derivable from the other and the total).
    small = disclosure.small_share(num, den, threshold)
    frame = pd.DataFrame(
        {
            "year": shares["year"].to_numpy(),
            "value": ci["value"].to_numpy(),
            "lower": ci["lower"].to_numpy(),
            "upper": ci["upper"].to_numpy(),
            "count": num.to_numpy(),
            "population": den.to_numpy(),
        }
    )
    for col in ("value", "lower", "upper", "count", "population"):
        frame[col] = frame[col].mask(small)
    return frame.assign(suppressed=small)


def _published_survey_series(cells: pd.DataFrame, item: str, municipality: str) -> pd.DataFrame:
    """A survey item's yearly share from a publication's ``cells``: all pupils, the share
    and interval where both the yes- and the answered-count are published, else withheld."""
    counts = published_survey_counts(cells)
    counts = counts[(counts["item"] == item) & (counts["region"] == municipality)]
    if counts.empty:
        return _empty_series()
    shares = published_shares(counts)
    return pd.DataFrame(
        {
            "year": shares["year"],
            "value": shares["value"],
            "lower": shares["lower"],
            "upper": shares["upper"],
            "count": shares["yes"].where(shares["value"].notna()),
            "population": shares["answered"].where(shares["value"].notna()),
            "suppressed": shares["value"].isna(),
        }
    )


#: The sources whose goal indicators are counts of persons (a goal's values typed in
#: the register as such are protected like the data, :func:`published_goal_status`).
COUNT_SOURCES = ("socialtjanst", "kvinnojour")
#: Register indicators that are counts of persons.
COUNT_INDICATORS = ("register:activity_reach",)


def _published_count_series(
    cells: pd.DataFrame, source: str, measure: str, municipality: str
) -> pd.DataFrame:
    """A local source's yearly count of ``measure`` (both sexes, all ages) from a
    publication's ``cells``; ``<NA>`` and ``suppressed`` where withheld."""
    d = cells[
        (cells["source"] == source)
        & (cells["region"] == municipality)
        & (cells["measure"].map(match_key) == match_key(measure))
    ]
    if d.empty:
        return _empty_series()
    if (d["sex"] == "T").any():
        d = d[d["sex"] == "T"]
    if (d["age"] == "totalt").any():
        d = d[d["age"] == "totalt"]
    d = d.drop_duplicates("year") if d.groupby("year")["age"].nunique().max() == 1 else d.iloc[0:0]
    hidden = d["withheld"].astype(bool)
    return pd.DataFrame(
        {
            "year": d["year"].astype("int64"),
            "value": d["value"].astype("Float64").mask(hidden),
            "suppressed": hidden,
        }
    )


def _kolada_series(kolada: pd.DataFrame | None, kpi: str, municipality: str) -> pd.DataFrame:
    if kolada is None:
        return _empty_series()
    rows = situation.kolada_series(Tables(kolada=kolada), kpi, [municipality])
    return pd.DataFrame({"year": rows["year"], "value": rows["value"]})


def _bra_series(
    observations: pd.DataFrame | None,
    population: pd.DataFrame | None,
    category: str,
    municipality: str,
) -> pd.DataFrame:
    if observations is None or population is None:
        return _empty_series()
    obs = observations[
        (observations["source"] == "bra")
        & (observations["region_code"] == municipality)
        & (observations["category"].map(match_key) == match_key(category))
    ]
    if obs.empty:
        return _empty_series()
    if (obs["sex"] == "T").any():  # a category counted for both sexes: the total
        obs = obs[obs["sex"] == "T"]
    rated = situation.rates(obs, population, regions=[municipality])
    return pd.DataFrame(
        {
            "year": rated["year"],
            "value": rated["value"],
            "lower": rated["lower"],
            "upper": rated["upper"],
            "count": rated["count"].astype("Float64"),
            "population": rated["population"].astype("Float64"),
        }
    )


def indicator_series(
    indicator: str,
    municipality: str,
    tables: Tables | None = None,
    *,
    plan: pd.DataFrame | None = None,
    log: pd.DataFrame | None = None,
    activities: pd.DataFrame | None = None,
    threshold: int = DISCLOSURE_THRESHOLD,
    cells: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One goal indicator's yearly series for one municipality, from the data.

    ``tables`` are the loaded tables (:attr:`vpanalysis.context.Context.tables`, limited
    to the report's years).

    * ``skolenkat:<item>``: share of pupils (%) with the answer the codebook's ``cutoff``
      marks (``= 1`` for 0/1 items), Wilson 95 % interval; ``count``/``population`` are the
      pupils with the answer / who answered. A year where the pupils with or without the
      answer number 1..``threshold``-1 is withheld (``suppressed``, values ``<NA>``).
    * ``kolada:<KPI>``: Kolada's value for both sexes (``T``); no interval, no counts.
    * ``bra:<category>``: police-reported crimes of the category per 100 000 inhabitants
      (of the category's own sex and age group), exact Poisson/Byar's 95 % interval.
    * ``register:training_coverage`` / ``register:activity_reach``: from the registers
      (:func:`register_indicators`; pass ``plan``, ``log``, ``activities``).

    ``cells`` (the protected publication's cells) make local sources come from published
    cells only: ``skolenkat:<item>`` (withheld where its yes- or answered-count is) and the
    counts ``socialtjanst:<category>`` / ``kvinnojour:<category>``; a report passes them.

    Returns :data:`SERIES_COLUMNS`; empty when the source has nothing for the
    municipality (or the indicator is unknown).
    """
    tables = tables or Tables()
    source, measure = split_indicator(indicator)
    if cells is not None and source == "skolenkat":
        frame = _published_survey_series(cells, measure, municipality)
    elif cells is not None and source in COUNT_SOURCES:
        frame = _published_count_series(cells, source, measure, municipality)
    elif source == "skolenkat":
        frame = _survey_series(tables.survey, tables.codebook, measure, municipality, threshold)
    elif source == "kolada":
        frame = _kolada_series(tables.kolada, measure, municipality)
    elif source == "bra":
        frame = _bra_series(tables.observations, tables.population, measure, municipality)
    elif source == "register":
        reg = register_indicators(plan, log, activities)
        reg = reg[
            (reg["indicator"] == f"register:{measure}") & (reg["municipality_code"] == municipality)
        ]
        frame = reg[["year", "value"]]
    else:
        frame = _empty_series()
    if frame.empty:
        return _empty_series()
    return _series_frame(frame.assign(indicator=indicator, municipality_code=municipality))


def goal_series(
    goals: pd.DataFrame,
    municipality: str,
    tables: Tables | None = None,
    *,
    registers=None,
    threshold: int = DISCLOSURE_THRESHOLD,
    cells: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """:func:`indicator_series` for every indicator of the municipality's goals, stacked.

    ``registers`` (a :class:`vpanalysis.registers.Registers`) supplies the training plan,
    log and activities for ``register:`` indicators. The result can be passed to
    :func:`goal_status` as ``indicators`` so the latest values come from the data.
    ``cells``: as :func:`indicator_series` (and the activities' reach as
    :func:`published_activities`).
    """
    frame = _select(goals, municipality)
    kwargs = {}
    if registers is not None:
        kwargs = {
            "plan": registers.training_plan,
            "log": registers.training_log,
            "activities": registers.activities,
        }
        if cells is not None and registers.activities is not None:
            kwargs["activities"] = published_activities(registers.activities, threshold)
    parts = [
        indicator_series(ind, municipality, tables, threshold=threshold, cells=cells, **kwargs)
        for ind in dict.fromkeys(frame["indicator"].dropna())
    ]
    parts = [p for p in parts if not p.empty]
    if not parts:
        return _empty_series()
    return pd.concat(parts, ignore_index=True)


# ---------------------------------------------------------------- before/after an intervention

#: Segmented regression (:func:`vpanalysis.indicators.segmented_regression`) per goal.
ITS_COLUMNS = [
    "goal_id", "goal", "indicator", "intervention_id", "intervention", "start_date",
    "intervention_year", "n_before", "n_after", "estimated", "outcome", "level_change",
    "level_lower", "level_upper", "trend_change", "trend_lower", "trend_upper", "dispersion",
    "quasi", "few_points", "error", "after_from", "level_only", "problem",
]  # fmt: skip

#: The ``outcome`` of :func:`goal_its`: why no estimate was made, or what the level did.
ITS_OUTCOMES = (
    "no_intervention",  # the goal names no intervention
    "unknown_intervention",  # the intervention is not in the register
    "misfit",  # the goal's indicator cannot show the intervention's effect (goal_fit)
    "no_start_date",  # the intervention has no start date
    "no_counts",  # the indicator has values but no counts and populations
    "too_few_points",  # fewer years than the regression needs
    "not_estimable",  # the regression failed (``error`` says why)
    "level_down",  # the level change's interval lies below 1
    "level_up",  # ... above 1
    "no_level_change",  # the interval includes 1
)

#: An estimate with fewer years than this before or after the start is flagged
#: (``few_points``): interpret with care.
ITS_FEW_POINTS = 5
#: A change in trend is estimated only with at least this many points from the start on;
#: with fewer, the before/after analysis estimates a level change only (``level_only``).
ITS_TREND_POINTS_AFTER = 3
#: The month by which the school survey has been taken each year (the waves are in the
#: spring; only the survey's year is known). A wave counts as *after* an intervention only
#: if it was taken on or after the start: the wave of the start year counts as after only
#: when the intervention started before this month, else as before.
SURVEY_MONTH = 3

#: Why a goal's indicator cannot show the effect of the intervention it follows
#: (:func:`goal_fit`): the problems of :func:`vpanalysis.steps.interventions.check_fit`
#: that concern one indicator and the intervention's target group.
GOAL_FIT_PROBLEMS = (
    "parents followed by pupil survey",
    "ages outside survey",
    "population indicator only",
)


def indicator_fit_problem(indicator: object, intervention) -> str | None:
    """Step 4's fit check (:func:`vpanalysis.steps.interventions.check_fit`, by its parts
    :func:`~vpanalysis.steps.interventions.is_parent_group`,
    :func:`~vpanalysis.steps.interventions.target_ages` and
    :data:`~vpanalysis.steps.interventions.POPULATION_SOURCES`) of one goal indicator
    against the intervention (a row of the interventions register): a problem of
    :data:`GOAL_FIT_PROBLEMS`, or ``None`` when the indicator can follow the target group.

    A survey indicator does not follow parents (the survey asks pupils) nor a group whose
    ages are outside :data:`~vpanalysis.steps.interventions.SURVEY_AGES`; a population
    measure (a share of all pupils, a rate per inhabitants) does not follow a selective or
    indicated intervention, which reaches a small group only.
    """
    source = str(indicator).partition(":")[0].strip().lower()
    group = intervention.get("target_group")
    if source == "skolenkat":
        if is_parent_group(group):
            return "parents followed by pupil survey"
        ages = target_ages(group)
        if ages is not None and (ages[1] < SURVEY_AGES[0] or ages[0] > SURVEY_AGES[1]):
            return "ages outside survey"
    level = intervention.get("prevention_level")
    targeted = isinstance(level, str) and level in ("selektiv", "indikerad")
    if targeted and source in POPULATION_SOURCES:
        return "population indicator only"
    return None


def goal_fit(
    goals: pd.DataFrame, interventions: pd.DataFrame | None, municipality: str | None = None
) -> pd.DataFrame:
    """The goals whose indicator cannot show the effect of the intervention they name
    (:func:`indicator_fit_problem`): ``goal_id``, ``goal``, ``indicator``,
    ``intervention_id``, ``intervention`` (its name), ``target_group`` and ``problem``
    (:data:`GOAL_FIT_PROBLEMS`). Empty when every goal fits (or names no intervention)."""
    columns = ["goal_id", "goal", "indicator", "intervention_id", "intervention",
               "target_group", "problem"]  # fmt: skip
    rows = []
    lookup = {}
    if interventions is not None and not interventions.empty:
        lookup = {row["intervention_id"]: row for _, row in interventions.iterrows()}
    for _, g in _select(goals, municipality).iterrows():
        iid = g.get("intervention_id")
        intervention = lookup.get(iid) if pd.notna(iid) else None
        if intervention is None:
            continue
        problem = indicator_fit_problem(g["indicator"], intervention)
        if problem is not None:
            rows.append(
                [g["goal_id"], g["goal"], g["indicator"], iid, intervention["name"],
                 intervention.get("target_group"), problem]
            )  # fmt: skip
    return pd.DataFrame(rows, columns=columns).astype("string")


def after_from(indicator: object, start: pd.Timestamp) -> int:
    """The first year whose value counts as *after* an intervention that started on
    ``start``: the start year, except for the school survey (:data:`SURVEY_MONTH`), whose
    wave of the start year was taken before an intervention that started later in the
    year."""
    start = pd.Timestamp(start)
    if str(indicator).partition(":")[0].strip().lower() == "skolenkat":
        return start.year if start.month < SURVEY_MONTH else start.year + 1
    return start.year


def goal_its(
    goals: pd.DataFrame,
    series: pd.DataFrame,
    interventions: pd.DataFrame | None,
    municipality: str | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Before/after each goal's intervention: segmented (interrupted time series) Poisson
    regression of the goal indicator's counts with the log population as offset.

    The intervention year is the year of the intervention's ``start_date``; years from
    it on count as *after* (an intervention that started late in the year dilutes the
    first year's effect, which pulls the estimate towards no change), except a school
    survey wave, which counts as after only if it was taken on or after the start
    (:func:`after_from`, column ``after_from``). Needs counts and
    populations (survey shares and BRÅ rates have them, Kolada values and registers do
    not) and at least ``MIN_POINTS_BEFORE`` years before and ``MIN_POINTS_AFTER`` from the
    start; otherwise ``estimated`` is False. With fewer than
    :data:`ITS_TREND_POINTS_AFTER` points after, only a level change is estimated
    (``level_only``; no ``trend_change``). A goal whose indicator cannot show the
    intervention's effect (:func:`goal_fit`) gets no analysis (``misfit``, ``problem``).
    ``outcome`` (one of :data:`ITS_OUTCOMES`) says why not, or which way the level changed.

    ``level_change`` is the rate ratio of the step at the intervention year (0.8 = 20 %
    lower), ``trend_change`` the ratio of the annual rate ratios after/before, each with
    ``1 - alpha`` limits; when the data are over-dispersed (Pearson dispersion > 1) the
    quasi-Poisson limits are reported (``quasi`` True).
    """
    frame = _select(goals, municipality)
    lookup = {}
    if interventions is not None and not interventions.empty:
        lookup = {row["intervention_id"]: row for _, row in interventions.iterrows()}
    rows = []
    for _, g in frame.iterrows():
        row = dict.fromkeys(ITS_COLUMNS)
        row.update(goal_id=g["goal_id"], goal=g["goal"], indicator=g["indicator"])
        row.update(estimated=False, quasi=False, few_points=False, level_only=False)
        iid = g.get("intervention_id")
        intervention = lookup.get(iid) if pd.notna(iid) else None
        if pd.isna(iid) or not str(iid).strip():
            row["outcome"] = "no_intervention"
            rows.append(row)
            continue
        row["intervention_id"] = iid
        if intervention is None:
            row["outcome"] = "unknown_intervention"
            rows.append(row)
            continue
        row["intervention"] = intervention["name"]
        problem = indicator_fit_problem(g["indicator"], intervention)
        if problem is not None:
            row.update(outcome="misfit", problem=problem)
            rows.append(row)
            continue
        start = intervention.get("start_date")
        if start is None or pd.isna(start):
            row["outcome"] = "no_start_date"
            rows.append(row)
            continue
        row["start_date"] = pd.Timestamp(start)
        row["intervention_year"] = int(pd.Timestamp(start).year)
        year = after_from(g["indicator"], start)
        row["after_from"] = year
        data = series[series["indicator"] == g["indicator"]]
        if "municipality_code" in data:
            data = data[data["municipality_code"] == g["municipality_code"]]
        data = data.dropna(subset=["count", "population"])
        data = data[data["population"] > 0]
        row["n_before"] = int((data["year"] < year).sum())
        row["n_after"] = int((data["year"] >= year).sum())
        if data.empty and not series[series["indicator"] == g["indicator"]].empty:
            row["outcome"] = "no_counts"
            rows.append(row)
            continue
        if (
            row["n_before"] < indicators.MIN_POINTS_BEFORE
            or row["n_after"] < indicators.MIN_POINTS_AFTER
        ):
            row["outcome"] = "too_few_points"
            rows.append(row)
            continue
        fit_data = pd.DataFrame(
            {
                "year": data["year"].astype("float64").to_numpy(),
                "count": data["count"].astype("float64").to_numpy(),
                "population": data["population"].astype("float64").to_numpy(),
            }
        )
        level_only = row["n_after"] < ITS_TREND_POINTS_AFTER
        row["level_only"] = level_only
        try:
            result = indicators.segmented_regression(
                fit_data, year, alpha=alpha, trend_change=not level_only
            )
        except ValueError as error:
            row.update(outcome="not_estimable", error=str(error))
            rows.append(row)
            continue
        quasi = result.dispersion > 1
        suffix = "_quasi" if quasi else ""
        coef = result.coefficients
        row.update(
            estimated=True,
            quasi=quasi,
            dispersion=result.dispersion,
            level_change=coef.loc["level_change", "rate_ratio"],
            level_lower=coef.loc["level_change", f"lower{suffix}"],
            level_upper=coef.loc["level_change", f"upper{suffix}"],
        )
        if not level_only:
            row.update(
                trend_change=coef.loc["trend_change", "rate_ratio"],
                trend_lower=coef.loc["trend_change", f"lower{suffix}"],
                trend_upper=coef.loc["trend_change", f"upper{suffix}"],
            )
        if row["level_upper"] < 1:
            row["outcome"] = "level_down"
        elif row["level_lower"] > 1:
            row["outcome"] = "level_up"
        else:
            row["outcome"] = "no_level_change"
        row["few_points"] = row["n_before"] < ITS_FEW_POINTS or row["n_after"] < ITS_FEW_POINTS
        rows.append(row)
    out = pd.DataFrame(rows, columns=ITS_COLUMNS)
    floats = ["level_change", "level_lower", "level_upper", "trend_change", "trend_lower",
              "trend_upper", "dispersion"]  # fmt: skip
    return out.astype(
        {
            **dict.fromkeys(floats, "Float64"),
            "intervention_year": "Int64",
            "after_from": "Int64",
            "level_only": bool,
            "problem": "string",
            "n_before": "Int64",
            "n_after": "Int64",
            "estimated": bool,
            "quasi": bool,
            "few_points": bool,
            "outcome": "string",
            "error": "string",
        }
    )


#: A register baseline without an interval that differs more than this share from the
#: data's value in the baseline year is flagged by :func:`baseline_mismatches`.
BASELINE_TOLERANCE = 0.10


def baseline_unverifiable(
    goals: pd.DataFrame, series: pd.DataFrame, municipality: str | None = None
) -> pd.DataFrame:
    """Goals whose baseline in the register cannot be checked against the data: the
    indicator has no value in the baseline year (the survey: none within one year), e.g.
    when only later years have been supplied (indicators counted from the registers are
    not checked: they start before the first row). Columns: ``goal_id``,
    ``baseline_year``."""
    rows = []
    for _, g in _select(goals, municipality).iterrows():
        if pd.isna(g["baseline_year"]) or pd.isna(g["baseline_value"]):
            continue
        if str(g["indicator"]).startswith("register:"):  # counted from the registers
            continue
        data = series[series["indicator"] == g["indicator"]].dropna(subset=["value"])
        reach = 1 if str(g["indicator"]).startswith("skolenkat:") else 0
        distance = (data["year"].astype(int) - int(g["baseline_year"])).abs()
        if data.empty or distance.min() > reach:
            rows.append({"goal_id": g["goal_id"], "baseline_year": int(g["baseline_year"])})
    return pd.DataFrame(rows, columns=["goal_id", "baseline_year"])


def baseline_mismatches(
    goals: pd.DataFrame, series: pd.DataFrame, municipality: str | None = None
) -> pd.DataFrame:
    """Goals whose baseline in the register disagrees with the data.

    The data's value of the baseline year (for the biennial school survey: the nearest
    year at most one year away) is compared: the register's baseline is flagged when it
    lies outside the value's interval, or, without an interval, differs by more than
    :data:`BASELINE_TOLERANCE`. Columns: ``goal_id``, ``baseline_year``,
    ``baseline_value`` (the register's), ``year`` and ``value`` (the data's).
    """
    rows = []
    for _, g in _select(goals, municipality).iterrows():
        data = series[series["indicator"] == g["indicator"]].dropna(subset=["value"])
        if data.empty:
            continue
        distance = (data["year"].astype(int) - int(g["baseline_year"])).abs()
        # the survey runs every other year, so its nearest year may be one year off;
        # other indicators (a register's cumulative coverage, say) need the same year
        reach = 1 if str(g["indicator"]).startswith("skolenkat:") else 0
        if distance.min() > reach:
            continue
        near = data.loc[distance.idxmin()]
        if pd.isna(g["baseline_value"]):  # withheld (published_goal_status)
            continue
        base, value = float(g["baseline_value"]), float(near["value"])
        if pd.notna(near["lower"]) and pd.notna(near["upper"]):
            off = not float(near["lower"]) <= base <= float(near["upper"])
        else:
            off = abs(base - value) > BASELINE_TOLERANCE * max(abs(value), _EPS)
        if off:
            rows.append(
                {
                    "goal_id": g["goal_id"],
                    "baseline_year": int(g["baseline_year"]),
                    "baseline_value": base,
                    "year": int(near["year"]),
                    "value": value,
                }
            )
    columns = ["goal_id", "baseline_year", "baseline_value", "year", "value"]
    return pd.DataFrame(rows, columns=columns).astype(
        {
            "goal_id": "string",
            "baseline_year": "Int64",
            "baseline_value": "Float64",
            "year": "Int64",
            "value": "Float64",
        }
    )


#: Columns of :func:`baseline_followup`: each baseline indicator then (``_then``) and now
#: (``_now``); ``key_*`` the key fields of the publication cell a local value is (a
#: count, or the survey's yes-cell), ``yes_*``/``answered_*`` a survey share's counts.
FOLLOWUP_COLUMNS = [
    "indicator", "source", "kind",
    "period_then", "value_then", "lower_then", "upper_then",
    "period_now", "value_now", "lower_now", "upper_now",
    "key_then", "key_now", "yes_then", "answered_then", "yes_now", "answered_now",
    "change", "trend", "trend_rate_ratio",
]  # fmt: skip
_LOCAL_MEASURE = re.compile(r"^(?P<category>.*) \((?P<age>[^()]+) år\)$")


def _count_cell(cells: pd.DataFrame, source: str, measure: str, region: str, year: int):
    """The publication cell of a baseline's local count: (key, value or ``None``), or
    ``None`` when the publication has no such cell."""
    named = _LOCAL_MEASURE.match(str(measure))
    category, age = (named["category"], named["age"]) if named else (str(measure), None)
    d = cells[
        (cells["source"] == source)
        & (cells["region"] == region)
        & (cells["year"].astype("int64") == int(year))
        & (cells["measure"] == category)
    ]
    if (d["sex"] == "T").any():
        d = d[d["sex"] == "T"]
    if age is not None:
        d = d[d["age"] == age]
    elif (d["age"] == "totalt").any():
        d = d[d["age"] == "totalt"]
    if len(d) != 1:
        return None
    row = d.iloc[0]
    key = {f: row[f] for f in ("source", "measure", "parent", "region", "year", "sex", "age",
                               "grade", "answer")}  # fmt: skip
    key["year"] = int(key["year"])
    value = None if bool(row["withheld"]) or pd.isna(row["value"]) else float(row["value"])
    return key, value


def _local_value(cells, counts, r, region: str) -> dict:
    """A baseline row's local value from the publication: value (and interval) or withheld."""
    year = int(str(r["period"])[-4:])
    out = {"value": np.nan, "lower": np.nan, "upper": np.nan, "key": None, "yes": np.nan,
           "answered": np.nan}  # fmt: skip
    if r["source"] == "skolenkat":
        here = counts[(counts["item"] == r["measure"]) & (counts["region"] == region)]
        here = published_shares(here[here["year"] == year])
        out["key"] = {"source": "skolenkat", "measure": str(r["measure"]), "parent": "",
                      "region": region, "year": year, "sex": "T", "age": "alla",
                      "grade": "alla", "answer": "yes"}  # fmt: skip
        if len(here) == 1:
            for column in ("value", "lower", "upper", "yes", "answered"):
                out[column] = here[column].iloc[0]
        return out
    got = _count_cell(cells, str(r["source"]), str(r["measure"]), region, year)
    if got is not None:
        out["key"], value = got
        out["value"] = np.nan if value is None else value
    return out


#: Local measures that count nights or contacts, not persons: one person can stand for
#: many of them, so two years' numbers are no Poisson counts and are not compared.
NOT_PERSONS = ("dygn", "stödsamtal")


def counts_persons(indicator: object) -> bool:
    """Whether a local count indicator counts persons (not :data:`NOT_PERSONS`)."""
    measure = match_key(str(indicator).partition(":")[2])
    return not any(measure.startswith(word) for word in NOT_PERSONS)


def _change(row: dict) -> str:
    """Now against then, a code of :data:`vpanalysis.verdicts.COMPARISONS`: a survey share
    by :func:`~vpanalysis.verdicts.shares_differ` (its published yes- and answered-counts),
    a local count of persons by :func:`~vpanalysis.verdicts.rates_differ` (two counts,
    the population taken as unchanged), other values from their intervals by
    :func:`~vpanalysis.verdicts.estimates_differ` (rates on the log scale)."""
    if row["source"] == "skolenkat" and not any(
        pd.isna(row[c]) for c in ("yes_then", "answered_then", "yes_now", "answered_now")
    ):
        return verdicts.shares_differ(
            row["yes_now"], row["answered_now"], row["yes_then"], row["answered_then"]
        )
    if row["kind"] == "count":
        if (
            pd.isna(row["value_then"])
            or pd.isna(row["value_now"])
            or not counts_persons(row["indicator"])
        ):
            return "not_compared"
        return verdicts.rates_differ(row["value_now"], 1, row["value_then"], 1)
    return verdicts.estimates_differ(
        row["value_now"], row["lower_now"], row["upper_now"],
        row["value_then"], row["lower_then"], row["upper_then"],
        log=row["kind"] == "rate", count1=row.get("count_now"), count2=row.get("count_then"),
    )  # fmt: skip


def baseline_followup(
    saved: pd.DataFrame,
    current: pd.DataFrame,
    cells: pd.DataFrame,
    region: str,
    trends: dict[str, tuple[str, float]] | None = None,
    tables: Tables | None = None,
) -> pd.DataFrame:
    """Each indicator of the baseline ``saved`` then and now (``current``: the baseline
    table of the latest data), step 5's follow-up (:data:`FOLLOWUP_COLUMNS`).

    Local values (the survey's shares, the social services' and the women's shelter's
    counts) are never taken from the baseline itself, which holds the raw values (or an
    earlier suppression pattern): they are the publication's ``cells`` of the same year
    (a share from its published yes- and answered-count), ``<NA>`` where withheld.
    ``change`` is now against then, a test of the difference (:func:`_change`; a code of
    :data:`vpanalysis.verdicts.COMPARISONS`), never a reading of overlapping intervals.
    ``trends`` (indicator -> (code, yearly rate ratio), e.g.
    :func:`vpanalysis.steps.situation.police_trends`) gives ``trend`` and
    ``trend_rate_ratio``: the same trend step 2 shows, by the same rule. ``tables`` give
    a police-reported rate's crimes in each period, so that fewer than
    :data:`vpanalysis.verdicts.MIN_EVENTS` give ``too_few``.
    """
    if saved.empty:
        return pd.DataFrame(columns=FOLLOWUP_COLUMNS)
    counts = published_survey_counts(cells)
    now = current.set_index("indicator") if not current.empty else current
    rows = []
    for _, r in saved.iterrows():
        row = dict.fromkeys(FOLLOWUP_COLUMNS)
        row.update(indicator=r["indicator"], source=r["source"], kind=r["kind"])
        parts = [("then", r)]
        if not current.empty and r["indicator"] in now.index:
            parts.append(("now", now.loc[r["indicator"]].copy().rename(r.name)))
            parts[-1][1]["indicator"] = r["indicator"]
        for when, part in parts:
            row[f"period_{when}"] = part["period"]
            if part["source"] in (*COUNT_SOURCES, "skolenkat"):
                got = _local_value(cells, counts, part, region)
                row[f"key_{when}"] = got["key"]
                for column in ("value", "lower", "upper", "yes", "answered"):
                    row[f"{column}_{when}"] = got[column]
            else:
                for column in ("value", "lower", "upper"):
                    row[f"{column}_{when}"] = part.get(column)
        if tables is not None and r["source"] == "bra":
            for when in ("then", "now"):
                if row[f"period_{when}"] is not None and not pd.isna(row[f"period_{when}"]):
                    row[f"count_{when}"] = situation.police_window_count(
                        tables, region, str(r["measure"]), row[f"period_{when}"]
                    )
        row["change"] = _change(row)
        row.pop("count_then", None)
        row.pop("count_now", None)
        code, ratio = (trends or {}).get(r["indicator"], (None, np.nan))
        row["trend"], row["trend_rate_ratio"] = code, ratio
        rows.append(row)
    out = pd.DataFrame(rows, columns=FOLLOWUP_COLUMNS)
    numbers = [c for c in FOLLOWUP_COLUMNS if c.split("_")[0] in
               ("value", "lower", "upper", "yes", "answered")]  # fmt: skip
    for column in numbers:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("Float64")
    return out


def intervention_starts(its: pd.DataFrame) -> dict[str, float]:
    """Goal -> when its intervention started, from :func:`goal_its`, as a year with the
    part of the year gone (2022-08-15 -> about 2022.62), so that a chart draws the start
    after a spring survey of the same year."""
    known = its.dropna(subset=["intervention_year"])
    out = {}
    for g, y, start in zip(
        known["goal_id"], known["intervention_year"], known["start_date"], strict=True
    ):
        if start is None or pd.isna(start):
            out[str(g)] = float(y)
            continue
        start = pd.Timestamp(start)
        out[str(g)] = start.year + (start.day_of_year - 1) / (366 if start.is_leap_year else 365)
    return out


#: The registers step 5 shows (attributes of :class:`vpanalysis.registers.Registers`).
FOLLOWUP_REGISTERS = ("goals", "training_plan", "training_log", "activities")


def data_sources(goals: pd.DataFrame, registers=None) -> list[str]:
    """The data-source keys a report on these goals rests on (for the banner and footer):
    the goal indicators' sources (BRÅ rates also use SCB's population) and the registers
    (``"registers"``; with ``registers`` given, only when one of
    :data:`FOLLOWUP_REGISTERS` has rows for the municipality)."""
    used: dict[str, None] = {}
    for indicator in goals["indicator"].dropna():
        try:
            source, _ = split_indicator(indicator)
        except ValueError:
            continue
        if source == "bra":
            used.update({"bra": None, "scb": None})
        elif source in ("skolenkat", "kolada"):
            used[source] = None
    if registers is not None and all(
        getattr(registers, name, None) is None or getattr(registers, name).empty
        for name in FOLLOWUP_REGISTERS
    ):
        return list(used)
    return [*used, "registers"]
