"""Connectors that fetch real public statistics into ``data/raw/<source>/hamtat/``.

* :mod:`vpanalysis.fetch.kolada` — Kolada API v3 (RKA), KPI values per municipality.
* :mod:`vpanalysis.fetch.scb` — SCB PxWebApi v2, population table TAB638 (json-stat2).
* :mod:`vpanalysis.fetch.bra` — BRÅ's per-municipality CSV (a file or a URL).

Every fetch first downloads and checks everything in memory; only then is the source's
``hamtat/`` folder replaced in one step (:mod:`vpanalysis.fetch.provenance`), together
with ``provenance.json`` (URLs, query, retrieval time, licence, attribution). An error
leaves the existing raw data untouched. HTTP goes through :mod:`vpanalysis.fetch.http`
(timeouts, retries with backoff on 429/5xx, a rate limit, one-line messages).
"""
