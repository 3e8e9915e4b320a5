"""Which categories apply to a note, and which values are never redacted.

* The secret families (passwords, access keys, tokens, private keys, connection strings) are always
  redacted, whatever the settings say, and "Keep this one" is refused for them.
* The others are switched per visibility: one set for internal notes, one for notes the customer can
  see (Discussion, Resolution). The default, as in the seed, redacts everything in both.
* The allow-list holds host names (``fs01``, ``*.contoso.local``) and IP addresses or ranges
  (``10.20.0.0/16``) that the network family (IP addresses, UNC paths) leaves as written.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flowdesk.redact.model import ALL_CATEGORIES, Category

ALWAYS_REDACTED: frozenset[Category] = frozenset(
    {Category.PRIVATE_KEY, Category.CONNECTION_STRING, Category.ACCESS_KEY, Category.PASSWORD, Category.TOKEN}
)
NETWORK: frozenset[Category] = frozenset({Category.IP, Category.UNC_PATH})
SWITCHABLE: tuple[Category, ...] = tuple(c for c in ALL_CATEGORIES if c not in ALWAYS_REDACTED)
CUSTOMER_VISIBLE = frozenset({"discussion", "resolution"})

_HOST_LABEL = r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)"
_HOST_RE = re.compile(rf"(?:\*\.)?{_HOST_LABEL}(?:\.{_HOST_LABEL})*\.?")
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def customer_sees(visibility: str) -> bool:
    """Does the customer see a note of this visibility (Discussion, Resolution)?"""
    return str(visibility).lower() in CUSTOMER_VISIBLE


def categories_for(switches: Mapping[str, bool]) -> tuple[Category, ...]:
    """The categories that ``switches`` (category name -> on) turn on, in the order they apply; the
    always-redacted ones are on whatever it says, and a category it does not name is on."""
    return tuple(c for c in ALL_CATEGORIES if c in ALWAYS_REDACTED or switches.get(c.value, True) is not False)


def parse_categories(categories: Iterable[Category | str] | None) -> tuple[Category, ...]:
    """Category names (or members) as categories in the order they apply; None means all. An unknown
    name raises ``ValueError`` (whose message does not repeat it: it may be text pasted by mistake)."""
    if categories is None:
        return ALL_CATEGORIES
    wanted: set[Category] = set()
    for c in categories:
        if not isinstance(c, str):
            raise ValueError("unknown redaction category (not a string)")
        try:
            wanted.add(Category(c.strip().lower()))
        except ValueError:
            known = ", ".join(cat.value for cat in ALL_CATEGORIES)
            raise ValueError(f"unknown redaction category; known: {known}") from None
    return tuple(cat for cat in ALL_CATEGORIES if cat in wanted)


def entry_problem(entry: str) -> str | None:
    """Why ``entry`` cannot go on the allow-list, or None when it can."""
    text = entry.strip() if isinstance(entry, str) else ""
    if not text:
        return "an empty entry"
    try:
        ipaddress.ip_network(text, strict=False)
        return None
    except ValueError:
        pass
    if "/" in text or text.replace(".", "").isdigit() or ":" in text:
        return f"{text!r} is not an IP address or range (write 10.20.0.0/16 or 2001:db8::/32)"
    if not _HOST_RE.fullmatch(text):
        return f"{text!r} is not a host name (write fs01, fs01.contoso.local or *.contoso.local)"
    return None


@dataclass(frozen=True)
class AllowList:
    """Host names and IP ranges that IP addresses and UNC paths may show as written."""

    networks: tuple[_Network, ...] = ()
    hosts: frozenset[str] = frozenset()  # lower case, no trailing dot
    suffixes: tuple[str, ...] = ()  # ".contoso.local" for "*.contoso.local"

    @classmethod
    def parse(cls, entries: Iterable[str]) -> AllowList:
        """Raises ``ValueError`` naming the first entry that is neither a host name nor an IP range."""
        networks: list[_Network] = []
        hosts: set[str] = set()
        suffixes: list[str] = []
        for entry in entries:
            problem = entry_problem(entry)
            if problem is not None:
                raise ValueError(problem)
            text = entry.strip()
            try:
                networks.append(ipaddress.ip_network(text, strict=False))
                continue
            except ValueError:
                pass
            name = text.lower().rstrip(".")
            if name.startswith("*."):
                suffixes.append(name[1:])
            else:
                hosts.add(name)
        return cls(tuple(networks), frozenset(hosts), tuple(suffixes))

    def __bool__(self) -> bool:
        return bool(self.networks or self.hosts or self.suffixes)

    def allows(self, category: Category, value: str) -> bool:
        """May this IP address (with its /prefix) or UNC path stay as written?"""
        if category is Category.IP:
            return self._allows_address(value)
        if category is Category.UNC_PATH:
            server = value.lstrip("\\").split("\\", 1)[0].split("@", 1)[0].lower().rstrip(".")
            if server in self.hosts or any(server.endswith(s) for s in self.suffixes):
                return True
            return self._allows_address(server)
        return False

    def _allows_address(self, value: str) -> bool:
        address, _, prefix = value.partition("/")
        try:
            ip = ipaddress.ip_address(address.partition("%")[0])  # a zone id ("%eth0") names no network
            network = ipaddress.ip_network(f"{ip}/{prefix}" if prefix else ip, strict=False)
        except ValueError:
            return False
        return any(
            network.version == allowed.version and network.subnet_of(allowed)  # type: ignore[arg-type]
            for allowed in self.networks
        )
