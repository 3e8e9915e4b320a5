"""The window's path to its first paint (bench "startup"): what it must not load, and what still happens
right after it.

The settings' models (pydantic), the session models, the network stack, the keyring and the redaction
tables are all needed soon after the window is up, never before its first paint: each one costs a good
part of a bare Qt window's start-up. A child process runs ``python -m flowdesk`` as the engineer does
and lists the modules it loaded (not the interpreter's own start-up) when the session list's first
paint is over.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from flowdesk.core import setting_choices, settings
from flowdesk.core.setting_choices import peek_flag
from flowdesk.core.timing import TimeRounding
from flowdesk.paths import AppPaths
from flowdesk.resolutionflow.importer import import_paths
from flowdesk.services import Services
from tests.conftest import SAMPLES

REPO = Path(__file__).resolve().parents[2]
MODULES_MARK = "first-paint-modules "
# What the first paint must not wait for (each is imported just after it, or later)
NOT_BEFORE_FIRST_PAINT = (
    "pydantic",  # the settings' and the sessions' models
    "flowdesk.core.settings",
    "flowdesk.core.models",
    "httpx",  # the network stack: the first drain and the session refresh
    "ssl",
    "truststore",
    "keyring",  # the keys: read on the push worker's thread
    "flowdesk.redact",  # the redaction tables: a note is rendered when a session is selected
    "flowdesk.ui.settings_dialog",  # dialogs: built when opened
    "flowdesk.ui.first_run",
    "flowdesk.ui.shortcuts",  # the F1 dialog (2.5 ms of import: its Qt classes)
    "importlib.metadata",
    "PySide6.QtNetwork",  # the single-instance server and the network status: they start just after
    "PySide6.QtDBus",  # logind's sleep signal
    "logging.handlers",  # socket, pickle: the log rotates from just after the first paint (flowdesk/log_rotation.py)
    "socket",
    "locale",  # argparse's words (gettext): no parser is built for a start without arguments (flowdesk.cli)
    "hashlib",
    "dataclasses",  # ~1 ms to create each: the records on the path are named tuples or plain classes  # OpenSSL's libcrypto: the single-instance server's name, made when it listens (after the paint)
    "ctypes",  # Windows' power messages and macOS's App Nap: read when they come (flowdesk/ui/desktop_os.py)
    "difflib",  # the note's changes: shown when asked for
    "flowdesk.ui.diff_dialog",
    "flowdesk.ui.queue_view",  # the Queue tab's page: built when that tab is first shown
    "flowdesk.core.companies",  # a shown ticket's company against the session's client
    "flowdesk.ui.session_panel",  # the note pane: "No session selected" in the first paint, the pane just after
    "flowdesk.ui.editor",
    "flowdesk.ui.ticket_card",
)

CHILD = f"""
import json, sys
# what the interpreter loaded before FlowDesk (site, and under Wine .ci/wine/sitecustomize.py's ctypes)
_before = set(sys.modules)
import flowdesk.ui.firstpaint as fp

_hook = fp.exit_after_first_paint

def hook(first_paint, env=None):
    # connected before the benchmark's hook, which quits: the modules loaded when the paint is over
    first_paint.painted.connect(lambda: print({MODULES_MARK!r} + json.dumps(sorted(set(sys.modules) - _before)), flush=True))
    return _hook(first_paint, env)

fp.exit_after_first_paint = hook
from flowdesk.cli import main
sys.exit(main([]))
"""


def _home_with_sessions_and_a_bad_setting(home: Path) -> AppPaths:
    paths = AppPaths.from_env({"FLOWDESK_HOME": str(home)}).ensure()
    services = Services.open(paths)
    assert all(f.ok for f in import_paths([SAMPLES], services.cache).files)
    services.close()
    # a value validation refuses: reported (and replaced by its default) just after the first paint
    paths.settings_file.write_text(json.dumps({"schema_version": 3, "time_rounding": "fortnightly"}), encoding="utf-8")
    return paths


def test_the_first_paint_loads_no_models_network_keyring_or_redaction(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _home_with_sessions_and_a_bad_setting(home)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE",)}
    env.update(
        FLOWDESK_HOME=str(home),
        FLOWDESK_EXIT_AFTER_FIRST_PAINT="1",
        QT_QPA_PLATFORM="offscreen",
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",  # never the engineer's keyring
        PYTHONPATH=os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p),
    )
    p = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=120, cwd=REPO)
    lines = [line for line in p.stdout.splitlines() if line.startswith(MODULES_MARK)]
    assert lines, f"no first paint (exit {p.returncode}):\n{p.stdout[-2000:]}\n{p.stderr[-3000:]}"
    loaded = set(json.loads(lines[0][len(MODULES_MARK):]))
    assert "flowdesk.ui.main_window" in loaded  # the real window was painted
    early = sorted(m for m in NOT_BEFORE_FIRST_PAINT if m in loaded or any(x.startswith(m + ".") for x in loaded))
    assert early == [], f"imported before the window's first paint: {early}"
    assert p.returncode == 0, p.stderr[-3000:]


def test_the_settings_problem_is_shown_right_after_the_first_paint(qapp: Any, qtbot: Any, tmp_path: Path) -> None:
    from flowdesk.ui.app import FlowDeskApp

    paths = _home_with_sessions_and_a_bad_setting(tmp_path / "home")
    fd = FlowDeskApp(paths, has_tray=False)
    qtbot.addWidget(fd.window)
    gc.disable()  # as flowdesk.__main__ leaves it for the start-up
    try:
        assert fd.window.session_model.rowCount() > 0  # the list is filled before the paint
        with qtbot.waitSignal(fd.controller.banner_shown, timeout=15000, check_params_cb=lambda b: b.key == "settings") as shown:
            fd.start()
        assert fd.first_paint.done  # after the paint, not before
        assert gc.isenabled()  # the garbage collector runs again from then on
        assert shown.args[0].text.startswith("settings: time_rounding:") and "using the default instead" in shown.args[0].text
        assert fd.services.settings.time_rounding == TimeRounding.QUARTER_HOUR  # the default, once validated
    finally:
        gc.enable()
        fd.shutdown()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, False),  # no file
        ('{"start_minimized": true}', True),
        ('{"start_minimized": "yes"}', True),  # as validation reads it
        ('{"start_minimized": 0}', False),
        ('{"start_minimized": "sometimes"}', False),  # refused by validation: the default
        ('{"start_minimized": tru', False),  # unreadable: the default (validation keeps the file aside)
        ("[1, 2]", False),
    ],
)
def test_a_flag_read_before_validation_means_what_validation_makes_of_it(tmp_path: Path, text: str | None, expected: bool) -> None:
    path = tmp_path / "settings.json"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    assert peek_flag(path, "start_minimized") is expected
    if text is not None and expected:
        assert settings.load_settings(path).settings.start_minimized is True


def test_the_peek_reads_no_more_than_the_settings_file_may_hold() -> None:
    assert setting_choices.PEEK_MAX_BYTES == settings.MAX_SETTINGS_BYTES
