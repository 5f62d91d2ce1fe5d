"""Step 4, *Utveckla insatser*: the inventory, its coverage of the priorities, gaps, logic models.

Works on the ``interventions`` and ``logic_models`` registers and on the priorities of
step 3 (:func:`vpanalysis.steps.factors.select_priorities`, or any list of factor ids).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from vpanalysis.errors import DataError
from vpanalysis.registers import (
    EVIDENCE,
    LOGIC_MODEL_STAGES,
    PREVENTION_LEVELS,
    REGISTER_FILES,
)

#: Interventions with evidence at or below this level count as weak (1 = begränsad).
WEAK_EVIDENCE_MAX = 1
TOTAL_LABEL = "Totalt"

GAP_LABELS = {
    "no intervention": "Ingen insats påverkar faktorn",
    "weak evidence only": "Endast insatser med svagt kunskapsstöd",
    "covered": "Täckt av insats med måttligt eller starkt kunskapsstöd",
}


def _select(frame: pd.DataFrame, municipality: str | None) -> pd.DataFrame:
    if municipality is None:
        return frame
    return frame[frame["municipality_code"] == municipality]


def inventory_summary(
    interventions: pd.DataFrame, municipality: str | None = None, total: bool = True
) -> pd.DataFrame:
    """Per municipality and administration: what preventive work exists.

    Columns: ``municipality_code``, ``administration``, ``n_interventions``,
    ``n_universell``, ``n_selektiv``, ``n_indikerad``, ``n_chosen``, ``reach`` and
    ``cost_sek`` (sums of the known values), ``n_reach_missing`` and ``n_cost_missing``
    (how many lack them). With ``total``, each municipality ends with a row
    ``administration == "Totalt"``.
    """
    frame = _select(interventions, municipality)
    chosen = frame["chosen"] if "chosen" in frame else pd.Series(False, index=frame.index)

    def summarise(group: pd.DataFrame) -> dict:
        row = {"n_interventions": len(group)}
        for level in PREVENTION_LEVELS.values:
            row[f"n_{level}"] = int((group["prevention_level"] == level).sum())
        row["n_chosen"] = int(chosen.loc[group.index].sum())
        row["reach"] = group["reach"].sum(min_count=1)
        row["cost_sek"] = group["cost_sek"].sum(min_count=1)
        row["n_reach_missing"] = int(group["reach"].isna().sum())
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
        matrix.index = pd.Index([names.get(i, i) for i in matrix.index], name="faktor")
        by_id = dict(zip(frame["intervention_id"], frame["name"], strict=True))
        matrix.columns = pd.Index([by_id[c] for c in matrix.columns], name="insats")
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
    ``interventions`` (names, ``", "``-joined), ``status`` (``no intervention`` /
    ``weak evidence only`` / ``covered``) and ``status_label`` (Swedish).
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
                "status_label": GAP_LABELS[status],
            }
        )
    columns = [
        "factor_id",
        "name",
        "n_interventions",
        "n_supported",
        "interventions",
        "status",
        "status_label",
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
            "status_label": "string",
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
    """One intervention's logic model for a report: one row per stage, in chain order.

    Columns: ``stage``, ``stage_label`` (Swedish), ``items`` (the stage's items joined with
    ``"; "``; empty when the stage is missing), ``n_items``. Raises KeyError if the
    intervention has no logic model.
    """
    model = logic_models[logic_models["intervention_id"] == intervention_id]
    if model.empty:
        raise KeyError(f"no logic model for intervention {intervention_id!r}")
    rows = []
    for stage, label in LOGIC_MODEL_STAGES.items():
        items = model[model["stage"] == stage].sort_values("position")["item"].tolist()
        rows.append(
            {"stage": stage, "stage_label": label, "items": "; ".join(items), "n_items": len(items)}
        )
    return pd.DataFrame(rows).astype(
        {"stage": "string", "stage_label": "string", "items": "string", "n_items": "Int64"}
    )


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
    ``missing_stages`` (tuple of stage keys), ``complete`` and ``message`` (Swedish, empty
    when complete).
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
        if not has_model:
            message = f"{row['name']}: logisk kedja saknas."
        elif missing:
            labels = ", ".join(LOGIC_MODEL_STAGES[s].lower() for s in missing)
            message = f"{row['name']}: den logiska kedjan saknar {labels}."
        else:
            message = ""
        rows.append(
            {
                "intervention_id": row["intervention_id"],
                "municipality_code": row["municipality_code"],
                "name": row["name"],
                "has_model": has_model,
                "missing_stages": missing,
                "complete": has_model and not missing,
                "message": message,
            }
        )
    columns = [
        "intervention_id",
        "municipality_code",
        "name",
        "has_model",
        "missing_stages",
        "complete",
        "message",
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


def evidence_label(level: object) -> str:
    """Swedish label of an evidence level (``2`` -> ``"måttlig"``)."""
    if level is None or level is pd.NA:
        return "okänd"
    return EVIDENCE.labels.get(int(level), str(level))


# ---------------------------------------------------------------- report tables (Swedish)

CHECK = "✓"


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
            "Målgrupp": frame["target_group"].fillna(""),
            "Nivå": frame["prevention_level"].map(_level_label),
            "Kunskapsstöd": frame["evidence"].map(evidence_label),
            "Räckvidd (personer/år)": frame["reach"].astype("Int64"),
            "Kostnad (kr/år)": frame["cost_sek"].astype("Float64"),
            "Vald": chosen.map(lambda v: CHECK if bool(v) else ""),
        }
    ).reset_index(drop=True)


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
    """:func:`inventory_summary` for one municipality with Swedish columns (total row last)."""
    s = inventory_summary(interventions)
    out = pd.DataFrame({"Förvaltning": s["administration"], "Insatser": s["n_interventions"]})
    for level in PREVENTION_LEVELS.values:
        out[PREVENTION_LEVELS.labels[level]] = s[f"n_{level}"]
    out["Valda"] = s["n_chosen"]
    out["Räckvidd (personer/år)"] = s["reach"]
    out["Kostnad (kr/år)"] = s["cost_sek"]
    return out.reset_index(drop=True)


def coverage_table(
    priorities: pd.DataFrame,
    interventions: pd.DataFrame,
    *,
    weak_evidence_max: int = WEAK_EVIDENCE_MAX,
) -> pd.DataFrame:
    """Prioritised factors (rows, by name) × interventions that address any of them (✓),
    with a last column ``Täckning`` (covered, weak evidence only, no intervention)."""
    matrix = coverage_matrix(priorities, interventions, labels=True)
    marks = matrix.astype(bool).map(lambda v: CHECK if v else "")
    coverage = factor_coverage(priorities, interventions, weak_evidence_max=weak_evidence_max)
    out = marks.reset_index().rename(columns={"faktor": "Prioriterad faktor"})
    out.columns.name = None
    out["Täckning"] = coverage["status_label"].to_numpy()
    return out


def _wrap(text: str, width: int) -> str:
    import textwrap  # noqa: PLC0415

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
    an empty stage reads ``saknas – fyll i logic_models.yaml``."""
    table = logic_model_table(logic_models, intervention_id)
    return pd.DataFrame(
        {
            "Steg i kedjan": table["stage_label"],
            "Innehåll": [
                items if n else "saknas – fyll i logic_models.yaml"
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
    return [m for m in status["message"] if m]


NO_CHOSEN_MESSAGE = (
    "Ingen insats är vald för utveckling ännu. Markera de valda insatserna i "
    "interventions.csv (kolumnen chosen) och beskriv deras logiska kedjor i logic_models.yaml."
)


def coverage_chart(priorities: pd.DataFrame, interventions: pd.DataFrame, title: str = ""):
    """Heat map of :func:`coverage_chart_data` (dark = the intervention addresses the
    factor); ``None`` when the inventory is empty."""
    from vpanalysis import plots  # noqa: PLC0415

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
