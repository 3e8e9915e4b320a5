"""The ConnectWise PSA REST client FlowDesk posts notes and time entries with (engineer's own member keys).

Written from ``shared/reference/connectwise-api.md`` (section numbers below are that page's):

* HTTP through :mod:`flowdesk.http` (one reused client; explicit timeouts and an overall deadline per
  request; a cap on the answer's size; TLS verified with the OS trust store plus ``ca_file``; the proxy
  setting; redirects never followed); plain http only for loopback test servers;
* discovery of the API host and codebase from ``/login/companyinfo/{company}`` (§1), cached, and done
  again once when a request gets an unexpected 404 (cloud codebases change on upgrades);
* headers of §2 with a pinned ``Accept`` version; no request is ever retried here after it was sent:
  a write that may have reached ConnectWise without an answer raises :class:`Ambiguous`;
* every failure is one of the classes in :mod:`flowdesk.connectwise.errors`, with plain words.

Keys never reach a log line or an exception: requests are logged as method, path, status and
``x-cw-request-id`` only, and transport errors are turned into FlowDesk errors outside the ``except``
block, so no httpx exception (which holds the request and its headers) is chained to them.

The client is synchronous and may block for up to its deadline (60 seconds a request): call it from a
worker thread; ``close()`` from another thread ends a request in flight at once.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx

from flowdesk import CONNECTWISE_CLIENT_ID
from flowdesk.connectwise import rows as read
from flowdesk.connectwise.answers import (
    Op,
    answer,
    failure_error,
    older_api_version,
    request_id,
    unusable_write_answer,
)
from flowdesk.connectwise.bodies import TicketRef, cw_datetime
from flowdesk.connectwise.errors import (
    RIGHT_PROJECT_NOTES,
    RIGHT_READ_MEMBER,
    RIGHT_READ_PROJECT_TICKETS,
    RIGHT_READ_SERVICE_TICKETS,
    RIGHT_READ_TIME,
    RIGHT_SERVICE_NOTES,
    RIGHT_TIME,
    CompanyNotFound,
    ConnectWiseError,
    NotFound,
    PermissionDenied,
    ServerError,
    ValidationFailed,
)
from flowdesk.connectwise.models import (
    Boundary,
    ConnectionReport,
    Member,
    NoteRecord,
    Permissions,
    PostedNote,
    PostedTimeEntry,
    Ticket,
    TimeEntryRecord,
    lenient,
)
from flowdesk.connectwise.site import (
    SiteConfigError,
    SiteInfo,
    api_location,
    check_company,
    normalise_codebase,
    normalise_site,
    site_host,
)
from flowdesk.http.client import CONNECT_RETRIES, DEFAULT_TIMEOUT, HttpClient, ServiceClient
from flowdesk.http.proxy import ProxyConfig
from flowdesk.logs import get_logger, register_secret

log = get_logger("connectwise")

API_VERSION = "2025.16"  # the ConnectWise release whose models FlowDesk was written against (§2)
ACCEPT = f"application/vnd.connectwise.com+json; version={API_VERSION}"
__all__ = ["ACCEPT", "API_VERSION", "CONNECT_RETRIES", "DEFAULT_TIMEOUT", "ConnectWiseClient"]
MAX_PAGE_SIZE = 1000  # §7: "hard limit of 1,000 records"
MAX_PAGES = 20  # a runaway Link chain stops here
TIME_WINDOW = timedelta(minutes=1)  # a lost time entry is looked for within a minute of its timeStart
# The fields read from a ticket. A ProjectTicket has no recordType (ConnectWise spec v2025.8), so the project
# path gets its own list: whether ConnectWise refuses an unknown field is not known, FlowDesk never sends one.
PROJECT_TICKET_FIELDS = (
    "id,summary,closedFlag,board/id,board/name,status/id,status/name,company/id,company/identifier,company/name"
)
TICKET_FIELDS = PROJECT_TICKET_FIELDS.replace("summary,", "summary,recordType,", 1)
SEARCH_ORDER = "_info/lastUpdated desc"  # newest first (§7 orderBy)
LOG_HEADERS = ("x-cw-request-id", "api-current-version")
# The fields of companyinfo's answer (§1); an answer with none of them is not company information.
_COMPANY_INFO_FIELDS = ("Codebase", "CompanyID", "CompanyName", "SiteUrl", "VersionCode", "IsCloud")
# What FlowDesk needs, as (module, its functions' names, the right in ConnectWise's words, the level that grants it).
# Reading tickets: the ticket card, the ticket finder, and the company check before a note queued unchecked is sent.
REQUIRED_RIGHTS = {
    "notes": ("Service Desk", ("Service Tickets",), RIGHT_SERVICE_NOTES, "addLevel"),
    "time": ("Time & Expense", ("Time Entry", "Time Entries"), RIGHT_TIME, "addLevel"),
    "read": ("Service Desk", ("Service Tickets",), RIGHT_READ_SERVICE_TICKETS, "inquireLevel"),
}


class ConnectWiseClient(ServiceClient):
    """One engineer's ConnectWise API session. Thread-safe; reuse it; ``close()`` it when done (from any
    thread: a write in flight then raises :class:`Ambiguous`, to be checked before sending it again)."""

    def __init__(
        self,
        site: str,
        company: str,
        public_key: str,
        private_key: str,
        *,
        client_id: str | None = None,
        ca_file: str | None = None,
        timeout: httpx.Timeout | None = None,
        transport: httpx.BaseTransport | None = None,
        proxy: ProxyConfig | None = None,
        deadline: float | None = None,
    ) -> None:
        self._site_base = normalise_site(site)
        self._host = site_host(site)
        self._company = check_company(company)
        public_key = (public_key or "").strip()
        private_key = (private_key or "").strip()
        if not public_key or not private_key:
            raise SiteConfigError("Enter both ConnectWise API keys (public and private), from My Account → API Keys")
        if ":" in public_key:
            raise SiteConfigError("The public key cannot contain ':'; copy it again from My Account → API Keys")
        token = base64.b64encode(f"{self._company}+{public_key}:{private_key}".encode()).decode("ascii")
        register_secret(private_key)
        register_secret(token)
        self._authorization = f"Basic {token}"
        self._client_id = (client_id or "").strip() or CONNECTWISE_CLIENT_ID
        self._accept = ACCEPT
        self._http = HttpClient(SiteConfigError, log, LOG_HEADERS, ca_file=ca_file, proxy=proxy, timeout=timeout,
                                deadline=deadline, transport=transport)
        self._lock = threading.Lock()
        self._site: SiteInfo | None = None

    def __repr__(self) -> str:
        return f"<ConnectWiseClient company={self._company!r} site={self._site_base!r}>"

    @property
    def company(self) -> str:
        return self._company

    # ------------------------------------------------------------------ discovery (§1)

    def discover(self) -> SiteInfo:
        """The company's API host and codebase, from ``GET {site}/login/companyinfo/{company}`` (cached)."""
        with self._lock:
            if self._site is None:
                self._site = self._fetch_site()
            return self._site

    def _rediscover(self, stale: SiteInfo) -> SiteInfo | None:
        """Ask companyinfo again; the new site when its API base changed, else None."""
        with self._lock:
            if self._site is not None and self._site.api_base != stale.api_base:
                return self._site  # another thread already found the new one
            fresh = self._fetch_site()
            self._site = fresh
        if fresh.api_base == stale.api_base:
            return None
        log.info("ConnectWise codebase changed: %s -> %s", stale.codebase, fresh.codebase)
        return fresh

    def _fetch_site(self) -> SiteInfo:
        """Ask companyinfo; an error it raises is marked ``company_lookup`` (nothing else was sent)."""
        try:
            return self._read_company_info()
        except ConnectWiseError as exc:
            exc.company_lookup = True
            raise

    def _read_company_info(self) -> SiteInfo:
        path = f"/login/companyinfo/{quote(self._company, safe='')}"
        op = Op(
            action=f"look up company '{self._company}' on {self._host}",
            thing="company information",
            not_found=(
                f"{self._host} did not answer like a ConnectWise server (HTTP 404 for /login/companyinfo) — "
                "check the site address (e.g. na.myconnectwise.net)"
            ),
        )
        headers = {"Accept": "application/json", "Cache-Control": "no-cache"}  # no keys: discovery is anonymous
        response = self._send("GET", self._site_base + path, op, headers=headers)
        data = answer(response, "GET", op, self._company)
        if data is None:
            raise CompanyNotFound(
                f"ConnectWise has no company '{self._company}' on {self._host} — "
                "check the company ID you sign in with",
                status=response.status_code,
                request_id=request_id(response),
            )
        # No field of company information at all (``{}`` from a site mid-upgrade) is not an on-premises server
        # without a Codebase: the default codebase would only bring 404s.
        known = isinstance(data, dict) and any(name in data for name in _COMPANY_INFO_FIELDS)
        codebase = normalise_codebase(data.get("Codebase")) if known else None
        if codebase is None:
            raise ServerError(
                f"{self._host} answered the company look-up with something that is not ConnectWise company "
                "information — check the site address (e.g. na.myconnectwise.net)",
                status=response.status_code,
                request_id=request_id(response),
            )
        assert isinstance(data, dict)
        origin, api_host = api_location(self._site_base, data.get("SiteUrl"), data.get("IsCloud"))
        return SiteInfo(
            site=self._site_base,
            company=self._company,
            codebase=codebase,
            api_host=api_host,
            api_base=f"{origin}/{codebase}apis/3.0",
            site_url=read.text(data.get("SiteUrl")),
            company_name=read.text(data.get("CompanyName")),
            company_id=read.text(data.get("CompanyID")),
            version=read.text(data.get("VersionCode")),
            is_cloud=data.get("IsCloud") if isinstance(data.get("IsCloud"), bool) else None,
        )

    # ------------------------------------------------------------------ who am I (§6)

    def who_am_i(self) -> Member:
        """The member the keys belong to (``GET /system/myMembers/info``)."""
        op = Op("read your ConnectWise member record", "member record", right=RIGHT_READ_MEMBER)
        data = self._call("GET", "/system/myMembers/info", op)
        try:
            member = lenient(Member, data)
        except ValueError:
            member = None
        if member is None or not member.identifier:
            raise ServerError("ConnectWise answered the who-am-I request without a member identifier")
        return member

    def my_permissions(self) -> Permissions:
        """Whether the member may add ticket notes and time entries, and read tickets (``GET /system/mySecurity``)."""
        op = Op("read your security settings", "security settings")
        rows = list(self._pages("/system/mySecurity", {"pageSize": MAX_PAGE_SIZE}, op, limit=None))
        allowed = {name: False for name in REQUIRED_RIGHTS}
        for row in rows:
            for name, (module, functions, _, level) in REQUIRED_RIGHTS.items():
                if read.is_right(row, module, functions) and read.level_allows(row.get(level)):
                    allowed[name] = True
        missing = [REQUIRED_RIGHTS[name][2] for name, ok in allowed.items() if not ok]
        return Permissions(
            can_add_notes=allowed["notes"], can_add_time=allowed["time"], can_read_tickets=allowed["read"], missing=missing
        )

    def test_connection(self) -> ConnectionReport:
        """Discover the site, then who the keys belong to and what they may do."""
        self.discover()
        member = self.who_am_i()
        permissions = self.my_permissions()
        return ConnectionReport(member=member, permissions=permissions, site=self.discover())

    # ------------------------------------------------------------------ tickets (§4)

    def get_ticket(self, ticket_id: int) -> Ticket:
        """A service ticket, or the project ticket with that id when there is no such service ticket."""
        ticket_id = _ticket_number(ticket_id)
        service_op = Op(f"read ticket #{ticket_id}", "ticket", right=RIGHT_READ_SERVICE_TICKETS, ticket=ticket_id)
        data: Any = None
        kind = "service"
        missing: NotFound | None = None
        try:
            data = self._call("GET", f"/service/tickets/{ticket_id}", service_op, params={"fields": TICKET_FIELDS})
        except NotFound as exc:  # not a service ticket: try the project board (§4)
            missing = exc
        if missing is not None:
            kind = "project"
            project_op = Op(
                f"read project ticket #{ticket_id}",
                "ticket",
                right=RIGHT_READ_PROJECT_TICKETS,
                not_found=(
                    f"ConnectWise has no ticket #{ticket_id} (neither a service nor a project ticket), "
                    "or your account cannot see it — check the ticket number"
                ),
                ticket=ticket_id,
            )
            data = self._call(
                "GET", f"/project/tickets/{ticket_id}", project_op, params={"fields": PROJECT_TICKET_FIELDS},
                rediscover=False,
            )
        if not isinstance(data, dict):
            raise ServerError(f"ConnectWise answered the request for ticket #{ticket_id} with something that is not a ticket")
        answered = read.ref_id(data)
        if answered is not None and answered != ticket_id:  # never another ticket's company, board or status
            raise ServerError(f"ConnectWise answered the request for ticket #{ticket_id} with ticket #{answered}")
        record_type = read.text(data.get("recordType")) or ("ProjectTicket" if kind == "project" else None)
        if record_type in ("ProjectTicket", "ProjectIssue"):
            kind = "project"
        board_id = read.ref_id(data.get("board"))
        status_id = read.ref_id(data.get("status"))
        return Ticket(
            ref=TicketRef(ticket_id, kind),  # type: ignore[arg-type]
            summary=read.text(data.get("summary")) or "",
            company=read.ref_name(data.get("company")),
            company_identifier=read.text((data.get("company") or {}).get("identifier")) if isinstance(data.get("company"), dict) else None,
            board=read.ref_name(data.get("board")),
            status=read.ref_name(data.get("status")),
            closed=data.get("closedFlag") is True,
            time_entry_allowed=self._time_entry_allowed(ticket_id, board_id, status_id),
            board_id=board_id,
            status_id=status_id,
            record_type=record_type,
        )

    def search_tickets(self, conditions: str, *, kind: str = "service", limit: int = 25) -> list[Ticket]:
        """Tickets matching ``conditions`` (see :mod:`flowdesk.connectwise.search`), newest first, at most
        ``limit``, following ``Link`` pages as far as needed (§7). Board-status rules are not looked up:
        ``time_entry_allowed`` is left True (``get_ticket`` tells when a ticket is linked)."""
        if limit < 1:
            return []
        project = kind == "project"
        op = Op(
            "search project tickets" if project else "search tickets",
            "tickets",
            right=RIGHT_READ_PROJECT_TICKETS if project else RIGHT_READ_SERVICE_TICKETS,
        )
        fields = (PROJECT_TICKET_FIELDS if project else TICKET_FIELDS) + ",_info/lastUpdated"
        params: dict[str, Any] = {"orderBy": SEARCH_ORDER, "pageSize": min(limit, MAX_PAGE_SIZE), "fields": fields}
        if conditions:
            params["conditions"] = conditions
        path = "/project/tickets" if project else "/service/tickets"
        out: list[Ticket] = []
        for row in self._pages(path, params, op, limit=limit):
            ticket = read.ticket_of(row, "project" if project else "service")
            if ticket is not None:
                out.append(ticket)
        return out[:limit]

    def _time_entry_allowed(self, ticket_id: int, board_id: int | None, status_id: int | None) -> bool:
        """False when the ticket's board status says ``timeEntryNotAllowed``; True when it allows time or
        cannot be read (ConnectWise then decides when the time entry is posted)."""
        if board_id is None or status_id is None:
            return True
        op = Op(f"read the status of ticket #{ticket_id}", "board status", ticket=ticket_id)
        try:
            data = self._call("GET", f"/service/boards/{board_id}/statuses/{status_id}", op, rediscover=False)
        except (NotFound, PermissionDenied) as exc:
            log.debug("board status %s/%s unreadable (%s); assuming time entries are allowed", board_id, status_id, exc.kind)
            return True
        return not (isinstance(data, dict) and data.get("timeEntryNotAllowed") is True)

    def board_statuses(self, board_id: int) -> list[tuple[int, str]]:
        """A board's active statuses, ``(id, name)`` in board order (``GET /service/boards/{id}/statuses``)."""
        op = Op(f"read the statuses of board {board_id}", "board statuses")
        params = {"conditions": "inactive=false", "orderBy": "sortOrder asc", "fields": "id,name", "pageSize": MAX_PAGE_SIZE}
        rows = self._pages(f"/service/boards/{board_id}/statuses", params, op, limit=None)
        return [(r["id"], r["name"]) for r in rows if type(r.get("id")) is int and isinstance(r.get("name"), str)]

    def status_notifications(self, board_id: int, status_id: int) -> list[str]:
        """Whom ConnectWise notifies when a ticket is set to this status (``GET /service/boards/{id}/statuses/{id}/
        notifications``): each ``notifyWho``'s name, with the member or e-mail address it names."""
        op = Op(f"read the notifications of status {status_id}", "status notifications")
        path = f"/service/boards/{board_id}/statuses/{status_id}/notifications"
        rows = self._pages(path, {"pageSize": MAX_PAGE_SIZE}, op, limit=None)
        return [who for who in map(read.recipient, rows) if who]

    def set_ticket_status(self, ticket: TicketRef, status_id: int) -> str | None:
        """Set ``ticket``'s status (``PATCH [{"op": "replace", "path": "status/id", "value": N}]``) and read
        the ticket back: ConnectWise can answer 200 and keep the old status, which raises
        :class:`ValidationFailed` naming the status it kept. Returns the new status's name. A PATCH sets a
        value, so sending it again after a lost answer is harmless."""
        op = Op(f"change the status of ticket #{ticket.id}", "status change", ticket=ticket.id)
        self._call("PATCH", ticket.path, op, body=[{"op": "replace", "path": "status/id", "value": status_id}])
        read_back = Op(f"read ticket #{ticket.id}", "ticket", ticket=ticket.id)
        data = self._call("GET", ticket.path, read_back, params={"fields": "id,status/id,status/name"}, rediscover=False)
        now = data.get("status") if isinstance(data, dict) else None
        if not isinstance(now, dict) or now.get("id") != status_id:
            kept = read.ref_name(now) or "its old status"
            from flowdesk.core.present import STATUS_KEPT, status_kept

            raise ValidationFailed(status_kept(ticket.id, kept), server_message=f"{STATUS_KEPT}{kept}")
        return read.ref_name(now)

    # ------------------------------------------------------------------ notes (§3)

    def post_note(self, ticket: TicketRef, body: dict[str, Any]) -> PostedNote:
        """Add ``body`` (sent exactly as given, see ``note_body``) as a note on ``ticket``.

        Raises :class:`Ambiguous` (or :class:`ServerError` with ``may_have_stored``) when the note may
        have been stored without FlowDesk learning of it: look for it with :meth:`recent_notes` first.
        """
        op = Op(
            f"add a note to ticket #{ticket.id}",
            "note",
            right=RIGHT_PROJECT_NOTES if ticket.kind == "project" else RIGHT_SERVICE_NOTES,
            not_found=(
                f"ConnectWise has no {ticket.kind} ticket #{ticket.id} to add the note to, or your account "
                "cannot see it — check the ticket number"
            ),
            ticket=ticket.id,
        )
        data = self._call("POST", f"{ticket.path}/notes", op, body=body)
        try:
            return lenient(PostedNote, data)
        except ValueError:
            raise unusable_write_answer(op) from None

    def recent_notes(self, ticket: TicketRef, limit: int = 50) -> list[NoteRecord]:
        """The ticket's newest notes, newest first (``orderBy=id desc``), at most ``limit``."""
        if limit < 1:
            return []
        op = Op(
            f"read the notes of ticket #{ticket.id}",
            "notes",
            right=RIGHT_READ_PROJECT_TICKETS if ticket.kind == "project" else RIGHT_READ_SERVICE_TICKETS,
            not_found=f"ConnectWise has no {ticket.kind} ticket #{ticket.id}, or your account cannot see it",
            ticket=ticket.id,
        )
        params = {"orderBy": "id desc", "pageSize": min(limit, MAX_PAGE_SIZE)}
        notes = [read.record(NoteRecord, row) for row in self._pages(f"{ticket.path}/notes", params, op, limit=limit)]
        kept = sorted((n for n in notes if n is not None), key=lambda n: n.id, reverse=True)
        return kept[:limit]

    def send_boundary(self, ticket: TicketRef, what: str) -> Boundary:
        """What is on ``ticket`` now, read just before a first send: the highest ``"note"`` (or
        ``"time_entry"``) id there (0: none) and the server's ``Date``. The check after a lost answer then
        looks only at newer records, whatever the PC's clock says."""
        if what == "note":
            path = f"{ticket.path}/notes"
            params: dict[str, Any] = {"orderBy": "id desc", "pageSize": 1, "fields": "id"}
            right = RIGHT_READ_PROJECT_TICKETS if ticket.kind == "project" else RIGHT_READ_SERVICE_TICKETS
        else:
            path = "/time/entries"
            params = {
                "conditions": f'chargeToId={ticket.id} and chargeToType="{ticket.charge_to_type}"',
                "orderBy": "id desc", "pageSize": 1, "fields": "id",
            }  # fmt: skip
            right = RIGHT_READ_TIME
        op = Op(f"read what is on ticket #{ticket.id}", "notes", right=right, ticket=ticket.id)
        _, response = self._on_site("GET", path, op, params=params)
        data = answer(response, "GET", op, self._company)
        if not isinstance(data, list):
            raise ServerError(f"ConnectWise answered the request to {op.action} with something that is not a list")
        ids = [row["id"] for row in data if isinstance(row, dict) and type(row.get("id")) is int]
        return Boundary(highest_id=max(ids, default=0), server_date=read.http_date(response.headers.get("Date")))

    # ------------------------------------------------------------------ time entries (§5)

    def work_types(self) -> list[tuple[int, str]]:
        """The company's active work types, ``(id, name)`` (``GET /time/workTypes``; the spec has no per-board list)."""
        return self._named("/time/workTypes", "work types")

    def work_roles(self) -> list[tuple[int, str]]:
        """The company's active work roles, ``(id, name)`` (``GET /time/workRoles``)."""
        return self._named("/time/workRoles", "work roles")

    def _named(self, path: str, what: str) -> list[tuple[int, str]]:
        op = Op(f"read the {what}", what, right=RIGHT_READ_TIME)
        params = {"conditions": "inactiveFlag=false", "orderBy": "name asc", "fields": "id,name", "pageSize": MAX_PAGE_SIZE}
        rows = self._pages(path, params, op, limit=None)
        return [(r["id"], r["name"]) for r in rows if type(r.get("id")) is int and isinstance(r.get("name"), str)]

    def create_time_entry(self, body: dict[str, Any]) -> PostedTimeEntry:
        """Create the time entry ``body`` (see ``time_entry_body``). Ambiguity as for :meth:`post_note`."""
        ticket_id = body.get("chargeToId")
        where = f" on ticket #{ticket_id}" if ticket_id is not None else ""
        op = Op(
            f"add a time entry{where}",
            "time entry",
            right=RIGHT_TIME,
            not_found=f"ConnectWise has nothing to charge the time entry to{where} — check the ticket number",
            ticket=ticket_id if isinstance(ticket_id, int) else None,
        )
        data = self._call("POST", "/time/entries", op, body=body)
        try:
            return lenient(PostedTimeEntry, data)
        except ValueError:
            raise unusable_write_answer(op) from None

    def find_time_entries(self, ticket: TicketRef, member_identifier: str, start: datetime) -> list[TimeEntryRecord]:
        """The member's time entries on ``ticket`` that start within a minute of ``start`` (reference §11,
        option 3; whether ConnectWise keeps seconds is not documented, so the window spans the minute)."""
        if not member_identifier or any(c in member_identifier for c in "\"'\\") or not member_identifier.isprintable():
            raise ValueError(f"not a ConnectWise member identifier: {member_identifier!r}")
        conditions = (
            f"chargeToId={ticket.id} and chargeToType=\"{ticket.charge_to_type}\" "
            f"and member/identifier=\"{member_identifier}\" and timeStart >= [{cw_datetime(start - TIME_WINDOW)}] "
            f"and timeStart <= [{cw_datetime(start + TIME_WINDOW)}]"
        )
        op = Op(
            f"read your time entries on ticket #{ticket.id}", "time entries", right=RIGHT_READ_TIME, ticket=ticket.id
        )
        params = {"conditions": conditions, "orderBy": "id desc", "pageSize": MAX_PAGE_SIZE}
        rows = [read.record(TimeEntryRecord, row) for row in self._pages("/time/entries", params, op, limit=None)]
        return [r for r in rows if r is not None]

    # ------------------------------------------------------------------ plumbing

    def _headers(self, method: str) -> dict[str, str]:
        headers = {
            "Authorization": self._authorization,
            "clientId": self._client_id,
            "Accept": self._accept,
            "Cache-Control": "no-cache",
        }
        if method != "GET":
            headers["Content-Type"] = "application/json"
        return headers

    def _call(
        self, method: str, path: str, op: Op, *, params: dict[str, Any] | None = None, body: Any = None,
        rediscover: bool = True,
    ) -> Any:
        """One API request; returns the decoded JSON or raises a :class:`ConnectWiseError`."""
        _, response = self._on_site(method, path, op, params=params, body=body, rediscover=rediscover)
        return answer(response, method, op, self._company)

    def _on_site(
        self, method: str, path: str, op: Op, *, params: dict[str, Any] | None = None, body: Any = None,
        rediscover: bool = True,
    ) -> tuple[SiteInfo, httpx.Response]:
        """``path`` on the company's API, and the site it went to.

        An unexpected 404 or redirect (3xx, never followed) makes the client ask companyinfo again, once:
        when the codebase changed (a cloud upgrade), the request is repeated on the new one. That is safe for
        a write too, because a 404 or a redirect means nothing was stored (§1, §12.4).
        """
        site = self.discover()
        response = self._send(method, site.api_base + path, op, params=params, body=body)
        if (response.status_code == 404 or 300 <= response.status_code < 400) and rediscover:
            fresh = self._rediscover(site)
            if fresh is not None:
                site = fresh
                response = self._send(method, site.api_base + path, op, params=params, body=body)
        return site, response

    def _pages(self, path: str, params: dict[str, Any], op: Op, *, limit: int | None) -> Iterator[dict[str, Any]]:
        """The items of a list, following ``Link: <…>; rel="next"`` only as far as ``limit`` needs (§7)."""
        site, response = self._on_site("GET", path, op, params=params)
        seen = 0
        for page in range(MAX_PAGES):
            data = answer(response, "GET", op, self._company)
            if not isinstance(data, list):
                raise ServerError(
                    f"ConnectWise answered the request to {op.action} with something that is not a list",
                    status=response.status_code,
                    request_id=request_id(response),
                )
            for row in data:
                if isinstance(row, dict):
                    seen += 1
                    yield row
            if limit is not None and seen >= limit:
                return
            next_url = _next_link(response, site.api_base)
            if next_url is None or page == MAX_PAGES - 1:
                return
            response = self._send("GET", next_url, op)

    def _send(
        self, method: str, url: str, op: Op, *, params: dict[str, Any] | None = None, body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        content = None
        if body is not None:
            content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        request = self._http.build_request(
            method, url, params=params, content=content, headers=headers if headers is not None else self._headers(method)
        )
        response = self._http.send(request, on_failure=lambda failure: failure_error(failure, method, op))
        older = older_api_version(response, self._accept)
        if older is not None:
            # A tenant not yet on the pinned release refuses it before doing anything (nothing stored):
            # use the version it says it runs, for this request and every later one.
            log.info("ConnectWise runs API version %s, older than %s: using it", older, API_VERSION)
            self._accept = f"application/vnd.connectwise.com+json; version={older}"
            if headers is None or "Accept" in headers:
                retry_headers = dict(headers) if headers is not None else self._headers(method)
                retry_headers["Accept"] = self._accept
                return self._send(method, url, op, params=params, body=body, headers=retry_headers)
        return response

# ---------------------------------------------------------------------- helpers


def _next_link(response: httpx.Response, api_base: str) -> str | None:
    """The ``rel="next"`` URL, only when it points back at the same API (keys never go elsewhere)."""
    link = response.links.get("next")
    if not link or not link.get("url"):
        return None
    url = response.request.url.join(link["url"])
    base = httpx.URL(api_base)
    marker = "/apis/3.0/"
    if (url.host == base.host or url.host.lower() == "host") and marker in url.path and not url.path.startswith(base.path):
        # the next page named on another codebase (or ConnectWise's placeholder host): the same resource on
        # the API this client uses — the keys still go only to it
        rest = url.path.split(marker, 1)[1]
        url = base.copy_with(path=base.path.rstrip("/") + "/" + rest, query=url.query)
    if (url.scheme, url.host, url.port) != (base.scheme, base.host, base.port) or not url.path.startswith(base.path):
        log.warning("ignoring a Link rel=next that points away from the ConnectWise API (%s)", url.host)
        return None
    return str(url)


def _ticket_number(ticket_id: Any) -> int:
    if isinstance(ticket_id, bool) or not isinstance(ticket_id, int) or ticket_id <= 0:
        raise ValueError(f"not a ticket number: {ticket_id!r}")
    return ticket_id
