"""Raw -> tidy: region codes, years, sex, age groups, markers, duplicates, definitions.

The readers in :mod:`vpanalysis.io` return each source's own labels; the functions here
turn them into the tables described in ``data/processed/README.md``:

* region names (``Ljusdals kommun``, ``Hela landet``, ``Gävleborgs län``) and codes
  (``2161``, ``21``, ``00``) -> 4-character codes through :mod:`vpanalysis.geography`; an
  unknown name is a DataError with the closest matches;
* sex labels (``Kvinnor``, ``Flickor``, ``Tjej``, ``Män``, ``Pojkar``, ``Totalt`` ...) ->
  ``K``/``M``/``T``; age labels (``0-17 år``, ``18 år och äldre``, ``Vuxna``) -> ``0-17``,
  ``18+``, ``totalt``;
* two rows about the same thing (also after names are turned into codes) -> DataError
  naming both rows;
* every category is looked up in ``category_mapping.csv`` (form, relation, WHO type, unit);
* observations get ``sex = "T"`` rows summed from ``K`` and ``M`` where a source gives
  only those, and ``flag = "missing"`` rows for years a source did not deliver.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import pandas as pd

from vpanalysis import definitions, geography
from vpanalysis.errors import DataError
from vpanalysis.io import local_tables as lt
from vpanalysis.io import survey as survey_io
from vpanalysis.io.conventions import normalise_label

#: Five-year age bands of the population table.
AGE_BANDS = [f"{a}-{a + 4}" for a in range(0, 90, 5)] + ["90+"]
OBSERVATION_COLUMNS = [
    "source",
    "category",
    "form",
    "relation",
    "who_type",
    "subcategory_of",
    "region_code",
    "year",
    "sex",
    "age_group",
    "count",
    "flag",
    "unit",
    "local",
]
_SEX = {
    "K": {"k", "kvinna", "kvinnor", "kvinnlig", "flicka", "flickor", "tjej", "tjejer", "f", "w"},
    "M": {"m", "man", "män", "manlig", "pojke", "pojkar", "kille", "killar", "p"},
    "T": {"t", "totalt", "total", "samtliga", "alla", "båda könen", "kvinnor och män", ""},
}
_SEX_INDEX = {label: code for code, labels in _SEX.items() for label in labels}


def _where(frame: pd.DataFrame, position: int) -> dict:
    return lt.where(frame, position)


# ---------------------------------------------------------------- labels


def sex_code(label: object) -> str | None:
    """``"Flickor"`` -> ``"K"``, ``"Män"`` -> ``"M"``, ``"Totalt"``/``""`` -> ``"T"``; else None."""
    return _SEX_INDEX.get(normalise_label("" if label is None else label))


def age_group(label: object) -> str | None:
    """``"0-17 år"`` -> ``"0-17"``, ``"18 år och äldre"`` -> ``"18+"``, ``""`` -> ``"totalt"``."""
    key = normalise_label("" if label is None else label)
    key = re.sub(r"\(|\)", " ", key)
    key = re.sub(r"\s+", " ", key).strip()
    if key in ("", "totalt", "total", "alla", "alla åldrar", "samtliga"):
        return "totalt"
    if key in ("barn", "barn och unga"):
        return "0-17"
    if key in ("vuxna", "vuxen"):
        return "18+"
    if m := re.search(r"(\d+)\s*-\s*(\d+)", key):
        return f"{int(m.group(1))}-{int(m.group(2))}"
    if m := re.search(r"(\d+)\s*(?:\+|år och äldre|år eller äldre|och äldre|-\s*år|-$)", key):
        return f"{int(m.group(1))}+"
    return None


def _labels_to(frame, column, convert, what: str, label: str) -> pd.Series:
    cache: dict[str, str | None] = {}
    values = []
    for position, text in enumerate(frame[column].tolist()):
        if text not in cache:
            cache[text] = convert(text)
        if cache[text] is None:
            raise DataError(f"unknown {what}", **_where(frame, position), column=label, value=text)
        values.append(cache[text])
    return pd.Series(pd.array(values, dtype="string"), index=frame.index)


def sex_codes(frame: pd.DataFrame, column: str = "sex", *, label: str = "Kön") -> pd.Series:
    """Sex labels of a raw table as ``K``/``M``/``T`` (DataError naming the row if unknown)."""
    return _labels_to(frame, column, sex_code, "sex (use e.g. Kvinnor, Män, Totalt)", label)


def age_groups(frame: pd.DataFrame, column: str = "age_group", *, label: str = "Åldersgrupp"):
    """Age labels of a raw table as ``0-17``/``18+``/``totalt`` (DataError if unknown)."""
    return _labels_to(frame, column, age_group, "age group (use e.g. 0-17 år)", label)


def region_codes(frame: pd.DataFrame, column: str = "region", *, label: str = "Region"):
    """Region names or codes of a raw table as 4-character codes.

    An unknown name raises a DataError naming file, row, column and value, with the
    closest official names.
    """
    texts = frame[column].astype("string")
    unique = pd.Series(texts.dropna().unique(), dtype="string")
    matched = dict(zip(unique, geography.match_names(unique), strict=True))
    codes: dict[str, str] = {}
    for text, code in matched.items():
        value = text.strip()
        if re.fullmatch(r"\d{1,4}", value) or pd.isna(code):
            if re.fullmatch(r"\d{1,3}", value):
                value = value.zfill(2) if len(value) <= 2 else value.zfill(4)
            try:
                code = geography.region_code(value)
            except geography.UnknownRegionError as exc:
                position = int((texts == text).to_numpy().nonzero()[0][0])
                hint = f"; did you mean {', '.join(exc.suggestions)}?" if exc.suggestions else ""
                raise DataError(
                    f"unknown municipality or county{hint}",
                    **_where(frame, position),
                    column=label,
                    value=text,
                ) from None
        codes[text] = code
    if texts.isna().any():
        position = int(texts.isna().to_numpy().nonzero()[0][0])
        raise DataError(
            "the municipality is empty", **_where(frame, position), column=label, value=""
        )
    return texts.map(codes).astype("string")


# ---------------------------------------------------------------- duplicates


def check_duplicates(
    frame: pd.DataFrame, keys: Sequence[str], *, what: str, columns: str | None = None
) -> None:
    """DataError for the first row that repeats ``keys`` of an earlier row (naming both).

    ``columns`` names the key columns as the file calls them (for the message); a
    ``_column`` of the row (the year column of a wide table) is named instead if present.
    """
    duplicated = frame.duplicated(list(keys), keep="first")
    if not duplicated.any():
        return
    position = int(duplicated.to_numpy().nonzero()[0][0])
    row = frame.iloc[position]
    same = (frame[list(keys)] == row[list(keys)]).all(axis=1)
    first = frame[same].iloc[0]
    first_where = f"row {int(first['_line'])}"
    if first["_file"] != row["_file"] or first.get("_sheet", "") != row.get("_sheet", ""):
        sheet = f" [{first['_sheet']}]" if first.get("_sheet", "") else ""
        first_where += f" of {first['_file']}{sheet}"
    value = ", ".join(str(row[k]) for k in keys)
    raise DataError(
        f"duplicated row: the same {what} as {first_where}",
        **_where(frame, position),
        column=str(row.get("_column", "") or "") or columns,
        value=value,
    )


# ---------------------------------------------------------------- mapping


def _map(frame: pd.DataFrame, source: str, mapping: pd.DataFrame, mapping_file=None):
    seen: dict[str, str] = {}
    for position, category in enumerate(frame["category"].tolist()):
        if category not in seen:
            w = _where(frame, position)
            seen[category] = f"{w['file']} row {w['row']}"
    definitions.check_mapped(source, seen, mapping, mapping_file=mapping_file)
    return definitions.map_categories(frame, source, mapping)


def _finish(frame: pd.DataFrame, source: str, local: bool) -> pd.DataFrame:
    out = frame.assign(source=source, local=local)
    out = out[OBSERVATION_COLUMNS].copy()
    for column in ("source", "category", "form", "relation", "who_type", "subcategory_of"):
        out[column] = out[column].astype("string")
    out["subcategory_of"] = out["subcategory_of"].fillna("")
    out["flag"] = out["flag"].astype("string")
    out["unit"] = out["unit"].astype("string")
    out["year"] = out["year"].astype("int64")
    out["count"] = out["count"].astype("Int64")
    out["local"] = out["local"].astype("bool")
    return out


# ---------------------------------------------------------------- sources -> observations


def clean_bra(
    raw: pd.DataFrame, mapping: pd.DataFrame, *, mapping_file=None, notes: list | None = None
) -> pd.DataFrame:
    """BRÅ rows (:func:`~vpanalysis.io.bra.read_bra`) -> observations (``source = "bra"``).

    Rows of police regions (``Region Nord`` …, :func:`vpanalysis.geography.police_region`)
    are left out, never put on a municipality or county; so are, in files exported from
    Brå's database (SOL), crimes the category mapping does not name (such an export holds
    whatever crimes were chosen) and a name's empty (``..``) row beside a row with a value
    for the same municipality, year and crime (Brå lists Heby under two counties). What
    was left out is added to ``notes``.
    """
    notes = [] if notes is None else notes
    police = raw["region"].map(geography.police_region, na_action="ignore").notna()
    if police.any():
        names = sorted(raw.loc[police, "region"].unique())
        notes.append(
            f"{int(police.sum())} rader för polisregioner ({', '.join(names)}) är inte med"
        )
        raw = raw[~police]
    if "_sol" in raw.columns:
        known = set(mapping.loc[mapping["source"] == "bra", "category"])
        other = raw["_sol"].fillna(False).astype(bool) & ~raw["category"].isin(known)
        if other.any():
            notes.append(
                f"{raw.loc[other, 'category'].nunique()} brottstyper utan plats i "
                "kategorimappningen är inte med"
            )
            raw = raw[~other]
    frame = raw.assign(region_code=region_codes(raw, label="Region"))
    keys = ["region_code", "year", "category"]
    empty = frame["count"].isna() & (frame["flag"] == "missing")
    valued = frame.loc[~empty, keys].drop_duplicates().assign(_valued=True)
    hit = frame[keys].merge(valued, on=keys, how="left")["_valued"].fillna(False).to_numpy()
    frame = frame[~(empty.to_numpy() & hit.astype(bool))]
    frame = _map(frame, "bra", mapping, mapping_file)
    check_duplicates(
        frame,
        ["region_code", "year", "category"],
        what="region, year and category",
        columns="Region, År, Brottskategori",
    )
    frame["sex"] = frame["map_sex"].replace("", "T").fillna("T")
    frame["age_group"] = frame["map_age_group"].replace("", "totalt").fillna("totalt")
    return _finish(frame, "bra", local=False)


def clean_local(
    raw: pd.DataFrame, source: str, mapping: pd.DataFrame, *, mapping_file=None
) -> pd.DataFrame:
    """Social services or shelter rows (:mod:`vpanalysis.io.local_tables`) -> observations.

    Sex and age group come from the file where it has them, else from the mapping
    (e.g. the shelter's ``Stödsökande kvinnor`` are ``K``, ``18+``), else ``T``/``totalt``.
    """
    frame = raw.assign(region_code=region_codes(raw, label="Kommun"))
    frame = _map(frame, source, mapping, mapping_file)
    sex = sex_codes(frame, "sex")
    given_sex = frame["sex"].fillna("").str.strip() != ""
    frame["sex"] = sex.where(given_sex, frame["map_sex"].replace("", "T").fillna("T"))
    ages = age_groups(frame, "age_group")
    given_age = frame["age_group"].fillna("").str.strip() != ""
    frame["age_group"] = ages.where(
        given_age, frame["map_age_group"].replace("", "totalt").fillna("totalt")
    )
    check_duplicates(
        frame,
        ["region_code", "year", "category", "sex", "age_group"],
        what="municipality, year, category, sex and age group",
        columns="Kommun, År, Kategori, Kön, Åldersgrupp",
    )
    check_parts(frame)
    return _finish(frame, source, local=True)


def _age_bounds(code: str) -> tuple[int, int] | None:
    if code == "totalt":
        return None
    if m := re.fullmatch(r"(\d+)-(\d+)", code):
        return int(m.group(1)), int(m.group(2))
    if m := re.fullmatch(r"(\d+)\+", code):
        return int(m.group(1)), 200
    return None


def _disjoint(codes: Iterable[str]) -> bool:
    bounds = sorted(b for b in map(_age_bounds, codes) if b is not None)
    return all(a[1] < b[0] for a, b in zip(bounds, bounds[1:], strict=False))


def _part_error(frame: pd.DataFrame, label: object, message: str) -> DataError:
    position = frame.index.get_loc(label)
    row = frame.loc[label]
    column = str(row.get("_column", "") or "") or lt.COUNT[0]
    return DataError(message, **_where(frame, position), column=column, value=int(row["count"]))


def check_parts(frame: pd.DataFrame) -> None:
    """A DataError naming file, row and column of the first total smaller than its parts.

    ``frame`` is a local source's rows with ``sex`` (``K``/``M``/``T``) and ``age_group``
    codes and the mapping's ``subcategory_of``. Checked where the counts are known: a
    ``T`` row against ``K`` + ``M``; an age ``totalt`` row against its (non-overlapping)
    age bands; a category against each of its sub-categories (the same sex and age group,
    else the category's ``T``/``totalt`` row). Such a total cannot be right, and the
    disclosure control of the reports would fail on it later.
    """
    known = frame[frame["count"].notna()]
    if known.empty:
        return
    count = known["count"].astype("int64")
    keys = ["region_code", "year", "category"]

    def message(what: str, parts: str, total: int, summed: int) -> str:
        return f"the {what} ({total}) is smaller than {parts} ({summed}); check the export"

    # sex: T >= K + M
    for _, group in known.groupby([*keys, "age_group"], sort=False):
        by_sex = dict(zip(group["sex"], group.index, strict=False))
        if {"K", "M", "T"} <= set(by_sex):
            total, parts = int(count[by_sex["T"]]), int(count[by_sex["K"]] + count[by_sex["M"]])
            if parts > total:
                text = message("total for both sexes (T)", "women + men (K + M)", total, parts)
                raise _part_error(frame, by_sex["T"], text)
    # age: totalt >= the sum of disjoint bands
    for _, group in known.groupby([*keys, "sex"], sort=False):
        ages = group["age_group"].tolist()
        if "totalt" not in ages or len(ages) < 2 or not _disjoint(ages):
            continue
        total_at = group.index[group["age_group"] == "totalt"][0]
        total = int(count[total_at])
        parts = int(count[group.index[group["age_group"] != "totalt"]].sum())
        if parts > total:
            raise _part_error(
                frame, total_at, message("total of all ages", "the age groups", total, parts)
            )
    # sub-categories: a part is never larger than its category
    subs = known[known["subcategory_of"].fillna("") != ""]
    if subs.empty:
        return
    parents = known.set_index(["region_code", "year", "category", "sex", "age_group"])
    parents = parents[~parents.index.duplicated()]
    for label, row in subs.iterrows():
        region, year, parent = row["region_code"], row["year"], row["subcategory_of"]
        for sex, age in ((row["sex"], row["age_group"]), ("T", "totalt")):
            key = (region, year, parent, sex, age)
            if key in parents.index:
                total = int(parents.loc[key, "count"])
                if int(count[label]) > total:
                    raise _part_error(
                        frame,
                        label,
                        f"the sub-category is larger ({int(count[label])}) than its category "
                        f"{parent!r} ({total}); check the export or subcategory_of in "
                        "category_mapping.csv",
                    )
                break


def add_sex_totals(observations: pd.DataFrame) -> pd.DataFrame:
    """Add ``sex = "T"`` rows (K + M) where a group has both K and M rows but no T row.

    A total is ``<NA>`` when a part is: ``flag`` ``suppressed`` if a part was withheld,
    else ``missing``.
    """
    keys = ["source", "category", "region_code", "year", "age_group"]
    obs = observations
    sexes = obs.groupby(keys, sort=False)["sex"].agg(lambda s: frozenset(s))
    need = sexes[sexes.map(lambda s: {"K", "M"} <= s and "T" not in s)].index
    if len(need) == 0:
        return obs
    parts = obs.set_index(keys).loc[need].reset_index()
    parts = parts[parts["sex"].isin(["K", "M"])]
    constant = [c for c in OBSERVATION_COLUMNS if c not in (*keys, "sex", "count", "flag")]
    grouped = parts.groupby(keys, sort=False)
    totals = grouped[constant].first()
    totals["count"] = grouped["count"].sum(min_count=1).astype("Int64")
    any_na = grouped["count"].agg(lambda s: s.isna().any())
    suppressed = grouped["flag"].agg(lambda s: (s == "suppressed").any())
    totals.loc[any_na.to_numpy(), "count"] = pd.NA
    totals["flag"] = ""
    totals.loc[(any_na & suppressed).to_numpy(), "flag"] = "suppressed"
    totals.loc[(any_na & ~suppressed).to_numpy(), "flag"] = "missing"
    totals["sex"] = "T"
    totals = totals.reset_index()[OBSERVATION_COLUMNS]
    return pd.concat([obs, totals.astype(obs.dtypes.to_dict())], ignore_index=True)


def add_missing_years(observations: pd.DataFrame) -> pd.DataFrame:
    """Rows with ``flag = "missing"`` for years in a source's span that a region lacks.

    For each source and region, every category/sex/age combination the region has gets a
    row for each year between the source's first and last year.
    """
    obs = observations
    added = []
    for _source, part in obs.groupby("source", sort=False):
        span = range(int(part["year"].min()), int(part["year"].max()) + 1)
        combos = ["category", "sex", "age_group"]
        for _region, rows in part.groupby("region_code", sort=False):
            have = set(rows["year"])
            lacking = [y for y in span if y not in have]
            if not lacking:
                continue
            templates = rows.drop_duplicates(combos)
            for year in lacking:
                added.append(templates.assign(year=year, count=pd.NA, flag="missing"))
    if not added:
        return obs
    extra = pd.concat(added, ignore_index=True).astype(obs.dtypes.to_dict())
    return pd.concat([obs, extra], ignore_index=True)


def sort_observations(observations: pd.DataFrame) -> pd.DataFrame:
    order = {"bra": 0, "socialtjanst": 1, "kvinnojour": 2}
    sex_order = {"T": 0, "K": 1, "M": 2}
    return (
        observations.assign(
            _s=observations["source"].map(order).fillna(9),
            _x=observations["sex"].map(sex_order),
        )
        .sort_values(["_s", "region_code", "category", "year", "_x", "age_group"], kind="stable")
        .drop(columns=["_s", "_x"])
        .reset_index(drop=True)
    )


# ---------------------------------------------------------------- population


def _age_number(code: str) -> int | None:
    text = str(code).strip().lower().replace(" år", "")
    if re.fullmatch(r"\d+", text):
        return int(text)
    if m := re.fullmatch(r"(\d+)\+", text):
        return int(m.group(1))
    return None


def clean_population(frame: pd.DataFrame, *, file: str) -> pd.DataFrame:
    """SCB TAB638 json-stat2 (:func:`~vpanalysis.io.pxweb.read_jsonstat2`) -> single years of age.

    Needs dimensions for region (``Region``), age (``Alder``: single years, ``100+``), sex
    (``Kon``: 1 men, 2 women) and year (``Tid``); a contents dimension must be the
    population (``BE0101N1``). Other dimensions with one category are ignored, with several
    they are summed (or their total category is taken). Returns ``region_code``, ``year``,
    ``sex`` (K/M), ``age`` (int64; 100 = 100 or older), ``population`` (Int64).
    """
    names = {c.lower(): c for c in frame.columns if c not in ("value", "status")}

    def dim(*candidates: str) -> str:
        for c in candidates:
            if c.lower() in names:
                return names[c.lower()]
        raise DataError(
            f"the dataset has no dimension {candidates[0]} "
            f"(dimensions: {', '.join(names.values())})",
            file=file,
        )

    region, age, sex, year = dim("Region"), dim("Alder", "Ålder"), dim("Kon", "Kön"), dim("Tid")
    data = frame
    for other in [c for c in names.values() if c not in (region, age, sex, year)]:
        categories = data[other].unique().tolist()
        if other.lower() == "contentscode" and len(categories) > 1:
            chosen = [c for c in categories if c == "BE0101N1"]
            if not chosen:
                raise DataError(
                    f"several contents ({', '.join(categories)}); keep only BE0101N1 (Folkmängd)",
                    file=file,
                )
            data = data[data[other] == chosen[0]]
            continue
        totals = [c for c in categories if normalise_label(c) in ("tot", "totalt", "total")]
        if len(categories) > 1 and totals:
            data = data[data[other] == totals[0]]
    sexes = {"1": "M", "2": "K"}
    data = data[data[sex].isin(list(sexes))]  # "1+2" / "TOT" totals are recomputed
    ages = data[age].map(_age_number)
    data = data[ages.notna()].assign(_age=ages[ages.notna()].astype("int64"))
    bad = data["value"].isna()
    if bad.any():
        row = data[bad].iloc[0]
        raise DataError(
            f"population value missing (status {row['status']!r}) for region {row[region]}, "
            f"year {row[year]}, age {row[age]}",
            file=file,
        )
    regions = pd.DataFrame(
        {"region": data[region].astype("string"), "_file": file, "_sheet": "", "_line": 0}
    )
    try:
        codes = region_codes(regions.reset_index(drop=True), label=region)
    except DataError as exc:
        raise DataError(str(exc).split(": ", 1)[-1], file=file) from None
    out = pd.DataFrame(
        {
            "region_code": codes.to_numpy(),
            "year": data[year].astype("int64").to_numpy(),
            "sex": data[sex].map(sexes).astype("string").to_numpy(),
            "age": data["_age"].to_numpy(),
            "population": data["value"].round().astype("Int64").to_numpy(),
        }
    )
    out = out.groupby(["region_code", "year", "sex", "age"], as_index=False)["population"].sum()
    out["population"] = out["population"].astype("Int64")
    for column in ("region_code", "sex"):
        out[column] = out[column].astype("string")
    complete = out.groupby(["region_code", "year", "sex"])["age"].agg(
        lambda a: set(a) >= set(range(0, 100))
    )
    if not complete.all():
        key = complete[~complete].index[0]
        raise DataError(
            f"ages are not single years 0-100+ for region {key[0]}, year {key[1]}, sex {key[2]} "
            "(choose every value of Alder in TAB638)",
            file=file,
        )
    return out.sort_values(["region_code", "year", "sex", "age"]).reset_index(drop=True)


def age_band(age: int) -> str:
    """The five-year band of an age: 0-4 ... 85-89, 90+."""
    return "90+" if age >= 90 else f"{age // 5 * 5}-{age // 5 * 5 + 4}"


def population_bands(single_years: pd.DataFrame) -> pd.DataFrame:
    """Single years -> the 19 five-year bands of ``population.parquet``."""
    bands = single_years.assign(age_group=single_years["age"].map(age_band).astype("string"))
    out = bands.groupby(["region_code", "year", "sex", "age_group"], as_index=False, sort=False)[
        "population"
    ].sum()
    order = {b: i for i, b in enumerate(AGE_BANDS)}
    out = out.sort_values(
        ["region_code", "year", "sex", "age_group"],
        key=lambda s: s.map(order) if s.name == "age_group" else s,
    )
    out["population"] = out["population"].astype("Int64")
    for column in ("region_code", "sex", "age_group"):
        out[column] = out[column].astype("string")
    return out.reset_index(drop=True)


# ---------------------------------------------------------------- Kolada


def clean_kolada(raw: pd.DataFrame, kpis: pd.DataFrame, *, kpi_file: str) -> pd.DataFrame:
    """Kolada rows (:func:`~vpanalysis.io.kolada.read_kolada`) -> ``kolada.parquet``."""
    known = set(kpis["kpi"])
    unknown = sorted(set(raw["kpi"]) - known)
    if unknown:
        raise DataError(
            "KPIs in the Kolada files that kpis.csv does not list: " + ", ".join(unknown),
            file=kpi_file,
        )
    codes = {}
    for position, municipality in enumerate(raw["municipality"].tolist()):
        if municipality in codes:
            continue
        try:
            codes[municipality] = geography.region_code(municipality)
        except geography.UnknownRegionError:
            row = raw.iloc[position]
            raise DataError(
                "unknown Kolada municipality id",
                file=row["_file"],
                column=row["_entry"],
                value=municipality,
            ) from None
    out = pd.DataFrame(
        {
            "kpi": raw["kpi"].astype("string"),
            "region_code": raw["municipality"].map(codes).astype("string"),
            "year": raw["period"].astype("int64"),
            "sex": raw["gender"].astype("string"),
            "value": raw["value"].astype("Float64"),
            "status": raw["status"].fillna("").astype("string"),
            "_file": raw["_file"],
            "_entry": raw["_entry"],
        }
    )
    duplicated = out.duplicated(["kpi", "region_code", "year", "sex"])
    if duplicated.any():
        row = out[duplicated].iloc[0]
        first = out[
            (out["kpi"] == row["kpi"])
            & (out["region_code"] == row["region_code"])
            & (out["year"] == row["year"])
            & (out["sex"] == row["sex"])
        ].iloc[0]
        raise DataError(
            f"duplicated value: the same KPI, municipality, year and gender as {first['_entry']} "
            f"of {first['_file']}",
            file=row["_file"],
            column=row["_entry"],
            value=f"{row['kpi']}, {row['region_code']}, {row['year']}, {row['sex']}",
        )
    out = out.drop(columns=["_file", "_entry"])
    return out.sort_values(["kpi", "region_code", "year", "sex"]).reset_index(drop=True)


# ---------------------------------------------------------------- survey


def grade_code(label: str) -> str | None:
    """``"Åk 9"`` -> ``"åk9"``, ``"Gy 2"``/``"År 2"`` -> ``"gy2"``; else None."""
    key = normalise_label(label).replace(" ", "").replace(".", "")
    if m := re.fullmatch(r"(?:åk|årskurs|ak)(\d)", key):
        return f"åk{m.group(1)}"
    if m := re.fullmatch(r"(?:gy|gymnasiet|gymnasietår|gymnasieår|år)(\d)", key):
        return f"gy{m.group(1)}"
    return None


def clean_survey(raw: pd.DataFrame, codebook: pd.DataFrame) -> pd.DataFrame:
    """Answers (:func:`~vpanalysis.io.survey.read_survey`) -> ``survey.parquet`` (row per pupil)."""
    roles = survey_io.role_columns(codebook)
    by_item = codebook.set_index("item")
    out = pd.DataFrame(index=raw.index)
    out["respondent_id"] = raw[roles["respondent_id"]].astype("string")
    lt.require_nonempty(raw, roles["respondent_id"])
    out["region_code"] = region_codes(
        raw.rename(columns={roles["region"]: "_region"}), "_region", label=roles["region"]
    )
    out["year"] = lt.years(raw, roles["year"])
    for role, convert, what in (
        ("grade", grade_code, "grade label in the codebook (use e.g. Åk 9, Gy 2)"),
        ("sex", sex_code, "sex"),
    ):
        if role not in roles:
            out[role] = pd.array([pd.NA] * len(raw), dtype="string")
            continue
        item = roles[role]
        labels = survey_io.parse_codes(by_item.loc[item, "codes"])
        missing = {c.strip() for c in str(by_item.loc[item, "missing_codes"]).split("|")}
        values = []
        for position, text in enumerate(raw[item].tolist()):
            if text == "" or text in missing:
                values.append(None)
                continue
            try:
                code = int(text)
                label = labels[code] if labels else text
            except (ValueError, KeyError):
                raise DataError(
                    "code not in the codebook", **lt.where(raw, position), column=item, value=text
                ) from None
            value = convert(label)
            if role == "sex" and value == "T":
                value = None  # "annat / vill inte svara" and the like
            if value is None and role == "grade":
                raise DataError(
                    f"unknown {what}", **lt.where(raw, position), column=item, value=label
                )
            values.append(value)
        out[role] = pd.array(values, dtype="string")
    check_duplicates(
        raw.assign(_id=out["respondent_id"], _region=out["region_code"], _year=out["year"]),
        ["_region", "_year", "_id"],
        what="municipality, year and respondent id",
        columns=", ".join(roles[r] for r in ("region", "year", "respondent_id")),
    )
    out["respondent_id"] = (
        out["region_code"] + "-" + out["year"].astype("string") + "-" + out["respondent_id"]
    )
    for item in survey_io.items(codebook):
        out[item] = raw[item].astype("Int64")
    return out.reset_index(drop=True)


def exposure_items(codebook: pd.DataFrame) -> Iterable[str]:
    """Items that measure violence (exposure or perpetration): these need a mapping row."""
    rows = codebook[codebook["kind"].isin(["exposure", "perpetration"])]
    return rows["item"].tolist()
