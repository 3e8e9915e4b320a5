"""The TLS context every FlowDesk request uses: the operating system's trust store, plus a CA file.

``truststore`` (which httpx recommends) verifies certificates with the OS: the Keychain on macOS, the
Windows certificate store, OpenSSL's system bundle on Linux. That is where corporate roots (TLS
inspection) are installed, and it is the only store a frozen macOS app has: Python's own
``ssl.create_default_context()`` finds no CA file inside an ``.app`` and trusts nothing.

A CA file (an on-premise ConnectWise with a private authority, the sandbox's ``--ca-file``) is *added*
with ``load_verify_locations``: the OS store still counts. Verification is never turned off.
"""

from __future__ import annotations

import ssl

import truststore


def tls_context(ca_file: str | None, error: type[Exception]) -> ssl.SSLContext:
    """A ``truststore.SSLContext`` (certificate and host name checks on) with ``ca_file`` added. A CA file
    that cannot be used raises ``error`` naming it."""
    ctx = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if ca_file:
        try:
            ctx.load_verify_locations(cafile=ca_file)
        except (OSError, ssl.SSLError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            raise error(f"Cannot use the CA file {ca_file}: {reason}") from None
    return ctx
