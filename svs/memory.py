"""A cap on one process's memory, so that an item needing more than ops allowed fails alone, with a reason.

Without a cap, a page that decodes to more memory than the machine has brings in the kernel's OOM killer, which
takes the whole worker process and every item in flight with it. With the cap (``RLIMIT_AS``, the process's
address space), the allocation that would pass it raises ``MemoryError`` in the stage that made it: intake
reports ``input.too_large``, an engine's stage ``stage.failed``, and the worker goes on with the next item.
"""

from __future__ import annotations

import resource

import cv2

#: The reason an item gets when decoding or checking it would pass the process's memory cap.
OUT_OF_MEMORY_REASON = "input.too_large"


#: OpenCV's error code for a failed allocation (``cv::Error::StsNoMem``).
_CV_NO_MEMORY = -4


def is_out_of_memory(exc: BaseException) -> bool:
    """Python's MemoryError, or OpenCV's "Insufficient memory" error, which is not a MemoryError."""
    return isinstance(exc, MemoryError) or (isinstance(exc, cv2.error) and getattr(exc, "code", None) == _CV_NO_MEMORY)


def cap(megabytes: int) -> None:
    """Cap this process's address space at *megabytes* (never above a hard limit already set)."""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = megabytes * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def current_cap_mb() -> int | None:
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    return None if soft == resource.RLIM_INFINITY else soft // (1024 * 1024)
