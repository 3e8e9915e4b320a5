"""Fixtures for the ResolutionFlow client, sync and importer tests (real sockets to the sandbox)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from flowdesk.resolutionflow.client import ResolutionFlowClient
from flowdesk.sandbox import Sandbox
from flowdesk.sandbox.admin import SandboxAdmin
from flowdesk.store import Database, SessionCache

SEEDED = 18
POSTED_ID = "eb53c334-2efd-4a23-b0b8-f8bd834185f6"  # sample 12: ResolutionFlow already posted its note
UNDATED_ID = "fd530582-750e-4589-a4c5-781c64765512"  # sample 15: no timestamps at all
NEWEST_ID = POSTED_ID  # sample 12 has the newest updated_at (2026-11-24T13:05:41Z)


class Tokens:
    """Records every refresh token handed to ``on_tokens`` (what the keyring would store)."""

    def __init__(self) -> None:
        self.saved: list[str] = []

    def __call__(self, token: str) -> None:
        self.saved.append(token)

    @property
    def latest(self) -> str:
        return self.saved[-1]


class HookTransport(httpx.BaseTransport):
    """A real socket transport that runs ``before(request)`` first: lets a test act at an exact point
    of a conversation (e.g. between two pages) without sleeping."""

    def __init__(self, before: Callable[[httpx.Request], None], **kw: Any) -> None:
        self._inner = httpx.HTTPTransport(**kw)
        self._before = before

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._before(request)
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


@pytest.fixture
def tokens() -> Tokens:
    return Tokens()


@pytest.fixture
def make_client(sandbox: Sandbox, tokens: Tokens) -> Iterator[Callable[..., ResolutionFlowClient]]:
    made: list[ResolutionFlowClient] = []

    def make(**kw: Any) -> ResolutionFlowClient:
        kw.setdefault("on_tokens", tokens)
        c = ResolutionFlowClient(sandbox.info.resolutionflow.url, **kw)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


@pytest.fixture
def client(make_client) -> ResolutionFlowClient:
    return make_client()


@pytest.fixture
def signed_in(client: ResolutionFlowClient, sandbox: Sandbox) -> ResolutionFlowClient:
    info = sandbox.info.resolutionflow
    client.sign_in(info.email, info.password)
    return client


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[SessionCache]:
    db = Database(tmp_path / "cache" / "flowdesk.sqlite3")
    yield SessionCache(db)
    db.close()


def rf_requests(admin: SandboxAdmin) -> list[dict[str, Any]]:
    return [r for r in admin.ledger()["requests"] if r["api"] == "resolutionflow"]


def calls(admin: SandboxAdmin) -> list[tuple[str, str, str | None, int | None]]:
    """``(method, path, page, status)`` of every ResolutionFlow request, in order."""
    return [(r["method"], r["path"], r["query"].get("page"), r["status"]) for r in rf_requests(admin)]


def detail_gets(admin: SandboxAdmin) -> int:
    """How many session bodies were served (GET /api/v1/ai-sessions/{id}) since the last reset."""
    return admin.wait("requests", 0, method="GET", path="/api/v1/ai-sessions/*")


def generated(n: int, *, start: int = 0, updated: str = "2027-01-{d:02d}T{h:02d}:{m:02d}:{s:02d}Z", **extra: Any) -> list[dict]:
    """``n`` small but valid sessions with distinct ids and ``updated_at`` values."""
    out = []
    for i in range(start, start + n):
        out.append(
            {
                "id": f"00000000-0000-4000-8000-{i:012d}",
                "session_type": "guided",
                "status": "resolved",
                "problem_summary": f"generated session {i}",
                "client_name": f"Client {i % 97}",
                "psa_ticket_id": 50000 + i,
                "created_at": "2027-01-01T00:00:00Z",
                "updated_at": updated.format(d=1 + i % 28, h=i % 24, m=(i // 24) % 60, s=(i // 1440) % 60),
                "state_version": 1,
                "steps": [{"step_order": 1, "step_type": "action", "content": {"text": f"step of {i}"}}],
                **extra,
            }
        )
    return out
