"""Small-number suppression (disclosure control) for everything that is published.

Counts of persons from local sources (social services, women's shelter, school survey)
below a threshold (default 5, :data:`vpanalysis.config.DISCLOSURE_THRESHOLD`) are never
published, and they must not be derivable from what *is* published, totals included
(docs/methods.md).

Public API
----------
:func:`protect_table`
    A crosstab (or a 1-D Series) of counts, optionally with a total row and/or a total
    column, in; the same table as ``Int64`` with suppressed cells as ``<NA>`` out.
:func:`protect_long`
    The same for a tidy (long) table: every key column that holds a total level
    (sex ``"T"``, age group ``"totalt"``, category ``"Totalt"``, ...) adds the relation
    "the other levels sum to the total"; the table is protected as one table with all
    those relations, so ``K``/``M``/``T`` rows, age bands and ``totalt`` and categories
    with ``Totalt`` are protected together.
:func:`protect_rates`, :func:`suppress_derived`, :func:`suppress_derived_long`
    Blank rates, proportions and intervals computed from suppressed counts.
:func:`is_safe`
    Check a protected table against its original (for tests and as an assertion).
:func:`attacker_intervals`
    The interval an attacker can derive for every suppressed cell (for audits).
:func:`assert_no_small_counts`
    Last-line check that raises :class:`vpanalysis.errors.DisclosureError`.

Totals
------
In :func:`protect_table`, ``total_row``/``total_col`` name the total row/column. With
``None`` (the default) a row/column whose label is one of :data:`TOTAL_LABELS`
(``Totalt``, ``Total``, ``Summa``, ``Samtliga``, ``Alla``; case and surrounding spaces
ignored) is taken as the total; ``False`` means "no total, do not look for one". A total
must equal the sum of its parts (``partial_totals=True`` allows it to exceed it, see below);
otherwise a ValueError names the row or column that does not add up.

The protection rule
-------------------
*Primary suppression*: every count ``1 .. threshold-1`` is suppressed, totals included.
Zero is published (it discloses no person) and zeros are never used for secondary
suppression, so an attacker may assume every suppressed count is at least 1 and the
protection below is verified against that stronger attacker.

*Secondary suppression*: the attacker knows every published cell, the additive structure
(rows and columns sum to their totals) and that counts are non-negative (and, as above,
that suppressed counts are >= 1). For every primary cell the largest value the attacker
cannot exclude (the upper bound of a linear programme over all tables consistent with the
publication) must be at least ``threshold``. The attacker can then never show that the cell
is a small count, and in particular never pin it down exactly: its value is below the
threshold and the upper bound is not, so the feasible interval has width >= 1. (In the
terms of statistical agencies: an upper protection level of ``threshold - value``.) A lower
bound of 0 is not required: "at least one person" is what the fact that a cell is
suppressed says anyway, and demanding it would cost much more suppression. Why not merely
"not determined exactly": an interval such as [1, 2] is not a single value, yet it tells
that one or two persons are behind the cell, which is what the threshold rule forbids.

For tables of one or two dimensions with margins the constraint matrix is totally
unimodular, so the linear-programming bounds are the integer bounds; for tables with three
or more total dimensions (:func:`protect_long`) the bounds are those of the LP relaxation,
the usual practice.

Cells chosen for secondary suppression are non-zero published cells, hence at least the
threshold themselves, so *every* suppressed cell has an upper bound >= threshold and
protecting a protected table again changes nothing.

*Missing input* (``<NA>``): it stays ``<NA>`` and is unknown to the attacker (a free
non-negative unknown). A source may have blanked a small count without secondary
suppression, so with ``protect_missing=True`` (the default) a missing cell is protected
like a primary one: the published totals must not narrow it to 1..threshold-1 (an upper
bound of 0, i.e. provably empty, is fine). With ``protect_missing=False`` missing cells are
only unknowns. Rows absent from a long table are treated the same way.

*Partial totals*: with ``partial_totals=True`` a total may exceed the sum of its parts
(e.g. ``T`` includes persons of unknown sex). The difference is an unpublished count; the
attacker only knows it is >= 0, and if it is 1..threshold-1 it is protected like a primary
cell (otherwise ``T - K - M`` would publish it).

The algorithm
-------------
Greedy, one primary (or missing) cell at a time, smallest first. The upper bound reaches
the threshold exactly when some table consistent with the publication has the cell at the
threshold, i.e. when a change ``y`` of the unpublished cells with ``A @ y == 0`` (and the
bounds) raises it by what it lacks: a flow through the table's relations, along cycles of
cells. A min-cost-flow LP finds the cheapest such change (a network-flow heuristic, as used
for 2-D tables by statistical agencies); if it can only run through published cells, those
that carry flow are suppressed. Cost of a cell: one plus a fraction for its size (few and
small cells first); totals cost ten times as much per total dimension, so totals are
suppressed only when the interior cannot do it. A final pass tries to publish again every
secondary cell (most expensive first) and keeps it published if all primary cells stay
protected.

The change found for a cell (its *witness*) stays valid when more cells are suppressed
(withholding more never lowers an upper bound), so each cell is solved once, a witness that
happens to raise other cells to the threshold protects them too, and when a secondary cell
is published again only the cells whose witness changes it are solved again. With the
published cells fixed, a cell's bound depends only on the unpublished cells linked to it
through relations over unpublished cells (its *block*), so small blocks get small LPs of
their own; the others use one persistent HiGHS model per problem that is changed and solved
again from its last basis. Before the result is returned every witness is checked against
the relations and bounds (a certificate of the upper bound), and any cell without one gets
its bound from a new LP. (``scipy.optimize.milp`` would solve each step exactly, but HiGHS'
MIP solver prints debug lines to the process' stdout, which would end up in reports; on 400
random tables the LP heuristic suppressed about 1 % more cells.)
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy.optimize import linprog
from scipy.sparse import csc_matrix, csr_matrix, hstack
from scipy.sparse.csgraph import connected_components

try:  # HiGHS' own object (scipy >= 1.15): persistent models, solved again from the last basis
    from scipy.optimize._highspy import _core as _highs
except ImportError:  # pragma: no cover - older scipy: every LP through linprog
    _highs = None

from vpanalysis.config import DISCLOSURE_THRESHOLD
from vpanalysis.errors import DisclosureError

__all__ = [
    "SEX_COLUMNS",
    "TOTAL_LABELS",
    "assert_no_small_counts",
    "attacker_intervals",
    "is_safe",
    "protect_long",
    "protect_rates",
    "protect_table",
    "suppress_derived",
    "suppress_derived_long",
    "withhold_small",
]

#: Labels recognised as totals when no total is named (compared case-insensitively).
TOTAL_LABELS: tuple[str, ...] = ("totalt", "total", "summa", "samtliga", "alla")
#: Columns of a long table where the level ``"T"`` is the total (Kolada's K/M/T).
SEX_COLUMNS: tuple[str, ...] = ("sex", "kon", "kön", "gender")

_EPS = 1e-6
_TINY = 1e-9  # a change of a cell smaller than this is no change
_MOVE_COST = 1e-5  # cost per unit of changing an unpublished cell in the flow LPs
_BLOCK_LIMIT = 400  # a block of unpublished cells up to this size gets an LP of its own
_NEIGHBOURHOOD = 2  # relations around such a block searched first for cells to suppress
#: Try to publish again a secondary cell when a target it protects is in a block larger
#: than :data:`_BLOCK_LIMIT` (the whole problem's LP). On the example publication: 2,108
#: instead of 2,135 cells withheld, for half again as many LPs.
_PRUNE_LARGE = False
#: LPs solved since the module was imported (for benchmarks).
_STATS = {"lps": 0, "small_lps": 0}
_TOTAL_COST = 10.0  # cost of suppressing a total, per total dimension of the cell
_DERIVED_DEFAULT = ("value", "lower", "upper")

TotalSpec = Hashable | None | Literal[False]


# ---------------------------------------------------------------- the engine


@dataclass
class _Problem:
    """A table flattened to cells ``x`` with additive relations ``A @ x == 0``.

    ``values`` is NaN where the value is unknown to us (missing input, absent rows,
    partial-total slacks that cannot be computed). ``hidden`` cells are never published
    (absent rows, slacks); ``cost`` is the cost of suppressing a published cell.
    """

    values: np.ndarray
    A: np.ndarray
    cost: np.ndarray
    hidden: np.ndarray
    relation_names: list[str] = field(default_factory=list)
    cell_names: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.values)


def _grid_problem(
    grid: np.ndarray,
    totals: Sequence[int | None],
    *,
    hidden: np.ndarray | None = None,
    partial_totals: bool = False,
    labels: Sequence[Sequence[object]] | None = None,
    dim_names: Sequence[str] | None = None,
) -> _Problem:
    """Cells of an N-D grid where dimension ``d`` has its total at ``totals[d]`` (or none).

    ``labels``/``dim_names`` only serve the messages.
    """
    shape = grid.shape
    if labels is None:
        labels = [list(range(k)) for k in shape]
    if dim_names is None:
        dim_names = [f"dimension {d}" for d in range(len(shape))]
    n = grid.size
    idx = np.arange(n).reshape(shape)
    values = grid.astype("float64").reshape(-1)
    hidden_flat = np.zeros(n, bool) if hidden is None else hidden.reshape(-1).copy()
    rows: list[np.ndarray] = []
    names: list[str] = []
    n_total_dims = np.zeros(n, int)
    for d, t in enumerate(totals):
        if t is None or shape[d] < 2:
            continue
        coord = np.indices(shape)[d].reshape(-1)
        n_total_dims += coord == t
        lines = np.moveaxis(idx, d, -1).reshape(-1, shape[d])
        for line in lines:
            r = np.zeros(n)
            r[line] = 1.0
            r[line[t]] = -1.0
            rows.append(r)
            names.append(_relation_name(line[t], d, shape, labels, dim_names))
    A = np.array(rows, dtype="float64").reshape(len(rows), n)
    scale = 1.0 + np.nanmax(np.abs(values), initial=0.0)
    size = np.nan_to_num(values, nan=0.0) / scale
    cost = np.where(n_total_dims == 0, 1.0, _TOTAL_COST * n_total_dims) + size
    cell_names = [_cell_name(i, shape, labels, dim_names) for i in range(n)]
    if partial_totals and len(rows):
        # parts + slack == total, slack >= 0 never published
        m = len(rows)
        slack = -(A @ np.nan_to_num(values, nan=0.0))
        slack = np.where(np.abs(A) @ np.isnan(values) > 0, np.nan, slack)
        if np.any(slack < -_EPS):
            bad = [names[i] for i in np.flatnonzero(slack < -_EPS)]
            raise ValueError(
                f"the totals do not add up: the parts sum to more than {'; '.join(bad[:5])}"
            )
        A = np.hstack([A, np.eye(m)])
        values = np.concatenate([values, slack])
        hidden_flat = np.concatenate([hidden_flat, np.ones(m, bool)])
        cost = np.concatenate([cost, np.full(m, np.inf)])
        cell_names += [f"the part of {name} not in its parts" for name in names]
    cost = np.where(hidden_flat, np.inf, cost)
    return _Problem(values, A, cost, hidden_flat, names, cell_names)


def _cell_name(i: int, shape: tuple[int, ...], labels, dim_names) -> str:
    pos = np.unravel_index(i, shape)
    dims = [d for d in range(len(shape)) if shape[d] > 1] or list(range(len(shape)))
    return ", ".join(f"{dim_names[d]} {labels[d][pos[d]]!r}" for d in dims)


def _relation_name(total_cell: int, d: int, shape, labels, dim_names) -> str:
    pos = np.unravel_index(total_cell, shape)
    others = [f"{dim_names[e]} {labels[e][pos[e]]!r}" for e in range(len(shape))]
    others = [o for e, o in enumerate(others) if e != d and shape[e] > 1]
    name = f"the total {dim_names[d]} {labels[d][pos[d]]!r}"
    return name + (f" ({', '.join(others)})" if others else "")


class _FlowModel:
    """A persistent flow LP over a problem's cells: ``A @ (up - down) == 0`` with the column
    bounds and costs changed in place and the model solved again from the last basis
    (HiGHS through scipy; :func:`scipy.optimize.linprog` when scipy has no HiGHS object).

    ``y = up - down`` is a change of the cells that keeps every relation; the bounds say
    which cells may change and by how much.
    """

    def __init__(self, A: csr_matrix, cost: np.ndarray):
        m, n = A.shape
        self.n = n
        self.cost = np.concatenate([cost, cost]).astype("float64")
        self.lower = np.zeros(2 * n)
        self.upper = np.zeros(2 * n)
        csc = csc_matrix(A)
        self.matrix = hstack([csc, -csc]).tocsc()
        self.h = None
        if _highs is not None:
            h = _highs._Highs()
            h.setOptionValue("output_flag", False)
            h.setOptionValue("presolve", "off")
            lp = _highs.HighsLp()
            lp.num_col_, lp.num_row_ = 2 * n, m
            lp.col_cost_ = self.cost
            lp.col_lower_ = self.lower
            lp.col_upper_ = self.upper
            lp.row_lower_ = np.zeros(m)
            lp.row_upper_ = np.zeros(m)
            a = lp.a_matrix_
            a.format_ = _highs.MatrixFormat.kColwise
            a.start_ = self.matrix.indptr.astype(np.int32)
            a.index_ = self.matrix.indices.astype(np.int32)
            a.value_ = self.matrix.data.astype("float64")
            a.num_col_, a.num_row_ = 2 * n, m
            lp.a_matrix_ = a
            h.passModel(lp)
            self.h = h
            self.scratch = _highs._Highs()
            self.scratch.setOptionValue("output_flag", False)

    def bounds(self, cells: np.ndarray, up_hi: np.ndarray, down_hi: np.ndarray) -> None:
        """Let ``cells`` rise by at most ``up_hi`` and fall by at most ``down_hi``."""
        cells = np.asarray(cells, dtype=np.int64)
        if not len(cells):
            return
        cols = np.concatenate([cells, cells + self.n])
        hi = np.concatenate(
            [np.broadcast_to(up_hi, len(cells)), np.broadcast_to(down_hi, len(cells))]
        )
        self.upper[cols] = hi
        if self.h is not None:
            self.h.changeColsBounds(
                len(cols),
                cols.astype(np.int32),
                self.lower[cols],
                np.where(np.isfinite(hi), hi, _highs.kHighsInf),
            )

    def costs(self, cells: np.ndarray, cost: np.ndarray) -> None:
        cells = np.asarray(cells, dtype=np.int64)
        if not len(cells):
            return
        cols = np.concatenate([cells, cells + self.n])
        c = np.concatenate([np.broadcast_to(cost, len(cells))] * 2).astype("float64")
        self.cost[cols] = c
        if self.h is not None:
            self.h.changeColsCost(len(cols), cols.astype(np.int32), c)

    def raise_cell(self, i: int, need: float) -> np.ndarray | None:
        """A cheapest change ``y`` with ``y[i] >= need`` (``i`` only rising), or ``None``
        when there is none."""
        saved = self.lower[i], self.upper[i], self.upper[i + self.n]
        self._set(i, need, max(saved[1], need))
        self._set(i + self.n, 0.0, 0.0)
        try:
            x = self._solve()
        finally:
            self._set(i, 0.0, saved[1])
            self._set(i + self.n, 0.0, saved[2])
        if x is None:
            return None
        return x[: self.n] - x[self.n :]

    def raise_within(self, i: int, need: float, area: np.ndarray) -> np.ndarray | None:
        """:meth:`raise_cell` with only the cells in ``area`` changing (every relation they
        are in kept), as a new small LP."""
        n, k = self.n, len(area)
        cols = np.concatenate([area, area + n])
        starts = self.matrix.indptr[cols]
        lengths = self.matrix.indptr[cols + 1] - starts
        ends = np.cumsum(lengths)
        take = np.arange(ends[-1] if len(ends) else 0) + np.repeat(starts - ends + lengths, lengths)
        rows, index = np.unique(self.matrix.indices[take], return_inverse=True)
        lower, upper = self.lower[cols].copy(), self.upper[cols].copy()
        here = int(np.searchsorted(area, i))
        lower[here], upper[here] = need, max(upper[here], need)
        upper[here + k] = 0.0
        lp = _highs.HighsLp()
        lp.num_col_, lp.num_row_ = 2 * k, len(rows)
        lp.col_cost_ = self.cost[cols]
        lp.col_lower_ = lower
        lp.col_upper_ = np.where(np.isfinite(upper), upper, _highs.kHighsInf)
        lp.row_lower_ = np.zeros(len(rows))
        lp.row_upper_ = np.zeros(len(rows))
        a = lp.a_matrix_
        a.format_ = _highs.MatrixFormat.kColwise
        a.start_ = np.concatenate([[0], ends]).astype(np.int32)
        a.index_ = index.reshape(-1).astype(np.int32)
        a.value_ = self.matrix.data[take]
        a.num_col_, a.num_row_ = 2 * k, len(rows)
        lp.a_matrix_ = a
        h = self.scratch
        h.passModel(lp)
        _STATS["lps"] += 1
        _STATS["small_lps"] += 1
        h.run()
        if h.getModelStatus() != _highs.HighsModelStatus.kOptimal:
            return None
        x = np.asarray(h.getSolution().col_value)
        y = np.zeros(n)
        y[area] = x[:k] - x[k:]
        return y

    def _set(self, col: int, lo: float, hi: float) -> None:
        self.lower[col], self.upper[col] = lo, hi
        if self.h is not None:
            self.h.changeColBounds(
                int(col), float(lo), float(hi) if np.isfinite(hi) else _highs.kHighsInf
            )

    def _solve(self) -> np.ndarray | None:
        _STATS["lps"] += 1
        if self.h is None:  # pragma: no cover - scipy without the HiGHS object
            res = linprog(
                self.cost,
                A_eq=self.matrix,
                b_eq=np.zeros(self.matrix.shape[0]),
                bounds=np.column_stack([self.lower, self.upper]),
                method="highs",
            )
            return res.x if res.status == 0 else None
        self.h.run()
        status = self.h.getModelStatus()
        if status == _highs.HighsModelStatus.kOptimal:
            return np.asarray(self.h.getSolution().col_value)
        if status == _highs.HighsModelStatus.kInfeasible:
            return None
        # anything else (a numerical failure after many warm starts): solve from scratch
        self.h.clearSolver()
        self.h.run()
        if self.h.getModelStatus() == _highs.HighsModelStatus.kOptimal:
            return np.asarray(self.h.getSolution().col_value)
        return None


class _Solver:
    """Secondary suppression for one :class:`_Problem` (``A`` dense or sparse).

    The greedy algorithm of the module docstring with two persistent flow LPs
    (:class:`_FlowModel`): *check* lets only unpublished cells change, *extra* also lets
    the published cells that may be suppressed change, at their cost. A target is protected
    when *check* can raise it to the threshold; the change found (a *witness*: a table
    consistent with the publication in which the cell reaches the threshold) stays valid
    when more cells are suppressed, so each target is solved once, and when a secondary
    cell is published again only the targets whose witness changes that cell are solved
    again. Every witness is verified against the relations at the end.
    """

    def __init__(self, problem: _Problem, threshold: int, protect_missing: bool):
        self.p = problem
        self.A = csr_matrix(problem.A, dtype="float64")
        self.t = float(threshold)
        v = problem.values
        self.unknown = np.isnan(v)
        known = np.where(self.unknown, 0.0, v)
        bad = (known < -_EPS) | (np.abs(known - np.round(known)) > _EPS)
        if np.any(bad):
            names = [problem.cell_names[i] for i in np.flatnonzero(bad)[:5]]
            raise ValueError(f"counts must be whole numbers >= 0; not so in {names}")
        self.primary = ~self.unknown & (known >= 1) & (known < threshold)
        self.targets = self.primary | (self.unknown & protect_missing)
        self.initial = self.unknown | self.primary | problem.hidden
        self.x0 = self._baseline(known)
        # attacker's lower bound for an unpublished cell: >= 1 for the cells we suppress
        # (zeros are always published), >= 0 for unknown and hidden cells
        self.lb = np.where(self.unknown | problem.hidden, 0.0, np.minimum(self.x0, 1.0))

    # -- consistency and a feasible completion of the unknown cells
    def _baseline(self, known: np.ndarray) -> np.ndarray:
        A = self.A
        if not A.shape[0]:
            return known
        if not self.unknown.any():
            resid = A @ known
            bad = np.flatnonzero(np.abs(resid) > _EPS)
            if len(bad):
                total = abs(A.minimum(0)) @ known
                raise ValueError(
                    "the totals do not add up: "
                    + "; ".join(
                        f"{self.p.relation_names[i]} is {total[i]:g} but its parts sum to "
                        f"{total[i] + resid[i]:g}"
                        for i in bad[:5]
                    )
                )
            return known
        lo = np.where(self.unknown, 0.0, known)
        hi = np.where(self.unknown, np.inf, known)
        _STATS["lps"] += 1
        res = linprog(
            np.zeros(self.p.n),
            A_eq=A,
            b_eq=np.zeros(A.shape[0]),
            bounds=np.column_stack([lo, hi]),
            method="highs",
        )
        if res.status != 0:
            raise ValueError(
                "the totals do not add up: no non-negative values of the missing cells "
                "make every total equal the sum of its parts"
            )
        return np.where(self.unknown, np.maximum(res.x, 0.0), known)

    # -- the attacker's exact upper bound of cell i when the cells in S are unpublished
    def upper(self, i: int, S: np.ndarray) -> float:
        """One LP from scratch (for checks and audits; :meth:`solve` uses witnesses)."""
        if not self.A.shape[0] or not self.A[:, [i]].nnz:
            return np.inf
        lo = np.where(S, self.lb, self.x0)
        hi = np.where(S, np.inf, self.x0)
        c = np.zeros(self.p.n)
        c[i] = -1.0
        _STATS["lps"] += 1
        res = linprog(
            c,
            A_eq=self.A,
            b_eq=np.zeros(self.A.shape[0]),
            bounds=np.column_stack([lo, hi]),
            method="highs",
        )
        if res.status == 3:
            return np.inf
        if res.status != 0:  # pragma: no cover - the baseline is feasible
            raise RuntimeError(f"disclosure LP failed: {res.message}")
        return -float(res.fun)

    def protected(self, i: int, S: np.ndarray) -> bool:
        u = self.upper(i, S)
        return u >= self.t - _EPS or (self.unknown[i] and u <= _EPS)

    # -- the greedy algorithm
    def solve(self) -> np.ndarray:
        S = self.initial.copy()
        if not self.targets.any() or not self.A.shape[0]:
            return S
        n = self.p.n
        self.cand = ~S & (self.x0 >= 1) & np.isfinite(self.p.cost)
        move = np.full(n, _MOVE_COST)
        self.check = _FlowModel(self.A, move)
        by_col = csc_matrix(self.A)
        self.c2r = [
            by_col.indices[by_col.indptr[j] : by_col.indptr[j + 1]].tolist() for j in range(n)
        ]
        self.r2c = [
            self.A.indices[self.A.indptr[r] : self.A.indptr[r + 1]].tolist()
            for r in range(self.A.shape[0])
        ]
        self.r2v = [
            self.A.data[self.A.indptr[r] : self.A.indptr[r + 1]].tolist()
            for r in range(self.A.shape[0])
        ]
        pattern = abs(self.A)
        self.adjacency = (pattern.T @ pattern).tocsr()
        self.parent = list(range(n))
        self.members = {c: [c] for c in range(n)}
        self._join(np.flatnonzero(S).tolist(), S)
        self.extra = _FlowModel(self.A, np.where(self.cand, self.p.cost, _MOVE_COST))
        down = np.where(S, self.x0 - self.lb, 0.0)
        up = np.where(S, np.inf, 0.0)
        everyone = np.arange(n)
        self.check.bounds(everyone, up, down)
        self.extra.bounds(
            everyone,
            np.where(S | self.cand, np.inf, 0.0),
            np.where(self.cand, self.x0 - 1.0, down),
        )
        self.witness: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.users: dict[int, set[int]] = {}
        zero: set[int] = set()
        order = sorted(np.flatnonzero(self.targets), key=lambda i: (self.x0[i], i))
        pending = order
        # Protection is monotone in S (more suppression, wider intervals) except for a
        # missing cell that is fine because it is provably 0: suppression for another cell
        # may open it up to 1..threshold-1. Such a cell is then raised to the threshold, so
        # each can fail once and a few passes suffice.
        for _ in range(len(order) + 1):
            grown = False
            for i in pending:
                if int(i) in self.witness:  # raised by another target's witness
                    zero.discard(int(i))
                    continue
                state = self._protect(int(i), S)
                grown |= state == "grown"
                if state == "zero":
                    zero.add(int(i))
                else:
                    zero.discard(int(i))
            if not grown or not zero:
                break
            pending = sorted(zero, key=lambda i: (self.x0[i], i))
        S = self._prune(S)
        self._verify(S, zero)
        return S

    def _suppress(self, cells: np.ndarray, S: np.ndarray) -> None:
        cells = cells[~S[cells]]
        if not len(cells):
            return
        S[cells] = True
        self._join(cells.tolist(), S)
        self.lb[cells] = np.minimum(self.x0[cells], 1.0)
        self.cand[cells] = False
        for model in (self.check, self.extra):
            model.bounds(cells, np.inf, self.x0[cells] - self.lb[cells])
        self.extra.costs(cells, _MOVE_COST)

    def _raised(self, y: np.ndarray) -> np.ndarray:
        """The targets that reach the threshold in the table ``x0 + y``."""
        return np.flatnonzero(self.targets & (self.x0 + y >= self.t - _EPS))

    def _keep(self, i: int, y: np.ndarray, share: bool = True) -> None:
        """``y`` is the witness of ``i`` and (``share``) of every target without one that
        it raises to the threshold too."""
        idx = np.flatnonzero(np.abs(y) > _TINY)
        kept = (idx, y[idx])
        owners = [i]
        if share:
            owners += [int(j) for j in self._raised(y) if j != i and j not in self.witness]
        for j in owners:
            self._forget(j)
            self.witness[j] = kept
            for c in idx.tolist():
                self.users.setdefault(c, set()).add(j)

    def _forget(self, i: int) -> None:
        old = self.witness.pop(i, None)
        if old is not None:
            for c in old[0].tolist():
                self.users[c].discard(i)

    def _protect(self, i: int, S: np.ndarray) -> str:
        """Protect target ``i`` under ``S`` (suppressing more if needed): ``"ok"`` (a
        witness kept), ``"zero"`` (missing and provably 0) or ``"grown"`` (cells added)."""
        need = self.t - self.x0[i]
        if need <= _EPS:
            self._keep(i, np.zeros(self.p.n))
            return "ok"
        block = self._block(i)
        y = None if self._hopeless(i, need, S) else self._check_raise(i, need, block)
        if y is not None:
            self._keep(i, y)
            return "ok"
        if self.unknown[i] and self.x0[i] <= _EPS and self.upper(i, S) <= _EPS:
            return "zero"
        y = None
        if (
            block is not None and self.extra.h is not None
        ):  # cheap cells near the block first, then everywhere
            area = set(block.tolist())
            for _ in range(_NEIGHBOURHOOD):
                area |= {d for c in list(area) for r in self.c2r[c] for d in self.r2c[r]}
            y = self.extra.raise_within(i, need, np.asarray(sorted(area), dtype=np.int64))
        if y is None:
            y = self.extra.raise_cell(i, need)
        if y is None:
            # no flow at all: suppress every non-zero published cell (then verified)
            self._suppress(np.flatnonzero(self.cand), S)
            y = self._check_raise(i, need, self._block(i))
            if y is not None:
                self._keep(i, y)
            return "grown"
        added = np.flatnonzero(self.cand & (np.abs(y) > _TINY))
        self._suppress(added, S)
        self._keep(i, y)
        return "grown" if len(added) else "ok"

    def _hopeless(self, i: int, need: float, S: np.ndarray) -> bool:
        """A quick proof that ``i`` cannot rise by ``need`` under ``S``: some relation of
        ``i`` has too little room in its other unpublished cells (those on the other side
        may rise without limit, those on its side fall to their lower bounds)."""
        for r in self.c2r[i]:
            cells, coefs = self.r2c[r], self.r2v[r]
            sign = coefs[cells.index(i)]
            room = 0.0
            for d, a in zip(cells, coefs, strict=True):
                if d == i or not S[d]:
                    continue
                if a * sign < 0:
                    room = np.inf
                    break
                room += abs(a) * (self.x0[d] - self.lb[d])
            if room < abs(sign) * need - _EPS:
                return True
        return False

    def _block(self, i: int) -> np.ndarray | None:
        """The unpublished cells linked to ``i`` through relations over unpublished cells
        (``None`` when more than :data:`_BLOCK_LIMIT`): with the published cells fixed,
        whether ``i`` can reach the threshold depends on them alone. Kept as disjoint
        sets while cells are suppressed."""
        members = self.members[self._find(i)]
        if len(members) > _BLOCK_LIMIT:
            return None
        return np.asarray(sorted(members), dtype=np.int64)

    def _find(self, c: int) -> int:
        parent = self.parent
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    def _join(self, cells, S: np.ndarray) -> None:
        """Merge the blocks of the newly unpublished ``cells`` with their neighbours'."""
        for c in cells:
            for r in self.c2r[c]:
                for d in self.r2c[r]:
                    if not S[d]:
                        continue
                    a, b = self._find(c), self._find(d)
                    if a == b:
                        continue
                    if len(self.members[a]) < len(self.members[b]):
                        a, b = b, a
                    self.parent[b] = a
                    self.members[a].extend(self.members.pop(b))

    def _blocks(self, S: np.ndarray) -> np.ndarray:
        """Each unpublished cell's block label (-1 for published cells), from scratch."""
        inside = np.flatnonzero(S)
        labels = np.full(self.p.n, -1)
        if len(inside):
            _, lab = connected_components(self.adjacency[inside][:, inside], directed=False)
            labels[inside] = lab
        return labels

    def _check_raise(
        self, i: int, need: float, block: np.ndarray | None, full: bool = True
    ) -> np.ndarray | None:
        """:meth:`_FlowModel.raise_cell` of the *check* model, as a small LP over
        ``block`` (closed: every unpublished cell in a relation of its cells is in it) when
        there is one, else through the whole model (``None`` unless ``full``)."""
        if block is not None:
            k = int(np.searchsorted(block, i))
            if k >= len(block) or block[k] != i:
                block = None
        if block is None or self.check.h is None:
            return self.check.raise_cell(i, need) if full or self.check.h is None else None
        return self.check.raise_within(i, need, block)

    def _prune(self, S: np.ndarray) -> np.ndarray:
        """Publish again every secondary cell whose suppression is not needed (most
        expensive first); only the targets whose witness changes the cell are solved again."""
        secondary = np.flatnonzero(S & ~self.initial)
        labels = self._blocks(S)
        for c in sorted(secondary, key=lambda j: (-self.p.cost[j], -j)):
            c = int(c)
            full = _PRUNE_LARGE
            # c's block without c holds the blocks of its neighbours once c is published
            block = np.flatnonzero(labels == labels[c])
            block = block[block != c] if len(block) <= _BLOCK_LIMIT + 1 else None
            affected = sorted(self.users.get(c, ()), key=lambda i: (self.x0[i], i))
            S[c] = False
            self.check.bounds([c], 0.0, 0.0)
            found: dict[int, np.ndarray] = {}
            for i in affected:
                if i in found:
                    continue
                # a target in a large block is not solved again: c stays suppressed
                need = self.t - self.x0[i]
                y = None
                if not self._hopeless(i, need, S):
                    y = self._check_raise(i, need, block, full=full)
                if y is None:
                    break
                found[i] = y
                for j in set(self._raised(y).tolist()) & set(affected):
                    found.setdefault(j, y)
            if len(found) < len(affected):
                S[c] = True
                self.check.bounds([c], np.inf, self.x0[c] - self.lb[c])
                continue
            for i, y in found.items():
                self._keep(i, y, share=False)
            labels = self._blocks(S)
        return S

    def _verify(self, S: np.ndarray, zero: set[int]) -> None:
        """Every target's witness is a table consistent with the publication (relations,
        published cells, bounds) in which it reaches the threshold; else its exact LP."""
        lo = np.where(S, self.lb, self.x0)
        scale = 1.0 + float(np.max(np.abs(self.x0), initial=0.0))
        failing = []
        for i in np.flatnonzero(self.targets):
            i = int(i)
            if i in self.witness:
                idx, vals = self.witness[i]
                y = np.zeros(self.p.n)
                y[idx] = vals
                if (
                    not S[idx].all()
                    or np.any(self.x0[idx] + vals < lo[idx] - 1e-7 * scale)
                    or np.max(np.abs(self.A @ y), initial=0.0) > 1e-6 * scale
                    or self.x0[i] + y[i] < self.t - _EPS
                ) and not self.protected(i, S):
                    failing.append(i)
            elif i not in zero or not self.protected(i, S):
                failing.append(i)
        if failing:  # pragma: no cover - defensive
            raise RuntimeError(
                "secondary suppression failed for "
                + ", ".join(self.p.cell_names[i] for i in failing[:5])
            )


def _solve_problem(problem: _Problem, threshold: int, protect_missing: bool) -> np.ndarray:
    return _Solver(problem, threshold, protect_missing).solve()


# ---------------------------------------------------------------- totals and tables


def _is_total_label(label: object) -> bool:
    return isinstance(label, str) and label.strip().casefold() in TOTAL_LABELS


def _total_position(labels: pd.Index, given: TotalSpec, what: str) -> int | None:
    if given is False:
        return None
    if given is None:
        hits = [i for i, lab in enumerate(labels) if _is_total_label(lab)]
        if len(hits) > 1:
            raise ValueError(
                f"several {what}s look like totals ({[labels[i] for i in hits]}); "
                f"name the total with total_{what[:3]}=..."
            )
        return hits[0] if hits else None
    hits = [i for i, lab in enumerate(labels) if lab == given]
    if len(hits) != 1:
        raise ValueError(f"the total {what} {given!r} is not among the {what}s {list(labels)}")
    return hits[0]


def _as_frame(table: pd.DataFrame | pd.Series) -> tuple[pd.DataFrame, bool]:
    if isinstance(table, pd.Series):
        return table.to_frame(), True
    if isinstance(table, pd.DataFrame):
        return table, False
    raise TypeError(f"expected a DataFrame or Series, got {type(table).__name__}")


def _numeric_grid(frame: pd.DataFrame) -> np.ndarray:
    if not frame.index.is_unique or not frame.columns.is_unique:
        raise ValueError("the table's row and column labels must be unique")
    out = np.empty(frame.shape, dtype="float64")
    for j, col in enumerate(frame.columns):
        values = pd.to_numeric(frame.iloc[:, j], errors="coerce")
        bad = values.isna() & frame.iloc[:, j].notna()
        if bad.any():
            raise ValueError(
                f"column {col!r} holds non-numeric values: {list(frame.iloc[:, j][bad][:3])}"
            )
        out[:, j] = values.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    return out


def _check_threshold(threshold: int) -> int:
    if int(threshold) != threshold or threshold < 1:
        raise ValueError(f"the threshold must be a whole number >= 1, got {threshold!r}")
    return int(threshold)


def _table_problem(
    table: pd.DataFrame | pd.Series,
    total_row: TotalSpec,
    total_col: TotalSpec,
    partial_totals: bool,
) -> tuple[pd.DataFrame, bool, _Problem]:
    frame, is_series = _as_frame(table)
    if is_series and total_col not in (None, False):
        raise ValueError("a Series has no total column; name its total with total_row=")
    grid = _numeric_grid(frame)
    tr = _total_position(frame.index, total_row, "row")
    tc = None if is_series else _total_position(frame.columns, total_col, "column")
    labels = [list(frame.index), list(frame.columns)]
    problem = _grid_problem(
        grid,
        [tr, tc],
        partial_totals=partial_totals,
        labels=labels,
        dim_names=["row", "column"],
    )
    return frame, is_series, problem


def protect_table(
    table: pd.DataFrame | pd.Series,
    threshold: int = DISCLOSURE_THRESHOLD,
    total_row: TotalSpec = None,
    total_col: TotalSpec = None,
    *,
    protect_missing: bool = True,
    partial_totals: bool = False,
) -> pd.DataFrame | pd.Series:
    """Suppress small counts of persons in a crosstab, and enough others to protect them.

    ``table`` is a DataFrame of counts (rows x columns) or a Series (a 1-D table),
    optionally with a total row (``total_row``, a row label) and/or a total column
    (``total_col``). ``None`` looks for a label in :data:`TOTAL_LABELS`; ``False`` means no
    total. Returns a table with the same index and columns (a Series for a Series), dtype
    ``Int64``, where every suppressed cell is ``<NA>`` and every other cell equals the input.
    See the module docstring for the rule; ``protect_missing`` and ``partial_totals`` are
    explained there too. Raises ValueError when counts are negative or fractional or the
    totals do not add up.
    """
    threshold = _check_threshold(threshold)
    frame, is_series, problem = _table_problem(table, total_row, total_col, partial_totals)
    suppressed = _solve_problem(problem, threshold, protect_missing)[: frame.size]
    values = np.where(suppressed, np.nan, problem.values[: frame.size]).reshape(frame.shape)
    out = pd.DataFrame(values, index=frame.index, columns=frame.columns).astype("Int64")
    if is_series:
        return out.iloc[:, 0].rename(table.name)
    return out


def is_safe(
    original: pd.DataFrame | pd.Series,
    protected: pd.DataFrame | pd.Series,
    threshold: int = DISCLOSURE_THRESHOLD,
    total_row: TotalSpec = None,
    total_col: TotalSpec = None,
    *,
    protect_missing: bool = True,
    partial_totals: bool = False,
) -> bool:
    """True when ``protected`` is a safe publication of ``original``.

    Safe means: every published cell equals the original; no published cell is
    ``1 .. threshold-1``; and for every count ``1 .. threshold-1`` of the original (and
    every missing one with ``protect_missing``) the attacker's LP upper bound (published
    cells and totals fixed, counts >= 0; >= 1 for suppressed counts when no zero was
    suppressed, as :func:`protect_table` guarantees) reaches the threshold, or is 0 for a
    missing cell. Totals are found as in :func:`protect_table`. Raises ValueError when the
    two tables have different labels.
    """
    threshold = _check_threshold(threshold)
    frame, _, problem = _table_problem(original, total_row, total_col, partial_totals)
    pframe, _ = _as_frame(protected)
    same = frame.index.equals(pframe.index) and (
        isinstance(protected, pd.Series) or frame.columns.equals(pframe.columns)
    )
    if not same or pframe.shape != frame.shape:
        raise ValueError("the original and the protected table have different labels")
    pub = _numeric_grid(pframe).reshape(-1)
    orig = problem.values[: frame.size]
    shown = ~np.isnan(pub)
    if np.any(shown & (np.isnan(orig) | (np.abs(pub - np.nan_to_num(orig)) > _EPS))):
        return False
    if np.any(shown & (pub >= 1) & (pub < threshold)):
        return False
    solver = _Solver(problem, threshold, protect_missing)
    S = solver.initial.copy()
    S[: frame.size] |= ~shown
    if np.any(S[: frame.size] & ~solver.unknown[: frame.size] & (solver.x0[: frame.size] < 1)):
        solver.lb = np.where(S, 0.0, solver.lb)  # zeros were suppressed: the weaker attacker
    return all(solver.protected(i, S) for i in np.flatnonzero(solver.targets))


def attacker_intervals(
    protected: pd.DataFrame | pd.Series,
    total_row: TotalSpec = None,
    total_col: TotalSpec = None,
) -> pd.DataFrame:
    """What an attacker can derive about every suppressed cell of a published table.

    Linear programming over all non-negative tables that agree with the published cells
    and add up to the published totals. Returns one row per ``<NA>`` cell with columns
    ``row``, ``column`` (the Series' name for a Series), ``lower`` and ``upper``
    (``inf`` when unbounded).
    """
    frame, _, problem = _table_problem(protected, total_row, total_col, False)
    solver = _Solver(problem, 1, True)
    S = solver.unknown.copy()
    solver.lb = np.zeros(problem.n)
    records = []
    for i in np.flatnonzero(S):
        upper = solver.upper(i, S)
        c = np.zeros(problem.n)
        c[i] = 1.0
        lower = 0.0
        if len(problem.A):
            lo = np.where(S, 0.0, solver.x0)
            hi = np.where(S, np.inf, solver.x0)
            res = linprog(
                c,
                A_eq=problem.A,
                b_eq=np.zeros(len(problem.A)),
                bounds=np.column_stack([lo, hi]),
                method="highs",
            )
            lower = float(res.fun) if res.status == 0 else 0.0
        r, k = np.unravel_index(i, frame.shape)
        records.append(
            {
                "row": frame.index[r],
                "column": frame.columns[k],
                "lower": round(lower, 9),
                "upper": round(upper, 9) if np.isfinite(upper) else np.inf,
            }
        )
    return pd.DataFrame(records, columns=["row", "column", "lower", "upper"])


# ---------------------------------------------------------------- long tables


def _as_list(columns: str | Sequence[str]) -> list[str]:
    if isinstance(columns, str):
        return [columns]
    return list(columns)


def _total_levels(
    df: pd.DataFrame, keys: Sequence[str], totals: Mapping[str, Hashable] | None
) -> dict[str, Hashable]:
    if totals is not None:
        unknown = set(totals) - set(keys)
        if unknown:
            raise ValueError(f"totals names columns that are not keys: {sorted(unknown)}")
        return dict(totals)
    found: dict[str, Hashable] = {}
    for key in keys:
        levels = pd.unique(df[key].dropna())
        if key.casefold() in SEX_COLUMNS and "T" in set(levels):
            found[key] = "T"
            continue
        hits = [lev for lev in levels if _is_total_label(lev)]
        if len(hits) > 1:
            raise ValueError(
                f"column {key!r} has several total-like levels {hits}; name one with totals="
            )
        if hits:
            found[key] = hits[0]
    return found


def protect_long(
    df: pd.DataFrame,
    count: str = "count",
    *,
    by_rows: str | Sequence[str],
    by_cols: str | Sequence[str] = (),
    threshold: int = DISCLOSURE_THRESHOLD,
    totals: Mapping[str, Hashable] | None = None,
    derived: Sequence[str] = (),
    flag: str | None = "flag",
    protect_missing: bool = True,
    partial_totals: bool = False,
) -> pd.DataFrame:
    """Protect the counts of a tidy (long) table; the other columns are kept.

    ``by_rows`` + ``by_cols`` are the key columns (one row per combination, else
    ValueError); splitting them into rows and columns only mirrors the crosstab one would
    print. ``totals`` maps a key column to its total level; ``None`` finds them: ``"T"`` in a
    column named like :data:`SEX_COLUMNS`, and a level in :data:`TOTAL_LABELS` (``"totalt"``,
    ``"Totalt"``, ...) in any key column. ``{}`` means no totals.

    Each key column with a total level adds the relations "its other levels sum to the
    total level" for every combination of the other keys (``K + M = T`` per category and
    year, age bands sum to ``totalt`` per sex, categories sum to ``Totalt``, ...). Key
    columns without a total (year, region) separate independent tables, each protected
    with :func:`protect_table`'s rule. In each such table, a combination of its levels that
    has no row in ``df`` is unknown to the attacker and, with ``protect_missing``, protected
    like a missing count; a level absent from the whole table is not part of it, so its
    total must add up without it (else ValueError; ``partial_totals=True`` then protects the
    remainder instead).

    Returns a copy of ``df`` (same index and row order) with ``count`` as ``Int64`` and
    suppressed counts ``<NA>``; the ``derived`` columns (rates, intervals, ...) are blanked
    where the count is ``<NA>``; if a ``flag`` column exists it is set to ``"suppressed"``
    where a count was suppressed here.
    """
    threshold = _check_threshold(threshold)
    keys = _as_list(by_rows) + _as_list(by_cols)
    missing = [c for c in [*keys, count, *derived] if c not in df.columns]
    if missing:
        raise ValueError(f"columns not in the table: {missing}")
    if len(set(keys)) != len(keys):
        raise ValueError(f"a key column is given twice: {keys}")
    if df.duplicated(keys).any():
        dup = df.loc[df.duplicated(keys, keep=False), keys].head(4).to_dict("records")
        raise ValueError(
            f"several rows per combination of {keys} (e.g. {dup}); add the column that "
            "tells them apart to by_rows or by_cols"
        )
    if df[keys].isna().any().any():
        raise ValueError(f"the key columns {keys} have missing values")
    counts = _numeric_grid(df[[count]].reset_index(drop=True))[:, 0]
    total_of = _total_levels(df, keys, totals)
    total_dims = [k for k in keys if k in total_of]
    group_dims = [k for k in keys if k not in total_of]
    suppressed = np.isnan(counts) | ((counts >= 1) & (counts < threshold))

    if total_dims and len(df):
        positions = np.arange(len(df))
        if group_dims:
            groups = df.groupby(group_dims, sort=False, dropna=False).indices.values()
        else:
            groups = [positions]
        for rows in groups:
            part = df.iloc[rows]
            levels = [list(pd.unique(part[k])) for k in total_dims]
            shape = tuple(len(lev) for lev in levels)
            codes = [
                pd.Categorical(part[k], categories=lev).codes
                for k, lev in zip(total_dims, levels, strict=True)
            ]
            flat = np.ravel_multi_index(codes, shape)
            grid = np.full(int(np.prod(shape)), np.nan)
            grid[flat] = counts[rows]
            hidden = np.ones(grid.size, bool)
            hidden[flat] = False
            tpos = [
                lev.index(total_of[k]) if total_of[k] in lev else None
                for k, lev in zip(total_dims, levels, strict=True)
            ]
            problem = _grid_problem(
                grid.reshape(shape),
                tpos,
                hidden=hidden.reshape(shape),
                partial_totals=partial_totals,
                labels=levels,
                dim_names=total_dims,
            )
            where = _group_label(part, group_dims)
            try:
                S = _solve_problem(problem, threshold, protect_missing)
            except ValueError as err:
                raise ValueError(f"{where}: {err}") from None
            suppressed[rows] = S[flat]

    out = df.copy()
    new = pd.array(np.where(suppressed, np.nan, counts), dtype="Float64").astype("Int64")
    out[count] = new
    if flag is not None and flag in out.columns:
        newly = suppressed & ~np.isnan(counts)
        out[flag] = out[flag].mask(newly, "suppressed")
    if derived:
        out = suppress_derived_long(out, count=count, columns=derived)
    return out


def _group_label(part: pd.DataFrame, group_dims: Sequence[str]) -> str:
    if not group_dims:
        return "the table"
    first = part.iloc[0]
    values = [first[k].item() if isinstance(first[k], np.generic) else first[k] for k in group_dims]
    return "the table for " + ", ".join(
        f"{k}={v!r}" for k, v in zip(group_dims, values, strict=True)
    )


# ---------------------------------------------------------------- derived values


def small_share(numerator, denominator, threshold: int = DISCLOSURE_THRESHOLD) -> np.ndarray:
    """Where a share of persons must be withheld: the persons with the answer, without it,
    or in all (numerator, denominator − numerator, denominator) are 1..threshold-1.

    A share with its interval gives back numerator and denominator, so either count being
    small discloses a small group. Missing values count as not small.
    """
    num = pd.to_numeric(pd.Series(np.asarray(numerator, dtype="float64")), errors="coerce")
    den = pd.to_numeric(pd.Series(np.asarray(denominator, dtype="float64")), errors="coerce")

    def small(v: pd.Series) -> pd.Series:
        return ((v >= 1) & (v < threshold)).fillna(False)

    return (small(num) | small(den - num) | small(den)).to_numpy(dtype=bool)


def suppress_derived(
    frame: pd.DataFrame | pd.Series, mask: pd.DataFrame | pd.Series
) -> pd.DataFrame | pd.Series:
    """Blank (``<NA>``/NaN) the cells of ``frame`` where ``mask`` is True.

    ``mask`` is a boolean table with the same labels, or a protected count table, whose
    ``<NA>`` cells are then the mask. Labels of ``frame`` that ``mask`` lacks raise
    ValueError rather than being published unchecked.
    """
    columns = [mask[c] for c in mask.columns] if isinstance(mask, pd.DataFrame) else [mask]
    if not all(pd.api.types.is_bool_dtype(c) for c in columns):
        mask = mask.isna()
    if isinstance(frame, pd.DataFrame) != isinstance(mask, pd.DataFrame):
        raise ValueError("frame and mask must both be DataFrames or both Series")
    if not frame.index.isin(mask.index).all() or (
        isinstance(frame, pd.DataFrame) and not frame.columns.isin(mask.columns).all()
    ):
        raise ValueError("the mask does not cover every cell of the frame")
    aligned = mask.reindex_like(frame).fillna(True).astype(bool)
    return frame.mask(aligned)


def protect_rates(
    rates: pd.DataFrame | pd.Series,
    counts: pd.DataFrame | pd.Series,
    threshold: int = DISCLOSURE_THRESHOLD,
    total_row: TotalSpec = None,
    total_col: TotalSpec = None,
    **kwargs,
) -> pd.DataFrame | pd.Series:
    """Rates/proportions of a crosstab, blanked wherever the protected count is suppressed.

    ``counts`` is the count table the rates were computed from (same labels), protected
    or not: it is protected with :func:`protect_table` (which leaves a protected table
    unchanged) and every rate whose count is ``<NA>`` becomes ``<NA>``/NaN.
    """
    protected = protect_table(counts, threshold, total_row, total_col, **kwargs)
    return suppress_derived(rates, protected.isna())


def suppress_derived_long(
    df: pd.DataFrame, count: str = "count", columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """Blank the value columns of a long table in the rows whose ``count`` is ``<NA>``.

    ``columns`` defaults to those of ``value``, ``lower``, ``upper`` that exist (at least
    one must); columns named explicitly must all exist.
    """
    if columns is None:
        columns = [c for c in _DERIVED_DEFAULT if c in df.columns]
        if not columns:
            raise ValueError(f"none of {_DERIVED_DEFAULT} is a column; name them with columns=")
    else:
        columns = _as_list(columns)
        missing = [c for c in [count, *columns] if c not in df.columns]
        if missing:
            raise ValueError(f"columns not in the table: {missing}")
    gone = df[count].isna()
    out = df.copy()
    for column in columns:
        out[column] = out[column].mask(gone)
    return out


# ---------------------------------------------------------------- safety net


def withhold_small(frame: pd.DataFrame, column: str, threshold: int = DISCLOSURE_THRESHOLD):
    """``frame`` with the counts of persons 1..``threshold``-1 in ``column`` withheld
    (``<NA>``, as unknown), for counts typed into a register (an intervention's or an
    activity's reach): every sum of the known values then adds up published values only."""
    values = pd.to_numeric(frame[column], errors="coerce")
    small = ((values >= 1) & (values < threshold)).fillna(False).astype(bool)
    return frame.assign(**{column: frame[column].mask(small)})


def assert_no_small_counts(
    values: pd.DataFrame | pd.Series | Iterable[float] | float,
    threshold: int = DISCLOSURE_THRESHOLD,
    *,
    columns: Sequence[str] | None = None,
    what: str = "the table",
) -> None:
    """Raise :class:`vpanalysis.errors.DisclosureError` if a value is ``1 .. threshold-1``.

    ``values``: a DataFrame (its ``columns``, default every numeric column — name the
    count columns of a long table), a Series, an array or list, or a scalar. Missing
    values pass. Values ``>= 1`` and ``< threshold`` fail.
    """

    threshold = _check_threshold(threshold)
    if isinstance(values, pd.DataFrame):
        if columns is None:
            columns = [
                c
                for c in values.columns
                if pd.api.types.is_numeric_dtype(values[c])
                and not pd.api.types.is_bool_dtype(values[c])
            ]
        stacked = [(c, pd.to_numeric(values[c], errors="coerce")) for c in columns]
    else:
        series = values if isinstance(values, pd.Series) else pd.Series(np.ravel(values))
        stacked = [(None, pd.to_numeric(series, errors="coerce"))]
    found = []
    for column, numbers in stacked:
        small = numbers[(numbers >= 1) & (numbers < threshold)]
        for label, number in small.items():
            found.append(
                f"{number:g} at {label!r}"
                + (f" in column {column!r}" if column is not None else "")
            )
    if found:
        raise DisclosureError(
            f"{what} holds {len(found)} count(s) of persons between 1 and {threshold - 1} "
            f"({'; '.join(found[:5])}); protect it with vpanalysis.disclosure first"
        )
