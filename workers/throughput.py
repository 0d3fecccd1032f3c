"""The rate at which the workers clear items, measured, and the backlog a submission joins.

Each worker process counts the items it finishes per minute and, once a minute is over, stores the count in the
store the items went to (``throughput/<minute>/<process>.json``, create-only; a minute without items writes
nothing). The rate is what all processes cleared in the last :data:`WINDOW_MIN` whole minutes. ``svs submit``
reads it to tell the operator how long the backlog ahead is, and refuses a batch that would take a lane past
``SVS_BACKLOG_LIMIT`` before anything of it is stored.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass

from svs.batch.folder import BatchError
from svs.errors import ObjectConflict
from svs.schema import Priority
from svs.storage.base import Store

PREFIX = "throughput/"
#: Whole minutes the rate is measured over.
WINDOW_MIN = 5
_PROCESS = uuid.uuid4().hex[:12]  # names this process's records; nothing about the machine or its user


def _minute(at: float) -> str:
    return time.strftime("%Y%m%d%H%M", time.gmtime(at))


class Ledger:
    """This process's finished items per store and minute, flushed once each minute is over."""

    def __init__(self, process: str = _PROCESS) -> None:
        self.process = process
        self.counts: dict[str, Counter[str]] = {}
        self.lock = threading.Lock()

    def done(self, store_url: str, at: float | None = None) -> None:
        with self.lock:
            self.counts.setdefault(store_url, Counter())[_minute(time.time() if at is None else at)] += 1

    def flush(self, stores: dict[str, Store], now: float | None = None) -> int:
        """Store the counts of minutes that are over; returns how many records were written."""
        current = _minute(time.time() if now is None else now)
        with self.lock:
            due = [(url, m, n) for url, c in self.counts.items() for m, n in c.items() if m < current]
            for url, m, _ in due:
                del self.counts[url][m]
        written = 0
        for url, minute, n in due:
            store = stores.get(url)
            if store is None:
                continue
            body = json.dumps({"items": n}).encode()
            try:
                store.put(f"{PREFIX}{minute}/{self.process}.json", body, "throughput", "application/json")
                written += 1
            except ObjectConflict:  # cannot happen for one process and minute; never stop a worker for it
                pass
        return written


LEDGER = Ledger()


def rate(store: Store, now: float | None = None) -> float | None:
    """Items per second all workers cleared over the last whole minutes; None where nothing was recorded."""
    now = time.time() if now is None else now
    total = 0
    seen = False
    for back in range(1, WINDOW_MIN + 1):
        for key in store.list(f"{PREFIX}{_minute(now - 60 * back)}/"):
            try:
                total += int(json.loads(store.get(key)).get("items", 0))
                seen = True
            except (KeyError, ValueError, AttributeError):
                continue
    return total / (60 * WINDOW_MIN) if seen else None


class BacklogFull(BatchError):
    """The lane already holds as many waiting items as it may: the batch is refused whole, nothing stored."""

    code = "batch.backlog_full"


@dataclass(frozen=True)
class Backlog:
    """What a submission joins: items waiting in each lane, and the workers' measured rate."""

    waiting: dict[Priority, int]
    rate: float | None

    def ahead(self, priority: Priority) -> int:
        """Items that will be taken before the submission's: its own lane's, and for a normal one the urgent."""
        return self.waiting["urgent"] + (self.waiting["normal"] if priority == "normal" else 0)

    def wait_s(self, priority: Priority) -> float | None:
        return None if not self.rate else self.ahead(priority) / self.rate

    def check(self, priority: Priority, items: int, limit: int) -> None:
        if limit and self.waiting[priority] + items > limit:
            raise BacklogFull(f"the {priority} lane holds {self.waiting[priority]} waiting items and takes at most "
                              f"{limit}: this batch of {items} was not submitted; submit it later")

    def line(self, priority: Priority) -> str:
        wait = self.wait_s(priority)
        waited = "no measured rate yet" if wait is None else \
            f"about {_duration(wait)} at the workers' measured {self.rate:.1f} items/s"
        return f"backlog ahead: {self.ahead(priority)} items ({waited})"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
