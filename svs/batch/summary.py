"""Batch summaries: counts per verdict and reason, built from item results and stored create-only."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from svs import keys
from svs.schema import BatchSummary, ItemResult
from svs.sealing import put_beside_sealed
from svs.storage.base import Store


def build_summary(batch_id: str, results: Iterable[ItemResult]) -> BatchSummary:
    verdicts: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    n = 0
    urgent = False
    for r in results:
        n += 1
        urgent = urgent or r.priority == "urgent"
        verdicts[r.verdict] += 1
        reasons.update(r.reasons)
    return BatchSummary(batch_id=batch_id, items=n, verdicts=dict(sorted(verdicts.items())),
                        reasons=dict(sorted(reasons.items())), priority="urgent" if urgent else "normal")


def store_summary(store: Store, summary: BatchSummary) -> BatchSummary:
    """Store the summary create-only. A batch re-run with different results gets a new, content-named object
    beside the first: nothing is overwritten."""
    body = summary.model_dump_json(exclude={"stored"}).encode()
    entry = put_beside_sealed(store, keys.batch_summary(summary.batch_id),
                              lambda sha: keys.batch_summary_version(summary.batch_id, sha), body, "summary",
                              "application/json")
    return summary.model_copy(update={"stored": [entry]})
