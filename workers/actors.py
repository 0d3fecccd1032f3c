"""Dramatiq actors. Thin: they fetch ids and keys from the message, call :mod:`svs`, and publish.

A message carries ids only (batch id, item id, store URL); everything else is read from the batch manifest
that ``svs submit`` stored. Each result and summary is published exactly once (:mod:`workers.publication`), so a
redelivered message (a worker killed mid-item) neither loses nor repeats a result.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from functools import partial

import dramatiq
from dramatiq.middleware import CurrentMessage
from pydantic import ValidationError

from svs import keys, log
from svs.batch.finish import finish_batch
from svs.errors import ConfigError, InvalidId, ObjectConflict, PoisonMessage
from svs.pipeline import Options, load_stored_result, process_item
from svs.schema import ApplicationSummary, BatchSummary, ItemResult, StoredObject, SubmittedBatch
from svs.storage import Store, open_store
from workers import metrics, publication, throughput
from workers.broker import make_broker
from workers.channels import thread_channel
from workers.channels.routing import routing_key
from workers.lanes import QUEUES, LaneActor
from workers.middleware import PERMANENT

log.configure()
broker = make_broker()
dramatiq.set_broker(broker)
logger = log.get_logger("workers.actors")

_local = threading.local()
#: Manifests kept per process (a worker usually serves one or two batches at a time).
MANIFESTS_KEPT = 8
_manifests: OrderedDict[tuple[int, str], SubmittedBatch] = OrderedDict()
_manifests_lock = threading.Lock()


def _store(url: str) -> Store:
    cache: dict[str, Store] = _local.__dict__.setdefault("stores", {})
    if url not in cache:
        cache[url] = open_store(url)
    return cache[url]


def load_manifest(store: Store, batch_id: str) -> SubmittedBatch:
    """The batch's manifest, read once per process and batch: it is created once and never overwritten, and a
    batch of thousands would otherwise be fetched and parsed once per item. Read-only."""
    cache = _manifests
    key = (id(store), batch_id)
    with _manifests_lock:
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
    try:
        manifest = SubmittedBatch.model_validate_json(store.get(keys.batch_manifest(batch_id)))
    except KeyError:
        raise PoisonMessage("message.unknown_batch", "no manifest for this batch") from None
    except ValidationError:
        raise PoisonMessage("message.bad_manifest", "the batch manifest is not a submitted batch") from None
    with _manifests_lock:
        cache[key] = manifest
        while len(cache) > MANIFESTS_KEPT:
            cache.popitem(last=False)
    return manifest


def publish_once(store: Store, marker_key: str, result: ItemResult | ApplicationSummary | BatchSummary) -> bool:
    """Publish *result* as a result of the current message, once per *marker_key*. True when this call did."""
    message = CurrentMessage.get_current_message()
    return publication.publish_once(store, marker_key, result.model_dump_json().encode(), message,
                                    thread_channel(), routing_key(result))


def maybe_finish_batch(store: Store, batch_id: str, manifest: SubmittedBatch, claim: str,
                       item_id: str = "") -> None:
    """When every item of the batch has a stored result, finish it (:func:`svs.batch.finish.finish_batch`) and
    publish its applications and then its summary, each exactly once.

    The first message to see the batch complete claims the summary by creating a claim object holding its own
    message id; a redelivery of that same message may claim again, any other message may not.
    """
    marker = keys.batch_summary_marker(batch_id)
    if store.exists(marker):  # cheaper than listing the batch: a resubmitted batch stops here
        return
    expected = {keys.result(batch_id, i.item_id, i.sha256) for i in manifest.items}
    # the manifest's last item is usually among the last done (items are queued in order): while its result is
    # missing the batch is not complete, and one HEAD spares listing the whole batch for every item
    last = manifest.items[-1] if manifest.items else None
    if last and last.item_id != item_id and not store.exists(keys.result(batch_id, last.item_id, last.sha256)):
        return
    present = set(store.list(keys.batch_results_prefix(batch_id)))
    if not expected <= present:
        return
    try:
        store.put(keys.batch_summary_claim(batch_id), claim.encode(), "claim")
    except ObjectConflict:
        return  # another message claimed the summary; if it dies, its redelivery finishes the job
    results = [stored_result(store, k) for k in sorted(expected)]

    def publish_application(app: ApplicationSummary) -> None:
        publish_once(store, keys.application_marker(app.batch_id, app.application_id, app.version), app)

    finished = finish_batch(store, batch_id, results, options_of(manifest), publish_application)
    if publish_once(store, marker, finished.summary):
        logger.info("batch summary published", extra={"batch_id": batch_id, "count": finished.summary.items})


def stored_result(store: Store, key: str) -> ItemResult:
    """A stored result with the entry that names it by digest (what the decision log records)."""
    raw = store.get(key)
    result = ItemResult.model_validate_json(raw)
    result.stored.append(StoredObject(key=key, sha256=hashlib.sha256(raw).hexdigest(), bytes=len(raw),
                                      role="manifest", content_type="application/json"))
    return result


def options_of(manifest: SubmittedBatch) -> Options:
    """The options the batch was submitted with; a worker that does not know them cannot process it."""
    try:
        return Options.from_run_options(manifest.options)
    except ConfigError:
        raise PoisonMessage("message.unknown_options", "the batch asks for a profile or reader this worker "
                                                       "does not have") from None


def process_item_message(batch_id: str, item_id: str, store_url: str) -> None:
    """Process one submitted item: analyse, store, publish its result; finish the batch if it was the last."""
    try:
        keys.check_id(batch_id, "batch id")
        keys.check_id(item_id, "item id")
    except InvalidId:
        raise PoisonMessage("message.bad_id", "the message's ids cannot name objects") from None
    store = _store(store_url)
    manifest = load_manifest(store, batch_id)
    item = next((i for i in manifest.items if i.item_id == item_id), None)
    if item is None:
        raise PoisonMessage("message.unknown_item", "item not in the batch manifest")
    try:
        sha = keys.check_sha(item.sha256)
    except InvalidId:
        raise PoisonMessage("message.bad_sha256", "the manifest's digest for the item is invalid") from None
    result = load_stored_result(store, batch_id, item_id, sha)
    if result is None and item.intake_error:
        result = process_item(store, batch_id, item_id, item.name, b"", item.page, item.declared_type,
                              options_of(manifest), item.structure, intake_error=item.intake_error)
    if result is None:
        if item.inbox_key is None:
            raise PoisonMessage("message.missing_object", "the item has neither an inbox object nor a reason")
        try:
            data = store.get_verified(item.inbox_key, sha)
        except KeyError:
            raise PoisonMessage("message.missing_object", "the item's inbox object does not exist") from None
        result = process_item(store, batch_id, item_id, item.name, data, item.page, item.declared_type,
                              options_of(manifest), item.structure)
    throughput.LEDGER.done(store_url)
    published = publish_once(store, keys.published_marker(batch_id, item_id, sha), result)
    if published:
        metrics.observe(result)
    logger.info("item done", extra={"batch_id": batch_id, "item_id": item_id, "verdict": result.verdict,
                                     "reasons": result.reasons, "outcome": "published" if published else "seen"})
    message = CurrentMessage.get_current_message()
    maybe_finish_batch(store, batch_id, manifest, message.message_id if message else item_id, item_id)


# one actor per lane (workers.lanes): the same work, each on its lane's queue, ordered by the lane scheduler
process = dramatiq.actor(actor_name="process", queue_name=QUEUES["normal"], throws=PERMANENT, max_retries=10,
                         actor_class=partial(LaneActor, lane="normal"))(process_item_message)
process_urgent = dramatiq.actor(actor_name="process_urgent", queue_name=QUEUES["urgent"], throws=PERMANENT,
                                max_retries=10, actor_class=partial(LaneActor, lane="urgent"))(process_item_message)
ACTORS = {"normal": process, "urgent": process_urgent}
