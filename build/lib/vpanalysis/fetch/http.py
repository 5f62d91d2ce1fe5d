"""The HTTP client shared by the connectors: timeouts, retries, backoff, rate limit.

* Timeouts: 10 s to connect, 60 s to read (SCB can take a while for a large table).
* Retries: on HTTP 429 and 5xx and on timeouts, up to ``retries`` more attempts (a
  connection that cannot be made at all is retried once),
  waiting ``backoff * 2**attempt`` seconds (capped at ``max_backoff``), or what the
  server's ``Retry-After`` header asks for.
* Rate limit: :class:`RateLimiter` keeps at most ``calls`` requests in any ``period``
  seconds (SCB: 30 calls per 10 s).
* Errors: :class:`FetchError` with one line a person can act on ("cannot reach
  api.kolada.se: no network connection? ..."), never a traceback.

Tests pass ``transport=httpx.MockTransport(...)``, ``sleep=`` and ``clock=`` to avoid real
waits; :meth:`HttpClient.limit` makes a rate limiter on the client's clock.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

import httpx

from vpanalysis import __version__

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
USER_AGENT = f"vpanalysis/{__version__} (Swedish municipal violence-prevention analytics)"


class FetchError(RuntimeError):
    """A fetch failed; the message is one line and says what to do.

    ``kind`` is ``"network"`` (no answer), ``"status"`` (an HTTP error status) or
    ``"content"`` (an answer in the wrong format or without the data asked for).
    """

    def __init__(self, message: str, kind: str = "content", status: int | None = None):
        super().__init__(message)
        self.kind = kind
        self.status = status


class RateLimiter:
    """At most ``calls`` requests in any window of ``period`` seconds (sliding window)."""

    def __init__(
        self,
        calls: int,
        period: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if calls < 1 or period <= 0:
            raise ValueError("a rate limit needs calls >= 1 and period > 0")
        self.calls, self.period = int(calls), float(period)
        self._clock, self._sleep = clock, sleep
        self._times: collections.deque[float] = collections.deque()

    def wait(self) -> float:
        """Block until one more request is allowed; returns the seconds waited."""
        waited = 0.0
        while True:
            now = self._clock()
            while self._times and now - self._times[0] >= self.period:
                self._times.popleft()
            if len(self._times) < self.calls:
                self._times.append(now)
                return waited
            pause = self.period - (now - self._times[0])
            self._sleep(pause)
            waited += pause


def host_of(url: str) -> str:
    return urlsplit(str(url)).netloc or str(url)


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _server_message(response: httpx.Response) -> str:
    """The server's own error text (JSON ``title``/``detail``/``message`` or plain text)."""
    try:
        body = response.json()
    except ValueError:
        return _one_line(response.text) if response.text.strip() else ""
    if isinstance(body, Mapping):
        parts = [str(body[k]) for k in ("title", "detail", "message", "error") if body.get(k)]
        if parts:
            return _one_line(": ".join(dict.fromkeys(parts)))
    return _one_line(str(body))


class HttpClient:
    """A small wrapper around :class:`httpx.Client` (see module docstring)."""

    def __init__(
        self,
        *,
        retries: int = 4,
        backoff: float = 1.0,
        max_backoff: float = 30.0,
        rate_limit: RateLimiter | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        hint: str = "",
    ):
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.rate_limit = rate_limit
        self.sleep = sleep
        self.clock = clock
        #: Added to network-error messages, e.g. "or set VPANALYSIS_KOLADA_URL to a mirror".
        self.hint = hint
        self.requests: list[str] = []
        self._client = httpx.Client(
            timeout=timeout,
            transport=transport,
            follow_redirects=True,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json, text/csv, */*"},
        )

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def _delay(self, attempt: int, response: httpx.Response | None) -> float:
        delay = min(self.max_backoff, self.backoff * 2**attempt)
        if response is not None:
            retry_after = response.headers.get("Retry-After", "").strip()
            if retry_after.isdigit():
                delay = min(max(float(retry_after), delay), max(self.max_backoff, 60.0))
        return delay

    def limit(self, calls: int, period: float) -> RateLimiter:
        """Space this client's requests: at most ``calls`` in any ``period`` seconds."""
        self.rate_limit = RateLimiter(calls, period, clock=self.clock, sleep=self.sleep)
        return self.rate_limit

    def get(self, url: str, params: Mapping[str, str] | None = None) -> httpx.Response:
        return self.request("GET", url, params=params)

    def request(
        self, method: str, url: str, *, params: Mapping[str, str] | None = None, json=None
    ) -> httpx.Response:
        """One request with retries; returns a 2xx response or raises :class:`FetchError`."""
        host = host_of(url)
        hint = f"; {self.hint}" if self.hint else ""
        attempts = self.retries + 1
        for attempt in range(attempts):
            if self.rate_limit is not None:
                self.rate_limit.wait()
            last = attempt == attempts - 1
            try:
                response = self._client.request(method, url, params=params, json=json)
            except httpx.TimeoutException:
                if last:
                    raise FetchError(
                        f"{host} did not answer in time ({attempts} attempts); try again later"
                        f"{hint}",
                        kind="network",
                    ) from None
                self.sleep(self._delay(attempt, None))
                continue
            except httpx.TransportError as exc:
                # No connection at all (offline, DNS failure, refused): one retry is enough.
                if last or (isinstance(exc, httpx.ConnectError) and attempt >= 1):
                    reason = _one_line(str(exc) or type(exc).__name__, 120)
                    raise FetchError(
                        f"cannot reach {host} ({reason}): no network connection? Check the "
                        f"internet connection or proxy and try again{hint}",
                        kind="network",
                    ) from None
                self.sleep(self._delay(attempt, None))
                continue
            self.requests.append(str(response.request.url))
            if response.is_success:
                return response
            if response.status_code in RETRY_STATUS and not last:
                self.sleep(self._delay(attempt, response))
                continue
            raise FetchError(
                self._status_message(response, attempts, hint),
                kind="status",
                status=response.status_code,
            )
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _status_message(response: httpx.Response, attempts: int, hint: str) -> str:
        status = response.status_code
        host = host_of(str(response.request.url))
        said = _server_message(response)
        said = f" ({said})" if said else ""
        if status == 429:
            return (
                f"{host} answered 429 Too Many Requests{said} even after {attempts} attempts "
                "with backoff; wait a minute and try again"
            )
        if status >= 500:
            return (
                f"{host} answered HTTP {status}{said} after {attempts} attempts; the service "
                f"seems to be down, try again later{hint}"
            )
        if status == 410:
            return (
                f"{host} answered 410 Gone{said}: this address is no longer served (an old API "
                f"version?) — {response.request.url}{hint}"
            )
        if status == 404:
            return f"{host} answered 404 Not Found{said} for {response.request.url}{hint}"
        return f"{host} answered HTTP {status}{said} for {response.request.url}"

    def json(self, response: httpx.Response, what: str) -> object:
        """The body as JSON, or a FetchError naming ``what`` and the start of the text."""
        try:
            return response.json()
        except ValueError as exc:
            start = _one_line(response.text, 80)
            raise FetchError(
                f"{what} from {host_of(str(response.request.url))} is not valid JSON ({exc}); "
                f"it starts with {start!r}"
            ) from None
