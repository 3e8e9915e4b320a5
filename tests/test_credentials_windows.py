"""The credential store on Windows, on Linux: keyring's REAL Windows backend (``keyring.backends.Windows``)
driving a stand-in Credential Manager.

keyring's Windows backend calls ``win32cred`` from pywin32-ctypes and catches only ``pywintypes.error``
1168 (not found); every other failure escapes as ``pywintypes.error``, a plain ``Exception`` with
``winerror``/``funcname``/``strerror``. The stand-in is ``win32cred``'s API over a dict, with Credential
Manager's own limits: a blob over 2,560 bytes (keyring writes UTF-16, so 1,280 characters) fails with
``(1783, 'CredWrite', 'The stub received bad data.')``, and without a logon session every call fails with
1312 (sources: enthought/pywin32-ctypes ``pywintypes.py``/``win32cred.py``; jaraco/keyring#355). Under
Wine the same backend runs on Wine's own Credential Manager, which has no size limit (see
``test_real_credential_manager_round_trip``).
"""

from __future__ import annotations

import json
import sys
from typing import Any

import keyring.backends.Windows as windows_backend
import pytest

from flowdesk.credentials import (
    SERVICE,
    WINDOWS_MAX_CHARS,
    ConnectWiseKeys,
    CredentialError,
    CredentialStore,
    connectwise_profile_key,
    resolutionflow_access_key,
    resolutionflow_account_key,
    service_name,
)
from flowdesk.logs import mask_secrets

PROFILE = connectwise_profile_key("na.myconnectwise.net", "acme")
ACCOUNT = resolutionflow_account_key("https://api.resolutionflow.com", "dana@example.com")
ACCESS = resolutionflow_access_key("https://api.resolutionflow.com", "dana@example.com")
PRIVATE = "Pr1vAteKeyZZZZ99xq"

NOT_FOUND = 1168
NO_LOGON_SESSION = 1312
BAD_STUB_DATA = 1783


class PyWinTypesError(Exception):
    """pywin32-ctypes' ``pywintypes.error``: a plain Exception, not an OSError, not a keyring error."""

    def __init__(self, *args: Any) -> None:
        self.winerror = args[0] if args else None
        self.funcname = args[1] if len(args) > 1 else None
        self.strerror = args[2] if len(args) > 2 else None
        super().__init__(*args)


PyWinTypesError.__module__ = "win32ctypes.pywin32.pywintypes"
PyWinTypesError.__qualname__ = PyWinTypesError.__name__ = "error"


class FakePyWinTypes:
    error = PyWinTypesError


class FakeCredentialManager:
    """``win32cred`` (CredRead/CredWrite/CredDelete, generic credentials) with Credential Manager's limits."""

    CRED_TYPE_GENERIC = 1
    CRED_PERSIST_SESSION = 1
    CRED_PERSIST_LOCAL_MACHINE = 2
    CRED_PERSIST_ENTERPRISE = 3

    def __init__(self, max_blob_bytes: int = 2560) -> None:
        self.max_blob_bytes = max_blob_bytes
        self.creds: dict[str, dict[str, Any]] = {}
        self.failure: int | None = None  # every call fails with this Windows error
        self.writes = 0

    def _check(self, func: str) -> None:
        if self.failure == NO_LOGON_SESSION:
            raise PyWinTypesError(
                NO_LOGON_SESSION, func, "A specified logon session does not exist. It may already have been terminated."
            )
        if self.failure is not None:
            raise PyWinTypesError(self.failure, func, "Access is denied.")

    def CredWrite(self, Credential: dict[str, Any], Flags: int = 0) -> None:  # noqa: N802 - win32cred's names
        self._check("CredWrite")
        blob = Credential["CredentialBlob"]
        data = blob.encode("utf-16-le") if isinstance(blob, str) else bytes(blob)
        if len(data) > self.max_blob_bytes:
            raise PyWinTypesError(BAD_STUB_DATA, "CredWrite", "The stub received bad data.")
        self.writes += 1
        self.creds[Credential["TargetName"]] = dict(Credential, CredentialBlob=data)

    def CredRead(self, TargetName: str, Type: int, Flags: int = 0) -> dict[str, Any]:  # noqa: N802
        self._check("CredRead")
        if TargetName not in self.creds:
            raise PyWinTypesError(NOT_FOUND, "CredRead", "Element not found.")
        return dict(self.creds[TargetName])

    def CredDelete(self, TargetName: str, Type: int, Flags: int = 0) -> None:  # noqa: N802
        self._check("CredDelete")
        if self.creds.pop(TargetName, None) is None:
            raise PyWinTypesError(NOT_FOUND, "CredDelete", "Element not found.")


@pytest.fixture
def credman(monkeypatch: pytest.MonkeyPatch) -> FakeCredentialManager:
    fake = FakeCredentialManager()
    monkeypatch.setattr(windows_backend, "win32cred", fake, raising=False)
    monkeypatch.setattr(windows_backend, "pywintypes", FakePyWinTypes, raising=False)
    return fake


@pytest.fixture
def store(credman: FakeCredentialManager) -> CredentialStore:
    return CredentialStore(windows_backend.WinVaultKeyring())


def test_the_stand_in_behaves_like_credential_manager_under_keyring(credman):
    """The stand-in as keyring itself sees it: keyring's own read-move-write under one shared target."""
    backend = windows_backend.WinVaultKeyring()
    backend.set_password("svc", "alice", "a-secret")
    backend.set_password("svc", "bob", "b-secret")
    assert sorted(credman.creds) == ["alice@svc", "svc"]
    assert backend.get_password("svc", "alice") == "a-secret" and backend.get_password("svc", "bob") == "b-secret"
    with pytest.raises(PyWinTypesError) as info:
        backend.set_password("svc", "carol", "x" * 1281)
    assert (info.value.winerror, info.value.funcname) == (BAD_STUB_DATA, "CredWrite")
    assert not isinstance(info.value, OSError)


def test_one_target_per_entry_saved_for_this_machine_only(store, credman):
    store.save_connectwise_keys(PROFILE, "PuBl1cKeyAAAA111", PRIVATE)
    store.save_refresh_token(ACCOUNT, "rt-0123456789abcdef")
    store.save_access_token(ACCESS, "at-0123456789abcdef")
    assert sorted(credman.creds) == sorted(service_name(e) for e in (PROFILE, ACCOUNT, ACCESS))
    assert all("@FlowDesk" not in t and t != SERVICE for t in credman.creds)  # no keyring compound names
    for target, cred in credman.creds.items():
        assert cred["Persist"] == FakeCredentialManager.CRED_PERSIST_LOCAL_MACHINE, target  # not roaming
        assert cred["UserName"] == target.removeprefix("FlowDesk/")
    assert store.load_connectwise_keys(PROFILE) == ConnectWiseKeys("PuBl1cKeyAAAA111", PRIVATE)
    assert store.load_refresh_token(ACCOUNT) == "rt-0123456789abcdef"
    store.delete_refresh_token(ACCOUNT)
    assert store.load_refresh_token(ACCOUNT) is None
    assert store.load_access_token(ACCESS) == "at-0123456789abcdef"


def test_entries_saved_by_earlier_versions_move_to_their_own_target_on_first_read(credman, store):
    """Earlier versions saved all three under the service "FlowDesk": keyring put one at the target
    "FlowDesk" and moved the others to "{name}@FlowDesk"."""
    old = windows_backend.WinVaultKeyring()
    old.set_password(SERVICE, PROFILE, json.dumps({"public_key": "pub", "private_key": PRIVATE}))
    old.set_password(SERVICE, ACCOUNT, "rt-0123456789abcdef")
    assert sorted(credman.creds) == sorted([SERVICE, f"{PROFILE}@{SERVICE}"])
    assert store.load_connectwise_keys(PROFILE) == ConnectWiseKeys("pub", PRIVATE)
    assert store.load_refresh_token(ACCOUNT) == "rt-0123456789abcdef"
    assert sorted(credman.creds) == sorted([service_name(PROFILE), service_name(ACCOUNT)])
    assert all(c["Persist"] == FakeCredentialManager.CRED_PERSIST_LOCAL_MACHINE for c in credman.creds.values())
    writes = credman.writes
    assert store.load_refresh_token(ACCOUNT) == "rt-0123456789abcdef"
    assert credman.writes == writes  # moved once


def test_a_secret_over_the_limit_is_refused_before_anything_is_written(store, credman):
    token = "t" * (WINDOWS_MAX_CHARS + 1)
    with pytest.raises(CredentialError) as info:
        store.save_refresh_token(ACCOUNT, token)
    assert info.value.reason == "too_large"
    assert str(info.value) == (
        "The ResolutionFlow refresh token is too long for Windows Credential Manager (1,281 characters; it holds "
        "at most 1,280): nothing was saved."
    )
    assert credman.writes == 0 and credman.creds == {}
    assert token not in str(info.value) and info.value.__context__ is None
    store.save_refresh_token(ACCOUNT, "t" * WINDOWS_MAX_CHARS)  # exactly at the limit is fine
    assert store.load_refresh_token(ACCOUNT) == "t" * WINDOWS_MAX_CHARS


def test_characters_outside_the_bmp_count_twice(store, credman):
    """Credential Manager counts UTF-16 units: an emoji is two."""
    with pytest.raises(CredentialError, match="1,282 characters"):
        store.save_access_token(ACCESS, "\U0001f511" * 641)


def test_credential_managers_own_size_error_is_a_credential_error(credman, store):
    credman.max_blob_bytes = 100  # a Credential Manager stricter than the documented limit
    with pytest.raises(CredentialError) as info:
        store.save_connectwise_keys(PROFILE, "PuBl1cKeyAAAA111", PRIVATE * 4)
    assert info.value.reason == "too_large"
    assert str(info.value) == (
        "Windows Credential Manager refused a secret as too long (error 1783: The stub received bad data.): "
        "nothing was saved."
    )
    assert info.value.__context__ is None and info.value.__cause__ is None


def test_no_logon_session_says_what_to_do(credman, store):
    credman.failure = NO_LOGON_SESSION
    for call in (
        lambda: store.load_connectwise_keys(PROFILE),
        lambda: store.save_refresh_token(ACCOUNT, "rt-0123456789abcdef"),
        lambda: store.delete_access_token(ACCESS),
    ):
        with pytest.raises(CredentialError) as info:
            call()
        assert info.value.reason == "no_session"
        assert str(info.value).startswith("Windows Credential Manager has no logon session to keep keys in (error 1312)")
        assert "not as a service" in str(info.value) and info.value.__context__ is None


def test_any_other_credential_manager_error_is_a_credential_error_in_windows_words(credman, store):
    credman.failure = 5
    with pytest.raises(CredentialError) as info:
        store.save_connectwise_keys(PROFILE, "pub", PRIVATE)
    assert info.value.reason == "failed"
    assert str(info.value) == (
        "Windows Credential Manager refused the request (error 5: Access is denied.): open Control Panel → "
        "Credential Manager to check it works, then try again."
    )
    assert "GNOME" not in str(info.value) and "D-Bus" not in str(info.value)


def test_the_secret_is_masked_in_what_a_failure_logs(credman, store, caplog):
    credman.max_blob_bytes = 10
    with pytest.raises(CredentialError):
        store.save_connectwise_keys(PROFILE, "pub", PRIVATE)
    assert PRIVATE not in caplog.text and PRIVATE not in mask_secrets(f"x {PRIVATE}")


@pytest.mark.skipif(sys.platform != "win32", reason="Windows: the real Credential Manager (CI runs it under Wine)")
def test_real_credential_manager_round_trip():
    """Wine's (or Windows') own Credential Manager through keyring's default backend."""
    import keyring.core

    backend = keyring.core.load_keyring("keyring.backends.Windows.WinVaultKeyring")
    store = CredentialStore(backend)
    profile = connectwise_profile_key("na.myconnectwise.net", "flowdesk-test-roundtrip")
    try:
        store.save_connectwise_keys(profile, "PuBl1cKeyAAAA111", PRIVATE)
        cred = windows_backend.win32cred.CredRead(Type=1, TargetName=service_name(profile))
        assert cred["Persist"] == 2 and cred["UserName"] == profile
        assert store.load_connectwise_keys(profile) == ConnectWiseKeys("PuBl1cKeyAAAA111", PRIVATE)
    finally:
        store.delete_connectwise_keys(profile)
    assert store.load_connectwise_keys(profile) is None
