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
        status, body, *rest = reply
        headers = rest[0] if rest else {}
        return httpx.Response(status, content=body, headers=headers)


def client(server: Callable, sleeps: list | None = None, **kwargs) -> HttpClient:
    """An HttpClient on a MockTransport; waits are recorded in ``sleeps``, not slept."""
    waits = sleeps if sleeps is not None else []
    return HttpClient(transport=httpx.MockTransport(server), sleep=waits.append, **kwargs)


def tree_digest(folder: Path) -> dict[str, str]:
    """{relative path: sha256} of every file under ``folder`` (to show nothing changed)."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def names(paths: Iterable[Path]) -> list[str]:
    return sorted(p.name for p in paths)
