"""RabbitMQ channel: durable queues, persistent messages, publisher confirms; results on a topic exchange."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator, Sequence
from typing import Any

import pika

from workers.channels.base import Channel
from workers.channels.routing import EVERYTHING, RESULTS

_LOST = (pika.exceptions.AMQPConnectionError, pika.exceptions.AMQPChannelError, pika.exceptions.StreamLostError)


def declare_results(ch: Any, exchange: str = RESULTS) -> None:
    """The results exchange, and the default consumer's queue (named like it) bound to every message, so that
    nothing published before that consumer first looks is lost. Idempotent, on every publisher and consumer."""
    ch.exchange_declare(exchange=exchange, exchange_type="topic", durable=True)
    ch.queue_declare(queue=exchange, durable=True)
    ch.queue_bind(queue=exchange, exchange=exchange, routing_key="#")


class RabbitChannel(Channel):
    def __init__(self, url: str) -> None:
        self.url = url
        self._conn: Any = None
        self._ch: Any = None
        self._declared: set[str] = set()

    def _channel(self) -> Any:
        if self._conn is None or self._conn.is_closed or self._ch is None or self._ch.is_closed:
            params = pika.URLParameters(self.url)
            params.heartbeat = 60
            params.blocked_connection_timeout = 30
            self._conn = pika.BlockingConnection(params)
            self._ch = self._conn.channel()
            self._ch.confirm_delivery()
            self._declared.clear()
        return self._ch

    def _declare(self, queue: str) -> Any:
        ch = self._channel()
        if queue not in self._declared:
            ch.queue_declare(queue=queue, durable=True)
            self._declared.add(queue)
        return ch

    def _declare_consumer(self, exchange: str, queue: str, binds: Sequence[str] | None) -> Any:
        ch = self._channel()
        tag = f"{exchange}\0{queue}"
        if tag not in self._declared:
            declare_results(ch, exchange)
            if binds is None:
                try:
                    ch.queue_declare(queue=queue, durable=True, passive=True)
                except pika.exceptions.ChannelClosedByBroker:  # a new queue: bound to everything
                    self.close()
                    ch = self._channel()
                    binds = EVERYTHING
            ch.queue_declare(queue=queue, durable=True)
            for pattern in binds or ():
                ch.queue_bind(queue=queue, exchange=exchange, routing_key=pattern)
            self._declared.add(tag)
        return ch

    def publish(self, queue: str, body: bytes) -> None:
        for attempt in range(2):
            try:
                ch = self._declare(queue)
                ch.basic_publish(exchange="", routing_key=queue, body=body, mandatory=True,
                                 properties=pika.BasicProperties(delivery_mode=2, content_type="application/json"))
                return
            except _LOST:
                self.close()
                if attempt:
                    raise

    def publish_result_unique(self, body: bytes, routing_key: str, key: str, exchange: str = RESULTS) -> bool:
        """RabbitMQ cannot check and publish in one step. Workers publish with the acknowledgement of their
        message, in one transaction (:mod:`workers.transactional`), and never come here."""
        raise NotImplementedError("on RabbitMQ, publish exactly once through workers.transactional")

    def consume(self, queue: str, *, follow: bool = False, idle_timeout: float = 1.0) -> Iterator[bytes]:
        ch = self._declare(queue)
        while True:
            method, _props, body = ch.basic_get(queue=queue, auto_ack=False)
            if method is None:
                if not follow:
                    return
                self._conn.sleep(idle_timeout) if idle_timeout else None
                continue
            yield body
            ch.basic_ack(method.delivery_tag)

    def results(self, queue: str | None = None, binds: Sequence[str] | None = None, *, follow: bool = False,
                idle_timeout: float = 1.0, exchange: str = RESULTS) -> Iterator[bytes]:
        """Following, a lost connection (a broker restart) is opened again. A message handled whose
        acknowledgement was lost with the connection comes back marked redelivered; it is recognised by its
        digest and acknowledged without being handed out twice."""
        name, patterns = (queue, binds) if queue else (exchange, ())  # the default queue is bound on declaring
        unacknowledged: set[bytes] = set()  # digests of messages handed out whose acknowledgement failed
        while True:
            try:
                ch = self._declare_consumer(exchange, name, patterns)
                method, _props, body = ch.basic_get(queue=name, auto_ack=False)
                if method is None:
                    if not follow:
                        return
                    self._conn.sleep(idle_timeout) if idle_timeout else None
                    continue
                digest = hashlib.sha256(body).digest()
                if not (method.redelivered and digest in unacknowledged):
                    unacknowledged.add(digest)
                    yield body
                ch.basic_ack(method.delivery_tag)
                unacknowledged.discard(digest)
            except _LOST:
                self.close()
                if not follow:
                    raise
                time.sleep(1.0)

    def depth(self, queue: str) -> int:
        ch = self._channel()
        return int(ch.queue_declare(queue=queue, durable=True).method.message_count)

    def purge(self, queue: str) -> None:
        self._declare(queue).queue_purge(queue)

    def close(self) -> None:
        try:
            if self._conn is not None and self._conn.is_open:
                self._conn.close()
        except Exception:  # noqa: BLE001 - closing a broken connection
            pass
        self._conn = self._ch = None
