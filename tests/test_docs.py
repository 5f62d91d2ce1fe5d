"""The documentation follows the code: generated tables, register pages, API coverage.

The site itself is built by ``make docs`` (part of ``make test``) with warnings as errors;
these checks are the fast part.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from vpanalysis import catalogue, registers

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

import sphinx  # noqa: E402,F401 - a dev dependency: the docs checks never skip

sys.path.insert(0, str(DOCS / "_ext"))
import vpdocs  # noqa: E402


def test_catalogue_table_lists_every_report():
    rows = vpdocs.catalogue_rows()
    assert [r[0] for r in rows] == [str(r.id) for r in catalogue.REPORTS]
    for row, spec in zip(rows, catalogue.REPORTS, strict=True):
        assert row[1] == f"vpanalysis/notebooks/{spec.slug}.ipynb"
        assert row[2] == spec.title
        assert (spec.step is None) == (row[3] == "–")
        if spec.step is not None:
            assert row[3] == f"{spec.step}: {spec.step_name}"


def test_catalogue_page_uses_the_generated_table():
    assert "{vp-catalogue}" in (DOCS / "catalogue.md").read_text(encoding="utf-8")


def test_every_register_has_its_column_table():
    page = (DOCS / "registers.md").read_text(encoding="utf-8")
    listed = re.findall(r"\{vp-register-columns\}\s+(\w+)", page)
    assert sorted(listed) == sorted(registers.SPECS)
    for name in registers.SPECS:
        rows = vpdocs.register_rows(name)
        assert [r[0] for r in rows] == [c.name for c in registers.SPECS[name]]
        assert all(r[1] for r in rows), f"{name}: a column kind without a description"


def test_every_module_is_in_the_api_reference():
    """A new module gets an ``automodule`` entry in one of the pages of docs/api/."""
    documented = set()
    for page in (DOCS / "api").glob("*.md"):
        documented |= set(re.findall(r"automodule::\s+([\w.]+)", page.read_text("utf-8")))
    package = ROOT / "vpanalysis"
    modules = set()
    for path in package.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules.add(".".join(parts))
    missing = sorted(modules - documented)
    assert not missing, f"add these modules to a page of docs/api/: {missing}"
    unknown = sorted(documented - modules)
    assert not unknown, f"docs/api/ documents modules that do not exist: {unknown}"
