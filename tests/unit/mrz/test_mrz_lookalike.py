"""A name's O whose left side is as straight as a D's is doubted (svs.mrz.lookalike), and the doubt raised in one
look of the image stands when a more altered look reads the same character surely."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from svs.mrz.decode import Decoded
from svs.mrz.lookalike import (
    DOUBTED,
    STRAIGHT_STEM,
    doubt_straight_os,
    doubt_twins,
    keep_doubts,
    left_bulge,
    unchecked_positions,
)
from svs.mrz.ocr import CELL_H, CELL_W, GLYPH_PX, features

OCRB = "/usr/share/fonts/opentype/ocr-b/OCRB.otf"
NAMES = "ERIKSSON<<ANNA<MARIA<<<<<<<<"  # a TD1's third line, 30 long once padded
TD1 = ["I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", NAMES.ljust(30, "<")]


def _cell(char: str, scale: float = 1.0) -> np.ndarray:
    """One OCR-B character as the recogniser's features see it: capitals GLYPH_PX tall in a CELL_W x CELL_H cell."""
    big = 8
    font = ImageFont.truetype(OCRB, round(GLYPH_PX * big * scale / 0.72))
    img = Image.new("L", (CELL_W * big, CELL_H * big), 255)
    draw = ImageDraw.Draw(img)
    left, top, right, bottom = draw.textbbox((0, 0), char, font=font)
    draw.text(((CELL_W * big - (right - left)) / 2 - left, (CELL_H * big - (bottom - top)) / 2 - top), char,
              font=font, fill=0)
    small = img.resize((CELL_W, CELL_H), Image.Resampling.BOX)
    return features(np.asarray(small, np.float32)[None])[0]


@pytest.mark.parametrize("scale", [0.8, 1.0, 1.1])
def test_a_d_has_a_straight_left_side_and_an_o_a_round_one(scale: float) -> None:
    assert left_bulge(_cell("O", scale)) >= STRAIGHT_STEM > left_bulge(_cell("D", scale))


def _decoded(third: str) -> Decoded:
    lines = [TD1[0], TD1[1], third.ljust(30, "<")]
    return Decoded("TD1", lines, [[0.95] * 30 for _ in lines])


def test_a_names_o_shaped_like_a_d_is_doubted_and_a_round_one_is_not() -> None:
    dec = _decoded("BJORNSSON<<BOOIL")  # BODIL, its D read as an O
    shapes = {2: np.stack([_cell(c) for c in "BJORNSSON<<BODIL".ljust(30, "<")])}
    doubted = doubt_straight_os(dec, shapes.__getitem__)
    assert doubted.doubted == [(2, 13)]  # the D read as O; the round O of BODIL (12) and of BJORNSSON (2) pass
    assert doubted.confidence[2][13] == DOUBTED and doubted.confidence[2][12] == 0.95
    assert dec.confidence[2][13] == 0.95  # the decoding it was given is left as it was


def test_an_o_outside_the_names_is_left_to_its_own_checks() -> None:
    dec = _decoded("ERIKSSON<<ANNA")
    dec.lines[1] = dec.lines[1][:15] + "O" + dec.lines[1][16:]  # an O where a check digit or a state list decides
    shapes = {2: np.stack([_cell(c) for c in dec.lines[2]])}
    assert doubt_straight_os(dec, shapes.__getitem__) is dec


def test_a_doubt_stands_when_a_later_look_reads_the_same_character_surely() -> None:
    lines = _decoded("BJORNSSON<<BOOIL").lines
    sure = [[0.97] * 30 for _ in lines]
    kept = keep_doubts(lines, sure, {(2, 13, "O")})
    assert kept is not None and kept[2][13] == DOUBTED and kept[2][12] == 0.97
    assert keep_doubts(lines, sure, {(2, 13, "D")}) is None  # the later look reads it otherwise: its own say


MRVA = ["V<UTOERIKSSON<<ANNA<MARIA".ljust(44, "<"),
        "L898902C<3UTO7408122F1204159" + "AB0O12".ljust(16, "<")]


def test_only_letter_or_digit_positions_no_check_digit_covers_are_unchecked() -> None:
    # a visa's document code's second character and its optional data; a passport's only the code's
    assert unchecked_positions("MRVA") == ((0, 1), *((1, i) for i in range(28, 44)))
    assert unchecked_positions("TD3") == ((0, 1),)


@pytest.mark.parametrize(("pos", "conf", "doubted"), [(30, 0.8, True), (31, 0.8, True), (30, 0.95, False),
                                                      (29, 0.8, False)])
def test_an_o_or_0_no_check_digit_covers_stands_only_when_read_surely(pos: int, conf: float,
                                                                      doubted: bool) -> None:
    # AB0O12: the 0 at 30 and the O at 31 have a twin OCR-B tells apart by width alone; the B at 29 has none
    confidence = [[0.99] * 44, [0.99] * 44]
    confidence[1][pos] = conf
    out = doubt_twins(Decoded("MRVA", MRVA, confidence))
    assert ((1, pos) in out.doubted) is doubted
    assert out.confidence[1][pos] == (DOUBTED if doubted else conf)
