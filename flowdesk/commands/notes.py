"""``flowdesk render`` and ``flowdesk redact``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from flowdesk.commands.base import EXIT_OK, CommandError, Context, bad_input, write_exact
from flowdesk.core import userfile
from flowdesk.core.models import SessionFormatError, load_session_file
from flowdesk.core.render import render_note

MAX_STDIN_BYTES = 64 * 1024 * 1024


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "render",
        parents=[common],
        help="print a session's ConnectWise note",
        description="Render a FlowPilot session (a JSON file) as the ConnectWise note FlowDesk would post, "
        "redacted with the categories enabled in the settings.",
    )
    p.add_argument("file", type=Path, help="one session as JSON (as ResolutionFlow's API or export gives it)")
    p.add_argument("--format", choices=["resolution", "escalation"], help="default: resolution for resolved sessions, else escalation")
    p.add_argument("--no-redact", action="store_true", help="print the note before redaction")
    p.add_argument("--no-steps", action="store_true", help="leave out the diagnosis path / work completed")
    p.set_defaults(func=cmd_render)

    r = sub.add_parser(
        "redact",
        parents=[common],
        help="redact stdin to stdout (counts as JSON on stderr)",
        description="Read text on stdin, write it redacted to stdout, and the counts per category as one JSON "
        "object on stderr.",
    )
    r.add_argument(
        "--only",
        metavar="CATEGORY",
        action="append",
        help="redact only this category (repeatable); default: the categories the settings apply to a note of "
        "the default visibility (host names and IP ranges on the allow-list stay)",
    )
    r.set_defaults(func=cmd_redact)


def cmd_render(args: argparse.Namespace, ctx: Context) -> int:
    # lazy: redact compiles its rules when first used; cli imports every command module, the window too
    from flowdesk.redact import RedactionError, redact

    try:
        session = load_session_file(args.file)
    except SessionFormatError as exc:
        bad_input(str(exc))
    settings = ctx.settings
    include_steps = settings.include_diagnostic_steps and not args.no_steps
    note = render_note(session, args.format, include_steps=include_steps)
    if not args.no_redact:
        try:
            note = redact(note, settings.enabled_redactions, allow=settings.redaction_allow).text
        except RedactionError as exc:
            raise CommandError(f"redaction failed ({exc}); nothing was printed") from None
    write_exact(note + "\n")
    return EXIT_OK


def cmd_redact(args: argparse.Namespace, ctx: Context) -> int:
    # lazy: redact compiles its rules when first used; cli imports every command module, the window too
    from flowdesk.redact import RedactionError, redact

    stream = sys.stdin
    if stream is None or stream.closed:
        bad_input("no stdin to read the text from")
    buffer = getattr(stream, "buffer", None)
    data = buffer.read(MAX_STDIN_BYTES + 1) if buffer is not None else str(stream.read()).encode("utf-8", "surrogatepass")
    if len(data) > MAX_STDIN_BYTES:  # `< /dev/zero` or a runaway pipe: refused, not read until memory runs out
        bad_input(f"stdin: more than {MAX_STDIN_BYTES // (1024 * 1024)} MB; the limit is {MAX_STDIN_BYTES // (1024 * 1024)} MB")
    try:
        # UTF-8 with or without a byte-order mark (Windows PowerShell 5.1 pipes one), or UTF-16 with one
        text = userfile.decode_text(data, "stdin")
    except userfile.UserFileError as exc:
        bad_input(str(exc))
    categories = args.only if args.only else ctx.settings.enabled_redactions
    try:
        result = redact(text, categories, allow=ctx.settings.redaction_allow)
    except ValueError as exc:
        bad_input(str(exc))
    except RedactionError as exc:
        raise CommandError(f"redaction failed ({exc}); nothing was printed") from None
    write_exact(result.text)
    sys.stderr.write(json.dumps(result.counts) + "\n")
    return EXIT_OK
