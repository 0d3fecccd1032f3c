"""Cells placed by the recogniser (svs.mrz.align): a line whose glyphs the locator's blobs placed badly is read
again with each cell where it reads most surely, each step near one pitch."""

from __future__ import annotations

from datetime import date

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from svs.mrz import reader
from svs.mrz.align import STEP, best_path
from svs.mrz.read import read_mrz

TODAY = date(2026, 12, 4)


def _worth(peaks: list[int], m: int) -> np.ndarray:
    """Log-probability-like worth along a line: sure (0) at *peaks*, unsure (-5) elsewhere."""
    w = np.full(m, -5.0)
    w[peaks] = 0.0
    return w


def test_cells_follow_glyphs_set_at_the_pitch() -> None:
    peaks = [2 + 4 * k for k in range(10)]
    assert best_path(_worth(peaks, 44), 10) == peaks


def test_two_glyphs_set_close_each_keep_their_cell() -> None:
    # the 5th glyph set half a pitch early (a carriage error), the rest at the pitch again after it
    peaks = [2, 6, 10, 14, 16, 22, 26, 30]
    assert best_path(_worth(peaks, 36), 8) == peaks


def test_a_sure_mark_before_the_line_loses_to_the_lines_own_glyphs() -> None:
    # a mark a pitch and a half before the first glyph: taking it would leave the last glyph out
    peaks = [4 + 4 * k for k in range(8)]
    worth = _worth(peaks, 40)
    worth[0] = -0.1
    assert best_path(worth, 8) == peaks


def test_the_path_needs_as_many_positions_as_cells() -> None:
    with pytest.raises(ValueError):
        best_path(np.zeros(3), 4)
    assert STEP == 0.25


def _block(gen, lines: list[str], glyph_px: float, early: dict[tuple[int, int], float]) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The lines in OCR-B at the ICAO pitch, each glyph (line, index) in *early* set that share of a pitch
    early: the errors of a printer's carriage."""
    pitch, gap, margin = glyph_px / 0.94, glyph_px * 1.75, int(glyph_px * 3)
    img = Image.new("RGB", (int(margin * 2 + pitch * len(lines[0])), int(margin * 2 + gap * len(lines))),
                    (238, 236, 242))
    draw, font = ImageDraw.Draw(img), gen.font(gen.OCRB, round(glyph_px / 0.72))
    for row, text in enumerate(lines):
        for i, ch in enumerate(text):
            x = margin + (i - early.get((row, i), 0.0)) * pitch
            draw.text((x, margin + row * gap), ch, font=font, fill=(20, 20, 25))
    return cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)


def test_a_line_whose_tail_was_printed_early_is_read_with_cells_on_its_glyphs(gen, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # a visa's names (no check digit covers them) with every glyph from the 10th on set 0.35 pitch early, and
    # the second line's first glyphs late: the blobs' grid reads the names a slot off
    lines = gen.random_mrz("MRVB", np.random.default_rng(0))
    early = {(0, i): 0.35 for i in range(9, 36)} | {(1, i): -0.3 for i in range(3)}
    img = _block(gen, lines, 22, early)
    r = read_mrz(img, TODAY)
    assert r.lines == lines and r.valid and not r.reasons
    monkeypatch.setattr(reader, "_sure", lambda found: True)  # the first reading, cells where the blobs put them
    assert read_mrz(img, TODAY).lines != lines


def test_a_line_rising_towards_its_end_is_levelled_onto_the_strip_middle() -> None:
    from svs.mrz.align import ROOM, level
    from svs.mrz.ocr import GLYPH_PX, STRIP_GLYPHS

    height = round(GLYPH_PX * (STRIP_GLYPHS + 2 * ROOM))
    tall = np.full((height, 400), 230, np.uint8)
    for x0 in range(10, 390, 16):  # glyph-like bars, the line rising by a quarter glyph along a bent page
        rise = 4.5 * (x0 / 390) ** 2
        top = round(height / 2 - GLYPH_PX / 2 - rise)
        tall[top : top + round(GLYPH_PX), x0 : x0 + 6] = 30
    out = level(tall)
    assert out.shape == (round(GLYPH_PX * STRIP_GLYPHS), 400)
    ink = (255 - out.astype(np.float32)) - 25
    ys = np.arange(out.shape[0])[:, None]
    for x0 in (10, 202, 378):  # the first, a middle and the last glyph sit on the middle
        col = np.clip(ink[:, x0 + 3], 0, None)
        assert abs(float((col * ys[:, 0]).sum() / col.sum()) - out.shape[0] / 2) < 1.0
