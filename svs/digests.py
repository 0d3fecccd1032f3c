"""What decided a result, by content: the SHA-256 of each model's files, of the form template, of the threshold
profile's values and of the dependency lock file.

Names and versions say what was meant to run; these say what did. Two results with the same digests were judged
by the same numbers; a verdict re-examined years later is traced to the exact files (``svs explain
--reproduce`` names any that differ). A digest is ``sha256:<hex>``; a model made of several files has one digest
over its files' names and digests; "unavailable" where a file is missing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

from svs.engines import tesseract
from svs.forms import icr
from svs.forms.template import template_names, template_path
from svs.mrz.ocr import MODEL_FILE, models_dir
from svs.photo import detector
from svs.thresholds import PROFILES, Profile


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return "sha256:" + h.hexdigest()


def files_digest(paths: list[Path]) -> str:
    """One digest over several files, each by name and content."""
    if not paths:
        return "unavailable"
    try:
        lines = [f"{p.name} {file_digest(p)}" for p in sorted(paths, key=lambda p: p.name)]
    except OSError:
        return "unavailable"
    if len(lines) == 1:
        return lines[0].split(" ", 1)[1]
    return "sha256:" + hashlib.sha256("\n".join(lines).encode()).hexdigest()


def profile_digest(profile: Profile) -> str:
    """Of the profile's values (every threshold and the rule it comes from), in a canonical JSON form: a profile
    whose numbers change under the same name gets another digest."""
    body = json.dumps(dataclasses.asdict(profile), sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(body.encode()).hexdigest()


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
def model_digests() -> dict[str, str]:
    return {
        "mrz_reader": files_digest([models_dir() / MODEL_FILE]),
        "form_reader": files_digest([models_dir() / icr.MODEL_FILE]),
        "face_detector": files_digest(detector.model_files()),
        "ocr": files_digest(tesseract.model_files()),
        "form_template": files_digest([template_path(n) for n in template_names()]),  # every form a page may be
        "python_packages": lock_digest(),
    }


@lru_cache(maxsize=8)
def digests(profile_name: str) -> dict[str, str]:
    """Every digest a result of *profile_name* records."""
    profile = PROFILES.get(profile_name)
    return {**model_digests(), "profile": profile_digest(profile) if profile else "unavailable"}
