"""Logic models (``logic_models.yaml``): nested YAML -> a tidy table with the line of each item."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import yaml

from vpanalysis.errors import DataError
from vpanalysis.io.conventions import YAML_LOADER
from vpanalysis.registers.errors import _CellError
from vpanalysis.registers.parsers import parse_indicator
from vpanalysis.registers.reading import _path, _raise
from vpanalysis.registers.vocabularies import (
    _STAGE_ALIASES,
    INDICATOR_SOURCES,
    LOGIC_MODEL_STAGES,
    match_key,
)


class _LineLoader(YAML_LOADER):
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
    return _logic_model_frame(rows)


#: The columns of the loaded logic models, in order, with their dtypes.
_LOGIC_MODEL_DTYPES = {
    "intervention_id": "string",
    "stage": "string",
    "stage_label": "string",
    "position": "Int64",
    "item": "string",
    "indicator": "string",
    "example": "bool",
    "source_line": "Int64",
}


def _logic_model_frame(rows: list[dict]) -> pd.DataFrame:
    """The table of :func:`load_logic_models` from its rows (dicts of the columns)."""
    frame = pd.DataFrame(rows, columns=list(_LOGIC_MODEL_DTYPES))
    return frame.astype(_LOGIC_MODEL_DTYPES)


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
