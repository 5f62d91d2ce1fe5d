"""Reports from whatever subset of data exists (issues 10.1, 11.3 and 11.5).

Fast tests of the library (the "missing data" notice, its record in the footer, the index
page, the branches with and without a register) and, marked slow, reports rendered from
crafted data folders: each local source absent, BRÅ with one and with two years, Kolada
for the municipality only, a survey with one year, municipalities without registers and
outside every example file.
"""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pandas as pd
import pytest

from vpanalysis import context, definitions, report
from vpanalysis.presentation import collaboration as collaboration_view
from vpanalysis.presentation import factors as factors_view
from vpanalysis.presentation import interventions as interventions_view
from vpanalysis.presentation import provenance
from vpanalysis.presentation import situation as situation_view
from vpanalysis.runner import ReportResult, make_job, write_index
from vpanalysis.steps import collaboration, factors, situation

#: File names and paths that must never be in the visible text of a report (issue 10.14).
PATHS = re.compile(r"data/raw|registers/|\.(csv|yaml|parquet|xlsx)\b")


def fake_page(name: str = "Gävle", code: str = "2180", **context) -> report.Page:
    ctx = SimpleNamespace(name=name, municipality_code=code, manifest={}, **context)
    return report.Page(ctx, 2)


def shown(obj) -> str:
    """What a notebook shows for ``obj`` (the HTML its display records)."""
    return obj._repr_html_() if hasattr(obj, "_repr_html_") else obj.data


def visible(markup: str) -> str:
    return re.sub(r"<[^>]+>", " ", markup)


# ---------------------------------------------------------------- the notice and its record


def test_missing_names_the_register_in_words_and_points_to_the_instructions():
    page = fake_page()
    markup = shown(page.missing("Partnerregistret", "partners"))
    text = visible(markup)
    assert "Uppgifter saknas för Gävle" in text
    assert "Kom igång" in text and "partnerregistret" in text
    assert "Arbetsytans instruktioner visar hur" in text
    assert "LÄSMIG" not in text  # no file name in visible text (review 29)
    assert not PATHS.search(text)


def test_every_need_has_a_name_and_a_way_to_get_it_without_paths():
    for key, (name, how) in provenance.NEEDS.items():
        assert name and how, key
        assert not PATHS.search(name + how), key


def test_a_notice_is_recorded_only_when_shown():
    page = fake_page()
    rows = pd.DataFrame({"a": [1]})
    report.table(rows, if_empty=page.missing("Partnerregistret", "partners"))
    assert page.gaps == []  # the table had rows: the notice was never shown
    shown(report.table(rows.iloc[0:0], if_empty=page.missing("Partnerregistret", "partners")))
    shown(page.missing("Skolenkäten", "skolenkat"))
    assert page.gap_names() == ["partnerregistret", "skolenkäten"]


def test_get_started_is_given_once_then_referred_to():
    page = fake_page()
    first = visible(shown(page.missing("Brå:s statistik", "bra")))
    second = visible(shown(page.missing("Treårsgenomsnitt", "bra")))
    assert "vpanalysis fetch bra" in first
    assert "vpanalysis fetch bra" not in second and "se ovan" in second


def test_footer_records_the_gaps_for_the_index():
    page = fake_page()
    clean = page.footer([]).data
    assert provenance.report_gaps(clean) == [] and "ofullständig" not in clean
    shown(page.missing("Målregistret", "goals"))
    footer = page.footer([]).data
    assert "Rapporten är ofullständig" in footer and "målregistret" in footer
    assert provenance.report_gaps(footer) == ["målregistret"]
    payload = re.search(r'class="vp-gaps">(.*?)</script>', footer).group(1)
    assert json.loads(payload)["gaps"] == [{"what": "Målregistret", "needs": ["goals"]}]


def test_index_shows_an_incomplete_report_with_what_it_lacks(tmp_path):
    complete = make_job(1, "2161", tmp_path)
    incomplete = make_job(1, "2180", tmp_path)
    page = fake_page()
    complete.html_path.write_text(f"<html>{page.footer([]).data}</html>", encoding="utf-8")
    shown(page.missing("Partnerregistret", "partners"))
    incomplete.html_path.write_text(f"<html>{page.footer([]).data}</html>", encoding="utf-8")
    index = write_index(
        tmp_path,
        [
            ReportResult(complete, "ok", 1.0, finished="2026-11-02T09:00:00"),
            ReportResult(incomplete, "ok", 1.0, finished="2026-11-02T09:00:00"),
        ],
    ).read_text(encoding="utf-8")
    ljusdal, gavle = index.split("Gävle (2180)")
    assert "klar" in ljusdal and "ofullständig" not in ljusdal
    assert "ofullständig" in gavle and "partnerregistret" in gavle and "klar" not in gavle


# ---------------------------------------------------------------- no claims without data


@pytest.fixture(scope="module")
def contexts(built_data):
    return {code: context.load(code, data_dir=built_data) for code in ("2161", "2183", "2180")}


def test_no_partner_register_no_claim_about_partners(contexts):
    ctx = contexts["2180"]  # Gävle: no registers
    page = report.Page(ctx, 1)
    missing = collaboration.missing_key_sectors(ctx.registers.partners, municipalities=["2180"])
    text = visible(shown(collaboration_view.missing_sectors_notice(
        missing, ctx.registers.partners, page, ok="Alla nyckelsektorer finns med bland parterna."
    )))  # fmt: skip
    assert "saknas bland parterna" not in text and "Alla nyckelsektorer" not in text
    assert "kan därför inte bedömas" in text and "partnerregistret" in text


def test_with_a_partner_register_missing_sectors_are_named(contexts):
    ctx = contexts["2161"]
    partners = ctx.registers.partners
    social = partners["sector"].astype(str).str.contains("social")
    assert social.any()
    page = report.Page(ctx, 1)
    fewer = partners[~social].reset_index(drop=True)
    missing = collaboration.missing_key_sectors(fewer, municipalities=["2161"])
    text = visible(shown(collaboration_view.missing_sectors_notice(
        missing, fewer, page, ok="Alla nyckelsektorer finns med bland parterna."
    )))  # fmt: skip
    assert "saknas bland parterna i samverkan" in text
    assert page.gaps == []
    complete = collaboration.missing_key_sectors(partners, municipalities=["2161"])
    if complete.empty:  # the full example register has every key sector
        text = visible(shown(collaboration_view.missing_sectors_notice(
            complete, partners, page, ok="Alla nyckelsektorer finns med bland parterna."
        )))  # fmt: skip
        assert "Alla nyckelsektorer finns med bland parterna." in text


def _analysis(ctx):
    return factors.analyse(
        ctx.registers.factors, ctx.tables, ctx.municipality_code, ctx.comparison_codes, ctx.years
    )


def test_no_inventory_no_claim_about_interventions(contexts):
    ctx = contexts["2180"]
    page = report.Page(ctx, 4)
    analysis = _analysis(ctx)
    regs = ctx.registers
    gaps = visible(shown(interventions_view.gaps_notice(
        analysis.priorities, regs.interventions, page, ok="Alla prioriterade faktorer påverkas."
    )))  # fmt: skip
    chains = visible(shown(interventions_view.logic_model_notice(
        regs.interventions, regs.logic_models, page, ok="Alla valda insatser har en kedja."
    )))  # fmt: skip
    for text in (gaps, chains):
        assert "ingen insats i inventeringen påverkar faktorn" not in text
        assert "Alla prioriterade" not in text and "Alla valda" not in text
        assert "inventeringen av insatser" in text.lower()
        assert "kan därför inte bedömas" in text
    assert {"interventions"} <= set(provenance.NEEDS) and page.gap_names()[0] == (
        "inventeringen av insatser"
    )


def test_with_an_inventory_uncovered_factors_are_named(contexts):
    ctx = contexts["2161"]
    page = report.Page(ctx, 4)
    analysis = _analysis(ctx)
    regs = ctx.registers
    assert not analysis.priorities.empty and not regs.interventions.empty
    none = regs.interventions.iloc[0:1].assign(factors=[[]] * 1)
    if "factors" not in regs.interventions.columns:
        pytest.skip("the inventory names its factors in another column")
    text = visible(shown(interventions_view.gaps_notice(
        analysis.priorities, none, page, ok="Alla prioriterade faktorer påverkas."
    )))  # fmt: skip
    assert "ingen insats i inventeringen påverkar faktorn" in text
    assert page.gaps == []


def test_no_factor_catalogue_no_claim_about_priorities(contexts):
    ctx = contexts["2161"]
    page = report.Page(ctx, 3)
    analysis = _analysis(ctx)
    empty = type(analysis)(**{
        **vars(analysis), "scored": analysis.scored.iloc[0:0],
        "priorities": analysis.priorities.iloc[0:0],
    })  # fmt: skip
    text = visible(shown(factors_view.priority_notice(empty, page, ok="Alla är sämre.")))
    assert "Alla är sämre." not in text and "faktorkatalogen" in text
    text = visible(shown(factors_view.priority_notice(analysis, fake_page(), ok="Alla är sämre.")))
    assert "Uppgifter saknas" not in text


def test_an_undecided_definition_is_not_called_agreed(contexts):
    ctx = contexts["2180"]
    page = report.Page(ctx, 2)
    assert not definitions.is_decided(ctx.definition, "2180")  # Gävle is not in the decision
    text = visible(shown(situation_view.definition_status(ctx.definition, page)))
    assert "beslutet gäller inte kommunen" in text and "beslutade definition av våld" in text
    decided = type(ctx.definition)(**{
        **vars(ctx.definition), "example": False,
        "decided_by": "Brottsförebyggande rådet", "decided_on": "2021-11-15",
        "decided_for": (),
    })  # fmt: skip
    text = visible(shown(situation_view.definition_status(decided, fake_page())))
    assert "beslutad av Brottsförebyggande rådet den 2021-11-15" in text


def test_coverage_counts_only_the_sources_the_municipality_has(contexts):
    gavle, ljusdal = contexts["2180"], contexts["2161"]
    available = situation.available_sources(gavle.tables, "2180")
    assert "socialtjanst" not in available and "bra" in available
    matrix = situation.coverage(gavle.definition, gavle.mapping, available)
    assert not matrix.map(lambda c: "socialtjanst" in str(c)).any().any()
    text = visible(shown(situation_view.coverage_sources(available, report.Page(gavle, 2))))
    assert "Socialtjänsten" in text and "räknas inte i matrisen" in text
    every = situation.available_sources(ljusdal.tables, "2161")
    assert set(every) == set(situation.COVERAGE_SOURCES)
    assert (
        visible(shown(situation_view.coverage_sources(every, report.Page(ljusdal, 2)))).strip()
        == ""
    )


# ---------------------------------------------------------------- partial BRÅ data


def test_police_summary_from_too_few_years_says_which_years_there_are(contexts):
    ctx = contexts["2161"]
    rated = situation.police_rates(ctx.tables, ctx.regions, [2023, 2024])
    assert situation.police_summary(rated, "2161", "0021").empty
    assert situation.police_years(rated, "2161") == [2023, 2024]
    page = report.Page(ctx, 2)
    markup = shown(situation_view.police(pd.DataFrame(), ctx.definition, page, rates=rated))
    text = visible(markup)
    assert "finns bara för 2023 och 2024 (2 år)" in text
    assert "treårsgenomsnitt kräver tre år" in text.lower() and "enskilda år" in text
    three = situation.police_rates(ctx.tables, ctx.regions, [2022, 2023, 2024])
    summary = situation.police_summary(three, "2161", "0021")
    # three years are too few for a trend (five are needed); where the cases are too few as
    # well, that is named first, since more years would not help
    assert not summary.empty
    assert summary["trend"].isin({"too_few_years", "too_few_cases"}).all()
    assert (summary["trend"] == "too_few_years").any()


# ---------------------------------------------------------------- rendered from partial data

#: The crafted cases: (data folder, municipality, steps).
CASES = {
    # One year of one BRÅ category fetched (two municipalities, no county, no Sweden); no
    # social services, no women's shelter; one survey year; Kolada for Ljusdal only.
    "first_data": ("A", "2161", (0, 1, 2, 3, 4, 5)),
    # Two years of BRÅ; no survey, no Kolada.
    "two_years": ("B", "2161", (0, 2, 5)),
    # The example data for Gävle: no registers, no local sources.
    "no_registers": ("example", "2180", (0, 1, 2, 3, 4, 5)),
    # Umeå: in no example file at all (another county, no population either).
    "outside": ("example", "2480", (0, 1, 2, 3, 4, 5)),
}


@pytest.fixture(scope="module")
def partial_reports(built_data, tmp_path_factory):
    """The reports of :data:`CASES`, rendered once per module:
    ``{case: {"results": {step: ReportResult}, "html": {step: str}, "index": str}}``."""
    import shutil

    import partial_support as ps
    from conftest import copy_raw

    from vpanalysis import baseline
    from vpanalysis.pipeline import build
    from vpanalysis.runner import render

    root = tmp_path_factory.mktemp("partial")
    first = copy_raw(root / "A")
    ps.bra_one_year_fetched(first)
    ps.drop_source(first, "socialtjanst")
    ps.drop_source(first, "kvinnojour")
    ps.survey_one_year(first, 2024)
    ps.kolada_only(first, "2161")
    two = copy_raw(root / "B")
    ps.bra_years(two, {2023, 2024})
    ps.drop_source(two, "skolenkat")
    ps.drop_source(two, "kolada")
    example = root / "example"
    shutil.copytree(built_data, example)
    folders = {"A": first, "B": two, "example": example}
    for folder in (first, two):
        build(data_dir=folder)
    out = {}
    for case, (folder, code, steps) in CASES.items():
        target = root / f"out_{case}"
        target.mkdir()
        jobs = [make_job(s, code, target, data_dir=str(folders[folder])) for s in steps]
        baseline.freeze_for(jobs)
        results = {job.step: render(job, log_path=target / f"{job.stem}.log") for job in jobs}
        pages = {
            s: r.path.read_text(encoding="utf-8") for s, r in results.items() if r.status == "ok"
        }
        index = write_index(target, list(results.values())).read_text(encoding="utf-8")
        out[case] = {"results": results, "html": pages, "index": index}
    return out


def page_text(markup: str) -> str:
    """The visible text of a rendered report (no scripts, styles or tags)."""
    markup = re.sub(r"<(script|style)\b.*?</\1>", " ", markup, flags=re.S)
    return re.sub(r"\s+", " ", html_unescape(re.sub(r"<[^>]+>", " ", markup)))


def html_unescape(text: str) -> str:
    import html

    return html.unescape(text)


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_every_report_renders_from_partial_data(partial_reports, case):
    failed = {s: r.message for s, r in partial_reports[case]["results"].items() if r.status != "ok"}
    assert not failed


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_partial_reports_say_what_is_missing_and_how_to_start(partial_reports, case):
    for step, markup in partial_reports[case]["html"].items():
        text = page_text(markup)
        assert "Traceback" not in text and "Error" not in text, step
        notices = re.findall(r'<div class="vp-(?:missing|incomplete)".*?</div>', markup, re.S)
        assert not PATHS.search(" ".join(map(page_text, notices))), step
        if "Uppgifter saknas" in text:
            assert "Kom igång" in text and "Arbetsytans instruktioner" in text, step
            assert "LÄSMIG" not in text, step
            assert "Rapporten är ofullständig" in text, step
            assert provenance.report_gaps(markup), step
    assert "ofullständig" in partial_reports[case]["index"]


@pytest.mark.slow
def test_one_year_of_bra_says_no_three_year_average(partial_reports):
    pages = partial_reports["first_data"]["html"]
    step2 = page_text(pages[2])
    assert "finns bara för 2023 (1 år)" in step2
    assert "Anmälda brott i Ljusdal, enskilda år" in step2
    assert "Ett treårsgenomsnitt kräver tre år i följd" in step2
    assert "finns bara för 2023 (1 år)" in page_text(pages[0])
    for source in ("socialtjänstens uppgifter", "kvinnojourens uppgifter"):
        assert source in step2.lower()
    assert "Socialtjänsten och Kvinnojouren" in step2 or "Socialtjänsten, Kvinnojouren" in step2


@pytest.mark.slow
def test_two_years_of_bra_and_no_survey_or_kolada(partial_reports):
    pages = partial_reports["two_years"]["html"]
    step2 = page_text(pages[2])
    assert "finns bara för 2023 och 2024 (2 år)" in step2
    assert "fetch kolada" in step2 and "skolenkäten" in step2.lower()
    gaps = provenance.report_gaps(pages[2])
    assert "nyckeltal från Kolada" in gaps and "skolenkäten" in gaps


@pytest.mark.slow
def test_no_registers_no_claims(partial_reports):
    pages = {s: page_text(m) for s, m in partial_reports["no_registers"]["html"].items()}
    assert "saknas bland parterna" not in pages[1]
    assert "Alla nyckelsektorer finns med" not in pages[1]
    assert "partnerregistret" in pages[1]
    assert "Samverkan har enats" not in pages[2]
    assert "ingen insats i inventeringen påverkar faktorn" not in pages[4]
    assert "Alla valda insatser har en fullständig logisk kedja" not in pages[4]
    assert "inventeringen av insatser" in pages[4].lower()
    assert "målregistret" in pages[5]
    assert "räknas inte i matrisen" in pages[2]  # no social services, shelter or survey
    index = partial_reports["no_registers"]["index"]
    assert "klar" not in index and index.count("ofullständig") == 6


def test_without_any_source_nothing_is_called_a_blind_spot(contexts):
    gavle = contexts["2180"]
    matrix = situation.coverage(gavle.definition, gavle.mapping, [])
    spots = situation.blind_spots(matrix, gavle.definition)
    assert not spots.empty  # every cell is empty without a source ...
    assert shown(situation_view.blind_spots(spots, gavle.definition, [])).strip() == ""
    assert "Ingen källa ser" in shown(situation_view.blind_spots(spots, gavle.definition))


def test_no_inventory_no_coverage_claim():
    """Without an inventory the coverage table is empty (its notice is shown), never
    'Ingen insats påverkar faktorn'."""
    import pandas as pd

    from vpanalysis.presentation import interventions as view

    priorities = pd.DataFrame({"factor_id": ["F1"], "name": ["Normer som accepterar våld"]})
    assert view.coverage_table(priorities, pd.DataFrame()).empty


def test_banner_and_footer_list_only_local_sources_with_data_here():
    """A municipality without social-services, shelter or survey data does not see them
    listed as sources of its report (issue 10.1)."""
    from types import SimpleNamespace

    from vpanalysis import report

    manifest = {
        "sources": {
            "bra": {"example": True, "years": [2015, 2024], "regions": ["2161", "2180"]},
            "socialtjanst": {"example": True, "years": [2015, 2024], "regions": ["2161"]},
            "skolenkat": {"example": True, "years": [2016, 2024], "regions": ["2161"]},
        }
    }
    ctx = SimpleNamespace(manifest=manifest, municipality_code="2180", registers=None)
    page = report.Page.__new__(report.Page)
    page.context = ctx
    assert page.with_data(["bra", "socialtjanst", "skolenkat", "registers"]) == ["bra", "registers"]
    ctx.municipality_code = "2161"
    assert page.with_data(["bra", "socialtjanst"]) == ["bra", "socialtjanst"]


def test_the_same_notice_is_shown_once_then_referred_to():
    page = fake_page()
    first = visible(shown(page.missing("Partnerregistret", "partners")))
    second = visible(shown(page.missing("Partnerregistret", "partners")))
    other = visible(shown(page.missing("Partnerregistret", "partners", means="Inget bedöms.")))
    assert "Partnerregistret finns inte i underlaget" in first
    assert "finns inte i underlaget" not in second and "se ovan" in second
    assert "Partnerregistret saknas för Gävle" in second
    assert "Avsnittet kan därför inte visas." in second
    assert "Inget bedöms." in other and "finns inte i underlaget" not in other
    # a different reason is a different notice
    third = visible(shown(page.missing("Partnerregistret", "partners", why="finns bara för 2023.")))
    assert "finns bara för 2023." in third
    assert page.gap_names() == ["partnerregistret"]
