"""A control disabled while its work runs gets the keyboard focus back when the work is done.

Disabling the widget that has the focus moves the focus to the next one in the tab order: after *Test
connection* in the first-run setup that was *Skip for now*, where the next Enter or Space would skip the
setup. :func:`disable_keeping_focus` disables a control (a button, a button box) and returns what enables it
again, handing the focus back if the control (or a child) had it and it is still where disabling moved it:
an engineer who clicked elsewhere meanwhile keeps their place.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from shiboken6 import isValid


def disable_keeping_focus(control: QWidget) -> Callable[[], None]:
    """Disable ``control``; the function returned enables it again (once the work is done)."""
    had = QApplication.focusWidget()
    owned = had is not None and (had is control or control.isAncestorOf(had))
    control.setEnabled(False)
    moved_to = QApplication.focusWidget()

    def enable() -> None:
        if not isValid(control):  # its dialog closed meanwhile
            return
        control.setEnabled(True)
        if owned and had is not None and isValid(had) and QApplication.focusWidget() is moved_to:
            had.setFocus(Qt.FocusReason.OtherFocusReason)

    return enable
