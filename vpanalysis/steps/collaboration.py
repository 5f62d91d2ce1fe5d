"""Step 1, *Initiera samverkan*: who takes part, with what mandate, resources and data.

Works on the ``partners`` and ``training_days`` registers (see
:mod:`vpanalysis.registers`): the steering structure (the crime-prevention council is
the steering group), which partner contributes which data source and takes part in
which step, which key sectors are missing, and the leadership group's training days.
Codes only: the Swedish tables, labels and messages are in
:mod:`vpanalysis.presentation.collaboration`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from vpanalysis.registers import DATA_SOURCES, ROLES, SECTORS, STEPS
from vpanalysis.steps import factors

#: Sectors whose absence is flagged by default: the sources of the lägesbild in step 2
#: (social services, school, police, women's shelter) and health care.
DEFAULT_KEY_SECTORS: tuple[str, ...] = (
    "socialtjänst",
    "skola",
    "polis",
    "kvinnojour/tjejjour",
    "hälso- och sjukvård",
)


def _select(frame: pd.DataFrame, municipality: str | None) -> pd.DataFrame:
    if municipality is None:
        return frame
    return frame[frame["municipality_code"] == municipality]


def steering_structure(partners: pd.DataFrame, municipality: str | None = None) -> pd.DataFrame:
    """One row per municipality and role, roles in order styrgrupp → referensgrupp.

    Columns: ``municipality_code``, ``role``, ``n_partners``,
    ``organisations`` (``"; "``-joined: names hold commas), ``sectors`` (``", "``-joined, in
    file order), ``resources_hours``
    (sum of the numeric ``resources``; ``<NA>`` if none is numeric), ``mandates``
    (``"; "``-joined). Roles without partners are left out.
    """
    frame = _select(partners, municipality)
    order = {role: i for i, role in enumerate(ROLES.values)}
    rows = []
    for (code, role), group in frame.groupby(["municipality_code", "role"], sort=False):
        hours = group["resources_hours"] if "resources_hours" in group else pd.Series(dtype=float)
        rows.append(
            {
                "municipality_code": code,
                "role": role,
                "n_partners": len(group),
                "organisations": "; ".join(group["organisation"]),
                "sectors": ", ".join(dict.fromkeys(group["sector"])),
                "resources_hours": hours.sum() if hours.notna().any() else pd.NA,
                "mandates": "; ".join(m for m in group["mandate"].dropna() if m),
            }
        )
    columns = [
        "municipality_code",
        "role",
        "n_partners",
        "organisations",
        "sectors",
        "resources_hours",
        "mandates",
    ]
    out = pd.DataFrame(rows, columns=columns)
    out["_order"] = out["role"].map(order)
    out = out.sort_values(["municipality_code", "_order"], kind="stable").drop(columns="_order")
    out["n_partners"] = out["n_partners"].astype("Int64")
    out["resources_hours"] = pd.array(out["resources_hours"].tolist(), dtype="Float64")
    return out.reset_index(drop=True)


def _partner_index(frame: pd.DataFrame) -> pd.Index | pd.MultiIndex:
    if frame["municipality_code"].nunique() > 1:
        return pd.MultiIndex.from_frame(frame[["municipality_code", "organisation"]])
    return pd.Index(frame["organisation"], name="organisation")


def _membership_matrix(
    frame: pd.DataFrame, column: str, columns: Sequence, index_labels: pd.Index
) -> pd.DataFrame:
    data = {c: [c in values for values in frame[column]] for c in columns}
    matrix = pd.DataFrame(data, index=index_labels, columns=list(columns), dtype=bool)
    # an organisation with two roles appears once, with the union of its rows
    return matrix.groupby(level=list(range(matrix.index.nlevels)), sort=False).any()


def data_source_matrix(
    partners: pd.DataFrame,
    municipality: str | None = None,
    sources: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Partner × data source, booleans (``True``: the partner contributes the source).

    Rows: organisations (a ``(municipality_code, organisation)`` MultiIndex when several
    municipalities are included). Columns: ``sources``, default every source in
    :data:`~vpanalysis.registers.DATA_SOURCES` that some partner contributes, in that
    order. :func:`vpanalysis.presentation.collaboration.checkmarks` shows it as ``✓``.
    """
    frame = _select(partners, municipality)
    if sources is None:
        used = {s for values in frame["data_sources"] for s in values}
        sources = [s for s in DATA_SOURCES.values if s in used]
    return _membership_matrix(frame, "data_sources", list(sources), _partner_index(frame))


def step_matrix(partners: pd.DataFrame, municipality: str | None = None) -> pd.DataFrame:
    """Partner × step (columns 1–5), booleans: in which steps each partner takes part."""
    frame = _select(partners, municipality)
    return _membership_matrix(frame, "steps", STEPS.values, _partner_index(frame))


def missing_key_sectors(
    partners: pd.DataFrame,
    key_sectors: Iterable[str] = DEFAULT_KEY_SECTORS,
    municipalities: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Key sectors without any partner, per municipality.

    ``municipalities`` defaults to those in ``partners`` (pass a list to include a
    municipality with no partners at all). Returns ``municipality_code`` and ``sector``,
    one row per missing sector; empty when nothing is missing.
    """
    sectors = []
    for sector in key_sectors:
        canonical = SECTORS.canonical(sector)
        if canonical is None:
            raise ValueError(f"unknown sector {sector!r}; allowed: {SECTORS.describe()}")
        sectors.append(canonical)
    codes = (
        list(dict.fromkeys(partners["municipality_code"]))
        if municipalities is None
        else list(municipalities)
    )
    rows = []
    for code in codes:
        present = set(partners.loc[partners["municipality_code"] == code, "sector"])
        for sector in sectors:
            if sector not in present:
                rows.append({"municipality_code": code, "sector": sector})
    return pd.DataFrame(rows, columns=["municipality_code", "sector"]).astype("string")


def training_days_summary(
    training_days: pd.DataFrame, municipality: str | None = None
) -> pd.DataFrame:
    """Per municipality: ``n_days``, ``first_date``, ``last_date``, ``participants`` (sum),
    ``mean_participants``, ``providers`` (joined), ``steps_covered`` (tuple of step numbers
    covered by the days' ``steps``) and ``steps_missing`` (steps 1–5 not covered)."""
    frame = _select(training_days, municipality)
    rows = []
    for code, group in frame.groupby("municipality_code", sort=False):
        covered = sorted({s for values in group.get("steps", []) for s in values})
        rows.append(
            {
                "municipality_code": code,
                "n_days": group["date"].nunique(),
                "first_date": group["date"].min(),
                "last_date": group["date"].max(),
                "participants": group["participants"].sum(min_count=1),
                "mean_participants": group["participants"].mean(),
                "providers": ", ".join(dict.fromkeys(group["provider"])),
                "steps_covered": tuple(covered),
                "steps_missing": tuple(s for s in STEPS.values if s not in covered),
            }
        )
    columns = [
        "municipality_code",
        "n_days",
        "first_date",
        "last_date",
        "participants",
        "mean_participants",
        "providers",
        "steps_covered",
        "steps_missing",
    ]
    out = pd.DataFrame(rows, columns=columns)
    return out.astype({"n_days": "Int64", "participants": "Int64", "mean_participants": "Float64"})


def _department(name: object) -> str:
    """An organisation's department, for matching: the text before the first comma,
    case-folded (``"Socialförvaltningen, individ- och familjeomsorgen"`` ->
    ``"socialförvaltningen"``)."""
    return str(name).split(",")[0].strip().casefold()


def departments_not_partners(
    partners: pd.DataFrame,
    training_plan: pd.DataFrame | None = None,
    interventions: pd.DataFrame | None = None,
    municipality: str | None = None,
) -> pd.DataFrame:
    """Departments that take part in the work without being a partner of the collaboration.

    A department (``administration``) of the training plan (staff to be trained in
    violence prevention) or of the intervention inventory whose name is not among the
    partners' organisations (compared by the text before the first comma). Columns
    ``administration``, ``in_training_plan``, ``in_inventory`` (booleans); empty when
    every such department is a partner, or when there are no partners to compare with.
    """
    mine = _select(partners, municipality)
    if mine.empty:
        return pd.DataFrame(columns=["administration", "in_training_plan", "in_inventory"])
    known = {_department(o) for o in mine["organisation"]}
    found: dict[str, dict[str, bool]] = {}
    for frame, flag in ((training_plan, "in_training_plan"), (interventions, "in_inventory")):
        if frame is None or frame.empty or "administration" not in frame:
            continue
        for admin in _select(frame, municipality)["administration"].dropna():
            if _department(admin) in known:
                continue
            row = found.setdefault(str(admin), {"in_training_plan": False, "in_inventory": False})
            row[flag] = True
    out = pd.DataFrame(
        [{"administration": a, **flags} for a, flags in found.items()],
        columns=["administration", "in_training_plan", "in_inventory"],
    )
    return out.astype({"administration": "string", "in_training_plan": bool, "in_inventory": bool})


#: The survey item on the pupil's own use of violence (what the sources say of perpetrators).
PERPETRATION_ITEM = "utovat_vald"


def perpetration_by_sex(
    cells: pd.DataFrame | None, municipality: str, years: Sequence[int]
) -> str | None:
    """What the school survey says about who uses violence, from a publication's ``cells``
    only: the verdict of :func:`vpanalysis.steps.factors.sex_difference` for
    :data:`PERPETRATION_ITEM` in the municipality's latest wave within ``years`` (``higher
    among boys`` ...), or ``None`` when the survey has no such answers."""
    if cells is None or cells.empty:
        return None
    lo, hi = int(years[0]), int(years[-1])
    mine = cells[
        (cells["source"] == factors.SURVEY_SOURCE)
        & (cells["measure"] == PERPETRATION_ITEM)
        & (cells["region"] == municipality)
        & cells["year"].between(lo, hi)
    ]
    if mine.empty:
        return None
    indicator = pd.DataFrame(
        {
            "factor_id": [PERPETRATION_ITEM],
            "source": [factors.SURVEY_SOURCE],
            "item": [PERPETRATION_ITEM],
            "year": [int(mine["year"].max())],
        }
    )
    by_sex = factors.published_sex_shares(cells, indicator, municipality)
    verdict = factors.sex_difference(by_sex)
    return None if verdict.empty else str(verdict["verdict"].iloc[0])
