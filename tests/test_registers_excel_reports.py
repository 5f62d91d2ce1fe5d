"""Excel registers produce the same reports as the CSV/YAML files: steps 1, 4 and 5 rendered
for Ljusdal from a data folder whose registers are only ``register.xlsx`` read the same as
the session's reports from the committed CSV/YAML registers (``rendered_reports``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import REPORT_MUNICIPALITY, report_html

from vpanalysis import baseline
from vpanalysis import registers as r
from vpanalysis.runner import make_job, render

pytestmark = pytest.mark.slow

STEPS = (1, 4, 5)


def visible_text(html: str) -> str:
    """The text a reader sees: no scripts, styles or markup, whitespace collapsed."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "head"]):
        tag.decompose()
    return re.sub(r"\s+", " ", soup.get_text(" ")).strip()


def render_steps(data_dir: Path, out: Path) -> dict[int, str]:
    out.mkdir(parents=True, exist_ok=True)
    jobs = [make_job(step, REPORT_MUNICIPALITY, out, data_dir=str(data_dir)) for step in STEPS]
    baseline.freeze_for(jobs)
    pages = {}
    for job in jobs:
        log = out / f"{job.stem}.log"
        result = render(job, log_path=log)
        if result.status != "ok":
            pytest.fail(f"step {job.step} failed: {result.message}\n{log.read_text()[-3000:]}")
        pages[job.step] = visible_text(job.html_path.read_text(encoding="utf-8"))
    return pages


def test_reports_from_the_workbook_read_as_from_the_csv_files(
    rendered_reports, built_copy, tmp_path
):
    """The session's reports (from the CSV/YAML registers) against the same steps rendered
    from a copy of the data whose registers are only register.xlsx."""
    folder = built_copy / "raw" / "registers"
    r.write_workbook(folder / r.WORKBOOK, r.load_registers(folder))
    for name in r.REGISTER_FILES.values():
        (folder / name).unlink()
    assert sorted(p.name for p in folder.iterdir()) == ["README.md", r.WORKBOOK]

    from_xlsx = render_steps(built_copy, tmp_path / "out-xlsx")
    for step in STEPS:
        a = visible_text(report_html(rendered_reports, step))
        b = from_xlsx[step]
        assert len(a) > 2000, step
        if a != b:
            at = next(i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y)
            pytest.fail(
                f"step {step} differs at {at}:\nCSV:  {a[at - 200 : at + 200]}\n"
                f"XLSX: {b[at - 200 : at + 200]}"
            )
    # the registers reached the reports (not two empty reports)
    assert "Mentorer i våldsprevention (MVP)" in from_xlsx[4]
    assert "Polisen, lokalpolisområdet" in from_xlsx[1]
