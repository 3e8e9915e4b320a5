"""The requests of a drain: finding the API, posting a job (with the project-ticket fallback), and reading a
ticket to settle an ``unknown`` job.

Every function here runs on the send pool (:mod:`flowdesk.push.pool`) and does HTTP only: no outbox, no
clock, no listener. What it learns comes back as a value the drain thread stores — an
:class:`~flowdesk.core.policy.Outcome`, or :class:`ProjectTicket` when the note's ticket turned out to be a
project ticket (the drain thread records that, in SQLite, before anything is posted there).

**The project-ticket fallback.** A note POST to a *service* ticket that answers 404 stored nothing, so it is
safe to look the ticket up (``get_ticket`` falls back to project tickets). When it is a project ticket, the
drain thread records the kind — and the linked time entry's ``chargeToType``, before its first send — in
one transaction, and only then is the note posted to the project path (:func:`post_to_project`). Reading an
``unknown`` note's service ticket that answers 404 is handled the same way: every POST of that job went to
the service path, so the note cannot be there.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from flowdesk.connectwise.bodies import TicketRef
from flowdesk.connectwise.client import ConnectWiseClient
from flowdesk.connectwise.errors import ConnectWiseError, NotFound, PermissionDenied
from flowdesk.connectwise.models import Boundary
from flowdesk.core import policy_words
from flowdesk.core.companies import check_company
from flowdesk.core.models import ticket_id_problem
from flowdesk.core.policy import JobKind, Outcome, OutcomeKind
from flowdesk.logs import get_logger, mask_secrets
from flowdesk.push import reconcile
from flowdesk.store.jobs import PushJob

log = get_logger("outbox")


class ClientUnavailable(Exception):
    """What a client provider raises when it cannot give a client: ``str()`` says what to do. ``keyring``: the
    OS keyring's trouble (``CredentialError.reason``: ``locked``, …) when it would not give the keys: the
    engineer fixes it outside FlowDesk, then tries again (new keys in Settings would not help)."""

    def __init__(self, message: str, keyring: str | None = None) -> None:
        super().__init__(message)
        self.keyring = keyring


@dataclass(frozen=True)
class Connection:
    """What a client provider may return: the client, and whose keys they are when the saved profile
    knows (else the drainer asks ``who_am_i`` once per run, when it first needs to check a ticket)."""

    client: ConnectWiseClient
    member_identifier: str | None = None
    member_name: str | None = None  # how the messages name that member


ClientProvider = Callable[[str], "ConnectWiseClient | Connection"]


class Connections:
    """One run's connections (drain thread): one provider call per site — its failure too — and the key
    owner's member identifier per site once it is known."""

    def __init__(self, provider: ClientProvider) -> None:
        self._provider = provider
        self._connections: dict[str, Connection] = {}
        self._failures: dict[str, tuple[str, str | None]] = {}  # why, and the keyring's trouble
        self._members: dict[str, str] = {}

    def connection(self, site: str) -> Connection:
        """The site's connection, or :class:`ClientUnavailable` (remembered: the provider is asked once)."""
        if site in self._failures:
            raise ClientUnavailable(*self._failures[site])
        if site not in self._connections:
            try:
                got = self._provider(site)
            except Exception as exc:  # the provider is a boundary: keyring, settings, anything
                reason = mask_secrets(str(exc).strip()) or f"no ConnectWise client ({type(exc).__name__})"
                keyring = getattr(exc, "keyring", None)
                self._failures[site] = (reason, keyring if isinstance(keyring, str) else None)
                raise ClientUnavailable(*self._failures[site]) from None
            self._connections[site] = got if isinstance(got, Connection) else Connection(got)
        return self._connections[site]

    def blocked(self, site: str) -> bool:
        """No client could be had for ``site`` in this run."""
        return site in self._failures

    def member(self, site: str) -> str | None:
        """The key owner's identifier: from the saved profile, or as a check learnt it; None: ask."""
        if site not in self._members:
            conn = self._connections.get(site)
            identifier = (conn.member_identifier or "").strip() if conn is not None else ""
            if not identifier:
                return None
            self._members[site] = identifier
        return self._members[site]

    def member_name(self, site: str) -> str | None:
        """The key owner's name from the saved profile, else their identifier (None: not known yet)."""
        conn = self._connections.get(site)
        name = (conn.member_name or "").strip() if conn is not None else ""
        return name or self.member(site)

    def learnt_member(self, site: str, identifier: str) -> None:
        self._members.setdefault(site, identifier)


@dataclass(frozen=True)
class ProjectTicket:
    """A note's service path answered 404 and the ticket is a project ticket: record that, then post there."""


PROJECT_TICKET = ProjectTicket()
Posted = Outcome | ProjectTicket


# -- sending ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Prepared:
    """Before a job is marked sending: why it cannot go (the API not found; nothing was sent), or what was
    on its ticket before its first send (None: already recorded, or it could not be read)."""

    unreachable: Outcome | None = None
    boundary: Boundary | None = None


def discover(conn: Connection) -> Outcome | None:
    """Find the API (companyinfo, cached per client) before the job is marked sending: None when found,
    else the outcome to store (nothing was sent, so the job needs no check afterwards)."""
    try:
        conn.client.discover()
    except ConnectWiseError as exc:
        return Outcome.from_error(exc)
    return None


def prepare(job: PushJob, conn: Connection) -> Prepared:
    """Find the API, and before the job's first send read what is on its ticket (:meth:`send_boundary`), so
    a check after a lost answer looks only at newer records. A note's service path that answers 404 is read
    on the project path (the note goes there after the fallback). A read that fails leaves no boundary: the
    check then falls back to times, as for jobs queued before boundaries were recorded."""
    unreachable = discover(conn)
    if unreachable is None and _bad_ticket(job) is None and job.kind == JobKind.NOTE and job.check_client:
        unreachable = check_ticket_company(job, conn)
    if unreachable is not None or job.seen_before_id is not None or _bad_ticket(job) is not None:
        return Prepared(unreachable)
    if job.kind == JobKind.STATUS:  # a PATCH sets a value: its check reads the ticket's status, no boundary
        return Prepared()
    what = "note" if job.kind == JobKind.NOTE else "time_entry"
    ref = TicketRef(job.ticket_id, job.ticket_kind)  # type: ignore[arg-type]
    try:
        try:
            return Prepared(boundary=conn.client.send_boundary(ref, what))
        except NotFound:
            if what != "note" or ref.kind != "service":
                raise
            return Prepared(boundary=conn.client.send_boundary(TicketRef(job.ticket_id, "project"), what))
    except ConnectWiseError as exc:
        log.info("push %d: what is on ticket #%d could not be read first (%s)", job.id, job.ticket_id, exc.kind)
        return Prepared()
def check_ticket_company(job: PushJob, conn: Connection) -> Outcome | None:
    """A note queued before its ticket's company was checked (``check_client``: pushed while ConnectWise could
    not be reached, or by auto-push) goes only to a ticket of the session's client: the ticket is read before
    each send. None: it is; else the outcome to store, nothing having been sent (another company's ticket
    fails the push, saying so; a read that failed is a send that failed, never a send in doubt)."""
    try:
        ticket = conn.client.get_ticket(job.ticket_id)
    except ConnectWiseError as exc:
        outcome = Outcome.from_error(exc)
        if outcome.kind == OutcomeKind.AMBIGUOUS:  # a read that timed out posted nothing
            return Outcome.offline(outcome.detail)
        return outcome._replace(may_have_stored=False)
    check = check_company(job.check_client, ticket.company, ticket.company_identifier)  # as the ticket card's
    if check.same is None or (check.same and check.company):  # nothing to compare it with, or the client's ticket
        return None
    # Another company's ticket; or one ConnectWise names no company for (every ticket has one: a card shows
    # that to the engineer, but nobody looks at a send, so it is not taken as the client's)
    whose = "another company" if check.company else "no company"
    log.warning("push %d: ticket #%d is not the session's client's (%s); not sent", job.id, job.ticket_id, whose)
    return Outcome(OutcomeKind.OTHER_COMPANY, detail=policy_words.other_company(job.ticket_id, check.company, check.client))


def _bad_ticket(job: PushJob) -> Outcome | None:
    """A job queued for a number ConnectWise cannot have (an outbox from before ticket numbers were checked,
    a hand-edited database): nothing is sent, and the job fails for good saying so, instead of tripping the
    drain on every start."""
    problem = ticket_id_problem(job.ticket_id)
    if problem is None:
        return None
    log.warning("push %d: %s; not sent", job.id, problem)
    return Outcome(OutcomeKind.NOT_FOUND, detail=f"not sent: {problem}")


def post(job: PushJob, conn: Connection) -> Posted:
    """The job's POST. After a 404 on a note to a service ticket the ticket is looked up:
    :data:`PROJECT_TICKET` when it is a project ticket."""
    bad = _bad_ticket(job)
    if bad is not None:
        return bad
    ref = TicketRef(job.ticket_id, job.ticket_kind)  # type: ignore[arg-type]
    body = job.body_json()
    try:
        if job.kind == JobKind.NOTE:
            return Outcome.success(conn.client.post_note(ref, body).id)
        if job.kind == JobKind.STATUS:
            wanted = _wanted_status(job)
            conn.client.set_ticket_status(ref, wanted)  # PATCH, then the ticket read back (kept: ValidationFailed)
            return Outcome.success(wanted, http_status=200)
        return Outcome.success(conn.client.create_time_entry(body).id)
    except NotFound as exc:
        if job.kind == JobKind.NOTE and job.ticket_kind == "service":
            return _project_or(job, conn, exc)
        return Outcome.from_error(exc)
    except ConnectWiseError as exc:
        return Outcome.from_error(exc)
    except Exception as exc:  # a bug after the request may have left: check before any re-send
        log.exception("push %d: unexpected error while sending", job.id)
        return Outcome.from_error(exc)


def post_to_project(job: PushJob, conn: Connection) -> Outcome:
    """The note's POST to the project path (its kind is already recorded)."""
    bad = _bad_ticket(job)
    if bad is not None:
        return bad
    try:
        return Outcome.success(conn.client.post_note(TicketRef(job.ticket_id, "project"), job.body_json()).id)
    except ConnectWiseError as exc:
        return Outcome.from_error(exc)


def _project_or(job: PushJob, conn: Connection, missing: NotFound) -> Posted:
    """After a 404 on the service path: :data:`PROJECT_TICKET` when the ticket is a project ticket, else
    the outcome to store."""
    try:
        ticket = conn.client.get_ticket(job.ticket_id)
    except (NotFound, PermissionDenied):
        return Outcome.from_error(missing)
    except ConnectWiseError as exc:
        return Outcome.from_error(exc)
    return PROJECT_TICKET if ticket.ref.kind == "project" else Outcome.from_error(missing)


# -- checking an unknown job -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Checked:
    """What reading the ticket settled: ``found`` / ``absent`` / an error (an :class:`Outcome`), or
    :data:`PROJECT_TICKET` (the note cannot be on the service path; it is absent); and the key owner's
    identifier when the check had to ask for it."""

    result: Posted
    member: str | None = None


def check(job: PushJob, conn: Connection, member: str | None, claimed: Collection[int]) -> Checked:
    """Read the ticket and decide with :mod:`~flowdesk.push.reconcile` whether ``job`` is already there.
    ``member``: the key owner's identifier when known (else ``who_am_i`` is asked); ``claimed``: the remote
    ids other jobs own."""
    asked: str | None = None
    result: Posted
    bad = _bad_ticket(job)
    if bad is not None:
        return Checked(bad)
    try:
        if member is None:
            member = asked = conn.client.who_am_i().identifier
        if job.kind == JobKind.STATUS:
            result = _find_status(job, conn)
        elif job.kind == JobKind.NOTE:
            result = _find_note(job, conn, member, claimed)
        else:
            result = _find_time_entry(job, conn, member, claimed)
    except ConnectWiseError as exc:
        result = Outcome.from_error(exc)
    except ValueError as exc:  # e.g. a member identifier FlowDesk cannot put in a query
        result = Outcome(OutcomeKind.VALIDATION, server_message=str(exc), detail=str(exc))
    return Checked(result, asked)


def _outcome(verdict: reconcile.Verdict) -> Outcome:
    return Outcome.found(verdict.remote_id) if isinstance(verdict, reconcile.Found) else Outcome.absent()


def _find_note(job: PushJob, conn: Connection, member: str, claimed: Collection[int]) -> Posted:
    search = reconcile.NoteSearch.for_job(
        job.body_json(), member, job.first_sent_at, claimed,
        seen_before_id=job.seen_before_id, server_date_before=job.server_date_before,
    )  # fmt: skip
    ref = TicketRef(job.ticket_id, job.ticket_kind)  # type: ignore[arg-type]
    limit = reconcile.NOTE_CHECK_WINDOW
    while True:
        try:
            notes = conn.client.recent_notes(ref, limit=limit)
        except NotFound as exc:
            if job.ticket_kind != "service":
                raise
            return _project_or(job, conn, exc)
        verdict = reconcile.judge_notes(search, notes, limit)
        if not isinstance(verdict, reconcile.ReadFurther):
            return _outcome(verdict)
        limit = verdict.limit


def _wanted_status(job: PushJob) -> int:
    """The status id a status job sets (its body ``{"status": {"id": N, "name": "…"}}``)."""
    wanted = job.body_json().get("status", {}).get("id")
    if type(wanted) is not int:
        raise ValueError(f"push {job.id} names no status id to set")
    return wanted


def _find_status(job: PushJob, conn: Connection) -> Outcome:
    """A status change with a lost answer: the ticket already has the wanted status → found (sent); else
    absent (the PATCH is sent again: it sets a value, so a second one changes nothing more)."""
    wanted = _wanted_status(job)
    ticket = conn.client.get_ticket(job.ticket_id)
    return Outcome.found(wanted) if ticket.status_id == wanted else Outcome.absent()


def _find_time_entry(job: PushJob, conn: Connection, member: str, claimed: Collection[int]) -> Outcome:
    search = reconcile.TimeEntrySearch.for_job(job.body_json(), job.ticket_id, claimed, seen_before_id=job.seen_before_id)
    ref = TicketRef(job.ticket_id, job.ticket_kind)  # type: ignore[arg-type]
    return _outcome(reconcile.judge_time_entries(search, conn.client.find_time_entries(ref, member, search.start)))


__all__ = [
    "PROJECT_TICKET",
    "Checked",
    "Prepared",
    "ClientProvider",
    "ClientUnavailable",
    "Connection",
    "Connections",
    "Posted",
    "ProjectTicket",
    "check",
    "discover",
    "post",
    "post_to_project",
    "prepare",
]
