"""The outbox: the durable queue of push jobs (one note or one time entry each) and their post log.

Every public method is one transaction, committed (WAL + ``synchronous=FULL``: on disk) before it
returns, so the drainer can rely on "the state is stored before the next network call". State changes
are compare-and-set (:meth:`Outbox.transition`): a job moves only from the state the caller expected,
so two drainers can never both send it. The retry rules themselves live in :mod:`flowdesk.core.policy`;
:meth:`Outbox.apply` stores one of its decisions.

The drainer's loop, for reference::

    outbox.recover_after_crash()                 # at start-up, holding the DrainLock
    for job in outbox.due(now, limit):
        if job.state == "unknown":               # may already be on the ticket: check, never re-send
            outcome = check_ticket(job)          # Outcome.found(id) / Outcome.absent() / an error
        else:
            job = outbox.transition(job.id, expect=job.state, to="sending")
            outcome = send(job)                  # Outcome.success(id) / Outcome.from_error(exc)
        outbox.apply(job.id, policy.decide(job.snapshot(), outcome, now))
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any

from flowdesk.core import policy
from flowdesk.core.policy import (
    ALLOWED_TRANSITIONS,
    CANCELLABLE_STATES,
    Decision,
    JobKind,
    JobState,
    OutcomeKind,
    PolicyError,
)
from flowdesk.logs import get_logger
from flowdesk.store import outbox_errors as errors
from flowdesk.store import pause as pause_state
from flowdesk.store.db import Database, format_time, parse_time, select, utcnow
from flowdesk.store.jobs import (
    ATTEMPT_COLUMNS,
    JOB_COLUMNS,
    Attempt,
    NewJob,
    PushJob,
    attempt_from_row,
    body_text,
    job_from_row,
)
from flowdesk.store.pause import MAY_SEND, MemberPause, PauseKind, PauseState

log = get_logger("outbox")


def _new_client_ref() -> str:
    import uuid  # lazy: uuid imports platform, and nothing is queued before the window's first paint
    return str(uuid.uuid4())

def _member_of(job: NewJob) -> tuple[str | None, str | None]:
    """The member identifier and name stored with ``job`` (a name without an identifier names no one)."""
    member = (job.member or "").strip() or None
    return member, ((job.member_name or "").strip() or None) if member else None


TICKET_KINDS = ("service", "project")

# Columns transition() may set besides state and updated_at.
_FIELDS = frozenset({
    "attempts", "next_attempt_at", "last_error", "last_http_status", "last_request_id", "remote_id", "first_sent_at",
    "sent_at", "seen_before_id", "server_date_before", "send_if_absent",
})  # fmt: skip
# Set once, by the first send; later values are ignored.
_ONCE = frozenset({"seen_before_id", "server_date_before"})


def _db_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, JobState | JobKind | OutcomeKind):
        return value.value
    return value


# Due: pending / retry_wait (send) and unknown (check), whose time has come; a time entry or a status
# change only once its note job is sent, a status change also only once its note's time entry is done
# (a closed status could refuse the time); nothing the pause holds (everything, but for a member pause).
_DUE_STATES = ("pending", "retry_wait", "unknown")
_DUE_RULES = (
    "j.next_attempt_at IS NOT NULL "
    "AND (j.parent_id IS NULL OR p.state = 'sent') "
    "AND (j.kind <> 'status' OR NOT EXISTS (SELECT 1 FROM push_jobs t WHERE t.parent_id = j.parent_id "
    "AND t.kind = 'time_entry' AND t.state NOT IN ('sent', 'failed', 'cancelled'))) "
    f"AND {MAY_SEND}"
)
_DUE_WHERE = f"j.state IN {_DUE_STATES!r} AND {_DUE_RULES}"
# One walk of the index push_jobs_due (state, next_attempt_at, id) per due state, in order, stopping
# after ``limit`` rows; the three short lists are merged. (One query over the three states sorted every
# due job, reading each one's body, on every call: a drain of n notes read O(n²) rows, and a
# 5,000-note queue took 4 ms per note just to pick the next one.)
_DUE_SQL = (
    " UNION ALL ".join(
        "SELECT * FROM (SELECT j.* FROM push_jobs j LEFT JOIN push_jobs p ON p.id = j.parent_id "
        f"WHERE j.state = '{state}' AND {_DUE_RULES} AND j.next_attempt_at <= :now "
        "ORDER BY j.next_attempt_at, j.id LIMIT :limit)"
        for state in _DUE_STATES
    )
    + " ORDER BY next_attempt_at, id LIMIT :limit"
)


class Outbox:
    def __init__(self, db: Database, *, clock=utcnow, display_tz: tzinfo | None = None) -> None:
        """``clock`` gives the time when a method is not handed ``now``; ``display_tz`` is the zone of
        times in messages (default: the computer's)."""
        self._db = db
        self._clock = clock
        self._tz = display_tz

    def _now(self, now: datetime | None) -> datetime:
        return self._clock() if now is None else now

    def _local(self, now: datetime) -> datetime:
        return now.astimezone(self._tz) if self._tz is not None else now.astimezone()

    # -- reading --------------------------------------------------------------------------------------
    def get(self, job_id: int) -> PushJob | None:
        return self._get(self._db.connect(), job_id)

    @staticmethod
    def _get(conn: sqlite3.Connection, job_id: int) -> PushJob | None:
        jobs = Outbox._select(conn, "WHERE id = ?", (job_id,)) if -(2**63) <= job_id < 2**63 else []  # SQLite's range
        return jobs[0] if jobs else None

    @staticmethod
    def _select(conn: sqlite3.Connection, where: str, params: Sequence[Any] = ()) -> list[PushJob]:
        """The jobs of ``SELECT … FROM push_jobs {where}``."""
        return [job_from_row(row) for row in select(conn, f"SELECT {JOB_COLUMNS} FROM push_jobs {where}", params)]

    def jobs(self, *, states: Iterable[str] | None = None, session_id: str | None = None) -> list[PushJob]:
        """Jobs in queue order (oldest first), optionally only those in ``states`` / of one session."""
        where: list[str] = []
        params: list[Any] = []
        if states is not None:
            wanted = [JobState(s).value for s in states]
            where.append(f"state IN ({','.join('?' * len(wanted))})")
            params += wanted
        if session_id is not None:
            where.append("session_id = ?")
            params.append(session_id)
        clause = ("WHERE " + " AND ".join(where) + " ") if where else ""
        return self._select(self._db.connect(), clause + "ORDER BY id", params)

    def counts(self) -> dict[str, int]:
        return self.state_counts(self.kind_counts())

    def kind_counts(self) -> dict[str, dict[str, int]]:
        """:meth:`counts` by kind too (state -> kind -> how many): the words name a push's parts (a note, its
        time entry, a status change) instead of counting them as pushes. One query gives both: a caller that
        wants both counts takes this and :meth:`state_counts` of it."""
        out: dict[str, dict[str, int]] = {}
        for state, kind, n in self._db.connect().execute("SELECT state, kind, count(*) FROM push_jobs GROUP BY state, kind"):
            out.setdefault(state, {})[kind] = n
        return out

    @staticmethod
    def state_counts(kinds: dict[str, dict[str, int]]) -> dict[str, int]:
        """:meth:`counts` from :meth:`kind_counts`: every state, 0 for those with no push."""
        out = {s.value: 0 for s in JobState}
        for state, by_kind in kinds.items():
            out[state] = sum(by_kind.values())
        return out

    def due(self, now: datetime, limit: int) -> list[PushJob]:
        """What a drain should handle now, earliest first (then queue order)."""
        rows = select(self._db.connect(), _DUE_SQL, {"now": format_time(now), "limit": limit})
        return [job_from_row(row) for row in rows]

    def next_due_at(self) -> datetime | None:
        """When the next job becomes due (maybe in the past: drain now); None when nothing will be."""
        row = self._db.connect().execute(
            f"SELECT min(j.next_attempt_at) FROM push_jobs j LEFT JOIN push_jobs p ON p.id = j.parent_id "
            f"WHERE {_DUE_WHERE}"
        ).fetchone()
        return parse_time(row[0])

    def next_due_by_site(self) -> dict[str, datetime]:
        """:meth:`next_due_at` for each ConnectWise profile (``site``) that has something that will be due."""
        rows = self._db.connect().execute(
            f"SELECT j.site, min(j.next_attempt_at) FROM push_jobs j LEFT JOIN push_jobs p ON p.id = j.parent_id "
            f"WHERE {_DUE_WHERE} GROUP BY j.site"
        )
        return {site: parse_time(when) for site, when in rows}  # type: ignore[misc]

    def claimed_remote_ids(
        self, *, site: str, kind: JobKind | str, ticket_id: int | None = None, exclude: int | None = None
    ) -> set[int]:
        """The ConnectWise ids other push jobs already own (their note or time entry): a check for an
        ``unknown`` job must not take one of them for its own."""
        sql = "SELECT remote_id FROM push_jobs WHERE remote_id IS NOT NULL AND site = ? AND kind = ?"
        params: list[Any] = [site, JobKind(kind).value]
        if ticket_id is not None:
            sql += " AND ticket_id = ?"
            params.append(ticket_id)
        if exclude is not None:
            sql += " AND id <> ?"
            params.append(exclude)
        return {int(r[0]) for r in self._db.connect().execute(sql, params)}

    def attempts(self, job_id: int) -> list[Attempt]:
        sql = f"SELECT {ATTEMPT_COLUMNS} FROM post_log WHERE job_id = ? ORDER BY id"
        return [attempt_from_row(row) for row in select(self._db.connect(), sql, (job_id,))]

    def failed_for_other_company(self, job_id: int) -> bool:
        """A failed note whose last try found its ticket another company's (Retry asks before posting there)."""
        return job_id in self.other_company_failures()

    def other_company_failures(self) -> set[int]:
        """Failed notes whose last try found their ticket another company's: *Retry all* leaves them (Retry asks)."""
        sql = ("SELECT id FROM push_jobs j WHERE state = 'failed' AND (SELECT outcome FROM post_log p WHERE p.job_id = j.id "
               "ORDER BY p.id DESC LIMIT 1) = ?")
        return {row[0] for row in self._db.connect().execute(sql, (OutcomeKind.OTHER_COMPANY.value,))}

    def failure_counts(self, job_ids: Iterable[int] | None = None) -> dict[int, int]:
        """The Failures column of the queue and of ``queue list``: ``policy.failed_sends`` of the post logs with a
        failed send's outcome (``policy.FAILURE_OUTCOMES``), not of every log (a queue's reload, on the GUI thread)."""
        kinds, ids = sorted(policy.FAILURE_OUTCOMES), None if job_ids is None else list(job_ids)
        mine = "" if ids is None else f" AND job_id IN ({','.join('?' * len(ids))})"  # by the job_id index
        sql = ("SELECT job_id, outcome, http_status FROM post_log WHERE job_id IN (SELECT job_id FROM post_log "
               f"WHERE outcome IN ({','.join('?' * len(kinds))}){mine}) ORDER BY job_id, id")
        history: dict[int, list[tuple[str, int | None]]] = {}
        for job_id, outcome, status in self._db.connect().execute(sql, [*kinds, *(ids or ())]):
            history.setdefault(int(job_id), []).append((outcome, status))
        return {job_id: n for job_id, rows in history.items() if (n := policy.failed_sends(rows))}

    # -- queueing -------------------------------------------------------------------------------------
    def enqueue(
        self, jobs: Sequence[NewJob], *, force: bool = False, now: datetime | None = None
    ) -> list[PushJob]:
        """Queue ``jobs`` in one transaction (all or none). Refuses (:class:`DuplicatePush`) a job when
        the same session already has a push of the same kind to the same ticket that is not cancelled,
        unless ``force``."""
        now = self._now(now)
        stamp = format_time(now)
        for i, job in enumerate(jobs):
            self._check_new(i, job, jobs)
        keys = [(j.session_id, j.ticket_id, JobKind(j.kind)) for j in jobs]
        if not force and len(set(keys)) != len(keys):
            raise ValueError("the same session, ticket and kind appear twice in one enqueue()")
        ids: list[int] = []
        with self._db.transaction() as conn:
            if not force:
                for key in dict.fromkeys(keys):
                    self._refuse_duplicate(conn, *key, now=now)
            for job in jobs:
                # Each body's JSON text is made here, one at a time, and dropped once inserted (a bad body
                # rolls the whole enqueue back): holding every text at once (and its UTF-8 copy for SQLite)
                # made a 5,000-job enqueue hold ~40 MB more than the jobs it returns.
                body = body_text(job.body)
                parent_id = ids[job.parent] if job.parent is not None else job.parent_id
                if job.parent_id is not None:
                    self._check_parent(conn, job)
                cur = conn.execute(
                    "INSERT INTO push_jobs (client_ref, session_id, ticket_id, ticket_kind, kind, parent_id, site, "
                    "body, visibility, member, member_name, check_client, state, attempts, next_attempt_at, created_at, "
                    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)",
                    (
                        job.client_ref or _new_client_ref(),
                        job.session_id,
                        job.ticket_id,
                        job.ticket_kind,
                        JobKind(job.kind).value,
                        parent_id,
                        job.site,
                        body,
                        job.visibility,
                        *_member_of(job),
                        (job.check_client or "").strip() or None if JobKind(job.kind) == JobKind.NOTE else None,
                        stamp,
                        stamp,
                        stamp,
                    ),
                )
                ids.append(int(cur.lastrowid))  # type: ignore[arg-type]
            out = [self._get(conn, i) for i in ids]
        log.info("queued %d push job(s): %s", len(ids), ", ".join(map(str, ids)))
        return out  # type: ignore[return-value]

    @staticmethod
    def _check_new(i: int, job: NewJob, jobs: Sequence[NewJob]) -> None:
        from flowdesk.core.models import check_ticket_id  # lazy: pydantic, not before the first paint

        check_ticket_id(job.ticket_id)  # never queue what ConnectWise cannot take: the drain would trip on it
        kind = JobKind(job.kind)
        if job.ticket_kind not in TICKET_KINDS:
            raise ValueError(f"job {i}: ticket_kind must be 'service' or 'project', not {job.ticket_kind!r}")
        if not job.session_id:
            raise ValueError(f"job {i}: no session id")
        if kind == JobKind.NOTE and (job.parent is not None or job.parent_id is not None):
            raise ValueError(f"job {i}: a note has no parent job")
        if kind == JobKind.STATUS and job.parent is None and job.parent_id is None:
            raise ValueError(f"job {i}: a status change is queued after its note (parent or parent_id)")
        if job.parent is not None:
            if job.parent_id is not None:
                raise ValueError(f"job {i}: give parent or parent_id, not both")
            if not 0 <= job.parent < i or JobKind(jobs[job.parent].kind) != JobKind.NOTE:
                raise ValueError(f"job {i}: parent must be the index of an earlier note job in the same list")
            if jobs[job.parent].ticket_id != job.ticket_id:
                raise ValueError(f"job {i}: a time entry and its note must be for the same ticket")

    def _check_parent(self, conn: sqlite3.Connection, job: NewJob) -> None:
        parent = self._get(conn, job.parent_id)  # type: ignore[arg-type]
        if parent is None or parent.kind != JobKind.NOTE or parent.ticket_id != job.ticket_id:
            raise ValueError(f"parent_id {job.parent_id} is not a queued note job for ticket {job.ticket_id}")
        if parent.state == JobState.CANCELLED:
            raise errors.OutboxError(f"The note push {job.parent_id} this push belongs to was cancelled.")

    def _refuse_duplicate(
        self, conn: sqlite3.Connection, session_id: str, ticket_id: int, kind: JobKind, *, now: datetime
    ) -> None:
        found = self._select(
            conn,
            "WHERE session_id = ? AND ticket_id = ? AND kind = ? AND state <> 'cancelled' ORDER BY id DESC LIMIT 1",
            (session_id, ticket_id, kind.value),
        )
        if not found:
            return
        existing = found[0]
        what = {JobKind.NOTE: "This session", JobKind.STATUS: "A status change for this session"}.get(
            kind, "Time for this session"
        )
        local_now = self._local(now)
        if existing.state == JobState.SENT and existing.sent_at is not None:
            when = policy.format_clock(existing.sent_at, local_now)
            reason = f"{what} was already posted to ticket {ticket_id} at {when}."
        else:
            when = policy.format_clock(existing.created_at, local_now)
            reason = f"{what} was already queued for ticket {ticket_id} at {when}"
            if existing.state == JobState.FAILED:
                reason += "; it failed: retry it from the queue instead."
            else:
                reason += f" and is still in the queue ({existing.state.label})."
        raise errors.DuplicatePush(reason, existing)

    # -- state changes ----------------------------------------------------------------------------------
    def transition(
        self, job_id: int, *, expect: str | Iterable[str], to: str, now: datetime | None = None, **fields: Any
    ) -> PushJob:
        """Move ``job_id`` from ``expect`` to ``to`` (compare-and-set, one transaction) and set ``fields``.

        Raises :class:`StateConflict` when the job is no longer in ``expect``, :class:`InvalidTransition`
        for a move the outbox never makes (anything out of ``sent``...), :class:`QueuePaused` when asked
        to send while the queue is paused. Moving to ``sending`` records ``first_sent_at`` once.
        """
        now = self._now(now)
        with self._db.transaction() as conn:
            return self._transition(conn, job_id, expect=expect, to=to, now=now, fields=fields)

    def _transition(
        self,
        conn: sqlite3.Connection,
        job_id: int,
        *,
        expect: str | Iterable[str],
        to: str,
        now: datetime,
        fields: Mapping[str, Any],
    ) -> PushJob:
        expected = [JobState(expect).value] if isinstance(expect, str) else [JobState(s).value for s in expect]
        target = JobState(to)
        unknown = set(fields) - _FIELDS
        if unknown:
            raise ValueError(f"transition() cannot set {', '.join(sorted(unknown))}")
        row = select(conn, "SELECT state, parent_id FROM push_jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise errors.JobNotFound(job_id)
        current = JobState(row["state"])
        parent_id = row["parent_id"]
        if current.value not in expected:
            raise errors.StateConflict(job_id, expected, current.value)
        if target not in ALLOWED_TRANSITIONS[current]:
            raise errors.InvalidTransition(f"Push {job_id} cannot go from {current.value} to {target.value}.")
        if target == JobState.SENDING:
            reason = pause_state.reason(conn)
            if reason is not None and not conn.execute(f"SELECT 1 FROM push_jobs j WHERE id = ? AND {MAY_SEND}", (job_id,)).fetchone():
                raise errors.QueuePaused(reason)
            if parent_id is not None:
                parent_state = conn.execute("SELECT state FROM push_jobs WHERE id = ?", (parent_id,)).fetchone()[0]
                if parent_state != JobState.SENT:
                    raise errors.InvalidTransition(
                        f"Push {job_id} is a time entry whose note (push {parent_id}) is {parent_state}, not sent."
                    )
        sets = ["state = ?", "updated_at = ?"]
        params: list[Any] = [target.value, format_time(now)]
        for name, value in fields.items():
            sets.append(f"{name} = coalesce({name}, ?)" if name in _ONCE else f"{name} = ?")
            params.append(_db_value(value))
        if target == JobState.SENDING and "first_sent_at" not in fields:
            sets.append("first_sent_at = coalesce(first_sent_at, ?)")
            params.append(format_time(now))
        try:
            cur = conn.execute(
                f"UPDATE push_jobs SET {', '.join(sets)} WHERE id = ? AND state = ?",
                (*params, job_id, current.value),
            )
        except sqlite3.IntegrityError as exc:
            raise errors.InvalidTransition(f"Push {job_id} cannot go to {target.value} like that: {exc}.") from exc
        assert cur.rowcount == 1  # the row was read under BEGIN IMMEDIATE: nobody else can move it
        if current != target:
            log.info("push %d: %s -> %s", job_id, current.value, target.value)
        return self._get(conn, job_id)  # type: ignore[return-value]

    def apply(
        self, job_id: int, decision: Decision, *, now: datetime | None = None, duration_ms: int | None = None
    ) -> PushJob:
        """Store a policy decision: the compare-and-set from ``decision.from_state``, the attempt in the
        post log (when the decision came from an outcome) and a queue pause (401), in one transaction."""
        now = self._now(now)
        with self._db.transaction() as conn:
            job = self._apply(conn, job_id, decision, now=now)
            if decision.outcome is not None:
                self._log(
                    conn,
                    job_id,
                    decision.outcome.value,
                    at=now,
                    http_status=decision.http_status,
                    request_id=decision.request_id,
                    error=decision.detail if decision.detail else decision.last_error,
                    duration_ms=duration_ms,
                )
            if decision.pause_queue:
                pause_state.write(conn, decision.pause_queue, now, "account")
        return job

    def _apply(self, conn: sqlite3.Connection, job_id: int, decision: Decision, *, now: datetime) -> PushJob:
        if decision.outcome is not None and decision.from_state == JobState.UNKNOWN:
            # A check's result. Read here, in the transaction, not from the drainer's snapshot: Retry may
            # have been clicked while the check was out.
            job = self._get(conn, job_id)
            if job is not None and job.send_if_absent:
                decision = policy.after_check_of_retried(job.snapshot(), decision, now)
        return self._transition(
            conn, job_id, expect=decision.from_state, to=decision.state, now=now, fields=decision.store_fields()
        )

    def set_ticket_kind(
        self,
        job_id: int,
        ticket_kind: str,
        *,
        expect: str | Iterable[str],
        child_fields: Mapping[str, Any] | None = None,
        reason: str | None = None,
        now: datetime | None = None,
    ) -> PushJob:
        """Record that a note job's ticket is of ``ticket_kind`` (``service`` / ``project``), in one transaction:
        the note job (still in ``expect``), its time entry jobs that were never sent (their ``ticket_kind``,
        and ``child_fields`` merged into their bodies, e.g. ``{"chargeToType": "ProjectTicket"}``), and a
        post log row with ``reason``. A time entry that was already sent once keeps its body: changing what
        may be on the server would break the check before a re-send."""
        if ticket_kind not in TICKET_KINDS:
            raise ValueError(f"ticket_kind must be 'service' or 'project', not {ticket_kind!r}")
        now = self._now(now)
        expected = [JobState(expect).value] if isinstance(expect, str) else [JobState(s).value for s in expect]
        stamp = format_time(now)
        with self._db.transaction() as conn:
            job = self._get(conn, job_id)
            if job is None:
                raise errors.JobNotFound(job_id)
            if job.state.value not in expected:
                raise errors.StateConflict(job_id, expected, job.state.value)
            if job.kind != JobKind.NOTE:
                raise ValueError("only a note job's ticket kind is changed; its time entries follow it")
            conn.execute(
                "UPDATE push_jobs SET ticket_kind = ?, updated_at = ? WHERE id = ?", (ticket_kind, stamp, job_id)
            )
            for child in self._select(conn, "WHERE parent_id = ? ORDER BY id", (job_id,)):
                if child.first_sent_at is not None or child.state in (JobState.SENT, JobState.CANCELLED):
                    log.warning("push %d: left as it is (already sent once or finished)", child.id)
                    continue
                body = child.body
                if child_fields and child.kind == JobKind.TIME_ENTRY:
                    doc = child.body_json()
                    doc.update(child_fields)
                    body = body_text(doc)
                conn.execute(
                    "UPDATE push_jobs SET ticket_kind = ?, body = ?, updated_at = ? WHERE id = ?",
                    (ticket_kind, body, stamp, child.id),
                )
            if reason:
                self._log(
                    conn, job_id, "ticket_kind", at=now, http_status=None, request_id=None, error=reason,
                    duration_ms=None,
                )
            out = self._get(conn, job_id)
        log.info("push %d: ticket %d is a %s ticket", job_id, job.ticket_id, ticket_kind)
        return out  # type: ignore[return-value]

    def log_attempt(
        self, job_id: int, outcome: str, *, http_status: int | None = None, request_id: str | None = None,
        error: str | None = None, duration_ms: int | None = None, at: datetime | None = None,
    ) -> None:
        with self._db.transaction() as conn:
            self._log(
                conn, job_id, outcome, at=self._now(at), http_status=http_status, request_id=request_id,
                error=error, duration_ms=duration_ms,
            )

    @staticmethod
    def _log(
        conn: sqlite3.Connection,
        job_id: int,
        outcome: str,
        *,
        at: datetime,
        http_status: int | None,
        request_id: str | None,
        error: str | None,
        duration_ms: int | None,
    ) -> None:
        conn.execute(
            "INSERT INTO post_log (job_id, at, outcome, http_status, request_id, error, duration_ms) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (job_id, format_time(at), str(outcome), http_status, request_id, error, duration_ms),
        )

    def recover_after_crash(self, now: datetime | None = None) -> int:
        """Jobs left ``sending`` (FlowDesk stopped mid-send) become ``unknown``: checked before any
        re-send, once ConnectWise has had time to store what was sent (``policy.recover_interrupted``).
        Call it once at start-up, holding the drain lock. Returns how many were recovered."""
        now = self._now(now)
        zone = self._local(now).tzinfo
        with self._db.transaction() as conn:
            left = self._select(conn, "WHERE state = 'sending' ORDER BY id")
            for job in left:
                decision = policy.recover_interrupted(job.snapshot(), now, tz=zone)
                self._apply(conn, job.id, decision, now=now)
                self._log(
                    conn, job.id, policy.INTERRUPTED, at=now, http_status=None, request_id=None,
                    error=decision.last_error, duration_ms=None,
                )
        if left:
            log.warning("recovered %d push job(s) left sending; they will be checked before any re-send", len(left))
        return len(left)

    # -- the engineer's actions ---------------------------------------------------------------------------
    def _act(self, conn: sqlite3.Connection, job: PushJob, action, now: datetime, said: list[str] | None = None) -> PushJob:
        try:
            decision = action(job.snapshot(), now)
        except PolicyError as exc:
            raise errors.ActionRefused(str(exc)) from exc
        (said if said is not None else []).append(decision.message)  # what the click does, in the policy's words
        return self._apply(conn, job.id, decision, now=now)

    def retry(self, job_id: int, now: datetime | None = None, said: list[str] | None = None, *, other_company: bool = False) -> PushJob:
        """Due now: a failed job starts a fresh schedule; an unknown one is checked first (``said``: gets its words).
        ``other_company``: the engineer confirmed the ticket, so its company is not checked against the client again."""
        now = self._now(now)
        with self._db.transaction() as conn:
            job = self._get(conn, job_id)
            if job is None:
                raise errors.JobNotFound(job_id)
            if other_company:
                conn.execute("UPDATE push_jobs SET check_client = NULL WHERE id = ?", (job_id,))
            return self._act(conn, job, policy.manual_retry, now, said)

    def retry_all_failed(self, now: datetime | None = None, *, leave: Collection[int] = ()) -> list[PushJob]:
        """Every failed push due now, but those of ``leave`` (ids)."""
        now = self._now(now)
        with self._db.transaction() as conn:
            failed = self._select(conn, "WHERE state = 'failed' ORDER BY id")
            return [self._act(conn, job, policy.manual_retry, now) for job in failed if job.id not in leave]

    def cancel(self, job_id: int, now: datetime | None = None) -> list[PushJob]:
        """Cancel a push (and, for a note, its time entry waiting on it). Returns the jobs it changed
        (none when it was already cancelled); refuses (:class:`ActionRefused`) a job being sent or sent.
        Cancelling an unknown job leaves a warning in its ``last_error``: it may be on the ticket."""
        now = self._now(now)
        with self._db.transaction() as conn:
            job = self._get(conn, job_id)
            if job is None:
                raise errors.JobNotFound(job_id)
            if job.state == JobState.CANCELLED:
                return []
            changed = [self._act(conn, job, policy.cancel, now)]
            for child in self._select(conn, "WHERE parent_id = ? ORDER BY id", (job_id,)):
                if child.state in CANCELLABLE_STATES:
                    changed.append(self._act(conn, child, policy.cancel, now))
            return changed

    # -- pause ----------------------------------------------------------------------------------------
    def pause(
        self,
        reason: str,
        now: datetime | None = None,
        *,
        kind: PauseKind = "user",
        site: str | None = None,
        member: str | None = None,
    ) -> None:
        """Nothing is due until :meth:`resume` (a 401 does this through :meth:`apply`, as ``account``). A
        ``member`` pause with the ``site`` and ``member`` signed in there holds only the pushes of other
        members (those of ``member`` at ``site`` still go); written over another pause, it holds everything
        and keeps that pause, back when :meth:`lift_member_pause` lifts it."""
        with self._db.transaction() as conn:
            pause_state.write(conn, reason, self._now(now), kind, site, member)

    def resume(self, *, site: str | None = None, member: str | None = None, member_name: str | None = None) -> int:
        """Lift the pause. Lifting a pause for pushes queued under another member's keys (kind ``member``)
        with the ``site`` and ``member`` whose keys are saved now also makes that member the owner of the
        site's waiting pushes, in the same transaction: Resume means "send them as this member". A push that
        may already be on its ticket (``unknown``) keeps its member, whose notes its check looks for; if the
        check finds it absent, sending it waits for another Resume. ``member_name``: that member's name, stored
        with the pushes they now own. Returns how many pushes changed owner."""
        member = (member or "").strip()
        with self._db.transaction() as conn:
            owned = 0
            if pause_state.kind(conn) == "member" and site and member:
                owned = conn.execute(
                    "UPDATE push_jobs SET member = ?, member_name = ? WHERE site = ? "
                    "AND state IN ('pending', 'retry_wait', 'failed') AND member IS NOT NULL AND member <> ? COLLATE NOCASE",
                    (member, (member_name or "").strip() or None, site, member),
                ).rowcount
            pause_state.clear(conn)
        log.info("queue resumed%s", f"; {owned} push(es) now sent as the member signed in" if owned else "")
        return owned

    def lift_member_pause(self, now: datetime | None = None) -> bool:
        """Lift a pause of kind ``member`` (no other: the engineer's own pause, or a refused account's, stays),
        owning nothing: the pushes it held are their own member's again. The pause it was written over comes
        back. True when a member pause was lifted."""
        with self._db.transaction() as conn:
            return pause_state.lift_member(conn, self._now(now))

    def pause_whole(self, reason: str, now: datetime | None = None) -> None:
        """The engineer's Pause: nothing is sent until :meth:`lift_whole_pause`. A member pause in force stays,
        over it (see :func:`~flowdesk.store.pause.write_whole`)."""
        with self._db.transaction() as conn:
            pause_state.write_whole(conn, reason, self._now(now))

    def lift_whole_pause(self) -> bool:
        """Lift the pause that holds every push (the engineer's, a refused account's), never a member pause,
        which then holds only other members' pushes. Nothing changes owner. True when one was lifted."""
        with self._db.transaction() as conn:
            return pause_state.lift_whole(conn)

    def whole_pause(self, *, own: bool = False) -> str | None:
        """The reason of the pause :meth:`lift_whole_pause` lifts (alone, or under a member pause), or None.
        ``own``: only the engineer's own pause, not one after refused keys (saving the account lifts that)."""
        return pause_state.whole(self._db.connect(), own=own)

    def member_pause(self) -> MemberPause | None:
        """The pause for pushes queued under other members' keys (kind ``member``), or None."""
        kind, held = pause_state.read(self._db.connect())
        return held if kind == "member" else None

    def sending_paused(self) -> bool:
        """Nothing at all may be sent: paused, and not by a member pause that lets the member signed in send."""
        conn = self._db.connect()
        if pause_state.reason(conn) is None:  # the usual case, read first: the drainer asks before each push
            return False
        kind, held = pause_state.read(conn)
        return kind is not None and not (kind == "member" and held.partial)

    def waiting_for_other_member(self, member: str | None, site: str | None = None) -> list[PushJob]:
        """The pushes still to send or check (of ``site``, or of every site) that were queued under the keys
        of another member than ``member`` (None: of any known member). One queued before the member was kept
        counts as ``member``'s."""
        where = "WHERE state IN ('pending', 'retry_wait', 'unknown', 'failed') AND member IS NOT NULL "
        where += "AND member <> ? COLLATE NOCASE"
        params = [(member or "").strip()]
        if site is not None:
            where += " AND site = ?"
            params.append(site)
        return self._select(self._db.connect(), where + " ORDER BY id", params)

    def held_by_member_pause(self, pause: PauseState | None = None) -> list[PushJob]:
        """The pushes a member pause in force names: those of other members than the one it was written for,
        at its site (none when it does not say whom: see :meth:`MemberPause.partial`). ``pause``: as just read."""
        pause = self.pause_state() if pause is None else pause  # one query (the window asks after each change)
        if pause.kind != "member" or not (pause.site and pause.member):
            return []
        return self.waiting_for_other_member(pause.member, pause.site)

    def pause_state(self) -> PauseState:
        """The whole pause in one read: whether anything may be sent, the engineer's own pause, a member pause."""
        return pause_state.snapshot(self._db.connect())

    def paused_kind(self) -> PauseKind | None:
        """Why sending is paused (see :data:`PauseKind`); None when it is not, or the pause did not say."""
        return pause_state.kind(self._db.connect())

    def paused_reason(self) -> str | None:
        return pause_state.reason(self._db.connect())

    def paused_at(self) -> datetime | None:
        return pause_state.since(self._db.connect())
