"""Result channels: where item results, batch summaries and dead-letter notices are published for downstream
systems. A family of sibling backends on the broker the workers already use: RabbitMQ queues or Redis lists.
"""

from __future__ import annotations

from urllib.parse import urlparse

from workers.channels.base import Channel
from workers.config import broker_url

__all__ = ["Channel", "open_channel"]


def open_channel(url: str | None = None) -> Channel:
    url = broker_url(url)
    if urlparse(url).scheme.startswith("redis"):
        from workers.channels.redis import RedisChannel

        return RedisChannel(url)
    from workers.channels.rabbitmq import RabbitChannel

    return RabbitChannel(url)
