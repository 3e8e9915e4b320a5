"""Plain-httpx clients for testing the sandbox itself (not FlowDesk's own clients)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from flowdesk.sandbox import Sandbox, SandboxInfo

ACCEPT = "application/vnd.connectwise.com+json; version=2025.8"


def basic_auth(company: str, public: str, private: str) -> str:
    return "Basic " + base64.b64encode(f"{company}+{public}:{private}".encode()).decode()


def cw_headers(info: SandboxInfo, **overrides: str | None) -> dict[str, str]:
    cw = info.connectwise
    headers: dict[str, str | None] = {
        "Authorization": basic_auth(cw.company, cw.public_key, cw.private_key),
        "clientId": cw.client_id,
        "Accept": ACCEPT,
    }
    headers.update(overrides)
    return {k: v for k, v in headers.items() if v is not None}


def codebase_of(site: str, company: str, **client_kwargs: Any) -> str:
    client_kwargs.setdefault("verify", False)
    with httpx.Client(**client_kwargs) as c:
        return c.get(f"{site}/login/companyinfo/{company}").json()["Codebase"]


@pytest.fixture
def cw(sandbox: Sandbox) -> Iterator[httpx.Client]:
    """An httpx client on ``{site}/{codebase}apis/3.0`` with the sandbox's keys, clientId and version."""
    info = sandbox.info
    codebase = codebase_of(info.connectwise.site, info.connectwise.company)
    # verify=False: plain HTTP, and it spares building an SSL context (~30 ms) per test
    with httpx.Client(base_url=f"{info.connectwise.site}/{codebase}apis/3.0", headers=cw_headers(info), verify=False) as client:
        yield client


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """A bare keep-alive httpx client for plain-HTTP URLs."""
    with httpx.Client(verify=False) as client:
        yield client


@pytest.fixture
def rf(sandbox: Sandbox) -> Iterator[httpx.Client]:
    """An httpx client on ResolutionFlow's ``/api/v1`` (not logged in)."""
    with httpx.Client(base_url=f"{sandbox.info.resolutionflow.url}/api/v1", verify=False) as client:
        yield client


def rf_login(client: httpx.Client, info: SandboxInfo) -> dict[str, Any]:
    resp = client.post("/auth/login", json={"email": info.resolutionflow.email, "password": info.resolutionflow.password})
    assert resp.status_code == 200, resp.text
    return resp.json()


@pytest.fixture
def rf_authed(rf: httpx.Client, sandbox: Sandbox) -> httpx.Client:
    """The ``rf`` client logged in as the demo user (bearer header set)."""
    tokens = rf_login(rf, sandbox.info)
    rf.headers["Authorization"] = f"Bearer {tokens['access_token']}"
    return rf
