"""The attacker's audit (:mod:`vpanalysis.audit`, ``vpanalysis audit``).

Each of the six ways of issue 9 is written as an attacker would see the old, table-by-table
protected output (HTML made with the real :func:`vpanalysis.report.table` marks), and as the
safely protected version of the same numbers.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from click.testing import CliRunner

from vpanalysis import report
from vpanalysis.audit import age_tree, audit, share_counts
from vpanalysis.batch import RunSummary
from vpanalysis.cli import main
from vpanalysis.indicators import proportion
from vpanalysis.publication.keys import cell, pool_region

SOC = {"source": "socialtjanst", "measure": "Våld i nära relation", "region": "2161"}
SURVEY = {"source": "skolenkat", "measure": "utsatt_hot", "region": "2161", "age": "alla"}


def page(tmp_path, name: str, *tables: str) -> None:
    """A report file holding ``tables`` (HTML fragments), like a rendered notebook."""
    body = "\n".join(tables)
    (tmp_path / name).write_text(
        f"<html><body><h1>Rapport {name}</h1>{body}</body></html>", encoding="utf-8"
    )


def counts_table(rows: list[tuple[str, int | None, dict]], caption: str, threshold=5) -> str:
    """A local table ``Grupp | Antal``: ``None`` is withheld (shown as ..)."""
    frame = pd.DataFrame(
        {"Grupp": [r[0] for r in rows], "Antal": [r[1] for r in rows]}, dtype="object"
    )
    frame["Antal"] = pd.array([r[1] for r in rows], dtype="Int64")
    marks = pd.DataFrame(
        {
            "Grupp": [None] * len(rows),
            "Antal": [[cell("withheld" if v is None else "count", v, **key)] for _, v, key in rows],
        }
    )
    return report.table(
        frame,
        caption,
        local=True,
        count_columns=["Antal"],
        threshold=threshold,
        marks=marks,
    ).data


def share_cells(yes: int | None, n: int | None, *, denominator=True, **key) -> list[dict]:
    """The cells of a share ``yes / n`` shown with its interval (and denominator)."""
    key = {"grade": "alla", **SURVEY, **key, "answer": "yes"}
    if yes is None:
        return [cell("withheld", **key)]
    p = proportion(yes, n).iloc[0]
    out = [
        cell("share", round(p["value"], 1), **key),
        cell("lower", round(p["lower"], 1), **key),
        cell("upper", round(p["upper"], 1), **key),
    ]
    if denominator:
        out.append(cell("denominator", n, **{**key, "answer": "answered"}))
    return out


def shares_table(rows: list[tuple[str, list[dict]]], caption: str) -> str:
    frame = pd.DataFrame({"Grupp": [r[0] for r in rows], "Andel": ["x"] * len(rows)})
    frame["Andel"] = [" ".join(c.get("value", "..") for c in cells) or ".." for _, cells in rows]
    marks = pd.DataFrame({"Andel": [cells for _, cells in rows]})
    return report.table(frame, caption, marks=marks).data


def run(tmp_path, *args) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["audit", str(tmp_path), *args])
    return result.exit_code, result.output


def flagged(tmp_path, *needles, threshold=None) -> str:
    code, out = run(tmp_path, *(["--threshold", str(threshold)] if threshold else []))
    assert code == 1, out
    findings = [line for line in out.splitlines() if line.startswith("FINDING")]
    for needle in needles:
        assert any(needle in line for line in findings), (needle, out)
    return out


def clean(tmp_path, threshold=None) -> str:
    code, out = run(tmp_path, *(["--threshold", str(threshold)] if threshold else []))
    assert code == 0, out
    assert "0 finding(s)" in out
    return out


# ---------------------------------------------------------------- share -> counts


def wilson_by_hand(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = k / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return 100 * (centre - half) / (1 + z * z / n), 100 * (centre + half) / (1 + z * z / n)


@pytest.mark.parametrize(("k", "n"), [(13, 96), (3, 4), (0, 17), (250, 1234)])
def test_share_and_interval_give_the_counts(k, n):
    lower, upper = wilson_by_hand(k, n)
    share = round(100 * k / n, 1)
    pairs = share_counts(share, round(lower, 1), round(upper, 1))
    assert (k, n) in pairs
    assert all(abs(100 * a / b - share) <= 0.05 + 1e-6 for a, b in pairs)
    assert share_counts(share, round(lower, 1), round(upper, 1), answered=n) == [(k, n)]


@pytest.mark.parametrize(("k", "n"), [(13, 96), (3, 4), (40, 400)])
def test_interval_alone_gives_the_counts(k, n):
    lower, upper = wilson_by_hand(k, n)
    pairs = share_counts(None, round(lower, 1), round(upper, 1))
    assert (k, n) in pairs
    assert len(pairs) < 50


def test_share_and_interval_pin_down_a_small_group():
    lower, upper = wilson_by_hand(13, 96)
    assert share_counts(13.5, round(lower, 1), round(upper, 1)) == [(13, 96)]


def test_share_counts_matches_statsmodels():
    statsmodels = pytest.importorskip("statsmodels.stats.proportion")
    lo, up = statsmodels.proportion_confint(7, 41, method="wilson")
    pairs = share_counts(round(700 / 41, 1), round(100 * lo, 1), round(100 * up, 1))
    assert pairs == [(7, 41)]


# ---------------------------------------------------------------- way 1: age totals


def age_rows(bands: dict[str, int | None], total: int | None):
    rows = [(a, v, {**SOC, "year": "2023", "sex": "T", "age": a}) for a, v in bands.items()]
    return [*rows, ("Totalt", total, {**SOC, "year": "2023", "sex": "T", "age": "totalt"})]


def test_way1_total_minus_published_bands_is_flagged(tmp_path):
    rows = age_rows({"0-17": 8, "18-64": 9, "65+": None}, 20)
    page(tmp_path, "2161_steg1.html", counts_table(rows, "Ärenden efter ålder"))
    out = flagged(tmp_path, "2161_steg1.html: Ärenden efter ålder", "age=65+")
    assert "= 3" in out


def test_way1_protected_with_a_second_band_passes(tmp_path):
    rows = age_rows({"0-17": 8, "18-64": None, "65+": None}, 20)
    page(tmp_path, "2161_steg1.html", counts_table(rows, "Ärenden efter ålder"))
    out = clean(tmp_path)
    assert "2 withheld cells bounded" in out


def test_way1_nested_age_groups(tmp_path):
    """0-17 = 0-12 + 13-17 and totalt = 0-17 + 18+: the withheld 13-17 follows from them."""
    rows = age_rows({"0-12": 6, "13-17": None, "0-17": 9, "18+": None}, 30)
    page(tmp_path, "2161_steg1.html", counts_table(rows, "Ärenden efter ålder"))
    out = flagged(tmp_path, "age=13-17")
    assert "age=13-17, grade=alla] = 3" in out


def test_age_tree():
    assert age_tree(["totalt", "0-17", "18+"]) == [("totalt", ["0-17", "18+"], "exact")]
    assert age_tree(["totalt", "18+"]) == [("totalt", ["18+"], "partial")]
    assert age_tree(["totalt", "0-17", "10-20"])[0][2] == "overlap"
    nested = dict((g, (p, s)) for g, p, s in age_tree(["totalt", "0-12", "13-17", "0-17", "18+"]))
    assert nested == {"0-17": (["0-12", "13-17"], "exact"), "totalt": (["0-17", "18+"], "exact")}


# ---------------------------------------------------------------- way 2: shares are counts


def sex_shares(unstated: tuple[int | None, int | None], boys=(13, 96), *, all_=(30, 200)):
    return shares_table(
        [
            ("Alla", share_cells(*all_, sex="T", year="2023")),
            ("Flickor", share_cells(14, 100, sex="K", year="2023")),
            ("Pojkar", share_cells(*boys, sex="M", year="2023")),
            ("Ej angivet", share_cells(*unstated, sex="U", year="2023")),
        ],
        "Utsatt för hot efter kön",
    )


def test_way2_unstated_sex_derived_from_shares(tmp_path):
    page(tmp_path, "2161_steg2.html", sex_shares((None, None)))
    out = flagged(tmp_path, "Utsatt för hot efter kön", "sex=U")
    assert "answer=yes] = 3" in out  # 30 - 14 - 13
    assert "answer=answered] = 4" in out  # 200 - 100 - 96


def test_way2_skipped_pupils_are_flagged(tmp_path):
    respondents = counts_table(
        [("Svarande", 203, {**SURVEY, "measure": "respondents", "year": "2023", "sex": "T"})],
        "Antal svarande",
    )
    shares = shares_table([("Alla", share_cells(30, 200, sex="T", year="2023"))], "Utsatt för hot")
    page(tmp_path, "2161_steg2.html", respondents, shares)
    out = flagged(tmp_path, "answer=skipped")
    assert "= 3" in out


def test_way2_protected_passes(tmp_path):
    # the boys are withheld too, so the unstated group is not derivable
    page(tmp_path, "2161_steg2.html", sex_shares((None, None), boys=(None, None)))
    clean(tmp_path)


# ---------------------------------------------------------------- way 3: respondent sets


@pytest.mark.parametrize("denominator", [True, False])
def test_way3_different_respondent_sets_are_flagged(tmp_path, denominator):
    """Steps 2 and 0 leave the unstated group out of "all", step 5 keeps it."""
    without_unstated = shares_table(
        [("Alla", share_cells(27, 196, sex="T", year="2023", denominator=denominator))],
        "Utsatt för hot, steg 2",
    )
    with_unstated = shares_table(
        [("Alla", share_cells(30, 200, sex="T", year="2023", denominator=denominator))],
        "Utsatt för hot, steg 5",
    )
    page(tmp_path, "2161_steg2.html", without_unstated)
    page(tmp_path, "2161_steg5.html", with_unstated)
    out = flagged(tmp_path, "difference of two values", "sex=T")
    assert "answer=yes] = 3" in out  # 30 - 27: the unstated pupils who said yes
    assert "answer=answered] = 4" in out
    assert "inconsistent:" in out


def test_way3_one_respondent_set_passes(tmp_path):
    for step in (2, 5):
        table = shares_table(
            [("Alla", share_cells(30, 200, sex="T", year="2023"))], f"Utsatt för hot, steg {step}"
        )
        page(tmp_path, f"2161_steg{step}.html", table)
    out = clean(tmp_path)
    assert "inconsistent" not in out


# ---------------------------------------------------------------- way 4: pooled values


def pooled(member_withheld_in_pool: bool) -> tuple[str, str]:
    pool = pool_region(["2183", "2181"])
    comparison = shares_table(
        [
            ("Ovanåker", share_cells(36, 380, sex="T", year="2023", region="2181")),
            ("Övriga kommuner", share_cells(None, None, sex="T", year="2023", region=pool))
            if member_withheld_in_pool
            else ("Övriga kommuner", share_cells(40, 400, sex="T", year="2023", region=pool)),
        ],
        "Jämförelse med övriga kommuner",
    )
    own = shares_table(
        [("Söderhamn", share_cells(None, None, sex="T", year="2023", region="2183"))],
        "Utsatt för hot i Söderhamn",
    )
    return comparison, own


def test_way4_pooled_value_and_members_share_are_flagged(tmp_path):
    comparison, own = pooled(member_withheld_in_pool=False)
    page(tmp_path, "2161_steg3.html", comparison)
    page(tmp_path, "2183_steg3.html", own)
    out = flagged(tmp_path, "region=2183")
    assert "answer=yes] = 4" in out


def test_way4_pooled_value_withheld_passes(tmp_path):
    comparison, own = pooled(member_withheld_in_pool=True)
    page(tmp_path, "2161_steg3.html", comparison)
    page(tmp_path, "2183_steg3.html", own)
    clean(tmp_path)


# ---------------------------------------------------------------- way 5: respondents by grade


def grade_rows(grades: dict[str, int | None]):
    key = {**SURVEY, "measure": "respondents", "year": "2023", "sex": "T"}
    return [(g, v, {**key, "grade": g}) for g, v in grades.items()]


def test_way5_all_minus_grade9_is_flagged(tmp_path):
    rows = grade_rows({"alla": 150, "åk9": 147, "gy2": None})
    page(tmp_path, "2161_steg2.html", counts_table(rows, "Antal svarande efter årskurs"))
    out = flagged(tmp_path, "Antal svarande efter årskurs", "grade=gy2")
    assert "= 3" in out


def test_way5_secondary_suppression_passes(tmp_path):
    rows = grade_rows({"alla": 150, "åk9": None, "gy2": None})
    page(tmp_path, "2161_steg2.html", counts_table(rows, "Antal svarande efter årskurs"))
    clean(tmp_path)


# ---------------------------------------------------------------- way 6: frozen baseline


def baseline_table(value: int | None, threshold: int) -> str:
    key = {**SOC, "year": "2020", "sex": "T", "age": "totalt"}
    frame = pd.DataFrame({"Mått": ["Utgångsläge"], "Värde": pd.array([value], dtype="Int64")})
    kind = "withheld" if value is None else "count"
    marks = pd.DataFrame({"Värde": [[cell(kind, value, **key)]]})
    # the old step 5 baseline table: no last-line check (local=False)
    return report.table(frame, "Utgångsläge", marks=marks).data + counts_table(
        [("Totalt 2023", 40, {**SOC, "year": "2023", "sex": "T", "age": "totalt"})],
        "Ärenden",
        threshold=threshold,
    )


def test_way6_baseline_made_at_threshold_3_is_flagged_at_5(tmp_path):
    page(tmp_path, "2161_steg2.html", baseline_table(4, threshold=3))
    page(tmp_path, "2161_steg5.html", baseline_table(4, threshold=5))
    out = flagged(tmp_path, "2161_steg2.html: Utgångsläge", "published count")
    assert "threshold 5" in out


def test_way6_baseline_protected_passes(tmp_path):
    page(tmp_path, "2161_steg2.html", baseline_table(None, threshold=5))
    page(tmp_path, "2161_steg5.html", baseline_table(None, threshold=5))
    clean(tmp_path)


# ---------------------------------------------------------------- planted, charts, CLI


def test_planted_small_count_is_flagged(tmp_path):
    rows = age_rows({"0-17": 8, "18-64": None, "65+": None}, 20)
    page(tmp_path, "2161_steg1.html", counts_table(rows, "Ärenden efter ålder"))
    planted = report.marked("2", [cell("count", 2, **SOC, year="2022", sex="K", age="totalt")])
    page(tmp_path, "2183_steg1.html", f"<h2>Kvinnor 2022</h2><p>{planted} kvinnor</p>")
    out = flagged(tmp_path, "2183_steg1.html: Kvinnor 2022", "published count")
    assert "2 reports" in out


def test_chart_cells_are_read(tmp_path):
    rows = age_rows({"0-17": 8, "18-64": 9, "65+": None}, None)
    table = counts_table(rows, "Ärenden efter ålder")
    total = [cell("count", 20, **SOC, year="2023", sex="T", age="totalt")]
    chart = report.chart_cells(total) + report.caption("Ärenden över tid", "Linjen visar.").data
    page(tmp_path, "2161_steg1.html", table, chart)
    flagged(tmp_path, "Ärenden efter ålder", "age=65+")


def test_threshold_from_the_reports_and_the_command_line(tmp_path):
    page(tmp_path, "2161_steg1.html", counts_table(age_rows({"0-17": 8, "18-64": 6}, 14), "Å"))
    clean(tmp_path, threshold=5)
    flagged(tmp_path, "age=18-64", threshold=7)


def test_usage_errors_exit_2(tmp_path):
    assert run(tmp_path / "missing")[0] == 2
    assert run(tmp_path)[0] == 2  # no reports
    assert run(tmp_path, "--threshold", "2")[0] == 2


def test_audit_function_summary(tmp_path):
    rows = age_rows({"0-17": 8, "18-64": None, "65+": None}, 20)
    page(tmp_path, "2161_steg1.html", counts_table(rows, "Ärenden efter ålder"))
    result = audit(tmp_path)
    assert result.reports == 1 and result.threshold == 5
    assert result.recovered == 2 and result.bounded == 2 and not result.findings


def test_reports_run_summary_shows_the_audit_and_fails_on_findings(tmp_path):
    rows = age_rows({"0-17": 8, "18-64": 9, "65+": None}, 20)
    page(tmp_path, "2161_steg1.html", counts_table(rows, "Ärenden efter ålder"))
    summary = RunSummary([], 1.0, None, audit(tmp_path))
    assert summary.disclosed and not summary.failed
    table = summary.table()
    assert "audit: 1 reports" in table and "FINDING 2161_steg1.html" in table
    assert not RunSummary([], 1.0, None).disclosed


@pytest.mark.parametrize("seed", range(12))
def test_a_table_protected_by_the_disclosure_engine_passes(tmp_path, seed):
    """Property: random small counts by sex x age, protected as one table, give no finding."""
    import random

    from vpanalysis.disclosure import protect_long

    rng = random.Random(seed)
    bands = ["0-17", "18-64", "65+"]
    parts = {(s, a): rng.choice([0, 1, 2, 3, 4, 6, 9, 15]) for s in "KM" for a in bands}
    rows = []
    for sex in ("K", "M", "T"):
        for age in [*bands, "totalt"]:
            sexes = "KM" if sex == "T" else sex
            ages = bands if age == "totalt" else [age]
            rows.append((sex, age, sum(parts[s, a] for s in sexes for a in ages)))
    frame = pd.DataFrame(rows, columns=["sex", "age_group", "count"])
    protected = protect_long(frame, by_rows=["sex", "age_group"], flag=None)
    shown = [
        (f"{s} {a}", None if pd.isna(v) else int(v), {**SOC, "year": "2023", "sex": s, "age": a})
        for s, a, v in zip(
            protected["sex"], protected["age_group"], protected["count"], strict=True
        )
    ]
    page(tmp_path, "2161_steg1.html", counts_table(shown, "Ärenden efter kön och ålder"))
    result = audit(tmp_path)
    assert not result.findings, result.lines()
    assert not result.inconsistencies, result.lines()
