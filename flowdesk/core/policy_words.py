"""The words the retry policy writes: a push's ``last_error`` (the queue's detail, ``queue list``), the
message of a :class:`~flowdesk.core.policy.Decision` and of a ``PolicyError``, and why the queue is paused.

Part of the words a person reads about a push (:mod:`flowdesk.core.present`, whose nouns these use), kept
apart because only the policy writes them: plain data in, text out; no Qt, no I/O, no clock.
"""

from __future__ import annotations

from flowdesk.core.present import STATUS_KEPT, Addressed, status_kept, thing, ticket_words


def _where(job: Addressed) -> tuple[str, str]:
    return thing(job.kind), ticket_words(job.ticket_id, job.ticket_kind)


def _says(server_message: str | None) -> str:
    msg = (server_message or "").strip()
    if not msg:
        return ""
    if len(msg) > 300:
        msg = msg[:297] + "..."
    return f' ConnectWise says: "{msg}"' + ("" if msg.endswith((".", "!", "?")) else ".")  # not '..."."'


def _status(http_status: int | None) -> str:
    return f" (HTTP {http_status})" if http_status else ""


def posted(job: Addressed) -> str:
    what, ticket = _where(job)
    return f"Status of {ticket} changed, and read back." if job.kind == "status" else f"{what.capitalize()} posted to {ticket}."


def found(job: Addressed) -> str:
    what, ticket = _where(job)
    if job.kind == "status":
        return f"{ticket[0].upper()}{ticket[1:]} already has that status: the change had arrived; marked as sent."
    return f"{what.capitalize()} found on {ticket}: it had arrived; marked as sent."


def may_have_arrived(job: Addressed, *, server_error: bool, http_status: int | None, check_at: str) -> str:
    """No usable answer to a send: the job is ``unknown`` until the ticket is checked at ``check_at``."""
    what, ticket = _where(job)
    cause = (
        f"ConnectWise answered with a server error{_status(http_status)} after the {what} was sent"
        if server_error
        else f"The connection dropped after the {what} was sent"
    )
    return f"{cause}, so it may have reached {ticket}. FlowDesk will check the ticket at {check_at} before sending it again."


def offline_retry(retry_at: str) -> str:
    return f"Can't reach ConnectWise (is the network down?). Retrying at {retry_at}, or as soon as the network is back."


PAUSED_FOR_KEYS = "Waiting: sending is paused until your ConnectWise keys are fixed."
PAUSED_FOR_COMPANY = "Waiting: sending is paused until the company ID in Settings is fixed."
# What lifts a pause for the account, said once for the window and the command line: saving it again in Settings,
# or `flowdesk connect`, each of which checks it and lifts the pause once ConnectWise accepts it (there is no
# Resume to press for it in the window). The words follow "Sending is paused: " in `queue list` and a drain's
# report, so they say "sending waits", not "paused" again.
_OR_CONNECT = " (or with `flowdesk connect`)"
_SAVE_AGAIN = f"in Settings > ConnectWise account{_OR_CONNECT}"
NO_COMPANY = (  # why the queue is paused when the company look-up answers that there is no such company
    "ConnectWise says it has no company with the company ID in Settings. Sending waits until ConnectWise accepts "
    f"it: correct the company ID and save it again {_SAVE_AGAIN}; if the ID is right, ConnectWise may be "
    "mid-upgrade: save it again later."
)


def in_the_window(reason: str) -> str:
    """Why the queue is paused for the account, as the window's banner says it: its *Open Settings* is the way, not
    the command line (``flowdesk connect``)."""
    return reason.replace(_OR_CONNECT, "")


def lookup_failed(job: Addressed, http_status: int | None, retry_at: str, *, checking: bool) -> str:
    """The company look-up failed (a site mid-upgrade, a server error): nothing was sent, no try used."""
    what, ticket = _where(job)
    then = f"check whether the {what} reached {ticket}" if checking else f"send the {what} to {ticket}"
    return (f"ConnectWise could not look up your company{_status(http_status)}, so FlowDesk could not yet {then}. "
            f"Trying again at {retry_at}.")


def keys_refused(http_status: int | None, server_message: str | None) -> str:
    """Why the queue is paused after a 401 (the banner, ``queue list``, the drain report)."""
    return (
        f"ConnectWise did not accept your API keys{_status(http_status)}.{_says(server_message)} "
        f"Sending waits until ConnectWise accepts them: enter your keys again {_SAVE_AGAIN}."
    )


def refused(
    job: Addressed, reason: str, http_status: int | None, server_message: str | None, missing_right: str | None = None
) -> str:
    """A send ConnectWise refused for good (``reason``: ``permission``, ``not_found``, ``validation``).
    ``missing_right``: the right a 403 names; a read right (``…: Inquire``) means the ticket's read before the
    send was refused (its company is checked first), not the send itself."""
    what, ticket = _where(job)
    says = _says(server_message)
    kept = (server_message or "").removeprefix(STATUS_KEPT)
    if job.kind == "status" and reason == "validation" and kept != (server_message or ""):
        return status_kept(job.ticket_id or 0, kept) + " Then click Retry, or cancel this push."
    if reason == "permission" and (missing_right or "").endswith(": Inquire"):
        return (
            f"Your ConnectWise account is not allowed to read {ticket}, so FlowDesk could not check that it belongs "
            f"to this session's client before posting the {what}: nothing was sent.{says} Ask your ConnectWise "
            f"administrator for permission to view tickets ({missing_right}), then click Retry."
        )
    if reason == "permission":
        tickets = "project tickets" if job.ticket_kind == "project" else "service tickets"  # their own permission
        right = {"note": f"add notes to {tickets}", "status": f"change the status of {tickets}"}
        right_text = right.get(str(job.kind), "add time entries")
        return (
            f"Your ConnectWise account is not allowed to post this {what} to {ticket}.{says} "
            f"Ask your ConnectWise administrator for permission to {right_text}, then click Retry."
        )
    if reason == "not_found":
        return (
            f"ConnectWise cannot find {ticket}, or your account cannot see it.{says} "
            "Check the ticket number: if it is wrong, cancel this push and push the session to the right "
            "ticket; if it is right, ask your administrator for access, then click Retry."
        )
    return (
        f"ConnectWise refused the {what} for {ticket}{_status(http_status)}.{says} "
        f"Fix what it names (in ConnectWise or in the {what}), then click Retry, "
        "or cancel this push and push the session again."
    )


OTHER_COMPANY_NEXT = (
    " Click Retry to post it to this ticket anyway (FlowDesk asks first), or cancel this push and push the session to "
    "the right ticket."
)


def other_company(ticket_id: int, company: str, client: str) -> str:
    """A note queued before its ticket's company was checked, whose ticket, read just before the send, is
    another company's: nothing was sent."""
    if not company:
        return (
            f"ConnectWise did not say which company ticket #{ticket_id} belongs to, so FlowDesk cannot tell that it is "
            f"this session's client {client}'s.{OTHER_COMPANY_NEXT}"
        )
    return f"Ticket #{ticket_id} belongs to {company}, not to this session's client {client}.{OTHER_COMPANY_NEXT}"


def other_company_question(last_error: str | None) -> str:
    """Retry's question on a push that failed for another company's ticket (:func:`other_company`'s words)."""
    return f"{(last_error or '').removesuffix(OTHER_COMPANY_NEXT)} Post the note to this ticket anyway?".lstrip()


def rate_limited() -> str:
    return "ConnectWise is rate limiting FlowDesk."


def did_not_arrive(job: Addressed) -> str:
    what, ticket = _where(job)
    return f"The {what} did not arrive on {ticket}."


def server_error(http_status: int | None, server_message: str | None) -> str:
    return f"ConnectWise had a server error{_status(http_status)}.{_says(server_message)}"


def retrying(why: str, retry_at: str) -> str:
    return f"{why} Retrying at {retry_at}."


def gave_up(job: Addressed, why: str, tries: int) -> str:
    what, ticket = _where(job)
    return f"{why} Gave up after {tries} tries to post the {what} to {ticket}; click Retry to try again."


def check_offline(job: Addressed, check_at: str) -> str:
    what, ticket = _where(job)
    return (
        f"Can't reach ConnectWise to check whether the {what} reached {ticket}. "
        f"Checking again at {check_at}, or as soon as the network is back."
    )


def check_paused(job: Addressed, *, for_company: bool = False) -> str:
    what, ticket = _where(job)
    fixed = "the company ID in Settings is" if for_company else "your ConnectWise keys are"
    return f"Checking {ticket} for the {what} is paused until {fixed} fixed."


def cannot_check(job: Addressed, server_message: str | None) -> str:
    what, ticket = _where(job)
    return (
        f"FlowDesk cannot check {ticket} for the {what} it may have posted.{_says(server_message)} "
        f"Open the ticket in ConnectWise: if the {what} is there, cancel this push; if it is not, "
        "cancel it and push the session again."
    )


def check_later(job: Addressed, *, rate_limited: bool, http_status: int | None, check_at: str) -> str:
    what, ticket = _where(job)
    why = (
        "ConnectWise is rate limiting FlowDesk"
        if rate_limited
        else f"ConnectWise did not answer the check{_status(http_status)}"
    )
    return f"{why}, so FlowDesk could not yet check whether the {what} reached {ticket}. Checking again at {check_at}."


def never_blindly(job: Addressed) -> str:
    what, ticket = _where(job)
    return f"the {what} may already be on {ticket}: check the ticket before sending it again, never send it blindly"


def sending_again(job: Addressed, *, fresh: bool) -> str:
    """Retry clicked: a failed job starts again (``fresh``), a waiting one goes now."""
    what, ticket = _where(job)
    return f"Sending the {what} to {ticket} again." if fresh else f"Sending the {what} to {ticket} now."


def checking_first(job: Addressed, check_at: str | None = None) -> str:
    """Retry on a push that may be on its ticket; ``check_at``: the check waits for ConnectWise to finish storing."""
    what, ticket = _where(job)
    if check_at is None:
        return f"Checking {ticket} for the {what} before sending it again."
    return (f"Checking {ticket} for the {what} at {check_at}, once ConnectWise has had time to store it, "
            "before sending it again.")


def not_there_sending(job: Addressed) -> str:
    """The check after Retry found the push absent: it is sent in the same click."""
    what, ticket = _where(job)
    return f"The {what} is not on {ticket}: sending it now."


def being_sent(job: Addressed, *, then_cancel: bool = False) -> str:
    what, ticket = _where(job)
    tail = "; wait for the result, then cancel." if then_cancel else "."
    return f"The {what} is being sent to {ticket} right now{tail}"


def already_on_ticket(job: Addressed, *, cancelling: bool = False) -> str:
    what, ticket = _where(job)
    if cancelling:
        return f"The {what} is already on {ticket}; cancelling cannot remove it. Delete it in ConnectWise if needed."
    return f"The {what} is already on {ticket}; retrying would post it twice."


def was_cancelled(job: Addressed) -> str:
    what, ticket = _where(job)
    return f"This push was cancelled; push the session again to send the {what} to {ticket}."


ALREADY_CANCELLED = "This push is already cancelled."


def cancelled_maybe_posted(job: Addressed) -> str:
    what, ticket = _where(job)
    return (
        f"The {what} may already be on {ticket}: ConnectWise never confirmed its last send. "
        "Check the ticket in ConnectWise."
    )


def cancelled_push(job: Addressed) -> str:
    what, ticket = _where(job)
    return f"Cancelled the {what} for {ticket}."


def interrupted(job: Addressed, check_at: str | None = None) -> str:
    """A push a crash left sending; ``check_at``: the check waits for ConnectWise to finish storing it."""
    what, ticket = _where(job)
    at = f" at {check_at}" if check_at else ""
    return (f"FlowDesk stopped while sending the {what} to {ticket}, so it may have arrived. "
            f"FlowDesk will check the ticket{at} before sending it again.")
