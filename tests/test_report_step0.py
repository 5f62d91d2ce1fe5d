"""The comparison report shows the library's figures for the collaborating municipalities."""

from __future__ import annotations

import html

import pytest
from conftest import report_html

from vpanalysis import context, data, publication
from vpanalysis.presentation import comparison as view
from vpanalysis.report import number
from vpanalysis.steps import comparison

pytestmark = pytest.mark.slow


def test_side_by_side_table_and_charts(rendered_reports, built_data):
    page = html.unescape(report_html(rendered_reports, 0))
    tables = data.Tables.load(built_data)
    rolled = comparison.county_rolled(tables, "0021", range(2015, 2025))
    table = view.side_by_side(
        comparison.side_by_side(
            rolled, ["2161", "2183", "2181"], "0021", comparison.DEFAULT_CATEGORY
        )
    )
    for _, row in table.iterrows():
        assert f"<td>{row['Område']}</td>" in page
        assert number(row["Per 100 000 inv. och år"], 1) in page
        if row["Övriga länet"]:  # each municipality against the county without itself
            assert row["Övriga länet"] in page and row["Jämfört med övriga länet"] in page
    assert "Jämfört med övriga länet" in page and "Jämfört med länet" not in page
    assert "Ljusdal har 7 % av länets invånare" in page
    assert "drar kommunen länets värde mot sitt eget" not in page  # a small share
    # funnel, map and small multiples are embedded images with captions
    assert page.count('<figure class="vp-figure">') == 3
    assert "Trattdiagram" in page and "Karta över länet" in page
    # the shares come from the publication's cells (the report's, loaded as it stored them)
    ctx = context.load("2161", ["2161", "2183", "2181"], [2015, 2024], built_data, 5)
    cells = publication.ensure(ctx).cells
    shares = view.survey_side_by_side(
        comparison.published_survey_shares(cells, tables.codebook, ["2161", "2183", "2181"])
    )
    assert shares.iloc[0, 1] in page
