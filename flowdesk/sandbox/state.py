"""Everything the sandbox remembers, behind one lock.

``SandboxState.cond`` is a condition variable over that lock: every change that a test may wait for
(a note stored, a request answered, a request held) notifies it, so ``GET /__sandbox__/wait`` blocks
without polling.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import threading
import uuid
from typing import Any

from flowdesk.sandbox import seed
from flowdesk.sandbox.config import Config, ConfigError, changed
from flowdesk.sandbox.faults import Fault
from flowdesk.sandbox.sessions import SessionStore

MASK = "********"
WAIT_KINDS = ("notes", "time_entries", "requests", "held")
SECRET_BODY_KEYS = {"password", "refresh_token", "access_token", "private_key", "privatekey", "client_secret"}
HIDDEN_HEADERS = {"authorization", "cookie", "proxy-authorization"}


class SandboxState:
    """All mutable state. Hold ``cond`` (``with state.cond:``) to read or change any of it."""

    def __init__(self, secrets_: seed.Secrets, *, seed_data: bool = True, latency_ms: int = 0) -> None:
        self.secrets = secrets_
        self.seed = seed_data
        self.default_latency_ms = latency_ms
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.stopping = threading.Event()
        self.tickets = seed.load_tickets()
        self._sample_sessions = seed.load_sample_sessions() if seed_data else []
        self._history = seed.history_notes(self.tickets, self._sample_sessions) if seed_data else []
        self.sessions = SessionStore()
        self.reset_generation = 0
        self.access_generation = 0
        self.held: dict[int, dict[str, Any]] = {}
        self._next_hold_id = 1
        with self.cond:
            self._reset_locked()

    # -- reset / config -------------------------------------------------------------------------

    def _reset_locked(self) -> None:
        self.reset_generation += 1  # cuts sleeping delays and streams short
        for tid, status in getattr(self, "seeded_statuses", {}).items():  # a status PATCH is undone by a reset
            self.tickets[tid]["status"] = copy.deepcopy(status)
        self.seeded_statuses: dict[int, Any] = {}  # a patched ticket's seeded status (set by the first PATCH)
        self.config = Config(latency_ms=self.default_latency_ms)
        self.notes_by_ticket: dict[int, list[dict[str, Any]]] = {tid: [] for tid in self.tickets}
        for n in self._history:
            self.notes_by_ticket[n["ticketId"]].append(copy.deepcopy(n))
        self.notes: list[dict[str, Any]] = []  # created through the API since the last reset (the ledger)
        self.time_entries: list[dict[str, Any]] = []  # every time entry the API serves
        self.created_time_entries: list[dict[str, Any]] = []  # those created through the API (the ledger)
        self.next_note_id = seed.FIRST_NOTE_ID
        self.next_time_entry_id = seed.FIRST_TIME_ENTRY_ID
        self.requests: list[dict[str, Any]] = []
        self.faults: list[Fault] = []
        self.next_fault_id = 1
        self.sessions.clear()
        self.sessions.upsert(self._sample_sessions)  # read-only: the store serialises them, never changes them
        # ResolutionFlow tokens: access tokens carry the generation they were issued in
        self.access_generation += 1
        self.revoked_access: set[str] = set()
        self.refresh_tokens: dict[str, dict[str, Any]] = {}  # jti -> {"revoked": bool, ...}
        self._abort_holds_locked()
        self.cond.notify_all()

    def reset(self) -> None:
        with self.cond:
            self._reset_locked()

    def apply_config(self, changes: Any) -> dict[str, Any]:
        with self.cond:
            self.config, expire_tokens = changed(self.config, changes)
            if expire_tokens:
                self.access_generation += 1
            self.cond.notify_all()
            return self.config.as_dict()

    def config_dict(self) -> dict[str, Any]:
        with self.cond:
            return self.config.as_dict()

    # -- ConnectWise records --------------------------------------------------------------------

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
        self.created_time_entries.append(entry)
        self.cond.notify_all()
        return entry

    def seed_notes(self, notes: Any) -> list[dict[str, Any]]:
        """Put notes on tickets as if someone else had written them (kept exactly as given, any shape):
        not in the ledger's ``notes``. Each needs a ``ticketId`` of a sandbox ticket; without an ``id`` it
        gets the next one, as a new note would."""
        items = self._records(notes, "notes")
        with self.cond:
            for item in items:
                tid = item.get("ticketId")
                if isinstance(tid, bool) or tid not in self.tickets:
                    raise ConfigError(f"a seeded note needs the ticketId of a sandbox ticket (got {tid!r})")
            taken = {n.get("id") for ns in self.notes_by_ticket.values() for n in ns}
            self._number(items, taken, "note", "next_note_id")
            for item in items:
                self.notes_by_ticket[item["ticketId"]].append(item)
            self.cond.notify_all()
            return copy.deepcopy(items)

    def seed_time_entries(self, entries: Any) -> list[dict[str, Any]]:
        """Time entries someone else entered (kept exactly as given): served by ``/time/entries``, not in the
        ledger's ``time_entries``. Without an ``id`` each gets the next one."""
        items = self._records(entries, "time_entries")
        with self.cond:
            self._number(items, {e.get("id") for e in self.time_entries}, "time entry", "next_time_entry_id")
            self.time_entries.extend(items)
            self.cond.notify_all()
            return copy.deepcopy(items)

    def _number(self, items: list[dict[str, Any]], taken: set[Any], what: str, counter: str) -> None:
        """Refuse an ``id`` already ``taken``; give each item without one the next id from ``counter``."""
        for item in items:
            if "id" in item and item["id"] in taken:
                raise ConfigError(f"{what} id {item['id']} is taken")
            taken.add(item.get("id"))
        for item in items:
            if "id" not in item:
                item["id"] = getattr(self, counter)
                setattr(self, counter, item["id"] + 1)

    @staticmethod
    def _records(value: Any, what: str) -> list[dict[str, Any]]:
        if isinstance(value, dict) and isinstance(value.get(what), list):
            value = value[what]
        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise ConfigError(f"{what} takes a JSON object or a list of objects")
        return copy.deepcopy(value)

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

    def fault_list(self) -> list[dict[str, Any]]:
        with self.cond:
            return [f.as_dict() for f in self.faults]

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

    def sleep(self, seconds: float, generation: int | None = None) -> None:
        """Sleep in a request thread (latency, fault delays, a trickle); a reset or stop ends it early, and so
        does one that came since ``generation`` (the ``reset_generation`` its request started in)."""
        if seconds <= 0:
            return
        with self.cond:
            since = self.reset_generation if generation is None else generation
            self.cond.wait_for(lambda: self.interrupted_since(since), seconds)

    # -- holds ----------------------------------------------------------------------------------

    def begin_hold(self, info: dict[str, Any]) -> dict[str, Any]:
        """Register a held request (listed by ``held`` and counted by ``wait``); ``end_hold`` waits for it."""
        with self.cond:
            record = {"id": self._next_hold_id, **info, "result": None}
            self._next_hold_id += 1
            if self.stopping.is_set():
                record["result"] = "aborted"
            else:
                self.held[record["id"]] = record
            self.cond.notify_all()
            return record

    def end_hold(self, record: dict[str, Any], timeout: float | None = None) -> str | None:
        """``released`` / ``aborted`` (reset or stop), or None when ``timeout`` passed first (still held)."""
        with self.cond:
            self.cond.wait_for(lambda: record["result"] is not None, timeout)
            return record["result"]

    def hold(self, info: dict[str, Any]) -> bool:
        """Block the calling request until ``release()`` (True) or a reset/stop (False)."""
        return self.end_hold(self.begin_hold(info)) == "released"

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
        for record in self.held.values():
            record["result"] = "aborted"
        self.held = {}

    def abort_holds(self) -> None:
        with self.cond:
            self._abort_holds_locked()
            self.cond.notify_all()

    def held_list(self) -> list[dict[str, Any]]:
        with self.cond:
            return [{k: v for k, v in h.items() if k != "result"} for h in self.held.values()]

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
                {"notes": self.notes, "time_entries": self.created_time_entries, "requests": self.requests},
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
            return lambda: sum(1 for e in self.created_time_entries if not ticket or str(e.get("chargeToId")) == ticket)
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

    def stop(self) -> None:
        with self.cond:
            self.stopping.set()
            self._abort_holds_locked()
            self.cond.notify_all()


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
