"""The MRZ stage: a reader finds and reads the lines, :mod:`svs.mrz.parse` validates them.

Readers are selectable: ``svs`` (the project's own, the default), ``passporteye`` (the baseline, kept for
comparison) and ``tesseract`` (svs's locator with Tesseract reading the lines, to compare recognisers). Each
returns a :class:`Reading` or None.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date

import numpy as np

from svs.engines import passporteye
from svs.mrz import reader as svs_reader
from svs.mrz import tesseract_reader
from svs.mrz.confidence import field_confidence, uncertain
from svs.mrz.parse import parse
from svs.mrz.reader import Reading
from svs.schema import MrzFields, MrzResult

READERS: dict[str, Callable[[np.ndarray], Reading | None]] = {}
DEFAULT_READER = svs_reader.NAME
#: Reason for a field no check digit covers read below confidence (:mod:`svs.mrz.confidence`): verdict refer.
UNCERTAIN_REASON = "mrz.uncertain_field"
#: Warning and reason for an MRZ whose glyphs the image's edge cuts off: no check digit chose among their
#: fragments, and none over them is reported as passed.
CUT_OFF_WARNING = "glyphs_cut_off"
CUT_OFF_REASON = "mrz.cut_off"


def _candidate_lines(lines: list[str]) -> list[str]:
    """The first run of 2 or 3 equally long lines of MRZ length in an engine's text output."""
    for n, length in ((2, 44), (3, 30), (2, 36)):
        for i in range(len(lines) - n + 1):
            window = lines[i : i + n]
            if all(len(x) == length for x in window):
                return window
    return lines


def _passporteye(image: np.ndarray) -> Reading | None:
    lines = passporteye.read_lines(image)
    return Reading(_candidate_lines(lines)) if lines else None


READERS[svs_reader.NAME] = svs_reader.read
READERS[passporteye.NAME] = _passporteye
READERS[tesseract_reader.NAME] = tesseract_reader.read


def read_mrz_with_crop(image: np.ndarray, today: date, reader: str = DEFAULT_READER,
                       ) -> tuple[MrzResult, np.ndarray | None]:
    """Find, read and validate the MRZ; also the normalised MRZ crop for the report, where the reader gives one."""
    start = time.perf_counter()
    reading = READERS[reader](image)
    parsed = parse(reading.lines, today) if reading else None
    ms = round((time.perf_counter() - start) * 1000, 1)
    if reading is None or parsed is None or parsed.format is None:
        return MrzResult(found=False, format=None, lines=[], valid=False, fields=MrzFields(), checks={},
                         warnings=[], reasons=["mrz.not_found"], engine=reader, ms=ms), None
    warnings = parsed.warnings + [f"read_by_check_digit:{name}" for name in reading.corrected]
    confidence = field_confidence(parsed.format, reading.confidence)
    unsure = uncertain(confidence)
    # names carry no check digit: a person should compare them
    warnings += ["names_low_confidence" if name == "names" else f"low_confidence:{name}" for name in unsure]
    checks, reasons = dict(parsed.checks), list(parsed.reasons)
    # a field whose check digit cannot tell two readings apart (G and 6 weigh the same) is as unverified as one
    # without a check digit
    if unsure or reading.unconfirmed:
        reasons.append(UNCERTAIN_REASON)  # nothing verified these characters: a person compares them
    if reading.cut_off:
        warnings.append(CUT_OFF_WARNING)
        reasons.append(CUT_OFF_REASON)  # a rescan, while the paper is still on the glass
        # checks over a cut glyph verify nothing (svs.mrz.decode): reported as not passed
        checks.update({name: False for name in reading.cut_checks if name in checks})
    # a check digit that passes confirms nothing where a plausible other reading weighs the same (G and 6)
    warnings += [f"unconfirmed:{name}" for name in reading.unconfirmed]
    result = MrzResult(found=True, format=parsed.format, lines=parsed.lines,  # type: ignore[arg-type]
                       valid=parsed.valid and all(checks.values()), fields=parsed.fields, checks=checks,
                       warnings=warnings, reasons=reasons, field_confidence=confidence,
                       corrected=reading.corrected, others=reading.others, engine=reader, ms=ms)
    return result, reading.crop


def read_mrz(image: np.ndarray, today: date, reader: str = DEFAULT_READER) -> MrzResult:
    """Find, read and validate the MRZ on an image."""
    return read_mrz_with_crop(image, today, reader)[0]
