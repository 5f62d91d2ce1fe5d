"""The verdicts of :mod:`vpanalysis.verdicts` in Swedish, stated once for every report:
the words, the short text "Så läser du osäkerheten" each report shows once, and the
methods appendix that names the methods (so the running text need not).
"""

from __future__ import annotations

import math

from vpanalysis import report, verdicts

#: A comparison's verdict in words (keys: :data:`vpanalysis.verdicts.COMPARISONS`).
COMPARISON_WORDS = {
    "higher": "högre",
    "lower": "lägre",
    "no_difference": "ingen säker skillnad",
    "too_few": "för få fall för en bedömning",
    "not_compared": "–",
}
#: A trend's verdict in words (keys: :data:`vpanalysis.verdicts.TRENDS`).
TREND_WORDS = {
    "up": "ökar",
    "down": "minskar",
    "no_change": "ingen säker förändring",
    "too_few_years": "för få år för en bedömning",
    "too_few_cases": "för få fall för en bedömning",
}
#: A goal's status in words (keys: :data:`vpanalysis.verdicts.GOAL_STATUSES`).
STATUS_WORDS = {
    "reached": "Målet är nått",
    "on_track": "På väg mot målet",
    "within_margin": "Inom felmarginalen",
    "not_on_track": "Inte på väg mot målet",
    "no_data": "Inget uppföljningsvärde än",
}
#: ``within_margin`` of a value without an interval: the line cannot be judged yet.
UNDECIDED_WORDS = "Kan inte avgöras än"
#: What a goal's notes add to its status (keys: :data:`vpanalysis.verdicts.GOAL_NOTES`).
NOTE_WORDS = {
    "no_interval": "värdet saknar osäkerhetsmått",
    "one_value": "bara ett värde efter utgångsläget",
    "averaged": "treårsgenomsnitt, eftersom antalen är små",
}


def comparison_word(code: object) -> str:
    """A comparison code in words (an unknown code as it is)."""
    return COMPARISON_WORDS.get(str(code), str(code))


def trend_word(code: str, rate_ratio: float = math.nan) -> str:
    """A trend in words, with the yearly change when it is sure: ``"ökar (+3,2 % per
    år)"``, ``"ingen säker förändring"``."""
    word = TREND_WORDS.get(code, code)
    if code in ("up", "down") and not math.isnan(rate_ratio):
        change = (rate_ratio - 1) * 100
        return f"{word} ({change:+.1f} % per år)".replace(".", ",")
    return word


def status_text(status: str, notes=()) -> str:
    """A goal's status with its notes: ``"Inom felmarginalen (värdet saknar
    osäkerhetsmått; bara ett värde efter utgångsläget)"``."""
    text = STATUS_WORDS[status]
    if status == "within_margin" and "no_interval" in notes:
        text = UNDECIDED_WORDS  # no margin of error to be within: too early to say
    said = [NOTE_WORDS[n] for n in notes if n in NOTE_WORDS]
    return f"{text} ({'; '.join(said)})" if said and status != "no_data" else text


def reading_guide_text() -> str:
    """The rule, in a few sentences of plain Swedish (Markdown)."""
    return (
        "**Så läser du osäkerheten.** Varje värde är en skattning: antalet händelser ett år "
        "beror också på slumpen, mest i en liten kommun. Intervallet inom parentes "
        "(95 % konfidensintervall) visar hur osäker skattningen är. "
        "**Högre** eller **lägre** skrivs bara när ett test visar att skillnaden är säker "
        "(på 5 %-nivån). **Ingen säker skillnad** betyder att skillnaden kan bero på "
        "slumpen, inte att värdena är lika. Att två intervall överlappar betyder inte att "
        "det saknas skillnad; därför jämförs värdena med ett test av skillnaden, inte genom "
        "att se om strecken överlappar. **För få fall för en bedömning** skrivs när ett "
        f"antal per 100 000 invånare bygger på färre än {verdicts.MIN_EVENTS} händelser, "
        f"eller en andel på färre än {verdicts.MIN_DENOMINATOR} svarande; då görs ingen "
        "jämförelse alls. En trend (**ökar**, **minskar**, **ingen säker förändring**) "
        "bedöms på samma sätt i alla rapporter, ur alla årsvärden. Metoderna beskrivs i "
        "slutet av rapporten."
    )


def reading_guide():
    """:func:`reading_guide_text` for a notebook's output."""
    return report.markdown(reading_guide_text())


def methods_appendix_text() -> str:
    """The methods behind the verdicts (Markdown), for the end of a report."""
    return (
        "## Metodbilaga\n\n"
        "* **Antal per 100 000 invånare**: konfidensintervallet är exakt (Poisson) under "
        "10 händelser och enligt Byars metod från 10. **Andelar**: Wilsons intervall.\n"
        "* **Jämförelse med riket** (och med ett nyckeltal från Kolada, som är en "
        "totalräkning): rikets osäkerhet är liten, så kommunens värde är högre eller lägre "
        "när rikets värde ligger utanför kommunens 95 % konfidensintervall (samma regel som "
        "Fingertips, Storbritanniens folkhälsostatistik). Kommunen jämförs aldrig med länet "
        "som helhet, som innehåller kommunen själv, utan med övriga länet.\n"
        "* **Jämförelse mellan två osäkra värden** (tjejer och killar, två kommuner, "
        "kommunen och övriga länet, kommunen och jämförelsegruppen i skolenkäten, "
        "baslinjen och nu): för antal ett exakt test av två Poissonfördelade antal "
        "(villkorat på summan), för andelar ett z-test av två andelar; där bara värdena och "
        "deras intervall finns, ett test av skillnaden med medelfelen räknade ur "
        "intervallen (Altman och Bland 2011).\n"
        f"* **För få fall**: ingen bedömning under {verdicts.MIN_EVENTS} händelser (som "
        f"Fingertips) eller under {verdicts.MIN_DENOMINATOR} svarande.\n"
        "* **Trend**: Poissonregression av årens antal med befolkningen som exponering; "
        "ökar eller minskar skrivs bara när trenden är säker på 5 %-nivån både i den "
        "modellen och när variansen skalas med överspridningen (kvasi-Poisson). Minst fem "
        f"år och minst {verdicts.MIN_EVENTS} händelser sammanlagt.\n"
        "* **Måluppfyllelse**: det senaste värdet jämförs med en rak linje från "
        "utgångsläget till målet. Täcker intervallet målet eller linjens värde är "
        "statusen *inom felmarginalen*. Ett värde utan intervall bedöms *på väg* eller "
        "*inte på väg* först när två värden efter utgångsläget ligger på samma sida om "
        "linjen. Där antalen är små används treårsgenomsnitt.\n"
        "* **Före och efter en insats**: segmenterad Poissonregression (avbruten "
        "tidsserie) med en nivå- och en trendförändring vid startåret."
    )


def methods_appendix():
    """:func:`methods_appendix_text` for a notebook's output."""
    return report.markdown(methods_appendix_text())
