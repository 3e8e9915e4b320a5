"""ConnectWise tickets, their boards' statuses and their notes (ref §3, §4)."""

from __future__ import annotations

import copy
from typing import Any

from flowdesk.sandbox import conditions as cond
from flowdesk.sandbox.config import add_level
from flowdesk.sandbox.connectwise.common import (
    BOOLEAN_MESSAGE,
    KIND_BY_TYPE,
    bool_error,
    count_response,
    envelope,
    field_error,
    invalid_object,
    list_response,
    member_mismatch,
    not_found,
    project,
    security,
    unknown_member,
)
from flowdesk.sandbox.http import BadJson, Request, Response, dumps, json_response, raw_json_response, route
from flowdesk.sandbox.seed import MEMBER_IDENTIFIER, cw_time, member_ref, utcnow
from flowdesk.sandbox.state import SandboxState

NOTE_FLAG_MESSAGE = "Please choose where to display the notes in order to save this record."  # ref §3, verbatim
# The spec's models (ConnectWise Manage OpenAPI v2025.8, tests/connectwise/schemas): a service note is a
# ServiceNote (17 properties), a project note a TicketNote (14: no dateCreated, createdBy, sentimentScore).
SERVICE_NOTE_FIELDS = frozenset({
    "id", "ticketId", "text", "detailDescriptionFlag", "internalAnalysisFlag", "resolutionFlag", "issueFlag",
    "member", "contact", "customerUpdatedFlag", "processNotifications", "dateCreated", "createdBy",
    "internalFlag", "externalFlag", "sentimentScore", "_info",
})  # fmt: skip
PROJECT_NOTE_FIELDS = SERVICE_NOTE_FIELDS - {"dateCreated", "createdBy", "sentimentScore"}
NOTE_FIELDS = {"service": SERVICE_NOTE_FIELDS, "project": PROJECT_NOTE_FIELDS}
NOTE_TYPE = {"service": "ServiceNote", "project": "TicketNote"}
# A project ticket is a ProjectTicket: it has no recordType (the sandbox keeps it to tell the kinds apart).
PROJECT_TICKET_HIDDEN = ("recordType",)


def note_view(note: dict[str, Any], kind: str) -> dict[str, Any]:
    """A stored note as ConnectWise serves it on the ``kind`` path: only the model's properties, no nulls."""
    fields = NOTE_FIELDS[kind]
    return {k: copy.deepcopy(v) for k, v in note.items() if k in fields and v is not None}


NOTE_FLAGS = ("detailDescriptionFlag", "internalAnalysisFlag", "resolutionFlag", "issueFlag",
              "customerUpdatedFlag", "processNotifications", "internalFlag", "externalFlag")  # fmt: skip


def notification(status: dict[str, Any], who: str) -> dict[str, Any]:
    """A ``BoardStatusNotification``: ConnectWise notifies ``who`` when a ticket is set to ``status``."""
    return {
        "id": status["id"] * 10 + 1,
        "notifyWho": {"id": 1 if who == "Contact" else 2, "identifier": who, "name": who},
        "status": {"id": status["id"], "name": status["name"]},
        "workflowStep": 0,
        "_info": {"lastUpdated": "2026-01-05T08:00:00Z", "updatedBy": "admin"},
    }


NOTIFICATION_SCHEMA = cond.schema_of(notification({"id": 1, "name": "x"}, "Contact"))


class Tickets:
    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self._ticket_json: dict[int, bytes] = {}
        self._generation = state.reset_generation
        self._board_statuses: dict[int, list[dict[str, Any]]] = {}
        self.note_schema = cond.schema_of(self._note_template())

    def may_read(self) -> bool:
        """The member's tickets' inquire level is not None (a 403 on every ticket read otherwise)."""
        with self.state.cond:
            return add_level(self.state.config.member.can_read_tickets) != "None"

    def find(self, tid: int, kind: str) -> dict[str, Any] | None:
        t = self.state.tickets.get(tid)
        if t is None or KIND_BY_TYPE.get(str(t.get("recordType"))) != kind:
            return None
        return t

    @staticmethod
    def public(t: dict[str, Any]) -> dict[str, Any]:
        """The ticket as ConnectWise serves it: a Ticket, or a ProjectTicket (no recordType); no nulls."""
        out = {k: copy.deepcopy(v) for k, v in t.items() if v is not None}
        out.pop("statusTimeEntryNotAllowed", None)  # a sandbox-only hint, not a CW ticket field
        if KIND_BY_TYPE.get(str(t.get("recordType"))) == "project":
            for name in PROJECT_TICKET_HIDDEN:
                out.pop(name, None)
        return out

    @route("GET", r"/(?P<kind>service|project)/tickets/(?P<tid>\d+)")
    def get_ticket(self, req: Request, kind: str, tid: str) -> Response:
        if not self.may_read():
            return security()
        # ref §4: a service id asked on the project path (and vice versa) is 404 "Ticket N not found"
        t = self.find(int(tid), kind.lower())
        if t is None:
            return not_found(f"Ticket {int(tid)} not found")
        fields = req.query_ci("fields")
        if fields:
            return json_response(200, project(self.public(t), [f.strip() for f in fields.split(",") if f.strip()]))
        if self._generation != self.state.reset_generation:  # a reset undid status changes
            self._ticket_json.clear()
            self._generation = self.state.reset_generation
        cached = self._ticket_json.get(t["id"])
        if cached is None:  # tickets change only by a status PATCH, so their JSON is built once per status
            cached = self._ticket_json[t["id"]] = dumps(self.public(t))
        return raw_json_response(200, cached)

    @route("PATCH", r"/(?P<kind>service|project)/tickets/(?P<tid>\d+)")
    def patch_ticket(self, req: Request, kind: str, tid: str) -> Response:
        """JSON Patch (spec: a list of PatchOperation); the sandbox changes ``status`` only, and answers the
        whole ticket (200). ``member.ignore_status``: the answer says 200 and the status stays."""
        t = self.find(int(tid), kind.lower())
        if t is None:
            return not_found(f"Ticket {int(tid)} not found")
        try:
            ops = req.json
        except BadJson:
            return envelope(400, "ConnectWiseApi", "The request body is not a valid list of PatchOperation.")
        if not isinstance(ops, list) or not all(isinstance(o, dict) for o in ops):
            return envelope(400, "ConnectWiseApi", "Expected a list of PatchOperation in the request body.")
        status_id: Any = None
        for op in ops:
            if str(op.get("op", "")).lower() != "replace" or op.get("path") not in ("status/id", "/status/id", "status"):
                return invalid_object("ticket", [field_error("InvalidField", f"Cannot patch {op.get('path')!r}.", "ticket", str(op.get("path")))])
            value = op.get("value")
            status_id = value.get("id") if isinstance(value, dict) else value
        board = (t.get("board") or {}).get("id")
        status = next((s for s in self._statuses(board) if s["id"] == status_id), None) if board else None
        if status is None:
            return invalid_object("ticket", [field_error("InvalidField", f"Status {status_id!r} is not a status of this board.", "ticket", "status")])
        with self.state.cond:
            ignore = self.state.config.member.ignore_status
            if not ignore:
                self.state.seeded_statuses.setdefault(t["id"], copy.deepcopy(t.get("status")))
                t["status"] = {"id": status["id"], "name": status["name"]}
                self._ticket_json.pop(t["id"], None)
            out = self.public(t)
        return json_response(200, out)

    @route("GET", r"/service/boards/(?P<bid>\d+)/statuses")
    def board_statuses(self, req: Request, bid: str) -> Response:
        statuses = self._statuses(int(bid))
        if not statuses:
            return not_found(f"Board {int(bid)} not found")
        return list_response(req, statuses, cond.schema_of(statuses[0]), state=self.state)

    @route("GET", r"/service/boards/(?P<bid>\d+)/statuses/(?P<sid>\d+)")
    def board_status(self, req: Request, bid: str, sid: str) -> Response:
        for s in self._statuses(int(bid)):
            if s["id"] == int(sid):
                return json_response(200, s)
        return not_found(f"BoardStatus {int(sid)} not found")

    @route("GET", r"/service/boards/(?P<bid>\d+)/statuses/(?P<sid>\d+)/notifications")
    def status_notifications(self, req: Request, bid: str, sid: str) -> Response:
        """A status's notifications (``BoardStatusNotification``: whom ConnectWise notifies when a ticket is set
        to it). CHOICE: the sandbox's boards notify the ticket's contact on a closed status and a "Resolved…"
        one (a usual MSP set-up), and the ticket's resources on an "Escalated…" one; the others notify no one. ``notifyWho`` as ConnectWise's "Notify Who" list names them."""
        status = next((s for s in self._statuses(int(bid)) if s["id"] == int(sid)), None)
        if status is None:
            return not_found(f"BoardStatus {int(sid)} not found")
        name = str(status["name"])
        who = "Contact" if status["closedStatus"] or name.startswith("Resolved") else (
            "Resources" if name.startswith("Escalated") else None)  # fmt: skip
        records = [] if who is None else [notification(status, who)]
        return list_response(req, records, NOTIFICATION_SCHEMA, state=self.state)

    def _statuses(self, board_id: int) -> list[dict[str, Any]]:
        """A board's statuses, as first derived (a status PATCH moves tickets, not the board's statuses)."""
        if board_id not in self._board_statuses:
            self._board_statuses[board_id] = self._derive_statuses(board_id)
        return self._board_statuses[board_id]

    def _derive_statuses(self, board_id: int) -> list[dict[str, Any]]:
        """Board statuses derived from the seeded tickets (ref §4: ``closedStatus``, ``timeEntryNotAllowed``).
        CHOICE: project boards are service boards with ``projectFlag`` in ConnectWise, so board 12 is here too."""
        out: dict[int, dict[str, Any]] = {}
        for t in self.state.tickets.values():
            board = t.get("board") or {}
            status = t.get("status") or {}
            if board.get("id") != board_id or status.get("id") in out:
                continue
            if status.get("id") is None:
                continue
            out[status["id"]] = {
                "id": status["id"],
                "name": status.get("name"),
                "board": {"id": board_id, "name": board.get("name")},
                "sortOrder": len(out),
                "displayOnBoard": not t.get("closedFlag", False),
                "inactive": False,
                "closedStatus": bool(t.get("closedFlag", False)),
                "timeEntryNotAllowed": bool(t.get("statusTimeEntryNotAllowed", False)),
                "defaultFlag": False,
                "escalationStatus": "NotResponded",
                "customerPortalDescription": status.get("name"),
                "customerPortalFlag": True,
                "_info": {"lastUpdated": "2026-01-05T08:00:00Z", "updatedBy": "admin"},
            }
        return [out[k] for k in sorted(out)]

    # -- notes ------------------------------------------------------------------------------------------

    @staticmethod
    def _note_template() -> dict[str, Any]:
        return {
            "id": 1, "ticketId": 1, "text": "x", "detailDescriptionFlag": True, "internalAnalysisFlag": False,
            "resolutionFlag": False, "issueFlag": False,
            "member": {"id": 1, "identifier": "x", "name": "x"},
            "dateCreated": "2026-01-01T00:00:00Z", "createdBy": "x", "internalFlag": False, "externalFlag": True,
            "customerUpdatedFlag": False, "_info": {"lastUpdated": "2026-01-01T00:00:00Z", "updatedBy": "x"},
        }  # fmt: skip

    @route("GET POST", r"/(?P<kind>service|project)/tickets/(?P<tid>\d+)/notes")
    def notes(self, req: Request, kind: str, tid: str) -> Response:
        kind = kind.lower()
        ticket_id = int(tid)
        if self.find(ticket_id, kind) is None:
            return not_found(f"Ticket {ticket_id} not found")
        if req.method == "POST":
            return self._post_note(req, kind, ticket_id)
        with self.state.cond:
            records = [note_view(n, kind) for n in self.state.notes_by_ticket.get(ticket_id, [])]
        return list_response(req, records, self.note_schema, state=self.state)

    @route("GET", r"/(?P<kind>service|project)/tickets/(?P<tid>\d+)/notes/count")
    def notes_count(self, req: Request, kind: str, tid: str) -> Response:
        ticket_id = int(tid)
        if self.find(ticket_id, kind.lower()) is None:
            return not_found(f"Ticket {ticket_id} not found")
        with self.state.cond:
            records = list(self.state.notes_by_ticket.get(ticket_id, []))
        return count_response(req, records, self.note_schema)

    @route("GET", r"/(?P<kind>service|project)/tickets/(?P<tid>\d+)/notes/(?P<nid>\d+)")
    def get_note(self, req: Request, kind: str, tid: str, nid: str) -> Response:
        ticket_id = int(tid)
        if self.find(ticket_id, kind.lower()) is None:
            return not_found(f"Ticket {ticket_id} not found")
        with self.state.cond:
            for n in self.state.notes_by_ticket.get(ticket_id, []):
                if n["id"] == int(nid):
                    return json_response(200, note_view(n, kind.lower()))
        return not_found(f"Note {int(nid)} not found")

    def _post_note(self, req: Request, kind: str, ticket_id: int) -> Response:
        resource = "serviceNote" if kind == "service" else "ticketNote"
        type_name = NOTE_TYPE[kind]
        with self.state.cond:
            allowed = add_level(self.state.config.member.can_add_notes) != "None"
        if not allowed:
            return security()
        try:
            body = req.json
        except BadJson:
            return envelope(400, "ConnectWiseApi", f"The request body is not valid JSON for a {type_name}.")
        if not isinstance(body, dict):
            return envelope(400, "ConnectWiseApi", f"Expected a {type_name} object in the request body.")
        for name in body:
            if name not in NOTE_FIELDS[kind]:
                return unknown_member(name, type_name)
        if bool_error(body, NOTE_FLAGS):
            return envelope(400, "ConnectWiseApi", BOOLEAN_MESSAGE)
        if member_mismatch(body):
            return security()
        errors = []
        text = body.get("text")
        if text is not None and not isinstance(text, str):
            errors.append(field_error("InvalidField", "text must be a string.", resource, "text"))
        elif not text or not text.strip():
            # CHOICE: the reference shows no message for an empty note; a NullValue field error.
            errors.append(field_error("NullValue", "text is required.", resource, "text"))
        detail = bool(body.get("detailDescriptionFlag"))
        internal = bool(body.get("internalAnalysisFlag"))
        resolution = bool(body.get("resolutionFlag"))
        if not (detail or internal or resolution):
            # ref §3 [V LabtechConsulting#12]: 400 InvalidObject "serviceNote object is invalid"
            errors.append(field_error("InvalidField", NOTE_FLAG_MESSAGE, resource, "detailDescriptionFlag"))
        if errors:
            return invalid_object(resource, errors)
        now = cw_time(utcnow())
        note = {
            "id": 0,
            "ticketId": ticket_id,
            "text": text,
            "detailDescriptionFlag": detail,
            "internalAnalysisFlag": internal,
            "resolutionFlag": resolution,
            "issueFlag": bool(body.get("issueFlag", False)),
            "member": member_ref(),
            "dateCreated": now,
            "createdBy": MEMBER_IDENTIFIER,
            # ref §3 [V runbook]: internalFlag = internal, externalFlag = discussion or resolution
            "internalFlag": internal,
            "externalFlag": detail or resolution,
            "customerUpdatedFlag": bool(body.get("customerUpdatedFlag", False)),
            # ConnectWise processes notifications unless told not to (the spec: "defaults to true")
            "processNotifications": body.get("processNotifications") is not False,
            "_info": {"lastUpdated": now, "updatedBy": MEMBER_IDENTIFIER},
        }
        with self.state.cond:
            stored = self.state.add_note_locked(note)
            out = note_view(stored, kind)
        return json_response(201, out)

    # -- time entries -----------------------------------------------------------------------------------
