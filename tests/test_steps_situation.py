"""Step 2 library functions: rates, comparisons, protected local counts, survey shares."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from vpanalysis import baseline, data, definitions, verdicts
from vpanalysis.presentation import situation as view
from vpanalysis.publication import keys
from vpanalysis.steps import comparison, situation


@pytest.fixture(scope="module")
def tables(built_data) -> data.Tables:
    return data.Tables.load(built_data)


def test_police_rates_use_the_population_of_the_same_age_and_sex(tables):
    rated = situation.police_rates(tables, ["2161"], [2024])
    children = rated[rated["category"] == "Misshandel mot barn 0-17 år"].iloc[0]
    pop = tables.population
    expected = pop[(pop["region_code"] == "2161") & (pop["year"] == 2024) & (pop["age"] <= 17)][
        "population"
    ].sum()
    assert children["population"] == expected
    assert children["value"] == pytest.approx(children["count"] / expected * 100_000)


def test_police_summary_compares_with_county_and_sweden(tables):
    regions = situation.comparison_regions("2161", ["2161", "2183"])
    assert regions == ["2161", "2183", "0021", "0000"]
    rated = situation.police_rates(tables, regions, range(2015, 2025))
    summary = view.police_table(
        situation.police_summary(rated, "2161", "0021"), definitions.load_definition()
    ).set_index("Brottskategori")
    row = summary.loc["Misshandel inkl. grov"]
    rolled = situation.police_rolling(rated)
    county = rolled[
        (rolled["region_code"] == "0021")
        & (rolled["category"] == "Misshandel inkl. grov")
        & (rolled["year_to"] == 2024)
    ]["value"].iloc[0]
    raw = situation.police_summary(rated, "2161", "0021").set_index("category")
    assert raw.loc["Misshandel inkl. grov", "county_value"] == pytest.approx(county)
    # compared with the rest of the county (the county without Ljusdal), both uncertain
    window = rolled[(rolled["category"] == "Misshandel inkl. grov") & (rolled["year_to"] == 2024)]
    mine = window[window["region_code"] == "2161"].iloc[0]
    whole = window[window["region_code"] == "0021"].iloc[0]
    rest = comparison.rest_of_county(mine, whole)
    assert row["I övriga länet"] == pytest.approx(rest["value"])
    assert rest["value"] != pytest.approx(county)
    expected = verdicts.rates_differ(
        mine["count"], mine["population"], rest["count"], rest["population"]
    )
    assert raw.loc["Misshandel inkl. grov", "rest_comparison"] == expected
    assert row["Jämfört med övriga länet"] == view.comparison_word(expected)
    assert "Jämfört med länet" not in summary.columns
    assert row["Period"] == "2022–2024"


def test_police_summary_rest_of_county_every_branch(tables):
    rated = situation.police_rates(
        tables, situation.comparison_regions("2180", []), range(2015, 2025)
    )
    summary = situation.police_summary(rated, "2180", "0021")
    said = set(summary["rest_comparison"])
    assert "too_few" in said  # e.g. mord och dråp
    assert said <= {"higher", "lower", "no_difference", "too_few"}
    # Gävle is a large part of the county: the rest is clearly not the whole county
    assert (summary["county_share"] > 0.3).all()


def test_police_summary_empty_for_a_municipality_without_data(tables):
    rated = situation.police_rates(tables, ["0180", "0001", "0000"], range(2015, 2025))
    assert situation.police_summary(rated, "0180", "0001").empty
    assert situation.focus_series(situation.police_rolling(rated), "Ofredande", ["0180"]).empty


def test_local_counts_are_protected_across_sexes(tables):
    protected = situation.local_counts(tables, "socialtjanst", "2161", 5, range(2015, 2025))
    counts = protected["count"].astype("Float64")
    assert not ((counts >= 1) & (counts < 5)).any()
    raw = tables.observations
    raw = raw[(raw["source"] == "socialtjanst") & (raw["region_code"] == "2161")]
    assert ((raw["count"] >= 1) & (raw["count"] < 5)).any()  # there was something to hide
    # no suppressed K or M can be recovered from T and its sibling
    wide = protected.pivot_table(
        index=["category", "year", "age_group"], columns="sex", values="count", aggfunc="first"
    )
    wide = wide.dropna(subset=["T"]) if "T" in wide else wide
    for _, r in wide.iterrows():
        assert not (pd.isna(r["K"]) ^ pd.isna(r["M"])), r


def test_counts_by_year_and_sex_use_the_protected_values(tables):
    protected = situation.local_counts(tables, "socialtjanst", "2161", 5, range(2015, 2025))
    by_year = view.counts_by_year(protected).set_index("Kategori")
    by_sex = view.counts_by_sex(protected).set_index("Kategori")
    t = protected[(protected["sex"] == "T") & (protected["year"] == 2024)]
    fysiskt = t[t["category"] == "Barn utsatta för fysiskt våld"]["count"].iloc[0]
    assert by_year.loc["Barn utsatta för fysiskt våld", "2024"] == fysiskt
    assert by_sex.loc["Barn utsatta för fysiskt våld (0-17)", "Totalt"] == fysiskt
    assert list(by_sex.columns) == ["År", "Flickor/kvinnor", "Pojkar/män", "Totalt"]


def test_survey_prevalence_matches_wilson_and_hides_small_groups(tables):
    prevalence = situation.survey_prevalence(tables, "2161", 5)
    row = prevalence[
        (prevalence["item"] == "utsatt_fysiskt")
        & (prevalence["grade"] == "Alla")
        & (prevalence["sex"] == "T")
    ].iloc[0]
    s = tables.survey
    s = s[(s["region_code"] == "2161") & (s["year"] == row["year"])]
    answered = s["utsatt_fysiskt"].dropna()
    yes = int((answered >= 1).sum())
    low, high = proportion_confint(yes, len(answered), alpha=0.05, method="wilson")
    assert row["count"] == yes and row["denominator"] == len(answered)
    assert row["value"] == pytest.approx(100 * yes / len(answered))
    assert (row["lower"], row["upper"]) == pytest.approx((100 * low, 100 * high), rel=1e-6)
    shown = prevalence.dropna(subset=["count"])
    assert ((shown["count"] == 0) | (shown["count"] >= 5)).all()
    assert (
        (shown["denominator"] - shown["count"] == 0) | (shown["denominator"] - shown["count"] >= 5)
    ).all()
    assert prevalence["value"].isna().sum() == prevalence["count"].isna().sum()


def test_survey_table_layout(tables):
    table = view.survey_table(situation.survey_prevalence(tables, "2161", 5))
    assert list(table.columns) == [
        "Andel ja, % (95 % KI)",
        "Alla",
        "Tjejer",
        "Killar",
        "Åk 9",
        "Gy 2",
        "Tjejer jämfört med killar",
    ]
    assert table.iloc[0, 0] == "Fysiskt våld"
    assert all(c == ".." or "(" in c for c in table["Alla"])


def test_survey_sources_missing_for_other_municipalities(tables):
    assert situation.survey_prevalence(tables, "0180", 5).empty
    assert situation.local_counts(tables, "kvinnojour", "0180", 5, range(2015, 2025)).empty
    assert view.counts_by_year(pd.DataFrame()).empty


def test_blind_spots_only_for_specific_forms_and_relations(tmp_path):
    definition = definitions.load_definition()
    matrix = situation.coverage(definition, definitions.category_mapping(definition=definition))
    spots = view.blind_spot_sentences(situation.blind_spots(matrix, definition), definition)
    assert "Ingen källa ser försummelse i kategorin våld i nära relation." in spots
    assert not any("ospecificerad" in s for s in spots)


def test_baseline_display_separates_counts_from_rates():
    table = pd.DataFrame(
        {
            "indicator": ["bra:x", "kolada:N1", "socialtjanst:y", "socialtjanst:z"],
            "label": ["a", "b", "c", "d"],
            "period": ["2022–2024", "2024", "2024", "2024"],
            "value": pd.array([12.34, 900.0, 17.0, None], dtype="Float64"),
            "lower": pd.array([10.0, None, None, None], dtype="Float64"),
            "upper": pd.array([15.0, None, None, None], dtype="Float64"),
            "unit": ["per 100 000", "enligt Kolada", "antal", "antal"],
        }
    )
    shown = view.baseline_display(table)
    assert list(shown["Värde"]) == ["12,3", "900,0", "", ""]
    assert list(shown["95 % KI"]) == ["10,0–15,0", "–", "", ""]
    assert shown["Antal"].tolist() == ["", "", "17", ".."]


def test_baseline_shows_police_counts_real_units_and_flags_few_cases(tables):
    table = situation.baseline_table(tables, "2180", 5)
    counts = situation.baseline_counts(tables, table, "2180")
    assert set(counts.index) == set(table.loc[table["source"] == "bra", "indicator"])
    shown = view.baseline_display(table, counts).set_index("Indikator")
    police = shown[shown.index.str.startswith("Anmälda brott: ")]
    assert (police["Anmälda brott (antal)"] != "").all()  # Brå's counts are public
    assert (police["Antal"] == "").all()  # "Antal" stays the local counts of persons
    few = counts[counts < 10]
    assert len(few)  # e.g. mord och dråp in Gävle
    for indicator in few.index:
        row = shown.loc[f"Anmälda brott: {indicator.removeprefix('bra:')}"]
        assert row["Anmärkning"].startswith("för få fall för en bedömning")
    many = counts[counts >= 10].index[0]
    assert "för få fall" not in shown.loc[f"Anmälda brott: {many.removeprefix('bra:')}",
                                          "Anmärkning"]  # fmt: skip
    kolada = shown[shown.index.str.startswith("Kolada: ")]
    assert len(kolada) and set(kolada["Enhet"]) == {"per 100 000 invånare"}
    assert "enligt Kolada" not in set(shown["Enhet"])
    both = shown.loc[[i for i in shown.index if "kvinnofridskränkning" in i]]
    assert len(both) == 2 and all("per 100 000 invånare" in n for n in both["Anmärkning"])
    assert view.kpi_unit("Andel elever, %") == "%"
    assert view.kpi_unit("Något konstigt") == "enligt nyckeltalets definition i Kolada"


def test_trend_label_in_swedish():
    years = np.arange(2015, 2025)
    pop = np.full(10, 20_000.0)
    counts = np.random.default_rng(7).poisson(200 * 1.1 ** (years - 2015))
    rising = situation.indicators.trend_test(years, counts, pop)
    assert rising.significant and rising.agree
    label = view.trend_label(rising)
    change = float(label.split("(")[1].split(" %")[0].replace(",", "."))
    assert label.startswith("ökar (+") and change == pytest.approx(
        (rising.rate_ratio - 1) * 100, abs=0.05
    )
    flat_counts = np.random.default_rng(3).poisson(np.full(10, 200))
    flat = situation.indicators.trend_test(years, flat_counts, pop)
    assert view.trend_label(flat) == "ingen säker förändring"
    assert view.trend_label(None) == "för få år för en bedömning"


def test_baseline_is_frozen_once_saved(built_copy):
    data.baseline_path("2161", built_copy).unlink(missing_ok=True)  # a report's
    tables = data.Tables.load(built_copy)
    first = baseline.ensure(tables, "2161", built_copy)
    assert data.baseline_path("2161", built_copy).exists()
    assert first["saved_on"].nunique() == 1
    # newer data arrive: the saved baseline stays, the current values move
    changed = data.Tables.load(built_copy)
    obs = changed.observations
    changed.observations = obs.assign(count=obs["count"] * 2)
    again = baseline.ensure(changed, "2161", built_copy)
    assert again["value"].astype("float64").equals(first["value"].astype("float64"))
    current = situation.baseline_table(changed, "2161", 5)
    changes = view.baseline_changes(again, current).set_index("Indikator")
    assert changes.loc["Anmälda brott: Misshandel inkl. grov", "Förändring"] == "högre"
    assert changes.loc["Kolada: Anmälda våldsbrott", "Förändring"] == "–"
    assert view.baseline_caption(again).startswith("Baslinje (sparad 20")


def test_no_baseline_is_saved_without_data(built_copy):
    tables = data.Tables.load(built_copy)
    table = baseline.ensure(tables, "0180", built_copy)
    assert table.empty and not data.baseline_path("0180", built_copy).exists()
    assert view.baseline_caption(table) == "Baslinje"


def test_baseline_changes_verdicts():
    def frame(values, lower, upper, period):
        return pd.DataFrame(
            {
                "indicator": ["a", "b", "c"],
                "label": ["A", "B", "C"],
                "period": [period] * 3,
                "value": pd.array(values, dtype="Float64"),
                "lower": pd.array(lower, dtype="Float64"),
                "upper": pd.array(upper, dtype="Float64"),
                "unit": ["%", "%", "antal"],
            }
        )

    saved = frame([20.0, 20.0, 12.0], [18.0, 18.0, None], [22.0, 22.0, None], "2020")
    # a: intervals apart; b: the intervals overlap, but the test of the difference
    # (z = 4 / hypot(4, 6) * 3.92 = 2.17) shows it: overlap is no test; c: no intervals
    now = frame([30.0, 24.0, 14.0], [27.0, 21.0, None], [33.0, 27.0, None], "2024")
    out = view.baseline_changes(saved, now)
    assert list(out["Förändring"]) == ["högre", "högre", "–"]
    close = frame([30.0, 21.0, 14.0], [27.0, 18.0, None], [33.0, 24.0, None], "2024")
    assert view.baseline_changes(saved, close)["Förändring"][1] == "ingen säker skillnad"
    assert list(out["Baslinje"]) == ["20,0 (2020)", "20,0 (2020)", "12 (2020)"]
    assert list(out["Senaste"]) == ["30,0 (2024)", "24,0 (2024)", "14 (2024)"]


def test_baseline_as_of_a_year_uses_only_data_up_to_it(built_copy):
    data.baseline_path("2161", built_copy).unlink(missing_ok=True)  # a report's
    tables = data.Tables.load(built_copy)
    table = baseline.ensure(tables, "2161", built_copy, as_of=2019)
    periods = dict(zip(table["indicator"], table["period"], strict=True))
    assert periods["bra:Ofredande"] == "2017–2019"
    assert periods["kolada:N07403"] == "2019"
    assert periods["skolenkat:utsatt_hot"] == "2018"  # the survey runs every other year
    assert tables.up_to(None) is tables


def test_trend_of_a_perfectly_flat_series_is_no_change():
    years = np.arange(2015, 2025)
    result = situation.indicators.trend_test(years, np.full(10, 200), np.full(10, 20_000.0))
    assert result.rate_ratio == pytest.approx(1.0)
    assert not result.significant and result.dispersion == pytest.approx(0.0, abs=1e-9)
    assert view.trend_label(result) == "ingen säker förändring"


def test_tables_within_a_report_s_years(built_data):
    tables = data.Tables.load(built_data)
    part = tables.within([2016, 2020])
    assert part.observations["year"].between(2016, 2020).all()
    assert sorted(part.survey["year"].unique()) == [2016, 2018, 2020]
    assert part.kolada["year"].max() == 2020 and part.population["year"].min() == 2016
    prevalence = situation.survey_prevalence(part, "2161", 5)
    assert set(prevalence["year"]) == {2020}  # the latest survey inside the years


@pytest.mark.parametrize(
    ("sex", "age", "label"),
    [
        ("T", "totalt", "invånare"),
        ("K", "totalt", "kvinnor"),
        ("K", "18+", "kvinnor 18 år och äldre"),
        ("T", "0-17", "barn 0–17 år"),
        ("M", "18-64", "män 18–64 år"),
    ],
)
def test_population_label(sex, age, label):
    assert view.population_label(sex, age) == label


def test_police_summary_says_who_each_rate_is_per(tables):
    rated = situation.police_rates(tables, ["2161", "0021", "0000"], range(2015, 2025))
    summary = view.police_table(
        situation.police_summary(rated, "2161", "0021"), definitions.load_definition()
    ).set_index("Brottskategori")
    assert summary.loc["Misshandel mot kvinna 18 år eller äldre", "Per 100 000 av"] == (
        "kvinnor 18 år och äldre"
    )
    assert summary.loc["Grov kvinnofridskränkning", "Per 100 000 av"] == "kvinnor"
    assert summary.loc["Ofredande", "Per 100 000 av"] == "invånare"


def test_counts_by_year_keeps_withheld_categories_and_age_groups():
    rows = []
    for year in (2023, 2024):
        for age, count in (("0-17", 6 if year == 2024 else 2), ("18+", 3)):
            rows.append(("Heder", year, "T", age, count))
        rows.append(("Ekonomiskt", year, "T", "18+", 2))
    protected = pd.DataFrame(rows, columns=["category", "year", "sex", "age_group", "count"])
    protected["count"] = protected["count"].astype("Int64").mask(protected["count"] < 5)
    table = view.counts_by_year(protected).set_index("Kategori")
    assert list(table.index) == ["Heder (0-17 år)", "Heder (18+ år)", "Ekonomiskt"]
    assert table.loc["Heder (0-17 år)", "2024"] == 6
    assert table.loc["Heder (18+ år)"].isna().all()  # withheld every year, still listed


# ---------------------------------------------------------------- from the publication's cells


def _cells(rows) -> pd.DataFrame:
    """A publication cell table (as ``Publication.cells``) from ``(key dict, value)`` pairs;
    a value of ``None`` is withheld."""
    records = []
    for key, value in rows:
        record = {f: "" for f in keys.KEY_FIELDS}
        record.update({"grade": "alla", **key})
        record["value"] = value
        records.append(record)
    d = pd.DataFrame(records)
    d["withheld"] = d["value"].isna()
    d["value"] = d["value"].astype("Float64")
    d["year"] = d["year"].astype("int64")
    for f in keys.KEY_FIELDS:
        if f != "year":
            d[f] = d[f].astype("string")
    return d


def _survey_cells(region="2161", year=2024):
    rows = []
    # item, grade, sex: yes, answered
    values = {
        ("alla", "T"): (30, 200),
        ("alla", "K"): (20, 100),
        ("alla", "M"): (None, 95),  # a withheld yes-count
        ("alla", "U"): (None, None),
        ("åk9", "T"): (15, None),  # a withheld answered-count
        ("gy2", "T"): (15, 95),
    }
    base = {"source": "skolenkat", "measure": "utsatt_hot", "region": region, "year": year}
    for (grade, sex), (yes, answered) in values.items():
        key = {**base, "grade": grade, "sex": sex, "age": "alla"}
        rows += [({**key, "answer": "yes"}, yes), ({**key, "answer": "answered"}, answered)]
    for (grade, sex), n in {("alla", "T"): 210, ("alla", "K"): 105, ("alla", "M"): None}.items():
        key = {"source": "skolenkat", "measure": "respondents", "region": region, "year": year}
        rows.append(({**key, "grade": grade, "sex": sex, "age": "alla"}, n))
    old = {**base, "year": year - 2, "grade": "alla", "sex": "T", "age": "alla"}
    rows += [({**old, "answer": "yes"}, 10), ({**old, "answer": "answered"}, 100)]
    return rows


def _count_cells(region="2161"):
    base = {"source": "socialtjanst", "region": region, "age": "0-17"}
    rows = []
    for year, (k, m, t) in {2023: (6, None, None), 2024: (7, 8, 15)}.items():
        for sex, value in zip("KMT", (k, m, t), strict=True):
            rows.append(({**base, "measure": "Barn", "year": year, "sex": sex}, value))
    sub = {**base, "measure": "Barn – fysiskt", "parent": "Barn", "sex": "T"}
    rows += [({**sub, "year": 2023}, None), ({**sub, "year": 2024}, 9)]
    return rows


def test_published_counts_show_the_publication_s_cells_only():
    cells = _cells(_count_cells() + _count_cells("2183"))
    counts = situation.published_counts(cells, "socialtjanst", "2161", [2023, 2024])
    assert set(counts["region_code"]) == {"2161"} and len(counts) == 8
    by_year = view.counts_by_year(counts).set_index("Kategori")
    assert by_year.loc["Barn", "2024"] == 15 and pd.isna(by_year.loc["Barn", "2023"])
    assert by_year.loc["Barn – fysiskt", "2024"] == 9
    by_sex = view.counts_by_sex(counts).set_index("Kategori")
    assert list(by_sex.loc["Barn (0-17)", ["Flickor/kvinnor", "Pojkar/män", "Totalt"]]) == [
        7,
        8,
        15,
    ]
    marks = view.counts_by_year_marks(counts).set_index(by_year.index)
    withheld, shown = marks.loc["Barn", "2023"], marks.loc["Barn – fysiskt", "2024"]
    assert [c["kind"] for c in withheld] == ["withheld"] and "value" not in withheld[0]
    assert shown == [
        {
            "source": "socialtjanst",
            "measure": "Barn – fysiskt",
            "parent": "Barn",
            "region": "2161",
            "year": "2024",
            "sex": "T",
            "age": "0-17",
            "grade": "alla",
            "answer": "",
            "kind": "count",
            "value": "9",
        }
    ]
    assert marks["Kategori"].isna().all()
    sex_marks = view.counts_by_sex_marks(counts)
    assert sex_marks.shape == view.counts_by_sex(counts).shape
    assert [c[0]["sex"] for c in sex_marks.iloc[0, 2:]] == ["K", "M", "T"]
    assert situation.published_counts(cells, "kvinnojour", "2161").empty


def test_published_prevalence_needs_both_cells_of_a_share():
    cells = _cells(_survey_cells())
    book = pd.DataFrame({"item": ["utsatt_hot"], "question": ["Hot?"], "kind": ["exposure"]})
    p = situation.published_prevalence(cells, book, "2161", years=range(2015, 2025))
    assert set(p["year"]) == {2024}
    p = p.set_index(["grade", "sex"])
    assert ("alla", "U") not in p.index  # the unstated group is in T, never shown alone
    expected = situation.indicators.proportion(30, 200, per=100).iloc[0]
    assert p.loc[("alla", "T"), "value"] == pytest.approx(15.0)
    assert p.loc[("alla", "T"), "lower"] == pytest.approx(expected["lower"])
    assert pd.isna(p.loc[("alla", "M"), "value"]) and p.loc[("alla", "M"), "denominator"] == 95
    assert pd.isna(p.loc[("åk9", "T"), "value"]) and p.loc[("åk9", "T"), "count"] == 15
    table = view.survey_table(p.reset_index()).set_index("Andel ja, % (95 % KI)")
    assert table.loc["Hot", "Alla"].startswith("15,0 (")
    assert table.loc["Hot", "Killar"] == ".." and table.loc["Hot", "Åk 9"] == ".."
    marks = view.survey_table_marks(p.reset_index()).set_index(table.index)
    kinds = [(c["kind"], c["answer"], c.get("value")) for c in marks.loc["Hot", "Alla"]]
    assert kinds == [
        ("share", "yes", "15"),  # keys.cell writes 15.0 as 15
        ("lower", "yes", str(round(expected["lower"], 1))),
        ("upper", "yes", str(round(expected["upper"], 1))),
        ("denominator", "answered", "200"),
    ]
    assert [(c["kind"], c["answer"]) for c in marks.loc["Hot", "Killar"]] == [("withheld", "yes")]
    assert [(c["kind"], c["answer"]) for c in marks.loc["Hot", "Åk 9"]] == [
        ("withheld", "answered")
    ]
    earlier = situation.published_prevalence(cells, book, "2161", years=[2022, 2023])
    assert list(earlier["value"]) == [pytest.approx(10.0)]
    assert situation.published_prevalence(cells, book, "0180").empty


def test_respondent_counts_come_from_the_publication():
    cells = _cells(_survey_cells())
    n = situation.respondent_counts(cells, "2161")
    assert list(zip(n["grade"], n["sex"], n["respondents"].astype("object"), strict=True)) == [
        ("alla", "T", 210),
        ("alla", "K", 105),
        ("alla", "M", pd.NA),
    ]
    marks = view.respondents_marks(n)
    assert [m[0]["kind"] for m in marks["Antal svarande"]] == ["count", "count", "withheld"]
    assert marks["Antal svarande"][0][0]["measure"] == "respondents"
    assert list(view.respondents_table(n)["Grupp"]) == ["Alla", "Tjejer", "Killar"]


def test_published_baseline_takes_local_rows_from_the_publication():
    cells = _cells(_survey_cells() + _count_cells())
    baseline = pd.DataFrame(
        {
            "indicator": ["kolada:N1", "skolenkat:utsatt_hot", "socialtjanst:Barn"],
            "source": ["kolada", "skolenkat", "socialtjanst"],
            "measure": ["N1", "utsatt_hot", "Barn"],
            "name": ["KPI", "utsatt_hot", "Barn"],
            "kind": ["kpi", "share", "count"],
            "sex": [None, None, None],
            "age_group": [None, None, None],
            "period": ["2024", "2024", "2023"],
            "value": pd.array([900.0, 99.0, 3.0], dtype="Float64"),  # 3: a raw, small count
            "lower": pd.array([None, 90.0, None], dtype="Float64"),
            "upper": pd.array([None, 99.9, None], dtype="Float64"),
        }
    )
    out = situation.published_baseline(baseline, cells, "2161").set_index("indicator")
    assert out.loc["kolada:N1", "value"] == 900.0
    assert out.loc["skolenkat:utsatt_hot", "value"] == pytest.approx(15.0)
    assert out.loc["skolenkat:utsatt_hot", "denominator"] == 200
    assert pd.isna(out.loc["socialtjanst:Barn", "value"])  # withheld in the publication
    shown = view.baseline_display(out.reset_index())
    assert list(shown["Antal"]) == ["", "", ".."]
    marks = view.baseline_marks(out.reset_index())
    assert marks.shape == (3, 3) and marks.iloc[0].isna().all()
    assert [c["kind"] for c in marks.loc[1, "Värde"]] == ["share", "denominator"]
    assert [c["kind"] for c in marks.loc[1, "95 % KI"]] == ["lower", "upper"]
    assert [(c["kind"], c["year"]) for c in marks.loc[2, "Antal"]] == [("withheld", "2023")]
