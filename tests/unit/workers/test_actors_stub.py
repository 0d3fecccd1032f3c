"""The actors' logic on Dramatiq's in-process StubBroker: publication once, batch completion, options that travel
with the batch, poison messages. The same logic against RabbitMQ and Redis is in the integration tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dramatiq
import pytest
from dramatiq import Worker
from integration_helpers import check_against_asyncapi

from svs import keys
from svs.pipeline import Options
from svs.schema import SubmittedBatch
from svs.storage import DirStore
from workers.channels.base import Channel
from workers.channels.stub import StubChannel, reset

NO_MRZ = Options(mrz=False)


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[dramatiq.Broker]:
    """A StubBroker with svs's middleware, the item actor declared on it and two worker threads consuming.

    The actors module is imported before the broker URL names the stub: its own broker, made at import, stays
    the one the integration tests in this process use; only the actor is lent to the stub, and given back."""
    from workers import actors
    from workers.broker import make_broker

    monkeypatch.setenv("SVS_BROKER_URL", "stub://")  # the result channels: the stub's

    broker = make_broker("stub://")
    before = actors.process.broker
    for actor in actors.ACTORS.values():
        actor.broker = broker
        broker.declare_actor(actor)
    reset()
    worker = Worker(broker, worker_timeout=50, worker_threads=2)
    worker.start()
    try:
        yield broker
    finally:
        worker.stop()
        for actor in actors.ACTORS.values():
            actor.broker = before
        reset()


def _drain(broker: dramatiq.Broker) -> None:
    from workers.lanes import QUEUES

    for queue in QUEUES.values():
        broker.join(queue, timeout=240_000, fail_fast=False)  # type: ignore[attr-defined]


def _published(queue: str = Channel.RESULTS) -> list[dict[str, Any]]:
    return [json.loads(b) for b in StubChannel().consume(queue)]


def test_a_submitted_batch_is_published_once_per_item_application_and_batch_as_the_embedded_run_decides(
        stub: dramatiq.Broker, sample_batch: Path, tmp_path: Path) -> None:
    from svs.api import run_batch
    from workers.submit import submit_batch

    batch_id, count, _, _ = submit_batch(sample_batch, str(tmp_path / "queued"), options=NO_MRZ)
    _drain(stub)
    out = _published()
    items = {m["item_id"]: m for m in out if m["kind"] == "item"}
    assert len(items) == count == sum(m["kind"] == "item" for m in out)
    assert [m["kind"] for m in out].count("application") == 1 and out[-1]["kind"] == "batch"
    check_against_asyncapi(out)  # the messages are as docs/asyncapi.yaml describes them
    embedded = run_batch(sample_batch, str(tmp_path / "embedded"), jobs=1, options=NO_MRZ)
    for r in embedded.results:  # one code, two modes: the same decisions, the stages skipped in both
        assert (items[r.item_id]["verdict"], items[r.item_id]["reasons"]) == (r.verdict, r.reasons), r.item_id
        assert items[r.item_id]["mrz"] is None
    assert out[-1]["verdicts"] == embedded.summary.verdicts and out[-1]["batch_id"] == batch_id
    assert (tmp_path / "queued" / keys.batch_report(batch_id)).is_file()


def test_a_message_delivered_again_publishes_nothing_new(stub: dramatiq.Broker, sample_batch: Path,
                                                         tmp_path: Path) -> None:
    from workers import actors
    from workers.submit import submit_batch

    store = str(tmp_path / "s")
    batch_id, count, _, _ = submit_batch(sample_batch, store, options=NO_MRZ)
    _drain(stub)
    assert len(_published()) == count + 2
    actors.process.send(batch_id=batch_id, item_id="0001", store_url=DirStore(store).url)
    _drain(stub)
    assert _published() == []


def test_the_options_a_batch_was_submitted_with_travel_in_its_manifest(stub: dramatiq.Broker, sample_batch: Path,
                                                                      tmp_path: Path) -> None:
    from workers.submit import submit_batch

    batch_id, *_ = submit_batch(sample_batch, str(tmp_path / "s"), options=Options(mrz=False, forms=False))
    manifest = SubmittedBatch.model_validate_json(DirStore(tmp_path / "s").get(keys.batch_manifest(batch_id)))
    assert (manifest.options.mrz, manifest.options.forms, manifest.options.photo) == (False, False, True)
    _drain(stub)
    assert all(m.get("form") is None for m in _published() if m["kind"] == "item")


def _dead_letters() -> list[dict[str, Any]]:
    return _published(Channel.DEAD_LETTERS)


def test_a_message_for_an_item_not_in_the_batch_is_dead_lettered_with_a_code(
        stub: dramatiq.Broker, sample_batch: Path, tmp_path: Path) -> None:
    from workers import actors
    from workers.submit import submit_batch

    store = DirStore(tmp_path / "s")
    batch_id, *_ = submit_batch(sample_batch, store.url, options=NO_MRZ)
    _drain(stub)
    _published()
    actors.process.send(batch_id=batch_id, item_id="9999", store_url=store.url)
    _drain(stub)
    [notice] = _dead_letters()
    assert notice["reason"] == "message.unknown_item" and notice["item_id"] == "9999"


def test_a_batch_asking_for_options_this_worker_lacks_is_dead_lettered_not_guessed(
        stub: dramatiq.Broker, tmp_path: Path) -> None:
    from workers import actors

    store = DirStore(tmp_path / "s")
    manifest = {"batch_id": "odd-1", "options": {"profile": "no-such-profile"},
                "items": [{"item_id": "0001", "name": "a.jpg", "sha256": "0" * 64, "inbox_key": None,
                           "intake_error": "input.too_large"}]}
    store.put(keys.batch_manifest("odd-1"), json.dumps(manifest).encode(), "batch_manifest")
    actors.process.send(batch_id="odd-1", item_id="0001", store_url=store.url)
    _drain(stub)
    [notice] = _dead_letters()
    assert notice["reason"] == "message.unknown_options"
    assert _published() == []


def test_an_urgent_batch_travels_in_the_urgent_lane_and_its_results_and_summaries_say_so(
        stub: dramatiq.Broker, sample_batch: Path, tmp_path: Path) -> None:
    from workers.submit import submit_batch

    done = submit_batch(sample_batch, str(tmp_path / "s"), options=NO_MRZ, priority="urgent")
    assert done.priority == "urgent" and done.backlog.ahead("urgent") <= done.items
    _drain(stub)
    out = _published()
    assert {m["kind"] for m in out} == {"item", "application", "batch"}
    assert all(m["priority"] == "urgent" for m in out)
    manifest = SubmittedBatch.model_validate_json(DirStore(tmp_path / "s").get(keys.batch_manifest(done.batch_id)))
    assert manifest.options.priority == "urgent"


def test_a_batch_that_would_pass_its_lanes_backlog_limit_is_refused_whole_and_nothing_is_stored(
        stub: dramatiq.Broker, sample_batch: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from workers.submit import submit_batch
    from workers.throughput import BacklogFull

    monkeypatch.setenv("SVS_BACKLOG_LIMIT", "5")  # the sample batch has 10 items
    with pytest.raises(BacklogFull) as refused:
        submit_batch(sample_batch, str(tmp_path / "s"), options=NO_MRZ)
    assert refused.value.code == "batch.backlog_full" and refused.value.exit_code == 1
    assert DirStore(tmp_path / "s").list("") == []
    _drain(stub)
    assert _published() == []
