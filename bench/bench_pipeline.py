#!/usr/bin/env python3
"""Pipeline throughput on generated 300-dpi A4 JPEG pages, one core, side by side with a plain decode.

    .venv/bin/python bench/bench_pipeline.py [--pages 60]

Prints, per page: a plain full-colour decode (the baseline), svs's reduced greyscale decode, the quality checks,
and the end-to-end item pipeline without the MRZ, photo and form-field stages (decode, quality, barcodes and page
marks, derived images, create-only verified writes to a directory store), split by stage, then the same with form
fields read (Tesseract, issue 5); then `svs run --jobs 1` as a whole in a child process with its peak memory.
Targets (issue 2): quality at most half a full decode; at least 10 pages per second per core end to end; peak
memory under 500 MB per worker process.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))

import cv2
import generate
import numpy as np

from svs.pipeline import Options, process_item
from svs.quality import QualityInput, measure
from svs.storage import DirStore


def per_page_ms(fn, items: list[bytes], repeat: int = 1) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for data in items:
            fn(data)
        best = min(best, (time.perf_counter() - start) * 1000 / len(items))
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=60)
    args = ap.parse_args()
    cv2.setNumThreads(1)
    with tempfile.TemporaryDirectory() as tmp:
        batch = Path(tmp) / "batch"
        generate.forms_batch(batch, args.pages)
        files = sorted(batch.iterdir())
        datas = [f.read_bytes() for f in files]
        mb = sum(map(len, datas)) / len(datas) / 1e6
        print(f"{len(datas)} pages, A4 300 dpi JPEG q85, {mb:.2f} MB each; one core (cv2 threads 1)\n")

        def full_decode(d: bytes) -> np.ndarray:
            return cv2.imdecode(np.frombuffer(d, np.uint8), cv2.IMREAD_COLOR)

        def reduced_decode(d: bytes) -> np.ndarray:
            return cv2.imdecode(np.frombuffer(d, np.uint8), cv2.IMREAD_REDUCED_GRAYSCALE_2)

        greys = [reduced_decode(d) for d in datas]
        decode_ms = per_page_ms(full_decode, datas, 3)
        reduced_ms = per_page_ms(reduced_decode, datas, 3)
        it = iter(range(10**9))
        quality_ms = per_page_ms(lambda _d: measure(QualityInput(greys[next(it) % len(greys)], 0.5, 300.0),
                                                     2480, 3508), datas, 3)

        runs: dict[str, tuple[float, dict[str, list[float]]]] = {}
        for label, options in (("no MRZ, photo or form-field stages", Options(mrz=False, photo=False, forms=False)),
                               ("form fields read too (PA1 pages)", Options(mrz=False, photo=False))):
            store = DirStore(Path(tmp) / f"store-{len(runs)}")
            stage_totals: dict[str, list[float]] = {}
            start = time.perf_counter()
            for i, (f, d) in enumerate(zip(files, datas, strict=True)):
                r = process_item(store, "bench", f"{i:04d}", f.name, d, None, None, options)
                for stage, ms in r.timings_ms.items():
                    stage_totals.setdefault(stage, []).append(ms)
            runs[label] = ((time.perf_counter() - start) * 1000 / len(datas), stage_totals)

        print(f"{'baseline: full colour decode (cv2.IMREAD_COLOR)':58s} {decode_ms:7.1f} ms/page")
        print(f"{'svs: reduced greyscale decode (IMREAD_REDUCED_GRAYSCALE_2)':58s} {reduced_ms:7.1f} ms/page")
        print(f"{'svs: page-quality checks on the reduced image':58s} {quality_ms:7.1f} ms/page")
        print(f"{'  ratio quality / full decode (target <= 0.50)':58s} {quality_ms / decode_ms:7.2f}")
        print(f"{'  ratio (reduced decode + quality) / full decode':58s} {(reduced_ms + quality_ms) / decode_ms:7.2f}")
        for label, (e2e_ms, stage_totals) in runs.items():
            print(f"\nend to end in-process, {label}: {e2e_ms:.1f} ms/page = {1000 / e2e_ms:.1f} pages/s/core")
            for stage, values in stage_totals.items():
                print(f"  {stage:10s} median {statistics.median(values):6.1f} ms")

        out = Path(tmp) / "store2"
        args = ["svs", "run", str(batch), "--store", str(out), "--jobs", "1", "--no-mrz", "--no-photo", "--no-forms",
                "--json"]
        start = time.perf_counter()
        child = subprocess.run([sys.executable, "-c", PEAK_CHILD, *args], check=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONWARNINGS="ignore"))
        wall = time.perf_counter() - start
        peak_mb = int(child.stderr.strip().splitlines()[-1]) / 1024
        print(f"\n`svs run --jobs 1 --no-mrz --no-photo --no-forms` (whole command, start-up included): "
              f"{len(datas) / wall:.1f} pages/s, peak RSS {peak_mb:.0f} MB (target < 500 MB)")


#: Runs the svs command line and prints its own peak resident memory. VmHWM, not getrusage: Linux carries the
#: forking parent's high-water mark across exec into ru_maxrss, which would count this benchmark's own pages.
PEAK_CHILD = """
import sys
from svs.cli import main
sys.argv = sys.argv[1:]
try:
    main()
except SystemExit as exc:
    if exc.code:
        raise
status = open("/proc/self/status").read()
print(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM")), file=sys.stderr)
"""


if __name__ == "__main__":
    main()
