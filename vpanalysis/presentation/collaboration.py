"""Step 1 in Swedish: the partner, steering and contribution tables, the training-day log
and the notices on missing key sectors.

The numbers come from :mod:`vpanalysis.steps.collaboration`; the Swedish labels of roles,
sectors and data sources are the registers' vocabularies (:mod:`vpanalysis.registers`).
"""

from __future__ import annotations

import pandas as pd

from vpanalysis import report
from vpanalysis.registers import DATA_SOURCES, ROLES, SECTORS
from vpanalysis.steps import collaboration, interventions
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


def missing_sectors_notice(
    missing: pd.DataFrame,
    partners: pd.DataFrame,
    page,
    *,
    ok: str,
    departments: pd.DataFrame | None = None,
):
    """The notice of key sectors missing among the partners (and, with ``departments``,
    the departments that take part without being partners: :func:`sector_notices`),
    ``ok`` when there is nothing to say; without a partner register it says that the
    partners cannot be assessed and what to fill in (never that a sector is missing)."""
    if partners.empty:
        return page.missing(
            "Partnerregistret",
            "partners",
            means="Vilka sektorer som finns med i samverkan kan därför inte bedömas.",
        )
    if departments is None:
        return report.notice(missing_sector_messages(missing), ok=ok)
    return report.notice(sector_notices(missing, departments), ok=ok)


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


def source_matrix(partners: pd.DataFrame) -> pd.DataFrame:
    """:func:`~vpanalysis.steps.collaboration.data_source_matrix` with the data sources'
    Swedish names (:data:`~vpanalysis.registers.DATA_SOURCES`) as columns, for the chart;
    empty without partners."""
    sources = data_source_matrix(partners)
    sources.columns = [DATA_SOURCES.labels.get(c, c) for c in sources.columns]
    return sources


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


def department_messages(departments: pd.DataFrame) -> list[str]:
    """One sentence per department of
    :func:`~vpanalysis.steps.collaboration.departments_not_partners` (no numbers of staff:
    the training plan's counts are the register's, not the report's)."""
    out = []
    for r in departments.itertuples(index=False):
        what = (
            "utbildar personal i våldsprevention och har insatser"
            if r.in_training_plan and r.in_inventory
            else "utbildar personal i våldsprevention"
            if r.in_training_plan
            else "har förebyggande insatser i inventeringen"
        )
        out.append(f"{r.administration} {what}, men är inte part i samverkan.")
    return out


def sector_notices(missing: pd.DataFrame, departments: pd.DataFrame) -> list[str]:
    """The step-1 notice: missing key sectors, then departments that take part in the work
    without being partners. Empty (so that the report may say that all key sectors are
    present) only when both are empty."""
    return missing_sector_messages(missing) + department_messages(departments)


# ---------------------------------------------------------------- reading guides
# Shown with :func:`vpanalysis.report.guide` only when their section has data.

#: Under "Om steg 1", when the municipality has a partner register.
BASIS_GUIDE = (
    "Rapporten bygger på kommunens partnerregister. I registret står roller, aldrig personnamn."
)
#: Above the partner table.
PARTNER_GUIDE = (
    "Tabellen visar varje organisation, dess roll i strukturen, dess mandat och de resurser "
    "som är avsatta. Så läser du tabellen: en organisation kan ha flera roller. Ett tomt "
    "mandat eller tomma resurser betyder att det inte är bestämt än – det är en fråga för "
    "styrgruppen."
)
#: Above the steering table.
STEERING_GUIDE = (
    "Kolumnen **Avsatt tid** summerar de resurser som angetts i timmar per år; ”ideell tid” "
    "och liknande räknas inte."
)
#: Above the contribution matrix.
MATRIX_GUIDE = (
    "Matrisen visar vilken part som bidrar med vilken datakälla och vilka steg varje part "
    "deltar i. Så läser du matrisen: en mörk ruta (✓) betyder att parten bidrar; en kolumn "
    "utan markeringar är en datakälla som ingen ansvarar för."
)
#: Above the key-sector check.
SECTORS_GUIDE = (
    "Kontrollen nedan listar de nyckelsektorer som inte finns bland parterna, och de "
    "förvaltningar som utbildar personal i våldsprevention eller har förebyggande insatser "
    "utan att vara parter."
)
#: Above the training-day log.
TRAINING_DAYS_GUIDE = "Loggen visar vilka dagar som genomförts och vilka steg de täckt."

#: The line shown when :func:`sector_notices` is empty.
SECTORS_OK = (
    "Alla nyckelsektorer finns med bland parterna, och alla förvaltningar som utbildar "
    "personal eller har insatser i inventeringen är parter."
)

#: The statutory frame of the lägesbild and the åtgärdsplan.
LAW_TEXT = (
    "Lagen (2023:196) om kommuners ansvar för brottsförebyggande arbete gäller sedan den "
    "1 juli 2023. Kommunen ska ta fram en lägesbild över brottsligheten och vad som påverkar "
    "den, och utifrån lägesbilden besluta om en åtgärdsplan. Steg 2 (lägesbilden) och steg 3–4 "
    "(förändringsfaktorer och insatser) i den här modellen är underlag till båda; "
    "styrgruppen avgör vad som tas med."
)
CHILDREN_TEXT = (
    "Barnperspektivet: barnkonventionen är svensk lag sedan 2020, och barnets bästa ska "
    "beaktas i beslut om insatser. Barn som ser eller hör våld mellan närstående är "
    "brottsoffer; sedan den 1 juli 2021 är det ett eget brott, barnfridsbrott."
)
CHILDREN_SURVEY_TEXT = (
    "Eleverna i skolenkäten (15–17 år) är barn, och skolenkäten frågar om våld från en vuxen "
    "i familjen (steg 3)."
)
_PERPETRATION = {
    "higher among boys": "Bland eleverna har killar oftare än tjejer själva utövat våld "
    "det senaste året (skolenkäten; skillnaden är säker).",
    "higher among girls": "Bland eleverna har tjejer oftare än killar själva utövat våld "
    "det senaste året (skolenkäten; skillnaden är säker).",
    "no certain difference": "Skolenkäten visar ingen säker skillnad mellan tjejer och killar "
    "i hur många som själva har utövat våld det senaste året.",
    "too few": "Skolenkätens fråga om att själv ha utövat våld har för få svar för att "
    "jämföra tjejer och killar.",
    "withheld": "Skolenkätens fråga om att själv ha utövat våld kan inte redovisas för tjejer "
    "och killar var för sig utan att små antal elever kan räknas fram.",
}


#: Swedish names of the local sources, for the leadership summary.
LOCAL_SOURCE_NAMES = {
    "socialtjanst": "socialtjänsten",
    "kvinnojour": "kvinnojouren",
    "skolenkat": "skolenkäten",
}
#: The public source about perpetrators, which the material does not hold.
SUSPECTS_TEXT = (
    "Brås statistik över anmälda brott räknar brott, inte vilka som begår dem; dess "
    "statistik över misstänkta personer (efter kön och ålder) är den offentliga källan om "
    "dem som misstänks för brott, men den finns inte i underlaget."
)


def _names(keys) -> str:
    names = [LOCAL_SOURCE_NAMES.get(k, k) for k in keys]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " och " + names[-1]


def leadership_summary(
    priorities: pd.DataFrame | None,
    gap_names: list[str] | None,
    sector_messages: list[str] | None,
    perpetration: str | None,
    blind_spots: list[str],
    local_sources: list[str] | None = None,
) -> list[str]:
    """The short page for the leadership, in Swedish: what the data suggest prioritising,
    the law, the children's perspective, what is known about perpetrators, the sectors
    and what the material does not cover. ``None`` for an input means its register or
    source is missing: the sentence then says what cannot be assessed.

    ``priorities`` (step 3's, with ``name``, ``basis`` and optionally ``judgement`` and
    ``indicator``), ``gap_names`` (prioritised factors without a well-supported
    intervention), ``sector_messages`` (:func:`sector_notices`), ``perpetration`` (a
    verdict of :func:`~vpanalysis.steps.collaboration.perpetration_by_sex`),
    ``blind_spots`` (the labels of the groups no source covers), ``local_sources`` (the
    keys of :data:`~vpanalysis.config.LOCAL_SOURCES` with data for the municipality;
    ``None``: not known, taken as all of them).
    """
    local = list(LOCAL_SOURCE_NAMES) if local_sources is None else list(local_sources)
    out = []
    if priorities is None or priorities.empty:
        out.append(
            "Vad data pekar på kan inte bedömas: faktorkatalogen eller lokala indikatorer "
            "saknas. Lägg in faktorkatalogen och skolenkäten för att få prioriteringar."
        )
    else:
        basis = priorities["basis"]
        none = pd.Series("", index=priorities.index)
        unknown = priorities.get("judgement", none) == "no data"
        survey = (
            priorities.get("indicator", none).fillna("").astype(str).str.startswith("skolenkat:")
        )
        lacking = unknown & survey & ("skolenkat" not in local)
        chosen = "valda utifrån kunskapsstöd och påverkbarhet"
        groups = (
            ("sämre än jämförelsen (säker skillnad)", basis == "flagged"),
            (f"{chosen}, utan säker skillnad mot jämförelsen", (basis != "flagged") & ~unknown),
            (
                f"{chosen} (skolenkäten, som mäter dem, saknas för kommunen)",
                (basis != "flagged") & lacking,
            ),
            (f"{chosen}, utan lokal indikator", (basis != "flagged") & unknown & ~lacking),
        )
        parts = [
            f"{label}: " + ", ".join(priorities.loc[mask, "name"])
            for label, mask in groups
            if mask.any()
        ]
        out.append("Data pekar på att prioritera (steg 3) – " + "; ".join(parts) + ".")
    if gap_names is None:
        out.append("Om insatserna täcker prioriteringarna kan inte bedömas: inventeringen saknas.")
    elif not gap_names:
        out.append(
            "Alla prioriterade faktorer påverkas av minst en insats med måttligt eller starkt "
            "kunskapsstöd i inventeringen (steg 4)."
        )
    else:
        out.append(
            "Ingen insats med måttligt eller starkt kunskapsstöd påverkar: "
            + ", ".join(gap_names)
            + " (steg 4)."
        )
    out.append(LAW_TEXT)
    out.append(CHILDREN_TEXT + (" " + CHILDREN_SURVEY_TEXT if perpetration else ""))
    if perpetration in _PERPETRATION:
        out.append(_PERPETRATION[perpetration])
    victims = [k for k in local if k in ("socialtjanst", "kvinnojour")]
    if not local:
        out.append(
            "Lokala källor (socialtjänsten, kvinnojouren, skolenkäten) saknas i underlaget för "
            "kommunen, så inget lokalt är känt om dem som utövar våld. " + SUSPECTS_TEXT
        )
    else:
        survey = perpetration in _PERPETRATION
        head = "Utöver skolenkäten finns inga" if survey else "Det finns inga"
        counted = f" {_names(victims)} räknar de utsatta." if victims else ""
        out.append(
            f"{head} lokala uppgifter om dem som utövar våld i underlaget:{counted} "
            + SUSPECTS_TEXT
        )
    if sector_messages is None:
        out.append(
            "Vilka sektorer som är med kan inte bedömas: partnerregistret saknas för kommunen."
        )
    elif sector_messages:
        out.append("Samverkan: " + " ".join(sector_messages))
    else:
        out.append(SECTORS_OK)
    if blind_spots:
        out.append("Underlaget säger inget om: " + ", ".join(s.lower() for s in blind_spots) + ".")
    return out


def leadership_points(
    registers,
    municipality: str,
    analysis,
    cells: pd.DataFrame | None,
    years,
    definition,
) -> list[str]:
    """:func:`leadership_summary` for one municipality from its registers
    (:class:`vpanalysis.registers.Registers`), step 3's
    :class:`~vpanalysis.steps.factors.FactorAnalysis`, the publication's ``cells`` and the
    violence definition (its ``gaps``); the local sources are those with cells of the
    municipality in the publication."""
    partners = registers.partners
    mine = partners[partners["municipality_code"] == municipality]
    inventory = registers.interventions
    inventory = inventory[inventory["municipality_code"] == municipality]
    sectors = None
    if not mine.empty:
        missing = collaboration.missing_key_sectors(partners, municipalities=[municipality])
        departments = collaboration.departments_not_partners(
            partners, registers.training_plan, registers.interventions, municipality
        )
        sectors = sector_notices(missing, departments)
    priorities = None if analysis is None else analysis.priorities
    gap_names = None
    if not inventory.empty and priorities is not None:
        gap_names = interventions.gaps(priorities, inventory)["name"].tolist()
    local = []
    if cells is not None and not cells.empty:
        here = set(cells.loc[cells["region"] == municipality, "source"])
        local = [k for k in LOCAL_SOURCE_NAMES if k in here]
    return leadership_summary(
        priorities,
        gap_names,
        sectors,
        collaboration.perpetration_by_sex(cells, municipality, years),
        definition.gaps["label"].tolist(),
        local_sources=local,
    )
