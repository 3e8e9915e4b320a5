"""Item models for the session list and the queue.

The session list must stay instant with 10,000 cached sessions: ``SessionTableModel`` holds the rows and
makes each row's texts when it is first painted; its search and sorting are in
:mod:`flowdesk.ui.session_proxy`. The search text is made right after the rows are loaded, a slice per turn
of the event loop once the list is painted (:func:`search_texts`), so neither the reload nor a key press
waits for it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)

from flowdesk.core import held as held_words
from flowdesk.core import present
from flowdesk.core.bidi import isolate_names, joined
from flowdesk.core.localtime import to_local
from flowdesk.core.next_try import without_next_try
from flowdesk.core.present import PushSummary
from flowdesk.core.render import format_minutes
from flowdesk.ui import theme

SessionIdRole = Qt.ItemDataRole.UserRole + 1
SortKeyRole = Qt.ItemDataRole.UserRole + 2
JobIdRole = Qt.ItemDataRole.UserRole + 3
JobStateRole = Qt.ItemDataRole.UserRole + 4

STATUS_LABELS = {
    "resolved": "Resolved",
    "escalated": "Escalated",
    "requesting_escalation": "Escalation requested",
    "active": "Active",
    "paused": "Paused",
    "abandoned": "Abandoned",
}
# Roles as plain ints: data() runs for every role of every painted cell.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole)
_RIGHT_ALIGNED = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
# The roles SessionTableModel answers: the item delegate asks every painted cell for seven roles (font,
# alignment, foreground, check state, decoration, display, background), four of which are never set.
_SESSION_ROLES = frozenset({_DISPLAY, _FOREGROUND, _ALIGNMENT, _TOOLTIP, _ACCESSIBLE, int(SessionIdRole), int(SortKeyRole)})
_ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
CELL_CHARS = 300  # a cell shows a line's start; Qt elided a 5,000,000-character one not at all, over the rows below
SEARCH_SLICE = 2000  # rows whose search text is made per turn of the event loop after a load (~3 ms)
SEARCH_DELAY_MS = 16  # the first slice waits a frame: the reloaded list is painted before it


def local_time(dt: datetime | None, *, with_date: bool = True) -> str:
    """``2026-11-18 14:40`` (or ``14:40``) in the computer's time zone.

    ``fromtimestamp`` + ``isoformat`` give the same wall time as ``astimezone`` + ``strftime`` (DST
    included: both ask the C library's localtime) at a quarter of the cost, which matters for the
    10,000 dates of a full session list."""
    if dt is None:
        return ""
    try:
        text = datetime.fromtimestamp(dt.timestamp()).isoformat(" ", "minutes")
    except (OverflowError, OSError, ValueError):  # outside what the C library can convert (Windows: < 1970)
        text = to_local(dt).isoformat(" ", "minutes")[:16]  # no strftime: its %Y differs by platform before 1000
    return text if with_date else text[-5:]


def short_time(dt: datetime | None, now: datetime | None = None) -> str:
    """For the list: ``18 Nov 14:40`` this year, ``2025-11-18`` before (the full time is in the tooltip).

    Built from ``fromtimestamp`` (the C library's localtime, DST included) and a month table rather
    than ``astimezone`` + ``strftime``: the search text holds this for every one of 10,000 rows."""
    if dt is None:
        return ""
    try:
        local = datetime.fromtimestamp(dt.timestamp())
        year = time.localtime(now.timestamp()).tm_year if now is not None else time.localtime().tm_year
    except (OverflowError, OSError, ValueError):  # outside what the C library can convert (Windows: < 1970)
        return to_local(dt).isoformat()[:10]
    if local.year == year:
        return f"{local.day} {_MONTHS[local.month - 1]} {local.hour:02d}:{local.minute:02d}"
    return f"{local.year:04d}-{local.month:02d}-{local.day:02d}"


_MONTHS = tuple(datetime(2000, m, 1).strftime("%b") for m in range(1, 13))


def status_label(status: str | None) -> str:
    if not status:
        return "Unknown"
    return STATUS_LABELS.get(status, status.replace("_", " ").capitalize())


def meta_line(session: Any) -> str:
    """Under a session's title: ``Escalated · client · engineer · 2026-11-22 11:31``, each name kept in its
    own writing direction (``core.bidi``)."""
    when = session.ended_at or session.created_at
    return joined((status_label(session.status), session.client_name, session.engineer_name, local_time(when)))


def already_posted(session: Any) -> str:
    """The note pane's warning for a session ResolutionFlow already posted a note for ("" for any other)."""
    if not session.posted_by_resolutionflow:
        return ""
    when = session.resolution_note_posted_at or session.escalation_package_posted_at
    return f"ResolutionFlow already posted a note for this session{f' on {local_time(when)}' if when else ''}; pushing adds a second one."


def search_texts(rows: Iterable[Any]) -> list[str]:
    """Per row, the lower-cased text the session search looks in: what the list shows in every column
    but Push (``" ".join(display[:6]).lower()``), made in one pass over the rows rather than from each
    row's display texts.

    About a third of the cost of building every row's display texts (status labels looked up once per
    status, ``time.localtime`` instead of two datetimes per date): ~15 ms for 10,000 rows."""
    year = time.localtime().tm_year
    localtime = time.localtime
    months = _MONTHS
    labels: dict[str | None, str] = {}
    out: list[str] = []
    append = out.append
    for r in rows:
        status = r.status
        label = labels.get(status)
        if label is None:
            label = labels[status] = status_label(status)
        when = r.ended_at or r.updated_at or r.created_at
        if when is None:
            date = ""
        else:
            try:
                t = localtime(when.timestamp())
            except (OverflowError, OSError, ValueError):
                date = short_time(when)
            else:
                date = (f"{t.tm_mday} {months[t.tm_mon - 1]} {t.tm_hour:02d}:{t.tm_min:02d}" if t.tm_year == year
                        else f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}")  # fmt: skip
        ticket = r.psa_ticket_id
        seconds = r.duration_seconds
        append(
            f"{label} {f'#{ticket}' if ticket else '—'} {r.client_name or ''} {r.summary or '(no summary)'} {date} "
            f"{'' if seconds is None else format_minutes(int(seconds / 60))}".lower()
        )
    return out


def _cut(text: str, limit: int = CELL_CHARS) -> str:
    """``text`` as a cell or tooltip shows it: at most ``limit`` characters, "…" for the rest (a file's summary
    may be one line of megabytes)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _ColumnTable(QAbstractTableModel):
    """A flat table whose header is ``COLUMNS``: the row/column counts and header both models share."""

    COLUMNS: tuple[str, ...] = ()

    def _row_count(self) -> int:
        raise NotImplementedError

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else self._row_count()

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(self.COLUMNS):
            return self.COLUMNS[section]
        return None


class SessionTableModel(_ColumnTable):
    """The cached sessions (``SessionRow`` objects from the store), newest first as loaded.

    A reload (10,000 rows after a refresh) only indexes the rows: their search text is made just after, a
    slice of rows per turn of the event loop (or at once if a search needs it first), each row's texts
    when it is first painted, and the sort keys of a column when the list is first sorted by it."""

    COLUMNS = ("Status", "Ticket", "Client", "Summary", "Date", "Duration", "Push")
    STATUS, TICKET, CLIENT, SUMMARY, DATE, DURATION, PUSH = range(7)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []
        self._push: dict[str, PushSummary] = {}
        self._index_of: dict[str, int] = {}
        self._display: list[tuple[str, ...] | None] = []
        self._search: list[str] = []
        self._search_timer = QTimer(self)  # makes the rest of _search, a slice per turn of the event loop
        self._search_timer.timeout.connect(self._search_slice)
        self._keys: dict[int, list[Any]] = {}
        self._drafts: set[str] = set()

    # -- loading ---------------------------------------------------------------------------
    def load(self, rows: Iterable[Any], push: dict[str, PushSummary] | None = None) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._push = dict(push or {})
        self._index_of = {r.id: i for i, r in enumerate(self._rows)}
        self._display = [None] * len(self._rows)
        self._search = []
        self._keys = {}
        self.endResetModel()
        if self._rows:
            self._search_timer.start(SEARCH_DELAY_MS)

    def display(self, row: int) -> tuple[str, ...]:
        """The texts of ``row``, one per column (made on first use)."""
        d = self._display[row]
        if d is None:
            d = self._display[row] = self._row_display(self._rows[row])
        return d

    def _row_display(self, r: Any) -> tuple[str, ...]:
        seconds = r.duration_seconds
        push = self._push.get(r.id)
        return (
            status_label(r.status),
            f"#{r.psa_ticket_id}" if r.psa_ticket_id else "—",
            _cut(r.client_name or ""),
            _cut(r.summary or "(no summary)"),
            short_time(r.ended_at or r.updated_at or r.created_at),
            "" if seconds is None else format_minutes(int(seconds / 60)),
            self._push_text(r.id, push, r.psa_ticket_id),
        )

    def _push_text(self, session_id: str, push: PushSummary | None, own_ticket: int | None = None) -> str:
        """The Push column: the push's state (``#48554: Sent …`` when the note went to another ticket than the
        session's own), and ``Draft`` when the engineer's edits wait in a draft."""
        text = push.text if push else ""
        if push is not None and push.ticket is not None and push.ticket != own_ticket:
            text = f"#{push.ticket}: {text}"
        if session_id in self._drafts:
            return f"{present.DRAFT_MARK} · {text}" if text else present.DRAFT_MARK
        return text

    def set_drafts(self, session_ids: Iterable[str]) -> None:
        for sid in set(session_ids) ^ self._drafts:
            self.set_draft(sid, sid not in self._drafts)

    def set_draft(self, session_id: str, has_draft: bool) -> None:
        """Mark (or unmark) the session as having a draft."""
        if has_draft == (session_id in self._drafts):
            return
        if has_draft:
            self._drafts.add(session_id)
        else:
            self._drafts.discard(session_id)
        self.set_push_summaries({session_id: self._push.get(session_id)})

    @property
    def search_text(self) -> list[str]:
        """Per row, the lower-cased texts the search looks in (every column but Push)."""
        if len(self._search) < len(self._rows):  # searched before the slices after the load were all made
            self._search += search_texts(self._rows[len(self._search) :])
            self._search_timer.stop()
        return self._search

    def search_ready(self) -> bool:
        """Whether every row's search text is made (the next search will only filter)."""
        return len(self._search) == len(self._rows)

    def _search_slice(self) -> None:
        self._search_timer.setInterval(0)  # the next slices: as soon as the event loop has nothing else to do
        done = len(self._search)
        self._search += search_texts(self._rows[done : done + SEARCH_SLICE])
        if len(self._search) >= len(self._rows):
            self._search_timer.stop()

    def sort_keys(self, col: int) -> list[Any]:
        """Per row, the key that sorts column ``col`` (made the first time the list is sorted by it)."""
        keys = self._keys.get(col)
        if keys is None:
            rows = self._rows
            if col == self.DATE:
                keys = [(w.timestamp() if (w := r.ended_at or r.updated_at or r.created_at) else 0.0) for r in rows]
            elif col == self.TICKET:
                keys = [r.psa_ticket_id or 0 for r in rows]
            elif col == self.DURATION:
                keys = [r.duration_seconds or 0.0 for r in rows]
            elif col == self.SUMMARY:
                keys = [(r.summary or "").lower() for r in rows]
            elif col == self.CLIENT:
                keys = [(r.client_name or "").lower() for r in rows]
            else:
                display = self.display
                keys = [display(i)[col].lower() for i in range(len(rows))]
            self._keys[col] = keys
        return keys

    def set_push_summaries(self, push: dict[str, PushSummary | None]) -> None:
        """Update the Push column of the sessions named in ``push`` (None clears it)."""
        for sid, summary in push.items():
            row = self._index_of.get(sid)
            if summary is None:
                self._push.pop(sid, None)
            else:
                self._push[sid] = summary
            if row is None:
                continue
            text = self._push_text(sid, summary, self._rows[row].psa_ticket_id)
            d = self._display[row]
            if d is not None:
                self._display[row] = (*d[: self.PUSH], text)
            push_keys = self._keys.get(self.PUSH)
            if push_keys is not None:
                push_keys[row] = text.lower()
            idx = self.index(row, self.PUSH)
            self.dataChanged.emit(idx, idx)

    # -- access ----------------------------------------------------------------------------
    def row_object(self, row: int) -> Any:
        return self._rows[row]

    def row_of(self, session_id: str) -> int | None:
        return self._index_of.get(session_id)

    def session_ids(self) -> list[str]:
        return [r.id for r in self._rows]

    def push_summary(self, session_id: str) -> PushSummary | None:
        return self._push.get(session_id)

    # -- Qt model --------------------------------------------------------------------------
    def _row_count(self) -> int:
        return len(self._rows)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        return self.value(index.row(), index.column(), role)

    def tint(self, row: int, col: int) -> str | None:
        """The theme colour (a :func:`theme.brush` role) of a cell's text, or of its mark for Status; None:
        the palette's text colour."""
        if col == 0:  # STATUS
            status = self._rows[row].status or ""
            return status if status in STATUS_LABELS else None
        if col == 6:  # PUSH
            p = self._push.get(self._rows[row].id)
            if p and p.state == "failed":
                return "error"
            if p and p.state in ("posted_by_resolutionflow", "cancelled"):
                return "muted"
        return None

    def value(self, row: int, col: int, role: int) -> Any:
        """``data()`` without building a QModelIndex (the proxy calls this directly). Called for every
        role of every painted cell: the common roles come first, compared with plain ints."""
        if not (0 <= row < len(self._rows) and 0 <= col < 7):
            return None
        if role == _DISPLAY:
            d = self._display[row]
            return (d if d is not None else self.display(row))[col]
        if role == _FOREGROUND:
            tint = self.tint(row, col)
            return theme.brush(tint) if tint is not None else None
        if role == _ALIGNMENT:
            return _RIGHT_ALIGNED if col == 5 else None  # DURATION
        if role == SessionIdRole:
            return self._rows[row].id
        if role == SortKeyRole:
            return self.sort_keys(col)[row]
        if role == _TOOLTIP:
            r = self._rows[row]
            if col == self.SUMMARY:
                return _cut(r.summary, 4 * CELL_CHARS) or None
            if col == self.STATUS:  # shown as a coloured mark: the word is here
                return self.display(row)[col] or None
            if col == self.PUSH:  # what the cell leaves out: the draft, what the push did (or does next)
                p = self._push.get(r.id)
                tips = (present.DRAFT_TIP if r.id in self._drafts else "", p.tooltip if p else "")
                return " ".join(t for t in tips if t) or None
            if col == self.TICKET and not r.psa_ticket_id:
                return "No ConnectWise ticket is linked to this session"
            if col == self.DATE:
                return local_time(r.ended_at or r.updated_at or r.created_at) or None
            if col == self.CLIENT:
                return _cut(r.client_name or "", 4 * CELL_CHARS) or None
            return None
        if role == _ACCESSIBLE:
            return f"{self.COLUMNS[col]}: {self.display(row)[col]}"
        return None


FAILURES_TIP = (
    "Sends that did not post the push: ConnectWise refused it, or its answer was lost and the ticket did not "
    "have it. A push found on the ticket, a 401 (sending paused for the keys) or no network is no failure."
)


class QueueTableModel(_ColumnTable):
    """Every push job, newest first: what, where, state in words, and the last error.

    While the rows are kept still (:meth:`keep_still`: the pointer is on the list), a push not listed yet is
    not put in at the top, which moved every row under the pointer down by one: it waits, counted by
    ``unlisted_changed``, and comes in when they may move again. ``jobs()`` has it all the same."""

    COLUMNS = ("What", "Ticket", "State", "Failures", "Last error", "Updated")
    WHAT, TICKET, STATE, ATTEMPTS, ERROR, UPDATED = range(6)
    unlisted_changed = Signal(int)  # how many pushes wait to be listed while the rows are kept still

    def __init__(self, parent: QObject | None = None, *, clock: Callable[[], datetime] | None = None) -> None:
        super().__init__(parent)
        self._jobs: list[Any] = []
        self._row_of: dict[int, int] = {}
        self._still = False
        self._unlisted: dict[int, Any] = {}  # id -> job: new pushes not listed while the rows are kept still
        self._titles: dict[str, str] = {}
        self.clock = clock or (lambda: datetime.now(UTC))
        # job ids -> how many tries did not post it (Outbox.failure_counts); None: the job's attempts
        self.failures_provider: Callable[[list[int] | None], dict[int, int]] | None = None
        self._failures: dict[int, int] = {}
        self.held: Any = None  # HeldOff while sending is held off: every waiting job says so
        self.paused = False  # sending is paused: nothing is checked or sent again, whatever time was due
        self.member_pause: dict[int, present.HeldFor] = {}  # the jobs a member pause holds, by id: they say so
        self.resume_as = ""  # the member the banner's Resume sends them as
        self.asks = 0  # failed notes for another company's ticket: Retry all / Send all now leave them (not counted)

    def load(self, jobs: Iterable[Any], titles: dict[str, str] | None = None) -> None:
        newest = sorted(jobs, key=lambda j: j.id, reverse=True)
        unlisted = len(self._unlisted)
        self._unlisted = {j.id: j for j in newest if self._still and j.id not in self._row_of}  # the listed stay
        self.beginResetModel()
        self._jobs = [j for j in newest if j.id not in self._unlisted]
        self._row_of = {j.id: i for i, j in enumerate(self._jobs)}
        if titles is not None:
            self._titles = dict(titles)
        self._failures = self.failures_provider(None) if self.failures_provider is not None else {}
        self.endResetModel()
        if len(self._unlisted) != unlisted:
            self.unlisted_changed.emit(len(self._unlisted))

    def keep_still(self, still: bool) -> None:
        """``still``: new pushes wait out of the list (see the class); not: those waiting come in at the top."""
        self._still = still
        if not still:
            self.list_unlisted()

    def list_unlisted(self) -> None:
        """The pushes waiting to be listed, at the top now (newest first, as the rest)."""
        if not self._unlisted:
            return
        jobs = sorted(self._unlisted.values(), key=lambda j: j.id, reverse=True)
        self._unlisted = {}
        if self._jobs and jobs[-1].id < self._jobs[0].id:  # an older one (a reload brought it): all in order
            still, self._still = self._still, False  # Show new pushes with the pointer still on the list
            self.load([*self._jobs, *jobs])
            self._still = still
            self.unlisted_changed.emit(0)
            return
        self.beginInsertRows(QModelIndex(), 0, len(jobs) - 1)
        self._jobs[0:0] = jobs
        self._row_of = {j.id: i for i, j in enumerate(self._jobs)}
        self.endInsertRows()
        self.unlisted_changed.emit(0)

    def update_job(self, job: Any) -> None:
        if self.failures_provider is not None:
            self._failures[job.id] = self.failures_provider([job.id]).get(job.id, 0)
        row = self._row_of.get(job.id)
        if row is None:
            self._insert_top(job)
            return
        self._jobs[row] = job
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.COLUMNS) - 1))
        for child in self._jobs:  # its time entry's "Waiting for its note" may have ended
            if child.parent_id == job.id:
                child_row = self._row_of[child.id]
                self.dataChanged.emit(self.index(child_row, self.STATE), self.index(child_row, self.STATE))

    def _insert_top(self, job: Any) -> bool:
        """``job``, not listed yet, at the top; False: it waits (the rows are kept still), or waited already."""
        if self._still or job.id in self._unlisted:
            known = job.id in self._unlisted
            self._unlisted[job.id] = job
            if not known:
                self.unlisted_changed.emit(len(self._unlisted))
            return False
        self.beginInsertRows(QModelIndex(), 0, 0)
        self._jobs.insert(0, job)
        self._row_of = {j.id: i for i, j in enumerate(self._jobs)}
        self.endInsertRows()
        return True

    def update_jobs(self, jobs: list[Any]) -> None:
        """Show the latest state of ``jobs`` (a drain's batch): one Failures read and one ``dataChanged`` over
        the rows they span, not one of each per job (each ``dataChanged`` also refreshes the queue tab's
        buttons and detail). A job not listed yet is inserted at the top."""
        if not jobs:
            return
        if self.failures_provider is not None:
            failures = self.failures_provider([j.id for j in jobs])
            for job in jobs:
                self._failures[job.id] = failures.get(job.id, 0)
        changed = {j.id for j in jobs}
        rows: list[int] = []
        for job in jobs:
            row = self._row_of.get(job.id)
            if row is None:
                if self._insert_top(job):
                    rows = [r + 1 for r in rows]
                continue
            self._jobs[row] = job
            rows.append(row)
        # a changed note's time entry: its "Waiting for its note" may have ended
        rows += [self._row_of[c.id] for c in self._jobs if c.parent_id is not None and c.parent_id in changed]
        if rows:
            self.dataChanged.emit(self.index(min(rows), 0), self.index(max(rows), len(self.COLUMNS) - 1))

    def job(self, row: int) -> Any:
        return self._jobs[row]

    def job_row(self, job_id: int) -> int | None:
        return self._row_of.get(job_id)

    def jobs(self) -> list[Any]:
        """Every push, those waiting to be listed too."""
        return [*self._jobs, *self._unlisted.values()]

    def _row_count(self) -> int:
        return len(self._jobs)

    def waiting_for_note(self, job: Any) -> bool:
        """A time entry whose note is not sent yet (or no longer listed)."""
        row = self._row_of.get(job.parent_id) if job.parent_id is not None else None
        parent = self._jobs[row] if row is not None else self._unlisted.get(job.parent_id)
        return present.waits_for_note(job, parent.state if parent is not None else None)

    def set_member_pause(self, others: Iterable[Any], resume_as: str) -> None:
        """``others`` (``PushJob``) are the pushes a member pause holds: they wait for their member's keys, or
        for Resume, which sends them as ``resume_as``. Their rows change only when that changes."""
        held = {j.id: present.held_for(j, resume_as) for j in others}
        if (held, resume_as) == (self.member_pause, self.resume_as):
            return
        self.member_pause, self.resume_as = held, resume_as
        if self._jobs:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._jobs) - 1, len(self.COLUMNS) - 1))

    def set_asks(self, asks: int) -> None:
        """``asks`` failed notes are for another company's ticket: *Retry all* leaves them (the queue's button counts
        the others); the rows are told so that the button follows."""
        if asks == self.asks:
            return
        self.asks = asks
        if self._jobs:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._jobs) - 1, len(self.COLUMNS) - 1))

    def set_held(self, held: Any) -> None:
        """Sending is held off after an outage (a ``HeldOff``) or not (None): the waiting rows' times follow."""
        if held == self.held:
            return
        self.held = held
        if self._jobs:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._jobs) - 1, len(self.COLUMNS) - 1))

    def set_paused(self, paused: bool) -> None:
        """Sending is paused (nothing at all is sent) or not: a push that may be on its ticket says its check waits."""
        if paused == self.paused:
            return
        self.paused = paused
        if self._jobs:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._jobs) - 1, len(self.COLUMNS) - 1))

    def _not_before(self, now: Any) -> Any:
        """The end of the hold-off after an outage, while it lasts: no push is tried before it."""
        return self.held.until if self.held is not None and self.held.until > now else None

    def state_text(self, job: Any) -> str:
        now = self.clock()
        return present.state_text(job, now, present.LOCAL, waiting_for_note=self.waiting_for_note(job),
                                  held=self.member_pause.get(job.id), not_before=self._not_before(now), paused=self.paused)

    def error_text(self, job: Any) -> str:
        """The Last error column: the error's first line, without when the next try is where the State column
        says it (empty when nothing went wrong)."""
        error = (job.last_error or "").partition("\n")[0]
        return without_next_try(error) if self.state_text(job).startswith(("Retrying ", "Checking ")) else error

    def detail_text(self, job: Any, attempts: Iterable[Any] = ()) -> str:
        """The detail pane's text for ``job`` (with its ``attempts``); one a member pause holds waits for its
        member's keys, not for the next try after an outage."""
        now, held = self.clock(), self.member_pause.get(job.id)
        text = present.job_detail(job, now, present.LOCAL, waiting_for_note=self.waiting_for_note(job),
                                  attempts=attempts, held=held, not_before=self._not_before(now), paused=self.paused)
        if held is None and self.held is not None and job.state in ("pending", "retry_wait", "unknown") and self.held.until > now:
            first, _, rest = text.partition("\n")
            timed = not self.state_text(job).startswith(("Retrying ", "Checking "))  # else the first line says when
            text = f"{first}\n{held_words.held_detail(self.held, now, present.LOCAL, timed=timed)}\n{rest}"
        return isolate_names(text)  # each line's right-to-left names (an error's, a status's) in their own isolate

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole and section == self.ATTEMPTS:
            return FAILURES_TIP
        return super().headerData(section, orientation, role)

    def what(self, job: Any) -> str:
        """``Note — Outlook prompts``; a right-to-left status or session title (an Arabic client's) in its own
        isolate, so "Status change → مغلق — …" does not swap the status and the title around the dash."""
        return isolate_names(present.job_title(job, isolate_names(self._titles.get(job.session_id, ""))))

    def failures(self, job: Any) -> int:
        return self._failures.get(job.id, 0) if self.failures_provider is not None else int(job.attempts)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._jobs)):
            return None
        job = self._jobs[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.WHAT:
                return self.what(job)
            if col == self.TICKET:
                return f"#{job.ticket_id}"
            if col == self.STATE:
                return self.state_text(job)
            if col == self.ATTEMPTS:
                return str(self.failures(job))
            if col == self.ERROR:  # the error alone: when the next try is, the State column says
                return isolate_names(self.error_text(job))  # ConnectWise's words may name an Arabic contact
            if col == self.UPDATED:  # as the session list's Date column: "3 Dec 16:09" (the full time: tooltip)
                return short_time(job.updated_at, self.clock())
            return None
        if role == Qt.ItemDataRole.ToolTipRole and col in (self.ERROR, self.STATE) and job.last_error:
            return isolate_names(job.last_error)
        if role == Qt.ItemDataRole.ToolTipRole and col == self.WHAT:  # the whole of it, when the column cuts it
            return self.what(job)
        if role == Qt.ItemDataRole.ToolTipRole and col == self.UPDATED:
            return local_time(job.updated_at)
        if role == Qt.ItemDataRole.ForegroundRole and col == self.STATE:
            if job.state == "failed":
                return theme.brush("error")
            if job.state in ("cancelled", "sent"):
                return theme.brush("muted")
            return None
        if role == JobIdRole:
            return job.id
        if role == JobStateRole:
            return job.state
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{self.COLUMNS[col]}: {self.data(index, Qt.ItemDataRole.DisplayRole)}"
        return None
