"""The six ways of issue 9, end to end through the attacker's audit.

Each way is a small adversarial local data set. Its cells are rendered as the reports mark
them (counts as counts; survey shares as share, 95 % interval and denominator) twice:
protected the old way, table by table (the old step-2 functions, primary suppression only,
two respondent sets, a baseline frozen at another threshold), and protected together by
:func:`vpanalysis.publication.build`. :func:`vpanalysis.audit.audit`, which derives its
relations from the keys alone, must flag the first and pass the second.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_publication import T, observations, old_counts, survey, tables

from vpanalysis import publication, report
from vpanalysis.audit import audit
from vpanalysis.indicators import proportion
from vpanalysis.publication import keys, protect
from vpanalysis.publication.cells import collect

FIELDS = [f for f in keys.KEY_FIELDS]


def _key(row) -> dict:
    return {f: row[f] for f in FIELDS}


def marks_of(cells: pd.DataFrame) -> list[list[dict]]:
    """The marks a report would show for ``cells`` (key fields and ``value``, <NA> =
    withheld): one list per shown number."""
    out = []
    survey_cells = cells[cells["source"] == "skolenkat"]
    counts = pd.concat(
        [
            cells[cells["source"] != "skolenkat"],
            survey_cells[survey_cells["measure"] == "respondents"],
        ]
    )
    for _, row in counts.iterrows():
        v = row["value"]
        out.append([keys.cell("withheld" if pd.isna(v) else "count", None if pd.isna(v) else v,
                              **_key(row))])  # fmt: skip
    items = survey_cells[survey_cells["measure"] != "respondents"]
    group = ["measure", "region", "year", "sex", "grade"]
    for _, g in items.groupby(group, sort=False):
        by = {r["answer"]: r for _, r in g.iterrows()}
        if "yes" not in by or "answered" not in by:
            continue
        yes, answered = by["yes"], by["answered"]
        if pd.isna(yes["value"]) or pd.isna(answered["value"]) or answered["value"] == 0:
            out.append(
                [keys.cell("withheld", **_key(yes)), keys.cell("withheld", **_key(answered))]
            )
            continue
        p = proportion(int(yes["value"]), int(answered["value"])).iloc[0]
        out.append(
            [
                keys.cell("share", round(float(p["value"]), 1), **_key(yes)),
                keys.cell("lower", round(float(p["lower"]), 1), **_key(yes)),
                keys.cell("upper", round(float(p["upper"]), 1), **_key(yes)),
                keys.cell("denominator", answered["value"], **_key(answered)),
            ]
        )
    return out


def write(folder, name: str, cells: pd.DataFrame, caption: str = "Tabell") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    spans = "".join(f"<p>{report.marked('x', m)}</p>" for m in marks_of(cells))
    (folder / name).write_text(
        f"<html><body><h2>{caption}</h2>{spans}</body></html>", encoding="utf-8"
    )


def flagged(folder, needle: str = "") -> None:
    result = audit(folder, threshold=T)
    assert result.findings, result.lines()
    assert any(needle in f.line() for f in result.findings), result.lines()


def passes(folder) -> None:
    result = audit(folder, threshold=T)
    assert not result.findings, result.lines()
    assert result.recovered > 0


def shown(pub) -> pd.DataFrame:
    return pub.cells.assign(value=pub.cells["value"].mask(pub.cells["withheld"]))


def old_per_cell(tbl, codes) -> pd.DataFrame:
    """Primary suppression only, each cell on its own."""
    found = collect(tbl, codes)
    frame = found.frame.loc[~found.frame["hidden"]].copy()
    gone = protect.withheld(found, T, joint=False)[~found.frame["hidden"].to_numpy()]
    frame["value"] = pd.array(np.where(gone, np.nan, frame["raw"]), dtype="Float64")
    return frame[[*FIELDS, "value"]]


# ---------------------------------------------------------------- the six ways


def way1():
    return tables(
        observations(
            [
                ("socialtjanst", "Hedersrelaterat våld", "2161", 2023, "T", "0-17", 3),
                ("socialtjanst", "Hedersrelaterat våld", "2161", 2023, "T", "18+", 20),
                ("socialtjanst", "Hedersrelaterat våld", "2161", 2023, "T", "totalt", 23),
            ]
        )
    )


def way2():
    return tables(
        srv=survey(
            [
                ("2161", 2024, "åk9", "K", 20, 30, 0),
                ("2161", 2024, "åk9", "M", 22, 28, 0),
                ("2161", 2024, "åk9", None, 1, 2, 1),
                ("2161", 2024, "gy2", "K", 15, 35, 0),
                ("2161", 2024, "gy2", "M", 18, 32, 0),
            ]
        )
    )


def way4():
    return tables(
        srv=survey(
            [
                ("2161", 2024, "åk9", "K", 30, 40, 0),
                ("2183", 2024, "åk9", "K", 3, 40, 0),
                ("2181", 2024, "åk9", "K", 40, 60, 0),
            ]
        )
    )


def way5():
    return tables(
        srv=survey(
            [
                ("2161", 2024, "åk9", "K", 20, 30, 0),
                ("2161", 2024, "åk9", "M", 22, 28, 0),
                ("2161", 2024, "gy2", "K", 1, 1, 0),
                ("2161", 2024, "gy2", "M", 1, 0, 0),
            ]
        )
    )


def test_way1_age_total_row(tmp_path):
    obs = way1().observations
    write(tmp_path / "old", "2161_steg2.html", old_counts(obs, "2161"))
    flagged(tmp_path / "old", "age=0-17")
    pub = publication.build(way1(), municipalities=["2161"], threshold=T)
    write(tmp_path / "new", "2161_steg2.html", shown(pub))
    passes(tmp_path / "new")


def test_way2_unstated_sex_group(tmp_path):
    write(tmp_path / "old", "2161_steg2.html", old_per_cell(way2(), ["2161"]))
    flagged(tmp_path / "old", "sex=U")
    pub = publication.build(way2(), municipalities=["2161"], threshold=T)
    write(tmp_path / "new", "2161_steg2.html", shown(pub))
    passes(tmp_path / "new")


def test_way3_different_respondent_sets(tmp_path):
    """Old: step 2 counted "all pupils" without the unstated group (T = K + M), step 5 with
    it; the same key shows two values. New: one set of cells for every report."""
    pub = publication.build(way2(), municipalities=["2161"], threshold=T)
    cells = shown(pub)
    raw = collect(way2(), ["2161"]).frame
    raw = raw.loc[~raw["hidden"]].assign(value=lambda f: f["raw"])[[*FIELDS, "value"]]
    step5 = raw[(raw["sex"] == "T") & (raw["grade"] == "alla")]
    k_plus_m = raw[raw["sex"].isin(["K", "M"]) & (raw["grade"] == "alla")]
    step2 = (
        k_plus_m.groupby([f for f in FIELDS if f != "sex"], as_index=False)["value"]
        .sum()
        .assign(sex="T")[[*FIELDS, "value"]]
    )
    write(tmp_path / "old", "2161_steg2.html", step2, "Steg 2")
    write(tmp_path / "old", "2161_steg5.html", step5, "Steg 5")
    flagged(tmp_path / "old", "difference of two values")
    for step in (2, 5):
        write(tmp_path / "new", f"2161_steg{step}.html", cells, f"Steg {step}")
    passes(tmp_path / "new")


def test_way4_pooled_comparison_value(tmp_path):
    codes = ["2161", "2183", "2181"]
    old = old_per_cell(way4(), codes)
    write(tmp_path / "old", "2161_steg3.html", old[old["region"] != "2183"])
    write(tmp_path / "old", "2183_steg3.html", old[old["region"] == "2183"])
    flagged(tmp_path / "old", "region=2183")
    pub = publication.build(way4(), municipalities=codes, threshold=T)
    cells = shown(pub)
    write(tmp_path / "new", "2161_steg3.html", cells[cells["region"] != "2183"])
    write(tmp_path / "new", "2183_steg3.html", cells[cells["region"] == "2183"])
    passes(tmp_path / "new")


def test_way5_respondents_by_grade(tmp_path):
    from vpanalysis.steps import situation

    old = situation.survey_respondents(way5(), "2161", T)
    rows = [
        {"source": "skolenkat", "measure": "respondents", "parent": "", "region": "2161",
         "year": int(r.year), "sex": r.sex, "age": "alla",
         "grade": "alla" if r.grade == "Alla" else r.grade, "answer": "",
         "value": r.respondents}
        for r in old.itertuples(index=False)
    ]  # fmt: skip
    write(tmp_path / "old", "2161_steg2.html", pd.DataFrame(rows))
    flagged(tmp_path / "old", "grade=gy2")
    pub = publication.build(way5(), municipalities=["2161"], threshold=T)
    write(tmp_path / "new", "2161_steg2.html", shown(pub))
    passes(tmp_path / "new")


@pytest.mark.parametrize("made_at", [3])
def test_way6_baseline_frozen_at_another_threshold(tmp_path, made_at):
    """Old: the baseline kept the suppression of the threshold it was frozen at (3), so a
    4 shows at 5. New: the baseline's local values are cells of the publication."""
    obs = observations(
        [
            ("socialtjanst", "Ekonomiskt våld", "2161", 2020, "K", "totalt", 4),
            ("socialtjanst", "Ekonomiskt våld", "2161", 2020, "M", "totalt", 9),
            ("socialtjanst", "Ekonomiskt våld", "2161", 2020, "T", "totalt", 13),
        ]
    )
    frozen = publication.build(tables(obs), municipalities=["2161"], threshold=made_at)
    write(tmp_path / "old", "2161_steg5.html", shown(frozen))
    flagged(tmp_path / "old", "sex=K")
    pub = publication.build(tables(obs), municipalities=["2161"], threshold=T)
    write(tmp_path / "new", "2161_steg5.html", shown(pub))
    passes(tmp_path / "new")
