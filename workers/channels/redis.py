"""Redis channel: one list per queue; RPUSH to publish, LPOP / BLPOP to consume."""

from __future__ import annotations

from collections.abc import Iterator

import redis

from workers.channels.base import Channel

#: Push ARGV[1] on KEYS[2] only if KEYS[1] was not set; set it for ARGV[2] seconds. One atomic step in Redis.
_PUSH_UNIQUE = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', tonumber(ARGV[2])) then
  redis.call('RPUSH', KEYS[2], ARGV[1])
  return 1
end
return 0
"""
#: How long a publication's key is kept: far beyond any redelivery or retry of the message (hours at most); a
#: batch submitted again later is stopped by the marker object in the store.
UNIQUE_TTL_S = 7 * 24 * 3600


class RedisChannel(Channel):
    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10,
                                           retry_on_timeout=True)
        self._push_unique = self.client.register_script(_PUSH_UNIQUE)

    @staticmethod
    def _key(queue: str) -> str:
        return "svs:" + queue.removeprefix("svs.")

    def publish(self, queue: str, body: bytes) -> None:
        self.client.rpush(self._key(queue), body)

    def publish_unique(self, queue: str, body: bytes, key: str) -> bool:
        return bool(self._push_unique(keys=["svs:published:" + key, self._key(queue)], args=[body, UNIQUE_TTL_S]))

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

    def depth(self, queue: str) -> int:
        return int(self.client.llen(self._key(queue)))

    def purge(self, queue: str) -> None:
        self.client.delete(self._key(queue))

    def close(self) -> None:
        self.client.close()
