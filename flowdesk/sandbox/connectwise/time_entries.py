"""ConnectWise time entries (ref §5, §9): create, read, list, count."""

from __future__ import annotations

import copy
import re
import uuid
from datetime import datetime, timedelta
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
    security,
    unknown_member,
)
from flowdesk.sandbox.connectwise.tickets import Tickets
from flowdesk.sandbox.http import BadJson, Request, Response, json_response, route
from flowdesk.sandbox.seed import MEMBER_ID, MEMBER_IDENTIFIER, cw_time, member_ref, utcnow
from flowdesk.sandbox.state import SandboxState

CW_DATETIME_RX = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
# The spec's TimeEntry (ConnectWise Manage OpenAPI v2025.8, 62 properties; tests/connectwise/schemas).
TIME_ENTRY_FIELDS = frozenset({
    "id", "company", "companyType", "chargeToId", "chargeToType", "member", "locationId", "businessUnitId",
    "businessGroupDesc", "location", "department", "workType", "workRole", "agreement", "agreementType",
    "activity", "opportunityRecid", "projectActivity", "territory", "timeStart", "timeEnd", "hoursDeduct",
    "actualHours", "billableOption", "notes", "internalNotes", "addToDetailDescriptionFlag",
    "addToInternalAnalysisFlag", "addToResolutionFlag", "emailResourceFlag", "emailContactFlag", "emailCcFlag",
    "emailCc", "hoursBilled", "invoiceHours", "hourlyCost", "enteredBy", "dateEntered", "invoice", "mobileGuid",
    "hourlyRate", "overageRate", "agreementHours", "agreementAmount", "agreementAdjustment", "adjustment",
    "invoiceReady", "timeSheet", "status", "ticket", "project", "phase", "ticketBoard", "ticketStatus",
    "ticketType", "ticketSubType", "invoiceFlag", "extendedInvoiceAmount", "locationName", "taxCode", "_info",
    "customFields",
})  # fmt: skip
BILLABLE_OPTIONS = ("Billable", "DoNotBill", "NoCharge", "NoDefault")
# The tenant's work types and roles (spec WorkType / WorkRole; there is no per-board work-type path).
WORK_TYPES = [
    {"id": 3, "name": "Remote Support", "billTime": "Billable", "rateType": "Multiplier", "rate": 1.0,
     "inactiveFlag": False, "overallDefaultFlag": True, "utilizationFlag": True, "_info": {"lastUpdated": "2026-01-05T08:00:00Z"}},
    {"id": 4, "name": "Onsite", "billTime": "Billable", "rateType": "Multiplier", "rate": 1.5,
     "inactiveFlag": False, "overallDefaultFlag": False, "utilizationFlag": True, "_info": {"lastUpdated": "2026-01-05T08:00:00Z"}},
    {"id": 9, "name": "Internal Admin", "billTime": "NoCharge", "rateType": "Multiplier", "rate": 0.0,
     "inactiveFlag": False, "overallDefaultFlag": False, "utilizationFlag": False, "_info": {"lastUpdated": "2026-01-05T08:00:00Z"}},
]  # fmt: skip
WORK_ROLES = [
    {"id": 7, "name": "Systems Engineer", "hourlyRate": 125.0, "inactiveFlag": False, "_info": {"lastUpdated": "2026-01-05T08:00:00Z"}},
    {"id": 8, "name": "Network Engineer", "hourlyRate": 140.0, "inactiveFlag": False, "_info": {"lastUpdated": "2026-01-05T08:00:00Z"}},
]  # fmt: skip
TIME_FLAGS = ("addToDetailDescriptionFlag", "addToInternalAnalysisFlag", "addToResolutionFlag",
              "emailResourceFlag", "emailContactFlag", "emailCcFlag", "customerUpdatedFlag")  # fmt: skip


def week_sheet(start: datetime) -> dict[str, Any]:
    monday = (start - timedelta(days=start.weekday())).date()
    sunday = monday + timedelta(days=6)
    return {"id": 5000 + monday.toordinal() % 10000, "name": f"{monday.isoformat()} to {sunday.isoformat()}"}


class TimeEntries:
    def __init__(self, state: SandboxState, tickets: Tickets) -> None:
        self.state = state
        self.tickets = tickets
        self.time_schema = cond.schema_of(self._time_template())

    @staticmethod
    def _time_template() -> dict[str, Any]:
        t = "2026-01-01T00:00:00Z"
        ref = {"id": 1, "name": "x"}
        return {
            "id": 1, "company": {"id": 1, "identifier": "x", "name": "x"}, "chargeToId": 1, "chargeToType": "x",
            "member": {"id": 1, "identifier": "x", "name": "x"}, "locationId": 1, "businessUnitId": 1,
            "workType": ref, "workRole": ref, "timeStart": t, "timeEnd": t, "hoursDeduct": 0.0,
            "actualHours": 1.0, "billableOption": "x", "notes": "x", "internalNotes": "x",
            "addToDetailDescriptionFlag": False, "addToInternalAnalysisFlag": False, "addToResolutionFlag": False,
            "emailResourceFlag": False, "emailContactFlag": False, "emailCcFlag": False, "hoursBilled": 1.0,
            "enteredBy": "x", "dateEntered": t, "mobileGuid": "x", "hourlyRate": 1.0, "timeSheet": ref,
            "status": "x", "ticket": {"id": 1, "summary": "x"}, "project": ref, "phase": ref,
            "_info": {"lastUpdated": t, "updatedBy": "x", "chargeToMobileGuid": "x"},
        }  # fmt: skip

    @route("GET POST", r"/time/entries")
    def time_entries(self, req: Request) -> Response:
        if req.method == "POST":
            return self._post_time_entry(req)
        with self.state.cond:
            records = list(self.state.time_entries)
        return list_response(req, records, self.time_schema, state=self.state)

    @route("GET", r"/time/workTypes")
    def work_types(self, req: Request) -> Response:
        return list_response(req, copy.deepcopy(WORK_TYPES), cond.schema_of(WORK_TYPES[0]), state=self.state)

    @route("GET", r"/time/workRoles")
    def work_roles(self, req: Request) -> Response:
        return list_response(req, copy.deepcopy(WORK_ROLES), cond.schema_of(WORK_ROLES[0]), state=self.state)

    @route("GET", r"/time/entries/count")
    def time_entries_count(self, req: Request) -> Response:
        with self.state.cond:
            records = list(self.state.time_entries)
        return count_response(req, records, self.time_schema)

    @route("GET", r"/time/entries/(?P<eid>\d+)")
    def get_time_entry(self, req: Request, eid: str) -> Response:
        with self.state.cond:
            for e in self.state.time_entries:
                if e["id"] == int(eid):
                    return json_response(200, e)
        return not_found(f"TimeEntry {int(eid)} not found")

    @route("GET", r"/service/tickets/(?P<tid>\d+)/timeentries")
    def ticket_time_entries(self, req: Request, tid: str) -> Response:
        ticket_id = int(tid)
        if self.tickets.find(ticket_id, "service") is None:
            return not_found(f"Ticket {ticket_id} not found")
        with self.state.cond:
            records = [
                {"id": e["id"], "_info": copy.deepcopy(e.get("_info") or {})}
                for e in self.state.time_entries
                if e.get("chargeToId") == ticket_id and e.get("chargeToType") == "ServiceTicket"
            ]
        # the spec: TimeEntryReference[] ({id, _info} only); the entries are at /time/entries?conditions=chargeToId=…
        return list_response(req, records, cond.schema_of({"id": 1}), state=self.state)

    def _post_time_entry(self, req: Request) -> Response:
        resource = "timeEntry"
        with self.state.cond:
            member_cfg = copy.deepcopy(self.state.config.member)
        if add_level(member_cfg.can_add_time) == "None":
            return security()
        try:
            body = req.json
        except BadJson:
            return envelope(400, "ConnectWiseApi", "The request body is not valid JSON for a TimeEntry.")
        if not isinstance(body, dict):
            return envelope(400, "ConnectWiseApi", "Expected a TimeEntry object in the request body.")
        for name in body:
            if name not in TIME_ENTRY_FIELDS:
                return unknown_member(name, "TimeEntry")
        if bool_error(body, TIME_FLAGS):
            return envelope(400, "ConnectWiseApi", BOOLEAN_MESSAGE)
        if member_mismatch(body):
            return security()

        # Date-times: exactly yyyy-MM-ddTHH:mm:ssZ (ref §9); anything else is UnsupportedFormat (ref §5).
        parsed: dict[str, datetime] = {}
        for name in ("timeStart", "timeEnd"):
            value = body.get(name)
            if value is None:
                continue
            dt = cond.parse_cw_datetime(value) if isinstance(value, str) and CW_DATETIME_RX.match(value) else None
            if dt is None:
                message = f"Unsupported format applied to {name}"
                return envelope(400, "UnsupportedFormat", message, [field_error("UnsupportedFormat", message, resource, name)])
            parsed[name] = dt

        errors: list[dict[str, Any]] = []
        start = parsed.get("timeStart")
        end = parsed.get("timeEnd")
        if start is None:
            errors.append(field_error("NullValue", "timeStart is required.", resource, "timeStart"))
        charge_type = body.get("chargeToType")
        charge_id = body.get("chargeToId")
        ticket: dict[str, Any] | None = None
        if charge_type not in KIND_BY_TYPE:
            # CHOICE: the sandbox only emulates time against tickets; ChargeCode/Activity/Company time
            # (and a missing chargeToType) are refused with a plain message.
            errors.append(
                field_error(
                    "InvalidField",
                    f"chargeToType must be ServiceTicket or ProjectTicket in the sandbox (got {charge_type!r}).",
                    resource,
                    "chargeToType",
                )
            )
        elif isinstance(charge_id, bool) or not isinstance(charge_id, int):
            errors.append(field_error("NullValue", "chargeToId is required (the ticket id).", resource, "chargeToId"))
        else:
            ticket = self.tickets.find(charge_id, KIND_BY_TYPE[charge_type])
            if ticket is None:
                # ref §5 [V ConnectWiseManageAPI#37 shape]: InvalidObject + errors[NotFound]; a ticket of the
                # other kind is "not found" too, as on GET (ref §4).
                errors.append(field_error("NotFound", f"Ticket {charge_id} not found", resource, "chargeToId"))
            elif ticket.get("statusTimeEntryNotAllowed"):
                # CHOICE: ref §5 found no exact text for a status with timeEntryNotAllowed.
                status = (ticket.get("status") or {}).get("name")
                board = (ticket.get("board") or {}).get("name")
                errors.append(
                    field_error(
                        "InvalidField",
                        f"Time entries are not allowed on ticket {charge_id}: its status \"{status}\" on board "
                        f"\"{board}\" does not allow time entry.",
                        resource,
                        "chargeToId",
                    )
                )
        if member_cfg.require_start_end and end is None:
            # ref §6: requireStartAndEndTimeOnTimeEntryFlag; its effect is the reference's inference [I].
            errors.append(
                field_error(
                    "NullValue",
                    "timeEnd is required: this member must enter start and end times on time entries.",
                    resource,
                    "timeEnd",
                )
            )
        if start and end and end <= start:
            errors.append(field_error("InvalidField", "timeEnd must be later than timeStart.", resource, "timeEnd"))
        for name, known in (("workType", WORK_TYPES), ("workRole", WORK_ROLES)):
            ref = body.get(name)
            if ref is not None and not (isinstance(ref, dict) and any(ref.get("id") == k["id"] for k in known)):
                errors.append(field_error("InvalidField", f"{name} is not one of this company's {name}s.", resource, name))
        if start is not None and member_cfg.time_sheet_closed and not errors:
            sheet = week_sheet(start)["name"]  # CHOICE (ref §5 found no text)
            errors.append(field_error(
                "InvalidField", f"The time sheet {sheet} is closed: time can no longer be entered for this period.",
                resource, "timeSheet",
            ))  # fmt: skip
        if start is not None and end is not None and member_cfg.refuse_overlap and not errors:
            with self.state.cond:
                mine = [e for e in self.state.time_entries if (e.get("member") or {}).get("id") == MEMBER_ID]
            for e in mine:  # CHOICE (ref §5 found no text): ConnectWise refuses a member's overlapping entries
                s0, e0 = cond.parse_cw_datetime(str(e.get("timeStart"))), cond.parse_cw_datetime(str(e.get("timeEnd")))
                if s0 is not None and e0 is not None and start < e0 and s0 < end:
                    errors.append(field_error(
                        "InvalidField",
                        f"This time entry overlaps your time entry {e['id']} ({e.get('timeStart')} to {e.get('timeEnd')}).",
                        resource, "timeStart",
                    ))  # fmt: skip
                    break
        billable = body.get("billableOption")
        if billable is not None and billable not in BILLABLE_OPTIONS:
            errors.append(
                field_error("InvalidField", f"billableOption must be one of {', '.join(BILLABLE_OPTIONS)}.", resource, "billableOption")
            )
        hours_deduct = body.get("hoursDeduct") or 0.0
        actual = body.get("actualHours")
        for name, value in (("actualHours", actual), ("hoursDeduct", hours_deduct)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float) or value < 0):
                errors.append(field_error("InvalidField", f"{name} must be a non-negative number.", resource, name))
        if errors:
            return invalid_object(resource, errors)
        assert start is not None and ticket is not None

        if end is not None:
            # computed from start and end when both are given
            actual_hours = round(max(0.0, (end - start).total_seconds() / 3600.0 - float(hours_deduct)), 2)
        elif actual is not None:
            actual_hours = float(actual)
            # CHOICE: without timeEnd, ConnectWise derives the end from the hours.
            end = start + timedelta(hours=actual_hours + float(hours_deduct))
        else:
            actual_hours = 0.0
        now = cw_time(utcnow())
        entry: dict[str, Any] = {
            "id": 0,
            "company": copy.deepcopy(ticket.get("company")),
            "chargeToId": ticket["id"],
            "chargeToType": charge_type,
            "member": member_ref(),
            "locationId": 2,
            "businessUnitId": 10,
            "workType": copy.deepcopy(body.get("workType")) or {"id": 3, "name": "Remote Support"},
            "workRole": copy.deepcopy(body.get("workRole")) or {"id": 7, "name": "Systems Engineer"},
            "timeStart": cw_time(start),
            "timeEnd": cw_time(end) if end is not None else None,
            "hoursDeduct": float(hours_deduct),
            "actualHours": actual_hours,
            "billableOption": body.get("billableOption") or "Billable",
            "notes": body.get("notes"),
            "internalNotes": body.get("internalNotes"),
            "addToDetailDescriptionFlag": bool(body.get("addToDetailDescriptionFlag", False)),
            "addToInternalAnalysisFlag": bool(body.get("addToInternalAnalysisFlag", False)),
            "addToResolutionFlag": bool(body.get("addToResolutionFlag", False)),
            "emailResourceFlag": bool(body.get("emailResourceFlag", False)),
            "emailContactFlag": bool(body.get("emailContactFlag", False)),
            "emailCcFlag": bool(body.get("emailCcFlag", False)),
            "hoursBilled": actual_hours,
            "enteredBy": MEMBER_IDENTIFIER,
            "dateEntered": now,
            # CHOICE: a client-supplied mobileGuid is kept (ref §5/§11: unverified on a real server)
            "mobileGuid": body.get("mobileGuid") if isinstance(body.get("mobileGuid"), str) else str(uuid.uuid4()),
            "hourlyRate": 125.0,
            "timeSheet": week_sheet(start),
            "status": "Open",
            "ticket": {"id": ticket["id"], "summary": ticket.get("summary")},
            "_info": {"lastUpdated": now, "updatedBy": MEMBER_IDENTIFIER},
        }
        if charge_type == "ProjectTicket":
            for key in ("project", "phase"):
                if ticket.get(key) is not None:
                    entry[key] = copy.deepcopy(ticket[key])
        entry = {k: v for k, v in entry.items() if v is not None}  # ConnectWise leaves nulls out
        with self.state.cond:
            stored = self.state.add_time_entry_locked(entry)
            out = copy.deepcopy(stored)
        return json_response(201, out)
