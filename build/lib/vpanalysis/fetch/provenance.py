"""Where fetched files go, their provenance record, and the atomic swap into place.

A fetch writes into ``data/raw/<source>/hamtat/`` ("fetched"):

* the data files exactly as the source delivered them (Kolada pages, SCB json-stat2) or,
  for BRÅ, the file with codes added (the original bytes are kept in ``original/``);
* ``provenance.json``: ``{"source", "records": [...]}``, one record per fetch with
  ``files`` (name, sha256, bytes), ``urls`` (every request), ``query``, ``retrieved_at``
  (UTC), ``publisher``, ``licence``, ``licence_url``, ``attribution`` (e.g. "Källa:
  Kolada") and the vpanalysis version.

The folder is built next to its target and swapped in with two renames
(:func:`vpanalysis.atomic.swap_directory`): a reader sees the old set or the new set,
never a mix, and a failed fetch changes nothing. The build
(:mod:`vpanalysis.pipeline`) reads the data files of ``hamtat/`` as real data.

This module is light (no HTTP, no pandas) so that the build can import it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

from vpanalysis import __version__
from vpanalysis.atomic import swap_directory, temporary_sibling_dir

FETCHED_DIR = "hamtat"
PROVENANCE_FILE = "provenance.json"
ORIGINAL_DIR = "original"

#: Publisher, licence and the attribution a report must show, per public source.
#: Checked against the sources' terms of use (2025); check again before publishing.
SOURCES: dict[str, dict[str, str]] = {
    "kolada": {
        "publisher": "RKA – Rådet för främjande av kommunala analyser (Kolada)",
        "licence": "CC BY 4.0",
        "licence_url": "https://creativecommons.org/licenses/by/4.0/",
        "attribution": "Källa: Kolada",
    },
    "scb": {
        "publisher": "Statistiska centralbyrån (SCB), Statistikdatabasen",
        "licence": "CC0 1.0 (SCB ber att källan anges: ”Källa: SCB”)",
        "licence_url": "https://www.scb.se/vara-tjanster/oppna-data/",
        "attribution": "Källa: SCB",
    },
    "bra": {
        "publisher": "Brottsförebyggande rådet (BRÅ), kriminalstatistiken",
        "licence": "Officiell statistik, fri att använda med källangivelse",
        "licence_url": "https://bra.se/statistik",
        "attribution": "Källa: BRÅ",
    },
}


def now_utc() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def fetched_dir(raw: Path, source: str) -> Path:
    return Path(raw) / source / FETCHED_DIR


def is_data_file(path: Path) -> bool:
    """A data file of a ``hamtat/`` folder (not the provenance record, not a leftover)."""
    return (
        path.is_file()
        and path.name != PROVENANCE_FILE
        and not path.name.startswith((".", "~$"))
        and ".tmp-" not in path.name
    )


def read_records(raw: Path, source: str) -> list[dict]:
    """The provenance records of a source's fetched files (``[]`` when none or unreadable)."""
    path = fetched_dir(raw, source) / PROVENANCE_FILE
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    records = body.get("records", []) if isinstance(body, Mapping) else []
    return [r for r in records if isinstance(r, Mapping)]


def make_record(
    source: str,
    files: Mapping[str, bytes],
    *,
    urls: list[str],
    query: Mapping,
    retrieved_at: str | None = None,
    note: str = "",
) -> dict:
    """A provenance record for files about to be written (see module docstring)."""
    meta = SOURCES[source]
    record = {
        "source": source,
        "files": [
            {"name": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
            for name, data in files.items()
        ],
        "urls": list(urls),
        "query": dict(query),
        "retrieved_at": retrieved_at or now_utc(),
        **meta,
        "tool": f"vpanalysis {__version__}",
    }
    if note:
        record["note"] = note
    return record


def write_fetched(
    raw: Path,
    source: str,
    files: Mapping[str, bytes],
    record: dict,
    *,
    keep_existing: bool = False,
    originals: Mapping[str, bytes] | None = None,
) -> Path:
    """Replace ``data/raw/<source>/hamtat/`` atomically by ``files`` + ``provenance.json``.

    With ``keep_existing`` the files of earlier fetches stay (a file of the same name is
    replaced, and so is its record); otherwise the folder holds this fetch only.
    ``originals`` are written to ``hamtat/original/`` (kept, never read by the build).
    """
    target = fetched_dir(raw, source)
    records = []
    with temporary_sibling_dir(target, prefix=".fetch-") as tmp:
        if keep_existing and target.is_dir():
            for path in target.iterdir():
                if path.name == PROVENANCE_FILE or path.name.startswith("."):
                    continue
                if path.is_dir():
                    shutil.copytree(path, tmp / path.name)
                elif path.name not in files:
                    shutil.copy2(path, tmp / path.name)
            new_names = set(files)
            for old in read_records(raw, source):
                names = {f.get("name") for f in old.get("files", [])}
                if not names & new_names:
                    records.append(old)
        for name, data in files.items():
            (tmp / name).write_bytes(data)
        if originals:
            (tmp / ORIGINAL_DIR).mkdir(exist_ok=True)
            for name, data in originals.items():
                (tmp / ORIGINAL_DIR / name).write_bytes(data)
        records.append(record)
        body = {"source": source, "records": records}
        (tmp / PROVENANCE_FILE).write_text(
            json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        for path in tmp.rglob("*"):
            if path.is_file():
                _fsync(path)
        swap_directory(tmp, target)
    return target


def _fsync(path: Path) -> None:
    try:
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())
    except OSError:  # pragma: no cover - best effort
        pass


def summary(raw: Path, source: str) -> dict | None:
    """What the build stores in the manifest about a source's fetched files, or None."""
    records = read_records(raw, source)
    if not records:
        return None
    meta = SOURCES.get(source, {})
    return {
        "attribution": records[-1].get("attribution") or meta.get("attribution", ""),
        "licence": records[-1].get("licence") or meta.get("licence", ""),
        "retrieved_at": max(str(r.get("retrieved_at", "")) for r in records),
        "urls": [u for r in records for u in r.get("urls", [])][:20],
    }
