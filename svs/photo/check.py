"""One passport photo, judged: faces, then geometry, then appearance, then the profile's rules."""

from __future__ import annotations

import time

import cv2
import numpy as np

from svs.photo import appearance, detector, geometry, rules
from svs.schema import Face, PhotoResult
from svs.thresholds import DEFAULT_PROFILE, PhotoThresholds

#: Photos are judged on a copy at most this tall: every measure is relative (shares, eye distances), and a
#: 12-megapixel digital photo would cost 30 times more for the same answer. Pixel counts are taken first.
ANALYSIS_HEIGHT = 900

MM_PER_INCH = 25.4
PRINT_MM = (35.0, 45.0)  # UK and ICAO printed photos, width and height


def faces(image: np.ndarray, t: PhotoThresholds = DEFAULT_PROFILE.photo) -> list[detector.Detection]:
    """Confident faces big enough to be the subject rather than a face in the background, largest first."""
    h, w = image.shape[:2]
    found = detector.detect(image, t.min_face_share.value)
    return [
        d for d in found
        if d.confidence >= t.min_face_confidence.value and d.box[2] * d.box[3] >= t.min_face_share.value * w * h
    ]


def as_bgr(image: np.ndarray) -> np.ndarray:
    """Three-channel BGR pixels from greyscale, BGRA or BGR."""
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    return image


def _scaled(image: np.ndarray) -> tuple[np.ndarray, float]:
    h = image.shape[0]
    if h <= ANALYSIS_HEIGHT:
        return image, 1.0
    s = ANALYSIS_HEIGHT / h
    return cv2.resize(image, (round(image.shape[1] * s), ANALYSIS_HEIGHT), interpolation=cv2.INTER_AREA), s


def measure(image: np.ndarray, t: PhotoThresholds, dpi: float | None = None,
            ) -> tuple[dict[str, float | None], list[detector.Detection]]:
    """Every measure of one photo. ``dpi`` is the scan resolution where the photo was cut from a scanned
    sheet; otherwise a printed photo's resolution follows from its 45 mm height."""
    h, w = image.shape[:2]
    bgr, scale = _scaled(as_bgr(image))
    found = faces(bgr, t)
    m: dict[str, float | None] = {
        "faces": float(len(found)), "width_px": float(w), "height_px": float(h),
        "scan_dpi": round(dpi if dpi else h * MM_PER_INCH / PRINT_MM[1], 1),
        "aspect_ratio": round(w / h, 4),
        "aspect_error": round((w / h) / t.aspect_ratio.value - 1, 4),
    }
    lab = cv2.cvtColor(bgr, cv2.COLOR_BGR2Lab)
    if image.ndim == 2:
        m["colour"] = 0.0
    if not found:
        # a face the detector cannot see may be lost to the exposure: say so (the same rules as a face's, on the
        # whole photo), so that the operator hears "too bright" rather than only "no face"
        lightness = lab[:, :, 0]
        m["highlight"] = round(float(np.percentile(lightness, 99)), 1)
        m["photo_clipped"] = round(float((lightness >= 250).mean()), 4)
        return m, found
    main = found[0]
    face_width = float(main.box[2])
    p = geometry.pose(main.landmarks)
    hd = geometry.head(lab, main.landmarks, p, face_width)
    sh = float(bgr.shape[0])
    look = appearance.measure(bgr, lab, hd, p, main.landmarks["nose"], face_width)
    m.update({
        "face_confidence": round(main.confidence, 4),
        "eye_distance_px": round(p.eye_distance / scale, 1),
        "roll_deg": round(p.roll_deg, 2),
        "yaw_deg": round(p.yaw_deg, 1),
        "pitch_ratio": round(p.pitch_ratio, 3),
        "crown_y": round(hd.crown_y / scale, 1),
        "chin_y": round(hd.chin_y / scale, 1),
        "crown_from_image": 1.0 if hd.crown_from_image else 0.0,
        "head_share": round(hd.height / sh, 4),
        "crown_margin": round(max(0.0, hd.crown_y) / sh, 4) if hd.crown_from_image else None,
        "centre_offset": round(hd.centre_x / bgr.shape[1] - 0.5, 4),
        "eye_line": round(1 - p.eye_mid[1] / sh, 4),
        "background_lightness": _r(look.background_lightness, 1),
        "background_spread": _r(look.background_spread, 2),
        "background_texture": _r(look.background_texture, 2),
        "background_shadow": _r(look.background_shadow, 1),
        "face_lightness": round(look.face_lightness, 1),
        "highlight": round(look.highlight, 1),
        "face_clipped": round(look.face_clipped, 4),
        "lighting_difference": round(look.lighting_difference, 1),
        "face_sharpness": round(look.face_sharpness, 4),
    })
    if "colour" not in m:
        m["colour"] = round(look.colour, 2)
    if scale != 1.0:
        found = [_unscale(d, scale) for d in found]
    return m, found


def _r(v: float | None, digits: int) -> float | None:
    return None if v is None else round(v, digits)


def _unscale(d: detector.Detection, scale: float) -> detector.Detection:
    box = tuple(round(v / scale) for v in d.box)
    marks = {k: (round(x / scale, 1), round(y / scale, 1)) for k, (x, y) in d.landmarks.items()}
    return detector.Detection((box[0], box[1], box[2], box[3]), d.confidence, marks)


def check_photo(image: np.ndarray, t: PhotoThresholds = DEFAULT_PROFILE.photo, dpi: float | None = None,
                ) -> PhotoResult:
    """Judge one passport photo (BGR or greyscale pixels) against a photo profile."""
    start = time.perf_counter()
    m, found = measure(image, t, dpi)
    reasons: list[str] = []
    if not found:
        reasons.append("photo.no_face")
    elif len(found) > t.max_faces.value:
        reasons.append("photo.multiple_faces")
    failures = rules.judge(m, t) if len(found) == 1 else [
        f for f in rules.judge(m, t) if f.reason in ("photo.low_resolution", "photo.wrong_aspect_ratio",
                                                      "photo.not_colour", "photo.too_dark", "photo.too_bright")]
    reasons.extend(rules.reasons_of(failures))
    result_faces = [Face(box=d.box, confidence=round(d.confidence, 4), landmarks=d.landmarks) for d in found]
    return PhotoResult(compliant=not reasons, reasons=list(dict.fromkeys(reasons)), measures=m, faces=result_faces,
                       failures=failures, profile=t.name, ms=round((time.perf_counter() - start) * 1000, 1))
