"""Batch reports for operators: read what a batch stored, render one self-contained HTML page, keep it in the
store beside the batch. ``collect`` reads, ``html`` renders; the dashboard (``svs.serve``) uses both.
"""

from __future__ import annotations

from svs import keys
from svs.report.collect import BatchView, collect, list_batches
from svs.report.html import render
from svs.schema import StoredObject
from svs.storage.base import Store, put_beside


def build_report(store: Store, batch_id: str) -> bytes:
    """The batch's report page as UTF-8 bytes; the same stored results always give the same bytes."""
    return render(collect(store, batch_id)).encode("utf-8")


def store_report(store: Store, batch_id: str, body: bytes) -> StoredObject:
    """Keep the report beside the batch, create-only: a batch reported again with different content gets a
    content-named report beside the first."""
    return put_beside(store, keys.batch_report(batch_id), lambda sha: keys.batch_report_version(batch_id, sha),
                      body, "report", "text/html")

__all__ = ["BatchView", "build_report", "collect", "list_batches", "render", "store_report"]
