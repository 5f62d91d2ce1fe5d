"""The protected publication: its cells and how reports look them up."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from vpanalysis.publication import keys

#: The key fields without ``parent`` (a cell is found without naming its parent).
LOOKUP_FIELDS: tuple[str, ...] = tuple(f for f in keys.KEY_FIELDS if f != "parent")
#: The columns of :attr:`Publication.cells`.
COLUMNS: tuple[str, ...] = (*keys.KEY_FIELDS, "value", "withheld")


def _norm(field_name: str, value: object) -> object:
    return int(value) if field_name == "year" else str(value)


def empty_cells() -> pd.DataFrame:
    """A cell frame with no rows and the columns and types of :attr:`Publication.cells`."""
    frame = pd.DataFrame({f: pd.Series(dtype="string") for f in keys.KEY_FIELDS})
    frame["year"] = frame["year"].astype("int64")
    frame["value"] = pd.Series(dtype="Float64")
    frame["withheld"] = pd.Series(dtype=bool)
    return frame


@dataclass
class Publication:
    """Every local-source cell a collaboration's reports may show, protected together.

    ``cells`` has one row per cell: the key fields of :mod:`vpanalysis.publication.keys`
    (strings; ``year`` int64), ``value`` (Float64, ``<NA>`` where withheld) and
    ``withheld``. Reports show a local number only through :meth:`value`/:meth:`mark`.
    """

    cells: pd.DataFrame
    threshold: int
    fingerprint: str = ""
    municipalities: tuple[str, ...] = ()
    comparison: tuple[str, ...] = ()
    built_at: str = ""
    _index: dict = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.municipalities = tuple(self.municipalities)
        self.comparison = tuple(self.comparison)
        index: dict[tuple, int] = {}
        columns = [self.cells[f].to_numpy() for f in LOOKUP_FIELDS]
        for i, k in enumerate(zip(*columns, strict=True)):
            index.setdefault(tuple(_norm(f, v) for f, v in zip(LOOKUP_FIELDS, k, strict=True)), i)
        self._index = index

    # -- look-up
    def select(self, **key: object) -> pd.DataFrame:
        """The cells whose key fields equal the given ones (``year`` as a number)."""
        unknown = set(key) - set(keys.KEY_FIELDS)
        if unknown:
            raise ValueError(f"unknown key field(s) {sorted(unknown)}")
        keep = np.ones(len(self.cells), bool)
        for f, v in key.items():
            values = (
                [_norm(f, x) for x in v]
                if isinstance(v, list | tuple | set | frozenset)
                else [_norm(f, v)]
            )
            keep &= self.cells[f].isin(values).to_numpy(dtype=bool)
        return self.cells[keep]

    def _row(self, key: dict) -> int | None:
        unknown = set(key) - set(keys.KEY_FIELDS)
        if unknown:
            raise ValueError(f"unknown key field(s) {sorted(unknown)}")
        if set(LOOKUP_FIELDS) <= set(key) and "parent" not in key:
            return self._index.get(tuple(_norm(f, key[f]) for f in LOOKUP_FIELDS))
        hits = self.select(**key)
        if len(hits) > 1:
            raise ValueError(f"{len(hits)} cells match {key}; give every key field")
        return None if hits.empty else self.cells.index.get_loc(hits.index[0])

    def value(self, **key: object) -> float | None:
        """One cell's published value, ``None`` when it is withheld or not in the set."""
        i = self._row(key)
        if i is None:
            return None
        v = self.cells["value"].iloc[i]
        return None if pd.isna(v) else float(v)

    def mark(self, kind: str = "count", **key: object) -> dict[str, str]:
        """The cell's mark for the HTML (:func:`vpanalysis.publication.keys.cell`): its full
        key and value, or kind ``withheld`` when it is withheld or not in the set."""
        i = self._row(key)
        if i is None:
            return keys.cell("withheld", None, **key)
        row = self.cells.iloc[i]
        full = {f: row[f] for f in keys.KEY_FIELDS}
        if pd.isna(row["value"]):
            return keys.cell("withheld", None, **full)
        return keys.cell(kind, row["value"], **full)

    def withheld_cells(self) -> pd.DataFrame:
        """The withheld cells."""
        return self.cells[self.cells["withheld"]]

    def regions(self) -> Sequence[str]:
        """The regions of the cells (municipality codes and pools)."""
        return list(pd.unique(self.cells["region"]))
