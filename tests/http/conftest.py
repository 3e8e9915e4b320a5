"""Fixtures for the HTTP foundation's tests: a clean proxy environment, a second sandbox (another origin
to redirect to), clients of both services against a sandbox, and a loopback proxy."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from flowdesk.connectwise.client import ConnectWiseClient
from flowdesk.logs import register_secret
from flowdesk.resolutionflow.client import ResolutionFlowClient
from flowdesk.sandbox import Sandbox
from flowdesk.sandbox.admin import SandboxAdmin
from flowdesk.sandbox.proxy import SandboxProxy

PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture(autouse=True)
def no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the machine running the tests has, these tests start without proxy variables."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture(scope="session")
def _other_server() -> Iterator[Sandbox]:
    with Sandbox() as sb:
        yield sb


@pytest.fixture
def other(_other_server: Sandbox) -> Iterator[SandboxAdmin]:
    """The admin of a second sandbox on another port: another origin, where nothing should arrive."""
    _other_server.reset()
    with SandboxAdmin.for_sandbox(_other_server) as admin:
        yield admin


def _clients(sb: Sandbox, made: list[Any]) -> tuple[Callable[..., ConnectWiseClient], Callable[..., ResolutionFlowClient]]:
    for secret in (sb.secrets.public_key, sb.secrets.private_key, sb.secrets.rf_password):
        register_secret(secret)

    def cw(**kw: Any) -> ConnectWiseClient:
        info = sb.info.connectwise
        kw.setdefault("ca_file", sb.info.ca_file)
        c = ConnectWiseClient(info.site, info.company, info.public_key, info.private_key, **kw)
        made.append(c)
        return c

    def rf(*, signed_in: bool = True, **kw: Any) -> ResolutionFlowClient:
        info = sb.info.resolutionflow
        kw.setdefault("ca_file", sb.info.ca_file)
        c = ResolutionFlowClient(info.url, **kw)
        made.append(c)
        if signed_in:
            c.sign_in(info.email, info.password)
        return c

    return cw, rf


Factories = tuple[Callable[..., ConnectWiseClient], Callable[..., ResolutionFlowClient]]


def _closing(sb: Sandbox) -> Iterator[Factories]:
    made: list[Any] = []
    yield _clients(sb, made)
    for c in made:
        c.close()


@pytest.fixture
def clients(sandbox: Sandbox) -> Iterator[Factories]:
    """``(cw, rf)``: factories of ConnectWise and (signed-in) ResolutionFlow clients for the plain sandbox."""
    yield from _closing(sandbox)


@pytest.fixture
def tls_clients(sandbox_tls: Sandbox) -> Iterator[Factories]:
    """``(cw, rf)`` for the HTTPS sandbox, trusting its CA file."""
    yield from _closing(sandbox_tls)


@pytest.fixture
def proxy() -> Iterator[SandboxProxy]:
    with SandboxProxy() as p:
        yield p
