"""Opening the window does not import the command modules (and with them the redaction tables and the
push code) before its first paint; a command, or --help, still gets the full command line."""

from __future__ import annotations

import subprocess
import sys

from flowdesk.cli import build_parser, no_arguments, opens_the_window


def test_which_command_lines_open_the_window():
    assert opens_the_window([]) and opens_the_window(["--demo"]) and opens_the_window(["-v", "--self-check"])
    assert not opens_the_window(["--help"]) and not opens_the_window(["-h"])
    assert not opens_the_window(["queue"]) and not opens_the_window(["-v", "render", "x.json"])


def test_the_window_parser_takes_the_window_options_and_no_command():
    args = build_parser(commands=False).parse_args(["--demo", "-v"])
    assert args.demo is True and args.verbose is True and getattr(args, "func", None) is None


def test_no_arguments_are_what_the_parser_makes_of_none():
    # main() skips the parser when there is nothing to parse: the two must not drift apart
    assert no_arguments() == build_parser(commands=False).parse_args([]) == build_parser().parse_args([])


def test_the_window_parser_imports_no_command_module():
    code = (
        "import sys; from flowdesk.cli import build_parser; build_parser(commands=False); "
        "print(sorted(m for m in sys.modules if m.startswith(('flowdesk.commands.', 'flowdesk.redact'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['flowdesk.commands.base', 'flowdesk.commands.console']"


def test_a_command_still_finds_its_module():
    args = build_parser(commands=not opens_the_window(["queue", "list"])).parse_args(["queue", "list"])
    assert args.func is not None
