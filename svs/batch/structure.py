"""Batch structure: which application each page belongs to, found before any page is processed.

A batch is a stream of pages in order: an application form whose first page carries the application reference as
a barcode, its other pages and documents, then a separator sheet (a barcode reading ``SEPARATOR``, or Kodak's
patch T) and the next application. The pre-pass reads each page's *marks* (barcodes, patch codes, which form and
which page of it, from the templates) on a reduced decode, then :func:`assign` walks them in order:

- a separator ends the current application; the separator itself belongs to none;
- a readable reference starts an application; every page up to the next separator or reference carries it. A
  reference is a barcode matching the page's form's pattern (any known form's on a page that is not a form), or
  the batch's own ``reference_pattern``; a separator reads any known form's separator text;
- a page that looks like a marker but cannot be read (a barcode region zxing cannot decode, four bars in no patch
  pattern, the form's first page without a readable reference) is flagged, and the pages after it, up to the next
  readable marker, carry no application and say why: never merged silently into the application before;
- the same file (SHA-256 and page) seen earlier in the batch makes a duplicate.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

from svs.batch.patchcode import Patch, find_patches
from svs.engines import zxing
from svs.forms.register import identify
from svs.forms.template import Template, all_templates
from svs.schema import ItemStructure

#: Marker sheets are A4 pages; smaller items (photos, a passport's data page) are not searched for patches.
MIN_MARKER_PAGE_MM = 180.0
#: Under 100 dpi (a 150-dpi scan halved) a reference's bars and modules blur together: read the full page.
MIN_BARCODE_PX_PER_MM = 100 / 25.4


@dataclass(frozen=True)
class PageMarks:
    codes: list[zxing.Barcode] = field(default_factory=list)
    patches: list[Patch] = field(default_factory=list)
    form_page: int | None = None
    barcode_seen: bool = False  # a barcode-shaped region, decoded or not
    unreadable: bool = False  # decoding failed earlier (the page could not be decoded at all)
    form_template: str | None = None  # the name of the form the page is a page of
    reference_page: int | None = None  # the page of that form that must carry the reference


def read_marks(grey_half: np.ndarray, px_per_mm: float, full: Callable[[], np.ndarray] | None = None,
               templates: list[Template] | None = None) -> PageMarks:
    """The marks on one page from its half-resolution greyscale image (*px_per_mm* at that scale). Where a
    barcode is seen there but not decoded (thin bars of a 200-dpi scan halved), it is read again on the
    full-resolution image that *full* decodes."""
    low_res = px_per_mm < MIN_BARCODE_PX_PER_MM
    codes = zxing.read(full() if low_res and full is not None else grey_half)
    h, w = grey_half.shape[:2]
    large = max(h, w) / px_per_mm >= MIN_MARKER_PAGE_MM
    patches = find_patches(grey_half, px_per_mm) if large else []
    form = identify(grey_half, templates if templates is not None else all_templates()) if large else None
    seen = bool(codes)
    if not codes and large:
        quarter = cv2.resize(grey_half, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
        found, _ = cv2.barcode.BarcodeDetector().detect(quarter)
        seen = bool(found)
        if seen and full is not None and not low_res:
            codes = zxing.read(full())
    if form is None:
        return PageMarks(codes, patches, None, seen)
    return PageMarks(codes, patches, form.page, seen, form_template=form.template.name,
                     reference_page=form.template.reference.required_on_page)


def _describe(m: PageMarks) -> list[str]:
    return [f"barcode:{c.format}" for c in m.codes] + [f"patch:{p.code or '?'}" for p in m.patches] + (
        [f"form:{m.form_template} page {m.form_page}"] if m.form_page else [])


def classify(m: PageMarks, reference_pattern: str | None = None,
             templates: list[Template] | None = None) -> tuple[str, str | None, list[str]]:
    """(role, reference, reasons) of one page from its marks alone. *reference_pattern*: the batch's own
    (``batch.json``), in place of the forms'."""
    if m.unreadable:
        return "page", None, []
    ts = templates if templates is not None else all_templates()
    texts = [c.text for c in m.codes]
    if {t.reference.separator for t in ts} & set(texts) or any(p.code == "T" for p in m.patches):
        return "separator", None, []
    own = [t for t in ts if t.name == m.form_template]
    patterns = [reference_pattern] if reference_pattern else [t.reference.pattern for t in own or ts]
    reference = next((x for x in texts if any(re.fullmatch(p, x) for p in patterns)), None)
    if reference is not None:
        return "reference", reference, []
    if m.form_page is not None and m.form_page == m.reference_page:
        return "page", None, ["form.reference_missing"]
    if (m.barcode_seen and not m.codes) or any(p.code is None for p in m.patches):
        return "page", None, ["batch.unreadable_marker"]
    return "page", None, []


def assign(batch_id: str, marks: list[PageMarks], contents: list[tuple[str, int | None]], item_ids: list[str],
           reference_pattern: str | None = None) -> list[ItemStructure]:
    """Each item's place in the batch, walking the pages in batch order. *contents* are (sha256, page);
    *reference_pattern* the batch's own, where its ``batch.json`` gives one."""
    current: str | None = None
    lost = False  # an unreadable marker came since the last readable one
    first_seen: dict[tuple[str, int | None], str] = {}
    out = []
    for m, content, item in zip(marks, contents, item_ids, strict=True):
        role, reference, reasons = classify(m, reference_pattern)
        if role == "separator":
            current, lost = None, False
        elif role == "reference":
            current, lost = reference, False
        elif reasons:  # a marker nobody could read: what follows belongs to an unknown application
            current, lost = None, True
        elif lost:
            reasons = ["batch.application_unknown"]
        duplicate_of = first_seen.get(content)
        if duplicate_of is None:
            first_seen[content] = f"{batch_id}/{item}"
        else:
            reasons = [*reasons, "batch.duplicate_item"]
        out.append(structure_of(m, role, None if role == "separator" else current, reasons, duplicate_of))
    return out


def structure_of(m: PageMarks, role: str, application_id: str | None, reasons: list[str],
                 duplicate_of: str | None = None) -> ItemStructure:
    return ItemStructure(role=role, application_id=application_id, marks=_describe(m),  # type: ignore[arg-type]
                         form_page=m.form_page, reasons=reasons, duplicate_of=duplicate_of)


def single_page(m: PageMarks) -> ItemStructure:
    """A page's structure from its own marks, where no batch walk is done (one file checked on its own)."""
    role, reference, reasons = classify(m)
    return structure_of(m, role, reference, reasons)
