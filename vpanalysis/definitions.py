"""The violence definition: forms, relations, WHO typology and the mapping of source categories.

Everything is read from ``data/raw/definitions/`` (nothing is hard-coded here):

``violence_definition.yaml``
    ``definition`` (``name``, ``text``, ``reference``, ``decided_by``, ``decided_on``,
    ``decided_for``: the codes of the municipalities the decision covers, ``example``), and
    three vocabularies, each ``key: {label, description}``: ``forms``
    (fysiskt, psykiskt, sexuellt, ...), ``relations`` (nära relation, mot barn, övrigt) and
    ``who_types`` (WHO's typology; ``parent`` links a subtype to its type). An entry with
    ``aggregate: true`` stands for "several or unspecified" (e.g. a crime category that
    covers several forms). A form may list ``relations`` (keys of ``relations``): those in
    which it can occur and a source could see it (economic violence in close relations,
    neglect of a child or a dependent relative); ``[]`` for a form no statistic measures
    (latent violence); without the list, every relation. :func:`possible` reads it, and a
    cell outside it is no blind spot. ``gaps`` (optional), ``key: {label, description}``: groups
    and settings that no source of the lägesbild covers whatever its form × relation
    cells say (older people, people with disabilities, hbtqi people, ...).
``category_mapping.csv`` (``;``, UTF-8)
    One row per category of every source: ``source``, ``category`` (the source's own
    label; for the school survey the item name, for Kolada the KPI id), ``form``,
    ``relation``, ``who_type`` (keys of the YAML), ``sex`` and ``age_group`` of the persons
    counted when the source file does not say (``K``, ``18+``; empty = from the data or
    total), ``subcategory_of`` (the category it is part of, so that nobody adds both),
    ``violent_crime`` (``ja`` when the category is part of BRÅ's and Kolada's *anmälda
    våldsbrott*), ``unit``, ``note`` and ``also_relations`` (optional: further relation
    keys, ``|``-separated, that the category covers besides ``relation``, e.g.
    ``mot_barn`` for a social-services category counted for ages 0–17 too, or for the
    school survey, whose pupils are children).

:func:`coverage_matrix` shows which source sees which form of violence in which
relation: where the lägesbild has blind spots.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from vpanalysis.config import get_paths
from vpanalysis.errors import DataError
from vpanalysis.io import local_tables as lt
from vpanalysis.io.conventions import YAML_LOADER, decode, display_path, normalise_label

DEFINITION_FILE = "violence_definition.yaml"
MAPPING_FILE = "category_mapping.csv"
#: Sources whose categories the mapping covers (``skolenkat``: exposure items, ``kolada``:
#: violence KPIs).
SOURCES = ("bra", "socialtjanst", "kvinnojour", "skolenkat", "kolada")
VOCABULARIES = ("forms", "relations", "who_types")
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_AGE = re.compile(r"^(totalt|\d+-\d+|\d+\+)$")
_TRUE = {"ja", "j", "yes", "y", "true", "sant", "1", "x"}
_FALSE = {"nej", "n", "no", "false", "falskt", "0", ""}
#: The columns of ``category_mapping.csv``.
MAPPING_COLUMNS = [
    "source",
    "category",
    "form",
    "relation",
    "who_type",
    "sex",
    "age_group",
    "subcategory_of",
    "violent_crime",
    "unit",
    "note",
    "also_relations",
]


@dataclass(frozen=True)
class Definition:
    """The agreed violence definition and its vocabularies (tables ``key``, ``label`` ...)."""

    name: str
    text: str
    reference: str
    decided_by: str
    decided_on: str
    example: bool
    forms: pd.DataFrame
    relations: pd.DataFrame
    who_types: pd.DataFrame
    path: Path = field(default=Path(DEFINITION_FILE))
    gaps: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            columns=["key", "label", "description"], dtype="string"
        )
    )
    #: The municipality codes the decision covers (empty: every municipality of the data).
    decided_for: tuple[str, ...] = ()

    def keys(self, vocabulary: str) -> list[str]:
        return getattr(self, vocabulary)["key"].tolist()

    def label(self, vocabulary: str, key: str) -> str:
        table = getattr(self, vocabulary)
        hit = table.loc[table["key"] == key, "label"]
        return str(hit.iloc[0]) if len(hit) else key


#: The decision fields of ``definition`` in :data:`DEFINITION_FILE`: a template (a new
#: workspace's) has them empty, so that it never claims a decision.
DECISION_FIELDS = ("decided_by", "decided_on", "decided_for")


def is_decided(definition: Definition, municipality: str) -> bool:
    """Whether the definition is decided for ``municipality``: a decision is recorded
    (``decided_by``), the text is not the template's example (``example`` false), and the
    decision covers the municipality (``decided_for`` lists its code, or is empty)."""
    if not definition.decided_by or definition.example:
        return False
    return not definition.decided_for or str(municipality) in definition.decided_for


def definitions_dir(data_dir: str | os.PathLike | None = None) -> Path:
    return get_paths(data_dir).raw / "definitions"


# ---------------------------------------------------------------- the YAML


def _yaml_lines(text: str) -> dict[tuple[str, ...], int]:
    """1-based line of each mapping key path, for messages."""
    lines: dict[tuple[str, ...], int] = {}

    def walk(node, path):
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                sub = (*path, str(key.value))
                lines[sub] = key.start_mark.line + 1
                walk(value, sub)

    with contextlib.suppress(yaml.YAMLError):
        walk(yaml.compose(text, Loader=YAML_LOADER), ())
    return lines


def load_definition(
    data_dir: str | os.PathLike | None = None, *, path: str | os.PathLike | None = None
) -> Definition:
    """Read and check ``violence_definition.yaml`` (DataError naming file, line and key)."""
    path = Path(path) if path else definitions_dir(data_dir) / DEFINITION_FILE
    shown = display_path(path)
    try:
        text, _ = decode(path.read_bytes(), path)
    except OSError:
        raise DataError("the violence definition file is missing", file=shown) from None
    try:
        body = yaml.load(text, Loader=YAML_LOADER)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise DataError(
            f"not valid YAML: {getattr(exc, 'problem', exc)}",
            file=shown,
            row=mark.line + 1 if mark else None,
        ) from None
    lines = _yaml_lines(text)
    if not isinstance(body, Mapping):
        raise DataError("expected keys definition, forms, relations, who_types", file=shown)

    def fail(message: str, path_: tuple[str, ...], value=None) -> DataError:
        row = next((lines[path_[:n]] for n in range(len(path_), 0, -1) if path_[:n] in lines), None)
        return DataError(message, file=shown, row=row, column=".".join(path_), value=value)

    head = body.get("definition")
    if not isinstance(head, Mapping) or not str(head.get("text") or "").strip():
        raise fail("the definition needs a text", ("definition", "text"))
    tables = {}
    for vocabulary in VOCABULARIES:
        entries = body.get(vocabulary)
        if not isinstance(entries, Mapping) or not entries:
            raise fail(f"{vocabulary} must list at least one key with a label", (vocabulary,))
        rows = []
        for key, entry in entries.items():
            key = str(key)
            if not _KEY.match(key):
                raise fail("a key is lower-case letters a-z, digits and _", (vocabulary, key), key)
            if not isinstance(entry, Mapping) or not str(entry.get("label") or "").strip():
                raise fail("every entry needs a label", (vocabulary, key, "label"))
            rows.append(
                {
                    "key": key,
                    "label": str(entry["label"]).strip(),
                    "description": str(entry.get("description") or "").strip(),
                    "aggregate": bool(entry.get("aggregate", False)),
                    "parent": str(entry.get("parent") or ""),
                    "relations": _relation_list(entry.get("relations")),
                }
            )
        table = pd.DataFrame(rows).astype(
            {
                "key": "string",
                "label": "string",
                "description": "string",
                "aggregate": "bool",
                "parent": "string",
            }
        )
        if vocabulary != "forms":
            table = table.drop(columns="relations")
        for position, parent in enumerate(table["parent"]):
            if parent and parent not in set(table["key"]):
                key = table["key"].iloc[position]
                raise fail(
                    f"unknown parent; keys: {', '.join(table['key'])}",
                    (vocabulary, key, "parent"),
                    parent,
                )
        tables[vocabulary] = table
    known = set(tables["relations"]["key"])
    for key, listed in zip(tables["forms"]["key"], tables["forms"]["relations"], strict=True):
        listed = listed if isinstance(listed, str) else ""
        unknown = [r for r in listed.split("|") if r and r not in known]
        if unknown:
            raise fail(
                f"unknown relation; keys: {', '.join(sorted(known))}",
                ("forms", key, "relations"),
                unknown[0],
            )
    gaps = body.get("gaps") or {}
    if not isinstance(gaps, Mapping):
        raise fail("gaps must list keys with a label", ("gaps",))
    gap_rows = []
    for key, entry in gaps.items():
        if not isinstance(entry, Mapping) or not str(entry.get("label") or "").strip():
            raise fail("every entry needs a label", ("gaps", str(key), "label"))
        gap_rows.append(
            {
                "key": str(key),
                "label": str(entry["label"]).strip(),
                "description": " ".join(str(entry.get("description") or "").split()),
            }
        )
    gap_table = pd.DataFrame(gap_rows, columns=["key", "label", "description"], dtype="string")
    decided_for = head.get("decided_for") or []
    if isinstance(decided_for, str | int):
        decided_for = [c for c in re.split(r"[,\s]+", str(decided_for)) if c]
    if not isinstance(decided_for, list):
        raise fail("decided_for lists municipality codes", ("definition", "decided_for"))
    codes = tuple(str(c).strip().zfill(4) for c in decided_for)
    for code in codes:
        if not re.fullmatch(r"\d{4}", code):
            raise fail(
                "decided_for lists municipality codes (four digits)",
                ("definition", "decided_for"),
                code,
            )
    return Definition(
        name=str(head.get("name") or "").strip(),
        text=" ".join(str(head["text"]).split()),
        reference=str(head.get("reference") or "").strip(),
        decided_by=str(head.get("decided_by") or "").strip(),
        decided_on=str(head.get("decided_on") or "").strip(),
        example=bool(head.get("example", False)),
        forms=tables["forms"],
        relations=tables["relations"],
        who_types=tables["who_types"],
        path=path,
        gaps=gap_table,
        decided_for=codes,
    )


def _relation_list(value) -> object:
    """A form's ``relations`` as ``"a|b"`` (``""`` for ``[]``), ``None`` when not given."""
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    return "|".join(str(v).strip() for v in value if str(v).strip())


def possible(definition: Definition, form: str, relation: str) -> bool:
    """Whether ``form`` can occur (and be seen by a source) in ``relation``: the form's
    ``relations`` list in the definition, every relation when it has none; the catch-all
    relation (``aggregate``) wherever the form can occur in any relation."""
    forms = definition.forms
    if "relations" not in forms.columns:
        return True
    hit = forms.loc[forms["key"] == form, "relations"]
    if not len(hit) or not isinstance(hit.iloc[0], str):
        return True
    listed = [r for r in hit.iloc[0].split("|") if r]
    relations = definition.relations
    aggregate = relations.loc[relations["key"] == relation, "aggregate"]
    if len(aggregate) and bool(aggregate.iloc[0]):
        return bool(listed)  # several or unspecified relations: possible where any one is
    return relation in listed


def forms(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Forms of violence: ``key``, ``label``, ``description``, ``aggregate``, ``parent``."""
    return load_definition(data_dir).forms


def relations(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Relations (nära relation, mot barn, övrigt ...), same columns as :func:`forms`."""
    return load_definition(data_dir).relations


def who_types(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """WHO's typology of violence, same columns as :func:`forms` (``parent`` links subtypes)."""
    return load_definition(data_dir).who_types


# ---------------------------------------------------------------- the mapping


def _truth(text: str) -> bool | None:
    key = text.strip().casefold()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    return None


def category_mapping(
    data_dir: str | os.PathLike | None = None,
    *,
    path: str | os.PathLike | None = None,
    definition: Definition | None = None,
) -> pd.DataFrame:
    """The validated ``category_mapping.csv`` (columns :data:`MAPPING_COLUMNS` + ``_line``).

    A form, relation or WHO type that the definition does not have, an unknown source, a
    duplicated category or a ``subcategory_of`` that is not a category of the same source
    raises a DataError naming file, row, column and value.
    """
    path = Path(path) if path else definitions_dir(data_dir) / MAPPING_FILE
    definition = definition or load_definition(data_dir)
    if not path.exists():
        raise DataError("the category mapping file is missing", file=display_path(path))
    raw = lt.read_table(path, ["source", "category", "form", "relation", "who_type"])
    for column in MAPPING_COLUMNS:
        if column not in raw.columns:
            raw[column] = ""
    allowed = {v: set(definition.keys(v)) for v in VOCABULARIES}
    vocab_of = {"form": "forms", "relation": "relations", "who_type": "who_types"}
    flags = []
    for position, row in enumerate(raw.to_dict("records")):
        where = lt.where(raw, position)
        if row["source"] not in SOURCES:
            raise DataError(
                f"unknown source; sources: {', '.join(SOURCES)}",
                **where,
                column="source",
                value=row["source"],
            )
        if not row["category"]:
            raise DataError("the category is empty", **where, column="category", value="")
        for column, vocabulary in vocab_of.items():
            if row[column] not in allowed[vocabulary]:
                raise DataError(
                    f"unknown {column.replace('_', ' ')}; {vocabulary} in {DEFINITION_FILE}: "
                    + ", ".join(sorted(allowed[vocabulary])),
                    **where,
                    column=column,
                    value=row[column],
                )
        if row["sex"] not in ("", "K", "M", "T"):
            raise DataError("sex must be empty, K, M or T", **where, column="sex", value=row["sex"])
        if row["age_group"] and not _AGE.match(row["age_group"]):
            raise DataError(
                "age group must be empty, totalt, like 0-17 or like 18+",
                **where,
                column="age_group",
                value=row["age_group"],
            )
        for extra in (r.strip() for r in row["also_relations"].split("|")):
            if extra and extra not in allowed["relations"]:
                raise DataError(
                    f"unknown relation in also_relations; relations in {DEFINITION_FILE}: "
                    + ", ".join(sorted(allowed["relations"])),
                    **where,
                    column="also_relations",
                    value=extra,
                )
        flag = _truth(row["violent_crime"])
        if flag is None:
            raise DataError(
                "violent_crime must be ja or nej",
                **where,
                column="violent_crime",
                value=row["violent_crime"],
            )
        flags.append(flag)
        if not row["unit"]:
            raise DataError(
                "the unit is empty (e.g. personer, anmälda brott)", **where, column="unit", value=""
            )
    raw["violent_crime"] = flags
    keys = raw["source"] + "\x00" + raw["category"].map(normalise_label)
    duplicated = keys.duplicated()
    if duplicated.any():
        position = int(duplicated.to_numpy().nonzero()[0][0])
        first = int(raw["_line"][keys == keys.iloc[position]].iloc[0])
        raise DataError(
            f"the category is mapped twice (also row {first})",
            **lt.where(raw, position),
            column="category",
            value=raw["category"].iloc[position],
        )
    for position, row in enumerate(raw.to_dict("records")):
        parent = row["subcategory_of"]
        if parent and (row["source"] + "\x00" + normalise_label(parent)) not in set(keys):
            raise DataError(
                f"not a category of {row['source']} in the mapping",
                **lt.where(raw, position),
                column="subcategory_of",
                value=parent,
            )
    out = raw[[*MAPPING_COLUMNS, "_line"]].copy()
    for column in MAPPING_COLUMNS:
        if column != "violent_crime":
            out[column] = out[column].astype("string")
    out["violent_crime"] = out["violent_crime"].astype("bool")
    return out.reset_index(drop=True)


def check_mapped(
    source: str,
    categories: Iterable[str] | Mapping[str, str],
    mapping: pd.DataFrame,
    *,
    mapping_file: str | os.PathLike | None = None,
) -> None:
    """DataError listing every category of ``source`` that the mapping lacks.

    ``categories`` may map each category to where it was seen (``"file.csv row 12"``).
    """
    known = set(mapping.loc[mapping["source"] == source, "category"].map(normalise_label))
    where = dict(categories) if isinstance(categories, Mapping) else dict.fromkeys(categories, "")
    missing = [c for c in where if normalise_label(c) not in known]
    if missing:
        listed = "; ".join(f"{c!r}" + (f" ({where[c]})" if where[c] else "") for c in missing)
        raise DataError(
            f"{len(missing)} categor{'y' if len(missing) == 1 else 'ies'} of source {source!r} "
            f"without a row in {MAPPING_FILE}: {listed}",
            file=display_path(mapping_file) if mapping_file else MAPPING_FILE,
        )


def map_categories(frame: pd.DataFrame, source: str, mapping: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (with ``category``) joined to the mapping; ``category`` gets the mapping's
    spelling and ``map_sex``/``map_age_group`` the mapping's defaults. Call
    :func:`check_mapped` first."""
    rows = mapping[mapping["source"] == source]
    table = pd.DataFrame(
        {
            "_key": rows["category"].map(normalise_label).astype("string"),
            "_category": rows["category"],
            "form": rows["form"],
            "relation": rows["relation"],
            "who_type": rows["who_type"],
            "subcategory_of": rows["subcategory_of"],
            "unit": rows["unit"],
            "map_sex": rows["sex"],
            "map_age_group": rows["age_group"],
        }
    )
    keyed = frame.assign(_key=frame["category"].map(normalise_label).astype("string"))
    out = keyed.merge(table, on="_key", how="left", validate="many_to_one")
    out["category"] = out.pop("_category")
    return out.drop(columns="_key")


# ---------------------------------------------------------------- coverage


def covered_relations(mapping: pd.DataFrame) -> pd.DataFrame:
    """``mapping`` with one row per category and relation it covers: its ``relation``
    and each key of ``also_relations`` (a category counted for ages 0–17 covers violence
    against children too)."""
    if "also_relations" not in mapping.columns:
        return mapping
    rows = [mapping]
    extra = mapping["also_relations"].fillna("").astype(str)
    for position, keys in enumerate(extra):
        for key in (k.strip() for k in keys.split("|")):
            if key and key != mapping["relation"].iloc[position]:
                row = mapping.iloc[[position]].copy()
                row["relation"] = pd.array([key], dtype=mapping["relation"].dtype)
                rows.append(row)
    return pd.concat(rows, ignore_index=True)


def coverage_matrix(
    data_dir: str | os.PathLike | None = None,
    *,
    mapping: pd.DataFrame | None = None,
    definition: Definition | None = None,
    labels: bool = False,
    long: bool = False,
) -> pd.DataFrame:
    """Which source sees which form of violence in which relation.

    Wide (default): one row per form, one column per relation, cells the sources that
    have a category there (``"bra, socialtjanst"``; ``""`` = a blind spot). With
    ``labels=True`` rows and columns carry the Swedish labels. ``long=True`` gives one
    row per source, form and relation with ``n_categories`` and ``categories``.
    """
    definition = definition or load_definition(data_dir)
    if mapping is None:
        mapping = category_mapping(data_dir, definition=definition)
    form_keys = definition.keys("forms")
    relation_keys = definition.keys("relations")
    mapping = covered_relations(mapping)
    grouped = (
        mapping.groupby(["source", "form", "relation"], sort=False)["category"]
        .agg(list)
        .reset_index()
    )
    if long:
        out = grouped.assign(
            n_categories=grouped["category"].map(len).astype("int64"),
            categories=grouped["category"].map(lambda c: "; ".join(c)).astype("string"),
        ).drop(columns="category")
        order = {k: i for i, k in enumerate(form_keys)}
        return out.sort_values(
            ["form", "relation", "source"], key=lambda s: s.map(order) if s.name == "form" else s
        ).reset_index(drop=True)
    present = set(zip(grouped["source"], grouped["form"], grouped["relation"], strict=True))
    cells = {
        (f, r): ", ".join(s for s in SOURCES if (s, f, r) in present)
        for f in form_keys
        for r in relation_keys
    }
    matrix = pd.DataFrame(
        [[cells[(f, r)] for r in relation_keys] for f in form_keys],
        index=pd.Index(form_keys, name="form"),
        columns=pd.Index(relation_keys, name="relation"),
        dtype="string",
    )
    if labels:
        matrix.index = pd.Index([definition.label("forms", k) for k in form_keys], name="form")
        matrix.columns = pd.Index(
            [definition.label("relations", k) for k in relation_keys], name="relation"
        )
    return matrix
