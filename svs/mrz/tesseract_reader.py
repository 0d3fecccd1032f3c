"""A comparison reader: svs's locator and cell grid find and level the MRZ lines, Tesseract reads each line.

It isolates the recogniser: against the ``svs`` reader it shows what the project's own OCR-B network and its
decoder under ICAO's rules add over Tesseract on the very same line images; against ``passporteye`` it shows
what the locator adds. Tesseract's text is taken as read, short lines padded with fillers (no decoder: Tesseract gives
no per-character probabilities), so its readings are only as good as its OCR.
"""

from __future__ import annotations

from datetime import date

import cv2
import numpy as np

from svs.engines import tesseract
from svs.mrz.ocr import ALPHABET
from svs.mrz.parse import parse
from svs.mrz.reader import Reading, candidates, crop, views

NAME = "tesseract"
#: Line strips are levelled with 18-pixel glyphs; Tesseract reads best at about twice that.
UPSCALE = 2.0
#: Seconds each line may take (a clean line takes about 50 ms).
LINE_TIMEOUT_S = 5.0


def _line(strip: np.ndarray, length: int) -> str:
    """One line as Tesseract reads it; a short reading is padded with fillers to the line's length (Tesseract
    drops runs of ``<``, and an MRZ line that ends early ends in fillers)."""
    big = cv2.resize(strip, None, fx=UPSCALE, fy=UPSCALE, interpolation=cv2.INTER_CUBIC)
    big = cv2.copyMakeBorder(big, 10, 10, 10, 10, cv2.BORDER_CONSTANT, value=255)
    text = "".join(w.text for w in tesseract.read_line(big, ALPHABET, LINE_TIMEOUT_S, spaces=False))
    return text.ljust(length, "<")


def read(image: np.ndarray) -> Reading | None:
    """The best-validating Tesseract reading of the MRZ candidates' levelled lines, either way round."""
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    best: tuple[tuple[bool, bool, int], list[str], list[np.ndarray]] | None = None
    for cand in candidates(grey):
        for view in views(grey, cand):
            strips = view.strips
            lines = [_line(s, view.grid.n) for s in strips]
            parsed = parse(lines, date(2000, 1, 1))
            score = (parsed.format is not None, parsed.valid, sum(parsed.checks.values()))
            if best is None or score > best[0]:
                best = (score, lines, strips)
        if best is not None and best[0][1]:
            break  # every check digit passes: no other candidate can do better
    if best is None:
        return None
    return Reading(best[1], crop=crop(best[2]))
