"""The time entry's options under the note: hours (proposed from the session's active time, editable as 1.5
or 1:30, typed by hand for a session without timestamps), which rule proposed them, a warning above 8 h, the
work type and work role (ConnectWise's lists, the last choice preselected, else the member's defaults) and the
billable option (``lists``: a row of their own, under the hours). It never waits on the network: the lists arrive with :meth:`TimeEntryBox.set_lists`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from flowdesk.core import present
from flowdesk.core.timing import (
    BILLABLE_OPTIONS,
    LONG_HOURS,
    TimeEntryPlan,
    format_hours,
    hours_text,
    manual_plan,
    minutes_changed,
    parse_hours,
    whole_minutes,
)
from flowdesk.ui import theme
from flowdesk.ui.layout import narrow_words, steady_combo

if TYPE_CHECKING:
    from flowdesk.core.models import Session

MANUAL_TIME = "&Log time (no start and end time: type the hours)"  # until ticked
DEFAULT = "Default"  # the member's default work type / role; ConnectWise's default billable option


class TimeEntryBox(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._plan: TimeEntryPlan | None = None
        self._session: Session | None = None
        self.hours = QLineEdit(self)
        self.hours.setObjectName("hours")
        self.hours.setAccessibleName("Hours to log")
        self.hours.setPlaceholderText("1.5 or 1:30")
        # as wide as its hint (it read "1.5 or …" for a session without timestamps, where it is empty)
        self.hours.setFixedWidth(self.hours.fontMetrics().horizontalAdvance(self.hours.placeholderText()) + 24)
        self.rule = QLabel(self)
        self.rule.setTextFormat(Qt.TextFormat.PlainText)  # never read as markup (a server's words, a file name)
        theme.tint(self.rule, "muted")
        self.warning = QLabel(self)
        self.warning.setTextFormat(Qt.TextFormat.PlainText)  # never read as markup (a server's words, a file name)
        self.warning.setObjectName("hoursWarning")
        theme.tint(self.warning, "error")
        # The work type, role and billable option: a row of their own under the check box and the hours (the
        # owner lays it out; it shows and hides with the box), not beside the check box, whose "Log 0.25 h"
        # made the pane wider than a 1280 px window gives it (the window stacked the note under the list).
        # A box of no owner lays it out under its hours itself.
        self.lists = QWidget(parent if parent is not None else self)
        self.lists.setObjectName("timeLists")
        self.work_type = QComboBox(self.lists)
        self.work_type.setAccessibleName("Work type")
        self.work_role = QComboBox(self.lists)
        self.work_role.setAccessibleName("Work role")
        self.billable = QComboBox(self.lists)
        self.billable.setAccessibleName("Billable")
        self.billable.addItem(DEFAULT, None)
        for option in BILLABLE_OPTIONS:
            self.billable.addItem(option, option)
        for combo in (self.work_type, self.work_role):
            combo.addItem(DEFAULT, None)
        hours_label = QLabel("Ho&urs", self)
        hours_label.setObjectName("hoursLabel")
        hours_label.setBuddy(self.hours)
        hours_label.setMinimumHeight(self.hours.sizeHint().height())  # its word level with the hours'
        narrow_words(self.rule)
        narrow_words(self.warning)
        first = QHBoxLayout()
        for w in (hours_label, self.hours):  # level with "Log 0.75 h" and the rule's first line, however many it has
            first.addWidget(w, 0, Qt.AlignmentFlag.AlignTop)
        first.addWidget(self.rule, 1)  # the rest of the row: a wrapped label's hint is its minimum width
        second = QHBoxLayout(self.lists)
        second.setContentsMargins(0, 0, 0, 0)
        for text, combo in (("Work t&ype", self.work_type), ("&Role", self.work_role), ("&Billable", self.billable)):
            label = QLabel(text, self.lists)
            label.setBuddy(combo)
            steady_combo(combo)  # a long work type or role name never widens the pane's minimum
            second.addWidget(label)
            second.addWidget(combo)
        second.addStretch(1)
        rows = QVBoxLayout(self)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.addLayout(first)
        rows.addWidget(self.warning)
        if parent is None:
            rows.addWidget(self.lists)
        self.hours.textChanged.connect(self._check)

    def setVisible(self, visible: bool) -> None:  # noqa: N802 - Qt's; show() and hide() come here too
        super().setVisible(visible)
        self.lists.setVisible(visible)

    # -- what is shown ---------------------------------------------------------------------------
    def set_plan(self, plan: TimeEntryPlan | None, session: Session | None) -> None:
        """The proposed plan (None: the session has no timestamps, hours are typed by hand)."""
        self._plan, self._session = plan, session
        self.hours.setText(hours_text(plan.hours) if plan is not None else "")
        self.rule.setText(present.TIME_RULES[plan.rule.value] if plan is not None else present.TIME_RULES["manual"])
        self._check()

    def set_lists(
        self, work_types: Sequence[tuple[int, str]], work_roles: Sequence[tuple[int, str]], *,
        work_type_id: int | None = None, work_role_id: int | None = None, billable: str | None = None,
    ) -> None:
        """ConnectWise's work types and roles, with the last choice (else the member's default) selected."""
        for combo, items in ((self.work_type, work_types), (self.work_role, work_roles)):
            combo.clear()
            combo.addItem(DEFAULT, None)
            for nid, name in items:
                combo.addItem(name, nid)
        self.select(work_type_id, work_role_id, billable)

    def select(self, work_type_id: int | None, work_role_id: int | None, billable: str | None) -> None:
        """Select these work type, role and billable option (one not in the lists: *Default*)."""
        for combo, chosen in ((self.work_type, work_type_id), (self.work_role, work_role_id), (self.billable, billable)):
            combo.setCurrentIndex(max(0, combo.findData(chosen)) if chosen is not None else 0)

    def _check(self) -> None:
        try:
            hours = parse_hours(self.hours.text())
        except ValueError as exc:
            self.warning.setText(str(exc) if self.hours.text().strip() else "")
        else:
            warnings = [present.long_time_entry(hours)] if hours > LONG_HOURS else []
            if minutes_changed(hours):
                warnings.append(present.whole_minutes_logged(hours))
            self.warning.setText("\n".join(warnings))
        self.warning.setVisible(bool(self.warning.text()))

    def proposed_hours(self) -> float | None:
        """The hours proposed from the session's times (None: typed by hand)."""
        return self._plan.hours if self._plan is not None else None

    def hours_choice(self, text: str) -> str | None:
        """Hours typed, as a choice to keep: None for what does not read as hours (never written to the disk) and for
        the proposed hours typed back (no choice: the draft, and its Draft mark, can go)."""
        try:
            hours = parse_hours(text)
        except ValueError:
            return None
        proposed = self.proposed_hours()
        return None if proposed is not None and whole_minutes(hours) == whole_minutes(proposed) else text.strip()

    def has_plan(self) -> bool:
        """Hours were proposed (the session has timestamps), rather than left to be typed."""
        return self._plan is not None

    def typed_hours(self) -> float | None:
        """The hours in the box as they will be logged (whole minutes), or None when they are not hours."""
        try:
            return whole_minutes(parse_hours(self.hours.text()))
        except ValueError:
            return None

    # -- what is queued ----------------------------------------------------------------------------
    def plan(self, now: datetime) -> TimeEntryPlan:
        """The time entry to queue; ValueError (plain words) when the hours are not hours."""
        hours = whole_minutes(parse_hours(self.hours.text()))
        base = self._plan
        if base is None:
            if self._session is None:
                raise ValueError("no session")
            base = manual_plan(self._session, hours, now)
        elif hours != base.hours:
            base = manual_plan(self._session, hours, now)._replace(start=base.start) if self._session else base
        return base._replace(
            hours=hours, work_type_id=self.work_type.currentData(), work_role_id=self.work_role.currentData(),
            billable=self.billable.currentData(),
        )

    def name_check(self, check: QCheckBox, manual: bool, planned: bool) -> None:
        """*Log 1.5 h*: the hours that will be logged (those typed, when they read as hours), not only the
        proposal's; screen readers read the name, not the text, so the hours are in it too. Hours typed by hand
        (a session without timestamps) ask for them until ticked; then the rule beside the hours says why, and
        the hours, work type, role and billable have the row's width (the long label squeezed them to "D")."""
        if manual:
            typed = self.typed_hours() if check.isChecked() else None
            check.setText(
                f"&Log {format_hours(typed)}" if typed is not None
                else "&Log time" if check.isChecked() else MANUAL_TIME
            )
        elif planned:
            hours = self.typed_hours()
            check.setText(f"&Log {format_hours(hours)}" if hours is not None else "&Log time")
        check.setAccessibleName("Also log a time entry: " + check.text().replace("&", ""))
