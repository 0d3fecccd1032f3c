"""Broker setup from a URL: RabbitMQ (``amqp://``) or Redis (``redis://``), with svs's middleware."""

from __future__ import annotations

from urllib.parse import urlparse

import dramatiq
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    CurrentMessage,
    Pipelines,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)

from workers.config import WorkerSettings, broker_url
from workers.lanes import LaneOrder
from workers.metrics import SvsMetrics, exporter
from workers.middleware import DeadLetterNotice, MemoryCap, is_transient
from workers.recovering_redis import DeadWorkerRecovery, RecoveringRedisBroker
from workers.transactional import TransactionalRabbitmqBroker


def make_broker(url: str | None = None, settings: WorkerSettings | None = None) -> dramatiq.Broker:
    url = broker_url(url)
    settings = settings or WorkerSettings.from_env()
    if urlparse(url).scheme == "stub":
        return _stub_broker(url, settings)

    def retry_when(retries: int, exc: BaseException) -> bool:
        return is_transient(exc) and retries < settings.max_retries

    # Dramatiq runs "after" hooks in reverse order: DeadLetterNotice stands before Retries so that it sees the
    # message after Retries has decided whether it failed for good.
    prometheus = exporter()
    middleware: list[dramatiq.Middleware] = [prometheus] if prometheus is not None else []
    middleware += [
        SvsMetrics(url),
        DeadLetterNotice(url),
        AgeLimit(),
        TimeLimit(time_limit=settings.item_time_limit_ms),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        Retries(min_backoff=settings.min_backoff_ms, max_backoff=settings.max_backoff_ms, retry_when=retry_when),
        CurrentMessage(),
        MemoryCap(settings.memory_limit_mb),
        LaneOrder(),
    ]
    broker: dramatiq.Broker
    if urlparse(url).scheme.startswith("redis"):
        middleware.append(DeadWorkerRecovery(settings.redis_heartbeat_timeout_ms))
        broker = RecoveringRedisBroker(url=url, middleware=middleware,
                                       heartbeat_timeout=settings.redis_heartbeat_timeout_ms)
    else:
        broker = TransactionalRabbitmqBroker(url=url, middleware=middleware, confirm_delivery=True)
    return broker


def _stub_broker(url: str, settings: WorkerSettings) -> dramatiq.Broker:
    """Dramatiq's in-process broker with svs's message-handling middleware (no metrics, no queue server): the
    actors' logic run in a test as the workers run it."""
    from dramatiq.brokers.stub import StubBroker

    def retry_when(retries: int, exc: BaseException) -> bool:
        return is_transient(exc) and retries < settings.max_retries

    return StubBroker(middleware=[
        DeadLetterNotice(url), AgeLimit(), TimeLimit(time_limit=settings.item_time_limit_ms), Callbacks(),
        Pipelines(), Retries(min_backoff=settings.min_backoff_ms, max_backoff=settings.max_backoff_ms,
                             retry_when=retry_when), CurrentMessage(), LaneOrder(),
    ])
