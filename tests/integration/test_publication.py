"""Exactly-once publication on the real brokers, the worker's death placed exactly between recording a result and
acknowledging its message (the window that random SIGKILLs hit only now and then)."""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dramatiq
import pika
import pytest
from integration_helpers import queue_depth

from svs.storage import open_store
from workers import publication
from workers.channels import open_channel
from workers.recovering_redis import RecoveringRedisBroker
from workers.transactional import TransactionalRabbitmqBroker

pytestmark = pytest.mark.integration

ITEM = "item.accepted"  # a routing key


@pytest.fixture
def queues(rabbitmq_url: str) -> Iterator[tuple[str, str]]:
    """An item queue and a result queue of this test's own, deleted afterwards."""
    tag = uuid.uuid4().hex[:8]
    items, results = f"svs-test-items-{tag}", f"svs.test-results-{tag}"
    yield items, results
    conn = pika.BlockingConnection(pika.URLParameters(rabbitmq_url))
    for queue in (items, f"{items}.DQ", f"{items}.XQ", results):
        with contextlib.suppress(pika.exceptions.ChannelClosedByBroker):
            conn.channel().queue_delete(queue)
    with contextlib.suppress(pika.exceptions.ChannelClosedByBroker):
        conn.channel().exchange_delete(results)
    conn.close()


def _deliver(consumer: Any) -> Any:
    for _ in range(50):
        message = next(consumer)
        if message is not None:
            return message
    raise AssertionError("no message delivered")


def _settle(consumer: Any, message: Any, ack: bool = True) -> None:
    consumer.ack(message) if ack else consumer.nack(message)
    assert next(consumer) is None  # the consumer thread's turn: publish, settle, commit (and nothing more queued)


def test_a_worker_dead_before_the_commit_publishes_nothing_and_its_redelivery_publishes_once(
    rabbitmq_url: str, queues: tuple[str, str], tmp_path: Path
) -> None:
    items, results = queues
    broker = TransactionalRabbitmqBroker(url=rabbitmq_url, middleware=[])
    broker.declare_queue(items)
    message = dramatiq.Message(queue_name=items, actor_name="process", args=(), kwargs={}, options={})
    broker.enqueue(message)
    store = open_store(str(tmp_path / "store"))
    marker, body = "batches/b/items/0001/published", b'{"kind": "item"}'

    first = broker.consume(items, prefetch=1, timeout=200)
    delivery = _deliver(first)
    assert publication.publish_once(store, marker, body, delivery, None, ITEM, results)
    first.connection.close()  # the worker dies after recording the result, before acknowledging its message
    assert queue_depth(rabbitmq_url, results) == 0

    second = broker.consume(items, prefetch=1, timeout=200)
    redelivery = _deliver(second)
    assert redelivery.redelivered and redelivery.message_id == message.message_id
    assert publication.publish_once(store, marker, body, redelivery, None, ITEM, results)
    _settle(second, redelivery)
    assert queue_depth(rabbitmq_url, results) == 1
    assert queue_depth(rabbitmq_url, items) == 0  # acknowledged in the same commit

    # a copy of the same message (an enqueue repeated by a broker failover) and a retry of it publish nothing
    for again_sent in (message, message.copy(options={"retries": 1})):
        broker.enqueue(again_sent)
        again = _deliver(second)
        assert not publication.publish_once(store, marker, body, again, None, ITEM, results)
        _settle(second, again)
    assert queue_depth(rabbitmq_url, results) == 1
    second.close()
    broker.close()


def test_a_rejected_message_still_publishes_what_it_recorded(
    rabbitmq_url: str, queues: tuple[str, str], tmp_path: Path
) -> None:
    """A result stored and recorded before a later step failed for good is published with the rejection: its
    marker says so, and nothing else would publish it."""
    items, results = queues
    broker = TransactionalRabbitmqBroker(url=rabbitmq_url, middleware=[])
    broker.declare_queue(items)
    broker.enqueue(dramatiq.Message(queue_name=items, actor_name="process", args=(), kwargs={}, options={}))
    store = open_store(str(tmp_path / "store"))
    consumer = broker.consume(items, prefetch=1, timeout=200)
    delivery = _deliver(consumer)
    assert publication.publish_once(store, "m", b"{}", delivery, None, ITEM, results)
    _settle(consumer, delivery, ack=False)
    assert queue_depth(rabbitmq_url, results) == 1
    assert queue_depth(rabbitmq_url, items) == 0
    consumer.close()
    broker.close()


def test_redis_pushes_a_publication_once_however_often_it_is_tried(redis_url: str, tmp_path: Path) -> None:
    channel = open_channel(redis_url)
    exchange = f"svs.test-results-{uuid.uuid4().hex[:8]}"
    store = open_store(str(tmp_path / "store"))
    key = f"batches/{uuid.uuid4().hex}/items/0001/published"
    try:
        assert channel.publish_result_unique(b"{}", "item.accepted", publication.unique_key(store, key), exchange)
        # killed after the push, before the marker: the redelivery pushes nothing
        assert not publication.publish_once(store, key, b"{}", None, channel, "item.accepted", exchange)
        assert store.exists(key)
        assert not publication.publish_once(store, key, b"{}", None, channel, "item.accepted", exchange)
        assert list(channel.results(exchange=exchange)) == [b"{}"]
    finally:
        channel.purge(exchange)
        channel.close()


def test_the_same_batch_in_two_stores_sharing_a_redis_is_published_once_for_each(redis_url: str,
                                                                                   tmp_path: Path) -> None:
    """Batch ids come from the files' content: the same files submitted to two stores are two batches."""
    channel = open_channel(redis_url)
    exchange = f"svs.test-results-{uuid.uuid4().hex[:8]}"
    stores = [open_store(str(tmp_path / "a")), open_store(str(tmp_path / "b"))]
    key = f"batches/{uuid.uuid4().hex}/items/0001/published"
    try:
        for i, store in enumerate(stores):
            for _ in range(2):
                publication.publish_once(store, key, str(i).encode(), None, channel, "item.accepted", exchange)
        assert list(channel.results(exchange=exchange)) == [b"0", b"1"]
    finally:
        channel.purge(exchange)
        channel.close()


def test_a_dead_redis_workers_message_is_back_in_its_queue_after_the_heartbeat_timeout(redis_url: str) -> None:
    """Dramatiq alone gives it back only on a random thousandth of commands (minutes on a quiet queue)."""
    namespace = f"svs-test-{uuid.uuid4().hex[:8]}"
    dead = RecoveringRedisBroker(url=redis_url, namespace=namespace, heartbeat_timeout=1000)
    alive = RecoveringRedisBroker(url=redis_url, namespace=namespace, heartbeat_timeout=1000)
    try:
        for broker in (dead, alive):
            broker.declare_queue("items")
        sent = dead.enqueue(dramatiq.Message(queue_name="items", actor_name="a", args=(), kwargs={}, options={}))
        taken = _deliver(dead.consume("items", prefetch=1, timeout=200))  # and the worker dies holding it
        assert taken.message_id == sent.message_id
        waiting = f"{namespace}:items"  # the queue's list of message ids
        assert alive.client.llen(waiting) == 0
        time.sleep(1.5)  # past the dead worker's heartbeat timeout
        alive.maintain()
        assert alive.client.llen(waiting) == 1
        again = _deliver(alive.consume("items", prefetch=1, timeout=200))
        assert again.message_id == sent.message_id
    finally:
        keys = alive.client.keys(f"{namespace}:*")
        if keys:
            alive.client.delete(*keys)
        dead.close()
        alive.close()


def test_dead_letter_notices_of_threads_failing_at_once_are_all_published(any_broker: str) -> None:
    # a worker runs several threads; two dead-lettering at the same moment once shared one pika connection and
    # one notice was lost
    from dramatiq.broker import MessageProxy
    from integration_helpers import collect

    from svs.errors import TransientStoreError
    from workers.middleware import DeadLetterNotice

    notice, n, each = DeadLetterNotice(any_broker), 8, 4
    start = threading.Barrier(n)

    def fail(i: int) -> None:
        start.wait()
        for k in range(i * each, (i + 1) * each):
            message = MessageProxy(dramatiq.Message(queue_name="svs.items", actor_name="process_item", args=(),
                                                    kwargs={"batch_id": "b-threads", "item_id": f"{k:04d}"},
                                                    options={"retries": 1}))
            message.fail()
            notice.after_process_message(None, message,  # type: ignore[arg-type]
                                         exception=TransientStoreError("store down"))

    threads = [threading.Thread(target=fail, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    got = collect(any_broker, lambda m: len(m) >= n * each, queue="svs.dead-letter", timeout=30)
    assert sorted(d["item_id"] for d in got) == [f"{k:04d}" for k in range(n * each)]
