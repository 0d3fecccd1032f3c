"""The item stages, in the order they run. Each says when it applies and what it adds to the item's context.

Adding a stage is one unit here and one entry in :data:`CHAIN`. The order carries the document-type rules,
cheapest first: a portrait-shaped item with a face is a photo; a page whose marks say so is a form or a separator;
an item where an MRZ is found is an MRZ document; an A4 page with printed photos on it is judged photo by photo;
what is left is a supporting document (A4) or unknown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from svs import derived, photo
from svs.batch.structure import PageMarks, read_marks, single_page
from svs.forms.read import read_form_with_crop
from svs.intake import Page
from svs.mrz.read import read_mrz_with_crop
from svs.photo.overlay import photo_overlay
from svs.pipeline.context import ItemContext
from svs.pipeline.options import Options
from svs.quality.overlay import draw_quality


@dataclass(frozen=True)
class Stage:
    name: str
    applies: Callable[[ItemContext], bool]
    run: Callable[[ItemContext], ItemContext]
    #: An engine stage: its exception or time-out becomes ``stage.failed`` or ``stage.timeout`` on the item and
    #: the chain goes on; a rule over what earlier stages found (``guarded=False``) cannot fail that way.
    guarded: bool = True
    #: Its time is reported under its name in the result's ``timings_ms`` (stages of one name add up).
    timed: bool = True


def page_marks(pg: Page, options: Options) -> PageMarks:
    """The page's marks (barcodes, patch codes, the form's page code) on its half-resolution image, whose scale
    comes from the file's dpi, else the assumed scanner dpi; the full page is decoded only where needed."""
    grey = pg.grey_half
    px_per_mm = (pg.dpi or options.profile.page.assumed_dpi.value) / 25.4 * grey.shape[1] / pg.width
    return read_marks(grey, px_per_mm, full=lambda: pg.grey)


def _portrait(c: ItemContext) -> ItemContext:
    found = photo.check_photo(c.page.colour, c.options.profile.photo)
    return replace(c, photo=found, document_type="passport_photo" if found.faces else c.document_type)


def _marks(c: ItemContext) -> ItemContext:
    return replace(c, structure=single_page(page_marks(c.page, c.options)))


def _role(c: ItemContext) -> ItemContext:
    """A separator sheet is no document; a page carrying a reference or a form page code is the form."""
    assert c.structure is not None
    if c.separator:
        return replace(c, document_type=c.document_type or "unknown")
    if c.structure.role == "reference" or c.structure.form_page is not None:
        return replace(c, document_type=c.document_type or "application_form")
    return c


def _form(c: ItemContext) -> ItemContext:
    found, crop = read_form_with_crop(c.page.grey_half, c.page.grey, c.options.profile.form,
                                      today=c.options.processing_date())
    return replace(c, form=found, form_crop=crop)


def _mrz(c: ItemContext) -> ItemContext:
    found, crop = read_mrz_with_crop(c.page.colour, c.options.processing_date(), c.options.reader)
    return replace(c, mrz=found, mrz_crop=crop,
                   document_type="mrz_document" if found.found else c.document_type)


def _sheet(c: ItemContext) -> ItemContext:
    """A photo stapled to a form, or a strip of prints: each print is judged as a photo."""
    found = photo.check_sheet(c.page.colour, c.dpi, c.options.profile.photo)
    if found is None:  # no print with a face on the page
        return c
    return replace(c, photo=found, document_type=c.document_type or "passport_photo")


def _remaining_type(c: ItemContext) -> ItemContext:
    return replace(c, document_type="supporting_document" if c.shape == "a4" else "unknown")


def _judge_photo(c: ItemContext) -> ItemContext:
    return replace(c, photo=photo.judge(c.page.colour, c.options.profile.photo, c.dpi))


def _drop_portrait(c: ItemContext) -> ItemContext:
    """A face on a document that is not a photo (the data page's portrait) is not judged."""
    return replace(c, photo=None)


def _decide(c: ItemContext) -> ItemContext:
    """The item's reasons from every stage's findings, each once, in stage order: the page, its place in the
    batch, the form, the MRZ, the photo, then what any other stage added to ``reasons`` itself."""
    reasons: list[str] = []
    q = c.quality
    if c.document_type != "passport_photo" and not c.separator:
        reasons.extend(q.reasons)
    else:  # a photo is judged by the photo rules, a separator sheet only by whether it was read
        q = q.model_copy(update={"applied": False})
    if c.structure is not None:
        reasons.extend(c.structure.reasons)
    if c.form is not None:
        reasons.extend(c.form.reasons)
    mrz = c.mrz if c.document_type == "mrz_document" else None  # a search that found nothing is not a result
    if mrz is not None:
        reasons.extend(mrz.reasons)
    if c.photo is not None:
        reasons.extend(c.photo.reasons)
    reasons.extend(c.reasons)
    if c.failed:
        reasons.append("stage.failed")
    if c.timed_out:
        reasons.append("stage.timeout")
    return replace(c, quality=q, mrz=mrz, reasons=tuple(dict.fromkeys(reasons)))


def _derive(c: ItemContext) -> ItemContext:
    """The images stored beside the original: the normalised page and thumbnail, and pictures of what is wrong."""
    grey = c.page.grey_half
    is_photo = c.document_type == "passport_photo"
    images = derived.derive(grey, c.quality.measures.get("skew_deg") if not is_photo else None)
    if c.mrz is not None and c.mrz_crop is not None:
        images["mrz"] = derived.encode_jpeg(c.mrz_crop, derived.NORMALISED_JPEG_QUALITY)
    if c.form is not None and c.form_crop is not None:  # the fields a person keys, as written
        images["form_fields"] = derived.encode_jpeg(c.form_crop, derived.NORMALISED_JPEG_QUALITY)
    if not is_photo and any(r.startswith("page.") for r in c.quality.reasons):
        images["quality_overlay"] = derived.encode_jpeg(
            draw_quality(grey, c.quality, c.options.profile.page.max_edge_ink.value),
            derived.NORMALISED_JPEG_QUALITY)
    if c.photo is not None:
        images["photo_overlay"] = derived.encode_jpeg(
            photo_overlay(c.page.colour, c.photo, c.options.profile.photo), derived.NORMALISED_JPEG_QUALITY)
    return replace(c, derived=images)


CHAIN: tuple[Stage, ...] = (
    Stage("photo", lambda c: c.document_type is None and c.options.photo and c.shape == "portrait_photo",
          _portrait),
    Stage("barcode", lambda c: c.structure is None and c.options.barcodes
          and c.document_type in (None, "application_form"), _marks),
    Stage("role", lambda c: c.structure is not None, _role, guarded=False, timed=False),
    # a page to rescan is read when it comes back sharp
    Stage("form", lambda c: c.options.forms and c.document_type == "application_form" and c.structure is not None
          and bool(c.structure.form_page) and not c.quality.reasons, _form),
    Stage("mrz", lambda c: c.options.mrz and c.document_type in (None, "mrz_document"), _mrz),
    Stage("photo", lambda c: c.options.photo and c.shape == "a4"
          and c.document_type in (None, "application_form", "supporting_document"), _sheet),
    Stage("type", lambda c: c.document_type is None, _remaining_type, guarded=False, timed=False),
    Stage("photo", lambda c: c.document_type == "passport_photo" and c.photo is None and c.options.photo
          and "photo" not in c.failed, _judge_photo),
    Stage("portrait", lambda c: c.photo is not None and c.document_type != "passport_photo" and not c.photo.photos,
          _drop_portrait, guarded=False, timed=False),
    Stage("decide", lambda c: True, _decide, guarded=False, timed=False),
    Stage("derive", lambda c: True, _derive, guarded=False),
)
