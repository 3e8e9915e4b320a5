"""Names for screen readers that Qt does not give by itself."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLabel, QWidget


def label_of(widget: QWidget, root: QWidget) -> str:
    """The widget's accessible name, else the text of the label whose buddy it is (as Qt reads it)."""
    if widget.accessibleName():
        return widget.accessibleName()
    for label in root.findChildren(QLabel):
        if label.buddy() is widget:
            return label.text().replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip(":")
    return ""


def name_choice_lists(root: QWidget) -> None:
    """Each drop-down's list (its popup, which a screen reader lands on when it opens) is named after the
    drop-down: "Work type choices"; unnamed, it was announced as "list"."""
    for combo in root.findChildren(QComboBox):
        name = label_of(combo, root)
        if name:
            combo.view().setAccessibleName(f"{name} choices")
