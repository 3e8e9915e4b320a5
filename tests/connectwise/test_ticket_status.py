"""A ticket's status set with a JSON Patch and verified by reading the ticket back (ConnectWise can answer
200 and keep the old status: ResolutionFlow's own provider re-reads for that reason)."""

from __future__ import annotations

import json

import pytest

from flowdesk.connectwise.bodies import TicketRef
from flowdesk.connectwise.errors import ValidationFailed
from flowdesk.core import present

from .conftest import api_requests
from .spec import assert_spec

SERVICE = TicketRef(48211)


def test_a_status_is_set_with_a_patch_and_read_back(client, admin):
    statuses = dict(client.board_statuses(1))
    closed = next(sid for sid, name in statuses.items() if name != client.get_ticket(48211).status)
    assert client.set_ticket_status(SERVICE, closed) == statuses[closed]
    assert client.get_ticket(48211).status_id == closed
    patch = [r for r in api_requests(admin) if r["method"] == "PATCH"]
    assert [r["body"] for r in patch] == [[{"op": "replace", "path": "status/id", "value": closed}]]
    for op in patch[0]["body"]:
        assert_spec(op, "PatchOperation", answer=False)
    reads = [r for r in api_requests(admin) if r["method"] == "GET" and r["path"].endswith("/service/tickets/48211")]
    assert reads  # verified by reading the ticket back


def test_a_status_connectwise_ignores_is_a_failure_with_its_reason(client, admin):
    before = client.get_ticket(48211)
    other = next(sid for sid, _ in client.board_statuses(1) if sid != before.status_id)
    admin.config(member={"ignore_status": True})
    with pytest.raises(ValidationFailed) as info:
        client.set_ticket_status(SERVICE, other)
    assert str(info.value) == present.status_kept(48211, before.status or "")
    assert client.get_ticket(48211).status_id == before.status_id


def test_a_status_not_on_the_board_is_refused_in_connectwises_words(client):
    with pytest.raises(ValidationFailed, match="is not a status of this board"):
        client.set_ticket_status(SERVICE, 999999)


def test_the_patched_ticket_answer_fits_the_spec(client, admin, sandbox_app):
    other = next(sid for sid, _ in client.board_statuses(1) if sid != client.get_ticket(48211).status_id)
    client.set_ticket_status(SERVICE, other)
    answer = json.loads(json.dumps(sandbox_app.state.tickets[48211]))
    answer.pop("statusTimeEntryNotAllowed", None)
    assert_spec(answer, "Ticket")


def test_whom_a_status_notifies_is_read_from_its_notifications(client):
    assert client.status_notifications(1, 22) == ["Contact"]  # "Closed": the board e-mails the contact
    assert client.status_notifications(1, 17) == []  # "In Progress": no one


@pytest.mark.parametrize(
    ("record", "words"),
    [
        ({"notifyWho": {"id": 1, "name": "Contact"}}, "Contact"),
        ({"notifyWho": {"identifier": "SpecificMember"}, "member": {"identifier": "jsmith", "name": "Jo Smith"}},
         "SpecificMember (Jo Smith)"),
        ({"notifyWho": {"name": "Email Address"}, "email": "ap@client.example"}, "Email Address (ap@client.example)"),
        ({"notifyWho": None, "email": "ap@client.example"}, "ap@client.example"),
        ({"id": 4}, ""),
    ],
)
def test_a_notification_names_whom_it_notifies(record, words):
    from flowdesk.connectwise.rows import recipient as _recipient

    assert _recipient(record) == words
