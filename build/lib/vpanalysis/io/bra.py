"""BRÅ's statistics on reported crimes (anmälda brott), as exported from its database.

The export is a ``;``-separated CSV, UTF-8 with BOM, CRLF line ends, region *names* (not
codes), spaces as thousands separators and a decimal comma in the rate::

    Anmälda brott efter region, år och brottskategori        <- optional title line(s)
    Region;År;Brottskategori;Antal;Per 100 000 inv.
    Hela landet;2023;Misshandel inkl. grov;87 123;829,4
    Ljusdals kommun;2016;Olaga hot;98;512,6

Accepted header names: region ``Region``/``Kommun``/``Län``; year ``År``; category
``Brottskategori``/``Brottstyp``/``Brott``; count ``Antal``/``Antal anmälda brott``; rate
``Per 100 000 inv.``/``Per 100 000 invånare`` (optional). BRÅ's per-municipality file
(``Kommun;Antal;Per 100 000 inv.``) has no year or category column: pass ``year=`` and
``category=``. Rows whose category is a total (``Totalt``, ``Samtliga brott``) are dropped.
"""

from __future__ import annotations

import os

import pandas as pd

from vpanalysis.errors import DataError
from vpanalysis.io import local_tables as lt

COLUMNS = {
    "region": ["Region", "Kommun", "Län", "Område"],
    "year": ["År", "Ar", "Year"],
    "category": ["Brottskategori", "Brottstyp", "Brott", "Kategori"],
    "count": ["Antal", "Antal anmälda brott", "Anmälda brott"],
}
RATE = ["Per 100 000 inv.", "Per 100 000 invånare", "Per 100 000 inv", "Antal per 100 000 inv."]


def read_bra(
    path: str | os.PathLike, *, year: int | None = None, category: str | None = None
) -> pd.DataFrame:
    """One row per region, year and category.

    Columns: ``region`` (the name as written in the file), ``year`` (int64), ``category``,
    ``count`` (Int64, ``<NA>`` for markers), ``rate`` (Float64, per 100 000; ``<NA>`` if the
    file has none), ``flag`` (``""``, ``"suppressed"``, ``"missing"``), ``_file``, ``_sheet``,
    ``_line``.
    """
    spec = dict(COLUMNS)
    if year is not None:
        spec.pop("year")
    if category is not None:
        spec.pop("category")
    raw = lt.read_table(path, spec)
    if year is not None:
        raw = raw.assign(year=str(year))
    if category is not None:
        raw = raw.assign(category=category)
    lt.require_nonempty(raw, "category", label="Brottskategori")
    raw = lt.drop_totals(raw, ["category"])
    rate_column = next(
        (c for c in raw.columns if any(lt._matches(c, [r]) for r in RATE)), None
    )  # optional
    lt.require_nonempty(raw, "region", label="Region")
    count, flag = lt.counts(raw, "count", label="Antal")
    out = pd.DataFrame(
        {
            "region": raw["region"].astype("string"),
            "year": lt.years(raw, "year", label="År"),
            "category": raw["category"].astype("string"),
            "count": count,
            "rate": lt.decimals(raw, rate_column, label=rate_column)
            if rate_column
            else pd.Series(pd.NA, index=raw.index, dtype="Float64"),
            "flag": flag,
            "_file": raw["_file"],
            "_sheet": raw["_sheet"],
            "_line": raw["_line"],
        }
    )
    if out.empty:
        raise DataError("the file has a header but no data rows", file=lt.display_path(path))
    return out.reset_index(drop=True)
