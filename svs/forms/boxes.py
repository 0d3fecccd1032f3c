"""Character boxes on a registered form page: each box cut out upright with a little paper around it, its printed
border taken away (strokes that cross the border are kept), its ink measured, and the recogniser's cell made.

The same functions make the training cells (``models/train_icr.py``) and the cells read on a page, so the
recogniser learns exactly what it is shown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from svs.forms.register import Registration, warp

#: Boxes are cut out at 8 px a millimetre (about 200 dpi): a 6 x 8 mm box is 48 x 64 px, a 0.3 mm pen stroke 2-3 px.
PX_PER_MM = 8.0
#: Paper cut out around the box: the strokes that reach over its border, and the box where registration is a
#: little off.
MARGIN_MM = 0.6
#: The printed border is looked for in the margin and this far inside the box's edge.
BORDER_BAND_MM = 0.4
#: A row (column) inked along at least this share of the box's width (height) there is a printed line; the rows
#: beside it inked along LINE_EDGE are its blurred edges.
LINE_SHARE = 0.85
LINE_EDGE = 0.5
#: Writing that reaches this many pixels beyond a printed line's side lies on or crosses the line there; the line
#: is kept that far either way along it.
OVERLAP_PX = 2
KEEP_ALONG_PX = 8
#: The recogniser's cell, height x width in pixels (multiples of 4 for the network).
CELL_H, CELL_W = 32, 24
#: Writing at least this share of the box's height is a character, scaled to GLYPH_H x at most GLYPH_W px; below
#: it, a mark (a comma, an apostrophe, a full stop, a hyphen: at most about 0.3 of a box).
CHAR_HEIGHT = 0.38
GLYPH_H, GLYPH_W = 26, 20
#: Ink is paper darkened by at least this many grey levels; a faint mark by at least FAINT_DIP.
INK_DIP = 80
FAINT_DIP = 30
#: Writing of a box reaches this far into it from its left or right side (half as far from its top or bottom).
INTRUDE_MM = 1.0
#: Under this share of faintly darker pixels inside, a box holds nothing (sensor noise, a speck of dust).
EMPTY_SPECKS = 0.002


@dataclass(frozen=True)
class Box:
    """One box cut out and cleaned: *ink* is how much darker than the paper each pixel is (0..255), border gone."""

    ink: np.ndarray
    inner: tuple[int, int, int, int]  # the box's inside in *ink*: x0, y0, x1, y1 (pixels)

    def share(self, dip: int = INK_DIP) -> float:
        """Share of the box's inside at least *dip* darker than the paper."""
        x0, y0, x1, y1 = self.inner
        return float((self.ink[y0:y1, x0:x1] >= dip).mean())

    def own_share(self) -> float:
        """Share of the box's inside inked by its own writing: strokes that reach INTRUDE_MM into the box from
        its sides (ink of the neighbour's character that only crosses into it, with the bit of border kept where
        it crosses, is not this box's)."""
        x0, y0, x1, y1 = self.inner
        inked = self.ink >= INK_DIP
        if not inked[y0:y1, x0:x1].any():
            return 0.0
        dx, dy = round(INTRUDE_MM * PX_PER_MM), round(INTRUDE_MM / 2 * PX_PER_MM)
        central = int(np.count_nonzero(inked[y0 + dy : y1 - dy, x0 + dx : x1 - dx]))
        if central == int(np.count_nonzero(inked)):  # all ink well inside: every stroke is the box's own
            return central / ((y1 - y0) * (x1 - x0))
        _, labels, stats, _ = cv2.connectedComponentsWithStats(inked.astype(np.uint8), connectivity=8)
        left, top, right, bottom = stats[:, 0], stats[:, 1], stats[:, 0] + stats[:, 2], stats[:, 1] + stats[:, 3]
        own = (right > x0 + dx) & (left < x1 - dx) & (bottom > y0 + dy) & (top < y1 - dy)
        own[0] = False  # the background
        if not own.any():
            return 0.0
        return float(own[labels[y0:y1, x0:x1]].mean())

    def cell(self) -> np.ndarray:
        """The recogniser's input, CELL_H x CELL_W, ink 0..1 scaled to its darkest stroke (ink of any colour and
        pressure looks alike), flattened.

        A character (ink of the box at least CHAR_HEIGHT of the box's height) is cut to its extent and scaled
        to GLYPH_H pixels tall (GLYPH_W at most wide), centred: writers' sizes and places in the box no longer
        matter. A smaller mark (a hyphen, an apostrophe, a comma, a full stop) keeps its size and place: the
        whole box and margin are scaled to the cell.
        """
        y0, y1 = self.inner[1], self.inner[3]
        extent = self.extent()
        if extent is not None and extent[3] - extent[1] >= CHAR_HEIGHT * (y1 - y0):
            left, top, right, bottom = extent
            glyph = self.ink[top:bottom, left:right]
            k = min(GLYPH_H / glyph.shape[0], GLYPH_W / glyph.shape[1])
            gw, gh = max(1, round(glyph.shape[1] * k)), max(1, round(glyph.shape[0] * k))
            small = np.zeros((CELL_H, CELL_W), np.float32)
            gx, gy = (CELL_W - gw) // 2, (CELL_H - gh) // 2
            small[gy : gy + gh, gx : gx + gw] = cv2.resize(glyph, (gw, gh), interpolation=cv2.INTER_AREA)
        else:
            small = cv2.resize(self.ink, (CELL_W, CELL_H), interpolation=cv2.INTER_AREA).astype(np.float32)
        return np.clip(small / max(60.0, float(small.max())), 0.0, 1.0).reshape(-1)


    def extent(self) -> tuple[int, int, int, int] | None:
        """Where the box's writing lies (x0, y0, x1, y1 in *ink*): every stroke that reaches inside the box, with
        what of it lies over the border; None where nothing does. Specks of a pixel or two do not count."""
        x0, y0, x1, y1 = self.inner
        binary = (self.ink >= INK_DIP // 2).astype(np.uint8)
        if not binary[y0:y1, x0:x1].any():
            return None
        n, _, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
        left, top, w, h, area = (stats[1:n, i] for i in range(5))
        inside = (area >= 3) & (left + w > x0 + 1) & (left < x1 - 1) & (top + h > y0 + 1) & (top < y1 - 1)
        if not inside.any():
            return None
        return (int(left[inside].min()), int(top[inside].min()), int((left + w)[inside].max()),
                int((top + h)[inside].max()))


def region_mm(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """The template rectangle cut out for a box (x, y, w, h in mm): the box and MARGIN_MM around it."""
    x, y, w, h = box
    return (x - MARGIN_MM, y - MARGIN_MM, w + 2 * MARGIN_MM, h + 2 * MARGIN_MM)


def _blocks(share: np.ndarray, first_end: int, last_start: int) -> list[tuple[int, int]]:
    """Runs [a, b) of rows (columns) that hold a printed line where a border may lie (a run that reaches rows
    up to *first_end* or from *last_start* on): the rows inked along at least LINE_SHARE of the box's side, and
    one row either side (its blurred edge). Runs of rows inked along LINE_EDGE are looked at whole, so that two
    borders side by side (a box's and its neighbour's) are found however little of them lies near."""
    n = len(share)
    edge = np.zeros(n + 2, bool)
    np.greater_equal(share, LINE_EDGE, out=edge[1:-1])
    if not edge.any():
        return []
    change = np.flatnonzero(edge[1:] != edge[:-1])  # each run's first row, then the row after its last
    core = np.flatnonzero(share >= LINE_SHARE)
    out = []
    for i, j in zip(change[0::2].tolist(), change[1::2].tolist(), strict=True):
        if i > first_end and j <= last_start:
            continue
        inner = core[(core >= i) & (core < j)]
        if inner.size:
            out.append((max(0, int(inner[0]) - 1), min(n, int(inner[-1]) + 2)))
    return out


def _meets(written: np.ndarray, start: int, step: int) -> np.ndarray:
    """For each row of *written*, whether it holds OVERLAP_PX pixels in a row from column *start* on, stepping
    by *step*: writing that meets a line from that side."""
    end = start + step * (OVERLAP_PX - 1)
    if not (0 <= start < written.shape[1] and 0 <= end < written.shape[1]):
        return np.zeros(written.shape[0], bool)
    lo, hi = min(start, end), max(start, end)
    meets: np.ndarray = np.asarray(written[:, lo : hi + 1].all(axis=1))
    return meets


def _kept(meets: np.ndarray) -> np.ndarray:
    """Where a line stays: KEEP_ALONG_PX either way along it from each place writing meets it."""
    if not meets.any():
        return meets
    c = np.concatenate(([0], np.cumsum(meets, dtype=np.int32)))
    n = len(meets)
    idx = np.arange(n)
    return c[np.minimum(idx + KEEP_ALONG_PX + 1, n)] > c[np.maximum(idx - KEEP_ALONG_PX, 0)]


def _remove_lines(ink: np.ndarray, x0: int, y0: int, x1: int, y1: int, band: int) -> np.ndarray:
    """*ink* without its printed lines. The box's own border is taken away only where nothing written in the box
    meets it: where ink other than lines reaches at least OVERLAP_PX into the box from it, a stroke meets or
    crosses the line, and the line stays there and KEEP_ALONG_PX either way along it (a T's bar written on the
    border, the side of an O that runs along it, are not cut away with it). Ink meeting it from outside (the
    neighbour's writing) keeps nothing; the neighbours' borders in the margin go whole."""
    dark = ink >= FAINT_DIP + 10
    rows = _blocks(np.count_nonzero(dark[:, x0:x1], axis=1) / max(1, x1 - x0), y0 + band, max(0, y1 - band))
    cols = _blocks(np.count_nonzero(dark[y0:y1, :], axis=0) / max(1, y1 - y0), x0 + band, max(0, x1 - band))
    if not rows and not cols:
        return ink
    written = ink >= INK_DIP  # a stroke's ink; the lines' blurred edges are lighter
    for a, b in rows:
        written[a:b, :] = False
    for a, b in cols:
        written[:, a:b] = False
    out = ink.copy()
    for a, b in cols:
        if a <= x0 + band and b >= x0 - band:  # the box's left border: writing meets it from the right
            out[~_kept(_meets(written, b, 1)), a:b] = 0
        elif a <= x1 + band and b >= x1 - band:  # its right border: writing meets it from the left
            out[~_kept(_meets(written, a - 1, -1)), a:b] = 0
        else:  # a neighbour's border in the margin
            out[:, a:b] = 0
    if rows:
        written_t = written.T
        for a, b in rows:
            if a <= y0 + band and b >= y0 - band:
                out[a:b, ~_kept(_meets(written_t, b, 1))] = 0
            elif a <= y1 + band and b >= y1 - band:
                out[a:b, ~_kept(_meets(written_t, a - 1, -1))] = 0
            else:
                out[a:b, :] = 0
    return out


def cut_row(grey: np.ndarray, reg: Registration, x: float, y: float, boxes: int, pitch: float, box_w: float,
            box_h: float) -> list[np.ndarray]:
    """Each of a row of *boxes* boxes (the first at *x*, *y*, template mm): the box and MARGIN_MM around it,
    upright at PX_PER_MM, greyscale, from one warp of the whole row."""
    rx, ry, rw, rh = region_mm((x, y, pitch * (boxes - 1) + box_w, box_h))
    strip = warp(grey, reg, (rx, ry, rw, rh), PX_PER_MM)
    width = round((box_w + 2 * MARGIN_MM) * PX_PER_MM)
    return [strip[:, round(i * pitch * PX_PER_MM):][:, :width] for i in range(boxes)]


def paper_level(region: np.ndarray) -> int:
    """The paper's grey: the 90th percentile of the region's pixels (a histogram's, quicker than a sort)."""
    counts = np.bincount(region.ravel(), minlength=256).cumsum()
    return int(np.searchsorted(counts, 0.9 * (counts[-1] - 1)))


#: Pixels of a box's edge left out by :func:`blank`: the margin, the border band and a little more.
BLANK_INSET = round((MARGIN_MM + BORDER_BAND_MM + 0.1) * PX_PER_MM)


def blank(region: np.ndarray, paper: int | None = None) -> bool:
    """Nothing at all is written in the box: no pixel of its inside, away from the border, as much as faintly
    darker than the paper (an empty box need not be cleaned). *paper*: the region's :func:`paper_level`, where
    the caller has it."""
    inside = region[BLANK_INSET:-BLANK_INSET, BLANK_INSET:-BLANK_INSET]
    if inside.size == 0:
        return False
    if paper is None:
        paper = paper_level(region)
    return int(np.count_nonzero(inside < paper - FAINT_DIP)) < EMPTY_SPECKS * inside.size


def paper_and_blank(regions: list[np.ndarray]) -> list[tuple[int, bool]]:
    """:func:`paper_level` and :func:`blank` of each of a row's regions, as those functions give them one by
    one, in a few array operations for the whole row (a page has a few hundred boxes, most of them empty)."""
    if not regions or any(r.shape != regions[0].shape for r in regions):
        return [(paper_level(r), blank(r)) for r in regions]
    stack = np.stack(regions)
    flat = stack.reshape(len(regions), -1)
    # the 90th percentile as paper_level takes it: the first grey at or under which 0.9 (n - 1) pixels lie
    kth = max(0, math.ceil(0.9 * (flat.shape[1] - 1)) - 1)
    papers = np.partition(flat, kth, axis=1)[:, kth].astype(np.int16)
    inside = stack[:, BLANK_INSET:-BLANK_INSET, BLANK_INSET:-BLANK_INSET]
    if inside.size == 0:
        return [(int(p), False) for p in papers]
    marked = np.count_nonzero(inside < (papers - FAINT_DIP)[:, None, None], axis=(1, 2))
    per_box = inside.shape[1] * inside.shape[2]
    return [(int(p), bool(m < EMPTY_SPECKS * per_box)) for p, m in zip(papers, marked, strict=True)]


def clean(region: np.ndarray, box_w_mm: float, box_h_mm: float, paper: int | None = None) -> Box:
    """*region* (a box cut with :func:`cut_row`, or a training image made alike) as ink with the printed border gone.

    The paper level is the region's bright end. The border is the rows and columns of ink that run along most of
    the box's side in the margin or just inside the box's edge (a printed line is straight and spans the side; a
    written stroke seldom does, and only there); they are taken away except where writing crosses or lies on
    them (:func:`_remove_lines`). *paper*: the region's :func:`paper_level`, where the caller has it.
    """
    if paper is None:
        paper = paper_level(region)
    ink = cv2.subtract(np.full(region.shape, paper, np.uint8), region)  # paper - region, negative at 0
    h, w = ink.shape
    m = MARGIN_MM * PX_PER_MM
    x0, y0 = round(m), round(m)
    x1, y1 = min(w, round(m + box_w_mm * PX_PER_MM)), min(h, round(m + box_h_mm * PX_PER_MM))
    band = max(2, round(BORDER_BAND_MM * PX_PER_MM))
    ink = _remove_lines(ink, x0, y0, x1, y1, band)
    return Box(ink, (x0, y0, x1, y1))
