"""What the tray and the window's status line say about the queue: the tray's icon state and one line.

Sending is *paused* only when nothing at all may be sent. A member pause alone holds only the pushes queued
under other members' keys, while the member signed in sends theirs: the icon keeps the state of those, and the
line says whose pushes wait (``Queue: 1 waiting, 2 queued as Jo Smith wait for their keys``). Qt-free: the
outbox and plain values in, the words from :mod:`flowdesk.core.present` and :mod:`flowdesk.core.held` out
(:func:`show_send_all` sets them on whatever control shows them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, NamedTuple

from flowdesk.core import held as held_words
from flowdesk.core import present
from flowdesk.core.held import HeldOff
from flowdesk.core.notify import tray_state
from flowdesk.store import Outbox, PauseState, PushJob


class QueueStatus(NamedTuple):
    state: str  # the tray's icon state (see tray_state)
    counts: dict[str, int]
    line: str
    held: HeldOff | None  # sending held off after an outage, still in force and not under a pause
    others: list[PushJob]  # the pushes a member pause holds (queued under other members' keys)
    kinds: dict[str, dict[str, int]]  # counts by state and kind: the words name a push's parts
    pause: PauseState  # the pause, read once: the window's and the tray's Pause sending and its tooltip say it
    asks: int = 0  # failed notes for another company's ticket (not held by a member pause): Retry all leaves them


def queue_status(
    outbox: Outbox, *, held: HeldOff | None, offline: bool, sending: bool, next_try: datetime | None, now: datetime
) -> QueueStatus:
    """The queue's state now; ``held``, ``offline`` and ``next_try``: what the last drain said."""
    kinds = outbox.kind_counts()
    counts = outbox.state_counts(kinds)
    pause = outbox.pause_state()  # one read for every word about it
    paused = pause.sending_paused  # not by a member pause alone: the member signed in still sends theirs
    others = outbox.held_by_member_pause(pause)  # not waiting for ConnectWise, and said apart
    held = held if held is not None and held.until > now and not paused else None
    state = tray_state(counts, paused=paused, offline=offline, sending=sending, held=held is not None)
    if held is not None:
        line = held_words.held_line(held, counts, now, present.LOCAL, others, kinds)
    else:
        line = queue_line(outbox, counts, paused=paused, offline=offline, sending=sending, others=others, kinds=kinds)
        if not paused and not sending:
            line = held_words.next_try_line(line, next_try, counts, now, present.LOCAL, others)
    asks = len(outbox.other_company_failures() - {j.id for j in others}) if counts.get("failed") else 0
    return QueueStatus(state, counts, line, held, others, kinds, pause, asks)


def queue_line(
    outbox: Outbox,
    counts: dict[str, int] | None = None,
    *,
    paused: bool | None = None,
    offline: bool,
    sending: bool,
    others: list[PushJob] | None = None,
    kinds: dict[str, dict[str, int]] | None = None,
) -> str:
    """The queue's line but in an outage: what is being sent, waits or failed, and what a pause holds."""
    return present.queue_line(
        outbox.counts() if counts is None else counts,
        paused=outbox.sending_paused() if paused is None else paused,
        offline=offline,
        sending=sending,
        others=outbox.held_by_member_pause() if others is None else others,
        kinds=outbox.kind_counts() if kinds is None else kinds,
    )


def show_send_all(control: Any, send_all: held_words.SendAll) -> None:
    """Show *Retry all* / *Send all now* on ``control`` (a ``QAction`` or a button: the Queue menu, the queue
    tab, the tray), setting only what changed (this runs after every batch of a drain)."""
    if control.text() != send_all.text:
        control.setText(send_all.text)
    if control.toolTip() != send_all.tip:
        control.setToolTip(send_all.tip)
        control.setStatusTip(send_all.tip)
    if control.isEnabled() != send_all.enabled:
        control.setEnabled(send_all.enabled)


__all__ = ["QueueStatus", "queue_line", "queue_status", "show_send_all"]


def push_summaries(
    outbox: Outbox, now: datetime, resume_as: Callable[[], str], session_ids: Iterable[str] | None, *,
    rows: Iterable[Any] = (), held_off: HeldOff | None = None,
) -> dict[str, present.PushSummary]:
    """The session list's Push column of ``session_ids``, or (None) of the sessions listed in ``rows``. A note a
    member pause holds says whose keys it waits for (``resume_as()``: whom Resume would send it as, asked only
    then: the settings it reads are validated after the first paint); none is tried before a hold-off ends."""
    not_before = held_off.until if held_off is not None and held_off.until > now else None
    pause = outbox.pause_state()  # one read: whether anything is sent, and whose pushes a member pause holds
    others, paused = outbox.held_by_member_pause(pause), pause.sending_paused
    held = {j.id: present.held_for(j, resume_as()) for j in others} if others else {}
    out: dict[str, present.PushSummary] = {}

    def add(session_id: str, jobs: list[Any], posted_by_resolutionflow: bool) -> None:
        summary = present.session_push(jobs, posted_by_resolutionflow, now, present.LOCAL, held=held, not_before=not_before,
                                       paused=paused)
        if summary is not None:
            out[session_id] = summary

    if session_ids is not None:
        for sid in session_ids:
            add(sid, outbox.jobs(session_id=sid), False)
        return out
    jobs_by_session: dict[str, list[Any]] = {}
    for job in outbox.jobs():
        jobs_by_session.setdefault(job.session_id, []).append(job)
    for row in rows:
        jobs = jobs_by_session.get(row.id)
        if jobs or row.posted_by_resolutionflow:  # nothing to show otherwise
            add(row.id, jobs or [], bool(row.posted_by_resolutionflow))
    return out
