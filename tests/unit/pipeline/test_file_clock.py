"""One clock for a PDF's pages, whichever worker renders them: a file of many slow pages cannot buy more than
its render budget, however its pages are split."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from svs.intake import Limits
from svs.pipeline import Options, file_clock, process_item
from svs.storage import DirStore

sys.path.insert(0, str(Path(__file__).parents[1] / "intake"))
from test_intake import _pdf  # the crafted-PDF helper of the intake tests

FAST = Options(mrz=False, photo=False, forms=False, barcodes=False)


def test_once_a_files_render_time_is_spent_its_other_pages_time_out_at_once_on_every_worker(
        tmp_path: Path) -> None:
    # ten pages of 200 full-page fills each: about 2 s a page to render at 300 dpi here (20 s for the file),
    # against a file budget of 3 s; each page alone is far under one call's limit of 30 s
    data = _pdf([(595, 842)] * 10, b"0 0 595 842 re f\n", 200)
    options = Options(mrz=False, photo=False, forms=False, barcodes=False, limits=Limits(max_file_render_s=3.0))
    workers = [DirStore(tmp_path), DirStore(tmp_path)]  # two workers sharing only the store
    results, took = [], []
    start_all = time.perf_counter()
    for page in range(1, 11):
        start = time.perf_counter()
        results.append(process_item(workers[page % 2], "b1", f"{page:04d}", "slow.pdf", data, page, None, options))
        took.append(time.perf_counter() - start)
    wall = time.perf_counter() - start_all
    unrendered = [i for i, r in enumerate(results) if r.reasons[:1] == ["stage.timeout"] and "intake" not in
                  r.timings_ms]
    assert len(unrendered) >= 3 and unrendered == list(range(unrendered[0], 10))  # from then on, every page
    assert max(took[i] for i in unrendered) < 0.3  # refused at once, without rendering
    assert "intake" in results[0].timings_ms  # the first page was given the file's time
    assert file_clock.spent_s(workers[0], "b1", results[0].source.sha256) <= 3.0 + 1.0
    assert wall < 3.0 + 6.0  # not the 20 s the pages would take each under its own limit


def test_an_ordinary_pdfs_pages_are_all_rendered_and_their_time_recorded(tmp_path: Path) -> None:
    data = _pdf([(595, 842)] * 3)
    store = DirStore(tmp_path)
    results = [process_item(store, "b2", f"{p:04d}", "ok.pdf", data, p, None, FAST) for p in (1, 2, 3)]
    assert all("stage.timeout" not in r.reasons for r in results)
    assert len(store.list("batches/b2/clock/")) == 3
    assert 0 < file_clock.spent_s(store, "b2", results[0].source.sha256) < 30
