"""Workspaces (issue 11): ``vpanalysis init``, which workspace a command uses, the
threshold that belongs to the configuration, the packaged files a workspace starts from."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from vpanalysis import config, registers, workspace
from vpanalysis.cli import main

REPO = Path(__file__).resolve().parents[1]


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def one_line_error(result, exit_code: int) -> str:
    assert result.exit_code == exit_code, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("vpanalysis: error: ") and "Traceback" not in result.output
    return lines[0]


@pytest.fixture
def ws(tmp_path, monkeypatch) -> Path:
    """A new workspace for Ovanåker (default comparison: the rest of Gävleborg)."""
    monkeypatch.delenv(workspace.ENV_VAR, raising=False)
    result = run("init", str(tmp_path / "ws"), "--municipality", "Ovanåker")
    assert result.exit_code == 0, result.output
    return tmp_path / "ws"


def test_init_writes_a_complete_workspace(ws):
    config_file = tomllib.loads((ws / "vpanalysis.toml").read_text(encoding="utf-8"))
    assert config_file["municipalities"] == ["2121"]
    assert "2161" in config_file["comparison"] and "2121" not in config_file["comparison"]
    assert config_file["years"] == [2015, 2024] and config_file["disclosure_threshold"] == 5
    raw = ws / "data" / "raw"
    for name in config.RESOURCE_FILES:  # the packaged definitions, lists, KPIs, codebook
        packaged = (config.resources_dir() / name).read_text(encoding="utf-8")
        if name.endswith("violence_definition.yaml"):  # without the example's decision
            packaged = workspace.undecided_definition(packaged)
        assert (raw / name).read_text(encoding="utf-8") == packaged
    assert (raw / "registers" / "register.xlsx").is_file()  # the Excel registers by default
    for name in registers.REGISTER_FILES.values():
        assert not (raw / "registers" / name).exists()
    assert (ws / "reports").is_dir()
    readme = (ws / "LÄSMIG.md").read_text(encoding="utf-8")
    assert "Ovanåker (2121)" in readme
    for command in workspace.fetch_commands(workspace.load(ws)):
        assert command in readme
    assert "vpanalysis fetch kolada --municipality 2121," in readme and ",0021,0000" in readme
    assert "vpanalysis data build" in readme and "vpanalysis reports" in readme
    assert "register.xlsx" in readme and "Instruktioner" in readme


@pytest.mark.parametrize("form", ["excel", "csv"])
def test_the_register_templates_are_empty_registers(tmp_path, form):
    assert run("init", str(tmp_path / "ws"), "-m", "2121", "--registers", form).exit_code == 0
    folder = tmp_path / "ws" / "data" / "raw" / "registers"
    if form == "csv":
        assert sorted(p.name for p in folder.iterdir()) == sorted(registers.REGISTER_FILES.values())
        assert "data/raw/registers/goals.csv" in (tmp_path / "ws" / "LÄSMIG.md").read_text(
            encoding="utf-8"
        )
    else:
        assert [p.name for p in folder.iterdir()] == ["register.xlsx"]
    loaded = registers.load_registers(folder)
    for name in registers.REGISTER_FILES:
        assert getattr(loaded, name).empty, name


def test_init_options_and_refusals(tmp_path):
    result = run(
        "init",
        str(tmp_path / "two"),
        "-m",
        "Ljusdal,Bollnäs",
        "--comparison",
        "2181",
        "--years",
        "2018-2023",
        "--threshold",
        "7",
    )
    assert result.exit_code == 0, result.output
    loaded = workspace.load(tmp_path / "two")
    assert loaded.municipalities == ("2161", "2183") and loaded.comparison == ("2181",)
    assert loaded.years == (2018, 2023) and loaded.threshold == 7
    assert loaded.comparison_codes == ("2161", "2183", "2181")
    again = one_line_error(run("init", str(tmp_path / "two"), "-m", "Ljusdal"), 1)
    assert "already a workspace" in again
    unknown = one_line_error(run("init", str(tmp_path / "x"), "-m", "Ingenstans"), 1)
    assert "Ingenstans" in unknown and not (tmp_path / "x" / "vpanalysis.toml").exists()
    low = one_line_error(run("init", str(tmp_path / "y"), "-m", "2121", "--threshold", "2"), 2)
    assert "at least 3" in low and not (tmp_path / "y").exists()


def test_which_workspace_a_command_uses(ws, tmp_path, monkeypatch):
    deeper = ws / "reports" / "deeper"
    deeper.mkdir()
    monkeypatch.chdir(deeper)
    assert workspace.resolve().root == ws  # the nearest vpanalysis.toml above
    other = tmp_path / "other"
    assert run("init", str(other), "-m", "2161").exit_code == 0
    monkeypatch.setenv(workspace.ENV_VAR, str(other))
    assert workspace.resolve().root == other  # the environment before the folder
    assert workspace.resolve(ws).root == ws  # --workspace before both
    monkeypatch.delenv(workspace.ENV_VAR)
    monkeypatch.chdir(tmp_path)
    fallback = workspace.resolve()
    assert fallback.root is None and fallback.municipalities == config.COLLABORATING
    assert fallback.data_dir == config.get_paths().data  # the repository's example data
    line = one_line_error(run("data", "build", "--workspace", str(tmp_path)), 1)
    assert "no vpanalysis.toml" in line and "vpanalysis init" in line


def test_an_installed_package_without_a_workspace_says_init(tmp_path, monkeypatch):
    monkeypatch.setattr(workspace, "checkout_root", lambda: None)
    monkeypatch.delenv("VPANALYSIS_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(workspace.WorkspaceError, match="vpanalysis init DIR"):
        workspace.resolve()


def test_a_configured_threshold_below_3_is_a_one_line_error(ws, monkeypatch):
    path = ws / "vpanalysis.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "disclosure_threshold = 5", "disclosure_threshold = 2"
        ),
        encoding="utf-8",
    )
    monkeypatch.chdir(ws)
    for command in (["data", "build"], ["reports"], ["report", "-s", "1"]):
        line = one_line_error(run(*command), 1)
        assert "vpanalysis.toml" in line and "at least 3" in line, command


@pytest.mark.parametrize("command", [["report", "-s", "1"], ["reports", "--steps", "1"]])
def test_a_run_threshold_other_than_the_configured_one_is_refused(ws, monkeypatch, command):
    monkeypatch.chdir(ws)
    line = one_line_error(run(*command, "--threshold", "3"), 2)
    assert "--threshold 3 differs" in line and "disclosure threshold 5" in line
    assert not any((ws / "reports").iterdir())  # nothing written


def test_the_example_data_refuse_another_threshold_too(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    line = one_line_error(run("report", "-m", "2161", "-s", "1", "--threshold", "4"), 2)
    assert "differs from the collaboration's disclosure threshold 5" in line


def test_the_configured_threshold_passes(ws, monkeypatch):
    monkeypatch.chdir(ws)
    # an unknown municipality stops it next, so no notebook runs
    result = run("report", "-m", "Ingenstans", "-s", "1", "--threshold", "5")
    assert result.exit_code != 0 and "threshold" not in result.output


def test_reports_take_municipalities_years_and_comparison_from_the_workspace(ws, monkeypatch):
    from vpanalysis import batch

    seen = {}

    def fake_run_reports(codes, steps, **options):
        seen.update(codes=codes, steps=steps, **options)
        raise KeyboardInterrupt  # stop here: the test only looks at the arguments

    monkeypatch.setattr(batch, "run_reports", fake_run_reports)
    monkeypatch.chdir(ws)
    assert run("reports").exit_code == 130
    loaded = workspace.load(ws)
    assert seen["codes"] == ["2121"] and seen["years"] == (2015, 2024)
    assert tuple(seen["comparison"]) == loaded.comparison_codes
    assert seen["disclosure_threshold"] == 5
    assert Path(seen["data_dir"]) == ws / "data" and Path(seen["output_dir"]) == ws / "reports"


def test_an_empty_workspace_builds(ws, monkeypatch):
    monkeypatch.chdir(ws)
    result = run("data", "build")
    assert result.exit_code == 0, result.output
    assert (ws / "data" / "processed" / "manifest.json").is_file()


def test_lab_copies_the_notebooks_set_to_the_workspace(ws, monkeypatch):
    import nbformat

    from vpanalysis.catalogue import REPORTS

    monkeypatch.chdir(ws)
    result = run("lab", "--copy-only")
    assert result.exit_code == 0, result.output
    for spec in REPORTS:
        nb = nbformat.read(ws / "notebooks" / spec.notebook_name, as_version=4)
        parameters = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
        values: dict = {}
        exec(parameters.source, values)  # noqa: S102 - our own notebook's parameters cell
        assert values["municipality_code"] == "2121"
        assert values["data_dir"] == str(ws / "data")
        assert values["comparison_codes"][0] == "2121" and values["disclosure_threshold"] == 5
        assert "# kommunkod" in parameters.source  # the comments stay
    edited = ws / "notebooks" / REPORTS[0].notebook_name
    edited.write_text(edited.read_text(encoding="utf-8") + " ", encoding="utf-8")
    assert "6 kept" in run("lab", "--copy-only").output
    assert edited.read_text(encoding="utf-8").endswith(" ")  # an analyst's edits are kept


def test_reports_run_the_packaged_notebooks(ws):
    from vpanalysis.runner import make_job

    (ws / "notebooks").mkdir()
    job = make_job(1, "2121", ws / "reports", data_dir=str(ws / "data"))
    assert job.notebook.parent == config.PACKAGE_DIR / "notebooks"


def test_the_wheel_ships_what_a_run_needs():
    """pyproject's package data and setup.py's resources cover the notebooks, the
    template and every file a workspace starts from."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    package_data = project["tool"]["setuptools"]["package-data"]["vpanalysis"]
    assert "notebooks/*.ipynb" in package_data and "templates/**/*" in package_data
    for name in config.RESOURCE_FILES:
        assert (REPO / "data" / "raw" / name).is_file(), name
    manifest = (REPO / "MANIFEST.in").read_text(encoding="utf-8")
    assert "data/raw/definitions" in manifest and "vpanalysis/notebooks" in manifest
