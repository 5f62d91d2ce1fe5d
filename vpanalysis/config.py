"""Project paths and settings.

The project root is found from the package location (a source checkout; for an installed
package the current folder) and can be overridden with the environment variable
``VPANALYSIS_ROOT``; the data folder with ``VPANALYSIS_DATA`` (the command line sets it to
the workspace's ``data/``, see :mod:`vpanalysis.workspace`).

What a run needs besides the data ships with the package (:func:`resources_dir`): the
notebooks (``vpanalysis/notebooks``), the report template, and the files a new workspace
starts from (definitions, reference lists, the KPI list and the survey codebook). In a
checkout these are the example workspace's own files under ``data/raw``; a wheel carries a
copy of them in ``vpanalysis/resources`` (made by ``setup.py`` when the wheel is built).
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


#: The package folder (``vpanalysis/``).
PACKAGE_DIR = Path(__file__).resolve().parent
#: The files a workspace starts from, relative to ``data/raw`` (shipped with the package).
RESOURCE_FILES = (
    "definitions/violence_definition.yaml",
    "definitions/category_mapping.csv",
    "reference/municipalities.csv",
    "reference/counties.csv",
    "kolada/kpis.csv",
    "skolenkat/codebook.csv",
)


def checkout_root() -> Path | None:
    """The source checkout holding the package (with its example ``data/``), or None for an
    installed package."""
    root = PACKAGE_DIR.parent
    if (root / "pyproject.toml").is_file() and (root / "data" / "raw").is_dir():
        return root
    return None


def resources_dir() -> Path:
    """The folder holding :data:`RESOURCE_FILES`: ``vpanalysis/resources`` in a wheel,
    the checkout's ``data/raw`` otherwise."""
    packaged = PACKAGE_DIR / "resources"
    if packaged.is_dir():
        return packaged
    root = checkout_root()
    return (root or PACKAGE_DIR.parent) / "data" / "raw"


def notebooks_dir() -> Path:
    """The packaged step notebooks (``vpanalysis/notebooks``)."""
    return PACKAGE_DIR / "notebooks"


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
        """``raw/reference`` of the data folder when it has one, else the packaged lists."""
        own = self.raw / "reference"
        return own if own.is_dir() else resources_dir() / "reference"

    @property
    def notebooks(self) -> Path:
        """The notebooks reports run: the packaged ones, or ``<root>/notebooks`` when a
        stand-in project root (``VPANALYSIS_ROOT``) has such a folder (tests)."""
        own = self.root / "notebooks"
        stand_in = bool(os.environ.get("VPANALYSIS_ROOT")) and own.is_dir()
        return own if stand_in else notebooks_dir()

    @property
    def reports(self) -> Path:
        return self.root / "reports"


def project_root() -> Path:
    """``VPANALYSIS_ROOT``, else the checkout, else (an installed package) the current folder."""
    env = os.environ.get("VPANALYSIS_ROOT")
    if env:
        return Path(env).resolve()
    return checkout_root() or Path.cwd().resolve()


def get_paths(data_dir: str | os.PathLike | None = None) -> Paths:
    """Paths of the project; ``data_dir`` (or ``VPANALYSIS_DATA``) overrides the data folder."""
    root = project_root()
    data = data_dir or os.environ.get("VPANALYSIS_DATA") or root / "data"
    return Paths(root=root, data=Path(data).resolve())
