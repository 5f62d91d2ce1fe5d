"""The step-2 report shows what the library computes for Ljusdal on the example data."""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest
from conftest import REPORT_MUNICIPALITY, report_html

from vpanalysis import context, data, definitions, publication, registers
from vpanalysis.presentation import situation as view
from vpanalysis.report import interval, number
from vpanalysis.steps import followup, situation

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def page(rendered_reports) -> str:
    return html.unescape(report_html(rendered_reports, 2))


@pytest.fixture(scope="module")
def tables(built_data) -> data.Tables:
    return data.Tables.load(built_data)


def _cards(page: str) -> dict[str, str]:
    pairs = re.findall(
        r'<div class="vp-kf-value">([^<]*)</div><div class="vp-kf-label">([^<]*)</div>', page
    )
    return {label: value for value, label in pairs}


def test_key_figures_equal_the_library(page, tables):
    cards = _cards(page)
    k = tables.kolada
    mine = k[(k["kpi"] == "N07403") & (k["region_code"] == REPORT_MUNICIPALITY) & (k["sex"] == "T")]
    latest = mine.dropna(subset=["value"]).sort_values("year").iloc[-1]
    label = f"anmälda våldsbrott per 100 000 inv. ({int(latest['year'])}, Kolada)"
    assert cards[label] == number(latest["value"], 0)

    rated = situation.police_rates(tables, [REPORT_MUNICIPALITY], range(2015, 2025))
    rolled = situation.police_rolling(rated)
    assault = rolled[rolled["category"] == "Misshandel inkl. grov"].dropna(subset=["value"])
    last = assault.sort_values("year_to").iloc[-1]
    hits = [v for lab, v in cards.items() if lab.startswith("misshandel per 100 000")]
    assert hits == [number(last["value"], 0)]
    assert interval(last["lower"], last["upper"], 0) in page


def test_police_table_has_every_category_with_interval(page, tables):
    rated = situation.police_rates(
        tables, situation.comparison_regions(REPORT_MUNICIPALITY, []), range(2015, 2025)
    )
    summary = view.police_table(
        situation.police_summary(rated, REPORT_MUNICIPALITY, "0021"),
        definitions.load_definition(),
    )
    assert len(summary) == 17  # barnfridsbrott, olaga förföljelse ... since issue 10
    assert {"Barnfridsbrott", "Olaga förföljelse", "Olaga integritetsintrång"} <= set(
        summary["Brottskategori"]
    )
    for _, row in summary.iterrows():
        assert row["Brottskategori"] in page
        assert number(row["Per 100 000 och år"], 1) in page  # the rate, one decimal
    assert "Fysiskt våld" in set(summary["Form av våld"])
    assert "Jämfört med övriga länet" in page and "likvärdig" not in page
    assert "Jämfört med länet" not in page  # never with a region that contains it
    said = set(summary["Jämfört med övriga länet"]) | set(summary["Jämfört med riket"])
    assert said <= {"högre", "lägre", "ingen säker skillnad", "för få fall för en bedömning"}
    assert "för få fall för en bedömning" in said  # e.g. mord och dråp: few cases


def test_survey_shares_and_suppression(page, tables, built_data):
    # the shares come from the protected publication (the report's, as it stored it)
    ctx = context.load(REPORT_MUNICIPALITY, ["2161", "2183", "2181"], [2015, 2024], built_data, 5)
    cells = publication.ensure(ctx).cells
    prevalence = situation.published_prevalence(cells, tables.codebook, REPORT_MUNICIPALITY)
    overall = prevalence[(prevalence["grade"] == "alla") & (prevalence["sex"] == "T")]
    physical = overall[overall["item"] == "utsatt_fysiskt"].iloc[0]
    cell = f"{number(physical['value'], 1)} ({interval(physical['lower'], physical['upper'], 1)})"
    assert cell in page
    # the publication withholds some of Ljusdal's cells; the report shows them as ".."
    assert cells.loc[cells["region"] == REPORT_MUNICIPALITY, "withheld"].any()
    assert ">..<" in page.replace(" ", "")


def test_baseline_is_saved_for_step_5(built_data, tables):
    saved = pd.read_parquet(data.baseline_path(REPORT_MUNICIPALITY, built_data))
    goals = registers.load_registers(built_data / "raw" / "registers").goals
    year = followup.baseline_year(goals, REPORT_MUNICIPALITY)
    assert year == 2020  # Ljusdal's goals start from 2020
    fresh = situation.baseline_table(tables.up_to(year), REPORT_MUNICIPALITY, 5)
    assert list(saved["indicator"]) == list(fresh["indicator"])
    # stored raw; as shown at the threshold it is what the step-2 table withholds
    shown = data.protect_baseline(saved, 5)
    assert shown["value"].astype("float64").equals(fresh["value"].astype("float64"))
    assert {"bra:Misshandel inkl. grov", "kolada:N07403", "skolenkat:utsatt_fysiskt"} <= set(
        saved["indicator"]
    )
    periods = dict(zip(saved["indicator"], saved["period"], strict=True))
    assert periods["bra:Misshandel inkl. grov"] == "2018–2020"
    assert periods["skolenkat:utsatt_fysiskt"] == "2020"


def test_coverage_matrix_names_blind_spots(page):
    assert "Ingen källa ser försummelse i kategorin våld i nära relation." in page
    assert "Källor per form av våld och relation" in page


def test_children_and_the_real_gaps_in_the_blind_spots(page):
    """Point 6 of issue 10: social services' honour-related violence (0–17) and the survey's
    pupils are violence against children; the real gaps are named."""
    assert (
        "Ingen källa ser hedersrelaterat våld och förtryck i kategorin våld mot barn." not in page
    )
    assert "Ingen källa ser sexuellt våld i kategorin våld mot barn." not in page
    gaps = [
        "Våld mot äldre",
        "Våld mot personer med funktionsnedsättning",
        "Våld mot hbtqi-personer",
        "Våld i ungas parrelationer",
        "Prostitution och människohandel",
        "Våld som hälso- och sjukvården ser",
    ]
    for gap in gaps:
        assert gap + ":" in page


def test_forms_honour_violence_latent_violence_and_isdal(page):
    """Point 12 of issue 10: the forms as the definition describes them."""
    assert "Kollektiv kontroll: familjen eller släkten" in page
    assert "barnäktenskap, tvångsäktenskap" in page and "sexualitet" in page
    assert "Latent våld" in page and "Hotet om nytt våld" in page
    assert "Meningen med våld (Gothia förlag 2001" in page
    assert "Gothia 2017" not in page


def test_only_real_blind_spots_are_listed(page):
    """A form is a blind spot only in a relation where it can occur (defect 1, c10b)."""
    spots = re.findall(r"Ingen källa ser ([^.<]+)\.", page)
    assert spots == ["försummelse i kategorin våld i nära relation"]
    assert "ej tillämpligt" in page  # e.g. economic violence against children


def test_survey_table_says_whether_girls_and_boys_differ(page, built_data, tables):
    """Girls against boys from the published cells, in the shares' words (defect 3)."""
    ctx = context.load(REPORT_MUNICIPALITY, ["2161", "2183", "2181"], [2015, 2024], built_data, 5)
    cells = publication.ensure(ctx).cells
    prevalence = situation.published_prevalence(cells, tables.codebook, REPORT_MUNICIPALITY)
    said = situation.sex_verdicts(prevalence).set_index("item")["verdict"]
    table = page[page.index("Andel elever som svarat ja, senaste undersökningen") :]
    table = table[: table.index("</table>")]
    assert "<th>Tjejer jämfört med killar</th>" in table
    row = table[table.index("Tvingad till sexuella handlingar") :]
    row = row[: row.index("</tr>")]
    assert said["utsatt_sexuellt"] == "higher" and row.rstrip().endswith("<td>högre</td>")
    assert set(said.index) >= {"utsatt_fysiskt", "utsatt_trakasserier"}


def test_respondents_are_shown_as_a_published_lower_bound(page):
    """Respondents are withheld; the report shows "minst N" and says why (defect 6)."""
    table = page[page.index("Antal elever som svarat") :]
    table = table[: table.index("</table>")]
    assert re.search(r"minst \d", table)
    assert "minst N" in page and "hoppade över frågan" in page


def test_police_reading_and_baseline_on_the_page(page):
    """Review 20, 27, 28: the survey is the nearest to NTU for pupils only; the baseline
    has Brå's counts, Kolada's unit and the few-cases flag; the new offence's break."""
    assert "för unga i åk 9 och gy 2 är skolenkäten den närmaste motsvarigheten" in page
    assert "för en kommun är skolenkätens svar" not in page
    assert "Anmälda brott (antal)" in page and "enligt Kolada</td>" not in page
    assert "per 100 000 invånare</td>" in page
    assert "för få fall för en bedömning (under 10 brott)" in page
    assert "Olaga integritetsintrång blev ett eget brott" in page
    assert "Barnfridsbrott: Barnfridsbrott" not in page
    assert "kommunen och övriga länet" in page  # the methods appendix
