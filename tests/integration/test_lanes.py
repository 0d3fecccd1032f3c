"""Priority lanes and backpressure on the real brokers: urgent items are taken before a normal backlog by a real
worker, each lane's depth and oldest message are reported, and a worker behind on its heartbeat takes nothing."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import dramatiq
import pytest
from integration_helpers import FAULT_OPTIONS, Worker, collect, items, submit, summaries, worker_env

from workers import health
from workers.lanes import QUEUES

pytestmark = pytest.mark.integration


def _batch(sample_batch: Path, root: Path, batch_id: str, priority: str = "normal") -> Path:
    folder = root / batch_id
    shutil.copytree(sample_batch, folder)
    manifest = json.loads((folder / "batch.json").read_text())
    manifest.update(batch_id=batch_id, priority=priority)
    (folder / "batch.json").write_text(json.dumps(manifest))
    return folder


def test_urgent_items_are_taken_before_a_normal_backlog_by_a_real_worker(
        any_broker: str, s3_endpoint: str, s3_store_url: str, sample_batch: Path, tmp_path: Path) -> None:
    env = worker_env(any_broker, s3_endpoint)
    for n in range(2):  # 20 normal items waiting before the urgent batch arrives
        submit(_batch(sample_batch, tmp_path, f"normal-{n}"), s3_store_url, env, *FAULT_OPTIONS)
    submit(_batch(sample_batch, tmp_path, "urgent-0", "urgent"), s3_store_url, env, *FAULT_OPTIONS)
    waiting = health.lane_depths(any_broker)
    assert waiting["urgent"]["ready"] == 10 and waiting["normal"]["ready"] == 20
    assert waiting["normal"]["oldest_s"] >= waiting["urgent"]["oldest_s"] >= 0
    worker = Worker(env, processes=1, threads=1, log=tmp_path / "worker.log")
    try:
        messages = collect(any_broker, lambda m: len(summaries(m)) >= 3, timeout=240)
    finally:
        worker.stop()
    order = [(m["batch_id"], m["priority"]) for m in items(messages)]
    assert len(order) == 30 and len(set(m["item_id"] + m["batch_id"] for m in items(messages))) == 30
    assert all(p == ("urgent" if b == "urgent-0" else "normal") for b, p in order)
    last_urgent = max(i for i, (b, _) in enumerate(order) if b == "urgent-0")
    # urgent first, the normal lane keeping its fifth: without lanes the last urgent item would be the 30th
    assert last_urgent < 16, order
    assert sum(b != "urgent-0" for b, _ in order[:last_urgent]) >= 1  # the normal lane was not starved


def test_the_oldest_message_of_a_lane_is_read_without_taking_it(any_broker: str) -> None:
    from workers.broker import make_broker

    broker = make_broker(any_broker)
    broker.declare_queue(QUEUES["urgent"])
    broker.enqueue(dramatiq.Message(queue_name=QUEUES["urgent"], actor_name="process_urgent", args=(),
                                    kwargs={}, options={}))
    time.sleep(1.2)
    for _ in range(2):  # read twice: the first reading gave the message back in place
        depths = health.lane_depths(any_broker)
        assert depths["urgent"]["ready"] == 1 and depths["urgent"]["oldest_s"] >= 1.0
        assert depths["normal"]["ready"] == 0 and depths["normal"]["oldest_s"] is None
    broker.close()


def test_a_worker_behind_on_its_heartbeat_takes_no_new_message(
        any_broker: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from workers.broker import make_broker

    broker = make_broker(any_broker)
    broker.declare_queue(QUEUES["normal"])
    broker.enqueue(dramatiq.Message(queue_name=QUEUES["normal"], actor_name="process", args=(), kwargs={},
                                    options={}))
    consumer = broker.consume(QUEUES["normal"], prefetch=1, timeout=200)
    try:
        monkeypatch.setattr(health, "_last_beat", time.monotonic() - health.BEHIND_AFTER_S - 1)
        assert all(next(consumer) is None for _ in range(5))
        monkeypatch.setattr(health, "_last_beat", time.monotonic())  # on time again
        message = None
        for _ in range(20):
            message = next(consumer)
            if message is not None:
                break
        assert message is not None and message.actor_name == "process"
        consumer.ack(message)
    finally:
        consumer.close()
        broker.close()
