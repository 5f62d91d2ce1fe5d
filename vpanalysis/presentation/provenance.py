"""Provenance and example-data text of every report, in one place.

The example-data banner (on screen and in the top margin of every printed page), the
provenance footer (sources, example or real data, vintage, package version, run date),
the Swedish names of the sources and the sign for a value that is missing or withheld.
"""

from __future__ import annotations

import datetime as dt
import html
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
}


def example_sources(manifest: Mapping) -> list[str]:
    """Sources in the manifest that are synthetic example data."""
    sources = manifest.get("sources", {})
    return sorted(name for name, info in sources.items() if info.get("example", True))


def banner(manifest: Mapping, used: Iterable[str] | None = None, extra: Iterable[str] = ()):
    """The example-data banner; empty when every used source is real data.

    ``extra`` names further example sources that the manifest does not track (such as
    ``"registers"`` when the register rows shown are marked ``example``).
    """
    examples = example_sources(manifest)
    if used is not None:
        examples = [s for s in examples if s in set(used)]
    examples += [s for s in extra if s not in examples]
    if not examples:
        return HTML("")
    labels = ", ".join(SOURCE_LABELS.get(s, s) for s in examples)
    return HTML(
        '<div class="vp-banner vp-banner-fixed" role="note">'
        "EXEMPELDATA – rapporten bygger på påhittade (syntetiska) uppgifter och beskriver inte "
        f"verkligheten i någon kommun. Gäller: {html.escape(labels)}.</div>" + _PRINT_BANNER
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
