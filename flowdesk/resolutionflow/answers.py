"""What ResolutionFlow's answers mean: the JSON of a good one, or the :class:`ResolutionFlowError` for a
status, an answer that is not JSON, or a transport failure, in ResolutionFlow's words.

An :class:`Op` says what a request was for ("list your sessions", the sentence for a 404), so every
message names what FlowDesk was doing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from flowdesk.http.client import header_value, redirect_target
from flowdesk.http.errors import parse_retry_after
from flowdesk.http.failures import Failure, ServiceWords
from flowdesk.logs import mask_secrets
from flowdesk.resolutionflow.errors import (
    CACHE_KEPT,
    REJECTED,
    Forbidden,
    NotFound,
    Offline,
    ProtocolError,
    RateLimited,
    ResolutionFlowError,
    ServerError,
    SignInRequired,
    SubscriptionRequired,
)

REFRESH_PATH = "/auth/refresh"  # rf §2.4 [V]
WORDS = ServiceWords(
    cert=(
        "Could not open a secure connection to ResolutionFlow at {host}: its TLS certificate could not be verified "
        "({detail}). If your network inspects TLS with its own certificate authority, set its CA file in the "
        "ResolutionFlow settings (or --ca-file)."
    ),
    handshake=(
        "Could not open a secure connection to ResolutionFlow at {host}: the TLS handshake failed ({detail}). "
        "Check the ResolutionFlow address and that it serves https."
    ),
    unreachable="Cannot reach ResolutionFlow at {host}: {reason}. Check {check} and try again. " + CACHE_KEPT,
    check="your network connection",
    check_dns="the ResolutionFlow address and your network connection",
)



@dataclass(frozen=True)
class Op:
    """What a request is for, in the words its error messages use."""

    action: str  # "list your sessions"
    not_found: str | None = None  # the sentence for a 404


def failure_error(failure: Failure, op: Op) -> ResolutionFlowError:
    """The error for a request that got no usable answer (see :mod:`flowdesk.http.failures`)."""
    if not failure.sent:
        return Offline(WORDS.offline(failure), tls=failure.tls)
    action = "renew FlowDesk's ResolutionFlow sign-in" if failure.path.endswith(REFRESH_PATH) else op.action
    return ServerError(f"ResolutionFlow did not answer the request to {action} ({failure.reason}). Try again in a few minutes.")

def checked_json(response: httpx.Response, op: Op) -> Any:
    """The decoded JSON of a response, or the right error (a non-2xx status, or not JSON)."""
    if not 200 <= response.status_code < 300:
        raise status_error(response, op)
    try:
        return response.json()
    except (ValueError, RecursionError):
        raise not_json(response, op) from None

def not_json(response: httpx.Response, op: Op) -> ProtocolError:
    what = "an HTML page" if is_html(response) else "something that is not JSON"
    return ProtocolError(
        f"ResolutionFlow answered the request to {op.action} with {what} (HTTP {response.status_code}). "
        f"Check the ResolutionFlow address in Settings (the API address, e.g. https://api.resolutionflow.com); "
        "if it is right, ResolutionFlow's API may have changed: update FlowDesk.",
        status=response.status_code,
        request_id=request_id(response),
    )

def status_error(response: httpx.Response, op: Op) -> ResolutionFlowError:
    status = response.status_code
    detail = detail_of(response)
    said = f" (ResolutionFlow said: {detail.rstrip('.')})" if detail else ""
    common: dict[str, Any] = {"status": status, "request_id": request_id(response), "detail": detail}
    if status == 401:
        return SignInRequired(REJECTED, **common)
    if status == 402:
        return SubscriptionRequired(
            f"Your ResolutionFlow subscription is not active (HTTP 402), so FlowDesk cannot {op.action}{said}. "
            f"Ask your ResolutionFlow account owner to renew it. {CACHE_KEPT}",
            **common,
        )
    if status == 403:
        return Forbidden(
            f"Your ResolutionFlow role does not allow FlowDesk to {op.action} (HTTP 403){said}. Ask your "
            "ResolutionFlow account owner for the engineer role (viewers cannot read FlowPilot sessions).",
            **common,
        )
    if status == 404:
        text = op.not_found or (
            f"ResolutionFlow found nothing when FlowDesk tried to {op.action} (HTTP 404). "
            "Check the ResolutionFlow address in Settings."
        )
        return NotFound(text, **common)
    if status == 429:
        retry_after = retry_after_of(response)
        wait = f"wait {retry_after:g} seconds" if retry_after is not None else "wait a minute"
        return RateLimited(
            f"ResolutionFlow is receiving too many requests from your account (HTTP 429): {wait} and try again.",
            retry_after=retry_after,
            **common,
        )
    if status >= 500 or status == 408:
        html = " with an HTML page" if is_html(response) else ""
        return ServerError(
            f"ResolutionFlow had a problem answering the request to {op.action}{html} (HTTP {status}){said}. "
            f"Try again in a few minutes. {CACHE_KEPT}",
            retry_after=retry_after_of(response),
            **common,
        )
    if 300 <= status < 400:
        return ProtocolError(
            f"ResolutionFlow redirected the request to {op.action} (HTTP {status}{redirect_target(response)}) instead of answering. "
            "Check the ResolutionFlow address in Settings: it should be the API address, e.g. "
            "https://api.resolutionflow.com.",
            **common,
        )
    return ProtocolError(
        f"ResolutionFlow did not accept FlowDesk's request to {op.action} (HTTP {status}){said}. "
        "Its API may have changed: update FlowDesk.",
        **common,
    )

def no_api_here(host: str, what: str) -> str:
    return (
        f"{host} has no ResolutionFlow {what} (HTTP 404). Check the ResolutionFlow address in Settings: "
        "it should be the API address, e.g. https://api.resolutionflow.com."
    )



def request_id(response: httpx.Response) -> str | None:
    return header_value(response, "x-request-id")


def is_html(response: httpx.Response) -> bool:
    if "html" in response.headers.get("content-type", "").lower():
        return True
    return response.content[:200].lstrip().lower().startswith((b"<!doctype html", b"<html"))


def detail_of(response: httpx.Response) -> str | None:
    """ResolutionFlow's ``{"detail": ...}`` in one line (FastAPI 422 lists as ``msg (loc)``), masked, short."""
    try:
        data = response.json()
    except (ValueError, RecursionError):
        return None
    detail = data.get("detail") if isinstance(data, dict) else None
    if isinstance(detail, str):
        text = detail.strip()
    elif isinstance(detail, list):  # FastAPI validation errors; never echo "input" (it may be a password)
        parts = []
        for item in detail[:3]:
            if isinstance(item, dict):
                loc = ".".join(str(p) for p in item.get("loc", []) if p != "body")
                msg = str(item.get("msg", "invalid"))
                parts.append(f"{msg} ({loc})" if loc else msg)
        text = "; ".join(parts)
    else:
        return None
    text = " ".join(text.split())
    if not text:
        return None
    return mask_secrets(text[:200] + ("…" if len(text) > 200 else ""))


def looks_like_bad_credentials(response: httpx.Response) -> bool:
    text = (detail_of(response) or "").lower()
    return any(w in text for w in ("incorrect", "invalid credentials", "wrong password", "invalid email or password"))


def retry_after_of(response: httpx.Response) -> float | None:
    return parse_retry_after(response.headers.get("Retry-After"))


