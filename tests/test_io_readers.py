"""The readers of vpanalysis.io on small fixtures in the real formats of each source."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import Workbook

from vpanalysis import cleaning
from vpanalysis.errors import DataError
from vpanalysis.io import (
    parse_kolada,
    read_bra,
    read_codebook,
    read_jsonstat2,
    read_kolada,
    read_kvinnojour,
    read_socialtjanst,
    read_survey,
)

pytestmark = pytest.mark.usefixtures("no_default_data")


def test_bra_category_export(fixtures):
    frame = read_bra(fixtures / "bra_kategorier.csv")
    assert frame["region"].tolist() == [
        "Hela landet",
        "Malung–Sälens kommun",
        "Ljusdals kommun",
        "LJUSDAL",
        "Gävleborgs län",
    ]  # the "Totalt" row is dropped
    assert frame["count"].tolist()[:3] == [87123, 41, 1234]
    assert pd.isna(frame["count"].iloc[3]) and frame["flag"].iloc[3] == "suppressed"
    assert frame["rate"].iloc[2] == pytest.approx(6512.6)
    assert frame["_line"].tolist() == [3, 5, 6, 7, 8]
    codes = cleaning.region_codes(frame)
    assert codes.tolist() == ["0000", "2023", "2161", "2161", "0021"]


def test_bra_per_municipality_file(fixtures):
    frame = read_bra(fixtures / "bra_kommun_2023.csv", year=2023, category="Olaga hot")
    assert frame[["region", "year", "category", "count"]].values.tolist() == [
        ["Ljusdal", 2023, "Olaga hot", 98],
        ["Bollnäs", 2023, "Olaga hot", 140],
    ]
    with pytest.raises(DataError, match="no header row"):
        read_bra(fixtures / "bra_kommun_2023.csv")


def test_bra_in_cp1252_is_read(fixtures, tmp_path):
    path = tmp_path / "bra.csv"
    text = (fixtures / "bra_kategorier.csv").read_bytes()[3:].decode("utf-8")
    path.write_bytes(text.replace("\u00a0", " ").encode("cp1252", errors="replace"))
    assert len(read_bra(path)) == 5


def test_jsonstat2_row_major_sparse_and_status(fixtures):
    frame = read_jsonstat2(fixtures / "scb_tab638_small.json")
    assert list(frame.columns) == ["Region", "Kon", "Alder", "Tid", "value", "status"]
    assert len(frame) == 12
    # last dimension fastest: Region, Kon, Alder, Tid
    assert frame.iloc[2][["Region", "Kon", "Alder"]].tolist() == ["2161", "1", "100+"]
    assert frame["value"].iloc[2] == 1
    assert frame.iloc[6][["Region", "Kon", "Alder"]].tolist() == ["00", "1", "0"]
    assert pd.isna(frame["value"].iloc[11]) and frame["status"].iloc[11] == ".."
    labels = read_jsonstat2(fixtures / "scb_tab638_small.json", labels=True)
    assert labels["Region"].iloc[0] == "Ljusdal" and labels["Kon"].iloc[0] == "män"


def test_jsonstat2_rejects_other_json(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"columns": [], "data": []}', encoding="utf-8")
    with pytest.raises(DataError, match="not a json-stat2 dataset"):
        read_jsonstat2(path)
    path.write_text('{"version": "2.0",', encoding="utf-8")
    with pytest.raises(DataError, match="row 1: not valid JSON"):
        read_jsonstat2(path)


def test_kolada_pages_and_nulls(fixtures):
    frame = read_kolada([fixtures / "kolada_sida1.json", fixtures / "kolada_sida2.json"])
    assert len(frame) == 5
    missing = frame[frame["value"].isna()]
    assert missing[["kpi", "municipality", "gender", "status"]].values.tolist() == [
        ["N15428", "0021", "M", "Missing"]
    ]
    assert frame["municipality"].tolist()[-1] == "0000"
    assert frame["period"].dtype == "int64"


def test_kolada_bad_gender():
    body = {
        "values": [
            {
                "kpi": "N07403",
                "municipality": "2161",
                "period": 2020,
                "values": [{"gender": "X", "value": 1}],
            }
        ]
    }
    with pytest.raises(DataError, match=r"values\[0\]\.values\[0\].*gender"):
        parse_kolada(body, file="k.json")


def _workbook(path, rows_by_sheet):
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in rows_by_sheet.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)


def test_socialtjanst_excel_sheets_title_rows_year_columns(tmp_path):
    path = tmp_path / "soc.xlsx"
    header = ["Kategori", "Åldersgrupp", "Kön", 2022, 2023]
    _workbook(
        path,
        {
            "Ljusdal": [
                ["Titel"],
                [],
                header,
                ["Barn utsatta för fysiskt våld", "0-17 år", "Flickor", 3, "*"],
                ["Summa", None, None, "=SUM(D4:D4)", None],
                [],
                ["Källa: systemet"],
            ],
            "Bollnäs kommun": [
                ["Titel"],
                header,
                ["Ekonomiskt våld", "18 år och äldre", "Kvinnor", None, 12.0],
            ],
        },
    )
    frame = read_socialtjanst(path)
    got = frame[["region", "year", "category", "sex", "count", "flag", "_line"]]
    assert got.astype(object).where(got.notna(), None).values.tolist() == [
        ["Ljusdal", 2022, "Barn utsatta för fysiskt våld", "Flickor", 3, "", 4],
        ["Bollnäs kommun", 2022, "Ekonomiskt våld", "Kvinnor", None, "missing", 3],
        ["Ljusdal", 2023, "Barn utsatta för fysiskt våld", "Flickor", None, "suppressed", 4],
        ["Bollnäs kommun", 2023, "Ekonomiskt våld", "Kvinnor", 12, "", 3],
    ]


def test_socialtjanst_text_in_count_names_sheet_row_and_year(tmp_path):
    path = tmp_path / "soc.xlsx"
    _workbook(
        path, {"Ljusdal": [["Kategori", "Kön", 2022], ["Ekonomiskt våld", "Kvinnor", "ca 5"]]}
    )
    with pytest.raises(DataError) as info:
        read_socialtjanst(path)
    assert str(info.value).endswith(
        "soc.xlsx [Ljusdal], row 2, column '2022': not a number (value 'ca 5')"
    )


def test_socialtjanst_long_csv(tmp_path):
    path = tmp_path / "soc.csv"
    path.write_text(
        "Kommun;År;Kategori;Kön;Antal\nLjusdal;2020;Ekonomiskt våld;Män;2\n", encoding="utf-8"
    )
    frame = read_socialtjanst(path)
    assert frame[["region", "year", "sex", "count"]].values.tolist() == [
        ["Ljusdal", 2020, "Män", 2]
    ]


def test_kvinnojour_cp1252(fixtures):
    frame = read_kvinnojour(fixtures / "kvinnojour_cp1252.csv")
    assert frame["category"].tolist() == [
        "Stödsökande kvinnor",
        "Stödsökande kvinnor – fysiskt våld",
        "Stödsökande kvinnor – hedersrelaterat våld",
        "Dygn i skyddat boende",
    ]  # "Summa" dropped
    assert frame["count"].tolist()[:2] == [44, 23]
    assert frame["flag"].tolist() == ["", "", "suppressed", ""]
    assert frame["share"].iloc[1] == pytest.approx(52.3)
    assert frame["count"].iloc[3] == 1204


def test_survey_and_codebook(fixtures):
    codebook = read_codebook(fixtures / "codebook_small.csv")
    raw = read_survey(fixtures / "skolenkat_small.csv", codebook)
    assert "extra_fraga" not in raw.columns
    assert raw["risk_normer"].tolist()[:2] == [2, None] or pd.isna(raw["risk_normer"].iloc[1])
    tidy = cleaning.clean_survey(raw, codebook)
    assert tidy["respondent_id"].tolist() == [
        "2161-2024-1",
        "2161-2024-2",
        "2161-2024-3",
        "2183-2024-4",
    ]
    assert tidy["grade"].tolist() == ["åk9", "gy2", "åk9", "gy2"]
    assert tidy["sex"].tolist()[:2] == ["K", "M"]
    assert pd.isna(tidy["sex"].iloc[2]) and pd.isna(tidy["sex"].iloc[3])
    assert pd.isna(tidy["utsatt_fysiskt"].iloc[2])


def test_survey_unknown_code(fixtures, tmp_path):
    codebook = read_codebook(fixtures / "codebook_small.csv")
    path = tmp_path / "s.csv"
    path.write_text(
        "id;kommun;ar;arskurs;kon;utsatt_fysiskt;risk_normer\n1;2161;2024;1;1;7;2\n",
        encoding="utf-8",
    )
    with pytest.raises(
        DataError,
        match=r"row 2, column 'utsatt_fysiskt': code not in the "
        r"codebook \(0, 1, 2\) \(value '7'\)",
    ):
        read_survey(path, codebook)
    path.write_text("id;kommun;ar;arskurs;kon;risk_normer\n1;2161;2024;1;1;2\n", encoding="utf-8")
    with pytest.raises(DataError, match="missing in the file: utsatt_fysiskt"):
        read_survey(path, codebook)


def test_region_codes_unknown_name_suggests(tmp_path):
    frame = pd.DataFrame(
        {"region": ["Ljusdal", "Ljusdahl"], "_file": "f.csv", "_sheet": "", "_line": [2, 3]}
    )
    with pytest.raises(DataError) as info:
        cleaning.region_codes(frame, label="Kommun")
    assert str(info.value) == (
        "f.csv, row 3, column 'Kommun': unknown municipality or county; "
        "did you mean Ljusdal? (value 'Ljusdahl')"
    )


@pytest.mark.parametrize(
    "label, group",
    [
        ("0-17 år", "0-17"),
        ("0–17", "0-17"),
        ("Barn (0-17 år)", "0-17"),
        ("18 år och äldre", "18+"),
        ("18+", "18+"),
        ("Vuxna", "18+"),
        ("", "totalt"),
        ("Totalt", "totalt"),
        ("65 år eller äldre", "65+"),
    ],
)
def test_age_groups(label, group):
    assert cleaning.age_group(label) == group


@pytest.mark.parametrize(
    "label, sex",
    [
        ("Kvinnor", "K"),
        ("flickor", "K"),
        ("Tjej", "K"),
        ("Män", "M"),
        ("Pojkar", "M"),
        ("Totalt", "T"),
        ("", "T"),
        ("Okänt", None),
    ],
)
def test_sex_codes(label, sex):
    assert cleaning.sex_code(label) == sex
