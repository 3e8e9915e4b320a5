"""The ConnectWise client against the sandbox over real sockets, plain HTTP and TLS.

Every endpoint the client uses, and every error class from a real server answer: the sandbox's own
validation (401, 403, 404, 400) and its faults (429, 5xx, unreadable bodies, dropped connections, holds
for read timeouts), plus a port with nothing listening and a TLS server whose CA is not trusted.

Each error is checked for its class, ``status``, ``request_id`` (the ``x-cw-request-id`` the sandbox
recorded for that very request), ``may_have_stored``, and for a ``str()`` that says what happened and
what to do. Throughout, the private key (and the Basic token made of it) must never appear in an
exception (its whole formatted chain), in the captured log, or in the sandbox's ledger; the ``env``
fixture checks the log and the ledger after every test.

No sleeps: read timeouts are provoked with ``hold`` faults (released after the assertion), and the
sandbox's ``wait`` blocks on its own condition variable.
"""

from __future__ import annotations

import base64
import email.utils
import json
import logging
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

import flowdesk.connectwise.client as client_module
from flowdesk.connectwise.bodies import VISIBILITY_FLAGS, TicketRef, note_body, time_entry_body
from flowdesk.connectwise.client import ConnectWiseClient
from flowdesk.connectwise.errors import (
    RIGHT_PROJECT_NOTES,
    RIGHT_READ_SERVICE_TICKETS,
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
)
from flowdesk.connectwise.models import Permissions, Ticket
from flowdesk.core.settings import Visibility
from flowdesk.core.timing import TimeEntryPlan
from flowdesk.logs import MASK
from flowdesk.sandbox import Sandbox
from flowdesk.sandbox.admin import SandboxAdmin
from tests.conftest import WINE_TRUSTS_UNKNOWN_CA, wine_limit

SHORT = httpx.Timeout(5.0, read=0.5)  # read timeouts are provoked with holds, never with long delays
SERVICE = TicketRef(48211)
PROJECT = TicketRef(31207, "project")
CLOSED = TicketRef(47988)
MISSING = 424242
PLAN = TimeEntryPlan(start=datetime(2026, 11, 18, 14, 2, tzinfo=UTC), hours=0.75, notes="FlowPilot session: Outlook prompts")
SECURITY = "You do not have security permission to perform this action."
NOTE_NEEDS_FLAG = "Please choose where to display the notes in order to save this record."
WRITES = {  # what, ledger list, fault path
    "note": ("notes", "*/service/tickets/48211/notes"),
    "time entry": ("time_entries", "*/time/entries"),
}


# ---------------------------------------------------------------------------------------- fixtures


@dataclass
class Env:
    sandbox: Sandbox
    admin: SandboxAdmin
    tls: bool
    made: list[ConnectWiseClient] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)  # every key a test used, wrong ones too

    @property
    def cw(self) -> Any:
        return self.sandbox.info.connectwise

    @property
    def host(self) -> str:
        return self.cw.site.split("://", 1)[1]

    def client(
        self, *, private_key: str | None = None, company: str | None = None, timeout: httpx.Timeout | None = None
    ) -> ConnectWiseClient:
        cw = self.cw
        key = private_key or cw.private_key
        company = company or cw.company
        self.secrets += [key, token(company, cw.public_key, key)]
        c = ConnectWiseClient(
            cw.site, company, cw.public_key, key, client_id=cw.client_id, ca_file=self.sandbox.info.ca_file, timeout=timeout
        )
        self.made.append(c)
        return c

    def ledger(self) -> dict[str, list[dict[str, Any]]]:
        return self.admin.ledger()

    def requests(self, since: int = 0) -> list[tuple[str, str, int | None]]:
        return [(r["method"], r["path"], r["status"]) for r in self.ledger()["requests"][since:]]

    def request_ids(self) -> set[str]:
        return {r["request_id"] for r in self.ledger()["requests"]}


def token(company: str, public_key: str, private_key: str) -> str:
    return base64.b64encode(f"{company}+{public_key}:{private_key}".encode()).decode("ascii")


def assert_no_secret(text: str, secrets: list[str]) -> None:
    for secret in secrets:
        assert secret not in text
    assert "authorization" not in text.lower()


@contextmanager
def checked_env(
    sandbox: Sandbox, admin: SandboxAdmin, tls: bool, caplog: pytest.LogCaptureFixture, *, ledger: bool = True
) -> Iterator[Env]:
    """An :class:`Env`; afterwards: no secret in the log or (unless the test stopped the server) the ledger,
    and nothing in them needed masking."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="flowdesk")
    env = Env(sandbox, admin, tls)
    env.secrets += [env.cw.private_key, token(env.cw.company, env.cw.public_key, env.cw.private_key)]
    try:
        yield env
    finally:
        for c in env.made:
            c.close()
    if ledger:
        admin.release()  # a test that failed half-way must not leave a handler thread blocked
        recorded = admin.ledger()
        assert_no_secret(json.dumps(recorded), env.secrets)
        for r in recorded["requests"]:  # the client never put a key where the ledger had to mask it
            assert MASK not in json.dumps(r), r
    records = [r for when in ("setup", "call") for r in caplog.get_records(when)]  # not only this teardown's
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in records)
    assert_no_secret(logged, env.secrets)
    assert MASK not in logged  # nothing needed masking: no key ever reached a log call
    assert any(r.name == "flowdesk.connectwise" for r in records)  # the client did log (at DEBUG)


@pytest.fixture(params=["http", "tls"])
def env(request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture) -> Iterator[Env]:
    tls = request.param == "tls"
    sandbox = request.getfixturevalue("sandbox_tls" if tls else "sandbox")
    admin = request.getfixturevalue("sandbox_tls_admin" if tls else "sandbox_admin")
    with checked_env(sandbox, admin, tls, caplog) as e:
        yield e


def check_error(
    env: Env,
    err: ConnectWiseError,
    cls: type[ConnectWiseError],
    *,
    status: int | None,
    request_id: bool,
    may_have_stored: bool,
    says: list[str],
) -> None:
    """Class, status, request id, may_have_stored, plain words; no key in any form of the error."""
    assert type(err) is cls
    assert err.status == status
    if request_id:
        assert err.request_id in env.request_ids()  # the x-cw-request-id of that very answer
        assert str(err).endswith(f". Request id: {err.request_id}")  # its own sentence, after the full stop
    else:
        assert err.request_id is None
    assert err.may_have_stored is may_have_stored
    text = str(err)
    for words in says:
        assert words in text
    assert err.__cause__ is None and err.__context__ is None
    formatted = "".join(traceback.format_exception(err))
    assert "During handling" not in formatted and "direct cause" not in formatted
    for form in (formatted, text, repr(err), repr(vars(err))):
        assert_no_secret(form, env.secrets)


def write(client: ConnectWiseClient, what: str, text: str = "Reset the Outlook profile; prompts stopped.") -> Any:
    if what == "note":
        return client.post_note(SERVICE, note_body(text, Visibility.INTERNAL))
    return client.create_time_entry(time_entry_body(SERVICE, PLAN, send_end=True))


def stored_per_client(client: ConnectWiseClient, what: str) -> int:
    """What the verify-before-resend read (reference §11) finds, through the same client."""
    if what == "note":
        return sum(n.created_by == "dwhitfield" for n in client.recent_notes(SERVICE, limit=5))
    return len(client.find_time_entries(SERVICE, "dwhitfield", PLAN.start))


def raised(call: Any, *args: Any) -> ConnectWiseError:
    with pytest.raises(ConnectWiseError) as info:
        call(*args)
    return info.value


# ---------------------------------------------------------------------------------------- discovery


def test_discovers_the_company_and_caches_it(env: Env) -> None:
    client = env.client()
    site = client.discover()
    assert site.codebase == "v2025_1/"
    assert site.api_base == f"{env.cw.site}/v2025_1/apis/3.0"
    assert (site.api_host, site.company_name, site.company_id, site.version, site.is_cloud) == (
        env.host,
        "FlowDesk Sandbox MSP",
        "flowdesk_sandbox",
        "v2025.16",
        True,
    )
    assert client.discover() is site
    [req] = env.ledger()["requests"]
    assert (req["method"], req["path"], req["status"]) == ("GET", "/login/companyinfo/flowdesk_sandbox", 200)
    assert "clientid" not in {k.lower() for k in req["headers"]}  # discovery is anonymous


def test_unknown_company_is_company_not_found(env: Env) -> None:
    err = raised(env.client(company="nosuchco").who_am_i)
    check_error(
        env,
        err,
        CompanyNotFound,
        status=200,
        request_id=True,
        may_have_stored=False,
        says=[f"ConnectWise has no company 'nosuchco' on {env.host}", "check the company ID you sign in with"],
    )
    assert env.requests() == [("GET", "/login/companyinfo/nosuchco", 200)]  # no API call was tried


@pytest.mark.parametrize("call", ["who_am_i", "post_note"])
def test_a_codebase_upgrade_is_rediscovered_once_and_the_call_succeeds(env: Env, call: str) -> None:
    client = env.client()
    client.discover()
    env.admin.config(codebase="v2026_1/")
    if call == "who_am_i":
        assert client.who_am_i().identifier == "dwhitfield"
        method, path, ok = "GET", "/system/myMembers/info", 200
    else:
        assert client.post_note(SERVICE, note_body("after the upgrade", "internal")).ticket_id == 48211
        method, path, ok = "POST", "/service/tickets/48211/notes", 201
    assert env.requests(1) == [
        (method, f"/v2025_1/apis/3.0{path}", 404),
        ("GET", "/login/companyinfo/flowdesk_sandbox", 200),
        (method, f"/v2026_1/apis/3.0{path}", ok),
    ]
    assert len(env.ledger()["notes"]) == (call == "post_note")  # a 404 stored nothing; one note, not two
    assert client.discover().codebase == "v2026_1/"
    client.who_am_i()
    assert env.requests()[-1] == ("GET", "/v2026_1/apis/3.0/system/myMembers/info", 200)  # straight to the new one


# ---------------------------------------------------------------------------------------- who am I


def test_who_am_i(env: Env) -> None:
    member = env.client().who_am_i()
    assert (member.id, member.identifier, member.name, member.email, member.time_zone, member.require_start_end) == (
        147,
        "dwhitfield",
        "Dana Whitfield",
        "dana.whitfield@harborline-it.example",
        "Eastern Standard Time",
        False,
    )
    env.admin.config(member={"time_zone": "Pacific Standard Time", "require_start_end": True})
    member = env.client().who_am_i()
    assert (member.time_zone, member.require_start_end) == ("Pacific Standard Time", True)


def test_my_permissions_with_full_rights(env: Env) -> None:
    assert env.client().my_permissions() == Permissions(can_add_notes=True, can_add_time=True, can_read_tickets=True, missing=[])


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("can_add_notes", Permissions(can_add_notes=False, can_add_time=True, can_read_tickets=True, missing=[RIGHT_SERVICE_NOTES])),
        ("can_add_time", Permissions(can_add_notes=True, can_add_time=False, can_read_tickets=True, missing=[RIGHT_TIME])),
        ("can_read_tickets", Permissions(can_add_notes=True, can_add_time=True, missing=[RIGHT_READ_SERVICE_TICKETS])),
    ],
)
def test_my_permissions_names_the_missing_right(env: Env, setting: str, expected: Permissions) -> None:
    env.admin.config(member={setting: False})
    assert env.client().my_permissions() == expected


def test_test_connection_summary(env: Env) -> None:
    report = env.client().test_connection()
    assert report.summary() == f"Signed in as Dana Whitfield (dwhitfield) on {env.host} — can add notes and time"
    assert report.site.api_base == f"{env.cw.site}/v2025_1/apis/3.0"
    env.admin.config(member={"can_add_time": False})
    assert env.client().test_connection().summary() == (
        f"Signed in as Dana Whitfield (dwhitfield) on {env.host} — can add notes, but not time "
        "(missing Time & Expense › Time Entry: Add)"
    )
    env.admin.config(member={"can_add_notes": False})
    assert env.client().test_connection().summary().endswith(
        f"cannot add notes or time (missing {RIGHT_SERVICE_NOTES}, {RIGHT_TIME})"
    )
    env.admin.config(member={"can_add_notes": True, "can_add_time": True, "can_read_tickets": False})
    report = env.client().test_connection()
    assert report.limited
    assert report.summary() == (
        f"Signed in as Dana Whitfield (dwhitfield) on {env.host} — can add notes and time, but cannot read tickets "
        f"(missing {RIGHT_READ_SERVICE_TICKETS}): FlowDesk cannot check a ticket's company before posting to it"
    )


# ---------------------------------------------------------------------------------------- tickets


def test_get_a_service_ticket(env: Env) -> None:
    ticket = env.client().get_ticket(48211)
    assert ticket == Ticket(
        ref=SERVICE,
        summary="Front desk PC - Outlook keeps asking for password",
        company="Brightsmile Dental Group",
        board="Help Desk",
        status="In Progress",
        closed=False,
        time_entry_allowed=True,
        board_id=1,
        status_id=17,
        record_type="ServiceTicket",
        company_identifier="BrightsmileDental",
    )
    assert env.requests(1) == [
        ("GET", "/v2025_1/apis/3.0/service/tickets/48211", 200),
        ("GET", "/v2025_1/apis/3.0/service/boards/1/statuses/17", 200),
    ]


def test_get_a_project_ticket_falls_back_to_the_project_board(env: Env) -> None:
    ticket = env.client().get_ticket(31207)
    assert (ticket.ref, ticket.record_type, ticket.board, ticket.company) == (
        PROJECT,
        "ProjectTicket",
        "Professional Services",
        "Hartwell Logistics",
    )
    assert ticket.time_entry_allowed and not ticket.closed
    paths = [(m, p, s) for m, p, s in env.requests(1) if "companyinfo" not in p]
    assert paths == [
        ("GET", "/v2025_1/apis/3.0/service/tickets/31207", 404),
        ("GET", "/v2025_1/apis/3.0/project/tickets/31207", 200),
        ("GET", "/v2025_1/apis/3.0/service/boards/12/statuses/61", 200),
    ]


def test_get_the_closed_ticket_says_no_time_entries(env: Env) -> None:
    ticket = env.client().get_ticket(47988)
    assert (ticket.ref, ticket.closed, ticket.status, ticket.time_entry_allowed) == (CLOSED, True, "Closed", False)


def test_get_a_missing_ticket_is_not_found(env: Env) -> None:
    err = raised(env.client().get_ticket, MISSING)
    check_error(
        env,
        err,
        NotFound,
        status=404,
        request_id=True,
        may_have_stored=False,
        says=[f"ConnectWise has no ticket #{MISSING} (neither a service nor a project ticket)", "check the ticket number"],
    )
    assert (err.server_code, err.server_message) == ("NotFound", f"Ticket {MISSING} not found")


# ---------------------------------------------------------------------------------------- notes


@pytest.mark.parametrize("visibility", list(Visibility))
def test_post_a_note_with_each_visibility(env: Env, visibility: Visibility) -> None:
    client = env.client()
    text = f"Rebuilt the Outlook profile ({visibility}) — prompts stopped ✓"
    body = note_body(text, visibility)
    posted = client.post_note(SERVICE, body)
    ledger = env.ledger()
    [note] = ledger["notes"]
    assert ledger["requests"][-1]["body"] == body  # sent exactly as built
    assert (posted.id, posted.ticket_id, posted.created_by) == (note["id"], 48211, "dwhitfield")
    assert note["text"] == text
    flags = {name: note[name] for name in VISIBILITY_FLAGS.values()}
    assert flags == {name: vis == visibility for vis, name in VISIBILITY_FLAGS.items()}
    assert note["internalFlag"] is (visibility == Visibility.INTERNAL)
    assert note["externalFlag"] is (visibility != Visibility.INTERNAL)
    assert note["customerUpdatedFlag"] is False
    [back] = client.recent_notes(SERVICE, limit=1)
    assert (back.id, back.text, back.member_identifier) == (posted.id, text, "dwhitfield")
    assert (back.internal, back.discussion, back.resolution) == tuple(
        visibility == v for v in (Visibility.INTERNAL, Visibility.DISCUSSION, Visibility.RESOLUTION)
    )


def test_post_a_note_on_a_project_ticket(env: Env) -> None:
    posted = env.client().post_note(PROJECT, note_body("Cut-over checklist done", "discussion"))
    assert env.requests()[-1] == ("POST", "/v2025_1/apis/3.0/project/tickets/31207/notes", 201)
    [note] = env.ledger()["notes"]
    assert (note["id"], note["ticketId"], note["detailDescriptionFlag"]) == (posted.id, 31207, True)


def test_recent_notes_newest_first_across_pages(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_module, "MAX_PAGE_SIZE", 5)  # small pages: 12 notes span three
    client = env.client()
    ids = [client.post_note(SERVICE, note_body(f"note {i}", "internal")).id for i in range(12)]
    assert ids == sorted(ids)

    mark = len(env.ledger()["requests"])
    got = client.recent_notes(SERVICE, limit=12)
    assert [n.id for n in got] == ids[::-1]
    assert [n.text for n in got] == [f"note {i}" for i in reversed(range(12))]
    pages = [r["query"] for r in env.ledger()["requests"][mark:]]
    assert pages == [
        {"orderBy": "id desc", "pageSize": "5"},
        {"orderBy": "id desc", "pageSize": "5", "page": "2"},
        {"orderBy": "id desc", "pageSize": "5", "page": "3"},
    ]

    mark += 3
    assert [n.id for n in client.recent_notes(SERVICE, limit=7)] == ids[::-1][:7]
    assert len(env.ledger()["requests"]) == mark + 2  # stops once it has enough

    everything = client.recent_notes(SERVICE, limit=50)  # ours, then the seeded portal note
    assert [n.id for n in everything[:12]] == ids[::-1]
    assert len(everything) == 13 and everything[-1].created_by == "Portal"


# ---------------------------------------------------------------------------------------- time entries


@pytest.mark.parametrize("send_end", [False, True], ids=["start+hours", "start+end"])
def test_create_a_time_entry(env: Env, send_end: bool) -> None:
    body = time_entry_body(SERVICE, PLAN, send_end=send_end)
    assert "timeEnd" in body  # always both ends now
    if not send_end:
        del body["timeEnd"]  # the sandbox still derives the end from the hours
    entry = env.client().create_time_entry(body)
    ledger = env.ledger()
    [stored] = ledger["time_entries"]
    assert ledger["requests"][-1]["body"] == body
    assert (stored["id"], stored["timeStart"], stored["timeEnd"], stored["actualHours"]) == (
        entry.id,
        "2026-11-18T14:02:00Z",
        "2026-11-18T14:47:00Z",  # given, or derived from the hours
        0.75,
    )
    assert (entry.charge_to_id, entry.charge_to_type, entry.member_identifier) == (48211, "ServiceTicket", "dwhitfield")
    assert (entry.time_start, entry.time_end, entry.actual_hours, entry.notes) == (PLAN.start, PLAN.end, 0.75, PLAN.notes)


def test_create_a_time_entry_on_a_project_ticket(env: Env) -> None:
    entry = env.client().create_time_entry(time_entry_body(PROJECT, PLAN, send_end=True))
    assert (entry.charge_to_id, entry.charge_to_type) == (31207, "ProjectTicket")


def test_require_start_end_without_time_end_is_refused_verbatim(env: Env) -> None:
    env.admin.config(member={"require_start_end": True})
    client = env.client()
    assert client.who_am_i().require_start_end is True
    message = "timeEnd is required: this member must enter start and end times on time entries."
    body = time_entry_body(SERVICE, PLAN, send_end=False)
    del body["timeEnd"]  # FlowDesk always sends both ends; another client might not
    err = raised(client.create_time_entry, body)
    check_error(
        env,
        err,
        ValidationFailed,
        status=400,
        request_id=True,
        may_have_stored=False,
        says=[f"ConnectWise did not accept the time entry: {message} (InvalidObject)", "Nothing was saved"],
    )
    assert (err.server_code, err.server_message) == ("InvalidObject", message)
    assert env.ledger()["time_entries"] == []
    assert client.create_time_entry(time_entry_body(SERVICE, PLAN, send_end=True)).time_end == PLAN.end


def test_a_time_entry_on_the_closed_ticket_is_refused_verbatim(env: Env) -> None:
    message = 'Time entries are not allowed on ticket 47988: its status "Closed" on board "Help Desk" does not allow time entry.'
    err = raised(env.client().create_time_entry, time_entry_body(CLOSED, PLAN, send_end=True))
    check_error(
        env,
        err,
        ValidationFailed,
        status=400,
        request_id=True,
        may_have_stored=False,
        says=[f"ConnectWise did not accept the time entry: {message}", "Nothing was saved: fix what ConnectWise names"],
    )
    assert (err.server_code, err.server_message) == ("InvalidObject", message)
    assert env.ledger()["time_entries"] == []


def test_a_bad_date_is_unsupported_format_verbatim(env: Env) -> None:
    body = dict(time_entry_body(SERVICE, PLAN, send_end=False), timeStart="2026-11-18T14:02:11.000+00:00")
    err = raised(env.client().create_time_entry, body)
    check_error(
        env,
        err,
        ValidationFailed,
        status=400,
        request_id=True,
        may_have_stored=False,
        says=["ConnectWise did not accept the time entry: Unsupported format applied to timeStart (UnsupportedFormat)"],
    )
    assert (err.server_code, err.server_message) == ("UnsupportedFormat", "Unsupported format applied to timeStart")


def test_a_tenant_older_than_the_pinned_api_version_is_spoken_to_in_its_version(env: Env) -> None:
    # FlowDesk pins version=2025.16 (reference §12.3); a tenant still on 2025.8 refuses newer versions
    # (the sandbox's choice where the reference is silent). The refusal stores nothing, so the client
    # repeats the request once in the tenant's own version (its api-current-version header) and keeps it.
    env.admin.config(api_version="2025.8")
    client = env.client()
    assert client.who_am_i().identifier == "dwhitfield"
    note = client.post_note(SERVICE, note_body("older tenant", "internal"))
    assert note.id
    accepts = [r["headers"].get("Accept") or r["headers"].get("accept") for r in env.admin.ledger()["requests"]
               if "/apis/3.0/" in r["path"]]
    assert accepts[0].endswith("version=2025.16")
    assert all(a.endswith("version=2025.8") for a in accepts[1:])
    assert [n["text"] for n in env.admin.ledger()["notes"]] == ["older tenant"]


def test_find_time_entries(env: Env) -> None:
    client = env.client()
    later = TimeEntryPlan(PLAN.start + timedelta(hours=2), 0.5, "later")
    a = client.create_time_entry(time_entry_body(SERVICE, PLAN, send_end=True))
    b = client.create_time_entry(time_entry_body(SERVICE, later, send_end=False))
    client.create_time_entry(time_entry_body(TicketRef(48405), PLAN, send_end=True))
    d = client.create_time_entry(time_entry_body(PROJECT, PLAN, send_end=True))

    found = client.find_time_entries(SERVICE, "dwhitfield", PLAN.start)
    assert [e.id for e in found] == [a.id]
    assert found[0].time_start == PLAN.start and found[0].member_identifier == "dwhitfield"
    assert env.ledger()["requests"][-1]["query"]["conditions"] == (
        'chargeToId=48211 and chargeToType="ServiceTicket" and member/identifier="dwhitfield" '
        "and timeStart >= [2026-11-18T14:01:00Z] and timeStart <= [2026-11-18T14:03:00Z]"
    )
    assert [e.id for e in client.find_time_entries(SERVICE, "dwhitfield", later.start)] == [b.id]
    assert [e.id for e in client.find_time_entries(PROJECT, "dwhitfield", PLAN.start)] == [d.id]
    assert client.find_time_entries(SERVICE, "someoneelse", PLAN.start) == []
    assert client.find_time_entries(TicketRef(31207), "dwhitfield", PLAN.start) == []  # service ≠ project


# ---------------------------------------------------------------------------------------- 401 403 404 400


@pytest.mark.parametrize("call", ["who_am_i", "post_note"])
def test_401_wrong_keys(env: Env, call: str) -> None:
    client = env.client(private_key="WrongWrongWrong1")
    err = raised(client.who_am_i) if call == "who_am_i" else raised(write, client, "note")
    check_error(
        env,
        err,
        AuthError,
        status=401,
        request_id=True,
        may_have_stored=False,
        says=[
            "ConnectWise rejected your API keys (HTTP 401) for company 'flowdesk_sandbox'",
            "create new ones under My Account → API Keys and enter them in Settings",
        ],
    )
    assert (err.server_code, err.server_message) == ("Unauthorized", "Invalid company, public key or private key.")
    assert env.ledger()["notes"] == []


@pytest.mark.parametrize(
    ("setting", "what", "right"),
    [
        ("can_add_notes", "service note", RIGHT_SERVICE_NOTES),
        ("can_add_notes", "project note", RIGHT_PROJECT_NOTES),
        ("can_add_time", "time entry", RIGHT_TIME),
    ],
)
def test_403_names_the_missing_right(env: Env, setting: str, what: str, right: str) -> None:
    env.admin.config(member={setting: False})
    client = env.client()
    if what == "service note":
        err, action = raised(write, client, "note"), "add a note to ticket #48211"
    elif what == "project note":
        err, action = raised(client.post_note, PROJECT, note_body("x", "internal")), "add a note to ticket #31207"
    else:
        err, action = raised(write, client, "time entry"), "add a time entry on ticket #48211"
    check_error(
        env,
        err,
        PermissionDenied,
        status=403,
        request_id=True,
        may_have_stored=False,
        says=[f"does not allow you to {action}", f"ask your ConnectWise administrator for “{right}”"],
    )
    assert isinstance(err, PermissionDenied) and err.missing_right == right
    assert (err.server_code, err.server_message) == ("Security", SECURITY)
    ledger = env.ledger()
    assert ledger["notes"] == [] and ledger["time_entries"] == []


def test_404_posting_to_a_missing_ticket_is_not_resent(env: Env) -> None:
    client = env.client()
    err = raised(client.post_note, TicketRef(MISSING), note_body("x", "internal"))
    check_error(
        env,
        err,
        NotFound,
        status=404,
        request_id=True,
        may_have_stored=False,
        says=[f"ConnectWise has no service ticket #{MISSING} to add the note to", "check the ticket number"],
    )
    assert env.requests(1) == [  # companyinfo asked again (the codebase did not change), the POST not repeated
        ("POST", f"/v2025_1/apis/3.0/service/tickets/{MISSING}/notes", 404),
        ("GET", "/login/companyinfo/flowdesk_sandbox", 200),
    ]


def test_404_from_a_fault(env: Env) -> None:
    env.admin.add_fault(method="GET", path="*/system/myMembers/info", status=404)
    err = raised(env.client().who_am_i)
    check_error(
        env,
        err,
        NotFound,
        status=404,
        request_id=True,
        may_have_stored=False,
        says=["found nothing when trying to read your ConnectWise member record (HTTP 404)", "check the site address"],
    )
    assert err.server_message == "The requested resource was not found."


def test_400_invalid_object_for_a_note_without_a_visibility_flag(env: Env) -> None:
    body = {"text": "Reset the Outlook profile."}  # on purpose: no detail/internal/resolution flag
    err = raised(env.client().post_note, SERVICE, body)
    check_error(
        env,
        err,
        ValidationFailed,
        status=400,
        request_id=True,
        may_have_stored=False,
        says=[f"ConnectWise did not accept the note: {NOTE_NEEDS_FLAG} (InvalidObject)", "Nothing was saved"],
    )
    assert (err.server_code, err.server_message) == ("InvalidObject", NOTE_NEEDS_FLAG)
    ledger = env.ledger()
    assert ledger["notes"] == [] and ledger["requests"][-1]["body"] == body


# ---------------------------------------------------------------------------------------- 429 and 5xx


@pytest.mark.parametrize("form", ["seconds", "http-date"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_429_retry_after(env: Env, method: str, form: str) -> None:
    if form == "seconds":
        retry_after: int | str = 120
    else:
        retry_after = email.utils.format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
    path = "*/system/myMembers/info" if method == "GET" else "*/notes"
    env.admin.add_fault(method=method, path=path, status=429, retry_after=retry_after)
    client = env.client()
    err = raised(client.who_am_i) if method == "GET" else raised(write, client, "note")
    check_error(
        env,
        err,
        RateLimited,
        status=429,
        request_id=True,
        may_have_stored=False,
        says=["ConnectWise is receiving too many requests (HTTP 429): wait ", " before trying again."],
    )
    assert err.server_code == "TooManyRequests"
    if form == "seconds":
        assert err.retry_after == 120.0
        assert "wait 2 minutes before trying again" in str(err)
    else:
        assert err.retry_after is not None and 3000 < err.retry_after <= 3600
        assert " minutes before trying again" in str(err) and "e+" not in str(err)
    assert env.ledger()["notes"] == []


SERVER_SAYS = {
    500: "A timeout has occured. Please try again.",
    502: "The service is unavailable (502).",
    503: "The service is unavailable (503).",
}


@pytest.mark.parametrize("status", sorted(SERVER_SAYS))
def test_5xx_on_a_read_is_a_server_error(env: Env, status: int) -> None:
    env.admin.add_fault(method="GET", path="*/system/myMembers/info", status=status, retry_after=30)
    err = raised(env.client().who_am_i)
    check_error(
        env,
        err,
        ServerError,
        status=status,
        request_id=True,
        may_have_stored=False,
        says=[f"(HTTP {status}). ConnectWise said: {SERVER_SAYS[status]}", "Try again in a few minutes"],
    )
    assert err.retry_after == 30.0


@pytest.mark.parametrize("stored", [False, True], ids=["not-stored", "stored"])
@pytest.mark.parametrize("status", sorted(SERVER_SAYS))
def test_5xx_on_a_write_may_have_stored(env: Env, status: int, stored: bool) -> None:
    env.admin.add_fault(method="POST", path="*/notes", status=status, store=stored)
    err = raised(write, env.client(), "note")
    check_error(
        env,
        err,
        ServerError,
        status=status,
        request_id=True,
        may_have_stored=True,
        says=[f"(HTTP {status}). ConnectWise said: {SERVER_SAYS[status]}", "The note may have been saved anyway", "Check ticket #48211 before sending it again"],
    )
    assert len(env.ledger()["notes"]) == stored  # what the client cannot know, and so must verify


# ---------------------------------------------------------------------------------------- unreadable bodies


BODY_SAYS = {"html": "an HTML page", "malformed_json": "unreadable data", "empty": "an empty body"}


@pytest.mark.parametrize("body", sorted(BODY_SAYS))
def test_an_unreadable_answer_to_a_read(env: Env, body: str) -> None:
    env.admin.add_fault(method="GET", path="*/system/myMembers/info", body=body)
    err = raised(env.client().who_am_i)
    check_error(
        env,
        err,
        ServerError,
        status=200,
        request_id=True,
        may_have_stored=False,
        says=[f"ConnectWise answered with {BODY_SAYS[body]} (HTTP 200) instead of JSON", "Try again in a few minutes"],
    )


@pytest.mark.parametrize("what", sorted(WRITES))
@pytest.mark.parametrize("body", sorted(BODY_SAYS))
def test_an_unreadable_answer_to_a_write_is_ambiguous(env: Env, body: str, what: str) -> None:
    kind, path = WRITES[what]
    env.admin.add_fault(method="POST", path=path, body=body)
    err = raised(write, env.client(), what)
    check_error(
        env,
        err,
        Ambiguous,
        status=201,
        request_id=True,
        may_have_stored=True,
        says=[
            f"ConnectWise answered the {what} with {BODY_SAYS[body]} (HTTP 201) instead of the stored record",
            "may or may not have been saved. Check ticket #48211 before sending it again.",
        ],
    )
    assert len(env.ledger()[kind]) == 1  # it was stored: only the answer was unreadable


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_an_html_error_page(env: Env, method: str) -> None:
    path = "*/system/myMembers/info" if method == "GET" else "*/notes"
    env.admin.add_fault(method=method, path=path, status=503, body="html")
    client = env.client()
    err = raised(client.who_am_i) if method == "GET" else raised(write, client, "note")
    todo = "Try again in a few minutes" if method == "GET" else "Check ticket #48211 before sending it again"
    check_error(
        env,
        err,
        ServerError,
        status=503,
        request_id=True,
        may_have_stored=method == "POST",
        says=["ConnectWise answered with an HTML page (HTTP 503) instead of JSON", todo],
    )
    assert err.server_message is None  # nothing of the page is taken for ConnectWise's words


# ---------------------------------------------------------------------------------------- dropped connections


@pytest.mark.parametrize("what", sorted(WRITES))
@pytest.mark.parametrize("phase", ["before_store", "after_store"])
def test_a_dropped_connection_during_a_write_is_ambiguous(env: Env, phase: str, what: str) -> None:
    kind, path = WRITES[what]
    env.admin.add_fault(method="POST", path=path, drop=phase)
    client = env.client()
    err = raised(write, client, what)
    check_error(
        env,
        err,
        Ambiguous,
        status=None,
        request_id=False,
        may_have_stored=True,
        says=[
            f"ConnectWise did not answer after the {what} was sent",
            "may or may not have been saved. Check ticket #48211 before sending it again.",
        ],
    )
    ledger = env.ledger()
    assert len(ledger[kind]) == (phase == "after_store")
    assert ledger["requests"][-1]["outcome"] == "dropped"
    assert [r["method"] for r in ledger["requests"]].count("POST") == 1  # never re-sent on its own
    assert stored_per_client(client, what) == (phase == "after_store")  # the same client can verify at once


@pytest.mark.parametrize("phase", ["before_store", "after_store"])
def test_a_dropped_connection_during_a_read_is_a_server_error(env: Env, phase: str) -> None:
    env.admin.add_fault(method="GET", path="*/system/myMembers/info", drop=phase)
    err = raised(env.client().who_am_i)
    check_error(
        env,
        err,
        ServerError,
        status=None,
        request_id=False,
        may_have_stored=False,
        says=["ConnectWise did not answer the request to read your ConnectWise member record", "Try again in a few minutes"],
    )


# ---------------------------------------------------------------------------------------- read timeouts


@pytest.mark.parametrize("what", sorted(WRITES))
@pytest.mark.parametrize("phase", ["before_store", "after_store"])
def test_a_read_timeout_during_a_write_is_ambiguous(env: Env, phase: str, what: str) -> None:
    kind, path = WRITES[what]
    client = env.client(timeout=SHORT)
    client.discover()
    env.admin.add_fault(method="POST", path=path, hold=phase)
    err = raised(write, client, what)
    assert env.admin.wait("held", 1, method="POST") == 1  # the server still has it
    assert len(env.ledger()[kind]) == (phase == "after_store")
    check_error(
        env,
        err,
        Ambiguous,
        status=None,
        request_id=False,
        may_have_stored=True,
        says=[
            f"ConnectWise did not answer after the {what} was sent (no answer within 0.5 seconds)",
            "may or may not have been saved. Check ticket #48211 before sending it again.",
        ],
    )
    assert env.admin.release() == 1
    env.admin.wait(kind, 1)  # held before storing, it is still stored once let go: why this is ambiguous
    assert len(env.ledger()[kind]) == 1
    assert stored_per_client(client, what) == 1


def test_a_read_timeout_during_a_read_is_a_server_error(env: Env) -> None:
    client = env.client(timeout=SHORT)
    client.discover()
    env.admin.add_fault(method="GET", path="*/system/myMembers/info", hold="before_store")
    err = raised(client.who_am_i)
    check_error(
        env,
        err,
        ServerError,
        status=None,
        request_id=False,
        may_have_stored=False,
        says=["did not answer the request to read your ConnectWise member record (no answer within 0.5 seconds)", "Try again in a few minutes"],
    )
    assert env.admin.release() == 1


# ---------------------------------------------------------------------------------------- nothing sent


@pytest.mark.parametrize("tls", [False, True], ids=["http", "tls"])
def test_connection_refused_is_offline(tls: bool, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    second = Sandbox(tls=tls, cert_dir=tmp_path if tls else None).start()
    try:
        with SandboxAdmin.for_sandbox(second) as admin, checked_env(second, admin, tls, caplog, ledger=False) as env:
            client = env.client()
            client.discover()  # the site is known and a keep-alive connection is open ...
            ledger = admin.ledger()
            second.stop()  # ... and now nothing listens on that port any more
            for call in (client.who_am_i, lambda: write(client, "note"), env.client().discover):
                err = raised(call)
                check_error(
                    env,
                    err,
                    Offline,
                    status=None,
                    request_id=False,
                    may_have_stored=False,
                    says=[f"Cannot reach {env.host}: the connection was refused. Nothing was sent", "check your network connection"],
                )
                assert isinstance(err, Offline) and err.tls is False
            assert [r["path"] for r in ledger["requests"]] == ["/login/companyinfo/flowdesk_sandbox"]
            assert_no_secret(json.dumps(ledger), env.secrets)
    finally:
        second.stop()


@wine_limit(WINE_TRUSTS_UNKNOWN_CA)
def test_tls_without_the_ca_is_offline(sandbox_tls: Sandbox, sandbox_tls_admin: SandboxAdmin, caplog: pytest.LogCaptureFixture) -> None:
    with checked_env(sandbox_tls, sandbox_tls_admin, True, caplog) as env:
        cw = env.cw
        client = ConnectWiseClient(cw.site, cw.company, cw.public_key, cw.private_key, client_id=cw.client_id)  # no ca_file
        env.made.append(client)
        err = raised(client.who_am_i)
        check_error(
            env,
            err,
            Offline,
            status=None,
            request_id=False,
            may_have_stored=False,
            says=[
                f"Could not open a secure connection to {env.host}: its TLS certificate could not be verified",
                "Nothing was sent",
                "set its CA file in the ConnectWise settings (or --ca-file)",
            ],
        )
        assert isinstance(err, Offline) and err.tls is True
        assert env.requests() == []  # the handshake failed: no request reached the server
