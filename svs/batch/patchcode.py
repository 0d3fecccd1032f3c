"""Kodak patch codes: four parallel bars, each narrow (2.03 mm) or wide (5.08 mm), 2.03 mm apart, at least
50 mm long (Kodak A-61599, "Patch Code Information"). Scanners use them to mark document boundaries; patch T
(transfer) is the separator sheet of many scanning rooms.

Read from the leading edge as a scanner does: bars across the page (parallel to the leading edge) from the top,
bars along the page (end-fed) from the right. Patterns, from the leading edge: 1 WWNN, 2 WNNW, 3 WNWN, 4 NWWN,
6 NNWW, T NWNW. A sheet fed upside down reads T as 3, as it would on the scanner.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import cv2
import numpy as np

NARROW_MM, WIDE_MM, MIN_LENGTH_MM = 2.03, 5.08, 50.0
PATTERNS = {"WWNN": "1", "WNNW": "2", "WNWN": "3", "NWWN": "4", "NNWW": "6", "NWNW": "T"}


@dataclass(frozen=True)
class Patch:
    code: str | None  # "1", "2", "3", "4", "6", "T"; None for four bars in no known pattern
    box: tuple[int, int, int, int]  # x, y, w, h in the image searched


@dataclass(frozen=True)
class _Bar:
    cx: float
    cy: float
    length: float  # pixels
    thick: float
    angle: float  # of the long axis, degrees in [-90, 90): about 0 for bars across the page


def _bars(grey: np.ndarray, px_per_mm: float) -> list[_Bar]:
    """Filled dark rectangles shaped like patch bars, at any small angle: 1.2 to 7 mm thick, at least 40 mm long."""
    _, ink = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    contours, _ = cv2.findContours(ink, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    out = []
    for c in contours:
        if len(c) < 4:
            continue
        (cx, cy), (w, h), angle = cv2.minAreaRect(c)
        thick, long = min(w, h), max(w, h)
        if not (1.2 <= thick / px_per_mm <= 7.0 and long / px_per_mm >= 0.8 * MIN_LENGTH_MM):
            continue
        if cv2.contourArea(c) < 0.85 * max(w - 1, 1) * max(h - 1, 1):  # a contour runs through pixel centres
            continue
        if h > w:
            angle -= 90
        angle = (angle + 90) % 180 - 90
        out.append(_Bar(cx, cy, long, thick, angle))
    return out


def find_patches(grey: np.ndarray, px_per_mm: float) -> list[Patch]:
    """Patch codes on a greyscale page whose scale is *px_per_mm*, upright or turned a quarter, skewed a few
    degrees."""
    bars = _bars(grey, px_per_mm)
    found: list[Patch] = []
    for across in (True, False):  # bars across the page, then along it
        group = [b for b in bars if (abs(b.angle) < 45) == across]
        # order from the leading edge: top first for bars across, right first for bars along
        group.sort(key=lambda b: b.cy if across else -b.cx)
        used: set[int] = set()
        for i in range(len(group) - 3):
            if i in used:
                continue
            run = group[i:i + 4]
            if not _adjacent(run, across, px_per_mm):
                continue
            pattern = "".join("W" if b.thick / px_per_mm > (NARROW_MM + WIDE_MM) / 2 else "N" for b in run)
            xs = [b.cx for b in run]
            ys = [b.cy for b in run]
            half = max(b.length for b in run) / 2
            x0, x1 = (min(xs) - half, max(xs) + half) if across else (min(xs), max(xs))
            y0, y1 = (min(ys), max(ys)) if across else (min(ys) - half, max(ys) + half)
            found.append(Patch(PATTERNS.get(pattern), (int(x0), int(y0), int(x1 - x0), int(y1 - y0))))
            used.update(range(i, i + 4))
    return found


def _adjacent(run: list[_Bar], across: bool, px_per_mm: float) -> bool:
    """Four parallel bars side by side: spaces of about 2 mm between them, each beside the one before."""
    for a, b in pairwise(run):
        if abs(a.angle - b.angle) > 3:
            return False
        normal = np.deg2rad(a.angle + 90)
        nx, ny = np.cos(normal), np.sin(normal)
        gap = abs((b.cx - a.cx) * nx + (b.cy - a.cy) * ny) - (a.thick + b.thick) / 2
        slide = abs((b.cx - a.cx) * ny - (b.cy - a.cy) * nx)  # along the bars
        if not (0.8 <= gap / px_per_mm <= 3.5) or slide > 0.2 * min(a.length, b.length):
            return False
    return True
