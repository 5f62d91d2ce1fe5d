"""The frozen baseline: a stage of a report run, before any notebook executes.

Step 5 follows a municipality's indicators up against its baseline: the step-2 values
(:func:`vpanalysis.steps.situation.baseline_table`) in the year its goals start from
(:func:`vpanalysis.steps.followup.baseline_year`; the latest data without goals). The
baseline is computed once, saved (:func:`vpanalysis.data.baseline_path`) and then stays as
it was when newer data arrive, so the follow-up has a fixed starting point. Delete the
file to set a new baseline.

``vpanalysis report`` and ``vpanalysis reports`` call :func:`freeze_for` before they start
the notebooks; the notebooks only read the frozen baseline
(:attr:`vpanalysis.context.Context.baseline`) and, where there is none (an analyst in
JupyterLab), show one computed now and say that it is not frozen::

    from vpanalysis import baseline
    baseline.freeze(["2161", "2183"], data_dir="data", threshold=5)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from vpanalysis import data, geography, registers
from vpanalysis.atomic import atomic_write_with
from vpanalysis.config import DEFAULT_YEARS, DISCLOSURE_THRESHOLD, get_paths
from vpanalysis.steps import followup, situation

#: The reports that show the baseline (step 2 shows it, step 5 follows up against it).
STEPS = (2, 5)


def save(table: pd.DataFrame, region: str, data_dir: data.DataDir = None) -> Path:
    """Write the baseline atomically (a reader never sees half a file); returns the path."""
    path = data.baseline_path(region, data_dir)
    return atomic_write_with(path, lambda tmp: table.to_parquet(tmp, index=False))


def ensure(
    tables: data.Tables,
    region: str,
    threshold: int,
    data_dir: data.DataDir = None,
    *,
    as_of: int | None = None,
    today: dt.date | None = None,
) -> pd.DataFrame:
    """The frozen baseline of ``region``: the saved one, or computed from ``tables`` up to
    ``as_of``, saved and returned (with ``saved_on``, the date it was made).

    Nothing is saved when there is nothing to follow up yet (an empty baseline), so data
    that arrive later still count.
    """
    saved = data.load_baseline(region, data_dir)
    if saved is not None:
        return saved
    table = situation.baseline_table(tables.up_to(as_of), region, threshold)
    table = table.assign(saved_on=(today or dt.date.today()).isoformat())
    if not table.empty:
        save(table, region, data_dir)
    return table


def freeze(
    municipality_codes: Iterable[str],
    *,
    data_dir: data.DataDir = None,
    threshold: int = DISCLOSURE_THRESHOLD,
    years: Sequence[int] = DEFAULT_YEARS,
) -> dict[str, pd.DataFrame]:
    """Freeze the baseline of every municipality in ``municipality_codes`` that has none.

    The data are those of a report run: the ``years`` ``[first, last]``, the disclosure
    ``threshold``; each municipality's baseline year comes from its goals. Returns the
    baselines frozen now by municipality code (empty ones are not saved); those frozen
    before are left as they are.
    """
    codes = [geography.municipality_code(c) for c in dict.fromkeys(municipality_codes)]
    todo = [c for c in codes if not data.baseline_path(c, data_dir).exists()]
    if not todo:
        return {}
    tables = data.Tables.load(data_dir).within([years[0], years[-1]])
    goals = registers.load_registers(get_paths(data_dir).raw / "registers").goals
    return {
        code: ensure(tables, code, threshold, data_dir, as_of=followup.baseline_year(goals, code))
        for code in todo
    }


def freeze_for(jobs: Iterable) -> dict[str, pd.DataFrame]:
    """Freeze the baselines a run's reports need: those of the municipalities of the
    jobs (:class:`vpanalysis.runner.ReportJob`) for step 2 or 5, with the jobs' data
    folder, years and threshold."""
    groups: dict[tuple, list[str]] = {}
    for job in jobs:
        if job.step in STEPS:
            key = (job.data_dir, tuple(job.years), int(job.disclosure_threshold))
            groups.setdefault(key, []).append(job.municipality_code)
    frozen = {}
    for (data_dir, years, threshold), codes in groups.items():
        frozen.update(freeze(codes, data_dir=data_dir, threshold=threshold, years=years))
    return frozen
