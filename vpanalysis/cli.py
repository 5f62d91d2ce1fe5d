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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
