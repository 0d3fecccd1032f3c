"""Where the head is: pose from the five MTCNN landmarks, crown and chin, and the framing they give.

All coordinates are pixels of the photo being judged. The head is measured the way the UK rules draw it: from
the chin to the crown, the crown being where the head (hair included) meets the background above the face.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

Point = tuple[float, float]

#: Crown above the eye line, in eye distances, where the background gives no edge (busy or touching hair).
#: Measured on the six real portraits in ../shared/data/faces: 2.1 to 2.3 (2.9 with a hair bun).
CROWN_PRIOR_EYE_DISTANCES = 2.3
#: Chin below the mouth, in eye-to-mouth distances: 0.40 to 0.79 on the same portraits, centred on 0.6.
CHIN_PRIOR = 0.6
#: Depth of the nose tip in front of the eyes, in eye distances (about 32 mm for 63 mm between the pupils):
#: turns the nose's sideways offset into a yaw angle.
NOSE_DEPTH_EYE_DISTANCES = 0.5
#: Colour distance (CIE76 on the 0-255 Lab scale) above which a pixel is not background.
HEAD_COLOUR_DISTANCE = 12.0


@dataclass(frozen=True)
class Pose:
    eye_distance: float  # pixels between the eye centres
    roll_deg: float  # positive: the right-hand eye (in the image) lower
    yaw_deg: float  # estimated from the nose's offset from the face's midline
    pitch_ratio: float  # nose position between the eye line (0) and the mouth (1)
    eye_mid: Point
    mouth_mid: Point


@dataclass(frozen=True)
class Head:
    crown_y: float
    chin_y: float
    crown_from_image: bool  # False: the background gave no edge, the crown is estimated from the landmarks
    centre_x: float

    @property
    def height(self) -> float:
        return self.chin_y - self.crown_y


def _mid(a: Point, b: Point) -> Point:
    return ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)


def pose(landmarks: dict[str, Point]) -> Pose:
    le, re = landmarks["left_eye"], landmarks["right_eye"]
    eyes, mouth = _mid(le, re), _mid(landmarks["mouth_left"], landmarks["mouth_right"])
    dx, dy = re[0] - le[0], re[1] - le[1]
    eye_distance = max(1.0, math.hypot(dx, dy))
    roll = math.atan2(dy, dx)

    # undo the roll around the eye midpoint, then compare the nose with the eyes-to-mouth midline
    def upright(p: Point) -> Point:
        x, y = p[0] - eyes[0], p[1] - eyes[1]
        c, s = math.cos(-roll), math.sin(-roll)
        return (x * c - y * s, x * s + y * c)

    nose, mth = upright(landmarks["nose"]), upright(mouth)
    mouth_depth = max(1.0, mth[1])
    midline_x = mth[0] * (nose[1] / mouth_depth)  # the line from the eye midpoint (0, 0) to the mouth midpoint
    offset = (nose[0] - midline_x) / eye_distance
    yaw = math.degrees(math.asin(max(-1.0, min(1.0, offset / NOSE_DEPTH_EYE_DISTANCES))))
    return Pose(eye_distance, math.degrees(roll), yaw, nose[1] / mouth_depth, eyes, mouth)


def background_colour(lab: np.ndarray) -> np.ndarray:
    """Median Lab colour of the two top corners, where a passport photo shows background."""
    h, w = lab.shape[:2]
    ch, cw = max(2, h // 12), max(2, w // 8)
    corners = np.concatenate([lab[:ch, :cw].reshape(-1, 3), lab[:ch, w - cw:].reshape(-1, 3)])
    return np.median(corners, axis=0).astype(np.float32)


def find_crown(lab: np.ndarray, p: Pose, face_width: float) -> tuple[float, bool]:
    """The first row from the top where the head's band stops looking like background.

    Falls back to the landmark estimate when the band differs from the corners right from the top (busy
    background, or the head cut off) or when nothing differs above the eyes."""
    h, w = lab.shape[:2]
    x0 = int(max(0, p.eye_mid[0] - 0.3 * face_width))
    x1 = int(min(w, p.eye_mid[0] + 0.3 * face_width))
    top = int(max(0, min(h, p.eye_mid[1])))
    estimate = p.eye_mid[1] - CROWN_PRIOR_EYE_DISTANCES * p.eye_distance
    if x1 - x0 < 4 or top < 3:
        return estimate, False
    band = lab[:top, x0:x1].astype(np.float32)
    distance = np.linalg.norm(band - background_colour(lab), axis=2)
    head_rows = (distance > HEAD_COLOUR_DISTANCE).mean(axis=1) > 0.2
    # three rows in a row: a stray hair or noise is not the crown
    run = np.convolve(head_rows.astype(np.int32), np.ones(3, np.int32), mode="valid") == 3
    rows = np.flatnonzero(run)
    if rows.size == 0:
        return estimate, False
    first = float(rows[0])
    if first == 0 and head_rows[:max(3, top // 4)].all():
        # head touches the top edge, or the background is not plain: only a crown at the edge is certain
        # when the corners themselves look like background
        corner_ok = _corners_agree(lab)
        return (0.0, True) if corner_ok else (estimate, False)
    return first, True


def _corners_agree(lab: np.ndarray) -> bool:
    h, w = lab.shape[:2]
    ch, cw = max(2, h // 12), max(2, w // 8)
    a = np.median(lab[:ch, :cw].reshape(-1, 3), axis=0)
    b = np.median(lab[:ch, w - cw:].reshape(-1, 3), axis=0)
    return bool(np.linalg.norm(a.astype(np.float32) - b.astype(np.float32)) < HEAD_COLOUR_DISTANCE)


def find_chin(lightness: np.ndarray, landmarks: dict[str, Point], p: Pose) -> float:
    """The chin's lower edge: the strongest light-to-dark step (lit chin above, shaded neck below) under the
    mouth, weighed by where chins usually are."""
    h, w = lightness.shape[:2]
    depth = max(4.0, p.mouth_mid[1] - p.eye_mid[1])
    prior = p.mouth_mid[1] + CHIN_PRIOR * depth
    x0 = int(max(0, min(landmarks["mouth_left"][0], landmarks["mouth_right"][0])))
    x1 = int(min(w, max(landmarks["mouth_left"][0], landmarks["mouth_right"][0])))
    y0, y1 = int(p.mouth_mid[1] + 0.3 * depth), int(p.mouth_mid[1] + 1.1 * depth)
    if x1 - x0 < 3 or y0 < 1 or y1 >= h - 1 or y1 - y0 < 3:
        return prior
    strip = lightness[max(0, y0 - 8):min(h, y1 + 8), x0:x1].astype(np.float32)
    smooth = cv2.GaussianBlur(strip, (0, 0), max(1.0, depth / 40))
    step = -cv2.Sobel(smooth, cv2.CV_32F, 0, 1, ksize=3).mean(axis=1)  # positive: darker below
    ys = np.arange(y0, y1)
    values = step[ys - max(0, y0 - 8)]
    weight = np.exp(-0.5 * ((ys - prior) / (0.3 * depth)) ** 2)
    score = np.clip(values, 0, None) * weight
    if score.max() <= 2.0:  # no edge worth the name (a beard, a collar at the chin): trust the prior
        return prior
    return float(ys[int(np.argmax(score))])


def head(lab: np.ndarray, landmarks: dict[str, Point], p: Pose, face_width: float) -> Head:
    crown, from_image = find_crown(lab, p, face_width)
    chin = find_chin(lab[:, :, 0], landmarks, p)
    centre_x = (p.eye_mid[0] + p.mouth_mid[0]) / 2
    return Head(crown, chin, from_image, centre_x)
