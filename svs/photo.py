"""Passport-photo checks. The foundation measures faces (count, size, eye line); deeper ICAO and UK rules
build on these measures."""

from __future__ import annotations

import math
import time

import numpy as np

from svs.engines import mtcnn
from svs.schema import Face, PhotoResult
from svs.thresholds import DEFAULT_PROFILE, PhotoThresholds


def faces(image: np.ndarray, t: PhotoThresholds = DEFAULT_PROFILE.photo) -> list[mtcnn.Detection]:
    """Confident faces big enough to be the subject rather than a face in the background."""
    h, w = image.shape[:2]
    found = mtcnn.detect(image, t.min_face_share.value)
    return [
        d for d in found
        if d.confidence >= t.min_face_confidence.value and d.box[2] * d.box[3] >= t.min_face_share.value * w * h
    ]


def check_photo(image: np.ndarray, t: PhotoThresholds = DEFAULT_PROFILE.photo) -> PhotoResult:
    start = time.perf_counter()
    h, w = image.shape[:2]
    found = faces(image, t)
    reasons: list[str] = []
    if not found:
        reasons.append("photo.no_face")
    elif len(found) > t.max_faces.value:
        reasons.append("photo.multiple_faces")
    measures: dict[str, float | None] = {"faces": float(len(found)), "width_px": float(w), "height_px": float(h)}
    if found:
        main = found[0]
        (lx, ly), (rx, ry) = main.landmarks["left_eye"], main.landmarks["right_eye"]
        measures["eye_distance_px"] = round(math.hypot(rx - lx, ry - ly), 1)
        measures["roll_deg"] = round(math.degrees(math.atan2(ry - ly, rx - lx)), 2)
        measures["face_share"] = round(main.box[2] * main.box[3] / float(w * h), 4)
        measures["face_confidence"] = round(main.confidence, 4)
    result_faces = [Face(box=d.box, confidence=round(d.confidence, 4), landmarks=d.landmarks) for d in found]
    return PhotoResult(compliant=not reasons, reasons=reasons, measures=measures, faces=result_faces,
                       ms=round((time.perf_counter() - start) * 1000, 1))
