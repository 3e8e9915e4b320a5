"""The exact JSON FlowDesk sends to ConnectWise for a note and for a time entry.

Built once, when a push is queued, and stored in the outbox unchanged: a retry sends the same bytes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal, NamedTuple

from flowdesk.core.setting_choices import Visibility
from flowdesk.core.timing import TimeEntryPlan

TicketKind = Literal["service", "project"]

VISIBILITY_FLAGS = {
    Visibility.INTERNAL: "internalAnalysisFlag",
    Visibility.DISCUSSION: "detailDescriptionFlag",
    Visibility.RESOLUTION: "resolutionFlag",
}
CHARGE_TO_TYPE: dict[str, str] = {"service": "ServiceTicket", "project": "ProjectTicket"}


EMAIL_FLAGS = {"contact": "emailContactFlag", "resources": "emailResourceFlag", "cc": "emailCcFlag"}
EMAILED_VISIBILITIES = (Visibility.DISCUSSION, Visibility.RESOLUTION)  # an Internal note is never e-mailed


class EmailChoice(NamedTuple):
    """Whom the engineer chose to e-mail about a Discussion or Resolution note: the ticket's contact, its
    resources, its CC list. Nothing by default: FlowDesk never lets ConnectWise mail a customer unasked."""

    contact: bool = False
    resources: bool = False
    cc: bool = False

    @property
    def any(self) -> bool:
        return self.contact or self.resources or self.cc

    @classmethod
    def parse(cls, text: str) -> EmailChoice:
        """``"contact,cc"`` / ``"none"`` (the CLI's ``--email``); ValueError names what is not a recipient."""
        words = [w.strip().lower() for w in text.split(",") if w.strip()]
        if words == ["none"]:
            return cls()
        unknown = [w for w in words if w not in EMAIL_FLAGS]
        if unknown or not words:
            raise ValueError(f"{', '.join(unknown) or text!r}: choose from contact, resources, cc (or none)")
        return cls(contact="contact" in words, resources="resources" in words, cc="cc" in words)

    def names(self) -> list[str]:
        return [name for name in EMAIL_FLAGS if getattr(self, name)]


NO_EMAIL = EmailChoice()


class TicketRef(NamedTuple):
    id: int
    kind: TicketKind = "service"

    @property
    def path(self) -> str:
        return f"/{self.kind}/tickets/{self.id}"

    @property
    def charge_to_type(self) -> str:
        return CHARGE_TO_TYPE[self.kind]


def cw_datetime(dt: datetime) -> str:
    """ConnectWise's date-time: UTC, ``Z``, whole seconds (``2026-11-18T14:02:11Z``)."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def note_body(text: str, visibility: Visibility | str, email: EmailChoice = NO_EMAIL) -> dict[str, Any]:
    """A ticket note showing exactly where the engineer chose (ConnectWise rejects a note with no flag).

    ``processNotifications`` is always sent: ConnectWise processes notifications unless told not to (the spec:
    "defaults to true"), which can e-mail the ticket's contact even about an internal note. It is true only
    for a Discussion or Resolution note the engineer chose to e-mail (``email``); whom ConnectWise mails is
    then the ticket's e-mail settings (a note has no per-recipient flags in the spec; a time entry does)."""
    vis = Visibility(visibility)
    body: dict[str, Any] = {
        "text": text,
        "detailDescriptionFlag": False,
        "internalAnalysisFlag": False,
        "resolutionFlag": False,
        "customerUpdatedFlag": False,
        "processNotifications": email.any and vis in EMAILED_VISIBILITIES,
    }
    body[VISIBILITY_FLAGS[vis]] = True
    return body


def whole_minute(dt: datetime) -> datetime:
    """``dt`` without seconds: ConnectWise's screens work in minutes and whether its API keeps seconds is not
    documented, so FlowDesk sends (and looks for) whole minutes."""
    return dt.replace(second=0, microsecond=0)


def time_entry_body(
    ticket: TicketRef, plan: TimeEntryPlan, *, send_end: bool, email: EmailChoice = NO_EMAIL
) -> dict[str, Any]:
    """A time entry for the key's owner (no ``member``: ConnectWise attributes it to the caller), starting
    and ending on whole minutes.

    ``send_end``: the member must give start and end times (``requireStartAndEndTimeOnTimeEntryFlag``).
    """
    start = whole_minute(plan.start)
    minutes = round(plan.hours * 60)  # the plan's hours are whole minutes: the hours sent and the end agree
    body: dict[str, Any] = {
        "chargeToId": ticket.id,
        "chargeToType": ticket.charge_to_type,
        "timeStart": cw_datetime(start),
        "actualHours": minutes / 60,
        "notes": plan.notes,
        "addToDetailDescriptionFlag": False,
        "addToInternalAnalysisFlag": False,
        "addToResolutionFlag": False,
    }
    # ConnectWise's action flags: mail the entry to the ticket's contact / resources / CC — only as chosen
    body.update({flag: bool(getattr(email, name)) for name, flag in EMAIL_FLAGS.items()})
    if plan.work_type_id is not None:
        body["workType"] = {"id": plan.work_type_id}
    if plan.work_role_id is not None:
        body["workRole"] = {"id": plan.work_role_id}
    if plan.billable is not None:
        body["billableOption"] = plan.billable
    # Always both ends, on whole minutes: ConnectWise then has nothing to derive (``send_end`` is kept for
    # callers; a member who must enter start and end times gets them either way).
    del send_end
    body["timeEnd"] = cw_datetime(start + timedelta(minutes=minutes))
    return body
