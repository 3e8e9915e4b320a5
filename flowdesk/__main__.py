import sys

from flowdesk.cli import main

sys.exit(main())
