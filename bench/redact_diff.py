"""Differential check of the redaction engine: this tree's ``redact`` against another revision's.

    uv run python -m bench.redact_diff                 # against main
    uv run python -m bench.redact_diff --base HEAD~3 --random 5000

Both engines run in child processes (the base one from ``git archive <base> flowdesk``, so its rule
tables and checks are the base's too) over the same inputs: the redaction corpus (each line alone and
all of them joined), every rule's example, every sample session rendered as each of its notes, the
100-step bench session, the golden notes, and thousands of random texts made from those lines
(mutated, re-cased, joined with keywords, markers and stray characters), with random category subsets,
an allow-list and kept values. Every field of every result must be identical (the text, each span with
its rule, the counts, the originals, the spared values), or the same error. Exit status 1 on any
difference, naming the first few cases.
"""

from __future__ import annotations

import argparse
import json
import pickle
import random
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

Case = tuple[str, tuple[str, ...] | None, tuple[str, ...], tuple[str, ...]]  # text, categories, allow, keep

_CHILD = r"""
import pickle, sys
sys.path.insert(0, sys.argv[1])
from flowdesk.redact import redact, AllowList
cases = pickle.load(sys.stdin.buffer)
out = []
for text, categories, allow, keep in cases:
    try:
        r = redact(text, categories, allow=AllowList.parse(allow) if allow else None, keep=keep)
    except Exception as exc:
        out.append(("error", type(exc).__name__, str(exc)))
        continue
    span = lambda s: (s.start, s.end, s.category.value, s.rule)
    out.append((r.text, [span(s) for s in r.spans], r.counts, r.originals, [span(s) for s in r.spared]))
pickle.dump(out, sys.stdout.buffer)
"""


def _lines() -> tuple[list[str], list[str]]:
    """(corpus lines and rule examples, rendered notes)."""
    sys.path.insert(0, str(REPO))
    from bench.data import long_session, samples
    from flowdesk.core.models import parse_session
    from flowdesk.core.render import format_escalation_note, format_resolution_note, render_note
    from flowdesk.redact.table import RULES

    corpus = [
        json.loads(x)["line"]
        for name in ("secrets.jsonl", "ordinary.jsonl")
        for x in (REPO / "tests/redact/corpus" / name).read_text(encoding="utf-8").splitlines()
        if x.strip()
    ]
    lines = corpus + [r.example for r in RULES]
    notes = [render_note(parse_session(long_session(100)))]
    for raw in samples():
        session = parse_session(raw)
        notes += [render_note(session), format_resolution_note(session, include_steps=False)]
        notes.append(format_escalation_note(session, now=session.updated_at))
    notes += [p.read_text(encoding="utf-8") for p in sorted((REPO / "tests/golden").glob("*.txt"))]
    return lines, notes


def cases(n_random: int, seed: int) -> list[Case]:
    from flowdesk.redact import ALL_CATEGORIES, MARKERS
    from flowdesk.redact.table import RULES

    lines, notes = _lines()
    out: list[Case] = [(line, None, (), ()) for line in lines]
    out += [("\n".join(lines), None, (), ()), ("\r\n".join(reversed(lines)), None, (), ())]
    out += [(note, None, (), ()) for note in notes]
    note_lines = [line for note in notes for line in note.splitlines()]
    keywords = sorted({k for r in RULES for k in r.keywords})
    markers = list(MARKERS.values())
    rng = random.Random(seed)
    stray = " \t:=-./\\\"'@[](){}#;,&?%$!*_+|<>0123456789abcdefABCDEFxyzXYZ\u00e9\u0130\u2192"

    def mutate(line: str) -> str:
        s = list(line)
        for _ in range(rng.randint(1, 4)):
            op, at = rng.randrange(5), rng.randint(0, len(s))
            if op == 0 and s:
                del s[min(at, len(s) - 1)]
            elif op == 1:
                s[at:at] = rng.choice(stray)
            elif op == 2:
                s[at:at] = rng.choice(keywords + markers)
            elif op == 3 and s:
                i = min(at, len(s) - 1)
                s[i] = s[i].swapcase()
            else:
                s[at:at] = " "
        return "".join(s)

    def piece() -> str:
        kind = rng.randrange(10)
        if kind < 4:
            return rng.choice(lines)
        if kind < 6:
            return mutate(rng.choice(lines + note_lines))
        if kind == 6:
            return rng.choice(note_lines)
        if kind == 7:
            kw = rng.choice(keywords)
            return kw.upper() if rng.random() < 0.3 else kw
        if kind == 8:
            return rng.choice(markers)
        return "".join(rng.choice(stray) for _ in range(rng.randint(0, 24)))

    seps = ["\n", "\n", "\r\n", " ", "", ": ", "=", "\\\\", "; ", "\t", "\n\n"]
    names = [c.value for c in ALL_CATEGORIES]
    for i in range(n_random):
        text = "".join(piece() + rng.choice(seps) for _ in range(rng.randint(1, 12)))
        categories: tuple[str, ...] | None = None
        if i % 4 == 1:
            categories = tuple(rng.sample(names, rng.randint(1, len(names))))
        allow: tuple[str, ...] = ()
        keep: tuple[str, ...] = ()
        if i % 5 == 2:
            allow = ("10.0.0.0/8", "*.contoso.local", "fs01", "2001:db8::/32")
        if i % 7 == 3:
            keep = tuple(rng.sample(lines, 3))
        out.append((text, categories, allow, keep))
    return out


def _run(root: Path, data: bytes) -> list[Any]:
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(root)], input=data, capture_output=True, check=False, cwd=root
    )
    if proc.returncode != 0:
        raise SystemExit(f"the engine under {root} failed:\n{proc.stderr.decode(errors='replace')[-2000:]}")
    result: list[Any] = pickle.loads(proc.stdout)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.redact_diff", description=__doc__.split("\n")[0])
    parser.add_argument("--base", default="main", help="the git revision to compare with (default: main)")
    parser.add_argument("--random", type=int, default=4000, help="how many random texts (default: 4000)")
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args(argv)
    todo = cases(args.random, args.seed)
    data = pickle.dumps(todo)
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "archive", "--format=tar", args.base, "flowdesk"], cwd=REPO, capture_output=True, check=True
        ).stdout
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        base = _run(Path(tmp), data)
    mine = _run(REPO, data)
    differ = [i for i, (a, b) in enumerate(zip(base, mine, strict=True)) if a != b]
    found = sum(1 for r in mine if r[0] != "error" and r[1])
    print(f"{len(todo)} cases ({found} with something redacted): {len(differ)} differ from {args.base}")
    for i in differ[:5]:
        print(f"  case {i}: {todo[i]!r:.300}\n    {args.base}: {base[i]!r:.300}\n    this tree: {mine[i]!r:.300}")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
