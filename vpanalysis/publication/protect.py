"""Joint secondary suppression of a publication's cells.

The rule is :mod:`vpanalysis.disclosure`'s: every count 1..threshold-1 (hidden cells such as
the pupils who said no included) is withheld, and enough other cells with it that an
attacker who knows every published cell and every relation of :mod:`.cells` cannot bound
it below the threshold (its linear-programming upper bound is at least the threshold);
missing input is protected likewise (``protect_missing``). The relation graph is split
into its connected components (:func:`components`), each solved with the sparse solver of
:mod:`vpanalysis.disclosure` (the one :func:`vpanalysis.disclosure.protect_table` uses).
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components

from vpanalysis import disclosure
from vpanalysis.publication.cells import RESPONDENTS, Cells

#: Cost of withholding a cell, per relation in which it is the total.
TOTAL_COST = 10.0
#: Cost of withholding a respondent count (below any share's counts).
RESPONDENTS_COST = 0.1


def _matrix(n: int, relations) -> csr_matrix:
    rows, cols, vals = [], [], []
    for r, (total, parts) in enumerate(relations):
        rows.append(r)
        cols.append(total)
        vals.append(-1.0)
        for p in parts:
            rows.append(r)
            cols.append(p)
            vals.append(1.0)
    return coo_matrix((vals, (rows, cols)), shape=(len(relations), n)).tocsr()


def components(cells: Cells) -> tuple[int, np.ndarray]:
    """The connected components of the relation graph: their number and each cell's label."""
    n = len(cells.frame)
    incidence = (_matrix(n, cells.relations) != 0).astype(np.int8)
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
    A = _matrix(n, cells.relations)
    relation_of = label[np.asarray([t for t, _ in cells.relations], dtype=np.int64)]
    is_total = np.bincount([t for t, _ in cells.relations], minlength=n).astype(float)
    needs = np.zeros(count, bool)
    np.logical_or.at(needs, label, np.isnan(raw) | small)
    respondents = (frame["measure"] == RESPONDENTS).to_numpy(dtype=bool)
    fields = ["source", "measure", "region", "year", "sex", "age", "grade", "answer"]
    all_names = (
        frame[fields[0]]
        .astype(str)
        .str.cat([frame[f].astype(str) for f in fields[1:]], sep="/")
        .tolist()
    )
    for c in np.flatnonzero(needs):
        members = np.flatnonzero(label == c)
        rel = np.flatnonzero(relation_of == c)
        if not len(rel):
            continue
        values = raw[members]
        scale = 1.0 + np.nanmax(np.abs(values), initial=0.0)
        cost = (1.0 + TOTAL_COST * is_total[members]) + np.nan_to_num(values) / scale
        # respondents first: withholding them protects the pupils who skipped an item
        # without withholding the items' shares
        cost = np.where(respondents[members], RESPONDENTS_COST, cost)
        cost = np.where(hidden[members], np.inf, cost)
        names = [all_names[j] for j in members]
        problem = disclosure._Problem(
            values=values,
            A=A[rel][:, members],
            cost=cost,
            hidden=hidden[members].copy(),
            relation_names=[f"relation {r}" for r in rel],
            cell_names=names,
        )
        S = disclosure._solve_problem(problem, threshold, protect_missing=True)
        out[members] |= S
    return out
