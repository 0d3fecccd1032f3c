"""Rescans in the embedded mode: a new scan replaces an earlier item of its application, the earlier result is
kept as it was, the application is issued again one version higher, and what cannot be a rescan is refused with
nothing stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from svs import keys
from svs.api import run_batch
from svs.batch import BatchError
from svs.batch.rescans import latest_application
from svs.pipeline import Options
from svs.report import collect, render
from svs.storage import DirStore

pytestmark = pytest.mark.integration

APPLICATION = "PA-2026-004211"
OPTIONS = Options(mrz=False, photo=False)  # the rescanned page is a form page; the rest of the batch is as it was


def _all_objects(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def store_with_sample(sample_batch: Path, tmp_path: Path) -> Path:
    root = tmp_path / "store"
    run_batch(sample_batch, str(root), jobs=1, options=OPTIONS)
    return root


def rescan_batch(tmp_path: Path, name: str, targets: dict[str, str], batch_id: str | None = None) -> Path:
    """A batch of fresh scans of the form's second page (new bytes each), each named a rescan of a target."""
    folder = tmp_path / name
    folder.mkdir()
    source = Image.open(Path(__file__).parents[2] / "fixtures" / "sample-batch" / "02-form-p2.jpg")
    for quality, file in enumerate(targets, start=85):
        source.save(folder / file, quality=quality, dpi=(300, 300))
    manifest: dict[str, object] = {"rescan_of": targets}
    if batch_id:
        manifest["batch_id"] = batch_id
    (folder / "batch.json").write_text(json.dumps(manifest))
    return folder


def test_a_rescan_takes_the_earlier_scans_place_and_its_application_is_issued_again_one_version_higher(
    store_with_sample: Path, tmp_path: Path
) -> None:
    store = DirStore(store_with_sample)
    earlier_key = next(k for k in store.list("batches/sample-0001/items/0004-") if k.endswith("/result.json"))
    earlier_bytes = store.get(earlier_key)
    first = latest_application(store, "sample-0001", APPLICATION)
    assert first is not None and first.version == 1 and "0004" in first.items
    assert json.loads(earlier_bytes)["verdict"] == "rescan"  # the blurred page the operator was told to rescan

    out = run_batch(rescan_batch(tmp_path, "again", {"page-4.jpg": "sample-0001/0004"}, "again-1"),
                    str(store_with_sample), jobs=1, options=OPTIONS)

    (rescan,) = out.results
    assert rescan.supersedes == "sample-0001/0004" and rescan.application_id == APPLICATION
    assert rescan.verdict == "accepted"
    (issued,) = out.applications  # the rescan batch has no application of its own: it changed this one
    assert (issued.batch_id, issued.application_id, issued.version) == ("sample-0001", APPLICATION, 2)
    assert issued.items == [("again-1/0001" if i == "0004" else i) for i in first.items]
    assert issued.superseded == ["sample-0001/0004"]
    assert "page.blurred" not in issued.reasons and "page.blurred" in first.reasons
    # the earlier result and the first version are as they were; the supersession is recorded beside it
    assert store.get(earlier_key) == earlier_bytes
    assert latest_application(store, "sample-0001", APPLICATION) == issued
    record = json.loads(store.get(earlier_key.replace("result.json", "superseded.json")))
    assert (record["superseded"], record["by"]) == ("sample-0001/0004", "again-1/0001")


def test_the_same_rescan_batch_run_again_issues_no_further_version(store_with_sample: Path, tmp_path: Path) -> None:
    batch = rescan_batch(tmp_path, "again", {"page-4.jpg": "sample-0001/0004"}, "again-1")
    run_batch(batch, str(store_with_sample), jobs=1, options=OPTIONS)
    before = _all_objects(store_with_sample)
    out = run_batch(batch, str(store_with_sample), jobs=1, options=OPTIONS)
    assert [a.version for a in out.applications] == [2]
    assert _all_objects(store_with_sample).keys() == before.keys()


@pytest.mark.parametrize(("target", "code"), [
    ("sample-0001/0099", "batch.rescan_unknown_item"),  # no such item
    ("never-run/0001", "batch.rescan_unknown_item"),  # no such batch
])
def test_a_rescan_of_an_unknown_item_is_refused_and_nothing_is_stored(
    store_with_sample: Path, tmp_path: Path, target: str, code: str
) -> None:
    before = _all_objects(store_with_sample)
    with pytest.raises(BatchError) as refused:
        run_batch(rescan_batch(tmp_path, "bad", {"page.jpg": target}), str(store_with_sample), jobs=1,
                  options=OPTIONS)
    assert refused.value.code == code
    assert _all_objects(store_with_sample) == before


def test_an_item_already_replaced_is_refused_but_its_rescan_can_be_rescanned(
    store_with_sample: Path, tmp_path: Path
) -> None:
    run_batch(rescan_batch(tmp_path, "again", {"page-4.jpg": "sample-0001/0004"}, "again-1"),
              str(store_with_sample), jobs=1, options=OPTIONS)
    before = _all_objects(store_with_sample)
    with pytest.raises(BatchError) as refused:
        run_batch(rescan_batch(tmp_path, "twice", {"p.jpg": "sample-0001/0004"}), str(store_with_sample), jobs=1,
                  options=OPTIONS)
    assert refused.value.code == "batch.rescan_already_superseded"
    assert _all_objects(store_with_sample) == before

    out = run_batch(rescan_batch(tmp_path, "third", {"p.jpg": "again-1/0001"}, "third-1"), str(store_with_sample),
                    jobs=1, options=OPTIONS)
    (issued,) = out.applications
    assert issued.version == 3 and issued.batch_id == "sample-0001"
    assert "third-1/0001" in issued.items and "again-1/0001" not in issued.items
    assert issued.superseded == ["sample-0001/0004", "again-1/0001"]


@pytest.mark.parametrize(("targets", "why"), [
    ({"absent.jpg": "sample-0001/0004"}, "not in the batch folder"),
    ({"p.jpg": "sample-0001"}, "'<batch id>/<item id>'"),
    ({"p.jpg": "../0004"}, "'<batch id>/<item id>'"),
])
def test_a_malformed_rescan_of_is_refused_before_anything_is_read_from_the_store(
    store_with_sample: Path, tmp_path: Path, targets: dict[str, str], why: str
) -> None:
    folder = rescan_batch(tmp_path, "bad", {"p.jpg": "sample-0001/0004"})
    (folder / "batch.json").write_text(json.dumps({"rescan_of": targets}))
    with pytest.raises(BatchError, match=why.replace("(", r"\(")):
        run_batch(folder, str(store_with_sample), jobs=1, options=OPTIONS)


def test_the_report_shows_a_rescanned_item_as_done_with_both_scans(store_with_sample: Path, tmp_path: Path) -> None:
    run_batch(rescan_batch(tmp_path, "again", {"page-4.jpg": "sample-0001/0004"}, "again-1"),
              str(store_with_sample), jobs=1, options=OPTIONS)
    store = DirStore(store_with_sample)
    earlier = collect(store, "sample-0001")
    assert set(earlier.superseded) == {"0004"}
    page = render(earlier)
    rescan_list = page[page.index('id="rescan"'):page.index("</section>", page.index('id="rescan"'))]
    assert "0004" not in rescan_list and "1 item(s) rescanned already" in rescan_list
    assert "rescanned: replaced by again-1/0001" in page
    assert [p.caption for p in earlier.pictures["0004"]][-1] == "the rescan (again-1/0001)"
    assert earlier.pictures["0004"][-1].data  # the new scan's picture, from its own batch
    assert any(a.version == 2 for a in earlier.applications)

    from svs.batchlist import batch_rows

    rows = {r["batch_id"]: r for r in batch_rows(store)}  # the dashboard's batch list
    assert (rows["sample-0001"]["rescanned"], rows["again-1"]["rescanned"]) == (1, 0)

    later = collect(store, "again-1", pictures=False)
    assert [p.source for p in later.pictures["0001"]][-1] == "sample-0001/0004"
    linked = render(later, img_src="/batches/{batch}/items/{item}/pictures/{role}")
    assert "rescan of sample-0001/0004" in linked
    assert "/batches/sample-0001/items/0004/pictures/thumbnail" in linked


def test_the_earlier_batch_keeps_its_key_layout_ids_and_hashes_only(store_with_sample: Path, tmp_path: Path) -> None:
    run_batch(rescan_batch(tmp_path, "again", {"page-4.jpg": "sample-0001/0004"}, "again-1"),
              str(store_with_sample), jobs=1, options=OPTIONS)
    new = [k for k in _all_objects(store_with_sample) if k.startswith("batches/sample-0001/")]
    assert keys.application_summary("sample-0001", APPLICATION, 2) in new
    assert not [k for k in new if APPLICATION in k or "page-4" in k]
