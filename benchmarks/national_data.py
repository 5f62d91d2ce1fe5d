"""Synthetic national-size public data for the report benchmark: all 290 municipalities.

:func:`write_national` replaces the example BRÅ, SCB and Kolada files of a ``data/raw``
copy with files of the same formats that cover every municipality, every county and
Sweden (the example files cover Gävleborg only). The local sources (social services,
women's shelter, school survey, registers) stay as they are: most municipalities have
none, as in a national run. Everything is made up and marked ``EXEMPELDATA``; the
randomness and the formats come from ``scripts/make_example_data.py``.
"""

from __future__ import annotations

import csv
import importlib.util
import math
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _script(name: str):
    """``scripts/<name>.py`` as a module."""
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _reference(raw: Path, name: str) -> list[dict]:
    with open(raw / "reference" / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def municipalities(raw: Path) -> dict[str, tuple[str, str]]:
    """``{code: (name, county code)}`` for all 290 municipalities."""
    return {
        r["municipality_code"]: (r["municipality"], r["county_code"])
        for r in _reference(raw, "municipalities.csv")
    }


def write_national(raw: Path) -> list[Path]:
    """Write the national BRÅ, SCB and Kolada files into ``raw``; returns their paths."""
    ex = _script("make_example_data")  # the randomness and the example's constants
    fmt = _script("public_formats")  # the file formats
    raw = Path(raw)
    places = municipalities(raw)
    counties = {r["county_code"]: r["county"] for r in _reference(raw, "counties.csv")}
    rng = ex.Rng("national")

    # size, growth, profile and crime level of each municipality
    shape = {}
    for code in places:
        first = min(990_000, max(2_400, round(math.exp(rng.normal(math.log(16_000), 0.95)))))
        last = round(first * (1 + rng.normal(0.03, 0.04)))
        profile = "urban" if first > 80_000 else "town" if first > 20_000 else "rural"
        shape[code] = (first, last, profile, min(1.6, max(0.5, rng.normal(1.0, 0.15))))

    # population (SCB TAB638): municipalities, then counties and Sweden as their sums
    pop: dict[tuple[str, int], dict[tuple[int, str], int]] = {}
    for code, (first, last, profile, _level) in shape.items():
        for year in ex.YEARS:
            total = ex.along(first, last, year) * (1 + rng.normal(0, 0.002))
            pop[(code, year)] = {
                key: max(0, round(total * s + rng.normal(0, math.sqrt(total * s) * 0.6)))
                for key, s in ex.age_sex_distribution(profile, year).items()
            }
    groups = {c: [m for m, (_, county) in places.items() if county == c] for c in counties}
    groups["00"] = list(places)
    for region, members in groups.items():
        for year in ex.YEARS:
            summed: dict[tuple[int, str], int] = {}
            for m in members:
                for key, n in pop[(m, year)].items():
                    summed[key] = summed.get(key, 0) + n
            pop[(region, year)] = summed

    def inhabitants(region: str, year: int) -> int:
        return sum(pop[(region, year)].values())

    # reported crimes (BRÅ)
    crimes: dict[tuple[str, int], dict[str, int]] = {}
    for code, (_f, _l, _p, level) in shape.items():
        for year in ex.YEARS:
            counts = {}
            for category, (first, last) in ex.BRA_CATEGORIES.items():
                rate = ex.along(first, last, year) * level
                counts[category] = rng.poisson(rate * inhabitants(code, year) / 100_000)
            for sub, (parent, first, last) in ex.BRA_SUBCATEGORIES.items():
                counts[sub] = rng.binomial(counts[parent], ex.along(first, last, year))
            # the categories added later, as the example data has them (from a year on)
            for category, (first, last, since) in ex.BRA_EXTRA.items():
                if year < since:
                    continue
                part = 0.5 if category == "Barnfridsbrott" and year == 2021 else 1.0
                rate = ex.along(first, last, year) * level * part
                counts[category] = rng.poisson(rate * inhabitants(code, year) / 100_000)
            for sub, (parent, first, last) in ex.BRA_EXTRA_SUBCATEGORIES.items():
                counts[sub] = rng.binomial(counts[parent], ex.along(first, last, year))
            crimes[(code, year)] = counts
    for region, members in groups.items():
        for year in ex.YEARS:
            present = crimes[(members[0], year)]
            crimes[(region, year)] = {
                c: sum(crimes[(m, year)][c] for m in members) for c in ex.BRA_ORDER if c in present
            }

    regions = [*places, *counties, "00"]
    names = {c: n for c, (n, _) in places.items()} | counties | {"00": "Hela landet"}
    paths = []

    # SCB, PxWebApi v2 json-stat2
    path = raw / "scb" / "exempel_TAB638_folkmangd_riket_2015-2024.json"
    fmt.write_scb(path, pop, regions, names | {"00": "Riket"}, ex.YEARS)
    paths.append(path)

    # BRÅ export
    rows = [
        (names[region], year, crimes[(region, year)], inhabitants(region, year))
        for region in ["00", *counties, *sorted(places, key=lambda c: places[c][0])]
        for year in ex.YEARS
    ]
    path = raw / "bra" / "exempel_anmalda_brott_riket_2015-2024.csv"
    fmt.write_bra(path, rows, ex.BRA_ORDER, [*ex.BRA_CATEGORIES, *ex.BRA_EXTRA])
    paths.append(path)

    # Kolada v3, pages of 5000 values linked by next_url
    kolada_regions = [*places, *(f"00{c}" for c in counties), "0000"]
    effect = {r: rng.normal(0, 1) for r in kolada_regions} | {"0000": 0.0}
    entries = []
    for kpi, genders in ex.KPI_GENDERS.items():
        for region in kolada_regions:
            # Kolada's county codes are "00" + SCB's; Sweden is "0000" and "00"
            scb_code = region[2:] if region.startswith("00") else region
            for year in ex.YEARS:
                e, people = effect[region], inhabitants(scb_code, year)
                t = {
                    "N07403": sum(crimes[(scb_code, year)][c] for c in ex.VIOLENT) / people * 1e5,
                    "N07402": crimes[(scb_code, year)]["Grov kvinnofridskränkning"] / people * 1e5,
                    "N02904": ex.along(12.5, 10.2, year) + 1.6 * e + rng.normal(0, 0.4),
                    "N15428": ex.along(84.5, 85.5, year) - 2.0 * e + rng.normal(0, 1.8),
                    "N00914": ex.along(78.5, 80.5, year) - 1.2 * e + rng.normal(0, 0.3),
                    "U01413": ex.along(29.0, 31.0, year) + 1.5 * e + rng.normal(0, 0.8),
                    "U09800": 31.0 - 2.5 * e + rng.normal(0, 0.8),
                }[kpi]
                offsets = {"T": 0.0, "K": 1.5, "M": -1.5}
                missing = kpi == "N02904" and year == 2024
                values = {g: None if missing else round(t + offsets[g], 1) for g in genders}
                entries.append(fmt.kolada_entry(kpi, region, year, values))
    base = f"https://api.kolada.se/v3/data/kpi/{','.join(ex.KPI_GENDERS)}"
    pattern = str(raw / "kolada" / "exempel_kolada_riket_sida{n}.json")
    paths += fmt.write_kolada(entries, 5000, base, pattern)
    return paths


def replace_public_sources(raw: Path) -> list[Path]:
    """Remove the Gävleborg example files of BRÅ, SCB and Kolada; write national ones."""
    raw = Path(raw)
    for folder, pattern in (("bra", "exempel_*"), ("scb", "exempel_*"), ("kolada", "exempel_*")):
        for old in (raw / folder).glob(pattern):
            old.unlink()
    return write_national(raw)
