"""Step 2, *Beskriv våld som problem*: the lägesbild computed from the loaded tables.

Functions here take the tables of a :class:`vpanalysis.data.Tables` (``observations``,
``population``, ``kolada``, ``survey``, see ``data/processed/README.md``), the violence
definition and its category mapping, and return tidy frames with English columns: rates
with confidence intervals, 3-year rolling rates, trends, comparisons with the county,
Sweden and the collaborating municipalities, protected local counts, survey prevalences,
which source sees which violence, and the baseline that step 5 follows up.
:mod:`vpanalysis.presentation.situation` turns them into the Swedish report.

Counts of persons from local sources pass through :mod:`vpanalysis.disclosure` before
anything derived from them is returned for publication.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from vpanalysis import definitions, disclosure, geography, indicators, verdicts
from vpanalysis.config import SWEDEN_CODE
from vpanalysis.data import Tables, add_population
from vpanalysis.steps.factors import share_at_risk

PER = 100_000

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
    is ``<NA>``. The population (the single-year table, or five-year bands when the age
    groups follow them) is matched on region, year, sex and age group.
    """
    obs = observations
    if regions is not None:
        obs = obs[obs["region_code"].isin(list(regions))]
    if years is not None:
        obs = obs[obs["year"].isin(list(years))]
    obs = add_population(obs.reset_index(drop=True), population)
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
    """The name of a region code as charts and tables show it (:mod:`vpanalysis.geography`)."""
    return geography.region_name(code)


def comparison_regions(focus: str, comparison_codes: Sequence[str]) -> list[str]:
    """The municipality, the other collaborating municipalities, its county and Sweden."""
    codes = [focus] + [c for c in comparison_codes if c != focus]
    return codes + [geography.county_of(focus), SWEDEN_CODE]


def rolling(rate_table: pd.DataFrame, window: int = 3, by: Sequence[str] = ()) -> pd.DataFrame:
    """3-year rolling counts, populations and rates per region (and ``by`` columns)."""
    keys = ["region_code", *by]
    if rate_table.empty:
        columns = [*keys, "year_from", "year_to", "count", "population", "value", "lower"]
        return pd.DataFrame(columns=[*columns, "upper", "method", "region"])
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
    total: str = "total",
) -> pd.DataFrame:
    """A local source's counts of persons as a crosstab with totals (row and column
    ``total``), disclosure-protected."""
    d = observations[
        (observations["source"] == source)
        & (observations["region_code"] == region)
        & (observations["sex"] == sex)
    ]
    table = d.pivot_table(index=rows, columns=columns, values="count", aggfunc="sum", margins=False)
    table = table.astype("Int64")
    table.loc[total] = table.sum(axis=0, skipna=False)
    table[total] = table.sum(axis=1, skipna=False)
    return disclosure.protect_table(table, threshold=threshold, total_row=total, total_col=total)


# ---------------------------------------------------------------- police-reported crime


def trend_direction(result: indicators.TrendResult | None, total_count=None) -> str:
    """A trend test result as a code of :data:`vpanalysis.verdicts.TRENDS`, by the one
    trend rule (:func:`vpanalysis.verdicts.trend_verdict`) that step 5 uses too."""
    return verdicts.trend_verdict(result, total_count)


def series_trend(rate_table: pd.DataFrame) -> tuple[str, float]:
    """One series' yearly counts (columns ``year``, ``count``, ``population``) as
    ``(trend code, yearly rate ratio)`` by :func:`trend_direction`; the rate ratio is NaN
    when there is no test."""
    g = rate_table.dropna(subset=["count", "population"])
    result = _safe_trend(g)
    total = float(g["count"].astype("float64").sum()) if len(g) else 0.0
    return trend_direction(result, total), (np.nan if result is None else result.rate_ratio)


def _safe_trend(group: pd.DataFrame):
    g = group.dropna(subset=["count", "population"])
    if g["year"].nunique() < 5 or float(g["count"].astype("float64").sum()) == 0:
        return None
    return indicators.trend_test(
        g["year"].to_numpy(), g["count"].astype("float64"), g["population"].astype("float64")
    )


def police_trends(tables: Tables, region: str) -> dict[str, tuple[str, float]]:
    """``bra:<category>`` -> (trend code, yearly rate ratio) of ``region``'s yearly counts
    over all the tables' years, as :func:`police_summary` gives them (:func:`series_trend`),
    for step 5 to show the same trend by the same rule."""
    years = sorted(tables.observations["year"].unique())
    rated = police_rates(tables, [region], years)
    return {
        f"bra:{category}": series_trend(group)
        for category, group in rated.groupby("category", sort=False)
    }


def police_window_count(tables: Tables, region: str, category: str, period: str) -> float:
    """The police-reported crimes of ``category`` in ``region`` over ``period``
    (``"2018–2020"`` or ``"2020"``, as the baseline names it); NaN when a year is missing."""
    first, _, last = str(period).replace("-", "–").partition("–")
    years = range(int(first), int(last or first) + 1)
    obs = tables.observations
    d = obs[(obs["source"] == "bra") & (obs["region_code"] == region)]
    d = d[(d["category"] == category) & d["year"].isin(list(years))]
    if (d["sex"] == "T").any():
        d = d[d["sex"] == "T"]
    if d["year"].nunique() < len(years) or d["count"].isna().any():
        return float("nan")
    return float(d["count"].astype("float64").sum())


def police_rates(tables: Tables, regions: Sequence[str], years: Iterable[int]) -> pd.DataFrame:
    """BRÅ's police-reported crime per category, region and year, with rates and intervals."""
    obs = tables.observations[tables.observations["source"] == "bra"]
    return rates(obs, tables.population, regions=regions, years=years)


def police_rolling(rate_table: pd.DataFrame) -> pd.DataFrame:
    """3-year rolling rates per region and category (``year_to`` names the window)."""
    return rolling(rate_table, by=["category"])


def rate_population(rate_table: pd.DataFrame) -> pd.DataFrame:
    """Who each category's rate is per: ``sex`` and ``age_group`` by ``category`` (index)."""
    if rate_table.empty:
        return pd.DataFrame(columns=["sex", "age_group"], index=pd.Index([], name="category"))
    return rate_table.drop_duplicates("category").set_index("category")[["sex", "age_group"]]


def rest_of_county(row: pd.Series | dict, county_row: pd.Series | dict) -> dict:
    """The county without one municipality in the same 3-year window: ``count`` and
    ``population`` (person-years) of the county minus the municipality's, with the rate
    and its interval (:func:`vpanalysis.indicators.rate`), and ``share``, the
    municipality's share of the county's population. Missing (NaN) values where either
    count or population is missing or the rest would be negative."""
    count = float(county_row["count"]) - float(row["count"])
    population = float(county_row["population"]) - float(row["population"])
    share = float(row["population"]) / float(county_row["population"])
    if not (np.isfinite(count) and np.isfinite(population)) or count < 0 or population <= 0:
        nan = float("nan")
        return {"count": nan, "population": nan, "value": nan, "lower": nan, "upper": nan,
                "share": share}  # fmt: skip
    r = indicators.rate([count], [population], per=100_000).iloc[0]
    return {
        "count": count,
        "population": population,
        "value": float(r["value"]),
        "lower": float(r["lower"]),
        "upper": float(r["upper"]),
        "share": share,
    }


def police_summary(
    rate_table: pd.DataFrame, focus: str, county: str, sweden: str = SWEDEN_CODE
) -> pd.DataFrame:
    """One row per BRÅ category: the latest 3-year rate of ``focus`` with its interval,
    the rest of the county's (the county without ``focus``, :func:`rest_of_county`) and
    Sweden's rates and the comparisons with them, and the trend.

    Columns: ``category``, ``form`` (key of the definition's forms, ``<NA>`` when the
    rates carry none), ``year_from``, ``year_to``, ``count``, ``value``, ``lower``,
    ``upper``, ``county_value`` (the whole county, for context), ``rest_count``,
    ``rest_value``, ``county_share`` (``focus``'s share of the county's population),
    ``rest_comparison`` (by :func:`vpanalysis.verdicts.rates_differ`: both values are
    uncertain, and a municipality is never compared with a region that contains it),
    ``sweden_value``, ``sweden_comparison`` (by
    :func:`vpanalysis.verdicts.against_reference`; codes of
    :data:`vpanalysis.verdicts.COMPARISONS`, ``too_few`` under 10 crimes in the three
    years), ``trend`` (:func:`trend_direction`), ``trend_rate_ratio``,
    ``trend_from``/``trend_to`` (the years the trend covers), and ``sex`` and ``age_group`` (who the
    rate is per). Empty when ``focus`` has no rate.
    """
    rolled = police_rolling(rate_table).dropna(subset=["value"])
    if rolled.empty or not (rolled["region_code"] == focus).any():
        return pd.DataFrame()  # no complete 3-year window here (see police_years)
    latest = int(rolled.loc[rolled["region_code"] == focus, "year_to"].max())
    last = rolled[rolled["year_to"] == latest]
    mine = last[last["region_code"] == focus].set_index("category")
    forms = {}
    if "form" in rate_table.columns:
        pairs = rate_table[["category", "form"]].drop_duplicates()
        forms = dict(zip(pairs["category"], pairs["form"], strict=True))
    per = rate_population(rate_table)
    rows = []
    for category, row in mine.iterrows():
        record = {
            "category": category,
            "form": forms.get(category, pd.NA),
            "year_from": latest - 2,
            "year_to": latest,
            "count": row["count"],
            "value": row["value"],
            "lower": row["lower"],
            "upper": row["upper"],
        }
        for code, name in ((county, "county"), (sweden, "sweden")):
            other = last[(last["region_code"] == code) & (last["category"] == category)]
            record[f"{name}_value"] = other["value"].iloc[0] if len(other) else np.nan
            if name == "sweden":
                record["sweden_comparison"] = verdicts.against_reference(
                    row["lower"], row["upper"], record["sweden_value"], count=row["count"]
                )
            elif len(other):
                rest = rest_of_county(row, other.iloc[0])
                record.update(
                    rest_count=rest["count"],
                    rest_value=rest["value"],
                    county_share=rest["share"],
                    rest_comparison=verdicts.rates_differ(
                        row["count"], row["population"], rest["count"], rest["population"]
                    ),
                )
            else:
                record.update(rest_count=np.nan, rest_value=np.nan, county_share=np.nan,
                              rest_comparison="not_compared")  # fmt: skip
        series = rate_table[
            (rate_table["region_code"] == focus) & (rate_table["category"] == category)
        ]
        record["trend"], record["trend_rate_ratio"] = series_trend(series)
        years = series.dropna(subset=["count"])["year"]
        record["trend_from"] = int(years.min()) if len(years) else pd.NA
        record["trend_to"] = int(years.max()) if len(years) else pd.NA
        who = per.loc[category] if category in per.index else {"sex": "T", "age_group": "totalt"}
        record["sex"], record["age_group"] = who["sex"], who["age_group"]
        rows.append(record)
    out = pd.DataFrame(rows)
    return out.astype(
        {"count": "Int64", "year_from": "int64", "year_to": "int64", "trend_from": "Int64",
         "trend_to": "Int64"}
    )  # fmt: skip


def focus_series(rolled: pd.DataFrame, category: str, regions: Sequence[str]) -> pd.DataFrame:
    """The rolling rates of one category for ``regions`` (in that order), for a trend chart.

    Empty when the first region (the municipality in focus) has no value.
    """
    d = rolled[(rolled["category"] == category) & rolled["region_code"].isin(list(regions))]
    d = d.dropna(subset=["value"]).rename(columns={"year_to": "year_end"})
    if not (d["region_code"] == regions[0]).any():
        return d.iloc[0:0]
    d = d.assign(year=d["year_end"])
    order = {code: i for i, code in enumerate(regions)}
    return d.sort_values(
        ["region_code", "year"], key=lambda s: s.map(order) if s.name == "region_code" else s
    ).reset_index(drop=True)


def category_panels(rolled: pd.DataFrame, regions: Sequence[str]) -> pd.DataFrame:
    """Rolling rates of every category for ``regions`` with a ``region`` label and ``year``.

    Empty when the first region (the municipality in focus) has no value.
    """
    d = rolled[rolled["region_code"].isin(list(regions))].dropna(subset=["value"])
    if not (d["region_code"] == regions[0]).any():
        return d.iloc[0:0]
    return d.assign(year=d["year_to"]).reset_index(drop=True)


# ---------------------------------------------------------------- Kolada


def kpi_titles(tables: Tables) -> dict[str, str]:
    """KPI id -> its title in the KPI list (``data/raw/kolada/kpis.csv``)."""
    if tables.kpis is None or "title" not in tables.kpis:
        return {}
    return dict(zip(tables.kpis["kpi"], tables.kpis["title"].astype(str), strict=True))


def kolada_latest(tables: Tables, kpis: Sequence[str], regions: Sequence[str]) -> pd.DataFrame:
    """Kolada KPIs (total for both sexes) for ``regions`` in the latest year with a value.

    One row per KPI (in the order of ``kpis``; KPIs without any value left out) and region
    (in the order of ``regions``): ``kpi``, ``title``, ``year``, ``region_code``,
    ``region``, ``value`` (NaN where the region has none that year).
    """
    columns = ["kpi", "title", "year", "region_code", "region", "value"]
    k = tables.kolada
    k = k[k["kpi"].isin(list(kpis)) & k["region_code"].isin(list(regions)) & (k["sex"] == "T")]
    k = k.dropna(subset=["value"])
    if k.empty:
        return pd.DataFrame(columns=columns)
    titles = kpi_titles(tables)
    rows = []
    for kpi in kpis:
        part = k[k["kpi"] == kpi]
        if part.empty:
            continue
        year = int(part["year"].max())
        for code in regions:
            hit = part[(part["region_code"] == code) & (part["year"] == year)]
            rows.append(
                {
                    "kpi": kpi,
                    "title": titles.get(kpi, kpi),
                    "year": year,
                    "region_code": code,
                    "region": region_label(code),
                    "value": hit["value"].iloc[0] if len(hit) else np.nan,
                }
            )
    return pd.DataFrame(rows, columns=columns)


def kolada_series(tables: Tables, kpi: str, regions: Sequence[str]) -> pd.DataFrame:
    """One Kolada KPI over the years for ``regions`` (``value``; no interval in Kolada).

    Empty when the first region (the municipality in focus) has no value.
    """
    k = tables.kolada
    d = k[(k["kpi"] == kpi) & k["region_code"].isin(list(regions)) & (k["sex"] == "T")]
    d = d.dropna(subset=["value"]).astype({"value": "float64"})
    if not len(regions) or not (d["region_code"] == regions[0]).any():
        return d.iloc[0:0].assign(region=pd.Series(dtype="string"))
    return d.assign(region=d["region_code"].map(region_label)).sort_values(["region_code", "year"])


# ---------------------------------------------------------------- local sources


def local_counts(
    tables: Tables, source: str, region: str, threshold: int, years: Iterable[int]
) -> pd.DataFrame:
    """A local source's counts for one municipality, disclosure-protected as one table.

    Protection runs over category × year × sex × age group at once, with ``T`` the sum
    of ``K`` and ``M``, so every view cut from the result (per year, per sex) is safe:
    counts 1..threshold-1 and whatever would reveal them by subtraction are ``<NA>``.
    """
    obs = tables.observations
    d = obs[
        (obs["source"] == source) & (obs["region_code"] == region) & obs["year"].isin(list(years))
    ].reset_index(drop=True)
    if d.empty:
        return d
    return disclosure.protect_long(
        d,
        by_rows=["category", "year"],
        by_cols=["sex", "age_group"],
        threshold=threshold,
        totals={"sex": "T"},
        partial_totals=True,
    )


def local_measure(category: str, age_group: str) -> str:
    """The measure of a local category reported for several age groups, as the goals
    register names it: ``"Hedersrelaterat våld (0-17 år)"``."""
    return f"{category} ({age_group} år)"


def totals_by_year(protected: pd.DataFrame) -> pd.DataFrame:
    """A protected local source per category and year, both sexes and all ages.

    One row per ``measure`` (the category, or :func:`local_measure` for a category
    reported for several age groups: one per age group) and year, in the order of the
    source: ``measure``, ``category``, ``age_group``, ``year``, ``count`` (``<NA>`` where
    withheld), then those of ``sex``, ``source``, ``parent``, ``region_code`` and
    ``withheld`` that ``protected`` has (the key of the cell shown). Age groups are never
    summed: that would re-open suppressed cells.
    """
    columns = ["measure", "category", "age_group", "year", "count"]
    if protected.empty:
        return pd.DataFrame(columns=columns)
    d = protected
    # one row per category and year: the T row where the source has K/M/T, else the
    # only sex it has
    totals = d[
        (d["sex"] == "T")
        | ~d.groupby(["category", "year"])["sex"].transform(lambda s: (s == "T").any())
    ]
    several = totals.groupby("category")["age_group"].transform("nunique") > 1
    named = [
        local_measure(c, a) for c, a in zip(totals["category"], totals["age_group"], strict=True)
    ]
    measure = totals["category"].where(~several, pd.Series(named, index=totals.index))
    long = totals.assign(measure=measure).drop_duplicates(["measure", "year"])
    keys = [c for c in ("sex", "source", "parent", "region_code", "withheld") if c in long]
    return long[[*columns, *keys]].reset_index(drop=True)


def totals_by_sex(protected: pd.DataFrame, year: int | None = None) -> pd.DataFrame:
    """The rows of a protected local source for one year (default: the latest) whose
    category and age group have all of ``K``, ``M`` and ``T``, for a breakdown by sex."""
    if protected.empty:
        return protected
    year = int(protected["year"].max()) if year is None else year
    d = protected[protected["year"] == year]
    has_all = d.groupby(["category", "age_group"])["sex"].transform(
        lambda s: {"K", "M", "T"} <= set(s)
    )
    return d[has_all.astype(bool)]


# ---------------------------------------------------------------- school survey


def survey_prevalence(
    tables: Tables,
    region: str,
    threshold: int,
    *,
    kinds: Sequence[str] = ("exposure", "perpetration"),
    year: int | None = None,
) -> pd.DataFrame:
    """Shares of pupils (%) with Wilson intervals per item, grade and sex, protected.

    Items are those of the codebook with ``kind`` in ``kinds``, at the codebook's cut-off.
    Published groups: all pupils, per sex (both grades) and per grade (both sexes); the
    grade × sex cells are never published. Protection treats numerators as counts of
    persons with the relations K + M = T and åk9 + gy2 = Alla (pupils without a stated
    sex count only in the total, so those relations are partial); a suppressed numerator
    blanks its share and interval. Also suppressed: groups with fewer than ``threshold``
    respondents, or fewer than ``threshold`` pupils who did *not* answer yes. Pupils
    without a stated sex or grade are left out altogether when they are so few that the
    totals would reveal them (:func:`published_respondents`).
    """
    s = tables.survey[tables.survey["region_code"] == region]
    if s.empty:
        return pd.DataFrame()
    year = int(s["year"].max()) if year is None else year
    s = published_respondents(s[s["year"] == year], threshold)
    book = tables.codebook
    items = book[book["kind"].isin(list(kinds)) & book["item"].isin(s.columns)]
    frames = []
    for _, item in items.iterrows():
        cutoff = item.get("cutoff")
        cutoff = None if cutoff is None or pd.isna(cutoff) or not str(cutoff).strip() else cutoff
        by_grade = share_at_risk(s, item["item"], cutoff, by=["grade"]).assign(sex="T")
        by_sex = share_at_risk(s, item["item"], cutoff, by=["sex"]).assign(grade="Alla")
        total = share_at_risk(s, item["item"], cutoff).assign(grade="Alla", sex="T")
        part = pd.concat([by_grade, by_sex, total], ignore_index=True)
        part = part.dropna(subset=["sex", "grade"])
        frames.append(part.assign(question=item["question"]))
    d = pd.concat(frames, ignore_index=True)
    d = d.astype({"grade": "string", "sex": "string"})
    ci = indicators.proportion(
        d["numerator"].astype("float64"), d["denominator"].astype("float64"), per=100
    )
    d = pd.concat([d, ci[["value", "lower", "upper"]].reset_index(drop=True)], axis=1)
    d = d.rename(columns={"numerator": "count"})
    protected = disclosure.protect_long(
        d,
        by_rows=["item", "grade"],
        by_cols=["sex"],
        threshold=threshold,
        totals={"sex": "T", "grade": "Alla"},
        derived=["value", "lower", "upper"],
        flag=None,
        protect_missing=False,
        partial_totals=True,
    )
    small = disclosure.small_share(d["count"], d["denominator"], threshold)
    respondents = protected["denominator"].astype("Float64")
    protected["denominator"] = (
        protected["denominator"]
        .astype("Int64")
        .mask((respondents >= 1) & (respondents < threshold))
    )
    for col in ("count", "value", "lower", "upper"):
        protected[col] = protected[col].astype("Float64").mask(small)
    protected["count"] = protected["count"].astype("Int64")
    return protected.assign(year=year).reset_index(drop=True)


def published_respondents(survey: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """The respondents a survey table may rest on.

    Pupils without a stated sex (or grade) count in the totals but in no sex (grade)
    group, so totals minus groups reveal how many they are. When they are 1..threshold-1
    they are left out of every published figure; more of them, or none, stay in.
    """
    keep = pd.Series(True, index=survey.index)
    for column in ("sex", "grade"):
        unstated = survey[column].isna()
        if 1 <= int(unstated.sum()) < threshold:
            keep &= ~unstated
    return survey[keep]


#: The published survey groups as (grade, sex): all pupils, girls, boys, the two grades.
SURVEY_GROUPS = [("Alla", "T"), ("Alla", "K"), ("Alla", "M"), ("åk9", "T"), ("gy2", "T")]


def survey_respondents(tables: Tables, region: str, threshold: int) -> pd.DataFrame:
    """Pupils who answered the latest survey, per published group (:data:`SURVEY_GROUPS`),
    counted on the same respondents as :func:`survey_prevalence`, so the grades add up to
    all pupils: ``year``, ``grade``, ``sex``, ``respondents`` (``<NA>`` under
    ``threshold``). Empty without a survey."""
    s = tables.survey[tables.survey["region_code"] == region]
    if s.empty:
        return pd.DataFrame()
    year = int(s["year"].max())
    s = published_respondents(s[s["year"] == year], threshold)
    everyone = pd.Series(True, index=s.index)
    counts = []
    for grade, sex in SURVEY_GROUPS:
        in_grade = everyone if grade == "Alla" else (s["grade"] == grade).fillna(False)
        in_sex = everyone if sex == "T" else (s["sex"] == sex).fillna(False)
        counts.append(int((in_grade & in_sex).sum()))
    n = pd.array(counts, dtype="Int64")
    n[(n >= 1) & (n < threshold)] = pd.NA
    return pd.DataFrame(
        {
            "year": year,
            "grade": [g for g, _ in SURVEY_GROUPS],
            "sex": [x for _, x in SURVEY_GROUPS],
            "respondents": n,
        }
    )


def survey_by_sex(prevalence: pd.DataFrame) -> pd.DataFrame:
    """The published shares of girls and boys (both grades together), withheld ones left
    out: ``item``, ``sex``, ``value``, ``lower``, ``upper`` (float), then those of
    ``region_code``, ``year``, ``grade``, ``count``, ``denominator`` that ``prevalence``
    has (:func:`published_prevalence` has them all)."""
    if prevalence.empty:
        return pd.DataFrame()
    all_grades = prevalence["grade"].isin(["Alla", ALL])
    d = prevalence[all_grades & (prevalence["sex"].isin(["K", "M"]))]
    d = d.dropna(subset=["value"])
    out = pd.DataFrame(
        {
            "item": d["item"],
            "sex": d["sex"],
            "value": d["value"].astype("float64"),
            "lower": d["lower"].astype("float64"),
            "upper": d["upper"].astype("float64"),
        }
    )
    keys = [c for c in ("region_code", "year", "grade", "count", "denominator") if c in d]
    return pd.concat([out, d[keys]], axis=1).reset_index(drop=True)


def sex_verdicts(prevalence: pd.DataFrame) -> pd.DataFrame:
    """Girls against boys for each item of ``prevalence`` (:func:`published_prevalence`:
    published cells only), both grades together: ``item``, ``verdict``.

    The verdict is :func:`vpanalysis.verdicts.shares_differ` on the published yes- and
    answered-counts of girls and boys (``higher`` = a higher share among girls, ``lower``,
    ``no_difference``, ``too_few`` when either group has fewer than
    :data:`vpanalysis.verdicts.MIN_DENOMINATOR` answers), or ``withheld`` when a share of
    either group is not published: no verdict is drawn from a number the report hides.
    """
    columns = ["item", "verdict"]
    if prevalence.empty or "count" not in prevalence.columns:
        return pd.DataFrame(columns=columns, dtype="string")
    every_grade = prevalence["grade"].isin(["Alla", ALL])
    d = prevalence[every_grade & prevalence["sex"].isin(["K", "M"])]
    rows = []
    for item in dict.fromkeys(prevalence["item"]):
        g = d[d["item"] == item].set_index("sex")
        if not {"K", "M"} <= set(g.index):
            rows.append((item, "withheld"))
            continue
        k, m = g.loc["K"], g.loc["M"]
        if any(pd.isna(r["count"]) or pd.isna(r["denominator"]) for r in (k, m)):
            rows.append((item, "withheld"))
            continue
        verdict = verdicts.shares_differ(k["count"], k["denominator"], m["count"], m["denominator"])
        rows.append((item, verdict))
    return pd.DataFrame(rows, columns=columns, dtype="string")


# ---------------------------------------------------------------- the protected publication
#
# The functions below read the cells of the collaboration's protected publication
# (``Publication.cells`` of :mod:`vpanalysis.publication`, passed in by the caller: a
# step does not import the publication) instead of protecting a table of their own.
# Their frames carry each number's cell key, so that the report can mark it.

#: The grade (and survey age) key of a cell that covers every grade.
ALL = "alla"

#: The survey groups the reports show, as (grade, sex) keys of the publication: all
#: pupils (sex ``T`` includes those who did not state their sex), girls, boys, the grades.
PUBLISHED_GROUPS = [(ALL, "T"), (ALL, "K"), (ALL, "M"), ("åk9", "T"), ("gy2", "T")]

#: The local sources of counts of persons.
COUNT_SOURCES = ("socialtjanst", "kvinnojour")


def _cells_of(
    cells: pd.DataFrame, source: str, regions: Iterable[str], years: Iterable[int] | None
) -> pd.DataFrame:
    d = cells[(cells["source"] == source) & cells["region"].isin([str(r) for r in regions])]
    if years is not None:
        d = d[d["year"].isin([int(y) for y in years])]
    return d


def _published(value: pd.Series, withheld: pd.Series) -> pd.Series:
    """The published numbers of cells as ``Int64`` (``<NA>`` where withheld)."""
    number = value.astype("Float64").where(~withheld.astype(bool))
    return number.round().astype("Int64")


def published_counts(
    cells: pd.DataFrame, source: str, region: str, years: Iterable[int] | None = None
) -> pd.DataFrame:
    """A local source's counts of persons for one municipality, as published.

    ``cells`` is the publication's cell table. One row per cell, in its order, shaped like
    :func:`local_counts`: ``source``, ``category``, ``parent``, ``region_code``, ``year``,
    ``sex``, ``age_group``, ``count`` (``<NA>`` where withheld) and ``withheld``. Every
    view cut from it (per year, per sex) shows published cells only.
    """
    columns = ["source", "category", "parent", "region_code", "year", "sex", "age_group"]
    d = _cells_of(cells, source, [region], years)
    d = d[d["answer"].fillna("") == ""]
    if d.empty:
        return pd.DataFrame(columns=[*columns, "count", "withheld"])
    out = pd.DataFrame(
        {
            "source": d["source"].astype("string"),
            "category": d["measure"].astype("string"),
            "parent": d["parent"].fillna("").astype("string"),
            "region_code": d["region"].astype("string"),
            "year": d["year"].astype("int64"),
            "sex": d["sex"].astype("string"),
            "age_group": d["age"].astype("string"),
            "count": _published(d["value"], d["withheld"]),
            "withheld": d["withheld"].astype(bool),
        }
    )
    return out.reset_index(drop=True)


def survey_items(codebook: pd.DataFrame, kinds: Sequence[str] = ("exposure", "perpetration")):
    """The codebook's survey items of ``kinds`` in its order: ``item``, ``question``."""
    book = codebook[codebook["kind"].isin(list(kinds))]
    return pd.DataFrame(
        {"item": book["item"].astype("string"), "question": book["question"].astype("string")}
    ).reset_index(drop=True)


def _latest_survey_year(d: pd.DataFrame, year: int | None) -> int | None:
    if year is not None:
        return int(year)
    return None if d.empty else int(d["year"].max())


def published_prevalence(
    cells: pd.DataFrame,
    codebook: pd.DataFrame,
    region: str,
    *,
    years: Iterable[int] | None = None,
    year: int | None = None,
    kinds: Sequence[str] = ("exposure", "perpetration"),
    groups: Sequence[tuple[str, str]] = PUBLISHED_GROUPS,
) -> pd.DataFrame:
    """Shares of pupils (%) per item and group computed from the published cells alone.

    The survey of ``region`` in ``year`` (default: the latest in ``years``); items of
    the codebook with ``kind`` in ``kinds``; ``groups`` as (grade, sex) keys. A share
    (yes / answered, with its Wilson interval from :func:`vpanalysis.indicators.proportion`)
    is given only where both its ``yes`` and ``answered`` cells are published. Columns:
    ``item``, ``question``, ``region_code``, ``year``, ``grade``, ``sex``, ``count`` (yes),
    ``denominator`` (answered; both ``<NA>`` where withheld), ``value``, ``lower``,
    ``upper``. Empty without a survey.
    """
    items = survey_items(codebook, kinds)
    return _shares(cells, items, region, years=years, year=year, groups=groups)


#: The columns of :func:`published_prevalence`.
PREVALENCE_COLUMNS = [
    "item",
    "question",
    "region_code",
    "year",
    "grade",
    "sex",
    "count",
    "denominator",
    "value",
    "lower",
    "upper",
]


def _shares(
    cells: pd.DataFrame,
    items: pd.DataFrame,
    region: str,
    *,
    years: Iterable[int] | None,
    year: int | None,
    groups: Sequence[tuple[str, str]],
) -> pd.DataFrame:
    s = _cells_of(cells, "skolenkat", [region], years)
    s = s[s["answer"].isin(["yes", "answered"])]
    year = _latest_survey_year(s, year)
    s = s[s["year"] == year] if year is not None else s
    if s.empty:
        return pd.DataFrame(columns=PREVALENCE_COLUMNS)
    numbers = _published(s["value"], s["withheld"])
    keys = zip(s["measure"], s["grade"], s["sex"], s["answer"], strict=True)
    lookup = dict(zip(keys, numbers, strict=True))
    rows = []
    for item, question in items[["item", "question"]].itertuples(index=False):
        for grade, sex in groups:
            if (item, grade, sex, "answered") not in lookup:
                continue
            rows.append(
                {
                    "item": item,
                    "question": question,
                    "grade": grade,
                    "sex": sex,
                    "count": lookup.get((item, grade, sex, "yes"), pd.NA),
                    "denominator": lookup[(item, grade, sex, "answered")],
                }
            )
    if not rows:
        return pd.DataFrame(columns=PREVALENCE_COLUMNS)
    d = pd.DataFrame(rows).astype(
        {"count": "Int64", "denominator": "Int64", "grade": "string", "sex": "string"}
    )
    return _with_shares(d.assign(region_code=str(region), year=year))[PREVALENCE_COLUMNS]


def _with_shares(d: pd.DataFrame) -> pd.DataFrame:
    """``value``, ``lower``, ``upper`` (%) of ``count`` / ``denominator`` where both are
    published (and the denominator is not 0)."""
    both = d["count"].notna() & d["denominator"].notna()
    both &= d["denominator"].fillna(0) > 0
    shares = pd.DataFrame(
        {c: pd.array([pd.NA] * len(d), dtype="Float64") for c in ("value", "lower", "upper")},
        index=d.index,
    )
    if both.any():
        ci = indicators.proportion(
            d.loc[both, "count"].astype("float64"),
            d.loc[both, "denominator"].astype("float64"),
            per=100,
        )
        for c in ("value", "lower", "upper"):
            shares.loc[both, c] = ci[c].to_numpy()
    return pd.concat([d.drop(columns=["value", "lower", "upper"], errors="ignore"), shares], axis=1)


def respondent_counts(
    cells: pd.DataFrame,
    region: str,
    *,
    years: Iterable[int] | None = None,
    year: int | None = None,
    groups: Sequence[tuple[str, str]] = PUBLISHED_GROUPS,
) -> pd.DataFrame:
    """Pupils who took the survey (default: the latest in ``years``) per group, as
    published: ``region_code``, ``year``, ``grade``, ``sex``, ``respondents`` (``<NA>``
    where withheld). The same respondents as :func:`published_prevalence` (sex ``T``
    includes those who did not state it). Empty without a survey."""
    columns = ["region_code", "year", "grade", "sex", "respondents"]
    s = _cells_of(cells, "skolenkat", [region], years)
    s = s[s["measure"] == "respondents"]
    year = _latest_survey_year(s, year)
    s = s[s["year"] == year] if year is not None else s
    if s.empty:
        return pd.DataFrame(columns=columns)
    numbers = _published(s["value"], s["withheld"])
    lookup = dict(zip(zip(s["grade"], s["sex"], strict=True), numbers, strict=True))
    shown = [(g, x) for g, x in groups if (g, x) in lookup]
    return pd.DataFrame(
        {
            "region_code": str(region),
            "year": year,
            "grade": pd.array([g for g, _ in shown], dtype="string"),
            "sex": pd.array([x for _, x in shown], dtype="string"),
            "respondents": pd.array([lookup[k] for k in shown], dtype="Int64"),
        },
        columns=columns,
    )


def respondents_at_least(respondents: pd.DataFrame, prevalence: pd.DataFrame) -> pd.DataFrame:
    """``respondents`` (:func:`respondent_counts`) with, for each group whose number is
    withheld, the largest published answered count of any item in that group
    (:func:`published_prevalence`): at least that many pupils took the survey.

    The number of respondents is withheld because respondents minus an item's answered
    count would reveal the pupils who skipped the item; its lower bound is a number the
    report publishes anyway. Added columns: ``at_least`` (``Int64``, ``<NA>`` where the
    respondents are published or no answered count is) and ``at_least_item`` (the item
    whose answered count it is).
    """
    out = respondents.copy()
    out["at_least"] = pd.array([pd.NA] * len(out), dtype="Int64")
    out["at_least_item"] = pd.array([pd.NA] * len(out), dtype="string")
    if out.empty or prevalence.empty:
        return out
    for i, row in out.iterrows():
        if pd.notna(row["respondents"]):
            continue
        group = prevalence[
            (prevalence["grade"] == row["grade"])
            & (prevalence["sex"] == row["sex"])
            & (prevalence["year"] == row["year"])
        ].dropna(subset=["denominator"])
        if group.empty:
            continue
        best = group.loc[group["denominator"].astype("int64").idxmax()]
        out.loc[i, "at_least"] = int(best["denominator"])
        out.loc[i, "at_least_item"] = str(best["item"])
    return out


def published_baseline(baseline: pd.DataFrame, cells: pd.DataFrame, region: str) -> pd.DataFrame:
    """``baseline`` (:func:`report_baseline`) with its local rows taken from the publication.

    A local row's value (a count of persons, or a school-survey share with its interval)
    is replaced by the published cell of its measure and year (``period``), never the
    baseline's own: a count is ``<NA>`` where withheld, a share is computed from published
    yes and answered cells only. Added columns say which cells a local row shows:
    ``region_code``, ``year``, ``category``, ``parent``, ``grade``, ``count`` (yes, for a
    share), ``denominator``; ``sex`` and ``age_group`` are the cell's.
    """
    out = baseline.copy()
    extra = {
        "region_code": "string",
        "year": "Int64",
        "category": "string",
        "parent": "string",
        "grade": "string",
        "count": "Int64",
        "denominator": "Int64",
    }
    for column, dtype in extra.items():
        out[column] = pd.array([pd.NA] * len(out), dtype=dtype)
    for column in ("sex", "age_group"):
        out[column] = out[column].astype("string") if column in out else pd.NA
    for column in ("value", "lower", "upper"):
        out[column] = out[column].astype("Float64")
    if out.empty:
        return out
    totals = {
        source: totals_by_year(published_counts(cells, source, region)) for source in COUNT_SOURCES
    }
    for i, row in out.iterrows():
        if row["source"] not in (*COUNT_SOURCES, "skolenkat"):
            continue
        year = int(str(row["period"])[-4:])
        out.loc[i, ["region_code", "year"]] = [str(region), year]
        out.loc[i, ["value", "lower", "upper"]] = [pd.NA] * 3
        if row["source"] == "skolenkat":
            item = pd.DataFrame({"item": [row["measure"]], "question": [row["name"]]})
            share = _shares(cells, item, region, years=None, year=year, groups=[(ALL, "T")])
            out.loc[i, ["grade", "sex", "age_group", "parent"]] = [ALL, "T", ALL, ""]
            if share.empty:
                continue
            r = share.iloc[0]
            out.loc[i, ["count", "denominator"]] = [r["count"], r["denominator"]]
            out.loc[i, ["value", "lower", "upper"]] = [r["value"], r["lower"], r["upper"]]
            continue
        t = totals[row["source"]]
        hit = t[(t["measure"] == row["measure"]) & (t["year"] == year)]
        if hit.empty:
            continue
        r = hit.iloc[0]
        out.loc[i, ["category", "parent", "sex", "age_group", "grade"]] = [
            r["category"],
            r["parent"],
            r["sex"],
            r["age_group"],
            ALL,
        ]
        out.loc[i, ["value", "count"]] = [r["count"], r["count"]]
    return out


# ---------------------------------------------------------------- definition and coverage


#: The sources the coverage matrix (:func:`coverage`) considers.
COVERAGE_SOURCES = ("bra", "socialtjanst", "kvinnojour", "skolenkat", "kolada")


def coverage(
    definition: definitions.Definition,
    mapping: pd.DataFrame,
    sources: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Form × relation (keys of the definition): the sources with a category there
    (``"bra, socialtjanst"``; ``""`` where none), from the category mapping; only the
    ``sources`` given (e.g. :func:`available_sources`, those with data for the
    municipality) when not ``None``."""
    if sources is not None:
        mapping = mapping[mapping["source"].isin(list(sources))]
    return definitions.coverage_matrix(definition=definition, mapping=mapping)


def available_sources(
    tables: Tables, region: str, sources: Sequence[str] = COVERAGE_SOURCES
) -> list[str]:
    """The ``sources`` that have any data for ``region`` (:meth:`Tables.has`)."""
    return [s for s in sources if tables.has(s, region)]


def source_years(tables: Tables, source: str, region: str) -> list[int]:
    """The years in which ``source`` has a value (a count, a KPI value or survey answers)
    for ``region``, oldest first; ``[]`` when it has none."""
    if source == "kolada":
        table = tables.kolada
        if table is not None:
            table = table.dropna(subset=["value"])
    elif source == "skolenkat":
        table = tables.survey
    else:
        table = tables.observations
        if table is not None:
            table = table[table["source"] == source].dropna(subset=["count"])
    if table is None or table.empty:
        return []
    years = table.loc[table["region_code"] == region, "year"].dropna().unique()
    return sorted(int(y) for y in years)


def police_years(rate_table: pd.DataFrame, region: str) -> list[int]:
    """The years with a police-reported count for ``region`` in
    :func:`police_rates`'s table, oldest first."""
    if rate_table.empty:
        return []
    mine = rate_table[rate_table["region_code"] == region].dropna(subset=["count"])
    return sorted(int(y) for y in mine["year"].unique())


def police_single_years(rate_table: pd.DataFrame, region: str) -> pd.DataFrame:
    """Each category's yearly rate for ``region`` (for when no 3-year window is complete):
    ``category``, ``year``, ``count``, ``value``, ``lower``, ``upper``."""
    columns = ["category", "year", "count", "value", "lower", "upper"]
    if rate_table.empty:
        return pd.DataFrame(columns=columns)
    mine = rate_table[rate_table["region_code"] == region].dropna(subset=["count"])
    return mine[columns].sort_values(["category", "year"]).reset_index(drop=True)


def coverage_counts(matrix: pd.DataFrame) -> pd.DataFrame:
    """The number of sources in each cell of :func:`coverage` (0 = nobody sees it)."""
    return matrix.map(lambda cell: len([s for s in str(cell).split(",") if s.strip()])).astype(
        "int64"
    )


def blind_spots(matrix: pd.DataFrame, definition: definitions.Definition) -> pd.DataFrame:
    """Each specific form × specific relation of :func:`coverage` that no source sees:
    ``form``, ``relation`` (keys). The catch-all levels (unspecified forms or relations)
    are not blind spots, nor is a form in a relation where it cannot occur or no statistic
    could see it (:func:`vpanalysis.definitions.possible`: economic violence against
    children, latent violence anywhere)."""
    forms = definition.forms[~definition.forms["aggregate"].astype(bool)]["key"]
    relations = definition.relations[~definition.relations["aggregate"].astype(bool)]["key"]
    spots = [
        (f, r)
        for f in forms
        for r in relations
        if definitions.possible(definition, f, r) and not str(matrix.loc[f, r]).strip()
    ]
    return pd.DataFrame(spots, columns=["form", "relation"])


# ---------------------------------------------------------------- key figures


def key_figures(
    tables: Tables,
    rolled: pd.DataFrame,
    region: str,
    threshold: int,
    *,
    prevalence: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """A few headline figures for the top of the step-2 report, those the data have for
    ``region`` (local ones only when publishable).

    One row per ``figure``: ``kolada_violence`` (Kolada N07403, the latest year),
    ``assault`` (police-reported assault, the latest 3-year rate with its interval) and
    ``pupils_physical`` (the share of pupils exposed to physical violence); with
    ``year_from``, ``year_to``, ``value``, ``lower``, ``upper``, and for the survey share
    the cells it rests on: ``region_code``, ``item``, ``grade``, ``sex``, ``count``,
    ``denominator`` (``<NA>`` for the others). ``prevalence`` is
    :func:`published_prevalence` (or :func:`survey_prevalence`) when the caller has it.
    """
    rows = []
    k = kolada_series(tables, "N07403", [region])
    if not k.empty:
        last = k[k["year"] == k["year"].max()].iloc[0]
        year = int(last["year"])
        rows.append(("kolada_violence", year, year, last["value"], np.nan, np.nan))
    mine = rolled[(rolled["region_code"] == region)].dropna(subset=["value"])
    assault = mine[mine["category"] == "Misshandel inkl. grov"]
    if not assault.empty:
        last = assault[assault["year_to"] == assault["year_to"].max()].iloc[0]
        year = int(last["year_to"])
        rows.append(("assault", year - 2, year, last["value"], last["lower"], last["upper"]))
    if prevalence is None:
        prevalence = survey_prevalence(tables, region, threshold)
    cell = {}
    if not prevalence.empty:
        hit = prevalence[
            (prevalence["item"] == "utsatt_fysiskt")
            & prevalence["grade"].isin(["Alla", ALL])
            & (prevalence["sex"] == "T")
        ]
        if len(hit) and pd.notna(hit["value"].iloc[0]):
            year = int(hit["year"].iloc[0])
            r = hit.iloc[0]
            rows.append(("pupils_physical", year, year, r["value"], r["lower"], r["upper"]))
            cell = {k: r[k] for k in ("region_code", "count", "denominator") if k in r}
            cell.update(item="utsatt_fysiskt", grade=r["grade"], sex="T")
    out = pd.DataFrame(rows, columns=["figure", "year_from", "year_to", "value", "lower", "upper"])
    for column in ("region_code", "item", "grade", "sex", "count", "denominator"):
        values = [
            cell.get(column, pd.NA) if f == "pupils_physical" else pd.NA for f in out["figure"]
        ]
        out[column] = pd.array(
            values, dtype="Int64" if column in ("count", "denominator") else "string"
        )
    return out


# ---------------------------------------------------------------- baseline for step 5

#: The sources the baseline rests on (keys of the build manifest).
BASELINE_SOURCES = ("bra", "scb", "kolada", "socialtjanst", "kvinnojour", "skolenkat")

#: The columns of :func:`baseline_table` (a frozen baseline adds ``saved_on``).
BASELINE_COLUMNS = [
    "indicator",
    "source",
    "measure",
    "name",
    "kind",
    "sex",
    "age_group",
    "period",
    "value",
    "lower",
    "upper",
]


def baseline_table(
    tables: Tables,
    region: str,
    threshold: int,
    *,
    county: str | None = None,
    kolada_kpis: Sequence[str] = ("N07403", "N07402"),
) -> pd.DataFrame:
    """The step-2 baseline that step 5 follows up: one row per indicator.

    ``indicator`` is ``source:measure`` as in the goals register (``bra:<category>``,
    ``kolada:<KPI>``, ``skolenkat:<item>``, ``socialtjanst:<category>``,
    ``kvinnojour:<category>``); ``name`` what the source calls it (category, KPI title,
    item); ``kind`` ``rate`` (per 100 000 of ``sex`` and ``age_group`` and year), ``kpi``,
    ``share`` (% of pupils) or ``count`` (persons); ``period`` the years it covers (3-year
    rolling rates for police-reported crime, the latest year otherwise); ``value`` with
    its interval where the source allows one. Local counts are disclosure-protected
    (``<NA>`` when withheld).
    """
    rows: list[dict] = []
    years = sorted(tables.observations["year"].unique())
    rated = police_rates(tables, [region], years)
    rolled = police_rolling(rated).dropna(subset=["value"])
    per = rate_population(rated)
    if not rolled.empty:
        latest = int(rolled["year_to"].max())
        for r in rolled[rolled["year_to"] == latest].itertuples(index=False):
            who = per.loc[r.category]
            rows.append(
                {
                    "indicator": f"bra:{r.category}",
                    "source": "bra",
                    "measure": r.category,
                    "name": r.category,
                    "kind": "rate",
                    "sex": who["sex"],
                    "age_group": who["age_group"],
                    "period": f"{latest - 2}–{latest}",
                    "value": r.value,
                    "lower": r.lower,
                    "upper": r.upper,
                }
            )
    titles = kpi_titles(tables)
    for kpi in kolada_kpis:
        k = kolada_series(tables, kpi, [region])
        if k.empty:
            continue
        last = k[k["year"] == k["year"].max()].iloc[0]
        rows.append(
            {
                "indicator": f"kolada:{kpi}",
                "source": "kolada",
                "measure": kpi,
                "name": titles.get(kpi, kpi),
                "kind": "kpi",
                "period": str(int(last["year"])),
                "value": float(last["value"]),
            }
        )
    prevalence = survey_prevalence(tables, region, threshold)
    if not prevalence.empty:
        overall = prevalence[(prevalence["grade"] == "Alla") & (prevalence["sex"] == "T")]
        for r in overall.itertuples(index=False):
            rows.append(
                {
                    "indicator": f"skolenkat:{r.item}",
                    "source": "skolenkat",
                    "measure": r.item,
                    "name": r.item,
                    "kind": "share",
                    "period": str(int(r.year)),
                    "value": r.value,
                    "lower": r.lower,
                    "upper": r.upper,
                }
            )
    for source in ("socialtjanst", "kvinnojour"):
        protected = local_counts(tables, source, region, threshold, years)
        if protected.empty:
            continue
        latest = int(protected["year"].max())
        totals = totals_by_year(protected)
        for measure, group in totals.groupby("measure", sort=False):
            value = group.loc[group["year"] == latest, "count"]
            rows.append(
                {
                    "indicator": f"{source}:{measure}",
                    "source": source,
                    "measure": measure,
                    "name": measure,
                    "kind": "count",
                    "period": str(latest),
                    "value": np.nan if value.empty or pd.isna(value.iloc[0]) else value.iloc[0],
                }
            )
    out = pd.DataFrame(rows, columns=BASELINE_COLUMNS)
    strings = ["indicator", "source", "measure", "name", "kind", "sex", "age_group", "period"]
    return out.astype(
        {
            **dict.fromkeys(strings, "string"),
            **dict.fromkeys(("value", "lower", "upper"), "Float64"),
        }
    )


def baseline_counts(tables: Tables, baseline: pd.DataFrame, region: str) -> pd.Series:
    """The police-reported crimes behind each ``bra:`` row of ``baseline`` (public
    counts, :func:`police_window_count` over the row's period), indexed by ``indicator``;
    NaN where a year is missing. Other rows (Kolada, local sources) are not included:
    local counts come from the publication."""
    out = {}
    if baseline.empty:
        return pd.Series(out, dtype="float64")
    for r in baseline.itertuples(index=False):
        if r.source == "bra":
            out[r.indicator] = police_window_count(tables, region, r.measure, r.period)
    return pd.Series(out, dtype="float64")


def report_baseline(
    frozen: pd.DataFrame | None,
    tables: Tables,
    region: str,
    threshold: int,
    *,
    as_of: int | None = None,
) -> pd.DataFrame:
    """The baseline a report shows: ``frozen`` (the saved one, with its ``saved_on``
    date) when there is one, else :func:`baseline_table` computed now from the data up
    to ``as_of`` (the year the goals start from; ``None``: the latest data), unsaved and
    without ``saved_on``."""
    if frozen is not None:
        return frozen
    return baseline_table(tables.up_to(as_of), region, threshold)
