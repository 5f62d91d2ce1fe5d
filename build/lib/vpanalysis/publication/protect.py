"""Joint secondary suppression of a publication's cells.

The rule is :mod:`vpanalysis.disclosure`'s: every count 1..threshold-1 (hidden cells such as
the pupils who said no included) is withheld, and enough other cells with it that an
attacker who knows every published cell and every relation of :mod:`.cells` cannot bound
it below the threshold (its linear-programming upper bound is at least the threshold);
missing input is protected likewise (``protect_missing``). The relation graph is split
into its connected components (:func:`components`), each solved with
:class:`JointSolver`, :class:`vpanalysis.disclosure._Solver` with sparse relations and
*local* linear programmes: with the published cells fixed, a cell's bound depends only on
the withheld cells it is linked to through relations, so each bound is an LP over those
alone, and each cheap-cycle search looks in the cell's neighbourhood first.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, csc_matrix, csr_matrix, hstack
from scipy.sparse.csgraph import connected_components

from vpanalysis import disclosure
from vpanalysis.publication.cells import RESPONDENTS, Cells

#: Cost of withholding a cell, per relation in which it is the total.
TOTAL_COST = 10.0
#: Cost of withholding a respondent count (below any share's counts).
RESPONDENTS_COST = 0.1
_EPS = 1e-6
#: Relation hops around a cell searched first for cells to withhold with it.
NEIGHBOURHOOD = 2
#: A secondary cell linked to more withheld targets than this is not tried again.
PRUNE_LIMIT = 40


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


class JointSolver(disclosure._Solver):
    """:class:`vpanalysis.disclosure._Solver` for a large sparse problem (``problem.A`` a
    :class:`scipy.sparse.csr_matrix`), with the same rule and greedy algorithm."""

    def __init__(self, problem: disclosure._Problem, threshold: int, protect_missing: bool):
        self.csr = csr_matrix(problem.A)
        self.csc = csc_matrix(problem.A)
        self._cache: dict[tuple[int, bytes], float] = {}
        self._adjacency()
        super().__init__(problem, threshold, protect_missing)

    # -- structure (adjacency lists: sparse fancy indexing is slow for small look-ups)
    def _adjacency(self) -> None:
        csc, csr = self.csc, self.csr
        self._c2r = [
            csc.indices[csc.indptr[j] : csc.indptr[j + 1]].tolist() for j in range(csc.shape[1])
        ]
        self._r2c = [
            csr.indices[csr.indptr[r] : csr.indptr[r + 1]].tolist() for r in range(csr.shape[0])
        ]

    def _relations_of(self, cells) -> np.ndarray:
        out: set[int] = set()
        for c in cells:
            out.update(self._c2r[int(c)])
        return np.asarray(sorted(out), dtype=np.int64)

    def _cells_of(self, relations) -> np.ndarray:
        out: set[int] = set()
        for r in relations:
            out.update(self._r2c[int(r)])
        return np.asarray(sorted(out), dtype=np.int64)

    def _reach(self, i: int, S: np.ndarray) -> np.ndarray:
        """The unpublished cells linked to ``i`` through relations over unpublished cells."""
        seen = {int(i)}
        frontier = [int(i)]
        done_rel: set[int] = set()
        while frontier:
            nxt = []
            for c in frontier:
                for r in self._c2r[c]:
                    if r in done_rel:
                        continue
                    done_rel.add(r)
                    for d in self._r2c[r]:
                        if S[d] and d not in seen:
                            seen.add(d)
                            nxt.append(d)
            frontier = nxt
        return np.asarray(sorted(seen), dtype=np.int64)

    # -- a feasible completion of the unknown cells
    def _baseline(self, known: np.ndarray) -> np.ndarray:
        if not self.unknown.any():
            resid = self.csr @ known
            bad = np.flatnonzero(np.abs(resid) > _EPS)
            if len(bad):
                names = [self.p.relation_names[i] for i in bad[:5]]
                raise ValueError(f"the totals do not add up: {'; '.join(names)}")
            return known
        lo = np.where(self.unknown, 0.0, known)
        hi = np.where(self.unknown, np.inf, known)
        res = linprog(
            np.zeros(self.p.n),
            A_eq=self.csr,
            b_eq=np.zeros(self.csr.shape[0]),
            bounds=np.column_stack([lo, hi]),
            method="highs",
        )
        if res.status != 0:
            raise ValueError(
                "the totals do not add up: no non-negative values of the missing cells "
                "make every total equal the sum of its parts"
            )
        return np.where(self.unknown, np.maximum(res.x, 0.0), known)

    # -- the attacker's upper bound: an LP over the unpublished cells linked to i
    def upper(self, i: int, S: np.ndarray) -> float:
        if not self._c2r[int(i)]:
            return np.inf
        var = self._reach(i, S)
        key = (int(i), var.tobytes())
        if key not in self._cache:
            self._cache[key] = self._upper(i, var, S)
        return self._cache[key]

    def _upper(self, i: int, var: np.ndarray, S: np.ndarray) -> float:
        rel = self._relations_of(var)
        block = self.csr[rel]
        fixed = ~S
        rhs = -(block[:, fixed] @ self.x0[fixed]) if fixed.any() else np.zeros(len(rel))
        A = block[:, var]
        c = np.zeros(len(var))
        c[np.searchsorted(var, i)] = -1.0
        res = linprog(
            c,
            A_eq=A,
            b_eq=rhs,
            bounds=np.column_stack([self.lb[var], np.full(len(var), np.inf)]),
            method="highs",
        )
        if res.status == 3:
            return np.inf
        if res.status != 0:  # pragma: no cover - the data are feasible
            raise RuntimeError(f"disclosure LP failed: {res.message}")
        return -float(res.fun)

    def _batch(self, targets, var: np.ndarray, S: np.ndarray) -> np.ndarray:
        """Which ``targets`` (sorted cell indices within ``var``, the unpublished cells
        considered) are shown protected by one LP: a single feasible completion in which
        each reaches the threshold (maximise the sum of ``min(x_i, threshold)``). Sufficient,
        not necessary: the others need their own bound."""
        targets = np.asarray(targets, dtype=np.int64)
        if not len(targets) or not len(var):
            return np.zeros(len(targets), bool)
        rel = self._relations_of(var)
        block = self.csr[rel]
        fixed = ~S
        rhs = -(block[:, fixed] @ self.x0[fixed]) if fixed.any() else np.zeros(len(rel))
        k, m = len(var), len(targets)
        pos = np.searchsorted(var, targets)
        # variables: x (k), z (m); z_j - x_pos(j) <= 0, z_j <= t
        A_eq = hstack([block[:, var], csr_matrix((len(rel), m))]).tocsr()
        A_ub = csr_matrix(
            (
                np.concatenate([np.ones(m), -np.ones(m)]),
                (
                    np.concatenate([np.arange(m), np.arange(m)]),
                    np.concatenate([k + np.arange(m), pos]),
                ),
            ),
            shape=(m, k + m),
        )
        c = np.concatenate([np.zeros(k), -np.ones(m)])
        bounds = np.column_stack(
            [
                np.concatenate([self.lb[var], np.zeros(m)]),
                np.concatenate([np.full(k, np.inf), np.full(m, self.t)]),
            ]
        )
        res = linprog(
            c, A_ub=A_ub, b_ub=np.zeros(m), A_eq=A_eq, b_eq=rhs, bounds=bounds, method="highs"
        )
        if res.status != 0:
            return np.zeros(m, bool)
        return res.x[k:] >= self.t - 1e-4

    def _failing(self, targets, S: np.ndarray) -> list[int]:
        """The ``targets`` not protected under ``S``: one joint LP, then single bounds."""
        targets = [int(i) for i in targets]
        if not targets:
            return []
        var = np.flatnonzero(S)
        ok = self._batch(sorted(targets), var, S)
        shown = {j for j, good in zip(sorted(targets), ok, strict=True) if good}
        return [i for i in targets if i not in shown and not self.protected(i, S)]

    # -- cheap cells to withhold with i: a flow through its neighbourhood, then everywhere
    def extra_cells(self, i: int, S: np.ndarray) -> np.ndarray | None:
        area = {int(i)} | set(map(int, self._reach(i, S)))
        for _ in range(NEIGHBOURHOOD):
            area |= set(map(int, self._cells_of(self._relations_of(area))))
        for cells in (np.asarray(sorted(area)), None):
            found = self._flow(i, S, cells)
            if found is not None:
                trial = S.copy()
                trial[found] = True
                if self.protected(i, trial):
                    return found
            if cells is not None and len(cells) == self.p.n:
                break
        return None

    def _flow(self, i: int, S: np.ndarray, cells: np.ndarray | None) -> np.ndarray | None:
        p = self.p
        if cells is None:
            cells = np.arange(p.n)
            rel = np.arange(self.csr.shape[0])
        else:
            rel = self._relations_of(cells)
        A = self.csr[rel][:, cells]
        k = len(cells)
        Sc, x0, lb, cost = S[cells], self.x0[cells], self.lb[cells], p.cost[cells]
        cand = ~Sc & (x0 >= 1) & np.isfinite(cost)
        here = int(np.searchsorted(cells, i))
        need = self.t - self.x0[i]
        up_hi = np.where(Sc | cand, np.inf, 0.0)
        down_hi = np.where(Sc, x0 - lb, np.where(cand, x0 - 1.0, 0.0))
        up_lo = np.zeros(k)
        up_lo[here] = need
        down_hi[here] = 0.0
        w = np.where(cand, cost / max(need, 1.0), 1e-6)
        res = linprog(
            np.concatenate([w, w]),
            A_eq=hstack([A, -A]).tocsr(),
            b_eq=np.zeros(len(rel)),
            bounds=np.column_stack(
                [np.concatenate([up_lo, np.zeros(k)]), np.concatenate([up_hi, down_hi])]
            ),
            method="highs",
        )
        if res.status != 0:
            return None
        moved = res.x[:k] + res.x[k:]
        return cells[cand & (moved > _EPS)]

    def _extra_or_all(self, i: int, S: np.ndarray) -> np.ndarray:
        extra = self.extra_cells(i, S)
        if extra is not None:
            return extra
        return np.flatnonzero(~S & (self.x0 >= 1) & np.isfinite(self.p.cost))

    def solve(self) -> np.ndarray:
        S = self.initial.copy()
        if not self.targets.any() or not self.csr.shape[0]:
            return S
        order = sorted(np.flatnonzero(self.targets), key=lambda i: (self.x0[i], i))
        for _ in range(len(order) + 1):
            failing = self._failing(order, S)
            if not failing:
                break
            for i in failing:
                if not self.protected(i, S):
                    S[self._extra_or_all(i, S)] = True
        S = self._prune(S)
        failing = self._failing(order, S)
        if failing:  # pragma: no cover - defensive
            raise RuntimeError(
                "secondary suppression failed for "
                + ", ".join(self.p.cell_names[i] for i in failing[:5])
            )
        return S

    def _prune(self, S: np.ndarray) -> np.ndarray:
        """Publish again every secondary cell whose suppression is not needed; only the
        targets linked to it through unpublished cells can lose protection."""
        secondary = np.flatnonzero(S & ~self.initial)
        for c in sorted(secondary, key=lambda j: (-self.p.cost[j], -j)):
            linked = self._reach(c, S)
            affected = [j for j in linked if self.targets[j]]
            if len(affected) > PRUNE_LIMIT:
                continue  # too costly to check: stays withheld (safe, maybe more than needed)
            S[c] = False
            if self._failing(affected, S):
                S[c] = True
        return S


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
        names = frame.iloc[members][fields].astype(str).agg("/".join, axis=1).tolist()
        problem = disclosure._Problem(
            values=values,
            A=A[rel][:, members],
            cost=cost,
            hidden=hidden[members].copy(),
            relation_names=[f"relation {r}" for r in rel],
            cell_names=names,
        )
        S = JointSolver(problem, threshold, protect_missing=True).solve()
        out[members] |= S
    return out
