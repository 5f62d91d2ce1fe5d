"""Loaders for notebooks and the small helpers every analysis needs.

The loaders read the tables of ``data/processed`` (see ``data/processed/README.md``) and
build them first (:func:`vpanalysis.pipeline.build`) when a table or the manifest is
missing. ``data_dir`` is the folder that holds ``raw/`` and ``processed/`` (default: the
project's ``data/``, or the environment variable ``VPANALYSIS_DATA``)::

    from vpanalysis import data
    obs = data.load_observations()
    pop = data.load_population()
    rates = data.add_rates(obs[obs["source"] == "bra"])

Helpers:

* :func:`population_totals`: population per region, year and sex (``T`` = K + M) for any
  age group (``"totalt"``, ``"0-17"``, ``"18+"``, ``"15-19"``), summed over single years of
  age, so groups that do not follow the five-year bands (0-17, 18+) work too.
* :func:`add_population` / :func:`add_rates`: observations joined to the population of
  the same region, year, sex and age group, and the rate per 100 000.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from vpanalysis import pipeline
from vpanalysis.config import get_paths
from vpanalysis.io.kolada import read_kpis

DataDir = str | os.PathLike | None


def _processed(data_dir: DataDir) -> Path:
    return get_paths(data_dir).processed


def ensure_built(data_dir: DataDir = None) -> Path:
    """``data/processed``, built first when the manifest or a table is missing."""

    processed = _processed(data_dir)
    needed = [processed / pipeline.MANIFEST, *(processed / n for n in pipeline.TABLES.values())]
    if not all(p.exists() for p in needed):
        pipeline.build(data_dir=data_dir)
    return processed


def _load(name: str, data_dir: DataDir) -> pd.DataFrame:

    return pd.read_parquet(ensure_built(data_dir) / pipeline.TABLES[name])


def load_observations(data_dir: DataDir = None) -> pd.DataFrame:
    """``observations.parquet``: counts of every count-type source, one long table."""
    return _load("observations", data_dir)


def load_population(data_dir: DataDir = None) -> pd.DataFrame:
    """``population.parquet``: population by region, year, sex (K/M) and five-year band."""
    return _load("population", data_dir)


def load_population_single_year(data_dir: DataDir = None) -> pd.DataFrame:
    """``population_single_year.parquet``: population by single year of age (100 = 100+)."""
    return _load("population_single_year", data_dir)


def load_kolada(data_dir: DataDir = None) -> pd.DataFrame:
    """``kolada.parquet``: KPI values by region, year and sex (T/K/M)."""
    return _load("kolada", data_dir)


def load_survey(data_dir: DataDir = None) -> pd.DataFrame:
    """``survey.parquet``: one row per pupil, one Int64 column per codebook item."""
    return _load("survey", data_dir)


def load_manifest(data_dir: DataDir = None) -> dict:
    """``manifest.json``: inputs, build time, version and which sources are example data."""

    path = ensure_built(data_dir) / pipeline.MANIFEST
    return json.loads(path.read_text(encoding="utf-8"))


def load_kpis(data_dir: DataDir = None) -> pd.DataFrame:
    """The KPI list ``data/raw/kolada/kpis.csv``: title, kind, polarity, level per KPI;
    an empty list when the workspace has no Kolada folder content (no KPIs, no values)."""

    path = get_paths(data_dir).raw / "kolada" / "kpis.csv"
    if not path.exists():
        columns = ["kpi", "title", "kind", "polarity", "level", "unit", "note"]
        return pd.DataFrame({c: pd.Series(dtype="string") for c in columns})
    return read_kpis(path)


def load_codebook(data_dir: DataDir = None) -> pd.DataFrame:
    """The school-survey codebook of the built survey table: ``codebook.csv`` and the
    items of the survey layouts of any ``.sav`` files (:mod:`vpanalysis.io.sav`)."""
    frame = _load("codebook", data_dir)
    return frame.astype({c: "string" for c in frame.columns})


#: Local sources whose baseline values are counts of persons or shares of pupils.
_LOCAL = ("socialtjanst", "kvinnojour", "skolenkat")


def baseline_path(region: str, data_dir: DataDir = None) -> Path:
    """Where the frozen baseline of ``region`` is kept: ``data/baseline/<code>.parquet``
    (written by :func:`vpanalysis.baseline.freeze`; user state, outside ``data/processed``
    so that neither ``make clean`` nor ``data build --force`` removes it)."""
    return get_paths(data_dir).baseline / f"{region}.parquet"


def legacy_baseline_path(region: str, data_dir: DataDir = None) -> Path:
    """Where earlier versions kept it: ``data/processed/baseline_<code>.parquet``."""
    return _processed(data_dir) / f"baseline_{region}.parquet"


def migrate_baseline(region: str, data_dir: DataDir = None) -> Path | None:
    """Move a baseline of an earlier version (:func:`legacy_baseline_path`) to
    :func:`baseline_path`, once; returns the new path, or ``None`` when there was nothing to
    move. Its values were suppressed at the threshold of its run and it has no
    ``data_fingerprint``; :func:`protect_baseline` withholds its shares (it lacks their
    counts). When a baseline exists in both places, the new one wins and the old is left."""
    old, new = legacy_baseline_path(region, data_dir), baseline_path(region, data_dir)
    if not old.exists() or new.exists():
        return None
    new.parent.mkdir(parents=True, exist_ok=True)
    os.replace(old, new)
    return new


def load_baseline(region: str, data_dir: DataDir = None) -> pd.DataFrame | None:
    """The frozen baseline of ``region`` as stored (see :func:`baseline_path`; RAW values,
    not to be shown: see :func:`protect_baseline`), ``None`` when there is none yet. A
    baseline of an earlier version is moved into place first (:func:`migrate_baseline`)."""
    migrate_baseline(region, data_dir)
    path = baseline_path(region, data_dir)
    return pd.read_parquet(path) if path.exists() else None


def protect_baseline(table: pd.DataFrame | None, threshold: int) -> pd.DataFrame | None:
    """A stored baseline as it may be shown at ``threshold``: local counts of persons
    ``1..threshold-1`` withheld (``<NA>``), and local shares withheld when their yes-count,
    no-count or number who answered is ``1..threshold-1`` or unknown (a baseline of an
    earlier version). Public sources (BRÅ, Kolada) are left as they are; the raw
    ``count`` and ``denominator`` columns are dropped.

    Primary suppression only: relations with the other tables of a collaboration's reports
    are the protected publication's (:mod:`vpanalysis.publication`).
    """
    if table is None:
        return None
    out = table.copy()
    # a baseline frozen before the keys were stored has only ``indicator`` (source:measure)
    source = out["source"] if "source" in out else out["indicator"].str.split(":").str[0]
    local = source.isin(_LOCAL).fillna(True).to_numpy(dtype=bool)
    value = pd.to_numeric(out["value"], errors="coerce").astype("float64").to_numpy()
    nan = np.full(len(out), np.nan)
    count = (
        pd.to_numeric(out["count"], errors="coerce").astype("float64").to_numpy()
        if "count" in out
        else nan
    )
    answered = (
        pd.to_numeric(out["denominator"], errors="coerce").astype("float64").to_numpy()
        if "denominator" in out
        else nan
    )

    def small(v):
        return (v >= 1) & (v < threshold)

    kind = (out["kind"] if "kind" in out else pd.Series("", index=out.index)).astype("string")
    kind = kind.fillna("").to_numpy()
    is_count = local & (kind == "count")
    is_share = local & (kind == "share")
    with np.errstate(invalid="ignore"):
        withheld = is_count & small(value)
        known = ~np.isnan(count) & ~np.isnan(answered)
        withheld |= is_share & (~known | small(count) | small(answered - count) | small(answered))
        withheld |= local & ~is_count & ~is_share
    for column in ("value", "lower", "upper"):
        if column in out:
            out[column] = out[column].astype("Float64").mask(withheld)
    return out.drop(columns=[c for c in ("count", "denominator") if c in out])


# ---------------------------------------------------------------- population and rates


def age_range(label: str) -> tuple[int, int]:
    """``"0-17"`` -> (0, 17); ``"18+"`` -> (18, 100); ``"totalt"`` -> (0, 100)."""
    text = str(label).strip().lower().replace("–", "-").replace(" år", "")
    if text in ("totalt", "total", "alla"):
        return 0, 100
    if m := re.fullmatch(r"(\d+)\s*-\s*(\d+)", text):
        return int(m.group(1)), int(m.group(2))
    if m := re.fullmatch(r"(\d+)\s*\+", text):
        return int(m.group(1)), 100
    raise ValueError(f"unknown age group {label!r}; use e.g. totalt, 0-17, 18+, 15-19")


def population_totals(
    population: pd.DataFrame | None = None,
    *,
    age_group: str = "totalt",
    sex: str = "T",
    regions: Iterable[str] | None = None,
    years: Iterable[int] | None = None,
    data_dir: DataDir = None,
) -> pd.DataFrame:
    """Population per region and year for one age group and sex (``T`` = K + M).

    ``population`` is the single-year table (default: loaded) or the five-year band table
    (then the age group must follow band edges). Returns ``region_code``, ``year``,
    ``sex``, ``age_group``, ``population`` (Int64).
    """
    if sex not in ("K", "M", "T"):
        raise ValueError("sex must be K, M or T")
    pop = load_population_single_year(data_dir) if population is None else population
    lo, hi = age_range(age_group)
    if "age" in pop.columns:
        rows = pop[(pop["age"] >= lo) & (pop["age"] <= hi)]
    else:
        bounds = pop["age_group"].map(age_range)
        inside = bounds.map(lambda b: b[0] >= lo and b[1] <= hi)
        partial = bounds.map(
            lambda b: not (b[0] >= lo and b[1] <= hi) and b[0] <= hi and b[1] >= lo
        )
        if partial.any():
            raise ValueError(
                f"age group {age_group!r} does not follow the five-year bands; "
                "use the single-year table (load_population_single_year)"
            )
        rows = pop[inside]
    if sex != "T":
        rows = rows[rows["sex"] == sex]
    if regions is not None:
        rows = rows[rows["region_code"].isin(list(regions))]
    if years is not None:
        rows = rows[rows["year"].isin(list(years))]
    out = rows.groupby(["region_code", "year"], as_index=False)["population"].sum()
    out["population"] = out["population"].astype("Int64")
    out.insert(2, "sex", pd.array([sex] * len(out), dtype="string"))
    out.insert(3, "age_group", pd.array([age_group] * len(out), dtype="string"))
    return out


def add_population(
    observations: pd.DataFrame,
    population: pd.DataFrame | None = None,
    *,
    data_dir: DataDir = None,
) -> pd.DataFrame:
    """``observations`` with ``population``: the same region, year, sex and age group.

    ``<NA>`` where no population is known (e.g. a region the population file lacks).
    """
    pop = load_population_single_year(data_dir) if population is None else population
    # only the regions and years asked for (the national table is 290 times larger)
    pop = pop[
        pop["region_code"].isin(observations["region_code"].unique())
        & pop["year"].isin(observations["year"].unique())
    ]
    keys = observations[["sex", "age_group"]].drop_duplicates()
    parts = [
        population_totals(pop, age_group=row.age_group, sex=row.sex)
        for row in keys.itertuples(index=False)
    ]
    if not parts:
        return observations.assign(population=pd.array([], dtype="Int64"))
    lookup = pd.concat(parts, ignore_index=True)
    out = observations.merge(
        lookup, on=["region_code", "year", "sex", "age_group"], how="left", validate="many_to_one"
    )
    out["population"] = out["population"].astype("Int64")
    return out


def add_rates(
    observations: pd.DataFrame,
    population: pd.DataFrame | None = None,
    *,
    per: int = 100_000,
    data_dir: DataDir = None,
) -> pd.DataFrame:
    """``observations`` with ``population`` and ``rate`` (count per ``per`` inhabitants,
    Float64; ``<NA>`` when the count or population is missing). No confidence intervals:
    see :mod:`vpanalysis.indicators` for those."""
    out = add_population(observations, population, data_dir=data_dir)
    count = out["count"].astype("Float64")
    out["rate"] = (count / out["population"].astype("Float64") * per).astype("Float64")
    return out


# ---------------------------------------------------------------- all tables at once


@dataclass
class Tables:
    """The processed tables a report reads, loaded once (any may be ``None`` in tests).

    ``population`` is the single-year table (any age group can be summed from it).
    """

    observations: pd.DataFrame | None = None
    population: pd.DataFrame | None = None
    kolada: pd.DataFrame | None = None
    survey: pd.DataFrame | None = None
    codebook: pd.DataFrame | None = None
    kpis: pd.DataFrame | None = None

    @classmethod
    def load(cls, data_dir: DataDir = None) -> Tables:
        """All tables from ``data/processed`` (built first when missing)."""
        return cls(
            observations=load_observations(data_dir),
            population=load_population_single_year(data_dir),
            kolada=load_kolada(data_dir),
            survey=load_survey(data_dir),
            codebook=load_codebook(data_dir),
            kpis=load_kpis(data_dir),
        )

    def up_to(self, year: int | None) -> Tables:
        """The same tables with only the years up to ``year`` (all when ``None``)."""
        return self if year is None else self.within([None, year])

    def within(self, years) -> Tables:
        """The same tables with only the years ``years[0]``..``years[-1]`` (a report's
        ``years`` parameter; ``None`` leaves that end open)."""
        first, last = years[0], years[-1]

        def cut(table: pd.DataFrame | None) -> pd.DataFrame | None:
            if table is None:
                return None
            keep = pd.Series(True, index=table.index)
            if first is not None:
                keep &= table["year"] >= int(first)
            if last is not None:
                keep &= table["year"] <= int(last)
            return table[keep]

        return Tables(
            observations=cut(self.observations),
            population=cut(self.population),
            kolada=cut(self.kolada),
            survey=cut(self.survey),
            codebook=self.codebook,
            kpis=self.kpis,
        )

    def has(self, source: str, region: str) -> bool:
        """Whether ``source`` has any row (even a suppressed one) for ``region``."""
        if source == "kolada":
            table = self.kolada
        elif source == "skolenkat":
            table = self.survey
        else:
            table = self.observations
            if table is not None:
                table = table[table["source"] == source]
        return table is not None and bool((table["region_code"] == region).any())
