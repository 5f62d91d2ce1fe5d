"""Sphinx directives that build the docs' reference tables from the code, at build time.

* ``vp-catalogue``: the reports of :mod:`vpanalysis.catalogue` (id, notebook, title,
  handbook step).
* ``vp-register-columns``: the columns of one register file, from the column
  specifications of :mod:`vpanalysis.registers` (``SPECS``, ``UNIQUE_KEYS``).
* ``vp-logic-model-stages``: the stages of a logic model (``LOGIC_MODEL_STAGES``).

So the pages cannot drift from the code: change the catalogue or a register column and
the page changes with it. The row builders are plain functions, tested in
``tests/test_docs.py``.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

from vpanalysis import catalogue, registers

#: Short English descriptions of the register column kinds.
KINDS = {
    "text": "text",
    "texts": "list of texts",
    "id": "id (letters, digits, ``-``, ``_``, ``.``)",
    "ids": "list of ids",
    "code": "municipality (code or name)",
    "choice": "one allowed value",
    "choices": "list of allowed values",
    "scale": "grade (word or digit)",
    "steps": "handbook steps (``1|2``, ``1-3``, ``alla``)",
    "int": "whole number",
    "number": "number (decimal comma or point)",
    "date": "date ``YYYY-MM-DD``",
    "bool": "``ja``/``nej``",
    "indicator": "indicator ``source:measure``",
    "cutoff": "cut-off (``>= 4``, ``p75``, ``< p25``)",
}


def catalogue_rows() -> list[list[str]]:
    """One row per report: id, notebook, title, handbook step."""
    rows = []
    for spec in catalogue.REPORTS:
        step = "–" if spec.step is None else f"{spec.step}: {spec.step_name}"
        rows.append([str(spec.id), f"vpanalysis/notebooks/{spec.notebook_name}", spec.title, step])
    return rows


def _allowed(column) -> str:
    vocab = column.vocab
    if vocab is None:
        return ""
    values = [v for v in vocab.values if column.minimum is None or v >= column.minimum]
    if column.kind == "scale":
        return ", ".join(f"{v} = {vocab.labels[v]}" for v in values)
    return ", ".join(str(v) for v in values)


def _limits(column) -> str:
    parts = []
    if column.minimum is not None and column.kind in ("int", "number"):
        parts.append(f"≥ {column.minimum:g}")
    if column.maximum is not None:
        parts.append(f"≤ {column.maximum:g}")
    return ", ".join(parts)


def register_rows(name: str) -> list[list[str]]:
    """One row per column of register ``name``: column, kind, column, value, allowed."""
    rows = []
    for column in registers.SPECS[name]:
        allowed = _allowed(column) or _limits(column)
        rows.append(
            [
                column.name,
                KINDS.get(column.kind, column.kind),
                "required" if column.required else "optional",
                "required" if column.nonempty else "may be empty",
                allowed,
            ]
        )
    return rows


def _cell(text: str) -> nodes.entry:
    """A table cell; ````code```` spans become literals, the rest plain text."""
    paragraph = nodes.paragraph()
    for i, part in enumerate(text.split("``")):
        if part:
            paragraph += nodes.literal(part, part) if i % 2 else nodes.Text(part)
    return nodes.entry("", paragraph)


def table(header: list[str], rows: list[list[str]], code_columns=(0,)) -> nodes.table:
    """A docutils table; the cells of ``code_columns`` are set as code."""
    tgroup = nodes.tgroup(cols=len(header))
    for _ in header:
        tgroup += nodes.colspec(colwidth=1)
    head = nodes.thead()
    head += nodes.row("", *(_cell(h) for h in header))
    tgroup += head
    body = nodes.tbody()
    for row in rows:
        cells = [f"``{c}``" if i in code_columns and c else c for i, c in enumerate(row)]
        body += nodes.row("", *(_cell(c) for c in cells))
    tgroup += body
    result = nodes.table("", tgroup, classes=["vp-generated"])
    return result


class CatalogueTable(SphinxDirective):
    """The report catalogue as a table."""

    def run(self):
        self.env.note_dependency(catalogue.__file__)
        header = ["id", "notebook", "title", "handbook step"]
        return [table(header, catalogue_rows(), code_columns=(0, 1))]


class RegisterColumns(SphinxDirective):
    """The columns of one register, e.g. ``vp-register-columns`` with argument ``goals``."""

    required_arguments = 1

    def run(self):
        self.env.note_dependency(registers.__file__)
        name = self.arguments[0]
        if name not in registers.SPECS:
            raise self.error(f"no register {name!r}; known: {', '.join(registers.SPECS)}")
        header = ["column", "kind", "column in file", "value", "allowed values"]
        out = [table(header, register_rows(name))]
        key = registers.UNIQUE_KEYS.get(name)
        if key:
            text = "Unique key: " + ", ".join(f"``{k}``" for k in key) + "."
            out.append(_cell(text).children[0])
        return out


class LogicModelStages(SphinxDirective):
    """The stages of a logic model with their Swedish labels."""

    def run(self):
        self.env.note_dependency(registers.__file__)
        rows = [[key, label] for key, label in registers.LOGIC_MODEL_STAGES.items()]
        return [table(["stage", "Swedish label"], rows)]


def setup(app):
    app.add_directive("vp-catalogue", CatalogueTable)
    app.add_directive("vp-register-columns", RegisterColumns)
    app.add_directive("vp-logic-model-stages", LogicModelStages)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
