"""The comparison report (``00_jamforelse``): the collaborating municipalities side by side.

Built on the step-2 functions of :mod:`vpanalysis.steps.situation`: police-reported
crime as 3-year rates with intervals for every municipality of the county (a funnel plot
and a map show them all; a table shows the collaborating ones with their comparison
with the county), Kolada KPIs and school-survey shares per municipality.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from vpanalysis import geography, indicators
from vpanalysis.config import SWEDEN_CODE
from vpanalysis.steps.situation import (
    Tables,
    item_label,
    police_rates,
    police_rolling,
    region_label,
    survey_prevalence,
)

#: The category compared by default: the broadest category of physical violence.
DEFAULT_CATEGORY = "Misshandel inkl. grov"


def county_rolled(tables: Tables, county: str, years: Sequence[int]) -> pd.DataFrame:
    """3-year rolling rates of every BRÅ category for the county's municipalities, the
    county and Sweden."""
    regions = [*geography.municipalities_in(county), county, SWEDEN_CODE]
    return police_rolling(police_rates(tables, regions, years))


def latest(rolled: pd.DataFrame, category: str) -> pd.DataFrame:
    """The latest 3-year window of ``category`` with a value, one row per region."""
    d = rolled[rolled["category"] == category].dropna(subset=["value"])
    if d.empty:
        return d
    return d[d["year_to"] == d["year_to"].max()].reset_index(drop=True)


def funnel_points(rolled: pd.DataFrame, category: str, municipalities: Sequence[str]):
    """Municipalities' latest 3-year rates with their mean yearly population (x axis)."""
    d = latest(rolled, category)
    d = d[d["region_code"].isin(list(municipalities))]
    years = (d["year_to"] - d["year_from"] + 1).astype("float64")
    return pd.DataFrame(
        {
            "region_code": d["region_code"],
            "region": d["region"],
            "population": d["population"].astype("float64") / years,
            "value": d["value"].astype("float64"),
            "count": d["count"],
        }
    ).reset_index(drop=True)


def funnel_limits(baseline: float, populations: Sequence[float], years: int = 3) -> pd.DataFrame:
    """95 % and 99.8 % funnel limits around ``baseline`` (per 100 000) on a population grid.

    :func:`vpanalysis.indicators.funnel_limits_rate` gives, for each number of events,
    the population at which it lies on each limit; those curves are interpolated onto a
    common grid of yearly populations (events pooled over ``years``).
    """
    populations = np.asarray(populations, dtype="float64")
    low, high = max(populations.min() * 0.5, 500.0), populations.max() * 1.5
    grid = np.geomspace(low, high, 120)
    expected_max = baseline / 100_000 * high * years
    events = np.arange(0, int(expected_max * 1.5) + 30)
    curves = indicators.funnel_limits_rate(events, baseline, per=100_000, years=years)
    out = pd.DataFrame({"population": grid})
    for name in ("lower_95", "upper_95", "lower_998", "upper_998"):
        x = curves[f"{name}_population"].to_numpy()
        y = curves[name].to_numpy()
        keep = np.isfinite(x) & np.isfinite(y)
        order = np.argsort(x[keep])
        out[name] = np.interp(grid, x[keep][order], y[keep][order], left=np.nan, right=np.nan)
    return out


def side_by_side(
    rolled: pd.DataFrame, codes: Sequence[str], county: str, category: str
) -> pd.DataFrame:
    """The collaborating municipalities' latest 3-year rate of ``category`` with intervals
    and the comparison with the county (Swedish columns)."""
    d = latest(rolled, category)
    if d.empty:
        return pd.DataFrame()
    county_value = d.loc[d["region_code"] == county, "value"]
    comparator = float(county_value.iloc[0]) if len(county_value) else np.nan
    rows = []
    for code in [*codes, county, SWEDEN_CODE]:
        hit = d[d["region_code"] == code]
        if hit.empty:
            rows.append({"Område": region_label(code), "Period": ""})
            continue
        r = hit.iloc[0]
        verdict = (
            indicators.compare(
                pd.Series([r["lower"]]), pd.Series([r["upper"]]), pd.Series([comparator])
            ).iloc[0]
            if code not in (county, SWEDEN_CODE)
            else ""
        )
        rows.append(
            {
                "Område": region_label(code),
                "Period": f"{int(r['year_from'])}–{int(r['year_to'])}",
                "Antal (3 år)": r["count"],
                "Per 100 000 inv. och år": r["value"],
                "Nedre gräns": r["lower"],
                "Övre gräns": r["upper"],
                "Jämfört med länet": indicators.SWEDISH_LABELS.get(verdict, verdict),
            }
        )
    out = pd.DataFrame(rows)
    return out.astype({"Antal (3 år)": "Int64"})


def panels(rolled: pd.DataFrame, codes: Sequence[str]) -> pd.DataFrame:
    """Every category's rolling rates for ``codes``, for small multiples."""
    d = rolled[rolled["region_code"].isin(list(codes))].dropna(subset=["value"])
    return d.assign(year=d["year_to"]).reset_index(drop=True)


def map_values(rolled: pd.DataFrame, county: str, category: str) -> pd.Series:
    """The latest 3-year rate per municipality of the county (index: municipality code);
    NaN where a municipality has no value."""
    d = latest(rolled, category).set_index("region_code")["value"].astype("float64")
    return d.reindex(geography.municipalities_in(county))


def survey_side_by_side(tables: Tables, codes: Sequence[str], threshold: int) -> pd.DataFrame:
    """Share of all pupils (%) answering yes per exposure item and municipality, with
    intervals; ``..`` where withheld, columns only for municipalities with survey data."""
    from vpanalysis.report import interval, number

    columns = {}
    for code in codes:
        p = survey_prevalence(tables, code, threshold)
        if p.empty:
            continue
        p = p[(p["grade"] == "Alla") & (p["sex"] == "T")]
        year = int(p["year"].iloc[0])
        columns[f"{region_label(code)} ({year})"] = pd.Series(
            [
                number(v, 1) if pd.isna(v) else f"{number(v, 1)} ({interval(lo, up, 1)})"
                for v, lo, up in zip(p["value"], p["lower"], p["upper"], strict=True)
            ],
            index=p["item"].map(item_label).to_numpy(),
        )
    if not columns:
        return pd.DataFrame()
    out = pd.DataFrame(columns)
    out.index.name = "Andel ja, % (95 % KI)"
    return out.reset_index()


def county_funnel(rolled: pd.DataFrame, county: str, category: str):
    """``(points, limits, county level)`` for the county's funnel plot, or ``None`` when the
    county or its municipalities have no value for ``category``."""
    points = funnel_points(rolled, category, geography.municipalities_in(county))
    level = latest(rolled, category)
    level = level.loc[level["region_code"] == county, "value"]
    if points.empty or level.empty:
        return None
    baseline = float(level.iloc[0])
    return points, funnel_limits(baseline, points["population"]), baseline
