"""Everything the sandbox remembers, behind one lock.

``SandboxState.cond`` is a condition variable over that lock: every change that a test may wait for
(a note stored, a request answered, a request held) notifies it, so ``GET /__sandbox__/wait`` blocks
without polling.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import re
import secrets
import threading
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from flowdesk.resources import resource_path, samples_dir
from flowdesk.sandbox.sessions import SessionStore

MASK = "********"

# The member who owns the sandbox's API keys.
MEMBER_ID = 147
MEMBER_IDENTIFIER = "dwhitfield"
MEMBER_NAME = "Dana Whitfield"
MEMBER_EMAIL = "dana.whitfield@harborline-it.example"

# The ResolutionFlow demo user (the same person; the id is the one the samples use for Dana).
RF_USER_ID = "34296a83-d4a8-442a-a7f8-c874e6b9197d"
RF_ACCOUNT_ID = "0f5c2a5e-51c6-4d38-9d8e-7c1b1f4b2a10"

DEFAULT_CODEBASE = "v2025_1/"
DEFAULT_API_VERSION = "2025.16"

FIRST_NOTE_ID = 1_200_001
FIRST_TIME_ENTRY_ID = 90_001

_CODEBASE_RX = re.compile(r"^v\d{4}_\d{1,2}/$")
_VERSION_RX = re.compile(r"^(\d{4})\.(\d{1,2})$")

FAULT_KEYS = {
    "method",
    "path",
    "times",
    "status",
    "retry_after",
    "store",
    "delay_ms",
    "delay_after_store_ms",
    "drop",
    "body",
    "hold",
    "redirect",
    "body_bytes",
    "endless",
    "trickle_ms",
}
WAIT_KINDS = ("notes", "time_entries", "requests", "held")
SECRET_BODY_KEYS = {"password", "refresh_token", "access_token", "private_key", "privatekey", "client_secret"}
HIDDEN_HEADERS = {"authorization", "cookie", "proxy-authorization"}


class ConfigError(ValueError):
    """A bad admin request (config key, fault spec, wait filter); the message goes back as a 400."""


def utcnow() -> datetime:
    return datetime.now(UTC)


def cw_time(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_ms(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# ------------------------------------------------------------------------------------------- config


@dataclass
class MemberConfig:
    can_add_notes: bool = True
    can_add_time: bool = True
    require_start_end: bool = False
    time_zone: str = "Eastern Standard Time"


@dataclass
class RFConfig:
    access_ttl: int = 300
    refresh_ttl: int = 7 * 24 * 3600
    refresh_error: str | None = None  # None | "session_expired_idle" | "invalid_refresh_token" | ...
    subscription_lapsed: bool = False
    role: str = "engineer"
    list_shape: str = "page"  # "page" ({items,total,page,page_size}) | "bare" (a JSON list)


@dataclass
class Config:
    latency_ms: int = 0
    codebase: str = DEFAULT_CODEBASE
    api_version: str = DEFAULT_API_VERSION
    member: MemberConfig = field(default_factory=MemberConfig)
    resolutionflow: RFConfig = field(default_factory=RFConfig)


def _as_bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{name} must be true or false")
    return value


def _as_int(name: str, value: Any, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{name} must be an integer >= {minimum}")
    return value


def version_tuple(text: str) -> tuple[int, int] | None:
    m = _VERSION_RX.match(text or "")
    if not m:
        return None
    return int(m.group(1)), int(m.group(2))


# ------------------------------------------------------------------------------------------- faults


@dataclass
class Fault:
    id: int
    method: str | None = None
    path: str = "*"
    times: int | None = 1
    status: int | None = None
    retry_after: int | str | None = None
    store: bool = False
    delay_ms: int = 0
    delay_after_store_ms: int = 0
    drop: str | None = None
    body: str | None = None
    hold: str | None = None
    redirect: str | None = None
    body_bytes: int | None = None
    endless: bool = False
    trickle_ms: int = 0
    applied: int = 0

    @classmethod
    def from_spec(cls, fault_id: int, spec: Any) -> Fault:
        if not isinstance(spec, dict):
            raise ConfigError("a fault is a JSON object")
        unknown = set(spec) - FAULT_KEYS
        if unknown:
            raise ConfigError(f"unknown fault keys: {', '.join(sorted(unknown))}")
        f = cls(id=fault_id)
        method = spec.get("method")
        if method is not None:
            if not isinstance(method, str) or not method:
                raise ConfigError("method must be an HTTP method or null")
            f.method = None if method == "*" else method.upper()
        path = spec.get("path", "*")
        if not isinstance(path, str) or not path:
            raise ConfigError("path must be an fnmatch pattern")
        f.path = path
        times = spec.get("times", 1)
        if times is not None:
            f.times = _as_int("times", times, 1)
        else:
            f.times = None
        status = spec.get("status")
        if status is not None:
            f.status = _as_int("status", status, 100)
            if f.status > 599:
                raise ConfigError("status must be an HTTP status")
        retry_after = spec.get("retry_after")
        if retry_after is not None and not (
            isinstance(retry_after, str) or (isinstance(retry_after, int) and not isinstance(retry_after, bool))
        ):
            raise ConfigError("retry_after must be seconds or an HTTP date")
        f.retry_after = retry_after
        f.store = _as_bool("store", spec.get("store", False))
        f.delay_ms = _as_int("delay_ms", spec.get("delay_ms", 0) or 0)
        f.delay_after_store_ms = _as_int("delay_after_store_ms", spec.get("delay_after_store_ms", 0) or 0)
        for name, allowed in (
            ("drop", ("before_store", "after_store")),
            ("hold", ("before_store", "after_store")),
            ("body", ("html", "malformed_json", "empty")),
        ):
            value = spec.get(name)
            if value is not None and value not in allowed:
                raise ConfigError(f"{name} must be null or one of: {', '.join(allowed)}")
            setattr(f, name, value)
        redirect = spec.get("redirect")
        if redirect is not None:
            if not isinstance(redirect, str) or not redirect.startswith(("http://", "https://", "/")):
                raise ConfigError("redirect must be a URL (http://, https://) or a path")
            f.redirect = redirect
            if f.status is not None and f.status not in (301, 302, 303, 307, 308):
                raise ConfigError("a redirect's status must be 301, 302, 303, 307 or 308")
        body_bytes = spec.get("body_bytes")
        if body_bytes is not None:
            f.body_bytes = _as_int("body_bytes", body_bytes, 2)
        f.endless = _as_bool("endless", spec.get("endless", False))
        f.trickle_ms = _as_int("trickle_ms", spec.get("trickle_ms", 0) or 0)
        streams = [name for name in ("body_bytes", "endless", "trickle_ms") if getattr(f, name)]
        if len(streams) > 1:
            raise ConfigError(f"only one of body_bytes, endless and trickle_ms at a time (got {', '.join(streams)})")
        if (streams or f.redirect) and (f.drop or f.body):
            raise ConfigError("redirect, body_bytes, endless and trickle_ms cannot go with drop or body")
        if f.redirect and streams:
            raise ConfigError("a redirect has no body: body_bytes, endless and trickle_ms cannot go with it")
        if f.store and f.status is None:
            raise ConfigError("store only makes sense with a status (store, then answer with that error)")
        if f.drop and (f.status is not None or f.body is not None):
            raise ConfigError("drop sends no response, so status and body cannot go with it")
        effects = (f.status, f.delay_ms, f.delay_after_store_ms, f.drop, f.body, f.hold, f.retry_after, f.redirect,
                   f.body_bytes, f.endless, f.trickle_ms)
        if not any(effects):
            raise ConfigError(
                "this fault does nothing: give status, body, delay_ms, delay_after_store_ms, drop, hold, redirect, "
                "body_bytes, endless or trickle_ms"
            )
        return f

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method.upper():
            return False
        return fnmatch.fnmatchcase(path, self.path)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# ------------------------------------------------------------------------------------------- seeding


def load_tickets() -> dict[int, dict[str, Any]]:
    data = json.loads(resource_path("sandbox", "tickets.json").read_text(encoding="utf-8"))
    return {int(t["id"]): t for t in data}


def load_sample_sessions() -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(samples_dir().glob("*.json"))]


def _member_ref(identifier: str, member_id: int, name: str) -> dict[str, Any]:
    return {"id": member_id, "identifier": identifier, "name": name}


def history_notes(tickets: dict[int, dict[str, Any]], sessions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Notes a real ticket would already carry: the initial description, and ResolutionFlow's own
    resolution note where a sample says it was posted (sample 12, note 1184523)."""
    notes: list[dict[str, Any]] = []
    next_id = 1_180_001
    portal = _member_ref("Portal", 1, "Customer Portal")
    for tid in sorted(tickets):
        t = tickets[tid]
        info = t.get("_info") or {}
        created = info.get("dateEntered") or "2026-11-01T00:00:00Z"
        by = info.get("enteredBy") or "Portal"
        notes.append(
            {
                "id": next_id,
                "ticketId": tid,
                "text": f"{t.get('summary', '')}\n\nReported by {t.get('contactName') or 'the client'}.",
                "detailDescriptionFlag": True,
                "internalAnalysisFlag": False,
                "resolutionFlag": False,
                "issueFlag": False,
                "member": portal if by == "Portal" else _member_ref(by, 100 + len(by), by),
                "dateCreated": created,
                "createdBy": by,
                "internalFlag": False,
                "externalFlag": True,
                "customerUpdatedFlag": False,
                "_info": {"lastUpdated": created, "updatedBy": by},
            }
        )
        next_id += 1
    rf_member = _member_ref("ResolutionFlowAPI", 212, "ResolutionFlow API")
    for s in sessions:
        ext = s.get("resolution_note_external_id")
        ticket_id = s.get("psa_ticket_id")
        if ext and str(ext).isdigit() and isinstance(ticket_id, int) and ticket_id in tickets:
            posted = s.get("resolution_note_posted_at") or "2026-11-01T00:00:00Z"
            notes.append(
                {
                    "id": int(ext),
                    "ticketId": ticket_id,
                    "text": s.get("resolution_note_markdown") or "",
                    "detailDescriptionFlag": False,
                    "internalAnalysisFlag": False,
                    "resolutionFlag": True,
                    "issueFlag": False,
                    "member": rf_member,
                    "dateCreated": posted,
                    "createdBy": "ResolutionFlowAPI",
                    "internalFlag": False,
                    "externalFlag": True,
                    "customerUpdatedFlag": False,
                    "_info": {"lastUpdated": posted, "updatedBy": "ResolutionFlowAPI"},
                }
            )
    return notes


# ------------------------------------------------------------------------------------------- state


@dataclass(frozen=True)
class Secrets:
    company: str
    public_key: str
    private_key: str
    rf_email: str
    rf_password: str
    jwt_key: bytes


class SandboxState:
    """All mutable state. Hold ``cond`` (``with state.cond:``) to read or change any of it."""

    def __init__(self, secrets_: Secrets, *, seed: bool = True, latency_ms: int = 0) -> None:
        self.secrets = secrets_
        self.seed = seed
        self.default_latency_ms = latency_ms
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.stopping = threading.Event()
        self.tickets = load_tickets()
        self._sample_sessions = load_sample_sessions() if seed else []
        self._history = history_notes(self.tickets, self._sample_sessions) if seed else []
        self.sessions = SessionStore()
        with self.cond:
            self._reset_locked()

    # -- reset / config -------------------------------------------------------------------------

    def _reset_locked(self) -> None:
        self.reset_generation = getattr(self, "reset_generation", 0) + 1  # cuts sleeping delays short
        self.config = Config(latency_ms=self.default_latency_ms)
        self.notes_by_ticket: dict[int, list[dict[str, Any]]] = {tid: [] for tid in self.tickets}
        for n in self._history:
            self.notes_by_ticket[n["ticketId"]].append(copy.deepcopy(n))
        self.notes: list[dict[str, Any]] = []  # created through the API since the last reset (the ledger)
        self.time_entries: list[dict[str, Any]] = []
        self.next_note_id = FIRST_NOTE_ID
        self.next_time_entry_id = FIRST_TIME_ENTRY_ID
        self.requests: list[dict[str, Any]] = []
        self.faults: list[Fault] = []
        self.next_fault_id = 1
        self.sessions.clear()
        self.sessions.upsert(copy.deepcopy(self._sample_sessions))
        # ResolutionFlow tokens: access tokens carry the generation they were issued in
        self.access_generation = getattr(self, "access_generation", 0) + 1
        self.revoked_access: set[str] = set()
        self.refresh_tokens: dict[str, dict[str, Any]] = {}  # jti -> {"revoked": bool, ...}
        self._abort_holds_locked()
        self.cond.notify_all()

    def reset(self) -> None:
        with self.cond:
            self._reset_locked()

    def apply_config(self, changes: Any) -> dict[str, Any]:
        if not isinstance(changes, dict):
            raise ConfigError("config takes a JSON object")
        with self.cond:
            cfg = copy.deepcopy(self.config)
            expire_tokens = False
            for key, value in changes.items():
                if key == "latency_ms":
                    cfg.latency_ms = _as_int(key, value)
                elif key == "codebase":
                    if not isinstance(value, str):
                        raise ConfigError("codebase must look like v2026_1/")
                    value = value.strip("/") + "/"
                    if not _CODEBASE_RX.match(value):
                        raise ConfigError("codebase must look like v2026_1/")
                    cfg.codebase = value
                    if "api_version" not in changes:
                        year, release = int(value[1:5]), int(value[6:-1])
                        if version_tuple(cfg.api_version) < (year, release):  # type: ignore[operator]
                            cfg.api_version = f"{year}.{release}"
                elif key == "api_version":
                    if not isinstance(value, str) or version_tuple(value) is None:
                        raise ConfigError("api_version must look like 2025.16")
                    cfg.api_version = value
                elif key == "member":
                    if not isinstance(value, dict):
                        raise ConfigError("member takes an object")
                    for mk, mv in value.items():
                        if mk in ("can_add_notes", "can_add_time", "require_start_end"):
                            setattr(cfg.member, mk, _as_bool(f"member.{mk}", mv))
                        elif mk == "time_zone":
                            if not isinstance(mv, str) or not mv:
                                raise ConfigError("member.time_zone must be a Windows time zone name")
                            cfg.member.time_zone = mv
                        else:
                            raise ConfigError(f"unknown member setting: {mk}")
                elif key == "resolutionflow":
                    if not isinstance(value, dict):
                        raise ConfigError("resolutionflow takes an object")
                    rf = cfg.resolutionflow
                    for rk, rv in value.items():
                        if rk in ("access_ttl", "refresh_ttl"):
                            setattr(rf, rk, _as_int(f"resolutionflow.{rk}", rv, 1))
                        elif rk == "expire_access_tokens":
                            expire_tokens = _as_bool("resolutionflow.expire_access_tokens", rv)
                        elif rk == "subscription_lapsed":
                            rf.subscription_lapsed = _as_bool("resolutionflow.subscription_lapsed", rv)
                        elif rk == "refresh_error":
                            if rv is not None and (not isinstance(rv, str) or not rv):
                                raise ConfigError("resolutionflow.refresh_error must be null or a detail string")
                            rf.refresh_error = rv
                        elif rk == "role":
                            if rv not in ("viewer", "engineer", "owner", "super_admin"):
                                raise ConfigError("resolutionflow.role must be viewer, engineer, owner or super_admin")
                            rf.role = rv
                        elif rk == "list_shape":
                            if rv not in ("page", "bare"):
                                raise ConfigError("resolutionflow.list_shape must be page or bare")
                            rf.list_shape = rv
                        else:
                            raise ConfigError(f"unknown resolutionflow setting: {rk}")
                else:
                    raise ConfigError(f"unknown config key: {key}")
            self.config = cfg
            if expire_tokens:
                self.access_generation += 1
            self.cond.notify_all()
            return self.config_dict_locked()

    def config_dict_locked(self) -> dict[str, Any]:
        return asdict(self.config)

    # -- ConnectWise ----------------------------------------------------------------------------

    def member_ref(self) -> dict[str, Any]:
        return _member_ref(MEMBER_IDENTIFIER, MEMBER_ID, MEMBER_NAME)

    def add_note_locked(self, note: dict[str, Any]) -> dict[str, Any]:
        note["id"] = self.next_note_id
        self.next_note_id += 1
        self.notes_by_ticket.setdefault(note["ticketId"], []).append(note)
        self.notes.append(note)
        self.cond.notify_all()
        return note

    def add_time_entry_locked(self, entry: dict[str, Any]) -> dict[str, Any]:
        entry["id"] = self.next_time_entry_id
        self.next_time_entry_id += 1
        self.time_entries.append(entry)
        self.cond.notify_all()
        return entry

    # -- faults ---------------------------------------------------------------------------------

    def add_fault(self, spec: Any) -> Fault:
        with self.cond:
            fault = Fault.from_spec(self.next_fault_id, spec)
            self.next_fault_id += 1
            self.faults.append(fault)
            return fault

    def clear_faults(self) -> int:
        with self.cond:
            n = len(self.faults)
            self.faults.clear()
            return n

    def remove_fault(self, fault_id: int) -> bool:
        with self.cond:
            before = len(self.faults)
            self.faults = [f for f in self.faults if f.id != fault_id]
            return len(self.faults) != before

    def take_fault(self, method: str, path: str) -> Fault | None:
        """The first fault matching this request (consuming one of its ``times``), or None."""
        with self.cond:
            for i, f in enumerate(self.faults):
                if f.matches(method, path):
                    f.applied += 1
                    if f.times is not None:
                        f.times -= 1
                        if f.times <= 0:
                            del self.faults[i]
                    return copy.copy(f)
            return None

    def interrupted_since(self, generation: int) -> bool:
        """True once the sandbox stops or is reset after ``generation`` (``reset_generation`` read earlier)."""
        return self.stopping.is_set() or self.reset_generation != generation

    def sleep(self, seconds: float) -> None:
        """Sleep in a request thread (latency, fault delays); a reset or stop ends it early."""
        if seconds <= 0:
            return
        with self.cond:
            generation = self.reset_generation
            self.cond.wait_for(lambda: self.stopping.is_set() or self.reset_generation != generation, seconds)

    # -- holds ----------------------------------------------------------------------------------

    def hold(self, info: dict[str, Any]) -> bool:
        """Block the calling request until ``release()`` (True) or a reset/stop (False)."""
        with self.cond:
            if self.stopping.is_set():
                return False
            hold_id = getattr(self, "_next_hold_id", 1)
            self._next_hold_id = hold_id + 1
            record = {"id": hold_id, **info, "result": None}
            self.held[hold_id] = record
            self.cond.notify_all()
            self.cond.wait_for(lambda: record["result"] is not None)
            return record["result"] == "released"

    def release(self) -> int:
        with self.cond:
            n = 0
            for record in list(self.held.values()):
                record["result"] = "released"
                n += 1
            self.held.clear()
            self.cond.notify_all()
            return n

    def _abort_holds_locked(self) -> None:
        held = getattr(self, "held", {})
        for record in held.values():
            record["result"] = "aborted"
        self.held: dict[int, dict[str, Any]] = {}

    def abort_holds(self) -> None:
        with self.cond:
            self._abort_holds_locked()
            self.cond.notify_all()

    # -- ledger and waiting ---------------------------------------------------------------------

    def record_request(self, entry: dict[str, Any]) -> None:
        with self.cond:
            self.requests.append(entry)
            self.cond.notify_all()

    def ledger(self) -> dict[str, Any]:
        return json.loads(self.ledger_json())

    def ledger_json(self) -> bytes:
        """The ledger as JSON, encoded under the lock (records are never mutated once stored)."""
        with self.cond:
            return json.dumps(
                {"notes": self.notes, "time_entries": self.time_entries, "requests": self.requests},
                ensure_ascii=False,
                separators=(",", ":"),
            ).encode("utf-8")

    def _counter(self, what: str, filters: dict[str, str]) -> Any:
        allowed = {
            "notes": {"ticket"},
            "time_entries": {"ticket"},
            "requests": {"method", "path", "status"},
            "held": {"method", "path"},
        }
        if what not in allowed:
            raise ConfigError(f"what must be one of: {', '.join(WAIT_KINDS)}")
        unknown = set(filters) - allowed[what]
        if unknown:
            raise ConfigError(f"{what} cannot be filtered by: {', '.join(sorted(unknown))}")
        method = (filters.get("method") or "").upper() or None
        path = filters.get("path")
        status = filters.get("status")
        ticket = filters.get("ticket")

        def ok(item: dict[str, Any]) -> bool:
            if method and item.get("method") != method:
                return False
            if path and not fnmatch.fnmatchcase(item.get("path", ""), path):
                return False
            return not (status and str(item.get("status")) != status)

        if what == "notes":
            return lambda: sum(1 for n in self.notes if not ticket or str(n.get("ticketId")) == ticket)
        if what == "time_entries":
            return lambda: sum(1 for e in self.time_entries if not ticket or str(e.get("chargeToId")) == ticket)
        if what == "requests":
            return lambda: sum(1 for r in self.requests if ok(r))
        return lambda: sum(1 for h in self.held.values() if ok(h))

    def wait(self, what: str, count: int, timeout: float, filters: dict[str, str]) -> tuple[bool, int]:
        """Block until ``count`` items of ``what`` exist (held: are held right now). ``(reached, current)``."""
        counter = self._counter(what, filters)
        with self.cond:
            reached = self.cond.wait_for(lambda: counter() >= count or self.stopping.is_set(), timeout)
            current = counter()
            return bool(reached) and current >= count, current

    def held_list(self) -> list[dict[str, Any]]:
        with self.cond:
            return [{k: v for k, v in h.items() if k != "result"} for h in self.held.values()]

    def stop(self) -> None:
        with self.cond:
            self.stopping.set()
            self._abort_holds_locked()
            self.cond.notify_all()


def new_secrets(company: str = "flowdesk_sandbox") -> Secrets:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

    def key() -> str:
        return "".join(secrets.choice(alphabet) for _ in range(16))

    public = key()
    private = key()
    while private == public:
        private = key()
    return Secrets(
        company=company,
        public_key=public,
        private_key=private,
        rf_email=MEMBER_EMAIL,
        rf_password="Sbx-" + secrets.token_urlsafe(18),
        jwt_key=secrets.token_bytes(32),
    )


def mask_value(value: Any, secrets_: list[str]) -> Any:
    """Recursively mask secret-looking keys and any known secret string inside a recorded body."""
    if isinstance(value, dict):
        return {
            k: (MASK if isinstance(k, str) and k.lower() in SECRET_BODY_KEYS and v not in (None, "") else mask_value(v, secrets_))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [mask_value(v, secrets_) for v in value]
    if isinstance(value, str):
        for s in secrets_:
            if s and s in value:
                value = value.replace(s, MASK)
        return value
    return value


def new_request_id() -> str:
    return str(uuid.uuid4())
