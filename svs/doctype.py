"""Document types: the declared one from batch.json, and the page shapes the typing stages go by.

The rules that tell a type from the image, cheapest first, are the order of the stages in
:data:`svs.pipeline.stages.CHAIN`.
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
