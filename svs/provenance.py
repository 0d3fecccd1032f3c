"""What produced a result: versions of svs, its engines and models, the threshold profile and the time."""

from __future__ import annotations

import hashlib
import os
import socket
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import cv2

from svs import __version__
from svs.engines import passporteye, pdfium, tesseract, zxing
from svs.forms.template import load_template
from svs.mrz import reader as svs_reader
from svs.photo import detector
from svs.schema import Provenance


def form_template_version() -> str:
    try:
        t = load_template()
    except (OSError, ValueError):
        return "unavailable"
    return f"{t.name} {t.version}"


#: The lock file of the installed Python packages: the source checkout's, or where ``SVS_LOCK_FILE`` says (the
#: Docker image installs svs apart from its source).
LOCK_FILE = Path(__file__).resolve().parents[1] / "requirements.lock"


def lock_digest() -> str:
    """``sha256:<hex>`` of the lock file the Python packages were installed from, so that a decision can be
    rebuilt with the exact versions that made it; "unknown" where there is none."""
    path = Path(os.environ.get("SVS_LOCK_FILE") or LOCK_FILE)
    try:
        return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "unknown"


@lru_cache(maxsize=1)
def model_versions() -> dict[str, str]:
    return {
        "opencv": cv2.__version__,
        "face_detector": detector.version(),
        "mrz_reader": f"svs {svs_reader.version()}",
        "mrz_baseline": f"passporteye {passporteye.version()}",
        "ocr": tesseract.version(),
        "form_template": form_template_version(),
        "barcode": zxing.version(),
        "pdf": pdfium.version(),
        "python_packages": lock_digest(),
    }


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def provenance(profile: str) -> Provenance:
    return Provenance(svs_version=__version__, models=model_versions(), profile=profile,
                      processed_at=now_utc(), host=socket.gethostname())
