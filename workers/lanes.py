"""Priority lanes: urgent items are taken before normal ones by every worker, on either broker, without starving
the normal lane.

Each lane is a queue of its own (``svs-items-urgent``, ``svs-items``), so both brokers keep them apart in the same
way and a backlog of normal items never stands in front of an urgent one at the broker. A worker process consumes
both, a few messages each (its prefetch, bounded), into one local work queue, which Dramatiq serves lowest
priority first. The priority a message gets there comes from :class:`LaneScheduler`, a stride scheduler: each lane
advances by the inverse of its share of the threads' time, so while both lanes have work waiting, urgent items
take ``1 - normal_share`` of it and normal items ``normal_share`` (``SVS_NORMAL_SHARE_PERCENT``, 20 by default);
an urgent item arriving behind waiting normal ones is taken next, since the normal lane is ahead by its longer
stride. Left alone, either lane has every thread.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

import dramatiq
from dramatiq.broker import MessageProxy
from dramatiq.middleware import Middleware

from svs.schema import Priority
from workers.config import QUEUE

URGENT_QUEUE = f"{QUEUE}-urgent"
#: The queue of each lane, urgent first.
QUEUES: dict[Priority, str] = {"urgent": URGENT_QUEUE, "normal": QUEUE}


def queue_of(priority: Priority) -> str:
    return QUEUES[priority]


def lane_of(queue_name: str) -> Priority:
    """The lane of a queue (its delay queue ``.DQ`` belongs to it too)."""
    return "urgent" if queue_name.removesuffix(".DQ") == URGENT_QUEUE else "normal"


class LaneScheduler:
    """Stride scheduling of the lanes in one worker process's local work queue.

    :meth:`tag` gives each message, as it is queued locally, its lane's next pass: the later of the lane's last
    pass and the pass of the message most recently started, plus the lane's stride (one over its share). Lower
    passes run first; :meth:`started` moves the process's clock to the pass of the message a thread took."""

    def __init__(self, normal_share: float) -> None:
        if not 0.0 < normal_share < 1.0:
            raise ValueError("the normal lane's share must be between 0 and 1")
        self.stride: dict[Priority, float] = {"urgent": 1.0 / (1.0 - normal_share), "normal": 1.0 / normal_share}
        self.last: dict[Priority, float] = {"urgent": 0.0, "normal": 0.0}
        self.queued: dict[Priority, deque[float]] = {"urgent": deque(), "normal": deque()}
        self.clock = 0.0
        self.lock = threading.Lock()

    def tag(self, lane: Priority) -> float:
        with self.lock:
            tag = max(self.last[lane], self.clock) + self.stride[lane]
            self.last[lane] = tag
            self.queued[lane].append(tag)
            return tag

    def started(self, lane: Priority) -> None:
        with self.lock:
            if self.queued[lane]:  # each lane's messages are taken in the order they were tagged
                self.clock = max(self.clock, self.queued[lane].popleft())


_scheduler: LaneScheduler | None = None
_scheduler_lock = threading.Lock()


def scheduler() -> LaneScheduler:
    """This process's scheduler, with the share from the worker settings."""
    global _scheduler
    with _scheduler_lock:
        if _scheduler is None:
            from workers.config import WorkerSettings

            _scheduler = LaneScheduler(WorkerSettings.from_env().normal_share_percent / 100)
        return _scheduler


class LaneActor(dramatiq.Actor):
    """An actor whose messages are ordered in the local work queue by their lane's next pass (Dramatiq reads an
    actor's ``priority`` each time it queues one of its messages locally)."""

    def __init__(self, fn: Any, *, lane: Priority, **kwargs: Any) -> None:
        self.lane = lane
        super().__init__(fn, **kwargs)

    @property  # type: ignore[override]
    def priority(self) -> float:
        return scheduler().tag(self.lane)

    @priority.setter
    def priority(self, value: int) -> None:  # Dramatiq's own, unused: the lane decides
        pass


class LaneOrder(Middleware):
    """Tells the scheduler which lane's message a worker thread just took."""

    def before_process_message(self, broker: dramatiq.Broker, message: MessageProxy) -> None:
        scheduler().started(lane_of(message.queue_name))
