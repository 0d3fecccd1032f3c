"""The per-item pipeline: intake → checks → decision → storage. The same code serves ``svs run`` and the workers.

- :mod:`svs.pipeline.options`: what a run is asked to do;
- :mod:`svs.pipeline.context`: one item as it goes down the chain;
- :mod:`svs.pipeline.stages`: the stages, each a unit that says when it applies and what it adds, in order;
- :mod:`svs.pipeline.chain`: load the page, run the chain (pure: bytes in, result and images out);
- :mod:`svs.pipeline.item`: the item into the store, idempotently.
"""

from svs.pipeline.chain import Analysis, analyse, page_quality, refused, warm_up
from svs.pipeline.item import item_result, load_stored_result, process_item, seen_before, unprocessed_result
from svs.pipeline.options import Options, Timer
from svs.pipeline.stages import CHAIN, Stage, page_marks

__all__ = [
    "CHAIN", "Analysis", "Options", "Stage", "Timer", "analyse", "item_result", "load_stored_result",
    "page_marks", "page_quality", "process_item", "refused", "seen_before", "unprocessed_result", "warm_up",
]
