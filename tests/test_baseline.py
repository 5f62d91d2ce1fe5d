"""The frozen baseline is a stage of a run, before the notebooks; a report only reads it."""

from __future__ import annotations

import shutil
import subprocess

import pandas as pd
import pytest
from conftest import REPO

from vpanalysis import baseline, context, data, pipeline
from vpanalysis.presentation import situation as view
from vpanalysis.runner import make_job
from vpanalysis.steps import situation


def test_freeze_for_the_reports_that_show_the_baseline(built_copy, tmp_path):
    data.baseline_path("2161", built_copy).unlink(missing_ok=True)
    data.baseline_path("2183", built_copy).unlink(missing_ok=True)
    jobs = [
        make_job(0, "2161", tmp_path, data_dir=str(built_copy)),
        make_job(3, "2183", tmp_path, data_dir=str(built_copy)),
    ]
    assert baseline.freeze_for(jobs) == {}  # neither step 2 nor step 5
    assert not data.baseline_path("2161", built_copy).exists()
    frozen = baseline.freeze_for([*jobs, make_job(5, "2161", tmp_path, data_dir=str(built_copy))])
    assert list(frozen) == ["2161"] and data.baseline_path("2161", built_copy).exists()
    assert not data.baseline_path("2183", built_copy).exists()
    # Ljusdal's goals start from 2020: the baseline is that year's
    periods = dict(zip(frozen["2161"]["indicator"], frozen["2161"]["period"], strict=True))
    assert periods["bra:Misshandel inkl. grov"] == "2018–2020"
    assert baseline.freeze(["2161"], data_dir=built_copy) == {}  # frozen once


def test_context_reads_the_frozen_baseline_and_a_report_shows_it(built_copy):
    data.baseline_path("2161", built_copy).unlink(missing_ok=True)
    ctx = context.load("2161", data_dir=built_copy)
    assert ctx.baseline is None
    now = situation.report_baseline(ctx.baseline, ctx.tables, "2161", 5, as_of=2020)
    assert not now.empty and "saved_on" not in now.columns
    assert view.baseline_caption(now) == "Baslinje (beräknad nu, inte sparad)"
    assert not data.baseline_path("2161", built_copy).exists()  # showing saves nothing

    baseline.freeze(["2161"], data_dir=built_copy)
    ctx = context.load("2161", data_dir=built_copy)
    shown = situation.report_baseline(ctx.baseline, ctx.tables, "2161", 5, as_of=2020)
    assert shown["value"].astype("float64").equals(now["value"].astype("float64"))
    assert "count" not in shown.columns  # ctx.baseline is protected, its raw counts dropped
    assert view.baseline_caption(shown).startswith("Baslinje (sparad 20")


def test_a_baseline_frozen_with_swedish_labels_still_shows(built_copy):
    """Baselines frozen before the labels moved to the report keep label and unit."""
    tables = data.Tables.load(built_copy)
    table = situation.baseline_table(tables, "2161", 5)
    old = view.baseline_labels(table)[
        ["indicator", "label", "period", "value", "lower", "upper", "unit"]
    ]
    assert view.baseline_display(old).equals(view.baseline_display(table))
    assert view.baseline_changes(old, table).equals(view.baseline_changes(table, table))


# ---------------------------------------------------------------- user state, raw values


def test_baseline_lives_in_data_baseline_and_survives_clean_and_force(built_copy):
    path = data.baseline_path("2161", built_copy)
    assert path == built_copy.resolve() / "baseline" / "2161.parquet"
    path.unlink(missing_ok=True)
    baseline.freeze(["2161"], data_dir=built_copy)
    before = path.read_bytes()
    # `make clean`: the processed tables go; `data build --force`: they are rebuilt
    for item in (built_copy / "processed").iterdir():
        if item.is_file():
            item.unlink()
    pipeline.build(data_dir=built_copy, force=True)
    pipeline.build(data_dir=built_copy, force=True)
    assert path.read_bytes() == before
    assert baseline.freeze(["2161"], data_dir=built_copy) == {}  # still frozen


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_clean_keeps_baselines(tmp_path):
    """`make clean`, run in a copy of the project's layout."""
    shutil.copy(REPO / "Makefile", tmp_path / "Makefile")
    for folder in ("data/processed", "data/baseline", "reports", "docs/_build"):
        (tmp_path / folder).mkdir(parents=True)
    files = {
        "data/processed/observations.parquet": False,
        "data/processed/manifest.json": False,
        "data/processed/README.md": True,
        "data/processed/baseline_2161.parquet": True,  # an earlier version's, not moved yet
        "data/baseline/2161.parquet": True,
        "data/baseline/README.md": True,
        "reports/index.html": False,
    }
    for name in files:
        (tmp_path / name).write_text("x", encoding="utf-8")
    subprocess.run(["make", "-s", "clean"], cwd=tmp_path, check=True, capture_output=True)
    assert {name: (tmp_path / name).exists() for name in files} == files


def test_the_stored_baseline_is_raw_with_its_fingerprint_and_no_threshold(built_copy):
    data.baseline_path("2161", built_copy).unlink(missing_ok=True)
    baseline.freeze(["2161"], data_dir=built_copy)
    stored = data.load_baseline("2161", built_copy)
    manifest = data.load_manifest(built_copy)
    assert set(stored["data_fingerprint"]) == {manifest["inputs_hash"]}
    assert not any("threshold" in c for c in stored.columns)
    counts = stored.set_index("indicator")
    # the example data hold local counts under 5 in 2020: raw in the file ...
    value = counts["value"].astype("float64")
    small = counts.index[(counts["kind"] == "count") & (value >= 1) & (value < 5)]
    assert len(small) and (counts.loc[small, "count"] == value[small]).all()
    share = counts.loc["skolenkat:utsatt_fysiskt"]
    assert share["count"] >= 1 and share["denominator"] > share["count"]
    # ... withheld wherever it is shown at the default threshold
    ctx = context.load("2161", data_dir=built_copy, disclosure_threshold=5)
    assert ctx.baseline.set_index("indicator").loc[small, "value"].isna().all()
    assert ctx.baseline_raw.set_index("indicator").loc[small, "value"].notna().all()
    assert {"count", "denominator"}.isdisjoint(ctx.baseline.columns)


def test_a_baseline_is_protected_at_the_threshold_it_is_shown_at():
    table = pd.DataFrame(
        {
            "indicator": ["socialtjanst:a", "skolenkat:b", "skolenkat:c", "bra:d", "kvinnojour:e"],
            "source": ["socialtjanst", "skolenkat", "skolenkat", "bra", "kvinnojour"],
            "kind": ["count", "share", "share", "rate", "count"],
            "value": pd.array([4.0, 50.0, 40.0, 3.0, 5.0], dtype="Float64"),
            "lower": pd.array([None, 30.0, 20.0, 1.0, None], dtype="Float64"),
            "upper": pd.array([None, 70.0, 60.0, 5.0, None], dtype="Float64"),
            "count": pd.array([4, 10, 4, None, 5], dtype="Int64"),
            "denominator": pd.array([None, 20, 10, None, None], dtype="Int64"),
        }
    )
    at3 = data.protect_baseline(table, 3)
    assert at3["value"].isna().tolist() == [False, False, False, False, False]
    at5 = data.protect_baseline(table, 5)
    # 4 persons; a share with 4 yes-answers; police rates are public; 5 is shown
    assert at5["value"].isna().tolist() == [True, False, True, False, False]
    assert at5["lower"].isna().tolist() == [True, False, True, False, True]
    legacy = table.drop(columns=["count", "denominator"])  # made by an earlier version
    old = data.protect_baseline(legacy, 3)
    assert old["value"].isna().tolist() == [False, True, True, False, False]
    # older still: only indicator, label, unit (no source or kind): local values withheld
    oldest = data.protect_baseline(legacy.drop(columns=["source", "kind"]), 3)
    assert oldest["value"].isna().tolist() == [True, True, True, False, True]


def test_a_baseline_of_an_earlier_version_is_moved_once(built_copy):
    new = data.baseline_path("2161", built_copy)
    new.unlink(missing_ok=True)
    old = data.legacy_baseline_path("2161", built_copy)
    assert old.parent == built_copy.resolve() / "processed"
    tables = data.Tables.load(built_copy)
    legacy = situation.baseline_table(tables.up_to(2020), "2161", 3).assign(saved_on="2021-01-01")
    legacy.to_parquet(old, index=False)
    assert baseline.freeze(["2161"], data_dir=built_copy) == {}  # moved, not made anew
    assert new.exists() and not old.exists()
    assert data.migrate_baseline("2161", built_copy) is None  # once
    ctx = context.load("2161", data_dir=built_copy)
    shown = ctx.baseline.set_index("indicator")
    assert shown["saved_on"].iloc[0] == "2021-01-01"
    # a count made at threshold 3 is not shown at 5; shares without their counts are not
    values = shown["value"].astype("float64")
    local = shown["source"].isin(["socialtjanst", "kvinnojour"])
    assert not ((values[local] >= 1) & (values[local] < 5)).any()
    assert shown.loc[shown["kind"] == "share", "value"].isna().all()
    assert (legacy["value"].astype("float64").between(3, 4.5)).any()  # there was one
