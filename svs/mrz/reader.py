"""svs's own MRZ reader: locate (:mod:`locate`), cut into cells and classify (:mod:`ocr`), decode under the
rules (:mod:`decode`). Tries each candidate both ways round (0/180 degrees; 90 and 270 come from the lines'
own direction) and keeps the reading that validates best."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import cv2
import numpy as np

from svs.mrz.decode import Decoded, decode, format_for
from svs.mrz.locate import find_candidates
from svs.mrz.ocr import cells, features, grid_for, line_strip, recogniser
from svs.mrz.parse import parse

NAME = "svs"
MAX_CANDIDATES = 4
#: A reading whose characters average below this probability is not an MRZ read, whatever its check digits say.
MIN_MEAN_CONFIDENCE = 0.7
FAMILY = {"TD3": ("TD3", "MRVA"), "MRVA": ("TD3", "MRVA"), "TD2": ("TD2", "MRVB"), "MRVB": ("TD2", "MRVB")}


@dataclass
class Reading:
    lines: list[str]
    confidence: list[list[float]] = field(default_factory=list)
    corrected: list[str] = field(default_factory=list)
    crop: np.ndarray | None = None
    others: list[list[str]] = field(default_factory=list)


def version() -> str:
    return recogniser().version


def _score(dec: Decoded) -> tuple[bool, float]:
    """A reading whose every check digit passes beats one that fails; then the more probable one."""
    parsed = parse(dec.lines, date(2000, 1, 1))
    n = sum(len(x) for x in dec.lines)
    return parsed.valid, dec.log_likelihood / max(n, 1)


def read(image: np.ndarray) -> Reading | None:
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    model = recogniser()
    readings: list[tuple[tuple[bool, float], Decoded, list[np.ndarray]]] = []
    for cand in find_candidates(grey)[:MAX_CANDIDATES]:
        if not 2 <= len(cand.lines) <= 3:
            continue
        best: tuple[tuple[bool, float], Decoded, list[np.ndarray]] | None = None
        for flip in (False, True):
            grid = grid_for(cand, flip)
            if grid is None:
                continue
            strips = [line_strip(grey, grid, row) for row in range(len(grid.rows))]
            probs = [model.proba(features(cells(s, grid, row))) for row, s in enumerate(strips)]
            fmt = format_for(len(strips), grid.n, probs[0][0])
            if fmt is None:
                continue
            for f in FAMILY.get(fmt, (fmt,)):  # passport or visa: let the whole reading decide, not one letter
                dec = decode(probs, f)
                if float(np.mean([c for row in dec.confidence for c in row])) < MIN_MEAN_CONFIDENCE:
                    continue
                score = _score(dec)
                if best is None or score > best[0]:
                    best = (score, dec, strips)
        if best is not None:
            readings.append(best)
    if not readings:
        return None
    readings.sort(key=lambda r: r[0], reverse=True)
    _, dec, strips = readings[0]
    crop = np.vstack([cv2.copyMakeBorder(s, 2, 2, 0, max(x.shape[1] for x in strips) - s.shape[1],
                                         cv2.BORDER_CONSTANT, value=255) for s in strips])
    return Reading(dec.lines, dec.confidence, dec.corrected, crop, [r[1].lines for r in readings[1:]])
