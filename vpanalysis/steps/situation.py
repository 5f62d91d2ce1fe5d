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

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from vpanalysis import disclosure, geography, indicators
from vpanalysis.config import SWEDEN_CODE
from vpanalysis.data import Tables  # noqa: F401 - the steps' name for the loaded tables

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
    from vpanalysis.data import add_population

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
    """Short Swedish label of a region code for charts and tables."""
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


# ---------------------------------------------------------------- the step-2 report

#: Swedish trend words for :func:`trend_label`.
_TREND_SV = {"up": "ökar", "down": "minskar", "flat": "ingen säker förändring"}

#: Local sources whose counts are counts of persons (disclosure control applies).
LOCAL_SOURCES = ("socialtjanst", "kvinnojour", "skolenkat")


def trend_label(result) -> str:
    """A trend test result in plain Swedish: direction and yearly change when significant."""
    if result is None or (isinstance(result, float) and np.isnan(result)):
        return "för få år"
    if not result.significant or not result.agree:
        return _TREND_SV["flat"]
    change = (result.rate_ratio - 1) * 100
    word = _TREND_SV["up"] if change > 0 else _TREND_SV["down"]
    return f"{word} ({change:+.1f} % per år)".replace(".", ",").replace("+", "+")


def _safe_trend(group: pd.DataFrame):
    g = group.dropna(subset=["count", "population"])
    if g["year"].nunique() < 5 or float(g["count"].astype("float64").sum()) == 0:
        return None
    return indicators.trend_test(
        g["year"].to_numpy(), g["count"].astype("float64"), g["population"].astype("float64")
    )


def police_rates(tables: Tables, regions: Sequence[str], years: Iterable[int]) -> pd.DataFrame:
    """BRÅ's police-reported crime per category, region and year, with rates and intervals."""
    obs = tables.observations[tables.observations["source"] == "bra"]
    return rates(obs, tables.population, regions=regions, years=years)


def police_rolling(rate_table: pd.DataFrame) -> pd.DataFrame:
    """3-year rolling rates per region and category (``year_to`` names the window)."""
    return rolling(rate_table, by=["category"])


def police_summary(
    rate_table: pd.DataFrame,
    focus: str,
    county: str,
    sweden: str = SWEDEN_CODE,
    *,
    data_dir=None,
) -> pd.DataFrame:
    """One row per BRÅ category for the report: its form of violence (as the definition in
    ``data_dir`` names it), the latest 3-year rate of ``focus`` with its interval, the
    county's and Sweden's rates, the comparisons and the trend.

    Columns are Swedish and ready to show.
    """
    rolled = police_rolling(rate_table)
    if rolled.empty or not (rolled["region_code"] == focus).any():
        return pd.DataFrame()
    latest = int(rolled.dropna(subset=["value"])["year_to"].max())
    last = rolled[rolled["year_to"] == latest]
    mine = last[last["region_code"] == focus].set_index("category")
    forms = _form_labels(rate_table, data_dir)
    per = _population_labels(rate_table)
    rows = []
    for category, row in mine.iterrows():
        record = {
            "Brottskategori": category,
            "Form av våld": forms.get(category, ""),
            "Period": f"{latest - 2}–{latest}",
            "Antal (3 år)": row["count"],
            "Per 100 000 och år": row["value"],
            "95 % konfidensintervall": (row["lower"], row["upper"]),
        }
        for code, name in ((county, "länet"), (sweden, "riket")):
            other = last[(last["region_code"] == code) & (last["category"] == category)]
            value = other["value"].iloc[0] if len(other) else np.nan
            record[f"I {name}"] = value
            verdict = indicators.compare(
                pd.Series([row["lower"]]), pd.Series([row["upper"]]), pd.Series([value])
            ).iloc[0]
            record[f"Jämfört med {name}"] = indicators.SWEDISH_LABELS.get(verdict, verdict)
        series = rate_table[
            (rate_table["region_code"] == focus) & (rate_table["category"] == category)
        ]
        record["Trend (årsvärden)"] = trend_label(_safe_trend(series))
        record["Per 100 000 av"] = per.get(category, "invånare")
        rows.append(record)
    out = pd.DataFrame(rows)
    out["Antal (3 år)"] = out["Antal (3 år)"].astype("Int64")
    ci = out.pop("95 % konfidensintervall")
    out.insert(5, "Nedre gräns", [c[0] for c in ci])
    out.insert(6, "Övre gräns", [c[1] for c in ci])
    return out


def population_label(sex: str, age_group: str) -> str:
    """Who a rate is per: ``("T", "totalt")`` -> ``"invånare"``, ``("K", "18+")`` ->
    ``"kvinnor 18 år och äldre"``, ``("T", "0-17")`` -> ``"barn 0–17 år"``."""
    age = str(age_group).strip().lower()
    if age in ("totalt", "alla", ""):
        return {"K": "kvinnor", "M": "män"}.get(sex, "invånare")
    if age == "0-17":
        return {"K": "flickor 0–17 år", "M": "pojkar 0–17 år"}.get(sex, "barn 0–17 år")
    who = {"K": "kvinnor", "M": "män"}.get(sex, "personer")
    if age.endswith("+"):
        return f"{who} {age[:-1]} år och äldre"
    return f"{who} {age.replace('-', '–')} år"


def _population_labels(rate_table: pd.DataFrame) -> dict[str, str]:
    """Category -> who its rate is per (:func:`population_label`)."""
    if rate_table.empty:
        return {}
    first = rate_table.drop_duplicates("category")
    return {
        c: population_label(x, a)
        for c, x, a in zip(first["category"], first["sex"], first["age_group"], strict=True)
    }


def _form_labels(rate_table: pd.DataFrame, data_dir=None) -> dict[str, str]:
    """Category -> the Swedish label of its form of violence (from the definition)."""
    if "form" not in rate_table.columns or rate_table.empty:
        return {}
    from vpanalysis import definitions

    definition = definitions.load_definition(data_dir)
    pairs = rate_table[["category", "form"]].drop_duplicates()
    return {
        c: definition.label("forms", f)
        for c, f in zip(pairs["category"], pairs["form"], strict=True)
    }


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


def kolada_table(tables: Tables, kpis: Sequence[str], regions: Sequence[str]) -> pd.DataFrame:
    """Kolada KPIs (total for both sexes) per region for the latest year with a value."""
    k = tables.kolada
    k = k[k["kpi"].isin(list(kpis)) & k["region_code"].isin(list(regions)) & (k["sex"] == "T")]
    k = k.dropna(subset=["value"])
    if k.empty:
        return pd.DataFrame()
    titles = tables.kpis.set_index("kpi")["title"] if "title" in tables.kpis else {}
    rows = []
    for kpi in kpis:
        part = k[k["kpi"] == kpi]
        if part.empty:
            continue
        year = int(part["year"].max())
        record = {"Nyckeltal": f"{titles.get(kpi, kpi)} ({kpi})", "År": year}
        for code in regions:
            hit = part[(part["region_code"] == code) & (part["year"] == year)]
            record[region_label(code)] = hit["value"].iloc[0] if len(hit) else np.nan
        rows.append(record)
    out = pd.DataFrame(rows)
    return out.astype({"År": "Int64"})


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


def counts_by_year(protected: pd.DataFrame) -> pd.DataFrame:
    """Category × year table of a protected local source (both sexes, all ages)."""
    if protected.empty:
        return pd.DataFrame()
    d = protected
    # one row per category and year: the T row where the source has K/M/T, else the
    # only sex it has; summing age groups would re-open suppressed cells, so keep them.
    totals = d[
        (d["sex"] == "T")
        | ~d.groupby(["category", "year"])["sex"].transform(lambda s: (s == "T").any())
    ]
    # a category reported for several age groups gets one row per age group, every year
    several = totals.groupby("category")["age_group"].transform("nunique") > 1
    label = totals["category"].where(
        ~several, totals["category"] + " (" + totals["age_group"] + " år)"
    )
    long = totals.assign(Kategori=label).drop_duplicates(["Kategori", "year"])
    # unstack keeps a category whose every year is withheld (a row of ".."), where a
    # pivot table would drop it without a word
    wide = long.set_index(["Kategori", "year"])["count"].unstack("year")
    wide = wide.reindex(index=list(dict.fromkeys(long["Kategori"])))
    wide = wide.reindex(columns=sorted(totals["year"].unique()))
    wide.columns = [str(c) for c in wide.columns]
    wide.columns.name = None
    return wide.astype("Int64").reset_index()


def counts_by_sex(protected: pd.DataFrame, year: int | None = None) -> pd.DataFrame:
    """Category × sex (flickor/kvinnor, pojkar/män, totalt) for one year of a protected source."""
    if protected.empty:
        return pd.DataFrame()
    year = int(protected["year"].max()) if year is None else year
    d = protected[protected["year"] == year]
    has_all = d.groupby(["category", "age_group"])["sex"].transform(
        lambda s: {"K", "M", "T"} <= set(s)
    )
    d = d[has_all.astype(bool)]
    if d.empty:
        return pd.DataFrame()
    label = d["category"] + " (" + d["age_group"].replace({"totalt": "alla åldrar"}) + ")"
    wide = d.assign(Kategori=label).pivot_table(
        index="Kategori", columns="sex", values="count", aggfunc="first", sort=False
    )
    wide = wide.reindex(columns=[c for c in ("K", "M", "T") if c in wide.columns])
    wide = wide.rename(columns={"K": "Flickor/kvinnor", "M": "Pojkar/män", "T": "Totalt"})
    wide.columns.name = None
    out = wide.astype("Int64").reset_index()
    out.insert(1, "År", year)
    return out


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
    from vpanalysis.steps.factors import share_at_risk

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


GRADE_LABELS = {"åk9": "Åk 9", "gy2": "Gy 2", "Alla": "Alla"}
SEX_LABELS = {"K": "Tjejer", "M": "Killar", "T": "Alla"}


SURVEY_GROUPS = ["Alla", "Tjejer", "Killar", "Åk 9", "Gy 2"]


def _group_label(grade: str, sex: str) -> str:
    if grade == "Alla":
        return SEX_LABELS[sex]
    return GRADE_LABELS.get(grade, grade)


def survey_table(prevalence: pd.DataFrame) -> pd.DataFrame:
    """Item × group (Alla, Tjejer, Killar, Åk 9, Gy 2): ``share (lower–upper)`` in per cent.

    Suppressed shares show as ``..``. The respondents per group are in
    :func:`survey_respondents`.
    """
    from vpanalysis.report import interval, number

    if prevalence.empty:
        return pd.DataFrame()
    d = prevalence.assign(
        group=[
            _group_label(g, x) for g, x in zip(prevalence["grade"], prevalence["sex"], strict=True)
        ],
        shown=[
            number(v, 1) if pd.isna(v) else f"{number(v, 1)} ({interval(lo, up, 1)})"
            for v, lo, up in zip(
                prevalence["value"], prevalence["lower"], prevalence["upper"], strict=True
            )
        ],
        label=prevalence["item"].map(item_label),
    )
    wide = d.pivot_table(index="label", columns="group", values="shown", aggfunc="first")
    wide = wide.reindex(columns=[g for g in SURVEY_GROUPS if g in wide.columns])
    order = [item_label(i) for i in dict.fromkeys(prevalence["item"])]
    wide = wide.reindex(sorted(wide.index, key=order.index))
    wide.columns.name = None
    wide.index.name = "Andel ja, % (95 % KI)"
    return wide.reset_index()


def survey_respondents(tables: Tables, region: str, threshold: int) -> pd.DataFrame:
    """Pupils who answered the latest survey, per published group (Alla, Tjejer, Killar,
    Åk 9, Gy 2), counted on the same respondents as :func:`survey_prevalence`, so the
    grades add up to Alla. Groups under ``threshold`` show as ``<NA>``."""
    s = tables.survey[tables.survey["region_code"] == region]
    if s.empty:
        return pd.DataFrame()
    year = int(s["year"].max())
    s = published_respondents(s[s["year"] == year], threshold)
    counts = {"Alla": len(s)}
    counts.update({SEX_LABELS[k]: int((s["sex"] == k).sum()) for k in ("K", "M")})
    counts.update({GRADE_LABELS[g]: int((s["grade"] == g).sum()) for g in ("åk9", "gy2")})
    n = pd.array(list(counts.values()), dtype="Int64")
    n = n.copy()
    n[(n >= 1) & (n < threshold)] = pd.NA
    return pd.DataFrame({"År": year, "Grupp": list(counts), "Antal svarande": n})


def survey_chart_data(prevalence: pd.DataFrame) -> pd.DataFrame:
    """Shares by sex (both grades together) for a bar chart; suppressed shares dropped."""
    if prevalence.empty:
        return pd.DataFrame()
    d = prevalence[(prevalence["grade"] == "Alla") & (prevalence["sex"].isin(["K", "M"]))]
    d = d.dropna(subset=["value"])
    return pd.DataFrame(
        {
            "Fråga": d["item"].map(item_label),
            "Kön": d["sex"].map(SEX_LABELS),
            "value": d["value"].astype("float64"),
            "lower": d["lower"].astype("float64"),
            "upper": d["upper"].astype("float64"),
        }
    ).reset_index(drop=True)


_ITEM_SHORT = {
    "utsatt_fysiskt": "Fysiskt våld",
    "utsatt_hot": "Hot",
    "utsatt_sexuellt": "Sexuella trakasserier/övergrepp",
    "utsatt_mobbning": "Mobbning/kränkning i skolan",
    "utsatt_digitalt": "Digitalt våld",
    "utsatt_vuxen_hemma": "Våld av vuxen i familjen",
    "utovat_vald": "Har själv utövat våld",
}


def item_label(item: str) -> str:
    """A short Swedish label for a survey item (``utsatt_hot`` -> ``Hot``); the item's
    name when it has none."""
    return _ITEM_SHORT.get(item, item)


def coverage_table(data_dir=None) -> pd.DataFrame:
    """Form × relation: which sources see it (Swedish labels; ``–`` marks a blind spot)."""
    from vpanalysis import definitions

    m = definitions.coverage_matrix(data_dir, labels=True)
    names = {
        "bra": "Polisen/BRÅ",
        "socialtjanst": "Socialtjänsten",
        "kvinnojour": "Kvinnojouren",
        "skolenkat": "Skolenkäten",
        "kolada": "Kolada",
    }
    shown = m.map(
        lambda cell: ", ".join(names.get(s.strip(), s.strip()) for s in cell.split(",") if s) or "–"
    )
    shown.index.name = "Form av våld"
    shown.columns.name = None
    return shown.reset_index()


def coverage_counts(data_dir=None) -> pd.DataFrame:
    """Form × relation: the number of sources that see it (0 = nobody), for a heat map."""
    from vpanalysis import definitions

    m = definitions.coverage_matrix(data_dir, labels=True)
    return m.map(lambda cell: len([s for s in cell.split(",") if s.strip()])).astype("int64")


def blind_spots(data_dir=None) -> list[str]:
    """Sentences naming each specific form × specific relation that no source sees.

    The catch-all levels (unspecified forms or relations) are not blind spots.
    """
    from vpanalysis import definitions

    definition = definitions.load_definition(data_dir)
    m = definitions.coverage_matrix(data_dir, definition=definition)
    forms = definition.forms[~definition.forms["aggregate"].astype(bool)]["key"]
    relations = definition.relations[~definition.relations["aggregate"].astype(bool)]["key"]
    return [
        f"Ingen källa ser {definition.label('forms', f).lower()} i kategorin "
        f"{definition.label('relations', r).lower()}."
        for f in forms
        for r in relations
        if not str(m.loc[f, r]).strip()
    ]


# ---------------------------------------------------------------- baseline for step 5

_LOCAL_NAMES = {"socialtjanst": "Socialtjänsten", "kvinnojour": "Kvinnojouren"}

#: The sources the baseline rests on (keys of the build manifest).
BASELINE_SOURCES = ("bra", "scb", "kolada", "socialtjanst", "kvinnojour", "skolenkat")

BASELINE_COLUMNS = ["indicator", "label", "period", "value", "lower", "upper", "unit"]


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
    ``kvinnojour:<category>``); ``period`` the years it covers (3-year rolling rates for
    police-reported crime, the latest year otherwise); ``value`` with its interval where
    the source allows one. Local counts are disclosure-protected (``<NA>`` when withheld).
    """
    rows: list[dict] = []
    county = county or geography.county_of(region)
    rated = police_rates(tables, [region], sorted(tables.observations["year"].unique()))
    rolled = police_rolling(rated).dropna(subset=["value"])
    per = _population_labels(rated)
    if not rolled.empty:
        latest = int(rolled["year_to"].max())
        for r in rolled[rolled["year_to"] == latest].itertuples(index=False):
            rows.append(
                {
                    "indicator": f"bra:{r.category}",
                    "label": f"Anmälda brott: {r.category}",
                    "period": f"{latest - 2}–{latest}",
                    "value": r.value,
                    "lower": r.lower,
                    "upper": r.upper,
                    "unit": f"per 100 000 {per.get(r.category, 'invånare')} och år",
                }
            )
    titles = tables.kpis.set_index("kpi")["title"] if "title" in tables.kpis else {}
    for kpi in kolada_kpis:
        k = kolada_series(tables, kpi, [region])
        if k.empty:
            continue
        last = k[k["year"] == k["year"].max()].iloc[0]
        rows.append(
            {
                "indicator": f"kolada:{kpi}",
                "label": str(titles.get(kpi, kpi)),
                "period": str(int(last["year"])),
                "value": float(last["value"]),
                "lower": np.nan,
                "upper": np.nan,
                "unit": "enligt Kolada",
            }
        )
    prevalence = survey_prevalence(tables, region, threshold)
    if not prevalence.empty:
        overall = prevalence[(prevalence["grade"] == "Alla") & (prevalence["sex"] == "T")]
        for r in overall.itertuples(index=False):
            rows.append(
                {
                    "indicator": f"skolenkat:{r.item}",
                    "label": f"Skolenkät: {item_label(r.item)}",
                    "period": str(int(r.year)),
                    "value": r.value,
                    "lower": r.lower,
                    "upper": r.upper,
                    "unit": "% av eleverna",
                }
            )
    years = sorted(tables.observations["year"].unique())
    for source in ("socialtjanst", "kvinnojour"):
        protected = local_counts(tables, source, region, threshold, years)
        if protected.empty:
            continue
        latest = int(protected["year"].max())
        table = counts_by_year(protected)
        for _, r in table.iterrows():
            value = r[str(latest)]
            rows.append(
                {
                    "indicator": f"{source}:{r['Kategori']}",
                    "label": f"{_LOCAL_NAMES[source]}: {r['Kategori']}",
                    "period": str(latest),
                    "value": np.nan if pd.isna(value) else float(value),
                    "lower": np.nan,
                    "upper": np.nan,
                    "unit": "antal",
                }
            )
    out = pd.DataFrame(rows, columns=BASELINE_COLUMNS)
    return out.astype(
        {
            "indicator": "string",
            "label": "string",
            "period": "string",
            "value": "Float64",
            "lower": "Float64",
            "upper": "Float64",
            "unit": "string",
        }
    )


def baseline_path(region: str, data_dir=None):
    """Where step 2 saves the baseline of ``region``: data/processed/baseline_<code>.parquet."""
    from vpanalysis.config import get_paths

    return get_paths(data_dir).processed / f"baseline_{region}.parquet"


def save_baseline(table: pd.DataFrame, region: str, data_dir=None):
    """Write the baseline atomically (a reader never sees half a file); returns the path."""
    from vpanalysis.atomic import atomic_write_with

    path = baseline_path(region, data_dir)
    return atomic_write_with(path, lambda tmp: table.to_parquet(tmp, index=False))


def ensure_baseline(
    tables: Tables, region: str, threshold: int, data_dir=None, *, as_of: int | None = None
) -> pd.DataFrame:
    """The frozen baseline of ``region``: the saved one, or computed, saved and returned.

    ``as_of`` is the last year the baseline may use (the year the goals start from, see
    :func:`vpanalysis.steps.followup.baseline_year`; ``None``: the latest data). Once
    saved, the baseline stays as it was, so that step 5 follows up against a fixed
    starting point even when newer data arrive. Delete
    ``data/processed/baseline_<code>.parquet`` to set a new baseline. The column
    ``saved_on`` holds the date it was made.
    """
    import datetime as dt

    path = baseline_path(region, data_dir)
    if path.exists():
        return pd.read_parquet(path)
    table = baseline_table(tables.up_to(as_of), region, threshold).assign(
        saved_on=dt.date.today().isoformat()
    )
    if not table.empty:  # nothing to follow up yet: save nothing, so data to come count
        save_baseline(table, region, data_dir)
    return table


def baseline_caption(baseline: pd.DataFrame) -> str:
    """The baseline table's caption with the date it was saved."""
    if baseline.empty or "saved_on" not in baseline.columns:
        return "Baslinje"
    return f"Baslinje (sparad {baseline['saved_on'].iloc[0]})"


def baseline_changes(saved: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """Each baseline indicator then and now, for step 5 (Swedish columns).

    ``Förändring`` compares the two 95 % intervals: ``högre``/``lägre`` when they do not
    overlap, ``ingen säker förändring`` when they do; ``–`` without intervals (Kolada,
    local counts) or a value. Both values are estimates, so the baseline is not treated
    as exact; non-overlap is a conservative test (a real change can hide in overlapping
    intervals, an apparent one rarely does).
    """
    from vpanalysis.report import number

    both = saved.merge(current, on="indicator", how="left", suffixes=("_then", "_now"))
    verdicts = []
    for r in both.itertuples(index=False):
        limits = (r.lower_then, r.upper_then, r.lower_now, r.upper_now)
        if any(pd.isna(x) for x in limits):
            verdicts.append("–")
        elif r.lower_now > r.upper_then:
            verdicts.append("högre")
        elif r.upper_now < r.lower_then:
            verdicts.append("lägre")
        else:
            verdicts.append("ingen säker förändring")
    is_count = both["unit_then"] == "antal"
    decimals = [0 if c else 1 for c in is_count]
    return pd.DataFrame(
        {
            "Indikator": both["label_then"],
            "Baslinje": [
                f"{number(v, d)} ({p})"
                for v, d, p in zip(both["value_then"], decimals, both["period_then"], strict=True)
            ],
            "Senaste": [
                "–" if pd.isna(p) else f"{number(v, d)} ({p})"
                for v, d, p in zip(both["value_now"], decimals, both["period_now"], strict=True)
            ],
            "Förändring": verdicts,
            "Enhet": both["unit_then"],
        }
    )


def baseline_display(table: pd.DataFrame) -> pd.DataFrame:
    """The baseline for the report: rates and shares in ``Värde`` with their interval
    (``–`` where the source gives none), local counts of persons in ``Antal``."""
    from vpanalysis.report import SUPPRESSED, interval, number

    is_count = table["unit"] == "antal"
    value = [
        "" if counted else number(v, 1) for v, counted in zip(table["value"], is_count, strict=True)
    ]
    ci = []
    for v, lo, up, counted in zip(
        table["value"], table["lower"], table["upper"], is_count, strict=True
    ):
        if counted:
            ci.append("")
        elif pd.notna(lo) and pd.notna(up):
            ci.append(interval(lo, up, 1))
        else:  # no interval from this source ("–"), or the value itself is withheld
            ci.append("–" if pd.notna(v) else SUPPRESSED)
    return pd.DataFrame(
        {
            "Indikator": table["label"],
            "Period": table["period"],
            "Värde": value,
            "95 % KI": ci,
            "Antal": [
                "" if not c else number(v, 0) for v, c in zip(table["value"], is_count, strict=True)
            ],
            "Enhet": table["unit"],
            "Id": table["indicator"],
        }
    )


# ---------------------------------------------------------------- definition and key figures


def definition_tables(data_dir=None) -> dict[str, pd.DataFrame]:
    """The agreed definition's vocabularies with Swedish headings: forms, relations, WHO."""
    from vpanalysis import definitions

    d = definitions.load_definition(data_dir)

    def shown(table: pd.DataFrame, heading: str) -> pd.DataFrame:
        return pd.DataFrame(
            {heading: table["label"], "Beskrivning": table["description"].fillna("")}
        )

    return {
        "forms": shown(d.forms, "Form av våld"),
        "relations": shown(d.relations, "Relation"),
        "who": shown(d.who_types, "Typ (WHO)"),
    }


def key_figures(
    tables: Tables,
    rolled: pd.DataFrame,
    region: str,
    threshold: int,
    *,
    prevalence: pd.DataFrame | None = None,
) -> list[tuple[str, str]]:
    """A few headline figures for the top of the step-2 report (Swedish labels, formatted).

    Only figures the data have for ``region``; local counts only when publishable.
    ``prevalence`` is :func:`survey_prevalence` when the caller has it already.
    """
    from vpanalysis.report import interval, number

    figures: list[tuple[str, str]] = []
    k = kolada_series(tables, "N07403", [region])
    if not k.empty:
        last = k[k["year"] == k["year"].max()].iloc[0]
        figures.append(
            (
                f"anmälda våldsbrott per 100 000 inv. ({int(last['year'])}, Kolada)",
                number(last["value"], 0),
            )
        )
    mine = rolled[(rolled["region_code"] == region)].dropna(subset=["value"])
    assault = mine[mine["category"] == "Misshandel inkl. grov"]
    if not assault.empty:
        last = assault[assault["year_to"] == assault["year_to"].max()].iloc[0]
        figures.append(
            (
                f"misshandel per 100 000 inv. och år {int(last['year_to']) - 2}–"
                f"{int(last['year_to'])} (95 % KI {interval(last['lower'], last['upper'], 0)})",
                number(last["value"], 0),
            )
        )
    if prevalence is None:
        prevalence = survey_prevalence(tables, region, threshold)
    if not prevalence.empty:
        hit = prevalence[
            (prevalence["item"] == "utsatt_fysiskt")
            & (prevalence["grade"] == "Alla")
            & (prevalence["sex"] == "T")
        ]
        if len(hit) and pd.notna(hit["value"].iloc[0]):
            figures.append(
                (
                    "av eleverna utsatta för fysiskt våld senaste året "
                    f"({int(hit['year'].iloc[0])})",
                    f"{number(hit['value'].iloc[0], 0)} %",
                )
            )
    return figures


def category_panels(rolled: pd.DataFrame, regions: Sequence[str]) -> pd.DataFrame:
    """Rolling rates of every category for ``regions`` with a ``region`` label and ``year``.

    Empty when the first region (the municipality in focus) has no value.
    """
    d = rolled[rolled["region_code"].isin(list(regions))].dropna(subset=["value"])
    if not (d["region_code"] == regions[0]).any():
        return d.iloc[0:0]
    return d.assign(year=d["year_to"]).reset_index(drop=True)
