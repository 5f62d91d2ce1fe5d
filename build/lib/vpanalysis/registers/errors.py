"""Errors of the registers: :class:`RegisterError` collects every problem of the files."""

from __future__ import annotations

from vpanalysis.errors import DataError


class RegisterError(DataError):
    """One or more problems in the registers; ``problems`` holds each as a DataError.

    ``file``, ``row``, ``column`` and ``value`` are those of the first problem; the message
    lists all of them.
    """

    def __init__(self, problems: list[DataError]):
        if not problems:
            raise ValueError("RegisterError needs at least one problem")
        self.problems = list(problems)
        first = problems[0]
        super().__init__("", file=first.file, row=first.row, column=first.column)
        self.value = first.value
        if len(problems) == 1:
            text = str(first)
        else:
            text = f"{len(problems)} problems in the registers:\n" + "\n".join(
                f"- {p}" for p in problems
            )
        self.args = (text,)


class _CellError(ValueError):
    """A cell that does not parse; turned into a DataError with file/row/column."""
