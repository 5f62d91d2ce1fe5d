"""The step-1 report shows Ljusdal's partner register as the library reads it."""

from __future__ import annotations

import html
import re

import pytest
from conftest import REPORT_MUNICIPALITY, report_html

from vpanalysis import registers
from vpanalysis.presentation import collaboration as presentation
from vpanalysis.steps import collaboration

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def regs(built_data):
    return registers.load_registers(built_data / "raw" / "registers").for_municipality(
        REPORT_MUNICIPALITY
    )


def test_partners_structure_and_training_days(rendered_reports, regs):
    page = html.unescape(report_html(rendered_reports, 1))
    partners = presentation.partner_table(regs.partners)
    for organisation in partners["Organisation"]:
        assert f"<td>{organisation}</td>" in page
    structure = presentation.steering_table(regs.partners)
    lead = structure[structure["Nivå"] == "Ledningsgrupp"].iloc[0]
    assert f"<td>{int(lead['Antal parter'])}</td>" in page
    days = presentation.training_days_table(regs.training_days)
    for date in days["Datum"]:
        assert f"<td>{date}</td>" in page
    # the register rows are examples, so the banner names the registers
    banner = re.search(r'<div class="vp-banner[^"]*"[^>]*>(.*?)</div>', page, re.S).group(1)
    assert "EXEMPELDATA" in banner
    assert "Kommunens register för det våldsförebyggande arbetet" in banner


def test_missing_key_sector_is_flagged(rendered_reports, regs):
    page = html.unescape(report_html(rendered_reports, 1))
    missing = collaboration.missing_key_sectors(regs.partners, municipalities=[REPORT_MUNICIPALITY])
    # Ljusdal's example register has every key sector; the check's other branch (a
    # missing sector named) is covered in test_steps_collaboration.py
    assert missing.empty
    assert "saknas bland parterna" not in page
    # ... but Omsorgsförvaltningen trains its staff without being a partner, so the report
    # does not say that every key sector is present
    assert "Omsorgsförvaltningen utbildar personal i våldsprevention, men är inte part" in page
    assert presentation.SECTORS_OK not in page
    assert "Alla nyckelsektorer finns med bland parterna." not in page


def test_leadership_summary(rendered_reports):
    page = html.unescape(report_html(rendered_reports, 1))
    box = re.search(r'<div class="vp-summary".*?</div>', page, re.S).group(0)
    assert "Sammanfattning för ledningen – Ljusdal" in box
    assert "Data pekar på att prioritera (steg 3)" in box and "Normer som accepterar våld" in box
    assert "Lagen (2023:196)" in box and "åtgärdsplan" in box and "lägesbild" in box
    assert "Barnperspektivet" in box and "barnfridsbrott" in box
    assert "dem som utövar våld" in box
    assert "Omsorgsförvaltningen" in box
    assert "våld mot äldre" in box and "prostitution och människohandel" in box
