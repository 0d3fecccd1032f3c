"""svs: scanning, validation and storage of identity-document application items."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("svs")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
