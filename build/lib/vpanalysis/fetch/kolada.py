"""Kolada API v3: KPI values per municipality, county and Sweden.

``GET {base}/data/kpi/{kpis}/municipality/{ids}/year/{years}`` with ``base``
``https://api.kolada.se/v3`` (override with ``VPANALYSIS_KOLADA_URL``, e.g. a mirror or a
local test server). Kolada accepts at most 25 ids per list, so the KPIs, municipality
ids and years are split into requests of at most 25 each. Every response page is saved
as it came (``kolada_sida001.json`` ...) and ``next_url`` is followed until it is
``null``. ``value: null`` stays missing (with its ``status``, e.g. ``"Missing"``);
genders ``T``/``K``/``M`` are kept. Ids: municipalities ``2161``, counties ``0021``
(also given as ``21`` or ``Gävleborgs län``), Sweden ``0000`` (``Riket``).

The default KPI set is the list in ``data/raw/kolada/kpis.csv`` (violence KPIs and
risk/protective factors, each with its reason in ``note``); a KPI that is not listed
there is refused before any request, since the build needs its metadata.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

from vpanalysis import geography
from vpanalysis.config import COLLABORATING, SWEDEN_CODE, get_paths
from vpanalysis.errors import DataError
from vpanalysis.fetch import provenance
from vpanalysis.fetch.http import FetchError, HttpClient
from vpanalysis.io.conventions import display_path
from vpanalysis.io.kolada import KPI_PATTERN, parse_kolada, read_kpis

DEFAULT_URL = "https://api.kolada.se/v3"
ENV_URL = "VPANALYSIS_KOLADA_URL"
#: At most this many region ids in one Kolada request.
MAX_IDS = 25
MAX_PAGES = 10_000


def base_url() -> str:
    return (os.environ.get(ENV_URL) or DEFAULT_URL).rstrip("/")


@dataclass
class FetchResult:
    """What a fetch wrote: the folder, file names, rows and requests made."""

    source: str
    folder: Path
    files: list[str]
    rows: int
    urls: list[str] = field(default_factory=list)
    note: str = ""

    def summary(self) -> str:

        text = (
            f"Fetched {self.rows} values from {len(self.urls)} request(s) into "
            f"{display_path(self.folder)} ({len(self.files)} file(s))."
        )
        if self.note:
            text += f" {self.note}"
        return text + " Next: vpanalysis data build"


def kolada_ids(values: Iterable[str | int]) -> list[str]:
    """Kolada ids for codes or names: ``21``/``0021`` -> ``0021``, ``Riket`` -> ``0000``."""
    ids = []
    for value in values:
        try:
            ids.append(geography.region_code(value))
        except geography.UnknownRegionError as exc:
            raise FetchError(str(exc)) from None
    return list(dict.fromkeys(ids))


def default_municipalities() -> list[str]:
    """The collaborating municipalities' county (every municipality), the county and Sweden."""

    county = geography.county_of(COLLABORATING[0])
    return [*geography.municipalities_in(county), county, SWEDEN_CODE]


def listed_kpis(raw: Path) -> list[str]:
    """The KPIs of ``kolada/kpis.csv`` (the documented default set)."""

    path = raw / "kolada" / "kpis.csv"
    if not path.exists():
        return []
    return read_kpis(path)["kpi"].tolist()


def _chunks(items: Sequence[str], size: int) -> list[list[str]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)] or [[]]


def request_urls(
    kpis: Sequence[str], ids: Sequence[str], years: Sequence[int], base: str | None = None
) -> list[str]:
    """The first-page URLs, at most :data:`MAX_IDS` ids of each kind per request."""
    base = (base or base_url()).rstrip("/")
    urls = []
    for kpi_part in _chunks(list(kpis), MAX_IDS):
        for id_part in _chunks(list(ids), MAX_IDS):
            for year_part in _chunks([str(y) for y in years], MAX_IDS):
                urls.append(
                    f"{base}/data/kpi/{','.join(kpi_part)}/municipality/{','.join(id_part)}"
                    f"/year/{','.join(year_part)}"
                )
    return urls


def fetch_kolada(
    kpis: Sequence[str] | None = None,
    municipalities: Sequence[str | int] | None = None,
    years: tuple[int, int] = (2015, 2024),
    *,
    data_dir: str | os.PathLike | None = None,
    client: HttpClient | None = None,
) -> FetchResult:
    """Fetch Kolada values and replace ``data/raw/kolada/hamtat/`` (see module docstring)."""

    raw = get_paths(data_dir).raw
    listed = listed_kpis(raw)
    kpis = [k.strip().upper() for k in (kpis or listed) if k.strip()]
    if not kpis:
        raise FetchError("no KPIs given and data/raw/kolada/kpis.csv lists none; use --kpi")
    bad = [k for k in kpis if not KPI_PATTERN.match(k)]
    if bad:
        raise FetchError(f"not Kolada KPI ids (N or U and five digits): {', '.join(bad)}")
    unlisted = [k for k in kpis if k not in listed]
    if unlisted:
        raise FetchError(
            f"KPIs not listed in {display_path(raw / 'kolada' / 'kpis.csv')}: "
            f"{', '.join(unlisted)}; add a row (kpi;title;kind;polarity;level;unit;note) for "
            "each, the build needs them"
        )
    ids = kolada_ids(municipalities or default_municipalities())
    year_list = list(range(int(years[0]), int(years[1]) + 1))
    base = base_url()
    own = client is None
    client = client or HttpClient(hint=f"or set {ENV_URL} to a mirror")
    pages: dict[str, bytes] = {}
    rows = 0
    try:
        for first in request_urls(kpis, ids, year_list, base):
            url: str | None = first
            seen: set[str] = set()
            while url:
                if url in seen or len(pages) >= MAX_PAGES:
                    raise FetchError(f"Kolada's next_url loops back to {url}; stopped")
                seen.add(url)
                response = client.get(url)
                body = client.json(response, "Kolada's answer")
                name = f"kolada_sida{len(pages) + 1:03d}.json"
                try:
                    frame = parse_kolada(body, file=name)
                except DataError as exc:
                    raise FetchError(
                        f"Kolada's answer to {url} is not in the v3 format: {exc}"
                    ) from None
                rows += len(frame)
                pages[name] = response.content
                next_url = body.get("next_url") if isinstance(body, dict) else None
                url = urljoin(url, next_url) if next_url else None
    finally:
        if own:
            client.close()
    if rows == 0:
        raise FetchError(
            "Kolada returned no values for these KPIs, municipalities and years; nothing was "
            "written (check the ids and years)"
        )
    record = provenance.make_record(
        "kolada",
        pages,
        urls=list(client.requests),
        query={"kpi": kpis, "municipality": ids, "year": [year_list[0], year_list[-1]]},
    )
    folder = provenance.write_fetched(raw, "kolada", pages, record)
    return FetchResult("kolada", folder, list(pages), rows, list(client.requests))
