from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowdesk.core.models import Session, SessionFormatError, load_session_file, parse_session


def test_every_field_optional_and_unknown_fields_ignored():
    s = parse_session({"brand_new_field": {"x": 1}, "steps": [{"also_new": True}]})
    assert s.id is None and s.status is None
    assert len(s.steps) == 1 and s.steps[0].content == {}


def test_options_and_options_presented_both_accepted():
    a = parse_session({"steps": [{"options": [{"label": "Yes", "value": "y"}], "selected_option": "y"}]})
    b = parse_session({"steps": [{"options_presented": [{"label": "Yes", "value": "y"}], "selected_option": "y"}]})
    assert a.steps[0].response == b.steps[0].response == "Yes"


def test_response_rules_follow_the_seed():
    s = parse_session(
        {
            "steps": [
                {"was_skipped": True, "selected_option": "y", "free_text_input": "x"},
                {"selected_option": "n", "options": [{"label": "Yes", "value": "y"}]},
                {"selected_option": "y", "options": [{"value": "y"}]},
                {"free_text_input": "typed"},
                {},
            ]
        }
    )
    assert [st.response for st in s.steps] == ["Skipped", "n", "y", "typed", ""]


def test_timestamps_become_aware_utc():
    s = parse_session(
        {"created_at": "2026-11-18T14:02:11Z", "resolved_at": "2026-11-18T16:32:11+02:00", "updated_at": "2026-11-18T14:00:00"}
    )
    assert s.created_at == datetime(2026, 11, 18, 14, 2, 11, tzinfo=UTC)
    assert s.resolved_at == datetime(2026, 11, 18, 14, 32, 11, tzinfo=UTC)
    assert s.updated_at is not None and s.updated_at.tzinfo is not None
    assert s.duration is not None and s.duration.total_seconds() == 30 * 60


def test_chat_sessions_parse_with_messages():
    s = parse_session(
        {
            "session_type": "chat",
            "title": "VPN drops",
            "conversation_messages": [{"role": "user", "content": "VPN drops every hour"}, {"role": "assistant", "content": [{"type": "text", "text": "Check DPD"}]}],
        }
    )
    assert s.is_chat and s.steps == []
    assert s.conversation_messages[1].content == "Check DPD"
    assert s.summary == "VPN drops"


def test_ticket_id_from_string_and_hash():
    assert parse_session({"psa_ticket_id": "48211"}).psa_ticket_id == 48211
    assert parse_session({"psa_ticket_id": "#48211"}).psa_ticket_id == 48211
    with pytest.raises(SessionFormatError) as exc:
        parse_session({"psa_ticket_id": "T-12"}, "x.json")
    assert "psa_ticket_id" in str(exc.value) and "x.json" in str(exc.value)


def test_a_ticket_number_written_as_a_whole_float_is_read_and_checked_like_an_integer():
    assert parse_session({"psa_ticket_id": 48211.0}).psa_ticket_id == 48211
    with pytest.raises(SessionFormatError, match="-5 is not a ConnectWise ticket number"):
        parse_session({"psa_ticket_id": -5.0})


@pytest.mark.parametrize(
    ("value", "line"),
    [
        (0.0, "psa_ticket_id: 0 is not a ConnectWise ticket number (1 to 2147483647)"),
        (1e12, "psa_ticket_id: 1000000000000 is not a ConnectWise ticket number (1 to 2147483647)"),
        (48211.5, "psa_ticket_id: not a ConnectWise ticket number: 48211.5"),
        (float("inf"), "psa_ticket_id: not a ConnectWise ticket number: inf"),
        (True, "psa_ticket_id: not a ConnectWise ticket number: true"),
    ],
)
def test_a_ticket_number_of_the_wrong_kind_is_one_line(value, line):
    with pytest.raises(SessionFormatError) as exc:
        parse_session({"id": "a", "psa_ticket_id": value}, "bad.json")
    assert str(exc.value) == f"bad.json: {line}"


def test_ids_are_text_or_whole_numbers():
    s = parse_session({"id": 7, "steps": [{"id": 8}], "psa_connection_id": "c-1"})
    assert (s.id, s.steps[0].id, s.psa_connection_id) == ("7", "8", "c-1")
    with pytest.raises(SessionFormatError, match="an id is text or a whole number"):
        parse_session({"id": {"x": 1}})


@pytest.mark.parametrize(
    ("doc", "line"),
    [
        ({"id": {"x": 1}}, "id: an id is text or a whole number, not an object"),
        ({"id": [1, 2]}, "id: an id is text or a whole number, not a list"),
        ({"id": True}, "id: an id is text or a whole number, not true"),
        ({"id": 1.5}, "id: an id is text or a whole number, not 1.5"),
        ({"psa_connection_id": False}, "psa_connection_id: an id is text or a whole number, not false"),
        ({"steps": [{"id": {}}]}, "steps[0].id: an id is text or a whole number, not an object"),
    ],
)
def test_an_id_of_another_kind_is_one_line(doc, line):
    with pytest.raises(SessionFormatError) as exc:
        parse_session({"status": "resolved", **doc}, "bad.json")
    assert str(exc.value) == f"bad.json: {line}"


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ({"created_at": "yesterday"}, "created_at"),
        ({"steps": "three"}, "steps"),
        ({"steps": [{"step_order": "first"}]}, "steps[0].step_order"),
        ({"confidence_score": "high"}, "confidence_score"),
    ],
)
def test_wrong_types_name_the_field(doc, field):
    with pytest.raises(SessionFormatError) as exc:
        parse_session(doc, "bad.json")
    assert exc.value.field == field
    assert str(exc.value).startswith(f"bad.json: {field}: ")
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize("value", [5, 1.5e9, True, [], {}])
@pytest.mark.parametrize("field", ["created_at", "resolved_at", "steps[0].created_at", "conversation_messages[0].created_at"])
def test_a_date_that_is_not_text_is_refused_not_read_as_seconds_since_1970(field, value):
    """``"created_at": 5`` was 1970-01-01T00:00:05Z: the window showed the session as 498,614 hours long."""
    name, _, sub = field.partition("[0].")
    doc = {name: [{sub: value}]} if sub else {name: value}
    with pytest.raises(SessionFormatError) as exc:
        parse_session(doc, "bad.json")
    assert str(exc.value).startswith(f"bad.json: {field}: not an ISO-8601 date-time (such as 2026-11-18T14:02:11Z): ")


def test_not_an_object():
    with pytest.raises(SessionFormatError, match="found a list"):
        parse_session([{}], "list.json")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "file is empty"),
        (b"{\"id\": ", "not valid JSON"),
        (b'{"id": "caf\xe9"}', "not UTF-8"),  # latin-1 (a leading \xff\xfe is UTF-16 now)
        (b"[1, 2]", "found a list"),
    ],
)
def test_unreadable_files(tmp_path, content, problem):
    f = tmp_path / "s.json"
    f.write_bytes(content)
    with pytest.raises(SessionFormatError) as exc:
        load_session_file(f)
    assert problem in str(exc.value) and str(f) in str(exc.value)


def test_missing_file(tmp_path):
    with pytest.raises(SessionFormatError, match="no such file"):
        load_session_file(tmp_path / "nope.json")


def test_posted_by_resolutionflow():
    assert not parse_session({}).posted_by_resolutionflow
    assert parse_session({"resolution_note_external_id": 991}).posted_by_resolutionflow
    assert parse_session({"escalation_package_posted_at": "2026-01-01T00:00:00Z"}).posted_by_resolutionflow


def test_steps_ordered_by_step_order_then_unordered():
    s = parse_session({"steps": [{"step_order": 2, "content": {"text": "c"}}, {"content": {"text": "x"}}, {"step_order": 0, "content": {"text": "a"}}]})
    assert [st.text for st in s.ordered_steps()] == ["a", "c", "x"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(st.sampled_from(list(Session.model_fields) + ["x", "options"]), json_values, max_size=8))
def test_parse_either_accepts_or_raises_session_format_error(doc):
    try:
        parse_session(json.loads(json.dumps(doc)))
    except SessionFormatError as exc:
        assert "\n" not in str(exc)


@pytest.mark.parametrize("field", ["id", "steps[0].id", "user.id"])
def test_an_id_of_megabytes_is_refused(field):
    """A 1,000,000-character id was imported: its note ("Session: …") was then too long to post, the window saying
    to leave out the steps."""
    name, _, sub = field.partition(".")
    long = "I" * 1_000_000
    doc = {"id": long} if field == "id" else {"steps": [{"id": long}]} if name.startswith("steps") else {"user": {"id": long}}
    with pytest.raises(SessionFormatError) as exc:
        parse_session(doc, "bad.json")
    assert str(exc.value) == f"bad.json: {field}: an id of 1,000,000 characters; an id has at most 200"
    assert parse_session({"id": "e1bf1b69-98b5-413a-979e-37fc4bb78c6e"}).id == "e1bf1b69-98b5-413a-979e-37fc4bb78c6e"
