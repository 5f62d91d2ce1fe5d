"""The protected publication (issue 9): adversarial fixtures that leak when protected table
by table and do not when protected together, a property test, and the store.

The attacker here is written independently of :mod:`vpanalysis.publication`: it reads
only published cells (their keys and values) and derives the relations from the keys
(sex and age totals, grades, answered >= yes, respondents >= answered, pools), then bounds
every withheld count and every implied difference with :func:`scipy.optimize.linprog`.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from vpanalysis import data, publication
from vpanalysis.publication import keys, protect, store
from vpanalysis.steps import situation

T = 5
CODEBOOK = pd.DataFrame(
    {
        "item": ["utsatt_hot"],
        "role": [""],
        "question": ["Hotad?"],
        "codes": ["0=Nej|1=Ja"],
        "missing_codes": [""],
        "kind": ["exposure"],
        "form": ["psykiskt"],
        "level": ["individ"],
        "cutoff": [""],
        "polarity": ["higher_worse"],
    }
)


# ---------------------------------------------------------------- fixtures


def observations(rows) -> pd.DataFrame:
    """rows: (source, category, region, year, sex, age, count[, parent])."""
    records = []
    for r in rows:
        source, category, region, year, sex, age, count, *rest = r
        records.append(
            dict(
                source=source, category=category, form="x", relation="y", who_type="z",
                subcategory_of=rest[0] if rest else "", region_code=region, year=year,
                sex=sex, age_group=age, count=count, flag="", unit="personer", local=True,
            )
        )  # fmt: skip
    out = pd.DataFrame(records)
    out["count"] = out["count"].astype("Int64")
    for c in ("source", "category", "subcategory_of", "region_code", "sex", "age_group"):
        out[c] = out[c].astype("string")
    return out


def survey(groups) -> pd.DataFrame | None:
    """groups: (region, year, grade, sex or None, yes, no, skipped) -> pupils."""
    rows = []
    for region, year, grade, sex, yes, no, skipped in groups:
        for answer, n in ((1, yes), (0, no), (None, skipped)):
            for _ in range(n):
                rows.append(
                    dict(
                        respondent_id=f"{region}-{year}-{len(rows)}", region_code=region,
                        year=year, grade=grade, sex=sex, utsatt_hot=answer,
                    )
                )  # fmt: skip
    if not rows:
        return None
    out = pd.DataFrame(rows)
    out["utsatt_hot"] = out["utsatt_hot"].astype("Int64")
    for c in ("respondent_id", "region_code", "grade", "sex"):
        out[c] = out[c].astype("string")
    return out


def tables(obs=None, srv=None) -> data.Tables:
    return data.Tables(observations=obs, survey=srv, codebook=CODEBOOK if srv is not None else None)


# ---------------------------------------------------------------- the attacker


def _relations(cells: pd.DataFrame):
    """(total, parts, exact) from the keys alone."""
    index = {tuple(r[f] for f in keys.KEY_FIELDS if f != "parent"): i for i, r in cells.iterrows()}
    fields = [f for f in keys.KEY_FIELDS if f != "parent"]
    out = []

    def key(row, **over):
        return tuple(over.get(f, row[f]) for f in fields)

    for i, row in cells.iterrows():
        survey_cell = row["source"] == "skolenkat"
        if row["sex"] == "T":
            parts = [index.get(key(row, sex=s)) for s in ("K", "M", "U")]
            parts = [p for p in parts if p is not None]
            if parts:
                out.append((i, parts, True))
        if not survey_cell and row["age"] == keys.TOTAL_AGE:
            parts = cells[
                (cells["source"] == row["source"]) & (cells["measure"] == row["measure"])
                & (cells["region"] == row["region"]) & (cells["year"] == row["year"])
                & (cells["sex"] == row["sex"]) & (cells["age"] != keys.TOTAL_AGE)
            ].index.tolist()  # fmt: skip
            if parts:
                out.append((i, parts, True))
        if survey_cell and row["grade"] == keys.ALL and not row["region"].startswith("pool:"):
            parts = cells[
                (cells["source"] == "skolenkat") & (cells["measure"] == row["measure"])
                & (cells["region"] == row["region"]) & (cells["year"] == row["year"])
                & (cells["sex"] == row["sex"]) & (cells["answer"] == row["answer"])
                & (cells["grade"] != keys.ALL)
            ].index.tolist()  # fmt: skip
            if parts:
                out.append((i, parts, True))
        if survey_cell and row["answer"] == "answered":
            yes = index.get(key(row, answer="yes"))
            if yes is not None:
                out.append((i, [yes], False))
            n = index.get(key(row, measure="respondents", answer=""))
            if n is not None:
                out.append((n, [i], False))
        if row["region"].startswith("pool:"):
            parts = [index.get(key(row, region=m)) for m in keys.pool_members(row["region"])]
            parts = [p for p in parts if p is not None]
            out.append((i, parts, True))
        if not survey_cell and row["parent"]:
            total = index.get(key(row, measure=row["parent"]))
            if total is not None:
                out.append((total, [i], False))
    return out


def leaks(cells: pd.DataFrame, threshold: int = T) -> list[str]:
    """Withheld cells, and differences total - parts, that the attacker pins to
    1..threshold-1."""
    cells = cells.reset_index(drop=True)
    n = len(cells)
    rels = _relations(cells)
    A_eq, A_ub = [], []
    for total, parts, exact in rels:
        row = np.zeros(n)
        row[total] -= 1
        row[parts] += 1
        (A_eq if exact else A_ub).append(row)  # parts - total == 0  /  <= 0
    value = cells["value"].astype("float64").to_numpy()
    known = ~np.isnan(value)
    bounds = [(v, v) if k else (0, None) for v, k in zip(value, known, strict=True)]

    def bound(objective) -> tuple[float, float]:
        out = []
        for sign in (1, -1):
            res = linprog(
                sign * objective,
                A_eq=np.array(A_eq) if A_eq else None,
                b_eq=np.zeros(len(A_eq)) if A_eq else None,
                A_ub=np.array(A_ub) if A_ub else None,
                b_ub=np.zeros(len(A_ub)) if A_ub else None,
                bounds=bounds,
                method="highs",
            )
            out.append(np.inf if res.status == 3 else sign * res.fun)
        return out[0], out[1]

    found = []
    exprs = [(f"cell {i}", np.eye(n)[i]) for i in np.flatnonzero(~known)]
    for total, parts, _ in rels:  # what is in the total but in none of its parts
        e = np.zeros(n)
        e[total] += 1
        e[parts] -= 1
        exprs.append((f"rest of {total}", e))
    for name, e in exprs:
        lo, hi = bound(e)
        if lo >= 1 - 1e-6 and hi < threshold - 1e-6:
            found.append(f"{name}: {lo:g}..{hi:g}")
    return found


def old_counts(obs: pd.DataFrame, region: str) -> pd.DataFrame:
    """Step 2's table-by-table protection (:func:`situation.local_counts`) as cells."""
    out = []
    for source in obs["source"].unique():
        p = situation.local_counts(tables(obs), source, region, T, obs["year"].unique())
        for r in p.itertuples(index=False):
            out.append(
                dict(
                    source=r.source, measure=r.category, parent=r.subcategory_of or "",
                    region=r.region_code, year=r.year, sex=r.sex, age=r.age_group,
                    grade="alla", answer="", value=r.count,
                )
            )  # fmt: skip
    frame = pd.DataFrame(out)
    frame["value"] = frame["value"].astype("Float64")
    return frame


# ---------------------------------------------------------------- the ways


def test_way1_age_total_row():
    obs = observations(
        [
            ("socialtjanst", "Hedersrelaterat våld", "2161", 2023, "T", "0-17", 3),
            ("socialtjanst", "Hedersrelaterat våld", "2161", 2023, "T", "18+", 20),
            ("socialtjanst", "Hedersrelaterat våld", "2161", 2023, "T", "totalt", 23),
        ]
    )
    assert leaks(old_counts(obs, "2161"))  # totalt - 18+ = 3
    pub = publication.build(tables(obs), municipalities=["2161"], threshold=T)
    assert pub.value(
        source="socialtjanst", measure="Hedersrelaterat våld", region="2161", year=2023,
        sex="T", age="0-17", grade="alla", answer="",
    ) is None  # fmt: skip
    assert not leaks(pub.cells)


def _group_survey():
    return survey(
        [
            ("2161", 2024, "åk9", "K", 20, 30, 0),
            ("2161", 2024, "åk9", "M", 22, 28, 0),
            ("2161", 2024, "åk9", None, 1, 2, 1),  # unstated sex: yes 1, no 2, skipped 1
            ("2161", 2024, "gy2", "K", 15, 35, 0),
            ("2161", 2024, "gy2", "M", 18, 32, 0),
        ]
    )


def test_way2_unstated_sex_group():
    tbl = tables(srv=_group_survey())
    found = publication.cells.collect(tbl, ["2161"])
    old = found.frame.loc[~found.frame["hidden"]].copy()
    per_cell = protect.withheld(found, T, joint=False)[~found.frame["hidden"].to_numpy()]
    old["value"] = pd.array(np.where(per_cell, np.nan, old["raw"]), dtype="Float64")
    assert leaks(old)  # only the yes-count of the unstated group withheld
    pub = publication.build(tbl, municipalities=["2161"], threshold=T)
    assert not leaks(pub.cells)
    u = pub.select(region="2161", sex="U")
    assert u["withheld"].any()


def test_way4_pooled_comparison_value():
    srv = survey(
        [
            ("2161", 2024, "åk9", "K", 30, 40, 0),
            ("2183", 2024, "åk9", "K", 3, 40, 0),  # Bollnäs: 3 yes, withheld on its own
            ("2181", 2024, "åk9", "K", 40, 60, 0),
        ]
    )
    tbl = tables(srv=srv)
    codes = ["2161", "2183", "2181"]
    found = publication.cells.collect(tbl, codes)
    old = found.frame.loc[~found.frame["hidden"]].copy()
    per_cell = protect.withheld(found, T, joint=False)[~found.frame["hidden"].to_numpy()]
    old["value"] = pd.array(np.where(per_cell, np.nan, old["raw"]), dtype="Float64")
    assert leaks(old)  # pool(2183+2181) - 2181 = 3
    pub = publication.build(tbl, municipalities=codes, threshold=T)
    assert not leaks(pub.cells)
    assert (pub.cells["region"] == keys.pool_region(["2183", "2181"])).any()


def test_way5_respondents_by_grade():
    srv = survey(
        [
            ("2161", 2024, "åk9", "K", 20, 30, 0),
            ("2161", 2024, "åk9", "M", 22, 28, 0),
            ("2161", 2024, "gy2", "K", 1, 1, 0),
            ("2161", 2024, "gy2", "M", 1, 0, 0),
        ]
    )
    old = situation.survey_respondents(tables(srv=srv), "2161", T)
    shown = dict(zip(zip(old["grade"], old["sex"], strict=True), old["respondents"], strict=True))
    assert pd.isna(shown["gy2", "T"])
    assert shown["Alla", "T"] - shown["åk9", "T"] == 3  # the leak
    pub = publication.build(tables(srv=srv), municipalities=["2161"], threshold=T)
    key = dict(source="skolenkat", measure="respondents", region="2161", year=2024, age="alla")
    everyone = pub.value(**key, sex="T", grade="alla", answer="")
    grade9 = pub.value(**key, sex="T", grade="åk9", answer="")
    assert everyone is None or grade9 is None
    assert not leaks(pub.cells)


# ---------------------------------------------------------------- property


@st.composite
def local_data(draw):
    rows = []
    for year in (2023, 2024):
        k, m = draw(st.integers(0, 9)), draw(st.integers(0, 9))
        young = draw(st.integers(0, min(k, m)))
        rows += [
            ("socialtjanst", "Våld", "2161", year, "K", "totalt", k),
            ("socialtjanst", "Våld", "2161", year, "M", "totalt", m),
            ("socialtjanst", "Våld", "2161", year, "T", "totalt", k + m),
            ("socialtjanst", "Våld", "2161", year, "T", "0-17", 2 * young),
            ("socialtjanst", "Våld", "2161", year, "T", "18+", k + m - 2 * young),
        ]
    groups = []
    for grade in ("åk9", "gy2"):
        for sex in ("K", "M", None):
            n = st.integers(0, 6)
            groups.append(("2161", 2024, grade, sex, draw(n), draw(n), draw(st.integers(0, 2))))
    return observations(rows), survey(groups)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(local_data())
def test_property_nothing_derivable(pair):
    obs, srv = pair
    pub = publication.build(tables(obs, srv), municipalities=["2161"])
    shown = pub.cells["value"].astype("float64")
    assert not ((shown >= 1) & (shown < T)).any()
    assert not leaks(pub.cells)


# ---------------------------------------------------------------- store


def test_store_reuses_and_rebuilds(tmp_path, monkeypatch):
    obs = observations([("socialtjanst", "Våld", "2161", 2024, "T", "totalt", 7)])
    current = {"tables": tables(obs)}
    monkeypatch.setattr(publication, "load_tables", lambda data_dir=None: current["tables"])
    first = publication.ensure_at(tmp_path, 5, ["2161"])
    assert (tmp_path / "processed" / store.CELLS_FILE).exists()
    again = publication.ensure_at(tmp_path, 5, ["2161"])
    assert again.built_at == first.built_at and again.fingerprint == first.fingerprint
    other = publication.ensure_at(tmp_path, 8, ["2161"])
    assert other.threshold == 8 and other.value(
        source="socialtjanst", measure="Våld", region="2161", year=2024, sex="T",
        age="totalt", grade="alla", answer="",
    ) is None  # fmt: skip
    current["tables"] = tables(
        observations([("socialtjanst", "Våld", "2161", 2024, "T", "totalt", 9)])
    )
    changed = publication.ensure_at(tmp_path, 8, ["2161"])
    assert changed.fingerprint != other.fingerprint
    assert changed.value(
        source="socialtjanst", measure="Våld", region="2161", year=2024, sex="T",
        age="totalt", grade="alla", answer="",
    ) == 9  # fmt: skip


def test_fingerprint_ignores_years():
    obs = observations(
        [
            ("socialtjanst", "Våld", "2161", 2020, "T", "totalt", 7),
            ("socialtjanst", "Våld", "2161", 2024, "T", "totalt", 7),
        ]
    )
    full = store.fingerprint(tables(obs), ["2161"], ["2161"])
    assert full == store.fingerprint(tables(obs), ["2161"], ["2161"])
    assert full != store.fingerprint(tables(obs).within([2024, 2024]), ["2161"], ["2161"])


def test_mark_and_select():
    obs = observations(
        [
            ("socialtjanst", "Våld", "2161", 2024, "K", "totalt", 2),
            ("socialtjanst", "Våld", "2161", 2024, "M", "totalt", 10),
            ("socialtjanst", "Våld", "2161", 2024, "T", "totalt", 12),
        ]
    )
    pub = publication.build(tables(obs), municipalities=["2161"], threshold=T)
    key = dict(source="socialtjanst", measure="Våld", region="2161", year=2024, age="totalt")
    assert pub.mark(**key, sex="K", grade="alla", answer="")["kind"] == "withheld"
    assert pub.mark(**key, sex="T", grade="alla", answer="")["kind"] in ("count", "withheld")
    assert len(pub.select(source="socialtjanst", region="2161")) == 3
    assert not leaks(pub.cells)


@pytest.mark.slow
def test_example_data_timing():
    """The example data (``data/processed``) protected together; prints the time."""
    tbl = data.Tables.load()
    start = time.perf_counter()
    pub = publication.build(tbl)
    print(f"publication: {len(pub.cells)} cells, {int(pub.cells['withheld'].sum())} withheld, "
          f"{time.perf_counter() - start:.1f} s")  # fmt: skip
    shown = pub.cells["value"].astype("float64")
    assert not ((shown >= 1) & (shown < T)).any()


def test_store_is_rebuilt_when_the_protection_code_changes(tmp_path, monkeypatch):
    """The stored set records the protection version (a hash of the code of the cells, the
    joint suppression and the disclosure rule); other code means a rebuild."""
    import json
    import types

    obs = observations([("socialtjanst", "Våld", "2161", 2024, "T", "totalt", 7)])
    monkeypatch.setattr(publication, "load_tables", lambda data_dir=None: tables(obs))
    first = publication.ensure_at(tmp_path, 5, ["2161"])
    meta = json.loads((tmp_path / "processed" / store.META_FILE).read_text(encoding="utf-8"))
    assert meta["protection"] == store.protection_version()
    assert publication.ensure_at(tmp_path, 5, ["2161"]).built_at == first.built_at

    # the same data, protection code edited (here: a changed module of the protection)
    edited = tmp_path / "protect_edited.py"
    edited.write_text("RESPONDENTS_COST = 5.0\n", encoding="utf-8")
    fake = types.ModuleType("vpanalysis.publication.protect")
    fake.__file__ = str(edited)
    monkeypatch.setattr(store, "PROTECTION_MODULES", (*store.PROTECTION_MODULES[:-1], fake))
    monkeypatch.setattr(store, "_protection", {})
    assert store.protection_version() != meta["protection"]
    calls = []
    real_build = publication.build
    monkeypatch.setattr(
        publication, "build", lambda *a, **k: calls.append(1) or real_build(*a, **k)
    )
    again = publication.ensure_at(tmp_path, 5, ["2161"])
    assert calls and again.fingerprint != first.fingerprint
    meta = json.loads((tmp_path / "processed" / store.META_FILE).read_text(encoding="utf-8"))
    assert meta["protection"] == store.protection_version()

    # a set stored without a protection version (made before it was recorded) is rebuilt
    del meta["protection"]
    (tmp_path / "processed" / store.META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    calls.clear()
    publication.ensure_at(tmp_path, 5, ["2161"])
    assert calls


@pytest.mark.parametrize("skipped", [0, 2, 7])
def test_respondents_are_withheld_only_where_a_skipped_count_needs_it(skipped):
    """Respondents minus the pupils who answered an item are the pupils who skipped it: a
    count of persons. A small one withholds the respondent counts it is derivable from (the
    cheapest cells: the shares stay), a skipped count of 0 or >= threshold withholds none."""
    srv = survey(
        [
            ("2161", 2024, "åk9", "K", 20, 30, skipped),
            ("2161", 2024, "åk9", "M", 22, 28, 0),
            ("2161", 2024, "gy2", "K", 15, 35, 0),
            ("2161", 2024, "gy2", "M", 18, 32, 0),
        ]
    )
    pub = publication.build(tables(srv=srv), municipalities=["2161"], threshold=T)
    respondents = pub.select(measure="respondents")
    answered = pub.select(measure="utsatt_hot", answer="answered")
    assert not answered["withheld"].any()  # every share can be shown
    small = 1 <= skipped < T
    assert respondents["withheld"].any() == small
    if small:
        k9 = respondents[(respondents["sex"] == "K") & (respondents["grade"] == "åk9")]
        assert k9["withheld"].all()
        assert not respondents[respondents["grade"] == "gy2"]["withheld"].any()
    assert not leaks(pub.cells)
