"""Step 4 in Swedish: the inventory, the coverage of the priorities, gaps, logic models.

Tables, sentences and the coverage chart of the report *Utveckla insatser*, made from the
English frames of :mod:`vpanalysis.steps.interventions`.
"""

from __future__ import annotations

import html
import textwrap

import pandas as pd
from IPython.display import HTML

from vpanalysis import plots, report
from vpanalysis.publication import keys
from vpanalysis.registers import EVIDENCE, LOGIC_MODEL_STAGES, PREVENTION_LEVELS
from vpanalysis.steps.interventions import (
    SURVEY_AGES,
    WEAK_EVIDENCE_MAX,
    check_fit,
    check_logic_models,
    coverage_matrix,
    factor_coverage,
    gaps,
    inventory_summary,
    logic_model_table,
    reaches_persons,
)

CHECK = "✓"

#: Swedish label of each coverage status (:data:`vpanalysis.steps.interventions.STATUSES`).
GAP_LABELS = {
    "no intervention": "Ingen insats påverkar faktorn",
    "weak evidence only": "Endast insatser med svagt kunskapsstöd",
    "covered": "Täckt av insats med måttligt eller starkt kunskapsstöd",
}


# ---------------------------------------------------------------- labels of the codes


def logic_model_status_messages(status: pd.DataFrame) -> pd.Series:
    """One Swedish sentence per row of
    :func:`~vpanalysis.steps.interventions.check_logic_models` (empty when complete)."""

    def one(row) -> str:
        if not row["has_model"]:
            return f"{row['name']}: logisk kedja saknas."
        if row["missing_stages"]:
            labels = ", ".join(LOGIC_MODEL_STAGES[s].lower() for s in row["missing_stages"])
            return f"{row['name']}: den logiska kedjan saknar {labels}."
        return ""

    return pd.Series([one(row) for _, row in status.iterrows()], index=status.index, dtype=object)


def label(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a step-4 frame with Swedish labels beside its codes.

    Adds ``status_label`` after ``status`` (from
    :func:`~vpanalysis.steps.interventions.factor_coverage` and
    :func:`~vpanalysis.steps.interventions.gaps`), ``stage_label`` after ``stage`` (from
    :func:`~vpanalysis.steps.interventions.logic_model_table`) and ``message`` (from
    :func:`~vpanalysis.steps.interventions.check_logic_models`), where those columns are
    present.
    """
    out = frame.copy()
    if "status" in out and "status_label" not in out:
        labels = out["status"].map(GAP_LABELS).astype("string")
        out.insert(out.columns.get_loc("status") + 1, "status_label", labels)
    if "stage" in out and "stage_label" not in out:
        labels = out["stage"].map(LOGIC_MODEL_STAGES).astype("string")
        out.insert(out.columns.get_loc("stage") + 1, "stage_label", labels)
    if {"has_model", "missing_stages", "name"} <= set(out.columns) and "message" not in out:
        out["message"] = logic_model_status_messages(out)
    return out


# ---------------------------------------------------------------- report tables


def evidence_label(level: object) -> str:
    """Swedish label of an evidence level (``2`` -> ``"måttlig"``)."""
    if level is None or level is pd.NA:
        return "okänd"
    return EVIDENCE.labels.get(int(level), str(level))


def _factor_label_map(factors: pd.DataFrame | None) -> dict[str, str]:
    if factors is None or "name" not in factors.columns:
        return {}
    return dict(zip(factors["factor_id"], factors["name"], strict=True))


def _level_label(level: object) -> str:
    return PREVENTION_LEVELS.labels.get(level, "" if level is None else str(level))


def inventory_table(
    interventions: pd.DataFrame, factors: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The inventory of preventive work, one row per intervention, by administration.

    Reach and cost are per year; ``Vald`` marks the interventions chosen for development in
    step 4. The factors each intervention addresses are in :func:`intervention_factor_table`.
    """
    frame = interventions.sort_values(["administration", "intervention_id"], kind="stable")
    chosen = frame["chosen"] if "chosen" in frame else pd.Series(False, index=frame.index)
    return pd.DataFrame(
        {
            "Förvaltning": frame["administration"],
            "Insats": frame["name"],
            "Målgrupp": frame["target_group"].fillna("").map(_target_text),
            "Nivå": frame["prevention_level"].map(_level_label),
            "Kunskapsstöd": frame["evidence"].map(evidence_label),
            REACH_COLUMN: frame["reach"].astype("Int64"),
            "Kostnad (kr/år)": frame["cost_sek"].map(cost_text),
            "Vald": chosen.map(lambda v: CHECK if bool(v) else ""),
        }
    ).reset_index(drop=True)


#: The reach of one intervention per year: persons, or the target group's units (a venue)
#: when the target group is not persons (the target group says so).
REACH_COLUMN = "Räckvidd per år"
#: The sum of reach per administration: contacts, not persons.
CONTACTS_COLUMN = "Kontakter per år (samma person kan räknas flera gånger)"
#: Added to a target group that is not persons, beside its reach.
NOT_PERSONS = " (räckvidden räknar dessa, inte personer)"


def _target_text(target_group: str) -> str:
    return target_group + ("" if reaches_persons(target_group) else NOT_PERSONS)


def contacts_note(interventions: pd.DataFrame):
    """The note under the summary table: its reach is contacts (a person reached by
    several interventions counts several times), without interventions that reach venues
    or organisations rather than persons (named); nothing without an inventory."""
    if interventions.empty:
        return HTML("")
    text = (
        "Kontakter är summan av insatsernas räckvidd i personer: samma person kan nås av "
        "flera insatser och räknas då flera gånger, så summan är inte antalet unika personer."
    )
    if "target_group" in interventions:
        others = interventions.loc[~interventions["target_group"].map(reaches_persons), "name"]
        if len(others):
            text += (
                " Insatser som når verksamheter i stället för personer räknas inte: "
                + ", ".join(others)
                + "."
            )
    return HTML(f'<p class="vp-note">{html.escape(text)}</p>')


COST_COLUMN = "Kostnad (kr/år)"
#: A cost the inventory does not give. Costs are kronor, not counts of persons: nothing
#: about them is withheld, so a missing cost is never shown as ``..``.
COST_UNKNOWN = "uppgift saknas"
#: The note under a table whose cost totals leave out costs the inventory does not give.
COST_NOTE = (
    "Kostnader är belopp i kronor, inte antal personer, och döljs därför aldrig. ”uppgift "
    "saknas” betyder att inventeringen inte anger kostnaden; en summa där någon kostnad "
    "saknas står som ”minst …”: den omfattar bara de kostnader som är kända."
)


def cost_text(cost: object, n_missing: int = 0) -> str:
    """A yearly cost in kronor as a report shows it: the amount, ``"minst …"`` for a sum
    that leaves out ``n_missing`` unknown costs, :data:`COST_UNKNOWN` without any."""
    if cost is None or pd.isna(cost):
        return COST_UNKNOWN
    amount = report.number(cost, 0)
    return f"minst {amount}" if n_missing else amount


def cost_note(interventions: pd.DataFrame):
    """:data:`COST_NOTE` as a note under the inventory when some cost of
    ``interventions`` is unknown; nothing otherwise."""
    if interventions.empty or not interventions["cost_sek"].isna().any():
        return HTML("")
    return HTML(f'<p class="vp-note">{html.escape(COST_NOTE)}</p>')


def inventory_marks(interventions: pd.DataFrame) -> pd.DataFrame:
    """The marks of :func:`inventory_table` (same shape; ``marks`` of
    :func:`vpanalysis.report.table`): each reach is a register cell
    (:func:`vpanalysis.publication.keys.register_cell`, ``reach:<intervention_id>``),
    withheld where :func:`~vpanalysis.steps.interventions.published_interventions` withheld
    it, so that the audit reads and bounds it."""
    frame = interventions.sort_values(["administration", "intervention_id"], kind="stable")
    cells = [
        [keys.register_cell(v, f"reach:{i}", code)]
        for v, i, code in zip(
            frame["reach"], frame["intervention_id"], frame["municipality_code"], strict=True
        )
    ]
    return pd.DataFrame({REACH_COLUMN: cells})


def inventory_summary_marks(interventions: pd.DataFrame) -> pd.DataFrame:
    """The marks of :func:`inventory_summary_table` (same shape): each administration's
    contacts (a sum of published reach only) as a register cell ``reach:<administration>``."""
    s = inventory_summary(interventions)
    cells = [
        [keys.register_cell(v, f"reach:{admin}", code)]
        for v, admin, code in zip(
            s["reach"], s["administration"], s["municipality_code"], strict=True
        )
    ]
    return pd.DataFrame({CONTACTS_COLUMN: cells})


def intervention_factor_table(
    interventions: pd.DataFrame, factors: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Which factors each intervention addresses (by name when the catalogue ``factors`` is
    given), one row per intervention: ``Insats``, ``Påverkar faktorer``."""
    names = _factor_label_map(factors)
    frame = interventions.sort_values(["administration", "intervention_id"], kind="stable")
    return pd.DataFrame(
        {
            "Insats": frame["name"],
            "Påverkar faktorer": frame["factors"].map(
                lambda ids: "; ".join(names.get(i, i) for i in ids)
            ),
        }
    ).reset_index(drop=True)


def inventory_summary_table(interventions: pd.DataFrame) -> pd.DataFrame:
    """:func:`~vpanalysis.steps.interventions.inventory_summary` for one municipality with
    Swedish columns (total row last); costs as :func:`cost_text` (``"minst …"`` where the
    inventory lacks a cost that the sum would include)."""
    s = inventory_summary(interventions)
    out = pd.DataFrame({"Förvaltning": s["administration"], "Insatser": s["n_interventions"]})
    for level in PREVENTION_LEVELS.values:
        out[PREVENTION_LEVELS.labels[level]] = s[f"n_{level}"]
    out["Valda"] = s["n_chosen"]
    out[CONTACTS_COLUMN] = s["reach"]
    out[COST_COLUMN] = [
        cost_text(c, int(n)) for c, n in zip(s["cost_sek"], s["n_cost_missing"], strict=True)
    ]
    return out.reset_index(drop=True)


def coverage_table(
    priorities: pd.DataFrame,
    interventions: pd.DataFrame,
    *,
    weak_evidence_max: int = WEAK_EVIDENCE_MAX,
) -> pd.DataFrame:
    """Prioritised factors (rows, by name) × interventions that address any of them (✓),
    with a last column ``Täckning`` (covered, weak evidence only, no intervention). Empty
    without an inventory: then nothing can be said about what covers a factor."""
    if interventions.empty:
        return pd.DataFrame()
    matrix = coverage_matrix(priorities, interventions, labels=True)
    marks = matrix.astype(bool).map(lambda v: CHECK if v else "")
    coverage = factor_coverage(priorities, interventions, weak_evidence_max=weak_evidence_max)
    out = marks.reset_index().rename(columns={"factor": "Prioriterad faktor"})
    out.columns.name = None
    out["Täckning"] = coverage["status"].map(GAP_LABELS).to_numpy()
    return out


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(str(text), width)) or str(text)


#: Characters per line of the labels in the coverage chart.
CHART_LABEL_WIDTH = 22
#: Size of the coverage chart in inches: width, and height per intervention row.
CHART_WIDTH = 9
CHART_ROW_HEIGHT = 0.55


def coverage_chart_data(priorities: pd.DataFrame, interventions: pd.DataFrame) -> pd.DataFrame:
    """Interventions (rows) × prioritised factors (columns) as 0/1 floats, names wrapped,
    for :func:`vpanalysis.plots.matrix`. Every intervention of the inventory is a row, so
    an empty column is a factor that no intervention addresses."""
    matrix = coverage_matrix(priorities, interventions, labels=True, all_interventions=True).T
    matrix.index = [_wrap(n, 2 * CHART_LABEL_WIDTH) for n in matrix.index]
    matrix.columns = [_wrap(n, CHART_LABEL_WIDTH) for n in matrix.columns]
    return matrix.astype("float64")


def gap_messages(
    priorities: pd.DataFrame,
    interventions: pd.DataFrame,
    *,
    weak_evidence_max: int = WEAK_EVIDENCE_MAX,
) -> list[str]:
    """One Swedish sentence per prioritised factor with a gap, naming the factor."""
    found = gaps(priorities, interventions, weak_evidence_max=weak_evidence_max)
    messages = []
    for _, row in found.iterrows():
        if row["status"] == "no intervention":
            messages.append(f"{row['name']}: ingen insats i inventeringen påverkar faktorn.")
        else:
            messages.append(
                f"{row['name']}: påverkas bara av insatser med begränsat eller saknat "
                f"kunskapsstöd ({row['interventions']})."
            )
    return messages


def logic_model_report_table(logic_models: pd.DataFrame, intervention_id: str) -> pd.DataFrame:
    """One intervention's logic model with Swedish columns ``Steg i kedjan``, ``Innehåll``;
    an empty stage reads ``saknas – fyll i registret över logiska kedjor``."""
    table = logic_model_table(logic_models, intervention_id)
    return pd.DataFrame(
        {
            "Steg i kedjan": table["stage"].map(LOGIC_MODEL_STAGES),
            "Innehåll": [
                items if n else "saknas – fyll i registret över logiska kedjor"
                for items, n in zip(table["items"], table["n_items"], strict=True)
            ],
        }
    )


def chosen_logic_models(
    interventions: pd.DataFrame, logic_models: pd.DataFrame
) -> list[tuple[str, pd.DataFrame]]:
    """``(heading, table)`` for each chosen intervention that has a logic model, in the
    inventory's order; the heading is the intervention's name and administration."""
    frame = interventions[interventions["chosen"]] if "chosen" in interventions else interventions
    out = []
    for _, row in frame.iterrows():
        if (logic_models["intervention_id"] == row["intervention_id"]).any():
            heading = f"{row['name']} ({row['administration']})"
            out.append((heading, logic_model_report_table(logic_models, row["intervention_id"])))
    return out


def logic_model_messages(interventions: pd.DataFrame, logic_models: pd.DataFrame) -> list[str]:
    """Swedish sentences for chosen interventions whose logic model is missing or incomplete;
    one sentence saying so when no intervention is chosen."""
    status = check_logic_models(interventions, logic_models)
    if status.empty:
        return [NO_CHOSEN_MESSAGE]
    return [m for m in logic_model_status_messages(status) if m]


def fit_messages(
    interventions: pd.DataFrame,
    logic_models: pd.DataFrame,
    priorities: pd.DataFrame,
) -> list[str]:
    """Swedish sentences for chosen interventions that do not fit the priorities of step 3
    or their own indicators (:func:`~vpanalysis.steps.interventions.check_fit`)."""
    problems = check_fit(interventions, logic_models, priorities)
    low, high = SURVEY_AGES
    targets = dict(
        zip(interventions["intervention_id"], interventions["target_group"], strict=True)
    )
    texts = {
        "no prioritised factor": "{name}: insatsen påverkar ingen av de prioriterade "
        "faktorerna från steg 3. Välj en annan insats, eller förklara varför den ändå ska "
        "utvecklas.",
        "parents followed by pupil survey": "{name}: målgruppen är föräldrar, men indikatorn "
        "{indicator} är en fråga till elever i åk 9 och gy 2 ({low}–{high} år). Följ upp "
        "föräldrarna själva, till exempel med programmets egen enkät före och efter.",
        "ages outside survey": "{name}: målgruppens åldrar finns inte bland eleverna i "
        "skolenkäten ({low}–{high} år), så indikatorn {indicator} kan inte visa insatsens "
        "effekt.",
        "population indicator only": "{name}: insatsen riktar sig till en avgränsad grupp, men "
        "indikatorn {indicator} mäter hela befolkningen eller alla elever. En förändring hos "
        "deltagarna syns knappast där. Lägg till en indikator för deltagarna.",
        "ages partly outside survey": "{name}: målgruppen ({target}) och eleverna i "
        "skolenkäten (åk 9 och gy 2, {low}–{high} år) överlappar bara delvis: de yngsta "
        "deltagarna får inte frågan, och en del av dem som svarar har inte deltagit. "
        "Skolenkätens svar ({indicator}) kan därför bara visa en del av effekten. Lägg till en "
        "indikator för deltagarna själva, till exempel en enkät före och efter.",
        "long-term outcome without indicator": "{name}: den långsiktiga effekten ”{indicator}” "
        "har ingen indikator som mäter den. Lägg till en indikator, eller säg att effekten "
        "inte kan följas upp med de data som finns.",
    }
    out = []
    done = set()
    for _, r in problems.iterrows():
        problem, iid = r["problem"], r["intervention_id"]
        if problem == "long-term outcome without indicator":
            indicator = r["indicator"]
        elif problem == "ages partly outside survey":
            # one sentence per intervention, naming all its survey indicators
            if iid in done:
                continue
            done.add(iid)
            same = problems[(problems["intervention_id"] == iid) & (problems["problem"] == problem)]
            indicator = ", ".join(_indicator_name(i) for i in same["indicator"])
        else:
            indicator = _indicator_name(r["indicator"])
        out.append(
            texts[problem].format(
                name=r["name"],
                indicator=indicator,
                target=str(targets.get(iid, "")).lower(),
                low=low,
                high=high,
            )
        )
    return out


def _indicator_name(indicator: object) -> str:
    """``skolenkat:risk_normer`` -> ``skolenkätens fråga risk_normer``; ``kolada:N07403``
    -> ``Koladas nyckeltal N07403``."""
    source, _, measure = str(indicator).partition(":")
    if source == "skolenkat":
        return f"skolenkätens fråga {measure}"
    if source == "kolada":
        return f"Koladas nyckeltal {measure}"
    if source == "bra":
        return f"anmälda brott ({measure})"
    return str(indicator)


def logic_model_notices(
    interventions: pd.DataFrame, logic_models: pd.DataFrame, priorities: pd.DataFrame
) -> list[str]:
    """Everything the report says about the chosen interventions' logic models: missing or
    incomplete chains (:func:`logic_model_messages`), then the ones that do not fit
    (:func:`fit_messages`). Empty only when every chain is complete and fits."""
    return logic_model_messages(interventions, logic_models) + fit_messages(
        interventions, logic_models, priorities
    )


# ---------------------------------------------------------------- reading guides
# Shown with :func:`vpanalysis.report.guide` only when their section has data.

#: Above the inventory tables.
INVENTORY_GUIDE = (
    "Tabellen listar de insatser som förvaltningarna har rapporterat in. Så läser du "
    "tabellen: **Nivå** är universell, selektiv eller indikerad. **Kunskapsstöd** anger hur "
    "väl det är belagt att insatsen har effekt: stark, måttlig, begränsad eller saknas. "
    "**Räckvidd** är hur många personer insatsen når per år, enligt inventeringen; för en "
    "insats som når verksamheter (till exempel serveringsställen) räknar räckvidden dem, inte "
    "personer. Summan per förvaltning räknar kontakter: samma person kan räknas i flera "
    "insatser. **Kostnad** är vad insatsen kostar per år, i kronor. En räckvidd som visas som "
    "”..” saknas i inventeringen eller redovisas inte, eftersom den är ett litet antal "
    "personer. En kostnad som inventeringen inte anger står som ”uppgift saknas”, och en "
    "summa där någon kostnad saknas som ”minst …”. **Vald** markerar de insatser som "
    "samverkan har valt att utveckla."
)
#: Above the table of the factors each intervention addresses.
FACTORS_GUIDE = (
    "Varje insats är tänkt att påverka en eller flera risk- eller skyddsfaktorer i "
    "faktorkatalogen från steg 3. Tabellen visar vilka."
)
#: Above the coverage table.
COVERAGE_GUIDE = (
    "Här jämförs de prioriterade faktorerna med insatserna. En faktor räknas som **täckt** "
    "när minst en insats med måttligt eller starkt kunskapsstöd påverkar den. Finns bara "
    "insatser med begränsat kunskapsstöd, eller ingen insats alls, är det en **lucka**."
)
#: Above the list of gaps.
GAPS_GUIDE = (
    "Listan namnger de prioriterade faktorer som saknar en insats med tillräckligt "
    "kunskapsstöd. En lucka kan fyllas på två sätt: genom att införa en ny insats med bättre "
    "kunskapsstöd, eller genom att utveckla och utvärdera en befintlig insats."
)
#: Above the chosen interventions' logic models.
LOGIC_MODEL_GUIDE = (
    "Så läser du tabellerna: läs uppifrån och ned som ”om … så …”. Om resurserna finns kan "
    "aktiviteterna genomföras, och om aktiviteterna genomförs ger de prestationer, och så "
    "vidare. En kedja där ett steg saknas går inte att följa upp."
)
#: Above the fit check of the logic models.
FIT_GUIDE = (
    "Kontrollen nedan prövar också om kedjan **passar**: att insatsen påverkar minst en av de "
    "prioriterade faktorerna från steg 3, att varje långsiktig effekt har en indikator som "
    "mäter den, och att indikatorerna mäter insatsens målgrupp. Skolenkäten frågar elever i "
    "åk 9 och gy 2 (15–17 år). Den kan inte visa effekten av ett föräldrastöd till föräldrar "
    "med yngre barn, och för en insats i åk 4–9 svarar bara de äldsta deltagarna. Anmälda "
    "brott per 100 000 invånare eller en andel av alla elever kan inte visa effekten av en "
    "insats som når en liten grupp. Där behövs indikatorer för deltagarna själva."
)

#: The report's line when :func:`logic_model_notices` is empty.
LOGIC_MODELS_OK = (
    "Alla valda insatser har en fullständig logisk kedja, påverkar minst en prioriterad faktor, "
    "har en indikator för varje långsiktig effekt och följs upp med indikatorer som passar "
    "målgruppen."
)


NO_CHOSEN_MESSAGE = (
    "Ingen insats är vald för utveckling ännu. Markera de valda insatserna i inventeringen "
    "av insatser och beskriv deras logiska kedjor i registret över logiska kedjor."
)


def gaps_notice(
    priorities: pd.DataFrame,
    interventions: pd.DataFrame,
    page: report.Page,
    *,
    ok: str,
    weak_evidence_max: int = WEAK_EVIDENCE_MAX,
):
    """The notice of prioritised factors that no intervention (or only weakly supported
    ones) addresses, ``ok`` when there is none; without an inventory or without
    prioritised factors it says that this cannot be assessed and what to fill in."""
    if interventions.empty:
        return page.missing(
            "Inventeringen av insatser",
            "interventions",
            means="Om de prioriterade faktorerna påverkas av någon insats kan därför inte bedömas.",
        )
    if priorities.empty:
        return page.missing(
            "Prioriterade faktorer",
            "factors",
            why="finns inte i underlaget (steg 3).",
            means="Om insatserna täcker de prioriterade faktorerna kan därför inte bedömas.",
        )
    return report.notice(
        gap_messages(priorities, interventions, weak_evidence_max=weak_evidence_max), ok=ok
    )


def logic_model_notice(
    interventions: pd.DataFrame,
    logic_models: pd.DataFrame,
    page: report.Page,
    *,
    ok: str = LOGIC_MODELS_OK,
    priorities: pd.DataFrame | None = None,
):
    """The notice of chosen interventions whose logic model is missing, incomplete or (with
    step 3's ``priorities``) does not fit (:func:`logic_model_notices`), ``ok`` when there is
    nothing to say; without an inventory it says that this cannot be assessed and what to
    fill in."""
    if interventions.empty:
        return page.missing(
            "Inventeringen av insatser",
            ["interventions", "logic_models"],
            means="Om de valda insatserna har en fullständig logisk kedja kan därför inte bedömas.",
        )
    if priorities is None:
        return report.notice(logic_model_messages(interventions, logic_models), ok=ok)
    return report.notice(logic_model_notices(interventions, logic_models, priorities), ok=ok)


def priority_basis(page: report.Page):
    """Under step 3's priorities: when the municipality has no school survey, the notice
    that the priorities rest on Kolada and the factor catalogue alone; nothing otherwise."""
    if page.with_data(["skolenkat"]):
        return HTML("")
    return page.missing(
        "Skolenkäten",
        "skolenkat",
        why="finns inte i underlaget för kommunen.",
        means=(
            "Prioriteringarna bygger därför bara på Kolada-nyckeltal och på faktorkatalogens "
            "kunskapsstöd; faktorer som mäts i skolenkäten saknar lokal indikator."
        ),
    )


def priority_sources(page: report.Page):
    """The sentence on what step 3's priorities rest on, naming only the sources the
    municipality has: the factor catalogue, and the school survey and Kolada where there
    are data (:meth:`vpanalysis.report.Page.with_data`)."""
    survey = bool(page.with_data(["skolenkat"]))
    local = "skolenkäten och Kolada-nyckeltal" if survey else "Kolada-nyckeltal"
    text = (
        "De bygger på faktorkatalogen och på de lokala indikatorer som finns för kommunen "
        f"({local}, jämförda med andra)."
    )
    text += (
        " En faktor utan lokal indikator kan väljas på sitt kunskapsstöd och på hur påverkbar "
        "den är."
    )
    return HTML(f"<p>{html.escape(text)}</p>")


def coverage_missing(priorities: pd.DataFrame, interventions: pd.DataFrame, page: report.Page):
    """The notice for the coverage section when it cannot be shown, naming what really is
    missing: the inventory of interventions, or (with an inventory) the prioritised factors
    of step 3, that is the factor catalogue."""
    if interventions.empty:
        return page.missing("Inventeringen av insatser", "interventions")
    return page.missing("Prioriterade faktorer", "factors")


def coverage_chart(priorities: pd.DataFrame, interventions: pd.DataFrame, title: str = ""):
    """Heat map of :func:`coverage_chart_data` (dark = the intervention addresses the
    factor); ``None`` when the inventory is empty."""
    data = coverage_chart_data(priorities, interventions)
    if data.empty or data.shape[1] == 0:
        return None
    fig = plots.matrix(data, title=title, annotate=False)
    fig.set_size_inches(CHART_WIDTH, max(3.0, CHART_ROW_HEIGHT * len(data) + 2))
    for ax in fig.axes:
        ax.tick_params(axis="x", rotation=0)
        for tick in ax.get_xticklabels():
            tick.set_horizontalalignment("center")
    return fig
