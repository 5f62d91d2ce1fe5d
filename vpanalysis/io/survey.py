"""School survey (skolenkät): respondent-level answers and their codebook.

The answers are a ``;``-CSV (UTF-8 or Windows-1252), one row per pupil, numeric codes,
blank for no answer; title lines above the header are skipped.

``codebook.csv`` (``;``, UTF-8) documents every column used, one row each:

``item``
    column name in the answers file (lower-case letters, digits and ``_``).
``role``
    for background columns: ``respondent_id``, ``region`` (code or name), ``year``,
    ``grade``, ``sex``; empty for questions.
``question``
    the question as asked (Swedish).
``codes``
    ``code=label`` pairs separated by ``|``, e.g. ``0=Nej|1=Ja``. For ``grade`` the labels
    are ``Åk 9``/``Gy 2``; for ``sex`` a label such as ``Tjej``/``Kille`` gives K/M and any
    other code gives ``<NA>``.
``missing_codes``
    codes that mean no answer (``9`` = vet inte), separated by ``|``: read as ``<NA>``.
``kind``
    ``background``, ``exposure`` (utsatthet), ``perpetration`` (utövat), ``risk`` or
    ``protective`` (skydd).
``form``
    form of violence (a key of ``violence_definition.yaml``) for exposure items.
``level``
    socio-ecological level: ``individ``, ``relation``, ``närmiljö``, ``samhälle``.
``cutoff``
    when a respondent counts towards the item's share: empty = code 1 (binary items), or
    e.g. ``>= 1`` (once or more), ``>= 3`` (Likert: agrees); the syntax of
    ``factors.indicator_cutoff`` in the registers (``p75`` = above the 75th percentile).
``polarity``
    ``higher_worse`` or ``higher_better`` (for the share).
``recall_period``
    the period the question asks about, as the reports print it beside every share
    (``senaste 12 månaderna``, ``det här läsåret``, ``någon gång``); optional, empty for
    background columns and attitude items.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from vpanalysis.errors import DataError
from vpanalysis.io import local_tables as lt
from vpanalysis.io.kolada import POLARITY_ALIASES

ROLES = ("respondent_id", "region", "year", "grade", "sex")
REQUIRED_ROLES = ("respondent_id", "region", "year")
KINDS = ("background", "exposure", "perpetration", "risk", "protective")
LEVELS = ("individ", "relation", "närmiljö", "samhälle")
POLARITIES = ("higher_worse", "higher_better")
_ITEM = re.compile(r"^[a-z][a-z0-9_]*$")
_CUTOFF = re.compile(r"^(>=|<=|>|<)?\s*(-?\d+(?:[.,]\d+)?|p\d{1,2})$", re.IGNORECASE)
#: The columns of a codebook (``codebook.csv``).
CODEBOOK_COLUMNS = [
    "item",
    "role",
    "question",
    "codes",
    "missing_codes",
    "kind",
    "form",
    "level",
    "cutoff",
    "polarity",
    "recall_period",
]


def parse_codes(text: str) -> dict[int, str]:
    """``"0=Nej|1=Ja"`` -> ``{0: "Nej", 1: "Ja"}``; ValueError on bad syntax."""
    codes: dict[int, str] = {}
    for part in (p.strip() for p in str(text).split("|")):
        if not part:
            continue
        code, sep, label = part.partition("=")
        if not sep or not re.fullmatch(r"-?\d+", code.strip()):
            raise ValueError("codes must look like 0=Nej|1=Ja")
        codes[int(code)] = label.strip()
    return codes


def read_codebook(path: str | os.PathLike) -> pd.DataFrame:
    """The validated codebook (columns :data:`CODEBOOK_COLUMNS` + ``_line``)."""
    path = Path(path)
    raw = lt.read_table(path, ["item", "kind"])
    for column in CODEBOOK_COLUMNS:
        if column not in raw.columns:
            raw[column] = ""

    raw["polarity"] = raw["polarity"].map(lambda p: POLARITY_ALIASES.get(p.strip().lower(), p))
    roles_seen: dict[str, int] = {}
    for position, row in enumerate(raw.to_dict("records")):
        where = lt.where(raw, position)
        if not _ITEM.match(row["item"]):
            raise DataError(
                "an item name is lower-case letters a-z, digits and _",
                **where,
                column="item",
                value=row["item"],
            )
        if row["kind"] not in KINDS:
            raise DataError(
                f"kind must be one of {', '.join(KINDS)}", **where, column="kind", value=row["kind"]
            )
        if row["role"]:
            if row["role"] not in ROLES:
                raise DataError(
                    f"role must be empty or one of {', '.join(ROLES)}",
                    **where,
                    column="role",
                    value=row["role"],
                )
            if row["role"] in roles_seen:
                raise DataError(
                    f"the role is already given to row {roles_seen[row['role']]}",
                    **where,
                    column="role",
                    value=row["role"],
                )
            roles_seen[row["role"]] = where["row"]
        try:
            codes = parse_codes(row["codes"])
            missing = [int(c) for c in row["missing_codes"].split("|") if c.strip()]
        except ValueError as exc:
            raise DataError(str(exc), **where, column="codes", value=row["codes"]) from None
        if codes and any(m not in codes for m in missing):
            raise DataError(
                "a missing code is not among the codes",
                **where,
                column="missing_codes",
                value=row["missing_codes"],
            )
        if row["level"] and row["level"] not in LEVELS:
            raise DataError(
                f"level must be empty or one of {', '.join(LEVELS)}",
                **where,
                column="level",
                value=row["level"],
            )
        if row["cutoff"] and not _CUTOFF.match(row["cutoff"]):
            raise DataError(
                "cut-off must be empty or look like '>= 1' or '>= 3'",
                **where,
                column="cutoff",
                value=row["cutoff"],
            )
        if row["kind"] != "background" and row["polarity"] not in POLARITIES:
            raise DataError(
                f"polarity must be one of {', '.join(POLARITIES)}",
                **where,
                column="polarity",
                value=row["polarity"],
            )
        if row["kind"] in ("exposure", "perpetration") and not row["form"]:
            raise DataError(
                "an exposure item needs a form of violence", **where, column="form", value=""
            )
    duplicated = raw["item"].duplicated()
    if duplicated.any():
        position = int(duplicated.to_numpy().nonzero()[0][0])
        raise DataError(
            "the item is listed twice",
            **lt.where(raw, position),
            column="item",
            value=raw["item"].iloc[position],
        )
    missing_roles = [r for r in REQUIRED_ROLES if r not in roles_seen]
    if missing_roles:
        raise DataError(
            "the codebook must name the columns with the roles " + ", ".join(missing_roles),
            file=lt.display_path(path),
            column="role",
        )
    out = raw[[*CODEBOOK_COLUMNS, "_line"]].copy()
    for column in CODEBOOK_COLUMNS:
        out[column] = out[column].astype("string")
    return out.reset_index(drop=True)


def role_columns(codebook: pd.DataFrame) -> dict[str, str]:
    """``{role: item}`` for the background columns."""
    rows = codebook[codebook["role"] != ""]
    return dict(zip(rows["role"], rows["item"], strict=True))


def items(codebook: pd.DataFrame) -> list[str]:
    """The question items (not background columns), in codebook order."""
    return codebook.loc[codebook["role"] == "", "item"].tolist()


def read_survey(path: str | os.PathLike, codebook: pd.DataFrame) -> pd.DataFrame:
    """Answers as a table: background columns as text (by their codebook item name), every
    item as Int64 codes (blank and missing codes -> ``<NA>``), plus ``_file``, ``_line``.

    A column of the codebook that the file lacks, a text where a code belongs or a code
    that the codebook does not list raises a DataError naming file, line, column, value.
    Columns of the file that the codebook does not list are left out.
    """
    roles = role_columns(codebook)
    wanted = codebook["item"].tolist()
    raw = lt.read_table(path, [roles[r] for r in REQUIRED_ROLES])
    if raw.empty:
        header = raw.attrs.get("header_line")
        raise DataError(
            "the file has a header but no rows of answers (an export that went wrong?); "
            "remove the file or export the answers again",
            file=lt.display_path(path),
            row=header + 1 if header else None,
            column=roles["respondent_id"],
        )
    absent = [c for c in wanted if c not in raw.columns]
    if absent:
        raise DataError(
            "columns of the codebook missing in the file: " + ", ".join(absent),
            file=lt.display_path(path),
            row=int(raw["_line"].iloc[0]) - 1 if len(raw) else None,
        )
    out = raw[["_file", "_sheet", "_line"]].copy()
    by_item = codebook.set_index("item")
    for item in wanted:
        spec = by_item.loc[item]
        if spec["role"]:
            out[item] = raw[item].astype("string")
            continue
        codes = parse_codes(spec["codes"])
        missing = {int(c) for c in str(spec["missing_codes"]).split("|") if c.strip()}
        values = []
        seen: dict[str, int | None] = {"": None}
        for position, text in enumerate(raw[item].tolist()):
            if text in seen:
                values.append(seen[text])
                continue
            try:
                number, _ = lt.parse_number(text)
            except ValueError:
                number = None
            if number is None or number != int(number):
                raise DataError(
                    "not a response code", **lt.where(raw, position), column=item, value=text
                )
            code = int(number)
            if codes and code not in codes:
                listed = ", ".join(str(c) for c in codes)
                raise DataError(
                    f"code not in the codebook ({listed})",
                    **lt.where(raw, position),
                    column=item,
                    value=text,
                )
            seen[text] = None if code in missing else code
            values.append(seen[text])
        out[item] = pd.array(values, dtype="Int64")
    return out.reset_index(drop=True)
