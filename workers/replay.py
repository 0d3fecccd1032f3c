"""``svs replay``: put the messages of the dead-letter queue back on the item queue, once each.

A message lands in Dramatiq's dead-letter queue when it failed for good (poison, or its retries spent while a
store or engine was down). Once the cause is fixed, ``svs replay`` moves each one back with its retry count reset.
Replaying is safe: the actor is idempotent (an item whose result is stored is published at most once), so a
message replayed twice, or replayed after it was somehow done, changes nothing.
"""

from __future__ import annotations

import os
from typing import cast
from urllib.parse import urlparse

import dramatiq
from dramatiq.common import q_name

from svs.log import get_logger
from workers.config import broker_url

log = get_logger("workers.replay")


def _fresh(message: dramatiq.Message) -> dramatiq.Message:
    """The message as first sent: back on its own queue (not the delay queue a retry moved it to), its retry
    count, error and broker bookkeeping gone. ``Message.copy`` merges options, so the tuple is rebuilt."""
    drop = ("retries", "traceback", "eta", "redis_message_id", "dead_letter", "requeue_timestamps")
    options = {k: v for k, v in message.options.items() if k not in drop}
    return message._replace(queue_name=q_name(message.queue_name), options=options)


def _log_replay(message: dramatiq.Message) -> None:
    """Record the replay in the message's batch's decision log (:mod:`svs.decisions`). A message whose ids or
    store cannot be used is replayed all the same: the worker dead-letters it again with its reason."""
    from svs import decisions, keys
    from svs.errors import SvsError
    from svs.storage import open_store

    kwargs = message.kwargs or {}
    try:
        batch_id = keys.check_id(str(kwargs.get("batch_id")), "batch id")
        item_id = keys.check_id(str(kwargs.get("item_id")), "item id")
        store = open_store(str(kwargs.get("store_url")))
        decisions.append(store, batch_id, "message_replayed", [], f"{item_id} {message.message_id}")
    except (SvsError, OSError, ValueError):
        log.warning("replay not recorded in a decision log", extra={"message_id": message.message_id})


def replay(url: str | None = None, queue: str = "svs-items", limit: int | None = None) -> int:
    """Move up to *limit* dead-lettered messages of *queue* back onto it; returns how many were moved."""
    url = broker_url(url)
    os.environ["SVS_BROKER_URL"] = url  # the actors module sets its broker up from it
    from workers import actors  # noqa: F401 - declares the actor and its queue on the broker

    broker = dramatiq.get_broker()
    if urlparse(url).scheme.startswith("redis"):
        return _replay_redis(broker, url, queue, limit)
    return _replay_rabbitmq(broker, url, queue, limit)


def _replay_rabbitmq(broker: dramatiq.Broker, url: str, queue: str, limit: int | None) -> int:
    import pika

    conn = pika.BlockingConnection(pika.URLParameters(url))
    moved = 0
    try:
        channel = conn.channel()
        while limit is None or moved < limit:
            method, _, body = channel.basic_get(queue=f"{queue}.XQ", auto_ack=False)
            if method is None:
                break
            message = dramatiq.Message.decode(body)
            broker.enqueue(_fresh(message))  # confirmed before the dead letter goes
            _log_replay(message)
            channel.basic_ack(method.delivery_tag)
            moved += 1
    finally:
        conn.close()
    return moved


def _replay_redis(broker: dramatiq.Broker, url: str, queue: str, limit: int | None) -> int:
    import redis

    client = redis.Redis.from_url(url)
    xq = f"dramatiq:{queue}.XQ"
    moved = 0
    ids: list[bytes] = list(client.zrange(xq, 0, -1 if limit is None else limit - 1))  # type: ignore[arg-type]
    for message_id in ids:
        body = cast("bytes | None", client.hget(f"{xq}.msgs", message_id))
        if body is not None:
            message = dramatiq.Message.decode(body)
            broker.enqueue(_fresh(message))
            _log_replay(message)
            moved += 1
        client.hdel(f"{xq}.msgs", message_id)
        client.zrem(xq, message_id)
    return moved
