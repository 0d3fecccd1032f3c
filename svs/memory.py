"""A cap on one process's memory, so that an item needing more than ops allowed fails alone, with a reason.

Without a cap, a page that decodes to more memory than the machine has brings in the kernel's OOM killer, which
takes the whole worker process and every item in flight with it. With the cap (``RLIMIT_AS``, the process's
address space), the allocation that would pass it raises ``MemoryError`` in the stage that made it: intake
reports ``input.too_large``, an engine's stage ``stage.failed``, and the worker goes on with the next item.
"""

from __future__ import annotations

import os
import resource

import cv2

from svs.errors import ConfigError

#: The reason an item gets when decoding or checking it would pass the process's memory cap.
OUT_OF_MEMORY_REASON = "input.too_large"


#: The variable that sets the cap, in MiB, for workers and for ``svs run`` alike; 0 or unset: no cap.
ENV = "SVS_MEMORY_LIMIT_MB"
#: Below this a process cannot even load its libraries and models (measured: about 710 MiB of address space
#: after start-up, most of it shared libraries and thread stacks, not resident memory).
MIN_LIMIT_MB = 1024

#: OpenCV's error code for a failed allocation (``cv::Error::StsNoMem``).
_CV_NO_MEMORY = -4


def is_out_of_memory(exc: BaseException) -> bool:
    """Python's MemoryError, or OpenCV's "Insufficient memory" error, which is not a MemoryError."""
    return isinstance(exc, MemoryError) or (isinstance(exc, cv2.error) and getattr(exc, "code", None) == _CV_NO_MEMORY)


def validate_limit_mb(megabytes: int, source: str = ENV) -> int:
    """*megabytes* when it is 0 (no cap) or at least MIN_LIMIT_MB; otherwise a clear ConfigError naming *source*."""
    if megabytes != 0 and not MIN_LIMIT_MB <= megabytes <= 1_048_576:
        raise ConfigError(f"{source} must be 0 (no cap) or between {MIN_LIMIT_MB} and 1048576 MiB, not {megabytes}")
    return megabytes


def limit_from_env() -> int:
    """The cap ``SVS_MEMORY_LIMIT_MB`` asks for, validated; 0 where unset."""
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return 0
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{ENV} must be a whole number of MiB, not {raw!r}") from None
    return validate_limit_mb(value)


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
