"""DirStore: a directory on a local or network file system; an object's key is its path under the root."""

from __future__ import annotations

import contextlib
import errno
import os
import uuid
from pathlib import Path

from svs.errors import StoreError, TransientStoreError
from svs.storage.base import Store


class DirStore(Store):
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).absolute()
        self.url = f"file://{self.root}"

    def _path(self, key: str) -> Path:
        parts = key.split("/")
        if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
            raise StoreError("invalid object key")
        return self.root.joinpath(*parts)

    def _create(self, key: str, data: bytes, sha256: str, content_type: str) -> bool:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.parent / f".tmp-{uuid.uuid4().hex}"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                try:
                    os.link(tmp, path)  # atomic create-only: fails if the name exists
                    created = True
                except FileExistsError:
                    created = False
            finally:
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()
            if created:
                dir_fd = os.open(path.parent, os.O_RDONLY)
                try:
                    os.fsync(dir_fd)
                finally:
                    os.close(dir_fd)
            return created
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EAGAIN):
                raise TransientStoreError(f"directory store write failed: {errno.errorcode.get(exc.errno)}") \
                    from exc
            raise StoreError(f"directory store write failed: {type(exc).__name__}") from exc

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise KeyError(key) from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list(self, prefix: str) -> list[str]:
        base = self.root
        if not base.exists():
            return []
        out = []
        # walk only the folder the prefix names, not the whole store
        folder = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        start = self._path(folder) if folder else base
        if not start.exists():
            return []
        for dirpath, _dirs, files in os.walk(start):
            for name in files:
                if name.startswith(".tmp-"):
                    continue
                key = Path(dirpath, name).relative_to(base).as_posix()
                if key.startswith(prefix):
                    out.append(key)
        return sorted(out)

    def check(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if not os.access(self.root, os.W_OK):
            raise StoreError("directory store is not writable")
