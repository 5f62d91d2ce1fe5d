"""Step 4 report for Ljusdal: inventory, coverage, gaps and logic models as the library says."""

from __future__ import annotations

import html as htmlmod

import pytest
from conftest import REPORT_MUNICIPALITY, report_html

from vpanalysis import context, registers
from vpanalysis.presentation import interventions as pi
from vpanalysis.steps import factors as fx
from vpanalysis.steps import interventions as iv

COMPARISON = ["2161", "2183", "2181"]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def regs(built_data):
    loaded = registers.load_registers(built_data / "raw" / "registers")
    return loaded.for_municipality(REPORT_MUNICIPALITY)


@pytest.fixture(scope="module")
def priorities(regs, built_data):
    ctx = context.load(REPORT_MUNICIPALITY, COMPARISON, [2015, 2024], built_data)
    analysis = fx.analyse(regs.factors, ctx.tables, REPORT_MUNICIPALITY, COMPARISON, [2015, 2024])
    return analysis.priorities


@pytest.fixture(scope="module")
def page(rendered_reports) -> str:
    return htmlmod.unescape(report_html(rendered_reports, 4))


def test_priorities_from_step_3_are_shown(page, priorities):
    start = page.index("Prioriterade förändringsfaktorer (från steg 3)")
    section = page[start : page.index("</table>", start)]
    for name in priorities["name"]:
        assert name in section


def test_every_intervention_of_the_inventory_is_listed(page, regs):
    assert len(regs.interventions) == 10
    for name in regs.interventions["name"]:
        assert name in page


def test_gap_factor_is_named(page, regs, priorities):
    found = iv.gaps(priorities, regs.interventions)
    if found.empty:  # Ljusdal's chosen interventions cover its priorities (the gap branch
        # is tested in test_steps_interventions.py)
        assert "Alla prioriterade faktorer påverkas av minst en insats" in page
        return
    start = page.index('<div class="vp-warning">', page.index("Luckor"))
    box = page[start : page.index("</div>", start)]
    for name in found["name"]:
        assert name in box
    for message in pi.gap_messages(priorities, regs.interventions):
        assert message in box


def test_logic_model_of_each_chosen_intervention(page, regs):
    chosen = regs.interventions[regs.interventions["chosen"]]
    assert len(chosen) == 2
    for _, row in chosen.iterrows():
        assert f"Logisk kedja: {row['name']} ({row['administration']})" in page
        table = iv.logic_model_table(regs.logic_models, row["intervention_id"])
        first_resource = table.loc[table["stage"] == "resources", "items"].iloc[0].split("; ")[0]
        assert first_resource in page
    for stage in registers.LOGIC_MODEL_STAGES.values():
        assert stage in page


def test_inventory_totals_match_the_library(page, regs):
    summary = iv.inventory_summary(regs.interventions).set_index("administration")
    total = summary.loc["Totalt"]
    start = page.index("Insatser per förvaltning och preventionsnivå")
    section = page[start : page.index("</table>", start)]
    assert f"<td>{int(total['n_interventions'])}</td>" in section
    cost = f"{int(total['cost_sek']):,}".replace(",", "\u00a0")
    assert cost in section
    if total["n_cost_missing"]:
        assert f"minst {cost}" in section and pi.COST_NOTE in htmlmod.unescape(page)
    # costs are kronor, never withheld: an unknown cost is "uppgift saknas", not ".."
    unknown = regs.interventions[regs.interventions["cost_sek"].isna()]
    assert len(unknown)  # the example inventory has one
    for name in unknown["name"]:
        row = page[page.index(f"<td>{name}</td>") :]
        assert "uppgift saknas" in row[: row.index("</tr>")]


def test_logic_models_are_checked_for_fit(page, regs, priorities):
    """Ljusdal's chosen interventions address its priorities and are followed by indicators
    of their own target group, so the report may say so; the routine of asking about
    violence is selective, not indicated."""
    assert iv.check_fit(regs.interventions, regs.logic_models, priorities).empty
    assert pi.LOGIC_MODELS_OK in page
    assert "Kontrollen nedan prövar också om kedjan" in page
    assert "En rutin där personalen frågar alla i en grupp om våld" in page
    row = page[page.index("Rutin för att fråga om våld") :]
    assert row[: row.index("</tr>")].count("Selektiv") == 1


def test_reach_is_contacts_without_venues(page):
    """Review 23: the summary's reach is contacts (the same person can count several
    times), and venues are not added to persons."""
    assert pi.CONTACTS_COLUMN in page and "Räckvidd (personer/år)" not in page
    assert "inte antalet unika personer" in page
    assert "Insatser som når verksamheter i stället för personer räknas inte" in page
    assert "Serveringsställen (räckvidden räknar dessa, inte personer)" in page


def test_the_fit_guide_names_every_check(page):
    """Review 10: the report says what the fit check tests, and says that every chain fits
    only because the check found nothing (see test_logic_models_are_checked_for_fit)."""
    assert "att varje långsiktig effekt har en indikator som mäter den" in page
    assert "för en insats i åk 4–9 svarar bara de äldsta deltagarna" in page
    assert "har en indikator för varje långsiktig effekt" in pi.LOGIC_MODELS_OK
