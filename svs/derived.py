"""Derived images stored beside each original: the normalised (deskewed, greyscale) page and a thumbnail."""

from __future__ import annotations

import cv2
import numpy as np

from svs.quality import deskew

THUMBNAIL_WIDTH = 320
NORMALISED_JPEG_QUALITY = 90
THUMBNAIL_JPEG_QUALITY = 80


def encode_jpeg(image: np.ndarray, quality: int) -> bytes:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return buf.tobytes()


def normalised(grey_half: np.ndarray, skew_deg: float | None) -> np.ndarray:
    """The page at half resolution (150 dpi for a 300-dpi scan), deskewed."""
    return deskew(grey_half, skew_deg)


def thumbnail(image: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    if w <= THUMBNAIL_WIDTH:
        return image
    scale = THUMBNAIL_WIDTH / w
    return cv2.resize(image, (THUMBNAIL_WIDTH, max(1, round(h * scale))), interpolation=cv2.INTER_AREA)


def derive(grey_half: np.ndarray, skew_deg: float | None) -> dict[str, bytes]:
    """Role to JPEG bytes. Deterministic: the same page always gives the same bytes."""
    norm = normalised(grey_half, skew_deg)
    return {
        "normalised": encode_jpeg(norm, NORMALISED_JPEG_QUALITY),
        # the operator's picture of the scan shows it as scanned: a crooked page looks crooked
        "thumbnail": encode_jpeg(thumbnail(grey_half), THUMBNAIL_JPEG_QUALITY),
    }
