"""svs's own MRZ reader: locate (:mod:`locate`), cut into cells and classify (:mod:`ocr`), decode under the
rules (:mod:`decode`). Tries each candidate both ways round (0/180 degrees; 90 and 270 come from the lines'
own direction) and keeps the reading that validates best."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from typing import NamedTuple

import cv2
import numpy as np

from svs.mrz.align import realign, strips_for
from svs.mrz.confidence import field_confidence, uncertain
from svs.mrz.decode import Decoded, decode, format_for
from svs.mrz.layout import FRA_ID
from svs.mrz.locate import Candidate, find_candidates
from svs.mrz.lookalike import doubt_straight_os, doubt_twins, keep_doubts
from svs.mrz.ocr import (
    ALPHABET,
    Grid,
    Recogniser,
    cells,
    clipped,
    features,
    grid_for,
    grids_for,
    line_strip,
    recogniser,
)
from svs.mrz.overprint import has_colour, read_through
from svs.mrz.parse import FRA_ID_PREFIX, parse

NAME = "svs"
MAX_CANDIDATES = 4
#: A reading whose characters average below this probability is not an MRZ read, whatever its check digits say.
MIN_MEAN_CONFIDENCE = 0.7
#: Every FLIP_SAMPLE-th cell is read both ways round (as cut, and turned half round); the way whose cells read
#: more surely by FLIP_MARGIN (mean top probability) is the only one read in full.
FLIP_SAMPLE = 6
FLIP_MARGIN = 0.15
#: Characters read below this probability get a second look from cells moved by (cell widths, strip pixels).
SECOND_LOOK_BELOW = 0.7
SECOND_LOOKS = ((-0.12, 0), (0.12, 0), (0.0, -2), (0.0, 2))
#: The document code's first letter counts as clearly read at this probability.
CLEAR_LETTER = 0.8
VISAS = ("MRVA", "MRVB")
V = ALPHABET.index("V")
FAMILY = {"TD3": ("TD3", "MRVA"), "MRVA": ("TD3", "MRVA"), "TD2": ("TD2", "MRVB"), "MRVB": ("TD2", "MRVB")}


@dataclass
class Reading:
    lines: list[str]
    confidence: list[list[float]] = field(default_factory=list)
    corrected: list[str] = field(default_factory=list)
    crop: np.ndarray | None = None
    others: list[list[str]] = field(default_factory=list)
    cut_off: int = 0  # glyphs (not fillers) the image's edge cuts off
    unconfirmed: list[str] = field(default_factory=list)  # fields whose check digit cannot tell two readings apart
    cut_checks: list[str] = field(default_factory=list)  # checks over a glyph the image's edge cuts off
    doubted: list[tuple[int, int]] = field(default_factory=list)  # (line, position) the glyph's shape doubts


@dataclass
class View:
    """A grid with its line strips, and the cells of each line already read (*sample*) with their probabilities
    (*known*: (lines * len(sample), 37), line by line)."""

    grid: Grid
    strips: list[np.ndarray]
    sample: list[int] = field(default_factory=list)
    known: np.ndarray = field(default_factory=lambda: np.empty((0, len(ALPHABET)), np.float32))


def version() -> str:
    return recogniser().version


def _score(dec: Decoded) -> tuple[bool, bool, int, float]:
    """A reading whose every check digit passes beats one that fails; then one whose document-code letter the
    recogniser read clearly (a P read as a P); then the one more check digits confirm (a passport's composite
    against a visa's none, where a smudged first letter leaves P or V open); then the more probable one."""
    parsed = parse(dec.lines, date(2000, 1, 1))
    n = sum(len(x) for x in dec.lines)
    clear_letter = dec.confidence[0][0] >= CLEAR_LETTER if dec.confidence else False
    return parsed.valid, clear_letter, sum(parsed.checks.values()), dec.log_likelihood / max(n, 1)


def views(grey: np.ndarray, cand: Candidate) -> list[View]:
    """The candidate's grids (:func:`grids_for`) with their line strips, both ways round (0 and 180 degrees), or
    only the way round whose sample of cells reads clearly better: upside down, most glyphs look like no
    character. The other way's sample is the same cells turned half round, so a second grid is built only
    where both ways stay in play. Only the sample is read here; the caller reads the rest of each view kept
    (the first upright view carries the sample's probabilities, which the full read would repeat)."""
    upright = grids_for(cand, False)
    if not upright:
        return []
    strips = _strips(grey, upright[0])
    sample = list(range(0, upright[0].n, FLIP_SAMPLE))
    stack = np.concatenate([cells(s, upright[0], row, sample) for row, s in enumerate(strips)])
    probs = recogniser().proba(features(np.concatenate([stack, stack[:, ::-1, ::-1]])))
    top = probs.max(axis=1)
    sure_up, sure_down = float(top[: len(stack)].mean()), float(top[len(stack) :].mean())
    views = [View(grid, strips, sample, probs[: len(stack)]) if i == 0 else View(grid, _strips(grey, grid))
             for i, grid in enumerate(upright)]
    if sure_up - sure_down > FLIP_MARGIN:
        return views
    flipped = [View(grid, _strips(grey, grid)) for grid in grids_for(cand, True)]
    return flipped if sure_down - sure_up > FLIP_MARGIN else views + flipped


def _strips(grey: np.ndarray, grid: Grid) -> list[np.ndarray]:
    return [line_strip(grey, grid, row) for row in range(len(grid.rows))]


def best_reading(probs: list[np.ndarray], cut: list[np.ndarray] | None = None,
                 ) -> tuple[tuple[bool, bool, int, float], Decoded] | None:
    """The best decoding of one grid's per-line (n, 37) character probabilities under each format its shape
    allows (:func:`_score`); None when none is read with enough confidence. *cut*: per line, the cells whose
    glyph the image's edge cuts off."""
    fmt = format_for(len(probs), len(probs[0]), probs[0][0])
    if fmt is None:
        return None
    decodings = []
    for f in FAMILY.get(fmt, (fmt,)):  # passport or visa: the whole reading decides, not one letter
        if f in VISAS and not _visa_letter(probs[0][0], fmt):
            continue  # a visa has fewer check digits: a passport must not pass as one on a smudged letter
        decodings.append(decode(probs, f, cut))
        if f == "TD2" and decodings[-1].lines[0].startswith(FRA_ID_PREFIX):
            decodings.append(decode(probs, FRA_ID, cut))  # maybe France's own identity-card layout: its own rules
    scored = [(_score(dec), dec) for dec in decodings
              if float(np.mean([c for row in dec.confidence for c in row])) >= MIN_MEAN_CONFIDENCE]
    return max(scored, key=lambda sd: sd[0], default=None)


#: The first letters of the passport and identity-card formats a visa's shape shares (ICAO 9303 parts 4 to 6).
NOT_VISA_LETTERS = {"TD3": "P", "MRVA": "P", "TD2": "ACI", "MRVB": "ACI"}


def _visa_letter(first: np.ndarray, fmt: str) -> bool:
    """Whether the first glyph may be a visa's V: read clearly, or likelier than every letter the passport or
    identity-card format allows there. A V read at 0.6 beside a P at 0.3 still opens the visa's reading; the
    decoder's check digits and :func:`_score` then choose (a passport keeps its two extra check digits, and a
    document code read below confidence is referred, :data:`svs.mrz.read.UNCERTAIN_REASON`)."""
    others = max(float(first[ALPHABET.index(c)]) for c in NOT_VISA_LETTERS[fmt])
    return float(first[V]) >= CLEAR_LETTER or float(first[V]) > others


def _first_look(model: Recogniser, view: View) -> np.ndarray:
    """(lines, n, 37) probabilities of every cell of the view: the cells not read yet in one pass of the
    recogniser, the sample's as read."""
    n, lines, done = view.grid.n, len(view.strips), set(view.sample)
    todo = [i for i in range(n) if i not in done]
    read = model.proba(features(np.concatenate([cells(s, view.grid, row, todo) for row, s in enumerate(view.strips)])))
    out = np.empty((lines, n, len(ALPHABET)), np.float32)
    out[:, todo] = read.reshape(lines, len(todo), len(ALPHABET))
    out[:, view.sample] = view.known.reshape(lines, len(view.sample), len(ALPHABET))
    return out


def _second_look(probs: np.ndarray, strip: np.ndarray, grid: Grid, row: int) -> np.ndarray:
    """Unsure characters read again from cells moved a little each way (a glyph off its slot, a line bent by
    perspective), the probabilities averaged over all looks."""
    unsure = [int(i) for i in np.flatnonzero(probs.max(axis=1) < SECOND_LOOK_BELOW)]
    if not unsure:
        return probs
    model = recogniser()
    looks = [model.proba(features(cells(strip, grid, row, unsure, dx, dy))) for dx, dy in SECOND_LOOKS]
    out = probs.copy()
    out[unsure] = (probs[unsure] + sum(looks)) / (len(looks) + 1)
    return out


def crop(strips: list[np.ndarray]) -> np.ndarray:
    """The MRZ's level line strips one under the other: the derived image for the report."""
    width = max(x.shape[1] for x in strips)
    return np.vstack([cv2.copyMakeBorder(s, 2, 2, 0, width - s.shape[1], cv2.BORDER_CONSTANT, value=255)
                      for s in strips])


def ink_grey(image: np.ndarray) -> np.ndarray:
    """Grey levels in which only black ink is dark: each pixel's lightest channel. An MRZ is printed in black
    (ICAO 9303 part 3: it must absorb in the near infrared, as carbon black does), while what is printed over
    and under it on specimens and security paper is coloured: guilloche, a red SPECIMEN overprint, a blue
    stamp. Those stay light here and neither link glyphs into one blob nor darken a cell."""
    if image.ndim == 2:
        return image
    b, g, r = cv2.split(image)[:3]  # an alpha channel, where there is one, is not ink
    return cv2.max(cv2.max(b, g), r)


def candidates(grey: np.ndarray) -> list[Candidate]:
    """The candidates worth reading: the first MAX_CANDIDATES of two or three lines."""
    return [c for c in find_candidates(grey)[:MAX_CANDIDATES] if 2 <= len(c.lines) <= 3]


#: A two-line MRZ read 36 cells long is read again 44 long when, on both lines, at least CONTINUED_CELLS of the
#: 8 cells after its end (LONGER_TAIL) hold ink at least CONTINUED_DEPTH of its own last glyph cells' depth.
CONTINUED_DEPTH = 0.4
CONTINUED_CELLS = 6
LONGER_TAIL = range(36, 44)


def _depth(cell_stack: np.ndarray) -> np.ndarray:
    """How dark each cell's darkest strokes are against its paper (grey levels): a filler's thin chevron counts."""
    flat = 255.0 - cell_stack.reshape(len(cell_stack), -1)
    return np.percentile(flat, 97, axis=1) - np.percentile(flat, 10, axis=1)


def _continues(grey: np.ndarray, grid: Grid) -> bool:
    """Whether ink goes on, glyph after glyph, past the last cell of each line of a 36-cell two-line grid into
    where the cells of a 44-character MRZ lie."""
    for row in range(len(grid.rows)):
        strip = line_strip(grey, grid, row)
        inside = _depth(cells(strip, grid, row, list(range(LONGER_TAIL.start - 12, LONGER_TAIL.start))))
        beyond = _depth(cells(strip, grid, row, list(LONGER_TAIL)))
        if int(np.sum(beyond >= CONTINUED_DEPTH * float(np.median(inside)))) < CONTINUED_CELLS:
            return False
    return True


@dataclass
class Read:
    """One view's best decoding, with what it was read from."""

    score: tuple[bool, bool, int, float]
    decoded: Decoded
    strips: list[np.ndarray]
    grid: Grid


def _sure(found: Read | None) -> bool:
    """Whether a reading stands as read: every check digit passes and every field none covers was read surely.
    Any other is read again with its cells placed by the recogniser (:mod:`svs.mrz.align`), and the better of
    the two readings stands (:func:`_score`)."""
    return found is not None and found.score[0] and not uncertain(
        field_confidence(found.decoded.format, found.decoded.confidence))


def _read_grid(grey: np.ndarray, grid: Grid, strips: list[np.ndarray], first: np.ndarray | list[np.ndarray],
               ink_strips: list[np.ndarray] | None = None) -> Read | None:
    """The best decoding of the grid's cells (*first*: their probabilities as first read); *ink_strips*: the
    same strips in the lightest channel of the colour image, where overprinted cells are read again
    (:mod:`svs.mrz.overprint`)."""
    probs = [_second_look(first[row], s, grid, row) for row, s in enumerate(strips)]
    if ink_strips is not None:
        model = recogniser()
        probs = [read_through(model, p, s, i, grid, row)
                 for row, (p, s, i) in enumerate(zip(probs, strips, ink_strips, strict=True))]
    found = best_reading(probs, [clipped(grid, row, grey.shape) for row in range(len(strips))])
    if found is None:
        return None
    decoded = doubt_twins(doubt_straight_os(found[1], lambda row: features(cells(strips[row], grid, row))))
    return Read(found[0], decoded, strips, grid)


def _ink_strips(colour: np.ndarray, grid: Grid) -> list[np.ndarray]:
    """The grid's line strips cut from the colour image, in its lightest channel (:func:`ink_grey`)."""
    return [ink_grey(line_strip(colour, grid, row)) for row in range(len(grid.rows))]


def _read_view(model: Recogniser, grey: np.ndarray, view: View, colour: np.ndarray | None = None,
               ) -> Read | None:
    ink_strips = None if colour is None else _ink_strips(colour, view.grid)
    return _read_grid(grey, view.grid, view.strips, _first_look(model, view), ink_strips)


#: Of the candidates of one look, this many of the best have every view read again with their cells realigned
#: where the best reading is not sure (:func:`_sure`): the view that reads best as found (another way round, a
#: grid one slot off) need not be the one that reads best with its cells in place.
REALIGNED = 2


def _by_score(found: Read) -> tuple[bool, bool, int, float]:
    return found.score


def _realigned(model: Recogniser, grey: np.ndarray, found: Read, colour: np.ndarray | None = None) -> Read:
    """The better of *found* and the reading of the same lines with cells placed by the recogniser. The second
    reading may not lean on check digits more than the first: where it passes only by a field the decoder
    changed to satisfy its check digit (:func:`svs.mrz.decode.decode`'s repairs), and the first did not need
    that, it stands aside (a check digit printed wrong is reported so, not read away by a second look)."""
    strips, coloured = strips_for(grey, found.grid, colour)
    grid, first = realign(model, found.grid, strips)
    ink_strips = None if coloured is None else [ink_grey(s) for s in coloured]
    again = _read_grid(grey, grid, strips, first, ink_strips)
    if again is None or not set(again.decoded.corrected) <= set(found.decoded.corrected):
        return found
    return again if again.score > found.score else found


def _read_longer(model: Recogniser, grey: np.ndarray, cand: Candidate, best: Read,
                 colour: np.ndarray | None = None) -> Read | None:
    """A two-line MRZ of 44 characters whose last fillers merged into one blob measures 36 cells long and reads
    as a valid MRV-B or TD2 (their checks lie in the same places as MRV-A's): where ink goes on past the 36th
    cell on both lines (:func:`_continues`), the 44-cell reading replaces it if it is no less valid."""
    if best.grid.n != 36 or len(best.grid.rows) != 2:
        return None
    along = math.radians(cand.angle)
    flip = best.grid.direction[0] * math.cos(along) + best.grid.direction[1] * math.sin(along) < 0
    longer = grid_for(cand, flip, shift=best.grid.shift, length=44)
    if longer is None or not _continues(grey, longer):
        return None
    found = _read_view(model, grey, View(longer, _strips(grey, longer)), colour)
    return found if found is not None and found.score[0] >= best.score[0] else None


#: The smoothed look's Gaussian, in pixels: a 300-dpi halftone screen's dots are 2 to 3 pixels apart.
SMOOTH_SIGMA = 1.2
#: Another scale for the last look: glyphs found too small or merged at the first scale separate at 1.5 times it;
#: an image is enlarged only up to MAX_SCALED_SIDE on its long side (a larger one is reduced instead).
OTHER_SCALE = 1.5
MAX_SCALED_SIDE = 3000


def ink_only(grey: np.ndarray) -> np.ndarray:
    """The grey image with everything lighter than the level that best splits it in two (Otsu's) made paper: a
    dot screen or tint printed under the MRZ, darker than paper but far lighter than ink, links glyphs at the
    locator's local threshold and is gone here."""
    level, _ = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return np.where(grey > level, np.uint8(255), grey)


class Look(NamedTuple):
    """One way of seeing the image: its grey levels, the colour image they are of (where the image is in colour
    and overprinted cells can be read through it, :mod:`svs.mrz.overprint`), and whether the look can read an
    MRZ already found any better (a half turn or another scale only finds one the others missed)."""

    grey: np.ndarray
    colour: np.ndarray | None
    rereads: bool = True


def looks(image: np.ndarray) -> Iterator[Look]:
    """The ways an image is searched, in order, until one reads an MRZ whose check digits all pass and whose
    unchecked fields read surely: its grey levels; its lightest channel (:func:`ink_grey`), where it is in
    colour; turned half round, which shifts every threshold window and resampling grid (a page found at one
    orientation may be missed at another by a pixel); smoothed, which melts a halftone screen, moire or speckle
    that the threshold would link glyphs through; ink only (:func:`ink_only`), for a screen too coarse to melt;
    at another scale."""
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    colour = image if image.ndim == 3 and has_colour(image) else None
    yield Look(grey, colour)
    if image.ndim == 3:
        yield Look(ink_grey(image), None)
    if max(grey.shape) * OTHER_SCALE <= MAX_SCALED_SIDE:
        def rescale(x: np.ndarray) -> np.ndarray:
            return cv2.resize(x, None, fx=OTHER_SCALE, fy=OTHER_SCALE, interpolation=cv2.INTER_CUBIC)
    else:
        def rescale(x: np.ndarray) -> np.ndarray:
            return cv2.resize(x, None, fx=1 / OTHER_SCALE, fy=1 / OTHER_SCALE, interpolation=cv2.INTER_AREA)

    def seen(view: Callable[[np.ndarray], np.ndarray], rereads: bool) -> Look:
        return Look(view(grey), None if colour is None else view(colour), rereads)

    yield seen(_half_turn, False)
    yield seen(_smoothed, True)
    yield Look(ink_only(grey), colour)  # only the paper around the ink changed: the colour image is the image's own
    yield seen(rescale, False)


def _half_turn(image: np.ndarray) -> np.ndarray:
    return cv2.rotate(image, cv2.ROTATE_180)


def _smoothed(image: np.ndarray) -> np.ndarray:
    return cv2.GaussianBlur(image, (0, 0), SMOOTH_SIGMA)


def read(image: np.ndarray) -> Reading | None:
    """The best reading over :func:`looks` (:data:`Rank`): the search ends at the first look whose reading passes
    every check digit and reads every field none covers surely (:func:`_read_grey`); a legible MRZ with a wrong
    check digit is still found, and reported invalid. A reading that passes its check digits with a name read
    unsurely (a letter under an overprint) goes on to the next look, where that letter may read clearly."""
    best: tuple[Rank, Reading] | None = None
    doubts: set[tuple[int, int, str]] = set()  # characters whose shape doubted them in a look (lookalike)
    for look in looks(image):
        if best is not None and best[0][0] and not look.rereads:
            continue  # a valid reading is in hand: a look that only finds MRZs would read it no better
        found = _read_grey(look.grey, look.colour)
        if found is None:
            continue
        rank, reading, settled = found
        doubts |= {(line, i, reading.lines[line][i]) for line, i in reading.doubted}
        doubted = keep_doubts(reading.lines, reading.confidence, doubts)
        if doubted is not None:  # an earlier look doubted what this one reads surely: no surer than that
            reading = replace(reading, confidence=doubted)
            rank, settled = (rank[0], False, *rank[2:]), False
        if best is None or rank > best[0]:
            best = rank, reading
        if settled:
            break
    return best[1] if best is not None else None


#: A look's reading ranked against another's: every check digit passing, then sure (:func:`_sure`) as read, with
#: no character changed to satisfy a check digit (a later look's repair of a smoothed field is no surer than
#: an earlier look's unsure reading of it). Between two of the same rank the earlier look's stands: later looks
#: alter the image more (smoothing, ink only), and a reading there can be more probable and wrong (an O smoothed
#: into a D). Invalid readings then go by :func:`_score`'s order (the one more check digits confirm is reported).
Rank = tuple[bool, bool, bool, int, float]


def _rank(found: Read) -> Rank:
    valid = found.score[0]
    sure = _sure(found) and not found.decoded.corrected
    return (valid, sure, *((False, 0, 0.0) if valid else found.score[1:]))


def _read_grey(grey: np.ndarray, colour: np.ndarray | None = None) -> tuple[Rank, Reading, bool] | None:
    """The best reading of one look, its :data:`Rank`, and whether it settles the search: valid and sure
    (:func:`_sure`), a repair by check digit allowed (the next looks could only be ranked below it or beside
    it); *colour*: the image the look's grey levels are of, where it is in colour, for reading overprinted cells
    (:mod:`svs.mrz.overprint`)."""
    model = recogniser()
    per_candidate: list[list[Read]] = []  # each candidate's readings, one per view
    for cand in candidates(grey):
        reads = [r for view in views(grey, cand) if (r := _read_view(model, grey, view, colour)) is not None]
        if reads:
            longer = _read_longer(model, grey, cand, max(reads, key=_by_score), colour)
            per_candidate.append([longer] if longer is not None else reads)
    if not per_candidate:
        return None
    per_candidate.sort(key=lambda reads: max(r.score for r in reads), reverse=True)
    if not _sure(max(per_candidate[0], key=_by_score)):
        per_candidate[:REALIGNED] = [[_realigned(model, grey, r, colour) for r in reads]
                                     for reads in per_candidate[:REALIGNED]]
    readings = sorted((max(reads, key=_by_score) for reads in per_candidate), key=_by_score, reverse=True)
    dec, strips = readings[0].decoded, readings[0].strips
    others = [r.decoded.lines for r in readings[1:]]
    return _rank(readings[0]), Reading(dec.lines, dec.confidence, dec.corrected, crop(strips), others, dec.cut_off,
                          dec.unconfirmed, dec.cut_checks, dec.doubted), _sure(readings[0])
