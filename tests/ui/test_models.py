from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt

from flowdesk.core import present
from flowdesk.core.present import PushSummary
from flowdesk.ui.models import (
    QueueTableModel,
    SessionIdRole,
    SessionTableModel,
)
from flowdesk.ui.session_proxy import SessionSortFilterProxy
from tests.conftest import posix_only

T0 = datetime(2026, 11, 18, 14, 0, tzinfo=UTC)


@dataclass
class Row:
    id: str
    status: str | None = "resolved"
    session_type: str | None = "guided"
    psa_ticket_id: int | None = 48211
    client_name: str | None = "Contoso"
    summary: str = "Outlook prompts"
    created_at: datetime | None = T0
    updated_at: datetime | None = T0
    ended_at: datetime | None = T0 + timedelta(minutes=38)
    duration_seconds: float | None = 38 * 60
    state_version: int | None = 1
    posted_by_resolutionflow: bool = False
    source: str = "api"


@dataclass
class Job:
    id: int
    session_id: str = "s1"
    kind: str = "note"
    state: str = "pending"
    ticket_id: int = 48211
    ticket_kind: str = "service"
    parent_id: int | None = None
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    remote_id: int | None = None
    sent_at: datetime | None = None
    updated_at: datetime = field(default_factory=lambda: T0)
    member: str | None = None
    member_name: str | None = None
    status_name: str = ""


def rows(n=30):
    clients = ["Contoso", "Fabrikam", "Northwind Dental", "Müller GmbH"]
    statuses = ["resolved", "escalated", "requesting_escalation", "active"]
    return [
        Row(f"s{i}", status=statuses[i % 4], psa_ticket_id=48000 + i if i % 5 else None, client_name=clients[i % 4],
            summary=f"Problem {i} printer" if i % 3 == 0 else f"Issue {i} mailbox",
            ended_at=T0 + timedelta(hours=i), duration_seconds=60.0 * (i * 7 % 90))
        for i in range(n)
    ]


@pytest.fixture
def models(qtmodeltester):
    src = SessionTableModel()
    src.load(rows())
    qtmodeltester.check(src)
    proxy = SessionSortFilterProxy()
    proxy.setSourceModel(src)
    qtmodeltester.check(proxy)
    return src, proxy


def test_columns_and_display(models):
    src, proxy = models
    assert proxy.rowCount() == 30 and proxy.columnCount() == 7
    assert [src.headerData(c, Qt.Orientation.Horizontal) for c in range(7)] == list(SessionTableModel.COLUMNS)
    assert src.data(src.index(1, SessionTableModel.TICKET)) == "#48001"
    assert src.data(src.index(0, SessionTableModel.TICKET)) == "—"
    assert src.data(src.index(2, SessionTableModel.STATUS)) == "Escalation requested"
    assert src.data(src.index(3, SessionTableModel.DURATION)) == "21m"


def test_search_all_terms_any_column(models):
    src, proxy = models
    proxy.set_search("printer MÜLLER")
    ids = [proxy.session_id(r) for r in range(proxy.rowCount())]
    assert ids and all(src.row_object(src.row_of(i)).client_name == "Müller GmbH" for i in ids)
    assert all("printer" in src.row_object(src.row_of(i)).summary for i in ids)
    proxy.set_search("#48012")
    assert [proxy.session_id(r) for r in range(proxy.rowCount())] == ["s12"]
    proxy.set_search("")
    assert proxy.rowCount() == 30


def test_status_filter_and_sort(models):
    src, proxy = models
    proxy.set_statuses({"escalated", "requesting_escalation"})
    assert proxy.rowCount() == 15
    proxy.sort(SessionTableModel.DATE, Qt.SortOrder.DescendingOrder)
    hours = [src.row_object(src.row_of(proxy.session_id(r))).ended_at for r in range(proxy.rowCount())]
    assert hours == sorted(hours, reverse=True)
    proxy.sort(SessionTableModel.CLIENT, Qt.SortOrder.AscendingOrder)
    clients = [proxy.data(proxy.index(r, SessionTableModel.CLIENT)) for r in range(proxy.rowCount())]
    assert clients == sorted(clients, key=str.lower)


def test_sort_keeps_the_selection(models, qtbot):
    from PySide6.QtWidgets import QTableView

    src, proxy = models
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(proxy)
    view.selectRow(proxy.proxy_row_of("s7"))
    proxy.sort(SessionTableModel.DURATION, Qt.SortOrder.AscendingOrder)
    assert view.currentIndex().data(SessionIdRole) == "s7"


def test_push_column_updates_live_through_the_proxy(models, qtbot):
    src, proxy = models
    proxy.set_search("mailbox")
    row = proxy.proxy_row_of("s1")
    with qtbot.waitSignal(proxy.dataChanged) as blocker:
        src.set_push_summaries({"s1": PushSummary("failed", "Failed", "ConnectWise said no")})
    assert blocker.args[0].row() == row
    assert proxy.data(proxy.index(row, SessionTableModel.PUSH)) == "Failed"
    assert proxy.data(proxy.index(row, SessionTableModel.PUSH), Qt.ItemDataRole.ToolTipRole) == "ConnectWise said no"


def test_the_push_tooltip_says_a_draft_waits_as_well_as_what_the_push_did(models):
    """"Draft · Sent 3 Dec…" is cut short in the column: its tooltip says both the draft and the push."""
    src, proxy = models
    src.set_push_summaries({"s1": PushSummary("sent", "Sent 3 Dec 16:16", "Posted to #48211 (note 5) on Thu 3 Dec 2026 at 16:16.")})
    src.set_draft("s1", True)
    src.set_draft("s2", True)
    tip = lambda sid: proxy.data(proxy.index(proxy.proxy_row_of(sid), SessionTableModel.PUSH), Qt.ItemDataRole.ToolTipRole)  # noqa: E731
    assert tip("s1") == f"{present.DRAFT_TIP} Posted to #48211 (note 5) on Thu 3 Dec 2026 at 16:16."
    assert tip("s2") == present.DRAFT_TIP
    assert tip("s3") is None


def test_source_reload_resets_proxy(models):
    src, proxy = models
    proxy.set_search("fabrikam")
    src.load(rows(8))
    assert proxy.rowCount() == 2


def test_queue_model(qtmodeltester):
    m = QueueTableModel(clock=lambda: T0)
    m.load([Job(1, state="sending"), Job(2, state="failed", last_error="Ticket 9 not found\nmore"),
            Job(3, kind="time_entry", parent_id=1, state="pending")], titles={"s1": "Outlook prompts"})
    qtmodeltester.check(m)
    assert m.data(m.index(0, m.STATE)) == "Waiting for its note"
    assert m.data(m.index(1, m.ERROR)) == "Ticket 9 not found"
    assert m.data(m.index(2, m.STATE)) == "Sending"
    assert m.data(m.index(2, m.WHAT)) == "Note — Outlook prompts"
    # The note is sent: its time entry's row changes too (no longer waiting for its note).
    changed: list[tuple[int, int]] = []
    m.dataChanged.connect(lambda top, bottom, *_: changed.append((top.row(), top.column())))
    m.update_job(Job(1, state="sent", remote_id=1200001, sent_at=T0))
    assert changed == [(2, 0), (0, m.STATE)]
    assert m.data(m.index(2, m.STATE)) == "Sent"
    assert m.data(m.index(0, m.STATE)) == "Waiting"
    assert "ConnectWise id #1200001" in m.detail_text(m.job(2))
    m.update_job(Job(2, state="retry_wait", next_attempt_at=T0 + timedelta(minutes=5)))
    assert m.data(m.index(1, m.STATE)) == f"Retrying at {(T0 + timedelta(minutes=5)).astimezone():%H:%M}"
    m.update_job(Job(4, state="pending"))
    assert m.rowCount() == 4 and m.job(0).id == 4


def test_queue_model_shows_a_batch_with_one_failures_read_and_one_data_changed(qtmodeltester):
    """A drain's batch (``update_jobs``): the Failures column read once for the batch, one ``dataChanged``
    spanning every changed row (a sent note's time entry too), a new job inserted at the top."""
    m = QueueTableModel(clock=lambda: T0)
    asked: list[list[int] | None] = []
    m.failures_provider = lambda ids: asked.append(ids) or {1: 0, 5: 2}  # type: ignore[func-returns-value]
    m.load([Job(1, state="sending"), Job(2, state="pending"), Job(3, kind="time_entry", parent_id=1, state="pending"),
            Job(5, state="sending")], titles={"s1": "Outlook prompts"})
    qtmodeltester.check(m)
    asked.clear()
    changed: list[tuple[int, int, int, int]] = []
    m.dataChanged.connect(lambda top, bottom, *_: changed.append((top.row(), top.column(), bottom.row(), bottom.column())))
    m.update_jobs([Job(1, state="sent", remote_id=1200001, sent_at=T0),
                   Job(5, state="retry_wait", next_attempt_at=T0 + timedelta(minutes=5), attempts=2)])
    assert asked == [[1, 5]]
    # rows: 5, 3 (the note's time entry), 2, 1
    assert changed == [(0, 0, 3, len(m.COLUMNS) - 1)]
    assert m.data(m.index(3, m.STATE)) == "Sent"
    assert m.data(m.index(1, m.STATE)) == "Waiting"  # no longer waiting for its note
    assert m.data(m.index(0, m.ATTEMPTS)) == "2"
    tip = m.headerData(m.ATTEMPTS, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "found on the ticket" in tip and "401" in tip  # what Failures leaves out, as the README says
    changed.clear()
    m.update_jobs([Job(6, state="pending"), Job(2, state="cancelled")])
    assert m.rowCount() == 5 and m.job(0).id == 6
    assert m.data(m.index(3, m.STATE)) == "Cancelled" and changed == [(3, 0, 3, len(m.COLUMNS) - 1)]
    m.update_jobs([])
    assert changed == [(3, 0, 3, len(m.COLUMNS) - 1)]


@posix_only("time.tzset() (switching the C library's time zone in a running process) is Unix-only")
@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu"])
def test_local_time_is_the_wall_clock_of_the_local_zone_across_dst(zone: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from flowdesk.ui.models import local_time, short_time

    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        start = datetime(2025, 12, 31, tzinfo=UTC)  # the year's change too
        for minutes in range(0, 366 * 24 * 60, 97):  # every 97 minutes through a year: both DST changes
            dt = start + timedelta(minutes=minutes)
            local = dt.astimezone()
            assert local_time(dt) == local.strftime("%Y-%m-%d %H:%M")
            assert local_time(dt, with_date=False) == local.strftime("%H:%M")
            # The list's short form, against the straightforward astimezone + strftime it replaced.
            now = datetime(2026, 6, 1, tzinfo=UTC)
            expected = (
                f"{local.day} {local.strftime('%b')} {local.strftime('%H:%M')}"
                if local.year == now.astimezone().year
                else local.strftime("%Y-%m-%d")
            )
            assert short_time(dt, now) == expected
    finally:
        monkeypatch.undo()
        time.tzset()
    assert local_time(None) == "" and short_time(None) == ""


def shown(proxy: SessionSortFilterProxy) -> list[str | None]:
    return [proxy.session_id(r) for r in range(proxy.rowCount())]


def fresh_result(text: str, statuses: set[str] | None = None, sort: tuple[int, Qt.SortOrder] | None = None) -> list[str | None]:
    src = SessionTableModel()
    src.load(rows())
    proxy = SessionSortFilterProxy()
    proxy.setSourceModel(src)
    if sort is not None:
        proxy.sort(*sort)
    proxy.set_statuses(statuses)
    proxy.set_search(text)
    return shown(proxy)


def test_typing_and_backspace_show_what_a_fresh_search_shows(models):
    """The search narrows from the previous result and Backspace goes back to a kept one: every step
    must equal the same query searched from scratch, also after the sort or the statuses change midway."""
    src, proxy = models
    typed = "printer 1"
    steps = [typed[:i] for i in range(1, len(typed) + 1)] + [typed[:i] for i in range(len(typed) - 1, -1, -1)]
    for text in steps:
        proxy.set_search(text)
        assert shown(proxy) == fresh_result(text), text
    proxy.set_search("issue")
    proxy.sort(SessionTableModel.CLIENT, Qt.SortOrder.AscendingOrder)
    proxy.set_search("issu")  # Backspace after the sort changed: the kept results are in the old order
    assert shown(proxy) == fresh_result("issu", sort=(SessionTableModel.CLIENT, Qt.SortOrder.AscendingOrder))
    proxy.set_search("issue 1")
    proxy.set_statuses({"escalated"})
    proxy.set_search("issue")  # ... and after the statuses changed
    assert shown(proxy) == fresh_result(
        "issue", {"escalated"}, sort=(SessionTableModel.CLIENT, Qt.SortOrder.AscendingOrder)
    )


def test_a_key_that_changes_no_row_does_not_reset_the_list(models):
    src, proxy = models
    resets: list[int] = []
    proxy.modelReset.connect(lambda: resets.append(1))
    proxy.set_search("printe")
    assert len(resets) == 1
    before = shown(proxy)
    proxy.set_search("printer")  # the same rows: nothing to repaint, the selection stays as it is
    proxy.set_search("printe")
    assert len(resets) == 1 and shown(proxy) == before
    proxy.set_search("printer 2")
    assert len(resets) == 2 and shown(proxy) == fresh_result("printer 2")


def odd_rows() -> list[Row]:
    """Rows with every optional field missing or unusual, dated this year, last year and never."""
    this_year = datetime.now(UTC).replace(month=6, day=15, hour=9, minute=5)
    return [
        Row("a", status=None, psa_ticket_id=None, client_name=None, summary="", duration_seconds=None),
        Row("b", status="on_hold", ended_at=None, updated_at=None, created_at=None, summary="Ünïcode SUMMARY"),
        Row("c", status="paused", ended_at=None, updated_at=this_year - timedelta(days=400), duration_seconds=59.9),
        Row("d", status="abandoned", ended_at=this_year, duration_seconds=3600 * 10 + 61),
        Row("e", status="requesting_escalation", ended_at=None, updated_at=None, created_at=this_year),
    ]


def test_the_search_text_is_what_the_list_shows(models):
    """Made in one pass at load, the search text is every shown column but Push, lower-cased: the same
    words as the display texts the rows get when painted (dates, durations and ticket numbers included)."""
    src = SessionTableModel()
    src.load(rows() + odd_rows())
    assert src.search_text == [" ".join(src.display(i)[:6]).lower() for i in range(src.rowCount())]
    proxy = SessionSortFilterProxy()
    proxy.setSourceModel(src)
    for text, expected in [("ünïcode summary", ["b"]), ("UNKNOWN", ["a"]), ("on hold", ["b"]), ("10h 1m", ["d"]),
                           ("(no summary)", ["a"])]:  # fmt: skip
        proxy.set_search(text)
        assert shown(proxy) == expected, text


@posix_only("time.tzset() (switching the C library's time zone in a running process) is Unix-only")
@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu"])
def test_the_search_text_has_the_listed_dates_across_dst(zone: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        start = datetime(datetime.now(UTC).year - 1, 12, 31, tzinfo=UTC)
        dated = [Row(f"s{m}", ended_at=start + timedelta(minutes=m)) for m in range(0, 366 * 24 * 60, 97)]
        src = SessionTableModel()
        src.load(dated)
        assert src.search_text == [" ".join(src.display(i)[:6]).lower() for i in range(src.rowCount())]
    finally:
        monkeypatch.undo()
        time.tzset()


def test_a_search_makes_no_display_texts(models, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first key press after a reload only filters: nothing is made for rows that are not painted."""
    src, proxy = models
    src.load(rows(300))
    made: list[int] = []
    real = src._row_display
    monkeypatch.setattr(src, "_row_display", lambda r: made.append(1) or real(r))
    for text in ("p", "pr", "printer", "printer 1", "printer", ""):
        proxy.set_search(text)
    assert proxy.rowCount() == 300 and made == []


def test_the_search_text_is_made_in_slices_after_a_load(qtbot) -> None:
    """A reload does not wait for the search text: it is made a slice per turn of the event loop, and a
    search that comes first makes the rest at once (with the same result)."""
    from flowdesk.ui.models import SEARCH_SLICE

    src = SessionTableModel()
    many = [Row(f"s{i}", summary=f"Printer {i}" if i % 2 else f"Mailbox {i}") for i in range(SEARCH_SLICE * 2 + 5)]
    src.load(many)
    assert not src.search_ready()
    qtbot.waitUntil(src.search_ready)
    assert src.search_text == [" ".join(src.display(i)[:6]).lower() for i in range(len(many))]
    src.load(many[::-1])
    proxy = SessionSortFilterProxy()
    proxy.setSourceModel(src)
    proxy.set_search("printer 400")  # before any slice was made
    assert src.search_ready()
    assert shown(proxy) == [r.id for r in many[::-1] if r.summary.startswith("Printer 400")] == ["s4003", "s4001"]


def test_a_summary_of_megabytes_is_cut_for_its_cell_and_tooltip_but_still_found(qtmodeltester):
    """An export whose summary was one line of 5,000,000 characters: Qt elided the cell's text not at all and
    painted it over the rows below (and the tooltip held all of it)."""
    src = SessionTableModel()
    src.load([Row("big", summary="A" * 5_000_000 + "needle", client_name="C" * 100_000), Row("small")])
    qtmodeltester.check(src)
    shown = src.data(src.index(0, SessionTableModel.SUMMARY))
    assert len(shown) == 300 and shown.startswith("AAA") and shown.endswith("…")
    assert len(src.data(src.index(0, SessionTableModel.CLIENT))) == 300
    assert len(src.data(src.index(0, SessionTableModel.SUMMARY), Qt.ItemDataRole.ToolTipRole)) == 1200
    assert len(src.data(src.index(0, SessionTableModel.CLIENT), Qt.ItemDataRole.ToolTipRole)) == 1200
    assert src.data(src.index(1, SessionTableModel.SUMMARY)) == "Outlook prompts"  # an ordinary one as it is
    proxy = SessionSortFilterProxy()
    proxy.setSourceModel(src)
    proxy.set_search("needle")
    assert [proxy.session_id(r) for r in range(proxy.rowCount())] == ["big"]
