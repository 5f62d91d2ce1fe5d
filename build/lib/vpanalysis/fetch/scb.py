"""SCB PxWebApi v2: population by region, single year of age and sex (table TAB638).

``GET {base}/tables/TAB638/data?lang=sv&outputFormat=json-stat2`` with
``valueCodes[Region]=2161,21,00`` (municipality, county, Riket), ``valueCodes[Alder]=0,...,
99,100+``, ``valueCodes[Kon]=1,2``, ``valueCodes[ContentsCode]=BE0101N1`` (Folkmängd) and
``valueCodes[Tid]=2015,...``. ``base`` is ``https://statistikdatabasen.scb.se/api/v2``
(override with ``VPANALYSIS_SCB_URL``). Variables that are not selected (civil status) are
eliminated by the API, i.e. summed.

Limits: the API's ``/config`` says how many cells one call may return (``maxDataCells``)
and how many calls are allowed per time window (``maxCallsPerTimeWindow`` per
``timeWindow`` seconds); without an answer the defaults are 150 000 cells and 30 calls per
10 s. The query is split by region (and, if needed, year) to stay under the cell limit,
and calls are spaced by a :class:`~vpanalysis.fetch.http.RateLimiter`.

Each response is saved as it came (``TAB638_del01.json`` ...), after checking that it is
json-stat2 (decoded row-major over ``id`` by :func:`vpanalysis.io.pxweb.read_jsonstat2`),
that every value is present and that every region and year asked for is in it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from vpanalysis import geography
from vpanalysis.cleaning import clean_population
from vpanalysis.config import SWEDEN_CODE, get_paths
from vpanalysis.errors import DataError
from vpanalysis.fetch import provenance
from vpanalysis.fetch.http import FetchError, HttpClient
from vpanalysis.fetch.kolada import FetchResult, default_municipalities, kolada_ids
from vpanalysis.io.pxweb import read_jsonstat2

DEFAULT_URL = "https://statistikdatabasen.scb.se/api/v2"
ENV_URL = "VPANALYSIS_SCB_URL"
TABLE = "TAB638"
AGES = [str(a) for a in range(100)] + ["100+"]
SEXES = ["1", "2"]
CONTENTS = "BE0101N1"


@dataclass(frozen=True)
class Limits:
    max_cells: int = 150_000
    calls: int = 30
    window: float = 10.0


def base_url() -> str:
    return (os.environ.get(ENV_URL) or DEFAULT_URL).rstrip("/")


def scb_region(code: str) -> str:
    """Region code as SCB writes it: ``0000`` -> ``00``, ``0021`` -> ``21``, ``2161``."""
    if code == SWEDEN_CODE:
        return "00"
    if geography.is_county(code):
        return code[2:]
    return code


def read_limits(client: HttpClient, base: str) -> Limits:
    """The API's limits from ``{base}/config``; the defaults if it does not say."""
    default = Limits()
    try:
        body = client.json(client.get(f"{base}/config"), "SCB's configuration")
    except FetchError as exc:
        if exc.kind == "network":
            raise
        return default
    if not isinstance(body, dict):
        return default

    def number(key: str, fallback):
        value = body.get(key)
        return value if isinstance(value, int | float) and value > 0 else fallback

    return Limits(
        max_cells=int(number("maxDataCells", default.max_cells)),
        calls=int(number("maxCallsPerTimeWindow", default.calls)),
        window=float(number("timeWindow", default.window)),
    )


def plan(
    regions: Sequence[str], years: Sequence[int], max_cells: int
) -> list[tuple[list[str], list[str]]]:
    """Calls as ``(regions, years)`` so that no call asks for more than ``max_cells`` cells."""
    per_region_year = len(AGES) * len(SEXES)
    if per_region_year > max_cells:
        raise FetchError(f"SCB allows only {max_cells} cells a call; one region-year needs more")
    year_list = [str(y) for y in years]
    years_per_call = max(1, min(len(year_list), max_cells // per_region_year))
    calls = []
    for y in range(0, len(year_list), years_per_call):
        year_part = year_list[y : y + years_per_call]
        regions_per_call = max(1, max_cells // (per_region_year * len(year_part)))
        for r in range(0, len(regions), regions_per_call):
            calls.append((list(regions[r : r + regions_per_call]), year_part))
    return calls


def query(regions: Sequence[str], years: Sequence[str]) -> dict[str, str]:
    return {
        "lang": "sv",
        "outputFormat": "json-stat2",
        "valueCodes[Region]": ",".join(regions),
        "valueCodes[Alder]": ",".join(AGES),
        "valueCodes[Kon]": ",".join(SEXES),
        "valueCodes[ContentsCode]": CONTENTS,
        "valueCodes[Tid]": ",".join(years),
    }


def _check(body, name: str, url: str, regions: Sequence[str], years: Sequence[str]) -> int:
    """Decode and check one response; the number of population values in it."""

    try:
        frame = read_jsonstat2(body, file=name)
        population = clean_population(frame, file=name)
    except DataError as exc:
        raise FetchError(f"SCB's answer to {url} cannot be used: {exc}") from None
    got = {
        (scb_region(r), str(y))
        for r, y in population[["region_code", "year"]].drop_duplicates().itertuples(index=False)
    }
    lacking = [f"{r} {y}" for r in regions for y in years if (r, y) not in got]
    if lacking:
        raise FetchError(
            f"SCB's answer lacks population for region and year {', '.join(lacking[:5])}"
            + (f" and {len(lacking) - 5} more" if len(lacking) > 5 else "")
            + " (not published yet?)"
        )
    return len(population)


def fetch_population(
    regions: Sequence[str | int] | None = None,
    years: tuple[int, int] = (2015, 2024),
    *,
    data_dir: str | os.PathLike | None = None,
    client: HttpClient | None = None,
) -> FetchResult:
    """Fetch TAB638 and replace ``data/raw/scb/hamtat/`` (see module docstring)."""
    raw = get_paths(data_dir).raw
    codes = [scb_region(c) for c in kolada_ids(regions or default_municipalities())]
    year_list = list(range(int(years[0]), int(years[1]) + 1))
    base = base_url()
    own = client is None
    client = client or HttpClient(hint=f"or set {ENV_URL} to a mirror")
    client.limit(Limits().calls, Limits().window)
    files: dict[str, bytes] = {}
    rows = 0
    try:
        limits = read_limits(client, base)
        client.limit(limits.calls, limits.window).wait()  # the /config call counts too
        url = f"{base}/tables/{TABLE}/data"
        for number, (region_part, year_part) in enumerate(
            plan(codes, year_list, limits.max_cells), 1
        ):
            response = client.get(url, params=query(region_part, year_part))
            name = f"{TABLE}_del{number:02d}.json"
            body = client.json(response, "SCB's answer")
            rows += _check(body, name, str(response.request.url), region_part, year_part)
            files[name] = response.content
    finally:
        if own:
            client.close()
    record = provenance.make_record(
        "scb",
        files,
        urls=list(client.requests),
        query={
            "table": TABLE,
            "Region": codes,
            "Alder": "0-99, 100+",
            "Kon": SEXES,
            "ContentsCode": CONTENTS,
            "Tid": [year_list[0], year_list[-1]],
            "max_cells": limits.max_cells,
            "rate_limit": f"{limits.calls} calls / {limits.window:g} s",
        },
    )
    folder = provenance.write_fetched(raw, "scb", files, record)
    return FetchResult("scb", folder, list(files), rows, list(client.requests))
