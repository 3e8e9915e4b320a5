"""The queue's pause, kept in the ``meta`` table: whether sending is paused, why (the words shown), since when,
and its kind, which decides what lifts it (:data:`PauseKind`).

A pause of kind ``member`` (pushes queued under other members' keys than those signed in) holds only those
pushes: the site and member signed in are kept with it, and that member's own pushes still go
(:data:`MAY_SEND`, the rule the outbox's due list and its ``sending`` compare-and-set share). Written over the
engineer's own pause, or a refused account's, it holds everything and keeps that pause, which comes back when
the member pause lifts (:func:`lift_member`). The engineer's Pause made while a member pause holds goes under
it the same way (:func:`write_whole`), and lifting it (:func:`lift_whole`) leaves the member pause holding only
other members' pushes. Each function runs inside the caller's transaction.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Literal, NamedTuple

from flowdesk.core import policy_words
from flowdesk.logs import get_logger
from flowdesk.store.db import format_time, parse_time

log = get_logger("outbox")

# Why sending is paused, which decides what lifts it: "user" (the engineer's Pause: only Resume),
# "account" (ConnectWise refused the keys, or knows no such company ID: saving the account lifts it),
# "member" (pushes queued under another member's keys wait for the engineer's Resume, or for their own
# member's keys: :func:`lift_member`). None: a pause written before the kind was kept (only Resume lifts it).
PauseKind = Literal["user", "account", "member"]
_KINDS: dict[str, PauseKind] = {"user": "user", "account": "account", "member": "member"}

_REASON = "paused_reason"
_AT = "paused_at"
_KIND = "paused_kind"
_SITE = "paused_site"  # a member pause: the site and member whose pushes still go
_MEMBER = "paused_member"
_UNDER_REASON = "paused_under_reason"  # the pause a member pause was written over, back when it lifts
_UNDER_KIND = "paused_under_kind"
_KEYS = (_REASON, _AT, _KIND, _SITE, _MEMBER, _UNDER_REASON, _UNDER_KIND)

_UPSERT = "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
_VALUE = "(SELECT value FROM meta WHERE key = '{}')"
# Whether push ``j`` may be sent: the queue is not paused, or the pause is a member pause that holds only other
# members' pushes and ``j`` is of its site and of the member signed in there (or of no known member).
MAY_SEND = (
    f"(NOT EXISTS (SELECT 1 FROM meta WHERE key = '{_REASON}') "
    f"OR ({_VALUE.format(_KIND)} = 'member' AND NOT EXISTS (SELECT 1 FROM meta WHERE key = '{_UNDER_REASON}') "
    f"AND j.site = {_VALUE.format(_SITE)} "
    f"AND (j.member IS NULL OR j.member = {_VALUE.format(_MEMBER)} COLLATE NOCASE)))"
)


class MemberPause(NamedTuple):
    """A pause of kind ``member``: its words; the site and member whose pushes still go (None: it was written
    without them, and holds everything); the pause it was written over (while there, everything waits)."""

    reason: str
    site: str | None
    member: str | None
    over: str | None

    @property
    def partial(self) -> bool:
        """Only other members' pushes than ``member``'s at ``site`` are held."""
        return bool(self.site and self.member) and self.over is None


class PauseState(NamedTuple):
    """The whole pause as one read of ``meta`` (:func:`snapshot`): what the window and the tray say about it
    after each change of the queue, asked of this one read rather than of SQLite again for each word."""

    reason: str | None = None  # None: not paused
    kind: str | None = None  # see :data:`PauseKind`; "" for a pause written before kinds were kept
    site: str | None = None
    member: str | None = None
    under: str | None = None  # the pause a member pause was written over
    under_kind: str | None = None

    @property
    def sending_paused(self) -> bool:
        """Nothing at all may be sent: paused, and not by a member pause that lets the member signed in send."""
        return self.reason is not None and not (self.kind == "member" and self.member_pause().partial)

    def member_pause(self) -> MemberPause:
        """Its member parts (meaningful when ``kind`` is ``member``)."""
        return MemberPause(self.reason or "", self.site, self.member, self.under)

    def whole(self, *, own: bool = False) -> str | None:
        """The reason of the pause :func:`lift_whole` lifts (alone, or under a member pause), or None. ``own``: only
        the engineer's own pause (or one of no kind, which only Resume lifts), not a refused account's."""
        reason, of = (self.under, self.under_kind) if self.kind == "member" else (self.reason, self.kind)
        return None if own and of == "account" else reason

    @property
    def for_account(self) -> bool:
        """A refused account's pause (keys, company ID) holds sending, alone or under a member pause: saving the
        account lifts it."""
        return self.reason is not None and (self.under_kind if self.kind == "member" else self.kind) == "account"


def snapshot(conn: sqlite3.Connection) -> PauseState:
    """The whole pause, in one query."""
    reason, kind, site, member, under, under_kind = _values(conn, _REASON, _KIND, _SITE, _MEMBER, _UNDER_REASON, _UNDER_KIND)
    if reason is None:
        return PauseState()
    return PauseState(reason, kind or "", site, member, under, under_kind)


def write(
    conn: sqlite3.Connection,
    reason: str,
    now: datetime,
    kind: PauseKind,
    site: str | None = None,
    member: str | None = None,
) -> None:
    """Pause sending (see :meth:`Outbox.pause <flowdesk.store.outbox.Outbox.pause>`)."""
    values = {_REASON: reason, _AT: format_time(now), _KIND: kind}
    if kind == "member":
        member = (member or "").strip()
        partial = bool(site and member)  # holds only other members' pushes than ``member``'s at ``site``
        values |= {_SITE: site if partial else None, _MEMBER: member if partial else None}
        over, over_kind = _values(conn, _REASON, _KIND)
        if over is None:
            values |= dict.fromkeys((_UNDER_REASON, _UNDER_KIND))
        elif over_kind != "member":  # the engineer's own pause (or a refused account's): back after this one
            values |= {_UNDER_REASON: over, _UNDER_KIND: over_kind or "user"}
    else:
        values |= dict.fromkeys((_SITE, _MEMBER, _UNDER_REASON, _UNDER_KIND))
    gone = [key for key, value in values.items() if value is None]
    if gone:
        conn.execute(f"DELETE FROM meta WHERE key IN ({','.join('?' * len(gone))})", gone)
    conn.executemany(_UPSERT, [(key, value) for key, value in values.items() if value is not None])
    log.warning("queue paused (%s): %s", kind, reason)


class _Addressed(NamedTuple):  # what the words of a check the pause held name (policy_words.check_paused)
    kind: str
    ticket_id: int | None
    ticket_kind: str


def clear(conn: sqlite3.Connection) -> None:
    """Lift the pause, whatever it is. The pushes a refused account's pause left waiting no longer say "sending
    is paused until your ConnectWise keys are fixed": they are due (``queue list`` said it after the pause was
    lifted, until the next drain). Nor do those that may already be on their ticket ("Checking ticket #48211 for
    the note is paused until …"): their check is due."""
    conn.execute(f"DELETE FROM meta WHERE key IN ({','.join('?' * len(_KEYS))})", _KEYS)
    conn.execute("UPDATE push_jobs SET last_error = NULL WHERE state = 'pending' AND last_error IN (?, ?)",
                 (policy_words.PAUSED_FOR_KEYS, policy_words.PAUSED_FOR_COMPANY))
    checks = conn.execute("SELECT id, kind, ticket_id, ticket_kind, last_error FROM push_jobs "
                          "WHERE state = 'unknown' AND last_error IS NOT NULL").fetchall()
    said = [(row[0],) for row in checks if row[4] in _check_paused(_Addressed(row[1], row[2], row[3]))]
    conn.executemany("UPDATE push_jobs SET last_error = NULL WHERE id = ?", said)


def _check_paused(job: _Addressed) -> tuple[str, str]:
    return policy_words.check_paused(job), policy_words.check_paused(job, for_company=True)


def lift_member(conn: sqlite3.Connection, now: datetime) -> bool:
    """Lift a pause of kind ``member`` (no other), bringing back the pause it was written over. True when one was."""
    reason, kind, under, under_kind = _values(conn, _REASON, _KIND, _UNDER_REASON, _UNDER_KIND)
    if reason is None or kind != "member":
        return False
    if under is not None:
        write(conn, under, now, "account" if under_kind == "account" else "user")
    else:
        clear(conn)
    log.info("the pause for another member's pushes is lifted: the keys are their member's again")
    return True


def write_whole(conn: sqlite3.Connection, reason: str, now: datetime) -> None:
    """The engineer's own pause, which holds every push. Over a member pause it goes under that pause: the
    member pause then holds everything, still naming whose pushes wait, until :func:`lift_whole` lifts this
    one (or :func:`lift_member` that one: this one is back)."""
    paused, kind = _values(conn, _REASON, _KIND)
    if paused is None or kind != "member":
        write(conn, reason, now, "user")
        return
    conn.executemany(_UPSERT, [(_UNDER_REASON, reason), (_UNDER_KIND, "user")])
    log.warning("queue paused (user, under the member pause): %s", reason)


def lift_whole(conn: sqlite3.Connection) -> bool:
    """Lift the pause that holds every push whoever queued it (the engineer's own, a refused account's, one of
    no kind), never a member pause: one written over such a pause holds only other members' pushes again.
    True when one was lifted."""
    paused, kind, under = _values(conn, _REASON, _KIND, _UNDER_REASON)
    if paused is None or (kind == "member" and under is None):
        return False
    if kind == "member":
        conn.execute("DELETE FROM meta WHERE key IN (?, ?)", (_UNDER_REASON, _UNDER_KIND))
        log.info("the pause under the member pause is lifted; the member pause stays")
    else:
        clear(conn)
        log.info("queue resumed")
    return True


def whole(conn: sqlite3.Connection, *, own: bool = False) -> str | None:
    """The reason of the pause :func:`lift_whole` lifts (alone, or under a member pause), or None. ``own``: only
    the engineer's own pause (or one of no kind, which only Resume lifts), not a refused account's."""
    return snapshot(conn).whole(own=own)


def read(conn: sqlite3.Connection) -> tuple[str | None, MemberPause]:
    """(the pause's kind: "" for one written before kinds were kept, None: not paused; its member parts)."""
    reason, kind, site, member, over = _values(conn, _REASON, _KIND, _SITE, _MEMBER, _UNDER_REASON)
    return (None if reason is None else kind or ""), MemberPause(reason or "", site, member, over)


def reason(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (_REASON,)).fetchone()
    return None if row is None else row[0]


def kind(conn: sqlite3.Connection) -> PauseKind | None:
    """See :data:`PauseKind`; None when not paused, or the pause did not say."""
    paused, value = _values(conn, _REASON, _KIND)
    return _KINDS.get(value or "") if paused is not None else None


def since(conn: sqlite3.Connection) -> datetime | None:
    return parse_time(_values(conn, _AT)[0])


def _values(conn: sqlite3.Connection, *keys: str) -> tuple[str | None, ...]:
    found = dict(conn.execute(f"SELECT key, value FROM meta WHERE key IN ({','.join('?' * len(keys))})", keys))
    return tuple(found.get(key) for key in keys)
