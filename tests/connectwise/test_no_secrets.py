"""No key, and no Authorization header, in any error (str, repr, attributes, full traceback) or log line.

The transport failures here carry the Authorization header in their own message on purpose: if the
client chained them (``__cause__`` / ``__context__``), the formatted traceback would show it.
"""

from __future__ import annotations

import base64
import logging
import socket
import ssl
import traceback

import httpx
import pytest

from flowdesk.connectwise.bodies import TicketRef, note_body
from flowdesk.connectwise.errors import ERROR_CLASSES, ConnectWiseError
from flowdesk.logs import MASK
from flowdesk.sandbox import SandboxApp

NOTES = "*/service/tickets/48211/notes"
SECURITY_403 = {"code": "Security", "message": "You do not have security permission to perform this action."}
SERVER_500 = {"code": "ConnectWiseApi", "message": "A timeout has occured. Please try again.", "errors": None}


class Leaky(httpx.BaseTransport):
    """The sandbox, but an API request fails in the transport with the Authorization header (and the private
    key) in the failure's own text, as a careless library might: it imitates no API."""

    def __init__(self, inner: httpx.BaseTransport, exc_type: type[httpx.TransportError], private_key: str, cause: BaseException | None) -> None:
        self.inner, self.exc_type, self.private_key, self.cause = inner, exc_type, private_key, cause

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if "/apis/3.0/" not in request.url.path:
            return self.inner.handle_request(request)
        exc = self.exc_type(f"failed sending {request.headers.get('Authorization')} ({self.private_key})", request=request)
        if self.cause is not None:
            raise exc from self.cause
        raise exc


def scenarios():
    cert = ssl.SSLCertVerificationError(1, "certificate verify failed")
    cert.verify_message = "self-signed certificate"
    return {
        "AuthError": ("fault", {"status": 401, "json": {"code": "Unauthorized", "message": "Unauthorized"}}),
        "PermissionDenied": ("fault", {"status": 403, "json": SECURITY_403}),
        "NotFound": ("ticket", 424242),
        "CompanyNotFound": ("company", "nosuchco"),
        "ValidationFailed": ("fault", {"status": 400, "json": {"code": "InvalidObject", "message": "bad", "errors": None}}),
        "RateLimited": ("fault", {"status": 429, "retry_after": 5, "body": "empty"}),
        "ServerError": ("fault", {"status": 500, "json": SERVER_500}),
        "Offline": ("transport", (httpx.ConnectError, ConnectionRefusedError(111, "Connection refused"))),
        "Offline-tls": ("transport", (httpx.ConnectError, cert)),
        "Offline-dns": ("transport", (httpx.ConnectError, socket.gaierror(-2, "Name or service not known"))),
        "Ambiguous": ("transport", (httpx.ReadTimeout, None)),
        "Ambiguous-closed": ("transport", (httpx.RemoteProtocolError, None)),
        "Ambiguous-reset": ("transport", (httpx.ReadError, ConnectionResetError(104, "Connection reset by peer"))),
        "ServerError-get": ("transport-get", (httpx.ReadTimeout, None)),
    }


SCENARIOS = scenarios()


def provoke(name: str, app: SandboxApp, make_client) -> ConnectWiseError:
    kind, spec = SCENARIOS[name]
    client = make_client()
    if kind == "fault":
        with app.admin() as admin:
            admin.add_fault(method="POST", path=NOTES, **spec)
    elif kind == "company":
        client = make_client(company=spec)
    elif kind.startswith("transport"):
        exc_type, cause = spec
        client = make_client(transport=Leaky(app.transport(), exc_type, app.info.connectwise.private_key, cause))
    try:
        if kind == "ticket":
            client.get_ticket(spec)
        elif kind == "transport-get":
            client.recent_notes(TicketRef(48211))
        else:
            client.post_note(TicketRef(48211), note_body("hello", "internal"))
    except ConnectWiseError as exc:
        return exc
    raise AssertionError(f"{name}: no error")


def assert_clean(text: str, app: SandboxApp) -> None:
    cw = app.info.connectwise
    token = base64.b64encode(f"{cw.company}+{cw.public_key}:{cw.private_key}".encode()).decode()
    for secret in (cw.private_key, token, "Basic " + token[:10]):
        assert secret not in text
    assert "authorization" not in text.lower()


def test_every_error_class_is_covered():
    names = {n.split("-")[0] for n in SCENARIOS}
    assert names == {cls.__name__ for cls in ERROR_CLASSES}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_no_secret_in_error_or_its_traceback(name, sandbox_app, make_client, caplog):
    with caplog.at_level(logging.DEBUG):
        err = provoke(name, sandbox_app, make_client)
    assert type(err).__name__ == name.split("-")[0]
    assert err.__cause__ is None and err.__context__ is None
    formatted = "".join(traceback.format_exception(err))
    assert "During handling" not in formatted and "direct cause" not in formatted
    assert_clean(formatted, sandbox_app)
    assert_clean(str(err), sandbox_app)
    assert_clean(repr(err), sandbox_app)
    assert_clean(repr(vars(err)), sandbox_app)
    # the log never held a secret: nothing needed masking, and no header was logged
    assert_clean(caplog.text, sandbox_app)
    assert MASK not in caplog.text
    assert any("/apis/3.0/" in r.getMessage() or "companyinfo" in r.getMessage() for r in caplog.records)


def test_requests_are_logged_as_method_path_status_and_request_id(client, admin, sandbox_app, caplog):
    with caplog.at_level(logging.DEBUG, logger="flowdesk.connectwise"):
        client.who_am_i()
    lines = [r.getMessage() for r in caplog.records if r.name == "flowdesk.connectwise"]
    discovery, member = admin.ledger()["requests"]
    company = sandbox_app.info.connectwise.company
    assert f"GET /login/companyinfo/{company} -> 200 x-cw-request-id={discovery['request_id']} api-current-version=2025.16" in lines
    assert f"GET /v2025_1/apis/3.0/system/myMembers/info -> 200 x-cw-request-id={member['request_id']} api-current-version=2025.16" in lines
    assert_clean(caplog.text, sandbox_app)
