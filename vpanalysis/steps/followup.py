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

import operator
from collections.abc import Iterable

import numpy as np
import pandas as pd

from vpanalysis import disclosure
from vpanalysis.data import Tables
from vpanalysis.registers import match_key, parse_cutoff

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


# ---------------------------------------------------------------- goal indicator series

#: Columns of :func:`indicator_series` / :func:`goal_series`.
SERIES_COLUMNS = [
    "indicator", "municipality_code", "year", "value", "lower", "upper", "count",
    "population", "suppressed",
]  # fmt: skip

#: Unit of each indicator source, Swedish, for tables and axes.
SOURCE_UNITS = {
    "skolenkat": "andel elever (%)",
    "bra": "anmälda brott per 100 000 invånare",
    "register:training_coverage": "andel av planerad personal (%)",
    "register:activity_reach": "antal personer",
}


#: The processed tables a goal indicator can be computed from (any may be ``None``).
Sources = Tables


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


def _codebook_row(codebook: pd.DataFrame | None, item: str) -> pd.Series | None:
    if codebook is None or codebook.empty:
        return None
    rows = codebook[codebook["item"] == item]
    return None if rows.empty else rows.iloc[0]


def _item_cutoff(codebook: pd.DataFrame | None, item: str) -> str | None:
    row = _codebook_row(codebook, item)
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
    from vpanalysis import indicators
    from vpanalysis.steps.factors import share_at_risk

    if survey is None or item not in survey.columns:
        return _empty_series()
    here = survey[survey["region_code"] == municipality]
    if here.empty:
        return _empty_series()
    # Percentile cut-offs are taken in all respondents of all years: one fixed threshold.
    shares = share_at_risk(here, item, _item_cutoff(codebook, item), by="year", reference=survey)
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


def _kolada_series(kolada: pd.DataFrame | None, kpi: str, municipality: str) -> pd.DataFrame:
    from vpanalysis.steps.situation import kolada_series

    if kolada is None:
        return _empty_series()
    rows = kolada_series(Tables(kolada=kolada), kpi, [municipality])
    return pd.DataFrame({"year": rows["year"], "value": rows["value"]})


def _bra_series(
    observations: pd.DataFrame | None,
    population: pd.DataFrame | None,
    category: str,
    municipality: str,
) -> pd.DataFrame:
    from vpanalysis.steps import situation

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
    sources: Sources | None = None,
    *,
    plan: pd.DataFrame | None = None,
    log: pd.DataFrame | None = None,
    activities: pd.DataFrame | None = None,
    threshold: int = 5,
) -> pd.DataFrame:
    """One goal indicator's yearly series for one municipality, from the data.

    * ``skolenkat:<item>``: share of pupils (%) with the answer the codebook's ``cutoff``
      marks (``= 1`` for 0/1 items), Wilson 95 % interval; ``count``/``population`` are the
      pupils with the answer / who answered. A year where the pupils with or without the
      answer number 1..``threshold``-1 is withheld (``suppressed``, values ``<NA>``).
    * ``kolada:<KPI>``: Kolada's value for both sexes (``T``); no interval, no counts.
    * ``bra:<category>``: police-reported crimes of the category per 100 000 inhabitants
      (of the category's own sex and age group), exact Poisson/Byar's 95 % interval.
    * ``register:training_coverage`` / ``register:activity_reach``: from the registers
      (:func:`register_indicators`; pass ``plan``, ``log``, ``activities``).

    Returns :data:`SERIES_COLUMNS`; empty when the source has nothing for the
    municipality (or the indicator is unknown).
    """
    sources = sources or Sources()
    source, measure = split_indicator(indicator)
    if source == "skolenkat":
        frame = _survey_series(sources.survey, sources.codebook, measure, municipality, threshold)
    elif source == "kolada":
        frame = _kolada_series(sources.kolada, measure, municipality)
    elif source == "bra":
        frame = _bra_series(sources.observations, sources.population, measure, municipality)
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
    sources: Sources | None = None,
    *,
    registers=None,
    threshold: int = 5,
) -> pd.DataFrame:
    """:func:`indicator_series` for every indicator of the municipality's goals, stacked.

    ``registers`` (a :class:`vpanalysis.registers.Registers`) supplies the training plan,
    log and activities for ``register:`` indicators. The result can be passed to
    :func:`goal_status` as ``indicators`` so the latest values come from the data.
    """
    frame = _select(goals, municipality)
    kwargs = {}
    if registers is not None:
        kwargs = {
            "plan": registers.training_plan,
            "log": registers.training_log,
            "activities": registers.activities,
        }
    parts = [
        indicator_series(ind, municipality, sources, threshold=threshold, **kwargs)
        for ind in dict.fromkeys(frame["indicator"].dropna())
    ]
    parts = [p for p in parts if not p.empty]
    if not parts:
        return _empty_series()
    return pd.concat(parts, ignore_index=True)


_COMPARE = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


def _answer_labels(codes: object, cutoff: str | None, missing_codes: object = None) -> list[str]:
    """The answer texts a cut-off counts (``"0=Nej|1=Ja"`` with no cut-off -> ``["Ja"]``,
    ``"1=..|4=Stämmer helt|9=Vet inte"`` with ``">= 3"`` -> answers 3 and 4)."""
    if codes is None or pd.isna(codes):
        return []
    missing = set()
    if missing_codes is not None and not pd.isna(missing_codes):
        missing = {p.strip() for p in str(missing_codes).split("|") if p.strip()}
    pairs = []
    for part in str(codes).split("|"):
        code, _, text = part.partition("=")
        if code.strip() in missing:
            continue
        try:
            pairs.append((float(code), text.strip()))
        except ValueError:
            continue
    cut = parse_cutoff(cutoff)
    if cut is None:
        return [text for code, text in pairs if code == 1]
    if cut.percentile is not None:
        return []
    return [text for code, text in pairs if _COMPARE[cut.op](code, cut.value)]


def indicator_label(indicator: str, sources: Sources | None = None) -> str:
    """A goal indicator in plain Swedish (the survey question, the KPI's title, ...)."""
    sources = sources or Sources()
    try:
        source, measure = split_indicator(indicator)
    except ValueError:
        return str(indicator)
    if source == "skolenkat":
        row = _codebook_row(sources.codebook, measure)
        if row is None:
            return f"Skolenkät: {measure}"
        answers = _answer_labels(
            row.get("codes"), _item_cutoff(sources.codebook, measure), row.get("missing_codes")
        )
        said = " eller ".join(f"”{a}”" for a in answers)
        text = f"Skolenkät, andel elever (%) som svarar {said} på: " if said else "Skolenkät: "
        return text + str(row["question"])
    if source == "kolada":
        kpis = sources.kpis
        if kpis is not None and (kpis["kpi"] == measure).any():
            return f"{kpis.loc[kpis['kpi'] == measure, 'title'].iloc[0]} (Kolada {measure})"
        return f"Kolada {measure}"
    if source == "bra":
        return f"Anmälda brott, {measure}, per 100 000 invånare"
    if indicator == "register:training_coverage":
        return "Utbildad personal, andel av den planerade (%), hittills"
    if indicator == "register:activity_reach":
        return "Personer som nåtts av årets aktiviteter"
    return str(indicator)


def indicator_unit(indicator: str, sources: Sources | None = None) -> str:
    """The unit of a goal indicator for an axis label (Swedish)."""
    sources = sources or Sources()
    try:
        source, measure = split_indicator(indicator)
    except ValueError:
        return ""
    if source == "kolada":
        kpis = sources.kpis
        if kpis is not None and (kpis["kpi"] == measure).any():
            return str(kpis.loc[kpis["kpi"] == measure, "unit"].iloc[0])
        return ""
    return SOURCE_UNITS.get(source, SOURCE_UNITS.get(str(indicator), ""))


# ---------------------------------------------------------------- before/after an intervention

#: Segmented regression (:func:`vpanalysis.indicators.segmented_regression`) per goal.
ITS_COLUMNS = [
    "goal_id", "goal", "indicator", "intervention_id", "intervention", "start_date",
    "intervention_year", "n_before", "n_after", "estimated", "reason", "level_change",
    "level_lower", "level_upper", "trend_change", "trend_lower", "trend_upper", "dispersion",
    "quasi",
]  # fmt: skip


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
    first year's effect, which pulls the estimate towards no change). Needs counts and
    populations (survey shares and BRÅ rates have them, Kolada values and registers do
    not) and at least ``MIN_POINTS_BEFORE`` years before and ``MIN_POINTS_AFTER`` from the
    start; otherwise ``estimated`` is False and ``reason`` says why (Swedish).

    ``level_change`` is the rate ratio of the step at the intervention year (0.8 = 20 %
    lower), ``trend_change`` the ratio of the annual rate ratios after/before, each with
    ``1 - alpha`` limits; when the data are over-dispersed (Pearson dispersion > 1) the
    quasi-Poisson limits are reported (``quasi`` True).
    """
    from vpanalysis import indicators

    frame = _select(goals, municipality)
    lookup = {}
    if interventions is not None and not interventions.empty:
        lookup = {row["intervention_id"]: row for _, row in interventions.iterrows()}
    rows = []
    for _, g in frame.iterrows():
        row = dict.fromkeys(ITS_COLUMNS)
        row.update(goal_id=g["goal_id"], goal=g["goal"], indicator=g["indicator"])
        row.update(estimated=False, quasi=False)
        iid = g.get("intervention_id")
        intervention = lookup.get(iid) if pd.notna(iid) else None
        if pd.isna(iid) or not str(iid).strip():
            row["reason"] = "Målet är inte kopplat till någon insats."
            rows.append(row)
            continue
        row["intervention_id"] = iid
        if intervention is None:
            row["reason"] = f"Insatsen {iid} finns inte i insatsregistret."
            rows.append(row)
            continue
        row["intervention"] = intervention["name"]
        start = intervention.get("start_date")
        if start is None or pd.isna(start):
            row["reason"] = "Insatsen saknar startdatum."
            rows.append(row)
            continue
        row["start_date"] = pd.Timestamp(start)
        year = int(pd.Timestamp(start).year)
        row["intervention_year"] = year
        data = series[series["indicator"] == g["indicator"]]
        if "municipality_code" in data:
            data = data[data["municipality_code"] == g["municipality_code"]]
        data = data.dropna(subset=["count", "population"])
        data = data[data["population"] > 0]
        row["n_before"] = int((data["year"] < year).sum())
        row["n_after"] = int((data["year"] >= year).sum())
        if data.empty and not series[series["indicator"] == g["indicator"]].empty:
            row["reason"] = (
                "Indikatorn saknar antal och befolkning, som regressionen behöver "
                "(t.ex. Kolada-värden och registeruppgifter)."
            )
            rows.append(row)
            continue
        if (
            row["n_before"] < indicators.MIN_POINTS_BEFORE
            or row["n_after"] < indicators.MIN_POINTS_AFTER
        ):
            row["reason"] = (
                f"För få mätpunkter: {row['n_before']} år före och {row['n_after']} år från "
                f"starten {year}; det behövs minst {indicators.MIN_POINTS_BEFORE} före och "
                f"{indicators.MIN_POINTS_AFTER} efter."
            )
            rows.append(row)
            continue
        fit_data = pd.DataFrame(
            {
                "year": data["year"].astype("float64").to_numpy(),
                "count": data["count"].astype("float64").to_numpy(),
                "population": data["population"].astype("float64").to_numpy(),
            }
        )
        try:
            result = indicators.segmented_regression(fit_data, year, alpha=alpha)
        except ValueError as error:
            row["reason"] = f"Regressionen kunde inte skattas ({error})."
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
            trend_change=coef.loc["trend_change", "rate_ratio"],
            trend_lower=coef.loc["trend_change", f"lower{suffix}"],
            trend_upper=coef.loc["trend_change", f"upper{suffix}"],
        )
        few = row["n_before"] < 5 or row["n_after"] < 5
        row["reason"] = its_verdict(row["level_lower"], row["level_upper"], few=few)
        rows.append(row)
    out = pd.DataFrame(rows, columns=ITS_COLUMNS)
    floats = ["level_change", "level_lower", "level_upper", "trend_change", "trend_lower",
              "trend_upper", "dispersion"]  # fmt: skip
    return out.astype(
        {
            **dict.fromkeys(floats, "Float64"),
            "intervention_year": "Int64",
            "n_before": "Int64",
            "n_after": "Int64",
            "estimated": bool,
            "quasi": bool,
        }
    )


def its_verdict(lower: float, upper: float, *, few: bool = False) -> str:
    """The level change's interval in plain Swedish (and a warning when points are few)."""
    if upper < 1:
        text = "Nivån sjönk när insatsen startade (hela intervallet under 1)."
    elif lower > 1:
        text = "Nivån steg när insatsen startade (hela intervallet över 1)."
    else:
        text = "Ingen säker förändring i nivå när insatsen startade (intervallet omfattar 1)."
    if few:
        text += " Få mätpunkter: tolka med försiktighet."
    return text


#: A register baseline without an interval that differs more than this share from the
#: data's value in the baseline year is flagged by :func:`baseline_check`.
BASELINE_TOLERANCE = 0.10


def baseline_check(
    goals: pd.DataFrame,
    series: pd.DataFrame,
    municipality: str | None = None,
    sources: Sources | None = None,
) -> list[str]:
    """Swedish messages for goals whose baseline in the register disagrees with the data.

    The data's value of the baseline year (for the biennial school survey: the nearest
    year at most one year away) is compared: the register's baseline is flagged when it
    lies outside the value's interval, or, without an interval, differs by more than
    :data:`BASELINE_TOLERANCE`.
    """
    messages = []
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
        base, value = float(g["baseline_value"]), float(near["value"])
        if pd.notna(near["lower"]) and pd.notna(near["upper"]):
            off = not float(near["lower"]) <= base <= float(near["upper"])
        else:
            off = abs(base - value) > BASELINE_TOLERANCE * max(abs(value), _EPS)
        if off:
            messages.append(
                f"{g['goal_id']}: utgångsvärdet i målregistret ({_num(base, 1)} år "
                f"{int(g['baseline_year'])}) stämmer inte med källans värde "
                f"({_num(value, 1)} år {int(near['year'])}). Kontrollera att målet mäts på "
                "samma sätt som indikatorn."
            )
    return messages


# ---------------------------------------------------------------- report tables (Swedish)


def _value_year(value: object, year: object, decimals: int = 1) -> str:
    from vpanalysis.report import SUPPRESSED, number

    if value is None or pd.isna(value):
        return SUPPRESSED
    text = number(value, decimals)
    return text if year is None or pd.isna(year) else f"{text} ({int(year)})"


def goal_table(
    status: pd.DataFrame, series: pd.DataFrame | None = None, sources: Sources | None = None
) -> pd.DataFrame:
    """The goals as shown in the report: indicator, baseline, target, latest value (with
    its 95 % interval when the source gives one) and status, Swedish column names."""
    from vpanalysis.report import interval

    rows = []
    for _, g in status.iterrows():
        ci = ""
        if series is not None and pd.notna(g["latest_year"]):
            hit = series[
                (series["indicator"] == g["indicator"]) & (series["year"] == g["latest_year"])
            ]
            if len(hit) and pd.notna(hit["lower"].iloc[0]):
                ci = interval(hit["lower"].iloc[0], hit["upper"].iloc[0])
        rows.append(
            {
                "Mål": f"{g['goal_id']}: {g['goal']}",
                "Indikator": indicator_label(g["indicator"], sources),
                "Utgångsläge (år)": _value_year(g["baseline_value"], g["baseline_year"]),
                "Målvärde (år)": _value_year(g["target_value"], g["target_year"]),
                "Senaste värde (år)": _value_year(g["latest_value"], g["latest_year"]),
                "95 % konfidensintervall": ci or "–",
                "Status": g["status_label"],
            }
        )
    columns = ["Mål", "Indikator", "Utgångsläge (år)", "Målvärde (år)", "Senaste värde (år)",
               "95 % konfidensintervall", "Status"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def status_counts(status: pd.DataFrame) -> list[tuple[str, str]]:
    """Key figures: the number of goals per status, as ``(label, value)`` pairs."""
    counts = status["status"].value_counts()
    return [(STATUS_LABELS[s], str(int(counts.get(s, 0)))) for s in STATUSES]


def training_table(coverage: pd.DataFrame, year: int | None = None) -> pd.DataFrame:
    """Training coverage per administration up to ``year`` (default the latest): planned
    and trained that year, accumulated, and the accumulated share; a total row last.

    ``coverage`` is :func:`training_coverage` of one municipality (all years).
    """
    columns = ["Förvaltning", "Planerat senaste året", "Utbildade senaste året",
               "Planerat hittills", "Utbildade hittills", "Andel av planen (%)"]  # fmt: skip
    if coverage.empty:
        return pd.DataFrame(columns=columns)
    last = int(coverage["year"].max()) if year is None else year
    upto = coverage[coverage["year"] <= last].sort_values("year", kind="stable")
    now = upto.groupby("administration", sort=False).tail(1)
    now = pd.concat(
        [now[now["administration"] != TOTAL_LABEL], now[now["administration"] == TOTAL_LABEL]]
    )
    this_year = now["year"] == last
    out = pd.DataFrame(
        {
            "Förvaltning": now["administration"],
            f"Planerat {last}": now["planned"].where(this_year, 0),
            f"Utbildade {last}": now["trained"].where(this_year, 0),
            "Planerat hittills": now["cumulative_planned"],
            "Utbildade hittills": now["cumulative_trained"],
            "Andel av planen (%)": now["cumulative_share"] * 100,
        }
    )
    return out.astype({f"Planerat {last}": "Int64", f"Utbildade {last}": "Int64"}).reset_index(
        drop=True
    )


def training_chart_data(coverage: pd.DataFrame, year: int | None = None) -> pd.DataFrame:
    """Per administration (no total): ``category`` and ``value`` = accumulated share (%)
    up to ``year``, for :func:`vpanalysis.plots.bars`."""
    table = training_table(coverage[coverage["administration"] != TOTAL_LABEL], year)
    return pd.DataFrame(
        {"category": table["Förvaltning"], "value": table["Andel av planen (%)"].astype(float)}
    )


def _period(start: object, end: object) -> str:
    if start is None or pd.isna(start):
        return ""
    first = pd.Timestamp(start).strftime("%Y-%m-%d")
    if end is None or pd.isna(end) or pd.Timestamp(end) == pd.Timestamp(start):
        return first
    return f"{first} – {pd.Timestamp(end).strftime('%Y-%m-%d')}"


def activity_table(activities: pd.DataFrame) -> pd.DataFrame:
    """The activities register as shown in the report, oldest first."""
    frame = activities.sort_values("start_date", kind="stable")
    week = [
        "Ja" if _touches_week(s, e, WEEK_47) else ""
        for s, e in zip(frame["start_date"], frame["end_date"], strict=True)
    ]
    return pd.DataFrame(
        {
            "Datum": [
                _period(s, e) for s, e in zip(frame["start_date"], frame["end_date"], strict=True)
            ],
            "Aktivitet": frame["name"],
            "Arrangör": frame["organiser"],
            "Målgrupp": frame["target_group"],
            "Nådda personer": frame["reach"].astype("Int64"),
            "Kanaler": frame["channels"].map(
                lambda v: ", ".join(v) if isinstance(v, list | tuple) else ("" if v is None else v)
            ),
            "Vecka 47": week,
        }
    ).reset_index(drop=True)


def activity_year_table(activities: pd.DataFrame) -> pd.DataFrame:
    """Activities per year: number, people reached (known reach), week 47 marked or not."""
    summary = activity_summary(activities)
    return pd.DataFrame(
        {
            "År": summary["year"].astype("string"),
            "Antal aktiviteter": summary["n_activities"],
            "Nådda personer (minst)": summary["reach"],
            "Aktiviteter utan uppgift om räckvidd": summary["n_reach_missing"],
            "En vecka fri från våld (v. 47)": summary["week_47"].map({True: "Ja", False: "Nej"}),
        }
    )


def _ratio_text(value: object, lower: object, upper: object) -> str:
    from vpanalysis.report import interval, number

    if value is None or pd.isna(value):
        return "–"
    return f"{number(value, 2)} ({interval(lower, upper, 2)})"


def its_table(its: pd.DataFrame) -> pd.DataFrame:
    """The before/after analysis per goal, Swedish: the intervention, the points before
    and after, the level change and the change in yearly trend (rate ratios with 95 %
    intervals) and the verdict or why no estimate was made."""
    rows = []
    for _, r in its.iterrows():
        start = "" if pd.isna(r["start_date"]) else f" (start {r['start_date']:%Y-%m-%d})"
        points = "–" if pd.isna(r["n_before"]) else f"{int(r['n_before'])} / {int(r['n_after'])}"
        rows.append(
            {
                "Mål": r["goal_id"],
                "Insats": "–" if pd.isna(r["intervention"]) else f"{r['intervention']}{start}",
                "Mätpunkter före / efter": points,
                "Nivåförändring (kvot, 95 % KI)": _ratio_text(
                    r["level_change"], r["level_lower"], r["level_upper"]
                ),
                "Förändring i årlig trend (kvot, 95 % KI)": _ratio_text(
                    r["trend_change"], r["trend_lower"], r["trend_upper"]
                ),
                "Bedömning": r["reason"],
            }
        )
    columns = ["Mål", "Insats", "Mätpunkter före / efter", "Nivåförändring (kvot, 95 % KI)",
               "Förändring i årlig trend (kvot, 95 % KI)", "Bedömning"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def its_messages(its: pd.DataFrame) -> list[str]:
    """Short Swedish sentences on the before/after analyses for the summary."""
    done = its[its["estimated"]]
    if its.empty:
        return []
    if done.empty:
        return [
            "Ingen före–efter-analys kunde göras än: målen saknar kopplad insats med "
            "startdatum eller har för få mätpunkter."
        ]
    return [f"{r['goal_id']} ({r['intervention']}): {r['reason']}" for _, r in done.iterrows()]


def summary_messages(
    status: pd.DataFrame | None = None,
    coverage: pd.DataFrame | None = None,
    activities: pd.DataFrame | None = None,
    its: pd.DataFrame | None = None,
    **kwargs,
) -> list[str]:
    """:func:`key_messages` followed by :func:`its_messages`: the one-page summary."""
    messages = key_messages(status, coverage, activities, **kwargs)
    if its is not None:
        messages += its_messages(its)
    return messages


def chart_units(goals: pd.DataFrame, sources: Sources | None = None) -> dict[str, str]:
    """Indicator -> axis label (its unit) for :func:`vpanalysis.plots.goal_progress`."""
    return {ind: indicator_unit(ind, sources) for ind in dict.fromkeys(goals["indicator"])}


def intervention_starts(its: pd.DataFrame) -> dict[str, int]:
    """Goal -> the year its intervention started, from :func:`goal_its`."""
    known = its.dropna(subset=["intervention_year"])
    return {
        str(g): int(y) for g, y in zip(known["goal_id"], known["intervention_year"], strict=True)
    }


def data_sources(goals: pd.DataFrame) -> list[str]:
    """The data-source keys a report on these goals rests on (for the banner and footer):
    the goal indicators' sources (BRÅ rates also use SCB's population) and the registers."""
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
    return [*used, "registers"]
