"""The frozen baseline is a stage of a run, before the notebooks; a report only reads it."""

from __future__ import annotations

from vpanalysis import baseline, context, data
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
