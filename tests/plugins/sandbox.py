"""Pytest fixtures for the FlowDesk sandbox (ConnectWise + ResolutionFlow with faults): the only imitation.

Loaded from ``tests/conftest.py`` (``pytest_plugins = ["tests.plugins.sandbox"]``). Two ways in:

* **over sockets** — ``sandbox`` (plain HTTP) and ``sandbox_tls`` (HTTPS): one server per test session
  each, reset to the seeded state before every test that asks for it; ``sandbox_admin`` /
  ``sandbox_tls_admin`` drive their admin API. For what needs a real socket: the command line and
  subprocesses, TLS, resets and closes, holds against a real read timeout, streamed bodies, refused ports.
* **in process** — ``sandbox_app``: a fresh :class:`SandboxApp` per test (a WSGI app, no socket, no
  server thread); ``sandbox_app_admin`` is the same admin API over ``sandbox_app.transport()``. FlowDesk's
  clients take that transport: :func:`connectwise_client` / :func:`resolutionflow_client` build them
  for either kind of sandbox. In process, a ``drop`` raises the httpx error the socket would have caused,
  and a wait longer than the client's read timeout ends in ``httpx.ReadTimeout`` at once.

Every sandbox starts with: the 17 tickets and their history notes, the 18 sample sessions, default config
(no latency, codebase ``v2025_1/``, all permissions, no start/end requirement), no faults, no held
requests, an empty ledger and no valid ResolutionFlow tokens. Typical use::

    def test_posts_a_note(sandbox_app, sandbox_app_admin):
        client = connectwise_client(sandbox_app)
        sandbox_app_admin.add_fault(method="POST", path="*/notes", status=503, store=True)
        ... run the code under test with client ...
        assert sandbox_app_admin.ledger()["notes"][0]["ticketId"] == 48211

Never sleep: use ``admin.wait(...)``, and ``hold`` faults with ``wait("held", 1)`` / ``release()`` to stop
a request at an exact point.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from flowdesk.sandbox import Sandbox, SandboxApp, SandboxTransport
from flowdesk.sandbox.admin import SandboxAdmin

if TYPE_CHECKING:
    from flowdesk.connectwise.client import ConnectWiseClient
    from flowdesk.resolutionflow.client import ResolutionFlowClient


def connectwise_client(sb: Sandbox | SandboxApp, **kwargs: Any) -> ConnectWiseClient:
    """FlowDesk's ConnectWise client signed in with the sandbox's keys: in process through the app's transport,
    over a socket with the sandbox's CA file. Keyword arguments override (``company``, ``private_key``, ...)."""
    from flowdesk.connectwise.client import ConnectWiseClient

    info = sb.info
    cw = info.connectwise
    kwargs.setdefault("client_id", cw.client_id)
    if isinstance(sb, SandboxApp):
        kwargs.setdefault("transport", sb.transport())
    else:
        kwargs.setdefault("ca_file", info.ca_file)
    return ConnectWiseClient(
        kwargs.pop("site", cw.site), kwargs.pop("company", cw.company), kwargs.pop("public_key", cw.public_key),
        kwargs.pop("private_key", cw.private_key), **kwargs,
    )  # fmt: skip


def resolutionflow_client(sb: Sandbox | SandboxApp, **kwargs: Any) -> ResolutionFlowClient:
    """FlowDesk's ResolutionFlow client for the sandbox (not signed in), as :func:`connectwise_client`."""
    from flowdesk.resolutionflow.client import ResolutionFlowClient

    info = sb.info
    if isinstance(sb, SandboxApp):
        kwargs.setdefault("transport", sb.transport())
    else:
        kwargs.setdefault("ca_file", info.ca_file)
    return ResolutionFlowClient(kwargs.pop("url", info.resolutionflow.url), **kwargs)


def _fresh(sb: Sandbox) -> Sandbox:
    sb.reset()
    sb.app.register_secrets()  # tests/conftest.py forgets registered secrets after every test
    return sb


# ------------------------------------------------------------------------------------------ sockets


@pytest.fixture(scope="session")
def _sandbox_server() -> Iterator[Sandbox]:
    with Sandbox() as sb:
        yield sb


@pytest.fixture(scope="session")
def _sandbox_tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with Sandbox(tls=True, cert_dir=tmp_path_factory.mktemp("sandbox-tls")) as sb:
        yield sb


@pytest.fixture
def sandbox(_sandbox_server: Sandbox) -> Iterator[Sandbox]:
    """A running plain-HTTP sandbox in its seeded state (shared server, reset for this test).

    ``sandbox.info.connectwise`` / ``.resolutionflow`` / ``.admin`` give the URLs and credentials;
    ``sandbox.state`` is the server's state for white-box checks (hold ``sandbox.state.cond`` to read it).
    """
    yield _fresh(_sandbox_server)
    _sandbox_server.state.abort_holds()  # never leave a handler thread blocked past its test


@pytest.fixture
def sandbox_tls(_sandbox_tls_server: Sandbox) -> Iterator[Sandbox]:
    """Like ``sandbox`` but HTTPS with a throwaway CA: use ``verify=sandbox_tls.info.ssl_context()`` (httpx)
    or the CA file itself, ``sandbox_tls.info.ca_file``."""
    yield _fresh(_sandbox_tls_server)
    _sandbox_tls_server.state.abort_holds()


@pytest.fixture
def sandbox_admin(sandbox: Sandbox) -> Iterator[SandboxAdmin]:
    """A :class:`SandboxAdmin` for the ``sandbox`` fixture's server (ledger, faults, config, wait, release)."""
    with SandboxAdmin.for_sandbox(sandbox) as admin:
        yield admin


@pytest.fixture
def sandbox_tls_admin(sandbox_tls: Sandbox) -> Iterator[SandboxAdmin]:
    """A :class:`SandboxAdmin` for the ``sandbox_tls`` fixture's server."""
    with SandboxAdmin.for_sandbox(sandbox_tls) as admin:
        yield admin


# ------------------------------------------------------------------------------------------ in process


@pytest.fixture
def sandbox_app() -> Iterator[SandboxApp]:
    """A fresh in-process sandbox for this test (its own state and keys; ``info.connectwise.site`` is
    ``https://sandbox.flowdesk.invalid``, reached only through ``sandbox_app.transport()``)."""
    app = SandboxApp()
    yield app
    app.close()  # ends held requests and joins the threads that finish them


@pytest.fixture
def sandbox_transport(sandbox_app: SandboxApp) -> SandboxTransport:
    """An httpx transport into ``sandbox_app`` (``httpx.Client(transport=...)``)."""
    return sandbox_app.transport()


@pytest.fixture
def sandbox_app_admin(sandbox_app: SandboxApp) -> Iterator[SandboxAdmin]:
    """The admin API of ``sandbox_app``, in process: the same methods as ``sandbox_admin``."""
    with sandbox_app.admin() as admin:
        yield admin
