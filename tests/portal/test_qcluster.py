"""A real django-q2 cluster picks up a notification's delivery and sends it once."""

import pytest

from portal import services
from portal.models import Notification
from tests import factories
from tests.cluster import run_cluster_until


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_cluster_delivers_a_notification(tmp_path):
    recipient = factories.user(email="boss@example.com", mobile="13900001111")
    notification = services.notification_send(
        recipient=recipient, kind="test", title="集群投递测试", dedup_key="cluster-test", email=True
    )
    assert notification.emailed_at is None

    mail_dir = tmp_path / "mail"

    def delivered():
        notification.refresh_from_db()
        return notification.emailed_at is not None

    # django-environ drops the first slash of the path.
    done, output = run_cluster_until(delivered, timeout=60, env={"EMAIL_URL": f"filemail:///{mail_dir}"})

    assert done, output
    sent = list(mail_dir.iterdir())
    assert len(sent) == 1
    assert "boss@example.com" in sent[0].read_text()
    assert Notification.objects.filter(recipient=recipient).count() == 1
