"""CSV and Excel tables as municipalities deliver them, read into plain string tables.

:func:`read_table` reads a ``;``-separated text file (UTF-8 or Windows-1252, see
:mod:`vpanalysis.io.conventions`) or an Excel workbook (every sheet that has the header)
and returns one row per data row with every cell as stripped text, plus

* ``_file``: the path as shown in messages,
* ``_line``: the row's line in the file (text) or row number in the sheet (Excel), 1-based
  as a person sees it in an editor or spreadsheet,
* ``_sheet``: the sheet name (Excel; ``""`` for text files).

Title lines above the header are skipped: the header is the first row that contains
every required column (``columns``; each given as one name or a list of accepted
names). Completely empty rows are skipped; with ``drop_notes`` also rows that only
have text in their first cell (notes and section headings under a table).

The helpers :func:`counts`, :func:`decimals` and :func:`years` turn text columns into
numbers and raise a :class:`~vpanalysis.errors.DataError` naming file, line, column and
value for anything that is not a number or a known marker.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pandas as pd

from vpanalysis.errors import DataError
from vpanalysis.io.conventions import (
    decode,
    display_path,
    is_total_label,
    mojibake_error,
    normalise_label,
    parse_count,
    parse_number,
    parse_year,
    repair_mojibake,
)

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
META_COLUMNS = ("_file", "_sheet", "_line")

#: Columns given as {canonical name: accepted header names}.
ColumnSpec = Mapping[str, Sequence[str]]


def as_spec(columns: ColumnSpec | Sequence[str] | None) -> dict[str, list[str]]:
    if columns is None:
        return {}
    if isinstance(columns, Mapping):
        return {k: [v] if isinstance(v, str) else list(v) for k, v in columns.items()}
    return {c: [c] for c in columns}


def read_table(
    path: str | os.PathLike,
    columns: ColumnSpec | Sequence[str] | None = None,
    *,
    optional: ColumnSpec | None = None,
    sep: str = ";",
    sheets: Sequence[str] | None = None,
    drop_notes: bool = False,
    check_formulas: bool = True,
) -> pd.DataFrame:
    """Rows of a ``;``-CSV or an Excel file as text (see module docstring).

    An Excel cell with a formula but no saved value (a workbook written by a program
    that does not calculate) raises a DataError naming it; with ``check_formulas=False``
    such cells are left for the caller in an ``_unsaved`` column (``(column, formula)`` or
    ``None`` per row) to check with :func:`check_unsaved` after dropping the rows it
    ignores (e.g. ``Summa`` rows).

    ``columns`` maps canonical names to accepted header names (or lists required header
    names); ``optional`` likewise for columns that may be missing. Found columns are
    renamed to the canonical names, other columns keep their header text. Without
    ``columns`` the first non-empty row is the header.
    """
    path = Path(path)
    spec, extra = as_spec(columns), as_spec(optional)
    if path.suffix.lower() in EXCEL_SUFFIXES:
        frame = _read_excel(path, spec, sheets=sheets, drop_notes=drop_notes)
        if check_formulas:
            frame = check_unsaved(frame)
    elif path.suffix.lower() == ".xls":
        raise DataError(
            "old Excel format (.xls) is not supported; save it as .xlsx", file=display_path(path)
        )
    else:
        frame = _read_text(path, spec, sep=sep, drop_notes=drop_notes)
    rename = {}
    for canonical, accepted in extra.items():
        if canonical in frame.columns:
            continue
        hit = next((c for c in frame.columns if _matches(c, accepted)), None)
        if hit is not None and hit not in META_COLUMNS and hit not in spec:
            rename[hit] = canonical
    return frame.rename(columns=rename)


# ---------------------------------------------------------------- text files


def _read_text(
    path: Path, spec: dict[str, list[str]], *, sep: str, drop_notes: bool
) -> pd.DataFrame:
    shown = display_path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read the file: {exc.strerror}", file=shown) from None
    text, _ = decode(data, path)
    if text.startswith("\ufeff"):  # a BOM inside UTF-16 text
        text = text[1:]
    rows = _split_rows(text, sep, shown)
    try:
        return _table_from_rows(rows, spec, shown, sheet="", sep=sep, drop_notes=drop_notes)
    except _NoHeader as exc:
        raise exc.error from None


def _split_rows(text: str, sep: str, shown: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text), delimiter=sep, quotechar='"')
    rows = []
    previous = 0
    try:
        for cells in reader:
            rows.append((previous + 1, cells))
            previous = reader.line_num
    except csv.Error as exc:
        raise DataError(
            f"the file cannot be read as CSV: {exc}", file=shown, row=previous + 1
        ) from None
    return rows


def sniff_separator(line: str) -> str | None:
    """The separator a header line seems to use, among ``;``, ``,``, tab and ``|``."""
    counts = {s: line.count(s) for s in (";", ",", "\t", "|")}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] else None


_SEPARATOR_NAMES = {";": "';'", ",": "','", "\t": "tab", "|": "'|'"}


# ---------------------------------------------------------------- Excel


def _read_excel(
    path: Path, spec: dict[str, list[str]], *, sheets: Sequence[str] | None, drop_notes: bool
) -> pd.DataFrame:
    from openpyxl import load_workbook

    shown = display_path(path)
    try:
        workbook = load_workbook(path, read_only=False, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException ...
        raise DataError(
            f"cannot be read as an Excel workbook (.xlsx): {type(exc).__name__}", file=shown
        ) from None
    frames = []
    errors = []
    formulas = None
    try:
        names = list(sheets) if sheets is not None else workbook.sheetnames
        for name in names:
            if name not in workbook.sheetnames:
                raise DataError(f"the workbook has no sheet {name!r}", file=shown)
            ws = workbook[name]
            values_by_row = list(ws.iter_rows(values_only=True))
            rows = [
                (index, [_cell_text(v) for v in values])
                for index, values in enumerate(values_by_row, start=1)
            ]
            unsaved: dict[int, dict[int, str]] = {}
            if any(v is None for values in values_by_row for v in values):
                if formulas is None:
                    formulas = load_workbook(path, read_only=False, data_only=False)
                unsaved = _unsaved_cells(formulas[name], values_by_row)
            try:
                frames.append(
                    _table_from_rows(
                        rows,
                        spec,
                        shown,
                        sheet=name,
                        sep=None,
                        drop_notes=drop_notes,
                        unsaved=unsaved,
                    )
                )
            except _NoHeader as exc:
                errors.append(exc)
    finally:
        workbook.close()
        if formulas is not None:
            formulas.close()
    if not frames:
        if errors:
            raise errors[0].error
        raise DataError("the workbook has no sheets", file=shown)
    frame = pd.concat(frames, ignore_index=True)
    for column in frame.columns:
        if column not in (*META_COLUMNS, UNSAVED):
            frame[column] = frame[column].fillna("")
    return frame


#: The column of :func:`read_table` that holds a row's formula without a saved value.
UNSAVED = "_unsaved"


def _is_formula(value: object) -> bool:
    return (isinstance(value, str) and value.startswith("=")) or "Formula" in type(value).__name__


def _unsaved_cells(ws, values_by_row) -> dict[int, dict[int, str]]:
    """``{row: {column index: formula}}`` of the cells with a formula but no saved value."""
    found: dict[int, dict[int, str]] = {}
    for index, (values, written) in enumerate(
        zip(values_by_row, ws.iter_rows(values_only=True), strict=False), start=1
    ):
        for position, (value, formula) in enumerate(zip(values, written, strict=False)):
            if value is None and _is_formula(formula):
                text = formula if isinstance(formula, str) else getattr(formula, "text", "")
                found.setdefault(index, {})[position] = str(text or "=")
    return found


def check_unsaved(frame: pd.DataFrame) -> pd.DataFrame:
    """DataError for the first row of ``frame`` with a formula but no saved value (see
    :func:`read_table`); returns ``frame`` without the ``_unsaved`` column."""
    if UNSAVED not in frame.columns:
        return frame
    hits = frame[UNSAVED].notna().to_numpy()
    if hits.any():
        position = int(hits.nonzero()[0][0])
        column, formula = frame[UNSAVED].iloc[position]
        raise DataError(
            "the cell holds a formula without a saved value; open the workbook in Excel (or "
            "LibreOffice), let it calculate and save it, or type the number",
            **where(frame, position),
            column=column,
            value=formula[:80],
        )
    return frame.drop(columns=UNSAVED)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


# ---------------------------------------------------------------- shared


class _NoHeader(Exception):
    def __init__(self, error: DataError):
        self.error = error


def _matches(cell: str, names: list[str]) -> bool:
    key = normalise_label(cell)
    return any(key == normalise_label(n) for n in names)


def _find_header(rows, spec) -> int | None:
    for position, (_, cells) in enumerate(rows):
        if not any(c.strip() for c in cells):
            continue
        if not spec:
            return position
        if all(any(_matches(c, names) for c in cells) for names in spec.values()):
            return position
    return None


def _table_from_rows(
    rows, spec, shown, *, sheet: str, sep: str | None, drop_notes: bool, unsaved=None
):
    header_at = _find_header(rows, spec)
    header = rows[header_at][1] if header_at is not None else None
    # garbled text anywhere (before the header is known to be missing: it may be garbled)
    for line, cells in rows:
        for index, cell in enumerate(cells):
            fixed = repair_mojibake(cell)
            if fixed is not None:
                column = header[index] if header and index < len(header) else None
                raise mojibake_error(cell, fixed, file=shown, row=line, column=column)
    if header_at is None:
        raise _NoHeader(_header_error(rows, spec, shown, sep=sep, sheet=sheet))
    header_line = rows[header_at][0]
    names = [c.strip() for c in header]
    rename = {}
    for canonical, accepted in spec.items():
        for i, name in enumerate(names):
            if _matches(name, accepted):
                rename[i] = canonical
                break
    names = [rename.get(i, n) for i, n in enumerate(names)]
    while names and not names[-1]:
        names.pop()
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if not name:
            names[i] = f"_column{i + 1}"
        elif name in seen:
            raise DataError(
                f"two columns have the same header (columns {seen[name] + 1} and {i + 1})",
                file=shown,
                row=header_line,
                column=name,
            )
        seen[names[i]] = i
    records = []
    lines = []
    formulas = []
    width = len(names)
    for line, cells in rows[header_at + 1 :]:
        cells = [c.strip() for c in cells]
        while len(cells) > width and not cells[-1]:
            cells.pop()
        if not any(cells):
            continue
        if len(cells) > width:
            raise DataError(
                f"the row has {len(cells)} values but the header has {width} columns "
                f"(is there a {_SEPARATOR_NAMES.get(sep or ';', sep)} inside a value?)",
                file=shown,
                row=line,
                value=(sep or ";").join(cells)[:80],
            )
        cells += [""] * (width - len(cells))
        if drop_notes and cells[0] and not any(cells[1:]):
            continue
        records.append(cells)
        lines.append(line)
        if unsaved and line in unsaved:
            at = min(unsaved[line])
            column = names[at] if at < width else _column_letter(at)
            formulas.append((column, unsaved[line][at]))
        else:
            formulas.append(None)
    frame = pd.DataFrame(records, columns=names, dtype="str") if records else _empty(names)
    if unsaved is not None:
        frame[UNSAVED] = pd.Series(formulas, index=frame.index, dtype="object")
    frame.attrs["header_line"] = header_line
    frame.insert(0, "_line", pd.array(lines, dtype="int64"))
    frame.insert(0, "_sheet", sheet)
    frame.insert(0, "_file", shown)
    return frame


def _column_letter(position: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(position + 1)


def _empty(names: list[str]) -> pd.DataFrame:
    return pd.DataFrame({n: pd.Series(dtype="str") for n in names})


def _header_error(rows, spec, shown, *, sep, sheet) -> DataError:
    expected = ", ".join(names[0] for names in spec.values())
    where = f" (sheet {sheet!r})" if sheet else ""
    first = next(((line, cells) for line, cells in rows if any(c.strip() for c in cells)), None)
    if first is None:
        return DataError(f"the file is empty{where}", file=shown)
    line, cells = first
    if sep is not None and spec:
        # one wide column: the file uses another separator than expected
        for line_i, cells_i in rows:
            filled = [c for c in cells_i if c.strip()]
            if len(filled) != 1:
                continue
            for other in (",", "\t", "|", ";"):
                if other == sep:
                    continue
                parts = filled[0].split(other)
                if all(any(_matches(p, names) for p in parts) for names in spec.values()):
                    return DataError(
                        f"only one column found: the separator is probably wrong (expected "
                        f"{_SEPARATOR_NAMES[sep]}, the header is {_SEPARATOR_NAMES[other]}-"
                        "separated); save the file as CSV with semicolons",
                        file=shown,
                        row=line_i,
                        value=filled[0][:80],
                    )
    return DataError(
        f"no header row with the columns {expected}{where}",
        file=shown,
        row=line,
        value=(sep or ";").join(c for c in cells if c)[:80],
    )


# ---------------------------------------------------------------- typed columns


def _cell_error(frame: pd.DataFrame, position: int, column: str, message: str, value) -> DataError:
    row = frame.iloc[position]
    sheet = row.get("_sheet", "")
    file = row["_file"] + (f" [{sheet}]" if sheet else "")
    return DataError(message, file=file, row=int(row["_line"]), column=column, value=value)


def where(frame: pd.DataFrame, position: int) -> dict:
    """``file``/``row`` keyword arguments for a DataError about row ``position``."""
    row = frame.iloc[position]
    sheet = row.get("_sheet", "")
    return {"file": row["_file"] + (f" [{sheet}]" if sheet else ""), "row": int(row["_line"])}


def counts(
    frame: pd.DataFrame, column: str, *, label: str | None = None
) -> tuple[pd.Series, pd.Series]:
    """``(count Int64, flag string)`` of a text column of counts (markers -> ``<NA>`` + flag)."""
    values, flags = [], []
    for position, text in enumerate(frame[column].tolist()):
        try:
            value, flag = parse_count(text)
        except ValueError as exc:
            raise _cell_error(frame, position, label or column, str(exc), text) from None
        values.append(value)
        flags.append(flag)
    return (
        pd.Series(pd.array(values, dtype="Int64"), index=frame.index),
        pd.Series(pd.array(flags, dtype="string"), index=frame.index),
    )


def decimals(frame: pd.DataFrame, column: str, *, label: str | None = None) -> pd.Series:
    """A text column of decimal numbers (``12,5``) as Float64; markers give ``<NA>``."""
    values = []
    for position, text in enumerate(frame[column].tolist()):
        try:
            value, _ = parse_number(text)
        except ValueError as exc:
            raise _cell_error(frame, position, label or column, str(exc), text) from None
        values.append(value)
    return pd.Series(pd.array(values, dtype="Float64"), index=frame.index)


def current_year() -> int:
    """This year: data of a later year cannot exist yet (a typo such as 2204)."""
    return dt.date.today().year


def _future(year: int) -> str:
    return f"the year {year} is after the current year {current_year()}"


def years(frame: pd.DataFrame, column: str, *, label: str | None = None) -> pd.Series:
    """A text column of years as int64 (a year after the current one is an error)."""
    values = []
    last = current_year()
    for position, text in enumerate(frame[column].tolist()):
        try:
            year = parse_year(text)
        except ValueError as exc:
            raise _cell_error(frame, position, label or column, str(exc), text) from None
        if year > last:
            raise _cell_error(frame, position, label or column, _future(year), text)
        values.append(year)
    return pd.Series(values, index=frame.index, dtype="int64")


def check_year_column(frame: pd.DataFrame, column: str) -> int:
    """The year of a wide table's year column; a DataError naming the first row with a
    value in it when that year is after the current one."""
    year = parse_year(column)
    if year > current_year():
        filled = (frame[column].fillna("").str.strip() != "").to_numpy()
        position = int(filled.nonzero()[0][0]) if filled.any() else 0
        if len(frame):
            raise _cell_error(frame, position, column, _future(year), frame[column].iloc[position])
        raise DataError(_future(year), file=frame.attrs.get("file"), column=column)
    return year


def drop_totals(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """Rows whose label in any of ``columns`` is a totals label (``Totalt``, ``Summa`` ...)."""
    mask = pd.Series(False, index=frame.index)
    for column in columns:
        mask |= frame[column].map(is_total_label).astype(bool)
    return frame[~mask]


def year_columns(frame: pd.DataFrame) -> list[str]:
    """Columns whose header is a year (``2015`` ... ), in file order."""
    found = []
    for name in frame.columns:
        if name in META_COLUMNS:
            continue
        try:
            parse_year(name)
        except ValueError:
            continue
        found.append(name)
    return found


def require_nonempty(frame: pd.DataFrame, column: str, *, label: str | None = None) -> None:
    """Every row needs text in ``column``."""
    empty = frame[column].fillna("").str.strip() == ""
    if empty.any():
        position = int(empty.to_numpy().nonzero()[0][0])
        raise _cell_error(frame, position, label or column, "the cell is empty", "")


# ---------------------------------------------------------------- long or wide count tables

REGION = ["Kommun", "Region", "Kommunnamn", "Område"]
YEAR = ["År", "Ar", "Year", "Verksamhetsår"]
AGE = ["Åldersgrupp", "Ålder", "Ålderskategori", "Åldersklass"]
SEX = ["Kön", "Kon"]
COUNT = ["Antal", "Antal personer", "Antal ärenden", "Värde"]


def read_counts_table(
    path: str | os.PathLike,
    category: Sequence[str],
    *,
    extra: ColumnSpec | None = None,
    region_from_sheet: bool = True,
) -> pd.DataFrame:
    """A municipal count table, long (a year and a count column) or wide (a column per year).

    The municipality comes from a ``Kommun`` column, else (Excel) from the sheet name.
    Rows whose category or municipality is a total (``Summa``, ``Totalt``) are dropped.
    Returns ``region``, ``year`` (int64), ``category``, ``age_group`` and ``sex`` (the labels
    as written, ``""`` when the file has no such column), ``count`` (Int64), ``flag``,
    the columns of ``extra`` as text, and ``_file``, ``_sheet``, ``_line``, ``_column`` (the
    header of the cell the count came from).
    """
    optional = {"region": REGION, "year": YEAR, "age_group": AGE, "sex": SEX, "count": COUNT}
    optional |= as_spec(extra)
    raw = read_table(
        path,
        {"category": list(category)},
        optional=optional,
        drop_notes=True,
        check_formulas=False,
    )
    shown = display_path(path)
    if "region" not in raw.columns:
        if not region_from_sheet or not (raw["_sheet"] != "").all():
            raise DataError(
                f"no municipality column ({REGION[0]}) and no sheet per municipality", file=shown
            )
        raw["region"] = raw["_sheet"]
    for column in ("age_group", "sex"):
        if column not in raw.columns:
            raw[column] = ""
    require_nonempty(raw, "category", label=category[0])
    raw = check_unsaved(drop_totals(raw, ["category", "region"]))
    require_nonempty(raw, "region", label=REGION[0])
    keep = ["region", "category", "age_group", "sex", *as_spec(extra), *META_COLUMNS]
    keep = [c for c in keep if c in raw.columns]
    if "year" in raw.columns and "count" in raw.columns:
        count, flag = counts(raw, "count", label=COUNT[0])
        out = raw[keep].assign(
            year=years(raw, "year", label=YEAR[0]), count=count, flag=flag, _column=""
        )
    else:
        wide = year_columns(raw)
        if not wide:
            raise DataError(
                f"neither {YEAR[0]} and {COUNT[0]} columns nor a column per year", file=shown
            )
        parts = []
        for column in wide:
            year = check_year_column(raw, column)
            count, flag = counts(raw, column)
            parts.append(raw[keep].assign(year=year, count=count, flag=flag, _column=column))
        out = pd.concat(parts, ignore_index=True)
    for column in ("region", "category", "age_group", "sex"):
        out[column] = out[column].astype("string")
    order = ["region", "year", "category", "age_group", "sex", "count", "flag"]
    rest = [c for c in out.columns if c not in order]
    return out[order + rest].reset_index(drop=True)
