"""Cell parsers: one register cell (text) -> a value, or :class:`_CellError`."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

import pandas as pd

from vpanalysis import geography
from vpanalysis.registers.errors import _CellError
from vpanalysis.registers.vocabularies import INDICATOR_SOURCES, REGISTER_INDICATORS, match_key

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")


def split_list(text: object) -> list[str]:
    """``"a, b | c"`` -> ``["a", "b", "c"]``; empty parts dropped."""
    if text is None or (isinstance(text, float) and math.isnan(text)) or text is pd.NA:
        return []
    return [part.strip() for part in re.split(r"[,|]", str(text)) if part.strip()]


def parse_number(text: str) -> float:
    """Swedish or plain number: ``1 234,5``, ``1234.5``, ``250 000 kr``, ``12,5 %``."""
    s = re.sub(r"(?i)\s*(kr|sek|st|%|h|tim|timmar)\.?$", "", text.strip())
    s = _SPACES.sub("", s).replace("\u2212", "-")
    if "," in s and "." in s:
        raise _CellError("ambiguous number: use either decimal comma or decimal point")
    s = s.replace(",", ".")
    try:
        value = float(s)
    except ValueError:
        raise _CellError("not a number") from None
    if math.isnan(value) or math.isinf(value):
        raise _CellError("not a number")
    return value


def parse_int(text: str) -> int:
    value = parse_number(text)
    if not value.is_integer():
        raise _CellError("not a whole number")
    return int(value)


_DATE = re.compile(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")


def parse_date(text: str) -> dt.date:
    """ISO dates as Swedish Excel writes them: ``2021-10-12`` (``2021-10`` = 1 October)."""
    m = _DATE.fullmatch(text.strip())
    if not m:
        raise _CellError("not a date: write it as YYYY-MM-DD, e.g. 2021-10-12")
    year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3) or 1)
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise _CellError("not a valid calendar date") from None


_TRUE = {"ja", "j", "yes", "y", "true", "sant", "1", "x"}
_FALSE = {"nej", "n", "no", "false", "falskt", "0", ""}


def parse_bool(text: str) -> bool:
    k = match_key(text)
    if k in _TRUE:
        return True
    if k in _FALSE:
        return False
    raise _CellError("write ja or nej")


def parse_steps(text: str) -> tuple[int, ...]:
    """``"1|2|5"``, ``"1-3, 5"``, ``"1–5"`` or ``"alla"`` -> sorted step numbers."""
    steps: set[int] = set()
    for part in re.split(r"[,|;]", text):
        part = part.strip()
        if not part:
            continue
        if match_key(part) in ("alla", "all", "samtliga"):
            steps.update(range(1, 6))
            continue
        m = re.fullmatch(r"(\d)\s*[-\u2013\u2014]\s*(\d)", part)
        if m:
            lo, hi = int(m.group(1)), int(m.group(2))
            if not 1 <= lo <= hi <= 5:
                raise _CellError("steps are numbered 1 to 5")
            steps.update(range(lo, hi + 1))
            continue
        if not re.fullmatch(r"\d", part) or not 1 <= int(part) <= 5:
            raise _CellError(f"steps are numbered 1 to 5 (got {part!r})")
        steps.add(int(part))
    return tuple(sorted(steps))


def parse_municipality(text: str) -> str:
    """A municipality code or name -> 4-character code (``"180"`` from Excel -> ``"0180"``)."""
    s = text.strip()
    if re.fullmatch(r"\d{3}", s):
        s = s.zfill(4)
    try:
        return geography.municipality_code(s)
    except geography.UnknownRegionError as exc:
        raise _CellError(f"unknown municipality: {exc}") from None


def parse_indicator(text: str) -> str:
    """Validate and normalise an indicator id ``source:measure`` (see module docstring)."""
    m = re.fullmatch(r"\s*([^:\s]+)\s*:\s*(\S(?:.*\S)?)\s*", text)
    if not m:
        raise _CellError(
            "indicator must be written source:measure, e.g. kolada:N07403 or skolenkat:risk_alkohol"
        )
    source = INDICATOR_SOURCES.canonical(m.group(1))
    if source is None:
        raise _CellError(f"unknown indicator source; allowed: {INDICATOR_SOURCES.describe()}")
    measure = m.group(2)
    if source == "kolada":
        measure = measure.upper()
        if not re.fullmatch(r"[NU]\d{5}", measure):
            raise _CellError("a Kolada KPI id is N or U and five digits, e.g. N07403")
    elif source == "skolenkat":
        if not re.fullmatch(r"[a-z][a-z0-9_]*", measure):
            raise _CellError("a survey item name is lower-case letters, digits and _")
    elif source == "register" and measure not in REGISTER_INDICATORS:
        raise _CellError(f"unknown register indicator; allowed: {', '.join(REGISTER_INDICATORS)}")
    return f"{source}:{measure}"


_CUTOFF = re.compile(r"(>=|<=|>|<)?\s*(?:(p)\s*(\d{1,2})|(-?\d+(?:[.,]\d+)?))", re.IGNORECASE)


@dataclass(frozen=True)
class Cutoff:
    """When a respondent counts as "at risk" on a survey item.

    ``percentile`` set: compare with that percentile of a reference group; else with
    ``value``. ``op`` is the comparison of the respondent's answer with the threshold.
    """

    op: str = ">"
    value: float | None = None
    percentile: int | None = None

    def __str__(self) -> str:
        threshold = f"p{self.percentile}" if self.percentile is not None else f"{self.value:g}"
        return f"{self.op} {threshold}"


def parse_cutoff(text: str | None) -> Cutoff | None:
    """``""`` -> None (binary item: 1 = at risk); ``">= 4"``, ``"p75"``, ``"< p25"``."""
    if text is None or not str(text).strip():
        return None
    m = _CUTOFF.fullmatch(str(text).strip())
    if not m:
        raise _CellError("cut-off must look like '>= 4', '< 2', 'p75' or '< p25'")
    op = m.group(1) or ">"
    if m.group(2):
        pct = int(m.group(3))
        if not 1 <= pct <= 99:
            raise _CellError("percentile must be between 1 and 99")
        return Cutoff(op, None, pct)
    return Cutoff(op, float(m.group(4).replace(",", ".")), None)


_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")


def parse_id(text: str) -> str:
    s = text.strip()
    if not _ID.fullmatch(s):
        raise _CellError("an id uses letters A-Z, digits, '-', '_' or '.' (no spaces)")
    return s
