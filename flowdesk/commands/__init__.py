"""Subcommands of the ``flowdesk`` command line, one module per area.

Each module has ``register(subparsers, common)`` which adds its subcommands and sets ``func`` on them.
Modules import their heavy dependencies inside the command functions, so that ``flowdesk`` (the window)
does not pay for them at start-up.
"""

COMMAND_MODULES = (
    "flowdesk.commands.notes",
    "flowdesk.commands.connect",
    "flowdesk.commands.sandbox",
    "flowdesk.commands.sessions",
    "flowdesk.commands.queue",
    "flowdesk.commands.tickets",
)
