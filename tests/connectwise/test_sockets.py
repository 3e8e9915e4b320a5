"""Socket-level faults on real loopback sockets, from the sandbox: a closed port (refused), a server gone
after discovery, one that never answers (read timeout), one that closes (FIN) or resets (RST) after
reading the request, and TLS: an untrusted certificate, the private CA file, plain HTTP answering https.
(``test_against_sandbox.py`` runs every endpoint and error over both plain HTTP and TLS.)"""

from __future__ import annotations

import socket

import httpx
import pytest

from flowdesk.connectwise.bodies import TicketRef, note_body
from flowdesk.connectwise.errors import Ambiguous, Offline, ServerError
from flowdesk.sandbox import Sandbox
from flowdesk.sandbox.admin import SandboxAdmin
from tests.conftest import WINE_TRUSTS_UNKNOWN_CA, wine_limit
from tests.plugins.sandbox import connectwise_client

SHORT = httpx.Timeout(5.0, read=0.5)
TIME_BODY = {"chargeToId": 48211, "chargeToType": "ServiceTicket", "timeStart": "2026-11-18T14:00:00Z"}


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api_calls(admin: SandboxAdmin) -> list[str]:
    return [r["method"] for r in admin.ledger()["requests"] if "/apis/3.0/" in r["path"]]


def test_closed_port_is_offline_refused(sandbox: Sandbox):
    port = closed_port()
    with connectwise_client(sandbox, site=f"http://127.0.0.1:{port}") as c, pytest.raises(Offline) as info:
        c.discover()
    assert str(info.value) == (
        f"Cannot reach 127.0.0.1:{port}: the connection was refused. Nothing was sent; check your network connection and try again."
    )
    assert info.value.tls is False


def test_server_gone_after_discovery_is_offline_for_a_post():
    with Sandbox(seed=False) as gone:
        c = connectwise_client(gone)
        c.discover()
    with c, pytest.raises(Offline, match="the connection was refused"):
        c.post_note(TicketRef(48211), note_body("x", "internal"))
    assert [r["path"] for r in gone.state.ledger()["requests"]] == [f"/login/companyinfo/{gone.info.connectwise.company}"]


def test_a_server_that_never_answers_a_post_is_ambiguous(sandbox: Sandbox, sandbox_admin: SandboxAdmin):
    sandbox_admin.add_fault(path="*/apis/3.0/*", hold="before_store", times=None)
    with connectwise_client(sandbox, timeout=SHORT) as c:
        c.discover()
        with pytest.raises(Ambiguous) as info:
            c.post_note(TicketRef(48211), note_body("x", "internal"))
        assert "no answer within 0.5 seconds" in str(info.value)
        assert [h["method"] for h in sandbox_admin.held()] == ["POST"]  # sent once, never repeated
        with pytest.raises(ServerError, match="no answer within 0.5 seconds"):
            c.who_am_i()
    assert sandbox_admin.release() == 2
    assert sandbox_admin.wait("notes", 1) == 1  # released, the server did store it: hence "ambiguous"


def test_a_server_that_closes_after_reading_the_request_is_ambiguous(sandbox: Sandbox, sandbox_admin: SandboxAdmin):
    sandbox_admin.add_fault(method="POST", path="*/time/entries", drop="before_store", drop_with="close")
    with connectwise_client(sandbox) as c, pytest.raises(Ambiguous, match="the connection was closed before an answer came"):
        c.create_time_entry(TIME_BODY)
    assert api_calls(sandbox_admin) == ["POST"]


@wine_limit("a TCP reset (SO_LINGER 0) arrives as a clean end of stream, not ConnectionResetError")
def test_a_server_that_resets_after_reading_the_request_is_ambiguous(sandbox: Sandbox, sandbox_admin: SandboxAdmin):
    sandbox_admin.add_fault(method="POST", path="*/notes", drop="before_store")
    with connectwise_client(sandbox) as c:
        with pytest.raises(Ambiguous, match="the connection was reset") as info:
            c.post_note(TicketRef(48211), note_body("x", "internal"))
        assert info.value.may_have_stored is True
    assert api_calls(sandbox_admin) == ["POST"]


# ---------------------------------------------------------------- TLS


@wine_limit(WINE_TRUSTS_UNKNOWN_CA)
def test_untrusted_certificate_is_a_tls_error_not_offline(sandbox_tls: Sandbox):
    with connectwise_client(sandbox_tls, ca_file=None) as c, pytest.raises(Offline) as info:
        c.discover()
    err = info.value
    assert err.tls is True
    assert str(err).startswith(
        f"Could not open a secure connection to {sandbox_tls.hostport}: its TLS certificate could not be verified ("
    )
    assert "Nothing was sent" in str(err) and "CA file" in str(err)
    assert "offline" not in str(err).lower() and "network connection" not in str(err)


def test_the_private_ca_file_makes_it_work(sandbox_tls: Sandbox):
    with connectwise_client(sandbox_tls, ca_file=sandbox_tls.info.ca_file) as c:
        assert c.who_am_i().identifier == "dwhitfield"
        assert c.discover().api_base.startswith(sandbox_tls.url + "/v2025_1/apis/3.0")


def test_plain_http_answer_to_https_is_a_tls_error(sandbox: Sandbox, sandbox_admin: SandboxAdmin):
    https = sandbox.url.replace("http://", "https://")
    with connectwise_client(sandbox, site=https) as c, pytest.raises(Offline) as info:
        c.discover()
    assert info.value.tls is True
    assert "the TLS handshake failed" in str(info.value)
