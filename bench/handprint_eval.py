"""Hand-printed forms for measurement only: never used to train or tune the recogniser.

Written apart from the training generator (``models/strokes.py``, ``models/train_icr.py``): its own letterforms
(SVG-like paths of lines and Bezier curves, drawn to other proportions and with other variants), its own pen (a
round nib stamped along each curve, wider where the pen slows in curves), and writers: each writer keeps one
slant, one width, one size, one pen, one ink colour and one form of each variant character (a 1 with a base or
not, a crossed 7 or Z, an open 4) through the whole form, as people do, with small changes from box to box. A
writer may also be one of the handwriting fonts the recogniser never saw (``HELD_OUT_FONTS``).

The filled page is the blank form as ``svs form blank`` renders it, in colour, the writing on it, then printed
and scanned: 200 or 300 dpi, skew, blur, noise, JPEG.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from svs.forms.render import render_page
from svs.forms.template import Template

HELD_OUT_FONTS = [
    "/usr/share/fonts/truetype/breip/Breip.ttf", "/usr/share/fonts/truetype/humor-sans/Humor-Sans.ttf",
    "/usr/share/fonts/opentype/bwht/BecauseWeLearn-Regular.otf",
    "/usr/share/fonts/opentype/bwht/BecauseWeOrganize-Regular.otf",
]

#: Letterforms on a 10 x 10 grid (x right, y down, 0 the cap line, 10 the baseline): M move, L line, Q quadratic
#: and C cubic Bezier, as in SVG paths. Where a character has several forms, a writer keeps to one.
PATHS: dict[str, list[str]] = {
    "A": ["M0 10 L5 0 L10 10 M2 6.5 L8 6.5", "M0 10 Q5 -3 10 10 M2.2 6 L7.8 6"],
    "B": ["M1 0 L1 10 M1 0 C8 0 8 5 1 5 M1 5 C10 5 10 10 1 10"],
    "C": ["M9 1.5 C6 -1 0 0 0 5 C0 10 6 11 9 8.5"],
    "D": ["M1 0 L1 10 M1 0 C11 0 11 10 1 10"],
    "E": ["M9 0 L1 0 L1 10 L9 10 M1 5 L7 5"],
    "F": ["M9 0 L1 0 L1 10 M1 4.5 L7 4.5"],
    "G": ["M9 1.5 C6 -1 0 0 0 5 C0 10 7 11 9.5 7 L9.5 5 L6 5"],
    "H": ["M1 0 L1 10 M9 0 L9 10 M1 5 L9 5"],
    "I": ["M5 0 L5 10", "M2 0 L8 0 M5 0 L5 10 M2 10 L8 10"],
    "J": ["M8 0 L8 7 C8 11 1 11 1 7", "M3 0 L10 0 M7 0 L7 7 C7 11 1 11 1 7.5"],
    "K": ["M1 0 L1 10 M9 0 L1 6 M3.5 4.5 L9 10"],
    "L": ["M1 0 L1 10 L8 10"],
    "M": ["M0 10 L1 0 L5 7 L9 0 L10 10", "M0.5 10 L0.5 0 L5 10 L9.5 0 L9.5 10"],
    "N": ["M1 10 L1 0 L9 10 L9 0"],
    "O": ["M5 0 C-1.5 0 -1.5 10 5 10 C11.5 10 11.5 0 5 0"],
    "P": ["M1 10 L1 0 C9 0 9 5.5 1 5.5"],
    "Q": ["M5 0 C-1.5 0 -1.5 10 5 10 C11.5 10 11.5 0 5 0 M6 7 L10 11"],
    "R": ["M1 10 L1 0 C9 0 9 5.5 1 5.5 L9 10"],
    "S": ["M9 1.5 C7 -0.5 1 -0.5 1 2.5 C1 5 9 4.5 9 7.5 C9 10.5 2 10.5 0.5 8.5"],
    "T": ["M0 0 L10 0 M5 0 L5 10"],
    "U": ["M1 0 L1 6.5 C1 11 9 11 9 6.5 L9 0"],
    "V": ["M0 0 L5 10 L10 0"],
    "W": ["M0 0 L2.5 10 L5 3 L7.5 10 L10 0"],
    "X": ["M0.5 0 L9.5 10 M9.5 0 L0.5 10"],
    "Y": ["M0 0 L5 5 L10 0 M5 5 L5 10"],
    "Z": ["M0.5 0 L9.5 0 L0.5 10 L9.5 10", "M0.5 0 L9.5 0 L0.5 10 L9.5 10 M3 5 L7 5"],
    "0": ["M5 0 C0 0 0 10 5 10 C10 10 10 0 5 0"],
    "1": ["M2.5 2 L5.5 0 L5.5 10", "M2.5 2 L5.5 0 L5.5 10 M3 10 L8 10", "M5 0 L5 10"],
    "2": ["M1 2.5 C1.5 -0.5 9 -0.5 8.5 3 C8 5.5 3 7 0.5 10 L9.5 10"],
    "3": ["M1 1 C4 -0.5 9 0 8.5 2.5 C8 4.5 5 5 3.5 5 C9 5 10 8 8 9.5 C6 11 2 10.5 0.5 9"],
    "4": ["M7 10 L7 0 L0 7 L10 7", "M2.5 0 L0.5 6.5 L9.5 6.5 M7 3 L7 10"],
    "5": ["M9 0 L2 0 L1.5 4.5 C5 3 9.5 4.5 9 7.5 C8.5 10.5 3 10.5 0.5 8.5"],
    "6": ["M8 0.5 C3 0 0.5 4 0.5 7 C0.5 10.5 9 10.5 9 7 C9 4 2 4 0.8 6.5"],
    "7": ["M0.5 0 L9.5 0 L3.5 10", "M0.5 0 L9.5 0 L3.5 10 M2.5 5 L7.5 5"],
    "8": ["M5 5 C-1 3.5 1 0 5 0 C9 0 11 3.5 5 5 C-1 6.5 0 10 5 10 C10 10 11 6.5 5 5"],
    "9": ["M9 3 C9 -1 1 -1 1 3 C1 6 9 6 9 3 L8.5 10", "M9 3 C9 -1 1 -1 1 3 C1 6 9 6 9 3 C9 7 7 10 2 10"],
    "'": ["M5.5 0 L5 2.5"],
    "-": ["M2 5.5 L8 5.5"],
    ",": ["M5.5 8.8 C6 10 5.5 11 4 11.8"],
    ".": ["M5 9.5 L5.3 9.7"],
    "/": ["M9 0 L1 10"],
}
#: Width of each character's cell relative to the writer's width (narrow ones drawn narrow).
NARROW = {"I": 0.4, "1": 0.55, "'": 0.3, ",": 0.3, ".": 0.3, "J": 0.8, "0": 0.8}


def _parse(path: str) -> list[list[np.ndarray]]:
    """A path as strokes, each a list of segments: (2,) points for lines, (3 or 4, 2) control points for curves."""
    tokens = re.findall(r"[MLQC]|-?\d+(?:\.\d+)?", path)
    strokes: list[list[np.ndarray]] = []
    pos = np.zeros(2)
    i = 0
    while i < len(tokens):
        op = tokens[i]
        n = {"M": 1, "L": 1, "Q": 2, "C": 3}[op]
        pts = np.array([float(v) for v in tokens[i + 1 : i + 1 + 2 * n]]).reshape(n, 2)
        i += 1 + 2 * n
        if op == "M":
            strokes.append([])
        else:
            strokes[-1].append(np.vstack([pos, pts]))
        pos = pts[-1]
    return strokes


def _points(segment: np.ndarray, step: float = 0.25) -> np.ndarray:
    """Points along a line or Bezier segment (control points *segment*), about *step* apart."""
    length = float(np.sum(np.linalg.norm(np.diff(segment, axis=0), axis=1)))
    t = np.linspace(0, 1, max(2, int(length / step)))[:, None]
    if len(segment) == 2:
        return segment[0] + t * (segment[1] - segment[0])
    if len(segment) == 3:
        return (1 - t) ** 2 * segment[0] + 2 * (1 - t) * t * segment[1] + t**2 * segment[2]
    return ((1 - t) ** 3 * segment[0] + 3 * (1 - t) ** 2 * t * segment[1] + 3 * (1 - t) * t**2 * segment[2]
            + t**3 * segment[3])


INKS = {"black": (25, 25, 30), "blue": (35, 45, 150), "dark blue": (25, 30, 95), "pale blue": (70, 95, 185)}


@dataclass(frozen=True)
class Writer:
    slant: float  # shear: the top moves right by this share of the height
    width: float  # character width over height
    fill: float  # capital height over box height
    pen_mm: float
    ink: tuple[int, int, int]
    forms: dict[str, int]  # which variant of each character
    tremor: float  # grid units
    font: str | None = None  # a held-out handwriting font instead of pen strokes

    @staticmethod
    def random(rng: np.random.Generator, fonts: list[str] | None = None) -> Writer:
        inks = list(INKS.values())
        font = None
        if fonts and rng.random() < 0.35:
            font = fonts[int(rng.integers(len(fonts)))]
        return Writer(slant=float(rng.normal(0.08, 0.12)), width=float(rng.uniform(0.6, 0.95)),
                      fill=float(rng.uniform(0.5, 0.85)), pen_mm=float(rng.uniform(0.25, 0.6)),
                      ink=inks[int(rng.choice(len(inks), p=[0.45, 0.3, 0.15, 0.1]))],
                      forms={c: int(rng.integers(len(p))) for c, p in PATHS.items()},
                      tremor=float(rng.uniform(0.0, 0.25)), font=font)


def write_char(img: Image.Image, ch: str, box_px: tuple[float, float, float, float], w: Writer,
               rng: np.random.Generator, px_per_mm: float) -> None:
    """One character written in the box (x, y, w, h in page pixels) by writer *w*."""
    bx, by, bw, bh = box_px
    cap = bh * w.fill * float(rng.uniform(0.92, 1.08))
    cx = bx + bw / 2 + float(rng.normal(0, 0.05)) * bw
    base = by + bh / 2 + cap / 2 + float(rng.normal(0, 0.04)) * bh
    d = ImageDraw.Draw(img)
    if w.font is not None:
        f = ImageFont.truetype(w.font, max(8, round(cap / 0.7)))
        d.text((cx, base), ch, font=f, fill=w.ink, anchor="ms")
        return
    forms = PATHS[ch]
    path = forms[w.forms.get(ch, 0) % len(forms)]
    width = cap * w.width * NARROW.get(ch, 1.0)
    angle = math.radians(float(rng.normal(0, 2.5)))
    r_pen = max(0.5, w.pen_mm * px_per_mm / 2)
    for stroke in _parse(path):
        if not stroke:
            continue
        pts = np.vstack([_points(seg) for seg in stroke])
        if w.tremor > 0:
            walk = np.cumsum(rng.normal(0, w.tremor * 0.15, pts.shape), axis=0)
            walk -= np.linspace(0, 1, len(pts))[:, None] * walk[-1]  # ends where it should
            pts = pts + walk
        u = (pts[:, 0] - 5) / 10 * width
        v = (pts[:, 1] - 10) / 10 * cap
        u = u - w.slant * v
        x = cx + u * math.cos(angle) - v * math.sin(angle)
        y = base + u * math.sin(angle) + v * math.cos(angle)
        speed = np.r_[0, np.hypot(np.diff(x), np.diff(y))]
        for k in range(len(x)):
            r = r_pen * (1.15 if speed[k] < 0.5 * np.median(speed) else 1.0)
            d.ellipse([x[k] - r, y[k] - r, x[k] + r, y[k] + r], fill=w.ink)


def filled_page(template: Template, page: int, values: dict[str, str], writer: Writer, rng: np.random.Generator,
                dpi: float = 300.0, reference: str | None = None,
                marks: dict[str, str] | None = None) -> np.ndarray:
    """The blank page as ``svs form blank`` prints it, hand-filled with *values* (one character a box, a space an
    empty box); *marks*: field name -> "tick", "cross" or "fill" for tick boxes. BGR."""
    blank = render_page(template, page, dpi, reference)
    img = Image.fromarray(blank).convert("RGB")
    k = dpi / 25.4
    for f in template.pages[page].fields:
        text = values.get(f.name, "")
        for i, ch in enumerate(text[: f.boxes]):
            if ch == " ":
                continue
            x, y, bw, bh = f.box(i)
            write_char(img, ch, (x * k, y * k, bw * k, bh * k), writer, rng, k)
        mark = (marks or {}).get(f.name)
        if mark:
            x, y, bw, bh = f.box(0)
            _mark(img, mark, (x * k, y * k, bw * k, bh * k), writer, rng, k)
    return cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)


def _mark(img: Image.Image, kind: str, box: tuple[float, float, float, float], w: Writer, rng: np.random.Generator,
          px_per_mm: float) -> None:
    x, y, bw, bh = box
    d = ImageDraw.Draw(img)
    pen = max(1, round(w.pen_mm * px_per_mm))
    if kind == "fill":
        d.rectangle([x + bw * 0.1, y + bh * 0.1, x + bw * 0.9, y + bh * 0.9], fill=w.ink)
    elif kind == "tick":
        a = (x + bw * 0.15, y + bh * float(rng.uniform(0.45, 0.6)))
        b = (x + bw * float(rng.uniform(0.35, 0.5)), y + bh * 0.85)
        c = (x + bw * float(rng.uniform(0.85, 1.05)), y + bh * float(rng.uniform(0.0, 0.2)))
        d.line([a, b, c], fill=w.ink, width=pen, joint="curve")
    elif kind == "cross":
        d.line([(x + bw * 0.15, y + bh * 0.15), (x + bw * 0.85, y + bh * 0.85)], fill=w.ink, width=pen)
        d.line([(x + bw * 0.85, y + bh * 0.15), (x + bw * 0.15, y + bh * 0.85)], fill=w.ink, width=pen)


def strike(img: np.ndarray, template: Template, page: int, field: str, box: int, dpi: float,
           w: Writer) -> None:
    """Cross out what is written in one box (in place): two strokes corner to corner."""
    f = next(f for f in template.pages[page].fields if f.name == field)
    k = dpi / 25.4
    x, y, bw, bh = (v * k for v in f.box(box))
    pen = max(1, round(w.pen_mm * k))
    colour = tuple(int(c) for c in w.ink[::-1])
    cv2.line(img, (round(x + bw * 0.1), round(y + bh * 0.15)), (round(x + bw * 0.9), round(y + bh * 0.85)), colour, pen)
    cv2.line(img, (round(x + bw * 0.9), round(y + bh * 0.15)), (round(x + bw * 0.1), round(y + bh * 0.85)), colour, pen)


def scan(page: np.ndarray, rng: np.random.Generator, dpi: int, skew: float) -> bytes:
    """Printed and scanned: turned by *skew* degrees, at *dpi* (from a 300-dpi page), blurred, noisy, JPEG."""
    h, w = page.shape[:2]
    rot = cv2.getRotationMatrix2D((w / 2, h / 2), skew, 1.0)
    img = cv2.warpAffine(page, rot, (w, h), flags=cv2.INTER_LINEAR, borderValue=(250, 250, 250))
    if dpi != 300:
        img = cv2.resize(img, None, fx=dpi / 300, fy=dpi / 300, interpolation=cv2.INTER_AREA)
    sigma = float(rng.uniform(0.0, 0.9))
    if sigma > 0.3:
        img = cv2.GaussianBlur(img, (0, 0), sigma)
    img = np.clip(img.astype(np.float32) + rng.normal(0, float(rng.uniform(1.5, 5)), img.shape), 0, 255)
    ok, enc = cv2.imencode(".jpg", img.astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(60, 92))])
    assert ok
    return enc.tobytes()


def available_fonts() -> list[str]:
    return [f for f in HELD_OUT_FONTS if Path(f).is_file()]
