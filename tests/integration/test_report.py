"""The batch report (one self-contained HTML page) and the dashboard's server side: content, escaping, storage,
the token, the JSON API."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from svs import keys
from svs.provenance import provenance
from svs.report import build_report, collect, render, store_report
from svs.report.collect import BatchView
from svs.schema import FormField, FormResult, ItemResult, Source
from svs.serve import create_app
from svs.storage import DirStore

TOKEN = "t0ken-for-the-tests-only"


def _result(item_id: str, verdict: str, reasons: list[str], name: str = "a.jpg") -> ItemResult:
    return ItemResult(batch_id="b1", item_id=item_id, source=Source(name=name, sha256="0" * 64, bytes=1,
                                                                     content_type="image/jpeg", page=None),
                      document_type="unknown", verdict=verdict, reasons=reasons, quality={},  # type: ignore[arg-type]
                      provenance=provenance("uk-2026.1"))


def test_report_lists_counts_rescans_first_and_embeds_every_picture(stored_sample) -> None:  # type: ignore[no-untyped-def]
    store, batch_id = stored_sample
    html = build_report(store, batch_id).decode()
    assert html.index('id="rescan"') < html.index('class="items"')
    rescan = html[html.index('id="rescan"'):html.index("</section>", html.index('id="rescan"'))]
    assert rescan.count("<li>") == 3 and "03-form-skewed.jpg" in rescan and "crooked" in rescan
    view = collect(store, batch_id)
    pictures = sum(len(p) for p in view.pictures.values())
    assert html.count('src="data:image/jpeg;base64,') == pictures >= 9 + 3  # thumbnails + overlays
    assert "http://" not in html and "https://" not in html  # nothing to fetch
    assert re.search(r'data-verdict="rescan"', html) and "what is wrong with the scan" in html
    assert "photo measures" in html and "machine readable zone" in html


def test_report_escapes_everything_that_came_from_a_file() -> None:
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>.jpg'
    r = _result("0001", "refer", ["photo.no_face"], name=evil)
    form = FormResult(template="pa1", page=1, anchors=4,
                      fields={"surname": FormField(value="<i>X</i>", confidence=0.9, valid=False)})
    r = r.model_copy(update={"application_id": "<b>PA</b>", "form": form})
    html = render(BatchView("b1", [r], None, None))
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>PA</b>" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;PA&lt;/b&gt;" in html
    assert "<i>X</i>" not in html and '<tr class="unsure"><td>surname</td><td>&lt;i&gt;X&lt;/i&gt;' in html


def test_report_is_deterministic_and_kept_in_the_store_create_only(stored_sample) -> None:  # type: ignore[no-untyped-def]
    store, batch_id = stored_sample
    body = build_report(store, batch_id)
    assert build_report(store, batch_id) == body
    first = store_report(store, batch_id, body)
    assert first.key == keys.batch_report(batch_id) and store.get(first.key) == body
    assert store_report(store, batch_id, body).key == first.key  # the same report again: nothing new
    other = store_report(store, batch_id, body + b"<!-- later -->")
    assert other.key != first.key and store.get(first.key) == body  # never overwritten


def test_run_with_report_writes_the_file(sample_batch: Path, tmp_path: Path) -> None:
    from test_cli import svs

    p = svs("run", str(sample_batch), "--store", str(tmp_path / "s"), "--report", str(tmp_path / "r.html"),
            "--jobs", "2", "--no-mrz")
    assert p.returncode == 0, p.stderr
    html = (tmp_path / "r.html").read_text()
    assert "sample-0001" in html and "Rescan these 3 now" in html
    assert (tmp_path / "s" / "batches" / "sample-0001" / "report.html").read_text() == html


def test_run_on_a_terminal_shows_a_progress_bar_counting_to_the_item_total(sample_batch: Path,
                                                                            tmp_path: Path) -> None:
    import os
    import subprocess

    from test_cli import SVS

    env = dict(os.environ, FORCE_COLOR="1", COLUMNS="120", PYTHONWARNINGS="ignore")  # rich: act as a terminal
    p = subprocess.run([*SVS, "run", str(sample_batch), "--store", str(tmp_path / "s"), "--jobs", "2", "--no-mrz"],
                       capture_output=True, text=True, timeout=300, env=env)
    assert p.returncode == 0, p.stderr
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", p.stderr)
    assert re.search(r"items\s.*\b0/10", plain) and re.search(r"items\s.*10/10", plain)  # the total is known
    counts = [int(n) for n in re.findall(r"(\d+)/10\b", plain)]
    assert counts == sorted(counts)  # it only moves forward


def test_dashboard_refuses_requests_without_the_token(stored_sample) -> None:  # type: ignore[no-untyped-def]
    store, _ = stored_sample
    client = TestClient(create_app(store, TOKEN))
    assert client.get("/api/batches").status_code == 401
    assert client.get("/", headers={"Authorization": "Bearer wrong-token-wrong-token"}).status_code == 401
    assert client.get("/?token=wrong-token-wrong-token").status_code == 401
    assert client.get("/healthz").status_code == 200
    with pytest.raises(ValueError):
        create_app(store, "short")


def test_dashboard_token_in_the_address_becomes_a_cookie(stored_sample) -> None:  # type: ignore[no-untyped-def]
    store, _ = stored_sample
    client = TestClient(create_app(store, TOKEN))
    r = client.get(f"/?token={TOKEN}", follow_redirects=False)
    assert r.status_code == 303 and "token" not in r.headers["location"]
    assert "httponly" in r.headers["set-cookie"].lower()
    assert client.get("/").status_code == 200  # the cookie now
    assert TOKEN not in r.headers["set-cookie"]  # an opaque session id, never the token itself


def test_a_cookie_holding_the_token_itself_is_not_a_session(stored_sample) -> None:  # type: ignore[no-untyped-def]
    store, _ = stored_sample
    client = TestClient(create_app(store, TOKEN), cookies={"svs_session": TOKEN})
    assert client.get("/api/batches").status_code == 401


def test_dashboard_sends_security_headers_and_runs_only_its_own_scripts(
        stored_sample) -> None:  # type: ignore[no-untyped-def]
    import base64
    import hashlib

    from svs.report.html import SCRIPT

    store, batch_id = stored_sample
    client = TestClient(create_app(store, TOKEN), headers={"Authorization": f"Bearer {TOKEN}"})
    for path in ("/", f"/batches/{batch_id}", "/api/batches", "/healthz"):
        h = client.get(path).headers
        assert h["x-frame-options"] == "DENY" and h["x-content-type-options"] == "nosniff", path
        assert "default-src 'none'" in h["content-security-policy"] and h["cache-control"] == "no-store", path
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in client.get("/").headers["content-security-policy"]
    script_src = client.get("/").headers["content-security-policy"].split("script-src")[1].split(";")[0]
    assert "'unsafe-inline'" not in script_src


def test_a_folder_in_the_store_that_is_not_a_batch_id_is_left_out(tmp_path: Path) -> None:
    store = DirStore(tmp_path)
    (tmp_path / "batches" / "odd name").mkdir(parents=True)
    (tmp_path / "batches" / "odd name" / "result.json").write_text("{}")
    r = _result("0001", "accepted", []).model_copy(update={"batch_id": "good-1"})
    store.put(keys.result("good-1", "0001", "0" * 64), r.model_dump_json().encode(), "manifest")
    client = TestClient(create_app(store, TOKEN), headers={"Authorization": f"Bearer {TOKEN}"})
    assert client.get("/").status_code == 200
    assert [b["batch_id"] for b in client.get("/api/batches").json()["batches"]] == ["good-1"]


def test_only_the_health_check_runs_on_the_event_loop(stored_sample) -> None:  # type: ignore[no-untyped-def]
    """Every handler that reads the store is a plain function, run in Starlette's thread pool: a slow listing
    cannot hold the loop that answers /healthz."""
    import inspect

    store, _ = stored_sample
    app = create_app(store, TOKEN)
    on_loop = {r.path for r in app.routes if inspect.iscoroutinefunction(getattr(r, "endpoint", None))}
    assert on_loop == {"/healthz"}


def test_dashboard_api_lists_batches_and_items(stored_sample) -> None:  # type: ignore[no-untyped-def]
    store, batch_id = stored_sample
    client = TestClient(create_app(store, TOKEN), headers={"Authorization": f"Bearer {TOKEN}"})
    batches = client.get("/api/batches").json()["batches"]
    row = next(b for b in batches if b["batch_id"] == batch_id)
    assert row["complete"] and row["items_done"] == 10 and row["verdicts"]["rescan"] == 3
    detail = client.get(f"/api/batches/{batch_id}").json()
    assert len(detail["items"]) == 10 and detail["summary"]["items"] == 10
    ItemResult.model_validate(detail["items"][0])
    assert client.get("/api/batches/no-such-batch").status_code == 404
    assert client.get("/api/batches/..%2F..%2Fetc").status_code == 404
    page = client.get(f"/batches/{batch_id}")
    assert page.status_code == 200 and "data:image" not in page.text  # the dashboard links its pictures
    pic = client.get(f"/batches/{batch_id}/items/0006/pictures/photo_overlay")
    assert pic.status_code == 200 and pic.headers["content-type"] == "image/jpeg" and pic.content[:2] == b"\xff\xd8"
    assert client.get(f"/batches/{batch_id}/items/0006/pictures/original").status_code == 404


def test_dashboard_shows_a_running_batch_with_its_progress(tmp_path: Path) -> None:
    store = DirStore(tmp_path)
    manifest = {"batch_id": "live-1", "items": [{"item_id": f"{i:04d}"} for i in range(1, 5)]}
    store.put(keys.batch_manifest("live-1"), json.dumps(manifest).encode(), "batch_manifest")
    r = _result("0001", "accepted", []).model_copy(update={"batch_id": "live-1"})
    store.put(keys.result("live-1", "0001", "0" * 64), r.model_dump_json().encode(), "manifest")
    client = TestClient(create_app(store, TOKEN), headers={"Authorization": f"Bearer {TOKEN}"})
    row = client.get("/api/batches").json()["batches"][0]
    assert row == {"batch_id": "live-1", "items_done": 1, "items_expected": 4, "complete": False, "verdicts": {},
                   "rescanned": 0}
    page = client.get("/batches/live-1").text
    assert "1 of 4 items processed (in progress)" in page and 'http-equiv="refresh"' in page


def test_report_shows_each_mrz_as_read_with_its_fields_checks_and_the_application_in_words(
        stored_sample) -> None:  # type: ignore[no-untyped-def]
    store, batch_id = stored_sample
    html = build_report(store, batch_id).decode()
    assert "TD3 MRZ, valid" in html and "P&lt;UTOBLACKWOOD&lt;&lt;ELEANOR" in html
    assert "<td>surname</td><td>BLACKWOOD</td>" in html and "document number ok" in html
    # one corrupt file of ten makes the application's state "a file is unusable", not a refused application
    assert "a file is unusable" in html and "<td>rejected</td>" not in html


def test_the_scan_picture_shows_a_crooked_page_as_scanned(stored_sample) -> None:  # type: ignore[no-untyped-def]
    import cv2
    import numpy as np

    from svs.report import collect

    store, batch_id = stored_sample
    view = collect(store, batch_id)
    [skewed] = [r for r in view.results if "page.skewed" in r.reasons]
    by_role = {s.role: s for s in skewed.stored}
    thumb = cv2.imdecode(np.frombuffer(store.get(by_role["thumbnail"].key), np.uint8), cv2.IMREAD_GRAYSCALE)
    straight = cv2.imdecode(np.frombuffer(store.get(by_role["normalised"].key), np.uint8), cv2.IMREAD_GRAYSCALE)
    small = cv2.resize(straight, (thumb.shape[1], thumb.shape[0]), interpolation=cv2.INTER_AREA)
    assert float(np.mean(cv2.absdiff(thumb, small))) > 2.0  # not the straightened copy
