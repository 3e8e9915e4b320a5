from __future__ import annotations

import pytest

from flowdesk.core.models import load_session_file, parse_session
from flowdesk.core.settings import Settings, TimeRounding
from flowdesk.push.prepare import MAX_NOTE_CHARS, PushRefused, prepare_note
from flowdesk.redact import RedactionError
from tests.conftest import SAMPLES


def test_generated_note_is_redacted_and_planned():
    s = load_session_file(SAMPLES / "03-mapped-drive-error-1219.json")
    p = prepare_note(s, Settings())
    assert "[PASSWORD REDACTED]" in p.text and p.redaction.counts["password"] >= 1
    assert p.visibility == "internal" and p.ticket_id == s.psa_ticket_id
    assert p.time_plan is not None and p.time_plan.hours > 0


def test_edited_text_is_redacted_too():
    s = parse_session({"id": "s", "psa_ticket_id": 1})
    p = prepare_note(s, Settings(), edited_text="Fixed. New pwd: Winter2026! for svc account")
    assert "Winter2026!" not in p.text and p.redaction.counts["password"] == 1


def test_disabled_category_is_left_alone():
    s = parse_session({"id": "s", "psa_ticket_id": 1})
    settings = Settings(redaction={"ip": False})
    assert "10.0.0.15" in prepare_note(s, settings, edited_text="printer at 10.0.0.15").text


def test_fail_closed(monkeypatch):
    import flowdesk.redact as mod  # prepare_note imports redact() when it runs

    def boom(*a, **k):
        raise RedactionError("redaction failed (boom)")

    monkeypatch.setattr(mod, "redact", boom)
    with pytest.raises(RedactionError):
        prepare_note(parse_session({"id": "s"}), Settings(), edited_text="password=x")


def test_huge_and_empty_notes_refused_with_a_fix():
    s = parse_session({"id": "s", "psa_ticket_id": 1})
    with pytest.raises(PushRefused, match="Shorten it"):
        prepare_note(s, Settings(), edited_text="x" * (MAX_NOTE_CHARS + 1))
    with pytest.raises(PushRefused, match="empty"):
        prepare_note(s, Settings(), edited_text="  \n ")


def test_warnings_and_no_time_entry():
    posted = load_session_file(SAMPLES / "12-teams-camera-already-posted.json")
    assert any("already posted" in w for w in prepare_note(posted, Settings()).warnings)
    no_ticket = load_session_file(SAMPLES / "13-walkup-no-psa-ticket.json")
    assert any("No ConnectWise ticket" in w for w in prepare_note(no_ticket, Settings()).warnings)
    assert prepare_note(posted, Settings(time_rounding=TimeRounding.NONE)).time_plan is None
    assert prepare_note(posted, Settings(auto_time_entry=False)).time_text == "no time entry"


def test_the_note_is_redacted_for_its_visibility():
    s = parse_session({"id": "s", "psa_ticket_id": 1})
    settings = Settings.model_validate({"redaction": {"internal": {"ip": False, "unc_path": False}}})
    text = "Mapped \\\\fs01\\scans on 10.0.0.15; admin password=Hunter2!x"
    internal = prepare_note(s, settings, edited_text=text)
    assert internal.visibility == "internal"
    assert internal.text == "Mapped \\\\fs01\\scans on 10.0.0.15; admin password=[PASSWORD REDACTED]"
    customer = prepare_note(s, settings, edited_text=text, visibility="discussion")
    assert customer.text == "Mapped [UNC PATH REDACTED] on [IP REDACTED]; admin password=[PASSWORD REDACTED]"


def test_allow_list_and_kept_values_stay_but_never_a_secret():
    s = parse_session({"id": "s", "psa_ticket_id": 1})
    settings = Settings.model_validate({"redaction": {"allow": ["10.20.0.0/16", "fs01"]}})
    text = "10.20.1.5 and 10.30.1.5, \\\\fs01\\scans and \\\\fs02\\scans, pwd: Hunter2!x"
    p = prepare_note(s, settings, edited_text=text, keep={"10.30.1.5", "Hunter2!x"})
    assert p.text == "10.20.1.5 and 10.30.1.5, \\\\fs01\\scans and [UNC PATH REDACTED], pwd: [PASSWORD REDACTED]"
    assert [span.category for span in p.redaction.spared] == ["ip", "ip", "unc_path"]


def test_the_time_entry_notes_are_redacted_as_the_note_is_whichever_hours_are_queued(outbox):
    """The time entry's notes are "FlowPilot session: <problem>": a problem summary holding a secret must not
    reach ConnectWise there (time entry notes may be e-mailed and are often on invoices), whether the proposed
    plan or hours the engineer typed are queued (found in review: only the note was redacted)."""
    import json
    from datetime import UTC, datetime

    from flowdesk.connectwise.bodies import TicketRef
    from flowdesk.core.timing import manual_plan
    from flowdesk.push.enqueue import enqueue_push

    s = parse_session({
        "id": "s-te", "psa_ticket_id": 48211, "status": "resolved",
        "problem_summary": "VPN down; admin password=Hunter2!x for 10.0.0.15",
        "created_at": "2026-11-20T09:00:00Z", "resolved_at": "2026-11-20T09:40:00Z",
    })  # fmt: skip
    p = prepare_note(s, Settings())
    assert p.time_notes == "FlowPilot session: VPN down; admin password=[PASSWORD REDACTED] for [IP REDACTED]"
    assert p.time_plan is not None and p.time_plan.notes == p.time_notes
    typed = p._replace(time_plan=manual_plan(s, 1.5, datetime(2026, 11, 20, 12, tzinfo=UTC)))
    assert "Hunter2!x" in typed.time_plan.notes  # the typed hours' plan is built from the session again...
    jobs = enqueue_push(outbox, typed, ticket=TicketRef(48211), site="co@host", time_entry=True, send_end=False)
    [entry] = [json.loads(j.body) for j in jobs if j.kind == "time_entry"]
    assert entry["notes"] == p.time_notes and entry["actualHours"] == 1.5  # ... and queued redacted
    assert all("Hunter2!x" not in str(j.body) and "10.0.0.15" not in str(j.body) for j in jobs)
