"""pandera schemas of every table in ``data/processed`` (see ``data/processed/README.md``).

The pipeline validates each table before writing it; :func:`validate` turns a failure
into a one-line :class:`~vpanalysis.errors.DataError`. Other modules can validate tables
they receive with the same schemas (``schema.OBSERVATIONS.validate(df)``).
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from vpanalysis.errors import DataError

REGION_CODE = r"^\d{4}$"
AGE_GROUP = r"^(totalt|\d+-\d+|\d+\+)$"
AGE_BANDS = [f"{a}-{a + 4}" for a in range(0, 90, 5)] + ["90+"]
#: Sources of the observation table (the count-type sources; the survey has its own table).
SOURCES = ["bra", "socialtjanst", "kvinnojour"]
FLAGS = ["", "suppressed", "missing"]
YEAR = pa.Check.in_range(1900, 2100)


def _string(*checks: pa.Check, nullable: bool = False) -> pa.Column:
    return pa.Column("string", list(checks), nullable=nullable)


OBSERVATIONS = pa.DataFrameSchema(
    {
        "source": _string(pa.Check.isin(SOURCES)),
        "category": _string(pa.Check.str_length(min_value=1)),
        "form": _string(pa.Check.str_length(min_value=1)),
        "relation": _string(pa.Check.str_length(min_value=1)),
        "who_type": _string(pa.Check.str_length(min_value=1)),
        "subcategory_of": _string(),
        "region_code": _string(pa.Check.str_matches(REGION_CODE)),
        "year": pa.Column("int64", YEAR),
        "sex": _string(pa.Check.isin(["K", "M", "T"])),
        "age_group": _string(pa.Check.str_matches(AGE_GROUP)),
        "count": pa.Column("Int64", pa.Check.ge(0), nullable=True),
        "flag": _string(pa.Check.isin(FLAGS)),
        "unit": _string(pa.Check.str_length(min_value=1)),
        "local": pa.Column("bool"),
    },
    checks=[
        pa.Check(
            lambda df: df["count"].notna() | (df["flag"] != ""),
            error="a count is <NA> only with flag suppressed or missing",
        ),
        pa.Check(
            lambda df: df["count"].isna() | (df["flag"] == ""),
            error="a flagged row has no count",
        ),
    ],
    unique=["source", "category", "region_code", "year", "sex", "age_group"],
    strict=True,
    ordered=True,
    name="observations",
)

POPULATION = pa.DataFrameSchema(
    {
        "region_code": _string(pa.Check.str_matches(REGION_CODE)),
        "year": pa.Column("int64", YEAR),
        "sex": _string(pa.Check.isin(["K", "M"])),
        "age_group": _string(pa.Check.isin(AGE_BANDS)),
        "population": pa.Column("Int64", pa.Check.ge(0)),
    },
    unique=["region_code", "year", "sex", "age_group"],
    strict=True,
    ordered=True,
    name="population",
)

POPULATION_SINGLE_YEAR = pa.DataFrameSchema(
    {
        "region_code": _string(pa.Check.str_matches(REGION_CODE)),
        "year": pa.Column("int64", YEAR),
        "sex": _string(pa.Check.isin(["K", "M"])),
        "age": pa.Column("int64", pa.Check.in_range(0, 100)),
        "population": pa.Column("Int64", pa.Check.ge(0)),
    },
    unique=["region_code", "year", "sex", "age"],
    strict=True,
    ordered=True,
    name="population_single_year",
)

KOLADA = pa.DataFrameSchema(
    {
        "kpi": _string(pa.Check.str_matches(r"^[NU]\d{5}$")),
        "region_code": _string(pa.Check.str_matches(REGION_CODE)),
        "year": pa.Column("int64", YEAR),
        "sex": _string(pa.Check.isin(["T", "K", "M"])),
        "value": pa.Column("Float64", nullable=True),
        "status": _string(),
    },
    unique=["kpi", "region_code", "year", "sex"],
    strict=True,
    ordered=True,
    name="kolada",
)


def survey_schema(items: list[str]) -> pa.DataFrameSchema:
    """``survey.parquet``: background columns, then one Int64 column per codebook item."""
    columns = {
        "respondent_id": _string(pa.Check.str_length(min_value=1)),
        "region_code": _string(pa.Check.str_matches(REGION_CODE)),
        "year": pa.Column("int64", YEAR),
        "grade": _string(pa.Check.str_matches(r"^(åk|gy)\d$"), nullable=True),
        "sex": _string(pa.Check.isin(["K", "M"]), nullable=True),
    }
    columns |= {item: pa.Column("Int64", nullable=True) for item in items}
    return pa.DataFrameSchema(
        columns, unique=["respondent_id"], strict=True, ordered=True, name="survey"
    )


def validate(frame: pd.DataFrame, schema: pa.DataFrameSchema, *, file: str) -> pd.DataFrame:
    """``schema.validate(frame)`` with a failure as a one-line DataError about ``file``."""
    try:
        return schema.validate(frame, lazy=False)
    except (pa.errors.SchemaError, pa.errors.SchemaErrors) as exc:
        message = " ".join(str(exc).split())
        raise DataError(
            f"table {schema.name} failed validation: {message[:300]}", file=file
        ) from None
