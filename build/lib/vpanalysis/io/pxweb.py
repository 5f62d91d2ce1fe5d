"""JSON-stat 2.0 datasets, as SCB's PxWebApi v2 returns them (``outputFormat=json-stat2``).

A dataset is ``{"version": "2.0", "class": "dataset", "id": [...], "size": [...],
"dimension": {...}, "value": [...]}``. ``value`` is row-major over ``id``: the last
dimension varies fastest. It may also be a sparse object ``{"index": value}``; ``status``
(a list, an object or one string) marks values, e.g. ``".."``.

:func:`read_jsonstat2` is generic over the dimensions; for SCB's population table
TAB638 the ids are e.g. ``Region`` (``"2161"``, ``"21"`` county, ``"00"`` Riket),
``Alder`` (``"0"`` ... ``"100+"``), ``Kon`` (``"1"`` men, ``"2"`` women),
``ContentsCode`` (``"BE0101N1"``) and ``Tid`` (``"2024"``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from vpanalysis.errors import DataError
from vpanalysis.io.conventions import decode, display_path


def load_json(path: str | os.PathLike) -> object:
    """A JSON file (UTF-8, BOM allowed) with a DataError naming line and column on bad JSON."""
    path = Path(path)
    shown = display_path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read the file: {exc.strerror}", file=shown) from None
    text, _ = decode(data, path)
    try:
        return json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        raise DataError(
            f"not valid JSON: {exc.msg} (character {exc.colno})", file=shown, row=exc.lineno
        ) from None


def _categories(dimension: Mapping, name: str, shown: str) -> tuple[list[str], dict[str, str]]:
    try:
        category = dimension[name]["category"]
    except (KeyError, TypeError):
        raise DataError(f"dimension {name!r} has no category", file=shown) from None
    index = category.get("index")
    labels = category.get("label", {}) or {}
    if index is None:  # a single category may omit the index
        codes = list(labels)
    elif isinstance(index, list):
        codes = [str(c) for c in index]
    else:
        codes = [c for c, _ in sorted(index.items(), key=lambda kv: kv[1])]
    return codes, {str(k): str(v) for k, v in labels.items()}


def read_jsonstat2(
    source: str | os.PathLike | Mapping, *, labels: bool = False, file: str | None = None
) -> pd.DataFrame:
    """A json-stat2 dataset as a long table.

    One column per dimension (category codes, or labels with ``labels=True``), then
    ``value`` (Float64, ``<NA>`` for ``null``) and ``status`` (``""`` when none).
    """
    if isinstance(source, Mapping):
        body = source
        shown = file or "<json-stat2>"
    else:
        body = load_json(source)
        shown = file or display_path(source)
    if not isinstance(body, Mapping):
        raise DataError("not a json-stat2 dataset (the top level is not an object)", file=shown)
    if body.get("class", "dataset") != "dataset" or "id" not in body or "dimension" not in body:
        raise DataError(
            'not a json-stat2 dataset (needs "class": "dataset", "id", "size", "dimension" and '
            '"value"; request outputFormat=json-stat2)',
            file=shown,
        )
    ids = [str(i) for i in body["id"]]
    sizes = [int(s) for s in body.get("size", [])]
    if len(sizes) != len(ids):
        raise DataError('"size" and "id" have different lengths', file=shown)
    columns: dict[str, np.ndarray] = {}
    n = int(np.prod(sizes)) if sizes else 0
    for axis, name in enumerate(ids):
        codes, names = _categories(body["dimension"], name, shown)
        if len(codes) != sizes[axis]:
            raise DataError(
                f"dimension {name!r} has {len(codes)} categories but size says {sizes[axis]}",
                file=shown,
            )
        shown_values = [names.get(c, c) for c in codes] if labels else codes
        repeat = int(np.prod(sizes[axis + 1 :])) if axis + 1 < len(sizes) else 1
        tile = int(np.prod(sizes[:axis])) if axis else 1
        columns[name] = np.tile(np.repeat(np.array(shown_values, dtype=object), repeat), tile)
    values = _dense(body.get("value"), n, "value", shown)
    status = _dense(body.get("status"), n, "status", shown)
    frame = pd.DataFrame({k: pd.array(v, dtype="string") for k, v in columns.items()})
    numbers = []
    for i, v in enumerate(values):
        if v is None or isinstance(v, int | float) and not isinstance(v, bool):
            numbers.append(v)
        else:
            raise DataError(f"value number {i} is not a number", file=shown, value=v)
    frame["value"] = pd.array(numbers, dtype="Float64")
    frame["status"] = pd.array(["" if s is None else str(s) for s in status], dtype="string")
    return frame


def _dense(raw, n: int, name: str, shown: str) -> list:
    if raw is None:
        return [None] * n
    if isinstance(raw, str):  # one status for every value
        return [raw] * n
    if isinstance(raw, list):
        if len(raw) != n:
            raise DataError(
                f'"{name}" has {len(raw)} entries but the dimensions give {n}', file=shown
            )
        return raw
    if isinstance(raw, Mapping):
        dense: list = [None] * n
        for key, v in raw.items():
            index = int(key)
            if not 0 <= index < n:
                raise DataError(f'"{name}" index {key} is outside the dataset', file=shown)
            dense[index] = v
        return dense
    raise DataError(f'"{name}" is neither a list nor an object', file=shown)
