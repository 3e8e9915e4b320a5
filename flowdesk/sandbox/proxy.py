"""A small HTTP proxy in front of the sandbox: what a corporate proxy does, on loopback.

* ``CONNECT host:port`` opens a tunnel (how https goes through a proxy); a request with an absolute URI
  (``GET http://host:port/path``) is forwarded (how plain http does).
* Optional ``Basic`` authentication: without the right ``Proxy-Authorization`` the answer is
  ``407 Proxy Authentication Required``.
* ``refuse``: ``"407"`` (asks for credentials whatever is sent), ``"403"`` (refuses), ``"close"``
  (closes the connection without a word) — proxies that say no.
* ``challenges``: the ``Proxy-Authenticate`` lines of its 407 (``Basic realm="sandbox"``); a proxy that
  offers only ``NTLM`` / ``Negotiate`` (a Windows sign-in) accepts no ``Basic`` credentials.
* :attr:`SandboxProxy.log` says where each request wanted to go (``host:port``), whether credentials came
  (never what they were) and what the proxy answered; :meth:`SandboxProxy.wait` blocks until a number of
  them arrived (tests never sleep).

Standard library only, one thread per connection; ``stop()`` ends every tunnel and joins every thread.
"""

from __future__ import annotations

import base64
import contextlib
import secrets
import selectors
import socket
import socketserver
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

REFUSALS = ("407", "403", "close")
_MAX_HEAD = 64 * 1024


@dataclass(frozen=True)
class ProxyRecord:
    method: str  # CONNECT, or the forwarded request's method
    target: str  # host:port it asked for
    auth_sent: bool  # a Proxy-Authorization header came (its value is never kept)
    status: int | None  # what the proxy answered (200 for an opened tunnel); None when it closed silently


class SandboxProxy:
    """``with SandboxProxy(user="u", password="p") as proxy: ... proxy.url ... proxy.log``."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        user: str | None = None,
        password: str | None = None,
        refuse: str | None = None,
        challenges: tuple[str, ...] = ('Basic realm="sandbox"',),
    ) -> None:
        if refuse is not None and refuse not in REFUSALS:
            raise ValueError(f"refuse: one of {', '.join(REFUSALS)}")
        self.user, self.password, self.refuse, self.challenges = user, password, refuse, challenges
        self.log: list[ProxyRecord] = []
        self._cond = threading.Condition()
        self._sockets: set[socket.socket] = set()
        self._server = _Server((host, port), _Handler, self)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def tunnelled(self) -> list[str]:
        """``host:port`` of every request it let through, in order."""
        with self._cond:
            return [r.target for r in self.log if r.status == 200]

    def start(self) -> SandboxProxy:
        self._thread = threading.Thread(target=self._server.serve_forever, name="sandbox-proxy", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        with self._cond:
            live = list(self._sockets)
        for sock in live:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._server.server_close()  # joins the connection threads

    def __enter__(self) -> SandboxProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait(self, count: int, timeout: float = 10.0) -> list[ProxyRecord]:
        """The log once it holds ``count`` records; ``TimeoutError`` after ``timeout`` seconds."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.log) >= count, timeout):
                raise TimeoutError(f"the proxy saw {len(self.log)} requests, not {count}")
            return list(self.log)

    # ---------------------------------------------------------------- for the handler

    def _record(self, record: ProxyRecord) -> None:
        with self._cond:
            self.log.append(record)
            self._cond.notify_all()

    def _track(self, sock: socket.socket, live: bool) -> None:
        with self._cond:
            (self._sockets.add if live else self._sockets.discard)(sock)

    def _authorized(self, header: str | None) -> bool:
        if not any(c.lower().startswith("basic") for c in self.challenges):
            return False  # a Windows sign-in only: the sandbox cannot take one, so nothing is let through
        if self.user is None:
            return True
        expected = base64.b64encode(f"{self.user}:{self.password or ''}".encode()).decode("ascii")
        return header is not None and secrets.compare_digest(header.strip(), f"Basic {expected}")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: Any, proxy: SandboxProxy) -> None:
        super().__init__(address, handler)
        self.proxy = proxy


class _Handler(socketserver.StreamRequestHandler):
    server: _Server
    rbufsize = 0  # unbuffered: nothing the client sent after the head is left in a buffer when relaying

    def handle(self) -> None:
        proxy = self.server.proxy
        proxy._track(self.connection, True)
        try:
            self._serve(proxy)
        except OSError:
            pass  # the client or the upstream went away; stop() shut the socket
        finally:
            proxy._track(self.connection, False)

    def _serve(self, proxy: SandboxProxy) -> None:
        head = self._read_head()
        if head is None:
            return
        method, target, headers = head
        auth = headers.get("proxy-authorization")
        where = target if method == "CONNECT" else _netloc(target)
        if proxy.refuse == "close":
            proxy._record(ProxyRecord(method, where, auth is not None, None))
            return
        if proxy.refuse == "403":
            self._answer(403, "Forbidden")
            proxy._record(ProxyRecord(method, where, auth is not None, 403))
            return
        if proxy.refuse == "407" or not proxy._authorized(auth):
            self._answer(407, "Proxy Authentication Required", "".join(f"Proxy-Authenticate: {c}\r\n" for c in proxy.challenges))
            proxy._record(ProxyRecord(method, where, auth is not None, 407))
            return
        host, _, port = where.rpartition(":")
        try:
            upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=10)
        except (OSError, ValueError):
            self._answer(502, "Bad Gateway")
            proxy._record(ProxyRecord(method, where, auth is not None, 502))
            return
        proxy._track(upstream, True)
        try:
            upstream.settimeout(None)
            if method == "CONNECT":
                self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            else:
                self._forward(method, target, headers, upstream)
            self.wfile.flush()
            proxy._record(ProxyRecord(method, where, auth is not None, 200))
            _relay(self.connection, upstream)
        finally:
            proxy._track(upstream, False)
            upstream.close()

    def _read_head(self) -> tuple[str, str, dict[str, str]] | None:
        line = self.rfile.readline(_MAX_HEAD).decode("latin-1").strip()
        parts = line.split()
        if len(parts) != 3:
            return None
        headers: dict[str, str] = {}
        self._raw_headers: list[str] = []
        while True:
            raw = self.rfile.readline(_MAX_HEAD).decode("latin-1")
            if raw in ("\r\n", "\n", ""):
                break
            name, _, value = raw.partition(":")
            headers[name.strip().lower()] = value.strip()
            self._raw_headers.append(raw.rstrip("\r\n"))
        return parts[0].upper(), parts[1], headers

    def _answer(self, status: int, reason: str, extra: str = "") -> None:
        body = f"{status} {reason}\n".encode()
        self.wfile.write(
            f"HTTP/1.1 {status} {reason}\r\n{extra}Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )

    def _forward(self, method: str, target: str, headers: dict[str, str], upstream: socket.socket) -> None:
        """An absolute-URI request, sent on as an origin-form one (``Connection: close``)."""
        url = urlsplit(target)
        path = (url.path or "/") + (f"?{url.query}" if url.query else "")
        kept = [h for h in self._raw_headers if h.split(":", 1)[0].strip().lower() not in _HOP_BY_HOP]
        head = "".join(f"{h}\r\n" for h in kept)
        upstream.sendall(f"{method} {path} HTTP/1.1\r\n{head}Connection: close\r\n\r\n".encode("latin-1"))
        length = int(headers.get("content-length") or 0)
        if length:
            upstream.sendall(self.rfile.read(length))


_HOP_BY_HOP = {"proxy-authorization", "proxy-connection", "connection", "keep-alive"}


def _netloc(target: str) -> str:
    url = urlsplit(target)
    port = url.port or (443 if url.scheme == "https" else 80)
    return f"{url.hostname}:{port}"


def _relay(client: socket.socket, upstream: socket.socket) -> None:
    """Copy bytes both ways until either side closes."""
    with selectors.DefaultSelector() as sel:
        sel.register(client, selectors.EVENT_READ, upstream)
        sel.register(upstream, selectors.EVENT_READ, client)
        while True:
            for key, _ in sel.select():
                source: socket.socket = key.fileobj  # type: ignore[assignment]
                data = source.recv(65536)
                if not data:
                    return
                key.data.sendall(data)
