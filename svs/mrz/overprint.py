"""Characters under a coloured overprint: a stamp's ring or a red SPECIMEN across an MRZ's glyphs.

An MRZ is printed in black (ICAO 9303 part 3: it must absorb in the near infrared, as carbon black does); what
is printed over it on specimens and stamped documents is coloured. In an image's grey levels the overprint is
dark too, and a ring's arc across a D's stem makes it an O as surely as a clean O. In the image's lightest
channel (:func:`svs.mrz.reader.ink_grey`) the overprint is light and the glyph is whole again. A cell where the
two differ is overprinted: it is read in both, and the two readings are averaged, so that where they disagree
neither stands surely (a name letter then goes to a person, :mod:`svs.mrz.confidence`) and where they agree the
character reads as surely as before.
"""

from __future__ import annotations

import cv2
import numpy as np

from svs.mrz.ocr import Grid, Recogniser, cells, features

#: A pixel is overprinted where its lightest channel is lighter than its grey level by more than this many
#: levels (of 255). Black ink differs by under 10, tinted paper and a blue-black ink by under 30; a red
#: overprint (BGR 60, 60, 200) by about 100, a pink stamp (200, 100, 200) by about 60.
OVERPRINT_LEVELS = 40.0
#: A cell is overprinted when at least this share of its pixels is: a stamp's ring one or two pixels wide
#: crossing a cell 24 pixels tall covers 6 to 12 % of its 16 x 24 pixels.
OVERPRINT_SHARE = 0.04


#: Pixels sampled every this many rows and columns for :func:`has_colour`: a stamp's ring or an overprinted word
#: crosses many of them.
COLOUR_STRIDE = 4


def has_colour(image: np.ndarray) -> bool:
    """Whether a BGR image holds colour that could be an overprint (a channel lighter than another by more than
    OVERPRINT_LEVELS, on a sample of its pixels): a grey scan saved in colour has none, and is read as grey."""
    sample = image[::COLOUR_STRIDE, ::COLOUR_STRIDE]
    b, g, r = sample[:, :, 0], sample[:, :, 1], sample[:, :, 2]  # channel by channel: a max over an axis of
    spread = np.maximum(np.maximum(b, g), r) - np.minimum(np.minimum(b, g), r)  # three is ten times slower
    return bool(int(spread.max(initial=0)) > OVERPRINT_LEVELS)


def overprinted(grey_cells: np.ndarray, ink_cells: np.ndarray) -> np.ndarray:
    """Per cell of two (n, h, w) stacks cut at the same places from the grey strip and the lightest-channel
    strip, whether a coloured overprint crosses it."""
    lighter = (ink_cells.astype(np.float32) - grey_cells.astype(np.float32)) > OVERPRINT_LEVELS
    return np.asarray(lighter.reshape(len(lighter), -1).mean(axis=1) >= OVERPRINT_SHARE)


def read_through(model: Recogniser, probs: np.ndarray, strip: np.ndarray, ink_strip: np.ndarray, grid: Grid,
                 row: int) -> np.ndarray:
    """The row's (n, 37) probabilities with every overprinted cell's replaced by the mean of its reading in the
    grey strip (*probs*) and in the lightest-channel strip cut at the same place (*ink_strip*)."""
    if int(cv2.subtract(ink_strip, strip).max()) <= OVERPRINT_LEVELS:
        return probs  # no colour on this line (a grey scan saved in colour)
    grey_cells, ink_cells = cells(strip, grid, row), cells(ink_strip, grid, row)
    hit = np.flatnonzero(overprinted(grey_cells, ink_cells))
    if not hit.size:
        return probs
    out = probs.copy()
    out[hit] = (probs[hit] + model.proba(features(ink_cells[hit]))) / 2.0
    return out
