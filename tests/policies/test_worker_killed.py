"""A django-q2 cluster killed (SIGKILL, every process) in the middle of a policy push:
after a new cluster starts, every eligible enterprise's members have exactly one
notification and every enterprise exactly one push row — the lost task was handed out
again after `retry` seconds and resumed where the committed batches ended."""

import contextlib
import os
import signal
import subprocess
import sys
import time

import psutil
import pytest
from django_q.models import OrmQ
from django_q.tasks import async_task

from policies.models import Policy, PolicyPush, PushRun
from portal.models import Notification
from tests import factories
from tests.cluster import BASE_DIR, database_url_of_test_db, run_cluster_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ENTERPRISES = 30
# Short enough for a test, and `retry` above `timeout` as in production.
CLUSTER_ENV = {"Q_TIMEOUT": "8", "Q_RETRY": "10", "Q_WORKERS": "1"}


def _kill_cluster(cluster: subprocess.Popen) -> None:
    """kill -9 the sentinel, the workers, the pusher and the monitor at once."""
    processes = [psutil.Process(cluster.pid), *psutil.Process(cluster.pid).children(recursive=True)]
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.send_signal(signal.SIGKILL)
    cluster.wait(timeout=30)


def test_a_push_killed_midway_tells_every_enterprise_exactly_once_after_restart(make_policy, tags):
    members = []
    for _ in range(ENTERPRISES):
        enterprise = factories.enterprise()
        enterprise.tags.add(tags["高新技术企业"])
        members.append(factories.enterprise_user(enterprise))
    outsider = factories.enterprise_user(factories.enterprise())
    policy = make_policy(state=Policy.State.PUBLISHED, tags_all=[tags["高新技术企业"]])
    OrmQ.objects.all().delete()  # re-matching queued by the arrangement; only the push matters here
    async_task("tests.policies.slow_push.push_policy_slowly", policy.pk, task_name=f"push-{policy.pk}")

    cluster = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=BASE_DIR,
        env={**os.environ, "DATABASE_URL": database_url_of_test_db(), **CLUSTER_ENV},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        while PolicyPush.objects.filter(policy=policy).count() < 9:
            assert time.monotonic() < deadline and cluster.poll() is None, "the push never started"
            time.sleep(0.2)
    finally:
        _kill_cluster(cluster)

    pushed_before_the_kill = PolicyPush.objects.filter(policy=policy).count()
    assert 9 <= pushed_before_the_kill < ENTERPRISES
    assert not PushRun.objects.get(policy=policy).finished_at
    assert OrmQ.objects.count() == 1  # the lost task is still queued, locked until `retry` passes

    def finished():
        return PushRun.objects.filter(policy=policy, finished_at__isnull=False).exists() and not OrmQ.objects.exists()

    done, output = run_cluster_until(finished, timeout=120, env=CLUSTER_ENV)

    assert done, output
    assert PolicyPush.objects.filter(policy=policy).count() == ENTERPRISES
    for user in members:
        assert Notification.objects.filter(recipient=user, kind="policy.matched").count() == 1
    assert not Notification.objects.filter(recipient=outsider).exists()
