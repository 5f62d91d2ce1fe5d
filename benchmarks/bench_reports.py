"""Benchmark: the report runner against a naive loop of papermill + nbconvert commands.

Run with ``.venv/bin/python benchmarks/bench_reports.py [--municipalities N] [--workers W]``.
Both render the same notebooks (every step notebook present) for the same N municipalities
of Gävleborg from the same built copy of the example data, in the same run:

* naive: for each report, ``papermill`` (the command) then ``jupyter nbconvert --to html
  --no-input`` (the command), one after the other;
* runner: :func:`vpanalysis.batch.run_reports` with W workers (default: the cores),
  ``force=True`` into an empty folder.

Prints ``name: value`` lines: wall time, notebooks per minute, seconds per notebook and
peak memory (resident set of the whole process tree, sampled) for each, then where the
time goes per notebook inside the runner (kernel start and stop, imports, computation,
plotting, conversion to HTML; from papermill's cell timings) and in the naive loop
(papermill command, nbconvert command), and last ``speedup: <naive/runner>``.
Never fails on a slow machine: it only reports.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

from vpanalysis import geography
from vpanalysis.batch import run_reports
from vpanalysis.catalogue import BY_ID as STEPS
from vpanalysis.config import COLLABORATING, DEFAULT_YEARS, get_paths

BIN = Path(sys.executable).parent


class PeakMemory:
    """Peak resident memory of this process and all its descendants, sampled every 0.1 s."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        try:
            import psutil
        except ImportError:  # no sampling: report the largest child instead
            return
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                    total += proc.memory_info().rss
            self.peak = max(self.peak, total)
            self._stop.wait(0.1)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        if not self.peak:
            import resource

            self.peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024

    @property
    def mb(self) -> float:
        return self.peak / 2**20


def build_data(folder: Path) -> Path:
    from vpanalysis.pipeline import build

    data = folder / "data"
    shutil.copytree(get_paths().raw, data / "raw")
    build(data_dir=data)
    return data


def naive(codes, steps, data: Path, out: Path) -> dict[str, float]:
    """One report after another with the command-line tools."""
    out.mkdir(parents=True, exist_ok=True)
    spent = {"papermill": 0.0, "nbconvert": 0.0}
    for code in codes:
        for step in steps:
            stem = STEPS[step].slug
            executed = out / f"{code}_{stem}.ipynb"
            parameters = {
                "municipality_code": code,
                "comparison_codes": list(COLLABORATING),
                "years": list(DEFAULT_YEARS),
                "data_dir": str(data),
                "disclosure_threshold": 5,
            }
            t = time.perf_counter()
            subprocess.run(
                [
                    str(BIN / "papermill"),
                    str(get_paths().notebooks / f"{stem}.ipynb"),
                    str(executed),
                    "-k",
                    "python3",
                    "-y",
                    yaml.safe_dump(parameters),
                    "--no-progress-bar",
                ],
                check=True,
                capture_output=True,
            )
            spent["papermill"] += time.perf_counter() - t
            t = time.perf_counter()
            subprocess.run(
                [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)],
                check=True,
                capture_output=True,
            )
            spent["nbconvert"] += time.perf_counter() - t
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--municipalities", type=int, default=2, help="how many (default 2)")
    parser.add_argument("--workers", type=int, default=None, help="runner workers (default cores)")
    args = parser.parse_args()

    codes = geography.municipalities_in("21")[: args.municipalities]
    steps = [
        s for s, spec in STEPS.items() if (get_paths().notebooks / spec.notebook_name).exists()
    ]
    n = len(codes) * len(steps)
    workers = args.workers or len(os.sched_getaffinity(0))
    print(f"municipalities: {','.join(codes)}")
    print(f"steps: {','.join(map(str, steps))}")
    print(f"notebooks: {n}")
    print(f"workers: {workers}")

    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        tmp = Path(tmp)
        data = build_data(tmp)

        start = time.perf_counter()
        with PeakMemory() as memory:
            spent = naive(codes, steps, data, tmp / "naive")
        naive_wall = time.perf_counter() - start
        print(f"naive_wall_s: {naive_wall:.1f}")
        print(f"naive_notebooks_per_min: {n / naive_wall * 60:.2f}")
        print(f"naive_s_per_notebook: {naive_wall / n:.2f}")
        print(f"naive_peak_mem_mb: {memory.mb:.0f}")
        print(f"naive_papermill_command_s_per_notebook: {spent['papermill'] / n:.2f}")
        print(f"naive_nbconvert_command_s_per_notebook: {spent['nbconvert'] / n:.2f}")

        start = time.perf_counter()
        with PeakMemory() as memory:
            summary = run_reports(
                codes,
                steps,
                tmp / "runner",
                workers=workers,
                force=True,
                progress=False,
                data_dir=str(data),
            )
        runner_wall = time.perf_counter() - start
        print(f"runner_wall_s: {runner_wall:.1f}")
        print(f"runner_notebooks_per_min: {n / runner_wall * 60:.2f}")
        print(f"runner_s_per_notebook: {runner_wall / n:.2f}")
        print(f"runner_peak_mem_mb: {memory.mb:.0f}")
        print(f"runner_failed: {len(summary.failed)}")
        ok = [r for r in summary.results if r.status == "ok"]
        for part in ("kernel", "imports", "computation", "plotting", "convert"):
            mean = sum(r.timings.get(part, 0.0) for r in ok) / max(1, len(ok))
            print(f"profile_{part}_s_per_notebook: {mean:.2f}")
        busy = sum(r.seconds for r in ok) / max(1, len(ok))
        print(f"profile_worker_s_per_notebook: {busy:.2f}")
    print(f"speedup: {naive_wall / runner_wall:.2f}")


if __name__ == "__main__":
    main()
