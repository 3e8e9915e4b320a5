"""Import from the window: the result is told in the import banner, the summary line the CLI prints and
then each file that could not be imported (found in review: the result callback read fields the importer's
report does not have, so every import ended in an AttributeError and no message)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ui.test_window import make_app  # noqa: F401 - a fixture

pytestmark = pytest.mark.usefixtures("qapp")


@pytest.fixture
def controller(qtbot: Any) -> Iterator[Any]:
    from flowdesk.paths import AppPaths
    from flowdesk.services import Services
    from flowdesk.ui.controller import AppController

    services = Services.open(AppPaths.from_env())
    ctrl = AppController(services)
    try:
        yield ctrl
    finally:
        ctrl.shutdown()
        services.close()


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    good = tmp_path / "good.json"
    good.write_text(json.dumps([{"id": "s-1", "status": "resolved"}, {"id": "s-2", "status": "escalated"}]))
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    return {"good": str(good), "bad": str(bad)}


def _import(controller: Any, qtbot: Any, paths: list[str]) -> Any:
    with qtbot.waitSignal(controller.banner_shown, timeout=10000) as shown:
        controller.import_files(paths)
    return shown.args[0]


def test_an_all_good_import_says_what_came_in(controller, qtbot, files):
    banner = _import(controller, qtbot, [files["good"]])
    assert (banner.key, banner.level) == ("import", "info")
    assert banner.text == "Imported 2 sessions from 1 file (2 new, 0 updated)."
    assert controller.services.cache.get("s-1") is not None


def test_an_all_bad_import_is_an_error_naming_the_file_and_its_problem(controller, qtbot, files):
    banner = _import(controller, qtbot, [files["bad"]])
    assert (banner.key, banner.level) == ("import", "error")
    summary, problem = banner.text.split("\n")
    assert summary == "Nothing was imported: the file could not be read as a session export."
    assert problem.startswith(f"{files['bad']}: not valid JSON: ")


def test_a_mixed_import_says_what_came_in_and_which_file_did_not(controller, qtbot, files):
    banner = _import(controller, qtbot, [files["good"], files["bad"]])
    assert (banner.key, banner.level) == ("import", "warning")
    summary, problem = banner.text.split("\n")
    assert summary == "Imported 2 sessions from 1 file (2 new, 0 updated); 1 file could not be imported."
    assert problem.startswith(f"{files['bad']}: not valid JSON: ")
    assert controller.services.cache.get("s-2") is not None


def test_past_five_bad_files_the_rest_are_counted(controller, qtbot, files, tmp_path):
    paths = []
    for i in range(7):
        (tmp_path / f"bad{i}.json").write_text("[")
        paths.append(str(tmp_path / f"bad{i}.json"))
    lines = _import(controller, qtbot, paths).text.split("\n")
    assert len(lines) == 7 and lines[-1] == "(and 2 more files)"
    assert lines[0] == "Nothing was imported: none of the 7 files could be read as a session export."
    assert lines[1] == f"{paths[0]}: not valid JSON: the file ends before its JSON does (line 1, column 2); the file may have been cut short: export or copy it again"


def test_the_import_dialog_opens_where_the_last_import_came_from(make_app, qtbot, tmp_path, monkeypatch):  # noqa: F811
    """Not the folder FlowDesk was started in: the Downloads folder the first time (where a browser saves an
    export), then the folder of the last import, kept across starts; a folder that is gone falls back."""
    from PySide6.QtCore import QStandardPaths
    from PySide6.QtWidgets import QFileDialog

    exports = tmp_path / "exports"
    exports.mkdir()
    export = exports / "sessions.json"
    export.write_text("[]")
    asked: list[str] = []
    chosen = [[str(export)], [], [str(export)]]

    def dialog(parent: Any, title: str, folder: str, filters: str) -> tuple[list[str], str]:
        asked.append(folder)
        return chosen.pop(0), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(dialog))
    downloads = str(tmp_path / "Downloads")  # the engineer's, as Qt names it
    Path(downloads).mkdir()
    monkeypatch.setattr(QStandardPaths, "writableLocation", staticmethod(lambda kind: downloads))
    fd = make_app()
    w = fd.window
    with qtbot.waitSignal(w.import_requested) as requested:
        w.choose_import()
    assert requested.args == [[str(export)]]
    w.choose_import()  # cancelled: nothing imported, the folder kept
    fd.shutdown()
    again = make_app()
    again.window.choose_import()
    assert asked == [downloads, str(exports), str(exports)]
    # the import it started reads the file on a worker: on Windows an open file is only deleted once closed, and
    # the folder is "not empty" until then (WinError 145 under Wine)
    qtbot.waitUntil(lambda: again.controller.tasks.active == 0, timeout=15000)
    export.unlink()
    exports.rmdir()
    chosen.append([])
    again.window.choose_import()
    assert asked[-1] == downloads


def _drag(window: Any, kind: Any, urls: list[Any]) -> Any:
    from PySide6.QtCore import QMimeData, QPoint, Qt
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    mime = QMimeData()
    mime.setUrls(urls)
    where = QPoint(window.width() // 4, window.height() // 2)  # over the session list
    args = (where, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    event = QDragEnterEvent(*args) if kind == "enter" else QDropEvent(where.toPointF(), *args[1:])
    event.setAccepted(False)
    QApplication.sendEvent(window, event)
    return event


def test_session_exports_dropped_on_the_window_are_imported(make_app, qtbot, files):  # noqa: F811
    """Dragging an export from Explorer, Finder or the Downloads folder onto the window imports it, as the
    import dialog would; a web link or text dropped there is not taken."""
    from PySide6.QtCore import QUrl

    fd = make_app()
    w = fd.window
    local = [QUrl.fromLocalFile(files["good"]), QUrl.fromLocalFile(files["bad"])]
    assert _drag(w, "enter", local).isAccepted()
    # the import itself, as the dialog's: its banner names what came in and the file that did not
    with qtbot.waitSignal(fd.controller.banner_shown, timeout=10000) as shown, qtbot.waitSignal(w.import_requested) as requested:
        assert _drag(w, "drop", local).isAccepted()
    assert requested.args == [[files["good"], files["bad"]]]
    assert "Imported 2 sessions" in shown.args[0].text and "bad.json" in shown.args[0].text
    web = [QUrl("https://example.com/sessions.json")]
    assert not _drag(w, "enter", web).isAccepted()
    assert not _drag(w, "enter", [*local, *web]).isAccepted()
    assert "drop the files here" in w.empty_text


def test_without_a_downloads_folder_the_import_dialog_opens_in_the_home_folder(make_app, tmp_path, monkeypatch):  # noqa: F811
    """A Downloads folder that is not there (a new profile, a server's account): Qt's dialog opened in the
    working folder with "Downloads" typed into File name. The home folder is offered instead."""
    from PySide6.QtCore import QDir, QStandardPaths
    from PySide6.QtWidgets import QFileDialog

    asked: list[str] = []
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(lambda p, t, folder, f: (asked.append(folder), ([], ""))[1]))
    monkeypatch.setattr(QStandardPaths, "writableLocation", staticmethod(lambda kind: str(tmp_path / "Downloads")))
    make_app().window.choose_import()
    assert asked == [QDir.homePath()] and Path(asked[0]).is_dir()


def test_a_last_import_folder_that_cannot_be_looked_at_still_opens_the_dialog(make_app, tmp_path, monkeypatch):  # noqa: F811
    """The last import's folder (window-state.ini) now behind a folder you may not open (EACCES; simulated, the
    suite runs as root): Ctrl+O raised in Path.is_dir and no dialog opened. The Downloads folder is offered."""
    import os

    from PySide6.QtCore import QStandardPaths
    from PySide6.QtWidgets import QFileDialog

    from flowdesk.ui.layout import IMPORT_FOLDER_KEY

    last = str(tmp_path / "theirs" / "exports")
    real = os.stat

    def stat(p: Any, *a: Any, **k: Any) -> Any:
        if str(p) == last:
            raise PermissionError(13, "Permission denied", str(p))
        return real(p, *a, **k)

    monkeypatch.setattr(os, "stat", stat)
    asked: list[str] = []
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(lambda p, t, folder, f: (asked.append(folder), ([], ""))[1]))
    monkeypatch.setattr(QStandardPaths, "writableLocation", staticmethod(lambda kind: str(tmp_path)))
    window = make_app().window
    window._ui_state().setValue(IMPORT_FOLDER_KEY, last)
    window.choose_import()
    assert asked == [str(tmp_path)]
