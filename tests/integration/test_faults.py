"""Faults on the real services, each repeatable: workers killed with SIGKILL again and again, the broker restarted,
the S3 endpoint gone for 30 s, retries spent and the dead letters replayed, a directory store's disk full.

After each: every item has exactly one result, every stored object verifies by SHA-256, nothing is stored twice,
and what could not be done is in the dead-letter queue with a reason and comes back with ``svs replay``.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest
from integration_helpers import (
    FAULT_OPTIONS,
    Consumer,
    Worker,
    broker_state,
    check_stored,
    collect,
    consumer_results,
    free_port,
    items,
    purge_all,
    s3_objects,
    submit,
    summaries,
    wait_for,
    worker_env,
    worker_log_digest,
)

pytestmark = pytest.mark.integration


def _own_s3(bucket: str) -> tuple[Any, int, str]:
    """A moto server of this test's own on a fixed port, so that it can be stopped and started again."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
                 aws_secret_access_key="testing").create_bucket(Bucket=bucket)
    return server, port, endpoint


def _restart_s3(port: int) -> Any:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)  # moto's state is in-process
    server.start()
    return server


def _assert_exactly_once(messages: list[dict[str, Any]], n: int, objects: dict[str, bytes], batch: Path) -> None:
    """Every item has one result, published once and stored once; one batch summary."""
    ids = [r["item_id"] for r in items(messages)]
    assert sorted(ids) == [f"{i:04d}" for i in range(1, n + 1)], "an item was lost or published twice"
    assert len(summaries(messages)) == 1 and summaries(messages)[0]["items"] == n
    check_stored(items(messages), objects, batch)
    originals = [k for k in objects if "/originals/" in k]
    assert len(originals) == n, "an original stored twice, or missing"
    assert not [k for k in objects if ".tmp" in k]


def _drain(broker_url: str, messages: list[dict[str, Any]], n: int, logs: Path, timeout: float = 240) -> None:
    """Collect until every item's result and the summary are in, then a little longer (anything late would be a
    duplicate). Timed out: fails saying which items are missing, what the broker holds and what the workers
    logged above INFO (their logs are *logs*/w*.log)."""
    def complete(m: list[dict[str, Any]]) -> bool:
        return len(summaries(m)) >= 1 and len(items(m)) >= n

    collect(broker_url, complete, timeout=timeout, into=messages)
    if not complete(messages):
        seen = {r["item_id"] for r in items(messages)}
        missing = [f"{i:04d}" for i in range(1, n + 1) if f"{i:04d}" not in seen]
        raise AssertionError(
            f"not finished in {timeout:.0f} s: {len(missing)} items missing {missing[:20]}, "
            f"{len(summaries(messages))} summaries\nbroker: {broker_state(broker_url)}\n"
            f"workers:\n{worker_log_digest(sorted(logs.glob('w*.log')))}")
    time.sleep(2)
    collect(broker_url, lambda m: False, timeout=2, into=messages)


def test_workers_killed_with_sigkill_three_times_in_a_100_item_batch_lose_nothing_and_repeat_nothing(
    any_broker: str, s3_endpoint: str, s3_store_url: str, gen, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    n = 100  # the three kills fall within the first 90 items
    batch = gen.distinct_pages(tmp_path / "batch", n)
    env = worker_env(any_broker, s3_endpoint)
    sink = f"t{uuid.uuid4().hex[:8]}.sink"  # a second consumer, with a queue of its own
    consumer_results(any_broker, sink)
    submit(batch, s3_store_url, env, *FAULT_OPTIONS)
    messages: list[dict[str, Any]] = []
    rng = random.Random(7)
    for round_ in range(3):
        worker = Worker(env, processes=2, threads=2, log=tmp_path / f"w{round_}.log")
        target = len(items(messages)) + rng.randint(10, 30)  # a random point of the batch
        collect(any_broker, lambda m, t=target: len(items(m)) >= t, into=messages)  # type: ignore[misc]
        time.sleep(rng.uniform(0, 1.5))  # and a random moment within the items in flight
        worker.kill()
    assert len(items(messages)) < n, "the batch finished before the last kill: make it longer"
    worker = Worker(env, processes=2, threads=2, log=tmp_path / "w-last.log")
    try:
        _drain(any_broker, messages, n, tmp_path)
    finally:
        worker.stop()
    # killed anywhere, even between publishing a result and recording it, a worker repeats nothing: RabbitMQ
    # commits a result with its item's acknowledgement, Redis pushes it under a key once (workers.publication)
    objects = s3_objects(s3_store_url, s3_endpoint)
    _assert_exactly_once(messages, n, objects, batch)
    _assert_exactly_once(consumer_results(any_broker, sink), n, objects, batch)


def test_rabbitmq_restarted_mid_batch_loses_and_duplicates_nothing(
    rabbitmq_url: str, s3_endpoint: str, s3_store_url: str, gen, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    if shutil.which("rabbitmqctl") is None:
        pytest.fail("rabbitmqctl is needed to restart the broker (Debian's rabbitmq-server)")
    purge_all(rabbitmq_url)
    n = 60
    batch = gen.distinct_pages(tmp_path / "batch", n, seed=4)
    env = worker_env(rabbitmq_url, s3_endpoint)
    sink = f"t{uuid.uuid4().hex[:8]}.sink"
    consumer_results(rabbitmq_url, sink)
    submit(batch, s3_store_url, env, *FAULT_OPTIONS)
    messages: list[dict[str, Any]] = []
    worker = Worker(env, processes=1, threads=2, log=tmp_path / "w.log")
    # a consumer following its own queue through the restart
    following = Consumer(rabbitmq_url, sink, tmp_path / "following.jsonl")
    try:
        collect(rabbitmq_url, lambda m: len(items(m)) >= 10, into=messages)
        subprocess.run(["rabbitmqctl", "stop_app"], check=True, capture_output=True, timeout=120)
        time.sleep(5)  # the broker is gone: the worker's consumers and publishers fail and wait
        subprocess.run(["rabbitmqctl", "start_app"], check=True, capture_output=True, timeout=120)
        subprocess.run(["rabbitmqctl", "await_startup"], check=True, capture_output=True, timeout=120)
        _drain(rabbitmq_url, messages, n, tmp_path)
        wait_for(lambda: len(summaries(following.lines())) >= 1)
        time.sleep(2)
    finally:
        following.stop()
        worker.stop()
    assert len(items(messages)) >= n
    objects = s3_objects(s3_store_url, s3_endpoint)
    _assert_exactly_once(messages, n, objects, batch)
    _assert_exactly_once(following.lines(), n, objects, batch)


def test_s3_endpoint_gone_for_30_seconds_mid_batch_then_back_loses_nothing(
    rabbitmq_url: str, gen, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    purge_all(rabbitmq_url)
    bucket = f"svs-outage-{uuid.uuid4().hex[:8]}"
    server, port, endpoint = _own_s3(bucket)
    store_url = f"s3://{bucket}/x"
    n = 40
    batch = gen.distinct_pages(tmp_path / "batch", n, seed=5)
    # backoff up to 10 s over 10 retries rides out a 30 s outage (the default, 120 s, rides out half an hour)
    env = worker_env(rabbitmq_url, endpoint, SVS_MAX_BACKOFF_MS="10000")
    submit(batch, store_url, env, *FAULT_OPTIONS)
    messages: list[dict[str, Any]] = []
    worker = Worker(env, processes=1, threads=2, log=tmp_path / "w.log")
    try:
        collect(rabbitmq_url, lambda m: len(items(m)) >= 8, into=messages)
        server.stop()
        down_at = time.monotonic()
        collect(rabbitmq_url, lambda m: False, timeout=30, into=messages)
        server = _restart_s3(port)
        assert time.monotonic() - down_at >= 30
        _drain(rabbitmq_url, messages, n, tmp_path)
        objects = s3_objects(store_url, endpoint)
    finally:
        worker.stop()
        server.stop()
    _assert_exactly_once(messages, n, objects, batch)
    assert "retr" in (tmp_path / "w.log").read_text().lower()


def test_retries_spent_while_the_store_is_down_go_to_the_dead_letter_queue_and_svs_replay_finishes_the_batch(
    any_broker: str, gen, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    bucket = f"svs-replay-{uuid.uuid4().hex[:8]}"  # moto keeps buckets across servers in this process
    server, port, endpoint = _own_s3(bucket)
    store_url = f"s3://{bucket}/x"
    n = 4
    batch = gen.distinct_pages(tmp_path / "batch", n, seed=6)
    env = worker_env(any_broker, endpoint, SVS_MAX_RETRIES="1", SVS_MIN_BACKOFF_MS="100", SVS_MAX_BACKOFF_MS="200")
    submit(batch, store_url, env)
    server.stop()
    worker = Worker(env, processes=1, threads=2, log=tmp_path / "w.log")
    try:
        notices = collect(any_broker, lambda m: len(m) >= n, queue="svs.dead-letter", timeout=120)
        assert sorted(d["item_id"] for d in notices) == [f"{i:04d}" for i in range(1, n + 1)]
        assert all(d["kind"] == "dead_letter" and d["reason"] and d["retries"] >= 1 for d in notices)
        assert collect(any_broker, lambda m: False, timeout=1) == []  # nothing was published
        server = _restart_s3(port)
        p = subprocess.run([sys.executable, "-m", "svs.cli", "replay"], capture_output=True, text=True, env=env,
                           timeout=120)
        assert p.returncode == 0, p.stderr
        assert p.stdout.strip() == str(n)
        messages: list[dict[str, Any]] = []
        _drain(any_broker, messages, n, tmp_path, timeout=120)
        again = subprocess.run([sys.executable, "-m", "svs.cli", "replay"], capture_output=True, text=True,
                               env=env, timeout=120)
        assert again.stdout.strip() == "0"  # nothing left to replay
        objects = s3_objects(store_url, endpoint)
    finally:
        worker.stop()
        server.stop()
    _assert_exactly_once(messages, n, objects, batch)


@pytest.fixture
def small_disk(tmp_path: Path) -> Any:
    """A 2 MiB file system (tmpfs) for a directory store, grown afterwards; needs root, as CI runs."""
    mount = tmp_path / "disk"
    mount.mkdir()
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True)
    if p.returncode != 0:
        pytest.fail(f"cannot mount a small tmpfs (root needed): {p.stderr.decode(errors='replace')}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_under_the_directory_store_fails_the_run_clearly_and_a_rerun_completes_it(
    sample_batch: Path, small_disk: Path
) -> None:
    from svs.schema import ItemResult
    from svs.storage import DirStore

    store = small_disk / "store"
    cmd = [sys.executable, "-m", "svs.cli", "run", str(sample_batch), "--store", str(store), "--jobs", "2",
           "--no-mrz", "--json"]
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    full = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert full.returncode == 1 and "store.transient" in full.stderr  # said, not crashed
    ds = DirStore(store)
    written = ds.list("batches/")
    results = [ItemResult.model_validate_json(ds.get(k)) for k in written if k.endswith("/result.json")]
    assert len(results) < 10  # the disk filled before the batch was done
    for r in results:  # what was written is whole: every object verifies
        for s in r.stored:
            ds.get_verified(s.key, s.sha256)
    assert not [p for p in store.rglob(".tmp-*")], "a partial write was left behind"

    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert rerun.returncode == 0, rerun.stderr
    lines = [ItemResult.model_validate({k: v for k, v in json.loads(x).items() if k != "path"})
             for x in rerun.stdout.splitlines()[:-1]]
    assert sorted(r.item_id for r in lines) == sorted(
        ["0001", "0002", "0003", "0004", "0005", "0006", "0007-p001", "0007-p002", "0008", "0009"])
    keys = ds.list("batches/")
    assert len([k for k in keys if k.endswith("/result.json")]) == 10  # one each, the first run's kept
    for r in lines:
        for s in r.stored:
            ds.get_verified(s.key, s.sha256)
