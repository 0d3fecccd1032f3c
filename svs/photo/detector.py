"""The face detector the photo checks run on: the one place that names it. Swapping the detector (another model,
a fake in a test) is a change here and nowhere else; the checks see only :class:`Detection` and :func:`detect`."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from svs.engines import mtcnn as _engine

Detection = _engine.Detection
NAME = _engine.NAME


def detect(image_bgr: np.ndarray, min_face_share: float) -> list[Detection]:
    """Faces on a BGR image, each with its box, confidence and five landmarks; faces under *min_face_share* of
    the image's area may be skipped."""
    return _engine.detect(image_bgr, min_face_share)


def version() -> str:
    return _engine.version()


def model_files() -> list[Path]:
    return _engine.model_files()
