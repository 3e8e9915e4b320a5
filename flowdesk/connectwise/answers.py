"""What ConnectWise's answers mean: the JSON of a good one, or the :class:`ConnectWiseError` for a status,
an unusable body or a transport failure, in ConnectWise's words (reference §8).

An :class:`Op` says what a request was for ("add a note to ticket #48211", the right a 403 means is
missing, the sentence for a 404), so every message names what the engineer was doing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import httpx

from flowdesk.connectwise.errors import (
    Ambiguous,
    AuthError,
    ConnectWiseError,
    NotFound,
    Offline,
    PermissionDenied,
    RateLimited,
    ServerError,
    ValidationFailed,
    parse_retry_after,
)
from flowdesk.core.error_words import keys_rejected
from flowdesk.http.client import header_value, redirect_target
from flowdesk.http.failures import Failure, ServiceWords
from flowdesk.http.failures import duration_words as _seconds

WORDS = ServiceWords(
    cert=(
        "Could not open a secure connection to {host}: its TLS certificate could not be verified ({detail}). "
        "Nothing was sent. If your ConnectWise server uses a private certificate authority, set its CA file in "
        "the ConnectWise settings (or --ca-file)."
    ),
    handshake=(
        "Could not open a secure connection to {host}: the TLS handshake failed ({detail}). Nothing was sent. "
        "Check the site address and that it serves https."
    ),
    unreachable="Cannot reach {host}: {reason}. Nothing was sent; check {check} and try again.",
    check="your network connection",
    check_dns="the site address and your network connection",
)


@dataclass(frozen=True)
class Op:
    """What a request is for, in words used by its error messages."""

    action: str  # "add a note to ticket #48211"
    thing: str  # "note"
    right: str | None = None  # the security right a 403 means is missing
    not_found: str | None = None  # the sentence for a 404
    ticket: int | None = None


def failure_error(failure: Failure, method: str, op: Op) -> ConnectWiseError:
    """The error for a request that got no usable answer (see :mod:`flowdesk.http.failures`)."""
    if not failure.sent:
        return Offline(WORDS.offline(failure), tls=failure.tls)
    if method != "GET":
        return Ambiguous(
            f"ConnectWise did not answer after the {op.thing} was sent ({failure.reason}), so it may or may not "
            f"have been saved. {check_before_resend(op)}"
        )
    return ServerError(
        f"ConnectWise did not answer the request to {op.action} ({failure.reason}). Try again in a few minutes."
    )

def answer(response: httpx.Response, method: str, op: Op, company: str) -> Any:
    """The decoded JSON of a 2xx answer, or the right :class:`ConnectWiseError`."""
    status = response.status_code
    rid = request_id(response)
    data, is_json, is_html = decode(response)
    envelope = data if is_json and isinstance(data, dict) else {}
    if envelope.get("message") == "UserNotAuthenticated" or (status == 401):
        raise AuthError(
            keys_rejected(status, company),  # (AuthError.said: the same for Settings or `flowdesk connect`)
            company=company,
            status=status,
            request_id=rid,
            server_code=_text(envelope.get("code")),
            server_message=_text(envelope.get("message")),
        )
    if 200 <= status < 300:
        if is_json:
            return data
        what = "an HTML page" if is_html else "an empty body" if not response.content.strip() else "unreadable data"
        if method != "GET":
            raise Ambiguous(
                f"ConnectWise answered the {op.thing} with {what} (HTTP {status}) instead of the stored record, "
                f"so it may or may not have been saved. {check_before_resend(op)}",
                status=status,
                request_id=rid,
            )
        raise ServerError(
            f"ConnectWise answered with {what} (HTTP {status}) instead of JSON — the site may be down or the "
            "address wrong. Try again in a few minutes; if it keeps happening, check the site address.",
            status=status,
            request_id=rid,
        )
    raise status_error(response, method, op, envelope, is_json, is_html)

def status_error(
    response: httpx.Response, method: str, op: Op, envelope: dict[str, Any], is_json: bool, is_html: bool
) -> ConnectWiseError:
    status = response.status_code
    write = method != "GET"
    code = _text(envelope.get("code"))
    server_message = server_words(envelope)
    said = f" ConnectWise said: {server_message}" if server_message else ""
    common: dict[str, Any] = {
        "status": status,
        "request_id": request_id(response),
        "server_code": code,
        "server_message": server_message,
    }
    html = f"ConnectWise answered with an HTML page (HTTP {status}) instead of JSON — the site may be down or the address wrong"
    if status == 403:
        if op.right:
            text = f"Your ConnectWise security role does not allow you to {op.action}: ask your ConnectWise administrator for “{op.right}”."
        else:
            text = f"Your ConnectWise security role does not allow you to {op.action}: ask your ConnectWise administrator to check your security role."
        return PermissionDenied(text + said, missing_right=op.right, **common)
    if status == 404:
        text = op.not_found or (
            f"ConnectWise found nothing when trying to {op.action} (HTTP 404) — check the site address in Settings"
        )
        return NotFound(text + (f" (ConnectWise said: {server_message})" if server_message else ""), **common)
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        wait = f"wait {_seconds(retry_after)}" if retry_after is not None else "wait a minute"
        return RateLimited(
            f"ConnectWise is receiving too many requests (HTTP 429): {wait} before trying again.",
            retry_after=retry_after,
            **common,
        )
    if 300 <= status < 400:
        return ServerError(
            f"ConnectWise redirected the request to {op.action} (HTTP {status}{redirect_target(response)}) instead of answering — "
            "the site address may be wrong",
            **common,
        )
    if status >= 500 or status == 408:
        stored = write and status != 408
        if is_html:
            text = html + "."
        elif server_message:  # its words after ours, as a 403's: "(HTTP 503: The service is unavailable (503).)." read badly
            text = f"ConnectWise had a problem answering the request to {op.action} (HTTP {status}).{said}"
            text += "" if text.endswith((".", "!", "?")) else "."
        else:
            text = f"ConnectWise had a problem answering the request to {op.action} (HTTP {status})."
        if stored:
            text += f" The {op.thing} may have been saved anyway. {check_before_resend(op)}"
        else:
            text += " Try again in a few minutes."
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return ServerError(text, may_have_stored=stored, retry_after=retry_after, **common)
    # 400 and every other 4xx: ConnectWise refused this request as it is, and stored nothing
    said_code = f": {server_message}" + (f" ({code})" if code else "") if server_message else f" (HTTP {status})"
    if not write:  # a read FlowDesk built itself: nothing the engineer typed is wrong
        text = html + "." if is_html and not server_message else f"ConnectWise refused the request to {op.action}{said_code}."
        return ValidationFailed(
            f"{text} Check the site address and that FlowDesk is up to date for this ConnectWise version, then try again.",
            **common,
        )
    if server_message:  # ConnectWise's words end the sentence, or its code does; else a full stop does
        text = f"ConnectWise did not accept the {op.thing}{said_code}"
        text += "" if text.endswith((".", "!", "?", ")")) else "."
    elif is_html:
        text = html + "."
    else:
        text = f"ConnectWise did not accept the request to {op.action}{said_code}."
    fix = "fix what ConnectWise names" if server_message else "check the ticket and your entry in ConnectWise"
    return ValidationFailed(f"{text} Nothing was saved: {fix}, then send it again.", **common)




VERSION_RE = re.compile(r"(\d{4})\.(\d{1,2})")


def older_api_version(response: httpx.Response, accept: str) -> str | None:
    """The tenant's own API version when it refused ours as too new, else None."""
    if response.status_code != 400 or b"does not support the API version" not in response.content:
        return None
    theirs = VERSION_RE.search(response.headers.get("api-current-version", ""))
    ours = VERSION_RE.search(accept)
    if theirs is None or ours is None:
        return None
    t = (int(theirs.group(1)), int(theirs.group(2)))
    if t >= (int(ours.group(1)), int(ours.group(2))):
        return None
    return f"{t[0]}.{t[1]}"


def check_before_resend(op: Op) -> str:
    where = f"ticket #{op.ticket}" if op.ticket is not None else "the ticket"
    return f"Check {where} before sending it again."


def unusable_write_answer(op: Op) -> Ambiguous:
    return Ambiguous(
        f"ConnectWise answered the {op.thing} without the stored record FlowDesk expected, so it may or may not "
        f"have been saved. {check_before_resend(op)}"
    )


def decode(response: httpx.Response) -> tuple[Any, bool, bool]:
    """``(data, is_json, is_html)``: garbage and HTML never raise."""
    content = response.content
    ctype = response.headers.get("Content-Type", "").lower()
    head = content.lstrip()[:15].lower()
    is_html = "html" in ctype or head.startswith(b"<")
    if not content.strip():
        return None, False, False
    try:
        return json.loads(content.decode(response.encoding or "utf-8")), True, False
    except (ValueError, UnicodeDecodeError, LookupError, RecursionError):
        return None, False, is_html


def server_words(envelope: dict[str, Any]) -> str | None:
    """ConnectWise's ``errors[].message`` verbatim (joined), else the envelope's ``message`` (§8)."""
    errors = envelope.get("errors")
    if isinstance(errors, list):
        messages = [e["message"].strip() for e in errors if isinstance(e, dict) and isinstance(e.get("message"), str) and e["message"].strip()]
        if messages:
            return "; ".join(dict.fromkeys(messages))
    message = envelope.get("message")
    if isinstance(message, str) and message.strip():
        return message.strip()
    error = envelope.get("error")  # some edges answer {"error": "..."}
    if isinstance(error, str) and error.strip():
        return error.strip()
    return None


def request_id(response: httpx.Response) -> str | None:
    return header_value(response, "x-cw-request-id")


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None
