"""Tests of vpanalysis.disclosure: primary and secondary suppression, checked by an attacker.

The attacker (``attacker_bounds`` below) is formulated here independently of the module:
the unknowns are the suppressed cells, the equations are "the parts of every row/column
sum to its published total", counts are >= 0, and scipy's linprog gives the smallest and
largest value of every unknown.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from vpanalysis import disclosure
from vpanalysis.errors import DisclosureError

# ---------------------------------------------------------------- helpers


def attacker_bounds(
    published: np.ndarray, total_row: int | None, total_col: int | None
) -> dict[tuple[int, int], tuple[float, float]]:
    """Min and max of every NaN cell of a 2-D table given everything else that is shown."""
    published = np.asarray(published, dtype=float)
    unknown = [tuple(map(int, rc)) for rc in np.argwhere(np.isnan(published))]
    if not unknown:
        return {}
    column_of = {cell: k for k, cell in enumerate(unknown)}
    equations: list[tuple[dict[int, float], float]] = []

    def add(cells: list[tuple[int, int]], total: tuple[int, int]) -> None:
        coef: dict[int, float] = {}
        rhs = 0.0
        for cell, sign in [*((c, 1.0) for c in cells), (total, -1.0)]:
            if cell in column_of:
                coef[column_of[cell]] = coef.get(column_of[cell], 0.0) + sign
            else:
                rhs -= sign * published[cell]
        equations.append((coef, rhs))

    n_rows, n_cols = published.shape
    if total_col is not None:
        for r in range(n_rows):
            add([(r, c) for c in range(n_cols) if c != total_col], (r, total_col))
    if total_row is not None:
        for c in range(n_cols):
            add([(r, c) for r in range(n_rows) if r != total_row], (total_row, c))
    if equations:
        A = np.zeros((len(equations), len(unknown)))
        b = np.zeros(len(equations))
        for i, (coef, rhs) in enumerate(equations):
            for k, value in coef.items():
                A[i, k] = value
            b[i] = rhs
    else:
        A = b = None
    out = {}
    for k, cell in enumerate(unknown):
        objective = np.zeros(len(unknown))
        objective[k] = 1.0
        bounds = [(0, None)] * len(unknown)
        low = linprog(objective, A_eq=A, b_eq=b, bounds=bounds, method="highs")
        high = linprog(-objective, A_eq=A, b_eq=b, bounds=bounds, method="highs")
        assert low.status == 0, low.message
        lo = low.fun
        hi = np.inf if high.status == 3 else -high.fun
        out[cell] = (lo, hi)
    return out


def long_attacker_upper(df: pd.DataFrame, dims: list[str], totals: dict[str, str]) -> pd.Series:
    """Max of every missing ``count`` of a long table given the rest and its total levels."""
    shown = df["count"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    unknown = list(np.flatnonzero(np.isnan(shown)))
    column_of = {row: k for k, row in enumerate(unknown)}
    equations = []
    for dim, total in totals.items():
        others = [d for d in dims if d != dim]
        for _, group in df.reset_index(drop=True).groupby(others) if others else [(0, df)]:
            is_total = (group[dim] == total).to_numpy()
            if is_total.sum() != 1:
                continue
            coef, rhs = np.zeros(len(unknown)), 0.0
            for row, sign in zip(group.index, np.where(is_total, -1.0, 1.0), strict=True):
                if row in column_of:
                    coef[column_of[row]] += sign
                else:
                    rhs -= sign * shown[row]
            equations.append((coef, rhs))
    A = np.array([e[0] for e in equations]) if equations else None
    b = np.array([e[1] for e in equations]) if equations else None
    upper = {}
    for k, row in enumerate(unknown):
        objective = np.zeros(len(unknown))
        objective[k] = -1.0
        res = linprog(objective, A_eq=A, b_eq=b, bounds=[(0, None)] * len(unknown), method="highs")
        upper[row] = np.inf if res.status == 3 else -res.fun
    return pd.Series(upper, dtype=float)


def with_totals(interior: np.ndarray, row_at: int | None, col_at: int | None) -> pd.DataFrame:
    """A crosstab with a total row/column inserted at the given positions."""
    interior = np.asarray(interior, dtype=float)
    frame = pd.DataFrame(
        interior,
        index=[f"r{i}" for i in range(interior.shape[0])],
        columns=[f"c{j}" for j in range(interior.shape[1])],
    )
    if col_at is not None:
        frame.insert(col_at, "Totalt", frame.sum(axis=1, skipna=False))
    if row_at is not None:
        total = frame.sum(axis=0, skipna=False).to_frame("Totalt").T
        frame = pd.concat([frame.iloc[:row_at], total, frame.iloc[row_at:]])
    return frame.astype("Int64")


def positions(frame: pd.DataFrame) -> tuple[int | None, int | None]:
    rows = list(frame.index)
    cols = list(frame.columns)
    return (
        rows.index("Totalt") if "Totalt" in rows else None,
        cols.index("Totalt") if "Totalt" in cols else None,
    )


def as_float(frame: pd.DataFrame | pd.Series) -> np.ndarray:
    values = frame.to_frame() if isinstance(frame, pd.Series) else frame
    return values.astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def check_protection(original: pd.DataFrame, protected: pd.DataFrame, threshold: int) -> None:
    """The properties every protected table must have (used by the property tests)."""
    assert protected.index.equals(original.index)
    assert protected.columns.equals(original.columns)
    assert all(str(t) == "Int64" for t in protected.dtypes)
    orig, pub = as_float(original), as_float(protected)
    shown = ~np.isnan(pub)
    # (3) published cells equal the originals
    assert np.array_equal(pub[shown], orig[shown])
    # (1) nothing published in 1..threshold-1; every such original is suppressed
    assert not np.any(shown & (pub >= 1) & (pub < threshold))
    primary = ~np.isnan(orig) & (orig >= 1) & (orig < threshold)
    assert not np.any(primary & shown)
    # zeros are never suppressed (they disclose no person)
    assert not np.any(~shown & (orig == 0))
    # (2) the attacker cannot pin any primary cell down, nor show it is below the threshold
    bounds = attacker_bounds(pub, *positions(original))
    for r, c in np.argwhere(primary):
        lo, hi = bounds[(int(r), int(c))]
        assert lo <= orig[r, c] + 1e-6 <= hi + 2e-6
        assert hi - lo >= 1 - 1e-6, (r, c, lo, hi)
        assert hi >= threshold - 1e-6, (r, c, lo, hi)
    # missing input cells: never narrowed to 1..threshold-1
    for r, c in np.argwhere(np.isnan(orig)):
        lo, hi = bounds[(int(r), int(c))]
        assert hi >= threshold - 1e-6 or hi <= 1e-6
    assert disclosure.is_safe(original, protected, threshold)


# ---------------------------------------------------------------- hand-made tables


def test_one_small_cell_needs_a_rectangle_of_four():
    table = with_totals([[2, 10, 30], [12, 40, 50], [30, 50, 60]], row_at=3, col_at=3)
    protected = disclosure.protect_table(table, threshold=5)
    suppressed = {(r, c) for r, c in zip(*np.nonzero(protected.isna().to_numpy()), strict=True)}
    # the small cell, the smallest cell of its row and of its column, the corner that closes
    assert suppressed == {(0, 0), (0, 1), (1, 0), (1, 1)}
    assert protected.loc["Totalt"].notna().all()
    assert protected["Totalt"].notna().all()
    bounds = attacker_bounds(as_float(protected), 3, 3)
    assert bounds[(0, 0)] == pytest.approx((0.0, 12.0))
    check_protection(table, protected, 5)


def test_no_lone_suppressed_cell_is_not_enough():
    # suppressing the rectangle (r0, c0), (r0, c1), (r1, c0), (r1, c1) leaves no row or
    # column with a single suppressed cell, yet (r0, c0) can only grow by taking from
    # (r0, c1) = 1: the attacker learns (r0, c0) <= 2. The LP check must add more.
    table = with_totals([[1, 1, 20], [20, 20, 20], [20, 20, 20]], row_at=3, col_at=3)
    naive = table.astype("Float64")
    naive.iloc[:2, :2] = np.nan
    assert attacker_bounds(as_float(naive), 3, 3)[(0, 0)][1] == pytest.approx(2.0)
    protected = disclosure.protect_table(table)
    check_protection(table, protected, 5)
    assert protected.isna().sum().sum() > 4


def test_zero_cells_are_published_and_tables_without_small_counts_untouched():
    table = with_totals([[0, 0, 7], [0, 12, 9], [5, 0, 0]], row_at=3, col_at=3)
    protected = disclosure.protect_table(table)
    assert protected.equals(table)
    table = with_totals([[0, 3, 7], [0, 12, 9], [0, 8, 20]], row_at=3, col_at=3)
    protected = disclosure.protect_table(table)
    assert (protected["c0"] == 0).all()
    check_protection(table, protected, 5)


def test_small_totals_are_suppressed_and_protected():
    table = with_totals([[2, 1, 0], [10, 20, 30], [7, 9, 11]], row_at=3, col_at=3)
    assert table.loc["r0", "Totalt"] == 3
    protected = disclosure.protect_table(table)
    assert pd.isna(protected.loc["r0", "Totalt"])
    check_protection(table, protected, 5)
    # the grand total is published unless it is small itself
    assert protected.loc["Totalt", "Totalt"] == table.loc["Totalt", "Totalt"]
    tiny = with_totals([[1, 0], [0, 2]], row_at=2, col_at=2)
    assert disclosure.protect_table(tiny).isna().sum().sum() == 7  # all but the two zeros


def test_one_dimensional_tables():
    series = pd.Series({"K": 2, "M": 10, "T": 12}, name="antal")
    protected = disclosure.protect_table(series, total_row="T")
    assert isinstance(protected, pd.Series)
    assert protected.name == "antal"
    assert str(protected.dtype) == "Int64"
    assert protected.isna().tolist() == [True, True, False]
    assert protected["T"] == 12
    # a small total is suppressed, the zero stays
    out = disclosure.protect_table(pd.Series({"K": 3, "M": 0, "Totalt": 3}))
    assert out.isna().tolist() == [True, False, True]
    assert out["M"] == 0
    # a single-row frame with a total column
    row = pd.DataFrame({"a": [4], "b": [0], "c": [9], "Summa": [13]}, index=["2024"])
    out = disclosure.protect_table(row)
    assert out.isna().to_numpy().tolist() == [[True, False, True, False]]
    check_protection(row.astype("Int64"), out, 5)


def test_without_totals_only_small_counts_are_suppressed():
    table = pd.DataFrame({"a": [1, 10], "b": [6, 4]}, index=["x", "y"])
    out = disclosure.protect_table(table)
    assert out.isna().to_numpy().tolist() == [[True, False], [False, True]]


def test_total_detection():
    table = pd.DataFrame(
        {"a": [3, 10, 13], "b": [12, 10, 22], " summa ": [15, 20, 35]},
        index=["x", "y", "TOTAL"],
    )
    auto = disclosure.protect_table(table)
    named = disclosure.protect_table(table, total_row="TOTAL", total_col=" summa ")
    assert auto.equals(named)
    assert auto.loc["TOTAL"].notna().all()
    assert auto.isna().sum().sum() == 4
    # False: no totals at all, only the small count goes
    plain = disclosure.protect_table(table, total_row=False, total_col=False)
    assert plain.isna().sum().sum() == 1
    with pytest.raises(ValueError, match="total row"):
        disclosure.protect_table(table, total_row="Riket")
    twice = pd.DataFrame({"a": [1, 1, 1]}, index=["x", "Totalt", "Summa"])
    with pytest.raises(ValueError, match="several"):
        disclosure.protect_table(twice)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="do not add up"):
        disclosure.protect_table(pd.Series({"K": 10, "M": 12, "T": 30}), total_row="T")
    with pytest.raises(ValueError, match="whole numbers"):
        disclosure.protect_table(pd.Series({"K": -1, "M": 12}))
    with pytest.raises(ValueError, match="whole numbers"):
        disclosure.protect_table(pd.Series({"K": 2.5, "M": 12}))
    with pytest.raises(ValueError, match="threshold"):
        disclosure.protect_table(pd.Series({"K": 2}), threshold=0)


def test_partial_totals_protect_the_unallocated_part():
    # T includes one person of unknown sex: publishing K, M and T would disclose it
    series = pd.Series({"K": 10, "M": 12, "T": 23})
    out = disclosure.protect_table(series, total_row="T", partial_totals=True)
    assert out.isna().sum() >= 1
    # the attacker's view: K + M + unknown sex = T, all >= 0
    view = pd.concat([out.astype("Float64"), pd.Series({"?": np.nan})])
    bounds = attacker_bounds(as_float(view), 2, None)
    assert bounds[(3, 0)][1] >= 5
    fine = pd.Series({"K": 10, "M": 12, "T": 30})
    assert disclosure.protect_table(fine, total_row="T", partial_totals=True).equals(
        fine.astype("Int64")
    )
    with pytest.raises(ValueError, match="more than"):
        disclosure.protect_table(
            pd.Series({"K": 10, "M": 32, "T": 30}), total_row="T", partial_totals=True
        )


def test_missing_input_cells_are_protected_like_small_counts():
    # the source blanked a 3; without care the published total would give it away
    table = pd.DataFrame(
        {"a": [pd.NA, 7], "b": [10, 8], "c": [12, 9], "Totalt": [25, 24]},
        index=["x", "y"],
    ).astype("Int64")
    out = disclosure.protect_table(table)
    assert pd.isna(out.loc["x", "a"])
    lo, hi = attacker_bounds(as_float(out), None, 3)[(0, 0)]
    assert hi >= 5
    # with protect_missing=False a missing cell is merely unknown
    out = disclosure.protect_table(table, protect_missing=False)
    assert out.isna().sum().sum() == 1


def test_missing_cell_that_is_provably_zero_stays_protected():
    # (r0, c1) is missing but provably 0 at first; suppressing for (r2, c3) and others
    # opens it up, and it must then be protected like a small count (a regression)
    table = pd.DataFrame(
        [
            [10, 18, 93, 18, 38, None],
            [0, None, 1, 3, 12, None],
            [0, 4, 40, 5, 7, 56],
            [7, None, 5, 1, 7, 23],
            [2, None, 7, 2, 12, 27],
            [1, 7, 40, 7, 0, None],
        ],
        index=["Totalt", "r0", "r1", "r2", "r3", "r4"],
        columns=["c0", "c1", "c2", "c3", "c4", "Totalt"],
    ).astype("Int64")
    protected = disclosure.protect_table(table, threshold=3)
    check_protection(table, protected, 3)


def test_protecting_twice_changes_nothing():
    table = with_totals([[1, 20, 3], [20, 0, 20], [4, 20, 8]], row_at=3, col_at=3)
    once = disclosure.protect_table(table)
    assert disclosure.protect_table(once).equals(once)


def test_is_safe_detects_unsafe_publications():
    table = with_totals([[2, 10, 30], [12, 40, 50], [30, 50, 60]], row_at=3, col_at=3)
    primary_only = table.mask((table >= 1) & (table < 5))
    assert not disclosure.is_safe(table, primary_only)
    protected = disclosure.protect_table(table)
    assert disclosure.is_safe(table, protected)
    tampered = protected.copy()
    tampered.loc["r2", "c2"] = 61
    assert not disclosure.is_safe(table, tampered)
    shown_small = table.copy()
    assert not disclosure.is_safe(table, shown_small)
    with pytest.raises(ValueError):
        disclosure.is_safe(table, protected.iloc[:2])


def test_attacker_intervals_report_what_can_be_derived():
    table = with_totals([[2, 10, 30], [12, 40, 50], [30, 50, 60]], row_at=3, col_at=3)
    intervals = disclosure.attacker_intervals(disclosure.protect_table(table))
    assert list(intervals.columns) == ["row", "column", "lower", "upper"]
    first = intervals.set_index(["row", "column"]).loc[("r0", "c0")]
    assert (first["lower"], first["upper"]) == (0.0, 12.0)


# ---------------------------------------------------------------- derived values


def test_rates_of_suppressed_counts_are_suppressed():
    counts = with_totals([[2, 10, 30], [12, 40, 50], [30, 50, 60]], row_at=3, col_at=3)
    population = counts * 0 + 1000
    rates = counts.astype("float64") / population.astype("float64") * 100_000
    out = disclosure.protect_rates(rates, counts)
    protected = disclosure.protect_table(counts)
    assert out.isna().equals(protected.isna())
    assert out.loc["r2", "c2"] == rates.loc["r2", "c2"]
    # a count table that is already protected serves as the mask as it is
    assert disclosure.suppress_derived(rates, protected).isna().equals(protected.isna())
    assert disclosure.suppress_derived(rates, protected.isna()).equals(out)
    with pytest.raises(ValueError, match="cover"):
        disclosure.suppress_derived(rates, protected.isna().iloc[:2])
    series = pd.Series({"K": 2, "M": 10, "T": 12})
    share = series / 12
    assert disclosure.protect_rates(share, series, total_row="T").isna().tolist() == [
        True,
        True,
        False,
    ]


def test_long_format_derived_columns_follow_the_count():
    df = pd.DataFrame(
        {
            "year": [2023, 2024, 2025],
            "count": pd.array([None, 7, None], dtype="Int64"),
            "value": [1.5, 2.5, 3.5],
            "lower": [0.5, 1.5, 2.5],
            "upper": [2.5, 3.5, 4.5],
            "population": [1000, 1000, 1000],
        }
    )
    out = disclosure.suppress_derived_long(df)
    assert out[["value", "lower", "upper"]].isna().sum().tolist() == [2, 2, 2]
    assert out["population"].tolist() == [1000, 1000, 1000]
    assert out.loc[1, "value"] == 2.5
    only = disclosure.suppress_derived_long(df, columns=["value"])
    assert only["lower"].notna().all()
    with pytest.raises(ValueError):
        disclosure.suppress_derived_long(df, columns=["rate"])


# ---------------------------------------------------------------- long tables


def tidy_sex_table(values: dict[tuple[str, int], tuple[int, int]]) -> pd.DataFrame:
    rows = []
    for (category, year), (k, m) in values.items():
        for sex, n in (("K", k), ("M", m), ("T", k + m)):
            rows.append(
                {"category": category, "year": year, "sex": sex, "age_group": "totalt", "count": n}
            )
    df = pd.DataFrame(rows)
    df["count"] = df["count"].astype("Int64")
    df["flag"] = ""
    df["value"] = df["count"].astype("float64") / 10
    return df


def test_protect_long_with_k_m_t_rows():
    df = tidy_sex_table({("a", 2023): (2, 10), ("a", 2024): (10, 12), ("b", 2023): (3, 0)})
    out = disclosure.protect_long(
        df, by_rows=["category", "year"], by_cols="sex", derived=["value"]
    )
    assert out.index.equals(df.index)
    assert list(out.columns) == list(df.columns)
    shown = out.set_index(["category", "year", "sex"])["count"]
    # K = 2 needs M suppressed too (T is published); 2024 is untouched
    assert pd.isna(shown[("a", 2023, "K")]) and pd.isna(shown[("a", 2023, "M")])
    assert shown[("a", 2023, "T")] == 12
    assert shown[("a", 2024)].tolist() == [10, 12, 22]
    # K = 3, M = 0, T = 3: the small total goes too, the zero stays
    assert pd.isna(shown[("b", 2023, "K")]) and pd.isna(shown[("b", 2023, "T")])
    assert shown[("b", 2023, "M")] == 0
    assert (out["flag"] == "suppressed").tolist() == out["count"].isna().tolist()
    assert out["value"].isna().tolist() == out["count"].isna().tolist()
    assert df["count"].notna().all()  # the input is not modified


def test_protect_long_matches_protect_table_on_the_crosstab():
    table = with_totals([[2, 10, 30], [12, 40, 50], [30, 50, 60]], row_at=3, col_at=3)
    long = table.rename_axis(index="category", columns="age_group").stack().rename("count")
    long = long.reset_index()
    out = disclosure.protect_long(long, by_rows="category", by_cols="age_group")
    back = out.pivot(index="category", columns="age_group", values="count")
    expected = disclosure.protect_table(table)
    assert back.loc[table.index, table.columns].equals(
        expected.rename_axis(index="category", columns="age_group")
    )


def test_protect_long_three_dimensions_with_totals():
    rng = np.random.default_rng(7)
    rows = []
    categories, ages = ["a", "b", "c"], ["0-17", "18-64", "65+"]
    cube = rng.choice([0, 1, 2, 6, 15, 30], size=(3, 3, 2))
    for i, category in enumerate([*categories, "Totalt"]):
        for j, age in enumerate([*ages, "totalt"]):
            for s, sex in enumerate(["K", "M", "T"]):
                ci = slice(None) if i == 3 else i
                aj = slice(None) if j == 3 else j
                ss = slice(None) if s == 2 else s
                rows.append((category, age, sex, int(cube[ci, aj, ss].sum())))
    df = pd.DataFrame(rows, columns=["category", "age_group", "sex", "count"])
    out = disclosure.protect_long(df, by_rows=["category", "age_group"], by_cols="sex")
    counts = out["count"]
    assert not ((counts >= 1) & (counts < 5)).any()
    assert counts.isna().sum() >= ((df["count"] >= 1) & (df["count"] < 5)).sum()
    # the attacker who knows all three sets of relations cannot show a small count
    upper = long_attacker_upper(
        out,
        ["category", "age_group", "sex"],
        {"category": "Totalt", "age_group": "totalt", "sex": "T"},
    )
    primary = np.flatnonzero(((df["count"] >= 1) & (df["count"] < 5)).to_numpy())
    assert len(primary) > 3
    assert all(upper[row] >= 5 - 1e-6 for row in primary)


def test_protect_long_absent_rows_are_unknown_and_protected():
    # the source left out (a, M) = 2 persons; K and T of a, or M of b and of Totalt,
    # would give it away
    df = tidy_sex_table({("a", 2023): (10, 2), ("b", 2023): (10, 12), ("Totalt", 2023): (20, 14)})
    absent = (df["category"] == "a") & (df["sex"] == "M")
    out = disclosure.protect_long(df[~absent], by_rows=["category", "year"], by_cols="sex")
    assert out.index.equals(df.index[~absent])
    # an absent row is the same as a missing count
    as_missing = disclosure.protect_long(
        df.assign(count=df["count"].mask(absent)), by_rows=["category", "year"], by_cols="sex"
    )
    assert as_missing["count"][~absent].equals(out["count"])
    upper = long_attacker_upper(
        as_missing.reset_index(drop=True), ["category", "sex"], {"category": "Totalt", "sex": "T"}
    )
    assert upper[int(np.flatnonzero(absent)[0])] >= 5
    kept = disclosure.protect_long(
        df[~absent], by_rows=["category", "year"], by_cols="sex", protect_missing=False
    )
    assert kept["count"].notna().all()
    # a level missing from a whole table: its total does not add up without it
    alone = tidy_sex_table({("a", 2023): (10, 2)})
    alone = alone[alone["sex"] != "M"]
    with pytest.raises(ValueError, match="category='a', year=2023.*do not add up"):
        disclosure.protect_long(alone, by_rows=["category", "year"], by_cols="sex")
    # ... unless totals may exceed their parts: the remainder (2) is then protected
    out = disclosure.protect_long(
        alone, by_rows=["category", "year"], by_cols="sex", partial_totals=True
    )
    # K + remainder = 12: hiding K (10) leaves the remainder anywhere in 0..11
    assert out["count"].isna().tolist() == [True, False]


def test_protect_long_refuses_duplicate_keys():
    df = tidy_sex_table({("a", 2023): (2, 10), ("a", 2024): (8, 10)})
    with pytest.raises(ValueError, match="several rows"):
        disclosure.protect_long(df, by_rows="category", by_cols="sex")


# ---------------------------------------------------------------- safety net


def test_assert_no_small_counts():
    disclosure.assert_no_small_counts(pd.Series([0, 5, None, 120], dtype="Int64"))
    disclosure.assert_no_small_counts([0, 7, float("nan")], threshold=5)
    with pytest.raises(DisclosureError, match="between 1 and 4"):
        disclosure.assert_no_small_counts(pd.DataFrame({"a": [0, 3], "b": [9, 9]}))
    with pytest.raises(DisclosureError):
        disclosure.assert_no_small_counts(2)
    long = pd.DataFrame({"year": [2024, 2025], "count": [10, 2], "rate": [1.5, 2.5]})
    with pytest.raises(DisclosureError, match="'count'"):
        disclosure.assert_no_small_counts(long, columns=["count"])
    disclosure.assert_no_small_counts(long, 2, columns=["count"])
    table = with_totals([[1, 20, 3], [20, 0, 20], [4, 20, 8]], row_at=3, col_at=3)
    disclosure.assert_no_small_counts(disclosure.protect_table(table))


# ---------------------------------------------------------------- properties

small_heavy = st.one_of(
    st.just(0), st.integers(1, 4), st.integers(1, 4), st.integers(5, 12), st.integers(13, 60)
)


@st.composite
def crosstabs(draw, missing: bool = False):
    n_rows = draw(st.integers(1, 6))
    n_cols = draw(st.integers(1, 6))
    interior = np.array(
        draw(
            st.lists(
                st.lists(small_heavy, min_size=n_cols, max_size=n_cols),
                min_size=n_rows,
                max_size=n_rows,
            )
        ),
        dtype=float,
    )
    row_at = draw(st.one_of(st.none(), st.integers(0, n_rows)))
    col_at = draw(st.one_of(st.none(), st.integers(0, n_cols)))
    table = with_totals(interior, row_at, col_at)
    if missing:
        sometimes = st.sampled_from([False, False, False, True])
        n_rows, n_cols = table.shape
        mask = draw(
            st.lists(
                st.lists(sometimes, min_size=n_cols, max_size=n_cols),
                min_size=n_rows,
                max_size=n_rows,
            )
        )
        table = table.mask(np.array(mask))
    threshold = draw(st.sampled_from([3, 5, 5, 10]))
    return table, threshold


FAST = settings(
    deadline=None,
    max_examples=120,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FAST
@given(crosstabs())
def test_property_random_tables_are_protected(case):
    table, threshold = case
    protected = disclosure.protect_table(table, threshold=threshold)
    check_protection(table, protected, threshold)
    if table.shape[1] == 1:  # the same as a 1-D Series
        series = disclosure.protect_table(table.iloc[:, 0], threshold=threshold)
        assert series.equals(protected.iloc[:, 0])


@settings(deadline=None, max_examples=80, suppress_health_check=[HealthCheck.too_slow])
@given(crosstabs(missing=True))
def test_property_tables_with_missing_cells(case):
    table, threshold = case
    protected = disclosure.protect_table(table, threshold=threshold)
    assert protected[table.isna()].isna().all().all()
    check_protection(table, protected, threshold)


@settings(deadline=None, max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(crosstabs(missing=True))
def test_property_without_highs_objects_the_same_rule(case):
    """scipy without HiGHS' own object: every LP through linprog, the same guarantee."""
    table, threshold = case
    saved = disclosure._highs
    disclosure._highs = None
    try:
        protected = disclosure.protect_table(table, threshold=threshold)
    finally:
        disclosure._highs = saved
    check_protection(table, protected, threshold)


@settings(deadline=None, max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(crosstabs(missing=True))
def test_property_large_blocks_use_the_whole_model(case):
    """With no block small enough for an LP of its own (and pruning through the whole
    model), the result is protected all the same."""
    table, threshold = case
    saved = disclosure._BLOCK_LIMIT, disclosure._PRUNE_LARGE
    disclosure._BLOCK_LIMIT, disclosure._PRUNE_LARGE = 0, True
    try:
        protected = disclosure.protect_table(table, threshold=threshold)
    finally:
        disclosure._BLOCK_LIMIT, disclosure._PRUNE_LARGE = saved
    check_protection(table, protected, threshold)


def test_sparse_and_dense_relations_give_the_same_suppression():
    from scipy.sparse import csr_matrix

    grid = np.array([[3, 9, 12, 24], [8, 2, 7, 17], [11, 11, 19, 41]], dtype=float)
    dense = disclosure._grid_problem(grid, [2, 3])
    sparse = disclosure._grid_problem(grid, [2, 3])
    sparse.A = csr_matrix(sparse.A)
    one = disclosure._solve_problem(dense, 5, True)
    other = disclosure._solve_problem(sparse, 5, True)
    assert one.tolist() == other.tolist()
    assert one.sum() >= 4


def test_a_wrong_witness_is_caught():
    """The final check does not trust the witnesses: a corrupted one is re-solved and a
    cell that is then not protected raises."""
    grid = np.array([[3, 9, 12], [8, 9, 17], [11, 18, 29]], dtype=float)
    solver = disclosure._Solver(disclosure._grid_problem(grid, [2, 2]), 5, True)
    S = solver.solve()
    target = int(np.flatnonzero(solver.targets)[0])
    idx, vals = solver.witness[target]
    solver.witness[target] = (idx, vals * 0.5)  # no longer a consistent table
    solver._verify(S, set())  # re-solved: still protected
    S[:] = solver.initial  # only the small count withheld
    with pytest.raises(RuntimeError, match="secondary suppression failed"):
        solver._verify(S, set())


@settings(deadline=None, max_examples=30, suppress_health_check=[HealthCheck.too_slow])
@given(crosstabs())
def test_property_protection_is_idempotent(case):
    table, threshold = case
    once = disclosure.protect_table(table, threshold=threshold)
    assert disclosure.protect_table(once, threshold=threshold).equals(once)


@settings(deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.tuples(st.sampled_from("abc"), st.integers(2020, 2022)),
        st.tuples(small_heavy, small_heavy),
        min_size=1,
        max_size=6,
    )
)
def test_property_long_sex_tables(values):
    df = tidy_sex_table(values)
    out = disclosure.protect_long(df, by_rows=["category", "year"], by_cols="sex")
    assert out.index.equals(df.index)
    shown = out["count"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    assert np.array_equal(
        shown[~np.isnan(shown)], df["count"].to_numpy(dtype=float)[~np.isnan(shown)]
    )
    upper = long_attacker_upper(out, ["category", "year", "sex"], {"sex": "T"})
    for row, v in enumerate(df["count"]):
        if 1 <= v < 5:
            assert upper[row] >= 5 - 1e-6


def test_small_share_withholds_small_groups_on_either_side():
    from vpanalysis.disclosure import small_share

    numerators = [0, 3, 10, 296, 5, 2, None]
    denominators = [300, 300, 300, 300, 5, 4, 300]
    assert small_share(numerators, denominators, 5).tolist() == [
        False,  # nobody answered yes: publishable
        True,  # 3 pupils
        False,
        True,  # 4 pupils did not answer yes
        False,  # all 5 answered yes: 0 without, 5 with
        True,  # 4 in all
        False,  # missing counts are not small
    ]
