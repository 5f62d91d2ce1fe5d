"""Step 4, *Utveckla insatser*: the inventory, its coverage of the priorities, gaps, logic models.

Works on the ``interventions`` and ``logic_models`` registers and on the priorities of
step 3 (:func:`vpanalysis.steps.factors.select_priorities`, or any list of factor ids).
The Swedish tables, sentences and chart are in :mod:`vpanalysis.presentation.interventions`.
"""

from __future__ import annotations

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
