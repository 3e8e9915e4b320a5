"""E-mail addresses, UNC paths and IP addresses.

Decisions:

* Host names and URLs without credentials are never redacted. ``git@github.com`` looks like an e-mail
  address and is redacted.
* UNC paths: ``\\\\server`` alone (``psexec \\\\ws-042``) names a host and stays; ``\\\\?\\`` and
  ``\\\\.\\`` device paths are not UNC paths. Unquoted segments may hold spaces only when another
  backslash follows; inside quotes the path runs to the closing quote.
* IPv4: four dotted octets 0-255 that are not part of a longer dotted run (``10.0.19045.4170``, OIDs
  and ``1.2.3.4.5`` are not addresses), not right after a version label (``Version=4.0.0.0``,
  ``build``, ``firmware``, ``v1.2.3.4``; "FW 10.0.0.1" is a firewall). Subnet masks and ``0.0.0.0``
  identify nothing and stay; ``/cidr`` goes with the address, ``:port`` stays.
* IPv6: what :mod:`ipaddress` accepts (zone id and ``/prefix`` allowed), so times, MAC addresses and
  ``[Convert]::`` are not addresses; a bare ``::``, a prefix with one group (``fe80::``) and two short
  groups (``a::b``, read as code far more often) stay.
* The settings' allow-list (host names, IP ranges) keeps matching UNC paths and addresses as written.
"""

from __future__ import annotations

import ipaddress
import re

from flowdesk.redact.model import Category, Found, Rule, rx

_EMAIL_TLD_RE = re.compile(r"[A-Za-z]{2,63}")
_EMAIL_LABEL_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?")
_VERSION_LABEL_RE = re.compile(
    r"(?:\b(?:v|ver|version|build|firmware|rev|revision|fileversion|productversion|assemblyversion))"
    r"[ \t]*[:=#]?[ \t]*[\"']?\Z",
    re.IGNORECASE,
)
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9]|0[0-9]{1,2})"
_OCTET_NO_ZERO = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_UNC_SEG = r"[^\\/:*?\"<>|\r\n\s]{1,255}+"


def _valid_address(f: Found) -> bool:
    """The local part does not end in '.' or hold '..'; the domain has labels and a letter TLD."""
    local, _, domain = f.value.partition("@")
    if not local or local.endswith(".") or ".." in local:
        return False
    labels = domain.split(".")
    if len(labels) < 2 or not _EMAIL_TLD_RE.fullmatch(labels[-1]):
        return False
    return all(_EMAIL_LABEL_RE.fullmatch(label) for label in labels)


def _identifies_a_host(f: Found) -> bool:
    """Not a subnet mask (255.255.255.0 ...) and not 0.0.0.0."""
    address = f.value.partition("/")[0]
    value = int(ipaddress.IPv4Address(".".join(str(int(o)) for o in address.split("."))))
    if value == 0:
        return False
    if value >> 24 != 255:
        return True
    inverted = ~value & 0xFFFFFFFF
    return (inverted & (inverted + 1)) != 0  # a mask is ones then zeros


def _not_a_version(f: Found) -> bool:
    """Not right after a version label (Version=, ver, build, firmware, rev, v)."""
    return _VERSION_LABEL_RE.search(f.before(40)) is None


def _valid_ipv6(f: Found) -> bool:
    """An IPv6 address for :mod:`ipaddress`, and not a bare prefix or two short groups ('a::b')."""
    address = f.value.partition("/")[0]
    if "::" not in address and address.count(":") < (6 if "." in address else 7):
        return False  # fewer than eight groups and no "::" for the missing ones: a time, a MAC address
    try:
        ipaddress.IPv6Address(address)
    except ValueError:
        return False
    head = address.partition("%")[0]
    if "::" not in head or "." in head:
        return True
    groups = [g for g in head.replace("::", ":").split(":") if g]
    if len(groups) < 2:
        return groups == ["1"]  # "::1" is loopback; "::", "fe80::", "1::" are not addresses
    return not (len(groups) == 2 and max(map(len, groups)) < 3)


RULES: tuple[Rule, ...] = (
    Rule(
        "email-address", Category.EMAIL, ("@",),
        rx(r"(?<![A-Za-z0-9._%+'\-])[A-Za-z0-9._%+'\-]{1,64}+@[A-Za-z0-9][A-Za-z0-9.\-]{0,252}+"),
        "An e-mail address (also a UPN, which looks the same).",
        "Mailbox moved for jsmith@contoso.example.",
        secret=(), case_sensitive=True, lstrip=".", trim=".-", checks=(_valid_address,),
    ),
    Rule(
        "unc-path", Category.UNC_PATH, ("\\\\",),
        rx(
            # quoted: runs to the closing quote, spaces allowed
            r"(?<=[\"'])\\{2,}+[A-Za-z0-9][A-Za-z0-9._$@%\-]{1,255}+\\++[^\"'\r\n]{1,1024}+(?=[\"'])"
            r"|"
            # unquoted: server, share, then segments; a segment holds spaces only before another backslash
            rf"(?<![\\:A-Za-z0-9])\\{{2,}}+[A-Za-z0-9][A-Za-z0-9._$@%\-]{{1,255}}+"
            rf"(?:\\++(?:{_UNC_SEG}(?:[ ]{_UNC_SEG}){{1,20}}+(?=\\)|{_UNC_SEG}))++\\*+"
        ),
        "A UNC path \\\\server\\share\\... (also with doubled, JSON-escaped, backslashes).",
        "Mapped S: to \\\\fs01\\Shared Drive\\HR Docs\\payroll.xlsx",
        secret=(), case_sensitive=True, trim=".,;:!?)]}", anchored=True,
    ),
    Rule(
        "ipv4-address", Category.IP, tuple(f".{d}" for d in "0123456789"),
        rx(rf"(?<![\w.]){_OCTET}(?:\.{_OCTET}){{3}}(?:/[0-9]{{1,2}}(?![0-9]))?(?![\w]|\.[\w])"),
        "An IPv4 address, with its /cidr (see above for versions, masks and 0.0.0.0).",
        "Printer moved to 10.20.30.40/24 on VLAN 20",
        secret=(), case_sensitive=True, checks=(_identifies_a_host, _not_a_version),
    ),
    Rule(
        "ipv6-address", Category.IP, tuple(f":{h}" for h in ":0123456789abcdef"),
        rx(
            r"(?<![\w:.\])])(?:[0-9A-Fa-f]{0,4}:){2,8}+"
            rf"(?:{_OCTET_NO_ZERO}(?:\.{_OCTET_NO_ZERO}){{3}}|[0-9A-Fa-f]{{1,4}})?"
            r"(?:%[A-Za-z0-9_.\-]{1,32}+)?"
            r"(?:/(?:12[0-8]|1[01][0-9]|[1-9]?[0-9]))?"
            r"(?![\w:%]|\.[0-9])"
        ),
        "An IPv6 address (full, compressed, zone id, IPv4-mapped, /prefix).",
        "Tunnel endpoint 2001:db8:85a3::8a2e:370:7334 is up",
        secret=(), case_sensitive=True, checks=(_valid_ipv6,),
    ),
)  # fmt: skip
