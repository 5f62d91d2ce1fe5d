"""The one way in for data: everything a report's computation needs, loaded once.

A notebook (or an analyst in JupyterLab) calls :func:`load` with its parameters and gets
a :class:`Context`: the validated processed tables already limited to the ``years``
parameter, the violence definition, the municipality's registers and the build manifest.
The step modules (:mod:`vpanalysis.steps`) take what they need from it and never read
files themselves::

    from vpanalysis import context
    ctx = context.load("2161", ["2161", "2183", "2181"], [2015, 2024])
    ctx.tables.observations      # only 2015..2024
    ctx.registers.goals          # Ljusdal's goals
    ctx.baseline                 # the frozen baseline (protected), or None
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from vpanalysis import data, definitions, enrolment, geography, registers
from vpanalysis.config import (
    COLLABORATING,
    DEFAULT_YEARS,
    DISCLOSURE_THRESHOLD,
    SWEDEN_CODE,
    Paths,
    get_paths,
)


@dataclass
class Context:
    """The inputs of one report: who, which years, which threshold, and the loaded data."""

    municipality_code: str
    comparison_codes: list[str]
    years: tuple[int, int]
    disclosure_threshold: int
    paths: Paths
    #: The processed tables, limited to ``years`` (any table may be ``None`` in tests).
    tables: data.Tables
    definition: definitions.Definition | None = None
    #: The municipality's registers (the shared factor catalogue included).
    registers: registers.Registers | None = None
    #: The validated category mapping (source categories -> form, relation, WHO type).
    mapping: pd.DataFrame | None = None
    manifest: dict = field(default_factory=dict)
    #: The municipality's frozen baseline as it may be shown at ``disclosure_threshold``
    #: (:func:`vpanalysis.data.protect_baseline` of :attr:`baseline_raw`), ``None`` when it
    #: has not been frozen yet (:mod:`vpanalysis.baseline`).
    baseline: pd.DataFrame | None = None
    #: The frozen baseline as stored (:func:`vpanalysis.data.load_baseline`): RAW values,
    #: never to be shown as they are.
    baseline_raw: pd.DataFrame | None = None
    #: Pupils enrolled per municipality, year and grade (:mod:`vpanalysis.enrolment`),
    #: ``None`` when the workspace does not state it.
    enrolment: pd.DataFrame | None = None
    #: The processed tables with every year, as loaded (the publication is made from
    #: them); ``None`` when the context was put together otherwise.
    all_tables: data.Tables | None = field(default=None, repr=False, compare=False)

    @property
    def data_dir(self) -> str:
        return str(self.paths.data)

    @property
    def county_code(self) -> str:
        return geography.county_of(self.municipality_code)

    @property
    def name(self) -> str:
        return geography.region_name(self.municipality_code)

    @property
    def county_name(self) -> str:
        return geography.region_name(self.county_code)

    @property
    def year_range(self) -> range:
        return range(int(self.years[0]), int(self.years[-1]) + 1)

    @property
    def regions(self) -> list[str]:
        """The municipality, the other collaborating municipalities, its county, Sweden."""
        focus = self.municipality_code
        codes = [focus] + [c for c in self.comparison_codes if c != focus]
        return codes + [self.county_code, SWEDEN_CODE]


def load(
    municipality_code: str,
    comparison_codes: Sequence[str] = COLLABORATING,
    years: Sequence[int] = DEFAULT_YEARS,
    data_dir: str | os.PathLike | None = None,
    disclosure_threshold: int = DISCLOSURE_THRESHOLD,
) -> Context:
    """Load the context of one report (building ``data/processed`` first when missing).

    ``municipality_code`` and ``comparison_codes`` may be codes or names; ``years`` is the
    report's ``[first, last]``.
    """
    code = geography.municipality_code(municipality_code)
    comparison = geography.resolve_many(list(comparison_codes))
    first, last = int(years[0]), int(years[-1])
    paths = get_paths(data_dir)
    every_year = data.Tables.load(paths.data)
    tables = every_year.within([first, last])
    frozen = data.load_baseline(code, paths.data)
    definition = definitions.load_definition(paths.data)
    regs = registers.load_registers(paths.raw / "registers").for_municipality(code)
    enrolled = enrolment.path_in(paths.raw)
    return Context(
        municipality_code=code,
        comparison_codes=comparison,
        years=(first, last),
        disclosure_threshold=int(disclosure_threshold),
        paths=paths,
        tables=tables,
        definition=definition,
        mapping=definitions.category_mapping(paths.data, definition=definition),
        registers=regs,
        manifest=data.load_manifest(paths.data),
        baseline=data.protect_baseline(frozen, int(disclosure_threshold)),
        baseline_raw=frozen,
        enrolment=None if enrolled is None else enrolment.read_enrolment(enrolled),
        all_tables=every_year,
    )
