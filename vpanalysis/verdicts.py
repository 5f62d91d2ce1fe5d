"""One vocabulary of verdicts: when a report may say "higher", "lower", "increasing" or
"the goal is reached", stated once and used by every step (docs/methods.md).

Codes only; the Swedish words are in :mod:`vpanalysis.presentation.verdicts`.

**Too few cases.** No verdict is given on a rate with fewer than :data:`MIN_EVENTS`
events (as Fingertips, which does not judge rates under 10 events), nor on a share whose
denominator is under :data:`MIN_DENOMINATOR`: the verdict is ``too_few``. No verdict is
not the same as no difference.

**Comparisons** (:data:`COMPARISONS`) are tests of the difference at the 5 % level, never
a reading of whether two intervals overlap (two intervals can overlap although the
difference between them is certain):

* against a reference whose own uncertainty is negligible (the county, Sweden):
  :func:`against_reference`, ``higher``/``lower`` when the reference lies outside the
  area's 95 % interval (exact Poisson or Byar's for a rate, Wilson for a share: the
  interval is the set of values a test at 5 % does not reject);
* between two estimates that are both uncertain (girls and boys, two municipalities,
  the baseline and now): :func:`rates_differ` (the exact conditional test of two Poisson
  counts), :func:`shares_differ` (the two-sample test of proportions with a pooled
  variance) or, where only the estimates and their intervals are known,
  :func:`estimates_differ` (the standard errors recovered from the intervals, Altman &
  Bland 2011, BMJ 343:d2304).

``no_difference`` means that no difference was shown, not that the values are equal.

**Trends** (:data:`TRENDS`) have one rule, :func:`trend_verdict`, used by step 2 and
step 5 alike: ``up``/``down`` only when the Poisson regression of the yearly counts
(:func:`vpanalysis.indicators.trend_test`) is significant at 5 % *and* its quasi-Poisson
version (variance scaled by the over-dispersion) agrees; ``too_few_years`` with fewer
than :data:`vpanalysis.indicators.MIN_TREND_POINTS` years, ``too_few_cases`` with fewer
than :data:`MIN_EVENTS` events in all (the report says which).

**Goal status** (:data:`GOAL_STATUSES`): :func:`goal_verdict`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from vpanalysis import indicators

__all__ = [
    "ALPHA",
    "COMPARISONS",
    "GOAL_NOTES",
    "GOAL_STATUSES",
    "MIN_DENOMINATOR",
    "MIN_EVENTS",
    "TRENDS",
    "GoalVerdict",
    "against_reference",
    "estimates_differ",
    "goal_verdict",
    "rate_difference_p",
    "rates_differ",
    "share_difference_p",
    "shares_differ",
    "too_few",
    "trend_verdict",
]

#: No verdict on a rate with fewer events than this (Fingertips' rule).
MIN_EVENTS = 10
#: No verdict on a share whose denominator (respondents) is under this.
MIN_DENOMINATOR = 30
#: The level of every test.
ALPHA = 0.05

#: Verdicts of a comparison, in the order reports list them.
COMPARISONS = ("higher", "lower", "no_difference", "too_few", "not_compared")
#: Verdicts of a trend.
TRENDS = ("up", "down", "no_change", "too_few_years", "too_few_cases")
#: Statuses of a goal.
GOAL_STATUSES = ("reached", "on_track", "within_margin", "not_on_track", "no_data")
#: Notes a goal's status can carry: its value has no interval; only one value after the
#: baseline (a status is not drawn from one year); the value is a 3-year average.
GOAL_NOTES = ("no_interval", "one_value", "averaged")

_Z = stats.norm.ppf(1 - ALPHA / 2)


def too_few(count=None, denominator=None) -> bool:
    """Whether a value is too uncertain for any verdict: a rate's ``count`` under
    :data:`MIN_EVENTS`, or a share's ``denominator`` under :data:`MIN_DENOMINATOR`.
    Unknown (``None``/NaN) counts do not make a value too few."""
    if count is not None and not pd.isna(count) and float(count) < MIN_EVENTS:
        return True
    return (
        denominator is not None
        and not pd.isna(denominator)
        and float(denominator) < MIN_DENOMINATOR
    )


def _missing(*values) -> bool:
    return any(v is None or pd.isna(v) for v in values)


def against_reference(lower, upper, reference, *, count=None, denominator=None) -> str:
    """An area's value against a reference with negligible uncertainty (county, Sweden).

    ``higher`` when the area's interval [``lower``, ``upper``] lies above ``reference``,
    ``lower`` when it lies below, ``no_difference`` when it covers it (limits included);
    ``too_few`` (:func:`too_few`) before anything else, ``not_compared`` when a limit or
    the reference is missing.
    """
    if too_few(count, denominator):
        return "too_few"
    if _missing(lower, upper, reference):
        return "not_compared"
    if float(lower) > float(reference):
        return "higher"
    if float(upper) < float(reference):
        return "lower"
    return "no_difference"


def against_reference_many(lower, upper, reference, count=None) -> list[str]:
    """:func:`against_reference` row by row (array-likes of equal length; ``count``
    optional)."""
    lo, up, ref = (np.asarray(pd.Series(x, dtype="float64")) for x in (lower, upper, reference))
    counts = [None] * len(lo) if count is None else list(pd.Series(count, dtype="float64"))
    return [
        against_reference(a, b, c, count=k) for a, b, c, k in zip(lo, up, ref, counts, strict=True)
    ]


def rate_difference_p(count1, population1, count2, population2) -> float:
    """Two-sided p-value of the exact conditional test that two Poisson rates are equal:
    given the total ``count1 + count2``, ``count1`` is binomial with probability
    ``population1 / (population1 + population2)`` (as statsmodels'
    ``test_poisson_2indep(method="exact-cond")``)."""
    k1, k2 = round(float(count1)), round(float(count2))
    n = k1 + k2
    if n == 0:
        return 1.0
    share = float(population1) / (float(population1) + float(population2))
    return float(stats.binomtest(k1, n, share).pvalue)


def rates_differ(count1, population1, count2, population2, alpha: float = ALPHA) -> str:
    """The first rate compared with the second, both uncertain (:func:`rate_difference_p`):
    ``higher``/``lower``/``no_difference``; ``too_few`` when either count is under
    :data:`MIN_EVENTS`; ``not_compared`` when a value is missing."""
    if _missing(count1, population1, count2, population2):
        return "not_compared"
    if too_few(count1) or too_few(count2):
        return "too_few"
    if rate_difference_p(count1, population1, count2, population2) >= alpha:
        return "no_difference"
    first = float(count1) / float(population1)
    return "higher" if first > float(count2) / float(population2) else "lower"


def share_difference_p(yes1, n1, yes2, n2) -> float:
    """Two-sided p-value of the two-sample z test of proportions with a pooled variance
    (as statsmodels' ``proportions_ztest``)."""
    x1, x2, m1, m2 = (float(v) for v in (yes1, yes2, n1, n2))
    pooled = (x1 + x2) / (m1 + m2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / m1 + 1 / m2))
    if se == 0:
        return 1.0
    z = (x1 / m1 - x2 / m2) / se
    return float(2 * stats.norm.sf(abs(z)))


def shares_differ(yes1, n1, yes2, n2, alpha: float = ALPHA) -> str:
    """The first share compared with the second (:func:`share_difference_p`);
    ``too_few`` when either denominator is under :data:`MIN_DENOMINATOR`."""
    if _missing(yes1, n1, yes2, n2):
        return "not_compared"
    if too_few(denominator=n1) or too_few(denominator=n2):
        return "too_few"
    if share_difference_p(yes1, n1, yes2, n2) >= alpha:
        return "no_difference"
    return "higher" if float(yes1) / float(n1) > float(yes2) / float(n2) else "lower"


def estimates_differ(
    value1, lower1, upper1, value2, lower2, upper2, *, log: bool = True, count1=None,
    count2=None, denominator1=None, denominator2=None, alpha: float = ALPHA,
) -> str:  # fmt: skip
    """Two uncertain estimates compared from their 95 % intervals alone.

    Each standard error is recovered from its interval, ``(upper − lower) / (2 · 1.96)``
    (on the log scale for rates, ``log=True``), and the difference is tested with
    ``z = (v1 − v2) / sqrt(se1² + se2²)`` (Altman & Bland 2011). ``too_few`` when a given
    count or denominator is too small (:func:`too_few`); ``not_compared`` when a value or
    a limit is missing, or a rate or a limit is 0 on the log scale.
    """
    if too_few(count1, denominator1) or too_few(count2, denominator2):
        return "too_few"
    values = (value1, lower1, upper1, value2, lower2, upper2)
    if _missing(*values):
        return "not_compared"
    v1, l1, u1, v2, l2, u2 = (float(v) for v in values)
    if log:
        if min(v1, l1, u1, v2, l2, u2) <= 0:
            return "not_compared"
        v1, l1, u1, v2, l2, u2 = (math.log(v) for v in (v1, l1, u1, v2, l2, u2))
    se = math.hypot((u1 - l1) / (2 * _Z), (u2 - l2) / (2 * _Z))
    if se == 0:
        return "not_compared"
    p = 2 * stats.norm.sf(abs(v1 - v2) / se)
    if p >= alpha:
        return "no_difference"
    return "higher" if v1 > v2 else "lower"


def trend_verdict(result: indicators.TrendResult | None, total_count=None) -> str:
    """The one trend rule: ``up``/``down`` when the Poisson test is significant and the
    quasi-Poisson test agrees, ``no_change`` otherwise; ``too_few_years`` without a result
    (fewer than 5 years with data) unless the events are too few anyway, and
    ``too_few_cases`` with fewer than :data:`MIN_EVENTS` events in all (``total_count``):
    more years would not help a series with almost no events, so the cases are named
    first."""
    if too_few(total_count):
        return "too_few_cases"
    if result is None or (isinstance(result, float) and np.isnan(result)):
        return "too_few_years"
    if not (result.significant and result.agree):
        return "no_change"
    return "up" if result.rate_ratio > 1 else "down"


# ---------------------------------------------------------------- goals


@dataclass(frozen=True)
class GoalVerdict:
    """Result of :func:`goal_verdict`: ``status`` (:data:`GOAL_STATUSES`), ``progress``
    (share of the way from baseline to target), ``expected`` (share of the time elapsed,
    at most 1), ``path_value`` (the straight line's value in the latest year) and
    ``notes`` (:data:`GOAL_NOTES`)."""

    status: str
    progress: float | None = None
    expected: float | None = None
    path_value: float | None = None
    notes: tuple[str, ...] = ()


def _side(sign: int, value: float, mark: float) -> int:
    """+1 when ``value`` is past ``mark`` in the goal's direction, -1 behind, 0 on it."""
    d = sign * (value - mark)
    tolerance = 1e-9 * max(1.0, abs(mark))
    return 0 if abs(d) <= tolerance else (1 if d > 0 else -1)


def goal_verdict(
    baseline_year: int,
    baseline_value: float,
    target_year: int,
    target_value: float,
    direction: str,
    latest_year: int | None,
    latest_value: float | None,
    lower: float | None = None,
    upper: float | None = None,
    *,
    previous: tuple[int, float] | None = None,
    averaged: bool = False,
    exact: bool = False,
) -> GoalVerdict:
    """The status of one goal against a straight line from the baseline to the target.

    The path value is the line's value in ``latest_year`` (the target itself once the
    target year has come). With an interval [``lower``, ``upper``]:

    * ``reached``: the value is at or past the target and the interval does not cover it;
    * ``within_margin``: the interval covers the target or the path value (the data
      cannot tell whether the goal is reached, or on track);
    * ``on_track`` / ``not_on_track``: the whole interval is past / behind the path value.

    Without an interval (a Kolada value without its count, a register's figure) the note
    ``no_interval`` is added; ``reached`` needs the value at or past the target, and
    ``on_track`` or ``not_on_track`` needs two values after the baseline on the same side
    of the line (``previous``: the year and value before the latest); from one value the
    status is ``within_margin`` with the note ``one_value``. ``averaged`` adds the note
    that the value is a 3-year average. ``exact`` marks a value that is a complete count
    with no uncertainty (the municipality's own register of trained staff): it is judged
    by the value alone, no note. ``no_data`` without a value after the baseline.
    """
    if direction not in ("decrease", "increase"):
        raise ValueError(f"direction must be decrease or increase, got {direction!r}")
    if _missing(latest_value, latest_year) or latest_year <= baseline_year:
        return GoalVerdict("no_data")
    sign = 1 if direction == "increase" else -1
    span = target_value - baseline_value
    progress = (latest_value - baseline_value) / span if span else float("inf")

    def path(year: float) -> tuple[float, float]:
        share = min((year - baseline_year) / (target_year - baseline_year), 1.0)
        return share, baseline_value + share * span

    expected, path_value = path(latest_year)
    notes = ("averaged",) if averaged else ()
    done = {"progress": progress, "expected": expected, "path_value": path_value}
    if not _missing(lower, upper):
        lo, up = sorted((float(lower), float(upper)))
        worst = lo if sign > 0 else up  # the interval's end furthest from the goal
        best = up if sign > 0 else lo
        if _side(sign, latest_value, target_value) >= 0 and _side(sign, worst, target_value) > 0:
            return GoalVerdict("reached", notes=notes, **done)
        if _side(sign, worst, path_value) >= 0:
            return GoalVerdict("on_track", notes=notes, **done)
        if _side(sign, best, path_value) < 0:
            return GoalVerdict("not_on_track", notes=notes, **done)
        return GoalVerdict("within_margin", notes=notes, **done)
    if exact:
        if _side(sign, latest_value, target_value) >= 0:
            return GoalVerdict("reached", notes=notes, **done)
        on_line = _side(sign, latest_value, path_value) >= 0
        return GoalVerdict("on_track" if on_line else "not_on_track", notes=notes, **done)
    notes = (*notes, "no_interval")
    if _side(sign, latest_value, target_value) >= 0:
        return GoalVerdict("reached", notes=notes, **done)
    if previous is None or _missing(*previous) or previous[0] <= baseline_year:
        return GoalVerdict("within_margin", notes=(*notes, "one_value"), **done)
    sides = {_side(sign, latest_value, path_value), _side(sign, previous[1], path(previous[0])[1])}
    if sides <= {0, 1}:
        return GoalVerdict("on_track", notes=notes, **done)
    if sides == {-1}:
        return GoalVerdict("not_on_track", notes=notes, **done)
    return GoalVerdict("within_margin", notes=notes, **done)
