"""Women's shelter (kvinnojour) statistics per municipality and year.

Shelters deliver a ``;``-CSV from Excel on Windows: Windows-1252 (cp1252), decimal
comma, ``..`` for withheld small numbers, names of municipalities::

    Kvinnojourens årsstatistik per kommun                   <- title line (skipped)
    Kommun;År;Uppgift;Antal;Andel av stödsökande kvinnor (%)
    Ljusdal;2021;Stödsökande kvinnor – fysiskt våld;23;52,3
    Ljusdal;2021;Stödsökande kvinnor – hedersrelaterat våld;..;..

A year the shelter did not deliver simply has no rows. A wide layout (a column per year)
is read too. The optional share column is parsed (it must be numbers or markers) and
returned as ``share``; the pipeline keeps only the counts.
"""

from __future__ import annotations

import os

import pandas as pd

from vpanalysis.io import local_tables as lt

CATEGORY = ["Uppgift", "Kategori", "Mått", "Verksamhet"]
SHARE = ["Andel av stödsökande kvinnor (%)", "Andel (%)", "Andel"]


def read_kvinnojour(path: str | os.PathLike) -> pd.DataFrame:
    """Rows ``region``, ``year``, ``category``, ``count``, ``flag``, ``share`` (Float64) ..."""
    frame = lt.read_counts_table(path, CATEGORY, extra={"share": SHARE})
    if "share" in frame.columns:
        frame["share"] = lt.decimals(frame, "share", label=SHARE[0])
    else:
        frame["share"] = pd.array([pd.NA] * len(frame), dtype="Float64")
    return frame
