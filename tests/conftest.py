"""Shared fixtures: copies of data/raw in tmp_path, and one built copy per test session.

Tests never write into the repository's own data/processed: they copy data/raw into a
temporary ``data`` folder and pass it as ``data_dir``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
RAW = REPO / "data" / "raw"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def copy_raw(target: Path) -> Path:
    """Copy data/raw to ``target/raw``; return ``target`` (a data folder)."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(RAW, target / "raw")
    return target


@pytest.fixture
def raw_copy(tmp_path: Path) -> Path:
    """A data folder in tmp_path holding a copy of data/raw (nothing built)."""
    return copy_raw(tmp_path / "data")


@pytest.fixture(scope="session")
def built_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with data/raw copied and built once per session. Do not modify it."""
    from vpanalysis.pipeline import build

    data = copy_raw(tmp_path_factory.mktemp("built") / "data")
    build(data_dir=data)
    return data


@pytest.fixture
def built_copy(built_data: Path, tmp_path: Path) -> Path:
    """A private copy of :func:`built_data` (raw and processed) that a test may change."""
    target = tmp_path / "data"
    shutil.copytree(built_data, target)
    return target


@pytest.fixture
def no_default_data(built_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the default data folder at the session's built copy, so that a call that
    forgets ``data_dir`` can never build into the repository's data/processed."""
    monkeypatch.setenv("VPANALYSIS_DATA", str(built_data))


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


# ---------------------------------------------------------------- rendered reports

#: The municipality whose reports the report tests render (Ljusdal: the most complete
#: example registers).
REPORT_MUNICIPALITY = "2161"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that uses :func:`rendered_reports` executes notebooks: mark it ``slow``
    (the report test modules also say so themselves; this keeps new ones consistent)."""
    for item in items:
        if "rendered_reports" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def rendered_reports(built_data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Every step notebook executed with papermill and rendered for Ljusdal, once per session.

    Returns ``{step: {"html": str, "path": Path, "result": ReportResult}}`` for every
    notebook present in notebooks/. A failed render fails the test that asks for it
    (with the runner's one-line message and the kernel log).
    """
    from vpanalysis import baseline
    from vpanalysis.catalogue import BY_ID as STEPS
    from vpanalysis.runner import make_job, render

    out = tmp_path_factory.mktemp("reports")
    jobs = [make_job(step, REPORT_MUNICIPALITY, out, data_dir=str(built_data)) for step in STEPS]
    jobs = [job for job in jobs if job.notebook.exists()]
    baseline.freeze_for(jobs)  # as a run does, before the notebooks
    reports = {}
    for job in jobs:
        log = out / f"{job.stem}.log"
        result = render(job, log_path=log)
        reports[job.step] = {"result": result, "path": job.html_path, "log": log}
        if result.status == "ok":
            reports[job.step]["html"] = job.html_path.read_text(encoding="utf-8")
    return reports


def report_html(rendered_reports: dict, step: int) -> str:
    """The HTML of one rendered report; fails with the kernel log when it did not render."""
    if step not in rendered_reports:
        pytest.fail(f"notebook for step {step} is missing")
    entry = rendered_reports[step]
    if entry["result"].status != "ok":
        log = entry["log"].read_text(encoding="utf-8")[-4000:]
        pytest.fail(f"step {step} failed: {entry['result'].message}\n{log}")
    return entry["html"]
