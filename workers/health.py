"""Health for a container orchestrator: a liveness heartbeat and a readiness check.

*Liveness*: each worker process writes a heartbeat file every few seconds while its worker threads are alive;
``svs health live`` fails when the newest heartbeat is older than a minute (the process hangs or its threads
died: restart it). *Readiness*: ``svs health ready`` checks that the broker answers, the store (``--store`` or
``$SVS_STORE_URL``) can be written, and Tesseract runs: until then the worker should not be sent work.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from workers.config import QUEUE

#: How often each worker process beats (workers.metrics writes it).
HEARTBEAT_S = 10.0
#: A process whose last beat is older than this is behind (starved of CPU, a stuck disk, a worker thread dead):
#: it takes no new work until it beats on time again (its consumers hand out nothing; what it holds waits).
BEHIND_AFTER_S = 3 * HEARTBEAT_S
_last_beat: float | None = None


def taking_work(now: float | None = None) -> bool:
    """Whether this process takes new messages: yes until its heartbeat thread's first beat, then while its beat
    is on time."""
    last = _last_beat
    return last is None or (time.monotonic() if now is None else now) - last <= BEHIND_AFTER_S


def on_time(beaten: bool = True) -> None:
    """The heartbeat thread (workers.metrics) beat just now; ``beaten=False``: it stopped (the worker shuts down),
    and the process no longer judges itself by it."""
    global _last_beat
    _last_beat = time.monotonic() if beaten else None


def heartbeat_path() -> Path:
    return Path(os.environ.get("SVS_HEARTBEAT_FILE") or Path(tempfile.gettempdir()) / "svs-worker.heartbeat")


def beat(path: Path | None = None) -> None:
    """Record that this process is alive, atomically (a reader never sees half a file)."""
    path = path or heartbeat_path()
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(f"{time.time():.3f} {os.getpid()}\n")
    os.replace(tmp, path)


def liveness(path: Path | None = None, max_age_s: float = 60.0) -> dict[str, Any]:
    path = path or heartbeat_path()
    try:
        stamp = float(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return {"ok": False, "reason": "no heartbeat yet"}
    age = time.time() - stamp
    return {"ok": age <= max_age_s, "age_s": round(age, 1), **({} if age <= max_age_s else
                                                               {"reason": "heartbeat too old"})}


def queue_depths(url: str, queue: str = QUEUE) -> dict[str, Any]:
    """Messages waiting in one queue (ready), in its delay queue (retries) and its dead-letter queue, and the age
    in seconds of the oldest ready one (None when the queue is empty)."""
    if urlparse(url).scheme.startswith("redis"):
        import redis

        client = redis.Redis.from_url(url, socket_timeout=5)
        try:
            head = client.lindex(f"dramatiq:{queue}", 0)  # Dramatiq pushes on the right and takes from the left
            body = client.hget(f"dramatiq:{queue}.msgs", head) if head is not None else None
            return {"ready": int(client.llen(f"dramatiq:{queue}")),
                    "delayed": int(client.llen(f"dramatiq:{queue}.DQ")),
                    "dead": int(client.zcard(f"dramatiq:{queue}.XQ")), "oldest_s": _age_s(body)}
        finally:
            client.close()
    import pika

    params = pika.URLParameters(url)
    params.socket_timeout = 5
    params.blocked_connection_timeout = 5
    conn = pika.BlockingConnection(params)
    try:
        out: dict[str, Any] = {}
        for name, q in (("ready", queue), ("delayed", f"{queue}.DQ"), ("dead", f"{queue}.XQ")):
            ch = conn.channel()
            try:
                out[name] = int(ch.queue_declare(queue=q, passive=True).method.message_count)
            except pika.exceptions.ChannelClosedByBroker:
                out[name] = 0  # not declared yet: nothing was ever sent
        out["oldest_s"] = _rabbitmq_oldest_s(conn, queue) if out["ready"] else None
        return out
    finally:
        conn.close()


def _rabbitmq_oldest_s(conn: Any, queue: str) -> float | None:
    """AMQP cannot read a queue's head without taking it: the head is taken, read and given back at once, in
    place (RabbitMQ requeues a message where it was)."""
    import pika

    ch = conn.channel()
    try:
        method, _props, body = ch.basic_get(queue=queue, auto_ack=False)
        if method is None:
            return None
        ch.basic_nack(method.delivery_tag, requeue=True)
        return _age_s(body)
    except pika.exceptions.ChannelClosedByBroker:
        return None


def _age_s(body: bytes | str | None) -> float | None:
    """Seconds since a Dramatiq message was first enqueued (its ``message_timestamp``, ms)."""
    if not body:
        return None
    try:
        stamp = json.loads(body)["message_timestamp"]
        return round(max(0.0, time.time() - float(stamp) / 1000), 1)
    except (ValueError, KeyError, TypeError):
        return None


def lane_depths(url: str) -> dict[str, dict[str, Any]]:
    """:func:`queue_depths` of each lane's queue (workers.lanes), urgent first."""
    from workers.lanes import QUEUES

    return {lane: queue_depths(url, queue) for lane, queue in QUEUES.items()}


def readiness(broker: str, store_url: str | None) -> dict[str, Any]:
    """Each dependency's state; ``ok`` only when all are. Reasons are error classes, never message text."""
    checks: dict[str, Any] = {}
    try:
        lanes = lane_depths(broker)
        total = {k: sum(d[k] for d in lanes.values()) for k in ("ready", "delayed", "dead")}
        checks["broker"] = {"ok": True, "queue": total, "lanes": lanes}
    except Exception as exc:  # noqa: BLE001 - a health check reports, it does not raise
        checks["broker"] = {"ok": False, "reason": type(exc).__name__}
    if store_url:
        try:
            from svs.storage import open_store

            open_store(store_url).check()
            checks["store"] = {"ok": True}
        except Exception as exc:  # noqa: BLE001
            checks["store"] = {"ok": False, "reason": getattr(exc, "code", type(exc).__name__)}
    from svs.engines import tesseract

    version = tesseract.version()
    checks["tesseract"] = {"ok": version != "unavailable", "version": version}
    return {"ok": all(c["ok"] for c in checks.values()), "checks": checks}
