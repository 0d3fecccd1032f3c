#!/usr/bin/env python3
"""Coverage-guided fuzzing with atheris (libFuzzer for Python), beside Hypothesis's properties in
tests/unit/intake/test_fuzz.py: libFuzzer keeps the inputs that reach new code in svs's own modules and mutates
those, so it goes deeper into a format's structure than random mutation does.

    .venv/bin/python bench/fuzz_atheris.py TARGET [libFuzzer options, e.g. -runs=100000 -max_total_time=600]

Targets:
  images  bytes -> probe, decode every page (JPEG, PNG, multi-page TIFF): only IntakeError may come out
  pdf     the same from a PDF seed (each PDF is opened in a child process with a time limit: slow)
  mrz     bytes -> MRZ lines -> parse under ICAO 9303: never raises, always a reading with reasons
  manifest bytes -> batch.json of a batch folder -> load_batch: only BatchError may come out, nothing is read
          outside the folder

Seeds: a small valid file of each format (the same as tests/unit/intake/test_fuzz.py's). A crash (any other
exception) or an input slower than -timeout seconds ends the run with libFuzzer's report and a non-zero exit
status; the input is written to crash-*/timeout-* in the working directory. tests/unit/intake/test_fuzz.py runs
each target briefly.
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import date
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))

import atheris

with atheris.instrument_imports(include=["svs"]):
    from svs.batch import BatchError, load_batch
    from svs.errors import IntakeError
    from svs.intake import DEFAULT_LIMITS, PDF, load_page, probe, sniff
    from svs.mrz.parse import parse

import generate  # after the instrumented imports: it imports svs modules too

TODAY = date(2026, 11, 23)
TIFF_PAGES = 2


def seeds() -> dict[str, bytes]:
    return generate.fuzz_seeds()


def images(data: bytes) -> None:
    if sniff(data) == PDF:
        return  # the pdf target's: each PDF is opened in a child process, a hundred times slower
    intake(data)


def intake(data: bytes) -> None:
    try:
        info = probe(data, "fuzzed", DEFAULT_LIMITS)
        for page in range(1, min(info.pages, TIFF_PAGES) + 1) if info.pages > 1 else [None]:
            pg = load_page(data, info, page, DEFAULT_LIMITS)
            assert pg.grey_half.size > 0 and pg.colour.ndim == 3
    except IntakeError as exc:
        assert exc.code.startswith("input."), exc.code


def mrz(data: bytes) -> None:
    text = data.decode("latin-1")
    r = parse(text.split("\n")[:3], TODAY)
    if r.valid:  # valid means a known format whose every check digit passes
        assert r.format is not None and all(r.checks.values())


_FOLDER = Path(tempfile.mkdtemp(prefix="svs-fuzz-batch-"))
(_FOLDER / "scan.png").write_bytes(seeds()["PNG"])


def manifest(data: bytes) -> None:
    (_FOLDER / "batch.json").write_bytes(data)
    try:
        batch = load_batch(_FOLDER, DEFAULT_LIMITS)
    except BatchError as exc:
        assert exc.code.startswith("batch."), exc.code
        return
    for item in batch.items:  # nothing outside the folder
        assert (_FOLDER / item.name).resolve().is_relative_to(_FOLDER.resolve())


TARGETS = {"images": images, "pdf": intake, "mrz": mrz, "manifest": manifest}
CORPUS_SEEDS = {
    "images": lambda: [v for k, v in seeds().items() if k != "PDF"],
    "pdf": lambda: [seeds()["PDF"]],
    "mrz": lambda: [b"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"],
    "manifest": lambda: [b'{"batch_id": "b-1", "operator": "op-1", "expected_items": 1, "order": ["scan.png"], '
                         b'"documents": {"scan.png": "supporting_document"}}'],
}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: {sys.argv[0]} {{{','.join(TARGETS)}}} [libFuzzer options]")
    target = sys.argv[1]
    corpus = Path(tempfile.mkdtemp(prefix=f"svs-fuzz-{target}-"))
    for i, seed in enumerate(CORPUS_SEEDS[target]()):
        (corpus / f"seed-{i}").write_bytes(seed)
    atheris.Setup([sys.argv[0], *sys.argv[2:], str(corpus)], TARGETS[target])
    atheris.Fuzz()


if __name__ == "__main__":
    main()
