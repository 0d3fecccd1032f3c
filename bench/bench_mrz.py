#!/usr/bin/env python3
"""MRZ reading: svs's reader and PassportEye side by side, in one run, one core; also ``tesseract`` (svs's
locator, Tesseract reading the levelled lines), which isolates what svs's own recogniser and decoder add.

    .venv/bin/python bench/bench_mrz.py [--generated 500] [--independent 240] [--baseline-generated 30]

Three sets side by side: the training generator's documents, the independent generator's
(``bench/independent_docs.py``: written apart, never used to train or tune; other layouts, backgrounds,
overprints, halftone, curved pages, digits in document codes, wrong printed check digits) and the real images.
Sets: the real images of ../shared/data with `certain` or `high` ground truth (skipped where absent), and
generated documents of all five formats (fixtures/generate.py, seeds the training never saw) at 150 to 600 dpi
equivalent, with blur, noise, ink spread, uneven light, JPEG, any right-angle orientation and up to 10 degrees
of skew (the picture grown to keep the MRZ whole: glyphs cut off by the edge are a rescan, which the reader
reports with ``glyphs_cut_off`` and never repairs); a third lie on a larger page. PassportEye runs on every
real image and on the first --baseline-generated generated ones (it takes seconds per image), taking turns with
svs image by image. One core: one thread for OpenCV, NumPy's BLAS and Tesseract, for every reader. Per reader and
set: exact whole-MRZ matches, detection (an MRZ of the right format found), silent errors (wrong, every check
digit passing, and nothing in the result sending it to a person), flagged errors (wrong, every check digit
passing, but a reason such as ``mrz.unknown_state`` or a warning for a person (``names_low_confidence``,
``low_confidence:<field>``, ``glyphs_cut_off``, ``unconfirmed:<field>``) refers it), median and p95 ms;
exact reads per format.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # one core: Tesseract's OpenMP
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # and NumPy's BLAS, loaded below before svs is
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "fixtures"))

import cv2  # noqa: E402
import generate  # noqa: E402
import independent_docs  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from svs.mrz.read import read_mrz  # noqa: E402
from svs.schema import MrzResult  # noqa: E402

TODAY = date(2026, 11, 22)
FORMATS = ("TD1", "TD2", "TD3", "MRVA", "MRVB")
#: Warnings that send a reading to a person (svs.mrz.read)
FLAGS = ("names_low_confidence", "low_confidence", "glyphs_cut_off", "unconfirmed")
#: The readers compared side by side, and their short names in the results.
SHORT = {"svs": "svs", "passporteye": "pe", "tesseract": "tess"}
TURNS = (None, cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_180, cv2.ROTATE_90_COUNTERCLOCKWISE)


def real_set() -> list[tuple[str, np.ndarray, list[str]]]:
    data = ROOT.parent / "shared" / "data"
    if not (data / "truth.json").is_file():
        return []
    truth = json.loads((data / "truth.json").read_text())
    out = []
    for key, v in truth.items():
        if key.startswith("mrz/") and v.get("lines") and v.get("certainty") in ("certain", "high"):
            img = cv2.imread(str(data / key), cv2.IMREAD_COLOR)
            if img is None:
                img = cv2.cvtColor(np.asarray(Image.open(data / key).convert("RGB")), cv2.COLOR_RGB2BGR)
            out.append((key, img, v["lines"]))
    return out


def generated_set(n: int) -> list[tuple[str, np.ndarray, list[str]]]:
    rng = np.random.default_rng(424242)
    out = []
    for i in range(n):
        fmt = FORMATS[i % 5]
        lines = generate.random_mrz(fmt, rng)
        glyph = float(rng.uniform(12, 48))  # 2.4 mm capitals at 130 to 500 dpi
        img = generate.degrade(generate.mrz_block(lines, glyph, rng), rng, float(rng.uniform(0.2, 1.0)))
        if i % 3 == 0:  # on a page, somewhere
            page = np.full((int(img.shape[0] * 4), int(img.shape[1] * 1.6), 3), 245, np.uint8)
            y = int(rng.integers(0, page.shape[0] - img.shape[0]))
            x = int(rng.integers(0, page.shape[1] - img.shape[1]))
            page[y : y + img.shape[0], x : x + img.shape[1]] = img
            img = page
        img = generate.rotate(img, float(rng.uniform(-10, 10)), expand=True)  # the MRZ stays whole in the picture
        turn = TURNS[int(rng.integers(4))]
        if turn is not None:
            img = cv2.rotate(img, turn)
        out.append((f"gen-{i:04d}-{fmt}", img, lines))
    return out


def a4_set(n: int) -> list[tuple[str, np.ndarray, list[str]]]:
    """Passport data pages (TD3) lying anywhere on a full A4 page scanned at 300 dpi (2480 x 3508), any right angle."""
    rng = np.random.default_rng(515151)
    out = []
    for i in range(n):
        lines = generate.random_mrz("TD3", rng)
        item = generate.degrade(generate.data_page(lines), rng, float(rng.uniform(0.1, 0.6)))
        y = int(rng.integers(0, generate.A4[1] - item.shape[0]))
        x = int(rng.integers(0, generate.A4[0] - item.shape[1]))
        page = generate.on_a4(item, (y, x))
        turn = TURNS[int(rng.integers(4))]
        out.append((f"a4-{i:03d}-TD3", page if turn is None else cv2.rotate(page, turn), lines))
    return out


def independent_set(n: int) -> list[tuple[str, np.ndarray, list[str]]]:
    """Documents of the evaluation-only generator (bench/independent_docs.py); the key ends with the format."""
    return [(doc.key, doc.image, doc.lines) for doc in independent_docs.documents(n)]


def run(reader: str, cases: list[tuple[str, np.ndarray, list[str]]]) -> dict[str, float]:
    return side_by_side((reader,), cases)[reader]


def side_by_side(readers: tuple[str, ...], cases: list[tuple[str, np.ndarray, list[str]]]
                 ) -> dict[str, dict[str, float]]:
    """Per reader: exact reads, detection, wrong readings whose check digits all pass (silent: nothing in the
    result sends it to a person; flagged: a reason such as ``mrz.unknown_state``, or ``names_low_confidence``,
    does), timings; exact reads per format (the case name ends with it). The readers take turns image by image,
    so that a machine slowing down or speeding up mid-run (a shared machine does) weighs on all of them alike."""
    tallies = {reader: _Tally() for reader in readers}
    for key, img, lines in cases:
        for reader in readers:
            start = time.perf_counter()
            r = read_mrz(img, TODAY, reader)
            tallies[reader].add(key, r, lines, (time.perf_counter() - start) * 1000)
    return {reader: tally.result() for reader, tally in tallies.items()}


class _Tally:
    def __init__(self) -> None:
        self.n = self.exact = self.found = self.silent = self.flagged = 0
        self.times: list[float] = []
        self.per_format: dict[str, list[int]] = {}

    def add(self, key: str, r: MrzResult, lines: list[str], ms: float) -> None:
        self.n += 1
        self.times.append(ms)
        self.exact += r.lines == lines
        self.found += r.found and len(r.lines) == len(lines) and len(r.lines[0]) == len(lines[0])
        if r.valid and r.lines != lines:  # every check digit passes, yet wrong
            if r.reasons or any(w.split(":")[0] in FLAGS for w in r.warnings):
                self.flagged += 1  # sent to a person all the same: an unknown state code, names read unsure
            else:
                self.silent += 1
        tally = self.per_format.setdefault(key.rsplit("-", 1)[-1], [0, 0])
        tally[0] += r.lines == lines
        tally[1] += 1

    def result(self) -> dict[str, float]:
        n = max(self.n, 1)
        out = {"n": self.n, "exact": self.exact / n, "found": self.found / n, "silent": self.silent,
               "flagged": self.flagged,
               "median_ms": float(np.median(self.times)) if self.times else 0.0,
               "p95_ms": float(np.percentile(self.times, 95)) if self.times else 0.0}
        out.update({f"exact-{fmt}": ok / total for fmt, (ok, total) in self.per_format.items() if fmt in FORMATS})
        return out


def show(name: str, r: dict[str, float]) -> None:
    print(f"  {name:28s} n={r['n']:4.0f}  exact {r['exact']:6.1%}  found {r['found']:6.1%}  "
          f"silent errors {r['silent']:3.0f} (+{r['flagged']:.0f} flagged)  median {r['median_ms']:7.1f} ms  "
          f"p95 {r['p95_ms']:7.1f} ms")
    per_format = [f"{fmt} {r[f'exact-{fmt}']:.1%}" for fmt in FORMATS if f"exact-{fmt}" in r]
    if per_format:
        print(f"  {'':28s} exact by format: {', '.join(per_format)}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--generated", type=int, default=500)
    ap.add_argument("--independent", type=int, default=240, help="documents of the independent generator")
    ap.add_argument("--baseline-generated", type=int, default=30)
    ap.add_argument("--a4", type=int, default=20, help="full A4 pages at 300 dpi with a passport on them")
    args = ap.parse_args()
    cv2.setNumThreads(1)
    real = real_set()
    gen = generated_set(args.generated)
    read_mrz(gen[0][1], TODAY)  # load the model outside the timings
    results = {}
    if real:
        print("real images (../shared/data, certain/high ground truth):")
        results.update({f"{SHORT[k]}-real": v for k, v in side_by_side(tuple(SHORT), real).items()})
        show("svs", results["svs-real"])
        show("passporteye", results["pe-real"])
        show("tesseract (svs locator)", results["tess-real"])
    print("generated documents, all formats, degraded, any orientation:")
    results["svs-gen"] = run("svs", gen)
    show("svs", results["svs-gen"])
    if args.independent:
        print("independent generator (bench/independent_docs.py: never used for training or tuning):")
        results["svs-ind"] = run("svs", independent_set(args.independent))
        show("svs", results["svs-ind"])
    if args.a4:
        print("full A4 pages at 300 dpi, a passport data page anywhere on them:")
        results["svs-a4"] = run("svs", a4_set(args.a4))
        show("svs", results["svs-a4"])
    base = gen[: args.baseline_generated]
    results.update({f"{SHORT[k]}-gen-sub": v for k, v in side_by_side(tuple(SHORT), base).items()})
    show(f"svs (first {len(base)})", results["svs-gen-sub"])
    show(f"passporteye (first {len(base)})", results["pe-gen-sub"])
    show(f"tesseract (first {len(base)})", results["tess-gen-sub"])
    print("side by side (svs):            exact    silent  flagged  median ms")
    for label, key in (("training generator", "svs-gen"), ("independent generator", "svs-ind"),
                       ("real images", "svs-real")):
        if key in results:
            r = results[key]
            print(f"  {label:26s} {r['exact']:7.1%}  {r['silent']:6.0f}  {r['flagged']:7.0f}  {r['median_ms']:9.1f}")
    for key in ("real", "gen-sub"):
        if f"pe-{key}" in results:
            ratio = results[f"pe-{key}"]["median_ms"] / max(results[f"svs-{key}"]["median_ms"], 1e-6)
            print(f"speed-up on {key} (median PassportEye / median svs): {ratio:.0f}x")


if __name__ == "__main__":
    main()
