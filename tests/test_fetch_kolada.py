"""Kolada v3 connector against recorded responses (httpx.MockTransport, no network)."""

from __future__ import annotations

import json

import httpx
import pytest
from fetch_support import Server, client, recorded, tree_digest

from vpanalysis.fetch import kolada
from vpanalysis.fetch.http import FetchError, HttpClient, RateLimiter
from vpanalysis.io.kolada import read_kolada

PATH = "/v3/data/kpi/N07403,N15428/municipality/2161,0021,0000/year/2022,2023"
KPIS = ["N07403", "N15428"]
IDS = ["2161", "21", "Riket"]


def two_pages() -> Server:
    return Server(
        {
            PATH: (200, recorded("kolada_v3_sida1.json")),
            f"{PATH}?page=2": (200, recorded("kolada_v3_sida2.json")),
        }
    )


def test_pages_are_followed_and_saved_with_missing_values_kept(raw_copy):
    server = two_pages()
    result = kolada.fetch_kolada(KPIS, IDS, (2022, 2023), data_dir=raw_copy, client=client(server))
    folder = raw_copy / "raw" / "kolada" / "hamtat"
    assert result.folder == folder
    assert [str(r.url) for r in server.requests] == [
        f"https://api.kolada.se{PATH}",
        f"https://api.kolada.se{PATH}?page=2",
    ]
    assert result.files == ["kolada_sida001.json", "kolada_sida002.json"]
    # saved exactly as delivered
    assert (folder / "kolada_sida002.json").read_bytes() == recorded("kolada_v3_sida2.json")
    table = read_kolada(sorted(folder.glob("kolada_sida*.json")))
    assert len(table) == result.rows == 8
    missing = table[table["value"].isna()]
    assert sorted(missing["status"]) == ["Missing", "Missing"]
    assert set(table["gender"]) == {"T", "K", "M"}
    assert set(table["municipality"]) == {"2161", "0021", "0000"}


def test_provenance_record(raw_copy):
    kolada.fetch_kolada(KPIS, IDS, (2022, 2023), data_dir=raw_copy, client=client(two_pages()))
    body = json.loads(
        (raw_copy / "raw" / "kolada" / "hamtat" / "provenance.json").read_text("utf-8")
    )
    (record,) = body["records"]
    assert record["attribution"] == "Källa: Kolada"
    assert record["licence"] == "CC BY 4.0"
    assert len(record["urls"]) == 2 and record["urls"][1].endswith("?page=2")
    assert record["query"] == {
        "kpi": KPIS,
        "municipality": ["2161", "0021", "0000"],
        "year": [2022, 2023],
    }
    assert [f["name"] for f in record["files"]] == ["kolada_sida001.json", "kolada_sida002.json"]
    assert record["retrieved_at"].endswith("+00:00")


def test_ids_county_and_sweden():
    assert kolada.kolada_ids(["2161", "21", "0021", "Gävleborgs län", "00", "Riket"]) == [
        "2161",
        "0021",
        "0000",
    ]
    with pytest.raises(FetchError, match="Ljusdl"):
        kolada.kolada_ids(["Ljusdl"])


def test_at_most_25_ids_per_request():
    ids = [f"{c}" for c in kolada.default_municipalities()]
    ids += ["0180", "1280", "1480", "0380", "0580", "0680", "0780", "0880", "0980", "1080"]
    ids += ["1180", "1380", "1780", "1880", "1980", "2080", "2180", "2280"]
    assert len(ids) > 25
    urls = kolada.request_urls(["N07403"], ids, range(2015, 2025), base="http://x/v3")
    assert len(urls) == 2
    sent = [u.split("/municipality/")[1].split("/year/")[0].split(",") for u in urls]
    assert all(len(part) <= 25 for part in sent)
    assert sum(sent, []) == ids


def test_retries_429_and_500_with_backoff(raw_copy):
    page = recorded("kolada_v3_sida2.json")
    server = Server(
        {
            PATH: [
                (429, b'{"title": "Too Many Requests"}', {"Retry-After": "3"}),
                (500, recorded("http_500.html")),
                (200, page),
            ]
        }
    )
    sleeps: list[float] = []
    result = kolada.fetch_kolada(
        KPIS, IDS, (2022, 2023), data_dir=raw_copy, client=client(server, sleeps)
    )
    assert result.rows == 4
    assert len(server.requests) == 3
    assert sleeps == [3.0, 2.0]  # Retry-After honoured, then exponential backoff


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ((500, recorded("http_500.html")), "HTTP 500 .* after 5 attempts"),
        ((429, b"slow down"), "429 Too Many Requests"),
        ((410, recorded("kolada_v2_410.json")), "410 Gone .*API v2 is retired"),
        ((200, recorded("kolada_v3_avbruten.json")), "not valid JSON"),
        ((200, recorded("kolada_v3_fel_format.json")), "not in the v3 format"),
        ((200, b'{"values": [], "next_url": null}'), "no values"),
        (httpx.ConnectError("[Errno -3] Temporary failure in name resolution"), "no network"),
    ],
)
def test_errors_are_one_line_and_leave_raw_data_untouched(raw_copy, reply, message):
    folder = raw_copy / "raw" / "kolada"
    kolada.fetch_kolada(KPIS, IDS, (2022, 2023), data_dir=raw_copy, client=client(two_pages()))
    before = tree_digest(folder)
    with pytest.raises(FetchError, match=message) as info:
        kolada.fetch_kolada(
            KPIS, IDS, (2022, 2023), data_dir=raw_copy, client=client(Server({PATH: reply}))
        )
    assert "\n" not in str(info.value)
    assert tree_digest(folder) == before
    assert not list(folder.glob(".fetch-*"))


def test_offline_message_names_host_and_mirror_variable(raw_copy, monkeypatch):
    monkeypatch.setenv(kolada.ENV_URL, "http://mirror.invalid/kolada/v3/")

    def offline(request):
        raise httpx.ConnectError("[Errno -3] Temporary failure in name resolution")

    sleeps = []
    http = HttpClient(transport=httpx.MockTransport(offline), sleep=sleeps.append, hint="or set X")
    with pytest.raises(FetchError) as info:
        kolada.fetch_kolada(KPIS, IDS, (2022, 2023), data_dir=raw_copy, client=http)
    text = str(info.value)
    assert text.startswith("cannot reach mirror.invalid")
    assert "\n" not in text
    assert "or set X" in text
    assert sleeps == [1.0]  # offline is retried once, not with the full backoff


def test_base_url_variable_points_requests_elsewhere(raw_copy, monkeypatch):
    monkeypatch.setenv(kolada.ENV_URL, "http://127.0.0.1:9/mirror/v3/")
    server = Server({"/mirror" + PATH: (200, recorded("kolada_v3_sida2.json"))})
    kolada.fetch_kolada(KPIS, IDS, (2022, 2023), data_dir=raw_copy, client=client(server))
    assert str(server.requests[0].url) == f"http://127.0.0.1:9/mirror{PATH}"


def test_unlisted_kpi_is_refused_before_any_request(raw_copy):
    server = two_pages()
    with pytest.raises(FetchError, match="kpis.csv: N99999; add a row"):
        kolada.fetch_kolada(
            ["N07403", "N99999"], IDS, (2022, 2023), data_dir=raw_copy, client=client(server)
        )
    assert server.requests == []


def test_default_kpis_are_the_documented_list(raw_copy):
    listed = kolada.listed_kpis(raw_copy / "raw")
    assert {"N07403", "N07402"} <= set(listed)
    urls = kolada.request_urls(listed, ["2161"], [2024], base="http://x/v3")
    assert urls == [f"http://x/v3/data/kpi/{','.join(listed)}/municipality/2161/year/2024"]


def test_rate_limiter_keeps_calls_per_window():
    now = [0.0]
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(3, 10, clock=lambda: now[0], sleep=sleep)
    for _ in range(7):
        limiter.wait()
        now[0] += 1
    assert sleeps == [7.0, 7.0]


def test_build_uses_fetched_kolada_as_real_data(raw_copy):
    from vpanalysis import report
    from vpanalysis.pipeline import build

    kolada.fetch_kolada(KPIS, IDS, (2022, 2023), data_dir=raw_copy, client=client(two_pages()))
    result = build(data_dir=raw_copy)
    info = result.manifest["sources"]["kolada"]
    assert info["example"] is False
    assert info["files"] == [f"kolada/hamtat/kolada_sida00{i}.json" for i in (1, 2)]
    assert info["ignored"] == [f"kolada/exempel_kolada_sida{i}.json" for i in (1, 2)]
    assert info["attribution"] == "Källa: Kolada"
    assert info["fetched"]["urls"][0].startswith("https://api.kolada.se/v3/data/kpi/")
    assert result.manifest["sources"]["scb"]["example"] is True
    footer = report.provenance(result.manifest, ["kolada", "scb"]).data
    assert "Kolada (RKA): verkliga uppgifter, år 2022–2023. Källa: Kolada (hämtad" in footer
    assert "SCB, befolkning (TAB638): exempeldata" in footer
    assert report.banner(result.manifest, used=["kolada"]).data == ""
    assert "Kolada" not in report.banner(result.manifest, used=["kolada", "scb"]).data

    import pandas as pd

    table = pd.read_parquet(raw_copy / "processed" / "kolada.parquet")
    assert table["value"].isna().sum() == 2
    assert len(table) == 8
