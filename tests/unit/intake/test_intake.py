"""Intake: every input code, magic-byte sniffing, multi-page files, dpi and EXIF orientation."""

import io
import struct
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image

from svs.errors import IntakeError
from svs.intake import JPEG, PDF, PNG, TIFF, Limits, load_page, probe, sniff
from svs.pipeline import analyse


def _png(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "PNG")
    return buf.getvalue()


def _code(data: bytes, limits: Limits = Limits()) -> str:
    with pytest.raises(IntakeError) as exc:
        info = probe(data, "x", limits)
        load_page(data, info, None, limits).grey_half  # noqa: B018 - decoding is the point
    return exc.value.code


def test_empty_file_is_input_empty() -> None:
    assert _code(b"") == "input.empty"


def test_text_file_is_unsupported_whatever_its_extension() -> None:
    assert _code(b"hello, this is not an image at all") == "input.unsupported"


def test_webp_is_unsupported() -> None:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "WEBP")
    assert _code(buf.getvalue()) == "input.unsupported"


def test_truncated_jpeg_is_unreadable(form_jpeg: bytes) -> None:
    assert _code(form_jpeg[: len(form_jpeg) // 2]) == "input.unreadable"


def test_corrupt_png_is_unreadable() -> None:
    data = bytearray(_png(np.zeros((64, 64, 3), np.uint8)))
    data[40:60] = b"\x00" * 20  # inside the image data chunk
    assert _code(bytes(data)) == "input.unreadable"


def test_png_declaring_a_chunk_longer_than_the_file_is_refused_before_decoding() -> None:
    # found by bench/fuzz_atheris.py: 70 bytes whose IDAT declares 4 GB made OpenCV allocate 4 GB and spin 15 s
    buf = io.BytesIO()
    Image.fromarray(np.full((48, 64, 3), 200, np.uint8)).save(buf, "PNG")
    png = bytearray(buf.getvalue())
    idat = png.index(b"IDAT") - 4
    png[idat : idat + 4] = struct.pack(">I", 0xF8FF233B)
    with pytest.raises(IntakeError) as exc:
        probe(bytes(png), "bomb.png")
    assert exc.value.code == "input.unreadable" and "chunk" in str(exc.value)


def test_png_of_many_chunks_is_read() -> None:
    buf = io.BytesIO()
    rng = np.random.default_rng(3)
    Image.fromarray((rng.random((600, 800, 3)) * 255).astype(np.uint8)).save(buf, "PNG")  # many IDAT chunks
    data = buf.getvalue()
    assert data.count(b"IDAT") > 10
    info = probe(data, "noise.png")
    assert load_page(data, info, None).colour.shape == (600, 800, 3)


def test_jpeg_header_with_garbage_is_unreadable() -> None:
    assert _code(b"\xff\xd8\xff\xe0" + b"\x13" * 500 + b"\xff\xd9") == "input.unreadable"


def test_file_over_the_byte_limit_is_too_large(form_jpeg: bytes) -> None:
    assert _code(form_jpeg, Limits(max_bytes=1000)) == "input.too_large"


def test_decompression_bomb_is_refused_before_decoding() -> None:
    # a valid PNG header that claims 100000 x 100000 pixels, with almost no data behind it
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 0, 0, 0, 0)
    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 10)) + \
        chunk(b"IEND", b"")
    assert _code(bomb) == "input.too_large"


def test_pixel_limit_applies_to_tiff_pages(gen, form_page: np.ndarray) -> None:  # type: ignore[no-untyped-def]
    data = gen.tiff([form_page, form_page])
    with pytest.raises(IntakeError) as exc:
        probe(data, "x.tif", Limits(max_pixels=1_000_000))
    assert exc.value.code == "input.too_large"


def test_content_type_comes_from_magic_bytes(form_jpeg: bytes) -> None:
    assert sniff(form_jpeg) == JPEG
    assert sniff(_png(np.zeros((4, 4), np.uint8))) == PNG
    assert probe(form_jpeg, "misnamed.png").content_type == JPEG


def test_sha256_and_dpi_come_from_the_file(form_jpeg: bytes) -> None:
    import hashlib

    info = probe(form_jpeg, "a.jpg")
    assert info.sha256 == hashlib.sha256(form_jpeg).hexdigest()
    assert info.dpi == 300
    assert info.size == len(form_jpeg)


def test_every_page_of_a_multipage_tiff_is_an_item(gen, form_page: np.ndarray) -> None:  # type: ignore[no-untyped-def]
    data = gen.tiff([form_page, gen.blank(np.random.default_rng(1)), form_page])
    info = probe(data, "x.tif")
    assert (info.content_type, info.pages, info.multipage) == (TIFF, 3, True)
    pages = [load_page(data, info, p) for p in (1, 2, 3)]
    assert [p.page for p in pages] == [1, 2, 3]
    assert pages[1].grey_half.mean() > 250  # the blank page is the blank one


def test_pdf_pages_are_rendered_at_300_dpi() -> None:
    buf = io.BytesIO()
    a4_72dpi = [Image.new("RGB", (595, 842), "white"), Image.new("RGB", (595, 842), "white")]
    a4_72dpi[0].save(buf, "PDF", save_all=True, append_images=a4_72dpi[1:], resolution=72)
    data = buf.getvalue()
    info = probe(data, "x.pdf")
    assert (info.content_type, info.pages) == (PDF, 2)
    page = load_page(data, info, 2)
    assert page.dpi == 300 and page.page == 2
    assert abs(page.width - 2479) <= 2 and abs(page.height - 3508) <= 2


def test_broken_pdf_is_unreadable() -> None:
    assert _code(b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF") == "input.unreadable"


def test_exif_orientation_is_honoured() -> None:
    arr = np.zeros((100, 200, 3), np.uint8)
    arr[:, :100] = 255  # left half white
    img = Image.fromarray(arr)
    exif = img.getexif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif.tobytes())
    data = buf.getvalue()
    page = load_page(data, probe(data, "x.jpg"), None)
    assert (page.width, page.height) == (100, 200)
    assert page.colour.shape[:2] == (200, 100)
    assert page.colour[10, 50].mean() > 200 and page.colour[190, 50].mean() < 50  # white on top after rotation


@pytest.mark.parametrize("data, code", [(b"", "input.empty"), (b"GIF89a....", "input.unsupported")])
def test_bad_input_is_a_rejected_result_not_an_exception(data: bytes, code: str) -> None:
    a = analyse(data, "bad", None, None)
    assert a.reasons == [code]
    assert a.quality is None and a.derived == {}


def test_a_pdf_that_takes_too_long_to_render_is_stopped_and_says_stage_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    from svs.engines import pdfium
    from svs.pipeline import Options, analyse

    buf = io.BytesIO()
    Image.new("RGB", (600, 800), "white").save(buf, "PDF", resolution=72)
    monkeypatch.setattr(pdfium, "TIMEOUT_S", 0.0)  # every call is over its time: the child is killed
    a = analyse(buf.getvalue(), "slow.pdf", None, None, Options())
    assert a.reasons == ["stage.timeout"] and a.quality is None


def test_pdf_pages_are_rendered_in_a_child_process_the_caller_outlives() -> None:
    from svs.engines import pdfium

    buf = io.BytesIO()
    Image.new("RGB", (600, 800), "white").save(buf, "PDF", resolution=72)
    assert pdfium.survey(buf.getvalue(), 300) == (1, round(600 / 72 * 300) * round(800 / 72 * 300))
    with pytest.raises(pdfium.PdfError):
        pdfium.survey(b"%PDF-1.4 not really", 300)
    pixels = pdfium.render(buf.getvalue(), 0, 300, 10**9, 10**5)
    assert isinstance(pixels, np.ndarray)
    assert abs(pixels.shape[0] - 800 / 72 * 300) <= 1 and abs(pixels.shape[1] - 600 / 72 * 300) <= 1
    size = pdfium.render(buf.getvalue(), 0, 300, 1000, 10**5)  # over the pixel limit: measured, not rendered
    assert isinstance(size, tuple) and abs(size[0] - 2500) <= 1 and abs(size[1] - 3333) <= 1


def test_a_complete_jpeg_followed_by_trailing_bytes_is_read(form_jpeg: bytes) -> None:
    # cameras and scanners write a second preview, padding or vendor data after the end-of-image marker
    data = form_jpeg + b"\x00" * 100 + b"VENDOR" + bytes(range(256)) * 16
    info = probe(data, "trailing.jpg")
    assert load_page(data, info, None).grey_half.size > 0


def test_a_cut_jpeg_whose_thumbnail_ends_in_an_end_marker_is_still_truncated(form_page: np.ndarray) -> None:
    # the end marker of an EXIF thumbnail inside an APP1 segment must not pass for the image's own
    thumb = io.BytesIO()
    Image.fromarray(form_page[:64, :64]).save(thumb, "JPEG")
    app1 = b"Exif\x00\x00" + thumb.getvalue()
    buf = io.BytesIO()
    Image.fromarray(form_page).save(buf, "JPEG")
    full = buf.getvalue()
    data = full[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + full[2:]
    assert probe(data, "whole.jpg").content_type == JPEG
    assert _code(data[: len(data) * 2 // 3]) == "input.unreadable"


def test_a_jpeg_under_the_pixel_limit_but_over_pillows_warning_is_accepted() -> None:
    # 10,950 x 10,950 = 119.9 Mpx: under svs's 120 Mpx, over the 89 Mpx at which Pillow warns of a bomb
    ok, buf = cv2.imencode(".jpg", np.full((10_950, 10_950), 255, np.uint8))
    assert ok
    info = probe(buf.tobytes(), "large.jpg")
    assert (info.content_type, info.pages) == (JPEG, 1)
    with pytest.raises(IntakeError) as exc:
        probe(buf.tobytes(), "large.jpg", Limits(max_pixels=100_000_000))
    assert exc.value.code == "input.too_large"


def _pdf(pages: list[tuple[float, float]], content_chunk: bytes = b"", repeats: int = 0) -> bytes:
    """A minimal valid PDF: one page per (width, height) in points, all drawing one content stream of
    *content_chunk* repeated *repeats* times (compressed as it is made: a bomb costs little to build)."""
    import zlib

    packer = zlib.compressobj(9)
    stream = b"".join([*(packer.compress(content_chunk) for _ in range(repeats)), packer.flush()])
    kids = " ".join(f"{4 + i} 0 R" for i in range(len(pages)))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode(),
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream"]
    objects += [f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {w} {h}] /Contents 3 0 R >>".encode()
                for w, h in pages]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def test_a_pdf_whose_pages_together_exceed_the_pixel_budget_is_refused_before_any_render(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from svs.engines import pdfium

    def no_render(*args: object, **kwargs: object) -> None:
        raise AssertionError("a page was rendered")

    monkeypatch.setattr(pdfium, "render", no_render)
    data = _pdf([(2400, 2880)] * 500)  # 60 KB: 500 pages of 120 Mpx each at 300 dpi, each within the page limit
    with pytest.raises(IntakeError) as refused:
        load_page(data, probe(data, "pages.pdf"), 1)
    assert refused.value.code == "input.too_large"
    assert probe(_pdf([(595, 842)] * 3), "ok.pdf").pages == 3  # an ordinary PDF is well within it


def test_a_pdf_that_swells_past_the_memory_cap_is_too_large_and_the_caller_lives_on(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from svs.engines import pdfium

    monkeypatch.setattr(pdfium, "DEFAULT_CHILD_MEMORY_MB", 1024)  # the cap where the caller has none
    data = _pdf([(595, 842)], b"1 0 0 1 0 0 cm\n" * 100_000, 700)  # 2 MB of file, 1 GB of content stream
    with pytest.raises(IntakeError) as refused:
        load_page(data, probe(data, "bomb.pdf"), 1)
    assert refused.value.code == "input.too_large"
    assert len(data) < 3_000_000


def test_a_pdf_items_calls_share_one_time_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """The survey and the page's render of one item together have pdfium.TIMEOUT_S, not each its own: a page
    whose item spent its budget opening the file is not given a fresh one to render."""
    import time

    from svs.engines import pdfium
    from svs.errors import EngineTimeout

    data = _pdf([(595, 842)])
    monkeypatch.setattr(pdfium, "TIMEOUT_S", 5.0)
    info = probe(data, "a.pdf")
    assert load_page(data, info, 1).width > 0  # within the budget: rendered
    spent = type(info)(**{**info.__dict__, "opened_at": time.monotonic() - 5.0})  # as if the survey took it all
    with pytest.raises(EngineTimeout):
        load_page(data, spent, 1)
