"""The comparison report's library: county funnel, side-by-side table, map values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from test_steps_situation import _cells, _survey_cells

from vpanalysis import data, geography, verdicts
from vpanalysis.presentation import comparison as view
from vpanalysis.presentation.verdicts import comparison_word
from vpanalysis.steps import comparison


@pytest.fixture(scope="module")
def rolled(built_data):
    tables = data.Tables.load(built_data)
    return comparison.county_rolled(tables, "0021", range(2015, 2025))


def test_funnel_limits_match_exact_poisson_at_the_grid():
    baseline, years = 800.0, 3
    limits = comparison.funnel_limits(baseline, [5_000, 40_000, 100_000], years=years)
    assert (limits["lower_998"] < limits["lower_95"]).all()
    assert (limits["lower_95"] < baseline).all() and (limits["upper_95"] > baseline).all()
    assert (limits["upper_95"] < limits["upper_998"]).all()
    # funnels narrow as the population grows
    width = (limits["upper_95"] - limits["lower_95"]).to_numpy()
    assert np.all(np.diff(width) < 0)
    # independent check: at population P, the upper 95 % limit is (about) the count whose
    # exact Poisson lower limit reaches the expected count, as a rate (interpolated)
    p = float(limits["population"].iloc[60])
    expected = baseline / 100_000 * p * years
    k = np.arange(0, int(expected * 3))
    low_limit = stats.chi2.ppf(0.025, 2 * k) / 2
    upper_count = k[np.argmax(low_limit > expected)]
    rate_at_limit = upper_count / (p * years) * 100_000
    assert limits["upper_95"].iloc[60] == pytest.approx(rate_at_limit, rel=0.02)


def test_county_funnel_uses_all_ten_municipalities(rolled):
    points, limits, level = comparison.county_funnel(rolled, "0021", "Misshandel inkl. grov")
    assert sorted(points["region_code"]) == sorted(geography.municipalities_in("0021"))
    county = comparison.latest(rolled, "Misshandel inkl. grov")
    assert level == pytest.approx(county.loc[county["region_code"] == "0021", "value"].iloc[0])
    assert (
        points["population"].between(limits["population"].min(), limits["population"].max()).all()
    )
    assert comparison.county_funnel(rolled, "0001", "Misshandel inkl. grov") is None


def test_side_by_side_compares_with_the_rest_of_the_county(rolled):
    table = comparison.side_by_side(rolled, ["2161", "2183"], "0021", "Misshandel inkl. grov")
    shown = view.side_by_side(table)
    assert list(shown["Område"]) == ["Ljusdal", "Bollnäs", "Gävleborgs län", "Riket"]
    county = table.iloc[2]
    for i in range(2):
        row = table.iloc[i]
        # the rest of the county is the county minus the municipality, from counts
        assert row["rest_count"] == county["count"] - row["count"]
        assert 0 < row["county_share"] < 1
        d = comparison.latest(rolled, "Misshandel inkl. grov").set_index("region_code")
        rest_pop = d.loc["0021", "population"] - d.loc[row["region_code"], "population"]
        assert row["rest_value"] == pytest.approx(row["rest_count"] / rest_pop * 100_000)
        expected = verdicts.rates_differ(
            row["count"], d.loc[row["region_code"], "population"], row["rest_count"], rest_pop
        )
        assert row["comparison"] == expected
        assert shown.iloc[i]["Jämfört med övriga länet"] == comparison_word(expected)
    assert shown.iloc[2]["Jämfört med övriga länet"] == ""


def test_a_large_municipality_is_not_compared_with_the_county_that_contains_it():
    # one municipality with 60 % of its county, 10 % above the rest of it: against the
    # whole county (which it pulls towards itself) the difference looks smaller
    rows = []
    for code, count, population in (("2180", 2_200, 600_000), ("0021", 3_200, 1_000_000)):
        rows.append(
            {"region_code": code, "category": "X", "year_from": 2022, "year_to": 2024,
             "count": count, "population": population, "value": count / population * 1e5,
             "lower": np.nan, "upper": np.nan, "region": code}
        )  # fmt: skip
    rolled = pd.DataFrame(rows)
    table = comparison.side_by_side(rolled, ["2180"], "0021", "X")
    mine = table.iloc[0]
    assert mine["rest_count"] == 1_000 and mine["county_share"] == pytest.approx(0.6)
    assert mine["rest_value"] == pytest.approx(250.0)
    assert mine["comparison"] == "higher"
    assert comparison.LARGE_SHARE < 0.6


def test_map_values_cover_the_county(rolled):
    values = comparison.map_values(rolled, "0021", "Ofredande")
    assert list(values.index) == geography.municipalities_in("0021")
    assert values.notna().all()


def test_survey_shares_side_by_side_come_from_the_publication():
    cells = _cells(_survey_cells("2161") + _survey_cells("2183", 2022))
    book = pd.DataFrame({"item": ["utsatt_hot"], "question": ["Hot?"], "kind": ["exposure"]})
    shares = comparison.published_survey_shares(cells, book, ["2161", "2183", "2181"])
    assert list(zip(shares["region_code"], shares["year"], strict=True)) == [
        ("2161", 2024),
        ("2183", 2022),
    ]
    assert shares["value"].tolist() == [pytest.approx(15.0), pytest.approx(15.0)]
    table = view.survey_side_by_side(shares)
    assert list(table.columns) == ["Andel ja, % (95 % KI)", "Ljusdal (2024)", "Bollnäs (2022)"]
    marks = view.survey_side_by_side_marks(shares)
    assert marks.shape == table.shape and marks.iloc[0, 0] is None
    assert [c["region"] for c in marks.iloc[0, 2]] == ["2183"] * 4
    assert comparison.published_survey_shares(cells, book, ["2181"]).empty
