"""The per-item pipeline and the embedded batch run: verdicts, stored objects, idempotence, provenance."""

import hashlib
import json
from pathlib import Path

import pytest

from svs import __version__
from svs.api import run_batch
from svs.batch import load_batch
from svs.pipeline import Options, process_item
from svs.storage import DirStore

NO_MRZ = Options(mrz=False)


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from conftest import SAMPLE

    store = tmp_path_factory.mktemp("store")
    outcome = run_batch(SAMPLE, str(store), jobs=2)
    return outcome, store


def test_sample_batch_verdicts_match_what_the_generator_made(sample_run) -> None:  # type: ignore[no-untyped-def]
    from conftest import SAMPLE

    outcome, _ = sample_run
    expected = json.loads((SAMPLE / ".expected.json").read_text())
    by_name: dict[str, set[str]] = {}
    for r in outcome.results:
        by_name.setdefault(r.source.name, set()).add(r.verdict)
    assert {n: v.pop() for n, v in by_name.items() if len(v) == 1} == expected


def test_sample_batch_types_and_reasons(sample_run) -> None:  # type: ignore[no-untyped-def]
    outcome, _ = sample_run
    r = {x.item_id: x for x in outcome.results}
    assert r["0001"].document_type == "application_form" and r["0001"].application_id == "PA-2026-004211"
    assert r["0003"].reasons == ["page.skewed"]
    assert r["0004"].reasons == ["page.blurred"]
    assert r["0005"].document_type == "mrz_document" and r["0005"].mrz and r["0005"].mrz.valid
    assert "mrz" in {s.role for s in r["0005"].stored}
    assert r["0006"].document_type == "passport_photo" and r["0006"].photo and len(r["0006"].photo.faces) == 1
    assert r["0006"].photo.compliant and "photo_overlay" in {s.role for s in r["0006"].stored}
    supporting = [x for x in outcome.results if x.source.name == "07-supporting.tif"]
    assert [x.source.page for x in supporting] == [1, 2]
    assert all(x.document_type == "supporting_document" and x.verdict == "accepted" for x in supporting)
    assert r["0008"].reasons == ["page.blank"]
    assert r["0009"].reasons == ["input.unreadable"] and r["0009"].verdict == "rejected"
    assert outcome.summary.items == 10 and sum(outcome.summary.verdicts.values()) == 10


def test_every_stored_object_matches_its_sha256(sample_run) -> None:  # type: ignore[no-untyped-def]
    from conftest import SAMPLE

    outcome, store_dir = sample_run
    for r in outcome.results:
        roles = {s.role for s in r.stored}
        assert "manifest" in roles and "original" in roles
        for s in r.stored:
            data = (Path(store_dir) / s.key).read_bytes()
            assert hashlib.sha256(data).hexdigest() == s.sha256 and len(data) == s.bytes
        original = next(s for s in r.stored if s.role == "original")
        assert (Path(store_dir) / original.key).read_bytes() == (SAMPLE / r.source.name).read_bytes()


def test_rejected_item_keeps_its_original(sample_run) -> None:  # type: ignore[no-untyped-def]
    outcome, _ = sample_run
    corrupt = next(r for r in outcome.results if r.item_id == "0009")
    assert [s.role for s in corrupt.stored] == ["original", "manifest"]


def test_keys_hold_ids_and_hashes_only(sample_run) -> None:  # type: ignore[no-untyped-def]
    _, store_dir = sample_run
    keys = [p.relative_to(store_dir).as_posix() for p in Path(store_dir).rglob("*") if p.is_file()]
    assert keys
    for key in keys:
        assert "form" not in key and "passport" not in key and "BLACKWOOD" not in key.upper()


def test_results_record_what_produced_them(sample_run) -> None:  # type: ignore[no-untyped-def]
    outcome, _ = sample_run
    p = outcome.results[0].provenance
    assert p.svs_version == __version__ and p.profile and p.processed_at.endswith("Z")
    assert {"face_detector", "mrz_reader", "opencv"} <= set(p.models)


def test_processing_the_batch_again_creates_nothing_and_changes_nothing(sample_run) -> None:  # type: ignore[no-untyped-def]
    from conftest import SAMPLE

    outcome, store_dir = sample_run
    before = {p: p.stat().st_mtime_ns for p in Path(store_dir).rglob("*") if p.is_file()}
    again = run_batch(SAMPLE, str(store_dir), jobs=1, options=NO_MRZ)
    after = {p: p.stat().st_mtime_ns for p in Path(store_dir).rglob("*") if p.is_file()}
    assert before == after
    assert [r.model_dump(mode="json") for r in again.results] == [r.model_dump(mode="json") for r in outcome.results]


def test_a_batch_without_batch_json_gets_a_content_derived_id(sample_batch: Path) -> None:
    (sample_batch / "batch.json").unlink()
    first = load_batch(sample_batch).batch_id
    assert first.startswith("b-") and first == load_batch(sample_batch).batch_id
    (sample_batch / "02-form-p2.jpg").write_bytes(b"changed")
    assert load_batch(sample_batch).batch_id != first


def test_symlinks_and_hidden_files_are_not_items(sample_batch: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(b"\xff\xd8\xff")
    (sample_batch / "link.jpg").symlink_to(secret)
    names = [i.name for i in load_batch(sample_batch).items]
    assert "link.jpg" not in names and ".expected.json" not in names


def test_item_processing_is_idempotent_per_item(tmp_path: Path, form_jpeg: bytes) -> None:
    store = DirStore(tmp_path)
    a = process_item(store, "b1", "0001", "x.jpg", form_jpeg, None, None, NO_MRZ)
    b = process_item(store, "b1", "0001", "x.jpg", form_jpeg, None, None, NO_MRZ)
    assert a.model_dump() == b.model_dump()


def test_an_engine_that_raises_gives_a_result_with_stage_failed(monkeypatch: pytest.MonkeyPatch,
                                                                form_jpeg: bytes) -> None:
    from svs.engines import zxing
    from svs.pipeline import analyse

    def broken(*_a: object, **_k: object) -> None:
        raise RuntimeError("engine crashed")

    monkeypatch.setattr(zxing, "read", broken)
    a = analyse(form_jpeg, "x.jpg", None, None, Options(mrz=False))
    assert "stage.failed" in a.reasons and a.quality is not None and a.derived


def test_printed_photos_on_a_scanned_page_are_judged_each_with_an_overlay(gen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import photoset

    good, small = gen.portrait(), gen.portrait(head_share=0.5)
    strip = gen.jpeg(photoset.sheet([good, small]), 92)
    out = process_item(DirStore(tmp_path), "b1", "0001", "strip.jpg", strip, None, None, NO_MRZ)
    assert out.document_type == "passport_photo" and out.verdict == "refer"
    assert out.photo is not None and len(out.photo.photos) == 2
    assert {"photo.head_too_small", "photo.photos_differ"} <= set(out.reasons)
    assert "photo_overlay" in {s.role for s in out.stored}


def test_a_photo_stapled_to_a_form_is_judged_on_the_form(gen, form_page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import photoset

    page = gen.jpeg(photoset.sheet([gen.portrait(head_share=0.5)], page=form_page, at=[(140, 215)]), 90)
    out = process_item(DirStore(tmp_path), "b1", "0001", "form.jpg", page, None, None, NO_MRZ)
    assert out.document_type == "application_form" and out.application_id == "PA-2026-000001"
    assert out.photo is not None and "photo.head_too_small" in out.reasons


def test_a_form_without_a_photo_has_no_photo_result(form_jpeg: bytes, tmp_path: Path) -> None:
    out = process_item(DirStore(tmp_path), "b1", "0001", "form.jpg", form_jpeg, None, None, NO_MRZ)
    assert out.photo is None and "photo_overlay" not in {s.role for s in out.stored}
