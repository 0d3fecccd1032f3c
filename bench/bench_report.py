#!/usr/bin/env python3
"""The batch report and the dashboard on a 500-item batch.

    .venv/bin/python bench/bench_report.py [--items 500] [--jobs 2]

Processes a generated batch of *items* files (the sample batch's kinds, each file distinct) into a directory
store, then measures, side by side: the baseline, reading every object the report shows (each result and every
picture, verified by SHA-256: the floor any report must pay), and ``build_report`` (read, then render one
self-contained HTML page); the report's size. Then ``svs serve`` over the same store: the batch list and the batch
page fetched over HTTP, and loaded in headless Chromium (navigation timing to the load event, pictures
included) where Debian's chromium is installed. Target (issue 6): the report of a 500-item batch in at most 5 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the dashboard start-up of the tests

import generate
from integration_helpers import dashboard

from svs import keys
from svs.api import run_batch
from svs.pipeline import Options
from svs.report import build_report
from svs.report.collect import PICTURES
from svs.schema import ItemResult
from svs.storage import DirStore

TOKEN = "bench-token-0123456789abcdef"


def read_floor(store: DirStore, batch_id: str) -> int:
    """Every result and every picture the report shows, read and verified; returns the bytes read."""
    roles = {r for r, _ in PICTURES}
    total = 0
    for key in store.list(keys.batch_results_prefix(batch_id)):
        if key.endswith("/result.json"):
            raw = store.get(key)
            total += len(raw)
            for s in ItemResult.model_validate_json(raw).stored:
                if s.role in roles:
                    total += len(store.get_verified(s.key, s.sha256))
    return total


def best_of(fn, n: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def http_ms(url: str, n: int = 5) -> tuple[float, int]:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"})
    times, size = [], 0
    for _ in range(n):
        start = time.perf_counter()
        with urllib.request.urlopen(req, timeout=60) as r:
            size = len(r.read())
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), size


def chromium_load_ms(base: str, paths: list[str]) -> dict[str, float] | None:
    if not os.access("/usr/bin/chromium", os.X_OK):
        return None
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        driver.get(f"{base}/?token={TOKEN}")
        out = {}
        for path in paths:
            samples = []
            for _ in range(3):
                driver.get(base + path)
                samples.append(float(driver.execute_script(
                    "var n=performance.getEntriesByType('navigation')[0];return n.loadEventEnd-n.startTime")))
            out[path] = statistics.median(samples)
        return out
    finally:
        driver.quit()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=500)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        batch, root = Path(tmp) / "batch", Path(tmp) / "store"
        generate.mixed_batch(batch, args.items)
        start = time.perf_counter()
        outcome = run_batch(batch, str(root), jobs=args.jobs, options=Options(mrz=True))
        print(f"{args.items} items processed in {time.perf_counter() - start:.1f} s with {args.jobs} jobs "
              f"(not the subject; the report is built from what they stored)\n")
        store, bid = DirStore(root), outcome.batch.batch_id
        floor_bytes = read_floor(store, bid)
        floor_s = best_of(lambda: read_floor(store, bid))
        report_s = best_of(lambda: build_report(store, bid))
        body = build_report(store, bid)
        pics = body.count(b'src="data:image/jpeg;base64,')
        print(f"baseline: read and verify every result and picture   {floor_s * 1000:8.0f} ms "
              f"({floor_bytes / 1e6:.1f} MB)")
        print(f"svs: build_report (read, verify, render)             {report_s * 1000:8.0f} ms")
        print(f"  ratio report / read floor                          {report_s / floor_s:8.2f}")
        print(f"  report size {len(body) / 1e6:.1f} MB, {pics} pictures embedded, "
              f"{len(outcome.results)} items (target: at most 5 s; met: {'yes' if report_s <= 5 else 'no'})\n")

        with dashboard(root, TOKEN) as base:
            for path in ("/", f"/batches/{bid}", f"/api/batches/{bid}"):
                ms, size = http_ms(base + path)
                print(f"dashboard HTTP GET {path:<32} median {ms:7.1f} ms, {size / 1e3:7.0f} kB")
            loads = chromium_load_ms(base, ["/", f"/batches/{bid}"])
            if loads is None:
                print("chromium not installed: no browser load times")
            else:
                for path, ms in loads.items():
                    print(f"dashboard Chromium load {path:<27} median {ms:7.1f} ms (to the load event)")


if __name__ == "__main__":
    main()
