"""What a batch view shows, read from the store: the item results, the summary where the batch is complete,
the expected item count where it was submitted, and each item's pictures.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from pydantic import ValidationError

from svs import keys
from svs.batch.stored import stored_result
from svs.errors import IntegrityError, InvalidId
from svs.schema import ApplicationSummary, BatchSummary, ItemResult, Supersession
from svs.storage.base import Store

#: Pictures shown for an item, in this order, with the caption the operator sees.
PICTURES: tuple[tuple[str, str], ...] = (
    ("thumbnail", "scan"),
    ("quality_overlay", "what is wrong with the scan"),
    ("photo_overlay", "photo measures"),
    ("mrz", "machine readable zone"),
    ("form_fields", "form fields to key by hand"),
)


@dataclass(frozen=True)
class Picture:
    role: str  # the stored derived image's role
    caption: str
    data: bytes | None  # the JPEG, where it was read (the report embeds it; the dashboard links to it)
    source: str | None = None  # "<batch id>/<item id>" where it is another item's picture (the other scan)


@dataclass
class BatchView:
    batch_id: str
    results: list[ItemResult]
    summary: BatchSummary | None
    expected: int | None  # items submitted (distributed mode) or None where unknown
    pictures: dict[str, list[Picture]] = field(default_factory=dict)  # item id -> what it shows
    applications: list[ApplicationSummary] = field(default_factory=list)
    superseded: dict[str, Supersession] = field(default_factory=dict)  # item id -> the rescan that replaced it

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


_APPLICATION_KEY = re.compile(r"([0-9a-f]{24})(?:-v([0-9]+))?\.json")


def read_applications(store: Store, batch_id: str) -> list[ApplicationSummary]:
    """The batch's application summaries, each at its latest version (issued again after a rescan), in the
    order of their first item. A later, different summary stored beside the first (``-<sha256>``: the batch
    finished again with other results) is not a version and is left out."""
    latest: dict[str, tuple[int, str]] = {}
    for key in store.list(keys.batch_applications_prefix(batch_id)):
        m = _APPLICATION_KEY.fullmatch(key.rsplit("/", 1)[-1])
        if m:
            version = int(m[2] or 1)
            if version > latest.get(m[1], (0, ""))[0]:
                latest[m[1]] = (version, key)
    out = []
    for _, key in latest.values():
        try:
            out.append(ApplicationSummary.model_validate_json(store.get(key)))
        except (KeyError, ValidationError):
            continue
    return sorted(out, key=lambda a: (a.items[0] if a.items else "", a.application_id))


def collect(store: Store, batch_id: str, pictures: bool = True) -> BatchView:
    """Everything stored for one batch; results in item order. Unreadable result objects are skipped. With
    ``pictures`` false, which pictures exist is known but their bytes are not read."""
    keys.check_id(batch_id, "batch id")
    results: list[ItemResult] = []
    superseded: dict[str, Supersession] = {}
    for key in store.list(keys.batch_results_prefix(batch_id)):
        if key.endswith("/result.json"):
            try:
                results.append(ItemResult.model_validate_json(store.get(key)))
            except (KeyError, ValidationError):
                continue
        elif key.endswith("/superseded.json"):
            try:
                record = Supersession.model_validate_json(store.get(key))
            except (KeyError, ValidationError):
                continue
            superseded[record.superseded.partition("/")[2]] = record
    results.sort(key=lambda r: r.item_id)
    view = BatchView(batch_id, results, read_summary(store, batch_id), expected_items(store, batch_id),
                     applications=read_applications(store, batch_id), superseded=superseded)
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
        other = r.supersedes or (superseded[r.item_id].by if r.item_id in superseded else None)
        if other:
            caption = "earlier scan" if r.supersedes else "the rescan"
            shown += _other_scan(store, other, f"{caption} ({other})", pictures)
        view.pictures[r.item_id] = shown
    return view


def _other_scan(store: Store, ref: str, caption: str, pictures: bool) -> list[Picture]:
    """The thumbnail of the other scan of a rescanned page, from its own batch: both scans side by side."""
    batch_id, _, item_id = ref.partition("/")
    try:
        other = stored_result(store, batch_id, item_id)
    except InvalidId:
        return []
    entry = next((s for s in other.stored if s.role == "thumbnail"), None) if other else None
    if entry is None:
        return []
    data = None
    if pictures:
        try:
            data = store.get_verified(entry.key, entry.sha256)
        except (KeyError, IntegrityError):
            return []
    return [Picture("thumbnail", caption, data, ref)]
