"""Intake: bytes in, item images out, safely.

A file is sniffed by its magic bytes, fingerprinted with SHA-256 and checked against byte and pixel limits
*before* any full decode (decompression bombs). Each page of a multi-page TIFF or PDF becomes its own item.
Decoding is lazy: a page that only needs page-quality checks is decoded once, reduced and greyscale, through
libjpeg's DCT scaling (``cv2.IMREAD_REDUCED_GRAYSCALE_2``); full colour is decoded only when a stage asks.
"""

from __future__ import annotations

import hashlib
import io
import re
import time
import warnings
from dataclasses import dataclass, field
from functools import cached_property

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from svs.engines import pdfium
from svs.errors import EngineTimeout, IntakeError
from svs.memory import OUT_OF_MEMORY_REASON, is_out_of_memory

JPEG = "image/jpeg"
PNG = "image/png"
TIFF = "image/tiff"
PDF = "application/pdf"
EXTENSIONS = {JPEG: "jpg", PNG: "png", TIFF: "tif", PDF: "pdf"}

PDF_RENDER_DPI = 300


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 200 * 1024 * 1024
    max_pixels: int = 120_000_000  # A4 at 600 dpi is 35 Mpx, A3 at 600 dpi 70 Mpx
    max_pages: int = 500
    max_side: int = 30_000
    #: Pixels of all pages of one file together (a PDF's, counted before anything is rendered): 500 A4 pages at
    #: 300 dpi. What a file may make svs render in all, however its pages are split among workers.
    max_file_pixels: int = 4_400_000_000
    #: Seconds of rendering all pages of one file together may take, by every worker that renders one
    #: (:mod:`svs.pipeline.file_clock`): 20 times one call's limit (``pdfium.TIMEOUT_S``), several times what 500
    #: ordinary A4 pages take, so that a file of pages each just under the per-call limit cannot buy hours.
    max_file_render_s: float = 600.0


DEFAULT_LIMITS = Limits()


def sniff(data: bytes) -> str | None:
    """Content type from the magic bytes; None when not one svs accepts."""
    if data[:3] == b"\xff\xd8\xff":
        return JPEG
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return PNG
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return TIFF
    if b"%PDF-" in data[:1024]:
        return PDF
    return None


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class FileInfo:
    """What intake learns about a file without decoding its pixels."""

    name: str
    sha256: str
    size: int
    content_type: str
    pages: int
    multipage: bool
    dpi: float | None
    #: When intake began to open the file (``time.monotonic()``): a PDF's calls for one item share one time
    #: budget (``pdfium.TIMEOUT_S``) from here, the survey and the page's render together.
    opened_at: float = 0.0


@dataclass
class Page:
    """One item image: its file's provenance plus lazily decoded pixels."""

    info: FileInfo
    page: int | None  # 1-based for multi-page files, None for single images
    width: int
    height: int
    dpi: float | None
    _data: bytes = field(repr=False)
    _colour: np.ndarray | None = field(default=None, repr=False)

    @cached_property
    def colour(self) -> np.ndarray:
        """Full-resolution BGR pixels, orientation applied."""
        if self._colour is not None:
            return self._colour
        return _decode_single(self._data, cv2.IMREAD_COLOR)

    @cached_property
    def grey(self) -> np.ndarray:
        """Full-resolution greyscale (what form fields are read from)."""
        if self._colour is None and self.info.content_type == JPEG:
            return _decode_single(self._data, cv2.IMREAD_GRAYSCALE)
        return cv2.cvtColor(self.colour, cv2.COLOR_BGR2GRAY)

    @cached_property
    def grey_half(self) -> np.ndarray:
        """Greyscale at half resolution: what page-quality checks and derived images work on."""
        if self._colour is None and self.info.content_type == JPEG:
            return _decode_single(self._data, cv2.IMREAD_REDUCED_GRAYSCALE_2)
        grey = cv2.cvtColor(self.colour, cv2.COLOR_BGR2GRAY)
        return cv2.resize(grey, (max(1, grey.shape[1] // 2), max(1, grey.shape[0] // 2)),
                          interpolation=cv2.INTER_AREA)


def _refusal(exc: Exception, detail: str) -> IntakeError:
    """What a decoder's failure means: too large where it ran out of memory (svs.memory), unreadable otherwise."""
    if is_out_of_memory(exc):
        return IntakeError(OUT_OF_MEMORY_REASON, "decoding needs more memory than this process may use")
    return IntakeError("input.unreadable", detail)


def _decode_single(data: bytes, flags: int) -> np.ndarray:
    buf = np.frombuffer(data, dtype=np.uint8)
    try:
        img = cv2.imdecode(buf, flags)
    except cv2.error as exc:
        raise _refusal(exc, "the image data could not be decoded") from exc
    if img is None or img.size == 0:
        raise IntakeError("input.unreadable", "the image data could not be decoded")
    return img


def _dpi_of(img: Image.Image) -> float | None:
    dpi = img.info.get("dpi")
    if isinstance(dpi, tuple) and dpi and dpi[0]:
        try:
            value = float(dpi[0])
        except (TypeError, ValueError):
            return None
        # JFIF writes 1 (aspect ratio only) or 72 (a default) when the scanner said nothing useful. PNG stores
        # pixels per metre: 200 dpi comes back as 199.9996, so the value is rounded to a tenth of a dpi
        return round(value, 1) if value >= 50 else None
    return None


def _check_pixels(width: int, height: int, limits: Limits) -> None:
    if width <= 0 or height <= 0:
        raise IntakeError("input.unreadable", "the image has no pixels")
    if width * height > limits.max_pixels or max(width, height) > limits.max_side:
        raise IntakeError("input.too_large", f"{width}x{height} pixels exceeds the pixel limit")


#: A marker in a JPEG's entropy-coded data: 0xFF followed by a byte that is neither stuffing (0x00), a restart
#: marker (0xD0-0xD7) nor fill (0xFF).
_JPEG_MARKER = re.compile(rb"\xff+([^\x00\xd0-\xd7\xff])")
_JPEG_SOS, _JPEG_EOI = 0xDA, 0xD9


def _jpeg_complete(data: bytes) -> bool:
    """Whether the JPEG's last scan ends with its end-of-image marker, wherever that is: cameras and scanners
    often write bytes after it (a second preview, padding, vendor data), which decoders ignore. Walks the
    marker segments and the scans between them; an embedded thumbnail's end marker lies inside a segment and
    is skipped with it, so a cut-off file is never taken as complete."""
    pos = 2
    n = len(data)
    while pos + 2 <= n:
        if data[pos] != 0xFF:
            return False
        marker = data[pos + 1]
        if marker == 0xFF:  # fill before a marker
            pos += 1
            continue
        if marker == _JPEG_EOI:
            return True
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            pos += 2
            continue
        end = pos + 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
        if pos + 4 > n or end > n:
            return False
        pos = end
        if marker == _JPEG_SOS:  # entropy-coded data up to the next marker
            found = _JPEG_MARKER.search(data, pos)
            if found is None:
                return False
            pos = found.start(1) - 1
    return False


def _looks_truncated(data: bytes, content_type: str) -> bool:
    if content_type == JPEG:
        return not _jpeg_complete(data)
    return False  # a PNG's chunks are walked to IEND by _png_chunks_fit


#: PNG's own limit on a chunk's length (PNG specification, 5.3).
PNG_MAX_CHUNK = 2**31 - 1


def _png_chunks_fit(data: bytes) -> bool:
    """Whether every chunk of a PNG lies within the file, up to IEND. OpenCV's PNG reader allocates what a
    chunk's length field declares before reading it: a 70-byte file declaring a 4 GB chunk took 4 GB of memory
    and 15 seconds (found by bench/fuzz_atheris.py)."""
    pos = 8
    while pos + 12 <= len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        if length > PNG_MAX_CHUNK or pos + 12 + length > len(data):
            return False
        if data[pos + 4 : pos + 8] == b"IEND":
            return True
        pos += 12 + length
    return False


def probe(data: bytes, name: str, limits: Limits = DEFAULT_LIMITS) -> FileInfo:
    """Identify, fingerprint and bound a file; raises :class:`IntakeError` with an ``input.*`` code."""
    if len(data) == 0:
        raise IntakeError("input.empty", "zero bytes")
    if len(data) > limits.max_bytes:
        raise IntakeError("input.too_large", f"{len(data)} bytes exceeds the byte limit")
    content_type = sniff(data)
    if content_type is None:
        raise IntakeError("input.unsupported", "not a JPEG, PNG, TIFF or PDF file")
    digest = sha256_hex(data)
    if content_type == PDF:
        opened_at = time.monotonic()
        pages, pixels = _pdf_survey(data)
        if pages > limits.max_pages:
            raise IntakeError("input.too_large", f"{pages} pages exceeds the page limit")
        if pixels > limits.max_file_pixels:
            raise IntakeError("input.too_large", f"{pixels} pixels over all pages exceeds the file's pixel budget")
        return FileInfo(name, digest, len(data), content_type, pages, True, float(PDF_RENDER_DPI), opened_at)
    if _looks_truncated(data, content_type):
        raise IntakeError("input.unreadable", "the file is truncated")
    if content_type == PNG and not _png_chunks_fit(data):
        raise IntakeError("input.unreadable", "a PNG chunk runs past the end of the file")
    try:
        with _open_image(data) as img:
            pages = getattr(img, "n_frames", 1) if content_type == TIFF else 1
            if pages > limits.max_pages:
                raise IntakeError("input.too_large", f"{pages} pages exceeds the page limit")
            _check_pixels(*img.size, limits)
            dpi = _dpi_of(img)
    except IntakeError:
        raise
    except Exception as exc:  # a decoder on hostile bytes may raise anything (TypeError, KeyError): it is bad input
        raise _refusal(exc, type(exc).__name__) from exc
    return FileInfo(name, digest, len(data), content_type, pages, content_type == TIFF and pages > 1, dpi)


def _open_image(data: bytes) -> Image.Image:
    """Pillow's own guard warns from 89 Mpx and refuses from twice that; svs's limit (:class:`Limits`, checked by
    :func:`_check_pixels` before any pixel is decoded) is the one that decides, so the warning is not an error."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise IntakeError("input.too_large", "decompression bomb") from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise IntakeError("input.unreadable", type(exc).__name__) from exc


def load_page(data: bytes, info: FileInfo, page: int | None, limits: Limits = DEFAULT_LIMITS,
              render_left_s: float | None = None) -> Page:
    """The item image for *page* (1-based) of a probed file, or None for single-image files. *render_left_s*:
    what is left of the file's render time (a PDF's pages together), where it is less than the call's own."""
    number = page or 1
    if not 1 <= number <= info.pages:
        raise IntakeError("input.unreadable", f"page {number} of {info.pages} does not exist")
    label = number if info.pages > 1 or (info.content_type in (PDF, TIFF) and info.multipage) else None
    try:
        if info.content_type == PDF:
            label = number
            colour = _render_pdf_page(data, number - 1, limits, info.opened_at, render_left_s)
            h, w = colour.shape[:2]
            return Page(info, label, w, h, float(PDF_RENDER_DPI), data, colour)
        if info.content_type == TIFF:
            colour, dpi = _tiff_page(data, number - 1, limits)
            h, w = colour.shape[:2]
            return Page(info, label, w, h, dpi, data, colour)
        with _open_image(data) as img:
            w, h = img.size
            orientation = img.getexif().get(0x0112, 1) if info.content_type == JPEG else 1
        if orientation in (5, 6, 7, 8):
            w, h = h, w
        return Page(info, None, w, h, info.dpi, data)
    except (IntakeError, EngineTimeout):
        raise
    except Exception as exc:  # as in probe: whatever a decoder raises on hostile bytes is bad input
        raise _refusal(exc, type(exc).__name__) from exc


def _tiff_page(data: bytes, index: int, limits: Limits) -> tuple[np.ndarray, float | None]:
    with _open_image(data) as img:
        img.seek(index)
        _check_pixels(*img.size, limits)
        dpi = _dpi_of(img)
        frame = ImageOps.exif_transpose(img)
        rgb = np.asarray(frame.convert("RGB"))
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), dpi


def _pdf_survey(data: bytes) -> tuple[int, int]:
    try:
        count, pixels = pdfium.survey(data, PDF_RENDER_DPI)
    except pdfium.PdfTooLarge as exc:
        raise IntakeError("input.too_large", "the PDF needs more memory to open than a PDF call may use") from exc
    except pdfium.PdfError as exc:
        raise IntakeError("input.unreadable", "the PDF cannot be opened") from exc
    if count == 0:
        raise IntakeError("input.empty", "the PDF has no pages")
    return count, pixels


def _render_pdf_page(data: bytes, index: int, limits: Limits, opened_at: float,
                     file_left_s: float | None = None) -> np.ndarray:
    """The page rendered in what is left of the item's PDF time budget (the survey spent the rest), or of the
    file's (*file_left_s*) where that is less."""
    left = pdfium.TIMEOUT_S - (time.monotonic() - opened_at) if opened_at else None
    if file_left_s is not None:
        left = file_left_s if left is None else min(left, file_left_s)
    try:
        rgb = pdfium.render(data, index, PDF_RENDER_DPI, limits.max_pixels, limits.max_side,
                            timeout_s=None if left is None else max(left, 0.0))
    except pdfium.PdfTooLarge as exc:
        raise IntakeError("input.too_large", "the PDF page needs more memory than a PDF call may use") from exc
    except pdfium.PdfError as exc:
        raise IntakeError("input.unreadable", "a PDF page cannot be rendered") from exc
    if isinstance(rgb, tuple):
        _check_pixels(*rgb, limits)
        raise IntakeError("input.unreadable", "a PDF page cannot be rendered")
    if rgb.ndim == 2:
        return cv2.cvtColor(rgb, cv2.COLOR_GRAY2BGR)
    if rgb.shape[2] == 4:
        return cv2.cvtColor(rgb, cv2.COLOR_BGRA2BGR)
    return rgb


def content_type_or_unknown(data: bytes) -> str:
    return sniff(data) or "application/octet-stream"
