#!/usr/bin/env python3
"""Page-quality measures across controlled defects of generated forms (300 dpi; blur also at 240 and 200): where
the thresholds come from.

    .venv/bin/python bench/quality_sweep.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import generate as g

from svs.quality import QualityInput, measure

SHOWN = ("sharpness", "axis_sharpness", "edge_width_mm", "skew_deg", "contrast", "brightness", "darkest_1pct",
         "edge_ink", "ink_coverage")


def row(img: np.ndarray, name: str, dpi: int = 300) -> None:
    data = g.jpeg(img, 85, dpi)
    grey = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_REDUCED_GRAYSCALE_2)
    q = measure(QualityInput(grey, 0.5, dpi), img.shape[1], img.shape[0])
    print(f"{name:16s} {','.join(q.reasons) or 'ok':28s} " + " ".join(f"{k}={q.measures[k]}" for k in SHOWN))


def main() -> None:
    rng = np.random.default_rng(1)
    for nm, page in (("form-p1", g.form_page("PA-1", 1, rng)), ("form-p2", g.form_page(None, 2, rng))):
        row(page, nm)
        for s in (0.8, 1.2, 1.6, 2.0, 2.5, 3.0):
            row(g.blur(page, s), f"{nm} blur{s}")
        for length in (5, 7, 9, 11, 15, 21):  # motion along the paper's travel (y) and across it (x)
            kernel = np.zeros((length, length), np.float32)
            kernel[length // 2, :] = 1.0 / length
            row(cv2.filter2D(page, -1, kernel), f"{nm} motion-x{length}")
            row(cv2.filter2D(page, -1, kernel.T), f"{nm} motion-y{length}")
        for d in (-6, -3, -1.5, 1, 2.5, 10):
            row(g.rotate(page, d), f"{nm} rot{d}")
        row(g.darken(page), f"{nm} dark")
        row(g.overexpose(page), f"{nm} overexposed")
        row(g.low_contrast(page), f"{nm} low-contrast")
        row(g.crop_off(page), f"{nm} cropped")
        row(g.blank(rng), "blank")
        half = cv2.resize(page, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
        row(half, f"{nm} 150dpi", 150)
        for dpi in (240, 200):  # the same form scanned coarser, sharp and with the same blur on paper
            coarser = cv2.resize(page, None, fx=dpi / 300, fy=dpi / 300, interpolation=cv2.INTER_AREA)
            row(coarser, f"{nm} {dpi}dpi", dpi)
            for s in (2.0, 2.5):
                row(g.blur(coarser, s * dpi / 300), f"{nm} {dpi}dpi blur{s}", dpi)


if __name__ == "__main__":
    main()
