"""Stage results in words for a person at a terminal: the plain output of ``svs quality``, ``svs mrz`` and
``svs photo`` (``--json`` gives the same results for machines). Pure: a result in, lines of text out."""

from __future__ import annotations

from typing import Any

from svs.reasons import REASONS, words

#: How the MRZ's fields are named for people, in the order they are shown.
MRZ_FIELD_WORDS = (
    ("document_code", "document"), ("issuing_state", "issued by"), ("document_number", "number"),
    ("surname", "surname"), ("given_names", "given names"), ("nationality", "nationality"),
    ("birth_date", "born"), ("sex", "sex"), ("expiry_date", "expires"), ("optional_data", "optional data"),
)


#: Measures named for people, with their unit.
MEASURE_WORDS = {"dpi": "resolution (dpi)", "skew_deg": "skew (degrees)", "edge_width_mm": "edge width (mm)",
                 "ink_coverage": "share of the page inked", "edge_ink": "ink in the outer band of a side",
                 "brightness": "median grey (0-255)", "contrast": "grey range (0-255)",
                 "sharpness": "sharpness", "axis_sharpness": "sharpness along the blurrier axis"}


#: An application's verdict in words: its worst item's, which for "rejected" means one of its files is unusable,
#: not that the application is refused (svs refuses no application; a person decides).
APPLICATION_WORDS = {
    "accepted": "complete: every check passed",
    "refer": "a person must look",
    "rescan": "pages to scan again",
    "rejected": "a file is unusable: scan or send it again",
}


def reason_lines(codes: list[str]) -> list[str]:
    """Each reason code with its explanation."""
    return [f"{code}: {words(code)}" if code in REASONS else code for code in codes]


def failed_quality(result: dict[str, Any]) -> list[str]:
    """Each page-quality measure past its threshold: a threshold ``min_X`` or ``max_X`` bounds measure ``X``."""
    measures: dict[str, float | None] = result.get("measures") or {}
    out = []
    for name, limit in (result.get("thresholds") or {}).items():
        bound, _, measure = name.partition("_")
        value = measures.get(measure)
        if value is None or bound not in ("min", "max"):
            continue
        shown = abs(value) if measure == "skew_deg" else value
        if (bound == "min" and shown < limit) or (bound == "max" and shown > limit):
            out.append(f"{MEASURE_WORDS.get(measure, measure)} {shown:g}: "
                       f"{'at least' if bound == 'min' else 'at most'} {limit:g}")
    return out


def quality_words(result: dict[str, Any]) -> tuple[str, list[str]]:
    if result.get("ok"):
        return "ok", []
    return "rescan", failed_quality(result) + reason_lines(result.get("reasons", []))


def mrz_words(result: dict[str, Any]) -> tuple[str, list[str]]:
    if not result.get("found"):
        return "no MRZ found", reason_lines(result.get("reasons", []))
    status = f"{'valid' if result.get('valid') else 'INVALID'} {result.get('format') or ''} MRZ".replace("  ", " ")
    lines = list(result.get("lines", []))
    fields = result.get("fields") or {}
    shown = [f"{label} {fields[name]}" for name, label in MRZ_FIELD_WORDS if fields.get(name)]
    lines.append(" | ".join(shown))
    checks = result.get("checks") or {}
    if checks:
        lines.append("check digits: " + ", ".join(f"{name.replace('_', ' ')} {'ok' if ok else 'WRONG'}"
                                                  for name, ok in checks.items()))
    if result.get("warnings"):
        lines.append("warnings: " + ", ".join(result["warnings"]))
    return status, lines + reason_lines(result.get("reasons", []))


def photo_words(result: dict[str, Any]) -> tuple[str, list[str]]:
    profile = f" ({result['profile']})" if result.get("profile") else ""
    status = ("compliant" if result.get("compliant") else "not compliant") + profile
    lines = []
    for i, p in enumerate(result.get("photos") or [], 1):
        lines.append(f"photo {i} on the page: {'compliant' if p.get('compliant') else 'not compliant'}")
        lines += [f"  {f['text']}" for f in p.get("failures", [])]
    lines += [f["text"] for f in result.get("failures", [])]
    failed = {f["reason"] for f in result.get("failures", [])}
    return status, lines + reason_lines([c for c in result.get("reasons", []) if c not in failed])


WORDS = {"quality": quality_words, "mrz": mrz_words, "photo": photo_words}


def describe(stage: str, result: dict[str, Any]) -> tuple[str, list[str]]:
    """A stage result's status in a word or two, and the lines that explain it (none when all is well); a
    multi-page file's pages each under their number."""
    status, lines = WORDS[stage](result)
    pages = result.get("pages") or []
    if len(pages) > 1:
        lines = []
        for page in pages:
            page_status, page_lines = WORDS[stage](page)
            lines += [f"page {page.get('page')}: {page_status}", *(f"  {x}" for x in page_lines)]
    return status, lines
