"""The dashboard's batch list: refreshed incrementally, equal at every step to the list built from the whole store."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from svs import keys
from svs.batchlist import BatchList, batch_rows
from svs.storage import DirStore


def _finished(store: DirStore, bid: str, items: int = 2) -> None:
    summary = {"kind": "batch", "schema_version": "1.5.0", "batch_id": bid, "items": items,
               "verdicts": {"accepted": items}, "reasons": {}, "stored": []}
    store.put(keys.batch_summary(bid), json.dumps(summary).encode(), "summary", "application/json")
    for i in range(1, items + 1):
        store.put(keys.result(bid, f"{i:04d}", f"{i:064d}"), b"{}", "manifest", "application/json")


def _running(store: DirStore, bid: str, expected: int, done: int) -> None:
    manifest = {"batch_id": bid, "items": [{"item_id": f"{i:04d}"} for i in range(1, expected + 1)]}
    store.put(keys.batch_manifest(bid), json.dumps(manifest).encode(), "manifest", "application/json")
    for i in range(1, done + 1):
        store.put(keys.result(bid, f"{i:04d}", f"{i:064d}"), b"{}", "manifest", "application/json")


def test_a_refresh_lists_only_new_and_running_batches_and_equals_the_whole_list(tmp_path: Path) -> None:
    store = DirStore(tmp_path)
    for b in range(6):
        _finished(store, f"done-{b}")
    _running(store, "live-1", expected=4, done=1)
    kept = BatchList(store, ttl_s=2.0, recheck_s=60.0)
    assert kept.refresh(now=0.0) == batch_rows(store) and kept.listed == 7
    _running(store, "live-1", expected=4, done=3)
    _running(store, "new-1", expected=2, done=0)
    rows = kept.refresh(now=2.0)
    assert kept.listed == 2  # the running batch and the new one; the finished ones are kept
    assert rows == batch_rows(store)
    assert {r["batch_id"]: r["items_done"] for r in rows}["live-1"] == 3
    shutil.rmtree(tmp_path / "batches" / "done-0")  # a batch taken out of the store leaves the list
    assert "done-0" not in [r["batch_id"] for r in kept.refresh(now=4.0)]


def test_a_finished_batch_is_checked_again_for_rescans_spread_over_the_recheck_period(tmp_path: Path) -> None:
    store = DirStore(tmp_path)
    for b in range(10):
        _finished(store, f"done-{b}")
    kept = BatchList(store, ttl_s=2.0, recheck_s=20.0)
    kept.refresh(now=0.0)
    store.put(keys.supersession("done-3", "0001", f"{1:064d}"), b"{}", "manifest", "application/json")
    listed, seen_at = [], None
    for step in range(1, 21):  # polled every 2 s for 40 s
        rows = kept.refresh(now=2.0 * step)
        listed.append(kept.listed)
        if seen_at is None and {r["batch_id"]: r["rescanned"] for r in rows}["done-3"] == 1:
            seen_at = 2.0 * step
    assert max(listed) <= 2 and sum(listed) >= 10  # a share per refresh, every batch within about the period
    assert seen_at is not None and seen_at <= 24.0
    assert kept.rows == batch_rows(store)


def test_a_folder_that_is_not_a_batch_id_is_left_out_with_one_log_line(tmp_path: Path) -> None:
    import logging

    lines: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
    logger = logging.getLogger("svs.batchlist")
    logger.addHandler(handler)
    try:
        store = DirStore(tmp_path)
        _finished(store, "done-1")
        (tmp_path / "batches" / "odd name").mkdir()
        kept = BatchList(store)
        for now in (0.0, 2.0, 4.0):
            assert [r["batch_id"] for r in kept.refresh(now=now)] == ["done-1"]
    finally:
        logger.removeHandler(handler)
    assert sum("not a batch id" in line for line in lines) == 1
