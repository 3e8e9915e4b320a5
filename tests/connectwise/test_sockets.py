"""Socket-level faults on real loopback sockets: what MockTransport cannot fake.

A stdlib server answers companyinfo (so discovery works), then misbehaves on the API call: it never
answers (read timeout), closes after reading the request, or resets the connection. Plus a closed port
(refused) and a TLS server whose certificate is not trusted.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from flowdesk.connectwise.bodies import TicketRef, note_body
from flowdesk.connectwise.client import ConnectWiseClient
from flowdesk.connectwise.errors import Ambiguous, Offline, ServerError
from tests.conftest import wine_limit
from tests.connectwise.fake import COMPANY, PRIVATE, PUBLIC, FakeConnectWise, serve

SHORT = httpx.Timeout(5.0, read=0.5)


class FaultyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeConnectWise, mode: str, tls: ssl.SSLContext | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _FaultHandler)
        self.fake = fake
        self.mode = mode
        self.release = threading.Event()
        self.api_calls = 0
        scheme = "https" if tls else "http"
        self.base = f"{scheme}://127.0.0.1:{self.server_address[1]}"
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True)


class _FaultHandler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True
    server: FaultyServer

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if "/apis/3.0/" in self.path and self.server.mode != "ok":
            self.server.api_calls += 1
            self.close_connection = True
            if self.server.mode == "hang":
                self.server.release.wait()
            elif self.server.mode == "reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()  # RST instead of FIN
            return  # "close": no answer at all, then the server closes the connection
        request = httpx.Request(self.command, self.server.base + self.path, headers=list(self.headers.items()), content=body)
        response = self.server.fake.handler(request)
        self.send_response(response.status_code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(response.content)))
        self.end_headers()
        self.wfile.write(response.content)

    do_GET = do_POST = _serve

    def log_message(self, format, *args):
        pass


@contextmanager
def faulty(mode: str, tls: ssl.SSLContext | None = None) -> Iterator[FaultyServer]:
    server = FaultyServer(FakeConnectWise(), mode, tls)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()
        thread.join()


def make(site: str, **kw) -> ConnectWiseClient:
    return ConnectWiseClient(site, COMPANY, PUBLIC, PRIVATE, **kw)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_closed_port_is_offline_refused():
    port = closed_port()
    with make(f"http://127.0.0.1:{port}") as c, pytest.raises(Offline) as info:
        c.discover()
    assert str(info.value) == (
        f"Cannot reach 127.0.0.1:{port}: the connection was refused. Nothing was sent; check your network connection and try again."
    )
    assert info.value.tls is False


def test_server_gone_after_discovery_is_offline_for_a_post():
    fake = FakeConnectWise()
    with serve(fake) as base:
        c = make(base)
        c.discover()
    with c, pytest.raises(Offline, match="the connection was refused"):
        c.post_note(TicketRef(48211), note_body("x", "internal"))
    assert fake.api_requests() == []


def test_a_server_that_never_answers_a_post_is_ambiguous():
    with faulty("hang") as server, make(server.base, timeout=SHORT) as c:
        with pytest.raises(Ambiguous) as info:
            c.post_note(TicketRef(48211), note_body("x", "internal"))
        assert "no answer within 0.5 seconds" in str(info.value)
        assert server.api_calls == 1  # sent once, never repeated
        with pytest.raises(ServerError, match="no answer within 0.5 seconds"):
            c.who_am_i()


def test_a_server_that_closes_after_reading_the_request_is_ambiguous():
    with faulty("close") as server, make(server.base) as c:
        with pytest.raises(Ambiguous, match="the connection was closed before an answer came"):
            c.create_time_entry({"chargeToId": 48211, "chargeToType": "ServiceTicket", "timeStart": "2026-11-18T14:00:00Z"})
        assert server.api_calls == 1


@wine_limit("a TCP reset (SO_LINGER 0) arrives as a clean end of stream, not ConnectionResetError")
def test_a_server_that_resets_after_reading_the_request_is_ambiguous():
    with faulty("reset") as server, make(server.base) as c:
        with pytest.raises(Ambiguous, match="the connection was reset") as info:
            c.post_note(TicketRef(48211), note_body("x", "internal"))
        assert info.value.may_have_stored is True
        assert server.api_calls == 1


# ---------------------------------------------------------------- TLS


@pytest.fixture(scope="module")
def certs(tmp_path_factory) -> dict[str, Path]:
    """A private CA and a certificate for 127.0.0.1 signed by it."""
    folder = tmp_path_factory.mktemp("tls")
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "FlowDesk test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = {"ca": folder / "ca.pem", "cert": folder / "cert.pem", "key": folder / "key.pem"}
    paths["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


@pytest.fixture
def tls_server(certs):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(certs["cert"], certs["key"])
    with faulty("ok", tls=ctx) as server:
        yield server


def test_untrusted_certificate_is_a_tls_error_not_offline(tls_server):
    with make(tls_server.base) as c, pytest.raises(Offline) as info:
        c.discover()
    err = info.value
    assert err.tls is True
    port = tls_server.server_address[1]
    assert str(err).startswith(
        f"Could not open a secure connection to 127.0.0.1:{port}: its TLS certificate could not be verified ("
    )
    assert "Nothing was sent" in str(err) and "CA file" in str(err)
    assert "offline" not in str(err).lower() and "network connection" not in str(err)


def test_the_private_ca_file_makes_it_work(tls_server, certs):
    with make(tls_server.base, ca_file=str(certs["ca"])) as c:
        assert c.who_am_i().identifier == "dwhitfield"
        assert c.discover().api_base.startswith(tls_server.base + "/v2025_1/apis/3.0")


def test_plain_http_answer_to_https_is_a_tls_error():
    fake = FakeConnectWise()
    with serve(fake) as base:
        https = base.replace("http://", "https://")
        with make(https) as c, pytest.raises(Offline) as info:
            c.discover()
    assert info.value.tls is True
    assert "the TLS handshake failed" in str(info.value)
