"""The catalogue of reports: one entry per notebook, used by the runner, the registers,
the index page and the README.

Each report has an ``id`` (the number given to ``vpanalysis report --step``), the
``slug`` of its notebook (``vpanalysis/notebooks/<slug>.ipynb``, also the stem of the rendered
files), its Swedish title, and the handbook step 1–5 of *Inget att vänta på* it belongs
to (``None`` for the comparison of the collaborating municipalities).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReportSpec:
    """One report of the catalogue."""

    id: int
    slug: str
    title: str
    #: The handbook step (1–5) the report belongs to, or None.
    step: int | None
    #: The handbook's Swedish name of the step (None for reports outside the steps).
    step_name: str | None = None

    @property
    def notebook_name(self) -> str:
        return f"{self.slug}.ipynb"


REPORTS: tuple[ReportSpec, ...] = (
    ReportSpec(0, "00_jamforelse", "Jämförelse mellan samverkanskommunerna", None),
    ReportSpec(1, "01_samverkan", "Steg 1: Initiera samverkan", 1, "Initiera samverkan"),
    ReportSpec(
        2,
        "02_lagesbild",
        "Steg 2: Beskriv våld som problem – lägesbild",
        2,
        "Beskriv våld som problem",
    ),
    ReportSpec(
        3,
        "03_forandringsfaktorer",
        "Steg 3: Identifiera förändringsfaktorer",
        3,
        "Identifiera förändringsfaktorer",
    ),
    ReportSpec(4, "04_insatser", "Steg 4: Utveckla insatser", 4, "Utveckla insatser"),
    ReportSpec(
        5,
        "05_uppfoljning",
        "Steg 5: Implementera, följ upp och sprid",
        5,
        "Implementera, följ upp och sprid",
    ),
)

#: Report id -> its catalogue entry.
BY_ID: dict[int, ReportSpec] = {r.id: r for r in REPORTS}

#: The five handbook steps: step number -> the handbook's Swedish name.
HANDBOOK_STEPS: dict[int, str] = {r.step: r.step_name for r in REPORTS if r.step is not None}


def get(report_id: int | str) -> ReportSpec:
    """The catalogue entry of ``report_id``; :class:`KeyError` naming the valid ids."""
    try:
        return BY_ID[int(report_id)]
    except (KeyError, ValueError):
        valid = ", ".join(str(r.id) for r in REPORTS)
        raise KeyError(f"unknown report {report_id!r}: choose one of {valid}") from None
