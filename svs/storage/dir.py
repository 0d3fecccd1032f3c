"""DirStore: a directory on a local or network file system; an object's key is its path under the root.

Reads never follow a symbolic link inside the store and read regular files only: a link or a device put there
(by hand, or by whoever could write to the folder) is not an object, so the dashboard cannot be made to serve a
file from outside the store, or to stall reading ``/dev/zero`` or a FIFO."""

from __future__ import annotations

import builtins
import errno
import os
import stat
from functools import lru_cache
from pathlib import Path

from svs.errors import StoreError, TransientStoreError
from svs.files import create_new
from svs.log import get_logger
from svs.storage import retention
from svs.storage.base import Store

log = get_logger("svs.storage.dir")


@lru_cache(maxsize=1)
def _warn_no_retention() -> None:
    log.warning("SVS_RETENTION_DAYS is set but a directory store cannot enforce retention (svs.storage.retention)",
                extra={"count": 1})


class DirStore(Store):
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).absolute()
        self.url = f"file://{self.root}"
        if retention.from_env() is not None:
            _warn_no_retention()

    def _path(self, key: str) -> Path:
        parts = key.split("/")
        if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
            raise StoreError("invalid object key")
        return self.root.joinpath(*parts)

    def _create(self, key: str, data: bytes, sha256: str, content_type: str, signature: bytes | None = None,
                ) -> bool:
        path = self._path(key)
        try:
            return create_new(path, data, 0o640)  # atomic create-only: link(2) fails if the name exists
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EAGAIN):
                raise TransientStoreError(f"directory store write failed: {errno.errorcode.get(exc.errno)}") \
                    from exc
            raise StoreError(f"directory store write failed: {type(exc).__name__}") from exc

    def _open_regular(self, key: str) -> int | None:
        """A descriptor of the object's file, opened component by component without following a link; None
        where a component is missing, a link or not a regular file."""
        *folders, name = key.split("/")
        self._path(key)  # the key's own rules
        try:
            fd = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY)
        except FileNotFoundError:
            return None
        try:
            for folder in folders:
                inner = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
                os.close(fd)
                fd = inner
            found = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=fd)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            if exc.errno == errno.ELOOP:  # a link where a folder or the file should be
                return None
            raise
        finally:
            os.close(fd)
        if not stat.S_ISREG(os.fstat(found).st_mode):
            os.close(found)
            return None
        return found

    def get(self, key: str) -> bytes:
        fd = self._open_regular(key)
        if fd is None:
            raise KeyError(key)
        with os.fdopen(fd, "rb") as fh:
            return fh.read()

    def exists(self, key: str) -> bool:
        fd = self._open_regular(key)
        if fd is None:
            return False
        os.close(fd)
        return True

    def list(self, prefix: str) -> list[str]:
        base = self.root
        if not base.exists():
            return []
        out = []
        # walk only the folder the prefix names, not the whole store
        folder = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        start = self._path(folder) if folder else base
        if not start.exists() or (folder and start.is_symlink()):
            return []
        for dirpath, _dirs, files in os.walk(start):  # os.walk does not enter linked folders
            for name in files:
                if name.startswith(".tmp-") or os.path.islink(os.path.join(dirpath, name)):
                    continue
                key = Path(dirpath, name).relative_to(base).as_posix()
                if key.startswith(prefix):
                    out.append(key)
        return sorted(out)

    def children(self, prefix: str) -> builtins.list[str]:
        folder = self._path(prefix.rstrip("/")) if prefix.strip("/") else self.root
        if folder.is_symlink():
            return []
        try:
            with os.scandir(folder) as entries:  # a linked folder is not followed, as in list()
                return sorted(e.name for e in entries if e.is_dir(follow_symlinks=False))
        except (FileNotFoundError, NotADirectoryError):
            return []

    def check(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if not os.access(self.root, os.W_OK):
            raise StoreError("directory store is not writable")
