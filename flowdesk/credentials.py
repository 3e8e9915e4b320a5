"""The engineer's secrets in the OS keyring: ConnectWise API keys, the ResolutionFlow refresh token, and
the proxy password (``proxy:{user}@{host:port}``, :func:`proxy_password_key`).

* one keyring entry per secret, each under its own service (Windows: target) name ``FlowDesk/{entry}``
  (:func:`service_name`) with the entry's name as the user name: one ConnectWise profile is
  ``connectwise:{company}@{host}`` (:func:`connectwise_profile_key`), holding the public and private key
  as one JSON secret; one ResolutionFlow account is ``resolutionflow:{url}:{email}``
  (:func:`resolutionflow_account_key`) for its refresh token, and ``resolutionflow-access:{url}:{email}``
  (:func:`resolutionflow_access_key`) for a pasted access token (single sign-on accounts). One name per
  entry matters on Windows: keyring keeps several user names under ONE target by moving entries around
  in a read-move-write that a crash can cut in half. Entries saved by earlier versions under the shared
  service ``FlowDesk`` are moved to their own name the first time they are read;
* on Windows, entries are saved with "local machine" persistence (keyring's default, "enterprise", would
  copy the keys to every machine the engineer's roaming profile reaches), and a secret longer than
  Credential Manager holds (2,560 bytes: 1,280 UTF-16 characters) is refused before anything is written;
* every secret saved or loaded is registered with :func:`flowdesk.logs.register_secret`, so it is masked
  in every log line from then on;
* a missing, locked or broken keyring is ONE :class:`CredentialError` whose message names the platform's
  own keyring (Windows Credential Manager, the macOS Keychain, the Secret Service of GNOME Keyring or
  KWallet) and says what to do. There is no plaintext fallback, ever.

**Threads:** a keyring call can block for as long as the user takes to answer an unlock prompt (GNOME
Keyring, KWallet, macOS Keychain). Never call this module on the GUI thread; run it on a worker.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from flowdesk.logs import get_logger, register_secret

SERVICE = "FlowDesk"
"""The prefix of every entry's service name; also the ONE service earlier versions kept every entry under."""
CONNECTWISE_PREFIX = "connectwise:"
RESOLUTIONFLOW_PREFIX = "resolutionflow:"
RESOLUTIONFLOW_ACCESS_PREFIX = "resolutionflow-access:"
PROXY_PREFIX = "proxy:"

WINDOWS_MAX_BLOB_BYTES = 2560  # CRED_MAX_CREDENTIAL_BLOB_SIZE (5 * 512); keyring writes UTF-16
WINDOWS_MAX_CHARS = WINDOWS_MAX_BLOB_BYTES // 2
_WIN_NO_LOGON_SESSION = 1312  # ERROR_NO_SUCH_LOGON_SESSION
_WIN_BAD_STUB_DATA = 1783  # RPC_X_BAD_STUB_DATA: what CredWrite says about a blob over the limit
_WINDOWS_BACKEND = "keyring.backends.Windows"
_MACOS_BACKEND = "keyring.backends.macOS"

if TYPE_CHECKING:
    import keyring.backend

log = get_logger("credentials")


def _keyring_module() -> Any:
    """``keyring``, imported on first use: it loads its backends' entry points (a tenth of a second), which
    the window does not need before its first paint — and every call is on a worker thread anyway."""
    # lazy: see above
    import keyring
    import keyring.backend  # noqa: F401 -- loads the submodule: callers use keyring.backend.*
    import keyring.errors  # noqa: F401 -- loads the submodule: callers use keyring.errors.*

    return keyring


def service_name(entry: str) -> str:
    """``FlowDesk/{entry}``: the keyring service (Windows Credential Manager target) of one entry."""
    return f"{SERVICE}/{entry}"


class Wording(NamedTuple):
    """What FlowDesk says about one platform's keyring."""

    no_keyring: str
    locked: str
    init_failed: str
    failed: str
    dbus_failed: str = ""
    no_session: str = ""
    too_large: str = ""
    rejected_size: str = ""
    no_collection: str = ""


LINUX = Wording(
    no_keyring=(
        "No OS keyring is available: install and start GNOME Keyring or KWallet (Secret Service), then try again. "
        "FlowDesk never stores keys in a plain file."
    ),
    locked=(
        "Your keyring is locked: unlock it (log in to your desktop session or open Passwords and Keys) and try again."
    ),
    init_failed=(
        "The OS keyring could not be opened ({detail}): make sure GNOME Keyring or KWallet is running in your "
        "desktop session (log out and in again if it just crashed), then try again."
    ),
    dbus_failed=(
        "The OS keyring stopped answering (D-Bus: {detail}): restart GNOME Keyring or KWallet, or log out and in "
        "again, then try again."
    ),
    failed="The OS keyring refused the request ({detail}): check that it is unlocked and working, then try again.",
    no_collection=(
        "Your keyring has no default collection to keep keys in ({detail}): open Passwords and Keys (Seahorse), "
        "create a keyring and set it as the default (or log out and in again so that GNOME Keyring creates its "
        "Login keyring), then try again."
    ),
)
WINDOWS = Wording(
    no_keyring=(
        "Windows Credential Manager cannot be reached: FlowDesk's support for it is missing, so reinstall FlowDesk, "
        "then try again. FlowDesk never stores keys in a plain file."
    ),
    locked="Windows Credential Manager is locked: sign in to Windows again, then try again.",
    init_failed=(
        "Windows Credential Manager could not be opened ({detail}): sign out of Windows and in again, then try again."
    ),
    failed=(
        "Windows Credential Manager refused the request ({detail}): open Control Panel → Credential Manager to "
        "check it works, then try again."
    ),
    no_session=(
        "Windows Credential Manager has no logon session to keep keys in (error 1312): run FlowDesk signed in to "
        "your own Windows desktop (not as a service, over a network logon, or as a scheduled task that runs "
        "whether you are signed in or not), then try again."
    ),
    too_large=(
        "The {what} is too long for Windows Credential Manager ({chars:,} characters; it holds at most "
        f"{WINDOWS_MAX_CHARS:,}): nothing was saved."
    ),
    rejected_size="Windows Credential Manager refused a secret as too long ({detail}): nothing was saved.",
)
MACOS = Wording(
    no_keyring=(
        "The macOS Keychain cannot be reached: FlowDesk's support for it is missing, so reinstall FlowDesk, then "
        "try again. FlowDesk never stores keys in a plain file."
    ),
    locked=(
        "Your macOS login keychain is locked, or FlowDesk was refused access to it: unlock it in Keychain Access "
        "(or choose Always Allow when macOS asks), then try again."
    ),
    init_failed="The macOS Keychain could not be opened ({detail}): open Keychain Access to check it, then try again.",
    failed=(
        "The macOS Keychain refused the request ({detail}): check in Keychain Access that your login keychain is "
        "unlocked, then try again."
    ),
)
WORDINGS = {"linux": LINUX, "windows": WINDOWS, "macos": MACOS}


def _backend_platform(backend: Any) -> str | None:
    module = type(backend).__module__
    if module.startswith(_WINDOWS_BACKEND):
        return "windows"
    if module.startswith(_MACOS_BACKEND):
        return "macos"
    if module.startswith(("keyring.backends.SecretService", "keyring.backends.kwallet", "keyring.backends.libsecret")):
        return "linux"
    return None


def platform_of(backend: Any = None, plat: str | None = None) -> str:
    """``windows``, ``macos`` or ``linux``: from the backend when it is a platform's own, else from the OS."""
    found = _backend_platform(backend) if backend is not None else None
    if found:
        return found
    plat = sys.platform if plat is None else plat
    if plat == "win32":
        return "windows"
    if plat == "darwin":
        return "macos"
    return "linux"


def wording(platform: str | None = None) -> Wording:
    return WORDINGS[platform or platform_of()]


# This platform's messages (earlier names, kept for callers that print them).
NO_KEYRING = wording().no_keyring
LOCKED = wording().locked
CORRUPT = (
    "The ConnectWise keys stored in your keyring for {profile} are unreadable: enter them again in Settings "
    "(or run `flowdesk connect`)."
)


class CredentialError(Exception):
    """The keyring cannot be used. ``str()`` says what is wrong and how to fix it; ``reason`` is one of
    ``no_keyring``, ``locked``, ``no_collection`` (Secret Service without a default collection), ``init``,
    ``dbus``, ``failed``, ``corrupt``, ``no_session`` (Windows: no
    logon session), ``too_large`` (over Windows Credential Manager's limit)."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class ConnectWiseKeys(NamedTuple):
    public_key: str
    private_key: str

    def __repr__(self) -> str:  # the private key never in a log line or a traceback
        return f"ConnectWiseKeys(public_key={self.public_key!r})"


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
# Where a keyring backend's own failures come from: keyring itself and the libraries its backends call.
_BACKEND_MODULES = ("keyring", "win32ctypes", "pywintypes", "win32cred", "_win32typing", "secretstorage", "jeepney")


def _raised_in(exc: BaseException, modules: tuple[str, ...]) -> bool:
    """The exception's class, or a frame it passed through, belongs to one of these top-level modules."""
    if (type(exc).__module__ or "").split(".")[0] in modules:
        return True
    tb = exc.__traceback__
    while tb is not None:
        if str(tb.tb_frame.f_globals.get("__name__", "")).split(".")[0] in modules:
            return True
        tb = tb.tb_next
    return False


def _is_dbus_error(exc: BaseException) -> bool:
    """A D-Bus library's own exception, or an OS error raised from inside one (no bus, bus gone)."""
    if (type(exc).__module__ or "").split(".")[0] in _DBUS_MODULES:
        return True
    return isinstance(exc, OSError | EOFError) and _raised_in(exc, _DBUS_MODULES)


def _winerror(exc: BaseException) -> int | None:
    """The Windows error code of a ``pywintypes.error`` (pywin32 or pywin32-ctypes: a plain ``Exception``
    with ``winerror``/``funcname``/``strerror``) or of an ``OSError`` from a Windows call."""
    code = getattr(exc, "winerror", None)
    return code if isinstance(code, int) else None


def _detail(exc: BaseException) -> str:
    strerror = getattr(exc, "strerror", None)
    if _winerror(exc) is not None and not isinstance(exc, OSError) and strerror:
        return f"error {_winerror(exc)}: {str(strerror).strip()}"
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _no_default_collection(exc: BaseException) -> bool:
    """Secret Service has no default collection, and creating one failed (keyring's "Failed to create the
    collection", or secretstorage's ItemNotFoundException for the default alias)."""
    text = str(exc).lower()
    if "create the collection" in text:
        return True
    return type(exc).__name__ == "ItemNotFoundException" and ("collection" in text or "dismissed" in text)


def translate(exc: BaseException, platform: str | None = None, *, backend: Any = None) -> CredentialError | None:
    """The :class:`CredentialError` for a keyring failure (keyring's errors, D-Bus, Credential Manager's
    ``pywintypes.error``, an OS error, anything raised inside keyring or by one of keyring's own backends);
    None for anything else (a bug in FlowDesk is not disguised as a keyring problem)."""
    keyring = _keyring_module()
    words = wording(platform)
    code = _winerror(exc)
    if code == _WIN_NO_LOGON_SESSION:
        return CredentialError(WINDOWS.no_session, "no_session")
    if code == _WIN_BAD_STUB_DATA:
        return CredentialError(WINDOWS.rejected_size.format(detail=_detail(exc)), "too_large")
    if isinstance(exc, keyring.errors.NoKeyringError):
        return CredentialError(words.no_keyring, "no_keyring")
    if isinstance(exc, keyring.errors.KeyringLocked):
        return CredentialError(words.locked, "locked")
    if words.no_collection and _no_default_collection(exc):
        return CredentialError(words.no_collection.format(detail=_detail(exc)), "no_collection")
    if isinstance(exc, keyring.errors.InitError):
        return CredentialError(words.init_failed.format(detail=_detail(exc)), "init")
    if _is_dbus_error(exc):
        return CredentialError((words.dbus_failed or words.failed).format(detail=_detail(exc)), "dbus")
    if (
        isinstance(exc, keyring.errors.KeyringError | OSError)
        or code is not None
        or _raised_in(exc, _BACKEND_MODULES)
        or (backend is not None and type(backend).__module__.startswith("keyring.backends."))
    ):
        return CredentialError(words.failed.format(detail=_detail(exc)), "failed")
    return None


class CredentialStore:
    """The keyring entries of FlowDesk. Every method may block on an unlock prompt: not on the GUI thread.

    ``platform`` picks the wording of errors when the backend is not a platform's own (default: this OS)."""

    def __init__(
        self, backend: keyring.backend.KeyringBackend | None = None, *, platform: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._backend = backend
        self._platform = platform
        # One read at a time, so one unlock prompt at a time; a read that waited while an unlock was refused (the
        # engineer cancelled the prompt) takes that answer instead of prompting again at once.
        self._reads = threading.RLock()
        self._clock = clock
        self._refused: tuple[float, CredentialError] | None = None

    # ---------------------------------------------------------------- backend

    def _words_platform(self, backend: Any = None) -> str:
        return (backend is not None and _backend_platform(backend)) or self._platform or platform_of()

    def _keyring(self) -> keyring.backend.KeyringBackend:
        backend = self._backend if self._backend is not None else self._call(_keyring_module().get_keyring)
        if _is_null(backend):  # `keyring --disable`: would silently drop every secret
            raise CredentialError(wording(self._words_platform()).no_keyring, "no_keyring")
        return backend

    @property
    def in_memory(self) -> bool:
        """Whether the secrets are held in this process only (the demo without an OS keyring: its backend says
        ``in_memory``, given here or the one keyring chose), not in the OS keyring. Never asks the keyring, nor
        makes keyring choose its backend (what it chose so far is read)."""
        chosen = self._backend if self._backend is not None else getattr(_keyring_module().core, "_keyring_backend", None)
        return getattr(chosen, "in_memory", False) is True

    def backend_name(self) -> str:
        """``keyring.backends.SecretService.Keyring`` (for the self-check); never raises."""
        try:
            backend = self._backend if self._backend is not None else _keyring_module().get_keyring()
        except Exception as exc:  # noqa: BLE001 - a diagnostic must not fail
            return f"unavailable ({type(exc).__name__})"
        cls = type(backend)
        return f"{cls.__module__}.{cls.__qualname__}"

    def _call(self, fn: Any, *args: Any, backend: Any = None) -> Any:
        failure: CredentialError | None = None
        try:
            return fn(*args)
        except Exception as exc:
            failure = translate(exc, self._words_platform(backend), backend=backend)
            if failure is None:
                raise
            log.warning("keyring %s failed: %s (%s)", getattr(fn, "__name__", "call"), failure.reason, type(exc).__name__)
        raise failure  # outside the except block: no chained keyring exception

    def _get(self, entry: str) -> str | None:
        asked = self._clock()
        with self._reads:
            refused = self._refused
            if refused is not None and refused[0] >= asked:  # refused while this read waited for the one before
                raise CredentialError(str(refused[1]), refused[1].reason)
            try:
                return self._read(entry)
            except CredentialError as exc:
                if exc.reason == "locked":
                    self._refused = (self._clock(), exc)
                raise

    def _read(self, entry: str) -> str | None:
        backend = self._keyring()
        secret = self._call(backend.get_password, service_name(entry), entry, backend=backend)
        if secret is not None:
            return secret
        legacy = self._call(backend.get_password, SERVICE, entry, backend=backend)
        if legacy is not None:
            self._migrate(backend, entry, legacy)
        return legacy

    def _migrate(self, backend: Any, entry: str, secret: str) -> None:
        """Move an entry saved under the shared ``FlowDesk`` service to its own name; the old one goes only
        once the new one is written. A failure leaves the old entry where it was (read again next time)."""
        register_secret(secret)
        try:
            self._write(backend, entry, secret, "secret")
            self._remove(backend, SERVICE, entry)
        except CredentialError as exc:
            log.warning("could not move the keyring entry %s to its own name: %s", entry, exc.reason)
            return
        log.info("moved the keyring entry %s from the shared service %r to its own name", entry, SERVICE)

    def _set(self, entry: str, secret: str, what: str) -> None:
        self._write(self._keyring(), entry, secret, what)

    def _write(self, backend: Any, entry: str, secret: str, what: str) -> None:
        if _is_windows_backend(backend):
            chars = len(secret.encode("utf-16-le")) // 2
            if chars > WINDOWS_MAX_CHARS:
                raise CredentialError(WINDOWS.too_large.format(what=what, chars=chars), "too_large")
            # keyring's default is "enterprise": the keys would roam to every machine of the user's profile
            backend.persist = "local machine"
        self._call(backend.set_password, service_name(entry), entry, secret, backend=backend)

    def _delete(self, entry: str) -> None:
        backend = self._keyring()
        self._remove(backend, service_name(entry), entry)
        self._remove(backend, SERVICE, entry)

    def _remove(self, backend: Any, service: str, entry: str) -> None:
        errors = _keyring_module().errors
        failure: CredentialError | None = None
        try:
            backend.delete_password(service, entry)
            return
        except errors.PasswordDeleteError:
            pass  # most backends say so when there is nothing to delete
        except Exception as exc:
            failure = translate(exc, self._words_platform(backend), backend=backend)
            if failure is None:
                raise
        if failure is not None:
            raise failure
        if self._call(backend.get_password, service, entry, backend=backend) is not None:
            words = wording(self._words_platform(backend))
            raise CredentialError(words.failed.format(detail="the entry could not be deleted"), "failed")

    # ---------------------------------------------------------------- ConnectWise

    def save_connectwise_keys(self, profile: str, public_key: str, private_key: str) -> None:
        _check_name(profile, CONNECTWISE_PREFIX, "connectwise_profile_key")
        if not public_key or not private_key:
            raise ValueError("both ConnectWise keys are needed")
        register_secret(private_key)
        secret = json.dumps({"public_key": public_key, "private_key": private_key})
        register_secret(secret)
        self._set(profile, secret, "pair of ConnectWise keys")
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
        self._save_secret(_REFRESH_TOKEN, account, token)

    def load_refresh_token(self, account: str) -> str | None:
        return self._load_secret(_REFRESH_TOKEN, account)

    def delete_refresh_token(self, account: str) -> None:
        self._delete_secret(_REFRESH_TOKEN, account)

    def save_access_token(self, entry: str, token: str) -> None:
        """A pasted ResolutionFlow access token (``entry`` from :func:`resolutionflow_access_key`)."""
        self._save_secret(_ACCESS_TOKEN, entry, token)

    def load_access_token(self, entry: str) -> str | None:
        return self._load_secret(_ACCESS_TOKEN, entry)

    def delete_access_token(self, entry: str) -> None:
        self._delete_secret(_ACCESS_TOKEN, entry)

    # ---------------------------------------------------------------- the proxy (Settings › General)

    def save_proxy_password(self, entry: str, password: str) -> None:
        self._save_secret(_PROXY_PASSWORD, entry, password)

    def load_proxy_password(self, entry: str) -> str | None:
        return self._load_secret(_PROXY_PASSWORD, entry)

    def delete_proxy_password(self, entry: str) -> None:
        self._delete_secret(_PROXY_PASSWORD, entry)

    # ---------------------------------------------------------------- one secret string per entry

    def _save_secret(self, kind: _SecretKind, entry: str, value: str) -> None:
        _check_name(entry, kind.prefix, kind.helper)
        if not value:
            raise ValueError(f"an empty {kind.what} cannot be saved")
        register_secret(value)
        self._set(entry, value, kind.what)

    def _load_secret(self, kind: _SecretKind, entry: str) -> str | None:
        _check_name(entry, kind.prefix, kind.helper)
        value = self._get(entry)
        register_secret(value)
        return value

    def _delete_secret(self, kind: _SecretKind, entry: str) -> None:
        _check_name(entry, kind.prefix, kind.helper)
        self._delete(entry)


class _SecretKind(NamedTuple):
    """One kind of secret kept as a single string: where its entry names start, the function that
    builds them, and what it is called in messages."""

    prefix: str
    helper: str
    what: str


_REFRESH_TOKEN = _SecretKind(RESOLUTIONFLOW_PREFIX, "resolutionflow_account_key", "ResolutionFlow refresh token")
_ACCESS_TOKEN = _SecretKind(RESOLUTIONFLOW_ACCESS_PREFIX, "resolutionflow_access_key", "ResolutionFlow access token")
_PROXY_PASSWORD = _SecretKind(PROXY_PREFIX, "proxy_password_key", "proxy password")


def _check_name(name: str, prefix: str, helper: str) -> None:
    if not isinstance(name, str) or not name.startswith(prefix) or len(name) <= len(prefix):
        raise ValueError(f"keyring entry names start with {prefix!r}: build them with {helper}()")


def _is_null(backend: Any) -> bool:
    """The ``null`` backend accepts and forgets everything (the ``fail`` one raises NoKeyringError itself)."""
    return type(backend).__module__ == "keyring.backends.null"


def _is_windows_backend(backend: Any) -> bool:
    return type(backend).__module__ == _WINDOWS_BACKEND
