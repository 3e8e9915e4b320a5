"""A search that filters the selected session away leaves the note pane empty: none of that note's words stay."""

from __future__ import annotations

import pytest

from tests.ui.test_window import _select, _start, make_app  # noqa: F401 - make_app is a fixture

pytestmark = pytest.mark.usefixtures("qapp")


def test_a_search_that_hides_the_selected_session_leaves_no_redaction_line(make_app, qtbot):  # noqa: F811
    """Seen in the demo: the cut-over session selected, a search for "kessler" — "No session selected", an empty
    note, 0 characters, and still "Redacted before posting: 34 UNC paths, 1 access key, …" under it."""
    fd = make_app()
    _start(fd, qtbot)
    w = fd.window
    _select(fd, qtbot, 31207)
    label = w.panel.editor.redaction_label
    qtbot.waitUntil(lambda: label.text().startswith("Redacted before posting:"))
    w.search.setText("kessler")
    qtbot.waitUntil(lambda: w.panel.session is None)
    assert w.panel.title.text() == "No session selected" and w.panel.editor.edit.toPlainText() == ""
    assert label.text() == ""
