"""Exceptions with messages a municipal analyst can act on."""

from __future__ import annotations

from pathlib import Path


class DataError(ValueError):
    """Bad input data. The message names the file, and where known the row, column and value.

    ``row`` is the 1-based line number in the file as a person sees it in an editor or
    spreadsheet (the header is line 1).
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
    ):
        self.file = str(file) if file is not None else None
        self.row = row
        self.column = column
        self.value = value
        where = []
        if self.file:
            where.append(self.file)
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        prefix = ", ".join(where)
        detail = f" (value {value!r})" if value is not None else ""
        super().__init__(f"{prefix}: {message}{detail}" if prefix else f"{message}{detail}")


class DisclosureError(RuntimeError):
    """A table from a local source would publish a count of persons under the threshold."""


class ReportError(RuntimeError):
    """A report could not be produced; the message says which and why."""
