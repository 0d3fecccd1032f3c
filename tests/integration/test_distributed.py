"""Distributed mode against the real services: RabbitMQ or Redis, moto's S3 server, ``svs worker`` processes."""

from __future__ import annotations

import json
from pathlib import Path

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
    wait_for,
    worker_env,
)

pytestmark = pytest.mark.integration


def _outcomes(log: Path) -> list[str]:
    """The outcome of each item a worker finished, from its log (``item done``: published, or seen before)."""
    if not log.exists():
        return []
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{") and line.endswith("}")]
    return [line["outcome"] for line in lines if line.get("msg") == "item done"]


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

    # the same batch again: nothing new stored, nothing published again once every item has been seen again
    worker = Worker(env, log=tmp_path / "worker2.log")
    try:
        assert submit(sample_batch, s3_store_url, env) == batch_id
        wait_for(lambda: _outcomes(tmp_path / "worker2.log").count("seen") >= 10, timeout=120)
        again = collect(any_broker, lambda m: False, timeout=3)
    finally:
        worker.stop()
    assert "published" not in _outcomes(tmp_path / "worker2.log")
    assert again == []
    # nothing of the batch stored again (a worker's items-per-minute record, workers.throughput, is the workers')
    after = {k for k in s3_objects(s3_store_url, s3_endpoint) if not k.startswith("throughput/")}
    assert after == {k for k in objects if not k.startswith("throughput/")}


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
