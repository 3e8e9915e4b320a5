"""How a pushed note is matched to the way it was made, when its session is shown again (``ui.last_push``)."""

from __future__ import annotations

import difflib
from types import SimpleNamespace

from flowdesk.ui.last_push import CLOSEST_MAX_LINES, made_as


def _prepare(notes: dict[tuple[str, bool], str]):
    return lambda note_format, steps: SimpleNamespace(text=notes[(note_format, steps)])


def test_an_exact_match_is_found_and_an_edit_comes_back_the_closest_way():
    made = {("resolution", True): "a\nb\nc", ("resolution", False): "a", ("escalation", True): "x\ny\nb\nc\nd",
            ("escalation", False): "x"}
    found = made_as(_prepare(made), "x\ny\nb\nc\nd", ("resolution", True), "a\nb\nc")
    assert found is not None and found[:2] == ("escalation", True)
    edited = made_as(_prepare(made), "x\ny\nb\nc\nd and an edit", ("resolution", True), "a\nb\nc")
    assert edited is not None and edited[:2] == ("escalation", True)


def test_a_huge_note_is_only_matched_exactly_never_compared_line_by_line(monkeypatch):
    """A 3,000-step note (10,924 lines) took 0.4-0.5 s a comparison on the GUI thread: over CLOSEST_MAX_LINES
    the closest way is not looked for."""

    def refuse(*args, **kwargs):
        raise AssertionError("compared line by line")

    monkeypatch.setattr(difflib, "SequenceMatcher", refuse)
    huge = "\n".join(f"line {i}" for i in range(CLOSEST_MAX_LINES + 1))
    made = {(f, s): f"{f} {s}" for f in ("resolution", "escalation") for s in (True, False)}
    assert made_as(_prepare(made), huge + "\nedited", ("resolution", True), huge) is None
    made[("escalation", False)] = huge
    found = made_as(_prepare(made), huge, ("resolution", True), "other")
    assert found is not None and found[:2] == ("escalation", False)
