"""``flowdesk push`` and ``whoami`` as the real ConnectWise needs them: nobody e-mailed unless chosen, and an
API member's keys (licence class A) never log time (it would be billed to the API member)."""

from __future__ import annotations

import json

import pytest

from flowdesk.core import present

from .test_queue import OUTLOOK, connect, jobs, run


@pytest.fixture
def connected(sandbox, monkeypatch, capsys):
    return connect(sandbox, monkeypatch, capsys)


def drain(monkeypatch, capsys) -> None:
    code, _, err = run(monkeypatch, capsys, "queue", "drain", "--until-empty", "--max-seconds", "30")
    assert code == 0, err


def stored(sandbox_admin) -> tuple[list[dict], list[dict]]:
    ledger = sandbox_admin.ledger()
    return ledger["notes"], ledger["time_entries"]


@pytest.mark.parametrize("visibility", ["internal", "discussion", "resolution"])
def test_a_pushed_note_is_not_emailed_by_default(connected, sandbox_admin, monkeypatch, capsys, visibility):
    code, _, err = run(monkeypatch, capsys, "push", str(OUTLOOK), "--visibility", visibility)
    assert code == 0, err
    assert "e-mail" not in err
    drain(monkeypatch, capsys)
    [sent] = [r["body"] for r in sandbox_admin.ledger()["requests"] if r["method"] == "POST" and r["path"].endswith("/notes")]
    assert sent["processNotifications"] is False
    notes, entries = stored(sandbox_admin)
    assert [n["processNotifications"] for n in notes] == [False]
    assert [(e["emailContactFlag"], e["emailResourceFlag"], e["emailCcFlag"]) for e in entries] == [(False, False, False)]


def test_emailing_the_contact_is_a_choice_shown_before_it_happens(connected, sandbox_admin, monkeypatch, capsys):
    code, _, err = run(monkeypatch, capsys, "push", str(OUTLOOK), "--visibility", "resolution", "--email", "contact,cc")
    assert code == 0, err
    # its time entry carries the same e-mail flags: a second e-mail, said too
    assert present.emailing(["contact", "cc"], time_entry=True) in err
    assert "contact and CC list about this note and about its time entry" in err
    drain(monkeypatch, capsys)
    notes, entries = stored(sandbox_admin)
    assert [n["processNotifications"] for n in notes] == [True]
    assert [(e["emailContactFlag"], e["emailResourceFlag"], e["emailCcFlag"]) for e in entries] == [(True, False, True)]


def test_an_internal_note_cannot_be_emailed(connected, monkeypatch, capsys):
    code, out, err = run(monkeypatch, capsys, "push", str(OUTLOOK), "--visibility", "internal", "--email", "contact")
    assert code != 0 and out == ""
    assert err.strip().endswith(present.INTERNAL_NEVER_EMAILED) and len(err.strip().splitlines()) == 1
    assert jobs() == []


def test_a_bad_email_word_is_one_line(connected, monkeypatch, capsys):
    code, _, err = run(monkeypatch, capsys, "push", str(OUTLOOK), "--visibility", "discussion", "--email", "boss")
    assert code != 0 and "choose from contact, resources, cc" in err and len(err.strip().splitlines()) == 1


def test_the_remembered_choice_is_used_for_discussion_notes_only(connected, sandbox_admin, monkeypatch, capsys):
    from flowdesk.core.settings import load_settings, save_settings
    from flowdesk.paths import AppPaths

    path = AppPaths.from_env().settings_file
    settings = load_settings(path).settings
    settings.email_resources = True
    save_settings(settings, path)
    assert run(monkeypatch, capsys, "push", str(OUTLOOK), "--visibility", "internal")[0] == 0
    assert json.loads(jobs()[0].body)["processNotifications"] is False
    assert run(monkeypatch, capsys, "push", str(OUTLOOK), "--visibility", "discussion", "--force")[0] == 0
    note = [j for j in jobs() if j.kind == "note"][-1]
    assert json.loads(note.body)["processNotifications"] is True


# -- who you are: API-member keys ------------------------------------------------------------------------------------
@pytest.fixture
def api_member(sandbox, sandbox_admin, monkeypatch, capsys):
    """The sandbox issues the keys of an API member (licence class A); FlowDesk connects with them."""
    sandbox_admin.config(member={"license_class": "A"})
    return connect(sandbox, monkeypatch, capsys)


def test_whoami_with_api_member_keys_warns(api_member, monkeypatch, capsys):
    code, out, err = run(monkeypatch, capsys, "whoami")
    assert code == 0
    assert present.API_MEMBER_KEYS in err and "My Account → API Keys" in err
    assert "API member" in out  # the summary says it too
    code, out, _ = run(monkeypatch, capsys, "whoami", "--json")
    assert json.loads(out)["member"]["license_class"] == "A"


def test_whoami_with_a_full_members_keys_does_not_warn(connected, monkeypatch, capsys):
    code, out, err = run(monkeypatch, capsys, "whoami")
    assert code == 0 and "API member" not in out + err


def test_a_time_entry_with_api_member_keys_is_refused_before_queueing(api_member, sandbox_admin, monkeypatch, capsys):
    code, out, err = run(monkeypatch, capsys, "push", str(OUTLOOK), "--time-entry")
    assert code != 0 and out == ""
    assert present.API_MEMBER_NO_TIME in err and "Nothing was queued" in err
    assert jobs() == []
    code, out, err = run(monkeypatch, capsys, "push", str(OUTLOOK), "--no-time-entry")
    assert code == 0 and present.API_MEMBER_KEYS in err  # the note may go, with a warning
    assert [j.kind for j in jobs()] == ["note"]
    assert [r for r in sandbox_admin.ledger()["requests"] if r["method"] == "POST"] == []
