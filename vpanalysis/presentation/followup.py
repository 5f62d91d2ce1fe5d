"""Step 5 in Swedish: the goal, training, activity and before/after tables, the labels
and units of goal indicators, the notices and the one-page summary.

The numbers come from :mod:`vpanalysis.steps.followup` (codes and tidy frames); this
module words them for the report.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable

import pandas as pd
from IPython.display import HTML

from vpanalysis import indicators, report
from vpanalysis.config import DISCLOSURE_THRESHOLD
from vpanalysis.data import Tables
from vpanalysis.presentation.factors import share_marks
from vpanalysis.presentation.situation import (
    baseline_labels,
    break_notes,
    trend_text,
    with_frozen_notice,
)
from vpanalysis.presentation.verdicts import (
    STATUS_WORDS,
    UNDECIDED_WORDS,
    comparison_word,
    status_text,
)
from vpanalysis.publication import keys
from vpanalysis.registers import parse_cutoff
from vpanalysis.report import SUPPRESSED, interval, number
from vpanalysis.steps.followup import (
    ITS_TREND_POINTS_AFTER,
    STATUSES,
    SURVEY_MONTH,
    TOTAL,
    UNDECIDED,
    WEEK_47,
    activity_summary,
    baseline_mismatches,
    baseline_unverifiable,
    codebook_row,
    counts_persons,
    goal_fit,
    is_count_indicator,
    item_cutoff,
    reported_crime_goals,
    split_indicator,
    touches_week,
)
from vpanalysis.steps.interventions import SURVEY_AGES

#: A goal's status in words (:data:`vpanalysis.presentation.verdicts.STATUS_WORDS`, and
#: step 5's own :data:`~vpanalysis.steps.followup.UNDECIDED`), in the order of
#: :data:`~vpanalysis.steps.followup.STATUSES`.
STATUS_LABELS = {s: STATUS_WORDS.get(s, UNDECIDED_WORDS) for s in STATUSES}
#: The one-line explanation of each status, for the legend "Så läser du tabellen".
STATUS_LEGEND = {
    "reached": "det senaste värdet har nått målvärdet, och hela osäkerhetsintervallet "
    "ligger på rätt sida om det.",
    "on_track": "hela intervallet ligger på rätt sida om linjen: indikatorn har rört sig "
    "minst så långt mot målet som tiden som gått motsvarar.",
    "within_margin": "intervallet täcker målvärdet eller linjen: uppgifterna kan inte "
    "avgöra om målet är nått eller på väg att nås.",
    UNDECIDED: "värdet saknar osäkerhetsmått (till exempel ett Kolada-nyckeltal), och det "
    "finns ännu inte två värden efter utgångsläget på samma sida om linjen. Det räknas inte "
    "som inom felmarginalen.",
    "not_on_track": "hela intervallet ligger efter linjen.",
    "no_data": "det finns inget värde efter utgångsåret.",
}
#: The name of the total row of the training tables.
TOTAL_LABEL = "Totalt"

#: Unit of each indicator source, Swedish, for tables and axes.
SOURCE_UNITS = {
    "skolenkat": "andel elever (%)",
    "bra": "anmälda brott per 100 000 invånare",
    "register:training_coverage": "andel av planerad personal (%)",
    "register:activity_reach": "antal personer",
}


def with_status_labels(status: pd.DataFrame) -> pd.DataFrame:
    """:func:`~vpanalysis.steps.followup.goal_status` with ``status_label`` (Swedish), as
    :func:`vpanalysis.plots.goal_progress` takes it."""
    values = ["baseline_value", "target_value", "latest_value"]
    floats = {c: status[c].astype("Float64").astype("float64") for c in values if c in status}
    return status.assign(
        status_label=status["status"].map(STATUS_LABELS).astype("string"), **floats
    )  # UNDECIDED has its own label: never drawn as within the margin


def _notes(g) -> tuple[str, ...]:
    notes = g.get("notes") if hasattr(g, "get") else None
    if notes is None or pd.isna(notes) or not str(notes):
        return ()
    return tuple(str(notes).split(","))


def goal_status_text(g) -> str:
    """One goal's status with its notes (:func:`vpanalysis.presentation.verdicts.status_text`;
    :data:`~vpanalysis.steps.followup.UNDECIDED` as *Kan inte avgöras än*)."""
    if g["status"] == UNDECIDED:
        notes = _notes(g)
        text = status_text("within_margin", tuple(dict.fromkeys((*notes, "no_interval"))))
        return text if text.startswith(UNDECIDED_WORDS) else UNDECIDED_WORDS
    return status_text(g["status"], _notes(g))


def status_legend() -> str:
    """The legend of the goal statuses (Markdown bullets, every status of
    :data:`~vpanalysis.steps.followup.STATUSES`)."""
    return "\n".join(f"* **{STATUS_LABELS[s]}** – {STATUS_LEGEND[s]}" for s in STATUSES)


def goal_name(goal: object) -> str:
    """A goal in visible text: its own words in quotation marks (never its id)."""
    return f"”{str(goal).strip()}”"


def _latest_text(g) -> str:
    """The latest value with its interval and year(s): ``14,0 (12,1–16,2) år 2024``,
    ``.. `` when withheld, ``inget värde`` without one."""
    if pd.isna(g["latest_year"]):
        return "inget värde än"
    if pd.isna(g["latest_value"]):
        return f"{SUPPRESSED} år {int(g['latest_year'])}"
    text = _num(float(g["latest_value"]), 1)
    lower, upper = g.get("latest_lower"), g.get("latest_upper")
    if lower is not None and not pd.isna(lower) and not pd.isna(upper):
        text += f" ({interval(lower, upper, 1)})"
    first = g.get("latest_from")
    if first is not None and not pd.isna(first) and int(first) != int(g["latest_year"]):
        return f"{text} år {int(first)}–{int(g['latest_year'])}"
    return f"{text} år {int(g['latest_year'])}"


def with_total_label(coverage: pd.DataFrame) -> pd.DataFrame:
    """:func:`~vpanalysis.steps.followup.training_coverage` with its total rows named
    :data:`TOTAL_LABEL`."""
    names = coverage["administration"]
    return coverage.assign(administration=names.mask(names == TOTAL, TOTAL_LABEL))


def _num(value: float, decimals: int = 0) -> str:
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u00a0").replace(".", ",")


def _pct(share: float) -> str:
    return f"{_num(share * 100)}\u00a0%"


def _count_phrase(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


def _join(parts: Iterable[str]) -> str:
    parts = list(parts)
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " och " + parts[-1]


def _goal_messages(status: pd.DataFrame, max_goals_named: int | None = None) -> list[str]:
    """One sentence on the goals' statuses, then every goal with its status, latest value
    and uncertainty, and target (none is left out of the summary)."""
    counts = status["status"].value_counts()
    n = len(status)
    words = {"reached": ("nått", "nådda"), "on_track": ("på väg mot målet",) * 2,
             "within_margin": ("inom felmarginalen",) * 2,
             "not_on_track": ("inte på väg mot målet",) * 2}  # fmt: skip
    parts = []
    for key, (one, many) in words.items():
        k = int(counts.get(key, 0))
        if k:
            parts.append(f"{k} {one if k == 1 else many}")
    messages = []
    no_data = int(counts.get("no_data", 0))
    undecided = int(counts.get(UNDECIDED, 0))
    if parts or undecided:
        if parts:
            text = f"Av {n} mål är {_join(parts)}"
            if undecided:
                text += f"; för {undecided} kan det inte avgöras än"
            text += "."
        else:
            text = f"Av {n} mål kan det för {undecided} inte avgöras än hur det går."
        if no_data:
            text += f" {no_data} mål saknar uppföljningsvärde än."
        messages.append(text)
    elif n == 1:
        messages.append("Målet har inget uppföljningsvärde än.")
    else:
        messages.append(f"Inget av de {n} målen har något uppföljningsvärde än.")
    if "goal_id" not in status or "latest_year" not in status:
        return messages
    for _, g in status.iterrows():
        if g["status"] == "no_data":
            messages.append(f"{goal_status_text(g)}: ”{g['goal']}”.")
            continue
        messages.append(
            f"{goal_status_text(g)}: ”{g['goal']}” – senast {_latest_text(g)}, målet är "
            f"{_num(float(g['target_value']), 1)} år {int(g['target_year'])}."
        )
    return messages


def _coverage_messages(coverage: pd.DataFrame, year: int | None) -> list[str]:
    cov = with_total_label(coverage)
    cov = cov[cov["administration"] != TOTAL_LABEL]
    last = year if year is not None else int(cov["year"].max())
    upto = cov[cov["year"] <= last].sort_values("year", kind="stable")
    if upto.empty:
        return []
    # each administration's accumulated state at its latest planned or trained year
    now = upto.groupby(["municipality_code", "administration"], sort=False).tail(1)
    planned = int(now["cumulative_planned"].sum())
    trained = int(now["cumulative_trained"].sum())
    first = int(upto["year"].min())
    period = f"{first}–{last}" if first < last else f"{last}"
    messages = []
    if planned:
        messages.append(
            f"Utbildning i våldsprevention {period}: {_num(trained)} av {_num(planned)} "
            f"planerade medarbetare har utbildats ({_pct(trained / planned)})."
        )
    # the summary is for the public: no administration is singled out here (the
    # report's table shows each one's share for the steering group)
    return messages


def key_messages(
    status: pd.DataFrame | None = None,
    coverage: pd.DataFrame | None = None,
    activities: pd.DataFrame | None = None,
    *,
    year: int | None = None,
    max_goals_named: int = 3,
) -> list[str]:
    """Short Swedish sentences for a one-page summary of one municipality.

    ``status``: :func:`~vpanalysis.steps.followup.goal_status`; ``coverage``:
    :func:`~vpanalysis.steps.followup.training_coverage` (all years; the latest year, or
    ``year``, is summarised with its accumulated values); ``activities``: the activities
    register or :func:`~vpanalysis.steps.followup.activity_summary` (the latest year, or
    ``year``). Parts that are ``None`` or empty are skipped.
    """
    messages: list[str] = []
    if status is not None and not status.empty:
        messages += _goal_messages(status, max_goals_named)
    if coverage is not None and not coverage.empty:
        messages += _coverage_messages(coverage, year)
    if activities is not None and not activities.empty:
        summary = activities if "n_activities" in activities else activity_summary(activities)
        last = year if year is not None else int(summary["year"].max())
        now = summary[summary["year"] == last]
        if now.empty:
            messages.append(f"Inga aktiviteter är registrerade för {last}.")
        else:
            n = int(now["n_activities"].sum())
            reach = now["reach"].sum(min_count=1)
            text = f"Under {last} genomfördes {_count_phrase(n, 'aktivitet', 'aktiviteter')}"
            if pd.notna(reach) and n > 1:
                # a sum over activities counts visits: one person can come to several
                text += (
                    f"; arrangörerna uppskattar att de hade omkring "
                    f"{_num(round_visits(float(reach)))} besök (en uppskattning, inte en "
                    "räkning, summerad över aktiviteterna: samma person kan räknas flera "
                    "gånger)"
                )
            elif pd.notna(reach):
                text += (
                    f"; arrangören uppskattar att den nådde omkring "
                    f"{_num(round_visits(float(reach)))} personer (en uppskattning, inte en "
                    "räkning)"
                )
            messages.append(text + ".")
            if now["week_47"].any():
                messages.append(f"En vecka fri från våld (vecka 47) uppmärksammades {last}.")
            else:
                messages.append(
                    f"Ingen aktivitet under vecka 47 (En vecka fri från våld) är registrerad "
                    f"för {last}."
                )
    return messages


def round_visits(total: float) -> float:
    """A sum of organisers' reach estimates rounded as the estimate it is: to the
    hundred from 1 000, to the ten from 100 (1 536 -> 1 500, 85 -> 85)."""
    if total >= 1000:
        return float(round(total, -2))
    if total >= 100:
        return float(round(total, -1))
    return float(total)


#: Registers whose absence leaves the printable summary with nothing to say, in words.
SUMMARY_REGISTERS = {
    "goals": "målregistret",
    "training_log": "utbildningsloggen",
    "activities": "aktivitetsregistret",
}


def summary_empty(registers) -> str:
    """The printable summary's text when it has nothing to summarise: the registers that
    have no rows for the municipality are named as missing from the data (not as empty),
    e.g. "Målregistret, utbildningsloggen och aktivitetsregistret finns inte i
    underlaget; uppföljningen kan inte göras än."."""
    missing = [
        name for key, name in SUMMARY_REGISTERS.items()
        if getattr(registers, key, None) is None or getattr(registers, key).empty
    ]  # fmt: skip
    if not missing:
        return "Det finns ännu inget att följa upp i registren."
    text = _join(missing)
    return f"{text[0].upper()}{text[1:]} finns inte i underlaget; uppföljningen kan inte göras än."


_COMPARE = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


def _answer_labels(codes: object, cutoff: str | None, missing_codes: object = None) -> list[str]:
    """The answer texts a cut-off counts (``"0=Nej|1=Ja"`` with no cut-off -> ``["Ja"]``,
    ``"1=..|4=Stämmer helt|9=Vet inte"`` with ``">= 3"`` -> answers 3 and 4)."""
    if codes is None or pd.isna(codes):
        return []
    missing = set()
    if missing_codes is not None and not pd.isna(missing_codes):
        missing = {p.strip() for p in str(missing_codes).split("|") if p.strip()}
    pairs = []
    for part in str(codes).split("|"):
        code, _, text = part.partition("=")
        if code.strip() in missing:
            continue
        try:
            pairs.append((float(code), text.strip()))
        except ValueError:
            continue
    cut = parse_cutoff(cutoff)
    if cut is None:
        return [text for code, text in pairs if code == 1]
    if cut.percentile is not None:
        return []
    return [text for code, text in pairs if _COMPARE[cut.op](code, cut.value)]


def indicator_label(indicator: str, tables: Tables | None = None) -> str:
    """A goal indicator in plain Swedish (the survey question, the KPI's title, ...);
    ``tables`` supply the codebook and the KPI list."""
    tables = tables or Tables()
    try:
        source, measure = split_indicator(indicator)
    except ValueError:
        return str(indicator)
    if source == "skolenkat":
        row = codebook_row(tables.codebook, measure)
        if row is None:
            return f"Skolenkät: {measure}"
        answers = _answer_labels(
            row.get("codes"), item_cutoff(tables.codebook, measure), row.get("missing_codes")
        )
        said = " eller ".join(f"”{a}”" for a in answers)
        text = f"Skolenkät, andel elever (%) som svarar {said} på: " if said else "Skolenkät: "
        return text + str(row["question"])
    if source == "kolada":
        kpis = tables.kpis
        if kpis is not None and (kpis["kpi"] == measure).any():
            return f"{kpis.loc[kpis['kpi'] == measure, 'title'].iloc[0]} (Kolada {measure})"
        return f"Kolada {measure}"
    if source == "bra":
        return f"Anmälda brott, {measure}, per 100 000 invånare"
    if indicator == "register:training_coverage":
        return "Utbildad personal, andel av den planerade (%), hittills"
    if indicator == "register:activity_reach":
        return "Personer som nåtts av årets aktiviteter"
    return str(indicator)


def indicator_unit(indicator: str, tables: Tables | None = None) -> str:
    """The unit of a goal indicator for an axis label (Swedish)."""
    tables = tables or Tables()
    try:
        source, measure = split_indicator(indicator)
    except ValueError:
        return ""
    if source == "kolada":
        kpis = tables.kpis
        if kpis is not None and (kpis["kpi"] == measure).any():
            return str(kpis.loc[kpis["kpi"] == measure, "unit"].iloc[0])
        return ""
    return SOURCE_UNITS.get(source, SOURCE_UNITS.get(str(indicator), ""))


# ---------------------------------------------------------------- report tables


def _value_year(value: object, year: object, decimals: int = 1) -> str:
    if value is None or pd.isna(value):
        return SUPPRESSED
    text = number(value, decimals)
    return text if year is None or pd.isna(year) else f"{text} ({int(year)})"


def check_goal_counts(status: pd.DataFrame, threshold: int = DISCLOSURE_THRESHOLD) -> None:
    """The last-line check of the goal table: a goal's baseline, target or latest value
    that is a count of persons (:func:`~vpanalysis.steps.followup.is_count_indicator`)
    must not be 1..``threshold``-1 (:func:`vpanalysis.report.check_disclosure`)."""
    counts = status[status["indicator"].map(is_count_indicator).astype(bool)]
    report.check_disclosure(counts, ["baseline_value", "target_value", "latest_value"], threshold)


def goal_table(
    status: pd.DataFrame,
    series: pd.DataFrame | None = None,
    tables: Tables | None = None,
    threshold: int | None = None,
) -> pd.DataFrame:
    """The goals as shown in the report: indicator, baseline, target, latest value (with
    its 95 % interval when the source gives one) and status, Swedish column names.
    ``threshold`` runs :func:`check_goal_counts` first (``status`` from
    :func:`~vpanalysis.steps.followup.published_goal_status`)."""
    if threshold is not None:
        check_goal_counts(status, threshold)
    rows = []
    for _, g in status.iterrows():
        ci = ""
        lower, upper = g.get("latest_lower"), g.get("latest_upper")
        if lower is not None and pd.notna(lower) and pd.notna(upper):
            ci = interval(lower, upper)
        elif series is not None and pd.notna(g["latest_year"]):
            hit = series[
                (series["indicator"] == g["indicator"]) & (series["year"] == g["latest_year"])
            ]
            if len(hit) and pd.notna(hit["lower"].iloc[0]):
                ci = interval(hit["lower"].iloc[0], hit["upper"].iloc[0])
        latest = _value_year(g["latest_value"], g["latest_year"])
        first = g.get("latest_from")
        averaged = first is not None and pd.notna(first) and pd.notna(g["latest_year"])
        if averaged and int(first) != int(g["latest_year"]) and pd.notna(g["latest_value"]):
            latest = f"{number(g['latest_value'], 1)} ({int(first)}–{int(g['latest_year'])})"
        path = g.get("path_value")
        rows.append(
            {
                "Mål": str(g["goal"]),
                "Indikator": indicator_label(g["indicator"], tables),
                "Utgångsläge (år)": _value_year(g["baseline_value"], g["baseline_year"]),
                "Målvärde (år)": _value_year(g["target_value"], g["target_year"]),
                "Senaste värde (år)": latest,
                "95 % konfidensintervall": ci or "–",
                "Linjen mot målet samma år": "–" if path is None or pd.isna(path)
                else number(path, 1),
                "Status": goal_status_text(g),
            }
        )  # fmt: skip
    columns = ["Mål", "Indikator", "Utgångsläge (år)", "Målvärde (år)", "Senaste värde (år)",
               "95 % konfidensintervall", "Linjen mot målet samma år", "Status"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def _series_row(series: pd.DataFrame | None, indicator: object, year: object):
    if series is None or year is None or pd.isna(year):
        return None
    hit = series[(series["indicator"] == indicator) & (series["year"] == year)]
    return None if hit.empty else hit.iloc[0]


def series_marks(row: pd.Series, municipality: str) -> dict[str, list[dict]]:
    """The publication cells of one value of a goal series (:func:`share_marks` for a
    survey share; a count cell for a local count); empty lists for other sources."""
    source, measure = split_indicator(row["indicator"])
    if source == "skolenkat":
        share = {"yes": row["count"], "answered": row["population"], "value": row["value"],
                 "lower": row["lower"], "upper": row["upper"]}  # fmt: skip
        return share_marks(measure, municipality, int(row["year"]), share)
    if is_count_indicator(row["indicator"]) and source != "register":
        key = dict(source=source, measure=measure, region=municipality, year=int(row["year"]),
                   sex="T", age=keys.TOTAL_AGE, grade=keys.ALL)  # fmt: skip
        kind = "withheld" if pd.isna(row["value"]) else "count"
        cell = keys.cell(kind, None if kind == "withheld" else row["value"], **key)
        return {"share": [cell], "interval": [], "denominator": []}
    return {"share": [], "interval": [], "denominator": []}


#: The register cell of a year's known activity reach (:func:`activity_year_marks`).
ACTIVITY_REACH = "activity reach"


def _typed_count(g: pd.Series, column: str, municipality: str) -> list[dict] | None:
    """A goal's baseline, target or latest value typed into the register as a count of
    persons, as a register cell (``goal:<goal_id>:<baseline|target|latest>``)."""
    if not is_count_indicator(g["indicator"]):
        return None
    what = column.removesuffix("_value")
    measure = f"goal:{g['goal_id']}:{what}"
    return [keys.register_cell(g[column], measure, municipality, g[f"{what}_year"])]


def goal_marks(status: pd.DataFrame, series: pd.DataFrame, municipality: str) -> pd.DataFrame:
    """The publication cells of :func:`goal_table` (same shape): the latest value from a
    local source and its interval; a baseline, target or latest value typed into the
    register as a count of persons (:func:`~vpanalysis.steps.followup.is_count_indicator`)
    as a register cell (:func:`vpanalysis.publication.keys.register_cell`), and the
    people reached by a year's activities (``register:activity_reach``) as the cell of
    :func:`activity_year_marks`."""
    rows = []
    for _, g in status.iterrows():
        hit = _series_row(series, g["indicator"], g["latest_year"])
        marks = series_marks(hit, municipality) if hit is not None else None
        source = None if pd.isna(g["latest_source"]) else str(g["latest_source"])
        use = marks is not None and bool(marks["share"]) and source == "indicator"
        latest = marks["share"] if use else None
        if latest is None and source == "register":
            latest = _typed_count(g, "latest_value", municipality)
        elif latest is None and g["indicator"] == "register:activity_reach":
            latest = [
                keys.register_cell(
                    g["latest_value"], ACTIVITY_REACH, municipality, g["latest_year"]
                )
            ]
        rows.append(
            {
                "Utgångsläge (år)": _typed_count(g, "baseline_value", municipality),
                "Målvärde (år)": _typed_count(g, "target_value", municipality),
                "Senaste värde (år)": latest,
                "95 % konfidensintervall": marks["interval"] if use else None,
            }
        )
    columns = ["Utgångsläge (år)", "Målvärde (år)", "Senaste värde (år)",
               "95 % konfidensintervall"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def chart_cells(series: pd.DataFrame, municipality: str) -> list[dict]:
    """The publication cells the goal chart draws (``cells`` of
    :func:`vpanalysis.report.chart`): every published local value of the series."""
    cells: list[dict] = []
    for _, row in series.dropna(subset=["value"]).iterrows():
        marks = series_marks(row, municipality)
        cells += [c for c in marks["share"] if c["kind"] != "withheld"]
    return cells


def reported_crime_notice(goals: pd.DataFrame, municipality: str | None = None):
    """A warning for each goal whose outcome is police-reported crime
    (:func:`~vpanalysis.steps.followup.reported_crime_goals`), suggesting self-reported
    exposure instead; nothing when there is none."""
    hits = reported_crime_goals(goals, municipality)
    messages = [
        f"Målet {goal_name(g.goal)} mäts med anmälda brott. Fler anmälningar kan betyda att "
        "fler vågar anmäla – till exempel när arbetet lyckas – så en ökning behöver inte "
        "vara ett misslyckande och en minskning inte en framgång. Följ hellre upp "
        "utsatthet som människor själva berättar om (skolenkätens frågor om utsatthet, "
        "Brås Nationella trygghetsundersökning för länet), och använd anmälningarna som "
        "ett komplement."
        for g in hits.itertuples(index=False)
    ]
    return report.notice(messages, ok="") if messages else report.markdown("")


def baseline_changes(follow: pd.DataFrame, saved: pd.DataFrame) -> pd.DataFrame:
    """Each baseline indicator then and now, Swedish columns, from
    :func:`~vpanalysis.steps.followup.baseline_followup` (local values from the
    publication); labels and units from ``saved`` (the baseline)."""
    columns = ["Indikator", "Baslinje", "Senaste", "Skillnad mot baslinjen",
               "Trend (årsvärden)", "Enhet"]  # fmt: skip
    if follow.empty:
        return pd.DataFrame(columns=columns)
    labels = baseline_labels(saved).drop_duplicates("indicator").set_index("indicator")
    label = follow["indicator"].map(labels["label"])
    unit = follow["indicator"].map(labels["unit"])
    decimals = [0 if u == "antal" else 1 for u in unit]

    def shown(value, d, period, indicator):
        if period is None or pd.isna(period):
            return "–"
        if is_honour(indicator) and not pd.isna(value) and float(value) == 0:
            return f"0 kända fall ({period})"
        return f"{number(value, d)} ({period})"

    return pd.DataFrame(
        {
            "Indikator": label.to_numpy(),
            "Baslinje": [shown(v, d, p, i) for v, d, p, i in
                         zip(follow["value_then"], decimals, follow["period_then"],
                             follow["indicator"], strict=True)],
            "Senaste": [shown(v, d, p, i) for v, d, p, i in
                        zip(follow["value_now"], decimals, follow["period_now"],
                            follow["indicator"], strict=True)],
            "Skillnad mot baslinjen": follow["change"].map(comparison_word).to_numpy(),
            "Trend (årsvärden)": [
                "–" if c is None or pd.isna(c) else trend_text(c, rr)
                for c, rr in zip(follow["trend"], follow["trend_rate_ratio"], strict=True)
            ],
            "Enhet": unit.to_numpy(),
        }
    )  # fmt: skip


def is_honour(indicator: object) -> bool:
    """Whether a baseline indicator counts honour-related violence (a bare 0 of it would
    read as "none here": it is shown as "0 kända fall")."""
    return "heder" in str(indicator).casefold()


def baseline_notes(follow: pd.DataFrame) -> list[str]:
    """What the signs of :func:`baseline_changes` mean, for the rows it has: "–" in the
    comparison and trend columns, "..", "0 kända fall", and that the women's shelter's
    figures are published only with its consent."""
    if follow.empty:
        return []
    notes = []
    untested = follow["change"].eq("not_compared")
    reasons = []
    if (untested & follow["source"].eq("kolada")).any():
        reasons.append("för Kolada-värden, som saknar osäkerhetsintervall")
    local = follow["kind"].eq("count") & follow["source"].isin(["socialtjanst", "kvinnojour"])
    if (untested & local & ~follow["indicator"].map(counts_persons).astype(bool)).any():
        reasons.append(
            "för dygn i skyddat boende och stödsamtal, som räknar dygn och samtal, inte "
            "personer (en person kan stå för många), så två år kan inte testas som antal"
        )
    hidden = follow["value_then"].isna() | follow["value_now"].isna()
    if (untested & hidden & follow["source"].ne("kolada")).any():
        reasons.append(f"där ett av värdena inte redovisas (”{SUPPRESSED}”)")
    if reasons:
        notes.append(
            "”–” i kolumnen Skillnad mot baslinjen betyder att ingen jämförelse görs: "
            + "; ".join(reasons) + "."
        )  # fmt: skip
    if follow["trend"].isna().any():
        notes.append(
            "”–” i kolumnen Trend betyder att ingen trend räknas: trenden bygger på ett värde "
            "för varje år och räknas för anmälda brott. Skolenkäten görs vartannat år och "
            "jämförs därför bara mellan baslinjen och den senaste undersökningen, liksom de "
            "lokala antalen och Kolada-värdena."
        )
    if hidden.any():
        notes.append(
            f"”{SUPPRESSED}” betyder att uppgiften inte redovisas: antingen är antalet under "
            "sekretessgränsen, eller så döljs uppgiften för att skydda en annan uppgift (den "
            "skulle annars gå att räkna fram ur en summa). Ett "
            f"”{SUPPRESSED}” säger alltså inget om hur stort antalet är."
        )
    zero = [
        is_honour(i) and ((not pd.isna(a) and float(a) == 0) or (not pd.isna(b) and float(b) == 0))
        for i, a, b in zip(follow["indicator"], follow["value_then"], follow["value_now"],
                           strict=True)
    ]  # fmt: skip
    if any(zero):
        notes.append(
            "”0 kända fall” av hedersrelaterat våld betyder att inga fall blev kända för "
            "socialtjänsten eller kvinnojouren det året, inte att sådant våld inte finns i "
            "kommunen: hedersrelaterat våld upptäcks sällan, och den som utsätts söker sällan "
            "hjälp själv."
        )
    if follow["source"].eq("kvinnojour").any():
        notes.append(
            "Kvinnojouren är en ideell förening och uppgifterna är föreningens egna: de får "
            "publiceras bara med föreningens samtycke."
        )
    return notes


def _baseline_cell_marks(r, when: str) -> list[dict] | None:
    key = r[f"key_{when}"]
    if not isinstance(key, dict):
        return None
    if r["source"] == "skolenkat":
        share = {c: r[f"{c}_{when}"] for c in ("yes", "answered", "value", "lower", "upper")}
        return share_marks(key["measure"], key["region"], key["year"], share)["share"]
    fields = {k: v for k, v in key.items() if k in keys.KEY_FIELDS}
    if pd.isna(r[f"value_{when}"]):
        return [keys.cell("withheld", **fields)]
    return [keys.cell("count", r[f"value_{when}"], **fields)]


def baseline_marks(follow: pd.DataFrame) -> pd.DataFrame:
    """The publication cells of :func:`baseline_changes` (same shape)."""
    rows = [
        {"Baslinje": _baseline_cell_marks(r, "then"), "Senaste": _baseline_cell_marks(r, "now")}
        for _, r in follow.iterrows()
    ]
    return pd.DataFrame(rows, columns=["Baslinje", "Senaste"])


#: What a baseline needs (keys of :data:`vpanalysis.presentation.provenance.NEEDS`).
BASELINE_NEEDS = ["bra", "kolada", "skolenkat", "socialtjanst", "kvinnojour"]


def baseline_followup(follow: pd.DataFrame, saved: pd.DataFrame, page: report.Page):
    """Step 5's table of the baseline then and the latest values now
    (:func:`baseline_changes`), through the last-line check of its local counts, after a
    warning when the baseline is computed now rather than frozen."""
    threshold = page.context.disclosure_threshold
    counts = follow[follow["source"].isin(["socialtjanst", "kvinnojour"])]
    report.check_disclosure(counts, ["value_then", "value_now"], threshold)
    if not follow.empty and (follow["period_then"] == follow["period_now"]).all():
        goals = getattr(page.context.registers, "goals", None)
        no_goals = goals is None or goals.empty
        means = "En jämförelse med baslinjen blir möjlig när nya uppgifter har lagts in."
        if no_goals:
            means += (
                " Utan mål avser baslinjen de senaste uppgifterna; när målregistret har fyllts "
                "i anger det vilket år målen utgår från."
            )
        # not a gap in what the municipality has supplied (the footer and the index do
        # not list it): the data are simply not newer than the baseline yet
        return with_frozen_notice(
            report.missing(
                "Uppgifter som är nyare än baslinjen",
                page.name,
                None,
                why=(
                    "finns inte ännu: baslinjen och de senaste uppgifterna avser samma period, "
                    "så baslinjen skulle jämföras med sig själv."
                ),
                means=means,
            ),
            saved,
        )
    shown = report.table(
        baseline_changes(follow, saved),
        caption="Baslinjen och senaste värde",
        local=True,
        threshold=threshold,
        marks=baseline_marks(follow),
        if_empty=page.missing("Underlag för en baslinje", BASELINE_NEEDS),
    )
    notes = baseline_notes(follow) + baseline_break_notes(follow, page.context.year_range)
    if notes:
        shown = HTML(shown.data + report.notice(notes, ok="").data)
    return with_frozen_notice(shown, saved)


def baseline_break_notes(follow: pd.DataFrame, years) -> list[str]:
    """The series breaks (:func:`vpanalysis.presentation.situation.break_notes`) of the
    police-reported trends in ``follow``, whose years are ``years`` (first, last)."""
    rated = follow[follow["source"].eq("bra") & follow["trend"].notna()] if len(follow) else follow
    if rated.empty:
        return []
    first, last = min(years), max(years)
    summary = pd.DataFrame(
        {
            "category": rated["indicator"].str.partition(":")[2].to_numpy(),
            "trend_from": first,
            "trend_to": last,
        }
    )
    return break_notes(summary)


def baseline_check(
    goals: pd.DataFrame, series: pd.DataFrame, municipality: str | None = None
) -> list[str]:
    """Swedish messages for goals whose baseline in the register disagrees with the data
    (:func:`~vpanalysis.steps.followup.baseline_mismatches`), and for goals whose
    baseline cannot be checked because the data have no value that year
    (:func:`~vpanalysis.steps.followup.baseline_unverifiable`)."""
    unchecked = baseline_unverifiable(goals, series, municipality)
    names = dict(zip(goals["goal_id"], goals["goal"], strict=True)) if len(goals) else {}
    return [
        f"Målet {goal_name(names.get(m.goal_id, m.goal_id))}: utgångsvärdet i målregistret "
        f"({_num(m.baseline_value, 1)} år {int(m.baseline_year)}) stämmer inte med källans värde "
        f"({_num(m.value, 1)} år {int(m.year)}). Kontrollera att målet mäts på "
        "samma sätt som indikatorn."
        for m in baseline_mismatches(goals, series, municipality).itertuples(index=False)
    ] + [
        f"Målet {goal_name(names.get(m.goal_id, m.goal_id))}: utgångsvärdet i målregistret "
        f"(år {int(m.baseline_year)}) kan inte "
        "kontrolleras, eftersom datakällan saknar värde för det året. Lägg in uppgifterna "
        "för utgångsåret för att kunna kontrollera det."
        for m in unchecked.itertuples(index=False)
    ]


def status_counts(status: pd.DataFrame) -> list[tuple[str, str]]:
    """Key figures: the number of goals per status, as ``(label, value)`` pairs."""
    counts = status["status"].value_counts()
    return [(STATUS_LABELS[s], str(int(counts.get(s, 0)))) for s in STATUSES]


def training_table(coverage: pd.DataFrame, year: int | None = None) -> pd.DataFrame:
    """Training coverage per administration up to ``year`` (default the latest): planned
    and trained that year, accumulated, and the accumulated share; a total row last.

    ``coverage`` is :func:`~vpanalysis.steps.followup.training_coverage` of one
    municipality (all years).
    """
    columns = ["Förvaltning", "Planerat senaste året", "Utbildade senaste året",
               "Planerat hittills", "Utbildade hittills", "Andel av planen (%)"]  # fmt: skip
    if coverage.empty:
        return pd.DataFrame(columns=columns)
    coverage = with_total_label(coverage)
    last = int(coverage["year"].max()) if year is None else year
    upto = coverage[coverage["year"] <= last].sort_values("year", kind="stable")
    now = upto.groupby("administration", sort=False).tail(1)
    now = pd.concat(
        [now[now["administration"] != TOTAL_LABEL], now[now["administration"] == TOTAL_LABEL]]
    )
    this_year = now["year"] == last
    out = pd.DataFrame(
        {
            "Förvaltning": now["administration"],
            f"Planerat {last}": now["planned"].where(this_year, 0),
            f"Utbildade {last}": now["trained"].where(this_year, 0),
            "Planerat hittills": now["cumulative_planned"],
            "Utbildade hittills": now["cumulative_trained"],
            "Andel av planen (%)": now["cumulative_share"] * 100,
        }
    )
    return out.astype({f"Planerat {last}": "Int64", f"Utbildade {last}": "Int64"}).reset_index(
        drop=True
    )


def training_chart_data(coverage: pd.DataFrame, year: int | None = None) -> pd.DataFrame:
    """Per administration (no total): ``category`` and ``value`` = accumulated share (%)
    up to ``year``, for :func:`vpanalysis.plots.bars`."""
    coverage = with_total_label(coverage)
    table = training_table(coverage[coverage["administration"] != TOTAL_LABEL], year)
    return pd.DataFrame(
        {"category": table["Förvaltning"], "value": table["Andel av planen (%)"].astype(float)}
    )


def _period(start: object, end: object) -> str:
    if start is None or pd.isna(start):
        return ""
    first = pd.Timestamp(start).strftime("%Y-%m-%d")
    if end is None or pd.isna(end) or pd.Timestamp(end) == pd.Timestamp(start):
        return first
    return f"{first} – {pd.Timestamp(end).strftime('%Y-%m-%d')}"


#: The column of :func:`activity_table` (and its marks) with each activity's reach.
REACH_COLUMN = "Nådda personer (uppskattning)"
#: The column of :func:`activity_year_table` (and its marks) with a year's sum of reach:
#: visits, since the same person can be reached by several activities.
VISITS_COLUMN = "Besök (summa av arrangörernas uppskattningar)"


def activity_table(activities: pd.DataFrame) -> pd.DataFrame:
    """The activities register as shown in the report, oldest first."""
    frame = activities.sort_values("start_date", kind="stable")
    week = [
        "Ja" if touches_week(s, e, WEEK_47) else ""
        for s, e in zip(frame["start_date"], frame["end_date"], strict=True)
    ]
    return pd.DataFrame(
        {
            "Datum": [
                _period(s, e) for s, e in zip(frame["start_date"], frame["end_date"], strict=True)
            ],
            "Aktivitet": frame["name"],
            "Arrangör": frame["organiser"],
            "Målgrupp": frame["target_group"],
            REACH_COLUMN: frame["reach"].astype("Int64"),
            "Kanaler": frame["channels"].map(
                lambda v: ", ".join(v) if isinstance(v, list | tuple) else ("" if v is None else v)
            ),
            "Vecka 47": week,
        }
    ).reset_index(drop=True)


def activity_marks(activities: pd.DataFrame) -> pd.DataFrame:
    """The marks of :func:`activity_table` (same shape): each activity's reach as a
    register cell (``activity reach:<start date>:<name>``, its year), withheld where
    :func:`~vpanalysis.steps.followup.published_activities` withheld it."""
    frame = activities.sort_values("start_date", kind="stable")
    cells = [
        [
            keys.register_cell(
                v, f"{ACTIVITY_REACH}:{pd.Timestamp(start):%Y-%m-%d}:{name}", code,
                pd.Timestamp(start).year,
            )
        ]
        for v, start, name, code in zip(
            frame["reach"], frame["start_date"], frame["name"], frame["municipality_code"],
            strict=True,
        )
    ]  # fmt: skip
    return pd.DataFrame({REACH_COLUMN: cells})


def activity_year_marks(activities: pd.DataFrame) -> pd.DataFrame:
    """The marks of :func:`activity_year_table` (same shape): each year's known reach (a
    sum of published reach only) as the register cell :data:`ACTIVITY_REACH` of that year."""
    summary = activity_summary(activities)
    cells = [
        [keys.register_cell(v, ACTIVITY_REACH, code, year)]
        for v, code, year in zip(
            summary["reach"], summary["municipality_code"], summary["year"], strict=True
        )
    ]
    return pd.DataFrame({VISITS_COLUMN: cells})


def activity_year_table(activities: pd.DataFrame) -> pd.DataFrame:
    """Activities per year: number, people reached (known reach), week 47 marked or not."""
    summary = activity_summary(activities)
    return pd.DataFrame(
        {
            "År": summary["year"].astype("string"),
            "Antal aktiviteter": summary["n_activities"],
            VISITS_COLUMN: summary["reach"],
            "Aktiviteter utan uppgift om räckvidd": summary["n_reach_missing"],
            "En vecka fri från våld (v. 47)": summary["week_47"].map({True: "Ja", False: "Nej"}),
        }
    )


def _ratio_text(value: object, lower: object, upper: object) -> str:
    if value is None or pd.isna(value):
        return "–"
    return f"{number(value, 2)} ({interval(lower, upper, 2)})"


_LEVEL_TEXT = {
    "level_down": "Nivån sjönk när insatsen startade (hela intervallet under 1).",
    "level_up": "Nivån steg när insatsen startade (hela intervallet över 1).",
    "no_level_change": (
        "Ingen säker förändring i nivå när insatsen startade (intervallet omfattar 1)."
    ),
}


def its_reason(row: pd.Series) -> str:
    """One row of :func:`~vpanalysis.steps.followup.goal_its` in plain Swedish: the
    verdict on the level change (and a warning when points are few), or why no estimate
    was made."""
    outcome = row["outcome"]
    if outcome in _LEVEL_TEXT:
        text = _LEVEL_TEXT[outcome]
        if row.get("level_only"):
            text += (
                f" Med färre än {ITS_TREND_POINTS_AFTER} mätpunkter efter starten skattas "
                "bara nivåförändringen, ingen förändring i trend."
            )
        if row["few_points"]:
            text += " Få mätpunkter: tolka med försiktighet."
        return text
    if outcome == "no_intervention":
        return "Målet är inte kopplat till någon insats."
    if outcome == "misfit":
        return (
            "Ingen före–efter-analys: indikatorn kan inte visa insatsens effekt "
            f"({FIT_WORDS.get(str(row.get('problem')), str(row.get('problem')))})."
        )
    if outcome == "unknown_intervention":
        return f"Insatsen {row['intervention_id']} finns inte i insatsregistret."
    if outcome == "no_start_date":
        return "Insatsen saknar startdatum."
    if outcome == "no_counts":
        return (
            "Indikatorn saknar antal och befolkning, som regressionen behöver "
            "(t.ex. Kolada-värden och registeruppgifter)."
        )
    if outcome == "too_few_points":
        start = int(row["intervention_year"])
        after = row.get("after_from")
        counted = f"från starten {start}"
        if after is not None and not pd.isna(after) and int(after) != start:
            counted = (
                f"efter starten {row['start_date']:%Y-%m-%d} (skolenkäten {start} gjordes "
                "före starten)"
            )
        survey = str(row.get("indicator")).startswith("skolenkat:")

        def points(n: int) -> str:
            if not survey:
                return f"{n} år"
            return f"{n} {'enkät' if n == 1 else 'enkäter'}"

        return (
            f"För få mätpunkter: {points(int(row['n_before']))} före och "
            f"{points(int(row['n_after']))} {counted}; det behövs minst "
            f"{indicators.MIN_POINTS_BEFORE} före och {indicators.MIN_POINTS_AFTER} efter."
        )
    if outcome == "not_estimable":
        return f"Regressionen kunde inte skattas ({row['error']})."
    return str(outcome)


def with_its_reasons(its: pd.DataFrame) -> pd.DataFrame:
    """:func:`~vpanalysis.steps.followup.goal_its` with ``reason`` (:func:`its_reason`);
    a frame that already has a ``reason`` is returned as it is."""
    if "reason" in its:
        return its
    reasons = [its_reason(row) for _, row in its.iterrows()]
    return its.assign(reason=pd.Series(reasons, index=its.index, dtype=object))


#: Why a goal's indicator cannot follow its intervention
#: (:data:`~vpanalysis.steps.followup.GOAL_FIT_PROBLEMS`), in words.
FIT_WORDS = {
    "parents followed by pupil survey": "målgruppen är föräldrar, men skolenkäten frågar "
    f"elever i åk 9 och gy 2 ({SURVEY_AGES[0]}–{SURVEY_AGES[1]} år)",
    "ages outside survey": "målgruppens åldrar finns inte bland eleverna i skolenkäten "
    f"({SURVEY_AGES[0]}–{SURVEY_AGES[1]} år)",
    "population indicator only": "insatsen når en avgränsad grupp, men indikatorn mäter "
    "alla elever eller hela befolkningen, där en förändring hos deltagarna knappast syns",
}


def goal_fit_messages(goals: pd.DataFrame, interventions: pd.DataFrame | None) -> list[str]:
    """A warning for each goal whose indicator cannot show the effect of the intervention
    it names (:func:`~vpanalysis.steps.followup.goal_fit`, step 4's fit check): no
    before/after analysis is made for it."""
    return [
        f"Målet {goal_name(r.goal)} är kopplat till insatsen {r.intervention} "
        f"({r.target_group}), men {FIT_WORDS[r.problem]}. Målet följs upp som ett mål för "
        "hela gruppen, men ingen före–efter-analys görs för insatsen. Följ insatsen med "
        "deltagarnas egna uppgifter (till exempel programmets enkät före och efter), eller "
        "koppla målet till en insats som indikatorn kan följa."
        for r in goal_fit(goals, interventions).itertuples(index=False)
    ]


def goal_fit_notice(goals: pd.DataFrame, interventions: pd.DataFrame | None):
    """:func:`goal_fit_messages` as a notice; a line saying that they fit otherwise."""
    linked = goals["intervention_id"].notna().any() if "intervention_id" in goals else False
    messages = goal_fit_messages(goals, interventions)
    if not messages and not linked:
        return report.markdown("")
    ok = "Målens indikatorer passar målgrupperna för de insatser målen är kopplade till."
    return report.notice(messages, ok=ok)


_MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
           "september", "oktober", "november", "december")  # fmt: skip


def its_guide():
    """How the before/after analysis is read and which points count as after (Markdown)."""
    month = _MONTHS[SURVEY_MONTH - 1]
    return report.markdown(
        "Har en insats gjort skillnad? En enkel jämförelse före och efter kan lura, "
        "eftersom värdena kan ha varit på väg nedåt (eller uppåt) redan innan. Därför "
        "används en **avbruten tidsserieanalys**: utvecklingen åren före insatsen jämförs "
        "med åren efter starten, och analysen skattar\n\n"
        "* **nivåförändringen** – hur mycket nivån ändrades när insatsen startade, som en "
        "kvot (0,80 betyder 20 procent lägre, 1,00 ingen förändring);\n"
        "* **förändringen i trend** – om den årliga utvecklingen blev snabbare eller "
        f"långsammare. Den skattas bara med minst {ITS_TREND_POINTS_AFTER} mätpunkter efter "
        "starten; med färre skattas bara nivåförändringen.\n\n"
        "En mätning räknas som *efter* bara om den gjordes när insatsen redan hade startat. "
        "Skolenkäten görs på våren, och bara året är känt: en insats som startade i "
        f"{month} eller senare räknas därför som startad efter årets enkät, och den "
        "enkäten hör till åren *före*. Anmälda brott räknas per år från och med startåret.\n\n"
        "*Så läser du tabellen:* intervallet inom parentes är ett 95-procentigt "
        "konfidensintervall. Omfattar det 1 kan man inte säga att nivån ändrades. Analysen "
        f"kräver minst {indicators.MIN_POINTS_BEFORE} mätpunkter före och "
        f"{indicators.MIN_POINTS_AFTER} efter starten, och indikatorer med antal och "
        "befolkning (skolenkäten, anmälda brott). Ett mål vars indikator inte kan visa "
        "insatsens effekt (se varningen under målen) analyseras inte. Med så få punkter är "
        "resultatet osäkert; kom ihåg att annat än insatsen också kan ha påverkat."
    )


def its_table(its: pd.DataFrame) -> pd.DataFrame:
    """The before/after analysis per goal, Swedish: the intervention, the points before
    and after, the level change and the change in yearly trend (rate ratios with 95 %
    intervals) and the verdict or why no estimate was made."""
    its = with_its_reasons(its)
    rows = []
    for _, r in its.iterrows():
        start = "" if pd.isna(r["start_date"]) else f" (start {r['start_date']:%Y-%m-%d})"
        points = "–" if pd.isna(r["n_before"]) else f"{int(r['n_before'])} / {int(r['n_after'])}"
        rows.append(
            {
                "Mål": str(r["goal"]),
                "Insats": "–" if pd.isna(r["intervention"]) else f"{r['intervention']}{start}",
                "Mätpunkter före / efter": points,
                "Nivåförändring (kvot, 95 % KI)": _ratio_text(
                    r["level_change"], r["level_lower"], r["level_upper"]
                ),
                "Förändring i årlig trend (kvot, 95 % KI)": _ratio_text(
                    r["trend_change"], r["trend_lower"], r["trend_upper"]
                ),
                "Bedömning": r["reason"],
            }
        )
    columns = ["Mål", "Insats", "Mätpunkter före / efter", "Nivåförändring (kvot, 95 % KI)",
               "Förändring i årlig trend (kvot, 95 % KI)", "Bedömning"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def its_messages(its: pd.DataFrame) -> list[str]:
    """Short Swedish sentences on the before/after analyses for the summary."""
    its = with_its_reasons(its)
    done = its[its["estimated"]]
    if its.empty:
        return []
    if done.empty:
        return [
            "Ingen före–efter-analys kunde göras än: målen saknar kopplad insats med "
            "startdatum eller har för få mätpunkter."
        ]
    return [
        f"Målet {goal_name(r.get('goal', r['goal_id']))}, insatsen {r['intervention']}: "
        f"{r['reason']}"
        for _, r in done.iterrows()
    ]


def summary_messages(
    status: pd.DataFrame | None = None,
    coverage: pd.DataFrame | None = None,
    activities: pd.DataFrame | None = None,
    its: pd.DataFrame | None = None,
    **kwargs,
) -> list[str]:
    """:func:`key_messages` followed by :func:`its_messages`: the one-page summary."""
    messages = key_messages(status, coverage, activities, **kwargs)
    if its is not None:
        messages += its_messages(its)
    return messages


#: The reading guides of step 5's sections (Markdown), shown only where the section has
#: its table or chart (:func:`guide`): a guide to a table that is not there misleads.
GUIDES = {
    "chart": (
        "*Så läser du diagrammen:* den blå linjen är det uppmätta värdet, med osäkerheten som "
        "ett ljusblått band. Den grå fyrkanten är utgångsläget och den gröna stjärnan målet; "
        "den streckade linjen mellan dem är vägen mot målet. Målet är på väg att nås bara när "
        "hela det ljusblå bandet ligger på rätt sida om den streckade linjen; täcker bandet "
        "linjen är statusen inom felmarginalen. Rubriken över varje diagram ger statusen, "
        "samma som i tabellen. En prickad orange linje visar när en insats som är kopplad "
        "till målet startade.\n\nSkolenkäten görs vartannat år, så där finns färre punkter. "
        "Titta på riktningen över flera mätningar snarare än på en enskild förändring."
    ),
    "baseline": (
        "*Så läser du tabellen:* *Skillnad mot baslinjen* följer reglerna i rutan *Så läser "
        "du osäkerheten* ovan: både baslinjen och det senaste värdet är osäkra skattningar, "
        "och skillnaden mellan dem är testad. För antal personer från lokala källor jämförs "
        "de två antalen; är de färre än tio står det **för få fall för en bedömning** – läs "
        "inte 1 fall mot 3 som en förändring. *Trend (årsvärden)* för anmälda brott är samma "
        "trend, med samma regel, som i lägesbilden (steg 2): den bygger på alla år, "
        "skillnaden mot baslinjen bara på två perioder, så de två kan säga olika saker utan "
        "att motsäga varandra. Vad ”–” och ”..” betyder står under tabellen."
    ),
    "training": (
        "*Så läser du tabellen:* *hittills* summerar alla år fram till det senaste; en andel "
        "under 100 procent betyder att fler behöver utbildas för att planen ska vara "
        "uppfylld. Andelen räknas mot planen så här långt, så den kan sjunka ett år då planen "
        "utökas, till exempel när all personal läggs till efter ledningsgruppen. Antalet är "
        "antal medarbetare, inte antal invånare, och omfattas därför inte av "
        "sekretessgränsen."
    ),
    "activities": (
        "Den första tabellen sammanfattar år för år, den andra listar aktiviteterna. *Så "
        "läser du tabellerna:* antalet nådda personer är arrangörernas egen uppskattning, "
        "inte en räkning, och summeras bara där den är angiven; aktiviteter utan uppskattning "
        "räknas i en egen kolumn. Summan för ett år räknar besök, inte personer: samma person "
        "kan ha nåtts av flera aktiviteter. Färre än fem nådda personer redovisas inte."
    ),
}


def guide(section: str):
    """The reading guide of a section (:data:`GUIDES`) for a notebook's output."""
    return report.markdown(GUIDES[section])


def baseline_comparable(follow: pd.DataFrame) -> bool:
    """Whether :func:`baseline_followup` shows a table (the data are newer than the
    baseline), so that its reading guide belongs on the page."""
    return bool(len(follow)) and not (follow["period_then"] == follow["period_now"]).all()


def chart_units(goals: pd.DataFrame, tables: Tables | None = None) -> dict[str, str]:
    """Indicator -> axis label (its unit) for :func:`vpanalysis.plots.goal_progress`."""
    return {ind: indicator_unit(ind, tables) for ind in dict.fromkeys(goals["indicator"])}
