"""The ConnectWise client against MockTransport answers shaped like the reference (section in each test)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest

from flowdesk import CONNECTWISE_CLIENT_ID
from flowdesk.connectwise.bodies import TicketRef, note_body, time_entry_body
from flowdesk.connectwise.client import ACCEPT, API_VERSION, TICKET_FIELDS
from flowdesk.connectwise.errors import CompanyNotFound, NotFound, ServerError, ValidationFailed
from flowdesk.connectwise.models import ConnectionReport, Member, Permissions
from flowdesk.connectwise.site import SiteConfigError, SiteInfo
from flowdesk.core.settings import Visibility
from flowdesk.core.timing import TimeEntryPlan
from tests.connectwise.fake import COMPANY, PRIVATE, PUBLIC, default_security, html_response, json_response

# ---------------------------------------------------------------- headers (§2)


def test_api_requests_carry_basic_auth_client_id_pinned_accept_and_no_cache(client, fake):
    client.who_am_i()
    (req,) = fake.api_requests()
    scheme, _, token = req.headers["Authorization"].partition(" ")
    assert scheme == "Basic"
    assert base64.b64decode(token).decode() == f"{COMPANY}+{PUBLIC}:{PRIVATE}"
    assert req.headers["clientId"] == CONNECTWISE_CLIENT_ID
    assert req.headers["Accept"] == "application/vnd.connectwise.com+json; version=2025.16" == ACCEPT
    assert API_VERSION == "2025.16"
    assert req.headers["Cache-Control"] == "no-cache"
    assert "Content-Type" not in req.headers  # GET has no body


def test_post_sends_json_content_type_and_the_body_exactly(client, fake):
    body = note_body("Ünïcode ✓ note\nline 2", Visibility.INTERNAL)
    client.post_note(TicketRef(48211), body)
    req = fake.api_requests()[-1]
    assert req.method == "POST"
    assert req.headers["Content-Type"] == "application/json"
    assert json.loads(req.content) == body
    assert "Ünïcode ✓".encode() in req.content  # UTF-8, not \u escapes


def test_client_id_override(make_client, fake):
    fake.client_id = "11111111-2222-3333-4444-555555555555"
    c = make_client(client_id=" 11111111-2222-3333-4444-555555555555 ")
    c.who_am_i()
    assert fake.api_requests()[-1].headers["clientId"] == fake.client_id
    blank = make_client(client_id="")
    with pytest.raises(ValidationFailed):  # the fake wants the override now; blank means FlowDesk's own id
        blank.who_am_i()
    assert fake.api_requests()[-1].headers["clientId"] == CONNECTWISE_CLIENT_ID


def test_discovery_is_anonymous(client, fake):
    client.discover()
    (req,) = fake.discovery_requests()
    assert "Authorization" not in req.headers and "clientId" not in req.headers
    assert req.url == httpx.URL("https://na.myconnectwise.net/login/companyinfo/acme")


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
        make_client("http://na.myconnectwise.net")


def test_repr_names_no_key(client):
    assert PRIVATE not in repr(client) and PUBLIC not in repr(client)
    assert "acme" in repr(client)


# ---------------------------------------------------------------- discovery (§1)


def test_discover_builds_the_api_base_from_site_url_and_codebase(client, fake):
    info = client.discover()
    assert isinstance(info, SiteInfo)
    assert info.api_base == "https://api-na.myconnectwise.net/v2025_1/apis/3.0"
    assert (info.api_host, info.codebase, info.site) == ("api-na.myconnectwise.net", "v2025_1/", "https://na.myconnectwise.net")
    assert (info.company_name, info.version, info.is_cloud) == ("Acme IT", "v2025.1", True)
    client.who_am_i()
    client.my_permissions()
    assert len(fake.discovery_requests()) == 1  # cached
    assert all(r.url.host == "api-na.myconnectwise.net" for r in fake.api_requests())


def test_company_id_is_matched_and_quoted(make_client, fake):
    c = make_client(company="ACME")
    assert c.discover().company == "ACME"
    assert fake.discovery_requests()[0].url.path == "/login/companyinfo/ACME"


def test_unknown_company_is_company_not_found(make_client):
    c = make_client(company="acmee")
    with pytest.raises(CompanyNotFound) as info:
        c.who_am_i()
    err = info.value
    assert isinstance(err, NotFound) and err.kind == "not_found"
    assert str(err) == (
        "ConnectWise has no company 'acmee' on na.myconnectwise.net — check the company ID you sign in with"
    )


def test_companyinfo_html_or_404_means_wrong_address(make_client):
    c = make_client(transport=httpx.MockTransport(lambda r: html_response(200)))
    with pytest.raises(ServerError, match="HTML page \\(HTTP 200\\) instead of JSON — the site may be down or the address wrong"):
        c.discover()
    c = make_client(transport=httpx.MockTransport(lambda r: html_response(404)))
    with pytest.raises(NotFound, match="did not answer like a ConnectWise server"):
        c.discover()
    c = make_client(transport=httpx.MockTransport(lambda r: json_response(200, {"hello": "world", "Codebase": "../x"})))
    with pytest.raises(ServerError, match="not ConnectWise company information"):
        c.discover()


def test_rediscovers_once_after_a_cloud_upgrade(client, fake):
    client.who_am_i()
    fake.codebase = "v2025_2/"  # the old /v2025_1/ path now 404s
    member = client.who_am_i()
    assert member.identifier == "dwhitfield"
    assert len(fake.discovery_requests()) == 2
    paths = [r.url.path for r in fake.api_requests()]
    assert paths == ["/v2025_1/apis/3.0/system/myMembers/info"] * 2 + ["/v2025_2/apis/3.0/system/myMembers/info"]
    assert client.discover().codebase == "v2025_2/"
    client.who_am_i()
    assert len(fake.discovery_requests()) == 2


def test_a_post_is_repeated_on_the_new_codebase_since_a_404_stored_nothing(client, fake):
    client.discover()
    fake.codebase = "v2025_2/"
    posted = client.post_note(TicketRef(48211), note_body("x", "internal"))
    assert posted.id > 0
    assert [r.url.path for r in fake.api_requests()] == [
        "/v2025_1/apis/3.0/service/tickets/48211/notes",
        "/v2025_2/apis/3.0/service/tickets/48211/notes",
    ]
    assert len(fake.notes[("service", 48211)]) == 1


def test_rediscovery_happens_once_not_twice(make_client):
    seen: list[str] = []
    state = {"n": 0}

    def handler(request):
        seen.append(request.url.path)
        if request.url.path.startswith("/login/companyinfo/"):
            state["n"] += 1  # every look-up names a new codebase ...
            return json_response(200, {"Codebase": f"v2025_{state['n']}/", "SiteUrl": "api-na.myconnectwise.net"})
        return json_response(404, {"code": "NotFound", "message": "gone"})  # ... and every codebase 404s

    client = make_client(transport=httpx.MockTransport(handler))
    with pytest.raises(NotFound):
        client.who_am_i()
    assert seen == [
        "/login/companyinfo/acme",
        "/v2025_1/apis/3.0/system/myMembers/info",
        "/login/companyinfo/acme",
        "/v2025_2/apis/3.0/system/myMembers/info",
    ]


def test_a_genuine_404_rediscovers_once_and_reports_not_found(client, fake):
    with pytest.raises(NotFound) as info:
        client.post_note(TicketRef(99999), note_body("x", "internal"))
    assert len(fake.discovery_requests()) == 2
    assert len(fake.api_requests()) == 1
    assert str(info.value).startswith("ConnectWise has no service ticket #99999 to add the note to, or your account cannot see it")


# ---------------------------------------------------------------- who am I, permissions (§6)


def test_who_am_i(client):
    member = client.who_am_i()
    assert member == Member(
        id=173,
        identifier="dwhitfield",
        name="Dana Whitfield",
        email="dana.whitfield@example.com",
        time_zone="Eastern Standard Time",
        require_start_end=True,
    )


def test_who_am_i_without_identifier_is_a_server_error(client, fake):
    fake.member = {"id": 1, "fullName": "Nobody"}
    with pytest.raises(ServerError, match="without a member identifier"):
        client.who_am_i()


def test_permissions_follow_paging_and_read_add_levels(client, fake):
    fake.page_cap = 10  # 33 rows -> 4 pages; the rights sit on pages 1 and 4
    perms = client.my_permissions()
    assert perms == Permissions(can_add_notes=True, can_add_time=True, missing=[])
    pages = [r for r in fake.api_requests() if r.url.path.endswith("/system/mySecurity")]
    assert len(pages) == 4
    assert pages[0].url.params["pageSize"] == "1000"


@pytest.mark.parametrize(
    ("notes", "time", "expected"),
    [
        ("None", "All", Permissions(can_add_notes=False, can_add_time=True, missing=["Service Desk › Service Tickets: Add"])),
        ("My", "None", Permissions(can_add_notes=True, can_add_time=False, missing=["Time & Expense › Time Entry: Add"])),
        (
            "None",
            "None",
            Permissions(missing=["Service Desk › Service Tickets: Add", "Time & Expense › Time Entry: Add"]),
        ),
    ],
)
def test_missing_rights_are_named_in_connectwise_words(client, fake, notes, time, expected):
    fake.security = default_security(notes=notes, time=time)
    assert client.my_permissions() == expected


def test_permission_rows_are_matched_by_identifier_too(client, fake):
    fake.security = [
        {"moduleIdentifier": "ServiceDesk", "moduleFunctionIdentifier": "ServiceTickets", "addLevel": "All"},
        {"moduleIdentifier": "TimeAndExpense", "moduleFunctionIdentifier": "TimeEntry", "addLevel": "My"},
    ]
    assert client.my_permissions().missing == []


def test_test_connection_and_its_summary(client, fake):
    report = client.test_connection()
    assert isinstance(report, ConnectionReport)
    assert report.summary() == "Signed in as Dana Whitfield (dwhitfield) on api-na.myconnectwise.net — can add notes and time"
    fake.security = default_security(time="None")
    assert client.test_connection().summary() == (
        "Signed in as Dana Whitfield (dwhitfield) on api-na.myconnectwise.net — can add notes, but not time "
        "(missing Time & Expense › Time Entry: Add)"
    )
    fake.security = []
    assert "cannot add notes or time (missing Service Desk › Service Tickets: Add, Time & Expense › Time Entry: Add)" in (
        client.test_connection().summary()
    )


# ---------------------------------------------------------------- tickets (§4)


def test_service_ticket(client, fake):
    t = client.get_ticket(48211)
    assert t.ref == TicketRef(48211, "service")
    assert (t.summary, t.company, t.board, t.status, t.closed, t.time_entry_allowed) == (
        "Outlook keeps asking for the password",
        "Contoso Ltd",
        "Help Desk",
        "In Progress",
        False,
        True,
    )
    first = fake.api_requests()[0]
    assert first.url.path.endswith("/service/tickets/48211")
    assert first.url.params["fields"] == TICKET_FIELDS
    assert fake.api_requests()[1].url.path.endswith("/service/boards/1/statuses/11")


def test_closed_ticket_whose_status_forbids_time(client):
    t = client.get_ticket(48300)
    assert t.closed is True and t.time_entry_allowed is False


def test_project_ticket_fallback_on_404(client, fake):
    t = client.get_ticket(31207)
    assert t.ref == TicketRef(31207, "project")
    paths = [r.url.path.split("/apis/3.0")[1] for r in fake.api_requests()]
    assert paths == ["/service/tickets/31207", "/project/tickets/31207", "/service/boards/7/statuses/71"]
    assert len(fake.discovery_requests()) == 2  # one re-discovery for the service 404, none for the project call


def test_no_such_ticket(client, fake):
    with pytest.raises(NotFound) as info:
        client.get_ticket(1255787)
    assert str(info.value).startswith(
        "ConnectWise has no ticket #1255787 (neither a service nor a project ticket), or your account cannot see it — check the ticket number"
    )
    assert info.value.server_message == "Ticket 1255787 not found"
    assert info.value.__context__ is None and info.value.__cause__ is None


def test_service_endpoint_returning_a_project_ticket_is_posted_as_project(client, fake):
    fake.tickets[("service", 31207)] = dict(fake.tickets[("project", 31207)])
    assert client.get_ticket(31207).ref.kind == "project"


def test_unreadable_board_status_means_time_allowed(client, fake):
    fake.on("GET", r"/service/boards/1/statuses/11", json_response(403, {"code": "Security", "message": "no"}))
    assert client.get_ticket(48211).time_entry_allowed is True
    fake.tickets[("service", 48211)].pop("status")
    assert client.get_ticket(48211).time_entry_allowed is True


@pytest.mark.parametrize("bad", [0, -1, True, "48211", 1.5])
def test_ticket_number_is_checked(client, bad):
    with pytest.raises(ValueError):
        client.get_ticket(bad)


# ---------------------------------------------------------------- notes (§3)


def test_post_note(client, fake):
    posted = client.post_note(TicketRef(48211), note_body("Fixed the credential loop.", Visibility.DISCUSSION))
    assert posted.ticket_id == 48211 and posted.created_by == "dwhitfield"
    assert posted.date_created == datetime(2026, 11, 18, 14, 2, 11, tzinfo=UTC)
    assert fake.notes[("service", 48211)][0]["detailDescriptionFlag"] is True


def test_post_note_on_a_project_ticket_uses_the_project_path(client, fake):
    client.post_note(TicketRef(31207, "project"), note_body("x", "internal"))
    assert fake.api_requests()[-1].url.path == "/v2025_1/apis/3.0/project/tickets/31207/notes"


def test_recent_notes_newest_first_and_only_as_many_pages_as_needed(client, fake):
    fake.notes[("service", 48211)] = [
        {"id": i, "ticketId": 48211, "text": f"note {i}", "internalAnalysisFlag": True, "member": {"identifier": "dwhitfield"}}
        for i in range(1, 61)
    ]
    fake.page_cap = 20
    notes = client.recent_notes(TicketRef(48211), limit=30)
    assert [n.id for n in notes] == list(range(60, 30, -1))
    reqs = [r for r in fake.api_requests() if r.url.path.endswith("/notes")]
    assert len(reqs) == 2  # 20 + 20 >= 30: the third page is never asked for
    assert reqs[0].url.params["orderBy"] == "id desc" and reqs[0].url.params["pageSize"] == "30"
    assert reqs[1].url.params["page"] == "2"
    assert notes[0].internal and notes[0].member_identifier == "dwhitfield" and notes[0].text == "note 60"


def test_recent_notes_stops_without_a_link(client, fake):
    fake.notes[("service", 48211)] = [{"id": 1, "text": "a"}, {"id": 2, "text": "b"}]
    assert [n.id for n in client.recent_notes(TicketRef(48211))] == [2, 1]
    assert len([r for r in fake.api_requests() if r.url.path.endswith("/notes")]) == 1
    assert client.recent_notes(TicketRef(48211), limit=0) == []


def test_a_next_link_to_another_host_is_not_followed(client, fake):
    def page(request):
        return json_response(200, [{"id": 5}], {"Link": '<https://evil.example.com/v2025_1/apis/3.0/service/tickets/48211/notes?page=2>; rel="next"'})

    fake.on("GET", r"/service/tickets/48211/notes", page)
    assert [n.id for n in client.recent_notes(TicketRef(48211), limit=10)] == [5]
    assert all(r.url.host != "evil.example.com" for r in fake.requests)


def test_notes_list_that_is_not_a_list(client, fake):
    fake.on("GET", r"/service/tickets/48211/notes", json_response(200, {"id": 1}))
    with pytest.raises(ServerError, match="not a list"):
        client.recent_notes(TicketRef(48211))


# ---------------------------------------------------------------- time entries (§5, §7, §9, §11)


def test_create_time_entry(client, fake):
    plan = TimeEntryPlan(datetime(2026, 11, 18, 9, 0, tzinfo=timezone(timedelta(hours=-5))), 1.25, "FlowPilot session")
    body = time_entry_body(TicketRef(48211), plan, send_end=True)
    entry = client.create_time_entry(body)
    assert entry.charge_to_id == 48211 and entry.charge_to_type == "ServiceTicket"
    assert entry.member_identifier == "dwhitfield" and entry.actual_hours == 1.25
    assert entry.time_start == datetime(2026, 11, 18, 14, 0, tzinfo=UTC)
    sent = json.loads(fake.api_requests()[-1].content)
    assert sent["timeStart"] == "2026-11-18T14:00:00Z" and sent["timeEnd"] == "2026-11-18T15:15:00Z"
    assert "member" not in sent


def test_find_time_entries_brackets_the_utc_datetime_in_conditions(client, fake):
    fake.time_entries.append({"id": 77, "chargeToId": 48211, "chargeToType": "ServiceTicket", "member": {"identifier": "dwhitfield"}, "timeStart": "2026-11-18T14:00:00Z"})
    fake.time_entries.append({"notAnEntry": True})
    start = datetime(2026, 11, 18, 15, 0, 0, 123456, tzinfo=timezone(timedelta(hours=1)))
    found = client.find_time_entries(TicketRef(48211), "dwhitfield", start)
    assert [e.id for e in found] == [77]
    req = fake.api_requests()[-1]
    assert req.url.path.endswith("/time/entries")
    assert req.url.params["conditions"] == (
        'chargeToId=48211 and chargeToType="ServiceTicket" and member/identifier="dwhitfield" '
        "and timeStart=[2026-11-18T14:00:00Z]"
    )
    assert req.url.params["orderBy"] == "id desc"


def test_find_time_entries_for_project_ticket_and_bad_identifier(client, fake):
    client.find_time_entries(TicketRef(31207, "project"), "jdoe", datetime(2026, 1, 1, tzinfo=UTC))
    assert 'chargeToType="ProjectTicket"' in fake.api_requests()[-1].url.params["conditions"]
    with pytest.raises(ValueError):
        client.find_time_entries(TicketRef(1), 'x" or 1=1 or "', datetime(2026, 1, 1, tzinfo=UTC))


# ---------------------------------------------------------------- lenient parsing (§10, §12.18)


def test_unknown_fields_missing_fields_and_wrong_types_do_not_crash(client, fake):
    fake.member = {"identifier": "jdoe", "lastName": None, "hireDate": "not a date", "timeZone": "UTC", "brandNewField": {"x": 1}}
    m = client.who_am_i()
    assert (m.id, m.identifier, m.name, m.time_zone, m.require_start_end) == (None, "jdoe", "jdoe", "UTC", False)
    fake.notes[("service", 48211)] = [
        {"id": 3, "text": None, "dateCreated": "yesterday", "member": "weird", "sentimentScore": 0.2},
        {"text": "no id: skipped"},
        "not even an object",
    ]
    (note,) = client.recent_notes(TicketRef(48211))
    assert (note.id, note.text, note.date_created, note.member_identifier) == (3, "", None, None)


def test_ticket_with_odd_shapes(client, fake):
    fake.tickets[("service", 5)] = {"id": 5, "summary": None, "board": "Help Desk", "status": {"id": "x"}, "company": None, "closedFlag": "no"}
    t = client.get_ticket(5)
    assert (t.summary, t.board, t.status, t.company, t.closed, t.time_entry_allowed) == ("", "Help Desk", None, None, False, True)
