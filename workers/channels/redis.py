"""Redis channel: a list per plain queue (RPUSH / LPOP); results on a stream read by consumer groups.

Each consumer of results owns a consumer group on the stream ``svs:stream:results``: every group reads every
entry once, a consumer acknowledges (``XACK``) an entry after handling it, and what a dead consumer of the group
held unacknowledged is claimed back (``XAUTOCLAIM``) after ``claim_after_s``. The stream is trimmed to about
``SVS_RESULTS_STREAM_MAXLEN`` entries; every result is in the store in any case.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import redis

from workers.channels.base import Channel
from workers.channels.routing import EVERYTHING, RESULTS, matches

T = TypeVar("T")

#: Add ARGV[1] (routing key ARGV[2]) to the stream KEYS[2] only if KEYS[1] was not set; set it for ARGV[3]
#: seconds. One atomic step in Redis.
_ADD_UNIQUE = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', tonumber(ARGV[3])) then
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', tonumber(ARGV[4]), '*', 'rk', ARGV[2], 'body', ARGV[1])
  return 1
end
return 0
"""
#: How long a publication's key is kept: far beyond any redelivery or retry of the message (hours at most); a
#: batch submitted again later is stopped by the marker object in the store.
UNIQUE_TTL_S = 7 * 24 * 3600
#: Entries taken per read.
BATCH = 100


def stream_maxlen() -> int:
    raw = os.environ.get("SVS_RESULTS_STREAM_MAXLEN", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1_000_000


def _entries(reply: Any) -> list[Any]:
    """The entries of one stream's XREADGROUP reply (RESP2: ``[[stream, [(id, fields), ...]]]``)."""
    return list(reply[0][1]) if reply else []


class RedisChannel(Channel):
    def __init__(self, url: str, claim_after_s: float = 60.0) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10,
                                           retry_on_timeout=True)
        self._add_unique = self.client.register_script(_ADD_UNIQUE)
        #: how long an entry another consumer of the group took stays unacknowledged before it is claimed
        self.claim_after_s = claim_after_s

    @staticmethod
    def _key(queue: str) -> str:
        return "svs:" + queue.removeprefix("svs.")

    @staticmethod
    def stream(exchange: str = RESULTS) -> str:
        return "svs:stream:" + exchange.removeprefix("svs.")

    def publish(self, queue: str, body: bytes) -> None:
        self.client.rpush(self._key(queue), body)

    def publish_result_unique(self, body: bytes, routing_key: str, key: str, exchange: str = RESULTS) -> bool:
        return bool(self._add_unique(keys=["svs:published:" + key, self.stream(exchange)],
                                     args=[body, routing_key, UNIQUE_TTL_S, stream_maxlen()]))

    def consume(self, queue: str, *, follow: bool = False, idle_timeout: float = 1.0) -> Iterator[bytes]:
        key = self._key(queue)
        while True:
            if follow:
                item = self.client.blpop([key], timeout=max(1, int(idle_timeout)))
                if item is None:
                    continue
                yield bytes(item[1])  # type: ignore[arg-type]
            else:
                body = self.client.lpop(key)
                if body is None:
                    return
                yield bytes(body)  # type: ignore[arg-type]

    def _group(self, stream: str, group: str, start: str) -> None:
        try:
            self.client.xgroup_create(stream, group, id=start, mkstream=True)
        except redis.exceptions.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def _bindings(self, stream: str, group: str, binds: Sequence[str] | None) -> list[str]:
        """The group's binding patterns, kept in Redis as RabbitMQ keeps a queue's: *binds* added to them; a
        group that has none is bound to everything."""
        key = f"{stream}:bindings:{group}"
        if binds:
            self.client.sadd(key, *binds)
        elif not self.client.exists(key):
            self.client.sadd(key, *EVERYTHING)
        return sorted(b.decode() for b in self.client.smembers(key))  # type: ignore[union-attr]

    def results(self, queue: str | None = None, binds: Sequence[str] | None = None, *, follow: bool = False,
                idle_timeout: float = 1.0, exchange: str = RESULTS) -> Iterator[bytes]:
        """A consumer group named *queue* reads from its creation on; the default one (no *queue*) from the
        stream's start, as the list it replaces kept everything. Following, a lost connection is retried; the
        entries this consumer held when it was lost are read again from its own pending list, and those it had
        already handed out are acknowledged without being handed out twice."""
        stream, group = self.stream(exchange), queue or exchange
        me = f"{socket.gethostname()}-{os.getpid()}-{id(self):x}"
        handed: set[bytes] = set()  # entry ids handed out, not yet acknowledged
        own_pending = True  # read this consumer's pending entries first (after a reconnect)
        next_claim = 0.0

        def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
            nonlocal own_pending
            while True:
                try:
                    return fn(*args, **kwargs)
                except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
                    if not follow:
                        raise
                    own_pending = True
                    time.sleep(1.0)

        call(self._group, stream, group, "0" if queue is None else "$")
        patterns = call(self._bindings, stream, group, EVERYTHING if queue is None else binds)
        while True:
            entries: list[Any] = []
            if own_pending:
                entries = _entries(call(self.client.xreadgroup, group, me, {stream: "0"}, count=BATCH))
                own_pending = bool(entries)
            if not entries and time.monotonic() >= next_claim:
                claimed = call(self.client.xautoclaim, stream, group, me, int(self.claim_after_s * 1000),
                               "0-0", count=BATCH)
                entries = list(claimed[1])
                if not entries:
                    next_claim = time.monotonic() + min(self.claim_after_s / 2, 5.0)
            if not entries:
                block = int(max(idle_timeout, 0.05) * 1000) if follow else None
                entries = _entries(call(self.client.xreadgroup, group, me, {stream: ">"}, count=BATCH,
                                        block=block))
            if not entries:
                if not follow:
                    return
                continue
            for entry_id, fields in entries:
                fields = fields or {}  # an entry trimmed while pending has no fields left
                body, key = fields.get(b"body"), fields.get(b"rk", b"").decode()
                if body is not None and entry_id not in handed and matches(patterns, key):
                    handed.add(entry_id)
                    yield bytes(body)
                call(self.client.xack, stream, group, entry_id)
                handed.discard(entry_id)

    def depth(self, queue: str) -> int:
        return int(self.client.llen(self._key(queue)))

    def purge(self, queue: str) -> None:
        stream = self.stream(queue)
        self.client.delete(self._key(queue), stream, *self.client.keys(stream + ":bindings:*"))

    def close(self) -> None:
        self.client.close()
