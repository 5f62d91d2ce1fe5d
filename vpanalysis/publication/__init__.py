"""The protected publication: every local-source number a collaboration's reports may show,
computed once and protected together (see :mod:`vpanalysis.publication.keys`).

An attacker combines everything the collaborating municipalities publish, over all years
and every run, so the local-source numbers are protected as one set per collaboration
(:data:`vpanalysis.config.COLLABORATING` and the comparison codes), over all years of the
data, at one threshold: :func:`build` makes it (:mod:`.cells`: the cells and their
relations; :mod:`.protect`: joint secondary suppression), :func:`ensure` loads it from
``data/processed`` or builds and stores it (:mod:`.store`). Reports only select from it::

    from vpanalysis import publication
    pub = publication.ensure(ctx)
    pub.value(source="socialtjanst", measure="Ekonomiskt våld", region="2161", year=2023,
              sex="T", age="18+", grade="alla", answer="")
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from vpanalysis import data
from vpanalysis.config import COLLABORATING, DISCLOSURE_THRESHOLD, get_paths
from vpanalysis.context import Context
from vpanalysis.publication import cells as cells_module
from vpanalysis.publication import keys, protect, store
from vpanalysis.publication.model import COLUMNS, Publication, empty_cells

__all__ = ["Publication", "build", "ensure", "ensure_at", "ensure_for", "keys", "load_tables"]

#: Joint secondary suppression (False: primary suppression only, the skeleton).
JOINT = True


def build(
    tables: data.Tables,
    mapping: pd.DataFrame | None = None,
    municipalities: Sequence[str] = COLLABORATING,
    comparison: Sequence[str] | None = None,
    threshold: int = DISCLOSURE_THRESHOLD,
) -> Publication:
    """The protected publication of ``municipalities`` (and ``comparison``, default the
    same) from ``tables`` (every year in them); no file is read or written."""
    municipalities = tuple(dict.fromkeys(map(str, municipalities)))
    comparison = (
        municipalities if comparison is None else tuple(dict.fromkeys(map(str, comparison)))
    )
    found = cells_module.collect(tables, municipalities, comparison, mapping)
    withheld = protect.withheld(found, int(threshold), joint=JOINT)
    frame = found.frame
    shown = ~frame["hidden"].to_numpy(dtype=bool)
    out = frame.loc[shown, list(keys.KEY_FIELDS)].reset_index(drop=True)
    raw = frame["raw"].to_numpy(dtype="float64")[shown]
    gone = withheld[shown]
    out["value"] = pd.array(np.where(gone, np.nan, raw), dtype="Float64")
    out["withheld"] = gone
    out = out if len(out) else empty_cells()
    return Publication(
        cells=out[list(COLUMNS)],
        threshold=int(threshold),
        fingerprint=store.fingerprint(tables, municipalities, comparison),
        municipalities=municipalities,
        comparison=comparison,
        built_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )


def load_tables(data_dir: data.DataDir = None) -> data.Tables:
    """The tables a publication is made from: every year of ``data/processed``."""
    return data.Tables.load(data_dir)


def ensure(
    ctx: Context,
    *,
    municipalities: Sequence[str] = COLLABORATING,
    threshold: int | None = None,
) -> Publication:
    """The publication of the context's collaboration (:data:`COLLABORATING` and the
    context's comparison codes): loaded from ``data/processed`` when its threshold and
    fingerprint match, else built from all years of the data and stored."""
    threshold = int(ctx.disclosure_threshold if threshold is None else threshold)
    return ensure_at(
        ctx.data_dir, threshold, municipalities, ctx.comparison_codes, tables=ctx.all_tables
    )


def ensure_for(jobs: Iterable) -> list[Publication]:
    """Build (or check) the publications a run's reports need, before any notebook runs:
    one per data folder, threshold and comparison set of the jobs
    (:class:`vpanalysis.runner.ReportJob`)."""
    groups = {
        (job.data_dir, int(job.disclosure_threshold), tuple(job.comparison_codes)) for job in jobs
    }
    return [
        ensure_at(data_dir, threshold, COLLABORATING, comparison)
        for data_dir, threshold, comparison in sorted(groups, key=str)
    ]


def ensure_at(
    data_dir: data.DataDir,
    threshold: int = DISCLOSURE_THRESHOLD,
    municipalities: Sequence[str] = COLLABORATING,
    comparison: Sequence[str] = (),
    *,
    tables: data.Tables | None = None,
) -> Publication:
    """:func:`ensure` for a data folder: the stored publication when its threshold and
    fingerprint match, else built from every year of the data and stored atomically.
    ``tables``: that folder's tables with every year, when already loaded."""
    threshold = int(threshold)
    municipalities = tuple(dict.fromkeys(map(str, municipalities)))
    comparison = tuple(dict.fromkeys([*municipalities, *map(str, comparison)]))
    tables = load_tables(data_dir) if tables is None else tables
    wanted = store.fingerprint(tables, municipalities, comparison)
    processed = get_paths(data_dir).processed
    meta = store.read_meta(processed)
    if (
        meta
        and meta.get("fingerprint") == wanted
        and meta.get("protection") == store.protection_version()
        and int(meta.get("threshold", -1)) == threshold
    ):
        saved = store.load(processed)
        if saved is not None:
            return saved
    pub = build(tables, None, municipalities, comparison, threshold)
    store.save(pub, processed)
    return pub
