"""A fault (``POST /__sandbox__/faults``): which requests it hits and what it does to them.

Which effects need a socket and what they become in process is in ``flowdesk.sandbox.app``.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field, fields
from typing import Any

from flowdesk.sandbox.config import ConfigError, as_bool, as_int

PHASES = ("before_store", "after_store")
BODY_KINDS = ("html", "malformed_json", "empty", "binary")
DROP_WITH = ("reset", "close")
STREAMS = ("body_bytes", "endless", "trickle_ms")
_TOKEN_RX = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # an HTTP header name (RFC 9110 token)
_NO_JSON = object()


@dataclass
class Fault:
    id: int
    method: str | None = None
    path: str = "*"
    times: int | None = 1
    status: int | None = None
    retry_after: int | str | None = None
    store: bool = False
    delay_ms: int = 0
    delay_after_store_ms: int = 0
    drop: str | None = None
    drop_with: str = "reset"
    body: str | None = None
    json: Any = field(default=_NO_JSON)
    headers: dict[str, str | None] = field(default_factory=dict)  # None: leave the header out
    hold: str | None = None
    redirect: str | None = None
    body_bytes: int | None = None
    endless: bool = False
    trickle_ms: int = 0
    applied: int = 0

    @property
    def has_json(self) -> bool:
        return self.json is not _NO_JSON

    @property
    def streams(self) -> bool:
        """Whether the body is written by a stream (oversized, endless or trickling) that ends the connection."""
        return bool(self.body_bytes or self.endless or self.trickle_ms)

    @classmethod
    def from_spec(cls, fault_id: int, spec: Any) -> Fault:
        if not isinstance(spec, dict):
            raise ConfigError("a fault is a JSON object")
        known = {f.name for f in fields(cls)} - {"id", "applied"}
        unknown = set(spec) - known
        if unknown:
            raise ConfigError(f"unknown fault keys: {', '.join(sorted(unknown))}")
        f = cls(id=fault_id)
        method = spec.get("method")
        if method is not None:
            if not isinstance(method, str) or not method:
                raise ConfigError("method must be an HTTP method or null")
            f.method = None if method == "*" else method.upper()
        path = spec.get("path", "*")
        if not isinstance(path, str) or not path:
            raise ConfigError("path must be an fnmatch pattern")
        f.path = path
        times = spec.get("times", 1)
        f.times = None if times is None else as_int("times", times, 1)
        status = spec.get("status")
        if status is not None:
            f.status = as_int("status", status, 100, 599)
        retry_after = spec.get("retry_after")
        if retry_after is not None and not (
            isinstance(retry_after, str) or (isinstance(retry_after, int) and not isinstance(retry_after, bool))
        ):
            raise ConfigError("retry_after must be seconds or an HTTP date")
        f.retry_after = retry_after
        f.store = as_bool("store", spec.get("store", False))
        f.delay_ms = as_int("delay_ms", spec.get("delay_ms", 0) or 0)
        f.delay_after_store_ms = as_int("delay_after_store_ms", spec.get("delay_after_store_ms", 0) or 0)
        for name, allowed in (("drop", PHASES), ("hold", PHASES), ("body", BODY_KINDS)):
            value = spec.get(name)
            if value is not None and value not in allowed:
                raise ConfigError(f"{name} must be null or one of: {', '.join(allowed)}")
            setattr(f, name, value)
        drop_with = spec.get("drop_with", "reset")
        if drop_with not in DROP_WITH:
            raise ConfigError(f"drop_with must be one of: {', '.join(DROP_WITH)}")
        f.drop_with = drop_with
        if "json" in spec:
            f.json = spec["json"]
        f.headers = _headers(spec.get("headers"))
        redirect = spec.get("redirect")
        if redirect is not None:
            if not isinstance(redirect, str) or not redirect.startswith(("http://", "https://", "/")):
                raise ConfigError("redirect must be a URL (http://, https://) or a path")
            f.redirect = redirect
            if f.status is not None and f.status not in (301, 302, 303, 307, 308):
                raise ConfigError("a redirect's status must be 301, 302, 303, 307 or 308")
        body_bytes = spec.get("body_bytes")
        if body_bytes is not None:
            f.body_bytes = as_int("body_bytes", body_bytes, 2)
        f.endless = as_bool("endless", spec.get("endless", False))
        f.trickle_ms = as_int("trickle_ms", spec.get("trickle_ms", 0) or 0)
        f._check_combination("drop_with" in spec)
        return f

    def _check_combination(self, drop_with_given: bool) -> None:
        streams = [name for name in STREAMS if getattr(self, name)]
        replaces_body = self.body is not None or self.has_json
        if len(streams) > 1:
            raise ConfigError(f"only one of body_bytes, endless and trickle_ms at a time (got {', '.join(streams)})")
        if self.body is not None and self.has_json:
            raise ConfigError("body and json both replace the body: give one of them")
        if (streams or self.redirect) and (self.drop or replaces_body):
            raise ConfigError("redirect, body_bytes, endless and trickle_ms cannot go with drop, body or json")
        if self.redirect and streams:
            raise ConfigError("a redirect has no body: body_bytes, endless and trickle_ms cannot go with it")
        if self.store and self.status is None:
            raise ConfigError("store only makes sense with a status (store, then answer with that error)")
        if self.drop and (self.status is not None or replaces_body or self.headers):
            raise ConfigError("drop sends no response, so status, body, json and headers cannot go with it")
        if drop_with_given and not self.drop:
            raise ConfigError("drop_with says how a drop ends the connection: give drop too")
        effects = (self.status, self.delay_ms, self.delay_after_store_ms, self.drop, self.body, self.hold,
                   self.retry_after, self.redirect, self.body_bytes, self.endless, self.trickle_ms, self.headers,
                   self.has_json)  # fmt: skip
        if not any(effects):
            raise ConfigError(
                "this fault does nothing: give status, body, json, headers, delay_ms, delay_after_store_ms, drop, "
                "hold, redirect, body_bytes, endless or trickle_ms"
            )

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method.upper():
            return False
        return fnmatch.fnmatchcase(path, self.path)

    def as_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "json"}
        out["headers"] = dict(self.headers)
        if self.has_json:
            out["json"] = self.json
        return out


def _headers(value: Any) -> dict[str, str | None]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in value.items()):
        raise ConfigError("headers must be an object of header names to strings (or null to leave one out)")
    for name, text in value.items():
        if not _TOKEN_RX.match(name) or name.lower() in ("content-length", "transfer-encoding", "connection"):
            raise ConfigError(f"headers cannot set {name!r}")
        if text is not None and ("\r" in text or "\n" in text):
            raise ConfigError(f"header {name} must be one line")
    return dict(value)

