"""Form pages: the PA1 template, registration on its anchors, the page code, typed fields read, and Kodak patch
codes."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from svs.batch.patchcode import find_patches
from svs.engines import tesseract
from svs.errors import EngineTimeout
from svs.forms.read import read_form
from svs.forms.register import page_number, register
from svs.forms.template import load_template

PX_PER_MM_HALF = 150 / 25.4


def half(img: np.ndarray) -> np.ndarray:
    return cv2.resize(img, (img.shape[1] // 2, img.shape[0] // 2), interpolation=cv2.INTER_AREA)


@pytest.fixture(scope="module")
def people(gen):  # type: ignore[no-untyped-def]
    return gen.PEOPLE


def test_template_is_data_with_every_field_typed_and_a_valid_pattern() -> None:
    t = load_template()
    assert t.name == "PA1" and set(t.pages) == {1, 2}
    names = [f.name for f in t.pages[1].fields]
    assert {"surname", "birth_date", "old_passport_number"} <= set(names)
    assert {f.crosscheck for f in t.pages[1].fields} >= {"surname", "birth_date", "document_number"}
    surname = t.pages[1].fields[0]
    assert surname.valid("BLACKWOOD") and not surname.valid("BLACKW00D1")
    assert t.reference.is_reference("PA-2026-000001") and not t.reference.is_reference("SEPARATOR")
    with pytest.raises(ValueError):
        load_template("../etc/passwd")


@pytest.mark.parametrize("page_no", [1, 2])
def test_a_form_page_registers_on_its_anchors_and_says_which_page_it_is(gen, page_no: int) -> None:  # type: ignore[no-untyped-def]
    page = gen.form_page("PA-2026-000001" if page_no == 1 else None, page_no, np.random.default_rng(1))
    t = load_template()
    reg = register(half(page), t)
    assert reg is not None and reg.anchors_found == 4
    assert page_number(half(page), reg, t) == page_no
    x, y = reg.to_px(10, 10)  # the top left anchor's centre, in the half-resolution image
    assert abs(x - 10 * PX_PER_MM_HALF) < 3 and abs(y - 10 * PX_PER_MM_HALF) < 3


def test_pages_that_are_not_the_form_do_not_register(gen) -> None:  # type: ignore[no-untyped-def]
    t = load_template()
    rng = np.random.default_rng(2)
    for page in (gen.blank(rng), gen.separator_sheet("barcode"), gen.separator_sheet("patch_t"),
                 cv2.cvtColor(gen.on_a4(gen.data_page(gen.SAMPLE_MRZ), (300, 500)), cv2.COLOR_BGR2GRAY)):
        assert register(half(page), t) is None


@pytest.mark.parametrize(("how", "skew"), [("300 dpi", 0.0), ("skewed 1.5 degrees", 1.5), ("200 dpi", 0.0),
                                           ("skewed -4 degrees, corners cut off", -4.0)])
def test_typed_fields_are_read_exactly_from_a_scan(gen, people, how: str, skew: float) -> None:  # type: ignore[no-untyped-def]
    person = people[1]
    page = gen.form_page("PA-2026-000002", 1, np.random.default_rng(3), person)
    if skew:
        page = gen.rotate(page, skew)
    if how == "200 dpi":
        page = cv2.resize(page, None, fx=2 / 3, fy=2 / 3, interpolation=cv2.INTER_AREA)
    form = read_form(half(page), page)
    assert form is not None and form.page == 1
    truth = {**gen.FIELDS, **person}
    sure = {k: v for k, v in form.fields.items() if v.status == "read"}
    assert all(v.value == truth[k] for k, v in sure.items()), "a field read wrong was reported sure"
    assert len(sure) >= 7  # at most one field of eight left to a person
    assert (form.reasons == []) == (len(sure) == len(form.fields))


def test_a_smudged_field_is_reported_unreadable_not_guessed(gen) -> None:  # type: ignore[no-untyped-def]
    page = gen.form_page("PA-2026-000003", 1, np.random.default_rng(4))
    t = load_template()
    f = t.pages[1].fields[0]  # surname
    y0, y1 = gen.mm(f.y), gen.mm(f.y + f.box_h)
    x0, x1 = gen.mm(f.x), gen.mm(f.x + 9 * f.pitch)
    page[y0:y1, x0:x1] = cv2.GaussianBlur(page[y0:y1, x0:x1], (0, 0), 9)
    form = read_form(half(page), page)
    assert form is not None and "form.field_unreadable" in form.reasons
    surname = form.fields["surname"]
    assert surname.value != "BLACKWOOD" or surname.status != "read"


def test_an_empty_field_is_empty_and_not_a_problem(gen) -> None:  # type: ignore[no-untyped-def]
    page = gen.form_page("PA-2026-000004", 1, np.random.default_rng(5), {"telephone": ""})
    form = read_form(half(page), page)
    assert form is not None and form.fields["telephone"].empty and form.fields["telephone"].value is None
    assert form.reasons == []


def test_tesseract_past_its_time_limit_raises_engine_timeout(gen) -> None:  # type: ignore[no-untyped-def]
    page = gen.form_page(None, 2, np.random.default_rng(6))
    with pytest.raises(EngineTimeout):
        tesseract.read_block(np.tile(page, (2, 2)), "ABCDEFGHIJKLMNOPQRSTUVWXYZ", timeout_s=0.05)


def test_patch_t_is_found_across_and_along_the_page_and_read_from_the_leading_edge(gen) -> None:  # type: ignore[no-untyped-def]
    sheet = half(gen.separator_sheet("patch_t"))
    assert [p.code for p in find_patches(sheet, PX_PER_MM_HALF)] == ["T"]
    assert [p.code for p in find_patches(cv2.rotate(sheet, cv2.ROTATE_90_CLOCKWISE), PX_PER_MM_HALF)] == ["T"]
    assert [p.code for p in find_patches(cv2.rotate(sheet, cv2.ROTATE_180), PX_PER_MM_HALF)] == ["3"]
    skewed = half(gen.rotate(gen.separator_sheet("patch_t"), 3.0))
    assert [p.code for p in find_patches(skewed, PX_PER_MM_HALF)] == ["T"]


def test_four_bars_in_no_patch_pattern_are_found_but_not_named(gen) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image, ImageDraw

    img = Image.new("L", gen.A4, 250)
    d = ImageDraw.Draw(img)
    y = 12.0
    for bar in (5.08, 5.08, 5.08, 5.08):  # WWWW is no patch code
        d.rectangle([gen.mm(70), gen.mm(y), gen.mm(140), gen.mm(y + bar)], fill=10)
        y += bar + 2.03
    patches = find_patches(half(np.asarray(img)), PX_PER_MM_HALF)
    assert len(patches) == 1 and patches[0].code is None


def test_form_pages_and_text_have_no_patch_codes(gen) -> None:  # type: ignore[no-untyped-def]
    page = gen.form_page("PA-2026-000001", 1, np.random.default_rng(7))
    assert find_patches(half(page), PX_PER_MM_HALF) == []
    assert find_patches(half(gen.separator_sheet("barcode")), PX_PER_MM_HALF) == []
