"""docs/asyncapi.yaml: a well-formed AsyncAPI 3 document whose payloads are this release's exported schemas and
whose routing keys are every key svs publishes under. (The messages of real runs are checked against it in
tests/integration/test_fanout.py and below, on the in-process broker.)"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, get_args

import pytest
import yaml
from integration_helpers import ASYNCAPI, ASYNCAPI_MESSAGES, check_against_asyncapi

from svs.schema import EXPORTED, SCHEMA_VERSION, VerdictName, json_schemas

DOC: dict[str, Any] = yaml.safe_load(ASYNCAPI.read_text())


def _resolve(pointer: str) -> Any:
    node: Any = DOC
    for part in pointer.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return ([node["$ref"]] if "$ref" in node else []) + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_the_document_is_asyncapi_3_at_this_schema_version() -> None:
    assert DOC["asyncapi"] == "3.0.0"
    assert DOC["info"]["version"] == SCHEMA_VERSION and DOC["info"]["title"]
    assert {"channels", "operations", "components"} <= DOC.keys()
    for name, op in DOC["operations"].items():
        assert op["action"] in ("send", "receive"), name


def test_every_reference_resolves() -> None:
    refs = _refs(DOC)
    assert refs
    for ref in refs:
        if ref.startswith("#/"):
            _resolve(ref)
        else:
            assert (ASYNCAPI.parent / ref).is_file(), ref


def test_each_operation_sends_only_messages_of_its_own_channel() -> None:
    for name, op in DOC["operations"].items():
        channel = op["channel"]["$ref"]
        for m in op.get("messages", []):
            assert m["$ref"].startswith(channel + "/messages/"), name  # AsyncAPI 3's rule


@pytest.mark.parametrize("message", ["itemResult", "applicationSummary", "batchSummary", "deadLetter"])
def test_each_payload_is_the_exported_schema_of_this_release(message: str) -> None:
    ref = DOC["components"]["messages"][message]["payload"]["$ref"]
    name = Path(ref).name.removesuffix(".schema.json")
    assert name in EXPORTED
    assert json.loads((ASYNCAPI.parent / ref).read_text()) == json_schemas()[name], \
        "docs/schema is not this release's: run `svs schema docs/schema`"


def test_the_routing_keys_are_every_key_svs_publishes_under() -> None:
    verdicts = get_args(VerdictName)
    keys = {k for op in DOC["operations"].values() if op["action"] == "send"
            for k in op.get("bindings", {}).get("amqp", {}).get("cc", [])}
    assert keys == {f"item.{v}" for v in verdicts} | {f"application.{v}" for v in verdicts} | {"batch"}
    assert set(ASYNCAPI_MESSAGES.values()) <= set(DOC["channels"]["results"]["messages"])


def test_a_message_missing_a_required_field_fails_the_check() -> None:
    import jsonschema

    with pytest.raises(jsonschema.ValidationError):
        check_against_asyncapi([{"kind": "batch", "schema_version": SCHEMA_VERSION, "items": 1}])
