"""The foundation without sockets: httpx transports, an injected clock, the classification, the errors.

Where a socket is needed (a trickling server, a proxy, TLS) the tests are in the other modules of this
folder, against the sandbox.
"""

from __future__ import annotations

import gzip
import logging
import pickle
import socket
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from flowdesk.connectwise import errors as cw_errors
from flowdesk.core.policy import JobSnapshot, JobState, Outcome, OutcomeKind, decide
from flowdesk.http import errors as base
from flowdesk.http.client import HttpClient, redirect_target
from flowdesk.http.failures import Failure, ServiceWords, classify, duration_words
from flowdesk.http.proxy import ProxyConfig, ProxyUnusable
from flowdesk.http.transport import MAX_RESPONSE_BYTES
from flowdesk.resolutionflow import errors as rf_errors

log = logging.getLogger("tests.http")
URL = "https://api-na.example.com/v2025_1/apis/3.0/system/info"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Chunks(httpx.SyncByteStream):
    """A body served chunk by chunk; ``before`` runs before each one (to move a fake clock)."""

    def __init__(self, chunks: list[bytes], before=lambda: None) -> None:
        self.chunks = chunks
        self.before = before
        self.served = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            self.before()
            self.served += 1
            yield chunk


class Failed(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.reason)
        self.failure = failure


def client(handler, **kw) -> HttpClient:
    return HttpClient(ValueError, log, ("x-request-id",), transport=httpx.MockTransport(handler), **kw)


def fail(http: HttpClient, method: str = "GET") -> Failure:
    with pytest.raises(Failed) as info:
        http.send(http.build_request(method, URL), on_failure=Failed)
    err = info.value
    assert err.__cause__ is None and err.__context__ is None  # raised outside the except block
    return err.failure


# ---------------------------------------------------------------- the overall deadline


def test_a_trickling_body_ends_at_the_deadline_not_at_the_last_byte():
    clock = FakeClock()

    def tick() -> None:
        clock.now += 1.0  # one byte a second

    body = Chunks([b"x"] * 600, before=tick)
    http = client(lambda r: httpx.Response(200, stream=body), deadline=5.0, clock=clock)
    failure = fail(http)
    assert (failure.kind, failure.sent) == ("deadline", True)
    assert failure.reason == "no complete answer within 5 seconds"
    assert body.served <= 6  # stopped at the deadline, not after 600 seconds


def test_a_body_that_arrives_in_time_is_read_whole():
    clock = FakeClock()
    body = Chunks([b'{"a": ', b"1}"], before=lambda: setattr(clock, "now", clock.now + 1))
    http = client(lambda r: httpx.Response(200, stream=body), deadline=5.0, clock=clock)
    response = http.send(http.build_request("GET", URL), on_failure=Failed)
    assert response.json() == {"a": 1}


# ---------------------------------------------------------------- the size cap


def test_a_declared_oversized_body_is_refused_before_reading_it():
    body = Chunks([b"x" * 1024] * 4)
    http = client(lambda r: httpx.Response(200, headers={"Content-Length": str(MAX_RESPONSE_BYTES + 1)}, stream=body))
    failure = fail(http, "POST")
    assert (failure.kind, failure.sent) == ("too_large", True)
    assert failure.reason == "its answer was larger than FlowDesk accepts, 16 MiB"
    assert body.served == 0


def test_a_streamed_body_stops_just_past_the_cap():
    body = Chunks([b"x" * 1000] * 100)
    http = client(lambda r: httpx.Response(200, stream=body), max_bytes=10_000)
    assert fail(http).kind == "too_large"
    assert body.served == 11  # never more than one chunk past the cap


def test_a_small_compressed_answer_cannot_grow_past_the_cap():
    bomb = gzip.compress(b" " * 200_000)  # ~200 bytes on the wire
    http = client(lambda r: httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=bomb), max_bytes=50_000)
    assert len(bomb) < 1000 and fail(http).kind == "too_large"


# ---------------------------------------------------------------- classification


def raising(exc: BaseException):
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    return handler


def chained(exc: httpx.HTTPError, cause: BaseException) -> httpx.HTTPError:
    try:
        raise exc from cause
    except httpx.HTTPError as e:
        return e


@pytest.mark.parametrize(
    ("exc", "kind", "sent", "reason"),
    [
        (chained(httpx.ConnectError("x"), socket.gaierror(-2, "Name or service not known")), "dns", False, "its name could not be resolved (DNS)"),
        (chained(httpx.ConnectError("x"), ConnectionRefusedError(111, "refused")), "refused", False, "the connection was refused"),
        (httpx.ConnectTimeout("x"), "connect_timeout", False, "the connection timed out"),
        (httpx.PoolTimeout("x"), "pool_timeout", False, "no connection became free in time"),
        (httpx.ProxyError("407 Proxy Authentication Required"), "proxy", False, "the proxy asks for a user name and password (HTTP 407)"),
        (ProxyUnusable("the proxy in HTTPS_PROXY is a SOCKS proxy; FlowDesk supports HTTP proxies only"), "proxy", False, "the proxy in HTTPS_PROXY is a SOCKS proxy; FlowDesk supports HTTP proxies only"),
        (httpx.ReadTimeout("x"), "timeout", True, "no answer within 30 seconds"),
        (chained(httpx.ReadError("x"), ConnectionResetError(104, "reset")), "reset", True, "the connection was reset"),
        (httpx.RemoteProtocolError("x"), "closed", True, "the connection was closed before an answer came"),
        (httpx.DecodingError("x"), "decoding", True, "the answer could not be decoded"),
    ],
)
def test_one_classification(exc, kind, sent, reason):
    failure = fail(client(raising(exc)))
    assert (failure.kind, failure.sent, failure.reason) == (kind, sent, reason)
    assert failure.host == "api-na.example.com" and failure.path == "/v2025_1/apis/3.0/system/info"


def test_tls_failures_carry_the_os_words():
    cert = ssl.SSLCertVerificationError(1, "certificate verify failed")
    cert.verify_message = "self-signed certificate in certificate chain"
    failure = fail(client(raising(chained(httpx.ConnectError("x"), cert))))
    assert (failure.kind, failure.tls, failure.detail) == ("tls_cert", True, "self-signed certificate in certificate chain")
    words = ServiceWords(cert="{host}: {detail}", handshake="-", unreachable="{host}: {reason}; {check}", check="net", check_dns="dns")
    assert words.offline(failure) == "api-na.example.com: self-signed certificate in certificate chain"


def test_a_closed_client_sends_nothing_and_says_so():
    http = client(lambda r: httpx.Response(200))
    http.close()
    failure = fail(http, "POST")
    assert (failure.kind, failure.sent) == ("closing", False)
    assert failure.reason == "FlowDesk stopped the request because it is closing"


def test_classify_never_quotes_the_exception():
    secret = "Basic c2VjcmV0OnNlY3JldA=="
    failure = classify(httpx.ConnectError(f"failed with {secret}"), host="h", path="/", read_timeout=30.0)
    assert secret not in repr(failure)


def test_a_redirect_target_is_its_host_only():
    response = httpx.Response(302, headers={"Location": "https://evil.example.net/steal?token=abc"})
    assert redirect_target(response) == " to evil.example.net"
    assert redirect_target(httpx.Response(302)) == ""


def test_redirects_are_never_followed():
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(302, headers={"Location": "https://elsewhere.example.net/"})

    http = client(handler)
    request = http.build_request("GET", URL, headers={"Authorization": "Basic eA=="})
    assert http.send(request, on_failure=Failed).status_code == 302
    assert seen == [URL]


@pytest.mark.parametrize(("seconds", "words"), [(0.5, "0.5 seconds"), (1, "1 second"), (30, "30 seconds"), (600, "10 minutes"), (86400, "24 hours")])
def test_duration_words(seconds, words):
    assert duration_words(seconds) == words


# ---------------------------------------------------------------- proxies chosen per request


def test_the_environment_and_no_proxy(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example.com,.corp")
    config = ProxyConfig()
    assert str(config.for_url(httpx.URL("https://na.myconnectwise.net/")).url) == "http://proxy.corp:3128"
    assert config.for_url(httpx.URL("https://internal.example.com/")) is None
    assert config.for_url(httpx.URL("http://na.myconnectwise.net/")) is None  # HTTPS_PROXY is for https only
    assert ProxyConfig("none").for_url(httpx.URL("https://na.myconnectwise.net/")) is None


def test_manual_and_system_proxies():
    manual = ProxyConfig("manual", "proxy.corp:8080", "dana", "pw-secret")
    chosen = manual.for_url(httpx.URL("https://na.myconnectwise.net/"))
    assert str(chosen.url) == "http://proxy.corp:8080" and chosen.auth == ("dana", "pw-secret")
    assert "pw-secret" not in repr(manual)
    asked: list[str] = []
    system = ProxyConfig("system", system=lambda url: asked.append(url) or "http://wpad.corp:8080")
    assert str(system.for_url(httpx.URL("https://na.myconnectwise.net/x")).url) == "http://wpad.corp:8080"
    assert asked == ["https://na.myconnectwise.net/x"]
    assert ProxyConfig("system", system=lambda url: None).for_url(httpx.URL("https://a.example/")) is None
    with pytest.raises(ValueError, match="SOCKS"):
        ProxyConfig("manual", "socks5://proxy.corp:1080")


# ---------------------------------------------------------------- errors and Retry-After


def test_same_names_mean_the_same_in_both_trees():
    for name in ("NotFound", "RateLimited", "ServerError", "Offline"):
        shared = getattr(base, name)
        for tree, root in ((cw_errors, cw_errors.ConnectWiseError), (rf_errors, rf_errors.ResolutionFlowError)):
            cls = getattr(tree, name)
            assert issubclass(cls, shared) and issubclass(cls, root) and cls.kind == shared.kind
    assert not issubclass(cw_errors.RateLimited, base.ServerError)
    assert not issubclass(rf_errors.RateLimited, base.ServerError)
    assert issubclass(cw_errors.ConnectWiseError, base.ServiceError) and issubclass(rf_errors.ResolutionFlowError, base.ServiceError)


def test_the_base_error_pickles_and_says_plain_words():
    err = rf_errors.Offline("Cannot reach it.", tls=True, status=None, request_id="r-1")
    clone = pickle.loads(pickle.dumps(err))
    assert type(clone) is rf_errors.Offline and clone.tls is True and str(clone) == "Cannot reach it. Request id: r-1"


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("100000000000000", 86400.0),
        ("1e308", 86400.0),
        ("inf", None),
        ("Fri, 31 Dec 9999 23:59:59 GMT", 86400.0),
        ("120", 120.0),
        ("Mon, 01 Jan 0001 00:00:00 GMT", 0.0),
    ],
)
def test_retry_after_is_at_most_a_day(value, seconds):
    assert base.parse_retry_after(value, now=datetime(2026, 11, 18, tzinfo=UTC)) == seconds


def test_the_policy_waits_a_day_at_most_whatever_the_error_says():
    now = datetime(2026, 11, 18, 14, 0, tzinfo=UTC)
    job = JobSnapshot(state=JobState.SENDING, attempts=0, ticket_id=48211)
    for retry_after in (1e14, float("inf"), 1e308):
        decision = decide(job, Outcome(OutcomeKind.RATE_LIMITED, http_status=429, retry_after=retry_after), now)
        assert decision.next_attempt_at == now + timedelta(days=1)
    err = cw_errors.RateLimited("slow down", retry_after=1e14)
    assert err.retry_after == 86400.0
    decision = decide(job, Outcome.from_error(err), now)
    assert decision.next_attempt_at == now + timedelta(days=1)
    nan = decide(job, Outcome(OutcomeKind.RATE_LIMITED, http_status=429, retry_after=float("nan")), now)
    assert nan.next_attempt_at is not None and nan.next_attempt_at <= now + timedelta(days=1)
