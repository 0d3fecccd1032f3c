"""The channel interface."""

from __future__ import annotations

import abc
from collections.abc import Iterator


class Channel(abc.ABC):
    RESULTS = "svs.results"
    DEAD_LETTERS = "svs.dead-letter"

    @abc.abstractmethod
    def publish(self, queue: str, body: bytes) -> None:
        """Durably publish *body*; returns once the broker has accepted it."""

    @abc.abstractmethod
    def publish_unique(self, queue: str, body: bytes, key: str) -> bool:
        """Publish *body* unless a publication under *key* was made, atomically; True when this call published."""

    @abc.abstractmethod
    def consume(self, queue: str, *, follow: bool = False, idle_timeout: float = 1.0) -> Iterator[bytes]:
        """Take messages off *queue*; without *follow*, stop when it is empty."""

    @abc.abstractmethod
    def depth(self, queue: str) -> int: ...

    @abc.abstractmethod
    def purge(self, queue: str) -> None: ...

    @abc.abstractmethod
    def close(self) -> None: ...
