"""Readers, one per source format. Each returns a pandas DataFrame and raises a
:class:`~vpanalysis.errors.DataError` naming file, row (line), column and value.

=====================  ==================================================================
module                 reads
=====================  ==================================================================
``conventions``        Swedish conventions: encodings, decimal comma, ``..``/``*`` markers
``local_tables``       ``;``-CSV and Excel tables with title rows, totals rows, year columns
``bra``                BRÅ's export of reported crimes (names, thousands separators)
``pxweb``              SCB PxWebApi v2 json-stat2 datasets (generic over dimensions)
``kolada``             Kolada v3 response bodies (pages) and the KPI list ``kpis.csv``
``socialtjanst``       social services' counts of persons (Excel or CSV)
``kvinnojour``         women's shelter statistics (cp1252 CSV)
``survey``             school-survey answers (one row per pupil) and their codebook
=====================  ==================================================================

The readers keep the source's own labels and names; :mod:`vpanalysis.cleaning` turns
them into the tidy tables of ``data/processed``.
"""

from vpanalysis.io.bra import read_bra
from vpanalysis.io.kolada import parse_kolada, read_kolada, read_kpis
from vpanalysis.io.kvinnojour import read_kvinnojour
from vpanalysis.io.local_tables import read_counts_table, read_table
from vpanalysis.io.pxweb import read_jsonstat2
from vpanalysis.io.socialtjanst import read_socialtjanst
from vpanalysis.io.survey import read_codebook, read_survey

__all__ = [
    "parse_kolada",
    "read_bra",
    "read_codebook",
    "read_counts_table",
    "read_jsonstat2",
    "read_kolada",
    "read_kpis",
    "read_kvinnojour",
    "read_socialtjanst",
    "read_survey",
    "read_table",
]
