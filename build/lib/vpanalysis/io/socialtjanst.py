"""Social services' counts of persons in reports of concern and cases about violence.

Municipalities export these from their case-management system to Excel (``.xlsx``) or
``;``-CSV. Typical shape, one sheet per municipality (the sheet name is the municipality)
or a ``Kommun`` column with names, a title row or two above the header, a column per
year, ``Summa`` rows mixed in and small numbers withheld as ``*`` or ``..``::

    EXEMPELDATA – ...                                         <- title rows (skipped)
    Kategori | Åldersgrupp | Kön | 2015 | 2016 | ...
    Barn som bevittnat våld i nära relation | 0-17 år | Flickor | 17 | 21 | ...
    Summa barn | | | =SUM(...)                                  <- dropped

A long layout (``Kommun;År;Kategori;Åldersgrupp;Kön;Antal``) is read too.
"""

from __future__ import annotations

import os

import pandas as pd

from vpanalysis.io.local_tables import read_counts_table

CATEGORY = ["Kategori", "Våldskategori", "Typ av våld", "Orsak", "Aktualiseringsorsak"]


def read_socialtjanst(path: str | os.PathLike) -> pd.DataFrame:
    """Rows ``region``, ``year``, ``category``, ``age_group``, ``sex``, ``count``, ``flag`` ...

    Labels as written in the file (see :func:`vpanalysis.io.local_tables.read_counts_table`).
    """
    return read_counts_table(path, CATEGORY)
