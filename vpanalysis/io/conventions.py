"""Swedish conventions in exported tables: encodings, numbers, markers and totals.

* Encoding: UTF-8 (with or without BOM) or Windows-1252 (cp1252, what Excel on Swedish
  Windows writes as "CSV"); UTF-16 with a BOM (Excel's "Unicode text") is read too.
  Text that was converted twice (``GÃ¤vle`` for ``Gävle``) is an error, not guessed at.
* Numbers: decimal comma (``12,5``; a decimal point is accepted too), spaces or
  non-breaking spaces as thousands separators (``1 234``).
* Markers (:data:`SUPPRESSED_MARKERS`, :data:`MISSING_MARKERS`): ``..``, ``*``, ``x``,
  ``<5`` mean a value that exists but is withheld (``flag = "suppressed"``); blank,
  ``-``, ``–``, ``.`` mean no value (``flag = "missing"``). Note that in SCB's tables ``-``
  means zero ("inget att redovisa"); municipal exports use it for "no value", so it is
  read as missing rather than invented as a 0.
* Totals rows: a label such as ``Totalt``, ``Summa``, ``Summa barn``, ``Samtliga`` in a
  category column marks a row that sums other rows (:func:`is_total_label`).
"""

from __future__ import annotations

import codecs
import math
import os
import re
import unicodedata
from pathlib import Path

import yaml

from vpanalysis.errors import DataError

#: The safe YAML loader, libyaml's (C, about 10x faster) where PyYAML was built with it.
#: It gives the same values and the same line marks as the pure-Python one.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: A value exists but the deliverer withheld it (small numbers).
SUPPRESSED_MARKERS = frozenset({"..", "…", "*", "**", "x", "X", "xx", "XX", "s", "S"})
#: No value: not collected, not delivered, cannot occur.
MISSING_MARKERS = frozenset({"", "-", "–", "—", ".", "NA", "N/A", "saknas", "uppgift saknas"})
_SUPPRESSED_PATTERN = re.compile(r"^(?:[<≤]\s*\d+|\d+\s*[-–]\s*\d+)$")  # "<5", "1-4"
_THOUSANDS = re.compile(r"(?<=\d)[ \u00a0\u202f\u2009](?=\d{3}(?:\D|$))")
_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
TOTAL_LABELS = frozenset(
    {"totalt", "total", "summa", "samtliga", "alla", "totalsumma", "sum", "hela kommunen"}
)
_TOTAL_PREFIXES = ("summa ", "totalt ", "total ", "samtliga ")


def display_path(path: str | os.PathLike) -> str:
    """The path as a person should see it in a message: relative to cwd when inside it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def normalise_label(text: object) -> str:
    """Key for matching labels: NFC, case-folded, dashes as ``-``, single spaces."""
    s = unicodedata.normalize("NFC", str(text)).casefold()
    s = re.sub(r"[\u2010-\u2015\u2212]", "-", s)
    s = s.replace("\u00a0", " ")
    return re.sub(r"\s+", " ", s).strip()


def is_total_label(text: object) -> bool:
    """``Totalt``, ``Summa``, ``Summa barn``, ``Samtliga`` ... (a row that sums other rows)."""
    key = normalise_label(text)
    return key in TOTAL_LABELS or key.startswith(_TOTAL_PREFIXES)


# ---------------------------------------------------------------- encodings


def decode(data: bytes, path: str | os.PathLike) -> tuple[str, str]:
    """Text and encoding name of a file's bytes (see module docstring); DataError if neither."""
    shown = display_path(path)
    if data.startswith(codecs.BOM_UTF8):
        return _decode_strict(data[3:], "utf-8", shown, offset=3), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    if b"\x00" in data[:4096]:
        raise DataError(
            "the file is not text (or is UTF-16 without a byte-order mark); "
            "save it as CSV UTF-8 from Excel",
            file=shown,
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    return _decode_strict(data, "cp1252", shown), "cp1252"


def _decode_strict(data: bytes, encoding: str, shown: str, offset: int = 0) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        start = data.rfind(b"\n", 0, exc.start) + 1
        end = data.find(b"\n", exc.start)
        snippet = data[start : end if end >= 0 else len(data)].decode(encoding, "replace")
        byte = data[exc.start : exc.start + 1].hex()
        name = "UTF-8" if encoding == "utf-8" else "UTF-8 or Windows-1252"
        raise DataError(
            f"wrong encoding: byte 0x{byte} is not valid {name}; "
            "save the file as CSV UTF-8 (or export it again)",
            file=shown,
            row=line,
            value=snippet.strip()[:80],
        ) from None


def repair_mojibake(text: str) -> str | None:
    """What ``text`` meant if it is UTF-8 read as Windows-1252 (``GÃ¤vle``), else None."""
    if text.isascii():
        return None
    try:
        fixed = text.encode("cp1252").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None
    return fixed if fixed != text else None


def mojibake_error(text: str, fixed: str, *, file, row=None, column=None) -> DataError:
    text = text.replace("ï»¿", "").replace("\ufeff", "")
    fixed = fixed.replace("\ufeff", "")
    bad = next((a for a, b in zip(text.split(), fixed.split(), strict=False) if a != b), text)
    return DataError(
        f"wrong encoding: the text is garbled ({bad!r} where "
        f"{repair_mojibake(bad) or fixed!r} was meant), the file was converted between "
        "encodings twice; export it again as UTF-8",
        file=file,
        row=row,
        column=column,
        value=text[:80],
    )


# ---------------------------------------------------------------- numbers


def parse_number(text: object) -> tuple[float | None, str]:
    """``(value, flag)`` for a cell: ``("1 234,5")`` -> ``(1234.5, "")``; markers give None.

    Raises ValueError for text that is neither a number nor a known marker.
    """
    if text is None:
        return None, "missing"
    if isinstance(text, bool):
        raise ValueError("not a number")
    if isinstance(text, int | float):
        if isinstance(text, float) and math.isnan(text):
            return None, "missing"
        return float(text), ""
    s = str(text).strip()
    if s in MISSING_MARKERS or s.casefold() in MISSING_MARKERS:
        return None, "missing"
    if s in SUPPRESSED_MARKERS or _SUPPRESSED_PATTERN.match(s):
        return None, "suppressed"
    s = _THOUSANDS.sub("", s).replace("\u2212", "-")
    if not _NUMBER.match(s):
        raise ValueError("not a number")
    return float(s.replace(",", ".")), ""


def parse_count(text: object) -> tuple[int | None, str]:
    """Like :func:`parse_number` for counts: a whole number >= 0 (``"12,0"`` is 12)."""
    value, flag = parse_number(text)
    if value is None:
        return None, flag
    if value != int(value):
        raise ValueError("not a whole number")
    if value < 0:
        raise ValueError("a count cannot be negative")
    return int(value), flag


def parse_year(text: object) -> int:
    """``"2019"``, ``2019``, ``"2019.0"`` -> 2019; ValueError otherwise."""
    s = str(text).strip()
    m = re.fullmatch(r"(\d{4})(?:[.,]0+)?", s)
    if not m:
        raise ValueError("not a year")
    year = int(m.group(1))
    if not 1900 <= year <= 2100:
        raise ValueError("not a year")
    return year
