import re

import pandas as pd
import pytest

from vpanalysis import report
from vpanalysis.runner import TEMPLATE_DIR, add_table_of_contents


def test_swedish_number_format():
    assert report.number(12345.678, 1) == "12\u00a0345,7"
    assert report.number(5) == "5"
    assert report.number(None) == ".."
    assert report.number(pd.NA) == ".."
    assert report.number(float("nan")) == ".."
    assert report.interval(1.24, 3.5) == "1,2–3,5"


def test_check_disclosure_rejects_small_counts_only():
    ok = pd.DataFrame({"count": pd.array([0, 5, None, 120], dtype="Int64")})
    report.check_disclosure(ok, ["count"], threshold=5)
    bad = pd.DataFrame({"count": pd.array([0, 3, 12], dtype="Int64")})
    with pytest.raises(report.DisclosureError):
        report.check_disclosure(bad, ["count"], threshold=5)


def test_table_refuses_to_publish_small_local_counts():
    frame = pd.DataFrame({"kategori": ["a", "b"], "antal": pd.array([2, 40], dtype="Int64")})
    with pytest.raises(report.DisclosureError):
        report.table(frame, local=True, count_columns=["antal"])
    markup = report.table(
        frame.assign(antal=pd.array([pd.NA, 40], dtype="Int64")),
        local=True,
        count_columns=["antal"],
    ).data
    assert ">..<" in markup and ">40<" in markup


def test_wide_tables_are_marked_for_the_compact_style():
    """Step 2's police table (13 columns, long Swedish words) shrinks; a short table not."""
    words = ["Grov kvinnofridskränkning", "Flera eller ospecificerade former", "2022–2024"]
    wide = pd.DataFrame({f"Jämfört med länet {i}": words for i in range(13)})
    narrow = pd.DataFrame({"Brottskategori": words, "Antal": [1.0, 2.0, 3.0]})
    assert 'class="dataframe vp-table vp-wide"' in report.table(wide).data
    assert 'class="dataframe vp-table"' in report.table(narrow).data
    numbers = pd.DataFrame({f"{year}": [1234567.5] for year in range(2010, 2016)})
    assert "vp-wide" not in report.table(numbers).data
    # step 1's parties x sources: a grid of marks under long headers turns the headers upright
    sources = ["Socialtjänsten", "Skolan (kränkningsanmälningar, elevhälsa)", "Räddningstjänsten"]
    marks = pd.DataFrame(
        {"Organisation": ["Kommunledningsförvaltningen", "Polisen, lokalpolisområdet"]}
        | {f"{source} {i}": ["✓", ""] for i in range(6) for source in sources}
    )
    assert 'class="dataframe vp-table vp-matrix"' in report.table(marks).data
    css = (TEMPLATE_DIR / "vpreport" / "report.css").read_text(encoding="utf-8")
    assert "table.vp-table.vp-wide" in css and "table.vp-table.vp-matrix" in css


def test_toc_links_every_section_heading():
    page = (
        '<main><h1>Titel</h1><div class="vp-toc-placeholder"></div>'
        '<h2 id="lagesbild">Lägesbild<a class="anchor-link" href="#lagesbild">¶</a></h2>'
        "<h3>Per kön</h3><h2>Lägesbild</h2></main>"
    )
    out = add_table_of_contents(page)
    links = re.findall(r'<a href="#([^"]+)">', out)
    ids = re.findall(r'<h[23] id="([^"]+)"', out)
    assert links == ids == ["lagesbild", "per-kon", "lagesbild-2"]
    assert "vp-toc-placeholder" not in out


def test_template_loads_nothing_from_the_network():
    text = (TEMPLATE_DIR / "vpreport" / "index.html.j2").read_text(encoding="utf-8")
    for block in ("html_head_js_requirejs", "html_head_js_mathjax", "html_head_js_mermaidjs"):
        assert re.search(r"{%-? block " + block + r" -?%}{%-? endblock", text)


def test_banner_only_for_example_sources():
    manifest = {"sources": {"bra": {"example": True}, "kolada": {"example": False}}}
    assert "EXEMPELDATA" in report.banner(manifest).data
    assert report.banner(manifest, used=["kolada"]).data == ""


def test_a_page_without_figures_from_example_data_still_says_so():
    """Reports made from the example data say so on every page, even a page that shows
    no figure (a municipality without registers in the example workspace)."""
    manifest = {"sources": {"bra": {"example": True}, "kolada": {"example": True}}}
    markup = report.banner(manifest, used=[]).data
    assert "EXEMPELDATA" in markup and "Hela underlaget är exempeldata" in markup
    assert "Gäller:" not in markup
    mixed = {"sources": {"bra": {"example": True}, "kolada": {"example": False}}}
    assert report.banner(mixed, used=[]).data == ""


def test_banner_repeats_on_every_printed_page():
    manifest = {"sources": {"bra": {"example": True}}}
    markup = report.banner(manifest).data
    assert "@media print" in markup and "@top-center" in markup and "EXEMPELDATA" in markup
    css = (TEMPLATE_DIR / "vpreport" / "report.css").read_text(encoding="utf-8")
    assert "size: A4" in css and "counter(pages)" in css


def test_marked_cells_carry_their_publication_keys():
    """Every marked table cell lists, as JSON, the cells it shows; unmarked cells do not."""
    import html as html_lib
    import json
    import re

    from vpanalysis.publication import keys

    frame = pd.DataFrame({"Kategori": ["Våld"], "2023": [12], "2024": [pd.NA]})
    share = keys.cell(
        "count",
        12,
        source="socialtjanst",
        measure="Våld",
        region="2161",
        year=2023,
        sex="T",
        age="totalt",
        grade="alla",
    )
    withheld = keys.cell(
        "withheld",
        source="socialtjanst",
        measure="Våld",
        region="2161",
        year=2024,
        sex="T",
        age="totalt",
        grade="alla",
    )
    marks = pd.DataFrame({"Kategori": [None], "2023": [[share]], "2024": [[withheld]]})
    markup = report.table(frame, marks=marks).data
    found = re.findall(r'data-vp-cells="([^"]*)">([^<]*)<', markup)
    assert [text for _, text in found] == ["12", ".."]
    cells = [json.loads(html_lib.unescape(payload)) for payload, _ in found]
    assert cells[0][0]["value"] == "12" and cells[0][0]["year"] == "2023"
    assert cells[1][0]["kind"] == "withheld" and "value" not in cells[1][0]
    assert "Våld</td>" in markup  # the label column is not marked


def test_cell_keys_are_checked():
    from vpanalysis.publication import keys

    with pytest.raises(ValueError, match="unknown kind"):
        keys.cell("ratio", 1)
    with pytest.raises(ValueError, match="unknown key field"):
        keys.cell("count", 1, town="Ljusdal")
    assert keys.cell("share", 12.5)["value"] == "12.5"
    assert keys.pool_members(keys.pool_region(["2183", "2181"])) == ["2181", "2183"]
