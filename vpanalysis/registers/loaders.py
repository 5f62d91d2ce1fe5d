"""The loaders of the CSV registers: one function per file, checks across rows and files."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from vpanalysis.errors import DataError
from vpanalysis.registers.parsers import _SPACES
from vpanalysis.registers.reading import _parse_table, _path, _raise, _row_problem
from vpanalysis.registers.vocabularies import match_key

_HOURS = re.compile(
    r"(?i)\s*(\d[\d\s\u00a0]*(?:[.,]\d+)?)\s*(?:h|tim|timmar)?\.?\s*(?:(?:/|per)\s*år)?\s*"
)


def resource_hours(text: object) -> float | None:
    """``"200"``, ``"200 h/år"``, ``"1 600 timmar per år"`` -> hours; other text -> None."""
    if text is None or text is pd.NA or not isinstance(text, str):
        return None
    m = _HOURS.fullmatch(text)
    if not m:
        return None
    return float(_SPACES.sub("", m.group(1)).replace(",", "."))


def load_partners(path: str | Path | None = None) -> pd.DataFrame:
    """Step 1 partners. Adds ``resources_hours`` (Float64, where ``resources`` is a number)."""
    path = _path("partners", path)
    frame, problems = _parse_table("partners", path)
    _raise(problems, path)
    hours = frame["resources"].map(resource_hours, na_action="ignore")
    frame["resources_hours"] = pd.array(hours.tolist(), dtype="Float64")
    return frame


def load_training_days(path: str | Path | None = None) -> pd.DataFrame:
    """Training days of the leadership group (e.g. the four days with MÄN)."""
    path = _path("training_days", path)
    frame, problems = _parse_table("training_days", path)
    _raise(problems, path)
    return frame.sort_values(["municipality_code", "date"], kind="stable").reset_index(drop=True)


def load_factors(
    path: str | Path | None = None, survey_items: Iterable[str] | None = None
) -> pd.DataFrame:
    """The factor catalogue (step 3).

    Adds ``n_forms`` (how many forms of violence share the factor) and fills
    ``indicator_polarity`` from the type where empty (risk: higher is worse). With
    ``survey_items`` given, every ``skolenkat:`` indicator must be one of them.
    """
    path = _path("factors", path)
    frame, problems = _parse_table("factors", path)
    if not frame.empty:
        problems += _check_survey_items(frame, "indicator", path, survey_items)
    _raise(problems, path)
    frame["n_forms"] = pd.array([len(v) for v in frame["shared_by"]], dtype="Int64")
    default = frame["type"].map({"risk": "higher_worse", "skydd": "higher_better"})
    frame["indicator_polarity"] = frame["indicator_polarity"].fillna(default).astype("string")
    return frame


def _check_survey_items(
    frame: pd.DataFrame, column: str, path: Path, survey_items: Iterable[str] | None
) -> list[DataError]:
    if survey_items is None:
        return []
    items = set(survey_items)
    problems = []
    for idx, value in frame[column].items():
        if isinstance(value, str) and value.startswith("skolenkat:"):
            item = value.split(":", 1)[1]
            if item not in items:
                near = ", ".join(sorted(i for i in items if i.split("_")[0] == item.split("_")[0]))
                hint = f"; items in the codebook like it: {near}" if near else ""
                problems.append(
                    _row_problem(
                        frame, idx, path, column, f"survey item not in the codebook{hint}", value
                    )
                )
    return problems


def load_interventions(
    path: str | Path | None = None, factor_ids: Iterable[str] | None = None
) -> pd.DataFrame:
    """The intervention inventory (step 4). With ``factor_ids``, every id in ``factors``
    must be one of them. ``end_date`` may not precede ``start_date``."""
    path = _path("interventions", path)
    frame, problems = _parse_table("interventions", path)
    if not frame.empty:
        if factor_ids is not None:
            known = set(factor_ids)
            for idx, ids in frame["factors"].items():
                unknown = [i for i in ids if i not in known]
                if unknown:
                    problems.append(
                        _row_problem(
                            frame,
                            idx,
                            path,
                            "factors",
                            "factor id not in factors.csv",
                            ", ".join(unknown),
                        )
                    )
        problems += _check_order(frame, "start_date", "end_date", path)
    _raise(problems, path)
    return frame


def _check_order(frame: pd.DataFrame, start: str, end: str, path: Path) -> list[DataError]:
    bad = frame[end].notna() & frame[start].notna() & (frame[end] < frame[start])
    return [
        _row_problem(
            frame, idx, path, end, f"{end} is before {start}", str(frame.loc[idx, end].date())
        )
        for idx in frame.index[bad]
    ]


def load_goals(
    path: str | Path | None = None,
    interventions: pd.DataFrame | None = None,
    survey_items: Iterable[str] | None = None,
    known_indicators: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Goals (step 5), checked row by row.

    target year after baseline year; the target lies in the goal's direction from the
    baseline; a latest value has its year (not before the baseline year). With
    ``interventions``, ``intervention_id`` must exist there for the same municipality;
    with ``survey_items`` / ``known_indicators``, the indicator must be known.
    """
    path = _path("goals", path)
    frame, problems = _parse_table("goals", path)
    if not frame.empty:
        problems += _check_goal_rows(frame, path)
        problems += _check_survey_items(frame, "indicator", path, survey_items)
        if known_indicators is not None:
            known = set(known_indicators)
            for idx, value in frame["indicator"].items():
                if (
                    isinstance(value, str)
                    and not value.startswith("register:")
                    and value not in known
                ):
                    problems.append(
                        _row_problem(frame, idx, path, "indicator", "unknown indicator", value)
                    )
        if interventions is not None:
            owner = dict(
                zip(
                    interventions["intervention_id"],
                    interventions["municipality_code"],
                    strict=True,
                )
            )
            for idx, value in frame["intervention_id"].items():
                if value is pd.NA or value is None:
                    continue
                if value not in owner:
                    problems.append(
                        _row_problem(
                            frame, idx, path, "intervention_id", "not in interventions.csv", value
                        )
                    )
                elif owner[value] != frame.loc[idx, "municipality_code"]:
                    problems.append(
                        _row_problem(
                            frame,
                            idx,
                            path,
                            "intervention_id",
                            "the intervention belongs to another municipality",
                            value,
                        )
                    )
    _raise(problems, path)
    return frame


def _check_goal_rows(frame: pd.DataFrame, path: Path) -> list[DataError]:
    problems = []
    for idx, row in frame.iterrows():
        if any(pd.isna(row[c]) for c in ("baseline_year", "target_year")):
            continue
        if row["target_year"] <= row["baseline_year"]:
            problems.append(
                _row_problem(
                    frame,
                    idx,
                    path,
                    "target_year",
                    "must be after baseline_year",
                    row["target_year"],
                )
            )
        if not any(pd.isna(row[c]) for c in ("baseline_value", "target_value", "direction")):
            sign = 1 if row["direction"] == "increase" else -1
            if sign * (row["target_value"] - row["baseline_value"]) <= 0:
                word = "above" if sign > 0 else "below"
                problems.append(
                    _row_problem(
                        frame,
                        idx,
                        path,
                        "target_value",
                        f"with direction {row['direction']} the target must be {word} the baseline",
                        row["target_value"],
                    )
                )
        has_year, has_value = pd.notna(row["latest_year"]), pd.notna(row["latest_value"])
        if has_value and not has_year:
            problems.append(
                _row_problem(frame, idx, path, "latest_year", "give the year of latest_value")
            )
        if has_year and not has_value:
            problems.append(
                _row_problem(frame, idx, path, "latest_value", "latest_year is given but no value")
            )
        if has_year and row["latest_year"] < row["baseline_year"]:
            problems.append(
                _row_problem(
                    frame,
                    idx,
                    path,
                    "latest_year",
                    "must not be before baseline_year",
                    row["latest_year"],
                )
            )
    return problems


def load_training_plan(path: str | Path | None = None) -> pd.DataFrame:
    """Staff to be trained per municipality, administration and year."""
    path = _path("training_plan", path)
    frame, problems = _parse_table("training_plan", path)
    _raise(problems, path)
    return frame


def load_training_log(
    path: str | Path | None = None, plan: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Delivered staff trainings. With ``plan``, each (municipality, administration) must be
    planned there (spelling compared case- and space-insensitively); adds ``year``."""
    path = _path("training_log", path)
    frame, problems = _parse_table("training_log", path)
    if not frame.empty and plan is not None:
        planned = set(
            zip(plan["municipality_code"], plan["administration"].map(match_key), strict=True)
        )
        for idx, row in frame.iterrows():
            if (row["municipality_code"], match_key(row["administration"])) not in planned:
                problems.append(
                    _row_problem(
                        frame,
                        idx,
                        path,
                        "administration",
                        "administration not in training_plan.csv for this municipality",
                        row["administration"],
                    )
                )
    _raise(problems, path)
    frame["year"] = pd.array(frame["date"].dt.year, dtype="Int64")
    return frame


def load_activities(path: str | Path | None = None) -> pd.DataFrame:
    """Activities (week 47 and others); ``end_date`` defaults to ``start_date``."""
    path = _path("activities", path)
    frame, problems = _parse_table("activities", path)
    if not frame.empty:
        problems += _check_order(frame, "start_date", "end_date", path)
    _raise(problems, path)
    frame["end_date"] = frame["end_date"].fillna(frame["start_date"])
    return frame
