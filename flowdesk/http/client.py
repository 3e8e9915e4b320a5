"""The one HTTP client both services use: the factory and the one send path.

:class:`HttpClient` builds an ``httpx.Client`` with explicit timeouts, redirects never followed (a
redirect is answered as an error by the service, so an ``Authorization`` header never travels to another
host), the OS trust store plus an optional CA file (:mod:`flowdesk.http.tls`), the proxy setting
(:mod:`flowdesk.http.proxy`) and the defences of :mod:`flowdesk.http.transport` (overall deadline,
response size cap, abort).

:meth:`HttpClient.send` is the only place a request is sent: it reads the answer within the cap, logs
``METHOD path -> status`` with the service's request-id headers (never a header value that could be a
secret), and turns a transport failure into the service's own error through ``on_failure`` — raised
*outside* the ``except`` block, so no httpx exception (which holds the request and its headers) is
chained to it.

:meth:`HttpClient.close` is thread-safe and ends requests in flight at once: a drain that must stop
(quitting, ``--max-seconds``) closes the client; its request then fails as "FlowDesk is closing" (a
write becomes ambiguous and is checked before any re-send).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import httpx

from flowdesk.http.failures import Failure, classify, exchange_of, proxy_refusal
from flowdesk.http.proxy import ProxyConfig
from flowdesk.http.proxy_probe import challenges, offered_schemes
from flowdesk.http.tls import tls_context
from flowdesk.http.transport import (
    EXTENSION,
    MAX_RESPONSE_BYTES,
    Clock,
    Exchange,
    FoundationTransport,
    ResponseTooLarge,
)

DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=30.0, write=30.0, pool=10.0)
REQUEST_DEADLINE = 60.0  # seconds for one request, from connecting to the last byte of the answer
CONNECT_RETRIES = 2  # httpx retries only failed connection attempts: nothing was sent yet

FailureHandler = Callable[[Failure], Exception]


def header_value(response: httpx.Response, name: str) -> str | None:
    """A response header for logs and errors (request ids): stripped, at most 100 characters, or None."""
    value = response.headers.get(name)
    return (value.strip()[:100] or None) if value else None


def redirect_target(response: httpx.Response) -> str:
    """`` to host`` for a redirect's message (the host only: a Location may carry a token), or ``""``."""
    location = response.headers.get("Location", "")
    if not location:
        return ""
    try:
        host = httpx.URL(location).host
    except httpx.InvalidURL:
        host = ""
    return f" to {host or location.split('?', 1)[0][:100]}"


class HttpClient:
    """One service's HTTP (see the module docstring). Thread-safe; reuse it; ``close()`` it when done."""

    def __init__(
        self,
        config_error: type[Exception],
        log: logging.Logger,
        log_headers: tuple[str, ...],
        *,
        ca_file: str | None = None,
        proxy: ProxyConfig | None = None,
        timeout: httpx.Timeout | None = None,
        deadline: float | None = None,
        max_bytes: int = MAX_RESPONSE_BYTES,
        transport: httpx.BaseTransport | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        self.timeout = timeout or DEFAULT_TIMEOUT
        self.proxy = proxy or ProxyConfig()
        self.ssl_context = tls_context(ca_file, config_error) if transport is None else None
        self._log = log
        self._log_headers = log_headers
        self._transport = FoundationTransport(
            ssl_context=self.ssl_context,
            proxy=self.proxy,
            retries=CONNECT_RETRIES,
            deadline=deadline or REQUEST_DEADLINE,
            max_bytes=max_bytes,
            inner=transport,
            clock=clock,
        )
        self._client = httpx.Client(
            transport=self._transport,
            timeout=self.timeout,
            follow_redirects=False,
            trust_env=False,
            event_hooks={"response": [self._log_response]},  # every response, an auth flow's renewal too
        )

    @property
    def deadline(self) -> float:
        return self._transport.deadline

    @property
    def max_bytes(self) -> int:
        return self._transport.max_bytes

    @property
    def closed(self) -> bool:
        return self._transport.closed

    def build_request(self, method: str, url: str, **kw: Any) -> httpx.Request:
        return self._client.build_request(method, url, **kw)

    def send(self, request: httpx.Request, *, on_failure: FailureHandler, auth: httpx.Auth | None = None) -> httpx.Response:
        """Send ``request`` and read its answer (within the size cap); a transport failure is raised as
        ``on_failure(failure)``. Status codes are the caller's to judge."""
        method, path = request.method, request.url.path
        error: Exception | None = None
        response: httpx.Response | None = None
        try:
            response = self._client.send(request, auth=auth if auth is not None else httpx.USE_CLIENT_DEFAULT, stream=True)
            try:
                read_within(response, self._transport.max_bytes)
            finally:
                response.close()
        except httpx.HTTPError as exc:
            self._log.debug("%s %s -> %s", method, path, type(exc).__name__)
            error = on_failure(self._classify(exc, request, _tunnel_refused_schemes(exc, request)))
        except RuntimeError:  # httpx refuses a closed client
            if not self.closed:
                raise
            self._log.debug("%s %s -> closed", method, path)
            error = on_failure(Failure("closing", False, "FlowDesk stopped the request because it is closing", _netloc(request.url), path))
        if error is not None:
            raise error  # outside the except block: nothing is chained to it
        assert response is not None
        exchange = response.request.extensions.get(EXTENSION)
        if response.status_code == 407 and isinstance(exchange, Exchange) and exchange.proxy is not None:
            with_user = exchange.proxy_user or bool(self.proxy.user and self.proxy.password)
            schemes = challenges(response.headers.get_list("proxy-authenticate"))  # a forwarding (http://) proxy's
            reason = proxy_refusal("407", exchange.proxy, with_user, schemes)
            raise on_failure(Failure("proxy", False, reason, _netloc(request.url), path, proxy=exchange.proxy))
        return response

    def _log_response(self, response: httpx.Response) -> None:
        ids = " ".join(f"{name}={header_value(response, name) or '-'}" for name in self._log_headers)
        self._log.debug("%s %s -> %s %s", response.request.method, response.request.url.path, response.status_code, ids)

    def _classify(self, exc: httpx.HTTPError, request: httpx.Request, schemes: tuple[str, ...] | None = None) -> Failure:
        try:
            failed = exc.request  # an auth flow's renewal fails as itself
        except RuntimeError:
            failed = request
        return classify(
            exc,
            host=_netloc(failed.url),
            path=failed.url.path,
            read_timeout=self.timeout.read,
            proxy_user=bool(self.proxy.user and self.proxy.password),
            closing=self.closed,
            proxy_schemes=schemes,
        )

    def close(self) -> None:
        """End requests in flight now (from any thread), then release the connections."""
        self._transport.abort()
        self._client.close()


def _tunnel_refused_schemes(exc: httpx.HTTPError, request: httpx.Request) -> tuple[str, ...] | None:
    """After a proxy refused a tunnel with a 407 (httpcore keeps none of its headers), the sign-in it asks for."""
    if not (isinstance(exc, httpx.ProxyError) and str(exc).startswith("407")):
        return None
    exchange = exchange_of(exc)
    if exchange is None or exchange.proxy_url is None:
        return None
    try:
        url = exc.request.url
    except RuntimeError:  # raised before a request was attached
        url = request.url
    host = f"[{url.host}]" if ":" in url.host else url.host
    return offered_schemes(exchange.proxy_url, f"{host}:{url.port or (443 if url.scheme == 'https' else 80)}")


def _netloc(url: httpx.URL) -> str:
    return url.netloc.decode("ascii", "replace")


def read_within(response: httpx.Response, limit: int) -> None:
    """Read the (decoded) body, stopping past ``limit`` bytes with :class:`ResponseTooLarge`: a small
    compressed answer cannot grow into gigabytes either. Reading it again is free."""
    if hasattr(response, "_content"):
        if len(response.content) > limit:
            raise _too_large(response, limit)
        return
    chunks: list[bytes] = []
    total = 0
    for chunk in response.iter_bytes():
        total += len(chunk)
        if total > limit:
            raise _too_large(response, limit)
        chunks.append(chunk)
    response._content = b"".join(chunks)  # what Response.read() sets; the body is then .content/.json()


def _too_large(response: httpx.Response, limit: int) -> ResponseTooLarge:
    exc = ResponseTooLarge(limit)
    exc.request = response.request
    return exc


class ServiceClient:
    """What a service's client shares: its :class:`HttpClient` (``self._http``), ``close()`` (thread-safe;
    requests in flight end at once) and ``with`` blocks."""

    _http: HttpClient

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the connections; from any thread, and a request in flight ends at once (a write then
        fails as possibly stored: check before sending it again)."""
        self._http.close()
