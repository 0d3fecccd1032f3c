"""Health for a container orchestrator: a liveness heartbeat and a readiness check.

*Liveness*: each worker process writes a heartbeat file every few seconds while its worker threads are alive;
``svs health live`` fails when the newest heartbeat is older than a minute (the process hangs or its threads
died: restart it). *Readiness*: ``svs health ready`` checks that the broker answers, the store (``--store`` or
``$SVS_STORE_URL``) can be written, and Tesseract runs: until then the worker should not be sent work.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from workers.config import QUEUE


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


def queue_depths(url: str, queue: str = QUEUE) -> dict[str, int]:
    """Messages waiting in the item queue, its delay queue and its dead-letter queue."""
    if urlparse(url).scheme.startswith("redis"):
        import redis

        client = redis.Redis.from_url(url, socket_timeout=5)
        try:
            return {"ready": int(client.llen(f"dramatiq:{queue}")),
                    "delayed": int(client.llen(f"dramatiq:{queue}.DQ")),
                    "dead": int(client.zcard(f"dramatiq:{queue}.XQ"))}
        finally:
            client.close()
    import pika

    params = pika.URLParameters(url)
    params.socket_timeout = 5
    params.blocked_connection_timeout = 5
    conn = pika.BlockingConnection(params)
    try:
        out = {}
        for name, q in (("ready", queue), ("delayed", f"{queue}.DQ"), ("dead", f"{queue}.XQ")):
            ch = conn.channel()
            try:
                out[name] = int(ch.queue_declare(queue=q, passive=True).method.message_count)
            except pika.exceptions.ChannelClosedByBroker:
                out[name] = 0  # not declared yet: nothing was ever sent
        return out
    finally:
        conn.close()


def readiness(broker: str, store_url: str | None) -> dict[str, Any]:
    """Each dependency's state; ``ok`` only when all are. Reasons are error classes, never message text."""
    checks: dict[str, Any] = {}
    try:
        checks["broker"] = {"ok": True, "queue": queue_depths(broker)}
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
