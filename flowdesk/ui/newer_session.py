"""A refresh from ResolutionFlow brought a newer copy of the session whose note is shown. Unedited, the note is
made again from it; edited, the engineer's text stays as typed (never overwritten, not even moved), *Changes…*
and *Reset* compare with the note the new copy makes, and a banner says the session changed under the edits."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flowdesk.ui.queue_banners import Banner

if TYPE_CHECKING:
    from flowdesk.ui.main_window import MainWindow

BANNER_KEY = "session-changed"


def changed_under_edits(title: str) -> str:
    """One line: what happened, that nothing was lost, and how to see or take the new note."""
    return (f"“{title}” changed in ResolutionFlow while you were editing its note. Your edits are kept: "
            "Changes… compares them with the new note, Reset takes it.")  # fmt: skip


def follow_refresh(window: MainWindow) -> None:
    """After the list is reloaded: the session shown, if the cache now holds another copy of it, is shown as that."""
    panel, controller = window.built_panel, window.controller  # none yet (before the first paint): nothing shown
    shown = panel.session if panel is not None else None
    if panel is None or shown is None or not shown.id:
        return
    newer = controller.load_session(shown.id)
    if newer is None or newer == shown:
        return
    if panel.take_newer(newer):
        controller.show_banner(Banner(BANNER_KEY, "warning", changed_under_edits(newer.summary or "(no summary)")))
    else:
        controller.clear_banner(BANNER_KEY)
