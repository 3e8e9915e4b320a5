"""Addresses the engineer types: which hosts may skip TLS, and one way to read ``host``, ``host:port`` or a
URL into ``(scheme, host, port, path)`` with one clear sentence for each way it can be wrong.

Each service words the sentences with its own name and example (:class:`AddressWords`); the rules are
the same for both: no scheme means https, http only for loopback, no user name or password in the
address, a valid host name (IDNA), the default port dropped.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_PORTS = {"https": 443, "http": 80}
_HOST_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and ``localhost``: the only hosts FlowDesk talks to without TLS."""
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class AddressWords:
    """How one service names itself in address errors."""

    service: str  # "ConnectWise"
    enter: str  # "enter your ConnectWise address, e.g. na.myconnectwise.net"
    error: type[Exception]  # raised with the sentence


@dataclass(frozen=True)
class Address:
    scheme: str
    host: str  # lower-case; IPv6 in brackets; IDNA-encoded
    port: int | None  # None when it is the scheme's default
    path: str
    query: str
    fragment: str

    @property
    def netloc(self) -> str:
        return self.host + (f":{self.port}" if self.port else "")

    @property
    def origin(self) -> str:
        return f"{self.scheme}://{self.netloc}"


def _check_host(host: str, typed: str, words: AddressWords) -> str:
    host = host.lower().rstrip(".")
    if not host:
        raise words.error(f"{typed!r} has no host name: {words.enter}")
    if host.startswith("[") and host.endswith("]"):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise words.error(f"{typed!r} is not a valid address") from None
        return host
    try:
        ipaddress.IPv4Address(host)
        return host
    except ValueError:
        pass
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise words.error(f"{typed!r} is not a valid host name") from None
    if len(ascii_host) > 253 or not all(_HOST_LABEL.match(label) for label in ascii_host.split(".")):
        raise words.error(f"{typed!r} is not a valid host name")
    return ascii_host


def split_address(typed: str, words: AddressWords) -> Address:
    """What the engineer typed as an :class:`Address`; raises ``words.error`` with one sentence."""
    text = (typed or "").strip()
    if not text:
        raise words.error(words.enter[0].upper() + words.enter[1:])
    if any(c.isspace() for c in text):
        raise words.error(f"{typed!r} contains spaces: {words.enter}")
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise words.error(f"{typed!r} is not a valid address ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise words.error(f"{typed!r}: only https:// addresses are supported")
    if parts.username is not None or parts.password is not None:
        raise words.error(f"{typed!r} contains a user name or password: enter only the address")
    raw_host = parts.netloc.rsplit("@", 1)[-1]
    if raw_host.startswith("["):
        raw_host = raw_host[: raw_host.index("]") + 1] if "]" in raw_host else raw_host
    else:
        raw_host = raw_host.split(":", 1)[0]
    host = _check_host(raw_host, typed, words)
    if port == 0:
        raise words.error(f"{typed!r}: port 0 is not a valid port")
    if port == DEFAULT_PORTS[scheme]:
        port = None
    if scheme == "http" and not is_loopback(host):
        raise words.error(
            f"{typed!r} uses http://: {words.service} must be reached over https:// "
            "(plain http is only allowed for a test server on this computer)"
        )
    return Address(scheme, host, port, parts.path, parts.query, parts.fragment)
