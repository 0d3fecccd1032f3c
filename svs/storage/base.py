"""The store interface: create-only, checksummed, verified writes.

Every backend implements four primitives; :meth:`Store.put` builds the guarantees on top of them:
an object is created only if absent, an existing object with the same SHA-256 counts as success (so
processing an item twice changes nothing), one with different content is never overwritten, and every
write is read back and verified.
"""

from __future__ import annotations

import abc
import builtins
import hashlib
from collections.abc import Callable

from svs.errors import IntegrityError, ObjectConflict
from svs.schema import StoredObject


class Store(abc.ABC):
    url: str
    #: Whether a signature travels with the object it signs, in the same write (S3 object metadata), rather than
    #: as an object beside it (``<key>.sig``): one write instead of two, and no moment when the object is there
    #: unsigned.
    inline_signatures: bool = False

    @abc.abstractmethod
    def _create(self, key: str, data: bytes, sha256: str, content_type: str, signature: bytes | None = None,
                ) -> bool:
        """Write *data* at *key* only if no object is there. True if created, False if one existed. A backend
        with :attr:`inline_signatures` stores *signature* with it."""

    @abc.abstractmethod
    def get(self, key: str) -> bytes:
        """The object's bytes; raises KeyError when absent."""

    @abc.abstractmethod
    def exists(self, key: str) -> bool: ...

    @abc.abstractmethod
    def list(self, prefix: str) -> list[str]:
        """Keys under *prefix*, sorted."""

    def children(self, prefix: str) -> builtins.list[str]:
        """The names of the folders directly under *prefix* (which ends in ``/``), sorted: one level, without
        listing what they hold where the backend can (a delimiter listing, a directory read)."""
        names = {key[len(prefix):].split("/", 1)[0] for key in self.list(prefix) if "/" in key[len(prefix):]}
        return sorted(names)

    def check(self) -> None:
        """Raise when the store cannot be reached or written (readiness)."""
        self.list("health/")

    def put(self, key: str, data: bytes, role: str, content_type: str = "application/octet-stream") -> StoredObject:
        return self.put_created(key, data, role, content_type)[0]

    def put_created(self, key: str, data: bytes, role: str, content_type: str = "application/octet-stream",
                    signature: bytes | None = None) -> tuple[StoredObject, bool]:
        """:meth:`put`, saying whether this call created the object (False: it was there with the same bytes).
        *signature* goes with the object where the backend keeps it inline (:attr:`inline_signatures`)."""
        digest = hashlib.sha256(data).hexdigest()
        created = self._create(key, data, digest, content_type, signature)
        stored = hashlib.sha256(self.get(key)).hexdigest()
        if stored != digest:
            if created:
                raise IntegrityError(f"read-back of a new object does not match its sha256 ({role})")
            raise ObjectConflict(f"an object with other content already exists ({role})")
        return StoredObject(key=key, sha256=digest, bytes=len(data), role=role, content_type=content_type), created

    def signature(self, key: str) -> bytes | None:
        """The signature kept for the object at *key* (:mod:`svs.sealing`), or None."""
        try:
            return self.get(key + ".sig")
        except KeyError:
            return None

    def get_verified(self, key: str, sha256: str) -> bytes:
        data = self.get(key)
        if hashlib.sha256(data).hexdigest() != sha256:
            raise IntegrityError("object does not match the expected sha256")
        return data


def put_beside(store: Store, key: str, versioned: Callable[[str], str], data: bytes, role: str,
               content_type: str) -> StoredObject:
    """Create *key*; where it already holds other content, store *data* beside it under ``versioned(sha256)``
    instead (a batch summarised or reported again with different results): nothing is overwritten."""
    try:
        return store.put(key, data, role, content_type)
    except ObjectConflict:
        return store.put(versioned(hashlib.sha256(data).hexdigest()), data, role, content_type)
