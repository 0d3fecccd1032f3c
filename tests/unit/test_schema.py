"""The published JSON shapes: closed, typed, and compatible within a major version."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from svs.schema import EXPORTED, SCHEMA_VERSION, ItemResult, json_schemas

BASELINES = Path(__file__).resolve().parents[1] / "schema_baseline"
#: Words about a field, not its type: they may change in any version.
PROSE = {"description", "title", "examples", "$id", "x-schema-version"}


def _open_objects(node: Any, path: str = "") -> list[str]:
    """Paths of objects that accept keys nobody described (``additionalProperties`` true or left out)."""
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("additionalProperties") is True or (
                node.get("type") == "object" and "properties" not in node and "additionalProperties" not in node):
            found.append(path or "/")
        for key, value in node.items():
            found += _open_objects(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _open_objects(value, f"{path}/{i}")
    return found


def _type_of(node: Any) -> Any:
    """A schema node without its prose and defaults: what a client generator types a field by."""
    if isinstance(node, dict):
        return {k: _type_of(v) for k, v in node.items() if k not in PROSE and k != "default"}
    if isinstance(node, list):
        return [_type_of(v) for v in node]
    return node


def _incompatibilities(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Fields of *old* that *new* removes or retypes, in the top-level model and every model it defines.
    Added fields (and added models) are compatible."""
    problems: list[str] = []
    models = {"": (old, new)} | {
        name: (schema, new.get("$defs", {}).get(name)) for name, schema in old.get("$defs", {}).items()}
    for name, (before, after) in models.items():
        if after is None:
            problems.append(f"model {name} removed")
            continue
        for field, shape in before.get("properties", {}).items():
            now = after.get("properties", {}).get(field)
            if now is None:
                problems.append(f"{name or 'top'}.{field} removed")
            elif _type_of(now) != _type_of(shape):
                problems.append(f"{name or 'top'}.{field} retyped")
        gained = set(after.get("required", [])) - set(before.get("required", [])) - set(before.get("properties", {}))
        problems += [f"{name or 'top'}.{f} now required" for f in sorted(gained & set(before.get("properties", {})))]
    return problems


@pytest.mark.parametrize("name", sorted(EXPORTED))
def test_published_shape_accepts_no_undescribed_keys(name: str) -> None:
    assert _open_objects(json_schemas()[name]) == []


def test_no_field_is_removed_or_retyped_within_a_major_version() -> None:
    major = SCHEMA_VERSION.split(".")[0]
    baseline = BASELINES / f"v{major}"
    assert baseline.is_dir(), (f"schema major version {major} has no baseline: copy docs/schema to {baseline} "
                               "when a new major version is published")
    current = json_schemas()
    problems = []
    for path in sorted(baseline.glob("*.schema.json")):
        name = path.name.removesuffix(".schema.json")
        if name not in current:
            problems.append(f"{name}: no longer published")
            continue
        problems += [f"{name}: {p}" for p in _incompatibilities(json.loads(path.read_text()), current[name])]
    assert problems == [], "a breaking schema change needs a new major version: " + "; ".join(problems)


def test_compatibility_check_catches_a_removed_and_a_retyped_field() -> None:
    old = ItemResult.model_json_schema()
    new = json.loads(json.dumps(old))
    del new["properties"]["verdict"]
    new["$defs"]["Source"]["properties"]["bytes"] = {"type": "string"}
    new["$defs"]["Source"]["properties"]["new_field"] = {"type": "string"}  # additions are fine
    assert _incompatibilities(old, new) == ["top.verdict removed", "Source.bytes retyped"]


def test_open_object_check_catches_an_untyped_mapping() -> None:
    assert _open_objects({"properties": {"x": {"type": "object", "additionalProperties": True}}}) == [
        "/properties/x"]
    assert _open_objects({"properties": {"x": {"type": "object"}}}) == ["/properties/x"]


def test_an_item_that_could_not_be_read_publishes_an_empty_quality_object() -> None:
    """The contract's ``"quality": {...}`` stays an object for a refused item, and reads back typed."""
    from svs.pipeline import Options, item_result, refused
    from svs.schema import NotMeasured, Source

    source = Source(name="x.jpg", sha256="0" * 64, bytes=0, content_type="application/octet-stream", page=None)
    r = item_result("b1", "0001", refused(source, None, "input.unreadable", None), Options())
    body = json.loads(r.model_dump_json())
    assert body["quality"] == {} and body["verdict"] == "rejected"
    assert isinstance(ItemResult.model_validate_json(r.model_dump_json()).quality, NotMeasured)
