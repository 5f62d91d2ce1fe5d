"""Registers: the committed examples load and agree; broken copies give located errors."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from vpanalysis import registers as r
from vpanalysis.config import COLLABORATING
from vpanalysis.errors import DataError

REGISTERS = r.register_dir()


@pytest.fixture(scope="module")
def regs() -> r.Registers:
    return r.load_registers()


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A writable copy of the committed registers."""
    target = tmp_path / "registers"
    shutil.copytree(REGISTERS, target)
    return target


def edit(path: Path, old: str, new: str) -> int:
    """Replace the first ``old`` in the file; return the (1-based) line where it was."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return line


def write(path: Path, header: str, *rows: str, encoding: str = "utf-8") -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding=encoding)
    return path


def problems_of(exc: pytest.ExceptionInfo) -> list[DataError]:
    return exc.value.problems if isinstance(exc.value, r.RegisterError) else [exc.value]


def find(exc: pytest.ExceptionInfo, column: str) -> DataError:
    hits = [p for p in problems_of(exc) if p.column == column]
    assert hits, f"no problem in column {column!r}: {exc.value}"
    return hits[0]


PARTNERS_HEADER = (
    "municipality_code;organisation;sector;role;contact_role;mandate;resources;"
    "data_sources;steps;example"
)


# ---------------------------------------------------------------- committed examples


def test_committed_registers_load(regs):
    for name in r.REGISTER_FILES:
        table = getattr(regs, name)
        assert isinstance(table, pd.DataFrame) and not table.empty, name


def test_every_municipal_register_covers_the_three_municipalities(regs):
    for name in ("partners", "training_days", "interventions", "goals", "training_plan"):
        codes = set(getattr(regs, name)["municipality_code"])
        assert codes == set(COLLABORATING), name
    sizes = regs.partners["municipality_code"].value_counts()
    assert sizes["2161"] > sizes["2183"] > sizes["2181"]  # Ljusdal most complete


def pairs(table: pd.DataFrame, a: str, b: str) -> set[tuple]:
    return set(table[[a, b]].itertuples(index=False, name=None))


def test_committed_registers_reference_each_other(regs):
    factor_ids = set(regs.factors["factor_id"])
    assert {f for ids in regs.interventions["factors"] for f in ids} <= factor_ids
    owner = dict(pairs(regs.interventions, "intervention_id", "municipality_code"))
    assert set(regs.logic_models["intervention_id"]) <= set(owner)
    linked = regs.goals.dropna(subset=["intervention_id"])
    assert pairs(linked, "intervention_id", "municipality_code") <= set(owner.items())
    chosen = set(regs.interventions.loc[regs.interventions["chosen"], "intervention_id"])
    assert chosen <= set(regs.logic_models["intervention_id"])
    planned = pairs(regs.training_plan, "municipality_code", "administration")
    assert pairs(regs.training_log, "municipality_code", "administration") <= planned


def test_committed_examples_are_marked_as_examples(regs):
    for name in r.REGISTER_FILES:
        assert getattr(regs, name)["example"].all(), name
    assert "EXEMPEL" in (REGISTERS / "logic_models.yaml").read_text(encoding="utf-8")


def test_committed_files_are_semicolon_utf8():
    for name, file in r.REGISTER_FILES.items():
        if file.endswith(".csv"):
            data = (REGISTERS / file).read_bytes()
            header = data.decode("utf-8").splitlines()[0]
            assert header.split(";") == [c.name for c in r.SPECS[name]], file


def test_loaded_types(regs):
    p = regs.partners
    assert p["municipality_code"].dtype == "string"
    assert p["steps"].iloc[0] == (1, 2, 3, 4, 5)
    assert p.loc[p["resources"] == "800 h/år", "resources_hours"].iloc[0] == 800
    assert pd.isna(p.loc[p["resources"] == "enligt avtal", "resources_hours"]).all()
    i = regs.interventions
    assert str(i["start_date"].dtype).startswith("datetime64")
    assert i.loc[i["intervention_id"] == "BO-03", "cost_sek"].iloc[0] == 1_100_000
    assert i.loc[i["intervention_id"] == "LJ-01", "evidence"].iloc[0] == 2
    f = regs.factors
    assert f.loc[f["factor_id"] == "F05", "indicator_polarity"].iloc[0] == "higher_better"
    assert f.loc[f["factor_id"] == "F01", "n_forms"].iloc[0] == 4
    g = regs.goals
    assert g.loc[g["goal_id"] == "LJ-M1", "baseline_value"].iloc[0] == 33.9


def test_for_municipality_keeps_factor_catalogue(regs):
    sandviken = regs.for_municipality("Sandviken")
    assert set(sandviken.interventions["municipality_code"]) == {"2181"}
    assert set(sandviken.logic_models["intervention_id"]) == {"SA-03"}
    assert len(sandviken.factors) == len(regs.factors)


def test_readme_documents_every_column_and_its_example_rows_parse(tmp_path):
    readme = (REGISTERS / "README.md").read_text(encoding="utf-8")
    for name, spec in r.SPECS.items():
        assert r.REGISTER_FILES[name] in readme
        for col in spec:
            assert f"`{col.name}`" in readme, (name, col.name)
    fences = re.findall(r"^```(\w*)\n(.*?)\n```$", readme, flags=re.S | re.M)
    blocks = [body for lang, body in fences if not lang]
    order = [n for n in r.REGISTER_FILES if n != "logic_models"]
    assert len(blocks) == len(order)
    for name, row in zip(order, blocks, strict=True):
        header = ";".join(c.name for c in r.SPECS[name])
        path = write(tmp_path / r.REGISTER_FILES[name], header, row)
        loader = getattr(r, f"load_{name}")
        assert len(loader(path)) == 1, name


# ---------------------------------------------------------------- located errors


def test_unknown_sector_names_file_row_column_value(tmp_path):
    path = write(
        tmp_path / "partners.csv",
        PARTNERS_HEADER,
        "2161;Socialförvaltningen;socialtjänst;ledningsgrupp;;;;;1;",
        "2161;Polisen;polisväsende;ledningsgrupp;;;;;1;",
    )
    with pytest.raises(DataError) as exc:
        r.load_partners(path)
    problem = find(exc, "sector")
    assert problem.file.endswith("partners.csv")
    assert problem.row == 3 and problem.value == "polisväsende"
    assert "partners.csv, row 3, column 'sector'" in str(exc.value)
    assert "kvinnojour/tjejjour" in str(exc.value)  # lists the allowed values


def test_row_numbers_count_blank_lines_and_multiline_cells(tmp_path):
    path = write(
        tmp_path / "partners.csv",
        PARTNERS_HEADER,
        "",
        '2161;"Social-\nförvaltningen";socialtjänst;ledningsgrupp;;;;;1;',
        "2161;Polisen;polis;ledningsgrupp;;;;;7;",
    )
    with pytest.raises(DataError) as exc:
        r.load_partners(path)
    assert find(exc, "steps").row == 5


def test_unknown_municipality_and_leading_zero(tmp_path):
    path = write(
        tmp_path / "partners.csv",
        PARTNERS_HEADER,
        "180;Stadsledningskontoret;kommunledning;ledningsgrupp;;;;;1;",
        "9999;X;kommunledning;ledningsgrupp;;;;;1;",
    )
    with pytest.raises(DataError) as exc:
        r.load_partners(path)
    problem = find(exc, "municipality_code")
    assert problem.row == 3 and problem.value == "9999"
    ok = write(tmp_path / "ok.csv", PARTNERS_HEADER, "180;S;kommunledning;styrgrupp;;;;;1;")
    assert r.load_partners(ok)["municipality_code"].iloc[0] == "0180"
    names = write(tmp_path / "n.csv", PARTNERS_HEADER, "Ljusdals kommun;S;polisen;BRÅ;;;;;alla;")
    row = r.load_partners(names).iloc[0]
    assert (row["municipality_code"], row["sector"], row["role"]) == ("2161", "polis", "styrgrupp")
    assert row["steps"] == (1, 2, 3, 4, 5)


def test_missing_required_column_is_row_1(tmp_path):
    header = PARTNERS_HEADER.replace(";role", "")
    path = write(tmp_path / "partners.csv", header, "2161;S;polis;;;;;1;")
    with pytest.raises(DataError) as exc:
        r.load_partners(path)
    problem = find(exc, "role")
    assert problem.row == 1 and "missing" in str(problem)


def test_required_value_missing(tmp_path):
    path = write(tmp_path / "partners.csv", PARTNERS_HEADER, "2161;;polis;styrgrupp;;;;;1;")
    with pytest.raises(DataError) as exc:
        r.load_partners(path)
    assert find(exc, "organisation").row == 2


def test_bad_date_in_training_days(tmp_path):
    header = ";".join(c.name for c in r.SPECS["training_days"])
    path = write(
        tmp_path / "training_days.csv", header, "2161;2021-13-01;T;MÄN;Ledningsgruppen;12;1;ja"
    )
    with pytest.raises(DataError) as exc:
        r.load_training_days(path)
    problem = find(exc, "date")
    assert (problem.row, problem.value) == (2, "2021-13-01")


def test_all_problems_reported_together(tmp_path):
    path = write(
        tmp_path / "partners.csv",
        PARTNERS_HEADER,
        "2161;A;okänd;styrgrupp;;;;;1;",
        "2161;B;polis;chef;;;;;1;",
        "2161;C;polis;styrgrupp;;;;x-files;1;",
    )
    with pytest.raises(r.RegisterError) as exc:
        r.load_partners(path)
    located = {(p.row, p.column) for p in exc.value.problems}
    assert located == {(2, "sector"), (3, "role"), (4, "data_sources")}
    assert "3 problems" in str(exc.value)


def test_duplicate_key(tmp_path):
    path = write(
        tmp_path / "partners.csv",
        PARTNERS_HEADER,
        "2161;Polisen;polis;styrgrupp;;;;;1;",
        "2161;polisen ;polis;Styrgrupp;;;;;2;",
    )
    with pytest.raises(DataError) as exc:
        r.load_partners(path)
    assert exc.value.row == 3 and "duplicate" in str(exc.value)


def test_cp1252_and_comma_separated_files_are_read(tmp_path):
    path = write(
        tmp_path / "partners.csv",
        PARTNERS_HEADER,
        "2161;Socialförvaltningen;socialtjänst;ledningsgrupp;;;200 h/år;"
        "socialtjanst|skolenkat;1-3;ja",
        encoding="cp1252",
    )
    row = r.load_partners(path).iloc[0]
    assert row["organisation"] == "Socialförvaltningen" and row["resources_hours"] == 200
    assert row["data_sources"] == ("socialtjanst", "skolenkat") and row["steps"] == (1, 2, 3)
    comma = write(
        tmp_path / "c.csv",
        PARTNERS_HEADER.replace(";", ","),
        '2161,Polisen,polis,styrgrupp,,,,"polis, bra",1|2,',
    )
    assert r.load_partners(comma).iloc[0]["data_sources"] == ("polis", "bra")


def test_row_with_extra_cells(tmp_path):
    path = write(
        tmp_path / "partners.csv", PARTNERS_HEADER, "2161;P;polis;styrgrupp;;a;b;;1;;extra"
    )
    with pytest.raises(DataError) as exc:
        r.load_partners(path)
    assert exc.value.row == 2 and "more cells" in str(exc.value)


def test_intervention_with_unknown_factor(copy):
    line = edit(copy / "interventions.csv", "F03|F04|F07", "F03|F99")
    with pytest.raises(DataError) as exc:
        r.load_registers(copy, survey_items=None)
    problem = find(exc, "factors")
    assert problem.file.endswith("interventions.csv") and problem.row == line
    assert problem.value == "F99" and "factors.csv" in str(problem)


def test_intervention_end_before_start(copy):
    line = edit(copy / "interventions.csv", "2022-08-15;;", "2022-08-15;2021-01-01;")
    with pytest.raises(DataError) as exc:
        r.load_registers(copy)
    assert find(exc, "end_date").row == line


def test_goal_problems(copy):
    goals = copy / "goals.csv"
    wrong_side = edit(goals, "2020;33,9;25,0;2026;decrease", "2020;33,9;40,0;2026;decrease")
    bad_source = edit(goals, "kolada:N07403;;2020;976,8", "polisen:N07403;;2020;976,8")
    bad_kpi = edit(goals, "kolada:N07403;;2020;1061,6", "kolada:7403;;2020;1061,6")
    no_year = edit(goals, "82,0;2026;increase;;;ja", "82,0;2026;increase;;78,0;ja")
    other_municipality = edit(goals, "risk_kamrater;;2020", "risk_kamrater;LJ-01;2020")
    with pytest.raises(r.RegisterError) as exc:
        r.load_registers(copy)
    located = {(p.row, p.column) for p in exc.value.problems}
    assert located == {
        (wrong_side, "target_value"),
        (bad_source, "indicator"),
        (bad_kpi, "indicator"),
        (no_year, "latest_year"),
        (other_municipality, "intervention_id"),
    }
    assert all(p.file.endswith("goals.csv") for p in exc.value.problems)


def test_goal_with_unknown_indicator_when_known_list_given(tmp_path):
    header = ";".join(c.name for c in r.SPECS["goals"])
    path = write(
        tmp_path / "goals.csv",
        header,
        "G1;2161;Mål;kolada:N07403;;2020;10;5;2026;minska;;;",
        "G2;2161;Mål;register:training_coverage;;2020;0;100;2026;öka;;;",
    )
    with pytest.raises(DataError) as exc:
        r.load_goals(path, known_indicators={"kolada:N07402"})
    assert find(exc, "indicator").row == 2
    goals = r.load_goals(path, known_indicators={"kolada:N07403"})
    assert list(goals["direction"]) == ["decrease", "increase"]


def test_survey_item_missing_from_codebook(copy):
    codebook = copy.parent / "skolenkat" / "codebook.csv"
    codebook.parent.mkdir()
    items = ["risk_alkohol", "risk_skolk", "risk_normer", "risk_otrygg", "risk_kamrater"]
    items += ["skydd_vuxen", "skydd_trivs", "skydd_foraldrar"]  # skydd_fritid missing
    write(codebook, "item;label", *[f"{i};x" for i in items])
    with pytest.raises(DataError) as exc:
        r.load_registers(copy)
    problem = find(exc, "indicator")
    assert problem.file.endswith("factors.csv") and problem.value == "skolenkat:skydd_fritid"
    assert "skydd_vuxen" in str(problem)  # suggests items of the same family


def test_training_log_administration_not_in_plan(copy):
    line = edit(copy / "training_log.csv", "2022-04-05;Kultur-", "2022-04-05;Kultur och ")
    with pytest.raises(DataError) as exc:
        r.load_registers(copy)
    problem = find(exc, "administration")
    assert problem.file.endswith("training_log.csv") and problem.row == line


def test_training_log_matches_administration_case_insensitively(copy):
    edit(copy / "training_log.csv", "2022-04-05;Kultur-", "2022-04-05;KULTUR-")
    r.load_registers(copy)


def test_logic_model_errors_name_yaml_line(copy):
    path = copy / "logic_models.yaml"
    line = edit(path, "intervention_id: LJ-02", "intervention_id: LJ-99")
    stage = edit(
        path, "    outputs:\n      - Antal föräldrar", "    output:\n      - Antal föräldrar"
    )
    indicator = edit(path, '{id: "skolenkat:risk_kamrater"', '{id: "kolada:7403"')
    with pytest.raises(r.RegisterError) as exc:
        r.load_registers(copy)
    located = {(p.row, p.column) for p in exc.value.problems}
    assert located == {(line, "intervention_id"), (stage, "output"), (indicator, "indicators")}
    assert all(p.file.endswith("logic_models.yaml") for p in exc.value.problems)


def test_logic_model_invalid_yaml(tmp_path):
    path = tmp_path / "logic_models.yaml"
    path.write_text(
        "logic_models:\n  - intervention_id: A\n    resources: [a, b\n", encoding="utf-8"
    )
    with pytest.raises(DataError) as exc:
        r.load_logic_models(path)
    assert exc.value.row is not None and "YAML" in str(exc.value)


def test_logic_model_swedish_keys_and_empty_model(tmp_path):
    path = tmp_path / "logic_models.yaml"
    path.write_text(
        "logic_models:\n"
        "  - intervention_id: A\n"
        "    resurser: [Tid]\n"
        "    indikatorer:\n"
        "      - skolenkat:risk_normer\n"
        "      - Antal deltagare\n"
        "  - intervention_id: B\n",
        encoding="utf-8",
    )
    lm = r.load_logic_models(path)
    a = lm[lm["intervention_id"] == "A"]
    assert list(a["stage"]) == ["resources", "indicators", "indicators"]
    assert list(a["indicator"].fillna("")) == ["", "skolenkat:risk_normer", ""]
    assert list(a["source_line"]) == [3, 5, 6]
    b = lm[lm["intervention_id"] == "B"]
    assert len(b) == 1 and pd.isna(b["stage"].iloc[0])


def test_missing_file(tmp_path):
    with pytest.raises(DataError) as exc:
        r.load_factors(tmp_path / "factors.csv")
    assert "missing" in str(exc.value)


# ---------------------------------------------------------------- cell parsers


@pytest.mark.parametrize(
    ("text", "value"),
    [("1 234,5", 1234.5), ("1234.5", 1234.5), ("250 000 kr", 250000), ("12,5 %", 12.5), ("−3", -3)],
)
def test_parse_number(text, value):
    assert r.parse_number(text) == value


@pytest.mark.parametrize("text", ["1.234,5", "abc", "12-3"])
def test_parse_number_rejects(text):
    with pytest.raises(ValueError):
        r.parse_number(text)


def test_parse_steps_indicator_cutoff_date():
    assert r.parse_steps("1–3 | 5") == (1, 2, 3, 5)
    with pytest.raises(ValueError):
        r.parse_steps("6")
    assert r.parse_indicator("Skolenkät:risk_alkohol") == "skolenkat:risk_alkohol"
    assert r.parse_indicator("kolada : n07403") == "kolada:N07403"
    with pytest.raises(ValueError):
        r.parse_indicator("register:unknown")
    assert r.parse_cutoff("") is None
    assert r.parse_cutoff("p75") == r.Cutoff(">", None, 75)
    assert r.parse_cutoff("<= 2,5") == r.Cutoff("<=", 2.5, None)
    assert str(r.parse_cutoff("<p25")) == "< p25"
    with pytest.raises(ValueError):
        r.parse_cutoff("top quartile")
    assert str(r.parse_date("2021-10")) == "2021-10-01"
    assert str(r.parse_date("2021-10-12 00:00:00")) == "2021-10-12"
    with pytest.raises(ValueError):
        r.parse_date("12/10/2021")


def test_resource_hours_and_split_list():
    assert r.resource_hours("1 600 timmar per år") == 1600
    assert r.resource_hours("40 h/år") == 40
    assert r.resource_hours("ideell tid") is None
    assert r.split_list(" a, b |c,, ") == ["a", "b", "c"]
    assert r.split_list(None) == []
