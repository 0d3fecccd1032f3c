"""PDFium adapter (pypdfium2): page count and page rendering, each in a child process with its own time limit.

PDFium is C code fed untrusted files; a hostile PDF can make it spin or swell. Each call runs in a process of
its own (from a fork server, so the caller's threads are never forked), under an address-space cap
(:func:`child_memory_mb`: the caller's cap, else :data:`DEFAULT_CHILD_MEMORY_MB`), and is killed past
``TIMEOUT_S``, raising :class:`~svs.errors.EngineTimeout`; the worker goes on with the next item. A child that
runs out of memory under its cap (PDFium then aborts) is :class:`PdfTooLarge`.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Callable
from typing import Any

import numpy as np

from svs import memory
from svs.engines import package_version
from svs.errors import EngineTimeout

NAME = "pdfium"
#: Seconds one PDF call may take (an A4 page renders in about 0.1 s); shorter than the actor's time limit.
TIMEOUT_S = 30.0
# the fork server imports this module (and PDFium) once, so that each call's child starts with it loaded
# instead of importing it again (0.15 s a call otherwise); it has no effect once the fork server runs
multiprocessing.get_context("forkserver").set_forkserver_preload([__name__])


#: Address-space cap of a PDF call's process where its caller has none (MiB). Measured (a 1 MB PDF whose content
#: stream inflates to 1 GiB): 2.2 GB without a cap; an A4 page at 300 dpi renders in 600 MB with a 300 MB stream.
DEFAULT_CHILD_MEMORY_MB = 1536


class PdfError(Exception):
    """PDFium could not open or render the file; ``str()`` is the error class, never file content."""


class PdfTooLarge(PdfError):
    """Opening or rendering the file needs more memory than a PDF call may use."""


def child_memory_mb() -> int:
    """The cap of each PDF call's process: the caller's own cap (a worker's ``SVS_MEMORY_LIMIT_MB``), else
    :data:`DEFAULT_CHILD_MEMORY_MB`. The fork server that starts the children was itself started before any cap."""
    return memory.current_cap_mb() or DEFAULT_CHILD_MEMORY_MB


def version() -> str:
    return package_version("pypdfium2", "pypdfium2", missing="unavailable")


def _survey(data: bytes, dpi: float) -> tuple[int, int]:
    """The page count, and the pixels all pages would take at *dpi* (from their sizes; nothing rendered)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(data)
    try:
        pixels = 0
        for index in range(len(doc)):
            w_pt, h_pt = doc.get_page_size(index)
            pixels += round(w_pt * dpi / 72.0) * round(h_pt * dpi / 72.0)
        return len(doc), pixels
    finally:
        doc.close()


def _render(data: bytes, index: int, dpi: float, max_pixels: int, max_side: int) -> np.ndarray | tuple[int, int]:
    """The page as RGB(A) pixels; its size in pixels instead where that is over the limits (nothing rendered)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(data)
    try:
        page = doc[index]
        w_pt, h_pt = page.get_size()
        scale = dpi / 72.0
        w, h = round(w_pt * scale), round(h_pt * scale)
        if w <= 0 or h <= 0 or w * h > max_pixels or max(w, h) > max_side:
            return (w, h)
        pixels = page.render(scale=scale, rotation=0).to_numpy().copy()
        page.close()
        return pixels
    finally:
        doc.close()


def _child(conn: Any, memory_mb: int, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        memory.cap(memory_mb)
        conn.send(("ok", fn(*args)))
    except Exception as exc:  # noqa: BLE001 - reported to the parent by class name
        conn.send(("error", type(exc).__name__))
    finally:
        conn.close()


def _call(fn: Callable[..., Any], *args: Any, timeout_s: float | None = None) -> Any:
    timeout_s = TIMEOUT_S if timeout_s is None else timeout_s
    ctx = multiprocessing.get_context("forkserver")
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(sender, child_memory_mb(), fn, args), daemon=True)
    proc.start()
    sender.close()
    try:
        if not receiver.poll(timeout_s):
            proc.kill()
            raise EngineTimeout(f"PDF rendering ran past {timeout_s:g} s")
        try:
            status, value = receiver.recv()
        except EOFError:  # the child died (a crash in PDFium): the file is bad, the worker is not
            proc.join(5)
            if proc.exitcode == -signal.SIGABRT:  # PDFium aborts when an allocation fails under the cap
                raise PdfTooLarge("out of memory") from None
            raise PdfError("crashed") from None
    finally:
        receiver.close()
        proc.join(5)
        if proc.is_alive():
            proc.kill()
    if status == "error":
        raise PdfTooLarge(value) if value == "MemoryError" else PdfError(value)
    return value


def survey(data: bytes, dpi: float, timeout_s: float | None = None) -> tuple[int, int]:
    """The page count and the pixels of all pages at *dpi*."""
    pages, pixels = _call(_survey, data, dpi, timeout_s=timeout_s)
    return int(pages), int(pixels)


def render(data: bytes, index: int, dpi: float, max_pixels: int, max_side: int,
           timeout_s: float | None = None) -> np.ndarray | tuple[int, int]:
    result: np.ndarray | tuple[int, int] = _call(_render, data, index, dpi, max_pixels, max_side, timeout_s=timeout_s)
    return result
