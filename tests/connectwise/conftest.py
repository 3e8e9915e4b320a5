"""The ConnectWise client's unit tests run against the in-process sandbox (``sandbox_app``): no socket."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from flowdesk.connectwise.client import ConnectWiseClient
from flowdesk.sandbox import SandboxApp
from flowdesk.sandbox.admin import SandboxAdmin
from tests.plugins.sandbox import connectwise_client


@pytest.fixture
def make_client(sandbox_app: SandboxApp) -> Iterator[Callable[..., ConnectWiseClient]]:
    """``make_client(**overrides)``: a ConnectWise client on ``sandbox_app`` (closed after the test)."""
    made: list[ConnectWiseClient] = []

    def make(**kw: Any) -> ConnectWiseClient:
        client = connectwise_client(sandbox_app, **kw)
        made.append(client)
        return client

    yield make
    for c in made:
        c.close()


@pytest.fixture
def client(make_client: Callable[..., ConnectWiseClient]) -> ConnectWiseClient:
    return make_client()


@pytest.fixture
def admin(sandbox_app_admin: SandboxAdmin) -> SandboxAdmin:
    return sandbox_app_admin


def requests(admin: SandboxAdmin) -> list[dict[str, Any]]:
    """Every request the sandbox received, in order (the ledger)."""
    return admin.ledger()["requests"]


def api_requests(admin: SandboxAdmin) -> list[dict[str, Any]]:
    return [r for r in requests(admin) if "/apis/3.0/" in r["path"]]


def discovery_requests(admin: SandboxAdmin) -> list[dict[str, Any]]:
    return [r for r in requests(admin) if r["path"].startswith("/login/companyinfo/")]


def last_request_id(admin: SandboxAdmin) -> str:
    return requests(admin)[-1]["request_id"]


def ticket_json(app: SandboxApp, ticket_id: int) -> dict[str, Any]:
    """A sandbox ticket as the API serves it (for a fault that serves it somewhere else, or changed)."""
    ticket = dict(app.state.tickets[ticket_id])
    ticket.pop("statusTimeEntryNotAllowed", None)
    return ticket
