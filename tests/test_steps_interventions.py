"""Step 4: inventory, coverage of the priorities, gaps, logic models."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from vpanalysis import registers
from vpanalysis.errors import DataError
from vpanalysis.presentation import interventions as pi
from vpanalysis.steps import interventions as iv


def inventory(*rows: tuple) -> pd.DataFrame:
    """(id, municipality, administration, level, factors, evidence, reach, cost, chosen)."""
    columns = [
        "intervention_id", "municipality_code", "administration", "prevention_level", "factors",
        "evidence", "reach", "cost_sek", "chosen",
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns)
    frame["name"] = "Insats " + frame["intervention_id"]
    return frame.astype({"evidence": "Int64", "reach": "Int64", "cost_sek": "Float64"})


@pytest.fixture
def items() -> pd.DataFrame:
    return inventory(
        ("I1", "2161", "Skola", "universell", ("F1", "F2"), 2, 100, 1000.0, True),
        ("I2", "2161", "Skola", "selektiv", ("F2",), 1, None, 500.0, False),
        ("I3", "2161", "Social", "indikerad", ("F3",), 1, 10, None, True),
        ("I4", "2161", "Social", "universell", (), 0, 5, 50.0, False),
        ("I5", "2183", "Skola", "universell", ("F4",), 3, 7, 70.0, False),
    )


def test_inventory_summary(items):
    out = iv.inventory_summary(items, "2161").set_index("administration")
    assert list(out.index) == ["Skola", "Social", "Totalt"]
    skola = out.loc["Skola"]
    assert (skola["n_interventions"], skola["n_universell"], skola["n_selektiv"]) == (2, 1, 1)
    assert skola["reach"] == 100 and skola["n_reach_missing"] == 1
    assert skola["cost_sek"] == 1500 and skola["n_chosen"] == 1
    total = out.loc["Totalt"]
    assert (total["n_interventions"], total["reach"], total["cost_sek"]) == (4, 115, 1550)
    assert total["n_indikerad"] == 1 and total["n_cost_missing"] == 1
    both = iv.inventory_summary(items, total=False)
    assert set(both["municipality_code"]) == {"2161", "2183"} and "Totalt" not in set(
        both["administration"]
    )


def test_coverage_matrix(items):
    m = iv.coverage_matrix(["F2", "F1", "F9"], items, "2161")
    assert list(m.index) == ["F2", "F1", "F9"]  # priority order kept
    assert list(m.columns) == ["I1", "I2"]  # only interventions touching a priority
    assert m.loc["F2", "I2"] and not m.loc["F1", "I2"] and not m.loc["F9"].any()
    full = iv.coverage_matrix(["F1"], items, "2161", all_interventions=True)
    assert list(full.columns) == ["I1", "I2", "I3", "I4"]
    priorities = pd.DataFrame({"factor_id": ["F1"], "name": ["Normer"]})
    named = iv.coverage_matrix(priorities, items, "2161", labels=True)
    assert list(named.index) == ["Normer"] and list(named.columns) == ["Insats I1"]


def test_gaps_no_intervention_and_weak_evidence_only(items):
    priorities = pd.DataFrame({"factor_id": ["F1", "F2", "F3", "F4"], "name": list("abcd")})
    out = pi.label(iv.gaps(priorities, items, "2161")).set_index("factor_id")
    assert list(out.index) == ["F3", "F4"]  # F1, F2 have I1 with måttlig evidence
    assert out.loc["F3", "status"] == "weak evidence only"
    assert out.loc["F3", "interventions"] == "Insats I3"
    assert out.loc["F4", "status"] == "no intervention"  # I5 is another municipality's
    assert out.loc["F4", "status_label"] == "Ingen insats påverkar faktorn"
    strict = iv.gaps(["F1", "F2"], items, "2161", weak_evidence_max=2)
    assert list(strict["status"]) == ["weak evidence only", "weak evidence only"]
    coverage = iv.factor_coverage(["F2"], items, "2161").iloc[0]
    assert (coverage["n_interventions"], coverage["n_supported"]) == (2, 1)
    assert coverage["status"] == "covered"


LOGIC = """\
logic_models:
  - intervention_id: I1
    resources: [Tid, Pengar]
    activities: [Utbilda]
    outputs: [Antal utbildade]
    short_term_outcomes: [Kunskap]
    long_term_outcomes: [Mindre våld]
    indicators:
      - {id: "kolada:N07403", label: "Anmälda våldsbrott"}
  - intervention_id: I3
    resources: [Tid]
    activities: [Samtal]
"""


@pytest.fixture
def logic(tmp_path: Path) -> pd.DataFrame:
    path = tmp_path / "logic_models.yaml"
    path.write_text(LOGIC, encoding="utf-8")
    return registers.load_logic_models(path)


def test_logic_model_table(logic):
    table = pi.label(iv.logic_model_table(logic, "I1"))
    assert list(table["stage"]) == list(registers.LOGIC_MODEL_STAGES)
    assert table["stage_label"].iloc[0] == "Resurser"
    assert table["items"].iloc[0] == "Tid; Pengar" and table["n_items"].iloc[0] == 2
    assert table["items"].iloc[-1] == "Anmälda våldsbrott"
    partial = iv.logic_model_table(logic, "I3")
    assert partial.set_index("stage").loc["outputs", "items"] == ""
    with pytest.raises(KeyError):
        iv.logic_model_table(logic, "I9")


def test_check_logic_models(items, logic):
    items = items.assign(chosen=[True, True, True, False, False])
    out = pi.label(iv.check_logic_models(items, logic, "2161")).set_index("intervention_id")
    assert list(out.index) == ["I1", "I2", "I3"]
    assert out.loc["I1", "complete"] and out.loc["I1", "message"] == ""
    assert not out.loc["I2", "has_model"] and "saknas" in out.loc["I2", "message"]
    assert out.loc["I3", "missing_stages"] == (
        "outputs", "short_term_outcomes", "long_term_outcomes", "indicators",
    )  # fmt: skip
    assert "prestationer" in out.loc["I3", "message"]
    with pytest.raises(DataError) as exc:
        iv.require_complete_logic_models(items, logic, "2161")
    assert exc.value.file == "logic_models.yaml" and exc.value.value == "I2"
    iv.require_complete_logic_models(items[items["intervention_id"] == "I1"], logic)


def test_example_chains_are_complete_and_a_chain_without_its_effects_is_not():
    regs = registers.load_registers()
    status = iv.check_logic_models(regs.interventions, regs.logic_models)
    assert status["complete"].all() and "SA-03" in set(status["intervention_id"])
    later = ("short_term_outcomes", "long_term_outcomes", "indicators")
    models = regs.logic_models
    cut = models[~((models["intervention_id"] == "SA-03") & models["stage"].isin(later))]
    status = iv.check_logic_models(regs.interventions, cut)
    assert status.loc[~status["complete"], "intervention_id"].tolist() == ["SA-03"]
    messages = pi.logic_model_messages(regs.interventions, cut)
    assert any("Fältassistenter: den logiska kedjan saknar" in m for m in messages)


def test_evidence_label():
    assert pi.evidence_label(2) == "måttlig" and pi.evidence_label(pd.NA) == "okänd"


def test_empty_inventory_leaves_every_priority_a_gap(items):
    none = items.iloc[0:0]
    assert iv.inventory_summary(none).empty
    out = iv.gaps(["F1", "F2"], none)
    assert list(out["status"]) == ["no intervention", "no intervention"]
    assert iv.coverage_matrix(["F1"], none).shape == (1, 0)


# ---------------------------------------------------------------- report tables (Swedish)

PRIORITIES = pd.DataFrame({"factor_id": ["F1", "F3", "F9"], "name": ["Ett", "Tre", "Nio"]})


def mine(items: pd.DataFrame) -> pd.DataFrame:
    frame = items[items["municipality_code"] == "2161"].copy()
    frame["target_group"] = "Elever"
    return frame


def test_inventory_tables(items):
    table = pi.inventory_table(mine(items))
    assert list(table["Insats"]) == ["Insats I1", "Insats I2", "Insats I3", "Insats I4"]
    assert list(table["Nivå"]) == ["Universell", "Selektiv", "Indikerad", "Universell"]
    assert list(table["Vald"]) == ["✓", "", "✓", ""]
    assert table.loc[0, "Kunskapsstöd"] == "måttlig"
    summary = pi.inventory_summary_table(mine(items)).set_index("Förvaltning")
    assert summary.loc["Totalt", "Insatser"] == 4 and summary.loc["Skola", "Selektiv"] == 1
    # I3's cost is unknown: kronor are not withheld, so no ".."; sums without it are "minst"
    assert summary.loc["Totalt", "Kostnad (kr/år)"] == "minst 1\u00a0550"
    assert summary.loc["Skola", "Kostnad (kr/år)"] == "1\u00a0500"
    assert summary.loc["Social", "Kostnad (kr/år)"] == "minst 50"
    assert list(table["Kostnad (kr/år)"]) == ["1\u00a0000", "500", "uppgift saknas", "50"]
    assert ".." not in set(table["Kostnad (kr/år)"]) | set(summary["Kostnad (kr/år)"])
    assert pi.COST_NOTE in pi.cost_note(mine(items)).data
    assert pi.cost_note(mine(items).dropna(subset=["cost_sek"])).data == ""
    factors = pd.DataFrame({"factor_id": ["F1", "F2"], "name": ["Ett", "Två"]})
    named = pi.intervention_factor_table(mine(items), factors)
    assert named.loc[0, "Påverkar faktorer"] == "Ett; Två"
    assert named.loc[2, "Påverkar faktorer"] == "F3"  # unknown id stays as it is


def test_coverage_table_chart_and_gap_messages(items):
    table = pi.coverage_table(PRIORITIES, mine(items))
    assert list(table["Prioriterad faktor"]) == ["Ett", "Tre", "Nio"]
    assert table.loc[0, "Insats I1"] == "✓" and table.loc[1, "Insats I1"] == ""
    assert list(table["Täckning"]) == [
        pi.GAP_LABELS["covered"],
        pi.GAP_LABELS["weak evidence only"],
        pi.GAP_LABELS["no intervention"],
    ]
    data = pi.coverage_chart_data(PRIORITIES, mine(items))
    assert data.shape == (4, 3) and data.to_numpy().sum() == 2  # I1-F1, I3-F3
    assert pi.coverage_chart(PRIORITIES, mine(items)) is not None
    assert pi.coverage_chart(PRIORITIES, mine(items).iloc[0:0]) is None
    messages = pi.gap_messages(PRIORITIES, mine(items))
    assert len(messages) == 2
    assert messages[0].startswith("Tre:") and "Insats I3" in messages[0]
    assert messages[1] == "Nio: ingen insats i inventeringen påverkar faktorn."


def test_chosen_logic_models_and_messages(items, logic):
    chosen = pi.chosen_logic_models(mine(items), logic)
    assert [h for h, _ in chosen] == ["Insats I1 (Skola)", "Insats I3 (Social)"]
    for _, table in chosen:
        assert list(table.columns) == ["Steg i kedjan", "Innehåll"]
        assert list(table["Steg i kedjan"]) == list(registers.LOGIC_MODEL_STAGES.values())
    messages = pi.logic_model_messages(mine(items), logic)
    status = iv.check_logic_models(mine(items), logic)
    assert len(messages) == int((~status["complete"]).sum()) == 1
    assert messages[0].startswith("Insats I3:")


def test_logic_model_report_table_marks_missing_stages(logic):
    iid = logic["intervention_id"].iloc[0]
    partial = logic[~((logic["intervention_id"] == iid) & (logic["stage"] == "outputs"))]
    table = pi.logic_model_report_table(partial, iid).set_index("Steg i kedjan")
    assert table.loc["Prestationer", "Innehåll"].startswith("saknas")
    assert not table.loc["Resurser", "Innehåll"].startswith("saknas")


def test_logic_model_messages_when_nothing_is_chosen(items, logic):
    none = mine(items).assign(chosen=False)
    assert pi.logic_model_messages(none, logic) == [pi.NO_CHOSEN_MESSAGE]
    assert pi.chosen_logic_models(none, logic) == []


def test_small_reach_is_withheld_and_sums_add_up_published_values_only():
    """An intervention reaching 3 people is a count of persons: withheld at threshold 5,
    and the administration's summed reach leaves it out (no 'sum minus the rest')."""
    import pandas as pd

    from vpanalysis.steps import interventions as steps_iv

    frame = pd.DataFrame(
        {
            "municipality_code": ["2161", "2161", "2161"],
            "administration": ["Soc", "Soc", "Skola"],
            "intervention_id": ["A", "B", "C"],
            "prevention_level": ["universell", "selektiv", "universell"],
            "reach": pd.array([3, 40, 0], dtype="Int64"),
            "cost_sek": [1.0, 2.0, 3.0],
            "chosen": [True, False, False],
        }
    )
    published = steps_iv.published_interventions(frame, 5)
    assert published["reach"].isna().tolist() == [True, False, False]
    assert published.loc[2, "reach"] == 0  # zero discloses nobody
    summary = steps_iv.inventory_summary(published)
    soc = summary[summary["administration"] == "Soc"].iloc[0]
    assert soc["reach"] == 40 and soc["n_reach_missing"] == 1
    assert frame["reach"].tolist() == [3, 40, 0]  # the register itself is untouched


# ---------------------------------------------------------------- fit of the logic models


def _fit_inventory(*rows: tuple) -> pd.DataFrame:
    """(id, target group, level, factors, chosen)."""
    frame = pd.DataFrame(
        rows, columns=["intervention_id", "target_group", "prevention_level", "factors", "chosen"]
    )
    frame["municipality_code"] = "2161"
    frame["name"] = "Insats " + frame["intervention_id"]
    return frame


def _indicators(**by_id: list) -> pd.DataFrame:
    """Logic-model rows of stage indicators: id -> list of indicator ids (None = free text)."""
    rows = [
        {"intervention_id": iid, "stage": "indicators", "position": n, "item": "x",
         "indicator": indicator}
        for iid, indicators in by_id.items()
        for n, indicator in enumerate(indicators, 1)
    ]  # fmt: skip
    return pd.DataFrame(rows).astype({"indicator": "string"})


def test_target_ages_from_the_target_group_text():
    assert iv.target_ages("Unga 13–18 år") == (13, 18)
    assert iv.target_ages("Elever i åk 7–9") == (13, 16)
    assert iv.target_ages("Elever i åk 8") == (14, 15)
    assert iv.target_ages("Elever i grundskolan") == (6, 16)
    assert iv.target_ages("Vuxna 18 år och äldre") == (18, 120)
    assert iv.target_ages("Serveringsställen") is None
    assert iv.is_parent_group("Föräldrar till barn 3–12 år")
    assert not iv.is_parent_group("Unga 13–18 år")


def test_check_fit_every_problem_and_the_fitting_case():
    items = _fit_inventory(
        ("OK", "Elever i åk 7–9", "universell", ("F1",), True),
        ("NOPRIO", "Elever i åk 7–9", "universell", ("F9",), True),
        ("PARENTS", "Föräldrar till barn 3–12 år", "universell", ("F1",), True),
        ("YOUNG", "Elever i åk 1–3", "universell", ("F1",), True),
        ("FEW", "Unga 12–17 år i riskzon", "selektiv", ("F1",), True),
        ("FEWOWN", "Unga 12–17 år i riskzon", "selektiv", ("F1",), True),
        ("NOTCHOSEN", "Föräldrar till barn 3–12 år", "universell", ("F9",), False),
    )
    models = _indicators(
        OK=["skolenkat:risk_normer", None],
        NOPRIO=["skolenkat:risk_normer"],
        PARENTS=["skolenkat:skydd_foraldrar"],
        YOUNG=["skolenkat:risk_normer"],
        FEW=["kolada:N07403", "skolenkat:risk_skolk"],
        FEWOWN=["kolada:N07403", None],
        NOTCHOSEN=["skolenkat:skydd_foraldrar"],
    )
    found = iv.check_fit(items, models, ["F1", "F2"])
    got = set(zip(found["intervention_id"], found["problem"], strict=True))
    assert got == {
        ("NOPRIO", "no prioritised factor"),
        ("PARENTS", "parents followed by pupil survey"),
        ("YOUNG", "ages outside survey"),
        ("FEW", "population indicator only"),
        # åk 7–9 and 12–17 år only partly overlap the survey's 15–17, and these two have
        # no indicator of their own participants
        ("NOPRIO", "ages partly outside survey"),
        ("FEW", "ages partly outside survey"),
    }
    assert set(found.loc[found["intervention_id"] == "FEW", "indicator"]) == {
        "kolada:N07403",
        "skolenkat:risk_skolk",
    }
    fitting = items[items["intervention_id"].isin(["OK", "FEWOWN"])]
    assert iv.check_fit(fitting, models, ["F1"]).empty


def test_logic_model_notices_say_complete_only_when_chains_fit():
    items = _fit_inventory(
        ("A", "Föräldrar till barn 3–12 år", "universell", ("F6",), True),
        ("B", "Unga 12–17 år", "selektiv", ("F2",), True),
    )
    stages = [s for s in registers.LOGIC_MODEL_STAGES if s != "indicators"]
    full = pd.DataFrame(
        [
            {"intervention_id": i, "stage": s, "position": 1, "item": "x", "indicator": None}
            for i in ("A", "B")
            for s in stages
        ]  # fmt: skip
    )
    models = pd.concat(
        [full, _indicators(A=["skolenkat:skydd_foraldrar"], B=["kolada:N07403"])],
        ignore_index=True,
    )
    priorities = pd.DataFrame({"factor_id": ["F3"], "name": ["Normer"]})
    notices = pi.logic_model_notices(items, models, priorities)
    assert pi.logic_model_messages(items, models) == []  # every chain is complete ...
    text = " ".join(notices)  # ... but none fits
    assert "påverkar ingen av de prioriterade faktorerna" in text
    assert "målgruppen är föräldrar" in text and "skolenkätens fråga skydd_foraldrar" in text
    assert "Koladas nyckeltal N07403 mäter hela befolkningen" in text
    fits = pd.DataFrame({"factor_id": ["F6", "F2"], "name": ["a", "b"]})
    ok_models = pd.concat([full, _indicators(A=[None], B=[None])], ignore_index=True)
    assert pi.logic_model_notices(items, ok_models, fits) == []
    assert "målgruppen" in pi.LOGIC_MODELS_OK


def test_example_registers_fit_their_priorities_and_levels():
    """The example chosen interventions of each example municipality address a priority of
    their municipality, have a complete chain and are followed by indicators of their own
    target group (no fit warning in any example report); the routine of asking about
    violence is selective."""
    from vpanalysis import context, publication
    from vpanalysis.steps import factors

    chosen = {}
    for code in ("2161", "2183", "2181"):
        ctx = context.load(code, ["2161", "2183", "2181"], [2015, 2024], None, 5)
        regs = ctx.registers
        if code == "2161":
            level = regs.interventions.set_index("intervention_id")["prevention_level"]
            assert level["LJ-06"] == "selektiv"
        analysis = factors.analyse(
            regs.factors, ctx.tables, code, ctx.comparison_codes, ctx.years,
            cells=publication.ensure(ctx).cells,
        )  # fmt: skip
        mine = regs.interventions
        assert set(mine["municipality_code"]) == {code}
        chosen[code] = int(mine["chosen"].sum())
        assert iv.check_fit(mine, regs.logic_models, analysis.priorities).empty, code
        assert pi.fit_messages(mine, regs.logic_models, analysis.priorities) == [], code
        assert pi.logic_model_notices(mine, regs.logic_models, analysis.priorities) == [], code
    assert all(chosen.values()), chosen  # every example municipality has a chain to check


def _chain(iid: str, outcomes: list[str], indicators: list[tuple]) -> pd.DataFrame:
    """Logic-model rows: long-term outcomes and indicators ``(id or None, label)``."""
    rows = [
        {"intervention_id": iid, "stage": "long_term_outcomes", "position": n, "item": text,
         "indicator": None}
        for n, text in enumerate(outcomes, 1)
    ] + [
        {"intervention_id": iid, "stage": "indicators", "position": n, "item": label,
         "indicator": indicator}
        for n, (indicator, label) in enumerate(indicators, 1)
    ]  # fmt: skip
    return pd.DataFrame(rows).astype({"indicator": "string"})


def test_a_target_group_that_only_partly_overlaps_the_survey_is_flagged():
    """Sex education in åk 4–9 followed by the survey of åk 9 and gy 2 (review 10): half
    of those asked are outside the group, the youngest are not asked."""
    items = _fit_inventory(("SEX", "Elever i åk 4–9", "universell", ("F1",), True))
    survey = ("skolenkat:norm_kontroll", "Andel elever som tycker att killen får bestämma")
    counted = (None, "Andel elever i åk 9 som deltagit i hela lektionsserien")
    found = iv.check_fit(items, _chain("SEX", [], [survey, counted]), ["F1"])
    assert found["problem"].tolist() == ["ages partly outside survey"]
    assert found["indicator"].tolist() == ["skolenkat:norm_kontroll"]
    text = " ".join(pi.fit_messages(items, _chain("SEX", [], [survey, counted]), ["F1"]))
    assert "överlappar bara delvis" in text and "elever i åk 4–9" in text
    # an indicator of an effect among the participants themselves makes it fit
    own = (None, "Andel elever i åk 6 och åk 9 som känner igen kontroll (lärarnas enkät)")
    assert iv.check_fit(items, _chain("SEX", [], [survey, own]), ["F1"]).empty
    # a group inside the survey's ages, or outside them, is not 'partly'
    inside = _fit_inventory(("GY", "Elever i gy 1–2, 16–17 år", "universell", ("F1",), True))
    assert iv.check_fit(inside, _chain("GY", [], [survey]), ["F1"]).empty


def test_a_long_term_outcome_without_an_indicator_is_flagged():
    items = _fit_inventory(("SEX", "Unga 15–17 år", "universell", ("F1",), True))
    outcomes = [
        "Färre unga accepterar våld och ojämlik makt i relationer",
        "Färre unga utsätts för våld i sina parrelationer",
        "Bättre samarbete mellan skola och socialtjänst",  # names no kind: not checked
    ]
    attitude = ("skolenkat:norm_kontroll", "Andel elever som tycker att killen får bestämma")
    exposed = ("skolenkat:utsatt_fysiskt", "Andel elever som utsatts för fysiskt våld")
    found = iv.check_fit(items, _chain("SEX", outcomes, [attitude]), ["F1"])
    assert found["problem"].tolist() == ["long-term outcome without indicator"]
    assert found["indicator"].tolist() == [outcomes[1]]
    # violence in general does not measure violence from a partner
    found = iv.check_fit(items, _chain("SEX", outcomes, [attitude, exposed]), ["F1"])
    assert found["indicator"].tolist() == [outcomes[1]]
    partner = (None, "Andel som utsatts för våld av en pojkvän eller flickvän (egen enkät)")
    assert iv.check_fit(items, _chain("SEX", outcomes, [attitude, partner]), ["F1"]).empty
    text = " ".join(pi.fit_messages(items, _chain("SEX", outcomes, [attitude]), ["F1"]))
    assert "”Färre unga utsätts för våld i sina parrelationer” har ingen indikator" in text
    assert iv.kinds("Färre elever utsätts för våld") == {"exposure"}
    assert iv.kinds("x", "skolenkat:utovat_vald") == {"perpetration"}


def test_the_old_example_chain_of_sex_education_is_found_not_to_fit():
    """Ljusdal's sex education as it was (åk 4–9 followed by the survey, and its partner
    outcome without an indicator): the check finds both problems, and the report does not
    say that every chain fits."""
    from vpanalysis import context

    regs = context.load("2161", ["2161", "2183", "2181"], [2015, 2024], None, 5).registers
    lm = regs.logic_models
    added = (lm["intervention_id"] == "LJ-09") & lm["item"].str.contains(
        "lärarnas enkät|ny fråga i skolenkäten", regex=True
    )
    assert added.sum() == 2  # the example's fix: the participants' own follow-up
    old = lm[~added]
    found = iv.check_fit(regs.interventions, old, ["F03", "F11", "F16"])
    mine = found[found["intervention_id"] == "LJ-09"]
    assert set(mine["problem"]) == {
        "ages partly outside survey",
        "long-term outcome without indicator",
    }
    notices = pi.logic_model_notices(regs.interventions, old, pd.DataFrame({"factor_id": ["F03"]}))
    assert notices and pi.LOGIC_MODELS_OK not in notices
    assert iv.check_fit(regs.interventions, lm, ["F03", "F11", "F16"]).empty


def test_reach_sums_persons_only_and_are_called_contacts():
    """Review 23: venues are not added to persons, and the sum is contacts, not unique
    persons."""
    frame = inventory(
        ("A", "2161", "Skola", "universell", ("F1",), 2, 450, 1.0, True),
        ("B", "2161", "Skola", "universell", ("F1",), 2, 900, 1.0, False),
        ("C", "2161", "Ledning", "universell", ("F1",), 3, 25, 1.0, False),
    )
    frame["target_group"] = ["Elever i åk 7–9", "Elever i åk 4–9", "Serveringsställen"]
    assert not iv.reaches_persons("Serveringsställen") and iv.reaches_persons("Unga 13–18 år")
    total = iv.inventory_summary(frame).set_index("administration").loc["Totalt"]
    assert total["reach"] == 1350 and total["n_reach_not_persons"] == 1
    table = pi.inventory_summary_table(frame)
    assert pi.CONTACTS_COLUMN in table and "Räckvidd (personer/år)" not in table
    assert "samma person kan räknas flera gånger" in pi.CONTACTS_COLUMN
    assert table.set_index("Förvaltning").loc["Ledning", pi.CONTACTS_COLUMN] is pd.NA
    note = pi.contacts_note(frame).data
    assert "inte antalet unika personer" in note and "Insats C" in note
    each = pi.inventory_table(frame)
    assert "inte personer" in each.loc[each["Insats"] == "Insats C", "Målgrupp"].iloc[0]
