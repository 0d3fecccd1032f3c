#!/usr/bin/env python3
"""A demand peak rehearsed (issue 24): normal batches arriving at several times what the workers clear, urgent
batches throughout, on RabbitMQ and on Redis.

    .venv/bin/python bench/bench_peak.py [--broker rabbitmq|redis|both] [--backlog-minutes 20] [--factor 4]
        [--processes 1] [--threads 1] [--urgent-every 15] [--hold 120] [--drain-processes 2] [--out DIR]

Per broker, with ``svs worker`` processes and a directory store on this machine (items of the sample batch with
the reading stages off: intake, page quality, storage, signing, publication):

1. **Calibration**, idle workers: one urgent batch alone (its items' latency is their processing time), then
   normal batches of 120 items at once: the rate the workers clear (items/s) is the capacity.
2. **Peak**: a normal batch of 10 items every ``10 / (factor x capacity)`` seconds, submitted by ``svs submit``'s
   own function, and an urgent batch of 3 items every ``--urgent-every`` seconds, until the normal lane holds
   ``--backlog-minutes`` minutes of the workers' capacity; then ``--hold`` seconds more of the same arrivals.
3. **Drain**: arrivals stop, ``--drain-processes`` more worker processes start (what the autoscaler does), every
   item's result is awaited.

Latency is from the start of a batch's submission to its item's result on a consumer's queue. Printed: urgent
and normal latency (median, p95, max), throughput during the peak against the capacity, lost and duplicated
items; the backlog over time is plotted to ``--out``/peak-<broker>.png. Targets (issue 24): urgent p95 within
twice the urgent items' processing time alone plus one item per worker thread; normal throughput down by no more
than the share urgent items took; zero lost or duplicated.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))

SAMPLE = ROOT / "fixtures" / "sample-batch"
BROKERS = {"rabbitmq": "amqp://guest:guest@127.0.0.1:5672/", "redis": "redis://127.0.0.1:6379/0"}
NORMAL_ITEMS = 10  # the sample batch
URGENT_FILES = ("01-form-p1.jpg", "05-passport.jpg", "06-photo.jpg")  # an application's three pages


@dataclass
class Run:
    submitted: dict[str, tuple[float, str, int]] = field(default_factory=dict)  # batch -> (at, lane, items)
    results: dict[tuple[str, str], list[float]] = field(default_factory=dict)  # (batch, item) -> arrival times
    depths: list[tuple[float, int, int]] = field(default_factory=list)  # (t, urgent ready, normal ready)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def arrived(self, batch: str, item: str, at: float) -> None:
        with self.lock:
            self.results.setdefault((batch, item), []).append(at)

    def done(self) -> int:
        with self.lock:
            return len(self.results)

    def expected(self) -> int:
        return sum(n for _, _, n in self.submitted.values())

    def latencies(self, lane: str, since: float = 0.0, until: float = float("inf")) -> list[float]:
        with self.lock:
            return [min(ts) - self.submitted[b][0] for (b, _), ts in self.results.items()
                    if b in self.submitted and self.submitted[b][1] == lane and since <= self.submitted[b][0] < until]

    def finished_between(self, lane: str, start: float, end: float) -> int:
        with self.lock:
            return sum(1 for (b, _), ts in self.results.items()
                       if b in self.submitted and self.submitted[b][1] == lane and start <= min(ts) < end)


def _folder(root: Path, batch_id: str, priority: str, files: tuple[str, ...] | None = None) -> Path:
    """A batch folder of the sample's files (hard links: nothing copied), under its own id and lane."""
    folder = root / batch_id
    folder.mkdir(parents=True)
    for f in SAMPLE.iterdir():
        if f.name != "batch.json" and (files is None or f.name in files):
            os.link(f, folder / f.name)
    (folder / "batch.json").write_text(json.dumps({"batch_id": batch_id, "priority": priority}))
    return folder


def _consume(url: str, run: Run, stop: threading.Event) -> None:
    from workers.channels import open_channel

    channel = open_channel(url)
    try:
        for body in channel.results(queue="bench-peak", binds=["item.#"], follow=True, idle_timeout=0.2):
            m = json.loads(body)
            run.arrived(m["batch_id"], m["item_id"], time.time())
            if stop.is_set():
                break
    except Exception:  # the queues purged under it at the end of the run
        if not stop.is_set():
            raise
    finally:
        channel.close()


def _sample_depths(url: str, run: Run, stop: threading.Event) -> None:
    from workers.health import lane_depths

    while not stop.wait(2.0):
        try:
            d = lane_depths(url)
            run.depths.append((time.time(), d["urgent"]["ready"], d["normal"]["ready"]))
        except Exception:  # noqa: BLE001 - a missed sample is a gap in the plot, nothing more
            continue


def _wait(run: Run, n: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while run.done() < n and time.monotonic() < deadline:
        time.sleep(0.2)
    if run.done() < n:
        raise SystemExit(f"only {run.done()} of {n} results after {timeout:.0f} s")


def _stats(xs: list[float]) -> str:
    if not xs:
        return "none"
    q = statistics.quantiles(xs, n=20, method="inclusive") if len(xs) > 1 else [xs[0]] * 19
    return f"median {statistics.median(xs):6.1f} s  p95 {q[18]:6.1f} s  max {max(xs):6.1f} s  (n={len(xs)})"


def child(broker: str, args: argparse.Namespace) -> dict[str, Any]:
    """One broker's rehearsal, in a process of its own (the actors bind to one broker when imported)."""
    from integration_helpers import Worker, purge_all

    from svs import signing

    url = BROKERS[broker]
    tmp = Path(tempfile.mkdtemp(prefix=f"svs-peak-{broker}-"))
    key = tmp / "signing-key.pem"
    signing.generate(key)
    env = dict(os.environ, SVS_BROKER_URL=url, SVS_SIGNING_KEY_FILE=str(key), SVS_METRICS_PORT="0",
               SVS_LOG_LEVEL="WARNING", PYTHONWARNINGS="ignore", SVS_REDIS_HEARTBEAT_TIMEOUT_MS="10000")
    os.environ.update(SVS_BROKER_URL=url, SVS_SIGNING_KEY_FILE=str(key))
    purge_all(url)
    from svs.pipeline import Options
    from workers.channels import open_channel
    from workers.submit import submit_batch

    channel = open_channel(url)
    for _ in channel.results(queue="bench-peak", binds=["item.#"]):  # declared, bound, emptied
        pass
    channel.close()
    store = str(tmp / "store")
    options = Options(mrz=False, photo=False, forms=False, barcodes=False)
    run = Run()
    stop = threading.Event()
    threading.Thread(target=_consume, args=(url, run, stop), daemon=True).start()
    threading.Thread(target=_sample_depths, args=(url, run, stop), daemon=True).start()
    counter = iter(range(10**6))

    def submit(lane: str) -> None:
        bid = f"{lane}-{next(counter):05d}"
        folder = _folder(tmp / "in", bid, lane, URGENT_FILES if lane == "urgent" else None)
        at = time.time()
        done = submit_batch(folder, store, options=options)
        run.submitted[bid] = (at, lane, done.items)

    workers = [Worker(env, args.processes, args.threads, log=tmp / "worker.log")]
    try:
        time.sleep(5)  # the workers start
        # 1. calibration
        for _ in range(3):
            submit("urgent")
            _wait(run, run.expected(), 120)
        alone = run.latencies("urgent")
        start = time.time()
        for _ in range(12):
            submit("normal")
        _wait(run, run.expected(), 600)
        capacity = 120 / (time.time() - start)
        item_s = args.processes * args.threads / capacity
        print(f"[{broker}] capacity {capacity:.2f} items/s ({item_s * 1000:.0f} ms an item per thread); urgent "
              f"batch alone: {_stats(alone)}", flush=True)
        # 2. the peak
        target = args.backlog_minutes * 60 * capacity
        interval = NORMAL_ITEMS / (args.factor * capacity)
        peak_start = time.time()
        cpu_start = time.process_time()
        next_normal = next_urgent = peak_start
        reached: float | None = None
        while reached is None or time.time() < reached + args.hold:
            now = time.time()
            if now >= next_urgent:
                submit("urgent")
                next_urgent += args.urgent_every
            if now >= next_normal:
                submit("normal")
                next_normal += interval
            if reached is None and run.depths and run.depths[-1][2] >= target:
                reached = time.time()
                print(f"[{broker}] backlog of {run.depths[-1][2]} normal items ({args.backlog_minutes} min of "
                      f"capacity) after {reached - peak_start:.0f} s", flush=True)
            time.sleep(max(0.0, min(next_normal, next_urgent) - time.time()))
        peak_end = time.time()
        cpu_end = time.process_time()
        # 3. drain, scaled out
        workers += [Worker(env, 1, args.threads, log=tmp / "drain.log") for _ in range(args.drain_processes)]
        _wait(run, run.expected(), 4 * 3600)
        drained = time.time()
    finally:
        for w in workers:
            w.stop()
        stop.set()
    lost = run.expected() - run.done()
    duplicated = sum(len(ts) - 1 for ts in run.results.values())
    urgent = run.latencies("urgent", peak_start, peak_end)
    normal = run.latencies("normal", peak_start, peak_end)
    window = peak_end - peak_start
    urgent_tput = run.finished_between("urgent", peak_start, peak_end) / window
    normal_tput = run.finished_between("normal", peak_start, peak_end) / window
    q_alone = statistics.quantiles(alone, n=20, method="inclusive")[18]
    bound = 2 * q_alone + item_s
    q_urgent = statistics.quantiles(urgent, n=20, method="inclusive")[18] if len(urgent) > 1 else float("nan")
    out = {"broker": broker, "capacity": capacity, "item_s": item_s, "alone_p95": q_alone, "urgent_p95": q_urgent,
           "urgent_bound": bound, "urgent": _stats(urgent), "normal": _stats(normal), "urgent_tput": urgent_tput,
           "normal_tput": normal_tput, "submitter_cpu": (cpu_end - cpu_start) / window, "peak_s": window,
           "drain_s": drained - peak_end,
           "max_backlog": max(n for _, _, n in run.depths), "items": run.expected(), "lost": lost,
           "duplicated": duplicated, "target_backlog": target}
    print(f"[{broker}] peak {window:.0f} s, drain {drained - peak_end:.0f} s ({args.drain_processes} more "
          f"processes); {run.expected()} items, most waiting {out['max_backlog']} (target {target:.0f})")
    print(f"[{broker}] urgent latency {_stats(urgent)}; bound 2 x {q_alone:.1f} s + {item_s:.1f} s = "
          f"{bound:.1f} s: {'met' if q_urgent <= bound else 'NOT met'}")
    print(f"[{broker}] normal latency {_stats(normal)}")
    together = urgent_tput + normal_tput
    cpu = (cpu_end - cpu_start) / window if window else 0.0
    print(f"[{broker}] throughput in the peak: urgent {urgent_tput:.2f}/s, normal {normal_tput:.2f}/s, together "
          f"{together:.2f}/s ({100 * together / capacity:.0f}% of the {capacity:.2f}/s measured idle; the "
          f"submitting process used {100 * cpu:.0f}% of a core meanwhile); urgent took "
          f"{100 * urgent_tput / together:.1f}% of what was cleared, normal {100 * normal_tput / together:.1f}%")
    print(f"[{broker}] lost {lost}, duplicated {duplicated}", flush=True)
    _plot(run, broker, peak_start, reached, peak_end, drained, Path(args.out), target)
    purge_all(url)
    shutil.rmtree(tmp, ignore_errors=True)  # about 0.8 MB an item: originals, derived images, reports
    return out


def _plot(run: Run, broker: str, start: float, reached: float | None, end: float, drained: float, out: Path,
          target: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    t0 = run.depths[0][0]
    xs = [(t - t0) / 60 for t, _, _ in run.depths]
    fig, ax = plt.subplots(figsize=(9, 4.5), dpi=100)
    ax.plot(xs, [n for _, _, n in run.depths], label="normal lane, waiting", color="#1d3557")
    ax.plot(xs, [u for _, u, _ in run.depths], label="urgent lane, waiting", color="#e63946")
    ax.axhline(target, color="#999", linestyle=":", label="backlog target (minutes of capacity)")
    marks = ((start, "peak"), (reached, "target reached"), (end, "arrivals stop, scale out"), (drained, "drained"))
    for k, (t, what) in enumerate(marks):
        if t is not None:
            ax.axvline((t - t0) / 60, color="#bbb", linewidth=0.8)
            ax.text((t - t0) / 60, ax.get_ylim()[1] * (0.97 - 0.06 * (k % 2)), f" {what}", fontsize=8, va="top")
    ax.set_xlabel("minutes")
    ax.set_ylabel("items waiting")
    ax.set_title(f"svs demand peak on {broker}: backlog over time")
    ax.legend(loc="center right", fontsize=8)
    fig.tight_layout()
    fig.savefig(out / f"peak-{broker}.png")
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--broker", choices=["rabbitmq", "redis", "both"], default="both")
    ap.add_argument("--backlog-minutes", type=float, default=20.0)
    ap.add_argument("--factor", type=float, default=4.0, help="normal arrivals, times the capacity")
    ap.add_argument("--processes", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--urgent-every", type=float, default=15.0)
    ap.add_argument("--hold", type=float, default=120.0)
    ap.add_argument("--drain-processes", type=int, default=1)
    ap.add_argument("--out", default=str(ROOT / "docs" / "bench"))
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print("RESULT " + json.dumps(child(args.broker, args)), flush=True)
        return
    for broker in (["rabbitmq", "redis"] if args.broker == "both" else [args.broker]):
        cmd = [sys.executable, __file__, *_without_broker(sys.argv[1:]), "--broker", broker, "--child"]
        subprocess.run(cmd, check=True)


def _without_broker(argv: list[str]) -> list[str]:
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
            continue
        if a == "--broker":
            skip = True
            continue
        if not a.startswith("--broker="):
            out.append(a)
    return out


if __name__ == "__main__":
    main()
