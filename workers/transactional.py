"""A RabbitMQ broker whose consumers settle each message in an AMQP transaction, with its outbox.

Dramatiq's consumer acknowledges from its own thread (the one that owns the channel). This one puts the channel in
transaction mode and, for each message, publishes what the actor recorded in the message's outbox
(:mod:`workers.publication`), acknowledges (or rejects) the message and commits: RabbitMQ applies all of it or,
when the worker dies first, none of it, and the message comes back marked redelivered. Every settlement commits,
since in transaction mode an acknowledgement not committed is not applied.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pika
from dramatiq.brokers.rabbitmq import RabbitmqBroker, _RabbitmqConsumer
from dramatiq.errors import ConnectionClosed

from workers import health
from workers.channels.rabbitmq import declare_results
from workers.publication import TRANSACTIONAL, take_outbox

_AMQP_ERRORS = (pika.exceptions.AMQPConnectionError, pika.exceptions.AMQPChannelError)
_PERSISTENT_JSON = pika.BasicProperties(delivery_mode=2, content_type="application/json")


class TransactionalConsumer(_RabbitmqConsumer):
    def __init__(self, broker: Any, queue_name: str, prefetch: int, timeout: int) -> None:
        super().__init__(broker, queue_name, prefetch, timeout)
        self.timeout_s = timeout / 1000
        self._declared: set[str] = set()
        try:
            self.channel.tx_select()
        except _AMQP_ERRORS as e:
            raise ConnectionClosed(e) from None

    def __next__(self) -> Any:
        if not health.taking_work():  # behind on its heartbeat: settle what it holds, take nothing new
            try:
                self.connection.process_data_events(time_limit=min(self.timeout_s, 1.0))
            except _AMQP_ERRORS as e:
                raise ConnectionClosed(e) from None
            return None
        message = super().__next__()
        if message is not None:
            vars(message)[TRANSACTIONAL] = True
        return message

    def ack(self, message: Any) -> None:
        self._settle(message, ack=True)

    def nack(self, message: Any) -> None:
        self._settle(message, ack=False)

    def _nack(self, tag: int) -> None:  # a message that could not be decoded
        self.connection.add_callback_threadsafe(partial(self._commit, tag, False, []))

    def _settle(self, message: Any, ack: bool) -> None:
        outbox = take_outbox(message)
        try:
            self.known_tags.remove(message._tag)
        except KeyError:
            # the consumer was reset since the delivery: RabbitMQ delivers the message again and the redelivery
            # publishes what this one would have
            self.logger.warning("Failed to settle message: not in known tags.")
            return
        try:
            self.connection.add_callback_threadsafe(partial(self._commit, message._tag, ack, outbox))
        except _AMQP_ERRORS as e:
            raise ConnectionClosed(e) from None

    def _commit(self, tag: int, ack: bool, outbox: list[tuple[str, str, bytes]]) -> None:
        """Runs on the consumer's thread. An error here closes the connection; nothing was committed."""
        for exchange, routing_key, body in outbox:
            if exchange not in self._declared:
                declare_results(self.channel, exchange)
                self._declared.add(exchange)
            self.channel.basic_publish(exchange=exchange, routing_key=routing_key, body=body,
                                       properties=_PERSISTENT_JSON)
        if ack:
            self.channel.basic_ack(tag)
        else:
            self.channel.basic_nack(tag, requeue=False)
        self.channel.tx_commit()


class TransactionalRabbitmqBroker(RabbitmqBroker):
    @property
    def consumer_class(self) -> type[TransactionalConsumer]:
        return TransactionalConsumer
