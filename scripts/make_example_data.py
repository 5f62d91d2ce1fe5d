"""Generate the synthetic example data set in ``data/raw/`` (seeded, byte-for-byte reproducible).

Every file is made up. It is written in the real format of its source (see
``data/raw/README.md``), so that a municipality can replace a file with its real
export and the same readers work. Every file says that it is example data: a title
line, a note or a workbook property with ``EXEMPELDATA``, and a name starting with
``exempel_``.

Usage::

    python scripts/make_example_data.py            # writes into data/raw/ of this checkout
    python scripts/make_example_data.py --out DIR  # writes the same files under DIR

Only the generated files (:data:`FILES`) are written; hand-written metadata (codebook,
KPI list, violence definition, category mapping, README) is not touched.

Randomness comes from :class:`random.Random` seeded with strings, using only
``random()``, whose sequence Python guarantees across versions; the distributions are
implemented here. Running the script twice gives identical bytes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import math
import random
import re
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from public_formats import (  # noqa: E402  (a module beside this script)
    AGES,
    MARK,
    NOTE,
    kolada_entry,
    sv_dec,
    sv_int,
    write_bytes,
    write_text,
)
from public_formats import write_bra as write_bra_export  # noqa: E402
from public_formats import write_kolada as write_kolada_pages  # noqa: E402
from public_formats import write_scb as write_json_stat  # noqa: E402

SEED = "vpanalysis-exempeldata-2025"
YEARS = list(range(2015, 2025))
SURVEY_YEARS = [2016, 2018, 2020, 2022, 2024]

#: Output files relative to data/raw.
FILES = {
    "bra": "bra/exempel_anmalda_brott_gavleborg_2015-2024.csv",
    "scb": "scb/exempel_TAB638_folkmangd_gavleborg_2015-2024.json",
    "kolada1": "kolada/exempel_kolada_sida1.json",
    "kolada2": "kolada/exempel_kolada_sida2.json",
    "socialtjanst": "socialtjanst/exempel_socialtjanst_vald_2015-2024.xlsx",
    "kvinnojour": "kvinnojour/exempel_kvinnojour_2015-2024.csv",
    "skolenkat": "skolenkat/exempel_skolenkat_2016-2024.csv",
}

# code: (name, population 2015, population 2024, profile, crime level relative to Sweden)
MUNICIPALITIES = {
    "2101": ("Ockelbo", 5_900, 5_800, "rural", 0.80),
    "2104": ("Hofors", 9_600, 9_400, "rural", 0.95),
    "2121": ("Ovanåker", 11_400, 11_500, "rural", 0.72),
    "2132": ("Nordanstig", 9_500, 9_300, "rural", 0.78),
    "2161": ("Ljusdal", 19_100, 18_900, "rural", 0.90),
    "2180": ("Gävle", 98_000, 103_500, "urban", 1.12),
    "2181": ("Sandviken", 38_100, 39_800, "town", 1.00),
    "2182": ("Söderhamn", 25_600, 25_200, "town", 1.02),
    "2183": ("Bollnäs", 26_300, 26_200, "town", 0.96),
    "2184": ("Hudiksvall", 37_000, 37_700, "town", 0.85),
}
COLLABORATING = ["2161", "2183", "2181"]
SWEDEN_POPULATION = [
    9_851_000,
    9_995_000,
    10_120_000,
    10_230_000,
    10_327_000,
    10_379_000,
    10_452_000,
    10_521_000,
    10_551_000,
    10_588_000,
]


# ---------------------------------------------------------------- randomness


class Rng:
    """Distributions on top of ``random.Random.random()`` (stable across Python versions)."""

    def __init__(self, name: str):
        self._r = random.Random(f"{SEED}/{name}")

    def u(self) -> float:
        return self._r.random()

    def normal(self, mu: float = 0.0, sd: float = 1.0) -> float:
        u1 = 1.0 - self.u()  # (0, 1]
        u2 = self.u()
        return mu + sd * math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)

    def poisson(self, lam: float) -> int:
        if lam <= 0:
            return 0
        if lam < 40:
            limit, k, p = math.exp(-lam), 0, self.u()
            while p > limit:
                k += 1
                p *= self.u()
            return k
        return max(0, round(self.normal(lam, math.sqrt(lam))))

    def binomial(self, n: int, p: float) -> int:
        if n <= 0 or p <= 0:
            return 0
        if n < 80:
            return sum(self.u() < p for _ in range(n))
        x = round(self.normal(n * p, math.sqrt(n * p * (1 - p))))
        return min(n, max(0, x))

    def bernoulli(self, p: float) -> bool:
        return self.u() < p

    def choice(self, options: list, weights: list[float]):
        total = sum(weights)
        x = self.u() * total
        for option, weight in zip(options, weights, strict=True):
            x -= weight
            if x < 0:
                return option
        return options[-1]


def expit(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def interpolate(knots: dict[int, float], x: float) -> float:
    keys = sorted(knots)
    if x <= keys[0]:
        return knots[keys[0]]
    for a, b in zip(keys, keys[1:], strict=False):
        if x <= b:
            return knots[a] + (knots[b] - knots[a]) * (x - a) / (b - a)
    return knots[keys[-1]]


def along(first: float, last: float, year: int) -> float:
    """Linear value between 2015 and 2024."""
    return first + (last - first) * (year - YEARS[0]) / (YEARS[-1] - YEARS[0])


# ---------------------------------------------------------------- population (SCB TAB638)

_AGE_WEIGHT = {
    0: 1.10,
    10: 1.18,
    18: 1.12,
    22: 1.22,
    30: 1.40,
    40: 1.28,
    50: 1.32,
    60: 1.18,
    70: 1.10,
    75: 1.02,
    80: 0.78,
    85: 0.50,
    90: 0.25,
    95: 0.08,
    99: 0.02,
    100: 0.012,
}
_PROFILE = {
    "urban": {0: 1.0, 18: 1.0, 20: 1.15, 30: 1.15, 40: 1.0, 60: 0.92, 80: 0.92, 100: 0.92},
    "town": {0: 1.0, 18: 1.0, 20: 0.85, 30: 0.90, 40: 0.98, 55: 1.08, 80: 1.10, 100: 1.10},
    "rural": {0: 0.94, 18: 0.96, 20: 0.68, 30: 0.75, 40: 0.92, 55: 1.20, 75: 1.30, 100: 1.30},
}
_MALE_SHARE = {0: 0.514, 20: 0.527, 30: 0.522, 50: 0.51, 65: 0.495, 75: 0.47, 85: 0.41, 95: 0.29}


def age_sex_distribution(profile: str, year: int) -> dict[tuple[int, str], float]:
    """Share of the population by (age, sex) with ``sex`` "1" (men) and "2" (women)."""
    ageing = 0.003 * (year - YEARS[0])
    weights = {}
    for age in AGES:
        w = interpolate(_AGE_WEIGHT, age) * interpolate(_PROFILE[profile], age)
        w *= 1.0 + ageing * (age - 45) / 45
        male = interpolate(_MALE_SHARE, age)
        weights[(age, "1")] = w * male
        weights[(age, "2")] = w * (1.0 - male)
    total = sum(weights.values())
    return {key: w / total for key, w in weights.items()}


def make_population() -> dict[tuple[str, int], dict[tuple[int, str], int]]:
    """Population by region (SCB code) and year -> {(age, sex): count}."""
    rng = Rng("population")
    result: dict[tuple[str, int], dict[tuple[int, str], int]] = {}
    for code, (_name, first, last, profile, _level) in MUNICIPALITIES.items():
        for year in YEARS:
            total = along(first, last, year) * (1 + rng.normal(0, 0.002))
            shares = age_sex_distribution(profile, year)
            result[(code, year)] = {
                key: max(0, round(total * s + rng.normal(0, math.sqrt(total * s) * 0.6)))
                for key, s in shares.items()
            }
    for year in YEARS:
        county: dict[tuple[int, str], int] = {}
        for code in MUNICIPALITIES:
            for key, n in result[(code, year)].items():
                county[key] = county.get(key, 0) + n
        result[("21", year)] = county
        total = SWEDEN_POPULATION[year - YEARS[0]]
        shares = age_sex_distribution("urban", year)
        result[("00", year)] = {
            key: round(total * s + rng.normal(0, math.sqrt(total * s))) for key, s in shares.items()
        }
    return result


def population_total(pop, region: str, year: int) -> int:
    return sum(pop[(region, year)].values())


def write_scb(pop, path: Path) -> None:
    regions = list(MUNICIPALITIES) + ["21", "00"]
    labels = {c: v[0] for c, v in MUNICIPALITIES.items()} | {
        "21": "Gävleborgs län",
        "00": "Riket",
    }
    write_json_stat(path, pop, regions, labels, YEARS)


# ---------------------------------------------------------------- BRÅ

# category: (Sweden per 100 000 in 2015, in 2024); subcategories are shares of their parent
BRA_CATEGORIES = {
    "Misshandel inkl. grov": (905, 835),
    "Grov fridskränkning": (16, 19),
    "Grov kvinnofridskränkning": (21, 17),
    "Olaga hot": (560, 640),
    "Våldtäkt inkl. grov": (60, 86),
    "Sexuellt ofredande": (108, 122),
    "Ofredande": (700, 760),
    "Rån inkl. grovt": (95, 70),
    "Mord, dråp och misshandel med dödlig utgång": (1.1, 1.1),
}
BRA_SUBCATEGORIES = {
    "Misshandel mot kvinna 18 år eller äldre": ("Misshandel inkl. grov", 0.33, 0.31),
    "Misshandel mot barn 0-17 år": ("Misshandel inkl. grov", 0.24, 0.30),
}
# Categories added later, drawn from their own random stream so that the counts above stay
# byte-for-byte the same: (Sweden per 100 000 in the first year, in 2024, first year).
# Barnfridsbrott exists from 1 July 2021 (no rows before; 2021 is half a year).
BRA_EXTRA = {
    "Olaga förföljelse": (12, 16, 2015),
    "Olaga integritetsintrång": (4, 9, 2018),
    "Barnfridsbrott": (6, 22, 2021),
}
# Sub-categories by sex and by the relation to the victim, from their own stream too.
BRA_EXTRA_SUBCATEGORIES = {
    "Misshandel mot man 18 år eller äldre": ("Misshandel inkl. grov", 0.40, 0.38),
    "Misshandel mot kvinna 18 år eller äldre i nära relation": (
        "Misshandel mot kvinna 18 år eller äldre",
        0.45,
        0.47,
    ),
    "Misshandel mot man 18 år eller äldre i nära relation": (
        "Misshandel mot man 18 år eller äldre",
        0.12,
        0.13,
    ),
}
BRA_ORDER = [
    "Misshandel inkl. grov",
    "Misshandel mot kvinna 18 år eller äldre",
    "Misshandel mot barn 0-17 år",
    "Misshandel mot kvinna 18 år eller äldre i nära relation",
    "Misshandel mot man 18 år eller äldre",
    "Misshandel mot man 18 år eller äldre i nära relation",
    "Grov fridskränkning",
    "Grov kvinnofridskränkning",
    "Barnfridsbrott",
    "Olaga förföljelse",
    "Olaga integritetsintrång",
    "Olaga hot",
    "Våldtäkt inkl. grov",
    "Sexuellt ofredande",
    "Ofredande",
    "Rån inkl. grovt",
    "Mord, dråp och misshandel med dödlig utgång",
]


def make_bra(pop) -> dict[tuple[str, int], dict[str, int]]:
    """Counts of reported crimes by region (SCB code) and year -> {category: count}."""
    rng = Rng("bra")
    result: dict[tuple[str, int], dict[str, int]] = {}
    regions = [(code, v[4]) for code, v in MUNICIPALITIES.items()] + [("00", 1.0)]
    for code, level in regions:
        for year in YEARS:
            inhabitants = population_total(pop, code, year)
            counts = {}
            for category, (first, last) in BRA_CATEGORIES.items():
                rate = along(first, last, year) * level
                counts[category] = rng.poisson(rate * inhabitants / 100_000)
            for sub, (parent, first, last) in BRA_SUBCATEGORIES.items():
                counts[sub] = rng.binomial(counts[parent], along(first, last, year))
            result[(code, year)] = counts
    extra = Rng("bra-extra")
    for code, level in regions:
        for year in YEARS:
            counts = result[(code, year)]
            inhabitants = population_total(pop, code, year)
            for category, (first, last, since) in BRA_EXTRA.items():
                if year < since:
                    continue
                part = 0.5 if category == "Barnfridsbrott" and year == 2021 else 1.0
                rate = along(first, last, year) * level * part
                counts[category] = extra.poisson(rate * inhabitants / 100_000)
            for sub, (parent, first, last) in BRA_EXTRA_SUBCATEGORIES.items():
                counts[sub] = extra.binomial(counts[parent], along(first, last, year))
    for year in YEARS:
        result[("21", year)] = {
            c: sum(result[(m, year)][c] for m in MUNICIPALITIES)
            for c in BRA_ORDER
            if c in result[(next(iter(MUNICIPALITIES)), year)]
        }
    return result


def write_bra(pop, crimes, path: Path) -> None:
    names = {c: v[0] for c, v in MUNICIPALITIES.items()} | {
        "21": "Gävleborgs län",
        "00": "Hela landet",
    }
    order = ["00", "21"] + sorted(MUNICIPALITIES, key=lambda c: MUNICIPALITIES[c][0])
    rows = []
    for code in order:
        for year in YEARS:
            name = names[code]
            if code == "2161" and year <= 2016:
                name = "Ljusdals kommun"  # older exports used the genitive form
            rows.append((name, year, crimes[(code, year)], population_total(pop, code, year)))
    write_bra_export(path, rows, BRA_ORDER, [*BRA_CATEGORIES, *BRA_EXTRA])


# ---------------------------------------------------------------- Kolada

KOLADA_REGIONS = list(MUNICIPALITIES) + ["0021", "0000"]
KPI_GENDERS = {
    "N07403": "T",
    "N07402": "T",
    "N02904": "T",
    "N15428": "TKM",
    "N00914": "TKM",
    "U01413": "TKM",
    "U09800": "T",
}


#: The BRÅ categories whose sum is Kolada's N07403 (reported violent crimes).
VIOLENT = [
    "Misshandel inkl. grov",
    "Grov fridskränkning",
    "Grov kvinnofridskränkning",
    "Våldtäkt inkl. grov",
    "Rån inkl. grovt",
    "Mord, dråp och misshandel med dödlig utgång",
]


def make_kolada(pop, crimes) -> list[dict]:
    rng = Rng("kolada")
    entries = []
    municipal_effect = {c: rng.normal(0, 1) for c in KOLADA_REGIONS}
    municipal_effect["0000"] = 0.0
    municipal_effect["0021"] = 0.4
    for kpi, genders in KPI_GENDERS.items():
        for region in KOLADA_REGIONS:
            scb = {"0021": "21", "0000": "00"}.get(region, region)
            for year in YEARS:
                e = municipal_effect[region]
                inhabitants = population_total(pop, scb, year)
                values: dict[str, float | None] = {}
                if kpi == "N07403":
                    n = sum(crimes[(scb, year)][c] for c in VIOLENT)
                    values["T"] = round(n / inhabitants * 100_000, 1)
                elif kpi == "N07402":
                    n = crimes[(scb, year)]["Grov kvinnofridskränkning"]
                    values["T"] = round(n / inhabitants * 100_000, 1)
                elif kpi == "N02904":
                    t = along(12.5, 10.2, year) + 1.6 * e + rng.normal(0, 0.4)
                    values["T"] = round(t, 1) if year < 2024 else None  # not yet published
                elif kpi == "N15428":
                    t = along(84.5, 85.5, year) - 2.0 * e + rng.normal(0, 1.8)
                    values = {"T": round(t, 1), "K": round(t + 1.5, 1), "M": round(t - 1.5, 1)}
                elif kpi == "N00914":
                    t = along(78.5, 80.5, year) - 1.2 * e + rng.normal(0, 0.3)
                    values = {"T": round(t, 1), "K": round(t - 1.8, 1), "M": round(t + 1.8, 1)}
                elif kpi == "U01413":
                    small = region in ("2101", "2132", "2104")
                    t = along(29.0, 31.0, year) + 1.5 * e + rng.normal(0, 0.8)
                    values = {
                        "T": None if small else round(t, 1),
                        "K": None if small else round(t - 1.0, 1),
                        "M": None if small else round(t + 1.0, 1),
                    }
                elif kpi == "U09800":
                    covid = 0.6 if year == 2020 else 0.8 if year == 2021 else 1.0
                    t = (31.0 - 2.5 * e + rng.normal(0, 0.8)) * covid
                    values["T"] = round(t, 1)
                entries.append(kolada_entry(kpi, region, year, {g: values[g] for g in genders}))
    return entries


def write_kolada(entries: list[dict], path1: Path, path2: Path) -> None:
    base = "https://api.kolada.se/v3/data/kpi/{kpis}/municipality/{ids}/year/{years}".format(
        kpis=",".join(KPI_GENDERS),
        ids=",".join(KOLADA_REGIONS),
        years=",".join(str(y) for y in YEARS),
    )
    pattern = str(path1).replace("sida1", "sida{n}")
    assert pattern.format(n=2) == str(path2)
    write_kolada_pages(entries, 500, base, pattern)


# ---------------------------------------------------------------- social services (Excel)

# category: [(age label, sex label, rate per 10 000 inhabitants of the whole municipality)]
SOC_ROWS = [
    ("Barn som bevittnat våld i nära relation", "0-17 år", "Flickor", 9.0),
    ("Barn som bevittnat våld i nära relation", "0-17 år", "Pojkar", 9.5),
    ("Barn utsatta för fysiskt våld", "0-17 år", "Flickor", 4.0),
    ("Barn utsatta för fysiskt våld", "0-17 år", "Pojkar", 5.0),
    ("Barn utsatta för sexuella övergrepp", "0-17 år", "Flickor", 1.6),
    ("Barn utsatta för sexuella övergrepp", "0-17 år", "Pojkar", 0.5),
    ("Barn utsatta för försummelse", "0-17 år", "Flickor", 6.0),
    ("Barn utsatta för försummelse", "0-17 år", "Pojkar", 6.5),
    ("Våld i nära relation – vuxna kvinnor", "18 år och äldre", "Kvinnor", 24.0),
    ("Våld i nära relation – vuxna män", "18 år och äldre", "Män", 5.0),
    ("Hedersrelaterat våld och förtryck", "0-17 år", "Flickor", 0.9),
    ("Hedersrelaterat våld och förtryck", "0-17 år", "Pojkar", 0.4),
    ("Hedersrelaterat våld och förtryck", "18 år och äldre", "Kvinnor", 0.8),
    ("Hedersrelaterat våld och förtryck", "18 år och äldre", "Män", 0.2),
    ("Ekonomiskt våld", "18 år och äldre", "Kvinnor", 3.5),
    ("Ekonomiskt våld", "18 år och äldre", "Män", 1.0),
]
# how each municipality delivers: marker for small counts, threshold, level, title form
SOC_STYLE = {
    "2161": ("", 0, 1.10, "Ljusdals kommun"),
    "2183": ("..", 3, 0.95, "Bollnäs kommun"),
    "2181": ("*", 4, 1.00, "Sandvikens kommun"),
}


def write_socialtjanst(pop, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    rng = Rng("socialtjanst")
    wb = Workbook()
    wb.remove(wb.active)
    for code in COLLABORATING:
        name = MUNICIPALITIES[code][0]
        marker, threshold, level, title = SOC_STYLE[code]
        ws = wb.create_sheet(name)
        ws.append([f"{MARK} – syntetiska uppgifter, inte verkliga ärenden"])
        ws.append(
            [
                f"{title}, individ- och familjeomsorgen: antal personer i orosanmälningar och "
                "ärenden som rör våld, per år"
            ]
        )
        ws.append([])
        ws.append(["Kategori", "Åldersgrupp", "Kön", *YEARS])
        ws["A1"].font = Font(bold=True)
        for cell in ws[4]:
            cell.font = Font(bold=True)
        first_data = ws.max_row + 1
        children_done = False
        for category, age, sex, rate in SOC_ROWS:
            if not children_done and age != "0-17 år":
                ws.append(["Summa barn", "", "", *_sum_formulas(first_data, ws.max_row)])
                children_done = True
            row: list[object] = [category, age, sex]
            for year in YEARS:
                trend = 1.0 + 0.04 * (year - YEARS[0])
                lam = rate * level * trend * population_total(pop, code, year) / 10_000
                n = rng.poisson(lam)
                if code == "2181" and category == "Ekonomiskt våld" and year <= 2016:
                    row.append(None)  # not registered before 2017
                elif marker and 0 < n < threshold:
                    row.append(marker)
                else:
                    row.append(n)
            ws.append(row)
        ws.append(["Summa", "", "", *_sum_formulas(first_data, ws.max_row)])
        ws.append([])
        note = "Källa: verksamhetssystemet, uttag 2025-01-31."
        if marker:
            note += f" {marker} = färre än {threshold} personer."
        ws.append([note])
        ws.column_dimensions["A"].width = 42
        ws.column_dimensions["B"].width = 16
    wb.properties.title = f"{MARK} – socialtjänstens ärenden om våld"
    wb.properties.subject = NOTE
    wb.properties.keywords = MARK
    wb.properties.creator = "vpanalysis scripts/make_example_data.py"
    wb.properties.lastModifiedBy = None
    wb.properties.created = dt.datetime(2025, 1, 31, 12, 0, 0)
    buffer = io.BytesIO()
    wb.save(buffer)
    write_bytes(path, _normalise_zip(buffer.getvalue()))


def _sum_formulas(first_row: int, last_row: int) -> list[str]:
    from openpyxl.utils import get_column_letter

    return [
        f"=SUM({get_column_letter(col)}{first_row}:{get_column_letter(col)}{last_row})"
        for col in range(4, 4 + len(YEARS))
    ]


def _normalise_zip(data: bytes) -> bytes:
    """Fixed timestamps inside the xlsx (zip entries and docProps/core.xml)."""
    fixed = "2025-01-31T12:00:00Z"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = content.decode("utf-8")
                text = re.sub(
                    r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rf"\g<1>{fixed}\2",
                    text,
                )
                content = text.encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=(2025, 1, 31, 12, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, content)
    return out.getvalue()


# ---------------------------------------------------------------- women's shelter

KJ_NAMES = {"2161": "Ljusdal", "2183": "Bollnäs", "2181": "Sandvikens kommun"}
KJ_FORMS = [
    ("fysiskt våld", 0.55, 0.50),
    ("psykiskt våld", 0.88, 0.92),
    ("sexuellt våld", 0.22, 0.27),
    ("ekonomiskt våld", 0.18, 0.24),
    ("digitalt våld", 0.08, 0.22),
    ("hedersrelaterat våld", 0.03, 0.04),
]


def write_kvinnojour(pop, path: Path) -> None:
    rng = Rng("kvinnojour")
    lines = [
        f"Kvinnojourens årsstatistik per kommun. {MARK} – syntetiska uppgifter",
        "Kommun;År;Uppgift;Antal;Andel av stödsökande kvinnor (%)",
    ]
    for code in COLLABORATING:
        for year in YEARS:
            if code == "2183" and year == 2019:
                continue  # the shelter did not deliver 2019 for Bollnäs
            inhabitants = population_total(pop, code, year)
            women = rng.poisson(23.0 * inhabitants / 10_000)
            calls = rng.poisson(7.0 * women)
            rows = [("Stödsamtal", calls, None), ("Stödsökande kvinnor", women, None)]
            for form, first, last in KJ_FORMS:
                n = rng.binomial(women, along(first, last, year))
                label = f"Stödsökande kvinnor – {form}"
                if code == "2161" and year == 2021 and form == "hedersrelaterat våld":
                    rows.append((label, "..", ".."))  # suppressed by the shelter
                else:
                    rows.append((label, n, 100.0 * n / women if women else None))
            sheltered = rng.binomial(women, 0.16)
            children_sheltered = rng.binomial(2 * sheltered, 0.55)
            nights = sum(rng.poisson(38.0) for _ in range(sheltered + children_sheltered))
            rows += [
                ("Barn som fått stöd", rng.binomial(2 * women, 0.22), None),
                ("Kvinnor i skyddat boende", sheltered, None),
                ("Barn i skyddat boende", children_sheltered, None),
                ("Dygn i skyddat boende", nights, None),
            ]
            for label, n, share in rows:
                n_text = n if isinstance(n, str) else sv_int(n)
                if share is None:
                    share_text = ""
                elif isinstance(share, str):
                    share_text = share
                else:
                    share_text = sv_dec(share)
                lines.append(f"{KJ_NAMES[code]};{year};{label};{n_text};{share_text}")
    write_bytes(path, ("\r\n".join(lines) + "\r\n").encode("cp1252"))


# ---------------------------------------------------------------- school survey

SURVEY_SIZE = {"2161": 300, "2183": 420, "2181": 600}
SURVEY_EFFECT = {"2161": 0.10, "2183": 0.0, "2181": 0.05}
SURVEY_COLUMNS = [
    "elev_id",
    "kommun",
    "ar",
    "arskurs",
    "kon",
    "utsatt_fysiskt",
    "utsatt_hot",
    "utsatt_sexuellt",
    "utsatt_mobbning",
    "utsatt_digitalt",
    "utsatt_vuxen_hemma",
    "utovat_vald",
    "risk_alkohol",
    "risk_skolk",
    "risk_normer",
    "risk_otrygg",
    "risk_kamrater",
    "skydd_vuxen",
    "skydd_trivs",
    "skydd_foraldrar",
    "skydd_fritid",
    "utsatt_trakasserier",
    "norm_kontroll",
    "norm_maskulinitet",
]


def _likert(rng: Rng, latent: float) -> int:
    """1..4 from a latent score (higher latent -> higher answer)."""
    x = latent + rng.normal(0, 1)
    return 1 if x < -0.9 else 2 if x < 0.3 else 3 if x < 1.4 else 4


def _times(rng: Rng, p: float) -> int:
    """0 = no, 1 = once, 2 = several times."""
    if not rng.bernoulli(p):
        return 0
    return 2 if rng.bernoulli(0.4) else 1


def make_survey() -> list[list[str]]:
    rng = Rng("skolenkat")
    later = Rng("skolenkat-kon")  # items added later: their own stream, the rest unchanged
    rows = []
    pupil = 0
    for year in SURVEY_YEARS:
        for code in COLLABORATING:
            for _ in range(SURVEY_SIZE[code] + rng.poisson(20)):
                pupil += 1
                grade = 1 if rng.bernoulli(0.52) else 2  # 1 = åk 9, 2 = gy 2
                sex = rng.choice([1, 2, 3, None], [0.485, 0.485, 0.02, 0.01])
                girl, boy = sex == 1, sex == 2
                older = grade == 2
                m = SURVEY_EFFECT[code] + 0.01 * (year - 2016)
                u = rng.normal(0, 1)  # latent vulnerability
                v = rng.normal(0, 1)  # latent family support
                alkohol = rng.bernoulli(expit(-1.9 + 1.3 * older + 0.7 * u + m))
                skolk = rng.bernoulli(expit(-2.1 + 0.3 * older + 0.7 * u + m))
                kamrater = rng.bernoulli(expit(-2.4 + 0.5 * boy + 0.8 * u + m))
                otrygg = rng.bernoulli(expit(-2.0 + 0.3 * girl + 0.5 * u))
                normer = _likert(rng, -0.6 + 0.6 * boy + 0.5 * u + 0.4 * kamrater)
                vuxen = rng.bernoulli(expit(1.3 + 0.8 * v - 0.3 * u))
                foraldrar = rng.bernoulli(expit(1.5 + 1.0 * v - 0.5 * older - 0.4 * u))
                trivs = _likert(rng, 0.6 + 0.5 * v - 0.5 * u - 0.6 * otrygg)
                fritid = rng.bernoulli(expit(0.5 + 0.4 * v - 0.4 * u - 0.3 * older - m))
                risk = 0.6 * alkohol + 0.5 * kamrater + 0.4 * skolk + 0.5 * otrygg - 0.4 * vuxen
                fysiskt = _times(rng, expit(-2.2 + 0.7 * boy + risk + 0.3 * u + m))
                hot = _times(rng, expit(-1.9 + 0.3 * boy + risk + 0.3 * u + m))
                sexuellt = _times(rng, expit(-2.6 + 1.5 * girl + 0.4 * older + risk + m))
                mobbning = _times(rng, expit(-2.0 + 0.2 * girl + 0.6 * otrygg + 0.4 * u))
                digitalt = _times(rng, expit(-2.1 + 0.6 * girl + 0.5 * risk + 0.3 * u))
                hemma = rng.bernoulli(expit(-2.8 - 0.8 * v + 0.4 * u + 0.2 * girl))
                utovat = _times(
                    rng, expit(-2.6 + 1.0 * boy + risk + 0.4 * (normer - 2) + 0.4 * fysiskt)
                )
                answers = [
                    fysiskt,
                    hot,
                    sexuellt,
                    mobbning,
                    digitalt,
                    int(hemma),
                    utovat,
                    int(alkohol),
                    int(skolk),
                    normer,
                    int(otrygg),
                    int(kamrater),
                    int(vuxen),
                    trivs,
                    int(foraldrar),
                    int(fritid),
                ]
                cells = []
                for index, answer in enumerate(answers):
                    if rng.bernoulli(0.025):
                        cells.append("")  # item non-response
                    elif index in (13, 9) and rng.bernoulli(0.01):
                        cells.append("9")  # "vet inte"
                    else:
                        cells.append(str(answer))
                # gender norms (accepted more often by boys) and sexual harassment
                kontroll = _likert(later, -1.2 + 0.9 * boy + 0.3 * u + 0.3 * (normer - 2))
                maskulinitet = _likert(later, -0.5 + 1.0 * boy + 0.3 * u + 0.3 * kamrater)
                trakasserier = _times(later, expit(-1.6 + 1.4 * girl + 0.3 * older + risk + m))
                for index, answer in enumerate((trakasserier, kontroll, maskulinitet)):
                    if later.bernoulli(0.025):
                        cells.append("")
                    elif index > 0 and later.bernoulli(0.01):
                        cells.append("9")
                    else:
                        cells.append(str(answer))
                row = [str(pupil), code, str(year), str(grade), "" if sex is None else str(sex)]
                rows.append(row + cells)
    return rows


def write_survey(path: Path) -> None:
    lines = [f"{MARK} – syntetiska enkätsvar, inte en verklig skolenkät"]
    lines.append(";".join(SURVEY_COLUMNS))
    lines += [";".join(row) for row in make_survey()]
    write_text(path, "\n".join(lines) + "\n")


# ---------------------------------------------------------------- writing


def generate(out: Path) -> list[Path]:
    """Write every generated file under ``out`` (a data/raw folder); return their paths."""
    out = Path(out)
    paths = {key: out / rel for key, rel in FILES.items()}
    pop = make_population()
    crimes = make_bra(pop)
    write_scb(pop, paths["scb"])
    write_bra(pop, crimes, paths["bra"])
    write_kolada(make_kolada(pop, crimes), paths["kolada1"], paths["kolada2"])
    write_socialtjanst(pop, paths["socialtjanst"])
    write_kvinnojour(pop, paths["kvinnojour"])
    write_survey(paths["skolenkat"])
    return list(paths.values())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parents[1] / "data" / "raw"
    parser.add_argument("--out", type=Path, default=default, help="data/raw folder to write")
    args = parser.parse_args(argv)
    for path in generate(args.out):
        print(path)


if __name__ == "__main__":
    main()
