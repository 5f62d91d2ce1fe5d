"""The rendered reports (Ljusdal) say only what the data support, in one vocabulary
(issue 10, points 2-5, 11, 14, 15): the new phrases are there and the old ones are gone."""

from __future__ import annotations

import html
import re

import pytest
from conftest import report_html

pytestmark = pytest.mark.slow

#: Phrasings of the old, different rules, and words the reader should not meet.
OLD = (
    "likvärdig",
    "som jämförelsen",
    "räknas som slump",
    "säkert högre",
    "säkert lägre",
    "strecken inte överlappar",
    "ryggradsdiagram",
    "minst så stort",
    "Lägst andel utbildade",
)
PATHS = re.compile(r"data/raw|data/processed|\.parquet|\.csv|\.yaml|logic_models|registers/")


def visible(page: str) -> str:
    """The text a reader sees: no scripts, styles, tags or attributes (images neither)."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\s+", " ", html.unescape(text)).replace("\xa0", " ")


@pytest.fixture(scope="module", params=[0, 2, 5])
def shown(request, rendered_reports) -> tuple[int, str]:
    return request.param, visible(report_html(rendered_reports, request.param))


def test_the_rule_is_stated_once_and_the_methods_in_an_appendix(shown):
    step, text = shown
    assert text.count("Så läser du osäkerheten. Varje värde") == 1, step  # stated once
    said = text.lower()
    assert "ingen säker skillnad" in said and "för få fall för en bedömning" in said
    appendix = text.rsplit("Metodbilaga", 1)  # the heading, not the table of contents
    assert len(appendix) == 2, step
    assert "kvasi-Poisson" in appendix[1]
    assert "kvasi" not in appendix[0].lower() and "quasi" not in appendix[0].lower()


@pytest.mark.parametrize("step", [0, 2, 5])
def test_dots_are_quoted_in_the_text(rendered_reports, step):
    page = report_html(rendered_reports, step)
    around = re.findall(r"(.)<code>\.\.</code>(.)", page)
    assert around and all(pair == ("”", "”") for pair in around), (step, around)
    assert "”..” betyder" in visible(page)  # the footer too


def test_no_old_phrasing_no_paths_no_english(shown):
    step, text = shown
    for old in OLD:
        assert old not in text, (step, old)
    assert not PATHS.search(text), (step, PATHS.search(text))
    assert not re.search(r"\brate\b", text), step
    assert "BRÅ" not in text, step  # the agency is Brå


def test_step_2_reads_police_statistics(rendered_reports):
    text = visible(report_html(rendered_reports, 2))
    for phrase in ("mörkertalet", "Nationella trygghetsundersökningen (NTU)",
                   "brott, inte personer", "där de begicks", "konstaterat dödligt våld",
                   "inte från kommunens lokala brottsförebyggande råd"):  # fmt: skip
        assert phrase in text, phrase
    # the consent law of 1 July 2018 breaks the series of rape, which crosses it
    assert "samtyckeslagen" in text and "SFS 2018:618" in text and "prop. 2017/18:177" in text
    # local sources: what is discovered, borders, overlap, small numbers, 0, consent
    for phrase in ("upptäcker", "korsar kommungränser", "ska inte summeras",
                   "läs inte 1 fall ett år mot 3", "En 0:a betyder",
                   "bara med föreningens samtycke"):  # fmt: skip
        assert phrase in text, phrase
    # trends in the one vocabulary
    assert re.search(r"(ökar|minskar) \([+-]\d+,\d % per år\)|ingen säker förändring", text)


def test_step_5_goals_are_honest_about_uncertainty(rendered_reports):
    text = visible(report_html(rendered_reports, 5))
    assert "Inom felmarginalen" in text
    assert "värdet saknar osäkerhetsmått" in text  # the Kolada goal
    assert "Linjen mot målet samma år" in text
    # the reported-crime goal is warned about, with self-reported exposure suggested
    assert "mäts med anmälda brott" in text and "fler vågar anmäla" in text
    assert "Skillnad mot baslinjen" in text and "Trend (årsvärden)" in text
    summary = text.split("uppföljning i korthet", 1)[1]
    assert "Inom felmarginalen: ”" in summary  # every goal, with its uncertainty
    assert "arrangörerna uppskattar" in summary
