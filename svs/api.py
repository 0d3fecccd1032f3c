"""The embedded mode as a library: process a batch folder in this process (and its children), no broker."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from svs import memory, pipeline, signing
from svs.batch import Batch, BatchItem, claim_batch_id, load_batch, read_file, rescans
from svs.batch.finish import finish_batch
from svs.batch.prepass import batch_structure
from svs.errors import IntakeError
from svs.intake import sha256_hex
from svs.log import get_logger
from svs.pipeline import Options
from svs.pipeline.processes import init_process
from svs.schema import ApplicationSummary, BatchSummary, ItemResult, ItemStructure
from svs.storage import Store, open_store

log = get_logger("svs.api")


@dataclass
class RunOutcome:
    batch: Batch
    results: list[ItemResult]
    summary: BatchSummary
    failures: int  # items whose processing failed for a reason other than their input
    applications: list[ApplicationSummary] = field(default_factory=list)
    report: bytes = b""  # the batch report page
    report_key: str = ""  # where the store keeps it


@lru_cache(maxsize=4)
def _store(url: str) -> Store:
    """One store (and so one S3 client) per process, not one per item."""
    return open_store(url)


def process_batch_item(root: Path, store_url: str, batch_id: str, item: BatchItem, options: Options,
                       structure: ItemStructure | None = None) -> ItemResult:
    """One item of a batch folder, read from disk and processed into the store."""
    store = _store(store_url)
    try:
        data = read_file(root, item.path_name, options.limits)
    except IntakeError as exc:
        return pipeline.process_item(store, batch_id, item.item_id, item.name, b"", item.page, item.declared_type,
                                     options, structure, intake_error=exc.code)
    except OSError:
        return pipeline.process_item(store, batch_id, item.item_id, item.name, b"", item.page, item.declared_type,
                                     options, structure, intake_error="input.unreadable")
    if sha256_hex(data) != item.sha256:
        log.warning("file changed while the batch was read", extra={"batch_id": batch_id, "item_id": item.item_id})
    return pipeline.process_item(store, batch_id, item.item_id, item.name, data, item.page, item.declared_type,
                                 options, structure)


def _safe(root: Path, store_url: str, batch_id: str, item: BatchItem, options: Options,
          structure: ItemStructure | None = None) -> tuple[ItemResult, bool]:
    try:
        return process_batch_item(root, store_url, batch_id, item, options, structure), True
    except Exception as exc:  # noqa: BLE001 - one item's failure must not stop the batch
        log.error("item failed", extra={"batch_id": batch_id, "item_id": item.item_id, "stage": "process",
                                        "error": type(exc).__name__})
        return pipeline.unprocessed_result(batch_id, item.item_id, item.name, item.sha256, item.page,
                                           item.declared_type, "stage.failed", options, structure), False


def run_batch(path: str | Path, store_url: str, jobs: int = 0, options: Options = Options(),
              on_result: Callable[[ItemResult], None] | None = None,
              on_start: Callable[[int], None] | None = None, memory_limit_mb: int = 0) -> RunOutcome:
    """Process every item of a batch folder into *store_url*; results come back in item order.

    *on_start* is called once with the number of items (pages of multi-page files count one each) before any is
    processed; *on_result* is called in item order as soon as each result and all before it are ready.
    *memory_limit_mb* caps the address space of each process that processes items (:mod:`svs.memory`; with one
    job, this process): an item needing more gets ``input.too_large``.
    """
    memory.validate_limit_mb(memory_limit_mb, "the memory limit")
    signing.name_for_children(signing.current())  # the default key made here, once, before any child signs
    batch = load_batch(path, options.limits)
    if batch.manifest.priority == "urgent":  # one process takes its items in order: the results carry the lane
        options = dataclasses.replace(options, priority="urgent")
    store = open_store(store_url)
    store.check()
    planned = rescans.plan(store, batch)  # reading only: a refused rescan stores nothing
    claim_batch_id(store, batch)
    rescans.record(store, batch.batch_id, planned)
    if on_start is not None:
        on_start(len(batch.items))
    jobs = jobs or os.cpu_count() or 1
    results: list[ItemResult | None] = [None] * len(batch.items)
    failures = 0
    emitted = 0

    def emit_ready() -> None:
        nonlocal emitted
        while emitted < len(results) and results[emitted] is not None:
            if on_result is not None:
                on_result(results[emitted])  # type: ignore[arg-type]
            emitted += 1

    if jobs == 1 or len(batch.items) <= 1:
        init_process(memory_limit_mb)
        structures = rescans.with_rescans(batch, batch_structure(batch, options), planned)
        for i, item in enumerate(batch.items):
            res, ok = _safe(batch.root, store_url, batch.batch_id, item, options, structures[i])
            results[i] = res
            failures += 0 if ok else 1
            emit_ready()
    else:
        # forkserver, not fork: forking a process whose OpenCV thread pool or other threads hold locks can hang
        context = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(max_workers=jobs, initializer=init_process, initargs=(memory_limit_mb,),
                                 mp_context=context) as pool:
            structures = rescans.with_rescans(batch, batch_structure(batch, options, pool), planned)
            futures: dict[Future[tuple[ItemResult, bool]], int] = {
                pool.submit(_safe, batch.root, store_url, batch.batch_id, item, options, structures[i]): i
                for i, item in enumerate(batch.items)
            }
            pending = set(futures)
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    res, ok = fut.result()
                    results[futures[fut]] = res
                    failures += 0 if ok else 1
                emit_ready()
    final = [r for r in results if r is not None]
    finished = finish_batch(store, batch.batch_id, final, options)
    return RunOutcome(batch, final, finished.summary, failures, finished.applications, finished.report,
                      finished.report_key)
