#!/usr/bin/env python3
"""Tamper evidence (issue 23): what signing and the decision log cost per item, and how fast ``svs verify`` checks
a store of 2,000 items, on a directory store and on S3 (moto's server).

    .venv/bin/python bench/bench_verify.py [--items 2000] [--no-s3]

**Cost.** The sample batch is processed by the pipeline (every stage) into a store with sealing as shipped, item
by item, timing each item's processing; side by side, the same work of signing and storing a signature alone
(the Ed25519 signature of the item's result and the create-only write of it beside the result) and the batch's
decision log's record divided over its items (the median of five batches' records, after the first, which also stores
the public key, once per process). Printed: their share of an item's processing time (target: under 1%).

**Verify.** A store of *items* items is built from the sample batch's stored objects (each item's original,
derived images and result, under a new item id and signed again, then the batch's decision log); then
``svs verify``'s check runs over it. Printed: objects checked per second.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "fixtures"))

from svs import keys, sealing, signing  # noqa: E402
from svs.api import run_batch  # noqa: E402
from svs.batch.finish import log_finished  # noqa: E402
from svs.pipeline import Options  # noqa: E402
from svs.schema import ItemResult, StoredObject  # noqa: E402
from svs.storage import Store, open_store  # noqa: E402
from svs.verify import verify  # noqa: E402

SAMPLE = ROOT / "fixtures" / "sample-batch"


def cost(store_url: str, label: str) -> None:
    signer = signing.current()
    start = time.perf_counter()
    out = run_batch(SAMPLE, store_url, jobs=1, options=Options())
    wall = time.perf_counter() - start
    items = [r for r in out.results if r.stored]
    per_item_ms = 1000 * wall / len(out.results)
    store = open_store(store_url)
    sign_ms, seal_ms = [], []
    for r in items:
        manifest = next(s for s in r.stored if s.role == "manifest")
        data = store.get(manifest.key)
        t0 = time.perf_counter()
        sig = signer.sign(data).model_dump_json().encode()
        t1 = time.perf_counter()
        sign_ms.append(1000 * (t1 - t0))
        if store.inline_signatures:  # the signature rides in the result's own write: what it adds to it
            with_sig, without = [], []
            for _ in range(3):
                a = time.perf_counter()
                store.put_created(f"bench/{uuid.uuid4().hex}.json", data, "manifest", "application/json", sig)
                b = time.perf_counter()
                store.put(f"bench/{uuid.uuid4().hex}.json", data, "manifest", "application/json")
                c = time.perf_counter()
                with_sig.append(b - a)
                without.append(c - b)
            seal_ms.append(max(0.0, 1000 * (sorted(with_sig)[1] - sorted(without)[1])))
        else:  # a second write beside it
            store.put(f"bench/{uuid.uuid4().hex}.sig", sig, "signature", "application/json")
            seal_ms.append(1000 * (time.perf_counter() - t1))
    decided = [next(s for s in r.stored if s.role == "manifest") for r in items]
    log_runs = []
    for _ in range(6):  # the first of a process also stores the public key (once per process): left out
        t0 = time.perf_counter()
        log_finished(store, f"bench-{uuid.uuid4().hex[:8]}", decided, decided[:1], decided[-1:])  # as finish_batch
        log_runs.append(1000 * (time.perf_counter() - t0))
    log_ms = statistics.median(log_runs[1:])
    sign, seal = sum(sign_ms) / len(sign_ms), sum(seal_ms) / len(seal_ms)
    how = "in the result's own write" if store.inline_signatures else "beside it"
    print(f"{label}: an item takes {per_item_ms:.0f} ms (the sample batch, every stage, one process)")
    for batch in (len(out.results), 200):
        total = sign + seal + log_ms / batch
        print(f"  batch of {batch} items, per item: signing {sign:.3f} ms, storing the signature ({how}) "
              f"{seal:.2f} ms, the decision log {log_ms / batch:.2f} ms ({log_ms:.0f} ms a batch): {total:.2f} ms, "
              f"{100 * total / per_item_ms:.2f}% of the item")


def build(store: Store, source: Store, n: int) -> int:
    """A batch of *n* items made of the sample's stored items; returns the objects written."""
    batch = "verify-bench"
    sample = [ItemResult.model_validate_json(source.get(k)) for k in source.list("batches/sample-0001/items/")
              if k.endswith("/result.json")]
    sample = [r for r in sample if r.stored]
    written = 0
    decided = []
    for i in range(n):
        r = sample[i % len(sample)]
        item_id = f"{i + 1:05d}"
        stored = []
        for s in r.stored:
            data = source.get(s.key)
            if s.role == "original":
                key = keys.original(batch, r.source.sha256, s.key.rsplit(".", 1)[-1])
            else:
                key = keys.derived(batch, item_id, r.source.sha256, s.role, s.key.rsplit(".", 1)[-1])
            stored.append(store.put(key, data, s.role, s.content_type))
            written += 1
        copy = r.model_copy(update={"batch_id": batch, "item_id": item_id, "stored": stored})
        data = copy.model_dump_json().encode()
        entry = sealing.put_sealed(store, keys.result(batch, item_id, r.source.sha256), data, "manifest",
                                   "application/json")
        decided.append(StoredObject(key=entry.key, sha256=entry.sha256, bytes=entry.bytes, role="manifest"))
        written += 2
    log_finished(store, batch, decided, [], [])
    return written + 2


def verify_speed(store_url: str, source: Store, n: int, label: str) -> None:
    store = open_store(store_url)
    t0 = time.perf_counter()
    written = build(store, source, n)
    built = time.perf_counter() - t0
    out = verify(store, ["verify-bench"])
    assert out.ok, [p.line() for p in out.problems[:5]]
    print(f"{label}: {n} items ({written} objects written in {built:.0f} s); svs verify checked {out.objects} "
          f"objects in {out.seconds:.1f} s: {out.objects / out.seconds:.0f} objects/s, "
          f"{n / out.seconds:.0f} items/s")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=2000)
    ap.add_argument("--no-s3", action="store_true")
    args = ap.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    tmp = Path(tempfile.mkdtemp(prefix="svs-bench-verify-"))
    try:
        cost(str(tmp / "cost"), "directory store")
        source = open_store(str(tmp / "cost"))
        verify_speed(str(tmp / "verify"), source, args.items, "directory store")
        if not args.no_s3:
            import os

            import boto3
            from moto.server import ThreadedMotoServer

            server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
            server.start()
            host, port = server.get_host_and_port()
            os.environ.update(SVS_S3_ENDPOINT_URL=f"http://{host}:{port}", AWS_ACCESS_KEY_ID="testing",
                              AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
            boto3.client("s3", endpoint_url=f"http://{host}:{port}").create_bucket(Bucket="bench")
            try:
                cost("s3://bench/cost", "S3 (moto)")
                verify_speed("s3://bench/verify", source, args.items, "S3 (moto)")
            finally:
                server.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
