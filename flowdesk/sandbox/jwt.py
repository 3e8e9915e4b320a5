"""Minimal HS256 JSON Web Tokens (stdlib ``hmac``), as ResolutionFlow issues them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any


class TokenError(ValueError):
    """Not a token this key signed (bad shape, bad signature, wrong algorithm)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    pad = "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(text + pad)


_HEADER = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())


def encode(claims: dict[str, Any], key: bytes) -> str:
    payload = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
    signing_input = f"{_HEADER}.{payload}".encode("ascii")
    signature = hmac.new(key, signing_input, hashlib.sha256).digest()
    return f"{_HEADER}.{payload}.{_b64(signature)}"


def decode(token: str, key: bytes) -> dict[str, Any]:
    """Verify the signature and return the claims (expiry is the caller's business)."""
    if not isinstance(token, str):
        raise TokenError("not a string")
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenError("not a JWT")
    header_b64, payload_b64, sig_b64 = parts
    try:
        header = json.loads(_unb64(header_b64))
        signature = _unb64(sig_b64)
    except (ValueError, UnicodeDecodeError) as exc:
        raise TokenError("not a JWT") from exc
    if not isinstance(header, dict) or header.get("alg") != "HS256":
        raise TokenError("unexpected algorithm")
    expected = hmac.new(key, f"{header_b64}.{payload_b64}".encode("ascii"), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, signature):
        raise TokenError("bad signature")
    try:
        claims = json.loads(_unb64(payload_b64))
    except (ValueError, UnicodeDecodeError) as exc:
        raise TokenError("bad payload") from exc
    if not isinstance(claims, dict):
        raise TokenError("bad payload")
    return claims
