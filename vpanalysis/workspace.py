"""Workspaces: one folder per collaboration, made by ``vpanalysis init``.

A workspace holds a configuration file (:data:`CONFIG_FILE`: the municipalities published
together, their comparison set, the years and the disclosure threshold), ``data/`` (``raw/``
with the definition, the KPI list, the survey codebook and empty register templates; the
processed tables and the frozen baselines once built), ``reports/`` and a Swedish
``LÄSMIG.md``. Which workspace a command uses (:func:`resolve`): an explicit folder
(``--workspace``), else ``VPANALYSIS_WORKSPACE``, else the nearest :data:`CONFIG_FILE` in the
current folder or above, else none (the repository's example data, :func:`example`).

The disclosure threshold belongs to the configuration, not to a run (issue 9): a run at 3
and one at 5 of the same data would together reveal the 3s and 4s. :func:`load` refuses a
threshold below :data:`MIN_THRESHOLD`; :func:`check_threshold` refuses a run's threshold that
differs from the configured one.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from vpanalysis import definitions, geography
from vpanalysis.config import (
    COLLABORATING,
    DEFAULT_YEARS,
    DISCLOSURE_THRESHOLD,
    RESOURCE_FILES,
    SWEDEN_CODE,
    checkout_root,
    get_paths,
    resources_dir,
)
from vpanalysis.registers import excel
from vpanalysis.registers.columns import SPECS
from vpanalysis.registers.reading import REGISTER_FILES

#: The configuration file that marks a workspace.
CONFIG_FILE = "vpanalysis.toml"
#: The environment variable naming a workspace folder.
ENV_VAR = "VPANALYSIS_WORKSPACE"
#: The lowest disclosure threshold a configuration accepts (1 would switch protection off).
MIN_THRESHOLD = 3
#: The Swedish instructions written into a new workspace.
README_FILE = "LÄSMIG.md"
#: The forms of empty registers :func:`init` can write: one Excel workbook (default) or
#: one CSV/YAML file per register.
REGISTER_FORMS = ("excel", "csv")


class WorkspaceError(ValueError):
    """A workspace that cannot be used: one line naming the file and what is wrong."""


@dataclass(frozen=True)
class Workspace:
    """A collaboration's folder and configuration (``root`` None: the example data)."""

    root: Path | None
    municipalities: tuple[str, ...]
    comparison: tuple[str, ...]
    years: tuple[int, int]
    threshold: int

    @property
    def data_dir(self) -> Path:
        """The folder holding ``raw/``, ``processed/`` and ``baseline/``."""
        return self.root / "data" if self.root else get_paths().data

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports" if self.root else get_paths().reports

    @property
    def config_path(self) -> Path | None:
        return self.root / CONFIG_FILE if self.root else None

    @property
    def comparison_codes(self) -> tuple[str, ...]:
        """The run's comparison set: the collaborating municipalities, then the comparison
        municipalities (each once) — the set the publication protects together."""
        return tuple(dict.fromkeys([*self.municipalities, *self.comparison]))

    def describe(self) -> str:
        where = str(self.config_path) if self.root else "the repository's example data"
        names = ", ".join(f"{geography.region_name(c)} ({c})" for c in self.municipalities)
        return f"{names}; {self.years[0]}-{self.years[1]}; threshold {self.threshold} ({where})"


def example() -> Workspace:
    """The repository's example data as a workspace (the fallback)."""
    return Workspace(
        root=None,
        municipalities=tuple(COLLABORATING),
        comparison=tuple(COLLABORATING),
        years=tuple(DEFAULT_YEARS),
        threshold=DISCLOSURE_THRESHOLD,
    )


def find(start: str | os.PathLike | None = None) -> Path | None:
    """The nearest folder holding :data:`CONFIG_FILE`: ``start`` (default the current
    folder) or one of its parents; None when there is none."""
    here = Path(start or Path.cwd()).resolve()
    for folder in [here, *here.parents]:
        if (folder / CONFIG_FILE).is_file():
            return folder
    return None


def resolve(
    workspace: str | os.PathLike | None = None, start: str | os.PathLike | None = None
) -> Workspace:
    """The workspace a command uses: ``workspace``, else ``$VPANALYSIS_WORKSPACE``, else the
    nearest :data:`CONFIG_FILE` from ``start`` (the current folder) upwards, else the
    repository's example data (:func:`example`). Raises :class:`WorkspaceError` when a named
    folder is no workspace, or when there is neither a workspace nor a checkout."""
    named = workspace or os.environ.get(ENV_VAR)
    if named:
        folder = Path(named).resolve()
        if not (folder / CONFIG_FILE).is_file():
            how = "--workspace" if workspace else ENV_VAR
            raise WorkspaceError(
                f"{how} {named}: no {CONFIG_FILE} there; create a workspace with "
                f"'vpanalysis init {named} --municipality NAME'"
            )
        return load(folder)
    found = find(start)
    if found is not None:
        return load(found)
    if checkout_root() is None and not os.environ.get("VPANALYSIS_DATA"):
        raise WorkspaceError(
            f"no workspace here (no {CONFIG_FILE} in this folder or above): create one with "
            "'vpanalysis init DIR --municipality NAME', then cd DIR"
        )
    return example()


def _codes(value, key: str, path: Path, *, municipality: bool) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise WorkspaceError(f"{path}: '{key}' must be a list of codes or names, got {value!r}")
    try:
        if municipality:
            return tuple(geography.municipality_code(str(v).strip()) for v in value)
        return tuple(geography.resolve_many([str(v).strip() for v in value]))
    except geography.UnknownRegionError as exc:
        raise WorkspaceError(f"{path}: '{key}': {exc}") from exc


def check_threshold_value(value, where: str) -> int:
    """``value`` as a threshold of at least :data:`MIN_THRESHOLD` (else one-line error)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise WorkspaceError(f"{where}: the disclosure threshold must be a whole number")
    if value < MIN_THRESHOLD:
        raise WorkspaceError(
            f"{where}: the disclosure threshold must be at least {MIN_THRESHOLD} (counts of "
            f"persons under it are never published), got {value}"
        )
    return value


def load(root: str | os.PathLike) -> Workspace:
    """Read and check ``root/vpanalysis.toml`` (raises :class:`WorkspaceError`)."""
    root = Path(root).resolve()
    path = root / CONFIG_FILE
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise WorkspaceError(f"{path}: cannot be read ({exc.strerror})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise WorkspaceError(f"{path}: not valid TOML ({exc})") from exc
    if "municipalities" not in config:
        raise WorkspaceError(f"{path}: 'municipalities' is missing (the codes, e.g. [\"2121\"])")
    municipalities = _codes(config["municipalities"], "municipalities", path, municipality=True)
    if not municipalities:
        raise WorkspaceError(f"{path}: 'municipalities' is empty")
    comparison = _codes(config.get("comparison", []), "comparison", path, municipality=True)
    years = config.get("years", list(DEFAULT_YEARS))
    if (
        not isinstance(years, list)
        or len(years) != 2
        or not all(isinstance(y, int) and not isinstance(y, bool) for y in years)
        or years[0] > years[1]
    ):
        raise WorkspaceError(f"{path}: 'years' must be [first, last], e.g. [2015, 2024]")
    threshold = check_threshold_value(
        config.get("disclosure_threshold", DISCLOSURE_THRESHOLD), f"{path}: disclosure_threshold"
    )
    return Workspace(root, municipalities, comparison, (years[0], years[1]), threshold)


def check_threshold(ws: Workspace, threshold: int | None) -> int:
    """The threshold of a run: the configured one. A different ``threshold`` (from the
    command line) is refused with one line: runs at two thresholds reveal the counts in
    between."""
    if threshold is None or int(threshold) == ws.threshold:
        return ws.threshold
    where = f"{ws.config_path}" if ws.root else "the example data (vpanalysis.config)"
    raise WorkspaceError(
        f"--threshold {threshold} differs from the collaboration's disclosure threshold "
        f"{ws.threshold} ({where}): the threshold belongs to the configuration, not to a run "
        "(reports at two thresholds together reveal the counts in between); change "
        "disclosure_threshold there"
    )


# ---------------------------------------------------------------- init


def _toml_list(values: Sequence) -> str:
    return "[" + ", ".join(f'"{v}"' if isinstance(v, str) else str(v) for v in values) + "]"


def config_text(ws: Workspace) -> str:
    """The text of :data:`CONFIG_FILE` for ``ws`` (with Swedish comments)."""

    def names(codes):
        return ", ".join(geography.region_name(c) for c in codes) or "inga"

    return (
        "# vpanalysis: arbetsytans inställningar (en samverkan). Se LÄSMIG.md.\n"
        "# Kommunkoder eller namn går att skriva; koderna är säkrast.\n\n"
        "# Kommunerna som publiceras tillsammans: " + names(ws.municipalities) + "\n"
        f"municipalities = {_toml_list(ws.municipalities)}\n\n"
        "# Jämförelsekommuner: " + names(ws.comparison) + "\n"
        f"comparison = {_toml_list(ws.comparison)}\n\n"
        "# Åren som rapporterna visar: [första, sista]\n"
        f"years = {_toml_list(list(ws.years))}\n\n"
        "# Röjandegräns: antal personer 1 till gränsen minus 1 publiceras aldrig (minst 3).\n"
        "# Gränsen hör till samverkan, inte till en körning: ändra den bara här.\n"
        f"disclosure_threshold = {ws.threshold}\n"
    )


def register_template(name: str) -> str:
    """An empty register file: the header of a CSV register, or an empty YAML list."""
    if REGISTER_FILES[name].endswith(".yaml"):
        return (
            "# Logiska kedjor (logic models) för de insatser som valts i steg 4, en per insats.\n"
            "# Stegen: resources -> activities -> outputs -> short_term_outcomes ->\n"
            "#   long_term_outcomes -> indicators. Exempel:\n"
            "#   - intervention_id: AB-01\n"
            "#     resources: [Två instruktörer]\n"
            "#     activities: [Utbilda personal]\n"
            "#     outputs: [Antal utbildade]\n"
            "#     short_term_outcomes: [Elever känner igen våld]\n"
            "#     long_term_outcomes: [Färre elever utsätts för våld]\n"
            "#     indicators:\n"
            "#       - {id: 'skolenkat:risk_normer', label: 'Andel som accepterar våld'}\n"
            "logic_models: []\n"
        )
    return ";".join(c.name for c in SPECS[name] if c.name != "example") + "\n"


def fetch_regions(ws: Workspace) -> tuple[list[str], list[str]]:
    """Kolada ids and SCB regions for the fetch commands: the municipalities and their
    comparison set, their counties, Riket."""
    codes = list(ws.comparison_codes)
    counties = sorted({geography.county_of(c) for c in codes})
    kolada = [*codes, *counties, SWEDEN_CODE]
    scb = [*codes, *(c[-2:] for c in counties), "00"]
    return kolada, scb


def fetch_commands(ws: Workspace) -> list[str]:
    """The ``vpanalysis fetch`` commands for the public sources of ``ws``."""
    kolada, scb = fetch_regions(ws)
    years = f"{ws.years[0]}-{ws.years[1]}"
    return [
        f"vpanalysis fetch kolada --municipality {','.join(kolada)} --years {years}",
        f"vpanalysis fetch scb-population --region {','.join(scb)} --years {years}",
        'vpanalysis fetch bra FIL_ELLER_URL --year ÅR --category "Misshandel inkl. grov"',
    ]


_REGISTER_TEXTS = (
    ("partners", "samverkanspartner: organisation, sektor, roll, mandat (steg 1)"),
    ("training_days", "utbildningsdagar för ledningsgruppen (steg 1)"),
    ("factors", "prioriterade risk- och skyddsfaktorer (steg 3)"),
    ("interventions", "insatser och vilka faktorer de påverkar (steg 4)"),
    ("logic_models", "logiska kedjor för de valda insatserna, en rad per länk (steg 4)"),
    ("goals", "mål med utgångsvärde, målvärde och indikator (steg 5)"),
    ("training_plan", "utbildningsplan per förvaltning och år (steg 5)"),
    ("training_log", "genomförda utbildningar (steg 5)"),
    ("activities", "spridningsaktiviteter, t.ex. vecka 47 (steg 5)"),
)


def _registers_text(form: str) -> str:
    if form == "excel":
        rows = "\n".join(
            f"| {excel.LAYOUTS[key].sheet} | {text} |" for key, text in _REGISTER_TEXTS
        )
        return (
            f"Registren är en Excelfil, `data/raw/registers/{excel.WORKBOOK}`, med ett blad per\n"
            f"register och bladet {excel.INSTRUCTIONS} först. Fyll i en rad per post; listorna i\n"
            "kolumnerna visar de tillåtna värdena.\n\n| Blad | Innehåll |\n|---|---|\n" + rows
        )
    rows = "\n".join(
        f"| `data/raw/registers/{REGISTER_FILES[key]}` | {text} |" for key, text in _REGISTER_TEXTS
    )
    return (
        "Registren är tomma mallar (semikolonseparerade CSV-filer som öppnas i Excel; spara\n"
        "som CSV). Fyll i en rad per post:\n\n| Fil | Innehåll |\n|---|---|\n" + rows
    )


def readme_text(ws: Workspace, registers: str = "excel") -> str:
    """The Swedish ``LÄSMIG.md`` of a new workspace (``registers``: the form of the empty
    registers, one of :data:`REGISTER_FORMS`)."""
    names = ", ".join(f"{geography.region_name(c)} ({c})" for c in ws.municipalities)
    comparison = ", ".join(geography.region_name(c) for c in ws.comparison) or "inga"
    fetch = "\n".join(fetch_commands(ws))
    registers_text = _registers_text(registers)
    return f"""# Arbetsyta för våldsförebyggande analys

Den här mappen är en arbetsyta för {names}, skapad {dt.date.today().isoformat()} med
`vpanalysis init`. Jämförelsekommuner: {comparison}. År: {ws.years[0]}–{ws.years[1]}.
Röjandegräns: {ws.threshold} (antal personer under gränsen publiceras aldrig).
Inställningarna finns i `{CONFIG_FILE}`.

Rapporterna går att bygga direkt, utan några data: varje avsnitt säger då vad som saknas.
Fyll sedan på med det ni har, i vilken ordning som helst.

## 1. Hämta offentlig statistik (kräver internet)

Kör kommandona i den här mappen:

```sh
{fetch}
```

* Kolada: anmälda brott, trygghet och andra nyckeltal för kommunerna, länet och riket.
* SCB: folkmängd efter ålder och kön (behövs för alla tal per 100 000 invånare).
* Brå: ladda ner Brås statistik över anmälda brott per kommun som CSV (brottskategori och
  år) och ange filen; upprepa för varje år och brottskategori ni vill ha med. En fil utan
  brottskategori läses som alla anmälda brott och visas som sammanhang i steg 2. Ett uttag
  ur Brås statistikdatabas ("Databasfil", `Region;Brott;År;Period;…`) kan läggas direkt i
  `data/raw/bra/` eller anges till `vpanalysis fetch bra`; polisregionerna i det hoppas
  över.

## 2. Lägg in lokala uppgifter

| Mapp | Vad |
|---|---|
| `data/raw/socialtjanst/` | socialtjänstens uttag om våldsutsatta och våldsutövare (Excel/CSV) |
| `data/raw/kvinnojour/` | kvinno- och tjejjourens statistik (CSV) |
| `data/raw/skolenkat/` | skolenkätens svar: SPSS-filen (`.sav`) som den levereras \
(Stockholmsenkäten, LUPP), eller CSV med frågorna beskrivna i `codebook.csv` |
| `data/raw/skolenkat/elevantal.csv` | antal elever per årskurs och år \
(`Kommun;År;Årskurs;Elever`, t.ex. från Skolverket): då visas svarsfrekvensen |

Antal personer från dessa källor skyddas innan de publiceras: ingen rapport visar eller
låter någon räkna fram ett antal mellan 1 och {ws.threshold - 1}.

## 3. Fyll i registren

{registers_text}

Definitionen av våld som samverkan har beslutat om finns i
`data/raw/definitions/violence_definition.yaml`, och hur källornas kategorier motsvarar den i
`data/raw/definitions/category_mapping.csv`. Ändra dem efter ert eget beslut. När
styrgruppen har beslutat om definitionen: skriv in vem som beslutade (`decided_by`), när
(`decided_on`) och för vilka kommuner (`decided_for`, kommunkoder), och sätt `example` till
`false`. Fram till dess säger rapporten för steg 2 att definitionen inte är beslutad.

## 4. Bygg data och rapporter

```sh
vpanalysis data build
vpanalysis reports
```

Rapporterna hamnar i `reports/` med en innehållsförteckning i `reports/index.html`. En
enskild rapport: `vpanalysis report --municipality {ws.municipalities[0]} --step 2`.
Kommandona hittar arbetsytan själva när de körs här (eller ange `--workspace MAPP`).

## 5. Utforska i JupyterLab

```sh
vpanalysis lab
```

öppnar JupyterLab här med en kopia av stegens anteckningsböcker i `notebooks/`, inställda på
{geography.region_name(ws.municipalities[0])}. Kräver `pip install "vpanalysis[lab]"`.
"""


#: The decision fields of a new workspace's definition template, as written there: empty,
#: so that a new workspace never claims a decision it has not taken.
_UNDECIDED = {
    "decided_by": '""     # vem som beslutade, t.ex. "Brottsförebyggande rådet, Ljusdals kommun"',
    "decided_on": '""     # när, t.ex. "2024-11-15"',
    "decided_for": '[]     # för vilka kommuner (kommunkoder), t.ex. ["2161"]',
    "example": "true      # sätt till false när styrgruppen har beslutat om texten",
}


def undecided_definition(text: str) -> str:
    """The text of ``violence_definition.yaml`` as a template: its decision fields
    (:data:`vpanalysis.definitions.DECISION_FIELDS`) empty and ``example: true``, the rest
    (the text, the vocabularies, the comments) kept. Only the ``definition:`` block's own
    lines change."""
    out, inside = [], False
    for line in text.splitlines(keepends=True):
        if re.match(r"^\S", line):
            inside = line.startswith("definition:")
        key = re.match(r"^(\s+)(decided_by|decided_on|decided_for|example)\s*:", line)
        if inside and key:
            line = f"{key.group(1)}{key.group(2)}: {_UNDECIDED[key.group(2)]}\n"
        elif inside and re.match(r"^\s+# (Beslutet:|samverkan Ljusdal)", line):
            continue  # the example decision's own comment
        out.append(line)
    return "".join(out)


def init(
    directory: str | os.PathLike,
    municipalities: Sequence[str | int],
    comparison: Sequence[str | int] | None = None,
    years: tuple[int, int] | None = None,
    threshold: int = DISCLOSURE_THRESHOLD,
    registers: str = "excel",
) -> Workspace:
    """Create a workspace in ``directory`` (new or empty, or without a configuration file):
    :data:`CONFIG_FILE`, ``data/raw`` with the packaged definitions, KPI list, survey
    codebook and reference lists and empty registers (``registers``: the workbook
    ``register.xlsx`` of :mod:`vpanalysis.registers.excel`, or ``"csv"``: one template
    file per register), ``reports/`` and ``LÄSMIG.md``. Files already there are kept.
    ``comparison`` defaults to the other municipalities of the first municipality's
    county. Raises :class:`WorkspaceError`."""
    if registers not in REGISTER_FORMS:
        raise WorkspaceError(
            f"registers must be one of {', '.join(REGISTER_FORMS)}, got {registers!r}"
        )
    root = Path(directory).resolve()
    if root.exists() and not root.is_dir():
        raise WorkspaceError(f"{directory}: is a file, not a folder")
    if (root / CONFIG_FILE).exists():
        raise WorkspaceError(f"{root / CONFIG_FILE}: already a workspace; edit that file instead")
    try:
        codes = tuple(dict.fromkeys(geography.municipality_code(str(m)) for m in municipalities))
        if comparison is None:
            county = geography.county_of(codes[0])
            others = [c for c in geography.municipalities_in(county) if c not in codes]
        else:
            others = [geography.municipality_code(str(c)) for c in comparison]
    except geography.UnknownRegionError as exc:
        raise WorkspaceError(str(exc)) from exc
    if not codes:
        raise WorkspaceError("choose at least one municipality (--municipality)")
    years = tuple(years or DEFAULT_YEARS)
    if len(years) != 2 or years[0] > years[1]:
        raise WorkspaceError(f"years must be a range first-last, got {years!r}")
    threshold = check_threshold_value(threshold, "--threshold")
    ws = Workspace(root, codes, tuple(dict.fromkeys(others)), (years[0], years[1]), threshold)
    raw = root / "data" / "raw"
    source = resources_dir()
    for name in RESOURCE_FILES:
        target = raw / name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / name, target)
            if name == f"definitions/{definitions.DEFINITION_FILE}":
                # the example collaboration's decision is not the new workspace's
                text = target.read_text(encoding="utf-8")
                target.write_text(undecided_definition(text), encoding="utf-8")
    folder = raw / "registers"
    folder.mkdir(parents=True, exist_ok=True)
    existing = [folder / f for f in [excel.WORKBOOK, *REGISTER_FILES.values()]]
    if not any(path.exists() for path in existing):  # registers already there stay
        if registers == "excel":
            excel.write_workbook(folder / excel.WORKBOOK)
        else:
            for name, file_name in REGISTER_FILES.items():
                (folder / file_name).write_text(register_template(name), encoding="utf-8")
    for folder in ("bra", "scb", "socialtjanst", "kvinnojour"):
        (raw / folder).mkdir(parents=True, exist_ok=True)
    (root / "reports").mkdir(parents=True, exist_ok=True)
    readme = root / README_FILE
    if not readme.exists():
        readme.write_text(readme_text(ws, registers), encoding="utf-8")
    (root / CONFIG_FILE).write_text(config_text(ws), encoding="utf-8")
    return ws
