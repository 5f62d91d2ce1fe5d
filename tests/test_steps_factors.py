"""Step 3: comparison with the comparator, priority scoring, priorities, share at risk."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vpanalysis import context, verdicts
from vpanalysis.indicators import proportion
from vpanalysis.presentation import factors as pf
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
    none = pf.label(fx.select_priorities(scored_with_flags([False] * 4)))
    assert list(none["factor_id"]) == ["F0", "F1"]
    assert set(none["basis"]) == {"not flagged"}
    assert set(none["basis_label"]) == {"ej flaggad – vald på poäng"}
    one = pf.label(
        fx.select_priorities(scored_with_flags([False, False, True], ["risk", "risk", "skydd"]))
    )
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


# ---------------------------------------------------------------- analysis of a municipality


def small_survey() -> pd.DataFrame:
    """Ljusdal, Bollnäs, Sandviken: item ``bin`` (0/1) and ``lik`` (1-4)."""
    rows = []
    spec = {  # region: (n, n with bin=1, n with lik>=3) in 2024
        "2161": (100, 40, 60),
        "2183": (100, 20, 30),
        "2181": (100, 20, 30),
    }
    for region, (n, n_bin, n_lik) in spec.items():
        for i in range(n):
            rows.append(
                {
                    "region_code": region,
                    "year": 2024,
                    "bin": int(i < n_bin),
                    "lik": 4 if i < n_lik else 1,
                }
            )
    rows.append({"region_code": "2161", "year": 2022, "bin": 0, "lik": 1})
    rows.append({"region_code": "2161", "year": 2030, "bin": 0, "lik": 1})
    return pd.DataFrame(rows).astype({"bin": "Int64", "lik": "Int64"})


def small_catalogue() -> pd.DataFrame:
    frame = catalogue(("F1", "risk", 3, 3, 7), ("F2", "skydd", 2, 2, 3), ("F3", "risk", 1, 1, 1))
    frame["indicator"] = ["skolenkat:bin", "skolenkat:lik", None]
    frame["indicator_cutoff"] = [None, None, None]
    return frame


CODEBOOK = pd.DataFrame(
    {
        "item": ["bin", "lik"],
        "question": ["Fråga ett?", "Fråga två?"],
        "codes": ["0=Nej|1=Ja", "1=Aldrig|2=Sällan|3=Ofta|4=Alltid|9=Vet inte"],
        "missing_codes": ["", "9"],
        "cutoff": ["", ">= 3"],
    }
)


def test_codebook_cutoffs_and_factor_cutoff_fallback():
    cutoffs = fx.codebook_cutoffs(CODEBOOK)
    assert cutoffs == {"lik": ">= 3"}
    assert fx.factor_cutoff({"indicator_cutoff": None}, "lik", cutoffs) == ">= 3"
    assert fx.factor_cutoff({"indicator_cutoff": "> 1"}, "lik", cutoffs) == "> 1"
    assert fx.factor_cutoff({"indicator_cutoff": np.nan}, "bin", cutoffs) is None


def test_latest_survey_year_stays_within_years():
    survey = small_survey()
    assert fx.latest_survey_year(survey, "2161", [2015, 2024]) == 2024
    assert fx.latest_survey_year(survey, "2161", [2015, 2023]) == 2022
    assert fx.latest_survey_year(survey, "Z", [2015, 2024]) is None


def test_survey_indicators_compare_with_the_other_municipalities():
    out = pf.label(
        fx.survey_indicators(
            small_survey(),
            small_catalogue(),
            "2161",
            ["2161", "2183", "2181"],
            [2015, 2024],
            CODEBOOK,
        )
    ).set_index("factor_id")
    assert list(out.index) == ["F1", "F2"]  # F3 has no indicator
    assert out.loc["F1", "value"] == pytest.approx(40.0)
    assert out.loc["F1", "comparator"] == pytest.approx(20.0)  # B and C, not A itself
    assert out.loc["F2", "cutoff"] == ">= 3"  # from the codebook
    assert out.loc["F2", "value"] == pytest.approx(60.0)
    assert (out.loc["F1", "range_low"], out.loc["F1", "range_high"]) == (20.0, 40.0)
    assert out.loc["F1", "question"] == "Fråga ett?"
    assert out.loc["F1", "year"] == 2024 and out.loc["F1", "denominator"] == 100
    assert out.loc["F1", "comparator_label"].endswith("(Bollnäs, Sandviken)")
    empty = fx.survey_indicators(small_survey(), small_catalogue(), "2180", ["2161"], [2015, 2024])
    assert empty.empty and "value" in empty.columns


def test_kolada_indicators_interval_from_population_and_comparators():
    kolada = pd.DataFrame(
        {
            "kpi": ["N02904"] * 6 + ["X1"] * 2,
            "region_code": ["2161", "0021", "0000", "2180", "2161", "0000", "2161", "0000"],
            "year": [2023, 2023, 2023, 2023, 2024, 2024, 2023, 2023],
            "sex": ["T"] * 8,
            "value": [11.0, 11.1, 10.5, 8.0, 12.0, None, 5.0, 4.0],
        }
    ).astype({"value": "Float64"})
    population = pd.DataFrame(
        {"region_code": "2161", "year": 2023, "sex": "K", "age": range(20), "population": 100}
    )
    out = fx.kolada_indicators(kolada, ["N02904", "X1"], "2161", [2015, 2024], population)
    out = out.set_index("kpi")
    row = out.loc["N02904"]
    assert row["year"] == 2023  # 2024 lacks Sweden's value
    assert row["denominator"] == 2000
    assert row["lower"] < 11.0 < row["upper"]
    assert (row["county_value"], row["sweden_value"], row["comparator"]) == (11.1, 10.5, 10.5)
    assert (row["range_low"], row["range_high"]) == (8.0, 11.0)  # county municipalities
    assert pd.isna(out.loc["X1", "lower"])  # no known denominator: no interval


def test_answer_text():
    assert pf.answer_text("0=Nej|1=Ja", "= 1") == "Ja"
    assert pf.answer_text("0=Nej|1=Ja, ibland", None) == "Ja, ibland"
    codes = "1=Aldrig|2=Sällan|3=Ofta|4=Alltid|9=Vet inte"
    assert pf.answer_text(codes, ">= 3", "9") == "Ofta eller Alltid"
    assert pf.answer_text(codes, "< 2") == "Aldrig"
    assert "75" in pf.answer_text(codes, "p75")


def analysis_of(survey=None, codebook=CODEBOOK) -> fx.FactorAnalysis:
    factors = small_catalogue()
    ind = fx.survey_indicators(
        small_survey() if survey is None else survey,
        factors,
        "2161",
        ["2161", "2183", "2181"],
        [2015, 2024],
        codebook,
    )
    scored = fx.score_factors(factors, ind[["factor_id", "value", "lower", "upper", "comparator"]])
    return fx.FactorAnalysis("2161", factors, ind, scored, fx.select_priorities(scored), codebook)


def test_survey_indicator_table_shows_shares_not_counts_and_suppresses_small_ones():
    table = pf.survey_indicator_table(analysis_of(), threshold=5)
    assert "Antal svarande" in table.columns
    assert not any("numerator" in c or "Antal i" in c for c in table.columns)
    row = table.set_index("Faktor").loc["Faktor F1"]
    assert row["Andel i kommunen (%)"] == pytest.approx(40.0)
    assert row["Bedömning"] == "högre (sämre) än jämförelsen"
    assert row["Räknas"] == "Ja"
    survey = small_survey()
    survey.loc[(survey["region_code"] == "2161") & (survey["year"] == 2024), "bin"] = 0
    first = survey.index[(survey["region_code"] == "2161") & (survey["year"] == 2024)][:3]
    survey.loc[first, "bin"] = 1  # 3 pupils at risk: the share would reveal them
    small = pf.survey_indicator_table(analysis_of(survey), threshold=5).set_index("Faktor")
    assert pd.isna(small.loc["Faktor F1", "Andel i kommunen (%)"])
    assert small.loc["Faktor F1", "95 % konfidensintervall"] == ".."
    assert small.loc["Faktor F1", "Antal svarande"] == 100


def test_spine_data_and_profile_chart(monkeypatch):
    analysis = analysis_of()
    spine = pf.spine_data(analysis)
    assert list(spine.columns) == [
        "factor",
        "value",
        "comparator",
        "range_low",
        "range_high",
        "judgement",
    ]
    assert len(spine) == 2 and spine["factor"].str.endswith(("(risk)", "(skydd)")).all()
    # two factors: no chart (review 38), and the report says why instead
    assert pf.profile_chart(analysis) is None
    said = pf.profile_missing(analysis, None).data
    assert "bara 2 faktorer" in said and "från 3" in said
    monkeypatch.setattr(pf, "PROFILE_MINIMUM", 2)
    assert pf.profile_chart(analysis).get_size_inches()[0] == pf.PROFILE_WIDTH
    empty = fx.FactorAnalysis(
        "Z", analysis.catalogue, fx._empty_indicators(), analysis.scored, analysis.priorities
    )
    assert pf.spine_data(empty).empty and pf.profile_chart(empty) is None


def test_score_priority_and_weights_tables():
    analysis = analysis_of()
    scores = pf.score_table(analysis)
    assert list(scores["Rang"]) == [1, 2, 3]
    assert scores.loc[0, "Poäng"] == pytest.approx(analysis.scored.loc[0, "score"])
    assert set(scores.loc[scores["Prioriterad"] == "✓", "Faktor"]) == set(
        analysis.priorities["name"]
    )
    priorities = pf.priority_table(analysis)
    assert (
        priorities.loc[0, "Faktor"] == "Faktor F1" and priorities.loc[0, "Grund"] == "förhöjd risk"
    )
    weights = pf.weights_table(analysis)
    assert weights["Vikt (%)"].sum() == pytest.approx(100)
    assert "7 våldsformer" in weights.loc[3, "Så beräknas den (0–1)"]


def test_priority_notes_and_key_figures():
    analysis = analysis_of()
    notes = pf.priority_notes(analysis)
    assert any("Bara 1 faktor" in n for n in notes)
    assert any("Faktor F3" in n for n in notes)  # the factor without an indicator
    figures = dict((label, value) for label, value in pf.key_figures(analysis))
    assert figures["med lokal indikator"] == "2"
    assert figures["sämre än jämförelsen (säker skillnad)"] == "1"
    none = fx.FactorAnalysis(
        "Z", analysis.catalogue, fx._empty_indicators(),
        fx.score_factors(analysis.catalogue), analysis.priorities,
    )  # fmt: skip
    assert "inga lokala indikatorer" in pf.priority_notes(none)[0]


def test_catalogue_and_level_overview_tables():
    factors = small_catalogue()
    factors.loc[1, "level"] = "samhälle"
    table = pf.catalogue_table(factors)
    assert list(table["Nivå"]) == ["Individ", "Individ", "Samhälle"]
    assert list(table["Lokal indikator"]) == ["Skolenkät", "Ingen lokal indikator", "Skolenkät"]
    overview = pf.level_overview(factors).set_index("Nivå")
    assert list(overview.index) == ["Individ", "Relation", "Närmiljö", "Samhälle"]
    assert overview.loc["Individ", "Riskfaktorer"] == 2
    assert overview.loc["Samhälle", "Skyddsfaktorer"] == 1


def test_analyse_on_the_example_data(built_data):
    ctx = context.load("2161", ["2161", "2183", "2181"], [2015, 2024], built_data)
    regs = ctx.registers
    analysis = fx.analyse(regs.factors, ctx.tables, "2161", ["2161", "2183", "2181"], [2015, 2024])
    assert 2 <= len(analysis.priorities) <= 5
    assert set(analysis.indicators["source"]) == {"skolenkat", "kolada"}
    assert analysis.indicators["factor_id"].is_unique
    stockholm = fx.analyse(regs.factors, ctx.tables, "0180", ["2161", "2183", "2181"], [2015, 2024])
    assert stockholm.indicators.empty and len(stockholm.priorities) == 2


def test_priority_table_and_profile_never_show_a_withheld_share(built_data):
    """A share resting on 3 of 299 pupils is withheld everywhere, not only in the survey
    table (else 299 × share would give back the 3 pupils)."""
    import dataclasses

    ctx = context.load("2161", ["2161", "2183", "2181"], [2015, 2024], built_data)
    analysis = fx.analyse(
        ctx.registers.factors, ctx.tables, "2161", ["2161", "2183", "2181"], [2015, 2024]
    )
    chosen = analysis.priorities["factor_id"].iloc[0]
    ind = analysis.indicators.copy()
    row = (ind["factor_id"] == chosen) & (ind["source"] == "skolenkat")
    assert row.any()
    ind.loc[row, ["numerator", "denominator"]] = [3, 299]
    ind.loc[row, ["value", "lower", "upper"]] = [100 * 3 / 299, 0.3, 2.9]
    leaky = dataclasses.replace(analysis, indicators=ind)
    shown = pf.priority_table(leaky, 5).set_index("Faktor")
    name = analysis.priorities.set_index("factor_id").loc[chosen, "name"]
    assert shown.loc[name, "Kommunen"] == ".."  # withheld, not absent
    assert pf.spine_data(leaky, 5)["factor"].str.startswith(name[:10]).sum() == 0
    survey = pf.survey_indicator_table(leaky, 5)
    assert not survey.astype(str).apply(lambda c: c.str.contains("1,0")).any().any()
    # with the example data's own counts the value is shown
    assert shown.shape[0] == pf.priority_table(analysis, 5).shape[0]
    assert pf.priority_table(analysis, 5)["Kommunen"].notna().iloc[0]


# ---------------------------------------------------------------- from the publication's cells


def survey_cells(survey, codebook, regions, pools=(), withheld=()) -> pd.DataFrame:
    """A publication's cells (sex T, grade alla) computed from ``survey`` by the codebook's
    cutoffs; ``withheld`` lists (item, region, answer) cells to withhold."""
    cutoffs = fx.codebook_cutoffs(codebook)
    rows = []
    groups = [(r, [r]) for r in regions] + [(fx.pool_key(p), list(p)) for p in pools]
    for item in codebook["item"]:
        for region, members in groups:
            part = survey[survey["region_code"].isin(members)]
            for year, wave in part.groupby("year"):
                got = fx.share_at_risk(wave, item, cutoffs.get(item))
                for answer, column in (("yes", "numerator"), ("answered", "denominator")):
                    hidden = (item, region, answer) in withheld
                    rows.append(
                        {"source": "skolenkat", "measure": item, "parent": "", "region": region,
                         "year": int(year), "sex": "T", "age": "alla", "grade": "alla",
                         "answer": answer, "withheld": hidden,
                         "value": None if hidden else float(got[column].iloc[0])}
                    )  # fmt: skip
    return pd.DataFrame(rows).astype({"value": "Float64", "year": "int64"})


REGIONS = ["2161", "2183", "2181"]


def published_analysis(withheld=()) -> fx.FactorAnalysis:
    cells = survey_cells(
        small_survey(), CODEBOOK, REGIONS, pools=[("2183", "2181")], withheld=withheld
    )
    tables = fx.Tables(codebook=CODEBOOK)
    return fx.analyse(small_catalogue(), tables, "2161", REGIONS, [2015, 2024], cells=cells)


def test_analysis_from_published_cells_matches_the_data():
    published = published_analysis()
    assert published.published
    raw = analysis_of().indicators.set_index("factor_id")
    ind = published.indicators.set_index("factor_id")
    for column in ("value", "lower", "upper", "comparator", "range_low", "range_high"):
        assert ind.loc["F1", column] == pytest.approx(raw.loc["F1", column])
    assert ind.loc["F2", "cutoff"] == ">= 3"
    scored = published.scored.set_index("factor_id")
    assert scored.loc["F1", "judgement"] == "worse"
    shares = published.shares
    assert set(shares["region"]) == {"2161", "2183", "2181", "pool:2181+2183"}


def test_a_withheld_share_gets_no_judgement_and_no_difference():
    cells = [("bin", "2161", "yes"), ("bin", "2161", "answered"), ("bin", "pool:2181+2183", "yes")]
    for cell in cells:
        analysis = published_analysis(withheld=[cell])
        scored = analysis.scored.set_index("factor_id")
        assert scored.loc["F1", "judgement"] == "no data", cell
        assert scored.loc["F1", "c_difference"] == 0 and not scored.loc["F1", "flagged"]
        table = pf.survey_indicator_table(analysis).set_index("Faktor")
        assert table.loc["Faktor F1", "Bedömning"] == "uppgift saknas"
        marks = pf.survey_indicator_marks(analysis)
        assert marks.shape[0] == table.shape[0]
        kinds = [c["kind"] for c in marks.iloc[0]["Andel i kommunen (%)"]]
        comp = [c["kind"] for c in marks.iloc[0]["Jämförelse (%)"]]
        assert "withheld" in kinds + comp
        priorities = pf.priority_table(analysis).set_index("Faktor")
        assert priorities.loc["Faktor F1", "Grund"] == "ej flaggad – vald på poäng"


def test_marks_list_the_shown_share_its_interval_and_denominator():
    analysis = published_analysis()
    marks = pf.survey_indicator_marks(analysis)
    share = marks.iloc[0]["Andel i kommunen (%)"]
    assert [c["kind"] for c in share] == ["share", "lower", "upper", "denominator"]
    assert share[0]["value"] == "40" and share[3]["value"] == "100"
    assert share[0]["answer"] == "yes" and share[3]["answer"] == "answered"
    assert marks.iloc[0]["Jämförelse (%)"][0]["region"] == "pool:2181+2183"
    cells = pf.profile_cells(analysis)
    assert {c["region"] for c in cells} == {"2161", "2183", "2181", "pool:2181+2183"}


# ---------------------------------------------------------------- no verdict on a withheld value


def _step3(analysis: fx.FactorAnalysis) -> list[pd.DataFrame]:
    """Everything step 3 shows of an analysis (tables, chart data, marks)."""
    return [
        analysis.scored, analysis.priorities, pf.score_table(analysis),
        pf.priority_table(analysis), pf.survey_indicator_table(analysis), pf.spine_data(analysis),
        pd.DataFrame({"cells": [str(pf.profile_cells(analysis))]}),
    ]  # fmt: skip


def test_step3_from_cells_reads_no_respondent_and_no_withheld_count():
    """Scores, components, judgements, priorities, ranges and marks rest on the published
    cells alone: other respondents behind the same published cells (a different survey,
    different percentiles, a factor's own cutoff) and other values of the withheld cells
    change nothing."""
    import dataclasses

    withheld = [("lik", "2183", "yes")]
    cells = survey_cells(
        small_survey(), CODEBOOK, REGIONS, pools=[("2183", "2181")], withheld=withheld
    )
    catalogue = small_catalogue()
    own_cutoff = catalogue.assign(indicator_cutoff=[None, "> p50", None])

    def run(survey, cells=cells, factors=catalogue):
        tables = fx.Tables(codebook=CODEBOOK, survey=survey)
        return fx.analyse(factors, tables, "2161", REGIONS, [2015, 2024], cells=cells)

    base = run(None)
    other = small_survey().assign(bin=1, lik=4)  # every pupil at risk: other raw data
    poked = cells.copy()
    poked.loc[poked["withheld"], "value"] = 2.0  # a value behind a withheld cell
    for analysis in (run(small_survey()), run(other), run(other, cells=poked)):
        for a, b in zip(_step3(base), _step3(analysis), strict=True):
            pd.testing.assert_frame_equal(a, b)
    # a factor with its own cutoff (a percentile of the respondents) has no published
    # cells: no value, no judgement, no difference component
    own = run(other, factors=own_cutoff).scored.set_index("factor_id")
    assert own.loc["F2", "judgement"] == "no data" and own.loc["F2", "c_difference"] == 0
    assert dataclasses.replace(base).published


def test_step3_from_the_respondents_gives_no_verdict_on_a_withheld_share():
    """Without the publication (a library call), a share resting on 3 pupils is scored as
    missing: no judgement, no difference component, no flag."""
    survey = small_survey()
    survey.loc[(survey["region_code"] == "2161") & (survey["year"] == 2024), "bin"] = 0
    first = survey.index[(survey["region_code"] == "2161") & (survey["year"] == 2024)][:3]
    survey.loc[first, "bin"] = 1  # 3 of 100 pupils in Ljusdal
    survey.loc[survey["region_code"] != "2161", "bin"] = 0  # 0 % elsewhere: 3 % is "worse"
    tables = fx.Tables(codebook=CODEBOOK, survey=survey)
    analysis = fx.analyse(small_catalogue(), tables, "2161", REGIONS, [2015, 2024])
    scored = analysis.scored.set_index("factor_id")
    assert scored.loc["F1", "judgement"] == "no data"
    assert scored.loc["F1", "c_difference"] == 0 and not scored.loc["F1", "flagged"]
    assert pd.isna(analysis.indicators.set_index("factor_id").loc["F1", "value"])
    open_ = fx.analyse(small_catalogue(), tables, "2161", REGIONS, [2015, 2024], threshold=3)
    assert open_.scored.set_index("factor_id").loc["F1", "judgement"] == "worse"


# ---------------------------------------------------------------- sex, comparison, survey


def _by_sex(**shares) -> pd.DataFrame:
    """factor id -> ((yes_k, answered_k), (yes_m, answered_m)); None = withheld."""
    rows = []
    for fid, pair in shares.items():
        for sex, counts in zip(("K", "M"), pair, strict=True):
            yes, answered = counts if counts is not None else (None, None)
            rows.append({"factor_id": fid, "item": "i", "region": "2161", "year": 2024,
                         "sex": sex, "yes": yes, "answered": answered})  # fmt: skip
    frame = pd.DataFrame(rows).astype({"yes": "Float64", "answered": "Float64"})
    return fx.published_shares(frame)


def test_sex_difference_every_verdict():
    by_sex = _by_sex(
        GIRLS=((60, 150), (20, 150)),
        BOYS=((20, 150), (60, 150)),
        SAME=((30, 150), (33, 150)),
        FEW=((5, 20), (10, 150)),
        HIDDEN=(None, (10, 150)),
    )
    verdict = fx.sex_difference(by_sex).set_index("factor_id")["verdict"]
    assert verdict.to_dict() == {
        "GIRLS": "higher among girls",
        "BOYS": "higher among boys",
        "SAME": "no certain difference",
        "FEW": "too few",
        "HIDDEN": "withheld",
    }


def test_sex_difference_tests_the_difference_not_overlap():
    """Intervals that overlap can hide a certain difference: 36 % vs 30 % of 600 each."""
    by_sex = _by_sex(X=((216, 600), (180, 600)))
    shares = by_sex.set_index("sex")
    assert shares.loc["K", "lower"] < shares.loc["M", "upper"]  # the intervals overlap
    assert fx.sex_difference(by_sex)["verdict"].iloc[0] == "higher among girls"


def test_kolada_factors_compare_with_the_survey_group():
    kolada = pd.DataFrame(
        {
            "kpi": ["N02904"] * 4,
            "region_code": ["2161", "2183", "2181", "0000"],
            "year": [2023] * 4,
            "sex": ["T"] * 4,
            "value": [11.0, 10.0, 14.0, 9.0],
        }
    )
    ind = fx._typed_indicators(
        pd.DataFrame(
            [{"factor_id": "F10", "source": "kolada", "indicator": "kolada:N02904",
              "item": "N02904", "year": 2023, "value": 11.0, "comparator": 9.0,
              "comparator_group": "sweden", "comparator_regions": "0000"}]
        )
    )  # fmt: skip
    out = fx.with_collaborating_comparator(ind, kolada, ["2183", "2181"])
    assert out["comparator"].iloc[0] == pytest.approx(12.0)  # mean without populations
    assert out["comparator_group"].iloc[0] == "collaborating"
    assert out["comparator_regions"].iloc[0] == "2183,2181"
    none = fx.with_collaborating_comparator(ind, kolada, ["2180"])
    assert pd.isna(none["comparator"].iloc[0])
    assert fx.with_collaborating_comparator(ind, kolada, []) is ind


def test_example_analysis_one_comparison_group_sex_split_and_family_violence(built_data):
    from vpanalysis import context, publication

    ctx = context.load("2161", ["2161", "2183", "2181"], [2015, 2024], None, 5)
    pub = publication.ensure(ctx)
    analysis = fx.analyse(
        ctx.registers.factors, ctx.tables, "2161", ctx.comparison_codes, ctx.years,
        cells=pub.cells,
    )  # fmt: skip
    ind = analysis.indicators.set_index("factor_id")
    assert set(ind["comparator_group"]) == {"collaborating"}
    assert ind.loc["F12", "item"] == "utsatt_vuxen_hemma"  # step 2's item measures it
    assert {"F15", "F16"} <= set(ind.index)  # gender norms, from the survey
    assert set(analysis.by_sex["sex"]) == {"K", "M"}
    table = pf.sex_table(analysis)
    assert set(table["Tjejer jämfört med killar"]) <= set(pf.SEX_VERDICTS.values())
    marks = pf.sex_marks(analysis)
    shown = marks["Killar (%)"].dropna()
    assert shown.map(lambda cells: all(c["sex"] == "M" for c in cells)).all()
    survey = pf.survey_indicator_table(analysis, 5).set_index("Faktor")
    assert survey.loc["Våld i familjen under uppväxten", "Period"] == "någon gång"
    assert survey.loc["Alkohol- och droganvändning", "Period"] == "senaste 12 månaderna"
    kolada = pf.kolada_indicator_table(analysis)
    assert kolada["Jämförs med"].str.startswith("Övriga samverkanskommuner").all()
    assert {"Länet", "Riket", "Kommunen", "Jämförelse"} <= set(kolada.columns)


def test_codebook_has_recall_periods_gender_norms_and_separates_harassment():
    from vpanalysis.config import get_paths
    from vpanalysis.io import read_codebook

    book = read_codebook(get_paths().raw / "skolenkat" / "codebook.csv").set_index("item")
    items = book[book["role"] == ""]
    measured = items[items["kind"] != "risk"].index.tolist() + ["risk_alkohol", "risk_skolk"]
    assert (items.loc[measured, "recall_period"] != "").all()
    assert {"norm_kontroll", "norm_maskulinitet"} <= set(items.index)
    assert "trakasserier" in book.loc["utsatt_trakasserier", "question"]
    assert "trakasserier" not in book.loc["utsatt_sexuellt", "question"]


def test_catalogue_says_when_the_municipality_lacks_the_indicator_source(built_data):
    from vpanalysis import publication

    ctx = context.load("2180", ["2180"], [2015, 2024], None, 5)
    pub = publication.ensure(ctx)
    analysis = fx.analyse(
        ctx.registers.factors, ctx.tables, "2180", ["2180"], ctx.years, cells=pub.cells
    )
    shown = dict(
        zip(
            ctx.registers.factors["factor_id"],
            pf.catalogue_table(ctx.registers.factors.sort_values("factor_id"), analysis)[
                "Lokal indikator"
            ],
            strict=False,
        )
    )
    labels = set(pf.catalogue_table(ctx.registers.factors, analysis)["Lokal indikator"])
    assert "Skolenkät (saknas för kommunen)" in labels and "Kolada" in labels
    assert "Skolenkät" not in labels and shown


def _judged(num, den, yes, answered, polarity="higher_worse", kind="risk"):
    """survey_judgements on one survey indicator against a pool with the given counts."""
    factors = pd.DataFrame({"factor_id": ["F1"], "indicator_polarity": [polarity], "type": [kind]})
    ind = pd.DataFrame(
        {"factor_id": ["F1"], "source": ["skolenkat"], "numerator": [num], "denominator": [den]}
    )
    shares = pd.DataFrame(
        {"factor_id": ["F1"], "region": ["pool:2181+2183"], "yes": [yes], "answered": [answered]}
    )
    return fx.survey_judgements(ind, shares, factors).iloc[0]


def test_survey_judgement_is_a_two_sample_test_every_branch():
    # 66/200 (33 %) against a pool of 50/200 (25 %): the pool's 25 lies outside the
    # municipality's Wilson interval, so the fixed-reference rule would say "worse"; the
    # two-sample test finds no sure difference, since the pool is a sample too (review 14)
    low, up = proportion(pd.Series([66]), pd.Series([200]), per=100)[["lower", "upper"]].iloc[0]
    assert fx.judgement(low, up, 25.0) == "worse"
    assert verdicts.shares_differ(66, 200, 50, 200) == "no_difference"
    assert _judged(66, 200, 50, 200) == "similar"
    assert _judged(120, 200, 50, 200) == "worse"
    assert _judged(20, 200, 50, 200) == "better"
    assert _judged(120, 200, 50, 200, "higher_better", "skydd") == "better"
    assert _judged(20, 200, 50, 200, "higher_better", "skydd") == "worse"
    assert _judged(5, 20, 50, 200) == "too few"
    assert _judged(pd.NA, 200, 50, 200) == "no data"  # a withheld count: no verdict


def test_judgement_words_by_type_and_why_a_value_is_missing():
    analysis = analysis_of()
    ids = analysis.scored["factor_id"]
    words = dict(zip(ids, pf.judgement_words(analysis, ids), strict=True))
    assert words["F1"] == "högre (sämre) än jämförelsen"
    assert words["F3"] == pf.NO_INDICATOR  # no indicator in the catalogue
    # an indicator in the catalogue whose survey has no answers for the municipality
    scored = analysis.scored.copy()
    scored.loc[scored["factor_id"] == "F1", "judgement"] = "no data"
    gone = fx.FactorAnalysis(
        "2161", analysis.catalogue, analysis.indicators[analysis.indicators["factor_id"] != "F1"],
        scored, analysis.priorities,
    )  # fmt: skip
    ids = gone.scored["factor_id"]
    said = dict(zip(ids, pf.judgement_words(gone, ids), strict=True))
    assert said["F1"] == "indikator finns, men skolenkäten saknas för kommunen"
    assert said["F3"] == "ingen lokal indikator"
    assert pf.indicator_counts(gone)["source_missing"] == 1
    assert dict(pf.key_figures(gone))["med indikator, men källan saknas för kommunen"] == "1"
    notes = " ".join(pf.priority_notes(gone))
    assert "1 av 3 faktorer har en indikator, men" in notes
    assert "1 av 3 faktorer har ingen lokal indikator: Faktor F3" in notes
    counts = pf.indicator_counts(analysis)
    figures = dict(pf.key_figures(analysis))
    assert figures["med lokal indikator"] == str(counts["measured"])
    assert sum(counts.values()) == len(analysis.scored)
    for code, kind, phrase in [
        ("worse", "skydd", "lägre (sämre) än jämförelsen"),
        ("better", "skydd", "högre (bättre) än jämförelsen"),
        ("better", "risk", "lägre (bättre) än jämförelsen"),
    ]:
        assert pf._SIDED_LABELS[(code, kind)] == phrase
    assert pf.JUDGEMENT_LABELS["too few"] == "för få svar för en bedömning"
    assert not any("tydligt" in w for w in pf.JUDGEMENT_LABELS.values())


def test_a_tie_at_the_edge_of_the_priorities_is_stated():
    analysis = analysis_of()
    scored = analysis.scored.copy()
    chosen = set(analysis.priorities["factor_id"])
    inside = scored[scored["factor_id"].isin(chosen)].index[-1]
    outside = scored[~scored["factor_id"].isin(chosen)].index[0]
    scored.loc[outside, "score"] = scored.loc[inside, "score"]
    tied = fx.FactorAnalysis(
        "2161", analysis.catalogue, analysis.indicators, scored, analysis.priorities
    )
    note = pf.tie_note(tied)
    assert note and "samma poäng" in note and "ordning i faktorkatalogen" in note
    assert any(n == note for n in pf.priority_notes(tied))
    table = pf.score_table(tied)
    assert table.loc[outside, "Lika poäng"].startswith("lika med rang")
    assert pf.tie_note(analysis) is None or "samma poäng" in pf.tie_note(analysis)


def test_priority_table_says_uppgift_saknas_where_the_data_are_absent():
    analysis = analysis_of()
    gone = fx.FactorAnalysis(
        "2161", analysis.catalogue, analysis.indicators.iloc[0:0], analysis.scored,
        analysis.priorities,
    )  # fmt: skip
    table = pf.priority_table(gone)
    assert set(table["Kommunen"]) == {"uppgift saknas"}  # absent, not withheld ("..")
    assert pf.survey_source(analysis) == "Skolenkäten 2024 (senaste undersökningsåret)"
