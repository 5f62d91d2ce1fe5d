"""The ``vpanalysis`` command line.

Heavy modules (pandas, papermill) are imported inside the commands so that
``vpanalysis --help`` stays fast.
"""

from __future__ import annotations

import sys

import click


class UserError(click.ClickException):
    """An error in the user's input or data: one line, non-zero exit, no traceback."""

    def show(self, file=None) -> None:  # noqa: D102 - click API
        click.echo(f"vpanalysis: error: {self.format_message()}", err=True, file=file)


class UsageLineError(UserError):
    """A bad option value: one line, exit code 2 (as click's usage errors), no traceback."""

    exit_code = 2


#: The lowest disclosure threshold the command line accepts (1 would switch protection
#: off; the library still accepts lower values, for tests).
MIN_THRESHOLD = 3


def _threshold(ctx, param, value):  # noqa: ARG001 - click callback
    if value is not None and value < MIN_THRESHOLD:
        raise UsageLineError(
            f"--threshold must be at least {MIN_THRESHOLD} (counts of persons under it are "
            f"never published), got {value}"
        )
    return value


def _output(ctx, param, value):  # noqa: ARG001 - click callback
    """``--output`` must be a folder or a path that can become one: no part of it a file."""
    if value is None:
        return value
    from pathlib import Path

    path = Path(value)
    for part in [path, *path.parents]:
        if part.exists() or part.is_symlink():
            if not part.is_dir():
                raise UsageLineError(
                    f"--output {value}: {part} is a file, not a folder; choose a folder"
                )
            break
    return value


_THRESHOLD_HELP = (
    f"Disclosure threshold (at least {MIN_THRESHOLD}); it belongs to the workspace's "
    "configuration, so a value other than the configured one is refused."
)
_WORKSPACE_HELP = (
    "Workspace folder (with vpanalysis.toml; default: $VPANALYSIS_WORKSPACE, else the nearest "
    "vpanalysis.toml in this folder or above, else the repository's example data)."
)


def _workspace_option(command):
    return click.option(
        "--workspace",
        type=click.Path(file_okay=False),
        default=None,
        help=_WORKSPACE_HELP,
    )(command)


def _workspace(workspace: str | None, data_dir: str | None = None):
    """The workspace a command uses and its data folder (``--data-dir`` overrides it)."""
    from vpanalysis import workspace as ws_module

    try:
        ws = ws_module.resolve(workspace)
    except ws_module.WorkspaceError as exc:
        raise UserError(str(exc)) from exc
    if data_dir is None and ws.root is not None:
        data_dir = str(ws.data_dir)
    return ws, data_dir


def _run_threshold(ws, threshold: int | None) -> int:
    from vpanalysis import workspace as ws_module

    try:
        return ws_module.check_threshold(ws, threshold)
    except ws_module.WorkspaceError as exc:
        raise UsageLineError(str(exc)) from exc


@click.group()
@click.version_option(package_name="vpanalysis")
def main() -> None:
    """Data-based violence prevention: data, indicators and reports per municipality."""


@main.command("init")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option(
    "--municipality",
    "-m",
    "municipalities",
    multiple=True,
    required=True,
    help="Code or name of a municipality of the collaboration (repeat, or comma-separated).",
)
@click.option(
    "--comparison",
    default=None,
    help="Comparison municipalities, comma-separated (default: the rest of the county).",
)
@click.option("--years", default=None, help="First-last, e.g. 2015-2024 (default 2015-2024).")
@click.option(
    "--threshold",
    type=int,
    default=None,
    callback=_threshold,
    help=f"Disclosure threshold of the collaboration (at least {MIN_THRESHOLD}, default 5).",
)
@click.option(
    "--registers",
    type=click.Choice(["excel", "csv"]),
    default="excel",
    show_default=True,
    help="Empty registers as one workbook (register.xlsx) or one CSV/YAML file each.",
)
def init(directory, municipalities, comparison, years, threshold, registers) -> None:
    """Create a workspace in DIRECTORY for a collaboration of municipalities.

    Writes vpanalysis.toml, data/raw (definitions, KPI list, survey codebook, the empty
    registers: register.xlsx, or CSV templates), reports/ and LÄSMIG.md with what to fill
    in and fetch.
    """
    from vpanalysis import workspace as ws_module
    from vpanalysis.config import DISCLOSURE_THRESHOLD

    names = [m.strip() for value in municipalities for m in value.split(",") if m.strip()]
    others = [c.strip() for c in comparison.split(",") if c.strip()] if comparison else None
    try:
        ws = ws_module.init(
            directory,
            names,
            comparison=others,
            years=_years(years) if years else None,
            threshold=DISCLOSURE_THRESHOLD if threshold is None else threshold,
            registers=registers,
        )
    except ws_module.WorkspaceError as exc:
        raise UserError(str(exc)) from exc
    click.echo(f"Workspace {ws.root}: {ws.describe()}")
    click.echo(f"Next: read {ws.root / ws_module.README_FILE}, then in {ws.root}:")
    for line in [*ws_module.fetch_commands(ws), "vpanalysis data build", "vpanalysis reports"]:
        click.echo(f"  {line}")


@main.group()
def data() -> None:
    """Build the processed tables from data/raw."""


@data.command("build")
@click.option("--force", is_flag=True, help="Rebuild even when no input changed.")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Data folder holding raw/ and processed/ (default: the workspace's data/).",
)
@_workspace_option
def data_build(force: bool, data_dir: str | None, workspace: str | None) -> None:
    """Read, clean and validate every raw source into data/processed (idempotent, atomic)."""
    from vpanalysis.errors import DataError
    from vpanalysis.pipeline import build

    _, data_dir = _workspace(workspace, data_dir)
    try:
        result = build(data_dir=data_dir, force=force)
    except DataError as exc:
        raise UserError(str(exc)) from exc
    click.echo(result.summary())


@main.group("registers")
def registers_group() -> None:
    """The registers (partners, factors, interventions, goals …)."""


@registers_group.command("to-excel")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Data folder holding raw/ (default: the workspace's data/).",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the workbook here and leave the CSV/YAML files (default: replace them by "
    "register.xlsx, moving them to csv-yaml/).",
)
@_workspace_option
def registers_to_excel(data_dir: str | None, output: str | None, workspace: str | None) -> None:
    """Write the registers as one Excel workbook (register.xlsx) with drop-down lists."""
    from vpanalysis import registers
    from vpanalysis.config import get_paths
    from vpanalysis.errors import DataError

    _, data_dir = _workspace(workspace, data_dir)
    folder = get_paths(data_dir).raw / "registers"
    try:
        if output:
            path = registers.write_workbook(output, registers.load_registers(folder))
        else:
            path = registers.convert_to_workbook(folder)
    except DataError as exc:
        raise UserError(str(exc)) from exc
    click.echo(path)


@main.group()
def fetch() -> None:
    """Fetch real public statistics (Kolada, SCB, BRÅ) into data/raw/<source>/hamtat/."""


_DATA_DIR_HELP = "Data folder holding raw/ (default: the workspace's data/)."


def _run_fetch(call) -> None:
    from vpanalysis.errors import DataError
    from vpanalysis.fetch.http import FetchError

    try:
        result = call()
    except (FetchError, DataError) as exc:
        raise UserError(f"{exc} (existing raw data left untouched)") from exc
    click.echo(result.summary())


@fetch.command("kolada")
@click.option("--kpi", default=None, help="KPI ids, comma-separated (default: kolada/kpis.csv).")
@click.option(
    "--municipality",
    default=None,
    help="Codes or names, comma-separated; 21 or 0021 = county, 0000 = Riket "
    "(default: the workspace's municipalities and comparison set, their county and Riket; "
    "for the example data Gävleborg's municipalities, the county and Riket).",
)
@click.option("--years", default=None, help="First-last (default: the workspace's years).")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None, help=_DATA_DIR_HELP)
@_workspace_option
def fetch_kolada(kpi, municipality, years, data_dir, workspace) -> None:
    """Kolada API v3 (VPANALYSIS_KOLADA_URL overrides https://api.kolada.se/v3)."""
    from vpanalysis.fetch.kolada import fetch_kolada as run
    from vpanalysis.workspace import fetch_regions

    ws, data_dir = _workspace(workspace, data_dir)
    kpis = [k for k in (kpi or "").split(",") if k.strip()] or None
    ids = [m for m in (municipality or "").split(",") if m.strip()] or None
    if ids is None and ws.root is not None:
        ids = fetch_regions(ws)[0]
    span = _years(years) if years else ws.years
    _run_fetch(lambda: run(kpis, ids, span, data_dir=data_dir))


@fetch.command("scb-population")
@click.option(
    "--region",
    default=None,
    help="Codes or names, comma-separated; 21 = county, 00 = Riket "
    "(default: the workspace's municipalities and comparison set, their county and Riket; "
    "for the example data Gävleborg's municipalities, the county and Riket).",
)
@click.option("--years", default=None, help="First-last (default: the workspace's years).")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None, help=_DATA_DIR_HELP)
@_workspace_option
def fetch_scb_population(region, years, data_dir, workspace) -> None:
    """SCB PxWebApi v2, table TAB638 (VPANALYSIS_SCB_URL overrides the base URL)."""
    from vpanalysis.fetch.scb import fetch_population
    from vpanalysis.workspace import fetch_regions

    ws, data_dir = _workspace(workspace, data_dir)
    regions = [r for r in (region or "").split(",") if r.strip()] or None
    if regions is None and ws.root is not None:
        regions = fetch_regions(ws)[1]
    span = _years(years) if years else ws.years
    _run_fetch(lambda: fetch_population(regions, span, data_dir=data_dir))


@fetch.command("bra")
@click.argument("file_or_url")
@click.option("--year", type=int, default=None, help="Year of a file without a year column.")
@click.option(
    "--category", default=None, help="BRÅ crime category of a file without a category column."
)
@click.option("--data-dir", type=click.Path(file_okay=False), default=None, help=_DATA_DIR_HELP)
@_workspace_option
def fetch_bra(file_or_url, year, category, data_dir, workspace) -> None:
    """BRÅ's per-municipality CSV from a file or URL, names matched to codes."""
    from vpanalysis.fetch.bra import fetch_bra as run

    _, data_dir = _workspace(workspace, data_dir)
    _run_fetch(lambda: run(file_or_url, year=year, category=category, data_dir=data_dir))


def _years(text: str) -> tuple[int, int]:
    first, _, last = text.partition("-")
    try:
        return int(first), int(last or first)
    except ValueError as exc:
        raise UserError(f"--years must look like 2015-2024, got {text!r}") from exc


_COMPARISON_HELP = (
    "Comparison municipalities, comma-separated (default: the workspace's municipalities "
    "and comparison set)."
)
_YEARS_HELP = "First-last, e.g. 2015-2024 (default: the workspace's years)."


@main.command("report")
@click.option(
    "--municipality",
    "-m",
    default=None,
    help="Code or name, e.g. 2161 or Ljusdal (default: the workspace's, when it has one).",
)
@click.option("--step", "-s", required=True, type=int, help="0 (comparison) or 1-5.")
@click.option("--output", "-o", type=click.Path(), default=None, callback=_output)
@click.option("--comparison", default=None, help=_COMPARISON_HELP)
@click.option("--years", default=None, help=_YEARS_HELP)
@click.option("--data-dir", type=click.Path(file_okay=False), default=None)
@click.option("--threshold", type=int, default=None, callback=_threshold, help=_THRESHOLD_HELP)
@_workspace_option
def report(municipality, step, output, comparison, years, data_dir, threshold, workspace) -> None:
    """Execute one step notebook for one municipality and render it to HTML."""
    from vpanalysis import baseline, geography, publication
    from vpanalysis.errors import DataError
    from vpanalysis.runner import ReportError, make_job, render

    ws, data_dir = _workspace(workspace, data_dir)
    threshold = _run_threshold(ws, threshold)
    if municipality is None:
        if len(ws.municipalities) != 1:
            raise UsageLineError("choose --municipality: one of " + ", ".join(ws.municipalities))
        municipality = ws.municipalities[0]
    try:
        job = make_job(
            step,
            municipality,
            output or (ws.reports_dir if ws.root else None),
            comparison=geography.resolve_many(comparison) if comparison else ws.comparison_codes,
            years=_years(years) if years else ws.years,
            data_dir=data_dir,
            disclosure_threshold=threshold,
        )
        baseline.freeze_for([job])  # before the notebook runs
        publication.ensure_for([job])
    except (geography.UnknownRegionError, ReportError, DataError) as exc:
        raise UserError(str(exc)) from exc
    result = render(job)
    if result.status == "failed":
        raise UserError(result.message)
    click.echo(f"{result.path} ({result.seconds:.1f} s)")


@main.command("reports")
@click.option("--municipalities", default=None, help="Codes or names, comma-separated.")
@click.option("--county", default=None, help="All municipalities of a county, e.g. 21.")
@click.option("--all", "all_", is_flag=True, help="All 290 municipalities.")
@click.option("--steps", default="0,1,2,3,4,5", show_default=True)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Reports in parallel (default: the number of cores).",
)
@click.option("--force", is_flag=True, help="Rebuild reports that are up to date.")
@click.option("--pdf", is_flag=True, help="Also print each report to PDF (headless Chromium).")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local")
@click.option("--scheduler", default=None, help="Dask scheduler address (with --executor dask).")
@click.option("--output", "-o", type=click.Path(), default=None, callback=_output)
@click.option("--comparison", default=None, help=_COMPARISON_HELP)
@click.option("--years", default=None, help=_YEARS_HELP)
@click.option("--data-dir", type=click.Path(file_okay=False), default=None)
@click.option("--threshold", type=int, default=None, callback=_threshold, help=_THRESHOLD_HELP)
@_workspace_option
@click.option(
    "--timeout",
    type=click.IntRange(min=1),
    default=600,
    show_default=True,
    help="Seconds a cell may run; a report's worker is killed a minute after that.",
)
def reports(
    municipalities,
    county,
    all_,
    steps,
    workers,
    force,
    pdf,
    executor,
    scheduler,
    output,
    comparison,
    years,
    data_dir,
    threshold,
    workspace,
    timeout,
) -> None:
    """Render many reports and an index page; a failing report never stops the others.

    Reports that are up to date (same notebook, data, parameters and package version)
    are skipped; --force rebuilds them. An interrupted run leaves only complete files:
    run the same command again to finish it. The exit code is 1 when a report failed.
    Without --municipalities/--county/--all: the workspace's municipalities.
    """
    from vpanalysis import geography
    from vpanalysis.batch import run_reports
    from vpanalysis.runner import ReportError

    ws, data_dir = _workspace(workspace, data_dir)
    threshold = _run_threshold(ws, threshold)
    try:
        if all_:
            codes = geography.municipalities()["municipality_code"].tolist()
        elif county:
            codes = geography.municipalities_in(county)
        elif municipalities:
            codes = [
                geography.municipality_code(c.strip())
                for c in municipalities.split(",")
                if c.strip()
            ]
        elif ws.root is not None:
            codes = list(ws.municipalities)
        else:
            raise UserError(
                "choose --municipalities, --county or --all (a workspace made by "
                "'vpanalysis init' names its own)"
            )
        step_list = [s.strip() for s in steps.split(",") if s.strip()]
        if not all(s.isdigit() for s in step_list):
            raise UserError(f"--steps must be step numbers such as 1,2,5, got {steps!r}")
        summary = run_reports(
            codes,
            [int(s) for s in step_list],
            output_dir=output or (ws.reports_dir if ws.root else None),
            workers=workers,
            force=force,
            pdf=pdf,
            executor=executor,
            scheduler=scheduler,
            timeout=timeout,
            comparison=geography.resolve_many(comparison) if comparison else ws.comparison_codes,
            years=_years(years) if years else ws.years,
            data_dir=data_dir,
            disclosure_threshold=threshold,
        )
    except (geography.UnknownRegionError, ReportError, ValueError) as exc:
        raise UserError(str(exc)) from exc
    except KeyboardInterrupt:
        click.echo("Avbrutet: färdiga rapporter finns kvar; kör samma kommando igen.", err=True)
        raise SystemExit(130) from None
    click.echo(summary.table())
    if summary.index:
        click.echo(f"Index: {summary.index}")
    if summary.failed or summary.disclosed:
        raise SystemExit(1)


@main.command("lab", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@_workspace_option
@click.option("--municipality", "-m", default=None, help="Set the copies to this municipality.")
@click.option(
    "--copy-only", is_flag=True, help="Only copy the notebooks into the workspace; no JupyterLab."
)
@click.pass_context
def lab(ctx, workspace, municipality, copy_only) -> None:
    """Open JupyterLab in the workspace, with copies of the step notebooks set to it.

    The copies go to the workspace's notebooks/ (copies already there are kept: they may
    hold your edits; delete one to get a fresh copy). Further options go to JupyterLab,
    e.g. --no-browser --port 8899. Needs the lab extra: pip install "vpanalysis[lab]".
    """
    import importlib.util
    import subprocess

    from vpanalysis import geography
    from vpanalysis import lab as lab_module

    ws, _ = _workspace(workspace)
    try:
        code = geography.municipality_code(municipality) if municipality else None
    except geography.UnknownRegionError as exc:
        raise UserError(str(exc)) from exc
    copied, kept = lab_module.copy_notebooks(ws, code)
    folder = lab_module.target_dir(ws)
    click.echo(
        f"{folder}: {len(copied)} notebooks copied"
        + (f", {len(kept)} kept as they were" if kept else "")
    )
    if copy_only:
        return
    if importlib.util.find_spec("jupyterlab") is None:
        raise UserError('JupyterLab is not installed: pip install "vpanalysis[lab]"')
    try:
        status = subprocess.call(lab_module.command(ws, tuple(ctx.args)), cwd=folder.parent)
    except KeyboardInterrupt:
        status = 130
    raise SystemExit(status)


@main.command("audit")
@click.argument("report_dir", type=click.Path(exists=True, file_okay=False))
@click.option(
    "--threshold",
    type=click.IntRange(min=3),
    default=None,
    help="Disclosure threshold, at least 3 (default: the largest the reports state, else 5).",
)
def audit(report_dir, threshold) -> None:
    """Read every report in REPORT_DIR like an attacker and bound what is withheld.

    Exit code 0 when no count of persons 1..threshold-1 is shown or derivable, 1 when one
    is (each finding names report, table and cell), 2 on a usage error.
    """
    from pathlib import Path

    if not any(Path(report_dir).glob("*.html")):
        raise click.UsageError(f"no *.html reports in {report_dir}")
    from vpanalysis.audit import audit as run

    result = run(report_dir, threshold=threshold)
    for line in result.lines():
        click.echo(line)
    if result.findings:
        raise SystemExit(1)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
