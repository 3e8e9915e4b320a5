"""Redirects are never followed (so an Authorization header never reaches another host), and TLS is the
OS trust store (truststore) with the CA file added on top.
"""

from __future__ import annotations

import ssl
import tempfile

import pytest
import truststore

from flowdesk.connectwise.bodies import TicketRef, note_body
from flowdesk.connectwise.client import ConnectWiseClient
from flowdesk.connectwise.errors import Offline, ServerError
from flowdesk.http.tls import tls_context
from flowdesk.resolutionflow import errors as rf_errors
from flowdesk.sandbox import Sandbox
from flowdesk.sandbox.admin import SandboxAdmin
from tests.conftest import WINE_TRUSTS_UNKNOWN_CA, wine_limit

CW_NOTES = "*/service/tickets/48211/notes"


def test_a_redirect_to_another_host_receives_nothing_from_either_client(clients, sandbox, sandbox_admin: SandboxAdmin, other: SandboxAdmin):
    make_cw, make_rf = clients
    elsewhere = other.info()["connectwise"]["site"]
    cw, rf = make_cw(), make_rf()
    cw.discover()
    sandbox_admin.add_fault(method="POST", path=CW_NOTES, redirect=f"{elsewhere}/v2025_1/apis/3.0/service/tickets/48211/notes", status=307)
    with pytest.raises(ServerError) as info:
        cw.post_note(TicketRef(48211), note_body("Restarted the spooler.", "internal"))
    assert info.value.may_have_stored is False
    assert info.value.message == (
        "ConnectWise redirected the request to add a note to ticket #48211 (HTTP 307 to 127.0.0.1) instead of "
        "answering — the site address may be wrong"
    )
    sandbox_admin.add_fault(method="GET", path="/api/v1/ai-sessions", redirect=f"{elsewhere}/api/v1/ai-sessions")
    with pytest.raises(rf_errors.ProtocolError, match=r"redirected the request to list your sessions \(HTTP 302 to 127.0.0.1\)"):
        list(rf.list_sessions())
    assert other.ledger()["requests"] == []  # the other origin never heard from FlowDesk
    redirected = [r for r in sandbox_admin.ledger()["requests"] if r["fault"] is not None]
    assert len(redirected) == 2 and all(r["auth_sent"] for r in redirected)  # the header went only where it belonged


def test_a_redirect_on_the_same_host_is_not_followed_either(clients, sandbox_admin: SandboxAdmin):
    make_cw, _ = clients
    cw = make_cw()
    cw.discover()
    sandbox_admin.add_fault(method="GET", path="*/system/myMembers/info", redirect="/v2025_1/apis/3.0/system/info")
    with pytest.raises(ServerError, match="redirected"):
        cw.who_am_i()
    paths = [r["path"] for r in sandbox_admin.ledger()["requests"]]
    assert not any(p.endswith("/system/info") for p in paths)  # the redirect was not followed
    # a redirect on the API base makes the client ask companyinfo once more (the codebase may have moved); the
    # same codebase came back, so nothing was sent again
    assert [p for p in paths if "/apis/3.0/" in p][-1].endswith("/system/myMembers/info")
    assert paths[-1].startswith("/login/companyinfo/")


def test_the_tls_context_is_truststore_with_the_ca_file_added(sandbox_tls: Sandbox):
    ctx = tls_context(sandbox_tls.info.ca_file, ValueError)
    assert isinstance(ctx, truststore.SSLContext)
    assert ctx.check_hostname and ctx.verify_mode == ssl.CERT_REQUIRED  # never turned off
    cw = sandbox_tls.info.connectwise
    with ConnectWiseClient(cw.site, cw.company, cw.public_key, cw.private_key, ca_file=sandbox_tls.info.ca_file) as client:
        assert isinstance(client._http.ssl_context, truststore.SSLContext)
        assert client.who_am_i().identifier == "dwhitfield"


@wine_limit(WINE_TRUSTS_UNKNOWN_CA)
def test_without_the_ca_file_it_is_a_plain_tls_message(sandbox_tls: Sandbox):
    cw = sandbox_tls.info.connectwise
    with ConnectWiseClient(cw.site, cw.company, cw.public_key, cw.private_key) as client, pytest.raises(Offline) as info:
        client.who_am_i()
    err = info.value
    host = sandbox_tls.url.split("://", 1)[1]
    assert err.tls is True and err.__context__ is None
    assert str(err).startswith(f"Could not open a secure connection to {host}: its TLS certificate could not be verified (")
    assert str(err).endswith(
        "). Nothing was sent. If your ConnectWise server uses a private certificate authority, set its CA file in the "
        "ConnectWise settings (or --ca-file)."
    )


def test_the_ca_file_is_added_to_the_os_store_not_instead_of_it(sandbox_tls: Sandbox, monkeypatch):
    """The OS store on Linux is OpenSSL's default bundle (SSL_CERT_FILE): with the sandbox's CA there (as a
    corporate root would be) and an unrelated CA file given, the connection is still trusted."""
    with tempfile.TemporaryDirectory() as folder, Sandbox(tls=True, cert_dir=folder) as unrelated:
        monkeypatch.setenv("SSL_CERT_FILE", sandbox_tls.info.ca_file or "")
        monkeypatch.delenv("SSL_CERT_DIR", raising=False)
        cw = sandbox_tls.info.connectwise
        with ConnectWiseClient(cw.site, cw.company, cw.public_key, cw.private_key, ca_file=unrelated.info.ca_file) as c:
            assert c.who_am_i().identifier == "dwhitfield"
