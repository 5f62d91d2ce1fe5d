"""The report runner's checks that need no kernel: validation, dependency keys, index, table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from vpanalysis import geography
from vpanalysis.batch import (
    RunSummary,
    data_fingerprint,
    dependency_key,
    is_up_to_date,
    remove_stale_temporary_files,
    validate_jobs,
)
from vpanalysis.cli import main
from vpanalysis.runner import ReportError, ReportResult, make_job, profile_cells, write_index


def test_unknown_municipality_is_rejected_with_the_closest_names():
    with pytest.raises(geography.UnknownRegionError) as err:
        make_job(1, "Ljusdl")
    assert "Ljusdal" in err.value.suggestions


def test_unknown_step_and_bad_years_are_rejected():
    with pytest.raises(ReportError, match="unknown step"):
        make_job(7, "2161")
    with pytest.raises(ReportError, match="years"):
        make_job(1, "2161", years=(2024, 2015))
    with pytest.raises(ReportError, match="threshold"):
        make_job(1, "2161", disclosure_threshold=0)


def test_names_and_int_codes_become_four_character_string_codes(tmp_path):
    job = make_job("1", 2161, tmp_path, comparison=["Bollnäs", 2181], years=[2016, 2023])
    params = job.parameters()
    assert params["municipality_code"] == "2161"
    assert params["comparison_codes"] == ["2183", "2181"]
    assert params["years"] == [2016, 2023]
    # only JSON types reach papermill (docs/traps.md: no Path, no date)
    assert json.loads(json.dumps(params)) == params
    assert isinstance(params["data_dir"], str)


def test_validate_jobs_dedupes_and_refuses_missing_notebooks(tmp_path, monkeypatch):
    jobs = validate_jobs(["2161", "Ljusdal", "2183"], [1, 1], tmp_path)
    assert [j.stem for j in jobs] == ["2161_01_samverkan", "2183_01_samverkan"]
    empty_root = tmp_path / "root"
    (empty_root / "notebooks").mkdir(parents=True)
    monkeypatch.setenv("VPANALYSIS_ROOT", str(empty_root))
    with pytest.raises(ReportError, match="notebook missing: 01_samverkan.ipynb"):
        validate_jobs(["2161"], [1], tmp_path)


def test_cli_rejects_bad_input_before_any_report_starts(tmp_path):
    out = tmp_path / "out"
    runner = CliRunner()
    result = runner.invoke(main, ["reports", "--municipalities", "2161,Ljusdl", "-o", str(out)])
    assert result.exit_code != 0
    assert "Ljusdal" in result.output
    assert not out.exists()  # nothing was started, not even the output folder
    result = runner.invoke(main, ["reports", "--county", "99", "--steps", "1", "-o", str(out)])
    assert result.exit_code != 0 and not out.exists()
    result = runner.invoke(main, ["reports", "--county", "21", "--steps", "1,x", "-o", str(out)])
    assert result.exit_code != 0 and "--steps" in result.output and not out.exists()
    result = runner.invoke(main, ["reports", "--steps", "1", "-o", str(out)])
    assert result.exit_code != 0 and "--county" in result.output


def test_dependency_key_follows_notebook_parameters_and_data(tmp_path, raw_copy, monkeypatch):
    job = make_job(1, "2161", tmp_path, data_dir=str(raw_copy))
    fingerprint = data_fingerprint(str(raw_copy))
    key = dependency_key(job, fingerprint)
    assert key == dependency_key(make_job(1, "2161", tmp_path, data_dir=str(raw_copy)), fingerprint)
    other_years = make_job(1, "2161", tmp_path, years=(2018, 2024), data_dir=str(raw_copy))
    assert dependency_key(other_years, fingerprint) != key
    other_place = make_job(1, "2183", tmp_path, data_dir=str(raw_copy))
    assert dependency_key(other_place, fingerprint) != key

    # a changed raw file changes the data fingerprint
    some_file = next(p for p in sorted((raw_copy / "raw").rglob("*.csv")))
    some_file.write_bytes(some_file.read_bytes() + b"\n")
    assert data_fingerprint(str(raw_copy)) != fingerprint

    # a changed notebook changes the key
    root = tmp_path / "root"
    (root / "notebooks").mkdir(parents=True)
    (root / "notebooks" / "01_samverkan.ipynb").write_bytes(job.notebook.read_bytes())
    monkeypatch.setenv("VPANALYSIS_ROOT", str(root))
    assert dependency_key(job, fingerprint) == key
    (root / "notebooks" / "01_samverkan.ipynb").write_bytes(job.notebook.read_bytes() + b" ")
    assert dependency_key(job, fingerprint) != key


def test_up_to_date_needs_matching_key_ok_status_and_the_file(tmp_path):
    from vpanalysis.batch import _save_state

    job = make_job(1, "2161", tmp_path)
    result = ReportResult(job, "ok", 1.0, finished="2026-11-01T10:00:00")
    _save_state(result, "k1")
    assert not is_up_to_date(job, "k1")  # no HTML yet
    job.html_path.write_text("<html></html>", encoding="utf-8")
    assert is_up_to_date(job, "k1")
    assert not is_up_to_date(job, "k2")
    _save_state(ReportResult(job, "failed", 1.0, "boom"), "k1")
    assert not is_up_to_date(job, "k1")


def test_stale_temporary_files_are_removed(tmp_path):
    (tmp_path / "logs").mkdir()
    leftovers = [tmp_path / ".2161_01.html.tmp-abc", tmp_path / "logs" / ".x.log.tmp-1-2"]
    for path in leftovers:
        path.write_text("half", encoding="utf-8")
    keep = tmp_path / "2161_01_samverkan.html"
    keep.write_text("<html></html>", encoding="utf-8")
    assert remove_stale_temporary_files(tmp_path) == 2
    assert not any(p.exists() for p in leftovers) and keep.exists()


def test_index_shows_status_and_date_and_links_only_existing_reports(tmp_path):
    ok = make_job(1, "2161", tmp_path)
    ok.html_path.write_text("<html></html>", encoding="utf-8")
    failed = make_job(2, "2161", tmp_path)
    skipped = make_job(1, "2183", tmp_path)
    skipped.html_path.write_text("<html></html>", encoding="utf-8")
    index = write_index(
        tmp_path,
        [
            ReportResult(ok, "ok", 3.0, finished="2026-11-02T09:00:00"),
            ReportResult(failed, "failed", 3.0, "NameError: x"),
            ReportResult(skipped, "skipped", 0.0, finished="2026-10-30T08:00:00"),
        ],
    )
    page = index.read_text(encoding="utf-8")
    assert 'href="2161_01_samverkan.html"' in page
    assert 'href="2183_01_samverkan.html"' in page
    assert "2161_02_lagesbild.html" not in page  # a failed report is not linked
    assert "misslyckades" in page and "oförändrad" in page and "klar" in page
    assert "2026-11-02" in page and "2026-10-30" in page
    assert "Ljusdal (2161)" in page and "Bollnäs (2183)" in page
    assert "http://" not in page and "https://" not in page  # self-contained


def test_summary_table_lists_every_report_with_status_time_and_log(tmp_path):
    ok = make_job(1, "2161", tmp_path)
    bad = make_job(1, "2183", tmp_path)
    (tmp_path / "logs").mkdir()
    log = tmp_path / "logs" / f"{bad.stem}.log"
    log.write_text("Traceback ...", encoding="utf-8")
    summary = RunSummary(
        [ReportResult(ok, "skipped", 0.0), ReportResult(bad, "failed", 2.5, "cell 3: KeyError")],
        4.0,
        None,
    )
    table = summary.table()
    assert "Ljusdal 2161" in table and "oförändrad" in table
    assert "Bollnäs 2183" in table and "FEL" in table and str(log) in table
    assert "cell 3: KeyError" in table
    assert "1 misslyckade" in table
    assert [r.job for r in summary.failed] == [bad]


def test_profile_cells_splits_time_by_kind(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    imports = nbformat.v4.new_code_cell("import pandas as pd")
    imports.metadata["papermill"] = {"duration": 1.5}
    compute = nbformat.v4.new_code_cell("x = 1")
    compute.metadata["papermill"] = {"duration": 0.25}
    plot = nbformat.v4.new_code_cell("plot()")
    plot.metadata["papermill"] = {"duration": 0.5}
    plot.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "iVBOR"})]
    nb.cells = [imports, compute, plot, nbformat.v4.new_markdown_cell("text")]
    path = Path(tmp_path) / "nb.ipynb"
    nbformat.write(nb, path)
    assert profile_cells(path) == {"imports": 1.5, "computation": 0.25, "plotting": 0.5}


def test_index_carries_the_example_banner_only_for_example_data(built_copy, tmp_path):
    import json

    job = make_job(1, "2161", tmp_path / "out", data_dir=str(built_copy))
    job.output_dir.mkdir(parents=True)
    job.html_path.write_text("<html></html>", encoding="utf-8")
    result = ReportResult(job, "ok", 1.0, finished="2026-11-02T09:00:00")
    page = write_index(job.output_dir, [result]).read_text(encoding="utf-8")
    assert "EXEMPELDATA" in page and "@top-center" in page
    manifest_path = built_copy / "processed" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for info in manifest["sources"].values():
        info["example"] = False
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    page = write_index(job.output_dir, [result]).read_text(encoding="utf-8")
    assert "EXEMPELDATA" not in page


# ---------------------------------------------------------------- kernel modes and the zygote


def test_kernel_mode_is_fork_on_linux_and_can_be_forced_portable(monkeypatch):
    import sys

    from vpanalysis import kernels

    monkeypatch.delenv(kernels.MODE_ENV, raising=False)
    expected = kernels.FORK if sys.platform.startswith("linux") else kernels.PORTABLE
    assert kernels.kernel_mode() == expected
    monkeypatch.setenv(kernels.MODE_ENV, "portable")
    assert kernels.kernel_mode() == kernels.PORTABLE
    monkeypatch.setenv(kernels.MODE_ENV, "threads")
    with pytest.raises(ValueError, match=kernels.MODE_ENV):
        kernels.kernel_mode()


def test_every_kernel_gets_single_threaded_blas():
    from vpanalysis import kernels

    env = kernels.kernel_env({"PATH": "/bin", "OPENBLAS_NUM_THREADS": "8"})
    assert env["PATH"] == "/bin"
    assert env["OPENBLAS_NUM_THREADS"] == env["OMP_NUM_THREADS"] == "1"
    assert env["JE_ARROW_MALLOC_CONF"] == "background_thread:false"


def test_the_zygote_refuses_to_fork_with_a_second_thread(tmp_path):
    """Checked before every fork; here the zygote's request handler in a process of its own."""
    import subprocess
    import sys

    from vpanalysis import kernels

    if not kernels.fork_supported():
        pytest.skip("no fork mode here")
    script = """
import socket, threading, time
from vpanalysis import zygote
threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
server = zygote.Zygote(socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET), [], {}, [])
try:
    server._fork({"argv": [], "env": {}, "cwd": "."}, [])
except RuntimeError as exc:
    print("refused:", exc)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert "refused: the zygote has 2 threads" in done.stdout, done.stderr


def test_a_zygote_whose_imports_start_a_thread_is_not_used(tmp_path, monkeypatch):

    from vpanalysis import kernels

    if not kernels.fork_supported():
        pytest.skip("no fork mode here")
    (tmp_path / "starts_a_thread.py").write_text(
        "import threading, time\n"
        "threading.Thread(target=time.sleep, args=(60,), daemon=True).start()\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    monkeypatch.setenv(kernels.PRELOAD_ENV, "starts_a_thread")
    pending = kernels.Zygote.launch(("--no-preload",))
    with pytest.raises(kernels.ZygoteUnavailable, match="2 threads"):
        pending.ready(timeout=60)
    assert pending.process.poll() is not None  # stopped


def test_the_zygote_reads_the_usual_kernel_arguments_as_traitlets_does(tmp_path):
    """The child's short cut past traitlets' argument parser gives the same configuration."""
    from ipykernel.kernelapp import IPKernelApp

    from vpanalysis import zygote

    argv = ["-f", str(tmp_path / "kernel.json"), "--HistoryManager.hist_file=:memory:"]
    usual = IPKernelApp()
    usual.parse_command_line(argv)
    quick = IPKernelApp()
    zygote._skip_argument_parser(quick, argv)
    quick.parse_command_line(argv)
    assert quick.cli_config == usual.cli_config
    assert quick.connection_file == usual.connection_file == argv[1]
    assert (quick.argv, quick.extra_args) == (usual.argv, usual.extra_args)
    other = IPKernelApp()
    zygote._skip_argument_parser(other, ["--debug"])  # not one of the usual: parsed as usual
    assert "parse_command_line" not in vars(other)


def test_longest_reports_first_by_their_charts_then_by_the_last_run(tmp_path):
    from vpanalysis.batch import _save_state, longest_first

    jobs = validate_jobs(["2161", "2183"], [1, 2, 4], tmp_path)
    # no earlier run: the notebooks' charts (step 2 draws the most, step 1 the fewest)
    assert [j.step for j in longest_first(jobs)] == [2, 2, 4, 4, 1, 1]
    # an earlier run in the folder: what each step took there
    for job in jobs:
        _save_state(ReportResult(job, "ok", {1: 9.0, 2: 3.0, 4: 1.0}[job.step]), "k")
    ordered = longest_first(jobs)
    assert [j.step for j in ordered] == [1, 1, 2, 2, 4, 4]
    assert sorted(ordered, key=jobs.index) == jobs  # the same jobs, only reordered


def test_the_audit_split_in_two_processes_gives_the_results_of_one(monkeypatch):
    from vpanalysis import audit

    items = list(range(60))
    solve = lambda part: [{("k", str(i)): (i, i * i)} for i in part]  # noqa: E731
    alone = solve(items)
    monkeypatch.setattr(audit, "PARALLEL_MIN", 2)
    assert audit._in_two(items, solve, weight=lambda i: (i % 7) + 1) == alone
