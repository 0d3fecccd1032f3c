#!/usr/bin/env python3
"""Train svs's boxed-character recogniser (ICR) and write ``models/icr-cnn.npz`` (card: ``models/README.md``).

    scripts/install-system-packages.sh system-packages-train.txt   # Debian's handwriting fonts
    .venv/bin/pip install -e '.[train]'                              # PyTorch, CPU build: for training only
    .venv/bin/python models/train_icr.py [--cells 900000] [--epochs 20] [--width 24] [--seed 1] [--device cuda]

The defaults make the shipped model. Rendering is the CPU's (a process per core: about 6 minutes on 16 cores);
training takes about 3 minutes on a GPU (``--device cuda``; PyTorch picks it by itself where one is present) and
hours on a laptop's CPU, where ``--cells 320000 --width 8`` (about 20 minutes on 2 cores) makes a smaller model.

Inputs come only from packages and from this project: characters drawn as pen strokes (``models/strokes.py``:
slant, size, pen width, wobble, open loops, pen lifts, pressure, ink from black to pale blue) and glyphs of the
handwriting fonts Debian ships under open licences (TRAIN_FONTS; the fonts of HELD_OUT_FONTS are never used here:
``bench/bench_icr.py`` measures on them) and of the typefaces forms are typed in. Every character is put in a
printed box as a form prints it (box sizes of 4.5 to 7 mm, the neighbours' borders beside it, registration a
little off), sometimes reaching over the border or into the next box, with ink of a neighbour's character
reaching in; then scanned at 190 to 305 dpi (blur, noise, JPEG, a small rotation), resampled as the reader cuts
boxes, and cleaned and made a cell by the reader's own functions (``svs/forms/boxes.py``). Crossed-out characters
(an X, a scribble or bars over a character) and ticks are classes of their own. The writing of most boxes is
bent a little by a smooth random displacement (:func:`elastic`) before it is scanned.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "models"))

import calibrate  # noqa: E402
import strokes  # noqa: E402
import torch_train  # noqa: E402

from svs.cnn import CellNet  # noqa: E402
from svs.forms.boxes import CELL_H, CELL_W, MARGIN_MM, PX_PER_MM, clean  # noqa: E402
from svs.forms.icr import CLASSES, CROSSED, MODEL_FILE, TICK  # noqa: E402

HAND = "/usr/share/fonts"
#: Handwriting fonts trained on (Debian: fonts-dkg-handwriting, fonts-comic-neue, fonts-bwht, fonts-tomsontalks and
#: the Latin capitals of the packages named below).
TRAIN_FONTS = [
    f"{HAND}/truetype/fifthhorseman/dkg.ttf", f"{HAND}/truetype/fifthhorseman/dkgBd.ttf",
    f"{HAND}/truetype/fifthhorseman/dkgIt.ttf", f"{HAND}/opentype/comic-neue/ComicNeue-Regular.otf",
    f"{HAND}/opentype/comic-neue/ComicNeue-Bold.otf", f"{HAND}/opentype/comic-neue/ComicNeue-LightItalic.otf",
    f"{HAND}/opentype/bwht/BecauseWeBuild-Regular.otf", f"{HAND}/opentype/bwht/BecauseWeConnect-Regular.otf",
    f"{HAND}/opentype/bwht/BecauseWeMentor-Regular.otf", f"{HAND}/opentype/bwht/BecauseWeCreate-Regular.otf",
    f"{HAND}/truetype/tomsontalks/TomsonTalks.ttf",
    # fonts-klee, fonts-kiloji, fonts-tlwg-purisa-ttf, fonts-yusei-magic: Japanese and Thai handwriting fonts whose
    # Latin capitals are hand-printed (pencil, felt pen, marker)
    f"{HAND}/truetype/klee/KleeOne-Regular.ttf", f"{HAND}/truetype/klee/KleeOne-SemiBold.ttf",
    f"{HAND}/truetype/kiloji/kiloji.ttf", f"{HAND}/truetype/kiloji/kiloji_b.ttf",
    f"{HAND}/truetype/kiloji/kiloji_d.ttf", f"{HAND}/truetype/kiloji/kiloji_p.ttf",
    f"{HAND}/truetype/tlwg/Purisa.ttf", f"{HAND}/truetype/tlwg/Purisa-Bold.ttf",
    f"{HAND}/truetype/tlwg/Purisa-Oblique.ttf", f"{HAND}/truetype/tlwg/Purisa-BoldOblique.ttf",
    f"{HAND}/truetype/yusei-magic/YuseiMagic-Regular.ttf",
    # fonts-sjfonts, fonts-dustin, fonts-fantasque-sans: a felt-pen hand, a ball-pen hand, a handwritten monospace
    f"{HAND}/truetype/sjfonts/SteveHand.ttf", f"{HAND}/truetype/dustin/Domestic_Manners.ttf",
    f"{HAND}/truetype/fantasque-sans/Normal/TTF/FantasqueSansMono-Regular.ttf",
    f"{HAND}/truetype/fantasque-sans/Normal/TTF/FantasqueSansMono-Bold.ttf",
    f"{HAND}/truetype/fantasque-sans/Normal/TTF/FantasqueSansMono-Italic.ttf",
]
#: Never trained on: the measurement's fonts (fonts-breip, fonts-humor-sans, two writers of fonts-bwht).
HELD_OUT_FONTS = [
    f"{HAND}/truetype/breip/Breip.ttf", f"{HAND}/truetype/humor-sans/Humor-Sans.ttf",
    f"{HAND}/opentype/bwht/BecauseWeLearn-Regular.otf", f"{HAND}/opentype/bwht/BecauseWeOrganize-Regular.otf",
]
#: Typefaces forms are typed in, and a calligraphic one (Debian: fonts-dejavu-core, fonts-ocr-b, fonts-liberation,
#: fonts-freefont-ttf, fonts-urw-base35).
TYPED_FONTS = sorted(
    [f"{HAND}/truetype/dejavu/{n}.ttf" for n in ("DejaVuSans", "DejaVuSans-Bold", "DejaVuSansMono", "DejaVuSerif")]
    + [f"{HAND}/opentype/ocr-b/OCRB.otf"]
    + [str(p) for d in ("truetype/liberation", "truetype/freefont", "opentype/urw-base35")
       for p in Path(HAND, d).glob("*.[ot]tf") if not p.name.startswith(("D050000L", "StandardSymbols"))])
SUPER = 4  # characters are drawn at this many times the scan's resolution, then reduced
#: The share of boxes whose writing is bent by a smooth random displacement (:func:`elastic`): no two hands, and no
#: two strokes of one hand, follow a font's or a stroke model's curves exactly (Simard et al., 2003: elastic
#: distortion is what let networks trained on few writers read others).
ELASTIC_SHARE = 0.6


def elastic(layer: np.ndarray, amount: float, rng: np.random.Generator) -> np.ndarray:
    """*layer* (white paper, dark writing) bent by a smooth displacement of about *amount* pixels: random
    displacements on a coarse grid of 3 to 6 knots a side over the writing's extent, interpolated between them.
    Only the writing's extent (and room for it to move) is remapped: the layer is mostly paper."""
    rows, cols = np.nonzero(layer.min(axis=1) < 255)[0], np.nonzero(layer.min(axis=0) < 255)[0]
    if len(rows) == 0:
        return layer
    m = int(4 * amount) + 2
    y0, y1 = max(0, rows[0] - m), min(layer.shape[0], rows[-1] + m + 1)
    x0, x1 = max(0, cols[0] - m), min(layer.shape[1], cols[-1] + m + 1)
    h, w = y1 - y0, x1 - x0
    gy, gx = (int(v) for v in rng.integers(3, 7, 2))
    dx = cv2.resize(rng.normal(0, amount, (gy, gx)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    dy = cv2.resize(rng.normal(0, amount, (gy, gx)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    dx += np.arange(w, dtype=np.float32)[None, :]
    dy += np.arange(h, dtype=np.float32)[:, None]
    out = layer.copy()
    out[y0:y1, x0:x1] = cv2.remap(layer[y0:y1, x0:x1], dx, dy, cv2.INTER_LINEAR, borderValue=255)
    return out


def available(paths: list[str]) -> list[str]:
    return [p for p in paths if Path(p).is_file()]


def _label(rng: np.random.Generator) -> str:
    r = rng.random()
    if r < 0.05:
        return TICK
    if r < 0.12:
        return CROSSED
    if r < 0.2:
        return "'-,./"[int(rng.integers(5))]
    return "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[int(rng.integers(36))]


def _font_glyph(canvas: np.ndarray, ch: str, font: str, centre: tuple[float, float], cap: float, ink: int,
                rng: np.random.Generator) -> None:
    """*ch* in *font* with capitals *cap* px tall, its baseline under *centre* by half a capital; then slanted,
    turned, narrowed or widened and made bolder or lighter as writers and printers differ."""
    f = ImageFont.truetype(font, max(8, round(cap / 0.72)))
    layer = Image.new("L", (canvas.shape[1], canvas.shape[0]), 255)
    d = ImageDraw.Draw(layer)
    cx, cy = centre
    d.text((cx, cy + cap / 2), ch, font=f, fill=ink, anchor="ms")
    glyph = np.asarray(layer)
    shear, angle = float(rng.normal(0, 0.15)), math.radians(float(rng.normal(0, 3)))
    sx = float(rng.uniform(0.75, 1.15))
    a = np.array([[sx * math.cos(angle), -math.sin(angle) - shear], [sx * math.sin(angle), math.cos(angle)]])
    t = np.array([cx, cy]) - a @ np.array([cx, cy])
    glyph = cv2.warpAffine(glyph, np.hstack([a, t[:, None]]), (canvas.shape[1], canvas.shape[0]),
                           flags=cv2.INTER_LINEAR, borderValue=255)
    k = int(rng.integers(-1, 3)) * max(1, round(cap / 60))
    if k > 0:  # bolder: the dark ink spreads
        glyph = cv2.erode(glyph, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k + 1, k + 1)))
    elif k < 0:
        glyph = cv2.dilate(glyph, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 - k, 2 - k)))
    np.minimum(canvas, glyph, out=canvas)


def _stroke_glyph(canvas: np.ndarray, ch: str, box: tuple[float, float, float, float], pen: float, ink: int,
                  rng: np.random.Generator) -> None:
    forms = strokes.FORMS[ch]
    form = forms[int(rng.integers(len(forms)))]
    strokes.draw(canvas, form, box, pen, ink, rng, slant=float(rng.normal(0, 0.15)),
                 rotate=float(rng.normal(0, 3)), wobble=float(rng.uniform(0, 0.03)),
                 lift=float(rng.uniform(0, 0.03)), pressure=float(rng.uniform(0, 0.5)))


def _glyph(canvas: np.ndarray, ch: str, centre: tuple[float, float], cap: float, k: float, ink: int,
           rng: np.random.Generator, fonts: list[str], typed: list[str]) -> None:
    """One character drawn at *centre* with capitals *cap* px tall: pen strokes, a handwriting font or a
    typeface."""
    r = rng.random()
    if r < 0.45 or ch not in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'-,./":
        w = cap * float(rng.uniform(0.55, 0.95))
        pen = k * float(rng.uniform(0.2, 0.6))  # 0.2 to 0.6 mm
        _stroke_glyph(canvas, ch, (centre[0] - w / 2, centre[1] - cap / 2, w, cap), pen, ink, rng)
    elif r < 0.8 and fonts:
        _font_glyph(canvas, ch, fonts[int(rng.integers(len(fonts)))], centre, cap, ink, rng)
    else:
        _font_glyph(canvas, ch, typed[int(rng.integers(len(typed)))], centre, cap * 0.9, ink, rng)


def render_box(ch: str, rng: np.random.Generator, fonts: list[str],
               typed: list[str]) -> tuple[np.ndarray, float, float]:
    """A box holding *ch* as the reader cuts it (greyscale at PX_PER_MM, the box and MARGIN_MM around it), and
    the box's size in mm."""
    box_w = float(rng.uniform(4.5, 7.0))
    box_h = box_w * float(rng.uniform(1.15, 1.45))
    dpmm = float(rng.uniform(7.5, 12.0))  # the scan's pixels per mm
    k = dpmm * SUPER
    m = MARGIN_MM
    reg_w, reg_h = box_w + 2 * m, box_h + 2 * m
    # drawn on a wider strip: the neighbouring boxes and characters are cut off at the region's edges
    pad = 3.0
    W, H = round((reg_w + 2 * pad) * k), round((reg_h + 2 * pad) * k)
    canvas = np.full((H, W), 255, np.uint8)
    ox, oy = pad + m + float(rng.normal(0, 0.15)), pad + m + float(rng.normal(0, 0.15))  # the box's top left (mm)
    gap = float(rng.uniform(0.3, 1.5))
    border = max(1, round(float(rng.uniform(0.15, 0.4)) * k))
    grey = int(rng.integers(20, 130))
    for dx in (-(box_w + gap), 0.0, box_w + gap):
        cv2.rectangle(canvas, (round((ox + dx) * k), round(oy * k)),
                      (round((ox + dx + box_w) * k), round((oy + box_h) * k)), grey, border)
    ink = int(rng.integers(0, 140))
    cap = box_h * float(rng.uniform(0.45, 0.9)) * k
    cx = (ox + box_w / 2) * k + float(rng.normal(0, 0.08)) * box_w * k
    cy = (oy + box_h / 2) * k + float(rng.normal(0, 0.06)) * box_h * k
    if rng.random() < 0.15 and ch not in "'-,.":  # written large, up to and over the border
        cap = box_h * float(rng.uniform(0.85, 1.1)) * k
    writing = np.full_like(canvas, 255)  # the writing on a layer of its own, laid over the printed boxes
    if ch == TICK:
        s = box_w * float(rng.uniform(0.45, 1.1)) * k
        strokes.draw(writing, strokes.tick_strokes(rng),
                     (cx - s / 2, cy - s / 2, s, s * float(rng.uniform(0.8, 1.2))),
                     k * float(rng.uniform(0.2, 0.6)), ink, rng, slant=float(rng.normal(0, 0.1)),
                     rotate=float(rng.normal(0, 8)), wobble=float(rng.uniform(0, 0.03)))
    elif ch == CROSSED:
        under = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[int(rng.integers(36))]
        _glyph(writing, under, (cx, cy), cap, k, ink, rng, fonts, typed)
        w = cap * float(rng.uniform(0.7, 1.2))
        h = cap * float(rng.uniform(0.8, 1.2))
        strokes.draw(writing, strokes.cross_strokes(rng), (cx - w / 2, cy - h / 2, w, h),
                     k * float(rng.uniform(0.2, 0.6)), int(rng.integers(0, 140)), rng,
                     wobble=float(rng.uniform(0, 0.03)))
    else:
        _glyph(writing, ch, (cx, cy), cap, k, ink, rng, fonts, typed)
    if rng.random() < 0.2:  # the neighbour's character, written wide, reaches in
        other = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[int(rng.integers(36))]
        side = 1 if rng.random() < 0.5 else -1
        ncx = cx + side * (box_w + gap) * k * float(rng.uniform(0.75, 0.95))
        _glyph(writing, other, (ncx, cy), cap * float(rng.uniform(0.9, 1.2)), k, ink, rng, fonts, typed)
    if rng.random() < ELASTIC_SHARE:
        writing = elastic(writing, cap * float(rng.uniform(0.015, 0.06)), rng)
    np.minimum(canvas, writing, out=canvas)
    if rng.random() < 0.5:  # ink a hair off the paper: a slight turn from registration
        rot = cv2.getRotationMatrix2D((W / 2, H / 2), float(rng.normal(0, 0.7)), 1.0)
        canvas = cv2.warpAffine(canvas, rot, (W, H), borderValue=255)
    scan = cv2.resize(canvas, (round(W / SUPER), round(H / SUPER)), interpolation=cv2.INTER_AREA).astype(np.float32)
    if rng.random() < 0.1:  # a coarse capture: the character a few pixels tall, then enlarged (blotchy strokes)
        f = float(rng.uniform(8, 14)) / (cap / SUPER)
        if f < 1:
            small = cv2.resize(scan, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
            scan = cv2.resize(small, (scan.shape[1], scan.shape[0]), interpolation=cv2.INTER_CUBIC)
    paper = float(rng.uniform(195, 255))
    scan = scan * (paper / 255.0)
    sigma = float(rng.uniform(0, 1.0))
    if sigma > 0.3:
        scan = cv2.GaussianBlur(scan, (0, 0), sigma)
    scan += rng.normal(0, float(rng.uniform(1, 6)), scan.shape)
    scan8 = np.clip(scan, 0, 255).astype(np.uint8)
    if rng.random() < 0.5:
        _ok, enc = cv2.imencode(".jpg", scan8, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(40, 95))])
        scan8 = cv2.imdecode(enc, cv2.IMREAD_GRAYSCALE)
    # the reader's cut: the box and its margin at PX_PER_MM
    x0, y0 = pad * dpmm, pad * dpmm
    src = np.float32([[x0, y0], [x0 + reg_w * dpmm, y0], [x0, y0 + reg_h * dpmm]])
    dst = np.float32([[0, 0], [reg_w * PX_PER_MM, 0], [0, reg_h * PX_PER_MM]])
    region = cv2.warpAffine(scan8, cv2.getAffineTransform(src, dst),
                            (round(reg_w * PX_PER_MM), round(reg_h * PX_PER_MM)), flags=cv2.INTER_LINEAR,
                            borderValue=255)
    return region, box_w, box_h


def sample(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    cv2.setNumThreads(1)
    rng = np.random.default_rng(seed)
    fonts, typed = available(TRAIN_FONTS), available(TYPED_FONTS)
    xs = np.empty((n, CELL_H * CELL_W), np.float32)
    ys = np.empty(n, np.int64)
    for i in range(n):
        ch = _label(rng)
        region, bw, bh = render_box(ch, rng, fonts, typed)
        xs[i] = clean(region, bw, bh).cell()
        ys[i] = CLASSES.index(ch)
    return xs, ys


#: The rendering is cut into this many chunks, each with a seed of its own, whatever the number of processes:
#: the same seed renders the same cells on any machine.
CHUNKS = 16


def sample_parallel(seed: int, n: int, workers: int) -> tuple[np.ndarray, np.ndarray]:
    chunks = [(seed * 1000 + i, n // CHUNKS + (i < n % CHUNKS)) for i in range(CHUNKS)]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        parts = pool.starmap(sample, chunks)
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def rendered(seed: int, cells: int, workers: int, cache: Path | None) -> tuple[np.ndarray, ...]:
    """The training cells and the held-out test cells of *seed*, rendered on *workers* processes; with *cache*,
    kept in that ``.npz`` file and taken from it when it holds the same seed and count (several networks
    trained on one rendering)."""
    if cache is not None and cache.is_file():
        with np.load(cache) as z:
            if int(z["seed"]) == seed and len(z["y"]) == cells:
                return z["x"].astype(np.float32), z["y"], z["xt"].astype(np.float32), z["yt"]
    x, y = sample_parallel(seed, cells, workers)
    xt, yt = sample_parallel(seed + 1000, max(4000, cells // 10), workers)
    if cache is not None:  # half precision: the cells are grey levels scaled to 0..1, well within it
        np.savez(cache, x=x.astype(np.float16), y=y, xt=xt.astype(np.float16), yt=yt, seed=np.array(seed))
    return x, y, xt, yt


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cells", type=int, default=900000)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--width", type=int, default=24, help="channels of the first convolution")
    ap.add_argument("--device", help="cpu or cuda (default: cuda where PyTorch sees a GPU)")
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--cache", type=Path, help="an .npz file keeping the rendered cells for the next run")
    ap.add_argument("--render-only", action="store_true", help="render the cells into --cache, train nothing")
    ap.add_argument("--out", type=Path, default=ROOT / "models" / MODEL_FILE)
    args = ap.parse_args()

    missing = [f for f in TRAIN_FONTS + TYPED_FONTS if not Path(f).is_file()]
    if missing:
        print(f"fonts missing (scripts/install-system-packages.sh system-packages-train.txt): {missing}")
    t0 = time.time()
    x, y, xt, yt = rendered(args.seed, args.cells, args.workers, args.cache)
    print(f"rendered {len(y)} training cells and {len(yt)} test cells in {time.time() - t0:.0f} s", flush=True)
    if args.render_only:
        return
    import torch

    torch.set_num_threads(args.workers)
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    weights = torch_train.train(x, y, (CELL_H, CELL_W), len(CLASSES), args.epochs, args.seed, args.width,
                                device=device, batch_size=args.batch)
    out: Path = args.out
    shape = np.array([CELL_H, CELL_W])
    probe = out.with_name(f".{out.name}.tmp.npz")
    np.savez_compressed(probe, **weights, shape=shape, version=np.array("probe"))
    held_out = CellNet(probe).logits(xt)  # measured by the numpy inference
    acc = float((held_out.argmax(axis=1) == yt).mean())
    temperature = calibrate.fit_temperature(held_out, yt)
    probe.unlink()
    version = (f"icr-cnn-2 seed{args.seed} cells{args.cells} epochs{args.epochs} width{args.width} "
               f"batch{args.batch} acc{acc:.4f} t{temperature:.2f}")
    np.savez_compressed(out, **weights, shape=shape, classes=np.array(CLASSES), version=np.array(version),
                        temperature=np.array(temperature, np.float32))
    print(f"trained in {time.time() - t0:.0f} s; held-out cell accuracy (training generator) {acc:.5f}")
    print(f"wrote {out} ({out.stat().st_size} bytes): {version}")


if __name__ == "__main__":
    main()
