"""Capitals, digits and marks drawn as pen strokes, for training the boxed-character recogniser
(``models/train_icr.py``) only. The evaluation's hand-printing is drawn by a separately written generator
(``bench/handprint_eval.py``: its own letterforms and its own pen), never by this one.

Each character is a few strokes of points in a unit box (x right, y down, 0..1: cap height to baseline); some
characters have more than one form, as writers make them (a 1 with or without a base, a 7 crossed or not). The
pen varies as real writers vary: slant, size, width, rotation, wobble, loops left open or overshot, strokes
lifted and put down a little off, width that follows pressure.
"""

from __future__ import annotations

import itertools
import math

import cv2
import numpy as np

Stroke = list[tuple[float, float]]


def arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float, n: int = 0) -> Stroke:
    """Points along an ellipse from angle *a0* to *a1* (degrees; 0 to the right, 90 down)."""
    n = n or max(4, int(abs(a1 - a0) / 12))
    return [(cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
            for a in np.linspace(a0, a1, n)]


def _forms() -> dict[str, list[list[Stroke]]]:
    o = arc(0.5, 0.5, 0.5, 0.5, -90, 270)
    p_bowl = [(0.0, 0.0), (0.55, 0.0), *arc(0.55, 0.27, 0.42, 0.27, -90, 90), (0.0, 0.54)]
    return {
        "A": [[[(0, 1), (0.5, 0), (1, 1)], [(0.22, 0.62), (0.78, 0.62)]],
              [[(0.05, 1), (0.45, 0), (0.55, 0), (0.95, 1)], [(0.25, 0.6), (0.75, 0.6)]]],
        "B": [[[(0, 0), (0, 1)], [(0, 0), (0.55, 0), *arc(0.55, 0.25, 0.38, 0.25, -90, 90), (0, 0.5)],
               [(0, 0.5), (0.6, 0.5), *arc(0.6, 0.75, 0.4, 0.25, -90, 90), (0, 1)]]],
        "C": [[arc(0.55, 0.5, 0.5, 0.5, -40, -320)], [arc(0.6, 0.5, 0.6, 0.5, -60, -300)]],
        "D": [[[(0, 0), (0, 1)], [(0, 0), (0.4, 0), *arc(0.4, 0.5, 0.6, 0.5, -90, 90), (0, 1)]],
              [[(0, 0), (0, 1), *arc(0.0, 0.5, 1.0, 0.5, 90, -90)]]],
        "E": [[[(1, 0), (0, 0), (0, 1), (1, 1)], [(0, 0.5), (0.75, 0.5)]],
              [[(0, 0), (0, 1)], [(0, 0), (0.9, 0)], [(0, 0.5), (0.7, 0.5)], [(0, 1), (0.95, 1)]]],
        "F": [[[(1, 0), (0, 0), (0, 1)], [(0, 0.48), (0.75, 0.48)]]],
        "G": [[arc(0.5, 0.5, 0.5, 0.5, -40, -360), [(1, 0.5), (1, 1)], [(0.6, 0.52), (1, 0.52)]],
              [[*arc(0.5, 0.5, 0.5, 0.5, -45, -340), (0.55, 0.6)]]],
        "H": [[[(0, 0), (0, 1)], [(1, 0), (1, 1)], [(0, 0.5), (1, 0.5)]]],
        "I": [[[(0.5, 0), (0.5, 1)]], [[(0.5, 0), (0.5, 1)], [(0.2, 0), (0.8, 0)], [(0.2, 1), (0.8, 1)]]],
        "J": [[[(0.75, 0), (0.75, 0.7), *arc(0.4, 0.7, 0.35, 0.3, 0, 170)]],
              [[(0.3, 0), (1, 0)], [(0.7, 0), (0.7, 0.72), *arc(0.38, 0.72, 0.32, 0.28, 0, 180)]]],
        "K": [[[(0, 0), (0, 1)], [(0.95, 0), (0, 0.58)], [(0.3, 0.4), (1, 1)]],
              [[(0, 0), (0, 1)], [(0.95, 0), (0.02, 0.5), (1, 1)]]],
        "L": [[[(0, 0), (0, 1), (0.9, 1)]]],
        "M": [[[(0, 1), (0, 0), (0.5, 0.6), (1, 0), (1, 1)]], [[(0, 1), (0.1, 0), (0.5, 0.8), (0.9, 0), (1, 1)]]],
        "N": [[[(0, 1), (0, 0), (1, 1), (1, 0)]]],
        "O": [[o], [arc(0.5, 0.5, 0.5, 0.5, -120, 250)]],
        "P": [[[(0, 1), *p_bowl]]],
        "Q": [[o, [(0.6, 0.7), (1.05, 1.08)]], [o, [(0.7, 0.9), (1.0, 1.1)]]],
        "R": [[[(0, 1), *p_bowl, (1, 1)]], [[(0, 1), *p_bowl], [(0.4, 0.54), (1, 1)]]],
        "S": [[[*arc(0.5, 0.27, 0.45, 0.27, -20, -270), *arc(0.5, 0.76, 0.47, 0.24, -90, 150)]]],
        "T": [[[(0, 0), (1, 0)], [(0.5, 0), (0.5, 1)]]],
        "U": [[[(0, 0), *arc(0.5, 0.62, 0.5, 0.38, 180, 0), (1, 0)]],
              [[(0, 0), *arc(0.5, 0.6, 0.5, 0.4, 180, 0), (1, 0), (1, 1)]]],
        "V": [[[(0, 0), (0.5, 1), (1, 0)]]],
        "W": [[[(0, 0), (0.25, 1), (0.5, 0.3), (0.75, 1), (1, 0)]], [[(0, 0), (0.3, 1), (0.5, 0.4), (0.7, 1), (1, 0)]]],
        "X": [[[(0, 0), (1, 1)], [(1, 0), (0, 1)]]],
        "Y": [[[(0, 0), (0.5, 0.5), (1, 0)], [(0.5, 0.5), (0.5, 1)]], [[(0, 0), (0.5, 0.5)], [(1, 0), (0.2, 1)]]],
        "Z": [[[(0, 0), (1, 0), (0, 1), (1, 1)]], [[(0, 0), (1, 0), (0, 1), (1, 1)], [(0.25, 0.5), (0.75, 0.5)]]],
        "0": [[arc(0.5, 0.5, 0.42, 0.5, -90, 270)], [arc(0.5, 0.5, 0.42, 0.5, -90, 270), [(0.8, 0.1), (0.2, 0.9)]]],
        "1": [[[(0.25, 0.2), (0.55, 0), (0.55, 1)]], [[(0.25, 0.2), (0.55, 0), (0.55, 1)], [(0.25, 1), (0.85, 1)]],
              [[(0.5, 0), (0.5, 1)]]],
        "2": [[[*arc(0.5, 0.3, 0.45, 0.3, -170, 30), (0, 1), (1, 1)]],
              [[*arc(0.5, 0.3, 0.45, 0.3, -160, 0), (0, 1), (1, 1)]]],
        "3": [[arc(0.5, 0.25, 0.42, 0.25, -160, 90), arc(0.5, 0.75, 0.47, 0.25, -90, 160)],
              [[(0.05, 0), (0.95, 0), (0.4, 0.42), *arc(0.5, 0.7, 0.45, 0.3, -100, 160)]]],
        "4": [[[(0.7, 1), (0.7, 0), (0, 0.7), (1, 0.7)]],
              [[(0.3, 0), (0.05, 0.62), (1, 0.62)], [(0.72, 0.25), (0.72, 1)]]],
        "5": [[[(0.9, 0), (0.15, 0), (0.1, 0.45), *arc(0.5, 0.68, 0.45, 0.32, -120, 150)]],
              [[(0.15, 0), (0.1, 0.45), *arc(0.5, 0.68, 0.45, 0.32, -120, 150)], [(0.15, 0), (0.9, 0)]]],
        "6": [[[*arc(0.75, 0.7, 0.7, 0.65, -100, -180), *arc(0.5, 0.7, 0.45, 0.3, 180, 540)]]],
        "7": [[[(0, 0), (1, 0), (0.35, 1)]], [[(0, 0), (1, 0), (0.35, 1)], [(0.3, 0.5), (0.85, 0.5)]]],
        "8": [[arc(0.5, 0.25, 0.38, 0.25, 90, 450), arc(0.5, 0.75, 0.45, 0.25, -90, 270)],
              [[*arc(0.5, 0.25, 0.38, 0.25, 120, 420), *arc(0.5, 0.75, 0.45, 0.25, -60, -420)]]],
        "9": [[arc(0.5, 0.3, 0.45, 0.3, 0, 360), [(0.95, 0.3), (0.85, 1)]],
              [[*arc(0.5, 0.3, 0.45, 0.3, 10, 370), *arc(0.3, 0.3, 0.65, 0.7, 0, 80)]]],
        "'": [[[(0.5, 0), (0.45, 0.28)]]],
        "-": [[[(0.15, 0.55), (0.85, 0.55)]]],
        ",": [[[(0.55, 0.86), (0.52, 1.0), (0.4, 1.15)]], [[*arc(0.5, 0.92, 0.05, 0.05, 0, 360, 8), (0.5, 1.12)]]],
        ".": [[arc(0.5, 0.95, 0.045, 0.045, 0, 360, 8)], [[(0.5, 0.93), (0.52, 0.98)]]],
        "/": [[[(0.85, 0), (0.15, 1)]]],
    }


FORMS = _forms()


def tick_strokes(rng: np.random.Generator) -> list[Stroke]:
    """A tick: a short stroke down to the right, then a long one up to the right."""
    low = (float(rng.uniform(0.3, 0.45)), float(rng.uniform(0.85, 1.0)))
    return [[(0.0, float(rng.uniform(0.45, 0.65))), low, (1.0, float(rng.uniform(-0.1, 0.15)))]]


def cross_strokes(rng: np.random.Generator) -> list[Stroke]:
    """A crossing out: an X over the box, a scribble across it, or a bar or two through it."""
    kind = rng.integers(0, 3)
    if kind == 0:
        a, b = rng.uniform(-0.1, 0.15, 4), rng.uniform(0.85, 1.1, 4)
        return [[(a[0], a[1]), (b[0], b[1])], [(b[2], a[2]), (a[3], b[3])]]
    if kind == 1:
        n = int(rng.integers(4, 9))
        ys = np.linspace(0.1, 0.9, n)
        return [[(float(rng.uniform(-0.05, 0.15)) if i % 2 == 0 else float(rng.uniform(0.85, 1.05)), float(y))
                 for i, y in enumerate(ys)]]
    y = float(rng.uniform(0.3, 0.55))
    bars: list[Stroke] = [[(-0.05, y), (1.05, y + float(rng.uniform(-0.15, 0.15)))],
                          [(-0.05, y + 0.2), (1.05, y + 0.25)]]
    return bars[: int(rng.integers(1, 3))] + ([[(0.0, 0.0), (1.0, 1.0)]] if rng.random() < 0.5 else [])


def _wobble(points: np.ndarray, amount: float, rng: np.random.Generator) -> np.ndarray:
    """A smooth hand tremor: low-frequency displacement along the stroke."""
    if amount <= 0 or len(points) < 2:
        return points
    t = np.linspace(0, 1, len(points))[:, None]
    f = rng.uniform(0.5, 2.5, (1, 2))
    ph = rng.uniform(0, 2 * math.pi, (1, 2))
    return points + amount * np.sin(2 * math.pi * f * t + ph)


def _densify(points: np.ndarray, step: float) -> np.ndarray:
    out = [points[0]]
    for a, b in itertools.pairwise(points):
        n = max(1, int(np.linalg.norm(b - a) / step))
        out.extend(a + (b - a) * k / n for k in range(1, n + 1))
    return np.asarray(out)


def _trim(points: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Ends left short (an open loop) or run on (an overshoot)."""
    n = len(points)
    if n < 6:
        return points
    cut0 = int(rng.integers(0, max(1, n // 12) + 1)) if rng.random() < 0.4 else 0
    cut1 = int(rng.integers(0, max(1, n // 10) + 1)) if rng.random() < 0.4 else 0
    points = points[cut0 : n - cut1]
    if rng.random() < 0.3 and len(points) >= 2:
        d = points[-1] - points[-2]
        points = np.vstack([points, points[-1] + d * float(rng.uniform(1, 4))])
    return points


def draw(canvas: np.ndarray, strokes: list[Stroke], box: tuple[float, float, float, float], pen: float,
         ink: int, rng: np.random.Generator, slant: float = 0.0, rotate: float = 0.0, wobble: float = 0.0,
         lift: float = 0.0, pressure: float = 0.0) -> None:
    """Draw *strokes* (unit box) into *canvas* (greyscale, in place) filling *box* (x, y, w, h in canvas pixels)
    with a pen *pen* pixels wide of grey *ink*."""
    x, y, w, h = box
    ca, sa = math.cos(math.radians(rotate)), math.sin(math.radians(rotate))
    for s in strokes:
        p = np.asarray(s, np.float64)
        p = p + rng.normal(0, lift, 2)  # the pen put down a little off
        p = _densify(p, 0.04)
        p = _trim(_wobble(p, wobble, rng), rng)
        u, v = p[:, 0] - 0.5, p[:, 1] - 0.5
        u = u - slant * v  # slant to the right: the top moves right
        u, v = u * ca - v * sa, u * sa + v * ca
        px = x + (u + 0.5) * w
        py = y + (v + 0.5) * h
        widths = pen * (1 + pressure * np.sin(np.linspace(0, math.pi, len(px)) + float(rng.uniform(-1, 1))))
        for i in range(len(px) - 1):
            t = max(1, round(float(widths[i])))
            cv2.line(canvas, (round(px[i] * 16), round(py[i] * 16)), (round(px[i + 1] * 16), round(py[i + 1] * 16)),
                     int(ink), t, cv2.LINE_AA, shift=4)
