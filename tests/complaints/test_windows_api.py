"""The 办不成事 windows API: a 专员's windows, registering a window case, the window cases
with their flag, the 原因分析 and escalation one level up."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from complaints import selectors as case_selectors
from complaints.models import Case, WindowEscalation
from complaints.windows import services
from tests.complaints.test_windows import _register, chain  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _body(category, **extra):
    body = {
        "title": "厂房消防验收材料要求不一致",
        "description": "街道和区住建局给出的要求不一样。",
        "category": category.name,
        "complainant_name": "刘经理",
        "complainant_phone": "13905630002",
        "cause_analysis": "街道窗口依据旧版办事指南。",
    }
    body.update(extra)
    return body


def test_a_specialist_lists_their_windows_and_registers_a_case(chain, category):  # noqa: F811
    client = _api(chain.s_village)
    windows = client.get("/api/v1/windows/").json()
    assert [window["name"] for window in windows] == ["梅园社区窗口"]
    assert windows[0]["level_display"] == "村（社区）级"

    response = client.post(
        f"/api/v1/windows/{chain.village.pk}/cases/",
        _body(category, enterprise=chain.enterprise.pk),
        format="json",
        HTTP_IDEMPOTENCY_KEY="w-1",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["channel"] == "window" and body["status"] == "accepted"
    assert body["window"]["name"] == body["current_window"]["name"] == "梅园社区窗口"
    assert body["cause_analysis"] == "街道窗口依据旧版办事指南。"
    assert body["escalations"] == []
    assert response["Location"].endswith(f"/api/v1/window-cases/{body['number']}/")
    again = client.post(
        f"/api/v1/windows/{chain.village.pk}/cases/", _body(category), format="json", HTTP_IDEMPOTENCY_KEY="w-1"
    )
    assert again.status_code == 200 and again.json()["number"] == body["number"]
    assert Case.objects.count() == 1


def test_registering_needs_the_cause_analysis_and_one_s_own_window(chain, category):  # noqa: F811
    client = _api(chain.s_village)
    response = client.post(f"/api/v1/windows/{chain.village.pk}/cases/", _body(category, cause_analysis=""))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "cause_analysis"
    other = _api(chain.s_other).post(f"/api/v1/windows/{chain.village.pk}/cases/", _body(category), format="json")
    assert other.status_code == 404
    assert _api(chain.official).get("/api/v1/windows/").json() == []
    assert not Case.objects.exists()


def test_escalating_through_the_api_up_to_the_city(chain, category):  # noqa: F811
    case = _register(chain, category)
    assert _api(chain.s_other).post(f"/api/v1/window-cases/{case.number}/escalate/", {"reason": "x"}).status_code == 404
    for actor in (chain.s_village, chain.s_township, chain.s_county):
        response = _api(actor).post(f"/api/v1/window-cases/{case.number}/escalate/", {"reason": "本级协调不了"})
        assert response.status_code == 200, response.json()
    body = response.json()
    assert body["current_window"]["level"] == "city"
    assert [step["to_window"]["level"] for step in body["escalations"]] == ["township", "county", "city"]
    assert body["escalations"][0]["escalated_by"]["name"] == "周专员"
    top = _api(chain.s_city).post(f"/api/v1/window-cases/{case.number}/escalate/", {"reason": "再上报"})
    assert top.status_code == 400
    assert "没有更上一级的窗口" in top.json()["errors"][0]["message"]
    # The lower window, which still sees the case, is told it has moved on (409).
    lower = _api(chain.s_village).post(f"/api/v1/window-cases/{case.number}/escalate/", {"reason": "x"})
    assert lower.status_code == 409
    assert WindowEscalation.objects.filter(case=case).count() == 3


def test_the_cause_analysis_through_the_api(chain, category):  # noqa: F811
    case = _register(chain, category)
    client = _api(chain.s_village)
    response = client.post(f"/api/v1/window-cases/{case.number}/cause-analysis/", {"cause_analysis": "新的分析"})
    assert response.status_code == 200 and response.json()["cause_analysis"] == "新的分析"
    blank = client.post(f"/api/v1/window-cases/{case.number}/cause-analysis/", {"cause_analysis": " "})
    assert blank.status_code == 400
    assert _api(chain.s_township).get(f"/api/v1/window-cases/{case.number}/").status_code == 404


def test_the_window_case_list_has_the_flag_and_constant_queries(chain, category):  # noqa: F811
    client = _api(chain.s_village)
    first = _register(chain, category)
    client.get("/api/v1/window-cases/")  # warm: the user's roles, the calendar
    with CaptureQueriesContext(connection) as few:
        rows = client.get("/api/v1/window-cases/").json()["results"]
    # The case list's flag, by its one definition (临期: 交办 is due within a working day).
    flag = case_selectors.case_list(user=chain.official).get(pk=first.pk).flag
    assert rows[0]["flag"] == flag == "yellow" and rows[0]["window"]["name"] == "梅园社区窗口"
    for index in range(4):
        case = _register(chain, category, title=f"第{index}件")
        if index % 2:
            services.window_case_escalate(case=case, actor=chain.s_village, reason="协调不了")
    with CaptureQueriesContext(connection) as many:
        body = client.get("/api/v1/window-cases/").json()
    assert body["count"] == 5
    assert len(many) == len(few)
    # Filtered by window: the upper window's specialist sees only what reached theirs.
    upper = _api(chain.s_township).get(f"/api/v1/window-cases/?window={chain.township_window.pk}").json()
    assert upper["count"] == 2
