"""Step 5: goal status, training coverage, activities, key messages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from chart_support import assert_nothing_overlaps

from vpanalysis import data, registers
from vpanalysis.presentation import followup as pf
from vpanalysis.steps import followup as fu

# ---------------------------------------------------------------- goal status


@pytest.mark.parametrize(
    ("latest_year", "latest", "lower", "upper", "status"),
    [
        # the line 18 -> 12 over 2021-2026 is at 15.6 in 2023
        (2023, 15.0, 14.0, 15.6, "on_track"),  # the whole interval on the line or past it
        (2023, 15.0, 14.0, 16.0, "within_margin"),  # the interval covers the line
        (2023, 17.0, 16.0, 18.0, "not_on_track"),  # the whole interval behind the line
        (2024, 11.5, 11.0, 11.9, "reached"),  # past the target, and so is the interval
        (2024, 11.9, 11.0, 12.8, "on_track"),  # past the target, interval covers it: not
        (2026, 11.9, 11.0, 12.8, "within_margin"),  # reached; in the target year, unsure
        (2027, 12.5, 12.1, 12.9, "not_on_track"),  # target year passed, behind it
        (2021, 10.0, 9.0, 11.0, "no_data"),  # the baseline year is no follow-up
        (None, None, None, None, "no_data"),
    ],
)
def test_classify_with_an_interval(latest_year, latest, lower, upper, status):
    got, _, _ = fu.classify(2021, 18.0, 2026, 12.0, "decrease", latest_year, latest, lower, upper)
    assert got == status


def test_classify_without_an_interval_needs_two_values():
    # one value after the baseline: never "on track" from one year
    assert fu.classify(2021, 18.0, 2026, 12.0, "decrease", 2023, 15.0)[0] == "within_margin"
    v = fu.verdicts.goal_verdict(2021, 18.0, 2026, 12.0, "decrease", 2023, 15.0)
    assert v.notes == ("no_interval", "one_value") and v.path_value == pytest.approx(15.6)
    # two values on the right side of the line; both behind it; one on each side
    on = fu.classify(2021, 18.0, 2026, 12.0, "decrease", 2023, 15.0, previous=(2022, 16.0))
    behind = fu.classify(2021, 18.0, 2026, 12.0, "decrease", 2023, 17.0, previous=(2022, 17.5))
    mixed = fu.classify(2021, 18.0, 2026, 12.0, "decrease", 2023, 15.0, previous=(2022, 17.5))
    assert (on[0], behind[0], mixed[0]) == ("on_track", "not_on_track", "within_margin")
    assert fu.classify(2021, 18.0, 2026, 12.0, "decrease", 2024, 12.0)[0] == "reached"


def test_classify_increase_and_progress():
    status, progress, expected = fu.classify(
        2020, 50.0, 2030, 70.0, "increase", 2025, 62.0, 60.5, 63.5
    )
    assert (status, progress, expected) == ("on_track", 0.6, 0.5)
    # "Målet är nått" at 82,2 (77,5–86,1) against 82,0 was wrong: within the margin
    assert fu.classify(2020, 75.1, 2026, 82.0, "increase", 2024, 82.2, 77.5, 86.1)[0] == (
        "within_margin"
    )
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
            95.0,
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
    out = pf.with_status_labels(fu.goal_status(goals, table)).set_index("goal_id")
    assert (out.loc["G1", "latest_year"], out.loc["G1", "latest_value"]) == (2024, 90.0)
    # no interval: on track from two values past the line (95 in 2022, 90 in 2024)
    assert out.loc["G1", "latest_source"] == "indicator" and out.loc["G1", "status"] == "on_track"
    assert out.loc["G1", "notes"] == "no_interval"
    assert out.loc["G2", "status"] == "no_data"  # only the baseline year in the table
    assert out.loc["G3", "latest_source"] == "register"
    # one value, no interval: no margin to be within, step 5's own status
    assert out.loc["G3", "status"] == fu.UNDECIDED == "undecided"
    assert out.loc["G3", "notes"] == "no_interval,one_value"
    assert out.loc["G4", "status"] == "undecided"  # 99 after 4 of 10 years, one value
    assert out.loc["G4", "status_label"] == "Kan inte avgöras än"
    as_of = fu.goal_status(goals, table, as_of=2023).set_index("goal_id")
    assert as_of.loc["G1", "latest_year"] == 2022 and as_of.loc["G1", "status"] == "undecided"
    assert as_of.loc["G3", "status"] == "no_data"  # its hand-filled value is from 2024
    assert set(fu.goal_status(goals, municipality="2183")["goal_id"]) == {"G4"}
    assert set(pf.STATUS_LABELS) == set(fu.STATUSES)


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
    total = pf.with_total_label(fu.training_coverage(plan, log, year=2023, total=True))
    total = total.set_index("administration")
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
    # 86.7 % in 2022, 79.4 % in 2023: both past the line 0 -> 100 over 2021-2024
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
            "goal_id": ["A", "B", "C", "D", "E"],
            "goal": ["Minska A", "Öka B", "Minska C", "Öka D", "Öka E"],
            "status": ["reached", "on_track", "not_on_track", "no_data", "within_margin"],
            "latest_value": [1.0, 2.0, 14.5, None, 82.2],
            "latest_lower": [None, None, 12.1, None, 77.5],
            "latest_upper": [None, None, 16.9, None, 86.1],
            "latest_year": [2023, 2023, 2023, None, 2024],
            "target_value": [1.0, 3.0, 10.0, 5.0, 82.0],
            "target_year": [2026, 2026, 2026, 2026, 2026],
            "notes": ["no_interval", "no_interval", "", "", ""],
        }
    )
    coverage = fu.training_coverage(plan, log)
    messages = pf.key_messages(
        status, coverage, activities[activities["municipality_code"] == "2161"]
    )
    text = "\n".join(messages)
    assert (
        "Av 5 mål är 1 nått, 1 på väg mot målet, 1 inom felmarginalen och 1 inte på väg mot "
        "målet." in text
    )
    assert "1 mål saknar uppföljningsvärde än." in text
    assert "Inget uppföljningsvärde än: ”Öka D”." in text
    # every goal with a value is in the summary, with its uncertainty
    assert (
        "Inte på väg mot målet: ”Minska C” – senast 14,5 (12,1–16,9) år 2023, målet är 10,0 "
        "år 2026." in text
    )
    assert (
        "Inom felmarginalen: ”Öka E” – senast 82,2 (77,5–86,1) år 2024, målet är 82,0 år "
        "2026." in text
    )
    assert "Målet är nått (värdet saknar osäkerhetsmått): ”Minska A”" in text
    assert "På väg mot målet (värdet saknar osäkerhetsmått): ”Öka B”" in text
    assert "135 av 170 planerade medarbetare har utbildats (79\u00a0%)" in text
    assert "2022–2023" in text
    assert "Lägst" not in text and "Skola" not in text  # no department singled out
    assert "minst" not in text  # reach is the organisers' estimate, not a minimum
    assert (
        "Under 2023 genomfördes 1 aktivitet; arrangören uppskattar att den nådde omkring "
        "40 personer (en uppskattning, inte en räkning)." in text
    )
    assert "Ingen aktivitet under vecka 47" in text
    only_2022 = pf.key_messages(
        activities=activities[activities["municipality_code"] == "2161"], year=2022
    )
    assert only_2022[-1] == "En vecka fri från våld (vecka 47) uppmärksammades 2022."
    assert pf.key_messages() == []


def test_key_messages_when_no_goal_has_data():
    one = pd.DataFrame({"goal": ["A"], "status": ["no_data"]})
    assert pf.key_messages(one) == ["Målet har inget uppföljningsvärde än."]
    two = pd.DataFrame({"goal": ["A", "B"], "status": ["no_data", "no_data"]})
    assert pf.key_messages(two) == ["Inget av de 2 målen har något uppföljningsvärde än."]


def test_example_registers_follow_up_end_to_end(built_data):
    regs = registers.load_registers(built_data / "raw" / "registers").for_municipality("2161")
    sources = data.Tables.load(built_data)
    series = fu.goal_series(regs.goals, "2161", sources, registers=regs)
    status = fu.goal_status(regs.goals, series).set_index("goal_id")
    # the example register's baselines are the data's own values in the baseline year
    for _, row in status.iterrows():
        here = series[
            (series["indicator"] == row["indicator"]) & (series["year"] == row["baseline_year"])
        ]
        if len(here):
            assert here["value"].iloc[0] == pytest.approx(row["baseline_value"], abs=0.05)
    # 75,1 -> 82,2 (interval covering 82) in 2024, target 82: not "reached"
    assert status.loc["LJ-M2", "status"] == "within_margin"
    assert status.loc["LJ-M2", "latest_lower"] < 82 < status.loc["LJ-M2", "latest_upper"]
    assert status.loc["LJ-M1", "status"] == "not_on_track"  # rising, should fall
    assert "no_interval" in status.loc["LJ-M3", "notes"]  # Kolada without its count
    assert (status["latest_source"] == "indicator").all()
    coverage = fu.training_coverage(regs.training_plan, regs.training_log)
    messages = pf.key_messages(status.reset_index(), coverage, regs.activities)
    assert not any("Omsorgsförvaltningen" in m for m in messages)
    assert sum("”" in m for m in messages) == len(status)  # every goal is in the summary


def test_empty_registers_give_empty_results(plan, log, activities):
    no_plan, no_log, no_activities = plan.iloc[0:0], log.iloc[0:0], activities.iloc[0:0]
    assert fu.training_coverage(no_plan, no_log, total=True).empty
    assert fu.register_indicators(no_plan, no_log, no_activities).empty
    assert fu.activity_summary(no_activities).empty
    assert pf.key_messages(None, fu.training_coverage(no_plan, no_log), no_activities) == []
    unplanned = fu.training_coverage(no_plan, log).set_index("year")
    assert unplanned.loc[2023, "planned"] == 0 and pd.isna(unplanned.loc[2023, "share"])


# ---------------------------------------------------------------- goal indicator series


def _survey(counts: dict[int, tuple[int, int]], item: str = "risk_skolk") -> pd.DataFrame:
    """Respondents of 2161: per year (pupils answering 1, pupils answering 0)."""
    rows = []
    for year, (yes, no) in counts.items():
        rows += [{"region_code": "2161", "year": year, item: 1}] * yes
        rows += [{"region_code": "2161", "year": year, item: 0}] * no
    rows += [{"region_code": "2183", "year": 2020, item: 1}] * 50  # another municipality
    frame = pd.DataFrame(rows)
    return frame.astype({item: "Int64"})


CODEBOOK = pd.DataFrame(
    {
        "item": ["risk_skolk", "risk_normer"],
        "question": ["Har du skolkat?", "Det är okej att slå någon."],
        "codes": ["0=Nej|1=Ja", "1=Stämmer inte alls|2=Dåligt|3=Ganska bra|4=Helt|9=Vet inte"],
        "missing_codes": ["", "9"],
        "cutoff": ["", ">= 3"],
    }
)


def test_split_indicator():
    assert fu.split_indicator("skolenkat:risk_normer") == ("skolenkat", "risk_normer")
    assert fu.split_indicator("register:training_coverage") == ("register", "training_coverage")
    with pytest.raises(ValueError):
        fu.split_indicator("N07403")


def test_survey_series_share_interval_and_disclosure():
    survey = _survey({2018: (30, 70), 2020: (3, 97), 2022: (98, 2)})
    sources = data.Tables(survey=survey, codebook=CODEBOOK)
    s = fu.indicator_series("skolenkat:risk_skolk", "2161", sources, threshold=5)
    s = s.set_index("year")
    assert s.loc[2018, "value"] == pytest.approx(30.0)
    assert s.loc[2018, "lower"] < 30 < s.loc[2018, "upper"]
    assert (s.loc[2018, "count"], s.loc[2018, "population"]) == (30, 100)
    # 3 pupils with the answer, and 2 pupils without it, are both too few to publish
    for year in (2020, 2022):
        assert s.loc[year, "suppressed"]
        assert s.loc[year, ["value", "lower", "upper", "count"]].isna().all()
    assert not s.loc[2018, "suppressed"]
    # a threshold of 2 lets 3 and 98/2 through except the 2 pupils without the answer
    loose = fu.indicator_series("skolenkat:risk_skolk", "2161", sources, threshold=2)
    assert loose["value"].notna().sum() == 3


def test_survey_series_uses_codebook_cutoff():
    survey = pd.DataFrame(
        {"region_code": "2161", "year": 2020, "risk_normer": [1, 2, 3, 4, 9, None] * 10}
    ).astype({"risk_normer": "Int64"})
    survey["risk_normer"] = survey["risk_normer"].mask(survey["risk_normer"] == 9)
    sources = data.Tables(survey=survey, codebook=CODEBOOK)
    s = fu.indicator_series("skolenkat:risk_normer", "2161", sources)
    assert s["value"].iloc[0] == pytest.approx(50.0)  # answers 3 and 4 of 1..4
    assert s["population"].iloc[0] == 40


def test_series_empty_for_unknown_item_or_municipality():
    sources = data.Tables(survey=_survey({2020: (10, 10)}), codebook=CODEBOOK)
    assert fu.indicator_series("skolenkat:no_such_item", "2161", sources).empty
    assert fu.indicator_series("skolenkat:risk_skolk", "0180", sources).empty
    assert fu.indicator_series("kolada:N07403", "2161", sources).empty  # no Kolada table
    assert list(fu.indicator_series("okänd:x", "2161", sources).columns) == fu.SERIES_COLUMNS


def test_kolada_series_takes_both_sexes():
    kolada = pd.DataFrame(
        {
            "kpi": ["N07403"] * 4,
            "region_code": ["2161", "2161", "2161", "2183"],
            "year": [2020, 2020, 2021, 2021],
            "sex": ["T", "K", "T", "T"],
            "value": [900.0, 400.0, 880.0, 1.0],
        }
    )
    s = fu.indicator_series("kolada:N07403", "2161", data.Tables(kolada=kolada))
    assert s["value"].tolist() == [900.0, 880.0]
    assert s["lower"].isna().all()


def test_register_series(plan, log):
    s = fu.indicator_series("register:training_coverage", "2161", plan=plan, log=log)
    assert s.set_index("year").loc[2023, "value"] == pytest.approx(135 / 170 * 100)


def test_bra_series_and_goal_status_from_built_data(built_data):
    sources = data.Tables.load(built_data)
    s = fu.indicator_series("bra:misshandel inkl. GROV", "2161", sources).set_index("year")
    obs = sources.observations
    obs = obs[
        (obs["source"] == "bra")
        & (obs["region_code"] == "2161")
        & (obs["category"] == "Misshandel inkl. grov")
    ].set_index("year")
    pop = sources.population
    pop = pop[pop["region_code"] == "2161"].groupby("year")["population"].sum()
    assert s.loc[2020, "count"] == obs.loc[2020, "count"]
    assert s.loc[2020, "value"] == pytest.approx(obs.loc[2020, "count"] / pop[2020] * 100_000)
    assert s.loc[2020, "lower"] < s.loc[2020, "value"] < s.loc[2020, "upper"]


def test_goal_series_gives_goal_status_the_latest_value_from_the_data(built_data):
    regs = registers.load_registers(built_data / "raw" / "registers").for_municipality("2161")
    sources = data.Tables.load(built_data)
    series = fu.goal_series(regs.goals, "2161", sources, registers=regs)
    assert set(series["indicator"]) == set(regs.goals["indicator"])
    status = fu.goal_status(regs.goals, indicators=series).set_index("goal_id")
    kolada = sources.kolada
    latest = kolada[
        (kolada["kpi"] == "N07403") & (kolada["region_code"] == "2161") & (kolada["sex"] == "T")
    ].sort_values("year")
    assert status.loc["LJ-M3", "latest_year"] == latest["year"].iloc[-1]
    assert status.loc["LJ-M3", "latest_value"] == pytest.approx(latest["value"].iloc[-1])
    assert status.loc["LJ-M3", "latest_source"] == "indicator"
    assert status.loc["LJ-M1", "latest_year"] == sources.survey["year"].max()


def test_indicator_label_and_unit():
    sources = data.Tables(
        codebook=CODEBOOK,
        kpis=pd.DataFrame({"kpi": ["N07403"], "title": ["Anmälda våldsbrott"], "unit": ["/100k"]}),
    )
    label = pf.indicator_label("skolenkat:risk_normer", sources)
    assert "”Ganska bra” eller ”Helt”" in label and "Det är okej att slå någon." in label
    assert "”Ja”" in pf.indicator_label("skolenkat:risk_skolk", sources)
    assert pf.indicator_label("kolada:N07403", sources) == "Anmälda våldsbrott (Kolada N07403)"
    assert pf.indicator_unit("kolada:N07403", sources) == "/100k"
    assert pf.indicator_unit("skolenkat:risk_normer") == "andel elever (%)"
    assert "Utbildad personal" in pf.indicator_label("register:training_coverage")


def test_data_sources():
    goals = pd.DataFrame({"indicator": ["bra:Olaga hot", "skolenkat:x", "register:y", "x"]})
    assert fu.data_sources(goals) == ["bra", "scb", "skolenkat", "registers"]
    assert fu.data_sources(goals.iloc[0:0]) == ["registers"]


# ---------------------------------------------------------------- before/after


def _its_inputs(counts, years, population, start="2020-03-01", intervention="I1"):
    series = pd.DataFrame(
        {
            "indicator": "bra:Olaga hot",
            "municipality_code": "2161",
            "year": years,
            "value": np.asarray(counts) / population * 100_000,
            "lower": np.nan,
            "upper": np.nan,
            "count": counts,
            "population": population,
            "suppressed": False,
        }
    )
    goals = goals_table(
        ("G1", "2161", "Minska hot", "bra:Olaga hot", 2019, 100.0, 80.0, 2026, "decrease",
         None, None),
    ).assign(intervention_id=[intervention])  # fmt: skip
    interventions = pd.DataFrame(
        {"intervention_id": ["I1"], "name": ["Insats"], "start_date": pd.to_datetime([start])}
    )
    return goals, series, interventions


def test_goal_its_recovers_a_known_level_change():
    rng = np.random.default_rng(20240)
    years = np.arange(2012, 2025)
    population = np.full(len(years), 200_000.0)
    true_level = 0.7
    base = 400 * 1.01 ** (years - 2012)
    expected = base * np.where(years >= 2020, true_level, 1.0)
    counts = rng.poisson(expected)
    goals, series, interventions = _its_inputs(counts, years, population)
    its = pf.with_its_reasons(fu.goal_its(goals, series, interventions)).iloc[0]
    assert its["estimated"]
    assert its["intervention_year"] == 2020
    assert (its["n_before"], its["n_after"]) == (8, 5)
    assert its["level_lower"] < true_level < its["level_upper"]
    assert its["level_upper"] < 1  # a 30 % drop on these counts is clearly detected
    assert its["trend_lower"] < 1 < its["trend_upper"]
    assert "sjönk" in its["reason"]


def test_goal_its_no_change_gives_interval_around_one():
    rng = np.random.default_rng(7)
    years = np.arange(2012, 2025)
    counts = rng.poisson(np.full(len(years), 300.0))
    goals, series, interventions = _its_inputs(counts, years, np.full(len(years), 1e5))
    its = pf.with_its_reasons(fu.goal_its(goals, series, interventions)).iloc[0]
    assert its["level_lower"] < 1 < its["level_upper"]
    assert "Ingen säker förändring" in its["reason"]


def test_goal_its_says_why_when_it_cannot_estimate():
    years = np.arange(2018, 2025)
    counts = np.random.default_rng(1).poisson(np.full(len(years), 100.0))
    pop = np.full(len(years), 1e5)
    # the start year counts as after: a start late in 2023 gives 5 years before, 2 after
    goals, series, interventions = _its_inputs(counts, years, pop, start="2023-09-01")
    its = pf.with_its_reasons(fu.goal_its(goals, series, interventions)).iloc[0]
    assert its["estimated"] and (its["n_before"], its["n_after"]) == (5, 2)
    assert "Få mätpunkter" in its["reason"]
    goals, series, interventions = _its_inputs(counts, years, pop, start="2024-01-10")
    its = pf.with_its_reasons(fu.goal_its(goals, series, interventions)).iloc[0]
    assert not its["estimated"] and "För få mätpunkter" in its["reason"]
    assert "1 år från" in its["reason"]
    goals, series, interventions = _its_inputs(counts, years, pop, intervention=None)
    assert (
        "inte kopplat"
        in pf.with_its_reasons(fu.goal_its(goals, series, interventions)).iloc[0]["reason"]
    )
    goals, series, interventions = _its_inputs(counts, years, pop)
    no_date = interventions.assign(start_date=pd.NaT)
    assert (
        "startdatum" in pf.with_its_reasons(fu.goal_its(goals, series, no_date)).iloc[0]["reason"]
    )
    no_counts = series.assign(count=np.nan, population=np.nan)
    assert (
        "antal och befolkning"
        in pf.with_its_reasons(fu.goal_its(goals, no_counts, interventions)).iloc[0]["reason"]
    )
    starts = fu.intervention_starts(fu.goal_its(goals, series, interventions))
    assert starts == {"G1": pytest.approx(2020 + 60 / 366)}  # 1 March of a leap year


def test_its_table_and_messages():
    rng = np.random.default_rng(3)
    years = np.arange(2012, 2025)
    counts = rng.poisson(np.where(years >= 2020, 200.0, 400.0))
    goals, series, interventions = _its_inputs(counts, years, np.full(len(years), 1e5))
    its = pf.with_its_reasons(fu.goal_its(goals, series, interventions))
    table = pf.its_table(its)
    row = table.iloc[0]
    assert row["Mätpunkter före / efter"] == "8 / 5"
    assert row["Nivåförändring (kvot, 95 % KI)"].startswith("0,")
    assert "(start 2020-03-01)" in row["Insats"]
    goal = its["goal"].iloc[0]
    assert pf.its_messages(its) == [f"Målet ”{goal}”, insatsen Insats: {its['reason'].iloc[0]}"]
    assert "G1" not in table["Mål"].iloc[0] and row["Mål"] == goal  # the goal's text, no id
    none = its.assign(estimated=False)
    assert "Ingen före–efter-analys" in pf.its_messages(none)[0]


# ---------------------------------------------------------------- report tables


def test_baseline_check():
    goals = goals_table(
        ("G1", "2161", "A", "skolenkat:x", 2020, 18.0, 12.0, 2026, "decrease", None, None),
        ("G2", "2161", "B", "kolada:K", 2021, 100.0, 80.0, 2026, "decrease", None, None),
        ("G3", "2161", "C", "kolada:L", 2021, 100.0, 80.0, 2026, "decrease", None, None),
        ("G4", "2161", "D", "register:training_coverage", 2021, 0.0, 100.0, 2025, "increase",
         None, None),
        ("G5", "2161", "E", "skolenkat:y", 2019, 10.0, 5.0, 2026, "decrease", None, None),
    )  # fmt: skip
    series = pd.DataFrame(
        {
            "indicator": ["skolenkat:x", "kolada:K", "kolada:L", "register:training_coverage",
                          "skolenkat:y"],
            "year": [2020, 2022, 2021, 2022, 2020],
            "value": [33.0, 105.0, 125.0, 56.0, 30.0],
            "lower": [30.0, np.nan, np.nan, np.nan, 28.0],
            "upper": [36.0, np.nan, np.nan, np.nan, 32.0],
        }
    )  # fmt: skip
    messages = pf.baseline_check(goals, series)
    # each goal by its own words, never by its id
    assert [m.split(":")[0] for m in messages] == [f"Målet ”{n}”" for n in "ACEB"]
    assert "33,0 år 2020" in messages[0]
    assert "30,0 år 2020" in messages[2]  # the biennial survey: the nearest year counts
    # G2's source has no value in its baseline year (2021, only 2022): it cannot be checked
    assert "(år 2021) kan inte kontrolleras" in messages[3]


def test_goal_table_shows_interval_and_status():
    goals = goals_table(
        ("G1", "2161", "Minska", "skolenkat:risk_skolk", 2018, 30.0, 20.0, 2026, "decrease",
         None, None),
    )  # fmt: skip
    sources = data.Tables(survey=_survey({2018: (30, 70), 2022: (25, 75)}), codebook=CODEBOOK)
    series = fu.indicator_series("skolenkat:risk_skolk", "2161", sources)
    status = fu.goal_status(goals, indicators=series)
    row = pf.goal_table(status, series, sources).iloc[0]
    assert row["Mål"] == "Minska"  # the goal's text, not its id
    assert row["Utgångsläge (år)"] == "30,0 (2018)"
    assert row["Senaste värde (år)"] == "25,0 (2022)"
    ci = series.set_index("year").loc[2022]
    assert row["95 % konfidensintervall"] == (
        f"{ci['lower']:.1f}–{ci['upper']:.1f}".replace(".", ",")
    )
    assert row["Status"] == pf.STATUS_LABELS[status["status"].iloc[0]]
    assert pf.status_counts(status) == [
        (pf.STATUS_LABELS[s], "1" if s == status["status"].iloc[0] else "0") for s in fu.STATUSES
    ]


def test_training_table(plan, log):
    coverage = pf.with_total_label(fu.training_coverage(plan, log, municipality="2161", total=True))
    table = pf.training_table(coverage).set_index("Förvaltning")
    last = int(coverage["year"].max())
    total = coverage[(coverage["administration"] == pf.TOTAL_LABEL) & (coverage["year"] == last)]
    assert table.index[-1] == pf.TOTAL_LABEL
    assert table.loc[pf.TOTAL_LABEL, "Planerat hittills"] == total["cumulative_planned"].iloc[0]
    assert table.loc[pf.TOTAL_LABEL, "Utbildade hittills"] == total["cumulative_trained"].iloc[0]
    assert table.loc[pf.TOTAL_LABEL, "Andel av planen (%)"] == pytest.approx(
        total["cumulative_share"].iloc[0] * 100
    )
    chart = pf.training_chart_data(coverage)
    assert pf.TOTAL_LABEL not in set(chart["category"])
    assert len(chart) == len(table) - 1
    assert pf.training_table(coverage.iloc[0:0]).empty


def test_activity_tables(activities):
    mine = activities[activities["municipality_code"] == "2161"].assign(
        target_group="Alla", end_date=lambda d: d["end_date"]
    )
    table = pf.activity_table(mine)
    assert table["Aktivitet"].tolist() == ["Föreläsning", "Vecka 47", "Möte"]
    assert table["Vecka 47"].tolist() == ["", "Ja", ""]
    assert table["Datum"].iloc[1] == "2022-11-20 – 2022-11-21"
    assert table["Kanaler"].iloc[1] == "webb, sociala medier"
    per_year = pf.activity_year_table(mine).set_index("År")
    assert per_year.loc["2022", "Antal aktiviteter"] == 2
    assert per_year.loc["2022", "En vecka fri från våld (v. 47)"] == "Ja"
    assert per_year.loc["2023", "En vecka fri från våld (v. 47)"] == "Nej"


def test_summary_messages_add_its(plan, log, activities):
    its = pd.DataFrame({"goal_id": ["G"], "goal": ["Färre ska utsättas"], "intervention": ["X"],
                        "estimated": [True], "reason": ["Nivån sjönk."]})  # fmt: skip
    coverage = fu.training_coverage(plan, log, municipality="2161")
    messages = pf.summary_messages(None, coverage, activities, its)
    assert messages[:-1] == pf.key_messages(None, coverage, activities)
    assert messages[-1] == "Målet ”Färre ska utsättas”, insatsen X: Nivån sjönk."


def test_goal_progress_chart_has_one_panel_per_goal():
    from vpanalysis import plots

    goals = goals_table(
        ("G1", "2161", "A", "kolada:K", 2020, 100.0, 80.0, 2026, "decrease", None, None),
        ("G2", "2161", "B", "kolada:L", 2020, 10.0, 20.0, 2026, "increase", None, None),
        ("G3", "2161", "C", "kolada:M", 2020, 10.0, 20.0, 2026, "increase", None, None),
    ).assign(status_label="På väg mot målet")
    series = pd.DataFrame(
        {"indicator": ["kolada:K", "kolada:K"], "year": [2020, 2022], "value": [100.0, 90.0],
         "lower": [np.nan, np.nan], "upper": [np.nan, np.nan]}
    )  # fmt: skip
    fig = plots.goal_progress(goals, series, starts={"G1": 2021})
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 3
    assert visible[0].get_title(loc="left") == "A\nPå väg mot målet"  # the goal's text, no id
    assert any(line.get_xdata()[0] == 2021 for line in visible[0].get_lines())
    assert_nothing_overlaps(fig)  # three-line titles, a label per panel, the legend


def test_report_summary_box():
    from vpanalysis import report

    box = report.summary(["Ett <mål>", ""], title="Rubrik", empty="Inget").data
    assert "<li>Ett &lt;mål&gt;</li>" in box and box.count("<li>") == 1
    assert "Inget" in report.summary([], title="Rubrik", empty="Inget").data


def test_baseline_year_is_the_most_common_goal_baseline():
    goals = goals_table(
        ("G1", "2161", "A", "kolada:K", 2020, 1.0, 0.5, 2026, "decrease", None, None),
        ("G2", "2161", "B", "kolada:K", 2019, 1.0, 0.5, 2026, "decrease", None, None),
        ("G3", "2161", "C", "kolada:K", 2020, 1.0, 0.5, 2026, "decrease", None, None),
        ("G4", "2183", "D", "kolada:K", 2018, 1.0, 0.5, 2026, "decrease", None, None),
        ("G5", "2183", "E", "kolada:K", 2021, 1.0, 0.5, 2026, "decrease", None, None),
    )
    assert fu.baseline_year(goals, "2161") == 2020
    assert fu.baseline_year(goals, "2183") == 2018  # a tie: the earliest
    assert fu.baseline_year(goals, "0180") is None


# ---------------------------------------------------------------- from the publication's cells


def _cell(source, measure, year, value, *, answer="", sex="T", age="alla", region="2161"):
    grade = "alla"
    return {"source": source, "measure": measure, "parent": "", "region": region,
            "year": year, "sex": sex, "age": age, "grade": grade, "answer": answer,
            "value": value, "withheld": value is None}  # fmt: skip


def publication_cells() -> pd.DataFrame:
    """Survey risk_skolk 2018 (30/100), 2020 (withheld yes), 2022 (20/100); social
    services counts 2020 (12) and 2022 (withheld)."""
    rows = []
    for year, yes, answered in ((2018, 30, 100), (2020, None, 100), (2022, 20, 100)):
        rows.append(_cell("skolenkat", "risk_skolk", year, yes, answer="yes"))
        rows.append(_cell("skolenkat", "risk_skolk", year, answered, answer="answered"))
    for year, value in ((2020, 12), (2022, None)):
        rows.append(_cell("socialtjanst", "Våld i nära relation", year, value, age="totalt"))
    return pd.DataFrame(rows).astype({"value": "Float64", "year": "int64"})


def test_goal_series_from_published_cells_withholds_what_the_publication_withholds():
    cells = publication_cells()
    s = fu.indicator_series("skolenkat:risk_skolk", "2161", data.Tables(), cells=cells)
    s = s.set_index("year")
    assert s.loc[2018, "value"] == pytest.approx(30.0)
    assert (s.loc[2018, "count"], s.loc[2018, "population"]) == (30, 100)
    assert s.loc[2020, "suppressed"] and s.loc[2020, ["value", "count", "population"]].isna().all()
    counts = fu.indicator_series("socialtjanst:Våld i nära relation", "2161", cells=cells)
    assert list(counts["value"].astype(object).where(counts["value"].notna(), None)) == [12, None]


def test_published_goal_status_withholds_small_typed_counts_and_their_status():
    goals = goals_table(
        ("G1", "2161", "A", "socialtjanst:Våld", 2020, 3.0, 1.0, 2026, "decrease", 2022, 2.0),
        ("G2", "2161", "B", "skolenkat:risk_skolk", 2020, 33.9, 25.0, 2026, "decrease", None, None),
        ("G3", "2161", "C", "socialtjanst:Våld", 2020, 30.0, 10.0, 2026, "decrease", 2022, 20.0),
    )
    series = fu.indicator_series(
        "skolenkat:risk_skolk", "2161", data.Tables(), cells=publication_cells()
    )
    status = fu.published_goal_status(fu.goal_status(goals, series), series, 5)
    status = status.set_index("goal_id")
    assert status.loc["G1", ["baseline_value", "target_value", "latest_value"]].isna().all()
    assert status.loc["G1", "status"] == "no_data"
    # the 2020 survey share is withheld: the typed baseline share would reveal it
    assert pd.isna(status.loc["G2", "baseline_value"]) and status.loc["G2", "status"] == "no_data"
    assert status.loc["G3", "status"] == "undecided"  # one typed value, no interval
    assert status.loc["G3", "baseline_value"] == 30
    pf.check_goal_counts(status.reset_index(), 5)
    table = pf.goal_table(status.reset_index(), series, threshold=5)
    assert table.loc[0, "Utgångsläge (år)"] == ".."
    with pytest.raises(Exception, match="under 5"):
        pf.check_goal_counts(fu.goal_status(goals, series), 5)


def test_goal_marks_and_chart_cells_are_the_published_cells():
    cells = publication_cells()
    series = fu.indicator_series("skolenkat:risk_skolk", "2161", data.Tables(), cells=cells)
    goals = goals_table(
        ("G2", "2161", "B", "skolenkat:risk_skolk", 2018, 30.0, 25.0, 2026, "decrease", None, None)
    )
    status = fu.goal_status(goals, series)
    marks = pf.goal_marks(status, series, "2161")
    latest = marks.loc[0, "Senaste värde (år)"]
    assert [c["kind"] for c in latest] == ["share", "lower", "upper", "denominator"]
    assert (latest[0]["year"], latest[0]["value"], latest[3]["value"]) == ("2022", "20", "100")
    drawn = pf.chart_cells(series, "2161")
    assert {c["year"] for c in drawn} == {"2018", "2022"}


def test_baseline_followup_takes_local_values_from_the_publication():
    saved = pd.DataFrame(
        {
            "indicator": ["skolenkat:risk_skolk", "socialtjanst:Våld i nära relation"],
            "source": ["skolenkat", "socialtjanst"],
            "measure": ["risk_skolk", "Våld i nära relation"],
            "name": ["risk_skolk", "Våld i nära relation"],
            "kind": ["share", "count"],
            "sex": [None, None],
            "age_group": [None, None],
            "period": ["2020", "2020"],
            "value": [3.0, 4.0],  # raw values: never shown
            "lower": [1.0, None],
            "upper": [8.0, None],
            "saved_on": "2021-01-01",
        }
    )
    current = saved.assign(period="2022", value=[20.0, 3.0])
    follow = fu.baseline_followup(saved, current, publication_cells(), "2161").set_index("source")
    assert pd.isna(follow.loc["skolenkat", "value_then"])  # withheld in the publication
    assert follow.loc["skolenkat", "value_now"] == pytest.approx(20.0)
    assert follow.loc["socialtjanst", "value_then"] == 12  # the publication's, not 4
    assert pd.isna(follow.loc["socialtjanst", "value_now"])
    follow = follow.reset_index()
    shown = pf.baseline_changes(follow, saved)
    assert shown.loc[1, "Baslinje"] == "12 (2020)" and shown.loc[0, "Baslinje"] == ".. (2020)"
    marks = pf.baseline_marks(follow)
    assert marks.loc[1, "Baslinje"][0]["kind"] == "count"
    assert marks.loc[1, "Senaste"][0]["kind"] == "withheld"
    assert marks.loc[0, "Baslinje"][0]["kind"] == "withheld"


def test_published_activities_withhold_small_reach():
    frame = pd.DataFrame({"reach": pd.array([600, 3, None], dtype="Int64")})
    out = fu.published_activities(frame, 5)
    assert out["reach"].tolist()[0] == 600 and out["reach"].isna().sum() == 2


# ---------------------------------------------------------------- review of Gävle/Ljusdal


def _six_statuses() -> pd.DataFrame:
    """One goal in each of step 5's six statuses."""
    return pd.DataFrame(
        {
            "goal_id": ["A", "B", "C", "D", "E", "F"],
            "goal": ["Minska A", "Öka B", "Öka C", "Minska D", "Minska E", "Öka F"],
            "indicator": ["skolenkat:x", "skolenkat:y", "skolenkat:z", "kolada:K", "bra:Hot",
                          "skolenkat:w"],
            "status": ["reached", "on_track", "within_margin", "undecided", "not_on_track",
                       "no_data"],
            "latest_value": [1.0, 2.0, 82.2, 911.7, 14.5, None],
            "latest_lower": [0.5, 1.5, 77.5, None, 12.1, None],
            "latest_upper": [1.5, 2.5, 86.1, None, 16.9, None],
            "latest_year": [2024, 2024, 2024, 2024, 2024, None],
            "target_value": [1.0, 3.0, 82.0, 880.0, 10.0, 5.0],
            "target_year": [2026] * 6,
            "notes": ["", "", "", "no_interval", "", ""],
        }
    )  # fmt: skip


def test_undecided_is_its_own_status_in_counts_summary_and_legend():
    status = _six_statuses()
    assert fu.STATUSES == ("reached", "on_track", "within_margin", "undecided",
                           "not_on_track", "no_data")  # fmt: skip
    counts = dict(pf.status_counts(status))
    assert counts == {
        "Målet är nått": "1",
        "På väg mot målet": "1",
        "Inom felmarginalen": "1",
        "Kan inte avgöras än": "1",
        "Inte på väg mot målet": "1",
        "Inget uppföljningsvärde än": "1",
    }
    text = "\n".join(pf.key_messages(status))
    # counted apart: 'within the margin' is 1, not 2
    assert (
        "Av 6 mål är 1 nått, 1 på väg mot målet, 1 inom felmarginalen och 1 inte på väg mot "
        "målet; för 1 kan det inte avgöras än." in text
    )
    assert "1 mål saknar uppföljningsvärde än." in text
    # every branch has its own line, with the value and its uncertainty
    assert "Målet är nått: ”Minska A” – senast 1,0 (0,5–1,5) år 2024" in text
    assert "På väg mot målet: ”Öka B” – senast 2,0 (1,5–2,5) år 2024" in text
    assert "Inom felmarginalen: ”Öka C” – senast 82,2 (77,5–86,1) år 2024" in text
    assert (
        "Kan inte avgöras än (värdet saknar osäkerhetsmått): ”Minska D” – senast 911,7 år 2024"
        in text
    )
    assert "Inte på väg mot målet: ”Minska E” – senast 14,5 (12,1–16,9) år 2024" in text
    assert "Inget uppföljningsvärde än: ”Öka F”." in text
    assert "Inom felmarginalen (värdet saknar" not in text
    legend = pf.status_legend()
    for label in pf.STATUS_LABELS.values():
        assert f"**{label}**" in legend
    assert set(pf.STATUS_LABELS) == set(fu.STATUSES)
    # the chart's panel titles take the same label
    labels = pf.with_status_labels(status.assign(baseline_value=1.0))["status_label"]
    assert labels.iloc[3] == "Kan inte avgöras än"


def test_only_undecided_goals_are_counted_as_such():
    status = _six_statuses().iloc[[3]]
    assert pf.key_messages(status)[0] == "Av 1 mål kan det för 1 inte avgöras än hur det går."


def test_goal_fit_is_step_4s_check_of_indicator_against_target_group():
    interventions = pd.DataFrame(
        {
            "intervention_id": ["ABC", "SSPF", "MVP", "YNG"],
            "name": ["ABC", "SSPF", "MVP", "Lekskola"],
            "target_group": ["Föräldrar till barn 3–12 år", "Unga 12–17 år i riskzon",
                             "Elever i åk 7–9", "Barn 3–6 år"],
            "prevention_level": ["universell", "selektiv", "universell", "universell"],
            "start_date": pd.to_datetime(["2019-09-01", "2020-02-01", "2022-08-15",
                                          "2020-01-01"]),
        }
    )  # fmt: skip
    goals = goals_table(
        ("G1", "2161", "Föräldrar vet", "skolenkat:skydd_foraldrar", 2018, 74.4, 82.0, 2025,
         "increase", None, None),
        ("G2", "2161", "Färre skolkar", "skolenkat:risk_skolk", 2020, 17.2, 12.0, 2026,
         "decrease", None, None),
        ("G3", "2161", "Färre tycker våld är ok", "skolenkat:risk_normer", 2020, 33.9, 25.0,
         2026, "decrease", None, None),
        ("G4", "2161", "Färre bråk", "skolenkat:utsatt_fysiskt", 2020, 20.0, 15.0, 2026,
         "decrease", None, None),
        ("G5", "2161", "Färre anmälda", "bra:Misshandel", 2020, 800.0, 700.0, 2026,
         "decrease", None, None),
    ).assign(intervention_id=["ABC", "SSPF", "MVP", "YNG", "SSPF"])  # fmt: skip
    fit = fu.goal_fit(goals, interventions).set_index("goal_id")
    assert fit["problem"].to_dict() == {
        "G1": "parents followed by pupil survey",
        "G2": "population indicator only",
        "G4": "ages outside survey",
        "G5": "population indicator only",
    }
    assert set(fit["problem"]) <= set(fu.GOAL_FIT_PROBLEMS)
    # a misfit gets a warning and no before/after analysis
    its = pf.with_its_reasons(fu.goal_its(goals, pd.DataFrame(columns=fu.SERIES_COLUMNS),
                                          interventions)).set_index("goal_id")  # fmt: skip
    assert (its.loc[["G1", "G2", "G4", "G5"], "outcome"] == "misfit").all()
    assert its.loc["G3", "outcome"] != "misfit"
    assert "Ingen före–efter-analys" in its.loc["G1", "reason"]
    assert "föräldrar" in its.loc["G1", "reason"]
    messages = pf.goal_fit_messages(goals, interventions)
    assert len(messages) == 4
    assert messages[0].startswith("Målet ”Föräldrar vet” är kopplat till insatsen ABC")
    assert all("G1" not in m and "G2" not in m for m in messages)


def test_example_goals_fit_their_interventions(built_data):
    regs = registers.load_registers(built_data / "raw" / "registers")
    assert fu.goal_fit(regs.goals, regs.interventions).empty
    assert regs.goals["intervention_id"].notna().any()  # some goal still follows one


def test_survey_wave_counts_as_after_only_when_taken_after_the_start():
    assert fu.after_from("skolenkat:x", pd.Timestamp("2022-08-15")) == 2023  # spring 2022: before
    assert fu.after_from("skolenkat:x", pd.Timestamp("2022-02-01")) == 2022  # before the survey
    assert fu.after_from("skolenkat:x", pd.Timestamp(f"2022-0{fu.SURVEY_MONTH}-01")) == 2023
    assert fu.after_from("bra:Hot", pd.Timestamp("2022-08-15")) == 2022  # a yearly count
    years = np.arange(2012, 2025, 2)
    counts = np.random.default_rng(5).poisson(np.full(len(years), 300.0))
    goals, series, interventions = _its_inputs(counts, years, np.full(len(years), 1000.0),
                                               start="2022-08-15")  # fmt: skip
    series["indicator"] = goals["indicator"] = "skolenkat:risk_normer"
    its = pf.with_its_reasons(fu.goal_its(goals, series, interventions)).iloc[0]
    # waves 2012-2022 before (2022 was taken in the spring, before an August start), 2024 after
    assert (its["n_before"], its["n_after"], its["after_from"]) == (6, 1, 2023)
    assert its["outcome"] == "too_few_points"
    assert (
        "1 enkät efter starten 2022-08-15 (skolenkäten 2022 gjordes före starten)"
        in (its["reason"])
    )


def test_trend_change_needs_three_points_after_else_level_only():
    rng = np.random.default_rng(8)
    years = np.arange(2012, 2025)
    counts = rng.poisson(np.where(years >= 2023, 200.0, 400.0))
    goals, series, interventions = _its_inputs(counts, years, np.full(len(years), 1e5),
                                               start="2023-01-10")  # fmt: skip
    its = pf.with_its_reasons(fu.goal_its(goals, series, interventions)).iloc[0]
    assert its["estimated"] and its["n_after"] == 2 and its["level_only"]
    assert pd.isna(its["trend_change"]) and its["level_upper"] < 1
    assert "bara nivåförändringen" in its["reason"]
    shown = pf.its_table(pd.DataFrame([its]))
    assert shown["Förändring i årlig trend (kvot, 95 % KI)"].iloc[0] == "–"
    goals, series, interventions = _its_inputs(counts, years, np.full(len(years), 1e5),
                                               start="2022-01-10")  # fmt: skip
    its = fu.goal_its(goals, series, interventions).iloc[0]
    assert its["n_after"] == 3 and not its["level_only"] and pd.notna(its["trend_change"])


def test_segmented_regression_level_only():
    from vpanalysis import indicators

    years = np.arange(2015, 2025)
    frame = pd.DataFrame({"year": years, "count": np.where(years >= 2023, 50, 100),
                          "population": 1e5})  # fmt: skip
    result = indicators.segmented_regression(frame, 2023, trend_change=False)
    assert set(result.coefficients.index) == {"trend_before", "level_change"}
    assert result.coefficients.loc["level_change", "rate_ratio"] == pytest.approx(0.5, rel=1e-3)


def test_reach_sum_is_rounded_visits():
    assert pf.round_visits(1536) == 1500 and pf.round_visits(85) == 85
    assert pf.round_visits(254) == 250
    activities = pd.DataFrame(
        {
            "municipality_code": "2161",
            "start_date": pd.to_datetime(["2023-03-08", "2023-05-15", "2023-11-20"]),
            "end_date": pd.NaT,
            "name": ["A", "B", "C"],
            "organiser": "X",
            "reach": pd.array([85, 51, 1400], dtype="Int64"),
            "channels": [["webb"]] * 3,
        }
    )
    text = "\n".join(pf.key_messages(activities=activities))
    assert "omkring 1\u00a0500 besök" in text and "samma person kan räknas flera gånger" in text
    assert "1\u00a0536" not in text and "personer" not in text


def test_summary_empty_names_missing_registers_not_empty_ones():
    class Regs:
        goals = pd.DataFrame()
        training_log = pd.DataFrame()
        activities = pd.DataFrame()

    assert pf.summary_empty(Regs()) == (
        "Målregistret, utbildningsloggen och aktivitetsregistret finns inte i underlaget; "
        "uppföljningen kan inte göras än."
    )
    Regs.goals = pd.DataFrame({"goal_id": ["G"]})
    assert pf.summary_empty(Regs()).startswith("Utbildningsloggen och aktivitetsregistret finns")


def test_baseline_notes_explain_dashes_withheld_zero_and_consent():
    follow = pd.DataFrame(
        {
            "indicator": ["kolada:N07403", "kvinnojour:Dygn i skyddat boende",
                          "kvinnojour:Stödsökande kvinnor – hedersrelaterat våld",
                          "kvinnojour:Stödsökande kvinnor – psykiskt våld", "skolenkat:utsatt_hot"],
            "source": ["kolada", "kvinnojour", "kvinnojour", "kvinnojour", "skolenkat"],
            "kind": ["value", "count", "count", "count", "share"],
            "value_then": [976.8, 473.0, 0.0, 30.0, 17.4],
            "value_now": [911.7, 814.0, np.nan, np.nan, 15.4],
            "change": ["not_compared"] * 4 + ["no_difference"],
            "trend": [None] * 5,
        }
    )  # fmt: skip
    notes = "\n".join(pf.baseline_notes(follow))
    assert "”–” i kolumnen Skillnad mot baslinjen" in notes
    assert "Kolada-värden" in notes and "räknar dygn och samtal, inte personer" in notes
    assert "”–” i kolumnen Trend" in notes and "vartannat år" in notes
    assert "döljs uppgiften för att skydda en annan uppgift" in notes
    assert "”0 kända fall”" in notes
    assert "föreningens samtycke" in notes
    saved = pd.DataFrame({"indicator": follow["indicator"], "label": follow["indicator"],
                          "unit": "antal", "period": "2020"})  # fmt: skip
    shown = pf.baseline_changes(follow.assign(period_then="2020", period_now="2024",
                                              trend_rate_ratio=np.nan), saved)  # fmt: skip
    assert shown["Baslinje"].iloc[2] == "0 kända fall (2020)"
    assert shown["Baslinje"].iloc[1] == "473 (2020)"  # a 0 is only 'known cases' for honour


def test_package_text_says_bras_and_a_simple_comparison():
    """Språkrådet: an abbreviation spoken as a word takes -s without a colon (Brås)."""
    from pathlib import Path

    import vpanalysis

    root = Path(vpanalysis.__file__).parent
    for path in [*root.rglob("*.py"), *root.rglob("*.ipynb"), *root.rglob("*.md")]:
        text = path.read_text(encoding="utf-8")
        assert "Brå:s" not in text and "BRÅ:s" not in text, path
        assert "före–efter-jämförande" not in text, path
    guide = pf.its_guide().data
    assert "En enkel jämförelse före och efter kan lura" in guide
