"""The per-item pipeline: intake → checks → decision → storage. The same code serves ``svs run`` and the workers.

:func:`analyse` is pure (bytes in, result and derived images out); :func:`process_item` adds the store and makes
processing idempotent: an item whose result is already stored is not processed again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TypeVar

import numpy as np

from svs import derived, photo, quality
from svs.doctype import shape_of
from svs.engines import zxing
from svs.errors import EngineTimeout, IntakeError, ObjectConflict
from svs.forms.read import read_form
from svs.intake import (
    DEFAULT_LIMITS,
    EXTENSIONS,
    Limits,
    Page,
    content_type_or_unknown,
    load_page,
    probe,
    sha256_hex,
)
from svs.keys import content_index
from svs.keys import derived as derived_key
from svs.keys import original as original_key
from svs.keys import result as result_key
from svs.log import get_logger
from svs.memory import OUT_OF_MEMORY_REASON, is_out_of_memory
from svs.mrz.read import DEFAULT_READER, read_mrz_with_crop
from svs.photo.overlay import photo_overlay
from svs.provenance import provenance
from svs.quality_overlay import draw_quality
from svs.reasons import verdict_for
from svs.schema import (
    DocumentType,
    FormResult,
    ItemResult,
    ItemStructure,
    MrzResult,
    PhotoResult,
    QualityResult,
    Source,
    StoredObject,
)
from svs.storage.base import Store
from svs.structure import PageMarks, read_marks, single_page
from svs.thresholds import DEFAULT_PROFILE, PageThresholds, Profile

T = TypeVar("T")
log = get_logger("svs.pipeline")


@dataclass(frozen=True)
class Options:
    profile: Profile = DEFAULT_PROFILE
    mrz: bool = True
    photo: bool = True
    barcodes: bool = True
    forms: bool = True
    reader: str = DEFAULT_READER
    today: date | None = None
    limits: Limits = DEFAULT_LIMITS

    def processing_date(self) -> date:
        return self.today or datetime.now(UTC).date()


@dataclass
class Timer:
    ms: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.ms[name] = round(self.ms.get(name, 0.0) + (time.perf_counter() - start) * 1000, 2)


@dataclass
class Analysis:
    source: Source
    document_type: DocumentType
    reasons: list[str]
    quality: QualityResult | None
    mrz: MrzResult | None
    photo: PhotoResult | None
    application_id: str | None
    derived: dict[str, bytes]
    timings: dict[str, float]
    form: FormResult | None = None
    structure: ItemStructure | None = None


def _source(name: str, data: bytes, page: int | None, pg: Page | None, content_type: str) -> Source:
    return Source(
        name=name, sha256=sha256_hex(data), bytes=len(data), content_type=content_type, page=page,
        dpi=pg.dpi if pg else None, width=pg.width if pg else None, height=pg.height if pg else None,
    )


def _refusal_code(exc: Exception) -> str | None:
    """The reason for an item whose page cannot be loaded and checked: bad input, a decoder past its time limit,
    or a page needing more memory than this process may use (svs.memory); None for anything else."""
    if isinstance(exc, (IntakeError, EngineTimeout)):
        return exc.code
    return OUT_OF_MEMORY_REASON if is_out_of_memory(exc) else None


def warm_up() -> None:
    """Load every engine the pipeline uses (the MRZ recogniser and locator's libraries, the face detector,
    zxing-cpp) once, on a blank image. Workers do it at start, before their memory cap (svs.memory) applies:
    a library that first allocates its buffers under the cap, mid-item, may fail in ways it does not report
    (OpenBLAS, loaded by SciPy, was seen spinning instead of raising)."""
    blank = np.full((64, 64, 3), 255, np.uint8)
    read_mrz_with_crop(blank, date(2000, 1, 1))
    photo.check_photo(blank, DEFAULT_PROFILE.photo)
    zxing.read(blank[:, :, 0])


def page_quality(pg: Page, thresholds: PageThresholds) -> QualityResult:
    """Page-quality checks on the page's half-resolution greyscale decode."""
    grey = pg.grey_half
    return quality.measure(quality.QualityInput(grey, grey.shape[1] / pg.width, pg.dpi), pg.width, pg.height,
                           thresholds)


def page_marks(pg: Page, options: Options) -> PageMarks:
    """The page's marks (barcodes, patch codes, the form's page code) on its half-resolution image, whose scale
    comes from the file's dpi, else the assumed scanner dpi; the full page is decoded only where needed."""
    grey = pg.grey_half
    px_per_mm = (pg.dpi or options.profile.page.assumed_dpi.value) / 25.4 * grey.shape[1] / pg.width
    return read_marks(grey, px_per_mm, full=lambda: pg.grey)


def analyse(data: bytes, name: str, page: int | None, declared: DocumentType | None,
            options: Options = Options(), structure: ItemStructure | None = None) -> Analysis:
    """Run every check on one item. Bad input is a result with an ``input.*`` reason, never an exception.

    *structure* is the item's place in its batch from the batch pre-pass; without it (one file checked on its
    own) the page's own marks decide its role."""
    timer = Timer()
    try:
        with timer.stage("intake"):
            info = probe(data, name, options.limits)
            pg = load_page(data, info, page, options.limits)
        with timer.stage("decode"):
            grey = pg.grey_half
        with timer.stage("quality"):
            q = page_quality(pg, options.profile.page)
    except Exception as exc:
        code = _refusal_code(exc)
        if code is None:
            raise
        return Analysis(_source(name, data, page, None, content_type_or_unknown(data)), declared or "unknown",
                        [code, *(structure.reasons if structure else [])], None, None, None,
                        structure.application_id if structure else None, {}, timer.ms, None, structure)

    doc_type = declared
    mrz_res: MrzResult | None = None
    mrz_crop: np.ndarray | None = None
    photo_res: PhotoResult | None = None
    application_id: str | None = None
    failed: list[str] = []  # stages that raised: the item still gets a result, and a person looks at it
    timed_out: list[str] = []  # stages whose engine ran past its own time limit

    def guarded(stage: str, fn: Callable[[], T]) -> T | None:
        with timer.stage(stage):
            try:
                return fn()
            except EngineTimeout:
                log.error("stage timed out", extra={"stage": stage, "outcome": "timeout"})
                timed_out.append(stage)
                return None
            except Exception as exc:  # noqa: BLE001 - one engine's failure must not lose the item
                log.error("stage failed", extra={"stage": stage, "error": type(exc).__name__})
                failed.append(stage)
                return None

    def check_photo() -> PhotoResult | None:
        return guarded("photo", lambda: photo.check_photo(pg.colour, options.profile.photo))

    page_dpi = q.measures.get("dpi") or options.profile.page.assumed_dpi.value

    def check_sheet() -> PhotoResult | None:
        return guarded("photo", lambda: photo.check_sheet(pg.colour, page_dpi, options.profile.photo))

    shape = shape_of(pg.width, pg.height)
    if doc_type is None and options.photo and shape == "portrait_photo":
        photo_res = check_photo()
        if photo_res is not None and photo_res.faces:
            doc_type = "passport_photo"
    if structure is None and options.barcodes and doc_type in (None, "application_form"):
        marks = guarded("barcode", lambda: page_marks(pg, options))
        structure = single_page(marks) if marks is not None else None
    separator = structure is not None and structure.role == "separator"
    if structure is not None:
        application_id = structure.application_id
        if separator:
            doc_type = doc_type or "unknown"
        elif structure.role == "reference" or structure.form_page is not None:
            doc_type = doc_type or "application_form"
    form_res: FormResult | None = None
    if options.forms and doc_type == "application_form" and structure is not None and structure.form_page \
            and not q.reasons:  # a page to rescan is read when it comes back sharp
        form_res = guarded("form", lambda: read_form(grey, pg.grey, options.profile.form))
    if options.mrz and doc_type in (None, "mrz_document"):
        read = guarded("mrz", lambda: read_mrz_with_crop(pg.colour, options.processing_date(), options.reader))
        if read is not None:
            mrz_res, mrz_crop = read
            if mrz_res.found:
                doc_type = "mrz_document"
    if options.photo and shape == "a4" and doc_type in (None, "application_form", "supporting_document"):
        # a photo stapled to a form, or a strip of prints: each print is judged as a photo
        photo_res = check_sheet()
        if photo_res is not None and doc_type is None:
            doc_type = "passport_photo"
    if doc_type is None:
        doc_type = "supporting_document" if shape == "a4" else "unknown"
    if doc_type == "passport_photo" and photo_res is None and options.photo and "photo" not in failed:
        photo_res = guarded("photo", lambda: photo.judge(pg.colour, options.profile.photo, page_dpi))
    if photo_res is not None and doc_type != "passport_photo" and not photo_res.photos:
        photo_res = None  # a face on a document that is not a photo (the data page's portrait) is not judged

    reasons: list[str] = []
    if doc_type != "passport_photo" and not separator:
        reasons.extend(q.reasons)
    else:  # a photo is judged by the photo rules, a separator sheet only by whether it was read
        q = q.model_copy(update={"applied": False})
    if structure is not None:
        reasons.extend(structure.reasons)
    if form_res is not None:
        reasons.extend(form_res.reasons)
    if doc_type == "mrz_document" and mrz_res is not None:
        reasons.extend(mrz_res.reasons)
    if photo_res is not None:
        reasons.extend(photo_res.reasons)
    if failed:
        reasons.append("stage.failed")
    if timed_out:
        reasons.append("stage.timeout")
    with timer.stage("derive"):
        images = derived.derive(grey, q.measures.get("skew_deg") if doc_type != "passport_photo" else None)
        if doc_type == "mrz_document" and mrz_crop is not None:
            images["mrz"] = derived.encode_jpeg(mrz_crop, derived.NORMALISED_JPEG_QUALITY)
        if doc_type != "passport_photo" and q.reasons and any(r.startswith("page.") for r in q.reasons):
            images["quality_overlay"] = derived.encode_jpeg(
                draw_quality(grey, q, options.profile.page.max_edge_ink.value), derived.NORMALISED_JPEG_QUALITY)
        if photo_res is not None:
            images["photo_overlay"] = derived.encode_jpeg(photo_overlay(pg.colour, photo_res, options.profile.photo),
                                                          derived.NORMALISED_JPEG_QUALITY)
    return Analysis(_source(name, data, pg.page, pg, info.content_type), doc_type, list(dict.fromkeys(reasons)),
                    q, mrz_res if doc_type == "mrz_document" else None, photo_res, application_id, images, timer.ms,
                    form_res, structure)


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


def process_item(store: Store, batch_id: str, item_id: str, name: str, data: bytes, page: int | None,
                 declared: DocumentType | None, options: Options = Options(),
                 structure: ItemStructure | None = None, intake_error: str | None = None) -> ItemResult:
    """Analyse one item and store its original, derived images and result manifest, create-only.

    Idempotent: when the item's result is already stored it is returned unchanged and nothing is written.
    *structure* is the item's place in its batch from the batch pre-pass (:mod:`svs.structure`).
    """
    sha = sha256_hex(data)
    existing = load_stored_result(store, batch_id, item_id, sha)
    if existing is not None:
        return existing
    earlier = None if intake_error else seen_before(store, batch_id, item_id, sha, page)
    if earlier is not None and (structure is None or structure.duplicate_of is None):
        base = structure or ItemStructure(role="page")
        structure = base.model_copy(update={"duplicate_of": earlier,
                                            "reasons": [*base.reasons, "batch.duplicate_item"]})
    if intake_error:  # refused before its bytes could be read (too large, not a regular file)
        a = Analysis(_source(name, data, page, None, "application/octet-stream"), declared or "unknown",
                     [intake_error, *(structure.reasons if structure else [])], None, None, None,
                     structure.application_id if structure else None, {}, {}, None, structure)
    else:
        a = analyse(data, name, page, declared, options, structure)
    timer = Timer(dict(a.timings))
    with timer.stage("store"):
        ext = EXTENSIONS.get(a.source.content_type, "bin")
        stored = [] if intake_error else [store.put(original_key(batch_id, sha, ext), data, "original",
                                                    a.source.content_type)]
        for role, blob in a.derived.items():
            stored.append(store.put(derived_key(batch_id, item_id, sha, role, "jpg"), blob, role, "image/jpeg"))
    result = ItemResult(
        batch_id=batch_id, item_id=item_id, application_id=a.application_id,
        source=a.source, document_type=a.document_type, verdict=verdict_for(a.reasons).value,
        reasons=a.reasons, quality=a.quality.model_dump() if a.quality else {},
        mrz=a.mrz.model_dump() if a.mrz else None, photo=a.photo.model_dump() if a.photo else None,
        form=a.form.model_dump() if a.form else None,
        structure=a.structure.model_dump() if a.structure else None,
        stored=stored, timings_ms=timer.ms, provenance=provenance(options.profile.name),
    )
    key = result_key(batch_id, item_id, sha)
    try:
        entry = store.put(key, result.model_dump_json().encode(), "manifest", "application/json")
    except ObjectConflict:
        # another worker finished the same item first: its result stands
        winner = load_stored_result(store, batch_id, item_id, sha)
        assert winner is not None
        return winner
    result.stored.append(entry)
    return result
