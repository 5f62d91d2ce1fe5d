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
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path

from vpanalysis import __version__, audit, baseline, catalogue, geography, kernels, publication
from vpanalysis.atomic import write_text
from vpanalysis.config import get_paths
from vpanalysis.pdf import html_to_pdf
from vpanalysis.runner import (
    ReportError,
    ReportJob,
    ReportResult,
    make_job,
    render,
    report_gaps,
    warm_up,
    write_index,
)

STATE_DIR = ".state"
LOG_DIR = "logs"


# ---------------------------------------------------------------- dependency keys


#: Library files that do not change what a report shows (the batch machinery, the command
#: line, the downloaders): editing them does not make reports out of date.
_NOT_IN_REPORTS = ("batch.py", "cli.py", "fetch", "kernels.py", "zygote.py")


def _hash_tree(digest, folder: Path, skip: tuple[str, ...] = ()) -> None:
    if not folder.exists():
        return
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder)
        if "__pycache__" in path.parts or relative.parts[0] in skip or path.suffix == ".pyc":
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
    _hash_tree(digest, Path(__file__).parent, _NOT_IN_REPORTS)  # library and template
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
        "municipality_code": result.job.municipality_code,
        "step": result.job.step,
        "status": result.status,
        "seconds": round(result.seconds, 3),
        "finished": result.finished,
        "message": result.message,
        "timings": {k: round(v, 3) for k, v in result.timings.items()},
    }
    write_text(_state_path(result.job), json.dumps(state, ensure_ascii=False, indent=1))


def _earlier_results(output_dir: Path, this_run: set[str], job_options: dict) -> list:
    """Reports of earlier runs in the same folder (for the index), from their state files."""
    results = []
    for path in sorted((output_dir / STATE_DIR).glob("*.json")):
        if path.stem in this_run:
            continue
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
            job = make_job(state["step"], state["municipality_code"], output_dir, **job_options)
        except (OSError, ValueError, KeyError, TypeError, ReportError):
            continue
        if job.stem != path.stem or (state.get("status") == "ok" and not job.html_path.exists()):
            continue
        results.append(
            ReportResult(
                job,
                state.get("status", "failed"),
                float(state.get("seconds") or 0.0),
                state.get("message", ""),
                state.get("finished", ""),
            )
        )
    return results


def remove_stale_temporary_files(output_dir: Path) -> int:
    """Temporary files left by a killed run (atomic writes that never finished)."""
    removed = 0
    for path in output_dir.rglob("*.tmp-*"):
        with contextlib.suppress(OSError):
            path.unlink()
            removed += 1
    return removed


# ---------------------------------------------------------------- local executor

#: Seconds the watchdog waits beyond ``timeout`` before it kills a report's worker.
WATCHDOG_GRACE = 60


def _temporary_log(job: ReportJob) -> Path:
    """Where a report's log is written while it runs; moved to :func:`_log_path` after."""
    final = _log_path(job)
    final.parent.mkdir(parents=True, exist_ok=True)
    return final.with_name(f".{final.name}.tmp-{os.getpid()}-{time.monotonic_ns()}")


def _publish_log(job: ReportJob, tmp: Path) -> None:
    with contextlib.suppress(OSError):
        os.replace(tmp, _log_path(job))


def _die_with_parent() -> None:
    """Linux: ask for SIGKILL when the parent dies, so a killed run leaves no orphans."""
    with contextlib.suppress(Exception):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)


def _exit_with_parent() -> None:
    """Portable: end this worker as soon as its parent is gone (a thread waits for it).

    The worker's kernel notices within a second that its parent is gone (ipykernel's
    parent poller) and exits too.
    """
    parent = mp.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _child(
    job: ReportJob, log_tmp: Path, timeout: int, pdf: bool, parent: int, conn, mode, render_fn
) -> None:
    """Entry point of a worker: one report, one answer.

    ``fork`` mode: the worker is forked, leads a process group of its own and dies with its
    parent (``PR_SET_PDEATHSIG``); its kernel, forked by the zygote, is killed by the
    zygote as soon as the worker is gone. ``portable`` mode: the worker is spawned and a
    thread ends it when its parent is gone.
    """
    if mode == kernels.FORK:
        os.setpgrp()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _die_with_parent()
    else:
        _exit_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides about Ctrl-C
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)
    result = render_fn(job, log_path=log_tmp, timeout=timeout, pdf=pdf)
    _publish_log(job, log_tmp)
    conn.send((result.status, result.seconds, result.message, result.finished, result.timings))
    conn.close()


def _kill_group(process, mode: str) -> None:
    """Kill a worker and what it started (fork mode: its process group)."""
    if mode == kernels.FORK:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
    else:
        with contextlib.suppress(OSError):
            process.kill()
    process.join(5)


def _run_local(jobs, workers: int, timeout: int, pdf: bool, on_done) -> None:
    mode = kernels.kernel_mode()
    if mode == kernels.FORK:
        # Warm before forking: each worker starts with papermill, nbconvert and the
        # compiled report template, and asks the one zygote for its kernel. The zygote
        # imports in the meantime.
        kernels.prepare()
        warm_up()
        kernels.zygote()
    context = mp.get_context("fork" if mode == kernels.FORK else "spawn")
    pending = deque(jobs)
    running: dict = {}  # connection -> (job, process, started, temporary log)
    limit = timeout + WATCHDOG_GRACE
    try:
        while pending or running:
            _check_interrupted()
            while pending and len(running) < workers:
                job = pending.popleft()
                log_tmp = _temporary_log(job)
                receiver, sender = context.Pipe(duplex=False)
                process = context.Process(
                    target=_child,
                    args=(job, log_tmp, timeout, pdf, os.getpid(), sender, mode, render),
                    daemon=False,
                )
                try:
                    process.start()
                finally:  # a worker forked before an interrupt is killed with the others
                    sender.close()
                    if process.pid is not None:
                        running[receiver] = (job, process, time.perf_counter(), log_tmp)
            for conn in wait(list(running), timeout=0.5):
                job, process, started, log_tmp = running.pop(conn)
                try:
                    status, seconds, message, finished, timings = conn.recv()
                    result = ReportResult(job, status, seconds, message, finished, timings)
                except EOFError:
                    process.join(5)
                    result = ReportResult(
                        job,
                        "failed",
                        time.perf_counter() - started,
                        f"worker died (exit code {process.exitcode}); see {_log_path(job)}",
                    )
                conn.close()
                _kill_group(process, mode)  # reaps anything the notebook left behind
                _publish_log(job, log_tmp)
                on_done(result)
            for conn, (job, process, started, log_tmp) in list(running.items()):
                if time.perf_counter() - started > limit:
                    _kill_group(process, mode)
                    conn.close()
                    running.pop(conn)
                    _publish_log(job, log_tmp)
                    on_done(
                        ReportResult(
                            job,
                            "failed",
                            time.perf_counter() - started,
                            f"watchdog: no answer after {limit} s, killed",
                        )
                    )
    finally:
        for conn, (_job, process, _, log_tmp) in running.items():
            _kill_group(process, mode)
            conn.close()
            log_tmp.unlink(missing_ok=True)


# ---------------------------------------------------------------- dask executor


def _render_remote(job: ReportJob, timeout: int, pdf: bool) -> ReportResult:
    """Run on a Dask worker: one report, its log moved into place when done."""
    log_tmp = _temporary_log(job)
    try:
        return render(job, log_path=log_tmp, timeout=timeout, pdf=pdf)
    finally:
        _publish_log(job, log_tmp)


def _run_dask(jobs, scheduler: str | None, timeout: int, pdf: bool, on_done) -> None:
    from distributed import Client, as_completed

    with Client(scheduler) as client:
        futures = {
            client.submit(_render_remote, job, timeout, pdf, pure=False): job for job in jobs
        }
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
    #: The attacker's audit of the output folder after the run (None: not run).
    audit: audit.AuditResult | None = None
    #: Seconds of the run's stages: baselines, publication, reports, index, audit.
    stages: dict[str, float] = field(default_factory=dict)

    @property
    def failed(self) -> list[ReportResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def disclosed(self) -> bool:
        """True when the audit found a count of persons under the threshold (the run failed)."""
        return bool(self.audit and self.audit.findings)

    def table(self) -> str:
        """A plain-text summary: municipality × step, status, time, log. A report whose
        sections lacked a register or source is "ofullständig", as on the index page
        (:func:`vpanalysis.runner.report_gaps`)."""

        status_sv = {"ok": "klar", "failed": "FEL", "skipped": "oförändrad"}
        incomplete = 0
        lines = [f"{'kommun':<18} {'steg':<24} {'status':<12} {'tid (s)':>8}  logg"]
        for r in sorted(self.results, key=lambda r: (r.job.municipality_code, r.job.step)):
            code = r.job.municipality_code
            name = f"{geography.region_name(code)[:13]} {code}"
            step = catalogue.get(r.job.step).slug
            log = _log_path(r.job)
            shown = str(log) if log.exists() else ""
            status = status_sv.get(r.status, r.status)
            if r.status != "failed" and report_gaps(r):
                incomplete += 1
                status = "ofullständig" + (" (oförändrad)" if r.status == "skipped" else "")
            lines.append(f"{name[:18]:<18} {step:<24} {status:<12} {r.seconds:>8.1f}  {shown}")
            if r.status == "failed" and r.message:
                lines.append(f"{'':<19}{r.message[:200]}")
        counts = {s: sum(r.status == s for r in self.results) for s in ("ok", "skipped", "failed")}
        lines.append(
            f"{len(self.results)} rapporter: {counts['ok']} gjorda, "
            f"{counts['skipped']} oförändrade, {counts['failed']} misslyckade; "
            f"{self.seconds:.1f} s"
        )
        if incomplete:
            lines.append(
                f"{incomplete} rapporter är ofullständiga (inte klara): uppgifter saknas "
                "(se index.html)."
            )
        if self.audit is not None:
            lines.extend(self.audit.lines())
        if self.stages:
            names = {
                "baseline": "baslinjer",
                "publication": "publicering",
                "reports": "rapporter",
                "index": "index",
                "audit": "granskning",
            }
            spent = ", ".join(f"{names.get(k, k)} {v:.1f}" for k, v in self.stages.items())
            lines.append(f"tid per etapp (s): {spent}")
        return "\n".join(lines)


def validate_jobs(
    municipalities: Sequence[str | int],
    steps: Sequence[int | str],
    output_dir: str | Path | None = None,
    **options,
) -> list[ReportJob]:
    """Every report of a run as a validated :class:`~vpanalysis.runner.ReportJob`, first.

    Done before any kernel starts. Raises :class:`~vpanalysis.geography.UnknownRegionError`
    (with the closest names) for an unknown municipality and
    :class:`~vpanalysis.errors.ReportError` for an unknown step or a step whose notebook
    is missing.
    """
    jobs = []
    for municipality in dict.fromkeys(municipalities):
        for step in dict.fromkeys(steps):
            jobs.append(make_job(step, municipality, output_dir, **options))
    missing = sorted({job.notebook.name for job in jobs if not job.notebook.exists()})
    if missing:
        raise ReportError(f"notebook missing: {', '.join(missing)}")
    return list({job.stem: job for job in jobs}.values())


def run_reports(
    municipalities: Sequence[str | int],
    steps: Sequence[int | str],
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
    """Render every step for every municipality, skipping what is up to date.

    ``options`` go to :func:`~vpanalysis.runner.make_job` (comparison, years, data_dir,
    disclosure_threshold). Nothing is started before every job has been validated.
    """
    from tqdm import tqdm

    start = time.perf_counter()
    if executor not in ("local", "dask"):
        raise ValueError(f"unknown executor {executor!r}: choose local or dask")
    if executor == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError as exc:
            raise ReportError(
                "--executor dask needs the package 'distributed' (pip install distributed)"
            ) from exc
    jobs = validate_jobs(municipalities, steps, output_dir, **options)
    if not jobs:
        return RunSummary([], 0.0, None)
    out = jobs[0].output_dir
    out.mkdir(parents=True, exist_ok=True)
    remove_stale_temporary_files(out)
    if executor == "local" and (force or not all(job.html_path.exists() for job in jobs)):
        kernels.prepare()  # the zygote imports while the shared stages run
    stages = _shared_stages(jobs)
    fingerprint = data_fingerprint(options.get("data_dir"))
    keys = {job: dependency_key(job, fingerprint) for job in jobs}
    results: list[ReportResult] = []
    todo = []
    for job in jobs:
        if not force and is_up_to_date(job, keys[job]):
            state = read_state(job)
            result = ReportResult(job, "skipped", 0.0, finished=state.get("finished", ""))
            if pdf and not job.pdf_path.exists():
                _print_pdf(result)
            results.append(result)
        else:
            todo.append(job)
    todo = longest_first(todo)

    tqdm.monitor_interval = 0  # no monitor thread: the local executor forks
    bar = tqdm(total=len(jobs), initial=len(results), unit="rapport", disable=not progress)

    def on_done(result: ReportResult) -> None:
        _save_state(result, keys[result.job])
        results.append(result)
        bar.set_postfix_str(f"{result.job.stem}: {result.status}", refresh=False)
        bar.update()

    previous = _handle_interrupts()
    t = time.perf_counter()
    try:
        if executor == "dask":
            _run_dask(todo, scheduler, timeout, pdf, on_done)
        else:
            _run_local(todo, max(1, workers or _cores()), timeout, pdf, on_done)
    finally:
        stages["reports"] = time.perf_counter() - t
        bar.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if executor == "local":  # every worker is gone: what they left half-written goes too
            remove_stale_temporary_files(out)
        this_run = {r.job.stem for r in results}
        earlier = _earlier_results(out, this_run, options)
        t = time.perf_counter()
        index = write_index(out, results + earlier)
        stages["index"] = time.perf_counter() - t
    # -- issue 9: the attacker's audit over everything in the output folder, after the run
    t = time.perf_counter()
    checked = audit.audit(out)
    stages["audit"] = time.perf_counter() - t
    return RunSummary(results, time.perf_counter() - start, index, checked, stages)


def _shared_stages(jobs: list[ReportJob]) -> dict[str, float]:
    """The stages before any notebook runs: the frozen baselines and the publication.

    Each is computed from the processed tables alone (neither reads the other), so where
    the kernels are forked (and this process has no other thread) the baselines are frozen
    in a forked child while this process builds the publication: on two cores the two take
    the time of the longer. Returns
    the seconds of each, from the start of both.
    """
    start = time.perf_counter()
    stages: dict[str, float] = {}
    needed = any(job.step in baseline.STEPS for job in jobs)
    child = None
    # fork only without other threads (a Dask client's, say): one could hold a lock
    alone = threading.active_count() == 1
    if needed and alone and kernels.kernel_mode() == kernels.FORK and _cores() > 1:
        context = mp.get_context("fork")
        receiver, sender = context.Pipe(duplex=False)
        child = context.Process(target=_freeze_in_child, args=(jobs, sender), daemon=True)
        child.start()
        sender.close()
    else:
        baseline.freeze_for(jobs)
        stages["baseline"] = time.perf_counter() - start
    try:
        publication.ensure_for(jobs)
        stages["publication"] = time.perf_counter() - start
    finally:
        if child is not None:
            try:
                problem = receiver.recv()
            except EOFError:
                problem = RuntimeError(f"freezing the baselines died ({child.exitcode})")
            child.join()
            receiver.close()
            stages = {"baseline": time.perf_counter() - start, **stages}
    if child is not None and problem is not None:
        raise problem
    return stages


def _freeze_in_child(jobs: list[ReportJob], conn) -> None:
    """Freeze the baselines (in a forked child); sends None, or the exception raised."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides about Ctrl-C
    try:
        baseline.freeze_for(jobs)
        problem = None
    except Exception as exc:
        problem = exc
    try:
        conn.send(problem)
    except Exception:  # not picklable: its text
        conn.send(RuntimeError(f"{type(problem).__name__}: {problem}"))
    conn.close()


def longest_first(jobs: list[ReportJob]) -> list[ReportJob]:
    """The jobs in the order that finishes a parallel run soonest: the slowest first.

    The estimate of a report's time is what the same step took in this output folder last
    time (its state file), else the number of charts its notebook draws (they take most of
    a report's time). Ties keep their order. The order changes no report.
    """
    if len(jobs) < 3:
        return list(jobs)
    recorded: dict[int, list[float]] = {}
    for job in jobs:
        seconds = read_state(job).get("seconds")
        if isinstance(seconds, int | float) and seconds > 0:
            recorded.setdefault(job.step, []).append(float(seconds))
    charts = {
        step: _charts(jobs[0].notebook.parent / catalogue.get(step).notebook_name)
        for step in {job.step for job in jobs}
    }

    def estimate(job: ReportJob) -> tuple[float, float]:
        times = recorded.get(job.step)
        return (sum(times) / len(times) if times else 0.0, charts[job.step])

    if recorded and len(recorded) < len(charts):  # partly recorded: charts alone compare all
        return sorted(jobs, key=lambda job: -charts[job.step])
    return sorted(jobs, key=lambda job: tuple(-x for x in estimate(job)))


def _charts(path: Path) -> int:
    """How many charts a notebook's code cells draw (``chart`` calls), 0 when unreadable."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0
    code = "".join(
        "".join(cell.get("source", ""))
        for cell in nb.get("cells", [])
        if cell.get("cell_type") == "code"
    )
    return code.count("chart(")


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _print_pdf(result: ReportResult) -> None:
    """PDF for a report that is up to date but has none yet (an earlier run without --pdf)."""

    try:
        html_to_pdf(result.path, result.job.pdf_path)
    except RuntimeError as exc:
        result.status, result.message = "failed", f"PDF: {exc}"


#: Set by Ctrl-C or SIGTERM during a run (:func:`_handle_interrupts`).
_INTERRUPTED = threading.Event()


def _on_interrupt(signum, frame):
    _INTERRUPTED.set()
    raise KeyboardInterrupt


def _check_interrupted() -> None:
    """Raise the interrupt again if it was swallowed where it was first raised.

    The parent forks a worker per report, and Python runs its at-fork hooks (logging's
    lock release, for one) at each fork: a signal that arrives while such a hook runs raises
    KeyboardInterrupt inside the hook, where it is printed and ignored, and the run would go
    on to the end. The flag set by the handler makes the run's loop stop all the same.
    """
    if _INTERRUPTED.is_set():
        raise KeyboardInterrupt


def _handle_interrupts() -> dict:
    """Let Ctrl-C and SIGTERM stop a run (kill workers, write the index), remembered as
    well as raised; returns the handlers to restore. Main thread only: elsewhere nothing."""
    _INTERRUPTED.clear()
    previous = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            previous[signum] = signal.signal(signum, _on_interrupt)
        except ValueError:  # not the main thread
            break
    return previous
