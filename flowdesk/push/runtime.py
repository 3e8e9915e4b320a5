"""Wiring the drainer to the saved ConnectWise account (shared by ``flowdesk queue drain`` and the window).

The client provider refuses a job queued for another account than the saved one: a push queued under
one engineer's keys must never be posted with another's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection
from datetime import datetime
from typing import TYPE_CHECKING

import httpx

from flowdesk.connectwise.account import AccountError, open_client, profile_key
from flowdesk.connectwise.client import ConnectWiseClient
from flowdesk.core.settings import ConnectWiseProfile
from flowdesk.credentials import CredentialStore
from flowdesk.push.drainer import ClientUnavailable, Connection, Drainer
from flowdesk.push.lock import DrainLock, DrainLockBusy
from flowdesk.push.report import DrainReport
from flowdesk.store.jobs import PushJob

if TYPE_CHECKING:
    from flowdesk.services import Services


def account_label(key: str) -> str:
    """``connectwise:acme@na.myconnectwise.net`` -> ``acme on na.myconnectwise.net``."""
    company, _, host = key.removeprefix("connectwise:").partition("@")
    return f"{company} on {host}" if host else key


def open_connection(
    site: str, profile: ConnectWiseProfile, credentials: CredentialStore, *, timeout: httpx.Timeout | None = None
) -> Connection:
    """A client for the push jobs of ``site`` (a profile key), or :class:`ClientUnavailable` saying what to do."""
    try:
        key = profile_key(profile)
    except AccountError as exc:
        raise ClientUnavailable(str(exc)) from None
    if site != key:
        raise ClientUnavailable(
            f"These pushes were queued for the ConnectWise account {account_label(site)}, but the saved account is "
            f"{account_label(key)}: connect that account again to send them, or cancel them."
        )
    try:
        client = open_client(profile, credentials, timeout=timeout)
    except AccountError as exc:
        raise ClientUnavailable(str(exc), exc.keyring) from None
    return Connection(client, profile.member_identifier or None, profile.member_name or None)


class CachedProvider:
    """For a long-running process: one client per account, kept between drains (a client costs a keyring
    read and a TLS context), dropped by :meth:`reset` when the account changes."""

    def __init__(self, profile: Callable[[], ConnectWiseProfile], credentials: Callable[[], CredentialStore]) -> None:
        self._profile = profile
        self._credentials = credentials
        self._connections: dict[str, Connection] = {}
        self._lock = threading.Lock()

    def __call__(self, site: str) -> Connection:
        with self._lock:
            conn = self._connections.get(site)
            if conn is None:
                conn = open_connection(site, self._profile(), self._credentials())
                self._connections[site] = conn
            return conn

    def reset(self) -> None:
        with self._lock:
            conns, self._connections = list(self._connections.values()), {}
        for c in conns:
            c.client.close()

    def interrupt(self) -> None:
        """Abort a request in flight (quitting): its job is checked on the ticket next time."""
        for c in list(self._connections.values()):
            c.client.close()


class WindowDrainer:
    """The drainer as the window's push worker uses it (a :class:`~flowdesk.push.protocol.PushDrainer`):
    cached clients, the drain lock held for as long as the window runs (a ``flowdesk queue drain``
    elsewhere makes it wait: :class:`DrainLockBusy`), crash recovery on first taking the lock."""

    def __init__(self, services: Services, on_change: Callable[[PushJob], None] | None = None) -> None:
        self.provider = CachedProvider(lambda: services.settings.connectwise, lambda: services.credentials)
        self.drainer = Drainer(services.outbox, self.provider, on_change=on_change)
        self.lock = DrainLock(services.paths.drain_lock_file)
        self._locked = False

    def _take_lock(self) -> None:
        if self._locked:
            return
        if not self.lock.acquire():
            raise DrainLockBusy(self.lock.holder_pid())
        self._locked = True
        self.drainer.recover()  # jobs a crash left "sending" become "unknown" before anything is sent

    def recover(self) -> int:
        self._take_lock()
        return 0

    def run_due(
        self, *, stop: threading.Event | None = None, max_jobs: int | None = None, deadline: datetime | None = None,
        first: Collection[int] = (),
    ) -> DrainReport:
        self._take_lock()
        return self.drainer.run_due(stop=stop, max_jobs=max_jobs, deadline=deadline, first=first)

    def next_due_at(self) -> datetime | None:
        return self.drainer.next_due_at()

    def clear_hold_off(self) -> None:
        self.drainer.clear_hold_off()

    def reset_client(self) -> None:  # the account changed: a site without a client may have one now
        self.provider.reset()
        self.drainer.forget_no_client()

    def close(self) -> None:
        self.provider.reset()
        if self._locked:
            self.lock.release()
            self._locked = False

    def interrupt(self) -> None:
        self.provider.interrupt()


def make_drainer(services: Services, *, on_change: Callable[[PushJob], None] | None = None) -> WindowDrainer:
    return WindowDrainer(services, on_change)


__all__ = ["CachedProvider", "ConnectWiseClient", "WindowDrainer", "account_label", "make_drainer", "open_connection"]
