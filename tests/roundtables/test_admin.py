"""The officials' admin: generate sessions, publish under the week-ahead rule,
invite by profile, move sessions through their states."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from portal.models import Notification
from roundtables.models import Invitation, Session
from tests import factories

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_official_generates_sessions_and_is_warned_about_holidays(client, series, official, monkeypatch):
    client.force_login(official)
    response = client.post(
        "/admin/roundtables/series/", {"action": "generate_sessions", "_selected_action": [series.pk]}
    )
    assert response["Location"] == f"/admin/roundtables/series/{series.pk}/generate/"
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 9, 1, 10, 0, tzinfo=SHANGHAI))
    response = client.post(f"/admin/roundtables/series/{series.pk}/generate/", {"months": "3"}, follow=True)
    page = response.content.decode()
    assert "已生成 3 期会议草稿" in page
    assert "国庆节假期" in page
    assert Session.objects.filter(series=series, state="draft").count() == 3


def test_publishing_inside_a_week_asks_for_a_reason(client, make_session, official):
    session = make_session(Session.State.DRAFT, days=3)
    client.force_login(official)
    page = client.post(f"/admin/roundtables/session/{session.pk}/publish/", {"reason": ""}).content.decode()
    assert "不足7天" in page
    response = client.post(f"/admin/roundtables/session/{session.pk}/publish/", {"reason": "议程调整"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.state == Session.State.ANNOUNCED and session.early_publish_reason == "议程调整"


def test_inviting_enterprises_by_profile(client, make_session, official, member):
    from portal.models import EnterpriseTag

    tag = EnterpriseTag.objects.create(name="专精特新")
    session = make_session()
    tagged_user, tagged = member()
    tagged.tags.add(tag)
    member()
    client.force_login(official)
    preview = client.get(f"/admin/roundtables/session/{session.pk}/invite/", {"tags": tag.pk}).content.decode()
    assert "符合条件的企业 1 家" in preview and tagged.name in preview
    response = client.post(f"/admin/roundtables/session/{session.pk}/invite/?tags={tag.pk}", {"confirm": "1"})
    assert response.status_code == 302
    assert list(Invitation.objects.values_list("enterprise", flat=True)) == [tagged.pk]
    assert Notification.objects.filter(recipient=tagged_user, kind="roundtable.invited").exists()
    page = client.get(f"/admin/roundtables/session/{session.pk}/invite/").content.decode()
    assert "已邀请、尚未回复" in page and tagged.name in page


def test_state_actions_and_county_sub_sessions(client, make_session, official, city):
    session = make_session(Session.State.ANNOUNCED, days=-1)
    client.force_login(official)
    client.post("/admin/roundtables/session/", {"action": "mark_held", "_selected_action": [session.pk]})
    session.refresh_from_db()
    assert session.state == Session.State.HELD
    draft = make_session(Session.State.DRAFT)
    client.post("/admin/roundtables/session/", {"action": "create_county_sessions", "_selected_action": [draft.pk]})
    assert draft.sub_sessions.count() == 2
    page = client.get(f"/admin/roundtables/session/{session.pk}/change/").content.decode()
    assert f"/roundtables/{session.pk}/check-in/" in page


def test_enterprise_users_and_handlers_are_kept_out(client, series, member):
    user, _ = member()
    for person in (user, factories.handler()):
        client.force_login(person)
        assert client.get("/admin/roundtables/session/").status_code == 302
        assert client.get(f"/admin/roundtables/series/{series.pk}/generate/").status_code == 302
