#!/usr/bin/env python3
"""Train svs's OCR-B recogniser for MRZ characters and write ``models/ocrb-cnn.npz`` (card: ``models/README.md``).

    .venv/bin/pip install -e '.[train]'      # PyTorch, CPU build: for training only, never at run time
    .venv/bin/python models/train_ocrb.py [--docs 8000] [--epochs 12] [--seed 1] [--width 6]

Inputs come only from packages: glyphs are rendered from Debian's ``fonts-ocr-b`` (OCRB.otf). Each training
document is a whole MRZ of one of the five formats with random valid data (``fixtures/generate.py``) whose name
field is replaced by random letters, so that every letter is seen as often in a name as in a code. Printing
varies as real printers vary: rendered large, then glyphs condensed or widened, strokes made bolder or thinner,
characters placed with small pitch errors; then reduced to 6 to 40 px glyphs (about 65 to 430 dpi) and scanned
(blur, noise, ink spread, uneven light, small rotations, JPEG, sometimes binarised or faded). Every rendered MRZ
goes through the inference path itself (locator, cell grid, cells: ``svs/mrz/locate.py``, ``svs/mrz/ocr.py``),
so the model learns the cells it will be shown, neighbouring glyphs' edges and grid errors included.

The model is a small convolutional network (``models/torch_train.py``), trained with PyTorch on the CPU and
stored as float32 arrays; inference is numpy (``svs.mrz.ocr.Recogniser``).
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "fixtures"))
sys.path.insert(0, str(ROOT))

import generate  # noqa: E402
import torch_train  # noqa: E402

from svs.mrz.locate import find_candidates  # noqa: E402
from svs.mrz.ocr import ALPHABET, MODEL_FILE, Grid, Recogniser, cells, features, grid_for, line_strip  # noqa: E402

FORMATS = ("TD1", "TD2", "TD3", "MRVA", "MRVB")
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
RENDER_GLYPH = 48  # capitals' height when rendering, before the document is reduced to its scanned size


def random_names(rng: np.random.Generator, width: int) -> str:
    """Surname, then given names, of random letters: ``SURNAME<<GIVEN<NAMES<<<``, filling *width*."""
    parts = ["".join(LETTERS[i] for i in rng.integers(0, 26, int(rng.integers(1, 13))))
             for _ in range(int(rng.integers(1, 5)))]
    text = parts[0] + "<<" + "<".join(parts[1:]) if len(parts) > 1 else parts[0]
    return text.ljust(width, "<")[:width]


def training_mrz(fmt: str, rng: np.random.Generator) -> list[str]:
    lines = generate.random_mrz(fmt, rng)
    if fmt == "TD1":
        return [lines[0], lines[1], random_names(rng, 30)]
    return [lines[0][:5] + random_names(rng, len(lines[0]) - 5), lines[1]]


def render(lines: list[str], rng: np.random.Generator) -> np.ndarray:
    """The MRZ printed large (glyphs RENDER_GLYPH px), as one of many printers would: ink, weight, width and
    pitch vary; greyscale."""
    weight = int(rng.choice([0, 0, 0, 1, 1, 2]))  # PIL's stroke adds ink around every glyph: bolder print
    size = round(RENDER_GLYPH / 0.72)
    pitch = RENDER_GLYPH / 0.94 * float(rng.uniform(0.96, 1.04))
    gap = RENDER_GLYPH * float(rng.uniform(1.6, 1.95))
    margin = RENDER_GLYPH * 3
    n = len(lines[0])
    w, h = int(margin * 2 + pitch * n), int(margin * 2 + gap * len(lines))
    paper = int(rng.integers(190, 256))
    ink = int(rng.integers(0, 110))
    img = Image.new("L", (w, h), paper)
    d = ImageDraw.Draw(img)
    if rng.random() < 0.5:  # a guilloche-like background pattern
        step = int(rng.integers(6, 30))
        shade = paper - int(rng.integers(5, 40))
        for i in range(0, w + h, step):
            d.line([(i, 0), (i - h, h)], fill=shade, width=int(rng.integers(1, 4)))
    f = ImageFont.truetype(generate.OCRB, size)
    wobble = float(rng.uniform(0, 0.04)) * pitch
    for row, text in enumerate(lines):
        y = margin + row * gap + float(rng.normal(0, 1.5))
        for i, ch in enumerate(text):
            x = margin + i * pitch + float(rng.normal(0, wobble))
            d.text((x, y + float(rng.normal(0, wobble * 0.5))), ch, font=f, fill=ink, stroke_width=weight,
                   stroke_fill=ink)
    out = np.asarray(img)
    sx = float(rng.uniform(0.85, 1.15))  # glyphs condensed or widened
    out = cv2.resize(out, (round(w * sx), h), interpolation=cv2.INTER_AREA)
    if rng.random() < 0.3:  # thinner strokes: the paper eats into the ink
        k = int(rng.integers(2, 5))
        out = cv2.dilate(out, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    return out


def scan(big: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Reduce to scanned size and degrade: a BGR image as the pipeline receives it."""
    glyph = float(rng.uniform(6, 40))
    k = glyph / RENDER_GLYPH
    small = cv2.resize(big, None, fx=k, fy=k * float(rng.uniform(0.95, 1.05)), interpolation=cv2.INTER_AREA)
    r = rng.random()
    if r < 0.08:  # a bilevel scan
        _, small = cv2.threshold(small, int(small.mean()) - 20, 255, cv2.THRESH_BINARY)
    elif r < 0.2:  # faded: low contrast
        small = np.clip(small.astype(np.float32) * float(rng.uniform(0.3, 0.6)) + float(rng.uniform(90, 150)),
                        0, 255).astype(np.uint8)
    bgr = cv2.cvtColor(small, cv2.COLOR_GRAY2BGR)
    return generate.degrade(bgr, rng, float(rng.uniform(0.1, 1.0)))


def jitter(grid: Grid, rng: np.random.Generator) -> Grid:
    """Small grid errors, as the locator makes on real images."""
    shift = float(rng.uniform(-0.15, 0.15)) * grid.pitch
    d = np.array(grid.direction)
    return Grid(grid.direction, grid.pitch, grid.glyph * float(1 + rng.uniform(-0.08, 0.08)), grid.n,
                [[t + float(rng.normal(0, 0.05)) * grid.pitch for t in row] for row in grid.cell_t],
                [((p[0] + float(d[0]) * shift, p[1] + float(d[1]) * shift), v) for p, v in grid.rows])


def sample(seed: int, n_docs: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Features and labels of the cells of *n_docs* rendered MRZs (those the locator finds)."""
    cv2.setNumThreads(1)
    rng = np.random.default_rng(seed)
    xs, ys, used = [], [], 0
    for _ in range(n_docs):
        fmt = FORMATS[int(rng.integers(len(FORMATS)))]
        lines = training_mrz(fmt, rng)
        img = scan(render(lines, rng), rng)
        grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
        for cand in find_candidates(img)[:1]:
            grid = grid_for(cand, follow_curve=False)
            if grid is None or grid.n != len(lines[0]) or len(grid.rows) != len(lines):
                continue
            if rng.random() < 0.5:
                grid = jitter(grid, rng)
            used += 1
            for row, text in enumerate(lines):
                xs.append(features(cells(line_strip(grey, grid, row), grid, row)))
                ys.extend(ALPHABET.index(c) for c in text)
    if not xs:
        return np.empty((0, 24 * 16), np.float32), np.empty(0, np.int64), 0
    return np.concatenate(xs), np.asarray(ys, np.int64), used


def sample_parallel(seed: int, n_docs: int, workers: int) -> tuple[np.ndarray, np.ndarray, int]:
    chunks = [(seed * 1000 + i, n_docs // workers + (i < n_docs % workers)) for i in range(workers)]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        parts = pool.starmap(sample, chunks)
    return (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
            sum(p[2] for p in parts))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=8000)
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--width", type=int, default=6, help="channels of the first convolution")
    ap.add_argument("--out", type=Path, default=ROOT / "models" / MODEL_FILE)
    args = ap.parse_args()
    import torch

    torch.set_num_threads(args.workers)
    t0 = time.time()
    x, y, used = sample_parallel(args.seed, args.docs, args.workers)
    xt, yt, used_t = sample_parallel(args.seed + 1000, max(200, args.docs // 6), args.workers)
    print(f"rendered: {used}/{args.docs} training MRZs located ({len(y)} cells), "
          f"{used_t} test MRZs ({len(yt)} cells) in {time.time() - t0:.0f} s", flush=True)
    missing = set(range(len(ALPHABET))) - set(y.tolist())
    assert not missing, f"every character must occur in training: {missing}"
    weights = torch_train.train(x, y, (24, 16), len(ALPHABET), args.epochs, args.seed, args.width, contrast=True)
    out: Path = args.out
    probe = out.with_name(f".{out.name}.tmp.npz")
    np.savez_compressed(probe, **weights, version=np.array("probe"))
    acc = float((Recogniser(probe, (24, 16)).proba(xt).argmax(axis=1) == yt).mean())  # measured by the numpy inference
    probe.unlink()
    version = f"ocrb-cnn-2 seed{args.seed} docs{args.docs} epochs{args.epochs} width{args.width} acc{acc:.4f}"
    np.savez_compressed(out, **weights, version=np.array(version))
    print(f"trained in {time.time() - t0:.0f} s; held-out character accuracy {acc:.5f}")
    print(f"wrote {out} ({out.stat().st_size} bytes): {version}")


if __name__ == "__main__":
    main()
