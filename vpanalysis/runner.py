"""Execute the step notebooks with papermill and render them into Swedish HTML reports.

One report = one notebook × one municipality. Execution uses papermill with a fresh
``python3`` kernel; conversion uses nbconvert in-process with the ``vpreport`` template
(the ``lab`` template without CDN scripts), input cells and prompts hidden, stderr
removed, a table of contents inserted, and the file written atomically.

papermill and nbconvert are imported lazily: importing papermill costs seconds.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from vpanalysis import __version__, catalogue, geography, kernels
from vpanalysis.atomic import write_text
from vpanalysis.config import COLLABORATING, DEFAULT_YEARS, DISCLOSURE_THRESHOLD, get_paths
from vpanalysis.errors import ReportError
from vpanalysis.pdf import html_to_pdf
from vpanalysis.presentation import provenance

TEMPLATE_DIR = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class ReportJob:
    """One notebook for one municipality, with validated JSON-safe parameters."""

    step: int
    municipality_code: str
    output_dir: Path
    comparison_codes: tuple[str, ...] = COLLABORATING
    years: tuple[int, int] = DEFAULT_YEARS
    data_dir: str | None = None
    disclosure_threshold: int = DISCLOSURE_THRESHOLD

    @property
    def notebook(self) -> Path:
        return get_paths().notebooks / catalogue.get(self.step).notebook_name

    @property
    def stem(self) -> str:
        return f"{self.municipality_code}_{catalogue.get(self.step).slug}"

    @property
    def html_path(self) -> Path:
        return self.output_dir / f"{self.stem}.html"

    @property
    def pdf_path(self) -> Path:
        return self.output_dir / f"{self.stem}.pdf"

    def parameters(self) -> dict:
        """Parameters for papermill: only str/int/list values (docs/traps.md)."""
        return {
            "municipality_code": str(self.municipality_code),
            "comparison_codes": [str(c) for c in self.comparison_codes],
            "years": [int(self.years[0]), int(self.years[-1])],
            "data_dir": str(get_paths(self.data_dir).data),
            "disclosure_threshold": int(self.disclosure_threshold),
        }


def make_job(
    step: int | str,
    municipality: str | int,
    output_dir: str | Path | None = None,
    *,
    comparison: Sequence[str | int] | None = None,
    years: Sequence[int] = DEFAULT_YEARS,
    data_dir: str | None = None,
    disclosure_threshold: int = DISCLOSURE_THRESHOLD,
) -> ReportJob:
    """Validate user input (step, municipality by code or name) into a :class:`ReportJob`."""
    step_no = int(step)
    if step_no not in catalogue.BY_ID:
        valid = ", ".join(map(str, catalogue.BY_ID))
        raise ReportError(f"unknown step {step!r}: choose one of {valid}")
    code = geography.municipality_code(municipality)
    comparators = tuple(geography.resolve_many(list(comparison or COLLABORATING)))
    if len(years) != 2 or int(years[0]) > int(years[-1]):
        raise ReportError(f"years must be a range 'first-last', got {years!r}")
    if int(disclosure_threshold) < 1:
        raise ReportError("the disclosure threshold must be at least 1")
    out = Path(output_dir) if output_dir else get_paths().reports
    return ReportJob(
        step=step_no,
        municipality_code=code,
        output_dir=out.resolve(),
        comparison_codes=comparators,
        years=(int(years[0]), int(years[-1])),
        data_dir=data_dir,
        disclosure_threshold=int(disclosure_threshold),
    )


# ---------------------------------------------------------------- execution


def execute(job: ReportJob, executed_path: Path | None = None, log=None, timeout: int = 600):
    """Run the notebook with papermill; returns the executed notebook (raises ReportError).

    ``executed_path``: where to write the executed notebook too (None: nowhere). ``log``
    is an open text file that receives the kernel's stdout and stderr. The kernel comes
    from :mod:`vpanalysis.kernels` (forked from the zygote, or the portable way) and is
    killed as soon as the last cell has run.
    """
    import papermill as pm

    try:
        return pm.execute_notebook(
            str(job.notebook),
            str(executed_path) if executed_path else None,
            parameters=job.parameters(),
            kernel_name="python3",
            language="python",
            progress_bar=False,
            log_output=False,  # the cells' streams still go to the log (stdout_file)
            stdout_file=log,
            stderr_file=log,
            request_save_on_cell_execute=False,
            start_timeout=60,
            execution_timeout=timeout,
            kernel_manager_class=kernels.manager_class(log),
            shutdown_kernel="immediate",
        )
    except pm.PapermillExecutionError as exc:
        raise ReportError(
            f"{job.notebook.name} for {job.municipality_code} failed in cell "
            f"{exc.exec_count}: {exc.ename}: {exc.evalue}"
        ) from exc
    except Exception as exc:  # kernel died, timeout, missing notebook: one line for the user
        raise ReportError(f"{job.notebook.name} for {job.municipality_code}: {exc}") from exc
    finally:
        kernels.cleanup()


# ---------------------------------------------------------------- conversion

_HEADING = re.compile(r"<h([23])([^>]*)>(.*?)</h\1>", re.S)
_TAG = re.compile(r"<[^>]+>")


def _slug(text: str) -> str:
    """An ASCII anchor: 'Per kön' -> 'per-kon' (å, ä -> a; ö -> o)."""
    text = text.lower().translate(str.maketrans("åäöéü", "aaoeu"))
    slug = re.sub(r"[^a-z0-9\- ]", "", text).strip()
    slug = re.sub(r"\s+", "-", slug)
    return slug or "avsnitt"


def add_table_of_contents(page: str) -> str:
    """Give every h2/h3 an id and put a linked table of contents at the placeholder."""
    entries: list[tuple[int, str, str]] = []
    used: set[str] = set()

    def visit(match: re.Match) -> str:
        level, attrs, inner = int(match.group(1)), match.group(2), match.group(3)
        inner = re.sub(r'<a class="anchor-link".*?</a>', "", inner, flags=re.S)
        text = html.unescape(_TAG.sub("", inner)).strip()
        found = re.search(r'id="([^"]+)"', attrs)
        # keep a plain ASCII id; nbconvert's ids are percent-encoded for å, ä, ö
        plain = found and re.fullmatch(r"[A-Za-z0-9_-]+", found.group(1))
        anchor = found.group(1) if plain else _slug(text)
        base, n = anchor, 2
        while anchor in used:
            anchor, n = f"{base}-{n}", n + 1
        used.add(anchor)
        attrs = re.sub(r'\s*id="[^"]*"', "", attrs)
        entries.append((level, anchor, text))
        return f'<h{level} id="{anchor}"{attrs}>{inner}</h{level}>'

    page = _HEADING.sub(visit, page)
    items = []
    for level, anchor, text in entries:
        indent = ' style="margin-left:1.2rem"' if level == 3 else ""
        items.append(f'<li{indent}><a href="#{anchor}">{html.escape(text)}</a></li>')
    toc = (
        '<nav class="vp-toc" aria-label="Innehåll"><strong>Innehåll</strong><ol>'
        + "".join(items)
        + "</ol></nav>"
    )
    placeholder = '<div class="vp-toc-placeholder"></div>'
    if placeholder in page:
        return page.replace(placeholder, toc, 1)
    return page.replace("<main>", "<main>" + toc, 1)


@functools.cache
def _exporter():
    """One HTML exporter per process, reused for every report (templates compiled once).

    Validation runs once per notebook after all preprocessors (``optimistic_validation``),
    and the JupyterLab theme's CSS, which the ``lab`` template embeds, is looked up and
    read once instead of for every report.
    """
    from nbconvert import HTMLExporter

    class ReportExporter(HTMLExporter):
        _theme_css: dict = {}

        def _init_resources(self, resources):
            resources = super()._init_resources(resources)
            find = resources["include_lab_theme"]
            cache = self._theme_css

            def include_lab_theme(name):
                if name not in cache:
                    cache[name] = find(name)
                return cache[name]

            resources["include_lab_theme"] = include_lab_theme
            return resources

    exporter = ReportExporter(
        template_name="vpreport",
        extra_template_basedirs=[str(TEMPLATE_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        optimistic_validation=True,
    )
    exporter.language_code = "sv"
    return exporter


def _read(notebook):
    """A notebook node from a path, or the node itself."""
    if isinstance(notebook, str | Path):
        import nbformat

        return nbformat.read(notebook, as_version=4)
    return notebook


def to_html(executed, title: str) -> str:
    """Render an executed notebook (path or node) to a self-contained HTML page without code.

    The node is not changed: stderr and error outputs are left out of a copy.
    """
    import copy

    nb = copy.copy(_read(executed))
    nb.metadata = copy.copy(nb.metadata)
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell = copy.copy(cell)
            cell.outputs = [
                o
                for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
                and o.get("output_type") != "error"
            ]
        cells.append(cell)
    nb.cells = cells
    nb.metadata["title"] = title
    body, _ = _exporter().from_notebook_node(nb)
    return add_table_of_contents(body)


def warm_up() -> None:
    """Import papermill and nbconvert and compile the report template, once per process.

    Called before the local executor forks its workers, so that each starts warm.
    """
    import nbformat
    import papermill  # noqa: F401

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("## Uppvärmning")]
    to_html(nb, "Uppvärmning")


@dataclass
class ReportResult:
    job: ReportJob
    status: str  # "ok" | "failed" | "skipped"
    seconds: float
    message: str = ""
    finished: str = ""  # ISO time the report was written
    timings: dict = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return self.job.html_path


_IMPORT_LINE = re.compile(r"^\s*(import|from)\s+\S+", re.M)


def profile_cells(executed) -> dict[str, float]:
    """Seconds spent in an executed notebook's cells, by kind (from papermill's metadata).

    ``executed`` is a path or a notebook node. ``imports``: cells that import modules
    (with the set-up they do); ``plotting``: cells whose output holds an image;
    ``computation``: every other code cell.
    """
    nb = _read(executed)
    spent = {"imports": 0.0, "computation": 0.0, "plotting": 0.0}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        seconds = float(cell.metadata.get("papermill", {}).get("duration") or 0.0)
        images = any(
            "image/png" in o.get("data", {})
            or "image/svg+xml" in o.get("data", {})
            or "<img" in str(o.get("data", {}).get("text/html", ""))
            for o in cell.get("outputs", [])
        )
        if images:
            spent["plotting"] += seconds
        elif _IMPORT_LINE.search(cell.source):
            spent["imports"] += seconds
        else:
            spent["computation"] += seconds
    return spent


def _cell_span(nb) -> tuple[float, float] | None:
    """Wall-clock seconds (epoch) when the first code cell started and the last one ended."""
    starts, ends = [], []
    for cell in nb.cells:
        info = cell.metadata.get("papermill", {}) if cell.cell_type == "code" else {}
        if info.get("start_time") and info.get("end_time"):
            starts.append(_epoch(info["start_time"]))
            ends.append(_epoch(info["end_time"]))
    return (min(starts), max(ends)) if starts else None


def _epoch(stamp: str) -> float:
    moment = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    if moment.tzinfo is None:  # papermill writes UTC
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp()


def render(
    job: ReportJob, log_path: Path | None = None, timeout: int = 600, pdf: bool = False
) -> ReportResult:
    """Execute and convert one report; the HTML (and PDF) appear atomically or not at all.

    ``timings`` holds seconds for the whole execution (``execute``), split into the kernel's
    start and stop (``kernel``) and the cells by kind (see :func:`profile_cells`), for the
    conversion to HTML (``convert``) and for printing to PDF (``pdf``). A failure is returned
    as status ``failed`` with a one-line message; the full traceback goes to ``log_path``.
    """
    start = time.perf_counter()
    name = geography.region_name(job.municipality_code)
    title = f"{catalogue.get(job.step).title} – {name}"
    timings: dict[str, float] = {}
    log = open(log_path, "w", encoding="utf-8") if log_path else None  # noqa: SIM115
    try:
        began = time.time()
        nb = execute(job, None, log=log, timeout=timeout)
        ended = time.time()
        timings["execute"] = time.perf_counter() - start
        cells = profile_cells(nb)
        timings["kernel"] = max(0.0, timings["execute"] - sum(cells.values()))
        span = _cell_span(nb)
        if span:
            timings["kernel_start"] = max(0.0, span[0] - began)
            timings["kernel_stop"] = max(0.0, ended - span[1])
        timings.update(cells)
        t = time.perf_counter()
        page = to_html(nb, title)
        timings["convert"] = time.perf_counter() - t
        job.output_dir.mkdir(parents=True, exist_ok=True)
        write_text(job.html_path, page)
        if pdf:
            t = time.perf_counter()
            try:
                html_to_pdf(job.html_path, job.pdf_path)
            except RuntimeError as exc:
                raise ReportError(f"PDF of {job.stem}: {exc}") from exc
            timings["pdf"] = time.perf_counter() - t
    except ReportError as exc:
        if log:
            import traceback

            traceback.print_exc(file=log)
        return ReportResult(job, "failed", time.perf_counter() - start, str(exc), timings=timings)
    finally:
        if log:
            log.close()
    finished = dt.datetime.now().isoformat(timespec="seconds")
    return ReportResult(job, "ok", time.perf_counter() - start, finished=finished, timings=timings)


# ---------------------------------------------------------------- index page


def _index_banner(results: Sequence[ReportResult]) -> str:
    """The example-data banner for the index when the reports' data are (partly) synthetic."""
    import json

    data_dirs = {r.job.data_dir for r in results} or {None}
    for data_dir in data_dirs:
        manifest_path = get_paths(data_dir).processed / "manifest.json"
        if not manifest_path.exists():
            continue
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if provenance.example_sources(manifest):
            return provenance.banner(manifest).data
    return ""


def report_gaps(result: ReportResult) -> list[str]:
    """What the sections of a rendered report lacked (names in words), read from the
    JSON element its footer writes (:meth:`vpanalysis.report.Page.footer`); empty when
    nothing was missing or the report is not there."""
    try:
        page = result.path.read_text(encoding="utf-8")
    except OSError:
        return []
    return provenance.report_gaps(page) or []


def write_index(output_dir: Path, results: Sequence[ReportResult]) -> Path:
    """``index.html`` linking every report of a run, with its status and date; a report
    whose sections lacked a register or source is "ofullständig", with what it lacks."""
    output_dir = Path(output_dir)
    by_municipality: dict[str, list[ReportResult]] = {}
    for result in results:
        by_municipality.setdefault(result.job.municipality_code, []).append(result)
    status_sv = {"ok": "klar", "failed": "misslyckades", "skipped": "oförändrad"}
    sections = []
    for code, items in sorted(by_municipality.items()):
        rows = []
        for r in sorted(items, key=lambda r: r.job.step):
            label = html.escape(catalogue.get(r.job.step).title)
            link = (
                f'<a href="{html.escape(r.path.name)}">{label}</a>'
                if r.status != "failed" and r.path.exists()
                else label
            )
            if r.status != "failed" and r.job.pdf_path.exists():
                link += f' (<a href="{html.escape(r.job.pdf_path.name)}">PDF</a>)'
            css = "vp-status-ok" if r.status != "failed" else "vp-status-bad"
            why = f" title='{html.escape(r.message, quote=True)}'" if r.message else ""
            shown = status_sv.get(r.status, r.status)
            gaps = report_gaps(r) if r.status != "failed" else None
            if gaps:
                css, shown = "vp-status-warn", "ofullständig"
                shown += (
                    "<br><span class='vp-note'>Uppgifter saknas: "
                    f"{html.escape(', '.join(gaps))}</span>"
                )
            rows.append(
                f"<tr><td>{link}</td><td class='{css}'{why}>{shown}"
                f"</td><td>{html.escape(r.finished[:10] or '–')}</td></tr>"
            )
        sections.append(
            f"<h2 id='k{code}'>{html.escape(geography.region_name(code))} ({code})</h2>"
            "<table><thead><tr><th>Rapport</th><th>Status</th><th>Datum</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
        )
    css = (TEMPLATE_DIR / "vpreport" / "report.css").read_text(encoding="utf-8")
    page = (
        "<!DOCTYPE html><html lang='sv'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1.0'>"
        f"<title>Våldsförebyggande arbete – rapporter</title><style>{css}</style></head>"
        "<body class='jp-Notebook'><main class='jp-RenderedHTMLCommon'>"
        "<h1>Våldsförebyggande arbete – rapporter</h1>"
        + _index_banner(results)
        + "<p>Rapporter per kommun enligt de fem stegen i handboken <em>Inget att vänta på</em>."
        "</p>" + "".join(sections) + f"<p class='vp-note'>vpanalysis {__version__}</p>"
        "</main></body></html>"
    )
    path = output_dir / "index.html"
    write_text(path, page)
    return path
