"""The sandbox in process: a WSGI application (checked by ``wsgiref.validate``) that ``httpx.WSGITransport``
drives with no socket; what each socket-level fault becomes there; the same answers as over a socket."""

from __future__ import annotations

import io
import threading
import time
import wsgiref.validate
from typing import Any

import httpx
import pytest

from flowdesk.sandbox import Sandbox, SandboxApp
from flowdesk.sandbox.admin import SandboxAdmin, SandboxAdminError

from .conftest import cw_headers

NOTES = "*/service/tickets/*/notes"
NOTE = {"text": "Cleared the print queue.", "internalAnalysisFlag": True}


@pytest.fixture
def cw(sandbox_app: SandboxApp) -> Any:
    """An httpx client on the in-process app's ConnectWise API (keys, clientId and version set)."""
    site = sandbox_app.info.connectwise.site
    with httpx.Client(
        transport=sandbox_app.transport(), base_url=f"{site}/v2025_1/apis/3.0", headers=cw_headers(sandbox_app.info)
    ) as client:
        yield client


def post_note(cw: httpx.Client, **kwargs: Any) -> httpx.Response:
    return cw.post("service/tickets/48211/notes", json=NOTE, **kwargs)


# ------------------------------------------------------------------------------------------ WSGI


def wsgi_call(app: Any, method: str, path: str, *, query: str = "", body: bytes = b"", headers: dict[str, str] | None = None) -> tuple[str, list[tuple[str, str]], bytes]:
    """One request straight through the WSGI interface, with the stdlib's conformance checker in between."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": query,
        "SERVER_NAME": "sandbox.test", "SERVER_PORT": "443", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json" if body else "", "CONTENT_LENGTH": str(len(body)) if body else "",
        "wsgi.version": (1, 0), "wsgi.url_scheme": "https", "wsgi.input": io.BytesIO(body), "wsgi.errors": io.StringIO(),
        "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False,
    }  # fmt: skip
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    got: list[Any] = []

    def start_response(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        got[:] = [status, response_headers]
        return lambda data: None

    result = wsgiref.validate.validator(app)(environ, start_response)
    try:
        data = b"".join(result)
    finally:
        result.close()  # type: ignore[attr-defined]
    return got[0], got[1], data


def test_the_app_is_a_conforming_wsgi_application(sandbox_app: SandboxApp) -> None:
    company = sandbox_app.info.connectwise.company
    status, headers, body = wsgi_call(sandbox_app, "GET", f"/login/companyinfo/{company}")
    assert status == "200 OK" and b'"Codebase":"v2025_1/"' in body
    assert ("Content-Length", str(len(body))) in headers
    status, _, body = wsgi_call(sandbox_app, "POST", "/v2025_1/apis/3.0/service/tickets/48211/notes", body=b'{"text": "x", "internalAnalysisFlag": true}',
                                headers=cw_headers(sandbox_app.info))  # fmt: skip
    assert status == "201 Created" and b'"ticketId":48211' in body
    status, _, body = wsgi_call(sandbox_app, "GET", "/__sandbox__/ledger")
    assert status == "200 OK" and b'"text":"x"' in body
    status, _, body = wsgi_call(sandbox_app, "HEAD", f"/login/companyinfo/{company}")
    assert status == "200 OK" and body == b""


def test_plain_wsgi_transport_drives_it(sandbox_app: SandboxApp) -> None:
    """httpx's own WSGITransport needs nothing from us (it only cannot tell the app a read timeout)."""
    info = sandbox_app.info
    with httpx.Client(transport=httpx.WSGITransport(app=sandbox_app), base_url=info.connectwise.site) as c:
        assert c.get(f"/login/companyinfo/{info.connectwise.company}").json()["CompanyID"] == info.connectwise.company
        r = c.post("/v2025_1/apis/3.0/service/tickets/48211/notes", json=NOTE, headers=cw_headers(info))
        assert r.status_code == 201 and r.headers["x-cw-request-id"]
        login = c.post("/api/v1/auth/login", json={"email": info.resolutionflow.email, "password": info.resolutionflow.password})
        assert login.status_code == 200 and login.json()["token_type"] == "bearer"


def test_in_process_and_over_a_socket_answer_alike(sandbox: Sandbox, sandbox_app: SandboxApp) -> None:
    def answers(sb: Sandbox | SandboxApp, client: httpx.Client) -> list[tuple[int, Any]]:
        info = sb.info
        h = cw_headers(info)
        api = f"{info.connectwise.site}/v2025_1/apis/3.0"
        out = []
        for path, params in (
            ("service/tickets/48211", {}),
            ("project/tickets/31207", {"fields": "id,summary,board/name"}),
            ("service/boards/1/statuses", {"pageSize": "2"}),
            ("system/myMembers/info", {}),
            ("service/tickets/48211/notes", {"orderBy": "id desc"}),
            ("time/entries", {"conditions": "chargeToId = 48211"}),
            ("service/tickets/424242", {}),
        ):
            r = client.get(f"{api}/{path}", params=params, headers=h)
            link = r.headers.get("link", "").replace(info.connectwise.site, "SITE")
            out.append((r.status_code, r.json(), link))
        r = client.post(f"{api}/service/tickets/48211/notes", json={"text": "  "}, headers=h)
        out.append((r.status_code, r.json(), ""))
        return out

    with httpx.Client() as over_socket, httpx.Client(transport=sandbox_app.transport()) as in_process:
        assert answers(sandbox, over_socket) == answers(sandbox_app, in_process)


# ------------------------------------------------------------------------------------------ faults in process


def test_a_drop_is_the_error_a_reset_socket_gives(cw: httpx.Client, sandbox_app_admin: SandboxAdmin) -> None:
    fid = sandbox_app_admin.add_fault(method="POST", path=NOTES, drop="after_store")
    with pytest.raises(httpx.ReadError, match=r"\[Errno 104\] Connection reset by peer") as info:
        post_note(cw)
    assert isinstance(info.value.__cause__, ConnectionResetError)
    ledger = sandbox_app_admin.ledger()
    assert len(ledger["notes"]) == 1
    assert (ledger["requests"][-1]["outcome"], ledger["requests"][-1]["status"], ledger["requests"][-1]["fault"]) == ("dropped", None, fid)


def test_a_drop_with_close_is_a_server_that_hung_up(cw: httpx.Client, sandbox_app_admin: SandboxAdmin) -> None:
    sandbox_app_admin.add_fault(method="POST", path=NOTES, drop="before_store", drop_with="close")
    with pytest.raises(httpx.RemoteProtocolError, match="Server disconnected without sending a response"):
        post_note(cw)
    assert sandbox_app_admin.ledger()["notes"] == []


def test_a_wait_longer_than_the_read_timeout_times_out_at_once(cw: httpx.Client, sandbox_app_admin: SandboxAdmin) -> None:
    sandbox_app_admin.add_fault(method="POST", path=NOTES, delay_after_store_ms=60_000)
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        post_note(cw, timeout=httpx.Timeout(5.0, read=30.0))
    assert time.monotonic() - started < 5  # not 30 s, not 60 s: nothing can answer in time, so nothing waits
    assert len(sandbox_app_admin.ledger()["notes"]) == 1  # the server's side happened: stored, then quiet
    sandbox_app_admin.add_fault(method="POST", path=NOTES, delay_ms=40)
    assert post_note(cw, timeout=httpx.Timeout(5.0, read=30.0)).status_code == 201  # shorter: waited
    assert sandbox_app_admin.ledger()["requests"][-1]["duration_ms"] >= 40


def test_without_a_known_timeout_every_wait_is_waited(sandbox_app: SandboxApp, sandbox_app_admin: SandboxAdmin) -> None:
    sandbox_app_admin.config(latency_ms=30)
    info = sandbox_app.info
    with httpx.Client(transport=httpx.WSGITransport(app=sandbox_app)) as c:
        assert c.get(f"{info.connectwise.site}/login/companyinfo/{info.connectwise.company}").status_code == 200
    req = sandbox_app_admin.ledger()["requests"][-1]
    assert req["delays_ms"] == 30 and req["duration_ms"] >= 30


def test_a_hold_blocks_the_caller_until_released(cw: httpx.Client, sandbox_app_admin: SandboxAdmin) -> None:
    sandbox_app_admin.add_fault(method="POST", path=NOTES, hold="before_store")
    done: list[Any] = []
    t = threading.Thread(target=lambda: done.append(post_note(cw)))
    t.start()
    assert sandbox_app_admin.wait("held", 1) == 1
    assert sandbox_app_admin.ledger()["notes"] == [] and not done
    assert sandbox_app_admin.release() == 1
    t.join(30)
    assert done[0].status_code == 201


def test_a_hold_past_the_read_timeout_times_out_and_the_server_goes_on(cw: httpx.Client, sandbox_app_admin: SandboxAdmin) -> None:
    sandbox_app_admin.add_fault(method="POST", path=NOTES, hold="before_store")
    with pytest.raises(httpx.ReadTimeout):
        post_note(cw, timeout=httpx.Timeout(5.0, read=0.2))
    (held,) = sandbox_app_admin.held()  # still held, as a server thread would be
    assert held["phase"] == "before_store" and sandbox_app_admin.ledger()["notes"] == []
    sandbox_app_admin.release()
    assert sandbox_app_admin.wait("notes", 1) == 1  # released: the handler ran, into a connection nobody reads
    assert sandbox_app_admin.wait("requests", 1, status="201") == 1


def test_a_reset_aborts_a_held_request_in_process(cw: httpx.Client, sandbox_app: SandboxApp, sandbox_app_admin: SandboxAdmin) -> None:
    sandbox_app_admin.add_fault(method="POST", path=NOTES, hold="after_store")
    errors: list[BaseException] = []

    def call() -> None:
        try:
            post_note(cw)
        except httpx.TransportError as exc:
            errors.append(exc)

    t = threading.Thread(target=call)
    t.start()
    sandbox_app_admin.wait("held", 1)
    sandbox_app.reset()
    t.join(30)
    assert [type(e) for e in errors] == [httpx.ReadError]


def test_an_oversized_body_streams_in_process(cw: httpx.Client, sandbox_app_admin: SandboxAdmin) -> None:
    size = 8 * 1024 * 1024
    sandbox_app_admin.add_fault(method="GET", path="*/service/tickets/48211", body_bytes=size)
    with cw.stream("GET", "service/tickets/48211") as r:
        assert int(r.headers["content-length"]) == size
        biggest = 0
        received = 0
        for chunk in r.iter_raw():
            received += len(chunk)
            biggest = max(biggest, len(chunk))
    assert received == size and biggest <= 65536  # never held whole
    assert sandbox_app_admin.ledger()["requests"][-1]["outcome"] == "streamed"


def test_an_endless_body_goes_on_until_the_client_leaves(cw: httpx.Client, sandbox_app_admin: SandboxAdmin) -> None:
    sandbox_app_admin.add_fault(method="GET", path="*/service/tickets/48211", endless=True)
    with cw.stream("GET", "service/tickets/48211") as r:
        assert "content-length" not in r.headers
        received = 0
        for chunk in r.iter_raw():
            received += len(chunk)
            if received > 4 * 1024 * 1024:
                break
    assert sandbox_app_admin.ledger()["requests"][-1]["outcome"] == "client_gone"


def test_a_trickle_slower_than_the_read_timeout_times_out_after_the_first_byte(cw: httpx.Client, sandbox_app_admin: SandboxAdmin) -> None:
    sandbox_app_admin.add_fault(method="GET", path="*/service/tickets/48211", trickle_ms=60_000)
    with cw.stream("GET", "service/tickets/48211", timeout=httpx.Timeout(5.0, read=1.0)) as r:
        body = r.iter_raw()
        assert next(body) == b"{"
        with pytest.raises(httpx.ReadTimeout):
            next(body)
    assert sandbox_app_admin.ledger()["requests"][-1]["outcome"] == "client_gone"


def test_a_reset_cuts_a_stream_short_as_a_closed_socket_would(cw: httpx.Client, sandbox_app: SandboxApp, sandbox_app_admin: SandboxAdmin) -> None:
    sandbox_app_admin.add_fault(method="GET", path="*/service/tickets/48211", body_bytes=1_000_000)
    with cw.stream("GET", "service/tickets/48211") as r:
        body = r.iter_raw()
        assert next(body) == b"["
        sandbox_app.reset()
        with pytest.raises(httpx.RemoteProtocolError, match="received 1 bytes, expected 1000000"):
            b"".join(body)


# ------------------------------------------------------------------------------------------ admin in process


def test_the_admin_api_in_process_is_the_same_api(sandbox_app: SandboxApp, sandbox_app_admin: SandboxAdmin) -> None:
    assert sandbox_app_admin.info() == sandbox_app.info.as_json()
    assert sandbox_app_admin.config(latency_ms=5)["latency_ms"] == 5
    with pytest.raises(SandboxAdminError, match="unknown config key"):
        sandbox_app_admin.config(colour="red")
    with pytest.raises(SandboxAdminError, match="drop sends no response"):
        sandbox_app_admin.add_fault(drop="before_store", json={})
    sandbox_app_admin.reset()
    assert sandbox_app_admin.config()["latency_ms"] == 0


def test_two_apps_share_nothing() -> None:
    a, b = SandboxApp(seed=False), SandboxApp(seed=False)
    try:
        assert a.info.connectwise.private_key != b.info.connectwise.private_key
        with a.admin() as admin_a, b.admin() as admin_b:
            admin_a.add_fault(path="*", status=503)
            assert admin_b.faults() == [] and len(admin_a.faults()) == 1
    finally:
        a.close()
        b.close()
