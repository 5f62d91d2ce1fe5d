"""Reading the register files: where they are, CSV text -> a checked table, problems collected.

Text is decoded by :func:`vpanalysis.io.conventions.decode` (UTF-8 with or without BOM, or
Windows-1252). A register may also be a sheet of ``register.xlsx``: the loaders then get a
:class:`TableSource` (see :mod:`vpanalysis.registers.excel`) instead of a path, and the
same checks run on its cells.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from vpanalysis.config import get_paths
from vpanalysis.errors import DataError
from vpanalysis.io.conventions import decode
from vpanalysis.registers.columns import _DTYPES, SPECS, UNIQUE_KEYS, Column
from vpanalysis.registers.errors import RegisterError, _CellError
from vpanalysis.registers.vocabularies import match_key

REGISTER_FILES = {
    "partners": "partners.csv",
    "training_days": "training_days.csv",
    "factors": "factors.csv",
    "interventions": "interventions.csv",
    "logic_models": "logic_models.yaml",
    "goals": "goals.csv",
    "training_plan": "training_plan.csv",
    "training_log": "training_log.csv",
    "activities": "activities.csv",
}


def register_dir(data_dir: str | Path | None = None) -> Path:
    """``data/raw/registers`` (of ``data_dir`` when given)."""
    return get_paths(data_dir).raw / "registers"


@dataclass
class _RawCsv:
    path: object  # Path or TableSource
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (line in file, cells)
    header_line: int = 1


class TableSource:
    """A register table that is not a CSV file, e.g. a sheet of the register workbook
    (:class:`vpanalysis.registers.excel.SheetSource`).

    ``str()`` is the name problems give as their file; :meth:`raw` returns the header
    (canonical column names) and the rows as text; :meth:`label` names a column as the
    person sees it; :meth:`locate` rewrites a problem found in the table to name the
    place as the person sees it.
    """

    def exists(self) -> bool:
        raise NotImplementedError

    def raw(self) -> _RawCsv:
        raise NotImplementedError

    def label(self, column: str) -> str:
        return column

    def locate(self, problem: DataError) -> DataError:
        return problem


def _read_text(path: Path) -> str:
    """The text of a register file (see :func:`vpanalysis.io.conventions.decode`)."""
    text, _ = decode(path.read_bytes(), path)
    return text


def _read_csv(path: Path) -> _RawCsv:
    if not path.exists():
        raise DataError("register file is missing", file=path)
    text = _read_text(path)
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if ";" in first or "," not in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    previous = 0
    for cells in reader:
        start = previous + 1
        previous = reader.line_num
        records.append((start, cells))
    records = [(line, cells) for line, cells in records if any(c.strip() for c in cells)]
    if not records:
        raise DataError("the file is empty (no header row)", file=path)
    header_line, header = records[0]
    header = [h.strip().lower() for h in header]
    # trailing empty columns (Excel sometimes writes extra ';')
    while header and not header[-1]:
        header.pop()
    seen: set[str] = set()
    for name in header:
        if not name:
            raise DataError("a column has no name in the header", file=path, row=header_line)
        if name in seen:
            raise DataError("column appears twice in the header", file=path, row=1, column=name)
        seen.add(name)
    return _RawCsv(path, header, records[1:])


def _parse_table(name: str, path: Path | TableSource) -> tuple[pd.DataFrame, list[DataError]]:
    """Read and check one CSV register (or sheet): all cell problems collected, not raised."""
    raw = path.raw() if isinstance(path, TableSource) else _read_csv(path)
    spec = SPECS[name]
    problems: list[DataError] = []
    for col in spec:
        if col.required and col.name not in raw.header:
            problems.append(
                DataError(
                    "required column is missing from the header",
                    file=path,
                    row=raw.header_line,
                    column=col.name,
                )
            )
    if problems:
        return pd.DataFrame(), problems
    position = {h: i for i, h in enumerate(raw.header)}
    extras = [h for h in raw.header if h not in {c.name for c in spec}]
    records: list[dict[str, object]] = []
    for line, cells in raw.rows:
        if len(cells) > len(raw.header) and any(c.strip() for c in cells[len(raw.header) :]):
            problems.append(
                DataError(
                    f"the row has more cells than the header has columns ({len(raw.header)}); "
                    "is there a ';' inside a text that is not in quotes?",
                    file=path,
                    row=line,
                )
            )
            continue
        cells = cells + [""] * (len(raw.header) - len(cells))
        record: dict[str, object] = {"source_line": line}
        for col in spec:
            text = cells[position[col.name]].strip() if col.name in position else ""
            if not text:
                if col.nonempty and col.name in position:
                    problems.append(
                        DataError("a value is required", file=path, row=line, column=col.name)
                    )
                record[col.name] = col.empty()
                continue
            try:
                record[col.name] = col.parse(text)
            except _CellError as exc:
                problems.append(
                    DataError(str(exc), file=path, row=line, column=col.name, value=text)
                )
                record[col.name] = col.empty()
        for extra in extras:
            record[extra] = cells[position[extra]].strip() or None
        records.append(record)
    frame = _to_frame(records, spec, extras)
    problems += _check_unique(frame, UNIQUE_KEYS.get(name, ()), path)
    return frame, problems


def _to_frame(records: list[dict], spec: list[Column], extras: list[str]) -> pd.DataFrame:
    data: dict[str, pd.Series] = {}
    n = len(records)
    for col in spec:
        values = [r[col.name] for r in records]
        if col.kind == "date":
            series = pd.Series(pd.to_datetime(pd.Series(values, dtype="object")), name=col.name)
            data[col.name] = series.astype("datetime64[us]")
        elif col.kind in _DTYPES:
            data[col.name] = pd.Series(values, dtype=_DTYPES[col.kind], name=col.name)
        else:  # list kinds: tuples in an object column
            data[col.name] = pd.Series(values if n else [], dtype="object", name=col.name)
    for extra in extras:
        data[extra] = pd.Series([r[extra] for r in records], dtype="string", name=extra)
    data["source_line"] = pd.Series([r["source_line"] for r in records], dtype="Int64")
    return pd.DataFrame(data)


def _check_unique(
    frame: pd.DataFrame, key: tuple[str, ...], path: Path | TableSource
) -> list[DataError]:
    if not key or frame.empty:
        return []
    names = [path.label(k) if isinstance(path, TableSource) else k for k in key]
    problems = []
    normalised = frame[list(key)].astype("string").apply(lambda s: s.map(match_key))
    duplicated = normalised.duplicated(keep="first") & normalised.notna().all(axis=1)
    for idx in frame.index[duplicated]:
        values = tuple(frame.loc[idx, k] for k in key)
        problems.append(
            DataError(
                f"duplicate row: {', '.join(names)} must be unique",
                file=path,
                row=int(frame.loc[idx, "source_line"]),
                column=key[-1],
                value=values[-1] if len(values) == 1 else values,
            )
        )
    return problems


def _raise(problems: list[DataError], source: object = None) -> None:
    """Raise the problems as one :class:`RegisterError` (each located by ``source`` when it
    is a :class:`TableSource`)."""
    if problems:
        if isinstance(source, TableSource):
            problems = [source.locate(p) for p in problems]
        raise RegisterError(problems)


def _path(name: str, path: str | Path | TableSource | None) -> Path | TableSource:
    if isinstance(path, TableSource):
        return path
    return Path(path) if path is not None else register_dir() / REGISTER_FILES[name]


def _row_problem(frame: pd.DataFrame, idx, path: Path, column: str, message: str, value=None):
    return DataError(
        message, file=path, row=int(frame.loc[idx, "source_line"]), column=column, value=value
    )


def read_codebook_items(path: str | Path) -> set[str] | None:
    """Item names of the school-survey codebook, or None if it is missing or unreadable.

    The item column is the first of ``item``, ``name``, ``variable``, ``item_id``,
    ``column`` that the file has.
    """
    path = Path(path)
    if not path.exists():
        return None
    text = _read_text(path)
    first = text.splitlines()[0] if text else ""
    sep = ";" if ";" in first else ","
    frame = pd.read_csv(io.StringIO(text), sep=sep, dtype="string")
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    for candidate in ("item", "name", "variable", "item_id", "column"):
        if candidate in frame.columns:
            return set(frame[candidate].dropna().str.strip())
    return None
