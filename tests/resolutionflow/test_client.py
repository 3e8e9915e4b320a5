"""ResolutionFlowClient against the sandbox's ResolutionFlow API over real sockets; misbehaving servers are
the sandbox with faults (``json`` answers) and config switches (lying totals, clamped pages)."""

from __future__ import annotations

import json
import logging
import pickle
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from flowdesk.resolutionflow import client as client_module
from flowdesk.resolutionflow.client import LoginRequest, ResolutionFlowClient, jwt_claims, normalise_base_url
from flowdesk.resolutionflow.errors import (
    ERROR_CLASSES,
    EXPIRED_IDLE,
    REVOKED,
    Forbidden,
    InvalidRecord,
    NotFound,
    Offline,
    ProtocolError,
    RateLimited,
    ResolutionFlowConfigError,
    ServerError,
    SignInRequired,
    SubscriptionRequired,
)
from flowdesk.sandbox import Sandbox
from flowdesk.sandbox.admin import SandboxAdmin
from tests.conftest import WINE_TRUSTS_UNKNOWN_CA, wine_limit

from .conftest import (
    NEWEST_ID,
    POSTED_ID,
    SEEDED,
    UNDATED_ID,
    Tokens,
    calls,
    generated,
    rf_requests,
)

LIST = "/api/v1/ai-sessions"
LOGIN = ("POST", "/api/v1/auth/login", None, 200)
REFRESH = ("POST", "/api/v1/auth/refresh", None, 200)


def page(n: int, status: int = 200) -> tuple[str, str, str, int]:
    return ("GET", LIST, str(n), status)


def server_order(sandbox: Sandbox) -> list[str]:
    """The ids as the sandbox lists them (newest updated_at first, undated last), read without a request."""
    with sandbox.state.cond:
        items, _ = sandbox.state.sessions.list_page(page=1, page_size=100_000)
    return [json.loads(i)["id"] for i in items]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------------------------------ sign-in


def test_sign_in_gives_tokens_hands_the_refresh_token_over_and_knows_the_expiry(
    client: ResolutionFlowClient, sandbox: Sandbox, sandbox_admin: SandboxAdmin, tokens: Tokens
) -> None:
    info = sandbox.info.resolutionflow
    before = datetime.now(UTC)
    result = client.sign_in(info.email, info.password)
    after = datetime.now(UTC)
    assert result.can_renew and client.signed_in and client.can_renew
    assert result.access_expires_at is not None  # its life (exp - iat: 300 s, or 301 by rounding) from arrival
    assert before + timedelta(seconds=300) <= result.access_expires_at <= after + timedelta(seconds=301)
    assert result.idle_expires_at is not None and result.absolute_expires_at is not None
    assert len(tokens.saved) == 1 and jwt_claims(tokens.latest)["type"] == "refresh"
    me = client.me()
    assert (me.email, me.name, me.role) == (info.email, "Dana Whitfield", "engineer")
    (login, _me) = rf_requests(sandbox_admin)
    assert login["body"] == {"email": info.email, "password": "********"}  # JSON {email, password}
    assert calls(sandbox_admin) == [LOGIN, ("GET", "/api/v1/auth/me", None, 200)]


def test_sign_in_with_the_oauth2_form_variant(make_client, sandbox: Sandbox, sandbox_admin: SandboxAdmin) -> None:
    info = sandbox.info.resolutionflow
    client = make_client(login=LoginRequest(form=True))
    assert client.sign_in(info.email, info.password).can_renew
    (login,) = rf_requests(sandbox_admin)
    assert login["body"] == {"username": info.email, "password": "********"}
    assert len(list(client.list_sessions())) == SEEDED


def test_wrong_password_is_sign_in_required_with_what_to_do(
    client: ResolutionFlowClient, sandbox: Sandbox, tokens: Tokens
) -> None:
    info = sandbox.info.resolutionflow
    with pytest.raises(SignInRequired) as err:
        client.sign_in(info.email, info.password + "x")
    e = err.value
    assert e.reason == "wrong_password" and e.status == 401 and e.detail == "Incorrect email or password"
    assert str(e).startswith("ResolutionFlow did not accept that e-mail address and password. Check them and sign in again;")
    assert "--token-stdin" in str(e)
    assert "x" + info.password not in str(e) + repr(e) and info.password not in repr(e)
    assert tokens.saved == [] and not client.signed_in


def test_calls_without_a_sign_in_say_so(client: ResolutionFlowClient, sandbox_admin: SandboxAdmin) -> None:
    with pytest.raises(SignInRequired) as err:
        list(client.list_sessions())
    assert err.value.reason == "not_signed_in"
    assert str(err.value) == "FlowDesk is not signed in to ResolutionFlow. Sign in to ResolutionFlow again (Settings, or `flowdesk signin`)."
    assert calls(sandbox_admin) == []


# ------------------------------------------------------------------------------------------ paging


def test_listing_pages_through_every_session_in_server_order(signed_in, sandbox: Sandbox, sandbox_admin: SandboxAdmin) -> None:
    listing = signed_in.list_sessions(page_size=5)
    ids = [s.id for s in listing]
    assert ids == server_order(sandbox) and len(ids) == SEEDED
    assert ids[0] == NEWEST_ID and ids[-1] == UNDATED_ID
    assert (listing.pages, listing.total, listing.skipped, listing.duplicates) == (4, SEEDED, [], 0)
    assert calls(sandbox_admin)[1:] == [page(1), page(2), page(3), page(4)]
    assert all(r["query"]["page_size"] == "5" for r in rf_requests(sandbox_admin)[1:])


def test_listing_stops_at_total_without_asking_for_an_empty_page(signed_in, sandbox_admin: SandboxAdmin) -> None:
    listing = signed_in.list_sessions(page_size=6)  # 18 = 3 full pages
    assert len(list(listing)) == SEEDED
    assert calls(sandbox_admin)[1:] == [page(1), page(2), page(3)]


def test_a_bare_list_is_paged_until_a_short_page(signed_in, sandbox: Sandbox, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.config(resolutionflow={"list_shape": "bare"})
    listing = signed_in.list_sessions(page_size=6)
    assert [s.id for s in listing] == server_order(sandbox)
    assert listing.total is None
    # without a total, three full pages need a fourth (empty) one to know the list ended
    assert calls(sandbox_admin)[1:] == [page(1), page(2), page(3), page(4)]
    sandbox_admin.config(resolutionflow={"list_shape": "bare"})
    assert len(list(signed_in.list_sessions(page_size=5))) == SEEDED


def test_updated_since_and_filters_are_sent_and_honoured(signed_in, sandbox_admin: SandboxAdmin) -> None:
    since = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    got = list(signed_in.list_sessions(updated_since=since))
    assert {s.id for s in got} == {
        POSTED_ID,  # 13:05:41
        "44680b25-3f53-4d5e-9429-974bb964f86d",  # 11:06:58
        "691c16a9-80d1-49ec-9c62-2378387dfce1",  # 09:51:02
        "db482077-d767-45a9-b387-811ce5d05a48",  # 09:09:59
    }
    assert all(s.updated_at > since for s in got)
    escalated = list(signed_in.list_sessions(status="escalated", session_type="guided"))
    assert escalated and all(s.status == "escalated" for s in escalated)
    queries = [r["query"] for r in rf_requests(sandbox_admin)[1:]]
    assert queries[0] == {"updated_since": "2026-11-24T09:00:00.000000Z", "page": "1", "page_size": "100"}
    assert queries[1] == {"status": "escalated", "session_type": "guided", "page": "1", "page_size": "100"}


def test_malformed_records_are_skipped_with_their_reason_and_the_rest_listed(
    signed_in, sandbox_admin: SandboxAdmin, caplog: pytest.LogCaptureFixture
) -> None:
    good = generated(2, updated="2030-01-0{d}T00:00:00Z")
    sandbox_admin.add_sessions(
        [
            {"id": "bad-ticket", "updated_at": "2030-02-01T00:00:00Z", "status": "resolved", "psa_ticket_id": "see notes"},
            {"id": "bad-date", "updated_at": "2030-03-01T00:00:00Z", "created_at": "yesterday"},
            "just a string",
            {"title": "no id at all", "updated_at": "2030-04-01T00:00:00Z"},
            {"id": "   ", "title": "an id of spaces", "updated_at": "2030-05-01T00:00:00Z"},
            *good,
        ]
    )
    caplog.set_level(logging.WARNING, "flowdesk.resolutionflow")
    listing = signed_in.list_sessions(page_size=5)
    ids = [s.id for s in listing]
    assert len(ids) == SEEDED + 2 and {g["id"] for g in good} <= set(ids)
    skipped = dict(listing.skipped)
    assert skipped.pop("bad-ticket") == "psa_ticket_id: not a ConnectWise ticket number: 'see notes'"
    assert skipped.pop("bad-date").startswith("created_at: not an ISO-8601 date-time: 'yesterday'")
    assert sorted(skipped.values()) == ["id: missing (a session needs an id to be cached)"] * 2 + ["not a JSON object (found a string)"]
    assert all(k.startswith("(page ") for k in skipped)
    assert "skipped ResolutionFlow session bad-ticket: psa_ticket_id: not a ConnectWise ticket number" in caplog.text


# ------------------------------------------------------------------------------------------ tokens


def test_an_access_token_expiring_between_pages_is_renewed_once_and_the_listing_goes_on(
    signed_in, sandbox: Sandbox, sandbox_admin: SandboxAdmin, tokens: Tokens
) -> None:
    listing = signed_in.list_sessions(page_size=5)
    first = [next(listing) for _ in range(5)]  # page 1 consumed; page 2 not asked for yet
    assert calls(sandbox_admin) == [LOGIN, page(1)]
    sandbox_admin.config(resolutionflow={"expire_access_tokens": True})  # every token issued so far is dead
    rest = list(listing)
    assert [s.id for s in first + rest] == server_order(sandbox)
    assert calls(sandbox_admin) == [LOGIN, page(1), page(2, 401), REFRESH, page(2), page(3), page(4)]
    assert len(tokens.saved) == 2  # the rotated refresh token was handed over


def test_the_access_token_is_renewed_shortly_before_it_expires(
    make_client, sandbox: Sandbox, sandbox_admin: SandboxAdmin, tokens: Tokens
) -> None:
    now = [time.time()]
    client = make_client(clock=lambda: now[0])
    info = sandbox.info.resolutionflow
    client.sign_in(info.email, info.password)
    listing = client.list_sessions(page_size=5)
    [next(listing) for _ in range(5)]
    now[0] += 271  # 29 s before the 300-second token expires: inside the renewal margin
    assert len(list(listing)) == SEEDED - 5
    assert calls(sandbox_admin) == [LOGIN, page(1), REFRESH, page(2), page(3), page(4)]  # no 401 at all
    assert len(tokens.saved) == 2


def test_no_renewal_well_before_expiry(make_client, sandbox: Sandbox, sandbox_admin: SandboxAdmin) -> None:
    now = [time.time()]
    client = make_client(clock=lambda: now[0])
    info = sandbox.info.resolutionflow
    client.sign_in(info.email, info.password)
    now[0] += 260
    list(client.list_sessions(page_size=100))
    assert calls(sandbox_admin) == [LOGIN, page(1)]


def test_rotation_revokes_the_old_refresh_token_so_the_newest_must_be_kept(
    signed_in, make_client, sandbox_admin: SandboxAdmin, tokens: Tokens
) -> None:
    sandbox_admin.config(resolutionflow={"expire_access_tokens": True})
    list(signed_in.list_sessions())
    first, latest = tokens.saved
    stale = make_client(on_tokens=None)
    stale.resume(first)
    with pytest.raises(SignInRequired) as err:
        list(stale.list_sessions())
    assert err.value.reason == REVOKED and "invalid_refresh_token" in str(err.value)
    fresh = make_client()
    fresh.resume(latest)  # what the keyring holds now
    assert len(list(fresh.list_sessions())) == SEEDED
    assert len(tokens.saved) == 3  # resuming renewed (and rotated) again


def test_resume_makes_no_request_until_the_first_call(make_client, signed_in, sandbox_admin: SandboxAdmin, tokens: Tokens) -> None:
    resumed = make_client()
    resumed.resume(tokens.latest)
    assert resumed.signed_in and calls(sandbox_admin) == [LOGIN]
    list(resumed.list_sessions())
    assert calls(sandbox_admin) == [LOGIN, REFRESH, page(1)]


@pytest.mark.parametrize(("server_says", "reason"), [("session_expired_idle", EXPIRED_IDLE), ("invalid_refresh_token", REVOKED)])
def test_a_401_after_the_renewal_failed_means_sign_in_again_with_the_reason(
    signed_in, sandbox_admin: SandboxAdmin, server_says: str, reason: str
) -> None:
    sandbox_admin.config(resolutionflow={"refresh_error": server_says, "expire_access_tokens": True})
    with pytest.raises(SignInRequired) as err:
        list(signed_in.list_sessions())
    e = err.value
    assert (e.reason, e.status, e.detail) == (reason, 401, server_says)
    assert f"(ResolutionFlow said: {server_says})" in str(e)
    assert e.message.endswith("Sign in to ResolutionFlow again (Settings, or `flowdesk signin`).")
    assert calls(sandbox_admin) == [LOGIN, page(1, 401), ("POST", "/api/v1/auth/refresh", None, 401)]
    assert not signed_in.signed_in  # the dead tokens are forgotten
    with pytest.raises(SignInRequired) as again:
        list(signed_in.list_sessions())
    assert again.value.reason == "not_signed_in"


def test_a_401_even_after_a_renewal_is_sign_in_again(signed_in, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.add_fault(method="GET", path=LIST, status=401, times=2)
    with pytest.raises(SignInRequired) as err:
        list(signed_in.list_sessions())
    assert err.value.reason == "rejected"
    assert calls(sandbox_admin) == [LOGIN, page(1, 401), REFRESH, page(1, 401)]


def test_concurrent_401s_renew_only_once(signed_in, sandbox: Sandbox, sandbox_admin: SandboxAdmin, tokens: Tokens) -> None:
    ids = server_order(sandbox)
    sandbox_admin.config(resolutionflow={"expire_access_tokens": True})
    with ThreadPoolExecutor(6) as pool:
        got = list(pool.map(signed_in.get_session, ids))
    assert [s.id for _, s in got] == ids
    assert sum(1 for c in calls(sandbox_admin) if c[1] == "/api/v1/auth/refresh") == 1
    assert len(tokens.saved) == 2


def test_on_tokens_failures_reach_the_caller_but_the_client_keeps_the_new_tokens(make_client, sandbox: Sandbox) -> None:
    def broken(token: str) -> None:
        raise RuntimeError("keyring locked")

    client = make_client(on_tokens=broken)
    info = sandbox.info.resolutionflow
    with pytest.raises(RuntimeError, match="keyring locked"):
        client.sign_in(info.email, info.password)
    assert client.signed_in and len(list(client.list_sessions())) == SEEDED


# ------------------------------------------------------------------------------------------ pasted access token


def test_a_pasted_access_token_works_until_it_expires_then_says_paste_again(
    make_client, sandbox: Sandbox, sandbox_admin: SandboxAdmin
) -> None:
    info = sandbox.info.resolutionflow
    with httpx.Client() as http:
        access = http.post(f"{info.url}/api/v1/auth/login", json={"email": info.email, "password": info.password}).json()["access_token"]
    client = make_client()
    client.use_access_token(f"Bearer {access}\n")
    assert client.signed_in and not client.can_renew
    assert client.access_expires_at == datetime.fromtimestamp(jwt_claims(access)["exp"], UTC)
    assert client.me().email == info.email
    sandbox_admin.config(resolutionflow={"expire_access_tokens": True})
    with pytest.raises(SignInRequired) as err:
        list(client.list_sessions())
    assert err.value.reason == "token_expired"
    assert str(err.value).startswith("The ResolutionFlow access token you pasted has expired (they last about 5 minutes)")
    assert not any(c[1] == "/api/v1/auth/refresh" for c in calls(sandbox_admin))  # nothing can renew it


def test_a_pasted_token_that_was_never_valid_is_rejected(make_client) -> None:
    client = make_client()
    client.use_access_token("not-a-token-at-all")
    with pytest.raises(SignInRequired) as err:
        client.me()
    assert err.value.reason == "token_rejected"
    assert "did not accept the access token you pasted (ResolutionFlow said: Could not validate credentials)" in str(err.value)
    with pytest.raises(ValueError):
        client.use_access_token("two words")


# ------------------------------------------------------------------------------------------ 402 / 403 / 404


def test_lapsed_subscription_is_402_subscription_required(signed_in, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.config(resolutionflow={"subscription_lapsed": True})
    with pytest.raises(SubscriptionRequired) as err:
        list(signed_in.list_sessions())
    assert err.value.status == 402 and err.value.kind == "subscription"
    assert str(err.value).startswith(
        "Your ResolutionFlow subscription is not active (HTTP 402), so FlowDesk cannot list your sessions "
        "(ResolutionFlow said: An active subscription is required to use this feature). "
        "Ask your ResolutionFlow account owner to renew it."
    )
    assert str(err.value).endswith(". Request id: " + err.value.request_id)


def test_a_viewer_role_is_403_forbidden(signed_in, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.config(resolutionflow={"role": "viewer"})
    with pytest.raises(Forbidden) as err:
        signed_in.get_session(POSTED_ID)
    assert err.value.status == 403
    assert str(err.value).startswith(f"Your ResolutionFlow role does not allow FlowDesk to read session {POSTED_ID} (HTTP 403)")
    assert "engineer role" in str(err.value)


def test_get_session_returns_the_response_text_exactly(signed_in, sandbox: Sandbox, sandbox_admin: SandboxAdmin) -> None:
    text, session = signed_in.get_session(POSTED_ID)
    with sandbox.state.cond:
        stored = sandbox.state.sessions.get_json(POSTED_ID)
    assert text == stored
    assert session.id == POSTED_ID and session.posted_by_resolutionflow and session.steps


def test_unknown_session_is_not_found(signed_in) -> None:
    with pytest.raises(NotFound) as err:
        signed_in.get_session("no-such-session")
    assert str(err.value).startswith("ResolutionFlow has no session no-such-session (HTTP 404): it was deleted, or it is not yours.")


def test_a_session_that_fails_validation_is_an_invalid_record(signed_in, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.add_sessions([{"id": "bad-order", "updated_at": "2030-01-01T00:00:00Z", "steps": [{"step_order": "first"}]}])
    with pytest.raises(InvalidRecord) as err:
        signed_in.get_session("bad-order")
    e = err.value
    assert (e.session_id, e.field) == ("bad-order", "steps[0].step_order")
    assert e.reason.startswith("steps[0].step_order: Input should be a valid integer")
    assert str(e).startswith("ResolutionFlow sent session bad-order that FlowDesk cannot read (steps[0].step_order:")


def test_a_number_too_long_to_read_is_an_invalid_record() -> None:
    body = b'{"id": "s-1", "confidence_score": ' + b"1" * 5000 + b"}"
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body))
    with ResolutionFlowClient("https://rf.example.com", transport=transport) as client:
        client.use_access_token("token")
        with pytest.raises(InvalidRecord) as err:
            client.get_session("s-1")
    assert err.value.reason.startswith("a number too long to read (over 4,300 digits)")


# ------------------------------------------------------------------------------------------ garbage and failures


@pytest.mark.parametrize(
    ("fault", "cls", "words"),
    [
        ({"body": "html"}, ProtocolError, "with an HTML page (HTTP 200). Check the ResolutionFlow address"),
        ({"body": "malformed_json"}, ProtocolError, "with something that is not JSON (HTTP 200)"),
        ({"status": 500}, ServerError, "had a problem answering the request to list your sessions (HTTP 500)"),
        ({"status": 503}, ServerError, "Try again in a few minutes. FlowDesk keeps showing the sessions it has cached."),
        ({"status": 429, "retry_after": 7}, RateLimited, "(HTTP 429): wait 7 seconds and try again."),
        ({"status": 422}, ProtocolError, "did not accept FlowDesk's request to list your sessions (HTTP 422)"),
        ({"status": 404}, NotFound, "has no ResolutionFlow sessions list (HTTP 404). Check the ResolutionFlow address"),
        ({"drop": "before_store"}, ServerError, "did not answer the request to list your sessions (the connection was"),
    ],
)
def test_bad_answers_become_one_readable_error(signed_in, sandbox_admin: SandboxAdmin, fault, cls, words) -> None:
    sandbox_admin.add_fault(method="GET", path=LIST, **fault)
    with pytest.raises(cls) as err:
        list(signed_in.list_sessions())
    assert type(err.value) is cls and words in str(err.value)
    if cls is RateLimited:
        assert err.value.retry_after == 7


def test_an_unreachable_server_is_offline(sandbox: Sandbox) -> None:
    port = closed_port()
    with ResolutionFlowClient(f"http://127.0.0.1:{port}") as client, pytest.raises(Offline) as err:
        client.sign_in("a@example.com", "pw-that-is-secret")
    assert str(err.value) == (
        f"Cannot reach ResolutionFlow at 127.0.0.1:{port}: the connection was refused. Check your network connection "
        "and try again. FlowDesk keeps showing the sessions it has cached."
    )
    assert err.value.__cause__ is None and err.value.__context__ is None


@wine_limit(WINE_TRUSTS_UNKNOWN_CA)
def test_tls_is_verified_with_the_given_ca_file(sandbox_tls: Sandbox) -> None:
    info = sandbox_tls.info.resolutionflow
    with ResolutionFlowClient(info.url, ca_file=sandbox_tls.info.ca_file) as client:
        client.sign_in(info.email, info.password)
        assert len(list(client.list_sessions())) == SEEDED
    with ResolutionFlowClient(info.url) as untrusting, pytest.raises(Offline) as err:
        untrusting.sign_in(info.email, info.password)
    assert err.value.tls and "its TLS certificate could not be verified" in str(err.value)


def test_a_server_that_ignores_paging_is_refused_not_looped(signed_in, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.add_fault(method="GET", path=LIST, times=None, json=[{"id": f"s{i}"} for i in range(5)])  # every page the same
    with pytest.raises(ProtocolError) as err:
        list(signed_in.list_sessions(page_size=5))
    assert "sent the same sessions again for page 2" in str(err.value)
    assert [c[2] for c in calls(sandbox_admin)[1:]] == ["1", "2"]


def test_a_server_that_never_ends_stops_at_the_page_limit(signed_in, sandbox_admin: SandboxAdmin, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_module, "MAX_PAGES", 7)
    sandbox_admin.config(resolutionflow={"list_total": 10**9})  # a total that never comes
    listing = signed_in.list_sessions(page_size=2)
    with pytest.raises(ProtocolError) as err:
        list(listing)
    assert "did not end after 7 pages of 2" in str(err.value) and listing.pages == 7


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"results": "nope", "count": 3}, "a JSON object with the keys count, results"),
        ("a string", "a string instead of a list of sessions"),
    ],
)
def test_a_list_of_the_wrong_shape_is_a_protocol_error(signed_in, sandbox_admin: SandboxAdmin, body, words) -> None:
    sandbox_admin.add_fault(method="GET", path=LIST, json=body)
    with pytest.raises(ProtocolError) as err:
        list(signed_in.list_sessions())
    assert words in str(err.value)


def test_a_server_serving_smaller_pages_than_asked_is_followed_to_its_total(signed_in, sandbox: Sandbox, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.config(resolutionflow={"clamp_page_size": 3})
    listing = signed_in.list_sessions(page_size=5)
    assert [s.id for s in listing] == server_order(sandbox) and listing.pages == 6  # 18 in pages of 3


def test_a_served_page_size_without_a_total_is_honoured(signed_in, sandbox: Sandbox, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.config(resolutionflow={"clamp_page_size": 3, "list_shape": "no_total"})
    listing = signed_in.list_sessions(page_size=5)
    assert [s.id for s in listing] == server_order(sandbox) and listing.pages == 7  # 6 full pages, then an empty one
    assert listing.total is None


def test_other_list_keys_are_accepted(signed_in, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.add_fault(method="GET", path=LIST, json={"sessions": [{"id": "a"}, {"id": "b"}]})
    assert [s.id for s in signed_in.list_sessions()] == ["a", "b"]


def test_duplicates_across_pages_are_yielded_once(signed_in, sandbox: Sandbox, sandbox_admin: SandboxAdmin) -> None:
    before = server_order(sandbox)
    listing = signed_in.list_sessions(page_size=5)
    first = [next(listing) for _ in range(5)]
    sandbox_admin.add_sessions(generated(1, updated="2031-01-01T00:00:00Z"))  # newest: it pushes every row one down
    rest = list(listing)
    assert [s.id for s in first + rest] == before  # the fifth came again on page 2, and was yielded once
    assert listing.duplicates == 1


def test_a_sign_in_without_a_refresh_token_ends_with_sign_in_again(client: ResolutionFlowClient, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.add_fault(method="POST", path="/api/v1/auth/login", status=200, json={"access_token": "opaque-only", "token_type": "bearer"})
    result = client.sign_in("a@example.com", "secret-password")
    assert not result.can_renew and result.access_expires_at is None
    with pytest.raises(SignInRequired) as err:
        client.me()
    assert err.value.reason == "ended" and "(ResolutionFlow said: Could not validate credentials)" in str(err.value)


def test_a_login_answer_without_an_access_token_is_a_protocol_error(client: ResolutionFlowClient, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.add_fault(method="POST", path="/api/v1/auth/login", status=200, json={})
    with pytest.raises(ProtocolError, match="without an access token"):
        client.sign_in("a@example.com", "secret-password")


# ------------------------------------------------------------------------------------------ sign-out


def test_sign_out_revokes_the_refresh_token(signed_in, make_client, sandbox_admin: SandboxAdmin, tokens: Tokens) -> None:
    result = signed_in.sign_out()
    assert result.revoked and result.problem is None and not signed_in.signed_in
    logout = rf_requests(sandbox_admin)[-1]
    assert logout["path"] == "/api/v1/auth/logout" and logout["body"] == {"refresh_token": "********"}
    again = make_client()
    again.resume(tokens.latest)
    with pytest.raises(SignInRequired) as err:
        list(again.list_sessions())
    assert err.value.reason == REVOKED


def test_sign_out_with_a_stale_access_token_renews_once_then_revokes(
    signed_in, make_client, sandbox_admin: SandboxAdmin, tokens: Tokens
) -> None:
    sandbox_admin.add_fault(method="POST", path="/api/v1/auth/logout", status=401)
    assert signed_in.sign_out().revoked
    assert [c[1] for c in calls(sandbox_admin)] == ["/api/v1/auth/login", "/api/v1/auth/logout", "/api/v1/auth/refresh", "/api/v1/auth/logout"]
    assert len(tokens.saved) == 1  # the short-lived renewal is not handed over for keeping


def test_sign_out_when_unreachable_forgets_locally_and_says_why() -> None:
    port = closed_port()
    with ResolutionFlowClient(f"http://127.0.0.1:{port}") as client:
        client.resume("refresh-token-value-1234")
        result = client.sign_out()
        assert not client.signed_in
    assert not result.revoked and result.problem.startswith(f"Cannot reach ResolutionFlow at 127.0.0.1:{port}")


# ------------------------------------------------------------------------------------------ addresses, secrets


@pytest.mark.parametrize(
    ("typed", "base"),
    [
        ("https://api.resolutionflow.com", "https://api.resolutionflow.com"),
        ("api.resolutionflow.com", "https://api.resolutionflow.com"),
        ("https://API.ResolutionFlow.com:443/api/v1/", "https://api.resolutionflow.com"),
        ("https://rf.example.com:8443/prefix/api", "https://rf.example.com:8443/prefix"),
        ("http://127.0.0.1:8000/api/v1", "http://127.0.0.1:8000"),
        ("http://localhost", "http://localhost"),
        ("http://[::1]:9000", "http://[::1]:9000"),
    ],
)
def test_addresses_are_normalised(typed: str, base: str) -> None:
    assert normalise_base_url(typed) == base


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("", "Enter the ResolutionFlow address"),
        ("http://api.resolutionflow.com", "must be reached over https://"),
        ("ftp://x.example.com", "only https:// addresses"),
        ("https://user:pw@x.example.com", "user name or password"),
        ("https://x.example.com/?a=1", "without '?' or '#'"),
        ("https:// x", "contains spaces"),
    ],
)
def test_unusable_addresses_are_config_errors(typed: str, words: str) -> None:
    with pytest.raises(ResolutionFlowConfigError, match=words.replace("?", r"\?")):
        normalise_base_url(typed)


def test_a_bad_ca_file_is_a_config_error(tmp_path) -> None:
    bad = tmp_path / "ca.pem"
    bad.write_text("not a certificate")
    with pytest.raises(ResolutionFlowConfigError, match="Cannot use the CA file"):
        ResolutionFlowClient("https://rf.example.com", ca_file=str(bad))


def test_no_password_or_token_in_logs_or_errors(
    make_client, sandbox: Sandbox, sandbox_admin: SandboxAdmin, tokens: Tokens, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    info = sandbox.info.resolutionflow
    client = make_client()
    errors: list[BaseException] = []
    with pytest.raises(SignInRequired) as wrong:
        client.sign_in(info.email, "Wrong-" + info.password)
    errors.append(wrong.value)
    client.sign_in(info.email, info.password)
    sandbox_admin.config(resolutionflow={"expire_access_tokens": True})
    list(client.list_sessions(page_size=5))
    access = client._access
    sandbox_admin.config(resolutionflow={"refresh_error": "invalid_refresh_token", "expire_access_tokens": True})
    with pytest.raises(SignInRequired) as dead:
        client.me()
    errors.append(dead.value)
    secrets = [info.password, "Wrong-" + info.password, access, *tokens.saved]
    assert len(tokens.saved) == 2 and access
    text = caplog.text + "".join(str(e) + repr(e) + repr(e.__dict__) for e in errors)
    for secret in secrets:
        assert secret not in text
    assert "POST /api/v1/auth/refresh -> 200" in caplog.text  # the request lines were logged


def test_every_error_pickles_and_keeps_its_fields() -> None:
    for cls in ERROR_CLASSES:
        if cls is SignInRequired:
            err = cls("expired_idle", status=401, detail="session_expired_idle", request_id="r1")
        elif cls is InvalidRecord:
            err = cls("s1", "steps", "bad", request_id="r1")
        else:
            err = cls("message", status=500, request_id="r1")
        copy = pickle.loads(pickle.dumps(err))
        assert type(copy) is cls and str(copy) == str(err) and copy.__dict__ == err.__dict__
        assert str(err).endswith(" Request id: r1")


def test_detail_of_a_422_never_echoes_the_input(client: ResolutionFlowClient, sandbox_admin: SandboxAdmin) -> None:
    body = {"detail": [{"loc": ["body", "password"], "msg": "String should have at most 64 characters", "input": "hunter2-secret"}]}
    sandbox_admin.add_fault(method="POST", path="/api/v1/auth/login", status=422, json=body)
    with pytest.raises(ProtocolError) as err:
        client.sign_in("a@example.com", "hunter2-secret")
    assert "(ResolutionFlow said: String should have at most 64 characters (password))" in str(err.value)
    assert "hunter2" not in str(err.value) + repr(err.value)
    assert sandbox_admin.ledger()["requests"][-1]["status"] == 422  # the body did carry it
