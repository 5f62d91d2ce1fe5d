"""Registers in Excel: the workbook holds the same registers as the CSV/YAML files, its
drop-downs cover the controlled vocabularies, and its problems name sheet, row and column."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from vpanalysis import geography
from vpanalysis import registers as r
from vpanalysis.errors import DataError
from vpanalysis.registers import excel

REGISTERS = r.register_dir()
CODEBOOK = REGISTERS.parent / "skolenkat" / "codebook.csv"


@pytest.fixture(scope="module")
def regs() -> r.Registers:
    return r.load_registers()


@pytest.fixture(scope="module")
def converted(regs, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example registers written as a workbook once (do not modify it)."""
    return r.write_workbook(tmp_path_factory.mktemp("workbook") / r.WORKBOOK, regs)


@pytest.fixture
def xlsx_dir(tmp_path: Path, converted: Path) -> Path:
    """A registers folder with only register.xlsx (converted from the examples) and the
    survey codebook next to it, as in a workspace."""
    folder = tmp_path / "raw" / "registers"
    folder.mkdir(parents=True)
    (tmp_path / "raw" / "skolenkat").mkdir()
    shutil.copy(CODEBOOK, tmp_path / "raw" / "skolenkat" / "codebook.csv")
    shutil.copy(converted, folder / r.WORKBOOK)
    return folder


def cell_of(ws, header: str, row: int):
    """The cell of the column with ``header`` in ``row``."""
    for cell in ws[1]:
        if cell.value == header:
            return ws.cell(row=row, column=cell.column)
    raise AssertionError(f"no column {header!r} in {ws.title}")


def edit_book(path: Path, change) -> None:
    wb = load_workbook(path)
    change(wb)
    wb.save(path)


def problems_of(exc: pytest.ExceptionInfo) -> list[DataError]:
    return exc.value.problems if isinstance(exc.value, r.RegisterError) else [exc.value]


# ---------------------------------------------------------------- same registers


def test_example_registers_survive_the_workbook_frame_by_frame(regs, xlsx_dir):
    loaded = r.load_registers(xlsx_dir)
    for name in r.REGISTER_FILES:
        expected, got = getattr(regs, name), getattr(loaded, name)
        assert not expected.empty, name
        # CSV rows keep their line as the sheet's row; YAML lines have no counterpart
        columns = [c for c in expected.columns if name != "logic_models" or c != "source_line"]
        assert list(got.columns) == list(expected.columns), name
        pd.testing.assert_frame_equal(
            got[columns].reset_index(drop=True), expected[columns].reset_index(drop=True)
        )
    assert loaded.directory == xlsx_dir
    for code in ("2161", "2183", "2181"):
        a, b = regs.for_municipality(code), loaded.for_municipality(code)
        assert len(a.logic_models) == len(b.logic_models) > 0


def test_a_workbook_saved_again_reads_the_same(regs, xlsx_dir, tmp_path):
    once = r.load_registers(xlsx_dir)
    r.write_workbook(xlsx_dir / r.WORKBOOK, once)
    twice = r.load_registers(xlsx_dir)
    for name in r.REGISTER_FILES:
        pd.testing.assert_frame_equal(getattr(once, name), getattr(twice, name))


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_a_workbook_saved_by_libreoffice_reads_the_same(regs, xlsx_dir, tmp_path):
    out = tmp_path / "saved"
    profile = (tmp_path / "profile").as_uri()
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(xlsx_dir / r.WORKBOOK),
        ],
        check=True,
        timeout=600,
        capture_output=True,
    )
    shutil.copy(out / r.WORKBOOK, xlsx_dir / r.WORKBOOK)
    loaded = r.load_registers(xlsx_dir)
    for name in r.REGISTER_FILES:
        expected = getattr(regs, name)
        columns = [c for c in expected.columns if name != "logic_models" or c != "source_line"]
        pd.testing.assert_frame_equal(
            getattr(loaded, name)[columns].reset_index(drop=True),
            expected[columns].reset_index(drop=True),
        )
    wb = load_workbook(xlsx_dir / r.WORKBOOK)
    assert set(validations(wb[r.LAYOUTS["partners"].sheet])) == {"A", "C", "D", "H", "I", "J"}


def test_the_empty_template_loads_as_empty_registers(tmp_path):
    folder = tmp_path / "registers"
    r.write_workbook(folder / r.WORKBOOK)
    loaded = r.load_registers(folder, survey_items=None)
    for name in r.REGISTER_FILES:
        table = getattr(loaded, name)
        assert table.empty, name
    assert list(loaded.logic_models.columns) == list(r.load_registers().logic_models.columns)


def test_registers_can_be_split_between_files_and_sheets(regs, xlsx_dir):
    def drop(wb):
        del wb[r.LAYOUTS["goals"].sheet]
        del wb[r.LAYOUTS["logic_models"].sheet]

    edit_book(xlsx_dir / r.WORKBOOK, drop)
    shutil.copy(REGISTERS / "goals.csv", xlsx_dir)
    shutil.copy(REGISTERS / "logic_models.yaml", xlsx_dir)
    loaded = r.load_registers(xlsx_dir)
    pd.testing.assert_frame_equal(loaded.goals, regs.goals)
    pd.testing.assert_frame_equal(loaded.logic_models, regs.logic_models)


def test_convert_a_folder_moves_the_files_aside(regs, tmp_path):
    folder = tmp_path / "raw" / "registers"
    shutil.copytree(REGISTERS, folder)
    (tmp_path / "raw" / "skolenkat").mkdir()
    shutil.copy(CODEBOOK, tmp_path / "raw" / "skolenkat" / "codebook.csv")
    path = r.convert_to_workbook(folder)
    assert path == folder / r.WORKBOOK
    assert sorted(p.name for p in folder.iterdir()) == ["README.md", "csv-yaml", r.WORKBOOK]
    assert sorted(p.name for p in (folder / "csv-yaml").iterdir()) == sorted(
        r.REGISTER_FILES.values()
    )
    pd.testing.assert_frame_equal(r.load_registers(folder).goals, regs.goals)


# ---------------------------------------------------------------- the layout


def test_sheets_headers_and_instructions(xlsx_dir):
    wb = load_workbook(xlsx_dir / r.WORKBOOK)
    sheets = [layout.sheet for layout in r.LAYOUTS.values()]
    assert wb.sheetnames == [excel.INSTRUCTIONS, *sheets, excel.LISTS]
    intro = "\n".join(
        str(c.value) for row in wb[excel.INSTRUCTIONS].iter_rows() for c in row if c.value
    )
    for name, layout in r.LAYOUTS.items():
        ws = wb[layout.sheet]
        headers = [c.value for c in ws[1]]
        assert headers == [f.header for f in layout.fields], name
        assert [f.name for f in layout.fields] == [c.name for c in excel.columns_of(name)]
        assert layout.sheet in intro
        for fld in layout.fields:
            assert fld.header in intro, (name, fld.header)
            assert not re.fullmatch(r"[a-z_]+", fld.header), "headers are Swedish words"
        assert ws.freeze_panes == "A2"
    for word in ("Rullgardinsmenyer", "Logiska kedjor: en rad per länk", "ÅÅÅÅ-MM-DD"):
        assert word in intro


def test_readme_describes_every_sheet_and_header():
    readme = (REGISTERS / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Registren i Excel") : readme.index("## Så redigerar")]
    for name, layout in r.LAYOUTS.items():
        line = next(x for x in section.splitlines() if x.startswith(f"| {layout.sheet} |"))
        assert f"`{r.REGISTER_FILES[name]}`" in line
        for fld in layout.fields:
            assert f"{fld.header} (`{fld.name}`)" in line


def validations(ws) -> dict[str, object]:
    """Column letter -> the data validation covering rows 2.. of it."""
    found = {}
    for dv in ws.data_validations.dataValidation:
        for ref in str(dv.sqref).split():
            m = re.fullmatch(r"([A-Z]+)2:\1(\d+)", ref)
            assert m and int(m.group(2)) >= 1000, ref  # LibreOffice keeps 1028 rows
            found[m.group(1)] = dv
    return found


def list_values(wb, dv) -> list[str]:
    name = dv.formula1
    sheet, ref = next(iter(wb.defined_names[name].destinations))
    return [c.value for (c,) in wb[sheet][ref.replace("$", "")]]


def test_drop_downs_on_the_vocabulary_columns(tmp_path):
    path = r.write_workbook(tmp_path / r.WORKBOOK)
    wb = load_workbook(path)
    checked = set()
    for name, layout in r.LAYOUTS.items():
        ws = wb[layout.sheet]
        found = validations(ws)
        for position, column in enumerate(excel.columns_of(name), start=1):
            letter = get_column_letter(position)
            has_list = column.vocab is not None or column.kind in ("bool", "steps", "stage", "code")
            if not has_list:
                assert letter not in found, (name, column.name)
                continue
            dv = found[letter]
            assert dv.type == "list" and dv.allow_blank
            values = list_values(wb, dv)
            assert values == excel.choices(column), (name, column.name)
            several = column.kind in ("choices", "steps")
            strict = column.kind not in ("choices", "steps", "code")
            assert bool(dv.showErrorMessage) == (not several), (name, column.name)
            if strict:
                assert dv.errorStyle in (None, "stop")
            checked.add(column.kind)
            # every value offered reads back as an allowed value
            for value in values:
                if column.kind == "code":
                    continue
                if column.kind == "stage":
                    assert excel.STAGES.canonical(value) is not None
                else:
                    assert column.parse(value) not in (None, ()), (name, value)
    assert checked == {"choice", "choices", "scale", "bool", "steps", "stage", "code"}
    sectors = excel.choices(r.SPECS["partners"][2])
    assert "Socialtjänst" in sectors and "Kvinnojour eller tjejjour" in sectors
    assert excel.choices(r.SPECS["goals"][9]) == ["minska", "öka"]
    assert excel.choices(r.SPECS["factors"][5]) == ["stark", "måttlig", "begränsad"]


def test_every_municipality_of_the_list_is_read_back():
    names = excel.municipality_names()
    assert len(names) == 290 and names.index("Ängelholm") > names.index("Åtvidaberg")
    codes = {geography.municipality_code(n) for n in names}
    assert len(codes) == 290


# ---------------------------------------------------------------- cells as Excel writes them


def test_excel_dates_serial_numbers_and_numbers_stored_as_text(xlsx_dir, regs):
    sheet = r.LAYOUTS["training_log"].sheet

    def change(wb):
        ws = wb[sheet]
        cell_of(ws, "Datum", 2).value = "2021-10-05"  # a date as text
        cell_of(ws, "Datum", 3).value = dt.datetime(2021, 10, 19)  # a date
        serial = cell_of(ws, "Datum", 4)
        serial.value = (dt.date(2021, 11, 2) - dt.date(1899, 12, 30)).days  # date as a number
        serial.number_format = "General"
        cell_of(ws, "Antal deltagare", 2).value = " 14 "  # a number stored as text
        cell_of(ws, "Antal deltagare", 3).value = 24.0
        cell_of(ws, "Kommun", 2).value = 2161  # a code as a number
        goals = wb[r.LAYOUTS["goals"].sheet]
        cell_of(goals, "Utgångsvärde", 2).value = "33,9"  # decimal comma as text

    edit_book(xlsx_dir / r.WORKBOOK, change)
    loaded = r.load_registers(xlsx_dir)
    log = loaded.training_log.set_index("source_line")
    assert log.loc[2, "date"] == pd.Timestamp("2021-10-05")
    assert log.loc[3, "date"] == pd.Timestamp("2021-10-19")
    assert log.loc[4, "date"] == pd.Timestamp("2021-11-02")
    assert log.loc[2, "participants"] == 14 and log.loc[3, "participants"] == 24
    assert log.loc[2, "municipality_code"] == "2161"
    pd.testing.assert_frame_equal(loaded.goals, regs.goals)


def set_member(path: Path, member: str, edit) -> None:
    """Rewrite one file inside the .xlsx archive."""
    with zipfile.ZipFile(path) as archive:
        items = [(info, archive.read(info.filename)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in items:
            archive.writestr(info, edit(data) if info.filename == member else data)


def sheet_member(path: Path, title: str) -> str:
    wb = load_workbook(path)
    return f"xl/worksheets/sheet{wb.sheetnames.index(title) + 1}.xml"


def test_formula_without_saved_value_is_an_error_with_a_saved_value_fine(xlsx_dir):
    path = xlsx_dir / r.WORKBOOK
    sheet = r.LAYOUTS["training_plan"].sheet

    def change(wb):
        cell_of(wb[sheet], "Planerat antal", 3).value = "=10+5"

    edit_book(path, change)
    with pytest.raises(DataError) as exc:
        r.load_registers(xlsx_dir)
    (problem,) = problems_of(exc)
    text = str(problem)
    assert f"{r.WORKBOOK} [{sheet}], row 3, column 'D (Planerat antal)'" in text
    assert "formula without a saved value" in text and "=10+5" in text
    # as Excel saves it: the formula and its value
    set_member(
        path,
        sheet_member(path, sheet),
        lambda data: data.replace(b"<f>10+5</f><v />", b"<f>10+5</f><v>15</v>"),
    )
    plan = r.load_registers(xlsx_dir).training_plan
    assert plan.set_index("source_line").loc[3, "planned"] == 15


def test_excel_error_value_is_an_error(xlsx_dir):
    path = xlsx_dir / r.WORKBOOK
    sheet = r.LAYOUTS["training_plan"].sheet
    member = sheet_member(path, sheet)

    def change(wb):
        cell_of(wb[sheet], "Planerat antal", 3).value = "=1/0"

    edit_book(path, change)
    set_member(
        path,
        member,
        lambda data: data.replace(b'<c r="D3"', b'<c t="e" r="D3"').replace(
            b"<f>1/0</f><v />", b"<f>1/0</f><v>#DIV/0!</v>"
        ),
    )
    with pytest.raises(DataError) as exc:
        r.load_registers(xlsx_dir)
    assert "row 3, column 'D (Planerat antal)': the cell holds an Excel error" in str(exc.value)


# ---------------------------------------------------------------- problems name sheet, row, column


def test_problems_name_sheet_row_column_letter_and_header(xlsx_dir):
    path = xlsx_dir / r.WORKBOOK
    interventions = r.LAYOUTS["interventions"].sheet
    partners = r.LAYOUTS["partners"].sheet
    goals = r.LAYOUTS["goals"].sheet

    def change(wb):
        cell_of(wb[interventions], "Faktorer", 5).value = "F01|F99"
        cell_of(wb[partners], "Sektor", 4).value = "rymdstyrelsen"
        cell_of(wb[goals], "Målår", 3).value = 2019  # before the baseline year 2020

    edit_book(path, change)
    with pytest.raises(r.RegisterError) as exc:
        r.load_registers(xlsx_dir)
    text = str(exc.value)
    shown = str(path)
    assert (
        f"{shown} [{interventions}], row 5, column 'H (Faktorer)': factor id not in sheet "
        "'Faktorer' (value 'F99')"
    ) in text
    assert f"{shown} [{partners}], row 4, column 'C (Sektor)': not an allowed value" in text
    assert f"{shown} [{goals}], row 3, column 'I (Målår)': must be after Basår" in text
    for problem in exc.value.problems:
        assert problem.file.startswith(shown + " [")
        assert re.fullmatch(r"[A-Z]+ \(.+\)", problem.column), problem.column


def test_header_in_english_extra_columns_and_missing_required_column(xlsx_dir):
    path = xlsx_dir / r.WORKBOOK
    sheet = r.LAYOUTS["training_plan"].sheet

    def change(wb):
        ws = wb[sheet]
        cell_of(ws, "Planerat antal", 1).value = "planned"  # the CSV column name
        ws.cell(row=1, column=8, value="Kommentar")
        ws.cell(row=2, column=8, value="kolla siffran")

    edit_book(path, change)
    plan = r.load_registers(xlsx_dir).training_plan
    assert plan["kommentar"].iloc[0] == "kolla siffran"  # column G, empty, is skipped

    def stray(wb):
        wb[sheet].cell(row=4, column=10, value="x")

    edit_book(path, stray)
    with pytest.raises(DataError) as exc:
        r.load_registers(xlsx_dir)
    assert f"[{sheet}], row 4, column 'J': the cell is in a column without a header" in str(
        exc.value
    )
    edit_book(path, lambda wb: setattr(wb[sheet].cell(row=4, column=10), "value", None))

    def remove(wb):
        cell_of(wb[sheet], "planned", 1).value = "Planerat"

    edit_book(path, remove)
    with pytest.raises(DataError) as exc:
        r.load_registers(xlsx_dir)
    assert (
        f"[{sheet}], row 1, column 'Planerat antal': required column is missing from the header"
    ) in str(exc.value)


def test_logic_model_sheet_problems(xlsx_dir):
    path = xlsx_dir / r.WORKBOOK
    sheet = r.LAYOUTS["logic_models"].sheet

    def change(wb):
        ws = wb[sheet]
        cell_of(ws, "Steg i kedjan", 3).value = "Effekter"
        cell_of(ws, "Indikator-id", 4).value = "kolada:N07403"  # row 4 is not an indicator
        cell_of(ws, "Insats-id", 5).value = "XX-99"
        last = ws.max_row + 1
        cell_of(ws, "Insats-id", last).value = "LJ-01"
        cell_of(ws, "Steg i kedjan", last).value = "Indikatorer"
        cell_of(ws, "Indikator-id", last).value = "kolada:123"

    edit_book(path, change)
    with pytest.raises(r.RegisterError) as exc:
        r.load_registers(xlsx_dir)
    text = str(exc.value)
    assert f"[{sheet}], row 3, column 'B (Steg i kedjan)': not an allowed value" in text
    assert f"[{sheet}], row 4, column 'D (Indikator-id)': only rows of the stage" in text
    assert f"[{sheet}], row 5, column 'A (Insats-id)': not in sheet 'Insatser'" in text
    assert "column 'D (Indikator-id)': a Kolada KPI id is N or U and five digits" in text


def test_a_chain_written_in_swedish_and_english_stage_names(tmp_path):
    folder = tmp_path / "registers"
    path = r.write_workbook(folder / r.WORKBOOK)
    sheet = r.LAYOUTS["logic_models"].sheet

    def change(wb):
        ws = wb[sheet]
        rows = [
            ("X-1", "Resurser", "En samordnare", None),
            ("X-1", "activities", "Möten", None),
            ("X-1", "kortsiktiga effekter", "Fler vet", None),
            ("X-1", "Indikatorer", "Andel elever", "skolenkat:risk_normer"),
            ("X-1", "Indikatorer", "kolada:N07403", None),
            ("X-1", "Indikatorer", None, None),  # named, not filled in
            ("X-2", None, None, None),  # a chain without links yet
        ]
        for row, values in enumerate(rows, start=2):
            for column, value in enumerate(values, start=1):
                ws.cell(row=row, column=column, value=value)

    edit_book(path, change)
    models = excel.load_logic_models_sheet(excel.register_sources(folder)["logic_models"])
    assert models["stage"].tolist()[:5] == [
        "resources",
        "activities",
        "short_term_outcomes",
        "indicators",
        "indicators",
    ]
    assert models["indicator"].tolist()[3:5] == ["skolenkat:risk_normer", "kolada:N07403"]
    assert models["item"].iloc[3] == "Andel elever"
    assert models["position"].tolist()[3:5] == [1, 2]
    assert models["source_line"].tolist() == [2, 3, 4, 5, 6, 8]
    empty = models[models["intervention_id"] == "X-2"]
    assert len(empty) == 1 and pd.isna(empty["stage"].iloc[0])


# ---------------------------------------------------------------- both forms


def test_a_register_in_both_forms_is_one_line_naming_both(xlsx_dir):
    shutil.copy(REGISTERS / "partners.csv", xlsx_dir)
    with pytest.raises(DataError) as exc:
        r.load_registers(xlsx_dir)
    text = str(exc.value)
    assert "\n" not in text
    assert str(xlsx_dir / "partners.csv") in text
    assert f"{xlsx_dir / r.WORKBOOK} [Samverkansparter]" in text
    shutil.copy(REGISTERS / "logic_models.yaml", xlsx_dir)
    with pytest.raises(DataError) as exc:
        r.load_registers(xlsx_dir)
    assert "logic_models.yaml" in str(exc.value) and "\n" not in str(exc.value)


def test_a_register_in_neither_form_names_both(xlsx_dir):
    def drop(wb):
        del wb[r.LAYOUTS["activities"].sheet]

    edit_book(xlsx_dir / r.WORKBOOK, drop)
    with pytest.raises(DataError) as exc:
        r.load_registers(xlsx_dir)
    text = str(exc.value)
    assert "no sheet 'Aktiviteter'" in text and "activities.csv" in text


def test_not_a_workbook_is_a_data_error(tmp_path):
    folder = tmp_path / "registers"
    folder.mkdir()
    (folder / r.WORKBOOK).write_text("not a zip", encoding="utf-8")
    with pytest.raises(DataError, match="cannot be read as an Excel workbook"):
        r.load_registers(folder)


def test_cli_registers_to_excel_writes_a_workbook_that_loads_the_same(raw_copy, tmp_path):
    from click.testing import CliRunner

    from vpanalysis.cli import main

    out = tmp_path / "register.xlsx"
    result = CliRunner().invoke(
        main, ["registers", "to-excel", "--data-dir", str(raw_copy), "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.exists()
    assert (raw_copy / "raw" / "registers" / "partners.csv").exists()  # left in place
    import openpyxl

    sheets = openpyxl.load_workbook(out).sheetnames
    assert sheets[0] == "Instruktioner" and "Samverkansparter" in sheets
