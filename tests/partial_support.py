"""Crafted data folders with part of the example data, for the missing-data report tests.

Each helper takes a data folder holding a copy of ``data/raw`` (:func:`conftest.copy_raw`)
and removes or cuts one source, the way a municipality's first real data look.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def drop_source(data: Path, source: str) -> None:
    """Remove every data file of a source folder (the folder stays, empty)."""
    folder = data / "raw" / source
    shutil.rmtree(folder)
    folder.mkdir()


def bra_years(data: Path, years: set[int]) -> None:
    """Keep only ``years`` in the example BRÅ file (title and header rows kept)."""
    (path,) = (data / "raw" / "bra").glob("exempel_*.csv")
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    kept = lines[:2] + [ln for ln in lines[2:] if int(ln.split(";")[1]) in years]
    path.write_text("\ufeff" + "\n".join(kept) + "\n", encoding="utf-8")


def bra_one_year_fetched(data: Path) -> None:
    """As the README's first step: one year (2023) of one category fetched from BRÅ, for
    two municipalities only (no county, no Sweden), replacing the example file."""
    from vpanalysis.fetch import bra

    bra.fetch_bra(
        str(FIXTURES / "bra_kommun_2023.csv"),
        year=2023,
        category="Misshandel inkl. grov",
        data_dir=data,
    )


def kolada_only(data: Path, municipality: str) -> None:
    """Keep only ``municipality``'s values in the example Kolada pages."""
    for path in (data / "raw" / "kolada").glob("exempel_*.json"):
        page = json.loads(path.read_text(encoding="utf-8"))
        page["values"] = [v for v in page["values"] if v["municipality"] == municipality]
        page["count"] = len(page["values"])
        path.write_text(json.dumps(page, ensure_ascii=False), encoding="utf-8")


def survey_one_year(data: Path, year: int) -> None:
    """Keep only one survey year in the example school survey."""
    (path,) = (data / "raw" / "skolenkat").glob("exempel_*.csv")
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    header = lines[1].split(";")
    col = header.index("ar")
    kept = lines[:2] + [ln for ln in lines[2:] if ln.split(";")[col] == str(year)]
    path.write_text("\ufeff" + "\n".join(kept) + "\n", encoding="utf-8")
