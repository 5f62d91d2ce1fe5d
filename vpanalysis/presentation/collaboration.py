"""Step 1 in Swedish: the partner, steering and contribution tables, the training-day log
and the notices on missing key sectors.

The numbers come from :mod:`vpanalysis.steps.collaboration`; the Swedish labels of roles,
sectors and data sources are the registers' vocabularies (:mod:`vpanalysis.registers`).
"""

from __future__ import annotations

import pandas as pd

from vpanalysis import report
from vpanalysis.registers import DATA_SOURCES, ROLES, SECTORS
from vpanalysis.steps.collaboration import data_source_matrix, steering_structure, step_matrix

CHECK = "✓"


def checkmarks(matrix: pd.DataFrame, mark: str = CHECK) -> pd.DataFrame:
    """A boolean matrix as ``✓`` / empty strings, for a report table."""
    return matrix.astype(bool).map(lambda v: mark if v else "")


def with_labels(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``role_label`` and ``sector_label`` (Swedish) after its ``role`` and
    ``sector`` codes, for those of the two columns it has."""
    out = frame.copy()
    for code, vocabulary in (("role", ROLES), ("sector", SECTORS)):
        if code in out:
            labels = out[code].map(lambda v, vocab=vocabulary: vocab.labels.get(v, v))
            out.insert(out.columns.get_loc(code) + 1, f"{code}_label", labels)
    return out


def missing_sectors(missing: pd.DataFrame) -> pd.DataFrame:
    """:func:`~vpanalysis.steps.collaboration.missing_key_sectors` with ``sector_label`` and
    ``message``, a Swedish sentence per missing sector."""
    out = with_labels(missing)
    out["message"] = [
        f"{label} saknas bland parterna i samverkan." for label in out["sector_label"]
    ]
    return out.astype("string")


def missing_sector_messages(missing: pd.DataFrame) -> list[str]:
    """The report's notice lines: one sentence per missing key sector."""
    return missing_sectors(missing)["message"].tolist()


def missing_sectors_notice(missing: pd.DataFrame, partners: pd.DataFrame, page, *, ok: str):
    """The notice of key sectors missing among the partners, ``ok`` when none is; without
    a partner register it says that the partners cannot be assessed and what to fill in
    (never that a sector is missing)."""
    if partners.empty:
        return page.missing(
            "Partnerregistret",
            "partners",
            means="Vilka sektorer som finns med i samverkan kan därför inte bedömas.",
        )
    return report.notice(missing_sector_messages(missing), ok=ok)


def partner_table(partners: pd.DataFrame) -> pd.DataFrame:
    """The partner register as shown in the report: roles, never personal names."""
    order = {role: i for i, role in enumerate(ROLES.values)}
    frame = partners.assign(_order=partners["role"].map(order)).sort_values("_order", kind="stable")
    return pd.DataFrame(
        {
            "Organisation": frame["organisation"],
            "Sektor": frame["sector"].map(lambda s: SECTORS.labels.get(s, s)),
            "Roll i strukturen": frame["role"].map(lambda r: ROLES.labels.get(r, r)),
            "Kontakt (roll)": frame["contact_role"].fillna(""),
            "Mandat": frame["mandate"].fillna(""),
            "Resurser": frame["resources"].fillna(""),
        }
    ).reset_index(drop=True)


def steering_table(partners: pd.DataFrame) -> pd.DataFrame:
    """The steering structure (one row per level) with Swedish column names."""
    s = with_labels(steering_structure(partners))
    return pd.DataFrame(
        {
            "Nivå": s["role_label"],
            "Antal parter": s["n_partners"].astype("Int64"),
            "Organisationer": s["organisations"],
            "Avsatt tid (timmar/år)": s["resources_hours"],
        }
    )


def contribution_matrix(partners: pd.DataFrame) -> pd.DataFrame:
    """Partner × (data source, step) as check marks: who brings which data to which step."""
    sources = data_source_matrix(partners)
    sources = sources.loc[:, sources.any(axis=0)]
    sources.columns = [DATA_SOURCES.labels.get(c, c) for c in sources.columns]
    steps = step_matrix(partners)
    steps.columns = [f"Steg {s}" for s in steps.columns]
    out = checkmarks(sources.join(steps))
    out.index.name = "Organisation"
    return out.reset_index()


def training_days_table(training_days: pd.DataFrame) -> pd.DataFrame:
    """The log of the leadership group's joint training days, oldest first."""
    frame = training_days.sort_values("date")
    return pd.DataFrame(
        {
            "Datum": frame["date"].map(lambda d: pd.Timestamp(d).strftime("%Y-%m-%d")),
            "Utbildningsdag": frame["title"],
            "Utbildare": frame["provider"],
            "Deltagargrupp": frame["participant_group"],
            "Deltagare": frame["participants"].astype("Int64"),
            "Steg": frame["steps"].map(lambda v: ", ".join(map(str, v))),
        }
    ).reset_index(drop=True)
