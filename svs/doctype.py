"""Document type of an item: declared in batch.json, or told from the image.

The image rules, cheapest first: a portrait-shaped item with one dominant face is a passport photo; a page with
a barcode is an application form; a page where the MRZ reader finds an MRZ is an MRZ document; an A4-sized page
is a supporting document; anything else is unknown.
"""

from __future__ import annotations

from typing import Literal, get_args

from svs.schema import DocumentType

DOCUMENT_TYPES: tuple[str, ...] = get_args(DocumentType)
A4_ASPECT = 297.0 / 210.0

Shape = Literal["a4", "portrait_photo", "other"]


def shape_of(width: int, height: int) -> Shape:
    short, long_ = sorted((width, height))
    if short == 0:
        return "other"
    ratio = long_ / short
    if abs(ratio - A4_ASPECT) < 0.06:
        return "a4"
    if height > width and 1.1 <= ratio <= 1.6:
        return "portrait_photo"
    return "other"


def parse_declared(value: object) -> DocumentType | None:
    if isinstance(value, str) and value in DOCUMENT_TYPES:
        return value  # type: ignore[return-value]
    return None
