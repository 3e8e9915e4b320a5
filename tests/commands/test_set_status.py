"""``flowdesk push --set-status NAME``: the status is found among the ticket's board statuses (any case), queued
as a status change after the note, and set once the note is posted; an unknown name is bad input (exit 2)
naming the choices, and nothing is queued."""

from __future__ import annotations

import json

import pytest

from flowdesk.connectwise.client import ConnectWiseClient

from .test_push_spec import drain
from .test_queue import OUTLOOK, connect, jobs, run


@pytest.fixture
def connected(sandbox, monkeypatch, capsys):
    return connect(sandbox, monkeypatch, capsys)


@pytest.fixture
def cw(sandbox):
    info = sandbox.info.connectwise
    with ConnectWiseClient(info.site, info.company, info.public_key, info.private_key, client_id=info.client_id) as c:
        yield c


def test_set_status_queues_a_status_change_after_the_note_and_sets_it(connected, sandbox_admin, cw, monkeypatch, capsys):
    ticket = cw.get_ticket(48211)
    sid, name = next((s, n) for s, n in cw.board_statuses(ticket.board_id) if s != ticket.status_id)
    code, out, err = run(monkeypatch, capsys, "push", str(OUTLOOK), "--no-time-entry", "--set-status", name.upper())
    assert code == 0, err
    note, status = jobs()
    assert [j["kind"] for j in json.loads(out)["jobs"]] == ["note", "status"]
    assert (status.kind, status.parent_id, status.body_json()) == ("status", note.id, {"status": {"id": sid, "name": name}})

    code, out, _ = run(monkeypatch, capsys, "queue", "list")
    assert code == 0 and f"status change → {name}" in out and "Waiting for its note" in out

    drain(monkeypatch, capsys)
    assert [j.state for j in jobs()] == ["sent", "sent"]
    assert cw.get_ticket(48211).status_id == sid
    methods = [r["method"] for r in sandbox_admin.ledger()["requests"] if "/service/tickets/48211" in r["path"]]
    assert methods.index("POST") < methods.index("PATCH")  # the note first


def test_an_unknown_status_is_bad_input_naming_the_choices(connected, cw, monkeypatch, capsys):
    names = [n for _, n in cw.board_statuses(cw.get_ticket(48211).board_id)]
    code, out, err = run(monkeypatch, capsys, "push", str(OUTLOOK), "--set-status", "Gone Fishing")
    assert code == 2 and out == ""
    assert err.strip() == f"flowdesk: --set-status Gone Fishing: ticket #48211's board has no such status; it has: {', '.join(names)}"
    assert jobs() == []


def test_a_status_ignored_by_connectwise_shows_as_failed_in_the_queue(connected, sandbox_admin, cw, monkeypatch, capsys):
    ticket = cw.get_ticket(48211)
    name = next(n for s, n in cw.board_statuses(ticket.board_id) if s != ticket.status_id)
    sandbox_admin.config(member={"ignore_status": True})
    assert run(monkeypatch, capsys, "push", str(OUTLOOK), "--no-time-entry", "--set-status", name)[0] == 0
    code, out, err = run(monkeypatch, capsys, "queue", "drain", "--until-empty", "--max-seconds", "30")
    assert code == 1 and "failed 1" in out  # a failed push: exit 1
    code, out, _ = run(monkeypatch, capsys, "queue", "list", "--json")
    status = [j for j in json.loads(out)["jobs"] if j["kind"] == "status"][0]
    assert (status["state"], status["state_words"]) == ("failed", "Failed")
    assert f"kept it at “{ticket.status}”" in status["last_error"]
    code, out, _ = run(monkeypatch, capsys, "queue", "list")
    assert f"status change → {name}" in out and "Failed" in out and "ConnectWise answered the status change" in out


def test_set_status_says_whom_connectwise_emails_about_the_status(connected, sandbox_admin, monkeypatch, capsys):
    from flowdesk.core import present

    code, _, err = run(monkeypatch, capsys, "push", str(OUTLOOK), "--no-time-entry", "--set-status", "closed")
    assert code == 0, err
    assert f"flowdesk: warning: {present.status_notice('Closed', ['Contact'])}" in err.splitlines()

    sandbox_admin.add_fault(method="GET", path="*/statuses/*/notifications", status=403, times=None)
    code, _, err = run(monkeypatch, capsys, "push", str(OUTLOOK), "--no-time-entry", "--set-status", "resolved - awaiting confirmation", "--force")
    assert code == 0, err
    assert f"flowdesk: warning: {present.status_notice_unknown('Resolved - Awaiting Confirmation', 'permission')}" in err.splitlines()


def test_a_status_that_emails_no_one_says_nothing_more(connected, monkeypatch, capsys):
    code, _, err = run(monkeypatch, capsys, "push", str(OUTLOOK), "--no-time-entry", "--set-status", "Waiting on Client")
    assert code == 0, err
    assert "e-mail" not in err
