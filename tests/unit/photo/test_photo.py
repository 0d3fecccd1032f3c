"""Passport-photo compliance: faces (MTCNN), each rule with its reason code, profiles, sheets and overlays."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import cv2
import numpy as np
import photoset
import pytest

from svs.engines import mtcnn
from svs.photo import check_photo, check_sheet, judge
from svs.photo.overlay import draw_photo, draw_sheet
from svs.photo.rules import RULES
from svs.photo.sheet import find_prints
from svs.reasons import REASONS
from svs.thresholds import ICAO_GENERIC, PHOTO_PROFILES, UK_DIGITAL, UK_PRINTED, PhotoThresholds


@pytest.fixture(scope="module")
def astronaut() -> photoset.Base:
    return photoset.astronaut_cached()


@pytest.fixture(scope="module")
def defects(astronaut: photoset.Base) -> dict[str, tuple[str, photoset.Defect]]:
    # a second, different person for the two-faces defect: the astronaut mirrored is close enough for MTCNN
    mirrored = dataclasses.replace(astronaut, name="mirrored", image=np.ascontiguousarray(astronaut.image[:, ::-1]),
                                   centre_x=astronaut.image.shape[1] - astronaut.centre_x,
                                   mask=np.ascontiguousarray(astronaut.mask[:, ::-1]))
    return photoset.defects([astronaut, mirrored], photoset.busy_backgrounds())


def test_a_well_framed_portrait_is_compliant_with_every_measure(gen) -> None:  # type: ignore[no-untyped-def]
    r = check_photo(gen.portrait())
    assert r.compliant and r.reasons == [] and r.failures == [] and r.profile == "uk-printed"
    assert len(r.faces) == 1 and {"left_eye", "right_eye", "nose"} <= set(r.faces[0].landmarks)
    m = r.measures
    assert 0.65 < (m["head_share"] or 0) < 0.75 and abs(m["roll_deg"] or 99) < 4 and abs(m["centre_offset"] or 1) < 0.04
    for key in ("yaw_deg", "pitch_ratio", "crown_y", "chin_y", "eye_line", "background_lightness",
                "background_spread", "background_texture", "face_lightness", "lighting_difference", "face_sharpness",
                "colour", "scan_dpi", "aspect_ratio"):
        assert m[key] is not None, key


@pytest.mark.parametrize("defect", ["rotation", "head_too_small", "head_too_large", "off_centre", "blur", "dark",
                                    "bright", "greyscale", "two_faces", "low_resolution", "busy_background",
                                    "uneven_lighting", "aspect_ratio", "shadow_behind_head"])
def test_each_defect_raises_its_reason_code(defect: str, defects, astronaut) -> None:  # type: ignore[no-untyped-def]
    reason, make = defects[defect]
    rng = np.random.default_rng(11)
    for _ in range(2):
        r = check_photo(make(astronaut, rng))
        assert reason in r.reasons, (defect, r.reasons, [f.text for f in r.failures])
        assert not r.compliant


def test_clean_framings_pass(astronaut: photoset.Base) -> None:
    rng = np.random.default_rng(5)
    for _ in range(4):
        r = check_photo(photoset.clean(astronaut, rng))
        assert r.reasons == [], [f.text for f in r.failures]


def test_a_failure_explains_itself_with_its_rule(gen) -> None:  # type: ignore[no-untyped-def]
    r = check_photo(gen.portrait(head_share=0.5))
    assert r.reasons == ["photo.head_too_small"]
    (f,) = r.failures
    assert f.measure == "head_share" and f.value < f.limit == pytest.approx(29 / 45, abs=1e-3)
    assert f"{f.value:.0%}" in f.text and "at least 64%" in f.text
    assert "29 to 34 mm" in f.rule


def test_greyscale_pixels_are_not_colour(gen) -> None:  # type: ignore[no-untyped-def]
    grey = cv2.cvtColor(gen.portrait(), cv2.COLOR_BGR2GRAY)
    assert "photo.not_colour" in check_photo(grey).reasons


def test_plain_image_has_no_face() -> None:
    r = check_photo(np.full((531, 413, 3), (180, 200, 220), np.uint8))
    assert r.reasons == ["photo.no_face"] and not r.compliant and r.failures == []


def test_two_people_side_by_side_are_multiple_faces(gen) -> None:  # type: ignore[no-untyped-def]
    p = gen.portrait()
    r = check_photo(np.hstack([p, p]))
    assert "photo.multiple_faces" in r.reasons and "photo.head_too_small" not in r.reasons


def test_detector_reports_faces_in_original_coordinates(gen) -> None:  # type: ignore[no-untyped-def]
    p = gen.portrait()
    big = np.ascontiguousarray(np.repeat(np.repeat(p, 3, axis=0), 3, axis=1))  # 1239 x 1593: detected downscaled
    small_box = mtcnn.detect(p)[0].box
    big_box = mtcnn.detect(big)[0].box
    assert abs(big_box[0] - 3 * small_box[0]) < 25 and abs(big_box[2] - 3 * small_box[2]) < 30


def test_a_large_digital_photo_measures_like_its_small_copy(gen) -> None:  # type: ignore[no-untyped-def]
    p = gen.portrait()
    big = cv2.resize(p, (1239, 1593), interpolation=cv2.INTER_CUBIC)
    a, b = check_photo(p).measures, check_photo(big).measures
    assert abs((a["head_share"] or 0) - (b["head_share"] or 0)) < 0.03
    assert b["eye_distance_px"] == pytest.approx(3 * (a["eye_distance_px"] or 0), rel=0.08)


def test_profiles_judge_the_same_photo_by_their_own_rules(gen) -> None:  # type: ignore[no-untyped-def]
    p = gen.portrait(head_share=0.67)  # UK: 64-76% passes; ICAO guidance: 70-80% fails
    assert check_photo(p, UK_PRINTED).reasons == []
    assert check_photo(p, ICAO_GENERIC).reasons == ["photo.head_too_small"]
    digital = check_photo(p, UK_DIGITAL)  # 413 x 531 pixels: under the 600 x 750 minimum
    assert "photo.low_resolution" in digital.reasons and digital.profile == "uk-digital"
    assert check_photo(cv2.resize(p, (600, 771)), UK_DIGITAL).reasons == []


def test_every_rule_names_a_known_reason_and_a_sourced_threshold() -> None:
    names = {f.name for f in dataclasses.fields(PhotoThresholds)}
    for rule in RULES:
        assert rule.reason in REASONS
        for profile in PHOTO_PROFILES.values():
            limit = rule.limit(profile)
            assert limit.source and isinstance(limit.value, float | int)
    assert {"min_head_share", "max_head_share", "max_roll_deg", "min_face_sharpness"} <= names


def test_sheet_with_two_identical_prints_judges_each(gen) -> None:  # type: ignore[no-untyped-def]
    p = gen.portrait()
    page = photoset.sheet([p, p])
    r = check_sheet(page, 300, UK_PRINTED)
    assert r is not None and r.compliant and len(r.photos) == 2
    (x, y, w, _) = r.photos[0].box
    assert abs(x - round(40 / 25.4 * 300)) < 30 and abs(y - round(50 / 25.4 * 300)) < 30 and abs(w - 413) < 30
    assert (r.measures["prints_similarity"] or 0) > 0.95
    assert len(r.faces) == 2 and r.faces[1].box[0] > r.faces[0].box[0] + 300  # page coordinates


def test_sheet_with_two_different_photos_says_they_differ(gen) -> None:  # type: ignore[no-untyped-def]
    a = gen.portrait()
    b = cv2.cvtColor(cv2.cvtColor(gen.portrait(head_share=0.5), cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    r = check_sheet(photoset.sheet([a, b]), 300, UK_PRINTED)
    assert r is not None and "photo.photos_differ" in r.reasons
    assert r.photos[0].compliant and set(r.photos[1].reasons) >= {"photo.head_too_small", "photo.not_colour"}


def test_print_stapled_to_a_form_is_found_and_a_bare_form_has_none(gen, form_page) -> None:  # type: ignore[no-untyped-def]
    page = photoset.sheet([gen.portrait()], page=form_page, at=[(140, 215)])
    prints = find_prints(page, 300)
    assert len(prints) == 1
    x, y, _, _ = prints[0].box
    assert abs(x - 140 / 25.4 * 300) < 30 and abs(y - 215 / 25.4 * 300) < 30
    assert check_sheet(cv2.cvtColor(form_page, cv2.COLOR_GRAY2BGR), 300, UK_PRINTED) is None


def test_judge_searches_a4_pages_for_prints_and_judges_a_photo_alone(gen) -> None:  # type: ignore[no-untyped-def]
    p = gen.portrait()
    assert judge(photoset.sheet([p]), UK_PRINTED, 300).photos
    single = judge(p, UK_PRINTED, None)
    assert not single.photos and single.compliant


def test_overlay_draws_on_the_photo_and_lists_failures_beneath(gen) -> None:  # type: ignore[no-untyped-def]
    p = gen.portrait(head_share=0.5)
    r = check_photo(p)
    img = draw_photo(p, r, UK_PRINTED)
    assert img.shape[1] == 480 and img.shape[0] > round(531 * 480 / 413) + 2 * 22  # verdict + the failure
    clean = draw_photo(gen.portrait(), check_photo(gen.portrait()), UK_PRINTED)
    assert clean.shape[0] < img.shape[0]
    page = photoset.sheet([p, gen.portrait()])
    sheet = draw_sheet(page, check_sheet(page, 300, UK_PRINTED))  # type: ignore[arg-type]
    assert sheet.shape[1] == 960


def test_real_portraits_and_non_faces(shared_data: Path) -> None:
    faces = shared_data / "faces"
    for name, expected in [("scikit-image/chelsea.png", ["photo.no_face"]),
                           ("scikit-image/coffee.png", ["photo.no_face"]),
                           ("passport-photo/test-photo.jpg", ["photo.no_face"]),
                           ("scikit-image/camera.png", ["photo.not_facing_forward", "photo.not_colour"]),
                           ("HivisionIDPhotos/test1.jpg", ["photo.background_not_plain"]),
                           ("HivisionIDPhotos/test2.jpg", ["photo.background_not_plain"]),
                           ("HivisionIDPhotos/test0.jpg", ["photo.head_too_small"])]:
        r = check_photo(photoset.load_rgb(faces / name))
        assert set(expected) <= set(r.reasons), (name, r.reasons)


def test_real_portraits_framed_as_passport_photos_pass(shared_data: Path) -> None:
    rng = np.random.default_rng(3)
    for b in photoset.real_bases(shared_data / "faces"):
        r = check_photo(photoset.frame(photoset.plain(b, rng), b, 0.7))
        assert r.reasons == [], (b.name, [f.text for f in r.failures])


def test_a_blown_out_photo_without_a_detectable_face_says_too_bright(sample_batch: Path) -> None:
    img = cv2.imread(str(sample_batch / "06-photo.jpg"))
    blown = np.clip(img.astype(np.float32) * 3.0, 0, 255).astype(np.uint8)
    r = check_photo(blown)
    assert "photo.no_face" in r.reasons and "photo.too_bright" in r.reasons
    dark = (img.astype(np.float32) * 0.05).astype(np.uint8)
    assert "photo.too_dark" in check_photo(dark).reasons
