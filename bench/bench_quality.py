#!/usr/bin/env python3
"""Page-quality checks on pages built apart from the ones the thresholds were tuned on.

    .venv/bin/python bench/bench_quality.py [--pages 40]

The thresholds in ``svs/thresholds.py`` were set on the training generator's forms (``bench/quality_sweep.py``
over ``fixtures/generate.py``). This benchmark builds other pages, with code of its own: letters, statements
and tables set in DejaVu at 9 to 14 pt on white, cream or grey paper, scanned at 200 to 400 dpi, then given one
defect each at a strength drawn from what an operator would send back (blur, motion blur, a dark or washed-out
scan, a grey flat scan, a page crooked on the glass, a blank sheet or the back of a page, a page slid off the
glass). For each defect: the share of its pages given that defect's reason (caught), and for clean pages the
share given any reason (false alarms). Both sets are printed side by side: tuning (the training generator's
forms, with the same defects) and independent.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "fixtures"))

import generate  # noqa: E402

from svs.quality import QualityInput, measure  # noqa: E402

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
WORDS = ("application", "passport", "renewal", "address", "reference", "statement", "balance", "payment",
         "account", "date", "signature", "the", "of", "and", "to", "for", "within", "office", "declaration")
#: Defect name -> the reason it must give.
EXPECTED = {"blur_mild": "page.blurred", "blurred": "page.blurred", "motion": "page.blurred", "dark": "page.too_dark",
            "washed_out": "page.overexposed", "flat": "page.low_contrast", "skewed": "page.skewed",
            "blank": "page.blank", "back_side": "page.blank", "off_glass": "page.cropped"}


def independent_page(rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """A greyscale A4 page of text, a table and boxes at a random scan resolution; returns it and its dpi."""
    dpi = float(rng.choice([200, 240, 300, 300, 400]))
    px = dpi / 25.4
    w, h = round(210 * px), round(297 * px)
    paper = int(rng.integers(225, 252))
    img = Image.new("L", (w, h), paper)
    d = ImageDraw.Draw(img)
    ink = int(rng.integers(0, 60))
    size = round(float(rng.uniform(9, 14)) / 72 * dpi)
    font = ImageFont.truetype(FONT, size)
    y = 20 * px
    d.text((20 * px, y), "Application for a passport".upper() if rng.random() < 0.5 else "Statement",
           font=ImageFont.truetype(FONT, round(size * 1.6)), fill=ink)
    y += size * 3
    bottom = h - 25 * px  # no line starts in the last 25 mm: the page's own margin
    while y < h - 40 * px:
        kind = rng.random()
        if kind < 0.6:  # a paragraph
            for _ in range(int(rng.integers(2, 7))):
                if y > bottom:
                    break
                line, width = "", float(rng.uniform(0.5, 1.0)) * (w - 40 * px)  # within the 20 mm margins
                while True:
                    longer = f"{line} {rng.choice(WORDS)}".strip()
                    if d.textlength(longer, font=font) > width:
                        break
                    line = longer
                d.text((20 * px, y), line, font=font, fill=ink)
                y += size * 1.4
        elif kind < 0.85:  # a table
            cols = int(rng.integers(3, 6))
            cw = (w - 40 * px) / cols
            for _row in range(int(rng.integers(3, 8))):
                if y > bottom:
                    break
                for c in range(cols):
                    d.rectangle([20 * px + c * cw, y, 20 * px + (c + 1) * cw, y + size * 1.6], outline=ink, width=2)
                    d.text((22 * px + c * cw, y + size * 0.2), str(rng.integers(10, 99999)), font=font, fill=ink)
                y += size * 1.6
        else:  # boxes to fill in
            for c in range(int(rng.integers(8, 20))):
                d.rectangle([20 * px + c * 6 * px, y, 25 * px + c * 6 * px, y + 7 * px], outline=ink, width=2)
            y += 9 * px
        y += size
    return np.asarray(img), dpi


def tuning_page(rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """The training generator's form page, as the thresholds were tuned on it (300 dpi)."""
    return generate.form_page("PA-1", int(rng.integers(1, 3)), rng), 300.0


def _scale(img: np.ndarray, paper: float, ink: float) -> np.ndarray:
    """Grey levels mapped so that paper reads *paper* and full ink *ink*."""
    x = img.astype(np.float32) / max(float(np.median(img)), 1.0)
    return np.clip(ink + (paper - ink) * x, 0, 255).astype(np.uint8)


def defect(img: np.ndarray, name: str, rng: np.random.Generator, dpi: float) -> np.ndarray:
    h, w = img.shape
    if name == "blur_mild":  # what the tuning set puts at the limit: large print may stay legible
        return cv2.GaussianBlur(img, (0, 0), float(rng.uniform(2.5, 3.0)) * dpi / 300)
    if name == "blurred":
        return cv2.GaussianBlur(img, (0, 0), float(rng.uniform(3.0, 4.5)) * dpi / 300)
    if name == "motion":
        k = max(3, int(rng.uniform(11, 24) * dpi / 300)) | 1  # 0.9 to 2 mm along the paper's travel, or across
        kernel = np.zeros((k, k), np.float32)
        kernel[k // 2, :] = 1.0 / k
        return cv2.filter2D(img, -1, kernel if rng.random() < 0.5 else kernel.T)
    if name == "dark":
        return _scale(img, float(rng.uniform(40, 95)), 0)
    if name == "washed_out":
        return np.clip(img.astype(np.float32) * 0.25 + 200, 0, 255).astype(np.uint8) if rng.random() < 0.5 \
            else np.where(img < 200, np.clip(img.astype(np.int16) + 160, 0, 255), 255).astype(np.uint8)
    if name == "flat":  # a grey, flat scan: ink within 15 to 50 grey levels of the paper
        paper = float(rng.uniform(140, 200))
        return _scale(img, paper, paper - float(rng.uniform(15, 50)))
    if name == "skewed":
        angle = float(rng.choice([-1, 1]) * rng.uniform(3.0, 8.0))
        m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        return cv2.warpAffine(img, m, (w, h), borderValue=int(np.median(img)))
    if name == "blank":
        sheet = np.full_like(img, int(np.median(img)))
        return np.clip(sheet + rng.normal(0, 2.5, img.shape), 0, 255).astype(np.uint8)
    if name == "back_side":  # the back of a printed page: the front shows through, mirrored, 8 to 18 levels
        ghost = cv2.GaussianBlur(img[:, ::-1], (0, 0), 2.0)
        return _scale(ghost, float(np.median(img)), float(np.median(img)) - float(rng.uniform(8, 18)))
    if name == "off_glass":  # slid on the glass: one side of the page lies outside the scan, the lid shows
        cut = int((w if rng.random() < 0.5 else h) * float(rng.uniform(0.12, 0.25)))
        lid = int(rng.choice([int(rng.integers(235, 252)), int(rng.integers(15, 45))]))
        out = np.full_like(img, lid)
        side = int(rng.integers(4))
        if side == 0:
            out[:, : w - cut] = img[:, cut:]  # the left part is off the glass
        elif side == 1:
            out[:, cut:] = img[:, : w - cut]  # the right part
        elif side == 2:
            out[: h - cut] = img[cut:]  # the top
        else:
            out[cut:] = img[: h - cut]  # the bottom
        return out
    return img


VERBOSE = False


def judge(img: np.ndarray, dpi: float, label: str = "") -> list[str]:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    grey = cv2.imdecode(buf, cv2.IMREAD_REDUCED_GRAYSCALE_2)
    assert grey is not None
    q = measure(QualityInput(grey, 0.5, dpi), img.shape[1], img.shape[0])
    if VERBOSE:
        shown = ("sharpness", "axis_sharpness", "contrast", "brightness", "skew_deg", "edge_ink", "ink_coverage")
        print(f"    {label:24s} {','.join(q.reasons) or 'ok':34s} " + " ".join(f"{k}={q.measures[k]}" for k in shown))
    return q.reasons


def evaluate(make: Callable[[np.random.Generator], tuple[np.ndarray, float]], n: int, seed: int,
             ) -> dict[str, tuple[int, int, int]]:
    """Per defect (and "clean"): (pages given the defect's reason, pages given any reason, pages); for clean
    pages the first counts those given none."""
    rng = np.random.default_rng(seed)
    out: dict[str, tuple[int, int, int]] = {}
    for i in range(n):
        page, dpi = make(rng)
        reasons = judge(page, dpi, f"{i} clean")
        right, flagged, total = out.get("clean", (0, 0, 0))
        out["clean"] = (right + (not reasons), flagged + bool(reasons), total + 1)
        for name, reason in EXPECTED.items():
            reasons = judge(defect(page, name, rng, dpi), dpi, f"{i} {name}")
            right, flagged, total = out.get(name, (0, 0, 0))
            out[name] = (right + (reason in reasons), flagged + bool(reasons), total + 1)
        print(f"  page {i + 1}/{n}", end="\r", file=sys.stderr, flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=40, help="pages per set; each page is judged clean and with "
                    "every defect")
    ap.add_argument("--verbose", action="store_true", help="every page's reasons and measures")
    args = ap.parse_args()
    global VERBOSE
    VERBOSE = args.verbose
    cv2.setNumThreads(1)
    tuned = evaluate(tuning_page, args.pages, 1)
    independent = evaluate(independent_page, args.pages, 2)
    print("caught: pages given the defect's own reason; any: pages sent back with any page reason (a rescan);")
    print("for clean pages, caught counts those given no reason")
    print(f"{'defect':12s} {'reason':20s} {'tuning: caught':>16s} {'any':>7s} {'independent: caught':>21s} {'any':>7s}")
    for name in ["clean", *EXPECTED]:
        reason = EXPECTED.get(name, "none (clean)")
        cells = []
        for right, flagged, total in (tuned[name], independent[name]):
            cells += [f"{right / total:6.1%} ({right}/{total})", f"{flagged / total:6.1%}"]
        print(f"{name:12s} {reason:20s} {cells[0]:>16s} {cells[1]:>7s} {cells[2]:>21s} {cells[3]:>7s}")


if __name__ == "__main__":
    main()
