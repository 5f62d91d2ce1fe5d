"""Tests of vpanalysis.indicators.

Reference values are read from the PHEindicatormethods test vectors in
``tests/reference/pheindicatormethods`` (GPL-3, see the README there), or from
``$VPANALYSIS_REFERENCE_DIR`` when it is set. A missing reference file makes the tests fail.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

from vpanalysis import indicators as ind

RTOL = 1e-6


def _reference_dir() -> Path:
    configured = os.environ.get("VPANALYSIS_REFERENCE_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parent / "reference" / "pheindicatormethods"


REFERENCE_DIR = _reference_dir()


def read_reference(name: str) -> pd.DataFrame:
    path = REFERENCE_DIR / name
    if not path.is_file():
        pytest.fail(
            f"reference file {path} is missing: it belongs in tests/reference/pheindicatormethods "
            "(or set VPANALYSIS_REFERENCE_DIR)"
        )
    frame = pd.read_csv(path, encoding="utf-8-sig")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def assert_close(actual, expected, rtol=RTOL, atol=0.0):
    np.testing.assert_allclose(
        np.asarray(actual, dtype=float),
        np.asarray(expected, dtype=float),
        rtol=rtol,
        atol=atol,
        equal_nan=True,
    )


def confidence_of(label: str) -> float:
    """'95%' -> 0.95, '99.8%' -> 0.998."""
    return round(float(label.strip().rstrip("%")) / 100, 6)


def test_reference_folder_is_present():
    assert REFERENCE_DIR.is_dir(), f"reference folder missing: {REFERENCE_DIR}"


# ---------------------------------------------------------------------------
# Crude rates and proportions against PHEindicatormethods
# ---------------------------------------------------------------------------

LEVELS = [(0.95, "lower95_0cl", "upper95_0cl"), (0.998, "lower99_8cl", "upper99_8cl")]


@pytest.mark.parametrize(("confidence", "lower", "upper"), LEVELS)
def test_rate_matches_reference(confidence, lower, upper):
    ref = read_reference("testdata_Rate.csv")
    out = ind.rate(
        ref["Numerator"], ref["Denominator"], per=ref["multiplier"].to_numpy(),
        confidence=confidence,
    )  # fmt: skip
    assert_close(out["value"], ref["value"])
    assert_close(out["lower"], ref[lower])
    assert_close(out["upper"], ref[upper])
    assert out["method"].fillna("NA").tolist() == ref["method"].fillna("NA").tolist()


def test_rate_g_matches_reference():
    ref = read_reference("testdata_Rate_g.csv")
    assert set(ref["confidence"]) == {"95%"}
    out = ind.rate(ref["Numerator"], ref["Denominator"], per=ref["multiplier"].to_numpy())
    assert_close(out["value"], ref["value"])
    assert_close(out["lower"], ref["lowercl"])
    assert_close(out["upper"], ref["uppercl"])
    assert out["method"].fillna("NA").tolist() == ref["method"].fillna("NA").tolist()


@pytest.mark.parametrize(("confidence", "lower", "upper"), LEVELS)
def test_proportion_matches_reference(confidence, lower, upper):
    ref = read_reference("testdata_Prop.csv")
    out = ind.proportion(
        ref["Numerator"], ref["Denominator"], per=ref["multiplier"].to_numpy(),
        confidence=confidence,
    )  # fmt: skip
    assert_close(out["value"], ref["value"])
    assert_close(out["lower"], ref[lower])
    assert_close(out["upper"], ref[upper])
    assert (out["method"] == ref["method"]).all()


def test_proportion_g_matches_reference():
    ref = read_reference("testdata_Prop_g.csv")
    out = ind.proportion(ref["Numerator"], ref["Denominator"], per=ref["multiplier"].to_numpy())
    assert_close(out["value"], ref["value"])
    assert_close(out["lower"], ref["lowercl"])
    assert_close(out["upper"], ref["uppercl"])


def test_byars_and_wilson_limits_match_reference():
    ref = read_reference("testdata_B_W.csv")
    assert set(ref["method"]) == {"Byars", "Wilson"}
    for (method, label), rows in ref.groupby(["method", "confidence"]):
        confidence = confidence_of(label)
        if method == "Byars":
            out = ind.byars_limits(rows["x"], confidence)
        else:
            out = ind.wilson_limits(rows["x"], rows["n"], confidence)
        assert out.index.equals(rows.index)
        assert_close(out["lower"], rows["lowercl"])
        assert_close(out["upper"], rows["uppercl"])


# ---------------------------------------------------------------------------
# Directly standardised rates
# ---------------------------------------------------------------------------


def _dsr_reference(statistic_per: str) -> pd.DataFrame:
    ref = read_reference("testresults_DSR.csv")
    return ref[ref["statistic"].str.endswith(statistic_per) | ref["value"].isna()]


@pytest.mark.parametrize("per", [10_000, 100_000])
@pytest.mark.parametrize(("confidence", "lower", "upper"), LEVELS)
def test_dsr_multiarea_matches_reference(per, confidence, lower, upper):
    data = read_reference("testdata_multiarea.csv")
    out = ind.dsr(data["count"], data["pop"], ind.ESP2013, per=per, confidence=confidence,
                  groups=data["area"])  # fmt: skip
    ref = read_reference("testresults_DSR.csv")
    ref = ref[ref["area"].isin(out["area"])]
    ref = ref[ref["statistic"].eq(f"dsr per {per}") | ref["value"].isna()]
    ref = ref.drop_duplicates("area").set_index("area").loc[out["area"]]
    assert len(ref) == 3
    assert_close(out["total_count"], ref["total_count"])
    assert_close(out["total_pop"], ref["total_pop"])
    assert_close(out["value"], ref["value"])
    assert_close(out["lower"], ref[lower])
    assert_close(out["upper"], ref[upper])
    assert (out["method"] == ref["method"].to_numpy()).all()
    # testdata_tiny has 9 events: not computed
    assert out.set_index("area").loc["testdata_tiny", ["value", "lower", "upper"]].isna().all()


@pytest.mark.parametrize("per", [10_000, 100_000])
def test_dsr_1976_standard_matches_reference(per):
    """The 1976 standard population rows of testresults_DSR.csv.

    The published value and 95 % limits are reproduced. The published 99.8 % limits of
    these rows are inconsistent with their own value (e.g. per 10 000: value 859,
    99.8 % limits 7659 to 9599, which do not contain it): they are exactly 10 times
    the correct limits. We assert the correct limits are sensible and pin the factor
    of 10, so the discrepancy stays documented.
    """
    data = read_reference("testdata_1976.csv")
    ref = read_reference("testresults_DSR.csv")
    ref = ref[(ref["area"] == "testdata_1976") & (ref["statistic"] == f"dsr per {per}")]
    assert len(ref) == 1
    ref = ref.iloc[0]
    out95 = ind.dsr(data["count"], data["pop"], data["esp1976"], per=per).iloc[0]
    out998 = ind.dsr(data["count"], data["pop"], data["esp1976"], per=per, confidence=0.998)
    out998 = out998.iloc[0]
    assert_close(out95["total_count"], ref["total_count"])
    assert_close(out95["total_pop"], ref["total_pop"])
    assert_close(out95["value"], ref["value"])
    assert_close(out95["lower"], ref["lower95_0cl"])
    assert_close(out95["upper"], ref["upper95_0cl"])
    # our 99.8 % interval contains the value and the 95 % interval
    assert out998["lower"] < out95["lower"] < out95["value"] < out95["upper"] < out998["upper"]
    # the published 99.8 % limits do not contain the published value ...
    assert not ref["lower99_8cl"] <= ref["value"] <= ref["upper99_8cl"]
    # ... and are exactly ten times ours
    assert_close(10 * out998["lower"], ref["lower99_8cl"])
    assert_close(10 * out998["upper"], ref["upper99_8cl"])


@pytest.mark.parametrize(("confidence", "lower", "upper"), LEVELS)
def test_dsr_nonindependent_events_match_reference(confidence, lower, upper):
    data = read_reference("testdata_nonindepe.csv")
    persons = data[["f1", "f2", "f3", "f4"]].set_axis([1, 2, 3, 4], axis=1)
    out = ind.dsr(data["count"], data["pop"], ind.ESP2013, confidence=confidence,
                  groups=data["area"], persons_by_frequency=persons)  # fmt: skip
    ref = read_reference("testresults_DSR.csv").set_index("area").loc[out["area"]]
    assert_close(out["total_count"], ref["total_count"])
    assert_close(out["value"], ref["value"])
    assert_close(out["lower"], ref[lower])
    assert_close(out["upper"], ref[upper])
    assert (out["method"] == ref["method"].to_numpy()).all()


def test_dsr_standard_population_per_row_equals_per_band():
    data = read_reference("testdata_multiarea.csv")
    per_band = ind.dsr(data["count"], data["pop"], ind.ESP2013, groups=data["area"])
    per_row = ind.dsr(data["count"], data["pop"], np.tile(ind.ESP2013, 3), groups=data["area"])
    pd.testing.assert_frame_equal(per_band, per_row)


def test_dsr_groups_as_frame_and_without_groups():
    data = read_reference("testdata_multiarea.csv")
    data["year"] = 2024
    out = ind.dsr(data["count"], data["pop"], ind.ESP2013, groups=data[["area", "year"]])
    assert list(out.columns[:2]) == ["area", "year"]
    big = data[data["area"] == "testdata_big"]
    single = ind.dsr(big["count"], big["pop"], ind.ESP2013)
    assert len(single) == 1
    assert_close(single["value"], out.loc[out["area"] == "testdata_big", "value"])


def test_dsr_rejects_wrong_standard_population_length():
    data = read_reference("testdata_multiarea.csv")
    with pytest.raises(ValueError, match="standard_population"):
        ind.dsr(data["count"], data["pop"], ind.ESP2013[:18], groups=data["area"])


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("testdata_err1.csv", "count must not be negative"),
        ("testdata_err2.csv", "population must be greater than zero"),
        ("testdata_err3.csv", "population must not be negative"),
        ("testdata_err4.csv", "standard_population must not be negative"),
    ],
)
def test_dsr_error_files_are_rejected(name, message):
    data = read_reference(name)
    standard = data.get("stdpop", ind.ESP2013)
    groups = data.get("area")
    with pytest.raises(ValueError, match=message):
        ind.dsr(data["count"], data["pop"], standard, groups=groups)


# ---------------------------------------------------------------------------
# Indirectly standardised ratios and rates
# ---------------------------------------------------------------------------

ISR_CASES = [
    ("rate", 100_000, "indirectly standardised rate per 100000"),
    ("rate", 1000, "indirectly standardised rate per 1000"),
    ("ratio", 1, "indirectly standardised ratio x 1"),
    ("ratio", 100, "indirectly standardised ratio x 100"),
]


@pytest.mark.parametrize(("kind", "per", "statistic"), ISR_CASES)
@pytest.mark.parametrize(("confidence", "lower", "upper"), LEVELS)
@pytest.mark.parametrize("reference_layout", ["per_band", "per_row"])
def test_isr_matches_reference(kind, per, statistic, confidence, lower, upper, reference_layout):
    data = read_reference("testdata_multiarea_isr.csv")
    if reference_layout == "per_band":
        refdata = read_reference("refdata.csv")
        ref_count, ref_pop = refdata["refcount"], refdata["refpop"]
    else:
        ref_count, ref_pop = data["refcount"], data["refpop"]
    out = ind.isr(data["count"], data["pop"], ref_count, ref_pop, groups=data["area"],
                  kind=kind, per=per, confidence=confidence)  # fmt: skip
    ref = read_reference("testresults_ISR.csv")
    ref = ref[ref["statistic"] == statistic].set_index("area").loc[out["area"]]
    assert len(ref) == 3
    assert_close(out["observed"], ref["observed"])
    assert_close(out["expected"], ref["expected"])
    if kind == "rate":
        assert_close(out["ref_rate"], ref["ref_rate"])
    assert_close(out["value"], ref["value"])
    assert_close(out["lower"], ref[lower])
    assert_close(out["upper"], ref[upper])
    assert (out["method"] == ref["method"].to_numpy()).all()


@pytest.mark.parametrize(("kind", "per", "statistic"), [ISR_CASES[0], ISR_CASES[3]])
def test_isr_zero_population_matches_reference(kind, per, statistic):
    """testdata_err2 has a population of 0 in one band: allowed for an ISR."""
    data = read_reference("testdata_err2.csv")
    refdata = read_reference("refdata.csv")
    out = ind.isr(data["count"], data["pop"], refdata["refcount"], refdata["refpop"],
                  groups=data["area"], kind=kind, per=per)  # fmt: skip
    ref = read_reference("testresults_ISR.csv")
    ref = ref[ref["area"].isin(["Area1", "Area2"]) & (ref["statistic"] == statistic)]
    ref = ref.set_index("area").loc[out["area"]]
    assert len(ref) == 2
    assert_close(out["expected"], ref["expected"])
    assert_close(out["value"], ref["value"])
    assert_close(out["lower"], ref["lower95_0cl"])
    assert_close(out["upper"], ref["upper95_0cl"])


@pytest.mark.parametrize(
    ("name", "message"),
    [("testdata_err1.csv", "count must not be negative"),
     ("testdata_err3.csv", "population must not be negative")],
)  # fmt: skip
def test_isr_error_files_are_rejected(name, message):
    data = read_reference(name)
    refdata = read_reference("refdata.csv")
    with pytest.raises(ValueError, match=message):
        ind.isr(data["count"], data["pop"], refdata["refcount"], refdata["refpop"])


# ---------------------------------------------------------------------------
# Funnel plots
# ---------------------------------------------------------------------------

FUNNEL_LEVELS = [("lower_95", "lower_2s"), ("upper_95", "upper_2s"),
                 ("lower_998", "lower_3s"), ("upper_998", "upper_3s")]  # fmt: skip

# PHEindicatormethods finds the expected counts of the rate and ratio funnels by
# bisection on v = mean / (1 + events + mean), stopping at a step of 2**-24: its
# published figures are that far from the exact Poisson quantiles we compute. We
# therefore compare in v, allowing twice the final bisection step (the figures are
# also rounded to 10 significant digits).
BISECTION_TOLERANCE = 2.0**-23


def assert_same_poisson_mean(ours, published, events):
    ours = np.asarray(ours, dtype=float)
    published = np.asarray(published, dtype=float)
    events = np.asarray(events, dtype=float)
    v_ours = ours / (1 + events + ours)
    v_published = published / (1 + events + published)
    assert np.max(np.abs(v_ours - v_published)) <= BISECTION_TOLERANCE


def test_funnel_proportion_matches_reference():
    inputs = read_reference("testdata_funnel_prop_inputs.csv")
    ref = read_reference("testdata_funnel_prop_outputs.csv")
    axis = ind.funnel_axis(inputs["denominator"])
    assert_close(axis, ref["Population"], rtol=0)
    baseline = inputs["numerator"].sum() / inputs["denominator"].sum() * 100
    out = ind.funnel_limits_proportion(baseline, axis, per=100)
    # published to 6 decimals
    assert_close(out["baseline"], ref["Baseline"], atol=5e-7)
    for ours, theirs in zip(
        ["lower_95", "upper_95", "lower_998", "upper_998"],
        ["Lower2s0025limit", "Upper2s0025limit", "Lower3s0001limit", "Upper3s0001limit"],
        strict=True,
    ):
        assert_close(out[ours], ref[theirs], atol=5e-7)


def test_funnel_proportion_significance_matches_reference():
    inputs = read_reference("testdata_funnel_prop_inputs.csv")
    out = ind.funnel_significance_proportion(inputs["numerator"], inputs["denominator"])
    assert out.tolist() == inputs["significance"].tolist()


def test_funnel_ratio_matches_reference():
    ref = read_reference("testdata_funnel_ratio_outputs.csv")
    observed = ref["Observed_events"]
    out = ind.funnel_limits_ratio(observed, per=100)
    plain = ind.funnel_limits_ratio(observed, per=1)
    for ours, theirs in FUNNEL_LEVELS:
        assert_same_poisson_mean(out[f"{ours}_expected"], ref[f"{theirs}_exp_events"], observed)
        # ISR limits (x 100) and PHE's "count" type (ratio - 1), turned back into means
        assert_same_poisson_mean(100 * observed / out[ours], 100 * observed / ref[f"{theirs}_isr"],
                                 observed)  # fmt: skip
        assert_same_poisson_mean(observed / plain[ours], observed / (ref[f"{theirs}_count"] + 1),
                                 observed)  # fmt: skip
        assert_close(out[ours], 100 * observed / out[f"{ours}_expected"])


def test_funnel_ratio_significance_matches_reference():
    inputs = read_reference("testdata_funnel_ratio_inputs.csv")
    out = ind.funnel_significance_ratio(inputs["obs"], inputs["expected"])
    assert out.tolist() == inputs["significance"].tolist()


def test_funnel_rate_matches_reference():
    """The reference was produced for DSRs pooled over 3 years (years_of_data = 3)."""
    ref = read_reference("testdata_funnel_rate_outputs.csv")
    events = ref["Events"]
    baseline = ref["baseline"].iloc[0]
    assert (ref["baseline"] == baseline).all()
    years = 3
    out = ind.funnel_limits_rate(events, baseline, per=100_000, years=years)
    assert_close(ind.funnel_axis(minimum=1, maximum=events.max()), events, rtol=0)
    average = baseline / 100_000
    for ours, theirs in FUNNEL_LEVELS:
        published_mean = ref[f"{theirs}_population_1_year"] * years * average
        assert_same_poisson_mean(out[f"{ours}_population"] * years * average,
                                 published_mean, events)  # fmt: skip
        # the published limit is consistent with its own population column
        assert_close(ref[f"{theirs}_limit"],
                     events / (ref[f"{theirs}_population_1_year"] * years) * 100_000,
                     rtol=1e-8)  # fmt: skip
        assert_close(out[ours], events / (out[f"{ours}_population"] * years) * 100_000)


def test_funnel_limits_rate_zero_events():
    out = ind.funnel_limits_rate([0, 1], baseline=100, per=100_000).iloc[0]
    assert out["lower_95"] == 0
    assert np.isnan(out["upper_95"])


def test_funnel_limits_proportion_are_clipped_and_widen():
    out = ind.funnel_limits_proportion(50, [1, 10, 100, 10_000])
    assert (out["lower_998"] <= out["lower_95"]).all()
    assert (out["upper_998"] >= out["upper_95"]).all()
    assert out["lower_998"].iloc[0] == 0 and out["upper_998"].iloc[0] == 100
    assert out["upper_95"].is_monotonic_decreasing
    with pytest.raises(ValueError, match="baseline"):
        ind.funnel_limits_proportion(150, [10])


# ---------------------------------------------------------------------------
# Input handling and edge cases
# ---------------------------------------------------------------------------


def test_rate_keeps_series_index_and_handles_missing_values():
    counts = pd.Series([0, 3, None, 12, 5], index=list("abcde"), dtype="Int64")
    population = pd.Series([1000, 1000, 1000, 1000, 0], index=list("abcde"))
    out = ind.rate(counts, population)
    assert out.index.tolist() == list("abcde")
    assert out.loc["a", "value"] == 0 and out.loc["a", "lower"] == 0
    assert_close(out.loc["a", "upper"], ind.exact_poisson_limits(0)["upper"].iloc[0] * 100)
    assert out.loc["c", ["value", "lower", "upper"]].isna().all()
    assert pd.isna(out.loc["c", "method"])
    assert out.loc["d", "method"] == "Byars"
    assert out.loc["e", ["value", "lower", "upper"]].isna().all()  # zero population


def test_rate_accepts_scalars_lists_and_na():
    single = ind.rate(3, 1000)
    assert len(single) == 1 and single["method"].iloc[0] == "Exact"
    listed = ind.rate([3, None, pd.NA], [1000, 1000, np.nan])
    assert listed["value"].isna().tolist() == [False, True, True]
    assert ind.rate(np.nan, 1000)["value"].isna().all()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: ind.rate([-1, 2], [10, 10]), "count must not be negative"),
        (lambda: ind.rate([1, 2], [10, -10]), "population must not be negative"),
        (lambda: ind.rate([1, 2, 3], [10, 10]), "different lengths"),
        (lambda: ind.rate(["a"], [10]), "count must be numeric"),
        (lambda: ind.rate(1, 10, confidence=95), "confidence"),
        (lambda: ind.rate(1, 10, confidence=1.0), "confidence"),
        (lambda: ind.proportion([5], [4]), "numerator must not exceed denominator"),
        (lambda: ind.proportion([-1], [4]), "numerator must not be negative"),
        (lambda: ind.wilson_limits([1], [-4]), "denominator must not be negative"),
        (lambda: ind.byars_limits([-3]), "count must not be negative"),
    ],
)
def test_invalid_inputs_raise_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_mismatched_series_indexes_are_refused():
    with pytest.raises(ValueError, match="different indexes"):
        ind.rate(pd.Series([1, 2], index=[0, 1]), pd.Series([10, 10], index=[5, 6]))


def test_proportion_missing_and_zero_denominator_give_nan():
    out = ind.proportion([1, None, 0], [None, 10, 0])
    assert out[["value", "lower", "upper"]].isna().all().all()
    assert (out["method"] == "Wilson").all()


def test_proportion_of_zero_and_of_all():
    out = ind.proportion([0, 10], [10, 10])
    assert out["lower"].iloc[0] == 0 and out["value"].iloc[0] == 0
    assert_close(out["upper"].iloc[1], 100)


# ---------------------------------------------------------------------------
# Benchmarking against a comparator
# ---------------------------------------------------------------------------


def test_compare_codes_and_judgements():
    frame = pd.DataFrame(
        {"lower": [1.0, 4.0, 6.0, np.nan, 5.0], "upper": [3.0, 6.0, 8.0, 2.0, 7.0]},
        index=list("abcde"),
    )
    plain = ind.compare(frame, comparator=5.0)
    assert isinstance(plain, pd.Series)
    assert plain.index.tolist() == list("abcde")
    assert plain.tolist() == ["lower", "similar", "higher", "not compared", "similar"]

    low_good = ind.compare(frame, comparator=5.0, polarity="low_is_good")
    assert low_good["judgement"].tolist() == [
        "better", "similar", "worse", "not compared", "similar",
    ]  # fmt: skip
    high_good = ind.compare(frame["lower"], frame["upper"], 5.0, polarity="high_is_good")
    assert high_good["judgement"].tolist() == [
        "worse", "similar", "better", "not compared", "similar",
    ]  # fmt: skip


def test_compare_per_row_comparator_and_polarity():
    out = ind.compare([1, 1, 1], [2, 2, 2], [3, np.nan, 0],
                      polarity=["high_is_good", "low_is_good", None])  # fmt: skip
    assert out["comparison"].tolist() == ["lower", "not compared", "higher"]
    assert out["judgement"].tolist() == ["worse", "not compared", "not judged"]
    with pytest.raises(ValueError, match="polarity"):
        ind.compare([1], [2], [3], polarity="up")


def test_swedish_labels_cover_every_code():
    codes = {"similar", "higher", "lower", "better", "worse", "not compared", "not judged"}
    assert set(ind.SWEDISH_LABELS) == codes
    assert ind.SWEDISH_LABELS["similar"] == "ingen säker skillnad"  # never "likvärdigt"
    assert ind.SWEDISH_LABELS["not compared"] == "ej jämfört"


# ---------------------------------------------------------------------------
# Rolling rates
# ---------------------------------------------------------------------------


def test_rolling_rate_sums_three_consecutive_years():
    df = pd.DataFrame(
        {
            "kommun": ["A"] * 5 + ["B"] * 4,
            "year": [2018, 2019, 2020, 2021, 2022, 2018, 2019, 2021, 2022],
            "count": [5, 6, 7, 8, None, 1, 2, 3, 4],
            "population": [1000, 1100, 1200, 1300, 1400, 500, 500, 500, 500],
        }
    )
    out = ind.rolling_rate(df.sample(frac=1, random_state=1), by="kommun")
    a = out[out["kommun"] == "A"].set_index("year_to")
    assert a.loc[2020, "year_from"] == 2018
    assert a.loc[2020, "count"] == 18 and a.loc[2020, "population"] == 3300
    assert_close(a.loc[2021, "value"], 21 / 3600 * 100_000)
    assert a.loc[2021, "method"] == "Byars"
    assert np.isnan(a.loc[2018, "value"]) and np.isnan(a.loc[2019, "value"])
    assert a.loc[2022, ["count", "population", "value"]].isna().all()  # missing count
    b = out[out["kommun"] == "B"].set_index("year_to")
    assert b["value"].isna().all()  # 2020 is missing, so no complete window
    assert len(out) == len(df)


def test_rolling_rate_without_groups_and_window_one_equals_rate():
    df = pd.DataFrame({"year": [2020, 2021, 2022], "n": [3, 30, 300], "pop": [1e4, 1e4, 1e4]})
    out = ind.rolling_rate(df, count="n", population="pop", window=1)
    expected = ind.rate(df["n"], df["pop"])
    assert_close(out["value"], expected["value"])
    assert out["method"].tolist() == expected["method"].tolist()


def test_rolling_rate_rejects_duplicate_years():
    df = pd.DataFrame({"year": [2020, 2020], "count": [1, 2], "population": [10, 10]})
    with pytest.raises(ValueError, match="more than one row"):
        ind.rolling_rate(df)


# ---------------------------------------------------------------------------
# Trend test and segmented regression
# ---------------------------------------------------------------------------


def test_trend_test_recovers_an_exact_exponential_trend():
    """Counts exactly equal to pop * exp(a + b*t): the estimate must be exp(b)."""
    years = np.arange(2010, 2020)
    population = np.linspace(20_000, 30_000, 10)
    counts = population * 0.002 * np.exp(0.07 * (years - 2010))
    with warnings.catch_warnings():
        # statsmodels flags the perfect fit (and the quasi-Poisson scale is then 0)
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        result = ind.trend_test(years, counts, population)
    assert_close(result.rate_ratio, np.exp(0.07), rtol=1e-8)


def test_trend_test_solves_the_poisson_score_equations():
    """Hand check: at the estimate, fitted counts match observed in total and by year."""
    rng = np.random.default_rng(20240101)
    years = np.arange(2012, 2024)
    population = rng.integers(5_000, 50_000, size=years.size).astype(float)
    counts = rng.poisson(population * 0.003)
    result = ind.trend_test(years, counts, population)
    # recover the intercept from the first score equation, then check the second
    slope = np.log(result.rate_ratio)
    centred = years - years.mean()
    shape = population * np.exp(slope * centred)
    fitted = shape * counts.sum() / shape.sum()
    assert_close((centred * fitted).sum(), (centred * counts).sum(), rtol=1e-6, atol=1e-6)


def test_trend_test_detects_strong_trend_and_not_flat_series():
    rng = np.random.default_rng(7)
    years = np.arange(2010, 2022)
    population = np.full(years.size, 40_000.0)
    rising = rng.poisson(population * 0.002 * 1.10 ** (years - 2010))
    flat = rng.poisson(population * 0.002, size=years.size)
    up = ind.trend_test(years, rising, population)
    assert up.significant and up.agree
    assert up.lower > 1 and up.lower < 1.10 < up.upper
    level = ind.trend_test(years, flat, population)
    assert not level.significant
    assert level.lower < 1 < level.upper
    assert set(level.to_dict()) >= {"rate_ratio", "p_value", "p_value_quasi", "dispersion"}


def test_trend_test_needs_five_points_and_drops_missing():
    with pytest.raises(ValueError, match="at least 5"):
        ind.trend_test([2020, 2021, 2022, 2023], [1, 2, 3, 4], [100] * 4)
    with pytest.raises(ValueError, match="at least 5"):
        ind.trend_test(range(2019, 2024), [1, 2, None, 4, 5], [100] * 5)
    result = ind.trend_test(range(2017, 2024), [10, 12, None, 14, 15, 17, 19], [1000] * 7)
    assert result.n_points == 6
    with pytest.raises(ValueError, match="all counts are zero"):
        ind.trend_test(range(2018, 2024), [0] * 6, [100] * 6)


def test_segmented_regression_finds_a_known_step():
    rng = np.random.default_rng(42)
    years = np.arange(2008, 2024)
    population = np.full(years.size, 60_000.0)
    after = years >= 2016
    expected = population * 0.003 * np.where(after, 1.5, 1.0)
    df = pd.DataFrame({"year": years, "count": rng.poisson(expected), "population": population})
    result = ind.segmented_regression(df, intervention_year=2016)
    table = result.coefficients
    assert list(table.index) == ["trend_before", "level_change", "trend_change", "trend_after"]
    step = table.loc["level_change"]
    assert step["lower"] > 1 and step["lower"] < 1.5 < step["upper"]
    assert step["p_value"] < 0.05 and step["p_value_quasi"] < 0.05
    change = table.loc["trend_change"]
    assert change["lower"] < 1 < change["upper"]
    assert (result.n_before, result.n_after) == (8, 8)
    assert_close(
        table.loc["trend_after", "rate_ratio"],
        table.loc["trend_before", "rate_ratio"] * table.loc["trend_change", "rate_ratio"],
    )


def test_segmented_regression_needs_points_on_both_sides():
    counts = [5, 7, 4, 6, 9, 8, 11]
    df = pd.DataFrame({"year": range(2015, 2022), "count": counts, "population": [1e4] * 7})
    with pytest.raises(ValueError, match="at least 3 years before"):
        ind.segmented_regression(df, intervention_year=2017)
    with pytest.raises(ValueError, match="at least 3 years before"):
        ind.segmented_regression(df, intervention_year=2021)
    ind.segmented_regression(df, intervention_year=2020)  # 5 before, 2 after: allowed


# ---------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------

counts = st.integers(min_value=0, max_value=100_000)
populations = st.floats(min_value=1, max_value=1e8, allow_nan=False)
confidences = st.sampled_from([0.8, 0.9, 0.95, 0.99, 0.998])


@settings(max_examples=200, deadline=None)
@given(count=counts, population=populations, confidence=confidences)
def test_rate_limits_surround_value(count, population, confidence):
    out = ind.rate(count, population, confidence=confidence).iloc[0]
    assert 0 <= out["lower"] <= out["value"] <= out["upper"]


@settings(max_examples=200, deadline=None)
@given(count=counts, population=populations)
def test_rate_limits_widen_with_confidence(count, population):
    narrow = ind.rate(count, population, confidence=0.95).iloc[0]
    wide = ind.rate(count, population, confidence=0.998).iloc[0]
    assert wide["lower"] <= narrow["lower"] and wide["upper"] > narrow["upper"]


@settings(max_examples=200, deadline=None)
@given(
    data=st.integers(min_value=1, max_value=100_000).flatmap(
        lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
    ),
    confidence=confidences,
)
def test_proportion_limits_surround_value_and_widen(data, confidence):
    x, n = data
    out = ind.proportion(x, n, confidence=confidence).iloc[0]
    assert 0 <= out["lower"] <= out["value"] <= out["upper"] <= 100 + 1e-9
    wide = ind.proportion(x, n, confidence=0.999).iloc[0]
    assert wide["lower"] <= out["lower"] + 1e-12 and wide["upper"] >= out["upper"] - 1e-12


@settings(max_examples=50, deadline=None)
@given(
    rows=st.lists(st.tuples(counts, populations), min_size=1, max_size=30),
    confidence=confidences,
)
def test_vectorised_rate_equals_scalar_calls(rows, confidence):
    x = [r[0] for r in rows]
    n = [r[1] for r in rows]
    together = ind.rate(x, n, confidence=confidence)
    one_by_one = pd.concat(
        [ind.rate(xi, ni, confidence=confidence) for xi, ni in rows], ignore_index=True
    )
    pd.testing.assert_frame_equal(together, one_by_one)


@settings(max_examples=100, deadline=None)
@given(count=st.integers(min_value=10, max_value=10_000), population=populations)
def test_single_band_dsr_equals_byars_rate(count, population):
    """With one age band the Dobson limits reduce to Byar's limits of the crude rate."""
    standardised = ind.dsr([count], [population], [1000]).iloc[0]
    crude = ind.rate(count, population).iloc[0]
    assert_close(standardised["value"], crude["value"], rtol=1e-9)
    assert_close(standardised["lower"], crude["lower"], rtol=1e-9)
    assert_close(standardised["upper"], crude["upper"], rtol=1e-9)


@settings(max_examples=100, deadline=None)
@given(count=st.integers(min_value=200, max_value=1_000_000))
def test_byars_close_to_exact_for_large_counts(count):
    byars = ind.byars_limits(count).iloc[0]
    exact = ind.exact_poisson_limits(count).iloc[0]
    assert_close(byars["lower"], exact["lower"], rtol=1e-3)
    assert_close(byars["upper"], exact["upper"], rtol=1e-3)


@settings(max_examples=100, deadline=None)
@given(
    lower=st.floats(min_value=0, max_value=1e4),
    width=st.floats(min_value=0, max_value=1e4),
    comparator=st.floats(min_value=0, max_value=2e4),
)
def test_compare_is_consistent_with_the_interval(lower, width, comparator):
    upper = lower + width
    code = ind.compare([lower], [upper], [comparator]).iloc[0]
    if lower <= comparator <= upper:
        assert code == "similar"
    else:
        assert code == ("higher" if comparator < lower else "lower")
