"""The rendered reports and their index in a real browser (headless Chromium via playwright).

Opens the index page and every report rendered by the session fixture ``rendered_reports``
(Ljusdal, every notebook) and checks: no console errors, no broken images, every local
link and table-of-contents anchor resolves. Screenshots go to ``VPANALYSIS_SCREENSHOTS``
(or a temporary folder, printed in the test output). Also prints one report to PDF.

Without a browser these tests skip, unless ``VPANALYSIS_REQUIRE_BROWSER=1`` (set by
``.ci/run``): then they fail.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from conftest import report_html

from vpanalysis.catalogue import BY_ID as STEPS
from vpanalysis.pdf import CHROMIUM_FLAGS, find_chromium, html_to_pdf
from vpanalysis.runner import get_paths, write_index

pytestmark = pytest.mark.slow

REQUIRED = os.environ.get("VPANALYSIS_REQUIRE_BROWSER", "") not in ("", "0")
STEPS_PRESENT = [
    step for step, spec in STEPS.items() if (get_paths().notebooks / spec.notebook_name).exists()
]


def _unavailable(why: str):
    if REQUIRED:
        pytest.fail(f"browser tests required (VPANALYSIS_REQUIRE_BROWSER) but {why}")
    pytest.skip(why)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed")
    executable = find_chromium()
    if executable is None:
        _unavailable("no chromium found")
    with sync_playwright() as playwright:
        args = [f for f in CHROMIUM_FLAGS if f != "--headless"]
        try:
            instance = playwright.chromium.launch(executable_path=executable, args=args)
        except Exception as exc:  # a browser that does not start counts as none
            _unavailable(f"chromium at {executable} did not start: {exc}")
        yield instance
        instance.close()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    folder = os.environ.get("VPANALYSIS_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    print(f"screenshots: {path}")
    return path


@pytest.fixture(scope="module")
def index_page(rendered_reports) -> Path:
    results = [entry["result"] for entry in rendered_reports.values()]
    assert results, "no notebook was rendered"
    return write_index(results[0].job.output_dir, results)


_CHECKS = """() => {
  const broken = Array.from(document.images)
    .filter(i => !i.complete || i.naturalWidth === 0)
    .map(i => (i.getAttribute('src') || '').slice(0, 60));
  const links = Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'));
  const toc = Array.from(document.querySelectorAll('nav.vp-toc a'))
    .map(a => a.getAttribute('href'));
  const ids = Array.from(document.querySelectorAll('[id]')).map(e => e.id);
  return {broken, links, toc, ids, images: document.images.length, title: document.title};
}"""


def inspect(browser, path: Path, screenshot: Path) -> dict:
    """Open ``path``; return what the page showed plus console errors, after a screenshot."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("requestfailed", lambda req: errors.append(f"request failed: {req.url[:100]}"))
    page.goto(path.resolve().as_uri(), wait_until="load")
    found = page.evaluate(_CHECKS)
    page.screenshot(path=str(screenshot), full_page=True)
    page.close()
    found["errors"] = errors
    return found


def assert_links_resolve(found: dict, page: Path) -> None:
    ids = set(found["ids"])
    for href in found["links"]:
        parsed = urlparse(href)
        if parsed.scheme in ("http", "https", "mailto"):
            assert parsed.netloc or parsed.scheme == "mailto", f"malformed link {href!r}"
            continue  # the outside world cannot be reached from a test; local links must work
        assert not parsed.scheme, f"unexpected link {href!r} in {page.name}"
        if parsed.path:
            assert (page.parent / unquote(parsed.path)).is_file(), f"{page.name}: {href} missing"
        if parsed.fragment and not parsed.path:
            assert unquote(parsed.fragment) in ids, f"{page.name}: anchor {href} has no target"


def _assert_png(path: Path) -> None:
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5000


def test_index_page_in_browser(browser, index_page, rendered_reports, screenshots):
    found = inspect(browser, index_page, screenshots / "index.png")
    assert found["errors"] == []
    assert found["broken"] == []
    assert_links_resolve(found, index_page)
    linked = {href for href in found["links"] if href.endswith(".html")}
    rendered = {e["path"].name for e in rendered_reports.values() if e["result"].status == "ok"}
    assert linked == rendered  # every report that rendered is linked, nothing else
    _assert_png(screenshots / "index.png")


@pytest.mark.parametrize("step", STEPS_PRESENT)
def test_report_in_browser(step, browser, rendered_reports, screenshots):
    report_html(rendered_reports, step)  # fails with the kernel log when it did not render
    path = rendered_reports[step]["path"]
    shot = screenshots / f"{path.stem}.png"
    found = inspect(browser, path, shot)
    assert found["errors"] == [], found["errors"]
    assert found["broken"] == [], f"broken images: {found['broken']}"
    assert len(found["toc"]) >= 2, "no table of contents"
    assert all(href.startswith("#") for href in found["toc"])
    assert_links_resolve(found, path)
    assert found["title"].startswith(STEPS[step].title.split(" – ")[0])
    _assert_png(shot)


_TABLE_FIT = """() => {
  const main = document.querySelector('main');
  const style = getComputedStyle(main);
  const right = main.getBoundingClientRect().right - parseFloat(style.paddingRight);
  return Array.from(document.querySelectorAll('table')).map(t => {
    const box = t.closest('.jp-OutputArea-output') || t.parentElement;
    return {
      caption: t.caption ? t.caption.textContent : t.className,
      overflow: Math.round(t.getBoundingClientRect().right - right),
      scroll: box.scrollWidth - box.clientWidth,
    };
  });
}"""

#: CSS pixels of the window and of the printable width of A4 (210 mm less 2 x 12 mm margin).
_TABLE_WIDTHS = [(1200, "screen"), (703, "print")]


@pytest.mark.parametrize("step", STEPS_PRESENT)
@pytest.mark.parametrize(("width", "media"), _TABLE_WIDTHS)
def test_no_table_is_wider_than_the_page(step, width, media, browser, rendered_reports):
    """Wide tables wrap or shrink (report.table, report.css): no column is cut off or has
    to be scrolled to, in a 1 200 px window or on A4 (step 2's police table has 13 columns)."""
    report_html(rendered_reports, step)
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.emulate_media(media=media)
    page.goto(rendered_reports[step]["path"].resolve().as_uri(), wait_until="load")
    tables = page.evaluate(_TABLE_FIT)
    page.close()
    assert tables, "no table found"
    too_wide = [t for t in tables if t["overflow"] > 0 or t["scroll"] > 0]
    assert too_wide == [], f"tables wider than the page at {width} px ({media}): {too_wide}"


def test_report_prints_to_a4_pdf(browser, rendered_reports, tmp_path):
    step = min(STEPS_PRESENT)
    report_html(rendered_reports, step)
    pdf = html_to_pdf(rendered_reports[step]["path"], tmp_path / "report.pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    assert boxes, "no page in the PDF"
    for width, height in boxes:  # A4 is 595 x 842 points
        assert abs(float(width) - 595.3) < 1.5 and abs(float(height) - 841.9) < 1.5
    assert not list(tmp_path.glob("*.tmp-*"))


def test_runner_prints_pdfs_and_links_them_from_the_index(browser, built_data, tmp_path):
    from vpanalysis.batch import run_reports

    out = tmp_path / "out"
    first = run_reports(["2161"], [1], out, pdf=True, progress=False, data_dir=str(built_data))
    assert [r.status for r in first.results] == ["ok"]
    pdf = out / "2161_01_samverkan.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert 'href="2161_01_samverkan.pdf"' in (out / "index.html").read_text(encoding="utf-8")
    # an up-to-date report without its PDF gets the PDF without running the notebook again
    pdf.unlink()
    again = run_reports(["2161"], [1], out, pdf=True, progress=False, data_dir=str(built_data))
    assert [r.status for r in again.results] == ["skipped"]
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert not list(out.rglob("*.tmp-*"))
