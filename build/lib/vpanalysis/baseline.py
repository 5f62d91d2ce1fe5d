"""The frozen baseline: a stage of a report run, before any notebook executes.

Step 5 follows a municipality's indicators up against its baseline: the step-2 values
(:func:`vpanalysis.steps.situation.baseline_table`) in the year its goals start from
(:func:`vpanalysis.steps.followup.baseline_year`; the latest data without goals). The
baseline is computed once, saved in ``data/baseline/<code>.parquet``
(:func:`vpanalysis.data.baseline_path`: user state beside ``raw/``, not build output)
and then stays as it was when newer data arrive, so the follow-up has a fixed starting
point. Delete the file to set a new baseline. The file holds the RAW values and the data
fingerprint they were made from, no threshold: whatever shows them protects them at its
own threshold (:func:`vpanalysis.data.protect_baseline`;
:attr:`vpanalysis.context.Context.baseline` is protected already).

``vpanalysis report`` and ``vpanalysis reports`` call :func:`freeze_for` before they start
the notebooks; the notebooks only read the frozen baseline
(:attr:`vpanalysis.context.Context.baseline`) and, where there is none (an analyst in
JupyterLab), show one computed now and say that it is not frozen::

    from vpanalysis import baseline
    baseline.freeze(["2161", "2183"], data_dir="data")
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from vpanalysis import data, geography, registers
from vpanalysis.atomic import atomic_write_with
from vpanalysis.config import DEFAULT_YEARS, get_paths
from vpanalysis.steps import followup, situation

#: The reports that show the baseline (step 2 shows it, step 5 follows up against it).
STEPS = (2, 5)
#: The columns a stored baseline has besides :data:`~vpanalysis.steps.situation.BASELINE_COLUMNS`.
STORED_COLUMNS = ["count", "denominator", "saved_on", "data_fingerprint"]


def save(table: pd.DataFrame, region: str, data_dir: data.DataDir = None) -> Path:
    """Write the baseline atomically (a reader never sees half a file); returns the path."""
    path = data.baseline_path(region, data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write_with(path, lambda tmp: table.to_parquet(tmp, index=False))


def raw_table(tables: data.Tables, region: str) -> pd.DataFrame:
    """The baseline of ``region`` from ``tables`` with RAW values (nothing suppressed:
    internal, like the raw data), with ``count`` (local counts of persons, the yes-count of
    a share) and ``denominator`` (pupils who answered) so that whatever shows it can
    protect it at its own threshold (:func:`vpanalysis.data.protect_baseline`)."""
    table = situation.baseline_table(tables, region, 1)
    count = pd.array([pd.NA] * len(table), dtype="Int64")
    denominator = pd.array([pd.NA] * len(table), dtype="Int64")
    is_count = (table["kind"] == "count").fillna(False).to_numpy(dtype=bool)
    count[is_count] = table.loc[is_count, "value"].round().astype("Int64").to_numpy()
    shares = (table["kind"] == "share").fillna(False).to_numpy(dtype=bool)
    if shares.any():
        p = situation.survey_prevalence(tables, region, 1)
        p = p[(p["grade"] == "Alla") & (p["sex"] == "T")].set_index("item")
        items = table.loc[shares, "measure"]
        count[shares] = p["count"].reindex(items).astype("Int64").to_numpy()
        denominator[shares] = p["denominator"].reindex(items).astype("Int64").to_numpy()
    return table.assign(count=count, denominator=denominator)


def fingerprint_of(manifest: dict | None) -> str:
    """The data fingerprint a baseline records: the build manifest's ``inputs_hash`` (the
    hash over every raw input, the building code and the version)."""
    return str((manifest or {}).get("inputs_hash") or "")


def ensure(
    tables: data.Tables,
    region: str,
    data_dir: data.DataDir = None,
    *,
    as_of: int | None = None,
    today: dt.date | None = None,
    fingerprint: str | None = None,
) -> pd.DataFrame:
    """The frozen baseline of ``region`` as stored: the saved one, or computed from
    ``tables`` up to ``as_of`` (:func:`raw_table`), saved and returned with ``saved_on``
    (the date it was made) and ``data_fingerprint`` (``fingerprint``, default: that of
    the manifest of ``data_dir``).

    The values are raw: show them only through :func:`vpanalysis.data.protect_baseline`
    (or the protected publication). No threshold is stored. Nothing is saved when there
    is nothing to follow up yet (an empty baseline), so data that arrive later still count.
    """
    saved = data.load_baseline(region, data_dir)
    if saved is not None:
        return saved
    table = raw_table(tables.up_to(as_of), region)
    if fingerprint is None:
        fingerprint = fingerprint_of(data.load_manifest(data_dir))
    table = table.assign(
        saved_on=(today or dt.date.today()).isoformat(), data_fingerprint=fingerprint
    )
    if not table.empty:
        save(table, region, data_dir)
    return table


def freeze(
    municipality_codes: Iterable[str],
    *,
    data_dir: data.DataDir = None,
    years: Sequence[int] = DEFAULT_YEARS,
) -> dict[str, pd.DataFrame]:
    """Freeze the baseline of every municipality in ``municipality_codes`` that has none.

    The data are those of a report run: the ``years`` ``[first, last]``; each
    municipality's baseline year comes from its goals. No threshold: the values are
    stored raw and protected where they are shown. Returns the baselines frozen now by
    municipality code (empty ones are not saved); those frozen before are left as they
    are (one of an earlier version in ``data/processed`` is moved into place first).
    """
    codes = [geography.municipality_code(c) for c in dict.fromkeys(municipality_codes)]
    for code in codes:
        data.migrate_baseline(code, data_dir)
    todo = [c for c in codes if not data.baseline_path(c, data_dir).exists()]
    if not todo:
        return {}
    tables = data.Tables.load(data_dir).within([years[0], years[-1]])
    goals = registers.load_registers(get_paths(data_dir).raw / "registers").goals
    fingerprint = fingerprint_of(data.load_manifest(data_dir))
    return {
        code: ensure(
            tables,
            code,
            data_dir,
            as_of=followup.baseline_year(goals, code),
            fingerprint=fingerprint,
        )
        for code in todo
    }


def freeze_for(jobs: Iterable) -> dict[str, pd.DataFrame]:
    """Freeze the baselines a run's reports need: those of the municipalities of the
    jobs (:class:`vpanalysis.runner.ReportJob`) for step 2 or 5, with the jobs' data
    folder and years (the threshold plays no part: the values are stored raw)."""
    groups: dict[tuple, list[str]] = {}
    for job in jobs:
        if job.step in STEPS:
            key = (job.data_dir, tuple(job.years))
            groups.setdefault(key, []).append(job.municipality_code)
    frozen = {}
    for (data_dir, years), codes in groups.items():
        frozen.update(freeze(codes, data_dir=data_dir, years=years))
    return frozen
