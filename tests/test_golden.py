"""Both note formats over every sample, byte for byte.

The golden files are written by the seed oracle (tests/seed_oracle.py, a literal transcription of
ResolutionFlow's formatter), never by FlowDesk's renderer: FlowDesk must reproduce the seed exactly.
Where the seed crashes (ORACLE_CRASHES.txt) FlowDesk renders a placeholder; those cases are checked
against the oracle's output for the same session with only the crashing value filled in, and the one
line that differs is spelled out here.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from flowdesk.core.models import load_session_file
from flowdesk.core.render import render_note
from tests import seed_oracle
from tests.conftest import SAMPLES, sample_files

GOLDEN = Path(__file__).parent / "golden"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
CASES = [
    (f.stem, fmt, suffix)
    for f in sample_files()
    for fmt, suffix in (("resolution", "resolution"), ("escalation", "escalation"), ("resolution", "resolution.nosteps"))
    if (GOLDEN / f"{f.stem}.{suffix}.txt").exists()
]
CRASHES = [line.split()[:2] for line in (GOLDEN / "ORACLE_CRASHES.txt").read_text().splitlines() if line.strip()]


def test_every_sample_has_both_formats_covered():
    assert len(sample_files()) >= 12
    covered = {(stem, fmt) for stem, fmt, suffix in CASES if "nosteps" not in suffix} | {tuple(c) for c in CRASHES}
    for f in sample_files():
        for fmt in ("resolution", "escalation"):
            assert (f.stem, fmt) in covered, f"{f.stem} {fmt} has neither a golden file nor a recorded oracle crash"


@pytest.mark.parametrize(("stem", "fmt", "suffix"), CASES, ids=[f"{s}.{x}" for s, _, x in CASES])
def test_render_matches_the_seed(stem, fmt, suffix):
    session = load_session_file(SAMPLES / f"{stem}.json")
    expected = (GOLDEN / f"{stem}.{suffix}.txt").read_bytes().decode("utf-8")
    include_steps = "nosteps" not in suffix
    if session.is_chat and include_steps:
        expected = _with_conversation(expected, session, fmt)
    got = render_note(session, fmt, include_steps=include_steps, now=NOW)
    assert got == expected


def _with_conversation(seed_text: str, session, fmt: str) -> str:
    """FlowDesk's one addition for chat sessions (which have no steps): the messages, where the seed
    would have listed the steps."""
    lines = ["", "", "── Conversation ──"]
    labels = {"user": "Engineer", "assistant": "FlowPilot"}
    for m in session.conversation_messages:
        if m.role != "system" and m.content and m.content.strip():
            lines.append(f"{labels.get(m.role, (m.role or 'message').capitalize())}: {m.content.strip()}")
    anchor = "\n\n── Resolution ──" if fmt == "resolution" else "\n\n── Escalation Reason ──"
    assert anchor in seed_text
    return seed_text.replace(anchor, "\n".join(lines) + anchor, 1)


@pytest.mark.parametrize(("stem", "fmt"), CRASHES, ids=[f"{s}.{f}" for s, f in CRASHES])
def test_placeholder_where_the_seed_crashes(stem, fmt):
    raw = json.loads((SAMPLES / f"{stem}.json").read_text(encoding="utf-8"))
    with pytest.raises(TypeError):  # the seed really crashes here
        seed_oracle.format_resolution_note(seed_oracle.session_from_json(raw))
    filled = dict(raw, confidence_tier=raw.get("confidence_tier") or "unknown", confidence_score=0.0)
    seed_text = seed_oracle.format_resolution_note(seed_oracle.session_from_json(filled))
    tier = raw.get("confidence_tier") or "unknown"
    expected = seed_text.replace(f"Final confidence: {tier} (0%)", f"Final confidence: {tier} (N/A)")
    assert expected != seed_text
    assert render_note(load_session_file(SAMPLES / f"{stem}.json"), fmt) == expected


def test_goldens_are_up_to_date_with_the_oracle():
    from tests.tools.regen_golden import render_all

    files, crashes = render_all()
    for name, data in files.items():
        assert (GOLDEN / name).read_bytes() == data, f"{name} is stale: run tests/tools/regen_golden.py"
