"""``svs submit``: put a batch's files into the store's inbox, store its manifest, enqueue one message per item on
the batch's lane (:mod:`workers.lanes`), after telling the backlog it joins (:mod:`workers.throughput`)."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import NamedTuple

import dramatiq

from svs import keys, sealing
from svs.batch import BatchIdConflict, claim_batch_id, load_batch, read_file, rescans
from svs.batch.prepass import batch_structure
from svs.errors import IntakeError, ObjectConflict
from svs.intake import EXTENSIONS, sha256_hex, sniff
from svs.pipeline import Options
from svs.schema import Priority, SubmittedBatch, SubmittedItem
from svs.storage import open_store
from workers.channels import reaching
from workers.config import WorkerSettings
from workers.config import broker_url as configured_broker_url
from workers.lanes import QUEUES
from workers.throughput import Backlog, rate


class Submitted(NamedTuple):
    batch_id: str
    items: int
    priority: Priority
    backlog: Backlog


def waiting(broker: dramatiq.Broker, url: str) -> dict[Priority, int]:
    """Items waiting in each lane (ready or retrying), from the broker."""
    from dramatiq.brokers.stub import StubBroker

    if isinstance(broker, StubBroker):
        return {lane: broker.queues[q].qsize() if q in broker.queues else 0 for lane, q in QUEUES.items()}
    from workers.health import lane_depths

    return {lane: d["ready"] + d["delayed"] for lane, d in lane_depths(url).items()}  # type: ignore[misc]


def submit_batch(path: Path, store_url: str, broker_url: str | None = None, options: Options = Options(),
                 priority: Priority | None = None) -> Submitted:
    """The batch id, the items enqueued, their lane and the backlog they joined. Submitting the same batch again
    stores nothing new; the workers recognise items already done. *options* (which stages, which profile) travel
    in the batch's manifest: every worker processes the batch as asked. *priority* overrides ``batch.json``'s.

    A batch that would take its lane past ``SVS_BACKLOG_LIMIT`` waiting items is refused whole
    (``batch.backlog_full``) before anything of it is stored."""
    if broker_url:
        os.environ["SVS_BROKER_URL"] = broker_url
    from workers import actors  # sets up the broker from SVS_BROKER_URL

    batch = load_batch(path)
    lane: Priority = priority or batch.manifest.priority
    options = dataclasses.replace(options, priority=lane)
    store = open_store(store_url)
    store.check()
    with reaching():  # a broker that does not answer: one line, exit 1, nothing of the batch stored
        backlog = Backlog(waiting(actors.process.broker, configured_broker_url()), rate(store))
    backlog.check(lane, len(batch.items), WorkerSettings.from_env().backlog_limit)
    planned = rescans.plan(store, batch)  # reading only: a refused rescan stores nothing
    claim_batch_id(store, batch)
    rescans.record(store, batch.batch_id, planned)
    # which application each page belongs to is decided here, in batch order, before any worker sees a page
    structures = rescans.with_rescans(batch, batch_structure(batch, options), planned)
    inbox: dict[str, str] = {}
    refused: dict[str, str] = {}  # files that cannot even be read here (too large, not a regular file)
    for name in batch.files:
        try:
            data = read_file(batch.root, name)
        except IntakeError as exc:
            refused[name] = exc.code
            continue
        key = keys.inbox(batch.batch_id, sha256_hex(data), EXTENSIONS.get(sniff(data) or "", "bin"))
        store.put(key, data, "inbox", "application/octet-stream")
        inbox[name] = key
    manifest = SubmittedBatch(
        batch_id=batch.batch_id, operator=batch.manifest.operator, scanner=batch.manifest.scanner,
        expected_items=batch.manifest.expected_items, options=options.to_run_options(),
        items=[SubmittedItem(item_id=i.item_id, name=i.name, page=i.page, sha256=i.sha256,
                             inbox_key=inbox.get(i.path_name), declared_type=i.declared_type,
                             intake_error=refused.get(i.path_name), structure=st)
               for i, st in zip(batch.items, structures, strict=True)],
    )
    body = manifest.model_dump_json().encode()
    try:
        sealing.put_sealed(store, keys.batch_manifest(batch.batch_id), body, "batch_manifest", "application/json")
    except ObjectConflict:
        raise BatchIdConflict("this batch id is already used in the store by a batch of other files") from None
    actor = actors.ACTORS[lane]
    with reaching():  # lost while sending: submitting again sends the rest (items done are recognised)
        for item in batch.items:
            actor.send(batch_id=batch.batch_id, item_id=item.item_id, store_url=store.url)
    return Submitted(batch.batch_id, len(batch.items), lane, backlog)
