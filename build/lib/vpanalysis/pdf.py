"""Print a finished HTML report to an A4 PDF with headless Chromium.

Uses the system browser (Debian's ``chromium``; ``.ci/run`` and ``make pdf-deps``
install it) with ``--print-to-pdf``: the report's own print CSS sets A4, margins,
page breaks and repeats the example-data banner on every page. The PDF is written
to a temporary file first and moved into place when complete.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

#: Flags that keep a headless Chromium quiet on a machine without network (docs/traps.md).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome executable, or None. ``VPANALYSIS_CHROMIUM`` overrides."""
    env = os.environ.get("VPANALYSIS_CHROMIUM")
    if env:
        return env
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def html_to_pdf(html_path: Path, pdf_path: Path, timeout: int = 120) -> Path:
    """Print ``html_path`` to ``pdf_path`` (A4, no browser header/footer)."""
    browser = find_chromium()
    if browser is None:
        raise RuntimeError(
            "no Chromium found for PDF export: install Debian's 'chromium' package "
            "(make pdf-deps) or set VPANALYSIS_CHROMIUM"
        )
    pdf_path = Path(pdf_path)
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="vp-chromium-") as profile:
        fd, tmp_name = tempfile.mkstemp(dir=pdf_path.parent, prefix=f".{pdf_path.name}.tmp-")
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            completed = subprocess.run(
                [
                    browser,
                    *CHROMIUM_FLAGS,
                    f"--user-data-dir={profile}",
                    "--no-pdf-header-footer",
                    f"--print-to-pdf={tmp}",
                    Path(html_path).resolve().as_uri(),
                ],
                capture_output=True,
                text=True,
                timeout=timeout,
            )
            if completed.returncode != 0 or tmp.stat().st_size == 0:
                raise RuntimeError(
                    f"chromium could not print {html_path}: {completed.stderr.strip()[-300:]}"
                )
            os.replace(tmp, pdf_path)
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(f"chromium timed out printing {html_path}") from exc
        finally:
            tmp.unlink(missing_ok=True)
    return pdf_path
