"""The one redaction engine: every rule of every family, run the same way.

1. **Keywords.** One scanner finds every rule keyword in the lower-cased text, and every line break (so
   the line of each keyword comes with the scan); a rule is tried only on the lines holding one of its
   keywords (gitleaks' keyword pre-filter) and, if it has one, matching
   its prefilter (a cheaper pattern, run once over the whole text; a rule whose prefilter's every
   match holds a keyword is placed by its prefilter alone, see ``_by_prefilter``).
2. **One line at a time.** A rule that is not ``multiline`` never matches across a line break, and what
   it finds on a line depends on that line only (a property test holds every rule to this). So the
   engine hands a rule all its lines at once, and it finds there what it would find in each line
   alone; this is what makes the pre-filter and the fixpoint below exact. In the first pass those are
   windows of the input itself (``pos``/``endpos``, neighbouring lines in one), elsewhere the plain
   parts of cut lines joined by line breaks.
3. **Marks.** The text is plain pieces between marks (markers already in the input, what the rules
   found); rules see plain pieces only, so nothing matches inside a marker (markers already in the
   input are protected too) and a marker ends a line for the rules. Only the marks are kept, in
   order; the plain pieces are the gaps between them. Categories run in ``ALL_CATEGORIES`` order; the
   spans of one category's rules are merged (overlapping spans become one marker) and marked.
4. **Fixpoint.** A cut line may show a rule something the whole one did not (a value that now ends its
   line), so after a pass a dry run on the cut lines tells whether another pass (on them only) would
   change anything, until nothing changes: redacting the output again changes nothing. Every other
   line was seen unchanged by every rule. A part of a cut line is a line of its own to the rules, so
   it is tried only when it holds the rule's keyword itself.
5. **Fail closed.** Anything unexpected becomes ``RedactionError``, with no input text in it.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import chain
from operator import attrgetter, le, lt

import ahocorasick_rs

from flowdesk.redact.model import (
    ALL_CATEGORIES,
    MARKER_RE,
    MARKER_TO_CATEGORY,
    MARKERS,
    Category,
    Found,
    RedactionError,
    RedactionResult,
    Rule,
    Span,
    lower,
)
from flowdesk.redact.policy import ALWAYS_REDACTED, AllowList, parse_categories
from flowdesk.redact.table import RULES

Spare = Callable[[Category, str], bool]  # leave this found value (never a secret family's) as written?
Stretch = tuple[int, int]


class Keywords:
    """Where every rule keyword starts in a lower-cased text, and on which line: one Aho-Corasick
    automaton (``ahocorasick_rs``, as gitleaks does it) reports every place of every keyword, overlapping
    ones too, and every line break, in one pass (46 us on the 100-step bench note; twenty trie-shaped
    ``re`` scans, one per first character, took 360 us). It reads the text as ASCII bytes, a non-ASCII
    character (or a lone surrogate) as '?', so that a byte's position is its character's: keywords are
    ASCII without '?' or a line break (checked here), so they are found exactly where they are in the
    text, and a keyword never holds a line break."""

    def __init__(self, words: Iterable[str]) -> None:
        self.words: tuple[str, ...] = tuple(sorted(set(words)))
        odd = [w for w in self.words if not w.isascii() or "?" in w or "\n" in w or not w]
        if odd:
            raise ValueError(f"a rule keyword must be ASCII without '?' or a line break: {odd[0]!r}")
        # a DFA whatever the number of keywords: the library's own choice turns to a slower NFA past 100
        # (the scan of the bench note took 89 us with 70 keywords as a DFA, 136 us with 107 as an NFA)
        self._automaton = ahocorasick_rs.BytesAhoCorasick(
            [*(w.encode("ascii") for w in self.words), b"\n"], matchkind=ahocorasick_rs.MatchKind.Standard,
            implementation=ahocorasick_rs.Implementation.DFA,
        )

    def find(self, low: str) -> dict[str, list[int]]:
        """keyword -> where it starts in ``low``, in order (only the keywords that occur)."""
        return self.scan(low.encode("ascii", "replace"))[0]

    def scan(self, data: bytes) -> tuple[dict[str, list[int]], dict[str, list[int]], list[int]]:
        """For a text already encoded as ASCII with '?' for anything else: keyword -> where it starts (as
        :meth:`find`), keyword -> the line of each of those (lines numbered from 0), where each line
        break is. Matches come in the order they end: a keyword's own in the order they start, and a
        line break after every keyword that ends before it (a keyword never holds one)."""
        positions: dict[str, list[int]] = {}
        lines: dict[str, list[int]] = {}
        newlines: list[int] = []
        words, line_break, line = self.words, len(self.words), 0
        for index, start, _ in self._automaton.find_matches_as_indexes(data, overlapping=True):
            if index == line_break:
                newlines.append(start)
                line += 1
                continue
            word = words[index]
            if word in positions:
                positions[word].append(start)
                lines[word].append(line)
            else:
                positions[word] = [start]
                lines[word] = [line]
        return positions, lines, newlines


@dataclass(slots=True)
class _Mark:
    """A stretch of the input that rules no longer look at."""

    start: int  # where it is in the input text
    end: int
    category: Category
    rule: str = ""  # the rule that found it
    new: bool = False  # found by this call (not a marker that was already in the input)
    spared: bool = False  # found, but written out as it is (allow-list, "Keep this one")


@dataclass(slots=True)
class _Subject:
    """Stretches of the input joined by line breaks: what a rule's pattern runs on."""

    stretches: Sequence[Stretch]
    offsets: list[int]  # where each stretch starts in ``text``
    text: str
    low: str


class _Run:
    """One call of :func:`redact`: the text, where its keywords are, its marks. Lines are numbered
    from 0; a rule's lines (where its keywords are) depend on the text only, so they are found once."""

    def __init__(self, text: str, spare: Spare | None) -> None:
        self.text, self.low, self.spare = text, lower(text), spare
        # the lower-cased text as ASCII, '?' for anything else (positions line up): for the keyword
        # scanner and the long runs (lower-casing never makes or unmakes white space)
        self.ascii = self.low.encode("ascii", "replace")
        # where each keyword starts, the line of each of those, where each line break is
        self.hits, self.hit_lines, self.newlines = SCANNED.scan(self.ascii)
        self._prefiltered: dict[re.Pattern[str], list[int]] = {}  # prefilter -> where it matches
        self._runs: dict[tuple[object, int], list[tuple[int, int]]] = {}
        self._todo: dict[Category, list[tuple[int, Rule]]] = {}  # category -> todo()
        self._ids: dict[tuple[object, ...], list[int]] = {}  # (keywords, prefilter, min_run, run_chars) -> lines
        self._id_sets: dict[tuple[object, ...], set[int]] = {}
        markers = MARKER_RE.finditer(text) if _MARKER_END in text else ()  # a plain search is 3x cheaper
        self.marks = [_Mark(m.start(), m.end(), MARKER_TO_CATEGORY[m.group()]) for m in markers]
        # The lines a mark lies on (a marker in the input, what a pass made): the first pass hands a
        # rule its other lines as windows of the input itself, these as plain parts.
        self.cut: set[int] = set()
        self._windows: dict[tuple[object, ...], tuple[list[Stretch], list[int] | None, list[int]]] = {}
        # made for ``_parts_for`` (the marks): the plain pieces, where they start, joined parts per rule and lines
        self._parts_for: list[_Mark] | None = None
        self._plain: list[Stretch] = []
        self._plain_starts: list[int] = []
        self._joined: dict[tuple[object, ...], _Subject | None] = {}
        self._subjects: dict[tuple[Stretch, ...], _Subject] = {}  # parts -> them joined (rules with other keywords often want the same)
        self._mark_cut(self.marks)

    def line_of(self, pos: int) -> int:
        """The number of the line holding ``pos`` (a line break belongs to the line it ends)."""
        return bisect_left(self.newlines, pos)

    def _line(self, i: int) -> Stretch:
        """Line ``i``."""
        return (self.newlines[i - 1] + 1 if i else 0, self.newlines[i] if i < len(self.newlines) else len(self.text))

    def _mark_cut(self, marks: Iterable[_Mark]) -> set[int]:
        """Add the lines these marks lie on to the cut lines (most marks lie on one line). Returns the
        lines they start or end on (a line inside a mark has nothing left for the rules)."""
        before, cut, where = len(self.cut), self.cut, partial(bisect_left, self.newlines)
        ends: set[int] = set()
        for m in marks:
            first, last = where(m.start), where(m.end)
            if first == last:
                cut.add(first)
                ends.add(first)
            else:
                cut.update(range(first, last + 1))
                ends.update((first, last))
        if len(self.cut) != before:
            self._windows = {}
        return ends

    def runs(self, rule: Rule) -> list[tuple[int, int]]:
        """(position, length) of each run of ``rule.min_run`` or more characters without ASCII white
        space, or of its ``run_chars`` (one ``bytes.translate`` over ``self.ascii``, the lower-cased
        text as ASCII with '?' for anything else, so that a byte's position is its character's: C does
        this faster than any regex or split)."""
        key = (rule.run_chars, rule.min_run)
        if key not in self._runs:
            runs = self._runs[key] = []
            mask, long = self.ascii.translate(_RUN_MASKS[rule.run_chars]), b"x" * rule.min_run
            at = mask.find(long)
            while at >= 0:
                end = mask.find(b" ", at)
                end = len(mask) if end < 0 else end
                runs.append((at, end - at))
                at = mask.find(long, end)
        return self._runs[key]

    @staticmethod
    def _line_parts(plain: list[Stretch]) -> Callable[[Stretch], list[Stretch]]:
        """line -> the parts of it in these plain pieces (markers cut lines)."""
        starts = [s for s, _ in plain]
        cache: dict[Stretch, list[Stretch]] = {}

        def parts(line: Stretch) -> list[Stretch]:
            found = cache.get(line)
            if found is None:
                ls, le = line
                i = max(0, bisect_right(starts, ls) - 1)
                if i < len(plain) and plain[i][0] <= ls and le <= plain[i][1]:  # no marker on the line
                    found = [line] if ls < le else []
                else:
                    found = []
                    while i < len(plain) and plain[i][0] < le:
                        if (s := max(ls, plain[i][0])) < (e := min(le, plain[i][1])):
                            found.append((s, e))
                        i += 1
                cache[line] = found
            return found

        return parts

    def line_ids(self, rule: Rule) -> list[int]:
        """The rule's lines, in order: those holding one of its keywords (and matching its prefilter, one
        scan of the whole lower-cased text), or a long enough run; every line for a rule with neither."""
        key = (rule.keywords, rule.prefilter, rule.min_run, rule.run_chars)
        ids = self._ids.get(key)
        if ids is None:
            where = partial(bisect_left, self.newlines)
            if rule.prefilter is not None and _by_prefilter(rule):
                ids = sorted(set(map(where, self.prefilter_starts(rule.prefilter))))
            elif rule.keywords:
                found = set(chain.from_iterable(self.hit_lines.get(kw, ()) for kw in rule.keywords))
                if rule.prefilter is not None and found:
                    found &= set(map(where, self.prefilter_starts(rule.prefilter)))
                ids = sorted(found)
            elif rule.min_run:
                ids = sorted(set(map(where, (pos for pos, _ in self.runs(rule)))))
            else:
                ids = list(range(len(self.newlines) + 1))
            self._ids[key] = ids
        return ids

    def prefilter_starts(self, prefilter: re.Pattern[str]) -> list[int]:
        """Where the prefilter matches (one scan of the whole lower-cased text)."""
        starts = self._prefiltered.get(prefilter)
        if starts is None:
            starts = self._prefiltered[prefilter] = list(map(_START, prefilter.finditer(self.low)))
        return starts

    def id_set(self, rule: Rule) -> set[int]:
        key = (rule.keywords, rule.prefilter, rule.min_run, rule.run_chars)
        ids = self._id_sets.get(key)
        if ids is None:
            ids = self._id_sets[key] = set(self.line_ids(rule))
        return ids

    def windows(self, rule: Rule) -> tuple[list[Stretch], list[int] | None, list[int]]:
        """The rule's uncut lines as windows of the input (neighbouring lines in one); for an anchored
        rule, where its keywords start in them; and its cut lines."""
        key = (rule.keywords, rule.prefilter, rule.min_run, rule.run_chars, rule.anchored)
        got = self._windows.get(key)
        if got is None:
            ids, cut = self.line_ids(rule), []
            if self.cut:
                cut = [i for i in ids if i in self.cut]
                if cut:
                    ids = [i for i in ids if i not in self.cut]
            windows: list[Stretch] = []
            last = -2
            if rule.min_run and not rule.keywords:  # every match is in a long run: from a line's first one
                first: dict[int, int] = {}
                for pos, _ in self.runs(rule):
                    first.setdefault(self.line_of(pos), pos)
                windows = [(first[i], self._line(i)[1]) for i in ids]
                ids = []
            for i in ids:
                end = self.newlines[i] if i < len(self.newlines) else len(self.text)
                if i == last + 1:
                    windows[-1] = (windows[-1][0], end)
                else:
                    windows.append((self.newlines[i - 1] + 1 if i else 0, end))
                last = i
            at = None
            if rule.anchored:
                at = sorted(chain.from_iterable(self.hits.get(kw, ()) for kw in rule.keywords))
                if cut or rule.prefilter is not None:
                    keep = set(ids)
                    at = [h for h in at if self.line_of(h) in keep]
            got = self._windows[key] = (windows, at, cut)
        return got

    def _find(
        self, rule: Rule, text: str, low: str, at: list[int] | None, windows: list[Stretch] | None = None
    ) -> list[tuple[int, int, bool]]:
        """(start, end, spared) of each secret the rule finds in ``text`` (in these windows of it only);
        an anchored rule is tried only at the positions ``at`` (where its keywords start: every match
        starts at one). (Lists, not generators, from here up to :meth:`apply`: most rules find nothing,
        and an empty list costs less than a generator and its frame.)"""
        subject = text if rule.case_sensitive else low
        pattern, windows = rule.pattern, [(0, len(subject))] if windows is None else windows
        if at is not None:
            matches = _matches_at(pattern, subject, at)
        elif rule.overlap:
            matches = [m for s, e in windows for m in _overlapping(pattern, subject, s, e)]
        else:
            matches = [m for s, e in windows for m in pattern.finditer(subject, s, e)]
        if not matches:
            return []
        secret, split, shape, checks, category = rule.secret, rule.split, rule.shape, rule.checks, rule.category
        reshapes = rule.unquote or rule.lstrip or rule.trim  # else ``shape`` only drops an empty span
        spare = None if category in ALWAYS_REDACTED else self.spare
        finds = []
        for m in matches:
            if secret:
                for group in secret:
                    if m.start(group) >= 0:
                        break
                else:
                    continue
                start, end = m.span(group)
            else:
                start, end = m.span()
            parts = [(start + a, start + b) for a, b in split(text[start:end])] if split else ((start, end),)
            for start, end in parts:
                if reshapes:
                    if (shaped := shape(text, start, end)) is None:
                        continue
                    start, end = shaped
                elif end <= start:
                    continue
                if checks:
                    found = Found(text, low, m, start, end)
                    if not all(check(found) for check in checks):
                        continue
                finds.append((start, end, spare is not None and spare(category, text[start:end])))
        return finds

    def _find_in(self, rule: Rule, lines: set[int] | None) -> list[tuple[int, int, bool]]:
        """(start, end, spared), in input positions, of what the rule finds in a pass (after the first:
        on ``lines`` only). In the first pass a single-line rule runs on the input itself, in windows
        of its uncut lines (``pos``/``endpos``: it sees there what it would in those lines joined), and
        on the plain parts of its cut lines, joined by line breaks; in a later pass on those parts of
        ``lines``. (A part of a cut line is a line of its own to the rules: it must hold the keyword.)"""
        if rule.multiline:
            return self._find_joined(rule, self._multiline_subjects(rule, lines))
        if lines is None:
            windows, at, cut = self.windows(rule)
            found = self._find(rule, self.text, self.low, at, windows)
            return found + self._find_parts(rule, cut) if cut else found
        if rule.keywords or rule.min_run:
            lines = lines & self.id_set(rule)
        return self._find_parts(rule, sorted(lines)) if lines else []

    def _find_parts(self, rule: Rule, ids: list[int]) -> list[tuple[int, int, bool]]:
        """What the rule finds in the plain parts of these lines (of its own) that hold what it needs,
        joined by line breaks: one of its keywords, or a long enough run, found through where those are
        (the plain piece around each). Rules with the same keywords, prefilter and ``min_run`` share
        them until the marks change."""
        if self._parts_for is not self.marks:
            self._parts_for, self._joined, self._subjects = self.marks, {}, {}
            self._plain = self.plain()
            self._plain_starts = [s for s, _ in self._plain]
        key = (rule.keywords, rule.prefilter, rule.min_run, rule.run_chars, *ids)
        if key not in self._joined:
            plain, starts, lines = self._plain, self._plain_starts, set(ids)
            parts: set[Stretch] = set()
            if rule.prefilter is not None and _by_prefilter(rule):  # a part is a line to the prefilter too
                line_parts = self._line_parts(plain)
                search = partial(rule.prefilter.search, self.low)
                parts = {(s, e) for i in ids for s, e in line_parts(self._line(i)) if search(s, e) is not None}
            elif rule.keywords:  # the plain pieces holding a keyword of the rule's on these lines
                for kw in rule.keywords:
                    for h, line in zip(self.hits.get(kw, ()), self.hit_lines.get(kw, ()), strict=True):
                        if line in lines and (i := bisect_right(starts, h) - 1) >= 0 and h + len(kw) <= plain[i][1]:
                            ls, le = self._line(line)
                            parts.add((max(ls, plain[i][0]), min(le, plain[i][1])))
            elif rule.min_run:  # ... a long enough part of a run (runs never cross a line)
                for pos, n in self.runs(rule):
                    if (line := self.line_of(pos)) in lines:
                        i = max(0, bisect_right(starts, pos) - 1)
                        while i < len(plain) and plain[i][0] < pos + n:
                            if min(pos + n, plain[i][1]) - max(pos, plain[i][0]) >= rule.min_run:
                                ls, le = self._line(line)
                                parts.add((max(ls, plain[i][0]), min(le, plain[i][1])))
                            i += 1
            else:
                line_parts = self._line_parts(plain)
                parts = {part for i in ids for part in line_parts(self._line(i))}
            if not parts:
                self._joined[key] = None
            else:
                group = tuple(sorted(parts))
                if group not in self._subjects:
                    self._subjects[group] = self._join(group)
                self._joined[key] = self._subjects[group]
        subject = self._joined[key]
        return self._find_joined(rule, [subject]) if subject is not None else []

    def _multiline_subjects(self, rule: Rule, lines: set[int] | None) -> list[_Subject]:
        """The plain pieces holding one of the rule's keywords (after the first pass: touching
        ``lines``), each on its own."""
        # by bisection, not by pairs: a long note may hold thousands of pieces and of keywords
        near = None if lines is None else [self._line(i) for i in sorted(lines)]
        near_ends = None if near is None else [le for _, le in near]

        def holds_a_keyword(ps: int, pe: int) -> bool:
            for kw in rule.keywords:
                hits = self.hits.get(kw, ())
                i = bisect_left(hits, ps)
                if i < len(hits) and hits[i] + len(kw) <= pe:
                    return True
            return False

        def touches(ps: int, pe: int) -> bool:  # a line of ``lines`` overlaps the piece
            if near is None or near_ends is None:
                return True
            i = bisect_left(near_ends, ps)
            return i < len(near) and near[i][0] <= pe

        return [self._join([(ps, pe)]) for ps, pe in self.plain() if holds_a_keyword(ps, pe) and touches(ps, pe)]

    def _find_joined(self, rule: Rule, subjects: list[_Subject]) -> list[tuple[int, int, bool]]:
        """What the rule finds in its subjects, in input positions."""
        found = []
        for sub in subjects:
            at = None  # for an anchored rule: where its keywords start, in the joined text
            if rule.anchored:  # the keywords' places within the subject's span only (found by bisection)
                group, end = sub.stretches, len(self.text)
                at = []
                for kw in rule.keywords:
                    places = self.hits.get(kw, ())
                    for h in places[bisect_left(places, group[0][0]) : bisect_left(places, group[-1][1])]:
                        k = bisect_right(group, (h, end)) - 1
                        if k >= 0 and h < group[k][1]:
                            at.append(sub.offsets[k] + h - group[k][0])
                at.sort()
            for a, b, spared in self._find(rule, sub.text, sub.low, at):
                k = bisect_right(sub.offsets, a) - 1
                found.append((sub.stretches[k][0] + a - sub.offsets[k], sub.stretches[k][0] + b - sub.offsets[k], spared))
        return found

    def _join(self, group: Sequence[Stretch]) -> _Subject:
        offsets, pos = [], 0  # where each stretch starts in the joined text
        for s, e in group:
            offsets.append(pos)
            pos += e - s + 1
        text = "\n".join([self.text[s:e] for s, e in group])
        low = "\n".join([self.low[s:e] for s, e in group])
        return _Subject(group, offsets, text, low)

    def plain(self) -> list[Stretch]:
        """The plain pieces: the (non-empty) gaps between the marks."""
        starts, ends = [m.start for m in self.marks], [m.end for m in self.marks]
        return [(s, e) for s, e in zip([0, *ends], [*starts, len(self.text)], strict=True) if s < e]

    def apply(self, category: Category, lines: set[int] | None = None) -> set[int]:
        """Run the category's rules (after the first pass: on ``lines`` only) and mark what they find
        (to be replaced, or spared). Returns the lines the marks made start or end on (none: nothing
        made)."""
        rules = BY_CATEGORY[category]
        found = [(a, b, index, spared) for index, rule in self.todo(category) for a, b, spared in self._find_in(rule, lines)]
        if not found:
            return set()
        made = [_Mark(start, end, category, rules[index].id, True, spared) for start, end, index, spared in _union(found)]
        marks = sorted(self.marks + made, key=_START_OF)
        # what a rule finds lies in a plain piece: the marks never overlap, nor leave the text
        starts, ends = [m.start for m in marks], [m.end for m in marks]
        if not (all(map(lt, starts, ends)) and all(map(le, ends, starts[1:])) and ends[-1] <= len(self.text)):
            raise _InternalError("a span crosses a mark")
        self.marks = marks
        return self._mark_cut(made)

    def todo(self, category: Category) -> list[tuple[int, Rule]]:
        """(index, rule) of the category's rules that may find something: one of the rule's keywords is in
        the text (or a long enough run, for one without keywords)."""
        todo = self._todo.get(category)
        if todo is None:
            todo = self._todo[category] = [(i, r) for i, r in enumerate(BY_CATEGORY[category]) if self._may_find(r)]
        return todo

    def _may_find(self, rule: Rule) -> bool:
        if rule.prefilter is not None and _by_prefilter(rule):
            return bool(self.prefilter_starts(rule.prefilter))
        if rule.keywords:
            return not self.hits.keys().isdisjoint(rule.keywords)
        return not rule.min_run or bool(self.runs(rule))

    def finds_anything(self, enabled: tuple[Category, ...], lines: Sequence[set[int]]) -> bool:
        """Would a pass make anything? Each category's rules are tried on its own lines (``lines``, in the
        order of ``enabled``: see :func:`run_passes`). (The first category that finds something sees the
        marks as they are, so a dry run of every rule does.)"""
        for category, own in zip(enabled, lines, strict=True):
            if own:
                for _, rule in self.todo(category):
                    if self._find_in(rule, own):
                        return True
        return False


def _matches_at(pattern: re.Pattern[str], text: str, at: list[int]) -> list[re.Match[str]]:
    """What ``pattern.finditer(text)`` yields when every match starts at one of the positions ``at``."""
    found: list[re.Match[str]] = []
    end = 0
    for pos in at:
        if pos >= end and (m := pattern.match(text, pos)) is not None:
            found.append(m)
            if (end := m.end()) == pos:  # an empty match: the next one starts after it
                end += 1
    return found


def _overlapping(pattern: re.Pattern[str], text: str, pos: int = 0, endpos: int | None = None) -> Iterator[re.Match[str]]:
    """Every match, also those that start inside an earlier one."""
    endpos = len(text) if endpos is None else endpos
    while (m := pattern.search(text, pos, endpos)) is not None:
        yield m
        pos = m.start() + 1


def _union(found: list[tuple[int, int, int, bool]]) -> Iterator[tuple[int, int, int, bool]]:
    """The sorted union of spans: overlapping spans become one, named after the rule that found its
    start, and spared only if every part of it was."""
    cur: tuple[int, int, int, bool] | None = None
    for start, end, index, spared in sorted(found):
        if cur is not None and start < cur[1]:
            cur = (cur[0], max(cur[1], end), cur[2], cur[3] and spared)
            continue
        if cur is not None:
            yield cur
        cur = (start, end, index, spared)
    if cur is not None:
        yield cur


class _InternalError(Exception):
    pass


BY_CATEGORY: dict[Category, tuple[Rule, ...]] = {c: tuple(r for r in RULES if r.category is c) for c in ALL_CATEGORIES}
_START = re.Match.start
_START_OF = attrgetter("start")
_MARKER_END = " REDACTED]"  # every marker ends so


def _by_prefilter(rule: Rule) -> bool:
    """Are the rule's lines found by its prefilter alone? Every match of a prefilter holds one of its
    rule's keywords (a test checks this), so where it matches is where both are, and the scanner need
    not look for the keywords (IPv6's ':0'...':f' are on every line with a time). Not for a rule that
    needs the places of its keywords (anchored, multi-line)."""
    return rule.prefilter is not None and not rule.anchored and not rule.multiline


def _run_mask(chars: re.Pattern[str] | None) -> bytes:
    """A ``bytes.translate`` table marking "x" the bytes a run is made of, the others " ": ASCII other
    than white space, or what ``chars`` matches; never a line break (a run never crosses one), always
    '?' (which stands for any non-ASCII character as well)."""

    def counts(c: str) -> bool:
        return c == "?" or (c != "\n" and (not c.isspace() if chars is None else chars.fullmatch(c) is not None))

    return bytes(120 if b < 128 and counts(chr(b)) else 32 for b in range(256))


_RUN_MASKS = {r.run_chars: _run_mask(r.run_chars) for r in RULES if r.min_run}
# The keywords whose places the engine needs: those of the rules not found by their prefilter alone.
SCANNED = Keywords(k for r in RULES if not _by_prefilter(r) for k in r.keywords)


def __getattr__(name: str) -> Keywords:
    """``KEYWORDS``: a scanner of every rule's keywords (the tests hold the scanner to finding each)."""
    if name == "KEYWORDS":
        return Keywords(k for r in RULES for k in r.keywords)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def run_passes(text: str, enabled: tuple[Category, ...], spare: Spare | None) -> tuple[_Run, int]:
    """Apply the categories in order, pass after pass, until another pass would change nothing (the
    module docstring, 4). Returns the run and the number of passes that made something.

    Nothing is kept from one call to the next but what the import built once (the rule table, the
    keyword scanner); never a result for a text: the render benchmark redacts the same note 200 times,
    and a cache of results would measure a dictionary look-up, not redaction."""
    run = _Run(text, spare)
    lines: set[int] | None = None  # the first pass looks at everything
    passes = 0
    while True:
        made_by = [run.apply(category, lines) for category in enabled]  # the lines of what each made
        made = set().union(*made_by)
        if not made:
            return run, passes
        passes += 1
        # Would a pass change anything? Rules see one line at a time, so a dry run on the cut lines tells.
        # A category's rules saw a cut line as it is now (and found nothing more there) unless a mark of
        # their own category or a later one was made on it, or this pass did not look at it: the dry run
        # tries them on those lines only.
        unseen = set() if lines is None else made - lines
        recheck, since = [], set(unseen)
        for own in reversed(made_by):
            since |= own
            recheck.append(set(since))
        recheck.reverse()
        lines = made
        if not run.finds_anything(enabled, recheck):
            return run, passes


def redact(
    text: str,
    categories: Iterable[Category | str] | None = None,
    *,
    allow: AllowList | None = None,
    keep: Collection[str] = (),
) -> RedactionResult:
    """Redact ``text`` with these categories (None: all), leaving the ``allow``-listed network values and
    the ``keep`` values (never a secret family) as written. Unknown category names raise ``ValueError``,
    non-``str`` text ``TypeError``; any other failure ``RedactionError`` (never a partly redacted text)."""
    if not isinstance(text, str):
        raise TypeError(f"redact() expects str, not {type(text).__name__}")
    enabled, kept = parse_categories(categories), frozenset(keep)

    def spare(category: Category, value: str) -> bool:
        return value in kept or (allow is not None and allow.allows(category, value))

    failure: str | None = None
    try:
        result = _result(run_passes(str(text), enabled, spare if kept or allow else None)[0])
    except Exception as exc:  # fail closed
        failure = type(exc).__name__
    if failure is not None:  # raised out here: the original (which may quote the input) is not chained
        raise RedactionError(f"redaction failed ({failure}); the text was not redacted")
    return result


def _result(run: _Run) -> RedactionResult:
    counts = dict.fromkeys(Category, 0)  # by member: ``.value`` is a Python-level property
    parts, originals, spans, spared = [], [], [], []
    offset = pos = 0
    text = run.text
    for m in run.marks:
        if m.start > pos:  # the plain piece before the mark
            parts.append(text[pos : m.start])
            offset += m.start - pos
        chunk = original = text[m.start : m.end]
        if m.new:
            if m.spared:
                spared.append(Span(offset, offset + len(chunk), m.category, m.rule))
            else:
                chunk = MARKERS[m.category]
                spans.append(Span(offset, offset + len(chunk), m.category, m.rule))
                originals.append(original)
                counts[m.category] += 1
        parts.append(chunk)
        offset += len(chunk)
        pos = m.end
    parts.append(text[pos:])
    by_name = {cat.value: n for cat, n in counts.items()}
    return RedactionResult("".join(parts), tuple(spans), by_name, tuple(originals), tuple(spared))
