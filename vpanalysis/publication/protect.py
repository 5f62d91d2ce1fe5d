"""Joint secondary suppression of a publication's cells.

The rule is :mod:`vpanalysis.disclosure`'s: every count 1..threshold-1 (hidden cells such as
the pupils who said no included) is withheld, and enough other cells with it that an
attacker who knows every published cell and every relation of :mod:`.cells` cannot bound
it below the threshold (its linear-programming upper bound is at least the threshold).
Missing input is protected likewise. The relation graph is split into its connected
components, each solved with :class:`vpanalysis.disclosure._Solver`.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from vpanalysis import disclosure
from vpanalysis.publication.cells import Cells

#: Cost of withholding a cell, per relation in which it is the total.
TOTAL_COST = 10.0


def _matrix(n: int, relations) -> coo_matrix:
    rows, cols, vals = [], [], []
    for r, (total, parts) in enumerate(relations):
        rows.append(r)
        cols.append(total)
        vals.append(-1.0)
        for p in parts:
            rows.append(r)
            cols.append(p)
            vals.append(1.0)
    return coo_matrix((vals, (rows, cols)), shape=(len(relations), n))


def components(cells: Cells) -> tuple[int, np.ndarray]:
    """The connected components of the relation graph: their number and each cell's label."""
    n = len(cells.frame)
    A = _matrix(n, cells.relations).tocsr()
    # cells are linked when they share a relation: A.T @ A is the cell-cell adjacency
    incidence = (A != 0).astype(np.int8)
    return connected_components(incidence.T @ incidence, directed=False)


def withheld(cells: Cells, threshold: int, joint: bool = True) -> np.ndarray:
    """Which cells are withheld (hidden cells included) so that all are protected
    (``joint=False``: primary suppression only, for tests)."""
    frame = cells.frame
    n = len(frame)
    raw = frame["raw"].to_numpy(dtype="float64")
    hidden = frame["hidden"].to_numpy(dtype=bool)
    small = ~np.isnan(raw) & (raw >= 1) & (raw < threshold)
    out = np.isnan(raw) | small | hidden
    if not cells.relations or not joint:
        return out
    count, label = components(cells)
    A = _matrix(n, cells.relations).tocsr()
    relation_of = np.asarray(
        [label[t] for t, _ in cells.relations], dtype=np.int64
    )  # component of each relation
    is_total = np.zeros(n)
    np.add.at(is_total, [t for t, _ in cells.relations], 1.0)
    targets = np.isnan(raw) | small
    needs = np.zeros(count, bool)
    np.logical_or.at(needs, label, targets)
    names = np.asarray(
        frame[["source", "measure", "region", "year", "sex", "age", "grade", "answer"]]
        .astype(str)
        .agg("/".join, axis=1),
        dtype=object,
    )
    for c in np.flatnonzero(needs):
        members = np.flatnonzero(label == c)
        rel = np.flatnonzero(relation_of == c)
        if not len(rel):
            continue
        sub = A[rel][:, members].toarray()
        values = raw[members]
        scale = 1.0 + np.nanmax(np.abs(values), initial=0.0)
        cost = (1.0 + TOTAL_COST * is_total[members]) + np.nan_to_num(values) / scale
        cost = np.where(hidden[members], np.inf, cost)
        problem = disclosure._Problem(
            values=values,
            A=sub,
            cost=cost,
            hidden=hidden[members].copy(),
            relation_names=[f"relation {r}" for r in rel],
            cell_names=list(names[members]),
        )
        S = disclosure._Solver(problem, threshold, protect_missing=True).solve()
        out[members] |= S
    return out
