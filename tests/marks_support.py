"""Helpers for the report tests of issue 9: read the publication cells a rendered report
marks (``data-vp-cells`` spans and chart ``vp-cells`` elements) and check them against
the protected publication."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser

from vpanalysis import indicators
from vpanalysis.publication import keys


class _Marks(HTMLParser):
    """Collects the marked texts (elements with ``data-vp-cells``) and the JSON of the
    charts' ``vp-cells`` elements, whatever the attribute order or quoting."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.spans: list[tuple[str, list[dict]]] = []
        self.charts: list[list[dict]] = []
        self._open: list[list] = []
        self._chart = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if keys.CELLS_ATTRIBUTE in attributes:
            self._open.append([json.loads(attributes[keys.CELLS_ATTRIBUTE]), ""])
        elif tag == "script" and keys.CHART_CELLS_CLASS in (attributes.get("class") or ""):
            self._chart = True
            self.charts.append([])

    def handle_data(self, data):
        if self._chart:
            self.charts[-1] = json.loads(data)
        for entry in self._open:
            entry[1] += data

    def handle_endtag(self, tag):
        if tag == "script":
            self._chart = False
        elif tag == "span" and self._open:
            cells, text = self._open.pop()
            self.spans.append((text, cells))


def _parse(page: str) -> _Marks:
    parser = _Marks()
    parser.feed(page)
    return parser


def marked_spans(page: str) -> list[tuple[str, list[dict]]]:
    """Every marked text of ``page`` (raw HTML) with the cells it lists."""
    return _parse(page).spans


def chart_cells(page: str) -> list[list[dict]]:
    """The cells each chart of ``page`` embeds."""
    return _parse(page).charts


def table(page: str, caption: str) -> list[list[str]]:
    """The rows of the table with ``caption`` (raw cell HTML, header row first)."""
    start = page.index(f"{html.escape(caption, quote=False)}</caption>")
    body = page[start : page.index("</table>", start)]
    return [
        re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", tr, flags=re.S)
        for tr in re.findall(r"<tr.*?</tr>", body, flags=re.S)
    ]


def _key(cell: dict, **override) -> dict:
    key = {f: cell.get(f, "") for f in keys.KEY_FIELDS}
    key.update(override)
    key["year"] = int(key["year"])
    return key


def _published(pub, **key) -> tuple[bool, float | None]:
    """(present, value) of a cell of the publication (value ``None`` when withheld)."""
    rows = pub.cells
    for field, value in key.items():
        rows = rows[rows[field] == value]
    assert len(rows) <= 1, f"several cells for {key}"
    if rows.empty:
        return False, None
    row = rows.iloc[0]
    return True, (None if bool(row["withheld"]) else float(row["value"]))


def check_cell(pub, cell: dict) -> None:
    """Assert that one marked cell is the publication's: a count or denominator is the
    published cell, a share and its limits are computed from the published yes- and
    answered-counts (as shown, one decimal), a withheld cell is withheld there."""
    kind = cell["kind"]
    if cell["source"] == keys.REGISTER:  # a count typed into a register, not a data cell
        assert kind in ("count", "withheld"), cell
        assert kind == "withheld" or not 1 <= float(cell["value"]) < pub.threshold, cell
        return
    if kind == "withheld":
        present, value = _published(pub, **_key(cell))
        assert present and value is None, f"marked withheld but published: {cell}"
        return
    shown = float(cell["value"])
    if kind in ("count", "denominator"):
        present, value = _published(pub, **_key(cell))
        assert present and value == shown, f"{cell} is not the publication's ({value})"
        return
    _, yes = _published(pub, **_key(cell, answer="yes"))
    _, answered = _published(pub, **_key(cell, answer="answered"))
    assert yes is not None and answered is not None, f"{cell} rests on a withheld count"
    ci = indicators.proportion(yes, answered, per=100)
    column = {"share": "value", "lower": "lower", "upper": "upper"}[kind]
    expected = float(ci[column].iloc[0])
    assert abs(shown - expected) <= 0.051, f"{cell}: expected {expected}"
