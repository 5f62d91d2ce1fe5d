"""Step 5, *Implementera, följ upp och sprid*: goals, staff training coverage, activities.

Goal status compares the latest value of a goal's indicator with a straight line from
the baseline to the target:

* ``no_data`` — no value after the baseline year yet;
* ``reached`` — the latest value has reached the target (in the goal's direction);
* ``on_track`` — the share of the way covered, ``(latest − baseline) / (target −
  baseline)``, is at least the share of the time elapsed, ``(latest_year −
  baseline_year) / (target_year − baseline_year)`` (capped at 1);
* ``not_on_track`` — otherwise (also a target year passed without reaching the target).

Boundaries count in the goal's favour: exactly on the line is on track, exactly at the
target is reached.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from vpanalysis.registers import match_key

STATUSES = ("reached", "on_track", "not_on_track", "no_data")
STATUS_LABELS = {
    "reached": "Målet är nått",
    "on_track": "På väg mot målet",
    "not_on_track": "Inte på väg mot målet",
    "no_data": "Inget uppföljningsvärde än",
}
TOTAL_LABEL = "Totalt"
WEEK_47 = 47
_EPS = 1e-9


def _select(frame: pd.DataFrame, municipality: str | None) -> pd.DataFrame:
    if municipality is None:
        return frame
    return frame[frame["municipality_code"] == municipality]


# ---------------------------------------------------------------- goals


def _latest_from_table(
    indicators: pd.DataFrame | None, as_of: int | None
) -> dict[tuple[str, str], list[tuple[int, float]]]:
    if indicators is None or indicators.empty:
        return {}
    code_col = "municipality_code" if "municipality_code" in indicators else "region_code"
    table = indicators[["indicator", code_col, "year", "value"]].dropna()
    if as_of is not None:
        table = table[table["year"] <= as_of]
    out: dict[tuple[str, str], list[tuple[int, float]]] = {}
    for ind, code, year, value in table.itertuples(index=False):
        out.setdefault((str(ind), str(code)), []).append((int(year), float(value)))
    return out


def classify(
    baseline_year: int,
    baseline_value: float,
    target_year: int,
    target_value: float,
    direction: str,
    latest_year: int | None,
    latest_value: float | None,
) -> tuple[str, float | None, float | None]:
    """(status, progress, expected_progress) of one goal; see the module docstring."""
    if direction not in ("decrease", "increase"):
        raise ValueError(f"direction must be decrease or increase, got {direction!r}")
    if latest_value is None or latest_year is None or pd.isna(latest_value) or pd.isna(latest_year):
        return "no_data", None, None
    if latest_year <= baseline_year:
        return "no_data", None, None
    span = target_value - baseline_value
    progress = (latest_value - baseline_value) / span if span else float("inf")
    expected = min((latest_year - baseline_year) / (target_year - baseline_year), 1.0)
    sign = 1 if direction == "increase" else -1
    if sign * (latest_value - target_value) >= -_EPS * max(1.0, abs(target_value)):
        return "reached", progress, expected
    if progress >= expected - _EPS:
        return "on_track", progress, expected
    return "not_on_track", progress, expected


def goal_status(
    goals: pd.DataFrame,
    indicators: pd.DataFrame | None = None,
    municipality: str | None = None,
    as_of: int | None = None,
) -> pd.DataFrame:
    """Status of each goal (see the module docstring).

    The latest value is the most recent of the register's ``latest_year``/``latest_value``
    and, if given, the ``indicators`` table (columns ``indicator``, ``municipality_code``
    or ``region_code``, ``year``, ``value``; e.g. from :func:`register_indicators` or the
    indicator engineers' tables); on the same year the table wins. ``as_of`` ignores
    later years.

    Columns: ``goal_id``, ``municipality_code``, ``goal``, ``indicator``, ``direction``,
    ``baseline_year``, ``baseline_value``, ``target_year``, ``target_value``,
    ``latest_year``, ``latest_value``, ``latest_source`` (``register`` / ``indicator``),
    ``progress`` (share of the way from baseline to target), ``expected_progress``,
    ``status`` and ``status_label`` (Swedish).
    """
    frame = _select(goals, municipality)
    table = _latest_from_table(indicators, as_of)
    rows = []
    for _, g in frame.iterrows():
        candidates: list[tuple[int, int, float, str]] = []
        has_latest = pd.notna(g.get("latest_year")) and pd.notna(g.get("latest_value"))
        if has_latest and (as_of is None or g["latest_year"] <= as_of):
            candidates.append((int(g["latest_year"]), 0, float(g["latest_value"]), "register"))
        for year, value in table.get((g["indicator"], g["municipality_code"]), []):
            if year > g["baseline_year"]:
                candidates.append((year, 1, value, "indicator"))
        latest_year, latest_value, source = None, None, None
        if candidates:
            latest_year, _, latest_value, source = max(candidates)
        status, progress, expected = classify(
            int(g["baseline_year"]),
            float(g["baseline_value"]),
            int(g["target_year"]),
            float(g["target_value"]),
            g["direction"],
            latest_year,
            latest_value,
        )
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
                "latest_value": latest_value,
                "latest_source": source,
                "progress": progress,
                "expected_progress": expected,
                "status": status,
                "status_label": STATUS_LABELS[status],
            }
        )
    columns = [
        "goal_id", "municipality_code", "goal", "indicator", "direction", "baseline_year",
        "baseline_value", "target_year", "target_value", "latest_year", "latest_value",
        "latest_source", "progress", "expected_progress", "status", "status_label",
    ]  # fmt: skip
    out = pd.DataFrame(rows, columns=columns)
    dtypes = {
        "baseline_year": "Int64",
        "target_year": "Int64",
        "latest_year": "Int64",
        "baseline_value": "Float64",
        "target_value": "Float64",
        "latest_value": "Float64",
        "progress": "Float64",
        "expected_progress": "Float64",
    }
    for col in ("goal_id", "municipality_code", "goal", "indicator", "direction",
                "latest_source", "status", "status_label"):  # fmt: skip
        dtypes[col] = "string"
    return out.astype(dtypes)


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
    earlier years); ``total`` adds a row ``"Totalt"`` per municipality and year.
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
        totals["administration"] = TOTAL_LABEL
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


def _touches_week(start: pd.Timestamp, end: pd.Timestamp, week: int) -> bool:
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
                    _touches_week(s, e, WEEK_47)
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
        cov = cov[cov["administration"] == TOTAL_LABEL]
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


# ---------------------------------------------------------------- key messages


def _num(value: float, decimals: int = 0) -> str:
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u00a0").replace(".", ",")


def _pct(share: float) -> str:
    return f"{_num(share * 100)}\u00a0%"


def _count_phrase(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


def _join(parts: Iterable[str]) -> str:
    parts = list(parts)
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " och " + parts[-1]


def _goal_messages(status: pd.DataFrame, max_goals_named: int) -> list[str]:
    counts = status["status"].value_counts()
    n = len(status)
    no_data = int(counts.get("no_data", 0))
    parts = []
    for key, one, many in (
        ("reached", "nått", "nådda"),
        ("on_track", "på väg att nås", "på väg att nås"),
        ("not_on_track", "inte på väg att nås", "inte på väg att nås"),
    ):
        k = int(counts.get(key, 0))
        if k:
            parts.append(f"{k} {one if k == 1 else many}")
    messages = []
    if parts:
        text = f"Av {n} mål är {_join(parts)}."
        if no_data:
            text += f" {no_data} mål saknar uppföljningsvärde än."
        messages.append(text)
    elif n == 1:
        messages.append("Målet har inget uppföljningsvärde än.")
    else:
        messages.append(f"Inget av de {n} målen har något uppföljningsvärde än.")
    lagging = status[status["status"] == "not_on_track"].head(max_goals_named)
    for _, g in lagging.iterrows():
        messages.append(
            f"Inte på väg: ”{g['goal']}” (senast {_num(g['latest_value'], 1)} år "
            f"{int(g['latest_year'])}, målet är {_num(g['target_value'], 1)} år "
            f"{int(g['target_year'])})."
        )
    return messages


def _coverage_messages(coverage: pd.DataFrame, year: int | None) -> list[str]:
    cov = coverage[coverage["administration"] != TOTAL_LABEL]
    last = year if year is not None else int(cov["year"].max())
    upto = cov[cov["year"] <= last].sort_values("year", kind="stable")
    if upto.empty:
        return []
    # each administration's accumulated state at its latest planned or trained year
    now = upto.groupby(["municipality_code", "administration"], sort=False).tail(1)
    planned = int(now["cumulative_planned"].sum())
    trained = int(now["cumulative_trained"].sum())
    first = int(upto["year"].min())
    period = f"{first}–{last}" if first < last else f"{last}"
    messages = []
    if planned:
        messages.append(
            f"Utbildning i våldsprevention {period}: {_num(trained)} av {_num(planned)} "
            f"planerade medarbetare har utbildats ({_pct(trained / planned)})."
        )
    shares = now.dropna(subset=["cumulative_share"])
    if len(shares) > 1:
        low = shares.loc[shares["cumulative_share"].astype(float).idxmin()]
        messages.append(
            f"Lägst andel utbildade: {low['administration']} "
            f"({_pct(float(low['cumulative_share']))})."
        )
    return messages


def key_messages(
    status: pd.DataFrame | None = None,
    coverage: pd.DataFrame | None = None,
    activities: pd.DataFrame | None = None,
    *,
    year: int | None = None,
    max_goals_named: int = 3,
) -> list[str]:
    """Short Swedish sentences for a one-page summary of one municipality.

    ``status``: :func:`goal_status`; ``coverage``: :func:`training_coverage` (all years;
    the latest year, or ``year``, is summarised with its accumulated values);
    ``activities``: the activities register or :func:`activity_summary` (the latest year,
    or ``year``). Parts that are ``None`` or empty are skipped.
    """
    messages: list[str] = []
    if status is not None and not status.empty:
        messages += _goal_messages(status, max_goals_named)
    if coverage is not None and not coverage.empty:
        messages += _coverage_messages(coverage, year)
    if activities is not None and not activities.empty:
        summary = activities if "n_activities" in activities else activity_summary(activities)
        last = year if year is not None else int(summary["year"].max())
        now = summary[summary["year"] == last]
        if now.empty:
            messages.append(f"Inga aktiviteter är registrerade för {last}.")
        else:
            n = int(now["n_activities"].sum())
            reach = now["reach"].sum(min_count=1)
            text = f"Under {last} genomfördes {_count_phrase(n, 'aktivitet', 'aktiviteter')}"
            if pd.notna(reach):
                text += f" som nådde minst {_num(float(reach))} personer"
            messages.append(text + ".")
            if now["week_47"].any():
                messages.append(f"En vecka fri från våld (vecka 47) uppmärksammades {last}.")
            else:
                messages.append(
                    f"Ingen aktivitet under vecka 47 (En vecka fri från våld) är registrerad "
                    f"för {last}."
                )
    return messages
