"""``python -m flowdesk.redact --doc``: print docs/redaction.md as the rules give it;
``--readme-table``: print the README's redaction table."""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    from flowdesk.commands.console import write_exact  # UTF-8 and "\n" whatever the code page
    from flowdesk.redact import doc

    if argv == ["--doc"]:
        write_exact(doc.page())
        return 0
    if argv == ["--readme-table"]:
        write_exact(doc.category_table() + "\n")
        return 0
    sys.stderr.write("usage: python -m flowdesk.redact --doc | --readme-table\n")
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
