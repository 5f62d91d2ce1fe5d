"""The look of the reports, decided in one place: colours and order of regions by role.

Every chart that shows regions (:mod:`vpanalysis.plots`) takes their colours, line styles
and legend order from here, so a region looks the same in every chart of every report.
A region's role follows from its label alone:

* ``focus``: the municipality the report is about (the ``focus=`` a chart is given),
* ``county``: a label ending in `` län`` (``"Gävleborgs län"``),
* ``sweden``: ``"Riket"`` (:data:`vpanalysis.geography.SWEDEN_NAME`),
* ``collaborating``: any other municipality (the collaborating or compared ones).

The colours come from seaborn's colour-blind safe ``colorblind`` palette: the municipality
in focus a strong blue, the collaborating municipalities a fixed sequence of other hues
(in alphabetical order, so the same set gets the same colours in every chart), the
county and Sweden grey and black, told apart by their line style as well::

    colours = style.region_colours(["Riket", "Bollnäs", "Ljusdal"], focus="Ljusdal")
    style.region_order(["Riket", "Bollnäs", "Ljusdal"], focus="Ljusdal")
    # ['Ljusdal', 'Bollnäs', 'Riket']
"""

from __future__ import annotations

from collections.abc import Iterable

from vpanalysis.geography import SWEDEN_NAME

FOCUS = "focus"
COLLABORATING = "collaborating"
COUNTY = "county"
SWEDEN = "sweden"
#: The roles in legend order.
ROLES = (FOCUS, COLLABORATING, COUNTY, SWEDEN)

#: One colour per role; collaborating municipalities take theirs from
#: :data:`COLLABORATING_COLOURS` (this entry is the first of them).
ROLE_COLOURS = {
    FOCUS: "#0173b2",  # colorblind blue
    COLLABORATING: "#de8f05",
    COUNTY: "#7f7f7f",  # mid grey
    SWEDEN: "#262626",  # near black
}
#: The collaborating municipalities' colours, in alphabetical order of their names
#: (colorblind orange, green, pink, brown, vermilion; repeated beyond five).
COLLABORATING_COLOURS = ("#de8f05", "#029e73", "#cc78bc", "#ca9161", "#d55e00")
#: Regions shown only for context, outside the four roles (a funnel plot's other
#: municipalities of the county).
CONTEXT_COLOUR = "#a0a7af"

#: Line width, line style and drawing order per role (line charts).
ROLE_LINES = {
    FOCUS: {"lw": 2.6, "ls": "-", "zorder": 4},
    COLLABORATING: {"lw": 1.4, "ls": "-", "zorder": 3},
    COUNTY: {"lw": 1.6, "ls": "--", "zorder": 2},
    SWEDEN: {"lw": 1.6, "ls": ":", "zorder": 2},
}
#: Opacity of a confidence band per role.
ROLE_BAND_ALPHA = {FOCUS: 0.15, COLLABORATING: 0.08, COUNTY: 0.08, SWEDEN: 0.08}

_SWEDISH_LETTERS = str.maketrans({"å": "{", "ä": "|", "ö": "}"})  # the three after "z"


def _swedish_key(label: str) -> str:
    """Sort key in Swedish alphabetical order (å, ä, ö after z)."""
    return str(label).casefold().translate(_SWEDISH_LETTERS)


def role_of(label: object, focus: object | None = None) -> str:
    """The role of a region label: ``focus``, ``county``, ``sweden`` or ``collaborating``."""
    text = str(label)
    if focus is not None and text == str(focus):
        return FOCUS
    if text == SWEDEN_NAME:
        return SWEDEN
    if text.endswith(" län"):
        return COUNTY
    return COLLABORATING


def is_regional(labels: Iterable[object], focus: object | None = None) -> bool:
    """True when ``labels`` name regions: the focus, a county or Sweden is among them."""
    return any(role_of(label, focus) != COLLABORATING for label in labels)


def region_order(labels: Iterable[object], focus: object | None = None) -> list:
    """``labels`` without duplicates in legend order: the focus, the collaborating
    municipalities (alphabetically), the county, Sweden."""
    unique = list(dict.fromkeys(labels))
    return sorted(unique, key=lambda x: (ROLES.index(role_of(x, focus)), _swedish_key(x)))


def region_colours(labels: Iterable[object], focus: object | None = None) -> dict:
    """Label -> colour (hex) for the regions in ``labels``, by role (:data:`ROLE_COLOURS`);
    the collaborating municipalities in alphabetical order take :data:`COLLABORATING_COLOURS`."""
    colours = {}
    others = 0
    for label in region_order(labels, focus):
        role = role_of(label, focus)
        if role == COLLABORATING:
            colours[label] = COLLABORATING_COLOURS[others % len(COLLABORATING_COLOURS)]
            others += 1
        else:
            colours[label] = ROLE_COLOURS[role]
    return colours


def region_lines(labels: Iterable[object], focus: object | None = None) -> dict:
    """Label -> keyword arguments of :meth:`matplotlib.axes.Axes.plot` (``color``, ``lw``,
    ``ls``, ``zorder``), in legend order."""
    colours = region_colours(labels, focus)
    return {
        label: {"color": colour, **ROLE_LINES[role_of(label, focus)]}
        for label, colour in colours.items()
    }
