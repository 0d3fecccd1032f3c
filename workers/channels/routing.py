"""Routing keys of result messages, and the topic patterns a consumer binds to select them.

Every result message goes to the results exchange (RabbitMQ: a topic exchange; Redis: a stream) under a routing
key that says what it is: ``item.<verdict>``, ``application.<verdict>`` or ``batch``. A consumer binds its own
queue (RabbitMQ) or consumer group (Redis) with patterns in AMQP's topic syntax: words separated by dots, ``*``
one word, ``#`` zero or more words (``item.*``, ``application.refer``, ``#``). Redis has no bindings: a consumer
group reads the whole stream and the consumer passes over what its patterns do not select, with the same
matching rule as RabbitMQ's (:func:`matches`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from svs.errors import ConfigError
from svs.schema import ApplicationSummary, BatchSummary, ItemResult

#: The results exchange (RabbitMQ), stream (Redis, ``svs:stream:results``), and the queue or consumer group of
#: the default consumer (``svs results`` without ``--queue``), which is bound to every message.
RESULTS = "svs.results"
EVERYTHING = ("#",)

_WORD = re.compile(r"[a-z0-9_-]+|\*|#")
_QUEUE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")


def routing_key(message: ItemResult | ApplicationSummary | BatchSummary) -> str:
    if isinstance(message, BatchSummary):
        return "batch"
    return f"{message.kind}.{message.verdict}"


def check_pattern(pattern: str) -> str:
    if not pattern or not all(_WORD.fullmatch(w) for w in pattern.split(".")):
        raise ConfigError(f"a binding is words of a-z 0-9 _ - joined by dots, or * or #: {pattern[:60]!r}")
    return pattern


def check_queue_name(name: str) -> str:
    if not _QUEUE.fullmatch(name) or name.startswith("amq."):
        raise ConfigError("a consumer's queue name is letters, digits, '.', '_' and '-' (not starting 'amq.')")
    return name


def _match(pattern: Sequence[str], key: Sequence[str]) -> bool:
    if not pattern:
        return not key
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return any(_match(rest, key[i:]) for i in range(len(key) + 1))
    return bool(key) and head in ("*", key[0]) and _match(rest, key[1:])


def matches(patterns: Iterable[str], key: str) -> bool:
    """Whether RabbitMQ would route a message with routing key *key* to a queue bound with *patterns*."""
    words = key.split(".")
    return any(_match(p.split("."), words) for p in patterns)
