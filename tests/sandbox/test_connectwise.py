"""The ConnectWise emulation over real sockets, with plain httpx."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from flowdesk.sandbox import Sandbox
from flowdesk.sandbox.admin import SandboxAdmin
from flowdesk.sandbox.conditions import CW_CONDITION_HELP

from .conftest import basic_auth, cw_headers

CW_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
NOTE_FLAG_MESSAGE = "Please choose where to display the notes in order to save this record."
SECURITY = {"code": "Security", "message": "You do not have security permission to perform this action.", "errors": None}


def note(text: str = "Checked the Outlook profile.", **flags: bool) -> dict:
    body = {"text": text, "detailDescriptionFlag": False, "internalAnalysisFlag": False, "resolutionFlag": False}
    body.update(flags or {"internalAnalysisFlag": True})
    return body


def time_entry(ticket: int = 48211, kind: str = "ServiceTicket", **extra: object) -> dict:
    body: dict = {"chargeToId": ticket, "chargeToType": kind, "timeStart": "2026-11-18T13:32:00Z", "actualHours": 0.75}
    body.update(extra)
    return body


# --------------------------------------------------------------------------------------- companyinfo


def test_companyinfo_is_pascal_case_and_needs_no_auth(sandbox: Sandbox, http: httpx.Client) -> None:
    info = sandbox.info.connectwise
    resp = http.get(f"{info.site}/login/companyinfo/{info.company}")
    assert resp.status_code == 200
    body = resp.json()
    assert set(body) == {"CompanyName", "Codebase", "VersionCode", "VersionNumber", "CompanyID", "IsCloud", "SiteUrl", "AllowedOrigins"}
    assert body["Codebase"] == "v2025_1/"
    assert body["CompanyID"] == info.company
    assert body["IsCloud"] is True
    assert body["SiteUrl"] == info.site.removeprefix("http://")
    assert isinstance(body["AllowedOrigins"], list)


def test_companyinfo_company_is_case_insensitive(sandbox: Sandbox, http: httpx.Client) -> None:
    info = sandbox.info.connectwise
    assert http.get(f"{info.site}/login/companyinfo/{info.company.upper()}").json()["Codebase"] == "v2025_1/"


def test_unknown_company_is_200_with_null(sandbox: Sandbox, http: httpx.Client) -> None:
    resp = http.get(f"{sandbox.info.connectwise.site}/login/companyinfo/nosuchcompany")
    assert resp.status_code == 200
    assert resp.content == b"null"
    assert resp.json() is None


# ------------------------------------------------------------------------------ auth, clientId, version


@pytest.mark.parametrize(
    "auth",
    [
        None,
        "Bearer abc",
        "Basic !!!notbase64",
        "wrong-private",
        "wrong-company",
        "no-plus",
    ],
)
def test_bad_credentials_are_401_unauthorized(sandbox: Sandbox, cw: httpx.Client, http: httpx.Client, auth: str | None) -> None:
    c = sandbox.info.connectwise
    header = {
        "wrong-private": basic_auth(c.company, c.public_key, c.private_key[::-1]),
        "wrong-company": basic_auth("othercompany", c.public_key, c.private_key),
        "no-plus": "Basic " + __import__("base64").b64encode(f"{c.public_key}:{c.private_key}".encode()).decode(),
    }.get(auth or "", auth)
    headers = dict(cw.headers)
    headers.pop("authorization")
    if header is not None:
        headers["Authorization"] = header
    resp = http.get(f"{cw.base_url}system/info", headers=headers)
    assert resp.status_code == 401
    body = resp.json()
    assert body["code"] == "Unauthorized" and body["message"] and body["errors"] is None
    assert uuid.UUID(resp.headers["x-cw-request-id"])


@pytest.mark.parametrize("client_id", [None, "", "not-a-guid"])
def test_client_id_is_required(sandbox: Sandbox, cw: httpx.Client, http: httpx.Client, client_id: str | None) -> None:
    headers = cw_headers(sandbox.info, clientId=client_id)
    resp = http.get(f"{cw.base_url}system/info", headers=headers)
    assert resp.status_code == 401
    assert resp.json()["code"] == "Unauthorized"
    assert "clientId" in resp.json()["message"]


def test_any_guid_client_id_is_accepted(sandbox: Sandbox, cw: httpx.Client, http: httpx.Client) -> None:
    resp = http.get(f"{cw.base_url}system/info", headers=cw_headers(sandbox.info, clientId=str(uuid.uuid4())))
    assert resp.status_code == 200


@pytest.mark.parametrize("accept", [None, "application/json", "application/vnd.connectwise.com+json; version=2019.1",
                                    "application/vnd.connectwise.com+json; version=2025.16, application/json"])  # fmt: skip
def test_supported_versions(sandbox: Sandbox, cw: httpx.Client, http: httpx.Client, accept: str | None) -> None:
    resp = http.get(f"{cw.base_url}system/info", headers=cw_headers(sandbox.info, Accept=accept))
    assert resp.status_code == 200
    assert resp.headers["api-current-version"] == "2025.16"


@pytest.mark.parametrize("version", ["3.0.0", "0.0", "2031.1", "2025.17", "2018.6", "latest"])
def test_unsupported_version_is_400_like_connectwise(sandbox: Sandbox, cw: httpx.Client, http: httpx.Client, version: str) -> None:
    url = f"{cw.base_url}system/info"
    resp = http.get(url, headers=cw_headers(sandbox.info, Accept=f"application/vnd.connectwise.com+json; version={version}"))
    assert resp.status_code == 400
    assert resp.json() == {
        "code": "ConnectWiseApi",
        "message": f"The HTTP resource that matches the request URI '{url}' does not support the API version '{version}'.",
        "errors": None,
    }


def test_every_response_carries_request_id_and_version(cw: httpx.Client) -> None:
    seen = set()
    for path in ("system/info", "service/tickets/1", "no/such/route"):
        resp = cw.get(path)
        assert resp.headers["api-current-version"] == "2025.16"
        seen.add(str(uuid.UUID(resp.headers["x-cw-request-id"])))
    assert len(seen) == 3


def test_unknown_route_and_method(cw: httpx.Client) -> None:
    resp = cw.get("no/such/route")
    assert resp.status_code == 404 and resp.json()["code"] == "NotFound"
    resp = cw.delete("system/info")
    assert resp.status_code == 405 and resp.json()["code"] == "MethodNotAllowed"


# ------------------------------------------------------------------------------------------- system


def test_system_info(cw: httpx.Client) -> None:
    body = cw.get("system/info").json()
    assert body["version"].startswith("v2025.16")
    assert body["isCloud"] is True
    assert body["serverTimeZone"] == "Eastern Standard Time"
    assert {"name", "activeFlag"} <= set(body["licenseBits"][0])


def test_my_member_info(cw: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    body = cw.get("system/myMembers/info").json()
    assert (body["id"], body["identifier"], body["fullName"]) == (147, "dwhitfield", "Dana Whitfield")
    assert body["requireStartAndEndTimeOnTimeEntryFlag"] is False
    assert body["timeZone"] == {"id": 1, "name": "Eastern Standard Time"}
    sandbox_admin.config(member={"require_start_end": True, "time_zone": "Pacific Standard Time"})
    body = cw.get("system/myMembers/info").json()
    assert body["requireStartAndEndTimeOnTimeEntryFlag"] is True
    assert body["timeZone"]["name"] == "Pacific Standard Time"
    assert cw.get("system/myMembers").json()["identifier"] == "dwhitfield"


def _security(cw: httpx.Client) -> dict[tuple[str, str], dict]:
    rows = cw.get("system/mySecurity").json()
    for row in rows:
        assert {"moduleIdentifier", "moduleFunctionIdentifier", "addLevel", "editLevel", "deleteLevel", "inquireLevel"} <= set(row)
    return {(r["moduleIdentifier"], r["moduleFunctionIdentifier"]): r for r in rows}


def test_my_security_reflects_the_member_permissions(cw: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    rows = _security(cw)
    assert rows[("Service", "ServiceTickets")]["addLevel"] == "All"
    assert rows[("Project", "ProjectTickets")]["addLevel"] == "All"
    assert rows[("TimeExpense", "TimeEntry")]["addLevel"] == "All"
    sandbox_admin.config(member={"can_add_notes": False, "can_add_time": False})
    rows = _security(cw)
    assert rows[("Service", "ServiceTickets")]["addLevel"] == "None"
    assert rows[("Project", "ProjectTickets")]["addLevel"] == "None"
    assert rows[("TimeExpense", "TimeEntry")]["addLevel"] == "None"


# ------------------------------------------------------------------------------------------ tickets


def test_service_ticket(cw: httpx.Client) -> None:
    body = cw.get("service/tickets/48211").json()
    assert body["id"] == 48211 and body["recordType"] == "ServiceTicket"
    assert body["company"]["name"] == "Brightsmile Dental Group"
    assert "statusTimeEntryNotAllowed" not in body  # a sandbox hint, not a ConnectWise field


def test_project_ticket_only_on_the_project_path(cw: httpx.Client) -> None:
    project = cw.get("project/tickets/31207").json()
    assert project["phase"]["id"] == 1733 and "recordType" not in project  # a ProjectTicket has no recordType
    resp = cw.get("service/tickets/31207")
    assert resp.status_code == 404
    assert resp.json() == {"code": "NotFound", "message": "Ticket 31207 not found", "errors": None}
    resp = cw.get("project/tickets/48211")
    assert resp.status_code == 404
    assert resp.json()["message"] == "Ticket 48211 not found"


def test_unknown_ticket(cw: httpx.Client) -> None:
    resp = cw.get("service/tickets/99999")
    assert resp.status_code == 404 and resp.json()["message"] == "Ticket 99999 not found"


def test_ticket_fields_projection(cw: httpx.Client) -> None:
    body = cw.get("service/tickets/47988", params={"fields": "id,summary,status/name,closedFlag"}).json()
    assert body == {"id": 47988, "summary": "Remote vets disconnected from VPN every 20 minutes", "status": {"name": "Closed"}, "closedFlag": True}


def test_board_statuses(cw: httpx.Client) -> None:
    closed = cw.get("service/boards/1/statuses/22").json()
    assert (closed["name"], closed["closedStatus"], closed["timeEntryNotAllowed"]) == ("Closed", True, True)
    open_ = cw.get("service/boards/1/statuses/17").json()
    assert (open_["closedStatus"], open_["timeEntryNotAllowed"]) == (False, False)
    assert {s["id"] for s in cw.get("service/boards/1/statuses").json()} == {17, 19, 21, 22}
    resp = cw.get("service/boards/1/statuses/999")
    assert resp.status_code == 404 and resp.json()["code"] == "NotFound"


def test_status_notifications(cw: httpx.Client) -> None:
    """Whom the board notifies on a status (``BoardStatusNotification``): the contact on "Closed", no one on
    "In Progress"; an unknown status is a 404."""
    closed = cw.get("service/boards/1/statuses/22/notifications").json()
    assert [(n["notifyWho"]["name"], n["status"]["id"]) for n in closed] == [("Contact", 22)]
    assert cw.get("service/boards/1/statuses/17/notifications").json() == []
    assert cw.get("service/boards/4/statuses/41/notifications").json()[0]["notifyWho"]["name"] == "Resources"
    resp = cw.get("service/boards/1/statuses/999/notifications")
    assert resp.status_code == 404 and resp.json()["code"] == "NotFound"


# -------------------------------------------------------------------------------------------- notes


@pytest.mark.parametrize(
    ("flag", "internal", "external"),
    [("internalAnalysisFlag", True, False), ("detailDescriptionFlag", False, True), ("resolutionFlag", False, True)],
)
def test_post_note(cw: httpx.Client, sandbox_admin: SandboxAdmin, flag: str, internal: bool, external: bool) -> None:
    resp = cw.post("service/tickets/48211/notes", json=note(**{flag: True}))
    assert resp.status_code == 201
    body = resp.json()
    assert body["ticketId"] == 48211 and body["text"] == "Checked the Outlook profile."
    assert body[flag] is True
    assert (body["internalFlag"], body["externalFlag"]) == (internal, external)
    assert body["member"] == {"id": 147, "identifier": "dwhitfield", "name": "Dana Whitfield"}
    assert body["createdBy"] == "dwhitfield"
    assert CW_TIME.match(body["dateCreated"])
    assert sandbox_admin.ledger()["notes"] == [body]
    assert cw.get(f"service/tickets/48211/notes/{body['id']}").json() == body


def test_note_without_a_visibility_flag(cw: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    resp = cw.post("service/tickets/48211/notes", json={"text": "only text"})
    assert resp.status_code == 400
    body = resp.json()
    assert (body["code"], body["message"]) == ("InvalidObject", "serviceNote object is invalid")
    assert [e["message"] for e in body["errors"]] == [NOTE_FLAG_MESSAGE]
    assert body["errors"][0]["resource"] == "serviceNote"
    assert sandbox_admin.ledger()["notes"] == []


@pytest.mark.parametrize("text", ["", "   ", None])
def test_note_with_empty_text(cw: httpx.Client, text: str | None) -> None:
    resp = cw.post("service/tickets/48211/notes", json=note(text))
    assert resp.status_code == 400
    body = resp.json()
    assert body["code"] == "InvalidObject"
    assert [(e["code"], e["field"]) for e in body["errors"]] == [("NullValue", "text")]


def test_project_ticket_note(cw: httpx.Client) -> None:
    resp = cw.post("project/tickets/31207/notes", json=note(resolutionFlag=True))
    assert resp.status_code == 201 and resp.json()["ticketId"] == 31207
    resp = cw.post("project/tickets/31207/notes", json={"text": "x"})
    assert resp.json()["message"] == "ticketNote object is invalid"
    resp = cw.post("service/tickets/31207/notes", json=note())
    assert resp.status_code == 404 and resp.json()["message"] == "Ticket 31207 not found"


def test_note_body_checks(cw: httpx.Client) -> None:
    resp = cw.post("service/tickets/48211/notes", json={**note(), "enteredBy": "x"})
    assert resp.status_code == 400
    assert resp.json()["message"] == "Could not find member 'enteredBy' on object of type 'ServiceNote'."
    resp = cw.post("service/tickets/48211/notes", json={**note(), "internalAnalysisFlag": "yes"})
    assert resp.json() == {"code": "ConnectWiseApi", "message": "String was not recognized as a valid Boolean.", "errors": None}
    resp = cw.post("service/tickets/48211/notes", content=b"{not json", headers={"Content-Type": "application/json"})
    assert resp.status_code == 400 and resp.json()["code"] == "ConnectWiseApi"
    resp = cw.post("service/tickets/48211/notes", json={**note(), "member": {"identifier": "jblake"}})
    assert resp.status_code == 403 and resp.json() == SECURITY
    resp = cw.post("service/tickets/48211/notes", json={**note(), "member": {"identifier": "DWhitfield"}})
    assert resp.status_code == 201


def test_note_without_permission(cw: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.config(member={"can_add_notes": False})
    for path in ("service/tickets/48211/notes", "project/tickets/31207/notes"):
        resp = cw.post(path, json=note())
        assert resp.status_code == 403
        assert resp.json() == SECURITY
    assert sandbox_admin.ledger()["notes"] == []


def test_notes_on_a_closed_ticket_are_allowed(cw: httpx.Client) -> None:
    assert cw.post("service/tickets/47988/notes", json=note()).status_code == 201


def test_seeded_history_notes(cw: httpx.Client) -> None:
    notes = cw.get("service/tickets/48244/notes").json()
    assert [n["id"] for n in notes][-1] == 1184523  # the note ResolutionFlow already posted (sample 12)
    assert notes[-1]["resolutionFlag"] is True
    assert cw.get("service/tickets/48211/notes").json()[0]["createdBy"] == "Portal"


def test_notes_order_and_paging(cw: httpx.Client) -> None:
    posted = [cw.post("service/tickets/48211/notes", json=note(f"note {i}")).json()["id"] for i in range(4)]
    all_ids = [n["id"] for n in cw.get("service/tickets/48211/notes").json()]
    assert all_ids == sorted(all_ids) and all_ids[-4:] == posted
    desc = [n["id"] for n in cw.get("service/tickets/48211/notes", params={"orderBy": "id desc"}).json()]
    assert desc == sorted(all_ids, reverse=True)
    page = cw.get("service/tickets/48211/notes", params={"orderBy": "id desc", "pageSize": 2, "fields": "id,text"}).json()
    assert page == [{"id": posted[3], "text": "note 3"}, {"id": posted[2], "text": "note 2"}]
    assert cw.get("service/tickets/48211/notes/count").json() == {"count": 5}


def test_link_headers_across_pages(cw: httpx.Client) -> None:
    for i in range(4):
        cw.post("service/tickets/48211/notes", json=note(f"note {i}"))  # 1 history note + 4 = 5
    first = cw.get("service/tickets/48211/notes", params={"pageSize": 2, "orderBy": "id asc"})
    links = first.links
    assert set(links) == {"next", "last"}
    assert "page=2" in links["next"]["url"] and "page=3" in links["last"]["url"]
    assert "orderBy=id+asc" in links["next"]["url"]  # the other parameters are kept
    middle = cw.get(links["next"]["url"])
    assert set(middle.links) == {"next", "last"} and "page=3" in middle.links["next"]["url"]
    last = cw.get(middle.links["next"]["url"])
    assert set(last.links) == {"first"} and "page=1" in last.links["first"]["url"]
    ids = [n["id"] for r in (first, middle, last) for n in r.json()]
    assert ids == [n["id"] for n in cw.get("service/tickets/48211/notes").json()]
    assert len(ids) == 5
    # a single page has no Link header at all
    assert "link" not in cw.get("service/tickets/48211/notes", params={"pageSize": 5}).headers


@pytest.mark.parametrize("page_size", ["1001", "0", "-1", "abc"])
def test_page_size_out_of_range(cw: httpx.Client, page_size: str) -> None:
    resp = cw.get("service/tickets/48211/notes", params={"pageSize": page_size})
    assert resp.status_code == 400
    assert resp.json() == {
        "code": "InvalidObject",
        "message": "pageSize object is invalid",
        "errors": [{"code": "OutOfRange", "message": "The field pageSize must be between 1 and 1000.", "resource": "pageSize", "field": "pageSize"}],
    }


def test_page_size_1000_is_fine(cw: httpx.Client) -> None:
    assert cw.get("service/tickets/48211/notes", params={"pageSize": 1000}).status_code == 200


def test_bad_order_by(cw: httpx.Client) -> None:
    resp = cw.get("service/tickets/48211/notes", params={"orderBy": "nosuchfield desc"})
    assert resp.status_code == 400 and resp.json()["message"] == "orderBy object is invalid"


def test_conditions_on_notes(cw: httpx.Client) -> None:
    cw.post("service/tickets/48211/notes", json=note("Rebuilt the Outlook profile"))
    found = cw.get("service/tickets/48211/notes", params={"conditions": 'text contains "outlook profile" and createdBy="dwhitfield"'}).json()
    assert [n["text"] for n in found] == ["Rebuilt the Outlook profile"]


# ------------------------------------------------------------------------------------- time entries


def test_post_time_entry(cw: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    resp = cw.post("time/entries", json=time_entry(timeEnd="2026-11-18T14:17:00Z", notes="Outlook fixed"))
    assert resp.status_code == 201
    body = resp.json()
    assert body["id"] >= 1
    assert body["member"] == {"id": 147, "identifier": "dwhitfield", "name": "Dana Whitfield"}
    assert body["enteredBy"] == "dwhitfield"
    assert CW_TIME.match(body["dateEntered"])
    assert body["actualHours"] == 0.75  # computed from start and end (45 min), not taken from the body
    assert (body["timeStart"], body["timeEnd"]) == ("2026-11-18T13:32:00Z", "2026-11-18T14:17:00Z")
    assert body["ticket"]["id"] == 48211 and body["company"]["identifier"] == "BrightsmileDental"
    assert sandbox_admin.ledger()["time_entries"] == [body]
    assert cw.get(f"time/entries/{body['id']}").json() == body


def test_time_entry_hours_from_start_and_end(cw: httpx.Client) -> None:
    body = cw.post("time/entries", json=time_entry(actualHours=9.0, timeEnd="2026-11-18T15:02:00Z")).json()
    assert body["actualHours"] == 1.5
    derived = cw.post("time/entries", json=time_entry(actualHours=0.5)).json()
    assert (derived["actualHours"], derived["timeEnd"]) == (0.5, "2026-11-18T14:02:00Z")


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-18T13:32:00",
        "2026-11-18T13:32:00.000Z",
        "2026-11-18T13:32:00+00:00",
        "2026-11-18 13:32:00Z",
        "[2026-11-18T13:32:00Z]",
        "2026-11-18",
        "2026-13-18T13:32:00Z",
        12345,
    ],
)
@pytest.mark.parametrize("field", ["timeStart", "timeEnd"])
def test_time_entry_dates_must_be_exact_utc_z(cw: httpx.Client, sandbox_admin: SandboxAdmin, field: str, value: object) -> None:
    resp = cw.post("time/entries", json=time_entry(**{field: value}))
    assert resp.status_code == 400
    body = resp.json()
    assert body["code"] == "UnsupportedFormat"
    assert body["message"] == f"Unsupported format applied to {field}"
    assert body["errors"][0]["field"] == field
    assert sandbox_admin.ledger()["time_entries"] == []


def test_time_entry_charge_type_must_match_the_ticket(cw: httpx.Client) -> None:
    resp = cw.post("time/entries", json=time_entry(31207, "ServiceTicket"))
    assert resp.status_code == 400
    body = resp.json()
    assert body["code"] == "InvalidObject" and body["message"] == "timeEntry object is invalid"
    assert body["errors"] == [{"code": "NotFound", "message": "Ticket 31207 not found", "resource": "timeEntry", "field": "chargeToId"}]
    assert cw.post("time/entries", json=time_entry(48211, "ProjectTicket")).status_code == 400
    assert cw.post("time/entries", json=time_entry(99999)).json()["errors"][0]["message"] == "Ticket 99999 not found"
    assert cw.post("time/entries", json=time_entry(48211, "ChargeCode")).json()["errors"][0]["field"] == "chargeToType"


def test_project_ticket_time_entry(cw: httpx.Client) -> None:
    resp = cw.post("time/entries", json=time_entry(31207, "ProjectTicket"))
    assert resp.status_code == 201
    body = resp.json()
    assert body["chargeToType"] == "ProjectTicket"
    assert body["project"]["id"] == 482 and body["phase"]["id"] == 1733


def test_closed_ticket_refuses_time(cw: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    resp = cw.post("time/entries", json=time_entry(47988))
    assert resp.status_code == 400
    body = resp.json()
    assert body["code"] == "InvalidObject"
    (error,) = body["errors"]
    assert error["field"] == "chargeToId"
    assert "47988" in error["message"] and '"Closed"' in error["message"] and "does not allow time entry" in error["message"]
    assert sandbox_admin.ledger()["time_entries"] == []


def test_require_start_and_end(cw: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.config(member={"require_start_end": True})
    resp = cw.post("time/entries", json=time_entry())
    assert resp.status_code == 400
    assert [e["field"] for e in resp.json()["errors"]] == ["timeEnd"]
    assert cw.post("time/entries", json=time_entry(timeEnd="2026-11-18T14:00:00Z")).status_code == 201


def test_time_entry_other_checks(cw: httpx.Client) -> None:
    resp = cw.post("time/entries", json=time_entry(timeEnd="2026-11-18T13:00:00Z"))
    assert resp.status_code == 400 and resp.json()["errors"][0]["message"] == "timeEnd must be later than timeStart."
    resp = cw.post("time/entries", json={"chargeToId": 48211, "chargeToType": "ServiceTicket"})
    assert [e["field"] for e in resp.json()["errors"]] == ["timeStart"]
    resp = cw.post("time/entries", json=time_entry(actualHours=-1))
    assert resp.json()["errors"][0]["field"] == "actualHours"
    resp = cw.post("time/entries", json=time_entry(addToDetailDescriptionFlag="no"))
    assert resp.json()["message"] == "String was not recognized as a valid Boolean."
    resp = cw.post("time/entries", json=time_entry(bogus=1))
    assert resp.json()["message"] == "Could not find member 'bogus' on object of type 'TimeEntry'."
    resp = cw.post("time/entries", json=time_entry(member={"id": 148}))
    assert resp.status_code == 403 and resp.json() == SECURITY


def test_time_entry_without_permission(cw: httpx.Client, sandbox_admin: SandboxAdmin) -> None:
    sandbox_admin.config(member={"can_add_time": False})
    resp = cw.post("time/entries", json=time_entry())
    assert resp.status_code == 403 and resp.json() == SECURITY
    assert cw.post("service/tickets/48211/notes", json=note()).status_code == 201  # notes still allowed


def test_find_time_entries_with_conditions(cw: httpx.Client) -> None:
    a = cw.post("time/entries", json=time_entry()).json()
    b = cw.post("time/entries", json=time_entry(timeStart="2026-11-18T16:00:00Z")).json()
    c = cw.post("time/entries", json=time_entry(31207, "ProjectTicket")).json()
    query = 'chargeToId=48211 and chargeToType="ServiceTicket" and member/identifier="dwhitfield" and timeStart=[2026-11-18T13:32:00Z]'
    assert [e["id"] for e in cw.get("time/entries", params={"conditions": query}).json()] == [a["id"]]
    found = cw.get("time/entries", params={"conditions": "timeStart >= [2026-11-18T14:00:00Z] or chargeToType = 'ProjectTicket'", "orderBy": "id desc"}).json()
    assert [e["id"] for e in found] == [c["id"], b["id"]]
    assert cw.get("time/entries/count", params={"conditions": "chargeToId = 48211"}).json() == {"count": 2}
    ticket = cw.get("service/tickets/48211/timeentries").json()
    assert [e["id"] for e in ticket] == [a["id"], b["id"]]
    assert cw.get("service/tickets/31207/timeentries").status_code == 404


@pytest.mark.parametrize(
    ("conditions", "specific"),
    [
        ('chargeToId = "48211"', "Expected a numeric value, not a string."),
        ("addToResolutionFlag = 1", "Expected a boolean value, not a numeric."),
        ("timeStart > 2026-01-01", "Unexpected '-1' at position 16."),
    ],
)
def test_bad_conditions_are_400_with_connectwise_text(cw: httpx.Client, conditions: str, specific: str) -> None:
    resp = cw.get("time/entries", params={"conditions": conditions})
    assert resp.status_code == 400
    assert resp.json() == {"code": "InvalidObject", "message": f"{specific} {CW_CONDITION_HELP}", "errors": None}


def test_unknown_condition_field_is_400(cw: httpx.Client) -> None:
    resp = cw.get("time/entries", params={"conditions": "nosuchfield = 1"})
    assert resp.status_code == 400 and "nosuchfield" in resp.json()["message"]


# ---------------------------------------------------------------------------------- codebase upgrade


def test_codebase_upgrade(sandbox: Sandbox, cw: httpx.Client, sandbox_admin: SandboxAdmin, http: httpx.Client) -> None:
    assert cw.get("system/info").status_code == 200
    sandbox_admin.config(codebase="v2026_1/")
    old = cw.get("system/info")
    assert old.status_code == 404
    assert old.headers["content-type"].startswith("text/html")  # an IIS-style page, not JSON
    old_post = cw.post("service/tickets/48211/notes", json=note())
    assert old_post.status_code == 404
    c = sandbox.info.connectwise
    info = http.get(f"{c.site}/login/companyinfo/{c.company}").json()
    assert (info["Codebase"], info["VersionCode"]) == ("v2026_1/", "v2026.1")
    new = http.get(f"{c.site}/v2026_1/apis/3.0/system/info", headers=dict(cw.headers))
    assert new.status_code == 200
    assert new.headers["api-current-version"] == "2026.1"
    assert sandbox_admin.ledger()["notes"] == []


def test_the_ticket_page_at_connectwises_url_entry_point(sandbox):
    """"Open ticket in ConnectWise" lands here in the demo: the ticket and its notes, newest first."""
    import httpx

    from flowdesk.connectwise.account import ticket_url
    from flowdesk.core.settings import ConnectWiseProfile

    cw = sandbox.info.connectwise
    profile = ConnectWiseProfile(site=cw.site, company=cw.company)
    auth = httpx.BasicAuth(f"{cw.company}+{cw.public_key}", cw.private_key)
    api = f"{cw.site}/v2025_1/apis/3.0"
    headers = {"clientId": cw.client_id}
    r = httpx.post(f"{api}/service/tickets/48211/notes", auth=auth, headers=headers,
                   json={"text": "Line one <b>not bold</b>", "internalAnalysisFlag": True})
    assert r.status_code == 201
    page = httpx.get(ticket_url(profile, 48211))
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "#48211" in page.text and "Brightsmile Dental Group" in page.text
    assert "Line one &lt;b&gt;not bold&lt;/b&gt;" in page.text  # escaped
    assert httpx.get(ticket_url(profile, 31207, "project")).status_code == 200
    assert httpx.get(ticket_url(profile, 31207, "service")).status_code == 404
