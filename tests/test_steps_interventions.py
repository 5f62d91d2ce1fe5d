"""Step 4: inventory, coverage of the priorities, gaps, logic models."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from vpanalysis import registers
from vpanalysis.errors import DataError
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
    out = iv.gaps(priorities, items, "2161").set_index("factor_id")
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
    table = iv.logic_model_table(logic, "I1")
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
    out = iv.check_logic_models(items, logic, "2161").set_index("intervention_id")
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


def test_example_registers_show_the_incomplete_sandviken_model():
    regs = registers.load_registers()
    status = iv.check_logic_models(regs.interventions, regs.logic_models)
    incomplete = status.loc[~status["complete"], "intervention_id"].tolist()
    assert incomplete == ["SA-03"]


def test_evidence_label():
    assert iv.evidence_label(2) == "måttlig" and iv.evidence_label(pd.NA) == "okänd"


def test_empty_inventory_leaves_every_priority_a_gap(items):
    none = items.iloc[0:0]
    assert iv.inventory_summary(none).empty
    out = iv.gaps(["F1", "F2"], none)
    assert list(out["status"]) == ["no intervention", "no intervention"]
    assert iv.coverage_matrix(["F1"], none).shape == (1, 0)
