"""The operator's picture of a page-quality problem: the page as scanned, with what is wrong marked on it.

A crooked page gets a line along its measured text direction beside a level one; a cut-off page a red bar on
each edge where content runs off; every failing check is named in words beneath.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from svs.overlay import GREEN, RED, CaptionStyle, caption, scaled
from svs.reasons import words
from svs.schema import QualityResult

#: Each failing check in words, wrapped to the strip's width; as legible as the photo overlay's.
STYLE = CaptionStyle(line_px=22, baseline=18, pad=10, scale=0.5, px_per_char=9, wrap=True, min_chars=20)


def draw_quality(grey_half: np.ndarray, q: QualityResult, max_edge_ink: float) -> np.ndarray:
    """An overlay (BGR, :data:`svs.overlay.WIDTH` pixels wide) for a page with page-quality reasons."""
    small, _ = scaled(grey_half)
    img = cv2.cvtColor(small, cv2.COLOR_GRAY2BGR)
    h, w = img.shape[:2]
    m = q.measures
    skew = m.get("skew_deg")
    if "page.skewed" in q.reasons and skew is not None:
        cx, cy, half = w / 2, h / 2, w * 0.4
        dx, dy = half * math.cos(math.radians(skew)), half * math.sin(math.radians(skew))
        cv2.line(img, (round(cx - half), round(cy)), (round(cx + half), round(cy)), GREEN, 2, cv2.LINE_AA)
        cv2.line(img, (round(cx - dx), round(cy - dy)), (round(cx + dx), round(cy + dy)), RED, 3, cv2.LINE_AA)
    if "page.cropped" in q.reasons:
        bar = max(4, w // 60)
        sides = {"top": ((0, 0), (w, bar)), "bottom": ((0, h - bar), (w, h)),
                 "left": ((0, 0), (bar, h)), "right": ((w - bar, 0), (w, h))}
        for side, (p0, p1) in sides.items():
            value = m.get(f"edge_ink_{side}")
            if value is not None and value > max_edge_ink:
                cv2.rectangle(img, p0, p1, RED, -1)
    return caption(img, [(words(r), RED) for r in q.reasons], STYLE)
