"""A worker process with a memory cap (``SVS_MEMORY_LIMIT_MB``, svs.memory): hostile inputs that need more than the
cap get a result with a reason, and the process goes on with the next item instead of being killed."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from svs.memory import MIN_LIMIT_MB, current_cap_mb
from workers.config import WorkerSettings

#: headroom above the child's address space after start-up: too little for 243 MB of colour pixels, or plenty
TIGHT_MB = 150
ROOMY_MB = 1500

CHILD = textwrap.dedent("""
    import json, resource, sys
    from pathlib import Path
    from svs.memory import cap
    from svs.pipeline import Options, analyse, warm_up
    warm_up()  # as a worker does before its cap applies (workers.middleware.MemoryCap)
    started = [int(x.split()[1]) // 1024 for x in open("/proc/self/status") if x.startswith("VmSize")][0]
    cap(started + int(sys.argv[1]))  # headroom above what start-up took (libraries, thread stacks)
    out = {}
    for path in sorted(Path(sys.argv[2]).iterdir()):
        r = analyse(path.read_bytes(), path.name, None, None, Options(mrz=True, photo=True, forms=False))
        out[path.name] = r.reasons
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps(out))
""")


def _png(w: int, h: int, lines: bool = False) -> bytes:
    page = np.full((h, w), 235, np.uint8)
    if lines:  # a ruled page: not blank, so every stage looks at it; compresses to a small file
        page[::40, :] = 20
        page[:, ::55] = 30
    buf = io.BytesIO()
    Image.fromarray(page).save(buf, "PNG")
    return buf.getvalue()


def _run(cap_mb: int, folder: Path, timeout_s: int = 600) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", CHILD, str(cap_mb), str(folder)], capture_output=True,
                          text=True, timeout=timeout_s)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "a-line-1x100000.png").write_bytes(_png(100_000, 1))
    (folder / "b-81-megapixels.png").write_bytes(_png(9000, 9000, lines=True))  # under every intake limit
    rng = np.random.default_rng(1)
    frames = [Image.fromarray((rng.random((400, 300)) * 255).astype(np.uint8)) for _ in range(40)]
    buf = io.BytesIO()
    frames[0].save(buf, "TIFF", save_all=True, append_images=frames[1:])
    (folder / "c-tiff-40-pages.tif").write_bytes(buf.getvalue())
    (folder / "d-ordinary-scan.png").write_bytes(_png(1240, 1754, lines=True))
    return folder


def test_pages_beyond_the_memory_cap_get_a_reason_and_the_process_goes_on(hostile: Path) -> None:
    out = _run(TIGHT_MB, hostile)
    assert out["b-81-megapixels.png"] == ["input.too_large"]
    assert out["a-line-1x100000.png"] == ["input.too_large"] and out["c-tiff-40-pages.tif"] is not None
    assert "input.too_large" not in out["d-ordinary-scan.png"]  # type: ignore[operator]  # the next item is fine


def test_the_same_page_is_checked_where_the_cap_allows_it(hostile: Path) -> None:
    out = _run(ROOMY_MB, hostile)
    assert "input.too_large" not in out["b-81-megapixels.png"]  # type: ignore[operator]
    assert out["peak_mb"] < 1500  # type: ignore[operator]  # resident memory for an 81-megapixel page


@pytest.mark.parametrize("headroom_mb", [250, 350, 450, 550])
def test_no_stage_hangs_when_memory_runs_out_part_way_through(tmp_path: Path, headroom_mb: int) -> None:
    # at some of these the page decodes and a later stage runs short; OpenBLAS once spun forever there when
    # SciPy was first imported under the cap: now every engine loads before it (svs.pipeline.warm_up)
    (tmp_path / "page.png").write_bytes(_png(9000, 9000, lines=True))
    out = _run(headroom_mb, tmp_path, timeout_s=120)
    assert out["page.png"]


def test_memory_limit_is_validated_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    from svs.errors import ConfigError

    monkeypatch.setenv("SVS_MEMORY_LIMIT_MB", "64")
    with pytest.raises(ConfigError, match="SVS_MEMORY_LIMIT_MB"):
        WorkerSettings.from_env()
    monkeypatch.setenv("SVS_MEMORY_LIMIT_MB", str(MIN_LIMIT_MB))
    assert WorkerSettings.from_env().memory_limit_mb == MIN_LIMIT_MB


def test_cap_applies_to_the_process_it_is_called_in() -> None:
    code = "from svs.memory import cap, current_cap_mb; cap(4096); print(current_cap_mb())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "4096"
    assert current_cap_mb() != 4096  # the test process itself is untouched


@pytest.fixture(scope="module")
def small_batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("embedded") / "batch"
    folder.mkdir()
    (folder / "a-ordinary-scan.png").write_bytes(_png(1240, 1754, lines=True))
    (folder / "b-ordinary-scan.png").write_bytes(_png(1240, 1754, lines=True))
    return folder


EMBEDDED = textwrap.dedent("""
    import json, sys
    from svs.api import run_batch
    from svs.memory import current_cap_mb
    jobs, limit, batch, store = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    out = run_batch(batch, store, jobs, memory_limit_mb=limit)
    print(json.dumps({"reasons": [r.reasons for r in out.results], "cap_here": current_cap_mb()}))
""")


def test_svs_run_in_one_process_caps_that_process(small_batch: Path, tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", EMBEDDED, "1", "2048", str(small_batch), str(tmp_path / "s")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["cap_here"] == 2048 and len(out["reasons"]) == 2


def test_svs_run_with_several_processes_caps_them_and_not_itself(small_batch: Path, tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", EMBEDDED, "2", "2048", str(small_batch), str(tmp_path / "s")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["cap_here"] is None and len(out["reasons"]) == 2


def test_child_processes_load_engines_then_take_the_cap() -> None:
    code = ("from svs.pipeline.processes import init_process; from svs.memory import current_cap_mb; "
            "from svs.mrz.ocr import recogniser; init_process(2048); "
            "print(current_cap_mb(), recogniser.cache_info().currsize)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["2048", "1"], done.stderr[-2000:]


def test_svs_run_takes_the_limit_from_the_environment_and_refuses_one_too_small(small_batch: Path) -> None:
    import os

    svs = Path(sys.executable).with_name("svs")
    base = [str(svs), "run", str(small_batch), "--store", str(small_batch.parent / "store"), "--json", "--jobs", "1"]
    env = {**os.environ, "SVS_MEMORY_LIMIT_MB": "64"}
    done = subprocess.run(base, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 2 and "config.invalid" in done.stderr and "SVS_MEMORY_LIMIT_MB" in done.stderr
    done = subprocess.run([*base, "--memory-limit-mb", "64"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and "--memory-limit-mb" in done.stderr
    env["SVS_MEMORY_LIMIT_MB"] = "1024"  # the minimum: every item within the intake limits fits (BENCHMARKS.md)
    done = subprocess.run(base, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
