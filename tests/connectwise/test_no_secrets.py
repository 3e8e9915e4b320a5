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
from tests.connectwise.fake import COMPANY, PRIVATE, PUBLIC, SECURITY_403, SERVER_500, json_response

TOKEN = base64.b64encode(f"{COMPANY}+{PUBLIC}:{PRIVATE}".encode()).decode()
NOTES = r"/service/tickets/48211/notes"


def leaky(exc_type, cause: BaseException | None = None):
    """A transport failure whose own text holds the Authorization header (as a careless library might)."""

    def handler(request: httpx.Request):
        if "/apis/3.0/" not in request.url.path:
            return None
        exc = exc_type(f"failed sending {request.headers.get('Authorization')} ({PRIVATE})", request=request)
        if cause is not None:
            raise exc from cause
        raise exc

    return handler


def scenarios():
    def with_fake(method, regex, response):
        return ("fake", method, regex, response)

    cert = ssl.SSLCertVerificationError(1, "certificate verify failed")
    cert.verify_message = "self-signed certificate"
    return {
        "AuthError": with_fake("POST", NOTES, json_response(401, {"code": "Unauthorized", "message": "Unauthorized"})),
        "PermissionDenied": with_fake("POST", NOTES, json_response(403, SECURITY_403)),
        "NotFound": ("ticket", 424242),
        "CompanyNotFound": ("company", "nosuchco"),
        "ValidationFailed": with_fake("POST", NOTES, json_response(400, {"code": "InvalidObject", "message": "bad", "errors": None})),
        "RateLimited": with_fake("POST", NOTES, httpx.Response(429, headers={"Retry-After": "5"})),
        "ServerError": with_fake("POST", NOTES, json_response(500, SERVER_500)),
        "Offline": ("transport", leaky(httpx.ConnectError, ConnectionRefusedError(111, "Connection refused"))),
        "Offline-tls": ("transport", leaky(httpx.ConnectError, cert)),
        "Offline-dns": ("transport", leaky(httpx.ConnectError, socket.gaierror(-2, "Name or service not known"))),
        "Ambiguous": ("transport", leaky(httpx.ReadTimeout)),
        "Ambiguous-closed": ("transport", leaky(httpx.RemoteProtocolError)),
        "Ambiguous-reset": ("transport", leaky(httpx.ReadError, ConnectionResetError(104, "Connection reset by peer"))),
        "ServerError-get": ("transport-get", leaky(httpx.ReadTimeout)),
    }


SCENARIOS = scenarios()


def provoke(name, fake, make_client) -> ConnectWiseError:
    spec = SCENARIOS[name]
    client = make_client()
    if spec[0] == "fake":
        fake.on(spec[1], spec[2], spec[3])
    elif spec[0] == "company":
        client = make_client(company=spec[1])
    elif spec[0].startswith("transport"):
        leak = spec[1]

        def handler(request):
            return leak(request) or fake.handler(request)

        client = make_client(transport=httpx.MockTransport(handler))
    try:
        if spec[0] == "ticket":
            client.get_ticket(spec[1])
        elif spec[0] == "transport-get":
            client.recent_notes(TicketRef(48211))
        else:
            client.post_note(TicketRef(48211), note_body("hello", "internal"))
    except ConnectWiseError as exc:
        return exc
    raise AssertionError(f"{name}: no error")


def assert_clean(text: str) -> None:
    for secret in (PRIVATE, TOKEN, "Basic " + TOKEN[:10]):
        assert secret not in text
    assert "authorization" not in text.lower()


def test_every_error_class_is_covered():
    names = {n.split("-")[0] for n in SCENARIOS}
    assert names == {cls.__name__ for cls in ERROR_CLASSES}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_no_secret_in_error_or_its_traceback(name, fake, make_client, caplog):
    with caplog.at_level(logging.DEBUG):
        err = provoke(name, fake, make_client)
    assert type(err).__name__ == name.split("-")[0]
    assert err.__cause__ is None and err.__context__ is None
    formatted = "".join(traceback.format_exception(err))
    assert "During handling" not in formatted and "direct cause" not in formatted
    assert_clean(formatted)
    assert_clean(str(err))
    assert_clean(repr(err))
    assert_clean(repr(vars(err)))
    # the log never held a secret: nothing needed masking, and no header was logged
    assert_clean(caplog.text)
    assert MASK not in caplog.text
    assert any("/apis/3.0/" in r.getMessage() or "companyinfo" in r.getMessage() for r in caplog.records)


def test_requests_are_logged_as_method_path_status_and_request_id(client, fake, caplog):
    with caplog.at_level(logging.DEBUG, logger="flowdesk.connectwise"):
        client.who_am_i()
    lines = [r.getMessage() for r in caplog.records if r.name == "flowdesk.connectwise"]
    assert "GET /login/companyinfo/acme -> 200 x-cw-request-id=- api-current-version=-" in lines
    assert any(line.startswith("GET /v2025_1/apis/3.0/system/myMembers/info -> 200 x-cw-request-id=req-") for line in lines)
    assert_clean(caplog.text)
