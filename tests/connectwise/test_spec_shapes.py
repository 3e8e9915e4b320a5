"""The sandbox speaks ConnectWise's published models, and FlowDesk sends only what they hold.

Every answer FlowDesk reads from the sandbox while it works (who am I, security, tickets of both kinds, notes
of both kinds, time entries, board statuses, error envelopes) and every body it sends (notes, time entries)
is recorded at the HTTP transport and checked against the JSON Schema files in ``tests/connectwise/schemas``
(transcribed from the spec, ``additionalProperties: false``): a field the spec does not have fails, a wrong
type fails, and a null in an answer fails (real answers leave nulls out). So the sandbox cannot drift into
agreeing with a FlowDesk mistake, and FlowDesk cannot rely on a field ConnectWise does not send.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from flowdesk.connectwise.bodies import TicketRef, note_body, time_entry_body
from flowdesk.connectwise.errors import NotFound, ValidationFailed
from flowdesk.core.settings import Visibility
from flowdesk.core.timing import TimeEntryPlan
from flowdesk.sandbox import SandboxApp
from tests.plugins.sandbox import connectwise_client

from .schemas import make_schemas
from .spec import assert_spec, problems

SERVICE = TicketRef(48211)
PROJECT = TicketRef(31207, "project")
API = re.compile(r"^/[^/]+/apis/3\.0(?P<rest>/.*)$")
# (method, path under the API) → the spec model of the answer (2xx) and of the body sent
MODELS: list[tuple[str, re.Pattern[str], str]] = [
    ("GET", re.compile(r"^/system/myMembers/info$"), "MyMemberInfo"),
    ("GET", re.compile(r"^/system/mySecurity$"), "MySecurity"),
    ("GET", re.compile(r"^/service/tickets/\d+$"), "Ticket"),
    ("GET", re.compile(r"^/project/tickets/\d+$"), "ProjectTicket"),
    ("GET POST", re.compile(r"^/service/tickets/\d+/notes(/\d+)?$"), "ServiceNote"),
    ("GET POST", re.compile(r"^/project/tickets/\d+/notes(/\d+)?$"), "TicketNote"),
    ("GET POST", re.compile(r"^/time/entries(/\d+)?$"), "TimeEntry"),
    ("GET", re.compile(r"^/service/tickets/\d+/timeentries$"), "TimeEntryReference"),
    ("GET", re.compile(r"^/service/boards/\d+/statuses(/\d+)?$"), "BoardStatus"),
    ("GET", re.compile(r"^/service/boards/\d+/statuses/\d+/notifications$"), "BoardStatusNotification"),
    ("GET", re.compile(r"^/time/workTypes(/\d+)?$"), "WorkType"),
    ("GET", re.compile(r"^/time/workRoles(/\d+)?$"), "WorkRole"),
    ("PATCH", re.compile(r"^/(service|project)/tickets/\d+$"), "PatchOperation"),
]


class Recording(httpx.BaseTransport):
    """Every request FlowDesk sends and the answer it gets, as bytes."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.exchanges: list[tuple[httpx.Request, httpx.Response]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        response.read()
        self.exchanges.append((request, response))
        return response


def model_for(method: str, rest: str) -> str | None:
    for methods, rx, model in MODELS:
        if method in methods.split() and rx.match(rest):
            return model
    return None


def check_exchanges(exchanges: list[tuple[httpx.Request, httpx.Response]]) -> dict[str, int]:
    """Check each recorded exchange against the spec; the number of checked answers / bodies per model."""
    checked: dict[str, int] = {}
    for request, response in exchanges:
        m = API.match(request.url.path)
        if m is None:
            continue  # companyinfo: discovery, not a model of the API spec
        rest = m.group("rest")
        model = model_for(request.method, rest)
        assert model is not None, f"{request.method} {rest}: FlowDesk used an endpoint with no spec model here"
        if request.content:
            sent = json.loads(request.content)
            body_model = "PatchOperation" if request.method == "PATCH" else model
            for item in sent if isinstance(sent, list) else [sent]:
                assert_spec(item, body_model, answer=False)
            checked[f"sent {body_model}"] = checked.get(f"sent {body_model}", 0) + 1
        if not response.content:
            continue
        data = response.json()
        if response.is_success:
            answer_model = "Ticket" if request.method == "PATCH" and rest.startswith("/service") else model
            if request.method == "PATCH" and rest.startswith("/project"):
                answer_model = "ProjectTicket"
            partial = "fields" in request.url.params
            for item in data if isinstance(data, list) else [data]:
                assert_spec(item, answer_model, partial=partial)
            checked[answer_model] = checked.get(answer_model, 0) + 1
        else:
            assert_spec(data, "ErrorResponseMessage")
            checked["ErrorResponseMessage"] = checked.get("ErrorResponseMessage", 0) + 1
    return checked


@pytest.fixture
def recorded(sandbox_app: SandboxApp):
    rec = Recording(sandbox_app.transport())
    client = connectwise_client(sandbox_app, transport=rec)
    yield client, rec
    client.close()


def test_schema_files_match_the_transcription():
    """The committed JSON files are what ``make_schemas.py`` makes of the transcription (nothing edited by
    hand), with the spec's property counts for the models the reference names."""
    for name, schema in make_schemas.build().items():
        path = make_schemas.HERE / f"{name}.json"
        assert path.read_text(encoding="utf-8") == make_schemas.render(schema), f"{name}.json: run make_schemas.py"
    counts = {name: len(make_schemas.build()[name]["properties"]) for name in
              ("ServiceNote", "TicketNote", "TimeEntry", "Ticket", "ProjectTicket", "MyMemberInfo")}  # fmt: skip
    assert counts == {"ServiceNote": 17, "TicketNote": 14, "TimeEntry": 62, "Ticket": 116, "ProjectTicket": 80,
                      "MyMemberInfo": 46}  # fmt: skip


@pytest.mark.parametrize(
    ("instance", "model", "words"),
    [
        ({"id": 1, "text": "x", "dateCreated": "2026-01-01T00:00:00Z"}, "TicketNote", "'dateCreated' is not a property"),
        ({"id": 1, "createdBy": "x", "securityRole": {"id": 1}}, "ServiceNote", "'securityRole' is not a property"),
        ({"id": 1, "summary": "x", "phase": {"id": 1}, "recordType": "ProjectTicket"}, "ProjectTicket", "'recordType'"),
        ({"id": 1, "identifier": "x", "securityRole": {"id": 63}}, "MyMemberInfo", "'securityRole'"),
        ({"timeStart": "2026-01-01T00:00:00Z", "billableOption": "Maybe"}, "TimeEntry", "'Maybe' is not one of"),
        ({"timeEnd": "2026-01-01T00:00:00Z"}, "TimeEntry", "required property 'timeStart'"),
        ({"timeStart": "yesterday"}, "TimeEntry", "is not a date-time"),
        ({"id": "7", "_info": {}}, "TimeEntryReference", "is not of type integer"),
        ({"id": 1, "member": {"id": 1, "identifier": "x", "email": "x"}}, "TicketNote", "'email' is not a property"),
        ({"code": "NotFound"}, "ErrorResponseMessage", "required property 'message'"),
    ],
)
def test_the_checker_refuses_what_the_spec_does_not_have(instance: Any, model: str, words: str):
    assert any(words in p for p in problems(instance, model)), problems(instance, model)


def test_nulls_in_an_answer_fail():
    with pytest.raises(AssertionError, match="internalNotes: null"):
        assert_spec({"timeStart": "2026-01-01T00:00:00Z", "internalNotes": None}, "TimeEntry")
    assert_spec({"code": "NotFound", "message": "x", "errors": None}, "ErrorResponseMessage")  # as real servers


@pytest.mark.parametrize("visibility", list(Visibility))
@pytest.mark.parametrize("model", ["ServiceNote", "TicketNote"])
def test_every_note_body_fits_both_note_models(visibility: Visibility, model: str):
    assert_spec(note_body("Restarted the spooler.", visibility), model, answer=False)


@pytest.mark.parametrize("send_end", [False, True])
@pytest.mark.parametrize("ticket", [SERVICE, PROJECT])
def test_every_time_entry_body_fits_the_time_entry_model(send_end: bool, ticket: TicketRef):
    plan = TimeEntryPlan(start=datetime(2026, 11, 18, 14, 2, tzinfo=UTC), hours=0.75, notes="Spooler restarted.")
    assert_spec(time_entry_body(ticket, plan, send_end=send_end), "TimeEntry", answer=False)


def test_every_answer_flowdesk_reads_and_every_body_it_sends_fit_the_spec(recorded):
    """A working session against the sandbox: connect, read both kinds of ticket, post and read notes on both,
    log time on both, look for the time again, read a board status, meet a 404 and a 400."""
    client, rec = recorded
    client.test_connection()
    assert ("Onsite" in dict(client.work_types()).values()) and client.work_roles()
    service = client.get_ticket(SERVICE.id)
    project = client.get_ticket(PROJECT.id)  # a 404 on the service path first, then the project path
    assert project.ref == PROJECT and service.ref == SERVICE
    plan = TimeEntryPlan(start=datetime(2026, 11, 18, 14, 2, tzinfo=UTC), hours=0.5, notes="Spooler restarted.",
                         work_type_id=4, work_role_id=7, billable="NoCharge")  # fmt: skip
    for ref in (SERVICE, PROJECT):
        for visibility in Visibility:
            client.post_note(ref, note_body(f"{visibility} note on {ref.id}", visibility))
        client.recent_notes(ref, limit=10)
        client.create_time_entry(time_entry_body(ref, plan, send_end=True))
        assert client.find_time_entries(ref, "dwhitfield", plan.start)
    other = next(sid for sid, _ in client.board_statuses(1) if sid != service.status_id)
    assert client.status_notifications(1, 22) == ["Contact"]  # "Closed" on the Help Desk board
    client.set_ticket_status(SERVICE, other)  # PATCH [{op, path, value}], then the ticket read back
    with pytest.raises(NotFound):
        client.get_ticket(99999)
    with pytest.raises(ValidationFailed):
        client.post_note(SERVICE, {"text": "", "detailDescriptionFlag": True})
    checked = check_exchanges(rec.exchanges)
    for model in ("MyMemberInfo", "MySecurity", "Ticket", "ProjectTicket", "ServiceNote", "TicketNote", "TimeEntry",
                  "BoardStatus", "BoardStatusNotification", "ErrorResponseMessage", "sent ServiceNote", "sent TicketNote", "sent TimeEntry",
                  "WorkType", "WorkRole", "sent PatchOperation"):  # fmt: skip
        assert checked.get(model), f"no {model} was checked: {checked}"


def test_the_sandbox_answers_the_spec_on_the_endpoints_flowdesk_does_not_use_yet(sandbox_app: SandboxApp):
    """``/service/tickets/{id}/timeentries`` is a list of TimeEntryReference ({id, _info}); a project note
    has no dateCreated/createdBy; a history note on a project ticket neither."""
    rec = Recording(sandbox_app.transport())
    client = connectwise_client(sandbox_app, transport=rec)
    try:
        plan = TimeEntryPlan(start=datetime(2026, 11, 18, 9, 0, tzinfo=UTC), hours=1.0, notes="n")
        client.create_time_entry(time_entry_body(SERVICE, plan, send_end=False))
        site = client.discover()
        with httpx.Client(transport=rec, headers=client._headers("GET")) as raw:  # the same keys and headers
            refs = raw.get(f"{site.api_base}/service/tickets/{SERVICE.id}/timeentries").json()
            assert refs and all(set(r) <= {"id", "_info"} for r in refs)
            notes = raw.get(f"{site.api_base}/project/tickets/{PROJECT.id}/notes").json()
            assert notes and all("dateCreated" not in n and "createdBy" not in n for n in notes)
        check_exchanges(rec.exchanges)
    finally:
        client.close()
