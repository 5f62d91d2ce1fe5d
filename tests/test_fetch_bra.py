"""BRÅ connector: every yearly variant of the per-municipality CSV, names joined to codes."""

from __future__ import annotations

import json

import pytest
from fetch_support import Server, client, tree_digest

from vpanalysis.fetch import bra
from vpanalysis.fetch.http import FetchError
from vpanalysis.io.bra import read_bra

CATEGORY = "Misshandel inkl. grov"


def fetched(data):
    return data / "raw" / "bra" / "hamtat"


def rows(path):
    return read_bra(path).sort_values("region").reset_index(drop=True)


def test_file_with_header_bom_and_crlf(raw_copy, fixtures):
    result = bra.fetch_bra(
        str(fixtures / "bra_kommun_2023.csv"), category=CATEGORY, data_dir=raw_copy
    )
    assert result.files == ["bra_2023_misshandel-inkl-grov.csv"]  # year from the file name
    table = rows(fetched(raw_copy) / result.files[0])
    assert table["region"].tolist() == ["2161", "2183"]
    assert table["count"].tolist() == [98, 140]
    assert table["rate"].tolist() == [512.6, 533.1]
    assert set(table["year"]) == {2023} and set(table["category"]) == {CATEGORY}
    original = fetched(raw_copy) / "original" / "bra_2023_misshandel-inkl-grov.csv"
    assert original.read_bytes() == (fixtures / "bra_kommun_2023.csv").read_bytes()


OLD_VARIANT = (
    "Anmälda brott 2016 – Misshandel inkl. grov\r\n"
    "\r\n"
    "Ale kommun;187;6\u00a0412,3\r\n"
    "Ljusdals kommun;1 204;6 398,0\r\n"
    "MALUNG–SÄLENS KOMMUN;..;..\r\n"
    "Gävleborgs län;2 345;821,5\r\n"
    "Hela landet;87 123;829,4\r\n"
    "Totalt;90 000;856,0\r\n"
    "\r\n"
    "Källa: Brottsförebyggande rådet\r\n"
)


def test_old_variant_without_header_in_cp1252(raw_copy, tmp_path):
    source = tmp_path / "anmalda_brott.csv"
    source.write_bytes(OLD_VARIANT.encode("cp1252"))
    result = bra.fetch_bra(str(source), data_dir=raw_copy)  # year and category from the title
    assert result.files == ["bra_2016_misshandel-inkl-grov.csv"]
    assert result.rows == 5  # the Totalt row is dropped
    table = rows(fetched(raw_copy) / result.files[0])
    assert table["region"].tolist() == ["0000", "0021", "1440", "2023", "2161"]
    assert table["count"].tolist()[:2] == [87123, 2345]
    assert table.loc[table["region"] == "2023", "flag"].item() == "suppressed"
    assert table.loc[table["region"] == "2161", "count"].item() == 1204
    assert table.loc[table["region"] == "1440", "rate"].item() == 6412.3


def test_database_export_with_year_and_category_columns(raw_copy, fixtures):
    result = bra.fetch_bra(str(fixtures / "bra_kategorier.csv"), data_dir=raw_copy)
    assert result.files == ["bra_bra-kategorier.csv"]
    table = read_bra(fetched(raw_copy) / result.files[0])
    assert "Totalt" not in set(table["category"])
    assert sorted(set(table["year"])) == [2023, 2024]
    assert set(table["region"]) == {"0000", "2023", "2161", "0021"}


def test_unmatched_names_are_listed_together(raw_copy, tmp_path):
    source = tmp_path / "bra_2023.csv"
    source.write_text("Kommun;Antal\nLjusdl;98\nBolnäs;140\nSandviken;300\n", encoding="utf-8")
    with pytest.raises(FetchError) as info:
        bra.fetch_bra(str(source), category=CATEGORY, data_dir=raw_copy)
    text = str(info.value)
    assert "2 name(s) match no municipality or county" in text
    assert "'Ljusdl' (did you mean Ljusdal" in text
    assert "'Bolnäs' (did you mean Bollnäs" in text
    assert not fetched(raw_copy).exists()


@pytest.mark.parametrize(
    ("content", "options", "message"),
    [
        ("Kommun;Antal\nLjusdal;98\n", {"category": CATEGORY}, "which year.*--year"),
        (  # two categories in the title (a file without any is all reported crime)
            "Olaga hot och Ofredande 2023\nKommun;Antal\nLjusdal;98\n",
            {"year": 2023},
            "which crime category.*Olaga hot",
        ),
        (
            "Kommun;Antal\nLjusdal;98\n",
            {"year": 2023, "category": "Cykelstöld"},
            "'Cykelstöld' is not a BRÅ category",
        ),
        ("Kommun;Antal\nLjusdal;98 st\n", {"year": 2023, "category": CATEGORY}, "row 2.*Antal"),
        ("Kommun;Antal\n", {"year": 2023, "category": CATEGORY}, "no data rows"),
        (
            "Kommun;Antal\nLjusdal;98\nLjusdals kommun;97\n",
            {"year": 2023, "category": CATEGORY},
            "row 3: 'Ljusdals kommun' is the same region as row 2",
        ),
    ],
)
def test_errors_leave_raw_data_untouched(raw_copy, fixtures, tmp_path, content, options, message):
    bra.fetch_bra(str(fixtures / "bra_kommun_2023.csv"), category=CATEGORY, data_dir=raw_copy)
    before = tree_digest(raw_copy / "raw" / "bra")
    source = tmp_path / "bra.csv"
    source.write_text(content, encoding="utf-8")
    with pytest.raises(FetchError, match=message) as info:
        bra.fetch_bra(str(source), data_dir=raw_copy, **options)
    assert "\n" not in str(info.value)
    assert tree_digest(raw_copy / "raw" / "bra") == before


def test_missing_file_is_a_one_line_error(raw_copy, tmp_path):
    with pytest.raises(FetchError, match="cannot read .*nothing.csv"):
        bra.fetch_bra(str(tmp_path / "nothing.csv"), data_dir=raw_copy)


def test_url_source(raw_copy, fixtures):
    server = Server(
        {"/statistik/kommun_2023.csv": (200, (fixtures / "bra_kommun_2023.csv").read_bytes())}
    )
    result = bra.fetch_bra(
        "https://bra.example/statistik/kommun_2023.csv",
        category=CATEGORY,
        data_dir=raw_copy,
        client=client(server),
    )
    assert result.files == ["bra_2023_misshandel-inkl-grov.csv"]
    record = json.loads((fetched(raw_copy) / "provenance.json").read_text("utf-8"))["records"][0]
    assert record["urls"] == ["https://bra.example/statistik/kommun_2023.csv"]
    assert record["attribution"] == "Källa: BRÅ"


def test_fetches_accumulate_and_the_same_table_is_replaced(raw_copy, fixtures, tmp_path):
    source = str(fixtures / "bra_kommun_2023.csv")
    bra.fetch_bra(source, category=CATEGORY, data_dir=raw_copy)
    bra.fetch_bra(source, year=2022, category=CATEGORY, data_dir=raw_copy)
    changed = tmp_path / "bra_kommun_2023.csv"
    changed.write_text("Kommun;Antal\nLjusdal;99\n", encoding="utf-8")
    bra.fetch_bra(str(changed), category=CATEGORY, data_dir=raw_copy)
    folder = fetched(raw_copy)
    names = sorted(p.name for p in folder.glob("*.csv"))
    assert names == ["bra_2022_misshandel-inkl-grov.csv", "bra_2023_misshandel-inkl-grov.csv"]
    assert read_bra(folder / names[1])["count"].tolist() == [99]
    records = json.loads((folder / "provenance.json").read_text("utf-8"))["records"]
    assert [r["query"]["years"] for r in records] == [["2022"], ["2023"]]


def test_build_uses_fetched_bra_as_real_data(raw_copy, fixtures):
    from vpanalysis import report
    from vpanalysis.pipeline import build

    bra.fetch_bra(str(fixtures / "bra_kommun_2023.csv"), category=CATEGORY, data_dir=raw_copy)
    result = build(data_dir=raw_copy)
    info = result.manifest["sources"]["bra"]
    assert info["example"] is False
    assert info["files"] == ["bra/hamtat/bra_2023_misshandel-inkl-grov.csv"]
    assert info["attribution"] == "Källa: BRÅ"
    assert info["regions"] == ["2161", "2183"]
    assert "Källa: BRÅ" in report.provenance(result.manifest, ["bra"]).data
