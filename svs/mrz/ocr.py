"""Reading MRZ glyphs: cut each candidate line into character cells at its pitch, classify every cell with the
project's own OCR-B recogniser (a small MLP trained by ``models/train_ocrb.py``, run in numpy).

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

from svs.mrz.locate import Candidate, Line

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<"
CELL_W, CELL_H = 16, 24
GLYPH_PX = 18.0  # glyph height in the normalised line crop
LENGTHS = (30, 36, 44)
MODEL_FILE = "ocrb-mlp.npz"


def models_dir() -> Path:
    env = os.environ.get("SVS_MODELS_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "models"


@dataclass(frozen=True)
class Grid:
    """Cell centres along each line, in original image pixels, and the common pitch."""

    direction: tuple[float, float]  # unit vector along the lines, common to the MRZ
    pitch: float
    glyph: float  # glyph height
    n: int  # cells per line
    cell_t: list[list[float]]  # per line, each cell's centre along the line from the line's first cell
    rows: list[tuple[tuple[float, float], tuple[float, float]]]  # per line: its first cell's centre, its direction


def _walk(t: np.ndarray, pitch: float) -> np.ndarray:
    """Slot numbers of sorted glyph centres, walking along the line with a pitch that may drift (perspective
    and print make it wander); a gap of about two pitches is a glyph the locator missed."""
    ks = [0]
    local = pitch
    for prev, cur in itertools.pairwise(t):
        step = float(cur - prev)
        m = max(1, round(step / local))
        ks.append(ks[-1] + m)
        if m == 1:
            local = 0.7 * local + 0.3 * step
    return np.asarray(ks)


def _snap(t: np.ndarray, pitch: float, n: int, follow_curve: bool = True) -> list[float]:
    """Cell centres along one line (from the grid's start).

    A smooth curve through the glyphs' slots gives where each slot should be, following a pitch that changes
    along the line (a photo taken at an angle); each slot then moves onto the glyph found within a third of a
    pitch of it, and slots without one move with their neighbours.
    """
    curve = np.arange(n, dtype=float) * pitch
    if follow_curve and t.size >= 4:
        ks = _walk(t, pitch) + round(float(t[0]) / pitch)
        keep = (ks >= 0) & (ks < n)
        if int(keep.sum()) >= 4:
            degree = 2 if int(keep.sum()) >= 12 else 1
            fit = np.polyfit(ks[keep].astype(float), t[keep], degree)
            curve = np.polyval(fit, np.arange(n, dtype=float))
    found_k, found_r = [], []
    for k, e in enumerate(curve):
        if t.size:
            j = int(np.argmin(np.abs(t - e)))
            if abs(t[j] - e) < 0.35 * pitch:
                found_k.append(k)
                found_r.append(float(t[j] - e))
    if not found_k:
        return [float(x) for x in curve]
    return [float(x) for x in curve + np.interp(np.arange(n), found_k, found_r)]


def _project(line: Line, origin: np.ndarray, d: np.ndarray, nrm: np.ndarray, scale: float) -> tuple[np.ndarray, float]:
    pts = np.stack([line.xs, line.ys], axis=1) / scale
    return (pts - origin) @ d, float(np.median((pts - origin) @ nrm))


def grid_for(candidate: Candidate, flip: bool = False, follow_curve: bool = True) -> Grid | None:
    """The common cell grid of a candidate's lines; None when no MRZ length fits. *follow_curve* lets the slots
    follow a pitch that changes along the line (perspective); training renders are flat and leave it off."""
    s = candidate.scale
    angle = math.radians(candidate.angle + (180.0 if flip else 0.0))
    d = np.array([math.cos(angle), math.sin(angle)])
    nrm = np.array([-d[1], d[0]])
    lines = candidate.lines
    origin = np.array([lines[0].xs.mean(), lines[0].ys.mean()]) / s
    projections = [_project(ln, origin, d, nrm, s) for ln in lines]
    pitch = float(np.median([ln.pitch for ln in lines])) / s
    # the line with the most glyphs sets the grid's extent: a stray blob beside a shorter line, or the merged
    # fillers at its end, must not shift every cell
    longest = max(range(len(lines)), key=lambda i: len(projections[i][0]))
    t = np.sort(projections[longest][0])
    k = np.round((t - t[0]) / pitch)
    if len(np.unique(k)) > 2:  # refine the pitch: centres sit on integer multiples of it
        pitch = float(np.polyfit(k, t, 1)[0])
    start = float(t[0])
    n_obs = round((float(t[-1]) - start) / pitch) + 1
    n = min(LENGTHS, key=lambda length: abs(length - n_obs))
    if abs(n - n_obs) > 3:
        return None
    order = [int(i) for i in np.argsort([off for _, off in projections])]
    offsets = [projections[i][1] for i in order]
    glyph = max(ln.height for ln in lines) / s  # a line of fillers measures short: the digits' line does not
    cell_t = [_snap(np.sort(projections[i][0]) - start, pitch, n, follow_curve) for i in order]
    rows = []
    for i, off in zip(order, offsets, strict=True):
        # each line keeps its own direction: in a photo taken at an angle the lines of one MRZ converge
        pts = np.stack([lines[i].xs, lines[i].ys], axis=1) / s
        centre = pts.mean(axis=0)
        di = np.array([math.cos(math.radians(lines[i].angle)), math.sin(math.radians(lines[i].angle))])
        di = di if float(di @ d) >= 0 else -di
        anchor = origin + d * start + nrm * off
        p0 = centre + di * float((anchor - centre) @ di)
        rows.append(((float(p0[0]), float(p0[1])), (float(di[0]), float(di[1]))))
    return Grid((float(d[0]), float(d[1])), pitch, glyph, n, cell_t, rows)


def line_strip(grey: np.ndarray, grid: Grid, row: int) -> np.ndarray:
    """The row's line, warped so that the text is level and glyphs are GLYPH_PX tall; cell k is centred on
    x = (k + 1) * cell width."""
    k = GLYPH_PX / grid.glyph
    cw = grid.pitch * k
    p0, d = np.array(grid.rows[row][0]), np.array(grid.rows[row][1])
    nrm = np.array([-d[1], d[0]])
    reach = max(max(row_t) for row_t in grid.cell_t) / grid.pitch  # the last cell, in pitches from the first
    width, height = round(cw * (max(grid.n - 1, reach) + 2)), round(GLYPH_PX * 1.6)
    src = np.array([p0, p0 + d * grid.pitch * grid.n, p0 + nrm * grid.glyph], dtype=np.float32)
    dst = np.array([[cw, height / 2], [cw * (grid.n + 1), height / 2], [cw, height / 2 + GLYPH_PX]],
                   dtype=np.float32)
    m = cv2.getAffineTransform(src, dst)
    interp = cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR
    return cv2.warpAffine(grey, m, (width, height), flags=interp, borderMode=cv2.BORDER_REPLICATE)


def cells(strip: np.ndarray, grid: Grid, row: int) -> np.ndarray:
    """(n, CELL_H, CELL_W) cells of one line's strip, each centred on its glyph."""
    w = strip.shape[1]
    cw = GLYPH_PX / grid.glyph * grid.pitch
    scale = cw / grid.pitch
    out = np.empty((grid.n, CELL_H, CELL_W), np.float32)
    for i, t in enumerate(grid.cell_t[row]):
        c = cw + t * scale
        x0, x1 = round(c - cw / 2), round(c + cw / 2)
        cell = strip[:, max(0, x0) : min(w, x1)]
        if cell.shape[1] < 2:  # a slot beyond the image's edge: blank paper
            out[i] = 255.0
            continue
        out[i] = cv2.resize(cell, (CELL_W, CELL_H), interpolation=cv2.INTER_AREA)
    return out


def features(cell_stack: np.ndarray) -> np.ndarray:
    """Ink as 0..1 per cell, stretched between the cell's own paper and ink levels."""
    x = 255.0 - cell_stack.reshape(len(cell_stack), -1)
    lo = np.percentile(x, 10, axis=1, keepdims=True)
    hi = np.maximum(x.max(axis=1, keepdims=True), lo + 40.0)
    return np.clip((x - lo) / (hi - lo), 0.0, 1.0).astype(np.float32)


class Recogniser:
    """A two-layer perceptron over cell features; weights from ``models/ocrb-mlp.npz``."""

    def __init__(self, path: Path) -> None:
        with np.load(path) as z:
            self.w1, self.b1, self.w2, self.b2 = (z[k].astype(np.float32) for k in ("w1", "b1", "w2", "b2"))
            self.version = str(z["version"]) if "version" in z.files else path.name

    def proba(self, feats: np.ndarray) -> np.ndarray:
        hidden = np.maximum(feats @ self.w1 + self.b1, 0.0)
        logits = hidden @ self.w2 + self.b2
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(axis=1, keepdims=True)


@lru_cache(maxsize=1)
def recogniser() -> Recogniser:
    return Recogniser(models_dir() / MODEL_FILE)
