"""The pipeline: build, idempotency, atomicity, corrupt inputs through the CLI, loaders."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from vpanalysis import atomic, data, pipeline
from vpanalysis.cli import main
from vpanalysis.errors import DataError

pytestmark = pytest.mark.usefixtures("no_default_data")

BRA = "raw/bra/exempel_anmalda_brott_gavleborg_2015-2024.csv"
KVINNOJOUR = "raw/kvinnojour/exempel_kvinnojour_2015-2024.csv"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path -> bytes)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def run_build(data_dir: Path, *args: str):
    return CliRunner().invoke(main, ["data", "build", "--data-dir", str(data_dir), *args])


# ---------------------------------------------------------------- building


def test_build_writes_every_table(built_data):
    processed = built_data / "processed"
    manifest = json.loads((processed / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["outputs"]) == set(pipeline.TABLES.values())
    for name, info in manifest["outputs"].items():
        frame = pd.read_parquet(processed / name)
        assert list(frame.columns) == info["columns"] and len(frame) == info["rows"] > 0
    sources = manifest["sources"]
    assert set(sources) == {"bra", "scb", "kolada", "socialtjanst", "kvinnojour", "skolenkat"}
    assert all(info["example"] for info in sources.values())
    assert sources["kvinnojour"]["local"] and not sources["bra"]["local"]
    assert sources["bra"]["years"] == [2015, 2024]
    assert manifest["definition"]["text"].startswith("Våld är varje handling")
    assert manifest["inputs"]["definitions/category_mapping.csv"]
    assert manifest["package_version"]


def test_observation_columns_follow_the_contract(built_data):
    obs = data.load_observations(built_data)
    assert list(obs.columns) == [
        "source",
        "category",
        "form",
        "relation",
        "who_type",
        "subcategory_of",
        "region_code",
        "year",
        "sex",
        "age_group",
        "count",
        "flag",
        "unit",
        "local",
    ]
    assert obs["region_code"].str.fullmatch(r"\d{4}").all()
    assert str(obs["count"].dtype) == "Int64" and str(obs["region_code"].dtype) == "string"
    assert set(obs["source"]) == {"bra", "socialtjanst", "kvinnojour"}
    assert (obs["count"].isna() == (obs["flag"] != "")).all()
    # T = K + M where social services give both
    soc = obs[
        (obs["source"] == "socialtjanst")
        & (obs["region_code"] == "2161")
        & (obs["category"] == "Barn utsatta för fysiskt våld")
        & (obs["year"] == 2020)
    ]
    counts = soc.set_index("sex")["count"]
    assert counts["T"] == counts["K"] + counts["M"]
    women_only = obs[obs["category"] == "Våld i nära relation – vuxna kvinnor"]
    assert set(women_only["sex"]) == {"K"} and set(women_only["age_group"]) == {"18+"}


def test_cli_build_idempotent(raw_copy):
    result = run_build(raw_copy)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Built {raw_copy / 'processed'}")
    before = snapshot(raw_copy / "processed")
    again = run_build(raw_copy)
    assert again.exit_code == 0 and "up to date" in again.output
    assert snapshot(raw_copy / "processed") == before  # no work: manifest unchanged
    forced = run_build(raw_copy, "--force")
    assert forced.exit_code == 0 and forced.output.startswith("Built")
    after = snapshot(raw_copy / "processed")
    assert {k: v for k, v in after.items() if k.endswith(".parquet")} == {
        k: v for k, v in before.items() if k.endswith(".parquet")
    }  # the same inputs give the same tables


def test_changed_input_rebuilds_and_raw_is_never_written(built_copy):
    raw_before = snapshot(built_copy / "raw")
    path = built_copy / KVINNOJOUR
    path.write_bytes(
        path.read_bytes().replace(
            b"Ljusdal;2015;St\xf6dsamtal;312", b"Ljusdal;2015;St\xf6dsamtal;313"
        )
    )
    raw_before[KVINNOJOUR.removeprefix("raw/")] = path.read_bytes()
    result = pipeline.build(data_dir=built_copy)
    assert result.built
    obs = data.load_observations(built_copy)
    row = obs[
        (obs["category"] == "Stödsamtal") & (obs["region_code"] == "2161") & (obs["year"] == 2015)
    ]
    assert row["count"].tolist() == [313]
    assert snapshot(built_copy / "raw") == raw_before
    assert not pipeline.build(data_dir=built_copy).built


def test_deleted_output_is_rebuilt(built_copy):
    (built_copy / "processed" / "kolada.parquet").unlink()
    assert pipeline.build(data_dir=built_copy).built


# ---------------------------------------------------------------- corrupt inputs (CLI)


def _replace(path: Path, old: bytes, new: bytes, count: int = 1) -> None:
    data_ = path.read_bytes()
    assert old in data_, old
    path.write_bytes(data_.replace(old, new, count))


def _line_of(path: Path, needle: bytes) -> int:
    return (
        path.read_bytes()
        .split(b"\n")
        .index(next(line for line in path.read_bytes().split(b"\n") if needle in line))
        + 1
    )


def corrupt_separator(data_dir: Path) -> tuple[str, int, str | None, str]:
    path = data_dir / KVINNOJOUR
    text = path.read_bytes().decode("cp1252")
    lines = text.split("\r\n")
    lines[1:] = [
        ",".join(f'"{cell}"' if "," in cell else cell for cell in line.split(";"))
        for line in lines[1:]
    ]
    path.write_bytes("\r\n".join(lines).encode("cp1252"))
    return KVINNOJOUR, 2, None, "Kommun,År,Uppgift,Antal"


def corrupt_encoding(data_dir: Path) -> tuple[str, int, str | None, str]:
    path = data_dir / BRA
    old = "Gävleborgs län;2019;Olaga hot".encode()
    line = _line_of(path, old)
    _replace(path, old, old.decode("utf-8").encode("utf-8").decode("cp1252").encode("utf-8"))
    return BRA, line, "Region", "GÃ¤vleborgs lÃ¤n"


def corrupt_count(data_dir: Path) -> tuple[str, int, str | None, str]:
    path = data_dir / BRA
    old = b"Ljusdal;2019;Olaga hot;"
    line = _line_of(path, old)
    _replace(path, old, old + b"ca ")
    return BRA, line, "Antal", "ca "


def corrupt_municipality(data_dir: Path) -> tuple[str, int, str | None, str]:
    path = data_dir / KVINNOJOUR
    old = "Bollnäs;2020;Stödsamtal".encode("cp1252")
    line = _line_of(path, old)
    _replace(path, old, "Bolnäs;2020;Stödsamtal".encode("cp1252"))
    return KVINNOJOUR, line, "Kommun", "did you mean Bollnäs"


def corrupt_duplicate(data_dir: Path) -> tuple[str, int, str | None, str]:
    path = data_dir / BRA
    lines = path.read_bytes().split(b"\r\n")
    first = next(i for i, line in enumerate(lines) if line.startswith(b"Ljusdal;2019;Olaga hot;"))
    # the same row again, with the municipality's name in genitive form
    lines.insert(len(lines) - 1, lines[first].replace(b"Ljusdal;", b"Ljusdals kommun;"))
    path.write_bytes(b"\r\n".join(lines))
    return BRA, len(lines) - 1, "Region, År, Brottskategori", f"as row {first + 1}"


@pytest.mark.parametrize(
    "corrupt",
    [corrupt_separator, corrupt_encoding, corrupt_count, corrupt_municipality, corrupt_duplicate],
)
def test_corrupt_input_fails_cleanly(built_copy, corrupt):
    processed_before = snapshot(built_copy / "processed")
    entries_before = sorted(p.name for p in built_copy.iterdir())
    file, row, column, detail = corrupt(built_copy)
    result = run_build(built_copy)
    assert result.exit_code != 0
    message = result.stderr.strip()
    assert "\n" not in message, message
    assert message.startswith("vpanalysis: error: "), message
    assert file.removeprefix("raw/") in message and f"row {row}" in message, message
    if column:
        assert f"column '{column}'" in message, message
    assert detail in message, message
    assert "(value " in message, message
    assert "Traceback" not in result.output
    assert snapshot(built_copy / "processed") == processed_before
    assert sorted(p.name for p in built_copy.iterdir()) == entries_before  # no temp folders


def test_failed_build_keeps_previous_output_and_python_error(built_copy):
    _replace(built_copy / BRA, b"Ljusdal;2019;Olaga hot;", b"Ljusdahl;2019;Olaga hot;")
    before = snapshot(built_copy / "processed")
    with pytest.raises(DataError, match="did you mean Ljusdal"):
        pipeline.build(data_dir=built_copy, force=True)
    assert snapshot(built_copy / "processed") == before


def test_unmapped_category_is_listed(built_copy):
    path = built_copy / BRA
    _replace(path, b";Ofredande;", ";Ofredande och förföljelse;".encode(), count=-1)
    result = run_build(built_copy)
    assert result.exit_code != 0
    assert (
        "category_mapping.csv: 1 category of source 'bra' without a row in "
        "category_mapping.csv: 'Ofredande och förföljelse'" in result.stderr
    )


# ---------------------------------------------------------------- example or real


def test_real_file_replaces_example_files(built_copy):
    folder = built_copy / "raw" / "kvinnojour"
    example = folder / "exempel_kvinnojour_2015-2024.csv"
    lines = example.read_bytes().decode("cp1252").split("\r\n")
    real = [lines[1]] + [line for line in lines[2:] if line.startswith("Ljusdal;2024;")]
    (folder / "kvinnojour_2024.csv").write_bytes("\r\n".join(real).encode("cp1252"))
    result = pipeline.build(data_dir=built_copy)
    info = result.manifest["sources"]["kvinnojour"]
    assert info["example"] is False
    assert info["files"] == ["kvinnojour/kvinnojour_2024.csv"]
    assert info["ignored"] == ["kvinnojour/exempel_kvinnojour_2015-2024.csv"]
    assert "Ignored example files" in result.summary()
    obs = data.load_observations(built_copy)
    shelter = obs[obs["source"] == "kvinnojour"]
    assert set(shelter["region_code"]) == {"2161"} and set(shelter["year"]) == {2024}
    assert data.load_manifest(built_copy)["sources"]["bra"]["example"] is True


def test_is_example():
    raw = Path(__file__).resolve().parents[1] / "data" / "raw"
    for path in raw.glob("*/exempel_*"):
        assert pipeline.is_example(path), path
    assert not pipeline.is_example(raw / "kolada" / "kpis.csv")


# ---------------------------------------------------------------- loaders and helpers


def test_loaders_build_when_missing(raw_copy):
    assert not (raw_copy / "processed").exists()
    survey = data.load_survey(raw_copy)
    assert (raw_copy / "processed" / "manifest.json").exists()
    assert list(survey.columns[:5]) == ["respondent_id", "region_code", "year", "grade", "sex"]
    assert survey["respondent_id"].is_unique
    assert set(data.load_kolada(raw_copy)["kpi"]) == set(data.load_kpis(raw_copy)["kpi"])
    pop = data.load_population(raw_copy)
    assert pop["age_group"].nunique() == 19
    assert set(data.load_codebook(raw_copy)["item"]) >= set(survey.columns[5:])


def test_population_totals_and_rates(built_data):
    single = data.load_population_single_year(built_data)
    bands = data.load_population(built_data)
    total = data.population_totals(single, regions=["2161"], years=[2020])
    from_bands = data.population_totals(bands, regions=["2161"], years=[2020])
    assert total["population"].tolist() == from_bands["population"].tolist()
    children = data.population_totals(single, age_group="0-17", sex="K", regions=["2161"])
    girls = (
        single[(single["region_code"] == "2161") & (single["sex"] == "K") & (single["age"] <= 17)]
        .groupby("year")["population"]
        .sum()
    )
    assert children.set_index("year")["population"].to_dict() == girls.to_dict()
    with pytest.raises(ValueError, match="five-year bands"):
        data.population_totals(bands, age_group="0-17")
    obs = data.load_observations(built_data)
    rates = data.add_rates(obs[obs["source"] == "bra"], single)
    row = rates[
        (rates["region_code"] == "2161")
        & (rates["year"] == 2020)
        & (rates["category"] == "Misshandel mot kvinna 18 år eller äldre")
    ].iloc[0]
    women = single[
        (single["region_code"] == "2161")
        & (single["year"] == 2020)
        & (single["sex"] == "K")
        & (single["age"] >= 18)
    ]["population"].sum()
    assert row["population"] == women
    assert row["rate"] == pytest.approx(row["count"] / women * 100_000)


# ---------------------------------------------------------------- atomic helpers


def test_atomic_write_leaves_no_temp_file_on_failure(tmp_path):
    target = tmp_path / "x.txt"
    atomic.atomic_write_text(target, "old")

    def fail(tmp):
        tmp.write_text("half")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        atomic.atomic_write_with(target, fail)
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["x.txt"]


def test_swap_directory(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    (target / "a").write_text("old")
    with atomic.temporary_sibling_dir(target) as tmp:
        (tmp / "a").write_text("new")
        atomic.swap_directory(tmp, target)
    assert (target / "a").read_text() == "new"
    assert os.listdir(tmp_path) == ["out"]
