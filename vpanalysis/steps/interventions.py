"""Step 4, *Utveckla insatser*: the inventory, its coverage of the priorities, gaps, logic models.

Works on the ``interventions`` and ``logic_models`` registers and on the priorities of
step 3 (:func:`vpanalysis.steps.factors.select_priorities`, or any list of factor ids).
The Swedish tables, sentences and chart are in :mod:`vpanalysis.presentation.interventions`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from vpanalysis import disclosure
from vpanalysis.config import DISCLOSURE_THRESHOLD
from vpanalysis.errors import DataError
from vpanalysis.registers import (
    LOGIC_MODEL_STAGES,
    PREVENTION_LEVELS,
    REGISTER_FILES,
)

#: Interventions with evidence at or below this level count as weak (1 = begränsad).
WEAK_EVIDENCE_MAX = 1
#: The ``administration`` key of a municipality's total row (the key that
#: :mod:`vpanalysis.disclosure` and :mod:`vpanalysis.steps.followup` use for totals too).
TOTAL_LABEL = "Totalt"
#: The coverage status of a prioritised factor, from worst to best.
STATUSES = ("no intervention", "weak evidence only", "covered")


def _select(frame: pd.DataFrame, municipality: str | None) -> pd.DataFrame:
    if municipality is None:
        return frame
    return frame[frame["municipality_code"] == municipality]


def published_interventions(
    interventions: pd.DataFrame, threshold: int = DISCLOSURE_THRESHOLD
) -> pd.DataFrame:
    """The inventory as it may be published: a ``reach`` (people reached per year, a count
    of persons typed into the register) of 1..``threshold``-1 is withheld, so the sums of
    :func:`inventory_summary` add up published values only."""
    return disclosure.withhold_small(interventions, "reach", threshold)


#: Target groups that are not persons (venues, workplaces, organisations): an
#: intervention's ``reach`` then counts those, and a sum of persons leaves it out.
NON_PERSON_TARGETS = re.compile(
    r"\b(serveringsställen|ställen|verksamheter|arbetsplatser|butiker|restauranger|"
    r"företag|skolor|förskolor|lokaler)\b",
    re.IGNORECASE,
)


def reaches_persons(target_group: object) -> bool:
    """Whether an intervention's target group is persons (``"Elever i åk 7–9"``), so that
    its ``reach`` counts persons; ``False`` for venues and organisations
    (``"Serveringsställen"``, :data:`NON_PERSON_TARGETS`). An unknown group counts as
    persons."""
    if target_group is None or bool(pd.isna(target_group)):
        return True
    return not NON_PERSON_TARGETS.search(str(target_group))


def inventory_summary(
    interventions: pd.DataFrame, municipality: str | None = None, total: bool = True
) -> pd.DataFrame:
    """Per municipality and administration: what preventive work exists.

    Columns: ``municipality_code``, ``administration``, ``n_interventions``,
    ``n_universell``, ``n_selektiv``, ``n_indikerad``, ``n_chosen``, ``reach`` and
    ``cost_sek`` (sums of the known values), ``n_reach_missing`` and ``n_cost_missing``
    (how many lack them), ``n_reach_not_persons`` (interventions whose target group is not
    persons, :func:`reaches_persons`: their reach is left out of ``reach``). ``reach`` is a
    number of contacts, not of persons: the same person can be reached by several
    interventions. With ``total``, each municipality ends with a row
    ``administration == "Totalt"``.
    """
    frame = _select(interventions, municipality)
    chosen = frame["chosen"] if "chosen" in frame else pd.Series(False, index=frame.index)
    targets = frame["target_group"] if "target_group" in frame else pd.Series(None, frame.index)
    persons = targets.map(reaches_persons).astype(bool)

    def summarise(group: pd.DataFrame) -> dict:
        row = {"n_interventions": len(group)}
        for level in PREVENTION_LEVELS.values:
            row[f"n_{level}"] = int((group["prevention_level"] == level).sum())
        row["n_chosen"] = int(chosen.loc[group.index].sum())
        people = persons.loc[group.index]
        row["reach"] = group.loc[people, "reach"].sum(min_count=1)
        row["cost_sek"] = group["cost_sek"].sum(min_count=1)
        row["n_reach_missing"] = int(group.loc[people, "reach"].isna().sum())
        row["n_reach_not_persons"] = int((~people).sum())
        row["n_cost_missing"] = int(group["cost_sek"].isna().sum())
        return row

    rows = []
    for code, municipal in frame.groupby("municipality_code", sort=False):
        for admin, group in municipal.groupby("administration", sort=True):
            rows.append({"municipality_code": code, "administration": admin, **summarise(group)})
        if total:
            rows.append(
                {"municipality_code": code, "administration": TOTAL_LABEL, **summarise(municipal)}
            )
    columns = ["municipality_code", "administration", "n_interventions"]
    columns += [f"n_{level}" for level in PREVENTION_LEVELS.values]
    columns += ["n_chosen", "reach", "cost_sek", "n_reach_missing", "n_cost_missing"]
    columns += ["n_reach_not_persons"]
    out = pd.DataFrame(rows, columns=columns)
    ints = [c for c in columns if c.startswith("n_")] + ["reach"]
    return out.astype({**dict.fromkeys(ints, "Int64"), "cost_sek": "Float64"})


def _priority_ids(priorities: pd.DataFrame | Iterable[str]) -> list[str]:
    if isinstance(priorities, pd.DataFrame):
        return list(dict.fromkeys(priorities["factor_id"]))
    return list(dict.fromkeys(priorities))


def _factor_names(priorities, factors: pd.DataFrame | None) -> dict[str, str]:
    names: dict[str, str] = {}
    for table in (factors, priorities):
        if isinstance(table, pd.DataFrame) and "name" in table.columns:
            names.update(zip(table["factor_id"], table["name"], strict=True))
    return names


def coverage_matrix(
    priorities: pd.DataFrame | Iterable[str],
    interventions: pd.DataFrame,
    municipality: str | None = None,
    *,
    all_interventions: bool = False,
    labels: bool = False,
) -> pd.DataFrame:
    """Prioritised factors × interventions, booleans (``True``: the intervention addresses
    the factor).

    Rows in priority order (index ``factor_id``), columns ``intervention_id`` of the
    interventions that address at least one priority (all with ``all_interventions``).
    ``labels=True`` uses factor and intervention names instead of ids (factor names need a
    ``name`` column in ``priorities``). Use
    :func:`vpanalysis.steps.collaboration.checkmarks` for ``✓``.
    """
    ids = _priority_ids(priorities)
    frame = _select(interventions, municipality)
    data = {
        iid: [fid in factors for fid in ids]
        for iid, factors in zip(frame["intervention_id"], frame["factors"], strict=True)
    }
    matrix = pd.DataFrame(data, index=pd.Index(ids, name="factor_id"), dtype=bool)
    if not all_interventions:
        matrix = matrix.loc[:, matrix.any(axis=0)]
    matrix.columns.name = "intervention_id"
    if labels:
        names = _factor_names(priorities, None)
        matrix.index = pd.Index([names.get(i, i) for i in matrix.index], name="factor")
        by_id = dict(zip(frame["intervention_id"], frame["name"], strict=True))
        matrix.columns = pd.Index([by_id[c] for c in matrix.columns], name="intervention")
    return matrix


def factor_coverage(
    priorities: pd.DataFrame | Iterable[str],
    interventions: pd.DataFrame,
    municipality: str | None = None,
    *,
    factors: pd.DataFrame | None = None,
    weak_evidence_max: int = WEAK_EVIDENCE_MAX,
) -> pd.DataFrame:
    """For each prioritised factor: which interventions address it and how well supported.

    Columns: ``factor_id``, ``name`` (from ``priorities`` or ``factors``, else the id),
    ``n_interventions``, ``n_supported`` (evidence above ``weak_evidence_max``),
    ``interventions`` (names, ``", "``-joined) and ``status`` (``no intervention`` /
    ``weak evidence only`` / ``covered``, see :data:`STATUSES`).
    """
    ids = _priority_ids(priorities)
    names = _factor_names(priorities, factors)
    frame = _select(interventions, municipality)
    rows = []
    for fid in ids:
        hits = frame.loc[frame["factors"].map(lambda values, f=fid: f in values).astype(bool)]
        supported = int((hits["evidence"].fillna(0) > weak_evidence_max).sum())
        if hits.empty:
            status = "no intervention"
        elif supported == 0:
            status = "weak evidence only"
        else:
            status = "covered"
        rows.append(
            {
                "factor_id": fid,
                "name": names.get(fid, fid),
                "n_interventions": len(hits),
                "n_supported": supported,
                "interventions": ", ".join(hits["name"]),
                "status": status,
            }
        )
    columns = [
        "factor_id",
        "name",
        "n_interventions",
        "n_supported",
        "interventions",
        "status",
    ]
    out = pd.DataFrame(rows, columns=columns)
    return out.astype(
        {
            "factor_id": "string",
            "name": "string",
            "n_interventions": "Int64",
            "n_supported": "Int64",
            "interventions": "string",
            "status": "string",
        }
    )


def gaps(
    priorities: pd.DataFrame | Iterable[str],
    interventions: pd.DataFrame,
    municipality: str | None = None,
    *,
    factors: pd.DataFrame | None = None,
    weak_evidence_max: int = WEAK_EVIDENCE_MAX,
) -> pd.DataFrame:
    """Prioritised factors that no intervention addresses, or only weakly supported ones
    (evidence ≤ ``weak_evidence_max``, default 1 = begränsad). Same columns as
    :func:`factor_coverage`, only the rows with a gap."""
    coverage = factor_coverage(
        priorities,
        interventions,
        municipality,
        factors=factors,
        weak_evidence_max=weak_evidence_max,
    )
    return coverage[coverage["status"] != "covered"].reset_index(drop=True)


# ---------------------------------------------------------------- logic models


def logic_model_table(logic_models: pd.DataFrame, intervention_id: str) -> pd.DataFrame:
    """One intervention's logic model: one row per stage, in chain order.

    Columns: ``stage`` (a key of :data:`~vpanalysis.registers.LOGIC_MODEL_STAGES`),
    ``items`` (the stage's items joined with ``"; "``; empty when the stage is missing),
    ``n_items``. Raises KeyError if the intervention has no logic model.
    """
    model = logic_models[logic_models["intervention_id"] == intervention_id]
    if model.empty:
        raise KeyError(f"no logic model for intervention {intervention_id!r}")
    rows = []
    for stage in LOGIC_MODEL_STAGES:
        items = model[model["stage"] == stage].sort_values("position")["item"].tolist()
        rows.append({"stage": stage, "items": "; ".join(items), "n_items": len(items)})
    return pd.DataFrame(rows).astype({"stage": "string", "items": "string", "n_items": "Int64"})


def check_logic_models(
    interventions: pd.DataFrame,
    logic_models: pd.DataFrame,
    municipality: str | None = None,
    *,
    chosen_only: bool = True,
) -> pd.DataFrame:
    """Whether each chosen intervention (``chosen`` = ja) has a complete logic model.

    Complete: a model exists and every stage of
    :data:`~vpanalysis.registers.LOGIC_MODEL_STAGES` has at least one item. Columns:
    ``intervention_id``, ``municipality_code``, ``name``, ``has_model``,
    ``missing_stages`` (tuple of stage keys) and ``complete``.
    """
    frame = _select(interventions, municipality)
    if chosen_only and "chosen" in frame:
        frame = frame[frame["chosen"]]
    rows = []
    for _, row in frame.iterrows():
        model = logic_models[logic_models["intervention_id"] == row["intervention_id"]]
        present = set(model["stage"].dropna())
        missing = tuple(s for s in LOGIC_MODEL_STAGES if s not in present)
        has_model = not model.empty
        rows.append(
            {
                "intervention_id": row["intervention_id"],
                "municipality_code": row["municipality_code"],
                "name": row["name"],
                "has_model": has_model,
                "missing_stages": missing,
                "complete": has_model and not missing,
            }
        )
    columns = [
        "intervention_id",
        "municipality_code",
        "name",
        "has_model",
        "missing_stages",
        "complete",
    ]
    out = pd.DataFrame(rows, columns=columns)
    return out.astype({"has_model": bool, "complete": bool})


def require_complete_logic_models(
    interventions: pd.DataFrame,
    logic_models: pd.DataFrame,
    municipality: str | None = None,
    file: str | Path = REGISTER_FILES["logic_models"],
) -> None:
    """Raise a DataError (naming ``logic_models.yaml`` and the intervention) for the first
    chosen intervention whose logic model is missing or incomplete."""
    status = check_logic_models(interventions, logic_models, municipality)
    bad = status[~status["complete"]]
    if bad.empty:
        return
    first = bad.iloc[0]
    stages = ", ".join(first["missing_stages"])
    more = f" ({len(bad) - 1} more incomplete)" if len(bad) > 1 else ""
    raise DataError(
        f"the chosen intervention has no complete logic model; missing: {stages}{more}",
        file=file,
        column="intervention_id",
        value=first["intervention_id"],
    )


# ---------------------------------------------------------------- fit of the logic models

#: Ages of the pupils the school survey asks (åk 9 and gy 2: 15–17 år).
SURVEY_AGES = (15, 17)
#: Indicator sources that measure a whole population (a rate per inhabitants or a share of
#: all pupils), not the participants of an intervention.
POPULATION_SOURCES = ("skolenkat", "kolada", "bra")
#: The ways a logic model can fail to fit, from :func:`check_fit`.
FIT_PROBLEMS = (
    "no prioritised factor",
    "parents followed by pupil survey",
    "ages outside survey",
    "population indicator only",
    "ages partly outside survey",
    "long-term outcome without indicator",
)
#: What a long-term outcome or an indicator is about, from its words: being exposed to
#: violence, using it (or crime), or attitudes and norms. A school-survey indicator's item
#: name says it too (``utsatt_*``, ``utovat_*``, ``norm_*``).
OUTCOME_KINDS = {
    "exposure": re.compile(r"utsätts|utsatt|drabbas|mobbad|kränkt", re.IGNORECASE),
    "perpetration": re.compile(
        r"begår|begått|utövar|utövat|använder våld|misstänks|slår\b", re.IGNORECASE
    ),
    "attitudes": re.compile(r"accepterar|tycker|normer|attityd|ifrågasätter", re.IGNORECASE),
}
_ITEM_KINDS = {"utsatt_": "exposure", "utovat_": "perpetration", "norm_": "attitudes"}
#: An outcome or indicator about partners (young people's relationships): an outcome
#: about them needs an indicator about them.
PARTNER = re.compile(r"parrelation|kärleksrelation|pojkvän|flickvän|partner", re.IGNORECASE)
#: A free-text indicator that counts what was done (participants, lessons), not an effect.
OUTPUT_MEASURE = re.compile(r"^\s*antal\b|deltagit|deltagare|genomför|fullföljt", re.IGNORECASE)
_AGES = re.compile(r"(\d{1,2})\s*[–-]\s*(\d{1,2})\s*år")
_AGE_FROM = re.compile(r"(\d{1,2})\s*år\s*(?:och äldre|\+)")
_GRADES = re.compile(r"åk\s*(\d)\s*[–-]\s*(\d)", re.IGNORECASE)
_GRADE = re.compile(r"åk\s*(\d)\b", re.IGNORECASE)
_PARENTS = re.compile(r"\b(föräldrar|vårdnadshavare)\b", re.IGNORECASE)


def target_ages(target_group: object) -> tuple[int, int] | None:
    """The ages a target group names, from its text: ``"Unga 13–18 år"`` -> (13, 18),
    ``"Elever i åk 7–9"`` -> (13, 16) (åk n is about n+6 to n+7 years old),
    ``"Elever i grundskolan"`` -> (6, 16), ``"gymnasiet"`` -> (16, 19); ``None`` when the
    text names no ages (the fit cannot be checked then)."""
    text = "" if target_group is None or pd.isna(target_group) else str(target_group)
    if m := _AGES.search(text):
        return int(m.group(1)), int(m.group(2))
    if m := _AGE_FROM.search(text):
        return int(m.group(1)), 120
    if m := _GRADES.search(text):
        return int(m.group(1)) + 6, int(m.group(2)) + 7
    if m := _GRADE.search(text):
        return int(m.group(1)) + 6, int(m.group(1)) + 7
    low = text.casefold()
    if "grundskola" in low:
        return 6, 16
    if "gymnasi" in low:
        return 16, 19
    return None


def kinds(text: object, indicator: object = None) -> set[str]:
    """What an outcome or an indicator is about (keys of :data:`OUTCOME_KINDS`), from its
    text and, for a school-survey indicator (``skolenkat:utsatt_fysiskt``), its item."""
    words = "" if text is None or bool(pd.isna(text)) else str(text)
    found = {kind for kind, pattern in OUTCOME_KINDS.items() if pattern.search(words)}
    item = "" if indicator is None or bool(pd.isna(indicator)) else str(indicator)
    if item.startswith("skolenkat:"):
        measure = item.split(":", 1)[1]
        found |= {kind for prefix, kind in _ITEM_KINDS.items() if measure.startswith(prefix)}
    return found


def unmeasured_outcomes(model: pd.DataFrame) -> list[str]:
    """The long-term outcomes of one logic model (its rows) that no indicator measures:
    the outcome is about exposure, perpetration or attitudes (:func:`kinds`) and no
    indicator is about the same; an outcome about partners (:data:`PARTNER`) needs an
    indicator about partners. An outcome whose words name none of the kinds cannot be
    checked and is not listed."""
    outcomes = model.loc[model["stage"] == "long_term_outcomes", "item"].dropna()
    indicators = model[model["stage"] == "indicators"]
    measured = [
        (kinds(item, indicator), bool(PARTNER.search(str(item))))
        for item, indicator in zip(indicators["item"], indicators["indicator"], strict=True)
    ]
    out = []
    for outcome in outcomes:
        wanted = kinds(outcome)
        if not wanted:
            continue
        partner = bool(PARTNER.search(str(outcome)))
        if not any(wanted & got and (about or not partner) for got, about in measured):
            out.append(str(outcome))
    return out


def is_parent_group(target_group: object) -> bool:
    """Whether the target group is parents (``Föräldrar till barn 3–12 år``): its ages are
    the children's, not the participants'."""
    return bool(_PARENTS.search("" if pd.isna(target_group) else str(target_group)))


def check_fit(
    interventions: pd.DataFrame,
    logic_models: pd.DataFrame,
    priorities: pd.DataFrame | Iterable[str],
    municipality: str | None = None,
) -> pd.DataFrame:
    """Whether each chosen intervention fits the priorities and its own indicators.

    One row per problem found (:data:`FIT_PROBLEMS`), columns ``intervention_id``,
    ``name``, ``problem`` and ``indicator`` (the indicator concerned, ``""`` otherwise):

    * ``no prioritised factor``: it addresses none of the ``priorities``;
    * ``parents followed by pupil survey``: a parent group followed by a
      ``skolenkat:`` indicator (the survey asks pupils, not the parents);
    * ``ages outside survey``: the target group's ages (:func:`target_ages`) do not
      overlap the survey's :data:`SURVEY_AGES`, but a ``skolenkat:`` indicator follows it;
    * ``population indicator only``: a selective or indicated intervention (a group, not
      everybody) whose every indicator with an id measures a whole population
      (:data:`POPULATION_SOURCES`: reported crime per 100 000 inhabitants, a share of all
      pupils) and which has no indicator of its own participants: a change among the
      participants would hardly show;
    * ``ages partly outside survey``: the target group's ages overlap the survey's only in
      part (pupils in åk 4–9 followed by a survey of åk 9 and gy 2: the younger
      participants are not asked, and some of those asked did not take part), and no
      free-text indicator measures an effect among the participants themselves (one that
      only counts them, :data:`OUTPUT_MEASURE`, does not);
    * ``long-term outcome without indicator``: a long-term outcome that no indicator
      measures (:func:`unmeasured_outcomes`); ``indicator`` holds the outcome.

    Empty when everything fits (and when no intervention is chosen).
    """
    ids = set(_priority_ids(priorities))
    frame = _select(interventions, municipality)
    if "chosen" in frame:
        frame = frame[frame["chosen"].astype(bool)]
    rows = []
    for _, row in frame.iterrows():
        iid, name = row["intervention_id"], row["name"]
        if ids and not ids & set(row["factors"]):
            rows.append((iid, name, "no prioritised factor", ""))
        model = logic_models[
            (logic_models["intervention_id"] == iid) & (logic_models["stage"] == "indicators")
        ]
        with_id = [str(i) for i in model["indicator"].dropna() if str(i).strip()]
        survey = [i for i in with_id if i.startswith("skolenkat:")]
        parents = is_parent_group(row["target_group"])
        ages = target_ages(row["target_group"])
        for indicator in survey:
            if parents:
                rows.append((iid, name, "parents followed by pupil survey", indicator))
            elif ages is not None and (ages[1] < SURVEY_AGES[0] or ages[0] > SURVEY_AGES[1]):
                rows.append((iid, name, "ages outside survey", indicator))
        own = len(model) - len(with_id)  # free-text indicators: of the participants
        population = [i for i in with_id if i.split(":", 1)[0] in POPULATION_SOURCES]
        targeted = row["prevention_level"] in ("selektiv", "indikerad")
        if targeted and population and own == 0 and len(population) == len(with_id):
            rows.extend((iid, name, "population indicator only", i) for i in population)
        free = model.loc[model["indicator"].isna() | (model["indicator"].astype(str) == ""), "item"]
        effects = [t for t in free.dropna().astype(str) if not OUTPUT_MEASURE.search(t)]
        partly = (
            not parents
            and ages is not None
            and ages[0] <= SURVEY_AGES[1]
            and ages[1] >= SURVEY_AGES[0]
            and (ages[0] < SURVEY_AGES[0] or ages[1] > SURVEY_AGES[1])
        )
        if partly and survey and not effects:
            rows.extend((iid, name, "ages partly outside survey", i) for i in survey)
        chain = logic_models[logic_models["intervention_id"] == iid]
        for outcome in unmeasured_outcomes(chain):
            rows.append((iid, name, "long-term outcome without indicator", outcome))
    out = pd.DataFrame(rows, columns=["intervention_id", "name", "problem", "indicator"])
    return out.astype("string")
