"""Tesseract adapter (Debian's ``tesseract-ocr`` through pytesseract): one line of text with a whitelist, its
words and their confidences. Every call has its own time limit, shorter than the worker's; a call past it is
stopped and raises :class:`~svs.errors.EngineTimeout`.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from svs.errors import EngineTimeout

# Tesseract's OpenMP threads make one small image several times slower on a busy machine (0.85 s against
# 0.2 s for a form page measured here); svs runs one process per core instead.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

NAME = "tesseract"
#: Seconds one Tesseract call may run (a line of a form takes 30-80 ms); the actor's limit is minutes.
TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Word:
    text: str
    confidence: float  # 0..1, Tesseract's word confidence
    box: tuple[int, int, int, int] = (0, 0, 0, 0)  # left, top, width, height in the image read


@lru_cache(maxsize=1)
def version() -> str:
    try:
        import pytesseract

        return f"tesseract {pytesseract.get_tesseract_version()}"
    except Exception:  # noqa: BLE001 - absence is recorded, never fatal
        return "unavailable"


def model_files() -> list[Path]:
    """The trained data Tesseract reads (English): where ``TESSDATA_PREFIX`` says, else Debian's place."""
    roots = [Path(os.environ["TESSDATA_PREFIX"])] if os.environ.get("TESSDATA_PREFIX") else []
    roots += sorted(Path("/usr/share/tesseract-ocr").glob("*/tessdata"), reverse=True)
    for root in roots:
        if (root / "eng.traineddata").is_file():
            return [root / "eng.traineddata"]
    return []


def read_line(grey: np.ndarray, whitelist: str, timeout_s: float | None = None, spaces: bool = True) -> list[Word]:
    """The words of one line of text in *grey* (dark ink on light paper), reading only *whitelist* characters.
    Without *spaces* the line is one word (Tesseract otherwise splits "UT4839201" where letters meet digits)."""
    return _read(grey, whitelist, 7, timeout_s, spaces)


def read_char(grey: np.ndarray, timeout_s: float | None = None) -> list[Word]:
    """One character alone, with no whitelist: a lone sans-serif "I" is a bare bar that Tesseract reads as "|"
    and, whitelisted away, drops. The caller maps the reading to what the field's type allows."""
    return _read(grey, "", 10, timeout_s, False)


def read_block(grey: np.ndarray, whitelist: str, timeout_s: float | None = None) -> list[Word]:
    """The words of a block of lines in *grey*, each with its box: one call reads a whole page's fields."""
    return _read(grey, whitelist, 6, timeout_s, True)


def _read(grey: np.ndarray, whitelist: str, psm: int, timeout_s: float | None, spaces: bool) -> list[Word]:
    import pytesseract

    timeout_s = TIMEOUT_S if timeout_s is None else timeout_s

    wl = ""
    if whitelist:  # a space in the whitelist keeps words apart; quoted: pytesseract splits its config like a shell
        wl = " -c " + shlex.quote("tessedit_char_whitelist=" + whitelist + (" " if spaces else ""))
    config = f"--psm {psm} --oem 1{wl} -c load_system_dawg=0 -c load_freq_dawg=0"
    try:
        data = pytesseract.image_to_data(grey, lang="eng", config=config, timeout=timeout_s,
                                         output_type=pytesseract.Output.DICT)
    except RuntimeError as exc:  # pytesseract's timeout
        if "timeout" in str(exc).lower():
            raise EngineTimeout(f"tesseract ran past {timeout_s:g} s") from None
        raise
    words = []
    for i, text in enumerate(data["text"]):
        text = str(text).strip()
        if text:
            box = (int(data["left"][i]), int(data["top"][i]), int(data["width"][i]), int(data["height"][i]))
            words.append(Word(text, max(0.0, float(data["conf"][i])) / 100.0, box))
    return words
