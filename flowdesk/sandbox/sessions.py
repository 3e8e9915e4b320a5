"""ResolutionFlow sessions as the sandbox stores them: raw dicts, served as-is, listed newest first.

Listing must stay fast with tens of thousands of sessions, so the store keeps an index sorted by
``updated_at`` (newest first; sessions without a readable ``updated_at`` last) and a pre-serialised
summary per session. Not thread-safe on its own: the sandbox's one lock guards it.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flowdesk.core.models import parse_utc as parse_iso

# The fields of a list item (ResolutionFlow's list endpoint returns summaries, not AISessionDetail).
SUMMARY_FIELDS = (
    "id",
    "session_type",
    "title",
    "status",
    "problem_summary",
    "client_name",
    "psa_ticket_id",
    "created_at",
    "updated_at",
    "resolved_at",
    "escalated_at",
    "state_version",
    "confidence_tier",
    "resolution_note_posted_at",
    "resolution_note_external_id",
    "escalation_package_posted_at",
    "escalation_package_external_id",
)


def _dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


class _Entry:
    __slots__ = ("raw", "sort_key", "summary_json", "detail_json", "status", "session_type")

    def __init__(self, key: str, raw: Any) -> None:
        self.raw = raw
        updated = parse_iso(raw.get("updated_at")) if isinstance(raw, dict) else None
        # ascending order of this key = newest first, unreadable dates last, then by id
        self.sort_key: tuple[int, float, str] = (0, -updated.timestamp(), key) if updated else (1, 0.0, key)
        if isinstance(raw, dict):
            self.summary_json = _dump({f: raw.get(f) for f in SUMMARY_FIELDS})
            self.status = raw.get("status")
            self.session_type = raw.get("session_type")
        else:  # malformed: served as it came
            self.summary_json = _dump(raw)
            self.status = None
            self.session_type = None
        self.detail_json: str | None = None


class SessionStore:
    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self._index: list[tuple[int, float, str]] = []
        self._anon = 0

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()
        self._index.clear()
        self._anon = 0

    def _key_of(self, raw: Any) -> str:
        ident = raw.get("id") if isinstance(raw, dict) else None
        if isinstance(ident, str | int) and not isinstance(ident, bool) and str(ident):
            return str(ident)
        self._anon += 1
        return f"__anonymous_{self._anon}"

    def upsert(self, items: Iterable[Any]) -> tuple[int, int]:
        """Insert or replace sessions by ``id`` (items without one are kept under a private key).

        Returns ``(inserted, updated)``.
        """
        batch = list(items)
        rebuild = len(batch) > 64
        inserted = updated = 0
        for raw in batch:
            key = self._key_of(raw)
            old = self._entries.get(key)
            entry = _Entry(key, raw)
            if old is not None:
                updated += 1
                if not rebuild:
                    i = bisect.bisect_left(self._index, old.sort_key)
                    if i < len(self._index) and self._index[i] == old.sort_key:
                        del self._index[i]
            else:
                inserted += 1
            self._entries[key] = entry
            if not rebuild:
                bisect.insort(self._index, entry.sort_key)
        if rebuild:
            self._index = sorted(e.sort_key for e in self._entries.values())
        return inserted, updated

    def get_json(self, session_id: str) -> str | None:
        entry = self._entries.get(session_id)
        if entry is None:
            return None
        if entry.detail_json is None:
            entry.detail_json = _dump(entry.raw)
        return entry.detail_json

    def list_page(
        self, *, page: int, page_size: int, session_type: str | None = None, status: str | None = None,
        updated_since: datetime | None = None,
    ) -> tuple[list[str], int]:
        """``(summary JSON fragments of the page, total matching)``, newest ``updated_at`` first."""
        index = self._index
        end = len(index)
        if updated_since is not None:
            # only sessions updated strictly after updated_since (these sort first)
            end = bisect.bisect_left(index, (0, -updated_since.timestamp()))
        start = (page - 1) * page_size
        stop = start + page_size
        if session_type is None and status is None:
            keys = index[start:min(stop, end)] if start < end else []
            return [self._entries[k[2]].summary_json for k in keys], end
        out: list[str] = []
        total = 0
        for k in index[:end]:
            e = self._entries[k[2]]
            if session_type is not None and e.session_type != session_type:
                continue
            if status is not None and e.status != status:
                continue
            if start <= total < stop:
                out.append(e.summary_json)
            total += 1
        return out, total
