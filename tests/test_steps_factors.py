"""Step 3: comparison with the comparator, priority scoring, priorities, share at risk."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vpanalysis.steps import factors as fx


def catalogue(*rows: tuple) -> pd.DataFrame:
    """(factor_id, type, evidence, changeability, n_forms) -> a factor table as loaded."""
    frame = pd.DataFrame(
        rows, columns=["factor_id", "type", "evidence", "changeability", "n_forms"]
    )
    frame["name"] = "Faktor " + frame["factor_id"]
    frame["level"] = "individ"
    frame["indicator"] = "skolenkat:item_" + frame["factor_id"].str.lower()
    frame["indicator_polarity"] = frame["type"].map(
        {"risk": "higher_worse", "skydd": "higher_better"}
    )
    return frame


# ---------------------------------------------------------------- comparison


def test_interval_overlapping_comparator_is_similar():
    assert fx.compare(10, 20, 15) == "similar"
    assert fx.compare(10, 20, 10) == "similar"  # boundary counts as inside
    assert fx.compare(10, 20, 20) == "similar"
    assert fx.compare(10, 20, 9.9) == "higher"
    assert fx.compare(10, 20, 20.1) == "lower"
    assert fx.compare(np.nan, 20, 5) == "no data"


def test_judgement_uses_polarity():
    assert fx.judgement(12, 18, 10, "higher_worse") == "worse"
    assert fx.judgement(12, 18, 10, "higher_better") == "better"
    assert fx.judgement(2, 8, 10, "higher_better") == "worse"
    assert fx.judgement(2, 8, 5, "higher_better") == "similar"
    got = fx.judgement(
        [12, 2, 2],
        [18, 8, 8],
        [10, 10, 5],
        ["higher_worse", "higher_worse", "higher_better"],
    )
    assert list(got) == ["worse", "better", "similar"]
    with pytest.raises(ValueError):
        fx.judgement(1, 2, 3, "up")


# ---------------------------------------------------------------- scoring


def test_overlapping_interval_not_flagged_and_difference_counts_only_when_worse():
    factors = catalogue(
        ("A", "risk", 3, 3, 7),
        ("B", "risk", 3, 3, 7),
        ("C", "skydd", 3, 3, 7),
        ("D", "risk", 3, 3, 7),
    )
    local = pd.DataFrame(
        {
            "factor_id": ["A", "B", "C", "D"],
            "value": [15.0, 12.0, 60.0, 8.0],
            "lower": [13.0, 9.0, 55.0, 6.0],
            "upper": [17.0, 15.0, 65.0, 9.5],
            "comparator": [10.0, 10.0, 80.0, 10.0],
        }
    )
    scored = fx.score_factors(factors, local).set_index("factor_id")
    assert scored.loc["A", "judgement"] == "worse" and scored.loc["A", "flagged"]
    assert scored.loc["A", "c_difference"] == pytest.approx(1.0)  # 50 % worse = cap
    assert scored.loc["B", "judgement"] == "similar" and not scored.loc["B", "flagged"]
    assert scored.loc["B", "c_difference"] == 0
    assert scored.loc["C", "judgement"] == "worse"  # protective factor below comparator
    assert scored.loc["C", "c_difference"] == pytest.approx((20 / 80) / 0.5)
    assert scored.loc["D", "judgement"] == "better" and scored.loc["D", "c_difference"] == 0
    assert list(scored.sort_values("rank").index[:2]) == ["A", "C"]


def test_score_formula_by_hand():
    factors = catalogue(("A", "risk", 2, 1, 3))
    local = pd.DataFrame(
        {
            "factor_id": ["A"],
            "value": [12.0],
            "lower": [11.0],
            "upper": [13.0],
            "comparator": [10.0],
        }
    )
    row = fx.score_factors(factors, local).iloc[0]
    components = {
        "difference": 0.2 / 0.5,
        "evidence": 2 / 3,
        "changeability": 1 / 3,
        "shared": 3 / 7,
    }
    for key, value in components.items():
        assert row[f"c_{key}"] == pytest.approx(value)
    w = fx.DEFAULT_WEIGHTS
    expected = sum(w[k] * components[k] for k in components) / sum(w.values())
    assert row["score"] == pytest.approx(expected)
    assert 0 <= row["score"] <= 1 and row["rank"] == 1


def test_weights_change_ranking_predictably():
    # E: strong evidence, hard to change; C: weak evidence, easy to change
    factors = catalogue(("E", "risk", 3, 1, 2), ("C", "risk", 1, 3, 2))
    by_evidence = fx.score_factors(factors, weights={"evidence": 1, "changeability": 0})
    assert list(by_evidence["factor_id"]) == ["E", "C"]
    by_change = fx.score_factors(factors, weights={"evidence": 0, "changeability": 1})
    assert list(by_change["factor_id"]) == ["C", "E"]
    tie = fx.score_factors(factors, weights={"evidence": 1, "changeability": 1})
    assert tie["score"].iloc[0] == pytest.approx(tie["score"].iloc[1])
    assert list(tie["factor_id"]) == ["C", "E"]  # ties broken by id


def test_flagged_factor_outranks_equal_unflagged_one():
    factors = catalogue(("A", "risk", 2, 2, 2), ("B", "risk", 2, 2, 2))
    local = pd.DataFrame({"factor_id": ["B"], "judgement": ["sämre"]})
    scored = fx.score_factors(factors, local)
    assert list(scored["factor_id"]) == ["B", "A"]
    assert scored.iloc[0]["c_difference"] == 1.0  # worse without values
    assert scored.iloc[1]["judgement"] == "no data"


def test_given_judgement_overrides_computed_one():
    factors = catalogue(("A", "risk", 2, 2, 2))
    local = pd.DataFrame(
        {
            "factor_id": ["A"],
            "value": [15.0],
            "lower": [13.0],
            "upper": [17.0],
            "comparator": [10.0],
            "judgement": ["similar"],
        }
    )
    assert fx.score_factors(factors, local).iloc[0]["flagged"] == False  # noqa: E712


def test_score_input_errors():
    factors = catalogue(("A", "risk", 2, 2, 2))
    with pytest.raises(ValueError, match="unknown score component"):
        fx.score_factors(factors, weights={"cost": 1})
    with pytest.raises(ValueError, match="not in the catalogue"):
        fx.score_factors(factors, pd.DataFrame({"factor_id": ["Z"], "judgement": ["worse"]}))
    with pytest.raises(ValueError, match="judgement"):
        fx.score_factors(factors, pd.DataFrame({"factor_id": ["A"], "judgement": ["awful"]}))
    with pytest.raises(ValueError, match="positive"):
        fx.score_factors(factors, weights=dict.fromkeys(fx.COMPONENTS, 0))


# ---------------------------------------------------------------- priorities


def scored_with_flags(flags: list[bool], types: list[str] | None = None) -> pd.DataFrame:
    n = len(flags)
    return pd.DataFrame(
        {
            "factor_id": [f"F{i}" for i in range(n)],
            "type": types or ["risk"] * n,
            "score": np.linspace(0.9, 0.1, n),
            "flagged": flags,
            "rank": range(1, n + 1),
        }
    )


def test_priorities_take_flagged_first_up_to_five():
    many = fx.select_priorities(scored_with_flags([False, True] * 6))
    assert len(many) == 5 and many["flagged"].all()
    assert list(many["priority"]) == [1, 2, 3, 4, 5]
    three = fx.select_priorities(scored_with_flags([False, True, True, False, True, False]))
    assert list(three["factor_id"]) == ["F1", "F2", "F4"]


def test_priorities_fill_up_to_two_and_mark_unflagged():
    none = fx.select_priorities(scored_with_flags([False] * 4))
    assert list(none["factor_id"]) == ["F0", "F1"]
    assert set(none["basis"]) == {"not flagged"}
    assert set(none["basis_label"]) == {"ej flaggad – vald på poäng"}
    one = fx.select_priorities(scored_with_flags([False, False, True], ["risk", "risk", "skydd"]))
    assert list(one["factor_id"]) == ["F2", "F0"]
    assert list(one["basis_label"]) == ["försvagat skydd", "ej flaggad – vald på poäng"]


# ---------------------------------------------------------------- share at risk


@pytest.fixture
def survey() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region_code": ["2161"] * 5 + ["2183"] * 5,
            "binary": pd.array([1, 0, 1, None, 0, 0, 0, 1, 0, 0], dtype="Int64"),
            "likert": pd.array([5, 4, 2, 1, None, 1, 2, 3, 4, 5], dtype="Int64"),
        }
    )


def test_share_at_risk_binary_by_group(survey):
    out = fx.share_at_risk(survey, "binary", by="region_code")
    assert list(out["region_code"]) == ["2161", "2183"]
    assert list(out["numerator"]) == [2, 1]
    assert list(out["denominator"]) == [4, 5]  # missing answer left out
    assert out["cutoff"].iloc[0] == "= 1" and pd.isna(out["threshold"].iloc[0])


def test_share_at_risk_needs_cutoff_for_non_binary_items(survey):
    with pytest.raises(ValueError, match="0/1"):
        fx.share_at_risk(survey, "likert")
    with pytest.raises(KeyError):
        fx.share_at_risk(survey, "nope")


def test_share_at_risk_fixed_cutoffs(survey):
    above = fx.share_at_risk(survey, "likert", 3)
    assert (above["numerator"].iloc[0], above["denominator"].iloc[0]) == (4, 9)
    at_least = fx.share_at_risk(survey, "likert", ">= 4", by=["region_code"])
    assert list(at_least["numerator"]) == [2, 2]
    below = fx.share_at_risk(survey, "likert", "< 2")
    assert below["numerator"].iloc[0] == 2


def test_share_at_risk_reference_percentile(survey):
    # reference group 2183 answers 1..5: 75th percentile = 4, at risk = answer > 4
    reference = survey["region_code"] == "2183"
    out = fx.share_at_risk(survey, "likert", "p75", by="region_code", reference=reference)
    assert out["threshold"].iloc[0] == pytest.approx(4.0)
    assert list(out["numerator"]) == [1, 1] and list(out["denominator"]) == [4, 5]
    same = fx.share_at_risk(survey, "likert", "p75", reference=survey[reference])
    assert same["threshold"].iloc[0] == pytest.approx(4.0)
    low = fx.share_at_risk(survey, "likert", "<= p25", reference=reference)
    assert low["threshold"].iloc[0] == pytest.approx(2.0) and low["numerator"].iloc[0] == 4


def test_survey_factor_table_with_stub_interval(survey):
    factors = catalogue(("A", "risk", 2, 2, 2), ("B", "risk", 2, 2, 2), ("C", "risk", 2, 2, 2))
    factors["indicator"] = ["skolenkat:binary", "skolenkat:likert", "kolada:N07403"]
    factors["indicator_cutoff"] = [None, ">= 4", None]

    def stub(numerator, denominator, per=100):
        value = numerator / denominator * per
        return pd.DataFrame({"value": value, "lower": value - 1, "upper": value + 1, "method": "x"})

    out = fx.survey_factor_table(survey, factors, "2161", comparator=["2183"], interval=stub)
    assert list(out["factor_id"]) == ["A", "B"]  # no survey item for C
    a = out.iloc[0]
    assert (a["numerator"], a["denominator"], a["value"]) == (2, 4, 50.0)
    assert a["comparator"] == pytest.approx(20.0)
    b = out.iloc[1]
    assert (b["numerator"], b["denominator"], b["comparator"]) == (2, 4, 40.0)
    scored = fx.score_factors(factors, out).set_index("factor_id")
    assert scored.loc["A", "judgement"] == "worse"
    assert scored.loc["C", "judgement"] == "no data"


def test_survey_factor_table_with_the_library_wilson_interval(survey):
    pytest.importorskip("vpanalysis.indicators")
    factors = catalogue(("A", "risk", 2, 2, 2))
    factors["indicator"] = ["skolenkat:binary"]
    out = fx.survey_factor_table(survey, factors, "2161", comparator=["2183"])
    row = out.iloc[0]
    assert row["value"] == pytest.approx(50.0)
    assert row["lower"] < 50 < row["upper"] < 100
