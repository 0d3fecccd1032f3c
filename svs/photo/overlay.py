"""The operator's picture: what was measured on the photo, drawn on it, and what failed, in words beneath.

Face box and eyes; the crown and chin lines; the band where the chin must fall for the head size to pass; the
image centre line; then one line of text per failing measure. Sheets get each print's outline, green or red.
"""

from __future__ import annotations

import cv2
import numpy as np

from svs.overlay import AMBER, BLUE, GREEN, RED, WIDTH, CaptionStyle, Colour, caption, scaled
from svs.photo.check import as_bgr
from svs.schema import PhotoResult
from svs.thresholds import PhotoThresholds

#: Each failing measure in words, wrapped to the strip's width.
STYLE = CaptionStyle(line_px=22, baseline=18, pad=10, scale=0.5, px_per_char=9, wrap=True, min_chars=20)


def draw_photo(image: np.ndarray, result: PhotoResult, t: PhotoThresholds) -> np.ndarray:
    """A photo's overlay (BGR), scaled to ``WIDTH`` pixels wide, with its failures listed below."""
    img, s = scaled(as_bgr(image).copy())
    h, w = img.shape[:2]
    m = result.measures
    cv2.line(img, (w // 2, 0), (w // 2, h), BLUE, 1, cv2.LINE_AA)
    for f in result.faces[:3]:
        x, y, bw, bh = (round(v * s) for v in f.box)
        cv2.rectangle(img, (x, y), (x + bw, y + bh), GREEN if result.compliant else AMBER, 1)
        for name in ("left_eye", "right_eye"):
            ex, ey = f.landmarks[name]
            cv2.circle(img, (round(ex * s), round(ey * s)), 3, GREEN, -1, cv2.LINE_AA)
    crown, chin = m.get("crown_y"), m.get("chin_y")
    if crown is not None and chin is not None:
        cy = round(crown * s)
        lo = round(cy + t.min_head_share.value * h)
        hi = round(cy + t.max_head_share.value * h)
        band = img.copy()
        cv2.rectangle(band, (0, lo), (w, min(h - 1, hi)), GREEN, -1)
        img = cv2.addWeighted(band, 0.18, img, 0.82, 0)
        head_ok = not any(r in result.reasons for r in ("photo.head_too_small", "photo.head_too_large"))
        colour = GREEN if head_ok else RED
        cv2.line(img, (0, cy), (w, cy), colour, 2, cv2.LINE_AA)
        cv2.line(img, (0, round(chin * s)), (w, round(chin * s)), colour, 2, cv2.LINE_AA)
        cv2.putText(img, "crown", (4, max(12, cy - 4)), cv2.FONT_HERSHEY_SIMPLEX, 0.45, colour, 1, cv2.LINE_AA)
        cv2.putText(img, "chin", (4, round(chin * s) - 4), cv2.FONT_HERSHEY_SIMPLEX, 0.45, colour, 1, cv2.LINE_AA)
    verdict = "COMPLIANT" if result.compliant else "NOT COMPLIANT"
    lines = [(f"{verdict} ({result.profile})", GREEN if result.compliant else RED)]
    lines += [(f.text, RED) for f in result.failures]
    lines += [(code, RED) for code in result.reasons if code in ("photo.no_face", "photo.multiple_faces")]
    return caption(img, lines, STYLE)


def draw_sheet(page: np.ndarray, result: PhotoResult) -> np.ndarray:
    """A scanned sheet with each print's outline (green: compliant, red: not) and what failed, per print."""
    img, s = scaled(as_bgr(page).copy(), WIDTH * 2)
    lines: list[tuple[str, Colour]] = []
    for i, p in enumerate(result.photos, 1):
        x, y, bw, bh = (round(v * s) for v in p.box)
        colour = GREEN if p.compliant else RED
        cv2.rectangle(img, (x, y), (x + bw, y + bh), colour, 3)
        cv2.putText(img, str(i), (x + 4, y + 22), cv2.FONT_HERSHEY_SIMPLEX, 0.8, colour, 2, cv2.LINE_AA)
        lines.append((f"photo {i}: {'compliant' if p.compliant else 'not compliant'}", colour))
        lines += [(f"  {f.text}", RED) for f in p.failures]
    if "photo.photos_differ" in result.reasons:
        lines.append(("the photos on the sheet are not the same photograph", RED))
    return caption(img, lines, STYLE)


def photo_overlay(image: np.ndarray, result: PhotoResult, t: PhotoThresholds) -> np.ndarray:
    """The overlay that fits the result: a sheet's prints, or the single photo."""
    return draw_sheet(image, result) if result.photos else draw_photo(image, result, t)
