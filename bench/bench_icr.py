#!/usr/bin/env python3
"""Hand-printed boxed fields: svs's recogniser beside Tesseract, on data the recogniser was not trained or tuned on.

    scripts/install-system-packages.sh system-packages-train.txt     # the held-out handwriting fonts
    .venv/bin/python bench/bench_icr.py [--pages 60] [--digits 1797] [--tune 20000]

Columns, side by side:
1. training generator (``models/train_icr.py``, a seed it did not train on): single boxes, character accuracy;
   with ``--tune``, how the field confidence floor (``FormThresholds.min_field_confidence``) was chosen there.
2. held-out hand-printing (``bench/handprint_eval.py``, written apart from the training generator: its own
   letterforms, pen and writers, and four handwriting fonts never trained on) filled into blank PA1 and HMPO-B
   pages rendered by ``svs form blank``, printed and scanned (200 and 300 dpi, skew up to 1.5 degrees, blur,
   noise, JPEG): characters and whole fields right, fields read wrong with status ``read`` (silent errors),
   fields left to a person, milliseconds per page; Tesseract's reading of the same boxes in the same run.
3. real handwriting: scikit-learn's digits (1,797 digits by 43 writers, 8 x 8 pixels) drawn into the telephone
   boxes of PA1 pages: digits right, digits read wrong with status read.
4. typed forms (the fixtures' PA1 pages): fields exact, so that typed forms lose nothing.
Targets (issue 19): 98% of characters and 95% of fields on held-out hand-printing, 97% of the real digits, silent
field errors at most 0.2%, a PA1 page's fields in at most 40 ms on one core.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "fixtures"))
sys.path.insert(0, str(ROOT / "models"))

import cv2  # noqa: E402
import generate  # noqa: E402
import handprint_eval as ev  # noqa: E402
import numpy as np  # noqa: E402
from bench_forms import edit_distance  # noqa: E402

from svs.forms import read_tesseract  # noqa: E402
from svs.forms.icr import decode  # noqa: E402
from svs.forms.read import read_fields, read_form, status_of  # noqa: E402
from svs.forms.register import identify  # noqa: E402
from svs.forms.template import load_template  # noqa: E402
from svs.thresholds import FormThresholds  # noqa: E402

SURNAMES = ["BLACKWOOD", "OKAFOR", "LINDQVIST", "NGUYEN", "O'BRIEN", "SMITH-JONES", "KOWALSKI", "FERREIRA",
            "MACDONALD", "AL-SAYED", "PATEL", "ZIELINSKI", "DUBOIS", "YAMAMOTO", "OSEI", "ROSSI", "QUAYLE",
            "JANKOWSKA", "VAUGHAN", "D'ARCY", "EXLEY", "FITZGERALD", "HUXLEY", "WOJCIK"]
GIVEN = ["ELEANOR MAY", "CHIDI JAMES", "ASTRID", "MINH ANH", "SEAN", "OLIVIA ROSE", "PIOTR", "ANA LUISA", "IAIN",
         "LAYLA", "PRIYA", "KAROL JAN", "CAMILLE", "HIROSHI", "AMA", "GIULIA", "ZOE", "BJORN", "XAVIER", "QUENTIN"]
PLACES = ["LEEDS", "KINGSTON", "OSLO", "ZURICH", "QUEBEC", "BUXTON", "WEXFORD", "JAIPUR", "VALLETTA", "HULL"]


def person(rng: np.random.Generator, template: str) -> dict[str, str]:
    d, m, y = int(rng.integers(1, 29)), int(rng.integers(1, 13)), int(rng.integers(1930, 2020))
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    number = "".join(str(int(v)) for v in rng.integers(0, 10, 9))
    if rng.random() < 0.4:  # an older document number: letters then digits
        number = "".join(letters[int(i)] for i in rng.integers(0, len(letters), 2)) + number[:7]
    who = {
        "surname": SURNAMES[int(rng.integers(len(SURNAMES)))],
        "given_names": GIVEN[int(rng.integers(len(GIVEN)))],
        "birth_date": f"{d:02d} {m:02d} {y}",
        "birth_place": PLACES[int(rng.integers(len(PLACES)))],
        "old_passport_number": number,
        "postcode": f"{letters[int(rng.integers(len(letters)))]}{letters[int(rng.integers(len(letters)))]}"
                    f"{int(rng.integers(1, 30))} {int(rng.integers(1, 10))}{letters[int(rng.integers(len(letters)))]}"
                    f"{letters[int(rng.integers(len(letters)))]}",
        "telephone": f"0{int(rng.integers(1000, 9999))} {int(rng.integers(100000, 999999))}",
    }
    if template == "pa1":
        who["address"] = f"{int(rng.integers(1, 200))} {PLACES[int(rng.integers(len(PLACES)))]} RD, " \
                         f"{PLACES[int(rng.integers(len(PLACES)))]}"
    return who


def _decode(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    grey = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
    half = cv2.resize(grey, (grey.shape[1] // 2, grey.shape[0] // 2), interpolation=cv2.INTER_AREA)
    return grey, half


class Tally:
    def __init__(self) -> None:
        self.chars = self.char_errors = self.fields = self.exact = self.silent = self.unsure = 0
        self.silent_lines: list[str] = []

    def add(self, truth: str, value: str | None, status: str, what: str) -> None:
        v = value or ""
        self.chars += len(truth)
        self.char_errors += min(len(truth), edit_distance(v, truth))
        self.fields += 1
        self.exact += v == truth
        if status != "read":
            self.unsure += 1
        elif v != truth:
            self.silent += 1
            self.silent_lines.append(f"{what}: {truth!r} read {v!r}")

    def line(self, name: str) -> str:
        return (f"  {name:<10} characters {100 * (1 - self.char_errors / max(1, self.chars)):6.2f}%  fields exact "
                f"{self.exact}/{self.fields} ({100 * self.exact / max(1, self.fields):.1f}%)  silent {self.silent} "
                f"({100 * self.silent / max(1, self.fields):.2f}%)  to a person {self.unsure} "
                f"({100 * self.unsure / max(1, self.fields):.1f}%)")


#: Confidence floors tried with --tune (FormThresholds.min_field_confidence is chosen among them).
FLOORS = (0.5, 0.7, 0.8, 0.9, 0.95, 0.96, 0.97, 0.98, 0.985, 0.99)


def training_column(n: int, tune: bool) -> None:
    import train_icr

    from svs.forms.icr import CLASSES, recogniser

    x, y = train_icr.sample(987654, n)
    p = recogniser().proba(x)
    top = p.argmax(axis=1)
    conf = p.max(axis=1)
    print(f"\n1. training generator, {n} single boxes of a seed never trained on: characters right "
          f"{100 * float((top == y).mean()):.2f}%")
    if tune:
        print("   confidence floor: right characters under it (to a person) / wrong characters at or over it")
        for floor in FLOORS:
            right, wrong = top == y, top != y
            print(f"   {floor:.3f}: {100 * float((right & (conf < floor)).sum() / right.sum()):5.2f}% / "
                  f"{100 * float((wrong & (conf >= floor)).sum() / max(1, len(y))):.3f}% of all boxes")
    del CLASSES


def training_fields(n: int) -> None:
    """Whole fields of the training generator (each box rendered by ``models/train_icr.py``, a seed it never
    trained on), decoded as the reader decodes a page's fields. With :func:`training_column`'s single boxes, the
    field confidence floor is chosen here: the lowest of FLOORS with at most 0.2% of boxes and of fields wrong over
    it (the issue's bound on silent field errors)."""
    import train_icr

    from svs.forms.boxes import blank as empty_box
    from svs.forms.icr import recogniser
    from svs.forms.read import _accept

    rng = np.random.default_rng(31337)
    fonts, typed = train_icr.available(train_icr.TRAIN_FONTS), train_icr.available(train_icr.TYPED_FONTS)
    spec = {f.name: f for f in load_template("pa1").pages[1].fields}
    letters, digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789"

    def value(kind: str) -> str:
        if kind == "name":
            count = int(rng.integers(1, 3))
            return " ".join("".join(rng.choice(list(letters), int(rng.integers(2, 9)))) for _ in range(count))
        if kind == "date":
            return f"{int(rng.integers(1, 29)):02d} {int(rng.integers(1, 13)):02d} {int(rng.integers(1930, 2020))}"
        if kind == "document_number":
            return "".join(rng.choice(list(digits), 9))
        return "0" + "".join(rng.choice(list(digits), int(rng.integers(9, 11))))  # a telephone number

    names = {"name": "surname", "date": "birth_date", "document_number": "old_passport_number", "digits": "telephone"}
    rows = []
    for i in range(n):
        kind = list(names)[i % len(names)]
        f = spec[names[kind]]
        truth = value(kind)
        cells, slots_at = [], []
        for ch in truth:
            if ch == " ":
                slots_at.append(None)
                continue
            region, bw, bh = train_icr.render_box(ch, rng, fonts, typed)
            if empty_box(region):
                slots_at.append(None)
                continue
            slots_at.append(len(cells))
            cells.append(train_icr.clean(region, bw, bh).cell())
        proba = recogniser().proba(np.stack(cells)) if cells else np.empty((0, 0))
        got = decode([None if k is None else proba[k] for k in slots_at], f.type, _accept(f, None))
        rows.append((truth, got.value if got else None, got.confidence if got else 0.0))
    right = np.array([v == t for t, v, _ in rows])
    conf = np.array([c for _, _, c in rows])
    print(f"   whole fields of the training generator ({n}: names, dates, document numbers, telephone numbers): "
          f"{100 * right.mean():.2f}% right")
    print("   field confidence floor: right fields under it (to a person) / wrong fields at or over it (silent)")
    for floor in FLOORS:
        print(f"   {floor:.3f}: {100 * float((right & (conf < floor)).sum() / max(1, right.sum())):5.2f}% / "
              f"{100 * float((~right & (conf >= floor)).sum() / len(rows)):.3f}% of all fields")


def held_out_column(pages: int, rng: np.random.Generator) -> None:
    thresholds = FormThresholds()
    fonts = ev.available_fonts()
    tallies = {"svs": Tally(), "svs+2nd": Tally(), "tesseract": Tally()}
    by_source = {"strokes": Tally(), "fonts": Tally()}
    ms_fields: list[float] = []
    ms_tess: list[float] = []
    ms_page: list[float] = []
    for i in range(pages):
        name = "pa1" if i % 3 else "hmpo-b"
        t = load_template(name)
        who = person(rng, name)
        writer = ev.Writer.random(rng, fonts)
        dpi = 300 if i % 2 == 0 else 200
        page = ev.filled_page(t, 1, who, writer, rng)
        grey, half = _decode(ev.scan(page, rng, dpi, float(rng.uniform(-1.5, 1.5))))
        form = read_form(half, grey, thresholds, second_reader=False)
        start = time.perf_counter()
        both = read_form(half, grey, thresholds)
        ms_page.append((time.perf_counter() - start) * 1000)
        found = identify(half, [t])
        if form is None or both is None or found is None:
            print(f"  page {i}: not registered")
            continue
        reg = found.registration.scaled(grey.shape[1] / half.shape[1])
        spec = [f for f in t.pages[1].fields if f.name in who]
        start = time.perf_counter()
        read_fields(grey, reg, spec, thresholds)
        ms_fields.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        tess = read_tesseract.read_fields(grey, reg, spec, thresholds)
        ms_tess.append((time.perf_counter() - start) * 1000)
        for f in spec:
            truth = who[f.name]
            got = form.fields[f.name]
            what = f"{name} {f.name} ({'font ' + Path(writer.font).stem if writer.font else 'pen'}, {dpi} dpi)"
            tallies["svs"].add(truth, got.value, got.status, what)
            second = both.fields[f.name]
            tallies["svs+2nd"].add(truth, second.value, second.status, what)
            by_source["fonts" if writer.font else "strokes"].add(truth, got.value, got.status, what)
            tr = tess[f.name]
            floor = read_tesseract.TESSERACT_MIN_CONFIDENCE
            tallies["tesseract"].add(truth, tr.value, status_of(tr, thresholds, floor), what)
    print(f"\n2. held-out hand-printing: {pages} first pages (PA1 and HMPO-B; 200 and 300 dpi; skew up to 1.5 "
          f"degrees; blur, noise, JPEG), every written field")
    print("  (svs: the recogniser alone; svs+2nd: fields it is unsure of read again by Tesseract, kept where both "
          "agree, as the pipeline runs; tesseract: Tesseract alone on the same boxes)")
    for key, tl in tallies.items():
        print(tl.line(key))
    for key, tl in by_source.items():
        print(tl.line("  " + key))
    for key in ("svs", "svs+2nd"):
        for line in tallies[key].silent_lines[:20]:
            print(f"  silent error ({key}): {line}")
    print(f"  ms: svs fields {statistics.median(ms_fields):.1f} a page (p95 {np.percentile(ms_fields, 95):.1f}), "
          f"Tesseract on the same boxes {statistics.median(ms_tess):.1f}: ratio "
          f"{statistics.median(ms_tess) / statistics.median(ms_fields):.1f}; whole read_form with the second reading "
          f"(find the template, register, read, Tesseract on unsure fields) median {statistics.median(ms_page):.1f}, "
          f"p95 {np.percentile(ms_page, 95):.1f}")


def digits_column(count: int, rng: np.random.Generator) -> None:
    """scikit-learn's digits, each drawn into a telephone box of a PA1 page as a writer's ink."""
    from sklearn.datasets import load_digits

    d = load_digits()
    images, labels = d.images[:count], d.target[:count]
    t = load_template("pa1")
    tel = next(f for f in t.pages[1].fields if f.name == "telephone")
    thresholds = FormThresholds()
    per_page = 20
    right = wrong_read = total = 0
    confusions: dict[str, int] = {}
    k = 300 / 25.4
    for start in range(0, len(labels), per_page):
        chunk = range(start, min(start + per_page, len(labels)))
        page = cv2.cvtColor(generate.form_page(None, 1, rng, {n: "" for n in generate.FIELDS}), cv2.COLOR_GRAY2BGR)
        ink = np.array([[25, 25, 30], [150, 45, 35]][int(rng.integers(2))], np.float32)  # black or blue (BGR)
        for slot, idx in enumerate(chunk):
            x, y, bw, bh = tel.box(slot)
            h = round(bh * k * float(rng.uniform(0.6, 0.8)))
            w = round(h * float(rng.uniform(0.7, 0.9)))
            glyph = cv2.resize(images[idx].astype(np.float32) / 16.0, (w, h), interpolation=cv2.INTER_CUBIC)
            glyph = np.clip(glyph, 0, 1)[..., None]
            x0 = round((x + bw / 2) * k - w / 2)
            y0 = round((y + bh / 2) * k - h / 2)
            region = page[y0 : y0 + h, x0 : x0 + w].astype(np.float32)
            page[y0 : y0 + h, x0 : x0 + w] = (region * (1 - glyph) + ink * glyph).astype(np.uint8)
        grey, half = _decode(ev.scan(page, rng, 300 if start % 2 == 0 else 200, float(rng.uniform(-1, 1))))
        found = identify(half, [t])
        if found is None:
            continue
        reg = found.registration.scaled(grey.shape[1] / half.shape[1])
        # each digit read as a field of its own: one box, digits only (nothing else constrains it)
        for slot, idx in enumerate(chunk):
            one = tel.model_copy(update={"x": tel.x + slot * tel.pitch, "boxes": 1, "pattern": "^[0-9]$",
                                         "name": f"d{slot}"})
            got = read_fields(grey, reg, [one], thresholds)[one.name]
            status = status_of(got, thresholds)
            truth = str(int(labels[idx]))
            total += 1
            if got.value == truth:
                right += 1
            elif status == "read":
                wrong_read += 1
                key = f"{truth}->{got.value}"
                confusions[key] = confusions.get(key, 0) + 1
    print(f"\n3. scikit-learn digits (43 writers) in PA1 telephone boxes: {right}/{total} right "
          f"({100 * right / max(1, total):.2f}%), read wrong with status read {wrong_read} "
          f"({100 * wrong_read / max(1, total):.2f}%); most frequent: "
          f"{sorted(confusions.items(), key=lambda kv: -kv[1])[:6]}")


def typed_column(pages: int, rng: np.random.Generator) -> None:
    tallies = {"svs": Tally(), "svs+2nd": Tally()}
    for i in range(pages):
        who = person(rng, "pa1")
        page = generate.form_page(f"PA-2026-{i:06d}", 1, rng, who)
        bgr = cv2.cvtColor(page, cv2.COLOR_GRAY2BGR)
        grey, half = _decode(ev.scan(bgr, rng, 300 if i % 2 == 0 else 200, float(rng.uniform(-1.5, 1.5))))
        for key, form in (("svs", read_form(half, grey, second_reader=False)), ("svs+2nd", read_form(half, grey))):
            for n, truth in who.items():
                got = form.fields[n] if form else None
                tallies[key].add(truth, got.value if got else None, got.status if got else "unsure", f"typed {n}")
    print(f"\n4. typed PA1 pages (the fixtures' typeface): {pages} pages")
    for key, tl in tallies.items():
        print(tl.line(key))
        for line in tl.silent_lines[:10]:
            print(f"  silent error ({key}): {line}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=60)
    ap.add_argument("--digits", type=int, default=1797)
    ap.add_argument("--typed", type=int, default=20)
    ap.add_argument("--cells", type=int, default=6000)
    ap.add_argument("--tune", action="store_true")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    cv2.setNumThreads(1)
    rng = np.random.default_rng(args.seed)
    if args.cells:
        training_column(args.cells, args.tune)
    if args.cells and args.tune:
        training_fields(args.cells // 4)
    if args.pages:
        held_out_column(args.pages, rng)
    if args.digits:
        digits_column(args.digits, rng)
    if args.typed:
        typed_column(args.typed, rng)


if __name__ == "__main__":
    main()
