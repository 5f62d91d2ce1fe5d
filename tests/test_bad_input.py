"""Bad input that used to be accepted: one DataError naming file, row and column, and
data/processed left exactly as it was."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from vpanalysis import pipeline
from vpanalysis.cli import main
from vpanalysis.errors import DataError

NEXT_YEAR = dt.date.today().year + 1


def snapshot(data: Path) -> dict[str, bytes]:
    processed = data / "processed"
    return {p.name: p.read_bytes() for p in sorted(processed.iterdir()) if p.is_file()}


def refused(data: Path, file: str, row: int, column: str, words: str) -> DataError:
    """The build fails naming ``file``, ``row`` and ``column``; nothing is written."""
    before = snapshot(data)
    with pytest.raises(DataError) as caught:
        pipeline.build(data_dir=data, force=True)
    error = caught.value
    assert file in error.file and error.row == row and error.column == column, str(error)
    message = str(error)
    assert "\n" not in message and file in message and f"row {row}" in message
    assert f"column {column!r}" in message and words in message, message
    assert snapshot(data) == before  # data/processed untouched
    # and the command line says it in one line
    result = CliRunner().invoke(main, ["data", "build", "--force", "--data-dir", str(data)])
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output and words in result.output
    assert snapshot(data) == before
    return error


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_an_excel_formula_without_a_saved_value(built_copy):
    book = Workbook()
    sheet = book.active
    sheet.title = "Ljusdal"
    sheet.append(["Kategori", "Åldersgrupp", "Kön", "2023", "2024"])
    sheet.append(["Barn utsatta för fysiskt våld", "0-17 år", "Flickor", 12, 14])
    sheet.append(["Barn utsatta för fysiskt våld", "0-17 år", "Pojkar", 9, "=E2-3"])
    sheet.append(["Summa", "", "", "=SUM(D2:D3)", "=SUM(E2:E3)"])  # dropped: fine
    book.save(built_copy / "raw" / "socialtjanst" / "vald_2024.xlsx")
    refused(built_copy, "vald_2024.xlsx", 3, "2024", "formula without a saved value")


def test_an_excel_formula_with_a_saved_value_is_read(raw_copy):
    """Formulas in the example workbook's Summa rows are dropped; a workbook saved by
    Excel has values for its formulas: only a missing value is an error."""
    pipeline.build(data_dir=raw_copy)


@pytest.mark.parametrize(
    ("rows", "row", "words"),
    [
        (  # K + M > T
            [
                "Ljusdal;2023;Barn utsatta för fysiskt våld;0-17 år;Flickor;5",
                "Ljusdal;2023;Barn utsatta för fysiskt våld;0-17 år;Pojkar;4",
                "Ljusdal;2023;Barn utsatta för fysiskt våld;0-17 år;Totalt;7",
            ],
            4,
            "smaller than women + men (K + M) (9)",
        ),
        (  # the age bands > all ages
            [
                "Ljusdal;2023;Ekonomiskt våld;0-17 år;Kvinnor;3",
                "Ljusdal;2023;Ekonomiskt våld;18 år och äldre;Kvinnor;6",
                "Ljusdal;2023;Ekonomiskt våld;Alla åldrar;Kvinnor;8",
            ],
            4,
            "smaller than the age groups (9)",
        ),
    ],
)
def test_a_total_smaller_than_its_parts(built_copy, rows, row, words):
    header = "Kommun;År;Kategori;Åldersgrupp;Kön;Antal"
    write(built_copy / "raw" / "socialtjanst" / "vald_2023.csv", "\n".join([header, *rows]) + "\n")
    refused(built_copy, "vald_2023.csv", row, "Antal", words)


def test_a_sub_category_larger_than_its_category(built_copy):
    write(
        built_copy / "raw" / "kvinnojour" / "kvinnojour_2023.csv",
        "Kommun;År;Uppgift;Antal\n"
        "Ljusdal;2023;Stödsökande kvinnor;10\n"
        "Ljusdal;2023;Stödsökande kvinnor – fysiskt våld;12\n"
        "Ljusdal;2023;Stödsökande kvinnor – psykiskt våld;8\n",
    )
    refused(built_copy, "kvinnojour_2023.csv", 3, "Antal", "larger (12) than its category")


def test_a_year_after_the_current_year(built_copy):
    write(
        built_copy / "raw" / "kvinnojour" / "kvinnojour.csv",
        f"Kommun;År;Uppgift;Antal\nLjusdal;2023;Stödsamtal;100\nLjusdal;{NEXT_YEAR};Stödsamtal;90\n",
    )
    refused(built_copy, "kvinnojour.csv", 3, "År", f"the year {NEXT_YEAR} is after")


def test_a_year_column_after_the_current_year(built_copy):
    write(
        built_copy / "raw" / "socialtjanst" / "vald.csv",
        f"Kommun;Kategori;Kön;2023;{NEXT_YEAR}\n"
        "Ljusdal;Ekonomiskt våld;Kvinnor;7;\n"
        "Ljusdal;Ekonomiskt våld;Män;5;6\n",
    )
    refused(built_copy, "vald.csv", 3, str(NEXT_YEAR), "after the current year")


def test_a_survey_file_with_a_header_and_no_rows(built_copy):
    example = built_copy / "raw" / "skolenkat" / "exempel_skolenkat_2016-2024.csv"
    header = example.read_text(encoding="utf-8").splitlines()[1]
    write(built_copy / "raw" / "skolenkat" / "skolenkat_2024.csv", header + "\n")
    refused(built_copy, "skolenkat_2024.csv", 2, "elev_id", "a header but no rows")
