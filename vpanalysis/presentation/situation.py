"""Step 2's report in Swedish: the lägesbild's tables, captions, notices and charts.

Takes the English frames of :mod:`vpanalysis.steps.situation`. Functions named like a
frame (``police_table``, ``survey_table``, ``counts_by_year``, ``baseline_display`` ...)
return the Swedish table as a :class:`pandas.DataFrame`; the others return what a
notebook displays (a :func:`vpanalysis.report.table`, chart or notice, or a list of them),
given the report's :class:`vpanalysis.report.Page` where they name the municipality or
say that a source is missing::

    from vpanalysis.presentation import situation as view
    display(view.police(situation.police_summary(rated, code, county), ctx.definition, page))
"""

from __future__ import annotations

import math

import pandas as pd
from IPython.display import HTML

from vpanalysis import definitions, plots, report, verdicts
from vpanalysis.io.bra import TOTAL_CATEGORY
from vpanalysis.presentation.verdicts import comparison_word, trend_word
from vpanalysis.publication import keys
from vpanalysis.report import SUPPRESSED, interval, number
from vpanalysis.steps import situation

# ---------------------------------------------------------------- labels


_ITEM_SHORT = {
    "utsatt_fysiskt": "Fysiskt våld",
    "utsatt_hot": "Hot",
    "utsatt_sexuellt": "Tvingad till sexuella handlingar",
    "utsatt_trakasserier": "Sexuella trakasserier",
    "utsatt_mobbning": "Mobbning/kränkning i skolan",
    "utsatt_digitalt": "Digitalt våld",
    "utsatt_vuxen_hemma": "Våld av vuxen i familjen",
    "utovat_vald": "Har själv utövat våld",
}

GRADE_LABELS = {"åk9": "Åk 9", "gy2": "Gy 2", "Alla": "Alla"}
SEX_LABELS = {"K": "Tjejer", "M": "Killar", "T": "Alla"}

#: The survey groups' column order in :func:`survey_table`.
SURVEY_GROUPS = ["Alla", "Tjejer", "Killar", "Åk 9", "Gy 2"]

#: Display names of the local sources in the baseline.
_LOCAL_NAMES = {"socialtjanst": "Socialtjänsten", "kvinnojour": "Kvinnojouren"}

#: What a baseline needs (keys of :data:`vpanalysis.presentation.provenance.NEEDS`).
BASELINE_NEEDS = ["bra", "kolada", "skolenkat", "socialtjanst", "kvinnojour"]

#: Display names of the sources in the coverage table.
_SOURCE_NAMES = {
    "bra": "Polisen/Brå",
    "socialtjanst": "Socialtjänsten",
    "kvinnojour": "Kvinnojouren",
    "skolenkat": "Skolenkäten",
    "kolada": "Kolada",
}


def item_label(item: str, codebook: pd.DataFrame | None = None) -> str:
    """A short Swedish label for a survey item (``utsatt_hot`` -> ``Hot``); for an item
    without one, its question in ``codebook`` when given, else the item's name in words
    (``utsatt_ny_fraga`` -> ``Utsatt ny fraga``): a report never shows an item id."""
    if item in _ITEM_SHORT:
        return _ITEM_SHORT[item]
    if codebook is not None and "question" in codebook.columns:
        hit = codebook.loc[codebook["item"] == item, "question"].dropna()
        if len(hit) and str(hit.iloc[0]).strip():
            return str(hit.iloc[0]).strip()
    words = str(item).replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def trend_text(direction: str, rate_ratio: float = math.nan) -> str:
    """A trend in plain Swedish: ``"ökar (+3,2 % per år)"``, ``"ingen säker förändring"``
    (``direction`` as :func:`~vpanalysis.steps.situation.trend_direction`; the words are
    :func:`vpanalysis.presentation.verdicts.trend_word`, the same in every report)."""
    return trend_word(direction, rate_ratio)


def trend_label(result) -> str:
    """A trend test result in plain Swedish: direction and yearly change when significant."""
    direction = situation.trend_direction(result)
    return trend_text(direction, getattr(result, "rate_ratio", math.nan))


def population_label(sex: str, age_group: str) -> str:
    """Who a rate is per: ``("T", "totalt")`` -> ``"invånare"``, ``("K", "18+")`` ->
    ``"kvinnor 18 år och äldre"``, ``("T", "0-17")`` -> ``"barn 0–17 år"``."""
    age = str(age_group).strip().lower()
    if age in ("totalt", "alla", ""):
        return {"K": "kvinnor", "M": "män"}.get(sex, "invånare")
    if age == "0-17":
        return {"K": "flickor 0–17 år", "M": "pojkar 0–17 år"}.get(sex, "barn 0–17 år")
    who = {"K": "kvinnor", "M": "män"}.get(sex, "personer")
    if age.endswith("+"):
        return f"{who} {age[:-1]} år och äldre"
    return f"{who} {age.replace('-', '–')} år"


def share_text(value: float, lower: float, upper: float) -> str:
    """A share with its interval, ``12,3 (10,1–14,9)``; ``..`` when withheld."""
    if pd.isna(value):
        return number(value, 1)
    return f"{number(value, 1)} ({interval(lower, upper, 1)})"


# ---------------------------------------------------------------- marks for the audit
#
# Every local-source number the report shows is marked with the publication cells it
# shows (:mod:`vpanalysis.publication.keys`), from the key columns of the frames of
# :mod:`vpanalysis.steps.situation` (``published_counts``, ``published_prevalence``,
# ``respondent_counts``, ``published_baseline``). Frames without them get no marks.


def shown_number(value: object, decimals: int) -> float | None:
    """``value`` as the report shows it (rounded as :func:`~vpanalysis.report.number`
    rounds it), or ``None`` when it shows ``..``."""
    text = number(value, decimals)
    if text == SUPPRESSED:
        return None
    return float(text.replace("\u00a0", "").replace(",", "."))


def count_cell(row) -> dict:
    """The cell of a published count of persons (a row of
    :func:`~vpanalysis.steps.situation.published_counts`): kind ``count``, or ``withheld``."""
    count = row["count"]
    withheld = pd.isna(count)
    return keys.cell(
        "withheld" if withheld else "count",
        None if withheld else count,
        source=row["source"],
        measure=row["category"],
        parent=row["parent"],
        region=row["region_code"],
        year=int(row["year"]),
        sex=row["sex"],
        age=row["age_group"],
        grade=keys.ALL,
        answer="",
    )


def respondents_cell(row) -> dict:
    """The cell of a published number of respondents (a row of
    :func:`~vpanalysis.steps.situation.respondent_counts`)."""
    return _pupil_count_cell(row, row["respondents"], "respondents", "")


def _pupil_count_cell(row, n, measure: str, answer: str) -> dict:
    """A survey count of pupils in the group of ``row`` (region, year, sex, grade)."""
    return keys.cell(
        "withheld" if pd.isna(n) else "count",
        None if pd.isna(n) else n,
        source="skolenkat",
        measure=measure,
        parent="",
        region=row["region_code"],
        year=int(row["year"]),
        sex=row["sex"],
        age=keys.ALL,
        grade=row["grade"],
        answer=answer,
    )


def share_cells(row, decimals: int = 1, *, share: bool = True, limits: bool = True) -> list:
    """The cells a shown survey share rests on (a row of
    :func:`~vpanalysis.steps.situation.published_prevalence`): the share (``share``) and
    its interval (``limits``) on the key of its ``yes`` cell, and the ``answered`` cell as
    its denominator; where the share is ``..``, its withheld cells.

    Shares are marked as the reports publish them, to ``decimals`` (one) even where a
    display rounds further (a key figure's ``22 %``), so that every report marks the same
    share with the same value."""
    key = {
        "source": "skolenkat",
        "measure": row["item"],
        "parent": "",
        "region": row["region_code"],
        "year": int(row["year"]),
        "sex": row["sex"],
        "age": keys.ALL,
        "grade": row["grade"],
    }
    if pd.isna(row["value"]):
        out = []
        if pd.isna(row["count"]):
            out.append(keys.cell("withheld", answer="yes", **key))
        if pd.isna(row["denominator"]):
            out.append(keys.cell("withheld", answer="answered", **key))
        elif not out:
            out.append(keys.cell("denominator", row["denominator"], answer="answered", **key))
        return out
    out = []
    if share:
        out.append(keys.cell("share", shown_number(row["value"], decimals), answer="yes", **key))
    if limits:
        for kind in ("lower", "upper"):
            out.append(keys.cell(kind, shown_number(row[kind], decimals), answer="yes", **key))
    out.append(keys.cell("denominator", row["denominator"], answer="answered", **key))
    return out


def _labels_unmarked(marks: pd.DataFrame, columns=("Kategori", "År", "Andel ja, % (95 % KI)")):
    """``marks`` with its label columns (not local-source numbers) emptied."""
    for column in columns:
        if column in marks.columns:
            marks[column] = None
    return marks


def has_cell_keys(frame: pd.DataFrame) -> bool:
    """Whether ``frame`` carries the publication's cell keys (``region_code`` and, for
    counts, ``parent``), so that its numbers can be marked."""
    return not frame.empty and "region_code" in frame.columns


# ---------------------------------------------------------------- the definition


def definition_tables(definition: definitions.Definition) -> dict[str, pd.DataFrame]:
    """The agreed definition's vocabularies with Swedish headings: forms, relations, WHO."""

    def shown(table: pd.DataFrame, heading: str) -> pd.DataFrame:
        return pd.DataFrame(
            {heading: table["label"], "Beskrivning": table["description"].fillna("")}
        )

    return {
        "forms": shown(definition.forms, "Form av våld"),
        "relations": shown(definition.relations, "Relation"),
        "who": shown(definition.who_types, "Typ (WHO)"),
    }


def definition_status(definition: definitions.Definition, page: report.Page):
    """Who decided the definition and when; without that (the template's example text,
    no decision recorded, or one that does not cover the municipality:
    :func:`vpanalysis.definitions.is_decided`), a notice that the collaboration has not
    decided on one."""
    if definitions.is_decided(definition, page.context.municipality_code):
        decided = f" den {definition.decided_on}" if definition.decided_on else ""
        return report.notice(
            [], ok=f"Definitionen är beslutad av {definition.decided_by}{decided}."
        )
    why = (
        "finns inte i underlaget: texten nedan är mallens exempeltext, som samverkan inte "
        "har beslutat om."
    )
    if definition.decided_by and not definition.example:  # decided, for others
        why = (
            f"finns inte i underlaget: texten nedan har beslutats av {definition.decided_by}, "
            "men beslutet gäller inte kommunen."
        )
    return page.missing(
        "En beslutad definition av våld",
        "definition",
        why=why,
        means="Lägesbilden utgår från exempeltexten tills en egen definition är beslutad.",
    )


def agreed_definition(definition: definitions.Definition, page: report.Page | None = None) -> list:
    """The definition's text as a quote, then its three vocabularies as tables; with
    ``page``, first who decided it (:func:`definition_status`)."""
    vocabularies = definition_tables(definition)
    status = [definition_status(definition, page)] if page is not None else []
    return [
        *status,
        report.quote(definition.text, f"{definition.name} – {definition.reference}"),
        report.table(vocabularies["forms"], caption="Former av våld"),
        report.table(
            vocabularies["relations"],
            caption="Relationer mellan den som utsätter och den som utsätts",
        ),
        report.table(vocabularies["who"], caption="WHO:s typologi för våld"),
    ]


# ---------------------------------------------------------------- key figures


def key_figure_items(figures: pd.DataFrame) -> list[tuple[str, str]]:
    """:func:`~vpanalysis.steps.situation.key_figures` as (Swedish label, formatted value),
    with the cells a local-source figure shows as a third element."""
    items = []
    for r in figures.itertuples(index=False):
        if r.figure == "kolada_violence":
            label = f"anmälda våldsbrott per 100 000 inv. ({r.year_to}, Kolada)"
            items.append((label, number(r.value, 0)))
        elif r.figure == "assault":
            label = (
                f"misshandel per 100 000 inv. och år {r.year_from}–{r.year_to} "
                f"(95 % KI {interval(r.lower, r.upper, 0)})"
            )
            items.append((label, number(r.value, 0)))
        elif r.figure == "pupils_physical":
            label = f"av eleverna utsatta för fysiskt våld senaste året ({r.year_to})"
            shown = f"{number(r.value, 0)} %"
            if "region_code" in figures.columns and pd.notna(r.region_code):
                row = {**r._asdict(), "year": r.year_to}
                items.append((label, shown, share_cells(row, limits=False)))
            else:
                items.append((label, shown))
    return items


def key_figures(figures: pd.DataFrame, page: report.Page):
    """The key-figure cards at the top of the report."""
    return report.key_figures(
        key_figure_items(figures),
        if_empty=page.missing(
            "Nyckeltalen överst i rapporten",
            ["kolada", "bra", "skolenkat"],
            why="kan inte visas.",
            means="De kräver Kolada, Brås statistik för tre år i följd eller skolenkäten.",
        ),
    )


# ---------------------------------------------------------------- police-reported crime


def police_table(summary: pd.DataFrame, definition: definitions.Definition) -> pd.DataFrame:
    """:func:`~vpanalysis.steps.situation.police_summary` with Swedish columns: the form
    of violence as ``definition`` names it, the comparisons and trend in words."""
    if summary.empty:
        return pd.DataFrame()
    rows = []
    for r in summary.to_dict("records"):
        rows.append(
            {
                "Brottskategori": r["category"],
                "Form av våld": "" if pd.isna(r["form"]) else definition.label("forms", r["form"]),
                "Period": f"{r['year_from']}–{r['year_to']}",
                "Antal (3 år)": r["count"],
                "Per 100 000 och år": r["value"],
                "Nedre gräns": r["lower"],
                "Övre gräns": r["upper"],
                "I övriga länet": r["rest_value"],
                "Jämfört med övriga länet": comparison_word(r["rest_comparison"]),
                "I riket": r["sweden_value"],
                "Jämfört med riket": comparison_word(r["sweden_comparison"]),
                "Trend (årsvärden)": trend_text(r["trend"], r["trend_rate_ratio"]),
                "Per 100 000 av": population_label(r["sex"], r["age_group"]),
            }
        )
    out = pd.DataFrame(rows)
    out["Antal (3 år)"] = out["Antal (3 år)"].astype("Int64")
    return out


#: Law changes and counting rules that break a BRÅ category's series: ``category`` (as
#: BRÅ names it), ``date`` (in force), ``note`` (Swedish) and ``source``. A trend whose
#: years cross ``date`` gets the note beside it (:func:`break_notes`).
SERIES_BREAKS = (
    {
        "category": "Våldtäkt inkl. grov",
        "date": "2018-07-01",
        "note": (
            "Den 1 juli 2018 infördes samtyckeslagen: våldtäkt kräver inte längre våld, hot "
            "eller en särskilt utsatt situation, och oaktsam våldtäkt blev ett nytt brott. "
            "Fler gärningar räknas som våldtäkt sedan dess, så åren före och efter är inte "
            "helt jämförbara."
        ),
        "source": "lag om ändring i brottsbalken, SFS 2018:618 (prop. 2017/18:177), i kraft "
        "den 1 juli 2018; Brå, kommentarer till statistiken över anmälda sexualbrott",
    },
    {
        "category": "Barnfridsbrott",
        "date": "2021-07-01",
        "note": (
            "Barnfridsbrott blev brott den 1 juli 2021. Brottet begår den som utsätter en "
            "närstående för ett brott (till exempel misshandel eller olaga hot) som ett barn "
            "bevittnar; barnet räknas då som brottsoffer. Det finns inga jämförbara tal före "
            "det, och 2021 gäller bara ett halvår."
        ),
        "source": "lag om ändring i brottsbalken, SFS 2021:389 (prop. 2020/21:170), i kraft "
        "den 1 juli 2021; Brå, kommentarer till statistiken över anmälda brott",
    },
    {
        "category": "Olaga integritetsintrång",
        "date": "2018-01-01",
        "note": "Olaga integritetsintrång blev ett eget brott den 1 januari 2018.",
        "source": "lag om ändring i brottsbalken, SFS 2017:1136 (prop. 2016/17:222), i kraft "
        "den 1 januari 2018; Brå, kommentarer till statistiken över anmälda brott",
    },
    {
        "category": "Olaga förföljelse",
        "date": "2011-10-01",
        "note": "Olaga förföljelse blev ett eget brott den 1 oktober 2011.",
        "source": "lag om ändring i brottsbalken, SFS 2011:517 (prop. 2010/11:45), i kraft "
        "den 1 oktober 2011; Brå, kommentarer till statistiken över anmälda brott",
    },
)

#: Categories whose count is not the measure it seems to be, with a note (Swedish).
CATEGORY_NOTES = {
    "Mord, dråp och misshandel med dödlig utgång": (
        "Mord, dråp och misshandel med dödlig utgång räknar anmälda brott, också försök och "
        "händelser som vid utredningen visar sig inte vara brott (till exempel självmord, "
        "olyckor eller naturliga dödsfall). Hur många som faktiskt dödades mäter Brå med "
        "konstaterat dödligt våld."
    ),
}


def break_notes(summary: pd.DataFrame) -> list[str]:
    """Sentences for the categories of :func:`~vpanalysis.steps.situation.police_summary`
    whose trend years cross a break of :data:`SERIES_BREAKS` or start with it (a new
    offence: the years before have no figures), with its source; one table for step 2
    and step 5 (:func:`vpanalysis.presentation.followup.baseline_break_notes`), and the
    notes of :data:`CATEGORY_NOTES` for the categories shown."""
    if summary.empty:
        return []
    out = []
    for r in summary.to_dict("records"):
        first, last = r.get("trend_from"), r.get("trend_to")
        for b in SERIES_BREAKS:
            if b["category"] != r["category"] or first is None or pd.isna(first):
                continue
            year = int(b["date"][:4])
            if int(first) <= year <= int(last):  # crossed, or the series starts with it
                cited = b["source"][:1].upper() + b["source"][1:]
                named = b["note"].startswith(r["category"])
                said = b["note"] if named else f"{r['category']}: {b['note']}"
                out.append(f"{said} (Källa: {cited}.)")
        if r["category"] in CATEGORY_NOTES:
            out.append(CATEGORY_NOTES[r["category"]])
    return out


def police_reading_text(survey: bool = True) -> str:
    """What police statistics measure, and what they do not (Markdown). ``survey``: whether
    the municipality's school survey is in the data (else the text says it is not)."""
    closest = (
        "för unga i åk 9 och gy 2 är skolenkäten den närmaste motsvarigheten"
        if survey
        else "för unga i åk 9 och gy 2 är en skolenkät den närmaste motsvarigheten, men "
        "skolenkätens svar för kommunen finns inte i underlaget"
    )
    return (
        "**Så läser du polisens statistik.** De flesta våldsbrott anmäls aldrig, särskilt "
        "inte våld i nära relationer och sexuellt våld (mörkertalet). Hur många som "
        "*utsätts* mäter Brå med Nationella trygghetsundersökningen (NTU), där ett urval "
        f"av befolkningen 16–84 år själv berättar; {closest}. Statistiken räknar "
        "**brott, inte personer**: en person som utsätts "
        "flera gånger kan stå för många anmälda brott. Brotten räknas i den kommun där de "
        "begicks, inte där den utsatta bor. Lagändringar kan bryta en serie; sådana brott "
        "nämns under tabellen."
    )


def police_notes(summary: pd.DataFrame):
    """The series breaks and category notes of :func:`break_notes` as a box (nothing
    when there are none)."""
    notes = break_notes(summary)
    return report.notice(notes, ok="") if notes else report.markdown("")


def all_crime_text(summary: pd.DataFrame, name: str) -> str | None:
    """All reported crime (:data:`vpanalysis.io.bra.TOTAL_CATEGORY`) as the context of the
    violence categories, or ``None`` when the data do not have it."""
    row = summary[summary["category"] == TOTAL_CATEGORY]
    if row.empty:
        return None
    r = row.iloc[0]
    per = f"{number(r['value'], 0)} per 100 000 invånare och år"
    others = [
        f"{where} {number(r[column], 0)}"
        for where, column in (("länet", "county_value"), ("riket", "sweden_value"))
        if not pd.isna(r[column])
    ]
    compare = f" ({', '.join(others)})" if others else ""
    return (
        f"Som sammanhang: alla anmälda brott i {name}, inte bara våldsbrott, var "
        f"{number(r['count'], 0)} under {r['year_from']}–{r['year_to']}, {per}{compare}. "
        "Våldsbrotten i tabellen är en del av dem; fler anmälningar av alla slag kan spegla "
        "anmälningsbenägenhet och polisens arbete lika mycket som brottsligheten."
    )


def without_all_crime(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of the violence categories only (all reported crime is context, not a row)."""
    if frame.empty or "category" not in frame.columns:
        return frame
    return frame[frame["category"] != TOTAL_CATEGORY]


def years_text(years) -> str:
    """Years in words: ``2023``, ``2023 och 2024``, ``2019–2024`` (consecutive) or a list."""
    years = sorted(int(y) for y in years)
    if not years:
        return ""
    if len(years) == 1:
        return str(years[0])
    if years == list(range(years[0], years[-1] + 1)) and len(years) > 2:
        return f"{years[0]}–{years[-1]}"
    return ", ".join(map(str, years[:-1])) + f" och {years[-1]}"


#: What too few years of police-reported crime mean for a section of yearly values.
SINGLE_YEARS_MEAN = (
    "Ett treårsgenomsnitt kräver tre år i följd och en trend minst fem år, så avsnittet "
    "visar bara årsvärden, utan jämförelse över tid. Enstaka år varierar mycket i en liten "
    "kommun."
)

#: What too few years mean for a section built on 3-year averages only.
NO_AVERAGE_MEANS = (
    "Ett treårsgenomsnitt kräver tre år i följd, så avsnittet kan inte visas förrän fler år "
    "har hämtats."
)


def police_gap(
    years,
    page: report.Page,
    what: str = "Brås statistik över anmälda brott",
    means: str = NO_AVERAGE_MEANS,
):
    """The notice for police-reported crime without a complete 3-year window: none at all,
    or only ``years`` (too few for a 3-year average; ``means`` says what that means here)."""
    if not years:
        return page.missing(what, "bra")
    n = len(years)
    return page.missing(
        what, "bra", why=f"finns bara för {years_text(years)} ({n} år).", means=means
    )


def police_single_table(single: pd.DataFrame) -> pd.DataFrame:
    """:func:`~vpanalysis.steps.situation.police_single_years` with Swedish columns."""
    return pd.DataFrame(
        {
            "Brottskategori": single["category"],
            "År": single["year"].astype("Int64"),
            "Antal": single["count"].astype("Int64"),
            "Per 100 000 inv.": single["value"],
            "Nedre gräns": single["lower"],
            "Övre gräns": single["upper"],
        }
    )


def police(
    summary: pd.DataFrame,
    definition: definitions.Definition,
    page: report.Page,
    rates: pd.DataFrame | None = None,
):
    """The table of police-reported crime, 3-year rates compared with county and Sweden,
    and all reported crime as its context where the data have it.

    Without a complete 3-year window (``summary`` empty) the notice says which years
    there are and what that means, followed by the yearly rates of ``rates``
    (:func:`~vpanalysis.steps.situation.police_rates`) when there are any.
    """
    if summary.empty:
        code = page.context.municipality_code
        years = situation.police_years(rates, code) if rates is not None else []
        notice = police_gap(years, page, means=SINGLE_YEARS_MEAN)
        if not years:
            return notice
        single = report.table(
            police_single_table(situation.police_single_years(rates, code)),
            caption=f"Anmälda brott i {page.name}, enskilda år",
            decimals=1,
            source="Brå, anmälda brott; SCB, befolkning",
        )
        return HTML(notice.data + single.data)
    table = report.table(
        police_table(without_all_crime(summary), definition),
        caption=f"Anmälda brott i {page.name}, treårsgenomsnitt",
        decimals=1,
        source="Brå, anmälda brott; SCB, befolkning",
    )
    context = all_crime_text(summary, page.name) if not summary.empty else None
    if context is None:
        return table
    return HTML(getattr(table, "data", str(table)) + f"<p>{context}</p>")


def assault_chart(series: pd.DataFrame, page: report.Page):
    """Police-reported assault as 3-year rates over the years, with intervals."""
    if series.empty:
        return page.missing(
            "Treårsgenomsnitt för anmäld misshandel",
            "bra",
            why="finns inte i underlaget: det kräver Brås statistik för tre år i följd.",
            means="Diagrammet kan därför inte visas.",
        )
    return report.chart(
        plots.trend(
            series,
            focus=page.name,
            ylabel="per 100 000 inv. och år",
            title="Anmäld misshandel, treårsgenomsnitt",
        ),
        what=(
            "Anmäld misshandel per 100 000 invånare och år som rullande treårsgenomsnitt för "
            f"{page.name}, samverkanskommunerna, länet och riket. Årtalet är treårsperiodens "
            "sista år."
        ),
        how=(
            "Den tjocka linjen är kommunen i fokus. Det skuggade bandet är 95 % "
            "konfidensintervall. Att två band överlappar betyder inte att det saknas "
            "skillnad; jämförelsen med övriga länet och riket i tabellen ovan är testad."
        ),
    )


def category_chart(panels: pd.DataFrame, page: report.Page):
    """Small multiples: every crime category's 3-year rates (municipality, county, Sweden)."""
    panels = without_all_crime(panels)
    if panels.empty:
        return page.missing(
            "Treårsgenomsnitt per brottskategori",
            "bra",
            why="finns inte i underlaget: det kräver Brås statistik för tre år i följd.",
            means="Diagrammen kan därför inte visas.",
        )
    return report.chart(
        plots.small_multiples(panels, panel="category", focus=page.name, ylabel="per 100 000"),
        what=(
            "Alla brottskategorier som rullande treårsgenomsnitt per 100 000 invånare: "
            f"{page.name}, länet och riket."
        ),
        how=(
            "Varje ruta är en brottskategori med egen skala. Jämför linjernas nivå och "
            "riktning inom en ruta, inte mellan rutor."
        ),
    )


# ---------------------------------------------------------------- Kolada


def kolada_table(latest: pd.DataFrame) -> pd.DataFrame:
    """:func:`~vpanalysis.steps.situation.kolada_latest` as one row per KPI
    (``Nyckeltal``, ``År``) and one column per region."""
    if latest.empty:
        return pd.DataFrame()
    rows = []
    for kpi, part in latest.groupby("kpi", sort=False):
        first = part.iloc[0]
        record = {"Nyckeltal": f"{first['title']} ({kpi})", "År": int(first["year"])}
        record.update(zip(part["region"], part["value"], strict=True))
        rows.append(record)
    return pd.DataFrame(rows).astype({"År": "Int64"})


def kolada(latest: pd.DataFrame, page: report.Page):
    """The latest Kolada KPIs per region; when only the municipality has values, a notice
    that there is nothing to compare with."""
    shown = report.table(
        kolada_table(latest),
        caption="Senaste år i Kolada",
        decimals=1,
        source="Kolada (RKA)",
        if_empty=page.missing("Nyckeltal från Kolada", "kolada"),
    )
    if latest.empty:
        return shown
    code = page.context.municipality_code
    others = latest[(latest["region_code"] != code) & latest["value"].notna()]
    if not others.empty:
        return shown
    notice = page.missing(
        "Kolada-värden för de jämförda kommunerna, länet och riket",
        "kolada",
        means=f"Tabellen visar bara {page.name}; ingen jämförelse kan göras.",
    )
    return HTML(shown.data + notice.data)


def kolada_chart(series: pd.DataFrame, page: report.Page):
    """Kolada's police-reported violent crime (N07403) year by year."""
    if series.empty:
        return page.missing("Kolada-nyckeltalet om anmälda våldsbrott", "kolada")
    return report.chart(
        plots.trend(
            series,
            focus=page.name,
            ylabel="per 100 000 inv.",
            title="Anmälda våldsbrott (Kolada N07403)",
        ),
        what="Anmälda våldsbrott per 100 000 invånare år för år enligt Kolada.",
        how=(
            "Den tjocka linjen är kommunen i fokus. Enskilda år varierar mycket i små "
            "kommuner; titta på riktningen över flera år."
        ),
    )


# ---------------------------------------------------------------- local sources


def counts_by_year(protected: pd.DataFrame) -> pd.DataFrame:
    """Category × year table of a protected local source (both sexes, all ages).

    A category reported for several age groups gets one row per age group; a category
    withheld every year stays listed (a row of ``..``).
    """
    return _counts_by_year(protected, marks=False)


def counts_by_year_marks(protected: pd.DataFrame) -> pd.DataFrame:
    """The cells each number of :func:`counts_by_year` shows (same shape; lists of
    :func:`count_cell`), for ``report.table(..., marks=...)``. ``None`` without cell keys."""
    return _counts_by_year(protected, marks=True) if has_cell_keys(protected) else None


def _counts_by_year(protected: pd.DataFrame, marks: bool) -> pd.DataFrame:
    long = situation.totals_by_year(protected)
    if long.empty:
        return pd.DataFrame()
    if marks:
        long = long.assign(count=[[count_cell(r)] for _, r in long.iterrows()])
    wide = long.set_index(["measure", "year"])["count"].unstack("year")
    wide = wide.reindex(index=list(dict.fromkeys(long["measure"])))
    wide = wide.reindex(columns=sorted(long["year"].unique()))
    wide.columns = [str(c) for c in wide.columns]
    wide.columns.name = None
    wide.index.name = "Kategori"
    if marks:
        return _labels_unmarked(wide.astype("object").where(wide.notna(), None).reset_index())
    return wide.astype("Int64").reset_index()


def counts_by_sex(protected: pd.DataFrame, year: int | None = None) -> pd.DataFrame:
    """Category × sex (flickor/kvinnor, pojkar/män, totalt) for one year of a protected source."""
    return _counts_by_sex(protected, year, marks=False)


def counts_by_sex_marks(protected: pd.DataFrame, year: int | None = None) -> pd.DataFrame:
    """The cells each number of :func:`counts_by_sex` shows (same shape), or ``None``
    without cell keys."""
    return _counts_by_sex(protected, year, marks=True) if has_cell_keys(protected) else None


def _counts_by_sex(protected: pd.DataFrame, year: int | None, marks: bool) -> pd.DataFrame:
    if protected.empty:
        return pd.DataFrame()
    year = int(protected["year"].max()) if year is None else year
    d = situation.totals_by_sex(protected, year)
    if d.empty:
        return pd.DataFrame()
    label = d["category"] + " (" + d["age_group"].replace({"totalt": "alla åldrar"}) + ")"
    values = [[count_cell(r)] for _, r in d.iterrows()] if marks else list(d["count"])
    shown = pd.DataFrame({"Kategori": label.to_numpy(), "sex": d["sex"].to_numpy()})
    shown["value"] = pd.Series(values, dtype="object")
    shown = shown.drop_duplicates(["Kategori", "sex"])
    wide = shown.set_index(["Kategori", "sex"])["value"].unstack("sex")
    wide = wide.reindex(index=list(dict.fromkeys(shown["Kategori"])))
    wide = wide.reindex(columns=[c for c in ("K", "M", "T") if c in wide.columns])
    wide = wide.rename(columns={"K": "Flickor/kvinnor", "M": "Pojkar/män", "T": "Totalt"})
    wide.columns.name = None
    wide.index.name = "Kategori"
    out = (wide.where(wide.notna(), None) if marks else wide.astype("Int64")).reset_index()
    out.insert(1, "År", year)
    return _labels_unmarked(out) if marks else out


def social_services(protected: pd.DataFrame, page: report.Page) -> list:
    """Social services: persons per category and year, then the latest year by sex.

    ``protected`` is :func:`~vpanalysis.steps.situation.published_counts` (its numbers
    are marked with their cells) or :func:`~vpanalysis.steps.situation.local_counts`."""
    by_year = counts_by_year(protected)
    threshold = page.context.disclosure_threshold
    return [
        report.table(
            by_year,
            caption="Personer kända av socialtjänsten per år",
            local=True,
            count_columns=[c for c in by_year.columns if c != "Kategori"],
            threshold=threshold,
            source="Socialtjänsten (lokal uppgift)",
            if_empty=page.missing("Socialtjänstens uppgifter", "socialtjanst"),
            marks=counts_by_year_marks(protected),
        ),
        report.table(
            counts_by_sex(protected),
            caption="Senaste året per kön",
            local=True,
            count_columns=["Flickor/kvinnor", "Pojkar/män", "Totalt"],
            threshold=threshold,
            if_empty=report.markdown(""),
            marks=counts_by_sex_marks(protected),
        ),
    ]


def shelter(protected: pd.DataFrame, page: report.Page):
    """The women's shelter: persons (and nights) per category and year."""
    by_year = counts_by_year(protected)
    return report.table(
        by_year,
        caption="Kvinnojourens uppgifter per år",
        local=True,
        count_columns=[c for c in by_year.columns if c != "Kategori"],
        threshold=page.context.disclosure_threshold,
        source="Kvinnojouren (lokal uppgift)",
        if_empty=page.missing("Kvinnojourens uppgifter", "kvinnojour"),
        marks=counts_by_year_marks(protected),
    )


# ---------------------------------------------------------------- school survey


#: The survey table's column that compares girls with boys.
SEX_COLUMN = "Tjejer jämfört med killar"
#: The verdicts of :func:`~vpanalysis.steps.situation.sex_verdicts` in words (a share's
#: comparison: too few *answers*, not too few cases).
SEX_VERDICT_WORDS = {
    "higher": "högre",
    "lower": "lägre",
    "no_difference": "ingen säker skillnad",
    "too_few": "för få svar för en bedömning",
    "withheld": "kan inte bedömas: en andel redovisas inte",
    "not_compared": "kan inte bedömas: en andel redovisas inte",
}


def _group_label(grade: str, sex: str) -> str:
    if grade in ("Alla", keys.ALL):
        return SEX_LABELS[sex]
    return GRADE_LABELS.get(grade, grade)


def survey_table(prevalence: pd.DataFrame) -> pd.DataFrame:
    """Item × group (Alla, Tjejer, Killar, Åk 9, Gy 2): ``share (lower–upper)`` in per cent.

    Suppressed shares show as ``..``. The respondents per group are in
    :func:`respondents_table`.
    """
    return _survey_table(prevalence, marks=False)


def survey_table_marks(prevalence: pd.DataFrame) -> pd.DataFrame:
    """The cells each share of :func:`survey_table` shows (:func:`share_cells`; same
    shape), or ``None`` without cell keys."""
    return _survey_table(prevalence, marks=True) if has_cell_keys(prevalence) else None


def _survey_table(prevalence: pd.DataFrame, marks: bool) -> pd.DataFrame:
    if prevalence.empty:
        return pd.DataFrame()
    shown = (
        [share_cells(r) for _, r in prevalence.iterrows()]
        if marks
        else [
            share_text(v, lo, up)
            for v, lo, up in zip(
                prevalence["value"], prevalence["lower"], prevalence["upper"], strict=True
            )
        ]
    )
    d = pd.DataFrame(
        {
            "label": prevalence["item"].map(item_label).to_numpy(),
            "group": [
                _group_label(g, x)
                for g, x in zip(prevalence["grade"], prevalence["sex"], strict=True)
            ],
        }
    )
    d["shown"] = pd.Series(shown, dtype="object")
    d = d[d["group"].isin(SURVEY_GROUPS)].drop_duplicates(["label", "group"])
    wide = d.set_index(["label", "group"])["shown"].unstack("group")
    wide = wide.reindex(columns=[g for g in SURVEY_GROUPS if g in wide.columns])
    order = [item_label(i) for i in dict.fromkeys(prevalence["item"])]
    wide = wide.reindex(sorted(wide.index, key=order.index))
    wide = wide.where(wide.notna(), None)
    if {"Tjejer", "Killar"} <= set(wide.columns):
        said = situation.sex_verdicts(prevalence)
        words = {
            item_label(i): SEX_VERDICT_WORDS.get(v, v)
            for i, v in zip(said["item"], said["verdict"], strict=True)
        }
        wide[SEX_COLUMN] = [None if marks else words.get(label, "") for label in wide.index]
    wide.columns.name = None
    wide.index.name = "Andel ja, % (95 % KI)"
    return _labels_unmarked(wide.reset_index()) if marks else wide.reset_index()


def _respondents_shown(row) -> object:
    """A group's respondents as the table shows them: the number, ``minst N`` (the
    largest published answered count, ``at_least``) where it is withheld, else ``..``."""
    if pd.notna(row["respondents"]):
        return row["respondents"]
    at_least = row.get("at_least")
    if at_least is not None and pd.notna(at_least):
        return f"minst {number(at_least, 0)}"
    return SUPPRESSED


def respondents_table(respondents: pd.DataFrame) -> pd.DataFrame:
    """:func:`~vpanalysis.steps.situation.respondent_counts` as ``År``, ``Grupp``,
    ``Antal svarande``; a withheld number shows as ``minst N`` where
    :func:`~vpanalysis.steps.situation.respondents_at_least` gives a lower bound."""
    if respondents.empty:
        return pd.DataFrame()
    shown = [_respondents_shown(r) for _, r in respondents.iterrows()]
    bounded = any(isinstance(v, str) and v.startswith("minst") for v in shown)
    return pd.DataFrame(
        {
            "År": respondents["year"],
            "Grupp": [
                _group_label(g, x)
                for g, x in zip(respondents["grade"], respondents["sex"], strict=True)
            ],
            "Antal svarande": pd.Series(shown, dtype="object")
            if bounded
            else respondents["respondents"],
        }
    )


def respondents_marks(respondents: pd.DataFrame) -> pd.DataFrame:
    """The cell each number of :func:`respondents_table` shows (same shape), or ``None``
    without cell keys: the respondents' cell, or for ``minst N`` the published answered
    cell N is."""
    if not has_cell_keys(respondents):
        return None
    cells = []
    for _, r in respondents.iterrows():
        at_least = r.get("at_least")
        if pd.isna(r["respondents"]) and at_least is not None and pd.notna(at_least):
            cells.append([answered_cell(r)])
        else:
            cells.append([respondents_cell(r)])
    return pd.DataFrame({"Antal svarande": pd.Series(cells, dtype="object")})


def answered_cell(row) -> dict:
    """The published answered count a ``minst N`` shows (a row of
    :func:`~vpanalysis.steps.situation.respondents_at_least`), as a count."""
    return _pupil_count_cell(row, row["at_least"], row["at_least_item"], "answered")


def survey(prevalence: pd.DataFrame, page: report.Page):
    """The survey shares per item and group (a local-source table: ``div.vp-local``)."""
    return report.table(
        survey_table(prevalence),
        caption="Andel elever som svarat ja, senaste undersökningen",
        source="Skolenkät (lokal uppgift)",
        local=True,
        threshold=page.context.disclosure_threshold,
        if_empty=page.missing("Skolenkäten", "skolenkat"),
        marks=survey_table_marks(prevalence),
    )


#: How to read the survey table's comparison of girls and boys.
SEX_NOTE = (
    "Kolumnen *Tjejer jämfört med killar* bygger på ett test av skillnaden mellan tjejernas "
    "och killarnas andelar, räknat ur de redovisade talen: *högre* eller *lägre* betyder att "
    "tjejernas andel säkert är högre eller lägre än killarnas, *ingen säker skillnad* att "
    "skillnaden kan bero på slumpen – inte att andelarna är lika. Med färre än 30 svar i en "
    "grupp görs ingen bedömning, och inte heller där en av andelarna inte redovisas."
)


def survey_sex_note(prevalence: pd.DataFrame):
    """How to read :data:`SEX_COLUMN` (Markdown), under the survey table; nothing when the
    table has no such column (no survey, or no published share of girls and boys)."""
    shown = SEX_COLUMN in survey_table(prevalence).columns if not prevalence.empty else False
    return report.markdown(SEX_NOTE if shown else "")


#: Why the respondents are not shown exactly.
RESPONDENTS_NOTE = (
    "Hur många elever som svarade redovisas inte exakt: antalet svarande minus antalet som "
    "besvarat en fråga skulle visa hur många som hoppade över frågan, och de kan vara så få "
    "att de går att peka ut. ”minst N” är det största antal elever i gruppen som besvarat "
    "någon av frågorna; så många svarade åtminstone."
)
#: Added to :data:`RESPONDENTS_NOTE` where a group shows ``..``.
RESPONDENTS_DOTS = " ”..” betyder att inte heller det kan visas."


def survey_respondents(respondents: pd.DataFrame, page: report.Page) -> list:
    """How many pupils answered, per group (nothing without a survey), then, where a
    number is withheld or only bounded (``minst N``), why (:data:`RESPONDENTS_NOTE`)."""
    table = respondents_table(respondents)
    shown = table.get("Antal svarande", pd.Series(dtype="object")).astype(str)
    dots = table.get("Antal svarande", pd.Series(dtype="object")).isna().any()
    hidden = shown.str.startswith("minst").any() or dots
    note = RESPONDENTS_NOTE + (RESPONDENTS_DOTS if dots else "") if hidden else ""
    return [table_of_respondents(table, respondents, page), report.markdown(note)]


def table_of_respondents(table: pd.DataFrame, respondents: pd.DataFrame, page: report.Page):
    """The table of :func:`respondents_table` (nothing without a survey)."""
    return report.table(
        table,
        caption="Antal elever som svarat",
        local=True,
        count_columns=["Antal svarande"],
        threshold=page.context.disclosure_threshold,
        if_empty=report.markdown(""),
        marks=respondents_marks(respondents),
    )


def survey_chart_data(prevalence: pd.DataFrame) -> pd.DataFrame:
    """Shares by sex (both grades together) for a bar chart; suppressed shares dropped."""
    d = situation.survey_by_sex(prevalence)
    if d.empty:
        return pd.DataFrame()
    return pd.DataFrame(
        {
            "Fråga": d["item"].map(item_label),
            "Kön": d["sex"].map(SEX_LABELS),
            "value": d["value"],
            "lower": d["lower"],
            "upper": d["upper"],
        }
    )


def survey_chart_cells(prevalence: pd.DataFrame) -> list:
    """The cells :func:`survey_chart` draws (each bar's share, interval and denominator;
    shares to one decimal, as the table shows them); ``[]`` without cell keys."""
    d = situation.survey_by_sex(prevalence)
    if not has_cell_keys(d):
        return []
    return [c for _, r in d.iterrows() for c in share_cells(r)]


def survey_chart(prevalence: pd.DataFrame):
    """Girls' and boys' shares as bars with intervals (nothing when none is published)."""
    data = survey_chart_data(prevalence)
    if data.empty:
        return report.markdown("")
    return report.chart(
        plots.bars(data, category="Fråga", hue="Kön", xlabel="Andel elever (%)"),
        cells=survey_chart_cells(prevalence),
        what=(
            "Andelen tjejer och killar som svarat ja på frågorna om utsatthet för våld, med "
            "95 % konfidensintervall."
        ),
        how=(
            "Staplarna visar andelen, strecken osäkerheten (95 % konfidensintervall). Om "
            "skillnaden mellan tjejer och killar är säker avgörs med ett test av "
            "skillnaden, inte av om strecken överlappar: strecken kan överlappa fast "
            "skillnaden är säker. Saknas en stapel är andelen skyddad av sekretesskäl."
        ),
    )


# ---------------------------------------------------------------- which source sees what

#: A coverage cell where the form cannot occur, or no statistic could see it.
NOT_APPLICABLE = "ej tillämpligt"


def _labelled(matrix: pd.DataFrame, definition: definitions.Definition) -> pd.DataFrame:
    out = matrix.copy()
    out.index = pd.Index([definition.label("forms", k) for k in matrix.index], name="form")
    out.columns = pd.Index(
        [definition.label("relations", k) for k in matrix.columns], name="relation"
    )
    return out


def coverage_table(matrix: pd.DataFrame, definition: definitions.Definition) -> pd.DataFrame:
    """Form × relation: which sources see it (Swedish labels; ``–`` marks a blind spot,
    ``ej tillämpligt`` a form that cannot occur, or no statistic could see, in that
    relation: :func:`vpanalysis.definitions.possible`)."""

    def shown_cell(cell: str, form: str, relation: str) -> str:
        names = ", ".join(_SOURCE_NAMES.get(s.strip(), s.strip()) for s in cell.split(",") if s)
        if names:
            return names
        return "–" if definitions.possible(definition, form, relation) else NOT_APPLICABLE

    shown = pd.DataFrame(
        [[shown_cell(str(matrix.loc[f, r]), f, r) for r in matrix.columns] for f in matrix.index],
        index=_labelled(matrix, definition).index,
        columns=_labelled(matrix, definition).columns,
    )
    shown.index.name = "Form av våld"
    shown.columns.name = None
    return shown.reset_index()


def coverage(matrix: pd.DataFrame, definition: definitions.Definition):
    """The table of sources per form of violence and relation."""
    return report.table(
        coverage_table(matrix, definition), caption="Källor per form av våld och relation"
    )


def coverage_chart(counts: pd.DataFrame, definition: definitions.Definition):
    """A heat map of the number of sources per form and relation."""
    return report.chart(
        plots.matrix(
            _labelled(counts, definition), title="Antal källor per form och relation", fmt=".0f"
        ),
        what=(
            "Hur många källor som har uppgifter om varje kombination av form av våld och relation."
        ),
        how=(
            "Mörkare ruta betyder fler källor. En ruta med 0 är en blind fläck som ingen källa "
            "ser, utom där tabellen ovan säger ”ej tillämpligt”: där förekommer formen inte i "
            "relationen, eller kan ingen statistik mäta den."
        ),
    )


def coverage_sources(available, page: report.Page):
    """Which sources the coverage matrix leaves out because they have no data for the
    municipality (nothing when every source has data)."""
    left_out = [s for s in situation.COVERAGE_SOURCES if s not in set(available)]
    if not left_out:
        return report.markdown("")
    names = [_SOURCE_NAMES.get(s, s) for s in left_out]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " och " + names[-1]
    return page.missing(
        f"Uppgifter från {listed}",
        left_out,
        why="finns inte i underlaget, så de räknas inte i matrisen nedan.",
        means=(
            "En tom ruta kan därför bero på att en källa saknas, inte på att ingen källa "
            "kan se det våldet."
        ),
    )


def blind_spot_sentences(
    spots: pd.DataFrame, definition: definitions.Definition, complete: bool = True
) -> list[str]:
    """A sentence for each blind spot of :func:`~vpanalysis.steps.situation.blind_spots`,
    then one for each gap the definition names (groups and settings no source covers).
    ``complete=False`` (some sources have no data for the municipality) says that no
    source *in the data* sees it: a missing source might."""
    who = "Ingen källa" if complete else "Ingen av källorna i underlaget"
    cells = [
        f"{who} ser {definition.label('forms', f).lower()} i kategorin "
        f"{definition.label('relations', r).lower()}."
        for f, r in zip(spots["form"], spots["relation"], strict=True)
    ]
    gaps = [
        f"{label}: {description}" if description else f"{label}: ingen källa täcker det."
        for label, description in zip(
            definition.gaps["label"], definition.gaps["description"].fillna(""), strict=True
        )
    ]
    return cells + gaps


def blind_spots(spots: pd.DataFrame, definition: definitions.Definition, available=None):
    """The blind spots as a warning box, or a line saying there are none; nothing when
    ``available`` (the sources with data, :func:`coverage_sources`) is given and empty:
    without any source there is nothing to call a blind spot."""
    if available is not None and not list(available):
        return report.markdown("")
    complete = available is None or set(situation.COVERAGE_SOURCES) <= set(available)
    return report.notice(
        blind_spot_sentences(spots, definition, complete),
        ok="Alla former och relationer ses av minst en källa.",
    )


# ---------------------------------------------------------------- baseline


def baseline_labels(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` (a :func:`~vpanalysis.steps.situation.baseline_table`) with each
    indicator's Swedish ``label`` and ``unit``; a table that has them already (a baseline
    frozen before they were left to the report) is returned as it is."""
    if {"label", "unit"} <= set(table.columns):
        if not {"kind", "name"} <= set(table.columns):
            return table  # frozen with labels but without kinds: shown as frozen
        vague = (table["kind"] == "kpi") & (table["unit"] == "enligt Kolada")
        if not vague.any():
            return table
        fixed = table.copy()  # a baseline frozen before Kolada's units were named
        fixed["unit"] = fixed["unit"].astype("string")
        fixed.loc[vague, "unit"] = [kpi_unit(n) for n in fixed.loc[vague, "name"]]
        return fixed
    labels, units = [], []
    for r in table.itertuples(index=False):
        if r.kind == "rate":
            labels.append(f"Anmälda brott: {r.name}")
            units.append(f"per 100 000 {population_label(r.sex, r.age_group)} och år")
        elif r.kind == "kpi":
            labels.append(kpi_label(r.name))
            units.append(kpi_unit(r.name))
        elif r.kind == "share":
            labels.append(f"Skolenkät: {item_label(r.measure)}")
            units.append("% av eleverna")
        else:
            labels.append(f"{_LOCAL_NAMES.get(r.source, r.source)}: {r.name}")
            units.append("antal")
    return table.assign(
        label=pd.array(labels, dtype="string"), unit=pd.array(units, dtype="string")
    )


def kpi_unit(title: object) -> str:
    """A Kolada KPI's unit from its title (Kolada writes it after the last comma,
    ``"…, antal/100 000 inv"``): ``"per 100 000 invånare"``, ``"%"``; ``"enligt
    nyckeltalets definition i Kolada"`` when the title gives none."""
    tail = str(title).rpartition(",")[2].strip().casefold()
    if "/100 000 inv" in tail:
        return "per 100 000 invånare"
    if "/1 000 inv" in tail:
        return "per 1 000 invånare"
    if tail.startswith("andel") or "(%)" in tail or tail == "%":
        return "%"
    return "enligt nyckeltalets definition i Kolada"


def kpi_label(title: object) -> str:
    """A Kolada KPI's title without its unit (:func:`kpi_unit` names it): ``"Kolada:
    Anmälda våldsbrott"``."""
    text = str(title)
    head, sep, tail = text.rpartition(",")
    unit = kpi_unit(text)
    name = head.strip() if sep and unit != "enligt nyckeltalets definition i Kolada" else text
    return f"Kolada: {name}"


#: Notes beside a baseline row (by indicator): the same offence at another denominator.
BASELINE_NOTES = {
    "kolada:N07402": (
        "Kolada räknar per 100 000 invånare, Brå-raden om grov kvinnofridskränkning per "
        "100 000 kvinnor: värdena är inte jämförbara rakt av"
    ),
    "bra:Grov kvinnofridskränkning": (
        "per 100 000 kvinnor; Kolada-raden om samma brott räknar per 100 000 invånare"
    ),
}


def baseline_caption(baseline: pd.DataFrame) -> str:
    """The baseline table's caption: with the date it was saved, or saying that it is
    computed now and not saved."""
    if baseline.empty:
        return "Baslinje"
    if not is_frozen(baseline):
        return "Baslinje (beräknad nu, inte sparad)"
    return f"Baslinje (sparad {baseline['saved_on'].iloc[0]})"


def baseline_display(table: pd.DataFrame, counts: pd.Series | None = None) -> pd.DataFrame:
    """The baseline for the report: rates and shares in ``Värde`` with their interval
    (``–`` where the source gives none), local counts of persons in ``Antal``, and the
    police-reported crimes behind a rate in ``Anmälda brott (antal)`` (public counts, not
    persons) where ``counts`` (by indicator,
    :func:`~vpanalysis.steps.situation.baseline_counts`) has them. ``Anmärkning`` flags a
    rate from fewer than :data:`vpanalysis.verdicts.MIN_EVENTS` crimes ("för få fall för
    en bedömning") and the notes of :data:`BASELINE_NOTES`."""
    table = baseline_labels(table)
    counts = pd.Series(dtype="float64") if counts is None else counts
    is_count = table["unit"] == "antal"
    value = [
        "" if counted else number(v, 1) for v, counted in zip(table["value"], is_count, strict=True)
    ]
    ci = []
    for v, lo, up, counted in zip(
        table["value"], table["lower"], table["upper"], is_count, strict=True
    ):
        if counted:
            ci.append("")
        elif pd.notna(lo) and pd.notna(up):
            ci.append(interval(lo, up, 1))
        else:  # no interval from this source ("–"), or the value itself is withheld
            ci.append("–" if pd.notna(v) else SUPPRESSED)
    return pd.DataFrame(
        {
            "Indikator": table["label"],
            "Period": table["period"],
            "Värde": value,
            "95 % KI": ci,
            "Antal": [
                "" if not c else number(v, 0) for v, c in zip(table["value"], is_count, strict=True)
            ],
            "Anmälda brott (antal)": [_police_count(counts, i) for i in table["indicator"]],
            "Enhet": table["unit"],
            "Anmärkning": [_baseline_note(counts, ind) for ind in table["indicator"]],
        }
    )


def _police_count(counts: pd.Series, indicator: object) -> str:
    value = counts.get(indicator, math.nan) if len(counts) else math.nan
    return "" if pd.isna(value) else number(value, 0)


def _baseline_note(counts: pd.Series, indicator: object) -> str:
    notes = []
    value = counts.get(indicator, math.nan) if len(counts) else math.nan
    if not pd.isna(value) and verdicts.too_few(value):
        notes.append(f"för få fall för en bedömning (under {verdicts.MIN_EVENTS} brott)")
    if indicator in BASELINE_NOTES:
        notes.append(BASELINE_NOTES[str(indicator)])
    return "; ".join(notes)


def baseline_marks(table: pd.DataFrame) -> pd.DataFrame:
    """The cells the local rows of :func:`baseline_display` show (same shape): a count in
    ``Antal``, a share in ``Värde`` (with its denominator) and its interval in ``95 % KI``;
    ``None`` unless ``table`` is :func:`~vpanalysis.steps.situation.published_baseline`."""
    if not has_cell_keys(table):
        return None
    marks = {c: [None] * len(table) for c in ("Värde", "95 % KI", "Antal")}
    for i, (_, r) in enumerate(table.iterrows()):
        if pd.isna(r["region_code"]):
            continue
        if r["source"] == "skolenkat":
            row = {**r.to_dict(), "item": r["measure"]}
            marks["Värde"][i] = share_cells(row, limits=False)
            if pd.notna(r["value"]):
                marks["95 % KI"][i] = share_cells(row, share=False)[:2]
        elif pd.notna(r["category"]):
            marks["Antal"][i] = [count_cell(r)]
    return pd.DataFrame({c: pd.Series(v, dtype="object") for c, v in marks.items()})


def is_frozen(table: pd.DataFrame) -> bool:
    """Whether a baseline is the frozen one (it has the date it was saved)."""
    return "saved_on" in table.columns


def with_frozen_notice(shown, table: pd.DataFrame):
    """``shown`` after a warning when the baseline ``table`` is computed now, not frozen."""
    if table.empty or is_frozen(table):
        return shown
    warning = report.notice(
        [
            "Baslinjen är inte fryst: den är beräknad nu ur dagens uppgifter och sparas inte. "
            "Den fryses, det vill säga sparas en gång för alla, när rapporterna tas fram med "
            "kommandot vpanalysis report eller vpanalysis reports."
        ],
        ok="",
    )
    return HTML(warning.data + shown.data)


def baseline(table: pd.DataFrame, page: report.Page, counts: pd.Series | None = None):
    """The baseline table (from :func:`~vpanalysis.steps.situation.report_baseline`, its
    local rows from the publication by
    :func:`~vpanalysis.steps.situation.published_baseline`), after a warning when it is
    computed now rather than frozen."""
    shown = report.table(
        baseline_display(table, counts),
        caption=baseline_caption(table),
        local=True,
        count_columns=["Antal"],
        threshold=page.context.disclosure_threshold,
        if_empty=page.missing("Underlag för en baslinje", BASELINE_NEEDS),
        marks=baseline_marks(table),
    )
    return with_frozen_notice(shown, table)


def baseline_changes(saved: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """Each baseline indicator then and now, for step 5 (Swedish columns).

    ``Förändring`` tests the difference of the two estimates from their 95 % intervals
    (:func:`vpanalysis.verdicts.estimates_differ`; rates on the log scale), in the words of
    :func:`vpanalysis.presentation.verdicts.comparison_word`: ``högre``/``lägre``/``ingen
    säker skillnad``; ``–`` without intervals (Kolada, local counts) or a value. Both
    values are estimates, so the baseline is not treated as exact.
    """
    both = baseline_labels(saved).merge(
        baseline_labels(current), on="indicator", how="left", suffixes=("_then", "_now")
    )
    said = []
    for r in both.itertuples(index=False):
        code = verdicts.estimates_differ(
            r.value_now, r.lower_now, r.upper_now, r.value_then, r.lower_then, r.upper_then,
            log=getattr(r, "kind_then", None) == "rate",
        )  # fmt: skip
        said.append(comparison_word(code))
    is_count = both["unit_then"] == "antal"
    decimals = [0 if c else 1 for c in is_count]
    return pd.DataFrame(
        {
            "Indikator": both["label_then"],
            "Baslinje": [
                f"{number(v, d)} ({p})"
                for v, d, p in zip(both["value_then"], decimals, both["period_then"], strict=True)
            ],
            "Senaste": [
                "–" if pd.isna(p) else f"{number(v, d)} ({p})"
                for v, d, p in zip(both["value_now"], decimals, both["period_now"], strict=True)
            ],
            "Förändring": said,
            "Enhet": both["unit_then"],
        }
    )


def baseline_followup(saved: pd.DataFrame, current: pd.DataFrame, page: report.Page):
    """Step 5's table of the baseline then and the latest values now, after a warning when
    the baseline is computed now rather than frozen."""
    shown = report.table(
        baseline_changes(saved, current),
        caption="Baslinjen och senaste värde",
        if_empty=page.missing("Underlag för en baslinje", BASELINE_NEEDS),
    )
    return with_frozen_notice(shown, saved)


def police_reading(survey: bool = True):
    """:func:`police_reading_text` for a notebook's output."""
    return report.markdown(police_reading_text(survey))
