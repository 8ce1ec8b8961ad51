"""Run by a real cluster in the worker-killed test: the real push, in small batches,
pausing after writing each batch so the test can kill the worker in the middle."""

import time

from django.db.backends.utils import CursorWrapper

from policies import tasks

PAUSE_SECONDS = 0.4


def push_policy_slowly(policy_id: int) -> int:
    real_execute = CursorWrapper.execute

    def execute_then_pause(self, sql, params=None):
        result = real_execute(self, sql, params)
        if sql.lstrip().startswith("WITH pushed"):
            time.sleep(PAUSE_SECONDS)
        return result

    CursorWrapper.execute = execute_then_pause
    try:
        return tasks.push_policy(policy_id, batch_size=3)
    finally:
        CursorWrapper.execute = real_execute
