"""Project paths and settings.

The project root is found from the package location (a source checkout) and can be
overridden with the environment variable ``VPANALYSIS_ROOT``; the data folder
with ``VPANALYSIS_DATA``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: The collaborating municipalities of the seed text: Ljusdal, Bollnäs, Sandviken.
COLLABORATING = ("2161", "2183", "2181")
#: Default disclosure threshold: counts of persons 1..threshold-1 are never published.
DISCLOSURE_THRESHOLD = 5
#: Years covered by the example data set.
DEFAULT_YEARS = (2015, 2024)
#: Region codes in Kolada style, used in every tidy table: Sweden and counties.
SWEDEN_CODE = "0000"
#: Local sources: counts of persons from them are protected before publication.
LOCAL_SOURCES = ("socialtjanst", "kvinnojour", "skolenkat")


@dataclass(frozen=True)
class Paths:
    """Where things live. All derived from one root so tests can point it elsewhere."""

    root: Path
    data: Path

    @property
    def raw(self) -> Path:
        return self.data / "raw"

    @property
    def processed(self) -> Path:
        return self.data / "processed"

    @property
    def baseline(self) -> Path:
        """``data/baseline``: the frozen baselines, user state kept beside ``raw/`` (never
        rebuilt or cleaned away like ``processed/``)."""
        return self.data / "baseline"

    @property
    def reference(self) -> Path:
        return self.raw / "reference"

    @property
    def notebooks(self) -> Path:
        return self.root / "notebooks"

    @property
    def reports(self) -> Path:
        return self.root / "reports"


def project_root() -> Path:
    env = os.environ.get("VPANALYSIS_ROOT")
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parents[1]


def get_paths(data_dir: str | os.PathLike | None = None) -> Paths:
    """Paths of the project; ``data_dir`` (or ``VPANALYSIS_DATA``) overrides the data folder."""
    root = project_root()
    data = data_dir or os.environ.get("VPANALYSIS_DATA") or root / "data"
    return Paths(root=root, data=Path(data).resolve())
