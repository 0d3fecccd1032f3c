"""Hand-printed boxed fields: boxes cut and cleaned, the recogniser's readings decoded under the field's
constraints, crossed-out characters, faint marks, tick boxes, and whole hand-filled pages written by the
evaluation generator (bench/handprint_eval.py), which the recogniser never trained on."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from svs.forms.boxes import MARGIN_MM, PX_PER_MM, blank, clean, paper_and_blank, paper_level
from svs.forms.icr import CLASSES, CROSSED, allowed_proba, decode, real_date
from svs.forms.read import read_form, read_form_with_crop
from svs.forms.template import load_template

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
import handprint_eval as ev


def half(img: np.ndarray) -> np.ndarray:
    return cv2.resize(img, (img.shape[1] // 2, img.shape[0] // 2), interpolation=cv2.INTER_AREA)


def grey_of(bgr: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)


def slot_for(c: str, p: float) -> np.ndarray:
    out = np.full(len(CLASSES), 1e-4)
    out[CLASSES.index(c)] = p
    return out


def test_a_date_is_decoded_to_a_real_date_and_a_second_choice_keeps_its_low_probability() -> None:
    # the network's best reading is 31 02 1990 (no such day); its second choice for the first box makes it real
    slots: list[np.ndarray | None] = [slot_for("3", 0.6), slot_for("1", 0.99), None, slot_for("0", 0.99),
                                      slot_for("2", 0.99), None] + [slot_for(c, 0.99) for c in "1990"]
    slots[0][CLASSES.index("2")] = 0.35
    got = decode(slots, "date", lambda v: real_date(v))
    assert got is not None and got.value == "21 02 1990" and got.choices > 1
    assert got.confidence == pytest.approx(0.35 / 0.95, abs=0.02)  # the writing may be a 3: a person checks it


def test_a_lookalike_the_pattern_rules_out_does_not_lower_the_confidence() -> None:
    # a passport number of nine figures: the network unsure whether the second box is a 1 or an I
    slots: list[np.ndarray | None] = [slot_for(c, 0.99) for c in "512345678"]
    slots[1] = slot_for("I", 0.55)
    slots[1][CLASSES.index("1")] = 0.44
    got = decode(slots, "document_number", lambda v: re.fullmatch(r"[0-9]{9}|[A-Z]{1,2}[0-9]{6,8}", v) is not None)
    assert got is not None and got.value == "512345678" and got.confidence > 0.95
    # where the field may hold either, the same writing is unsure
    loose = decode(slots, "document_number", lambda v: re.fullmatch(r"[A-Z0-9]{5,9}", v) is not None)
    assert loose is not None and loose.confidence < 0.6


def test_free_text_reads_a_letter_among_letters_and_a_figure_among_figures() -> None:
    o = slot_for("0", 0.6)
    o[CLASSES.index("O")] = 0.39
    word = [slot_for(c, 0.99) for c in "HARB"] + [o] + [slot_for(c, 0.99) for c in "UR"]
    got = decode(word, "text", lambda v: True)
    assert got is not None and got.value == "HARBOUR" and got.confidence > 0.95
    mixed = [slot_for("N", 0.99), slot_for("P", 0.99), slot_for("2", 0.99), o]  # a postcode's first half
    got = decode(mixed, "text", lambda v: True)
    assert got is not None and got.confidence < 0.7


def test_constraints_never_invent_a_reading_the_network_did_not_offer() -> None:
    slots: list[np.ndarray | None] = [slot_for("A", 0.99), slot_for("B", 0.99)]
    assert decode(slots, "name", lambda v: v == "XY") is None


def test_a_letter_o_in_a_date_box_is_read_as_a_zero_with_its_probability() -> None:
    p = slot_for("O", 0.7)
    p[CLASSES.index("0")] = 0.29
    chars, table = allowed_proba(p[None, :], "date")
    assert table[0, chars.index("0")] == pytest.approx(0.99, abs=0.001)
    chars, table = allowed_proba(p[None, :], "name")
    assert table[0, chars.index("O")] == pytest.approx(0.7 + 0.29, abs=0.001)


def test_empty_boxes_inside_a_value_are_one_space_and_trailing_ones_are_dropped() -> None:
    slots: list[np.ndarray | None] = [slot_for("A", 0.99), None, None, slot_for("B", 0.99), None, None]
    got = decode(slots, "letters", lambda v: True)
    assert got is not None and got.value == "A B"


def _box_region(draw: object = None, border: int = 60) -> np.ndarray:
    w_mm, h_mm = 6.0, 8.0
    k = PX_PER_MM
    region = np.full((round((h_mm + 2 * MARGIN_MM) * k), round((w_mm + 2 * MARGIN_MM) * k)), 245, np.uint8)
    m = round(MARGIN_MM * k)
    cv2.rectangle(region, (m, m), (m + round(w_mm * k), m + round(h_mm * k)), border, 2)
    if callable(draw):
        draw(region, m)
    return region


def test_the_printed_border_is_taken_away_and_a_stroke_crossing_it_is_kept_whole() -> None:
    empty = clean(_box_region(), 6.0, 8.0)
    assert empty.share() == 0.0 and blank(_box_region())

    def stroke(img: np.ndarray, m: int) -> None:  # a descender through the bottom border
        cv2.line(img, (m + 24, m + 30), (m + 24, img.shape[0] - 1), 20, 3)

    box = clean(_box_region(stroke), 6.0, 8.0)
    m = round(MARGIN_MM * PX_PER_MM)
    column = box.ink[m + 30 :, m + 23 : m + 26].max(axis=1)
    assert (column > 150).all(), "the stroke is cut where it crosses the border"
    # the border is gone away from the stroke, and kept a little either side of where the stroke meets it
    assert box.ink[m + 63 : m + 66, m + 2 : m + 12].max() < 40 and box.ink[m + 10 : m + 50, m - 1 : m + 2].max() < 40
    assert box.ink[m + 63 : m + 66, m + 28 : m + 31].max() > 150


def test_a_hand_filled_page_is_read_and_nothing_wrong_is_reported_read() -> None:
    t = load_template("pa1")
    rng = np.random.default_rng(2026)
    values = {"surname": "QUAYLE", "given_names": "ZOE ANN", "birth_date": "07 11 1984",
              "old_passport_number": "512345678", "telephone": "01632 960123", "postcode": "YO1 7HH"}
    right = 0
    for page_no in range(3):
        writer = ev.Writer.random(rng)
        page = ev.filled_page(t, 1, values, writer, rng)
        scanned = cv2.imdecode(np.frombuffer(ev.scan(page, rng, 300, 0.7 * (page_no - 1)), np.uint8),
                               cv2.IMREAD_GRAYSCALE)
        form = read_form(half(scanned), scanned)
        assert form is not None and form.page == 1
        for name, truth in values.items():
            f = form.fields[name]
            assert f.status != "read" or f.value == truth, f"{name} read wrong and reported read"
            right += f.value == truth
        assert form.fields["address"].status == "empty"
    assert right >= 0.8 * 3 * len(values)


def test_a_crossed_out_box_is_left_out_reported_and_sent_to_a_person() -> None:
    t = load_template("pa1")
    rng = np.random.default_rng(11)
    writer = ev.Writer(slant=0.05, width=0.8, fill=0.7, pen_mm=0.4, ink=ev.INKS["black"], forms={}, tremor=0.05)
    page = ev.filled_page(t, 1, {"surname": "SMIKTH"}, writer, rng)
    ev.strike(page, t, 1, "surname", 3, 300, writer)
    grey = grey_of(page)
    form, crop = read_form_with_crop(half(grey), grey)
    assert form is not None
    surname = form.fields["surname"]
    assert surname.crossed_out == [3]
    assert surname.value == "SMITH" and surname.status == "unsure"
    assert "form.field_unreadable" in form.reasons and crop is not None  # the field shown to the person keying it


def test_a_faint_mark_is_unsure_and_an_empty_box_is_empty() -> None:
    t = load_template("pa1")
    page = grey_of(ev.filled_page(t, 1, {"surname": "LEE"}, ev.Writer.random(np.random.default_rng(3)),
                                  np.random.default_rng(3)))
    f = next(f for f in t.pages[1].fields if f.name == "postcode")
    k = 300 / 25.4
    x, y, _w, _h = f.box(0)
    cv2.line(page, (round((x + 1.5) * k), round((y + 2) * k)), (round((x + 4) * k), round((y + 6) * k)), 215, 6)
    form = read_form(half(page), page)
    assert form is not None
    assert form.fields["postcode"].status == "unsure" and not form.fields["postcode"].empty
    assert form.fields["telephone"].status == "empty"
    assert form.fields["surname"].value == "LEE"


@pytest.mark.parametrize(("mark", "state"), [("tick", "ticked"), ("cross", "crossed"), ("fill", "filled"),
                                             (None, "empty")])
def test_tick_boxes_are_read_as_ticked_crossed_filled_or_empty(mark: str | None, state: str) -> None:
    t = load_template("hmpo-b")
    rng = np.random.default_rng(5)
    writer = ev.Writer(slant=0.0, width=0.8, fill=0.7, pen_mm=0.45, ink=ev.INKS["blue"], forms={}, tremor=0.0)
    marks = {"old_passport_lost": mark} if mark else {}
    page = ev.filled_page(t, 2, {"declaration": "I CONFIRM"}, writer, rng, marks=marks)
    grey = grey_of(page)
    form = read_form(half(grey), grey)
    assert form is not None and form.page == 2
    assert form.fields["old_passport_lost"].value == (state if mark else None)
    assert form.fields["old_passport_lost"].status == ("read" if mark else "empty")
    assert form.fields["photos_enclosed"].status == "empty"


def test_the_crossed_out_class_is_the_last_and_never_a_value_character() -> None:
    assert CLASSES.endswith(CROSSED)
    for kind in ("name", "letters", "date", "document_number", "digits", "text"):
        chars, _ = allowed_proba(np.full((1, len(CLASSES)), 1 / len(CLASSES)), kind)
        assert CROSSED not in chars


def test_the_evaluation_writing_and_fonts_are_never_used_for_training() -> None:
    root = Path(__file__).resolve().parents[3]
    sys.path.insert(0, str(root / "models"))
    import train_icr

    assert not set(train_icr.TRAIN_FONTS + train_icr.TYPED_FONTS) & set(ev.HELD_OUT_FONTS)
    training = [root / "models" / "train_icr.py", root / "models" / "strokes.py", *root.glob("svs/**/*.py")]
    for path in training:
        assert not re.search(r"^\s*(from|import) .*(handprint_eval|bench_icr)", path.read_text(), re.M), \
            f"{path} uses the evaluation data"
    own = (root / "bench" / "handprint_eval.py").read_text()
    assert not re.search(r"^\s*(from|import) .*(strokes|train_icr)", own, re.M), "the evaluation reuses training code"


def test_elastic_bending_moves_the_training_writing_and_keeps_its_ink() -> None:
    root = Path(__file__).resolve().parents[3]
    sys.path.insert(0, str(root / "models"))
    import train_icr

    layer = np.full((200, 160), 255, np.uint8)
    cv2.line(layer, (80, 30), (80, 170), 0, 9)
    cv2.line(layer, (40, 100), (120, 100), 0, 9)
    bent = train_icr.elastic(layer, 6.0, np.random.default_rng(3))
    assert bent.shape == layer.shape and not np.array_equal(bent, layer)
    ink, bent_ink = int((layer < 128).sum()), int((bent < 128).sum())
    assert abs(bent_ink - ink) < 0.25 * ink, "bending tears or thickens the strokes"
    rows, cols = np.nonzero(bent < 128)
    assert rows.min() > 10 and rows.max() < 190 and cols.min() > 20 and cols.max() < 140, "the writing is moved far"
    paper = np.full((50, 40), 255, np.uint8)
    assert np.array_equal(train_icr.elastic(paper, 6.0, np.random.default_rng(3)), paper)


def test_a_rows_paper_levels_and_empty_boxes_are_those_of_each_box_alone() -> None:
    rng = np.random.default_rng(5)
    for trial in range(20):
        paper = int(rng.integers(150, 256))
        regions = []
        for _ in range(int(rng.integers(1, 12))):
            r = _box_region(border=int(rng.integers(20, 120)))
            r = np.clip(r.astype(np.int16) - (245 - paper) + rng.normal(0, 3, r.shape), 0, 255).astype(np.uint8)
            if rng.random() < 0.4:  # a mark, from a speck to a character
                n = int(rng.integers(1, 60))
                ys, xs = rng.integers(12, r.shape[0] - 12, n), rng.integers(12, r.shape[1] - 12, n)
                r[ys, xs] = int(rng.integers(0, paper))
            regions.append(r)
        if trial % 5 == 4:  # a region cut short at the strip's end
            regions[-1] = regions[-1][:, :-1]
        assert paper_and_blank(regions) == [(paper_level(r), blank(r)) for r in regions]


def test_the_recogniser_divides_its_logits_by_the_temperature_stored_with_it(tmp_path: Path) -> None:
    from svs.cnn import CellNet
    from svs.forms.icr import recogniser

    shipped = recogniser()
    assert 0.3 <= shipped.temperature < 1.0, "the shipped model is sharpened, as calibrated"
    with np.load(Path(__file__).resolve().parents[3] / "models" / "icr-cnn.npz") as z:
        arrays = {k: z[k] for k in z.files}
    arrays["temperature"] = np.array(1.0, np.float32)
    np.savez(tmp_path / "plain.npz", **arrays)
    plain = CellNet(tmp_path / "plain.npz")
    cells = np.random.default_rng(2).random((5, 32 * 24)).astype(np.float32)
    logits = plain.logits(cells)
    assert np.allclose(plain.proba(cells).sum(axis=1), 1.0)
    sharp = shipped.proba(cells)
    expected = np.exp(logits / shipped.temperature - (logits / shipped.temperature).max(axis=1, keepdims=True))
    assert np.allclose(sharp, expected / expected.sum(axis=1, keepdims=True), atol=1e-6)
    assert (sharp.max(axis=1) >= plain.proba(cells).max(axis=1) - 1e-6).all()


def test_calibration_finds_the_temperature_that_made_the_labels() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "models"))
    import calibrate

    rng = np.random.default_rng(4)
    logits = rng.normal(0, 3, (20000, 10))
    z = logits / 0.6
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    labels = np.array([rng.choice(10, p=row) for row in p])
    assert abs(calibrate.fit_temperature(logits, labels) - 0.6) <= 0.03
