"""Benchmark: the protected publication of the example collaboration.

Run with ``.venv/bin/python benchmarks/bench_publication.py [--profile]`` after
``vpanalysis data build``. Collects the cells of :data:`vpanalysis.config.COLLABORATING`
from ``data/processed`` (every year), protects them jointly with
:func:`vpanalysis.publication.protect.withheld` and prints ``name: value`` lines: the time
of each stage (wall and CPU), the number of cells (shown and hidden), withheld cells
(shown ones, and all), relations, connected components (and those with a cell to
protect) and LPs solved. ``--profile`` adds the 25 most expensive calls (cProfile).
Target (issue 13): the build in 10 s or less on 2 cores.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import time

import numpy as np

from vpanalysis import data, disclosure
from vpanalysis.config import COLLABORATING, DISCLOSURE_THRESHOLD
from vpanalysis.publication import cells as cells_module
from vpanalysis.publication import protect


def _timed(label: str, func, *args):
    wall, cpu = time.perf_counter(), time.process_time()
    out = func(*args)
    print(f"{label}_s: {time.perf_counter() - wall:.2f}")
    print(f"{label}_cpu_s: {time.process_time() - cpu:.2f}")
    return out


def main(argv: list[str]) -> None:
    tables = data.Tables.load()
    members = tuple(COLLABORATING)
    found = _timed("collect", cells_module.collect, tables, members, members, None)
    frame = found.frame
    hidden = frame["hidden"].to_numpy(dtype=bool)
    raw = frame["raw"].to_numpy(dtype="float64")
    count, label = protect.components(found)
    targets = np.isnan(raw) | ((raw >= 1) & (raw < DISCLOSURE_THRESHOLD))
    print(f"cells: {len(frame)}")
    print(f"cells_shown: {int((~hidden).sum())}")
    print(f"relations: {len(found.relations)}")
    print(f"components: {count}")
    print(f"components_to_protect: {len(np.unique(label[targets]))}")
    print(f"largest_component: {int(np.bincount(label).max())}")
    print(f"targets: {int(targets.sum())}")
    profile = cProfile.Profile() if "--profile" in argv else None
    before = dict(disclosure._STATS)
    if profile is not None:
        profile.enable()
    out = _timed("protect", protect.withheld, found, DISCLOSURE_THRESHOLD)
    if profile is not None:
        profile.disable()
    print(f"lps: {disclosure._STATS['lps'] - before['lps']}")
    print(f"lps_small: {disclosure._STATS['small_lps'] - before['small_lps']}")
    print(f"withheld_shown: {int((out & ~hidden).sum())}")
    print(f"withheld_all: {int(out.sum())}")
    primary = (~hidden & targets).sum()
    print(f"withheld_secondary_shown: {int((out & ~hidden).sum() - primary)}")
    if profile is not None:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main(sys.argv[1:])
