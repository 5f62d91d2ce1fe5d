"""The comparison report in Swedish: the collaborating municipalities side by side.

Takes the English frames of :mod:`vpanalysis.steps.comparison`; ``side_by_side`` and
``survey_side_by_side`` return the Swedish tables, the other functions what the notebook
displays (given the report's :class:`vpanalysis.report.Page`).
"""

from __future__ import annotations

import html

import pandas as pd
from IPython.display import HTML

from vpanalysis import plots, report
from vpanalysis.presentation import situation as situation_view
from vpanalysis.presentation.verdicts import comparison_word
from vpanalysis.steps import comparison as steps_comparison
from vpanalysis.steps import situation as steps_situation

#: The column of the comparison (each municipality against the county without itself).
COMPARED = "Jämfört med övriga länet"
REST = "Övriga länet"


def side_by_side(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`~vpanalysis.steps.comparison.side_by_side` with Swedish columns: area,
    period, 3-year count, rate with interval, the rest of the county's rate (the county
    without the municipality) and the comparison with it."""
    if table.empty:
        return pd.DataFrame()
    rows = []
    for r in table.to_dict("records"):
        if pd.isna(r["year_to"]):
            rows.append({"Område": r["region"], "Period": ""})
            continue
        municipal = r["role"] == "municipality"
        verdict = r.get("comparison") if municipal else None
        rest = r.get("rest_value") if municipal else None
        rows.append(
            {
                "Område": r["region"],
                "Period": f"{r['year_from']}–{r['year_to']}",
                "Antal (3 år)": r["count"],
                "Per 100 000 inv. och år": r["value"],
                "Nedre gräns": r["lower"],
                "Övre gräns": r["upper"],
                REST: "" if rest is None or pd.isna(rest) else report.number(rest, 1),
                COMPARED: comparison_word(verdict) if isinstance(verdict, str) else "",
            }
        )
    out = pd.DataFrame(rows)
    return out.astype({"Antal (3 år)": "Int64"}) if "Antal (3 år)" in out else out


def rest_of_county_note(table: pd.DataFrame, page: report.Page):
    """What *övriga länet* is, with the municipality's share of the county's population,
    and a warning when the municipality is a large share of it
    (:data:`~vpanalysis.steps.comparison.LARGE_SHARE`): its weight pulls the county's own
    value towards the municipality's. Nothing without a table."""
    if table.empty or "county_share" not in table:
        return HTML("")
    ctx = page.context
    mine = table[(table["region_code"] == ctx.municipality_code) & table["county_share"].notna()]
    text = (
        f"Kolumnen Övriga länet visar {ctx.county_name} utan kommunen på samma rad (per "
        "100 000 invånare och år): en kommun jämförs aldrig med ett område som den själv "
        "ingår i. Båda värdena är osäkra, så skillnaden prövas med ett test av två antal "
        "(se metodbilagan)."
    )
    if not mine.empty:
        share = float(mine["county_share"].iloc[0])
        percent = report.number(100 * share, 0)
        text += f" {page.name} har {percent} % av länets invånare."
        if share > steps_comparison.LARGE_SHARE:
            text += (
                f" Eftersom {page.name} är en så stor del av länet drar kommunen länets "
                "värde mot sitt eget; jämfört med hela länet skulle en skillnad se mindre ut "
                "än den är. Därför jämförs med övriga länet."
            )
    return HTML(f'<p class="vp-note">{html.escape(text)}</p>')


def bra_missing(page: report.Page, what: str = "Brås statistik över anmälda brott"):
    """The notice for a section without 3-year rates: Brå's statistics missing for the
    municipality, or there for too few years (:func:`situation_view.police_gap`)."""
    ctx = page.context
    tables = getattr(ctx, "tables", None)
    years = (
        steps_situation.source_years(tables, "bra", ctx.municipality_code)
        if tables is not None and tables.observations is not None
        else []
    )
    if years:
        return situation_view.police_gap(years, page, what)
    return page.missing(what, "bra")


def comparison_table(table: pd.DataFrame, category: str, page: report.Page):
    """The table of the collaborating municipalities, the county and Sweden."""
    return report.table(
        side_by_side(table),
        caption=f"{category}: samverkanskommunerna, övriga länet, länet och riket",
        decimals=1,
        source="Brå, anmälda brott; SCB, befolkning",
        if_empty=bra_missing(page),
    )


def funnel_chart(funnel, category: str, page: report.Page):
    """The funnel plot of the county's municipalities (``funnel``:
    :func:`~vpanalysis.steps.comparison.county_funnel`)."""
    if funnel is None:
        return bra_missing(page, "Brås statistik för länets kommuner")
    points, limits, county_level = funnel
    return report.chart(
        plots.funnel(
            points,
            limits,
            focus=page.name,
            baseline=county_level,
            xlabel="Befolkning (medel per år, logaritmisk skala)",
            ylabel="per 100 000 inv. och år",
            title=f"{category}, treårsgenomsnitt",
            log_x=True,
        ),
        what=(
            f"{category} per 100 000 invånare och år (treårsgenomsnitt) för länets kommuner "
            "mot befolkningens storlek, med länets nivå och kontrollgränser."
        ),
        how=(
            "En punkt mellan de streckade linjerna (95 %) har ingen säker skillnad mot "
            "länet: avvikelsen kan bero på slumpen. En punkt utanför dem är högre eller "
            "lägre än länet, och utanför de prickade linjerna (99,8 %) är skillnaden mycket "
            "tydlig. Kommunen i fokus är markerad."
        ),
    )


def map_chart(values: pd.Series, category: str, page: report.Page):
    """The county's municipalities shaded by their latest 3-year rate."""
    if values.dropna().empty:
        return bra_missing(page, "Brås statistik för länets kommuner")
    ctx = page.context
    return report.chart(
        plots.county_map(
            values,
            focus=ctx.municipality_code,
            title=f"{category}, per 100 000 inv. och år",
            legend_label="per 100 000 inv. och år",
        ),
        what=(
            f"{category} per 100 000 invånare och år (senaste treårsperiod) i "
            f"{ctx.county_name}s kommuner."
        ),
        how=(
            "Mörkare färg betyder högre nivå. Grå randiga kommuner saknar uppgift. Kommunen "
            "i fokus har tjock svart kant."
        ),
    )


def panels_chart(multiples: pd.DataFrame, page: report.Page):
    """Small multiples: every crime category, one line per collaborating municipality."""
    if multiples.empty:
        return bra_missing(page)
    return report.chart(
        plots.small_multiples(multiples, panel="category", focus=page.name, ylabel="per 100 000"),
        what=(
            "Anmälda brott per 100 000 invånare och år som rullande treårsgenomsnitt, en ruta "
            "per brottskategori och en linje per samverkanskommun."
        ),
        how=(
            "Jämför linjerna inom en ruta. Den tjocka linjen är kommunen i fokus. Varje ruta "
            "har egen skala, så jämför inte nivåer mellan rutor."
        ),
    )


def kolada(latest: pd.DataFrame, page: report.Page):
    """The latest Kolada KPIs per region (as in step 2)."""
    return situation_view.kolada(latest, page)


def survey_side_by_side(shares: pd.DataFrame) -> pd.DataFrame:
    """:func:`~vpanalysis.steps.comparison.survey_shares` as item × municipality (with its
    survey year): ``share (lower–upper)``, ``..`` where withheld."""
    return _side_by_side(shares, marks=False)


def survey_side_by_side_marks(shares: pd.DataFrame) -> pd.DataFrame:
    """The cells each share of :func:`survey_side_by_side` shows (same shape; lists of
    :func:`~vpanalysis.presentation.situation.share_cells`), or ``None`` without cell keys
    (:func:`~vpanalysis.steps.comparison.published_survey_shares` has them)."""
    if shares.empty or "denominator" not in shares.columns:
        return None
    return _side_by_side(shares, marks=True)


def _side_by_side(shares: pd.DataFrame, marks: bool) -> pd.DataFrame:
    if shares.empty:
        return pd.DataFrame()
    columns = {}
    for _, p in shares.groupby("region_code", sort=False):
        if marks:
            shown = [situation_view.share_cells(r) for _, r in p.iterrows()]
        else:
            shown = [
                situation_view.share_text(v, lo, up)
                for v, lo, up in zip(p["value"], p["lower"], p["upper"], strict=True)
            ]
        columns[f"{p['region'].iloc[0]} ({int(p['year'].iloc[0])})"] = pd.Series(
            shown, index=p["item"].map(situation_view.item_label).to_numpy(), dtype="object"
        )
    out = pd.DataFrame(columns)
    out = out.where(out.notna(), None)
    out.index.name = "Andel ja, % (95 % KI)"
    out = out.reset_index()
    if marks:
        out[out.columns[0]] = None
    return out


def survey(shares: pd.DataFrame, page: report.Page):
    """The survey shares of the municipalities side by side (a local-source table); when
    the municipality itself has no survey, a notice after the other municipalities'."""
    shown = _survey_table(shares, page)
    code = page.context.municipality_code
    if shares.empty or (shares["region_code"] == code).any():
        return shown
    notice = page.missing(
        "Skolenkäten",
        "skolenkat",
        why="finns inte i underlaget för kommunen.",
        means="Tabellen visar bara de andra kommunerna; ingen jämförelse kan göras.",
    )
    return HTML(shown.data + notice.data)


def _survey_table(shares: pd.DataFrame, page: report.Page):
    return report.table(
        survey_side_by_side(shares),
        caption="Andel elever som svarat ja, senaste undersökningen",
        source="Skolenkät (lokal uppgift)",
        local=True,
        threshold=page.context.disclosure_threshold,
        if_empty=page.missing("Skolenkäten", "skolenkat"),
        marks=survey_side_by_side_marks(shares),
    )
