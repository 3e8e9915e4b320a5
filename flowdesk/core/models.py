"""FlowPilot sessions and steps, as the ResolutionFlow API serves them.

The API moves fast, so the models are tolerant the way its client must be: every field is optional,
unknown fields are ignored, ``options`` and ``options_presented`` are both accepted, enums are kept as
plain strings (an unknown status must not make a session unreadable), and both guided sessions
(``steps``) and chat sessions (``conversation_messages``) parse. A value of the wrong *type* (a date
that is not a date, steps that are not a list) is still an error, reported with the field's path.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, field_validator

from flowdesk.core.userfile import UserFileError, read_json

# Known values. Kept as constants, not Enum fields, so an unknown value from a newer API still parses.
SESSION_STATUSES = ("active", "paused", "resolved", "escalated", "requesting_escalation", "abandoned")
ESCALATION_STATUSES = ("escalated", "requesting_escalation")
CONFIDENCE_TIERS = ("guided", "exploring", "discovery")
SESSION_TYPES = ("guided", "chat")


MAX_TICKET_ID = 2**31 - 1  # ConnectWise's ids are 32-bit signed integers, from 1


def ticket_id_problem(value: int) -> str | None:
    """None for a ConnectWise ticket number (1 … 2^31−1), else why not (one phrase)."""
    if 1 <= value <= MAX_TICKET_ID:
        return None
    shown = str(value) if len(str(value)) <= 24 else str(value)[:20] + "…"
    return f"{shown} is not a ConnectWise ticket number (1 to {MAX_TICKET_ID})"


def check_ticket_id(value: int) -> int:
    """``value`` if it is a ConnectWise ticket number, else ``ValueError`` saying why."""
    problem = ticket_id_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _json_kind(v: Any) -> str:
    """How a value that is not what was expected reads in an error line, in JSON's words."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, dict):
        return "an object"
    return "a list" if isinstance(v, list) else type(v).__name__


MAX_ID_CHARS = 200  # ResolutionFlow's ids are UUIDs (36): a longer one is a damaged or made-up file


def id_text(v: Any) -> str | None:
    """An id as text: ids are text or whole numbers (a number becomes its digits); anything else is an error."""
    if isinstance(v, str) and len(v) > MAX_ID_CHARS:  # it went into every note ("Session: …") and list
        raise ValueError(f"an id of {len(v):,} characters; an id has at most {MAX_ID_CHARS}")
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, int) and not isinstance(v, bool):
        return str(v)
    raise ValueError(f"an id is text or a whole number, not {_json_kind(v)}")


class _Lenient(BaseModel):
    # defer_build: the validators are built on first use (opening or syncing a session), not when the
    # window starts — about a tenth of FlowDesk's start-up went into building them.
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=False, defer_build=True)


def parse_utc(value: Any) -> datetime | None:
    """An ISO-8601 string (``Z``, offset, fractions; naive = UTC) as an aware UTC datetime; None for
    anything else (not a string, blank, unreadable). The one reader of the date-times both APIs send."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _to_utc(value: Any) -> Any:
    """ISO-8601 strings (``Z`` or offset) and datetimes become aware UTC datetimes; naive ones are UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        parsed = parse_utc(value)
        if parsed is None:
            raise ValueError(f"not an ISO-8601 date-time: {value[:40]!r}")
        return parsed
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
    # neither API sends a number: read as seconds since 1970, 5 made a session 498,614 hours long
    raise ValueError(f"not an ISO-8601 date-time (such as 2026-11-18T14:02:11Z): {_json_kind(value)}")


class Person(_Lenient):
    id: str | None = None
    display_name: str | None = Field(default=None, validation_alias=AliasChoices("display_name", "name", "full_name"))
    email: str | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _id_to_str(cls, v: Any) -> Any:
        return id_text(v)


class StepOption(_Lenient):
    label: str | None = None
    value: Any = None
    followup_hint: str | None = None
    description: str | None = None

    @field_validator("label", mode="before")
    @classmethod
    def _label_to_str(cls, v: Any) -> Any:
        return v if v is None or isinstance(v, str) else str(v)


class Step(_Lenient):
    id: str | None = None
    step_order: int | None = None
    step_type: str | None = None
    content: dict[str, Any] = Field(default_factory=dict)
    options: list[StepOption] = Field(
        default_factory=list, validation_alias=AliasChoices("options_presented", "options")
    )
    selected_option: str | None = None
    free_text_input: str | None = None
    was_skipped: bool = False
    action_result: dict[str, Any] | None = None
    created_at: datetime | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _id_to_str(cls, v: Any) -> Any:
        return id_text(v)

    @field_validator("content", mode="before")
    @classmethod
    def _content(cls, v: Any) -> Any:
        if v is None:
            return {}
        if isinstance(v, str):  # older records kept the step text as a bare string
            return {"text": v}
        return v

    @field_validator("options", mode="before")
    @classmethod
    def _options(cls, v: Any) -> Any:
        return [] if v is None else v

    @field_validator("selected_option", mode="before")
    @classmethod
    def _selected(cls, v: Any) -> Any:
        if v is None or isinstance(v, str):
            return v
        if isinstance(v, bool | int | float):
            return str(v).lower() if isinstance(v, bool) else str(v)
        return v

    @field_validator("was_skipped", mode="before")
    @classmethod
    def _skipped(cls, v: Any) -> Any:
        return False if v is None else v

    @field_validator("created_at", mode="before")
    @classmethod
    def _dt(cls, v: Any) -> Any:
        return _to_utc(v)

    # -- what the note shows -------------------------------------------------------------------
    @property
    def kind(self) -> str | None:
        """``content.type`` if present, else ``step_type`` (what the seed prints in brackets)."""
        t = self.content.get("type")
        if t is None:
            t = self.step_type
        return None if t is None else str(t)

    @property
    def text(self) -> str:
        t = self.content.get("text")
        if t is None:
            return ""
        return t if isinstance(t, str) else str(t)

    def option_label(self, value: str) -> str:
        """The label of the option whose value is ``value``; the value itself when none matches."""
        for opt in self.options:
            if opt.value == value or (opt.value is not None and str(opt.value) == value):
                return opt.label if opt.label is not None else value
        return value

    @property
    def response(self) -> str:
        """The engineer's answer as the seed words it: ``Skipped``, the option's label, or free text."""
        if self.was_skipped:
            return "Skipped"
        if self.selected_option:
            return self.option_label(self.selected_option)
        if self.free_text_input:
            return self.free_text_input
        return ""


class EvidenceItem(_Lenient):
    text: str | None = None
    status: str | None = None


class ChatMessage(_Lenient):
    role: str | None = None
    content: str | None = None
    created_at: datetime | None = None

    @field_validator("content", mode="before")
    @classmethod
    def _content(cls, v: Any) -> Any:
        if v is None or isinstance(v, str):
            return v
        if isinstance(v, list):  # content blocks: [{"type": "text", "text": "..."}]
            parts = [p.get("text", "") if isinstance(p, dict) else str(p) for p in v]
            return "\n".join(p for p in parts if p)
        return str(v)

    @field_validator("created_at", mode="before")
    @classmethod
    def _dt(cls, v: Any) -> Any:
        return _to_utc(v)


_DATETIME_FIELDS = (
    "created_at",
    "updated_at",
    "resolved_at",
    "escalated_at",
    "paused_at",
    "resolution_note_posted_at",
    "escalation_package_posted_at",
)


class Session(_Lenient):
    id: str | None = Field(default=None, validation_alias=AliasChoices("id", "session_id"))
    session_type: str | None = None
    title: str | None = None
    status: str | None = None
    intake_type: str | None = None
    intake_content: dict[str, Any] | None = None
    problem_summary: str | None = None
    problem_domain: str | None = None
    issue_category: str | None = None
    client_name: str | None = None
    asset_name: str | None = None
    triage_hypothesis: str | None = None
    evidence_items: list[EvidenceItem] = Field(default_factory=list)
    confidence_tier: str | None = None
    confidence_score: float | None = None
    psa_ticket_id: int | None = None
    psa_connection_id: str | None = None
    resolution_summary: str | None = None
    resolution_action: str | None = None
    escalation_reason: str | None = None
    escalation_package: dict[str, Any] | None = None
    user: Person | None = None
    escalated_to: Person | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    resolved_at: datetime | None = None
    escalated_at: datetime | None = None
    paused_at: datetime | None = None
    state_version: int | None = None
    resolution_note_markdown: str | None = None
    resolution_note_posted_at: datetime | None = None
    resolution_note_external_id: str | None = None
    escalation_package_markdown: str | None = None
    escalation_package_posted_at: datetime | None = None
    escalation_package_external_id: str | None = None
    steps: list[Step] = Field(default_factory=list)
    conversation_messages: list[ChatMessage] = Field(default_factory=list)

    @field_validator(*_DATETIME_FIELDS, mode="before")
    @classmethod
    def _dt(cls, v: Any) -> Any:
        return _to_utc(v)

    @field_validator(
        "id", "psa_connection_id", "resolution_note_external_id", "escalation_package_external_id", mode="before"
    )
    @classmethod
    def _id_to_str(cls, v: Any) -> Any:
        return id_text(v)

    @field_validator("psa_ticket_id", mode="before")
    @classmethod
    def _ticket(cls, v: Any) -> Any:
        if v is None or v == "":
            return None
        if isinstance(v, str):
            text = v.strip().lstrip("#")
            if text.isdigit() and len(text) <= 20:
                return check_ticket_id(int(text))
            raise ValueError(f"not a ConnectWise ticket number: {v[:30]!r}")
        if isinstance(v, bool) or (isinstance(v, float) and not v.is_integer()):
            raise ValueError(f"not a ConnectWise ticket number: {_json_kind(v)}")
        if isinstance(v, (int, float)):  # 48211.0: a whole number all the same, and checked as one
            return check_ticket_id(int(v))
        return v

    @field_validator("steps", "conversation_messages", "evidence_items", mode="before")
    @classmethod
    def _list(cls, v: Any) -> Any:
        return [] if v is None else v

    @field_validator("escalation_package", "intake_content", mode="before")
    @classmethod
    def _maybe_json_object(cls, v: Any) -> Any:
        if isinstance(v, str):  # JSONB that arrived double-encoded
            try:
                parsed = json.loads(v)
            except ValueError:
                return {"text": v}
            return parsed
        return v

    # -- derived -------------------------------------------------------------------------------
    @property
    def is_chat(self) -> bool:
        return self.session_type == "chat"

    @property
    def is_escalation(self) -> bool:
        return self.status in ESCALATION_STATUSES

    def ordered_steps(self) -> list[Step]:
        """Steps in ``step_order`` (stable; steps without an order keep their place after the ordered ones)."""
        return sorted(self.steps, key=lambda s: (s.step_order is None, s.step_order or 0))

    @property
    def ended_at(self) -> datetime | None:
        """When the work ended: resolved, else escalated."""
        return self.resolved_at or self.escalated_at

    @property
    def duration(self) -> timedelta | None:
        end = self.ended_at
        if end is None or self.created_at is None:
            return None
        return end - self.created_at

    @property
    def intake_text(self) -> str | None:
        if self.intake_content and isinstance(self.intake_content.get("text"), str):
            return self.intake_content["text"]
        return None

    @property
    def summary(self) -> str:
        """One line for lists: the problem summary, else the title, else the first intake line."""
        for candidate in (self.problem_summary, self.title, self.intake_text):
            if candidate and candidate.strip():
                return candidate.strip().splitlines()[0]
        for m in self.conversation_messages:
            if m.role == "user" and m.content and m.content.strip():
                return m.content.strip().splitlines()[0]
        return ""

    @property
    def engineer_name(self) -> str | None:
        return self.user.display_name if self.user and self.user.display_name else None

    @property
    def posted_by_resolutionflow(self) -> bool:
        """ResolutionFlow itself already posted a note for this session to the ticket."""
        return bool(
            self.resolution_note_posted_at
            or self.resolution_note_external_id
            or self.escalation_package_posted_at
            or self.escalation_package_external_id
        )


class SessionFormatError(ValueError):
    """A session that cannot be read. ``str()`` is one line naming the source and the field at fault."""

    def __init__(self, source: str, field: str | None, problem: str) -> None:
        self.source = source
        self.field = field
        self.problem = problem
        where = f"{source}: {field}: " if field else f"{source}: "
        super().__init__(where + problem)


def _field_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


# Keys under which a page of sessions may carry its list ("items" is ResolutionFlow's pattern elsewhere, rf §2.2
# [I]): the client reads a listing's page so, and the importer a saved page.
PAGE_LIST_KEYS = ("items", "sessions", "results", "data")
# A JSON object with none of Session's fields (or their aliases) is something else, not an empty session.
SESSION_MARKS = ("id", "status", "problem_summary", "title", "steps", "conversation_messages")
NOT_A_SESSION = (
    "not a FlowPilot session: it has none of a session's fields (" + ", ".join(SESSION_MARKS) + ", …)"
)


def _session_keys() -> frozenset[str]:
    keys: set[str] = set()
    for name, info in Session.model_fields.items():
        keys.add(name)
        alias = info.validation_alias
        if isinstance(alias, AliasChoices):
            keys.update(a for a in alias.choices if isinstance(a, str))
    return frozenset(keys)


_SESSION_KEYS = _session_keys()


def parse_session(data: Any, source: str = "session") -> Session:
    """Validate one session object; errors become :class:`SessionFormatError` naming the first bad field."""
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else type(data).__name__
        raise SessionFormatError(source, None, f"expected one session (a JSON object), found {kind}")
    try:
        return Session.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        field = _field_path(tuple(err.get("loc", ())))
        msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        more = len(exc.errors()) - 1
        if more:
            msg += f" (and {more} more problem{'s' if more > 1 else ''})"
        raise SessionFormatError(source, field or None, msg) from None


def read_json_file(path: Path, max_bytes: int = 64 * 1024 * 1024) -> Any:
    """Read a JSON file through :mod:`flowdesk.core.userfile` (regular files only, size and depth limits,
    UTF-8 or UTF-16 with a byte-order mark), turning every way it can be unusable into one SessionFormatError."""
    try:
        return read_json(path, max_bytes)
    except UserFileError as exc:
        problem = "is a folder, not a session file" if exc.problem == "is a folder, not a file" else exc.problem
        raise SessionFormatError(exc.source, None, problem) from None


def load_session_file(path: Path) -> Session:
    """One session file; an object with none of a session's fields is refused, not read as an empty session."""
    data = read_json_file(path)
    session = parse_session(data, str(path))
    if not any(name in data for name in _SESSION_KEYS):
        raise SessionFormatError(str(path), None, NOT_A_SESSION)
    return session
