"""The outbox's records — a push job queued (:class:`NewJob`), as stored (:class:`PushJob`), one attempt of
it (:class:`Attempt`) — and how a row of ``push_jobs`` / ``post_log`` becomes one, read by column name."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, NamedTuple

from flowdesk.core.policy import JobKind, JobSnapshot, JobState
from flowdesk.store.db import parse_time


class NewJob(NamedTuple):
    """One push to queue. ``body`` is the exact JSON to send (a dict is serialised once, here). Checked
    when it is queued (``Outbox.enqueue``)."""

    session_id: str
    ticket_id: int
    kind: JobKind | str
    body: Mapping[str, Any] | str
    site: str
    ticket_kind: str = "service"
    visibility: str | None = None
    parent: int | None = None  # a time entry's note job: its index in the same enqueue() list...
    parent_id: int | None = None  # ...or the id of a note job already queued
    client_ref: str | None = None  # uuid4 when not given
    member: str | None = None  # the identifier of the member whose keys queue it (None: not known)
    member_name: str | None = None  # that member's name (None: not known)
    check_client: str | None = None  # a note: the session's client, when its ticket's company was not checked


class PushJob(NamedTuple):
    id: int
    client_ref: str
    session_id: str
    ticket_id: int
    ticket_kind: str
    kind: JobKind
    parent_id: int | None
    site: str
    body: str  # the exact JSON text to send
    visibility: str | None
    state: JobState
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    last_http_status: int | None
    last_request_id: str | None
    remote_id: int | None
    first_sent_at: datetime | None
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None
    seen_before_id: int | None = None  # the highest note / time-entry id on the ticket before the first send
    server_date_before: datetime | None = None  # ConnectWise's Date header of that read
    send_if_absent: bool = False  # retried while ``unknown``: sent at once if its check finds it absent
    member: str | None = None  # whose keys queued it (a member identifier); None: queued before it was kept
    member_name: str | None = None  # that member's name when the push was queued; None: not known
    check_client: str | None = None  # the client the ticket's company must be, read before each send of a note

    @property
    def queued_as(self) -> str:
        """How the words name the member who queued it: their name when known, else their identifier."""
        return self.member_name or self.member or ""

    def queued_by_other(self, member: str | None) -> bool:
        """Queued under the keys of another member than ``member`` (both known; identifiers match case-insensitively)."""
        return bool(self.member and member and self.member.casefold() != member.casefold())

    def body_json(self) -> dict[str, Any]:
        return json.loads(self.body)

    @property
    def status_name(self) -> str:
        """The status a status change sets (its body ``{"status": {"id": N, "name": "Resolved"}}``), else ``""``."""
        if self.kind != JobKind.STATUS:
            return ""
        status = self.body_json().get("status")
        name = status.get("name") if isinstance(status, dict) else None
        return name if isinstance(name, str) else ""

    def snapshot(self) -> JobSnapshot:
        return JobSnapshot(
            state=self.state,
            attempts=self.attempts,
            kind=self.kind,
            ticket_id=self.ticket_id,
            ticket_kind=self.ticket_kind,
            next_attempt_at=self.next_attempt_at,
            updated_at=self.updated_at,
        )


class Attempt(NamedTuple):
    id: int
    job_id: int
    at: datetime
    outcome: str
    http_status: int | None
    request_id: str | None
    error: str | None
    duration_ms: int | None


JOB_COLUMNS = (
    "id, client_ref, session_id, ticket_id, ticket_kind, kind, parent_id, site, body, visibility, state, "
    "attempts, next_attempt_at, last_error, last_http_status, last_request_id, remote_id, first_sent_at, "
    "created_at, updated_at, sent_at, seen_before_id, server_date_before, send_if_absent, member, member_name, check_client"
)
ATTEMPT_COLUMNS = "id, job_id, at, outcome, http_status, request_id, error, duration_ms"


_TIMES = ("next_attempt_at", "first_sent_at", "created_at", "updated_at", "sent_at", "at", "server_date_before")
# How a column's stored value becomes the record's field; every other column is taken as stored.
_CONVERT: dict[str, Callable[[Any], Any]] = {"kind": JobKind, "state": JobState, "send_if_absent": bool} | dict.fromkeys(
    _TIMES, parse_time
)


def _names(columns: str) -> tuple[tuple[str, Callable[[Any], Any] | None], ...]:
    """Each column of ``columns`` with its conversion (None: taken as stored), worked out once, not per row."""
    return tuple((name, _CONVERT.get(name)) for name in (part.strip() for part in columns.split(",")))


_JOB_FIELDS = _names(JOB_COLUMNS)
_ATTEMPT_FIELDS = _names(ATTEMPT_COLUMNS)


def _fields(row: sqlite3.Row, fields: tuple[tuple[str, Callable[[Any], Any] | None], ...]) -> dict[str, Any]:
    return {name: row[name] if convert is None else convert(row[name]) for name, convert in fields}


def job_from_row(row: sqlite3.Row) -> PushJob:
    """A ``push_jobs`` row (selected with :data:`JOB_COLUMNS`, any order or table alias) as a job."""
    return PushJob(**_fields(row, _JOB_FIELDS))


def attempt_from_row(row: sqlite3.Row) -> Attempt:
    """A ``push_attempts`` row (selected with :data:`ATTEMPT_COLUMNS`) as an attempt."""
    return Attempt(**_fields(row, _ATTEMPT_FIELDS))


def body_text(body: Mapping[str, Any] | str) -> str:
    """The exact JSON text to store for ``body`` (a dict is serialised compactly, once)."""
    if isinstance(body, str):
        parsed = json.loads(body)
        text = body
    else:
        text = json.dumps(dict(body), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        parsed = body
    if not isinstance(parsed, dict):
        raise ValueError("a push body must be a JSON object")
    return text


__all__ = ["ATTEMPT_COLUMNS", "JOB_COLUMNS", "Attempt", "NewJob", "PushJob", "attempt_from_row", "body_text", "job_from_row"]
