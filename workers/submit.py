"""``svs submit``: put a batch's files into the store's inbox, store its manifest, enqueue one message per item."""

from __future__ import annotations

import os
from pathlib import Path

from svs import keys, sealing
from svs.batch import BatchIdConflict, claim_batch_id, load_batch, read_file, rescans
from svs.batch.prepass import batch_structure
from svs.errors import IntakeError, ObjectConflict
from svs.intake import EXTENSIONS, sha256_hex, sniff
from svs.pipeline import Options
from svs.schema import SubmittedBatch, SubmittedItem
from svs.storage import open_store


def submit_batch(path: Path, store_url: str, broker_url: str | None = None,
                 options: Options = Options()) -> tuple[str, int]:
    """Returns the batch id and the number of items enqueued. Submitting the same batch again stores nothing new;
    the workers recognise items already done. *options* (which stages, which profile) travel in the batch's
    manifest: every worker processes the batch as asked."""
    if broker_url:
        os.environ["SVS_BROKER_URL"] = broker_url
    from workers import actors  # sets up the broker from SVS_BROKER_URL

    batch = load_batch(path)
    store = open_store(store_url)
    store.check()
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
    for item in batch.items:
        actors.process.send(batch_id=batch.batch_id, item_id=item.item_id, store_url=store.url)
    return batch.batch_id, len(batch.items)
