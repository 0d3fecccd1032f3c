"""PassportEye adapter: MRZ region finding plus Tesseract OCR, returning the raw text lines.

PassportEye is the foundation's MRZ reader and stays as the comparison baseline. Only the text lines are taken
from it; svs's own parser (:mod:`svs.mrz.parse`) validates them.
"""

from __future__ import annotations

import io
import warnings

import cv2
import numpy as np

from svs.engines import package_version

NAME = "passporteye"


def version() -> str:
    return package_version("PassportEye")


def read_lines(image: np.ndarray) -> list[str]:
    """MRZ text lines as PassportEye's OCR read them; [] when it found no MRZ."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from passporteye import read_mrz  # heavy import (scikit-image), kept off the import path of svs

    ok, png = cv2.imencode(".png", image)
    if not ok:
        return []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-image deprecations inside PassportEye
        result = read_mrz(io.BytesIO(png.tobytes()))
    if result is None:
        return []
    text = str(result.aux.get("text", ""))
    return [line.strip().replace(" ", "") for line in text.splitlines() if line.strip()]
