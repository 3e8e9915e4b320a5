"""Every error class, from the answers and transport failures of reference §8, with its exact words.

Answers come from the in-process sandbox (its own, or shaped by faults); only the failures that happen
before any server is reached (DNS, refused, unreachable, a certificate) come from a transport that raises.
"""

from __future__ import annotations

import copy
import pickle
import socket
import ssl
from datetime import UTC, datetime

import httpx
import pytest

from flowdesk.connectwise.bodies import TicketRef, note_body
from flowdesk.connectwise.errors import (
    ERROR_CLASSES,
    Ambiguous,
    AuthError,
    ConnectWiseError,
    NotFound,
    Offline,
    PermissionDenied,
    RateLimited,
    ServerError,
    ValidationFailed,
    parse_retry_after,
)

from .conftest import api_requests, last_request_id, requests

NOTES = "*/service/tickets/48211/notes"
TIME = "*/time/entries"
SECURITY_403 = {"code": "Security", "message": "You do not have security permission to perform this action."}  # §5, §8
NOTE_NEEDS_FLAG = {  # §3: a POST with only text, as the reference quotes it
    "code": "InvalidObject",
    "message": "serviceNote object is invalid",
    "errors": [
        {
            "code": "InvalidObject",
            "message": "Please choose where to display the notes in order to save this record.",
            "resource": "serviceNote",
            "field": "detailDescriptionFlag",
        }
    ],
}
SERVER_500 = {"code": "ConnectWiseApi", "message": "A timeout has occured. Please try again.", "errors": None}  # §8
TIME_BODY = {"chargeToId": 48211, "chargeToType": "ServiceTicket", "timeStart": "2026-11-18T14:00:00Z", "actualHours": 1.0}


def post(client):
    return client.post_note(TicketRef(48211), note_body("Restarted the spooler.", "internal"))


def raising(exc: Exception) -> httpx.MockTransport:
    """A transport that fails before any server is reached (it imitates no API)."""

    def handler(request):
        raise exc

    return httpx.MockTransport(handler)


# ---------------------------------------------------------------- 401


def test_401_is_auth_error_with_regenerate_advice(client, admin, sandbox_app):
    admin.add_fault(method="POST", path=NOTES, status=401, json={"code": "Unauthorized", "message": "Unauthorized"})
    with pytest.raises(AuthError) as info:
        post(client)
    err = info.value
    rid = last_request_id(admin)
    assert (err.kind, err.status, err.request_id, err.server_code) == ("auth", 401, rid, "Unauthorized")
    assert str(err) == (
        f"ConnectWise rejected your API keys (HTTP 401) for company '{sandbox_app.info.connectwise.company}'. Check the "
        "company ID; if the keys were deleted or changed, create new ones under My Account → API Keys and enter them "
        f"in Settings > ConnectWise account (or with `flowdesk connect`). Request id: {rid}"
    )


def test_wrong_keys_against_the_sandbox_are_401(make_client):
    with pytest.raises(AuthError):
        make_client(private_key="wrongwrongwrong1").who_am_i()


@pytest.mark.parametrize("status", [200, 500])
def test_user_not_authenticated_is_auth_error_whatever_the_status(client, admin, status):
    # §8: "UserNotAuthenticated comes as code:"ConnectWiseApi", message:"UserNotAuthenticated""
    admin.add_fault(path="*/system/myMembers/info", status=status, json={"code": "ConnectWiseApi", "message": "UserNotAuthenticated"})
    with pytest.raises(AuthError) as info:
        client.who_am_i()
    assert info.value.server_message == "UserNotAuthenticated"


# ---------------------------------------------------------------- 403


def test_403_on_a_note_names_the_service_ticket_right(client, admin):
    admin.add_fault(method="POST", path=NOTES, status=403, json=SECURITY_403)
    with pytest.raises(PermissionDenied) as info:
        post(client)
    err = info.value
    assert err.kind == "permission" and err.missing_right == "Service Desk › Service Tickets: Add"
    assert str(err) == (
        "Your ConnectWise security role does not allow you to add a note to ticket #48211: ask your ConnectWise "
        "administrator for “Service Desk › Service Tickets: Add”. ConnectWise said: You do not have security "
        f"permission to perform this action. Request id: {last_request_id(admin)}"
    )


def test_403_on_a_time_entry_names_the_time_entry_right(client, admin):
    admin.add_fault(method="POST", path=TIME, status=403, json=SECURITY_403)
    with pytest.raises(PermissionDenied) as info:
        client.create_time_entry(TIME_BODY)
    assert info.value.missing_right == "Time & Expense › Time Entry: Add"
    assert "add a time entry on ticket #48211: ask your ConnectWise administrator for “Time & Expense › Time Entry: Add”" in str(info.value)


def test_403_on_a_project_note_and_on_reads(client, admin):
    admin.add_fault(method="POST", path="*/project/tickets/31207/notes", status=403, json=SECURITY_403)
    with pytest.raises(PermissionDenied, match="“Project › Project Tickets: Add”"):
        client.post_note(TicketRef(31207, "project"), note_body("x", "internal"))
    admin.add_fault(method="GET", path="*/service/tickets/48211", status=403, json=SECURITY_403)
    with pytest.raises(PermissionDenied, match="read ticket #48211: ask your ConnectWise administrator for “Service Desk › Service Tickets: Inquire”"):
        client.get_ticket(48211)
    admin.add_fault(method="GET", path="*/system/mySecurity", status=403, json={"code": "Security"})
    with pytest.raises(PermissionDenied, match="read your security settings: ask your ConnectWise administrator to check your security role.") as info:
        client.my_permissions()
    assert str(info.value).endswith(f"check your security role. Request id: {last_request_id(admin)}")


# ---------------------------------------------------------------- 404


def test_404_is_not_found(client, admin):
    client.discover()  # (a 404 on a list makes the client look the company up again; here it was fresh)
    with pytest.raises(NotFound) as info:
        client.recent_notes(TicketRef(1))
    err = info.value
    assert (err.kind, err.status, err.server_code) == ("not_found", 404, "NotFound")
    rid = [r for r in api_requests(admin) if r["path"].endswith("/service/tickets/1/notes")][-1]["request_id"]
    assert str(err) == (
        f"ConnectWise has no service ticket #1, or your account cannot see it (ConnectWise said: Ticket 1 not found). Request id: {rid}"
    )


# ---------------------------------------------------------------- 400 and other 4xx


def test_400_quotes_connectwise_verbatim_with_its_code(client, admin):
    admin.add_fault(method="POST", path=NOTES, status=400, json=NOTE_NEEDS_FLAG)
    with pytest.raises(ValidationFailed) as info:
        post(client)
    err = info.value
    assert err.kind == "validation" and err.server_code == "InvalidObject"
    assert err.server_message == "Please choose where to display the notes in order to save this record."
    assert str(err) == (
        "ConnectWise did not accept the note: Please choose where to display the notes in order to save this record. (InvalidObject) "
        f"Nothing was saved: fix what ConnectWise names, then send it again. Request id: {last_request_id(admin)}"
    )


def test_the_real_400_from_a_note_without_a_flag(client):
    with pytest.raises(ValidationFailed, match="Please choose where to display the notes"):
        client.post_note(TicketRef(48211), {"text": "only text"})


def test_400_with_several_errors_and_with_null_errors(client, admin):
    envelope = {  # §5: bad reference inside a body
        "code": "InvalidObject",
        "message": "schedule object is invalid",
        "errors": [
            {"code": "NotFound", "message": "Activity 123456 not found", "resource": "schedule", "field": "objectId"},
            {"code": "UnsupportedFormat", "message": "Unsupported format applied to startDate"},
        ],
    }
    admin.add_fault(method="POST", path=TIME, status=400, json=envelope)
    with pytest.raises(ValidationFailed) as info:
        client.create_time_entry(TIME_BODY)
    assert info.value.server_message == "Activity 123456 not found; Unsupported format applied to startDate"
    assert str(info.value).startswith("ConnectWise did not accept the time entry: Activity 123456 not found;")
    admin.add_fault(method="POST", path=TIME, status=400, json={"code": "ConnectWiseApi", "message": "String was not recognized as a valid Boolean.", "errors": None})
    with pytest.raises(ValidationFailed, match="String was not recognized as a valid Boolean. \\(ConnectWiseApi\\)"):
        client.create_time_entry(TIME_BODY)


def test_400_whose_words_end_without_a_full_stop_gets_one(client, admin):
    admin.add_fault(method="POST", path=NOTES, status=400, json={"message": "Text is required"})
    with pytest.raises(ValidationFailed) as info:
        post(client)
    assert str(info.value).startswith(
        "ConnectWise did not accept the note: Text is required. Nothing was saved: fix what ConnectWise names"
    ), str(info.value)


@pytest.mark.parametrize("status", [405, 409, 413, 422])
def test_other_4xx_are_permanent_validation_failures(client, admin, status):
    admin.add_fault(method="POST", path=NOTES, status=status, body="empty")
    with pytest.raises(ValidationFailed) as info:
        post(client)
    assert str(info.value) == (
        f"ConnectWise did not accept the request to add a note to ticket #48211 (HTTP {status}). "
        f"Nothing was saved: check the ticket and your entry in ConnectWise, then send it again. Request id: {last_request_id(admin)}"
    )


# ---------------------------------------------------------------- 429


def test_429_with_retry_after_seconds(client, admin):
    admin.add_fault(method="POST", path=NOTES, status=429, retry_after=120, json={"error": "ConnectWiseAPI"})
    with pytest.raises(RateLimited) as info:
        post(client)
    err = info.value
    assert err.kind == "rate_limited" and err.retry_after == 120.0
    assert str(err) == (
        f"ConnectWise is receiving too many requests (HTTP 429): wait 2 minutes before trying again. Request id: {last_request_id(admin)}"
    )


def test_429_with_an_http_date_and_without_retry_after(client, admin):
    admin.add_fault(path="*/system/myMembers/info", status=429, retry_after="Wed, 21 Oct 2015 07:28:00 GMT", body="empty")
    with pytest.raises(RateLimited) as info:
        client.who_am_i()
    assert info.value.retry_after == 0.0  # a date in the past: no wait
    # a Cloudflare page in front of a cloud tenant: HTML, no Retry-After, no ConnectWise request id
    admin.add_fault(path="*/system/myMembers/info", status=429, body="html", headers={"x-cw-request-id": None})
    with pytest.raises(RateLimited) as info:
        client.who_am_i()
    assert info.value.retry_after is None
    assert str(info.value).endswith("wait a minute before trying again.")


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("30", 30.0),
        (" 1.5 ", 1.5),
        ("-5", 0.0),
        ("Wed, 18 Nov 2026 14:02:41 GMT", 30.0),
        ("Wed, 18 Nov 2026 14:00:00 GMT", 0.0),
        ("soon", None),
        ("", None),
        (None, None),
        ("nan", None),
    ],
)
def test_parse_retry_after(value, seconds):
    now = datetime(2026, 11, 18, 14, 2, 11, tzinfo=UTC)
    assert parse_retry_after(value, now=now) == seconds


# ---------------------------------------------------------------- 5xx


def test_500_on_a_post_may_have_stored(client, admin):
    admin.add_fault(method="POST", path=NOTES, status=500, json=SERVER_500)
    with pytest.raises(ServerError) as info:
        post(client)
    err = info.value
    assert err.kind == "server" and err.may_have_stored is True and err.status == 500
    assert str(err) == (
        "ConnectWise had a problem answering the request to add a note to ticket #48211 (HTTP 500). ConnectWise said: "
        "A timeout has occured. Please try again. The note may have been saved anyway. Check ticket #48211 before sending it "
        f"again. Request id: {last_request_id(admin)}"
    )


def test_503_on_a_get_did_not_store(client, admin):
    admin.add_fault(path="*/system/myMembers/info", status=503, retry_after=60, body="empty", headers={"x-cw-request-id": None})
    with pytest.raises(ServerError) as info:
        client.who_am_i()
    assert info.value.may_have_stored is False and info.value.retry_after == 60.0
    assert str(info.value) == (
        "ConnectWise had a problem answering the request to read your ConnectWise member record (HTTP 503). Try again in a few minutes."
    )


def test_503_with_words_reads_as_sentences(client, admin):
    admin.add_fault(path="*/system/myMembers/info", status=503, json={"code": "Unavailable", "message": "The service is unavailable (503)"},
                    headers={"x-cw-request-id": None})
    with pytest.raises(ServerError) as info:
        client.who_am_i()
    assert str(info.value) == (
        "ConnectWise had a problem answering the request to read your ConnectWise member record (HTTP 503). "
        "ConnectWise said: The service is unavailable (503). Try again in a few minutes."
    )


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_html_502_is_readable(client, admin, method):
    admin.add_fault(method=method, path=NOTES, status=502, body="html")
    with pytest.raises(ServerError) as info:
        post(client) if method == "POST" else client.recent_notes(TicketRef(48211))
    assert str(info.value).startswith(
        "ConnectWise answered with an HTML page (HTTP 502) instead of JSON — the site may be down or the address wrong."
    )
    assert info.value.may_have_stored is (method == "POST")


def test_redirect_is_not_followed(client, admin):
    admin.add_fault(method="POST", path=NOTES, status=302, redirect="https://na.myconnectwise.net/login", headers={"x-cw-request-id": None})
    with pytest.raises(ServerError) as info:
        post(client)
    assert info.value.may_have_stored is False
    assert str(info.value) == (
        "ConnectWise redirected the request to add a note to ticket #48211 (HTTP 302 to na.myconnectwise.net) "
        "instead of answering — the site address may be wrong"
    )
    assert [r["method"] for r in api_requests(admin)] == ["POST"]  # a redirected POST never becomes a GET
    assert admin.ledger()["notes"] == []


# ---------------------------------------------------------------- unusable 2xx


@pytest.mark.parametrize(
    "fault",
    [
        {"body": "html"},
        {"body": "binary"},
        {"body": "empty"},
        {"json": {"text": "no id"}},
        {"json": [1, 2]},
    ],
    ids=["html", "binary", "empty", "no-id", "a-list"],
)
def test_unusable_2xx_to_a_post_is_ambiguous(client, admin, fault):
    admin.add_fault(method="POST", path=NOTES, status=201, store=True, **fault)
    with pytest.raises(Ambiguous) as info:
        post(client)
    err = info.value
    assert err.kind == "ambiguous" and err.may_have_stored is True
    assert "may or may not have been saved. Check ticket #48211 before sending it again." in str(err)
    assert len(admin.ledger()["notes"]) == 1  # it was saved: only the answer was unusable


def test_unusable_2xx_to_a_time_entry_is_ambiguous(client, admin):
    admin.add_fault(method="POST", path=TIME, status=200, body="html")
    with pytest.raises(Ambiguous, match="ConnectWise answered the time entry with an HTML page \\(HTTP 200\\)"):
        client.create_time_entry(TIME_BODY)


def test_garbage_2xx_to_a_get_is_a_server_error(client, admin):
    admin.add_fault(path="*/system/myMembers/info", body="malformed_json")
    with pytest.raises(ServerError, match="unreadable data \\(HTTP 200\\) instead of JSON"):
        client.who_am_i()


# ---------------------------------------------------------------- transport failures


def connect_error(cause: BaseException) -> httpx.ConnectError:
    try:
        raise httpx.ConnectError(str(cause)) from cause
    except httpx.ConnectError as exc:
        return exc


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (connect_error(socket.gaierror(-2, "Name or service not known")), "its name could not be resolved (DNS)"),
        (connect_error(ConnectionRefusedError(111, "Connection refused")), "the connection was refused"),
        (httpx.ConnectTimeout("timed out"), "the connection timed out"),
        (connect_error(OSError(101, "Network is unreachable")), "the network is unreachable"),
    ],
)
def test_nothing_sent_is_offline(make_client, exc, reason):
    c = make_client(site="na.myconnectwise.net", transport=raising(exc))
    with pytest.raises(Offline) as info:
        post(c)
    err = info.value
    assert err.kind == "offline" and err.tls is False and err.may_have_stored is False
    check = "the site address and your network connection" if "DNS" in reason else "your network connection"
    assert str(err) == f"Cannot reach na.myconnectwise.net: {reason}. Nothing was sent; check {check} and try again."
    assert err.__cause__ is None and err.__context__ is None


def test_tls_verification_failure_says_so(make_client):
    cert = ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate")
    cert.verify_message = "self-signed certificate"
    c = make_client(site="na.myconnectwise.net", transport=raising(connect_error(cert)))
    with pytest.raises(Offline) as info:
        c.discover()
    assert info.value.tls is True
    assert "offline" not in str(info.value).lower()
    assert str(info.value).startswith(
        "Could not open a secure connection to na.myconnectwise.net: its TLS certificate could not be verified (self-signed certificate)."
    )


def test_api_post_after_discovery(make_client, admin):
    """Discovery works, then the network fails at the POST: timeouts and closed connections (in process the
    sandbox raises what the socket would have: no 30-second wait)."""
    c = make_client(timeout=httpx.Timeout(10.0, read=30.0))
    c.discover()
    admin.add_fault(method="POST", path=NOTES, delay_after_store_ms=31_000)
    with pytest.raises(Ambiguous) as info:
        post(c)
    assert str(info.value) == (
        "ConnectWise did not answer after the note was sent (no answer within 30 seconds), so it may or may not "
        "have been saved. Check ticket #48211 before sending it again."
    )
    assert len(admin.ledger()["notes"]) == 1  # it was: the server stored it, then kept quiet
    admin.add_fault(method="POST", path=TIME, drop="before_store", drop_with="close")
    with pytest.raises(Ambiguous, match="the connection was closed before an answer came"):
        c.create_time_entry(TIME_BODY)
    admin.add_fault(method="GET", path=NOTES, delay_ms=31_000)
    with pytest.raises(ServerError) as info:  # a read that timed out stored nothing
        c.recent_notes(TicketRef(48211))
    assert info.value.may_have_stored is False
    assert str(info.value) == (
        "ConnectWise did not answer the request to read the notes of ticket #48211 (no answer within 30 seconds). Try again in a few minutes."
    )
    assert [r["outcome"] for r in requests(admin)[-3:]] == ["answered", "dropped", "answered"]


# ---------------------------------------------------------------- the classes themselves


def test_hierarchy_and_kinds():
    kinds = {cls.__name__: cls.kind for cls in ERROR_CLASSES}
    assert kinds == {
        "AuthError": "auth",
        "PermissionDenied": "permission",
        "NotFound": "not_found",
        "CompanyNotFound": "no_company",  # the settings, not the request: pauses the queue
        "ValidationFailed": "validation",
        "RateLimited": "rate_limited",
        "ServerError": "server",
        "Offline": "offline",
        "Ambiguous": "ambiguous",
    }
    assert all(issubclass(cls, ConnectWiseError) for cls in ERROR_CLASSES)


@pytest.mark.parametrize("cls", ERROR_CLASSES)
def test_errors_survive_pickle_and_copy(cls):
    err = cls("what happened", status=500, request_id="r1", retry_after=3.0, server_code="X", server_message="m")
    for clone in (pickle.loads(pickle.dumps(err)), copy.copy(err)):
        assert type(clone) is cls and str(clone) == "what happened. Request id: r1"
        assert (clone.status, clone.retry_after, clone.server_code, clone.kind) == (500, 3.0, "X", cls.kind)
    assert repr(err).startswith(f"{cls.__name__}('what happened'")
