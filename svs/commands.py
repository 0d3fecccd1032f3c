"""The stage commands' work (``svs quality``, ``svs mrz``, ``svs photo``): one result object per input file."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from svs import photo
from svs.errors import EngineTimeout, IntakeError
from svs.intake import Page, load_page, probe
from svs.mrz.read import read_mrz
from svs.pipeline import Options, page_quality
from svs.schema import MrzFields, MrzResult, PhotoResult, QualityResult


def _pages(path: Path, options: Options) -> list[Page]:
    if path.is_symlink() or not path.is_file():
        raise IntakeError("input.unsupported", "not a regular file")
    if path.stat().st_size > options.limits.max_bytes:
        raise IntakeError("input.too_large", "file exceeds the byte limit")
    data = path.read_bytes()
    info = probe(data, path.name, options.limits)
    if info.multipage:
        return [load_page(data, info, p, options.limits) for p in range(1, info.pages + 1)]
    return [load_page(data, info, None, options.limits)]


def _quality(page: Page, options: Options) -> dict[str, Any]:
    return page_quality(page, options.profile.page).model_dump()


def _mrz(page: Page, options: Options) -> dict[str, Any]:
    r = read_mrz(page.colour, options.processing_date(), options.reader)
    return r.model_dump(exclude={"ms"})


def _photo(page: Page, options: Options) -> dict[str, Any]:
    return photo.judge(page.colour, options.profile.photo, page.dpi).model_dump()


def write_overlay(page: Page, result: dict[str, Any], options: Options, path: Path) -> str:
    """The photo overlay for one page of an input, as a JPEG beside the others in ``path``; returns its path."""
    from svs.derived import encode_jpeg
    from svs.photo.overlay import photo_overlay

    r = PhotoResult.model_validate({k: v for k, v in result.items() if k != "page"})
    name = f"{page.info.name.rsplit('.', 1)[0]}{f'-p{page.page:03d}' if page.page else ''}.overlay.jpg"
    target = path / name
    target.write_bytes(encode_jpeg(photo_overlay(page.colour, r, options.profile.photo), 90))
    return str(target)


STAGES: dict[str, Callable[[Page, Options], dict[str, Any]]] = {"quality": _quality, "mrz": _mrz, "photo": _photo}

#: A file the stage could not look at: the stage's own result shape, with the reason.
_FAILED: dict[str, Callable[[str], dict[str, Any]]] = {
    "quality": lambda code: QualityResult(ok=False, reasons=[code], measures={}).model_dump(),
    "mrz": lambda code: MrzResult(found=False, format=None, lines=[], valid=False, fields=MrzFields(), checks={},
                                  warnings=[], reasons=[code]).model_dump(exclude={"ms"}),
    "photo": lambda code: PhotoResult(compliant=False, reasons=[code], measures={}, faces=[]).model_dump(
        exclude={"ms"}),
}

_MERGE_OK = {"quality": "ok", "mrz": "valid", "photo": "compliant"}


def run_stage(stage: str, path: Path, options: Options = Options(), overlay_dir: Path | None = None,
              ) -> dict[str, Any]:
    """The stage's result for one file. A multi-page file reports its first page's result at the top, the
    union of all pages' reasons, and every page under ``pages``. With ``overlay_dir`` (photo stage), each page's
    annotated overlay is written there and its path given as ``overlay``."""
    start = time.perf_counter()
    try:
        pages = _pages(path, options)
        per_page = []
        for p in pages:
            result = STAGES[stage](p, options) | {"page": p.page}
            if overlay_dir is not None and stage == "photo":
                result["overlay"] = write_overlay(p, result, options, overlay_dir)
            per_page.append(result)
        out = dict(per_page[0])
        if len(per_page) > 1:
            out["reasons"] = list(dict.fromkeys(r for p in per_page for r in p.get("reasons", [])))
            out[_MERGE_OK[stage]] = all(p[_MERGE_OK[stage]] for p in per_page)
            out["pages"] = per_page
    except (IntakeError, EngineTimeout) as exc:
        out = _FAILED[stage](exc.code)
    except OSError:
        out = _FAILED[stage]("input.unreadable")
    out["ms"] = round((time.perf_counter() - start) * 1000, 1)
    return {"path": str(path)} | out
