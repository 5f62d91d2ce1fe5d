"""Helpers for the fetch tests: recorded responses served by httpx.MockTransport.

No test touches the real network: every client gets a MockTransport (unit tests) or
points at a local http.server through the base-URL variables (end-to-end test).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path

import httpx

from vpanalysis.fetch.http import HttpClient

RECORDED = Path(__file__).resolve().parent / "fixtures" / "recorded"


def recorded(name: str) -> bytes:
    return (RECORDED / name).read_bytes()


Reply = tuple[int, bytes] | tuple[int, bytes, dict] | Exception


class Server:
    """Answers by URL path (+ query when the key has ``?``); a list is served in turn."""

    def __init__(self, routes: dict[str, Reply | list[Reply]]):
        self.routes = {k: list(v) if isinstance(v, list) else [v] for k, v in routes.items()}
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        query = request.url.query.decode()
        key = f"{path}?{query}" if f"{path}?{query}" in self.routes else path
        if key not in self.routes:
            return httpx.Response(404, json={"title": "Not Found", "detail": path})
        replies = self.routes[key]
        reply = replies.pop(0) if len(replies) > 1 else replies[0]
        if isinstance(reply, Exception):
            raise reply
        if callable(reply):
            return reply(request)
        status, body, *rest = reply
        headers = rest[0] if rest else {}
        return httpx.Response(status, content=body, headers=headers)


def client(server: Callable, sleeps: list | None = None, **kwargs) -> HttpClient:
    """An HttpClient on a MockTransport; waits are recorded in ``sleeps``, not slept.

    Its clock is fake and advances by exactly the time "slept", so rate limits can be
    checked without waiting.
    """
    waits = sleeps if sleeps is not None else []
    now = [0.0]

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    return HttpClient(
        transport=httpx.MockTransport(server), sleep=sleep, clock=lambda: now[0], **kwargs
    )


def tree_digest(folder: Path) -> dict[str, str]:
    """{relative path: sha256} of every file under ``folder`` (to show nothing changed)."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def names(paths: Iterable[Path]) -> list[str]:
    return sorted(p.name for p in paths)


# ---------------------------------------------------------------- SCB json-stat2

EXAMPLE_SCB = (
    Path(__file__).resolve().parents[1]
    / "data"
    / "raw"
    / "scb"
    / "exempel_TAB638_folkmangd_gavleborg_2015-2024.json"
)


def tab638(regions: Iterable[str], years: Iterable[str | int]) -> dict:
    """A TAB638 json-stat2 answer as SCB's v2 API gives it, for the regions and years asked.

    The numbers are the example data's (a stand-in for SCB, whose real answers have the
    same shape: dimensions Region, Alder, Kon, ContentsCode, Tid; ``value`` row-major).
    """
    import json

    import numpy as np

    body = json.loads(EXAMPLE_SCB.read_text(encoding="utf-8"))
    wanted = {"Region": [str(r) for r in regions], "Tid": [str(y) for y in years]}
    cube = np.array(body["value"], dtype=object).reshape(body["size"])
    for axis, name in enumerate(body["id"]):
        if name not in wanted:
            continue
        category = body["dimension"][name]["category"]
        index = category["index"]
        missing = [c for c in wanted[name] if c not in index]
        if missing:
            raise KeyError(f"{name} {missing}")
        cube = np.take(cube, [index[c] for c in wanted[name]], axis=axis)
        category["index"] = {c: i for i, c in enumerate(wanted[name])}
        category["label"] = {c: category["label"][c] for c in wanted[name]}
    body["size"] = list(cube.shape)
    body["value"] = [int(v) for v in cube.ravel()]
    body["label"] = "Folkmängden efter region, ålder, kön, tabellinnehåll och år"
    body["source"] = "SCB"
    body.pop("note", None)
    body.pop("extension", None)
    return body
