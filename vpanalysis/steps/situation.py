"""Step 2, *Beskriv våld som problem*: the lägesbild from the tidy tables.

Functions here turn ``observations``, ``population``, ``kolada`` and ``survey`` (see
``data/processed/README.md``) into the tables and series the step-2 report shows:
rates with confidence intervals, 3-year rolling rates, trends, comparisons with the
county, Sweden and the collaborating municipalities, breakdowns by sex and age,
survey prevalences, and the baseline that step 5 follows up.

Counts of persons from local sources pass through :mod:`vpanalysis.disclosure` before
anything derived from them is returned for publication.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from vpanalysis import disclosure, geography, indicators
from vpanalysis.config import SWEDEN_CODE

PER = 100_000

# ---------------------------------------------------------------- population


def age_bounds(label: str) -> tuple[int, int | None]:
    """``"0-17"`` -> (0, 17), ``"65+"`` -> (65, None), ``"totalt"`` -> (0, None)."""
    text = str(label).strip().lower().replace("–", "-").replace(" år", "")
    if text in ("totalt", "total", "alla", "samtliga"):
        return 0, None
    if m := re.fullmatch(r"(\d+)\s*-\s*(\d+)", text):
        return int(m.group(1)), int(m.group(2))
    if m := re.fullmatch(r"(\d+)\s*\+", text):
        return int(m.group(1)), None
    raise ValueError(f"unknown age group {label!r}")


def population_for(
    population: pd.DataFrame, age_group: str = "totalt", sex: str = "T"
) -> pd.DataFrame:
    """Population per region and year for an age group and sex (``T`` = K + M).

    The age group's bounds must coincide with band edges of the population table;
    otherwise a ValueError says which bands would be needed.
    """
    lo, hi = age_bounds(age_group)
    bands = population["age_group"].drop_duplicates()
    bounds = {b: age_bounds(b) for b in bands}
    inside = [
        b
        for b, (blo, bhi) in bounds.items()
        if blo >= lo and (hi is None or (bhi is not None and bhi <= hi))
    ]
    covered = sorted(bounds[b][0] for b in inside)
    partial = [
        b
        for b, (blo, bhi) in bounds.items()
        if b not in inside and (hi is None or blo <= hi) and (bhi is None or bhi >= lo)
    ]
    if partial or not covered:
        raise ValueError(
            f"age group {age_group!r} does not match the population's age bands {sorted(bands)}"
        )
    rows = population[population["age_group"].isin(inside)]
    if sex != "T":
        rows = rows[rows["sex"] == sex]
    out = rows.groupby(["region_code", "year"], as_index=False)["population"].sum()
    return out.assign(sex=sex, age_group=age_group)


# ---------------------------------------------------------------- rates


def rates(
    observations: pd.DataFrame,
    population: pd.DataFrame,
    *,
    regions: Sequence[str] | None = None,
    years: Iterable[int] | None = None,
    threshold: int | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Counts joined to the matching population, with rates per 100 000 and intervals.

    One row per observation row. ``threshold`` (for local sources) suppresses counts
    1..threshold-1 and everything computed from them; the rate of a suppressed count
    is ``<NA>``. The population is matched on region, year, sex and age group.
    """
    obs = observations
    if regions is not None:
        obs = obs[obs["region_code"].isin(list(regions))]
    if years is not None:
        obs = obs[obs["year"].isin(list(years))]
    pops = []
    for (age_group, sex), _ in obs.groupby(["age_group", "sex"]):
        pops.append(population_for(population, age_group, sex))
    if pops:
        pop = pd.concat(pops, ignore_index=True)
        obs = obs.merge(pop, on=["region_code", "year", "sex", "age_group"], how="left")
    else:
        obs = obs.assign(population=pd.Series(dtype="Int64"))
    counts = obs["count"].astype("Float64")
    if threshold is not None:
        small = obs["local"].astype(bool) & (counts >= 1) & (counts < threshold)
        counts = counts.mask(small)
        obs = obs.assign(count=obs["count"].mask(small))
    result = indicators.rate(
        counts.astype("float64"),
        obs["population"].astype("float64"),
        per=PER,
        confidence=confidence,
    )
    out = pd.concat([obs.reset_index(drop=True), result.reset_index(drop=True)], axis=1)
    return out.assign(region=out["region_code"].map(region_label))


def region_label(code: str) -> str:
    """Short Swedish label of a region code for charts and tables."""
    return geography.region_name(code)


def comparison_regions(focus: str, comparison_codes: Sequence[str]) -> list[str]:
    """The municipality, the other collaborating municipalities, its county and Sweden."""
    codes = [focus] + [c for c in comparison_codes if c != focus]
    return codes + [geography.county_of(focus), SWEDEN_CODE]


def rolling(rate_table: pd.DataFrame, window: int = 3, by: Sequence[str] = ()) -> pd.DataFrame:
    """3-year rolling counts, populations and rates per region (and ``by`` columns)."""
    keys = ["region_code", *by]
    out = indicators.rolling_rate(
        rate_table, count="count", population="population", window=window, by=keys, per=PER
    )
    return out.assign(region=out["region_code"].map(region_label))


def compare_latest(
    rolled: pd.DataFrame,
    focus: str,
    comparators: Sequence[str],
    *,
    by: Sequence[str] = (),
    polarity: str | None = "low_is_good",
) -> pd.DataFrame:
    """The focus area's latest rolling rate against each comparator's value.

    ``similar`` when the comparator lies inside the focus area's interval.
    """
    latest = rolled["year_to"].max()
    last = rolled[rolled["year_to"] == latest]
    mine = last[last["region_code"] == focus]
    rows = []
    for comparator in comparators:
        other = last[last["region_code"] == comparator]
        joined = mine.merge(other[[*by, "value"]], on=list(by), suffixes=("", "_comparator"))
        verdict = indicators.compare(
            joined["lower"], joined["upper"], joined["value_comparator"], polarity=polarity
        )
        verdict = verdict if isinstance(verdict, pd.DataFrame) else verdict.to_frame("comparison")
        rows.append(
            pd.concat(
                [joined.reset_index(drop=True), verdict.reset_index(drop=True)], axis=1
            ).assign(comparator=region_label(comparator))
        )
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def trends(rate_table: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """A Poisson trend test per group with at least 5 years of counts."""
    rows = []
    for key, group in rate_table.groupby(list(by)):
        g = group.dropna(subset=["count", "population"])
        if g["year"].nunique() < 5:
            rows.append({**dict(zip(by, np.atleast_1d(key), strict=True)), "enough_points": False})
            continue
        result = indicators.trend_test(
            g["year"].to_numpy(), g["count"].astype("float64"), g["population"].astype("float64")
        )
        record = dict(zip(by, np.atleast_1d(key), strict=True))
        record.update(result if isinstance(result, dict) else vars(result))
        rows.append(record)
    return pd.DataFrame(rows)


def protected_crosstab(
    observations: pd.DataFrame,
    *,
    region: str,
    source: str,
    rows: str = "category",
    columns: str = "year",
    sex: str = "T",
    threshold: int = 5,
) -> pd.DataFrame:
    """A local source's counts of persons as a crosstab with totals, disclosure-protected."""
    d = observations[
        (observations["source"] == source)
        & (observations["region_code"] == region)
        & (observations["sex"] == sex)
    ]
    table = d.pivot_table(index=rows, columns=columns, values="count", aggfunc="sum", margins=False)
    table = table.astype("Int64")
    table.loc["Totalt"] = table.sum(axis=0, skipna=False)
    table["Totalt"] = table.sum(axis=1, skipna=False)
    return disclosure.protect_table(
        table, threshold=threshold, total_row="Totalt", total_col="Totalt"
    )
