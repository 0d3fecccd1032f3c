"""Hostile input, fuzzed with Hypothesis: intake, every stage through ``analyse``, the MRZ parser and decoder,
batch manifests and folders. Nothing may raise anything but the typed refusal, hang, or read outside the batch.

Each property runs ``SVS_FUZZ_EXAMPLES`` cases (200 in the test suite; ``bench/fuzz.sh`` runs 100,000+ in all).
"""

from __future__ import annotations

import io
import json
import os
import re
import time
from datetime import date
from pathlib import Path

import generate
import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from PIL import Image

from svs.batch import BatchError, load_batch
from svs.errors import IntakeError
from svs.intake import DEFAULT_LIMITS, load_page, probe
from svs.mrz.decode import decode
from svs.mrz.parse import parse
from svs.pipeline import Options, analyse

EXAMPLES = int(os.environ.get("SVS_FUZZ_EXAMPLES", "200"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
#: No single input may take longer than this through a whole stage (a hang is a failure, not a slow test).
MAX_SECONDS = 20.0
MRZ_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"


SEEDS = generate.fuzz_seeds()


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A valid small JPEG, PNG, multi-page TIFF or PDF with bytes flipped, cut, inserted or repeated."""
    data = bytearray(SEEDS[draw(st.sampled_from(sorted(SEEDS)))])
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["flip", "cut", "insert", "repeat", "zero"]))
        # mostly past the magic bytes, so that most cases reach the decoders and the stages behind them
        at = draw(st.integers(0, max(0, len(data) - 1)) | st.integers(min(16, max(0, len(data) - 1)),
                                                                      max(0, len(data) - 1)))
        if op == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif op == "cut":
            del data[at:]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif op == "repeat":
            data[at:at] = bytes(data[at:at + draw(st.integers(1, 512))]) * draw(st.integers(1, 20))
        elif op == "zero":
            data[at:at + draw(st.integers(1, 256))] = b"\x00" * len(data[at:at + 256])
    return bytes(data)


@FUZZ
@given(st.binary(max_size=4096))
def test_intake_refuses_arbitrary_bytes_with_a_reason_or_decodes_them(data: bytes) -> None:
    try:
        info = probe(data, "x", DEFAULT_LIMITS)
        pg = load_page(data, info, None, DEFAULT_LIMITS)
        assert pg.width * pg.height <= DEFAULT_LIMITS.max_pixels
    except IntakeError as exc:
        assert exc.code.startswith("input.")


@FUZZ
@given(mutated())
def test_every_stage_turns_a_mangled_file_into_a_result(data: bytes) -> None:
    start = time.monotonic()
    a = analyse(data, "x", None, None, Options(today=date(2026, 11, 22)))
    assert time.monotonic() - start < MAX_SECONDS
    assert a.reasons is not None and a.source.sha256
    assert "stage.failed" not in a.reasons, "a stage raised on this input"
    if a.quality is None:
        assert a.reasons and a.reasons[0].startswith("input.")
    event("refused: " + a.reasons[0] if a.quality is None else "decoded and checked by every stage")


@FUZZ
@given(st.lists(st.text(alphabet=MRZ_ALPHABET + " abc\n", max_size=50), max_size=4))
def test_the_mrz_parser_takes_any_lines(lines: list[str]) -> None:
    p = parse(lines, date(2026, 11, 22))
    assert p.reasons or p.format is not None


@FUZZ
@given(st.sampled_from([(2, 44), (2, 36), (3, 30)]), st.integers(0, 2**32 - 1))
def test_the_mrz_decoder_takes_any_probabilities(shape: tuple[int, int], seed: int) -> None:
    rng = np.random.default_rng(seed)
    lines, length = shape
    probs = [rng.dirichlet(np.ones(len(MRZ_ALPHABET)) * rng.uniform(0.05, 2), size=length).astype(np.float32)
             for _ in range(lines)]
    fmt = {44: "TD3", 36: "TD2", 30: "TD1"}[length]
    d = decode(probs, fmt)
    assert all(len(line) == length for line in d.lines)


JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                       lambda kids: st.lists(kids, max_size=5) | st.dictionaries(st.text(max_size=10), kids,
                                                                                  max_size=5), max_leaves=20)
KEYS = st.sampled_from(["batch_id", "operator", "scanner", "expected_items", "documents", "order"])


@FUZZ
@given(manifest=st.dictionaries(KEYS, JSONISH | st.lists(st.sampled_from(
    ["a.jpg", "../a.jpg", "/etc/passwd", "a.jpg", "..", "b.png", "c.pdf", "link.jpg"]), max_size=6)),
       junk=st.binary(max_size=64))
def test_a_hostile_batch_manifest_is_refused_or_read_and_never_leaves_the_folder(
        manifest: dict[str, object], junk: bytes, tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("b")
    (folder / "a.jpg").write_bytes(SEEDS["JPEG"])
    (folder / "b.png").write_bytes(SEEDS["PNG"])
    outside = folder.parent / "secret.jpg"
    outside.write_bytes(SEEDS["JPEG"])
    (folder / "link.jpg").symlink_to(outside)
    (folder / "batch.json").write_bytes(json.dumps(manifest).encode() + junk)
    try:
        batch = load_batch(folder)
    except BatchError:
        return
    names = {i.name for i in batch.items}
    assert names <= {"a.jpg", "b.png"}  # never the link, never a path outside
    assert all((folder / n).resolve().parent == folder.resolve() for n in names)


def test_absurd_shapes_and_counts_are_refused_or_handled(tmp_path: Path) -> None:
    thin = Image.new("L", (100_000, 1), 255)
    buf = io.BytesIO()
    thin.save(buf, "PNG")
    a = analyse(buf.getvalue(), "thin.png", None, None, Options())
    assert a.reasons and "stage.failed" not in a.reasons
    pages = [Image.new("L", (8, 8), 255)] * (DEFAULT_LIMITS.max_pages + 1)
    many = io.BytesIO()
    pages[0].save(many, "TIFF", save_all=True, append_images=pages[1:])
    with pytest.raises(IntakeError) as exc:
        probe(many.getvalue(), "many.tif", DEFAULT_LIMITS)
    assert exc.value.code == "input.too_large"


ATHERIS_RUNS = {"images": 3000, "pdf": 25, "mrz": 20000, "manifest": 3000}


@pytest.mark.parametrize("target", sorted(ATHERIS_RUNS))
def test_coverage_guided_fuzzing_finds_no_crash(target: str, tmp_path: Path) -> None:
    # atheris (libFuzzer) mutates the inputs that reach new code in svs's modules; bench/fuzz_atheris.py runs
    # it at volume. A crash, a timeout or an input past the memory limit ends the run with a non-zero status.
    import subprocess
    import sys

    pytest.importorskip("atheris")
    harness = Path(__file__).resolve().parents[3] / "bench" / "fuzz_atheris.py"
    runs = ATHERIS_RUNS[target] * max(1, EXAMPLES // 200)
    done = subprocess.run([sys.executable, str(harness), target, f"-runs={runs}", "-timeout=20", "-rss_limit_mb=2048",
                           "-close_fd_mask=2"], capture_output=True, text=True, timeout=600, cwd=tmp_path,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert done.returncode == 0, done.stderr[-3000:]
    finished = re.search(r"Done (\d+) runs", done.stderr)  # libFuzzer may count the seeds' first runs too
    assert finished is not None and int(finished.group(1)) >= runs
    assert not list(tmp_path.glob("crash-*")) and not list(tmp_path.glob("timeout-*"))
