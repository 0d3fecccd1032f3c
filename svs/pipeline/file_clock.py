"""One clock for the pages of a file, whichever worker renders them.

A PDF's pages are items of their own, processed by any worker in any order, each render under its own call limit
(``pdfium.TIMEOUT_S``). A file of 500 pages, each just under that limit, would buy hours of rendering. So each
page's render time is recorded in the store under the file (create-only, the time in the record's name: one
listing sums them all), and a page is rendered only in what is left of the file's budget
(``Limits.max_file_render_s``): when it is spent, the file's remaining pages are ``stage.timeout`` at once,
without rendering. Pages rendered at the same moment by several workers may each use what was left when they
began: the budget is overrun by at most one call's limit per worker rendering the file at once.
"""

from __future__ import annotations

from svs.keys import file_clock
from svs.storage.base import Store


def spent_s(store: Store, batch_id: str, sha256: str) -> float:
    """Seconds already spent rendering this file's pages in this batch, by every worker."""
    prefix = file_clock(batch_id, sha256)
    total_ms = 0
    for key in store.list(prefix):
        _page, _, ms = key[len(prefix):].partition("-")
        if ms.isdigit():
            total_ms += int(ms)
    return total_ms / 1000


def record(store: Store, batch_id: str, sha256: str, page: int, seconds: float) -> None:
    """Add one page's render time (a second render of the same page, after a redelivery, counts too)."""
    key = f"{file_clock(batch_id, sha256)}{int(page):05d}-{max(round(seconds * 1000), 0)}"
    store.put(key, b"", "clock", "text/plain")
