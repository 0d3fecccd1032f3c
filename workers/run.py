"""``svs worker``: run Dramatiq's worker processes over :mod:`workers.actors`."""

from __future__ import annotations

import os

from svs import signing
from workers.config import broker_url, prefetch, prepare_metrics


def run_workers(url: str | None, processes: int, threads: int) -> int:
    os.environ["SVS_BROKER_URL"] = broker_url(url)
    # the signing key loads (or the default is made) here, once: a worker that cannot sign refuses to start
    # with one line rather than failing every item; its processes inherit the key's name
    signing.name_for_children(signing.current())
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # Tesseract: one thread per worker thread
    # read by Dramatiq when its worker module is first imported: each lane's consumer holds this many messages
    os.environ["dramatiq_queue_prefetch"] = str(prefetch(threads))  # noqa: SIM112 - the name Dramatiq reads
    prepare_metrics()  # before dramatiq.middleware is imported
    from dramatiq.cli import main as dramatiq_main
    from dramatiq.cli import make_argument_parser

    args = make_argument_parser().parse_args(
        ["workers.actors", "--processes", str(processes), "--threads", str(threads), "--skip-logging"]
    )
    return int(dramatiq_main(args) or 0)
