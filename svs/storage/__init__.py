"""Storage backends, a family behind one interface: :class:`DirStore` (embedded default) and :class:`S3Store`."""

from __future__ import annotations

import os
from urllib.parse import urlparse

from svs.errors import ConfigError
from svs.storage.base import Store
from svs.storage.dir import DirStore

DEFAULT_STORE = "./svs-data"

__all__ = ["DEFAULT_STORE", "DirStore", "Store", "open_store"]


def open_store(url: str | None = None) -> Store:
    """A store from a URL: a directory path, ``file:///abs/dir`` or ``s3://bucket/prefix``."""
    url = url or os.environ.get("SVS_STORE_URL") or DEFAULT_STORE
    parsed = urlparse(url)
    if parsed.scheme == "s3":
        from svs.storage.s3 import S3Store

        if not parsed.netloc:
            raise ConfigError("an s3:// store URL needs a bucket")
        return S3Store(parsed.netloc, parsed.path, endpoint_url=os.environ.get("SVS_S3_ENDPOINT_URL") or None)
    if parsed.scheme == "file":
        return DirStore(parsed.path)
    if parsed.scheme == "":
        return DirStore(url)
    raise ConfigError(f"unsupported store URL scheme {parsed.scheme!r}")
