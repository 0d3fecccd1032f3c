"""Batch folders: the files of a batch, its optional ``batch.json``, and the items they expand to.

Only regular files directly inside the folder are items (no symbolic links, no sub-folders, no hidden files),
in file-name order, or in the order ``batch.json`` gives. A multi-page TIFF or PDF expands to one item per page.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from svs import keys
from svs.doctype import parse_declared
from svs.errors import EngineTimeout, IntakeError, InvalidId, ObjectConflict, SvsError
from svs.intake import DEFAULT_LIMITS, Limits, probe
from svs.keys import check_id
from svs.schema import DocumentType, Priority
from svs.storage.base import Store

MANIFEST_NAME = "batch.json"
MAX_MANIFEST_BYTES = 1024 * 1024
MAX_FILES = 10_000


class BatchError(SvsError):
    code = "batch.invalid"


class BatchIdConflict(BatchError):
    """The batch id is already claimed in the store by a batch of other files: a batch is never merged into
    another (its items would share numbers and its summary mix two scans)."""

    code = "batch.id_conflict"


class EmptyBatch(BatchError):
    """A batch folder with no file to process: nothing is stored, and the operator is told (a wrong folder, or
    the scanner's files not written yet)."""

    code = "batch.empty"


class BatchManifest(BaseModel):
    """``batch.json``: all fields optional."""

    model_config = ConfigDict(extra="ignore")
    batch_id: str | None = None
    operator: str | None = None
    scanner: str | None = None
    expected_items: int | None = Field(default=None, ge=0, le=1_000_000)
    documents: dict[str, str] = Field(default_factory=dict, description="file name to declared document type")
    order: list[str] | None = Field(default=None, max_length=MAX_FILES,
                                    description="the files in scanning order, where file names do not sort so")
    priority: Priority = Field(default="normal", description="urgent (fast-track, one-day) or normal")
    reference_pattern: str | None = Field(default=None, max_length=200, description="a regular expression an "
                                          "application reference barcode matches, in place of the forms' own")
    rescan_of: dict[str, str] = Field(default_factory=dict, max_length=MAX_FILES,
                                      description="file name to '<batch id>/<item id>' of the earlier scan it "
                                                  "replaces (svs.batch.rescans)")

    @field_validator("reference_pattern")
    @classmethod
    def _valid_pattern(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                re.compile(v)
            except re.error as exc:
                raise ValueError("reference_pattern is not a regular expression") from exc
        return v

    @field_validator("batch_id")
    @classmethod
    def _valid_id(cls, v: str | None) -> str | None:
        if v is None:
            return v
        try:
            return check_id(v, "batch id")
        except InvalidId as exc:
            raise ValueError("batch_id must be 1-64 letters, digits, '.', '-' or '_'") from exc


@dataclass(frozen=True)
class BatchItem:
    item_id: str
    name: str  # file name inside the batch folder, as shown and published (see display_name)
    page: int | None  # 1-based page of a multi-page file
    sha256: str
    declared_type: DocumentType | None
    file: str = ""  # the name to open it by, where that differs from *name* (not valid UTF-8)

    @property
    def path_name(self) -> str:
        return self.file or self.name


def display_name(name: str) -> str:
    """A file name as text: scanners and file shares write names in legacy encodings, which Python lists with
    the undecodable bytes escaped (PEP 383); those cannot go into JSON, a report or a log, so each shows as
    U+FFFD. The file is still opened by its own name (:attr:`BatchItem.path_name`)."""
    return os.fsencode(name).decode("utf-8", "replace")


@dataclass(frozen=True)
class Batch:
    batch_id: str
    root: Path
    manifest: BatchManifest
    files: list[str]
    items: list[BatchItem]


def read_manifest(root: Path) -> BatchManifest:
    path = root / MANIFEST_NAME
    if not path.is_file() or path.is_symlink():
        return BatchManifest()
    if path.stat().st_size > MAX_MANIFEST_BYTES:
        raise BatchError("batch.json is too large")
    try:
        return BatchManifest.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # RecursionError: nesting thousands deep
        raise BatchError(f"batch.json is invalid: {type(exc).__name__}") from exc


def list_files(root: Path) -> list[str]:
    """Regular files of the batch folder, sorted by name; links and hidden files are left out."""
    names = []
    with os.scandir(root) as it:
        for entry in it:
            if entry.name.startswith(".") or entry.name == MANIFEST_NAME:
                continue
            st = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(st.st_mode):
                names.append(entry.name)
            if len(names) > MAX_FILES:
                raise BatchError(f"more than {MAX_FILES} files in one batch")
    return sorted(names)


def read_file(root: Path, name: str, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """The bytes of one batch file, refusing anything that is not a regular file directly inside *root*."""
    if "/" in name or "\\" in name or name in ("", ".", ".."):
        raise IntakeError("input.unsupported", "not a file of the batch folder")
    path = root / name
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise IntakeError("input.unsupported", "not a regular file")
        if st.st_size > limits.max_bytes:
            raise IntakeError("input.too_large", f"{st.st_size} bytes exceeds the byte limit")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read(limits.max_bytes + 1)
    finally:
        os.close(fd)


def content_claim(batch: Batch) -> bytes:
    """What claims a batch id in the store: the batch's files, each by name and SHA-256, in batch order. The same
    files give the same claim, so a batch run again (an interrupted run, a second report) is accepted."""
    body = {"batch_id": batch.batch_id,
            "files": [[display_name(i.path_name), i.sha256] for i in batch.items if i.page in (None, 1)]}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def claim_batch_id(store: Store, batch: Batch) -> None:
    """Claim the batch's id in the store for its files, create-only, before anything of it is stored: raises
    :class:`BatchIdConflict` where the id is already claimed by other files."""
    try:
        store.put(keys.batch_claim(batch.batch_id), content_claim(batch), "batch_claim", "application/json")
    except ObjectConflict:
        raise BatchIdConflict("this batch id is already used in the store by a batch of other files") from None


def derive_batch_id(pairs: list[tuple[str, str]]) -> str:
    """A deterministic id from the batch's content: submitting the same files again gives the same id."""
    h = hashlib.sha256()
    for name, digest in pairs:
        h.update(hashlib.sha256(os.fsencode(name)).digest())
        h.update(bytes.fromhex(digest))
    return f"b-{h.hexdigest()[:20]}"


def item_id(index: int, page: int | None) -> str:
    return f"{index:04d}" if page is None else f"{index:04d}-p{page:03d}"


def expand(root: Path, names: list[str], manifest: BatchManifest, limits: Limits = DEFAULT_LIMITS,
           ) -> tuple[list[BatchItem], list[tuple[str, str]]]:
    items: list[BatchItem] = []
    pairs: list[tuple[str, str]] = []
    for index, name in enumerate(names, start=1):
        shown = display_name(name)
        other = name if shown != name else ""
        declared = parse_declared(manifest.documents.get(shown))
        try:
            data = read_file(root, name, limits)
        except IntakeError:
            digest = hashlib.sha256(b"").hexdigest()
            items.append(BatchItem(item_id(index, None), shown, None, digest, declared, other))
            pairs.append((name, digest))
            continue
        digest = hashlib.sha256(data).hexdigest()
        pairs.append((name, digest))
        try:
            info = probe(data, name, limits)
        except (IntakeError, EngineTimeout):  # processed alone later, where it gets its reason
            items.append(BatchItem(item_id(index, None), shown, None, digest, declared, other))
            continue
        if info.multipage:
            items.extend(BatchItem(item_id(index, p), shown, p, digest, declared, other)
                         for p in range(1, info.pages + 1))
        else:
            items.append(BatchItem(item_id(index, None), shown, None, digest, declared, other))
    return items, pairs


def ordered(names: list[str], order: list[str] | None) -> list[str]:
    """The batch's files in scanning order: those ``batch.json`` orders first, in its order, then any it leaves
    out in name order (nothing is dropped). Names it gives that are not files of the folder are refused."""
    if not order:
        return names
    present = set(names)
    unknown = [n for n in order if n not in present]
    if unknown:
        raise BatchError(f"batch.json orders {len(unknown)} file(s) that are not in the batch folder")
    if len(set(order)) != len(order):
        raise BatchError("batch.json orders a file twice")
    listed = set(order)
    return list(order) + [n for n in names if n not in listed]


def load_batch(root: str | Path, limits: Limits = DEFAULT_LIMITS) -> Batch:
    root = Path(root)
    if not root.is_dir():
        raise BatchError("the batch is not a folder")
    manifest = read_manifest(root)
    names = ordered(list_files(root), manifest.order)
    items, pairs = expand(root, names, manifest, limits)
    if not items:
        raise EmptyBatch("the batch folder holds no file to process (files directly inside it, not hidden)")
    batch_id = manifest.batch_id or derive_batch_id(pairs)
    return Batch(batch_id, root, manifest, names, items)
