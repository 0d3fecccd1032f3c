"""Result channels: where item results, batch summaries and dead-letter notices are published for downstream
systems. A family of sibling backends on the broker the workers already use: RabbitMQ queues or Redis lists,
and the in-process stub beside them for ``stub://`` (tests).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlparse

from svs.errors import SvsError
from workers.channels.base import Channel
from workers.config import broker_url

__all__ = ["BrokerUnreachable", "Channel", "forget_thread_channel", "open_channel", "reaching", "thread_channel"]


class BrokerUnreachable(SvsError):
    """The broker did not answer (down, wrong host or port, refused credentials)."""

    code = "broker.unreachable"


def where(url: str) -> str:
    """A broker URL without its credentials, to say which broker could not be reached."""
    parsed = urlparse(url)
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{parsed.hostname or ''}{port}"


@contextmanager
def reaching(url: str | None = None) -> Iterator[None]:
    """Within this block, a broker that cannot be reached is one :class:`BrokerUnreachable`, not a client
    library's traceback."""
    import pika.exceptions
    import redis.exceptions

    try:
        yield
    except (pika.exceptions.AMQPConnectionError, redis.exceptions.ConnectionError, redis.exceptions.TimeoutError,
            ConnectionError, TimeoutError) as exc:
        raise BrokerUnreachable(f"cannot reach the broker at {where(broker_url(url))} "
                                f"({type(exc).__name__})") from None

_threads = threading.local()


def open_channel(url: str | None = None) -> Channel:
    url = broker_url(url)
    if urlparse(url).scheme == "stub":
        from workers.channels.stub import StubChannel

        return StubChannel(url)
    if urlparse(url).scheme.startswith("redis"):
        from workers.channels.redis import RedisChannel

        return RedisChannel(url)
    from workers.channels.rabbitmq import RabbitChannel

    return RabbitChannel(url)


def thread_channel(url: str | None = None) -> Channel:
    """This thread's channel to *url* (default: the broker's), opened on first use: a channel, like the pika
    connection under it, is used by one thread only (two worker threads sharing one once lost a message)."""
    channels: dict[str | None, Channel] = _threads.__dict__.setdefault("channels", {})
    if url not in channels:
        channels[url] = open_channel(url)
    return channels[url]


def forget_thread_channel(url: str | None = None) -> None:
    """Drop this thread's channel to *url* after a failure: the next :func:`thread_channel` opens a new one."""
    _threads.__dict__.get("channels", {}).pop(url, None)
