"""From a reviewed note to push jobs in the outbox (render → redact → **jobs**).

``enqueue_push`` turns a :class:`~flowdesk.push.prepare.NotePreview` into the exact JSON bodies FlowDesk will
send and queues them in ONE outbox transaction: the note job and, when asked and the session has a time
plan, its time entry job, and when chosen a status change, each linked to the note (the drainer sends
them only after their note is sent).
The bodies are built once, here; every retry sends the same bytes.
"""

from __future__ import annotations

from collections.abc import Container
from datetime import datetime
from typing import Any

from flowdesk.connectwise.bodies import (
    EMAILED_VISIBILITIES,
    NO_EMAIL,
    EmailChoice,
    TicketRef,
    note_body,
    time_entry_body,
)
from flowdesk.push.prepare import NotePreview
from flowdesk.store import NewJob, Outbox, PushJob


def enqueue_push(
    outbox: Outbox,
    preview: NotePreview,
    *,
    ticket: TicketRef,
    site: str,
    time_entry: bool,
    send_end: bool,
    force: bool = False,
    now: datetime | None = None,
    email: EmailChoice = NO_EMAIL,
    status: tuple[int, str] | None = None,
    member: str | None = None,
    member_name: str | None = None,
    check_client: str | None = None,
) -> list[PushJob]:
    """Queue the note of ``preview`` for ``ticket`` (and its time entry when ``time_entry`` and the preview
    has a time plan). ``site`` is the ConnectWise profile the jobs belong to (``connectwise_profile_key``);
    ``send_end``: the member must enter start and end times, so the time entry carries ``timeEnd``.

    Raises :class:`~flowdesk.store.outbox.DuplicatePush` (``.reason`` is plain words) when this session was
    already queued or posted to this ticket, unless ``force``; ``ValueError`` for a preview without a
    session id. Nothing is queued when it raises.

    ``email``: whom the engineer chose to e-mail about a Discussion or Resolution note (an Internal note is
    never e-mailed, whatever was chosen); nothing by default.

    ``status``: ``(id, name)`` of a board status to set after the note is sent (a ``status`` job whose body is
    ``{"status": {"id": N, "name": "…"}}``; sent as a PATCH and verified by reading the ticket back).

    ``member``: the identifier of the member whose keys are saved (the profile's ``member_identifier``): the
    drainer sends the jobs with that member's keys only; ``member_name`` their name (the profile's
    ``member_name``), which words about these pushes use.

    ``check_client``: the session's client, when the ticket's company was not checked against it before
    queueing (ConnectWise unreachable at Push, auto-push): the drainer reads the ticket before sending the
    note and sends nothing to another company's ticket.
    """
    if preview.visibility not in EMAILED_VISIBILITIES:
        email = NO_EMAIL
    if not preview.session_id:
        raise ValueError("the session has no id: FlowDesk cannot tell its pushes apart")
    if not site:
        raise ValueError("no ConnectWise profile to queue the push for")
    jobs = [
        NewJob(
            session_id=preview.session_id,
            ticket_id=ticket.id,
            kind="note",
            body=note_body(preview.text, preview.visibility, email),
            site=site,
            ticket_kind=ticket.kind,
            visibility=preview.visibility.value,
            member=member,
            member_name=member_name,
            check_client=check_client,
        )
    ]
    if time_entry and preview.time_plan is not None:
        # the time entry's words redacted as the note is, whichever plan this is (proposed, or hours typed)
        plan = preview.time_plan._replace(notes=preview.time_notes)
        jobs.append(
            NewJob(
                session_id=preview.session_id,
                ticket_id=ticket.id,
                kind="time_entry",
                body=time_entry_body(ticket, plan, send_end=send_end, email=email),
                site=site,
                ticket_kind=ticket.kind,
                member=member,
                member_name=member_name,
                parent=0,
            )
        )
    if status is not None:
        jobs.append(
            NewJob(
                session_id=preview.session_id,
                ticket_id=ticket.id,
                kind="status",
                body={"status": {"id": status[0], "name": status[1]}},
                site=site,
                ticket_kind=ticket.kind,
                member=member,
                member_name=member_name,
                parent=0,
            )
        )
    return outbox.enqueue(jobs, force=force, now=now)


__all__ = ["enqueue_push"]


def auto_push_skip(session: Any, *, drafted: Container[str], since: datetime) -> str | None:
    """Why auto-push leaves ``session`` alone (``"draft"``: the engineer's edits wait for their Push;
    ``"not ready"``: no linked ticket, not resolved or escalated, already posted by ResolutionFlow, or
    ended before auto-push was switched on, which must never post a backlog), or None: queue it."""
    if session.psa_ticket_id is None or session.status not in ("resolved", "escalated"):
        return "not ready"
    if session.posted_by_resolutionflow or session.ended_at is None or session.ended_at < since:
        return "not ready"
    return "draft" if session.id in drafted else None

