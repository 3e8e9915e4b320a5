"""The ConnectWise client against the in-process sandbox: what it sends, and how it reads every answer
(the reference section in each test). Answers the sandbox would not give on its own — odd shapes, other
people's rows — come from its faults (``json``) and its seeded records, never from a fake of our own."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from flowdesk import CONNECTWISE_CLIENT_ID
from flowdesk.connectwise.bodies import TicketRef, note_body, time_entry_body
from flowdesk.connectwise.client import ACCEPT, API_VERSION, TICKET_FIELDS
from flowdesk.connectwise.errors import CompanyNotFound, NotFound, ServerError
from flowdesk.connectwise.models import ConnectionReport, Member, Permissions
from flowdesk.connectwise.site import SiteConfigError, SiteInfo
from flowdesk.core.settings import Visibility
from flowdesk.core.timing import TimeEntryPlan
from flowdesk.sandbox import SandboxApp
from flowdesk.sandbox.admin import SandboxAdmin
from flowdesk.sandbox.seed import MEMBER_EMAIL, MEMBER_ID

from .conftest import api_requests, discovery_requests, last_request_id, requests, ticket_json

HOST = "sandbox.flowdesk.invalid"  # where sandbox_app says it is (in process, any host reaches it)
SERVICE, CLOSED, PROJECT = 48211, 47988, 31207
SERVICE_NOTES = "*/service/tickets/48211/notes"

# ---------------------------------------------------------------- headers (§2)


def test_api_requests_carry_basic_auth_client_id_pinned_accept_and_no_cache(client, admin):
    client.who_am_i()
    (req,) = api_requests(admin)
    # the ledger never keeps the header; the sandbox took it as Basic base64("company+public:private"), else 401
    assert req["auth_sent"] is True and req["status"] == 200
    assert req["headers"]["clientid"] == CONNECTWISE_CLIENT_ID
    assert req["headers"]["accept"] == "application/vnd.connectwise.com+json; version=2025.16" == ACCEPT
    assert API_VERSION == "2025.16"
    assert req["headers"]["cache-control"] == "no-cache"
    assert "content-type" not in req["headers"]  # GET has no body


def test_post_sends_json_content_type_and_the_body_exactly(client, admin):
    body = note_body("Ünïcode ✓ note\nline 2", Visibility.INTERNAL)
    client.post_note(TicketRef(SERVICE), body)
    req = api_requests(admin)[-1]
    assert req["method"] == "POST"
    assert req["headers"]["content-type"] == "application/json"
    assert req["body"] == body
    assert admin.ledger()["notes"][0]["text"] == "Ünïcode ✓ note\nline 2"  # UTF-8 arrived as such
    assert "\\u" not in json.dumps(req["body"], ensure_ascii=False)


def test_client_id_override(make_client, admin):
    mine = "11111111-2222-3333-4444-555555555555"
    make_client(client_id=f" {mine} ").who_am_i()
    assert api_requests(admin)[-1]["headers"]["clientid"] == mine
    make_client(client_id="").who_am_i()  # blank means FlowDesk's own id
    assert api_requests(admin)[-1]["headers"]["clientid"] == CONNECTWISE_CLIENT_ID


def test_discovery_is_anonymous(client, admin, sandbox_app):
    client.discover()
    (req,) = discovery_requests(admin)
    assert req["auth_sent"] is False and "clientid" not in req["headers"]
    assert (req["headers"]["host"], req["path"]) == (HOST, f"/login/companyinfo/{sandbox_app.info.connectwise.company}")


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"public_key": ""}, "both ConnectWise API keys"),
        ({"private_key": "  "}, "both ConnectWise API keys"),
        ({"public_key": "a:b"}, "cannot contain ':'"),
        ({"company": ""}, "company ID"),
        ({"ca_file": "/nonexistent/ca.pem"}, "Cannot use the CA file /nonexistent/ca.pem"),
    ],
)
def test_bad_configuration_is_a_value_error(make_client, kwargs, words):
    if "ca_file" in kwargs:
        kwargs["transport"] = None
    with pytest.raises(SiteConfigError, match=words) as info:
        make_client(**kwargs)
    assert isinstance(info.value, ValueError)


def test_http_to_a_remote_host_is_refused(make_client):
    with pytest.raises(SiteConfigError, match="https://"):
        make_client(site="http://na.myconnectwise.net")


def test_repr_names_no_key(client, sandbox_app):
    cw = sandbox_app.info.connectwise
    assert cw.private_key not in repr(client) and cw.public_key not in repr(client)
    assert cw.company in repr(client)


# ---------------------------------------------------------------- discovery (§1)


def test_discover_builds_the_api_base_from_site_url_and_codebase(client, admin):
    admin.config(site_url="api-na.myconnectwise.net")  # a cloud tenant: the API lives on another host
    info = client.discover()
    assert isinstance(info, SiteInfo)
    assert info.api_base == "https://api-na.myconnectwise.net/v2025_1/apis/3.0"
    assert (info.api_host, info.codebase, info.site) == ("api-na.myconnectwise.net", "v2025_1/", f"https://{HOST}")
    assert (info.company_name, info.version, info.is_cloud) == ("FlowDesk Sandbox MSP", "v2025.16", True)
    client.who_am_i()
    client.my_permissions()
    assert len(discovery_requests(admin)) == 1  # cached
    assert all(r["headers"]["host"] == "api-na.myconnectwise.net" for r in api_requests(admin))


def test_company_id_is_matched_and_quoted(make_client, admin, sandbox_app):
    upper = sandbox_app.info.connectwise.company.upper()
    c = make_client(company=upper)
    assert c.discover().company == upper
    assert discovery_requests(admin)[0]["path"] == f"/login/companyinfo/{upper}"


def test_unknown_company_is_company_not_found(make_client, admin):
    c = make_client(company="acmee")
    with pytest.raises(CompanyNotFound) as info:
        c.who_am_i()
    err = info.value
    assert isinstance(err, NotFound) and err.kind == "no_company" and err.company_lookup  # pauses, fails no push
    assert str(err) == (
        f"ConnectWise has no company 'acmee' on {HOST} — check the company ID you sign in with. "
        f"Request id: {last_request_id(admin)}"
    )


@pytest.mark.parametrize(
    ("fault", "cls", "words"),
    [
        ({"body": "html"}, ServerError, "HTML page \\(HTTP 200\\) instead of JSON — the site may be down or the address wrong"),
        ({"status": 404, "body": "html"}, NotFound, "did not answer like a ConnectWise server"),
        ({"status": 200, "json": {"hello": "world", "Codebase": "../x"}}, ServerError, "not ConnectWise company information"),
    ],
)
def test_companyinfo_html_or_404_means_wrong_address(client, admin, fault, cls, words):
    admin.add_fault(path="/login/companyinfo/*", **fault)
    with pytest.raises(cls, match=words) as info:
        client.discover()
    assert info.value.company_lookup  # the outbox waits instead of failing pushes


@pytest.mark.parametrize("answer", [{}, {"hello": "world"}])
def test_companyinfo_with_no_company_fields_is_not_company_information(client, admin, answer):
    """Not an on-premises server without a Codebase (that gets the default): the default would only 404."""
    admin.add_fault(path="/login/companyinfo/*", json=answer)
    with pytest.raises(ServerError, match="not ConnectWise company information"):
        client.discover()


def test_only_the_look_up_marks_its_errors(client, admin):
    admin.add_fault(method="GET", path="*/system/myMembers/info", status=404)
    with pytest.raises(NotFound) as info:
        client.who_am_i()
    assert not info.value.company_lookup
    client.discover()
    admin.config(codebase="v2025_2/")  # the API 404s, and the look-up again answers 503
    admin.add_fault(path="/login/companyinfo/*", status=503)
    with pytest.raises(ServerError) as again:
        client.who_am_i()
    assert again.value.company_lookup and again.value.__context__ is None


def test_rediscovers_once_after_a_cloud_upgrade(client, admin):
    client.who_am_i()
    admin.config(codebase="v2025_2/")  # the old /v2025_1/ path now 404s
    member = client.who_am_i()
    assert member.identifier == "dwhitfield"
    assert len(discovery_requests(admin)) == 2
    paths = [r["path"] for r in api_requests(admin)]
    assert paths == ["/v2025_1/apis/3.0/system/myMembers/info"] * 2 + ["/v2025_2/apis/3.0/system/myMembers/info"]
    assert client.discover().codebase == "v2025_2/"
    client.who_am_i()
    assert len(discovery_requests(admin)) == 2


def test_a_post_is_repeated_on_the_new_codebase_since_a_404_stored_nothing(client, admin):
    client.discover()
    admin.config(codebase="v2025_2/")
    posted = client.post_note(TicketRef(SERVICE), note_body("x", "internal"))
    assert posted.id > 0
    assert [r["path"] for r in api_requests(admin)] == [
        "/v2025_1/apis/3.0/service/tickets/48211/notes",
        "/v2025_2/apis/3.0/service/tickets/48211/notes",
    ]
    assert len(admin.ledger()["notes"]) == 1


def test_rediscovery_happens_once_not_twice(client, admin, sandbox_app):
    client.discover()  # v2025_1/
    admin.config(codebase="v2025_2/")  # the next look-up names a new codebase ...
    admin.add_fault(path="*/system/myMembers/info", status=404, times=None)  # ... and every codebase 404s
    with pytest.raises(NotFound):
        client.who_am_i()
    company = sandbox_app.info.connectwise.company
    assert [r["path"] for r in requests(admin)] == [
        f"/login/companyinfo/{company}",
        "/v2025_1/apis/3.0/system/myMembers/info",
        f"/login/companyinfo/{company}",
        "/v2025_2/apis/3.0/system/myMembers/info",
    ]


def test_a_genuine_404_rediscovers_once_and_reports_not_found(client, admin):
    with pytest.raises(NotFound) as info:
        client.post_note(TicketRef(99999), note_body("x", "internal"))
    assert len(discovery_requests(admin)) == 2
    assert len(api_requests(admin)) == 1
    assert str(info.value).startswith("ConnectWise has no service ticket #99999 to add the note to, or your account cannot see it")


# ---------------------------------------------------------------- who am I, permissions (§6)


def test_who_am_i(client, admin):
    admin.config(member={"require_start_end": True})
    member = client.who_am_i()
    assert member == Member(
        id=MEMBER_ID,
        identifier="dwhitfield",
        name="Dana Whitfield",
        email=MEMBER_EMAIL,
        time_zone="Eastern Standard Time",
        require_start_end=True,
        license_class="F",
    )


def test_who_am_i_without_identifier_is_a_server_error(client, admin):
    admin.add_fault(path="*/system/myMembers/info", json={"id": 1, "fullName": "Nobody"})
    with pytest.raises(ServerError, match="without a member identifier"):
        client.who_am_i()


def test_permissions_follow_paging_and_read_add_levels(client, admin):
    admin.config(max_page_size=2)  # 5 rows -> 3 pages; the time right sits on page 2
    perms = client.my_permissions()
    assert perms == Permissions(can_add_notes=True, can_add_time=True, can_read_tickets=True, missing=[])
    pages = [r for r in api_requests(admin) if r["path"].endswith("/system/mySecurity")]
    assert len(pages) == 3
    assert pages[0]["query"]["pageSize"] == "1000"


@pytest.mark.parametrize(
    ("notes", "time", "expected"),
    [
        ("None", "All", Permissions(can_add_notes=False, can_add_time=True, can_read_tickets=True, missing=["Service Desk › Service Tickets: Add"])),
        ("My", "None", Permissions(can_add_notes=True, can_add_time=False, can_read_tickets=True, missing=["Time & Expense › Time Entry: Add"])),
        (
            "None",
            "None",
            Permissions(can_read_tickets=True, missing=["Service Desk › Service Tickets: Add", "Time & Expense › Time Entry: Add"]),
        ),
    ],
)
def test_missing_rights_are_named_in_connectwise_words(client, admin, notes, time, expected):
    admin.config(member={"can_add_notes": notes, "can_add_time": time})
    assert client.my_permissions() == expected


def test_permission_rows_are_matched_by_identifier_too(client, admin):
    admin.add_fault(
        path="*/system/mySecurity",
        json=[
            {"moduleIdentifier": "ServiceDesk", "moduleFunctionIdentifier": "ServiceTickets", "addLevel": "All",
             "inquireLevel": "My"},
            {"moduleIdentifier": "TimeAndExpense", "moduleFunctionIdentifier": "TimeEntry", "addLevel": "My"},
        ],
    )
    assert client.my_permissions().missing == []


def test_test_connection_and_its_summary(client, admin):
    report = client.test_connection()
    assert isinstance(report, ConnectionReport)
    assert report.summary() == f"Signed in as Dana Whitfield (dwhitfield) on {HOST} — can add notes and time"
    admin.config(member={"can_add_time": False})
    assert client.test_connection().summary() == (
        f"Signed in as Dana Whitfield (dwhitfield) on {HOST} — can add notes, but not time "
        "(missing Time & Expense › Time Entry: Add)"
    )
    admin.add_fault(path="*/system/mySecurity", json=[])
    assert (
        "cannot add notes or time (missing Service Desk › Service Tickets: Add, Time & Expense › Time Entry: Add, "
        "Service Desk › Service Tickets: Inquire)"
    ) in client.test_connection().summary()


# ---------------------------------------------------------------- tickets (§4)


def test_service_ticket(client, admin):
    t = client.get_ticket(SERVICE)
    assert t.ref == TicketRef(SERVICE, "service")
    assert (t.summary, t.company, t.board, t.status, t.closed, t.time_entry_allowed) == (
        "Front desk PC - Outlook keeps asking for password",
        "Brightsmile Dental Group",
        "Help Desk",
        "In Progress",
        False,
        True,
    )
    first, second = api_requests(admin)[:2]
    assert first["path"].endswith("/service/tickets/48211")
    assert first["query"]["fields"] == TICKET_FIELDS
    assert second["path"].endswith(f"/service/boards/1/statuses/{t.status_id}")


def test_closed_ticket_whose_status_forbids_time(client):
    t = client.get_ticket(CLOSED)
    assert t.closed is True and t.time_entry_allowed is False


def test_project_ticket_fallback_on_404(client, admin):
    t = client.get_ticket(PROJECT)
    assert t.ref == TicketRef(PROJECT, "project")
    paths = [r["path"].split("/apis/3.0")[1] for r in api_requests(admin)]
    assert paths == ["/service/tickets/31207", "/project/tickets/31207", f"/service/boards/12/statuses/{t.status_id}"]
    assert len(discovery_requests(admin)) == 2  # one re-discovery for the service 404, none for the project call


def test_no_such_ticket(client):
    with pytest.raises(NotFound) as info:
        client.get_ticket(1255787)
    assert str(info.value).startswith(
        "ConnectWise has no ticket #1255787 (neither a service nor a project ticket), or your account cannot see it — check the ticket number"
    )
    assert info.value.server_message == "Ticket 1255787 not found"
    assert info.value.__context__ is None and info.value.__cause__ is None


def test_service_endpoint_returning_a_project_ticket_is_posted_as_project(client, admin, sandbox_app):
    admin.add_fault(method="GET", path="*/service/tickets/31207", status=200, json=ticket_json(sandbox_app, PROJECT))
    assert client.get_ticket(PROJECT).ref.kind == "project"


def test_unreadable_board_status_means_time_allowed(client, admin, sandbox_app):
    admin.add_fault(method="GET", path="*/service/boards/1/statuses/*", status=403)
    assert client.get_ticket(SERVICE).time_entry_allowed is True
    without_status = ticket_json(sandbox_app, SERVICE)
    without_status.pop("status")
    admin.add_fault(method="GET", path="*/service/tickets/48211", json=without_status)
    assert client.get_ticket(SERVICE).time_entry_allowed is True


@pytest.mark.parametrize("bad", [0, -1, True, "48211", 1.5])
def test_ticket_number_is_checked(client, bad):
    with pytest.raises(ValueError):
        client.get_ticket(bad)


# ---------------------------------------------------------------- notes (§3)


def test_post_note(client, admin):
    posted = client.post_note(TicketRef(SERVICE), note_body("Fixed the credential loop.", Visibility.DISCUSSION))
    (stored,) = admin.ledger()["notes"]
    assert posted.ticket_id == SERVICE and posted.created_by == "dwhitfield" and posted.id == stored["id"]
    assert posted.date_created == datetime.strptime(stored["dateCreated"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert stored["detailDescriptionFlag"] is True


def test_post_note_on_a_project_ticket_uses_the_project_path(client, admin):
    client.post_note(TicketRef(PROJECT, "project"), note_body("x", "internal"))
    assert api_requests(admin)[-1]["path"] == "/v2025_1/apis/3.0/project/tickets/31207/notes"


def test_recent_notes_newest_first_and_only_as_many_pages_as_needed(client, admin):
    seeded = admin.add_notes(
        [{"ticketId": SERVICE, "text": f"note {i}", "internalAnalysisFlag": True, "member": {"identifier": "dwhitfield"}} for i in range(1, 61)]
    )
    admin.config(max_page_size=20)
    notes = client.recent_notes(TicketRef(SERVICE), limit=30)
    assert [n.id for n in notes] == [n["id"] for n in reversed(seeded)][:30]
    reqs = [r for r in api_requests(admin) if r["path"].endswith("/notes")]
    assert len(reqs) == 2  # 20 + 20 >= 30: the third page is never asked for
    assert reqs[0]["query"]["orderBy"] == "id desc" and reqs[0]["query"]["pageSize"] == "30"
    assert reqs[1]["query"]["page"] == "2"
    assert notes[0].internal and notes[0].member_identifier == "dwhitfield" and notes[0].text == "note 60"


def test_recent_notes_stops_without_a_link(client, admin):
    a, b = admin.add_notes([{"ticketId": SERVICE, "text": "a"}, {"ticketId": SERVICE, "text": "b"}])
    assert [n.id for n in client.recent_notes(TicketRef(SERVICE))][:2] == [b["id"], a["id"]]
    assert len([r for r in api_requests(admin) if r["path"].endswith("/notes")]) == 1
    assert client.recent_notes(TicketRef(SERVICE), limit=0) == []


def test_a_next_link_to_another_host_is_not_followed(client, admin):
    evil = '<https://evil.example.com/v2025_1/apis/3.0/service/tickets/48211/notes?page=2>; rel="next"'
    admin.add_fault(method="GET", path=SERVICE_NOTES, json=[{"id": 5}], headers={"Link": evil})
    assert [n.id for n in client.recent_notes(TicketRef(SERVICE), limit=10)] == [5]
    assert all(r["headers"]["host"] != "evil.example.com" for r in requests(admin))
    assert len([r for r in api_requests(admin) if r["path"].endswith("/notes")]) == 1


def test_notes_list_that_is_not_a_list(client, admin):
    admin.add_fault(method="GET", path=SERVICE_NOTES, json={"id": 1})
    with pytest.raises(ServerError, match="not a list"):
        client.recent_notes(TicketRef(SERVICE))


# ---------------------------------------------------------------- time entries (§5, §7, §9, §11)


def test_create_time_entry(client, admin):
    plan = TimeEntryPlan(datetime(2026, 11, 18, 9, 0, tzinfo=timezone(timedelta(hours=-5))), 1.25, "FlowPilot session")
    body = time_entry_body(TicketRef(SERVICE), plan, send_end=True)
    entry = client.create_time_entry(body)
    assert entry.charge_to_id == SERVICE and entry.charge_to_type == "ServiceTicket"
    assert entry.member_identifier == "dwhitfield" and entry.actual_hours == 1.25
    assert entry.time_start == datetime(2026, 11, 18, 14, 0, tzinfo=UTC)
    sent = api_requests(admin)[-1]["body"]
    assert sent["timeStart"] == "2026-11-18T14:00:00Z" and sent["timeEnd"] == "2026-11-18T15:15:00Z"
    assert "member" not in sent


def test_find_time_entries_brackets_the_utc_datetime_in_conditions(client, admin):
    (mine, _) = admin.add_time_entries(
        [
            {"chargeToId": SERVICE, "chargeToType": "ServiceTicket", "member": {"identifier": "dwhitfield"}, "timeStart": "2026-11-18T14:00:00Z"},
            {"notAnEntry": True},
        ]
    )
    start = datetime(2026, 11, 18, 15, 0, 0, 123456, tzinfo=timezone(timedelta(hours=1)))
    found = client.find_time_entries(TicketRef(SERVICE), "dwhitfield", start)
    assert [e.id for e in found] == [mine["id"]]
    req = api_requests(admin)[-1]
    assert req["path"].endswith("/time/entries")
    assert req["query"]["conditions"] == (
        'chargeToId=48211 and chargeToType="ServiceTicket" and member/identifier="dwhitfield" '
        "and timeStart >= [2026-11-18T13:59:00Z] and timeStart <= [2026-11-18T14:01:00Z]"
    )
    assert req["query"]["orderBy"] == "id desc"


def test_find_time_entries_for_project_ticket_and_bad_identifier(client, admin):
    client.find_time_entries(TicketRef(PROJECT, "project"), "jdoe", datetime(2026, 1, 1, tzinfo=UTC))
    assert 'chargeToType="ProjectTicket"' in api_requests(admin)[-1]["query"]["conditions"]
    with pytest.raises(ValueError):
        client.find_time_entries(TicketRef(1), 'x" or 1=1 or "', datetime(2026, 1, 1, tzinfo=UTC))


# ---------------------------------------------------------------- lenient parsing (§10, §12.18)


def test_unknown_fields_missing_fields_and_wrong_types_do_not_crash(client, admin):
    admin.add_fault(
        path="*/system/myMembers/info",
        json={"identifier": "jdoe", "lastName": None, "hireDate": "not a date", "timeZone": "UTC", "brandNewField": {"x": 1}},
    )
    m = client.who_am_i()
    assert (m.id, m.identifier, m.name, m.time_zone, m.require_start_end) == (None, "jdoe", "jdoe", "UTC", False)
    admin.add_fault(
        method="GET",
        path=SERVICE_NOTES,
        json=[
            {"id": 3, "text": None, "dateCreated": "yesterday", "member": "weird", "sentimentScore": 0.2},
            {"text": "no id: skipped"},
            "not even an object",
        ],
    )
    (note,) = client.recent_notes(TicketRef(SERVICE))
    assert (note.id, note.text, note.date_created, note.member_identifier) == (3, "", None, None)


def test_ticket_with_odd_shapes(client, admin):
    odd = {"id": 5, "summary": None, "board": "Help Desk", "status": {"id": "x"}, "company": None, "closedFlag": "no"}
    admin.add_fault(method="GET", path="*/service/tickets/5", status=200, json=odd)
    t = client.get_ticket(5)
    assert (t.summary, t.board, t.status, t.company, t.closed, t.time_entry_allowed) == ("", "Help Desk", None, None, False, True)


def test_the_clients_fixture_is_in_process(sandbox_app: SandboxApp, sandbox_app_admin: SandboxAdmin, client) -> None:
    """No socket: the sandbox is reached through its transport, whatever host the site names."""
    client.who_am_i()
    assert sandbox_app.info.connectwise.site == f"https://{HOST}"
    assert sandbox_app_admin.wait("requests", 2) == 2
