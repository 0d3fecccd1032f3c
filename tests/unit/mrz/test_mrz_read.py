"""svs's MRZ reader: finding and reading generated MRZs of every format in any orientation, the decoder's
check-digit rules, and the real specimen images when ../shared/data is present."""

from __future__ import annotations

import json
from datetime import date

import cv2
import numpy as np
import pytest

from svs.mrz.decode import decode
from svs.mrz.locate import _smallest_connected
from svs.mrz.ocr import ALPHABET, _conv3x3_relu, _conv3x3_relu_pool_planar
from svs.mrz.read import read_mrz, read_mrz_with_crop
from svs.mrz.reader import best_reading

TODAY = date(2026, 11, 22)
FORMATS = ("TD1", "TD2", "TD3", "MRVA", "MRVB")


def _doc(gen, fmt: str, seed: int, glyph: float = 24.0, strength: float = 0.5):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(10_000 + seed)  # training uses other seeds
    lines = gen.random_mrz(fmt, rng)
    return lines, gen.degrade(gen.mrz_block(lines, glyph, rng), rng, strength)


@pytest.mark.parametrize("fmt", FORMATS)
def test_generated_mrz_of_every_format_is_read_exactly(gen, fmt: str) -> None:  # type: ignore[no-untyped-def]
    exact = 0
    for seed in range(6):
        lines, img = _doc(gen, fmt, seed)
        r = read_mrz(img, TODAY)
        assert not (r.valid and r.lines != lines), "reported valid but wrong"
        exact += r.lines == lines
    assert exact >= 5
    assert r.format == fmt or not r.found


@pytest.mark.parametrize("turn", [cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_180, cv2.ROTATE_90_COUNTERCLOCKWISE])
def test_any_right_angle_orientation(gen, turn: int) -> None:  # type: ignore[no-untyped-def]
    lines, img = _doc(gen, "TD3", 1, strength=0.2)
    assert read_mrz(cv2.rotate(img, turn), TODAY).lines == lines


def test_skewed_by_eight_degrees(gen) -> None:  # type: ignore[no-untyped-def]
    lines, img = _doc(gen, "TD1", 2, strength=0.2)
    assert read_mrz(gen.rotate(img, 8.0), TODAY).lines == lines


def test_passport_lying_on_an_a4_page(gen) -> None:  # type: ignore[no-untyped-def]
    page = gen.on_a4(gen.data_page(gen.SAMPLE_MRZ), (1800, 500))
    result, crop = read_mrz_with_crop(page, TODAY)
    assert result.lines == gen.SAMPLE_MRZ and result.valid and result.format == "TD3"
    assert crop is not None and crop.shape[1] > crop.shape[0]
    assert min(result.field_confidence[f] for f in ("document_number", "birth_date", "expiry_date")) > 0.9
    assert ("names_low_confidence" in result.warnings) == (result.field_confidence["names"] < 0.6)


def test_two_passports_on_one_page_are_both_read(gen) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(20_261_123)
    first, second = gen.random_mrz("TD3", rng), gen.random_mrz("TD3", rng)
    page = gen.on_a4(gen.data_page(first), (200, 300))
    item = gen.data_page(second)
    page[2000 : 2000 + item.shape[0], 700 : 700 + item.shape[1]] = item
    r = read_mrz(page, TODAY)
    assert r.valid and {tuple(r.lines), *map(tuple, r.others)} >= {tuple(first), tuple(second)}


def test_tesseract_reader_reads_the_lines_svs_finds(gen) -> None:  # type: ignore[no-untyped-def]
    from svs.mrz import tesseract_reader
    from svs.mrz.read import READERS

    lines, img = _doc(gen, "TD3", 0, strength=0.1)
    reading = tesseract_reader.read(img)
    assert READERS["tesseract"] is tesseract_reader.read
    assert reading is not None and reading.crop is not None and len(reading.lines) == 2
    assert reading.lines[1][:28] == lines[1][:28]  # number, codes and dates: Tesseract reads clean digits


def test_page_without_mrz_is_not_found(form_page: np.ndarray) -> None:
    r = read_mrz(form_page, TODAY)
    assert not r.found and r.reasons == ["mrz.not_found"] and r.lines == []


def _probs(text: str, unsure: dict[int, tuple[str, float]] | None = None) -> np.ndarray:
    p = np.full((len(text), len(ALPHABET)), 1e-4)
    for i, ch in enumerate(text):
        p[i, ALPHABET.index(ch)] = 0.99
    for i, (alt, share) in (unsure or {}).items():
        p[i, ALPHABET.index(alt)] = 0.99 * share
    return p / p.sum(axis=1, keepdims=True)


TD3 = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]


def test_an_image_of_more_blobs_than_16_bit_labels_hold_is_searched_all_the_same() -> None:
    # dark specks on paper, one in ten pixels: some 100,000 blobs where OpenCV's 16-bit labels stop at 65,535
    noise = np.where(np.random.default_rng(3).random((1150, 1150)) < 0.1, 0, 255).astype(np.uint8)
    assert read_mrz(noise, TODAY).reasons == ["mrz.not_found"]


def test_blobs_linked_in_any_order_are_labelled_with_the_smallest_of_their_group() -> None:
    # a chain linked from its far end (9-8, 8-7, ... 1-0), a pair, a cycle, a lone node (5)
    a = np.array([9, 8, 7, 6, 4, 3, 2, 1, 11, 12, 13, 14, 15])
    b = np.array([8, 7, 6, 4, 3, 2, 1, 0, 10, 13, 14, 15, 12])
    expected = [0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 10, 10, 12, 12, 12, 12]
    assert _smallest_connected(16, a, b).tolist() == expected


@pytest.mark.parametrize("channels", [1, 8])
def test_planar_convolution_pooled_equals_the_matrix_form_pooled(channels: int) -> None:
    rng = np.random.default_rng(channels)
    x = rng.random((7, 24, 16, channels)).astype(np.float32)  # channels last, as the matrix form takes them
    w = rng.normal(size=(9 * channels, 8)).astype(np.float32)
    b = rng.normal(size=8).astype(np.float32)
    xp = np.zeros((7, 26, 18, channels), np.float32)
    xp[:, 1:-1, 1:-1] = x
    cols = np.concatenate([xp[:, i : i + 24, j : j + 16] for i in range(3) for j in range(3)], axis=3)
    conv = np.maximum(cols.reshape(-1, 9 * channels) @ w + b, 0).reshape(7, 24, 16, 8)
    expected = conv.reshape(7, 12, 2, 8, 2, 8).max(axis=(2, 4))  # 2 x 2 max pooling
    got = _conv3x3_relu_pool_planar(x.transpose(3, 0, 1, 2), w, b)  # channels first
    assert got.shape == (8, 7, 12, 8)
    assert np.allclose(got.transpose(1, 2, 3, 0), expected, atol=1e-5)
    assert np.allclose(_conv3x3_relu(x, w, b), conv, atol=1e-5)  # the channels-last path agrees


def test_decoder_reads_a_clean_mrz_as_printed() -> None:
    d = decode([_probs(TD3[0]), _probs(TD3[1])], "TD3")
    assert d.lines == TD3 and d.corrected == []


def test_check_digit_chooses_between_plausible_readings() -> None:
    # the recogniser preferred '6' for the 8 of the birth date, but found '8' plausible too
    misread = TD3[1][:16] + "6" + TD3[1][17:]
    d = decode([_probs(TD3[0]), _probs(misread, {16: ("8", 0.6)})], "TD3")
    assert d.lines == TD3 and "birth_date" in d.corrected


def test_position_kinds_fix_letters_in_digit_fields() -> None:
    misread = TD3[1][:13] + "7A08122" + TD3[1][20:]  # 'A' where a date digit must be
    d = decode([_probs(TD3[0]), _probs(misread, {14: ("4", 0.3)})], "TD3")
    assert d.lines == TD3


def test_decoder_never_invents_a_reading_to_satisfy_a_check_digit() -> None:
    wrong = TD3[1][:14] + "5" + TD3[1][15:]  # a confident wrong digit, no plausible alternative
    d = decode([_probs(TD3[0]), _probs(wrong)], "TD3")
    assert d.lines[1] == wrong and "birth_date" not in d.corrected


def test_a_glyph_cut_off_by_the_edge_is_never_repaired_to_satisfy_its_check_digit() -> None:
    # the 8 of the birth date read as a 6 with an 8 plausible: repaired when whole, left as read when cut off
    misread = TD3[1][:16] + "6" + TD3[1][17:]
    probs = [_probs(TD3[0]), _probs(misread, {16: ("8", 0.6)})]
    cut = [np.zeros(44, bool), np.zeros(44, bool)]
    cut[1][16] = True
    d = decode(probs, "TD3", cut)
    assert d.lines[1] == misread and d.corrected == [] and d.cut_off == 1
    assert d.confidence[1][16] < 0.5  # reported unsure


def test_a_cut_off_filler_is_still_trusted() -> None:
    cut = [np.zeros(44, bool), np.zeros(44, bool)]
    cut[0][43] = True  # the last filler of the names line
    d = decode([_probs(TD3[0]), _probs(TD3[1])], "TD3", cut)
    assert d.lines == TD3 and d.cut_off == 0


def test_mrz_cut_by_the_image_edge_is_reported_and_never_read_valid_but_wrong(gen) -> None:  # type: ignore[no-untyped-def]
    for seed in range(4):
        lines, img = _doc(gen, "TD3", seed, glyph=24.0)
        first_centre = int(24 * 3 + 0.5 * 24 / 0.94)  # mrz_block's margin plus half a pitch
        cut = img[:, first_centre:]  # through the middle of the first column of glyphs
        r = read_mrz(cut, TODAY)
        assert r.found and "glyphs_cut_off" in r.warnings and "mrz.cut_off" in r.reasons  # rescan
        assert not (r.valid and r.lines != lines)
        assert not r.valid and r.checks["document_number"] is False  # the cut glyphs are in the number


def test_unsure_fields_without_a_check_digit_are_flagged(monkeypatch: pytest.MonkeyPatch) -> None:
    from svs.mrz import read as read_module
    from svs.mrz.reader import Reading

    confidence = [[0.99] * 44, [0.99] * 44]
    confidence[0][1] = 0.2  # the document code's filler
    confidence[1][20] = 0.3  # sex
    monkeypatch.setitem(read_module.READERS, "fixed", lambda image: Reading(TD3, confidence))
    r = read_mrz(np.zeros((10, 10), np.uint8), TODAY, "fixed")
    assert r.valid
    assert {"low_confidence:document_code", "low_confidence:sex"} <= set(r.warnings)
    assert "low_confidence:issuing_state" not in r.warnings and "names_low_confidence" not in r.warnings


def test_lines_tilted_seven_degrees_are_found_whole(gen) -> None:  # type: ignore[no-untyped-def]
    from svs.mrz.locate import find_candidates

    # glyph centroids wander with the glyph's shape: at this tilt the step between some neighbours leans more
    # than 15 degrees off the line (this seed split a names line in two before the tolerance was widened)
    rng = np.random.default_rng(29)
    lines = gen.random_mrz("MRVA", rng)
    img = gen.rotate(gen.degrade(gen.mrz_block(lines, 38.0, rng), rng, 0.5), 7.5, expand=True)
    best = find_candidates(img)[0]
    assert len(best.lines) == 2 and all(len(line.xs) >= 40 for line in best.lines)


def test_a_plausible_reading_the_check_digit_cannot_tell_apart_leaves_the_field_unconfirmed() -> None:
    # C and 2 (values 12 and 2) weigh the same in every check digit: passing confirms nothing between them
    twin = decode([_probs(TD3[0]), _probs(TD3[1], {7: ("2", 0.5)})], "TD3")
    assert twin.lines == TD3 and twin.unconfirmed == ["document_number"]
    # C and G (12 and 16) do not: the passing check digit settles it
    other = decode([_probs(TD3[0]), _probs(TD3[1], {7: ("G", 0.5)})], "TD3")
    assert other.lines == TD3 and other.unconfirmed == []
    assert decode([_probs(TD3[0]), _probs(TD3[1])], "TD3").unconfirmed == []


def test_names_are_never_corrected() -> None:
    line1 = "P<UTOERIKSSOM<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
    d = decode([_probs(line1, {12: ("N", 0.9)}), _probs(TD3[1])], "TD3")
    assert d.lines[0] == line1


def test_state_code_printed_in_digits_is_reported_as_printed() -> None:
    # a real card prints digits where the nationality goes: the decoder must not swap in unlikely letters
    line2 = TD3[1][:10] + "132" + TD3[1][13:]
    d = decode([_probs(TD3[0]), _probs(line2)], "TD3")
    assert d.lines[1][10:13] == "132"


def test_state_code_with_a_plausible_letter_still_becomes_a_known_code() -> None:
    line2 = TD3[1][:10] + "UT0" + TD3[1][13:]
    d = decode([_probs(TD3[0]), _probs(line2, {12: ("O", 0.5)})], "TD3")
    assert d.lines[1][10:13] == "UTO"


def test_french_identity_card_is_read_under_its_own_layout(gen) -> None:  # type: ignore[no-untyped-def]
    lines = ["IDFRABERTHIER<<<<<<<<<<<<<<<<<<<<<<<", "9409923102854CORINNE<<<<<<<6512068F4"]
    img = gen.degrade(gen.mrz_block(lines, 24.0, np.random.default_rng(3)), np.random.default_rng(4), 0.3)
    r = read_mrz(img, TODAY)
    assert r.lines == lines and r.valid and r.format == "TD2"
    assert "layout_fra_national_id_1988" in r.warnings and r.fields.given_names == "CORINNE"


def test_mrz_whose_first_glyphs_touch_a_pen_stroke_is_still_read(gen) -> None:  # type: ignore[no-untyped-def]
    # a pen stroke down the left edge joins the first glyph of both lines into one tall blob the locator skips:
    # the grid must still start at the lines' first cells
    lines, img = _doc(gen, "TD3", 4, glyph=26, strength=0.2)
    ys, xs = np.nonzero(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY) < 110)
    x0, y0, y1 = int(xs.min()), int(ys.min()), int(ys.max())
    cv2.line(img, (x0 - 1, y0 - 3), (x0 - 1, y1 + 3), (30, 30, 30), 3)
    r = read_mrz(img, TODAY)
    assert r.lines == lines and r.valid


def _smudged_first_letter(line: str) -> np.ndarray:
    p = _probs(line)
    p[0] = 1e-4
    p[0, ALPHABET.index("P")] = p[0, ALPHABET.index("V")] = 0.45  # neither letter clear
    return p / p.sum(axis=1, keepdims=True)


def test_passport_with_a_smudged_document_code_and_a_bad_composite_is_not_passed_as_a_valid_visa() -> None:
    # a visa checks three digits, a passport five: with P/V unclear and the composite misread, the visa reading
    # would validate; it must not be chosen
    bad_composite = TD3[1][:43] + "7"
    found = best_reading([_smudged_first_letter(TD3[0]), _probs(bad_composite)])
    assert found is not None
    (valid, *_), dec = found
    assert dec.format == "TD3" and not valid


def test_smudged_document_code_is_decided_by_the_check_digits() -> None:
    found = best_reading([_smudged_first_letter(TD3[0]), _probs(TD3[1])])
    assert found is not None and found[1].lines == TD3


def test_clearly_printed_visa_is_read_as_a_visa() -> None:
    mrva = ["V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L8988901C4XXX4009078F96121096ZE184226B<<<<<<"]
    found = best_reading([_probs(mrva[0]), _probs(mrva[1])])
    assert found is not None and found[1].format == "MRVA" and found[1].lines == mrva


def test_real_specimens(shared_data) -> None:  # type: ignore[no-untyped-def]
    """The reader against published MRZs: a floor on exact reads, recorded in BENCHMARKS.md by bench/bench_mrz.py."""
    truth = json.loads((shared_data / "truth.json").read_text())
    cases = [(k, v["lines"]) for k, v in truth.items()
             if k.startswith("mrz/") and v.get("lines") and v["certainty"] in ("certain", "high")]
    exact = 0
    for key, lines in cases:
        exact += read_mrz(_load(shared_data / key), TODAY).lines == lines
    assert exact / len(cases) >= 0.9, f"{exact}/{len(cases)}"
    negatives = [k for k, v in truth.items() if k.startswith("mrz/") and v.get("lines") is None]
    for key in negatives:
        assert not read_mrz(_load(shared_data / key), TODAY).valid, key


def _load(path):  # type: ignore[no-untyped-def]
    """First page through svs's own intake; PIL for what intake refuses (WebP in a .jpg file)."""
    from svs.errors import IntakeError
    from svs.intake import load_page, probe

    data = path.read_bytes()
    try:
        info = probe(data, path.name)
        return load_page(data, info, 1 if info.multipage or info.pages > 1 or info.content_type == "application/pdf"
                         else None).colour
    except IntakeError:
        from PIL import Image

        return cv2.cvtColor(np.asarray(Image.open(path).convert("RGB")), cv2.COLOR_RGB2BGR)


def test_perspective_of_a_phone_photo(gen) -> None:  # type: ignore[no-untyped-def]
    lines, img = _doc(gen, "TD3", 3, glyph=30, strength=0.2)
    assert read_mrz(gen.perspective(img, 0.15), TODAY).lines == lines
