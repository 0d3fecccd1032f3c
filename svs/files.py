"""Creating a file only if its name is free, whole or not at all: written under a temporary name, flushed to
disk, then linked into place (``link(2)`` fails where the name exists). Another process never sees half a file,
and of two writers of one name exactly one wins."""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path


def create_new(path: Path, data: bytes, mode: int) -> bool:
    """Write *data* at *path* with permissions *mode* unless something is there; True when this call created
    it. The folder is made if missing and flushed after the link, so the new name survives a crash."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".tmp-{uuid.uuid4().hex}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return True
