"""The registers as one Excel workbook, ``register.xlsx``: writing it and reading its sheets.

A workspace keeps its registers either as the CSV/YAML files of ``data/raw/registers/`` or
as sheets of ``data/raw/registers/register.xlsx`` (:data:`WORKBOOK`); each register may be
in either form, never in both (:func:`register_sources` raises a one-line
:class:`~vpanalysis.errors.DataError` naming both).

The workbook (:func:`write_workbook`) has

* the sheet ``Instruktioner``: how to fill in the workbook, in Swedish, and a table of
  every sheet's columns;
* one sheet per register (:data:`LAYOUTS`): header in row 1 (Swedish headers, the English
  column names of the CSV files are accepted too), one row per record from row 2, a
  drop-down list (data validation) on every column with a controlled vocabulary;
* the sheet ``Listor``: the allowed values the drop-downs use.

The logic models (``Logiska kedjor``) have one row per link of a chain: ``Insats-id``,
``Steg i kedjan`` (Resurser, Aktiviteter, Prestationer, Kortsiktiga effekter, Långsiktiga
effekter, Indikatorer), ``Text`` and, on rows of the stage Indikatorer, ``Indikator-id``
(``källa:mått``). The order of the rows of a stage is the order of its items. A chain with
no links yet is a row with only the intervention id.

Cells are read as the CSV text would be: numbers stored as text are fine, dates may be
Excel dates or ``YYYY-MM-DD`` text. A cell with a formula but no saved value, or an Excel
error value (``#N/A``), is an error. Every problem names the sheet (``register.xlsx
[Insatser]``), the row as Excel numbers it and the column by letter and header
(``'H (Faktorer)'``).
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.datetime import from_excel
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from vpanalysis import atomic, geography
from vpanalysis.errors import DataError
from vpanalysis.registers.columns import SPECS, Column
from vpanalysis.registers.errors import RegisterError, _CellError
from vpanalysis.registers.logic_models import _logic_model_frame, _logic_model_item
from vpanalysis.registers.parsers import parse_bool, parse_indicator
from vpanalysis.registers.reading import REGISTER_FILES, TableSource, _raise, _RawCsv
from vpanalysis.registers.vocabularies import (
    _STAGE_ALIASES,
    LOGIC_MODEL_STAGES,
    Vocabulary,
    match_key,
)

#: The workbook's file name in ``data/raw/registers/``.
WORKBOOK = "register.xlsx"
#: The sheet with the instructions (first) and the sheet with the allowed values (last).
INSTRUCTIONS = "Instruktioner"
LISTS = "Listor"


@dataclass(frozen=True)
class Field:
    """A column of a register sheet: canonical name, Swedish header, Swedish help text."""

    name: str
    header: str
    help: str


@dataclass(frozen=True)
class SheetLayout:
    """The sheet of one register: its name, what a row is (Swedish) and its columns."""

    register: str
    sheet: str
    row: str
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


_F = Field
_MUNICIPALITY = _F("municipality_code", "Kommun", "Kommunens namn eller kommunkod (fyra siffror).")
_EXAMPLE = _F("example", "Exempel", "ja för påhittat exempelinnehåll, annars nej eller tomt.")

#: The register sheets in workbook order.
LAYOUTS: dict[str, SheetLayout] = {
    layout.register: layout
    for layout in (
        SheetLayout(
            "partners",
            "Samverkansparter",
            "En rad per organisation och roll i strukturen (steg 1).",
            (
                _MUNICIPALITY,
                _F("organisation", "Organisation", "Organisationens eller förvaltningens namn."),
                _F("sector", "Sektor", "Organisationens sektor (välj i listan)."),
                _F("role", "Roll", "Gruppen parten sitter i (välj i listan)."),
                _F("contact_role", "Kontaktpersonens roll", "Roll, aldrig personnamn."),
                _F("mandate", "Mandat", "Vilket mandat parten har i arbetet."),
                _F(
                    "resources",
                    "Resurser",
                    "Timmar per år (t.ex. 200 h/år, räknas ihop i rapporten) eller fritext.",
                ),
                _F(
                    "data_sources",
                    "Datakällor",
                    "Datakällor parten bidrar med; flera åtskilda med |, t.ex. polis|bra.",
                ),
                _F("steps", "Steg", "Stegen parten deltar i: t.ex. 1|2|5, 1-3 eller alla."),
                _EXAMPLE,
            ),
        ),
        SheetLayout(
            "training_days",
            "Utbildningsdagar",
            "En rad per utbildningsdag och kommun (steg 1 och 5).",
            (
                _MUNICIPALITY,
                _F("date", "Datum", "Datum (ÅÅÅÅ-MM-DD)."),
                _F("title", "Rubrik", "T.ex. Utbildningsdag 1: …"),
                _F("provider", "Utbildare", "Vem som höll i dagen, t.ex. MÄN."),
                _F("participant_group", "Deltagargrupp", "T.ex. Ledningsgruppen."),
                _F("participants", "Antal deltagare", "Antal deltagare från kommunen."),
                _F("steps", "Steg", "Vilka steg dagen handlade om: t.ex. 3 eller 1|2."),
                _EXAMPLE,
            ),
        ),
        SheetLayout(
            "factors",
            "Faktorer",
            "En rad per risk- eller skyddsfaktor; gemensam katalog för alla kommuner (steg 3).",
            (
                _F("factor_id", "Faktor-id", "Unikt id, t.ex. F03 (inga mellanslag)."),
                _F("name", "Namn", "Faktorns namn."),
                _F("level", "Nivå", "Socioekologisk nivå (välj i listan)."),
                _F("type", "Typ", "Riskfaktor eller skyddsfaktor."),
                _F("description", "Beskrivning", "Beskrivning av faktorn."),
                _F("evidence", "Kunskapsstöd", "Hur starkt kunskapsstödet är för sambandet."),
                _F(
                    "shared_by",
                    "Gemensam för våldsformer",
                    "Våldsformer faktorn är gemensam för; flera åtskilda med |.",
                ),
                _F("changeability", "Påverkbarhet", "Hur mycket parterna kan påverka faktorn."),
                _F("indicator", "Indikator", "Lokal indikator, källa:mått, t.ex. kolada:N07403."),
                _F(
                    "indicator_cutoff",
                    "Gräns för riskgrupp",
                    "Tomt = frågan är kodad 0/1; >= 4, < 2 = fast gräns; p75, < p25 = percentil.",
                ),
                _F(
                    "indicator_polarity",
                    "Tolkning av indikatorn",
                    "Tomt = högre är sämre för riskfaktorer, högre är bättre för skyddsfaktorer.",
                ),
                _F("reference", "Källa", "Källa för kunskapsstödet."),
                _EXAMPLE,
            ),
        ),
        SheetLayout(
            "interventions",
            "Insatser",
            "En rad per förebyggande insats (steg 4).",
            (
                _F("intervention_id", "Insats-id", "Unikt id, t.ex. LJ-01 (inga mellanslag)."),
                _MUNICIPALITY,
                _F("administration", "Förvaltning", "Förvaltning eller annan huvudman."),
                _F("name", "Namn", "Insatsens namn."),
                _F("description", "Beskrivning", "Kort beskrivning."),
                _F("target_group", "Målgrupp", "Insatsens målgrupp."),
                _F("prevention_level", "Preventionsnivå", "Universell, selektiv eller indikerad."),
                _F("factors", "Faktorer", "Faktor-id från fliken Faktorer; flera åtskilda med |."),
                _F("evidence", "Kunskapsstöd", "Kunskapsstöd för insatsens effekt."),
                _F("reach", "Antal som nås", "Antal personer som nås per år."),
                _F("cost_sek", "Kostnad (kr per år)", "Kostnad i kronor per år."),
                _F("start_date", "Startdatum", "Behövs för att följa upp före/efter i steg 5."),
                _F("end_date", "Slutdatum", "Slutdatum om insatsen upphört."),
                _F(
                    "chosen",
                    "Vald i steg 4",
                    "ja om insatsen valts ut; då ska den ha en kedja i fliken Logiska kedjor.",
                ),
                _EXAMPLE,
            ),
        ),
        SheetLayout(
            "logic_models",
            "Logiska kedjor",
            "En rad per länk i den logiska kedjan för en vald insats (steg 4).",
            (
                _F("intervention_id", "Insats-id", "Insatsens id i fliken Insatser."),
                _F(
                    "stage",
                    "Steg i kedjan",
                    "Resurser, Aktiviteter, Prestationer, Kortsiktiga effekter, Långsiktiga "
                    "effekter eller Indikatorer.",
                ),
                _F("item", "Text", "Länkens text; för en indikator dess beskrivning."),
                _F(
                    "indicator",
                    "Indikator-id",
                    "Bara för steget Indikatorer: källa:mått, t.ex. skolenkat:risk_normer.",
                ),
                _EXAMPLE,
            ),
        ),
        SheetLayout(
            "goals",
            "Mål",
            "En rad per mätbart mål (steg 5).",
            (
                _F("goal_id", "Mål-id", "Unikt id, t.ex. LJ-M1."),
                _MUNICIPALITY,
                _F("goal", "Mål", "Målet i en mening."),
                _F("indicator", "Indikator", "Indikatorn som mäter målet, källa:mått."),
                _F("intervention_id", "Insats-id", "Insatsen som målet kommer från."),
                _F("baseline_year", "Basår", "År för utgångsvärdet."),
                _F("baseline_value", "Utgångsvärde", "Utgångsvärde."),
                _F("target_value", "Målvärde", "Målvärdet; åt målets riktning från utgångsvärdet."),
                _F("target_year", "Målår", "År då målet ska vara nått (efter basåret)."),
                _F("direction", "Riktning", "minska eller öka."),
                _F("latest_year", "Senaste år", "År för senaste värdet, om det fylls i för hand."),
                _F("latest_value", "Senaste värde", "Senaste värdet (annars från indikatorerna)."),
                _EXAMPLE,
            ),
        ),
        SheetLayout(
            "training_plan",
            "Utbildningsplan",
            "En rad per förvaltning och år: hur många medarbetare som ska utbildas (steg 5).",
            (
                _MUNICIPALITY,
                _F("administration", "Förvaltning", "Förvaltning."),
                _F("year", "År", "År."),
                _F("planned", "Planerat antal", "Antal medarbetare som ska utbildas det året."),
                _F("note", "Anteckning", "T.ex. All personal, Nyanställda."),
                _EXAMPLE,
            ),
        ),
        SheetLayout(
            "training_log",
            "Genomförda utbildningar",
            "En rad per genomfört utbildningstillfälle (steg 5).",
            (
                _MUNICIPALITY,
                _F("date", "Datum", "Datum."),
                _F(
                    "administration",
                    "Förvaltning",
                    "Förvaltning, stavad som i fliken Utbildningsplan.",
                ),
                _F("title", "Utbildning", "Utbildningens namn."),
                _F("provider", "Utbildare", "Vem som höll utbildningen (roll)."),
                _F("participants", "Antal deltagare", "Antal deltagare."),
                _EXAMPLE,
            ),
        ),
        SheetLayout(
            "activities",
            "Aktiviteter",
            "En rad per aktivitet, t.ex. En vecka fri från våld (vecka 47) (steg 5).",
            (
                _MUNICIPALITY,
                _F("start_date", "Startdatum", "Startdatum."),
                _F("end_date", "Slutdatum", "Slutdatum (tomt = samma dag)."),
                _F("name", "Aktivitet", "Aktivitetens namn."),
                _F("organiser", "Arrangör", "Arrangör."),
                _F("target_group", "Målgrupp", "Målgrupp."),
                _F("reach", "Antal nådda", "Ungefärligt antal personer som nåtts."),
                _F(
                    "channels",
                    "Spridningskanaler",
                    "Spridningskanaler; flera åtskilda med |, t.ex. webb|lokaltidning.",
                ),
                _EXAMPLE,
            ),
        ),
    )
}

#: Columns of the logic-model sheet (not in :data:`~vpanalysis.registers.columns.SPECS`).
LOGIC_MODEL_COLUMNS = [
    Column("intervention_id", "id"),
    Column("stage", "stage", nonempty=False),
    Column("item", "text", nonempty=False),
    Column("indicator", "indicator", required=False, nonempty=False),
    Column("example", "bool", required=False, nonempty=False),
]

#: The stages of a logic model as a vocabulary (Swedish labels, English keys, aliases).
STAGES = Vocabulary(
    LOGIC_MODEL_STAGES,
    {**_STAGE_ALIASES, **{k.replace("_", " "): v for k, v in _STAGE_ALIASES.items()}},
)

#: Columns computed by the loaders, not written to the workbook.
_DERIVED = {
    "partners": {"resources_hours"},
    "factors": {"n_forms"},
    "training_log": {"year"},
    "logic_models": {"stage_label", "position"},
}

_STEP_CHOICES = ["alla", "1", "2", "3", "4", "5", "1-5"]


def columns_of(register: str) -> list[Column]:
    """The column specifications of a register's sheet."""
    return LOGIC_MODEL_COLUMNS if register == "logic_models" else SPECS[register]


# ---------------------------------------------------------------- values shown in cells


def choices(column: Column) -> list[str] | None:
    """The values of a column's drop-down list, or None when it has none.

    Single choices show the Swedish label (unless it holds ``,`` or ``|``); lists of
    choices show the canonical values (as the CSV files are written); every one of them is
    read back as its canonical value.
    """
    if column.kind == "bool":
        return ["ja", "nej"]
    if column.kind == "steps":
        return list(_STEP_CHOICES)
    if column.kind == "stage":
        return list(LOGIC_MODEL_STAGES.values())
    if column.kind == "code":
        return municipality_names()
    if column.vocab is None:
        return None
    values = list(column.vocab.values)
    if column.kind == "scale" and column.minimum is not None:
        values = [v for v in values if v >= column.minimum]
    if column.kind == "choices":
        return [str(v) for v in values]
    return [_label(column.vocab, v) for v in values]


def _label(vocab: Vocabulary, value: object) -> str:
    label = vocab.labels[value]
    return str(value) if ("," in label or "|" in label) else label


def municipality_names() -> list[str]:
    """The names of Sweden's municipalities, in alphabetical (Swedish) order."""
    names = geography.municipalities()["municipality"].astype(str).tolist()
    order = str.maketrans({"å": "{", "ä": "|", "ö": "}", "Å": "[", "Ä": "\\", "Ö": "]"})
    return sorted(names, key=lambda n: n.translate(order).casefold())


def _cell_value(column: Column, value: object) -> object:
    """A loaded value -> what the workbook's cell holds."""
    if isinstance(value, tuple | list):  # lists of ids, texts, choices or steps
        return "|".join(str(v) for v in value) or None
    if value is None or value is pd.NA or (not isinstance(value, str) and pd.isna(value)):
        return None
    kind = column.kind
    if kind == "bool":
        return "ja" if value else "nej"
    if kind == "code":
        return geography.region_name(str(value))
    if kind in ("choice", "scale") and column.vocab is not None:
        return _label(column.vocab, value.item() if hasattr(value, "item") else value)
    if kind == "stage":
        return LOGIC_MODEL_STAGES[str(value)]
    if kind == "date":
        return pd.Timestamp(value).date()
    if kind in ("int", "number"):
        number = float(value)
        return int(number) if number.is_integer() else number
    return str(value)


# ---------------------------------------------------------------- writing


_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_OPTIONAL_FILL = PatternFill("solid", fgColor="5B87B5")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_WRAP = Alignment(wrap_text=True, vertical="top")
_LAST_ROW = 5000  # validations and formats cover rows 2 to this


def write_workbook(path: str | Path, registers: object = None) -> Path:
    """Write ``register.xlsx`` to ``path``: an empty template, or filled with the rows of
    ``registers`` (a :class:`~vpanalysis.registers.Registers`, e.g. from
    :func:`~vpanalysis.registers.load_registers`). Returns the path.

    Rows are written in the order of their ``source_line``, so a register converted from
    CSV keeps its row numbers. Written atomically.
    """
    wb = Workbook()
    intro = wb.active
    intro.title = INSTRUCTIONS
    lists = _ListSheet(wb)
    for name, layout in LAYOUTS.items():
        ws = wb.create_sheet(layout.sheet)
        frame = getattr(registers, name) if registers is not None else None
        _write_register(ws, layout, frame, lists)
    lists.finish()
    _write_instructions(intro)
    return atomic.atomic_write_with(path, lambda tmp: wb.save(tmp))


class _ListSheet:
    """The sheet ``Listor``: one column per list of allowed values, each a defined name."""

    def __init__(self, wb: Workbook):
        self.wb = wb
        self.ws = wb.create_sheet(LISTS)
        self.names: dict[tuple[str, ...], str] = {}

    def reference(self, title: str, values: list[str]) -> str:
        """The defined name of the list ``values`` (added on first use)."""
        key = tuple(values)
        if key not in self.names:
            position = len(self.names) + 1
            letter = get_column_letter(position)
            cell = self.ws.cell(row=1, column=position, value=title)
            cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
            for row, value in enumerate(values, start=2):
                self.ws.cell(row=row, column=position, value=value).number_format = "@"
            width = max(len(title), *(len(v) for v in values)) + 2
            self.ws.column_dimensions[letter].width = min(width, 45)
            name = f"lista_{position}"
            ref = f"{quote_sheetname(LISTS)}!${letter}$2:${letter}${len(values) + 1}"
            self.wb.defined_names[name] = DefinedName(name, attr_text=ref)
            self.names[key] = name
        return self.names[key]

    def finish(self) -> None:
        self.wb.move_sheet(self.ws, offset=len(self.wb.sheetnames) - 1 - self.wb.index(self.ws))
        self.ws.freeze_panes = "A2"
        self.ws.protection.sheet = True  # the drop-downs read these cells


def _write_register(ws, layout: SheetLayout, frame: pd.DataFrame | None, lists) -> None:
    columns = {c.name: c for c in columns_of(layout.register)}
    names = [f.name for f in layout.fields]
    extras: list[str] = []
    if frame is not None:
        skip = set(names) | _DERIVED.get(layout.register, set()) | {"source_line"}
        extras = [c for c in frame.columns if c not in skip]
    for position, name in enumerate([*names, *extras], start=1):
        letter = get_column_letter(position)
        spec = columns.get(name)
        fld = layout.field(name)
        cell = ws.cell(row=1, column=position, value=fld.header if fld else name)
        required = spec is not None and spec.nonempty
        cell.font, cell.fill = _HEADER_FONT, (_HEADER_FILL if required else _OPTIONAL_FILL)
        cell.alignment = Alignment(vertical="top")
        if fld is not None:
            need = "Krävs." if required else "Får vara tom."
            cell.comment = Comment(f"{fld.help}\n{need}", "vpanalysis", width=260, height=110)
        dimension = ws.column_dimensions[letter]
        if spec is not None and spec.kind == "date":
            dimension.number_format = "yyyy-mm-dd"
        elif spec is None or spec.kind not in ("int", "number"):
            dimension.number_format = "@"  # typed text stays text (1-3, 0180, 2021-10)
        if spec is not None:
            _validate(ws, letter, spec, fld, lists)
    if frame is not None and not frame.empty:
        ordered = frame
        if "source_line" in frame.columns and frame["source_line"].notna().all():
            ordered = frame.sort_values("source_line", kind="stable")
        for row, (_, record) in enumerate(ordered.iterrows(), start=2):
            for position, name in enumerate([*names, *extras], start=1):
                spec = columns.get(name) or Column(name, "text")
                value = (
                    _logic_model_value(record, name)
                    if layout.register == "logic_models"
                    else (_cell_value(spec, record[name]))
                )
                cell = ws.cell(row=row, column=position, value=value)
                if spec.kind == "date" and value is not None:
                    cell.number_format = "yyyy-mm-dd"
                elif spec.kind not in ("int", "number") and isinstance(value, str):
                    cell.number_format = "@"
    for position, name in enumerate([*names, *extras], start=1):
        fld = layout.field(name)
        width = len(fld.header if fld else name) + 4
        for (value,) in ws.iter_rows(
            min_row=2, min_col=position, max_col=position, values_only=True
        ):
            if value is not None:
                width = max(width, min(len(str(value)) + 3, 60))
        ws.column_dimensions[get_column_letter(position)].width = width
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    _page_setup(ws)


def _logic_model_value(record: pd.Series, name: str) -> object:
    if name == "stage":
        stage = record["stage"]
        return None if pd.isna(stage) else LOGIC_MODEL_STAGES[str(stage)]
    if name == "example":
        return "ja" if bool(record["example"]) else "nej"
    value = record[name]
    return None if pd.isna(value) else str(value)


def _validate(ws, letter: str, column: Column, fld: Field | None, lists: _ListSheet) -> None:
    values = choices(column)
    if values is None:
        return
    title = fld.header if fld else column.name
    several = column.kind in ("choices", "steps")
    dv = DataValidation(
        type="list",
        formula1=lists.reference(title, values),
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
    )
    if several:
        # one value from the list, or several typed with | between them
        dv.showErrorMessage = False
        dv.promptTitle = title[:32]
        dv.prompt = "Välj ett värde, eller skriv flera åtskilda med |."
    elif column.kind == "code":
        dv.errorStyle = "warning"  # a municipality code is fine too
        dv.errorTitle = "Okänd kommun"
        dv.error = "Välj kommunen i listan (eller skriv kommunkoden med fyra siffror)."
    else:
        dv.errorStyle = "stop"
        dv.errorTitle = "Värdet finns inte i listan"
        dv.error = f"Välj ett av de tillåtna värdena i listan (fliken {LISTS})."
    ws.add_data_validation(dv)
    dv.add(f"{letter}2:{letter}{_LAST_ROW}")


_INTRO = [
    (
        "Här fyller kommunen i sina egna register för steg 1, 3, 4 och 5 i handboken Inget att "
        "vänta på. Varje flik är ett register. Rapporterna läser arbetsboken när den ligger som "
        f"data/raw/registers/{WORKBOOK} i arbetsmappen."
    ),
    (
        "Rad 1 på varje flik är rubrikraden: ändra inte rubrikerna. Fyll i en post per rad från "
        "rad 2. Mörka rubriker måste ha ett värde på varje rad, ljusare rubriker får vara tomma. "
        "Håll muspekaren över en rubrik för att se vad kolumnen ska innehålla. Kolumnernas "
        "ordning spelar ingen roll och egna extra kolumner (t.ex. Kommentar) får finnas."
    ),
    (
        "Rullgardinsmenyer visar de tillåtna värdena (de finns i fliken Listor). I kolumner där "
        "flera värden får anges väljer du ett värde eller skriver flera åtskilda med |, t.ex. "
        "polis|bra eller 1|2|5."
    ),
    (
        "Datum skrivs ÅÅÅÅ-MM-DD (t.ex. 2021-10-12) eller som Excel-datum. Tal får skrivas med "
        "mellanslag som tusentalsavgränsare och decimalkomma, t.ex. 180 000 eller 12,5. Kommun "
        "anges med namn eller kommunkod. Indikatorer skrivs källa:mått, t.ex. kolada:N07403 "
        "eller skolenkat:risk_alkohol."
    ),
    "Skriv roller, aldrig personnamn (t.ex. verksamhetschef IFO, kommunpolis).",
    (
        "Exempel = ja markerar påhittat exempelinnehåll; rapporter som bygger på sådana rader "
        "säger att uppgifterna är exempel. Skriv nej (eller lämna tomt) för era egna rader."
    ),
    (
        "Logiska kedjor: en rad per länk i kedjan. Skriv insatsens id, steget i kedjan "
        "(Resurser, Aktiviteter, Prestationer, Kortsiktiga effekter, Långsiktiga effekter, "
        "Indikatorer) och texten. Raderna inom ett steg läses i den ordning de står. På rader "
        "med steget Indikatorer kan Indikator-id (källa:mått) anges. En kedja är komplett när "
        "alla sex stegen har minst en rad."
    ),
    (
        "Formler går bra om filen sparas i Excel eller LibreOffice (då sparas värdet). Ett "
        "register finns antingen här eller som CSV/YAML-fil i samma mapp, inte båda: ta bort "
        "fliken eller filen. Fel visas med flik, rad och kolumn, t.ex. "
        f"{WORKBOOK} [Insatser], row 5, column 'H (Faktorer)'."
    ),
]


def _write_instructions(ws) -> None:
    ws["A1"] = "Register för det våldsförebyggande arbetet"
    ws["A1"].font = Font(bold=True, size=14)
    row = 2
    for text in _INTRO:  # one line of text per row: reads the same in every program
        row += 1
        for line in textwrap.wrap(text, 120):
            ws.cell(row=row, column=1, value=line)
            row += 1
    row += 1
    for position, title in enumerate(("Flik", "Kolumn", "Krävs", "Innehåll"), start=1):
        cell = ws.cell(row=row, column=position, value=title)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
    ws.freeze_panes = None
    for layout in LAYOUTS.values():
        row += 1
        cell = ws.cell(row=row, column=1, value=layout.sheet)
        cell.font = Font(bold=True)
        ws.cell(row=row, column=4, value=layout.row).font = Font(italic=True)
        specs = {c.name: c for c in columns_of(layout.register)}
        for fld in layout.fields:
            row += 1
            spec = specs[fld.name]
            need = "ja" if spec.nonempty else ("kolumnen ska finnas" if spec.required else "nej")
            ws.cell(row=row, column=2, value=fld.header).alignment = _WRAP
            ws.cell(row=row, column=3, value=need).alignment = _WRAP
            allowed = choices(spec)
            text = fld.help
            if allowed is not None and spec.kind != "code":
                text += " Tillåtna värden: " + ", ".join(allowed) + "."
            ws.cell(row=row, column=4, value=text).alignment = _WRAP
            lines = len(textwrap.wrap(text, 88))
            if lines > 1:  # not every program fits the height of wrapped text itself
                ws.row_dimensions[row].height = 15 * lines
    for letter, width in zip("ABCD", (26, 26, 20, 90), strict=True):
        ws.column_dimensions[letter].width = width
    _page_setup(ws)


def _page_setup(ws) -> None:
    """Printed (or as PDF): landscape, all columns on one page width, header repeated."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0


# ---------------------------------------------------------------- reading


@dataclass
class _Book:
    """The cells of a workbook's register sheets, read once."""

    path: Path
    sheets: dict[str, list[tuple[int, list[object]]]]  # register -> (row, cell values)
    titles: dict[str, str]  # register -> the sheet's name in the workbook
    epoch: dt.datetime
    unsaved: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)


class _Unsaved:
    def __init__(self, formula: str):
        self.formula = formula


class _ExcelErrorValue:
    def __init__(self, text: str):
        self.text = text


def _sheet_register(title: str) -> str | None:
    key = match_key(title)
    for name, layout in LAYOUTS.items():
        if key in (match_key(layout.sheet), name, match_key(REGISTER_FILES[name])):
            return name
    return None


def read_book(path: str | Path) -> _Book:
    """The register sheets of the workbook at ``path`` (values as saved by Excel)."""
    path = Path(path)
    try:
        values = load_workbook(path, read_only=True, data_only=True)
        formulas = (
            load_workbook(path, read_only=True, data_only=False) if _has_formulas(path) else None
        )
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException ...
        raise DataError(
            f"cannot be read as an Excel workbook (.xlsx): {type(exc).__name__}", file=path
        ) from None
    sheets: dict[str, list[tuple[int, list[object]]]] = {}
    titles: dict[str, str] = {}
    try:
        for title in values.sheetnames:
            register = _sheet_register(title)
            if register is None:
                continue
            if register in titles:
                raise DataError(
                    f"two sheets hold the register {LAYOUTS[register].sheet!r}: "
                    f"{titles[register]!r} and {title!r}",
                    file=path,
                )
            titles[register] = title
            rows = []
            values[title].reset_dimensions()  # some programs save wrong dimensions
            written = iter(())
            if formulas is not None:
                formulas[title].reset_dimensions()
                written = formulas[title].iter_rows()
            for index, cells in enumerate(values[title].iter_rows(), start=1):
                raw = next(written, ())
                row = []
                for position, cell in enumerate(cells):
                    value = getattr(cell, "value", None)
                    if getattr(cell, "data_type", None) == "e":
                        value = _ExcelErrorValue(str(value))
                    elif value is None and position < len(raw):
                        formula = getattr(raw[position], "value", None)
                        if getattr(raw[position], "data_type", None) == "f" or (
                            isinstance(formula, str) and formula.startswith("=")
                        ):
                            text = formula if isinstance(formula, str) else "="
                            value = _Unsaved(getattr(formula, "text", text) or "=")
                    row.append(value)
                rows.append((index, row))
            sheets[register] = rows
        epoch = values.epoch
    finally:
        values.close()
        if formulas is not None:
            formulas.close()
    return _Book(path, sheets, titles, epoch)


_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _has_formulas(path: Path) -> bool:
    """Whether any sheet of the workbook holds a formula (else one reading is enough)."""
    with zipfile.ZipFile(path) as archive:
        return any(
            _FORMULA.search(archive.read(name))
            for name in archive.namelist()
            if name.startswith("xl/worksheets/") and name.endswith(".xml")
        )


@dataclass
class SheetSource(TableSource):
    """One register's sheet of the workbook, as the loaders read it."""

    book: _Book
    register: str
    _letters: dict[str, str] = field(default_factory=dict)
    _labels: dict[str, str] = field(default_factory=dict)

    @property
    def sheet(self) -> str:
        return self.book.titles.get(self.register, LAYOUTS[self.register].sheet)

    def __str__(self) -> str:
        return f"{self.book.path} [{self.sheet}]"

    def exists(self) -> bool:
        return self.register in self.book.sheets

    def raw(self) -> _RawCsv:
        if not self.exists():
            csv = REGISTER_FILES[self.register]
            raise DataError(
                f"the register is missing: no sheet {self.sheet!r} in the workbook and no {csv}",
                file=self.book.path,
            )
        rows = [(i, cells) for i, cells in self.book.sheets[self.register] if _filled(cells)]
        if not rows:
            raise DataError("the sheet is empty (no header row)", file=self)
        header_row, header_cells = rows[0]
        layout = LAYOUTS[self.register]
        known = {}
        for fld in layout.fields:
            known[match_key(fld.header)] = fld.name
            known[match_key(fld.name)] = fld.name
        header: list[str] = []
        for position, value in enumerate(header_cells):
            text = _plain(value).strip()
            name = known.get(match_key(text), text.lower())
            header.append(name)
            if text:
                letter = get_column_letter(position + 1)
                self._letters[name] = letter
                self._labels[name] = text
        seen: set[str] = set()
        for name in header:
            if name and name in seen:
                raise DataError(
                    "the column appears twice in the header",
                    file=self,
                    row=header_row,
                    column=self.label(name),
                )
            seen.add(name)
        keep = [i for i, name in enumerate(header) if name]
        kinds = {c.name: c.kind for c in columns_of(self.register)}
        problems: list[DataError] = []
        records: list[tuple[int, list[str]]] = []
        for row, cells in rows[1:]:
            texts = []
            for position, value in enumerate(cells):
                name = header[position] if position < len(header) else ""
                where = {"file": self, "row": row, "column": self._column(position, name)}
                if not name:
                    if isinstance(value, _Unsaved | _ExcelErrorValue) or _plain(value).strip():
                        problems.append(
                            DataError(
                                "the cell is in a column without a header; give the column a "
                                "header or clear the cell",
                                value=_plain(value)[:80],
                                **where,
                            )
                        )
                    continue
                if isinstance(value, _Unsaved):
                    problems.append(
                        DataError(
                            "the cell holds a formula without a saved value; open the workbook "
                            "in Excel (or LibreOffice), let it calculate and save it, or type "
                            "the value",
                            value=value.formula[:80],
                            **where,
                        )
                    )
                    texts.append("")
                elif isinstance(value, _ExcelErrorValue):
                    problems.append(
                        DataError("the cell holds an Excel error", value=value.text, **where)
                    )
                    texts.append("")
                else:
                    texts.append(_text(value, kinds.get(name), self.book.epoch))
            texts += [""] * (len(keep) - len(texts))
            records.append((row, texts))
        if problems:
            raise RegisterError(problems)
        return _RawCsv(self, [header[i] for i in keep], records, header_line=header_row)

    def _column(self, position: int, name: str) -> str:
        letter = get_column_letter(position + 1)
        return f"{letter} ({self._labels[name]})" if name in self._labels else letter

    def label(self, column: str) -> str:
        """The column's header as written in the sheet (else its Swedish header)."""
        if column in self._labels:
            return self._labels[column]
        fld = LAYOUTS[self.register].field(column)
        return fld.header if fld else column

    def locate(self, problem: DataError) -> DataError:
        """``problem`` with the column as letter and header, and names of columns and
        registers in its message as the workbook shows them."""
        if problem.file != str(self) or isinstance(problem, RegisterError):
            return problem
        column = problem.column
        if column is not None and column in self._letters:
            column = f"{self._letters[column]} ({self._labels[column]})"
        elif column is not None:
            column = self.label(column)
        message = _message_of(problem)
        for fld in LAYOUTS[self.register].fields:
            if "_" in fld.name:
                message = re.sub(rf"\b{fld.name}\b", self.label(fld.name), message)
        for name, file in REGISTER_FILES.items():
            if name in self.book.sheets and file in message:
                message = message.replace(file, f"sheet {self.book.titles[name]!r}")
        return DataError(
            message, file=problem.file, row=problem.row, column=column, value=problem.value
        )


def _message_of(problem: DataError) -> str:
    """The message of a DataError without its place and value."""
    text = str(problem)
    prefix = str(DataError("", file=problem.file, row=problem.row, column=problem.column))
    if prefix and text.startswith(prefix):
        text = text[len(prefix) :]
    suffix = f" (value {problem.value!r})" if problem.value is not None else ""
    if suffix and text.endswith(suffix):
        text = text[: -len(suffix)]
    return text


def _filled(cells: list[object]) -> bool:
    return any(isinstance(v, _Unsaved | _ExcelErrorValue) or _plain(v).strip() for v in cells)


def _plain(value: object) -> str:
    return "" if value is None else str(value)


def _text(value: object, kind: str | None, epoch: dt.datetime) -> str:
    """A cell value as the text of a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if kind == "date" and isinstance(value, int | float):
        try:
            value = from_excel(value, epoch)
        except (ValueError, OverflowError, TypeError):
            return str(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


# ---------------------------------------------------------------- where each register is


def register_sources(directory: str | Path) -> dict[str, Path | SheetSource]:
    """Where each register of ``directory`` is: its CSV/YAML file, or its sheet of
    ``register.xlsx`` when the workbook has that sheet.

    A register both in a file and in a sheet is a one-line DataError naming both.
    """
    directory = Path(directory)
    sources: dict[str, Path | SheetSource] = {
        name: directory / file for name, file in REGISTER_FILES.items()
    }
    workbook = directory / WORKBOOK
    if not workbook.exists():
        return sources
    book = read_book(workbook)
    both = []
    for name in REGISTER_FILES:
        source = SheetSource(book, name)
        if source.exists():
            if (directory / REGISTER_FILES[name]).exists():
                both.append(name)
            sources[name] = source
        elif not (directory / REGISTER_FILES[name]).exists():
            sources[name] = source  # missing in both: the message names both
    if both:
        pairs = "; ".join(
            f"{directory / REGISTER_FILES[n]} and {workbook} [{book.titles[n]}]" for n in both
        )
        raise DataError(
            f"the same register in two forms: {pairs}; keep one of them "
            "(delete the file or the sheet)"
        )
    return sources


# ---------------------------------------------------------------- logic models


def load_logic_models_sheet(
    source: SheetSource, intervention_ids: Iterable[str] | None = None
) -> pd.DataFrame:
    """The logic models of the sheet ``Logiska kedjor``, as
    :func:`~vpanalysis.registers.load_logic_models` returns them from YAML (``source_line``
    is the sheet's row)."""
    raw = source.raw()
    problems: list[DataError] = []
    if "intervention_id" not in raw.header or "stage" not in raw.header or "item" not in raw.header:
        for name in ("intervention_id", "stage", "item"):
            if name not in raw.header:
                problems.append(
                    DataError(
                        "required column is missing from the header",
                        file=source,
                        row=raw.header_line,
                        column=name,
                    )
                )
        _raise(problems, source)
    position = {name: i for i, name in enumerate(raw.header)}
    known = set(intervention_ids) if intervention_ids is not None else None
    models: dict[str, list[dict]] = {}
    first: dict[str, tuple[int, bool]] = {}
    counters: dict[tuple[str, str], int] = {}

    def cell(cells: list[str], name: str) -> str:
        at = position.get(name)
        return cells[at].strip() if at is not None and at < len(cells) else ""

    for row, cells in raw.rows:
        iid = cell(cells, "intervention_id")
        stage_text, text = cell(cells, "stage"), cell(cells, "item")
        indicator_text = cell(cells, "indicator")
        try:
            example = parse_bool(cell(cells, "example"))
        except _CellError as exc:
            problems.append(
                DataError(
                    str(exc), file=source, row=row, column="example", value=cell(cells, "example")
                )
            )
            example = False
        if not iid:
            problems.append(
                DataError("a value is required", file=source, row=row, column="intervention_id")
            )
            continue
        if iid not in models:
            models[iid] = []
            first[iid] = (row, example)
            if known is not None and iid not in known:
                problems.append(
                    DataError(
                        "not in interventions.csv",
                        file=source,
                        row=row,
                        column="intervention_id",
                        value=iid,
                    )
                )
        if not (stage_text or text or indicator_text):
            continue  # a chain without links yet
        if not stage_text:
            problems.append(DataError("a value is required", file=source, row=row, column="stage"))
            continue
        stage = STAGES.canonical(stage_text)
        if stage is None:
            allowed = ", ".join(LOGIC_MODEL_STAGES.values())
            problems.append(
                DataError(
                    f"not an allowed value; allowed: {allowed}",
                    file=source,
                    row=row,
                    column="stage",
                    value=stage_text,
                )
            )
            continue
        indicator = None
        if indicator_text:
            if stage != "indicators":
                problems.append(
                    DataError(
                        f"only rows of the stage {LOGIC_MODEL_STAGES['indicators']} have an "
                        "indicator id",
                        file=source,
                        row=row,
                        column="indicator",
                        value=indicator_text,
                    )
                )
                continue
            try:
                indicator = parse_indicator(indicator_text)
            except _CellError as exc:
                problems.append(
                    DataError(
                        str(exc), file=source, row=row, column="indicator", value=indicator_text
                    )
                )
                continue
            text = text or indicator
        elif not text:
            continue  # a stage named but not filled in yet
        else:
            text, indicator, problem = _logic_model_item(stage, text)
            if problem:
                problems.append(DataError(problem, file=source, row=row, column="item", value=text))
                continue
        counters[(iid, stage)] = counters.get((iid, stage), 0) + 1
        models[iid].append(
            {
                "intervention_id": iid,
                "stage": stage,
                "stage_label": LOGIC_MODEL_STAGES[stage],
                "position": counters[(iid, stage)],
                "item": text,
                "indicator": indicator,
                "example": example,
                "source_line": row,
            }
        )
    _raise(problems, source)
    rows: list[dict] = []
    for iid, items in models.items():
        if items:
            rows.extend(items)
        else:
            row, example = first[iid]
            rows.append(
                {
                    "intervention_id": iid,
                    "stage": None,
                    "stage_label": None,
                    "position": None,
                    "item": None,
                    "indicator": None,
                    "example": example,
                    "source_line": row,
                }
            )
    return _logic_model_frame(rows)
