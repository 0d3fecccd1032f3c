#!/usr/bin/env python3
"""Throughput of the distributed mode: 1, then 2 worker processes against RabbitMQ and an S3 server.

    .venv/bin/python bench/bench_load.py [--items 120] [--broker amqp://guest:guest@127.0.0.1:5672/]

A batch of *items* distinct scanned pages (PA1 continuation pages, 300 dpi JPEG) is submitted to a fresh bucket on
moto's S3 server; ``svs worker --processes N --threads 1`` processes it; the clock runs from the workers' start
to the batch summary on the results queue. Side by side, the embedded mode on the same pages (``svs run --jobs
N`` into a directory store). Prints items per second and the scaling ratio 2 processes / 1 process; for the
workers both from their start (a worker's boot, its engines loading, is a fixed cost that weighs on the
shorter 2-process run) and from the first result to the last (the steady state a long-running service is in).
Target (issue 7): at least 1.8.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the worker helpers of the tests

import boto3
import generate
from integration_helpers import Worker, collect, items, purge_all, submit, summaries, worker_env


def distributed(batch: Path, broker: str, endpoint: str, processes: int, n: int, tmp: Path) -> tuple[float, float]:
    """Items per second from the workers' start (their boot included) to the last result, and in the steady
    state: from the first item's result to the last one's."""
    bucket = f"load-{processes}-{int(time.time())}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
                 aws_secret_access_key="testing").create_bucket(Bucket=bucket)
    purge_all(broker)
    env = worker_env(broker, endpoint, SVS_METRICS_PORT="0", SVS_LOG_LEVEL="WARNING")
    submit(batch, f"s3://{bucket}/svs", env)
    start = time.perf_counter()
    seen: dict[int, float] = {}  # number of item results seen -> when

    def done(messages: list[dict[str, object]]) -> bool:
        seen.setdefault(len(items(messages)), time.perf_counter())
        return len(summaries(messages)) >= 1 and len(items(messages)) >= n

    worker = Worker(env, processes=processes, threads=1, log=tmp / f"w{processes}.log")
    try:
        got = collect(broker, done, timeout=1800)
    finally:
        worker.stop()
    assert len(items(got)) == n, "an item is missing"
    last = seen[max(seen)]
    first = min(t for count, t in seen.items() if count >= 1)
    firsts = min(count for count in seen if count >= 1)  # results already in when the first were seen
    return n / (last - start), (n - firsts) / (last - first)


def embedded(batch: Path, jobs: int, n: int, tmp: Path) -> float:
    store = tmp / f"embedded-{jobs}"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "svs.cli", "run", str(batch), "--store", str(store), "--jobs", str(jobs)],
                   check=True, capture_output=True, env=dict(os.environ, PYTHONWARNINGS="ignore"))
    elapsed = time.perf_counter() - start
    shutil.rmtree(store)
    return n / elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=120)
    ap.add_argument("--broker", default="amqp://guest:guest@127.0.0.1:5672/")
    args = ap.parse_args()
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # not a line per S3 request in the report
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    try:
        with tempfile.TemporaryDirectory() as tmp_s:
            tmp = Path(tmp_s)
            batch = tmp / "batch"
            generate.distinct_pages(batch, args.items, seed=12)
            print(f"{args.items} pages (PA1 page 2, 300 dpi JPEG), {os.cpu_count()} cores; broker {args.broker}\n")
            rates = {}
            for k in (1, 2):
                rates[f"embedded {k}"] = embedded(batch, k, args.items, tmp)
                rates[f"workers {k}"], rates[f"steady {k}"] = distributed(batch, args.broker, endpoint, k,
                                                                          args.items, tmp)
                print(f"  {k} process(es): svs run --jobs {k} {rates[f'embedded {k}']:.2f} items/s | "
                      f"svs worker --processes {k} {rates[f'workers {k}']:.2f} items/s, boot included; "
                      f"{rates[f'steady {k}']:.2f} items/s first to last result")
            print(f"\nscaling 2/1: workers {rates['workers 2'] / rates['workers 1']:.2f} boot included, "
                  f"{rates['steady 2'] / rates['steady 1']:.2f} first to last result; "
                  f"embedded {rates['embedded 2'] / rates['embedded 1']:.2f} (target >= 1.8)")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
