#!/usr/bin/env python3
"""What svs decides on a fixed set of inputs, as comparable JSON: the proof that a refactoring changed nothing.

    .venv/bin/python bench/snapshot.py --out before.jsonl      # on the old code
    .venv/bin/python bench/snapshot.py --out after.jsonl       # on the new code
    diff before.jsonl after.jsonl                              # no output: the same results

One line per result, keys sorted, with everything that legitimately varies between runs taken out (timings, the
processing time and host, the svs version). Derived images are kept as their SHA-256, so a changed overlay or
crop shows. The inputs: the sample batch run end to end into a directory store (items, applications, summary,
stored keys), then the item pipeline on the real images, on the evaluation-only MRZ generator's documents, on
the page-quality benchmark's independent pages with each defect, and on the fixtures' photos.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "fixtures"))

import bench_quality  # noqa: E402
import independent_docs  # noqa: E402

from svs.api import run_batch  # noqa: E402
from svs.pipeline import Options, analyse  # noqa: E402

TODAY = date(2026, 11, 22)
#: Keys whose values change from run to run on the same code.
VOLATILE = {"timings_ms", "ms", "processed_at", "host", "svs_version"}


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        # a stored manifest holds its processing time: its key stays, its digest and size vary
        drop = VOLATILE | ({"sha256", "bytes"} if value.get("role") in ("manifest", "summary", "application")
                           else set())
        return {k: _strip(v) for k, v in value.items() if k not in drop}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _line(kind: str, name: str, body: Any) -> str:
    return json.dumps({"kind": kind, "name": name, "body": _strip(body)}, sort_keys=True, default=str)


def sample_batch(options: Options) -> list[str]:
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        outcome = run_batch(ROOT / "fixtures" / "sample-batch", f"file://{tmp}/store", 1, options)
        for r in outcome.results:
            out.append(_line("batch-item", r.item_id, r.model_dump(mode="json")))
        for a in outcome.applications:
            out.append(_line("batch-application", a.application_id, a.model_dump(mode="json")))
        out.append(_line("batch-summary", outcome.summary.batch_id, outcome.summary.model_dump(mode="json")))
    return out


def _analysis(name: str, data: bytes, options: Options) -> str:
    a = analyse(data, name, None, None, options)
    body = {
        "source": a.source.model_dump(mode="json"), "document_type": a.document_type, "reasons": a.reasons,
        "application_id": a.application_id,
        "quality": a.quality.model_dump(mode="json") if a.quality else None,
        "mrz": a.mrz.model_dump(mode="json") if a.mrz else None,
        "photo": a.photo.model_dump(mode="json") if a.photo else None,
        "form": a.form.model_dump(mode="json") if a.form else None,
        "structure": a.structure.model_dump(mode="json") if a.structure else None,
        "derived": {role: hashlib.sha256(blob).hexdigest() for role, blob in sorted(a.derived.items())},
    }
    return _line("item", name, body)


def _png(img: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", img)
    assert ok
    return buf.tobytes()


def inputs(docs: int, pages: int) -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    data = ROOT.parent / "shared" / "data"
    if data.is_dir():
        for path in sorted(p for p in data.rglob("*") if p.is_file() and p.suffix.lower() in
                           (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".pdf")):
            out.append((f"real/{path.relative_to(data)}", path.read_bytes()))
    for doc in independent_docs.documents(docs):
        out.append((f"{doc.key}.png", _png(doc.image)))
    rng = np.random.default_rng(7)
    for i in range(pages):
        img, dpi = bench_quality.independent_page(rng)
        defect = list(bench_quality.EXPECTED)[i % len(bench_quality.EXPECTED)]
        out.append((f"page-{i:03d}-{defect}.png", _png(bench_quality.defect(img, defect, rng, dpi))))
    for path in sorted((ROOT / "fixtures" / "sample-batch").glob("*.jpg")):
        out.append((f"fixture/{path.name}", path.read_bytes()))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--docs", type=int, default=40, help="evaluation-generator documents (default 40)")
    ap.add_argument("--pages", type=int, default=20, help="independent quality pages (default 20)")
    args = ap.parse_args()
    options = Options(today=TODAY)
    lines = sample_batch(options)
    for name, data in inputs(args.docs, args.pages):
        lines.append(_analysis(name, data, options))
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} results written to {args.out}")


if __name__ == "__main__":
    main()
