"""Steps 2 and 0 show local-source numbers only from the protected publication, each marked.

Every local-source number in the rendered HTML sits inside a ``data-vp-cells`` element
(:mod:`vpanalysis.publication.keys`), and what the marks say equals the publication's
cells: a count is the published cell, a share is computed from its published yes and
answered cells, a withheld cell is withheld.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pandas as pd
import pytest
from conftest import REPORT_MUNICIPALITY, report_html

from vpanalysis import context, data, indicators, publication
from vpanalysis.publication import keys

pytestmark = pytest.mark.slow

#: How the baseline table's indicator labels of local sources begin (it shows no ids).
LOCAL_PREFIXES = ("Skolenkät:", "Socialtjänsten:", "Kvinnojouren:")


class MarkedTables(HTMLParser):
    """Every ``div.vp-local`` table (caption, count columns, header, rows of ``(text,
    cells)``), every marked element of the page, and the cells its charts embed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[dict] = []
        self.marks: list[tuple[str, list]] = []  # (text shown, cells) of each marked element
        self.chart_cells: list[list] = []
        self._depth = 0
        self._row = self._cell = self._cell_marks = None
        self._in_head = self._in_caption = False
        self._span: list | None = None  # [cells, text parts] of the open vp-cell element
        self._script: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "script" and keys.CHART_CELLS_CLASS in classes:
            self._script = []
        if keys.CELLS_ATTRIBUTE in attrs:
            self._span = [json.loads(attrs[keys.CELLS_ATTRIBUTE]), []]
        if tag == "div" and "vp-local" in classes:
            self.tables.append(
                {
                    "count_columns": [c for c in attrs["data-count-columns"].split("|") if c],
                    "caption": "",
                    "header": [],
                    "rows": [],
                }
            )
            self._depth = 1
            return
        if not self._depth:
            return
        if tag == "div":
            self._depth += 1
        elif tag == "caption":
            self._in_caption = True
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell, self._cell_marks = [], []

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.chart_cells.append(json.loads("".join(self._script)))
            self._script = None
        if tag == "span" and self._span is not None:
            cells, text = self._span
            self.marks.append(("".join(text).strip(), cells))
            if self._cell_marks is not None:
                self._cell_marks.extend(cells)
            self._span = None
        if not self._depth:
            return
        if tag == "div":
            self._depth -= 1
        elif tag == "caption":
            self._in_caption = False
        elif tag == "thead":
            self._in_head = False
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(("".join(self._cell).strip(), self._cell_marks))
            self._cell = self._cell_marks = None
        elif tag == "tr" and self._row is not None:
            target = self.tables[-1]
            if self._in_head:
                target["header"] = [text for text, _ in self._row]
            else:
                target["rows"].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._script is not None:
            self._script.append(data)
        if self._span is not None:
            self._span[1].append(data)
        if self._in_caption and self.tables:
            self.tables[-1]["caption"] += data
        if self._cell is not None:
            self._cell.append(data)


def _numbers(text: str) -> list[float]:
    """The numbers in a shown text (Swedish format): ``"12,3 (8,1–17,9)"`` -> 3 numbers."""
    found = re.findall(r"\d[\d\u00a0 ]*(?:,\d+)?", text)
    return [float(n.replace("\u00a0", "").replace(" ", "").replace(",", ".")) for n in found]


def _parsed(rendered_reports, step: int) -> MarkedTables:
    parser = MarkedTables()
    parser.feed(report_html(rendered_reports, step))
    return parser


@pytest.fixture(scope="module")
def pub(rendered_reports, built_data):
    """The publication the rendered reports used (stored by their first notebook)."""
    ctx = context.load(REPORT_MUNICIPALITY, ["2161", "2183", "2181"], [2015, 2024], built_data, 5)
    return publication.ensure(ctx)


@pytest.fixture(scope="module")
def cells(pub) -> dict[tuple, tuple]:
    """The publication's cells by key: ``(value or None, withheld)``."""
    c = pub.cells
    out = {}
    for row in c.itertuples(index=False):
        key = tuple(str(getattr(row, f)) for f in keys.KEY_FIELDS)
        value = None if pd.isna(row.value) else float(row.value)
        out[key] = (value, bool(row.withheld))
    return out


def _key(cell: dict) -> tuple:
    return tuple(cell[f] for f in keys.KEY_FIELDS)


@pytest.mark.parametrize("step", [0, 2], ids=lambda s: f"step{s}")
def test_every_local_number_is_marked(rendered_reports, step):
    parser = _parsed(rendered_reports, step)
    assert parser.tables, "no local-source table"
    checked = 0
    for table in parser.tables:
        header = table["header"]
        survey = table["caption"].startswith("Andel elever")
        baseline = table["caption"].startswith("Baslinje")
        columns = [header.index(c) for c in table["count_columns"] if c in header]
        for row in table["rows"]:
            local_row = not baseline or row[header.index("Indikator")][0].startswith(LOCAL_PREFIXES)
            shown = range(1, len(row)) if survey else columns
            if baseline and local_row:
                shown = [header.index(c) for c in ("Värde", "95 % KI", "Antal")]
            for i in shown:
                text, marks = row[i]
                if not local_row or not re.search(r"\d", text):
                    # ".." shows nothing; where it stands for a cell, the cell is withheld
                    assert all(m["kind"] == "withheld" for m in marks or []), (table, row)
                    continue
                assert marks, f"{table['caption']}: {text!r} in {row[0][0]!r} is not marked"
                values = [float(m["value"]) for m in marks if m["kind"] != "denominator"]
                assert values == _numbers(text), (text, marks)
                checked += 1
    assert checked >= (10 if step == 0 else 100)


@pytest.mark.parametrize("step", [0, 2], ids=lambda s: f"step{s}")
def test_marked_values_equal_the_publication(rendered_reports, cells, step):
    parser = _parsed(rendered_reports, step)
    marked = [c for _, group in parser.marks for c in group]
    marked += [c for chart in parser.chart_cells for c in chart]
    assert marked
    for cell in marked:
        key = _key(cell)
        assert key in cells, f"not a cell of the publication: {cell}"
        value, withheld = cells[key]
        if cell["kind"] == "withheld":
            assert withheld, cell
            continue
        assert not withheld, f"a withheld cell is shown: {cell}"
        if cell["kind"] in ("count", "denominator"):
            assert float(cell["value"]) == value, cell
            continue
        answered = dict(zip(keys.KEY_FIELDS, key, strict=True)) | {"answer": "answered"}
        n, n_withheld = cells[_key(answered)]
        assert cell["answer"] == "yes" and not n_withheld, cell
        share = indicators.proportion(value, n, per=100).iloc[0]
        expected = share["value" if cell["kind"] == "share" else cell["kind"]]
        assert float(cell["value"]) == pytest.approx(expected, abs=0.5), cell


def test_step2_key_figure_of_pupils_is_marked(rendered_reports):
    page = report_html(rendered_reports, 2)
    card = re.search(r'<div class="vp-kf-value">(<span[^>]*>[^<]*</span>)</div>', page)
    assert card and keys.CELLS_ATTRIBUTE in card.group(1)


def test_steps_2_and_0_show_the_publication_s_all_pupils_group(rendered_reports, built_data):
    """Way 3 of the issue: every report shows the same respondents (sex T includes the
    pupils who did not state their sex), so no difference of two shares reveals them."""
    step2, step0 = _parsed(rendered_reports, 2), _parsed(rendered_reports, 0)
    survey = data.Tables.load(built_data).survey
    everyone = [
        c
        for _, group in step2.marks
        for c in group
        if c["sex"] == "T"
        and c["grade"] == keys.ALL
        and c["kind"] in ("count", "denominator")
        and c["source"] == "skolenkat"
    ]
    assert everyone
    for cell in everyone:
        mine = survey[
            (survey["region_code"] == cell["region"]) & (survey["year"] == int(cell["year"]))
        ]
        assert mine["sex"].isna().any()  # there is an unstated group to keep
        if cell["measure"] == "respondents":
            assert float(cell["value"]) == len(mine)
        else:  # the pupils who answered the item, whatever their sex
            assert float(cell["value"]) == mine[cell["measure"]].notna().sum(), cell
    # the comparison report's share of all pupils is step 2's, cell for cell
    mine2 = shares(step2)
    mine0 = {k: v for k, v in shares(step0).items() if k[1] == REPORT_MUNICIPALITY}
    assert mine0 and all(mine2.get(k) == v for k, v in mine0.items())


def shares(parser: MarkedTables) -> dict:
    """The shares of all pupils a report marks, by (item, region, year)."""
    return {
        (c["measure"], c["region"], c["year"]): c["value"]
        for _, group in parser.marks
        for c in group
        if c["kind"] == "share" and c["sex"] == "T" and c["grade"] == keys.ALL
    }
