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
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from pathlib import Path

import pandas as pd
import yaml

from vpanalysis import geography
from vpanalysis.catalogue import HANDBOOK_STEPS
from vpanalysis.config import get_paths
from vpanalysis.errors import DataError

# ---------------------------------------------------------------- vocabularies


def match_key(text: object) -> str:
    """Matching key: NFC, case-folded, single spaces, trimmed."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", str(text)).casefold()).strip()


@dataclass(frozen=True)
class Vocabulary:
    """Allowed values of a register column: canonical value -> Swedish label, plus synonyms.

    A cell matches a canonical value, its label or a synonym (case and spaces ignored).
    """

    labels: Mapping[object, str]
    aliases: Mapping[str, object] = field(default_factory=dict)

    @cached_property
    def _lookup(self) -> dict[str, object]:
        lookup = {match_key(label): value for value, label in self.labels.items()}
        lookup.update({match_key(alias): value for alias, value in self.aliases.items()})
        lookup.update({match_key(value): value for value in self.labels})
        return lookup

    def canonical(self, text: object) -> object | None:
        """The canonical value for ``text``, or None when it is not allowed."""
        return self._lookup.get(match_key(text))

    @property
    def values(self) -> list:
        return list(self.labels)

    def describe(self) -> str:
        return ", ".join(str(v) for v in self.labels)


#: Sectors of the partners (step 1).
SECTORS = Vocabulary(
    {
        "kommunledning": "Kommunledning",
        "socialtjänst": "Socialtjänst",
        "skola": "Skola",
        "förskola": "Förskola",
        "fritid/kultur": "Fritid och kultur",
        "hälso- och sjukvård": "Hälso- och sjukvård",
        "polis": "Polis",
        "kvinnojour/tjejjour": "Kvinnojour eller tjejjour",
        "civilsamhälle": "Civilsamhälle",
        "räddningstjänst": "Räddningstjänst",
        "bostadsbolag": "Bostadsbolag",
        "trossamfund": "Trossamfund",
        "näringsliv": "Näringsliv",
        "annan": "Annan",
    },
    {
        "socialtjänsten": "socialtjänst",
        "socialförvaltningen": "socialtjänst",
        "skolan": "skola",
        "grundskola": "skola",
        "gymnasieskola": "skola",
        "fritid": "fritid/kultur",
        "kultur": "fritid/kultur",
        "kultur/fritid": "fritid/kultur",
        "kultur och fritid": "fritid/kultur",
        "fritid och kultur": "fritid/kultur",
        "hälso och sjukvård": "hälso- och sjukvård",
        "hälso- och sjukvården": "hälso- och sjukvård",
        "region": "hälso- och sjukvård",
        "polisen": "polis",
        "kvinnojour": "kvinnojour/tjejjour",
        "tjejjour": "kvinnojour/tjejjour",
        "kvinno- och tjejjour": "kvinnojour/tjejjour",
        "ideell sektor": "civilsamhälle",
        "förening": "civilsamhälle",
        "räddningstjänsten": "räddningstjänst",
        "bostadsbolaget": "bostadsbolag",
    },
)

#: Roles in the steering structure (step 1); the crime-prevention council steers.
ROLES = Vocabulary(
    {
        "styrgrupp": "Styrgrupp (Brottsförebyggande rådet)",
        "ledningsgrupp": "Ledningsgrupp",
        "arbetsgrupp": "Arbetsgrupp",
        "referensgrupp": "Referensgrupp",
    },
    {
        "referens": "referensgrupp",
        "brå": "styrgrupp",
        "brottsförebyggande rådet": "styrgrupp",
        "styrgrupp (brå)": "styrgrupp",
    },
)

#: Data sources a partner contributes (keys as the ``source`` of the tidy tables).
DATA_SOURCES = Vocabulary(
    {
        "socialtjanst": "Socialtjänsten",
        "skola": "Skolan (kränkningsanmälningar, elevhälsa)",
        "skolenkat": "Skolenkät",
        "polis": "Polisen (lokal lägesbild)",
        "bra": "BRÅ, anmälda brott",
        "kvinnojour": "Kvinnojouren",
        "tjejjour": "Tjejjouren",
        "halso_sjukvard": "Hälso- och sjukvården",
        "raddningstjanst": "Räddningstjänsten",
        "bostadsbolag": "Bostadsbolaget",
        "kolada": "Kolada",
        "scb": "SCB, befolkning",
    },
    {
        "socialtjänst": "socialtjanst",
        "skolenkät": "skolenkat",
        "brå": "bra",
        "polisen": "polis",
        "hälso- och sjukvård": "halso_sjukvard",
        "räddningstjänst": "raddningstjanst",
    },
)

#: The five steps of *Inget att vänta på*.
STEPS = Vocabulary(dict(HANDBOOK_STEPS))

#: Socio-ecological levels of a factor.
FACTOR_LEVELS = Vocabulary(
    {
        "individ": "Individ",
        "relation": "Relation",
        "närmiljö": "Närmiljö",
        "samhälle": "Samhälle",
    },
    {
        "individuell": "individ",
        "individnivå": "individ",
        "individual": "individ",
        "relationer": "relation",
        "relationship": "relation",
        "samhälle/närmiljö": "närmiljö",
        "lokalsamhälle": "närmiljö",
        "community": "närmiljö",
        "society": "samhälle",
        "samhällsnivå": "samhälle",
    },
)

FACTOR_TYPES = Vocabulary(
    {"risk": "Riskfaktor", "skydd": "Skyddsfaktor"},
    {"riskfaktor": "risk", "skyddsfaktor": "skydd", "protective": "skydd"},
)

#: Strength of evidence (of a factor's link to violence; of an intervention's effect).
EVIDENCE = Vocabulary(
    {3: "stark", 2: "måttlig", 1: "begränsad", 0: "saknas"},
    {"hög": 3, "god": 3, "medel": 2, "låg": 1, "svag": 1, "ingen": 0, "okänd": 0},
)

#: How much the partners can change a factor.
CHANGEABILITY = Vocabulary(
    {3: "stor", 2: "viss", 1: "liten"},
    {"stor": 3, "viss": 2, "liten": 1, "hög": 3, "medel": 2, "låg": 1},
)

#: Forms of violence a factor can be shared by (after WHO/CDC *Connecting the dots*).
VIOLENCE_FORMS = Vocabulary(
    {
        "nära relation": "Våld i nära relationer",
        "sexuellt våld": "Sexuellt våld",
        "ungdomsvåld": "Våld mellan unga",
        "mobbning": "Mobbning och kränkningar",
        "barnmisshandel": "Våld mot barn",
        "hedersrelaterat": "Hedersrelaterat våld och förtryck",
        "våld mot äldre": "Våld mot äldre",
    },
    {
        "våld i nära relation": "nära relation",
        "våld i nära relationer": "nära relation",
        "partnervåld": "nära relation",
        "våld mellan unga": "ungdomsvåld",
        "kränkningar": "mobbning",
        "våld mot barn": "barnmisshandel",
        "hedersrelaterat våld": "hedersrelaterat",
        "hedersrelaterat våld och förtryck": "hedersrelaterat",
    },
)

PREVENTION_LEVELS = Vocabulary(
    {"universell": "Universell", "selektiv": "Selektiv", "indikerad": "Indikerad"},
    {"universal": "universell", "generell": "universell", "selective": "selektiv"},
)

DIRECTIONS = Vocabulary(
    {"decrease": "minska", "increase": "öka"},
    {"minska": "decrease", "öka": "increase", "lower": "decrease", "higher": "increase"},
)

#: Whether a higher indicator value is worse or better (default from the factor type).
POLARITIES = Vocabulary(
    {"higher_worse": "högre är sämre", "higher_better": "högre är bättre"},
    {"högre sämre": "higher_worse", "högre bättre": "higher_better"},
)

INDICATOR_SOURCES = Vocabulary(
    {
        "kolada": "Kolada-nyckeltal",
        "skolenkat": "Skolenkät",
        "bra": "BRÅ, anmälda brott",
        "socialtjanst": "Socialtjänsten",
        "kvinnojour": "Kvinnojouren",
        "register": "Kommunens register",
    },
    {"skolenkät": "skolenkat", "brå": "bra", "socialtjänst": "socialtjanst"},
)

#: Indicators computed from the registers themselves (``register:<name>``).
REGISTER_INDICATORS = {
    "training_coverage": "Andel av den planerade personalen som utbildats (%), ackumulerat",
    "activity_reach": "Antal personer som nåtts av aktiviteter under året",
}

#: The stages of a logic model, in order, with their Swedish labels.
LOGIC_MODEL_STAGES = {
    "resources": "Resurser",
    "activities": "Aktiviteter",
    "outputs": "Prestationer",
    "short_term_outcomes": "Kortsiktiga effekter",
    "long_term_outcomes": "Långsiktiga effekter",
    "indicators": "Indikatorer",
}
_STAGE_ALIASES = {
    "resurser": "resources",
    "aktiviteter": "activities",
    "prestationer": "outputs",
    "kortsiktiga_effekter": "short_term_outcomes",
    "långsiktiga_effekter": "long_term_outcomes",
    "indikatorer": "indicators",
}

REGISTER_FILES = {
    "partners": "partners.csv",
    "training_days": "training_days.csv",
    "factors": "factors.csv",
    "interventions": "interventions.csv",
    "logic_models": "logic_models.yaml",
    "goals": "goals.csv",
    "training_plan": "training_plan.csv",
    "training_log": "training_log.csv",
    "activities": "activities.csv",
}


def register_dir(data_dir: str | Path | None = None) -> Path:
    """``data/raw/registers`` (of ``data_dir`` when given)."""
    return get_paths(data_dir).raw / "registers"


# ---------------------------------------------------------------- errors


class RegisterError(DataError):
    """One or more problems in the registers; ``problems`` holds each as a DataError.

    ``file``, ``row``, ``column`` and ``value`` are those of the first problem; the message
    lists all of them.
    """

    def __init__(self, problems: list[DataError]):
        if not problems:
            raise ValueError("RegisterError needs at least one problem")
        self.problems = list(problems)
        first = problems[0]
        super().__init__("", file=first.file, row=first.row, column=first.column)
        self.value = first.value
        if len(problems) == 1:
            text = str(first)
        else:
            text = f"{len(problems)} problems in the registers:\n" + "\n".join(
                f"- {p}" for p in problems
            )
        self.args = (text,)


class _CellError(ValueError):
    """A cell that does not parse; turned into a DataError with file/row/column."""


# ---------------------------------------------------------------- cell parsers


_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")


def split_list(text: object) -> list[str]:
    """``"a, b | c"`` -> ``["a", "b", "c"]``; empty parts dropped."""
    if text is None or (isinstance(text, float) and math.isnan(text)) or text is pd.NA:
        return []
    return [part.strip() for part in re.split(r"[,|]", str(text)) if part.strip()]


def parse_number(text: str) -> float:
    """Swedish or plain number: ``1 234,5``, ``1234.5``, ``250 000 kr``, ``12,5 %``."""
    s = re.sub(r"(?i)\s*(kr|sek|st|%|h|tim|timmar)\.?$", "", text.strip())
    s = _SPACES.sub("", s).replace("\u2212", "-")
    if "," in s and "." in s:
        raise _CellError("ambiguous number: use either decimal comma or decimal point")
    s = s.replace(",", ".")
    try:
        value = float(s)
    except ValueError:
        raise _CellError("not a number") from None
    if math.isnan(value) or math.isinf(value):
        raise _CellError("not a number")
    return value


def parse_int(text: str) -> int:
    value = parse_number(text)
    if not value.is_integer():
        raise _CellError("not a whole number")
    return int(value)


_DATE = re.compile(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")


def parse_date(text: str) -> dt.date:
    """ISO dates as Swedish Excel writes them: ``2021-10-12`` (``2021-10`` = 1 October)."""
    m = _DATE.fullmatch(text.strip())
    if not m:
        raise _CellError("not a date: write it as YYYY-MM-DD, e.g. 2021-10-12")
    year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3) or 1)
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise _CellError("not a valid calendar date") from None


_TRUE = {"ja", "j", "yes", "y", "true", "sant", "1", "x"}
_FALSE = {"nej", "n", "no", "false", "falskt", "0", ""}


def parse_bool(text: str) -> bool:
    k = match_key(text)
    if k in _TRUE:
        return True
    if k in _FALSE:
        return False
    raise _CellError("write ja or nej")


def parse_steps(text: str) -> tuple[int, ...]:
    """``"1|2|5"``, ``"1-3, 5"``, ``"1–5"`` or ``"alla"`` -> sorted step numbers."""
    steps: set[int] = set()
    for part in re.split(r"[,|;]", text):
        part = part.strip()
        if not part:
            continue
        if match_key(part) in ("alla", "all", "samtliga"):
            steps.update(range(1, 6))
            continue
        m = re.fullmatch(r"(\d)\s*[-\u2013\u2014]\s*(\d)", part)
        if m:
            lo, hi = int(m.group(1)), int(m.group(2))
            if not 1 <= lo <= hi <= 5:
                raise _CellError("steps are numbered 1 to 5")
            steps.update(range(lo, hi + 1))
            continue
        if not re.fullmatch(r"\d", part) or not 1 <= int(part) <= 5:
            raise _CellError(f"steps are numbered 1 to 5 (got {part!r})")
        steps.add(int(part))
    return tuple(sorted(steps))


def parse_municipality(text: str) -> str:
    """A municipality code or name -> 4-character code (``"180"`` from Excel -> ``"0180"``)."""
    s = text.strip()
    if re.fullmatch(r"\d{3}", s):
        s = s.zfill(4)
    try:
        return geography.municipality_code(s)
    except geography.UnknownRegionError as exc:
        raise _CellError(f"unknown municipality: {exc}") from None


def parse_indicator(text: str) -> str:
    """Validate and normalise an indicator id ``source:measure`` (see module docstring)."""
    m = re.fullmatch(r"\s*([^:\s]+)\s*:\s*(\S(?:.*\S)?)\s*", text)
    if not m:
        raise _CellError(
            "indicator must be written source:measure, e.g. kolada:N07403 or skolenkat:risk_alkohol"
        )
    source = INDICATOR_SOURCES.canonical(m.group(1))
    if source is None:
        raise _CellError(f"unknown indicator source; allowed: {INDICATOR_SOURCES.describe()}")
    measure = m.group(2)
    if source == "kolada":
        measure = measure.upper()
        if not re.fullmatch(r"[NU]\d{5}", measure):
            raise _CellError("a Kolada KPI id is N or U and five digits, e.g. N07403")
    elif source == "skolenkat":
        if not re.fullmatch(r"[a-z][a-z0-9_]*", measure):
            raise _CellError("a survey item name is lower-case letters, digits and _")
    elif source == "register" and measure not in REGISTER_INDICATORS:
        raise _CellError(f"unknown register indicator; allowed: {', '.join(REGISTER_INDICATORS)}")
    return f"{source}:{measure}"


_CUTOFF = re.compile(r"(>=|<=|>|<)?\s*(?:(p)\s*(\d{1,2})|(-?\d+(?:[.,]\d+)?))", re.IGNORECASE)


@dataclass(frozen=True)
class Cutoff:
    """When a respondent counts as "at risk" on a survey item.

    ``percentile`` set: compare with that percentile of a reference group; else with
    ``value``. ``op`` is the comparison of the respondent's answer with the threshold.
    """

    op: str = ">"
    value: float | None = None
    percentile: int | None = None

    def __str__(self) -> str:
        threshold = f"p{self.percentile}" if self.percentile is not None else f"{self.value:g}"
        return f"{self.op} {threshold}"


def parse_cutoff(text: str | None) -> Cutoff | None:
    """``""`` -> None (binary item: 1 = at risk); ``">= 4"``, ``"p75"``, ``"< p25"``."""
    if text is None or not str(text).strip():
        return None
    m = _CUTOFF.fullmatch(str(text).strip())
    if not m:
        raise _CellError("cut-off must look like '>= 4', '< 2', 'p75' or '< p25'")
    op = m.group(1) or ">"
    if m.group(2):
        pct = int(m.group(3))
        if not 1 <= pct <= 99:
            raise _CellError("percentile must be between 1 and 99")
        return Cutoff(op, None, pct)
    return Cutoff(op, float(m.group(4).replace(",", ".")), None)


_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")


def parse_id(text: str) -> str:
    s = text.strip()
    if not _ID.fullmatch(s):
        raise _CellError("an id uses letters A-Z, digits, '-', '_' or '.' (no spaces)")
    return s


# ---------------------------------------------------------------- column specifications


@dataclass(frozen=True)
class Column:
    """A register column: name, kind, whether the column and a value are required."""

    name: str
    kind: str  # text, id, ids, code, choice, choices, scale, steps, int, number, date, bool,
    #            indicator, cutoff, texts
    required: bool = True  # the column must be in the file
    nonempty: bool = True  # every row needs a value
    vocab: Vocabulary | None = None
    minimum: float | None = None
    maximum: float | None = None

    def parse(self, text: str) -> object:
        kind = self.kind
        if kind == "text":
            return text.strip()
        if kind == "id":
            return parse_id(text)
        if kind == "ids":
            return tuple(parse_id(t) for t in split_list(text))
        if kind == "texts":
            return tuple(split_list(text))
        if kind == "code":
            return parse_municipality(text)
        if kind in ("choice", "scale"):
            assert self.vocab is not None
            value = self.vocab.canonical(text)  # scale values also match their digits
            if value is None:
                raise _CellError(f"not an allowed value; allowed: {self._allowed()}")
            if self.minimum is not None and kind == "scale" and value < self.minimum:
                raise _CellError(f"not an allowed value; allowed: {self._allowed()}")
            return value
        if kind == "choices":
            assert self.vocab is not None
            values = []
            for part in split_list(text):
                value = self.vocab.canonical(part)
                if value is None:
                    raise _CellError(
                        f"{part!r} is not an allowed value; allowed: {self._allowed()}"
                    )
                if value not in values:
                    values.append(value)
            return tuple(values)
        if kind == "steps":
            return parse_steps(text)
        if kind in ("int", "number"):
            value = parse_int(text) if kind == "int" else parse_number(text)
            if self.minimum is not None and value < self.minimum:
                raise _CellError(f"must be at least {self.minimum:g}")
            if self.maximum is not None and value > self.maximum:
                raise _CellError(f"must be at most {self.maximum:g}")
            return value
        if kind == "date":
            return parse_date(text)
        if kind == "bool":
            return parse_bool(text)
        if kind == "indicator":
            return parse_indicator(text)
        if kind == "cutoff":
            return str(parse_cutoff(text))
        raise AssertionError(f"unknown column kind {kind}")

    def _allowed(self) -> str:
        assert self.vocab is not None
        values = self.vocab.values
        if self.kind == "scale":
            values = [v for v in values if self.minimum is None or v >= self.minimum]
            return ", ".join(f"{v} ({self.vocab.labels[v]})" for v in values)
        return ", ".join(str(v) for v in values)

    def empty(self) -> object:
        if self.kind in ("ids", "texts", "choices", "steps"):
            return ()
        if self.kind == "bool":
            return False
        return None


_DTYPES = {
    "text": "string",
    "id": "string",
    "code": "string",
    "choice": "string",
    "indicator": "string",
    "cutoff": "string",
    "scale": "Int64",
    "int": "Int64",
    "number": "Float64",
    "bool": "bool",
}

_EXAMPLE = Column("example", "bool", required=False, nonempty=False)
_MUNICIPALITY = Column("municipality_code", "code")

SPECS: dict[str, list[Column]] = {
    "partners": [
        _MUNICIPALITY,
        Column("organisation", "text"),
        Column("sector", "choice", vocab=SECTORS),
        Column("role", "choice", vocab=ROLES),
        Column("contact_role", "text", required=False, nonempty=False),
        Column("mandate", "text", nonempty=False),
        Column("resources", "text", nonempty=False),
        Column("data_sources", "choices", nonempty=False, vocab=DATA_SOURCES),
        Column("steps", "steps"),
        _EXAMPLE,
    ],
    "training_days": [
        _MUNICIPALITY,
        Column("date", "date"),
        Column("title", "text"),
        Column("provider", "text"),
        Column("participant_group", "text"),
        Column("participants", "int", nonempty=False, minimum=0),
        Column("steps", "steps", required=False, nonempty=False),
        _EXAMPLE,
    ],
    "factors": [
        Column("factor_id", "id"),
        Column("name", "text"),
        Column("level", "choice", vocab=FACTOR_LEVELS),
        Column("type", "choice", vocab=FACTOR_TYPES),
        Column("description", "text", nonempty=False),
        Column("evidence", "scale", vocab=EVIDENCE, minimum=1),
        Column("shared_by", "choices", vocab=VIOLENCE_FORMS),
        Column("changeability", "scale", vocab=CHANGEABILITY),
        Column("indicator", "indicator", nonempty=False),
        Column("indicator_cutoff", "cutoff", required=False, nonempty=False),
        Column("indicator_polarity", "choice", required=False, nonempty=False, vocab=POLARITIES),
        Column("reference", "text", required=False, nonempty=False),
        _EXAMPLE,
    ],
    "interventions": [
        Column("intervention_id", "id"),
        _MUNICIPALITY,
        Column("administration", "text"),
        Column("name", "text"),
        Column("description", "text", nonempty=False),
        Column("target_group", "text"),
        Column("prevention_level", "choice", vocab=PREVENTION_LEVELS),
        Column("factors", "ids", nonempty=False),
        Column("evidence", "scale", vocab=EVIDENCE, minimum=0),
        Column("reach", "int", nonempty=False, minimum=0),
        Column("cost_sek", "number", nonempty=False, minimum=0),
        Column("start_date", "date", nonempty=False),
        Column("end_date", "date", required=False, nonempty=False),
        Column("chosen", "bool", required=False, nonempty=False),
        _EXAMPLE,
    ],
    "goals": [
        Column("goal_id", "id"),
        _MUNICIPALITY,
        Column("goal", "text"),
        Column("indicator", "indicator"),
        Column("intervention_id", "id", required=False, nonempty=False),
        Column("baseline_year", "int", minimum=1990, maximum=2100),
        Column("baseline_value", "number"),
        Column("target_value", "number"),
        Column("target_year", "int", minimum=1990, maximum=2100),
        Column("direction", "choice", vocab=DIRECTIONS),
        Column("latest_year", "int", required=False, nonempty=False, minimum=1990, maximum=2100),
        Column("latest_value", "number", required=False, nonempty=False),
        _EXAMPLE,
    ],
    "training_plan": [
        _MUNICIPALITY,
        Column("administration", "text"),
        Column("year", "int", minimum=1990, maximum=2100),
        Column("planned", "int", minimum=0),
        Column("note", "text", required=False, nonempty=False),
        _EXAMPLE,
    ],
    "training_log": [
        _MUNICIPALITY,
        Column("date", "date"),
        Column("administration", "text"),
        Column("title", "text", nonempty=False),
        Column("provider", "text", nonempty=False),
        Column("participants", "int", minimum=0),
        _EXAMPLE,
    ],
    "activities": [
        _MUNICIPALITY,
        Column("start_date", "date"),
        Column("end_date", "date", nonempty=False),
        Column("name", "text"),
        Column("organiser", "text"),
        Column("target_group", "text", required=False, nonempty=False),
        Column("reach", "int", nonempty=False, minimum=0),
        Column("channels", "texts", nonempty=False),
        _EXAMPLE,
    ],
}

#: Columns whose combination must be unique in each CSV register.
UNIQUE_KEYS = {
    "partners": ("municipality_code", "organisation", "role"),
    "factors": ("factor_id",),
    "interventions": ("intervention_id",),
    "goals": ("goal_id",),
    "training_plan": ("municipality_code", "administration", "year"),
}


# ---------------------------------------------------------------- reading CSV


@dataclass
class _RawCsv:
    path: Path
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (line in file, cells)


def _decode(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise DataError(
            "cannot read the file: save it as 'CSV UTF-8 (kommaavgränsad)' in Excel", file=path
        ) from None


def _read_csv(path: Path) -> _RawCsv:
    if not path.exists():
        raise DataError("register file is missing", file=path)
    text = _decode(path)
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if ";" in first or "," not in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    previous = 0
    for cells in reader:
        start = previous + 1
        previous = reader.line_num
        records.append((start, cells))
    records = [(line, cells) for line, cells in records if any(c.strip() for c in cells)]
    if not records:
        raise DataError("the file is empty (no header row)", file=path)
    header_line, header = records[0]
    header = [h.strip().lower() for h in header]
    # trailing empty columns (Excel sometimes writes extra ';')
    while header and not header[-1]:
        header.pop()
    seen: set[str] = set()
    for name in header:
        if not name:
            raise DataError("a column has no name in the header", file=path, row=header_line)
        if name in seen:
            raise DataError("column appears twice in the header", file=path, row=1, column=name)
        seen.add(name)
    return _RawCsv(path, header, records[1:])


def _parse_table(name: str, path: Path) -> tuple[pd.DataFrame, list[DataError]]:
    """Read and check one CSV register: all cell problems collected, not raised."""
    raw = _read_csv(path)
    spec = SPECS[name]
    problems: list[DataError] = []
    for col in spec:
        if col.required and col.name not in raw.header:
            problems.append(
                DataError(
                    "required column is missing from the header", file=path, row=1, column=col.name
                )
            )
    if problems:
        return pd.DataFrame(), problems
    position = {h: i for i, h in enumerate(raw.header)}
    extras = [h for h in raw.header if h not in {c.name for c in spec}]
    records: list[dict[str, object]] = []
    for line, cells in raw.rows:
        if len(cells) > len(raw.header) and any(c.strip() for c in cells[len(raw.header) :]):
            problems.append(
                DataError(
                    f"the row has more cells than the header has columns ({len(raw.header)}); "
                    "is there a ';' inside a text that is not in quotes?",
                    file=path,
                    row=line,
                )
            )
            continue
        cells = cells + [""] * (len(raw.header) - len(cells))
        record: dict[str, object] = {"source_line": line}
        for col in spec:
            text = cells[position[col.name]].strip() if col.name in position else ""
            if not text:
                if col.nonempty and col.name in position:
                    problems.append(
                        DataError("a value is required", file=path, row=line, column=col.name)
                    )
                record[col.name] = col.empty()
                continue
            try:
                record[col.name] = col.parse(text)
            except _CellError as exc:
                problems.append(
                    DataError(str(exc), file=path, row=line, column=col.name, value=text)
                )
                record[col.name] = col.empty()
        for extra in extras:
            record[extra] = cells[position[extra]].strip() or None
        records.append(record)
    frame = _to_frame(records, spec, extras)
    problems += _check_unique(frame, UNIQUE_KEYS.get(name, ()), path)
    return frame, problems


def _to_frame(records: list[dict], spec: list[Column], extras: list[str]) -> pd.DataFrame:
    data: dict[str, pd.Series] = {}
    n = len(records)
    for col in spec:
        values = [r[col.name] for r in records]
        if col.kind == "date":
            series = pd.Series(pd.to_datetime(pd.Series(values, dtype="object")), name=col.name)
            data[col.name] = series.astype("datetime64[us]")
        elif col.kind in _DTYPES:
            data[col.name] = pd.Series(values, dtype=_DTYPES[col.kind], name=col.name)
        else:  # list kinds: tuples in an object column
            data[col.name] = pd.Series(values if n else [], dtype="object", name=col.name)
    for extra in extras:
        data[extra] = pd.Series([r[extra] for r in records], dtype="string", name=extra)
    data["source_line"] = pd.Series([r["source_line"] for r in records], dtype="Int64")
    return pd.DataFrame(data)


def _check_unique(frame: pd.DataFrame, key: tuple[str, ...], path: Path) -> list[DataError]:
    if not key or frame.empty:
        return []
    problems = []
    normalised = frame[list(key)].astype("string").apply(lambda s: s.map(match_key))
    duplicated = normalised.duplicated(keep="first") & normalised.notna().all(axis=1)
    for idx in frame.index[duplicated]:
        values = tuple(frame.loc[idx, k] for k in key)
        problems.append(
            DataError(
                f"duplicate row: {', '.join(key)} must be unique",
                file=path,
                row=int(frame.loc[idx, "source_line"]),
                column=key[-1],
                value=values[-1] if len(values) == 1 else values,
            )
        )
    return problems


def _raise(problems: list[DataError]) -> None:
    if problems:
        raise RegisterError(problems)


def _path(name: str, path: str | Path | None) -> Path:
    return Path(path) if path is not None else register_dir() / REGISTER_FILES[name]


def _row_problem(frame: pd.DataFrame, idx, path: Path, column: str, message: str, value=None):
    return DataError(
        message, file=path, row=int(frame.loc[idx, "source_line"]), column=column, value=value
    )


# ---------------------------------------------------------------- the loaders

_HOURS = re.compile(
    r"(?i)\s*(\d[\d\s\u00a0]*(?:[.,]\d+)?)\s*(?:h|tim|timmar)?\.?\s*(?:(?:/|per)\s*år)?\s*"
)


def resource_hours(text: object) -> float | None:
    """``"200"``, ``"200 h/år"``, ``"1 600 timmar per år"`` -> hours; other text -> None."""
    if text is None or text is pd.NA or not isinstance(text, str):
        return None
    m = _HOURS.fullmatch(text)
    if not m:
        return None
    return float(_SPACES.sub("", m.group(1)).replace(",", "."))


def load_partners(path: str | Path | None = None) -> pd.DataFrame:
    """Step 1 partners. Adds ``resources_hours`` (Float64, where ``resources`` is a number)."""
    path = _path("partners", path)
    frame, problems = _parse_table("partners", path)
    _raise(problems)
    hours = frame["resources"].map(resource_hours, na_action="ignore")
    frame["resources_hours"] = pd.array(hours.tolist(), dtype="Float64")
    return frame


def load_training_days(path: str | Path | None = None) -> pd.DataFrame:
    """Training days of the leadership group (e.g. the four days with MÄN)."""
    path = _path("training_days", path)
    frame, problems = _parse_table("training_days", path)
    _raise(problems)
    return frame.sort_values(["municipality_code", "date"], kind="stable").reset_index(drop=True)


def load_factors(
    path: str | Path | None = None, survey_items: Iterable[str] | None = None
) -> pd.DataFrame:
    """The factor catalogue (step 3).

    Adds ``n_forms`` (how many forms of violence share the factor) and fills
    ``indicator_polarity`` from the type where empty (risk: higher is worse). With
    ``survey_items`` given, every ``skolenkat:`` indicator must be one of them.
    """
    path = _path("factors", path)
    frame, problems = _parse_table("factors", path)
    if not frame.empty:
        problems += _check_survey_items(frame, "indicator", path, survey_items)
    _raise(problems)
    frame["n_forms"] = pd.array([len(v) for v in frame["shared_by"]], dtype="Int64")
    default = frame["type"].map({"risk": "higher_worse", "skydd": "higher_better"})
    frame["indicator_polarity"] = frame["indicator_polarity"].fillna(default).astype("string")
    return frame


def _check_survey_items(
    frame: pd.DataFrame, column: str, path: Path, survey_items: Iterable[str] | None
) -> list[DataError]:
    if survey_items is None:
        return []
    items = set(survey_items)
    problems = []
    for idx, value in frame[column].items():
        if isinstance(value, str) and value.startswith("skolenkat:"):
            item = value.split(":", 1)[1]
            if item not in items:
                near = ", ".join(sorted(i for i in items if i.split("_")[0] == item.split("_")[0]))
                hint = f"; items in the codebook like it: {near}" if near else ""
                problems.append(
                    _row_problem(
                        frame, idx, path, column, f"survey item not in the codebook{hint}", value
                    )
                )
    return problems


def load_interventions(
    path: str | Path | None = None, factor_ids: Iterable[str] | None = None
) -> pd.DataFrame:
    """The intervention inventory (step 4). With ``factor_ids``, every id in ``factors``
    must be one of them. ``end_date`` may not precede ``start_date``."""
    path = _path("interventions", path)
    frame, problems = _parse_table("interventions", path)
    if not frame.empty:
        if factor_ids is not None:
            known = set(factor_ids)
            for idx, ids in frame["factors"].items():
                unknown = [i for i in ids if i not in known]
                if unknown:
                    problems.append(
                        _row_problem(
                            frame,
                            idx,
                            path,
                            "factors",
                            "factor id not in factors.csv",
                            ", ".join(unknown),
                        )
                    )
        problems += _check_order(frame, "start_date", "end_date", path)
    _raise(problems)
    return frame


def _check_order(frame: pd.DataFrame, start: str, end: str, path: Path) -> list[DataError]:
    bad = frame[end].notna() & frame[start].notna() & (frame[end] < frame[start])
    return [
        _row_problem(
            frame, idx, path, end, f"{end} is before {start}", str(frame.loc[idx, end].date())
        )
        for idx in frame.index[bad]
    ]


def load_goals(
    path: str | Path | None = None,
    interventions: pd.DataFrame | None = None,
    survey_items: Iterable[str] | None = None,
    known_indicators: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Goals (step 5), checked row by row.

    target year after baseline year; the target lies in the goal's direction from the
    baseline; a latest value has its year (not before the baseline year). With
    ``interventions``, ``intervention_id`` must exist there for the same municipality;
    with ``survey_items`` / ``known_indicators``, the indicator must be known.
    """
    path = _path("goals", path)
    frame, problems = _parse_table("goals", path)
    if not frame.empty:
        problems += _check_goal_rows(frame, path)
        problems += _check_survey_items(frame, "indicator", path, survey_items)
        if known_indicators is not None:
            known = set(known_indicators)
            for idx, value in frame["indicator"].items():
                if (
                    isinstance(value, str)
                    and not value.startswith("register:")
                    and value not in known
                ):
                    problems.append(
                        _row_problem(frame, idx, path, "indicator", "unknown indicator", value)
                    )
        if interventions is not None:
            owner = dict(
                zip(
                    interventions["intervention_id"],
                    interventions["municipality_code"],
                    strict=True,
                )
            )
            for idx, value in frame["intervention_id"].items():
                if value is pd.NA or value is None:
                    continue
                if value not in owner:
                    problems.append(
                        _row_problem(
                            frame, idx, path, "intervention_id", "not in interventions.csv", value
                        )
                    )
                elif owner[value] != frame.loc[idx, "municipality_code"]:
                    problems.append(
                        _row_problem(
                            frame,
                            idx,
                            path,
                            "intervention_id",
                            "the intervention belongs to another municipality",
                            value,
                        )
                    )
    _raise(problems)
    return frame


def _check_goal_rows(frame: pd.DataFrame, path: Path) -> list[DataError]:
    problems = []
    for idx, row in frame.iterrows():
        if any(pd.isna(row[c]) for c in ("baseline_year", "target_year")):
            continue
        if row["target_year"] <= row["baseline_year"]:
            problems.append(
                _row_problem(
                    frame,
                    idx,
                    path,
                    "target_year",
                    "must be after baseline_year",
                    row["target_year"],
                )
            )
        if not any(pd.isna(row[c]) for c in ("baseline_value", "target_value", "direction")):
            sign = 1 if row["direction"] == "increase" else -1
            if sign * (row["target_value"] - row["baseline_value"]) <= 0:
                word = "above" if sign > 0 else "below"
                problems.append(
                    _row_problem(
                        frame,
                        idx,
                        path,
                        "target_value",
                        f"with direction {row['direction']} the target must be {word} the baseline",
                        row["target_value"],
                    )
                )
        has_year, has_value = pd.notna(row["latest_year"]), pd.notna(row["latest_value"])
        if has_value and not has_year:
            problems.append(
                _row_problem(frame, idx, path, "latest_year", "give the year of latest_value")
            )
        if has_year and not has_value:
            problems.append(
                _row_problem(frame, idx, path, "latest_value", "latest_year is given but no value")
            )
        if has_year and row["latest_year"] < row["baseline_year"]:
            problems.append(
                _row_problem(
                    frame,
                    idx,
                    path,
                    "latest_year",
                    "must not be before baseline_year",
                    row["latest_year"],
                )
            )
    return problems


def load_training_plan(path: str | Path | None = None) -> pd.DataFrame:
    """Staff to be trained per municipality, administration and year."""
    path = _path("training_plan", path)
    frame, problems = _parse_table("training_plan", path)
    _raise(problems)
    return frame


def load_training_log(
    path: str | Path | None = None, plan: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Delivered staff trainings. With ``plan``, each (municipality, administration) must be
    planned there (spelling compared case- and space-insensitively); adds ``year``."""
    path = _path("training_log", path)
    frame, problems = _parse_table("training_log", path)
    if not frame.empty and plan is not None:
        planned = set(
            zip(plan["municipality_code"], plan["administration"].map(match_key), strict=True)
        )
        for idx, row in frame.iterrows():
            if (row["municipality_code"], match_key(row["administration"])) not in planned:
                problems.append(
                    _row_problem(
                        frame,
                        idx,
                        path,
                        "administration",
                        "administration not in training_plan.csv for this municipality",
                        row["administration"],
                    )
                )
    _raise(problems)
    frame["year"] = pd.array(frame["date"].dt.year, dtype="Int64")
    return frame


def load_activities(path: str | Path | None = None) -> pd.DataFrame:
    """Activities (week 47 and others); ``end_date`` defaults to ``start_date``."""
    path = _path("activities", path)
    frame, problems = _parse_table("activities", path)
    if not frame.empty:
        problems += _check_order(frame, "start_date", "end_date", path)
    _raise(problems)
    frame["end_date"] = frame["end_date"].fillna(frame["start_date"])
    return frame


# ---------------------------------------------------------------- logic models (YAML)


class _LineLoader(yaml.SafeLoader):
    """Safe loader that records the line of each mapping (``__line__``) and of its values."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    loader.flatten_mapping(node)
    mapping = {}
    lines = {}
    key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        mapping[key] = loader.construct_object(value_node, deep=True)
        lines[key] = value_node.start_mark.line + 1
        key_lines[key] = key_node.start_mark.line + 1
    mapping["__line__"] = node.start_mark.line + 1
    mapping["__lines__"] = lines
    mapping["__keylines__"] = key_lines
    return mapping


class _LineList(list):
    """A YAML sequence that knows the line of each item (``lines``)."""

    lines: list[int]


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> _LineList:
    items = _LineList(loader.construct_object(child, deep=True) for child in node.value)
    items.lines = [child.start_mark.line + 1 for child in node.value]
    return items


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)

_MODEL_KEYS = {
    "intervention_id",
    "example",
    "name",
    "note",
    "__line__",
    "__lines__",
    "__keylines__",
}


def load_logic_models(
    path: str | Path | None = None, intervention_ids: Iterable[str] | None = None
) -> pd.DataFrame:
    """Logic models as a tidy table, one row per item.

    Columns: ``intervention_id``, ``stage`` (a key of :data:`LOGIC_MODEL_STAGES`),
    ``stage_label``, ``position`` (1-based within the stage), ``item`` (text),
    ``indicator`` (the indicator id of an ``indicators`` item, if it has one),
    ``example``, ``source_line``. A stage left empty has no rows (see
    :func:`vpanalysis.steps.interventions.check_logic_models`); each model appears at least
    once as a row with ``stage`` ``<NA>`` if all its stages are empty.
    """
    path = _path("logic_models", path)
    if not path.exists():
        raise DataError("register file is missing", file=path)
    try:
        document = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=_LineLoader)  # noqa: S506
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise DataError(
            f"not valid YAML: {getattr(exc, 'problem', exc)}",
            file=path,
            row=mark.line + 1 if mark else None,
        ) from None
    models = document.get("logic_models") if isinstance(document, dict) else document
    if not isinstance(models, list):
        raise DataError("expected a list under 'logic_models:'", file=path, row=1)
    known = set(intervention_ids) if intervention_ids is not None else None
    problems: list[DataError] = []
    rows: list[dict] = []
    seen: set[str] = set()
    for model in models:
        if not isinstance(model, dict):
            problems.append(DataError("each logic model must be a mapping", file=path))
            continue
        line = model["__line__"]
        lines = model["__lines__"]
        iid = model.get("intervention_id")
        if iid is None or not str(iid).strip():
            problems.append(
                DataError(
                    "intervention_id is required", file=path, row=line, column="intervention_id"
                )
            )
            continue
        iid = str(iid).strip()
        at = lines.get("intervention_id", line)
        if iid in seen:
            problems.append(
                DataError(
                    "a second logic model for this intervention",
                    file=path,
                    row=at,
                    column="intervention_id",
                    value=iid,
                )
            )
        seen.add(iid)
        if known is not None and iid not in known:
            problems.append(
                DataError(
                    "not in interventions.csv",
                    file=path,
                    row=at,
                    column="intervention_id",
                    value=iid,
                )
            )
        example = bool(model.get("example", False))
        n_rows = 0
        for key, value in model.items():
            if key in _MODEL_KEYS:
                continue
            stage = _STAGE_ALIASES.get(match_key(key), match_key(key))
            if stage not in LOGIC_MODEL_STAGES:
                problems.append(
                    DataError(
                        f"unknown key; the stages are {', '.join(LOGIC_MODEL_STAGES)}",
                        file=path,
                        row=model["__keylines__"].get(key, line),
                        column=str(key),
                    )
                )
                continue
            items = [] if value is None else value if isinstance(value, list) else [value]
            for position, item in enumerate(items, start=1):
                text, indicator, problem = _logic_model_item(stage, item)
                item_line = (
                    value.lines[position - 1]
                    if isinstance(value, _LineList)
                    else lines.get(key, line)
                )
                if problem:
                    problems.append(
                        DataError(problem, file=path, row=item_line, column=stage, value=text)
                    )
                    continue
                rows.append(
                    {
                        "intervention_id": iid,
                        "stage": stage,
                        "stage_label": LOGIC_MODEL_STAGES[stage],
                        "position": position,
                        "item": text,
                        "indicator": indicator,
                        "example": example,
                        "source_line": item_line,
                    }
                )
                n_rows += 1
        if n_rows == 0:
            rows.append(
                {
                    "intervention_id": iid,
                    "stage": None,
                    "stage_label": None,
                    "position": None,
                    "item": None,
                    "indicator": None,
                    "example": example,
                    "source_line": line,
                }
            )
    _raise(problems)
    frame = pd.DataFrame(
        rows,
        columns=[
            "intervention_id",
            "stage",
            "stage_label",
            "position",
            "item",
            "indicator",
            "example",
            "source_line",
        ],
    )
    return frame.astype(
        {
            "intervention_id": "string",
            "stage": "string",
            "stage_label": "string",
            "position": "Int64",
            "item": "string",
            "indicator": "string",
            "example": "bool",
            "source_line": "Int64",
        }
    )


def _logic_model_item(stage: str, item: object) -> tuple[str | None, str | None, str | None]:
    """(text, indicator id, problem) of one logic-model item."""
    if isinstance(item, dict):
        if stage != "indicators":
            return None, None, "items of this stage are plain text lines"
        raw_id = item.get("id")
        label = item.get("label")
        if raw_id is None:
            return str(label), None, "an indicator written as a mapping needs 'id:'"
        try:
            indicator = parse_indicator(str(raw_id))
        except _CellError as exc:
            return str(raw_id), None, str(exc)
        return str(label if label is not None else indicator), indicator, None
    text = str(item).strip()
    if not text:
        return None, None, "empty item"
    if stage == "indicators":
        head = text.split(":", 1)[0]
        if ":" in text and " " not in head and INDICATOR_SOURCES.canonical(head) is not None:
            try:
                return text, parse_indicator(text), None
            except _CellError as exc:
                return text, None, str(exc)
    return text, None, None


# ---------------------------------------------------------------- all registers


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


def read_codebook_items(path: str | Path) -> set[str] | None:
    """Item names of the school-survey codebook, or None if it is missing or unreadable.

    The item column is the first of ``item``, ``name``, ``variable``, ``item_id``,
    ``column`` that the file has.
    """
    path = Path(path)
    if not path.exists():
        return None
    text = _decode(path)
    first = text.splitlines()[0] if text else ""
    sep = ";" if ";" in first else ","
    frame = pd.read_csv(io.StringIO(text), sep=sep, dtype="string")
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    for candidate in ("item", "name", "variable", "item_id", "column"):
        if candidate in frame.columns:
            return set(frame[candidate].dropna().str.strip())
    return None


def load_registers(
    directory: str | Path | None = None,
    *,
    survey_items: Iterable[str] | None = None,
    codebook: str | Path | None = None,
) -> Registers:
    """Load every register of ``directory`` (default ``data/raw/registers``) and check that
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

    def file(name: str) -> Path:
        return directory / REGISTER_FILES[name]

    attempt("partners", lambda: load_partners(file("partners")))
    attempt("training_days", lambda: load_training_days(file("training_days")))
    attempt("factors", lambda: load_factors(file("factors"), survey_items))
    factor_ids = tables["factors"]["factor_id"] if "factors" in tables else None
    attempt("interventions", lambda: load_interventions(file("interventions"), factor_ids))
    ids = tables["interventions"]["intervention_id"] if "interventions" in tables else None
    attempt("logic_models", lambda: load_logic_models(file("logic_models"), ids))
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
