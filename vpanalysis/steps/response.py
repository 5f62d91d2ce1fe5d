"""Survey response rates: the published respondents of each survey year and grade against
the pupils enrolled (:mod:`vpanalysis.enrolment`)."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

#: Below this share of the enrolled pupils the answers may not speak for the grade: the
#: pupils who were absent or declined (often those with most problems) are missing. A rule
#: of thumb, not a law: read the shares with care and say so.
LOW_RESPONSE = 0.70

COLUMNS = ["year", "grade", "respondents", "enrolled", "rate", "low", "implausible"]


def response_rates(
    cells: pd.DataFrame,
    enrolment: pd.DataFrame | None,
    region: str,
    years: Iterable[int] | None = None,
) -> pd.DataFrame:
    """One row per survey year and grade of ``region``: ``respondents`` (published, both
    sexes; ``<NA>`` where withheld), ``enrolled`` (``<NA>`` where the enrolment does not
    state it), ``rate`` (respondents / enrolled, ``<NA>`` without either), ``low`` (rate
    under :data:`LOW_RESPONSE`) and ``implausible`` (more respondents than pupils: the
    enrolment is of another year or school form)."""
    s = cells[
        (cells["source"] == "skolenkat")
        & (cells["measure"] == "respondents")
        & (cells["region"] == str(region))
        & (cells["sex"] == "T")
        & cells["grade"].astype("string").str.fullmatch(r"(?:åk|gy)\d").fillna(False)
    ]
    if years is not None:
        s = s[s["year"].isin(list(years))]
    if s.empty:
        return pd.DataFrame(columns=COLUMNS)
    out = pd.DataFrame(
        {
            "year": s["year"].astype("int64").to_numpy(),
            "grade": s["grade"].astype("string").to_numpy(),
            "respondents": pd.array(
                [pd.NA if w else v for v, w in zip(s["value"], s["withheld"], strict=True)],
                dtype="Float64",
            ),
        }
    )
    if enrolment is not None and len(enrolment):
        mine = enrolment[enrolment["region_code"] == str(region)][["year", "grade", "enrolled"]]
        out = out.merge(mine, on=["year", "grade"], how="left")
    else:
        out["enrolled"] = pd.NA
    out["enrolled"] = pd.array(out["enrolled"], dtype="Float64")
    out["rate"] = out["respondents"] / out["enrolled"]
    out["low"] = (out["rate"] < LOW_RESPONSE).fillna(False).astype(bool)
    out["implausible"] = (out["rate"] > 1).fillna(False).astype(bool)
    return out.sort_values(["year", "grade"]).reset_index(drop=True)[COLUMNS]
