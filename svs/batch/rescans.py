"""Rescans: a new scan that replaces an earlier item of an application (``batch.json``'s ``rescan_of``).

An operator told to rescan a page scans it again into a new batch whose ``batch.json`` names the item it
replaces: ``{"rescan_of": {"page-3.jpg": "<batch id>/<item id>"}}``. Before anything of the new batch is stored,
each named item must have a result in a finished batch and must not have been replaced already
(:func:`plan`). Then a supersession record is stored beside the earlier result, create-only (:func:`record`);
the earlier result itself is never changed. The rescan is processed as any item, belonging to the earlier
item's application (:func:`with_rescans`), and its result says which item it supersedes. When its batch is
finished, the application is issued again (:func:`reissue`): the next version, with the rescan in place of
the earlier scan, checked again, stored beside the earlier versions and published like any summary.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import ValidationError

from svs import decisions, keys, sealing
from svs.batch.applications import summarise
from svs.batch.folder import Batch, BatchError
from svs.batch.stored import stored_result
from svs.errors import InvalidId, ObjectConflict
from svs.log import get_logger
from svs.schema import ApplicationSummary, ItemResult, ItemStructure, StoredObject, Supersession
from svs.storage.base import Store
from svs.thresholds import FormThresholds

log = get_logger("svs.batch.rescans")

#: Rescans issued at once for one application by batches finishing together: each retries on the next version.
MAX_REISSUE_TRIES = 20


class RescanOfUnknownItem(BatchError):
    """``rescan_of`` names an item that has no result in a finished batch of this store."""

    code = "batch.rescan_unknown_item"


class RescanOfSupersededItem(BatchError):
    """``rescan_of`` names an item that another rescan already replaced: rescan the latest scan instead."""

    code = "batch.rescan_already_superseded"


@dataclass(frozen=True)
class Rescan:
    item_id: str  # the rescan, an item of the new batch
    target: str  # "<batch id>/<item id>" of the item it replaces
    earlier: ItemResult  # that item's result


def ref(batch_id: str, item_id: str) -> str:
    return f"{batch_id}/{item_id}"


def parse_ref(value: str) -> tuple[str, str]:
    """A ``"<batch id>/<item id>"`` reference, checked as ids are."""
    batch_id, _, item_id = value.partition("/")
    try:
        return keys.check_id(batch_id, "batch id"), keys.check_id(item_id, "item id")
    except InvalidId:
        raise BatchError("batch.json's rescan_of names items as '<batch id>/<item id>'") from None


def _record_of(store: Store, earlier: ItemResult) -> Supersession | None:
    try:
        data = store.get(keys.supersession(earlier.batch_id, earlier.item_id, earlier.source.sha256))
    except KeyError:
        return None
    try:
        return Supersession.model_validate_json(data)
    except ValidationError:  # unreadable, yet it is there: the item counts as replaced
        return Supersession(superseded=ref(earlier.batch_id, earlier.item_id), by="", recorded_at="")


def plan(store: Store, batch: Batch) -> list[Rescan]:
    """The batch's rescans, each checked against the store, reading only: raises where a file it names is not
    a one-page item of the batch, or the item it replaces is unknown or already replaced by another scan."""
    rescans: list[Rescan] = []
    targets: set[str] = set()
    for name, value in batch.manifest.rescan_of.items():
        items = [i for i in batch.items if i.name == name]
        if not items:
            raise BatchError("batch.json's rescan_of names a file that is not in the batch folder")
        if len(items) > 1:
            raise BatchError("batch.json's rescan_of names a file of several pages: a rescan is one page")
        b, i = parse_ref(value)
        if b == batch.batch_id:
            raise BatchError("batch.json's rescan_of names an item of the same batch")
        target = ref(b, i)
        if target in targets:
            raise BatchError("batch.json's rescan_of names one item for two files")
        targets.add(target)
        earlier = stored_result(store, b, i)
        if earlier is None or not store.exists(keys.batch_summary(b)):
            raise RescanOfUnknownItem("a rescan names an item that has no result in a finished batch of this "
                                      "store; nothing was stored")
        done = _record_of(store, earlier)
        mine = ref(batch.batch_id, items[0].item_id)
        if done is not None and done.by != mine:  # this same batch run again finds its own record
            raise RescanOfSupersededItem("a rescan names an item already replaced by another rescan; rescan "
                                         "the latest scan instead. Nothing was stored")
        rescans.append(Rescan(items[0].item_id, target, earlier))
    return rescans


def record(store: Store, batch_id: str, rescans: Iterable[Rescan]) -> None:
    """Store each supersession beside the earlier result, create-only. Idempotent for the same batch; a rescan
    by another batch that got there first since :func:`plan` is refused."""
    for r in rescans:
        earlier = r.earlier
        mine = ref(batch_id, r.item_id)
        entry = Supersession(superseded=r.target, by=mine, application_id=earlier.application_id,
                             recorded_at=datetime.now(UTC).isoformat(timespec="seconds"))
        key = keys.supersession(earlier.batch_id, earlier.item_id, earlier.source.sha256)
        try:
            stored = sealing.put_sealed(store, key, entry.model_dump_json().encode(), "supersession",
                                        "application/json")
        except ObjectConflict:
            done = _record_of(store, earlier)
            if done is None or done.by != mine:
                raise RescanOfSupersededItem("a rescan names an item another rescan replaced a moment ago") from None
            data = store.get(key)  # this same batch run again: its own record
            stored = StoredObject(key=key, sha256=hashlib.sha256(data).hexdigest(), bytes=len(data),
                                  role="supersession")
            sealing.ensure(store, key)
        decisions.append(store, earlier.batch_id, "rescan_superseded", decisions.logged([stored]), r.target)


def with_rescans(batch: Batch, structures: Sequence[ItemStructure | None],
                 rescans: Iterable[Rescan]) -> list[ItemStructure | None]:
    """Each rescan's place: the item it replaces, and that item's application."""
    by_item = {r.item_id: r for r in rescans}
    out: list[ItemStructure | None] = []
    for item, st in zip(batch.items, structures, strict=True):
        r = by_item.get(item.item_id)
        if r is not None:
            base = st or ItemStructure(role="page")
            st = base.model_copy(update={"rescan_of": r.target,
                                         "application_id": r.earlier.application_id or base.application_id})
        out.append(st)
    return out


def latest_application(store: Store, batch_id: str, application_id: str) -> ApplicationSummary | None:
    """The application's latest version in its batch, with the entry that names it by digest."""
    found = None
    version = 1
    while True:
        key = keys.application_summary(batch_id, application_id, version)
        try:
            data = store.get(key)
            found = ApplicationSummary.model_validate_json(data).model_copy(update={"stored": [StoredObject(
                key=key, sha256=hashlib.sha256(data).hexdigest(), bytes=len(data), role="application",
                content_type="application/json")]})
        except (KeyError, ValidationError):
            return found
        version += 1


def _home(store: Store, result: ItemResult) -> str | None:
    """The batch whose application a rescan belongs to: where the first scan of the chain was made."""
    seen = 0
    current = result
    while current.supersedes is not None and seen < 100:
        b, i = parse_ref(current.supersedes)
        earlier = stored_result(store, b, i)
        if earlier is None:
            return None
        current, seen = earlier, seen + 1
    return current.batch_id


def _entry(home: str, full: str) -> str:
    """How an application of batch *home* lists an item: its own by item id, another batch's by reference."""
    b, i = parse_ref(full)
    return i if b == home else full


def _results_of(store: Store, home: str, entries: list[str], known: dict[str, ItemResult]) -> list[ItemResult]:
    out = []
    for e in entries:
        full = e if "/" in e else ref(home, e)
        r = known.get(full) or stored_result(store, *parse_ref(full))
        if r is not None:
            out.append(r)
    return out


def reissue(store: Store, results: list[ItemResult],
            thresholds: FormThresholds = FormThresholds()) -> list[ApplicationSummary]:
    """The next version of every application a rescan in *results* changed, stored create-only beside the
    earlier versions. Idempotent: a version that already has these rescans in place is returned as it is."""
    known = {ref(r.batch_id, r.item_id): r for r in results}
    changes: dict[tuple[str, str], list[tuple[str, str]]] = {}  # (home, application) -> [(earlier, rescan)]
    for r in results:
        if r.supersedes is None or r.application_id is None:
            continue
        home = _home(store, r)
        if home is None:
            log.warning("rescan's earlier scan not found", extra={"batch_id": r.batch_id, "item_id": r.item_id})
            continue
        changes.setdefault((home, r.application_id), []).append((r.supersedes, ref(r.batch_id, r.item_id)))
    out = []
    for (home, application_id), pairs in changes.items():
        issued = _reissue_one(store, home, application_id, pairs, known, thresholds)
        if issued is not None:
            out.append(issued)
    return out


def _reissue_one(store: Store, home: str, application_id: str, pairs: list[tuple[str, str]],
                 known: dict[str, ItemResult], thresholds: FormThresholds) -> ApplicationSummary | None:
    for _ in range(MAX_REISSUE_TRIES):
        latest = latest_application(store, home, application_id)
        if latest is None:
            log.warning("rescanned application has no summary", extra={"batch_id": home})
            return None
        entries = list(latest.items)
        todo = [(old, new) for old, new in pairs if _entry(home, new) not in entries]
        if not todo:
            return latest  # issued already (this batch finished again, or a redelivery)
        superseded = list(latest.superseded)
        for old, new in todo:
            if _entry(home, old) not in entries:
                log.warning("rescanned item not in its application", extra={"batch_id": home})
                continue
            entries[entries.index(_entry(home, old))] = _entry(home, new)
            superseded.append(old)
        if entries == latest.items:
            return None
        summary = summarise(home, application_id, _results_of(store, home, entries, known), thresholds)
        summary = summary.model_copy(update={"items": entries, "version": latest.version + 1,
                                             "superseded": superseded})
        key = keys.application_summary(home, application_id, summary.version)
        try:
            entry = sealing.put_sealed(store, key, summary.model_dump_json(exclude={"stored"}).encode(),
                                       "application", "application/json")
        except ObjectConflict:
            continue  # another rescan of the application issued this version first: apply ours to it
        return summary.model_copy(update={"stored": [entry]})
    raise ObjectConflict("the application was reissued too often at once")  # pragma: no cover - 20 racing batches
