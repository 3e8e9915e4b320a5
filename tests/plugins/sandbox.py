"""Pytest fixtures for the FlowDesk sandbox (loopback ConnectWise + ResolutionFlow with faults).

Loaded from ``tests/conftest.py`` (``pytest_plugins = ["tests.plugins.sandbox"]``). One server per test
session (plain and TLS each), reset to the seeded state before every test that asks for it, so every
test starts with: the 17 tickets and their history notes, the 18 sample sessions, default config
(no latency, codebase ``v2025_1/``, all permissions, no start/end requirement), no faults, no held
requests, an empty ledger and no valid ResolutionFlow tokens.

Typical use::

    def test_posts_a_note(sandbox, sandbox_admin):
        cw = sandbox.info.connectwise          # site, company, public_key, private_key, client_id
        sandbox_admin.add_fault(method="POST", path="*/notes", status=503, store=True)
        ... run the code under test against cw.site ...
        sandbox_admin.wait("notes", 1)
        assert sandbox_admin.ledger()["notes"][0]["ticketId"] == 48211

Never sleep: use ``sandbox_admin.wait(...)``, and ``hold`` faults with ``wait("held", 1)`` /
``release()`` to stop a request at an exact point.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from flowdesk.logs import register_secret
from flowdesk.sandbox import Sandbox
from flowdesk.sandbox.admin import SandboxAdmin


def _fresh(sb: Sandbox) -> Sandbox:
    sb.reset()
    # tests/conftest.py forgets registered secrets after every test; register this sandbox's again
    for secret in (sb.secrets.public_key, sb.secrets.private_key, sb.secrets.rf_password):
        register_secret(secret)
    return sb


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
