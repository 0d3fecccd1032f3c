"""What ops run on: liveness and readiness checks, Prometheus metrics from the workers, time limits that bite,
graceful shutdown."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from integration_helpers import Worker, collect, free_port, items, purge_all, submit, summaries, worker_env

from workers import health


def _svs(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "svs.cli", *args], capture_output=True, text=True, timeout=120,
                          env=env or dict(os.environ, PYTHONWARNINGS="ignore"))


def test_liveness_needs_a_fresh_heartbeat(tmp_path: Path) -> None:
    beat = tmp_path / "hb"
    assert health.liveness(beat)["ok"] is False  # none yet
    health.beat(beat)
    assert health.liveness(beat)["ok"] is True
    beat.write_text(f"{time.time() - 120} 1\n")
    stale = health.liveness(beat, max_age_s=60)
    assert stale["ok"] is False and stale["reason"] == "heartbeat too old"


@pytest.mark.integration
@pytest.mark.parametrize("broker", ["rabbitmq", "redis"])
def test_readiness_checks_broker_store_and_tesseract(broker: str, request: pytest.FixtureRequest,
                                                     s3_store_url: str) -> None:
    url = request.getfixturevalue(f"{broker}_url")
    p = _svs("health", "ready", "--broker", url, "--store", s3_store_url)
    out = json.loads(p.stdout)
    assert p.returncode == 0 and out["ok"], out
    assert set(out["checks"]) == {"broker", "store", "tesseract"} and "ready" in out["checks"]["broker"]["queue"]


def test_readiness_fails_with_a_reason_when_a_dependency_is_down(tmp_path: Path) -> None:
    closed = f"amqp://guest:guest@127.0.0.1:{free_port()}/"
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    out = health.readiness(closed, str(not_a_folder))
    assert out["ok"] is False and out["checks"]["broker"]["ok"] is False
    assert out["checks"]["store"] == {"ok": False, "reason": "FileExistsError"}
    assert out["checks"]["broker"]["reason"] in ("AMQPConnectionError", "ConnectionRefusedError")
    p = _svs("health", "ready", "--broker", "ftp://x")
    assert p.returncode == 2 and "broker URL" in p.stderr  # configuration is validated with a clear error


def test_a_hanging_tesseract_is_stopped_and_the_item_says_stage_timeout(gen, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
                                                                       tmp_path: Path) -> None:
    import pytesseract

    from svs.engines import tesseract
    from svs.pipeline import Options, analyse

    hang = tmp_path / "tesseract"
    hang.write_text("#!/bin/sh\nsleep 60\n")
    hang.chmod(0o755)
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", str(hang))
    monkeypatch.setattr(tesseract, "TIMEOUT_S", 1.0)
    page = gen.jpeg(gen.form_page("PA-2026-000009", 1, np.random.default_rng(1)))
    start = time.monotonic()
    a = analyse(page, "form.jpg", None, None, Options(mrz=False, photo=False))
    assert time.monotonic() - start < 20
    assert "stage.timeout" in a.reasons and a.document_type == "application_form" and a.quality is not None


def test_time_limits_nest_engine_below_actor_below_rabbitmq() -> None:
    from svs.engines import pdfium, tesseract
    from workers.config import WorkerSettings

    actor_ms = WorkerSettings.from_env().item_time_limit_ms
    assert tesseract.TIMEOUT_S * 1000 * 10 < actor_ms < 30 * 60 * 1000  # RabbitMQ's consumer timeout: 30 min
    assert actor_ms > pdfium.TIMEOUT_S * 1000 * 2  # a page count and a render both past their limit still fit


@pytest.mark.integration
def test_workers_export_metrics_beat_and_shut_down_gracefully(rabbitmq_url: str, s3_endpoint: str,
                                                              s3_store_url: str, sample_batch: Path,
                                                              tmp_path: Path) -> None:
    purge_all(rabbitmq_url)
    port = free_port()
    beat = tmp_path / "heartbeat"
    env = worker_env(rabbitmq_url, s3_endpoint, SVS_METRICS_PORT=str(port), SVS_HEARTBEAT_FILE=str(beat),
                     SVS_METRICS_DIR=str(tmp_path / "prom"))
    submit(sample_batch, s3_store_url, env)
    worker = Worker(env, processes=2, threads=1, log=tmp_path / "w.log")
    try:
        messages = collect(rabbitmq_url, lambda m: len(summaries(m)) >= 1 and len(items(m)) >= 10)
        time.sleep(1)
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
        live = _svs("health", "live", env=env)
    finally:
        worker.proc.send_signal(15)  # SIGTERM to the main process: Dramatiq finishes what it holds, then exits
        rc = worker.proc.wait(timeout=60)
        worker.stop()
    verdicts = {}
    for r in items(messages):
        verdicts[r["verdict"]] = verdicts.get(r["verdict"], 0) + 1
    for verdict, n in verdicts.items():
        assert f'svs_items_total{{verdict="{verdict}"}} {float(n)}' in text, verdict
    assert 'svs_item_reasons_total{reason="page.skewed"} 1.0' in text
    assert 'svs_stage_seconds_bucket{le="0.5",stage="quality"}' in text
    assert "dramatiq_messages_total" in text and 'svs_queue_depth{state="ready"}' in text
    assert "BLACKWOOD" not in text and "UT4839201" not in text
    assert live.returncode == 0 and json.loads(live.stdout)["ok"]
    assert rc == 0  # a clean, graceful exit
    time.sleep(1.5)
    assert health.liveness(beat, max_age_s=1.0)["ok"] is False  # the beat stops with the workers
