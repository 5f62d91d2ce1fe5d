"""Writers of the public sources' file formats, shared by the synthetic data generators.

``scripts/make_example_data.py`` (the Gävleborg example files) and
``benchmarks/national_data.py`` (all 290 municipalities, for the report benchmark) make up
different numbers but write them in the same formats: SCB's PxWebApi v2 json-stat2
(table TAB638), BRÅ's semicolon-separated export and Kolada's v3 pages. Every file says
that it is example data (:data:`MARK`, :data:`NOTE`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

MARK = "EXEMPELDATA"
NOTE = (
    f"{MARK}: syntetiska uppgifter framtagna av scripts/make_example_data.py i vpanalysis. "
    "De beskriver inte verkligheten i någon kommun."
)
AGES = list(range(101))  # 100 means 100+


def write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def sv_int(n: int) -> str:
    """``12345`` -> ``"12 345"`` (space as thousands separator)."""
    return f"{n:,}".replace(",", " ")


def sv_dec(x: float, decimals: int = 1) -> str:
    """``1234.56`` -> ``"1 234,6"`` (decimal comma, space thousands separator)."""
    text = f"{x:,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",")


# ---------------------------------------------------------------- SCB (json-stat2)


def write_scb(
    path: Path,
    pop: dict[tuple[str, int], dict[tuple[int, str], int]],
    regions: Sequence[str],
    labels: dict[str, str],
    years: Sequence[int],
) -> None:
    """Population by region, age, sex and year (``pop[(region, year)][(age, sex)]``)."""
    age_codes = [str(a) for a in range(100)] + ["100+"]
    values = [
        pop[(region, year)][(age, sex)]
        for region in regions
        for age in AGES
        for sex in ("1", "2")
        for year in years
    ]

    def category(codes: list[str], names: dict[str, str]) -> dict:
        return {"index": {c: i for i, c in enumerate(codes)}, "label": names}

    body = {
        "version": "2.0",
        "class": "dataset",
        "label": f"{MARK} – Folkmängden efter region, ålder, kön, tabellinnehåll och år",
        "note": [NOTE, "Tabell TAB638 i SCB:s statistikdatabas (PxWebApi v2), json-stat2."],
        "source": "SCB (exempeldata)",
        "updated": "2025-02-21T07:00:00Z",
        "id": ["Region", "Alder", "Kon", "ContentsCode", "Tid"],
        "size": [len(regions), len(age_codes), 2, 1, len(years)],
        "dimension": {
            "Region": {"label": "region", "category": category(list(regions), labels)},
            "Alder": {
                "label": "ålder",
                "category": category(
                    age_codes, {c: ("100+ år" if c == "100+" else f"{c} år") for c in age_codes}
                ),
            },
            "Kon": {"label": "kön", "category": category(["1", "2"], {"1": "män", "2": "kvinnor"})},
            "ContentsCode": {
                "label": "tabellinnehåll",
                "category": category(["BE0101N1"], {"BE0101N1": "Folkmängd"}),
            },
            "Tid": {
                "label": "år",
                "category": category([str(y) for y in years], {str(y): str(y) for y in years}),
            },
        },
        "role": {"time": ["Tid"], "geo": ["Region"], "metric": ["ContentsCode"]},
        "extension": {"vpanalysis": {"example": True}},
        "value": values,
    }
    write_text(path, json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n")


# ---------------------------------------------------------------- BRÅ (csv export)


def write_bra(
    path: Path,
    rows: Iterable[tuple[str, int, dict[str, int], int]],
    order: Sequence[str],
    summed: Sequence[str],
) -> None:
    """Reported crimes; ``rows``: (region name, year, counts by category, inhabitants).

    ``order``: the categories in the export's order; ``summed``: those whose sum is the
    ``Totalt`` row (subcategories are not counted twice).
    """
    lines = [
        f"Anmälda brott efter region, år och brottskategori. {MARK} – syntetiska uppgifter, "
        "inte BRÅ:s statistik",
        "Region;År;Brottskategori;Antal;Per 100 000 inv.",
    ]
    for name, year, counts, inhabitants in rows:
        for category in order:
            if category not in counts:
                continue  # the category did not exist that year
            n = counts[category]
            rate = sv_dec(n / inhabitants * 100_000)
            lines.append(f"{name};{year};{category};{sv_int(n)};{rate}")
        total = sum(counts.get(c, 0) for c in summed)
        rate = sv_dec(total / inhabitants * 100_000)
        lines.append(f"{name};{year};Totalt;{sv_int(total)};{rate}")
    write_bytes(path, b"\xef\xbb\xbf" + ("\r\n".join(lines) + "\r\n").encode("utf-8"))


# ---------------------------------------------------------------- Kolada (v3 pages)


def kolada_entry(kpi: str, region: str, year: int, values: dict[str, float | None]) -> dict:
    """One KPI × municipality × year entry; a value of None is published as missing."""
    return {
        "kpi": kpi,
        "municipality": region,
        "period": year,
        "values": [
            {
                "count": 0 if value is None else 1,
                "gender": gender,
                "status": "Missing" if value is None else "",
                "value": value,
            }
            for gender, value in values.items()
        ],
    }


def write_kolada(entries: list[dict], per_page: int, base_url: str, path: str) -> list[Path]:
    """Kolada's pages of ``per_page`` entries linked by ``next_url``; returns their paths.

    ``path`` names page ``n`` with ``{n}``. Compact like the API, but one
    KPI × municipality × year entry a line.
    """
    count = max(1, -(-len(entries) // per_page))
    written = []
    for number in range(1, count + 1):
        page = entries[(number - 1) * per_page : number * per_page]
        following = number < count
        next_url = f"{base_url}?page={number + 1}&per_page={per_page}" if following else None
        head = {"note": NOTE, "count": len(entries)}
        text = json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1]
        text += ',"values":[\n'
        text += ",\n".join(json.dumps(e, ensure_ascii=False, separators=(",", ":")) for e in page)
        text += "\n],"
        text += '"next_url":' + json.dumps(next_url) + "}\n"
        json.loads(text)  # well-formed
        target = Path(path.format(n=number))
        write_text(target, text)
        written.append(target)
    return written
