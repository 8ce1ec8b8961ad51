"""The workbench's filter panel as an official sees it: Chinese labels, 全部 by default,
checkboxes for the states and channels, the browser's date picker; and what the panel
sends still filters the page, the Excel export and the API."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from complaints.models import Case, Channel, Status

pytestmark = pytest.mark.django_db


def panel(client, query: str = "") -> str:
    response = client.get(f"/cases/{query}")
    assert response.status_code == 200
    page = response.content.decode()
    return page[page.index("<details") : page.index("</details>")]


def options(html: str, name: str) -> list[tuple[str, str, bool]]:
    """A select's options as (value, text, selected)."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [
        (value, text.strip(), bool(selected))
        for value, selected, text in re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select)
    ]


def label_of(html: str, control_id: str) -> str:
    return re.search(rf'<label[^>]*for="{control_id}"[^>]*>(.*?)</label>', html, re.S).group(1).strip()


def checked(html: str, name: str) -> list[str]:
    return re.findall(rf'type="checkbox"[^>]*name="{name}" value="(\w+)"[^>]*checked', html)


@pytest.fixture
def cases(people, case_at):
    """Three assigned cases: one overdue and supervised, one on time, and one received yesterday."""
    late = case_at("assigned", title="施工许可审批超期")
    Case.objects.filter(pk=late.pk).update(stage_due_at=timezone.now() - dt.timedelta(days=2), is_supervised=True)
    on_time = case_at("assigned", title="招工补贴申请")
    Case.objects.filter(pk=on_time.pk).update(stage_due_at=timezone.now() + dt.timedelta(days=5))
    earlier = case_at("assigned", title="用地指标")
    Case.objects.filter(pk=earlier.pk).update(
        stage_due_at=timezone.now() + dt.timedelta(days=5), received_at=timezone.now() - dt.timedelta(days=1)
    )
    return late, on_time, earlier


def test_the_panel_reads_as_chinese_choices_with_all_by_default(client, people):
    client.force_login(people.official)
    html = panel(client)

    labels = {
        "id_category": "问题分类",
        "id_department": "承办单位",
        "id_overdue": "超期",
        "id_open": "未办结",
        "id_tier": "层级",
        "id_is_supervised": "督查督办",
        "id_received_after": "登记日期起",
        "id_received_before": "登记日期止",
        "id_q": "关键词",
    }
    assert {control: label_of(html, control) for control in labels} == labels
    assert "Tier" not in html and "Is supervised" not in html and "未知" not in html

    assert options(html, "overdue") == [("", "全部", True), ("true", "已超期", False), ("false", "未超期", False)]
    assert options(html, "is_supervised") == [
        ("", "全部", True),
        ("true", "督办件", False),
        ("false", "非督办件", False),
    ]
    assert options(html, "open") == [("", "全部", True), ("true", "是", False), ("false", "否", False)]
    for name in ("tier", "category", "department"):
        assert options(html, name)[0] == ("", "全部", True)

    # Several states and channels are ticked, not Ctrl-clicked; each group is a fieldset
    # named by its legend, each box by its label.
    assert 'name="status"' not in "".join(re.findall(r"<select[^>]*>", html))
    for name, choices, legend in (("status", Status, "状态"), ("channel", Channel, "来源渠道")):
        group = re.search(rf"<fieldset>\s*<legend[^>]*>\s*{legend}\s*</legend>(.*?)</fieldset>", html, re.S)
        assert group, name
        assert re.findall(rf'type="checkbox"[^>]*name="{name}" value="(\w+)"', group.group(1)) == choices.values
        assert "form-check-inline" in group.group(1)
        assert label_of(group.group(1), f"id_{name}_0") == choices.choices[0][1]
    assert checked(html, "status") == [] and checked(html, "channel") == []

    assert re.search(r'<input type="date" name="received_after"', html)
    assert re.search(r'<input type="date" name="received_before"', html)

    # Every control has a label.
    for control in re.findall(r'<(?:input|select)[^>]* id="([^"]+)"', html):
        assert f'for="{control}"' in html, control


def test_the_panel_shows_what_was_asked_per_query_and_language(client, people):
    client.force_login(people.official)
    panel(client)  # the empty panel is drawn and kept first

    html = panel(client, "?status=accepted&status=assigned&overdue=true&received_after=2026-01-01")
    assert checked(html, "status") == ["accepted", "assigned"]
    assert ("true", "已超期", True) in options(html, "overdue")
    assert options(html, "open")[0] == ("", "全部", True)
    assert re.search(r'<input type="date" name="received_after" value="2026-01-01"', html)

    client.cookies["django_language"] = "en"
    english = panel(client, "?status=accepted&status=assigned&overdue=true&received_after=2026-01-01")
    assert label_of(english, "id_overdue") == "Overdue"
    assert options(english, "open")[0] == ("", "All", True)


def test_what_the_panel_sends_filters_the_page_and_the_export(client, people, cases):
    late, on_time, earlier = cases
    client.force_login(people.official)

    def numbers(**asked) -> set[str]:
        # As the browser sends the form: every field, the untouched ones empty.
        query = {
            "category": "",
            "department": "",
            "overdue": "",
            "open": "",
            "tier": "",
            "is_supervised": "",
            "received_after": "",
            "received_before": "",
            "q": "",
            **asked,
        }
        page = client.get("/cases/", query).content.decode()
        return {case.number for case in cases if case.number in page}

    assert numbers(status="assigned") == {late.number, on_time.number, earlier.number}
    assert numbers(status="assigned", overdue="true") == {late.number}
    assert numbers(status="assigned", overdue="false") == {on_time.number, earlier.number}
    assert numbers(is_supervised="true") == {late.number}
    assert numbers(is_supervised="false", open="true") == {on_time.number, earlier.number}
    today = timezone.localdate().isoformat()
    assert numbers(received_after=today) == {late.number, on_time.number}
    assert numbers(received_before=today, received_after=today) == {late.number, on_time.number}
    assert numbers(status=["received", "accepted"]) == set()

    # The export link carries the same parameters, empty ones included.
    response = client.get("/reports/export.xlsx", {"overdue": "true", "open": "", "is_supervised": "", "tier": ""})
    assert response.status_code == 200


def test_the_api_takes_the_same_parameters_and_values(people, cases):
    late, on_time, earlier = cases
    api = APIClient()
    api.force_authenticate(people.official)

    def numbers(query) -> set[str]:
        response = api.get("/api/v1/cases/", query)
        assert response.status_code == 200, response.content
        return {row["number"] for row in response.json()["results"]}

    assert numbers({"overdue": "true"}) == {late.number}
    assert numbers({"overdue": "TRUE"}) == {late.number}
    assert numbers({"overdue": "false"}) == {on_time.number, earlier.number}
    assert numbers({"is_supervised": "true"}) == {late.number}
    everyone = {late.number, on_time.number, earlier.number}
    assert numbers({"status": ["accepted", "assigned"], "open": "true"}) == everyone
    assert numbers({"received_after": timezone.localdate().isoformat()}) == {late.number, on_time.number}
    assert numbers({"tier": "ordinary", "overdue": ""}) == everyone
    assert api.get("/api/v1/cases/", {"overdue": "unknown"}).status_code == 400
