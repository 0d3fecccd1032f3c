"""Passport-photo compliance against ICAO 9303 and the UK photo rules.

``geometry`` (pose, crown, chin) and ``appearance`` (background, light, sharpness, colour) measure; ``rules``
judges the measures against a profile from ``svs.thresholds``; ``sheet`` finds printed photos on a scanned page;
``overlay`` draws what was measured for the operator.
"""

from __future__ import annotations

import numpy as np

from svs.doctype import shape_of
from svs.photo.check import check_photo, faces, measure
from svs.photo.sheet import check_sheet
from svs.schema import PhotoResult
from svs.thresholds import PhotoThresholds


def judge(image: np.ndarray, t: PhotoThresholds, dpi: float | None) -> PhotoResult:
    """A photo on its own, or the printed photos on a scanned page: an A4 page is searched for prints first
    (``dpi`` is the page's scan resolution), and judged as one photo only where it holds none."""
    h, w = image.shape[:2]
    if shape_of(w, h) == "a4":
        found = check_sheet(image, dpi or w * 25.4 / 210.0, t)
        if found is not None:
            return found
    return check_photo(image, t)


__all__ = ["check_photo", "check_sheet", "faces", "judge", "measure"]
