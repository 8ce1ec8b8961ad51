"""The 三色图 pages and API (issue #18): officials see a month's grid with the change from
the month before and the figures behind each colour; a 督办's respondent answers, an
official evaluates and publishes; the 公示 page and the notices API need no login."""

import datetime as dt

import pytest
from django.urls import reverse

from policies.models import MonthlySnapshot, SupervisionNotice
from tests import factories

pytestmark = pytest.mark.django_db

JAN, FEB = dt.date(2026, 1, 1), dt.date(2026, 2, 1)


def snapshot(month, department, *, score, colour, rank, ranked=3, **figures):
    return MonthlySnapshot.objects.create(
        month=month,
        unit_kind="department",
        department=department,
        overall_score=score,
        colour=colour,
        rank=rank,
        ranked_units=ranked,
        **figures,
    )


@pytest.fixture
def months(regions):
    units = [factories.department(name, regions["city"]) for name in ("甲局", "乙局", "丙局")]
    for unit, (score, colour) in zip(units, [(90, "green"), (70, "yellow"), (50, "red")], strict=True):
        snapshot(JAN, unit, score=score, colour=colour, rank=1 + units.index(unit))
    snapshot(FEB, units[0], score=85, colour="green", rank=1, benefited_firms=8, eligible_firms=10)
    snapshot(FEB, units[2], score=75, colour="yellow", rank=2)
    snapshot(FEB, units[1], score=40, colour="red", rank=3, decided=4, decided_on_time=1)
    return units


def test_officials_see_the_grid_the_change_and_the_figures(client, months, django_assert_max_num_queries):
    client.force_login(factories.official())
    url = reverse("policy_supervision:colour_map")
    with django_assert_max_num_queries(12):
        page = client.get(url, {"month": "2026-02"}).content.decode()
    assert 'data-testid="region-grid"' in page and 'data-testid="department-grid"' in page
    assert page.index('data-name="甲局"') < page.index('data-name="丙局"') < page.index('data-name="乙局"')
    assert 'data-name="乙局" data-colour="red"' in page
    assert "↓-30.0" in page and "↑25.0" in page  # 乙局 fell 30 points, 丙局 rose 25
    assert "8/10" in page and "1/4" in page  # the figures behind the colours
    assert "上月第2名" in page
    # Ten more units cost no more queries.
    more = [factories.department(f"新局{n}") for n in range(10)]
    for number, unit in enumerate(more):
        snapshot(FEB, unit, score=60, colour="yellow", rank=4 + number, ranked=13)
        snapshot(JAN, unit, score=60, colour="yellow", rank=4 + number, ranked=13)
    with django_assert_max_num_queries(12):
        assert client.get(url, {"month": "2026-02"}).status_code == 200


def test_the_map_is_for_officials_only(client, months):
    client.force_login(factories.handler())
    assert client.get(reverse("policy_supervision:colour_map")).status_code == 403


def test_a_notice_is_answered_evaluated_and_published(client, months, regions):
    handler = factories.handler(months[1], full_name="乙局经办人")
    notice = SupervisionNotice.objects.create(
        month=FEB,
        unit_kind="department",
        department=months[1],
        subject="连续两个月位于末两位",
        due_on=dt.date(2026, 3, 13),
    )
    notice.respondents.set([handler])
    url = reverse("policy_supervision:notice", args=[notice.pk])
    public = reverse("policy_supervision:public_notices")

    client.force_login(factories.handler(months[0]))
    assert client.get(url).status_code == 404  # not theirs

    client.force_login(handler)
    assert client.post(url, {"action": "answer", "answer": "  "}).status_code == 400
    response = client.post(url, {"action": "answer", "answer": "已清理积压申报，压缩审核时限。"})
    assert response.status_code == 302

    client.force_login(factories.official())
    response = client.post(url, {"action": "evaluate", "verdict": "done", "evaluation": "整改到位", "publish": "on"})
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.verdict == "done" and notice.published and notice.answered_by == handler

    client.logout()
    page = client.get(public).content.decode()
    assert "乙局" in page and "已清理积压申报" in page and "整改到位" in page
    body = client.get("/api/v1/supervision/notices/").json()
    assert body["count"] == 1 and body["results"][0]["verdict"] == "done"
    assert body["results"][0]["unit"]["name"] == "乙局"


def test_unpublished_notices_stay_off_the_public_page(client, months):
    SupervisionNotice.objects.create(
        month=FEB, unit_kind="department", department=months[1], subject="未公示的督办", due_on=dt.date(2026, 3, 13)
    )
    assert "未公示的督办" not in client.get(reverse("policy_supervision:public_notices")).content.decode()
    assert client.get("/api/v1/supervision/notices/").json()["count"] == 0


def test_the_colour_map_api(client, months):
    url = "/api/v1/supervision/colour-map/"
    assert client.get(url, {"month": "2026-02"}).status_code in (401, 403)
    client.force_login(factories.handler())
    assert client.get(url, {"month": "2026-02"}).status_code == 403
    client.force_login(factories.official())
    body = client.get(url, {"month": "2026-02"}).json()
    assert body["month"] == "2026-02" and body["regions"] == []
    names = [row["unit"]["name"] for row in body["departments"]]
    assert names == ["甲局", "丙局", "乙局"]
    last = body["departments"][2]
    assert (last["colour"], last["previous_colour"], last["score_change"]) == ("red", "yellow", -30.0)
    assert client.get(url).json()["month"] == "2026-02"  # the newest by default
    assert client.get(url, {"month": "2025-13"}).status_code == 400
    assert client.get(url, {"month": "2024-01"}).status_code == 404


def test_the_demo_holds_twelve_months_and_published_notices(regions):
    from policies.supervision import demo

    for name in ("经信局", "发改委", "科技局", "商务局"):
        department = factories.department(f"宣城市{name}", regions["city"])
        department.short_name = name
        department.save()
    factories.handler(type(department).objects.get(short_name="发改委"), username="handler")
    factories.official(username="official")
    demo.seed()
    demo.seed()  # idempotent
    months = set(MonthlySnapshot.objects.values_list("month", flat=True))
    assert len(months) == 12
    assert MonthlySnapshot.objects.count() == 12 * 6  # two counties and four departments
    notices = SupervisionNotice.objects.filter(department__short_name="发改委")
    assert notices.exists() and notices.filter(published=True, verdict="done").exists()
