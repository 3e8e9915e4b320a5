"""``flowdesk --self-check`` from the source tree: one JSON object, exit 0, or exit 1 naming what is broken.

In-process runs share pytest-qt's application (offscreen, ``tests/conftest.py``); the no-display case runs
as a subprocess, because it is about Qt not aborting the process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import keyring
import pytest

import flowdesk
from flowdesk import resources
from flowdesk.cli import main
from flowdesk.credentials import NO_KEYRING
from flowdesk.selfcheck import platform_problem
from tests.conftest import REPO, WINDOWS
from tests.plugins.keyring import MemoryKeyring

pytestmark = pytest.mark.usefixtures("qapp")


class RecommendedKeyring(MemoryKeyring):
    """In memory, but with the priority of a real OS keyring (keyring's threshold for "recommended" is 1)."""

    priority = 5  # type: ignore[assignment]


@pytest.fixture
def good_keyring() -> RecommendedKeyring:
    backend = RecommendedKeyring()
    keyring.set_keyring(backend)  # the autouse memory_keyring fixture restores the previous backend
    return backend


def self_check(capsys: pytest.CaptureFixture[str]) -> tuple[int, dict]:
    code = main(["--self-check"])
    out = capsys.readouterr().out
    assert out.count("\n") == 1, "one JSON object on one line"
    return code, json.loads(out)


def test_a_healthy_source_tree_passes(good_keyring, capsys, flowdesk_home: Path):
    code, report = self_check(capsys)
    assert (code, report["problems"], report["ok"]) == (0, [], True)
    assert report["version"] == flowdesk.__version__
    assert report["app_id"] == flowdesk.APP_ID
    assert report["python"] == ".".join(map(str, sys.version_info[:3]))
    assert report["frozen"] is False and "bundle" not in report
    assert report["qt"]["platform"] == "offscreen"
    assert report["qt"]["version"].startswith("6.")
    assert isinstance(report["qt"]["tray_available"], bool)
    assert report["qt"]["text"]["ok"] is True  # Qt's collation, case mapping and zone names (ICU on Linux)
    assert report["keyring"] == {
        "backend": f"{RecommendedKeyring.__module__}.RecommendedKeyring",
        "real": True,
        "priority": 5.0,
    }
    assert report["paths"] == {
        "config": str(flowdesk_home / "config"),
        "data": str(flowdesk_home / "data"),
        "cache": str(flowdesk_home / "cache"),
        "logs": str(flowdesk_home / "logs"),
    }
    res = report["resources"]
    assert res["ok"] and res["dir"] == str(REPO / "resources")
    assert res["icon"]["renders"] and res["icon"]["size"] == [64, 64]
    assert res["samples"]["ok"] and res["samples"]["parsed"] == "01-outlook-credential-loop.json"
    assert res["samples"]["count"] == len(list((REPO / "resources" / "samples").glob("*.json")))
    assert res["sandbox_tickets"]["ok"] and res["sandbox_tickets"]["count"] > 0
    assert report["sqlite"]["ok"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux: only Linux's Qt takes these from ICU")
def test_a_text_check_qt_fails_is_a_problem_naming_it(good_keyring, capsys, monkeypatch):
    """What a bundle whose ICU data lacks the collation tables would report (Qt falls back to code points)."""
    from flowdesk.ui import selfcheck_qt

    checks = [c if c[0] != "collation" else ("collation", c[1], ["Banana", "apple", "zebra", "éclair"]) for c in selfcheck_qt.TEXT_CHECKS]
    monkeypatch.setattr(selfcheck_qt, "TEXT_CHECKS", tuple(checks))
    code, report = self_check(capsys)
    assert (code, report["ok"], report["qt"]["text"]["ok"]) == (1, False, False)
    assert report["problems"] == [
        "qt text: collation gave ['apple', 'Banana', 'éclair', 'zebra'] (Qt's ICU data is missing what it needs)"
    ]


def test_an_empty_resources_folder_is_exit_1_naming_each_missing_resource(good_keyring, capsys, monkeypatch, tmp_path):
    empty = tmp_path / "resources"
    empty.mkdir()
    monkeypatch.setattr(resources, "resources_dir", lambda: empty)
    code, report = self_check(capsys)
    assert code == 1 and report["ok"] is False
    assert report["resources"]["ok"] is False
    assert report["resources"]["icon"]["renders"] is False
    problems = report["problems"]
    assert problems == [
        f"icon: the app icon is missing ({empty / 'icons' / 'flowdesk.svg'})",
        f"samples: the sample sessions folder is missing ({empty / 'samples'})",
        f"sandbox tickets: the file is missing ({empty / 'sandbox' / 'tickets.json'})",
    ]


def test_broken_resource_files_are_named(good_keyring, capsys, monkeypatch, tmp_path):
    broken = tmp_path / "resources"
    shutil.copytree(REPO / "resources", broken)
    (broken / "icons" / "flowdesk.svg").write_text("<svg this is not", encoding="utf-8")
    (broken / "samples" / "01-outlook-credential-loop.json").write_text('{"id": ', encoding="utf-8")
    (broken / "sandbox" / "tickets.json").write_text('[{"summary": "no id"}]', encoding="utf-8")
    monkeypatch.setattr(resources, "resources_dir", lambda: broken)
    code, report = self_check(capsys)
    assert code == 1
    problems = report["problems"]
    assert len(problems) == 3, problems
    assert problems[0].startswith("icon: flowdesk.svg does not render")
    assert problems[1].startswith("samples: 01-outlook-credential-loop.json does not parse")
    assert problems[2].startswith("sandbox tickets: tickets.json does not parse (KeyError")


def test_no_samples_at_all_is_a_problem(good_keyring, capsys, monkeypatch, tmp_path):
    root = tmp_path / "resources"
    shutil.copytree(REPO / "resources", root, ignore=shutil.ignore_patterns("*.json"))
    shutil.copy(REPO / "resources" / "sandbox" / "tickets.json", root / "sandbox" / "tickets.json")
    monkeypatch.setattr(resources, "resources_dir", lambda: root)
    code, report = self_check(capsys)
    assert code == 1
    assert report["problems"] == [f"samples: no sample session (*.json) in {root / 'samples'}"]


def test_the_fail_keyring_is_not_a_real_one(capsys):
    from keyring.backends.fail import Keyring as FailKeyring

    keyring.set_keyring(FailKeyring())
    code, report = self_check(capsys)
    assert code == 1
    assert report["keyring"] == {"backend": "keyring.backends.fail.Keyring", "real": False, "priority": 0.0}
    assert report["problems"] == [f"keyring: keyring.backends.fail.Keyring is not a real keyring. {NO_KEYRING}"]
    assert report["resources"]["ok"] is True


def test_the_in_memory_test_keyring_is_not_a_real_one(capsys):
    code, report = self_check(capsys)  # the autouse MemoryKeyring: priority -10
    assert code == 1 and report["keyring"]["real"] is False


def test_platform_problems_that_would_make_qt_abort():
    assert platform_problem({}, "linux").startswith("no display:")
    assert platform_problem({"QT_QPA_PLATFORM": "xcb"}, "linux") == "no display: QT_QPA_PLATFORM=xcb but DISPLAY is not set"
    assert platform_problem({"QT_QPA_PLATFORM": "wayland-egl"}, "linux") == (
        "no display: QT_QPA_PLATFORM=wayland-egl but WAYLAND_DISPLAY is not set"
    )
    assert platform_problem({"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":1"}, "linux") is None
    assert platform_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert platform_problem({"WAYLAND_DISPLAY": "wayland-0"}, "linux") is None
    assert platform_problem({}, "win32") is None


def _run_unfrozen(env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], dict]:
    done = subprocess.run(
        [sys.executable, "-m", "flowdesk", "--self-check"], env=env, cwd=REPO, capture_output=True, text=True, timeout=120
    )
    return done, json.loads(done.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux: DISPLAY/WAYLAND_DISPLAY are how Linux finds a display")
def test_without_a_display_it_reports_instead_of_aborting(flowdesk_home: Path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    done, report = _run_unfrozen(env)
    assert done.returncode == 1, done.stderr
    assert report["qt"]["platform"] is None and report["qt"]["tray_available"] is None
    assert report["qt"]["checked_with"] == "offscreen"
    assert report["problems"][0].startswith("no display: FlowDesk's window needs a desktop session")
    assert report["resources"]["ok"] is True  # the icon was still rendered, offscreen


@pytest.mark.real_keyring
def test_unfrozen_with_the_real_secret_service_exits_0(secret_service, real_keyring, flowdesk_home: Path):
    env = dict(secret_service.env, FLOWDESK_HOME=str(flowdesk_home), QT_QPA_PLATFORM="offscreen")
    done, report = _run_unfrozen(env)
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert report["keyring"]["backend"] == (
        "keyring.backends.Windows.WinVaultKeyring" if WINDOWS else "keyring.backends.SecretService.Keyring"
    )
    assert report["keyring"]["real"] is True
    assert report["problems"] == []


def test_a_damaged_database_is_a_problem_naming_the_file_and_the_fix(good_keyring, capsys, flowdesk_home: Path):
    """It said "sqlite": ok while the window stopped at the first damaged page (only an in-memory database was
    tried). The file is read, never changed."""
    from flowdesk.paths import AppPaths
    from flowdesk.resolutionflow.importer import import_paths
    from flowdesk.store import Database, SessionCache
    from tests.badinput.test_environment import damage_page_of
    from tests.conftest import SAMPLES

    path = AppPaths.from_env().ensure().database_file
    assert self_check(capsys)[1]["database"] == {"file": str(path), "exists": False, "ok": True}
    with Database(path) as db:
        import_paths([SAMPLES], SessionCache(db))
    assert self_check(capsys)[1]["database"]["ok"] is True
    damage_page_of(path, "sessions_status_newest")
    before = path.read_bytes()
    code, report = self_check(capsys)
    assert (code, report["database"]["ok"]) == (1, False)
    [problem] = report["problems"]
    assert problem.startswith(f"database: FlowDesk's database {path} is damaged or is not a database (")
    assert "\n" not in problem and "move the file aside" in problem
    assert path.read_bytes() == before
