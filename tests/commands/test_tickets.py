"""``flowdesk tickets search`` against the sandbox (in process, over a socket), and the other-company guard of
``flowdesk push``."""

from __future__ import annotations

import json

import pytest

from tests.commands.test_queue import OUTLOOK, WALKUP, connected, jobs, run  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("connected")


def search(monkeypatch, capsys, *argv: str) -> list[dict]:
    code, out, err = run(monkeypatch, capsys, "tickets", "search", *argv, "--json")
    assert code == 0, err
    assert out.count("\n") == 1
    return json.loads(out)["tickets"]


def test_words_of_the_summary_find_the_ticket(monkeypatch, capsys):
    found = search(monkeypatch, capsys, "Outlook password")
    assert [t["id"] for t in found] == [48211]
    t = found[0]
    assert (t["company"], t["board"], t["status"], t["closed"]) == ("Brightsmile Dental Group", "Help Desk", "In Progress", False)
    assert t["updated"] == "2026-11-24T11:58:03Z" and t["kind"] == "service"


def test_a_closed_ticket_only_with_all(monkeypatch, capsys):
    assert 48542 not in [t["id"] for t in search(monkeypatch, capsys, "outlook PASSWORD")]
    found = search(monkeypatch, capsys, "outlook password", "--all")
    assert [t["id"] for t in found] == [48211, 48542]  # newest first
    assert found[1]["closed"] is True


def test_company_lists_only_its_open_tickets(monkeypatch, capsys):
    found = search(monkeypatch, capsys, "--company", "Kessler")
    assert {t["company"] for t in found} == {"Kessler Precision Machining"}
    assert sorted(t["id"] for t in found) == [48405, 48523, 48531, 48554]  # 48536 is closed
    updated = [t["updated"] for t in found]
    assert updated == sorted(updated, reverse=True)
    assert 48536 in [t["id"] for t in search(monkeypatch, capsys, "--company", "kessler", "--all")]


@pytest.mark.parametrize(
    "text",
    ["48405", "#48405", "# 48405",
     "https://sandbox.example/v4_6_release/services/system_io/router/openrecord.rails?locale=en_US&recordName=Service&recid=48405",
     "https://na.myconnectwise.net/v4_6_release/ConnectWise.aspx?fullscreen=false&routeTo=ServiceFV&srRecID=48405"],
)  # fmt: skip
def test_a_number_or_a_pasted_link_finds_that_ticket(monkeypatch, capsys, text):
    assert [t["id"] for t in search(monkeypatch, capsys, text)] == [48405]


def test_a_number_finds_a_project_ticket_and_a_closed_one(monkeypatch, capsys):
    assert [(t["id"], t["kind"]) for t in search(monkeypatch, capsys, "31207")] == [(31207, "project")]
    assert [t["id"] for t in search(monkeypatch, capsys, "#48536")] == [48536]


def test_table_output_and_nothing_found(monkeypatch, capsys):
    code, out, _ = run(monkeypatch, capsys, "tickets", "search", "Outlook", "password")
    assert code == 0
    assert out.startswith("#48211  Front desk PC - Outlook keeps asking for password  Brightsmile Dental Group  Help Desk")
    code, out, _ = run(monkeypatch, capsys, "tickets", "search", "zebra unicorn")
    assert (code, out) == (0, "No open ticket matches (closed tickets: --all).\n")


def test_quotes_in_the_text_never_break_the_conditions(monkeypatch, capsys):
    assert search(monkeypatch, capsys, 'Outlook "password\\') == search(monkeypatch, capsys, "Outlook password")


def test_bad_limit_is_one_line(monkeypatch, capsys):
    code, out, err = run(monkeypatch, capsys, "tickets", "search", "x", "--limit", "0")
    assert (code, out) == (2, "") and err.count("\n") == 1 and "--limit 0" in err


# -- the other-company guard of `flowdesk push` -------------------------------------------------------------
def test_another_company_s_ticket_is_refused_naming_both(monkeypatch, capsys):
    code, out, err = run(monkeypatch, capsys, "push", str(OUTLOOK), "--ticket", "48397")
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert "Harlow & Pierce LLP" in err and "Brightsmile Dental Group" in err and "#48397" in err
    assert "--allow-other-company" in err
    assert jobs() == []


def test_allow_other_company_queues(monkeypatch, capsys):
    code, out, _ = run(monkeypatch, capsys, "push", str(OUTLOOK), "--ticket", "48397", "--allow-other-company")
    assert code == 0 and {j["ticket"] for j in json.loads(out)["jobs"]} == {48397}


def test_the_client_s_own_ticket_queues_without_a_word(monkeypatch, capsys):
    code, out, err = run(monkeypatch, capsys, "push", str(OUTLOOK), "--ticket", "48211")
    assert code == 0 and {j["ticket"] for j in json.loads(out)["jobs"]} == {48211}
    assert "company" not in err and "client" not in err


def test_a_ticket_that_does_not_exist_exits_2(monkeypatch, capsys):
    code, out, err = run(monkeypatch, capsys, "push", str(OUTLOOK), "--ticket", "48988", "--allow-other-company")
    assert (code, out) == (2, "") and err.count("\n") == 1
    assert err.startswith("flowdesk: Ticket #48988 cannot be pushed to: ") and "Nothing was queued." in err
    assert jobs() == []


def test_a_ticket_the_keys_may_not_read_exits_2(connected, monkeypatch, capsys):  # noqa: F811
    from flowdesk.sandbox.admin import SandboxAdmin

    with SandboxAdmin.for_sandbox(connected) as admin:
        admin.add_fault(path="*/service/tickets/48211", method="GET", status=403, times=None)
        code, out, err = run(monkeypatch, capsys, "push", str(OUTLOOK))
    assert (code, out) == (2, "") and "Ticket #48211 cannot be pushed to" in err
    assert jobs() == []


def test_a_session_without_a_client_is_said(monkeypatch, capsys, tmp_path):
    session = json.loads(WALKUP.read_text(encoding="utf-8"))
    session["client_name"] = None
    f = tmp_path / "no-client.json"
    f.write_text(json.dumps(session), encoding="utf-8")
    code, out, err = run(monkeypatch, capsys, "push", str(f), "--ticket", "48397", "--no-time-entry")
    assert code == 0 and json.loads(out)["jobs"]
    assert "This session names no client" in err and "Harlow & Pierce LLP" in err


def test_words_match_the_company_too(monkeypatch, capsys):
    found = search(monkeypatch, capsys, "kessler", "wi-fi")
    assert [t["id"] for t in found] == [48554]


def test_a_password_or_key_is_never_sent_as_a_search(monkeypatch, capsys, sandbox_admin):
    """The window's finder sends no secret-looking text to ConnectWise (seen: an AWS key typed into the Find
    field went out as a ticket search); neither does `tickets search`: exit 2, one line, nothing asked."""
    before = len(sandbox_admin.ledger()["requests"])
    for argv in (["Rotated", "key", "AKIAIOSFODNN7EXAMPLE"], ["printer", "--company", "password=Winter2026!"]):
        code, out, err = run(monkeypatch, capsys, "tickets", "search", *argv)
        assert (code, out) == (2, "")
        assert err == "flowdesk: That looks like a password or key: it is not sent to ConnectWise. Search by number, summary or company.\n"
    assert len(sandbox_admin.ledger()["requests"]) == before  # nothing reached ConnectWise
    assert search(monkeypatch, capsys, "printer")  # ordinary words still search


@pytest.mark.parametrize("allow", [False, True])
def test_a_ticket_connectwise_cannot_read_now_is_queued_to_be_checked_before_the_send(monkeypatch, capsys, sandbox_admin, allow):
    """ConnectWise does not answer the look-up: the note is queued with the session's client, which the
    drainer checks the ticket's company against before it sends (unless --allow-other-company said not to)."""
    sandbox_admin.add_fault(path="*/service/tickets/48397", method="GET", status=503, times=None)
    flags = ["--allow-other-company"] if allow else []
    code, out, err = run(monkeypatch, capsys, "push", str(OUTLOOK), "--ticket", "48397", "--no-time-entry", *flags)
    assert code == 0, err
    assert "could not check ticket #48397" in err and "its company is checked before the note is sent" in err
    [note] = jobs()
    assert note.check_client == (None if allow else json.loads(OUTLOOK.read_text(encoding="utf-8"))["client_name"])


def test_queue_retry_of_a_push_failed_for_another_company_needs_the_flag(monkeypatch, capsys, sandbox_admin):
    from flowdesk.core import present
    from flowdesk.paths import AppPaths
    from flowdesk.store import Outbox
    from flowdesk.store.db import Database

    fault = sandbox_admin.add_fault(path="*/service/tickets/48397", method="GET", status=503, times=None)
    code, _, err = run(monkeypatch, capsys, "push", str(OUTLOOK), "--ticket", "48397", "--no-time-entry")
    assert code == 0, err
    sandbox_admin.remove_fault(fault)
    code, _, err = run(monkeypatch, capsys, "queue", "drain")  # Harlow & Pierce's ticket: not sent
    [note] = jobs()
    assert note.state == "failed" and sandbox_admin.ledger()["notes"] == []
    code, out, err = run(monkeypatch, capsys, "queue", "retry", str(note.id))
    assert (code, out, err) == (2, "", f"flowdesk: {present.retry_other_company(note.id)}\n")
    assert f"`flowdesk queue retry {note.id} --allow-other-company` posts it" in err
    code, out, err = run(monkeypatch, capsys, "queue", "retry", "--failed")  # as Retry all: left, saying how to send it
    assert (code, out) == (0, f"{present.retry_other_company(note.id)}\n"), err
    with Database(AppPaths.from_env().database_file) as db:
        assert Outbox(db).get(note.id).state == "failed"
    code, out, err = run(monkeypatch, capsys, "queue", "retry", str(note.id), "--allow-other-company")
    assert code == 0, err
    code, _, err = run(monkeypatch, capsys, "queue", "drain")
    assert [n["ticketId"] for n in sandbox_admin.ledger()["notes"]] == [48397]
