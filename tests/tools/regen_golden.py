"""Regenerate the golden note files in ``tests/golden/`` from ``resources/samples/*.json``.

The goldens are produced by the SEED ORACLE (``tests/seed_oracle.py``, a literal transcription of
ResolutionFlow's ``psa_documentation_service.py``), never by FlowDesk's own renderer.

For every sample ``<stem>.json``:
  * ``<stem>.resolution.txt``  -- ``format_resolution_note(session, include_steps=True)``
  * ``<stem>.escalation.txt``  -- ``format_escalation_note(session, include_steps=True, now=...)``
    with ``now = session.escalated_at`` if present, else 2026-11-24 12:00 UTC
both formats regardless of the session's status. For the samples in ``NOSTEPS_SAMPLES`` also
``<stem>.resolution.nosteps.txt`` (``include_steps=False``).

Where the oracle raises, nothing is written for that format and one line
``<stem> <format> <ExceptionType>: <message>`` goes to ``ORACLE_CRASHES.txt``.

Files are the UTF-8 bytes of ``"\\n".join(lines)``: no trailing newline, no BOM, LF only.

Usage (from the repo root):
    uv run python tests/tools/regen_golden.py          # rewrite tests/golden/
    uv run python tests/tools/regen_golden.py --check  # exit 1 if tests/golden/ is out of date
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = TESTS_DIR.parent
SAMPLES_DIR = REPO_ROOT / "resources" / "samples"
GOLDEN_DIR = TESTS_DIR / "golden"
CRASHES_FILE = "ORACLE_CRASHES.txt"

if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))

import seed_oracle  # noqa: E402

DEFAULT_NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
NOSTEPS_SAMPLES = (
    "01-outlook-credential-loop",
    "04-sql-tls-connection-string",
    "11-long-fileserver-migration",
)
# Golden file name suffixes this tool owns (anything else in tests/golden/ is left alone).
OWNED_SUFFIXES = (".resolution.txt", ".escalation.txt", ".resolution.nosteps.txt")


def escalation_now(session: object) -> datetime:
    escalated_at = getattr(session, "escalated_at", None)
    return escalated_at if escalated_at is not None else DEFAULT_NOW


def render_all(samples_dir: Path = SAMPLES_DIR) -> tuple[dict[str, bytes], list[str]]:
    """Return ({golden file name: bytes}, [crash lines]) for every sample."""
    files: dict[str, bytes] = {}
    crashes: list[str] = []
    for path in sorted(samples_dir.glob("*.json")):
        stem = path.stem
        data = json.loads(path.read_text(encoding="utf-8"))
        session = seed_oracle.session_from_json(data)
        jobs = [
            ("resolution", lambda s=session: seed_oracle.format_resolution_note(s, include_steps=True)),
            (
                "escalation",
                lambda s=session: seed_oracle.format_escalation_note(
                    s, include_steps=True, now=escalation_now(s)
                ),
            ),
        ]
        if stem in NOSTEPS_SAMPLES:
            jobs.append(
                (
                    "resolution.nosteps",
                    lambda s=session: seed_oracle.format_resolution_note(s, include_steps=False),
                )
            )
        for fmt, render in jobs:
            try:
                text = render()
            except Exception as exc:  # the oracle crashes where the seed would
                crashes.append(f"{stem} {fmt} {type(exc).__name__}: {exc}")
                continue
            files[f"{stem}.{fmt}.txt"] = text.encode("utf-8")
    return files, crashes


def crashes_bytes(crashes: list[str]) -> bytes:
    return "".join(line + "\n" for line in crashes).encode("utf-8")


def _owned(golden_dir: Path) -> dict[str, Path]:
    out = {p.name: p for p in golden_dir.glob("*.txt") if p.name.endswith(OWNED_SUFFIXES)}
    crash = golden_dir / CRASHES_FILE
    if crash.exists():
        out[CRASHES_FILE] = crash
    return out


def check(golden_dir: Path = GOLDEN_DIR, samples_dir: Path = SAMPLES_DIR) -> list[str]:
    """Return a list of problems (empty when ``golden_dir`` matches what the oracle renders)."""
    files, crashes = render_all(samples_dir)
    expected = dict(files)
    expected[CRASHES_FILE] = crashes_bytes(crashes)
    present = _owned(golden_dir) if golden_dir.is_dir() else {}
    problems = []
    for name in sorted(expected.keys() - present.keys()):
        problems.append(f"missing: {name}")
    for name in sorted(present.keys() - expected.keys()):
        problems.append(f"stale: {name}")
    for name in sorted(expected.keys() & present.keys()):
        if present[name].read_bytes() != expected[name]:
            problems.append(f"differs: {name}")
    return problems


def write(golden_dir: Path = GOLDEN_DIR, samples_dir: Path = SAMPLES_DIR) -> tuple[int, list[str]]:
    files, crashes = render_all(samples_dir)
    golden_dir.mkdir(parents=True, exist_ok=True)
    for path in _owned(golden_dir).values():
        path.unlink()
    for name, data in files.items():
        (golden_dir / name).write_bytes(data)
    (golden_dir / CRASHES_FILE).write_bytes(crashes_bytes(crashes))
    return len(files), crashes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare, exit 1 if out of date")
    args = parser.parse_args(argv)
    if args.check:
        problems = check()
        for p in problems:
            print(p)
        print("golden files up to date" if not problems else f"{len(problems)} problem(s)")
        return 1 if problems else 0
    count, crashes = write()
    print(f"wrote {count} golden files to {GOLDEN_DIR}")
    for line in crashes:
        print(f"oracle crash: {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
