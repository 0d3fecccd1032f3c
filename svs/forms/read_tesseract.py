"""The Tesseract reading of a registered form page's boxed fields (``svs form read --reader tesseract``; the
baseline of ``bench/bench_icr.py``; svs reads boxes with its own recogniser, :mod:`svs.forms.read`): each field's
character boxes are cut out upright, the empty ones found by their ink, the filled ones set side by side without
their borders and read by Tesseract as one line with the field type's whitelist. Where the reading has as many
characters as there are filled boxes, the spaces come from the boxes; otherwise the reading stands as Tesseract
gave it and its confidence is lowered. Tesseract's word confidences are 0..1 here; the field is unsure under
TESSERACT_MIN_CONFIDENCE.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import cv2
import numpy as np

from svs.engines import tesseract
from svs.forms.register import Registration, warp
from svs.forms.template import WHITELISTS, FormField
from svs.schema import FormField as FieldResult
from svs.thresholds import FormThresholds

#: Field boxes are cut out at 220 dpi: typed capitals are then about 22 px tall, where Tesseract read mixed letters
#: and digits ("UT4839201") with more confidence than at 300 dpi (bench/bench_forms.py).
PX_PER_MM = 220 / 25.4
#: The box border and the ink spread around it: this much is cut off each side of a box.
INSET_MM = 0.9
#: A reading whose character count does not match the filled boxes keeps at most this confidence.
MISFIT_CONFIDENCE = 0.5
#: Under this confidence a Tesseract reading is unsure (bench/bench_forms.py: correct readings of typed capitals
#: score above 0.8, misreadings and smudged boxes mostly below 0.6).
TESSERACT_MIN_CONFIDENCE = 0.6
#: A field read with less confidence is read a second time alone; where the two readings differ it is unsure
#: (bench/bench_forms.py: a misreading 'IAIN' -> 'JAIN' scored 0.62).
RECHECK_BELOW = 0.85


def _cells(grey: np.ndarray, reg: Registration, f: FormField) -> list[np.ndarray]:
    out = []
    for i in range(f.boxes):
        x, y, w, h = f.box(i)
        out.append(warp(grey, reg, (x + INSET_MM, y + INSET_MM, w - 2 * INSET_MM, h - 2 * INSET_MM), PX_PER_MM))
    return out


def _strip(cells: list[np.ndarray], filled: list[bool]) -> np.ndarray:
    """The filled cells' glyphs side by side at a typed line's spacing (an empty cell inside the value is a word
    space), the paper made white, on a white margin: a line as Tesseract expects one."""
    h, w = cells[0].shape
    letter_gap = np.full((h, max(2, w // 8)), 255, np.uint8)
    word_gap = np.full((h, w // 2), 255, np.uint8)
    last = max(i for i, f in enumerate(filled) if f)
    parts: list[np.ndarray] = []
    for i in range(last + 1):
        if not filled[i]:
            parts.append(word_gap)
            continue
        cell = cells[i]
        cols = np.flatnonzero((cell < 128).any(axis=0))
        if cols.size:  # the glyph's columns, and at least half a box wide: a lone "I" is not taken for a speck
            half = max((cols[-1] - cols[0]) // 2 + 2, w // 4)
            mid = (cols[0] + cols[-1]) // 2
            cell = cell[:, max(0, mid - half):mid + half + 1]
        parts.append(cell)
        parts.append(letter_gap)
    row = np.hstack(parts)
    row = np.where(row > 170, 255, row).astype(np.uint8)  # the paper's grain and the box shading are not ink
    return cv2.copyMakeBorder(row, h // 2, h // 2, w, w, cv2.BORDER_CONSTANT, value=255)


#: Readings a field type cannot hold, put right by the type: a date has no letter O, a name no digit 0.
_AS_DIGIT = str.maketrans({"O": "0", "D": "0", "Q": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "G": "6",
                           "B": "8", "T": "7", "|": "1", "l": "1", "!": "1"})
_AS_LETTER = str.maketrans({"0": "O", "1": "I", "2": "Z", "5": "S", "6": "G", "8": "B", "7": "T", "|": "I",
                            "l": "I", "!": "I"})


def _by_type(text: str, kind: str) -> str:
    if kind in ("date", "digits"):
        return text.translate(_AS_DIGIT)
    if kind in ("name", "letters"):
        return text.translate(_AS_LETTER)
    return text


#: A box that is not clearly filled but has this share of grey (under 200 of 255) holds something no one can
#: read (a smudge, a stain, faint pencil): the field is unreadable, never empty.
UNCLEAR_GREY_SHARE = 0.1


@dataclass
class _Pending:
    field: FormField
    filled: list[bool]
    strip: np.ndarray | None
    unclear: bool = False
    cells: list[np.ndarray] = dataclasses.field(default_factory=list)


def _value(p: _Pending, words: list[tesseract.Word]) -> FieldResult:
    if not words:
        return FieldResult(value=None, confidence=0.0, valid=False)
    chars = _by_type("".join(w.text for w in words), p.field.type)
    runs = [len(r) for r in _runs(p.filled)]
    # Tesseract gives a word of one letter ("I") a confidence near 0 however clear it is: the confidence is the
    # length-weighted mean, and no more than that of the least sure word of two letters or more
    weighted = sum(w.confidence * len(w.text) for w in words) / max(1, sum(len(w.text) for w in words))
    confidence = min([weighted, *(w.confidence for w in words if len(w.text) > 1)])
    if len(chars) == sum(runs):
        parts, at = [], 0
        for n in runs:
            parts.append(chars[at:at + n])
            at += n
        value = " ".join(parts)
    else:
        value = _by_type(" ".join(w.text for w in words), p.field.type)
        confidence = min(confidence, MISFIT_CONFIDENCE)
    return FieldResult(value=value, confidence=round(confidence, 3), valid=p.field.valid(value))


def read_fields(grey: np.ndarray, reg: Registration, fields: list[FormField],
                thresholds: FormThresholds) -> dict[str, FieldResult]:
    """Every field of a page with one Tesseract call: the fields' strips are stacked one per line, each word
    goes back to the field whose line it lies on."""
    pending = []
    for f in fields:
        cells = _cells(grey, reg, f)
        filled = [float((c < 128).mean()) >= thresholds.min_cell_ink.value for c in cells]
        unclear = any(not full and float((c < 200).mean()) >= UNCLEAR_GREY_SHARE for c, full in zip(cells, filled,
                                                                                                   strict=True))
        pending.append(_Pending(f, filled, _strip(cells, filled) if any(filled) else None, unclear, cells))
    strips = [p.strip for p in pending if p.strip is not None]
    words: list[tesseract.Word] = []
    bands: list[tuple[int, int]] = []
    if strips:
        width = max(s.shape[1] for s in strips)
        rows, y = [], 0
        for s in strips:
            rows.append(cv2.copyMakeBorder(s, 0, 0, 0, width - s.shape[1], cv2.BORDER_CONSTANT, value=255))
            bands.append((y, y + s.shape[0]))
            y += s.shape[0]
        whitelist = "".join(sorted(set("".join(WHITELISTS[p.field.type] for p in pending))))
        words = tesseract.read_block(np.vstack(rows), whitelist)
    out: dict[str, FieldResult] = {}
    band = iter(bands)
    for p in pending:
        if p.strip is None:
            out[p.field.name] = FieldResult(value=None, confidence=0.0 if p.unclear else 1.0, valid=False,
                                            empty=not p.unclear)
            continue
        top, bottom = next(band)
        mine = sorted((w for w in words if top <= w.box[1] + w.box[3] / 2 < bottom), key=lambda w: w.box[0])
        value = _value(p, mine)
        if value.confidence < RECHECK_BELOW and not p.unclear:
            value = _second_reading(p, value)
        out[p.field.name] = value.model_copy(update={"confidence": 0.0}) if p.unclear else value
    return out


def _runs(filled: list[bool]) -> list[list[int]]:
    """The box indexes of each word (run of filled boxes)."""
    runs: list[list[int]] = []
    for i, f in enumerate(filled):
        if f and runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        elif f:
            runs.append([i])
    return runs


def _second_reading(p: _Pending, first: FieldResult) -> FieldResult:
    """A field Tesseract was not sure of is read again, word by word: each run of filled boxes as a line of one
    word with the field's own whitelist, a one-letter word as a single character. Tesseract's word confidence is
    low for mixed letters and digits however clear the print, and a line reading may drop a lone "I"; two
    readings that agree are taken with the better confidence. Where they differ, the field is unsure whatever
    either reading claimed."""
    whitelist = WHITELISTS[p.field.type]
    words, confidences = [], []
    for run in _runs(p.filled):
        strip = _strip([p.cells[i] for i in run], [True] * len(run))
        got = tesseract.read_char(strip) if len(run) == 1 else tesseract.read_line(strip, whitelist, spaces=False)
        text = _by_type("".join(w.text for w in got), p.field.type)
        if any(c not in whitelist for c in text):  # a lone character outside the type, even once mapped
            text = ""
        words.append(text)
        confidences.append(min((w.confidence for w in got), default=0.0) if len(text) == len(run) else 0.0)
    value = " ".join(words)
    second = FieldResult(value=value, confidence=round(min(confidences, default=0.0), 3), valid=p.field.valid(value))
    if second.value == first.value and min(confidences, default=0.0) > 0:
        # agreement does not raise the confidence above what Tesseract gave either reading: both readings
        # can make the same mistake ("IAIN" read "LAIN" twice at 200 dpi in bench/bench_forms.py)
        return first.model_copy(update={"confidence": max(first.confidence, second.confidence)})
    lower = first if first.confidence <= second.confidence else second
    return lower.model_copy(update={"confidence": min(lower.confidence, MISFIT_CONFIDENCE)})
