"""The frame of every report (banner, footer, notices) names only what a figure rests on,
and no file names (review of Gävle's reports, points 5 and 29)."""

import re

import pytest

from vpanalysis import context, report


@pytest.fixture(scope="module")
def contexts(built_data):
    return {code: context.load(code, data_dir=built_data) for code in ("2161", "2180")}


def text_of(obj) -> str:
    markup = obj._repr_html_() if hasattr(obj, "_repr_html_") else obj.data
    markup = re.sub(r"<style.*?</style>|<script.*?</script>", " ", markup, flags=re.S)
    return re.sub(r"<[^>]+>", " ", markup)


def test_registers_are_listed_only_for_a_municipality_with_register_rows(contexts):
    gavle, ljusdal = report.Page(contexts["2180"], 1), report.Page(contexts["2161"], 1)
    # Gävle has no registers of its own: only the shared factor catalogue is left
    assert gavle.with_data(["registers", "skolenkat", "kolada"]) == ["factors", "kolada"]
    assert ljusdal.with_data(["registers", "skolenkat", "kolada"]) == [
        "registers",
        "skolenkat",
        "kolada",
    ]
    # one register's key: listed (as the registers) only when that register has rows here
    assert gavle.with_data(["goals", "training_log", "bra"]) == ["bra"]
    assert ljusdal.with_data(["goals", "training_log", "bra"]) == ["registers", "bra"]


def test_gavles_banner_and_footer_do_not_name_registers_it_lacks(contexts):
    page = report.Page(contexts["2180"], 1)
    used = ["registers", "skolenkat", "kolada"]
    head, foot = text_of(page.header(used)), text_of(page.footer(used))
    for text in (head, foot):
        assert "Kommunens register" not in text
        assert "Skolenkät" not in text
        assert "Faktorkatalogen (gemensam för samverkan)" in text
    assert "Faktorkatalogen (gemensam för samverkan): exempeldata" in foot
    ljusdal = report.Page(contexts["2161"], 1)
    assert "Kommunens register för det våldsförebyggande arbetet" in text_of(ljusdal.header(used))


def test_no_file_name_in_a_missing_notice_or_the_footer(contexts):
    page = report.Page(contexts["2180"], 4)
    notice = text_of(page.missing("Inventeringen av insatser", "interventions"))
    foot = text_of(page.footer(["registers"]))
    for text in (notice, foot):
        assert "LÄSMIG" not in text and ".md" not in text
    assert "Arbetsytans instruktioner visar hur." in notice
    assert "Arbetsytans instruktioner visar hur de tas fram." in foot


def test_a_reading_guide_is_shown_only_with_its_section():
    import pandas as pd

    guide = "Så läser du tabellen: en rad per part."
    shown = text_of(report.guide(guide, pd.DataFrame({"a": [1]})))
    assert "Så läser du tabellen:" in shown and "en rad per part." in shown
    assert text_of(report.guide(guide, pd.DataFrame())).strip() == ""
    assert text_of(report.guide(guide, False)).strip() == ""
    assert "en rad per part." in text_of(report.guide(guide, True))


def test_the_comparison_report_lists_a_local_source_that_another_municipality_has(contexts):
    """Gävle's step 0 shows the other municipalities' survey shares: the survey is a source
    of that report although Gävle has none."""
    page = report.Page(contexts["2180"], 0)
    assert page.with_data(["bra", "skolenkat"]) == ["bra"]
    assert page.with_data(["bra", "skolenkat"], regions=["2180", "2161"]) == ["bra", "skolenkat"]
    assert "Skolenkät (lokal uppgift)" in text_of(
        page.footer(["bra", "skolenkat"], regions=["2180", "2161"])
    )


def test_the_unknown_response_rate_names_no_file():
    from vpanalysis.presentation import response

    assert "LÄSMIG" not in response.UNKNOWN and "Arbetsytans instruktioner" in response.UNKNOWN
