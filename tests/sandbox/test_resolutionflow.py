"""The ResolutionFlow emulation: auth (JWT, refresh rotation, expiry), session listing and detail."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime

import httpx
import pytest

from flowdesk.sandbox import Sandbox
from flowdesk.sandbox.admin import SandboxAdmin
from flowdesk.sandbox.sessions import SUMMARY_FIELDS
from tests.conftest import sample_files

from .conftest import rf_login


def b64json(part: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def claims_of(token: str) -> dict:
    return b64json(token.split(".")[1])


def parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00")).astimezone(UTC)


# -------------------------------------------------------------------------------------------- auth


def test_login_returns_real_hs256_jwts(sandbox: Sandbox, rf: httpx.Client) -> None:
    tokens = rf_login(rf, sandbox.info)
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 300
    header_b64, payload_b64, sig_b64 = tokens["access_token"].split(".")
    assert b64json(header_b64) == {"alg": "HS256", "typ": "JWT"}
    claims = b64json(payload_b64)
    assert claims["type"] == "access" and claims["sub"]
    assert 300 <= claims["exp"] - claims["iat"] <= 301
    expected = hmac.new(sandbox.secrets.jwt_key, f"{header_b64}.{payload_b64}".encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64encode(expected).rstrip(b"=").decode() == sig_b64
    assert claims_of(tokens["refresh_token"])["type"] == "refresh"


def test_login_with_an_oauth2_form(sandbox: Sandbox, rf: httpx.Client) -> None:
    info = sandbox.info.resolutionflow
    resp = rf.post("/auth/login", data={"username": info.email, "password": info.password})
    assert resp.status_code == 200 and resp.json()["token_type"] == "bearer"


@pytest.mark.parametrize("which", ["password", "email"])
def test_wrong_login_is_401(sandbox: Sandbox, rf: httpx.Client, which: str) -> None:
    info = sandbox.info.resolutionflow
    body = {"email": info.email, "password": info.password}
    body[which] = "wrong" + body[which]
    resp = rf.post("/auth/login", json=body)
    assert resp.status_code == 401
    assert resp.json() == {"detail": "Incorrect email or password"}


def test_login_validation_is_fastapi_422(rf: httpx.Client) -> None:
    resp = rf.post("/auth/login", json={"email": "x@example.com"})
    assert resp.status_code == 422
    (item,) = resp.json()["detail"]
    assert item["loc"] == ["body", "password"] and item["type"] == "missing"


def test_me(sandbox: Sandbox, rf_authed: httpx.Client) -> None:
    me = rf_authed.get("/auth/me").json()
    assert me["email"] == sandbox.info.resolutionflow.email
    assert me["role"] == "engineer"


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        (None, "Not authenticated"),
        ("Bearer not-a-jwt", "Could not validate credentials"),
        ("Basic abc", "Not authenticated"),
    ],
)
def test_missing_or_bad_bearer(rf: httpx.Client, header: str | None, detail: str) -> None:
    resp = rf.get("/ai-sessions", headers={"Authorization": header} if header else {})
    assert resp.status_code == 401
    assert resp.json() == {"detail": detail}
    assert resp.headers["www-authenticate"] == "Bearer"


def test_tampered_token_is_refused(sandbox: Sandbox, rf: httpx.Client) -> None:
    token = rf_login(rf, sandbox.info)["access_token"]
    header, payload, sig = token.split(".")
    claims = b64json(payload)
    claims["sub"] = "someone-else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    resp = rf.get("/auth/me", headers={"Authorization": f"Bearer {header}.{forged}.{sig}"})
    assert resp.status_code == 401


def test_access_ttl_is_configurable(sandbox: Sandbox, rf: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.config(resolutionflow={"access_ttl": 2})
    tokens = rf_login(rf, sandbox.info)
    claims = claims_of(tokens["access_token"])
    assert tokens["expires_in"] == 2
    assert 2 <= claims["exp"] - claims["iat"] <= 3


def test_expire_access_tokens_then_refresh(sandbox: Sandbox, rf: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    tokens = rf_login(rf, sandbox.info)
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert rf.get("/ai-sessions", headers=bearer).status_code == 200
    sandbox_admin.config(resolutionflow={"expire_access_tokens": True})
    resp = rf.get("/ai-sessions", headers=bearer)
    assert resp.status_code == 401 and resp.json() == {"detail": "Token has expired"}
    fresh = rf.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert fresh.status_code == 200
    assert rf.get("/ai-sessions", headers={"Authorization": f"Bearer {fresh.json()['access_token']}"}).status_code == 200
    # it is a one-shot action, not a lasting switch
    assert sandbox_admin.config()["resolutionflow"].get("expire_access_tokens") is None


def test_refresh_rotates_and_revokes_the_old_token(sandbox: Sandbox, rf: httpx.Client) -> None:
    first = rf_login(rf, sandbox.info)
    second = rf.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    assert second.json()["refresh_token"] != first["refresh_token"]
    reuse = rf.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reuse.status_code == 401 and reuse.json() == {"detail": "invalid_refresh_token"}
    third = rf.post("/auth/refresh", json={"refresh_token": second.json()["refresh_token"]})
    assert third.status_code == 200


@pytest.mark.parametrize("token", ["garbage", "access"])
def test_refresh_with_a_non_refresh_token(sandbox: Sandbox, rf: httpx.Client, token: str) -> None:
    if token == "access":
        token = rf_login(rf, sandbox.info)["access_token"]
    resp = rf.post("/auth/refresh", json={"refresh_token": token})
    assert resp.status_code == 401 and resp.json() == {"detail": "invalid_refresh_token"}


def test_admin_can_make_refresh_fail(sandbox: Sandbox, rf: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    tokens = rf_login(rf, sandbox.info)
    sandbox_admin.config(resolutionflow={"refresh_error": "session_expired_idle"})
    resp = rf.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert resp.status_code == 401 and resp.json() == {"detail": "session_expired_idle"}
    sandbox_admin.config(resolutionflow={"refresh_error": None})
    assert rf.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).status_code == 200


def test_logout_revokes_both_tokens(sandbox: Sandbox, rf: httpx.Client) -> None:
    tokens = rf_login(rf, sandbox.info)
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert rf.post("/auth/logout", json={"refresh_token": tokens["refresh_token"]}, headers=bearer).status_code == 200
    assert rf.get("/auth/me", headers=bearer).status_code == 401
    assert rf.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).status_code == 401


def test_reset_invalidates_every_token(sandbox: Sandbox, rf: httpx.Client) -> None:
    tokens = rf_login(rf, sandbox.info)
    sandbox.reset()
    assert rf.get("/auth/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}).status_code == 401
    assert rf.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).status_code == 401


def test_subscription_lapsed_is_402(rf_authed: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.config(resolutionflow={"subscription_lapsed": True})
    for path in ("/ai-sessions", "/ai-sessions/e1bf1b69-98b5-413a-979e-37fc4bb78c6e"):
        resp = rf_authed.get(path)
        assert resp.status_code == 402
        assert isinstance(resp.json()["detail"], str) and resp.json()["detail"]
    assert rf_authed.get("/auth/me").status_code == 200  # auth itself still works


def test_viewer_role_is_403(rf_authed: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.config(resolutionflow={"role": "viewer"})
    resp = rf_authed.get("/ai-sessions")
    assert resp.status_code == 403 and "detail" in resp.json()
    assert rf_authed.get("/auth/me").json()["role"] == "viewer"


# ---------------------------------------------------------------------------------------- sessions


def test_list_is_newest_first_summaries(rf_authed: httpx.Client) -> None:
    body = rf_authed.get("/ai-sessions", params={"page_size": 100}).json()
    assert set(body) == {"items", "total", "page", "page_size"}
    assert (body["total"], body["page"], body["page_size"]) == (18, 1, 100)
    items = body["items"]
    assert len(items) == 18
    for item in items:
        assert set(item) == set(SUMMARY_FIELDS)
        assert "steps" not in item and "conversation_messages" not in item
    dated = [parse(i["updated_at"]) for i in items if i["updated_at"]]
    assert dated == sorted(dated, reverse=True)
    assert items[-1]["id"] == "fd530582-750e-4589-a4c5-781c64765512"  # sample 15: no updated_at, listed last
    assert items[0]["id"] == "eb53c334-2efd-4a23-b0b8-f8bd834185f6"  # sample 12, updated 2026-11-24T13:05:41Z


def test_paging(rf_authed: httpx.Client) -> None:
    everything = [i["id"] for i in rf_authed.get("/ai-sessions", params={"page_size": 100}).json()["items"]]
    pages = []
    for page in range(1, 5):
        body = rf_authed.get("/ai-sessions", params={"page": page, "page_size": 5}).json()
        assert (body["total"], body["page"], body["page_size"]) == (18, page, 5)
        pages.extend(i["id"] for i in body["items"])
    assert pages == everything
    assert rf_authed.get("/ai-sessions", params={"page": 9, "page_size": 5}).json()["items"] == []
    default = rf_authed.get("/ai-sessions").json()
    assert default["page_size"] == 20 and len(default["items"]) == 18


@pytest.mark.parametrize(("params", "loc"), [({"page_size": 101}, "page_size"), ({"page": 0}, "page"),
                                             ({"page": "abc"}, "page"), ({"updated_since": "yesterday"}, "updated_since")])  # fmt: skip
def test_bad_list_parameters_are_422(rf_authed: httpx.Client, params: dict, loc: str) -> None:
    resp = rf_authed.get("/ai-sessions", params=params)
    assert resp.status_code == 422
    assert resp.json()["detail"][0]["loc"] == ["query", loc]


def test_filters(rf_authed: httpx.Client) -> None:
    chat = rf_authed.get("/ai-sessions", params={"session_type": "chat"}).json()
    assert chat["total"] == 1 and chat["items"][0]["id"] == "e1aa3f39-1040-4ea7-9fef-ad1c6cf40352"
    escalated = rf_authed.get("/ai-sessions", params={"status": "escalated", "page_size": 2}).json()
    assert escalated["total"] == 4 and len(escalated["items"]) == 2
    assert all(i["status"] == "escalated" for i in escalated["items"])


def test_updated_since(rf_authed: httpx.Client) -> None:
    since = "2026-11-24T09:09:59Z"  # sample 13 was updated exactly then: strictly after excludes it
    body = rf_authed.get("/ai-sessions", params={"updated_since": since}).json()
    assert body["total"] == 3
    assert all(parse(i["updated_at"]) > parse(since) for i in body["items"])
    offset = rf_authed.get("/ai-sessions", params={"updated_since": "2026-11-24T10:09:59+01:00"}).json()
    assert offset["total"] == 3


def test_bare_list_shape(rf_authed: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.config(resolutionflow={"list_shape": "bare"})
    body = rf_authed.get("/ai-sessions", params={"page_size": 3}).json()
    assert isinstance(body, list) and len(body) == 3
    assert set(body[0]) == set(SUMMARY_FIELDS)


def test_detail_is_exactly_the_stored_session(rf_authed: httpx.Client) -> None:
    for path in sample_files():
        stored = json.loads(path.read_text(encoding="utf-8"))
        resp = rf_authed.get(f"/ai-sessions/{stored['id']}")
        assert resp.status_code == 200
        assert resp.json() == stored
        assert list(resp.json()) == list(stored)  # same keys, same order


def test_unknown_session_is_404(rf_authed: httpx.Client) -> None:
    resp = rf_authed.get("/ai-sessions/00000000-0000-0000-0000-000000000000")
    assert resp.status_code == 404 and resp.json() == {"detail": "Session not found"}


def test_add_sessions_upserts_and_keeps_malformed_ones(rf_authed: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    weird = [
        {"id": "bad-1", "updated_at": "not a date", "steps": "not a list", "status": 7},
        "just a string",
        {"title": "no id at all", "updated_at": "2030-01-01T00:00:00Z"},
        {"id": "e1bf1b69-98b5-413a-979e-37fc4bb78c6e", "status": "resolved", "updated_at": "2031-01-01T00:00:00Z"},
    ]
    result = sandbox_admin.add_sessions(weird)
    assert result == {"inserted": 3, "updated": 1, "total": 21}
    assert rf_authed.get("/ai-sessions/bad-1").json() == weird[0]
    items = rf_authed.get("/ai-sessions", params={"page_size": 100}).json()["items"]
    assert items[0]["id"] == "e1bf1b69-98b5-413a-979e-37fc4bb78c6e"  # replaced, now the newest
    assert items[1]["title"] == "no id at all" and items[1]["id"] is None
    assert "just a string" in items
    assert rf_authed.get("/ai-sessions/e1bf1b69-98b5-413a-979e-37fc4bb78c6e").json() == weird[3]


def test_ten_thousand_sessions(rf_authed: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    many = [
        {
            "id": f"00000000-0000-4000-8000-{n:012d}",
            "session_type": "chat" if n % 10 == 0 else "guided",
            "status": "resolved",
            "title": f"generated {n}",
            "updated_at": f"2027-01-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:{(n // 60) % 60:02d}Z",
            "steps": [],
        }
        for n in range(10_000)
    ]
    assert sandbox_admin.add_sessions(many)["total"] == 10_018
    first = rf_authed.get("/ai-sessions", params={"page_size": 100}).json()
    assert first["total"] == 10_018
    expected = sorted(many, key=lambda s: (-parse(s["updated_at"]).timestamp(), s["id"]))
    assert [i["id"] for i in first["items"]] == [s["id"] for s in expected[:100]]
    seen: list[str] = []
    for page in range(1, 102):
        seen.extend(i["id"] or "" for i in rf_authed.get("/ai-sessions", params={"page": page, "page_size": 100}).json()["items"])
    assert len(seen) == len(set(seen)) == 10_018
    since = "2027-01-27T00:00:00Z"
    recent = rf_authed.get("/ai-sessions", params={"updated_since": since, "page_size": 100}).json()
    assert recent["total"] == sum(1 for s in many if parse(s["updated_at"]) > parse(since))
    chats = rf_authed.get("/ai-sessions", params={"session_type": "chat", "page": 3, "page_size": 100}).json()
    assert chats["total"] == 1_001 and len(chats["items"]) == 100
