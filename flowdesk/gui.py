"""Starting the window. Kept out of ``flowdesk/ui`` so the no-display check runs before Qt loads:
without a display Qt aborts the whole process with a misleading message about xcb-cursor."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from flowdesk.commands.base import EXIT_FAILURE, Context


def display_problem(env: Mapping[str, str] | None = None, platform: str | None = None) -> str | None:
    """Why no window can open here, in one line, or None when one can."""
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    if platform.startswith(("win", "darwin")):
        return None
    if env.get("QT_QPA_PLATFORM"):
        return None  # the user (or a test) chose a platform plugin, e.g. offscreen
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return None
    return (
        "no display: FlowDesk's window needs a desktop session (DISPLAY or WAYLAND_DISPLAY is not set). "
        "The command line works without one: try `flowdesk --help`."
    )


def run_gui(ctx: Context, *, demo: bool = False, tray: bool = False) -> int:
    problem = display_problem()
    if problem:
        print(f"flowdesk: {problem}", file=sys.stderr)
        return EXIT_FAILURE
    # The services and the store (Qt-free) before Qt: once PySide6 is loaded, every import statement goes
    # through its __import__, which checks each module it returns for PySide6's __feature__ switch (reading
    # its source; flowdesk/ui/__init__.py makes that read cheaper); the import statements these modules run
    # among themselves are spared it.
    import flowdesk.services  # noqa: F401

    # lazy: Qt must not load before the display check (without one it aborts the process)
    from flowdesk.ui.app import run

    return run(ctx, demo=demo, tray=tray)
