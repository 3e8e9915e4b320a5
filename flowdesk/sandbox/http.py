"""Requests, responses and a tiny regex router for the sandbox (stdlib only)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from functools import cached_property
from typing import Any
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
    headers: Message
    body: bytes
    peer: str
    scheme: str  # "http" | "https"
    host: str  # the Host header, else the server's host:port

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

    @cached_property
    def lower_headers(self) -> dict[str, str]:
        """Header name (lower case) → value; the last one wins when a header is repeated."""
        return {k.lower(): v for k, v in self.headers.items()}

    def header(self, name: str) -> str | None:
        return self.lower_headers.get(name.lower())

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

    def set_header(self, name: str, value: str) -> None:
        lowered = name.lower()
        self.headers = [(k, v) for k, v in self.headers if k.lower() != lowered]
        self.headers.append((name, value))


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


class Router:
    """Routes ``(method, path)`` to a handler; path patterns are regexes with named groups."""

    def __init__(self) -> None:
        self._routes: list[tuple[re.Pattern[str], dict[str, Handler]]] = []

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
