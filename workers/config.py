"""Worker configuration from ``SVS_*`` environment variables, validated at start."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from svs import memory
from svs.errors import ConfigError

DEFAULT_BROKER_URL = "amqp://guest:guest@127.0.0.1:5672/"


def broker_url(explicit: str | None = None) -> str:
    url = explicit or os.environ.get("SVS_BROKER_URL") or DEFAULT_BROKER_URL
    scheme = urlparse(url).scheme
    if scheme not in ("amqp", "amqps", "redis", "rediss", "stub"):
        raise ConfigError("the broker URL must start with amqp:// or redis:// (stub:// runs in one process, for "
                          "tests)")
    return url


def _int(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}")
    return value


#: The queue the item messages travel on (its delay and dead-letter queues are Dramatiq's ".DQ" and ".XQ"); KEDA's
#: scalers in deploy/ name it too.
QUEUE = "svs-items"


@dataclass(frozen=True)
class WorkerSettings:
    #: The actor's time limit. Shorter than RabbitMQ's consumer timeout (30 minutes by default), longer than
    #: any single engine call.
    item_time_limit_ms: int
    #: Retries for transient failures (store 5xx, lost connections), with exponential backoff.
    max_retries: int
    min_backoff_ms: int
    max_backoff_ms: int
    #: Redis broker: how long a dead worker's unacknowledged messages wait before they are requeued.
    redis_heartbeat_timeout_ms: int
    #: Address-space cap of each worker process in MiB (svs.memory); 0: no cap. An item that would need more
    #: gets a result with ``input.too_large`` instead of the OOM killer taking the process.
    memory_limit_mb: int = 0
    #: The share of a worker's threads kept for normal items while urgent ones wait too (workers.lanes).
    normal_share_percent: int = 20
    #: Items that may wait in a lane: a submission that would pass it is refused whole (0: no limit).
    backlog_limit: int = 0

    @classmethod
    def from_env(cls) -> WorkerSettings:
        return cls(
            item_time_limit_ms=_int("SVS_ITEM_TIME_LIMIT_MS", 300_000, 1_000, 1_500_000),
            max_retries=_int("SVS_MAX_RETRIES", 10, 0, 100),
            min_backoff_ms=_int("SVS_MIN_BACKOFF_MS", 1_000, 10, 3_600_000),
            max_backoff_ms=_int("SVS_MAX_BACKOFF_MS", 120_000, 10, 3_600_000),
            redis_heartbeat_timeout_ms=_int("SVS_REDIS_HEARTBEAT_TIMEOUT_MS", 60_000, 1_000, 3_600_000),
            memory_limit_mb=_memory_limit_mb(),
            normal_share_percent=_int("SVS_NORMAL_SHARE_PERCENT", 20, 1, 90),
            backlog_limit=_int("SVS_BACKLOG_LIMIT", 0, 0, 100_000_000),
        )


def _memory_limit_mb() -> int:
    return memory.validate_limit_mb(_int(memory.ENV, 0, 0, 1_048_576))



def prefetch(threads: int) -> int:
    """Messages a worker process holds per lane, the ones its threads are processing included: ``SVS_PREFETCH``,
    else two per thread. Bounded, so that a worker never holds more than it can work through soon (messages carry
    ids only; the item's bytes are read when a thread takes it); more than one per thread, so that when a thread
    is free the next urgent message is already there to be taken before the normal ones held beside it (a lane
    acknowledged one at a time would alternate with the other)."""
    return _int("SVS_PREFETCH", 2 * threads, 1, 1000)


def metrics_port() -> int | None:
    """``SVS_METRICS_PORT`` (9191 by default); None where it is 0 (metrics off)."""
    return _int("SVS_METRICS_PORT", 9191, 0, 65535) or None


def metrics_dir(port: int) -> Path:
    """Where the worker processes of one machine write their metric values for the exporter to sum."""
    return Path(os.environ.get("SVS_METRICS_DIR") or Path(tempfile.gettempdir()) / f"svs-prometheus-{port}")


def prepare_metrics() -> None:
    """Once, in the parent, before anything imports ``dramatiq.middleware``: Dramatiq's exporter reads its
    settings from the environment when that module is first imported, in the parent and in the exporter's own
    process; and it sums the files every worker process writes in the folder, so counts left there by an
    earlier run on the machine are removed."""
    port = metrics_port()
    if port is None:
        return
    folder = metrics_dir(port)
    os.environ["dramatiq_prom_port"] = str(port)  # noqa: SIM112 - the names Dramatiq reads
    # this machine only unless told otherwise: a container sets SVS_METRICS_HOST=0.0.0.0 for its scraper
    os.environ["dramatiq_prom_host"] = os.environ.get("SVS_METRICS_HOST", "127.0.0.1")  # noqa: SIM112
    os.environ["dramatiq_prom_db"] = str(folder)  # noqa: SIM112
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink(missing_ok=True)
