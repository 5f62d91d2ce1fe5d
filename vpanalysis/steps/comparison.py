"""The comparison report (``00_jamforelse``): the collaborating municipalities side by side.

Built on the step-2 functions of :mod:`vpanalysis.steps.situation`: police-reported
crime as 3-year rates with intervals for every municipality of the county (for a funnel
plot and a map), the collaborating municipalities with their comparison with the rest of
the county (the county without the municipality, :func:`rest_of_county`), and
school-survey shares per municipality. :mod:`vpanalysis.presentation.comparison` turns
them into the Swedish report.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from vpanalysis import geography, indicators, verdicts
from vpanalysis.config import SWEDEN_CODE
from vpanalysis.data import Tables
from vpanalysis.steps.situation import (
    ALL,
    police_rates,
    police_rolling,
    published_prevalence,
    region_label,
    rest_of_county,
    survey_prevalence,
)

#: The category compared by default: the broadest category of physical violence.
DEFAULT_CATEGORY = "Misshandel inkl. grov"


def collaborating(focus: str, comparison_codes: Sequence[str]) -> list[str]:
    """The municipality in focus first, then the other collaborating municipalities."""
    return [focus] + [c for c in comparison_codes if c != focus]


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


#: Above this share of its county's population a municipality weighs so much in the
#: county's value that a comparison with the county itself leans towards "no
#: difference"; the report says so (the tests compare with the rest of the county anyway).
LARGE_SHARE = 0.20


def side_by_side(
    rolled: pd.DataFrame, codes: Sequence[str], county: str, category: str
) -> pd.DataFrame:
    """The collaborating municipalities' latest 3-year rate of ``category`` with intervals,
    then the county's and Sweden's.

    One row per region: ``region_code``, ``region``, ``role`` (``municipality``,
    ``county``, ``country``), ``year_from``, ``year_to``, ``count``, ``value``, ``lower``,
    ``upper`` (missing where the region has no value) and, for the municipalities, the
    rest of the county (the county without the municipality, :func:`rest_of_county`):
    ``rest_count``, ``rest_value``, ``rest_lower``, ``rest_upper``, ``county_share``
    (the municipality's share of the county's population), and ``comparison``, the
    municipality against the rest of the county (a code of
    :data:`vpanalysis.verdicts.COMPARISONS`, by :func:`vpanalysis.verdicts.rates_differ`:
    both are uncertain). A municipality is never compared with a region that contains it:
    a large municipality (Gävle is about 40 % of its county) would pull the county's value
    towards its own and the test towards "no difference".
    Empty when nobody has a value.
    """
    d = latest(rolled, category)
    if d.empty:
        return pd.DataFrame()
    county_hit = d[d["region_code"] == county]
    county_row = county_hit.iloc[0] if len(county_hit) else None
    rows = []
    roles = {county: "county", SWEDEN_CODE: "country"}
    for code in [*codes, county, SWEDEN_CODE]:
        record = {
            "region_code": code,
            "region": region_label(code),
            "role": roles.get(code, "municipality"),
        }
        hit = d[d["region_code"] == code]
        if not hit.empty:
            r = hit.iloc[0]
            record.update(
                year_from=int(r["year_from"]),
                year_to=int(r["year_to"]),
                count=r["count"],
                value=r["value"],
                lower=r["lower"],
                upper=r["upper"],
            )
            if code not in roles:
                record["comparison"] = "not_compared"
                if county_row is not None:
                    rest = rest_of_county(r, county_row)
                    record.update(
                        rest_count=rest["count"],
                        rest_value=rest["value"],
                        rest_lower=rest["lower"],
                        rest_upper=rest["upper"],
                        county_share=rest["share"],
                        comparison=verdicts.rates_differ(
                            r["count"], r["population"], rest["count"], rest["population"]
                        ),
                    )
        rows.append(record)
    columns = ["region_code", "region", "role", "year_from", "year_to", "count", "value"]
    columns += ["lower", "upper", "rest_count", "rest_value", "rest_lower", "rest_upper"]
    out = pd.DataFrame(rows, columns=[*columns, "county_share", "comparison"])
    return out.astype(
        {"count": "Int64", "rest_count": "Int64", "year_from": "Int64", "year_to": "Int64"}
    )


def panels(rolled: pd.DataFrame, codes: Sequence[str]) -> pd.DataFrame:
    """Every category's rolling rates for ``codes``, for small multiples."""
    d = rolled[rolled["region_code"].isin(list(codes))].dropna(subset=["value"])
    return d.assign(year=d["year_to"]).reset_index(drop=True)


def map_values(rolled: pd.DataFrame, county: str, category: str) -> pd.Series:
    """The latest 3-year rate per municipality of the county (index: municipality code);
    NaN where a municipality has no value."""
    d = latest(rolled, category).set_index("region_code")["value"].astype("float64")
    return d.reindex(geography.municipalities_in(county))


def survey_shares(tables: Tables, codes: Sequence[str], threshold: int) -> pd.DataFrame:
    """Share of all pupils (%) answering yes per exposure item for each of ``codes`` with
    a survey, in their latest survey year: ``region_code``, ``region``, ``year``, ``item``,
    ``value``, ``lower``, ``upper`` (``<NA>`` where withheld)."""
    frames = []
    for code in codes:
        p = survey_prevalence(tables, code, threshold)
        if p.empty:
            continue
        p = p[(p["grade"] == "Alla") & (p["sex"] == "T")]
        shares = p[["item", "value", "lower", "upper"]].reset_index(drop=True)
        frames.append(
            shares.assign(region_code=code, region=region_label(code), year=int(p["year"].iloc[0]))
        )
    columns = ["region_code", "region", "year", "item", "value", "lower", "upper"]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def published_survey_shares(
    cells: pd.DataFrame,
    codebook: pd.DataFrame,
    codes: Sequence[str],
    years: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Share of all pupils (%) answering yes per exposure item for each of ``codes`` with
    a survey, in their latest survey year within ``years``, from the publication's
    ``cells`` alone (:func:`~vpanalysis.steps.situation.published_prevalence`; all pupils
    = sex ``T``, which includes those who did not state it, as in every report).

    Columns as :func:`survey_shares` (``region_code``, ``region``, ``year``, ``item``,
    ``value``, ``lower``, ``upper``; ``<NA>`` where withheld), then the cells a share rests
    on: ``grade``, ``sex``, ``count`` (yes), ``denominator`` (answered).
    """
    frames = []
    for code in codes:
        p = published_prevalence(cells, codebook, code, years=years, groups=[(ALL, "T")])
        if p.empty:
            continue
        frames.append(p.assign(region=region_label(code)))
    columns = ["region_code", "region", "year", "item", "value", "lower", "upper"]
    columns += ["grade", "sex", "count", "denominator"]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


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
