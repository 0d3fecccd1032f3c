"""The drawing kit of the operator's pictures (:mod:`svs.quality.overlay`, :mod:`svs.photo.overlay`): one set of
colours, the scaling to a legible width, and the caption strip of words beneath."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

Colour = tuple[int, int, int]  # BGR

GREEN: Colour = (60, 170, 60)
RED: Colour = (40, 40, 220)
AMBER: Colour = (0, 170, 240)
BLUE: Colour = (200, 120, 40)
#: Overlays are drawn at this width: legible text whatever the image's size.
WIDTH = 480


@dataclass(frozen=True)
class CaptionStyle:
    line_px: int  # height of one line of text
    baseline: int  # first line's baseline below the strip's top
    pad: int  # strip height beyond its lines
    scale: float  # Hershey font scale
    px_per_char: int  # a line holds the strip's width over this many characters; longer text is wrapped or cut
    wrap: bool  # wrap long lines onto the next; else cut them
    min_chars: int = 0


def scaled(image_bgr: np.ndarray, width: int = WIDTH) -> tuple[np.ndarray, float]:
    """The image resized to *width* pixels wide, and the scale applied."""
    s = width / image_bgr.shape[1]
    return cv2.resize(image_bgr, (width, max(1, round(image_bgr.shape[0] * s))), interpolation=cv2.INTER_AREA), s


def _wrap(text: str, width_chars: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for w in words:
        if len(line) + len(w) + 1 > width_chars and line:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    return [*lines, line] if line else lines


def caption(img: np.ndarray, lines: list[tuple[str, Colour]], style: CaptionStyle) -> np.ndarray:
    """*img* with a white strip beneath holding *lines*, each in its colour."""
    w = img.shape[1]
    chars = max(style.min_chars, w // style.px_per_char)
    rows: list[tuple[str, Colour]] = []
    for text, colour in lines:
        if style.wrap:
            rows.extend((t, colour) for t in _wrap(text, chars))
        else:
            rows.append((text[:chars], colour))
    strip = np.full((style.line_px * len(rows) + style.pad, w, 3), 255, np.uint8)
    for i, (text, colour) in enumerate(rows):
        # OpenCV's Hershey fonts draw ASCII only: anything else becomes '?'
        safe = text.encode("ascii", "replace").decode("ascii")
        cv2.putText(strip, safe, (6, style.baseline + i * style.line_px), cv2.FONT_HERSHEY_SIMPLEX, style.scale,
                    colour, 1, cv2.LINE_AA)
    return np.vstack([img, strip])
