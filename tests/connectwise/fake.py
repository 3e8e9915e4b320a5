"""A small in-process ConnectWise for the client's tests (the full sandbox lives in ``flowdesk/sandbox``).

Every answer copies a shape quoted in ``shared/reference/connectwise-api.md``; the section is named next
to it. ``FakeConnectWise.handler`` is an ``httpx.MockTransport`` handler; :func:`serve` puts the same
handler behind a real loopback socket (stdlib ``ThreadingHTTPServer``) for the command-line tests.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlencode

import httpx

from flowdesk import CONNECTWISE_CLIENT_ID

PUBLIC = "PuBl1cKeyAAAA111"
PRIVATE = "Pr1vAteKeyZZZZ99xq"
COMPANY = "acme"

Responder = Callable[[httpx.Request], httpx.Response]


def json_response(status: int, data: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(
        status, content=json.dumps(data).encode(), headers={"Content-Type": "application/json", **(headers or {})}
    )


def html_response(status: int) -> httpx.Response:
    page = f"<!DOCTYPE html><html><head><title>{status}</title></head><body><h1>Bad Gateway</h1></body></html>"
    return httpx.Response(status, content=page.encode(), headers={"Content-Type": "text/html"})


# §8 envelopes, verbatim where the reference quotes them
NOT_FOUND_TICKET = {"code": "NotFound", "message": "Ticket {id} not found"}  # §4 404 shape
SECURITY_403 = {"code": "Security", "message": "You do not have security permission to perform this action."}  # §5, §8
NOTE_NEEDS_FLAG = {  # §3: a POST with only text
    "code": "InvalidObject",
    "message": "serviceNote object is invalid",
    "errors": [
        {
            "code": "InvalidObject",
            "message": "Please choose where to display the notes in order to save this record.",
            "resource": "serviceNote",
            "field": "detailDescriptionFlag",
        }
    ],
}
SERVER_500 = {"code": "ConnectWiseApi", "message": "A timeout has occured. Please try again.", "errors": None}  # §8


@dataclass
class FakeConnectWise:
    company: str = COMPANY
    public_key: str = PUBLIC
    private_key: str = PRIVATE
    client_id: str = CONNECTWISE_CLIENT_ID
    codebase: str = "v2025_1/"
    site_url: str = "api-na.myconnectwise.net"
    member: dict[str, Any] = field(
        default_factory=lambda: {  # §6 MyMemberInfo
            "id": 173,
            "identifier": "dwhitfield",
            "firstName": "Dana",
            "lastName": "Whitfield",
            "fullName": "Dana Whitfield",
            "defaultEmail": "dana.whitfield@example.com",
            "licenseClass": "F",
            "inactiveFlag": False,
            "timeZone": {"id": 1, "name": "Eastern Standard Time"},
            "requireTimeSheetEntryFlag": False,
            "requireStartAndEndTimeOnTimeEntryFlag": True,
            "enterTimeAgainstCompanyFlag": False,
            "_info": {"lastUpdated": "2026-11-02T10:01:44Z"},
        }
    )
    security: list[dict[str, Any]] = field(default_factory=lambda: default_security())
    tickets: dict[tuple[str, int], dict[str, Any]] = field(default_factory=lambda: default_tickets())
    statuses: dict[tuple[int, int], dict[str, Any]] = field(default_factory=lambda: default_statuses())
    notes: dict[tuple[str, int], list[dict[str, Any]]] = field(default_factory=dict)
    time_entries: list[dict[str, Any]] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)
    overrides: list[tuple[str, re.Pattern[str], Responder]] = field(default_factory=list)
    next_id: int = 9000
    page_cap: int = 1000  # the largest pageSize the server honours (§7: 1000)

    # ---------------------------------------------------------------- test controls

    def on(self, method: str, path_regex: str, responder: Responder | httpx.Response) -> None:
        """Answer ``method`` requests whose path (after the API base) matches ``path_regex``."""
        fn = responder if callable(responder) else (lambda _req, r=responder: r)
        self.overrides.insert(0, (method, re.compile(path_regex), fn))

    def api_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if "/apis/3.0/" in r.url.path]

    def discovery_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path.startswith("/login/companyinfo/")]

    @property
    def authorization(self) -> str:
        raw = f"{self.company}+{self.public_key}:{self.private_key}".encode()
        return "Basic " + base64.b64encode(raw).decode()

    # ---------------------------------------------------------------- the server

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        m = re.fullmatch(r"/login/companyinfo/([^/]+)", path)
        if m:
            return self.companyinfo(m.group(1))
        prefix = f"/{self.codebase}apis/3.0"
        if not path.startswith(prefix + "/"):
            return json_response(404, {"code": "NotFound", "message": f"The resource {path} was not found"})
        sub = path[len(prefix) :]
        for method, rx, fn in self.overrides:
            if method == request.method and rx.fullmatch(sub):
                return fn(request)
        if request.headers.get("Authorization") != self.authorization:
            return json_response(401, {"code": "Unauthorized", "message": "Unauthorized"})  # §8 401
        if request.headers.get("clientId") != self.client_id:
            return json_response(400, {"code": "InvalidClientId", "message": "clientId is required"})
        return self.route(request, sub)

    def companyinfo(self, company: str) -> httpx.Response:
        if company.lower() != self.company.lower():
            return json_response(200, None)  # §1: unknown company -> 200 with a null body
        return json_response(  # §1 companyinfo fields (PascalCase)
            200,
            {
                "CompanyName": "Acme IT",
                "Codebase": self.codebase,
                "VersionCode": "v2025.1",
                "VersionNumber": "v4.6.109999",
                "CompanyID": self.company,
                "IsCloud": True,
                "SiteUrl": self.site_url,
                "AllowedOrigins": "*.myconnectwise.net",
            },
        )

    def route(self, request: httpx.Request, sub: str) -> httpx.Response:
        method = request.method
        rid = {"x-cw-request-id": f"req-{len(self.requests)}", "api-current-version": "2025.16"}
        if method == "GET" and sub == "/system/myMembers/info":
            return json_response(200, self.member, rid)
        if method == "GET" and sub == "/system/mySecurity":
            return self.paged(request, self.security, rid)
        m = re.fullmatch(r"/(service|project)/tickets/(\d+)", sub)
        if method == "GET" and m:
            ticket = self.tickets.get((m.group(1), int(m.group(2))))
            if ticket is None:
                return json_response(404, {"code": "NotFound", "message": f"Ticket {m.group(2)} not found"}, rid)
            return json_response(200, ticket, rid)
        m = re.fullmatch(r"/service/boards/(\d+)/statuses/(\d+)", sub)
        if method == "GET" and m:
            status = self.statuses.get((int(m.group(1)), int(m.group(2))))
            if status is None:
                return json_response(404, {"code": "NotFound", "message": "BoardStatus not found"}, rid)
            return json_response(200, status, rid)
        m = re.fullmatch(r"/(service|project)/tickets/(\d+)/notes", sub)
        if m:
            key = (m.group(1), int(m.group(2)))
            if key not in self.tickets:
                return json_response(404, {"code": "NotFound", "message": f"Ticket {key[1]} not found"}, rid)
            if method == "POST":
                return self.create_note(request, key, rid)
            rows = sorted(self.notes.get(key, []), key=lambda n: n.get("id") or 0 if isinstance(n, dict) else 0, reverse="desc" in request.url.params.get("orderBy", ""))
            return self.paged(request, rows, rid)
        if sub == "/time/entries":
            if method == "POST":
                return self.create_time_entry(request, rid)
            return self.paged(request, list(self.time_entries), rid)
        return json_response(404, {"code": "NotFound", "message": f"{sub} not found"}, rid)

    def create_note(self, request: httpx.Request, key: tuple[str, int], headers: dict[str, str]) -> httpx.Response:
        body = json.loads(request.content)
        if not any(body.get(f) for f in ("detailDescriptionFlag", "internalAnalysisFlag", "resolutionFlag")):
            return json_response(400, NOTE_NEEDS_FLAG, headers)
        self.next_id += 1
        note = {  # §3: the created ServiceNote (DJCW fixture fields)
            "id": self.next_id,
            "ticketId": key[1],
            "text": body.get("text", ""),
            "detailDescriptionFlag": bool(body.get("detailDescriptionFlag")),
            "internalAnalysisFlag": bool(body.get("internalAnalysisFlag")),
            "resolutionFlag": bool(body.get("resolutionFlag")),
            "member": {"id": self.member["id"], "identifier": self.member["identifier"], "name": self.member["fullName"]},
            "dateCreated": "2026-11-18T14:02:11Z",
            "createdBy": self.member["identifier"],
            "internalFlag": bool(body.get("internalAnalysisFlag")),
            "externalFlag": bool(body.get("detailDescriptionFlag") or body.get("resolutionFlag")),
            "_info": {"lastUpdated": "2026-11-18T14:02:11Z", "updatedBy": self.member["identifier"]},
        }
        self.notes.setdefault(key, []).append(note)
        return json_response(201, note, headers)

    def create_time_entry(self, request: httpx.Request, headers: dict[str, str]) -> httpx.Response:
        body = json.loads(request.content)
        self.next_id += 1
        entry = {  # §5 TimeEntry as stored
            "id": self.next_id,
            "chargeToId": body.get("chargeToId"),
            "chargeToType": body.get("chargeToType"),
            "member": {"id": self.member["id"], "identifier": self.member["identifier"]},
            "timeStart": body.get("timeStart"),
            "timeEnd": body.get("timeEnd"),
            "actualHours": body.get("actualHours"),
            "notes": body.get("notes"),
            "billableOption": "Billable",
            "status": "Open",
            "timeSheet": {"id": 55, "name": "2026-11-16 to 2026-11-22"},
            "mobileGuid": "0f8fad5b-d9cb-469f-a165-70867728950e",
            "_info": {"lastUpdated": "2026-11-18T14:02:12Z", "updatedBy": self.member["identifier"], "dateEntered": "2026-11-18T14:02:12Z"},
        }
        self.time_entries.append(entry)
        return json_response(201, entry, headers)

    def paged(self, request: httpx.Request, rows: list[dict[str, Any]], headers: dict[str, str]) -> httpx.Response:
        """§7 paging: ``page``/``pageSize`` (default 25, 1-based) and an RFC 5988 ``Link`` header."""
        params = request.url.params
        size = min(int(params.get("pageSize", "25")), self.page_cap)
        page = int(params.get("page", "1"))
        chunk = rows[(page - 1) * size : page * size]
        links = []
        if page * size < len(rows):
            nxt = dict(params)
            nxt["page"] = str(page + 1)
            links.append(f'<{request.url.copy_with(query=urlencode(nxt).encode())}>; rel="next"')
            last = dict(params)
            last["page"] = str((len(rows) + size - 1) // size)
            links.append(f'<{request.url.copy_with(query=urlencode(last).encode())}>; rel="last"')
        elif page > 1:
            first = dict(params)
            first["page"] = "1"
            links.append(f'<{request.url.copy_with(query=urlencode(first).encode())}>; rel="first"')
        extra = {"Link": ", ".join(links)} if links else {}
        return json_response(200, chunk, {**headers, **extra})


def security_row(module: str, function: str, add: str = "All", inquire: str = "All") -> dict[str, Any]:
    """A §6 ``/system/mySecurity`` row."""
    return {
        "id": abs(hash((module, function))) % 10000,
        "addLevel": add,
        "editLevel": add,
        "deleteLevel": "None",
        "inquireLevel": inquire,
        "moduleFunctionName": function,
        "moduleFunctionDescription": f"{function} in {module}",
        "myAllFlag": True,
        "moduleFunctionIdentifier": function.replace(" ", ""),
        "moduleDescription": module,
        "moduleIdentifier": module.replace(" & ", "").replace(" ", ""),
        "moduleName": module,
        "sortOrder": 1,
    }


def default_security(*, notes: str = "All", time: str = "My") -> list[dict[str, Any]]:
    rows = [security_row("Companies", f"Function {i}", "None") for i in range(30)]  # more than one default page
    rows.insert(3, security_row("Service Desk", "Service Tickets", notes))
    rows.append(security_row("Time & Expense", "Time Entry", time))
    rows.append(security_row("Project", "Project Tickets", "All"))
    return rows


def default_tickets() -> dict[tuple[str, int], dict[str, Any]]:
    service = {  # §4 Ticket (extra fields a real answer carries are kept, to prove they are ignored)
        "id": 48211,
        "summary": "Outlook keeps asking for the password",
        "recordType": "ServiceTicket",
        "board": {"id": 1, "name": "Help Desk"},
        "status": {"id": 11, "name": "In Progress"},
        "company": {"id": 250, "identifier": "Contoso", "name": "Contoso Ltd"},
        "contact": {"id": 9, "name": "Pat Lee"},
        "priority": {"id": 4, "name": "Priority 3 - Normal Response"},
        "closedFlag": False,
        "actualHours": 1.5,
        "customFields": [{"id": 1, "caption": "Site", "value": None}],
        "_info": {"lastUpdated": "2026-11-18T13:55:00Z"},
    }
    closed = dict(service, id=48300, summary="Printer offline", status={"id": 19, "name": "Closed"}, closedFlag=True)
    project = {
        "id": 31207,
        "summary": "Migrate file server",
        "recordType": "ProjectTicket",
        "board": {"id": 7, "name": "Projects"},
        "status": {"id": 71, "name": "Scheduled"},
        "company": {"id": 250, "identifier": "Contoso", "name": "Contoso Ltd"},
        "closedFlag": False,
    }
    return {("service", 48211): service, ("service", 48300): closed, ("project", 31207): project}


def default_statuses() -> dict[tuple[int, int], dict[str, Any]]:
    # §4 BoardStatus: timeEntryNotAllowed / closedStatus
    return {
        (1, 11): {"id": 11, "name": "In Progress", "board": {"id": 1}, "closedStatus": False, "timeEntryNotAllowed": False},
        (1, 19): {"id": 19, "name": "Closed", "board": {"id": 1}, "closedStatus": True, "timeEntryNotAllowed": True},
        (7, 71): {"id": 71, "name": "Scheduled", "board": {"id": 7}, "closedStatus": False, "timeEntryNotAllowed": False},
    }


# -------------------------------------------------------------------- a real socket in front of it


class _Handler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True
    fake: FakeConnectWise
    base: str

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = httpx.Request(self.command, self.base + self.path, headers=list(self.headers.items()), content=body)
        response = self.fake.handler(request)
        payload = response.content
        self.send_response(response.status_code)
        for name, value in response.headers.items():
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _serve

    def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
        pass


@contextmanager
def serve(fake: FakeConnectWise) -> Iterator[str]:
    """Run ``fake`` on ``http://127.0.0.1:PORT`` for the duration of the block; yields the base URL."""
    handler = type("Handler", (_Handler,), {"fake": fake, "base": ""})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    handler.base = base
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-connectwise", daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
