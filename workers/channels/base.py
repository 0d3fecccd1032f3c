"""The channel interface."""

from __future__ import annotations

import abc
from collections.abc import Iterator, Sequence

from workers.channels.routing import RESULTS


class Channel(abc.ABC):
    #: The results exchange; also the name of the default consumer's queue (RabbitMQ) or group (Redis).
    RESULTS = RESULTS
    #: A plain queue: notices of messages that failed for good.
    DEAD_LETTERS = "svs.dead-letter"

    @abc.abstractmethod
    def publish(self, queue: str, body: bytes) -> None:
        """Durably publish *body* on the plain queue *queue*; returns once the broker has accepted it."""

    @abc.abstractmethod
    def publish_result_unique(self, body: bytes, routing_key: str, key: str, exchange: str = RESULTS) -> bool:
        """Publish *body* on the results exchange under *routing_key* unless a publication under *key* was made,
        atomically; True when this call published."""

    @abc.abstractmethod
    def consume(self, queue: str, *, follow: bool = False, idle_timeout: float = 1.0) -> Iterator[bytes]:
        """Take messages off the plain queue *queue*; without *follow*, stop when it is empty."""

    @abc.abstractmethod
    def results(self, queue: str | None = None, binds: Sequence[str] | None = None, *, follow: bool = False,
                idle_timeout: float = 1.0, exchange: str = RESULTS) -> Iterator[bytes]:
        """The result messages of the consumer that owns *queue* (None: the default consumer, bound to
        everything). The queue is declared on first use; *binds* are added to its bindings, which the broker
        keeps (a new queue given none is bound to everything). A message is acknowledged when the caller asks
        for the next one, so one the caller did not finish handling comes back; without *follow*, stop when
        none is waiting."""

    @abc.abstractmethod
    def depth(self, queue: str) -> int: ...

    @abc.abstractmethod
    def purge(self, queue: str) -> None:
        """Empty the plain queue *queue*, or the results exchange's stream (Redis) when *queue* names it."""

    @abc.abstractmethod
    def close(self) -> None: ...
