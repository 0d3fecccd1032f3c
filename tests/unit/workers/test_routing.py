"""Routing keys and topic bindings: the same matching rule as RabbitMQ's topic exchange, on every broker."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import pytest

from svs.errors import ConfigError
from svs.schema import BatchSummary
from workers.channels import stub
from workers.channels.routing import check_pattern, check_queue_name, matches, routing_key
from workers.channels.stub import StubChannel


@pytest.mark.parametrize(("patterns", "key", "expected"), [
    (["#"], "item.accepted", True),
    (["#"], "batch", True),
    (["item.*"], "item.refer", True),
    (["item.*"], "application.refer", False),
    (["item.*"], "item", False),  # '*' is exactly one word
    (["item.#"], "item", True),  # '#' is zero or more
    (["*.refer"], "application.refer", True),
    (["batch"], "batch", True),
    (["batch"], "batch.x", False),
    (["item.refer", "application.*"], "application.accepted", True),
    (["#.refer"], "item.refer", True),
    (["#.refer"], "batch", False),
])
def test_bindings_select_routing_keys_as_a_rabbitmq_topic_exchange_does(
    patterns: list[str], key: str, expected: bool
) -> None:
    assert matches(patterns, key) is expected


def test_a_message_is_routed_by_its_kind_and_verdict() -> None:
    assert routing_key(BatchSummary(batch_id="b", items=0, verdicts={}, reasons={})) == "batch"


@pytest.mark.parametrize("pattern", ["", "item..refer", "Item.refer", "item.re fer", "item.%"])
def test_a_malformed_binding_is_refused(pattern: str) -> None:
    with pytest.raises(ConfigError):
        check_pattern(pattern)


@pytest.mark.parametrize("name", ["", "amq.gen-x", "case/working", "a b"])
def test_a_queue_name_that_would_clash_or_escape_is_refused(name: str) -> None:
    with pytest.raises(ConfigError):
        check_queue_name(name)


@pytest.fixture
def channel() -> Iterator[StubChannel]:
    stub.reset()
    yield StubChannel()
    stub.reset()


def test_each_consumer_queue_gets_what_it_is_bound_to_and_the_default_queue_everything(channel: StubChannel) -> None:
    assert list(channel.results("fraud", ["item.refer", "application.*"])) == []
    assert list(channel.results("stats", ["batch"])) == []
    keys = ["item.accepted", "item.refer", "application.refer", "batch"]
    for i, key in enumerate(keys):
        assert channel.publish_result_unique(json.dumps({"i": i}).encode(), key, f"marker-{i}")
    assert not channel.publish_result_unique(b"{}", "batch", "marker-0")  # once per marker
    assert [json.loads(b)["i"] for b in channel.results()] == [0, 1, 2, 3]
    assert [json.loads(b)["i"] for b in channel.results("fraud")] == [1, 2]  # bindings kept
    assert [json.loads(b)["i"] for b in channel.results("stats")] == [3]
    assert list(channel.results("fraud")) == []


@pytest.mark.parametrize("args", [["--bind", "batch"], ["--queue", "q", "--bind", "bad..x"],
                                  ["--queue", "q", "--dead-letters"]])
def test_results_options_that_cannot_go_together_are_a_usage_error(args: list[str]) -> None:
    p = subprocess.run([sys.executable, "-m", "svs.cli", "results", "--broker", "stub://", *args],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2, p.stderr
    assert "Traceback" not in p.stderr
