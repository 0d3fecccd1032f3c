"""Printed passport photos on a scanned page: a photo stapled to a form, or a strip of two identical photos.

A print is found from its face outwards, then bounded by its edges at a 35 x 45 mm print's size for the page's
dpi (the print's edge shows on a flatbed scan as a thin line: the paper's thickness casts a shadow). Each print
is judged on its own as a photo; two or more are compared with each other, since a strip's photos must be the
same photograph.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from svs.photo.check import MM_PER_INCH, PRINT_MM, check_photo
from svs.schema import Face, PhotoResult, SheetPhoto
from svs.thresholds import PhotoThresholds

#: A print may be trimmed a little or scanned with a slightly wrong dpi: width and height within 8% of 35 x 45 mm.
SIZE_TOLERANCE = 0.08
#: Normalised correlation of two prints' greyscale at 48 x 62 pixels above which they are the same photograph;
#: the same print scanned twice measures over 0.95, two different people under 0.7.
SAME_PHOTO_CORRELATION = 0.85
#: Outlines are searched on a copy at this dpi: enough for a 35 mm print's edges, cheap on an A4 page.
SEARCH_DPI = 75.0


@dataclass(frozen=True)
class Print:
    box: tuple[int, int, int, int]  # x, y, w, h in page pixels
    image: np.ndarray


def _best_pair(profile: np.ndarray, lo_max: int, hi_min: int, span: float) -> tuple[int, int, float] | None:
    """Two edge positions lo < ``lo_max`` and hi > ``hi_min``, ``span`` apart within the size tolerance, with
    the most edge support between them; the support is the weaker side's, so one strong line is not enough."""
    n = len(profile)
    best: tuple[int, int, float] | None = None
    for lo in range(max(0, int(hi_min - span * (1 + SIZE_TOLERANCE))), max(0, min(lo_max, n))):
        hi_lo = max(hi_min + 1, int(lo + span * (1 - SIZE_TOLERANCE)))
        hi_hi = min(n, int(lo + span * (1 + SIZE_TOLERANCE)) + 1)
        if hi_lo >= hi_hi:
            continue
        hi = hi_lo + int(np.argmax(profile[hi_lo:hi_hi]))
        score = float(min(profile[lo], profile[hi]))
        if best is None or score > best[2]:
            best = (lo, hi, score)
    return best


def find_prints(page: np.ndarray, dpi: float) -> list[Print]:
    """Prints of passport-photo size around the faces on a page, in reading order.

    Faces are found on a 75-dpi copy; around each, the print's outline is the pair of long vertical edges and
    the pair of long horizontal edges that bracket the face at a print's width and height apart. A form's lines,
    text or a barcode under or beside the print do not bracket a face at that distance; a portrait printed on
    a document (no outline of its own) has no such edges and is not a print."""
    from svs.photo import detector

    h, w = page.shape[:2]
    s = min(1.0, SEARCH_DPI / dpi)
    small = cv2.resize(page, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA) \
        if s < 1 else page
    grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small
    px_per_mm = dpi * s / MM_PER_INCH
    want_w, want_h = PRINT_MM[0] * px_per_mm, PRINT_MM[1] * px_per_mm
    found = [f for f in detector.detect(small if small.ndim == 3 else cv2.cvtColor(small, cv2.COLOR_GRAY2BGR), 0.002)
             if f.confidence >= 0.9 and f.box[3] < want_h]
    if not found:
        return []
    edges = cv2.Canny(cv2.GaussianBlur(grey, (3, 3), 0), 12, 36)
    edges = cv2.dilate(edges, np.ones((2, 2), np.uint8))
    # straight edges only, at least a third of a print's side long: text, barcodes and character boxes go
    horizontal = cv2.morphologyEx(edges, cv2.MORPH_OPEN, np.ones((1, max(3, int(want_w / 3))), np.uint8)) > 0
    vertical = cv2.morphologyEx(edges, cv2.MORPH_OPEN, np.ones((max(3, int(want_h / 3)), 1), np.uint8)) > 0
    boxes: list[tuple[int, int, int, int]] = []
    for f in found:
        fx, fy, fw, fh = f.box
        rows = slice(max(0, fy), min(grey.shape[0], fy + fh))
        xs = _best_pair(vertical[rows].sum(axis=0).astype(np.float32), fx, fx + fw, want_w)
        if xs is None or xs[2] < 0.5 * (rows.stop - rows.start):
            continue
        cols = slice(xs[0], xs[1] + 1)
        ys = _best_pair(horizontal[:, cols].sum(axis=1).astype(np.float32), fy, fy + fh, want_h)
        if ys is None or ys[2] < 0.5 * (cols.stop - cols.start):
            continue
        box = (xs[0], ys[0], xs[1] - xs[0], ys[1] - ys[0])
        if all(_overlap(box, k) < 0.5 for k in boxes):
            boxes.append(box)
    out = []
    for x, y, bw, bh in sorted(boxes, key=lambda b: (b[1] // max(1, int(want_h)), b[0])):
        # back to page pixels, 1 mm inside the outline: the edge line is not part of the photo
        inset = px_per_mm
        x0, y0 = max(0, round((x + inset) / s)), max(0, round((y + inset) / s))
        x1, y1 = min(w, round((x + bw - inset) / s)), min(h, round((y + bh - inset) / s))
        if x1 - x0 > 8 and y1 - y0 > 8:
            out.append(Print((x0, y0, x1 - x0, y1 - y0), np.ascontiguousarray(page[y0:y1, x0:x1])))
    return out


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    return ix * iy / float(min(a[2] * a[3], b[2] * b[3]))


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Normalised correlation of two prints at a common small size, in greyscale (a scan's colour balance and
    a few pixels of crop do not matter; a different photograph does)."""
    def norm(img: np.ndarray) -> np.ndarray:
        g = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY) if img.ndim == 3 else img
        g = cv2.resize(g, (48, 62), interpolation=cv2.INTER_AREA).astype(np.float32)
        g = cv2.GaussianBlur(g, (0, 0), 1.0)
        return (g - g.mean()) / (g.std() + 1e-6)

    return float((norm(a) * norm(b)).mean())


def check_sheet(page: np.ndarray, dpi: float, t: PhotoThresholds) -> PhotoResult | None:
    """Every print found on the page, each judged; None where the page holds no print with a face."""
    prints = find_prints(page, dpi)
    judged: list[tuple[Print, PhotoResult]] = []
    for p in prints:
        r = check_photo(p.image, t, dpi=dpi)
        if r.faces:
            judged.append((p, r))
    if not judged:
        return None
    reasons: list[str] = []
    measures: dict[str, float | None] = {"prints": float(len(judged)), "scan_dpi": round(dpi, 1)}
    for _, r in judged:
        reasons.extend(r.reasons)
    if len(judged) > 1:
        worst = min(similarity(judged[0][0].image, q.image) for q, _ in judged[1:])
        measures["prints_similarity"] = round(worst, 3)
        if worst < SAME_PHOTO_CORRELATION:
            reasons.append("photo.photos_differ")
    faces = [Face(box=(f.box[0] + p.box[0], f.box[1] + p.box[1], f.box[2], f.box[3]), confidence=f.confidence,
                  landmarks={k: (x + p.box[0], y + p.box[1]) for k, (x, y) in f.landmarks.items()})
             for p, r in judged for f in r.faces]
    photos = [SheetPhoto(box=p.box, compliant=r.compliant, reasons=r.reasons, measures=r.measures,
                         failures=r.failures) for p, r in judged]
    return PhotoResult(compliant=not reasons, reasons=list(dict.fromkeys(reasons)), measures=measures,
                       faces=faces, failures=[f for _, r in judged for f in r.failures], profile=t.name,
                       photos=photos, ms=round(sum(r.ms for _, r in judged), 1))
