"""What the ConnectWise and ResolutionFlow clients share about talking HTTP: which hosts may skip TLS,
the TLS context, reading why a connection failed, and ``Retry-After``. Each client words its own
messages; the facts come from here."""

from __future__ import annotations

import email.utils
import ipaddress
import math
import socket
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and ``localhost``: the only hosts FlowDesk talks to without TLS."""
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def ssl_context(ca_file: str | None, error: type[Exception]) -> ssl.SSLContext:
    """Certificate verification always on: the system's trust store, or the given CA bundle. A CA file
    that cannot be used raises ``error`` naming it."""
    if not ca_file:
        return ssl.create_default_context()
    try:
        return ssl.create_default_context(cafile=ca_file)
    except (OSError, ssl.SSLError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise error(f"Cannot use the CA file {ca_file}: {reason}") from None


def causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything it was raised from (``__cause__`` / ``__context__``), once each."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def connect_reason(exc: httpx.HTTPError, chain: list[BaseException]) -> str:
    """Why a connection could not be made (nothing was sent), in a few plain words."""
    if isinstance(exc, httpx.ConnectTimeout):
        return "the connection timed out"
    if isinstance(exc, httpx.PoolTimeout):
        return "no connection became free in time"
    if isinstance(exc, httpx.ProxyError):
        return "the proxy refused the connection"
    if any(isinstance(e, socket.gaierror) for e in chain) or "name or service not known" in str(exc).lower():
        return "its name could not be resolved (DNS)"
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in str(exc).lower():
        return "the connection was refused"
    if any(isinstance(e, TimeoutError | socket.timeout) for e in chain):
        return "the connection timed out"
    if "unreachable" in str(exc).lower():
        return "the network is unreachable"
    return "the connection failed"


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds from now: delta-seconds or an HTTP-date; None when absent or unreadable."""
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
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
