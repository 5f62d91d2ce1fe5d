"""School surveys as the vendors deliver them: SPSS ``.sav`` files, read with pyreadstat.

A ``.sav`` in ``data/raw/skolenkat/`` is read without editing. Its layout is recognised
from its variable names among the layouts the package ships
(``vpanalysis/survey_layouts/*.yaml``: Stockholmsenkäten from 2024, Stockholmsenkäten
before 2024, LUPP), each written by this project from the survey's codebook or item list,
with attribution. A layout names the background variables (year, school municipality,
grade, sex: the first of each list that the file has) and maps the survey's variables to
the project's survey items, each with its own question text, codes and cutoff (a codebook
row, see :mod:`vpanalysis.io.survey`).

Answers are matched by their SPSS value labels, not their numbers (``answers`` maps a
label, or a prefix ending in ``*``, or ``*`` for any other label, to the item's code).
User-missing values (SPSS missing codes, e.g. 990–999), codes 990–999 and the labels
``Ej svar``/``Vet inte`` are no answer. The municipality is the value label of the school
municipality (a name, matched to a code); pupils whose municipality is missing or not a
municipality (``Annan kommun``) and pupils in grades the layout does not report (e.g.
``Åk 7``) are left out, with a note.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd
import yaml

from vpanalysis import geography
from vpanalysis.errors import DataError
from vpanalysis.io.conventions import YAML_LOADER, display_path, normalise_label
from vpanalysis.io.survey import CODEBOOK_COLUMNS

LAYOUT_DIR = Path(__file__).resolve().parents[1] / "survey_layouts"
#: Background columns of the answers :func:`read_sav` returns (the layout codebook's roles).
ROLE_ITEMS = {
    "respondent_id": "_lopnummer",
    "region": "_skolkommun",
    "year": "_ar",
    "grade": "_arskurs",
    "sex": "_kon",
}
_MISSING_CODES = range(990, 1000)


@dataclass(frozen=True)
class Layout:
    """One survey layout (see the module docstring)."""

    key: str
    name: str
    recognise: tuple[str, ...]
    background: dict[str, tuple[str, ...]]
    sex: dict[str, str]
    grades: tuple[str, ...]
    missing_labels: frozenset[str]
    items: dict[str, dict] = field(hash=False)

    def missing(self, variables) -> list[str]:
        """The variables this layout needs that ``variables`` lack (for a background role
        with several accepted names, its first name)."""
        have = {normalise_label(v) for v in variables}
        absent = [v for v in self.recognise if normalise_label(v) not in have]
        for role, names in self.background.items():
            if role != "grade" and not any(normalise_label(n) in have for n in names):
                absent.append(names[0])
        return list(dict.fromkeys(absent))


@cache
def layouts() -> tuple[Layout, ...]:
    """Every layout the package ships."""
    out = []
    for path in sorted(LAYOUT_DIR.glob("*.yaml")):
        spec = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)  # noqa: S506
        out.append(
            Layout(
                key=path.stem,
                name=spec["name"],
                recognise=tuple(spec["recognise"]),
                background={k: tuple(v) for k, v in spec["background"].items()},
                sex={normalise_label(k): v for k, v in spec["sex"].items()},
                grades=tuple(normalise_label(g) for g in spec["grades"]),
                missing_labels=frozenset(normalise_label(m) for m in spec["missing_labels"]),
                items=dict(spec["items"]),
            )
        )
    return tuple(out)


def recognise(variables, shown: str) -> Layout:
    """The layout whose variables the file has; a DataError naming the closest layout and
    the variables it lacks when none fits."""
    fitting = [lay for lay in layouts() if not lay.missing(variables)]
    if fitting:
        return fitting[0]
    have = {normalise_label(v) for v in variables}

    def found(lay: Layout) -> int:  # how many of the layout's variables the file has
        names = [*lay.recognise, *(n for ns in lay.background.values() for n in ns)]
        return sum(normalise_label(n) in have for n in names)

    best = max(layouts(), key=found)
    raise DataError(
        f"no known survey layout fits the file; the closest, {best.name}, needs "
        + ", ".join(best.missing(variables)),
        file=shown,
    )


def layout_codebook(layout: Layout) -> pd.DataFrame:
    """The codebook (:data:`vpanalysis.io.survey.CODEBOOK_COLUMNS`) of a layout's answers as
    :func:`read_sav` returns them: background roles, then the layout's items."""
    rows = [
        {"item": ROLE_ITEMS["respondent_id"], "role": "respondent_id", "question": "Löpnummer"},
        {"item": ROLE_ITEMS["region"], "role": "region", "question": "Skolkommun"},
        {"item": ROLE_ITEMS["year"], "role": "year", "question": "Undersökningsår"},
        {
            "item": ROLE_ITEMS["grade"],
            "role": "grade",
            "question": "Årskurs",
            "codes": "|".join(f"{i}={g}" for i, g in enumerate(layout.grades, 1)),
        },
        {"item": ROLE_ITEMS["sex"], "role": "sex", "question": "Kön", "codes": "1=Flicka|2=Pojke"},
    ]
    for row in rows:
        row["kind"] = "background"
    for item, spec in layout.items.items():
        rows.append(
            {
                "item": item,
                "role": "",
                "question": spec["question"],
                "codes": spec["codes"],
                "missing_codes": "",
                "kind": spec["kind"],
                "form": spec.get("form", ""),
                "level": spec.get("level", ""),
                "cutoff": spec.get("cutoff", ""),
                "polarity": spec["polarity"],
            }
        )
    frame = pd.DataFrame(rows, columns=CODEBOOK_COLUMNS).fillna("")
    return frame.astype("string")


@dataclass
class SavAnswers:
    """What :func:`read_sav` read: answers, their codebook, the layout and notes."""

    answers: pd.DataFrame
    codebook: pd.DataFrame
    layout: Layout
    notes: list[str]


def read_sav(path: str | os.PathLike) -> SavAnswers:
    """A vendor's ``.sav`` as answers in the shape of :func:`vpanalysis.io.survey.read_survey`
    for :func:`layout_codebook`: one row per pupil, background columns as text, items as
    Int64 codes of the project's items."""
    import pyreadstat  # an optional reader: only files that need it pay for the import

    shown = display_path(path)
    try:
        data, meta = pyreadstat.read_sav(str(path), apply_value_formats=False, user_missing=False)
    except Exception as exc:  # pyreadstat raises its own errors for files it cannot read
        raise DataError(f"not a readable SPSS file ({exc})", file=shown) from None
    layout = recognise(list(data.columns), shown)
    by_key = {normalise_label(c): c for c in data.columns}
    labels = {c: meta.variable_value_labels.get(c, {}) for c in data.columns}

    def column(role: str) -> str | None:
        return next(
            (
                by_key[normalise_label(n)]
                for n in layout.background[role]
                if normalise_label(n) in by_key
            ),
            None,
        )

    def label_of(name: str, value) -> str | None:
        if value is None or pd.isna(value):
            return None
        text = labels[name].get(value)
        if text is None and float(value).is_integer():
            text = labels[name].get(int(value))
        return None if text is None else str(text)

    notes: list[str] = [f"{shown}: läst som {layout.name}"]
    if data.empty:
        raise DataError("the file has no pupils' answers (no cases)", file=shown)
    region_col, year_col, sex_col, grade_col = (
        column("region"),
        column("year"),
        column("sex"),
        column("grade"),
    )
    keep = pd.Series(True, index=data.index)
    regions = []
    for value in data[region_col]:
        name = label_of(region_col, value)
        if name is None and value is not None and not pd.isna(value):
            name = str(int(value)) if float(value).is_integer() else str(value)
        try:
            regions.append(geography.municipality_code(name) if name else None)
        except geography.UnknownRegionError:
            regions.append(None)
    regions = pd.Series(regions, index=data.index, dtype="object")
    outside = regions.isna()
    if outside.any():
        notes.append(f"{int(outside.sum())} elever utan kommun eller i annan kommun är inte med")
    keep &= ~outside
    grades = pd.Series(None, index=data.index, dtype="object")
    if grade_col is not None:
        grades = data[grade_col].map(lambda v: label_of(grade_col, v) or _number_text(v))
        other = ~grades.fillna("").map(normalise_label).isin(layout.grades)
        if (other & keep).any():
            found = sorted(set(grades[other & keep].dropna()))
            shown_grades = ", ".join(found) or "okänd"
            notes.append(
                f"{int((other & keep).sum())} elever i andra årskurser ({shown_grades}) är inte med"
            )
        keep &= ~other
    data, regions, grades = data[keep], regions[keep], grades[keep]
    if data.empty:
        raise DataError("no pupils left in the file (" + "; ".join(notes[1:]) + ")", file=shown)
    out = pd.DataFrame(index=data.index)
    out["_file"] = shown
    out["_sheet"] = ""
    out["_line"] = data.index + 1
    out[ROLE_ITEMS["respondent_id"]] = (data.index + 1).astype(str)
    out[ROLE_ITEMS["region"]] = regions.astype("string")
    years = data[year_col].map(lambda v: label_of(year_col, v) or _number_text(v))
    out[ROLE_ITEMS["year"]] = years.astype("string")
    grade_codes = {g: str(i) for i, g in enumerate(layout.grades, 1)}
    out[ROLE_ITEMS["grade"]] = grades.map(lambda g: grade_codes[normalise_label(g)]).astype(
        "string"
    )
    sexes = []
    for value in data[sex_col] if sex_col else [None] * len(data):
        code = layout.sex.get(normalise_label(label_of(sex_col, value) or "")) if sex_col else None
        sexes.append({"K": "1", "M": "2"}.get(code, ""))
    out[ROLE_ITEMS["sex"]] = pd.array(sexes, dtype="string")
    for item, spec in layout.items.items():
        if "any_chosen" in spec:
            out[item] = _any_chosen(data, spec, by_key, label_of, layout)
            continue
        name = by_key.get(normalise_label(spec["variable"]))
        if name is None:
            out[item] = pd.array([pd.NA] * len(out), dtype="Int64")
            continue
        out[item] = pd.array(
            [
                _answer(layout, spec, item, name, v, label_of(name, v), shown, line)
                for v, line in zip(data[name], out["_line"], strict=True)
            ],
            dtype="Int64",
        )
    return SavAnswers(out.reset_index(drop=True), layout_codebook(layout), layout, notes)


def _any_chosen(data, spec, by_key, label_of, layout) -> pd.arrays.IntegerArray:
    """A multiple-choice question as one item: 1 when any of ``any_chosen`` is chosen, 0
    when only ``none_chosen`` ("Nej") is, no answer otherwise (or when the file lacks it)."""
    names = [by_key.get(normalise_label(v)) for v in spec["any_chosen"]]
    none = by_key.get(normalise_label(spec["none_chosen"]))
    if any(n is None for n in names) or none is None:
        return pd.array([pd.NA] * len(data), dtype="Int64")

    def chosen(name: str) -> pd.Series:
        labels = data[name].map(lambda v: normalise_label(label_of(name, v) or ""))
        return labels == "chosen"

    yes = pd.concat([chosen(n) for n in names], axis=1).any(axis=1)
    no = chosen(none) & ~yes
    values = [1 if y else (0 if n else None) for y, n in zip(yes, no, strict=True)]
    return pd.array(values, dtype="Int64")


def _number_text(value) -> str | None:
    if value is None or pd.isna(value):
        return None
    return str(int(value)) if float(value).is_integer() else str(value)


def _answer(layout, spec, item, name, value, label, shown, line):
    if value is None or pd.isna(value):
        return None
    if float(value).is_integer() and int(value) in _MISSING_CODES:
        return None
    if label is None:
        raise DataError(
            f"a value without a label (the layout maps {name} by its labels)",
            file=shown,
            row=int(line),
            column=name,
            value=_number_text(value),
        )
    key = normalise_label(label)
    if key in layout.missing_labels:
        return None
    for pattern, code in spec["answers"].items():
        if fnmatch.fnmatchcase(key, normalise_label(pattern)):
            return int(code)
    raise DataError(
        f"an answer the layout {layout.name} does not know for {item}",
        file=shown,
        row=int(line),
        column=name,
        value=label,
    )
