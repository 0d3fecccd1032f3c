#!/usr/bin/env python3
"""Passport-photo compliance: defects caught and clean photos wrongly failed, per requirement, and ms per photo.

    .venv/bin/python bench/bench_photo.py [--per-base 12] [--profile uk-printed] [--dump DIR]

The set (fixtures/photoset.py): the real portraits of ../shared/data/faces (the benchmark needs that folder) plus
scikit-image's astronaut, each cut out with GrabCut and framed like a 35 x 45 mm passport photo at 300 dpi. Clean
framings (head 67.5-72.5% of the height, light plain background, JPEG) must pass; each defect is applied alone to
a clean framing and must raise its reason code. Images without a face come from scikit-image and the shared
negatives. A requirement's *false failures* are the clean framings that fail with its reason code.

There is no open baseline that judges ICAO/UK photo rules to run beside it (OFIQ, the ISO/IEC 29794-5 reference
implementation, is C++ with its own model downloads); its published 4-7 s per image is quoted in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "fixtures"))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import photoset  # noqa: E402

from svs.photo import check_photo  # noqa: E402
from svs.photo.rules import RULES  # noqa: E402
from svs.thresholds import PHOTO_PROFILES  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--per-base", type=int, default=12, help="images per base for each defect and for clean")
    ap.add_argument("--profile", default="uk-printed", choices=sorted(PHOTO_PROFILES))
    ap.add_argument("--dump", type=Path, help="write failing images here for a look")
    ap.add_argument("--measures", action="store_true", help="print the measures of clean framings")
    args = ap.parse_args()
    cv2.setNumThreads(1)
    faces_dir = ROOT.parent / "shared" / "data" / "faces"
    if not faces_dir.is_dir():
        sys.exit("bench_photo needs ../shared/data/faces")
    t = PHOTO_PROFILES[args.profile]
    bases = photoset.real_bases(faces_dir)
    busy = photoset.busy_backgrounds()
    rng = np.random.default_rng(2026)
    samples: list[photoset.Sample] = []
    for b in bases:
        for i in range(args.per_base * 2):
            samples.append(photoset.Sample(f"clean/{b.name}/{i}", photoset.clean(b, rng), None))
    for name, (reason, make) in photoset.defects(bases, busy).items():
        for b in bases:
            for i in range(args.per_base):
                samples.append(photoset.Sample(f"{name}/{b.name}/{i}", make(b, rng), reason))
    # real busy backgrounds as they were photographed (a street, a room)
    for b in bases[1:3]:
        for i in range(4):
            img = photoset.frame(b.image, b, rng.uniform(0.67, 0.73))
            samples.append(photoset.Sample(f"busy_background/{b.name}-real/{i}", img, "photo.background_not_plain"))
    for name, img in photoset.no_face_images(faces_dir):
        samples.append(photoset.Sample(f"no_face/{name}", img, "photo.no_face"))
    camera = faces_dir / "scikit-image" / "camera.png"
    if camera.is_file():
        samples.append(photoset.Sample("not_facing_forward/camera", photoset.load_rgb(camera),
                                       "photo.not_facing_forward"))

    check_photo(samples[0].image, t)  # load the networks outside the timing
    caught: dict[str, list[bool]] = defaultdict(list)
    false_fail: dict[str, int] = defaultdict(int)
    clean_measures: dict[str, list[float]] = defaultdict(list)
    defect_measures: dict[tuple[str, str], list[float]] = defaultdict(list)
    n_clean = n_pass = 0
    ms: list[float] = []
    for s in samples:
        start = time.perf_counter()
        r = check_photo(s.image, t)
        ms.append((time.perf_counter() - start) * 1000)
        kind = s.name.split("/")[0]
        if s.expect is None:
            n_clean += 1
            n_pass += not r.reasons
            for reason in r.reasons:
                false_fail[reason] += 1
            for k, v in r.measures.items():
                if v is not None:
                    clean_measures[k].append(v)
        else:
            caught[kind].append(s.expect in r.reasons)
            for rule in RULES:
                if rule.reason == s.expect and r.measures.get(rule.measure) is not None:
                    defect_measures[(kind, rule.measure)].append(float(r.measures[rule.measure] or 0.0))
        bad = (s.expect is None and r.reasons) or (s.expect is not None and s.expect not in r.reasons)
        if bad and args.dump:
            args.dump.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(args.dump / (s.name.replace("/", "_") + ".png")), s.image)
            print(f"  {s.name}: {r.reasons} {[f.text for f in r.failures]}")

    defect_reason = {name: reason for name, (reason, _) in photoset.defects(bases, busy).items()}
    defect_reason.update({"no_face": "photo.no_face", "not_facing_forward": "photo.not_facing_forward"})
    print(f"profile {t.name}; {len(samples)} photos ({n_clean} clean framings of {len(bases)} real portraits)")
    print(f"{'requirement':<20} {'reason':<28} {'caught':>12} {'false fail':>11}")
    for kind, hits in caught.items():
        reason = defect_reason[kind]
        print(f"{kind:<20} {reason:<28} {sum(hits):>4}/{len(hits):<4} {sum(hits) / len(hits):>5.1%}"
              f" {false_fail.get(reason, 0) / n_clean:>6.1%}")
    others = {r: n for r, n in false_fail.items() if r not in defect_reason.values()}
    for reason, n in others.items():
        print(f"{'(other)':<20} {reason:<28} {'':>12} {n / n_clean:>6.1%}")
    print(f"clean framings passing every rule: {n_pass}/{n_clean} ({n_pass / max(1, n_clean):.1%})")
    ms.sort()
    print(f"ms per photo (one core): median {statistics.median(ms):.1f}, p95 {ms[int(0.95 * (len(ms) - 1))]:.1f}")
    if args.measures:
        print("measures of defective photos, for the rule each defect must trip:")
        for (kind, measure), vs in sorted(defect_measures.items()):
            a = np.array(vs)
            print(f"  {kind:<18} {measure:<22} min {a.min():8.3f}  p5 {np.percentile(a, 5):8.3f}"
                  f"  median {np.median(a):8.3f}  p95 {np.percentile(a, 95):8.3f}  max {a.max():8.3f}")
        print("measures of clean framings:")
        for k, vs in sorted(clean_measures.items()):
            a = np.array(vs)
            print(f"  {k:<22} min {a.min():8.3f}  p5 {np.percentile(a, 5):8.3f}  median {np.median(a):8.3f}"
                  f"  p95 {np.percentile(a, 95):8.3f}  max {a.max():8.3f}")


if __name__ == "__main__":
    main()
