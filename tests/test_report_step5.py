"""The rendered step-5 report (Ljusdal) shows what the library computes on the example data."""

from __future__ import annotations

import html
import re

import pytest
from conftest import REPORT_MUNICIPALITY, report_html
from marks_support import chart_cells, check_cell, marked_spans, table

from vpanalysis import context, data, publication, registers, report
from vpanalysis.presentation import followup as pf
from vpanalysis.steps import followup as fu

STEP = 5

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def page(rendered_reports) -> str:
    return report_html(rendered_reports, STEP)


@pytest.fixture(scope="module")
def pub(built_data):
    ctx = context.load(REPORT_MUNICIPALITY, ["2161", "2183", "2181"], [2015, 2024], built_data)
    return publication.ensure(ctx)


@pytest.fixture(scope="module")
def computed(built_data, pub) -> dict:
    """As the report computes it: local values from the protected publication's cells."""
    regs = registers.load_registers(built_data / "raw" / "registers").for_municipality(
        REPORT_MUNICIPALITY
    )
    sources = data.Tables.load(built_data)
    series = fu.goal_series(
        regs.goals, REPORT_MUNICIPALITY, sources, registers=regs, cells=pub.cells
    )
    status = fu.published_goal_status(fu.goal_status(regs.goals, indicators=series), series)
    status = pf.with_status_labels(status)
    its = pf.with_its_reasons(fu.goal_its(regs.goals, series, regs.interventions))
    coverage = fu.training_coverage(regs.training_plan, regs.training_log, total=True)
    return {"regs": regs, "series": series, "status": status, "its": its, "coverage": coverage}


def number(value, decimals: int = 0) -> str:
    """The report's number format, with the non-breaking space read as a space."""
    return report.number(value, decimals).replace("\xa0", " ")


def _table_rows(page: str) -> list[list[str]]:
    """Every table row as a list of cell texts (tags stripped, entities decoded)."""
    rows = []
    for tr in re.findall(r"<tr.*?</tr>", page, flags=re.S):
        cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", tr, flags=re.S)
        rows.append([html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", c))).strip()
                     for c in cells])  # fmt: skip
    return rows


def _row(page: str, first: str) -> list[str]:
    """The one table row whose first cell is ``first``."""
    hits = [r for r in _table_rows(page) if r and r[0] == first]
    assert len(hits) == 1, f"expected one table row starting {first!r}, found {len(hits)}"
    return hits[0]


def test_each_goal_shows_its_status_and_latest_value_from_the_data(page, computed):
    status = computed["status"]
    assert len(status) >= 5
    assert status["latest_source"].eq("indicator").all()
    for _, g in status.iterrows():
        row = _row(page, f"{g['goal_id']}: {g['goal']}")
        assert row[-1] == pf.goal_status_text(g)  # the status with its notes
        assert f"{number(g['latest_value'], 1)} ({int(g['latest_year'])})" in row
        assert f"{number(g['baseline_value'], 1)} ({int(g['baseline_year'])})" in row
        assert f"{number(g['target_value'], 1)} ({int(g['target_year'])})" in row


def test_key_figures_count_goals_per_status(page, computed):
    counts = computed["status"]["status"].value_counts()
    for key, label in pf.STATUS_LABELS.items():
        figure = re.search(
            r'vp-kf-value">(\d+)</div>\s*<div class="vp-kf-label">' + re.escape(label), page
        )
        assert figure, label
        assert int(figure.group(1)) == int(counts.get(key, 0))


def test_training_coverage_per_administration(page, computed):
    table = pf.training_table(computed["coverage"])
    assert len(table) >= 3
    for _, r in table.iterrows():
        row = _row(page, r["Förvaltning"])
        assert row[3:] == [
            number(r["Planerat hittills"]),
            number(r["Utbildade hittills"]),
            number(r["Andel av planen (%)"], 0),
        ]


def test_before_after_analysis_per_goal(page, computed):
    its = computed["its"]
    assert its["estimated"].any() and not its["estimated"].all()
    for _, r in its.iterrows():
        row = _row(page, r["goal_id"])
        assert row[-1] == r["reason"]
        if r["estimated"]:
            lower, upper = number(r["level_lower"], 2), number(r["level_upper"], 2)
            assert row[3] == f"{number(r['level_change'], 2)} ({lower}–{upper})"


def test_activities_and_week_47(page, computed):
    activities = computed["regs"].activities
    assert len(activities) > 0
    for name in activities["name"]:
        assert html.escape(name) in page or name in html.unescape(page)
    summary = fu.activity_summary(activities)
    for _, s in summary.iterrows():
        row = _row(page, str(int(s["year"])))
        assert row[1] == str(int(s["n_activities"]))
        assert row[-1] == ("Ja" if s["week_47"] else "Nej")


def test_one_page_summary_holds_the_key_messages(page, computed):
    messages = pf.summary_messages(
        computed["status"], computed["coverage"], computed["regs"].activities, computed["its"]
    )
    box = re.search(r'<div class="vp-summary".*?</div>', page, flags=re.S)
    assert box, "the summary box is missing"
    text = html.unescape(box.group(0))
    assert len(messages) >= 5
    for message in messages:
        assert message in text
    assert "break-before: page" in box.group(0)


def test_goal_chart_is_embedded_with_caption(page):
    section = re.split(r"<h2[^>]*>Indikatorerna över tid", page, maxsplit=1)[1].split("<h2")[0]
    assert "data:image/png;base64," in section
    assert "Vad visar diagrammet?" in section


def test_baseline_indicators_then_and_now(page, built_data, pub):
    from vpanalysis import baseline, data
    from vpanalysis.steps import situation

    tables = data.Tables.load(built_data)
    saved = data.protect_baseline(baseline.ensure(tables, REPORT_MUNICIPALITY, built_data), 5)
    current = situation.baseline_table(tables, REPORT_MUNICIPALITY, 5)
    # local values from the publication (issue 9), not from the baseline itself
    follow = fu.baseline_followup(saved, current, pub.cells, REPORT_MUNICIPALITY)
    changes = pf.baseline_changes(follow, saved)
    text = html.unescape(page).replace("\xa0", " ")
    assert "Baslinjen och senaste värde" in text
    for row in changes.itertuples(index=False):
        assert f"<td>{row.Indikator}</td>" in text
        assert row.Baslinje.replace("\xa0", " ") in text


LOCAL_TABLES = [
    "Målen: utgångsläge, mål, senaste värde och status",
    "Baslinjen och senaste värde",
    "Före–efter-analys per mål",
    "Aktiviteter per år",
    "Genomförda aktiviteter",
]


def test_every_table_of_local_values_passes_the_last_line_check(page):
    for caption in LOCAL_TABLES:
        start = page.index(f"{html.escape(caption, quote=False)}</caption>")
        opening = page.rfind("<div", 0, start)
        assert 'class="vp-local"' in page[opening:start], caption


def test_every_local_number_is_marked_and_is_the_publications(page, pub, computed):
    goals = table(page, LOCAL_TABLES[0])
    header = [html.unescape(h) for h in goals[0]]
    latest = header.index("Senaste värde (år)")
    survey = computed["status"]["indicator"].str.startswith("skolenkat:")
    survey_rows = [r for r, s in zip(goals[1:], survey, strict=True) if s]
    assert survey_rows
    for row in survey_rows:
        assert 'class="vp-cell"' in row[latest], row
    baseline = table(page, LOCAL_TABLES[1])
    local = [r for r in baseline[1:] if re.match(r"(Skolenkät|Socialtjänsten|Kvinnojouren)", r[0])]
    assert local
    for row in local:
        assert 'class="vp-cell"' in row[1], row
        assert 'class="vp-cell"' in row[2] or html.unescape(row[2]) == "–", row
    spans = marked_spans(page)
    for _, cells in spans:
        for cell in cells:
            check_cell(pub, cell)
    charts = chart_cells(page)
    assert charts and all(charts)
    for cells in charts:
        for cell in cells:
            check_cell(pub, cell)
