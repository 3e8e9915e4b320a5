"""The ConnectWise PSA REST client FlowDesk posts notes and time entries with (engineer's own member keys).

Written from ``shared/reference/connectwise-api.md`` (section numbers below are that page's):

* one reused ``httpx.Client``; explicit timeouts; TLS always verified (system store, or ``ca_file``);
  plain http only for loopback test servers; httpx retries only connection attempts (nothing sent);
* discovery of the API host and codebase from ``/login/companyinfo/{company}`` (§1), cached, and done
  again once when a request gets an unexpected 404 (cloud codebases change on upgrades);
* headers of §2 with a pinned ``Accept`` version; no request is ever retried here after it was sent:
  a write that may have reached ConnectWise without an answer raises :class:`Ambiguous`;
* every failure is one of the classes in :mod:`flowdesk.connectwise.errors`, with plain words.

Keys never reach a log line or an exception: requests are logged as method, path, status and
``x-cw-request-id`` only, and transport errors are turned into FlowDesk errors outside the ``except``
block, so no httpx exception (which holds the request and its headers) is chained to them.

The client is synchronous and may block for up to the read timeout: call it from a worker thread.
"""

from __future__ import annotations

import base64
import json
import math
import re
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

from flowdesk import CONNECTWISE_CLIENT_ID
from flowdesk.connectwise.bodies import TicketRef, cw_datetime
from flowdesk.connectwise.errors import (
    RIGHT_PROJECT_NOTES,
    RIGHT_READ_MEMBER,
    RIGHT_READ_PROJECT_TICKETS,
    RIGHT_READ_SERVICE_TICKETS,
    RIGHT_READ_TIME,
    RIGHT_SERVICE_NOTES,
    RIGHT_TIME,
    Ambiguous,
    AuthError,
    CompanyNotFound,
    ConnectWiseError,
    NotFound,
    Offline,
    PermissionDenied,
    RateLimited,
    ServerError,
    ValidationFailed,
    parse_retry_after,
)
from flowdesk.connectwise.models import (
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
from flowdesk.http_common import causes as _causes
from flowdesk.http_common import connect_reason as _connect_reason
from flowdesk.http_common import ssl_context
from flowdesk.logs import get_logger, register_secret

log = get_logger("connectwise")

API_VERSION = "2025.16"  # the ConnectWise release whose models FlowDesk was written against (§2)
ACCEPT = f"application/vnd.connectwise.com+json; version={API_VERSION}"
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=30.0, write=30.0, pool=10.0)
CONNECT_RETRIES = 2  # httpx retries only failed connection attempts: nothing was sent yet
MAX_PAGE_SIZE = 1000  # §7: "hard limit of 1,000 records"
MAX_PAGES = 20  # a runaway Link chain stops here
TICKET_FIELDS = (
    "id,summary,recordType,closedFlag,board/id,board/name,status/id,status/name,company/id,company/identifier,company/name"
)
REQUIRED_RIGHTS = {
    "notes": ("Service Desk", ("Service Tickets",), RIGHT_SERVICE_NOTES),
    "time": ("Time & Expense", ("Time Entry", "Time Entries"), RIGHT_TIME),
}


@dataclass(frozen=True)
class _Op:
    """What a request is for, in words used by its error messages."""

    action: str  # "add a note to ticket #48211"
    thing: str  # "note"
    right: str | None = None  # the security right a 403 means is missing
    not_found: str | None = None  # the sentence for a 404
    ticket: int | None = None


class ConnectWiseClient:
    """One engineer's ConnectWise API session. Thread-safe; reuse it; ``close()`` it when done."""

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
        self._timeout = timeout or DEFAULT_TIMEOUT
        if transport is None:
            transport = httpx.HTTPTransport(verify=ssl_context(ca_file, SiteConfigError), retries=CONNECT_RETRIES)
        self._http = httpx.Client(
            transport=transport, timeout=self._timeout, follow_redirects=False, trust_env=False
        )
        self._lock = threading.Lock()
        self._site: SiteInfo | None = None

    def __repr__(self) -> str:
        return f"<ConnectWiseClient company={self._company!r} site={self._site_base!r}>"

    def __enter__(self) -> ConnectWiseClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

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
        path = f"/login/companyinfo/{quote(self._company, safe='')}"
        op = _Op(
            action=f"look up company '{self._company}' on {self._host}",
            thing="company information",
            not_found=(
                f"{self._host} did not answer like a ConnectWise server (HTTP 404 for /login/companyinfo) — "
                "check the site address (e.g. na.myconnectwise.net)"
            ),
        )
        headers = {"Accept": "application/json", "Cache-Control": "no-cache"}  # no keys: discovery is anonymous
        response = self._send("GET", self._site_base + path, op, headers=headers)
        data = self._answer(response, "GET", op)
        if data is None:
            raise CompanyNotFound(
                f"ConnectWise has no company '{self._company}' on {self._host} — "
                "check the company ID you sign in with",
                status=response.status_code,
                request_id=_request_id(response),
            )
        codebase = normalise_codebase(data.get("Codebase")) if isinstance(data, dict) else None
        if codebase is None:
            raise ServerError(
                f"{self._host} answered the company look-up with something that is not ConnectWise company "
                "information — check the site address (e.g. na.myconnectwise.net)",
                status=response.status_code,
                request_id=_request_id(response),
            )
        assert isinstance(data, dict)
        origin, api_host = api_location(self._site_base, data.get("SiteUrl"))
        return SiteInfo(
            site=self._site_base,
            company=self._company,
            codebase=codebase,
            api_host=api_host,
            api_base=f"{origin}/{codebase}apis/3.0",
            site_url=_text(data.get("SiteUrl")),
            company_name=_text(data.get("CompanyName")),
            company_id=_text(data.get("CompanyID")),
            version=_text(data.get("VersionCode")),
            is_cloud=data.get("IsCloud") if isinstance(data.get("IsCloud"), bool) else None,
        )

    # ------------------------------------------------------------------ who am I (§6)

    def who_am_i(self) -> Member:
        """The member the keys belong to (``GET /system/myMembers/info``)."""
        op = _Op("read your ConnectWise member record", "member record", right=RIGHT_READ_MEMBER)
        data = self._call("GET", "/system/myMembers/info", op)
        try:
            member = lenient(Member, data)
        except ValueError:
            member = None
        if member is None or not member.identifier:
            raise ServerError("ConnectWise answered the who-am-I request without a member identifier")
        return member

    def my_permissions(self) -> Permissions:
        """Whether the member may add ticket notes and time entries (``GET /system/mySecurity``)."""
        op = _Op("read your security settings", "security settings")
        rows = list(self._pages("/system/mySecurity", {"pageSize": MAX_PAGE_SIZE}, op, limit=None))
        allowed = {name: False for name in REQUIRED_RIGHTS}
        for row in rows:
            for name, (module, functions, _) in REQUIRED_RIGHTS.items():
                if _is_right(row, module, functions) and _level_allows(row.get("addLevel")):
                    allowed[name] = True
        missing = [REQUIRED_RIGHTS[name][2] for name, ok in allowed.items() if not ok]
        return Permissions(can_add_notes=allowed["notes"], can_add_time=allowed["time"], missing=missing)

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
        service_op = _Op(f"read ticket #{ticket_id}", "ticket", right=RIGHT_READ_SERVICE_TICKETS, ticket=ticket_id)
        data: Any = None
        kind = "service"
        missing: NotFound | None = None
        try:
            data = self._call("GET", f"/service/tickets/{ticket_id}", service_op, params={"fields": TICKET_FIELDS})
        except NotFound as exc:  # not a service ticket: try the project board (§4)
            missing = exc
        if missing is not None:
            kind = "project"
            project_op = _Op(
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
                "GET", f"/project/tickets/{ticket_id}", project_op, params={"fields": TICKET_FIELDS}, rediscover=False
            )
        if not isinstance(data, dict):
            raise ServerError(f"ConnectWise answered the request for ticket #{ticket_id} with something that is not a ticket")
        record_type = _text(data.get("recordType"))
        if record_type in ("ProjectTicket", "ProjectIssue"):
            kind = "project"
        board_id = _ref_id(data.get("board"))
        status_id = _ref_id(data.get("status"))
        return Ticket(
            ref=TicketRef(ticket_id, kind),  # type: ignore[arg-type]
            summary=_text(data.get("summary")) or "",
            company=_ref_name(data.get("company")),
            board=_ref_name(data.get("board")),
            status=_ref_name(data.get("status")),
            closed=data.get("closedFlag") is True,
            time_entry_allowed=self._time_entry_allowed(ticket_id, board_id, status_id),
            board_id=board_id,
            status_id=status_id,
            record_type=record_type,
        )

    def _time_entry_allowed(self, ticket_id: int, board_id: int | None, status_id: int | None) -> bool:
        """False when the ticket's board status says ``timeEntryNotAllowed``; True when it allows time or
        cannot be read (ConnectWise then decides when the time entry is posted)."""
        if board_id is None or status_id is None:
            return True
        op = _Op(f"read the status of ticket #{ticket_id}", "board status", ticket=ticket_id)
        try:
            data = self._call("GET", f"/service/boards/{board_id}/statuses/{status_id}", op, rediscover=False)
        except (NotFound, PermissionDenied) as exc:
            log.debug("board status %s/%s unreadable (%s); assuming time entries are allowed", board_id, status_id, exc.kind)
            return True
        return not (isinstance(data, dict) and data.get("timeEntryNotAllowed") is True)

    # ------------------------------------------------------------------ notes (§3)

    def post_note(self, ticket: TicketRef, body: dict[str, Any]) -> PostedNote:
        """Add ``body`` (sent exactly as given, see ``note_body``) as a note on ``ticket``.

        Raises :class:`Ambiguous` (or :class:`ServerError` with ``may_have_stored``) when the note may
        have been stored without FlowDesk learning of it: look for it with :meth:`recent_notes` first.
        """
        op = _Op(
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
            raise _unusable_write_answer(op) from None

    def recent_notes(self, ticket: TicketRef, limit: int = 50) -> list[NoteRecord]:
        """The ticket's newest notes, newest first (``orderBy=id desc``), at most ``limit``."""
        if limit < 1:
            return []
        op = _Op(
            f"read the notes of ticket #{ticket.id}",
            "notes",
            right=RIGHT_READ_PROJECT_TICKETS if ticket.kind == "project" else RIGHT_READ_SERVICE_TICKETS,
            not_found=f"ConnectWise has no {ticket.kind} ticket #{ticket.id}, or your account cannot see it",
            ticket=ticket.id,
        )
        params = {"orderBy": "id desc", "pageSize": min(limit, MAX_PAGE_SIZE)}
        notes = [_record(NoteRecord, row) for row in self._pages(f"{ticket.path}/notes", params, op, limit=limit)]
        kept = sorted((n for n in notes if n is not None), key=lambda n: n.id, reverse=True)
        return kept[:limit]

    # ------------------------------------------------------------------ time entries (§5)

    def create_time_entry(self, body: dict[str, Any]) -> PostedTimeEntry:
        """Create the time entry ``body`` (see ``time_entry_body``). Ambiguity as for :meth:`post_note`."""
        ticket_id = body.get("chargeToId")
        where = f" on ticket #{ticket_id}" if ticket_id is not None else ""
        op = _Op(
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
            raise _unusable_write_answer(op) from None

    def find_time_entries(self, ticket: TicketRef, member_identifier: str, start: datetime) -> list[TimeEntryRecord]:
        """The member's time entries on ``ticket`` that start at ``start`` (reference §11, option 3)."""
        if not member_identifier or any(c in member_identifier for c in "\"'\\") or not member_identifier.isprintable():
            raise ValueError(f"not a ConnectWise member identifier: {member_identifier!r}")
        conditions = (
            f"chargeToId={ticket.id} and chargeToType=\"{ticket.charge_to_type}\" "
            f"and member/identifier=\"{member_identifier}\" and timeStart=[{cw_datetime(start)}]"
        )
        op = _Op(
            f"read your time entries on ticket #{ticket.id}", "time entries", right=RIGHT_READ_TIME, ticket=ticket.id
        )
        params = {"conditions": conditions, "orderBy": "id desc", "pageSize": MAX_PAGE_SIZE}
        rows = [_record(TimeEntryRecord, row) for row in self._pages("/time/entries", params, op, limit=None)]
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
        self,
        method: str,
        path: str,
        op: _Op,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        rediscover: bool = True,
    ) -> Any:
        """One API request; returns the decoded JSON or raises a :class:`ConnectWiseError`.

        An unexpected 404 makes the client ask companyinfo again, once: when the codebase changed (a cloud
        upgrade), the request is repeated on the new one. That is safe for a write too, because a 404 means
        nothing was stored (§1, §12.4).
        """
        site = self.discover()
        response = self._send(method, site.api_base + path, op, params=params, body=body)
        if response.status_code == 404 and rediscover:
            fresh = self._rediscover(site)
            if fresh is not None:
                response = self._send(method, fresh.api_base + path, op, params=params, body=body)
        return self._answer(response, method, op)

    def _pages(self, path: str, params: dict[str, Any], op: _Op, *, limit: int | None) -> Iterator[dict[str, Any]]:
        """The items of a list, following ``Link: <…>; rel="next"`` only as far as ``limit`` needs (§7)."""
        site = self.discover()
        response = self._send("GET", site.api_base + path, op, params=params)
        if response.status_code == 404:
            fresh = self._rediscover(site)
            if fresh is not None:
                site = fresh
                response = self._send("GET", site.api_base + path, op, params=params)
        seen = 0
        for page in range(MAX_PAGES):
            data = self._answer(response, "GET", op)
            if not isinstance(data, list):
                raise ServerError(
                    f"ConnectWise answered the request to {op.action} with something that is not a list",
                    status=response.status_code,
                    request_id=_request_id(response),
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
        self,
        method: str,
        url: str,
        op: _Op,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        content = None
        if body is not None:
            content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        request = self._http.build_request(
            method, url, params=params, content=content, headers=headers if headers is not None else self._headers(method)
        )
        path = request.url.path
        failure: ConnectWiseError | None = None
        try:
            response = self._http.send(request)
        except httpx.HTTPError as exc:
            log.debug("%s %s -> %s", method, path, type(exc).__name__)
            failure = self._transport_error(exc, method, op, request.url.netloc.decode("ascii", "replace"))
        if failure is not None:
            raise failure  # outside the except block: no httpx exception (holding the headers) is chained
        older = _older_api_version(response, self._accept)
        if older is not None:
            # A tenant not yet on the pinned release refuses it before doing anything (nothing stored):
            # use the version it says it runs, for this request and every later one.
            log.info("ConnectWise runs API version %s, older than %s: using it", older, API_VERSION)
            self._accept = f"application/vnd.connectwise.com+json; version={older}"
            if headers is None or "Accept" in headers:
                retry_headers = dict(headers) if headers is not None else self._headers(method)
                retry_headers["Accept"] = self._accept
                return self._send(method, url, op, params=params, body=body, headers=retry_headers)
        log.debug(
            "%s %s -> %s x-cw-request-id=%s api-current-version=%s",
            method,
            path,
            response.status_code,
            _request_id(response) or "-",
            response.headers.get("api-current-version", "-"),
        )
        return response

    def _transport_error(self, exc: httpx.HTTPError, method: str, op: _Op, host: str) -> ConnectWiseError:
        host = host or self._host
        write = method != "GET"
        chain = list(_causes(exc))
        if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout | httpx.ProxyError | httpx.UnsupportedProtocol):
            cert = next((e for e in chain if isinstance(e, ssl.SSLCertVerificationError)), None)
            if cert is not None:
                detail = getattr(cert, "verify_message", None) or "unknown reason"
                return Offline(
                    f"Could not open a secure connection to {host}: its TLS certificate could not be verified "
                    f"({detail}). Nothing was sent. If your ConnectWise server uses a private certificate "
                    "authority, set its CA file in the ConnectWise settings (or --ca-file).",
                    tls=True,
                )
            tls = next((e for e in chain if isinstance(e, ssl.SSLError)), None)
            if tls is not None:
                return Offline(
                    f"Could not open a secure connection to {host}: the TLS handshake failed "
                    f"({getattr(tls, 'reason', None) or type(tls).__name__}). Nothing was sent. "
                    "Check the site address and that it serves https.",
                    tls=True,
                )
            reason = _connect_reason(exc, chain)
            check = "the site address and your network connection" if "DNS" in reason else "your network connection"
            return Offline(f"Cannot reach {host}: {reason}. Nothing was sent; check {check} and try again.")
        seconds = self._timeout.read
        if isinstance(exc, httpx.ReadTimeout | httpx.WriteTimeout):
            reason = f"no answer within {_seconds(seconds)}"
        elif any(isinstance(e, ConnectionResetError) for e in chain):
            reason = "the connection was reset"
        elif isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError | httpx.CloseError):
            reason = "the connection was closed before an answer came"
        elif isinstance(exc, httpx.DecodingError):
            reason = "the answer could not be decoded"
        else:
            reason = f"the request failed ({type(exc).__name__})"
        if write:
            return Ambiguous(
                f"ConnectWise did not answer after the {op.thing} was sent ({reason}), so it may or may not have "
                f"been saved. {_check_before_resend(op)}"
            )
        return ServerError(f"ConnectWise did not answer the request to {op.action} ({reason}). Try again in a few minutes.")

    def _answer(self, response: httpx.Response, method: str, op: _Op) -> Any:
        """The decoded JSON of a 2xx answer, or the right :class:`ConnectWiseError`."""
        status = response.status_code
        rid = _request_id(response)
        data, is_json, is_html = _decode(response)
        envelope = data if is_json and isinstance(data, dict) else {}
        if envelope.get("message") == "UserNotAuthenticated" or (status == 401):
            raise AuthError(
                f"ConnectWise rejected your API keys (HTTP {status}) for company '{self._company}'. "
                "Check the company ID; if the keys were deleted or changed, regenerate them under "
                "My Account → API Keys and enter them in Settings.",
                status=status,
                request_id=rid,
                server_code=_text(envelope.get("code")),
                server_message=_text(envelope.get("message")),
            )
        if 200 <= status < 300:
            if is_json:
                return data
            what = "an HTML page" if is_html else "an empty body" if not response.content.strip() else "unreadable data"
            if method != "GET":
                raise Ambiguous(
                    f"ConnectWise answered the {op.thing} with {what} (HTTP {status}) instead of the stored record, "
                    f"so it may or may not have been saved. {_check_before_resend(op)}",
                    status=status,
                    request_id=rid,
                )
            raise ServerError(
                f"ConnectWise answered with {what} (HTTP {status}) instead of JSON — the site may be down or the "
                "address wrong. Try again in a few minutes; if it keeps happening, check the site address.",
                status=status,
                request_id=rid,
            )
        raise self._status_error(response, method, op, envelope, is_json, is_html)

    def _status_error(
        self, response: httpx.Response, method: str, op: _Op, envelope: dict[str, Any], is_json: bool, is_html: bool
    ) -> ConnectWiseError:
        status = response.status_code
        write = method != "GET"
        code = _text(envelope.get("code"))
        server_message = _server_message(envelope)
        said = f" ConnectWise said: {server_message}" if server_message else ""
        common: dict[str, Any] = {
            "status": status,
            "request_id": _request_id(response),
            "server_code": code,
            "server_message": server_message,
        }
        html = f"ConnectWise answered with an HTML page (HTTP {status}) instead of JSON — the site may be down or the address wrong"
        if status == 403:
            if op.right:
                text = f"Your ConnectWise security role does not allow you to {op.action}: ask your ConnectWise administrator for “{op.right}”."
            else:
                text = f"Your ConnectWise security role does not allow you to {op.action}: ask your ConnectWise administrator to check your security role."
            return PermissionDenied(text + said, missing_right=op.right, **common)
        if status == 404:
            text = op.not_found or (
                f"ConnectWise found nothing when trying to {op.action} (HTTP 404) — check the site address in Settings"
            )
            return NotFound(text + (f" (ConnectWise said: {server_message})" if server_message else ""), **common)
        if status == 429:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            wait = f"wait {_seconds(retry_after)}" if retry_after is not None else "wait a minute"
            return RateLimited(
                f"ConnectWise is receiving too many requests (HTTP 429): {wait} before trying again.",
                retry_after=retry_after,
                **common,
            )
        if 300 <= status < 400:
            location = response.headers.get("Location", "")
            to = f" to {httpx.URL(location).host or location}" if location else ""
            return ServerError(
                f"ConnectWise redirected the request to {op.action} (HTTP {status}{to}) instead of answering — "
                "the site address may be wrong",
                **common,
            )
        if status >= 500 or status == 408:
            stored = write and status != 408
            if is_html:
                text = html + "."
            elif server_message:
                text = f"ConnectWise had a problem answering the request to {op.action} (HTTP {status}: {server_message})."
            else:
                text = f"ConnectWise had a problem answering the request to {op.action} (HTTP {status})."
            if stored:
                text += f" The {op.thing} may have been saved anyway. {_check_before_resend(op)}"
            else:
                text += " Try again in a few minutes."
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            return ServerError(text, may_have_stored=stored, retry_after=retry_after, **common)
        # 400 and every other 4xx: ConnectWise refused this request as it is, and stored nothing
        said_code = f": {server_message}" + (f" ({code})" if code else "") if server_message else f" (HTTP {status})"
        if not write:  # a read FlowDesk built itself: nothing the engineer typed is wrong
            text = html + "." if is_html and not server_message else f"ConnectWise refused the request to {op.action}{said_code}."
            return ValidationFailed(
                f"{text} Check the site address and that FlowDesk is up to date for this ConnectWise version, then try again.",
                **common,
            )
        if server_message:
            text = f"ConnectWise did not accept the {op.thing}{said_code}"
        elif is_html:
            text = html + "."
        else:
            text = f"ConnectWise did not accept the request to {op.action}{said_code}."
        fix = "fix what ConnectWise names" if server_message else "check the ticket and your entry in ConnectWise"
        return ValidationFailed(f"{text} Nothing was saved: {fix}, then send it again.", **common)


# ---------------------------------------------------------------------- helpers


_VERSION_RE = re.compile(r"(\d{4})\.(\d{1,2})")


def _older_api_version(response: httpx.Response, accept: str) -> str | None:
    """The tenant's own API version when it refused ours as too new, else None."""
    if response.status_code != 400 or b"does not support the API version" not in response.content:
        return None
    theirs = _VERSION_RE.search(response.headers.get("api-current-version", ""))
    ours = _VERSION_RE.search(accept)
    if theirs is None or ours is None:
        return None
    t = (int(theirs.group(1)), int(theirs.group(2)))
    if t >= (int(ours.group(1)), int(ours.group(2))):
        return None
    return f"{t[0]}.{t[1]}"


def _seconds(value: float | None) -> str:
    """A wait in words: ``0.3 seconds``, ``45 seconds``, ``3 minutes``, ``5 hours`` (rounded up beyond a
    minute or two, never in exponent notation: a Retry-After date can be days away)."""
    if value is None:
        return "the time limit"
    if value < 1:
        return f"{value:g} seconds"
    n = round(value)
    if n < 120:
        return "1 second" if n == 1 else f"{n} seconds"
    minutes = math.ceil(n / 60)
    if minutes < 120:
        return f"{minutes} minutes"
    return f"{math.ceil(n / 3600)} hours"


def _check_before_resend(op: _Op) -> str:
    where = f"ticket #{op.ticket}" if op.ticket is not None else "the ticket"
    return f"Check {where} before sending it again."


def _unusable_write_answer(op: _Op) -> Ambiguous:
    return Ambiguous(
        f"ConnectWise answered the {op.thing} without the stored record FlowDesk expected, so it may or may not "
        f"have been saved. {_check_before_resend(op)}"
    )


def _decode(response: httpx.Response) -> tuple[Any, bool, bool]:
    """``(data, is_json, is_html)``: garbage and HTML never raise."""
    content = response.content
    ctype = response.headers.get("Content-Type", "").lower()
    head = content.lstrip()[:15].lower()
    is_html = "html" in ctype or head.startswith(b"<")
    if not content.strip():
        return None, False, False
    try:
        return json.loads(content.decode(response.encoding or "utf-8")), True, False
    except (ValueError, UnicodeDecodeError, LookupError):
        return None, False, is_html


def _server_message(envelope: dict[str, Any]) -> str | None:
    """ConnectWise's ``errors[].message`` verbatim (joined), else the envelope's ``message`` (§8)."""
    errors = envelope.get("errors")
    if isinstance(errors, list):
        messages = [e["message"].strip() for e in errors if isinstance(e, dict) and isinstance(e.get("message"), str) and e["message"].strip()]
        if messages:
            return "; ".join(dict.fromkeys(messages))
    message = envelope.get("message")
    if isinstance(message, str) and message.strip():
        return message.strip()
    error = envelope.get("error")  # some edges answer {"error": "..."}
    if isinstance(error, str) and error.strip():
        return error.strip()
    return None


def _request_id(response: httpx.Response) -> str | None:
    value = response.headers.get("x-cw-request-id")
    return value.strip() or None if value else None


def _next_link(response: httpx.Response, api_base: str) -> str | None:
    """The ``rel="next"`` URL, only when it points back at the same API (keys never go elsewhere)."""
    link = response.links.get("next")
    if not link or not link.get("url"):
        return None
    url = response.request.url.join(link["url"])
    base = httpx.URL(api_base)
    if (url.scheme, url.host, url.port) != (base.scheme, base.host, base.port) or not url.path.startswith(base.path):
        log.warning("ignoring a Link rel=next that points away from the ConnectWise API (%s)", url.host)
        return None
    return str(url)


def _is_right(row: dict[str, Any], module: str, functions: tuple[str, ...]) -> bool:
    mods = {_norm(row.get(k)) for k in ("moduleName", "moduleIdentifier", "moduleDescription")}
    funcs = {_norm(row.get(k)) for k in ("moduleFunctionName", "moduleFunctionIdentifier", "moduleFunctionDescription")}
    return _norm(module) in mods and any(_norm(f) in funcs for f in functions)


def _norm(value: Any) -> str:
    """``Time & Expense`` / ``TimeAndExpense`` / ``time_expense`` -> ``timeexpense``."""
    if not isinstance(value, str):
        return ""
    text = value.lower().replace("&", " and ")
    words = ["".join(ch for ch in w if ch.isalnum()) for w in text.replace("_", " ").replace("-", " ").split()]
    joined = "".join(w for w in words if w and w != "and")
    if joined.startswith("timeand"):  # "TimeAndExpense" as one identifier word
        joined = "time" + joined[len("timeand") :]
    return joined


def _level_allows(level: Any) -> bool:
    return isinstance(level, str) and level.strip().lower() in ("all", "my")


def _record(model: type[Any], row: dict[str, Any]) -> Any:
    try:
        return lenient(model, row)
    except ValueError:
        return None


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _ref_id(ref: Any) -> int | None:
    if isinstance(ref, dict):
        value = ref.get("id")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.isdigit():
            return int(value)
    return None


def _ref_name(ref: Any) -> str | None:
    if isinstance(ref, dict):
        return _text(ref.get("name")) or _text(ref.get("identifier"))
    return _text(ref)


def _ticket_number(ticket_id: Any) -> int:
    if isinstance(ticket_id, bool) or not isinstance(ticket_id, int) or ticket_id <= 0:
        raise ValueError(f"not a ticket number: {ticket_id!r}")
    return ticket_id
