"""Many reports in one run: parallel, resumable, robust.

* Every job is validated before any kernel starts (:func:`vpanalysis.runner.make_job`).
* A report is skipped when nothing it depends on changed: the notebook, the data
  (``data/raw`` and the processed manifest), the library's source and version, the
  report template and the parameters. ``force=True`` rebuilds.
* Each report runs in a forked child process in a process group of its own, so a hung
  or crashed kernel is killed by a watchdog and reported as failed; the other reports
  go on. Ctrl-C kills the children and leaves only complete files behind (HTML is
  written atomically), so the next run completes the rest.
* ``executor="dask"`` submits the same jobs to a Dask distributed scheduler instead.

State lives in ``<output>/.state/<report>.json`` (dependency key, status, time) and
logs in ``<output>/logs/<report>.log``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing as mp
import os
import signal
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from vpanalysis import __version__
from vpanalysis.atomic import write_text
from vpanalysis.config import get_paths
from vpanalysis.runner import ReportJob, ReportResult, make_job, render, write_index

STATE_DIR = ".state"
LOG_DIR = "logs"


# ---------------------------------------------------------------- dependency keys


def _hash_tree(digest, folder: Path) -> None:
    if not folder.exists():
        return
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if "__pycache__" in path.parts:
            continue
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(path.read_bytes())


def data_fingerprint(data_dir: str | None = None) -> str:
    """Hash of everything a report reads besides its notebook: raw data, manifest, code."""
    paths = get_paths(data_dir)
    digest = hashlib.sha256(__version__.encode())
    _hash_tree(digest, paths.raw)
    manifest = paths.processed / "manifest.json"
    if manifest.exists():
        digest.update(manifest.read_bytes())
    _hash_tree(digest, Path(__file__).parent)  # library source and report template
    return digest.hexdigest()


def dependency_key(job: ReportJob, fingerprint: str) -> str:
    digest = hashlib.sha256(fingerprint.encode())
    digest.update(job.notebook.read_bytes())
    digest.update(json.dumps(job.parameters(), sort_keys=True).encode())
    return digest.hexdigest()


def _state_path(job: ReportJob) -> Path:
    return job.output_dir / STATE_DIR / f"{job.stem}.json"


def _log_path(job: ReportJob) -> Path:
    return job.output_dir / LOG_DIR / f"{job.stem}.log"


def read_state(job: ReportJob) -> dict:
    try:
        return json.loads(_state_path(job).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def is_up_to_date(job: ReportJob, key: str) -> bool:
    state = read_state(job)
    return state.get("key") == key and state.get("status") == "ok" and job.html_path.exists()


def _save_state(result: ReportResult, key: str) -> None:
    state = {
        "key": key,
        "status": result.status,
        "seconds": round(result.seconds, 3),
        "finished": result.finished,
        "message": result.message,
        "timings": result.timings,
    }
    write_text(_state_path(result.job), json.dumps(state, ensure_ascii=False, indent=1))


def remove_stale_temporary_files(output_dir: Path) -> int:
    """Temporary files left by a killed run (atomic writes that never finished)."""
    removed = 0
    for path in output_dir.rglob("*.tmp-*"):
        with contextlib.suppress(OSError):
            path.unlink()
            removed += 1
    return removed


# ---------------------------------------------------------------- local executor


def _child(job: ReportJob, log_path: Path, timeout: int, conn) -> None:
    """Entry point of a forked worker: its own process group, one report, one answer."""
    os.setpgrp()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides about Ctrl-C
    result = render(job, log_path=log_path, timeout=timeout)
    conn.send((result.status, result.seconds, result.message, result.finished, result.timings))
    conn.close()


def _kill_group(process) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.join(5)


def _run_local(jobs, workers: int, timeout: int, on_done) -> None:
    # Importing the heavy modules before forking means each child starts warm.
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401

    context = mp.get_context("fork")
    pending = deque(jobs)
    running: dict = {}  # connection -> (job, process, started)
    try:
        while pending or running:
            while pending and len(running) < workers:
                job = pending.popleft()
                _log_path(job).parent.mkdir(parents=True, exist_ok=True)
                receiver, sender = context.Pipe(duplex=False)
                process = context.Process(
                    target=_child, args=(job, _log_path(job), timeout, sender), daemon=False
                )
                process.start()
                sender.close()
                running[receiver] = (job, process, time.perf_counter())
            ready = mp.connection.wait(list(running), timeout=0.5)
            for conn in ready:
                job, process, started = running.pop(conn)
                try:
                    status, seconds, message, finished, timings = conn.recv()
                    result = ReportResult(job, status, seconds, message, finished, timings)
                except EOFError:
                    result = ReportResult(
                        job,
                        "failed",
                        time.perf_counter() - started,
                        f"worker died (exit code {process.exitcode}); see {_log_path(job)}",
                    )
                _kill_group(process)  # reaps any kernel the notebook left behind
                on_done(result)
            for conn, (job, process, started) in list(running.items()):
                if time.perf_counter() - started > timeout + 90:
                    _kill_group(process)
                    running.pop(conn)
                    on_done(
                        ReportResult(
                            job,
                            "failed",
                            time.perf_counter() - started,
                            f"watchdog: no answer after {timeout + 90} s, killed",
                        )
                    )
    finally:
        for _, process, _ in running.values():
            _kill_group(process)


# ---------------------------------------------------------------- dask executor


def _render_remote(job: ReportJob, timeout: int) -> ReportResult:
    return render(job, log_path=_log_path(job), timeout=timeout)


def _run_dask(jobs, scheduler: str | None, timeout: int, on_done) -> None:
    from distributed import Client, as_completed

    with Client(scheduler) as client:
        futures = {client.submit(_render_remote, job, timeout, pure=False): job for job in jobs}
        for future in as_completed(futures):
            job = futures[future]
            try:
                on_done(future.result())
            except Exception as exc:  # a worker lost: report, go on
                on_done(ReportResult(job, "failed", 0.0, f"dask: {exc}"))


# ---------------------------------------------------------------- the run


@dataclass
class RunSummary:
    results: list[ReportResult]
    seconds: float
    index: Path | None

    @property
    def failed(self) -> list[ReportResult]:
        return [r for r in self.results if r.status == "failed"]

    def table(self) -> str:
        """A plain-text summary: municipality × step, status, time, log."""
        from vpanalysis import geography
        from vpanalysis.runner import STEPS

        lines = [f"{'kommun':<18} {'steg':<24} {'status':<8} {'tid (s)':>8}  logg"]
        for r in sorted(self.results, key=lambda r: (r.job.municipality_code, r.job.step)):
            name = geography.region_name(r.job.municipality_code)[:18]
            step = STEPS[r.job.step][0]
            log = _log_path(r.job) if r.status == "failed" else ""
            lines.append(f"{name:<18} {step:<24} {r.status:<8} {r.seconds:>8.1f}  {log}")
        counts = {s: sum(r.status == s for r in self.results) for s in ("ok", "skipped", "failed")}
        lines.append(
            f"{len(self.results)} rapporter: {counts['ok']} klara, "
            f"{counts['skipped']} oförändrade, {counts['failed']} misslyckade; "
            f"{self.seconds:.1f} s"
        )
        return "\n".join(lines)


def run_reports(
    municipalities: Sequence[str],
    steps: Sequence[int],
    output_dir: str | Path | None = None,
    *,
    workers: int | None = None,
    force: bool = False,
    pdf: bool = False,
    executor: str = "local",
    scheduler: str | None = None,
    timeout: int = 600,
    progress: bool = True,
    **options,
) -> RunSummary:
    """Render every step for every municipality, skipping what is up to date."""
    from tqdm import tqdm

    start = time.perf_counter()
    jobs = [
        make_job(step, code, output_dir, **options) for code in municipalities for step in steps
    ]
    if not jobs:
        return RunSummary([], 0.0, None)
    out = jobs[0].output_dir
    out.mkdir(parents=True, exist_ok=True)
    remove_stale_temporary_files(out)
    fingerprint = data_fingerprint(options.get("data_dir"))
    keys = {job: dependency_key(job, fingerprint) for job in jobs}
    results: list[ReportResult] = []
    todo = []
    for job in jobs:
        if not force and is_up_to_date(job, keys[job]):
            state = read_state(job)
            results.append(ReportResult(job, "skipped", 0.0, finished=state.get("finished", "")))
        else:
            todo.append(job)

    tqdm.monitor_interval = 0  # no monitor thread: the local executor forks
    bar = tqdm(total=len(jobs), initial=len(results), unit="rapport", disable=not progress)

    def on_done(result: ReportResult) -> None:
        if result.status == "ok" and pdf:
            from vpanalysis.pdf import html_to_pdf

            try:
                html_to_pdf(result.path, result.path.with_suffix(".pdf"))
            except RuntimeError as exc:
                result.status, result.message = "failed", f"PDF: {exc}"
        _save_state(result, keys[result.job])
        results.append(result)
        bar.set_postfix_str(f"{result.job.stem}: {result.status}", refresh=False)
        bar.update()

    try:
        if executor == "dask":
            _run_dask(todo, scheduler, timeout, on_done)
        elif executor == "local":
            _run_local(todo, max(1, workers or os.cpu_count() or 1), timeout, on_done)
        else:
            raise ValueError(f"unknown executor {executor!r}: choose local or dask")
    finally:
        bar.close()
        index = write_index(out, results) if results else None
    return RunSummary(results, time.perf_counter() - start, index)
