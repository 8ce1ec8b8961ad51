"""四个清单 销号: signing a task off through the API and the case page, overdue tasks
flagged on the case and counted on the workbench, and 办结 with tasks still open."""

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from complaints import services
from complaints.models import CaseEvent, EventKind, Status

pytestmark = pytest.mark.django_db


def api_as(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def done_url(case, task_id) -> str:
    return f"/api/v1/cases/{case.number}/tasks/{task_id}/done/"


@pytest.fixture
def handler_named(people):
    people.handler_x.full_name = "李经办"
    people.handler_x.save(update_fields=["full_name"])
    return people.handler_x


# --- The API --------------------------------------------------------------------------


def test_a_handler_signs_a_task_off_through_the_api(people, case_at, handler_named):
    case = case_at("measures_set")
    task = case.tasks.get()
    api = api_as(handler_named)

    response = api.post(done_url(case, task.pk), {"note": "已统一审查口径，印发告知书。"}, format="json")

    assert response.status_code == 200, response.content
    [row] = response.json()["tasks"]
    assert row["id"] == task.pk
    assert row["done_at"] and row["done_note"] == "已统一审查口径，印发告知书。"
    # The person's name, never the login name.
    assert row["done_by"] == "李经办"
    assert row["is_overdue"] is False
    assert "task_done" not in response.json()["actions"]
    # The enterprise side sees that it was done, not by whom.
    assert api_as(people.member_a).get(f"/api/v1/cases/{case.number}/").json()["tasks"][0]["done_by"] is None
    event = CaseEvent.objects.filter(case=case, kind=EventKind.TASK_DONE).get()
    assert event.actor == handler_named and "统一审查口径" in event.note and event.is_public

    # Signed off once: a second time says when.
    again = api.post(done_url(case, task.pk), {"note": "再次"}, format="json")
    assert again.status_code == 400
    assert "已于" in again.json()["errors"][0]["message"]


def test_signing_off_refuses_bad_input_and_wrong_users(people, case_at, file_case):
    case = case_at("measures_set")
    task = case.tasks.get()
    other_task = case_at("measures_set").tasks.get()

    api = api_as(people.handler_x)
    empty = api.post(done_url(case, task.pk), {"note": ""}, format="json")
    assert empty.status_code == 400
    assert empty.json()["errors"][0]["field"] == "note"
    for wrong in (999999, other_task.pk):
        response = api.post(done_url(case, wrong), {"note": "完成"}, format="json")
        assert response.status_code == 404
        assert response.json() == {"errors": [{"field": None, "message": "该诉求件没有这项任务。"}]}

    # The enterprise sees the case but does not sign off its tasks; others do not see it.
    assert api_as(people.member_a).post(done_url(case, task.pk), {"note": "x"}, format="json").status_code == 403
    for outsider in (people.handler_y, people.member_b):
        assert api_as(outsider).post(done_url(case, task.pk), {"note": "x"}, format="json").status_code == 404
    assert APIClient().post(done_url(case, task.pk), {"note": "x"}, format="json").status_code in (401, 403)
    task.refresh_from_db()
    assert task.done_at is None


# --- The case page -------------------------------------------------------------------


def test_a_task_is_signed_off_on_the_case_page(client, people, case_at, handler_named):
    case = case_at("measures_set")
    task = case.tasks.get()
    client.force_login(handler_named)
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert 'data-action="task_done"' in page and f'name="task" value="{task.pk}"' in page

    # No note: refused on the page, which stays.
    response = client.post(f"/cases/{case.number}/task_done/", {"task": task.pk, "note": ""})
    assert response.status_code == 400
    assert "该字段是必填项" in response.content.decode()

    response = client.post(f"/cases/{case.number}/task_done/", {"task": task.pk, "note": "告知书已印发"})
    assert response.status_code == 302
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert "✓" in page and "告知书已印发" in page and "任务已销号" in page
    assert 'data-action="task_done"' not in page
    task.refresh_from_db()
    assert task.done_by == handler_named

    # A task of another case is not found through this one.
    other = case_at("measures_set").tasks.get()
    assert client.post(f"/cases/{case.number}/task_done/", {"task": other.pk, "note": "x"}).status_code == 404


def test_the_wrong_users_cannot_sign_off_on_the_page(client, people, case_at):
    case = case_at("measures_set")
    task = case.tasks.get()
    client.force_login(people.member_a)
    assert 'data-action="task_done"' not in client.get(f"/cases/{case.number}/").content.decode()
    assert client.post(f"/cases/{case.number}/task_done/", {"task": task.pk, "note": "x"}).status_code == 403
    for outsider in (people.handler_y, people.member_b):
        client.force_login(outsider)
        assert client.post(f"/cases/{case.number}/task_done/", {"task": task.pk, "note": "x"}).status_code == 404
    client.logout()
    response = client.post(f"/cases/{case.number}/task_done/", {"task": task.pk, "note": "x"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    task.refresh_from_db()
    assert task.done_at is None


# --- Overdue tasks -------------------------------------------------------------------


def _overdue_counts(body: str) -> list[str]:
    return re.findall(r'data-testid="overdue-tasks">(?:<span[^>]*>)?(\d+)<', body)


def test_an_overdue_task_is_flagged_on_the_case_and_counted_on_the_workbench(client, people, case_at):
    late = case_at("measures_set")  # its task is due in five days
    on_time = case_at("assigned")
    # Ten days on, the task is past its deadline and not signed off.
    with time_machine.travel(timezone.now() + dt.timedelta(days=10), tick=False):
        client.force_login(people.handler_x)
        page = client.get(f"/cases/{late.number}/").content.decode()
        assert "有1项任务逾期未销号" in page
        assert "逾期</span>" in page

        detail = api_as(people.handler_x).get(f"/api/v1/cases/{late.number}/").json()
        assert detail["overdue_tasks"] == 1
        assert detail["tasks"][0]["is_overdue"] is True

        workbench = client.get("/cases/").content.decode()
        rows = dict(
            zip(
                re.findall(r'<td[^>]*><a href="/cases/(SQ[\d-]+)/">', workbench),
                _overdue_counts(workbench),
                strict=True,
            )
        )
        assert rows == {late.number: "1", on_time.number: "0"}
        listed = {
            row["number"]: row["overdue_tasks"]
            for row in api_as(people.handler_x).get("/api/v1/cases/").json()["results"]
        }
        assert listed == {late.number: 1, on_time.number: 0}

        # Signed off late, it is no longer flagged.
        client.post(f"/cases/{late.number}/task_done/", {"task": late.tasks.get().pk, "note": "已完成"})
        assert "逾期未销号" not in client.get(f"/cases/{late.number}/").content.decode()
        assert _overdue_counts(client.get("/cases/").content.decode()) == ["0", "0"]


def test_the_workbench_with_overdue_tasks_runs_a_constant_number_of_queries(
    client, people, case_at, django_assert_num_queries
):
    def fill(count):
        for _ in range(count):
            case = case_at("measures_set")
            services.case_comment(case=case, actor=people.handler_x, note="跟进")

    fill(1)
    with time_machine.travel(timezone.now() + dt.timedelta(days=10), tick=False):
        client.force_login(people.handler_x)
        client.get("/cases/")  # the filter form is drawn once, then kept
        with CaptureQueriesContext(connection) as one:
            assert _overdue_counts(client.get("/cases/").content.decode()) == ["1"]
        queries = len(one.captured_queries)  # read now: the next request resets the log
    fill(4)
    with time_machine.travel(timezone.now() + dt.timedelta(days=10), tick=False):
        client.force_login(people.handler_x)
        client.get("/cases/")
        with django_assert_num_queries(queries):
            body = client.get("/cases/").content.decode()
    assert _overdue_counts(body) == ["1"] * 5


# --- 办结 with tasks still open ---------------------------------------------------------


def test_resolving_on_the_page_with_open_tasks_needs_a_reason_and_keeps_what_was_typed(client, people, case_at):
    case = case_at("feedback_given")
    client.force_login(people.handler_x)
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert 'name="open_tasks_reason"' in page and "本轮还有1项任务未销号" in page

    response = client.post(f"/cases/{case.number}/resolve/", {"resolution": "材料已审核通过", "open_tasks_reason": ""})
    assert response.status_code == 400
    body = response.content.decode()
    assert "还有1项任务未销号（统一审查口径），请说明办结理由。" in body
    assert "材料已审核通过" in body
    assert services.Case.objects.get(pk=case.pk).status == Status.FEEDBACK_GIVEN

    response = client.post(
        f"/cases/{case.number}/resolve/",
        {"resolution": "材料已审核通过", "open_tasks_reason": "审查口径已写入年度制度修订"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.RESOLVED
    assert "审查口径已写入年度制度修订" in case.resolution


def test_without_open_tasks_the_resolve_form_asks_no_reason(client, people, case_at):
    case = case_at("feedback_given")
    services.case_task_complete(case=case, task=case.tasks.get(), actor=people.handler_x, note="已完成")
    client.force_login(people.handler_x)
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert 'data-action="resolve"' in page and 'name="open_tasks_reason"' not in page


def test_resolving_through_the_api_with_open_tasks_needs_a_reason(people, case_at):
    case = case_at("feedback_given")
    api = api_as(people.handler_x)
    url = f"/api/v1/cases/{case.number}/resolve/"
    refused = api.post(url, {"resolution": "材料已审核通过"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "open_tasks_reason"
    accepted = api.post(url, {"resolution": "材料已审核通过", "open_tasks_reason": "制度修订中"}, format="json")
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == Status.RESOLVED
