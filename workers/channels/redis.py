"""Redis channel: one list per queue; RPUSH to publish, LPOP / BLPOP to consume."""

from __future__ import annotations

from collections.abc import Iterator

import redis

from workers.channels.base import Channel


class RedisChannel(Channel):
    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10,
                                           retry_on_timeout=True)

    @staticmethod
    def _key(queue: str) -> str:
        return "svs:" + queue.removeprefix("svs.")

    def publish(self, queue: str, body: bytes) -> None:
        self.client.rpush(self._key(queue), body)

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
