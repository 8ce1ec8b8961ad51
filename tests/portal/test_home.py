"""The front door: entries, hotline, 通知公告 (published, not expired, pinned first), the
next roundtables, the newest policies and this year's figures; signed in, each role
sees what waits for it, with counts. A constant number of queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.models import Announcement
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_public_home_has_entries_hotline_and_current_announcements(client):
    now = timezone.now()
    Announcement.objects.create(title="关于召开2026年12月政商恳谈会的通知", body="欢迎报名。", published_at=now)
    Announcement.objects.create(title="春节期间服务安排", published_at=now - dt.timedelta(days=3), is_pinned=True)
    Announcement.objects.create(title="明天才发布", published_at=now + dt.timedelta(days=1))
    Announcement.objects.create(
        title="已下线", published_at=now - dt.timedelta(days=9), expires_at=now - dt.timedelta(days=1)
    )
    page = client.get("/").content.decode()
    assert 'href="/cases/new/"' in page and 'href="/policies/"' in page and 'href="/roundtables/"' in page
    assert "12345" in page
    assert page.index("春节期间服务安排") < page.index("关于召开2026年12月政商恳谈会的通知")  # pinned first
    assert "明天才发布" not in page and "已下线" not in page
    assert "今年以来收到企业诉求 0 件，已办结 0 件，办结率 —，满意率 —。" in page
    assert 'data-testid="start-items"' not in page


def test_an_official_sees_what_waits_and_the_page_costs_the_same_queries(client):
    official = factories.official()
    client.force_login(official)
    client.get("/")
    with CaptureQueriesContext(connection) as few:
        page = client.get("/").content.decode()
    assert "待受理" in page and "待回访" in page and "全市超期" in page
    for number in range(12):
        Announcement.objects.create(title=f"通知{number}")
    with CaptureQueriesContext(connection) as many:
        client.get("/")
    assert len(many) == len(few)


def test_an_enterprise_user_sees_its_own_counts_only(client):
    member = factories.enterprise_user(factories.enterprise())
    client.force_login(member)
    page = client.get("/").content.decode()
    assert "待受理" not in page and "待审核的申报" not in page
    assert "目前没有待您处理的事项" in page


def test_an_official_sees_overdue_cases_by_lead_unit_and_each_card_opens_those_cases(client):
    from complaints.models import Stage, Status
    from tests.complaints.test_reports import make_case

    now = timezone.now()
    city = factories.region()
    roads = factories.department("宣城市交通运输局", city)
    roads.short_name = "交通局"
    roads.save()
    land = factories.department("宣城市自然资源和规划局", city)
    late = {"status": Status.ASSIGNED, "stage": Stage.RESOLVE, "stage_due_at": now - dt.timedelta(days=2)}
    for _ in range(3):
        make_case(lead_department=roads, **late)
    co_handled = make_case(lead_department=land, **late)
    co_handled.co_departments.add(roads)  # counted for its lead unit only, as on the dashboard
    make_case(
        lead_department=land, status=Status.ASSIGNED, stage=Stage.RESOLVE, stage_due_at=now + dt.timedelta(days=2)
    )

    client.force_login(factories.official())
    page = client.get("/").content.decode()
    assert '<div class="small text-muted">交通局超期</div><div class="fs-4 fw-bold text-danger">3</div>' in page
    assert (
        '<div class="small text-muted">宣城市自然资源和规划局超期</div><div class="fs-4 fw-bold text-danger">1</div>'
        in page
    )
    assert page.index("交通局超期") < page.index("宣城市自然资源和规划局超期")  # the most first

    listed = client.get(f"/cases/?overdue=true&lead_department={roads.pk}").content.decode()
    assert listed.count('href="/cases/SQ2026-') == 3
