"""The error base both services' hierarchies derive from, the classes whose meaning they share, and
``Retry-After``.

Every FlowDesk error about a remote service is a :class:`ServiceError`:

* ``str()`` is plain words (what happened, what to do), then ``Request id: …`` when the service gave one
  (:func:`flowdesk.core.error_words.with_request_id`: its own sentence, not glued after the full stop);
* it never holds a key, a token, a header or an httpx object: the send path builds it from plain values
  and raises it ``from None`` outside the ``except`` block that caught the transport error, so neither
  ``__cause__`` nor ``__context__`` is set;
* it pickles and copies with all its fields (a worker thread or process can hand it on);
* ``kind`` is the one word a caller decides on (the outbox stores it).

The classes below mean the same thing in both services; each service derives its own from them and
from its own base (``class Offline(ConnectWiseError, http.errors.Offline)``), so ``except
ConnectWiseError`` and ``except Offline`` both work. ``RateLimited`` is *not* a ``ServerError`` in
either: a 429 is the service asking for a pause, not the service failing.

This module does not import httpx: importing a service's errors stays cheap.
"""

from __future__ import annotations

import email.utils
import math
from datetime import UTC, datetime
from typing import Any, ClassVar

from flowdesk.core.error_words import with_request_id

MAX_RETRY_AFTER = 86_400.0  # seconds: a Retry-After beyond a day is not believed (and never overflows)


def clamp_retry_after(seconds: float | None) -> float | None:
    """``seconds`` within 0 … :data:`MAX_RETRY_AFTER`; None for None or NaN; infinity is a day."""
    if seconds is None or math.isnan(seconds):
        return None
    return min(max(0.0, float(seconds)), MAX_RETRY_AFTER)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds from now (delta-seconds or an HTTP-date), at most a day; None when
    absent or unreadable. ``100000000000000`` is a day, not an ``OverflowError`` later."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return clamp_retry_after(seconds) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return clamp_retry_after((when - (now or datetime.now(UTC))).total_seconds())


class ServiceError(Exception):
    """Base of every failure talking to ConnectWise or ResolutionFlow (see the module docstring)."""

    kind: ClassVar[str] = "error"

    def __init__(
        self, message: str, *, status: int | None = None, request_id: str | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.request_id = request_id
        self.retry_after = clamp_retry_after(retry_after)

    def __str__(self) -> str:
        return with_request_id(self.message, self.request_id)

    def __repr__(self) -> str:
        fields = "".join(f", {k}={v!r}" for k, v in self.__dict__.items() if k != "message" and v not in (None, False))
        return f"{type(self).__name__}({self.message!r}{fields})"

    def __reduce__(self) -> tuple[Any, ...]:  # picklable/copyable despite keyword-only arguments
        return (_rebuild, (type(self), dict(self.__dict__)))


def _rebuild(cls: type[ServiceError], state: dict[str, Any]) -> ServiceError:
    err = cls.__new__(cls)
    Exception.__init__(err, state.get("message", ""))
    err.__dict__.update(state)
    return err


class NotFound(ServiceError):
    """404: no such record (or not visible to this account), or no such API at the address."""

    kind = "not_found"


class RateLimited(ServiceError):
    """429: too many requests; ``retry_after`` seconds (at most a day) when the service said how long."""

    kind = "rate_limited"


class ServerError(ServiceError):
    """The service failed to answer usefully (5xx, a read timeout, a dropped connection); try later."""

    kind = "server"


class Offline(ServiceError):
    """Nothing was sent: DNS, refused, connect timeout, a proxy that refused, or a failed TLS handshake
    (``tls`` is True then, and the message says it is a certificate or TLS problem)."""

    kind = "offline"

    def __init__(self, message: str, *, tls: bool = False, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.tls = tls
