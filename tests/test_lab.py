"""``vpanalysis lab`` in a real browser: JupyterLab in a workspace, a step notebook run.

Starts ``vpanalysis lab`` (JupyterLab) in a workspace holding the example data for
Ljusdal, opens the copied step 1 notebook with playwright (headless Chromium, found as in
tests/test_browser.py), runs all cells and checks that every cell ran, that a figure and a
table appear and that no cell shows an error. JupyterLab and its kernel run with the
Linux-only calls taken away (tests/no_linux), as on Windows and macOS.

Without a browser this test skips, unless ``VPANALYSIS_REQUIRE_BROWSER=1`` (``.ci/run``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from vpanalysis.pdf import CHROMIUM_FLAGS, find_chromium

pytestmark = pytest.mark.slow

REQUIRED = os.environ.get("VPANALYSIS_REQUIRE_BROWSER", "") not in ("", "0")
NO_LINUX = Path(__file__).resolve().parent / "no_linux"
NOTEBOOK = "01_samverkan.ipynb"


def _unavailable(why: str):
    if REQUIRED:
        pytest.fail(f"browser tests required (VPANALYSIS_REQUIRE_BROWSER) but {why}")
    pytest.skip(why)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def lab_server(built_data, tmp_path):
    """``vpanalysis lab`` serving a Ljusdal workspace with the built example data."""
    try:
        import jupyterlab  # noqa: F401
    except ImportError:
        _unavailable("jupyterlab is not installed (make install-dev, or the lab extra)")
    ws = tmp_path / "ws"
    cli = [sys.executable, "-m", "vpanalysis.cli"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("VPANALYSIS_")}
    subprocess.run(
        [*cli, "init", str(ws), "-m", "2161", "--comparison", "2183,2181"],
        check=True,
        env=env,
        capture_output=True,
    )
    shutil.rmtree(ws / "data")
    shutil.copytree(built_data, ws / "data")
    port = _free_port()
    env.update(  # JupyterLab's own state in tmp_path: no layout or settings of earlier runs
        PYTHONPATH=str(NO_LINUX),
        JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter" / "config"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "jupyter" / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "jupyter" / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "jupyter" / "workspaces"),
    )
    log = (tmp_path / "lab.log").open("w", encoding="utf-8")
    server = subprocess.Popen(
        [
            *cli,
            "lab",
            "--workspace",
            str(ws),
            "--no-browser",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            "--allow-root",  # CI runs as root
            "--IdentityProvider.token=",
            "--ServerApp.password=",
            "--LabApp.expose_app_in_browser=True",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status", timeout=5):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail(
                        "JupyterLab did not start:\n"
                        + (tmp_path / "lab.log").read_text(encoding="utf-8")[-3000:]
                    )
                time.sleep(1)
        yield url, ws, tmp_path / "lab.log"
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


_STATE = """() => {
  const cells = Array.from(document.querySelectorAll('.jp-Notebook .jp-CodeCell'));
  const prompts = cells.map(c => (c.querySelector('.jp-InputPrompt') || {}).textContent || '');
  return {
    cells: cells.length,
    done: prompts.filter(p => /\\[\\d+\\]/.test(p)).length,
    figures: document.querySelectorAll('.jp-OutputArea-output img').length,
    tables: document.querySelectorAll('.jp-OutputArea-output table').length,
    errors: Array.from(document.querySelectorAll(
      '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
    )).map(e => e.textContent.slice(0, 300)),
  };
}"""


def test_a_step_notebook_runs_in_jupyterlab(lab_server, tmp_path):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed")
    executable = find_chromium()
    if executable is None:
        _unavailable("no chromium found")
    url, ws, log = lab_server
    assert (ws / "notebooks" / NOTEBOOK).is_file()  # copied by vpanalysis lab
    with sync_playwright() as playwright:
        args = [f for f in CHROMIUM_FLAGS if f != "--headless"]
        try:
            browser = playwright.chromium.launch(executable_path=executable, args=args)
        except Exception as exc:  # a browser that does not start counts as none
            _unavailable(f"chromium at {executable} did not start: {exc}")
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{url}/lab/tree/notebooks/{NOTEBOOK}", timeout=120_000)
            page.wait_for_function(
                "() => window.jupyterapp && document.querySelector('.jp-Notebook .jp-CodeCell')",
                timeout=120_000,
            )
            # the kernel is up when the notebook's session reports it idle
            page.wait_for_function(
                """() => {
                  const w = window.jupyterapp.shell.currentWidget;
                  const k = w && w.sessionContext && w.sessionContext.session
                    && w.sessionContext.session.kernel;
                  return k && k.status === 'idle';
                }""",
                timeout=180_000,
            )
            page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
            page.wait_for_function(
                f"() => {{ const s = ({_STATE})(); return s.cells > 0 && s.done === s.cells; }}",
                timeout=400_000,
                polling=1000,
            )
            state = page.evaluate(_STATE)
            page.screenshot(path=str(tmp_path / "lab.png"), full_page=False)
        finally:
            browser.close()
    assert state["errors"] == [], state["errors"]
    assert state["figures"] >= 1, state
    assert state["tables"] >= 1, state
