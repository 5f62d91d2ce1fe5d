"""The audit an attacker would run over the rendered reports of a run.

:func:`audit` reads every ``*.html`` of a report folder (all municipalities and steps), collects
every marked local-source cell (:mod:`vpanalysis.publication.keys`), recovers the counts the
reports show (a share with one decimal, its Wilson interval and its denominator pin down the
yes-count and the number who answered), derives the linear relations between the cells *from
their keys alone* (independently of the publication code, so that it catches its mistakes) and
bounds every withheld count, and every count of persons the relations imply (pupils who said no,
who skipped an item, of unstated sex; a category minus a sub-category; a pooled member), with a
linear programme (HiGHS, integrality relaxed).

A *finding* is a count of persons provably in ``1..threshold-1``: a withheld cell or an implied
count whose bounds lie in that range, a published (or recovered) count in that range, or the
same cell shown with two values that differ by such a count.

Relations, for cells of the same source, measure, region and year:

* sex: ``T`` = ``K`` + ``M`` for counts; ``T`` = ``K`` + ``M`` + ``U`` for the survey (the
  unstated group is an unknown of its own when no report shows it, and ``T - K - M`` is a
  count of persons like any other);
* age: ``totalt`` = the sum of the measure's age groups when they are disjoint and cover all
  ages (plus an unknown rest when they do not cover all ages; ``totalt`` >= each group when they
  overlap);
* grade: ``alla`` = the sum of the grades the region's survey shows anywhere;
* answers: ``answered`` = ``yes`` + ``no``; ``respondents`` = ``answered`` + ``skipped``;
* a share ``s`` (one decimal) of ``yes`` in ``answered``: ``s - 0.05 <= 100 yes / answered
  <= s + 0.05``;
* a category >= each of its parts (``parent``): ``parent`` = ``part`` + rest;
* a pool ``pool:a+b`` = the sum over its municipalities.

A ``denominator`` cell whose key has ``answer=yes`` is the count of the matching ``answered``
cell; otherwise it is the count of its own key. ``share``/``lower``/``upper`` cells are about the
``yes`` cell of their key.
"""

from __future__ import annotations

import contextlib
import json
import math
import multiprocessing as mp
import os
import re
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from vpanalysis.config import DISCLOSURE_THRESHOLD
from vpanalysis.publication import keys

#: Largest number who answered that a share's recovery tries.
MAX_ANSWERED = 5000
#: Tolerance of the LP bounds.
EPS = 1e-6
#: Upper bound put on every unknown while screening (keeps the screening LPs bounded).
BIG = 1e7
SURVEY = "skolenkat"
SEXES = {SURVEY: ("T", "K", "M", "U")}
COUNT_SEXES = ("T", "K", "M")
Key = tuple[str, ...]
_FIELD = {f: i for i, f in enumerate(keys.KEY_FIELDS)}


def _with(key: Key, **changes: str) -> Key:
    out = list(key)
    for name, value in changes.items():
        out[_FIELD[name]] = value
    return tuple(out)


def _get(key: Key, name: str) -> str:
    return key[_FIELD[name]]


def describe(key: Key) -> str:
    """A key as ``field=value`` pairs (empty fields left out)."""
    return ", ".join(f"{f}={v}" for f, v in zip(keys.KEY_FIELDS, key, strict=True) if v)


# ---------------------------------------------------------------- reading the HTML


@dataclass(frozen=True)
class Seen:
    """Where a cell was shown: report file, table caption (or heading) and the cell's text."""

    report: str
    caption: str
    text: str

    def where(self) -> str:
        return f"{self.report}: {self.caption or '(no caption)'}: {self.text!r}"


@dataclass(frozen=True)
class Mark:
    """One marked cell as read from a report."""

    key: Key
    kind: str
    value: float | None
    seen: Seen


class _Reader(HTMLParser):
    """Collects the marked cells, captions and thresholds of one HTML file."""

    HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}

    def __init__(self, report: str) -> None:
        super().__init__(convert_charrefs=True)
        self.report = report
        self.marks: list[Mark] = []
        self.thresholds: list[int] = []
        self.heading = ""
        self.table_caption = ""
        self._text: list[str] | None = None  # text being collected
        self._collecting = ""  # "caption", "heading", "chart-caption"
        self._span: list | None = None  # [cells, text parts, depth]
        self._script: list[str] | None = None
        self._pending_chart: list[dict] = []
        self._caption_depth = 0

    # -- parser callbacks
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "div" and "vp-local" in classes and a.get("data-threshold"):
            with contextlib.suppress(ValueError):
                self.thresholds.append(int(a["data-threshold"]))
        if tag == "table":
            self.table_caption = ""
        if self._span is not None and tag == "span":
            self._span[2] += 1
        if keys.CELLS_ATTRIBUTE in a and self._span is None:
            self._span = [_cells(a[keys.CELLS_ATTRIBUTE]), [], 1 if tag == "span" else 0, tag]
        if tag == "script" and keys.CHART_CELLS_CLASS in classes:
            self._script = []
        if not self._collecting:
            if tag == "caption":
                self._start("caption")
            elif tag in self.HEADINGS:
                self._start("heading")
            elif tag == "div" and "vp-caption" in classes and self._pending_chart:
                self._start("chart-caption")
                self._caption_depth = 1
        elif self._collecting == "chart-caption" and tag == "div":
            self._caption_depth += 1

    def handle_endtag(self, tag):
        if self._span is not None and tag == self._span[3]:
            if tag == "span":
                self._span[2] -= 1
            if self._span[2] <= 0:
                cells, text = self._span[0], "".join(self._span[1]).strip()
                where = self.table_caption or self.heading
                self._add(cells, where, text)
                self._span = None
        if tag == "script" and self._script is not None:
            self._pending_chart.extend(_cells("".join(self._script)))
            self._script = None
        if self._collecting == "caption" and tag == "caption":
            self.table_caption = self._stop()
        elif self._collecting == "heading" and tag in self.HEADINGS:
            self.heading = self._stop()
            self.table_caption = ""
        elif self._collecting == "chart-caption" and tag == "div":
            self._caption_depth -= 1
            if self._caption_depth == 0:
                text = self._stop()
                text = text.split("Så läser du det")[0]
                text = text.replace("Vad visar diagrammet?", "").strip() or self.heading
                self._flush_chart(text)
        if tag == "table":
            self.table_caption = ""

    def handle_data(self, data):
        if self._script is not None:
            self._script.append(data)
            return
        if self._span is not None:
            self._span[1].append(data)
        if self._text is not None:
            self._text.append(data)

    def close(self):
        super().close()
        self._flush_chart(self.heading)

    # -- helpers
    def _start(self, what: str) -> None:
        self._collecting = what
        self._text = []

    def _stop(self) -> str:
        text = " ".join("".join(self._text or []).split())
        self._collecting = ""
        self._text = None
        return text

    def _flush_chart(self, caption: str) -> None:
        if self._pending_chart:
            self._add(self._pending_chart, caption, "(chart)")
            self._pending_chart = []

    def _add(self, cells: list[dict], caption: str, text: str) -> None:
        seen = Seen(self.report, caption, text)
        for c in cells:
            if not isinstance(c, dict):
                continue
            key = _normal(tuple(str(c.get(f, "") or "") for f in keys.KEY_FIELDS))
            kind = str(c.get("kind", ""))
            value = c.get("value")
            try:
                number = None if value in (None, "") else float(value)
            except (TypeError, ValueError):
                number = None
            self.marks.append(Mark(key, kind, number, seen))


def _normal(key: Key) -> Key:
    """Empty grade and age as the schema writes them: ``alla`` (``totalt`` for a count's age)."""
    if not _get(key, "grade"):
        key = _with(key, grade=keys.ALL)
    if not _get(key, "age"):
        key = _with(key, age=keys.ALL if _get(key, "source") == SURVEY else keys.TOTAL_AGE)
    return key


def _cells(payload: str) -> list:
    try:
        cells = json.loads(payload)
    except ValueError:
        return []
    return cells if isinstance(cells, list) else []


def read_reports(report_dir: str | Path) -> tuple[list[Path], list[Mark], list[int]]:
    """The HTML files of ``report_dir``, every marked cell in them and the thresholds they state."""
    files = sorted(Path(report_dir).glob("*.html"))
    marks: list[Mark] = []
    thresholds: list[int] = []
    for path in files:
        reader = _Reader(path.name)
        reader.feed(path.read_text(encoding="utf-8", errors="replace"))
        reader.close()
        marks.extend(reader.marks)
        thresholds.extend(reader.thresholds)
    return files, marks, thresholds


# ---------------------------------------------------------------- shares -> counts


#: The normal quantile of a two-sided 95 % interval.
Z95 = 1.959963984540054


def wilson(k: np.ndarray, n: np.ndarray, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval of ``k / n`` (between 0 and 1), computed from its formula."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    p = k / n
    centre = p + z * z / (2 * n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    scale = 1 + z * z / n
    return np.minimum((centre - half) / scale, p), np.maximum((centre + half) / scale, p)


def share_counts(
    share: float | None,
    lower: float | None = None,
    upper: float | None = None,
    answered: float | None = None,
    max_answered: int = MAX_ANSWERED,
) -> list[tuple[int, int]]:
    """Every ``(yes, answered)`` consistent with a share and its Wilson 95 % interval.

    ``share``, ``lower`` and ``upper`` are per cent as shown (one decimal); ``answered``
    (when shown) restricts the number who answered. Ties in rounding are accepted both ways.
    """
    if answered is not None:
        n = np.array([int(round(answered))])
        if n[0] <= 0:
            return []
    else:
        n = np.arange(1, max_answered + 1)
    tol = 0.05 + 1e-7
    if share is not None:
        k_lo = np.ceil((share - tol) * n / 100)
        k_hi = np.floor((share + tol) * n / 100)
    elif lower is not None and upper is not None:
        # the interval alone: its centre is (k + z²/2) / (n + z²), known to within 0.05 %
        centre = (lower + upper) / 200
        z2 = Z95 * Z95
        k_lo = np.floor((centre - tol / 100) * (n + z2) - z2 / 2)
        k_hi = np.ceil((centre + tol / 100) * (n + z2) - z2 / 2)
    elif answered is not None:
        k_lo, k_hi = np.zeros(len(n)), n.astype(float)
    else:
        return []
    k_lo = np.maximum(k_lo, 0)
    k_hi = np.minimum(k_hi, n)
    span = int(np.max(k_hi - k_lo, initial=-1))
    if span < 0:
        return []
    ks, ns = [], []
    for offset in range(span + 1):
        k = k_lo + offset
        ok = k <= k_hi
        ks.append(k[ok])
        ns.append(n[ok])
    k = np.concatenate(ks)
    nn = np.concatenate(ns)
    if not len(k):
        return []
    low, high = wilson(k, nn)
    keep = np.ones(len(k), dtype=bool)
    if lower is not None:
        keep &= np.abs(low * 100 - lower) <= tol
    if upper is not None:
        keep &= np.abs(high * 100 - upper) <= tol
    return sorted(zip(k[keep].astype(int).tolist(), nn[keep].astype(int).tolist(), strict=True))


# ---------------------------------------------------------------- the model


@dataclass
class Variable:
    key: Key
    origin: str  # how it entered: a kind seen ("count", "share", ...) or "implied: ..."
    kinds: set[str] = field(default_factory=set)  # the kinds it was shown as
    lo: float = 0.0
    hi: float = math.inf
    seen: list[Seen] = field(default_factory=list)
    values: set[float] = field(default_factory=set)
    derived: bool = False  # fixed by an equation with one unknown

    @property
    def known(self) -> bool:
        return self.hi - self.lo <= EPS

    @property
    def withheld(self) -> bool:
        """Shown only as withheld (no report shows its value)."""
        return "withheld" in self.kinds and not self.values and "share" not in self.kinds


@dataclass(frozen=True)
class Finding:
    """A count of persons provably in 1..threshold-1."""

    key: Key
    low: float
    high: float
    why: str
    seen: Seen | None

    def line(self) -> str:
        where = self.seen.where() if self.seen else "(not shown)"
        low, high = _fmt(self.low), _fmt(self.high)
        bounds = low if low == high else f"{low}..{high}"
        return f"{where}: {self.why} [{describe(self.key)}] = {bounds}"


def _fmt(x: float) -> str:
    return str(int(round(x))) if abs(x - round(x)) < 1e-4 else f"{x:.2f}"


@dataclass
class AuditResult:
    """What :func:`audit` found."""

    reports: int
    cells: int
    recovered: int
    bounded: int
    threshold: int
    findings: list[Finding]
    inconsistencies: list[str]

    def summary(self) -> str:
        return (
            f"audit: {self.reports} reports, {self.cells} marked cells, {self.recovered} counts "
            f"recovered exactly, {self.bounded} withheld cells bounded, threshold "
            f"{self.threshold}: {len(self.findings)} finding(s)"
        )

    def lines(self) -> list[str]:
        out = [self.summary()]
        out += [f"FINDING {f.line()}" for f in self.findings]
        out += [f"inconsistent: {text}" for text in self.inconsistencies]
        return out


class _Model:
    """Variables (counts of persons) and linear relations between them."""

    def __init__(self) -> None:
        self.vars: dict[Key, Variable] = {}
        self.eqs: list[dict[Key, float]] = []  # sum coef * x == 0
        self.ubs: list[dict[Key, float]] = []  # sum coef * x <= 0
        self.flag: set[Key] = set()  # counts of persons to bound

    def var(self, key: Key, origin: str) -> Variable:
        if key not in self.vars:
            self.vars[key] = Variable(key, origin)
            self.flag.add(key)
        return self.vars[key]

    def total(self, total: Key, parts: Iterable[Key], origin: str) -> None:
        """``total`` = the sum of ``parts`` (missing ones implied)."""
        self.var(total, origin)
        eq = {total: 1.0}
        for p in parts:
            self.var(p, origin)
            eq[p] = eq.get(p, 0.0) - 1.0
        self.eqs.append(eq)


def _age_range(group: str) -> tuple[float, float] | None:
    m = re.fullmatch(r"(\d+)-(\d+)", group)
    if m:
        return float(m[1]), float(m[2]) + 1
    m = re.fullmatch(r"(\d+)\+", group)
    if m:
        return float(m[1]), math.inf
    m = re.fullmatch(r"(\d+)", group)
    if m:
        return float(m[1]), float(m[1]) + 1
    return None


def age_tree(groups: Iterable[str]) -> list[tuple[str, list[str], str]]:
    """``(group, its parts, structure)`` for every age group (``totalt`` = all ages) that has parts.

    The parts of a group are the largest other groups inside it; ``structure`` is ``exact``
    (disjoint and covering the group: it is their sum), ``partial`` (disjoint, not covering:
    their sum plus a rest) or ``overlap`` (the group is at least each part). Groups that are
    not age ranges are left out.
    """
    ranges = {g: _age_range(g) for g in groups if g not in (keys.TOTAL_AGE, keys.ALL, "")}
    ranges = {g: r for g, r in ranges.items() if r is not None}
    whole = dict(ranges)
    if keys.TOTAL_AGE in groups:
        whole[keys.TOTAL_AGE] = (0.0, math.inf)

    def inside(a, b):  # a strictly inside b
        return a != b and b[0] <= a[0] and a[1] <= b[1]

    out = []
    for g, (lo, hi) in whole.items():
        inner = {h: r for h, r in ranges.items() if inside(r, (lo, hi))}
        parts = sorted(
            (h for h, r in inner.items() if not any(inside(r, q) for q in inner.values())),
            key=lambda h: inner[h],
        )
        if not parts:
            continue
        end, structure = lo, "exact"
        for h in parts:
            a, b = inner[h]
            if a < end:
                structure = "overlap"
                break
            if a > end:
                structure = "partial"
            end = b
        if structure == "exact" and end < hi:
            structure = "partial"
        out.append((g, parts, structure))
    return out


def _build(marks: list[Mark], inconsistencies: list[str]) -> tuple[_Model, dict, int]:
    """The model of every count the marks show or imply; returns it with the share findings."""
    model = _Model()
    # yes-key -> where shown (report, caption, text) -> kind -> values
    shares: dict[Key, dict[Seen, dict[str, set[float]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(set))
    )
    counted = 0
    for m in marks:
        if m.kind not in keys.KINDS:
            continue
        counted += 1
        key = m.key
        item = _get(key, "source") == SURVEY and _get(key, "measure") != "respondents"
        if item and not _get(key, "answer") and m.kind in ("share", "lower", "upper", "withheld"):
            key = _with(key, answer="yes")  # a share is about its yes-count
        if m.kind in ("share", "lower", "upper"):
            key = _with(key, answer="yes")
            model.var(_with(key, answer="answered"), "implied: answered")
            v = model.var(key, "share")
            v.kinds.add("share")
            v.seen.append(m.seen)
            if m.value is not None:
                shares[key][m.seen][m.kind].add(m.value)
            continue
        if m.kind == "denominator" and (item or _get(key, "answer") in ("yes", "answered")):
            key = _with(key, answer="answered")
            if m.value is not None:
                shares[_with(key, answer="yes")][m.seen]["denominator"].add(m.value)
        v = model.var(key, m.kind)
        v.kinds.add(m.kind)
        v.seen.append(m.seen)
        if m.kind != "withheld" and m.value is not None:
            v.values.add(m.value)

    # exact values and conflicts
    findings: list[tuple[Key, float, float, str, Seen | None]] = []
    for key, v in model.vars.items():
        if not v.values:
            continue
        low, high = min(v.values), max(v.values)
        if high - low > EPS:
            inconsistencies.append(
                f"{describe(key)} shown as {', '.join(_fmt(x) for x in sorted(v.values))}"
                f" ({'; '.join(s.where() for s in v.seen[:3])})"
            )
            findings.append((key, high - low, high - low, "difference of two values of", None))
        v.lo, v.hi = low, high

    # shares: ratio relations and the counts they pin down
    for key, groups in shares.items():
        kinds = ("share", "lower", "upper", "denominator")
        merged = {k: set().union(*(g[k] for g in groups.values())) for k in kinds}
        if all(len(values) <= 1 for values in merged.values()):
            observations = [merged]  # e.g. share and interval in separate columns
        else:  # shown differently in different places: each place on its own
            observations = [{k: g[k] for k in kinds} for g in groups.values()]
        recovered = [
            _recover(model, key, o, inconsistencies, len(observations) == 1) for o in observations
        ]
        recovered = [r for r in recovered if r is not None]
        if not recovered:
            continue
        yes, answered = model.vars[key], model.vars[_with(key, answer="answered")]
        for var, lows, highs in (
            (yes, [r[0] for r in recovered], [r[1] for r in recovered]),
            (answered, [r[2] for r in recovered], [r[3] for r in recovered]),
        ):
            exact = sorted({lo for lo, hi in zip(lows, highs, strict=True) if lo == hi})
            if len(exact) > 1:
                d = exact[-1] - exact[0]
                shown = "; ".join(sorted({s.where() for s in groups}))
                inconsistencies.append(
                    f"{describe(var.key)} recovered as {', '.join(map(_fmt, exact))} ({shown})"
                )
                findings.append((var.key, d, d, "difference of two values of", None))
            if len(recovered) == 1:
                var.lo, var.hi = max(var.lo, lows[0]), min(var.hi, highs[0])
                if var.lo > var.hi + EPS:
                    inconsistencies.append(f"{describe(var.key)}: share and shown counts disagree")
            else:
                var.lo, var.hi = min(lows), max(highs)
    _relations(model)
    return model, findings, counted


def _recover(model: _Model, key: Key, obs: dict, inconsistencies: list[str], ratio: bool):
    """``(min yes, max yes, min answered, max answered)`` from one showing of a share."""
    answered_key = _with(key, answer="answered")
    share = next(iter(obs["share"]), None)
    lower = next(iter(obs["lower"]), None)
    upper = next(iter(obs["upper"]), None)
    n_var = model.vars[answered_key]
    known_n = next(iter(obs["denominator"]), None)
    if known_n is None and ratio and n_var.known:
        known_n = n_var.lo
    if share is not None and ratio:
        tol = 0.05 + 1e-7
        model.ubs.append({key: 100.0, answered_key: -(share + tol)})
        model.ubs.append({key: -100.0, answered_key: share - tol})
    if share is None and (lower is None or upper is None) and known_n is None:
        return None
    pairs = share_counts(share, lower, upper, known_n)
    if not pairs:
        if lower is not None and upper is not None:
            inconsistencies.append(
                f"{describe(key)}: no counts up to {MAX_ANSWERED} give share {share}, "
                f"interval {lower}-{upper}"
            )
        return None
    if known_n is None and max(n for _, n in pairs) > 0.9 * MAX_ANSWERED:
        return None  # may be a larger group than we tried
    ks = [k for k, _ in pairs]
    ns = [n for _, n in pairs]
    return min(ks), max(ks), min(ns), max(ns)


def _relations(model: _Model) -> None:
    """Every relation the keys imply (see the module docstring), implied unknowns included."""
    seen = list(model.vars)
    ages: dict[tuple[str, str], set[str]] = defaultdict(set)
    grades: dict[tuple[str, str], set[str]] = defaultdict(set)  # (source, region)
    parents: dict[tuple[str, str], str] = {}
    for key in seen:
        source, measure = _get(key, "source"), _get(key, "measure")
        ages[source, measure].add(_get(key, "age"))
        grades[source, _get(key, "region")].add(_get(key, "grade"))
        parents[source, measure] = _get(key, "parent")
    # cubes: source, measure, parent, region, year, answer
    cubes: set[Key] = set()
    for key in seen:
        cube = _with(key, sex="", age="", grade="")
        cubes.add(cube)
        source, measure = _get(key, "source"), _get(key, "measure")
        if source == SURVEY and measure != "respondents":
            for answer in ("yes", "answered", "no"):
                cubes.add(_with(cube, answer=answer))
    for cube in list(cubes):
        members = keys.pool_members(_get(cube, "region"))
        for code in members:
            cubes.add(_with(cube, region=code))
        part_of = _get(cube, "parent")
        if part_of:
            source = _get(cube, "source")
            cubes.add(_with(cube, measure=part_of, parent=parents.get((source, part_of), "")))
    cubes_by_id = set(cubes)

    def grades_of(cube: Key) -> set[str]:
        """The grades a region's survey has (a pool: those of its municipalities too)."""
        source, region = _get(cube, "source"), _get(cube, "region")
        out = set(grades.get((source, region), set()))
        for code in keys.pool_members(region):
            out |= grades.get((source, code), set())
        if not out:  # a region shown only inside a pool: the grades of the source
            out = set().union(*(g for (src, _), g in grades.items() if src == source))
        return out

    def cells(cube: Key):
        source, measure = _get(cube, "source"), _get(cube, "measure")
        sexes = SEXES.get(source, COUNT_SEXES)
        age_set = sorted(ages.get((source, measure), set()) or {""})
        grade_set = sorted(grades_of(cube) or {""})
        for s in sexes:
            for a in age_set:
                for g in grade_set:
                    yield _with(cube, sex=s, age=a, grade=g)

    for cube in sorted(cubes_by_id):
        source, measure = _get(cube, "source"), _get(cube, "measure")
        sexes = SEXES.get(source, COUNT_SEXES)
        age_set = sorted(ages.get((source, measure), set()))
        grade_set = sorted(grades_of(cube))
        tree = age_tree(age_set)
        parts_grades = [g for g in grade_set if g not in (keys.ALL, "")]
        for a in age_set:
            for g in grade_set:
                total = _with(cube, sex="T", age=a, grade=g)
                parts = [_with(cube, sex=s, age=a, grade=g) for s in sexes if s != "T"]
                model.total(total, parts, "implied: by sex")
        for s in sexes:
            for g in grade_set:
                for group, members, structure in tree:
                    total = _with(cube, sex=s, age=group, grade=g)
                    parts = [_with(cube, sex=s, age=a, grade=g) for a in members]
                    if structure == "exact":
                        model.total(total, parts, "implied: by age")
                    elif structure == "partial":
                        rest = _with(cube, sex=s, age=f"other ages of {group}", grade=g)
                        model.total(total, [*parts, rest], "implied: by age")
                    else:
                        model.var(total, "implied: by age")
                        for p in parts:
                            model.var(p, "implied: by age")
                            model.ubs.append({p: 1.0, total: -1.0})
            for a in age_set:
                if keys.ALL in grade_set and parts_grades:
                    total = _with(cube, sex=s, age=a, grade=keys.ALL)
                    parts = [_with(cube, sex=s, age=a, grade=g) for g in parts_grades]
                    model.total(total, parts, "implied: by grade")
        answer = _get(cube, "answer")
        if source == SURVEY and measure != "respondents" and answer == "answered":
            respondents = _with(cube, measure="respondents", parent="", answer="")
            for c in cells(cube):
                model.total(c, [_with(c, answer="yes"), _with(c, answer="no")], "implied: no")
                if respondents in cubes_by_id:
                    r = _with(c, measure="respondents", parent="", answer="")
                    model.total(r, [c, _with(c, answer="skipped")], "implied: skipped")
        members = keys.pool_members(_get(cube, "region"))
        if members:
            for c in cells(cube):
                model.total(c, [_with(c, region=m) for m in members], "implied: pool member")
        part_of = _get(cube, "parent")
        if part_of:
            for c in cells(cube):
                parent = _with(c, measure=part_of, parent=parents.get((source, part_of), ""))
                rest = _with(c, answer=f"not in {measure}", parent=part_of)
                model.total(parent, [c, rest], "implied: rest of the category")


# ---------------------------------------------------------------- bounding


def _components(model: _Model, unknown: list[Key]) -> list[list[int]]:
    index = {k: i for i, k in enumerate(unknown)}
    parent = list(range(len(unknown)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for rel in (*model.eqs, *model.ubs):
        ids = [index[k] for k in rel if k in index]
        for j in ids[1:]:
            a, b = find(ids[0]), find(j)
            if a != b:
                parent[a] = b
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(unknown)):
        groups[find(i)].append(i)
    return list(groups.values())


def _propagate(model: _Model, inconsistencies: list[str]) -> None:
    """Fix every unknown that an equation with only one unknown determines (no LP needed)."""
    vars_ = model.vars
    by_var: dict[Key, list[int]] = defaultdict(list)
    for i, rel in enumerate(model.eqs):
        for k in rel:
            by_var[k].append(i)
    todo = list(range(len(model.eqs)))
    queued = set(todo)
    while todo:
        i = todo.pop()
        queued.discard(i)
        rel = model.eqs[i]
        unknown = [k for k in rel if not vars_[k].known]
        if len(unknown) != 1:
            continue
        (k,) = unknown
        if abs(rel[k]) < 1e-12:
            continue
        value = -sum(c * vars_[o].lo for o, c in rel.items() if o != k) / rel[k]
        v = vars_[k]
        if value < v.lo - 1e-6 or value > v.hi + 1e-6:
            inconsistencies.append(
                f"{describe(k)} would be {_fmt(value)} by the relations, outside what is shown "
                f"({_fmt(v.lo)}..{_fmt(v.hi)})"
            )
            continue
        v.lo = v.hi = value
        v.derived = True
        for j in by_var[k]:
            if j not in queued:
                queued.add(j)
                todo.append(j)


def _bound(model: _Model, threshold: int, inconsistencies: list[str]) -> dict[Key, tuple]:
    """LP bounds ``(min, max)`` of every flagged unknown whose max may be under the threshold."""
    _propagate(model, inconsistencies)
    vars_ = model.vars
    unknown = [k for k, v in vars_.items() if not v.known]
    index = {k: i for i, k in enumerate(unknown)}
    rows_eq: list[tuple[dict[int, float], float]] = []
    rows_ub: list[tuple[dict[int, float], float]] = []
    for rels, rows, kind in ((model.eqs, rows_eq, "eq"), (model.ubs, rows_ub, "ub")):
        for rel in rels:
            coefs: dict[int, float] = {}
            rhs = 0.0
            for k, c in rel.items():
                if k in index:
                    coefs[index[k]] = coefs.get(index[k], 0.0) + c
                else:
                    rhs -= c * vars_[k].lo
            coefs = {i: c for i, c in coefs.items() if c}
            if coefs:
                rows.append((coefs, rhs))
            elif (kind == "eq" and abs(rhs) > 1e-6) or (kind == "ub" and rhs < -1e-6):
                inconsistencies.append(
                    "relation does not hold for the shown values: "
                    + " + ".join(f"{c:g}*[{describe(k)}]" for k, c in rel.items())
                    + (" = 0" if kind == "eq" else " <= 0")
                )
    comp_of = {}
    components = _components(model, unknown)
    for n, comp in enumerate(components):
        for i in comp:
            comp_of[i] = n
    eq_by: dict[int, list] = defaultdict(list)
    ub_by: dict[int, list] = defaultdict(list)
    for coefs, rhs in rows_eq:
        eq_by[comp_of[next(iter(coefs))]].append((coefs, rhs))
    for coefs, rhs in rows_ub:
        ub_by[comp_of[next(iter(coefs))]].append((coefs, rhs))
    work = []  # (component number, its flagged unknowns), in the order of the components
    for n, comp in enumerate(components):
        flagged = [i for i in comp if unknown[i] in model.flag]
        if flagged:
            work.append((n, flagged))

    def solve(part) -> list[dict[Key, tuple]]:
        return [
            _bound_component(unknown, components[n], flagged, eq_by[n], ub_by[n], threshold, vars_)
            for n, flagged in part
        ]

    out: dict[Key, tuple] = {}
    # an LP's time grows faster than its size: one of 3240 unknowns took 0.12 s, of 33 1 ms
    weight = lambda item: len(components[item[0]]) ** 1.2  # noqa: E731
    for found in _in_two(work, solve, weight):
        out.update(found)
    return out


#: Fewest components worth a second process (its fork and the results' way back cost ~0.1 s).
PARALLEL_MIN = 40


def _in_two(items: list, solve, weight) -> list:
    """``solve(items)``, with about half of the items solved in a forked child.

    The components are independent, and each is solved by the same sequence of LPs as
    alone: the results are those of one process, in the same order. Where fork is
    missing, or this process has other threads (one could hold a lock), or one core, or
    little work, everything is solved here.
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    forkable = "fork" in mp.get_all_start_methods() and threading.active_count() == 1
    if len(items) < PARALLEL_MIN or cores < 2 or not forkable:
        return solve(items)
    # the heaviest first, each into the lighter half so far
    halves: tuple[list[int], list[int]] = ([], [])
    load = [0.0, 0.0]
    for i in sorted(range(len(items)), key=lambda i: -weight(items[i])):
        lighter = 0 if load[0] <= load[1] else 1
        halves[lighter].append(i)
        load[lighter] += weight(items[i])
    mine, theirs = sorted(halves[0]), sorted(halves[1])
    context = mp.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_solve_in_child, args=(solve, [items[i] for i in theirs], sender), daemon=True
    )
    child.start()
    sender.close()
    try:
        ours = solve([items[i] for i in mine])
        try:
            other = receiver.recv()
        except EOFError:
            other = None
    finally:
        receiver.close()
        child.join()
    if other is None:  # the child died: solve its half here
        other = solve([items[i] for i in theirs])
    results = dict(zip(mine, ours, strict=True)) | dict(zip(theirs, other, strict=True))
    return [results[i] for i in range(len(items))]


def _solve_in_child(solve, items: list, conn) -> None:
    try:
        conn.send(solve(items))
    finally:
        conn.close()


def _bound_component(unknown, comp, flagged, eqs, ubs, threshold, vars_) -> dict[Key, tuple]:
    local = {g: j for j, g in enumerate(comp)}
    size = len(comp)

    def matrix(rows):
        if not rows:
            return None, None
        data, ri, ci, b = [], [], [], []
        for r, (coefs, rhs) in enumerate(rows):
            for g, c in coefs.items():
                data.append(c)
                ri.append(r)
                ci.append(local[g])
            b.append(rhs)
        return sparse.csr_matrix((data, (ri, ci)), shape=(len(rows), size)), np.array(b)

    a_eq, b_eq = matrix(eqs)
    a_ub, b_ub = matrix(ubs)
    bounds = []
    for g in comp:
        v = vars_[unknown[g]]
        bounds.append((max(v.lo, 0.0), min(v.hi, BIG)))

    def solve(c):
        res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        return res if res.status == 0 else None

    out: dict[Key, tuple] = {}
    candidates = [local[g] for g in flagged]
    # screening: a feasible point with a candidate >= threshold rules it out
    while candidates:
        c = np.zeros(size)
        c[candidates] = -1.0
        res = solve(c)
        if res is None:  # infeasible: reported once for the component by the caller
            out[unknown[comp[candidates[0]]]] = (math.nan, math.nan)
            return out
        big = [j for j in candidates if res.x[j] >= threshold - 1 + 1e-3]
        if not big:
            break
        for j in big:
            out[unknown[comp[j]]] = (None, res.x[j])
        candidates = [j for j in candidates if j not in set(big)]
    for j in candidates:
        c = np.zeros(size)
        c[j] = -1.0
        res = solve(c)
        high = -res.fun if res is not None else math.nan
        if res is None or high > threshold - 1 + EPS:
            out[unknown[comp[j]]] = (None, high)
            continue
        c[j] = 1.0
        res = solve(c)
        out[unknown[comp[j]]] = (res.fun if res is not None else math.nan, high)
    return out


# ---------------------------------------------------------------- the audit


def audit(report_dir: str | Path, threshold: int | None = None) -> AuditResult:
    """Audit every report in ``report_dir`` like an attacker would (see the module docstring).

    ``threshold`` defaults to the largest ``data-threshold`` the reports state, else
    :data:`vpanalysis.config.DISCLOSURE_THRESHOLD`.
    """
    files, marks, thresholds = read_reports(report_dir)
    if threshold is None:
        threshold = max(thresholds, default=DISCLOSURE_THRESHOLD)
    inconsistencies: list[str] = []
    model, conflicts, counted = _build(marks, inconsistencies)
    bounds = _bound(model, threshold, inconsistencies)
    near = _locate(model)
    findings: list[Finding] = []

    def small(low, high) -> bool:
        return low is not None and low >= 1 - EPS and high <= threshold - 1 + EPS

    def place(key: Key) -> Seen | None:
        v = model.vars[key]
        return v.seen[0] if v.seen else near.get(key)

    for key, low, high, why, _ in conflicts:
        if small(low, high):
            findings.append(Finding(key, low, high, why, place(key)))
    withheld = recovered = 0
    for key, v in model.vars.items():
        withheld += v.withheld
        if v.known:
            recovered += bool(v.seen) and not v.withheld
            low = high = v.lo
            if v.withheld:
                why = "withheld count derived"
            elif v.values:
                why = "published count"
            elif not v.seen:
                why = _implied(key)
            else:
                why = "count recovered from a share" if "share" in v.kinds else "count derived"
        else:
            if key not in bounds:
                continue
            low, high = bounds[key]
            if low is not None and math.isnan(low):
                inconsistencies.append(f"no solution for the relations around {describe(key)}")
                continue
            if v.withheld:
                why = "withheld count bounded"
            elif v.seen:
                why = f"{'/'.join(sorted(v.kinds))} cell bounded"
            else:
                why = _implied(key)
        if key in model.flag and small(low, high):
            findings.append(Finding(key, low, high, why, place(key)))
    findings = list(dict.fromkeys(findings))
    findings.sort(key=lambda f: (f.seen.report if f.seen else "", describe(f.key)))
    return AuditResult(
        reports=len(files),
        cells=counted,
        recovered=recovered,
        bounded=withheld,
        threshold=int(threshold),
        findings=findings,
        inconsistencies=sorted(set(inconsistencies)),
    )


def _implied(key: Key) -> str:
    answer, sex = _get(key, "answer"), _get(key, "sex")
    if answer == "no":
        what = "pupils who answered no"
    elif answer == "skipped":
        what = "pupils who skipped the item"
    elif answer.startswith("not in"):
        what = "the category minus its part"
    elif _get(key, "age").startswith("other ages"):
        what = "the total minus its age groups"
    elif sex == "U":
        what = "unstated sex: all minus girls and boys"
    else:
        what = "from the relations"
    return f"implied count ({what})"


def _locate(model: _Model) -> dict[Key, Seen]:
    """The place of a shown cell each implied unknown is related to (for the messages)."""
    near: dict[Key, Seen] = {}
    for _ in range(6):
        changed = False
        for rel in model.eqs:
            where = (
                next(
                    (model.vars[k].seen[0] if model.vars[k].seen else near[k])
                    for k in rel
                    if model.vars[k].seen or k in near
                )
                if any(model.vars[k].seen or k in near for k in rel)
                else None
            )
            if where is None:
                continue
            for k in rel:
                if not model.vars[k].seen and k not in near:
                    text = where.text if where.text.startswith("near ") else f"near {where.text}"
                    near[k] = Seen(where.report, where.caption, text)
                    changed = True
        if not changed:
            break
    return near
