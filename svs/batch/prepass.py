"""The batch pre-pass: every page's marks read first, then walked in batch order, so that each page knows which
application it belongs to before any page is processed (in parallel, or by another worker)."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from svs.batch.folder import Batch, BatchItem, read_file
from svs.batch.structure import PageMarks, assign
from svs.errors import EngineTimeout, IntakeError
from svs.intake import load_page, probe
from svs.log import get_logger
from svs.pipeline import Options, page_marks
from svs.pipeline.processes import init_process
from svs.schema import ItemStructure

log = get_logger("svs.batch")


def marks_of_file(data: bytes, name: str, page: int | None, options: Options) -> PageMarks:
    """The marks on one page of a file; a page that cannot be decoded has none (its own processing says why)."""
    try:
        return page_marks(load_page(data, probe(data, name, options.limits), page, options.limits), options)
    except (IntakeError, EngineTimeout):
        return PageMarks(unreadable=True)


def _item_marks(root: Path, item: BatchItem, options: Options) -> PageMarks:
    init_process()
    try:
        return marks_of_file(read_file(root, item.path_name, options.limits), item.name, item.page, options)
    except (IntakeError, OSError):
        return PageMarks(unreadable=True)
    except Exception as exc:  # noqa: BLE001 - a page the pre-pass cannot read is processed (and reported) alone
        log.error("marks failed", extra={"item_id": item.item_id, "stage": "structure", "error": type(exc).__name__})
        return PageMarks(unreadable=True)


def batch_structure(batch: Batch, options: Options, pool: ProcessPoolExecutor | None = None) -> list[ItemStructure]:
    """Every page's marks (in parallel where a pool is given), then the walk in batch order."""
    if not options.barcodes:
        return [ItemStructure(role="page") for _ in batch.items]
    if pool is None:
        marks = [_item_marks(batch.root, item, options) for item in batch.items]
    else:
        marks = list(pool.map(_item_marks, [batch.root] * len(batch.items), batch.items,
                              [options] * len(batch.items)))
    return assign(batch.batch_id, marks, [(i.sha256, i.page) for i in batch.items],
                  [i.item_id for i in batch.items], batch.manifest.reference_pattern)
