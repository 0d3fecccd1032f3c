#!/usr/bin/env python3
"""Train svs's OCR-B recogniser for MRZ characters and write ``models/ocrb-mlp.npz`` and its model card.

    .venv/bin/python models/train_ocrb.py [--docs 1500] [--seed 1]

Inputs come only from packages: glyphs are rendered from Debian's ``fonts-ocr-b`` (OCRB.otf) as whole MRZs of
all five formats (``fixtures/generate.py``: random valid data), at 150 to 600 dpi equivalent, with blur, noise,
ink spread, uneven light, small rotations and JPEG. Each rendered MRZ goes through the same locator and cell
grid as inference (``svs/mrz/locate.py``, ``svs/mrz/ocr.py``), so the model learns the cells it will be shown,
neighbouring glyphs' edges included. The model is a 384-192-37 perceptron (scikit-learn for training only);
inference is numpy.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "fixtures"))
sys.path.insert(0, str(ROOT))

import generate  # noqa: E402

from svs.mrz.locate import find_candidates  # noqa: E402
from svs.mrz.ocr import ALPHABET, MODEL_FILE, Grid, cells, features, grid_for, line_strip  # noqa: E402

FORMATS = ("TD1", "TD2", "TD3", "MRVA", "MRVB")


def jitter(grid: Grid, rng: np.random.Generator) -> Grid:
    """Small grid errors, as the locator makes on real images."""
    shift = float(rng.uniform(-0.15, 0.15)) * grid.pitch
    d = np.array(grid.direction)
    return Grid(grid.direction, grid.pitch, grid.glyph * float(1 + rng.uniform(-0.08, 0.08)), grid.n,
                [[t + float(rng.normal(0, 0.05)) * grid.pitch for t in row] for row in grid.cell_t],
                [((p[0] + float(d[0]) * shift, p[1] + float(d[1]) * shift), v) for p, v in grid.rows])


def printing_variation(block: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Real MRZs are printed by many machines: glyphs come out wider or narrower, bolder or thinner."""
    h, w = block.shape[:2]
    sx = float(rng.uniform(0.88, 1.12))
    block = cv2.resize(block, (max(8, round(w * sx)), h), interpolation=cv2.INTER_AREA)
    r = rng.random()
    if r < 0.25:
        block = cv2.erode(block, np.ones((3, 3), np.uint8))  # bolder ink
    elif r < 0.4:
        block = cv2.dilate(block, np.ones((2, 2), np.uint8))  # thinner ink
    return block


def sample(rng: np.random.Generator, n_docs: int) -> tuple[np.ndarray, np.ndarray, int]:
    xs, ys, used = [], [], 0
    for _ in range(n_docs):
        fmt = FORMATS[int(rng.integers(len(FORMATS)))]
        lines = generate.random_mrz(fmt, rng)
        paper = tuple(int(v) for v in rng.integers(200, 250, 3))
        block = generate.mrz_block(lines, float(rng.uniform(9, 40)), rng, ink=int(rng.integers(0, 90)),
                                   paper=paper)  # type: ignore[arg-type]
        block = printing_variation(block, rng)
        img = generate.degrade(block, rng, float(rng.uniform(0.1, 1.0)))
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
    return np.concatenate(xs), np.asarray(ys), used


def main() -> None:
    from sklearn.neural_network import MLPClassifier

    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    t0 = time.time()
    x, y, used = sample(rng, args.docs)
    xt, yt, used_t = sample(np.random.default_rng(args.seed + 1000), max(200, args.docs // 5))
    print(f"rendered: {used}/{args.docs} training MRZs located ({len(y)} cells), "
          f"{used_t} test MRZs ({len(yt)} cells) in {time.time() - t0:.0f} s")
    clf = MLPClassifier(hidden_layer_sizes=(192,), alpha=1e-4, batch_size=256, learning_rate_init=2e-3,
                        max_iter=40, early_stopping=True, n_iter_no_change=5, random_state=args.seed)
    clf.fit(x, y)
    acc = float((clf.predict(xt) == yt).mean())
    print(f"trained in {time.time() - t0:.0f} s; held-out character accuracy {acc:.5f}")
    assert list(clf.classes_) == list(range(len(ALPHABET))), "every character must occur in training"
    version = f"ocrb-mlp-1 seed{args.seed} docs{args.docs} acc{acc:.4f}"
    out = ROOT / "models" / MODEL_FILE
    np.savez_compressed(out, w1=clf.coefs_[0].astype(np.float32), b1=clf.intercepts_[0].astype(np.float32),
                        w2=clf.coefs_[1].astype(np.float32), b2=clf.intercepts_[1].astype(np.float32),
                        version=np.array(version))
    print(f"wrote {out} ({out.stat().st_size} bytes): {version}")


if __name__ == "__main__":
    main()
