"""Which proxy a request goes through.

Four modes (the ``proxy.mode`` setting):

* ``environment`` — ``HTTPS_PROXY`` / ``HTTP_PROXY`` / ``ALL_PROXY`` and ``NO_PROXY`` (either case), read
  with the standard library's rules (``urllib.request``); credentials may be in the URL. What the
  command line uses, and what a client built without a proxy setting uses.
* ``system`` — the operating system's proxy for the URL. Only the Qt layer can ask the OS (WinHTTP/IE
  settings, PAC and WPAD on Windows, CFNetwork on macOS), so it hands a plain callable down
  (``url -> "http://host:port"`` or None for direct); without one, the environment is used.
* ``manual`` — one proxy URL for everything, with an optional user whose password the keyring holds.
* ``none`` — always direct.

The user and password of ``manual`` are sent as ``Proxy-Authorization: Basic`` — to the proxy only,
never to the service. Only http:// and https://
proxies are supported (no SOCKS: it would need another package).
"""

from __future__ import annotations

import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from flowdesk.logs import get_logger, register_secret

log = get_logger("http")

MODES = ("environment", "system", "manual", "none")
SystemProxy = Callable[[str], "str | None"]  # url -> proxy URL, or None for a direct connection


class ProxyUnusable(httpx.ProxyError):
    """A proxy address from the environment or the OS that FlowDesk cannot use; ``reason`` is plain words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def proxy_url(value: str, *, origin: str) -> httpx.URL:
    """``value`` (``host:port``, ``http://host:port``, ``https://user:pw@host:port``) as a proxy URL, or
    ``ValueError`` with one sentence; ``origin`` says where the value came from (in that sentence)."""
    text = (value or "").strip()
    if not text:
        raise ValueError(f"no proxy address in {origin}")
    if "://" not in text:
        text = "http://" + text
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError as exc:
        raise ValueError(f"the proxy address in {origin} is not valid ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme.startswith("socks"):
        raise ValueError(f"the proxy in {origin} is a SOCKS proxy; FlowDesk supports HTTP proxies only")
    if scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"the proxy address in {origin} is not an http:// address with a host name")
    register_secret(parts.password)
    try:
        return httpx.URL(text)
    except (httpx.InvalidURL, ValueError) as exc:
        raise ValueError(f"the proxy address in {origin} is not valid ({exc})") from None


def proxy_name(url: httpx.URL) -> str:
    """``host:port`` of a proxy, for messages (never its credentials)."""
    return f"{url.host}:{url.port}" if url.port else url.host


@dataclass(frozen=True)
class ProxyConfig:
    """The proxy setting as the HTTP foundation uses it (the password in memory only, never in repr)."""

    mode: str = "environment"
    url: str = ""
    user: str = ""
    password: str = field(default="", repr=False)
    system: SystemProxy | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"proxy mode {self.mode!r}: expected one of {', '.join(MODES)}")
        if self.mode == "manual":
            proxy_url(self.url, origin="the proxy setting")  # fails now, not at the first request
        register_secret(self.password or None)

    def _auth(self) -> tuple[str, str] | None:
        return (self.user, self.password) if self.user else None

    def for_url(self, url: httpx.URL) -> httpx.Proxy | None:
        """The proxy for a request to ``url``; None for a direct connection. Raises :class:`ProxyUnusable`."""
        if self.mode == "none":
            return None
        if self.mode == "manual":
            return httpx.Proxy(proxy_url(self.url, origin="the proxy setting"), auth=self._auth())
        if self.mode == "system" and self.system is not None:
            try:
                found = self.system(str(url))
            except Exception as exc:  # noqa: BLE001 - the OS's answer is a boundary: fall back to the environment
                log.warning("the system proxy could not be read (%s); using the environment's", type(exc).__name__)
                return _from_environment(url)
            if not found:
                return None
            try:
                return httpx.Proxy(proxy_url(found, origin="the system proxy settings"))
            except ValueError as exc:
                raise ProxyUnusable(str(exc)) from None
        return _from_environment(url)


def _from_environment(url: httpx.URL) -> httpx.Proxy | None:
    env = urllib.request.getproxies_environment()
    netloc = url.host + (f":{url.port}" if url.port else "")
    if env.get("no") and urllib.request.proxy_bypass_environment(netloc, env):  # type: ignore[attr-defined]
        return None
    scheme = url.scheme
    value = env.get(scheme) or env.get("all")
    if not value:
        return None
    try:
        return httpx.Proxy(proxy_url(value, origin=f"{scheme.upper()}_PROXY" if env.get(scheme) else "ALL_PROXY"))
    except ValueError as exc:
        raise ProxyUnusable(str(exc)) from None
