"""PDFium adapter (pypdfium2): page count and page rendering, each in a child process with its own time limit.

PDFium is C code fed untrusted files; a hostile PDF can make it spin. Each call runs in a process of its own
(from a fork server, so the caller's threads are never forked) and is killed past ``TIMEOUT_S``, raising
:class:`~svs.errors.EngineTimeout`; the worker goes on with the next item.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from typing import Any

import numpy as np

from svs.engines import package_version
from svs.errors import EngineTimeout

NAME = "pdfium"
#: Seconds one PDF call may take (an A4 page renders in about 0.1 s); shorter than the actor's time limit.
TIMEOUT_S = 30.0
# the fork server imports this module (and PDFium) once, so that each call's child starts with it loaded
# instead of importing it again (0.15 s a call otherwise); it has no effect once the fork server runs
multiprocessing.get_context("forkserver").set_forkserver_preload([__name__])


class PdfError(Exception):
    """PDFium could not open or render the file; ``str()`` is the error class, never file content."""


def version() -> str:
    return package_version("pypdfium2", "pypdfium2", missing="unavailable")


def _page_count(data: bytes) -> int:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(data)
    try:
        return len(doc)
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


def _child(conn: Any, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        conn.send(("ok", fn(*args)))
    except Exception as exc:  # noqa: BLE001 - reported to the parent by class name
        conn.send(("error", type(exc).__name__))
    finally:
        conn.close()


def _call(fn: Callable[..., Any], *args: Any, timeout_s: float | None = None) -> Any:
    timeout_s = TIMEOUT_S if timeout_s is None else timeout_s
    ctx = multiprocessing.get_context("forkserver")
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(sender, fn, args), daemon=True)
    proc.start()
    sender.close()
    try:
        if not receiver.poll(timeout_s):
            proc.kill()
            raise EngineTimeout(f"PDF rendering ran past {timeout_s:g} s")
        try:
            status, value = receiver.recv()
        except EOFError:  # the child died (a crash in PDFium): the file is bad, the worker is not
            raise PdfError("crashed") from None
    finally:
        receiver.close()
        proc.join(5)
        if proc.is_alive():
            proc.kill()
    if status == "error":
        raise PdfError(value)
    return value


def page_count(data: bytes, timeout_s: float | None = None) -> int:
    return int(_call(_page_count, data, timeout_s=timeout_s))


def render(data: bytes, index: int, dpi: float, max_pixels: int, max_side: int,
           timeout_s: float | None = None) -> np.ndarray | tuple[int, int]:
    result: np.ndarray | tuple[int, int] = _call(_render, data, index, dpi, max_pixels, max_side, timeout_s=timeout_s)
    return result
