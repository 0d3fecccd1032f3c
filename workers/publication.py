"""Exactly-once publication of item results, application results and batch summaries.

Publishing and then recording that one published leaves a window: a worker killed between the two publishes the
same result again when its message comes back. Each broker closes the window its own way.

RabbitMQ
    The worker thread does not publish. It records the publication in the message's *outbox*, and the consumer
    thread sends the outbox and the acknowledgement of the item message in one AMQP transaction
    (:mod:`workers.transactional`). Killed before the commit, nothing is published and the message comes back,
    marked redelivered; killed after it, the message does not come back. A marker object per publication,
    created before the commit and naming the message's attempt (message id and retry count), tells a redelivery
    of that same attempt (its commit never happened: publish) from any other message for the same item (a retry
    of an attempt that committed, a batch submitted again, a replay: do not publish).
Redis
    One Lua script sets a key per publication and adds the message to the results stream only if the key was
    new, atomically (:meth:`workers.channels.redis.RedisChannel.publish_result_unique`); the marker object
    follows. The key names the store as well as the marker (:func:`unique_key`): batch ids come from the files'
    content, so the same files submitted to two stores that share a Redis are two batches, each published.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from svs.errors import ObjectConflict
from svs.storage import Store
from workers.channels import Channel

#: The attribute of a delivered message that holds its outbox: ``[(exchange, routing key, body), ...]``. Kept on
#: the message object in this process only; never in the message's options, which travel with a retry.
OUTBOX = "svs_outbox"
#: Set by the transactional consumer on every message it delivers.
TRANSACTIONAL = "svs_transactional"


def is_transactional(message: Any) -> bool:
    return message is not None and bool(vars(message).get(TRANSACTIONAL))


def attempt_of(message: Any) -> str:
    """The message attempt a marker names: a retry is another attempt of the same message id."""
    return f"{message.message_id}:{int(message.options.get('retries', 0))}"


def take_outbox(message: Any) -> list[tuple[str, str, bytes]]:
    """The publications recorded for *message*, removed from it (the consumer sends them once)."""
    return list(vars(message).pop(OUTBOX, []))


def claim(store: Store, marker_key: str, attempt: str, redelivered: bool) -> bool:
    """Whether this attempt is to publish under *marker_key*, creating the marker that names it if none exists.

    A marker naming this same attempt on a redelivery means the earlier delivery died before its commit; on a
    fresh delivery it means another copy of the message got there first. Any other marker: published, or about
    to be by the attempt it names (whose redelivery will do it)."""
    # the nonce makes each delivery's marker its own: two copies of one message never both create "theirs"
    try:
        store.put(marker_key, f"{attempt} {uuid.uuid4().hex}".encode(), "marker", "text/plain")
    except ObjectConflict:
        return redelivered and store.get(marker_key).decode("ascii", "replace").split(" ")[0] == attempt
    return True


def unique_key(store: Store, marker_key: str) -> str:
    """The broker-side key of the publication under *marker_key* in *store*: the marker's key within its store
    (a digest of the store's URL, so that no bucket or path name goes into the broker)."""
    return f"{hashlib.sha256(store.url.encode()).hexdigest()[:16]}/{marker_key}"


def publish_once(store: Store, marker_key: str, body: bytes, message: Any, channel: Channel | None,
                 routing_key: str, exchange: str = Channel.RESULTS) -> bool:
    """Publish *body* on the results *exchange* under *routing_key* (:mod:`workers.channels.routing`) exactly
    once per *marker_key*. True when this call published (or, under RabbitMQ, will publish with the message's
    acknowledgement)."""
    if is_transactional(message):
        if not claim(store, marker_key, attempt_of(message), bool(getattr(message, "redelivered", False))):
            return False
        vars(message).setdefault(OUTBOX, []).append((exchange, routing_key, body))
        return True
    if store.exists(marker_key):
        return False
    if channel is None:
        raise ValueError("a message not consumed in a transaction needs a channel to publish on")
    published = channel.publish_result_unique(body, routing_key, unique_key(store, marker_key), exchange)
    store.put(marker_key, b"", "marker", "text/plain")
    return published
