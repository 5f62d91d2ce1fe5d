"""Column specifications: the columns of every CSV register (:data:`SPECS`) and their keys."""

from __future__ import annotations

from dataclasses import dataclass

from vpanalysis.registers.errors import _CellError
from vpanalysis.registers.parsers import (
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
from vpanalysis.registers.vocabularies import (
    CHANGEABILITY,
    DATA_SOURCES,
    DIRECTIONS,
    EVIDENCE,
    FACTOR_LEVELS,
    FACTOR_TYPES,
    POLARITIES,
    PREVENTION_LEVELS,
    ROLES,
    SECTORS,
    VIOLENCE_FORMS,
    Vocabulary,
)


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
