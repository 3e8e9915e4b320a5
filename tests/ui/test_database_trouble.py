"""A database found damaged after it opened (a read meets a bad page) stopped the start-up's work in the slot
that met it: the traceback went to the log, "Unexpected error (DatabaseError)" to a terminal nobody sees, and
the window looked fine. Now a banner says which file is damaged and what to do; the window keeps running."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QTimer

from flowdesk.paths import AppPaths
from flowdesk.resolutionflow.importer import import_paths
from flowdesk.store import Database, SessionCache
from tests.badinput.test_environment import damage_page_of
from tests.conftest import SAMPLES

pytestmark = [pytest.mark.usefixtures("qapp"), pytest.mark.qt_no_exception_capture]


@pytest.fixture
def damaged_app(qtbot: Any) -> Iterator[Any]:
    from flowdesk.ui.app import FlowDeskApp

    paths = AppPaths.from_env().ensure()
    with Database(paths.database_file) as db:
        import_paths([SAMPLES], SessionCache(db))
    damage_page_of(paths.database_file, "sessions_status_newest")
    fd = FlowDeskApp(paths, has_tray=False)
    qtbot.addWidget(fd.window)
    yield fd
    fd.shutdown()


def test_a_damaged_page_met_in_a_slot_is_a_banner_naming_the_file_and_the_fix(damaged_app, qtbot):
    fd = damaged_app
    shown: list[Any] = []
    fd.controller.banner_shown.connect(shown.append)
    QTimer.singleShot(0, lambda: fd.services.cache.rows(status="escalated"))  # the index it reads is damaged
    qtbot.waitUntil(lambda: bool(shown), timeout=5000)
    banner = shown[0]
    assert (banner.key, banner.level) == ("database", "error")
    assert banner.text.startswith(f"FlowDesk's database {fd.paths.database_file} is damaged or is not a database")
    assert "move the file aside (for example rename it to flowdesk.sqlite3.broken)" in banner.text
    assert fd.window.isEnabled()
