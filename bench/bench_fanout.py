#!/usr/bin/env python3
"""Results to every downstream consumer (issue 20): fan-out throughput, and the rescan round trip.

    .venv/bin/python bench/bench_fanout.py [--messages 2000] [--broker URL ...] [--no-rescan]

**Fan-out.** The messages of a 2,000-item run (real item results of the sample batch, one per item id, then an
application summary and the batch summary) are published on the results exchange as the workers publish them
(Redis: ``publish_once``, the Lua script, per message; RabbitMQ: persistent, confirmed, to the topic exchange).
Then three consumers, each ``svs results --queue NAME`` in its own process, drain their own queues at once; each
must receive every message. Side by side, the baseline: what one consumer received before fan-out, the same
messages on one plain queue (RabbitMQ) or list (Redis), drained by one ``svs results``-equivalent consumer.
Printed: messages per second each consumer receives, and the ratio to the one baseline consumer.

**Rescan round trip.** The sample batch is processed by a worker (moto's S3 server, the broker); a consumer
bound to ``application.*`` is declared; a rescan of item 0004 is submitted; the clock runs from the submission
to the application summary's version 2 on the consumer's queue.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "integration"))

from integration_helpers import (  # noqa: E402
    Worker,
    applications,
    collect,
    consumer_results,
    purge_all,
    submit,
    summaries,
    worker_env,
)

from svs.schema import ApplicationSummary, BatchSummary, ItemResult  # noqa: E402
from workers.channels import open_channel  # noqa: E402
from workers.channels.routing import routing_key  # noqa: E402

SAMPLE = ROOT / "fixtures" / "sample-batch"


def messages_of_a_run(n: int, tmp: Path) -> list[tuple[str, bytes]]:
    """(routing key, body) of an n-item run: the sample's real results cycled under new item ids."""
    from svs.api import run_batch
    from svs.pipeline import Options

    out = run_batch(SAMPLE, str(tmp / "store"), jobs=1, options=Options())
    msgs: list[tuple[str, bytes]] = []
    for i in range(n):
        r: ItemResult = out.results[i % len(out.results)].model_copy(
            update={"batch_id": "bench", "item_id": f"{i:05d}"})
        msgs.append((routing_key(r), r.model_dump_json().encode()))
    for a in out.applications:
        app: ApplicationSummary = a.model_copy(update={"batch_id": "bench"})
        msgs.append((routing_key(app), app.model_dump_json().encode()))
    s: BatchSummary = out.summary.model_copy(update={"batch_id": "bench", "items": n})
    msgs.append((routing_key(s), s.model_dump_json().encode()))
    return msgs


def publish_fanout(broker: str, msgs: list[tuple[str, bytes]], tmp: Path) -> float:
    start = time.perf_counter()
    if broker.startswith("redis"):
        from svs.storage import open_store
        from workers import publication

        run = uuid.uuid4().hex[:6]
        store = open_store(str(tmp / f"markers-{run}"))
        channel = open_channel(broker)
        for i, (key, body) in enumerate(msgs):
            assert publication.publish_once(store, f"m/{run}/{i}", body, None, channel, key)
        channel.close()
    else:
        import pika

        from workers.channels.rabbitmq import declare_results

        conn = pika.BlockingConnection(pika.URLParameters(broker))
        ch = conn.channel()
        ch.confirm_delivery()
        declare_results(ch)
        props = pika.BasicProperties(delivery_mode=2, content_type="application/json")
        for key, body in msgs:
            ch.basic_publish(exchange="svs.results", routing_key=key, body=body, properties=props)
        conn.close()
    return time.perf_counter() - start


def publish_baseline(broker: str, queue: str, msgs: list[tuple[str, bytes]]) -> None:
    channel = open_channel(broker)
    for _key, body in msgs:
        channel.publish(queue, body)
    channel.close()


CONSUME = """
import sys, time
from workers.channels import open_channel
broker, queue, mode, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
ch = open_channel(broker)
got = 0
start = None
bodies = ch.results(queue, follow=True) if mode == "fanout" else ch.consume(queue, follow=True)
for body in bodies:
    if start is None:
        start = time.perf_counter()
    sys.stdout.buffer.write(body + b"\\n")
    got += 1
    if got == n:
        break
print(f"{got} {time.perf_counter() - start:.4f}", file=sys.stderr)
"""


def drain(broker: str, queues: list[str], mode: str, n: int) -> list[tuple[int, float]]:
    """Consumers in their own processes, at once; each writes what it gets (as svs results does) and says how
    many it got and in how long, from its first message to its n-th."""
    procs = [subprocess.Popen([sys.executable, "-c", CONSUME, broker, q, mode, str(n)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True) for q in queues]
    out = []
    for p in procs:
        _, err = p.communicate(timeout=900)
        got, secs = err.strip().splitlines()[-1].split()
        out.append((int(got), float(secs)))
    return out


def fanout(broker: str, n: int, msgs: list[tuple[str, bytes]], tmp: Path) -> None:
    purge_all(broker)
    tag = uuid.uuid4().hex[:6]
    queues = [f"bench-{tag}.{name}" for name in ("case", "fraud", "stats")]
    for q in queues:
        consumer_results(broker, q)  # declared, bound to everything, before the run
    secs = publish_fanout(broker, msgs, tmp)
    total = len(msgs)
    each = drain(broker, queues, "fanout", total)
    alone_queue = f"bench-{tag}.alone"
    consumer_results(broker, alone_queue)
    publish_fanout(broker, msgs, tmp)  # again, for one consumer on its own (the others' queues get it too)
    (alone,) = drain(broker, [alone_queue], "fanout", total)
    baseline_queue = f"svs.bench-baseline-{tag}"
    publish_baseline(broker, baseline_queue, msgs)
    (base,) = drain(broker, [baseline_queue], "plain", total)
    base_rate = base[0] / base[1]
    print(f"\n{broker.split(':')[0]}: {total} messages ({n} items), published to the exchange in {secs:.1f} s "
          f"({total / secs:.0f}/s)")
    print(f"  baseline, one consumer on one queue: {base[0]} received, {base_rate:.0f} msg/s")
    print(f"  one consumer of the exchange alone: {alone[0]} received, {alone[0] / alone[1]:.0f} msg/s "
          f"(x{alone[0] / alone[1] / base_rate:.2f} of the baseline)")
    print("  three consumers of the exchange at once, each:")
    for q, (got, s) in zip(queues, each, strict=True):
        print(f"  {q.split('.')[-1]:>5}: {got} received ({'all' if got == total else 'MISSING'}), {got / s:.0f} msg/s "
              f"(x{got / s / base_rate:.2f} of the baseline)")
    print(f"  three consumers together: {sum(g for g, _ in each) / max(s for _, s in each):.0f} msg/s delivered")
    _cleanup(broker, [*queues, alone_queue, baseline_queue])


def _cleanup(broker: str, queues: list[str]) -> None:
    if broker.startswith("redis"):
        purge_all(broker)
        return
    import pika

    conn = pika.BlockingConnection(pika.URLParameters(broker))
    for q in queues:
        conn.channel().queue_delete(q)
    conn.close()


def rescan_round_trip(broker: str, tmp: Path) -> None:
    import boto3
    from moto.server import ThreadedMotoServer
    from test_rescans import rescan_batch

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    bucket = f"rescan-{uuid.uuid4().hex[:8]}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
                 aws_secret_access_key="testing").create_bucket(Bucket=bucket)
    purge_all(broker)
    env = worker_env(broker, endpoint, SVS_METRICS_PORT="0", SVS_LOG_LEVEL="WARNING")
    queue = f"bench-{uuid.uuid4().hex[:6]}.apps"
    tmp = tmp / f"rescan-{broker.split(':')[0]}"
    tmp.mkdir()
    batch = tmp / "sample"
    shutil.copytree(SAMPLE, batch)
    worker = Worker(env, processes=1, threads=2, log=tmp / "rescan-worker.log")
    try:
        submit(batch, f"s3://{bucket}/svs", env)
        collect(broker, lambda m: len(summaries(m)) >= 1, timeout=600)
        consumer_results(broker, queue, "application.*")
        trips = []
        target = "sample-0001/0004"
        for round_ in range(3):
            folder = rescan_batch(tmp, f"rescan-{round_}", {"page.jpg": target}, f"rescan-{round_}")
            start = time.perf_counter()
            submit(folder, f"s3://{bucket}/svs", env)
            got: list[dict[str, object]] = []
            while not applications(got):
                got += consumer_results(broker, queue)
                time.sleep(0.05)
            trips.append(time.perf_counter() - start)
            (issued,) = applications(got)
            assert issued["version"] == round_ + 2, issued["version"]
            target = f"rescan-{round_}/0001"
        collect(broker, lambda m: False, timeout=2)
    finally:
        worker.stop()
        server.stop()
    print(f"\n{broker.split(':')[0]}: rescan round trip (submit to version N+1 on a consumer's queue), 3 rescans "
          f"in a chain: " + ", ".join(f"{t:.2f} s" for t in trips) + f"; median {sorted(trips)[1]:.2f} s")
    if broker.startswith("amqp"):
        _cleanup(broker, [queue])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=2000, help="items of the run (plus its application and batch)")
    ap.add_argument("--broker", action="append", default=None)
    ap.add_argument("--no-rescan", action="store_true")
    args = ap.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log
    brokers = args.broker or ["amqp://guest:guest@127.0.0.1:5672/", "redis://127.0.0.1:6379/0"]
    tmp = Path(tempfile.mkdtemp(prefix="svs-bench-fanout-"))
    try:
        msgs = messages_of_a_run(args.messages, tmp)
        print(f"{len(msgs)} messages, {sum(len(b) for _, b in msgs) / len(msgs) / 1024:.1f} KiB each on average")
        for broker in brokers:
            fanout(broker, args.messages, msgs, tmp)
        if not args.no_rescan:
            for broker in brokers:
                rescan_round_trip(broker, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
