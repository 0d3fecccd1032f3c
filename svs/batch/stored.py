"""Reading one stored item result back, by batch id and item id."""

from __future__ import annotations

from pydantic import ValidationError

from svs import keys
from svs.schema import ItemResult
from svs.storage.base import Store


def stored_result(store: Store, batch_id: str, item_id: str) -> ItemResult | None:
    """One item's stored result, found by listing only that item's objects."""
    prefix = keys.batch_results_prefix(batch_id) + keys.check_id(item_id, "item id") + "-"
    for key in store.list(prefix):
        if key.endswith("/result.json"):
            try:
                r = ItemResult.model_validate_json(store.get(key))
            except (KeyError, ValidationError):
                continue
            if r.item_id == item_id:  # "0007-" also lists the pages "0007-p001-..."
                return r
    return None
