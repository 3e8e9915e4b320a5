"""What the main window shows of the queue's state after each published status and each run's word on a hold-off:
the status line, the Queue tab's title, *Retry all* / *Send all now*, *Pause sending* and its tooltip, and the note
pane's next try while sending is held off after an outage.

Every value is the controller's as it published it (its pause read once with the status: ``controller.pause``),
not read from SQLite again: this runs on the GUI thread after every batch of a drain."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flowdesk.core import held as held_words
from flowdesk.core import present
from flowdesk.ui import pushing
from flowdesk.ui.queue_status import show_send_all

if TYPE_CHECKING:
    from flowdesk.ui.main_window import MainWindow


def show_status(w: MainWindow, counts: dict[str, int], line: str) -> None:
    """The queue's status as the controller just published it. Each value is set only when it changes: Qt
    repaints on a set even of the same value (the same tab text repainted the whole tab widget, ~4 ms a batch)."""
    if w.queue_label.text() != line:  # the whole of it in the tooltip: a narrow window cuts its end
        w.queue_label.set_line(line)
    failed, c = counts.get("failed", 0), w.controller
    tab = f"Queue ({failed} failed)" if failed else "Queue"
    if w.tabs.tabText(1) != tab:
        w.tabs.setTabText(1, tab)
    resume_as = c.resume_as()
    w.queue_model.set_member_pause(c.others, resume_as)  # the pushes a member pause holds say so
    w.queue_model.set_paused(c.pause.sending_paused)  # nothing is checked or sent again while paused
    label = "Send all &now" if c.held is not None else "Retry &all"
    w.queue_model.set_asks(c.asks)
    show_send_all(w.retry_failed_action, held_words.send_all(label, counts, c.others, resume_as, held_off=c.held is not None, asks=c.asks))
    paused = c.pause.whole(own=True) is not None  # the engineer's own pause: not one after refused keys (the banner's)
    if w.pause_action.isChecked() != paused:
        w.pause_action.blockSignals(True)
        w.pause_action.setChecked(paused)
        w.pause_action.blockSignals(False)
    tip = present.PAUSE_TIP_ACCOUNT if not paused and c.pause.whole() else present.PAUSE_TIP
    if w.pause_action.toolTip() != tip:
        w.pause_action.setToolTip(tip)
        w.pause_action.setStatusTip(tip)


def show_held(w: MainWindow, held: Any) -> None:
    """A run's word on the hold-off after an outage (``HeldOff`` or None): the Queue tab's rows, and the note
    pane's "Checking at …", which is the list's Push column's: read again only when the hold-off's end moved
    (the pane's read is a few queries; most runs leave the end where it was)."""
    if w._queue_view is None:
        w.queue_model.set_held(held)  # the page shows it when built
    else:
        w._queue_view.set_held(held)
    until = held.until if held is not None else None
    if until != w.held_until:
        w.held_until = until
        pushing.show_push_state(w)
