"""Provenance and example-data text of every report, in one place.

The example-data banner (on screen and in the top margin of every printed page), the
provenance footer (sources, example or real data, vintage, package version, run date),
the Swedish names of the sources and the sign for a value that is missing or withheld.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Iterable, Mapping

import pandas as pd
from IPython.display import HTML

from vpanalysis import __version__

#: The sign for a value that is missing or not published (SCB's "..").
SUPPRESSED = ".."

#: Swedish display names of the data sources (keys as in the tidy tables).
SOURCE_LABELS = {
    "bra": "Brottsförebyggande rådet (Brå), anmälda brott",
    "scb": "SCB, befolkning (TAB638)",
    "kolada": "Kolada (RKA)",
    "socialtjanst": "Socialtjänsten (lokal uppgift)",
    "kvinnojour": "Kvinnojouren (lokal uppgift)",
    "skolenkat": "Skolenkät (lokal uppgift)",
    "registers": "Kommunens register för det våldsförebyggande arbetet",
    "factors": "Faktorkatalogen (gemensam för samverkan)",
}


#: The class of the JSON element in a report's footer that lists what the report's
#: sections lacked (:meth:`vpanalysis.report.Page.footer`); the index page reads it
#: (:func:`report_gaps`).
GAPS_CLASS = "vp-gaps"

#: The workspace's instructions (file name) that every "Kom igång" text points to, in
#: words ("arbetsytans instruktioner"): the reports name no files.
INSTRUCTIONS = "LÄSMIG.md"

#: What a report may lack and how to get it: key -> (Swedish name in words, how to get it).
#: Register keys are the fields of :class:`vpanalysis.registers.Registers`; source keys are
#: the manifest's. Named in words, never as file paths (paths belong in the instructions).
NEEDS: dict[str, tuple[str, str]] = {
    "partners": (
        "partnerregistret",
        "Fyll i partnerregistret med samverkans parter, deras roller, mandat och resurser.",
    ),
    "training_days": (
        "loggen över utbildningsdagar",
        "Fyll i loggen över utbildningsdagar med ledningsgruppens gemensamma utbildningar.",
    ),
    "factors": (
        "faktorkatalogen",
        "Fyll i faktorkatalogen med de risk- och skyddsfaktorer som samverkan vill bedöma.",
    ),
    "interventions": (
        "inventeringen av insatser",
        "Fyll i inventeringen av insatser med kommunens pågående och planerade insatser och "
        "vilka faktorer de påverkar.",
    ),
    "logic_models": (
        "registret över logiska kedjor",
        "Beskriv den logiska kedjan för varje vald insats i registret över logiska kedjor.",
    ),
    "goals": (
        "målregistret",
        "Fyll i målregistret med målen, deras indikatorer, utgångsvärden och målår.",
    ),
    "training_plan": (
        "utbildningsplanen",
        "Fyll i utbildningsplanen med hur många medarbetare per förvaltning som ska utbildas.",
    ),
    "training_log": (
        "utbildningsloggen",
        "Fyll i utbildningsloggen med genomförda utbildningar och antal deltagare.",
    ),
    "activities": (
        "aktivitetsregistret",
        "Fyll i aktivitetsregistret med genomförda aktiviteter och hur många de nådde.",
    ),
    "definition": (
        "den gemensamma definitionen av våld",
        "Skriv in samverkans beslutade definition av våld i definitionsmallen.",
    ),
    "bra": (
        "Brås statistik över anmälda brott",
        "Hämta Brås statistik över anmälda brott per kommun, ett år och en brottskategori i "
        "taget, med kommandot vpanalysis fetch bra.",
    ),
    "scb": (
        "SCB:s befolkningsstatistik",
        "Hämta befolkningen från SCB med kommandot vpanalysis fetch scb-population.",
    ),
    "kolada": (
        "nyckeltal från Kolada",
        "Hämta nyckeltalen från Kolada med kommandot vpanalysis fetch kolada, för kommunen, "
        "de jämförda kommunerna, länet och riket.",
    ),
    "socialtjanst": (
        "socialtjänstens uppgifter om våld",
        "Be socialtjänsten om antal personer per år och kategori och lägg filen i mappen för "
        "socialtjänstens uppgifter.",
    ),
    "kvinnojour": (
        "kvinnojourens uppgifter",
        "Be kvinnojouren om antal personer per år och kategori och lägg filen i mappen för "
        "kvinnojourens uppgifter; att publicera dem kräver föreningens samtycke.",
    ),
    "skolenkat": (
        "skolenkäten",
        "Lägg skolenkätens svar (en rad per elev) och dess kodbok i mappen för skolenkäten.",
    ),
}


def need_name(key: str) -> str:
    """The Swedish name (in words) of a register or source in :data:`NEEDS`."""
    return NEEDS[key][0] if key in NEEDS else SOURCE_LABELS.get(key, key)


def get_started(keys: Iterable[str]) -> str:
    """The "Kom igång" sentence(s) for the registers or sources ``keys`` (plain text)."""
    steps = [NEEDS[k][1] for k in dict.fromkeys(keys) if k in NEEDS]
    steps.append("Arbetsytans instruktioner visar hur.")
    return " ".join(steps)


def example_sources(manifest: Mapping) -> list[str]:
    """Sources in the manifest that are synthetic example data."""
    sources = manifest.get("sources", {})
    return sorted(name for name, info in sources.items() if info.get("example", True))


def banner(manifest: Mapping, used: Iterable[str] | None = None, extra: Iterable[str] = ()):
    """The example-data banner; empty when every used source is real data.

    ``extra`` names further example sources that the manifest does not track (such as
    ``"registers"`` when the register rows shown are marked ``example``).
    """
    everything = example_sources(manifest)
    examples = everything
    if used is not None:
        examples = [s for s in examples if s in set(used)]
    examples += [s for s in extra if s not in examples]
    if examples:
        labels = ", ".join(SOURCE_LABELS.get(s, s) for s in examples)
        scope = f"Gäller: {html.escape(labels)}."
    elif everything and len(everything) == len(manifest.get("sources", {})):
        # a page that shows no figure, made from a workspace of example data only
        scope = "Hela underlaget är exempeldata."
    else:
        return HTML("")
    return HTML(
        '<div class="vp-banner vp-banner-fixed" role="note">'
        "EXEMPELDATA – rapporten bygger på påhittade (syntetiska) uppgifter och beskriver inte "
        f"verkligheten i någon kommun. {scope}</div>" + _PRINT_BANNER
    )


#: On paper the banner is repeated in the top margin of every page (CSS page margin box).
_PRINT_BANNER = (
    '<style>@media print { @page { @top-center { content: "EXEMPELDATA – påhittade '
    '(syntetiska) uppgifter, beskriver inte verkligheten i någon kommun"; '
    "font: 600 8pt sans-serif; color: #5c4200; background: #fff3cd; "
    "border: 1px solid #b58105; padding: 1mm 3mm; } } }</style>"
)


def provenance(manifest: Mapping, used: Iterable[str], run_date: dt.date | None = None):
    """The provenance footer: sources, example or real, data vintage, version, run date."""
    run_date = run_date or dt.date.today()
    used = list(dict.fromkeys(used))  # each source once, in the order given
    sources = manifest.get("sources", {})
    rows = []
    for name in used:
        info = sources.get(name, {})
        kind = "exempeldata (syntetiska)" if info.get("example", True) else "verkliga uppgifter"
        years = info.get("years")
        vintage = f", år {years[0]}–{years[1]}" if years else ""
        label = SOURCE_LABELS.get(name, name)
        # Real public data carry their attribution ("Källa: Kolada"), see vpanalysis.fetch.
        attribution = "" if info.get("example", True) else info.get("attribution") or ""
        retrieved = str((info.get("fetched") or {}).get("retrieved_at") or "")[:10]
        credit = f". {attribution}" if attribution else ""
        credit += f" (hämtad {retrieved})" if attribution and retrieved else ""
        rows.append(f"<li>{html.escape(label)}: {kind}{html.escape(vintage + credit)}</li>")
    built = manifest.get("built_at", "okänt")
    return HTML(
        '<div class="vp-footer"><strong>Om rapporten</strong><ul>'
        + "".join(rows)
        + "</ul>"
        + f"<p>Underlaget byggt: {html.escape(str(built))}. Rapporten skapad: "
        f"{run_date.isoformat()} med vpanalysis {html.escape(__version__)}. "
        f"”{SUPPRESSED}” betyder att uppgiften saknas eller inte redovisas: antal personer under "
        "sekretessgränsen från lokala källor, och antal som skulle gå att räkna fram ur summor, "
        "visas inte.</p></div>"
    )


def registers_are_example(regs) -> bool:
    """True when any row of any register table is marked as an example row."""
    from dataclasses import fields as dc_fields

    for f in dc_fields(regs):
        table = getattr(regs, f.name)
        if (
            isinstance(table, pd.DataFrame)
            and "example" in table.columns
            and table["example"].fillna(False).astype(bool).any()
        ):
            return True
    return False


def report_gaps(page: str) -> list[str] | None:
    """What a rendered report's sections lacked (names in words), from its footer's JSON
    element; ``None`` when the report has none (rendered before reports recorded it)."""
    # attributes in any order: the HTML exporter may rewrite them
    match = re.search(rf'<script\b[^>]*\bclass="{GAPS_CLASS}"[^>]*>(.*?)</script>', page, re.S)
    if not match:
        return None
    try:
        return list(json.loads(match.group(1).replace("<\\/", "</")).get("missing", []))
    except (ValueError, AttributeError):
        return None
