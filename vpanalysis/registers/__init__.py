"""The registers behind steps 1, 3, 4 and 5: hand-edited CSV/YAML files, loaded and validated.

Municipal staff keep these files in ``data/raw/registers/`` (see the README there for
every column, the allowed values and how to save from Excel/LibreOffice):

===================== ====== ====================================================
file                  step   one row per
===================== ====== ====================================================
partners.csv          1      partner organisation and role in the structure
training_days.csv     1, 5   training day (per municipality)
factors.csv           3      risk or protective factor (shared catalogue)
interventions.csv     4      preventive intervention of an administration
logic_models.yaml     4      logic model of a chosen intervention (nested)
goals.csv             5      measurable goal
training_plan.csv     5      administration and year: staff planned to be trained
training_log.csv      5      delivered staff training
activities.csv        5      activity such as week 47, *En vecka fri från våld*
===================== ====== ====================================================

Files are ``;``-separated UTF-8 (what Swedish Excel writes as "CSV UTF-8"); a file
saved with ``,`` or as Windows-1252 is read too. Values are matched leniently (case,
extra spaces, a few common synonyms) and stored in one canonical spelling. List cells
are split on ``,`` or ``|``. Every problem is a :class:`~vpanalysis.errors.DataError`
naming file, row (the line in the file, header = line 1), column and value; the loaders
collect all problems of a file and raise them together as :class:`RegisterError`.

Each loaded table keeps ``source_line``: the line of the row in its file, so later
checks can point back to it.

Indicator ids (``factors.indicator``, ``goals.indicator``, logic-model indicators) are
``source:measure``: ``kolada:N07403`` (a Kolada KPI), ``skolenkat:risk_alkohol`` (an item
of ``data/raw/skolenkat/codebook.csv``), ``bra:<category>``, ``socialtjanst:<category>``,
``kvinnojour:<category>`` or ``register:training_coverage`` (computed from these registers).

The package's modules: :mod:`~vpanalysis.registers.vocabularies` (allowed values),
:mod:`~vpanalysis.registers.errors` (:class:`RegisterError`), :mod:`~vpanalysis.registers.parsers`
(one cell), :mod:`~vpanalysis.registers.columns` (the columns of each file),
:mod:`~vpanalysis.registers.reading` (the files and their CSV text),
:mod:`~vpanalysis.registers.loaders` (one function per CSV file),
:mod:`~vpanalysis.registers.logic_models` (the YAML file) and
:mod:`~vpanalysis.registers.excel` (all registers as sheets of one workbook,
``register.xlsx``, read instead of the files when present). Every public name is importable
from :mod:`vpanalysis.registers` itself, where :class:`Registers` and :func:`load_registers`
bring them together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields, replace
from pathlib import Path

import pandas as pd

from vpanalysis import geography
from vpanalysis.errors import DataError
from vpanalysis.registers.columns import SPECS, UNIQUE_KEYS, Column
from vpanalysis.registers.errors import RegisterError
from vpanalysis.registers.excel import (
    LAYOUTS,
    WORKBOOK,
    SheetSource,
    load_logic_models_sheet,
    register_sources,
    write_workbook,
)
from vpanalysis.registers.loaders import (
    load_activities,
    load_factors,
    load_goals,
    load_interventions,
    load_partners,
    load_training_days,
    load_training_log,
    load_training_plan,
    resource_hours,
)
from vpanalysis.registers.logic_models import load_logic_models
from vpanalysis.registers.parsers import (
    Cutoff,
    parse_bool,
    parse_cutoff,
    parse_date,
    parse_id,
    parse_indicator,
    parse_int,
    parse_municipality,
    parse_number,
    parse_steps,
    split_list,
)
from vpanalysis.registers.reading import (
    REGISTER_FILES,
    _raise,
    read_codebook_items,
    register_dir,
)
from vpanalysis.registers.vocabularies import (
    CHANGEABILITY,
    DATA_SOURCES,
    DIRECTIONS,
    EVIDENCE,
    FACTOR_LEVELS,
    FACTOR_TYPES,
    INDICATOR_SOURCES,
    LOGIC_MODEL_STAGES,
    POLARITIES,
    PREVENTION_LEVELS,
    REGISTER_INDICATORS,
    ROLES,
    SECTORS,
    STEPS,
    VIOLENCE_FORMS,
    Vocabulary,
    match_key,
)

__all__ = [
    # vocabularies
    "match_key",
    "Vocabulary",
    "SECTORS",
    "ROLES",
    "DATA_SOURCES",
    "STEPS",
    "FACTOR_LEVELS",
    "FACTOR_TYPES",
    "EVIDENCE",
    "CHANGEABILITY",
    "VIOLENCE_FORMS",
    "PREVENTION_LEVELS",
    "DIRECTIONS",
    "POLARITIES",
    "INDICATOR_SOURCES",
    "REGISTER_INDICATORS",
    "LOGIC_MODEL_STAGES",
    # errors
    "RegisterError",
    # cell parsers
    "split_list",
    "parse_number",
    "parse_int",
    "parse_date",
    "parse_bool",
    "parse_steps",
    "parse_municipality",
    "parse_indicator",
    "Cutoff",
    "parse_cutoff",
    "parse_id",
    # column specifications
    "Column",
    "SPECS",
    "UNIQUE_KEYS",
    # reading
    "REGISTER_FILES",
    "register_dir",
    "read_codebook_items",
    # the workbook
    "WORKBOOK",
    "LAYOUTS",
    "SheetSource",
    "register_sources",
    "write_workbook",
    "load_logic_models_sheet",
    "convert_to_workbook",
    # loaders
    "resource_hours",
    "load_partners",
    "load_training_days",
    "load_factors",
    "load_interventions",
    "load_goals",
    "load_training_plan",
    "load_training_log",
    "load_activities",
    # logic models
    "load_logic_models",
    # all registers
    "Registers",
    "load_registers",
]


@dataclass(frozen=True)
class Registers:
    """All registers, loaded, validated and checked against each other."""

    partners: pd.DataFrame
    training_days: pd.DataFrame
    factors: pd.DataFrame
    interventions: pd.DataFrame
    logic_models: pd.DataFrame
    goals: pd.DataFrame
    training_plan: pd.DataFrame
    training_log: pd.DataFrame
    activities: pd.DataFrame
    directory: Path | None = None

    def for_municipality(self, code: str) -> Registers:
        """The registers of one municipality (the factor catalogue is shared and kept)."""
        code = geography.municipality_code(code)
        ids = set(
            self.interventions.loc[
                self.interventions["municipality_code"] == code, "intervention_id"
            ]
        )
        changes = {}
        for f in fields(self):
            table = getattr(self, f.name)
            if isinstance(table, pd.DataFrame) and "municipality_code" in table.columns:
                changes[f.name] = table[table["municipality_code"] == code].reset_index(drop=True)
        lm = self.logic_models
        changes["logic_models"] = lm[lm["intervention_id"].isin(ids)].reset_index(drop=True)
        return replace(self, **changes)


def load_registers(
    directory: str | Path | None = None,
    *,
    survey_items: Iterable[str] | None = None,
    codebook: str | Path | None = None,
) -> Registers:
    """Load every register of ``directory`` (default ``data/raw/registers``) -- each from its
    CSV/YAML file or its sheet of ``register.xlsx`` (:func:`register_sources`) -- and check that
    they reference each other consistently: interventions -> factors, logic models and
    goals -> interventions, training log -> training plan, survey indicators -> the codebook
    (``survey_items``, else the items of ``codebook``, default
    ``<directory>/../skolenkat/codebook.csv`` when it exists).

    All problems of all files are raised together as one :class:`RegisterError`.
    """
    directory = Path(directory) if directory is not None else register_dir()
    if survey_items is None:
        codebook = Path(codebook) if codebook else directory.parent / "skolenkat" / "codebook.csv"
        survey_items = read_codebook_items(codebook)
    problems: list[DataError] = []
    tables: dict[str, pd.DataFrame] = {}

    def attempt(name: str, loader: Callable[[], pd.DataFrame]) -> None:
        try:
            tables[name] = loader()
        except RegisterError as exc:
            problems.extend(exc.problems)
        except DataError as exc:
            problems.append(exc)

    sources = register_sources(directory)

    def file(name: str) -> Path | SheetSource:
        return sources[name]

    def logic_models(ids: pd.Series | None) -> pd.DataFrame:
        source = file("logic_models")
        if isinstance(source, SheetSource):
            return load_logic_models_sheet(source, ids)
        return load_logic_models(source, ids)

    attempt("partners", lambda: load_partners(file("partners")))
    attempt("training_days", lambda: load_training_days(file("training_days")))
    attempt("factors", lambda: load_factors(file("factors"), survey_items))
    factor_ids = tables["factors"]["factor_id"] if "factors" in tables else None
    attempt("interventions", lambda: load_interventions(file("interventions"), factor_ids))
    ids = tables["interventions"]["intervention_id"] if "interventions" in tables else None
    attempt("logic_models", lambda: logic_models(ids))
    attempt(
        "goals",
        lambda: load_goals(file("goals"), tables.get("interventions"), survey_items=survey_items),
    )
    attempt("training_plan", lambda: load_training_plan(file("training_plan")))
    attempt(
        "training_log", lambda: load_training_log(file("training_log"), tables.get("training_plan"))
    )
    attempt("activities", lambda: load_activities(file("activities")))
    _raise(problems)
    return Registers(**tables, directory=directory)


def convert_to_workbook(directory: str | Path | None = None, *, moved_to: str = "csv-yaml") -> Path:
    """Turn the CSV/YAML registers of ``directory`` (default ``data/raw/registers``) into
    ``register.xlsx`` there; the files move to the subfolder ``moved_to`` (kept, no longer
    read), so the folder never holds a register in both forms. Returns the workbook's path.

    The registers are loaded (and checked) first: a file with problems raises and nothing
    changes. Registers already in a workbook sheet stay as they are.
    """
    directory = Path(directory) if directory is not None else register_dir()
    loaded = load_registers(directory)
    target = directory / WORKBOOK
    files = [directory / f for f in REGISTER_FILES.values() if (directory / f).exists()]
    write_workbook(target, loaded)
    backup = directory / moved_to
    backup.mkdir(exist_ok=True)
    for file in files:
        file.replace(backup / file.name)
    return target
