"""BRÅ's statistics on reported crimes per municipality, from a CSV file or URL.

BRÅ publishes one table per crime category and year, ``Kommun;Antal;Per 100 000 inv.``,
in several variants over the years, all accepted here:

* with or without the header line, with title lines above it and notes under it;
* ``Ale kommun`` or ``Ale``, genitive forms (``Ljusdals kommun``), upper case, en dashes
  (``Malung–Sälen``), ``Gävleborgs län``, ``Hela landet``/``Riket``;
* spaces or non-breaking spaces as thousands separators (``1 234``), decimal comma;
* UTF-8 with or without BOM, or Windows-1252; CRLF or LF; ``;`` (or tab) separated;
* BRÅ's database export with ``År`` and ``Brottskategori`` columns as well.

Names are matched to codes by :mod:`vpanalysis.geography`; names that match nothing are
one error listing all of them with the closest official names. The year and category of
a one-table file come from ``--year``/``--category`` or, when unambiguous, from its title
lines or file name; the category must be one of BRÅ's categories in
``definitions/category_mapping.csv``.

The result is written as ``hamtat/bra_<year>_<category>.csv`` in the layout the build reads
(``Region;Namn i källfilen;År;Brottskategori;Antal;Per 100 000 inv.``, region as code),
the delivered bytes are kept in ``hamtat/original/``. Earlier fetches of other years or
categories stay; the same year and category is replaced.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from vpanalysis import definitions, geography
from vpanalysis.config import get_paths
from vpanalysis.errors import DataError
from vpanalysis.fetch import provenance
from vpanalysis.fetch.http import FetchError, HttpClient
from vpanalysis.fetch.kolada import FetchResult
from vpanalysis.io import bra as bra_io
from vpanalysis.io.conventions import (
    decode,
    is_total_label,
    normalise_label,
    parse_count,
    parse_number,
)

REGION_HEADERS = ("kommun", "region", "län", "område", "kommunnamn")
YEAR_HEADERS = ("år", "ar", "year")
CATEGORY_HEADERS = ("brottskategori", "brottstyp", "brott", "kategori")
OUTPUT_HEADER = "Region;Namn i källfilen;År;Brottskategori;Antal;Per 100 000 inv."
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


@dataclass
class Row:
    line: int
    name: str
    count: str
    rate: str
    year: str = ""
    category: str = ""


@dataclass
class Parsed:
    rows: list[Row]
    titles: list[str]
    has_header: bool
    #: a file exported from Brå's statistics database (:func:`vpanalysis.io.bra.parse_sol`)
    sol: bool = False
    #: what was left out, in Swedish, for the fetch record
    notes: list[str] = field(default_factory=list)


def _separator(lines: list[str]) -> str:
    for sep in (";", "\t"):
        if any(sep in line for line in lines):
            return sep
    return ","


def _header_columns(cells: list[str]) -> dict[str, int] | None:
    keys = [normalise_label(c) for c in cells]
    if not keys or keys[0] not in REGION_HEADERS:
        return None
    columns = {"region": 0}
    for i, key in enumerate(keys[1:], 1):
        if "100 000" in key or key.startswith("per "):
            columns.setdefault("rate", i)
        elif key.startswith("antal") or key == "anmälda brott":
            columns.setdefault("count", i)
        elif key in YEAR_HEADERS:
            columns.setdefault("year", i)
        elif key in CATEGORY_HEADERS:
            columns.setdefault("category", i)
    return columns if "count" in columns else None


def parse(data: bytes, shown: str) -> Parsed:
    """The rows of a BRÅ per-municipality CSV (see module docstring), as text."""
    try:
        text, _ = decode(data, shown)
    except DataError as exc:
        raise FetchError(str(exc)) from None
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    if lines and bra_io.is_sol(lines[0].split(";")):
        return _parse_sol(text, shown)
    sep = _separator(lines)
    cells_by_line = [
        (number, [c.strip() for c in cells])
        for number, cells in enumerate(csv.reader(io.StringIO("\n".join(lines)), delimiter=sep), 1)
    ]
    columns: dict[str, int] | None = None
    titles: list[str] = []
    rows: list[Row] = []
    for number, cells in cells_by_line:
        filled = [c for c in cells if c]
        if not filled:
            continue
        if columns is None and not rows:
            header = _header_columns(cells)
            if header:
                columns = header
                continue
        if len(filled) == 1 or not cells[0]:
            if rows:
                continue  # a note under the table ("Källa: Brå")
            titles.append(" ".join(filled))
            continue
        layout = columns or {"region": 0, "count": 1, "rate": 2}

        def cell(key: str, cells=cells, layout=layout) -> str:
            index = layout.get(key)
            return cells[index] if index is not None and index < len(cells) else ""

        rows.append(
            Row(number, cell("region"), cell("count"), cell("rate"), cell("year"), cell("category"))
        )
    if not rows:
        raise FetchError(f"{shown}: no data rows (expected lines like 'Ale;1 234;4 321,0')")
    return Parsed(rows, titles, columns is not None)


def _parse_sol(text: str, shown: str) -> Parsed:
    try:
        sol = bra_io.parse_sol(text, shown)
    except DataError as exc:
        raise FetchError(str(exc)) from None
    notes = list(sol.notes)
    rows, police = [], set()
    for r in sol.rows:
        if geography.police_region(r.region):
            police.add(r.region)
            continue
        count = "" if r.count == ".." else r.count
        rate = "" if r.rate == ".." else r.rate
        rows.append(Row(r.line, r.region, count, rate, r.year, r.category))
    if police:
        notes.append(f"polisregioner är inte med ({', '.join(sorted(police))})")
    if not rows:
        raise FetchError(f"{shown}: no yearly values for municipalities or counties")
    return Parsed(rows, [], True, sol=True, notes=notes)


def _infer_year(parsed: Parsed, name: str, shown: str) -> str:
    found = sorted({m for t in [*parsed.titles, name] for m in _YEAR.findall(t)})
    if len(found) == 1:
        return found[0]
    where = f" ({', '.join(found)} occur in the title or name)" if found else ""
    raise FetchError(f"{shown}: which year is this? Give --year{where}")


def _infer_category(parsed: Parsed, known: list[str], shown: str) -> str:
    """The category a title line names; a file that names none is Brå's table of all
    reported crimes per municipality (:data:`vpanalysis.io.bra.TOTAL_CATEGORY`)."""
    text = normalise_label(" ".join(parsed.titles))
    hits = [c for c in known if normalise_label(c) in text and c != bra_io.TOTAL_CATEGORY]
    longest = max(hits, key=len, default=None)
    if longest and all(normalise_label(h) in normalise_label(longest) for h in hits):
        return longest
    if not hits and bra_io.TOTAL_CATEGORY in known:
        parsed.notes.append(
            "filen anger ingen brottskategori och läses som alla anmälda brott; ange "
            "--category för en enskild kategori"
        )
        return bra_io.TOTAL_CATEGORY
    raise FetchError(
        f"{shown}: which crime category is this? Give --category, one of: {'; '.join(known)}"
    )


def _codes(rows: list[Row], shown: str) -> dict[str, str]:
    """Name -> region code; FetchError listing every name that matches nothing."""
    import pandas as pd

    names = sorted({r.name for r in rows})
    matched = dict(zip(names, geography.match_names(pd.Series(names, dtype="string")), strict=True))
    codes, unknown = {}, []
    for name, code in matched.items():
        if pd.isna(code):
            try:
                code = geography.region_code(name)
            except geography.UnknownRegionError as exc:
                hint = f" (did you mean {', '.join(exc.suggestions)}?)" if exc.suggestions else ""
                unknown.append(f"{name!r}{hint}")
                continue
        codes[name] = str(code)
    if unknown:
        raise FetchError(
            f"{shown}: {len(unknown)} name(s) match no municipality or county: "
            + ", ".join(unknown)
        )
    return codes


def _slug(text: str) -> str:
    table = str.maketrans("åäöéü", "aaoeu")
    slug = re.sub(r"[^a-z0-9]+", "-", normalise_label(text).translate(table)).strip("-")
    return slug[:60] or "brott"


def _number_text(text: str, shown: str, row: Row, column: str, whole: bool) -> str:
    try:
        value, flag = (parse_count if whole else parse_number)(text)
    except ValueError as exc:
        raise FetchError(
            f"{shown}, row {row.line}, column {column!r}: {exc} (value {text!r})"
        ) from None
    if value is None:
        return text if flag == "suppressed" else ""
    if whole:
        return str(value)
    return format(value, "f").rstrip("0").rstrip(".").replace(".", ",")


def normalise(
    data: bytes,
    shown: str,
    *,
    name: str,
    year: int | None,
    category: str | None,
    known_categories: list[str],
) -> tuple[str, list[tuple[str, str]], int, list[str]]:
    """``(csv text, [(year, category)], rows, notes)`` of the build's layout (see module
    docstring); ``notes`` say in Swedish what was left out."""
    parsed = parse(data, shown)
    rows = [
        r
        for r in parsed.rows
        if not is_total_label(r.name) and not (r.category and is_total_label(r.category))
    ]
    codes = _codes(rows, shown)
    known = {normalise_label(c): c for c in known_categories}
    fixed_year = str(year) if year else ""
    fixed_category = category or ""
    if not fixed_year and not any(r.year for r in rows):
        fixed_year = _infer_year(parsed, name, shown)
    if not fixed_category and not any(r.category for r in rows):
        fixed_category = _infer_category(parsed, known_categories, shown)
    out = [OUTPUT_HEADER]
    seen: dict[tuple[str, str, str], int] = {}
    keys = set()
    if parsed.sol:
        rows = _sol_rows(rows, codes, known, parsed.notes)
    for row in rows:
        row_year = fixed_year or row.year
        row_category = fixed_category or row.category
        if normalise_label(row_category) not in known:
            raise FetchError(
                f"{shown}: {row_category!r} is not a BRÅ category in "
                f"definitions/category_mapping.csv; known: {'; '.join(known_categories)}"
            )
        row_category = known[normalise_label(row_category)]
        if not _YEAR.fullmatch(str(row_year).strip()):
            raise FetchError(f"{shown}, row {row.line}: not a year (value {row_year!r})")
        code = codes[row.name]
        key = (code, str(row_year), row_category)
        if key in seen:
            raise FetchError(
                f"{shown}, row {row.line}: {row.name!r} is the same region as row {seen[key]}"
            )
        seen[key] = row.line
        keys.add((str(row_year), row_category))
        count = _number_text(row.count, shown, row, "Antal", whole=True)
        rate = _number_text(row.rate, shown, row, "Per 100 000 inv.", whole=False)
        out.append(
            ";".join([code, row.name.replace(";", ","), str(row_year), row_category, count, rate])
        )
    return "\r\n".join(out) + "\r\n", sorted(keys), len(rows), parsed.notes


def _sol_rows(rows: list[Row], codes: dict, known: dict, notes: list[str]) -> list[Row]:
    """A SOL export's rows of mapped crimes, without a name's empty row beside a valued one
    for the same municipality, year and crime (Brå lists Heby under two counties)."""
    other = {r.category for r in rows if normalise_label(r.category) not in known}
    if other:
        notes.append(f"{len(other)} brottstyper utan plats i kategorimappningen är inte med")
    rows = [r for r in rows if r.category not in other]
    valued = {(codes[r.name], r.year, r.category) for r in rows if r.count}
    return [r for r in rows if r.count or (codes[r.name], r.year, r.category) not in valued]


def _read_source(source: str, client: HttpClient | None) -> tuple[bytes, str, str]:
    """``(bytes, file name, URL or path)`` of a local file or an http(s) URL."""
    if re.match(r"^https?://", source, flags=re.IGNORECASE):
        own = client is None
        client = client or HttpClient()
        try:
            response = client.get(source)
        finally:
            if own:
                client.close()
        name = unquote(Path(urlsplit(str(response.request.url)).path).name) or "bra.csv"
        return response.content, name, source
    path = Path(source)
    try:
        return path.read_bytes(), path.name, str(path.resolve())
    except OSError as exc:
        raise FetchError(f"cannot read {source}: {exc.strerror}") from None


def fetch_bra(
    source: str,
    *,
    year: int | None = None,
    category: str | None = None,
    data_dir: str | os.PathLike | None = None,
    client: HttpClient | None = None,
) -> FetchResult:
    """Read BRÅ's CSV from ``source`` (file or URL) into ``data/raw/bra/hamtat/``."""

    paths = get_paths(data_dir)
    try:
        mapping = definitions.category_mapping(paths.data)
    except DataError as exc:
        raise FetchError(str(exc)) from None
    known = mapping.loc[mapping["source"] == "bra", "category"].tolist()
    data, name, where = _read_source(source, client)
    text, keys, rows, notes = normalise(
        data, name, name=name, year=year, category=category, known_categories=known
    )
    if len(keys) == 1:
        out_name = f"bra_{keys[0][0]}_{_slug(keys[0][1])}.csv"
    else:
        out_name = f"bra_{_slug(Path(name).stem)}.csv"
    files = {out_name: text.encode("utf-8")}
    original = {Path(out_name).stem + (Path(name).suffix or ".csv"): data}
    record = provenance.make_record(
        "bra",
        files,
        urls=[where],
        query={
            "file": name,
            "years": sorted({k[0] for k in keys}),
            "categories": sorted({k[1] for k in keys}),
        },
        note="Namnen i Brås fil är kopplade till kommunkoder; originalet finns i original/."
        + "".join(f" {n[0].upper()}{n[1:]}." for n in notes),
    )
    record["original"] = next(iter(original))
    folder = provenance.write_fetched(
        paths.raw, "bra", files, record, keep_existing=True, originals=original
    )
    return FetchResult("bra", folder, list(files), rows, [where])
