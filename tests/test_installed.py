"""Issue 11's done-when, as a test: installed (not cloned), a new workspace, no Linux-only calls.

In a fresh virtual environment outside the repository: ``pip install <copy of the repo>``
(not editable; ``--no-deps``: the dependencies are this environment's, reached through a
``.pth`` file; the package index only gives the build backend) → ``vpanalysis init ws
--municipality Ovanåker`` → ``cd ws && vpanalysis data build && vpanalysis reports``:
every step report and the index.
Every process of the run loads ``tests/no_linux/sitecustomize.py``, which takes away
``fork``, ``killpg``, ``setsid``, ``prctl`` and ZeroMQ's IPC transport, as on Windows.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from vpanalysis.catalogue import REPORTS

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
NO_LINUX = Path(__file__).resolve().parent / "no_linux"
#: Not copied: state, caches and build output (relative to the repository).
_SKIP = {".git", ".venv", "reports", "build", "notebooks", "docs/_build", "data/processed"}
_SKIP |= {"data/baseline"}


def _copy_repo(target: Path) -> Path:
    def ignore(folder, names):
        here = Path(folder).relative_to(REPO)
        return [
            n
            for n in names
            if (here / n).as_posix() in _SKIP
            or n in {"__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis"}
            or n.endswith(".egg-info")
        ]

    shutil.copytree(REPO, target, ignore=ignore)
    return target


def _venv(folder: Path) -> Path:
    # with its own pip (ensurepip, offline): an environment installed by uv has none to lend
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    scripts = "Scripts" if os.name == "nt" else "bin"
    python = folder / scripts / ("python.exe" if os.name == "nt" else "python")
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # this environment's packages (not its editable vpanalysis: .pth files there stay unread)
    Path(purelib, "_dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    return python


def test_installed_package_runs_a_new_workspace_without_linux_only_calls(tmp_path):
    python = _venv(tmp_path / "venv")
    source = _copy_repo(tmp_path / "source")
    env = {k: v for k, v in os.environ.items() if not k.startswith("VPANALYSIS_")}
    env.pop("PYTHONPATH", None)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", str(source)],
        check=True,
        env=env,
        cwd=tmp_path,
    )
    shutil.rmtree(source)  # nothing may come from a checkout
    vpanalysis = python.parent / ("vpanalysis.exe" if os.name == "nt" else "vpanalysis")
    log = tmp_path / "no_linux.log"
    env.update(
        PYTHONPATH=str(NO_LINUX),
        VPANALYSIS_NO_LINUX_LOG=str(log),
        # nbconvert's 'lab' template is data of the nbconvert package, installed beside
        # this environment's interpreter, not in the new one
        JUPYTER_PATH=str(Path(sys.prefix) / "share" / "jupyter"),
        PATH=str(python.parent) + os.pathsep + env.get("PATH", ""),
    )
    where = subprocess.run(
        [
            str(python),
            "-c",
            "import os, vpanalysis; print(vpanalysis.__file__, hasattr(os, 'fork'))",
        ],
        check=True,
        env=env,
        cwd=tmp_path,  # not the repository: '' on sys.path would find its package
        capture_output=True,
        text=True,
    ).stdout
    assert str(tmp_path / "venv") in where and where.strip().endswith("False"), where

    def step(*args, cwd):
        done = subprocess.run(
            [str(vpanalysis), *args], env=env, cwd=cwd, capture_output=True, text=True
        )
        assert done.returncode == 0, f"{args}: {done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done.stdout

    step("init", "ws", "--municipality", "Ovanåker", cwd=tmp_path)
    ws = tmp_path / "ws"
    step("data", "build", cwd=ws)
    out = step("reports", "--workers", "2", cwd=ws)
    assert "0 misslyckade" in out, out
    for spec in REPORTS:
        html = ws / "reports" / f"2121_{spec.slug}.html"
        assert html.is_file(), out
        assert "Ovanåker" in html.read_text(encoding="utf-8")
    assert (ws / "reports" / "index.html").is_file()
    one = tmp_path / "one"
    assert "2121_02_lagesbild.html" in step("report", "-s", "2", "-o", str(one), cwd=ws)
    assert "6 notebooks copied" in step("lab", "--copy-only", cwd=ws)
    # the command, its workers and every kernel ran without the Linux-only calls
    assert len(log.read_text(encoding="utf-8").split()) >= len(REPORTS) + 2
