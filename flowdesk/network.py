"""The application's proxy: the proxy setting, its password and the operating system's resolver, turned
into the :class:`~flowdesk.http.proxy.ProxyConfig` every client is built with.

Like Qt's ``QNetworkProxy.setApplicationProxy``, there is one proxy per process. The command line and
the window install where it comes from when they open their settings (:func:`use_settings`); the window
also installs the OS resolver (:func:`set_system_resolver`, from ``flowdesk.ui.system_proxy``: only Qt
can ask the OS, and the core stays Qt-free). The account modules build every client with
:func:`current_proxy` unless they are handed one.

``current_proxy`` may read the keyring (the proxy password): call it on worker threads only, as the
account modules do.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from flowdesk.core.setting_choices import ProxyMode
from flowdesk.credentials import CredentialStore, proxy_password_key
from flowdesk.logs import register_secret

if TYPE_CHECKING:
    from flowdesk.core.settings import ProxySettings
    from flowdesk.http.proxy import ProxyConfig

SystemProxy = Callable[[str], "str | None"]  # as flowdesk.http.proxy.SystemProxy (that module imports httpx)


class ProxySettingError(ValueError):
    """The proxy setting cannot be used as saved; ``str()`` says what to fix."""


_lock = threading.Lock()
_settings: Callable[[], ProxySettings] | None = None
_credentials: Callable[[], CredentialStore] | None = None
_system: SystemProxy | None = None
_typed: dict[str, str] = {}  # proxy passwords typed in this process, by keyring entry (not yet or not only stored)


def use_settings(
    settings: Callable[[], ProxySettings] | None, credentials: Callable[[], CredentialStore] | None = None
) -> None:
    """Where the proxy setting (read at each use) and the keyring come from; ``None`` forgets both."""
    global _settings, _credentials
    with _lock:
        _settings, _credentials = settings, credentials


def set_system_resolver(resolver: SystemProxy | None) -> None:
    """The OS's proxy for a URL (``url -> "http://host:port"`` or None for direct), or None without one."""
    global _system
    with _lock:
        _system = resolver


def remember_password(settings: ProxySettings, password: str) -> None:
    """A proxy password just typed: used at once, before (and besides) the keyring has it."""
    register_secret(password)
    with _lock:
        _typed[proxy_password_key(settings.url, settings.user)] = password


def proxy_config(
    settings: ProxySettings, credentials: CredentialStore | None, *, system: SystemProxy | None = None
) -> ProxyConfig:
    """The :class:`ProxyConfig` for ``settings``; raises :class:`ProxySettingError` saying what to fix. Reads
    the keyring for the password when a user is set (worker threads only)."""
    password = ""
    user = settings.user.strip() if settings.mode == ProxyMode.MANUAL else ""
    if user:
        try:
            entry = proxy_password_key(settings.url, user) if settings.url.strip() else None
        except ValueError:
            entry = None
        with _lock:
            password = _typed.get(entry or "", "")
        if not password and entry is not None and credentials is not None:
            password = credentials.load_proxy_password(entry) or ""
    from flowdesk.http.proxy import ProxyConfig  # httpx: only once a client is built

    try:
        return ProxyConfig(str(settings.mode.value), settings.url.strip(), user, password, system)
    except ValueError as exc:
        raise ProxySettingError(f"The proxy setting cannot be used ({exc}): correct it in Settings › General.") from None


def current_proxy() -> ProxyConfig:
    """The application's proxy now: environment variables when nothing was installed."""
    with _lock:
        settings, credentials, system = _settings, _credentials, _system
    if settings is None:
        from flowdesk.http.proxy import ProxyConfig

        return ProxyConfig()
    return proxy_config(settings(), credentials() if credentials is not None else None, system=system)
