"""Swedish text and table of the survey's response rate (steps 2 and 3)."""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML

from vpanalysis import geography, report
from vpanalysis.presentation.situation import GRADE_LABELS, respondents_cell
from vpanalysis.steps.response import LOW_RESPONSE

UNKNOWN = (
    "Svarsfrekvensen är okänd: arbetsytan anger inte hur många elever som går i de "
    "årskurser som svarade (elevantalet per årskurs och år, t.ex. från Skolverkets "
    "statistik). Utan den går det inte att säga hur stor del av eleverna som svarade, och "
    "därmed inte om svaren speglar hela årskursen. Arbetsytans instruktioner visar hur "
    "elevantalet anges."
)


def grade_label(grade: str) -> str:
    """``åk9`` -> ``Åk 9``, ``gy2`` -> ``Gy 2``
    (:data:`~vpanalysis.presentation.situation.GRADE_LABELS`)."""
    if grade in GRADE_LABELS:
        return GRADE_LABELS[grade]
    prefix = {"åk": "Åk", "gy": "Gy"}.get(grade[:2])  # other grades (LUPP: åk8, gy1 …)
    return f"{prefix} {grade[2:]}" if prefix else grade


def _percent(rate: object) -> str:
    return report.SUPPRESSED if pd.isna(rate) else report.number(100 * float(rate), 0) + " %"


def response_table(rates: pd.DataFrame, region: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``År``, ``Årskurs``, ``Svarande``, ``Elever``, ``Svarsfrekvens`` and the marks of the
    published respondents (for the audit)."""
    frame = pd.DataFrame(
        {
            "År": rates["year"].astype(str),
            "Årskurs": rates["grade"].map(grade_label),
            "Svarande": rates["respondents"],
            "Elever": rates["enrolled"],
            "Svarsfrekvens": rates["rate"].map(_percent),
        }
    )
    marks = pd.DataFrame({c: [None] * len(frame) for c in frame.columns}, index=frame.index)
    marks["Svarande"] = [
        [respondents_cell({"respondents": n, "region_code": str(region), "year": y, "sex": "T",
                           "grade": g})]
        for n, y, g in zip(rates["respondents"], rates["year"], rates["grade"], strict=True)
    ]  # fmt: skip
    return frame, marks


def _which(rows: pd.DataFrame) -> str:
    pairs = zip(rows["grade"], rows["year"], strict=True)
    return ", ".join(f"{grade_label(g)} {y}" for g, y in pairs)


def section(rates: pd.DataFrame, enrolment: pd.DataFrame | None, region: str) -> HTML:
    """The response-rate table and its warnings, or why the rate is unknown (without the
    municipality's survey answers: that they are not in the data, not that there is no
    survey)."""
    if rates.empty:
        return HTML(
            f"<p>Skolenkätens svar för {geography.region_name(region)} finns inte i "
            "underlaget, så svarsfrekvensen kan inte räknas.</p>"
        )
    if enrolment is None or rates["enrolled"].isna().all():
        return HTML(f"<p>{UNKNOWN}</p>")
    frame, marks = response_table(rates, region)
    parts = [
        report.table(
            frame,
            "Svarsfrekvens per år och årskurs: svarande elever av inskrivna elever",
            decimals={"Svarande": 0, "Elever": 0},
            marks=marks,
        )
    ]
    low = rates[rates["low"]]
    if len(low):
        which = ", ".join(
            f"{grade_label(g)} {y} ({_percent(r)})"
            for g, y, r in zip(low["grade"], low["year"], low["rate"], strict=True)
        )
        parts.append(
            HTML(
                f"<p class='vp-warning'>Låg svarsfrekvens (under "
                f"{report.number(100 * LOW_RESPONSE, 0)} %): {which}. De som inte svarade är "
                "ofta de som var frånvarande, och frånvaro hänger ihop med mer problem; "
                "andelarna kan då underskatta utsattheten. Läs dem med försiktighet.</p>"
            )
        )
    odd = rates[rates["implausible"]]
    if len(odd):
        parts.append(
            HTML(
                "<p class='vp-warning'>Fler svarande än inskrivna elever för "
                + _which(odd)
                + ": kontrollera elevantalet (fel år eller skolform?).</p>"
            )
        )
    missing = rates[rates["enrolled"].isna()]
    if len(missing):
        parts.append(
            HTML(
                "<p>Elevantal saknas för " + _which(missing) + ": där är svarsfrekvensen okänd.</p>"
            )
        )
    return HTML("".join(getattr(p, "data", str(p)) for p in parts))
