"""fetch -> build -> step-2 report against a local HTTP server (no real network).

A ``http.server`` in a thread plays Kolada, SCB and BRÅ, serving answers in their real
formats; the connectors reach it through ``VPANALYSIS_KOLADA_URL`` and
``VPANALYSIS_SCB_URL`` (BRÅ by URL), exactly as a municipality would use a mirror.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner
from conftest import RAW, copy_raw
from fetch_support import recorded, tab638

from vpanalysis.cli import main

BRA_FILE = "anmalda_brott_gavleborg_2015-2024.csv"


def _kolada_page(number: int, next_url: str | None) -> bytes:
    body = json.loads((RAW / "kolada" / f"exempel_kolada_sida{number}.json").read_text("utf-8"))
    body.pop("note", None)
    body["next_url"] = next_url
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def _bra_export() -> bytes:
    text = (RAW / "bra" / f"exempel_{BRA_FILE}").read_bytes().decode("utf-8-sig")
    lines = text.split("\r\n")
    lines[0] = "Anmälda brott efter region, år och brottskategori"
    return ("\ufeff" + "\r\n".join(lines)).encode("utf-8")


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        base = f"http://{self.headers['Host']}"
        self.server.paths.append(self.path)
        if url.path.startswith("/gone/"):
            self._send(410, recorded("kolada_v2_410.json"))
        elif url.path.startswith("/kolada/v3/data/kpi/"):
            if query.get("page") == ["2"]:
                self._send(200, _kolada_page(2, None))
            else:
                self._send(200, _kolada_page(1, f"{base}{url.path}?page=2"))
        elif url.path == "/scb/api/v2/config":
            self._send(200, recorded("scb_config.json"))
        elif url.path == "/scb/api/v2/tables/TAB638/data":
            regions = query["valueCodes[Region]"][0].split(",")
            years = query["valueCodes[Tid]"][0].split(",")
            self._send(200, json.dumps(tab638(regions, years)).encode("utf-8"))
        elif url.path == f"/bra/{BRA_FILE}":
            self._send(200, _bra_export(), "text/csv; charset=utf-8")
        else:
            self._send(404, b'{"title": "Not Found"}')


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.paths = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _env(server) -> dict[str, str]:
    host, port = server.server_address[:2]
    return {
        "VPANALYSIS_KOLADA_URL": f"http://{host}:{port}/kolada/v3",
        "VPANALYSIS_SCB_URL": f"http://{host}:{port}/scb/api/v2",
    }


def _invoke(args: list[str], env: dict[str, str]):
    return CliRunner().invoke(main, args, env=env, catch_exceptions=False)


@pytest.fixture(scope="module")
def fetched_data(server, tmp_path_factory) -> Path:
    """A data folder whose Kolada, SCB and BRÅ data were fetched from the server and built."""
    data = copy_raw(tmp_path_factory.mktemp("fetched") / "data")
    env = _env(server)
    host, port = server.server_address[:2]
    for args in (
        ["fetch", "kolada", "--years", "2015-2024"],
        ["fetch", "scb-population", "--years", "2015-2024"],
        ["fetch", "bra", f"http://{host}:{port}/bra/{BRA_FILE}"],
        ["data", "build"],
    ):
        result = _invoke([*args, "--data-dir", str(data)], env)
        assert result.exit_code == 0, result.output
    return data


def test_cli_fetch_then_build_uses_real_data(fetched_data, server):
    manifest = json.loads((fetched_data / "processed" / "manifest.json").read_text("utf-8"))
    sources = manifest["sources"]
    for name, attribution in (("kolada", "Kolada"), ("scb", "SCB"), ("bra", "BRÅ")):
        assert sources[name]["example"] is False, name
        assert sources[name]["attribution"] == f"Källa: {attribution}"
        assert all("/hamtat/" in f for f in sources[name]["files"])
        assert sources[name]["ignored"], name  # the example files are set aside
        assert sources[name]["years"] == [2015, 2024]
    assert sources["socialtjanst"]["example"] is True
    assert any("?page=2" in p for p in server.paths)  # Kolada's next_url was followed
    assert any(p.startswith("/scb/api/v2/tables/TAB638/data?") for p in server.paths)
    # data/raw of the repository was not touched
    assert not (RAW / "kolada" / "hamtat").exists()


def test_cli_error_is_one_line_and_keeps_fetched_data(fetched_data, server):
    before = sorted(p.name for p in (fetched_data / "raw" / "kolada" / "hamtat").iterdir())
    env = _env(server)
    host, port = server.server_address[:2]
    env["VPANALYSIS_KOLADA_URL"] = f"http://{host}:{port}/gone/v2"
    result = CliRunner().invoke(main, ["fetch", "kolada", "--data-dir", str(fetched_data)], env=env)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("vpanalysis: error: ")
    assert "410 Gone" in lines[0] and "existing raw data left untouched" in lines[0]
    after = sorted(p.name for p in (fetched_data / "raw" / "kolada" / "hamtat").iterdir())
    assert after == before


@pytest.mark.slow
def test_step2_report_on_fetched_data(fetched_data, tmp_path):
    """Runs the step-2 notebook (vpanalysis/notebooks/02_lagesbild.ipynb) on the fetched data."""
    from vpanalysis.report import SOURCE_LABELS
    from vpanalysis.runner import make_job, render

    job = make_job(2, "2161", tmp_path, data_dir=str(fetched_data))
    if not job.notebook.exists():
        pytest.fail(f"{job.notebook} does not exist yet: the step-2 report cannot be rendered")
    result = render(job, log_path=tmp_path / "render.log")
    assert result.status == "ok", result.message
    page = job.html_path.read_text(encoding="utf-8")
    for attribution in ("Källa: Kolada", "Källa: SCB", "Källa: BRÅ"):
        assert attribution in page
    banner = page.split('class="vp-banner', 1)[1].split("</div>", 1)[0]
    assert SOURCE_LABELS["socialtjanst"] in banner  # local sources are still example data
    for source in ("kolada", "scb", "bra"):
        assert SOURCE_LABELS[source] not in banner, source
