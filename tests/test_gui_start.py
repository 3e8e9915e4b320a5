"""``flowdesk`` with no display says so in one line and exits 1 instead of letting Qt abort."""

from __future__ import annotations

import os
import subprocess
import sys

from flowdesk.gui import display_problem
from tests.conftest import linux_only


def test_display_problem_rules():
    assert display_problem({}, "linux")
    assert display_problem({"DISPLAY": ":0"}, "linux") is None
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}, "linux") is None
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert display_problem({}, "win32") is None and display_problem({}, "darwin") is None


@linux_only("a missing display is an X11/Wayland state; Windows always has a desktop")
def test_no_display_exits_1_with_one_line():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    p = subprocess.run([sys.executable, "-m", "flowdesk"], env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 1
    assert p.stdout == ""
    assert p.stderr.count("\n") == 1 and "no display" in p.stderr
