"""Form templates: the geometry of a printed form, kept as data: ``<name>.json`` in the folder named by
``SVS_TEMPLATES_DIR`` (an office's own forms), then in ``models/templates`` (the built-in ones: PA1, the default,
and HMPO-B).

One file describes a form for both sides: :mod:`svs.forms.render` prints the form from it and the reader finds
the anchors, the page code, the reference barcode and every field's character boxes from it. Coordinates are
millimetres from the top left corner of the page.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from svs.mrz.ocr import models_dir

FieldType = Literal["name", "letters", "date", "document_number", "digits", "text", "tick"]

#: Characters Tesseract may return for each field type (its whitelist); a space separates words.
WHITELISTS: dict[str, str] = {
    "name": "ABCDEFGHIJKLMNOPQRSTUVWXYZ'-",
    "letters": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "date": "0123456789",
    "document_number": "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    "digits": "0123456789",
    "text": "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',.-/",
    "tick": "X",
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Anchors(_Model):
    size: float  # side of each filled square
    centres: dict[str, tuple[float, float]]  # tl, tr, bl, br


class PageCode(_Model):
    x: float
    y: float
    cell: float
    gap: float
    bits: int

    def cell_box(self, bit: int) -> tuple[float, float, float, float]:
        return (self.x + bit * (self.cell + self.gap), self.y, self.cell, self.cell)


class Reference(_Model):
    x: float
    y: float
    w: float
    h: float
    required_on_page: int
    pattern: str  # what an application reference looks like; other barcodes on a page are not references
    separator: str  # the text of a separator sheet's barcode

    def is_reference(self, text: str) -> bool:
        return re.fullmatch(self.pattern, text) is not None


class FormField(_Model):
    name: str
    label: str
    label_y: float
    x: float
    y: float
    boxes: int
    box_w: float
    box_h: float
    pitch: float
    type: FieldType
    pattern: str
    crosscheck: Literal["surname", "birth_date", "document_number"] | None = None

    def box(self, i: int) -> tuple[float, float, float, float]:
        """The i-th character box: x, y, width, height."""
        return (self.x + i * self.pitch, self.y, self.box_w, self.box_h)

    def valid(self, value: str) -> bool:
        return re.fullmatch(self.pattern, value) is not None


class PageSpec(_Model):
    fields: list[FormField]


class Printed(_Model):
    """The words printed on each page besides the fields (:mod:`svs.forms.render`)."""

    heading: str = ""
    heading_at: tuple[float, float] = (20.0, 15.0)
    subheading: str = ""  # may name {page} and {pages}
    subheading_at: tuple[float, float] = (20.0, 27.0)
    notes: str = ""  # a paragraph under the last field
    margin: float = 20.0
    notes_width: int = 70  # characters a line of the notes holds


class Template(_Model):
    name: str
    version: str
    page_mm: tuple[float, float]
    anchors: Anchors
    page_code: PageCode
    reference: Reference
    pages: dict[int, PageSpec] = Field(default_factory=dict)
    printed: Printed = Field(default_factory=Printed)

    @property
    def key(self) -> str:
        """The name a template file has (``svs form template KEY``): its name, lower case."""
        return self.name.lower()


DEFAULT_TEMPLATE = "pa1"
ENV = "SVS_TEMPLATES_DIR"


def template_dirs() -> list[Path]:
    """Where templates are looked for, first match wins: ``SVS_TEMPLATES_DIR``, then the built-in ones."""
    own = os.environ.get(ENV)
    return ([Path(own)] if own else []) + [models_dir() / "templates"]


def template_path(name: str = DEFAULT_TEMPLATE) -> Path:
    """Where a template's file is; the name is a file stem, never a path. KeyError where no folder has it."""
    if not re.fullmatch(r"[a-z0-9_-]{1,40}", name):
        raise ValueError("template names are lower-case letters, digits, '-' and '_'")
    for folder in template_dirs():
        path = folder / f"{name}.json"
        if path.is_file():
            return path
    raise KeyError(name)


def template_names() -> list[str]:
    """Every template that can be loaded, the default first. Read once per state of the folders (a page asks for
    them; a folder's modification time changes when a template is added or removed)."""
    folders = tuple(template_dirs())
    return list(_names(folders, tuple(f.stat().st_mtime_ns if f.is_dir() else 0 for f in folders)))


@lru_cache(maxsize=8)
def _names(folders: tuple[Path, ...], mtimes: tuple[int, ...]) -> tuple[str, ...]:
    names = {p.stem for folder in folders if folder.is_dir() for p in folder.glob("*.json")
             if re.fullmatch(r"[a-z0-9_-]{1,40}", p.stem)}
    return tuple(sorted(names, key=lambda n: (n != DEFAULT_TEMPLATE, n)))


@lru_cache(maxsize=16)
def _load(path: Path, mtime_ns: int) -> Template:
    return Template.model_validate_json(path.read_text(encoding="utf-8"))


def load_template(name: str = DEFAULT_TEMPLATE) -> Template:
    """A template by name (:func:`template_path`)."""
    path = template_path(name)
    return _load(path, path.stat().st_mtime_ns)


def all_templates() -> list[Template]:
    """Every template, the default first: a page is read by the first whose anchors and boxes it fits."""
    return [load_template(n) for n in template_names()]
