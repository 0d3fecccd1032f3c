"""``svs verify``: is the store as svs left it?

For each batch: the decision log's records are numbered from 0 without a gap, each holds the SHA-256 of the one
before and carries a valid signature; every object the log names (item results, application and batch
summaries, supersession records) is there, has the bytes the log recorded and a valid signature; the batch holds
no item result the log does not name, and names the items its submitted manifest lists; every original and
derived image an item result lists verifies by SHA-256. Signatures are checked against the public keys kept in
the store, or only against keys given apart from it (``--public-key``) by a verifier that does not trust the
store. Every problem is named; none is fatal to the check of the rest.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import ValidationError

from svs import keys, signing
from svs.decisions import read_log
from svs.errors import ConfigError, IntegrityError
from svs.report.collect import list_batches
from svs.schema import DecisionRecord, ItemResult, Signature, SubmittedBatch
from svs.storage.base import Store
from svs.storage.dir import DirStore

_RESULT = re.compile(r"batches/[^/]+/items/([^/]+)-[0-9a-f]{16}/result\.json")


@dataclass(frozen=True)
class Problem:
    batch_id: str
    code: str  # what is wrong: log.chain_broken, object.changed, item.added, ...
    subject: str  # the object key, item id or record it is about
    detail: str

    def line(self) -> str:
        return f"batch {self.batch_id}: {self.code}: {self.subject}: {self.detail}"


@dataclass
class Verification:
    batches: int = 0
    objects: int = 0  # objects read and checked
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def store_keys(store: Store) -> dict[str, Ed25519PublicKey]:
    """The public keys kept in the store, by key id (a file whose key does not have its name's id is left out:
    it cannot have made a signature naming that id)."""
    out = {}
    for key in store.list("keys/"):
        if not key.endswith(".pem"):
            continue
        try:
            public = signing.load_public(store.get(key))
        except (ConfigError, KeyError):
            continue
        kid = signing.key_id(public)
        if key == keys.public_key(kid):
            out[kid] = public
    return out


#: Objects read at once from a remote store: the check waits on it (S3 answers each request in milliseconds).
THREADS = 16


def decided_objects(batch_id: str, keys_of_batch: list[str]) -> set[str]:
    """The batch's summaries, application summaries and supersession records among its keys."""
    base = f"batches/{batch_id}/"
    out = set()
    for key in keys_of_batch:
        rest = key[len(base):]
        if (rest.startswith("summary") and rest.endswith(".json")) or \
                (rest.startswith("applications/") and rest.endswith(".json")) or \
                (rest.startswith("items/") and rest.endswith("/superseded.json")):
            out.add(key)
    return out


class _Checker:
    def __init__(self, store: Store, public_keys: dict[str, Ed25519PublicKey], out: Verification,
                 pool: ThreadPoolExecutor) -> None:
        self.store, self.public_keys, self.out, self.pool = store, public_keys, out, pool
        self.lock = threading.Lock()

    def problem(self, batch_id: str, code: str, subject: str, detail: str) -> None:
        with self.lock:
            self.out.problems.append(Problem(batch_id, code, subject, detail))

    def counted(self, n: int = 1) -> None:
        with self.lock:
            self.out.objects += n

    def read(self, batch_id: str, key: str) -> bytes | None:
        try:
            data = self.store.get(key)
        except KeyError:
            self.problem(batch_id, "object.missing", key, "named by the decision log, not in the store")
            return None
        self.counted()
        return data

    def signature(self, batch_id: str, key: str, data: bytes) -> None:
        raw = self.store.signature(key)
        if raw is None:
            self.problem(batch_id, "signature.missing", key, "no signature")
            return
        self.counted()
        try:
            sig = Signature.model_validate_json(raw)
        except ValidationError:
            self.problem(batch_id, "signature.invalid", key, "its signature file is not a signature")
            return
        public = self.public_keys.get(sig.key_id)
        if public is None:
            self.problem(batch_id, "signature.unknown_key", key, f"signed by key {sig.key_id}, not a known key")
        elif not signing.check(public, data, sig):
            self.problem(batch_id, "signature.invalid", key, "changed since it was signed, or the signature was "
                                                             "replaced")

    def batch(self, batch_id: str) -> None:
        self.out.batches += 1
        records = self.log(batch_id)
        named: dict[str, str] = {}  # key -> sha256 the log recorded
        decided: set[str] = set()  # keys of the item results the log names
        for r in records:
            for o in r.objects:
                named[o.key] = o.sha256
                if r.event in ("batch_finished", "items_decided") and _RESULT.fullmatch(o.key):
                    decided.add(o.key)
        everything = self.store.list(f"batches/{batch_id}/")  # one listing serves every check below
        present = {k for k in everything if _RESULT.fullmatch(k)}
        if not records and present:
            self.problem(batch_id, "log.missing", batch_id, "item results but no decision log (the batch is not "
                                                            "finished, or its log was removed)")
        for key in sorted(present - decided) if records else []:
            self.problem(batch_id, "item.added", key, "an item result the decision log does not name")
        def check(key: str) -> None:
            data = self.read(batch_id, key)
            if data is None:
                return
            if hashlib.sha256(data).hexdigest() != named[key]:
                self.problem(batch_id, "object.changed", key, "its bytes differ from those the decision log "
                                                              "recorded")
            self.signature(batch_id, key, data)
            if key in decided:
                self.result(batch_id, key, data)

        list(self.pool.map(check, sorted(named)))
        self.manifest(batch_id, decided)
        if records:
            for key in sorted(decided_objects(batch_id, everything) - named.keys()):
                self.problem(batch_id, "object.unlogged", key, "a decision the decision log does not name (a "
                                                              "record removed, or the object added)")

    def log(self, batch_id: str) -> list[DecisionRecord]:
        records = []
        prev: bytes | None = None
        for n, (key, data) in enumerate(read_log(self.store, batch_id)):
            self.counted()
            if key != keys.decision(batch_id, n):
                self.problem(batch_id, "log.record_missing", key, f"record {n} is missing: the log skips to this")
            try:
                record = DecisionRecord.model_validate_json(data)
            except ValidationError:
                self.problem(batch_id, "log.record_invalid", key, "not a decision record")
                prev = data
                continue
            expected = hashlib.sha256(prev).hexdigest() if prev is not None else None
            if record.prev != expected or record.seq != n or record.batch_id != batch_id:
                self.problem(batch_id, "log.chain_broken", key, "does not follow the record before it (changed, "
                                                                "removed, moved or inserted)")
            self.signature(batch_id, key, data)
            records.append(record)
            prev = data
        return records

    def result(self, batch_id: str, key: str, data: bytes) -> None:
        try:
            r = ItemResult.model_validate_json(data)
        except ValidationError:
            self.problem(batch_id, "object.invalid", key, "not an item result")
            return
        m = _RESULT.fullmatch(key)
        if r.batch_id != batch_id or m is None or m[1] != r.item_id or \
                not key.startswith(keys.item_prefix(batch_id, r.item_id, r.source.sha256) + "/"):
            self.problem(batch_id, "item.moved", key, f"holds the result of {r.batch_id}/{r.item_id}")
        for s in r.stored:
            try:
                self.store.get_verified(s.key, s.sha256)
                self.counted()
            except KeyError:
                self.problem(batch_id, f"{s.role}.missing", s.key, f"listed by item {r.item_id}, not in the store")
            except IntegrityError:
                self.problem(batch_id, f"{s.role}.changed", s.key, f"listed by item {r.item_id}: its bytes "
                                                                   "differ from their SHA-256")

    def manifest(self, batch_id: str, decided: set[str]) -> None:
        try:
            data = self.store.get(keys.batch_manifest(batch_id))
        except KeyError:
            return  # a batch of the embedded mode
        self.counted()
        self.signature(batch_id, keys.batch_manifest(batch_id), data)
        try:
            manifest = SubmittedBatch.model_validate_json(data)
        except ValidationError:
            self.problem(batch_id, "manifest.invalid", keys.batch_manifest(batch_id), "not a submitted batch")
            return
        if not decided:
            return
        listed = {keys.result(batch_id, i.item_id, i.sha256) for i in manifest.items}
        for key in sorted(listed - decided):
            self.problem(batch_id, "item.deleted", key, "in the submitted manifest, not in the decision log")
        for key in sorted(decided - listed):
            self.problem(batch_id, "item.added", key, "in the decision log, not in the submitted manifest")


def verify(store: Store, batch_ids: Iterable[str] | None = None,
           public_keys: dict[str, Ed25519PublicKey] | None = None) -> Verification:
    """Check the store (or the named batches); *public_keys* pins the keys signatures must be made with (else
    the keys kept in the store)."""
    out = Verification()
    start = time.perf_counter()
    # a directory is read fastest by one thread; a remote store, by many waiting at once
    with ThreadPoolExecutor(1 if isinstance(store, DirStore) else THREADS) as pool:
        checker = _Checker(store, public_keys if public_keys is not None else store_keys(store), out, pool)
        for batch_id in (list(batch_ids) if batch_ids is not None else list_batches(store)):
            keys.check_id(batch_id, "batch id")
            checker.batch(batch_id)
    out.problems.sort(key=lambda p: (p.batch_id, p.subject, p.code))
    out.seconds = time.perf_counter() - start
    return out
