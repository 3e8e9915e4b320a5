"""The engineer's secrets in the OS keyring: ConnectWise API keys, the ResolutionFlow refresh token, and
the proxy password (``proxy:{user}@{host:port}``, :func:`proxy_password_key`).

* keyring service ``FlowDesk``; one entry per ConnectWise profile, named ``connectwise:{company}@{host}``
  (:func:`connectwise_profile_key`), holding the public and private key as one JSON secret; one entry per
  ResolutionFlow account, named ``resolutionflow:{url}:{email}`` (:func:`resolutionflow_account_key`), for
  its refresh token, and ``resolutionflow-access:{url}:{email}`` (:func:`resolutionflow_access_key`) for a
  pasted access token (single sign-on accounts);
* every secret saved or loaded is registered with :func:`flowdesk.logs.register_secret`, so it is masked
  in every log line from then on;
* a missing, locked or broken keyring is ONE :class:`CredentialError` whose message says what to do.
  There is no plaintext fallback, ever.

**Threads:** a keyring call can block for as long as the user takes to answer an unlock prompt (GNOME
Keyring, KWallet, macOS Keychain). Never call this module on the GUI thread; run it on a worker.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flowdesk.logs import get_logger, register_secret

SERVICE = "FlowDesk"
CONNECTWISE_PREFIX = "connectwise:"
RESOLUTIONFLOW_PREFIX = "resolutionflow:"
RESOLUTIONFLOW_ACCESS_PREFIX = "resolutionflow-access:"
PROXY_PREFIX = "proxy:"

if TYPE_CHECKING:
    import keyring.backend

log = get_logger("credentials")


def _keyring_module() -> Any:
    """``keyring``, imported on first use: it loads its backends' entry points (a tenth of a second), which
    the window does not need before its first paint — and every call is on a worker thread anyway."""
    # lazy: see above
    import keyring
    import keyring.backend
    import keyring.errors

    return keyring

NO_KEYRING = (
    "No OS keyring is available: install and start GNOME Keyring or KWallet (Secret Service), then try again. "
    "FlowDesk never stores keys in a plain file."
)
LOCKED = (
    "Your keyring is locked: unlock it (log in to your desktop session or open Passwords and Keys) and try again."
)
INIT_FAILED = (
    "The OS keyring could not be opened ({detail}): make sure GNOME Keyring or KWallet is running in your "
    "desktop session (log out and in again if it just crashed), then try again."
)
DBUS_FAILED = (
    "The OS keyring stopped answering (D-Bus: {detail}): restart GNOME Keyring or KWallet, or log out and in "
    "again, then try again."
)
FAILED = "The OS keyring refused the request ({detail}): check that it is unlocked and working, then try again."
CORRUPT = (
    "The ConnectWise keys stored in your keyring for {profile} are unreadable: enter them again in Settings "
    "(or run `flowdesk connect`)."
)


class CredentialError(Exception):
    """The keyring cannot be used. ``str()`` says what is wrong and how to fix it; ``reason`` is one of
    ``no_keyring``, ``locked``, ``init``, ``dbus``, ``failed``, ``corrupt``."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class ConnectWiseKeys:
    public_key: str
    private_key: str = field(repr=False)


def connectwise_profile_key(site: str, company: str) -> str:
    """``connectwise:{company}@{host}`` (company lower-cased: ConnectWise company IDs ignore case)."""
    # lazy: connectwise.site loads httpx, and this module loads before the window's first paint
    from flowdesk.connectwise.site import check_company, site_host

    return f"{CONNECTWISE_PREFIX}{check_company(company).lower()}@{site_host(site)}"


def resolutionflow_account_key(url: str, email: str) -> str:
    """``resolutionflow:{url}:{email}`` with the URL's trailing slash dropped and the email lower-cased."""
    url = (url or "").strip().rstrip("/")
    email = (email or "").strip().lower()
    if not url or not email:
        raise ValueError("a ResolutionFlow account needs both a URL and an email")
    return f"{RESOLUTIONFLOW_PREFIX}{url}:{email}"


def resolutionflow_access_key(url: str, email: str) -> str:
    """``resolutionflow-access:{url}:{email}``: where a pasted access token (single sign-on) is kept while
    it lasts (minutes), apart from the refresh token of a password sign-in."""
    return RESOLUTIONFLOW_ACCESS_PREFIX + resolutionflow_account_key(url, email)[len(RESOLUTIONFLOW_PREFIX) :]


def proxy_password_key(url: str, user: str) -> str:
    """``proxy:{user}@{host:port}``: the password of the proxy user in the proxy setting."""
    from urllib.parse import urlsplit

    text = (url or "").strip()
    parts = urlsplit(text if "://" in text else "http://" + text)
    host = (parts.hostname or "").lower()
    if not host or not (user or "").strip():
        raise ValueError("a proxy password entry needs the proxy's address and a user name")
    port = f":{parts.port}" if parts.port else ""
    return f"{PROXY_PREFIX}{user.strip()}@{host}{port}"


_DBUS_MODULES = ("jeepney", "secretstorage", "dbus")


def _is_dbus_error(exc: BaseException) -> bool:
    """A D-Bus library's own exception, or an OS error raised from inside one (no bus, bus gone)."""
    if (type(exc).__module__ or "").split(".")[0] in _DBUS_MODULES:
        return True
    if isinstance(exc, OSError | EOFError):
        tb = exc.__traceback__
        while tb is not None:
            if str(tb.tb_frame.f_globals.get("__name__", "")).split(".")[0] in _DBUS_MODULES:
                return True
            tb = tb.tb_next
    return False


def _detail(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def translate(exc: BaseException) -> CredentialError | None:
    """The :class:`CredentialError` for a keyring (or D-Bus) failure; None for anything else."""
    keyring = _keyring_module()
    if isinstance(exc, keyring.errors.NoKeyringError):
        return CredentialError(NO_KEYRING, "no_keyring")
    if isinstance(exc, keyring.errors.KeyringLocked):
        return CredentialError(LOCKED, "locked")
    if isinstance(exc, keyring.errors.InitError):
        return CredentialError(INIT_FAILED.format(detail=_detail(exc)), "init")
    if _is_dbus_error(exc):
        return CredentialError(DBUS_FAILED.format(detail=_detail(exc)), "dbus")
    if isinstance(exc, keyring.errors.KeyringError | OSError):
        return CredentialError(FAILED.format(detail=_detail(exc)), "failed")
    return None


class CredentialStore:
    """The keyring entries of FlowDesk. Every method may block on an unlock prompt: not on the GUI thread."""

    def __init__(self, backend: keyring.backend.KeyringBackend | None = None) -> None:
        self._backend = backend

    # ---------------------------------------------------------------- backend

    def _keyring(self) -> keyring.backend.KeyringBackend:
        backend = self._backend if self._backend is not None else self._call(_keyring_module().get_keyring)
        if _is_null(backend):  # `keyring --disable`: would silently drop every secret
            raise CredentialError(NO_KEYRING, "no_keyring")
        return backend

    def backend_name(self) -> str:
        """``keyring.backends.SecretService.Keyring`` (for the self-check); never raises."""
        try:
            backend = self._backend if self._backend is not None else _keyring_module().get_keyring()
        except Exception as exc:  # noqa: BLE001 - a diagnostic must not fail
            return f"unavailable ({type(exc).__name__})"
        cls = type(backend)
        return f"{cls.__module__}.{cls.__qualname__}"

    def _call(self, fn: Any, *args: Any) -> Any:
        failure: CredentialError | None = None
        try:
            return fn(*args)
        except Exception as exc:
            failure = translate(exc)
            if failure is None:
                raise
            log.warning("keyring %s failed: %s (%s)", getattr(fn, "__name__", "call"), failure.reason, type(exc).__name__)
        raise failure  # outside the except block: no chained keyring exception

    def _get(self, username: str) -> str | None:
        backend = self._keyring()
        return self._call(backend.get_password, SERVICE, username)

    def _set(self, username: str, secret: str) -> None:
        backend = self._keyring()
        self._call(backend.set_password, SERVICE, username, secret)

    def _delete(self, username: str) -> None:
        backend = self._keyring()
        errors = _keyring_module().errors
        failure: CredentialError | None = None
        try:
            backend.delete_password(SERVICE, username)
            return
        except errors.PasswordDeleteError:
            pass  # most backends say so when there is nothing to delete
        except Exception as exc:
            failure = translate(exc)
            if failure is None:
                raise
        if failure is not None:
            raise failure
        if self._call(backend.get_password, SERVICE, username) is not None:
            raise CredentialError(FAILED.format(detail="the entry could not be deleted"), "failed")

    # ---------------------------------------------------------------- ConnectWise

    def save_connectwise_keys(self, profile: str, public_key: str, private_key: str) -> None:
        _check_name(profile, CONNECTWISE_PREFIX, "connectwise_profile_key")
        if not public_key or not private_key:
            raise ValueError("both ConnectWise keys are needed")
        register_secret(private_key)
        secret = json.dumps({"public_key": public_key, "private_key": private_key})
        register_secret(secret)
        self._set(profile, secret)
        log.info("saved the ConnectWise keys for %s in %s", profile, self.backend_name())

    def load_connectwise_keys(self, profile: str) -> ConnectWiseKeys | None:
        _check_name(profile, CONNECTWISE_PREFIX, "connectwise_profile_key")
        secret = self._get(profile)
        if secret is None:
            return None
        register_secret(secret)
        try:
            doc = json.loads(secret)
            keys = ConnectWiseKeys(str(doc["public_key"]), str(doc["private_key"]))
        except (ValueError, KeyError, TypeError):
            raise CredentialError(CORRUPT.format(profile=profile), "corrupt") from None
        if not keys.public_key or not keys.private_key:
            raise CredentialError(CORRUPT.format(profile=profile), "corrupt")
        register_secret(keys.private_key)
        return keys

    def delete_connectwise_keys(self, profile: str) -> None:
        _check_name(profile, CONNECTWISE_PREFIX, "connectwise_profile_key")
        self._delete(profile)

    # ---------------------------------------------------------------- ResolutionFlow

    def save_refresh_token(self, account: str, token: str) -> None:
        _check_name(account, RESOLUTIONFLOW_PREFIX, "resolutionflow_account_key")
        if not token:
            raise ValueError("an empty refresh token cannot be saved")
        register_secret(token)
        self._set(account, token)

    def load_refresh_token(self, account: str) -> str | None:
        _check_name(account, RESOLUTIONFLOW_PREFIX, "resolutionflow_account_key")
        token = self._get(account)
        register_secret(token)
        return token

    def delete_refresh_token(self, account: str) -> None:
        _check_name(account, RESOLUTIONFLOW_PREFIX, "resolutionflow_account_key")
        self._delete(account)

    def save_access_token(self, entry: str, token: str) -> None:
        """A pasted ResolutionFlow access token (``entry`` from :func:`resolutionflow_access_key`)."""
        _check_name(entry, RESOLUTIONFLOW_ACCESS_PREFIX, "resolutionflow_access_key")
        if not token:
            raise ValueError("an empty access token cannot be saved")
        register_secret(token)
        self._set(entry, token)

    def load_access_token(self, entry: str) -> str | None:
        _check_name(entry, RESOLUTIONFLOW_ACCESS_PREFIX, "resolutionflow_access_key")
        token = self._get(entry)
        register_secret(token)
        return token

    def delete_access_token(self, entry: str) -> None:
        _check_name(entry, RESOLUTIONFLOW_ACCESS_PREFIX, "resolutionflow_access_key")
        self._delete(entry)

    # ---------------------------------------------------------------- the proxy (Settings › General)

    def save_proxy_password(self, entry: str, password: str) -> None:
        _check_name(entry, PROXY_PREFIX, "proxy_password_key")
        if not password:
            raise ValueError("an empty proxy password cannot be saved")
        register_secret(password)
        self._set(entry, password)

    def load_proxy_password(self, entry: str) -> str | None:
        _check_name(entry, PROXY_PREFIX, "proxy_password_key")
        password = self._get(entry)
        register_secret(password)
        return password

    def delete_proxy_password(self, entry: str) -> None:
        _check_name(entry, PROXY_PREFIX, "proxy_password_key")
        self._delete(entry)


def _check_name(name: str, prefix: str, helper: str) -> None:
    if not isinstance(name, str) or not name.startswith(prefix) or len(name) <= len(prefix):
        raise ValueError(f"keyring entry names start with {prefix!r}: build them with {helper}()")


def _is_null(backend: Any) -> bool:
    """The ``null`` backend accepts and forgets everything (the ``fail`` one raises NoKeyringError itself)."""
    return type(backend).__module__ == "keyring.backends.null"
