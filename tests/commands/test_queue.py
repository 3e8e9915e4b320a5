"""``flowdesk push`` and ``flowdesk queue list|retry|resume|cancel|drain`` as an engineer runs them, in-process
against the sandbox (the autouse in-memory keyring holds the keys ``flowdesk connect`` saved)."""

from __future__ import annotations

import io
import json
import sys

import pytest

from flowdesk.cli import main
from flowdesk.core import present
from flowdesk.core.localtime import format_clock
from flowdesk.core.policy import VERIFY_DELAY
from flowdesk.core.settings import load_settings, save_settings
from flowdesk.paths import AppPaths
from flowdesk.store import Database, Outbox
from flowdesk.store.db import format_time, utcnow
from tests.conftest import SAMPLES

OUTLOOK = SAMPLES / "01-outlook-credential-loop.json"  # ticket 48211, resolved, 38 min
PROJECT = SAMPLES / "11-long-fileserver-migration.json"  # project ticket 31207
WALKUP = SAMPLES / "13-walkup-no-psa-ticket.json"  # no ticket


def run(monkeypatch, capsys, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def connect(sandbox, monkeypatch, capsys):
    """``flowdesk connect`` with the sandbox's keys (as the engineer would)."""
    cw = sandbox.info.connectwise
    code, _, err = run(
        monkeypatch, capsys, "connect", "--site", cw.site, "--company", cw.company, "--public-key", cw.public_key,
        "--private-key-stdin", "--client-id", cw.client_id, stdin=cw.private_key,
    )  # fmt: skip
    assert code == 0, err
    return sandbox


@pytest.fixture
def connected(sandbox, monkeypatch, capsys):
    return connect(sandbox, monkeypatch, capsys)


def jobs() -> list:
    with Database(AppPaths.from_env().database_file) as db:
        return Outbox(db).jobs()


def a_minute_ago(job_id: int) -> None:
    """As if the job's last change was VERIFY_DELAY ago (the server had time to store what it was sent)."""
    with Database(AppPaths.from_env().database_file) as db, db.transaction() as conn:
        conn.execute("UPDATE push_jobs SET updated_at = ? WHERE id = ?", (format_time(utcnow() - VERIFY_DELAY), job_id))


def posts(admin) -> list[str]:
    return [r["path"] for r in admin.ledger()["requests"] if r["method"] == "POST"]


# -- push -------------------------------------------------------------------------------------------------
def test_push_queues_the_note_and_time_entry_and_prints_one_json_object(connected, sandbox_admin, monkeypatch, capsys):
    code, out, err = run(monkeypatch, capsys, "push", str(OUTLOOK))
    assert code == 0, err
    assert out.count("\n") == 1
    assert json.loads(out) == {
        "jobs": [
            {"id": 1, "kind": "note", "ticket": 48211, "ticket_kind": "service", "state": "pending"},
            {"id": 2, "kind": "time_entry", "ticket": 48211, "ticket_kind": "service", "state": "pending"},
        ]
    }
    assert posts(sandbox_admin) == []  # push only queues
    note, entry = jobs()
    assert note.body_json()["internalAnalysisFlag"] is True and "Outlook" in note.body_json()["text"]
    assert entry.parent_id == note.id and entry.body_json()["timeStart"] == "2026-11-18T14:02:00Z"  # whole minutes
    assert entry.body_json()["timeEnd"] == "2026-11-18T14:47:00Z"  # always both ends, whole minutes
    assert note.site == "connectwise:flowdesk_sandbox@" + connected.info.connectwise.site.removeprefix("http://")


def test_push_looks_up_a_project_ticket_and_the_start_end_rule(connected, sandbox_admin, monkeypatch, capsys):
    sandbox_admin.config(member={"require_start_end": True})
    code, out, _ = run(monkeypatch, capsys, "push", str(PROJECT))
    assert code == 0
    assert [j["ticket_kind"] for j in json.loads(out)["jobs"]] == ["project", "project"]
    entry = jobs()[1].body_json()
    assert entry["chargeToType"] == "ProjectTicket" and entry["timeEnd"] == "2026-11-23T10:45:00Z"  # 4.25 h active: gaps over 30 min left out


def test_push_offline_queues_it_as_a_service_ticket(connected, monkeypatch, capsys):
    import socket

    settings_file = AppPaths.from_env().settings_file
    settings = load_settings(settings_file).settings
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    settings.connectwise.site = dead
    save_settings(settings, settings_file)
    code, out, err = run(monkeypatch, capsys, "push", str(PROJECT))
    assert code == 0
    assert [j["ticket_kind"] for j in json.loads(out)["jobs"]] == ["service", "service"]
    assert "could not check ticket #31207" in err and "queued it as a service ticket" in err


def test_push_options(connected, monkeypatch, capsys, tmp_path):
    edited = tmp_path / "edited.txt"
    edited.write_text("Rebuilt the profile.\nNew pwd: Winter2026! for the svc account\n", encoding="utf-8")
    code, out, _ = run(
        monkeypatch, capsys, "push", str(WALKUP), "--ticket", "48397", "--visibility", "discussion",
        "--no-time-entry", "--text-file", str(edited), "--allow-other-company",
    )  # fmt: skip
    assert code == 0
    [job] = json.loads(out)["jobs"]
    assert (job["kind"], job["ticket"]) == ("note", 48397)
    body = jobs()[0].body_json()
    assert body["detailDescriptionFlag"] is True and body["internalAnalysisFlag"] is False
    assert body["text"].startswith("Rebuilt the profile.") and "Winter2026!" not in body["text"]


@pytest.mark.parametrize(("flag", "listed"), [("--no-steps", False), ("--steps", True)])
def test_push_says_whether_the_diagnosis_steps_are_listed(connected, monkeypatch, capsys, flag, listed):
    """A note too long to post said to leave out the diagnosis steps, which the command line could not do."""
    code, _, err = run(monkeypatch, capsys, "push", str(WALKUP), "--ticket", "48397", "--no-time-entry", "--allow-other-company", flag)
    assert code == 0, err
    assert ("Diagnosis Path" in jobs()[0].body_json()["text"]) is listed


def test_a_second_push_is_refused_unless_forced(connected, monkeypatch, capsys):
    assert run(monkeypatch, capsys, "push", str(OUTLOOK))[0] == 0
    code, out, err = run(monkeypatch, capsys, "push", str(OUTLOOK))
    assert (code, out) == (1, "")
    assert err.startswith("flowdesk: This session was already queued for ticket 48211 at ")
    assert err.rstrip().endswith("Nothing was queued; use --force to queue it again.")
    code, out, _ = run(monkeypatch, capsys, "push", str(OUTLOOK), "--force")
    assert code == 0 and [j["id"] for j in json.loads(out)["jobs"]] == [3, 4]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "no such file"),
        ("{not json", "not valid JSON"),
        ('{"id": "x", "psa_ticket_id": "abc"}', "psa_ticket_id"),
        ('[{"id": "x"}]', "expected one session"),
        ('{"id": "x"}', "psa_ticket_id: the session is not linked to a ConnectWise ticket"),
        ('{"psa_ticket_id": 48211}', "id: the session has no id"),
    ],
)
def test_a_bad_session_file_exits_2_with_one_line_naming_it(connected, monkeypatch, capsys, tmp_path, content, words):
    path = tmp_path / "session.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    code, out, err = run(monkeypatch, capsys, "push", str(path))
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and str(path) in err and words in err, err
    assert not AppPaths.from_env().database_file.exists() or jobs() == []


def test_bad_push_input_exits_2(connected, monkeypatch, capsys, tmp_path):
    code, out, err = run(monkeypatch, capsys, "push", str(OUTLOOK), "--text-file", str(tmp_path / "missing.txt"))
    assert (code, out) == (2, "") and "missing.txt: no such file" in err
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("caf\xe9".encode("latin-1"))
    code, out, err = run(monkeypatch, capsys, "push", str(OUTLOOK), "--text-file", str(bad))
    assert (code, out) == (2, "") and "not UTF-8 text" in err
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n", encoding="utf-8")
    assert run(monkeypatch, capsys, "push", str(OUTLOOK), "--text-file", str(empty))[0] == 2
    code, _, err = run(monkeypatch, capsys, "push", str(OUTLOOK), "--ticket", "99999")
    assert code == 2 and "ticket #99999" in err and "Nothing was queued" in err


def test_push_without_an_account_exits_1(monkeypatch, capsys):
    code, out, err = run(monkeypatch, capsys, "push", str(OUTLOOK))
    assert (code, out) == (1, "") and "No ConnectWise account yet" in err


# -- queue list / retry / cancel / drain ------------------------------------------------------------------
def test_list_drain_retry_cancel_as_an_engineer_does(connected, sandbox_admin, monkeypatch, capsys):
    assert run(monkeypatch, capsys, "queue", "list")[1] == "The queue is empty.\n"
    run(monkeypatch, capsys, "push", str(OUTLOOK))  # jobs 1 (note), 2 (time entry)
    run(monkeypatch, capsys, "push", str(SAMPLES / "02-print-spooler-bad-port.json"))  # 3, 4
    run(monkeypatch, capsys, "push", str(SAMPLES / "03-mapped-drive-error-1219.json"), "--no-time-entry")  # 5

    code, out, _ = run(monkeypatch, capsys, "queue", "list")
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == ["ID", "KIND", "TICKET", "STATE", "FAILURES", "NEXT", "ATTEMPT", "LAST", "ERROR"]
    assert lines[1].split() == ["1", "note", "#48211", "Waiting", "0", "now"]
    assert lines[2].split() == ["2", "time", "entry", "#48211", "Waiting", "for", "its", "note", "0"]

    assert run(monkeypatch, capsys, "queue", "cancel", "3")[1] == (
        "Cancelled push 3 (note for ticket #48397).\nCancelled push 4 (time entry for ticket #48397).\n"
    )
    sandbox_admin.add_fault(method="POST", path="*/tickets/48405/notes", status=400)
    code, out, _ = run(monkeypatch, capsys, "queue", "drain")
    assert code == 1  # something failed
    assert out.startswith("Sent 2 · retrying 0 · checking 0 · failed 1")
    doc = json.loads(run(monkeypatch, capsys, "queue", "list", "--json")[1])
    assert {j["id"]: j["state"] for j in doc["jobs"]} == {1: "sent", 2: "sent", 3: "cancelled", 4: "cancelled", 5: "failed"}
    assert doc["jobs"][4]["last_error"].startswith("ConnectWise refused the note for ticket #48405 (HTTP 400).")
    assert doc["counts"]["sent"] == 2 and doc["paused"] is None and doc["member_pause"] is None
    assert not any(j["held_by_member_pause"] for j in doc["jobs"])
    table = run(monkeypatch, capsys, "queue", "list")[1].splitlines()
    assert table[5].split()[:5] == ["5", "note", "#48405", "Failed", "1"] and "ConnectWise refused" in table[5]

    code, _, err = run(monkeypatch, capsys, "queue", "cancel", "1")
    assert code == 1 and "already on ticket #48211; cancelling cannot remove it" in err
    code, _, err = run(monkeypatch, capsys, "queue", "retry", "2")
    assert code == 1 and "retrying would post it twice" in err
    assert run(monkeypatch, capsys, "queue", "retry", "42")[0] == 2

    assert run(monkeypatch, capsys, "queue", "retry", "--failed")[1] == "1 failed push will be sent at the next drain: 5.\n"
    code, out, _ = run(monkeypatch, capsys, "queue", "drain", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["ok"] and doc["sent"] == 1 and doc["queue"]["sent"] == 3
    assert len([p for p in posts(sandbox_admin) if p.endswith("/notes")]) == 3  # 2 sent + 1 refused


def test_retry_of_a_push_that_may_be_on_its_ticket_checks_then_sends_in_one_drain(connected, sandbox_admin, monkeypatch, capsys):
    run(monkeypatch, capsys, "push", str(OUTLOOK), "--no-time-entry")
    sandbox_admin.add_fault(method="POST", path="*/notes", status=502, times=1)  # not stored; FlowDesk cannot know
    run(monkeypatch, capsys, "queue", "drain")
    [job] = jobs()
    assert job.state == "unknown"
    code, out, _ = run(monkeypatch, capsys, "queue", "retry", "1")  # at once: the check waits for the server
    at = format_clock(job.next_attempt_at, job.next_attempt_at, present.LOCAL)
    assert (code, out) == (
        0, f"Push 1 (note for ticket #48211) will be checked on the ticket at the next drain from {at} (it may be there"
        " already) and sent if it is not.\n",
    )
    assert json.loads(run(monkeypatch, capsys, "queue", "drain", "--json")[1])["sent"] == 0  # not yet
    a_minute_ago(job.id)  # the engineer retries a minute later: checked at once
    code, out, _ = run(monkeypatch, capsys, "queue", "retry", "1")
    assert out.startswith("Push 1 (note for ticket #48211) will be checked on the ticket at the next drain (it may")
    code, out, _ = run(monkeypatch, capsys, "queue", "drain", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["sent"] == 1 and doc["queue"]["sent"] == 1
    assert len(posts(sandbox_admin)) == 2  # the one that failed, and this one: the check came first


def test_retry_resumes_a_paused_queue(connected, sandbox_admin, monkeypatch, capsys):
    run(monkeypatch, capsys, "push", str(OUTLOOK), "--no-time-entry")
    sandbox_admin.add_fault(method="POST", path="*/notes", status=401)
    code, out, _ = run(monkeypatch, capsys, "queue", "drain")
    assert code == 1 and "Sending is paused: ConnectWise did not accept your API keys (HTTP 401)" in out
    assert out.count("paused") == 1  # it read "Sending is paused: ConnectWise did not accept … Sending is paused: …"
    listed = run(monkeypatch, capsys, "queue", "list")[1].splitlines()[0]
    assert listed.startswith("Sending is paused: ConnectWise did not accept") and listed.count("paused") == 1
    assert "`flowdesk connect`" in listed and "resume" not in listed  # what lifts it here: no Resume to look for
    assert run(monkeypatch, capsys, "queue", "drain")[0] == 1  # still paused: nothing is sent
    code, out, _ = run(monkeypatch, capsys, "queue", "retry", "1")
    assert out.startswith("Sending resumed (it was paused: ConnectWise did not accept your API keys")
    assert out.endswith("Push 1 (note for ticket #48211) will be sent at the next drain.\n")
    assert run(monkeypatch, capsys, "queue", "drain")[0] == 0
    assert len(posts(sandbox_admin)) == 2


def test_drain_without_keys_touches_nothing_and_exits_1(connected, monkeypatch, capsys, memory_keyring):
    run(monkeypatch, capsys, "push", str(OUTLOOK))
    memory_keyring.entries.clear()
    code, out, _ = run(monkeypatch, capsys, "queue", "drain")
    assert code == 1 and "Not sent: No ConnectWise keys in the OS keyring for flowdesk_sandbox on" in out
    assert [j.state for j in jobs()] == ["pending", "pending"]


def test_drain_refuses_pushes_queued_for_another_account(connected, sandbox, monkeypatch, capsys):
    run(monkeypatch, capsys, "push", str(OUTLOOK))
    settings_file = AppPaths.from_env().settings_file
    settings = load_settings(settings_file).settings
    settings.connectwise.company = "otherco"
    save_settings(settings, settings_file)
    code, out, _ = run(monkeypatch, capsys, "queue", "drain")
    assert code == 1 and "queued for the ConnectWise account flowdesk_sandbox on" in out
    assert "the saved account is otherco on" in out


def test_drain_until_empty_exits_when_the_next_retry_is_beyond_max_seconds(connected, sandbox_admin, monkeypatch, capsys):
    run(monkeypatch, capsys, "push", str(OUTLOOK))
    sandbox_admin.add_fault(method="POST", path="*/notes", status=429)
    code, out, _ = run(monkeypatch, capsys, "queue", "drain", "--until-empty", "--max-seconds", "5", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["retrying"] == 1 and doc["queue"]["retry_wait"] == 1 and doc["queue"]["pending"] == 1
    assert run(monkeypatch, capsys, "queue", "drain", "--max-seconds", "-1")[0] == 2


def test_queue_without_an_action_is_a_usage_error(monkeypatch, capsys):
    with pytest.raises(SystemExit) as info:
        run(monkeypatch, capsys, "queue")
    assert info.value.code == 2


def test_push_json_is_one_line_even_with_warnings(connected, monkeypatch, capsys):
    code, out, err = run(monkeypatch, capsys, "push", str(SAMPLES / "12-teams-camera-already-posted.json"))
    assert code == 0 and len(out.splitlines()) == 1 and json.loads(out)["jobs"]
    assert "ResolutionFlow already posted a note" in err


def test_closed_ticket_queues_the_note_only(connected, monkeypatch, capsys):
    code, out, err = run(monkeypatch, capsys, "push", str(SAMPLES / "05-vpn-cgnat-over-24h.json"))
    assert code == 0 and [j["kind"] for j in json.loads(out)["jobs"]] == ["note"]
    assert "ticket #47988's status does not allow time entries" in err


def held_for_jo(sandbox, monkeypatch, capsys) -> str:
    """Push 1 queued under Jo Smith's keys, then Dana Whitfield's keys saved and a drain: a member pause holds
    push 1 (Dana Whitfield's pushes still go). Returns what the drain printed."""
    connect(sandbox, monkeypatch, capsys)
    settings_file = AppPaths.from_env().settings_file
    settings = load_settings(settings_file).settings
    settings.connectwise.member_identifier, settings.connectwise.member_name = "jsmith", "Jo Smith"
    save_settings(settings, settings_file)  # Jo Smith's keys were saved when the push was queued
    run(monkeypatch, capsys, "push", str(OUTLOOK), "--no-time-entry")
    connect(sandbox, monkeypatch, capsys)  # Dana Whitfield's keys saved on the same PC
    code, out, _ = run(monkeypatch, capsys, "queue", "drain")
    assert code == 1 and [(j.state, j.member) for j in jobs()] == [("pending", "jsmith")]
    return out


JO_WAITS = (  # the member pause's words (the window's banner)
    "1 push was queued as Jo Smith; FlowDesk now signs in to ConnectWise as Dana Whitfield. Resume to send "
    "them as Dana Whitfield, or cancel in the Queue tab those that are not Dana Whitfield's."
)


def test_drain_sends_nothing_queued_by_another_member_until_resume(sandbox, sandbox_admin, monkeypatch, capsys):
    """Found in review: keys of another member saved with ``flowdesk connect`` while a push waited (the window
    closed) sent it with the new member's keys: ConnectWise recorded Jo Smith's note as Dana Whitfield's."""
    out = held_for_jo(sandbox, monkeypatch, capsys)
    held = (  # sending is not paused (Dana Whitfield's pushes would go): whose push waits, and what sends it
        "1 push queued as Jo Smith waits for Jo Smith's keys: save them with `flowdesk connect` and drain again, "
        "or run `flowdesk queue resume` to send it as Dana Whitfield."
    )  # before: `flowdesk queue retry 1`, which now leaves another member's push alone, as the window's Retry does
    assert held in " ".join(out.split()) and "paused" not in out
    assert posts(sandbox_admin) == [] and [(j.state, j.attempts) for j in jobs()] == [("pending", 0)]
    assert " ".join(run(monkeypatch, capsys, "queue", "list")[1].split()).startswith(held)  # not "Sending is paused"
    assert json.loads(run(monkeypatch, capsys, "queue", "list", "--json")[1])["member_pause"]["reason"] == JO_WAITS
    assert run(monkeypatch, capsys, "queue", "drain")[0] == 1 and posts(sandbox_admin) == []  # still paused

    code, out, _ = run(monkeypatch, capsys, "queue", "resume")
    assert code == 0 and "1 push queued as Jo Smith will be sent as Dana Whitfield." in out
    assert run(monkeypatch, capsys, "queue", "drain")[0] == 0
    assert len(posts(sandbox_admin)) == 1 and [(j.state, j.member) for j in jobs()] == [("sent", "dwhitfield")]


def test_drain_sends_them_as_their_own_once_that_members_keys_are_saved_again(sandbox, sandbox_admin, monkeypatch, capsys):
    """Found in review: a member pause was lifted only by Resume (``queue retry``), even once the keys saved
    were again those of the member who queued the pushes. The next drain lifts it and sends them as theirs."""
    connect(sandbox, monkeypatch, capsys)
    settings_file = AppPaths.from_env().settings_file

    def keys_of(identifier: str, name: str) -> None:
        settings = load_settings(settings_file).settings
        settings.connectwise.member_identifier, settings.connectwise.member_name = identifier, name
        save_settings(settings, settings_file)

    keys_of("jsmith", "Jo Smith")
    run(monkeypatch, capsys, "push", str(OUTLOOK), "--no-time-entry")
    keys_of("dwhitfield", "Dana Whitfield")
    assert run(monkeypatch, capsys, "queue", "drain")[0] == 1 and posts(sandbox_admin) == []  # paused

    keys_of("jsmith", "Jo Smith")  # ``flowdesk connect`` with Jo Smith's keys again
    code, out, _ = run(monkeypatch, capsys, "queue", "drain")
    assert code == 0 and "paused" not in out
    assert len(posts(sandbox_admin)) == 1 and [(j.state, j.member) for j in jobs()] == [("sent", "jsmith")]


@pytest.mark.parametrize(("kind", "reason"), [("user", "Sending paused by you."), ("account", "ConnectWise refused the keys.")])
def test_drain_with_the_engineers_pause_or_a_refused_accounts_sends_nothing_and_says_so(
    connected, sandbox_admin, monkeypatch, capsys, kind, reason
):
    """Unlike a member pause, these hold every push: one run, nothing sent, the pause's words, exit 1."""
    run(monkeypatch, capsys, "push", str(OUTLOOK), "--no-time-entry")
    with Database(AppPaths.from_env().database_file) as db:
        Outbox(db).pause(reason, kind=kind)
    code, out, _ = run(monkeypatch, capsys, "queue", "drain", "--until-empty")
    assert code == 1 and out.strip().endswith(f"Sending is paused: {reason}") and posts(sandbox_admin) == []
    assert run(monkeypatch, capsys, "queue", "list")[1].startswith(present.paused_line(reason))


def test_queue_list_json_says_a_member_pause_apart_from_a_pause_of_all_sending(sandbox, sandbox_admin, monkeypatch, capsys):
    """Found in review: ``queue list --json`` put a member pause under ``paused``, as if nothing were sent,
    though the member signed in still sends theirs. ``paused`` is now only a pause that holds every push."""
    held_for_jo(sandbox, monkeypatch, capsys)
    run(monkeypatch, capsys, "push", str(SAMPLES / "02-print-spooler-bad-port.json"), "--no-time-entry")  # Dana's: 2

    doc = json.loads(run(monkeypatch, capsys, "queue", "list", "--json")[1])
    assert doc["paused"] is None  # before: JO_WAITS
    assert doc["member_pause"] == {
        "reason": JO_WAITS,
        "sending_as": {"member": "dwhitfield", "member_name": "Dana Whitfield"},
        "waiting_for": [{"member": "jsmith", "member_name": "Jo Smith"}],
        "held": 1,
    }
    assert [(j["id"], j["member"], j["held_by_member_pause"]) for j in doc["jobs"]] == [
        (1, "jsmith", True), (2, "dwhitfield", False),
    ]  # fmt: skip

    with Database(AppPaths.from_env().database_file) as db:
        Outbox(db).pause_whole("Sending paused by you.")  # the engineer's own pause, under the member pause
    doc = json.loads(run(monkeypatch, capsys, "queue", "list", "--json")[1])
    assert doc["paused"] == "Sending paused by you." and doc["member_pause"]["held"] == 1


def test_retry_of_a_push_held_for_another_member_does_not_send_it_as_the_member_signed_in(
    sandbox, sandbox_admin, monkeypatch, capsys
):
    """Found in review: ``queue retry 1`` lifted the member pause and sent Jo Smith's push as Dana Whitfield,
    where the window's Retry never gives another member's pushes away (only the banner's Resume does)."""
    held_for_jo(sandbox, monkeypatch, capsys)
    code, out, err = run(monkeypatch, capsys, "queue", "retry", "1")
    assert (code, out) == (1, "") and err == (
        "flowdesk: Push 1 (note for ticket #48211) waits for Jo Smith's keys: save them with `flowdesk connect` "
        "and drain again, or run `flowdesk queue resume` to send it as Dana Whitfield.\n"
    )
    assert [(j.state, j.member) for j in jobs()] == [("pending", "jsmith")]
    assert run(monkeypatch, capsys, "queue", "drain")[0] == 1 and posts(sandbox_admin) == []


def test_retry_of_the_engineers_own_push_during_a_member_pause_retries_it_alone(sandbox, sandbox_admin, monkeypatch, capsys):
    held_for_jo(sandbox, monkeypatch, capsys)
    sandbox_admin.add_fault(method="POST", path="*/tickets/48397/notes", status=400, times=1)
    run(monkeypatch, capsys, "push", str(SAMPLES / "02-print-spooler-bad-port.json"), "--no-time-entry")  # Dana's: 2
    run(monkeypatch, capsys, "queue", "drain")
    with Database(AppPaths.from_env().database_file) as db:
        Outbox(db).pause_whole("Sending paused by you.")  # lifted by retry, as the window's Retry does

    code, out, _ = run(monkeypatch, capsys, "queue", "retry", "2")
    assert code == 0 and out == (
        "Sending resumed (it was paused: Sending paused by you.)\nPush 2 (note for ticket #48397) will be sent at "
        "the next drain.\n"
    )
    assert run(monkeypatch, capsys, "queue", "drain")[0] == 1  # Jo Smith's push still waits
    assert [(j.state, j.member) for j in jobs()] == [("pending", "jsmith"), ("sent", "dwhitfield")]
    assert json.loads(run(monkeypatch, capsys, "queue", "list", "--json")[1])["member_pause"]["held"] == 1


def test_retry_failed_leaves_those_held_for_another_members_keys_and_says_so(connected, monkeypatch, capsys):
    """As the window's Retry all: a failed push a member pause holds is left as it is, named apart, and not
    counted among those sent at the next drain (before: "1 failed push will be sent at the next drain: 1.",
    though it stayed held, now pending)."""
    run(monkeypatch, capsys, "push", str(OUTLOOK), "--no-time-entry")
    run(monkeypatch, capsys, "push", str(SAMPLES / "02-print-spooler-bad-port.json"), "--no-time-entry")  # Dana's: 2
    with Database(AppPaths.from_env().database_file) as db, db.transaction() as conn:
        conn.execute("UPDATE push_jobs SET state = 'failed'")
        conn.execute("UPDATE push_jobs SET member = 'jsmith', member_name = 'Jo Smith' WHERE id = 1")
    with Database(AppPaths.from_env().database_file) as db:
        Outbox(db).pause(JO_WAITS, kind="member", site=jobs()[0].site, member="dwhitfield")
    code, out, _ = run(monkeypatch, capsys, "queue", "retry", "--failed")
    assert code == 0 and " ".join(out.split()) == (
        "1 failed push will be sent at the next drain: 2. 1 push queued as Jo Smith waits for Jo Smith's keys: save "
        "them with `flowdesk connect` and drain again, or run `flowdesk queue resume` to send it as Dana Whitfield."
    )
    assert [(j.state, j.member) for j in jobs()] == [("failed", "jsmith"), ("pending", "dwhitfield")]
    with Database(AppPaths.from_env().database_file) as db, db.transaction() as conn:
        conn.execute("UPDATE push_jobs SET state = 'cancelled' WHERE id = 2")
    code, out, _ = run(monkeypatch, capsys, "queue", "retry", "--failed")  # only the held one has failed
    assert code == 0 and out.startswith("1 push queued as Jo Smith waits for Jo Smith's keys: ")
    assert [j.state for j in jobs()] == ["failed", "cancelled"]


def test_queue_list_says_a_held_push_waits_for_its_members_keys_not_when_it_goes(sandbox, sandbox_admin, monkeypatch, capsys):
    """Found in review: ``queue list`` showed a push a member pause holds as "Waiting", next attempt "now",
    as if the next drain sent it. It shows what the window's queue shows: whose keys it waits for."""
    held_for_jo(sandbox, monkeypatch, capsys)
    run(monkeypatch, capsys, "push", str(SAMPLES / "02-print-spooler-bad-port.json"), "--no-time-entry")  # Dana's: 2
    code, out, _ = run(monkeypatch, capsys, "queue", "list")
    rows = {line.split()[0]: line for line in out.splitlines() if line[:1].isdigit()}
    assert code == 0 and set(rows) == {"1", "2"}, out
    assert "Waiting for Jo Smith's keys" in rows["1"] and " now" not in rows["1"], rows["1"]
    assert "Waiting for Jo Smith's keys" not in rows["2"] and rows["2"].split()[-1] == "now", rows["2"]
    doc = json.loads(run(monkeypatch, capsys, "queue", "list", "--json")[1])
    assert [j["state_words"] for j in doc["jobs"]] == ["Waiting for Jo Smith's keys", "Waiting"]


def test_queue_resume_sends_the_pushes_held_for_another_member_as_the_member_signed_in(
    sandbox, sandbox_admin, monkeypatch, capsys
):
    """The banner's Resume on the command line: the member signed in becomes the owner of the held pushes."""
    held_for_jo(sandbox, monkeypatch, capsys)
    code, out, _ = run(monkeypatch, capsys, "queue", "resume")
    assert (code, out) == (0, "1 push queued as Jo Smith will be sent as Dana Whitfield.\n")
    assert run(monkeypatch, capsys, "queue", "drain")[0] == 0
    assert len(posts(sandbox_admin)) == 1 and [(j.state, j.member) for j in jobs()] == [("sent", "dwhitfield")]
    assert run(monkeypatch, capsys, "queue", "resume")[:2] == (0, "Sending is not paused.\n")


@pytest.mark.parametrize(("kind", "reason"), [("user", "Sending paused by you."), ("account", "ConnectWise refused the keys.")])
def test_queue_resume_lifts_a_pause_of_all_sending(connected, monkeypatch, capsys, kind, reason):
    run(monkeypatch, capsys, "push", str(OUTLOOK), "--no-time-entry")
    with Database(AppPaths.from_env().database_file) as db:
        Outbox(db).pause(reason, kind=kind)
    assert run(monkeypatch, capsys, "queue", "resume")[:2] == (0, f"Sending resumed (it was paused: {reason})\n")
    assert run(monkeypatch, capsys, "queue", "drain")[0] == 0 and [j.state for j in jobs()] == ["sent"]


def test_queue_pause_holds_every_push_until_resume(connected, monkeypatch, capsys):
    """The window's Pause sending, from the command line: a drain sends nothing, resume lifts it."""
    run(monkeypatch, capsys, "push", str(OUTLOOK), "--no-time-entry")
    for _ in range(2):  # pausing twice is one pause
        assert run(monkeypatch, capsys, "queue", "pause")[:2] == (0, present.QUEUE_PAUSED + "\n")
    code, out, _ = run(monkeypatch, capsys, "queue", "drain")
    assert code != 0 and [j.state for j in jobs()] == ["pending"], out
    with Database(AppPaths.from_env().database_file) as db:
        assert Outbox(db).paused_kind() == "user"
    assert run(monkeypatch, capsys, "queue", "resume")[:2] == (0, f"Sending resumed (it was paused: {present.USER_PAUSE})\n")
    assert run(monkeypatch, capsys, "queue", "drain")[0] == 0 and [j.state for j in jobs()] == ["sent"]


def test_queue_pause_after_refused_keys_is_the_engineers_own(connected, monkeypatch, capsys):
    """`flowdesk queue pause` while refused keys held sending kept that pause, which saving the account in the
    window lifts: the engineer's pause was gone with it. It is the engineer's own now, as the window's toggle."""
    with Database(AppPaths.from_env().database_file) as db:
        Outbox(db).pause("ConnectWise refused the keys.", kind="account")
    assert run(monkeypatch, capsys, "queue", "pause")[:2] == (0, present.QUEUE_PAUSED + "\n")
    with Database(AppPaths.from_env().database_file) as db:
        assert (Outbox(db).paused_kind(), Outbox(db).paused_reason()) == ("user", present.USER_PAUSE)


def test_queue_list_counts_failures_as_the_window_does(connected, sandbox_admin, monkeypatch, capsys):
    """Seen after an outage: the window's Queue tab said a sent note had 2 failures, `queue list` said 1, and
    after a crash mid-send the window said 1 and `queue list` 0. Both count the tries that did not post the
    note (the 502, an interrupted send), not the look on the ticket that did not find it."""
    run(monkeypatch, capsys, "push", str(OUTLOOK), "--no-time-entry")
    sandbox_admin.add_fault(method="POST", path="*/notes", status=502, times=1)  # not stored; FlowDesk cannot know
    run(monkeypatch, capsys, "queue", "drain")
    a_minute_ago(1)
    run(monkeypatch, capsys, "queue", "retry", "1")
    assert json.loads(run(monkeypatch, capsys, "queue", "drain", "--json")[1])["sent"] == 1  # looked, absent, sent
    with Database(AppPaths.from_env().database_file) as db:
        outbox = Outbox(db)
        assert [a.outcome for a in outbox.attempts(1)] == ["server", "absent", "success"]
        assert outbox.failure_counts() == {1: 1}
    table = run(monkeypatch, capsys, "queue", "list")[1].splitlines()
    assert table[1].split()[:5] == ["1", "note", "#48211", "Sent", "1"]
    assert json.loads(run(monkeypatch, capsys, "queue", "list", "--json")[1])["jobs"][0]["failures"] == 1


def test_retry_of_a_time_entry_whose_note_waits_says_it_goes_after_its_note(connected, sandbox_admin, monkeypatch, capsys):
    """Seen during an outage: `queue list` said the time entry was "Waiting for its note", and `queue retry` of
    it said it "will be sent at the next drain", which it would not be while its note was not on the ticket."""
    run(monkeypatch, capsys, "push", str(OUTLOOK))  # 1 (note), 2 (time entry)
    sandbox_admin.add_fault(method="POST", path="*/notes", status=502, times=1)
    run(monkeypatch, capsys, "queue", "drain")
    assert [j.state for j in jobs()] == ["unknown", "pending"]
    code, out, _ = run(monkeypatch, capsys, "queue", "retry", "2")
    assert (code, out) == (0, "Push 2 (time entry for ticket #48211) will be sent once its note is on the ticket.\n")


def test_resumed_pushes_no_longer_say_sending_is_paused(connected, sandbox_admin, monkeypatch, capsys):
    """After `queue resume` (or `flowdesk connect` with keys ConnectWise accepts) lifted the pause for refused keys,
    `queue list` still gave the push "Waiting: sending is paused until your ConnectWise keys are fixed." until the
    next drain, under no pause at all."""
    from flowdesk.core.policy_words import PAUSED_FOR_KEYS

    run(monkeypatch, capsys, "push", str(OUTLOOK), "--no-time-entry")
    sandbox_admin.add_fault(method="POST", path="*/notes", status=401)  # once: the keys are fixed after it
    assert run(monkeypatch, capsys, "queue", "drain")[0] == 1
    assert PAUSED_FOR_KEYS in run(monkeypatch, capsys, "queue", "list")[1]
    run(monkeypatch, capsys, "queue", "resume")
    listed = run(monkeypatch, capsys, "queue", "list")[1]
    assert "paused" not in listed and "Waiting" in listed
    assert run(monkeypatch, capsys, "queue", "drain")[0] == 0 and len(sandbox_admin.ledger()["notes"]) == 1


def test_a_check_the_refused_keys_pause_holds_is_not_said_to_happen_now(connected, sandbox_admin, monkeypatch, capsys):
    """Seen in the demo: while ConnectWise's refusal of the keys (401) paused sending, `queue list` gave a push that
    may already be on its ticket "Checking now" (next attempt: now), but its check was paused too."""
    run(monkeypatch, capsys, "push", str(OUTLOOK), "--no-time-entry")
    sandbox_admin.add_fault(method="POST", path="*/notes", status=502, times=1)  # its answer lost: maybe on the ticket
    run(monkeypatch, capsys, "queue", "drain")
    a_minute_ago(1)
    run(monkeypatch, capsys, "queue", "retry", "1")  # its check is due now
    sandbox_admin.add_fault(method="GET", path="*/notes", status=401)  # and ConnectWise refuses the keys
    run(monkeypatch, capsys, "queue", "drain")
    assert [j.state for j in jobs()] == ["unknown"]
    listed = run(monkeypatch, capsys, "queue", "list")[1]
    assert listed.startswith("Sending is paused: ")
    row = next(line for line in listed.splitlines() if line.startswith("1 "))
    assert row.split()[:7] == ["1", "note", "#48211", "Check", "paused", "0", "Checking"], row  # no next attempt
    assert json.loads(run(monkeypatch, capsys, "queue", "list", "--json")[1])["jobs"][0]["state_words"] == "Check paused"
