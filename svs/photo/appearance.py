"""How the photo looks: background, shadows, exposure, lighting, sharpness and colour, each measured where the
rule looks (the background around the head, the skin of the face).

Lab values are OpenCV's 8-bit scale: L* 0-255, a* and b* centred on 128.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from svs.photo.geometry import Head, Point, Pose

#: The face is judged for sharpness at this many pixels between the eyes, so that a large photo and a small
#: one of the same sharpness measure the same.
SHARPNESS_EYE_DISTANCE = 64.0


@dataclass(frozen=True)
class Appearance:
    background_lightness: float | None
    background_spread: float | None
    background_texture: float | None
    background_shadow: float | None
    face_lightness: float
    highlight: float
    face_clipped: float
    lighting_difference: float
    face_sharpness: float
    colour: float


def _clip_box(x0: float, y0: float, x1: float, y1: float, w: int, h: int) -> tuple[int, int, int, int]:
    return (int(max(0, min(w, x0))), int(max(0, min(h, y0))), int(max(0, min(w, x1))), int(max(0, min(h, y1))))


def background_region(shape: tuple[int, ...], hd: Head, p: Pose, face_width: float) -> np.ndarray:
    """Where a compliant photo shows only background: above the crown, and the outer strips beside the head
    down to the eye line (long hair reaches further, so the strips stay narrow)."""
    h, w = shape[:2]
    mask = np.zeros((h, w), bool)
    crown_gap = max(2, int(0.04 * hd.height))
    top = int(max(0, hd.crown_y - crown_gap))
    mask[:top] = True
    eye_y = int(max(0, min(h, p.eye_mid[1])))
    strip = int(0.08 * w)
    left = int(max(0, min(strip, hd.centre_x - 0.9 * face_width)))
    right = int(min(w, max(w - strip, hd.centre_x + 0.9 * face_width)))
    mask[:eye_y, :left] = True
    mask[:eye_y, right:] = True
    return mask


def _background(lab: np.ndarray, mask: np.ndarray) -> tuple[float | None, float | None, float | None]:
    if mask.sum() < 200:  # the head fills the frame: too little background to judge
        return None, None, None
    px = lab[mask].astype(np.float32)
    median = np.median(px, axis=0)
    spread = float(np.percentile(np.linalg.norm(px - median, axis=1), 90))
    grey = cv2.GaussianBlur(lab[:, :, 0], (0, 0), 1.0).astype(np.float32)
    gradient = cv2.magnitude(cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1))
    texture = float(gradient[mask].mean() / 4.0)  # Sobel's 3x3 kernel gain of 4: grey levels per pixel
    return float(median[0]), spread, texture


def _shadow(lab: np.ndarray, hd: Head, p: Pose, background_lightness: float | None) -> float | None:
    """How much darker the darkest part of the backdrop is than its lightest part, on the rows beside the face
    (the eyes down to halfway to the chin): a shadow the head casts darkens one side. Taken on the same rows, so
    a backdrop's even fall-off from top to bottom is not a shadow; hair and skin are not backdrop and do not
    count (backdrop: smooth, the top rows' colour, not much darker than the backdrop's lightness)."""
    if background_lightness is None:
        return None
    h = lab.shape[0]
    y0, y1 = int(max(0, p.eye_mid[1])), int(min(h, (p.eye_mid[1] + hd.chin_y) / 2))
    if y1 - y0 < 4:
        return None
    rows = lab[y0:y1].astype(np.float32)
    ref_ab = np.median(lab[: max(2, h // 12)].reshape(-1, 3)[:, 1:].astype(np.float32), axis=0)
    lightness = rows[:, :, 0]
    mean = cv2.blur(lightness, (5, 5))
    local_sd = np.sqrt(np.maximum(0.0, cv2.blur(lightness * lightness, (5, 5)) - mean * mean))
    backdrop = ((np.linalg.norm(rows[:, :, 1:] - ref_ab, axis=2) < 10) & (lightness > 0.5 * background_lightness)
                & (local_sd < 2.5))  # a backdrop, lit or shaded, is smooth; hair is not
    values = lightness[backdrop]
    if values.size < 100:
        return None
    lo, hi = np.percentile(values, [5, 95])
    return float(hi - lo)


def _face_boxes(p: Pose, nose: Point, w: int, h: int) -> tuple[tuple[int, int, int, int],
                                                              tuple[int, int, int, int], tuple[int, int, int, int]]:
    """Skin between the eyes and the mouth, and the two upper cheeks either side of the nose (clear of the
    nose's own shadow, the eyes and the lips)."""
    e = p.eye_distance
    depth = max(4.0, p.mouth_mid[1] - p.eye_mid[1])
    skin = _clip_box(p.eye_mid[0] - 0.55 * e, p.eye_mid[1] + 0.2 * depth, p.eye_mid[0] + 0.55 * e,
                     p.mouth_mid[1] - 0.1 * depth, w, h)
    cy0, cy1 = p.eye_mid[1] + 0.25 * depth, p.eye_mid[1] + 0.6 * depth
    left = _clip_box(nose[0] - 0.75 * e, cy0, nose[0] - 0.3 * e, cy1, w, h)
    right = _clip_box(nose[0] + 0.3 * e, cy0, nose[0] + 0.75 * e, cy1, w, h)
    return skin, left, right


def _region(a: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    x0, y0, x1, y1 = box
    return a[y0:max(y0 + 1, y1), x0:max(x0 + 1, x1)]


def face_sharpness(grey: np.ndarray, p: Pose) -> float:
    """Fine detail on the face at a fixed scale (64 px between the eyes), over the face's own contrast: the
    95th percentile of the Laplacian's magnitude. Blur removes exactly this detail; a dark or flat face, or a
    large photo, does not change it."""
    h, w = grey.shape[:2]
    e = p.eye_distance
    box = _clip_box(p.eye_mid[0] - 1.0 * e, p.eye_mid[1] - 0.5 * e, p.eye_mid[0] + 1.0 * e,
                    p.mouth_mid[1] + 0.3 * e, w, h)
    crop = _region(grey, box).astype(np.float32)
    if crop.size < 16:
        return 0.0
    scale = SHARPNESS_EYE_DISTANCE / e
    face = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    lo, hi = np.percentile(face, [5, 95])
    return float(np.percentile(np.abs(cv2.Laplacian(face, cv2.CV_32F)), 95) / max(8.0, hi - lo))


def measure(bgr: np.ndarray, lab: np.ndarray, hd: Head, p: Pose, nose: Point, face_width: float) -> Appearance:
    h, w = lab.shape[:2]
    bg_l, spread, texture = _background(lab, background_region(lab.shape, hd, p, face_width))
    skin, left, right = _face_boxes(p, nose, w, h)
    lightness = lab[:, :, 0]
    skin_l = _region(lightness, skin)
    # the lit skin of each cheek (75th percentile): pores, freckles and the nose's shadow do not count
    lighting = abs(float(np.percentile(_region(lightness, left), 75))
                   - float(np.percentile(_region(lightness, right), 75)))
    ab = lab[:, :, 1:].astype(np.float32) - 128.0
    chroma = np.sqrt((ab ** 2).sum(axis=2))
    colour = float(0.5 * chroma.mean() + 0.5 * _region(chroma, skin).mean())
    grey = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    return Appearance(
        background_lightness=bg_l, background_spread=spread, background_texture=texture,
        background_shadow=_shadow(lab, hd, p, bg_l),
        face_lightness=float(np.median(skin_l)),
        highlight=float(np.percentile(lightness[: max(1, int(hd.chin_y))], 99)),
        face_clipped=float((skin_l >= 250).mean()),
        lighting_difference=lighting, face_sharpness=face_sharpness(grey, p), colour=colour,
    )

