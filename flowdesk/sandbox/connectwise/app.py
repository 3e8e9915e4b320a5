"""The ConnectWise PSA side of the sandbox: discovery, authentication, versions, routing, who am I.

Behaviour follows ``/work/shared/reference/connectwise-api.md`` (cited below as "ref §N"). Where the
reference only infers a behaviour ([I]/[U]) or is silent, the choice is marked ``CHOICE`` in a comment.
Tickets and notes are in :mod:`.tickets`, time entries in :mod:`.time_entries`.
"""

from __future__ import annotations

import base64
import binascii
import copy
import email.utils
import re
from typing import Any

from flowdesk.sandbox import conditions as cond
from flowdesk.sandbox.config import add_level, version_tuple
from flowdesk.sandbox.connectwise.common import envelope, fault_envelope, list_response, not_found, to_int
from flowdesk.sandbox.connectwise.ticket_lists import TicketLists
from flowdesk.sandbox.connectwise.tickets import Tickets
from flowdesk.sandbox.connectwise.time_entries import TimeEntries
from flowdesk.sandbox.http import (
    Request,
    Response,
    Router,
    html_response,
    json_response,
    raw_json_response,
    route,
)
from flowdesk.sandbox.seed import MEMBER_EMAIL, MEMBER_ID, MEMBER_IDENTIFIER, MEMBER_NAME, utcnow
from flowdesk.sandbox.state import SandboxState

API_PREFIX_RX = re.compile(r"^/(?P<codebase>[^/]+/)apis/3\.0(?P<rest>/.*)?$", re.IGNORECASE)
# ConnectWise's URL entry point for opening a record in the browser ("Open ticket in ConnectWise").
OPENRECORD_RX = re.compile(r"^/v4_6_release/services/system_io/router/openrecord\.rails$", re.IGNORECASE)
COMPANYINFO_RX = re.compile(r"^/login/companyinfo/(?P<company>[^/]+)/?$", re.IGNORECASE)
GUID_RX = re.compile(r"^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$")
VERSION_IN_ACCEPT_RX = re.compile(r"version\s*=\s*([^\s;,]+)", re.IGNORECASE)
OLDEST_VERSION = (2019, 1)  # ref §2: since 2019.1 the API version equals the PSA release


class ConnectWiseApp:
    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.tickets = Tickets(state)
        self.time_entries = TimeEntries(state, self.tickets)
        self.ticket_lists = TicketLists(state, self.tickets)
        self.router = Router.of(self, self.tickets, self.time_entries, self.ticket_lists)

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
        # the server's clock, in process too: FlowDesk bounds its check after a lost answer with it
        resp.set_header("Date", email.utils.format_datetime(utcnow(), usegmt=True))

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
        recid = to_int(query.get("recid", ""))
        kind = "project" if "project" in query.get("recordType", "").lower() else "service"
        with self.state.cond:
            ticket = copy.deepcopy(self.tickets.find(recid, kind)) if recid is not None else None
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
            host = self.state.config.site_url or req.host
            is_cloud = self.state.config.is_cloud
        return json_response(
            200,
            {
                "CompanyName": "FlowDesk Sandbox MSP",
                "Codebase": codebase,
                "VersionCode": f"v{version}",
                "VersionNumber": f"v4.6.{version.replace('.', '')}01",
                "CompanyID": s.company,
                "IsCloud": is_cloud,
                "SiteUrl": host,
                "AllowedOrigins": [f"{req.scheme}://{req.host}", "*.myconnectwise.net"],
            },
        )

    # -- system ---------------------------------------------------------------------------------------

    @route("GET", r"/system/info")
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
            "licenseClass": m.license_class,
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
        }

    @route("GET", r"/system/myMembers/info")
    def my_member_info(self, req: Request) -> Response:
        return json_response(200, self._member_info())

    @route("GET", r"/system/myMembers")
    def my_member(self, req: Request) -> Response:
        info = self._member_info()
        info.update({"title": "Service Engineer", "officePhone": "555-0147", "_info": {"lastUpdated": "2026-11-01T09:00:00Z"}})
        return json_response(200, info)

    @route("GET", r"/system/mySecurity")
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

        notes = add_level(m.can_add_notes)
        time_add = add_level(m.can_add_time)
        inquire = add_level(m.can_read_tickets)
        rows = [
            row(1, "Service", "Service Desk", "ServiceTickets", "Service Tickets", notes, "All", "My", inquire),
            row(2, "Project", "Project", "ProjectTickets", "Project Tickets", notes, "All", "My", inquire),
            row(3, "TimeExpense", "Time & Expense", "TimeEntry", "Time Entry", time_add, "My", "My", "My"),
            row(4, "System", "System", "MemberMaintenance", "Member Maintenance", "None", "None", "None", "All"),
            row(5, "Companies", "Companies", "CompanyMaintenance", "Company Maintenance", "None", "My", "None", "All"),
        ]
        return list_response(req, rows, cond.schema_of(rows[0]), state=self.state)  # paged like every list (ref §7)

    # -- tickets --------------------------------------------------------------------------------------
