"""The ConnectWise PSA side of the sandbox.

Behaviour follows ``/work/shared/reference/connectwise-api.md`` (cited below as "ref §N"). Where the
reference only infers a behaviour ([I]/[U]) or is silent, the choice is marked ``CHOICE`` in a comment.
"""

from __future__ import annotations

import base64
import binascii
import copy
import re
import uuid
from datetime import datetime, timedelta
from typing import Any

from flowdesk.sandbox import conditions as cond
from flowdesk.sandbox.http import (
    BadJson,
    Request,
    Response,
    Router,
    dumps,
    html_response,
    json_response,
    raw_json_response,
)
from flowdesk.sandbox.state import (
    MEMBER_EMAIL,
    MEMBER_ID,
    MEMBER_IDENTIFIER,
    MEMBER_NAME,
    SandboxState,
    cw_time,
    utcnow,
    version_tuple,
)

API_PREFIX_RX = re.compile(r"^/(?P<codebase>[^/]+/)apis/3\.0(?P<rest>/.*)?$", re.IGNORECASE)
# ConnectWise's URL entry point for opening a record in the browser ("Open ticket in ConnectWise").
OPENRECORD_RX = re.compile(r"^/v4_6_release/services/system_io/router/openrecord\.rails$", re.IGNORECASE)
COMPANYINFO_RX = re.compile(r"^/login/companyinfo/(?P<company>[^/]+)/?$", re.IGNORECASE)
GUID_RX = re.compile(r"^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$")
VERSION_IN_ACCEPT_RX = re.compile(r"version\s*=\s*([^\s;,]+)", re.IGNORECASE)
CW_DATETIME_RX = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
OLDEST_VERSION = (2019, 1)  # ref §2: since 2019.1 the API version equals the PSA release

SECURITY_MESSAGE = "You do not have security permission to perform this action."
NOTE_FLAG_MESSAGE = "Please choose where to display the notes in order to save this record."  # ref §3, verbatim
BOOLEAN_MESSAGE = "String was not recognized as a valid Boolean."  # ref §8, verbatim

NOTE_FIELDS = {
    "id", "ticketId", "text", "detailDescriptionFlag", "internalAnalysisFlag", "resolutionFlag", "issueFlag",
    "member", "contact", "customerUpdatedFlag", "processNotifications", "dateCreated", "createdBy",
    "internalFlag", "externalFlag", "sentimentScore", "_info",
}  # fmt: skip
NOTE_FLAGS = ("detailDescriptionFlag", "internalAnalysisFlag", "resolutionFlag", "issueFlag",
              "customerUpdatedFlag", "processNotifications", "internalFlag", "externalFlag")  # fmt: skip
TIME_ENTRY_FIELDS = {
    "id", "company", "companyType", "chargeToId", "chargeToType", "member", "locationId", "businessUnitId",
    "businessGroupDesc", "location", "department", "workType", "workRole", "agreement", "agreementType",
    "activity", "opportunityRecid", "projectActivity", "territory", "timeStart", "timeEnd", "hoursDeduct",
    "actualHours", "billableOption", "notes", "internalNotes", "addToDetailDescriptionFlag",
    "addToInternalAnalysisFlag", "addToResolutionFlag", "emailResourceFlag", "emailContactFlag", "emailCcFlag",
    "emailCc", "hoursBilled", "invoiceHours", "hourlyCost", "enteredBy", "dateEntered", "invoice", "mobileGuid",
    "hourlyRate", "overageRate", "agreementHours", "agreementAmount", "agreementAdjustment", "adjustment",
    "invoiceReady", "timeSheet", "status", "ticket", "project", "phase", "ticketBoard", "ticketStatus",
    "customerUpdatedFlag", "extendedInvoiceAmount", "taxCodeId", "_info", "customFields",
}  # fmt: skip
TIME_FLAGS = ("addToDetailDescriptionFlag", "addToInternalAnalysisFlag", "addToResolutionFlag",
              "emailResourceFlag", "emailContactFlag", "emailCcFlag", "customerUpdatedFlag")  # fmt: skip
KIND_BY_TYPE = {"ServiceTicket": "service", "ProjectTicket": "project"}


# ----------------------------------------------------------------------------------------- envelopes


def envelope(
    status: int, code: str, message: str, errors: list[dict[str, Any]] | None = None
) -> Response:
    """ConnectWise's error envelope, ref §8: ``{"code","message","errors":[...] | null}``."""
    return json_response(status, {"code": code, "message": message, "errors": errors})


def field_error(code: str, message: str, resource: str, field_name: str) -> dict[str, Any]:
    return {"code": code, "message": message, "resource": resource, "field": field_name}


def invalid_object(resource: str, errors: list[dict[str, Any]]) -> Response:
    return envelope(400, "InvalidObject", f"{resource} object is invalid", errors)


def not_found(message: str) -> Response:
    return envelope(404, "NotFound", message)


def security() -> Response:
    return envelope(403, "Security", SECURITY_MESSAGE)


def unknown_member(name: str, type_name: str) -> Response:
    # ref §2 [V jundis#132]: "Could not find member 'enteredBy' on object of type 'Ticket'"; that unknown
    # body fields are rejected at all is ref's inference [I]. CHOICE: reject them, so client typos surface.
    return envelope(400, "ConnectWiseApi", f"Could not find member '{name}' on object of type '{type_name}'.")


FAULT_MESSAGES = {
    400: ("InvalidObject", "The request is invalid."),
    401: ("Unauthorized", "Authentication failed."),
    403: ("Security", SECURITY_MESSAGE),
    404: ("NotFound", "The requested resource was not found."),
    409: ("Conflict", "The record was changed by another user."),
    429: ("TooManyRequests", "Too many requests. Please wait before retrying."),
    500: ("ConnectWiseApi", "A timeout has occured. Please try again."),  # ref §8, verbatim (sic)
}


def fault_envelope(status: int) -> Response:
    code, message = FAULT_MESSAGES.get(status, ("ConnectWiseApi", f"The service is unavailable ({status})."))
    return envelope(status, code, message)


# ----------------------------------------------------------------------------------------- helpers


def _int(text: str) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def project(record: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """Keep only ``fields`` (nested with ``/``, e.g. ``status/name``), ref §7."""
    out: dict[str, Any] = {}
    for path in fields:
        parts = [p for p in path.split("/") if p]
        src: Any = record
        for p in parts:
            src = src.get(p) if isinstance(src, dict) else None
            if src is None:
                break
        if src is None and not (len(parts) == 1 and parts[0] in record):
            continue
        dst = out
        for p in parts[:-1]:
            dst = dst.setdefault(p, {})
        dst[parts[-1]] = copy.deepcopy(src)
    return out


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, int | float):
        return (2, value)
    return (3, str(value).casefold())


def list_response(
    req: Request, records: list[dict[str, Any]], schema: dict[str, str], *, default_order: str = "id asc"
) -> Response:
    """conditions, orderBy, page, pageSize, fields and RFC 5988 ``Link`` headers (ref §7)."""
    conditions = req.query_ci("conditions")
    if conditions is not None and conditions.strip():
        try:
            predicate = cond.compile_conditions(conditions, schema)
        except cond.ConditionError as exc:
            # CHOICE: ref §7 gives the message text, not the envelope's code; InvalidObject like other 400s.
            return envelope(400, "InvalidObject", str(exc))
        records = [r for r in records if predicate(r)]

    order_by = req.query_ci("orderBy") or default_order
    keys: list[tuple[str, bool]] = []
    for part in order_by.split(","):
        words = part.split()
        if not words:
            continue
        direction = words[1].lower() if len(words) > 1 else "asc"
        if len(words) > 2 or direction not in ("asc", "desc") or words[0].lower() not in {k.lower() for k in schema}:
            return envelope(
                400,
                "InvalidObject",
                "orderBy object is invalid",
                [field_error("InvalidField", f"'{part.strip()}' is not a valid orderBy clause.", "orderBy", "orderBy")],
            )
        keys.append((words[0], direction == "desc"))
    for path, desc in reversed(keys):
        records = sorted(records, key=lambda r, p=path: _sort_key(cond.lookup(r, p)), reverse=desc)  # type: ignore[misc]

    page_size_raw = req.query_ci("pageSize")
    page_raw = req.query_ci("page")
    page_size = 25 if page_size_raw in (None, "") else _int(page_size_raw)
    page = 1 if page_raw in (None, "") else _int(page_raw)
    if page_size is None or not 1 <= page_size <= 1000:
        # ref §7 and sgtoj/PSConnectWise#2: {"code":"InvalidObject","message":"pageSize object is invalid",
        # "errors":[{"code":"OutOfRange","message":"The field pageSize must be between 1 and 100." ...}]}
        return envelope(
            400,
            "InvalidObject",
            "pageSize object is invalid",
            [field_error("OutOfRange", "The field pageSize must be between 1 and 1000.", "pageSize", "pageSize")],
        )
    if page is None or page < 1:
        return envelope(
            400,
            "InvalidObject",
            "page object is invalid",
            [field_error("OutOfRange", "The field page must be 1 or greater.", "page", "page")],
        )
    total = len(records)
    items = records[(page - 1) * page_size : page * page_size]
    fields = req.query_ci("fields")
    if fields:
        wanted = [f.strip() for f in fields.split(",") if f.strip()]
        items = [project(r, wanted) for r in items]
    else:
        items = copy.deepcopy(items)
    headers: list[tuple[str, str]] = []
    last = max(1, -(-total // page_size))
    if total > page_size:
        # ref §7: next + last while there are more pages; on the last page only rel="first".
        if page < last:
            headers.append(
                (
                    "Link",
                    f'<{req.url_with(pageSize=page_size, page=page + 1)}>; rel="next", '
                    f'<{req.url_with(pageSize=page_size, page=last)}>; rel="last"',
                )
            )
        else:
            headers.append(("Link", f'<{req.url_with(pageSize=page_size, page=1)}>; rel="first"'))
    return json_response(200, items, headers)


def _bool_errors(body: dict[str, Any], flags: tuple[str, ...]) -> str | None:
    for f in flags:
        if f in body and body[f] is not None and not isinstance(body[f], bool):
            return f
    return None


def _member_mismatch(body: dict[str, Any]) -> bool:
    """A ``member`` other than the keys' owner (ref §5: 403 Security posting for someone else)."""
    member = body.get("member")
    if member is None:
        return False
    if not isinstance(member, dict):
        return True
    mid = member.get("id")
    ident = member.get("identifier")
    if mid is not None and mid != MEMBER_ID:
        return True
    return bool(ident is not None and str(ident).lower() != MEMBER_IDENTIFIER)


def _week_sheet(start: datetime) -> dict[str, Any]:
    monday = (start - timedelta(days=start.weekday())).date()
    sunday = monday + timedelta(days=6)
    return {"id": 5000 + monday.toordinal() % 10000, "name": f"{monday.isoformat()} to {sunday.isoformat()}"}


# ----------------------------------------------------------------------------------------- the app


class ConnectWiseApp:
    def __init__(self, state: SandboxState) -> None:
        self.state = state
        r = Router()
        r.add("GET", r"/system/info", self.system_info)
        r.add("GET", r"/system/myMembers", self.my_member)
        r.add("GET", r"/system/myMembers/info", self.my_member_info)
        r.add("GET", r"/system/mySecurity", self.my_security)
        r.add("GET", r"/(?P<kind>service|project)/tickets/(?P<tid>\d+)", self.get_ticket)
        r.add("GET POST", r"/(?P<kind>service|project)/tickets/(?P<tid>\d+)/notes", self.notes)
        r.add("GET", r"/(?P<kind>service|project)/tickets/(?P<tid>\d+)/notes/count", self.notes_count)
        r.add("GET", r"/(?P<kind>service|project)/tickets/(?P<tid>\d+)/notes/(?P<nid>\d+)", self.get_note)
        r.add("GET", r"/service/tickets/(?P<tid>\d+)/timeentries", self.ticket_time_entries)
        r.add("GET", r"/service/boards/(?P<bid>\d+)/statuses", self.board_statuses)
        r.add("GET", r"/service/boards/(?P<bid>\d+)/statuses/(?P<sid>\d+)", self.board_status)
        r.add("GET POST", r"/time/entries", self.time_entries)
        r.add("GET", r"/time/entries/count", self.time_entries_count)
        r.add("GET", r"/time/entries/(?P<eid>\d+)", self.get_time_entry)
        self.router = r
        self._ticket_json: dict[int, bytes] = {}
        self.note_schema = cond.schema_of(self._note_template())
        self.time_schema = cond.schema_of(self._time_template())

    # -- dispatch ---------------------------------------------------------------------------------

    @staticmethod
    def owns(path: str) -> bool:
        return bool(COMPANYINFO_RX.match(path) or API_PREFIX_RX.match(path) or OPENRECORD_RX.match(path))

    def decorate(self, resp: Response, request_id: str) -> None:
        """Every ConnectWise response carries these (ref §4 response headers)."""
        with self.state.cond:
            version = self.state.config.api_version
        resp.set_header("x-cw-request-id", request_id)
        resp.set_header("api-current-version", version)
        resp.set_header("x-server-name", "SANDBOX-CWAPI01")

    def fault_response(self, status: int) -> Response:
        return fault_envelope(status)

    def handle(self, req: Request) -> Response:
        if OPENRECORD_RX.match(req.path):
            return self.ticket_page(req)
        m = COMPANYINFO_RX.match(req.path)
        if m:
            if req.method not in ("GET", "HEAD"):
                return envelope(405, "MethodNotAllowed", "The requested resource does not support this method.")
            return self.company_info(req, m.group("company"))
        m = API_PREFIX_RX.match(req.path)
        assert m is not None
        with self.state.cond:
            codebase = self.state.config.codebase
            current = self.state.config.api_version
        if m.group("codebase").lower() != codebase.lower():
            # CHOICE: after an upgrade the old codebase path is simply not there any more: an IIS-style
            # HTML 404 (ref §1: clients re-fetch companyinfo on the first 404; ref §8: parse defensively).
            return html_response(404, "Not Found")
        client_id = req.header("clientId")
        if not client_id or not GUID_RX.match(client_id.strip()):
            # CHOICE: ref §2 says clientId is mandatory but shows no rejection; 401 like ConnectWise Automate.
            return envelope(401, "Unauthorized", "A valid clientId header is required (developer.connectwise.com/ClientID).")
        if not self._authorised(req.header("Authorization")):
            return envelope(401, "Unauthorized", "Invalid company, public key or private key.")
        bad = self._check_version(req, current)
        if bad is not None:
            return bad
        rest = m.group("rest") or "/"
        handler, groups, known = self.router.match(req.method, rest.rstrip("/") or "/")
        if handler is None:
            if known:
                return envelope(405, "MethodNotAllowed", f"The requested resource does not support http method '{req.method}'.")
            return not_found(f"No HTTP resource was found that matches the request URI '{req.path}'.")
        return handler(req, **groups)

    def ticket_page(self, req: Request) -> Response:
        """A plain page showing a ticket and its notes, where ConnectWise would show its ticket screen
        (a browser is signed in to ConnectWise by its own session; the sandbox just shows the record)."""
        import html

        query = req.query
        recid = _int(query.get("recid", ""))
        kind = "project" if "project" in query.get("recordType", "").lower() else "service"
        with self.state.cond:
            ticket = copy.deepcopy(self._ticket(recid, kind)) if recid is not None else None
            notes = copy.deepcopy(list(self.state.notes_by_ticket.get(recid or -1, [])))
        if ticket is None:
            return html_response(404, "Ticket not found")
        esc = html.escape
        rows = []
        for n in sorted(notes, key=lambda n: n.get("id", 0), reverse=True):
            where = ", ".join(k.replace("Flag", "") for k in ("detailDescriptionFlag", "internalAnalysisFlag", "resolutionFlag") if n.get(k))
            rows.append(
                f"<div class='note'><div class='meta'>#{n.get('id')} · {esc(str(n.get('createdBy', '')))} · "
                f"{esc(str(n.get('dateCreated', '')))} · {esc(where)}</div><pre>{esc(str(n.get('text', '')))}</pre></div>"
            )
        body = (
            "<!DOCTYPE html><html><head><meta charset='utf-8'>"
            f"<title>Ticket #{recid} — FlowDesk sandbox</title><style>"
            "body{font-family:sans-serif;margin:2em;max-width:70em} .meta{color:#666;font-size:90%}"
            " pre{white-space:pre-wrap;background:#f6f8fa;padding:.8em;border-radius:4px} .note{margin:1em 0}"
            "</style></head><body>"
            f"<p class='meta'>FlowDesk sandbox — what ConnectWise would show for this {kind} ticket</p>"
            f"<h1>#{recid} {esc(str(ticket.get('summary', '')))}</h1>"
            f"<p>{esc(str((ticket.get('company') or {}).get('name', '')))} · "
            f"{esc(str((ticket.get('board') or {}).get('name', '')))} · {esc(str((ticket.get('status') or {}).get('name', '')))}</p>"
            f"<h2>Notes ({len(rows)})</h2>{''.join(rows) or '<p>No notes yet.</p>'}</body></html>"
        ).encode()
        return Response(200, body, [("Content-Type", "text/html; charset=utf-8")])

    def _authorised(self, header: str | None) -> bool:
        """``Basic base64("{company}+{public}:{private}")``, ref §2."""
        if not header or not header.lower().startswith("basic "):
            return False
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        user, sep, private = decoded.partition(":")
        company, plus, public = user.partition("+")
        s = self.state.secrets
        return bool(sep and plus) and company.lower() == s.company.lower() and public == s.public_key and private == s.private_key

    def _check_version(self, req: Request, current: str) -> Response | None:
        """``Accept: application/vnd.connectwise.com+json; version=YYYY.N`` (ref §2 versioning)."""
        accept = req.header("Accept") or ""
        m = VERSION_IN_ACCEPT_RX.search(accept)
        if not m:
            return None  # no version: the latest models
        asked = m.group(1).strip("\"'")
        tup = version_tuple(asked)
        cur = version_tuple(current) or (9999, 99)
        # CHOICE: supported = every YYYY.N release from 2019.1 up to the current one (N <= 16);
        # "3.0.0" is retired on hosted (ref §2, connectwise-rest#35).
        if tup is not None and OLDEST_VERSION <= tup <= cur and 1 <= tup[1] <= 16:
            return None
        uri = f"{req.scheme}://{req.host}{req.path}"
        return envelope(
            400,
            "ConnectWiseApi",
            f"The HTTP resource that matches the request URI '{uri}' does not support the API version '{asked}'.",
        )

    # -- unauthenticated ----------------------------------------------------------------------------

    def company_info(self, req: Request, company: str) -> Response:
        """ref §1: PascalCase, no auth; an unknown company is HTTP 200 with ``null``."""
        s = self.state.secrets
        if company.lower() != s.company.lower():
            return raw_json_response(200, b"null")
        with self.state.cond:
            codebase = self.state.config.codebase
            version = self.state.config.api_version
        host = req.host
        return json_response(
            200,
            {
                "CompanyName": "FlowDesk Sandbox MSP",
                "Codebase": codebase,
                "VersionCode": f"v{version}",
                "VersionNumber": f"v4.6.{version.replace('.', '')}01",
                "CompanyID": s.company,
                "IsCloud": True,
                "SiteUrl": host,
                "AllowedOrigins": [f"{req.scheme}://{host}", "*.myconnectwise.net"],
            },
        )

    # -- system ---------------------------------------------------------------------------------------

    def system_info(self, req: Request) -> Response:
        with self.state.cond:
            version = self.state.config.api_version
            tz = self.state.config.member.time_zone
        return json_response(
            200,
            {
                "version": f"v{version}.98123",
                "isCloud": True,
                "serverTimeZone": tz,
                "licenseBits": [
                    {"name": "Service", "activeFlag": True},
                    {"name": "Project", "activeFlag": True},
                    {"name": "TimeExpense", "activeFlag": True},
                ],
                "cloudRegion": "NA",
                "maxWorkFlowRecordsAllowed": 1000,
            },
        )

    def _member_info(self) -> dict[str, Any]:
        with self.state.cond:
            m = copy.deepcopy(self.state.config.member)
        return {
            "id": MEMBER_ID,
            "identifier": MEMBER_IDENTIFIER,
            "firstName": "Dana",
            "lastName": "Whitfield",
            "fullName": MEMBER_NAME,
            "defaultEmail": MEMBER_EMAIL,
            "licenseClass": "F",
            "inactiveFlag": False,
            "timeZone": {"id": 1, "name": m.time_zone},
            "defaultLocation": {"id": 2, "name": "Main Office"},
            "defaultDepartment": {"id": 10, "identifier": "Services", "name": "Services"},
            "workRole": {"id": 7, "name": "Systems Engineer"},
            "workType": {"id": 3, "name": "Remote Support"},
            "dailyCapacity": 8.0,
            "requireTimeSheetEntryFlag": False,
            "requireStartAndEndTimeOnTimeEntryFlag": m.require_start_end,
            "enterTimeAgainstCompanyFlag": True,
            "allowExpensesEnteredAgainstCompaniesFlag": True,
            "serviceDefaultBoard": {"id": 1, "name": "Help Desk"},
            "excludedServiceBoardIds": [],
            "securityRole": {"id": 63, "name": "Technician"},
        }

    def my_member_info(self, req: Request) -> Response:
        return json_response(200, self._member_info())

    def my_member(self, req: Request) -> Response:
        info = self._member_info()
        info.update({"title": "Service Engineer", "officePhone": "555-0147", "_info": {"lastUpdated": "2026-11-01T09:00:00Z"}})
        return json_response(200, info)

    def my_security(self, req: Request) -> Response:
        """ref §6: ``{moduleIdentifier, moduleFunctionIdentifier, addLevel, editLevel, deleteLevel,
        inquireLevel}``. CHOICE (identifier values are not in the reference): notes on service tickets are
        governed by Service/ServiceTickets, on project tickets by Project/ProjectTickets, time entries by
        TimeExpense/TimeEntry. Levels are "All" | "My" | "None"."""
        with self.state.cond:
            m = copy.deepcopy(self.state.config.member)

        def row(i: int, mod: str, mod_name: str, fn: str, fn_name: str, add: str, edit: str, delete: str, inquire: str) -> dict[str, Any]:
            return {
                "id": i,
                "moduleIdentifier": mod,
                "moduleName": mod_name,
                "moduleFunctionIdentifier": fn,
                "moduleFunctionName": fn_name,
                "addLevel": add,
                "editLevel": edit,
                "deleteLevel": delete,
                "inquireLevel": inquire,
            }

        notes = "All" if m.can_add_notes else "None"
        time_add = "All" if m.can_add_time else "None"
        rows = [
            row(1, "Service", "Service Desk", "ServiceTickets", "Service Tickets", notes, "All", "My", "All"),
            row(2, "Project", "Project", "ProjectTickets", "Project Tickets", notes, "All", "My", "All"),
            row(3, "TimeExpense", "Time & Expense", "TimeEntry", "Time Entry", time_add, "My", "My", "My"),
            row(4, "System", "System", "MemberMaintenance", "Member Maintenance", "None", "None", "None", "All"),
            row(5, "Companies", "Companies", "CompanyMaintenance", "Company Maintenance", "None", "My", "None", "All"),
        ]
        return json_response(200, rows)

    # -- tickets --------------------------------------------------------------------------------------

    def _ticket(self, tid: int, kind: str) -> dict[str, Any] | None:
        t = self.state.tickets.get(tid)
        if t is None or KIND_BY_TYPE.get(str(t.get("recordType"))) != kind:
            return None
        return t

    @staticmethod
    def _public_ticket(t: dict[str, Any]) -> dict[str, Any]:
        out = copy.deepcopy(t)
        out.pop("statusTimeEntryNotAllowed", None)  # a sandbox-only hint, not a CW ticket field
        return out

    def get_ticket(self, req: Request, kind: str, tid: str) -> Response:
        # ref §4: a service id asked on the project path (and vice versa) is 404 "Ticket N not found"
        t = self._ticket(int(tid), kind.lower())
        if t is None:
            return not_found(f"Ticket {int(tid)} not found")
        fields = req.query_ci("fields")
        if fields:
            return json_response(200, project(self._public_ticket(t), [f.strip() for f in fields.split(",") if f.strip()]))
        cached = self._ticket_json.get(t["id"])
        if cached is None:  # tickets never change, so their JSON is built once
            cached = self._ticket_json[t["id"]] = dumps(self._public_ticket(t))
        return raw_json_response(200, cached)

    def board_statuses(self, req: Request, bid: str) -> Response:
        statuses = self._statuses(int(bid))
        if not statuses:
            return not_found(f"Board {int(bid)} not found")
        return list_response(req, statuses, cond.schema_of(statuses[0]))

    def board_status(self, req: Request, bid: str, sid: str) -> Response:
        for s in self._statuses(int(bid)):
            if s["id"] == int(sid):
                return json_response(200, s)
        return not_found(f"BoardStatus {int(sid)} not found")

    def _statuses(self, board_id: int) -> list[dict[str, Any]]:
        """Board statuses derived from the seeded tickets (ref §4: ``closedStatus``, ``timeEntryNotAllowed``).
        CHOICE: project boards are service boards with ``projectFlag`` in ConnectWise, so board 12 is here too."""
        out: dict[int, dict[str, Any]] = {}
        for t in self.state.tickets.values():
            board = t.get("board") or {}
            status = t.get("status") or {}
            if board.get("id") != board_id or status.get("id") in out:
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

    def _note_template(self) -> dict[str, Any]:
        return {
            "id": 1, "ticketId": 1, "text": "x", "detailDescriptionFlag": True, "internalAnalysisFlag": False,
            "resolutionFlag": False, "issueFlag": False,
            "member": {"id": 1, "identifier": "x", "name": "x"},
            "dateCreated": "2026-01-01T00:00:00Z", "createdBy": "x", "internalFlag": False, "externalFlag": True,
            "customerUpdatedFlag": False, "_info": {"lastUpdated": "2026-01-01T00:00:00Z", "updatedBy": "x"},
        }  # fmt: skip

    def notes(self, req: Request, kind: str, tid: str) -> Response:
        kind = kind.lower()
        ticket_id = int(tid)
        if self._ticket(ticket_id, kind) is None:
            return not_found(f"Ticket {ticket_id} not found")
        if req.method == "POST":
            return self._post_note(req, kind, ticket_id)
        with self.state.cond:
            records = list(self.state.notes_by_ticket.get(ticket_id, []))
        return list_response(req, records, self.note_schema)

    def notes_count(self, req: Request, kind: str, tid: str) -> Response:
        ticket_id = int(tid)
        if self._ticket(ticket_id, kind.lower()) is None:
            return not_found(f"Ticket {ticket_id} not found")
        with self.state.cond:
            records = list(self.state.notes_by_ticket.get(ticket_id, []))
        return self._count(req, records, self.note_schema)

    def get_note(self, req: Request, kind: str, tid: str, nid: str) -> Response:
        ticket_id = int(tid)
        if self._ticket(ticket_id, kind.lower()) is None:
            return not_found(f"Ticket {ticket_id} not found")
        with self.state.cond:
            for n in self.state.notes_by_ticket.get(ticket_id, []):
                if n["id"] == int(nid):
                    return json_response(200, n)
        return not_found(f"Note {int(nid)} not found")

    def _post_note(self, req: Request, kind: str, ticket_id: int) -> Response:
        resource = "serviceNote" if kind == "service" else "ticketNote"
        type_name = "ServiceNote" if kind == "service" else "TicketNote"
        with self.state.cond:
            allowed = self.state.config.member.can_add_notes
        if not allowed:
            return security()
        try:
            body = req.json
        except BadJson:
            return envelope(400, "ConnectWiseApi", f"The request body is not valid JSON for a {type_name}.")
        if not isinstance(body, dict):
            return envelope(400, "ConnectWiseApi", f"Expected a {type_name} object in the request body.")
        for name in body:
            if name not in NOTE_FIELDS:
                return unknown_member(name, type_name)
        if _bool_errors(body, NOTE_FLAGS):
            return envelope(400, "ConnectWiseApi", BOOLEAN_MESSAGE)
        if _member_mismatch(body):
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
            "member": self.state.member_ref(),
            "dateCreated": now,
            "createdBy": MEMBER_IDENTIFIER,
            # ref §3 [V runbook]: internalFlag = internal, externalFlag = discussion or resolution
            "internalFlag": internal,
            "externalFlag": detail or resolution,
            "customerUpdatedFlag": bool(body.get("customerUpdatedFlag", False)),
            "_info": {"lastUpdated": now, "updatedBy": MEMBER_IDENTIFIER},
        }
        with self.state.cond:
            stored = self.state.add_note_locked(note)
            out = copy.deepcopy(stored)
        return json_response(201, out)

    # -- time entries -----------------------------------------------------------------------------------

    def _time_template(self) -> dict[str, Any]:
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

    def time_entries(self, req: Request) -> Response:
        if req.method == "POST":
            return self._post_time_entry(req)
        with self.state.cond:
            records = list(self.state.time_entries)
        return list_response(req, records, self.time_schema)

    def time_entries_count(self, req: Request) -> Response:
        with self.state.cond:
            records = list(self.state.time_entries)
        return self._count(req, records, self.time_schema)

    def get_time_entry(self, req: Request, eid: str) -> Response:
        with self.state.cond:
            for e in self.state.time_entries:
                if e["id"] == int(eid):
                    return json_response(200, e)
        return not_found(f"TimeEntry {int(eid)} not found")

    def ticket_time_entries(self, req: Request, tid: str) -> Response:
        ticket_id = int(tid)
        if self._ticket(ticket_id, "service") is None:
            return not_found(f"Ticket {ticket_id} not found")
        with self.state.cond:
            records = [e for e in self.state.time_entries if e.get("chargeToId") == ticket_id and e.get("chargeToType") == "ServiceTicket"]
        return list_response(req, records, self.time_schema)

    def _count(self, req: Request, records: list[dict[str, Any]], schema: dict[str, str]) -> Response:
        conditions = req.query_ci("conditions")
        if conditions:
            try:
                predicate = cond.compile_conditions(conditions, schema)
            except cond.ConditionError as exc:
                return envelope(400, "InvalidObject", str(exc))
            records = [r for r in records if predicate(r)]
        return json_response(200, {"count": len(records)})

    def _post_time_entry(self, req: Request) -> Response:
        resource = "timeEntry"
        with self.state.cond:
            member_cfg = copy.deepcopy(self.state.config.member)
        if not member_cfg.can_add_time:
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
        if _bool_errors(body, TIME_FLAGS):
            return envelope(400, "ConnectWiseApi", BOOLEAN_MESSAGE)
        if _member_mismatch(body):
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
            ticket = self._ticket(charge_id, KIND_BY_TYPE[charge_type])
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
            "member": self.state.member_ref(),
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
            "timeSheet": _week_sheet(start),
            "status": "Open",
            "ticket": {"id": ticket["id"], "summary": ticket.get("summary")},
            "_info": {"lastUpdated": now, "updatedBy": MEMBER_IDENTIFIER},
        }
        if charge_type == "ProjectTicket":
            for key in ("project", "phase"):
                if ticket.get(key) is not None:
                    entry[key] = copy.deepcopy(ticket[key])
        with self.state.cond:
            stored = self.state.add_time_entry_locked(entry)
            out = copy.deepcopy(stored)
        return json_response(201, out)
