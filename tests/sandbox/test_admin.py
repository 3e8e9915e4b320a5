"""The admin API: loopback only, the ledger (and what it must never hold), reset, config, wait."""

from __future__ import annotations

import base64
import json
import re
import socket
import threading
from typing import Any

import httpx
import pytest

from flowdesk.logs import MASK, mask_secrets
from flowdesk.sandbox import Sandbox
from flowdesk.sandbox.admin import SandboxAdmin, SandboxAdminError, SandboxWaitTimeout
from flowdesk.sandbox.control import is_loopback
from tests.conftest import wine_limit

from .conftest import rf_login

NOTE = {"text": "Restarted the spooler.", "internalAnalysisFlag": True}

# ------------------------------------------------------------------------------------------ loopback


@pytest.mark.parametrize(
    ("peer", "ok"),
    [
        ("127.0.0.1", True),
        ("127.5.6.7", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("192.0.2.2", False),
        ("10.0.0.1", False),
        ("fd00::2", False),
        ("::ffff:10.0.0.1", False),
        ("not-an-address", False),
    ],
)
def test_is_loopback(peer: str, ok: bool) -> None:
    assert is_loopback(peer) is ok


def _non_loopback_address() -> str | None:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("203.0.113.1", 9))  # no packet is sent; this only picks the outgoing interface
            address = s.getsockname()[0]
    except OSError:
        return None
    return None if is_loopback(address) else address


def test_admin_refuses_non_loopback_peers() -> None:
    address = _non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address")
    with Sandbox(host="0.0.0.0", seed=False) as sb, httpx.Client(verify=False) as c:
        port = sb.port
        remote = c.get(f"http://{address}:{port}/__sandbox__/ledger")
        assert remote.status_code == 403
        assert "loopback" in remote.json()["error"]
        assert c.post(f"http://{address}:{port}/__sandbox__/reset").status_code == 403
        # the emulated APIs answer anyone; the admin API answers the local machine
        assert c.get(f"http://{address}:{port}/login/companyinfo/{sb.info.connectwise.company}").status_code == 200
        assert c.get(f"http://127.0.0.1:{port}/__sandbox__/ledger").status_code == 200


# -------------------------------------------------------------------------------------------- ledger


def test_ledger_records_requests_without_secrets(sandbox: Sandbox, cw: httpx.Client, rf: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    resp = cw.post("service/tickets/48211/notes", json=NOTE)
    tokens = rf_login(rf, sandbox.info)
    rf.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    rf.get("/ai-sessions", headers={"Authorization": f"Bearer {tokens['access_token']}", "Cookie": "session=abc"})
    rf.post("/auth/login", data={"username": sandbox.info.resolutionflow.email, "password": sandbox.info.resolutionflow.password})
    cw.get("system/info", params={"password": "hunter2", "conditions": "id=1"})

    ledger = sandbox_admin.ledger()
    assert ledger["requests"][0]["path"].startswith("/login/companyinfo/")  # the cw fixture's discovery
    requests = ledger["requests"][1:]
    assert [r["path"].rsplit("/", 1)[-1] for r in requests] == ["notes", "login", "refresh", "ai-sessions", "login", "info"]
    note_req = requests[0]
    assert note_req["method"] == "POST" and note_req["status"] == 201 and note_req["api"] == "connectwise"
    assert note_req["request_id"] == resp.headers["x-cw-request-id"]
    assert note_req["body"] == NOTE
    assert re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", note_req["time"])
    assert requests[1]["body"] == {"email": sandbox.info.resolutionflow.email, "password": MASK}
    assert requests[2]["body"] == {"refresh_token": MASK}
    assert requests[4]["body"]["password"] == MASK
    assert requests[5]["query"] == {"password": MASK, "conditions": "id=1"}
    for r in requests:
        assert "authorization" not in r["headers"] and "cookie" not in r["headers"]

    dump = json.dumps(ledger)
    c = sandbox.info.connectwise
    for secret in (
        c.private_key,
        sandbox.info.resolutionflow.password,
        tokens["access_token"],
        tokens["refresh_token"],
        base64.b64encode(f"{c.company}+{c.public_key}:{c.private_key}".encode()).decode(),
        "session=abc",
    ):
        assert secret not in dump
    assert "authorization" not in dump.lower()


def test_the_private_key_in_a_body_is_masked_in_the_request_record(sandbox: Sandbox, cw: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    private = sandbox.info.connectwise.private_key
    cw.post("service/tickets/48211/notes", json={"text": f"oops {private}", "internalAnalysisFlag": True})
    ledger = sandbox_admin.ledger()
    assert private not in json.dumps(ledger["requests"])
    # the stored note is data: it keeps what the client sent, so a client leaking its key is caught
    assert private in ledger["notes"][0]["text"]


def test_admin_requests_are_not_in_the_ledger(sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.config()
    sandbox_admin.faults()
    assert sandbox_admin.ledger()["requests"] == []


def test_non_api_paths(sandbox: Sandbox, http: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    resp = http.get(f"{sandbox.url}/favicon.ico")
    assert resp.status_code == 404
    assert sandbox_admin.ledger()["requests"][-1]["api"] == "other"


# ------------------------------------------------------------------------------------ reset and config


def test_reset_restores_the_seeded_state(sandbox: Sandbox, cw: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    before = cw.get("service/tickets/48211/notes").json()
    cw.post("service/tickets/48211/notes", json=NOTE)
    cw.post("time/entries", json={"chargeToId": 48211, "chargeToType": "ServiceTicket", "timeStart": "2026-11-18T13:32:00Z"})
    sandbox_admin.add_fault(path="/nothing", status=500)
    sandbox_admin.add_sessions([{"id": "extra", "updated_at": "2030-01-01T00:00:00Z"}])
    sandbox_admin.config(latency_ms=5, member={"can_add_notes": False}, resolutionflow={"role": "viewer"})
    sandbox_admin.reset()
    assert sandbox_admin.ledger() == {"notes": [], "time_entries": [], "requests": []}
    assert sandbox_admin.faults() == []
    config = sandbox_admin.config()
    assert config["latency_ms"] == 0 and config["member"]["can_add_notes"] is True
    assert config["resolutionflow"]["role"] == "engineer"
    assert cw.get("service/tickets/48211/notes").json() == before
    with sandbox.state.cond:
        assert len(sandbox.state.sessions) == 18
    note = cw.post("service/tickets/48211/notes", json=NOTE).json()
    assert note["id"] == 1_200_001  # ids start over too


@pytest.mark.parametrize(
    "changes",
    [
        {"colour": "red"},
        {"latency_ms": -1},
        {"latency_ms": "10"},
        {"codebase": "2026"},
        {"api_version": "latest"},
        {"member": {"can_add_notes": "no"}},
        {"member": {"superuser": True}},
        {"resolutionflow": {"role": "god"}},
        {"resolutionflow": {"list_shape": "tree"}},
        {"resolutionflow": {"access_ttl": 0}},
        {"resolutionflow": {"nope": 1}},
        {"site_url": "https://api-na.myconnectwise.net/"},
        {"max_page_size": 0},
        {"max_page_size": 1001},
        {"member": {"can_add_time": "Some"}},
        {"resolutionflow": {"clamp_page_size": 0}},
        {"resolutionflow": {"list_total": -1}},
    ],
)
def test_bad_config_is_refused_and_changes_nothing(sandbox_admin: SandboxAdmin, changes: dict) -> None:
    before = sandbox_admin.config()
    with pytest.raises(SandboxAdminError):
        sandbox_admin.config(**changes)
    assert sandbox_admin.config() == before


def test_config_is_all_or_nothing(sandbox_admin: SandboxAdmin) -> None:
    with pytest.raises(SandboxAdminError):
        sandbox_admin.config(latency_ms=50, member={"bogus": 1})
    assert sandbox_admin.config()["latency_ms"] == 0


def test_codebase_accepts_a_missing_slash(sandbox_admin: SandboxAdmin) -> None:
    assert sandbox_admin.config(codebase="v2026_1")["codebase"] == "v2026_1/"


def test_site_url_is_what_companyinfo_reports(sandbox: Sandbox, http: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    url = f"{sandbox.url}/login/companyinfo/{sandbox.info.connectwise.company}"
    assert http.get(url).json()["SiteUrl"] == sandbox.hostport  # default: the Host the request came to
    sandbox_admin.config(site_url="api-na.myconnectwise.net")
    assert http.get(url).json()["SiteUrl"] == "api-na.myconnectwise.net"


def test_max_page_size_serves_smaller_pages_and_says_so(cw: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.config(max_page_size=2)
    first = cw.get("system/mySecurity", params={"pageSize": 1000})
    assert len(first.json()) == 2
    assert 'pageSize=2&page=2>; rel="next"' in first.headers["link"] and 'page=3>; rel="last"' in first.headers["link"]
    assert cw.get("system/mySecurity", params={"pageSize": 1001}).status_code == 400  # ConnectWise's own limit stands


@pytest.mark.parametrize(("level", "allowed"), [("All", True), ("My", True), ("None", False), (True, True), (False, False)])
def test_member_rights_take_connectwise_levels(cw: httpx.Client, sandbox_admin: SandboxAdmin, level: Any, allowed: bool) -> None:
    sandbox_admin.config(member={"can_add_notes": level})
    rows = {r["moduleFunctionIdentifier"]: r["addLevel"] for r in cw.get("system/mySecurity").json()}
    assert rows["ServiceTickets"] == rows["ProjectTickets"] == ({True: "All", False: "None"}.get(level) if isinstance(level, bool) else level)
    assert cw.post("service/tickets/48211/notes", json=NOTE).status_code == (201 if allowed else 403)


def test_resolutionflow_list_switches(rf_authed: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.config(resolutionflow={"list_total": 1000, "clamp_page_size": 3})
    page = rf_authed.get("/ai-sessions", params={"page_size": 500}).json()  # above 100: clamped, not 422
    assert (len(page["items"]), page["page_size"], page["total"]) == (3, 3, 1000)
    sandbox_admin.config(resolutionflow={"list_shape": "no_total", "list_total": None, "clamp_page_size": None})
    page = rf_authed.get("/ai-sessions", params={"page_size": 5}).json()
    assert set(page) == {"items", "page", "page_size"} and len(page["items"]) == 5
    assert rf_authed.get("/ai-sessions", params={"page_size": 500}).status_code == 422


# ------------------------------------------------------------------------------------------- seeding


def test_seeded_notes_are_served_as_given_and_are_not_the_ledgers(cw: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    odd = {"ticketId": 48211, "text": "line\r\nby Jo  ", "member": {"identifier": "jsmith"}, "createdBy": "jsmith"}
    bare = {"ticketId": 48211, "text": "no author, no flags"}
    stored = sandbox_admin.add_notes([odd, bare])
    assert [n["id"] for n in stored] == [1_200_001, 1_200_002]  # numbered as new notes would be
    assert [{k: v for k, v in n.items() if k != "id"} for n in stored] == [odd, bare]
    newest = cw.get("service/tickets/48211/notes", params={"orderBy": "id desc", "pageSize": 2}).json()
    assert newest == list(reversed(stored))
    assert sandbox_admin.ledger()["notes"] == []
    assert cw.post("service/tickets/48211/notes", json=NOTE).json()["id"] == 1_200_003
    sandbox_admin.reset()
    assert all(n["id"] < 1_200_000 for n in cw.get("service/tickets/48211/notes").json())


def test_seeded_time_entries_are_served_and_filtered(cw: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    entry = {"chargeToId": 48211, "chargeToType": "ServiceTicket", "timeStart": "2026-11-18T13:00:00Z", "member": {"identifier": "jsmith"}}
    (stored,) = sandbox_admin.add_time_entries(entry)
    assert stored["id"] == 90_001
    found = cw.get("time/entries", params={"conditions": 'member/identifier="jsmith"'}).json()
    assert found == [stored]
    assert sandbox_admin.ledger()["time_entries"] == []
    assert sandbox_admin.wait("time_entries", 0) == 0


@pytest.mark.parametrize(
    ("what", "body", "words"),
    [
        ("notes", [{"text": "no ticket"}], "ticketId of a sandbox ticket"),
        ("notes", [{"ticketId": 1, "text": "x"}], "ticketId of a sandbox ticket"),
        ("notes", [{"ticketId": 48211, "id": 1_180_003}], "is taken"),
        ("notes", "text", "a JSON object or a list of objects"),
        ("time_entries", [{"id": 5}, {"id": 5}], "is taken"),
        ("time_entries", [1, 2], "a JSON object or a list of objects"),
    ],
)
def test_bad_seeds_are_refused_and_store_nothing(sandbox_admin: SandboxAdmin, what: str, body: Any, words: str) -> None:
    add = sandbox_admin.add_notes if what == "notes" else sandbox_admin.add_time_entries
    with pytest.raises(SandboxAdminError, match=words):
        add(body)
    assert sandbox_admin.wait("notes", 0) == 0


# ---------------------------------------------------------------------------------------------- wait


def test_wait_times_out_with_408(sandbox_admin: SandboxAdmin) -> None:
    with pytest.raises(SandboxWaitTimeout) as info:
        sandbox_admin.wait("notes", 1, timeout=0)
    assert (info.value.count, info.value.current) == (1, 0)
    resp = httpx.get(sandbox_admin.base_url + "wait", params={"what": "notes", "count": 1, "timeout": 0})
    assert resp.status_code == 408


def test_wait_blocks_until_another_thread_posts(cw: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    poster = threading.Thread(target=lambda: [cw.post("service/tickets/48211/notes", json=NOTE) for _ in range(3)])
    poster.start()
    try:
        assert sandbox_admin.wait("notes", 3, timeout=30) >= 3
    finally:
        poster.join()


def test_wait_filters(cw: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    cw.post("service/tickets/48211/notes", json=NOTE)
    cw.post("project/tickets/31207/notes", json=NOTE)
    cw.post("time/entries", json={"chargeToId": 31207, "chargeToType": "ProjectTicket", "timeStart": "2026-11-18T13:32:00Z"})
    cw.get("system/info")
    assert sandbox_admin.wait("notes", 1, ticket=31207) == 1
    assert sandbox_admin.wait("time_entries", 1, ticket=31207) == 1
    assert sandbox_admin.wait("requests", 2, method="POST", path="*/notes") == 2
    assert sandbox_admin.wait("requests", 1, status=201, path="*/time/entries") == 1
    assert sandbox_admin.wait("requests", 0, method="DELETE") == 0
    with pytest.raises(SandboxWaitTimeout):
        sandbox_admin.wait("notes", 1, timeout=0, ticket=48244)


@pytest.mark.parametrize("params", [{"what": "everything"}, {"what": "notes", "method": "GET"}, {"what": "notes", "count": "x"},
                                    {"what": "notes", "timeout": "9999"}])  # fmt: skip
def test_bad_wait_requests(sandbox_admin: SandboxAdmin, params: dict) -> None:
    resp = httpx.get(sandbox_admin.base_url + "wait", params=params)
    assert resp.status_code == 400 and resp.json()["error"]


def test_admin_info_and_unknown_endpoint(sandbox: Sandbox, sandbox_admin: SandboxAdmin) -> None:
    assert sandbox_admin.info() == sandbox.info.as_json()
    assert httpx.get(sandbox_admin.base_url + "nope").status_code == 404
    assert httpx.delete(sandbox_admin.base_url + "ledger").status_code == 405
    with pytest.raises(SandboxAdminError):
        sandbox_admin.remove_fault(12345)
    resp = httpx.post(sandbox_admin.base_url + "sessions", content=b"{oops", headers={"Content-Type": "application/json"})
    assert resp.status_code == 400


# ------------------------------------------------------------------------------------- keys and info


def test_keys_are_random_16_char_and_registered_secrets() -> None:
    with Sandbox(seed=False) as a, Sandbox(seed=False) as b:
        ka, kb = a.info.connectwise, b.info.connectwise
        for key in (ka.public_key, ka.private_key):
            assert re.fullmatch(r"[A-Za-z0-9]{16}", key)
        assert {ka.public_key, ka.private_key}.isdisjoint({kb.public_key, kb.private_key})
        assert a.info.resolutionflow.password != b.info.resolutionflow.password
        for secret in (ka.private_key, ka.public_key, a.info.resolutionflow.password):
            assert mask_secrets(f"value {secret} here") == f"value {MASK} here"
        assert ka.private_key not in repr(a.info)
        assert a.info.resolutionflow.password not in repr(a.info)
        assert ka.company == "flowdesk_sandbox"
        assert ka.site == a.url and a.info.admin == f"{a.url}/__sandbox__/"


def test_as_json_has_exactly_the_printed_keys(sandbox: Sandbox) -> None:
    data = sandbox.info.as_json()
    assert set(data) == {"connectwise", "resolutionflow", "admin", "ca_file"}
    assert set(data["connectwise"]) == {"site", "company", "public_key", "private_key", "client_id"}
    assert set(data["resolutionflow"]) == {"url", "email", "password"}
    assert data["ca_file"] is None
    from flowdesk import CONNECTWISE_CLIENT_ID

    assert data["connectwise"]["client_id"] == CONNECTWISE_CLIENT_ID


def test_start_twice_and_stop_twice() -> None:
    sb = Sandbox(seed=False).start()
    try:
        with pytest.raises(RuntimeError):
            sb.start()
    finally:
        sb.stop()
    sb.stop()
    assert not sb.running


@wine_limit("shutdown() from another thread does not wake a thread blocked in recv() on that socket")
def test_stop_ends_idle_keep_alive_connections_and_holds() -> None:
    sb = Sandbox(seed=False).start()
    admin = SandboxAdmin.for_sandbox(sb)
    try:
        with httpx.Client(verify=False) as c:
            assert c.get(f"{sb.url}/login/companyinfo/{sb.info.connectwise.company}").status_code == 200
            admin.add_fault(path="/api/v1/auth/me", hold="before_store")
            errors: list[BaseException] = []

            def held_call() -> None:
                try:
                    httpx.get(f"{sb.url}/api/v1/auth/me", timeout=30)
                except httpx.TransportError as exc:
                    errors.append(exc)

            t = threading.Thread(target=held_call)
            t.start()
            admin.wait("held", 1)
            sb.stop()  # must not hang on the idle keep-alive connection nor on the held request
            t.join(30)
            assert not t.is_alive()
            assert len(errors) == 1
            # every connection thread is gone, although the client's keep-alive connection is still open
            assert [t.name for t in threading.enumerate() if t.name.startswith(f"flowdesk-sandbox-{sb.port}")] == []
    finally:
        admin.close()
        sb.stop()
