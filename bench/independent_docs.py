"""An independent generator of MRZ documents, for evaluation only.

Written apart from ``fixtures/generate.py`` (which makes the recogniser's training data and the benchmark's
"training generator" set) and sharing no code with it or with svs: its own check digits, names, state codes,
layouts, backgrounds and damage. Nothing here may be used to train or tune svs (``models/train_ocrb.py`` and
the thresholds never import it; ``tests/unit/mrz/test_mrz_independent_failures.py`` checks that), so what svs
reads here says how it reads documents it was not built around.

What it makes differently from the training generator:

- layouts: tight crops with little or no margin (sometimes a stray mark beside the first line), identity cards
  (photo box, labels, rounded corners) lying on a desk or a scanner lid, passport data pages on an A4 flatbed
  page, pages photographed by a phone;
- print: capitals 2.0 to 2.5 mm at the ICAO pitch (2.54 mm) with carriage jitter, line spacing from tight to
  wide (a visa's widely spaced lines), ink from black to dark blue-grey;
- backgrounds: colour guilloche (rosettes and waves), a red SPECIMEN overprint and round stamps over the MRZ;
- artefacts: halftone screens, moire, toner streaks, curved pages, perspective, colour casts, JPEG;
- content: document codes whose second character is a digit (``C1``, ``A3``: the issuing state's choice),
  state codes where O and 0 or I and 1 look alike (UTO, MCO, COL, ROU, IRL), and now and then a check digit
  printed wrong (the truth is what is printed: the MRZ must be found and reported invalid).

    .venv/bin/python bench/independent_docs.py OUT_DIR [--n 120]   # writes PNGs and truth.json to look at
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

OCRB_FONT = "/usr/share/fonts/opentype/ocr-b/OCRB.otf"
TEXT_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
FORMATS = ("TD1", "TD2", "TD3", "MRVA", "MRVB")
LAYOUTS = ("crop", "card", "page", "phone")
#: Codes where a letter has a digit look-alike, and plain ones.
STATES = ("UTO", "MCO", "COL", "ROU", "IRL", "BOL", "TGO", "OMN", "POL", "DOM", "ISL", "ITA", "NOR", "KOR",
          "SWE", "DEU", "CAN", "BRA", "IND", "JPN", "MEX", "NZL", "ZAF", "EGY")
SURNAMES = ("OKAFOR", "MOORE", "BOOTH", "LOPEZ<OSORIO", "IONESCU", "OLSSON", "DIOP", "TOMIC", "QUIGLEY",
            "ZIMMERMANN", "HOANG", "WOJCIK", "BJORNSSON", "DOYLE", "OYELARAN", "SOTO", "KIM", "ABOUD")
GIVEN = ("OLIVIA", "TOMAS", "IOANA", "BODIL", "ODETTE<ROSE", "LUIGI", "OTTO", "MOHAMMED<ALI", "JOAO", "SIOBHAN",
         "IGOR", "ODILE", "QUENTIN", "YOKO", "ZOE")
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def check_digit(text: str) -> str:
    """ICAO 9303 part 3, 4.9: weights 7, 3, 1; digits their value, A-Z 10-35, filler 0."""
    total = 0
    for i, ch in enumerate(text):
        value = int(ch) if ch.isdigit() else (0 if ch == "<" else ord(ch) - ord("A") + 10)
        total += value * (7, 3, 1)[i % 3]
    return str(total % 10)


@dataclass
class Doc:
    key: str
    image: np.ndarray  # BGR
    lines: list[str]  # the MRZ exactly as printed
    layout: str
    wrong_check: bool  # a check digit printed wrong on purpose: found, reported invalid


# --- content ------------------------------------------------------------------------------------------------

def _pick(rng: np.random.Generator, seq: tuple[str, ...] | str) -> str:
    return seq[int(rng.integers(len(seq)))]


def _yymmdd(rng: np.random.Generator, first: int, last: int) -> str:
    year = int(rng.integers(first, last + 1))
    month = int(rng.integers(1, 13))
    day = int(rng.integers(1, 29 if month == 2 else 31))
    return f"{year % 100:02d}{month:02d}{day:02d}"


def _text(rng: np.random.Generator, alphabet: str, lo: int, hi: int, width: int) -> str:
    n = int(rng.integers(lo, hi + 1))
    return "".join(_pick(rng, alphabet) for _ in range(n)).ljust(width, "<")[:width]


def make_mrz(fmt: str, rng: np.random.Generator, wrong_check: bool) -> list[str]:
    """MRZ lines of *fmt* with fictional data; with *wrong_check*, one check digit printed off by one to nine."""
    state, nat = _pick(rng, STATES), _pick(rng, STATES)
    names = f"{_pick(rng, SURNAMES)}<<{_pick(rng, GIVEN)}"
    number = _text(rng, ALNUM, 7, 9, 9)
    birth, expiry = _yymmdd(rng, 1935, 2019), _yymmdd(rng, 2027, 2039)
    sex = _pick(rng, "MFX<")
    cd = check_digit
    if fmt == "TD1":
        code = _pick(rng, ("I<", "ID", "C1", "A3", "IR", "AC", "C<"))
        top = f"{code}{state}{number}{cd(number)}{_text(rng, ALNUM, 0, 12, 15)}"
        mid = f"{birth}{cd(birth)}{sex}{expiry}{cd(expiry)}{nat}{_text(rng, ALNUM, 0, 8, 11)}"
        mid += cd(top[5:30] + mid[0:7] + mid[8:15] + mid[18:29])
        lines = [top, mid, names.ljust(30, "<")[:30]]
        fields = [(0, 14), (1, 6), (1, 14), (1, 29)]
    else:
        width = 44 if fmt in ("TD3", "MRVA") else 36
        code = {"TD3": ("P<", "PP", "PD", "PO"), "MRVA": ("V<", "VD", "VC"), "TD2": ("I<", "ID", "C1", "A3"),
                "MRVB": ("V<", "VB")}[fmt]
        top = (_pick(rng, code) + state + names).ljust(width, "<")[:width]
        body = f"{number}{cd(number)}{nat}{birth}{cd(birth)}{sex}{expiry}{cd(expiry)}"
        fields = [(1, 9), (1, 19), (1, 27)]
        if fmt == "TD3":
            personal = _text(rng, ALNUM, 0, 14, 14)
            body += personal + (cd(personal) if personal.strip("<") else "<")
            body += cd(body[0:10] + body[13:20] + body[21:43])
            fields += [(1, 43)]
        elif fmt == "TD2":
            body += _text(rng, ALNUM, 0, 7, 7)
            body += cd(body[0:10] + body[13:20] + body[21:35])
            fields += [(1, 35)]
        else:
            body += _text(rng, ALNUM, 0, 10, width - len(body))
        lines = [top, body]
    if wrong_check:
        ln, pos = fields[int(rng.integers(len(fields)))]
        digit = str((int(lines[ln][pos]) + int(rng.integers(1, 10))) % 10)
        lines[ln] = lines[ln][:pos] + digit + lines[ln][pos + 1 :]
    return lines


# --- printing -----------------------------------------------------------------------------------------------

def _font(path: str, px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, max(6, px))


def print_mrz(canvas: Image.Image, lines: list[str], x: float, y: float, px_per_mm: float, spacing_mm: float,
              ink: tuple[int, int, int], rng: np.random.Generator) -> tuple[int, int, int, int]:
    """The lines in OCR-B, capitals 2.0 to 2.5 mm tall at 2.54 mm a character (ICAO 9303 part 3), each glyph
    set in its slot with the small errors of a printer's carriage; returns the box the ink covers."""
    cap_mm = float(rng.uniform(2.0, 2.5))
    font = _font(OCRB_FONT, round(cap_mm * px_per_mm / 0.7))
    pitch = 2.54 * px_per_mm
    mask = Image.new("L", canvas.size, 0)
    d = ImageDraw.Draw(mask)
    wobble = float(rng.uniform(0, 0.06)) * pitch
    for row, text in enumerate(lines):
        top = y + row * spacing_mm * px_per_mm
        for i, ch in enumerate(text):
            dx, dy = rng.normal(0, wobble, 2)
            d.text((x + i * pitch + dx, top + dy), ch, font=font, fill=255)
    canvas.paste(Image.new("RGB", canvas.size, ink), (0, 0), mask)
    box = mask.getbbox()
    assert box is not None
    return box


def guilloche(size: tuple[int, int], rng: np.random.Generator, tint: tuple[int, int, int]) -> Image.Image:
    """A security-print background: rosettes and waves of thin coloured lines."""
    w, h = size
    img = Image.new("RGB", size, tint)
    d = ImageDraw.Draw(img)
    colour = tuple(int(c) for c in np.clip(np.asarray(tint) - rng.integers(25, 70, 3), 0, 255))
    cx, cy = float(rng.uniform(0, w)), float(rng.uniform(0, h))
    for k in range(int(rng.integers(6, 14))):
        radius = (k + 1) * max(w, h) / 14
        ring = [radius * (1 + 0.08 * math.sin(9 * t)) for t in np.linspace(0, 2 * math.pi, 400)]
        pts = [(cx + r * math.cos(t), cy + r * math.sin(t))
               for r, t in zip(ring, np.linspace(0, 2 * math.pi, 400), strict=True)]
        d.line(pts, fill=colour, width=1)
    for k in range(int(rng.integers(10, 30))):
        y0 = k * h / 20
        amp, freq = float(rng.uniform(3, 12)), float(rng.uniform(0.01, 0.05))
        d.line([(x, y0 + amp * math.sin(freq * x + k)) for x in range(0, w, 4)], fill=colour, width=1)
    return img


def overprint(img: Image.Image, rng: np.random.Generator, box: tuple[float, float, float, float]) -> None:
    """A red SPECIMEN across the MRZ, or a round stamp, translucent."""
    x0, y0, x1, y1 = box
    layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    if rng.random() < 0.5:
        font = _font(TEXT_FONT, int((y1 - y0) * 0.9))
        colour = (200, 30, 40, int(rng.integers(90, 170)))
        d.text((x0 + (x1 - x0) * float(rng.uniform(0.05, 0.4)), y0), "SPECIMEN", font=font, fill=colour)
    else:
        r = (y1 - y0) * float(rng.uniform(0.5, 0.8))
        cx, cy = x0 + (x1 - x0) * float(rng.uniform(0.2, 0.8)), (y0 + y1) / 2
        colour = ((40, 60, 170) if rng.random() < 0.5 else (170, 40, 120)) + (int(rng.integers(90, 160)),)
        d.ellipse([cx - r, cy - r, cx + r, cy + r], outline=colour, width=max(2, int(r / 12)))
        d.ellipse([cx - r * 0.7, cy - r * 0.7, cx + r * 0.7, cy + r * 0.7], outline=colour, width=max(1, int(r / 20)))
        d.text((cx - r * 0.5, cy - r * 0.2), "ENTRY", font=_font(TEXT_FONT, int(r * 0.35)), fill=colour)
    img.paste(Image.alpha_composite(img.convert("RGBA"), layer).convert("RGB"))


# --- layouts ------------------------------------------------------------------------------------------------

def _doc(lines: list[str], rng: np.random.Generator, px_per_mm: float, tight: bool,
         ) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """The document itself: a card or a passport data page with its MRZ along the bottom edge."""
    td1 = len(lines) == 3
    width_mm, height_mm = ((85.6, 54.0) if td1 else (105.0, 74.0) if len(lines[0]) == 36 else (125.0, 88.0))
    size = (round(width_mm * px_per_mm), round(height_mm * px_per_mm))
    tint = tuple(int(v) for v in rng.integers(200, 250, 3))
    img = guilloche(size, rng, tint) if rng.random() < 0.8 else Image.new("RGB", size, tint)
    # the MRZ along the bottom edge (ICAO 9303: its zone is the document's last 17 to 23 mm); a visa's two lines
    # are sometimes spaced widely
    spacing = float(rng.uniform(3.4, 5.0))
    if len(lines) == 2 and lines[0][0] == "V" and rng.random() < 0.4:
        spacing = float(rng.uniform(5.5, 8.0))
    block_mm = spacing * (len(lines) - 1) + 3.0
    x = float(rng.uniform(1.5, 5.0)) * px_per_mm
    y = size[1] - (block_mm + float(rng.uniform(1.5, 4.0))) * px_per_mm
    d = ImageDraw.Draw(img)
    if not tight:  # photo box, labels and data above the MRZ
        bottom = y / px_per_mm - 2.0
        d.rectangle([4 * px_per_mm, 6 * px_per_mm, 28 * px_per_mm, bottom * px_per_mm], fill=(170, 160, 150))
        label = _font(TEXT_FONT, round(1.8 * px_per_mm))
        for k in range(int((bottom - 8) // 6)):
            d.text((32 * px_per_mm, (7 + k * 6) * px_per_mm), "Surname / Nom" if k == 0 else f"Field {k}",
                   font=label, fill=(60, 60, 90))
    ink = tuple(int(v) for v in rng.integers(0, 45, 3))
    box = print_mrz(img, lines, x, y, px_per_mm, spacing, ink, rng)
    if rng.random() < 0.25:
        overprint(img, rng, box)
    return cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR), box


def crop_layout(lines: list[str], rng: np.random.Generator) -> np.ndarray:
    """Only the MRZ, cropped close (a margin of a fraction of a glyph), sometimes a stray mark before it."""
    px_per_mm = float(rng.uniform(6, 16))
    img, (x, y, right, bottom) = _doc(lines, rng, px_per_mm, tight=True)
    margin = float(rng.uniform(0.4, 2.0)) * px_per_mm
    if rng.random() < 0.35:  # a mark on the card beside the first line: a bar, a dot, a letter of other text
        mark_x = x - float(rng.uniform(1.2, 1.9)) * 2.54 * px_per_mm
        pil = Image.fromarray(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
        d = ImageDraw.Draw(pil)
        kind = int(rng.integers(3))
        top = float(y)
        if kind == 0:
            d.rectangle([mark_x, top, mark_x + 0.35 * px_per_mm, top + 2.3 * px_per_mm], fill=(20, 20, 20))
        elif kind == 1:
            d.ellipse([mark_x, top + 0.8 * px_per_mm, mark_x + 0.8 * px_per_mm, top + 1.6 * px_per_mm],
                      fill=(30, 30, 30))
        else:
            d.text((mark_x, top - 0.3 * px_per_mm), _pick(rng, "ILT1"), font=_font(TEXT_FONT, round(3 * px_per_mm)),
                   fill=(30, 30, 30))
        img = cv2.cvtColor(np.asarray(pil), cv2.COLOR_RGB2BGR)
        margin = max(margin, x - mark_x + 0.6 * px_per_mm)
    x0, y0 = max(0, int(x - margin)), max(0, int(y - margin))
    x1, y1 = min(img.shape[1], int(right + margin)), min(img.shape[0], int(bottom + margin))
    return img[y0:y1, x0:x1]


def card_layout(lines: list[str], rng: np.random.Generator) -> np.ndarray:
    """The whole card or page, on a desk or a scanner lid, a little crooked."""
    doc, _ = _doc(lines, rng, float(rng.uniform(8, 14)), tight=False)
    h, w = doc.shape[:2]
    pad = int(max(h, w) * float(rng.uniform(0.05, 0.3)))
    desk = np.full((h + 2 * pad, w + 2 * pad, 3), rng.integers(20, 240, 3), np.uint8)
    desk[pad : pad + h, pad : pad + w] = doc
    angle = float(rng.uniform(-8, 8))
    m = cv2.getRotationMatrix2D((desk.shape[1] / 2, desk.shape[0] / 2), angle, 1.0)
    return cv2.warpAffine(desk, m, (desk.shape[1], desk.shape[0]), borderMode=cv2.BORDER_REPLICATE)


def page_layout(lines: list[str], rng: np.random.Generator) -> np.ndarray:
    """A flatbed scan of an A4 page with the document somewhere on it, at 200 to 300 dpi, any right angle."""
    dpi = float(rng.uniform(200, 300))
    px_per_mm = dpi / 25.4
    doc, _ = _doc(lines, rng, px_per_mm, tight=False)
    page = np.full((round(297 * px_per_mm), round(210 * px_per_mm), 3), int(rng.integers(225, 252)), np.uint8)
    h, w = doc.shape[:2]
    if w > page.shape[1]:
        page = np.ascontiguousarray(np.rot90(page))
    y = int(rng.integers(0, page.shape[0] - h))
    x = int(rng.integers(0, page.shape[1] - w))
    page[y : y + h, x : x + w] = doc
    turns = int(rng.integers(4))
    return np.ascontiguousarray(np.rot90(page, turns)) if turns else page


def phone_layout(lines: list[str], rng: np.random.Generator) -> np.ndarray:
    """A phone photo: the page bends, the phone is held at an angle, the light is warm and uneven."""
    doc = card_layout(lines, rng)
    doc = curve(doc, float(rng.uniform(0.004, 0.02)))
    h, w = doc.shape[:2]
    k = float(rng.uniform(0.03, 0.12))
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[w * k * rng.random(), h * k * rng.random()], [w * (1 - k * rng.random()), 0],
                      [w, h * (1 - k * rng.random())], [0, h]])
    doc = cv2.warpPerspective(doc, cv2.getPerspectiveTransform(src, dst), (w, h), borderMode=cv2.BORDER_REPLICATE)
    cast = np.asarray([rng.uniform(0.75, 1.0), rng.uniform(0.85, 1.0), rng.uniform(0.95, 1.1)], np.float32)
    gx = np.linspace(float(rng.uniform(0.6, 1.0)), float(rng.uniform(0.9, 1.15)), w, dtype=np.float32)
    return np.clip(doc.astype(np.float32) * cast[None, None, :] * gx[None, :, None], 0, 255).astype(np.uint8)


# --- damage -------------------------------------------------------------------------------------------------

def curve(img: np.ndarray, amount: float) -> np.ndarray:
    """A page that does not lie flat: rows bow by *amount* of the height across the width."""
    h, w = img.shape[:2]
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    bow = amount * h * np.sin(np.pi * xs / max(w - 1, 1))
    return cv2.remap(img, xs, ys - bow, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def halftone(img: np.ndarray, period: float) -> np.ndarray:
    """A printed picture's dot screen at 45 degrees, blurred back by the scanner's optics."""
    h, w = img.shape[:2]
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    screen = (np.cos((xs + ys) * np.pi / period) * np.cos((xs - ys) * np.pi / period) + 1) * 127.5
    dotted = np.where(img.astype(np.float32) > screen[:, :, None], 255, 0).astype(np.uint8)
    return cv2.GaussianBlur(dotted, (0, 0), period * 0.45)


def moire(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h, w = img.shape[:2]
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    a = float(rng.uniform(0, np.pi))
    f = float(rng.uniform(0.3, 0.9))
    wave = np.cos(f * (xs * math.cos(a) + ys * math.sin(a))) * float(rng.uniform(6, 18))
    return np.clip(img.astype(np.float32) + wave[:, :, None], 0, 255).astype(np.uint8)


def streaks(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Toner streaks: thin bands along the paper's travel, lighter (a starved drum) or darker (a dirty one)."""
    out = img.astype(np.float32)
    w = img.shape[1]
    for _ in range(int(rng.integers(1, 5))):
        x = int(rng.integers(0, w))
        band = int(rng.integers(1, max(2, w // 80)))
        out[:, x : x + band] = out[:, x : x + band] * float(rng.uniform(0.6, 0.85)) + float(rng.uniform(0, 60))
    return np.clip(out, 0, 255).astype(np.uint8)


def damage(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Print and scan artefacts, some at random, then JPEG."""
    if rng.random() < 0.15:
        img = halftone(img, float(rng.uniform(1.5, 2.5)))
    if rng.random() < 0.2:
        img = moire(img, rng)
    if rng.random() < 0.2:
        img = streaks(img, rng)
    if rng.random() < 0.5:
        img = cv2.GaussianBlur(img, (0, 0), float(rng.uniform(0.3, 1.1)))
    noise = rng.normal(0, float(rng.uniform(1, 7)), img.shape)
    img = np.clip(img.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(55, 95))])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR) if ok else img


LAYOUT_FUNCS = {"crop": crop_layout, "card": card_layout, "page": page_layout, "phone": phone_layout}


def documents(n: int, seed: int = 90210) -> list[Doc]:
    """*n* documents cycling through formats and layouts; every 16th has a check digit printed wrong."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        fmt, layout = FORMATS[i % len(FORMATS)], LAYOUTS[(i // len(FORMATS)) % len(LAYOUTS)]
        wrong = i % 16 == 15
        lines = make_mrz(fmt, rng, wrong)
        img = damage(LAYOUT_FUNCS[layout](lines, rng), rng)
        out.append(Doc(f"ind-{i:04d}-{layout}-{fmt}", img, lines, layout, wrong))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--n", type=int, default=120)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    truth = {}
    for doc in documents(args.n):
        cv2.imwrite(str(args.out / f"{doc.key}.png"), doc.image)
        truth[doc.key] = {"lines": doc.lines, "layout": doc.layout, "wrong_check": doc.wrong_check}
    (args.out / "truth.json").write_text(json.dumps(truth, indent=1))


if __name__ == "__main__":
    main()
