import gc
import sys

# The start-up makes some 50,000 long-lived objects (modules, classes, Qt's enums) before the window's first
# paint, and the cyclic garbage collector would walk them dozens of times meanwhile (about 5% of the
# start-up's CPU): it is paused until the window is painted (flowdesk.ui.app), for everything else until
# the command line is read (flowdesk.cli).
gc.disable()

from flowdesk.cli import main  # noqa: E402

sys.exit(main())
