"""The credential store: keyring round trips (in memory and on a real Secret Service), one actionable
error per keyring failure, and never a plaintext copy of a key."""

from __future__ import annotations

import gc
import json
import os
import shutil
import subprocess
import warnings
from pathlib import Path

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.testing.backend import BackendBasicTests

from flowdesk.credentials import (
    LINUX,
    MACOS,
    NO_KEYRING,
    SERVICE,
    WINDOWS,
    ConnectWiseKeys,
    CredentialError,
    CredentialStore,
    connectwise_profile_key,
    resolutionflow_account_key,
    service_name,
)
from flowdesk.logs import MASK, mask_secrets
from tests.conftest import linux_only, require_executable
from tests.plugins.keyring import MemoryKeyring

PROFILE = "connectwise:acme@na.myconnectwise.net"
ACCOUNT = "resolutionflow:https://api.resolutionflow.com:dana@example.com"
PRIVATE = "Pr1vAteKeyZZZZ99xq"


class TestMemoryKeyring(BackendBasicTests):
    """The in-memory backend every test runs with behaves like a real keyring backend."""

    def init_keyring(self) -> KeyringBackend:
        return MemoryKeyring()

    def test_empty_username(self):
        """keyring expects this to fail on Windows (#668: Credential Manager); the memory backend is not it."""
        BackendBasicTests.test_empty_username(self)  # the body without keyring's Windows xfail marker


def test_every_test_gets_a_fresh_memory_keyring(memory_keyring):
    assert keyring.get_keyring() is memory_keyring
    assert memory_keyring.entries == {}
    assert CredentialStore().backend_name() == "tests.plugins.keyring.MemoryKeyring"


# ---------------------------------------------------------------- names


def test_entry_names():
    assert connectwise_profile_key("https://na.myconnectwise.net/v4_6_release/services/x", "Acme") == PROFILE
    assert connectwise_profile_key("http://127.0.0.1:8080", "acme") == "connectwise:acme@127.0.0.1:8080"
    assert resolutionflow_account_key("https://api.resolutionflow.com/", " Dana@Example.com ") == ACCOUNT
    with pytest.raises(ValueError):
        resolutionflow_account_key("", "x@y")


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.save_connectwise_keys("acme", "p", "q"),
        lambda s: s.load_connectwise_keys("resolutionflow:x:y"),
        lambda s: s.delete_connectwise_keys("connectwise:"),
        lambda s: s.save_refresh_token(PROFILE, "t"),
        lambda s: s.load_refresh_token("dana@example.com"),
        lambda s: s.save_connectwise_keys(PROFILE, "", "q"),
        lambda s: s.save_refresh_token(ACCOUNT, ""),
    ],
)
def test_names_and_values_are_checked(call):
    with pytest.raises(ValueError):
        call(CredentialStore())


# ---------------------------------------------------------------- round trips (memory)


def test_connectwise_keys_round_trip_as_one_json_secret(memory_keyring):
    store = CredentialStore()
    assert store.load_connectwise_keys(PROFILE) is None
    store.save_connectwise_keys(PROFILE, "PuBl1cKeyAAAA111", PRIVATE)
    assert json.loads(memory_keyring.entries[(service_name(PROFILE), PROFILE)]) == {"public_key": "PuBl1cKeyAAAA111", "private_key": PRIVATE}
    assert store.load_connectwise_keys(PROFILE) == ConnectWiseKeys("PuBl1cKeyAAAA111", PRIVATE)
    store.delete_connectwise_keys(PROFILE)
    assert store.load_connectwise_keys(PROFILE) is None
    store.delete_connectwise_keys(PROFILE)  # deleting what is not there is fine


def test_refresh_token_round_trip(memory_keyring):
    store = CredentialStore(memory_keyring)
    store.save_refresh_token(ACCOUNT, "rt-0123456789abcdef")
    assert store.load_refresh_token(ACCOUNT) == "rt-0123456789abcdef"
    store.delete_refresh_token(ACCOUNT)
    assert store.load_refresh_token(ACCOUNT) is None


def test_saved_and_loaded_secrets_are_masked_in_logs(memory_keyring):
    line = f"oops {PRIVATE} and rt-0123456789abcdef"
    assert PRIVATE in mask_secrets(line)
    CredentialStore().save_connectwise_keys(PROFILE, "pub", PRIVATE)
    assert PRIVATE not in mask_secrets(line)
    memory_keyring.entries[(service_name(ACCOUNT), ACCOUNT)] = "rt-0123456789abcdef"  # stored by an earlier run
    CredentialStore().load_refresh_token(ACCOUNT)
    assert mask_secrets(line) == f"oops {MASK} and {MASK}"


def test_each_entry_has_its_own_service_name(memory_keyring):
    store = CredentialStore()
    store.save_connectwise_keys(PROFILE, "pub", PRIVATE)
    store.save_refresh_token(ACCOUNT, "rt-0123456789abcdef")
    assert sorted(memory_keyring.entries) == sorted(
        [(f"FlowDesk/{PROFILE}", PROFILE), (f"FlowDesk/{ACCOUNT}", ACCOUNT)]
    )


def test_entries_under_the_old_shared_name_move_on_first_read(memory_keyring):
    """Earlier versions kept every entry under the one service "FlowDesk"."""
    memory_keyring.entries[(SERVICE, PROFILE)] = json.dumps({"public_key": "pub", "private_key": PRIVATE})
    memory_keyring.entries[(SERVICE, ACCOUNT)] = "rt-0123456789abcdef"
    store = CredentialStore()
    assert store.load_connectwise_keys(PROFILE) == ConnectWiseKeys("pub", PRIVATE)
    assert store.load_refresh_token(ACCOUNT) == "rt-0123456789abcdef"
    assert sorted(memory_keyring.entries) == sorted(
        [(service_name(PROFILE), PROFILE), (service_name(ACCOUNT), ACCOUNT)]
    )
    store.delete_refresh_token(ACCOUNT)
    assert store.load_refresh_token(ACCOUNT) is None


def test_a_failed_move_keeps_the_old_entry_readable(memory_keyring):
    class NoWrites(MemoryKeyring):
        def set_password(self, service, username, password):
            raise keyring.errors.PasswordSetError("read-only")

    backend = NoWrites()
    backend.entries[(SERVICE, ACCOUNT)] = "rt-0123456789abcdef"
    assert CredentialStore(backend).load_refresh_token(ACCOUNT) == "rt-0123456789abcdef"
    assert list(backend.entries) == [(SERVICE, ACCOUNT)]


def test_deleting_removes_an_old_shared_name_copy_too(memory_keyring):
    memory_keyring.entries[(SERVICE, PROFILE)] = "{}"
    CredentialStore().save_connectwise_keys(PROFILE, "pub", PRIVATE)
    CredentialStore().delete_connectwise_keys(PROFILE)
    assert memory_keyring.entries == {}


def test_keys_repr_hides_the_private_key():
    keys = ConnectWiseKeys("pub", PRIVATE)
    assert PRIVATE not in repr(keys) and "pub" in repr(keys)


def test_corrupt_entry_is_an_actionable_error(memory_keyring):
    memory_keyring.entries[(service_name(PROFILE), PROFILE)] = "not json"
    with pytest.raises(CredentialError) as info:
        CredentialStore().load_connectwise_keys(PROFILE)
    assert info.value.reason == "corrupt"
    assert str(info.value) == (
        f"The ConnectWise keys stored in your keyring for {PROFILE} are unreadable: enter them again in Settings "
        "(or run `flowdesk connect`)."
    )
    memory_keyring.entries[(service_name(PROFILE), PROFILE)] = json.dumps({"public_key": "p", "private_key": ""})
    with pytest.raises(CredentialError, match="unreadable"):
        CredentialStore().load_connectwise_keys(PROFILE)


# ---------------------------------------------------------------- failures -> one CredentialError


class Raising(MemoryKeyring):
    def __init__(self, exc: BaseException) -> None:
        super().__init__()
        self.exc = exc

    def get_password(self, *args):
        raise self.exc

    set_password = delete_password = get_password  # type: ignore[assignment]


class FakeDBusError(Exception):
    """Stands for jeepney.wrappers.DBusErrorResponse."""


FakeDBusError.__module__ = "jeepney.wrappers"


def test_no_keyring_backend_is_actionable():
    store = CredentialStore(fail.Keyring(), platform="linux")
    for call in (lambda: store.save_connectwise_keys(PROFILE, "p", PRIVATE), lambda: store.load_refresh_token(ACCOUNT)):
        with pytest.raises(CredentialError) as info:
            call()
        assert info.value.reason == "no_keyring"
        assert str(info.value) == (
            "No OS keyring is available: install and start GNOME Keyring or KWallet (Secret Service), then try again. "
            "FlowDesk never stores keys in a plain file."
        )
        assert str(info.value) == LINUX.no_keyring
        assert info.value.__cause__ is None and info.value.__context__ is None


def test_the_default_backend_is_used_when_none_is_given(monkeypatch):
    keyring.set_keyring(fail.Keyring())
    with pytest.raises(CredentialError) as info:
        CredentialStore().load_connectwise_keys(PROFILE)
    assert str(info.value) == NO_KEYRING  # this platform's words
    assert CredentialStore().backend_name() == "keyring.backends.fail.Keyring"


def test_null_backend_would_lose_keys_so_it_counts_as_none():
    with pytest.raises(CredentialError) as info:
        CredentialStore(null.Keyring()).save_connectwise_keys(PROFILE, "p", PRIVATE)
    assert info.value.reason == "no_keyring"


def test_locked_keyring_is_actionable():
    store = CredentialStore(Raising(keyring.errors.KeyringLocked("Failed to unlock the collection!")), platform="linux")
    with pytest.raises(CredentialError) as info:
        store.load_connectwise_keys(PROFILE)
    assert info.value.reason == "locked"
    assert str(info.value) == (
        "Your keyring is locked: unlock it (log in to your desktop session or open Passwords and Keys) and try again."
    ) == LINUX.locked


class ItemNotFoundException(Exception):
    """Stands for secretstorage's (a Linux-only package): the default collection's alias leads nowhere."""

    __module__ = "secretstorage.exceptions"


@pytest.mark.parametrize(
    ("exc", "reason", "start"),
    [
        (keyring.errors.InitError("Failed to create the collection: Prompt dismissed."), "no_collection", "Your keyring has no default collection to keep keys in (InitError: Failed to create the collection: Prompt dismissed.)"),
        (ItemNotFoundException("Prompt dismissed."), "no_collection", "Your keyring has no default collection to keep keys in (ItemNotFoundException: Prompt dismissed.)"),
        (keyring.errors.InitError("Environment variable DBUS_SESSION_BUS_ADDRESS is unset"), "init", "The OS keyring could not be opened (InitError: Environment variable DBUS_SESSION_BUS_ADDRESS is unset)"),
        (FakeDBusError("org.freedesktop.DBus.Error.ServiceUnknown"), "dbus", "The OS keyring stopped answering (D-Bus: FakeDBusError: org.freedesktop.DBus.Error.ServiceUnknown)"),
        (FakeDBusError("org.freedesktop.DBus.Error.NoReply"), "dbus", "The OS keyring stopped answering (D-Bus: FakeDBusError: org.freedesktop.DBus.Error.NoReply)"),
        (PermissionError(13, "Permission denied"), "failed", "The OS keyring refused the request (PermissionError: [Errno 13] Permission denied)"),
        (keyring.errors.PasswordSetError("Unable to save"), "failed", "The OS keyring refused the request (PasswordSetError: Unable to save)"),
        (keyring.errors.KeyringError(), "failed", "The OS keyring refused the request (KeyringError)"),
    ],
)
def test_other_keyring_failures_are_one_actionable_error(exc, reason, start):
    with pytest.raises(CredentialError) as info:
        CredentialStore(Raising(exc), platform="linux").save_refresh_token(ACCOUNT, "tok-123456")
    assert info.value.reason == reason
    assert str(info.value).startswith(start)
    assert "try again" in str(info.value)
    assert info.value.__context__ is None


class MacKeychainRaising(Raising):
    """Stands for keyring.backends.macOS.Keyring (which raises keyring's own errors)."""


MacKeychainRaising.__module__ = "keyring.backends.macOS"


def test_the_wording_names_the_platforms_own_keyring():
    locked = keyring.errors.KeyringLocked("Can't get password from keychain: (-128, 'User canceled')")
    with pytest.raises(CredentialError) as info:
        CredentialStore(MacKeychainRaising(locked)).load_refresh_token(ACCOUNT)
    assert str(info.value) == MACOS.locked and "Keychain Access" in str(info.value)
    with pytest.raises(CredentialError) as info:
        CredentialStore(fail.Keyring(), platform="windows").load_refresh_token(ACCOUNT)
    assert str(info.value) == WINDOWS.no_keyring and "Windows Credential Manager" in str(info.value)
    for words in (WINDOWS, MACOS):
        assert "GNOME" not in repr(words) and "D-Bus" not in repr(words)


def test_an_exception_raised_inside_a_keyring_backend_is_a_keyring_failure():
    class Broken(MemoryKeyring):
        pass

    Broken.__module__ = "keyring.backends.kwallet"

    def get_password(self, service, username):
        raise RuntimeError("kwalletd6 crashed")

    Broken.get_password = get_password  # type: ignore[method-assign]
    with pytest.raises(CredentialError) as info:
        CredentialStore(Broken()).load_refresh_token(ACCOUNT)
    assert info.value.reason == "failed" and "kwalletd6 crashed" in str(info.value)


def test_a_bug_is_not_disguised_as_a_keyring_problem():
    with pytest.raises(ZeroDivisionError):
        CredentialStore(Raising(ZeroDivisionError())).load_refresh_token(ACCOUNT)


def test_delete_that_does_not_delete_is_an_error():
    class Sticky(MemoryKeyring):
        def delete_password(self, service, username):
            raise keyring.errors.PasswordDeleteError("refused")

    backend = Sticky()
    backend.entries[(service_name(PROFILE), PROFILE)] = "{}"
    with pytest.raises(CredentialError, match="the entry could not be deleted"):
        CredentialStore(backend).delete_connectwise_keys(PROFILE)


def test_backend_name_never_raises(monkeypatch):
    def boom():
        raise keyring.errors.InitError("no")

    monkeypatch.setattr(keyring, "get_keyring", boom)
    assert CredentialStore().backend_name() == "unavailable (InitError)"


# ---------------------------------------------------------------- the real Secret Service


def all_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.real_keyring
@linux_only("the Secret Service itself and gnome-keyring's files (Windows: test_real_credential_manager_round_trip)")
def test_real_secret_service_round_trip(real_keyring, secret_service, flowdesk_home):
    store = CredentialStore(real_keyring)
    assert store.backend_name() == "keyring.backends.SecretService.Keyring"
    profile = connectwise_profile_key("na.myconnectwise.net", "roundtrip")
    store.save_connectwise_keys(profile, "PuBl1cKeyAAAA111", PRIVATE)
    assert store.load_connectwise_keys(profile) == ConnectWiseKeys("PuBl1cKeyAAAA111", PRIVATE)
    if shutil.which("secret-tool"):
        out = subprocess.run(
            ["secret-tool", "lookup", "service", service_name(profile), "username", profile],
            env=secret_service.env,
            capture_output=True,
            text=True,
            check=True,
        )
        assert json.loads(out.stdout)["private_key"] == PRIVATE
    store.save_refresh_token(ACCOUNT, "rt-real-0123456789")
    assert store.load_refresh_token(ACCOUNT) == "rt-real-0123456789"
    # the key is nowhere in plain text: not under FLOWDESK_HOME, not in gnome-keyring's own (encrypted) files
    files = all_files(flowdesk_home) + all_files(secret_service.data_home)
    assert any(p.name.endswith(".keyring") for p in files)
    for path in files:
        assert PRIVATE.encode() not in path.read_bytes(), path
    store.delete_connectwise_keys(profile)
    store.delete_refresh_token(ACCOUNT)
    assert store.load_connectwise_keys(profile) is None and store.load_refresh_token(ACCOUNT) is None
    store.delete_connectwise_keys(profile)


@pytest.mark.real_keyring
def test_real_locked_keyring(start_secret_service, tmp_path, monkeypatch):
    """A second gnome-keyring run with another password over an existing login.keyring stays locked."""
    from keyring.backends.SecretService import Keyring

    first = start_secret_service(tmp_path / "kr", password="first-password")
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", first.address)
    CredentialStore(Keyring()).save_refresh_token(ACCOUNT, "rt-locked-0123456")
    first.stop()
    assert (tmp_path / "kr" / "data" / "keyrings" / "login.keyring").exists()
    second = start_secret_service(tmp_path / "kr", password="another-password")
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", second.address)
    # keyring's SecretService backend leaves its D-Bus socket open when the collection stays locked
    with warnings.catch_warnings(), pytest.raises(CredentialError) as info:
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            CredentialStore(Keyring()).load_refresh_token(ACCOUNT)
        finally:
            gc.collect()
    assert info.value.reason == "locked"
    assert str(info.value) == LINUX.locked


@pytest.mark.real_keyring
@linux_only("the Secret Service's D-Bus")
def test_real_backend_without_a_bus(tmp_path, monkeypatch):
    from keyring.backends.SecretService import Keyring

    require_executable("dbus-daemon")
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'no-such-bus'}")
    with pytest.raises(CredentialError) as info:
        CredentialStore(Keyring()).save_connectwise_keys(PROFILE, "p", PRIVATE)
    assert info.value.reason in ("init", "dbus")
    assert "GNOME Keyring" in str(info.value) and "try again" in str(info.value)


def test_nothing_plaintext_under_flowdesk_home_with_the_memory_backend(flowdesk_home):
    CredentialStore().save_connectwise_keys(PROFILE, "pub", PRIVATE)
    assert all(PRIVATE.encode() not in p.read_bytes() for p in all_files(flowdesk_home))
    assert not any(k.startswith("FLOWDESK") and PRIVATE in v for k, v in os.environ.items())


def test_reads_waiting_while_an_unlock_is_refused_take_that_answer_without_prompting_again():
    """Seen with a real GNOME keyring: selecting a session read the keyring twice (the ticket card, the work
    types), and cancelling the unlock prompt brought a second prompt at once. Reads go one at a time; a read
    that waited while the engineer cancelled takes that answer. A read asked for after it prompts again."""
    import itertools
    import threading

    release, second_asked, at_prompt = threading.Event(), threading.Event(), threading.Event()
    calls: list[str] = []
    ticks = itertools.count()

    class Locked(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def get_password(self, service: str, username: str) -> str | None:
            calls.append(username)
            if len(calls) == 1:
                at_prompt.set()
                release.wait(10)  # the unlock prompt is up
            raise keyring.errors.KeyringLocked("Failed to unlock the collection!")

        def set_password(self, service: str, username: str, password: str) -> None:
            raise NotImplementedError

        def delete_password(self, service: str, username: str) -> None:
            raise NotImplementedError

    def clock() -> float:
        now = next(ticks)
        if threading.current_thread().name == "second":
            second_asked.set()
        return float(now)

    store = CredentialStore(backend=Locked(), clock=clock)
    errors: list[BaseException] = []

    def read() -> None:
        try:
            store.load_refresh_token(ACCOUNT)
        except CredentialError as exc:
            errors.append(exc)

    first = threading.Thread(target=read, name="first")
    first.start()
    assert at_prompt.wait(10)
    second = threading.Thread(target=read, name="second")
    second.start()
    assert second_asked.wait(10)
    release.set()  # the engineer cancels the prompt
    first.join(10)
    second.join(10)
    assert [e.reason for e in errors] == ["locked", "locked"]  # type: ignore[attr-defined]
    assert calls == [ACCOUNT]  # one prompt, not two
    with pytest.raises(CredentialError):
        store.load_refresh_token(ACCOUNT)  # asked for afterwards (Try again): the keyring is asked again
    assert len(calls) == 2
