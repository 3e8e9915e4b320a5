"""The transport under every FlowDesk request: proxy routing, an overall deadline, a response size cap,
knowing whether the request was written, and stopping requests in flight.

* **Routing.** One ``httpx.HTTPTransport`` per proxy (and one for direct connections), chosen per
  request from the :class:`~flowdesk.http.proxy.ProxyConfig`, all sharing the one TLS context.
* **Deadline.** Each request gets ``deadline`` seconds from the moment it is handed to the transport.
  Every socket operation (connect, TLS handshake, each write, each read) is given at most the time left,
  through httpcore's network-backend seam, and the clock is checked between body chunks too: a server
  trickling one byte every few seconds cannot keep a request alive past its deadline, headers included.
* **Size cap.** A declared ``Content-Length`` over the cap, or a body that grows past it, stops the
  read with :class:`ResponseTooLarge` (the rest is never read, so memory stays bounded).
* **Written or not.** The backend marks the :class:`Exchange` as sent when the first byte of the
  request itself (not a proxy's ``CONNECT``) goes to a socket: a failure before that is "nothing was
  sent" whatever httpx calls it.
* **Abort.** :meth:`FoundationTransport.abort` (thread-safe) shuts down every socket in use, so reads
  blocked in other threads return at once, and refuses new requests.

A transport given by the caller (tests: ``MockTransport``, ``WSGITransport``) keeps the deadline between
chunks and the size cap; whether it wrote anything is then unknown (assumed sent once it was called).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpcore
import httpx

from flowdesk.http.proxy import ProxyConfig, proxy_name

MAX_RESPONSE_BYTES = 16 * 1024 * 1024  # a ConnectWise page of 1,000 records or a long session is far below
EXTENSION = "flowdesk.exchange"  # request.extensions key of the request's Exchange

Clock = Callable[[], float]


class ResponseTooLarge(httpx.TransportError):
    """The answer was larger than the cap; nothing more of it was read."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"response larger than {limit} bytes")
        self.limit = limit


class Closing(httpx.ConnectError):
    """The client was closed (FlowDesk is quitting or the account changed): nothing was sent."""


class Exchange:
    """One request as the transport saw it: its deadline, its proxy, whether it was written."""

    def __init__(
        self, limit: float, clock: Clock, proxy: str | None, depth: int, tracked: bool, proxy_user: bool = False,
        proxy_url: httpx.URL | None = None,
    ) -> None:
        self.limit = limit
        self.clock = clock
        self.ends_at = clock() + limit
        self.proxy = proxy  # "host:port" of the proxy it went through, or None
        self.proxy_url = proxy_url  # that proxy's URL (its scheme, host and port; never its credentials)
        self.proxy_user = proxy_user  # a user and password went to that proxy (the setting's or its URL's)
        self.depth = depth  # how many TLS layers the stream carrying the request has
        self.tracked = tracked  # True when a socket backend watched it (``sent`` is then known)
        self.sent = False
        self.too_large = False

    def left(self) -> float:
        return self.ends_at - self.clock()

    def expired(self) -> bool:
        return self.left() <= 0


_local = threading.local()


def _active() -> Exchange | None:
    return getattr(_local, "exchange", None)


def _activate(exchange: Exchange | None) -> Exchange | None:
    previous = _active()
    _local.exchange = exchange
    return previous


def _bounded(timeout: float | None, error: type[Exception]) -> float | None:
    """``timeout`` cut to the active request's time left; ``error`` when none is left."""
    exchange = _active()
    if exchange is None:
        return timeout
    left = exchange.left()
    if left <= 0:
        raise error("the request's deadline passed")
    return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, backend: _Backend, depth: int) -> None:
        self._inner = inner
        self._backend = backend
        self.depth = depth

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        timeout = _bounded(timeout, httpcore.WriteTimeout)
        exchange = _active()
        if exchange is not None and buffer and self.depth == exchange.depth:
            exchange.sent = True  # from the first byte on, the server may act on it
        self._inner.write(buffer, timeout)

    def close(self) -> None:
        self._backend.forget(self)
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, _bounded(timeout, httpcore.ConnectTimeout))
        self._backend.forget(self)
        return self._backend.track(_Stream(inner, self._backend, self.depth + 1))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)

    def shutdown(self) -> None:
        sock = self._inner.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):  # the plain socket's shutdown, also for an SSLSocket:
                socket.socket.shutdown(sock, socket.SHUT_RDWR)  # a read blocked in another thread returns


class _Backend(httpcore.NetworkBackend):
    """httpcore's socket backend with every operation bounded by the active request's deadline."""

    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()
        self._streams: set[_Stream] = set()
        self._lock = threading.Lock()
        self.aborted = False

    def track(self, stream: _Stream) -> _Stream:
        with self._lock:
            self._streams.add(stream)
        if self.aborted:
            stream.shutdown()
        return stream

    def forget(self, stream: _Stream) -> None:
        with self._lock:
            self._streams.discard(stream)

    def connect_tcp(
        self, host: str, port: int, timeout: float | None = None, local_address: str | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        if self.aborted:
            raise httpcore.ConnectError("the client is closing")
        timeout = _bounded(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return self.track(_Stream(stream, self, 0))

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Any = None) -> Any:
        raise httpcore.ConnectError("unix sockets are not used")

    def sleep(self, seconds: float) -> None:  # between connection attempts
        exchange = _active()
        time.sleep(max(0.0, min(seconds, exchange.left())) if exchange is not None else seconds)

    def abort(self) -> None:
        self.aborted = True
        with self._lock:
            streams = list(self._streams)
        for stream in streams:
            stream.shutdown()


class _CappedStream(httpx.SyncByteStream):
    def __init__(self, inner: Any, exchange: Exchange, limit: int) -> None:
        self._inner = inner
        self._exchange = exchange
        self._limit = limit

    def __iter__(self) -> Iterator[bytes]:
        chunks = iter(self._inner)
        total = 0
        while True:
            previous = _activate(self._exchange)
            try:
                if self._exchange.expired():
                    raise httpx.ReadTimeout("the request's deadline passed")
                chunk = next(chunks, None)
            finally:
                _activate(previous)
            if chunk is None:
                return
            total += len(chunk)
            if total > self._limit:
                self._exchange.too_large = True
                raise ResponseTooLarge(self._limit)
            yield chunk

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if close is not None:
            close()


class FoundationTransport(httpx.BaseTransport):
    """See the module docstring. Thread-safe; one per client."""

    def __init__(
        self,
        *,
        ssl_context: Any,
        proxy: ProxyConfig,
        retries: int,
        deadline: float,
        max_bytes: int = MAX_RESPONSE_BYTES,
        inner: httpx.BaseTransport | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        self._ssl_context, self._proxy, self._retries = ssl_context, proxy, retries
        self.deadline, self.max_bytes = deadline, max_bytes  # seconds a request; bytes an answer
        self._given, self._clock = inner, clock
        self._backend = _Backend()
        self._routes: dict[tuple[str, Any] | None, httpx.HTTPTransport] = {}
        self._chosen: dict[tuple[str, str, int | None], httpx.Proxy | None] = {}  # origin -> its proxy
        self._lock = threading.Lock()
        self.closed = False

    def _route(self, url: httpx.URL) -> tuple[httpx.BaseTransport, httpx.Proxy | None, int, bool]:
        """The transport for ``url``, its proxy, the TLS depth of the request's stream, and whether the proxy is
        sent a user and password."""
        https = 1 if url.scheme == "https" else 0
        if self._given is not None:
            return self._given, None, https, False
        origin = (url.scheme, url.host, url.port)
        with self._lock:
            known = origin in self._chosen
            proxy = self._chosen.get(origin)
        if not known:  # asked once per origin: the OS's answer may run a PAC script
            proxy = self._proxy.for_url(url)
            with self._lock:
                self._chosen[origin] = proxy
        key = None if proxy is None else (str(proxy.url), proxy.auth)
        with self._lock:
            transport = self._routes.get(key)
            if transport is None:
                transport = httpx.HTTPTransport(verify=self._ssl_context, proxy=proxy, retries=self._retries)
                pool = transport._pool  # httpx builds httpcore's pool; its backend is the deadline seam
                if not hasattr(pool, "_network_backend"):
                    raise RuntimeError("httpcore changed: FlowDesk cannot bound its requests' time")
                pool._network_backend = self._backend
                self._routes[key] = transport
        if proxy is None:
            return transport, None, https, False
        # httpx.Proxy moves a user and password written in its URL (HTTPS_PROXY=http://user:pw@host) to auth
        with_user = proxy.auth is not None and all(proxy.auth)  # a user without a password: one to ask for
        return transport, proxy, https + (1 if proxy.url.scheme == "https" else 0), with_user

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.closed:
            raise Closing("the client is closing")
        transport, proxy, depth, proxy_user = self._route(request.url)
        exchange = Exchange(
            self.deadline, self._clock, None if proxy is None else proxy_name(proxy.url), depth, tracked=self._given is None,
            proxy_user=proxy_user, proxy_url=None if proxy is None else proxy.url,  # httpx.Proxy keeps a URL's user and password apart
        )
        request.extensions[EXTENSION] = exchange
        timeouts = request.extensions.get("timeout") or {}  # waiting for a free connection too
        request.extensions["timeout"] = {k: self.deadline if v is None else min(v, self.deadline) for k, v in timeouts.items()}
        previous = _activate(exchange)
        try:
            if self._given is not None:
                exchange.sent = True  # unknown: a caller's transport may have acted on it
            response = transport.handle_request(request)
        finally:
            _activate(previous)
        declared = response.headers.get("Content-Length", "")
        if declared.strip().isdigit() and int(declared) > self.max_bytes:
            response.close()
            exchange.too_large = True
            raise ResponseTooLarge(self.max_bytes)
        response.stream = _CappedStream(response.stream, exchange, self.max_bytes)
        return response

    def abort(self) -> None:
        """Refuse new requests and end the ones in flight now (their sockets are shut down)."""
        self.closed = True
        self._backend.abort()

    def close(self) -> None:
        self.abort()
        with self._lock:
            routes, self._routes = list(self._routes.values()), {}
        for transport in routes:
            transport.close()
        if self._given is not None:
            self._given.close()
