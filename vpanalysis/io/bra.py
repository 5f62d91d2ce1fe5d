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

A file exported from Brå's statistics database (SOL, "Databasfil", Latin-1) is read as
well (:func:`parse_sol`)::

    Region;Brott;År;Period;Antal;/100 000 inv
    Hela landet;Misshandel inkl. grov;År;2024;87123;829;
    Region Nord;Misshandel inkl. grov;År;2024;..;..;

``..`` is no value; police regions (``Region Nord``) are recognised later, when names are
matched to codes (:func:`vpanalysis.cleaning.clean_bra`).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from vpanalysis.errors import DataError
from vpanalysis.io import local_tables as lt
from vpanalysis.io.conventions import decode, is_total_label, normalise_label, parse_count

COLUMNS = {
    "region": ["Region", "Kommun", "Län", "Område"],
    "year": ["År", "Ar", "Year"],
    "category": ["Brottskategori", "Brottstyp", "Brott", "Kategori"],
    "count": ["Antal", "Antal anmälda brott", "Anmälda brott"],
}
#: The category of all reported crimes (Brå's per-municipality table without a category,
#: SOL's "Samtliga brott"): the context of the violence categories in step 2.
TOTAL_CATEGORY = "Anmälda brott totalt"
_TOTAL_NAMES = frozenset({"samtliga brott", "samtliga anmälda brott", "totalt antal anmälda brott"})
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
    if _sol_header(path):
        return _read_sol(path)
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


# ---------------------------------------------------------------- SOL database files

#: The header of a file exported from Brå's statistics database (SOL, "Databasfil").
SOL_HEADER = ("region", "brott", "år", "period", "antal", "/100 000 inv")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"), 1
    )
}
_SOL_YEAR = re.compile(r"^((?:19|20)\d{2})(\s+prel\.?)?$", flags=re.IGNORECASE)
_CRIME_CODE = re.compile(r"^\d{4}\s+-\s+")


@dataclass
class SolRow:
    """One value of a SOL file: ``year`` and ``category`` as text, count/rate as in the file."""

    line: int
    region: str
    category: str
    year: str
    count: str
    rate: str


@dataclass
class SolFile:
    """The yearly values of a SOL file and notes on what was left out."""

    rows: list[SolRow]
    notes: list[str]


def is_sol(header: list[str]) -> bool:
    """Whether a header row is SOL's ``Region;Brott;År;Period;Antal;/100 000 inv``."""
    keys = tuple(normalise_label(c) for c in header if str(c).strip())
    return keys == SOL_HEADER


def parse_sol(text: str, shown: str) -> SolFile:
    """The rows of a SOL database file (see :func:`read_bra`), as yearly values.

    Yearly files hold the period type ``År`` in the ``År`` column and the year in
    ``Period``; monthly files the year in ``År`` (``2026 prel.``) and the month in
    ``Period``. Monthly values are summed to a year when all twelve months are there and
    the year is not preliminary; other years are left out with a note. Identical repeated
    rows count once; a row that repeats another's key with another value is an error.
    """
    lines = text.lstrip("\ufeff").splitlines()
    table = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=";"))
    start = next((i for i, cells in enumerate(table) if is_sol(cells)), None)
    if start is None:
        raise DataError("not a SOL database file (no header Region;Brott;År;Period;…)", file=shown)
    yearly: dict[tuple[str, str, str], SolRow] = {}
    months: dict[tuple[str, str, str], dict[int, SolRow]] = {}
    preliminary: set[str] = set()
    for number, cells in enumerate(table[start + 1 :], start + 2):
        cells = [c.strip() for c in cells]
        if not any(cells):
            continue
        if len(cells) < 5:
            raise DataError(
                f"expected 6 fields ({';'.join(SOL_HEADER)}), found {len(cells)}",
                file=shown,
                row=number,
            )
        region, crime, kind, period, count = cells[:5]
        rate = cells[5] if len(cells) > 5 else ""
        crime = _CRIME_CODE.sub("", crime)
        if normalise_label(crime) in _TOTAL_NAMES:
            crime = TOTAL_CATEGORY
        if normalise_label(kind) == "år":
            if not _SOL_YEAR.fullmatch(period) or _SOL_YEAR.fullmatch(period).group(2):
                if _SOL_YEAR.fullmatch(period):
                    preliminary.add(period)
                    continue
                raise DataError("not a year", file=shown, row=number, column="Period", value=period)
            row = SolRow(number, region, crime, period, count, rate)
            _keep_once(yearly, (region, crime, period), row, shown)
            continue
        match = _SOL_YEAR.fullmatch(kind)
        month = _MONTHS.get(normalise_label(period)[:3])
        if not match or month is None:
            raise DataError(
                "neither a yearly row (År;<year>) nor a monthly one (<year>;<month>)",
                file=shown,
                row=number,
                column="År",
                value=f"{kind};{period}",
            )
        if match.group(2):
            preliminary.add(match.group(1))
            continue
        key = (region, crime, match.group(1))
        row = SolRow(number, region, crime, match.group(1), count, rate)
        _keep_once(months.setdefault(key, {}), month, row, shown)
    notes = []
    if preliminary:
        notes.append(f"preliminära uppgifter för {', '.join(sorted(preliminary))} är inte med")
    partial = set()
    for (region, crime, year), by_month in months.items():
        values = [parse_count(r.count)[0] for r in by_month.values()]
        if len(by_month) < 12 or any(v is None for v in values):
            partial.add(year)
            continue
        first = min(by_month.values(), key=lambda r: r.line)
        total = SolRow(first.line, region, crime, year, str(sum(values)), "")
        _keep_once(yearly, (region, crime, year), total, shown)
    if partial:
        notes.append(f"år utan alla tolv månader är inte med: {', '.join(sorted(partial))}")
    return SolFile(list(yearly.values()), notes)


def _keep_once(seen: dict, key, row: SolRow, shown: str) -> None:
    first = seen.get(key)
    if first is None:
        seen[key] = row
    elif (first.count, first.rate) != (row.count, row.rate):
        raise DataError(
            f"the same region, crime and period as row {first.line} with another value",
            file=shown,
            row=row.line,
            column="Antal",
            value=row.count,
        )


def _sol_header(path: str | os.PathLike) -> bool:
    if Path(path).suffix.lower() not in (".txt", ".csv"):
        return False
    try:
        head = Path(path).read_bytes()[:4096]
    except OSError:
        return False
    if head.startswith(codecs.BOM_UTF8):
        head = head[3:]
    lines = head.decode("cp1252", errors="replace").splitlines()
    return bool(lines) and is_sol(lines[0].split(";"))


def _read_sol(path: str | os.PathLike) -> pd.DataFrame:
    shown = lt.display_path(path)
    text, _ = decode(Path(path).read_bytes(), path)
    parsed = parse_sol(text, shown)
    rows = [r for r in parsed.rows if not is_total_label(r.category)]
    if not rows:
        why = f" ({'; '.join(parsed.notes)})" if parsed.notes else ""
        raise DataError(f"the file has no yearly values{why}", file=shown)
    counts, flags = [], []
    for r in rows:
        if r.count.strip() == "..":
            counts.append(pd.NA)
            flags.append("missing")
            continue
        try:
            value, flag = parse_count(r.count)
        except ValueError as exc:
            raise DataError(
                str(exc), file=shown, row=r.line, column="Antal", value=r.count
            ) from None
        counts.append(pd.NA if value is None else value)
        flags.append(flag)
    rates = []
    for r in rows:
        try:
            rates.append(float(r.rate.replace(",", ".")) if r.rate not in ("", "..") else pd.NA)
        except ValueError:
            raise DataError(
                "not a number", file=shown, row=r.line, column="/100 000 inv", value=r.rate
            ) from None
    out = pd.DataFrame(
        {
            "region": pd.array([r.region for r in rows], dtype="string"),
            "year": pd.array([int(r.year) for r in rows], dtype="int64"),
            "category": pd.array([r.category for r in rows], dtype="string"),
            "count": pd.array(counts, dtype="Int64"),
            "rate": pd.array(rates, dtype="Float64"),
            "flag": pd.array(flags, dtype="string"),
            "_file": shown,
            "_sheet": "",
            "_line": [r.line for r in rows],
            "_sol": True,
        }
    )
    out.attrs["notes"] = [f"{shown}: {n}" for n in parsed.notes]
    return out
