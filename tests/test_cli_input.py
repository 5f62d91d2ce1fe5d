"""Bad values on the command line: one line on stderr, exit code 2, no traceback."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from vpanalysis.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def one_line_error(result, exit_code: int = 2) -> str:
    assert result.exit_code == exit_code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("vpanalysis: error: ")
    assert "Traceback" not in result.output
    return lines[0]


@pytest.mark.parametrize("threshold", ["2", "1", "0", "-4"])
@pytest.mark.parametrize(
    "command",
    [["report", "-m", "2161", "-s", "1"], ["reports", "--municipalities", "2161"]],
)
def test_a_threshold_below_3_is_refused(command, threshold, tmp_path):
    result = run(*command, "--output", str(tmp_path / "out"), "--threshold", threshold)
    line = one_line_error(result)
    assert "--threshold must be at least 3" in line and threshold in line
    assert not (tmp_path / "out").exists()  # nothing written


def test_a_threshold_of_3_passes_the_check(tmp_path, monkeypatch):
    # a workspace configured at 3 (the threshold belongs to the configuration,
    # tests/test_workspace.py); an unknown municipality stops it next, so no notebook runs
    assert run("init", str(tmp_path / "ws"), "-m", "2161", "--threshold", "3").exit_code == 0
    monkeypatch.chdir(tmp_path / "ws")
    result = run("report", "-m", "Ingenstans", "-s", "1", "--threshold", "3")
    assert result.exit_code != 0 and "threshold" not in result.output


@pytest.mark.parametrize(
    "command",
    [["report", "-m", "2161", "-s", "1"], ["reports", "--municipalities", "2161"]],
)
@pytest.mark.parametrize("below", ["sub", "sub/deeper", ""])
def test_output_below_a_file_is_one_line(command, below, tmp_path):
    some_file = tmp_path / "some_file.txt"
    some_file.write_text("not a folder\n", encoding="utf-8")
    target = some_file / below if below else some_file
    line = one_line_error(run(*command, "--output", str(target)))
    assert "some_file.txt is a file, not a folder" in line
    assert some_file.read_text(encoding="utf-8") == "not a folder\n"
