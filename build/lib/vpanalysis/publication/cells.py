"""The cells of a publication and the linear relations between them.

:func:`collect` turns the processed tables (all years) into a :class:`Cells` set: one
row per local-source number any report may show (counts by category, year, sex and age;
survey yes/answered counts per item, sex and grade; respondents; pooled comparison
values), plus *hidden* cells an attacker cannot see but which are counts of persons all
the same (pupils who said no, pupils who skipped an item, the part of a category in none of
its sub-categories, pupils without a stated grade). Every relation is ``total = sum of
parts`` over those cells, so that an attacker's knowledge is ``A @ x == 0``, ``x >= 0``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from vpanalysis.data import Tables
from vpanalysis.publication.keys import ALL, KEY_FIELDS, TOTAL_AGE, pool_region
from vpanalysis.steps.factors import share_at_risk

#: Count sources of the publication (the school survey is ``skolenkat``).
COUNT_SOURCES: tuple[str, ...] = ("socialtjanst", "kvinnojour")
SURVEY = "skolenkat"
RESPONDENTS = "respondents"
#: Level of a sex or grade that was not stated.
UNSTATED = "U"
#: ``answer`` of the hidden cells: pupils who answered but not yes, pupils who did not
#: answer the item, the part of a total in none of its parts.
NO, SKIPPED, REST = "no", "skipped", "rest"

_EPS = 1e-9


@dataclass
class Cells:
    """Cells (``frame``: key fields, ``raw`` value or NaN when unknown, ``hidden``) and
    relations (``(total, parts)`` row positions: ``x[total] == sum(x[parts])``)."""

    frame: pd.DataFrame
    relations: list[tuple[int, list[int]]] = field(default_factory=list)


class _Builder:
    def __init__(self) -> None:
        self.keys: list[tuple] = []
        self.raw: list[float] = []
        self.hidden: list[bool] = []
        self.index: dict[tuple, int] = {}
        self.relations: list[tuple[int, list[int]]] = []

    def add(self, key: dict, value: float, hidden: bool = False) -> int:
        k = tuple(str(key.get(f, "")) if f != "year" else int(key["year"]) for f in KEY_FIELDS)
        if k in self.index:
            return self.index[k]
        self.index[k] = len(self.keys)
        self.keys.append(k)
        self.raw.append(np.nan if value is None or pd.isna(value) else float(value))
        self.hidden.append(hidden)
        return self.index[k]

    def get(self, **key) -> int | None:
        k = tuple(str(key.get(f, "")) if f != "year" else int(key["year"]) for f in KEY_FIELDS)
        return self.index.get(k)

    def relate(self, total: int, parts: Sequence[int], rest_key: dict | None = None) -> None:
        """``total = sum(parts)``; with ``rest_key`` a total that may exceed its parts:
        the difference is a hidden cell (when it is not known to be 0)."""
        parts = [p for p in dict.fromkeys(parts) if p != total]
        if not parts:
            return
        if rest_key is not None:
            values = [self.raw[total], *(self.raw[p] for p in parts)]
            rest = values[0] - sum(values[1:])
            if np.isnan(rest) or rest > _EPS:
                parts = [*parts, self.add(rest_key, rest, hidden=True)]
            elif rest < -_EPS:
                return  # overlapping parts: only "total >= each part", added by the caller
        self.relations.append((total, parts))

    def cells(self) -> Cells:
        frame = pd.DataFrame(self.keys, columns=list(KEY_FIELDS))
        for f in KEY_FIELDS:
            frame[f] = frame[f].astype("int64" if f == "year" else "string")
        frame["raw"] = np.asarray(self.raw, dtype="float64")
        frame["hidden"] = np.asarray(self.hidden, dtype=bool)
        return Cells(frame, self.relations)


def regions_of(municipalities: Iterable[str], comparison: Iterable[str]) -> list[str]:
    """The municipalities of a publication: the collaboration, then the comparison codes."""
    return list(dict.fromkeys([*map(str, municipalities), *map(str, comparison)]))


def collect(
    tables: Tables,
    municipalities: Sequence[str],
    comparison: Sequence[str] = (),
    mapping: pd.DataFrame | None = None,
) -> Cells:
    """Every cell of the publication of ``municipalities`` (and ``comparison``) and the
    relations between them, over all years of ``tables``."""
    regions = regions_of(municipalities, comparison)
    b = _Builder()
    if tables.observations is not None:
        _counts(b, tables.observations, regions, mapping)
    if tables.survey is not None and tables.codebook is not None:
        _survey(b, tables.survey, tables.codebook, regions, municipalities, comparison)
    return b.cells()


# ---------------------------------------------------------------- counts


def _parents(obs: pd.DataFrame, mapping: pd.DataFrame | None) -> pd.Series:
    if "subcategory_of" in obs.columns:
        parent = obs["subcategory_of"].astype("string").fillna("")
    else:
        parent = pd.Series("", index=obs.index, dtype="string")
    if mapping is not None and {"source", "category", "subcategory_of"} <= set(mapping.columns):
        known = {
            (str(s), str(c)): str(p)
            for s, c, p in zip(
                mapping["source"], mapping["category"], mapping["subcategory_of"], strict=True
            )
            if pd.notna(p) and str(p).strip()
        }
        mapped = [
            known.get((str(s), str(c)), "")
            for s, c in zip(obs["source"], obs["category"], strict=True)
        ]
        parent = parent.where(parent != "", pd.Series(mapped, index=obs.index, dtype="string"))
    return parent.str.strip()


def _counts(b: _Builder, observations: pd.DataFrame, regions, mapping) -> None:
    obs = observations[
        observations["source"].isin(COUNT_SOURCES) & observations["region_code"].isin(regions)
    ]
    if "local" in obs.columns:
        obs = obs[obs["local"].astype(bool)]
    if obs.empty:
        return
    obs = obs.assign(parent=_parents(obs, mapping))
    for r in obs.itertuples(index=False):
        b.add(
            dict(
                source=r.source,
                measure=r.category,
                parent=r.parent,
                region=r.region_code,
                year=r.year,
                sex=r.sex,
                age=r.age_group,
                grade=ALL,
                answer="",
            ),
            r.count,
        )
    frame = b.cells().frame
    counts = frame[frame["source"].isin(COUNT_SOURCES)]
    group = ["source", "measure", "region", "year"]
    # sex: T = K + M (a T row without both K and M relates nothing; K + M without T gets T)
    for key, g in counts.groupby([*group, "age"], sort=False):
        pos = dict(zip(g["sex"], g.index, strict=True))
        if "K" in pos and "M" in pos:
            if "T" not in pos:
                row = dict(zip([*group, "age"], key, strict=True))
                value = b.raw[pos["K"]] + b.raw[pos["M"]]
                pos["T"] = b.add(
                    {**row, "parent": g["parent"].iloc[0], "sex": "T", "grade": ALL}, value
                )
            rest = dict(zip([*group, "age"], key, strict=True))
            rest.update(parent=g["parent"].iloc[0], sex=UNSTATED, grade=ALL, answer=REST)
            b.relate(pos["T"], [pos["K"], pos["M"]], rest)
    frame = b.cells().frame
    counts = frame[frame["source"].isin(COUNT_SOURCES) & ~frame["hidden"]]
    # age: totalt = sum of the bands
    for key, g in counts.groupby([*group, "sex"], sort=False):
        pos = dict(zip(g["age"], g.index, strict=True))
        if TOTAL_AGE in pos and len(pos) > 1:
            bands = [i for a, i in pos.items() if a != TOTAL_AGE]
            rest = dict(zip([*group, "sex"], key, strict=True))
            rest.update(parent=g["parent"].iloc[0], age="rest", grade=ALL, answer=REST)
            _relate_or_each(b, pos[TOTAL_AGE], bands, rest)
    # parent = sum of its sub-categories + a remainder (each part alone if they overlap)
    subs = counts[counts["parent"] != ""]
    for (source, parent, region, year, sex, age), g in subs.groupby(
        ["source", "parent", "region", "year", "sex", "age"], sort=False
    ):
        total = b.get(
            source=source, measure=parent, parent=_parent_of(counts, source, parent),
            region=region, year=year, sex=sex, age=age, grade=ALL, answer="",
        )  # fmt: skip
        if total is None:
            continue
        rest = dict(source=source, measure=parent, parent="", region=region, year=year)
        rest.update(sex=sex, age=age, grade=ALL, answer=REST)
        _relate_or_each(b, total, list(g.index), rest, always_rest=True)


def _parent_of(counts: pd.DataFrame, source: str, category: str) -> str:
    hit = counts.loc[(counts["source"] == source) & (counts["measure"] == category), "parent"]
    return str(hit.iloc[0]) if len(hit) else ""


def _relate_or_each(
    b: _Builder, total: int, parts: list[int], rest: dict, always_rest: bool = False
) -> None:
    """``total = sum(parts) + rest``; when the parts sum to more than the total they
    overlap, and only ``total = part + rest_i`` for each part holds."""
    values = np.array([b.raw[p] for p in parts])
    over = not np.isnan(b.raw[total]) and np.nansum(values) > b.raw[total] + _EPS
    if not over:
        if always_rest:
            value = b.raw[total] - float(np.sum(values))
            b.relations.append((total, [*parts, b.add(rest, value, hidden=True)]))
        else:
            b.relate(total, parts, rest)
        return
    for n, p in enumerate(parts):
        key = {**rest, "answer": f"{REST}{n}"}
        value = b.raw[total] - b.raw[p]
        b.relations.append((total, [p, b.add(key, value, hidden=True)]))


# ---------------------------------------------------------------- survey


def survey_items(codebook: pd.DataFrame, survey: pd.DataFrame) -> list[str]:
    """The codebook's items (not background variables) that the survey table has."""
    roles = codebook["role"].astype("string").fillna("").str.strip()
    kinds = codebook["kind"].astype("string").fillna("").str.strip()
    items = codebook.loc[(roles == "") & (kinds != "background"), "item"].astype(str)
    return [i for i in items if i in survey.columns]


def _cutoff(codebook: pd.DataFrame, item: str) -> str | None:
    row = codebook.loc[codebook["item"] == item, "cutoff"]
    if row.empty or pd.isna(row.iloc[0]) or not str(row.iloc[0]).strip():
        return None
    return str(row.iloc[0]).strip()


def survey_counts(survey: pd.DataFrame, codebook: pd.DataFrame) -> pd.DataFrame:
    """Yes and answered counts per region, year, sex (K/M/U) and grade (U = unstated)
    for every item: ``region``, ``year``, ``sex``, ``grade``, ``measure``, ``yes``,
    ``answered``; and ``measure`` ``respondents`` with ``answered`` = pupils."""
    s = survey.assign(
        sex=survey["sex"].astype("string").fillna(UNSTATED),
        grade=survey["grade"].astype("string").fillna(UNSTATED),
    )
    by = ["region_code", "year", "sex", "grade"]
    parts = []
    for item in survey_items(codebook, s):
        d = share_at_risk(s, item, _cutoff(codebook, item), by=by)
        parts.append(
            d.assign(measure=item).rename(columns={"numerator": "yes", "denominator": "answered"})
        )
    n = s.groupby(by, sort=True).size().rename("answered").reset_index()
    parts.append(n.assign(measure=RESPONDENTS, yes=np.nan))
    out = pd.concat(parts, ignore_index=True).rename(columns={"region_code": "region"})
    return out[["region", "year", "sex", "grade", "measure", "yes", "answered"]]


def _survey(b: _Builder, survey, codebook, regions, municipalities, comparison) -> None:
    survey = survey[survey["region_code"].isin(regions)]
    if survey.empty:
        return
    d = survey_counts(survey, codebook)
    grades = sorted(g for g in d["grade"].unique() if g != UNSTATED)
    sexes = ["K", "M", UNSTATED]
    base = dict(source=SURVEY, parent="", age=ALL)
    present: dict[int, set[str]] = {}
    for (region, year), g in d.groupby(["region", "year"], sort=True):
        present.setdefault(int(year), set()).add(str(region))
        has_u_grade = bool((g["grade"] == UNSTATED).any())
        levels = grades + ([UNSTATED] if has_u_grade else [])
        where = dict(base, region=region, year=year)
        lookup = {(r.measure, r.sex, r.grade): r for r in g.itertuples(index=False)}
        measures = list(dict.fromkeys(g["measure"]))
        respondents: dict[tuple[str, str], int] = {}
        for measure in [RESPONDENTS, *(m for m in measures if m != RESPONDENTS)]:
            answers = ("",) if measure == RESPONDENTS else ("yes", "answered")
            grid: dict[tuple[str, str, str], int] = {}
            for sex in sexes:
                for grade in levels:
                    r = lookup.get((measure, sex, grade))
                    for answer in answers:
                        column = "answered" if answer in ("", "answered") else "yes"
                        value = 0.0 if r is None else float(getattr(r, column))
                        hidden = grade == UNSTATED
                        key = dict(where, measure=measure, sex=sex, grade=grade, answer=answer)
                        grid[answer, sex, grade] = b.add(key, value, hidden=hidden)
            # totals: sex T over K, M, U; grade alla over the grades
            for answer in answers:
                for grade in levels:
                    parts = [grid[answer, s, grade] for s in sexes]
                    key = dict(where, measure=measure, sex="T", grade=grade, answer=answer)
                    grid[answer, "T", grade] = b.add(
                        key, sum(b.raw[p] for p in parts), hidden=grade == UNSTATED
                    )
                    b.relate(grid[answer, "T", grade], parts)
                for sex in [*sexes, "T"]:
                    parts = [grid[answer, sex, grade] for grade in levels]
                    key = dict(where, measure=measure, sex=sex, grade=ALL, answer=answer)
                    grid[answer, sex, ALL] = b.add(key, sum(b.raw[p] for p in parts))
                    b.relate(grid[answer, sex, ALL], parts)
            for sex in [*sexes, "T"]:
                for grade in [*levels, ALL]:
                    if measure == RESPONDENTS:
                        respondents[sex, grade] = grid["", sex, grade]
                        continue
                    yes, answered = grid["yes", sex, grade], grid["answered", sex, grade]
                    key = dict(where, measure=measure, sex=sex, grade=grade)
                    no = b.add({**key, "answer": NO}, b.raw[answered] - b.raw[yes], hidden=True)
                    b.relate(answered, [yes, no])
                    n = respondents[sex, grade]
                    skipped = b.add(
                        {**key, "answer": SKIPPED}, b.raw[n] - b.raw[answered], hidden=True
                    )
                    b.relate(n, [answered, skipped])
    # pooled comparison values: the other municipalities' yes and answered, summed
    items = list(dict.fromkeys(m for m in d["measure"] if m != RESPONDENTS))
    others_of = list(dict.fromkeys(map(str, comparison or municipalities)))
    for year, here in sorted(present.items()):
        for focus in dict.fromkeys(map(str, municipalities)):
            if focus not in here:
                continue
            members = [c for c in others_of if c != focus and c in here]
            if not members:
                continue
            pool = pool_region(members)
            for item in items:
                for answer in ("yes", "answered"):
                    parts = [
                        b.get(**base, region=c, year=year, measure=item, sex="T", grade=ALL,
                              answer=answer)
                        for c in members
                    ]  # fmt: skip
                    parts = [p for p in parts if p is not None]
                    key = dict(base, region=pool, year=year, measure=item, sex="T", grade=ALL)
                    total = b.add({**key, "answer": answer}, sum(b.raw[p] for p in parts))
                    b.relate(total, parts)
