"""Swedish conventions: encodings, numbers, markers, totals, title rows, separators."""

from __future__ import annotations

import pytest

from vpanalysis.errors import DataError
from vpanalysis.io import conventions as c
from vpanalysis.io import local_tables as lt

pytestmark = pytest.mark.usefixtures("no_default_data")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("12", (12.0, "")),
        ("1 234", (1234.0, "")),
        ("1\u00a0234", (1234.0, "")),
        ("1\u202f234 567", (1234567.0, "")),
        ("12,5", (12.5, "")),
        ("1 234,5", (1234.5, "")),
        ("12.5", (12.5, "")),
        ("-3", (-3.0, "")),
        ("\u22123", (-3.0, "")),
        ("..", (None, "suppressed")),
        ("*", (None, "suppressed")),
        ("x", (None, "suppressed")),
        ("<5", (None, "suppressed")),
        ("1-4", (None, "suppressed")),
        ("", (None, "missing")),
        ("-", (None, "missing")),
        ("–", (None, "missing")),
        (".", (None, "missing")),
        (None, (None, "missing")),
        (7, (7.0, "")),
    ],
)
def test_parse_number(text, expected):
    assert c.parse_number(text) == expected


@pytest.mark.parametrize("text", ["tolv", "12 st", "1,2,3", "12a", "1 23"])
def test_parse_number_rejects_text(text):
    with pytest.raises(ValueError, match="not a number"):
        c.parse_number(text)


def test_parse_count():
    assert c.parse_count("1 204") == (1204, "")
    assert c.parse_count("12,0") == (12, "")
    assert c.parse_count("..") == (None, "suppressed")
    with pytest.raises(ValueError, match="whole"):
        c.parse_count("12,5")
    with pytest.raises(ValueError, match="negative"):
        c.parse_count("-1")


@pytest.mark.parametrize(
    "label, total",
    [
        ("Totalt", True),
        ("Summa", True),
        ("Summa barn", True),
        ("SAMTLIGA", True),
        ("Barn utsatta för fysiskt våld", False),
        ("Totalförsvaret", False),
        ("Olaga hot", False),
    ],
)
def test_totals(label, total):
    assert c.is_total_label(label) is total


def test_decode_utf8_bom_cp1252_and_utf16(tmp_path):
    text = "Kommun;Antal\r\nGävle;1\r\n"
    assert c.decode(b"\xef\xbb\xbf" + text.encode(), "f.csv") == (text, "utf-8-sig")
    assert c.decode(text.encode(), "f.csv") == (text, "utf-8")
    assert c.decode(text.encode("cp1252"), "f.csv") == (text, "cp1252")
    assert c.decode(text.encode("utf-16"), "f.csv")[0] == text


def test_undecodable_bytes_name_the_line():
    data = b"Kommun;Antal\nLjusdal;1\n" + b"G\x81vle;2\n"
    with pytest.raises(DataError, match=r"f\.csv, row 3: wrong encoding.*0x81"):
        c.decode(data, "f.csv")
    with pytest.raises(DataError, match="row 2: wrong encoding"):
        c.decode(b"\xef\xbb\xbfa\nb\xe4\n", "f.csv")  # a BOM promises UTF-8


def test_mojibake_is_an_error_naming_row_and_column(tmp_path):
    path = tmp_path / "f.csv"
    text = "Kommun;Antal\nLjusdal;1\nGävle;2\n"
    path.write_bytes(text.encode("utf-8").decode("cp1252").encode("utf-8"))
    with pytest.raises(DataError) as info:
        lt.read_table(path, {"region": ["Kommun"]})
    message = str(info.value)
    assert "f.csv, row 3, column 'Kommun': wrong encoding" in message  # 'GÃ¤vle'
    assert "\n" not in message


def test_mojibake_in_data_row(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes("Region;Antal\nLjusdal;1\nGÃ¤vle;2\n".encode())
    with pytest.raises(DataError, match=r"row 3, column 'Region': wrong encoding.*'GÃ¤vle'"):
        lt.read_table(path, {"region": ["Region"]})


def test_repair_mojibake():
    assert c.repair_mojibake("GÃ¤vleborgs lÃ¤n") == "Gävleborgs län"
    assert c.repair_mojibake("Gävleborgs län") is None
    assert c.repair_mojibake("Ljusdal") is None


def test_title_rows_notes_and_empty_rows(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text(
        "Titel; med semikolon\n\nKommun;År;Antal\nLjusdal;2020;3\n\nKälla: x\n", encoding="utf-8"
    )
    frame = lt.read_table(path, {"region": ["Kommun"], "year": ["År"]}, drop_notes=True)
    assert frame[["region", "year", "Antal"]].values.tolist() == [["Ljusdal", "2020", "3"]]
    assert frame["_line"].tolist() == [4]


def test_wrong_separator(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("Titel, med komma\nKommun,År,Antal\nLjusdal,2020,3\n", encoding="utf-8")
    with pytest.raises(
        DataError,
        match=r"row 2: only one column found: the separator is probably "
        r"wrong \(expected ';', the header is ','-separated\)",
    ):
        lt.read_table(path, {"region": ["Kommun"], "year": ["År"]})


def test_missing_header_and_extra_cells(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("Något;Annat\n1;2\n", encoding="utf-8")
    with pytest.raises(DataError, match="no header row with the columns Kommun"):
        lt.read_table(path, {"region": ["Kommun"]})
    path.write_text("Kommun;Antal\nLjusdal;1;2\n", encoding="utf-8")
    with pytest.raises(DataError, match="row 2: the row has 3 values but the header has 2"):
        lt.read_table(path, {"region": ["Kommun"]})


def test_counts_error_names_file_row_column_value(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("Kommun;Antal\nLjusdal;3\nBollnäs;tolv\n", encoding="utf-8")
    frame = lt.read_table(path, {"region": ["Kommun"], "count": ["Antal"]})
    with pytest.raises(DataError) as info:
        lt.counts(frame, "count", label="Antal")
    assert str(info.value).endswith("row 3, column 'Antal': not a number (value 'tolv')")
