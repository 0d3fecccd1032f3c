"""Page quality: each defect of a generated 300-dpi form gives its reason code, a clean page gives none."""

import cv2
import numpy as np
import pytest

from svs.quality import QualityInput, deskew, estimate_skew, measure
from svs.schema import QualityResult


def _measure(gen, img: np.ndarray, dpi: int = 300) -> QualityResult:  # type: ignore[no-untyped-def]
    data = gen.jpeg(img, 85, dpi)
    grey = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_REDUCED_GRAYSCALE_2)
    return measure(QualityInput(grey, 0.5, dpi), img.shape[1], img.shape[0])


def test_clean_form_page_passes(gen, form_page: np.ndarray) -> None:  # type: ignore[no-untyped-def]
    q = _measure(gen, form_page)
    assert q.ok and q.reasons == []
    assert q.measures["dpi"] == 300 and abs(q.measures["skew_deg"] or 0) < 0.3


@pytest.mark.parametrize(
    "defect, code",
    [
        (lambda g, p: g.blur(p, 3.0), "page.blurred"),
        (lambda g, p: g.rotate(p, 3.0), "page.skewed"),
        (lambda g, p: g.rotate(p, -4.0), "page.skewed"),
        (lambda g, p: g.darken(p), "page.too_dark"),
        (lambda g, p: g.overexpose(p), "page.overexposed"),
        (lambda g, p: g.low_contrast(p), "page.low_contrast"),
        (lambda g, p: g.crop_off(p), "page.cropped"),
    ],
    ids=["blurred", "skewed+3", "skewed-4", "too_dark", "overexposed", "low_contrast", "cropped"],
)
def test_each_defect_gives_its_reason(gen, form_page: np.ndarray, defect, code: str) -> None:  # type: ignore[no-untyped-def]
    q = _measure(gen, defect(gen, form_page))
    assert code in q.reasons
    assert not q.ok


def test_blank_page_is_blank(gen) -> None:  # type: ignore[no-untyped-def]
    q = _measure(gen, gen.blank(np.random.default_rng(3)))
    assert q.reasons == ["page.blank"]


def test_150_dpi_scan_is_low_resolution(gen, form_page: np.ndarray) -> None:  # type: ignore[no-untyped-def]
    half = cv2.resize(form_page, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    assert "page.low_resolution" in _measure(gen, half, 150).reasons


def test_dpi_is_inferred_from_a4_geometry_when_metadata_is_missing(gen, form_page: np.ndarray) -> None:  # type: ignore[no-untyped-def]
    half = cv2.resize(form_page, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    grey = cv2.cvtColor(half, cv2.COLOR_BGR2GRAY) if half.ndim == 3 else half
    q = measure(QualityInput(grey, 1.0, None), half.shape[1], half.shape[0])
    assert 145 <= (q.measures["dpi"] or 0) <= 155
    assert "page.low_resolution" in q.reasons


def test_small_skews_are_measured_within_a_quarter_degree(gen, form_page: np.ndarray) -> None:  # type: ignore[no-untyped-def]
    for angle in (-1.5, 0.7, 2.5, 6.0):
        skew = _measure(gen, gen.rotate(form_page, angle)).measures["skew_deg"]
        assert skew is not None and abs(skew - angle) < 0.25, (angle, skew)


def test_a_page_mildly_out_of_focus_still_passes(gen, form_page: np.ndarray) -> None:  # type: ignore[no-untyped-def]
    assert "page.blurred" not in _measure(gen, gen.blur(form_page, 1.0)).reasons


def test_deskew_straightens_the_page(gen, form_page: np.ndarray) -> None:  # type: ignore[no-untyped-def]
    grey = cv2.cvtColor(gen.rotate(form_page, 4.0), cv2.COLOR_BGR2GRAY) if form_page.ndim == 3 else \
        gen.rotate(form_page, 4.0)
    small = cv2.resize(grey, None, fx=0.2, fy=0.2, interpolation=cv2.INTER_AREA)
    _, ink = cv2.threshold(small, 180, 255, cv2.THRESH_BINARY_INV)
    angle = estimate_skew(ink)
    assert angle is not None and abs(angle - 4.0) < 0.3
    straight = deskew(small, angle)
    _, ink2 = cv2.threshold(straight, 180, 255, cv2.THRESH_BINARY_INV)
    assert abs(estimate_skew(ink2) or 0.0) < 0.3


def test_every_measure_has_its_threshold_recorded(gen, form_page: np.ndarray) -> None:  # type: ignore[no-untyped-def]
    q = _measure(gen, form_page)
    assert {"min_dpi", "min_sharpness", "max_skew_deg", "min_contrast"} <= set(q.thresholds)
    assert q.thresholds["max_skew_deg"] == 2.0 and q.thresholds["min_dpi"] == 200


def test_a_page_whose_paper_reads_a_third_of_white_is_too_dark(gen) -> None:  # type: ignore[no-untyped-def]
    page = gen.form_page("PA-1", 1, np.random.default_rng(4))  # greyscale
    for paper in (75, 90):  # the white paper scanned at these grey levels, ink in proportion
        dark = (page.astype(np.float32) * paper / float(np.median(page))).astype(np.uint8)
        q = measure(QualityInput(dark, 1.0, 300), dark.shape[1], dark.shape[0])
        assert "page.too_dark" in q.reasons, q.measures["brightness"]


def test_a_200_dpi_png_is_not_low_resolution() -> None:
    import io

    from PIL import Image

    from svs.intake import load_page, probe

    buf = io.BytesIO()
    Image.new("L", (1654, 2339), 250).save(buf, "PNG", dpi=(200, 200))  # stored as 7874 pixels per metre
    data = buf.getvalue()
    page = load_page(data, probe(data, "a4.png"), None)
    assert page.dpi == 200.0


def test_a_page_smeared_by_the_feeder_along_one_axis_is_blurred(gen) -> None:  # type: ignore[no-untyped-def]
    page = gen.form_page("PA-1", 1, np.random.default_rng(4))
    kernel = np.zeros((15, 15), np.float32)
    kernel[7, :] = 1.0 / 15  # 1.3 mm of motion at 300 dpi
    for smeared in (cv2.filter2D(page, -1, kernel), cv2.filter2D(page, -1, kernel.T)):
        q = measure(QualityInput(smeared, 1.0, 300), smeared.shape[1], smeared.shape[0])
        assert "page.blurred" in q.reasons, q.measures
    sharp = measure(QualityInput(page, 1.0, 300), page.shape[1], page.shape[0])
    assert "page.blurred" not in sharp.reasons


def test_large_type_blurred_as_much_as_small_type_is_blurred() -> None:
    from PIL import Image, ImageDraw, ImageFont

    page = Image.new("L", (2480, 3508), 245)
    d = ImageDraw.Draw(page)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 60)  # 14 pt at 300 dpi
    for k in range(30):
        d.text((240, 300 + k * 90), "application passport renewal reference statement", font=font, fill=20)
    sharp = np.asarray(page)
    assert "page.blurred" not in measure(QualityInput(sharp, 1.0, 300), 2480, 3508).reasons
    blurred = cv2.GaussianBlur(sharp, (0, 0), 2.8)  # 0.24 mm: big strokes keep a high second derivative (103)
    q = measure(QualityInput(blurred, 1.0, 300), 2480, 3508)
    assert "page.blurred" in q.reasons, q.measures


def _letter(paper: int, rng: np.random.Generator) -> np.ndarray:
    """A letter in 12 pt with wide margins on *paper*-grey paper, with a scanner's noise."""
    from PIL import Image, ImageDraw, ImageFont

    page = Image.new("L", (2480, 3508), paper)
    d = ImageDraw.Draw(page)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 50)
    for k in range(20):
        d.text((420, 700 + k * 80), "we confirm the account holder named below at this address", font=font, fill=25)
    noisy = np.asarray(page, np.float32) + rng.normal(0, 2.0, (3508, 2480))
    return np.clip(noisy, 0, 255).astype(np.uint8)


@pytest.mark.parametrize(("lid", "side"), [(250, "top"), (20, "left"), (250, "right"), (20, "bottom")])
def test_a_page_slid_off_the_glass_is_cropped_where_its_cut_falls_in_a_margin(lid: int, side: str) -> None:
    rng = np.random.default_rng(11)
    page = _letter(232, rng)  # cream paper
    cut = 400  # 11-16% of the page off the glass, within the cut side's margin: no ink runs into the edge
    out = np.clip(lid + rng.normal(0, 1.0, page.shape), 0, 255).astype(np.uint8)  # the lid, with sensor noise
    if side == "top":
        out[cut:] = page[: -cut]  # the bottom slid off: the lid shows at the top
    elif side == "bottom":
        out[:-cut] = page[cut:]
    elif side == "left":
        out[:, cut:] = page[:, : -cut]
    else:
        out[:, :-cut] = page[:, cut:]
    q = measure(QualityInput(out, 1.0, 300), 2480, 3508)
    assert "page.cropped" in q.reasons and q.measures["lid_band"] > 0.1, q.measures
    if lid > 128:  # nothing ran off the edge: only the white lid tells (a black one darkens the other edges' bands)
        assert q.measures["edge_ink"] <= 0.04


def test_a_page_with_wide_margins_or_a_scanners_thin_black_border_is_not_cropped() -> None:
    rng = np.random.default_rng(12)
    page = _letter(247, rng)  # the bottom third is an empty margin: paper, not lid
    assert "page.cropped" not in measure(QualityInput(page, 1.0, 300), 2480, 3508).reasons
    bordered = page.copy()
    bordered[:60] = 18  # a scanner's black border, 5 mm
    bordered[:, :40] = 18
    q = measure(QualityInput(bordered, 1.0, 300), 2480, 3508)
    assert "page.cropped" not in q.reasons and q.measures["lid_band"] < 0.05, q.measures


def _faint(page: np.ndarray, paper: float, depth: float) -> np.ndarray:
    """The page with its paper at *paper* and its darkest ink *depth* grey levels under it."""
    x = page.astype(np.float32)
    lo, hi = float(x.min()), float(np.median(x))
    return np.clip(paper - (hi - x) / max(hi - lo, 1.0) * depth, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("depth", [16, 19])
def test_a_page_whose_ink_is_within_twenty_levels_of_its_paper_is_low_contrast_not_blank(  # type: ignore[no-untyped-def]
        gen, depth: float) -> None:
    page = gen.form_page("PA-1", 1, np.random.default_rng(8))
    q = _measure(gen, _faint(page, 170, depth))
    assert "page.low_contrast" in q.reasons and "page.blank" not in q.reasons, q.measures


@pytest.mark.parametrize("depth", [10, 16])
def test_the_back_of_a_page_with_its_front_showing_through_is_blank(gen, depth: float) -> None:  # type: ignore[no-untyped-def]
    page = gen.form_page("PA-1", 1, np.random.default_rng(8))
    ghost = cv2.GaussianBlur(page[:, ::-1], (0, 0), 2.0)  # mirrored, blurred by the paper between
    q = _measure(gen, _faint(ghost, 200, depth))
    assert q.reasons == ["page.blank"], q.measures
