"""``vpanalysis lab``: JupyterLab in a workspace, with the step notebooks set to it.

:func:`copy_notebooks` copies the packaged notebooks into the workspace's ``notebooks/``
with their parameters cell set to the workspace (municipality, comparison set, years, data
folder, threshold); copies already there are kept, since they may hold the analyst's own
edits. Reports always run the packaged notebooks, never these copies. :func:`command` is
the JupyterLab command line (``python -m jupyterlab`` of the running interpreter, so it
works alike on Windows, macOS and Linux).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat

from vpanalysis import catalogue
from vpanalysis.config import checkout_root, notebooks_dir
from vpanalysis.workspace import Workspace

_ASSIGNMENT = re.compile(r"^(?P<name>[A-Za-z_]\w*)\s*=\s*(?P<value>.*?)(?P<comment>\s+#.*)?$")


def target_dir(ws: Workspace) -> Path:
    """Where the copies go: ``<workspace>/notebooks`` (the example data: the checkout's
    ``notebooks/``, which git ignores)."""
    root = ws.root or checkout_root() or Path.cwd()
    return root / "notebooks"


def parameters(ws: Workspace, municipality: str | None = None) -> dict:
    """The parameters cell's values for ``ws`` (the first municipality unless named)."""
    return {
        "municipality_code": municipality or ws.municipalities[0],
        "comparison_codes": list(ws.comparison_codes),
        "years": [int(ws.years[0]), int(ws.years[1])],
        "data_dir": str(ws.data_dir),
        "disclosure_threshold": int(ws.threshold),
    }


def set_parameters(source: str, values: dict) -> str:
    """``source`` of a parameters cell with the assignments of ``values`` replaced (their
    comments kept); raises ValueError when one of them is not assigned there."""
    lines, seen = [], set()
    for line in source.splitlines():
        match = _ASSIGNMENT.match(line)
        if match and match["name"] in values:
            name = match["name"]
            seen.add(name)
            line = f"{name} = {json.dumps(values[name], ensure_ascii=False)}"
            line += match["comment"] or ""
        lines.append(line)
    missing = sorted(set(values) - seen)
    if missing:
        raise ValueError(f"the parameters cell does not assign {', '.join(missing)}")
    return "\n".join(lines)


def copy_notebooks(ws: Workspace, municipality: str | None = None) -> tuple[list, list]:
    """Copy every packaged notebook into :func:`target_dir` with its parameters set;
    returns (copied, kept) paths."""
    folder = target_dir(ws)
    folder.mkdir(parents=True, exist_ok=True)
    values = parameters(ws, municipality)
    copied, kept = [], []
    for spec in catalogue.REPORTS:
        target = folder / spec.notebook_name
        if target.exists():
            kept.append(target)
            continue
        nb = nbformat.read(notebooks_dir() / spec.notebook_name, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
                cell.source = set_parameters(cell.source, values)
                break
        else:
            raise ValueError(f"{spec.notebook_name}: no cell tagged 'parameters'")
        nbformat.write(nb, target)
        copied.append(target)
    return copied, kept


def command(ws: Workspace, extra: tuple[str, ...] = ()) -> list[str]:
    """The JupyterLab command for ``ws``: served from the workspace folder, opening its
    ``notebooks/``."""
    folder = target_dir(ws)
    return [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={folder.parent}",
        f"--LabApp.default_url=/lab/tree/{folder.name}",
        *extra,
    ]
