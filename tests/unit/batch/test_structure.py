"""Batch structure and applications: separators, references carried to every page, unreadable markers never
merged silently, duplicates within and across batches, and the form checked against the passport's MRZ."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from svs.api import RunOutcome, run_batch
from svs.batch.applications import build_applications, cross_check
from svs.batch.patchcode import Patch
from svs.batch.structure import PageMarks, assign
from svs.engines.zxing import Barcode
from svs.pipeline import Options
from svs.schema import ItemResult
from svs.storage import DirStore

NO_PHOTO = Options(photo=False)


def _code(text: str) -> Barcode:
    return Barcode("Code128", text, (0, 0, 10, 10))


REF_A, REF_B = "PA-2026-000001", "PA-2026-000002"


def _walk(marks: list[PageMarks], contents: list[tuple[str, int | None]] | None = None):  # type: ignore[no-untyped-def]
    contents = contents or [(f"{i:064x}", None) for i in range(len(marks))]
    return assign("b1", marks, contents, [f"{i:04d}" for i in range(1, len(marks) + 1)])


def test_a_reference_is_carried_to_every_page_up_to_the_next_separator_or_reference() -> None:
    plain = PageMarks()
    out = _walk([PageMarks([_code(REF_A)]), plain, plain, PageMarks([_code("SEPARATOR")]), plain,
                 PageMarks([_code(REF_B)]), plain, PageMarks(patches=[Patch("T", (0, 0, 1, 1))]), plain])
    assert [s.application_id for s in out] == [REF_A, REF_A, REF_A, None, None, REF_B, REF_B, None, None]
    assert [s.role for s in out] == ["reference", "page", "page", "separator", "page", "reference", "page",
                                     "separator", "page"]
    assert all(s.reasons == [] for s in out)


def test_an_unreadable_marker_is_flagged_and_the_pages_after_it_are_not_merged() -> None:
    plain = PageMarks()
    smudged_barcode = PageMarks(barcode_seen=True)
    out = _walk([PageMarks([_code(REF_A)]), plain, smudged_barcode, plain, plain, PageMarks([_code(REF_B)]), plain])
    assert [s.application_id for s in out] == [REF_A, REF_A, None, None, None, REF_B, REF_B]
    assert out[2].reasons == ["batch.unreadable_marker"]
    assert out[3].reasons == out[4].reasons == ["batch.application_unknown"]
    assert out[5].reasons == out[6].reasons == []


def test_the_form_first_page_without_a_readable_reference_is_reference_missing() -> None:
    out = _walk([PageMarks([_code(REF_A)]), PageMarks(form_page=1, form_template="PA1", reference_page=1),
                 PageMarks(form_page=2, form_template="PA1", reference_page=1)])
    assert out[1].reasons == ["form.reference_missing"] and out[1].application_id is None
    assert out[2].reasons == ["batch.application_unknown"] and out[2].application_id is None


def test_another_offices_form_has_its_own_reference_and_separator() -> None:
    hmpo = "HMPO-36-7668029"
    out = _walk([PageMarks([_code(hmpo)], form_page=1, form_template="HMPO-B", reference_page=1),
                 PageMarks(form_page=2, form_template="HMPO-B", reference_page=1),
                 PageMarks([_code("HMPO-SEPARATOR")]), PageMarks([_code(REF_A)])])
    assert [s.application_id for s in out] == [hmpo, hmpo, None, REF_A]
    assert [s.role for s in out] == ["reference", "page", "separator", "reference"]
    # a PA1 reference printed on an HMPO-B page is not that form's reference
    [odd] = _walk([PageMarks([_code(REF_A)], form_page=1, form_template="HMPO-B", reference_page=1)])
    assert odd.application_id is None and odd.reasons == ["form.reference_missing"]


def test_a_batchs_own_reference_pattern_replaces_the_forms() -> None:
    marks = [PageMarks([_code("ACME/004211")]), PageMarks(), PageMarks([_code(REF_A)])]
    out = assign("b1", marks, [(f"{i:064x}", None) for i in range(3)], ["0001", "0002", "0003"],
                 reference_pattern=r"ACME/[0-9]{6}")
    assert [s.application_id for s in out] == ["ACME/004211", "ACME/004211", "ACME/004211"]
    assert [s.application_id for s in _walk(marks)] == [None, None, REF_A]


def test_unknown_patches_are_unreadable_markers_and_other_barcodes_are_not_references() -> None:
    out = _walk([PageMarks(patches=[Patch(None, (0, 0, 1, 1))]), PageMarks([_code("https://example.org/bill")])])
    assert out[0].reasons == ["batch.unreadable_marker"]
    assert out[1].role == "page" and out[1].marks == ["barcode:Code128"]  # its text is never kept
    assert "example.org" not in json.dumps([s.model_dump() for s in out])


def test_the_same_content_twice_in_a_batch_is_a_duplicate_of_the_first() -> None:
    same = ("a" * 64, None)
    out = _walk([PageMarks(), PageMarks(), PageMarks(), PageMarks()],
                [same, ("b" * 64, 1), same, ("b" * 64, 2)])
    assert [s.duplicate_of for s in out] == [None, None, "b1/0001", None]
    assert out[2].reasons == ["batch.duplicate_item"]


@pytest.fixture(scope="module")
def applications_run(gen, tmp_path_factory: pytest.TempPathFactory) -> tuple[RunOutcome, dict, Path]:  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("apps")
    expect = gen.applications_batch(root / "batch", mismatch_in=1, unreadable_in=2)
    outcome = run_batch(root / "batch", str(root / "store"), jobs=2, options=NO_PHOTO)
    return outcome, expect, root


def test_a_scanned_stream_of_applications_is_split_as_the_operator_fed_it(applications_run) -> None:  # type: ignore[no-untyped-def]
    outcome, expect, _ = applications_run
    by_name = {r.source.name: r for r in outcome.results}
    assert set(by_name) == set(expect)
    for name, want in expect.items():
        r = by_name[name]
        assert r.application_id == want["application_id"], name
        assert r.structure is not None and r.structure.role == want["role"], name
    separators = [r for r in outcome.results if r.structure and r.structure.role == "separator"]
    assert len(separators) == 2 and all(r.verdict == "accepted" for r in separators)
    assert {m for r in separators for m in r.structure.marks} == {"barcode:Code 128", "patch:T"}


def test_an_application_whose_reference_cannot_be_read_is_flagged_page_by_page(applications_run) -> None:  # type: ignore[no-untyped-def]
    outcome, _, _ = applications_run
    third = [r for r in outcome.results if r.source.name >= "009"]
    assert third[0].reasons == ["form.reference_missing"] and third[0].verdict == "refer"
    assert all("batch.application_unknown" in r.reasons for r in third[1:])
    assert "batch.duplicate_item" in third[-1].reasons
    assert third[-1].structure is not None and third[-1].structure.duplicate_of.endswith("/0011")


def test_application_summaries_check_the_form_against_the_passport(applications_run) -> None:  # type: ignore[no-untyped-def]
    outcome, _, root = applications_run
    apps = {a.application_id: a for a in outcome.applications}
    assert set(apps) == {"PA-2026-007100", "PA-2026-007101"}  # the third could not be read: no summary
    good, bad = apps["PA-2026-007100"], apps["PA-2026-007101"]
    assert good.checks == {"surname": "match", "birth_date": "match", "document_number": "match"}
    assert good.verdict == "accepted" and good.items == ["0001", "0002", "0003"]
    assert bad.checks["birth_date"] == "mismatch" and bad.checks["surname"] == "match"
    assert bad.verdict == "refer" and "form.mismatch_birth_date" in bad.reasons
    stored = json.loads(DirStore(root / "store").get(good.stored[0].key))
    assert stored["kind"] == "application" and good.application_id not in good.stored[0].key  # keys hold no data


def test_a_form_read_on_the_page_is_part_of_the_item_result(applications_run) -> None:  # type: ignore[no-untyped-def]
    outcome, _, _ = applications_run
    first = outcome.results[0]
    assert first.form is not None and first.form.page == 1
    assert first.form.fields["surname"].value == "BLACKWOOD"
    assert first.provenance.models["form_template"] == "PA1 2026.1, HMPO-B 2026.1"


def test_a_file_already_seen_in_another_batch_is_a_duplicate_and_a_rerun_is_not(sample_batch: Path,
                                                                               tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    first = run_batch(sample_batch, store, jobs=1, options=Options(mrz=False, photo=False))
    again = run_batch(sample_batch, store, jobs=1, options=Options(mrz=False, photo=False))
    assert [r.reasons for r in again.results] == [r.reasons for r in first.results]  # the same batch: no duplicate
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(sample_batch / "01-form-p1.jpg", other / "x.jpg")
    (other / "batch.json").write_text('{"batch_id": "later-0002"}')
    dup = run_batch(other, store, jobs=1, options=Options(mrz=False, photo=False)).results[0]
    assert "batch.duplicate_item" in dup.reasons and dup.verdict == "refer"
    assert dup.structure is not None and dup.structure.duplicate_of == "sample-0001/0001"


def test_cross_checks_compare_only_what_was_read_and_normalise_names_and_dates() -> None:
    checks, reasons = cross_check({"surname": "O'NEIL-SMITH", "birth_date": "01 02 1990"},
                                  {"surname": "ONEIL SMITH", "birth_date": "1990-02-01", "document_number": "X1"})
    assert checks == {"surname": "match", "birth_date": "match", "document_number": "not_checked"} and not reasons
    checks, reasons = cross_check({"document_number": "UT1234567"}, {"document_number": "UT1234568"})
    assert checks["document_number"] == "mismatch" and reasons == ["form.mismatch_document_number"]


def test_a_low_confidence_field_or_an_invalid_mrz_is_not_checked() -> None:
    from svs.provenance import provenance
    from svs.schema import Source

    def item(i: str, **kw: object) -> ItemResult:
        return ItemResult(batch_id="b", item_id=i, application_id=REF_A, document_type="unknown",
                          verdict="accepted", reasons=[], quality={}, provenance=provenance("p"),
                          source=Source(name="x", sha256="0" * 64, bytes=1, content_type="image/jpeg", page=None),
                          **kw)  # type: ignore[arg-type]

    form = {"template": "pa1", "page": 1, "anchors": 4,
            "fields": {"surname": {"value": "SMITH", "confidence": 0.3, "valid": True},
                       "birth_date": {"value": "01 02 1990", "confidence": 0.9, "valid": True}}}
    mrz = {"found": True, "valid": False, "format": "TD3", "lines": [], "checks": {}, "warnings": [],
           "fields": {"surname": "SMYTH", "birth_date": "1990-02-02"}}
    [app] = build_applications("b", [item("0001", form=form), item("0002", mrz=mrz)])
    assert set(app.checks.values()) == {"not_checked"} and app.verdict == "accepted"


def test_batch_json_order_decides_which_application_a_page_joins(gen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from svs.batch import BatchError, load_batch

    folder = tmp_path / "b"
    gen.applications_batch(folder, mismatch_in=None, unreadable_in=None, duplicate=False)
    names = sorted(p.name for p in folder.iterdir())
    # the operator scanned the second application's passport page last, after a third form's first page
    moved = "007-passport.jpg"
    order = [n for n in names if n != moved] + [moved]
    (folder / "batch.json").write_text(json.dumps({"batch_id": "ordered-1", "order": order[:-3]}))
    batch = load_batch(folder)
    assert [i.name for i in batch.items][-3:] == sorted(order[-3:])  # left out of the order: after, by name
    (folder / "batch.json").write_text(json.dumps({"batch_id": "ordered-1", "order": order}))
    out = run_batch(folder, str(tmp_path / "store"), jobs=1, options=Options(mrz=False, photo=False))
    last = out.results[-1]
    assert last.source.name == moved and last.application_id == "PA-2026-007102"
    (folder / "batch.json").write_text(json.dumps({"order": ["../etc/passwd"]}))
    with pytest.raises(BatchError):
        load_batch(folder)


def test_the_batch_report_shows_applications_checks_and_form_fields(applications_run) -> None:  # type: ignore[no-untyped-def]
    from svs.report import build_report

    outcome, _, root = applications_run
    html = build_report(DirStore(root / "store"), outcome.batch.batch_id).decode()
    table = html[html.index('<table class="applications">'):]
    table = table[:table.index("</table>")]
    assert "PA-2026-007100" in table and "PA-2026-007101" in table
    assert table.count('class="check-mismatch"') == 1 and table.count('class="check-match"') == 5
    assert '<table class="form">' in html and "<td>BLACKWOOD</td>" in html and "separator sheet" in html
