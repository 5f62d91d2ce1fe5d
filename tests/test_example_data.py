"""The committed example data: reproducible, marked as example data, plausible."""

from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from vpanalysis import data, definitions, pipeline

pytestmark = pytest.mark.usefixtures("no_default_data")
REPO = Path(__file__).resolve().parents[1]
RAW = REPO / "data" / "raw"


def _generator():
    spec = importlib.util.spec_from_file_location(
        "make_example_data", REPO / "scripts" / "make_example_data.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("fresh") / "raw"
    _generator().generate(out)
    return out


def _xlsx_content(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.slow
def test_committed_files_equal_a_fresh_generation(fresh):
    for rel in _generator().FILES.values():
        committed, new = RAW / rel, fresh / rel
        assert committed.exists(), f"{rel} is not committed: run scripts/make_example_data.py"
        if committed.read_bytes() == new.read_bytes():
            continue
        # an xlsx differs byte-wise only if openpyxl changed how it zips; compare content
        assert rel.endswith(".xlsx"), f"{rel} differs from a fresh generation"
        assert _xlsx_content(committed) == _xlsx_content(new), f"{rel} content differs"


@pytest.mark.slow
def test_generation_is_deterministic(fresh, tmp_path):
    again = tmp_path / "raw"
    _generator().generate(again)
    for rel in _generator().FILES.values():
        assert (again / rel).read_bytes() == (fresh / rel).read_bytes(), rel


def test_every_file_says_it_is_example_data():
    generated = _generator().FILES.values()
    for rel in generated:
        path = RAW / rel
        assert path.name.startswith("exempel_")
        assert pipeline.is_example(path)
        if path.suffix in (".csv", ".json"):
            head = path.read_bytes()[:400]
            text = head.decode("utf-8", errors="ignore") + head.decode("cp1252", errors="ignore")
            assert "EXEMPELDATA" in text, rel
    readme = (RAW / "README.md").read_text(encoding="utf-8")
    for rel in generated:
        assert Path(rel).name in readme, f"{rel} is not documented in data/raw/README.md"
    for name in ("kpis.csv", "codebook.csv", "violence_definition.yaml", "category_mapping.csv"):
        assert name in readme


def test_formats_are_the_real_ones():
    gen = _generator()
    bra = (RAW / gen.FILES["bra"]).read_bytes()
    assert bra.startswith(b"\xef\xbb\xbf") and b"\r\n" in bra
    assert b"Region;\xc3\x85r;Brottskategori;Antal;Per 100 000 inv.\r\n" in bra
    shelter = (RAW / gen.FILES["kvinnojour"]).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        shelter.decode("utf-8")
    assert "Stödsökande kvinnor" in shelter.decode("cp1252")
    page1 = pd.read_json(RAW / gen.FILES["kolada1"], typ="series")
    assert page1["next_url"].startswith("https://api.kolada.se/v3/")
    page2 = pd.read_json(RAW / gen.FILES["kolada2"], typ="series")
    assert page2["next_url"] is None


def test_sweden_violent_crime_per_100000(built_data):
    obs = data.load_observations(built_data)
    mapping = definitions.category_mapping(built_data)
    violent = mapping.loc[(mapping["source"] == "bra") & mapping["violent_crime"], "category"]
    sweden = obs[
        (obs["source"] == "bra") & (obs["region_code"] == "0000") & obs["category"].isin(violent)
    ]
    rates = data.add_rates(sweden, data_dir=built_data).groupby("year")["rate"].sum()
    assert len(rates) == 10
    assert rates.between(1000, 1200).all(), rates
    kolada = data.load_kolada(built_data)
    n07403 = kolada[(kolada["kpi"] == "N07403") & (kolada["region_code"] == "0000")]
    assert n07403["value"].between(1000, 1200).all()
    small = obs[
        (obs["source"] == "bra")
        & (obs["region_code"] == "2161")
        & (obs["category"] == "Mord, dråp och misshandel med dödlig utgång")
    ]
    assert small["count"].max() <= 3


@pytest.mark.parametrize(
    "code, low, high",
    [
        ("2161", 18_000, 20_000),
        ("2183", 25_000, 27_500),
        ("2181", 37_000, 41_000),
        ("2180", 95_000, 106_000),
        ("0021", 275_000, 292_000),
        ("0000", 9_800_000, 10_700_000),
    ],
)
def test_population_in_range(built_data, code, low, high):
    totals = data.population_totals(regions=[code], data_dir=built_data)
    assert len(totals) == 10
    assert totals["population"].between(low, high).all(), totals


def test_county_is_the_sum_of_its_municipalities(built_data):
    pop = data.population_totals(data_dir=built_data).set_index(["region_code", "year"])
    municipalities = pop.drop(index=["0021", "0000"], level=0).groupby("year")["population"].sum()
    assert (pop.loc["0021"]["population"] == municipalities).all()


def test_missing_year_and_suppressed_cell(built_data):
    obs = data.load_observations(built_data)
    shelter = obs[obs["source"] == "kvinnojour"]
    bollnas_2019 = shelter[(shelter["region_code"] == "2183") & (shelter["year"] == 2019)]
    assert len(bollnas_2019) > 0 and (bollnas_2019["flag"] == "missing").all()
    assert bollnas_2019["count"].isna().all()
    suppressed = shelter[shelter["flag"] == "suppressed"]
    assert suppressed[["region_code", "year", "category"]].values.tolist() == [
        ["2161", 2021, "Stödsökande kvinnor – hedersrelaterat våld"]
    ]
    social = obs[obs["source"] == "socialtjanst"]
    assert (social["flag"] == "suppressed").any()
    assert social["count"].between(1, 4).any()  # small counts where delivered as they are


def test_survey_has_realistic_structure(built_data):
    survey = data.load_survey(built_data)
    per_group = survey.groupby(["region_code", "year"]).size()
    assert set(survey["year"]) == {2016, 2018, 2020, 2022, 2024}
    assert per_group.between(250, 700).all()
    assert survey["sex"].isna().mean() < 0.06
    assert survey["utsatt_fysiskt"].isna().mean() > 0.01  # item non-response

    def share(frame, item, cut=1):
        answered = frame[item].dropna()
        return float((answered >= cut).mean())

    girls, boys = survey[survey["sex"] == "K"], survey[survey["sex"] == "M"]
    assert share(girls, "utsatt_sexuellt") > share(boys, "utsatt_sexuellt") + 0.05
    assert share(boys, "utsatt_fysiskt") > share(girls, "utsatt_fysiskt")
    drunk, sober = survey[survey["risk_alkohol"] == 1], survey[survey["risk_alkohol"] == 0]
    assert share(drunk, "utsatt_fysiskt") > share(sober, "utsatt_fysiskt") + 0.05
    adult, none = survey[survey["skydd_vuxen"] == 1], survey[survey["skydd_vuxen"] == 0]
    assert share(adult, "utsatt_hot") < share(none, "utsatt_hot")
    assert set(survey["risk_normer"].dropna()) == {1, 2, 3, 4}
