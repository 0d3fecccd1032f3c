"""Sealing stored objects: each result, summary and record is stored, then its signature beside it.

Both writes are create-only and idempotent: storing the same bytes again is accepted and Ed25519 signs them to
the same signature. An object whose writer died between the two writes is sealed by the next that stores or
finds it (:func:`ensure`). The signing key's public part is stored once per process in ``keys/<key id>.pem``.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Callable

from svs import keys, signing
from svs.errors import ObjectConflict
from svs.schema import StoredObject
from svs.storage.base import Store

_published: set[tuple[int, str]] = set()
_lock = threading.Lock()


def _publish_key(store: Store, signer: signing.Signer) -> None:
    tag = (id(store), signer.key_id)
    with _lock:
        if tag in _published:
            return
    # a different file under the same id cannot be a valid key for our signatures: verify says so
    with contextlib.suppress(ObjectConflict):
        store.put(keys.public_key(signer.key_id), signing.public_pem(signer.public), "public_key",
                  "application/x-pem-file")
    with _lock:
        _published.add(tag)


def seal(store: Store, key: str, data: bytes, signer: signing.Signer | None = None) -> None:
    """Store the signature of *data*, the bytes stored at *key*, beside it (``<key>.sig``)."""
    signer = signer or signing.current()
    _publish_key(store, signer)
    with contextlib.suppress(ObjectConflict):  # sealed already, by another key: verify checks it against that key
        store.put(keys.signature(key), signer.sign(data).model_dump_json().encode(), "signature",
                  "application/json")


def ensure(store: Store, key: str) -> None:
    """Seal the object at *key* if it has no signature (its writer died between the two writes)."""
    if store.signature(key) is None:
        seal(store, key, store.get(key))


def put_sealed(store: Store, key: str, data: bytes, role: str, content_type: str) -> StoredObject:
    """Store *data* at *key* with its signature: in the same write where the store keeps signatures inline,
    else beside it. Where the object was there already, whatever signature it has stands (or it is sealed)."""
    if not store.inline_signatures:
        entry = store.put(key, data, role, content_type)
        seal(store, entry.key, data)
        return entry
    signer = signing.current()
    _publish_key(store, signer)
    entry, created = store.put_created(key, data, role, content_type,
                                       signer.sign(data).model_dump_json().encode())
    if not created:
        ensure(store, key)
    return entry


def put_beside_sealed(store: Store, key: str, versioned: Callable[[str], str], data: bytes, role: str,
                      content_type: str) -> StoredObject:
    try:
        return put_sealed(store, key, data, role, content_type)
    except ObjectConflict:
        return put_sealed(store, versioned(hashlib.sha256(data).hexdigest()), data, role, content_type)
