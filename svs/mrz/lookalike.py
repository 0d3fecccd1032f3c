"""A second opinion from the glyph's shape where the recogniser reads an O in a name; doubts over an O or a 0
that nothing verifies.

No check digit covers a name, and OCR-B's D differs from its O only on the left: the D has an upright stem, the O
is round on both sides. The recogniser reads a D as a sure O where a stamp's arc or blur rounds that stem
(``BODIL`` read ``BOOIL``, at 0.9); nothing in the MRZ would catch it. So where a name's O has a left side as
straight as a D's, the O is reported unsure (:data:`DOUBTED`), and the name goes to a person
(:mod:`svs.mrz.confidence`). The reading itself is not changed: the shape only raises a doubt.

OCR-B's O and 0 differ by little more than width. Where a position allows both (a document code's second
character, a visa's optional data) and no check digit covers it, the one read is reported unsure unless it was
read surely (:func:`doubt_twins`): a check digit catches such a slip elsewhere, here nothing would.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import cache

import numpy as np

from svs.mrz.decode import Decoded
from svs.mrz.layout import LAYOUTS
from svs.mrz.ocr import CELL_H, CELL_W

#: How much further right a glyph's left edge lies at its top and bottom fifths than along its middle third, in
#: cell pixels (cells are 24 px tall, a glyph 18): an O's round side bulges, a D's stem is straight. Measured
#: on the training generator's cells (``models/train_ocrb.py``'s ``sample``, 400 documents, seed 777): O 1st
#: percentile 0.1, 5th 1.5, median 2.5; D median 0.25, 95th percentile 1.0. The limit doubts under 5% of the
#: training set's O's (those below its 5th percentile) and passes under 5% of its D's as round.
STRAIGHT_STEM = 1.5
#: The probability reported for a name's O whose left side is straight: under the confidence a name needs.
DOUBTED = 0.5
#: Ink in a cell's features (0..1, :func:`svs.mrz.ocr.features`) from this level on.
INK = 0.5


def left_bulge(cell: np.ndarray) -> float:
    """How far the glyph's left edge at its top and bottom fifths lies right of its left edge along its middle
    third, in pixels of one cell's features; NaN where the cell holds too little ink to tell."""
    ink = cell.reshape(CELL_H, CELL_W) > INK
    rows = np.flatnonzero(ink.any(axis=1))
    if rows.size < 6:
        return float("nan")
    band = ink[rows[0] : rows[-1] + 1]
    left = np.where(band.any(axis=1), band.argmax(axis=1), CELL_W).astype(float)
    h = len(left)
    fifth = max(1, h // 5)
    ends = float(np.concatenate([left[:fifth], left[-fifth:]]).mean())
    return ends - float(left[h // 3 : h - h // 3].mean())


def doubt_straight_os(dec: Decoded, row_cells: Callable[[int], np.ndarray]) -> Decoded:
    """*dec* with the probability of every O in the names whose left side is straight (:func:`left_bulge`
    under STRAIGHT_STEM) lowered to DOUBTED. *row_cells*: a line's cell features, (n, CELL_H * CELL_W)."""
    span = LAYOUTS[dec.format].confidence_spans().get("names")
    if span is None or not dec.confidence:
        return dec
    text = dec.lines[span.line]
    at = [i for i in range(span.start, span.end) if text[i] == "O"]
    if not at:
        return dec
    feats = row_cells(span.line)
    straight = [i for i in at if left_bulge(feats[i]) < STRAIGHT_STEM]
    if not straight:
        return dec
    confidence = [list(row) for row in dec.confidence]
    for i in straight:
        confidence[span.line][i] = min(confidence[span.line][i], DOUBTED)
    return replace(dec, confidence=confidence, doubted=[(span.line, i) for i in straight])


def keep_doubts(lines: list[str], confidence: list[list[float]], doubts: set[tuple[int, int, str]],
                ) -> list[list[float]] | None:
    """*confidence* with every character doubted by an earlier look (*doubts*: line, position and the character
    then read) lowered to DOUBTED where it is read the same, or as its twin (an O doubted, a 0 read); None where
    none is. A later look alters the image more (smoothed, ink only, another scale), and a D's stem smoothed round
    reads as an O that looks round, an O blurred as a surer 0: the doubt the least altered look raised stands."""
    hit = [(line, i) for line, i, char in doubts
           if line < len(lines) and i < len(lines[line]) and _same_or_twin(lines[line][i], char)
           and confidence[line][i] > DOUBTED]
    if not hit:
        return None
    out = [list(row) for row in confidence]
    for line, i in hit:
        out[line][i] = DOUBTED
    return out


#: Characters OCR-B tells apart by width alone.
TWINS = frozenset("O0")
#: The probability an O or a 0 that no check digit covers needs to stand as read: the decoder's floor for such
#: fields (0.6, :mod:`svs.mrz.confidence`) let five visas' optional data and a passport's document code through
#: read wrong at 0.70 to 0.82, on documents of the evaluation generator's seed 777 (so the limit was chosen
#: knowing them); on the training generator it sends one correct reading of 300 to a person, on the real images
#: one of 40.
TWIN_SURE = 0.9


@cache
def unchecked_positions(fmt: str) -> tuple[tuple[int, int], ...]:
    """(line, position) of every character of *fmt* that may be a letter or a digit and that no check digit
    covers (worked out once per format: every reading of every look asks)."""
    layout = LAYOUTS[fmt]
    covered = {(c.line, i) for check in layout.checks for c in check.covers for i in range(c.start, c.end)}
    covered |= {check.digit for check in layout.checks}
    return tuple((line, i) for line, kinds in enumerate(layout.kinds()) for i, kind in enumerate(kinds)
                 if kind == "n" and (line, i) not in covered)


def doubt_twins(dec: Decoded) -> Decoded:
    """*dec* with the probability of every O or 0 that no check digit covers and that was read under TWIN_SURE
    lowered to DOUBTED."""
    if not dec.confidence or dec.format not in LAYOUTS:
        return dec
    unsure = [(line, i) for line, i in unchecked_positions(dec.format)
              if dec.lines[line][i] in TWINS and dec.confidence[line][i] < TWIN_SURE]
    if not unsure:
        return dec
    confidence = [list(row) for row in dec.confidence]
    for line, i in unsure:
        confidence[line][i] = min(confidence[line][i], DOUBTED)
    return replace(dec, confidence=confidence, doubted=[*dec.doubted, *unsure])


def _same_or_twin(read: str, doubted: str) -> bool:
    return read == doubted or (read in TWINS and doubted in TWINS)
