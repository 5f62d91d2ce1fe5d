"""Kolada API v3 response bodies and the KPI metadata list.

``GET https://api.kolada.se/v3/data/kpi/{kpis}/municipality/{ids}/year/{years}`` returns::

    {"values": [{"kpi": "N07403", "municipality": "2161", "period": 2023,
                 "values": [{"gender": "T", "value": 812.4, "status": "", "count": 1}]}],
     "next_url": "https://api.kolada.se/v3/...&page=2"}

Save every page of a response as its own ``.json`` file (the API returns at most a page of
values per request and at most 25 municipality ids a request; ``next_url`` is ``null`` on
the last page). Riket is ``0000``, a county ``00`` + county code (Gävleborg ``0021``).
``value`` is ``null`` where Kolada has no value; the row is kept with ``<NA>`` and its
``status`` (e.g. ``"Missing"``).

``kpis.csv`` (``;``, UTF-8) lists the KPIs a municipality follows: ``kpi``, ``title``,
``kind`` (``violence``/``risk``/``protective``), ``polarity`` (``higher_worse``/
``higher_better``; ``low_is_good``/``high_is_good`` are read as these), ``level``
(socio-ecological: ``individ``, ``relation``, ``närmiljö``, ``samhälle``; empty for
violence KPIs), ``unit``, ``note``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from vpanalysis.errors import DataError
from vpanalysis.io import local_tables as lt
from vpanalysis.io.conventions import display_path
from vpanalysis.io.pxweb import load_json

KPI_PATTERN = re.compile(r"^[NU]\d{5}$")
GENDERS = ("T", "K", "M")
KINDS = ("violence", "risk", "protective")
POLARITIES = ("higher_worse", "higher_better")
#: Other spellings of the polarity that are accepted and stored canonically.
POLARITY_ALIASES = {
    "low_is_good": "higher_worse",
    "high_is_good": "higher_better",
    "högre sämre": "higher_worse",
    "högre bättre": "higher_better",
}
LEVELS = ("individ", "relation", "närmiljö", "samhälle")


def parse_kolada(body: Mapping, *, file: str = "<kolada>") -> pd.DataFrame:
    """One Kolada v3 body -> long table (see :func:`read_kolada` for the columns)."""
    if not isinstance(body, Mapping) or not isinstance(body.get("values"), list):
        raise DataError('not a Kolada response (no "values" list)', file=file)
    rows = []
    for i, entry in enumerate(body["values"]):
        where = f"values[{i}]"
        try:
            kpi = str(entry["kpi"])
            municipality = str(entry["municipality"])
            period = entry["period"]
            genders = entry["values"]
        except (KeyError, TypeError):
            raise DataError(
                "an entry needs kpi, municipality, period and values", file=file, column=where
            ) from None
        try:
            year = int(str(period)[:4])
        except ValueError:
            raise DataError("period is not a year", file=file, column=where, value=period) from None
        for j, item in enumerate(genders):
            gender = str(item.get("gender", "T"))
            if gender not in GENDERS:
                raise DataError(
                    "gender must be T, K or M",
                    file=file,
                    column=f"{where}.values[{j}]",
                    value=gender,
                )
            value = item.get("value")
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | float)
            ):
                raise DataError(
                    "value is not a number", file=file, column=f"{where}.values[{j}]", value=value
                )
            rows.append(
                (
                    kpi,
                    municipality,
                    year,
                    gender,
                    value,
                    item.get("status") or "",
                    item.get("count"),
                    where,
                )
            )
    frame = pd.DataFrame(
        rows,
        columns=["kpi", "municipality", "period", "gender", "value", "status", "count", "_entry"],
    )
    return frame.astype(
        {
            "kpi": "string",
            "municipality": "string",
            "period": "int64",
            "gender": "string",
            "value": "Float64",
            "status": "string",
            "count": "Int64",
            "_entry": "string",
        }
    ).assign(_file=file)


def read_kolada(paths: str | os.PathLike | Iterable[str | os.PathLike]) -> pd.DataFrame:
    """Saved Kolada v3 bodies (one or more pages) -> one long table.

    Columns: ``kpi``, ``municipality`` (Kolada id as text: ``"2161"``, ``"0021"``,
    ``"0000"``), ``period`` (int64), ``gender`` (``T``/``K``/``M``), ``value`` (Float64,
    ``<NA>`` for null), ``status`` (``""`` or e.g. ``"Missing"``), ``count`` (Int64),
    ``_file``, ``_entry`` (where in the file, ``values[12]``).
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    frames = []
    for path in paths:
        shown = display_path(path)
        frames.append(parse_kolada(load_json(path), file=shown))
    if not frames:
        raise DataError("no Kolada files given")
    return pd.concat(frames, ignore_index=True)


def next_urls(paths: Iterable[str | os.PathLike]) -> dict[str, str | None]:
    """``next_url`` of each saved page (a non-null one means a later page exists)."""
    return {display_path(p): load_json(p).get("next_url") for p in paths}


def read_kpis(path: str | os.PathLike) -> pd.DataFrame:
    """The KPI metadata list ``kpis.csv`` (see module docstring), validated."""
    path = Path(path)
    raw = lt.read_table(path, ["kpi", "title", "kind", "polarity"])
    for column in ("level", "unit", "note"):
        if column not in raw.columns:
            raw[column] = ""
    raw["polarity"] = raw["polarity"].map(lambda p: POLARITY_ALIASES.get(p.strip().lower(), p))
    for position, row in enumerate(raw.itertuples(index=False)):
        where = lt.where(raw, position)
        if not KPI_PATTERN.match(row.kpi):
            raise DataError(
                "a Kolada KPI id is N or U and five digits", **where, column="kpi", value=row.kpi
            )
        if row.kind not in KINDS:
            raise DataError(
                f"kind must be one of {', '.join(KINDS)}", **where, column="kind", value=row.kind
            )
        if row.polarity not in POLARITIES:
            raise DataError(
                f"polarity must be one of {', '.join(POLARITIES)}",
                **where,
                column="polarity",
                value=row.polarity,
            )
        if row.level and row.level not in LEVELS:
            raise DataError(
                f"level must be empty or one of {', '.join(LEVELS)}",
                **where,
                column="level",
                value=row.level,
            )
    duplicated = raw["kpi"].duplicated()
    if duplicated.any():
        position = int(duplicated.to_numpy().nonzero()[0][0])
        raise DataError(
            "the KPI is listed twice",
            **lt.where(raw, position),
            column="kpi",
            value=raw["kpi"].iloc[position],
        )
    columns = ["kpi", "title", "kind", "polarity", "level", "unit", "note"]
    return raw[columns].astype("string").reset_index(drop=True)
