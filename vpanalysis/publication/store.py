"""Where the publication is kept: ``data/processed/publication.parquet`` and
``publication.json`` (threshold, fingerprint, protection version, municipalities,
comparison, build time).

The fingerprint covers the data *and* the code that protects them
(:func:`protection_version`): a stored set made by an earlier version of the cells, the
joint suppression or the disclosure rule is rebuilt, never reused."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from vpanalysis import disclosure
from vpanalysis.atomic import atomic_write_with, write_text
from vpanalysis.data import Tables
from vpanalysis.publication import cells, keys, model, protect
from vpanalysis.publication.model import COLUMNS, Publication

CELLS_FILE = "publication.parquet"
META_FILE = "publication.json"
#: Bumped when the cells or the protection change, so that stored sets are rebuilt.
VERSION = 2
#: The modules whose code decides what is withheld (:func:`protection_version`).
PROTECTION_MODULES = (disclosure, cells, protect, keys, model)
_protection: dict[str, str] = {}


def protection_version() -> str:
    """A hash of :data:`VERSION` and the source of :data:`PROTECTION_MODULES` (the cells and
    their relations, the joint suppression and its costs, the disclosure rule): it changes
    whenever the protection code does, so that a stored publication is rebuilt."""
    if not _protection:
        digest = hashlib.sha256(f"publication-v{VERSION}".encode())
        for module in PROTECTION_MODULES:
            digest.update(module.__name__.encode())
            digest.update(Path(module.__file__).read_bytes())
        _protection["version"] = digest.hexdigest()[:16]
    return _protection["version"]


def _hash_frame(digest, frame: pd.DataFrame | None) -> None:
    if frame is None:
        digest.update(b"none")
        return
    digest.update(",".join(map(str, frame.columns)).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())


def fingerprint(tables: Tables, municipalities: Sequence[str], comparison: Sequence[str]) -> str:
    """A hash of what the publication is made from: the local observations, the survey
    and its codebook (all years), the municipalities and the comparison codes, and
    the protection code (:func:`protection_version`). It does not depend on a run's
    ``years``."""
    digest = hashlib.sha256(f"publication-{protection_version()}".encode())
    obs = tables.observations
    if obs is not None and "local" in obs.columns:
        obs = obs[obs["local"].astype(bool)]
    _hash_frame(digest, None if obs is None else obs.reset_index(drop=True))
    survey = tables.survey
    _hash_frame(digest, None if survey is None else survey.reset_index(drop=True))
    _hash_frame(digest, None if tables.codebook is None else tables.codebook.astype(str))
    digest.update(json.dumps([list(municipalities), list(comparison)]).encode())
    return digest.hexdigest()[:20]


def paths(processed: str | Path) -> tuple[Path, Path]:
    """The cell file and the metadata file in the folder ``processed``."""
    folder = Path(processed)
    return folder / CELLS_FILE, folder / META_FILE


def read_meta(processed: str | Path) -> dict | None:
    """The stored metadata, ``None`` when there is none or it is unreadable."""
    _, meta = paths(processed)
    try:
        return json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def load(processed: str | Path) -> Publication | None:
    """The stored publication, ``None`` when there is none."""
    cells_path, _ = paths(processed)
    meta = read_meta(processed)
    if meta is None or not cells_path.exists():
        return None
    try:
        cells = pd.read_parquet(cells_path)
    except (OSError, ValueError):
        return None
    if list(cells.columns) != list(COLUMNS):
        return None
    return Publication(
        cells=cells,
        threshold=int(meta["threshold"]),
        fingerprint=str(meta["fingerprint"]),
        municipalities=tuple(meta.get("municipalities", ())),
        comparison=tuple(meta.get("comparison", ())),
        built_at=str(meta.get("built_at", "")),
    )


def save(pub: Publication, processed: str | Path) -> None:
    """Write the cells, then the metadata (each atomically): a reader that finds matching
    metadata finds the cells it describes."""
    cells_path, meta_path = paths(processed)
    cells_path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_with(cells_path, lambda tmp: pub.cells.to_parquet(tmp, index=False))
    meta = {
        "version": VERSION,
        "protection": protection_version(),
        "threshold": pub.threshold,
        "fingerprint": pub.fingerprint,
        "municipalities": list(pub.municipalities),
        "comparison": list(pub.comparison),
        "built_at": pub.built_at,
        "cells": int(len(pub.cells)),
        "withheld": int(pub.cells["withheld"].sum()),
    }
    write_text(meta_path, json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
