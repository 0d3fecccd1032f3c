"""The ``svs form`` commands' work: a template as data, its blank page as printed, and form pages read."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

from PIL import Image

from svs.errors import EngineTimeout, IntakeError
from svs.forms.read import read_form
from svs.forms.render import render_page
from svs.forms.template import Template, load_template
from svs.intake import load_page, probe
from svs.pipeline import Options


def template_json(template: Template) -> dict[str, Any]:
    """The template as ``svs form template NAME --json`` prints it: page size, anchors, page code, reference and
    every field's place and boxes, in millimetres from the page's top-left corner."""
    data = template.model_dump(mode="json")
    data["pages"] = {str(k): v for k, v in data["pages"].items()}
    return data


def blank_png(template: Template, page: int, reference: str | None, dpi: float) -> bytes:
    """The empty page as printed for applicants, a PNG that records its dpi."""
    buf = io.BytesIO()
    Image.fromarray(render_page(template, page, dpi, reference)).save(buf, "PNG", dpi=(dpi, dpi))
    return buf.getvalue()


def read_file(path: Path, template: str | None, options: Options = Options(), reader: str = "icr") -> dict[str, Any]:
    """``svs form read``'s line for one image: which form and page it is and each field's value, confidence and
    status; ``template`` null (and no fields) where it is no known form's page, ``reason`` where the file cannot
    be read."""
    start = time.perf_counter()
    out: dict[str, Any] = {"path": str(path), "template": None, "page": None, "fields": {}}
    try:
        if path.is_symlink() or not path.is_file():
            raise IntakeError("input.unsupported", "not a regular file")
        data = path.read_bytes()
        info = probe(data, path.name, options.limits)
        page = load_page(data, info, 1 if info.multipage else None, options.limits)
        form = read_form(page.grey_half, page.grey, options.profile.form,
                         load_template(template) if template else None, reader)
    except (IntakeError, EngineTimeout) as exc:
        out["reason"] = exc.code
        form = None
    if form is not None:
        out.update(template=form.template, page=form.page, reasons=form.reasons,
                   fields={name: {"value": f.value, "confidence": f.confidence, "status": f.status,
                                  **({"crossed_out": f.crossed_out} if f.crossed_out else {})}
                           for name, f in form.fields.items()})
    out["ms"] = round((time.perf_counter() - start) * 1000, 1)
    return out
