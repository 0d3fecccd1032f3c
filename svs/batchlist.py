"""The dashboard's batch list, kept up to date incrementally rather than rebuilt from the whole store.

One refresh reads the names of the batch folders (one delimiter listing on S3, one directory read on disk), then
lists only the batches that can have changed: new ones and running ones. A finished batch (its summary stored)
changes afterwards only when a later rescan replaces one of its items; its row is kept and listed again about once
per :data:`COMPLETE_RECHECK_S`, a share of the finished batches per refresh, so the cost of a refresh follows the
batches under way, not the size of the store. A summary or a manifest, stored create-only, is read once.
"""

from __future__ import annotations

import math
import threading
import time
import zlib
from dataclasses import dataclass, field
from typing import Any

from svs import keys
from svs.errors import InvalidId
from svs.log import get_logger
from svs.report.collect import expected_items, read_summary
from svs.storage.base import Store

log = get_logger("svs.batchlist")

#: How long one refresh of the list serves every request for it (browsers poll every two seconds).
LIST_TTL_S = 2.0
#: How stale a finished batch's row may grow before it is listed again (its "rescanned since" count: a rescan of
#: one of its items is the only change a finished batch sees).
COMPLETE_RECHECK_S = 60.0


@dataclass
class _Entry:
    row: dict[str, Any]
    checked: float
    expected: int | None = None
    summary_read: bool = False


@dataclass
class BatchList:
    """The batch list of *store*, refreshed at most once per *ttl_s*. Thread-safe: callers wait for a refresh
    under way rather than start another."""

    store: Store
    ttl_s: float = LIST_TTL_S
    recheck_s: float = COMPLETE_RECHECK_S
    lock: threading.Lock = field(default_factory=threading.Lock)
    entries: dict[str, _Entry] = field(default_factory=dict)
    odd: set[str] = field(default_factory=set)
    at: float = float("-inf")
    rows: list[dict[str, Any]] = field(default_factory=list)
    #: Batch folders listed by the last refresh (how much work it did; the benchmark reports it).
    listed: int = 0

    def get(self) -> list[dict[str, Any]]:
        with self.lock:
            if time.monotonic() - self.at > self.ttl_s:
                self.rows = self._refresh(time.monotonic())
            return self.rows

    def refresh(self, now: float | None = None) -> list[dict[str, Any]]:
        """Refresh now, whatever the age of the last one (*now*: the monotonic clock's reading, given by a
        benchmark that replays polls faster than they come)."""
        with self.lock:
            self.rows = self._refresh(time.monotonic() if now is None else now)
            return self.rows

    def _refresh(self, now: float) -> list[dict[str, Any]]:
        names = [n for n in self.store.children("batches/") if self._is_batch(n)]
        present = set(names)
        for gone in set(self.entries) - present:
            del self.entries[gone]
        complete = [n for n in names if n in self.entries and self.entries[n].row["complete"]]
        # finished batches due again, the longest unchecked first, as many as spread them over recheck_s
        since = min(now - self.at, self.recheck_s) if math.isfinite(self.at) else self.recheck_s
        budget = math.ceil(len(complete) * since / self.recheck_s)
        due = sorted((n for n in complete if now - self.entries[n].checked >= self.recheck_s),
                     key=lambda n: self.entries[n].checked)[:budget]
        again = set(due) | {n for n in names if n not in complete}
        for name in sorted(again):
            self.entries[name] = self._listed(name, self.entries.get(name), now)
        self.listed, self.at = len(again), now
        return [self.entries[n].row for n in names if n in self.entries]

    def _is_batch(self, name: str) -> bool:
        if name in self.odd:
            return False
        try:
            keys.check_id(name, "batch id")
        except InvalidId:
            self.odd.add(name)
            log.warning("a folder in the store's batches is not a batch id: left out", extra={"count": 1})
            return False
        return True

    def _listed(self, batch: str, old: _Entry | None, now: float) -> _Entry:
        """The batch's row from one listing of its folder, reading its summary or manifest only the first time."""
        done = rescanned = 0
        complete = has_manifest = False
        for key in self.store.list(f"batches/{batch}/"):
            if key.endswith("/result.json"):
                done += 1
            elif key.endswith("/superseded.json"):
                rescanned += 1
            elif key == keys.batch_summary(batch):
                complete = True
            elif key == keys.batch_manifest(batch):
                has_manifest = True
        entry = old or _Entry(row={}, checked=now)
        row = {"batch_id": batch, "items_done": done, "items_expected": entry.row.get("items_expected"),
               "complete": complete, "verdicts": entry.row.get("verdicts", {}), "rescanned": rescanned}
        if complete and not entry.summary_read:
            summary = read_summary(self.store, batch)
            if summary is not None:
                row["items_expected"], row["verdicts"] = summary.items, summary.verdicts
                entry.summary_read = True
        elif not complete and has_manifest and row["items_expected"] is None:
            row["items_expected"] = expected_items(self.store, batch)
        entry.row, entry.checked = row, now
        if complete and old is None:
            # a batch first seen finished counts as checked at a point of the last period spread by its name, so
            # that the finished batches of a dashboard's first listing do not all fall due in the same refresh
            entry.checked = now - self.recheck_s * (zlib.crc32(batch.encode()) % 1024) / 1024
        return entry


def batch_rows(store: Store) -> list[dict[str, Any]]:
    """The batch list built at once from the store (every batch listed)."""
    return BatchList(store).refresh()
