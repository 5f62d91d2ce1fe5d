"""Counts of persons typed into the registers (issue 9): an intervention's and an
activity's reach, a goal's baseline, target and latest value that is a count of persons.
They are withheld at 1..threshold-1 before any report sees them and marked as register cells
(:func:`vpanalysis.publication.keys.register_cell`), so that the audit reads and bounds
them: a planted small reach is flagged, the published registers pass."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import RAW

from vpanalysis import registers, report
from vpanalysis.audit import audit
from vpanalysis.presentation import followup as followup_view
from vpanalysis.presentation import interventions as interventions_view
from vpanalysis.publication import keys
from vpanalysis.steps import followup, interventions

T = 5


@pytest.fixture(scope="module")
def regs():
    return registers.load_registers(RAW / "registers").for_municipality("2161")


def page(folder, name: str, *parts) -> None:
    body = "\n".join(p.data if hasattr(p, "data") else str(p) for p in parts)
    (folder / name).write_text(f"<html><body>{body}</body></html>", encoding="utf-8")


def step4(regs, planted: int, protect: bool):
    """Step 4's two inventory tables with one reach set to ``planted``: protected as the
    report does (``published_interventions``), or the old way (the register as typed,
    rendered without the last-line check, which would refuse it)."""
    frame = regs.interventions.copy()
    frame.loc[frame.index[1], "reach"] = planted
    inventory = interventions.published_interventions(frame, T) if protect else frame
    local = dict(local=True, threshold=T)
    options = local if protect else {}
    summary = dict(options, count_columns=[interventions_view.CONTACTS_COLUMN]) if protect else {}
    each = dict(options, count_columns=[interventions_view.REACH_COLUMN]) if protect else {}
    tables = [
        report.table(
            interventions_view.inventory_summary_table(inventory),
            caption="Insatser per förvaltning",
            marks=interventions_view.inventory_summary_marks(inventory),
            **summary,
        ),
        report.table(
            interventions_view.inventory_table(inventory),
            caption="Alla insatser i inventeringen",
            marks=interventions_view.inventory_marks(inventory),
            **each,
        ),
    ]
    return tables, str(frame["intervention_id"].iloc[1]), inventory


def test_marks_of_the_inventory(regs):
    inventory = interventions.published_interventions(regs.interventions, T)
    marks = interventions_view.inventory_marks(inventory)
    table = interventions_view.inventory_table(inventory)
    assert len(marks) == len(table)
    for shown, (cell,) in zip(
        table[interventions_view.REACH_COLUMN],
        marks[interventions_view.REACH_COLUMN],
        strict=True,
    ):
        assert cell["source"] == keys.REGISTER and cell["region"] == "2161"
        if pd.isna(shown):
            assert cell["kind"] == "withheld"
        else:
            assert cell["kind"] == "count" and float(cell["value"]) == shown


def test_a_planted_small_reach_is_flagged_and_the_published_one_passes(regs, tmp_path):
    old, planted_id, _ = step4(regs, planted=3, protect=False)
    (tmp_path / "old").mkdir()
    page(tmp_path / "old", "2161_steg4.html", *old)
    result = audit(tmp_path / "old", threshold=T)
    assert any(f"reach:{planted_id}" in f.line() for f in result.findings), result.lines()

    new, _, inventory = step4(regs, planted=3, protect=True)
    (tmp_path / "new").mkdir()
    page(tmp_path / "new", "2161_steg4.html", *new)
    result = audit(tmp_path / "new", threshold=T)
    assert not result.findings, result.lines()
    marks = interventions_view.inventory_marks(inventory)[interventions_view.REACH_COLUMN]
    withheld = [c for (c,) in marks if c["kind"] == "withheld"]
    assert any(c["measure"] == f"reach:{planted_id}" for c in withheld)
    assert result.recovered >= len(marks) - len(withheld)


def test_activities_and_typed_goal_counts_are_marked(regs, tmp_path):
    activities = regs.activities.copy()
    activities.loc[activities.index[0], "reach"] = 2
    published = followup.published_activities(activities, T)
    year_marks = followup_view.activity_year_marks(published)
    assert len(year_marks) == len(followup_view.activity_year_table(published))
    marks = followup_view.activity_marks(published)
    first = marks[followup_view.REACH_COLUMN].iloc[0][0]
    assert first["source"] == keys.REGISTER and first["kind"] == "withheld"
    # a goal on a count of persons: typed baseline 3 and target 4 are withheld and marked
    status = pd.DataFrame(
        {
            "goal_id": ["G1"], "goal": ["Fler nådda"], "indicator": ["register:activity_reach"],
            "baseline_year": [2020], "baseline_value": [3.0], "target_year": [2026],
            "target_value": [4.0], "latest_year": [2023], "latest_value": [3.0],
            "latest_source": ["register"], "progress": [0.5], "expected_progress": [0.5],
            "status": ["on_track"],
        }
    )  # fmt: skip
    series = pd.DataFrame(columns=followup.SERIES_COLUMNS)
    old = followup_view.goal_marks(status, series, "2161")
    assert [c[0]["kind"] for c in old.iloc[0, :3]] == ["count"] * 3
    page(tmp_path, "2161_steg5.html",
         report.table(followup_view.goal_table(status), caption="Målen", marks=old))  # fmt: skip
    result = audit(tmp_path, threshold=T)
    assert {"goal:G1:baseline", "goal:G1:target", "goal:G1:latest"} <= {
        f.key[keys.KEY_FIELDS.index("measure")] for f in result.findings
    }, result.lines()
    shown = followup.published_goal_status(status, series, T)
    new = followup_view.goal_marks(shown, series, "2161")
    assert [c[0]["kind"] for c in new.iloc[0, :3]] == ["withheld"] * 3
    table = followup_view.goal_table(shown, threshold=T)
    page(tmp_path, "2161_steg5.html", report.table(table, caption="Målen", marks=new))
    assert not audit(tmp_path, threshold=T).findings


def test_a_typed_baseline_of_a_withheld_published_count_is_withheld():
    """A goal's baseline typed in as 12 for a year whose published count is withheld (a
    secondary suppression) would give the withheld count back: it is withheld too."""
    status = pd.DataFrame(
        {
            "goal_id": ["G2", "G3"], "goal": ["Färre", "Färre"],
            "indicator": ["socialtjanst:Ekonomiskt våld"] * 2,
            "baseline_year": [2020, 2021], "baseline_value": [12.0, 14.0],
            "target_year": [2026] * 2, "target_value": [6.0, 6.0],
            "latest_year": [2023] * 2, "latest_value": [12.0, 12.0],
            "latest_source": ["register"] * 2, "progress": [0.0] * 2,
            "expected_progress": [0.5] * 2, "status": ["behind"] * 2,
        }
    )  # fmt: skip
    series = pd.DataFrame(
        {
            "indicator": ["socialtjanst:Ekonomiskt våld"] * 3, "municipality_code": ["2161"] * 3,
            "year": [2020, 2021, 2023], "value": [None, 14.0, 12.0], "lower": [None] * 3,
            "upper": [None] * 3, "count": [None, 14.0, 12.0], "population": [None] * 3,
            "suppressed": [True, False, False],
        }
    )[followup.SERIES_COLUMNS]  # fmt: skip
    shown = followup.published_goal_status(status, series, T).set_index("goal_id")
    assert pd.isna(shown.loc["G2", "baseline_value"]) and shown.loc["G2", "status"] == "no_data"
    assert shown.loc["G3", "baseline_value"] == 14 and shown.loc["G3", "status"] == "behind"
    marks = followup_view.goal_marks(shown.reset_index(), series, "2161")
    assert marks.iloc[0]["Utgångsläge (år)"][0]["kind"] == "withheld"
    assert marks.iloc[1]["Utgångsläge (år)"][0]["value"] == "14"
