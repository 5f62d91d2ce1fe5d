"""The key of a published local-source cell, shared by the publication, the HTML and the audit.

Every local-source number a report shows is one *cell* of the protected publication,
identified by its key. In the rendered HTML each shown number (or a text holding several, such as
"12,3 (8,1–17,9)") is wrapped in an element whose ``data-vp-cells`` attribute lists, as
JSON, the cells it shows, so that :mod:`vpanalysis.audit` can read every report of a run
like an attacker would and bound what is withheld::

    <span class="vp-cell" data-vp-cells='[{"source": "socialtjanst",
        "measure": "Våld i nära relation", "region": "2161", "year": "2023", "sex": "T",
        "age": "totalt", "grade": "alla", "answer": "", "parent": "", "kind": "count",
        "value": "12"}]'>12</span>

A chart of local-source values embeds the cells it draws in a
``<script type="application/json" class="vp-cells">[{...}, ...]</script>`` element next to
the image, with the same objects.

Keys (all strings in HTML):

``source``
    ``socialtjanst``, ``kvinnojour`` or ``skolenkat``; ``register`` for a count of persons
    typed into a register (:func:`register_cell`: an intervention's or an activity's reach,
    a goal's baseline, target or latest value that is a count of persons).
``measure``
    The category as in the observation table (counts), the survey item (``utsatt_hot``), or
    ``respondents`` (pupils who took the survey).
``parent``
    Optional: the category this category is a sub-category of (the parts of a category).
``region``
    A municipality code, or a pool of municipalities ``pool:2181+2183`` (codes sorted,
    joined by ``+``): a comparison value that adds up the counts of those municipalities.
``year``
    The year (``2023``).
``sex``
    ``K``, ``M``, ``T`` (all) or ``U`` (not stated; survey only).
``age``
    The age group of a count (``0-17``, ``18+``, ``totalt``); ``alla`` for the survey.
``grade``
    The survey grade (``åk9``, ``gy2``) or ``alla``; ``alla`` for counts.
``answer``
    Survey only: ``yes`` (the pupils with the answer counted as a share), ``answered`` (the
    pupils who answered the item); empty for counts and for ``respondents``.
``kind``
    ``count`` (a number of persons), ``share`` (per cent of ``answered`` with ``answer=yes``),
    ``lower`` / ``upper`` (its 95 % Wilson interval, per cent), ``denominator`` (the count
    the share is of), or ``withheld`` (not published; no value).
``value``
    The number as shown, with a decimal point (``12``, ``34.5``); absent when withheld.

Relations an attacker knows (and the audit derives from the keys alone): ``T`` = ``K`` +
``M`` (+ ``U``), the age group ``totalt`` = the sum of the other age groups, grade ``alla``
= the sum of the grades, ``answered`` = ``yes`` + the pupils who said no, ``respondents`` >=
``answered``, a category >= each of its parts (``parent``), a pool = the sum of its
municipalities, and the same key in two reports is the same number.
"""

from __future__ import annotations

import pandas as pd

#: The key fields of a cell, in order.
KEY_FIELDS: tuple[str, ...] = (
    "source",
    "measure",
    "parent",
    "region",
    "year",
    "sex",
    "age",
    "grade",
    "answer",
)
#: The attribute that lists, as JSON, the cells an element shows.
CELLS_ATTRIBUTE = "data-vp-cells"
#: What a marked number is.
KINDS: tuple[str, ...] = ("count", "share", "lower", "upper", "denominator", "withheld")
#: ``class`` of the JSON element that lists the cells a chart draws.
CHART_CELLS_CLASS = "vp-cells"
ALL = "alla"
#: ``source`` of a count of persons typed into a register (:func:`register_cell`).
REGISTER = "register"
TOTAL_AGE = "totalt"
POOL_PREFIX = "pool:"


def pool_region(codes) -> str:
    """The region key of a pooled comparison value over ``codes``."""
    return POOL_PREFIX + "+".join(sorted(str(c) for c in codes))


def pool_members(region: str) -> list[str]:
    """The municipality codes of a pooled region key (``[]`` for a plain code)."""
    if not str(region).startswith(POOL_PREFIX):
        return []
    return str(region)[len(POOL_PREFIX) :].split("+")


def cell(kind: str, value: object = None, **key: object) -> dict[str, str]:
    """One cell as the HTML lists it: every key field (missing ones empty), kind and value.

    ``value`` is ``None`` for a withheld cell; numbers are written with a decimal point.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    unknown = set(key) - set(KEY_FIELDS)
    if unknown:
        raise ValueError(f"unknown key field(s) {sorted(unknown)}; use {', '.join(KEY_FIELDS)}")
    out = {f: "" if key.get(f) is None else str(key[f]) for f in KEY_FIELDS}
    out["kind"] = kind
    if value is not None and kind != "withheld":
        number = float(value)
        out["value"] = str(int(number)) if number.is_integer() else repr(number)
    return out


def register_cell(value: object, measure: str, region: object, year: object = "") -> dict[str, str]:
    """The mark of a count of persons typed into a register: ``source`` :data:`REGISTER`,
    ``measure`` naming the register and the row (``reach:LJ-01``, ``goal:LJ-M5:target``),
    ``region`` the municipality code, ``year`` when the value has one; both sexes, all ages.
    A missing value (``None``, ``<NA>``: withheld as 1..threshold-1 or unknown) is marked
    ``withheld``, so that the audit bounds it like a withheld cell of the publication."""
    year = "" if year is None or bool(pd.isna(year)) else year
    if isinstance(year, float) and year.is_integer():
        year = int(year)
    key = dict(source=REGISTER, measure=measure, region=region, year=year, sex="T",
               age=TOTAL_AGE, grade=ALL, answer="")  # fmt: skip
    if value is None or bool(pd.isna(value)):
        return cell("withheld", None, **key)
    return cell("count", value, **key)
