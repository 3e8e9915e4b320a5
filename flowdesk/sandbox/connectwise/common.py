"""What the ConnectWise routes share: the error envelopes (ref §8), lists with conditions, ordering, paging
and ``Link`` headers (ref §7), field projection, and checks of a POST body."""

from __future__ import annotations

import copy
from typing import Any

from flowdesk.sandbox import conditions as cond
from flowdesk.sandbox.http import Request, Response, json_response
from flowdesk.sandbox.seed import MEMBER_ID, MEMBER_IDENTIFIER
from flowdesk.sandbox.state import SandboxState

SECURITY_MESSAGE = "You do not have security permission to perform this action."
BOOLEAN_MESSAGE = "String was not recognized as a valid Boolean."  # ref §8, verbatim
KIND_BY_TYPE = {"ServiceTicket": "service", "ProjectTicket": "project"}


def envelope(
    status: int, code: str, message: str, errors: list[dict[str, Any]] | None = None
) -> Response:
    """ConnectWise's error envelope, ref §8: ``{"code","message","errors":[...] | null}``."""
    return json_response(status, {"code": code, "message": message, "errors": errors})


def field_error(code: str, message: str, resource: str, field_name: str) -> dict[str, Any]:
    return {"code": code, "message": message, "resource": resource, "field": field_name}


def invalid_object(resource: str, errors: list[dict[str, Any]]) -> Response:
    return envelope(400, "InvalidObject", f"{resource} object is invalid", errors)


def not_found(message: str) -> Response:
    return envelope(404, "NotFound", message)


def security() -> Response:
    return envelope(403, "Security", SECURITY_MESSAGE)


def unknown_member(name: str, type_name: str) -> Response:
    # ref §2 [V jundis#132]: "Could not find member 'enteredBy' on object of type 'Ticket'"; that unknown
    # body fields are rejected at all is ref's inference [I]. CHOICE: reject them, so client typos surface.
    return envelope(400, "ConnectWiseApi", f"Could not find member '{name}' on object of type '{type_name}'.")


FAULT_MESSAGES = {
    400: ("InvalidObject", "The request is invalid."),
    401: ("Unauthorized", "Authentication failed."),
    403: ("Security", SECURITY_MESSAGE),
    404: ("NotFound", "The requested resource was not found."),
    409: ("Conflict", "The record was changed by another user."),
    429: ("TooManyRequests", "Too many requests. Please wait before retrying."),
    500: ("ConnectWiseApi", "A timeout has occured. Please try again."),  # ref §8, verbatim (sic)
}


def fault_envelope(status: int) -> Response:
    code, message = FAULT_MESSAGES.get(status, ("ConnectWiseApi", f"The service is unavailable ({status})."))
    return envelope(status, code, message)


def to_int(text: str) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def project(record: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """Keep only ``fields`` (nested with ``/``, e.g. ``status/name``), ref §7."""
    out: dict[str, Any] = {}
    for path in fields:
        parts = [p for p in path.split("/") if p]
        src: Any = record
        for p in parts:
            src = src.get(p) if isinstance(src, dict) else None
            if src is None:
                break
        if src is None and not (len(parts) == 1 and parts[0] in record):
            continue
        dst = out
        for p in parts[:-1]:
            dst = dst.setdefault(p, {})
        dst[parts[-1]] = copy.deepcopy(src)
    return out


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, int | float):
        return (2, value)
    return (3, str(value).casefold())


def list_response(
    req: Request, records: list[dict[str, Any]], schema: dict[str, str], *, state: SandboxState, default_order: str = "id asc"
) -> Response:
    """conditions, orderBy, page, pageSize, fields and RFC 5988 ``Link`` headers (ref §7). A pageSize above
    the config's ``max_page_size`` is served in pages of that size (the ``Link`` headers say so)."""
    conditions = req.query_ci("conditions")
    if conditions is not None and conditions.strip():
        try:
            predicate = cond.compile_conditions(conditions, schema)
        except cond.ConditionError as exc:
            # CHOICE: ref §7 gives the message text, not the envelope's code; InvalidObject like other 400s.
            return envelope(400, "InvalidObject", str(exc))
        records = [r for r in records if predicate(r)]

    order_by = req.query_ci("orderBy") or default_order
    keys: list[tuple[str, bool]] = []
    for part in order_by.split(","):
        words = part.split()
        if not words:
            continue
        direction = words[1].lower() if len(words) > 1 else "asc"
        if len(words) > 2 or direction not in ("asc", "desc") or words[0].lower() not in {k.lower() for k in schema}:
            return envelope(
                400,
                "InvalidObject",
                "orderBy object is invalid",
                [field_error("InvalidField", f"'{part.strip()}' is not a valid orderBy clause.", "orderBy", "orderBy")],
            )
        keys.append((words[0], direction == "desc"))
    for path, desc in reversed(keys):
        records = sorted(records, key=lambda r, p=path: _sort_key(cond.lookup(r, p)), reverse=desc)  # type: ignore[misc]

    page_size_raw = req.query_ci("pageSize")
    page_raw = req.query_ci("page")
    page_size = 25 if page_size_raw in (None, "") else to_int(page_size_raw)
    page = 1 if page_raw in (None, "") else to_int(page_raw)
    if page_size is None or not 1 <= page_size <= 1000:
        # ref §7 and sgtoj/PSConnectWise#2: {"code":"InvalidObject","message":"pageSize object is invalid",
        # "errors":[{"code":"OutOfRange","message":"The field pageSize must be between 1 and 100." ...}]}
        return envelope(
            400,
            "InvalidObject",
            "pageSize object is invalid",
            [field_error("OutOfRange", "The field pageSize must be between 1 and 1000.", "pageSize", "pageSize")],
        )
    if page is None or page < 1:
        return envelope(
            400,
            "InvalidObject",
            "page object is invalid",
            [field_error("OutOfRange", "The field page must be 1 or greater.", "page", "page")],
        )
    with state.cond:
        page_size = min(page_size, state.config.max_page_size)
    total = len(records)
    items = records[(page - 1) * page_size : page * page_size]
    fields = req.query_ci("fields")
    if fields:
        wanted = [f.strip() for f in fields.split(",") if f.strip()]
        items = [project(r, wanted) for r in items]
    else:
        items = copy.deepcopy(items)
    headers: list[tuple[str, str]] = []
    last = max(1, -(-total // page_size))
    if total > page_size:
        # ref §7: next + last while there are more pages; on the last page only rel="first".
        if page < last:
            headers.append(
                (
                    "Link",
                    f'<{req.url_with(pageSize=page_size, page=page + 1)}>; rel="next", '
                    f'<{req.url_with(pageSize=page_size, page=last)}>; rel="last"',
                )
            )
        else:
            headers.append(("Link", f'<{req.url_with(pageSize=page_size, page=1)}>; rel="first"'))
    return json_response(200, items, headers)


def bool_error(body: dict[str, Any], flags: tuple[str, ...]) -> str | None:
    for f in flags:
        if f in body and body[f] is not None and not isinstance(body[f], bool):
            return f
    return None


def member_mismatch(body: dict[str, Any]) -> bool:
    """A ``member`` other than the keys' owner (ref §5: 403 Security posting for someone else)."""
    member = body.get("member")
    if member is None:
        return False
    if not isinstance(member, dict):
        return True
    mid = member.get("id")
    ident = member.get("identifier")
    if mid is not None and mid != MEMBER_ID:
        return True
    return bool(ident is not None and str(ident).lower() != MEMBER_IDENTIFIER)


def count_response(req: Request, records: list[dict[str, Any]], schema: dict[str, str]) -> Response:
    """``GET .../count``: ``{"count": n}`` of the records matching ``conditions``."""
    conditions = req.query_ci("conditions")
    if conditions:
        try:
            predicate = cond.compile_conditions(conditions, schema)
        except cond.ConditionError as exc:
            return envelope(400, "InvalidObject", str(exc))
        records = [r for r in records if predicate(r)]
    return json_response(200, {"count": len(records)})
