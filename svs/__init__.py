"""svs: scanning, validation and storage of identity-document application items."""

import os
from importlib.metadata import PackageNotFoundError, version

# One BLAS thread per process, set before NumPy loads OpenBLAS: svs scales by processes (`--jobs`, workers), and
# its matrices (the MRZ recogniser's, a few thousand rows) gain nothing from more threads, which only spin on the
# cores the other processes need (measured: the same wall time, twice the CPU time, on 2 cores).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

try:
    __version__ = version("svs")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
