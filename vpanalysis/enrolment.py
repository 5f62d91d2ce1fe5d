"""Enrolment per grade and year: the pupils a school survey could have reached.

A small table the workspace may state, ``data/raw/skolenkat/elevantal.csv`` (``;``-CSV or
the same columns in Excel, ``elevantal.xlsx``): ``Kommun`` (code or name), ``År``,
``Årskurs`` (``Åk 9``, ``Gy 2``), ``Elever`` (the number of pupils enrolled, e.g. from
Skolverket's statistics on pupils per grade). With it, steps 2 and 3 show each survey's
response rate (respondents / enrolled) and warn when it is low
(:func:`vpanalysis.steps.response.response_rates`); without it they say that the
response rate is unknown.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from vpanalysis import cleaning
from vpanalysis.errors import DataError
from vpanalysis.io import local_tables as lt

#: File names looked for in ``data/raw/skolenkat/``, in this order.
FILES = ("elevantal.csv", "elevantal.xlsx")
COLUMNS = {
    "region": ["Kommun", "Kommunkod", "Region"],
    "year": ["År", "Läsår"],
    "grade": ["Årskurs", "Arskurs"],
    "enrolled": ["Elever", "Antal elever", "Inskrivna elever"],
}


def path_in(raw: str | os.PathLike) -> Path | None:
    """The enrolment file of a ``data/raw`` folder, if there is one."""
    folder = Path(raw) / "skolenkat"
    return next((folder / n for n in FILES if (folder / n).exists()), None)


def read_enrolment(path: str | os.PathLike) -> pd.DataFrame:
    """``region_code``, ``year`` (int64), ``grade`` (``åk9``/``gy2``), ``enrolled`` (int64).

    A grade label that is not a grade, a count that is not a whole number > 0 or a row
    repeated for the same municipality, year and grade is a DataError naming file, row and
    column.
    """
    raw = lt.read_table(path, COLUMNS)
    if raw.empty:
        raise DataError("the file has a header but no rows", file=lt.display_path(path))
    grades = []
    for position, label in enumerate(raw["grade"].tolist()):
        grade = cleaning.grade_code(label)
        if grade is None:
            raise DataError(
                "not a grade (use e.g. Åk 9, Gy 2)",
                **lt.where(raw, position),
                column="Årskurs",
                value=label,
            )
        grades.append(grade)
    counts, _ = lt.counts(raw, "enrolled", label="Elever")
    if counts.isna().any() or (counts.fillna(0) <= 0).any():
        position = int(((counts.isna()) | (counts.fillna(0) <= 0)).to_numpy().nonzero()[0][0])
        raise DataError(
            "the number of pupils must be a whole number above 0",
            **lt.where(raw, position),
            column="Elever",
            value=raw["enrolled"].iloc[position],
        )
    out = raw.assign(
        region_code=cleaning.region_codes(raw, label="Kommun"),
        year=lt.years(raw, "year", label="År"),
        grade=grades,
        enrolled=counts.astype("int64"),
    )
    cleaning.check_duplicates(
        out,
        ["region_code", "year", "grade"],
        what="municipality, year and grade",
        columns="Kommun, År, Årskurs",
    )
    return out[["region_code", "year", "grade", "enrolled"]].reset_index(drop=True)
