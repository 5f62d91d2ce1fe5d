"""Step 3 report for Ljusdal: the figures in the HTML are the library's on the example data."""

from __future__ import annotations

import html as htmlmod

import pytest
from conftest import REPORT_MUNICIPALITY, report_html

from vpanalysis import context
from vpanalysis.presentation import factors as pf
from vpanalysis.report import interval, number
from vpanalysis.steps import factors as fx

COMPARISON = ["2161", "2183", "2181"]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def analysis(built_data):
    ctx = context.load(REPORT_MUNICIPALITY, COMPARISON, [2015, 2024], built_data)
    return fx.analyse(
        ctx.registers.factors, ctx.tables, REPORT_MUNICIPALITY, COMPARISON, [2015, 2024]
    )


@pytest.fixture(scope="module")
def page(rendered_reports) -> str:
    return htmlmod.unescape(report_html(rendered_reports, 3))


def _priority_section(page: str) -> str:
    start = page.index("Prioriterade förändringsfaktorer</caption>")
    return page[start : page.index("</table>", start)]


def test_selected_priorities_are_named_in_order(page, analysis):
    section = _priority_section(page)
    names = list(analysis.priorities["name"])
    assert 2 <= len(names) <= 5
    positions = [section.index(name) for name in names]
    assert positions == sorted(positions)
    others = set(analysis.scored["name"]) - set(names)
    assert not any(name in section for name in others)


def test_flagged_factor_and_its_interval_are_shown(page, analysis):
    flagged = analysis.scored[analysis.scored["flagged"]]
    assert len(flagged) >= 1
    ind = analysis.indicators.set_index("factor_id")
    for fid in flagged["factor_id"]:
        row = ind.loc[fid]
        assert interval(row["lower"], row["upper"]) in page
    assert page.count("sämre än jämförelsen") >= len(flagged)


def test_scores_and_key_figures_match_the_library(page, analysis):
    for score in analysis.priorities["score"]:
        assert number(score, 2) in page
    for label, value in pf.key_figures(analysis):
        assert f'{value}</div><div class="vp-kf-label">{label}' in page


def test_survey_comparator_and_kolada_figures(page, analysis):
    label = pf.label(analysis.indicators)["comparator_label"].dropna().iloc[0]
    assert label in page and "Bollnäs" in label and "Sandviken" in label
    kolada = analysis.indicators[analysis.indicators["source"] == "kolada"].iloc[0]
    assert kolada["item"] in page
    assert number(kolada["sweden_value"], 1) in page


def test_profile_chart_and_score_components_are_present(page):
    assert "Kommunens värde (punkt) för varje faktor" in page
    for label in pf.COMPONENT_LABELS.values():
        assert label in page
    for level in ("Individ", "Relation", "Närmiljö", "Samhälle"):
        assert level in page
