"""A token's lifetime as the server (or a pasted token) states it: a time no calendar holds is unknown, never an
exception (it was OverflowError at every sign-in that met it: "Unexpected error" on the command line)."""

from __future__ import annotations

import base64
import json

import pytest

from flowdesk.resolutionflow.client import ResolutionFlowClient


def _part(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _jwt(claims: dict) -> str:
    return f"{_part({'alg': 'HS256', 'typ': 'JWT'})}.{_part(claims)}.signature"


@pytest.mark.parametrize("expires_in", [1e300, 1e20, 2**64])
def test_an_expires_in_past_any_calendar_is_unknown(expires_in):
    client = ResolutionFlowClient("http://127.0.0.1:9")
    client._auth.take({"access_token": "a", "expires_in": expires_in}, "sign in", keep_refresh=False)
    assert client.access_expires_at is None


@pytest.mark.parametrize("exp", [1e20, -1e20])
def test_a_pasted_token_expiring_past_any_calendar_is_unknown(exp):
    client = ResolutionFlowClient("http://127.0.0.1:9")
    client._auth.use_pasted(_jwt({"sub": "u1", "exp": exp}))
    assert client.access_expires_at is None


def test_an_ordinary_lifetime_is_still_said():
    client = ResolutionFlowClient("http://127.0.0.1:9")
    client._auth.take({"access_token": "a", "expires_in": 300}, "sign in", keep_refresh=False)
    assert client.access_expires_at is not None
