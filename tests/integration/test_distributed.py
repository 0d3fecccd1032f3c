"""Distributed mode against the real services: RabbitMQ or Redis, moto's S3 server, ``svs worker`` processes."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from integration_helpers import (
    Worker,
    applications,
    check_stored,
    collect,
    items,
    purge_all,
    queue_depth,
    s3_objects,
    submit,
    summaries,
    worker_env,
)

pytestmark = pytest.mark.integration


def test_submitted_batch_is_processed_stored_and_published_once(
    any_broker: str, s3_endpoint: str, s3_store_url: str, sample_batch: Path, tmp_path: Path
) -> None:
    env = worker_env(any_broker, s3_endpoint)
    batch_id = submit(sample_batch, s3_store_url, env)
    assert batch_id == "sample-0001"
    worker = Worker(env, log=tmp_path / "worker.log")
    try:
        messages = collect(any_broker, lambda m: len(summaries(m)) >= 1 and len(items(m)) >= 10)
    finally:
        worker.stop()
    results = items(messages)
    assert sorted(r["item_id"] for r in results) == sorted(
        ["0001", "0002", "0003", "0004", "0005", "0006", "0007-p001", "0007-p002", "0008", "0009"])
    (summary,) = summaries(messages)
    assert summary["items"] == 10 and summary["verdicts"]["rejected"] == 1
    # the pre-pass at submit carried the form's reference to every page; the application was cross-checked
    assert {r["application_id"] for r in results} == {"PA-2026-004211"}
    (application,) = applications(messages)
    assert application["checks"] == {"surname": "match", "birth_date": "match", "document_number": "match"}
    assert messages.index(application) < messages.index(summary)  # the batch summary comes last
    objects = s3_objects(s3_store_url, s3_endpoint)
    check_stored(results, objects, sample_batch)
    names = [p.name for p in sample_batch.iterdir()]
    assert not [k for k in objects if any(n in k for n in names) or "BLACKWOOD" in k]  # ids and hashes only

    # the same batch again: nothing new stored, nothing published again
    worker = Worker(env, log=tmp_path / "worker2.log")
    try:
        assert submit(sample_batch, s3_store_url, env) == batch_id
        again = collect(any_broker, lambda m: False, timeout=12)
    finally:
        worker.stop()
    assert again == []
    # nothing of the batch stored again (a worker's items-per-minute record, workers.throughput, is the workers')
    after = {k for k in s3_objects(s3_store_url, s3_endpoint) if not k.startswith("throughput/")}
    assert after == {k for k in objects if not k.startswith("throughput/")}


def test_worker_killed_mid_batch_loses_and_duplicates_nothing(
    rabbitmq_url: str, s3_endpoint: str, s3_store_url: str, gen, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    purge_all(rabbitmq_url)
    batch = gen.distinct_pages(tmp_path / "batch", 40, seed=11, reference="PA-2026-777777")
    env = worker_env(rabbitmq_url, s3_endpoint)
    submit(batch, s3_store_url, env)
    messages: list[dict[str, Any]] = []
    worker = Worker(env, processes=1, threads=2, log=tmp_path / "w1.log")
    collect(rabbitmq_url, lambda m: len(items(m)) >= 6, into=messages)
    worker.kill()
    assert len(items(messages)) < 40, "the batch finished before the kill: make it longer"
    worker = Worker(env, processes=2, threads=1, log=tmp_path / "w2.log")
    try:
        collect(rabbitmq_url, lambda m: len(summaries(m)) >= 1 and len(items(m)) >= 40, into=messages)
        time.sleep(2)
        collect(rabbitmq_url, lambda m: False, timeout=2, into=messages)  # anything late would be a duplicate
    finally:
        worker.stop()
    ids = [r["item_id"] for r in items(messages)]
    assert sorted(ids) == [f"{i:04d}" for i in range(1, 41)], "an item was lost or published twice"
    assert len(summaries(messages)) == 1 and summaries(messages)[0]["items"] == 40
    objects = s3_objects(s3_store_url, s3_endpoint)
    check_stored(items(messages), objects, batch)
    originals = [k for k in objects if "/originals/" in k]
    assert len(originals) == len(set(originals)) == 40


def test_message_carries_ids_only_and_stays_under_4_kib(rabbitmq_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVS_BROKER_URL", rabbitmq_url)
    from workers import actors

    msg = actors.process.message(batch_id="b-" + "f" * 62, item_id="9999-p999", store_url="s3://bucket/prefix/")
    encoded = msg.encode()
    assert len(encoded) < 4096
    assert set(msg.kwargs) == {"batch_id", "item_id", "store_url"}


def test_poison_message_is_dead_lettered_with_a_reason(
    rabbitmq_url: str, s3_endpoint: str, s3_store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    purge_all(rabbitmq_url)
    env = worker_env(rabbitmq_url, s3_endpoint)
    monkeypatch.setenv("SVS_BROKER_URL", rabbitmq_url)
    from workers import actors

    actors.process.send(batch_id="never-submitted", item_id="0001", store_url=s3_store_url)
    worker = Worker(env, log=tmp_path / "w.log")
    try:
        notices = collect(rabbitmq_url, lambda m: len(m) >= 1, queue="svs.dead-letter", timeout=60)
    finally:
        worker.stop()
    assert notices[0]["kind"] == "dead_letter" and notices[0]["reason"] == "message.unknown_batch"
    assert notices[0]["retries"] == 0  # poison is never retried
    assert queue_depth(rabbitmq_url, "svs-items.XQ") >= 1  # kept for replay


def test_store_outage_is_retried_with_backoff(rabbitmq_url: str, sample_batch: Path, tmp_path: Path) -> None:
    """The S3 endpoint goes away after submission and comes back: the items are retried, none is lost."""
    import socket

    from moto.server import ThreadedMotoServer

    purge_all(rabbitmq_url)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket="svs-outage")
    store_url = "s3://svs-outage/x"
    batch = tmp_path / "b"
    batch.mkdir()
    for name in ("01-form-p1.jpg", "09-corrupt.jpg"):
        shutil.copy(sample_batch / name, batch / name)
    env = worker_env(rabbitmq_url, endpoint)
    submit(batch, store_url, env)
    server.stop()  # moto keeps its state in this process: a new server on the same port serves the same bucket
    worker = Worker(env, log=tmp_path / "w.log")
    try:
        time.sleep(6)
        assert collect(rabbitmq_url, lambda m: False, timeout=1) == []
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        messages = collect(rabbitmq_url, lambda m: len(summaries(m)) >= 1, timeout=120)
    finally:
        worker.stop()
        server.stop()
    assert sorted(r["item_id"] for r in items(messages)) == ["0001", "0002"]
    assert "retr" in (tmp_path / "w.log").read_text().lower()
