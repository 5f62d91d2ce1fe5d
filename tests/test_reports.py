"""Every rendered report meets the report standard (docs/reports.md).

The reports are executed with papermill and rendered with nbconvert once per session
(fixture ``rendered_reports`` in conftest.py) from the example data for Ljusdal.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import report_html

from vpanalysis import __version__
from vpanalysis.catalogue import BY_ID as STEPS

pytestmark = pytest.mark.slow

REPO_NOTEBOOKS = Path(__file__).resolve().parents[1] / "vpanalysis" / "notebooks"


class LocalTables(HTMLParser):
    """Collects the cells of every ``div.vp-local`` table: header names and row values."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self._depth = 0  # div depth inside the current vp-local block
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._in_head = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "div" and "vp-local" in (attrs.get("class") or "").split():
            self.tables.append(
                {
                    "threshold": int(attrs["data-threshold"]),
                    "count_columns": [c for c in attrs["data-count-columns"].split("|") if c],
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
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if not self._depth:
            return
        if tag == "div":
            self._depth -= 1
        elif tag == "thead":
            self._in_head = False
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            target = self.tables[-1]
            if self._in_head:
                target["header"] = self._row
            else:
                target["rows"].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _number(text: str) -> float | None:
    cleaned = text.replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        return float(cleaned)
    except ValueError:
        return None


@pytest.fixture(params=sorted(STEPS), ids=lambda s: f"step{s}")
def page(request, rendered_reports) -> str:
    return report_html(rendered_reports, request.param)


def test_all_six_reports_render(rendered_reports):
    assert sorted(rendered_reports) == sorted(STEPS)
    failed = {
        s: r["result"].message for s, r in rendered_reports.items() if r["result"].status != "ok"
    }
    assert not failed


def test_no_code_prompts_warnings_or_tracebacks(page):
    body = page[page.index("<body") :]
    body = re.sub(r"<style.*?</style>", "", body, flags=re.S)
    # markdown cells render inside jp-InputArea; code would show as an editor or highlight
    for css_class in ("jp-CodeMirrorEditor", "highlight", "jp-InputPrompt", "jp-OutputPrompt"):
        assert not re.search(rf'class="[^"]*\b{css_class}\b', body), css_class
    assert not re.search(r"In&nbsp;\[|Out\[\d+\]", body)
    assert "Traceback" not in body and "application/vnd.jupyter.stderr" not in body
    assert "application/vnd.jupyter.stdout" not in body  # nothing printed as plain text
    assert "Warning" not in body and "Error" not in body
    assert "&lt;NA&gt;" not in page and not re.search(r">\s*(nan|NaN|None)\s*<", page)


def test_self_contained(page):
    images = re.findall(r"<img\b[^>]*>", page)
    assert all(re.search(r'src="data:image/(png|svg\+xml);base64,', img) for img in images)
    loaded = re.findall(r"<(?:script|link|img|iframe|source)\b[^>]*(?:src|href)=\"([^\"]+)\"", page)
    external = [u for u in loaded if re.match(r"(https?:)?//", u)]
    assert external == []
    assert "@import url(http" not in page


def test_example_banner_title_toc_and_footer(page):
    assert page.count('class="vp-banner vp-banner-fixed"') == 1
    assert "EXEMPELDATA" in page
    assert '<h1 class="vp-title">' in page and "Ljusdal" in page
    assert '<nav class="vp-toc"' in page and "vp-toc-placeholder" not in page
    anchors = re.findall(r'<a href="#([^"]+)">', page)
    ids = set(re.findall(r'\bid="([^"]+)"', page))
    assert anchors and all(a in ids for a in anchors)
    assert "Om rapporten" in page and f"vpanalysis {__version__}" in page


def test_every_chart_has_a_caption(page):
    figures = page.count('<figure class="vp-figure">')
    assert page.count("Vad visar diagrammet?") == figures
    assert page.count("Så läser du det:") == figures


def test_no_small_count_of_persons_in_local_tables(page):
    parser = LocalTables()
    parser.feed(page)
    for table in parser.tables:
        columns = [table["header"].index(c) for c in table["count_columns"] if c in table["header"]]
        assert len(columns) == len(table["count_columns"]), table["header"]
        for row in table["rows"]:
            for i in columns:
                value = _number(row[i]) if i < len(row) else None
                assert value is None or value == 0 or value >= table["threshold"], row


def test_local_table_parser_catches_a_small_count():
    page = (
        '<div class="vp-local" data-threshold="5" data-count-columns="antal">'
        "<table><thead><tr><th>kategori</th><th>antal</th></tr></thead>"
        "<tbody><tr><td>a</td><td>3</td></tr></tbody></table></div>"
    )
    parser = LocalTables()
    parser.feed(page)
    assert parser.tables[0]["rows"] == [["a", "3"]]
    assert _number(parser.tables[0]["rows"][0][1]) == 3


@pytest.mark.parametrize("step", sorted(STEPS), ids=lambda s: f"step{s}")
def test_notebook_runs_top_to_bottom_with_its_defaults(step, built_data, monkeypatch, tmp_path):
    """As an analyst opens it in JupyterLab: no injected parameters, the default data."""
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("VPANALYSIS_DATA", str(built_data))
    path = REPO_NOTEBOOKS / STEPS[step].notebook_name
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb, kernel_name="python3", timeout=300, resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("text/html" in o.get("data", {}) for o in outputs)
