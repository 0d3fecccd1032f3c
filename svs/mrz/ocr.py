"""Reading MRZ glyphs: cut each candidate line into character cells at its pitch, classify every cell with the
project's own OCR-B recogniser (a small convolutional network trained by ``models/train_ocrb.py``, run in
numpy).

The lines of one MRZ share a pitch and a left edge, so cells are placed on a common grid: a filler run that
merged into one blob, or a glyph the locator missed, still gets its cell.
"""

from __future__ import annotations

import itertools
import math
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from svs.cnn import CellNet, _conv3x3_relu, _conv3x3_relu_pool_planar
from svs.mrz.locate import Candidate, Line, median

#: The recogniser of MRZ cells (the network of ``models/train_ocrb.py``).
Recogniser = CellNet
__all__ = ["Recogniser", "_conv3x3_relu", "_conv3x3_relu_pool_planar"]

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<"
CELL_W, CELL_H = 16, 24
GLYPH_PX = 18.0  # glyph height in the normalised line crop
LENGTHS = (30, 36, 44)
PAPER_RANK = CELL_W * CELL_H // 10
#: OCR-B's glyph width over its height (ISO 1073-2: about 0.6), for where a glyph's box reaches.
GLYPH_ASPECT = 0.6
#: A glyph reaching past the image's edge by more than this share of its height counts as cut off.
CLIP_TOLERANCE = 0.15
MODEL_FILE = "ocrb-cnn.npz"


def models_dir() -> Path:
    env = os.environ.get("SVS_MODELS_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "models"


#: A line's row: its first cell's centre and its direction, in original image pixels.
Row = tuple[tuple[float, float], tuple[float, float]]


@dataclass(frozen=True)
class Grid:
    """Cell centres along each line, in original image pixels, and the common pitch."""

    direction: tuple[float, float]  # unit vector along the lines, common to the MRZ
    pitch: float
    glyph: float  # glyph height
    n: int  # cells per line
    cell_t: list[list[float]]  # per line, each cell's centre along the line from the line's first cell
    rows: list[Row]  # per line
    missing: int = 0  # cells of the MRZ's length beyond the glyphs found on its longest line
    extra: int = 0  # glyph slots found on the longest line beyond the MRZ's length (a mark beside a line)
    shift: int = 0  # cells the grid starts before the first glyph found (grid_for)
    #: per line, where its glyphs bow away from its straight row (a page that does not lie flat): the
    #: coefficients (a, b, c) of the offset a t^2 + b t + c along the row's normal, in pixels, t from its first
    #: cell; none where the line is straight (BOW_MIN)
    bows: tuple[tuple[float, float, float] | None, ...] = ()


def _walk(t: np.ndarray, pitch: float) -> np.ndarray:
    """Slot numbers of sorted glyph centres, walking along the line with a pitch that may drift (perspective
    and print make it wander); a gap of about two pitches is a glyph the locator missed, a step of under half a
    pitch a second piece of one glyph."""
    ks = [0]
    local = pitch
    for prev, cur in itertools.pairwise(t):
        step = float(cur - prev)
        m = 0 if step < 0.6 * local else max(1, round(step / local))  # 0: a piece of the glyph before
        ks.append(ks[-1] + m)
        if m == 1:
            local = 0.7 * local + 0.3 * step
    return np.asarray(ks)


def _polyfit(x: np.ndarray, y: np.ndarray, degree: int) -> np.ndarray:
    """np.polyfit's coefficients (highest power first), from the normal equations: for a line or a parabola
    through a few dozen glyph centres as exact (to 1e-12 px), in under half its time (it is called a few times
    per grid)."""
    v = np.vander(x, degree + 1)
    return np.linalg.solve(v.T @ v, v.T @ y)


#: A line whose glyphs, as found, span less than this share of the grid's slots (a stamp hid the rest) has its
#: slots where the grid's longest line has them (ICAO 9303 part 3 prints every line's characters in the same
#: positions), and its row beside that line's (:func:`_beside`): a parabola through half a line's glyphs strays
#: by a cell at its far end, and the line a glyph height off its row.
PARTIAL_SHARE = 0.7


def _snap(t: np.ndarray, pitch: float, n: int, follow_curve: bool = True,
          guide: list[float] | None = None) -> list[float]:
    """Cell centres along one line (from the grid's start).

    A smooth curve through the glyphs' slots gives where each slot should be, following a pitch that changes
    along the line (a photo taken at an angle); each slot then moves onto the glyph found within a third of a
    pitch of it, and slots without one move with their neighbours. *guide*: the longest line's cell centres,
    the curve of a line found only in part (PARTIAL_SHARE).
    """
    curve = np.asarray(guide, dtype=float) if guide is not None else np.arange(n, dtype=float) * pitch
    if guide is None and follow_curve and t.size >= 4:
        ks = _walk(t, pitch) + round(float(t[0]) / pitch)
        keep = (ks >= 0) & (ks < n)
        if int(keep.sum()) >= 4:
            degree = 2 if int(keep.sum()) >= 12 else 1
            fit = _polyfit(ks[keep].astype(float), t[keep], degree)
            curve = np.vander(np.arange(n, dtype=float), degree + 1) @ fit
    found_k: list[int] = []
    found_r: list[float] = []
    if t.size:
        # the nearest glyph to each slot, for all slots at once
        right = np.clip(np.searchsorted(t, curve), 1, t.size - 1) if t.size > 1 else np.zeros(n, int)
        left = np.maximum(right - 1, 0)
        nearest = np.where(np.abs(t[left] - curve) <= np.abs(t[right] - curve), left, right)
        resid = (t[nearest] - curve).tolist()
        slots = curve.tolist()
        for k in range(n):
            r = resid[k]
            if abs(r) >= 0.35 * pitch:
                continue
            # neighbouring slots stay at least 0.7 pitch apart: of two that snapped onto the pieces of one broken
            # glyph (or a speck beside it), the one further from its slot goes back to the curve
            if found_k and found_k[-1] == k - 1 and (slots[k] + r) - (slots[k - 1] + found_r[-1]) < 0.7 * pitch:
                if abs(r) >= abs(found_r[-1]):
                    continue
                found_k.pop()
                found_r.pop()
            found_k.append(k)
            found_r.append(r)
    if not found_k:
        return [float(x) for x in curve]
    if guide is not None:  # beyond its glyphs a line found in part keeps the guide's slots, not its ends' offsets
        found_k, found_r = [found_k[0] - 1, *found_k, found_k[-1] + 1], [0.0, *found_r, 0.0]
    return [float(x) for x in curve + np.interp(np.arange(n), found_k, found_r)]


def _project(line: Line, origin: np.ndarray, d: np.ndarray, nrm: np.ndarray, scale: float) -> tuple[np.ndarray, float]:
    pts = np.stack([line.xs, line.ys], axis=1) / scale
    return (pts - origin) @ d, median((pts - origin) @ nrm)


def grids_for(candidate: Candidate, flip: bool = False) -> list[Grid]:
    """The candidate's cell grid; where the lines' first or last glyphs were not found (a pen stroke through
    them, glare), one grid per way the missing cells may be split between the two ends; where the longest line
    spans more slots than the MRZ has (a mark on the card beside its first or last glyph, chained with the
    line), one grid per way of leaving the extra slots out, so that the grid need not start on a glyph that is
    not part of the MRZ (the decoder's check digits then choose: a grid one slot off reads nothing valid)."""
    first = grid_for(candidate, flip)
    if first is None or first.missing == first.extra == 0:
        return [first] if first is not None else []
    shifts = list(range(1, first.missing + 1)) + [-k for k in range(1, first.extra + 1)]
    others = [grid_for(candidate, flip, shift=k) for k in shifts]
    return [first] + [g for g in others if g is not None]


def grid_for(candidate: Candidate, flip: bool = False, follow_curve: bool = True, shift: int = 0,
             length: int | None = None) -> Grid | None:
    """The common cell grid of a candidate's lines; None when no MRZ length fits. *follow_curve* lets the slots
    follow a pitch that changes along the line (perspective); training renders are flat and leave it off.
    *shift* starts the grid that many cells before the first glyph found (after it, where negative); *length*
    sets the number of cells instead of the MRZ length nearest the glyphs found."""
    s = candidate.scale
    angle = math.radians(candidate.angle + (180.0 if flip else 0.0))
    d = np.array([math.cos(angle), math.sin(angle)])
    nrm = np.array([-d[1], d[0]])
    lines = candidate.lines
    origin = np.array([lines[0].xs.mean(), lines[0].ys.mean()]) / s
    projections = [_project(ln, origin, d, nrm, s) for ln in lines]
    pitch = median([ln.pitch for ln in lines]) / s
    # the line with the most glyphs sets the grid's extent: a stray blob beside a shorter line, or the merged
    # fillers at its end, must not shift every cell
    longest = max(range(len(lines)), key=lambda i: len(projections[i][0]))
    t = np.sort(projections[longest][0])
    k = np.round((t - t[0]) / pitch)
    if len(np.unique(k)) > 2:  # refine the pitch: centres sit on integer multiples of it
        pitch = float(_polyfit(k, t, 1)[0])
    n_obs = round((float(t[-1]) - float(t[0])) / pitch) + 1
    n = length or min(LENGTHS, key=lambda m: abs(m - n_obs))
    if length is None and abs(n - n_obs) > 3:
        return None
    start = float(t[0]) - shift * pitch
    order = [int(i) for i in np.argsort([off for _, off in projections])]
    offsets = [projections[i][1] for i in order]
    glyph = max(ln.height for ln in lines) / s  # a line of fillers measures short: the digits' line does not
    guide = _snap(t - start, pitch, n, follow_curve)
    partial = [i != longest and _partial(projections[i][0], pitch, n) for i in range(len(lines))]
    cell_t = [guide if i == longest else _snap(np.sort(projections[i][0]) - start, pitch, n, follow_curve,
                                               guide if partial[i] else None) for i in order]
    rows: list[Row] = []
    for i, off in zip(order, offsets, strict=True):
        # each line keeps its own direction: in a photo taken at an angle the lines of one MRZ converge
        pts = np.stack([lines[i].xs, lines[i].ys], axis=1) / s
        centre = pts.mean(axis=0)
        di = np.array([math.cos(math.radians(lines[i].angle)), math.sin(math.radians(lines[i].angle))])
        di = di if float(di @ d) >= 0 else -di
        anchor = origin + d * start + nrm * off
        p0 = centre + di * float((anchor - centre) @ di)
        rows.append(((float(p0[0]), float(p0[1])), (float(di[0]), float(di[1]))))
    bows = [_bow(lines[i], s, np.asarray(p0), np.asarray(di), glyph, pitch * (n - 1))
            for i, (p0, di) in zip(order, rows, strict=True)]
    at = order.index(longest)
    for r, i in enumerate(order):
        if partial[i]:  # a line found only in part runs beside the longest line, not on along its own part
            rows[r], bows[r] = _beside(lines[i], s, rows[at], bows[at])
    return Grid((float(d[0]), float(d[1])), pitch, glyph, n, cell_t, rows, max(0, n - n_obs), max(0, n_obs - n),
                shift, tuple(bows) if any(b is not None for b in bows) else ())


def _partial(t: np.ndarray, pitch: float, n: int) -> bool:
    """Whether a line's glyphs (*t*: along the line), as found, span less than PARTIAL_SHARE of its n slots."""
    return (float(t.max()) - float(t.min())) / pitch + 1 < PARTIAL_SHARE * n


#: The most a line found in part may turn from the longest line's row (the tangent of the angle): as much as
#: two lines of one MRZ may differ and still be grouped (svs.mrz.locate's 4 degrees).
MAX_TURN = math.tan(math.radians(4.0))


def _beside(line: Line, scale: float, guide: Row, guide_bow: tuple[float, float, float] | None,
            ) -> tuple[Row, tuple[float, float, float] | None]:
    """The row and bow of a line found only in part (a stamp hid its other part), taken from the longest line's
    (*guide*): its glyphs' offset from the guide's row and bow, fitted by a straight line (the lines of a page
    that does not lie flat bow alike; seen at an angle, they converge), moves that row and turns it. A line's own
    direction and bow, fitted through half its glyphs, stray by a glyph height at its far end."""
    p0, d = np.asarray(guide[0]), np.asarray(guide[1])
    nrm = np.array([-d[1], d[0]])
    pts = np.stack([line.xs, line.ys], axis=1) / scale - p0
    t, off = pts @ d, pts @ nrm
    a, b, c = guide_bow if guide_bow is not None else (0.0, 0.0, 0.0)
    turn, shift = (float(v) for v in _polyfit(t, off - ((a * t + b) * t + c), 1))
    turn = min(max(turn, -MAX_TURN), MAX_TURN)
    start = p0 + nrm * shift
    if guide_bow is not None:
        return ((float(start[0]), float(start[1])), guide[1]), (a, b + turn, c)
    di = (d + nrm * turn) / math.hypot(1.0, turn)
    return ((float(start[0]), float(start[1])), (float(di[0]), float(di[1]))), None


#: A line's glyph centres, fitted by a parabola across the row, bow this many glyph heights or more from the
#: straight row before its strip follows them (:func:`line_strip`); less is within what the recogniser was
#: trained on (glyphs up to a tenth of their height off their cell's middle).
BOW_MIN = 0.1
#: Glyphs a line needs before its bow is fitted.
BOW_GLYPHS = 12


def _bow(line: Line, scale: float, p0: np.ndarray, d: np.ndarray, glyph: float,
         length: float) -> tuple[float, float, float] | None:
    """The parabola (a, b, c) of the line's glyph centres' offset from its row (first cell *p0*, direction
    *d*) along the row's normal, in pixels against the distance t from p0; None where it stays within BOW_MIN
    glyph heights of the row over the row's *length*."""
    if len(line.xs) < BOW_GLYPHS:
        return None
    pts = np.stack([line.xs, line.ys], axis=1) / scale - p0
    t, off = pts @ d, pts @ np.array([-d[1], d[0]])
    a, b, c = (float(v) for v in _polyfit(t, off, 2))
    ends = np.array([0.0, length, -b / (2 * a) if a else 0.0])
    ends = ends[(ends >= 0) & (ends <= length)]
    if float(np.abs(a * ends**2 + b * ends + c).max()) < BOW_MIN * glyph:
        return None
    return a, b, c


#: A line strip's height, in glyph heights.
STRIP_GLYPHS = 1.6


def line_strip(grey: np.ndarray, grid: Grid, row: int, tail: float = 0.0, room: float = 0.0) -> np.ndarray:
    """The row's line, warped so that the text is level and glyphs are GLYPH_PX tall; cell k is centred on
    x = (k + 1) * cell width. *tail*: pitches of the image kept beyond the last cell (where the line may go on:
    its pitch grows along a page photographed at an angle); *room*: glyph heights kept above and below."""
    k = GLYPH_PX / grid.glyph
    cw = grid.pitch * k
    p0, d = np.array(grid.rows[row][0]), np.array(grid.rows[row][1])
    nrm = np.array([-d[1], d[0]])
    reach = max(max(row_t) for row_t in grid.cell_t) / grid.pitch  # the last cell, in pitches from the first
    width, height = round(cw * (max(grid.n - 1, reach) + 2 + tail)), round(GLYPH_PX * (STRIP_GLYPHS + 2 * room))
    src = np.array([p0, p0 + d * grid.pitch * grid.n, p0 + nrm * grid.glyph], dtype=np.float32)
    dst = np.array([[cw, height / 2], [cw * (grid.n + 1), height / 2], [cw, height / 2 + GLYPH_PX]],
                   dtype=np.float32)
    bow = grid.bows[row] if grid.bows else None
    interp = cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR
    if bow is None:
        m = cv2.getAffineTransform(src, dst)
        return cv2.warpAffine(grey, m, (width, height), flags=interp, borderMode=cv2.BORDER_REPLICATE)
    # a bowed line: a strip taller by the bow each way, its columns then moved onto the glyphs' parabola
    xs = (np.arange(width, dtype=np.float64) - cw) * grid.pitch / cw  # t of each column, image pixels
    off = (bow[0] * xs + bow[1]) * xs + bow[2]
    extra = math.ceil(float(np.abs(off).max()) * k) + 1
    dst = dst + np.array([0.0, extra], dtype=np.float32)
    m = cv2.getAffineTransform(src, dst)
    tall = cv2.warpAffine(grey, m, (width, height + 2 * extra), flags=interp, borderMode=cv2.BORDER_REPLICATE)
    map_x = np.tile(np.arange(width, dtype=np.float32), (height, 1))
    map_y = (np.arange(height, dtype=np.float32)[:, None] + extra + (off * k).astype(np.float32)[None, :])
    return cv2.remap(tall, map_x, map_y.astype(np.float32), cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def clipped(grid: Grid, row: int, shape: tuple[int, ...]) -> np.ndarray:
    """Per cell of the row, whether its glyph reaches past the image's edge by more than CLIP_TOLERANCE of the
    glyph's height or width: a glyph cut off by a tight crop, whose pixels the strip only replicates."""
    p0, d = np.array(grid.rows[row][0]), np.array(grid.rows[row][1])
    nrm = np.array([-d[1], d[0]])
    t = np.asarray(grid.cell_t[row], dtype=float)
    centres = p0[None, :] + t[:, None] * d[None, :]
    half_w, half_h = 0.5 * GLYPH_ASPECT * grid.glyph, 0.5 * grid.glyph
    # how far the glyph box reaches in x and in y from its centre, whatever the direction of the line
    reach = np.abs(d) * half_w + np.abs(nrm) * half_h
    slack = CLIP_TOLERANCE * grid.glyph
    h, w = shape[:2]
    lo = centres - reach + slack
    hi = centres + reach - slack
    return np.asarray((lo[:, 0] < 0) | (lo[:, 1] < 0) | (hi[:, 0] > w - 1) | (hi[:, 1] > h - 1))


def cells(strip: np.ndarray, grid: Grid, row: int, only: list[int] | None = None, dx: float = 0.0,
          dy: int = 0) -> np.ndarray:
    """(n, CELL_H, CELL_W) cells of one line's strip, each centred on its glyph; *only* some of them, moved by
    *dx* cell widths and *dy* strip pixels, for a second look at an unsure character. The strip is scaled once
    so that a pitch is CELL_W pixels wide; cells are cut from it."""
    if dy:
        strip = np.roll(strip, dy, axis=0)
    cw = GLYPH_PX / grid.glyph * grid.pitch  # a pitch in strip pixels
    k = CELL_W / cw
    scaled = cv2.resize(strip, (max(CELL_W, round(strip.shape[1] * k)), CELL_H), interpolation=cv2.INTER_AREA)
    pad = CELL_W
    scaled = cv2.copyMakeBorder(scaled, 0, 0, pad, pad, cv2.BORDER_CONSTANT, value=255)  # beyond the edge: paper
    picked = range(grid.n) if only is None else only
    out = np.empty((len(picked), CELL_H, CELL_W), np.float32)
    for j, i in enumerate(picked):
        x0 = pad + round((cw + grid.cell_t[row][i] * cw / grid.pitch + (dx - 0.5) * cw) * k)
        x0 = min(max(x0, 0), scaled.shape[1] - CELL_W)
        out[j] = scaled[:, x0 : x0 + CELL_W]
    return out


def features(cell_stack: np.ndarray) -> np.ndarray:
    """Ink as 0..1 per cell, stretched between the cell's own paper and ink levels."""
    x = 255.0 - cell_stack.reshape(len(cell_stack), -1)
    lo = np.partition(x, PAPER_RANK, axis=1)[:, PAPER_RANK : PAPER_RANK + 1]  # the 10th percentile: paper
    hi = np.maximum(x.max(axis=1, keepdims=True), lo + 40.0)
    return np.clip((x - lo) / (hi - lo), 0.0, 1.0).astype(np.float32)


@lru_cache(maxsize=1)
def recogniser() -> CellNet:
    return CellNet(models_dir() / MODEL_FILE, (CELL_H, CELL_W))
