"""Benchmark: the report runner against a naive papermill + nbconvert loop, and a national run.

Run with ``.venv/bin/python benchmarks/bench_reports.py [--municipalities N] [--workers W]
[--national N]``. Part one renders the same notebooks (every step notebook present) for
the same N municipalities of Gävleborg from the same built copy of the example data, in
the same run:

* naive: for each report, ``papermill`` (``python -m``) then ``nbconvert --to html
  --no-input`` (``python -m``), one after the other;
* runner: :func:`vpanalysis.batch.run_reports` with W workers (default: the cores),
  ``force=True`` into an empty folder, in the kernel mode of this machine
  (:func:`vpanalysis.kernels.kernel_mode`; ``VPANALYSIS_KERNEL_MODE`` overrides). Its
  wall time includes starting the zygote.

Bytecode first: every installed module is compiled before anything is timed
(``bytecode_s``). uv installs no bytecode and ``PYTHONDONTWRITEBYTECODE`` keeps processes
from writing it, so without this each of the naive loop's processes would compile what it
imports again (about twice its time) and the speedup would be flattered.

The one-time stages that come before any notebook (frozen baselines, the protected
publication) are done once before both timings and reported apart (``shared_stages_s``):
the naive loop's first notebook would otherwise pay for them and the runner not.

Part two (``--national N``, default 5; 0 skips it) generates synthetic national-size
public data (BRÅ, SCB and Kolada for all 290 municipalities, ``benchmarks/national_data.py``),
builds it, renders every step for N municipalities outside the example files (one per
county, chosen with a fixed seed) with a zygote of its own, and extrapolates the time of
``vpanalysis reports --all`` (290 municipalities) on this machine. ``--national-only``
runs part two alone.

Prints ``name: value`` lines: wall time, notebooks per minute, seconds per notebook and
peak memory (resident set of the whole process tree, sampled) for each; where a worker's
time goes per notebook inside the runner (``profile_*``: kernel start and stop, which
include papermill's own reading and parameterising of the notebook before the kernel is
asked for, 0.01-0.05 s, and its bookkeeping after the last cell; imports,
measured by running each notebook's import statements alone in a kernel of the same kind;
the rest of the import cells, i.e. set-up and loading the data; computation; plotting;
conversion to HTML; other: between cells and writing), and in the naive loop (papermill
command, nbconvert command); the load average before and after; and ``speedup:
<naive/runner>`` last. Never fails on a slow machine: it only reports.
"""

from __future__ import annotations

import argparse
import ast
import compileall
import contextlib
import os
import random
import shutil
import site
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import yaml

from vpanalysis import baseline, geography, kernels, publication
from vpanalysis.batch import run_reports, validate_jobs
from vpanalysis.catalogue import BY_ID as STEPS
from vpanalysis.config import COLLABORATING, DEFAULT_YEARS, get_paths

sys.path.insert(0, str(Path(__file__).resolve().parent))
import national_data  # noqa: E402

ALL_MUNICIPALITIES = 290


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


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min; {os.cpu_count()} cores)"


def compile_bytecode() -> tuple[float, bool]:
    """Compile every installed module and the package (seconds, whether all compiled)."""
    start = time.perf_counter()
    folders = [*site.getsitepackages(), str(Path(__file__).resolve().parents[1] / "vpanalysis")]
    ok = all(compileall.compile_dir(f, quiet=2, workers=0) for f in folders if Path(f).is_dir())
    return time.perf_counter() - start, ok


def build_data(folder: Path, national: bool = False) -> Path:
    from vpanalysis.pipeline import build

    data = folder / "data"
    shutil.copytree(get_paths().raw, data / "raw")
    if national:
        national_data.replace_public_sources(data / "raw")
    build(data_dir=data)
    return data


def shared_stages(codes, steps, data: Path, out: Path) -> float:
    """The one-time stages before any notebook (frozen baselines, the publication); seconds.

    Done before both timings, so that neither the naive loop's first notebook nor the
    runner pays for them: the comparison is of rendering the notebooks.
    """
    start = time.perf_counter()
    jobs = validate_jobs(codes, steps, out, data_dir=str(data))
    baseline.freeze_for(jobs)
    publication.ensure_for(jobs)
    return time.perf_counter() - start


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
                    sys.executable,
                    "-m",
                    "papermill",
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
                # this interpreter's own commands: a venv's scripts may name another Python
                [sys.executable, "-m", "nbconvert", "--to", "html", "--no-input", str(executed)],
                check=True,
                capture_output=True,
            )
            spent["nbconvert"] += time.perf_counter() - t
    return spent


def notebook(step: int) -> Path:
    return get_paths().notebooks / STEPS[step].notebook_name


def import_statements(path: Path) -> str:
    """Every ``import`` and ``from ... import`` statement of a notebook, one a line."""
    nb = nbformat.read(path, as_version=4)
    lines = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:  # IPython syntax: no imports counted from that cell
            continue
        for node in tree.body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                lines.append(ast.unparse(node))
    return "\n".join(dict.fromkeys(lines))


def import_seconds(steps, tmp: Path) -> float:
    """Mean seconds a notebook's import statements take alone, in a kernel of the runner's kind."""
    import papermill as pm

    spent = []
    for step in steps:
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(import_statements(notebook(step)))]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
        path = tmp / f"imports_{step}.ipynb"
        nbformat.write(nb, path)
        done = pm.execute_notebook(
            str(path),
            None,
            kernel_name="python3",
            progress_bar=False,
            request_save_on_cell_execute=False,
            kernel_manager_class=kernels.manager_class(),
            shutdown_kernel="immediate",
        )
        spent.append(float(done.cells[0].metadata.papermill.duration or 0.0))
        kernels.cleanup()
    return sum(spent) / max(1, len(spent))


def mean(results, part: str) -> float:
    return sum(r.timings.get(part, 0.0) for r in results) / max(1, len(results))


def print_profile(results, imports: float, prefix: str = "profile") -> None:
    """Where a worker's time goes per notebook (seconds), from the runner's timings."""
    start, stop = mean(results, "kernel_start"), mean(results, "kernel_stop")
    cells = {k: mean(results, k) for k in ("imports", "computation", "plotting")}
    convert = mean(results, "convert")
    worker = sum(r.seconds for r in results) / max(1, len(results))
    other = worker - start - stop - sum(cells.values()) - convert
    print(f"{prefix}_kernel_start_s_per_notebook: {start:.3f}")
    print(f"{prefix}_kernel_stop_s_per_notebook: {stop:.3f}")
    print(f"{prefix}_imports_s_per_notebook: {imports:.3f}")
    print(f"{prefix}_kernel_start_stop_imports_s_per_notebook: {start + stop + imports:.3f}")
    print(f"{prefix}_setup_and_data_s_per_notebook: {max(0.0, cells['imports'] - imports):.3f}")
    print(f"{prefix}_computation_s_per_notebook: {cells['computation']:.3f}")
    print(f"{prefix}_plotting_s_per_notebook: {cells['plotting']:.3f}")
    print(f"{prefix}_convert_s_per_notebook: {convert:.3f}")
    print(f"{prefix}_other_s_per_notebook: {other:.3f}")
    print(f"{prefix}_worker_s_per_notebook: {worker:.3f}")


def national_sample(raw: Path, n: int) -> list[str]:
    """``n`` municipalities outside the example files, one per county, with a fixed seed."""
    example = set(geography.municipalities_in("21"))
    by_county: dict[str, list[str]] = {}
    for code, (_name, county) in sorted(national_data.municipalities(raw).items()):
        if code not in example:
            by_county.setdefault(county, []).append(code)
    rng = random.Random("bench-reports-national")
    counties = sorted(by_county)
    rng.shuffle(counties)
    chosen = []
    while len(chosen) < n and any(by_county.values()):
        for county in counties:
            if by_county[county] and len(chosen) < n:
                chosen.append(by_county[county].pop(rng.randrange(len(by_county[county]))))
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--municipalities", type=int, default=2, help="how many (default 2)")
    parser.add_argument("--workers", type=int, default=None, help="runner workers (default cores)")
    parser.add_argument(
        "--national", type=int, default=5, help="municipalities of the national run (0: none)"
    )
    parser.add_argument(
        "--national-only",
        action="store_true",
        help="only the national run (no naive loop, no example-data run, no speedup)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="a built copy of the example data to use (its publication, if stored, too)",
    )
    args = parser.parse_args()

    codes = geography.municipalities_in("21")[: args.municipalities]
    steps = [s for s in STEPS if notebook(s).exists()]
    n = len(codes) * len(steps)
    workers = args.workers or len(os.sched_getaffinity(0))
    print(f"load_before: {load()}")
    print(f"kernel_mode: {kernels.kernel_mode()}")
    print(f"municipalities: {','.join(codes)}")
    print(f"steps: {','.join(map(str, steps))}")
    print(f"notebooks: {n}")
    print(f"workers: {workers}")
    seconds, compiled = compile_bytecode()
    print(f"bytecode_s (every installed module compiled, untimed): {seconds:.1f}")
    if not compiled:
        print("bytecode_incomplete: some modules did not compile; the timings may be flattered")

    if args.national_only:
        with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
            tmp = Path(tmp)
            national(args.national or 5, steps, workers, tmp, import_seconds(steps, tmp))
        print(f"load_after: {load()}")
        return

    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        tmp = Path(tmp)
        data = args.data_dir.resolve() if args.data_dir else build_data(tmp)
        stages = shared_stages(codes, steps, data, tmp / "runner")
        print(f"shared_stages_s (baselines, publication; before both, untimed): {stages:.1f}")

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
        print(f"load_after_naive: {load()}")

        kernels.stop_zygote()  # the runner's time includes starting its zygote
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
        zygote = kernels.zygote(start=False)
        print(f"runner_wall_s: {runner_wall:.1f}")
        print(f"runner_notebooks_per_min: {n / runner_wall * 60:.2f}")
        print(f"runner_s_per_notebook: {runner_wall / n:.2f}")
        print(f"runner_peak_mem_mb: {memory.mb:.0f}")
        print(f"runner_failed: {len(summary.failed)}")
        if zygote is not None:
            print(f"runner_zygote_start_s: {zygote.info['startup_seconds']:.2f}")
        print(f"load_after_runner: {load()}")
        ok = [r for r in summary.results if r.status == "ok"]
        imports = import_seconds(steps, tmp)
        print_profile(ok, imports)

        if args.national:
            national(args.national, steps, workers, tmp, imports)
    print(f"load_after: {load()}")
    print(f"speedup: {naive_wall / runner_wall:.2f}")


def national(count: int, steps, workers: int, tmp: Path, imports: float) -> None:
    """Render a sample on national-size data and extrapolate ``reports --all``."""
    start = time.perf_counter()
    data = build_data(tmp / "national", national=True)
    print(f"national_build_s: {time.perf_counter() - start:.1f}")
    codes = national_sample(data / "raw", count)
    n = len(codes) * len(steps)
    stages = shared_stages(codes, steps, data, tmp / "national-reports")
    print(f"national_shared_stages_s: {stages:.1f}")
    print(f"national_municipalities: {','.join(codes)}")
    print(f"national_notebooks: {n}")
    kernels.stop_zygote()
    start = time.perf_counter()
    with PeakMemory() as memory:
        summary = run_reports(
            codes,
            steps,
            tmp / "national-reports",
            workers=workers,
            force=True,
            progress=False,
            data_dir=str(data),
        )
    wall = time.perf_counter() - start
    zygote = kernels.zygote(start=False)
    startup = zygote.info["startup_seconds"] if zygote is not None else 0.0
    print(f"national_wall_s: {wall:.1f}")
    print(f"national_s_per_notebook: {wall / n:.2f}")
    print(f"national_peak_mem_mb: {memory.mb:.0f}")
    print(f"national_failed: {len(summary.failed)}")
    for failure in summary.failed[:3]:
        print(f"national_failure: {failure.job.stem}: {failure.message[:200]}")
    ok = [r for r in summary.results if r.status == "ok"]
    print_profile(ok, imports, "national_profile")
    every = ALL_MUNICIPALITIES * len(steps)
    steady = max(0.0, wall - startup) / n
    estimate = stages + startup + steady * every
    print(f"national_all_notebooks: {every}")
    print(f"national_all_extrapolated_s: {estimate:.0f}")
    print(f"national_all_extrapolated_min: {estimate / 60:.1f}")
    print(f"load_after_national: {load()}")


if __name__ == "__main__":
    main()
