"""The batch-level work, around the per-item pipeline:

- :mod:`svs.batch.folder`: a batch folder, its ``batch.json`` and the items they expand to; its id claimed;
- :mod:`svs.batch.prepass`: every page's marks read first, in batch order (:mod:`svs.batch.structure`,
  :mod:`svs.batch.patchcode`): which application each page belongs to;
- :mod:`svs.batch.applications`: each application's summary, its form cross-checked against its MRZ;
- :mod:`svs.batch.summary`: the batch's summary;
- :mod:`svs.batch.rescans`: a scan that replaces an earlier item, and the application issued again;
- :mod:`svs.batch.stored`: one item's stored result read back;
- :mod:`svs.batch.finish`: a batch whose items all have results, finished the same way in both modes.
"""

from svs.batch.folder import (
    MANIFEST_NAME,
    Batch,
    BatchError,
    BatchIdConflict,
    BatchItem,
    BatchManifest,
    EmptyBatch,
    claim_batch_id,
    content_claim,
    display_name,
    load_batch,
    read_file,
)

__all__ = [
    "MANIFEST_NAME", "Batch", "BatchError", "BatchIdConflict", "BatchItem", "BatchManifest", "EmptyBatch",
    "claim_batch_id", "content_claim", "display_name", "load_batch", "read_file",
]
