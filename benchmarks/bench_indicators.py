"""Benchmark: vectorised rates with confidence limits against a row-by-row baseline.

Run with ``.venv/bin/python benchmarks/bench_indicators.py``. Builds a synthetic
national-size table (290 municipalities x 20 years x 40 categories, seeded), computes
crude rates with 95 % limits (exact under 10 events, Byar's from 10) with
:func:`vpanalysis.indicators.rate` and with a ``DataFrame.apply`` that does the same
per row with scipy scalars, checks they agree, and prints ``name: value`` lines.
Targets: engine under 1 s and at least 100 times faster than the baseline.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
from scipy import stats

from vpanalysis.indicators import rate

N_MUNICIPALITIES = 290
N_YEARS = 20
N_CATEGORIES = 40
PER = 100_000
CONFIDENCE = 0.95
SEED = 2024


def synthetic_table(seed: int = SEED) -> pd.DataFrame:
    """Counts and populations by municipality, year and category (seeded)."""
    rng = np.random.default_rng(seed)
    # municipal populations: median about 16 000, from about 2 500 to about a million
    inhabitants = np.clip(rng.lognormal(np.log(16_000), 1.0, N_MUNICIPALITIES), 2_500, 1e6)
    # each category (e.g. age group x sex x offence type) covers part of the population
    shares = rng.dirichlet(np.full(N_CATEGORIES, 2.0)) * 4  # categories overlap
    base_rates = rng.lognormal(np.log(300), 1.2, N_CATEGORIES) / PER
    growth = 1 + rng.normal(0, 0.01, N_MUNICIPALITIES)

    m, y, c = np.meshgrid(
        np.arange(N_MUNICIPALITIES), np.arange(N_YEARS), np.arange(N_CATEGORIES), indexing="ij"
    )
    m, y, c = m.ravel(), y.ravel(), c.ravel()
    population = np.round(inhabitants[m] * growth[m] ** y * shares[c]).clip(min=1)
    count = rng.poisson(population * base_rates[c] * rng.lognormal(0, 0.2, m.size))
    return pd.DataFrame(
        {
            "municipality": m,
            "year": 2005 + y,
            "category": c,
            "count": count,
            "population": population,
        }
    )


def baseline_row(row: pd.Series) -> pd.Series:
    """One row at a time, the way a spreadsheet-style script would do it."""
    x, n = row["count"], row["population"]
    alpha = 1 - CONFIDENCE
    if x < 10:
        lower = stats.chi2.ppf(alpha / 2, 2 * x) / 2 if x > 0 else 0.0
        upper = stats.chi2.ppf(1 - alpha / 2, 2 * x + 2) / 2
        method = "Exact"
    else:
        z = stats.norm.ppf(1 - alpha / 2)
        lower = x * (1 - 1 / (9 * x) - z / (3 * math.sqrt(x))) ** 3
        upper = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * math.sqrt(x + 1))) ** 3
        method = "Byars"
    return pd.Series(
        {"value": x / n * PER, "lower": lower / n * PER, "upper": upper / n * PER, "method": method}
    )


def main() -> None:
    table = synthetic_table()
    rows = len(table)

    rate(table["count"].iloc[:100], table["population"].iloc[:100])  # warm-up (imports)
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        engine = rate(table["count"], table["population"], per=PER, confidence=CONFIDENCE)
        timings.append(time.perf_counter() - start)
    engine_seconds = min(timings)

    start = time.perf_counter()
    baseline = table.apply(baseline_row, axis=1)
    baseline_seconds = time.perf_counter() - start

    agree = (
        all(
            np.allclose(engine[c].to_numpy(float), baseline[c].to_numpy(float), rtol=1e-10, atol=0)
            for c in ("value", "lower", "upper")
        )
        and (engine["method"].to_numpy() == baseline["method"].to_numpy()).all()
    )

    print(f"rows: {rows}")
    print(f"share_counts_below_10: {(table['count'] < 10).mean():.3f}")
    print(f"share_counts_zero: {(table['count'] == 0).mean():.3f}")
    print(f"engine_seconds: {engine_seconds:.4f}")
    print(f"engine_seconds_runs: {', '.join(f'{t:.4f}' for t in timings)}")
    print(f"engine_rows_per_second: {rows / engine_seconds:,.0f}")
    print(f"baseline_seconds: {baseline_seconds:.2f}")
    print(f"baseline_rows_per_second: {rows / baseline_seconds:,.0f}")
    print(f"results_agree: {agree}")
    print(f"engine_under_1s: {engine_seconds < 1}")
    print(f"speedup: {baseline_seconds / engine_seconds:.0f}")
    if not agree:
        raise SystemExit("engine and baseline disagree")


if __name__ == "__main__":
    main()
