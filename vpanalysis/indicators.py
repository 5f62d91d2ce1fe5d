"""Indicators with confidence intervals (docs/methods.md).

The methods follow the UK public health practice implemented in the R package
PHEindicatormethods and used by Fingertips, so that our figures can be checked
against its published test results:

* crude rates: exact Poisson limits under 10 events, Byar's method from 10;
* proportions: Wilson score limits;
* directly standardised rates (DSR): Dobson's method, not computed under 10 events;
* indirectly standardised ratios and rates (ISR): exact / Byar's limits;
* benchmarking against a comparator, rolling 3-year rates, funnel plot limits;
* a Poisson test of trend and a segmented (interrupted time series) regression.

Every function accepts scalars, lists, numpy arrays or pandas Series and works on
whole columns at once. When an input is a Series, the result keeps its index.
Confidence levels are fractions: 0.95 for 95 %, 0.998 for 99.8 %.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "ESP2013",
    "ESP2013_AGE_BANDS",
    "FUNNEL_LABELS",
    "SWEDISH_LABELS",
    "SegmentedResult",
    "TrendResult",
    "byars_limits",
    "compare",
    "dsr",
    "exact_poisson_limits",
    "funnel_axis",
    "funnel_limits_proportion",
    "funnel_limits_rate",
    "funnel_limits_ratio",
    "funnel_significance_proportion",
    "funnel_significance_ratio",
    "isr",
    "proportion",
    "rate",
    "rolling_rate",
    "segmented_regression",
    "trend_test",
    "wilson_limits",
]

#: Counts below this use exact Poisson limits; from this on Byar's approximation.
EXACT_BELOW = 10

#: Standardised rates (DSR) are not computed when the total count is below this.
DSR_MIN_COUNT = 10

#: European Standard Population 2013, 19 five-year age bands (0-4 ... 90+).
ESP2013 = (
    5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000,
    7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000,
)  # fmt: skip

#: Age band labels matching :data:`ESP2013`, position by position.
ESP2013_AGE_BANDS = (
    "0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44",
    "45-49", "50-54", "55-59", "60-64", "65-69", "70-74", "75-79", "80-84",
    "85-89", "90+",
)  # fmt: skip

#: Swedish wording of the comparison codes returned by :func:`compare`, for reports.
SWEDISH_LABELS = {
    "similar": "ingen säker skillnad",
    "higher": "högre",
    "lower": "lägre",
    "better": "bättre",
    "worse": "sämre",
    "not compared": "ej jämfört",
    "not judged": "ej bedömt",
}

#: Outlier labels of the funnel significance functions (as in PHEindicatormethods).
FUNNEL_LABELS = (
    "High (0.001)",
    "High (0.025)",
    "Low (0.001)",
    "Low (0.025)",
    "Not significant",
)

POLARITIES = ("high_is_good", "low_is_good")


# ---------------------------------------------------------------------------
# Input handling
# ---------------------------------------------------------------------------


def _as_float(values, name: str) -> np.ndarray:
    """Return `values` as a 1-D float array; missing values (None, pd.NA) become NaN."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiub":
        array = values.astype("float64", copy=False)
    else:
        if isinstance(values, pd.Series | pd.Index):
            series = pd.Series(values)
        else:
            series = pd.Series(np.atleast_1d(np.asarray(values, dtype=object)))
        try:
            numeric = pd.to_numeric(series, errors="raise")
        except (TypeError, ValueError) as error:
            raise ValueError(f"{name} must be numeric: {error}") from None
        array = numeric.to_numpy(dtype="float64", na_value=np.nan)
    array = np.atleast_1d(array)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    return array


def _common_index(length: int, **named_values) -> pd.Index:
    """Index of the first Series among the inputs, else a RangeIndex.

    Two Series with different indexes are refused rather than matched by position.
    """
    index = None
    first_name = None
    for name, values in named_values.items():
        if not isinstance(values, pd.Series):
            continue
        if index is None:
            index, first_name = values.index, name
        elif len(values.index) == len(index) and not values.index.equals(index):
            raise ValueError(
                f"{first_name} and {name} are Series with different indexes; "
                "align them first (for example with DataFrame columns)"
            )
    if index is not None and len(index) == length:
        return index
    return pd.RangeIndex(length)


def _broadcast(**named_arrays) -> list[np.ndarray]:
    """Broadcast equal-length arrays and scalars to a common length."""
    try:
        return list(np.broadcast_arrays(*named_arrays.values()))
    except ValueError:
        lengths = {name: len(array) for name, array in named_arrays.items()}
        raise ValueError(f"inputs have different lengths: {lengths}") from None


def _check_confidence(confidence: float) -> float:
    is_number = isinstance(confidence, numbers.Real) and not isinstance(confidence, bool)
    if not is_number or not 0 < confidence < 1:
        raise ValueError(
            f"confidence must be a fraction between 0 and 1 (e.g. 0.95 or 0.998), "
            f"got {confidence!r}"
        )
    return float(confidence)


def _z(confidence: float) -> float:
    """Two-sided standard normal quantile, e.g. 1.96 for 0.95."""
    return float(stats.norm.ppf(0.5 + confidence / 2))


def _refuse_negative(array: np.ndarray, name: str) -> None:
    negative = np.flatnonzero(array < 0)
    if negative.size:
        shown = ", ".join(str(i) for i in negative[:5])
        raise ValueError(
            f"{name} must not be negative; found {negative.size} negative value(s) "
            f"(first at position(s) {shown})"
        )


def _method_labels(counts: np.ndarray) -> pd.Series:
    """'Exact' under 10 events, 'Byars' from 10, missing where the count is missing."""
    labels = np.where(counts < EXACT_BELOW, "Exact", "Byars").astype(object)
    labels[np.isnan(counts)] = None
    return pd.Series(labels, dtype="str")


def _frame(index: pd.Index, **columns) -> pd.DataFrame:
    frame = pd.DataFrame({name: np.asarray(col) for name, col in columns.items()})
    frame.index = index
    return frame


# ---------------------------------------------------------------------------
# Confidence limits for counts and proportions
# ---------------------------------------------------------------------------


def _exact_limits(x: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    alpha = 1 - confidence
    lower = np.zeros_like(x)
    positive = x > 0
    lower[positive] = stats.chi2.ppf(alpha / 2, 2 * x[positive]) / 2
    lower[np.isnan(x)] = np.nan
    upper = stats.chi2.ppf(1 - alpha / 2, 2 * x + 2) / 2
    return lower, upper


def _byars_limits(x: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    z = _z(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3
        x1 = x + 1
        upper = x1 * (1 - 1 / (9 * x1) + z / (3 * np.sqrt(x1))) ** 3
    lower = np.where(lower < 0, np.nan, lower)
    return lower, upper


def _count_limits(x: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact limits for counts under 10, Byar's from 10 (NaN counts give NaN)."""
    lower = np.full_like(x, np.nan)
    upper = np.full_like(x, np.nan)
    small = x < EXACT_BELOW
    large = x >= EXACT_BELOW
    lower[small], upper[small] = _exact_limits(x[small], confidence)
    lower[large], upper[large] = _byars_limits(x[large], confidence)
    return lower, upper


def exact_poisson_limits(count, confidence: float = 0.95) -> pd.DataFrame:
    """Exact Poisson confidence limits for a count of events.

    Returns a DataFrame with columns ``lower`` and ``upper`` (in events). A count of 0
    has lower limit 0.
    """
    confidence = _check_confidence(confidence)
    x = _as_float(count, "count")
    _refuse_negative(x, "count")
    lower, upper = _exact_limits(x, confidence)
    return _frame(_common_index(len(x), count=count), lower=lower, upper=upper)


def byars_limits(count, confidence: float = 0.95) -> pd.DataFrame:
    """Byar's approximation to the Poisson confidence limits of a count.

    Returns a DataFrame with columns ``lower`` and ``upper`` (in events). The lower
    limit is NaN where the approximation breaks down (it would be negative, or the
    count is 0); use :func:`rate` to get exact limits for small counts.
    """
    confidence = _check_confidence(confidence)
    x = _as_float(count, "count")
    _refuse_negative(x, "count")
    lower, upper = _byars_limits(x, confidence)
    return _frame(_common_index(len(x), count=count), lower=lower, upper=upper)


def _wilson(x: np.ndarray, n: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    z = _z(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = 2 * x + z**2
        spread = z * np.sqrt(z**2 + 4 * x * (1 - x / n))
        denominator = 2 * (n + z**2)
        lower = (centre - spread) / denominator
        upper = (centre + spread) / denominator
        # keep rounding errors from putting x / n outside its limits when x = 0 or n
        share = x / n
    lower = np.minimum(np.maximum(lower, 0.0), share)
    upper = np.maximum(np.minimum(upper, 1.0), share)
    undefined = ~(n > 0)
    lower[undefined] = np.nan
    upper[undefined] = np.nan
    return lower, upper


def _check_proportion_inputs(x: np.ndarray, n: np.ndarray) -> None:
    _refuse_negative(x, "numerator")
    _refuse_negative(n, "denominator")
    above = np.flatnonzero(x > n)
    if above.size:
        raise ValueError(
            f"numerator must not exceed denominator for a proportion; "
            f"{above.size} row(s) do (first at position {above[0]})"
        )


def wilson_limits(x, n, confidence: float = 0.95) -> pd.DataFrame:
    """Wilson score confidence limits of the proportion x / n (between 0 and 1).

    Returns a DataFrame with columns ``lower`` and ``upper``. Non-integer numerators
    are allowed (as in PHEindicatormethods).
    """
    confidence = _check_confidence(confidence)
    xs, ns = _broadcast(x=_as_float(x, "x"), n=_as_float(n, "n"))
    _check_proportion_inputs(xs, ns)
    lower, upper = _wilson(xs, ns, confidence)
    return _frame(_common_index(len(xs), x=x, n=n), lower=lower, upper=upper)


# ---------------------------------------------------------------------------
# Crude rates and proportions
# ---------------------------------------------------------------------------


def rate(count, population, per: float = 100_000, confidence: float = 0.95) -> pd.DataFrame:
    """Crude rate per `per` population with confidence limits.

    Limits are exact Poisson for counts under 10 and Byar's method from 10.
    `per` is usually a number (100 000); it may also be one value per row.

    Returns a DataFrame with columns ``value``, ``lower``, ``upper`` and ``method``
    ("Exact" or "Byars", decided by the count alone as in PHEindicatormethods).
    A missing count or population, or a population of 0, gives NaN value and limits
    (the method is missing when the count is missing). Negative counts or populations
    raise ``ValueError``.
    """
    confidence = _check_confidence(confidence)
    x, n = _broadcast(x=_as_float(count, "count"), n=_as_float(population, "population"))
    _refuse_negative(x, "count")
    _refuse_negative(n, "population")
    lower, upper = _count_limits(x, confidence)
    usable = n > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(usable, per / n, np.nan)
    result = _frame(
        _common_index(len(x), count=count, population=population),
        value=x * scale,
        lower=lower * scale,
        upper=upper * scale,
    )
    result["method"] = _method_labels(x).to_numpy()
    return result


def proportion(numerator, denominator, per: float = 100, confidence: float = 0.95) -> pd.DataFrame:
    """Proportion (per 100 = percentage by default) with Wilson score limits.

    Returns a DataFrame with columns ``value``, ``lower``, ``upper`` and ``method``
    ("Wilson"). Missing inputs or a denominator of 0 give NaN. A numerator above its
    denominator, or negative values, raise ``ValueError``.
    """
    confidence = _check_confidence(confidence)
    x, n = _broadcast(x=_as_float(numerator, "numerator"), n=_as_float(denominator, "denominator"))
    _check_proportion_inputs(x, n)
    lower, upper = _wilson(x, n, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(n > 0, x / n, np.nan)
    result = _frame(
        _common_index(len(x), numerator=numerator, denominator=denominator),
        value=value * per,
        lower=lower * per,
        upper=upper * per,
    )
    result["method"] = "Wilson"
    return result


# ---------------------------------------------------------------------------
# Standardised rates and ratios
# ---------------------------------------------------------------------------


def _grouping(groups, length: int, reference=None) -> tuple[pd.DataFrame, np.ndarray]:
    """Group keys (one row per group, in order of appearance) and a group code per row."""
    if groups is None:
        return pd.DataFrame(index=pd.RangeIndex(1)), np.zeros(length, dtype=np.intp)
    if isinstance(groups, pd.DataFrame):
        frame = groups
    elif isinstance(groups, pd.Series):
        frame = groups.to_frame(name=groups.name if groups.name is not None else "group")
    elif isinstance(groups, list | tuple) and groups and not np.isscalar(groups[0]):
        frame = pd.DataFrame(
            {
                (getattr(g, "name", None) or f"group_{i}"): np.asarray(g)
                for i, g in enumerate(groups)
            }
        )
    else:
        frame = pd.DataFrame({"group": np.asarray(groups)})
    if len(frame) != length:
        raise ValueError(f"groups has {len(frame)} rows but the data has {length}")
    if (
        isinstance(reference, pd.Series)
        and isinstance(groups, pd.Series | pd.DataFrame)
        and not groups.index.equals(reference.index)
    ):
        raise ValueError("groups and count have different indexes; align them first")
    frame = frame.reset_index(drop=True)
    columns = list(frame.columns)
    codes = frame.groupby(columns, sort=False, dropna=False).ngroup().to_numpy()
    first_rows = np.unique(codes, return_index=True)[1]
    keys = frame.iloc[first_rows].reset_index(drop=True)
    return keys, codes


def _per_row(values, codes: np.ndarray, name: str) -> np.ndarray:
    """Values given per row, or one per age band repeated in every group (by position)."""
    array = _as_float(values, name)
    n_rows = len(codes)
    if len(array) == n_rows:
        return array
    sizes = np.bincount(codes)
    if np.all(sizes == len(array)):
        position = pd.Series(codes).groupby(codes).cumcount().to_numpy()
        return array[position]
    raise ValueError(
        f"{name} must have one value per row ({n_rows}) or one value per age band, "
        f"with every group having that many rows (got {len(array)} values; "
        f"group sizes {sorted(set(sizes.tolist()))})"
    )


def _grouped_inputs(count, population, groups, confidence: float):
    """Checked inputs of :func:`dsr` and :func:`isr`: confidence, counts and populations
    as float arrays of equal length, and the grouping (keys, per-row group codes)."""
    confidence = _check_confidence(confidence)
    x = _as_float(count, "count")
    n = _as_float(population, "population")
    if len(n) != len(x):
        raise ValueError(f"count has {len(x)} rows but population has {len(n)}")
    keys, codes = _grouping(groups, len(x), reference=count)
    return confidence, x, n, keys, codes


def dsr(
    count,
    population,
    standard_population=ESP2013,
    per: float = 100_000,
    confidence: float = 0.95,
    groups=None,
    persons_by_frequency: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Directly standardised rate per group with Dobson confidence limits.

    Input is a long table: one row per age band (and per group, e.g. area and year).
    `standard_population` is either one value per row, or one value per age band
    (like :data:`ESP2013`), matched by position within each group, so every group
    must then list its age bands in the same order.

    `groups` is a Series, an array, a list of Series or a DataFrame of group keys
    (None: one group). Missing counts count as 0.

    `persons_by_frequency` (optional) handles non-independent events, where a person
    can have several events: a DataFrame aligned with the rows whose columns are the
    number of events per person (1, 2, 3, ...) and whose cells are the number of
    persons with that many events. `count` must then equal the events they add up to.

    Returns one row per group with the group columns, ``total_count``, ``total_pop``,
    ``value``, ``lower``, ``upper`` and ``method`` ("Dobson", or "Dobson, with
    confidence adjusted for non-independent events"). Value and limits are
    NaN (not computed) when the total count is under 10. Negative counts, populations
    or standard populations, and populations of 0 or missing, raise ``ValueError``.
    """
    confidence, x, n, keys, codes = _grouped_inputs(count, population, groups, confidence)
    std = _per_row(standard_population, codes, "standard_population")
    _refuse_negative(x, "count")
    _refuse_negative(n, "population")
    _refuse_negative(std, "standard_population")
    if np.isnan(n).any() or (n == 0).any():
        raise ValueError("population must be greater than zero in every row of a DSR")
    if np.isnan(std).any():
        raise ValueError("standard_population has missing values")

    events = np.nan_to_num(x, nan=0.0)
    weight = std / n
    n_groups = len(keys)
    total_count = np.bincount(codes, events, minlength=n_groups)
    total_pop = np.bincount(codes, n, minlength=n_groups)
    std_total = np.bincount(codes, std, minlength=n_groups)
    value = np.bincount(codes, events * weight, minlength=n_groups) / std_total
    if persons_by_frequency is None:
        variance = np.bincount(codes, events * weight**2, minlength=n_groups)
    else:
        variance = _nonindependent_variance(persons_by_frequency, events, weight, codes)
    variance = variance / std_total**2

    byars_lower, byars_upper = _byars_limits(total_count, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = np.sqrt(variance / total_count)
    lower = value + spread * (byars_lower - total_count)
    upper = value + spread * (byars_upper - total_count)
    not_computed = total_count < DSR_MIN_COUNT
    for array in (value, lower, upper):
        array[not_computed] = np.nan

    result = keys.copy()
    result["total_count"] = total_count
    result["total_pop"] = total_pop
    result["value"] = value * per
    result["lower"] = lower * per
    result["upper"] = upper * per
    result["method"] = (
        "Dobson"
        if persons_by_frequency is None
        else "Dobson, with confidence adjusted for non-independent events"
    )
    return result


def _nonindependent_variance(persons, events, weight, codes) -> np.ndarray:
    """Variance numerator for non-independent events (sum over event frequencies)."""
    if not isinstance(persons, pd.DataFrame) or len(persons) != len(events):
        raise ValueError("persons_by_frequency must be a DataFrame with one row per data row")
    frequencies = _as_float(list(persons.columns), "persons_by_frequency columns")
    table = np.column_stack(
        [_as_float(persons[c], f"persons_by_frequency[{c!r}]") for c in persons.columns]
    )
    table = np.nan_to_num(table, nan=0.0)
    _refuse_negative(table.ravel(), "persons_by_frequency")
    implied_events = table @ frequencies
    mismatch = np.flatnonzero(~np.isclose(implied_events, events))
    if mismatch.size:
        raise ValueError(
            "count must equal the events implied by persons_by_frequency "
            f"(sum of frequency x persons); {mismatch.size} row(s) differ "
            f"(first at position {mismatch[0]})"
        )
    per_row = (table * frequencies**2).sum(axis=1) * weight**2
    return np.bincount(codes, per_row, minlength=codes.max() + 1)


def isr(
    count,
    population,
    ref_count,
    ref_population,
    groups=None,
    kind: str = "ratio",
    per: float | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Indirectly standardised ratio (or rate) per group.

    Expected events apply the reference rates (`ref_count` / `ref_population`, per row
    or one per age band by position, as in :func:`dsr`) to each group's population.
    The ratio observed / expected gets exact limits under 10 observed events and
    Byar's from 10.

    `kind` is "ratio" (default `per` = 100, i.e. 100 = as expected) or "rate": the
    ratio times the crude reference rate (default `per` = 100 000).

    Returns one row per group with the group columns, ``observed``, ``expected``,
    ``ref_rate`` (for kind "rate"), ``value``, ``lower``, ``upper`` and ``method``.
    Missing counts or populations count as 0; populations of 0 are allowed.
    """
    if kind not in ("ratio", "rate"):
        raise ValueError(f"kind must be 'ratio' or 'rate', got {kind!r}")
    if per is None:
        per = 100 if kind == "ratio" else 100_000
    confidence, x, n, keys, codes = _grouped_inputs(count, population, groups, confidence)
    rx = _per_row(ref_count, codes, "ref_count")
    rn = _per_row(ref_population, codes, "ref_population")
    for array, name in ((x, "count"), (n, "population"), (rx, "ref_count")):
        _refuse_negative(array, name)
    if not (rn > 0).all():
        raise ValueError("ref_population must be greater than zero in every row")

    n_groups = len(keys)
    observed = np.bincount(codes, np.nan_to_num(x, nan=0.0), minlength=n_groups)
    expected_per_row = np.nan_to_num(n * rx / rn, nan=0.0)
    expected = np.bincount(codes, expected_per_row, minlength=n_groups)
    lower, upper = _count_limits(observed, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(expected > 0, 1 / expected, np.nan)
    if kind == "rate":
        ref_rate = np.bincount(codes, np.nan_to_num(rx), minlength=n_groups) / np.bincount(
            codes, rn, minlength=n_groups
        )
        scale = scale * ref_rate

    result = keys.copy()
    result["observed"] = observed
    result["expected"] = expected
    if kind == "rate":
        result["ref_rate"] = ref_rate * per
    result["value"] = observed * scale * per
    result["lower"] = lower * scale * per
    result["upper"] = upper * scale * per
    result["method"] = _method_labels(observed).to_numpy()
    return result


# ---------------------------------------------------------------------------
# Benchmarking
# ---------------------------------------------------------------------------


def compare(
    lower,
    upper=None,
    comparator=None,
    polarity: str | None = None,
) -> pd.Series | pd.DataFrame:
    """Compare areas with a comparator (county, Sweden, peer mean) using their limits.

    Call either ``compare(lower, upper, comparator)`` or ``compare(frame, comparator=...)``
    where `frame` has ``lower`` and ``upper`` columns (e.g. the output of :func:`rate`).

    The area is "similar" when the comparator lies inside [lower, upper] (limits
    included), "higher" when its lower limit is above the comparator and "lower" when
    its upper limit is below it; missing limits or comparator give "not compared".

    Without `polarity` returns a Series ``comparison``. With `polarity`
    ("high_is_good" or "low_is_good"; a scalar or one per row, where None means no
    polarity) returns a DataFrame with columns ``comparison`` and ``judgement``
    ("better", "worse", "similar", "not compared", or "not judged" where the row has
    no polarity). Use :data:`SWEDISH_LABELS` to translate the codes in reports.
    """
    if isinstance(lower, pd.DataFrame):
        if upper is not None:
            raise ValueError("give either a frame with lower/upper columns or lower and upper")
        missing = {"lower", "upper"} - set(lower.columns)
        if missing:
            raise ValueError(f"frame is missing column(s) {sorted(missing)}")
        frame = lower
        lower, upper = frame["lower"], frame["upper"]
    if upper is None or comparator is None:
        raise ValueError("compare needs lower, upper and comparator")
    lo, up, ref = _broadcast(
        lower=_as_float(lower, "lower"),
        upper=_as_float(upper, "upper"),
        comparator=_as_float(comparator, "comparator"),
    )
    index = _common_index(len(lo), lower=lower, upper=upper, comparator=comparator)
    comparison = np.select(
        [np.isnan(lo) | np.isnan(up) | np.isnan(ref), lo > ref, up < ref],
        ["not compared", "higher", "lower"],
        default="similar",
    ).astype(object)
    comparison_series = pd.Series(comparison, index=index, name="comparison", dtype="str")
    if polarity is None:
        return comparison_series

    polarities = np.broadcast_to(np.asarray(polarity, dtype=object), lo.shape)
    known = pd.notna(polarities)
    bad = set(polarities[known].tolist()) - set(POLARITIES)
    if bad:
        raise ValueError(f"polarity must be one of {POLARITIES} or None, got {sorted(bad)}")
    high_good = polarities == "high_is_good"
    judgement = np.select(
        [
            comparison == "not compared",
            ~known,
            comparison == "similar",
            (comparison == "higher") == high_good,
        ],
        ["not compared", "not judged", "similar", "better"],
        default="worse",
    ).astype(object)
    return pd.DataFrame(
        {
            "comparison": comparison_series,
            "judgement": pd.Series(judgement, index=index, dtype="str"),
        }
    )


# ---------------------------------------------------------------------------
# Rolling rates
# ---------------------------------------------------------------------------


def rolling_rate(
    df: pd.DataFrame,
    count: str = "count",
    population: str = "population",
    window: int = 3,
    by: str | list[str] | None = None,
    per: float = 100_000,
    confidence: float = 0.95,
    year: str = "year",
) -> pd.DataFrame:
    """Rolling rates over `window` consecutive years (3-year rates by default).

    Counts and populations are summed over the years ``year_to - window + 1`` to
    ``year_to`` within each group of `by` columns, and the rate is computed from the
    sums (events per person-year, times `per`). A window with a missing year, or a
    missing count or population in any year, gives NaN: windows are never silently
    shorter.

    Returns one row per input row (sorted by the `by` columns and year) with the `by`
    columns, ``year_from``, ``year_to``, ``count``, ``population`` (the window sums)
    and the :func:`rate` columns ``value``, ``lower``, ``upper``, ``method``.
    """
    if not isinstance(window, int | np.integer) or window < 1:
        raise ValueError(f"window must be a positive integer, got {window!r}")
    by_columns = [] if by is None else ([by] if isinstance(by, str) else list(by))
    missing = {count, population, year, *by_columns} - set(df.columns)
    if missing:
        raise ValueError(f"df is missing column(s) {sorted(missing)}")

    years = _as_float(df[year], year)
    if np.isnan(years).any() or not np.all(years == np.round(years)):
        raise ValueError(f"column {year!r} must hold whole years, without missing values")
    data = pd.DataFrame(
        {
            **{c: df[c].reset_index(drop=True) for c in by_columns},
            "_year": years.astype(np.int64),
            "_count": _as_float(df[count], count),
            "_pop": _as_float(df[population], population),
        }
    )
    keys, codes = _grouping(data[by_columns] if by_columns else None, len(data))
    pairs = pd.DataFrame({"code": codes, "year": data["_year"]})
    if pairs.duplicated().any():
        raise ValueError(f"df has more than one row for the same {[*by_columns, year]}")

    # Lay the data out as a grid: one row per group, one column per calendar year.
    first_year = int(data["_year"].min())
    n_years = int(data["_year"].max()) - first_year + 1
    column = data["_year"].to_numpy() - first_year
    grid_count = np.full((len(keys), n_years), np.nan)
    grid_pop = np.full((len(keys), n_years), np.nan)
    grid_count[codes, column] = data["_count"].to_numpy()
    grid_pop[codes, column] = data["_pop"].to_numpy()

    sums_count = np.full_like(grid_count, np.nan)
    sums_pop = np.full_like(grid_pop, np.nan)
    if window <= n_years:
        windows = np.lib.stride_tricks.sliding_window_view
        sums_count[:, window - 1 :] = windows(grid_count, window, axis=1).sum(axis=-1)
        sums_pop[:, window - 1 :] = windows(grid_pop, window, axis=1).sum(axis=-1)

    window_count = sums_count[codes, column]
    window_pop = sums_pop[codes, column]
    incomplete = np.isnan(window_count) | np.isnan(window_pop)
    window_count[incomplete] = np.nan
    window_pop[incomplete] = np.nan
    rates = rate(window_count, window_pop, per=per, confidence=confidence)
    result = data[by_columns].copy() if by_columns else pd.DataFrame(index=data.index)
    result["year_from"] = data["_year"].to_numpy() - window + 1
    result["year_to"] = data["_year"].to_numpy()
    result["count"] = window_count
    result["population"] = window_pop
    result = pd.concat([result, rates.set_axis(result.index)], axis=1)
    result = result.sort_values([*by_columns, "year_to"], kind="stable")
    return result.reset_index(drop=True)


# ---------------------------------------------------------------------------
# Funnel plots
# ---------------------------------------------------------------------------


def _nice_floor(x: float) -> float:
    """Round down to one significant figure after taking 95 % (PHE axis rule)."""
    if x == 0:
        return 0.0
    digits = len(str(int(np.floor(x * 0.95)))) - 1
    return float(np.floor(x * 0.95 / 10**digits) * 10**digits)


def _nice_ceiling(x: float) -> float:
    """Round up to two significant figures after adding 5 % (PHE axis rule)."""
    if x == 0:
        return 0.0
    digits = len(str(int(np.ceil(x * 1.05)))) - 2
    return float(np.ceil(x * 1.05 / 10.0**digits) * 10.0**digits)


def funnel_axis(denominators=None, n_points: int = 100, minimum=None, maximum=None) -> np.ndarray:
    """Denominators (populations or events) at which to draw funnel limits.

    Either pass the areas' `denominators` (the axis then runs from 0, or a rounded
    minimum when all areas are of similar size, to 5 % above the largest, rounded
    up, as in PHEindicatormethods) or give `minimum` and `maximum` directly.
    Returns `n_points` whole numbers, geometrically spaced, starting at 1 or above.
    """
    if denominators is not None:
        d = _as_float(denominators, "denominators")
        d = d[~np.isnan(d)]
        if d.size == 0:
            raise ValueError("denominators are all missing")
        low, high = d.min(), d.max()
        minimum = 0.0 if high > 2 * low else _nice_floor(low)
        maximum = _nice_ceiling(high)
    if minimum is None or maximum is None:
        raise ValueError("give denominators, or minimum and maximum")
    points = np.empty(n_points)
    points[0] = max(1.0, float(minimum))
    for j in range(1, n_points):  # geometric steps; a loop over axis points, not data
        step = (maximum / points[j - 1]) ** (1 / (n_points - j))
        points[j] = max(np.round(step * points[j - 1]), points[j - 1] + 1)
    return points


def _funnel_levels():
    """The two funnel levels: about 2 sigma (95 %) and 3 sigma (99.8 %)."""
    return (("95", 0.95), ("998", 0.998))


def funnel_limits_proportion(baseline: float, denominators, per: float = 100) -> pd.DataFrame:
    """Funnel plot control limits for a proportion.

    `baseline` is the comparator in output units (e.g. 80.6 for 80.6 % with
    ``per=100``); limits are baseline ± z·sqrt(p(1−p)/n) for z of the 95 % (2 sigma,
    0.025 each side) and 99.8 % (3 sigma, 0.001 each side) levels, cut at 0 and `per`.

    Returns a DataFrame with ``denominator``, ``baseline``, ``lower_95``, ``upper_95``,
    ``lower_998``, ``upper_998``.
    """
    p = float(baseline) / per
    if not 0 <= p <= 1:
        raise ValueError(f"baseline must lie between 0 and per ({per}), got {baseline}")
    n = _as_float(denominators, "denominators")
    result = pd.DataFrame({"denominator": n, "baseline": float(baseline)})
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = np.sqrt(p * (1 - p) / n)
    for label, confidence in _funnel_levels():
        z = _z(confidence)
        result[f"lower_{label}"] = np.clip(p - z * sd, 0, 1) * per
        result[f"upper_{label}"] = np.clip(p + z * sd, 0, 1) * per
    result.index = _common_index(len(n), denominators=denominators)
    return result


def funnel_limits_rate(
    events, baseline: float, per: float = 100_000, years: float = 1
) -> pd.DataFrame:
    """Funnel plot control limits for a rate, as a function of the number of events.

    For each number of `events`, the exact Poisson limits give the population at which
    that count would sit on a 95 % or 99.8 % control limit around `baseline` (a rate
    per `per`), and the corresponding rate.  `years` is the number of years pooled;
    populations are returned per year (``*_population``).

    Returns a DataFrame with ``events``, ``baseline``, and for each limit ``lower_95``,
    ``upper_95``, ``lower_998``, ``upper_998`` (rates) plus the matching
    ``lower_95_population`` ... ``upper_998_population``.
    """
    k = _as_float(events, "events")
    _refuse_negative(k, "events")
    average = float(baseline) / per
    if not average > 0:
        raise ValueError(f"baseline must be positive, got {baseline}")
    result = pd.DataFrame({"events": k, "baseline": float(baseline)})
    for label, confidence in _funnel_levels():
        low_mean, high_mean = _exact_limits(k, confidence)
        # lower funnel limit: the expected count for which k is the upper extreme
        for side, mean in (("lower", high_mean), ("upper", low_mean)):
            with np.errstate(divide="ignore", invalid="ignore"):
                pooled_population = np.where(mean > 0, mean / average, np.nan)
                result[f"{side}_{label}"] = k / pooled_population * per
            result[f"{side}_{label}_population"] = pooled_population / years
    result.index = _common_index(len(k), events=events)
    return result


def funnel_limits_ratio(observed, per: float = 100) -> pd.DataFrame:
    """Funnel plot control limits for an observed / expected ratio (e.g. an ISR).

    For each number of `observed` events the exact Poisson limits give the expected
    count at which the ratio would sit on a 95 % or 99.8 % limit around 1, and that
    ratio times `per` (100: ISR scale, 100 = as expected; 1: plain ratio).

    Returns a DataFrame with ``observed``, ``baseline`` (= `per`), ``lower_95``,
    ``upper_95``, ``lower_998``, ``upper_998`` and the matching
    ``lower_95_expected`` ... ``upper_998_expected``.
    """
    k = _as_float(observed, "observed")
    _refuse_negative(k, "observed")
    result = pd.DataFrame({"observed": k, "baseline": float(per)})
    for label, confidence in _funnel_levels():
        low_mean, high_mean = _exact_limits(k, confidence)
        for side, mean in (("lower", high_mean), ("upper", low_mean)):
            with np.errstate(divide="ignore", invalid="ignore"):
                expected = np.where(mean > 0, mean, np.nan)
                result[f"{side}_{label}"] = k / expected * per
            result[f"{side}_{label}_expected"] = expected
    result.index = _common_index(len(k), observed=observed)
    return result


def funnel_significance_proportion(
    numerator, denominator, per: float = 100, baseline: float | None = None
) -> pd.Series:
    """Which funnel band each area's proportion falls in.

    `baseline` is in output units (per `per`); by default the pooled proportion of all
    areas. Returns a Series of :data:`FUNNEL_LABELS` ("High (0.001)" means above the
    99.8 % limit, "High (0.025)" above the 95 % limit, ...); missing for missing input.
    """
    x, n = _broadcast(x=_as_float(numerator, "numerator"), n=_as_float(denominator, "denominator"))
    _check_proportion_inputs(x, n)
    usable = ~np.isnan(x) & (n > 0)
    if baseline is None:
        baseline = x[usable].sum() / n[usable].sum() * per
    limits = funnel_limits_proportion(baseline, n, per=per)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = x / n * per
    labels = np.select(
        [
            ~usable,
            value < limits["lower_998"].to_numpy(),
            value < limits["lower_95"].to_numpy(),
            value > limits["upper_998"].to_numpy(),
            value > limits["upper_95"].to_numpy(),
        ],
        [None, "Low (0.001)", "Low (0.025)", "High (0.001)", "High (0.025)"],
        default="Not significant",
    )
    index = _common_index(len(x), numerator=numerator, denominator=denominator)
    return pd.Series(labels.astype(object), index=index, name="significance", dtype="str")


def funnel_significance_ratio(observed, expected) -> pd.Series:
    """Which funnel band each observed / expected ratio falls in.

    An area is "High" when the lower confidence limit of its ratio (exact under 10
    events, Byar's from 10) is above 1, at 95 % ("High (0.025)") or 99.8 %
    ("High (0.001)"), and "Low" when the upper limit is below 1. Returns a Series of
    :data:`FUNNEL_LABELS`; missing for missing input.
    """
    k, e = _broadcast(x=_as_float(observed, "observed"), e=_as_float(expected, "expected"))
    _refuse_negative(k, "observed")
    _refuse_negative(e, "expected")
    limits = {}
    for label, confidence in _funnel_levels():
        lower, upper = _count_limits(k, confidence)
        with np.errstate(divide="ignore", invalid="ignore"):
            limits[label] = (lower / e, upper / e)
    missing = np.isnan(k) | ~(e > 0)
    labels = np.select(
        [missing, limits["998"][0] > 1, limits["95"][0] > 1, limits["998"][1] < 1,
         limits["95"][1] < 1],
        [None, "High (0.001)", "High (0.025)", "Low (0.001)", "Low (0.025)"],
        default="Not significant",
    )  # fmt: skip
    index = _common_index(len(k), observed=observed, expected=expected)
    return pd.Series(labels.astype(object), index=index, name="significance", dtype="str")


# ---------------------------------------------------------------------------
# Trends and interrupted time series
# ---------------------------------------------------------------------------

MIN_TREND_POINTS = 5
MIN_POINTS_BEFORE = 3
MIN_POINTS_AFTER = 2


@dataclass(frozen=True)
class TrendResult:
    """Result of :func:`trend_test`.

    ``rate_ratio`` is the change in the rate per year (1.05 = +5 % a year), with its
    confidence limits and p-value from a Poisson regression. The ``*_quasi`` fields
    repeat them with the variance scaled by the over-dispersion (quasi-Poisson,
    ``dispersion`` = Pearson chi2 / df); ``agree`` says whether both models reach the
    same conclusion at level ``alpha``. Trust the quasi-Poisson figures when the
    dispersion is clearly above 1.
    """

    n_points: int
    rate_ratio: float
    lower: float
    upper: float
    p_value: float
    dispersion: float
    lower_quasi: float
    upper_quasi: float
    p_value_quasi: float
    alpha: float
    significant: bool
    agree: bool

    def to_dict(self) -> dict:
        return asdict(self)


def _poisson_fits(y, X, offset):
    """Poisson GLM, the same model with the Pearson (quasi-Poisson) scale, and that scale."""
    import statsmodels.api as sm  # imported here: statsmodels is slow to import
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    model = sm.GLM(y, X, family=sm.families.Poisson(), offset=offset)
    with warnings.catch_warnings():
        # a series the model fits exactly is no error for a Poisson rate (see below)
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        fit = model.fit()
        # Pearson chi2 / df; a series the model fits exactly (chi2 = 0) has nothing to
        # scale by, and statsmodels' scale="X2" fails there: keep the Poisson fit then.
        dispersion = float(fit.pearson_chi2 / fit.df_resid) if fit.df_resid > 0 else 0.0
        if dispersion < 1e-12:
            dispersion = 0.0
        quasi = model.fit(scale=dispersion) if dispersion > 0 else fit
    return fit, quasi, dispersion


def _clean_series(years, counts, populations):
    t = _as_float(years, "years")
    y = _as_float(counts, "counts")
    n = _as_float(populations, "populations")
    t, y, n = _broadcast(years=t, counts=y, populations=n)
    _refuse_negative(y, "counts")
    _refuse_negative(n, "populations")
    keep = ~(np.isnan(t) | np.isnan(y) | np.isnan(n))
    t, y, n = t[keep], y[keep], n[keep]
    if (n == 0).any():
        raise ValueError("populations must be greater than zero")
    if len(np.unique(t)) != len(t):
        raise ValueError("years must not repeat")
    return t, y, n


def trend_test(years, counts, populations, alpha: float = 0.05) -> TrendResult:
    """Test for a trend in a rate over the years with a Poisson regression.

    Fits log(expected count) = a + b·year + log(population) (statsmodels GLM) and
    reports the annual rate ratio exp(b) with its ``1 - alpha`` confidence limits and
    p-value, plus the quasi-Poisson version as a robustness check (see
    :class:`TrendResult`). Rows with a missing value are dropped.

    Raises ``ValueError`` with fewer than 5 usable points (docs/methods.md: at least 5
    points for a trend), or when all counts are 0.
    """
    t, y, n = _clean_series(years, counts, populations)
    if len(t) < MIN_TREND_POINTS:
        raise ValueError(
            f"a trend test needs at least {MIN_TREND_POINTS} years with data, got {len(t)}"
        )
    if y.sum() == 0:
        raise ValueError("all counts are zero; no trend can be estimated")
    X = np.column_stack([np.ones_like(t), t - t.mean()])
    fit, quasi, dispersion = _poisson_fits(y, X, np.log(n))
    ci = fit.conf_int(alpha)[1]
    ci_quasi = quasi.conf_int(alpha)[1]
    p, p_quasi = float(fit.pvalues[1]), float(quasi.pvalues[1])
    return TrendResult(
        n_points=len(t),
        rate_ratio=float(np.exp(fit.params[1])),
        lower=float(np.exp(ci[0])),
        upper=float(np.exp(ci[1])),
        p_value=p,
        dispersion=dispersion,
        lower_quasi=float(np.exp(ci_quasi[0])),
        upper_quasi=float(np.exp(ci_quasi[1])),
        p_value_quasi=p_quasi,
        alpha=alpha,
        significant=p < alpha,
        agree=(p < alpha) == (p_quasi < alpha),
    )


@dataclass(frozen=True)
class SegmentedResult:
    """Result of :func:`segmented_regression`.

    ``coefficients`` has one row per term, as rate ratios with confidence limits:

    * ``trend_before``: annual rate ratio before the intervention;
    * ``level_change``: step in the rate at the intervention year (1.2 = +20 %);
    * ``trend_change``: how the annual rate ratio changed (after / before);
    * ``trend_after``: annual rate ratio after the intervention.

    Columns: ``rate_ratio``, ``lower``, ``upper``, ``p_value`` (Poisson) and
    ``lower_quasi``, ``upper_quasi``, ``p_value_quasi`` (quasi-Poisson, scaled by
    ``dispersion``).
    """

    coefficients: pd.DataFrame
    n_before: int
    n_after: int
    intervention_year: float
    dispersion: float
    alpha: float


def segmented_regression(
    df: pd.DataFrame,
    intervention_year: float,
    year: str = "year",
    count: str = "count",
    population: str = "population",
    alpha: float = 0.05,
    trend_change: bool = True,
) -> SegmentedResult:
    """Interrupted time series: Poisson regression with a level and a slope change.

    Model: log(expected count) = b0 + b1·t + b2·after + b3·t·after + log(population),
    where t = year − `intervention_year` and `after` marks years from the
    intervention year on. Rows with a missing value are dropped. ``trend_change=False``
    leaves out b3 (a level change only, for too few points after the start to estimate
    a new slope); the coefficients then have no ``trend_change`` and ``trend_after``.

    Needs at least 3 years before and 2 years from the intervention on (otherwise
    ``ValueError``); with so few points the result is fragile, prefer 5 or more on
    each side. Returns a :class:`SegmentedResult`.
    """
    missing = {year, count, population} - set(df.columns)
    if missing:
        raise ValueError(f"df is missing column(s) {sorted(missing)}")
    t, y, n = _clean_series(df[year], df[count], df[population])
    after = t >= intervention_year
    n_before, n_after = int((~after).sum()), int(after.sum())
    if n_before < MIN_POINTS_BEFORE or n_after < MIN_POINTS_AFTER:
        raise ValueError(
            f"segmented regression needs at least {MIN_POINTS_BEFORE} years before and "
            f"{MIN_POINTS_AFTER} from the intervention year on; got {n_before} and {n_after}"
        )
    if y.sum() == 0:
        raise ValueError("all counts are zero; nothing to model")
    time = t - intervention_year
    columns = [np.ones_like(time), time, after]
    if trend_change:
        columns.append(time * after)
    X = np.column_stack(columns).astype(float)
    fit, quasi, dispersion = _poisson_fits(y, X, np.log(n))

    contrasts = {
        "trend_before": [0, 1, 0, 0],
        "level_change": [0, 0, 1, 0],
        "trend_change": [0, 0, 0, 1],
        "trend_after": [0, 1, 0, 1],
    }
    if not trend_change:
        kept = ("trend_before", "level_change")
        contrasts = {k: w[:3] for k, w in contrasts.items() if k in kept}
    rows = []
    for term, weights in contrasts.items():
        row = {"term": term}
        for suffix, model in (("", fit), ("_quasi", quasi)):
            test = model.t_test(np.array([weights], dtype=float))
            estimate = float(np.squeeze(test.effect))
            low, high = np.squeeze(test.conf_int(alpha=alpha))
            if not suffix:
                row["rate_ratio"] = float(np.exp(estimate))
            row[f"lower{suffix}"] = float(np.exp(low))
            row[f"upper{suffix}"] = float(np.exp(high))
            row[f"p_value{suffix}"] = float(np.squeeze(test.pvalue))
        rows.append(row)
    coefficients = pd.DataFrame(rows).set_index("term")
    return SegmentedResult(
        coefficients=coefficients,
        n_before=n_before,
        n_after=n_after,
        intervention_year=float(intervention_year),
        dispersion=dispersion,
        alpha=alpha,
    )
