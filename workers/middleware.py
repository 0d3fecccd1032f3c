"""svs middleware for Dramatiq: a dead-letter notice, with its reason, for every message that finally fails; a
memory cap on each worker process."""

from __future__ import annotations

import logging
from typing import Any

import dramatiq
from dramatiq.broker import MessageProxy
from dramatiq.middleware import Middleware, TimeLimitExceeded

from svs import memory
from svs.errors import PoisonMessage, SvsError, TransientStoreError
from svs.pipeline import warm_up
from svs.schema import DeadLetter

log = logging.getLogger("workers.middleware")


def is_transient(exc: BaseException) -> bool:
    """Failures that may pass on their own: retry these with backoff. Anything else fails at once."""
    if isinstance(exc, TransientStoreError | ConnectionError | TimeoutError):
        return True
    name = type(exc).__module__ + "." + type(exc).__name__
    return name.startswith(("pika.exceptions", "redis.exceptions", "botocore.exceptions",
                            "urllib3.exceptions")) and "Auth" not in name


def reason_of(exc: BaseException | None) -> str:
    """A reason without message text: svs codes for svs errors, the class name otherwise."""
    if exc is None:
        return "unknown"
    if isinstance(exc, SvsError):
        return exc.code
    if isinstance(exc, TimeLimitExceeded):
        return "stage.timeout"
    return type(exc).__name__


class DeadLetterNotice(Middleware):
    """After a message has failed for good (poison, or retries spent), publish a :class:`DeadLetter` notice.

    The message itself goes to the broker's dead-letter queue (Dramatiq's ``.XQ``) where it can be replayed.
    """

    def __init__(self, url: str) -> None:
        self.url = url

    def after_process_message(self, broker: dramatiq.Broker, message: MessageProxy, *,
                              result: Any = None, exception: BaseException | None = None) -> None:
        if exception is None or not message.failed:
            return
        args = message.kwargs or {}
        notice = DeadLetter(
            message_id=message.message_id, actor=message.actor_name,
            batch_id=args.get("batch_id") if isinstance(args.get("batch_id"), str) else None,
            item_id=args.get("item_id") if isinstance(args.get("item_id"), str) else None,
            reason=reason_of(exception), retries=int(message.options.get("retries", 0)),
        )
        log.warning("message dead-lettered", extra={"message_id": message.message_id, "error": notice.reason,
                                                     "batch_id": notice.batch_id, "item_id": notice.item_id})
        try:
            self._publish(notice.model_dump_json().encode())
        except Exception:  # noqa: BLE001 - the message is in the broker's dead-letter queue regardless
            log.error("dead-letter notice not published", extra={"message_id": message.message_id})

    def _publish(self, body: bytes) -> None:
        """Publish on this thread's channel; a channel the broker has closed (a restart) is opened again once."""
        from workers.channels import forget_thread_channel, thread_channel

        for attempt in range(2):
            try:
                channel = thread_channel(self.url)
                channel.publish(channel.DEAD_LETTERS, body)
                return
            except Exception:
                forget_thread_channel(self.url)
                if attempt:
                    raise


PERMANENT = (PoisonMessage,)


class MemoryCap(Middleware):
    """Caps each worker process's address space (``SVS_MEMORY_LIMIT_MB``, :mod:`svs.memory`) once it has booted."""

    def __init__(self, megabytes: int) -> None:
        self.megabytes = megabytes

    def after_process_boot(self, broker: dramatiq.Broker) -> None:
        if self.megabytes:
            warm_up()  # engines allocate their buffers before the cap, not under it mid-item
            memory.cap(self.megabytes)
