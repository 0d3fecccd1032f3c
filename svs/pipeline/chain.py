"""One item through the stage chain: load and measure the page, run each stage that applies, settle the result.

:func:`analyse` is pure (bytes in, result and derived images out): the store is :mod:`svs.pipeline.item`'s.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import numpy as np

from svs import photo, quality
from svs.engines import zxing
from svs.errors import EngineTimeout, IntakeError
from svs.intake import Page, content_type_or_unknown, load_page, probe, sha256_hex
from svs.log import get_logger
from svs.memory import OUT_OF_MEMORY_REASON, is_out_of_memory
from svs.mrz.read import read_mrz_with_crop
from svs.pipeline.context import ItemContext
from svs.pipeline.options import Options, Timer
from svs.pipeline.stages import CHAIN, Stage
from svs.schema import (
    DocumentType,
    FormResult,
    ItemStructure,
    MrzResult,
    PhotoResult,
    QualityResult,
    Source,
)
from svs.thresholds import DEFAULT_PROFILE, PageThresholds

log = get_logger("svs.pipeline")


@dataclass
class Analysis:
    """What the chain found on one item, before anything is stored."""

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


def source_of(name: str, data: bytes, page: int | None, pg: Page | None, content_type: str) -> Source:
    return Source(
        name=name, sha256=sha256_hex(data), bytes=len(data), content_type=content_type, page=page,
        dpi=pg.dpi if pg else None, width=pg.width if pg else None, height=pg.height if pg else None,
    )


def refused(source: Source, declared: DocumentType | None, code: str, structure: ItemStructure | None,
            timings: dict[str, float] | None = None) -> Analysis:
    """The one shape of an item that could not be checked: its reason first, then its place in the batch's."""
    return Analysis(source, declared or "unknown", list(dict.fromkeys([code, *(structure.reasons if structure
                                                                              else [])])),
                    None, None, None, structure.application_id if structure else None, {}, dict(timings or {}),
                    None, structure)


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


def run_stage(stage: Stage, c: ItemContext, timer: Timer) -> ItemContext:
    """One stage on the item; an engine stage's failure is recorded on the item, never lost with it."""
    if not stage.guarded:
        if not stage.timed:
            return stage.run(c)
        with timer.stage(stage.name):
            return stage.run(c)
    with timer.stage(stage.name):
        try:
            return stage.run(c)
        except EngineTimeout:
            log.error("stage timed out", extra={"stage": stage.name, "outcome": "timeout"})
            return replace(c, timed_out=(*c.timed_out, stage.name))
        except Exception as exc:  # noqa: BLE001 - one engine's failure must not lose the item
            log.error("stage failed", extra={"stage": stage.name, "error": type(exc).__name__})
            return replace(c, failed=(*c.failed, stage.name))


def analyse(data: bytes, name: str, page: int | None, declared: DocumentType | None,
            options: Options = Options(), structure: ItemStructure | None = None,
            chain: tuple[Stage, ...] = CHAIN, render_left_s: float | None = None) -> Analysis:
    """Run every check on one item. Bad input is a result with an ``input.*`` reason, never an exception.

    *structure* is the item's place in its batch from the batch pre-pass; without it (one file checked on its
    own) the page's own marks decide its role. *render_left_s*: what is left of the file's render time, where
    its pages are clocked together (:mod:`svs.pipeline.file_clock`)."""
    timer = Timer()
    try:
        with timer.stage("intake"):
            info = probe(data, name, options.limits)
            pg = load_page(data, info, page, options.limits, render_left_s)
        with timer.stage("decode"):
            pg.grey_half  # noqa: B018 - decoded here, so that its time is the decoder's, not the first check's
        with timer.stage("quality"):
            q = page_quality(pg, options.profile.page)
    except Exception as exc:
        code = _refusal_code(exc)
        if code is None:
            raise
        return refused(source_of(name, data, page, None, content_type_or_unknown(data)), declared, code,
                       structure, timer.ms)
    c = ItemContext(page=pg, options=options, quality=q, structure=structure, document_type=declared)
    for stage in chain:
        if stage.applies(c):
            c = run_stage(stage, c, timer)
    assert c.document_type is not None  # the chain's typing stage settles every item
    return Analysis(source_of(name, data, pg.page, pg, info.content_type), c.document_type, list(c.reasons),
                    c.quality, c.mrz, c.photo, c.application_id, c.derived, timer.ms, c.form, c.structure)
