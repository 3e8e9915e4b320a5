"""Unit tests of the renderer's own rules. The seed formats themselves are checked by tests/test_golden.py."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from flowdesk.core.models import parse_session
from flowdesk.core.render import (
    NoteFormat,
    default_format,
    format_datetime,
    format_minutes,
    render_note,
)

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def test_format_datetime_is_the_seeds_without_locale():
    assert format_datetime(datetime(2026, 3, 19, 13, 30, tzinfo=UTC)) == "2026-03-19 01:30 PM UTC"
    assert format_datetime(datetime(2026, 3, 19, 0, 5, tzinfo=UTC)) == "2026-03-19 12:05 AM UTC"
    assert format_datetime(datetime(2026, 3, 19, 12, 0, tzinfo=UTC)) == "2026-03-19 12:00 PM UTC"
    assert format_datetime(None) == "N/A"


def test_format_minutes():
    assert [format_minutes(m) for m in (0, 59, 60, 61, 1500)] == ["0m", "59m", "1h 0m", "1h 1m", "25h 0m"]


def test_default_format_follows_status():
    assert default_format(parse_session({"status": "resolved"})) is NoteFormat.RESOLUTION
    for status in ("escalated", "requesting_escalation", "active", None):
        assert default_format(parse_session({"status": status})) is NoteFormat.ESCALATION


def test_placeholders_where_the_seed_would_crash():
    s = parse_session({"id": "s1", "steps": [{"content": {"text": None}}, {"step_type": "action", "step_order": None}]})
    note = render_note(s, "resolution")
    assert "Final confidence: unknown (N/A)" in note
    assert "1. [Step] " in note.splitlines()
    assert "2. [Action] " in note.splitlines()
    assert "Date: N/A" in note and "Duration" not in note and "Total:" not in note


def test_no_engineer_line_without_display_name():
    s = parse_session({"user": {"id": "u1"}, "escalated_to": {"id": "u2"}})
    assert "Engineer:" not in render_note(s, "resolution")
    esc = render_note(s, "escalation", now=NOW)
    assert "Escalated by:" not in esc and "Escalated to: Unassigned" in esc


def test_escalation_date_prefers_resolved_then_escalated_then_now():
    base = {"created_at": "2026-11-24T10:00:00Z"}
    assert "Escalated: 2026-11-24 11:00 AM UTC" in render_note(
        parse_session({**base, "escalated_at": "2026-11-24T11:00:00Z"}), "escalation", now=NOW
    )
    assert "Escalated: 2026-11-24 10:30 AM UTC" in render_note(
        parse_session({**base, "escalated_at": "2026-11-24T11:00:00Z", "resolved_at": "2026-11-24T10:30:00Z"}),
        "escalation",
        now=NOW,
    )
    note = render_note(parse_session(base), "escalation", now=NOW)
    assert "Escalated: 2026-11-24 12:00 PM UTC" in note and "Total: 2h 0m" in note


def test_chat_session_lists_the_conversation():
    s = parse_session(
        {
            "session_type": "chat",
            "title": "Printer offline",
            "conversation_messages": [
                {"role": "system", "content": "You are FlowPilot"},
                {"role": "user", "content": "Printer shows offline"},
                {"role": "assistant", "content": "Check the port"},
            ],
        }
    )
    lines = render_note(s, "resolution").splitlines()
    i = lines.index("── Conversation ──")
    assert lines[i + 1 : i + 3] == ["Engineer: Printer shows offline", "FlowPilot: Check the port"]
    assert "You are FlowPilot" not in "\n".join(lines)
    assert lines[lines.index("── Problem ──") + 1] == "Printer offline"
    assert "── Conversation ──" not in render_note(s, "resolution", include_steps=False)


def test_include_steps_false_drops_the_steps():
    s = parse_session({"steps": [{"step_order": 0, "content": {"type": "question", "text": "Q?"}}]})
    assert "Diagnosis Path" in render_note(s, "resolution")
    assert "Diagnosis Path" not in render_note(s, "resolution", include_steps=False)
    assert "Work Completed" not in render_note(s, "escalation", include_steps=False, now=NOW)


_text = st.one_of(st.none(), st.text(max_size=30))
_dt = st.one_of(st.none(), st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat()))
_step = st.fixed_dictionaries(
    {},
    optional={
        "step_order": st.one_of(st.none(), st.integers(-5, 1000)),
        "step_type": _text,
        "content": st.one_of(st.none(), st.dictionaries(st.sampled_from(["type", "text", "x"]), _text, max_size=3)),
        "options": st.one_of(st.none(), st.lists(st.fixed_dictionaries({}, optional={"label": _text, "value": _text}), max_size=3)),
        "selected_option": _text,
        "free_text_input": _text,
        "was_skipped": st.one_of(st.none(), st.booleans()),
        "action_result": st.one_of(st.none(), st.fixed_dictionaries({}, optional={"success": st.booleans(), "details": _text})),
    },
)
_session = st.fixed_dictionaries(
    {},
    optional={
        "id": _text,
        "session_type": st.sampled_from(["guided", "chat", None]),
        "status": st.sampled_from(["resolved", "escalated", "requesting_escalation", "active", None, "weird"]),
        "problem_summary": _text,
        "problem_domain": _text,
        "confidence_tier": _text,
        "confidence_score": st.one_of(st.none(), st.floats(-1, 2, allow_nan=False)),
        "resolution_summary": _text,
        "resolution_action": _text,
        "escalation_reason": _text,
        "escalation_package": st.one_of(
            st.none(),
            st.fixed_dictionaries(
                {},
                optional={
                    "remaining_hypotheses": st.one_of(_text, st.lists(st.text(max_size=10), max_size=3)),
                    "suggested_next_steps": st.one_of(_text, st.lists(st.text(max_size=10), max_size=3)),
                },
            ),
        ),
        "user": st.one_of(st.none(), st.fixed_dictionaries({}, optional={"display_name": _text})),
        "escalated_to": st.one_of(st.none(), st.fixed_dictionaries({}, optional={"display_name": _text})),
        "created_at": _dt,
        "resolved_at": _dt,
        "escalated_at": _dt,
        "steps": st.one_of(st.none(), st.lists(_step, max_size=5)),
        "conversation_messages": st.one_of(
            st.none(), st.lists(st.fixed_dictionaries({}, optional={"role": _text, "content": _text}), max_size=3)
        ),
    },
)


@given(_session, st.sampled_from(list(NoteFormat)), st.booleans())
def test_rendering_never_raises_on_an_accepted_session(doc, fmt, include_steps):
    session = parse_session(doc)
    note = render_note(session, fmt, include_steps=include_steps, now=NOW)
    assert note.splitlines()[0].startswith("═══ FlowPilot")
    assert note.endswith("Generated by ResolutionFlow FlowPilot")
