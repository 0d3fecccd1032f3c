"""Prometheus metrics and the liveness heartbeat, as Dramatiq middleware.

Dramatiq's own Prometheus middleware exports its message counters and durations (``dramatiq_*``) over HTTP from
every worker process together (``SVS_METRICS_PORT``, 9191 by default, 0 to turn off; ``SVS_METRICS_DIR`` for
the files the processes share). svs adds, in the same multi-process registry: items by verdict and by reason,
stage latency histograms, store and broker errors, and each lane's depth and the age of its oldest message.
Labels are verdicts, reason codes, stage names, lanes and error classes: never personal data.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import dramatiq
from dramatiq.broker import MessageProxy
from dramatiq.middleware import Middleware

from svs.errors import StoreError
from svs.log import get_logger
from svs.schema import ItemResult
from svs.storage import open_store
from workers import health, throughput
from workers.config import metrics_dir, metrics_port

log = get_logger("workers.metrics")
_metrics: dict[str, Any] = {}


def exporter() -> Middleware | None:
    """Dramatiq's Prometheus middleware, or None where metrics are off. Its port, host and folder come from the
    environment that :func:`workers.config.prepare_metrics` set before Dramatiq was first imported."""
    if metrics_port() is None:
        return None
    from dramatiq.middleware.prometheus import Prometheus

    return Prometheus()


def _create() -> None:
    port = metrics_port()
    if port is not None:
        # Dramatiq runs "after" hooks in reverse order, so this may run before its Prometheus middleware sets
        # the folder: prometheus_client chooses shared-file values only if the folder is set when it is imported
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir(port))
    import prometheus_client as prom

    registry = prom.CollectorRegistry()  # values go to the multi-process files; the exporter reads them all
    _metrics["items"] = prom.Counter("svs_items_total", "Items processed, by verdict.", ["verdict"],
                                     registry=registry)
    _metrics["reasons"] = prom.Counter("svs_item_reasons_total", "Reason codes given to items.", ["reason"],
                                       registry=registry)
    _metrics["stage"] = prom.Histogram(
        "svs_stage_seconds", "Time spent in each pipeline stage.", ["stage"], registry=registry,
        buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
    _metrics["errors"] = prom.Counter("svs_errors_total", "Failed attempts by what failed (store, broker, other).",
                                      ["component", "error"], registry=registry)
    _metrics["depth"] = prom.Gauge("svs_queue_depth", "Messages in the item queues of both lanes (ready, delayed, "
                                   "dead).", ["state"], registry=registry, multiprocess_mode="livemax")
    _metrics["lane_depth"] = prom.Gauge("svs_lane_depth", "Messages in each lane's item queue (ready, delayed, "
                                        "dead).", ["lane", "state"], registry=registry, multiprocess_mode="livemax")
    _metrics["lane_oldest"] = prom.Gauge("svs_lane_oldest_seconds", "Age of the oldest ready message of each "
                                         "lane (0 when none waits).", ["lane"], registry=registry,
                                         multiprocess_mode="livemax")


def observe(result: ItemResult) -> None:
    """Count one finished item (called by the actor)."""
    if not _metrics:
        return
    _metrics["items"].labels(result.verdict).inc()
    for code in result.reasons:
        _metrics["reasons"].labels(code).inc()
    for stage, ms in result.timings_ms.items():
        _metrics["stage"].labels(stage).observe(ms / 1000)


def _component(exc: BaseException) -> str:
    module = type(exc).__module__
    if isinstance(exc, StoreError) or module.startswith(("botocore", "urllib3")):
        return "store"
    if module.startswith(("pika", "redis", "dramatiq")):
        return "broker"
    return "other"


class SvsMetrics(Middleware):
    """svs's counters, the heartbeat thread (liveness) and the queue depth gauge."""

    def __init__(self, broker_url: str) -> None:
        self.broker_url = broker_url
        self._stop = threading.Event()

    def after_process_boot(self, broker: dramatiq.Broker) -> None:
        try:
            _create()
        except Exception as exc:  # noqa: BLE001 - metrics must never stop a worker
            log.error("metrics not set up", extra={"error": type(exc).__name__})

    def after_worker_boot(self, broker: dramatiq.Broker, worker: Any) -> None:
        threading.Thread(target=self._heartbeat, args=(worker,), name="svs-heartbeat", daemon=True).start()
        threading.Thread(target=self._queues, name="svs-queue-stats", daemon=True).start()

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: Any) -> None:
        self._stop.set()

    def _heartbeat(self, worker: Any) -> None:
        """Beat while every worker thread lives; nothing else here, so that a slow broker or store never makes
        the process look behind (workers.health.taking_work)."""
        while not self._stop.is_set():
            threads = list(getattr(worker, "workers", []))
            if not threads or all(t.is_alive() for t in threads):
                try:
                    health.beat()
                    health.on_time()
                except OSError as exc:
                    log.error("heartbeat not written", extra={"error": type(exc).__name__})
            self._stop.wait(health.HEARTBEAT_S)
        health.on_time(False)

    def _queues(self) -> None:
        """Each lane's depth and oldest message into the gauges; finished minutes into the throughput ledger."""
        stores: dict[str, Any] = {}
        while not self._stop.is_set():
            self._queue_stats(stores)
            self._stop.wait(health.HEARTBEAT_S)

    def _queue_stats(self, stores: dict[str, Any]) -> None:
        try:
            for url in list(throughput.LEDGER.counts):
                stores.setdefault(url, open_store(url))
            throughput.LEDGER.flush(stores)
        except Exception as exc:  # noqa: BLE001 - statistics must never stop a worker
            log.warning("throughput not recorded", extra={"error": type(exc).__name__})
        if not _metrics:
            return
        try:
            lanes = health.lane_depths(self.broker_url)
        except Exception as exc:  # noqa: BLE001
            _metrics["errors"].labels("broker", type(exc).__name__).inc()
            return
        for state in ("ready", "delayed", "dead"):
            _metrics["depth"].labels(state).set(sum(d[state] for d in lanes.values()))
            for lane, d in lanes.items():
                _metrics["lane_depth"].labels(lane, state).set(d[state])
        for lane, d in lanes.items():
            _metrics["lane_oldest"].labels(lane).set(d["oldest_s"] or 0.0)

    def after_process_message(self, broker: dramatiq.Broker, message: MessageProxy, *,
                              result: Any = None, exception: BaseException | None = None) -> None:
        if exception is not None and _metrics:
            _metrics["errors"].labels(_component(exception), type(exception).__name__).inc()
