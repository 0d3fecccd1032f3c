"""The MRZ stage: an engine reads the lines, :mod:`svs.mrz.parse` validates them."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date

import numpy as np

from svs.engines import passporteye
from svs.mrz.parse import parse
from svs.schema import MrzFields, MrzResult

Reader = Callable[[np.ndarray], list[str]]

READERS: dict[str, Reader] = {passporteye.NAME: passporteye.read_lines}
DEFAULT_READER = passporteye.NAME


def _candidate_lines(lines: list[str]) -> list[str]:
    """The longest run of 2 or 3 equally long lines of MRZ length in the engine's output."""
    for n, length in ((2, 44), (3, 30), (2, 36)):
        for i in range(len(lines) - n + 1):
            window = lines[i : i + n]
            if all(len(x) == length for x in window):
                return window
    return lines


def read_mrz(image: np.ndarray, today: date, reader: str = DEFAULT_READER) -> MrzResult:
    """Find, read and validate the MRZ on an image."""
    start = time.perf_counter()
    raw = READERS[reader](image)
    parsed = parse(_candidate_lines(raw), today)
    ms = round((time.perf_counter() - start) * 1000, 1)
    if parsed.format is None:
        return MrzResult(found=False, format=None, lines=[], valid=False, fields=MrzFields(), checks={},
                         warnings=[], reasons=["mrz.not_found"], engine=reader, ms=ms)
    return MrzResult(found=True, format=parsed.format, lines=parsed.lines,  # type: ignore[arg-type]
                     valid=parsed.valid, fields=parsed.fields, checks=parsed.checks,
                     warnings=parsed.warnings, reasons=parsed.reasons, engine=reader, ms=ms)
