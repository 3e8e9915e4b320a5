"""The demo's *Show what ConnectWise received*: whole notes, each compared with what FlowDesk pushed."""

from __future__ import annotations

import json
from types import SimpleNamespace

from flowdesk.ui.demo import received_text


def _job(job_id: int, remote_id: int, text: str) -> SimpleNamespace:
    body = json.dumps({"text": text})
    return SimpleNamespace(id=job_id, kind="note", remote_id=remote_id, body_json=lambda: json.loads(body))


def test_whole_notes_and_a_diff_against_what_was_pushed():
    long_note = "\n".join(f"line {i}" for i in range(1, 21))
    ledger = {
        "notes": [
            {"id": 7, "ticketId": 48211, "internalAnalysisFlag": True, "createdBy": "dwhitfield", "text": long_note},
            {"id": 8, "ticketId": 48397, "createdBy": "dwhitfield", "text": "Fixed.\nCalled back"},
            {"id": 9, "ticketId": 48405, "createdBy": "someone", "text": "Typed in ConnectWise"},
        ],
        "time_entries": [{"id": 3, "chargeToId": 48211, "actualHours": 0.75, "timeStart": "2026-11-18T14:00:00Z"}],
    }
    text = received_text(ledger, [_job(1, 7, long_note), _job(2, 8, "Fixed.\nCalled back the user")])
    assert "    line 20" in text  # the whole note, not its first lines
    assert "Identical to what FlowDesk pushed (push 1)." in text
    assert "Differs from what FlowDesk pushed (push 2):" in text
    assert "    -Called back the user" in text and "    +Called back" in text
    assert "(not pushed by FlowDesk in this demo)" in text
    assert "Time entry 3 on ticket #48211: 0.75 h" in text
    assert received_text({}, []) == "Nothing yet: push a note."


def test_restore_says_what_goes_now_and_what_waits_for_retry_all() -> None:
    """The demo's *Restore ConnectWise* said "Use Retry all (or Send all now)": two names for one button; then
    "Use Send all now, or wait for the next try", though Restore now tries at once, and a failed push has no next
    try: only Retry all sends it again."""
    from flowdesk.ui.demo import restored_words

    going = "Sending 1 note and 1 time entry now."
    assert restored_words(going, "") == "ConnectWise is back to normal. Sending 1 note and 1 time entry now."
    assert restored_words("", "1 note") == "ConnectWise is back to normal. Use Retry all for the 1 note that failed."
    assert restored_words("", "") == "ConnectWise is back to normal."
