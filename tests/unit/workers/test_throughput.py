"""The workers' measured rate and the backlog a submission joins."""

from __future__ import annotations

import calendar
from pathlib import Path

import pytest

from svs.storage import DirStore
from workers.throughput import Backlog, BacklogFull, Ledger, rate

T0 = calendar.timegm((2026, 12, 4, 10, 0, 0))


def test_minutes_over_are_stored_once_and_give_the_rate_of_every_process(tmp_path: Path) -> None:
    store = DirStore(tmp_path)
    url = store.url
    a, b = Ledger("process-a"), Ledger("process-b")  # two worker processes
    for i in range(120):
        a.done(url, T0 + i)  # 60 items in each of two minutes
    for i in range(60):
        b.done(url, T0 + 60 + i)
    assert a.flush({url: store}, now=T0 + 90) == 1  # the first minute is over, the second not
    assert a.flush({url: store}, now=T0 + 90) == 0  # nothing twice
    assert a.flush({url: store}, now=T0 + 125) == 1 and b.flush({url: store}, now=T0 + 125) == 1
    assert rate(store, now=T0 + 125) == pytest.approx(180 / 300)  # 180 items over the last five minutes
    assert rate(DirStore(tmp_path / "empty"), now=T0) is None


def test_the_backlog_ahead_of_a_normal_batch_counts_the_urgent_lane_too() -> None:
    backlog = Backlog({"urgent": 30, "normal": 570}, rate=2.0)
    assert backlog.ahead("urgent") == 30 and backlog.ahead("normal") == 600
    assert backlog.wait_s("normal") == 300
    assert backlog.line("normal") == "backlog ahead: 600 items (about 5 min at the workers' measured 2.0 items/s)"
    assert "no measured rate yet" in Backlog({"urgent": 0, "normal": 4}, rate=None).line("normal")


def test_a_lane_over_its_limit_refuses_the_batch_and_no_limit_refuses_nothing() -> None:
    backlog = Backlog({"urgent": 0, "normal": 95}, rate=None)
    backlog.check("normal", 5, limit=100)
    backlog.check("urgent", 50, limit=100)  # each lane its own
    backlog.check("normal", 10_000, limit=0)
    with pytest.raises(BacklogFull):
        backlog.check("normal", 6, limit=100)
