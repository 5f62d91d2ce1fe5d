"""Brå's files as they are downloaded: the statistics database's export (SOL, "Databasfil"),
police regions, and municipalities under their official long names."""

from __future__ import annotations

import pandas as pd
import pytest

from vpanalysis import cleaning, definitions, geography
from vpanalysis.errors import DataError
from vpanalysis.fetch import bra as bra_fetch
from vpanalysis.io import bra as bra_io
from vpanalysis.pipeline import build

HEADER = "Region;Brott;År;Period;Antal;/100 000 inv"
CATEGORY = "Misshandel inkl. grov"

# Names as SOL writes them: the ``Region_BRÅ`` column of Luleå's list of SOL's region names
# (/work/shared/reference/bra, from github.com/Lulea-statistik/BR-brottsstatistik), with
# the codes of SCB's list of municipalities.
YEARLY = f"""{HEADER}
Hela landet;{CATEGORY};År;2023;94512;898;
Hela landet;{CATEGORY};År;2024;93800;889;
Region Nord;{CATEGORY};År;2024;6200;690;
Region Stockholm;{CATEGORY};År;2024;25010;1001;
Region Bergslagen;{CATEGORY};År;2024;8100;958;
Gävleborgs län;{CATEGORY};År;2024;2650;919;
Falun kommun;{CATEGORY};År;2023;301;505;
Falun kommun;{CATEGORY};År;2024;287;481;
Falun kommun;{CATEGORY};År;2024;287;481;
Gotland kommun;{CATEGORY};År;2024;402;658;
Heby kommun (Uppsala län from 2007);{CATEGORY};År;2024;71;482;
Heby kommun (Västmanlands län tom 2006);{CATEGORY};År;2024;..;..;
Ljusdal kommun;{CATEGORY};År;2024;88;462;
Ljusdal kommun;Befogenhetsbedrägeri;År;2024;12;63;
Ljusdal kommun;{CATEGORY};År;2025 prel.;40;210;
"""

EXPECTED = {  # (code, year) -> count
    ("0000", 2023): 94512,
    ("0000", 2024): 93800,
    ("0021", 2024): 2650,
    ("2080", 2023): 301,
    ("2080", 2024): 287,
    ("0980", 2024): 402,
    ("0331", 2024): 71,
    ("2161", 2024): 88,
}


def write(path, text: str):
    path.write_bytes(text.replace("\n", "\r\n").encode("latin-1"))
    return path


def mapping():
    return definitions.category_mapping()


def test_yearly_sol_file_lands_every_count_on_its_code(tmp_path):
    raw = bra_io.read_bra(write(tmp_path / "sol.txt", YEARLY))
    assert "Falun kommun" in set(raw["region"])  # Latin-1 decoded
    notes: list[str] = []
    obs = cleaning.clean_bra(raw, mapping(), notes=notes)
    got = {(r.region_code, r.year): r.count for r in obs.itertuples()}
    assert got == EXPECTED  # repeated row once, Heby's empty row gone, no police region
    assert set(obs["category"]) == {CATEGORY}
    assert any("polisregioner" in n and "Region Nord" in n for n in notes)
    assert any("brottstyper" in n for n in notes)  # Befogenhetsbedrägeri is not mapped
    assert raw.attrs["notes"] and "2025 prel." in raw.attrs["notes"][0]


def test_police_regions_are_never_municipalities_or_counties():
    for name in [
        "Region Nord",
        "Region Mitt",
        "Region Stockholm",
        "Region Öst",
        "Region Väst",
        "Region Syd",
        "Region Bergslagen",
        "Polisregion Syd",
    ]:
        assert geography.police_region(name) is not None, name
    for name in ["Region Gotland", "Region Gävleborg", "Stockholm", "Gävleborgs län"]:
        assert geography.police_region(name) is None, name
    # outside Brå's files "Region X" names a county (Kolada), "Region Gotland" the municipality
    assert geography.region_code("Region Stockholm") == "0001"
    assert geography.region_code("Region Gotland") == "0980"


def test_monthly_sol_file_sums_complete_years_only(tmp_path):
    months = ["Jan", "Feb", "Mar", "Apr", "Maj", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dec"]
    lines = [HEADER]
    lines += [f"Ljusdal kommun;0950 - {CATEGORY};2024;{m};{i + 1};1;" for i, m in enumerate(months)]
    lines += [f"Ljusdal kommun;0950 - {CATEGORY};2025;{m};5;1;" for m in months[:11]]
    lines += [f"Ljusdal kommun;0950 - {CATEGORY};2026 prel.;Jan;7;1;"]
    raw = bra_io.read_bra(write(tmp_path / "manad.txt", "\n".join(lines) + "\n"))
    assert raw[["region", "year", "category", "count"]].values.tolist() == [
        ["Ljusdal kommun", 2024, CATEGORY, sum(range(1, 13))]
    ]
    notes = " ".join(raw.attrs["notes"])
    assert "2025" in notes and "2026" in notes


def test_conflicting_repeat_is_an_error_naming_the_row(tmp_path):
    rows = [f"Ljusdal kommun;{CATEGORY};År;2024;{n};462;" for n in (88, 89)]
    text = "\n".join([HEADER, *rows]) + "\n"
    with pytest.raises(DataError) as err:
        bra_io.read_bra(write(tmp_path / "sol.txt", text))
    message = str(err.value)
    assert "sol.txt" in message and "3" in message and "Antal" in message and "89" in message


def test_fetch_bra_reads_a_sol_file(raw_copy, tmp_path):
    source = write(tmp_path / "sol.txt", YEARLY)
    result = bra_fetch.fetch_bra(str(source), data_dir=raw_copy)
    table = bra_io.read_bra(result.folder / result.files[0])
    got = {(r.region, r.year): r.count for r in table.itertuples()}
    assert got == EXPECTED
    record = (
        (result.folder / "README.md").read_text(encoding="utf-8")
        if (result.folder / "README.md").exists()
        else ""
    )
    assert "Region Nord" not in set(table["region"])
    del record


def test_build_with_a_sol_file(raw_copy, tmp_path):
    folder = raw_copy / "raw" / "bra"
    write(folder / "sol_export.txt", YEARLY)
    result = build(raw_copy, force=True)
    obs = pd.read_parquet(raw_copy / "processed" / "observations.parquet")
    bra = obs[(obs["source"] == "bra") & obs["count"].notna()]
    got = {(r.region_code, r.year): r.count for r in bra.itertuples()}
    assert got == EXPECTED
    assert "polisregioner" in result.summary()


# Official long forms, as the municipalities write their own names (falun.se "Falu
# kommun", goteborg.se "Göteborgs Stad", start.stockholm "Stockholms stad", gotland.se
# "Region Gotland", malung-salen.se "Malung-Sälens kommun", upplandsvasby.se "Upplands
# Väsby kommun", dalsed.se "Dals-Eds kommun" …), with SCB's municipality codes.
OFFICIAL = {
    "Falu kommun": "2080",
    "Göteborgs Stad": "1480",
    "Stockholms stad": "0180",
    "Region Gotland": "0980",
    "Malung-Sälens kommun": "2023",
    "Upplands Väsby kommun": "0114",
    "Upplands-Bro kommun": "0139",
    "Dals-Eds kommun": "1438",
    "Borås Stad": "1490",
    "Malmö stad": "1280",
    "Mölndals stad": "1481",
    "Lidingö stad": "0186",
    "Solna stad": "0184",
    "Sundbybergs stad": "0183",
    "Vaxholms stad": "0187",
    "Västerås stad": "1980",
    "Helsingborgs stad": "1283",
    "Haparanda stad": "2583",
    "Trollhättans stad": "1488",
    "Landskrona stad": "1282",
    "Lilla Edets kommun": "1462",
    "Östra Göinge kommun": "1256",
    "Orust kommun": "1421",
    "Ale kommun": "1440",
    "Heby kommun": "0331",
    "Ljusdals kommun": "2161",
    "Bollnäs kommun": "2183",
    "Sandvikens kommun": "2181",
    "Ovanåkers kommun": "2121",
    "Gävle kommun": "2180",
}


@pytest.mark.parametrize(("name", "code"), sorted(OFFICIAL.items()))
def test_official_long_names_resolve(name, code):
    assert geography.municipality_code(name) == code
    assert geography.municipality_code(name.upper()) == code


def test_per_municipality_csv_without_category_is_all_reported_crime(raw_copy, tmp_path):
    source = tmp_path / "anmalda_brott_kommuner_2023.csv"
    source.write_bytes(
        "\ufeffKommun;Antal;Per 100 000 inv.\r\nLjusdals kommun;1 482;7 791\r\nFalu kommun;"
        "4 950;8 327\r\n".encode()
    )
    result = bra_fetch.fetch_bra(str(source), data_dir=raw_copy)
    table = bra_io.read_bra(result.folder / result.files[0])
    assert set(table["category"]) == {bra_io.TOTAL_CATEGORY}
    assert dict(zip(table["region"], table["count"], strict=True)) == {"2161": 1482, "2080": 4950}


def test_sol_samtliga_brott_is_all_reported_crime(tmp_path):
    text = f"{HEADER}\nLjusdal kommun;Samtliga brott;År;2024;1510;7900;\n"
    raw = bra_io.read_bra(write(tmp_path / "sol.txt", text))
    assert raw["category"].tolist() == [bra_io.TOTAL_CATEGORY]
    obs = cleaning.clean_bra(raw, mapping())
    assert obs["count"].tolist() == [1510] and obs["region_code"].tolist() == ["2161"]


def test_step2_shows_all_reported_crime_as_context_not_as_a_row():
    from vpanalysis.presentation import situation as view

    summary = pd.DataFrame(
        {
            "category": [bra_io.TOTAL_CATEGORY, CATEGORY],
            "year_from": [2022, 2022],
            "year_to": [2024, 2024],
            "count": [4500, 240],
            "value": [7850.0, 418.6],
            "county_value": [8120.0, 455.0],
            "sweden_value": [float("nan"), 820.0],
        }
    )
    text = view.all_crime_text(summary, "Ljusdal")
    assert "4\u00a0500" in text and "7\u00a0850 per 100 000" in text and "länet 8\u00a0120" in text
    assert "riket" not in text  # no value for Sweden
    assert list(view.without_all_crime(summary)["category"]) == [CATEGORY]
    assert view.all_crime_text(summary.iloc[1:], "Ljusdal") is None
