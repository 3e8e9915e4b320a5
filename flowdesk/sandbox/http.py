"""Requests, responses and a tiny regex router for the sandbox (stdlib only).

A :class:`Request` is read from a WSGI environ (PEP 3333), a :class:`Response` is handed to WSGI's
``start_response``; nothing here knows about sockets.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlencode

from flowdesk.logs import get_logger

log = get_logger("sandbox")

REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    409: "Conflict",
    415: "Unsupported Media Type",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class BadJson(ValueError):
    pass


@dataclass
class Request:
    method: str
    path: str  # without the query string, percent-decoded
    raw_query: str
    headers: dict[str, str]  # lower-case name -> value
    body: bytes
    peer: str
    scheme: str  # "http" | "https"
    host: str  # the Host header, else the server's host:port

    @classmethod
    def from_environ(cls, environ: dict[str, Any]) -> Request:
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if environ.get(key):
                headers[key.replace("_", "-").lower()] = environ[key]
        length = environ.get("CONTENT_LENGTH") or ""
        stream = environ["wsgi.input"]
        if length.isdigit():
            body = stream.read(int(length)) if int(length) else b""
        else:  # no length: only a server that de-chunked the body without saying so; read it all
            body = stream.read() if "chunked" in headers.get("transfer-encoding", "").lower() else b""
        path = environ.get("PATH_INFO", "")
        # PEP 3333: PATH_INFO holds the decoded bytes as latin-1 (our paths are UTF-8); a driver that passed
        # the text itself (httpx.WSGITransport does) fails to encode and is kept as it is
        with contextlib.suppress(UnicodeEncodeError):
            path = path.encode("latin-1").decode("utf-8", "replace")
        host = headers.get("host") or f"{environ.get('SERVER_NAME', 'localhost')}:{environ.get('SERVER_PORT', '80')}"
        return cls(
            method=environ["REQUEST_METHOD"].upper(),
            path=environ.get("SCRIPT_NAME", "") + path or "/",
            raw_query=environ.get("QUERY_STRING", ""),
            headers=headers,
            body=body,
            peer=environ.get("REMOTE_ADDR", ""),
            scheme=environ.get("wsgi.url_scheme", "http"),
            host=host,
        )

    @cached_property
    def query(self) -> dict[str, str]:
        """The query's parameters; the last value wins when one is repeated."""
        return {k: v[-1] for k, v in parse_qs(self.raw_query, keep_blank_values=True).items()}

    def query_ci(self, name: str) -> str | None:
        """A query parameter by name, case-insensitively (ConnectWise accepts pageSize and pagesize)."""
        lowered = name.lower()
        for k, v in self.query.items():
            if k.lower() == lowered:
                return v
        return None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def content_type(self) -> str:
        return (self.header("Content-Type") or "").split(";")[0].strip().lower()

    @cached_property
    def json(self) -> Any:
        """The body as JSON (``BadJson`` when it is not)."""
        if not self.body:
            raise BadJson("empty body")
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise BadJson(str(exc)) from None

    @cached_property
    def form(self) -> dict[str, str]:
        try:
            text = self.body.decode("utf-8")
        except UnicodeDecodeError:
            return {}
        return {k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()}

    def url_with(self, **params: Any) -> str:
        """This request's absolute URL with some query parameters replaced (for ``Link`` headers)."""
        query = dict(self.query)
        for k in list(query):
            if k.lower() in {p.lower() for p in params}:
                del query[k]
        query.update({k: str(v) for k, v in params.items()})
        return f"{self.scheme}://{self.host}{self.path}?{urlencode(query)}"


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for k, v in self.headers:
            if k.lower() == lowered:
                return v
        return None

    def set_header(self, name: str, value: str | None) -> None:
        """Replace a header (``None``: remove it)."""
        lowered = name.lower()
        self.headers = [(k, v) for k, v in self.headers if k.lower() != lowered]
        if value is not None:
            self.headers.append((name, value))

    def start(self, start_response: Any, *, length: int | None = None) -> None:
        """Hand the status and headers to WSGI's ``start_response``, with a ``Content-Length`` of ``length``
        (default: the body's); ``length=-1`` leaves it out (the server then chunks the body)."""
        size = len(self.body) if length is None else length
        headers = [(k, v) for k, v in self.headers if k.lower() != "content-length"]
        if size >= 0:
            headers.append(("Content-Length", str(size)))
        start_response(f"{self.status} {REASONS.get(self.status, 'Unknown')}", headers)

    def wsgi(self, start_response: Any, method: str) -> Iterable[bytes]:
        """The whole response for WSGI (no body for HEAD)."""
        self.start(start_response)
        return [] if method == "HEAD" or not self.body else [self.body]


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_response(status: int, obj: Any, headers: list[tuple[str, str]] | None = None) -> Response:
    return raw_json_response(status, dumps(obj), headers)


def raw_json_response(status: int, body: bytes, headers: list[tuple[str, str]] | None = None) -> Response:
    hdrs = [("Content-Type", "application/json; charset=utf-8")]
    if headers:
        hdrs.extend(headers)
    return Response(status, body, hdrs)


def html_response(status: int, title: str) -> Response:
    body = (
        "<!DOCTYPE html>\r\n<html><head><title>"
        f"{status} {title}</title></head><body><h1>{status} {title}</h1>"
        "<p>FlowDesk sandbox</p></body></html>\r\n"
    ).encode()
    return Response(status, body, [("Content-Type", "text/html; charset=utf-8")])


Handler = Callable[..., Response]
_F = TypeVar("_F", bound=Callable[..., Any])


_ROUTES_ATTR = "_sandbox_routes"


def route(methods: str, pattern: str) -> Callable[[_F], _F]:
    """Declare a handler method's route: ``methods`` space-separated, ``pattern`` a regex with named groups
    for the path below the app's prefix (matched whole, case-insensitively, as ConnectWise does)."""

    def mark(fn: _F) -> _F:
        fn.__dict__.setdefault(_ROUTES_ATTR, []).append((methods, pattern))
        return fn

    return mark


class Router:
    """Routes ``(method, path)`` to a handler; path patterns are regexes with named groups."""

    def __init__(self) -> None:
        self._routes: list[tuple[re.Pattern[str], dict[str, Handler]]] = []

    @classmethod
    def of(cls, *apps: Any) -> Router:
        """A router over the ``@route`` methods of ``apps``, in the order they are defined."""
        router = cls()
        for app in apps:
            for klass in reversed(type(app).__mro__):
                for name, fn in vars(klass).items():
                    for methods, pattern in getattr(fn, _ROUTES_ATTR, ()):
                        router.add(methods, pattern, getattr(app, name))
        return router

    def add(self, methods: str, pattern: str, handler: Handler) -> None:
        rx = re.compile("^" + pattern + "$", re.IGNORECASE)
        for existing_rx, table in self._routes:
            if existing_rx.pattern == rx.pattern:
                for m in methods.split():
                    table[m] = handler
                return
        self._routes.append((rx, {m: handler for m in methods.split()}))

    def match(self, method: str, path: str) -> tuple[Handler | None, dict[str, str], bool]:
        """``(handler, groups, path_known)``: path_known without a handler means 405."""
        for rx, table in self._routes:
            m = rx.match(path)
            if m:
                handler = table.get(method) or (table.get("GET") if method == "HEAD" else None)
                return handler, m.groupdict(), True
        return None, {}, False
