"""HTTPS with a throwaway CA: trusted with the CA file, refused by plain verification."""

from __future__ import annotations

import ipaddress
import stat
import sys
from pathlib import Path

import httpx
import pytest
from cryptography import x509

from flowdesk.sandbox import Sandbox
from flowdesk.sandbox.admin import SandboxAdmin
from tests.conftest import REPO

from .conftest import cw_headers, rf_login


def test_https_with_the_generated_ca(sandbox_tls: Sandbox, sandbox_tls_admin: SandboxAdmin) -> None:
    info = sandbox_tls.info
    # by name: Windows' certificate check (truststore) matches DNS names only, not IP addresses
    assert info.connectwise.site.startswith("https://localhost:")
    assert info.ca_file and Path(info.ca_file).is_file()
    with httpx.Client(verify=info.ssl_context()) as c:
        company = c.get(f"{info.connectwise.site}/login/companyinfo/{info.connectwise.company}").json()
        assert company["SiteUrl"] == info.connectwise.site.removeprefix("https://")
        api = f"{info.connectwise.site}/{company['Codebase']}apis/3.0"
        resp = c.post(f"{api}/service/tickets/48211/notes", json={"text": "over TLS", "internalAnalysisFlag": True}, headers=cw_headers(info))
        assert resp.status_code == 201
        assert c.get(f"{info.connectwise.site.replace('localhost', '127.0.0.1')}/login/companyinfo/x").status_code == 200
        with httpx.Client(base_url=f"{info.resolutionflow.url}/api/v1", verify=info.ssl_context()) as rf:
            assert rf_login(rf, info)["token_type"] == "bearer"
    assert sandbox_tls_admin.wait("notes", 1) == 1
    assert sandbox_tls_admin.ledger()["requests"][-1]["path"] == "/api/v1/auth/login"


def test_plain_verification_fails(sandbox_tls: Sandbox) -> None:
    with httpx.Client() as c, pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        c.get(f"{sandbox_tls.url}/login/companyinfo/x")


def test_plain_http_to_the_tls_port_fails(sandbox_tls: Sandbox) -> None:
    with httpx.Client(verify=False) as c, pytest.raises(httpx.TransportError):
        c.get(sandbox_tls.url.replace("https://", "http://") + "/login/companyinfo/x")
    # and the server still serves TLS clients afterwards
    with httpx.Client(verify=sandbox_tls.info.ssl_context()) as c:
        assert c.get(f"{sandbox_tls.url}/login/companyinfo/x").status_code == 200


def test_certificate_files(sandbox_tls: Sandbox) -> None:
    ca_file = Path(sandbox_tls.info.ca_file or "")
    folder = ca_file.parent
    assert sorted(p.name for p in folder.iterdir()) == ["ca.pem", "server-key.pem", "server.pem"]
    if sys.platform != "win32":  # POSIX modes; on Windows the profile's ACL guards the temp folder
        assert stat.S_IMODE((folder / "server-key.pem").stat().st_mode) == 0o600
    for name in ("ca.pem", "server.pem"):
        assert b"PRIVATE KEY" not in (folder / name).read_bytes()  # the CA's key never touches the disk
    cert = x509.load_pem_x509_certificate((folder / "server.pem").read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert {str(ip) for ip in san.get_values_for_type(x509.IPAddress)} >= {"127.0.0.1", "::1"}
    assert "localhost" in san.get_values_for_type(x509.DNSName)
    assert REPO not in folder.resolve().parents


def test_default_cert_dir_is_temporary() -> None:
    with Sandbox(tls=True, seed=False) as sb:
        folder = Path(sb.info.ca_file or "").parent
        assert folder.is_dir()
        assert REPO not in folder.resolve().parents
    assert not folder.exists()


def test_cert_dir_inside_the_repository_is_refused() -> None:
    sb = Sandbox(tls=True, seed=False, cert_dir=REPO / "build" / "certs")
    with pytest.raises(ValueError, match="inside the repository"):
        sb.start()
    assert not (REPO / "build" / "certs").exists()


def test_ipv6_loopback_tls() -> None:
    try:
        sb = Sandbox(host="::1", tls=True, seed=False).start()
    except OSError:
        pytest.skip("no IPv6 loopback here")
    try:
        assert sb.url.startswith("https://[::1]:")
        assert ipaddress.ip_address("::1").is_loopback
        with httpx.Client(verify=sb.info.ssl_context()) as c:
            assert c.get(f"{sb.url}/__sandbox__/config").status_code == 200  # ::1 is a loopback peer
            assert c.get(f"{sb.url}/login/companyinfo/{sb.info.connectwise.company}").json()["SiteUrl"] == sb.hostport
    finally:
        sb.stop()
