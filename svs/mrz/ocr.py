"""Reading MRZ glyphs: cut each candidate line into character cells at its pitch, classify every cell with the
project's own OCR-B recogniser (a small MLP trained by ``models/train_ocrb.py``, run in numpy).

The lines of one MRZ share a pitch and a left edge, so cells are placed on a common grid: a filler run that
merged into one blob, or a glyph the locator missed, still gets its cell.
"""

from __future__ import annotations

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

    origin: tuple[float, float]  # centre of the first cell of the first line
    direction: tuple[float, float]  # unit vector along the lines
    normal: tuple[float, float]  # unit vector from one line to the next
    pitch: float
    line_offsets: list[float]  # distance of each line from the first, along the normal
    glyph: float  # glyph height
    n: int  # cells per line


def _project(line: Line, origin: np.ndarray, d: np.ndarray, nrm: np.ndarray, scale: float) -> tuple[np.ndarray, float]:
    pts = np.stack([line.xs, line.ys], axis=1) / scale
    return (pts - origin) @ d, float(np.median((pts - origin) @ nrm))


def grid_for(candidate: Candidate, flip: bool = False) -> Grid | None:
    """The common cell grid of a candidate's lines; None when no MRZ length fits."""
    s = candidate.scale
    angle = math.radians(candidate.angle + (180.0 if flip else 0.0))
    d = np.array([math.cos(angle), math.sin(angle)])
    nrm = np.array([-d[1], d[0]])
    lines = candidate.lines
    origin = np.array([lines[0].xs.mean(), lines[0].ys.mean()]) / s
    projections = [_project(ln, origin, d, nrm, s) for ln in lines]
    pitch = float(np.median([ln.pitch for ln in lines])) / s
    starts = [float(t.min()) for t, _ in projections]
    ends = [float(t.max()) for t, _ in projections]
    # refine the pitch on the line with the most glyphs: centres sit on integer multiples of it
    t = np.sort(max(projections, key=lambda p: len(p[0]))[0])
    k = np.round((t - t[0]) / pitch)
    if len(np.unique(k)) > 2:
        pitch = float(np.polyfit(k, t, 1)[0])
    start, end = min(starts), max(ends)
    n_obs = round((end - start) / pitch) + 1
    n = min(LENGTHS, key=lambda length: abs(length - n_obs))
    if abs(n - n_obs) > 3:
        return None
    offsets = sorted(off for _, off in projections)
    order = np.argsort([off for _, off in projections])
    first = origin + d * start + nrm * projections[int(order[0])][1]
    glyph = float(np.median([ln.height for ln in lines])) / s
    return Grid((float(first[0]), float(first[1])), (float(d[0]), float(d[1])), (float(nrm[0]), float(nrm[1])),
                pitch, [o - offsets[0] for o in offsets], glyph, n)


def line_strip(grey: np.ndarray, grid: Grid, row: int) -> np.ndarray:
    """The row's line, warped so that the text is level and glyphs are GLYPH_PX tall; cell k is centred on
    x = (k + 1) * cell width."""
    k = GLYPH_PX / grid.glyph
    cw = grid.pitch * k
    d, nrm = np.array(grid.direction), np.array(grid.normal)
    p0 = np.array(grid.origin) + nrm * grid.line_offsets[row]
    width, height = round(cw * (grid.n + 1)), round(GLYPH_PX * 1.6)
    src = np.array([p0, p0 + d * grid.pitch * grid.n, p0 + nrm * grid.glyph], dtype=np.float32)
    dst = np.array([[cw, height / 2], [cw * (grid.n + 1), height / 2], [cw, height / 2 + GLYPH_PX]],
                   dtype=np.float32)
    m = cv2.getAffineTransform(src, dst)
    interp = cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR
    return cv2.warpAffine(grey, m, (width, height), flags=interp, borderMode=cv2.BORDER_REPLICATE)


def cells(strip: np.ndarray, n: int) -> np.ndarray:
    """(n, CELL_H, CELL_W) cells, each centred on its glyph slot, contrast-normalised, ink high."""
    _h, w = strip.shape
    cw = w / (n + 1)
    out = np.empty((n, CELL_H, CELL_W), np.float32)
    for i in range(n):
        c = cw * (i + 1)
        x0, x1 = round(c - cw / 2), round(c + cw / 2)
        cell = strip[:, max(0, x0) : min(w, x1)]
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
