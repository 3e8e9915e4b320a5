"""``SandboxAdmin``: a small httpx client over the sandbox's admin API, for tests, the demo and benchmarks.

    admin = SandboxAdmin.for_sandbox(sb)            # or SandboxAdmin(info.admin, ca_file=info.ca_file)
    admin.add_fault(method="POST", path="*/notes", status=503, retry_after=120)
    ... drive the client under test ...
    admin.wait("notes", 1)                          # blocks on the server; raises SandboxWaitTimeout
    assert admin.ledger()["notes"][0]["text"] == ...
"""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from flowdesk.sandbox.app import SandboxApp
    from flowdesk.sandbox.server import Sandbox


class SandboxAdminError(RuntimeError):
    """The admin API refused a request (bad fault spec, unknown config key, ...)."""


class SandboxWaitTimeout(TimeoutError):
    """``wait()`` ran out of time before the count was reached."""

    def __init__(self, what: str, count: int, current: int, timeout: float) -> None:
        super().__init__(f"waited {timeout:g}s for {count} {what}, got {current}")
        self.what = what
        self.count = count
        self.current = current


class SandboxAdmin:
    """``SandboxAdmin(admin_url, ca_file=, timeout=, transport=)``: over a socket, or in process with
    ``transport=app.transport()`` (what :meth:`SandboxApp.admin` does)."""

    def __init__(
        self, admin_url: str, *, ca_file: str | None = None, timeout: float = 30.0, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.base_url = admin_url.rstrip("/") + "/"
        # plain HTTP needs no SSL context (building one with certifi costs ~30 ms per client)
        verify: ssl.SSLContext | bool = (
            ssl.create_default_context(cafile=ca_file) if ca_file else self.base_url.startswith("https:") and transport is None
        )
        self._client = httpx.Client(base_url=self.base_url, verify=verify, timeout=timeout, transport=transport, trust_env=False)

    @classmethod
    def for_sandbox(cls, sandbox: Sandbox | SandboxApp, **kwargs: Any) -> SandboxAdmin:
        """The admin of a running :class:`Sandbox` (over its socket) or of a :class:`SandboxApp` (in process)."""
        from flowdesk.sandbox.app import SandboxApp

        if isinstance(sandbox, SandboxApp):
            return sandbox.admin(**kwargs)
        info = sandbox.info
        return cls(info.admin, ca_file=info.ca_file, **kwargs)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> SandboxAdmin:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, *, ok: tuple[int, ...] = (200, 201), **kwargs: Any) -> httpx.Response:
        resp = self._client.request(method, path, **kwargs)
        if resp.status_code not in ok:
            try:
                message = resp.json().get("error", resp.text)
            except ValueError:
                message = resp.text
            raise SandboxAdminError(f"{method} {path}: HTTP {resp.status_code}: {message}")
        return resp

    # -- the API --------------------------------------------------------------------------------------

    def ledger(self) -> dict[str, list[dict[str, Any]]]:
        """``{"notes": [...], "time_entries": [...], "requests": [...]}`` (see the admin API docs)."""
        return self._call("GET", "ledger").json()

    def add_fault(self, **spec: Any) -> int:
        """Add one fault; returns its id. Keys: method, path, times, status, retry_after, store, delay_ms,
        delay_after_store_ms, drop, drop_with, body, json, headers, hold, redirect, body_bytes, endless,
        trickle_ms (see docs/sandbox.md, "Fault spec")."""
        return int(self._call("POST", "faults", json=spec).json()["id"])

    def faults(self) -> list[dict[str, Any]]:
        return self._call("GET", "faults").json()

    def remove_fault(self, fault_id: int) -> None:
        self._call("DELETE", f"faults/{fault_id}")

    def clear_faults(self) -> int:
        return int(self._call("DELETE", "faults").json()["cleared"])

    def reset(self) -> None:
        self._call("POST", "reset")

    def config(self, **changes: Any) -> dict[str, Any]:
        """Change settings (latency_ms, codebase, api_version, member={...}, resolutionflow={...});
        returns the whole effective config. Without arguments, just reads it."""
        if not changes:
            return self._call("GET", "config").json()
        return self._call("POST", "config", json=changes).json()

    def wait(self, what: str, count: int, timeout: float = 10.0, **filters: Any) -> int:
        """Block until ``count`` ``notes`` / ``time_entries`` / ``requests`` exist, or ``held`` requests are
        held right now. Filters: ``method``, ``path`` (fnmatch) and ``status`` for requests and held;
        ``ticket`` for notes and time entries. Returns the current count; raises SandboxWaitTimeout."""
        params = {"what": what, "count": count, "timeout": timeout}
        params.update({k: v for k, v in filters.items() if v is not None})
        resp = self._call("GET", "wait", params=params, ok=(200, 408), timeout=timeout + 10.0)
        body = resp.json()
        if resp.status_code == 408:
            raise SandboxWaitTimeout(what, count, int(body.get("current", 0)), timeout)
        return int(body["current"])

    def held(self) -> list[dict[str, Any]]:
        return self._call("GET", "held").json()

    def release(self) -> int:
        """Release every held request; returns how many."""
        return int(self._call("POST", "release").json()["released"])

    def add_sessions(self, sessions: list[Any]) -> dict[str, int]:
        """Upsert raw ResolutionFlow session dicts (stored and served exactly as given)."""
        return self._call("POST", "sessions", json=sessions).json()

    def add_notes(self, notes: list[dict[str, Any]] | dict[str, Any]) -> list[dict[str, Any]]:
        """Put notes on tickets as another member (or ConnectWise itself) would have: stored exactly as given,
        each with a ``ticketId``; without an ``id`` a note gets the next one. Returns them as stored."""
        return self._call("POST", "notes", json=notes).json()

    def add_time_entries(self, entries: list[dict[str, Any]] | dict[str, Any]) -> list[dict[str, Any]]:
        """Time entries someone else entered, stored exactly as given (ids as for notes)."""
        return self._call("POST", "time_entries", json=entries).json()

    def info(self) -> dict[str, Any]:
        return self._call("GET", "info").json()
