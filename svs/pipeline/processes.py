"""Setting up a process that processes items (a pool child of ``svs run``, a worker process)."""

from __future__ import annotations

import os

from svs import memory
from svs.pipeline.chain import warm_up


def init_process(memory_limit_mb: int = 0) -> None:
    """One thread per engine and, where asked, the memory cap, set after every engine has loaded
    (:func:`svs.pipeline.warm_up`)."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    import cv2

    cv2.setNumThreads(1)
    if memory_limit_mb:
        warm_up()
        memory.cap(memory_limit_mb)
