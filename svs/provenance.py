"""What produced a result: versions of svs, its engines and models, the threshold profile and the time."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from functools import lru_cache

import cv2

from svs import __version__
from svs.digests import digests, lock_digest
from svs.engines import passporteye, pdfium, tesseract, zxing
from svs.forms import icr
from svs.forms.template import all_templates
from svs.mrz import reader as svs_reader
from svs.photo import detector
from svs.schema import Provenance


def form_template_version() -> str:
    """Every form template a page may be read as, name and version ("PA1 2026.1, HMPO-B 2026.1")."""
    try:
        return ", ".join(f"{t.name} {t.version}" for t in all_templates()) or "unavailable"
    except (OSError, ValueError, KeyError):
        return "unavailable"


def form_reader_version() -> str:
    """The boxed-character recogniser's version string (``models/icr-cnn.npz``)."""
    try:
        return icr.recogniser().version
    except (OSError, ValueError, KeyError):
        return "unavailable"


@lru_cache(maxsize=1)
def model_versions() -> dict[str, str]:
    return {
        "opencv": cv2.__version__,
        "face_detector": detector.version(),
        "mrz_reader": f"svs {svs_reader.version()}",
        "mrz_baseline": f"passporteye {passporteye.version()}",
        "ocr": tesseract.version(),
        "form_template": form_template_version(),
        "form_reader": f"svs {form_reader_version()}",
        "barcode": zxing.version(),
        "pdf": pdfium.version(),
        "python_packages": lock_digest(),
    }


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def provenance(profile: str) -> Provenance:
    return Provenance(svs_version=__version__, models=model_versions(), profile=profile,
                      processed_at=now_utc(), host=socket.gethostname(), digests=digests(profile))
