"""Fan-out of results to every downstream consumer on the real brokers: RabbitMQ's topic exchange with a durable
queue per consumer, Redis's stream with a consumer group per consumer. Each consumer gets every message it is
bound to, once, while others consume too, and when a consumer is killed mid-stream."""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from integration_helpers import (
    Consumer,
    Worker,
    applications,
    check_against_asyncapi,
    collect,
    consumer_results,
    items,
    publish_results,
    submit,
    summaries,
    wait_for,
    worker_env,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def tag(any_broker: str) -> Iterator[str]:
    """A prefix for this test's consumer queues; RabbitMQ's are deleted afterwards (Redis's groups go with the
    stream, which the next test's purge deletes)."""
    tag = f"t{uuid.uuid4().hex[:8]}"
    yield tag
    if any_broker.startswith("amqp"):
        import pika

        conn = pika.BlockingConnection(pika.URLParameters(any_broker))
        for name in ("case", "fraud", "stats", "sink"):
            with contextlib.suppress(pika.exceptions.ChannelClosedByBroker):
                conn.channel().queue_delete(f"{tag}.{name}")
        conn.close()


def _key(m: dict[str, Any]) -> str:
    return m["kind"] + "." + m["verdict"] if m["kind"] != "batch" else "batch"


def test_three_consumers_each_get_every_message_they_are_bound_to_and_the_default_queue_all(
    any_broker: str, tag: str, s3_endpoint: str, s3_store_url: str, sample_batch: Path, tmp_path: Path
) -> None:
    # each consumer declares its queue before the batch is submitted (what arrives before that is not theirs)
    assert consumer_results(any_broker, f"{tag}.case") == []
    assert consumer_results(any_broker, f"{tag}.fraud", "--bind", "item.refer", "--bind", "item.rejected",
                        "--bind", "application.*") == []
    assert consumer_results(any_broker, f"{tag}.stats", "--bind", "batch") == []
    env = worker_env(any_broker, s3_endpoint)
    submit(sample_batch, s3_store_url, env)
    worker = Worker(env, log=tmp_path / "worker.log")
    try:
        everything = collect(any_broker, lambda m: len(summaries(m)) >= 1 and len(items(m)) >= 10)
    finally:
        worker.stop()
    assert len(everything) == 12  # ten items, one application, the batch
    check_against_asyncapi(everything)  # as docs/asyncapi.yaml describes them
    case = consumer_results(any_broker, f"{tag}.case")
    fraud = consumer_results(any_broker, f"{tag}.fraud")  # its bindings are the broker's: not repeated
    stats = consumer_results(any_broker, f"{tag}.stats")
    by_key = sorted(everything, key=json.dumps)
    assert sorted(case, key=json.dumps) == by_key
    assert sorted(fraud, key=json.dumps) == [m for m in by_key if _key(m) in (
        "item.refer", "item.rejected", "application.refer", "application.rescan", "application.accepted",
        "application.rejected")]
    assert [m["kind"] for m in fraud].count("item") == sum(m["verdict"] in ("refer", "rejected")
                                                           for m in items(everything))
    assert stats == summaries(everything)
    # taken once: read again, every queue is empty
    for name in ("case", "fraud", "stats"):
        assert consumer_results(any_broker, f"{tag}.{name}") == []


def test_a_consumer_killed_mid_stream_loses_and_repeats_nothing_when_it_comes_back(
    any_broker: str, tag: str, tmp_path: Path
) -> None:
    """The messages are published as the workers publish them; the consumer, ``svs results --queue --follow``,
    is killed with SIGKILL holding what it had read and not acknowledged, and another takes its place."""
    n = 400
    queue = f"{tag}.sink"
    assert consumer_results(any_broker, queue) == []
    messages = [{"kind": "item", "verdict": "accepted", "batch_id": "b", "item_id": f"{i:04d}"}
                for i in range(1, n + 1)] + [{"kind": "batch", "batch_id": "b", "items": n}]

    killed = threading.Event()

    def publish_slowly() -> None:  # a stream still flowing when the consumer dies
        for start in range(0, len(messages), 10):
            if start == n // 2:  # the rest only once the consumer is dead, however slow the machine
                killed.wait(timeout=120)
            publish_results(any_broker, messages[start:start + 10])
            time.sleep(0.03)

    publisher = threading.Thread(target=publish_slowly)
    first = Consumer(any_broker, queue, tmp_path / "first.jsonl")
    try:
        wait_for(lambda: first.proc.poll() is None and first.out.exists(), timeout=30)
        publisher.start()
        wait_for(lambda: len(first.lines()) >= 20)
    finally:
        first.kill()  # mid-stream
        killed.set()
    assert len(first.lines()) < n
    second = Consumer(any_broker, queue, first.out.with_name("second.jsonl"))
    publisher.join()
    try:
        wait_for(lambda: len(summaries(first.lines() + second.lines())) >= 1, timeout=120)
        time.sleep(3)  # anything late would be a duplicate
    finally:
        second.stop()
    got = first.lines() + second.lines()
    assert sorted(r["item_id"] for r in items(got)) == [f"{i:04d}" for i in range(1, n + 1)]
    assert len(summaries(got)) == 1


def test_a_rescan_submitted_to_the_workers_reissues_its_application_to_the_consumers_bound_to_it(
    any_broker: str, tag: str, s3_endpoint: str, s3_store_url: str, sample_batch: Path, tmp_path: Path
) -> None:
    from test_rescans import rescan_batch

    env = worker_env(any_broker, s3_endpoint)
    worker = Worker(env, log=tmp_path / "worker.log")
    try:
        submit(sample_batch, s3_store_url, env)
        collect(any_broker, lambda m: len(summaries(m)) >= 1)
        assert consumer_results(any_broker, f"{tag}.case", "application.*") == []
        submit(rescan_batch(tmp_path, "again", {"page-4.jpg": "sample-0001/0004"}, "again-1"), s3_store_url, env)
        messages = collect(any_broker, lambda m: len(summaries(m)) >= 1)
    finally:
        worker.stop()
    (rescan,) = items(messages)
    assert rescan["supersedes"] == "sample-0001/0004" and rescan["application_id"] == "PA-2026-004211"
    (issued,) = applications(messages)
    assert (issued["batch_id"], issued["version"], issued["superseded"]) == ("sample-0001", 2, ["sample-0001/0004"])
    assert "again-1/0001" in issued["items"]
    check_against_asyncapi(messages)
    assert messages.index(issued) < messages.index(summaries(messages)[0])
    assert consumer_results(any_broker, f"{tag}.case") == [issued]  # bound to applications only: just this
