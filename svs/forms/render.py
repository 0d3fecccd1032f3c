"""A form page drawn from its template: the empty page as it is printed for applicants (``svs form blank``), or
filled in typed capitals (the project's fixtures). Everything placed comes from the template: corner anchors, the
page code, the reference barcode's place, each field's label and character boxes, and the printed words."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from svs.forms.template import Template

SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"  # Debian's fonts-dejavu-core (system-packages.txt)
SANS_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
MM_PER_INCH = 25.4
#: Type sizes in pixels at 300 dpi (scaled to the page's dpi): heading, sub-heading, labels and notes, box capitals.
TYPE_PX = {"heading": 70, "subheading": 40, "small": 36, "box": 46}


def _font(path: str, px: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, max(6, round(px)))


def barcode_image(text: str, height_px: int, fmt: str = "Code128", scale: float = 1.0) -> Image.Image:
    """A barcode of *fmt* (Code128, QRCode, DataMatrix, PDF417); linear codes are stretched to *height_px*."""
    import zxingcpp

    bc = zxingcpp.create_barcode(text, getattr(zxingcpp.BarcodeFormat, fmt))
    module = (4 if fmt in ("Code128", "PDF417") else 8) * scale
    img = zxingcpp.write_barcode_to_image(bc, scale=max(1, round(module)), add_quiet_zones=True, add_hrt=False)
    arr = np.asarray(img)
    pil = Image.fromarray(arr).convert("L")
    return pil.resize((arr.shape[1], height_px), Image.Resampling.NEAREST) if fmt == "Code128" else pil


def render_page(template: Template, page: int, dpi: float = 300.0, reference: str | None = None,
                values: dict[str, str] | None = None, typeface: str = SANS,
                reference_format: str = "Code128") -> np.ndarray:
    """Page *page* of *template* at *dpi* (greyscale): blank where *values* is None, else each field's value typed
    one capital per box. *reference*: the application reference printed as a barcode where the template puts it
    (an office prints it on page ``reference.required_on_page``)."""
    if page not in template.pages:
        raise ValueError(f"the form {template.name} has no page {page}")

    def px(v: float) -> int:
        return round(v / MM_PER_INCH * dpi)

    def box(x: float, y: float, w: float, h: float) -> list[int]:
        return [px(x), px(y), px(x + w), px(y + h)]

    k = dpi / 300.0
    img = Image.new("L", (px(template.page_mm[0]), px(template.page_mm[1])), 250)
    d = ImageDraw.Draw(img)
    half = template.anchors.size / 2
    for cx, cy in template.anchors.centres.values():
        d.rectangle(box(cx - half, cy - half, template.anchors.size, template.anchors.size), fill=10)
    words = template.printed
    d.text((px(words.heading_at[0]), px(words.heading_at[1])), words.heading,
           font=_font(SANS_BOLD, TYPE_PX["heading"] * k), fill=20)
    d.text((px(words.subheading_at[0]), px(words.subheading_at[1])),
           words.subheading.format(page=page, pages=len(template.pages)),
           font=_font(SANS, TYPE_PX["subheading"] * k), fill=40)
    for bit in range(template.page_code.bits):
        d.rectangle(box(*template.page_code.cell_box(bit)), outline=30, width=max(1, round(2 * k)),
                    fill=10 if page >> bit & 1 else None)
    if reference:
        r = template.reference
        bc = barcode_image(reference, px(12), reference_format, k)
        img.paste(bc, (px(r.x + r.w) - bc.width, px(r.y + 2)))
        if reference_format == "Code128":
            d.text((px(r.x + r.w) - bc.width, px(r.y + 16)), reference, font=_font(SANS, 34 * k), fill=30)
    small, box_font = _font(SANS, TYPE_PX["small"] * k), _font(typeface, TYPE_PX["box"] * k)
    vals = values or {}
    bottom = 0.0
    for f in template.pages[page].fields:
        d.text((px(f.x), px(f.label_y)), f.label, font=small, fill=30)
        value = vals.get(f.name, "")
        for i in range(f.boxes):
            bx, by, bw, bh = f.box(i)
            d.rectangle(box(bx, by, bw, bh), outline=60, width=max(1, round(3 * k)))
            if i < len(value) and value[i] != " ":
                # typed capitals stand on one baseline, 2 mm above the box's bottom; a comma hangs below it
                d.text((px(bx + bw / 2), px(by + bh - 2)), value[i], font=box_font, fill=15, anchor="ms")
        bottom = max(bottom, f.y + f.box_h)
    if words.notes:
        y = px(bottom + 6)
        d.line([(px(words.margin), y), (img.width - px(words.margin), y)], fill=40, width=max(1, round(4 * k)))
        y += px(6)
        line = ""
        for w in words.notes.split():
            if len(line) + len(w) > words.notes_width:
                d.text((px(words.margin), y), line, font=small, fill=35)
                y += px(6)
                line = ""
            line += w + " "
        d.text((px(words.margin), y), line, font=small, fill=35)
    return np.asarray(img, dtype=np.uint8)
