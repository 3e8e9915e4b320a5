"""What the ConnectWise client returns: small, lenient pydantic models.

Every field but an id is optional, unknown fields are ignored, and a field with a value of the wrong
type (``"dateCreated": "yesterday"``, ``"text": null``) falls back to its default instead of failing
the whole record: strict models that break on real data are the #1 complaint about pyconnectwise
(reference §10). The models read ConnectWise's camelCase names (``dateCreated``, ``member/identifier``)
and can also be built with their own snake_case names.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from pydantic import AliasChoices, AliasPath, BaseModel, ConfigDict, Field, ValidationError, model_validator

from flowdesk.connectwise.bodies import TicketRef
from flowdesk.connectwise.site import SiteInfo

M = TypeVar("M", bound=BaseModel)


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


def _choices(name: str, *aliases: str | AliasPath) -> Any:
    return AliasChoices(name, *aliases)


def lenient(model: type[M], data: Any) -> M:
    """Validate ``data`` as ``model``, dropping top-level values that do not fit and trying again.

    Raises :class:`ValueError` when ``data`` is not an object or a required field (an id) is missing or
    unusable.
    """
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object, got {type(data).__name__}")
    doc = dict(data)
    for _ in range(len(doc) + 1):
        try:
            return model.model_validate(doc)
        except ValidationError as exc:
            dropped = False
            for err in exc.errors(include_url=False):
                loc = err.get("loc") or ()
                if loc and loc[0] in doc:
                    del doc[loc[0]]
                    dropped = True
            if not dropped:
                fields = ", ".join(".".join(str(p) for p in e.get("loc", ())) for e in exc.errors(include_url=False))
                raise ValueError(f"missing or unusable field(s): {fields}") from None
    raise ValueError("unusable record")  # pragma: no cover - every pass drops at least one key


class Member(_Lenient):
    """Whose keys these are (``GET /system/myMembers/info``, reference §6)."""

    id: int | None = None
    identifier: str = ""
    name: str = ""
    email: str | None = Field(None, validation_alias=_choices("email", "defaultEmail", "officeEmail", "primaryEmail"))
    time_zone: str | None = Field(
        None, validation_alias=_choices("time_zone", AliasPath("timeZone", "name"), "timeZone")
    )
    require_start_end: bool = Field(
        False, validation_alias=_choices("require_start_end", "requireStartAndEndTimeOnTimeEntryFlag")
    )
    # "F = Full Member, A = API Member, ..." (spec v2025.8): what an API member's keys post is the API member's
    license_class: str | None = Field(None, validation_alias=_choices("license_class", "licenseClass"))

    @property
    def api_member(self) -> bool:
        """The keys belong to an API member: notes and time would be recorded as that member, not the engineer."""
        return self.license_class == "A"

    @model_validator(mode="before")
    @classmethod
    def _name(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("name"):
            data = dict(data)
            full = data.get("fullName")
            if not isinstance(full, str) or not full.strip():
                parts = [data.get("firstName"), data.get("lastName")]
                full = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
            if not full and isinstance(data.get("identifier"), str):
                full = data["identifier"]
            data["name"] = full.strip() if isinstance(full, str) else ""
        return data

    @property
    def display(self) -> str:
        """``Dana Whitfield (dwhitfield)``."""
        if self.name and self.identifier and self.name != self.identifier:
            return f"{self.name} ({self.identifier})"
        return self.name or self.identifier or "an unnamed member"


class Permissions(_Lenient):
    """What the member may do, from ``GET /system/mySecurity``; ``missing`` names the rights in
    ConnectWise's words (``Time & Expense › Time Entry: Add``)."""

    can_add_notes: bool = False
    can_add_time: bool = False
    can_read_tickets: bool = False  # Service Tickets' inquire level (the ticket card, the finder, the check before a send)
    missing: list[str] = Field(default_factory=list)


class ConnectionReport(_Lenient):
    """The result of "Test connection": who the keys belong to, what they may do, and where."""

    member: Member
    permissions: Permissions
    site: SiteInfo

    @property
    def limited(self) -> bool:
        """The keys cannot do all FlowDesk posts (notes and time) as the engineer: ``summary`` says what."""
        p = self.permissions
        return not (p.can_add_notes and p.can_add_time) or bool(p.missing) or self.member.api_member

    def summary(self) -> str:
        """``Signed in as Dana Whitfield (dwhitfield) on api-na.myconnectwise.net — can add notes and time``."""
        p = self.permissions
        reads = p.can_read_tickets  # the ticket card, the finder, the company check before a send
        if p.can_add_notes and p.can_add_time:
            can = "can add notes and time" + ("" if reads else ", but cannot read tickets")
        elif p.can_add_notes:
            can = "can add notes, but not time" + ("" if reads else " or read tickets")
        elif p.can_add_time:
            can = "can add time, but not notes" + ("" if reads else " or read tickets")
        else:
            can = "cannot add notes or time"
        if p.missing:
            can += f" (missing {', '.join(p.missing)})"
        if p.can_add_notes and not reads:
            can += ": FlowDesk cannot check a ticket's company before posting to it"
        line = f"Signed in as {self.member.display} on {self.site.api_host} — {can}"
        if self.member.api_member:
            from flowdesk.core.present import API_MEMBER_KEYS

            line += f". {API_MEMBER_KEYS}"
        return line


class Ticket(_Lenient):
    """A ticket as FlowDesk needs it: where to post, what to show, whether time may be logged."""

    ref: TicketRef
    summary: str = ""
    company: str | None = None
    board: str | None = None
    status: str | None = None
    closed: bool = False
    time_entry_allowed: bool = True
    board_id: int | None = None
    status_id: int | None = None
    record_type: str | None = None
    company_identifier: str | None = None  # ConnectWise's short name of the company ("BrightsmileDental")
    updated: datetime | None = None  # _info/lastUpdated (ticket search results)


class PostedNote(_Lenient):
    """The note ConnectWise stored (201 ``ServiceNote``, reference §3)."""

    id: int
    ticket_id: int | None = Field(None, validation_alias=_choices("ticket_id", "ticketId"))
    created_by: str | None = Field(None, validation_alias=_choices("created_by", "createdBy"))
    date_created: datetime | None = Field(None, validation_alias=_choices("date_created", "dateCreated"))


class NoteRecord(_Lenient):
    """A note read back from a ticket (``GET …/notes``), for matching a note whose post had no answer."""

    id: int
    ticket_id: int | None = Field(None, validation_alias=_choices("ticket_id", "ticketId", AliasPath("ticket", "id")))
    text: str = ""
    created_by: str | None = Field(None, validation_alias=_choices("created_by", "createdBy"))
    date_created: datetime | None = Field(None, validation_alias=_choices("date_created", "dateCreated"))
    internal: bool = Field(False, validation_alias=_choices("internal", "internalAnalysisFlag"))
    discussion: bool = Field(False, validation_alias=_choices("discussion", "detailDescriptionFlag"))
    resolution: bool = Field(False, validation_alias=_choices("resolution", "resolutionFlag"))
    member_identifier: str | None = Field(
        None, validation_alias=_choices("member_identifier", AliasPath("member", "identifier"))
    )
    # A project note (TicketNote) has no dateCreated; its ``_info`` may carry when it was entered or changed.
    info_entered: datetime | None = Field(
        None, validation_alias=_choices("info_entered", AliasPath("_info", "dateEntered"), AliasPath("_info", "dateCreated"))
    )
    info_updated: datetime | None = Field(None, validation_alias=_choices("info_updated", AliasPath("_info", "lastUpdated")))


class Boundary(_Lenient):
    """What was on a ticket just before a first send: the highest note (or time-entry) id there (0: none)
    and the server's ``Date`` of that read (None: it sent none)."""

    highest_id: int
    server_date: datetime | None = None


class TimeEntryRecord(_Lenient):
    """A time entry (``POST /time/entries`` answer or ``GET /time/entries`` item, reference §5)."""

    id: int
    charge_to_id: int | None = Field(None, validation_alias=_choices("charge_to_id", "chargeToId"))
    charge_to_type: str | None = Field(None, validation_alias=_choices("charge_to_type", "chargeToType"))
    member_identifier: str | None = Field(
        None, validation_alias=_choices("member_identifier", AliasPath("member", "identifier"))
    )
    time_start: datetime | None = Field(None, validation_alias=_choices("time_start", "timeStart"))
    time_end: datetime | None = Field(None, validation_alias=_choices("time_end", "timeEnd"))
    actual_hours: float | None = Field(None, validation_alias=_choices("actual_hours", "actualHours"))
    notes: str | None = None
    date_entered: datetime | None = Field(
        None, validation_alias=_choices("date_entered", "dateEntered", AliasPath("_info", "dateEntered"))
    )


class PostedTimeEntry(TimeEntryRecord):
    """The time entry ConnectWise stored (201 ``TimeEntry``)."""
