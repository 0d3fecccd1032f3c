"""Applications: the items of a batch grouped by application reference, and the form's answers checked against
the machine readable zone of the old passport in the same application.

A check compares only what was read with confidence: a form field under the confidence threshold, or an MRZ
whose check digits fail, leaves the check ``not_checked`` (the item itself already says why). A mismatch is a
reason for a person to look (``form.mismatch_*``, verdict refer), never a correction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from svs import keys
from svs.reasons import verdict_for
from svs.schema import ApplicationSummary, ItemResult
from svs.sealing import put_beside_sealed
from svs.storage.base import Store
from svs.thresholds import FormThresholds

#: form field -> (MRZ field, reason when they differ)
CROSS_CHECKS: dict[str, tuple[str, str]] = {
    "surname": ("surname", "form.mismatch_surname"),
    "birth_date": ("birth_date", "form.mismatch_birth_date"),
    "document_number": ("document_number", "form.mismatch_document_number"),
}


def _letters(v: str) -> str:
    """Names compared as the MRZ writes them: capitals only, spaces, hyphens and apostrophes left out."""
    return re.sub(r"[^A-Z]", "", v.upper())


def _form_date(v: str) -> str | None:
    m = re.fullmatch(r"(\d{2}) (\d{2}) (\d{4})", v)
    if not m:
        return None
    try:
        return date(int(m[3]), int(m[2]), int(m[1])).isoformat()
    except ValueError:
        return None


def _normalise(check: str, v: str) -> str | None:
    if check == "surname":
        return _letters(v) or None
    if check == "birth_date":
        return _form_date(v) if " " in v else v
    return re.sub(r"[^A-Z0-9]", "", v.upper()) or None


def form_answers(results: Iterable[ItemResult], thresholds: FormThresholds) -> dict[str, str]:
    """The cross-checked answers read with confidence from the application's form pages, by check name."""
    out: dict[str, str] = {}
    for r in results:
        for name, f in (r.form.fields if r.form else {}).items():
            check = {"old_passport_number": "document_number"}.get(name, name)
            if check in CROSS_CHECKS and f.value and f.valid and \
                    f.confidence >= thresholds.min_field_confidence.value:
                out.setdefault(check, f.value)
    return out


def mrz_answers(results: Iterable[ItemResult]) -> dict[str, str]:
    """The fields of the first MRZ in the application whose every check digit passed."""
    for r in results:
        if r.mrz and r.mrz.found and r.mrz.valid:
            fields = r.mrz.fields.model_dump()
            return {check: str(fields[m]) for check, (m, _) in CROSS_CHECKS.items() if fields.get(m)}
    return {}


def cross_check(form: dict[str, str], mrz: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    checks: dict[str, str] = {}
    reasons: list[str] = []
    for check, (_, reason) in CROSS_CHECKS.items():
        a = _normalise(check, form[check]) if check in form else None
        b = _normalise(check, mrz[check]) if check in mrz else None
        if a is None or b is None:
            checks[check] = "not_checked"
        elif a == b:
            checks[check] = "match"
        else:
            checks[check] = "mismatch"
            reasons.append(reason)
    return checks, reasons


def build_applications(batch_id: str, results: list[ItemResult],
                       thresholds: FormThresholds = FormThresholds()) -> list[ApplicationSummary]:
    """One summary per application reference in the batch, in order of first appearance. A rescan belongs to
    the application of the scan it replaced, issued again by :func:`svs.batch.rescans.reissue`."""
    groups: dict[str, list[ItemResult]] = {}
    for r in results:
        if r.application_id and r.supersedes is None:
            groups.setdefault(r.application_id, []).append(r)
    return [summarise(batch_id, app, items, thresholds) for app, items in groups.items()]


def summarise(batch_id: str, application_id: str, items: list[ItemResult],
              thresholds: FormThresholds = FormThresholds()) -> ApplicationSummary:
    """One application's summary from its items' results: their reasons and the form checked against the MRZ."""
    checks, own = cross_check(form_answers(items, thresholds), mrz_answers(items))
    reasons = sorted({c for r in items for c in r.reasons} | set(own))
    return ApplicationSummary(batch_id=batch_id, application_id=application_id, items=[r.item_id for r in items],
                              verdict=verdict_for(reasons).value, reasons=reasons, checks=checks,  # type: ignore[arg-type]
                              priority="urgent" if any(r.priority == "urgent" for r in items) else "normal")


def store_application(store: Store, summary: ApplicationSummary) -> ApplicationSummary:
    """Keep the summary beside its batch, create-only (a different later one goes beside it)."""
    key = keys.application_summary(summary.batch_id, summary.application_id)
    entry = put_beside_sealed(store, key, lambda sha: f"{key[:-5]}-{sha[:16]}.json",
                              summary.model_dump_json(exclude={"stored"}).encode(), "application",
                              "application/json")
    return summary.model_copy(update={"stored": [entry]})
