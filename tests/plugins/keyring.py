"""pytest plugin: an in-memory keyring for every test, and a real Secret Service for the tests that ask.

* ``memory_keyring`` (autouse): a fresh :class:`MemoryKeyring` installed with ``keyring.set_keyring`` for
  each test and the previous backend restored afterwards, so no test ever reaches the OS keyring by
  accident. (Its own correctness is checked with keyring's ``BackendBasicTests`` in
  ``tests/test_credentials.py``.)
* ``secret_service`` / ``real_keyring`` (session): a PRIVATE ``dbus-daemon --session`` and
  ``gnome-keyring-daemon --foreground --unlock --components=secrets`` with fresh ``XDG_*`` folders
  (``shared/reference/environment.md`` §4); the fixture waits for ``org.freedesktop.secrets`` to appear
  on that bus through jeepney (a D-Bus signal, not a sleep). ``real_keyring`` is
  ``keyring.backends.SecretService.Keyring()`` talking to it. Missing programs skip on a laptop and fail
  when ``CI`` is set (``tests.conftest.require``).
* ``start_secret_service``: a factory for extra daemon pairs (e.g. a second run over an existing
  ``login.keyring`` with another password, which leaves the keyring locked).
* On Windows (CI: under Wine) ``secret_service`` is Windows' own Credential Manager instead: children find it
  without any environment, ``real_keyring`` is keyring's ``WinVaultKeyring``, and every ``FlowDesk*``
  credential is removed before and after the session. ``start_secret_service`` is Linux's only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import keyring
import keyring.core
import keyring.errors
import pytest
from keyring.backend import KeyringBackend

from tests.conftest import WINDOWS, require

SECRETS_BUS_NAME = "org.freedesktop.secrets"
# the backend keyring picks in the subprocesses of the tests that use ``real_keyring``
REAL_BACKEND = "keyring.backends.Windows.WinVaultKeyring" if WINDOWS else "keyring.backends.SecretService.Keyring"
TEST_PASSWORD = "flowdesk-test-keyring"
_ENV_KEYS = ("DBUS_SESSION_BUS_ADDRESS", "XDG_DATA_HOME", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME")


class MemoryKeyring(KeyringBackend):
    """A dict-backed keyring. Priority below ``fail``'s, so keyring never picks it on its own."""

    priority = -10  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.entries[(service, username)]
        except KeyError:
            raise keyring.errors.PasswordDeleteError("No such password!") from None


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.core._keyring_backend  # read without triggering backend detection
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.core._keyring_backend = previous


@dataclass
class SecretService:
    """One private D-Bus session bus with gnome-keyring's Secret Service on it."""

    root: Path
    password: str = TEST_PASSWORD
    address: str = ""
    env: dict[str, str] = field(default_factory=dict)
    _procs: list[subprocess.Popen] = field(default_factory=list)

    @property
    def data_home(self) -> Path:
        return self.root / "data"

    def start(self) -> SecretService:
        from jeepney import MatchRule, message_bus
        from jeepney.io.blocking import open_dbus_connection

        runtime = self.root / f"run-{len(list(self.root.glob('run-*')))}"
        for d in (self.data_home, runtime, self.root / "config", self.root / "cache"):
            d.mkdir(parents=True, exist_ok=True, mode=0o700)
        env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS")}
        env.update(
            XDG_DATA_HOME=str(self.data_home),
            XDG_RUNTIME_DIR=str(runtime),
            XDG_CONFIG_HOME=str(self.root / "config"),
            XDG_CACHE_HOME=str(self.root / "cache"),
        )
        bus = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--print-address=1", f"--address=unix:dir={runtime}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            text=True,
        )
        self._procs.append(bus)
        assert bus.stdout is not None
        self.address = bus.stdout.readline().strip()
        if not self.address:
            self.stop()
            pytest.fail("dbus-daemon did not print its address", pytrace=False)
        env["DBUS_SESSION_BUS_ADDRESS"] = self.address
        self.env = env
        conn = open_dbus_connection(bus=self.address)
        try:
            rule = MatchRule(
                type="signal",
                sender=message_bus.bus_name,
                interface=message_bus.interface,
                member="NameOwnerChanged",
                path=message_bus.object_path,
            )
            rule.add_arg_condition(0, SECRETS_BUS_NAME)
            conn.send_and_get_reply(message_bus.AddMatch(rule))
            with conn.filter(rule) as queue:
                daemon = subprocess.Popen(
                    ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    env=env,
                )
                self._procs.append(daemon)
                assert daemon.stdin is not None
                daemon.stdin.write(self.password.encode())
                daemon.stdin.close()
                owned = conn.send_and_get_reply(message_bus.NameHasOwner(SECRETS_BUS_NAME)).body[0]
                if not owned:
                    try:
                        conn.recv_until_filtered(queue, timeout=30)
                    except TimeoutError:
                        self.stop()
                        pytest.fail("gnome-keyring-daemon did not take org.freedesktop.secrets", pytrace=False)
        finally:
            conn.close()
        return self

    def stop(self) -> None:
        for proc in reversed(self._procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
        self._procs.clear()


@dataclass
class WindowsCredentials:
    """Windows' Credential Manager, standing where the private Secret Service stands on Linux."""

    root: Path
    address: str = ""
    env: dict[str, str] = field(default_factory=dict)

    @property
    def data_home(self) -> Path:
        return self.root / "data"

    def start(self) -> WindowsCredentials:
        self.data_home.mkdir(parents=True, exist_ok=True)
        self.env = dict(os.environ)
        self.forget()
        return self

    def stop(self) -> None:
        self.forget()

    @staticmethod
    def forget() -> None:
        """Delete every FlowDesk credential (this suite's; CI's Wine prefix holds nothing else)."""
        from win32ctypes.pywin32 import pywintypes, win32cred

        try:
            found = win32cred.CredEnumerate("FlowDesk*", 0)
        except pywintypes.error as exc:
            if exc.winerror != 1168:  # ERROR_NOT_FOUND: nothing to forget
                raise
            return
        for cred in found:
            win32cred.CredDelete(cred["TargetName"], cred["Type"])


def _require_daemons() -> None:
    require(shutil.which("dbus-daemon") is not None, "the `dbus-daemon` program (apt: dbus-daemon)")
    require(shutil.which("gnome-keyring-daemon") is not None, "the `gnome-keyring-daemon` program (apt: gnome-keyring)")


@pytest.fixture(scope="session")
def secret_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecretService]:
    """The session's private Secret Service; its address is in ``os.environ`` while the session runs."""
    if WINDOWS:
        credentials = WindowsCredentials(tmp_path_factory.mktemp("credential-manager")).start()
        try:
            yield credentials
        finally:
            credentials.stop()
        return
    _require_daemons()
    service = SecretService(tmp_path_factory.mktemp("secret-service")).start()
    saved = {k: os.environ.get(k) for k in _ENV_KEYS}
    os.environ.update({k: service.env[k] for k in _ENV_KEYS})
    try:
        yield service
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        service.stop()


@pytest.fixture(scope="session")
def real_keyring(secret_service: SecretService) -> KeyringBackend:
    """``keyring.backends.SecretService.Keyring()`` on the private, unlocked Secret Service."""
    if WINDOWS:
        from keyring.backends.Windows import WinVaultKeyring

        return WinVaultKeyring()
    from keyring.backends.SecretService import Keyring

    return Keyring()


@pytest.fixture
def start_secret_service(tmp_path: Path) -> Iterator:
    """``start(root=None, password=...)`` -> a started :class:`SecretService`, stopped after the test."""
    if WINDOWS:
        pytest.skip("Linux: a second gnome-keyring run over the same keyring file (the Secret Service's locking)")
    _require_daemons()
    started: list[SecretService] = []

    def start(root: Path | None = None, password: str = TEST_PASSWORD) -> SecretService:
        service = SecretService(root or tmp_path / f"ss{len(started)}", password=password).start()
        started.append(service)
        return service

    try:
        yield start
    finally:
        for s in started:
            s.stop()
