"""One item into the store: analysed, its original, derived images and result manifest stored create-only.

Processing is idempotent: an item whose result is already stored is not processed again.
"""

from __future__ import annotations

import json

from svs import sealing
from svs.errors import ObjectConflict
from svs.intake import EXTENSIONS, PDF, sha256_hex, sniff
from svs.keys import content_index
from svs.keys import derived as derived_key
from svs.keys import original as original_key
from svs.keys import result as result_key
from svs.log import get_logger
from svs.pipeline import file_clock
from svs.pipeline.chain import Analysis, analyse, refused, source_of
from svs.pipeline.options import Options, Timer
from svs.provenance import provenance
from svs.reasons import verdict_for
from svs.schema import DocumentType, ItemResult, ItemStructure, NotMeasured, Source, StoredObject
from svs.storage.base import Store

log = get_logger("svs.pipeline")


def item_result(batch_id: str, item_id: str, a: Analysis, options: Options, stored: list[StoredObject] | None = None,
                timings: dict[str, float] | None = None) -> ItemResult:
    """The published result of one analysed (or refused) item."""
    return ItemResult(
        batch_id=batch_id, item_id=item_id, application_id=a.application_id, source=a.source,
        document_type=a.document_type, verdict=verdict_for(a.reasons).value, reasons=a.reasons,
        quality=a.quality or NotMeasured(), mrz=a.mrz, photo=a.photo, form=a.form, structure=a.structure,
        supersedes=a.structure.rescan_of if a.structure else None, priority=options.priority,
        stored=list(stored or []),
        timings_ms=dict(timings or {}), provenance=provenance(options.profile.name),
    )


def unprocessed_result(batch_id: str, item_id: str, name: str, sha256: str, page: int | None,
                       declared: DocumentType | None, code: str, options: Options,
                       structure: ItemStructure | None = None) -> ItemResult:
    """A result for an item whose processing failed before anything was stored (*code*, ``stage.failed``):
    it names the reason and stores nothing."""
    source = Source(name=name, sha256=sha256, bytes=0, content_type="application/octet-stream", page=page)
    return item_result(batch_id, item_id, refused(source, declared, code, structure), options)


def _manifest_entry(key: str, data: bytes) -> StoredObject:
    return StoredObject(key=key, sha256=sha256_hex(data), bytes=len(data), role="manifest",
                        content_type="application/json")


def load_stored_result(store: Store, batch_id: str, item_id: str, sha256: str) -> ItemResult | None:
    """The result already stored for this item, with its manifest entry, or None."""
    key = result_key(batch_id, item_id, sha256)
    try:
        raw = store.get(key)
    except KeyError:
        return None
    result = ItemResult.model_validate_json(raw)
    result.stored.append(_manifest_entry(key, raw))
    return result


def seen_before(store: Store, batch_id: str, item_id: str, sha: str, page: int | None) -> str | None:
    """'<batch>/<item>' of the same content (file SHA-256 and page) first seen in another batch, or None.

    The first item to claim the content's index entry (create-only) owns it; a later batch finds it there."""
    key = content_index(sha, page)
    body = json.dumps({"batch_id": batch_id, "item_id": item_id}, sort_keys=True).encode()
    try:
        store.put(key, body, "index", "application/json")
        return None
    except ObjectConflict:
        first = json.loads(store.get(key))
    if first.get("batch_id") == batch_id:
        return None  # the same batch again (a redelivery, a rerun): duplicates within a batch are the pre-pass's
    return f"{first.get('batch_id')}/{first.get('item_id')}"


def _analyse_clocked(store: Store, batch_id: str, sha: str, name: str, data: bytes, page: int,
                     declared: DocumentType | None, options: Options, structure: ItemStructure | None) -> Analysis:
    """A PDF page analysed in what is left of its file's render time (:mod:`svs.pipeline.file_clock`), which
    its own render then adds to; once the file's time is spent, ``stage.timeout`` without rendering."""
    left = options.limits.max_file_render_s - file_clock.spent_s(store, batch_id, sha)
    if left <= 0:
        log.warning("file's render time spent: page not rendered", extra={"stage": "intake", "outcome": "timeout"})
        return refused(source_of(name, data, page, None, PDF), declared, "stage.timeout", structure)
    a = analyse(data, name, page, declared, options, structure, render_left_s=left)
    file_clock.record(store, batch_id, sha, page, a.timings.get("intake", 0.0) / 1000)
    return a


def process_item(store: Store, batch_id: str, item_id: str, name: str, data: bytes, page: int | None,
                 declared: DocumentType | None, options: Options = Options(),
                 structure: ItemStructure | None = None, intake_error: str | None = None) -> ItemResult:
    """Analyse one item and store its original, derived images and result manifest, create-only.

    Idempotent: when the item's result is already stored it is returned unchanged and nothing is written.
    *structure* is the item's place in its batch from the batch pre-pass (:mod:`svs.batch.structure`).
    """
    sha = sha256_hex(data)
    existing = load_stored_result(store, batch_id, item_id, sha)
    if existing is not None:
        sealing.ensure(store, result_key(batch_id, item_id, sha))  # its writer may have died before sealing it
        return existing
    earlier = None if intake_error else seen_before(store, batch_id, item_id, sha, page)
    if earlier is not None and (structure is None or structure.duplicate_of is None):
        base = structure or ItemStructure(role="page")
        structure = base.model_copy(update={"duplicate_of": earlier,
                                            "reasons": [*base.reasons, "batch.duplicate_item"]})
    if intake_error:  # refused before its bytes could be read (too large, not a regular file)
        a = refused(source_of(name, data, page, None, "application/octet-stream"), declared, intake_error, structure)
    elif page is not None and sniff(data) == PDF:
        a = _analyse_clocked(store, batch_id, sha, name, data, page, declared, options, structure)
    else:
        a = analyse(data, name, page, declared, options, structure)
    timer = Timer(dict(a.timings))
    with timer.stage("store"):
        ext = EXTENSIONS.get(a.source.content_type, "bin")
        stored = [] if intake_error else [store.put(original_key(batch_id, sha, ext), data, "original",
                                                    a.source.content_type)]
        for role, blob in a.derived.items():
            stored.append(store.put(derived_key(batch_id, item_id, sha, role, "jpg"), blob, role, "image/jpeg"))
    result = item_result(batch_id, item_id, a, options, stored, timer.ms)
    key = result_key(batch_id, item_id, sha)
    try:
        entry = sealing.put_sealed(store, key, result.model_dump_json().encode(), "manifest", "application/json")
    except ObjectConflict:
        # another worker finished the same item first: its result stands
        winner = load_stored_result(store, batch_id, item_id, sha)
        assert winner is not None
        sealing.ensure(store, key)
        return winner
    result.stored.append(entry)
    return result
