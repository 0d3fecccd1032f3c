"""Helpers for the integration tests: worker subprocesses, queue cleanup, result collection."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ITEM_QUEUES = ("svs-items", "svs-items.DQ", "svs-items.XQ", "svs-items-urgent", "svs-items-urgent.DQ",
               "svs-items-urgent.XQ")


def worker_env(broker_url: str, s3_endpoint: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        SVS_BROKER_URL=broker_url, SVS_S3_ENDPOINT_URL=s3_endpoint, AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1", PYTHONWARNINGS="ignore",
        SVS_REDIS_HEARTBEAT_TIMEOUT_MS="4000", SVS_MIN_BACKOFF_MS="200", SVS_MAX_BACKOFF_MS="2000",
        SVS_LOG_LEVEL="INFO",
    )
    env.update(extra)
    return env


def purge_all(broker_url: str) -> None:
    """Empty the item queues and the result channels so that a test sees only its own messages."""
    if broker_url.startswith("redis"):
        import redis

        client = redis.Redis.from_url(broker_url)
        keys = client.keys("dramatiq:*") + client.keys("svs:*")
        if keys:
            client.delete(*keys)
        return
    import pika

    conn = pika.BlockingConnection(pika.URLParameters(broker_url))
    try:
        for queue in (*ITEM_QUEUES, "svs.results", "svs.dead-letter"):
            with contextlib.suppress(pika.exceptions.ChannelClosedByBroker):  # not declared yet
                conn.channel().queue_purge(queue)
    finally:
        conn.close()


def broker_state(broker_url: str) -> str:
    """What the broker holds now, for a test's failure message: Redis's Dramatiq keys (queues, messages,
    acknowledgement sets, dead letters, worker heartbeats) or RabbitMQ's item queue depths."""
    if broker_url.startswith("redis"):
        import redis

        client = redis.Redis.from_url(broker_url)
        parts = []
        for raw in sorted(client.keys("dramatiq:*")):
            key = raw.decode()
            kind = client.type(raw).decode()
            size = {"list": client.llen, "hash": client.hlen, "set": client.scard, "zset": client.zcard}.get(kind)
            parts.append(f"{key} {kind} {size(raw) if size else '?'}")
        return "; ".join(parts) or "no dramatiq keys"
    return "; ".join(f"{q} {queue_depth(broker_url, q)}" for q in ITEM_QUEUES)


#: Worker log lines worth showing when a test fails: anything above INFO, and the items' outcomes.
NOTABLE = ('"level": "warning"', '"level": "error"', '"level": "critical"', "Traceback", "dead-letter")


def worker_log_digest(logs: list[Path], lines: int = 40) -> str:
    """The notable lines of the workers' logs (:data:`NOTABLE`), the last *lines* of them."""
    found: list[str] = []
    for log in logs:
        if log.exists():
            found += [f"{log.name}: {line[:300]}" for line in log.read_text(errors="replace").splitlines()
                      if any(mark in line for mark in NOTABLE)]
    return "\n".join(found[-lines:]) or "nothing above INFO in the worker logs"


def queue_depth(broker_url: str, queue: str) -> int:
    import pika

    conn = pika.BlockingConnection(pika.URLParameters(broker_url))
    try:
        return int(conn.channel().queue_declare(queue=queue, passive=True).method.message_count)
    except pika.exceptions.ChannelClosedByBroker:
        return 0
    finally:
        conn.close()


#: Options for a fault test's batch: the faults are in the delivery, not the reading, so the pages go through
#: intake, page quality and storage only (twice as many items a second; the same messages and objects).
FAULT_OPTIONS = ("--no-forms", "--no-mrz", "--no-photo")


def submit(batch: Path, store_url: str, env: dict[str, str], *options: str) -> str:
    p = subprocess.run([sys.executable, "-m", "svs.cli", "submit", str(batch), "--store", store_url, *options],
                       capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    return p.stdout.strip()


class Worker:
    """``svs worker`` in its own process group, so that the whole group can be killed at once."""

    def __init__(self, env: dict[str, str], processes: int = 1, threads: int = 2, log: Path | None = None) -> None:
        self.log = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "svs.cli", "worker", "--processes", str(processes), "--threads", str(threads)],
            env=env, stdout=self.log, stderr=self.log, start_new_session=True,
        )

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.log is not subprocess.DEVNULL:
            self.log.close()  # type: ignore[union-attr]


def collect(broker_url: str, done: Callable[[list[dict[str, Any]]], bool], timeout: float = 180,
            queue: str = "svs.results", into: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Take messages off a channel queue until *done* says so (or the timeout passes)."""
    from workers.channels import open_channel

    out: list[dict[str, Any]] = [] if into is None else into
    channel = open_channel(broker_url)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and not done(out):
            got = False
            bodies = channel.results() if queue == channel.RESULTS else channel.consume(queue)
            for body in bodies:
                out.append(json.loads(body))
                got = True
            if not got:
                time.sleep(0.3)
    finally:
        channel.close()
    return out


def items(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in messages if m.get("kind") == "item"]


def summaries(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in messages if m.get("kind") == "batch"]


def applications(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in messages if m.get("kind") == "application"]


def s3_objects(store_url: str, endpoint: str) -> dict[str, bytes]:
    """Every object under the store URL's prefix, by key relative to it."""
    import boto3

    bucket, prefix = store_url[5:].split("/", 1)
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
                      aws_secret_access_key="testing")
    out = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix + "/"):
        for obj in page.get("Contents", []):
            out[obj["Key"][len(prefix) + 1 :]] = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
    return out


def check_stored(results: list[dict[str, Any]], objects: dict[str, bytes], batch: Path) -> None:
    """Every stored object of every result is there and verifies by SHA-256; originals are the input bytes."""
    for r in results:
        assert r["stored"], r["item_id"]
        for s in r["stored"]:
            assert hashlib.sha256(objects[s["key"]]).hexdigest() == s["sha256"]
        original = [s for s in r["stored"] if s["role"] == "original"]
        if r["source"]["bytes"]:
            assert objects[original[0]["key"]] == (batch / r["source"]["name"]).read_bytes()


def free_port() -> int:
    """A TCP port nothing listens on now, on 127.0.0.1."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def dashboard(store_root: Path, token: str) -> Iterator[str]:
    """``svs serve`` as ops start it, over *store_root*, on a free port; yields its base URL once it answers."""
    import urllib.request

    port = free_port()
    svs = Path(sys.executable).with_name("svs")
    proc = subprocess.Popen([str(svs), "serve", "--store", str(store_root), "--port", str(port)],
                            env={**os.environ, "SVS_SERVE_TOKEN": token},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    why = proc.stderr.read().decode() if proc.poll() is not None and proc.stderr else ""
                    raise AssertionError(f"svs serve did not start: {why}") from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def consumer_results(broker: str, queue: str, *binds: str, timeout: float = 60) -> list[dict[str, Any]]:
    """``svs results --queue QUEUE [--bind B ...]`` as a consumer runs it: declares the queue on first use and
    takes what waits there."""
    args = [a for b in binds for a in ("--bind", b)]
    p = subprocess.run([sys.executable, "-m", "svs.cli", "results", "--broker", broker, "--queue", queue, *args],
                       capture_output=True, text=True, timeout=timeout)
    assert p.returncode == 0, p.stderr
    return [json.loads(line) for line in p.stdout.splitlines()]


def wait_for(what: Callable[[], bool], timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while not what():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


class Consumer:
    """``svs results --queue NAME --follow`` writing to a file, in its own process group."""

    def __init__(self, broker: str, queue: str, out: Path) -> None:
        self.out = out
        self.file = open(out, "ab")  # noqa: SIM115
        self.proc = subprocess.Popen([sys.executable, "-m", "svs.cli", "results", "--broker", broker, "--queue",
                                      queue, "--follow", "--claim-after", "2"],
                                     stdout=self.file, stderr=subprocess.DEVNULL, start_new_session=True)

    def lines(self) -> list[dict[str, Any]]:
        """The messages written so far (a line cut short by a kill is not one)."""
        if not self.out.exists():
            return []
        return [json.loads(line) for line in self.out.read_text().splitlines() if line.endswith("}")]

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.file.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.file.close()


ASYNCAPI = Path(__file__).resolve().parents[2] / "docs" / "asyncapi.yaml"
#: a message's "kind" -> its message in docs/asyncapi.yaml
ASYNCAPI_MESSAGES = {"item": "itemResult", "application": "applicationSummary", "batch": "batchSummary"}


def asyncapi_payload_schema(message_name: str) -> dict[str, Any]:
    """The JSON Schema docs/asyncapi.yaml gives as the payload of *message_name* (a file it refers to)."""
    import yaml

    doc = yaml.safe_load(ASYNCAPI.read_text())
    ref = doc["components"]["messages"][message_name]["payload"]["$ref"]
    return dict(json.loads((ASYNCAPI.parent / ref).read_text()))


def check_against_asyncapi(messages: list[dict[str, Any]]) -> None:
    """Every message is valid against the payload schema docs/asyncapi.yaml gives for its kind."""
    import jsonschema

    validators = {kind: jsonschema.Draft202012Validator(asyncapi_payload_schema(name))
                  for kind, name in ASYNCAPI_MESSAGES.items()}
    for m in messages:
        validators[m["kind"]].validate(m)


def publish_results(broker_url: str, messages: list[dict[str, Any]]) -> None:
    """Publish *messages* on the results exchange as the workers do (Redis: the Lua script under a key per
    message; RabbitMQ: persistent, confirmed, to the topic exchange under each message's routing key)."""
    import uuid

    def key(m: dict[str, Any]) -> str:
        return "batch" if m["kind"] == "batch" else f"{m['kind']}.{m['verdict']}"

    if broker_url.startswith("redis"):
        from workers.channels.redis import RedisChannel

        channel = RedisChannel(broker_url)
        run = uuid.uuid4().hex
        for i, m in enumerate(messages):
            assert channel.publish_result_unique(json.dumps(m).encode(), key(m), f"test/{run}/{i}")
        channel.close()
        return
    import pika

    from workers.channels.rabbitmq import declare_results

    conn = pika.BlockingConnection(pika.URLParameters(broker_url))
    ch = conn.channel()
    ch.confirm_delivery()
    declare_results(ch)
    for m in messages:
        ch.basic_publish(exchange="svs.results", routing_key=key(m), body=json.dumps(m).encode(),
                         properties=pika.BasicProperties(delivery_mode=2, content_type="application/json"))
    conn.close()
