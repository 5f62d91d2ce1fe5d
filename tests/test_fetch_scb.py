"""SCB PxWebApi v2 connector (TAB638) against recorded responses (no network)."""

from __future__ import annotations

import json

import httpx
import pytest
from fetch_support import Server, client, recorded, tab638, tree_digest

from vpanalysis.fetch import scb
from vpanalysis.fetch.http import FetchError
from vpanalysis.io.pxweb import read_jsonstat2

DATA = "/api/v2/tables/TAB638/data"
CONFIG = "/api/v2/config"
ANSWER = "scb_tab638_2161_2183_2023-2024.json"


def params(request: httpx.Request) -> dict[str, str]:
    return dict(request.url.params)


def test_fetch_saves_the_answer_and_asks_the_right_query(raw_copy):
    server = Server({CONFIG: (200, recorded("scb_config.json")), DATA: (200, recorded(ANSWER))})
    result = scb.fetch_population(
        ["Ljusdal", "2183"], (2023, 2024), data_dir=raw_copy, client=client(server)
    )
    folder = raw_copy / "raw" / "scb" / "hamtat"
    assert result.files == ["TAB638_del01.json"]
    assert (folder / "TAB638_del01.json").read_bytes() == recorded(ANSWER)
    assert result.rows == 2 * 101 * 2 * 2
    config, data = server.requests
    assert config.url.path == CONFIG
    asked = params(data)
    assert asked["lang"] == "sv" and asked["outputFormat"] == "json-stat2"
    assert asked["valueCodes[Region]"] == "2161,2183"
    assert asked["valueCodes[Alder]"].split(",") == [str(a) for a in range(100)] + ["100+"]
    assert asked["valueCodes[Kon]"] == "1,2"
    assert asked["valueCodes[ContentsCode]"] == "BE0101N1"
    assert asked["valueCodes[Tid]"] == "2023,2024"
    record = json.loads((folder / "provenance.json").read_text("utf-8"))["records"][0]
    assert record["attribution"] == "Källa: SCB"
    assert record["query"]["rate_limit"] == "30 calls / 10 s"
    assert record["urls"][1].startswith("https://statistikdatabasen.scb.se/api/v2/tables/")


def test_json_stat2_is_decoded_row_major_over_id():
    body = json.loads(recorded(ANSWER))
    assert body["id"] == ["Region", "Alder", "Kon", "ContentsCode", "Tid"]
    frame = read_jsonstat2(body)
    # Bollnäs (region 1), age 100+ (100), women (sex 1), BE0101N1 (0), 2024 (year 1)
    flat = (((1 * 101 + 100) * 2 + 1) * 1 + 0) * 2 + 1
    row = frame[
        (frame["Region"] == "2183")
        & (frame["Alder"] == "100+")
        & (frame["Kon"] == "2")
        & (frame["Tid"] == "2024")
    ]
    assert row["value"].tolist() == [body["value"][flat]]
    # Ljusdal, age 0, men, 2023 is the very first value; the last value is Bollnäs' last
    assert frame["value"].iloc[0] == body["value"][0]
    assert frame.iloc[-1][["Region", "Alder", "Kon", "Tid"]].tolist() == [
        "2183",
        "100+",
        "2",
        "2024",
    ]


def test_plan_respects_the_cell_limit():
    regions = [f"{i:04d}" for i in range(2101, 2113)]
    years = list(range(2015, 2025))
    assert scb.plan(regions, years, 150_000) == [(regions, [str(y) for y in years])]
    calls = scb.plan(regions, years, 1_000)
    cells = [len(r) * len(y) * 101 * 2 for r, y in calls]
    assert max(cells) <= 1_000
    covered = sorted((r, y) for rs, ys in calls for r in rs for y in ys)
    assert covered == sorted((r, str(y)) for r in regions for y in years)
    with pytest.raises(FetchError, match="cells"):
        scb.plan(regions, years, 100)


def test_limits_from_config_split_calls_and_space_them(raw_copy):
    config = json.loads(recorded("scb_config.json"))
    config.update(maxDataCells=500, maxCallsPerTimeWindow=2, timeWindow=10)

    def answer(request):
        asked = params(request)
        body = tab638(asked["valueCodes[Region]"].split(","), asked["valueCodes[Tid]"].split(","))
        return httpx.Response(200, json=body)

    server = Server({CONFIG: (200, json.dumps(config).encode()), DATA: answer})
    sleeps: list[float] = []
    http = client(server, sleeps)
    result = scb.fetch_population(["2161", "2183"], (2023, 2024), data_dir=raw_copy, client=http)
    # 202 cells per region-year, at most 500 a call: 2 region-years a call -> 2 calls
    data_calls = [r for r in server.requests if r.url.path == DATA]
    assert len(data_calls) == 2 and len(result.files) == 2
    assert {params(r)["valueCodes[Region]"] for r in data_calls} == {"2161", "2183"}
    # 3 calls (config + 2) with at most 2 per 10 s: the third waits
    assert sleeps == [pytest.approx(10.0)]


def test_config_without_limits_uses_defaults(raw_copy):
    server = Server({CONFIG: (404, b"not found"), DATA: (200, recorded(ANSWER))})
    result = scb.fetch_population(
        ["2161", "2183"], (2023, 2024), data_dir=raw_copy, client=client(server)
    )
    assert result.rows == 808


@pytest.mark.parametrize(
    ("reply", "regions", "message"),
    [
        ((200, recorded("scb_tab638_saknat_varde.json")), "2161,2183", "population value missing"),
        ((400, recorded("scb_400.json")), "2161,2183", "HTTP 400 .*Non-existent value code"),
        ((403, recorded("scb_403_for_manga_celler.json")), "2161,2183", "Too many cells"),
        ((503, recorded("http_500.html")), "2161,2183", "HTTP 503 .* after 5 attempts"),
        ((200, b'{"class": "collection"}'), "2161,2183", "not a json-stat2 dataset"),
        ((200, b"<html>"), "2161,2183", "not valid JSON"),
        ((200, recorded(ANSWER)), "2161,2183,2181", "lacks population .*2181 2023"),
    ],
)
def test_errors_leave_raw_data_untouched(raw_copy, reply, regions, message):
    folder = raw_copy / "raw" / "scb"
    good = Server({CONFIG: (200, recorded("scb_config.json")), DATA: (200, recorded(ANSWER))})
    scb.fetch_population(["2161", "2183"], (2023, 2024), data_dir=raw_copy, client=client(good))
    before = tree_digest(folder)
    server = Server({CONFIG: (200, recorded("scb_config.json")), DATA: reply})
    with pytest.raises(FetchError, match=message) as info:
        scb.fetch_population(
            regions.split(","), (2023, 2024), data_dir=raw_copy, client=client(server)
        )
    assert "\n" not in str(info.value)
    assert tree_digest(folder) == before


def test_offline_fails_at_once_with_one_line(raw_copy):
    def offline(request):
        raise httpx.ConnectError("[Errno 101] Network is unreachable")

    with pytest.raises(FetchError, match="cannot reach statistikdatabasen.scb.se .*no network"):
        scb.fetch_population(["2161"], (2024, 2024), data_dir=raw_copy, client=client(offline))


def test_region_codes_as_scb_writes_them():
    assert [scb.scb_region(c) for c in ("2161", "0021", "0000")] == ["2161", "21", "00"]


def test_base_url_variable(raw_copy, monkeypatch):
    monkeypatch.setenv(scb.ENV_URL, "http://localhost:1/pxweb/api/v2/")
    server = Server(
        {
            "/pxweb/api/v2/config": (200, recorded("scb_config.json")),
            "/pxweb/api/v2/tables/TAB638/data": (200, recorded(ANSWER)),
        }
    )
    scb.fetch_population(["2161", "2183"], (2023, 2024), data_dir=raw_copy, client=client(server))
    assert [r.url.host for r in server.requests] == ["localhost", "localhost"]


def test_build_uses_fetched_population(raw_copy):
    import pandas as pd

    from vpanalysis.pipeline import build

    regions = ["2101", "2104", "2121", "2132", "2161", "2180", "2181", "2182", "2183", "2184"]
    regions += ["21", "00"]

    def answer(request):
        asked = params(request)
        body = tab638(asked["valueCodes[Region]"].split(","), asked["valueCodes[Tid]"].split(","))
        return httpx.Response(200, json=body)

    server = Server({CONFIG: (200, recorded("scb_config.json")), DATA: answer})
    scb.fetch_population(regions, (2015, 2024), data_dir=raw_copy, client=client(server))
    result = build(data_dir=raw_copy)
    info = result.manifest["sources"]["scb"]
    assert info["example"] is False
    assert info["attribution"] == "Källa: SCB"
    assert info["files"] == ["scb/hamtat/TAB638_del01.json"]
    population = pd.read_parquet(raw_copy / "processed" / "population.parquet")
    assert set(population["region_code"]) == {*regions[:-2], "0021", "0000"}
