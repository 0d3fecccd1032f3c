"""RabbitMQ channel: durable queues, persistent messages, publisher confirms."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pika

from workers.channels.base import Channel


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

    def publish(self, queue: str, body: bytes) -> None:
        for attempt in range(2):
            try:
                ch = self._declare(queue)
                ch.basic_publish(exchange="", routing_key=queue, body=body, mandatory=True,
                                 properties=pika.BasicProperties(delivery_mode=2, content_type="application/json"))
                return
            except (pika.exceptions.AMQPConnectionError, pika.exceptions.AMQPChannelError,
                    pika.exceptions.StreamLostError):
                self.close()
                if attempt:
                    raise

    def publish_unique(self, queue: str, body: bytes, key: str) -> bool:
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
