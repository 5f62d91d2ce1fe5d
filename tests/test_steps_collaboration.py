"""Step 1: steering structure, partner matrices, missing key sectors, training days."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from vpanalysis import registers
from vpanalysis.presentation import collaboration as pc
from vpanalysis.steps import collaboration as co

HEADER = (
    "municipality_code;organisation;sector;role;contact_role;mandate;resources;"
    "data_sources;steps;example"
)
ROWS = [
    "2161;BRÅ-rådet;kommunledning;styrgrupp;;Beslutar;20 h/år;;1-5;ja",
    "2161;Socialtjänsten;socialtjänst;ledningsgrupp;;Data;100 h/år;socialtjanst;1|2;ja",
    "2161;Skolan;skola;ledningsgrupp;;;ideell tid;skolenkat|skola;2|3;ja",
    "2161;Skolan;skola;arbetsgrupp;;;;;4;ja",
    "2161;Polisen;polis;referensgrupp;;;;bra;2;ja",
    "2183;Socialtjänsten;socialtjänst;ledningsgrupp;;;;socialtjanst;1;ja",
]


@pytest.fixture
def partners(tmp_path: Path) -> pd.DataFrame:
    path = tmp_path / "partners.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    return registers.load_partners(path)


def test_steering_structure(partners):
    out = pc.with_labels(co.steering_structure(partners, "2161"))
    assert list(out["role"]) == ["styrgrupp", "ledningsgrupp", "arbetsgrupp", "referensgrupp"]
    lead = out.set_index("role").loc["ledningsgrupp"]
    assert lead["n_partners"] == 2
    assert lead["organisations"] == "Socialtjänsten; Skolan"
    assert lead["resources_hours"] == 100  # "ideell tid" is not counted
    assert out.set_index("role").loc["styrgrupp", "role_label"].startswith("Styrgrupp")
    assert pd.isna(out.set_index("role").loc["referensgrupp", "resources_hours"])


def test_data_source_matrix(partners):
    m = co.data_source_matrix(partners, "2161")
    assert list(m.columns) == ["socialtjanst", "skola", "skolenkat", "bra"]  # vocabulary order
    assert list(m.index) == ["BRÅ-rådet", "Socialtjänsten", "Skolan", "Polisen"]  # one row each
    assert m.loc["Skolan", "skolenkat"] and not m.loc["Skolan", "bra"]
    assert m.dtypes.eq(bool).all()
    chosen = co.data_source_matrix(partners, "2161", sources=["kvinnojour", "bra"])
    assert list(chosen.columns) == ["kvinnojour", "bra"] and not chosen["kvinnojour"].any()
    both = co.data_source_matrix(partners)
    assert both.index.nlevels == 2 and ("2183", "Socialtjänsten") in both.index


def test_step_matrix_merges_roles_of_one_organisation(partners):
    m = co.step_matrix(partners, "2161")
    assert list(m.columns) == [1, 2, 3, 4, 5]
    assert m.loc["BRÅ-rådet"].all()
    assert list(m.loc["Skolan"]) == [False, True, True, True, False]  # union of two roles
    marks = pc.checkmarks(m)
    assert marks.loc["Skolan", 4] == "✓" and marks.loc["Skolan", 1] == ""


def test_missing_key_sectors(partners):
    missing = pc.missing_sectors(co.missing_key_sectors(partners))
    got = set(missing[["municipality_code", "sector"]].itertuples(index=False, name=None))
    assert got == {
        ("2161", "kvinnojour/tjejjour"),
        ("2161", "hälso- och sjukvård"),
        ("2183", "skola"),
        ("2183", "polis"),
        ("2183", "kvinnojour/tjejjour"),
        ("2183", "hälso- och sjukvård"),
    }
    assert "saknas" in missing["message"].iloc[0]
    custom = co.missing_key_sectors(partners, ["polis", "Räddningstjänsten"], ["2161", "2181"])
    got = set(custom[["municipality_code", "sector"]].itertuples(index=False, name=None))
    assert got == {("2161", "räddningstjänst"), ("2181", "polis"), ("2181", "räddningstjänst")}
    with pytest.raises(ValueError):
        co.missing_key_sectors(partners, ["skolväsendet"])


def test_no_missing_sectors_gives_empty_table(partners):
    assert co.missing_key_sectors(partners, ["socialtjänst"]).empty


def test_training_days_summary(tmp_path):
    header = "municipality_code;date;title;provider;participant_group;participants;steps;example"
    rows = [
        "2161;2021-02-10;Dag 1;MÄN;Ledningsgruppen;12;1;ja",
        "2161;2021-04-21;Dag 2;MÄN;Ledningsgruppen;10;2|3;ja",
        "2181;2021-02-10;Dag 1;MÄN;Ledningsgruppen;;1;ja",
    ]
    path = tmp_path / "training_days.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    out = co.training_days_summary(registers.load_training_days(path)).set_index(
        "municipality_code"
    )
    assert out.loc["2161", "n_days"] == 2 and out.loc["2161", "participants"] == 22
    assert out.loc["2161", "mean_participants"] == 11
    assert out.loc["2161", "steps_covered"] == (1, 2, 3)
    assert out.loc["2161", "steps_missing"] == (4, 5)
    assert str(out.loc["2161", "last_date"].date()) == "2021-04-21"
    assert pd.isna(out.loc["2181", "participants"])


def test_partner_table_orders_by_level_with_swedish_labels(partners):
    table = pc.partner_table(partners[partners["municipality_code"] == "2161"])
    assert list(table.columns) == [
        "Organisation", "Sektor", "Roll i strukturen", "Kontakt (roll)", "Mandat", "Resurser",
    ]  # fmt: skip
    assert table["Roll i strukturen"].iloc[0].startswith("Styrgrupp")
    assert table["Roll i strukturen"].iloc[-1] == "Referensgrupp"
    assert list(table["Sektor"].iloc[:2]) == ["Kommunledning", "Socialtjänst"]


def test_steering_table_sums_hours_per_level(partners):
    table = pc.steering_table(partners[partners["municipality_code"] == "2161"]).set_index("Nivå")
    assert table.loc["Ledningsgrupp", "Antal parter"] == 2
    assert table.loc["Ledningsgrupp", "Avsatt tid (timmar/år)"] == 100


def test_contribution_matrix_marks_sources_and_steps(partners):
    matrix = pc.contribution_matrix(partners[partners["municipality_code"] == "2161"])
    matrix = matrix.set_index("Organisation")
    assert "Steg 1" in matrix.columns and "Steg 5" in matrix.columns
    police = matrix.loc["Polisen"]
    assert police["Steg 2"] == "✓" and police["Steg 1"] == ""
    assert matrix.loc["Skolan", "Skolenkät"] == "✓"
    # sources nobody contributes are left out
    assert "Kvinnojouren" not in matrix.columns


def test_training_days_table(tmp_path):
    header = "municipality_code;date;title;provider;participant_group;participants;steps;example"
    rows = [
        "2161;2021-04-21;Dag 2;MÄN;Ledningsgruppen;10;2|3;ja",
        "2161;2021-02-10;Dag 1;MÄN;Ledningsgruppen;12;1;ja",
    ]
    path = tmp_path / "training_days.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    table = pc.training_days_table(registers.load_training_days(path))
    assert list(table["Datum"]) == ["2021-02-10", "2021-04-21"]
    assert list(table["Steg"]) == ["1", "2, 3"]
    assert list(table["Deltagare"]) == [12, 10]


# ---------------------------------------------------------------- sectors, leadership


def _partners(*organisations: str) -> pd.DataFrame:
    return pd.DataFrame({"municipality_code": "2161", "organisation": list(organisations)})


def test_departments_not_partners_every_branch():
    partners = _partners("Socialförvaltningen, individ- och familjeomsorgen", "Skolan")
    plan = pd.DataFrame(
        {"municipality_code": "2161", "administration": ["Socialförvaltningen", "Omsorg"]}
    )
    inventory = pd.DataFrame(
        {"municipality_code": "2161", "administration": ["Omsorg", "Fritid", "Skolan"]}
    )
    out = co.departments_not_partners(partners, plan, inventory, "2161")
    rows = {r.administration: (r.in_training_plan, r.in_inventory) for r in out.itertuples()}
    assert rows == {"Omsorg": (True, True), "Fritid": (False, True)}
    messages = pc.department_messages(out)
    assert "Omsorg utbildar personal i våldsprevention och har insatser" in messages[0]
    assert (
        messages[1]
        == "Fritid har förebyggande insatser i inventeringen, men är inte part i samverkan."
    )
    only_plan = co.departments_not_partners(partners, plan, None, "2161")
    assert pc.department_messages(only_plan) == [
        "Omsorg utbildar personal i våldsprevention, men är inte part i samverkan."
    ]
    assert co.departments_not_partners(partners, plan.iloc[:1], None, "2161").empty
    assert co.departments_not_partners(_partners().iloc[:0], plan, None, "2161").empty


def test_sector_notices_ok_only_when_nothing_is_missing():
    none = pd.DataFrame(columns=["municipality_code", "sector"])
    no_departments = pd.DataFrame(columns=["administration", "in_training_plan", "in_inventory"])
    assert pc.sector_notices(none, no_departments) == []
    missing = pd.DataFrame({"municipality_code": ["2161"], "sector": ["polis"]})
    assert pc.sector_notices(missing, no_departments) == [
        "Polis saknas bland parterna i samverkan."
    ]


def test_leadership_summary_every_branch():
    priorities = pd.DataFrame(
        {"name": ["A", "B", "C"], "basis": ["flagged", "not flagged", "not flagged"],
         "judgement": ["worse", "similar", "no data"]}
    )  # fmt: skip
    out = pc.leadership_summary(
        priorities, ["A"], ["X saknas."], "higher among boys", ["Våld mot äldre"]
    )
    text = " ".join(out)
    assert "sämre än jämförelsen (säker skillnad): A" in text and "tydligt" not in text
    assert "utan säker skillnad mot jämförelsen: B" in text
    assert "utan lokal indikator: C" in text
    assert "Ingen insats med måttligt eller starkt kunskapsstöd påverkar: A" in text
    assert pc.LAW_TEXT in out and "barnfridsbrott" in text and pc.CHILDREN_SURVEY_TEXT in text
    assert "killar oftare än tjejer" in text and "Utöver skolenkäten finns inga" in text
    assert "Samverkan: X saknas." in text and "våld mot äldre" in text
    empty = " ".join(pc.leadership_summary(None, None, None, None, []))
    assert "Vad data pekar på kan inte bedömas" in empty
    assert "inventeringen saknas" in empty and "partnerregistret saknas" in empty
    assert "Det finns inga lokala uppgifter om dem som utövar våld" in empty
    assert pc.CHILDREN_SURVEY_TEXT not in empty and "Underlaget säger inget om" not in empty
    fine = " ".join(pc.leadership_summary(priorities, [], [], "no certain difference", []))
    assert "Alla prioriterade faktorer påverkas av minst en insats" in fine
    assert pc.SECTORS_OK in fine and "ingen säker skillnad mellan tjejer och killar" in fine
    for verdict in ("higher among girls", "too few", "withheld"):
        assert len(pc.leadership_summary(priorities, [], [], verdict, [])) == len(
            pc.leadership_summary(priorities, [], [], "higher among boys", [])
        )


def test_leadership_summary_without_local_sources_says_they_are_missing():
    """Gävle (review 12, 37): no local source, so the summary does not say that the local
    sources count the victims; it names Brå's statistics on suspects, and a factor
    measured by the survey is said to lack the survey."""
    priorities = pd.DataFrame(
        {"name": ["A", "B", "C"], "basis": ["flagged", "not flagged", "not flagged"],
         "judgement": ["worse", "no data", "no data"],
         "indicator": ["kolada:N02904", "skolenkat:risk_normer", ""]}
    )  # fmt: skip
    text = " ".join(pc.leadership_summary(priorities, None, None, None, [], local_sources=[]))
    assert "räknar de utsatta" not in text
    assert "Lokala källor (socialtjänsten, kvinnojouren, skolenkäten) saknas" in text
    assert "statistik över misstänkta personer" in text and "Brås statistik" in text
    chosen = "valda utifrån kunskapsstöd och påverkbarhet"
    assert f"{chosen} (skolenkäten, som mäter dem, saknas för kommunen): B" in text
    assert "valda utifrån kunskapsstöd och påverkbarhet, utan lokal indikator: C" in text
    assert "valda på kunskapsstöd" not in text
    some = " ".join(
        pc.leadership_summary(
            priorities, None, None, None, [], local_sources=["socialtjanst", "skolenkat"]
        )
    )
    assert "socialtjänsten räknar de utsatta" in some and "Lokala källor" not in some
    assert "statistik över misstänkta personer" in some
    assert "utan lokal indikator: B, C" in some  # with the survey, B has no local value


def test_the_chart_of_data_sources_names_them_in_swedish(built_data):
    import json

    from vpanalysis import config, context
    from vpanalysis.presentation import collaboration as view
    from vpanalysis.registers import DATA_SOURCES

    ctx = context.load("2161", data_dir=built_data)
    chart = view.source_matrix(ctx.registers.partners)
    assert len(chart.columns) and set(chart.columns) <= set(DATA_SOURCES.labels.values())
    assert not set(chart.columns) & set(DATA_SOURCES.values)  # no raw ids such as "socialtjanst"
    notebook = json.loads((config.notebooks_dir() / "01_samverkan.ipynb").read_text("utf-8"))
    code = "".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")
    assert "plots.matrix(presentation.source_matrix(" in code
    assert "plots.matrix(collaboration.data_source_matrix(" not in code
