"""Personal data stays in the results and the stored objects, and nowhere else.

A batch of three applications with known names, dates of birth, passport numbers and MRZ lines runs through the
workers (RabbitMQ, the S3 server) with debug logging and metrics on, and through ``svs run``; an item is made to
dead-letter. Then every log line, metric, item queue message, dead-letter entry and notice, and every object key
is searched for those values: zero hits. (The result messages and the stored results carry them by contract.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pika
import pytest
from integration_helpers import (
    Worker,
    collect,
    free_port,
    items,
    purge_all,
    s3_objects,
    submit,
    summaries,
    worker_env,
)

pytestmark = pytest.mark.integration


def _needles(gen) -> list[str]:  # type: ignore[no-untyped-def]
    out = []
    for p in gen.PEOPLE:
        d, m, y = p["birth_date"].split()
        out += [p["surname"], p["old_passport_number"], p["birth_date"], f"{y[2:]}{m}{d}", f"{y}-{m}-{d}"]
        out += [w for w in p["given_names"].split() if len(w) >= 4]
        lines = gen.mrz_td3(p["surname"], p["given_names"], p["old_passport_number"], "UTO", f"{y[2:]}{m}{d}",
                            p["sex"], "310912")
        out += [*lines, lines[0][5:25]]
    return sorted(set(out))


def _hits(text: str, needles: list[str]) -> list[str]:
    upper = text.upper()
    return [n for n in needles if n.upper() in upper]


def _peek_queue(url: str, queue: str) -> list[str]:
    """Every message body waiting in *queue*, left there (read, then returned unacknowledged)."""
    conn = pika.BlockingConnection(pika.URLParameters(url))
    bodies = []
    try:
        ch = conn.channel()
        while True:
            method, _, body = ch.basic_get(queue=queue, auto_ack=False)
            if method is None:
                break
            bodies.append(body.decode("utf-8", "replace"))
    finally:
        conn.close()  # unacknowledged: back in the queue
    return bodies


def test_no_personal_data_in_logs_metrics_messages_dead_letters_or_keys(
    rabbitmq_url: str, s3_endpoint: str, s3_store_url: str, gen, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    needles = _needles(gen)
    assert "BLACKWOOD" in needles and "UT4839201" in needles and "860314" in needles
    batch = tmp_path / "batch"
    gen.applications_batch(batch, mismatch_in=1, unreadable_in=None)
    purge_all(rabbitmq_url)
    port = free_port()
    env = worker_env(rabbitmq_url, s3_endpoint, SVS_LOG_LEVEL="DEBUG", SVS_METRICS_PORT=str(port),
                     SVS_METRICS_DIR=str(tmp_path / "prom"), SVS_HEARTBEAT_FILE=str(tmp_path / "hb"))
    batch_id = submit(batch, s3_store_url, env)
    queued = _peek_queue(rabbitmq_url, "svs-items")
    assert len(queued) == len(list(batch.iterdir()))

    os.environ["SVS_BROKER_URL"] = rabbitmq_url
    from workers import actors  # a poison message, to have something dead-lettered

    actors.process.send(batch_id=batch_id, item_id="9999", store_url=s3_store_url)
    log = tmp_path / "worker.log"
    worker = Worker(env, processes=2, threads=1, log=log)
    try:
        messages = collect(rabbitmq_url, lambda m: len(summaries(m)) >= 1 and len(items(m)) >= len(queued))
        notices = collect(rabbitmq_url, lambda m: len(m) >= 1, queue="svs.dead-letter", timeout=60)
        time.sleep(1)
        metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    finally:
        worker.stop()
    dead = _peek_queue(rabbitmq_url, "svs-items.XQ")
    assert dead and notices and notices[0]["reason"] == "message.unknown_item"
    assert any(r["mrz"] and r["mrz"]["fields"]["surname"] == "OKAFOR" for r in items(messages))  # it was read

    embedded = subprocess.run([sys.executable, "-m", "svs.cli", "run", str(batch), "--store", str(tmp_path / "s"),
                               "--jobs", "2"], capture_output=True, text=True, timeout=300,
                              env=dict(os.environ, SVS_LOG_LEVEL="DEBUG", PYTHONWARNINGS="ignore"))
    assert embedded.returncode == 0, embedded.stderr
    run_logs = [ln for ln in embedded.stderr.splitlines() if ln.startswith("{")]  # the JSON log lines

    worker_logs = log.read_text(errors="replace")
    assert worker_logs.count('"level"') > 20  # debug logging was on: there was plenty to search
    keys = list(s3_objects(s3_store_url, s3_endpoint)) + [
        p.relative_to(tmp_path / "s").as_posix() for p in (tmp_path / "s").rglob("*")]
    searched = {
        "worker logs": worker_logs, "svs run logs": "\n".join(run_logs), "metrics": metrics,
        "item queue messages": "\n".join(queued), "dead-letter queue": "\n".join(dead),
        "dead-letter notices": json.dumps(notices), "object keys": "\n".join(keys),
    }
    found = {where: _hits(text, needles) for where, text in searched.items()}
    assert all(not hits for hits in found.values()), found
    for line in worker_logs.splitlines():  # logs are JSON lines (Dramatiq's own included)
        if line.strip():
            json.loads(line)
