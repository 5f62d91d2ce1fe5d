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


@click.group()
@click.version_option(package_name="vpanalysis")
def main() -> None:
    """Data-based violence prevention: data, indicators and reports per municipality."""


@main.group()
def data() -> None:
    """Build the processed tables from data/raw."""


@data.command("build")
@click.option("--force", is_flag=True, help="Rebuild even when no input changed.")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Data folder holding raw/ and processed/ (default: the project's data/).",
)
def data_build(force: bool, data_dir: str | None) -> None:
    """Read, clean and validate every raw source into data/processed (idempotent, atomic)."""
    from vpanalysis.errors import DataError
    from vpanalysis.pipeline import build

    try:
        result = build(data_dir=data_dir, force=force)
    except DataError as exc:
        raise UserError(str(exc)) from exc
    click.echo(result.summary())


def _years(text: str) -> tuple[int, int]:
    first, _, last = text.partition("-")
    try:
        return int(first), int(last or first)
    except ValueError as exc:
        raise UserError(f"--years must look like 2015-2024, got {text!r}") from exc


@main.command("report")
@click.option("--municipality", "-m", required=True, help="Code or name, e.g. 2161 or Ljusdal.")
@click.option("--step", "-s", required=True, type=int, help="0 (comparison) or 1-5.")
@click.option("--output", "-o", type=click.Path(file_okay=False), default=None)
@click.option("--comparison", default=None, help="Comparison municipalities, comma-separated.")
@click.option("--years", default="2015-2024", show_default=True)
@click.option("--data-dir", type=click.Path(file_okay=False), default=None)
@click.option("--threshold", type=int, default=5, show_default=True, help="Disclosure threshold.")
def report(municipality, step, output, comparison, years, data_dir, threshold) -> None:
    """Execute one step notebook for one municipality and render it to HTML."""
    from vpanalysis import geography
    from vpanalysis.runner import ReportError, make_job, render

    try:
        job = make_job(
            step,
            municipality,
            output,
            comparison=geography.resolve_many(comparison) if comparison else None,
            years=_years(years),
            data_dir=data_dir,
            disclosure_threshold=threshold,
        )
    except (geography.UnknownRegionError, ReportError) as exc:
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
@click.option("--workers", type=int, default=None, help="Parallel reports (default: cores).")
@click.option("--force", is_flag=True, help="Rebuild reports that are up to date.")
@click.option("--pdf", is_flag=True, help="Also print each report to PDF (headless Chromium).")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local")
@click.option("--scheduler", default=None, help="Dask scheduler address (with --executor dask).")
@click.option("--output", "-o", type=click.Path(file_okay=False), default=None)
@click.option("--years", default="2015-2024", show_default=True)
@click.option("--data-dir", type=click.Path(file_okay=False), default=None)
@click.option("--threshold", type=int, default=5, show_default=True, help="Disclosure threshold.")
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
    years,
    data_dir,
    threshold,
) -> None:
    """Render many reports and an index page; a failing report never stops the others."""
    from vpanalysis import geography
    from vpanalysis.batch import run_reports
    from vpanalysis.runner import ReportError

    try:
        if all_:
            codes = geography.municipalities()["municipality_code"].tolist()
        elif county:
            codes = geography.municipalities_in(county)
        elif municipalities:
            codes = [geography.municipality_code(c) for c in municipalities.split(",") if c]
        else:
            raise UserError("choose --municipalities, --county or --all")
        step_list = [int(s) for s in steps.split(",") if s.strip()]
        summary = run_reports(
            codes,
            step_list,
            output_dir=output,
            workers=workers,
            force=force,
            pdf=pdf,
            executor=executor,
            scheduler=scheduler,
            years=_years(years),
            data_dir=data_dir,
            disclosure_threshold=threshold,
        )
    except (geography.UnknownRegionError, ReportError, ValueError) as exc:
        raise UserError(str(exc)) from exc
    click.echo(summary.table())
    if summary.index:
        click.echo(f"Index: {summary.index}")
    if summary.failed:
        raise SystemExit(1)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
