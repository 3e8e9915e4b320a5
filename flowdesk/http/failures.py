"""Why a request failed, in one classification both services word their own way.

:func:`classify` turns an httpx exception into a :class:`Failure`: plain values only (no httpx object,
no header, no text from the exception that could hold one), with

* ``sent`` — False when nothing of the request can have reached the service (DNS, refused, connect
  timeout, TLS, a proxy that refused, a closed client, a deadline that passed before writing); True when
  it may have (a read timeout, a reset or a close after writing, an answer too large to read);
* ``kind`` and ``reason`` — a few plain words ("the connection was refused", "no answer within 30
  seconds") that the service puts into its own sentence;
* ``tls`` / ``detail`` — for a certificate that could not be verified (the OS's words) or a failed
  handshake.

:class:`ServiceWords` holds the sentences one service uses for the "nothing was sent" cases, so each
keeps its wording and the logic stays here.
"""

from __future__ import annotations

import math
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass

import httpx

from flowdesk.http.proxy import ProxyUnusable
from flowdesk.http.proxy_probe import windows_only
from flowdesk.http.transport import EXTENSION, Closing, Exchange, ResponseTooLarge

_CONNECT_PHASE = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError, httpx.UnsupportedProtocol)


def duration_words(value: float | None) -> str:
    """A wait in words: ``0.3 seconds``, ``45 seconds``, ``3 minutes``, ``5 hours`` (rounded up beyond a
    minute or two, never in exponent notation: a Retry-After date can be a day away)."""
    if value is None or not math.isfinite(value):
        return "the time limit"
    if value < 1:
        return f"{value:g} seconds"
    n = round(value)
    if n < 120:
        return "1 second" if n == 1 else f"{n} seconds"
    minutes = math.ceil(n / 60)
    if minutes < 120:
        return f"{minutes} minutes"
    return f"{math.ceil(n / 3600)} hours"


def megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):g} MiB"


@dataclass(frozen=True)
class Failure:
    kind: str  # dns, refused, unreachable, connect_timeout, pool_timeout, connect, tls_cert, tls, proxy, closing
    #            | timeout, deadline, reset, closed, too_large, decoding, aborted, other
    sent: bool
    reason: str
    host: str  # host[:port] the request was for
    path: str  # the failing request's path (an auth flow's renewal has its own)
    detail: str | None = None  # the TLS problem in the OS's words
    proxy: str | None = None  # host:port of the proxy it went through

    @property
    def tls(self) -> bool:
        return self.kind in ("tls_cert", "tls")


@dataclass(frozen=True)
class ServiceWords:
    """One service's sentences for failures where nothing was sent. ``{host}``, ``{reason}``, ``{detail}``
    and ``{check}`` are filled in."""

    cert: str
    handshake: str
    unreachable: str
    check: str  # "your network connection"
    check_dns: str  # "the site address and your network connection"
    check_proxy: str = "the proxy settings (Settings › General) and your network connection"

    def offline(self, failure: Failure) -> str:
        if failure.kind == "closing":
            return f"FlowDesk stopped the request to {failure.host} because it is closing; nothing was sent."
        if failure.kind == "tls_cert":
            template = self.cert
        elif failure.kind == "tls":
            template = self.handshake
        else:
            template = self.unreachable
        if failure.proxy is not None or failure.kind == "proxy":
            check = self.check_proxy
        else:
            check = self.check_dns if failure.kind == "dns" else self.check
        return template.format(host=failure.host, reason=failure.reason, detail=failure.detail, check=check)


def causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything it was raised from (``__cause__`` / ``__context__``), once each."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def exchange_of(exc: httpx.HTTPError) -> Exchange | None:
    try:
        request = exc.request
    except RuntimeError:  # raised before a request was attached
        return None
    found = request.extensions.get(EXTENSION)
    return found if isinstance(found, Exchange) else None


WINDOWS_SIGN_IN = "FlowDesk cannot sign in to a proxy with your Windows account, NTLM or Kerberos"


def proxy_refusal(head: str, proxy: str | None, with_user: bool, schemes: tuple[str, ...] | None = None) -> str:
    """Why a proxy said no, from its status (``head``: "407", "403", or not a number) and, for a 407, the
    sign-in ``schemes`` it asks for when known (:mod:`flowdesk.http.proxy_probe`)."""
    who = f"the proxy {proxy}" if proxy else "the proxy"
    if head == "407" and windows_only(schemes):
        return (f"{who} asks for a Windows sign-in ({' or '.join(schemes or ())}, HTTP 407), which FlowDesk cannot do; "
                "a user name and password will not work: ask your IT team to let FlowDesk reach this address without "
                "signing in to the proxy")
    if head == "407":
        if with_user:  # what an engineer meets behind a proxy that takes only a Windows sign-in
            return f"{who} did not accept the user name and password (HTTP 407; {WINDOWS_SIGN_IN})"
        return f"{who} asks for a user name and password (HTTP 407)"
    if head.isdigit():
        return f"{who} refused the connection (HTTP {head})"
    return f"{who} refused the connection"


def _not_sent_reason(exc: httpx.HTTPError, chain: list[BaseException], proxy: str | None) -> tuple[str, str]:
    text = " ".join(str(e).lower() for e in chain if not isinstance(e, httpx.HTTPError))
    if isinstance(exc, httpx.ConnectTimeout):
        kind, reason = "connect_timeout", "the connection timed out"
    elif isinstance(exc, httpx.PoolTimeout):
        kind, reason = "pool_timeout", "no connection became free in time"
    elif any(isinstance(e, socket.gaierror) for e in chain) or "name or service not known" in text:
        kind, reason = "dns", "its name could not be resolved (DNS)"
    elif any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in text:
        kind, reason = "refused", "the connection was refused"
    elif any(isinstance(e, TimeoutError | socket.timeout) for e in chain):
        kind, reason = "connect_timeout", "the connection timed out"
    elif "unreachable" in text:
        kind, reason = "unreachable", "the network is unreachable"
    elif proxy is not None and not isinstance(exc, _CONNECT_PHASE):
        return "proxy", f"the proxy {proxy} closed the connection"
    else:
        kind, reason = "connect", "the connection failed"
    if proxy is not None:  # the connection that failed was the one to the proxy
        where = "its name could not be resolved (DNS)" if kind == "dns" else reason
        return "proxy", f"the proxy {proxy} could not be reached ({where})"
    return kind, reason


def classify(
    exc: httpx.HTTPError,
    *,
    host: str,
    path: str,
    read_timeout: float | None,
    proxy_user: bool = False,
    closing: bool = False,
    proxy_schemes: tuple[str, ...] | None = None,
) -> Failure:
    """The :class:`Failure` for ``exc``, raised while sending a request to ``host``; ``closing`` when the
    client was closed meanwhile (its requests were stopped on purpose); ``proxy_schemes``: the sign-in a proxy
    that refused the tunnel asks for, when it was asked (:mod:`flowdesk.http.proxy_probe`)."""
    chain = list(causes(exc))
    exchange = exchange_of(exc)
    proxy = exchange.proxy if exchange is not None else None
    proxy_user = proxy_user or (exchange is not None and exchange.proxy_user)
    if isinstance(exc, _CONNECT_PHASE):
        sent = False
    elif exchange is not None and exchange.tracked:
        sent = exchange.sent
    else:
        sent = not isinstance(exc, Closing)

    def failure(kind: str, reason: str, detail: str | None = None) -> Failure:
        return Failure(kind, sent, reason, host, path, detail, proxy)

    if not sent:
        if closing or isinstance(exc, Closing):
            return failure("closing", "FlowDesk stopped the request because it is closing")
        if isinstance(exc, ProxyUnusable):
            return failure("proxy", exc.reason)
        cert = next((e for e in chain if isinstance(e, ssl.SSLCertVerificationError)), None)
        if cert is not None:
            return failure("tls_cert", "its TLS certificate could not be verified", getattr(cert, "verify_message", None) or "unknown reason")
        tls = next((e for e in chain if isinstance(e, ssl.SSLError)), None)
        if tls is not None:
            return failure("tls", "the TLS handshake failed", getattr(tls, "reason", None) or type(tls).__name__)
        if isinstance(exc, httpx.ProxyError):
            head = str(exc).split(" ", 1)[0]  # httpcore: "407 Proxy Authentication Required"
            return failure("proxy", proxy_refusal(head, proxy, proxy_user, proxy_schemes))
        if isinstance(exc, httpx.TimeoutException) and exchange is not None and exchange.expired():
            return failure("deadline", f"no connection within {duration_words(exchange.limit)}")
        return failure(*_not_sent_reason(exc, chain, proxy))
    if closing:
        return failure("aborted", "FlowDesk stopped waiting for the answer because it is closing")
    if isinstance(exc, ResponseTooLarge):
        return failure("too_large", f"its answer was larger than FlowDesk accepts, {megabytes(exc.limit)}")
    if isinstance(exc, httpx.TimeoutException):
        if exchange is not None and exchange.expired():
            return failure("deadline", f"no complete answer within {duration_words(exchange.limit)}")
        return failure("timeout", f"no answer within {duration_words(read_timeout)}")
    through = f" (through the proxy {proxy})" if proxy else ""
    if any(isinstance(e, ConnectionResetError) for e in chain):
        return failure("reset", "the connection was reset" + through)
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError | httpx.CloseError):
        return failure("closed", "the connection was closed before an answer came" + through)
    if isinstance(exc, httpx.DecodingError):
        return failure("decoding", "the answer could not be decoded")
    return failure("other", f"the request failed ({type(exc).__name__})")
