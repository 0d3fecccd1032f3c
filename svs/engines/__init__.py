"""One thin adapter per external engine, so that each can be swapped or faked at one seam.

Each adapter exposes a ``NAME``, a ``version()`` for provenance, and plain functions over numpy images.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _distribution_version


def package_version(distribution: str, label: str | None = None, missing: str = "unknown") -> str:
    """An engine's version for provenance, from its installed distribution: ``"<label> <version>"`` (the bare
    version without a label), or *missing* where the distribution is not installed."""
    try:
        found = _distribution_version(distribution)
    except PackageNotFoundError:
        return missing
    return f"{label} {found}" if label else found
