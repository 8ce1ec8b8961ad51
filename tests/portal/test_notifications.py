"""Notifications: inbox, e-mail and SMS, each sent at most once."""

import pytest
from django.db import IntegrityError, transaction
from django_q.models import OrmQ

from portal import services
from portal.models import Notification
from portal.tasks import deliver_notification
from tests import factories

pytestmark = pytest.mark.django_db


def _send(recipient, key="case.assigned:1", **kwargs):
    return services.notification_send(
        recipient=recipient, kind="case.assigned", title="您有新的诉求件", dedup_key=key, **kwargs
    )


def test_the_database_refuses_a_second_notification_with_the_same_key():
    recipient = factories.user(email="a@example.com")
    Notification.objects.create(recipient=recipient, kind="x", title="一", dedup_key="k")
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(recipient=recipient, kind="x", title="二", dedup_key="k")


def test_sending_twice_notifies_once(django_capture_on_commit_callbacks):
    recipient = factories.user(email="a@example.com", mobile="13800138000")
    with django_capture_on_commit_callbacks(execute=True):
        first = _send(recipient, email=True, sms=True)
        again = _send(recipient, email=True, sms=True)
    assert first is not None
    assert again is None
    assert Notification.objects.filter(recipient=recipient).count() == 1
    # One delivery task was queued for the cluster.
    assert OrmQ.objects.count() == 1


def test_a_retried_delivery_sends_each_channel_once(mailoutbox, sms_outbox, settings):
    settings.SITE_URL = "http://portal.example.gov.cn"
    recipient = factories.user(email="a@example.com", mobile="13800138000")
    notification = _send(recipient, email=True, sms=True, link="/cases/1/")

    assert deliver_notification(notification.pk) == "email,sms"
    assert deliver_notification(notification.pk) == "nothing to send"

    assert [message.to for message in mailoutbox] == [["a@example.com"]]
    assert "http://portal.example.gov.cn/cases/1/" in mailoutbox[0].body
    assert sms_outbox == [{"mobile": "13800138000", "text": "【亲清政企服务平台】您有新的诉求件"}]
    notification.refresh_from_db()
    assert notification.emailed_at and notification.texted_at


def test_a_failed_text_does_not_resend_the_email(mailoutbox, settings, monkeypatch):
    recipient = factories.user(email="a@example.com", mobile="13800138000")
    notification = _send(recipient, email=True, sms=True)
    from portal.sms import MemorySmsBackend

    def broken(self, **kwargs):
        raise ConnectionError("gateway down")

    monkeypatch.setattr(MemorySmsBackend, "send", broken)
    with pytest.raises(ConnectionError):
        deliver_notification(notification.pk)
    monkeypatch.undo()
    settings.SMS_BACKEND = "portal.sms.MemorySmsBackend"
    assert deliver_notification(notification.pk) == "sms"
    assert len(mailoutbox) == 1


def test_inbox_shows_unread_count_and_marks_read(client):
    recipient = factories.enterprise_user()
    other = factories.enterprise_user()
    _send(recipient, key="a")
    _send(recipient, key="b")
    _send(other, key="a")
    client.force_login(recipient)

    page = client.get("/notifications/").content.decode()
    assert page.count("您有新的诉求件") == 2
    assert 'data-testid="unread-count">2<' in page

    one = Notification.objects.filter(recipient=recipient).first()
    client.post("/notifications/read/", {"id": one.pk})
    assert Notification.objects.filter(recipient=recipient, read_at__isnull=True).count() == 1
    client.post("/notifications/read/")
    assert Notification.objects.filter(recipient=recipient, read_at__isnull=True).count() == 0
    # Marking read touches only the user's own notifications.
    assert Notification.objects.filter(recipient=other, read_at__isnull=True).count() == 1


def test_a_user_cannot_mark_someone_elses_notification_read(client):
    owner = factories.enterprise_user()
    notification = _send(owner, key="x")
    client.force_login(factories.enterprise_user())
    client.post("/notifications/read/", {"id": notification.pk})
    notification.refresh_from_db()
    assert notification.read_at is None


def test_inbox_requires_login(client):
    response = client.get("/notifications/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_mark_read_does_not_redirect_off_site(client):
    client.force_login(factories.enterprise_user())
    response = client.post("/notifications/read/", {"next": "https://evil.example.com/"})
    assert response["Location"] == "/notifications/"


def test_inbox_query_count_does_not_grow(client, django_assert_max_num_queries):
    recipient = factories.enterprise_user()
    client.force_login(recipient)
    for index in range(30):
        _send(recipient, key=f"k{index}")
    with django_assert_max_num_queries(8):
        assert client.get("/notifications/").status_code == 200


def test_users_choose_email_and_sms_but_the_inbox_stays(client, mailoutbox, sms_outbox):
    recipient = factories.enterprise_user(email="a@example.com", mobile="13800138000")
    client.force_login(recipient)
    response = client.post(
        "/notifications/settings/", {"email": "a@example.com", "mobile": "13800138000", "notify_by_sms": "on"}
    )
    assert response.status_code == 302
    recipient.refresh_from_db()
    assert not recipient.notify_by_email and recipient.notify_by_sms
    notification = _send(recipient, email=True, sms=True)
    assert deliver_notification(notification.pk) == "sms"
    assert mailoutbox == []
    assert Notification.objects.filter(recipient=recipient).count() == 1


def test_settings_keep_bad_input_and_need_login(client):
    assert client.get("/notifications/settings/").status_code == 302
    client.force_login(factories.enterprise_user())
    page = client.post("/notifications/settings/", {"email": "not-an-email", "mobile": "123"}).content.decode()
    assert "请输入有效的11位手机号码" in page and 'value="not-an-email"' in page


def test_someone_without_an_account_is_told_at_the_number_and_address_given(
    mailoutbox, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.notification_send_to_address(
            mobile="13800001111",
            email="liu@example.com",
            kind="case.resolved",
            title="您的诉求 SQ2026-000001 已办结，请评价",
            body="凭诉求编号和查询码查询办理进度。",
            link="/cases/lookup/?number=SQ2026-000001",
            dedup_key="case.resolved:1:1",
        )
        again = services.notification_send_to_address(
            mobile="13800001111",
            email="liu@example.com",
            kind="case.resolved",
            title="您的诉求 SQ2026-000001 已办结，请评价",
            dedup_key="case.resolved:1:1",
        )
    assert first is not None and first.recipient is None
    assert again is None
    deliver_notification(first.pk)
    deliver_notification(first.pk)  # a retried task sends nothing twice
    assert [message["mobile"] for message in sms_outbox] == ["13800001111"]
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["liu@example.com"]
    assert "/cases/lookup/?number=SQ2026-000001" in mailoutbox[0].body
    # Nobody's inbox shows it.
    assert not Notification.objects.filter(recipient__isnull=False).exists()


def test_nothing_is_sent_without_a_number_or_an_address():
    assert services.notification_send_to_address(mobile="", email="", kind="k", title="t", dedup_key="k") is None
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(kind="k", title="t", dedup_key="k")
