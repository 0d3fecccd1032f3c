"""Form templates: the geometry of a printed form, kept as data in ``models/templates/<name>.json``.

One file describes a form for both sides: ``fixtures/generate.py`` prints the form from it and the reader finds
the anchors, the page code, the reference barcode and every field's character boxes from it. Coordinates are
millimetres from the top left corner of the page.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from svs.mrz.ocr import models_dir

FieldType = Literal["name", "letters", "date", "document_number", "digits", "text"]

#: Characters Tesseract may return for each field type (its whitelist); a space separates words.
WHITELISTS: dict[str, str] = {
    "name": "ABCDEFGHIJKLMNOPQRSTUVWXYZ'-",
    "letters": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "date": "0123456789",
    "document_number": "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    "digits": "0123456789",
    "text": "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',.-/",
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


class Template(_Model):
    name: str
    version: str
    page_mm: tuple[float, float]
    anchors: Anchors
    page_code: PageCode
    reference: Reference
    pages: dict[int, PageSpec] = Field(default_factory=dict)


def template_path(name: str = "pa1") -> Path:
    """Where a template's file is; the name is a file stem, never a path."""
    if not re.fullmatch(r"[a-z0-9_-]{1,40}", name):
        raise ValueError("template names are lower-case letters, digits, '-' and '_'")
    return models_dir() / "templates" / f"{name}.json"


@lru_cache(maxsize=8)
def load_template(name: str = "pa1") -> Template:
    """A template from ``models/templates``."""
    return Template.model_validate_json(template_path(name).read_text(encoding="utf-8"))
