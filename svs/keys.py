"""Object keys: built from batch id, item id and SHA-256 only, never from names or document data."""

from __future__ import annotations

import hashlib
import re

from svs.errors import InvalidId

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_SHA = re.compile(r"[0-9a-f]{64}")


def check_id(value: str, what: str = "id") -> str:
    """Ids become parts of keys and paths: letters, digits, dot, dash, underscore; no traversal."""
    if not isinstance(value, str) or not _ID.fullmatch(value) or ".." in value:  # fullmatch: "$" allows a "\n"
        raise InvalidId("id.invalid", f"invalid {what}")
    return value


def check_sha(value: str) -> str:
    if not isinstance(value, str) or not _SHA.fullmatch(value):
        raise InvalidId("sha256.invalid", "invalid sha256")
    return value


def item_prefix(batch_id: str, item_id: str, sha256: str) -> str:
    return f"batches/{check_id(batch_id, 'batch id')}/items/{check_id(item_id, 'item id')}-{check_sha(sha256)[:16]}"


def original(batch_id: str, sha256: str, ext: str) -> str:
    return f"batches/{check_id(batch_id, 'batch id')}/originals/{check_sha(sha256)}.{ext}"


def file_clock(batch_id: str, sha256: str) -> str:
    """The folder of a file's render-time records (:mod:`svs.pipeline.file_clock`): one per page rendered."""
    return f"batches/{check_id(batch_id, 'batch id')}/clock/{check_sha(sha256)[:16]}/"


def inbox(batch_id: str, sha256: str, ext: str) -> str:
    return f"inbox/{check_id(batch_id, 'batch id')}/{check_sha(sha256)}.{ext}"


def derived(batch_id: str, item_id: str, sha256: str, role: str, ext: str) -> str:
    return f"{item_prefix(batch_id, item_id, sha256)}/{role}.{ext}"


def result(batch_id: str, item_id: str, sha256: str) -> str:
    return f"{item_prefix(batch_id, item_id, sha256)}/result.json"


def supersession(batch_id: str, item_id: str, sha256: str) -> str:
    """The record that a rescan replaced this item, beside its result."""
    return f"{item_prefix(batch_id, item_id, sha256)}/superseded.json"


def published_marker(batch_id: str, item_id: str, sha256: str) -> str:
    return f"{item_prefix(batch_id, item_id, sha256)}/published"


def batch_manifest(batch_id: str) -> str:
    return f"batches/{check_id(batch_id, 'batch id')}/manifest.json"


def batch_claim(batch_id: str) -> str:
    """The object that claims a batch id for one set of files (svs.batch.content_claim)."""
    return f"batches/{check_id(batch_id, 'batch id')}/claim.json"


def batch_summary(batch_id: str) -> str:
    return f"batches/{check_id(batch_id, 'batch id')}/summary.json"


def batch_summary_version(batch_id: str, sha256: str) -> str:
    """A later, different summary of a batch run again: beside the first, never over it."""
    return f"batches/{check_id(batch_id, 'batch id')}/summary-{check_sha(sha256)[:16]}.json"


def batch_summary_claim(batch_id: str) -> str:
    return f"batches/{check_id(batch_id, 'batch id')}/summary.claim"


def batch_summary_marker(batch_id: str) -> str:
    return f"batches/{check_id(batch_id, 'batch id')}/summary.published"


def batch_results_prefix(batch_id: str) -> str:
    return f"batches/{check_id(batch_id, 'batch id')}/items/"


def batch_report(batch_id: str) -> str:
    return f"batches/{check_id(batch_id, 'batch id')}/report.html"


def batch_report_version(batch_id: str, sha256: str) -> str:
    """A later, different report of the same batch: beside the first, never over it."""
    return f"batches/{check_id(batch_id, 'batch id')}/report-{check_sha(sha256)[:16]}.html"


def content_index(sha256: str, page: int | None) -> str:
    """Where the first item seen with this content (file SHA-256 and page) is recorded, across all batches."""
    suffix = "" if page is None else f"-p{int(page):05d}"
    return f"index/sha256/{check_sha(sha256)}{suffix}.json"


def application_summary(batch_id: str, application_id: str, version: int = 1) -> str:
    """An application's summary in its batch; the reference is hashed, as keys never carry document data.
    Version 1 is the one its batch issued; each rescan that changes it issues the next beside it."""
    digest = hashlib.sha256(application_id.encode("utf-8")).hexdigest()[:24]
    suffix = "" if version == 1 else f"-v{int(version)}"
    return f"batches/{check_id(batch_id, 'batch id')}/applications/{digest}{suffix}.json"


def batch_applications_prefix(batch_id: str) -> str:
    return f"batches/{check_id(batch_id, 'batch id')}/applications/"


def application_marker(batch_id: str, application_id: str, version: int = 1) -> str:
    """Set once the application's summary (that version of it) was published."""
    return application_summary(batch_id, application_id, version)[:-5] + ".published"


def signature(key: str) -> str:
    """Where the signature of the object at *key* is kept: beside it."""
    return key + ".sig"


def public_key(key_id: str) -> str:
    if not re.fullmatch(r"[0-9a-f]{16}", key_id):
        raise InvalidId("key_id.invalid", "invalid key id")
    return f"keys/{key_id}.pem"


def decision_log_prefix(batch_id: str) -> str:
    return f"batches/{check_id(batch_id, 'batch id')}/log/"


def decision(batch_id: str, seq: int) -> str:
    return f"{decision_log_prefix(batch_id)}{int(seq):08d}.json"
