"""Reading a registered form page: every field's character boxes cut out upright, their printed borders taken
away (:mod:`svs.forms.boxes`), the empty ones told from the filled ones and from those holding only a faint mark,
and the filled ones recognised all at once by svs's boxed-character recogniser, then each field decoded under its
type and pattern (:mod:`svs.forms.icr`). A crossed-out box is left out of the value and reported; a field with
one is unsure, as is one with a faint mark or a character the recogniser is not sure of.

``reader="tesseract"`` reads the same boxes with Tesseract instead (:mod:`svs.forms.read_tesseract`: the baseline
the benchmark compares with).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

from svs.forms import read_tesseract
from svs.forms.boxes import FAINT_DIP, Box, clean, cut_row, paper_and_blank, region_mm
from svs.forms.icr import CLASSES, CROSSED, TICK, decode, real_date, recogniser, same_writing
from svs.forms.register import Registration, identify, warp
from svs.forms.template import FormField, Template, all_templates
from svs.schema import FormField as FieldResult
from svs.schema import FormResult
from svs.thresholds import FormThresholds

#: A box that is not filled but has this share of its inside faintly marked holds something no one can read (a
#: smudge, a stain, faint pencil): the field is unsure, never empty.
FAINT_SHARE = 0.03
#: A filled box is crossed out where the recogniser gives "crossed out" at least this probability.
CROSSED_PROBABILITY = 0.5
#: A field with a crossed-out box keeps at most this confidence: a person confirms what the writer meant.
CROSSED_CONFIDENCE = 0.5
READERS = ("icr", "tesseract")
#: A tick box inked over at least this share of its inside is filled in (a tick or a cross covers well under a
#: fifth of it).
TICK_FILLED_SHARE = 0.45
#: A box with nothing in it.
EMPTY = Box(np.zeros((1, 1), np.uint8), (0, 0, 1, 1))


@dataclass
class _Field:
    spec: FormField
    boxes: list[Box]
    filled: list[bool]
    faint: bool
    rows: list[int] = field(default_factory=list)  # each filled box's row in the page's probability table


def _cut_field(grey: np.ndarray, reg: Registration, f: FormField, min_ink: float) -> _Field:
    regions = cut_row(grey, reg, f.x, f.y, f.boxes, f.pitch, f.box_w, f.box_h)
    boxes = [EMPTY if empty else clean(r, f.box_w, f.box_h, paper)
             for r, (paper, empty) in zip(regions, paper_and_blank(regions), strict=True)]
    filled = [b.own_share() >= min_ink for b in boxes]
    faint = any(not full and b.share(FAINT_DIP) >= FAINT_SHARE for b, full in zip(boxes, filled, strict=True))
    return _Field(f, boxes, filled, faint)


def _accept(f: FormField, today: dt.date | None) -> Callable[[str], bool]:
    if f.type == "date":
        return lambda v: f.valid(v) and real_date(v, today)
    return f.valid


def _tick(proba: np.ndarray | None, box: Box) -> str:
    """A tick box's state: empty, filled (inked over), ticked, crossed, or unsure."""
    if proba is None:
        return "empty"
    if box.share() >= TICK_FILLED_SHARE:
        return "filled"
    if proba[CLASSES.index(TICK)] >= 0.5:
        return "ticked"
    if proba[CLASSES.index(CROSSED)] + proba[CLASSES.index("X")] >= 0.5:
        return "crossed"
    return "unsure"


def _field_value(p: _Field, proba: np.ndarray, today: dt.date | None) -> FieldResult:
    f = p.spec
    if not any(p.filled):
        return FieldResult(value=None, confidence=0.0 if p.faint else 1.0, valid=False, empty=not p.faint)
    if f.type == "tick":
        state = _tick(proba[p.rows[0]] if p.filled[0] else None, p.boxes[0])
        return FieldResult(value=state, confidence=0.0 if state == "unsure" else 1.0, valid=state != "unsure")
    slots: list[np.ndarray | None] = []
    crossed: list[int] = []
    rows = iter(p.rows)
    for i, full in enumerate(p.filled):
        if not full:
            slots.append(None)
            continue
        row = proba[next(rows)]
        if row[CLASSES.index(CROSSED)] >= CROSSED_PROBABILITY:
            crossed.append(i)  # left out of the value: the writer's next box goes on where this one stood
            continue
        slots.append(row)
    read = decode(slots, f.type, _accept(f, today))
    if read is None:  # nothing the field accepts among the likely readings: the network's own best, invalid
        best = decode(slots, f.type, lambda v: True)
        if best is None:
            return FieldResult(value=None, confidence=0.0, valid=False, crossed_out=crossed)
        return FieldResult(value=best.value, confidence=round(best.confidence, 3), valid=False, crossed_out=crossed)
    confidence = read.confidence
    if crossed:
        confidence = min(confidence, CROSSED_CONFIDENCE)
    if p.faint:
        confidence = 0.0
    return FieldResult(value=read.value, confidence=round(confidence, 3), valid=True, crossed_out=crossed)


def read_fields(grey: np.ndarray, reg: Registration, fields: list[FormField], thresholds: FormThresholds,
                today: dt.date | None = None) -> dict[str, FieldResult]:
    """Every field of a page: its boxes cut and cleaned, every filled box of the page through the recogniser at
    once, then each field decoded (*today*: no date read lies after it; the day it runs by default)."""
    pending = [_cut_field(grey, reg, f, thresholds.min_cell_ink.value) for f in fields]
    cells: list[np.ndarray] = []
    for p in pending:
        for b, full in zip(p.boxes, p.filled, strict=True):
            if full:
                p.rows.append(len(cells))
                cells.append(b.cell())
    proba = recogniser().proba(np.stack(cells)) if cells else np.empty((0, len(CLASSES)), np.float32)
    return {p.spec.name: _field_value(p, proba, today) for p in pending}


def status_of(r: FieldResult, thresholds: FormThresholds, floor: float | None = None) -> str:
    """read, empty, unsure (under the confidence a person need not check, a faint mark or a crossed-out box) or
    invalid. *floor*: the confidence under which a reading is unsure (the threshold profile's by default)."""
    if r.empty:
        return "empty"
    if r.value is not None and not r.valid:
        return "invalid"
    if r.value is None or r.confidence < (thresholds.min_field_confidence.value if floor is None else floor):
        return "unsure"
    return "read"


def confirm(grey: np.ndarray, reg: Registration, fields: list[FormField], results: dict[str, FieldResult],
            thresholds: FormThresholds) -> dict[str, FieldResult]:
    """A second reading of the fields the recogniser left unsure: Tesseract reads the same boxes (one call for
    them all); a field it reads as the recogniser did is read by two readers that agree, and stands. They agree
    where the readings are equal, or differ only by lookalikes (O and 0, I and 1) and Tesseract's, which tells
    typed lookalikes apart by their shapes, is valid: then Tesseract's stands. Nothing else changes: a field
    Tesseract reads otherwise stays unsure. Fields with a faint mark or a crossed-out box stay for a person
    whatever both read."""
    floor = thresholds.min_field_confidence.value
    unsure = [f for f in fields if f.name in results and f.type != "tick"
              and status_of(results[f.name], thresholds) == "unsure" and results[f.name].value
              and results[f.name].confidence > 0.0 and not results[f.name].crossed_out]
    if not unsure:
        return results
    second = read_tesseract.read_fields(grey, reg, unsure, thresholds)
    out = dict(results)
    for f in unsure:
        mine, theirs = results[f.name], second.get(f.name)
        if theirs is None or not theirs.value or not mine.value:
            continue
        if theirs.value == mine.value or (same_writing(theirs.value, mine.value) and f.valid(theirs.value)):
            out[f.name] = mine.model_copy(update={"value": theirs.value, "valid": True,
                                                  "confidence": max(mine.confidence, floor),
                                                  "reader": "icr+tesseract"})
    return out


#: A field's crop shown to the person who keys it: this many pixels a millimetre, with this much around it.
CROP_PX_PER_MM = 6.0
CROP_MARGIN_MM = 1.5


def field_crops(grey: np.ndarray, reg: Registration, fields: list[FormField],
                names: list[str]) -> np.ndarray | None:
    """The boxes of the fields *names* as written, upright, one under the other with the field's label: the
    picture a person keys them from (None where there are none)."""
    rows = []
    for f in fields:
        if f.name not in names:
            continue
        x, y, w, h = region_mm((f.x, f.y, f.pitch * (f.boxes - 1) + f.box_w, f.box_h))
        strip = warp(grey, reg, (x - CROP_MARGIN_MM, y - CROP_MARGIN_MM, w + 2 * CROP_MARGIN_MM,
                                 h + 2 * CROP_MARGIN_MM), CROP_PX_PER_MM)
        label = np.full((26, strip.shape[1]), 255, np.uint8)
        cv2.putText(label, f.label, (4, 19), cv2.FONT_HERSHEY_SIMPLEX, 0.6, 0, 1, cv2.LINE_AA)
        rows.append(np.vstack([label, strip]))
    if not rows:
        return None
    width = max(r.shape[1] for r in rows)
    return np.vstack([cv2.copyMakeBorder(r, 0, 6, 0, width - r.shape[1], cv2.BORDER_CONSTANT, value=255)
                      for r in rows])


def read_form_with_crop(grey_half: np.ndarray, grey: np.ndarray, thresholds: FormThresholds = FormThresholds(),
                        template: Template | None = None, reader: str = "icr",
                        today: dt.date | None = None,
                        second_reader: bool = True) -> tuple[FormResult | None, np.ndarray | None]:
    """The form's fields where the page is a page of *template* (else of any known template, the one whose
    anchors, page code and boxes it fits), and the picture of the fields a person must key (None where every
    field was read); (None, None) where the page is no template's.

    *grey_half* finds the anchors quickly; the fields are read from the full-resolution *grey*. *second_reader*:
    fields the recogniser is unsure of are read again by Tesseract (:func:`confirm`).
    """
    start = time.perf_counter()
    found = identify(grey_half, [template] if template is not None else all_templates())
    if found is None:
        return None, None
    t, page = found.template, found.page
    reg = found.registration.scaled(grey.shape[1] / grey_half.shape[1])
    result = FormResult(template=f"{t.name} {t.version}", page=page, anchors=reg.anchors_found)
    spec = t.pages.get(page)
    if reader == "tesseract":
        tess = read_tesseract.read_fields(grey, reg, spec.fields, thresholds) if spec else {}
        fields = {name: r.model_copy(update={"reader": "tesseract"}) for name, r in tess.items()}
        floor: float | None = read_tesseract.TESSERACT_MIN_CONFIDENCE
    else:
        fields = read_fields(grey, reg, spec.fields, thresholds, today) if spec else {}
        if second_reader and spec:
            fields = confirm(grey, reg, spec.fields, fields, thresholds)
        floor = None
    result.fields = {name: r.model_copy(update={"status": status_of(r, thresholds, floor)})
                     for name, r in fields.items()}
    to_key = [name for name, r in result.fields.items() if r.status in ("unsure", "invalid")]
    if to_key:
        result.reasons = ["form.field_unreadable"]
    crop = field_crops(grey, reg, spec.fields, to_key) if spec and to_key else None
    result.ms = round((time.perf_counter() - start) * 1000, 1)
    return result, crop


def read_form(grey_half: np.ndarray, grey: np.ndarray, thresholds: FormThresholds = FormThresholds(),
              template: Template | None = None, reader: str = "icr", second_reader: bool = True) -> FormResult | None:
    """:func:`read_form_with_crop` without the picture."""
    return read_form_with_crop(grey_half, grey, thresholds, template, reader, second_reader=second_reader)[0]


__all__ = ["READERS", "read_fields", "read_form", "read_form_with_crop", "status_of"]
