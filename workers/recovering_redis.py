"""A Redis broker that gives a dead worker's messages back on time.

Dramatiq's Redis broker keeps each message a worker has taken in that worker's acknowledgement set, and moves the
sets of workers whose heartbeat stopped back to their queues during "maintenance", which it runs on a random
thousandth of its commands, queue by queue. A few workers polling a quiet queue send it a command about once a
second per process, so a killed worker's items could wait many minutes or, in a test, for ever (seen: 23 items of a
200-item batch still waiting after four idle minutes). Here every worker process also runs the maintenance on every
declared queue (delay queues included) at a steady pace, so what a dead worker held is back in its queue within
the heartbeat timeout and one more interval. The maintenance only reads the heartbeat set where no worker has died.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import dramatiq
from dramatiq import Middleware
from dramatiq.brokers.redis import RedisBroker, _RedisConsumer

from workers import health

log = logging.getLogger("svs.worker")


class PacedRedisConsumer(_RedisConsumer):
    """Takes nothing new while its process is behind on its heartbeat (:func:`workers.health.taking_work`)."""

    def __next__(self) -> Any:
        if not health.taking_work():
            time.sleep(min(self.timeout / 1000, 1.0))
            return None
        return super().__next__()


class RecoveringRedisBroker(RedisBroker):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._forced = threading.local()

    @property
    def consumer_class(self) -> type[PacedRedisConsumer]:
        return PacedRedisConsumer

    def _should_do_maintenance(self, command: str) -> int:
        return 1 if getattr(self._forced, "on", False) else int(super()._should_do_maintenance(command))

    def maintain(self) -> None:
        """Requeue the unacknowledged messages of dead workers on every declared queue now (Dramatiq's
        maintenance, run by a harmless ``qsize`` command on each queue)."""
        self._forced.on = True
        try:
            for queue in sorted(self.queues | self.delay_queues):
                self.do_qsize(queue)
        finally:
            self._forced.on = False


class DeadWorkerRecovery(Middleware):
    """Runs :meth:`RecoveringRedisBroker.maintain` in each worker process every half heartbeat timeout."""

    def __init__(self, heartbeat_timeout_ms: int) -> None:
        self.interval_s = max(0.5, heartbeat_timeout_ms / 2000)
        self._stop = threading.Event()

    def after_worker_boot(self, broker: dramatiq.Broker, worker: Any) -> None:
        if isinstance(broker, RecoveringRedisBroker):
            threading.Thread(target=self._run, args=(broker,), name="svs-redis-recovery", daemon=True).start()

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: Any) -> None:
        self._stop.set()

    def _run(self, broker: RecoveringRedisBroker) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                broker.maintain()
            except Exception as exc:  # noqa: BLE001 - the broker's own polling retries; never stop a worker
                log.warning("redis maintenance failed", extra={"error": type(exc).__name__})
