"""Priority lanes: urgent items first in every worker, a share kept for normal ones, on Dramatiq's own worker."""

from __future__ import annotations

import threading
import time
from functools import partial
from queue import PriorityQueue

import dramatiq
import pytest
from dramatiq import Worker
from dramatiq.brokers.stub import StubBroker

from workers import lanes
from workers.lanes import LaneActor, LaneOrder, LaneScheduler


def _serve(scheduler: LaneScheduler, waiting: dict[str, int], n: int) -> list[str]:
    """*n* starts from a local queue refilled as a worker's consumers refill it (two of each lane waiting)."""
    q: PriorityQueue[tuple[float, int, str]] = PriorityQueue()
    seq = 0
    for lane in ("urgent", "normal"):
        for _ in range(min(2, waiting[lane])):
            q.put((scheduler.tag(lane), seq, lane))  # type: ignore[arg-type]
            seq += 1
            waiting[lane] -= 1
    order = []
    while not q.empty() and len(order) < n:
        _, _, lane = q.get()
        scheduler.started(lane)  # type: ignore[arg-type]
        order.append(lane)
        if waiting[lane]:
            q.put((scheduler.tag(lane), seq, lane))  # type: ignore[arg-type]
            seq += 1
            waiting[lane] -= 1
    return order


def test_with_both_lanes_waiting_urgent_items_take_all_but_the_normal_share() -> None:
    order = _serve(LaneScheduler(normal_share=0.2), {"urgent": 10_000, "normal": 10_000}, 1000)
    assert 190 <= order.count("normal") <= 210


def test_a_lane_alone_has_every_thread() -> None:
    assert set(_serve(LaneScheduler(0.2), {"urgent": 0, "normal": 500}, 500)) == {"normal"}
    assert set(_serve(LaneScheduler(0.2), {"urgent": 500, "normal": 0}, 500)) == {"urgent"}


def test_an_urgent_item_arriving_behind_waiting_normal_ones_is_taken_next() -> None:
    s = LaneScheduler(0.2)
    q: PriorityQueue[tuple[float, str]] = PriorityQueue()
    for _ in range(6):
        q.put((s.tag("normal"), "normal"))
    assert q.get()[1] == "normal"
    s.started("normal")  # a thread is busy with the first normal item when the urgent one arrives
    q.put((s.tag("urgent"), "urgent"))
    assert q.get()[1] == "urgent"


def test_the_share_must_leave_something_to_each_lane() -> None:
    for share in (0.0, 1.0):
        with pytest.raises(ValueError):
            LaneScheduler(share)


def test_dramatiqs_worker_takes_an_urgent_message_before_the_normal_ones_it_already_holds(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lanes, "_scheduler", LaneScheduler(0.2))
    broker = StubBroker(middleware=[LaneOrder()])
    done: list[str] = []
    gate = threading.Event()

    def work(name: str) -> None:
        gate.wait(10)  # the first message holds the only thread until every message is queued
        done.append(name)

    normal = dramatiq.actor(actor_name="t_normal", queue_name=lanes.QUEUES["normal"], broker=broker,
                            actor_class=partial(LaneActor, lane="normal"))(work)
    urgent = dramatiq.actor(actor_name="t_urgent", queue_name=lanes.QUEUES["urgent"], broker=broker,
                            actor_class=partial(LaneActor, lane="urgent"))(work)
    for i in range(5):
        normal.send(f"n{i}")
    worker = Worker(broker, worker_timeout=50, worker_threads=1)
    worker.start()
    try:
        time.sleep(0.5)  # n0 taken; n1.. held in the worker's local queue
        urgent.send("u0")
        time.sleep(0.5)
        gate.set()
        for q in lanes.QUEUES.values():
            broker.join(q, timeout=10_000)
        worker.join()
    finally:
        worker.stop()
    assert done[0] == "n0" and done[1] == "u0" and sorted(done[2:]) == ["n1", "n2", "n3", "n4"]
