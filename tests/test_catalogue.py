"""The report catalogue is the one list of reports: notebooks, registers, README agree."""

from __future__ import annotations

from pathlib import Path

import pytest

from vpanalysis import catalogue, registers

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("spec", catalogue.REPORTS, ids=lambda s: s.slug)
def test_every_report_has_its_notebook(spec):
    assert (REPO / "vpanalysis" / "notebooks" / spec.notebook_name).is_file()


def test_every_notebook_is_in_the_catalogue():
    slugs = {p.stem for p in (REPO / "vpanalysis" / "notebooks").glob("*.ipynb")}
    assert slugs == {r.slug for r in catalogue.REPORTS}


def test_handbook_steps_are_one_to_five_and_the_comparison_belongs_to_none():
    assert sorted(catalogue.HANDBOOK_STEPS) == [1, 2, 3, 4, 5]
    assert catalogue.get(0).step is None
    assert list(registers.STEPS.values) == list(catalogue.HANDBOOK_STEPS)
    assert registers.STEPS.labels == catalogue.HANDBOOK_STEPS


def test_readme_lists_the_catalogue():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for spec in catalogue.REPORTS:
        assert f"vpanalysis/notebooks/{spec.notebook_name}" in readme, spec.slug
        if spec.step is not None:
            assert (
                f"{spec.step}. {spec.step_name} — `vpanalysis/notebooks/{spec.notebook_name}`"
                in readme
            )


def test_unknown_report_is_a_clear_error():
    with pytest.raises(KeyError, match="choose one of 0, 1, 2, 3, 4, 5"):
        catalogue.get(9)
