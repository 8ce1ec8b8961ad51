"""Run the same action in many processes at once, each with its own database connection.

The test process forks: every child inherits the prepared test clients and the test
database's settings, waits at a barrier so all start together, runs its action and
sends back the result. Only a ``transaction=True`` test may use it (the children
must see the arranged data, and the parent holds no open transaction while forking).
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable
from typing import Any

from django.db import connections


def _child(action, index, barrier, results):
    try:
        barrier.wait(timeout=60)
        outcome = ("ok", action(index))
    except BaseException:
        outcome = ("error", traceback.format_exc())
    finally:
        connections.close_all()
    results.put((index, outcome))


def run_at_once(action: Callable[[int], Any], count: int, *, timeout: float = 180) -> list[Any]:
    """Call ``action(index)`` in ``count`` processes started together; the results in
    index order. ``action`` must return something picklable (a status, a dict)."""
    context = multiprocessing.get_context("fork")
    # A connection shared with the children would be closed under the parent's feet.
    connections.close_all()
    barrier = context.Barrier(count)
    results = context.Queue()
    processes = [context.Process(target=_child, args=(action, index, barrier, results)) for index in range(count)]
    for process in processes:
        process.start()
    outcomes = dict(results.get(timeout=timeout) for _ in processes)
    for process in processes:
        process.join(timeout=30)
    failures = [detail for kind, detail in outcomes.values() if kind == "error"]
    assert not failures, failures[0]
    return [outcomes[index][1] for index in range(count)]


def pause_before_saving(monkeypatch, model, seconds: float = 0.3) -> None:
    """Hold every racer between its "does it exist yet?" check and its insert, so that
    all of them pass the check before any writes: the database constraint must decide."""
    import time

    real_save = model.save

    def save_after_a_pause(self, *args, **kwargs):
        if self._state.adding:
            time.sleep(seconds)
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(model, "save", save_after_a_pause)
