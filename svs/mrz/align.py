"""Placing a line's cells by the recogniser itself, where the glyphs the locator found placed them badly.

The grid of :mod:`svs.mrz.ocr` puts each cell on a glyph blob found by thresholding. Where blobs merge (two
glyphs a printer's carriage set close together, a stamp or guilloche linking them), split, or are missed (a
glyph at the very edge of a tight crop), a cell can fall between two glyphs or the line be read one slot off.
Here the recogniser looks along the whole line at every quarter pitch, and a dynamic programme picks the
line's N cell positions that read most surely, each step between them near one pitch (ICAO 9303 part 3: OCR-B
at a fixed 2.54 mm pitch; a step of half to one and a half pitches is allowed at a cost, for a carriage's
errors and a photo's perspective). The reader uses it as a second reading of lines the first did not read
surely, and the check digits and the mean probability choose between the two (:mod:`svs.mrz.reader`).
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from svs.cnn import CellNet
from svs.mrz.ocr import GLYPH_PX, STRIP_GLYPHS, Grid, cells, features, line_strip

#: Positions tried along a line, in pitches: every quarter pitch (the recogniser was trained on glyphs up to 0.15
#: pitch off their cell's centre, so the nearest position is always within its reach).
STEP = 0.25
#: How far before the grid's first cell and after its last the line is looked along, in pitches: after it
#: further, since a line whose pitch grows along it (a page photographed at an angle) goes on past where the
#: blobs' grid ends it.
BEFORE, AFTER = 1.0, 1.0
#: The cost of a step between neighbouring cells, in log probability, by its length in quarter pitches: one
#: pitch is free, a quarter pitch more or less costs a little (a carriage's error, perspective), half a pitch
#: more or less costs about as much as reading one glyph at a third of the probability (two glyphs set close,
#: or a glyph found late).
STEP_COST = {2: 1.2, 3: 0.35, 4: 0.0, 5: 0.35, 6: 1.2}
#: A position's own worth: the log of the recogniser's top probability there, floored so that one blank or
#: unreadable position does not outweigh the rest of the line.
FLOOR = 1e-6


def positions(grid: Grid, row: int) -> np.ndarray:
    """Positions along the row (from its first cell, in pixels of the image) where the recogniser looks."""
    reach = max(grid.cell_t[row]) / grid.pitch
    return np.arange(-BEFORE, reach + AFTER + 1e-9, STEP) * grid.pitch


def best_path(worth: np.ndarray, n: int) -> list[int]:
    """Indices of *n* positions, in order along the line, whose summed *worth* less the cost of their steps
    (:data:`STEP_COST`) is highest. Positions are STEP pitches apart."""
    m = len(worth)
    if m < n:
        raise ValueError("fewer positions than cells")
    neg = -1e18
    total = np.full((n, m), neg)
    back = np.zeros((n, m), dtype=np.int64)
    total[0] = worth
    index = np.arange(m)
    for k in range(1, n):
        for step, cost in STEP_COST.items():
            came = np.full(m, neg)
            came[step:] = total[k - 1][:-step] - cost
            better = came > total[k]
            total[k][better] = came[better]
            back[k][better] = index[better] - step
        total[k] += worth
    j = int(np.argmax(total[n - 1]))
    path = [j]
    for k in range(n - 1, 0, -1):
        j = int(back[k][j])
        path.append(j)
    return path[::-1]


def strips_for(grey: np.ndarray, grid: Grid, colour: np.ndarray | None = None,
               ) -> tuple[list[np.ndarray], list[np.ndarray] | None]:
    """The grid's line strips, each reaching AFTER pitches past its last cell and levelled (:func:`level`); with
    *colour* (the image *grey* is of), also that image's strips, each moved as its grey one is."""
    strips: list[np.ndarray] = []
    coloured: list[np.ndarray] = []
    for row in range(len(grid.rows)):
        tall = line_strip(grey, grid, row, AFTER, ROOM)
        maps = _level_maps(tall)
        strips.append(_remap(tall, maps))
        if colour is not None:
            coloured.append(_remap(line_strip(colour, grid, row, AFTER, ROOM), maps))
    return strips, (None if colour is None else coloured)


#: Glyph heights of the image kept above and below a line for levelling it: a bent page lifts a line's end by
#: up to this much from the straight line through its glyphs. More would take in the ink of the next line
#: (ICAO 9303 sets lines from about 1.5 glyph heights apart), which would pull the line's middle towards it.
ROOM = 0.25


def level(tall: np.ndarray) -> np.ndarray:
    """A line strip cut with ROOM above and below (:func:`svs.mrz.ocr.line_strip`), its text moved up or down
    column by column onto the strip's middle and cut to the usual height. Where the page is bent or
    photographed at an angle, a line is curved, and the straight strip through its glyphs leaves the glyphs
    at one end off their cells' centre (a filler read as a 1). The ink's middle along the line is a parabola
    fitted to each pitch-wide stretch's ink centre, weighted by its ink."""
    return _remap(tall, _level_maps(tall))


def _level_maps(tall: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The remap that levels *tall* (:func:`level`), as cv2.remap's x and y maps."""
    height = round(GLYPH_PX * STRIP_GLYPHS)
    top = (tall.shape[0] - height) / 2
    grey = tall.astype(np.float32)
    ink = np.clip(np.percentile(grey, 90) - grey, 0, None)
    ys = np.arange(tall.shape[0], dtype=np.float32)[:, None]
    mass = ink.sum(axis=0)
    centre = (ink * ys).sum(axis=0) / np.maximum(mass, 1e-6)
    inked = mass > 0.2 * float(mass.max(initial=0.0))
    offset = np.zeros(tall.shape[1], np.float32)
    if int(inked.sum()) >= 3:
        xs = np.flatnonzero(inked).astype(np.float64)
        fit = np.polyfit(xs, centre[inked] - tall.shape[0] / 2, 2, w=np.sqrt(mass[inked]))
        offset = np.clip(np.polyval(fit, np.arange(tall.shape[1])), -top, top).astype(np.float32)
    map_x = np.tile(np.arange(tall.shape[1], dtype=np.float32), (height, 1))
    map_y = (np.arange(height, dtype=np.float32)[:, None] + top + offset[None, :]).astype(np.float32)
    return map_x, map_y


def _remap(strip: np.ndarray, maps: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    return cv2.remap(strip, maps[0], maps[1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def realign(model: CellNet, grid: Grid, strips: list[np.ndarray]) -> tuple[Grid, list[np.ndarray]]:
    """The grid with each row's cells moved where the recogniser reads them most surely, and each row's (n, 37)
    probabilities at those cells; *strips* from :func:`strips_for`."""
    cell_t: list[list[float]] = []
    probs: list[np.ndarray] = []
    for row, strip in enumerate(strips):
        t = positions(grid, row)
        look = replace(grid, n=len(t), cell_t=[list(t) if r == row else [] for r in range(len(strips))])
        p = model.proba(features(cells(strip, look, row)))
        path = best_path(np.log(np.maximum(p.max(axis=1), FLOOR)), grid.n)
        cell_t.append([float(t[j]) for j in path])
        # each cell's reading is the mean over its position and the quarter pitch either side, which the
        # recogniser reads alike where a glyph is: a position chosen because a streak or stamp beside a glyph
        # happened to read surely at that one place does not stand on that one look
        near = np.asarray(path)
        probs.append((p[np.maximum(near - 1, 0)] + p[near] + p[np.minimum(near + 1, len(p) - 1)]) / 3.0)
    return replace(grid, cell_t=cell_t), probs

