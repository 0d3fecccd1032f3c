"""In-process channel for ``stub://`` brokers: queues held in this process's memory, shared by its threads.

Dramatiq's ``StubBroker`` runs actors in one process without a broker server; this is its channel, so that the
actors' logic (exactly-once publication, batch completion, dead letters) is tested without RabbitMQ or Redis.
The results exchange routes like RabbitMQ's topic exchange (:func:`workers.channels.routing.matches`). Nothing
survives the process: never for production.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence

from workers.channels.base import Channel
from workers.channels.routing import EVERYTHING, RESULTS, matches

_lock = threading.Lock()
_queues: dict[str, deque[bytes]] = {}
_published: set[str] = set()
#: exchange -> {queue: binding patterns}
_bindings: dict[str, dict[str, tuple[str, ...]]] = {}


def _bind(exchange: str, queue: str, patterns: Sequence[str] | None) -> None:
    bound = _bindings.setdefault(exchange, {exchange: EVERYTHING})
    bound[queue] = tuple(sorted(set(bound.get(queue, ())) | set(patterns or ()))) or EVERYTHING


class StubChannel(Channel):
    def __init__(self, url: str = "stub://") -> None:
        self.url = url

    def publish(self, queue: str, body: bytes) -> None:
        with _lock:
            _queues.setdefault(queue, deque()).append(body)

    def publish_result_unique(self, body: bytes, routing_key: str, key: str, exchange: str = RESULTS) -> bool:
        with _lock:
            if key in _published:
                return False
            _published.add(key)
            _bind(exchange, exchange, EVERYTHING)
            for queue, patterns in _bindings[exchange].items():
                if matches(patterns, routing_key):
                    _queues.setdefault(queue, deque()).append(body)
            return True

    def consume(self, queue: str, *, follow: bool = False, idle_timeout: float = 1.0) -> Iterator[bytes]:
        while True:
            with _lock:
                body = _queues[queue].popleft() if _queues.get(queue) else None
            if body is not None:
                yield body
            elif follow:
                time.sleep(min(idle_timeout, 0.05))
            else:
                return

    def results(self, queue: str | None = None, binds: Sequence[str] | None = None, *, follow: bool = False,
                idle_timeout: float = 1.0, exchange: str = RESULTS) -> Iterator[bytes]:
        with _lock:
            _bind(exchange, queue or exchange, binds if queue else EVERYTHING)
        return self.consume(queue or exchange, follow=follow, idle_timeout=idle_timeout)

    def depth(self, queue: str) -> int:
        with _lock:
            return len(_queues.get(queue, ()))

    def purge(self, queue: str) -> None:
        with _lock:
            _queues.pop(queue, None)

    def close(self) -> None:
        pass


def reset() -> None:
    """Forget every queue, binding and publication (between tests)."""
    with _lock:
        _queues.clear()
        _published.clear()
        _bindings.clear()
