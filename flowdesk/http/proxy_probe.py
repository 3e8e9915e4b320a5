"""Which sign-in a proxy asks for, when it refused a tunnel with a 407.

httpcore raises ``ProxyError("407 Proxy Authentication Required")`` for a refused ``CONNECT`` and drops the
answer's ``Proxy-Authenticate`` headers, so FlowDesk could not tell a proxy that takes a user name and
password (``Basic``) from one that takes only a Windows sign-in (``NTLM``, ``Negotiate``), and told the
engineer behind the second to type a password that could never work. After such a refusal (only then, on
the thread that sent the request) the proxy is asked once more, with a plain ``CONNECT`` and no
credentials, and its challenges are read. Only an ``http://`` proxy (the usual corporate one) is asked;
nothing is sent through it, and any failure just means "not known".
"""

from __future__ import annotations

import socket

import httpx

PROBE_TIMEOUT = 3.0  # seconds for the connection and for the answer's head
_MAX_HEAD = 16384
WINDOWS_SCHEMES = frozenset({"ntlm", "negotiate", "kerberos"})


def challenges(values: list[str]) -> tuple[str, ...]:
    """The schemes of ``Proxy-Authenticate`` values (``Basic realm="x", NTLM`` -> ``("Basic", "NTLM")``)."""
    schemes: list[str] = []
    for value in values:
        for part in value.split(","):
            token = part.strip().split(" ", 1)[0]
            if token and "=" not in token and '"' not in token:
                schemes.append(token)
    return tuple(dict.fromkeys(schemes))


def offered_schemes(proxy: httpx.URL, target: str, timeout: float = PROBE_TIMEOUT) -> tuple[str, ...] | None:
    """The sign-in schemes ``proxy`` offers in a 407 to ``CONNECT target`` (``host:port``); None when it is not
    an ``http://`` proxy, cannot be reached, or does not answer 407 with one."""
    if proxy.scheme != "http" or not proxy.host:
        return None
    try:
        request = f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\nProxy-Connection: close\r\n\r\n".encode("ascii")
        with socket.create_connection((proxy.host, proxy.port or 80), timeout=timeout) as conn:
            conn.settimeout(timeout)
            conn.sendall(request)
            data = b""
            while b"\r\n\r\n" not in data and len(data) < _MAX_HEAD:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                data += chunk
    except (OSError, UnicodeError, ValueError):
        return None
    lines = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    if lines[0].split(" ")[1:2] != ["407"]:
        return None
    values = [value for name, _, value in (line.partition(":") for line in lines[1:]) if name.strip().lower() == "proxy-authenticate"]
    return challenges(values) or None


def windows_only(schemes: tuple[str, ...] | None) -> bool:
    """The proxy takes only a Windows sign-in: a user name and password (Basic) will never do."""
    return bool(schemes) and all(s.lower() in WINDOWS_SCHEMES for s in schemes or ())
