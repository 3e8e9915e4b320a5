"""``flowdesk push`` (queue a session's note and time entry) and ``flowdesk queue list|retry|resume|cancel|drain``.

``push`` only queues: the note is rendered (or taken from ``--text-file``), redacted, and stored in the outbox with its
time entry in one transaction. ``queue drain`` sends what is due, holding the drain lock (one FlowDesk sends a queue).
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowdesk.commands.base import (
    EXIT_BAD_INPUT,
    EXIT_FAILURE,
    EXIT_OK,
    NO_ACCOUNT,
    CommandError,
    Context,
    add_command,
    bad_input,
    environment_words,
    json_option,
    tell_the_window,
)
from flowdesk.commands.console import print_json, utf8_stdout
from flowdesk.connectwise.bodies import EMAILED_VISIBILITIES, EmailChoice, TicketRef
from flowdesk.core import present, trouble, userfile
from flowdesk.core.models import MAX_TICKET_ID, SessionFormatError, load_session_file, ticket_id_problem
from flowdesk.core.terminal import printable
from flowdesk.core.timing import BILLABLE_OPTIONS, manual_plan, minutes_changed, parse_hours
from flowdesk.credentials import CredentialStore
from flowdesk.push.lock import DrainLock, DrainLockBusy
from flowdesk.push.prepare import PushRefused, prepare_note
from flowdesk.redact import RedactionError

if TYPE_CHECKING:
    from flowdesk.connectwise.client import ConnectWiseClient
    from flowdesk.core.settings import ConnectWiseProfile
    from flowdesk.store import Outbox, PushJob
    from flowdesk.store.pause import MemberPause

LOOKUP_TIMEOUT = (5.0, 15.0)  # connect, read: `push` must not hang on a dead network, it can queue anyway


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = add_command(sub, common, "push", cmd_push, help="queue a session's note (and time entry) for its ConnectWise ticket")
    p.add_argument("file", type=Path, help="one session as JSON (as ResolutionFlow's API or export gives it)")
    p.add_argument("--ticket", type=int, metavar="N", help="the ConnectWise ticket (default: the session's psa_ticket_id)")
    p.add_argument("--visibility", choices=["internal", "discussion", "resolution"], help="default: from the settings")
    te = p.add_mutually_exclusive_group()
    te.add_argument("--time-entry", dest="time_entry", action="store_true", default=None, help="also log the session's time")
    te.add_argument("--no-time-entry", dest="time_entry", action="store_false", help="post the note only")
    p.add_argument("--text-file", type=Path, metavar="EDITED", help="post this UTF-8 text (edited) instead of the rendered note")
    p.add_argument("--format", choices=["resolution", "escalation"], help="default: resolution for resolved sessions")
    p.add_argument("--steps", action=argparse.BooleanOptionalAction, help="list the diagnosis steps (default: from the settings)")
    p.add_argument("--force", action="store_true", help="queue it even if this session was already pushed to this ticket")
    p.add_argument("--email", metavar="WHO", help="let ConnectWise e-mail about a Discussion or Resolution note: contact, "
                   "resources, cc (comma-separated) or none (default: from the settings; nobody unless chosen there)")
    p.add_argument("--hours", metavar="H", help="log these hours instead of the session's active time (1.5 or 1:30); "
                   "also for a session without timestamps")
    p.add_argument("--work-type", metavar="NAME|ID", help="the time entry's work type (default: the last one chosen, else the member's)")
    p.add_argument("--work-role", metavar="NAME|ID", help="the time entry's work role (default: the last one chosen, else the member's)")
    p.add_argument("--billable", choices=list(BILLABLE_OPTIONS), help="the time entry's billable option (default: ConnectWise's)")
    p.add_argument("--allow-other-company", action="store_true",
                   help="queue it even though the ticket belongs to another company than the session's client")
    p.add_argument("--set-status", metavar="NAME", help="after the note is posted, set the ticket's status to NAME (one of "
                   "its board's statuses; checked by reading the ticket back). Default: leave the status as it is")

    q = add_command(
        sub, common, "queue", None,
        help="list, retry, pause, resume, cancel or send the queued pushes",
        description="The queue of pushes (notes, time entries and status changes) waiting to be sent to ConnectWise.",
    )
    qsub = q.add_subparsers(dest="queue_command", metavar="ACTION", required=True)
    ls = add_command(qsub, common, "list", cmd_list, help="show the queue")
    json_option(ls, "print the queue as one JSON object")

    rt = add_command(
        qsub, common, "retry", cmd_retry,
        help="send a push again now (also lifts a pause that holds every push; never sends another member's pushes "
        "as the member signed in: see resume)",
    )
    which = rt.add_mutually_exclusive_group(required=True)
    which.add_argument("id", type=int, nargs="?", help="the push to retry")
    which.add_argument("--failed", action="store_true", help="retry every failed push")
    rt.add_argument("--allow-other-company", action="store_true",
                    help="post a note that failed because its ticket belongs to another company to that ticket anyway")

    add_command(qsub, common, "pause", cmd_pause, help="pause sending: every push waits until resume")
    add_command(
        qsub, common, "resume", cmd_resume,
        help="lift the queue's pause; pushes held for another member's keys are then sent as the member signed in",
    )

    cn = add_command(qsub, common, "cancel", cmd_cancel, help="cancel a push (and its time entry)")
    cn.add_argument("id", type=int, help="the push to cancel")

    dr = add_command(qsub, common, "drain", cmd_drain, help="send what is due now")
    dr.add_argument("--until-empty", action="store_true", help="keep going while pushes become due")
    dr.add_argument(
        "--max-seconds", type=float, metavar="N",
        help="end within N seconds (a push still waiting for ConnectWise's answer then is checked on its ticket at "
        "the next drain); with --until-empty, wait only for pushes that become due within N seconds of the start",
    )
    json_option(dr, "print the result as one JSON object")


# -- shared -------------------------------------------------------------------------------------------
@contextlib.contextmanager
def _outbox(ctx: Context, *, changes: bool = False) -> Iterator[Outbox]:
    # lazy: sqlite3 and the store, which not every command needs; cli imports every command module, the window too
    from flowdesk.store import Database, Outbox, StoreError

    try:
        db = Database(ctx.paths.database_file)
    except StoreError as exc:
        raise CommandError(str(exc)) from None
    try:
        yield Outbox(db)
    finally:
        db.close()
    if changes:  # a window running on this queue shows the change and sends what is due now
        tell_the_window(ctx.paths)


def profile_key(profile: ConnectWiseProfile) -> str:
    # lazy: httpx, which not every command needs; cli imports every command module, the window too
    from flowdesk.connectwise.account import AccountError, profile_key

    try:
        return profile_key(profile)
    except AccountError as exc:
        raise CommandError(str(exc)) from None


def connectwise_client(profile: ConnectWiseProfile, key: str, *, timeout: Any = None) -> ConnectWiseClient:
    """A client for the saved account, or :class:`ClientUnavailable` saying what to do."""
    # lazy: httpx, which not every command needs; cli imports every command module, the window too
    import httpx

    from flowdesk.push.runtime import open_connection

    t = httpx.Timeout(timeout[1], connect=timeout[0]) if timeout else None
    return open_connection(key, profile, CredentialStore(), timeout=t).client


def _job_json(job: PushJob) -> dict[str, Any]:
    return {"id": job.id, "kind": job.kind.value, "ticket": job.ticket_id, "ticket_kind": job.ticket_kind, "state": job.state.value}


def _warn(text: str) -> None:
    print(f"flowdesk: warning: {printable(text)}", file=sys.stderr)


# -- push ---------------------------------------------------------------------------------------------
MAX_TEXT_FILE_BYTES = 4 * 1024 * 1024  # ConnectWise keeps far less in a note


def _read_text_file(path: Path) -> str:
    try:
        return userfile.read_text(path, MAX_TEXT_FILE_BYTES)
    except userfile.UserFileError as exc:
        bad_input(str(exc))


def cmd_push(args: argparse.Namespace, ctx: Context) -> int:
    """Render a FlowPilot session (a JSON file) as a note, redact it, and queue it with its time entry for the
    ticket. Prints the queued jobs as one JSON object. Nothing is sent: `flowdesk queue drain` (or the
    window) sends it."""
    # lazy: the store, which not every command needs; cli imports every command module, the window too
    from flowdesk.push.enqueue import enqueue_push
    from flowdesk.store import DuplicatePush

    try:
        session = load_session_file(args.file)
    except SessionFormatError as exc:
        bad_input(str(exc))
    if not (session.id or "").strip():
        bad_input(f"{args.file}: id: the session has no id")
    if args.ticket is not None and ticket_id_problem(args.ticket):
        bad_input(f"--ticket {ticket_id_problem(args.ticket)}")
    ticket_id = args.ticket if args.ticket is not None else session.psa_ticket_id
    if ticket_id is None:
        bad_input(f"{args.file}: psa_ticket_id: the session is not linked to a ConnectWise ticket; give --ticket N")
    edited = _read_text_file(args.text_file) if args.text_file is not None else None

    settings = ctx.settings
    profile = settings.connectwise
    if not profile.configured:
        raise CommandError(NO_ACCOUNT)
    key = profile_key(profile)
    want_time = settings.time_entry_enabled if args.time_entry is None else args.time_entry
    try:
        preview = prepare_note(
            session,
            settings.model_copy(update={"auto_time_entry": want_time}),
            visibility=args.visibility,
            note_format=args.format,
            edited_text=edited,
            include_steps=args.steps,
        )
    except PushRefused as exc:
        bad_input(str(exc))
    except RedactionError as exc:
        raise CommandError(f"redaction failed ({exc}); nothing was queued") from None
    if want_time and args.hours is not None:
        try:
            hours = parse_hours(args.hours)
        except ValueError as exc:
            bad_input(f"--hours {exc}")
        preview = preview._replace(time_plan=manual_plan(session, hours, datetime.now(UTC)))
        if minutes_changed(hours):
            _warn(present.whole_minutes_logged(hours))
    if want_time and preview.time_plan is None:
        _warn("no time entry: the session has no start and end time to log (or time rounding is 'none'); "
              "give --hours to log time anyway")
    email = _email_choice(args, settings, preview.visibility)
    if profile.license_class == "A":  # an API member's keys: the time would be billed to the API member
        if want_time and preview.time_plan is not None:
            raise CommandError(f"{present.API_MEMBER_NO_TIME} Nothing was queued (--no-time-entry queues the note).")
        _warn(present.API_MEMBER_KEYS)

    kind, send_end, time_allowed, ticket = _look_up_ticket(profile, key, ticket_id)
    if ticket is not None:
        _guard_company(session.client_name, ticket, allow=args.allow_other_company)
    status = None if args.set_status is None else _board_status(profile, key, ticket, ticket_id, args.set_status)
    if want_time and preview.time_plan is not None:
        plan = _time_choices(args, settings, profile, key, preview.time_plan)
        preview = preview._replace(time_plan=plan)
        if plan.long:
            _warn(present.long_time_entry(plan.hours))
    if want_time and preview.time_plan is not None and not time_allowed:
        _warn(f"no time entry: ticket #{ticket_id}'s status does not allow time entries; queued the note only")
        want_time = False

    with _outbox(ctx, changes=True) as outbox:
        try:
            jobs = enqueue_push(
                outbox,
                preview,
                ticket=TicketRef(ticket_id, kind),  # type: ignore[arg-type]
                site=key,
                time_entry=want_time,
                send_end=send_end,
                force=args.force,
                email=email,
                status=status,
                member=profile.member_identifier,
                member_name=profile.member_name,
                # not looked up (ConnectWise unreachable): its company is checked before the note is sent
                check_client=session.client_name if ticket is None and not args.allow_other_company else None,
            )
        except DuplicatePush as exc:
            raise CommandError(f"{exc.reason} Nothing was queued; use --force to queue it again.") from None
    for warning in preview.warnings:
        if "No ConnectWise ticket" not in warning:  # the ticket came from --ticket
            _warn(warning)
    if email.any:
        _warn(present.emailing(email.names(), time_entry=any(j.kind == "time_entry" for j in jobs)))
    utf8_stdout()
    print_json({"jobs": [_job_json(j) for j in jobs]})
    return EXIT_OK


def _time_choices(args: argparse.Namespace, settings: Any, profile: Any, key: str, plan: Any) -> Any:
    """The plan with the work type, work role and billable option: the flags, else the last ones chosen."""
    work_type = settings.work_type_id if args.work_type is None else _named_id(args.work_type, "--work-type", profile, key)
    work_role = settings.work_role_id if args.work_role is None else _named_id(args.work_role, "--work-role", profile, key)
    billable = args.billable or settings.billable_option
    return plan._replace(work_type_id=work_type, work_role_id=work_role, billable=billable)


def _named_id(text: str, flag: str, profile: Any, key: str) -> int:
    """A work type / role given by id, or by name as ConnectWise lists it (one request)."""
    from flowdesk.connectwise.errors import ConnectWiseError
    from flowdesk.push.drainer import ClientUnavailable

    if text.strip().isdecimal():  # an id ("²" is a digit, not a number); ConnectWise's are 32-bit
        nid = int(text)
        return nid if 1 <= nid <= MAX_TICKET_ID else bad_input(f"{flag} {text}: not a ConnectWise id (1 to {MAX_TICKET_ID})")
    try:
        with connectwise_client(profile, key, timeout=LOOKUP_TIMEOUT) as client:
            named = client.work_types() if flag == "--work-type" else client.work_roles()
    except (ClientUnavailable, ConnectWiseError) as exc:
        raise CommandError(f"{flag} {text}: could not read the list from ConnectWise ({exc}); give its id instead") from None
    for nid, name in named:
        if name.casefold() == text.strip().casefold():
            return nid
    bad_input(f"{flag} {text}: ConnectWise has no such {flag[2:].replace('-', ' ')}; it has: {', '.join(n for _, n in named)}")


def _email_choice(args: argparse.Namespace, settings: Any, visibility: Any) -> EmailChoice:
    """Whom ConnectWise may e-mail about the note: ``--email``, else the settings; nobody for an Internal note."""
    if args.email is None:
        chosen = EmailChoice(settings.email_contact, settings.email_resources, settings.email_cc)
        return chosen if visibility in EMAILED_VISIBILITIES else EmailChoice()
    try:
        chosen = EmailChoice.parse(args.email)
    except ValueError as exc:
        bad_input(f"--email {exc}")
    if chosen.any and visibility not in EMAILED_VISIBILITIES:
        bad_input(f"--email {args.email}: {present.INTERNAL_NEVER_EMAILED}")
    return chosen


def _guard_company(client_name: str | None, ticket: Any, *, allow: bool) -> None:
    """The other-company guard: a ticket of another company than the session's client is refused (exit 2)
    unless ``allow``; a session without a client is said, not refused."""
    from flowdesk.core.companies import check_company

    check = check_company(client_name, ticket.company, ticket.company_identifier)
    if check.same is None:
        _warn(present.no_client(ticket.ref.id, check.company))
    elif not check.same and not allow:
        raise CommandError(present.other_company_refused(ticket.ref.id, check.company, check.client), EXIT_BAD_INPUT)


def _not_checked(ticket_id: int, exc: BaseException) -> str:
    return (f"could not check ticket #{ticket_id} ({exc}); queued it as a service ticket, and its company is checked "
            "before the note is sent (not with --allow-other-company)")  # fmt: skip


def _look_up_ticket(profile: ConnectWiseProfile, key: str, ticket_id: int) -> tuple[str, bool, bool, Any]:
    """``(ticket kind, send timeEnd, time entries allowed, Ticket)`` from ConnectWise when it answers; else a
    service ticket (the drainer corrects the kind on a 404), the saved profile's start/end rule and None.
    A ticket that does not exist or that the keys may not read stops the push (exit 2)."""
    # lazy: httpx and the drainer, which not every command needs; cli imports every command module, the window too
    from flowdesk.connectwise.errors import ConnectWiseError, NotFound, PermissionDenied
    from flowdesk.push.drainer import ClientUnavailable

    try:
        client = connectwise_client(profile, key, timeout=LOOKUP_TIMEOUT)
    except ClientUnavailable as exc:
        _warn(_not_checked(ticket_id, exc))
        return "service", profile.require_start_end, True, None
    with client:
        try:
            ticket = client.get_ticket(ticket_id)
        except (NotFound, PermissionDenied) as exc:
            raise CommandError(present.ticket_unusable(ticket_id, str(exc).rstrip(".")), EXIT_BAD_INPUT) from None
        except ConnectWiseError as exc:
            _warn(_not_checked(ticket_id, exc))
            return "service", profile.require_start_end, True, None
        try:
            send_end = client.who_am_i().require_start_end
        except ConnectWiseError:
            send_end = profile.require_start_end
    return ticket.ref.kind, send_end, ticket.time_entry_allowed, ticket


def _board_status(profile: ConnectWiseProfile, key: str, ticket: Any, ticket_id: int, name: str) -> tuple[int, str]:
    """``--set-status NAME`` among the ticket's board statuses (case-insensitive): ``(id, name)``; the ticket
    must have been read (its board), else nothing is queued."""
    from flowdesk.connectwise.errors import ConnectWiseError
    from flowdesk.push.drainer import ClientUnavailable

    if ticket is None:
        raise CommandError(f"--set-status: could not read ticket #{ticket_id}, so not its board's statuses. Nothing was queued.")
    where = present.ticket_words(ticket.ref.id, ticket.ref.kind)
    if ticket.board_id is None:
        raise CommandError(f"--set-status: ConnectWise did not say which board {where} is on. Nothing was queued.")
    try:
        with connectwise_client(profile, key, timeout=LOOKUP_TIMEOUT) as client:
            statuses = client.board_statuses(ticket.board_id)
            for sid, sname in statuses:
                if sname.casefold() == name.strip().casefold():
                    try:  # never e-mail a customer by surprise: say whom the board e-mails about this status
                        if recipients := client.status_notifications(ticket.board_id, sid):
                            _warn(present.status_notice(sname, recipients))
                    except ConnectWiseError as exc:
                        _warn(present.status_notice_unknown(sname, exc.kind))
                    return sid, sname
    except (ClientUnavailable, ConnectWiseError) as exc:
        raise CommandError(f"--set-status: could not read the statuses of {where}'s board ({exc}). Nothing was queued.") from None
    bad_input(f"--set-status {name}: {where}'s board has no such status; it has: {', '.join(n for _, n in statuses)}")


# -- queue list / retry / cancel ------------------------------------------------------------------------
def _short(text: str | None, width: int = 70) -> str:
    if not text:
        return ""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def cmd_list(args: argparse.Namespace, ctx: Context) -> int:
    # lazy: sqlite3 and the store, which not every command needs; cli imports every command module, the window too
    from flowdesk.store.db import format_time, utcnow

    utf8_stdout()
    with _outbox(ctx) as outbox:
        jobs = outbox.jobs()
        counts = outbox.counts()
        # nothing at all is sent (not a member pause alone: the member signed in still sends theirs)
        stopped = outbox.whole_pause() or (outbox.paused_reason() if outbox.sending_paused() else None)
        member_pause = outbox.member_pause()
        others = outbox.held_by_member_pause()
        failures = outbox.failure_counts()  # the window's Failures column, counted the same way
    now, tz = utcnow(), present.LOCAL
    state_of: dict[int | None, str] = {j.id: j.state for j in jobs}
    blocked = {j.id for j in jobs if present.waits_for_note(j, state_of.get(j.parent_id))}
    # the saved account, only for a member pause's words: a list reads no settings otherwise
    profile = ctx.settings.connectwise if member_pause is not None or others else None
    signed_in = _signed_in(profile) if profile is not None else ""
    held = {j.id: present.held_for(j, signed_in) for j in others}  # waiting for their keys, or `queue resume`
    if args.json:
        print_json(
            {
                "paused": stopped,
                "member_pause": _member_pause_json(member_pause, others, profile),
                "counts": counts,
                "jobs": [
                    {
                        **_job_json(j),
                        "member": j.member,
                        "member_name": j.member_name,
                        "held_by_member_pause": j.id in held,
                        "state_words": present.state_text(j, now, tz, waiting_for_note=j.id in blocked, held=held.get(j.id), paused=bool(stopped)),
                        "session_id": j.session_id,
                        "parent_id": j.parent_id,
                        "attempts": j.attempts,
                        "failures": failures.get(j.id, 0),
                        "next_attempt_at": format_time(j.next_attempt_at),
                        "last_error": j.last_error,
                        "last_http_status": j.last_http_status,
                        "remote_id": j.remote_id,
                        "created_at": format_time(j.created_at),
                        "sent_at": format_time(j.sent_at),
                    }
                    for j in jobs
                ],
            }
        )
        return EXIT_OK
    if stopped:
        print(printable(present.paused_line(stopped)))
    if others and profile is not None:
        print(printable(_members_wait(others, profile)))
    if not jobs:
        print(present.QUEUE_EMPTY)
        return EXIT_OK
    rows = [("ID", "KIND", "TICKET", "STATE", "FAILURES", "NEXT ATTEMPT", "LAST ERROR")]
    for j in jobs:
        ticket = f"#{j.ticket_id}" + (" (project)" if j.ticket_kind == "project" else "")
        if j.state in ("sent", "cancelled", "failed") or j.id in blocked or j.id in held or stopped:  # paused: none
            due = ""
        else:
            due = present.format_when(j.next_attempt_at, now, tz)
        words = present.state_text(j, now, tz, waiting_for_note=j.id in blocked, held=held.get(j.id), paused=bool(stopped))
        rows.append((str(j.id), present.job_what(j), ticket, words, str(failures.get(j.id, 0)), due, printable(_short(j.last_error))))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r[:-1], widths, strict=True)) + "  " + r[-1])
    return EXIT_OK


def _member_pause_json(
    pause: MemberPause | None, held: list[PushJob], profile: ConnectWiseProfile | None
) -> dict[str, Any] | None:
    """``queue list --json``'s ``member_pause``: its words, the member whose pushes still go (``sending_as``;
    None: a pause written before it kept them, which holds every push), whose keys the ``held`` pushes wait for."""
    if pause is None or profile is None:
        return None
    sending_as = None
    if pause.member:
        same = (profile.member_identifier or "").casefold() == pause.member.casefold()
        sending_as = {"member": pause.member, "member_name": profile.member_name if same else None}
    waiting_for: dict[str, dict[str, str | None]] = {}
    for job in held:  # each member once, by the name their latest push kept (as present.member_names)
        if job.member:
            entry = waiting_for.setdefault(job.member.casefold(), {"member": job.member, "member_name": None})
            entry["member_name"] = job.member_name or entry["member_name"]
    return {"reason": pause.reason, "sending_as": sending_as, "waiting_for": list(waiting_for.values()), "held": len(held)}


def cmd_retry(args: argparse.Namespace, ctx: Context) -> int:
    """Send a push again now (a push that may be on its ticket is checked first), or every failed one. As the
    window's Retry, it also lifts a pause that holds every push (yours, or the one after refused keys), but never
    sends pushes queued under another member's keys as the member signed in: `flowdesk queue resume` does that."""
    utf8_stdout()
    profile = ctx.settings.connectwise
    with _outbox(ctx, changes=True) as outbox:
        others = outbox.held_by_member_pause()
        if held := next((j for j in others if j.id == args.id), None):
            raise CommandError(present.retry_held(held, _signed_in(profile), others=len(others) - 1))
        if not args.failed:  # first: a push that is not there, or cannot be sent again, lifts no pause
            other_company = outbox.failed_for_other_company(args.id)
            if other_company and not args.allow_other_company:  # as the window's Retry asks first
                raise CommandError(present.retry_other_company(args.id), EXIT_BAD_INPUT)
            with _refused_in_words():
                job = outbox.retry(args.id, other_company=other_company)
        paused = outbox.whole_pause()
        if outbox.lift_whole_pause():  # never a member pause: that would give other members' pushes away
            print(printable(f"Sending resumed (it was paused: {paused})"))
        if args.failed:  # as the window's Retry all: a push a member pause holds is left as it is
            left = [j for j in others if j.state == "failed"]
            asks = outbox.other_company_failures() - {j.id for j in left}  # each needs --allow-other-company
            jobs = outbox.retry_all_failed(leave={j.id for j in left} | asks)
            if jobs or not (left or asks):
                print(present.retried_failed(len(jobs), job_ids=[j.id for j in jobs]))
            print("".join(printable(present.retry_other_company(i)) + "\n" for i in sorted(asks)), end="")
            if left:
                print(printable(_members_wait(left, profile)))
            return EXIT_OK
        note = outbox.get(job.parent_id) if job.parent_id is not None else None
    waits = present.waits_for_note(job, note.state if note is not None else None)
    print(present.retried(job, datetime.now(UTC), present.LOCAL, waiting_for_note=waits))
    return EXIT_OK


def cmd_pause(args: argparse.Namespace, ctx: Context) -> int:
    """The window's *Pause sending*: nothing is sent (by a drain, or a FlowDesk window's next run) until resume."""
    utf8_stdout()
    with _outbox(ctx, changes=True) as outbox:
        if outbox.whole_pause(own=True) is None:  # over a refused account's pause too: new keys do not lift it
            outbox.pause_whole(present.USER_PAUSE)
    print(present.QUEUE_PAUSED)
    return EXIT_OK


def cmd_resume(args: argparse.Namespace, ctx: Context) -> int:
    """Lift the queue's pause, as the window's Resume does: your own pause, the one after refused keys, and the
    one for pushes queued under another member's keys, which are then sent as the member signed in (a push that
    may already be on its ticket is first checked for its own member's notes)."""
    utf8_stdout()
    profile = ctx.settings.connectwise
    with _outbox(ctx, changes=True) as outbox:
        paused = outbox.paused_reason()
        if paused is None:
            print("Sending is not paused.")
            return EXIT_OK
        whole = outbox.whole_pause()
        site, member, moved = None, profile.member_identifier, []
        if outbox.member_pause() is not None and profile.configured:
            site = profile_key(profile)
            # what Outbox.resume hands over: the site's pushes of other members, but those being checked (``unknown``)
            moved = [j for j in outbox.waiting_for_other_member(member, site) if j.state != "unknown"] if member else []
        owned = outbox.resume(site=site, member=member, member_name=profile.member_name)
    if whole or not owned:
        print(printable(f"Sending resumed (it was paused: {whole or paused})"))
    if owned:
        print(printable(present.handed_over(moved, _signed_in(profile))))
    return EXIT_OK


@contextlib.contextmanager
def _refused_in_words() -> Iterator[None]:
    """A push that is not there is bad input (exit 2); one the outbox refuses to change is exit 1."""
    # lazy: sqlite3 and the store, which not every command needs; cli imports every command module, the window too
    from flowdesk.store import ActionRefused, JobNotFound

    try:
        yield
    except JobNotFound as exc:
        raise CommandError(str(exc), EXIT_BAD_INPUT) from None
    except ActionRefused as exc:
        raise CommandError(str(exc)) from None


def cmd_cancel(args: argparse.Namespace, ctx: Context) -> int:
    utf8_stdout()
    with _outbox(ctx, changes=True) as outbox, _refused_in_words():
        changed = outbox.cancel(args.id)
    if not changed:
        print(f"Push {args.id} was already cancelled.")
    for job in changed:
        print(present.cancelled(job))
    return EXIT_OK


# -- queue drain ----------------------------------------------------------------------------------------
def cmd_drain(args: argparse.Namespace, ctx: Context) -> int:
    """Send (or check) every push that is due now. Only one FlowDesk sends a queue at a time."""
    # lazy: httpx, the drainer and the store, which not every command needs; cli imports every command module, the window too
    from flowdesk.push.drainer import ClientUnavailable, Connection, Drainer, drain_until
    from flowdesk.push.runtime import open_connection
    from flowdesk.store import StoreError

    if args.max_seconds is not None and not 0 <= args.max_seconds <= 366 * 86400:  # not NaN, nor past datetime's range
        bad_input("--max-seconds must be a number of seconds from 0 to 31622400 (a year)")
    lock = DrainLock(ctx.paths.drain_lock_file)
    try:
        taken = lock.acquire()
    except OSError as exc:  # a read-only data folder, a lock file someone else owns
        raise CommandError(_lock_words(ctx.paths.drain_lock_file, exc)) from None
    if not taken:
        raise CommandError(str(DrainLockBusy(lock.holder_pid())))
    profile = ctx.settings.connectwise
    clients: list[ConnectWiseClient] = []

    def provider(site: str) -> Connection:
        if not profile.configured:
            raise ClientUnavailable(NO_ACCOUNT + ".")
        conn = open_connection(site, profile, CredentialStore())
        clients.append(conn.client)
        return conn

    stop = threading.Event()
    restore = _stop_on_signals(stop)
    try:
        with _outbox(ctx) as outbox:
            drainer = Drainer(outbox, provider)
            recovered = drainer.recover()
            report = drain_until(drainer, until_empty=args.until_empty, max_seconds=args.max_seconds, stop=stop)
            report.recovered += recovered
            counts = outbox.counts()
            others = outbox.held_by_member_pause()
    except StoreError as exc:
        raise CommandError(str(exc)) from None
    finally:
        restore()
        for client in clients:
            client.close()
        lock.release()
    utf8_stdout()
    if args.json:
        print_json({**report.as_json(), "queue": counts})
    else:
        print(printable(report.summary(), lines=True))
        if report.member_pause and others:  # the member signed in sent theirs: say whose wait, and what sends them
            print(printable(_members_wait(others, profile)))
    return EXIT_OK if report.ok else EXIT_FAILURE


def _members_wait(others: list[PushJob], profile: ConnectWiseProfile) -> str:
    """Whose pushes a member pause holds, and what sends them (``queue list``, ``queue drain``)."""
    return present.members_wait(others, _signed_in(profile))


def _signed_in(profile: ConnectWiseProfile) -> str:
    return present.member_signed_in(profile.member_name, profile.member_identifier)


def _lock_words(path: Path, exc: OSError) -> str:
    exc.filename = exc.filename or str(path)
    return environment_words(exc) or trouble.cannot_use(path, exc.strerror or type(exc).__name__)


def _stop_on_signals(stop: threading.Event) -> Callable[[], None]:
    """SIGINT / SIGTERM (and Windows' Ctrl+Break, SIGBREAK): send nothing new, give the requests out a short
    grace (their answers are stored), then stop; a push still without an answer stays ``sending`` and is
    checked on its ticket next time. The drain waits with timeouts, so the handler's event is seen within a
    fraction of a second."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    sigs = [signal.SIGINT, signal.SIGTERM]
    if hasattr(signal, "SIGBREAK"):  # Windows: no SIGTERM from outside; Ctrl+Break is its stand-in
        sigs.append(signal.SIGBREAK)
    previous = {}
    for sig in sigs:
        previous[sig] = signal.signal(sig, lambda signum, frame: stop.set())
    unhook = _stop_on_console_close(stop)

    def restore() -> None:
        unhook()
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore


CONSOLE_GONE = (2, 5, 6)  # CTRL_CLOSE_EVENT, CTRL_LOGOFF_EVENT, CTRL_SHUTDOWN_EVENT
CONSOLE_CLOSE_WAIT = 4.5  # Windows ends the process 5 s after a console close whatever the handler does


def _stop_on_console_close(stop: threading.Event) -> Callable[[], None]:
    """Windows: closing the console window, logging off or shutting down end the process as soon as a console
    handler returns (the C runtime's SIGBREAK handler returns at once). This handler, called first, stops
    the drain and holds the process until the drain has stored its answers and closed the queue."""
    if sys.platform != "win32":
        return lambda: None
    import ctypes

    finished = threading.Event()

    @ctypes.WINFUNCTYPE(ctypes.c_int, ctypes.c_uint)
    def handler(event: int) -> int:  # runs on a thread Windows creates for it
        if event not in CONSOLE_GONE:
            return 0  # Ctrl+C, Ctrl+Break: the signal handlers above
        stop.set()
        finished.wait(CONSOLE_CLOSE_WAIT)
        return 1

    kernel32 = ctypes.windll.kernel32
    if not kernel32.SetConsoleCtrlHandler(handler, 1):
        return lambda: None

    def unhook() -> None:
        finished.set()
        kernel32.SetConsoleCtrlHandler(handler, 0)

    return unhook
