"""Each batch's decision log: append-only, create-only, hash-chained, signed.

A record per event: the batch's items decided (each result by key and SHA-256, in one record when the batch is
finished, so that workers deciding items at once never contend for the log), each application issued, an
application issued again after a rescan, an earlier item superseded by a rescan, the batch summarised, a
dead-lettered message replayed. Record *n* is ``batches/<id>/log/<n>.json`` and holds the SHA-256 of record
*n-1*'s bytes: a record changed, removed or moved breaks the chain (:mod:`svs.verify`). Appending is
optimistic: a writer that finds its number taken reads the new head and tries the next. An event already in the
log (the same event, objects and subject: a batch finished again, a redelivery) is not appended twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from pydantic import ValidationError

from svs import keys, sealing
from svs.errors import ObjectConflict, StoreError
from svs.provenance import now_utc
from svs.schema import DecisionEvent, DecisionRecord, LoggedObject, StoredObject
from svs.storage.base import Store

MAX_TRIES = 100


def read_log(store: Store, batch_id: str) -> list[tuple[str, bytes]]:
    """The log's records as stored (key, bytes), in key order."""
    out = []
    for key in sorted(store.list(keys.decision_log_prefix(batch_id))):
        if key.endswith(".json"):
            out.append((key, store.get(key)))
    return out


def logged(entries: Iterable[StoredObject]) -> list[LoggedObject]:
    return [LoggedObject(key=e.key, sha256=e.sha256) for e in entries]


def append(store: Store, batch_id: str, event: DecisionEvent, objects: list[LoggedObject],
           subject: str | None = None) -> DecisionRecord:
    """Append the event to the batch's log, unless it is there already; the record, sealed."""
    return append_all(store, batch_id, [(event, objects, subject)])[0]


def append_all(store: Store, batch_id: str,
               events: list[tuple[DecisionEvent, list[LoggedObject], str | None]]) -> list[DecisionRecord]:
    """Append each event in order, reading the log once (again only when another writer got a number first);
    an event already there is not appended twice. The records, sealed."""
    records = _records(store, batch_id)
    out: list[DecisionRecord] = []
    for event, objects, subject in events:
        for _ in range(MAX_TRIES):
            found = next((r for r, _ in records if r is not None and
                          (r.event, r.objects, r.subject) == (event, objects, subject)), None)
            if found is not None:
                out.append(found)
                break
            prev = hashlib.sha256(records[-1][1]).hexdigest() if records else None
            record = DecisionRecord(batch_id=batch_id, seq=len(records), event=event, at=now_utc(), prev=prev,
                                    objects=objects, subject=subject)
            data = record.model_dump_json().encode()
            try:
                sealing.put_sealed(store, keys.decision(batch_id, record.seq), data, "decision",
                                   "application/json")
            except ObjectConflict:
                records = _records(store, batch_id)  # another writer took this number: read the new head
                continue
            records.append((record, data))
            out.append(record)
            break
        else:
            raise StoreError("the decision log was appended to by too many writers at once")
    return out


def _records(store: Store, batch_id: str) -> list[tuple[DecisionRecord | None, bytes]]:
    out: list[tuple[DecisionRecord | None, bytes]] = []
    for _key, data in read_log(store, batch_id):
        try:
            out.append((DecisionRecord.model_validate_json(data), data))
        except ValidationError:
            out.append((None, data))
    return out
