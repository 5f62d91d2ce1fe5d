"""The batch runner with real kernels: failures isolated, resumable, killable, Dask.

Most tests run tiny stand-in notebooks (a project root of their own, VPANALYSIS_ROOT) so
that they cost a kernel start each; the kill-and-resume test runs the real step 1. The
tests of failures, the watchdog and kill-and-resume run in both kernel modes: ``fork``
(kernels forked from the zygote) and ``portable`` (spawned workers, TCP kernels that bind
their own ports), forced with VPANALYSIS_KERNEL_MODE.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from vpanalysis import batch, geography, kernels, runner
from vpanalysis.batch import data_fingerprint, read_state, run_reports

pytestmark = pytest.mark.slow

MODES = [
    pytest.param(
        kernels.FORK,
        marks=pytest.mark.skipif(not kernels.fork_supported(), reason="no fork mode here"),
    ),
    kernels.PORTABLE,
]


@pytest.fixture(params=MODES)
def kernel_mode(request, monkeypatch) -> str:
    """Run the test in each kernel mode (the environment variable reaches subprocesses)."""
    monkeypatch.setenv(kernels.MODE_ENV, request.param)
    assert kernels.kernel_mode() == request.param
    return request.param


PARAMETERS = """\
municipality_code = "2161"
comparison_codes = ["2161"]
years = [2015, 2024]
data_dir = ""
disclosure_threshold = 5
"""


def _notebook(body: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(PARAMETERS)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Testrapport\n\n## Första avsnittet"),
        params,
        nbformat.v4.new_code_cell(body),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    return nb


@pytest.fixture
def stand_in_root(tmp_path, built_data, monkeypatch) -> Path:
    """A project root whose step 1 notebook fails for Bollnäs (2183) and prints otherwise."""
    root = tmp_path / "root"
    (root / "notebooks").mkdir(parents=True)
    body = (
        'if municipality_code == "2183":\n'
        '    raise ValueError("stand-in failure for " + municipality_code)\n'
        'print("Rapport för", municipality_code)'
    )
    nbformat.write(_notebook(body), root / "notebooks" / "01_samverkan.ipynb")
    nbformat.write(_notebook("print('steg 2')"), root / "notebooks" / "02_lagesbild.ipynb")
    monkeypatch.setenv("VPANALYSIS_ROOT", str(root))
    monkeypatch.setenv("VPANALYSIS_DATA", str(built_data))
    return root


def test_one_failure_does_not_stop_the_others_and_reruns_skip_what_is_done(
    stand_in_root, tmp_path, kernel_mode
):
    out = tmp_path / "out"
    first = run_reports(["2161", "2183", "2181"], [1, 2], out, workers=2, progress=False)
    status = {r.job.stem: r.status for r in first.results}
    assert status == {
        "2161_01_samverkan": "ok",
        "2161_02_lagesbild": "ok",
        "2183_01_samverkan": "failed",
        "2183_02_lagesbild": "ok",
        "2181_01_samverkan": "ok",
        "2181_02_lagesbild": "ok",
    }
    (failure,) = first.failed
    assert "stand-in failure for 2183" in failure.message
    log = out / "logs" / "2183_01_samverkan.log"
    assert "stand-in failure" in log.read_text(encoding="utf-8")
    page = (out / "2161_01_samverkan.html").read_text(encoding="utf-8")
    assert "Rapport för 2161" in page and page.rstrip().endswith("</html>")
    assert not (out / "2183_01_samverkan.html").exists()
    assert read_state(failure.job)["status"] == "failed"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "misslyckades" in index and 'href="2181_02_lagesbild.html"' in index
    assert not list(out.rglob("*.tmp-*"))

    # Second run: only the failed report runs again.
    second = run_reports(["2161", "2183", "2181"], [1, 2], out, workers=2, progress=False)
    again = {r.job.stem: r.status for r in second.results}
    assert again.pop("2183_01_samverkan") == "failed"
    assert set(again.values()) == {"skipped"}

    # A changed notebook makes its reports out of date; --force rebuilds everything.
    notebook = stand_in_root / "notebooks" / "02_lagesbild.ipynb"
    nbformat.write(_notebook("print('steg 2, ny version')"), notebook)
    third = run_reports(["2161"], [1, 2], out, workers=1, progress=False)
    assert {r.job.step: r.status for r in third.results} == {1: "skipped", 2: "ok"}
    assert "ny version" in (out / "2161_02_lagesbild.html").read_text(encoding="utf-8")
    forced = run_reports(["2161"], [1], out, workers=1, force=True, progress=False)
    assert [r.status for r in forced.results] == ["ok"]
    # the index keeps the reports of earlier runs in the same folder
    assert 'href="2181_01_samverkan.html"' in (out / "index.html").read_text(encoding="utf-8")


def test_cli_exit_code_is_non_zero_when_a_report_failed(stand_in_root, tmp_path):
    from click.testing import CliRunner

    from vpanalysis.cli import main

    out = tmp_path / "out"
    args = ["reports", "--municipalities", "Ljusdal,Bollnäs", "--steps", "1", "-o", str(out)]
    result = CliRunner().invoke(main, [*args, "--workers", "2"])
    assert result.exit_code == 1, result.output
    assert "FEL" in result.output and "klar" in result.output
    assert (out / "2161_01_samverkan.html").exists()
    ok_only = CliRunner().invoke(main, ["reports", "--municipalities", "2161", "--steps", "1"])
    assert ok_only.exit_code == 0  # default output folder: the stand-in root's reports/
    assert (stand_in_root / "reports" / "2161_01_samverkan.html").exists()


def hang_for_bollnas(job, **kwargs):
    """A stand-in for :func:`vpanalysis.runner.render` that never returns for Bollnäs.

    At module level, so that a spawned worker (portable mode) can unpickle it.
    """
    if job.municipality_code == "2183":
        time.sleep(3600)
    return runner.render(job, **kwargs)


def test_watchdog_kills_a_hung_report_and_the_run_goes_on(
    stand_in_root, tmp_path, monkeypatch, kernel_mode
):
    # the workers get the patched function (forked: inherited; spawned: by reference)
    monkeypatch.setattr(batch, "render", hang_for_bollnas)
    # a spawned worker imports papermill and starts a kernel of its own: give it longer
    monkeypatch.setattr(batch, "WATCHDOG_GRACE", 2 if kernel_mode == kernels.FORK else 30)
    start = time.perf_counter()
    # step 1, the quickest report: under load step 2 outran the portable watchdog
    summary = run_reports(["2183", "2161"], [1], tmp_path / "out", workers=2, timeout=5)
    assert time.perf_counter() - start < 60
    status = {r.job.municipality_code: (r.status, r.message) for r in summary.results}
    assert status["2161"][0] == "ok", status
    assert status["2183"][0] == "failed" and "watchdog" in status["2183"][1]


def _run_cli(out: Path, data: Path, municipalities: str, workers: int = 1) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "vpanalysis.cli",
            "reports",
            "--municipalities",
            municipalities,
            "--steps",
            "1",
            "--workers",
            str(workers),
            "--data-dir",
            str(data),
            "-o",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finished(out: Path) -> set[str]:
    """Reports whose state says they were completed (the HTML may be newer than the state)."""
    done = set()
    for path in (out / ".state").glob("*.json"):
        if json.loads(path.read_text(encoding="utf-8"))["status"] == "ok":
            done.add(path.stem)
    return done


def _key(out: Path, stem: str) -> str:
    return json.loads((out / ".state" / f"{stem}.json").read_text(encoding="utf-8"))["key"]


def _wait_for_first_report(process: subprocess.Popen, out: Path, limit: float = 120) -> None:
    deadline = time.monotonic() + limit
    while not _finished(out):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no report appeared"
        time.sleep(0.1)


def _assert_complete_html(out: Path) -> None:
    for page in out.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert text.rstrip().endswith("</html>"), f"{page.name} is cut short"


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_an_interrupted_run_leaves_whole_files_and_the_next_run_completes(
    how, built_data, tmp_path, kernel_mode
):
    out = tmp_path / "out"
    # every municipality of the county: enough reports left to interrupt, however fast
    codes = ",".join(geography.municipalities_in("21"))
    for _attempt in range(3):
        shutil.rmtree(out, ignore_errors=True)
        process = _run_cli(out, built_data, codes, workers=2)
        _wait_for_first_report(process, out)
        process.send_signal(how)
        _, err = process.communicate(timeout=60)
        # Only a run that finished every report before the signal arrived is tried again
        # (it could not be interrupted); an interrupt that was ignored still fails below.
        if process.returncode != 0 or len(_finished(out)) < len(codes.split(",")):
            break
    assert process.returncode != 0
    if how == signal.SIGINT:
        assert "kör samma kommando igen" in err
        # Ctrl-C kills the workers and cleans up after them; the index lists what is done
        assert not list(out.rglob("*.tmp-*"))
        assert (out / "index.html").exists()
    done_before = _finished(out)
    fingerprint = data_fingerprint(str(built_data))
    keys_before = {stem: _key(out, stem) for stem in done_before}
    assert 1 <= len(done_before) < len(codes.split(","))
    assert done_before <= {p.stem for p in out.glob("2*.html")}
    _assert_complete_html(out)
    time.sleep(1.5)  # the killed run's kernels notice their parent is gone within a second

    resumed = _run_cli(out, built_data, codes, workers=2)
    stdout, stderr = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, stdout + stderr
    assert {p.stem for p in out.glob("2*.html")} == {f"{c}_01_samverkan" for c in codes.split(",")}
    _assert_complete_html(out)
    assert not list(out.rglob("*.tmp-*"))
    # What was finished before the interruption is not redone, unless a dependency changed
    # in between (the library's source, in a checkout that someone is editing).
    for stem in done_before:
        unchanged = _key(out, stem) == keys_before[stem]
        expected = "oförändrad" if unchanged else "klar"
        line = next(line for line in stdout.splitlines() if line.split()[1:2] == [stem[:4]])
        assert expected in line or (not unchanged and "ofullständig" in line), stdout
    assert data_fingerprint(str(built_data)) != fingerprint or all(
        _key(out, stem) == keys_before[stem] for stem in done_before
    )
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count('_01_samverkan.html"') == len(codes.split(","))


def test_dask_executor_on_a_local_cluster(stand_in_root, tmp_path):
    import distributed  # a dev dependency: the test fails, not skips, without it

    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        summary = run_reports(
            ["2161", "2183"],
            [1, 2],
            tmp_path / "out",
            executor="dask",
            scheduler=cluster.scheduler_address,
            progress=False,
        )
    status = {r.job.stem: r.status for r in summary.results}
    assert status == {
        "2161_01_samverkan": "ok",
        "2161_02_lagesbild": "ok",
        "2183_01_samverkan": "failed",
        "2183_02_lagesbild": "ok",
    }
    assert "Rapport för 2161" in (tmp_path / "out" / "2161_01_samverkan.html").read_text(
        encoding="utf-8"
    )
    assert (tmp_path / "out" / "logs" / "2183_01_samverkan.log").exists()
    assert not list((tmp_path / "out").rglob("*.tmp-*"))


def test_the_summary_table_calls_an_incomplete_report_what_the_index_calls_it(tmp_path):
    """The CLI's table and the index page agree: a report whose footer records missing
    registers or sources is "ofullständig" in both, not "klar" in the table."""
    from types import SimpleNamespace

    from vpanalysis import report

    def page_with(gaps: bool) -> str:
        page = report.Page(SimpleNamespace(name="Gävle", municipality_code="2180", manifest={}), 1)
        if gaps:
            page.missing("Partnerregistret", "partners").data  # noqa: B018 - shown
        return f"<html>{page.footer([]).data}</html>"

    complete = runner.make_job(1, "2161", tmp_path)
    incomplete = runner.make_job(1, "2180", tmp_path)
    unchanged = runner.make_job(2, "2180", tmp_path)
    complete.html_path.write_text(page_with(False), encoding="utf-8")
    incomplete.html_path.write_text(page_with(True), encoding="utf-8")
    unchanged.html_path.write_text(page_with(True), encoding="utf-8")
    results = [
        runner.ReportResult(complete, "ok", 1.0, finished="2026-11-02T09:00:00"),
        runner.ReportResult(incomplete, "ok", 1.0, finished="2026-11-02T09:00:00"),
        runner.ReportResult(unchanged, "skipped", 0.0, finished="2026-11-02T09:00:00"),
    ]
    lines = batch.RunSummary(results, 2.0, None).table().splitlines()
    ljusdal = next(line for line in lines if "2161" in line)
    gavle = [line for line in lines if "2180" in line and "samverkan" in line]
    gavle_2 = next(line for line in lines if "2180" in line and "lagesbild" in line)
    assert "klar" in ljusdal and "ofullständig" not in ljusdal
    assert "ofullständig" in gavle[0] and "klar" not in gavle[0]
    assert "ofullständig (oförändrad)" in gavle_2
    assert any("2 rapporter är ofullständiga" in line for line in lines)
    index = runner.write_index(tmp_path, results).read_text(encoding="utf-8")
    assert index.count("ofullständig") == 2


def test_an_interrupt_swallowed_where_it_arrived_still_stops_the_run():
    """Ctrl-C that lands in an at-fork hook (where Python prints and ignores it) still ends
    the run: the handler remembers it and the run's loop raises it again."""
    previous = batch._handle_interrupts()
    try:
        try:  # what a hook that ignores the exception does
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.1)
        except KeyboardInterrupt:
            pass
        with pytest.raises(KeyboardInterrupt):
            batch._check_interrupted()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    assert signal.getsignal(signal.SIGINT) is previous[signal.SIGINT]
    batch._handle_interrupts()  # a new run starts without the old interrupt
    try:
        batch._check_interrupted()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
