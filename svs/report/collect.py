"""What a batch view shows, read from the store: the item results, the summary where the batch is complete,
the expected item count where it was submitted, and each item's pictures.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from pydantic import ValidationError

from svs import keys
from svs.errors import IntegrityError
from svs.schema import ApplicationSummary, BatchSummary, ItemResult
from svs.storage.base import Store

#: Pictures shown for an item, in this order, with the caption the operator sees.
PICTURES: tuple[tuple[str, str], ...] = (
    ("thumbnail", "scan"),
    ("quality_overlay", "what is wrong with the scan"),
    ("photo_overlay", "photo measures"),
    ("mrz", "machine readable zone"),
)


@dataclass(frozen=True)
class Picture:
    role: str  # the stored derived image's role
    caption: str
    data: bytes | None  # the JPEG, where it was read (the report embeds it; the dashboard links to it)


@dataclass
class BatchView:
    batch_id: str
    results: list[ItemResult]
    summary: BatchSummary | None
    expected: int | None  # items submitted (distributed mode) or None where unknown
    pictures: dict[str, list[Picture]] = field(default_factory=dict)  # item id -> what it shows
    applications: list[ApplicationSummary] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.summary is not None


def list_batches(store: Store) -> list[str]:
    """Batch ids with anything stored, sorted."""
    ids = set()
    for key in store.list("batches/"):
        parts = key.split("/")
        if len(parts) > 2:
            ids.add(parts[1])
    return sorted(ids)


def read_summary(store: Store, batch_id: str) -> BatchSummary | None:
    try:
        return BatchSummary.model_validate_json(store.get(keys.batch_summary(batch_id)))
    except (KeyError, ValidationError):
        return None


def expected_items(store: Store, batch_id: str) -> int | None:
    try:
        manifest = json.loads(store.get(keys.batch_manifest(batch_id)))
    except (KeyError, ValueError):
        return None
    items = manifest.get("items")
    return len(items) if isinstance(items, list) else None


def read_applications(store: Store, batch_id: str) -> list[ApplicationSummary]:
    """The batch's application summaries (the first stored of each), in the order of their first item."""
    out = []
    for key in store.list(keys.batch_applications_prefix(batch_id)):
        name = key.rsplit("/", 1)[-1]
        if not name.endswith(".json") or "-" in name:  # "-" marks a later, different summary stored beside
            continue
        try:
            out.append(ApplicationSummary.model_validate_json(store.get(key)))
        except (KeyError, ValidationError):
            continue
    return sorted(out, key=lambda a: (a.items[0] if a.items else "", a.application_id))


def item_result(store: Store, batch_id: str, item_id: str) -> ItemResult | None:
    """One item's stored result, found by listing only that item's objects."""
    prefix = keys.batch_results_prefix(batch_id) + keys.check_id(item_id, "item id") + "-"
    for key in store.list(prefix):
        if key.endswith("/result.json"):
            try:
                r = ItemResult.model_validate_json(store.get(key))
            except (KeyError, ValidationError):
                continue
            if r.item_id == item_id:  # "0007-" also lists the pages "0007-p001-..."
                return r
    return None


def collect(store: Store, batch_id: str, pictures: bool = True) -> BatchView:
    """Everything stored for one batch; results in item order. Unreadable result objects are skipped. With
    ``pictures`` false, which pictures exist is known but their bytes are not read."""
    keys.check_id(batch_id, "batch id")
    results: list[ItemResult] = []
    for key in store.list(keys.batch_results_prefix(batch_id)):
        if key.endswith("/result.json"):
            try:
                results.append(ItemResult.model_validate_json(store.get(key)))
            except (KeyError, ValidationError):
                continue
    results.sort(key=lambda r: r.item_id)
    view = BatchView(batch_id, results, read_summary(store, batch_id), expected_items(store, batch_id),
                     applications=read_applications(store, batch_id))
    for r in results:
        by_role = {s.role: s for s in r.stored}
        shown: list[Picture] = []
        for role, caption in PICTURES:
            entry = by_role.get(role)
            if entry is None:
                continue
            data = None
            if pictures:
                try:
                    data = store.get_verified(entry.key, entry.sha256)
                except (KeyError, IntegrityError):  # missing or altered: shown as absent, never as wrong
                    continue
            shown.append(Picture(role, caption, data))
        view.pictures[r.item_id] = shown
    return view
