"""Step 5: goal status, training coverage, activities, key messages."""

from __future__ import annotations

import pandas as pd
import pytest

from vpanalysis import registers
from vpanalysis.steps import followup as fu

# ---------------------------------------------------------------- goal status


@pytest.mark.parametrize(
    ("latest_year", "latest", "status"),
    [
        (2023, 15.6, "on_track"),  # exactly on the line 18 -> 12 over 2021-2026
        (2023, 15.61, "not_on_track"),
        (2023, 15.0, "on_track"),
        (2024, 12.0, "reached"),  # exactly at the target
        (2023, 11.0, "reached"),
        (2021, 10.0, "no_data"),  # the baseline year is no follow-up
        (None, None, "no_data"),
        (2027, 12.5, "not_on_track"),  # target year passed
        (2023, 18.5, "not_on_track"),  # wrong direction
    ],
)
def test_classify_decrease_boundaries(latest_year, latest, status):
    got, _, _ = fu.classify(2021, 18.0, 2026, 12.0, "decrease", latest_year, latest)
    assert got == status


def test_classify_increase_and_progress():
    status, progress, expected = fu.classify(2020, 50.0, 2030, 70.0, "increase", 2025, 60.0)
    assert (status, progress, expected) == ("on_track", 0.5, 0.5)
    assert fu.classify(2020, 50.0, 2030, 70.0, "increase", 2025, 59.9)[0] == "not_on_track"
    assert fu.classify(2020, 50.0, 2030, 70.0, "increase", 2022, 70.0)[0] == "reached"
    with pytest.raises(ValueError):
        fu.classify(2020, 50.0, 2030, 70.0, "up", 2022, 70.0)


def goals_table(*rows: tuple) -> pd.DataFrame:
    columns = [
        "goal_id", "municipality_code", "goal", "indicator", "baseline_year", "baseline_value",
        "target_value", "target_year", "direction", "latest_year", "latest_value",
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype({"latest_year": "Int64", "latest_value": "Float64"})


def test_goal_status_takes_latest_value_from_register_or_indicator_table():
    goals = goals_table(
        (
            "G1",
            "2161",
            "Minska A",
            "kolada:N07403",
            2020,
            100.0,
            80.0,
            2030,
            "decrease",
            2022,
            97.0,
        ),
        ("G2", "2161", "Minska B", "kolada:N07402", 2020, 10.0, 5.0, 2030, "decrease", None, None),
        (
            "G3",
            "2161",
            "Öka C",
            "skolenkat:skydd_vuxen",
            2020,
            60.0,
            80.0,
            2030,
            "increase",
            2024,
            70.0,
        ),
        (
            "G4",
            "2183",
            "Minska A",
            "kolada:N07403",
            2020,
            100.0,
            80.0,
            2030,
            "decrease",
            None,
            None,
        ),
    )
    table = pd.DataFrame(
        {
            "indicator": ["kolada:N07403", "kolada:N07403", "kolada:N07403", "kolada:N07402"],
            "region_code": ["2161", "2161", "2183", "2161"],
            "year": [2020, 2024, 2024, 2020],
            "value": [100.0, 90.0, 99.0, 10.0],
        }
    )
    out = fu.goal_status(goals, table).set_index("goal_id")
    assert (out.loc["G1", "latest_year"], out.loc["G1", "latest_value"]) == (2024, 90.0)
    assert out.loc["G1", "latest_source"] == "indicator" and out.loc["G1", "status"] == "on_track"
    assert out.loc["G2", "status"] == "no_data"  # only the baseline year in the table
    assert out.loc["G3", "latest_source"] == "register" and out.loc["G3", "status"] == "on_track"
    assert out.loc["G4", "status"] == "not_on_track"  # 99 after 4 of 10 years
    assert out.loc["G4", "status_label"] == "Inte på väg mot målet"
    as_of = fu.goal_status(goals, table, as_of=2023).set_index("goal_id")
    assert as_of.loc["G1", "latest_year"] == 2022 and as_of.loc["G1", "status"] == "not_on_track"
    assert as_of.loc["G3", "status"] == "no_data"  # its hand-filled value is from 2024
    assert set(fu.goal_status(goals, municipality="2183")["goal_id"]) == {"G4"}
    assert set(fu.STATUS_LABELS) == set(fu.STATUSES)


# ---------------------------------------------------------------- training coverage


@pytest.fixture
def plan() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "municipality_code": ["2161"] * 4,
            "administration": ["Skola", "Social", "Skola", "Social"],
            "year": [2022, 2022, 2023, 2023],
            "planned": [100, 50, 20, 0],
        }
    )


@pytest.fixture
def log() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "municipality_code": ["2161"] * 4,
            "date": pd.to_datetime(["2022-03-01", "2022-09-01", "2022-05-01", "2023-04-01"]),
            "administration": ["Skola", "skola ", "Social", "Social"],
            "participants": [40, 40, 50, 5],
        }
    )


def test_training_coverage(plan, log):
    out = fu.training_coverage(plan, log).set_index(["administration", "year"])
    assert out.loc[("Skola", 2022), "trained"] == 80  # spelling differences ignored
    assert out.loc[("Skola", 2022), "share"] == pytest.approx(0.8)
    assert out.loc[("Skola", 2023), "trained"] == 0
    assert out.loc[("Skola", 2023), "cumulative_share"] == pytest.approx(80 / 120)
    assert out.loc[("Social", 2022), "share"] == 1.0
    assert pd.isna(out.loc[("Social", 2023), "share"])  # nothing planned
    assert out.loc[("Social", 2023), "cumulative_share"] == pytest.approx(55 / 50)
    total = fu.training_coverage(plan, log, year=2023, total=True).set_index("administration")
    assert list(total.index) == ["Skola", "Social", "Totalt"]
    assert total.loc["Totalt", "cumulative_planned"] == 170
    assert total.loc["Totalt", "cumulative_trained"] == 135


def test_training_without_plan_row_has_planned_zero(plan, log):
    extra = pd.concat(
        [
            log,
            pd.DataFrame(
                {
                    "municipality_code": ["2161"],
                    "date": pd.to_datetime(["2024-01-10"]),
                    "administration": ["Skola"],
                    "participants": [3],
                }
            ),
        ],
        ignore_index=True,
    )
    out = fu.training_coverage(plan, extra, year=2024)
    assert (out["planned"].iloc[0], out["trained"].iloc[0]) == (0, 3)
    assert out["cumulative_share"].iloc[0] == pytest.approx(83 / 120)


def test_register_indicators_and_goal_on_training_coverage(plan, log):
    ind = fu.register_indicators(plan, log)
    cov = ind[ind["indicator"] == "register:training_coverage"].set_index("year")["value"]
    assert cov[2022] == pytest.approx(130 / 150 * 100)
    assert cov[2023] == pytest.approx(135 / 170 * 100)
    goals = goals_table(
        ("G", "2161", "Utbilda", "register:training_coverage", 2021, 0.0, 100.0, 2024,
         "increase", None, None),
    )  # fmt: skip
    status = fu.goal_status(goals, ind).iloc[0]
    assert status["latest_year"] == 2023 and status["status"] == "on_track"


# ---------------------------------------------------------------- activities


@pytest.fixture
def activities() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "municipality_code": ["2161", "2161", "2161", "2183"],
            "start_date": pd.to_datetime(["2022-11-20", "2022-03-08", "2023-05-01", "2023-11-19"]),
            "end_date": pd.to_datetime(["2022-11-21", "2022-03-08", "2023-05-01", "2023-11-19"]),
            "name": ["Vecka 47", "Föreläsning", "Möte", "Söndag före vecka 47"],
            "organiser": ["Kommunen", "Soc", "Kommunen", "Kommunen"],
            "reach": pd.array([500, None, 40, 10], dtype="Int64"),
            "channels": [("webb", "sociala medier"), ("webb",), (), ("webb",)],
        }
    )


def test_activity_summary(activities):
    out = fu.activity_summary(activities).set_index(["municipality_code", "year"])
    first = out.loc[("2161", 2022)]
    assert first["n_activities"] == 2 and first["reach"] == 500 and first["n_reach_missing"] == 1
    assert first["week_47"]  # 2022-11-21 is the Monday of week 47
    assert first["channels"] == "webb, sociala medier"
    assert not out.loc[("2161", 2023), "week_47"]
    assert not out.loc[("2183", 2023), "week_47"]  # 2023-11-19 is in week 46
    assert len(fu.activity_summary(activities, "2161", year=2023)) == 1


def test_activities_from_register_default_end_date():
    regs = registers.load_registers()
    assert regs.activities["end_date"].notna().all()
    out = fu.activity_summary(regs.activities, "2161")
    assert out["week_47"].all() and list(out["year"]) == [2021, 2022, 2023]


# ---------------------------------------------------------------- key messages


def test_key_messages(plan, log, activities):
    status = pd.DataFrame(
        {
            "goal": ["Minska A", "Öka B", "Minska C", "Öka D"],
            "status": ["reached", "on_track", "not_on_track", "no_data"],
            "latest_value": [1.0, 2.0, 14.5, None],
            "latest_year": [2023, 2023, 2023, None],
            "target_value": [1.0, 3.0, 10.0, 5.0],
            "target_year": [2026, 2026, 2026, 2026],
        }
    )
    coverage = fu.training_coverage(plan, log)
    messages = fu.key_messages(
        status, coverage, activities[activities["municipality_code"] == "2161"]
    )
    text = "\n".join(messages)
    assert "Av 4 mål är 1 nått, 1 på väg att nås och 1 inte på väg att nås." in text
    assert "1 mål saknar uppföljningsvärde än." in text
    assert "Inte på väg: ”Minska C” (senast 14,5 år 2023, målet är 10,0 år 2026)." in text
    assert "135 av 170 planerade medarbetare har utbildats (79\u00a0%)" in text
    assert "2022–2023" in text
    assert "Lägst andel utbildade: Skola (67\u00a0%)." in text
    assert "Under 2023 genomfördes 1 aktivitet som nådde minst 40 personer." in text
    assert "Ingen aktivitet under vecka 47" in text
    only_2022 = fu.key_messages(
        activities=activities[activities["municipality_code"] == "2161"], year=2022
    )
    assert only_2022[-1] == "En vecka fri från våld (vecka 47) uppmärksammades 2022."
    assert fu.key_messages() == []


def test_key_messages_when_no_goal_has_data():
    one = pd.DataFrame({"goal": ["A"], "status": ["no_data"]})
    assert fu.key_messages(one) == ["Målet har inget uppföljningsvärde än."]
    two = pd.DataFrame({"goal": ["A", "B"], "status": ["no_data", "no_data"]})
    assert fu.key_messages(two) == ["Inget av de 2 målen har något uppföljningsvärde än."]


def test_example_registers_follow_up_end_to_end():
    regs = registers.load_registers().for_municipality("2161")
    ind = fu.register_indicators(regs.training_plan, regs.training_log, regs.activities)
    status = fu.goal_status(regs.goals, ind).set_index("goal_id")
    assert status.loc["LJ-M6", "status"] == "reached"
    assert status.loc["LJ-M5", "status"] == "not_on_track"
    assert status.loc["LJ-M3", "status"] == "no_data"
    assert status.loc["LJ-M4", "latest_source"] == "indicator"
    coverage = fu.training_coverage(regs.training_plan, regs.training_log)
    messages = fu.key_messages(status.reset_index(), coverage, regs.activities)
    assert any("Omsorgsförvaltningen" in m for m in messages)


def test_empty_registers_give_empty_results(plan, log, activities):
    no_plan, no_log, no_activities = plan.iloc[0:0], log.iloc[0:0], activities.iloc[0:0]
    assert fu.training_coverage(no_plan, no_log, total=True).empty
    assert fu.register_indicators(no_plan, no_log, no_activities).empty
    assert fu.activity_summary(no_activities).empty
    assert fu.key_messages(None, fu.training_coverage(no_plan, no_log), no_activities) == []
    unplanned = fu.training_coverage(no_plan, log).set_index("year")
    assert unplanned.loc[2023, "planned"] == 0 and pd.isna(unplanned.loc[2023, "share"])
