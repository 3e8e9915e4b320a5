"""Starting the window. Kept out of ``flowdesk/ui`` so the no-display check runs before Qt loads."""

from __future__ import annotations

import sys

from flowdesk.commands.base import EXIT_FAILURE, Context


def run_gui(ctx: Context, *, demo: bool = False) -> int:
    print("flowdesk: the window is not built yet; try `flowdesk render FILE`", file=sys.stderr)
    return EXIT_FAILURE
