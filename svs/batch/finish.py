"""A batch whose every item has a result, finished: application summaries, the batch summary, the report.

The same for ``svs run`` and for the workers; what differs is only who is told (``on_application``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from svs import decisions
from svs.batch.applications import build_applications, store_application
from svs.batch.rescans import reissue
from svs.batch.summary import build_summary, store_summary
from svs.pipeline import Options
from svs.report import build_report, store_report
from svs.schema import ApplicationSummary, BatchSummary, DecisionRecord, ItemResult, StoredObject
from svs.storage.base import Store


@dataclass(frozen=True)
class FinishedBatch:
    applications: list[ApplicationSummary]
    summary: BatchSummary
    report: bytes  # the batch report page
    report_key: str  # where the store keeps it


def log_finished(store: Store, batch_id: str, decided: list[StoredObject], applications: list[StoredObject],
                 summary: list[StoredObject]) -> DecisionRecord:
    """The batch's decisions in its log as one record (``batch_finished``): every item result, the application
    summaries issued and the batch summary, each by key and SHA-256. One record, not one per kind: on S3 a
    record costs a create-only write and its read-back, and this is a fixed cost of every batch."""
    return decisions.append(store, batch_id, "batch_finished",
                            decisions.logged([*decided, *applications, *summary]))


def finish_batch(store: Store, batch_id: str, results: list[ItemResult], options: Options,
                 on_application: Callable[[ApplicationSummary], None] | None = None) -> FinishedBatch:
    """Store each application's summary, and the next version of each earlier application a rescan of this
    batch changed (telling *on_application* of each, before the batch summary that says the batch is done),
    then the batch summary and the report. Idempotent: stored create-only, and a batch finished again with the
    same results stores the same bytes and issues no version twice."""
    decided = [s for r in results for s in r.stored if s.role == "manifest"]  # each stored result, by digest
    applications = [store_application(store, app)
                    for app in build_applications(batch_id, results, options.profile.form)]
    reissued = reissue(store, results, options.profile.form)
    for app in reissued:  # logged in the application's own batch, where its earlier versions are
        decisions.append(store, app.batch_id, "application_reissued", decisions.logged(app.stored))
    for app in applications + reissued:
        if on_application is not None:
            on_application(app)
    summary = store_summary(store, build_summary(batch_id, results))
    log_finished(store, batch_id, decided, [o for app in applications for o in app.stored], summary.stored)
    applications += reissued
    report = build_report(store, batch_id)
    kept = store_report(store, batch_id, report)
    return FinishedBatch(applications, summary, report, kept.key)
