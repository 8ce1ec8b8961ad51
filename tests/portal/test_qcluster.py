"""A real django-q2 cluster picks up a notification's delivery and sends it once."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from portal import services
from portal.models import Notification
from tests import factories

BASE_DIR = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    """The URL of the test database, for a process started by the test."""
    params = connection.settings_dict
    host = quote(params["HOST"], safe="") if params["HOST"].startswith("/") else params["HOST"]
    password = f":{quote(params['PASSWORD'], safe='')}" if params.get("PASSWORD") else ""
    port = f":{params['PORT']}" if params.get("PORT") else ""
    return f"postgres://{params['USER']}{password}@{host}{port}/{params['NAME']}"


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_cluster_delivers_a_notification(tmp_path):
    recipient = factories.user(email="boss@example.com", mobile="13900001111")
    notification = services.notification_send(
        recipient=recipient, kind="test", title="集群投递测试", dedup_key="cluster-test", email=True
    )
    assert notification.emailed_at is None

    mail_dir = tmp_path / "mail"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        # django-environ drops the first slash of the path.
        "EMAIL_URL": f"filemail:///{mail_dir}",
        "Q_WORKERS": "1",
    }
    cluster = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and cluster.poll() is None:
            notification.refresh_from_db()
            if notification.emailed_at:
                break
            time.sleep(0.5)
    finally:
        cluster.send_signal(signal.SIGTERM)
        try:
            output, _ = cluster.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            cluster.kill()
            output, _ = cluster.communicate()

    assert notification.emailed_at is not None, output
    sent = list(mail_dir.iterdir())
    assert len(sent) == 1
    assert "boss@example.com" in sent[0].read_text()
    assert Notification.objects.filter(recipient=recipient).count() == 1
