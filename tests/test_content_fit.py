"""Steps 0, 1 and 4 read as a coordinator would (issue 10): the Gävle reports (no
registers, no local sources) rendered once, then what they say and do not say."""

from __future__ import annotations

import html
import re

import pytest

from vpanalysis.runner import make_job, render

pytestmark = pytest.mark.slow

GAVLE = "2180"


@pytest.fixture(scope="module")
def gavle(built_data, tmp_path_factory) -> dict[int, str]:
    """The visible text of Gävle's reports for steps 0, 1 and 4."""
    from vpanalysis import baseline

    out = tmp_path_factory.mktemp("gavle")
    jobs = [make_job(step, GAVLE, out, data_dir=str(built_data)) for step in (0, 1, 4)]
    baseline.freeze_for(jobs)
    pages = {}
    for job in jobs:
        result = render(job, log_path=out / f"{job.stem}.log")
        assert result.status == "ok", (result.message, (out / f"{job.stem}.log").read_text())
        markup = result.path.read_text(encoding="utf-8")
        markup = re.sub(r"<(script|style)\b.*?</\1>", " ", markup, flags=re.S)
        text = html.unescape(re.sub(r"<[^>]+>", " ", markup))
        pages[job.step] = re.sub(r"\s+", " ", text)
    return pages


def test_step0_compares_with_the_rest_of_the_county_and_says_why(gavle):
    text = gavle[0]
    assert "Jämfört med övriga länet" in text and "Övriga länet" in text
    assert "Jämfört med länet" not in text
    assert "länet utan kommunen själv" in text
    # Gävle is over a fifth of Gävleborg: the report says how large and why it matters
    share = re.search(r"Gävle har (\d+) % av länets invånare", text)
    assert share and int(share.group(1)) > 20
    assert "drar kommunen länets värde mot sitt eget" in text


@pytest.mark.parametrize("step", [0, 1, 4])
def test_each_missing_notice_is_shown_once_per_report(gavle, step):
    text = gavle[step]
    full = re.findall(r"Uppgifter saknas för Gävle : (.+?) (?:finns|har) ", text)
    assert full, text[:500]
    repeated = {what for what in full if full.count(what) > 1}
    assert not repeated, repeated


def test_step1_says_once_that_the_partner_register_is_missing(gavle):
    text = gavle[1]
    assert text.count("Partnerregistret finns inte i underlaget") == 1
    assert text.count("Partnerregistret saknas för Gävle") == 3  # the later ones refer back
    # no claims about partners, sectors or training without the registers
    assert "saknas bland parterna" not in text and "Alla nyckelsektorer" not in text
    assert "Omsorgsförvaltningen" not in text


def test_step4_names_only_what_is_missing(gavle):
    text = gavle[4]
    assert text.count("Inventeringen av insatser finns inte i underlaget") == 1
    # the factor catalogue is there (the priorities are shown): it is not called missing
    assert "Prioriterade faktorer eller inventeringen" not in text
    footer = text[text.index("Rapporten är ofullständig") :]
    assert "faktorkatalogen" not in footer and "inventeringen av insatser" in footer
    assert "ingen insats i inventeringen påverkar faktorn" not in text
    assert "Alla valda insatser har en fullständig logisk kedja" not in text
    assert "döljs därför aldrig" not in text  # no cost note without an inventory


def test_step4_says_the_priorities_lack_the_survey_here(gavle):
    text = gavle[4]
    assert "Skolenkäten finns inte i underlaget för kommunen" in text
    assert "bygger därför bara på Kolada-nyckeltal" in text
    assert "kommunens skolenkät" not in text  # no claim of a survey Gävle does not have
    footer = text[text.index("Rapporten är ofullständig") :]
    assert "skolenkäten" in footer


def test_the_priority_basis_notice_only_without_a_survey(built_data):
    from vpanalysis import context, report
    from vpanalysis.presentation import interventions as view

    ljusdal = report.Page(context.load("2161", data_dir=built_data), 4)
    assert view.priority_basis(ljusdal).data == "" and ljusdal.gaps == []
    gavle = report.Page(context.load(GAVLE, data_dir=built_data), 4)
    assert "finns inte i underlaget för kommunen" in view.priority_basis(gavle).data
    assert gavle.gap_names() == ["skolenkäten"]


def test_gavles_frame_names_only_sources_behind_a_figure(gavle):
    """Review 5 and 29: Gävle has no registers (only the shared factor catalogue) and no
    local source of its own; no report names a file."""
    for step in (0, 1, 4):
        text = gavle[step]
        assert "Kommunens register för det våldsförebyggande arbetet" not in text, step
        assert "LÄSMIG" not in text and ".md" not in text, step
    for step in (1, 4):
        assert "Faktorkatalogen (gemensam för samverkan)" in gavle[step]
        assert "Skolenkät (lokal uppgift)" not in gavle[step]
        assert "Arbetsytans instruktioner visar hur" in gavle[step]
    # step 0 shows the other municipalities' survey shares: the survey is its source
    assert "Skolenkät (lokal uppgift): exempeldata" in gavle[0]
    assert "Brås (myndigheten Brottsförebyggande rådet)" in gavle[0] and "Brå:s" not in gavle[0]


def test_reading_guides_are_hidden_with_their_sections(gavle):
    """Review 31: no "how to read the table" for a table that is not there."""
    step1, step4 = gavle[1], gavle[4]
    for phrase in (
        "Så läser du tabellen",
        "Så läser du matrisen",
        "Rapporten bygger på kommunens partnerregister",
        "Kolumnen Avsatt tid",
        "Kontrollen nedan listar",
        "Loggen visar vilka dagar",
    ):
        assert phrase not in step1, phrase
    for phrase in (
        "Så läser du tabellen",
        "Så läser du tabellerna",
        "Tabellen visar vilka",
        "Kontrollen nedan prövar",
        "Här jämförs de prioriterade faktorerna",
        "Listan namnger",
    ):
        assert phrase not in step4, phrase
    # one notice for the inventory section, not one per table
    section = step4[step4.rindex("Inventering av förebyggande arbete") :]  # after the contents
    section = section[: section.index("Täcks de prioriterade faktorerna?")]
    assert section.count("Inventeringen av insatser") == 1
    assert "Logiska kedjor för valda insatser finns inte" not in step4  # said by the inventory's


def test_step1_summary_says_that_gavle_lacks_local_sources(gavle):
    """Review 12 and 37."""
    text = gavle[1]
    box = text[text.index("Sammanfattning för ledningen – Gävle") :]
    box = box[: box.index("Parter i samverkan")]
    assert "räknar de utsatta" not in box
    assert "Lokala källor (socialtjänsten, kvinnojouren, skolenkäten) saknas" in box
    assert "statistik över misstänkta personer" in box
    assert "valda utifrån kunskapsstöd och påverkbarhet" in box
    assert "valda på kunskapsstöd" not in box and "tydligt" not in box
