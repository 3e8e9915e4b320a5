"""Fault injection: status, store-then-fail, drops, bodies, delays, holds; latency. No sleeping."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import textwrap
import threading
from typing import Any

import httpx
import pytest

from flowdesk.sandbox import Sandbox
from flowdesk.sandbox.admin import SandboxAdmin, SandboxAdminError
from tests.conftest import wine_limit

NOTES = "*/service/tickets/*/notes"
NOTE = {"text": "Cleared the print queue.", "internalAnalysisFlag": True}


def post_note(cw: httpx.Client, **kwargs: Any) -> httpx.Response:
    return cw.post("service/tickets/48211/notes", json=NOTE, **kwargs)


def last_request(admin: SandboxAdmin) -> dict:
    return admin.ledger()["requests"][-1]


class Background:
    """Run one request on a thread; ``done`` is set when it returns (or raises)."""

    def __init__(self, fn: Any) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(fn,), daemon=True)
        self.thread.start()

    def _run(self, fn: Any) -> None:
        try:
            self.result = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            self.error = exc
        finally:
            self.done.set()

    def join(self) -> Any:
        assert self.done.wait(30), "the background request never returned"
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.result


# ------------------------------------------------------------------------------------------- status


def test_status_fault_without_store(cw: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    fid = sandbox_admin.add_fault(method="POST", path=NOTES, status=503, retry_after=120)
    resp = post_note(cw)
    assert resp.status_code == 503
    assert resp.headers["retry-after"] == "120"
    assert resp.headers["x-cw-request-id"]
    body = resp.json()
    assert set(body) == {"code", "message", "errors"}
    ledger = sandbox_admin.ledger()
    assert ledger["notes"] == []
    assert (ledger["requests"][-1]["status"], ledger["requests"][-1]["fault"]) == (503, fid)
    assert post_note(cw).status_code == 201  # times=1: used up
    assert sandbox_admin.faults() == []


def test_status_fault_after_storing(cw: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.add_fault(method="POST", path=NOTES, status=502, store=True)
    resp = post_note(cw)
    assert resp.status_code == 502
    (stored,) = sandbox_admin.ledger()["notes"]
    assert stored["text"] == NOTE["text"]


def test_status_fault_on_a_time_entry_after_storing(cw: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.add_fault(method="POST", path="*/time/entries", status=500, store=True)
    resp = cw.post("time/entries", json={"chargeToId": 48211, "chargeToType": "ServiceTicket", "timeStart": "2026-11-18T13:32:00Z", "actualHours": 1})
    assert resp.status_code == 500
    assert resp.json()["message"] == "A timeout has occured. Please try again."
    assert len(sandbox_admin.ledger()["time_entries"]) == 1


def test_times_and_until_cleared(cw: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.add_fault(method="POST", path=NOTES, status=429, times=2, retry_after="Wed, 25 Nov 2026 07:28:00 GMT")
    first, second, third = post_note(cw), post_note(cw), post_note(cw)
    assert [first.status_code, second.status_code, third.status_code] == [429, 429, 201]
    assert first.headers["retry-after"] == "Wed, 25 Nov 2026 07:28:00 GMT"
    sandbox_admin.add_fault(path="*/system/info", status=503, times=None)
    assert [cw.get("system/info").status_code for _ in range(3)] == [503, 503, 503]
    assert sandbox_admin.faults()[0]["applied"] == 3
    assert sandbox_admin.clear_faults() == 1
    assert cw.get("system/info").status_code == 200


def test_faults_match_method_and_path(cw: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.add_fault(method="POST", path=NOTES, status=503)
    assert cw.get("service/tickets/48211/notes").status_code == 200  # GET: other method
    assert cw.get("service/tickets/48211").status_code == 200  # other path
    assert cw.post("project/tickets/31207/notes", json=NOTE).status_code == 201
    assert post_note(cw).status_code == 503


def test_first_matching_fault_wins_and_can_be_removed(cw: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    a = sandbox_admin.add_fault(path="*/system/info", status=500, times=None)
    sandbox_admin.add_fault(path="*/system/info", status=503, times=None)
    assert cw.get("system/info").status_code == 500
    sandbox_admin.remove_fault(a)
    assert cw.get("system/info").status_code == 503


def test_faults_apply_to_resolutionflow(rf_authed: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.add_fault(method="GET", path="/api/v1/ai-sessions", status=503, retry_after=7)
    resp = rf_authed.get("/ai-sessions")
    assert resp.status_code == 503
    assert resp.headers["retry-after"] == "7"
    assert set(resp.json()) == {"detail"}  # FastAPI's envelope, not ConnectWise's
    assert rf_authed.get("/ai-sessions").status_code == 200


def test_faults_apply_to_companyinfo(sandbox: Sandbox, http: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.add_fault(path="/login/companyinfo/*", body="html")
    c = sandbox.info.connectwise
    resp = http.get(f"{c.site}/login/companyinfo/{c.company}")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/html")


# ---------------------------------------------------------------------------------------------- drop


def test_drop_before_store(cw: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    fid = sandbox_admin.add_fault(method="POST", path=NOTES, drop="before_store")
    with pytest.raises(httpx.TransportError):
        post_note(cw)
    ledger = sandbox_admin.ledger()
    assert ledger["notes"] == []
    req = ledger["requests"][-1]
    assert (req["outcome"], req["status"], req["fault"]) == ("dropped", None, fid)
    assert post_note(cw).status_code == 201  # the client reconnects; the server is fine


def test_drop_after_store(cw: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.add_fault(method="POST", path=NOTES, drop="after_store")
    with pytest.raises(httpx.TransportError):
        post_note(cw)
    ledger = sandbox_admin.ledger()
    assert [n["text"] for n in ledger["notes"]] == [NOTE["text"]]
    assert ledger["requests"][-1]["outcome"] == "dropped"


@wine_limit("a TCP reset (SO_LINGER 0) arrives as a clean end of stream, not ConnectionResetError")
def test_drop_is_a_reset_not_a_response(sandbox: Sandbox, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.add_fault(path="/api/v1/auth/me", drop="before_store")
    host, port = sandbox.hostport.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(b"GET /api/v1/auth/me HTTP/1.1\r\nHost: x\r\n\r\n")
        with pytest.raises(ConnectionResetError):  # SO_LINGER 0: an RST, not a clean end of stream
            s.recv(1024)


# ---------------------------------------------------------------------------------------------- body


@pytest.mark.parametrize(
    ("kind", "check"),
    [
        ("html", lambda r: r.headers["content-type"].startswith("text/html") and b"<html>" in r.content),
        ("malformed_json", lambda r: r.headers["content-type"].startswith("application/json") and _not_json(r)),
        ("empty", lambda r: r.content == b""),
    ],
)
def test_body_faults_keep_the_normal_status(cw: httpx.Client, sandbox_admin: SandboxAdmin, kind: str, check: Any) -> None:
    sandbox_admin.add_fault(method="POST", path=NOTES, body=kind)
    resp = post_note(cw)
    assert resp.status_code == 201
    assert check(resp)
    assert resp.headers["x-cw-request-id"]
    assert len(sandbox_admin.ledger()["notes"]) == 1  # an unreadable 2xx: stored all the same


def _not_json(resp: httpx.Response) -> bool:
    try:
        resp.json()
    except ValueError:
        return True
    return False


def test_body_fault_with_a_status(cw: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.add_fault(method="POST", path=NOTES, status=503, body="html")
    resp = post_note(cw)
    assert resp.status_code == 503 and resp.headers["content-type"].startswith("text/html")
    assert sandbox_admin.ledger()["notes"] == []


# --------------------------------------------------------------------------------------------- delays


def test_delay_after_store_makes_a_read_timeout_after_storing(cw: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.add_fault(method="POST", path=NOTES, delay_after_store_ms=30_000)
    with pytest.raises(httpx.ReadTimeout):
        post_note(cw, timeout=httpx.Timeout(5.0, read=0.3))
    assert sandbox_admin.wait("notes", 1) == 1  # stored before the server went quiet
    # the test's reset cuts the server's 30 s wait short


def test_delay_before_handling_is_applied(cw: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.add_fault(path="*/system/info", delay_ms=40)
    assert cw.get("system/info").status_code == 200
    req = last_request(sandbox_admin)
    assert req["delays_ms"] == 40
    assert req["duration_ms"] >= 40  # a lower bound only: the server did wait


def test_latency_applies_to_api_requests(cw: httpx.Client, sandbox_admin: SandboxAdmin, rf: httpx.Client) -> None:
    assert sandbox_admin.config(latency_ms=25)["latency_ms"] == 25
    cw.get("system/info")
    rf.get("/ai-sessions")
    cw_req, rf_req = sandbox_admin.ledger()["requests"][-2:]
    assert cw_req["delays_ms"] == rf_req["delays_ms"] == 25
    assert cw_req["duration_ms"] >= 25 and rf_req["duration_ms"] >= 25


def test_constructor_latency_survives_reset() -> None:
    with Sandbox(latency_ms=15, seed=False) as sb, SandboxAdmin.for_sandbox(sb) as admin:
        assert admin.config()["latency_ms"] == 15
        admin.reset()
        assert admin.config()["latency_ms"] == 15
        with httpx.Client(verify=False) as c:
            assert c.get(f"{sb.url}/login/companyinfo/{sb.info.connectwise.company}").status_code == 200
        assert admin.ledger()["requests"][-1]["delays_ms"] == 15


# ---------------------------------------------------------------------------------------------- holds


def test_hold_before_store(cw: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.add_fault(method="POST", path=NOTES, hold="before_store")
    bg = Background(lambda: post_note(cw))
    assert sandbox_admin.wait("held", 1, method="POST", path=NOTES) == 1
    (held,) = sandbox_admin.held()
    assert (held["method"], held["phase"]) == ("POST", "before_store")
    assert sandbox_admin.ledger()["notes"] == []  # held before anything was stored
    assert not bg.done.is_set()
    assert sandbox_admin.release() == 1
    assert bg.join().status_code == 201
    assert len(sandbox_admin.ledger()["notes"]) == 1
    assert sandbox_admin.held() == []


def test_hold_after_store(cw: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.add_fault(method="POST", path=NOTES, hold="after_store")
    bg = Background(lambda: post_note(cw))
    sandbox_admin.wait("held", 1)
    assert len(sandbox_admin.ledger()["notes"]) == 1  # stored, but no answer yet
    assert not bg.done.is_set()
    sandbox_admin.release()
    assert bg.join().status_code == 201


def test_reset_aborts_held_requests(cw: httpx.Client, sandbox: Sandbox, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.add_fault(method="POST", path=NOTES, hold="before_store")
    bg = Background(lambda: post_note(cw))
    sandbox_admin.wait("held", 1)
    sandbox_admin.reset()
    with pytest.raises(httpx.TransportError):
        bg.join()
    assert sandbox_admin.ledger()["notes"] == []
    # recorded (after the reset) before the connection was reset
    (aborted,) = [r for r in sandbox_admin.ledger()["requests"] if r["outcome"] == "aborted"]
    assert aborted["path"].endswith("/service/tickets/48211/notes")


def test_sigkill_a_client_while_its_request_is_held(sandbox: Sandbox, cw: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    """The pattern other tests use: hold after storing, kill the client process (SIGKILL; Windows:
    TerminateProcess), then release."""
    sandbox_admin.add_fault(method="POST", path=NOTES, hold="after_store")
    script = textwrap.dedent(
        f"""
        import httpx, json, sys
        headers = json.loads(sys.argv[1])
        httpx.post({str(cw.base_url) + "service/tickets/48211/notes"!r}, json={NOTE!r}, headers=headers, timeout=60)
        print("answered")
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script, json.dumps(dict(cw.headers))], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    try:
        sandbox_admin.wait("held", 1, timeout=30)
        proc.kill()
        assert proc.wait(timeout=30) == (1 if sys.platform == "win32" else -signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()  # type: ignore[union-attr]
    assert len(sandbox_admin.ledger()["notes"]) == 1
    assert sandbox_admin.release() == 1
    sandbox_admin.wait("requests", 1, path=NOTES, status="201")  # answered into a dead socket, quietly
    assert post_note(cw).status_code == 201  # and the server carries on


# ------------------------------------------------------------------ redirects and hostile bodies


def test_redirect_answers_with_location_and_runs_no_handler(cw: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.add_fault(method="POST", path=NOTES, redirect="http://127.0.0.1:9/elsewhere", status=307)
    r = post_note(cw)
    assert r.status_code == 307 and r.headers["location"] == "http://127.0.0.1:9/elsewhere"
    assert sandbox_admin.ledger()["notes"] == []


def test_the_ledger_says_whether_an_authorization_header_came_never_what(cw: httpx.Client, http: httpx.Client, sandbox: Sandbox, sandbox_admin: SandboxAdmin) -> None:
    post_note(cw)
    http.get(f"{sandbox.url}/login/companyinfo/{sandbox.info.connectwise.company}")
    first, second = sandbox_admin.ledger()["requests"][-2:]
    assert (first["auth_sent"], second["auth_sent"]) == (True, False)
    assert sandbox.info.connectwise.private_key not in json.dumps(first)


def test_oversized_body_is_streamed_not_held(cw: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    size = 8 * 1024 * 1024
    sandbox_admin.add_fault(method="GET", path="*/service/tickets/48211", body_bytes=size)
    with cw.stream("GET", "service/tickets/48211") as r:
        assert r.status_code == 200 and int(r.headers["content-length"]) == size
        received = sum(len(chunk) for chunk in r.iter_raw())
    assert received == size
    sandbox_admin.wait("requests", 1, path="*/service/tickets/48211")
    assert last_request(sandbox_admin)["outcome"] == "streamed"


def test_endless_body_goes_on_until_the_client_leaves(cw: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.add_fault(method="GET", path="*/service/tickets/48211", endless=True)
    with cw.stream("GET", "service/tickets/48211") as r:
        assert r.headers["transfer-encoding"] == "chunked"
        received = 0
        for chunk in r.iter_raw():
            received += len(chunk)
            if received > 4 * 1024 * 1024:
                break
    assert received > 4 * 1024 * 1024
    sandbox_admin.wait("requests", 1, path="*/service/tickets/48211")
    assert last_request(sandbox_admin)["outcome"] == "client_gone"


def test_trickle_sends_the_real_body_a_byte_at_a_time(cw: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.add_fault(method="GET", path="*/service/tickets/48211", trickle_ms=1)
    with cw.stream("GET", "service/tickets/48211") as r:
        chunks = list(r.iter_raw())
    body = b"".join(chunks)
    assert json.loads(body)["id"] == 48211
    # many small reads (a busy machine may read a few bytes at once, never the whole body)
    assert len(chunks) > len(body) // 8
    sandbox_admin.wait("requests", 1, path="*/service/tickets/48211")
    req = last_request(sandbox_admin)
    assert req["outcome"] == "streamed"
    assert req["duration_ms"] >= len(body) - 1  # the server waited 1 ms between every two bytes


def test_a_reset_ends_a_trickle(cw: httpx.Client, sandbox: Sandbox, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.add_fault(method="GET", path="*/service/tickets/48211", trickle_ms=60_000)
    with cw.stream("GET", "service/tickets/48211") as r:
        body = r.iter_raw()
        assert next(body) == b"{"
        sandbox.reset()  # the trickle's next byte would come in a minute; the reset ends it now
        with pytest.raises(httpx.RemoteProtocolError):  # closed short of its Content-Length
            b"".join(body)


# ------------------------------------------------------------------ answers of any shape


def test_json_replaces_the_body_and_keeps_the_status(cw: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.add_fault(method="POST", path=NOTES, json={"text": "no id"})
    resp = post_note(cw)
    assert (resp.status_code, resp.json()) == (201, {"text": "no id"})
    assert resp.headers["content-type"].startswith("application/json") and resp.headers["x-cw-request-id"]
    assert len(sandbox_admin.ledger()["notes"]) == 1  # the handler ran: only its answer was replaced


def test_json_with_a_status_answers_without_the_handler(cw: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    envelope = {"code": "ConnectWiseApi", "message": "UserNotAuthenticated"}
    sandbox_admin.add_fault(method="POST", path=NOTES, status=500, json=envelope)
    resp = post_note(cw)
    assert (resp.status_code, resp.json()) == (500, envelope)
    assert sandbox_admin.ledger()["notes"] == []
    sandbox_admin.add_fault(method="GET", path="*/system/info", status=200, json=None)
    assert cw.get("system/info").content == b"null"


def test_headers_are_set_or_left_out(cw: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.add_fault(path="*/system/info", headers={"Link": '<https://elsewhere/>; rel="next"', "x-cw-request-id": None})
    resp = cw.get("system/info")
    assert resp.headers["link"] == '<https://elsewhere/>; rel="next"'
    assert "x-cw-request-id" not in resp.headers and resp.headers["api-current-version"]


def test_a_binary_body(cw: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.add_fault(path="*/system/info", body="binary")
    resp = cw.get("system/info")
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/octet-stream"
    with pytest.raises(UnicodeDecodeError):
        resp.content.decode("utf-8")


def test_drop_with_close_is_a_fin_not_a_reset(sandbox: Sandbox, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.add_fault(path="/api/v1/auth/me", drop="before_store", drop_with="close")
    host, port = sandbox.hostport.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(b"GET /api/v1/auth/me HTTP/1.1\r\nHost: x\r\n\r\n")
        assert s.recv(1024) == b""  # a clean end of stream, no response
    assert sandbox_admin.ledger()["requests"][-1]["outcome"] == "dropped"


# ---------------------------------------------------------------------------------------- fault specs


@pytest.mark.parametrize(
    "spec",
    [
        {"status": 503, "colour": "red"},
        {"path": "*"},
        {"drop": "sometimes"},
        {"hold": "forever"},
        {"body": "xml"},
        {"drop": "before_store", "status": 503},
        {"store": True},
        {"status": 99},
        {"status": 503, "times": 0},
        {"status": "503"},
        {"delay_ms": -5},
        {"redirect": "ftp://elsewhere/"},
        {"redirect": "/x", "status": 200},
        {"redirect": "/x", "body_bytes": 100},
        {"body_bytes": 1},
        {"body_bytes": 100, "endless": True},
        {"trickle_ms": 5, "drop": "after_store"},
        {"endless": "yes"},
        {"drop_with": "close"},
        {"drop": "before_store", "drop_with": "slam"},
        {"body": "html", "json": {}},
        {"drop": "after_store", "json": {}},
        {"drop": "after_store", "headers": {"X-A": "b"}},
        {"headers": {"Content-Length": "5"}},
        {"headers": {"bad name": "x"}},
        {"headers": {"X-A": "two\r\nlines"}},
        {"headers": {"X-A": 5}},
        {"redirect": "/x", "json": []},
        {"body": "binary2"},
    ],
)
def test_bad_fault_specs_are_refused(sandbox_admin: SandboxAdmin, spec: dict) -> None:
    with pytest.raises(SandboxAdminError):
        sandbox_admin.add_fault(**spec)
    assert sandbox_admin.faults() == []
