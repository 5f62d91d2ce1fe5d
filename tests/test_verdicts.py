"""The one vocabulary of verdicts: every branch of every rule, with reference values
computed independently (statsmodels, scipy) where a test decides."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from statsmodels.stats.proportion import proportions_ztest
from statsmodels.stats.rates import test_poisson_2indep as poisson_2indep

from vpanalysis import indicators, verdicts
from vpanalysis.presentation import verdicts as words

# ---------------------------------------------------------------- too few


@pytest.mark.parametrize(
    ("count", "denominator", "few"),
    [(9, None, True), (10, None, False), (None, 29, True), (None, 30, False), (None, None, False),
     (float("nan"), None, False), (12, 20, True)],
)  # fmt: skip
def test_too_few_is_the_documented_minimum(count, denominator, few):
    assert verdicts.MIN_EVENTS == 10 and verdicts.MIN_DENOMINATOR == 30
    assert verdicts.too_few(count, denominator) is few


# ---------------------------------------------------------------- against a reference


@pytest.mark.parametrize(
    ("lower", "upper", "reference", "count", "verdict"),
    [
        (110.0, 130.0, 100.0, 50, "higher"),
        (70.0, 90.0, 100.0, 50, "lower"),
        (90.0, 110.0, 100.0, 50, "no_difference"),
        (100.0, 110.0, 100.0, 50, "no_difference"),  # a limit on the reference: no difference
        (12.5, 117.5, 20.0, 4, "too_few"),  # 4 cases at 45,9 (12,5–117,5): no verdict
        (110.0, 130.0, float("nan"), 50, "not_compared"),
    ],
)
def test_against_reference_every_branch(lower, upper, reference, count, verdict):
    assert verdicts.against_reference(lower, upper, reference, count=count) == verdict


def test_against_reference_is_the_exact_poisson_test_of_the_area():
    # 30 events in 100 000: the exact interval excludes a reference rate exactly when the
    # exact two-sided Poisson test rejects it (scipy, independently)
    from scipy import stats

    rate = indicators.rate([30], [100_000]).iloc[0]
    assert rate["method"].startswith("Byar")
    for reference in (15.0, 20.0, 25.0, 40.0, 47.0):
        verdict = verdicts.against_reference(rate["lower"], rate["upper"], reference, count=30)
        p = stats.poisson.cdf(30, reference) if reference > 30 else stats.poisson.sf(29, reference)
        assert (verdict != "no_difference") == (2 * p < 0.05), reference
    # a share: the reference inside Wilson's interval
    share = indicators.proportion([40], [100], per=100).iloc[0]
    assert verdicts.against_reference(share["lower"], share["upper"], 30.0, denominator=100) == (
        "higher"
    )
    assert verdicts.against_reference(share["lower"], share["upper"], 30.0, denominator=20) == (
        "too_few"
    )


# ---------------------------------------------------------------- two uncertain rates


@pytest.mark.parametrize(
    ("k1", "n1", "k2", "n2"),
    [
        (30, 10_000, 15, 10_000),
        (20, 10_000, 30, 12_000),
        (12, 5_000, 40, 9_000),
        (50, 1e5, 47, 1e5),
    ],
)
def test_rate_difference_p_is_statsmodels_exact_conditional_test(k1, n1, k2, n2):
    reference = poisson_2indep(k1, n1, k2, n2, method="exact-cond").pvalue
    assert verdicts.rate_difference_p(k1, n1, k2, n2) == pytest.approx(reference, rel=1e-9)


def test_rates_differ_every_branch():
    assert verdicts.rates_differ(60, 10_000, 30, 10_000) == "higher"  # p < 0.001
    assert verdicts.rates_differ(30, 10_000, 60, 10_000) == "lower"
    assert verdicts.rates_differ(30, 10_000, 25, 10_000) == "no_difference"
    assert verdicts.rates_differ(3, 10_000, 1, 10_000) == "too_few"  # 1 case against 3
    assert verdicts.rates_differ(None, 10_000, 1, 10_000) == "not_compared"


# ---------------------------------------------------------------- two uncertain shares


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2"), [(45, 150, 30, 160), (20, 100, 25, 110), (5, 60, 15, 58)]
)
def test_share_difference_p_is_statsmodels_ztest(x1, n1, x2, n2):
    _, reference = proportions_ztest([x1, x2], [n1, n2])
    assert verdicts.share_difference_p(x1, n1, x2, n2) == pytest.approx(reference, rel=1e-9)


def test_shares_differ_every_branch():
    assert verdicts.shares_differ(45, 150, 25, 160) == "higher"
    assert verdicts.shares_differ(25, 160, 45, 150) == "lower"
    assert verdicts.shares_differ(20, 100, 25, 110) == "no_difference"
    assert verdicts.shares_differ(5, 20, 25, 110) == "too_few"
    assert verdicts.shares_differ(5, float("nan"), 25, 110) == "not_compared"


def test_overlapping_intervals_can_hide_a_certain_difference():
    # girls 45/150 (Wilson 22,6–37,9 %) and boys 28/160 (12,4–24,1 %) overlap, and the
    # test of the difference is still certain: overlap is no test
    girls = indicators.proportion([45], [150], per=100).iloc[0]
    boys = indicators.proportion([28], [160], per=100).iloc[0]
    assert girls["lower"] < boys["upper"]
    assert verdicts.shares_differ(45, 150, 28, 160) == "higher"
    assert proportions_ztest([45, 28], [150, 160])[1] < 0.05


# ---------------------------------------------------------------- from intervals alone


def test_estimates_differ_recovers_the_standard_errors():
    # two normal estimates with known standard errors 1 and 1.5: the intervals give them back
    z = 1.959963984540054
    v1, v2 = 24.0, 20.0
    got = verdicts.estimates_differ(v1, v1 - z, v1 + z, v2, v2 - 1.5 * z, v2 + 1.5 * z, log=False)
    p = 2 * (1 - __import__("scipy").stats.norm.cdf(4 / math.hypot(1, 1.5)))
    assert p < 0.05 and got == "higher"
    assert verdicts.estimates_differ(v2, v2 - z, v2 + z, v1, v1 - z, v1 + z, log=False) == "lower"
    assert verdicts.estimates_differ(21, 19, 23, 20, 18, 22, log=False) == "no_difference"
    assert verdicts.estimates_differ(21, 19, 23, 20, 18, 22, count1=4) == "too_few"
    assert verdicts.estimates_differ(21, None, 23, 20, 18, 22) == "not_compared"
    assert verdicts.estimates_differ(0.0, 0.0, 3.0, 20, 18, 22, log=True) == "not_compared"


# ---------------------------------------------------------------- trends


def _series(growth: float, seed: int, level: float = 200.0, n: int = 10):
    years = np.arange(2015, 2015 + n)
    counts = np.random.default_rng(seed).poisson(level * growth ** (years - 2015))
    return years, counts, np.full(n, 20_000.0)


def test_trend_verdict_every_branch():
    up = indicators.trend_test(*_series(1.1, 7))
    down = indicators.trend_test(*_series(0.9, 7))
    flat = indicators.trend_test(*_series(1.0, 3))
    assert verdicts.trend_verdict(up, 3000) == "up"
    assert verdicts.trend_verdict(down, 1000) == "down"
    assert verdicts.trend_verdict(flat, 2000) == "no_change"
    assert verdicts.trend_verdict(None) == "too_few_years"  # fewer than 5 years
    assert verdicts.trend_verdict(None, 500) == "too_few_years"
    few = indicators.trend_test(*_series(1.3, 1, level=1.0, n=5))
    assert verdicts.trend_verdict(few, 8) == "too_few_cases"  # fewer than 10 events in all
    assert verdicts.trend_verdict(None, 3) == "too_few_cases"  # more years would not help


def test_trend_verdict_needs_the_quasi_poisson_test_to_agree():
    # an over-dispersed series: Poisson says "rising", quasi-Poisson does not
    years = np.arange(2015, 2025)
    counts = np.array([100, 160, 90, 170, 110, 180, 120, 190, 125, 175])
    result = indicators.trend_test(years, counts, np.full(10, 20_000.0))
    assert result.significant and not result.agree
    assert verdicts.trend_verdict(result, counts.sum()) == "no_change"


def test_step_2_and_step_5_trends_are_one_rule(built_data):
    from vpanalysis import data
    from vpanalysis.config import SWEDEN_CODE
    from vpanalysis.steps import situation

    tables = data.Tables.load(built_data)
    years = sorted(tables.observations["year"].unique())
    rated = situation.police_rates(tables, ["2161", "0021", SWEDEN_CODE], years)
    summary = situation.police_summary(rated, "2161", "0021").set_index("category")
    step5 = situation.police_trends(tables, "2161")
    for category, row in summary.iterrows():
        code, ratio = step5[f"bra:{category}"]
        assert code == row["trend"], category
        if not math.isnan(ratio):
            assert ratio == pytest.approx(row["trend_rate_ratio"])


# ---------------------------------------------------------------- goals


@pytest.mark.parametrize(
    ("kwargs", "status", "notes"),
    [
        ({"latest_year": 2024, "latest_value": 85.0, "lower": 83.0, "upper": 87.0}, "reached", ()),
        ({"latest_year": 2024, "latest_value": 82.2, "lower": 77.5, "upper": 86.1},
         "within_margin", ()),
        ({"latest_year": 2022, "latest_value": 79.0, "lower": 77.6, "upper": 80.4}, "on_track", ()),
        ({"latest_year": 2024, "latest_value": 76.0, "lower": 74.0, "upper": 78.0},
         "not_on_track", ()),
        ({"latest_year": None, "latest_value": None}, "no_data", ()),
        ({"latest_year": 2020, "latest_value": 80.0}, "no_data", ()),
        ({"latest_year": 2024, "latest_value": 82.0}, "reached", ("no_interval",)),
        ({"latest_year": 2024, "latest_value": 80.0}, "within_margin",
         ("no_interval", "one_value")),
        ({"latest_year": 2024, "latest_value": 80.5, "previous": (2022, 79.0)}, "on_track",
         ("no_interval",)),
        ({"latest_year": 2024, "latest_value": 76.0, "previous": (2022, 75.5)}, "not_on_track",
         ("no_interval",)),
        ({"latest_year": 2024, "latest_value": 80.5, "previous": (2022, 75.5)}, "within_margin",
         ("no_interval",)),
        ({"latest_year": 2024, "latest_value": 76.0, "lower": 70.0, "upper": 77.0,
          "averaged": True}, "not_on_track", ("averaged",)),
    ],
)  # fmt: skip
def test_goal_verdict_every_branch(kwargs, status, notes):
    # baseline 75,1 in 2020, target 82,0 in 2026 (increase): the line is 79,7 in 2024
    got = verdicts.goal_verdict(2020, 75.1, 2026, 82.0, "increase", **kwargs)
    assert (got.status, got.notes) == (status, notes)
    if status != "no_data":
        year = kwargs["latest_year"]
        assert got.path_value == pytest.approx(75.1 + (year - 2020) / 6 * 6.9)


def test_goal_verdict_decrease_and_path_value():
    # "inte på väg" at 14,0 against a line of about 13,7, with an interval covering it
    got = verdicts.goal_verdict(2020, 16.0, 2026, 12.5, "decrease", 2024, 14.0, 12.0, 16.2)
    assert got.status == "within_margin" and got.path_value == pytest.approx(13.667, abs=1e-3)
    assert verdicts.goal_verdict(
        2020, 16.0, 2026, 12.5, "decrease", 2024, 14.0, 13.8, 14.2
    ).status == ("not_on_track")
    with pytest.raises(ValueError):
        verdicts.goal_verdict(2020, 16.0, 2026, 12.5, "down", 2024, 14.0)


# ---------------------------------------------------------------- the words


def test_swedish_words_cover_every_code_once():
    assert set(words.COMPARISON_WORDS) == set(verdicts.COMPARISONS)
    assert set(words.TREND_WORDS) == set(verdicts.TRENDS)
    assert set(words.STATUS_WORDS) == set(verdicts.GOAL_STATUSES)
    assert set(words.NOTE_WORDS) == set(verdicts.GOAL_NOTES)
    assert words.comparison_word("no_difference") == "ingen säker skillnad"
    assert words.comparison_word("too_few") == "för få fall för en bedömning"
    assert words.trend_word("up", 1.042) == "ökar (+4,2 % per år)"
    assert words.trend_word("no_change", 1.042) == "ingen säker förändring"
    # a value without a margin of error is never "within the margin": too early to say
    assert words.status_text("within_margin", ("no_interval", "one_value")) == (
        "Kan inte avgöras än (värdet saknar osäkerhetsmått; bara ett värde efter utgångsläget)"
    )
    assert words.status_text("within_margin", ("averaged",)) == (
        "Inom felmarginalen (treårsgenomsnitt, eftersom antalen är små)"
    )
    old = ("likvärdig", "som jämförelsen", "räknas som slump", "säkert högre", "överlappar")
    everything = " ".join(
        [*words.COMPARISON_WORDS.values(), *words.TREND_WORDS.values(),
         *words.STATUS_WORDS.values()]
    )  # fmt: skip
    assert not any(o in everything for o in old)
    guide = words.reading_guide_text()
    assert "Så läser du osäkerheten" in guide and "färre än 10 händelser" in guide
    assert "30 svarande" in guide and "kvasi" not in guide.lower()  # methods in the appendix
    assert "kvasi-Poisson" in words.methods_appendix_text()


# ---------------------------------------------------------------- the steps use the rules


def test_goal_status_pools_three_years_where_crimes_are_few():
    import pandas as pd

    from vpanalysis.steps import followup as fu

    goals = pd.DataFrame(
        {
            "goal_id": ["G"], "municipality_code": ["2161"], "goal": ["Minska"],
            "indicator": ["bra:Rån inkl. grovt"], "baseline_year": [2020],
            "baseline_value": [40.0], "target_value": [20.0], "target_year": [2026],
            "direction": ["decrease"], "latest_year": [None], "latest_value": [None],
        }
    )  # fmt: skip
    series = pd.DataFrame(
        {
            "indicator": ["bra:Rån inkl. grovt"] * 4, "municipality_code": ["2161"] * 4,
            "year": [2021, 2022, 2023, 2024], "value": [40.0, 30.0, 20.0, 25.0],
            "lower": [25.0, 17.0, 10.0, 13.0], "upper": [60.0, 48.0, 36.0, 43.0],
            "count": [8, 6, 4, 5], "population": [20_000.0] * 4,
        }
    )  # fmt: skip
    got = fu.goal_status(goals, series).iloc[0]
    pooled = indicators.rate([15], [60_000]).iloc[0]
    assert got["notes"] == "averaged" and got["latest_from"] == 2022 and got["latest_year"] == 2024
    assert got["latest_value"] == pytest.approx(pooled["value"])
    assert (got["latest_lower"], got["latest_upper"]) == pytest.approx(
        (pooled["lower"], pooled["upper"])
    )
    # the line is judged at the window's middle year, 2023: 40 - 3/6 * 20 = 30
    assert got["path_value"] == pytest.approx(30.0)
    assert got["status"] == "within_margin"


def test_register_figures_are_exact_and_kolada_values_are_not():
    import pandas as pd

    from vpanalysis.steps import followup as fu

    goals = pd.DataFrame(
        {
            "goal_id": ["R", "K"], "municipality_code": ["2161"] * 2, "goal": ["Utbilda", "Minska"],
            "indicator": ["register:training_coverage", "kolada:N07403"],
            "baseline_year": [2020, 2020], "baseline_value": [0.0, 1000.0],
            "target_value": [100.0, 800.0], "target_year": [2024, 2030],
            "direction": ["increase", "decrease"], "latest_year": [None, None],
            "latest_value": [None, None],
        }
    )  # fmt: skip
    table = pd.DataFrame(
        {
            "indicator": ["register:training_coverage", "kolada:N07403"],
            "municipality_code": ["2161"] * 2, "year": [2023, 2022], "value": [67.6, 950.0],
        }
    )  # fmt: skip
    got = fu.goal_status(goals, table).set_index("goal_id")
    assert got.loc["R", "status"] == "not_on_track" and got.loc["R", "notes"] == ""  # 67,6 < 75
    assert got.loc["K", "status"] == "undecided"  # one Kolada year: no "på väg", no margin
    assert got.loc["K", "notes"] == "no_interval,one_value"


def test_reported_crime_goals_are_found():
    import pandas as pd

    from vpanalysis.steps import followup as fu

    goals = pd.DataFrame(
        {
            "goal_id": ["A", "B", "C", "D"], "municipality_code": ["2161"] * 4,
            "goal": ["a", "b", "c", "d"],
            "indicator": ["kolada:N07403", "bra:Misshandel inkl. grov", "skolenkat:utsatt_hot",
                          "kolada:N15428"],
            "direction": ["decrease"] * 4,
        }
    )  # fmt: skip
    assert list(fu.reported_crime_goals(goals)["goal_id"]) == ["A", "B"]


def test_local_counts_of_nights_or_calls_are_not_compared():
    from vpanalysis.steps import followup as fu

    assert fu.counts_persons("kvinnojour:Stödsökande kvinnor")
    assert not fu.counts_persons("kvinnojour:Dygn i skyddat boende")
    assert not fu.counts_persons("kvinnojour:Stödsamtal")
    row = {"source": "kvinnojour", "kind": "count", "indicator": "kvinnojour:Dygn i skyddat boende",
           "value_then": 300.0, "value_now": 600.0}  # fmt: skip
    assert fu._change(row) == "not_compared"
    row.update(indicator="kvinnojour:Stödsökande kvinnor", value_then=3.0, value_now=1.0)
    assert fu._change(row) == "too_few"  # 1 case against 3 is no change


def test_series_breaks_are_shown_where_a_trend_crosses_them():
    import pandas as pd

    from vpanalysis.presentation import situation as view

    summary = pd.DataFrame(
        {
            "category": ["Våldtäkt inkl. grov", "Våldtäkt inkl. grov", "Barnfridsbrott",
                         "Mord, dråp och misshandel med dödlig utgång", "Olaga hot"],
            "trend_from": [2015, 2019, 2021, 2015, 2015],
            "trend_to": [2024, 2024, 2024, 2024, 2024],
        }
    )  # fmt: skip
    notes = view.break_notes(summary)
    assert sum("samtyckeslagen" in n for n in notes) == 1  # 2015-2024 crosses, 2019- does not
    assert any("Barnfridsbrott" in n and "2021" in n for n in notes)  # starts mid-2021
    assert any("konstaterat dödligt våld" in n for n in notes)
    assert not any("Olaga hot" in n for n in notes)
    assert all(b["source"] for b in view.SERIES_BREAKS)


def test_step_5_shows_the_breaks_of_the_trends_it_shows():
    import pandas as pd

    from vpanalysis.presentation import followup as pf

    follow = pd.DataFrame(
        {
            "source": ["bra", "bra", "kolada"],
            "indicator": ["bra:Våldtäkt inkl. grov", "bra:Olaga hot", "kolada:N07403"],
            "trend": ["no_change", "up", None],
        }
    )
    notes = pf.baseline_break_notes(follow, range(2015, 2025))
    assert len(notes) == 1 and "samtyckeslagen" in notes[0]
    assert pf.baseline_break_notes(follow, range(2019, 2025)) == []


# ---------------------------------------------------------------- constructed input -> the words
#
# Each branch of each rule, from a constructed input to the Swedish phrase a report prints
# (not only the code): a reader meets the phrase.


@pytest.mark.parametrize(
    ("lower", "upper", "reference", "count", "phrase"),
    [
        (110.0, 130.0, 100.0, 40, "högre"),
        (70.0, 90.0, 100.0, 40, "lägre"),
        (90.0, 120.0, 100.0, 40, "ingen säker skillnad"),
        (12.5, 117.5, 30.0, 4, "för få fall för en bedömning"),  # 4 cases at 45,9
    ],
)
def test_a_comparison_with_the_county_in_words(lower, upper, reference, count, phrase):
    code = verdicts.against_reference(lower, upper, reference, count=count)
    assert words.comparison_word(code) == phrase


@pytest.mark.parametrize(
    ("first", "second", "phrase"),
    [
        ((60, 10_000), (30, 10_000), "högre"),
        ((30, 10_000), (60, 10_000), "lägre"),
        ((30, 10_000), (25, 10_000), "ingen säker skillnad"),
        ((3, 10_000), (1, 10_000), "för få fall för en bedömning"),
    ],
)
def test_two_uncertain_rates_in_words(first, second, phrase):
    assert words.comparison_word(verdicts.rates_differ(*first, *second)) == phrase


@pytest.mark.parametrize(
    ("growth", "seed", "level", "n", "total", "phrase"),
    [
        (1.1, 7, 200.0, 10, 3000, r"ökar \(\+\d+,\d % per år\)"),
        (0.9, 7, 200.0, 10, 1000, r"minskar \(-\d+,\d % per år\)"),
        (1.0, 3, 200.0, 10, 2000, r"ingen säker förändring"),
        (1.3, 1, 1.0, 5, 8, r"för få fall för en bedömning"),
    ],
)
def test_a_trend_in_words(growth, seed, level, n, total, phrase):
    result = indicators.trend_test(*_series(growth, seed, level=level, n=n))
    code = verdicts.trend_verdict(result, total)
    assert re.fullmatch(phrase, words.trend_word(code, result.rate_ratio))


def test_too_few_years_for_a_trend_in_words():
    assert words.trend_word(verdicts.trend_verdict(None)) == "för få år för en bedömning"
    assert words.trend_word(verdicts.trend_verdict(None, 4)) == "för få fall för en bedömning"
    assert "eller fall" not in " ".join(words.TREND_WORDS.values())


@pytest.mark.parametrize(
    ("kwargs", "phrase"),
    [
        ({"latest_year": 2024, "latest_value": 85.0, "lower": 83.0, "upper": 87.0},
         "Målet är nått"),
        ({"latest_year": 2022, "latest_value": 79.0, "lower": 77.6, "upper": 80.4},
         "På väg mot målet"),
        ({"latest_year": 2024, "latest_value": 82.2, "lower": 77.5, "upper": 86.1},
         "Inom felmarginalen"),
        ({"latest_year": 2024, "latest_value": 76.0, "lower": 74.0, "upper": 78.0},
         "Inte på väg mot målet"),
        ({"latest_year": None, "latest_value": None}, "Inget uppföljningsvärde än"),
        ({"latest_year": 2024, "latest_value": 80.0},
         "Kan inte avgöras än (värdet saknar osäkerhetsmått; bara ett värde efter "
         "utgångsläget)"),
        ({"latest_year": 2024, "latest_value": 80.5, "previous": (2022, 75.5)},
         "Kan inte avgöras än (värdet saknar osäkerhetsmått)"),
        ({"latest_year": 2024, "latest_value": 82.0},
         "Målet är nått (värdet saknar osäkerhetsmått)"),
    ],
)  # fmt: skip
def test_a_goal_status_in_words(kwargs, phrase):
    # baseline 75,1 in 2020, target 82,0 in 2026 (increase): the line is 79,7 in 2024
    got = verdicts.goal_verdict(2020, 75.1, 2026, 82.0, "increase", **kwargs)
    assert words.status_text(got.status, got.notes) == phrase
