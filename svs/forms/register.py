"""Registration: find a template's corner anchors on a page and map template millimetres to page pixels.

The anchors are filled squares near the corners. A page is taken to be the template's when at least two are
found where the template puts them and they keep the template's geometry (a scanned form may be shifted,
rotated a few degrees and scaled by the scanner; a skewed scan may cut a corner off, a torn or covered corner
leaves three; two fix rotation, scale and shift). The page code (filled cells, the page number in
binary) then says which page of the form it is.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from svs.forms.template import FormField, Template

#: An anchor's side may read 0.6 to 1.6 times its printed size (scanner scaling, ink spread).
SIZE_TOLERANCE = (0.6, 1.6)
#: A filled square fills at least this share of its bounding box.
MIN_FILL = 0.8
#: Anchors are looked for within this share of the page from their corner.
CORNER_REACH = 0.2
#: With only two anchors found, each must lie within this share of the page from its place.
TWO_ANCHOR_REACH = 0.06


@dataclass(frozen=True)
class Registration:
    matrix: np.ndarray  # 3 x 3: template millimetres -> pixels of the image it was found on
    anchors_found: int

    def to_px(self, x_mm: float, y_mm: float) -> tuple[float, float]:
        p = self.matrix @ np.array([x_mm, y_mm, 1.0])
        return float(p[0] / p[2]), float(p[1] / p[2])

    def scaled(self, factor: float) -> Registration:
        """The same registration for the image scaled by *factor* (e.g. 2 for the full-resolution page)."""
        return Registration(np.diag([factor, factor, 1.0]) @ self.matrix, self.anchors_found)


Blobs = tuple[np.ndarray, np.ndarray]  # connected components of the page's ink: stats, centroids


def ink_blobs(grey: np.ndarray) -> Blobs:
    """The page's ink as connected components (Otsu threshold): found once, matched against every template."""
    _, ink = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    _, _, stats, centroids = cv2.connectedComponentsWithStats(ink, connectivity=8)
    return stats, centroids


def _squares(blobs: Blobs, side_px: float) -> list[tuple[float, float]]:
    """Centres of dark, filled, square blobs about *side_px* wide."""
    stats, centroids = blobs
    lo, hi = side_px * SIZE_TOLERANCE[0], side_px * SIZE_TOLERANCE[1]
    out = []
    for i in range(1, len(stats)):
        _, _, w, h, area = stats[i]
        if lo <= w <= hi and lo <= h <= hi and 0.75 <= w / h <= 1.33 and area >= MIN_FILL * w * h:
            out.append((float(centroids[i][0]), float(centroids[i][1])))
    return out


def register(grey: np.ndarray, template: Template, blobs: Blobs | None = None) -> Registration | None:
    """The template's registration on *grey*, or None where fewer than two anchors are where they belong.
    *blobs*: the page's :func:`ink_blobs`, where they were found already."""
    h, w = grey.shape[:2]
    page_w, page_h = template.page_mm
    px_per_mm = min(w / page_w, h / page_h)
    found = _squares(blobs if blobs is not None else ink_blobs(grey), template.anchors.size * px_per_mm)
    if len(found) < 2:
        return None
    src, dst = [], []
    for cx, cy in template.anchors.centres.values():
        ex, ey = cx * w / page_w, cy * h / page_h  # where the corner's anchor would be on an unshifted scan
        best = min(found, key=lambda p: (p[0] - ex) ** 2 + (p[1] - ey) ** 2)
        if abs(best[0] - ex) <= CORNER_REACH * w and abs(best[1] - ey) <= CORNER_REACH * h:
            src.append((cx, cy))
            dst.append(best)
    if len(src) < 2 or len(set(dst)) < len(dst):
        return None
    s, d = np.array(src, np.float32), np.array(dst, np.float32)
    if len(src) == 4:
        matrix = cv2.getPerspectiveTransform(s, d).astype(np.float64)
    elif len(src) == 3:
        matrix = np.vstack([cv2.getAffineTransform(s, d), [0.0, 0.0, 1.0]])
    else:  # two corners (a skewed scan cut the others off): rotation, scale and shift only
        partial, _ = cv2.estimateAffinePartial2D(s, d)
        if partial is None:
            return None
        matrix = np.vstack([partial, [0.0, 0.0, 1.0]])
    # the anchors must keep the template's shape: a similar figure, not four random blobs near the corners
    scale_x = np.hypot(*(matrix[:2, :2] @ [1.0, 0.0]))
    scale_y = np.hypot(*(matrix[:2, :2] @ [0.0, 1.0]))
    if not (0.8 < scale_x / scale_y < 1.25 and SIZE_TOLERANCE[0] < scale_x / px_per_mm < SIZE_TOLERANCE[1]):
        return None
    if len(src) == 2:  # two points fit any similarity: ask more of them, near their places at the page's scale
        reach_x, reach_y = TWO_ANCHOR_REACH * w, TWO_ANCHOR_REACH * h
        near = all(abs(px - cx * w / page_w) <= reach_x and abs(py - cy * h / page_h) <= reach_y
                   for (cx, cy), (px, py) in zip(src, dst, strict=True))
        if not near or not 0.85 < scale_x / px_per_mm < 1.15:
            return None
    return Registration(matrix, len(src))


def warp(grey: np.ndarray, reg: Registration, box_mm: tuple[float, float, float, float],
         px_per_mm: float) -> np.ndarray:
    """The template rectangle *box_mm* (x, y, w, h) cut out of *grey*, upright, at *px_per_mm*."""
    x, y, w, h = box_mm
    to_out = np.array([[px_per_mm, 0, -x * px_per_mm], [0, px_per_mm, -y * px_per_mm], [0, 0, 1]], np.float64)
    out_to_src = reg.matrix @ np.linalg.inv(to_out)
    size = (max(1, round(w * px_per_mm)), max(1, round(h * px_per_mm)))
    return cv2.warpPerspective(grey, out_to_src, size, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=255)


def page_number(grey: np.ndarray, reg: Registration, template: Template) -> int:
    """The page number written in the page code's filled cells (0 where none is filled)."""
    code = template.page_code
    number = 0
    for bit in range(code.bits):
        x, y, w, h = code.cell_box(bit)
        cell = warp(grey, reg, (x + w * 0.25, y + h * 0.25, w * 0.5, h * 0.5), 4.0)
        if float(cell.mean()) < 128:
            number |= 1 << bit
    return number


#: A printed box edge is a dip of at least this many grey levels below the paper around it.
EDGE_DIP = 30
#: Share of the page's sampled field boxes that must be where the template prints them for the page to be its.
MIN_BOX_FIT = 0.6
_EDGE_PX_PER_MM = 6.0


def _edges_present(grey: np.ndarray, reg: Registration, box: tuple[float, float, float, float]) -> int:
    """How many of a character box's four printed edges are where the template puts them (a dark line across a
    band of 1.2 mm either side of each edge, averaged along the edge)."""
    x, y, w, h = box
    m = 1.2
    patch = warp(grey, reg, (x - m, y - m, w + 2 * m, h + 2 * m), _EDGE_PX_PER_MM).astype(np.float32)
    k = _EDGE_PX_PER_MM
    inner = (slice(round(m * k), round((m + h) * k)), slice(round(m * k), round((m + w) * k)))
    profiles = [patch[inner[0], : round(2 * m * k)].mean(axis=0),  # across the left edge
                patch[inner[0], -round(2 * m * k):].mean(axis=0),  # the right
                patch[: round(2 * m * k), inner[1]].mean(axis=1),  # the top
                patch[-round(2 * m * k):, inner[1]].mean(axis=1)]  # the bottom
    return sum(1 for p in profiles if p.size and float(np.median(p) - p.min()) >= EDGE_DIP)


def box_fit(grey: np.ndarray, reg: Registration, fields: list[FormField]) -> float:
    """The share of the fields' first and last character boxes printed where the template puts them (three of
    four edges found): whether the registered page is this template's page, not another form's with anchors in
    similar corners."""
    boxes = [f.box(i) for f in fields for i in sorted({0, f.boxes - 1})]
    if not boxes:
        return 0.0
    return sum(_edges_present(grey, reg, b) >= 3 for b in boxes) / len(boxes)


@dataclass(frozen=True)
class Identified:
    template: Template
    registration: Registration
    page: int
    fit: float


def identify(grey: np.ndarray, templates: list[Template]) -> Identified | None:
    """Which template's page *grey* is: its anchors registered, its page code read and its boxes where that page
    prints them; the best fit of at least :data:`MIN_BOX_FIT`, else None."""
    best: Identified | None = None
    blobs = ink_blobs(grey)
    for t in templates:
        reg = register(grey, t, blobs)
        if reg is None:
            continue
        page = page_number(grey, reg, t)
        spec = t.pages.get(page)
        fit = box_fit(grey, reg, spec.fields) if spec else 0.0
        if fit >= MIN_BOX_FIT and (best is None or fit > best.fit):
            best = Identified(t, reg, page, fit)
    return best
