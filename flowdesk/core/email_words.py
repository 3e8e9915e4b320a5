"""Who ConnectWise e-mails about a note or a status change, and whose keys record it (an API member's): the
words the note pane and Settings show. Re-exported by :mod:`flowdesk.core.present`."""

from __future__ import annotations

from collections.abc import Sequence

from flowdesk.core.parts import and_ as _and


def emailing(names: Sequence[str], *, time_entry: bool = False) -> str:
    """``ConnectWise will e-mail the ticket's contact and CC about this note.`` (``time_entry``: and about its time
    entry, which carries the same e-mail flags)"""
    words = {"contact": "contact", "resources": "resources", "cc": "CC list"}
    also = " and about its time entry" if time_entry else ""
    return f"ConnectWise will e-mail the ticket's {_and([words[n] for n in names])} about this note{also} (as the ticket's e-mail settings say)."


def status_notice(status: str, recipients: Sequence[str]) -> str:
    """Whom ConnectWise e-mails when the ticket is set to ``status`` (the board's status notifications)."""
    if not recipients:  # what the board's notifications say, no more: a workflow rule could still e-mail someone
        return f"This board's status notifications e-mail no one when a ticket is set to “{status}”."
    return f"Setting “{status}” makes ConnectWise e-mail: {_and(recipients)} (this board's status notifications)."


def status_notice_unknown(status: str, kind: str | None) -> str:
    """The status's notifications could not be read (``kind``: the ConnectWise error's)."""
    why = "your ConnectWise account cannot read the board's set-up" if kind == "permission" else "try again later"
    return (
        f"Setting “{status}” may make ConnectWise e-mail the ticket's contact: FlowDesk could not read this board's "
        f"status notifications ({why})."
    )


EMAIL_LABEL = "&E-mail about notes"
EMAIL_WHO = {"contact": "The contact", "resources": "Resources", "cc": "CC list"}
EMAIL_EXPLAIN = (
    "Off by default. Only for Discussion and Resolution notes; an Internal note is never e-mailed. ConnectWise "
    "sends it as the ticket's e-mail settings say."
)
INTERNAL_NEVER_EMAILED = "An Internal note is never e-mailed: choose Discussion or Resolution to e-mail it."
API_MEMBER_KEYS = (
    "These are the keys of an API member (licence class A): ConnectWise records notes and time as that member, "
    "not as you. Create your own member keys under My Account → API Keys and enter them in Settings."
)
API_MEMBER_NO_TIME = (
    "No time entry with an API member's keys: ConnectWise would bill the time to the API member, not to you. "
    "Use your own member keys (My Account → API Keys), or queue the note alone."
)
