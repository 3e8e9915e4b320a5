"""Drafts in the local database: kept per session, replaced, discarded, there after reopening the file."""

from __future__ import annotations

import errno
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from flowdesk.store import Database
from flowdesk.store.db import StoreError
from flowdesk.store.drafts import Drafts, DraftWriter, not_saved


def test_a_draft_is_kept_replaced_and_discarded(tmp_path):
    path = tmp_path / "flowdesk.db"
    when = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    with Database(path) as db:
        drafts = Drafts(db, clock=lambda: when)
        assert drafts.get("s1") is None and drafts.session_ids() == set()
        drafts.save("s1", "first words", note_format="resolution", include_steps=True, visibility="internal")
        drafts.save("s1", "second words ✓", note_format="escalation", include_steps=False)
        drafts.save("s2", "other")
    with Database(path) as db:  # a new connection to the same file: the drafts are on disk
        drafts = Drafts(db)
        d = drafts.get("s1")
        assert d is not None
        assert (d.text, d.note_format, d.include_steps, d.visibility, d.updated_at) == (
            "second words ✓", "escalation", False, None, when)
        assert drafts.session_ids() == {"s1", "s2"}
        assert drafts.discard("s1") and not drafts.discard("s1")
        assert drafts.get("s1") is None and drafts.session_ids() == {"s2"}


# -- the writer the window uses: off the GUI thread ----------------------------------------------------------
class GatedDrafts(Drafts):
    """Drafts whose writes wait for ``gate`` (a slow disk) and fail while ``broken`` is set."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.gate = threading.Event()
        self.gate.set()
        self.broken = False
        self.writing = threading.Event()
        self.written: list[str] = []
        self.done = threading.Event()  # a write reached the disk

    def save(self, session_id, text, **kw):
        self.writing.set()
        assert self.gate.wait(10)
        if self.broken:
            raise StoreError("the disk is full")
        super().save(session_id, text, **kw)
        self.written.append(session_id)
        self.done.set()


@pytest.fixture
def db(tmp_path: Path):
    with Database(tmp_path / "flowdesk.db") as db:
        yield db


def test_save_returns_before_the_disk_and_reads_see_what_waits(db):
    drafts = GatedDrafts(db)
    writer = DraftWriter(drafts)
    drafts.gate.clear()  # the disk is slow
    writer.save("s1", "typed", note_format="resolution", include_steps=True, visibility="internal")
    assert drafts.writing.wait(10) and drafts.written == []  # saved from the caller's view, not yet on disk
    waiting = writer.get("s1")
    assert waiting is not None and (waiting.text, waiting.note_format, waiting.include_steps) == ("typed", "resolution", True)
    assert writer.session_ids() == {"s1"}
    drafts.gate.set()
    assert writer.flush(10)
    assert Drafts(db).get("s1").text == "typed"  # type: ignore[union-attr]
    writer.close()


def test_the_latest_per_session_wins_in_order(db):
    Drafts(db).save("old", "on disk")
    drafts = GatedDrafts(db)
    writer = DraftWriter(drafts)
    drafts.gate.clear()
    writer.save("s1", "first")  # being written while the rest comes
    assert drafts.writing.wait(10)
    writer.save("s1", "second")
    writer.save("s2", "other")
    assert writer.discard("old") and not writer.discard("never")
    assert writer.get("old") is None and writer.session_ids() == {"s1", "s2"}
    drafts.gate.set()
    assert writer.close()
    on_disk = Drafts(db)
    assert on_disk.session_ids() == {"s1", "s2"} and on_disk.get("s1").text == "second"  # type: ignore[union-attr]


def test_a_failed_write_is_kept_and_written_with_the_next(db):
    drafts = GatedDrafts(db)
    drafts.broken = True
    writer = DraftWriter(drafts)
    writer.save("s1", "precious")
    assert not writer.flush(10)  # it failed: still waiting, still readable
    assert writer.get("s1").text == "precious" and Drafts(db).get("s1") is None  # type: ignore[union-attr]
    drafts.broken = False
    writer.save("s2", "next")
    assert writer.close()
    assert {d: Drafts(db).get(d).text for d in ("s1", "s2")} == {"s1": "precious", "s2": "next"}  # type: ignore[union-attr]


def test_a_failed_write_is_tried_again_on_its_own(db, caplog):
    """The disk was full for a moment and the engineer stopped typing: the draft still reaches the disk,
    without another keystroke and without waiting for the window to close."""
    drafts = GatedDrafts(db)
    drafts.broken = True
    writer = DraftWriter(drafts, retry_after=0.01)
    writer.save("s1", "precious")
    assert drafts.writing.wait(10)
    drafts.broken = False  # the disk has room again
    assert drafts.done.wait(10)  # written by the writer's own retry
    assert writer.flush(10) and Drafts(db).get("s1").text == "precious"  # type: ignore[union-attr]
    assert "not written: StoreError" in caplog.text and "precious" not in caplog.text
    writer.close()


def test_after_close_nothing_more_is_taken(db):
    writer = DraftWriter(Drafts(db))
    writer.save("s1", "kept")
    assert writer.close()
    with pytest.raises(StoreError, match="closing"):
        writer.save("s1", "too late")
    assert Drafts(db).get("s1").text == "kept"  # type: ignore[union-attr]


def test_a_disk_that_never_answers_does_not_hold_close_forever(db, caplog):
    drafts = GatedDrafts(db)
    writer = DraftWriter(drafts)
    drafts.gate.clear()
    writer.save("s1", "stuck")
    assert drafts.writing.wait(10)
    assert not writer.close(timeout=0.05)
    assert "1 draft(s) could not be written" in caplog.text and "stuck" not in caplog.text
    drafts.gate.set()
    # the disk answers at last: the thread writes and ends before the fixture closes the database (a write
    # still going when the connection closed crashed the interpreter in CI)
    assert writer.close(10)
    assert Drafts(db).get("s1").text == "stuck"  # type: ignore[union-attr]


# -- push choices ------------------------------------------------------------------------------------------
def test_push_choices_are_kept_with_a_draft_or_alone(tmp_path):
    from flowdesk.store.drafts import PushChoices

    with Database(tmp_path / "flowdesk.db") as db:
        drafts = Drafts(db)
        chosen = PushChoices(ticket_id=48405, log_time=False, hours="1:30", work_type_id=3, status=(17, "Waiting ✓"))
        drafts.save("s1", None, visibility="discussion", choices=chosen)
        drafts.save("s2", "edited", choices=PushChoices())  # nothing chosen: stored as no choices
        assert drafts.get("s1").text is None and drafts.get("s1").choices == chosen  # type: ignore[union-attr]
        assert drafts.get("s2").choices is None  # type: ignore[union-attr]


@pytest.mark.parametrize("stored", ['{"ticket_id": true, "hours": 5, "status": [1]}', "[1, 2]", "{", '"x"', "{}"])
def test_damaged_push_choices_are_not_chosen(stored):
    from flowdesk.store.drafts import PushChoices

    assert PushChoices.from_json(stored) is None


def test_a_version_7_draft_migrates_with_its_text(tmp_path):
    import sqlite3

    from flowdesk.store.db import MIGRATIONS

    path = tmp_path / "flowdesk.db"
    Database(path, migrations=MIGRATIONS[:7]).close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO drafts (session_id, text, note_format, include_steps, visibility, updated_at) "
                     "VALUES ('s1', 'typed', 'resolution', 1, 'internal', '2026-11-18T13:00:00.000000Z')")  # fmt: skip
    conn.close()
    with Database(path) as db:
        d = Drafts(db).get("s1")
        assert d is not None and (d.text, d.note_format, d.include_steps, d.choices) == ("typed", "resolution", True, None)


# -- a disk that refuses drafts: the window is told once, and once more when they are written again ----------
class FullDisk(Drafts):
    """Drafts on a disk with no room while ``full``: SQLite's own SQLITE_FULL (the file may not grow)."""

    full = True

    def save(self, session_id, text, **kw):
        conn = self._db.connect()  # the writer thread's own connection
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages if self.full else 1_000_000_000}")
        super().save(session_id, text, **kw)


def test_the_window_is_told_once_when_drafts_cannot_be_written_and_once_when_they_can(db):
    drafts = FullDisk(db)
    writer = DraftWriter(drafts, retry_after=60)
    told: list[str] = []
    writer.on_trouble = told.append
    writer.save("s1", "precious " * 20_000)
    assert not writer.flush(10)
    writer.save("s2", "more " * 20_000)
    assert not writer.flush(10)  # failing still: said once, not once per write
    assert len(told) == 1 and told[0].startswith("Your note edits cannot be saved: the disk is full.")
    assert "precious" not in told[0] and "\n" not in told[0]
    assert writer.get("s1").text.startswith("precious")  # type: ignore[union-attr]  # kept meanwhile
    drafts.full = False  # space freed
    writer.save("s3", "small")
    assert writer.close()
    assert told == [told[0], ""]
    assert {s for s in ("s1", "s2", "s3") if Drafts(db).get(s) is not None} == {"s1", "s2", "s3"}


def _sqlite_error(code: int, message: str) -> sqlite3.Error:
    error = sqlite3.OperationalError(message)
    error.sqlite_errorcode = code
    return error


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), "the disk is full"),
        (OSError(errno.EROFS, "Read-only file system"), "read-only"),
        (_sqlite_error(8, "attempt to write a readonly database"), "read-only"),
        (_sqlite_error(5, "database is locked"), "cannot be written just now"),
    ],
)
def test_not_saved_names_the_trouble(error, words):
    try:
        raise StoreError("FlowDesk's database failed") from error
    except StoreError as exc:
        line = not_saved(exc)
    assert words in line and "FlowDesk keeps them while it runs" in line
