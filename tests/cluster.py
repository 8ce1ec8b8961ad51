"""Run a real django-q2 cluster (``manage.py qcluster``) against the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.db import connection

BASE_DIR = Path(__file__).resolve().parents[1]


def cluster_environment(env: dict | None) -> dict:
    """The environment of a cluster started by a test: the test database, one worker,
    e-mails printed to its output (not into the developer's var/log/mail/) and its whole
    log in that output (no LOG_FILE), then the test's own ``env``."""
    environment = {
        **os.environ,
        "DATABASE_URL": database_url_of_test_db(),
        "Q_WORKERS": "1",
        "EMAIL_URL": "consolemail://",
        **(env or {}),
    }
    if "LOG_FILE" not in (env or {}):
        environment.pop("LOG_FILE", None)
    return environment


def database_url_of_test_db() -> str:
    """The URL of the test database, for a process started by the test."""
    params = connection.settings_dict
    host = quote(params["HOST"], safe="") if params["HOST"].startswith("/") else params["HOST"]
    password = f":{quote(params['PASSWORD'], safe='')}" if params.get("PASSWORD") else ""
    port = f":{params['PORT']}" if params.get("PORT") else ""
    return f"postgres://{params['USER']}{password}@{host}{port}/{params['NAME']}"


def run_cluster_until(done: Callable[[], bool], *, timeout: float, env: dict | None = None) -> tuple[bool, str]:
    """Start a one-worker cluster, poll ``done`` until it is true or ``timeout`` seconds
    pass, stop the cluster. Returns (done, the cluster's output) for the assertion."""
    environment = cluster_environment(env)
    cluster = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=BASE_DIR,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    finished = False
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and cluster.poll() is None:
            if done():
                finished = True
                break
            time.sleep(0.5)
    finally:
        cluster.send_signal(signal.SIGTERM)
        try:
            output, _ = cluster.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            cluster.kill()
            output, _ = cluster.communicate()
    return finished, output


@contextmanager
def running_cluster(*, log_path: Path, env: dict | None = None):
    """A one-worker cluster running for the ``with`` block (the browser tests keep one
    running while the person clicks), stopped at its end; its output goes to ``log_path``."""
    environment = cluster_environment(env)
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        cluster = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=BASE_DIR,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield cluster
        finally:
            cluster.send_signal(signal.SIGTERM)
            try:
                cluster.wait(timeout=30)
            except subprocess.TimeoutExpired:
                cluster.kill()
                cluster.wait()
