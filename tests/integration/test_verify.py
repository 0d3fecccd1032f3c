"""Tamper evidence: results, summaries and the decision log are signed and chained, and ``svs verify`` names
every change made behind svs's back (the tampering matrix of issue 23), on a directory store and on S3."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from svs import signing
from svs.api import run_batch
from svs.decisions import read_log
from svs.pipeline import Options
from svs.schema import DecisionRecord, ItemResult
from svs.storage import DirStore, open_store
from svs.verify import verify

pytestmark = pytest.mark.integration

OPTIONS = Options(mrz=False, photo=False)
BATCH = "sample-0001"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample batch processed once into a directory store, never changed: each test tampers with a copy."""
    from conftest import SAMPLE

    root = tmp_path_factory.mktemp("pristine") / "store"
    run_batch(SAMPLE, str(root), jobs=1, options=OPTIONS)
    return root


@pytest.fixture
def store(pristine: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "store"
    shutil.copytree(pristine, copy)
    for p in copy.rglob("*"):  # the directory store writes read-only files; the tampering here needs to write
        p.chmod(0o755 if p.is_dir() else 0o644)
    return copy


def _item_dir(root: Path, item: str) -> Path:
    return next((root / "batches" / BATCH / "items").glob(f"{item}-*"))


def _codes(root: Path, **kwargs: object) -> set[str]:
    return {p.code for p in verify(DirStore(root), **kwargs).problems}  # type: ignore[arg-type]


def test_a_store_as_svs_left_it_verifies_clean(store: Path) -> None:
    out = verify(DirStore(store))
    assert out.ok, [p.line() for p in out.problems]
    assert out.batches == 1 and out.objects > 30
    events = [DecisionRecord.model_validate_json(d).event for _, d in read_log(DirStore(store), BATCH)]
    assert events == ["batch_finished"]


def test_a_log_written_before_batch_finished_records_verifies_alike(store: Path) -> None:
    """Logs of 1.5.0 name a finished batch in three records (items decided, application issued, batch
    summarised): they still verify, and a result they do not name is still an added item."""
    from svs.decisions import append_all

    [(key, data)] = read_log(DirStore(store), BATCH)
    finished = DecisionRecord.model_validate_json(data)
    for p in (store / key).parent.iterdir():
        p.unlink()
    results = [o for o in finished.objects if o.key.endswith("/result.json")]
    apps = [o for o in finished.objects if "/applications/" in o.key]
    summary = [o for o in finished.objects if o.key.endswith("/summary.json")]
    assert results and apps and summary and len(results) + len(apps) + len(summary) == len(finished.objects)
    append_all(DirStore(store), BATCH, [("items_decided", results, None),
                                        *(("application_issued", [a], None) for a in apps),
                                        ("batch_summarised", summary, None)])
    out = verify(DirStore(store))
    assert out.ok, [p.line() for p in out.problems]
    partial = store.parent / "partial"  # the same log, but its items-decided record leaves one result out
    shutil.copytree(store, partial)
    for p in (partial / key).parent.iterdir():
        p.unlink()
    append_all(DirStore(partial), BATCH, [("items_decided", results[1:], None),
                                          *(("application_issued", [a], None) for a in apps),
                                          ("batch_summarised", summary, None)])
    assert "item.added" in {p.code for p in verify(DirStore(partial)).problems}


def test_the_same_batch_run_again_adds_no_record_and_still_verifies(store: Path) -> None:
    from conftest import SAMPLE

    before = read_log(DirStore(store), BATCH)
    run_batch(SAMPLE, str(store), jobs=1, options=OPTIONS)
    assert read_log(DirStore(store), BATCH) == before
    assert verify(DirStore(store)).ok


def _edit_result(root: Path) -> None:
    f = _item_dir(root, "0003") / "result.json"
    f.write_bytes(f.read_bytes().replace(b'"verdict":"rescan"', b'"verdict":"accepted"'))


def _edit_original(root: Path) -> None:
    f = next((root / "batches" / BATCH / "originals").glob("*.jpg"))
    data = bytearray(f.read_bytes())
    data[len(data) // 2] ^= 0x01
    f.write_bytes(bytes(data))


def _delete_item(root: Path) -> None:
    shutil.rmtree(_item_dir(root, "0005"))


def _add_item(root: Path) -> None:
    src = _item_dir(root, "0002")
    shutil.copytree(src, src.with_name("0010-" + src.name.split("-", 1)[1]))


def _reissued(root: Path) -> None:
    """A second record, as svs appends after a rescan: an application's next version stored and logged."""
    from svs import decisions, keys, sealing

    store = DirStore(root)
    [first] = [k for k in store.list(f"batches/{BATCH}/applications/")
               if k.endswith(".json") and "-v" not in k]
    app_id = json.loads(store.get(first))["application_id"]
    entry = sealing.put_sealed(store, keys.application_summary(BATCH, app_id, 2), store.get(first), "application",
                               "application/json")
    decisions.append(store, BATCH, "application_reissued", decisions.logged([entry]))


def _reorder_log(root: Path) -> None:
    _reissued(root)
    log = root / "batches" / BATCH / "log"
    a, b = log / "00000000.json", log / "00000001.json"
    da, db = a.read_bytes(), b.read_bytes()
    a.write_bytes(db)
    b.write_bytes(da)
    sa, sb = Path(f"{a}.sig"), Path(f"{b}.sig")
    da, db = sa.read_bytes(), sb.read_bytes()
    sa.write_bytes(db)
    sb.write_bytes(da)


def _swap_results(root: Path) -> None:
    a, b = _item_dir(root, "0001"), _item_dir(root, "0002")
    for name in ("result.json", "result.json.sig"):
        da, db = (a / name).read_bytes(), (b / name).read_bytes()
        (a / name).write_bytes(db)
        (b / name).write_bytes(da)


def _replace_signature(root: Path) -> None:
    """The result edited and signed again by a key of the tamperer's own, put among the store's keys."""
    other = signing.generate(root.parent / "other-key.pem")
    _edit_result(root)
    f = _item_dir(root, "0003") / "result.json"
    Path(f"{f}.sig").write_bytes(other.sign(f.read_bytes()).model_dump_json().encode())
    (root / "keys" / f"{other.key_id}.pem").write_bytes(signing.public_pem(other.public))


def _drop_last_record(root: Path) -> None:
    _reissued(root)
    log = root / "batches" / BATCH / "log"
    last = sorted(log.glob("*.json"))[-1]
    last.unlink()
    Path(f"{last}.sig").unlink()


def _delete_log(root: Path) -> None:
    shutil.rmtree(root / "batches" / BATCH / "log")


@pytest.mark.parametrize(("tamper", "expected"), [
    (_edit_result, {"object.changed", "signature.invalid"}),
    (_edit_original, {"original.changed"}),
    (_delete_item, {"object.missing"}),
    (_add_item, {"item.added"}),
    (_reorder_log, {"log.chain_broken"}),
    (_swap_results, {"object.changed", "item.moved"}),
    (_replace_signature, {"object.changed"}),
    (_drop_last_record, {"object.unlogged"}),
    (_delete_log, {"log.missing"}),
], ids=lambda v: getattr(v, "__name__", "").lstrip("_") if callable(v) else "")
def test_every_kind_of_tampering_is_named(store: Path, tamper: Callable[[Path], None], expected: set[str]) -> None:
    tamper(store)
    assert expected <= _codes(store)


def test_a_verifier_that_pins_the_key_refuses_a_signature_by_any_other(store: Path) -> None:
    real = signing.current()
    _replace_signature(store)
    pinned = {real.key_id: real.public}
    assert "signature.unknown_key" in _codes(store, public_keys=pinned)
    assert "signature.unknown_key" not in _codes(store)  # trusting the store's keys, only the log catches it


def test_svs_verify_exits_0_on_a_clean_store_and_1_naming_each_problem(store: Path, tmp_path: Path) -> None:
    svs = [sys.executable, "-m", "svs.cli"]
    clean = subprocess.run([*svs, "verify", str(store)], capture_output=True, text=True, timeout=120)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "all as stored" in clean.stderr and "objects/s" in clean.stderr
    public = tmp_path / "public.pem"
    p = subprocess.run([*svs, "keys", "public", os.environ["SVS_SIGNING_KEY_FILE"]], capture_output=True,
                       timeout=60)
    public.write_bytes(p.stdout)
    _edit_result(store)
    bad = subprocess.run([*svs, "verify", str(store), "--public-key", str(public), "--json"], capture_output=True,
                         text=True, timeout=120)
    assert bad.returncode == 1
    lines = [json.loads(line) for line in bad.stdout.splitlines()]
    assert {line["problem"] for line in lines[:-1]} == {"object.changed", "signature.invalid"}
    assert lines[-1]["ok"] is False


def test_keys_generate_never_overwrites_and_the_public_part_names_its_id(tmp_path: Path) -> None:
    svs = [sys.executable, "-m", "svs.cli", "keys"]
    made = subprocess.run([*svs, "generate", str(tmp_path / "k.pem")], capture_output=True, text=True, timeout=60)
    assert made.returncode == 0 and (tmp_path / "k.pem").stat().st_mode & 0o077 == 0
    key_id = made.stdout.strip()
    again = subprocess.run([*svs, "generate", str(tmp_path / "k.pem")], capture_output=True, text=True, timeout=60)
    assert again.returncode == 2 and "never overwritten" in again.stderr
    public = subprocess.run([*svs, "public", str(tmp_path / "k.pem")], capture_output=True, text=True, timeout=60)
    assert signing.key_id(signing.load_public(public.stdout.encode())) == key_id


def test_without_a_named_key_the_embedded_run_makes_one_keeps_it_and_says_where(tmp_path: Path) -> None:
    from conftest import SAMPLE

    batch = tmp_path / "batch"
    batch.mkdir()
    shutil.copy(SAMPLE / "06-photo.jpg", batch)
    env = {k: v for k, v in os.environ.items() if k != "SVS_SIGNING_KEY_FILE"} | {
        "XDG_DATA_HOME": str(tmp_path / "data")}
    cmd = [sys.executable, "-m", "svs.cli", "run", str(batch), "--store", str(tmp_path / "store")]
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert first.returncode == 0, first.stderr
    key = tmp_path / "data" / "svs" / "signing-key.pem"
    assert key.is_file() and str(key) in first.stderr.replace("\n", "")
    made = key.read_bytes()
    second = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert second.returncode == 0 and key.read_bytes() == made  # kept, not made again
    assert verify(DirStore(tmp_path / "store")).ok


def test_each_result_records_the_digests_of_what_decided_it(pristine: Path) -> None:
    f = next((pristine / "batches" / BATCH / "items").glob("0001-*/result.json"))
    digests = ItemResult.model_validate_json(f.read_bytes()).provenance.digests
    assert set(digests) == {"mrz_reader", "form_reader", "face_detector", "ocr", "form_template", "python_packages",
                            "profile"}
    assert all(v.startswith("sha256:") and len(v) == 71 for v in digests.values()), digests


def test_an_s3_store_verifies_and_a_deleted_summary_is_named(s3_store_url: str) -> None:
    from conftest import SAMPLE

    run_batch(SAMPLE, s3_store_url, jobs=1, options=OPTIONS)
    store = open_store(s3_store_url)
    assert verify(store).ok
    import boto3

    bucket, prefix = s3_store_url[5:].split("/", 1)
    s3 = boto3.client("s3", endpoint_url=os.environ["SVS_S3_ENDPOINT_URL"], region_name="us-east-1")
    assert not [k for k in store.list(f"batches/{BATCH}/") if k.endswith(".sig")]  # signatures go inline on S3
    s3.delete_object(Bucket=bucket, Key=f"{prefix}/batches/{BATCH}/summary.json")
    result = next(k for k in store.list(f"batches/{BATCH}/items/0003-") if k.endswith("/result.json"))
    body = store.get(result).replace(b'"verdict":"rescan"', b'"verdict":"accepted"')
    s3.put_object(Bucket=bucket, Key=f"{prefix}/{result}", Body=body)  # overwritten, by someone with the rights
    assert {"object.missing", "object.changed", "signature.missing"} <= {p.code for p in verify(store).problems}


def test_explain_names_each_reason_measure_threshold_and_rule_and_what_decided_it(pristine: Path) -> None:
    from svs import review

    store = DirStore(pristine)
    result = review.load(store, BATCH, "0003")  # the skewed form page
    text = "\n".join(review.account(result))
    assert "verdict: rescan" in text and "page.skewed (-> rescan)" in text
    assert "skew (degrees): 4" in text and "at most 2 (svs contract: page.skewed over 2 degrees)" in text
    assert "profile digest: sha256:" in text and "decided by svs" in text


def test_explain_reproduce_gives_the_same_verdict_and_names_what_differs_when_not(store: Path) -> None:
    svs = [sys.executable, "-m", "svs.cli", "explain", BATCH, "0003", "--store", str(store), "--reproduce"]
    same = subprocess.run(svs, capture_output=True, text=True, timeout=300)
    assert same.returncode == 0, same.stdout + same.stderr
    assert "reproduced: the same verdict, reasons and measures" in same.stdout
    assert "not what decided it then" not in same.stdout

    f = _item_dir(store, "0003") / "result.json"
    r = json.loads(f.read_bytes())
    r["quality"]["measures"]["skew_deg"] = 1.0  # as if it had been judged on other numbers
    r["provenance"]["digests"]["profile"] = "sha256:" + "0" * 64
    f.write_text(json.dumps(r))
    differs = subprocess.run(svs, capture_output=True, text=True, timeout=300)
    assert differs.returncode == 1
    assert "page measure skew_deg: recorded 1.0" in differs.stdout
    assert "profile digest: recorded sha256:000" in differs.stdout


def test_explain_of_an_unknown_item_is_one_clear_line(store: Path) -> None:
    p = subprocess.run([sys.executable, "-m", "svs.cli", "explain", BATCH, "0099", "--store", str(store)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "item.unknown" in p.stderr and "Traceback" not in p.stderr


def test_a_worker_that_cannot_read_its_signing_key_refuses_to_start_with_one_line(tmp_path: Path) -> None:
    env = os.environ | {"SVS_SIGNING_KEY_FILE": str(tmp_path / "absent.pem"), "SVS_METRICS_PORT": "0",
                        "SVS_BROKER_URL": "stub://"}
    p = subprocess.run([sys.executable, "-m", "svs.cli", "worker", "--processes", "1"], capture_output=True,
                       text=True, timeout=60, env=env)
    assert p.returncode == 2 and "cannot read the signing key" in p.stderr and "Traceback" not in p.stderr
