"""What the ticket card and the ticket finder say (next to ``present``'s ticket words, which it does not repeat):
a look-up that met an outage, a push to a ticket whose company could not be checked, and the finder's results
as a screen reader hears them."""

from __future__ import annotations

from flowdesk.core.present import FINDER_NOTHING

UNREACHABLE = "ConnectWise cannot be reached right now"
RATE_LIMITED = "ConnectWise is rate limiting FlowDesk right now"  # a 429: it was reached, and asked for a pause
# Look-up failures that pass with an outage (a server error, no network, a rate limit, no usable answer). An
# Offline failure of TLS is not one: it is a certificate to fix, and its own words say so.
PASSING_KINDS = ("server", "offline", "rate_limited", "ambiguous")


def passes(exc: BaseException | None) -> bool:
    """Did this look-up fail because ConnectWise could not be reached right now (it passes with the outage)?"""
    return getattr(exc, "kind", None) in PASSING_KINDS and not getattr(exc, "tls", False)


def unreachable(exc: BaseException | None) -> str:
    """Why a look-up that passes with the outage failed, in a few words: a rate limit (429) is said as one, not as
    ConnectWise being out of reach."""
    return RATE_LIMITED if getattr(exc, "kind", None) == "rate_limited" else UNREACHABLE


def as_last_read(*, checking: bool = False, why: str = UNREACHABLE) -> str:
    """The card keeps the ticket as read before the outage: one line saying so, and what to do (``checking``:
    while it is looked up again; ``why``: :func:`unreachable`)."""
    if checking:
        return "As last read: looking it up again…"
    return f"As last read, not checked just now: {why}. Press Enter in Ticket to try again; a push waits in the queue."


def not_read(*, own: bool, pushed: bool = False, why: str = UNREACHABLE) -> str:
    """A ticket never read met the outage. ``own``: the session's own ticket (it may be pushed to); ``pushed``:
    this session has a push to it already (the line under the card says where it is), so no advice to push;
    ``why``: :func:`unreachable`."""
    if pushed:
        return f"{why}: press Enter in Ticket to try again."
    then = "or push: the note waits in the queue" if own else "push once its company shows"
    return f"{why}: press Enter in Ticket to try again, {then}."


def in_one_line(exc: BaseException | None, message: str) -> str:
    """A look-up that failed for good (no such ticket, no right to read it…) as the card says it: FlowDesk's
    sentence, without ConnectWise's own reply and the request id (the card's tooltip has ``message``, all of it); said
    for the window where the error knows how (refused keys: fix them in Settings, not `flowdesk connect`)."""
    said = getattr(exc, "said", None)
    text = (str(said("window")) if callable(said) else None) or getattr(exc, "message", None) or message
    for cut in (" (ConnectWise said:", " ConnectWise said:"):
        text = text.split(cut)[0]
    return text if text.endswith((".", "!", "?")) else f"{text}."


def unchecked_push(ticket_id: int, why: str, *, passing: bool = True) -> str:
    """A push to a ticket the engineer chose, whose company could not be checked: refused, and why. ``passing``:
    ``why`` is a few words on an outage (it passes: push again once the company shows); else it is the error's own
    sentences, which say what to fix (refused keys…), after the refusal, not inside a parenthesis."""
    if not passing:
        return f"FlowDesk could not check whose ticket #{ticket_id} is, so nothing was queued: {why}"
    return (
        f"FlowDesk could not check whose ticket #{ticket_id} is ({why}), so nothing was queued. "
        "Push again once its company shows on the card."
    )


def tickets_found(count: int) -> str:
    """The finder's results, as a screen reader announces them."""
    return "1 ticket found" if count == 1 else f"{count} tickets found"


def ticket_at(item: str, row: int, count: int) -> str:
    """A found ticket made current with Up/Down (its two lines as one), as a screen reader says it."""
    return f"{item.replace(chr(10), ', ')} ({row + 1} of {count})"


def nothing_found(text: str) -> str:
    """No ticket matched what was typed: the finder's line under the field, and what a screen reader says."""
    return f"No open ticket matches “{text}”." if text else FINDER_NOTHING
