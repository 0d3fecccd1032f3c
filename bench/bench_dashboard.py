#!/usr/bin/env python3
"""The dashboard under load: does ``/healthz`` stay fast while browsers poll the batch list of a big store?

    .venv/bin/python bench/bench_dashboard.py [--batches 2000] [--pollers 5] [--seconds 15]

A directory store of ``--batches`` finished batches (a summary and three results each) and ``--running`` batches
under way (a manifest of 100 items, 50 results) is served on 127.0.0.1 by two apps in turn, each by uvicorn in
this process: the baseline, built the way the dashboard was before issue 21 (async handlers that build the list
on the event loop, no sharing between requests), and svs's (``svs.serve.create_app``: store reads in the thread
pool, the list refreshed incrementally at most once per ``LIST_TTL_S``). ``--pollers`` threads fetch
``/api/batches`` back to back, as that many open browser tabs would; another thread asks for ``/healthz`` every
100 ms, as an orchestrator's probe. Printed per app: the probe's latency (median, p95, max) and the list's, and
how many lists were served; then the ratio of the probes' p95. Printed first: what one refresh of the list costs
built from every batch against refreshed incrementally, polled every ``LIST_TTL_S``.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from svs import keys
from svs.batchlist import LIST_TTL_S, BatchList, batch_rows
from svs.serve import create_app
from svs.storage import DirStore

TOKEN = "bench-token-0123456789abcdef"


def make_store(root: Path, batches: int, running: int = 0) -> DirStore:
    store = DirStore(root)
    for b in range(running):
        bid = f"bench-running-{b:03d}"
        manifest = {"batch_id": bid, "items": [{"item_id": f"{i:04d}"} for i in range(1, 101)]}
        store.put(keys.batch_manifest(bid), json.dumps(manifest).encode(), "manifest", "application/json")
        for i in range(1, 51):
            store.put(keys.result(bid, f"{i:04d}", f"{b:060d}{i:04d}"), b"{}", "manifest", "application/json")
    for b in range(batches):
        bid = f"bench-{b:05d}"
        summary = {"kind": "batch", "schema_version": "1.3.0", "batch_id": bid, "items": 3,
                   "verdicts": {"accepted": 3}, "reasons": {}, "stored": []}
        store.put(keys.batch_summary(bid), json.dumps(summary).encode(), "summary", "application/json")
        for i in range(1, 4):
            store.put(keys.result(bid, f"{i:04d}", f"{b:060d}{i:04d}"), b"{}", "manifest", "application/json")
    return store


def baseline_app(store: DirStore) -> Starlette:
    """The dashboard's list and probe as they were: the listing runs on the event loop, once per request."""

    async def api_batches(request: Request) -> Response:
        return JSONResponse({"batches": batch_rows(store), "at": time.time()})

    async def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route("/api/batches", api_batches), Route("/healthz", healthz)])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> float:
    start = time.perf_counter()
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(req, timeout=60) as r:
        r.read()
    return (time.perf_counter() - start) * 1000


def measure(app: Any, pollers: int, seconds: float) -> dict[str, Any]:
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    stop = time.monotonic() + seconds
    lists: list[float] = []
    probes: list[float] = []

    def poll() -> None:
        while time.monotonic() < stop:
            lists.append(_get(base + "/api/batches"))

    def probe() -> None:
        while time.monotonic() < stop:
            probes.append(_get(base + "/healthz"))
            time.sleep(0.1)

    workers = [threading.Thread(target=poll) for _ in range(pollers)] + [threading.Thread(target=probe)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    server.should_exit = True
    thread.join(timeout=10)
    q = statistics.quantiles(probes, n=20, method="inclusive")
    return {"probe_median": statistics.median(probes), "probe_p95": q[18], "probe_max": max(probes),
            "list_median": statistics.median(lists), "lists": len(lists), "probes": len(probes)}


def refresh_cost(store: DirStore, polls: int) -> tuple[float, float, float]:
    """Median ms of building the list from the whole store (as every refresh did before it was incremental) and
    of one incremental refresh in steady state, polled every ``LIST_TTL_S`` (simulated clock); and the mean
    number of batch folders an incremental refresh listed."""
    full = []
    for _ in range(5):
        start = time.perf_counter()
        batch_rows(store)
        full.append((time.perf_counter() - start) * 1000)
    kept = BatchList(store)
    now = time.monotonic()
    kept.refresh(now)
    steps, listed = [], []
    for i in range(1, polls + 1):
        start = time.perf_counter()
        rows = kept.refresh(now + i * LIST_TTL_S)
        steps.append((time.perf_counter() - start) * 1000)
        listed.append(kept.listed)
    if rows != batch_rows(store):
        raise SystemExit("the incremental list differs from the list built at once")
    return statistics.median(full), statistics.median(steps), statistics.fmean(listed)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batches", type=int, default=2000)
    ap.add_argument("--pollers", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--running", type=int, default=5, help="batches still running besides the finished ones")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = make_store(Path(tmp), args.batches, args.running)
        full, step, listed = refresh_cost(store, polls=60)
        print(f"batch list of {args.batches} finished and {args.running} running batches: built from the whole "
              f"store {full:.1f} ms; incremental refresh every {LIST_TTL_S:.0f} s {step:.1f} ms median "
              f"({listed:.0f} batch folders listed on average; {full / step:.0f}x)")
        print(f"{args.batches} batches, {args.pollers} pollers of /api/batches, /healthz every 100 ms, "
              f"{args.seconds:.0f} s each")
        results = {}
        for name, app in (("baseline (listing on the event loop)", baseline_app(store)),
                          ("svs (thread pool, incremental list)", create_app(store, TOKEN))):
            r = measure(app, args.pollers, args.seconds)
            results[name] = r
            print(f"  {name:38s} /healthz median {r['probe_median']:8.1f} ms  p95 {r['probe_p95']:8.1f} ms  "
                  f"max {r['probe_max']:8.1f} ms  ({r['probes']} probes) | /api/batches median "
                  f"{r['list_median']:8.1f} ms ({r['lists']} served)")
        old, new = results.values()
        print(f"ratio of /healthz p95, baseline / svs: {old['probe_p95'] / new['probe_p95']:.0f}x")


if __name__ == "__main__":
    main()
