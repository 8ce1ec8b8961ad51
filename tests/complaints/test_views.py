"""Case pages as people use them: intake, workbench, the case page and its actions,
lookup without an account, downloads, and who is refused."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints import selectors, services
from complaints.models import Case, CaseAttachment, Status, Tier

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _intake(category, **extra):
    data = {
        "title": "企业开办窗口要求重复提交材料",
        "description": "营业执照办理时被要求重复提交同一份章程。",
        "category": category.pk,
        "complainant_name": "王反映",
        "complainant_phone": "13800001111",
        "complainant_email": "",
        "on_behalf_of_organisation": "",
        "idempotency_key": "abc123",
        "privacy_consent": "on",
    }
    data.update(extra)
    return data


def test_the_public_files_a_case_and_follows_it_with_the_lookup_code(client, category):
    form = client.get("/cases/new/").content.decode()
    assert 'name="idempotency_key"' in form
    response = client.post("/cases/new/", _intake(category))
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.filed_by is None and case.channel == "web"
    confirmation = client.get(response["Location"]).content.decode()
    assert case.number in confirmation and case.lookup_code in confirmation

    assert "前把诉求交办到承办单位" in confirmation  # what happens next, and by when
    assert f"lookup_code={case.lookup_code}" not in confirmation  # in no link: it is posted

    found = client.post(
        "/cases/lookup/", {"number": case.number.lower(), "lookup_code": case.lookup_code}
    ).content.decode()
    assert "企业开办窗口要求重复提交材料" in found
    assert "登记" in found
    wrong = client.post("/cases/lookup/", {"number": case.number, "lookup_code": "WRONG123"}).content.decode()
    assert "未找到该诉求" in wrong
    # The code never travels in the address: a GET with it finds nothing, keeping the number.
    by_address = client.get("/cases/lookup/", {"number": case.number, "lookup_code": case.lookup_code})
    assert "企业开办窗口要求重复提交材料" not in by_address.content.decode()
    assert f'value="{case.number}"' in by_address.content.decode()
    # Another browser cannot see the confirmation page.
    client.logout()
    client.cookies.clear()
    assert client.get(response["Location"]).status_code == 404


def test_posting_the_same_form_twice_files_one_case(client, category):
    client.post("/cases/new/", _intake(category))
    client.post("/cases/new/", _intake(category))
    assert Case.objects.count() == 1


def test_bad_input_keeps_what_was_typed_and_says_why(client, category):
    response = client.post("/cases/new/", _intake(category, complainant_phone="123", title=""))
    page = response.content.decode()
    assert response.status_code == 200
    assert "请输入有效的11位手机号码" in page
    assert "营业执照办理时被要求重复提交同一份章程。" in page
    assert Case.objects.count() == 0


def test_attachments_are_checked_by_content(client, category):
    fake = SimpleUploadedFile("photo.png", b"MZ\x90\x00 this is an exe", content_type="image/png")
    response = client.post("/cases/new/", {**_intake(category), "attachments": [fake]})
    page = response.content.decode()
    assert "类型不受支持" in page
    assert "请修改后重新选择附件" in page
    assert Case.objects.count() == 0

    real = SimpleUploadedFile("现场照片.png", PNG, content_type="application/octet-stream")
    response = client.post("/cases/new/", {**_intake(category, idempotency_key="k2"), "attachments": [real]})
    assert response.status_code == 302
    attachment = CaseAttachment.objects.get()
    assert attachment.content_type == "image/png"
    assert attachment.original_name == "现场照片.png"
    assert "现场照片" not in attachment.file.name


def test_oversized_attachments_are_refused(client, category, monkeypatch):
    from portal import uploads

    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 10)
    big = SimpleUploadedFile("big.png", PNG, content_type="image/png")
    page = client.post("/cases/new/", {**_intake(category), "attachments": [big]}).content.decode()
    assert "超过了" in page


def test_attachment_download_is_permission_checked(client, people, file_case):
    upload = SimpleUploadedFile("合同.pdf", b"%PDF-1.4\n%test\n", content_type="application/pdf")
    case = file_case(attachments=[upload])
    attachment = case.attachments.get()
    url = f"/cases/{case.number}/attachments/{attachment.pk}/"

    client.force_login(people.member_a)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content).startswith(b"%PDF")

    client.force_login(people.member_b)
    assert client.get(url).status_code == 404
    client.force_login(people.handler_y)
    assert client.get(url).status_code == 404


def test_handler_takes_a_case_from_assigned_to_resolved_in_the_browser(client, people, case_at):
    case = case_at("assigned")
    client.force_login(people.handler_x)
    workbench = client.get("/cases/").content.decode()
    assert case.number in workbench
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert 'data-action="measures"' in page

    deadline = (dt.date.today() + dt.timedelta(days=7)).isoformat()
    response = client.post(
        f"/cases/{case.number}/measures/",
        {
            "tasks-TOTAL_FORMS": "1",
            "tasks-INITIAL_FORMS": "0",
            "tasks-MIN_NUM_FORMS": "1",
            "tasks-MAX_NUM_FORMS": "20",
            "tasks-0-task": "统一审查口径",
            "tasks-0-measure": "一次性告知",
            "tasks-0-deadline": deadline,
            "tasks-0-department": people.x.pk,
            "tasks-0-responsible_person": "李科长",
            "note": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    client.post(f"/cases/{case.number}/feedback/", {"feedback": "已约谈审查人员"})
    task = case.tasks.get()
    assert client.post(f"/cases/{case.number}/task_done/", {"task": task.pk, "note": "已统一"}).status_code == 302
    client.post(f"/cases/{case.number}/resolve/", {"resolution": "已一次审核通过"})
    case.refresh_from_db()
    assert case.status == Status.RESOLVED

    client.force_login(people.member_a)
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert 'data-action="rate"' in page
    assert "已约谈审查人员" in page
    client.post(f"/cases/{case.number}/rate/", {"rating": "satisfied", "comment": "很及时"})
    case.refresh_from_db()
    assert case.status == Status.CLOSED


def test_a_refused_action_shows_the_state_not_a_500(client, people, case_at):
    case = case_at("received")
    client.force_login(people.official)
    response = client.post(f"/cases/{case.number}/resolve/", {"resolution": "x"})
    assert response.status_code == 409
    assert "当前状态为“待受理”" in response.content.decode()


def test_an_invalid_action_form_keeps_the_input(client, people, case_at):
    case = case_at("measures_set")
    client.force_login(people.handler_x)
    response = client.post(f"/cases/{case.number}/feedback/", {"feedback": ""})
    assert response.status_code == 400
    assert "该字段是必填项" in response.content.decode()


def test_another_departments_handler_gets_404(client, people, case_at):
    case = case_at("assigned")
    client.force_login(people.handler_y)
    assert client.get(f"/cases/{case.number}/").status_code == 404
    assert client.post(f"/cases/{case.number}/feedback/", {"feedback": "x"}).status_code == 404
    assert case.number not in client.get("/cases/").content.decode()


def test_enterprise_b_cannot_see_enterprise_as_case(client, people, case_at):
    case = case_at("assigned")
    client.force_login(people.member_b)
    assert client.get(f"/cases/{case.number}/").status_code == 404


def test_co_handling_department_sees_but_cannot_resolve(client, people, case_at):
    case = case_at("accepted")
    services.case_assign(
        case=case,
        actor=people.official,
        lead_department=people.x,
        co_departments=[people.y],
        tier="cross",
        chief_officer=people.chief,
    )
    client.force_login(people.handler_y)
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert 'data-action="measures"' not in page
    response = client.post(f"/cases/{case.number}/measures/", {"tasks-TOTAL_FORMS": "0", "tasks-INITIAL_FORMS": "0"})
    assert response.status_code in (400, 403)
    assert Case.objects.get(pk=case.pk).status == Status.ASSIGNED


def test_enterprise_sees_only_public_timeline_entries(client, people, case_at):
    case = case_at("assigned")
    services.case_comment(case=case, actor=people.handler_x, note="内部备注：需要规划局配合")
    client.force_login(people.member_a)
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert "内部备注" not in page
    client.force_login(people.handler_x)
    assert "内部备注" in client.get(f"/cases/{case.number}/").content.decode()


def test_confidential_identity_never_reaches_a_handler(client, people, file_case):
    case = file_case(
        is_confidential=True,
        complainant_name="秘密举报人",
        complainant_phone="13700009999",
        complainant_email="secret@example.com",
    )
    case = services.case_accept(case=case, actor=people.official)
    services.case_assign(case=case, actor=people.official, lead_department=people.x)
    services.case_comment(case=case, actor=people.member_a, note="补充说明")
    secrets = ["秘密举报人", "13700009999", "secret@example.com", people.enterprise_a.name, people.member_a.username]

    client.force_login(people.handler_x)
    for url in ["/cases/", f"/cases/{case.number}/", "/notifications/"]:
        body = client.get(url).content.decode()
        assert case.number in body or url == "/notifications/"
        for secret in secrets:
            assert secret not in body, (url, secret)
    for notification in people.handler_x.notifications.all():
        for secret in secrets:
            assert secret not in notification.title + notification.body

    # The chief officer works in the admin without the confidential permission.
    client.force_login(people.chief)
    for url in ["/admin/complaints/case/", f"/admin/complaints/case/{case.pk}/change/"]:
        body = client.get(url).content.decode()
        assert case.number in body
        for secret in secrets[:3]:
            assert secret not in body, (url, secret)

    client.force_login(people.official)
    assert "秘密举报人" in client.get(f"/cases/{case.number}/").content.decode()
    assert "秘密举报人" in client.get(f"/admin/complaints/case/{case.pk}/change/").content.decode()


def test_official_triages_in_the_browser(client, people, file_case, category):
    case = file_case()
    client.force_login(people.official)
    assert client.post(f"/cases/{case.number}/accept/", {"note": ""}).status_code == 302
    response = client.post(
        f"/cases/{case.number}/assign/", {"lead_department": people.x.pk, "tier": "ordinary", "note": ""}
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).lead_department == people.x


def test_official_files_a_hotline_case_in_the_admin(client, people, category):
    client.force_login(people.official)
    response = client.post(
        "/admin/complaints/case/add/",
        {
            "channel": "hotline",
            "title": "12345转来：园区道路破损",
            "description": "园区主干道坑洼，货车通行困难。",
            "category": category.pk,
            "complainant_name": "热线来电人",
            "complainant_phone": "13600001111",
            "complainant_email": "",
            "on_behalf_of_organisation": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    case = Case.objects.get(channel="hotline")
    assert case.number.startswith("SQ")
    assert case.filed_by == people.official


def test_similar_open_cases_are_suggested(client, people, file_case):
    first = file_case(title="施工许可审批材料反复退回")
    file_case(title="施工许可审批材料多次退回")
    file_case(title="招工补贴迟迟不到账")
    client.force_login(people.official)
    page = client.get(f"/cases/{first.number}/").content.decode()
    assert "施工许可审批材料多次退回" in page
    assert "招工补贴迟迟不到账" not in page


@pytest.mark.parametrize("url", ["/cases/", "/cases/SQ2026-000001/"])
def test_anonymous_users_are_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_workbench_query_count_is_constant(client, people, case_at):
    client.force_login(people.handler_x)
    for _ in range(3):
        case_at("assigned")
    client.get("/cases/")  # the filter form is drawn once, then kept
    with CaptureQueriesContext(connection) as few:
        client.get("/cases/")
    for _ in range(15):
        case_at("assigned")
    with CaptureQueriesContext(connection) as many:
        body = client.get("/cases/").content.decode()
    assert body.count("/cases/SQ") >= 18
    assert len(many.captured_queries) == len(few.captured_queries)


def test_case_page_query_count_does_not_grow_with_history(client, people, case_at):
    case = case_at("assigned")
    client.force_login(people.handler_x)
    with CaptureQueriesContext(connection) as few:
        client.get(f"/cases/{case.number}/")
    for index in range(10):
        services.case_comment(case=case, actor=people.handler_x, note=f"跟进{index}")
    with CaptureQueriesContext(connection) as many:
        client.get(f"/cases/{case.number}/")
    assert len(many.captured_queries) == len(few.captured_queries)


def test_official_files_a_case_under_a_class_of_problem(client, people, case_at, category):
    from complaints.models import ProblemClass

    problem_class = ProblemClass.objects.create(name="审批材料多次退回", category=category)
    case = case_at("assigned")
    client.force_login(people.official)
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert 'data-action="classify"' in page and "审批材料多次退回" in page
    assert client.post(f"/cases/{case.number}/classify/", {"problem_class": problem_class.pk}).status_code == 302
    assert Case.objects.get(pk=case.pk).problem_class == problem_class

    client.force_login(people.handler_x)
    assert 'data-action="classify"' not in client.get(f"/cases/{case.number}/").content.decode()
    assert client.post(f"/cases/{case.number}/classify/", {"problem_class": ""}).status_code == 403
    assert Case.objects.get(pk=case.pk).problem_class == problem_class


def test_paging_the_workbench_keeps_its_list(client, people, case_at):
    for _ in range(31):
        case_at("assigned")
    closed = services.case_rate(case=case_at("resolved"), actor=people.member_a, rating="satisfied")
    client.force_login(people.handler_x)
    second = client.get("/cases/", {"page": 2}).content.decode()
    assert second.count("/cases/SQ") == 1  # 31 open cases: 30 on page one, one on page two
    assert closed.number not in second
    assert closed.number in client.get("/cases/", {"status": "closed"}).content.decode()


def test_a_handlers_workbench_pages_every_reason_to_see_a_case_most_urgent_first(client, people, case_at, file_case):
    """The everyday list unites the department's own cases with those it co-handles and
    those the handler filed, pages them in urgency order, and leaves out other
    departments' cases, closed ones and archived ones (UrgentOpenCases)."""
    led = [case_at("assigned") for _ in range(33)]
    co_handled = services.case_assign(
        case=services.case_accept(case=file_case(), actor=people.official),
        actor=people.official,
        lead_department=people.y,
        tier=Tier.CROSS_DEPARTMENT,
        co_departments=[people.x],
        chief_officer=people.chief,
    )
    filed_by_handler = file_case(actor=people.handler_x, enterprise=None)
    suspended = services.case_suspend(case=case_at("assigned"), actor=people.handler_x, reason="等待企业补充材料")
    other_department = services.case_assign(
        case=services.case_accept(case=file_case(), actor=people.official),
        actor=people.official,
        lead_department=people.y,
        tier=Tier.ORDINARY,
    )
    closed = services.case_rate(case=case_at("resolved"), actor=people.member_a, rating="satisfied")
    archived = case_at("assigned")
    Case.objects.filter(pk=archived.pk).update(archived_at=timezone.now())
    # Deadlines spread so the order is the deadline's, not the filing order.
    now = timezone.now()
    for index, case in enumerate([*led, co_handled]):
        Case.objects.filter(pk=case.pk).update(stage_due_at=now + dt.timedelta(hours=(index * 7) % 40 - 5))

    client.force_login(people.handler_x)
    pages = [client.get("/cases/", {"page": number}) for number in (1, 2)]
    shown = [re.findall(r'href="/cases/(SQ\d{4}-\d+)/"', page.content.decode()) for page in pages]
    shown = [list(dict.fromkeys(numbers)) for numbers in shown]  # a row may link its number twice

    expected = [
        number
        for number in Case.objects.filter(pk__in=[c.pk for c in [*led, co_handled, filed_by_handler, suspended]])
        .order_by(*selectors.URGENCY_ORDER)
        .values_list("number", flat=True)
    ]
    assert shown[0] == expected[:30] and shown[1] == expected[30:]
    assert expected[-1] == suspended.number  # suspended cases come last
    assert pages[0].context["page"].paginator.count == 36
    for hidden in (other_department, closed, archived):
        assert hidden.number not in pages[0].content.decode() + pages[1].content.decode()


@pytest.mark.parametrize("status", ["received", "accepted", "assigned", "measures_set", "feedback_given", "resolved"])
def test_the_api_offers_the_actions_the_page_draws_forms_for(client, people, case_at, status):
    """One function decides both: the page's forms and the API's ``actions``."""
    from rest_framework.test import APIClient

    case = case_at(status)
    expected = {
        # received: triage and split; measures_set: 销号, pausing the clock, asking for 需长期推进.
        "received": {"accept", "reject", "split", "suspend", "escalate", "classify", "comment"},
        "measures_set": {"feedback", "task_done", "suspend", "long_term", "comment"},
        "resolved": {"rate", "comment"},
    }
    for user in (people.official, people.handler_x, people.member_a):
        client.force_login(user)
        response = client.get(f"/cases/{case.number}/")
        api = APIClient()
        api.force_authenticate(user)
        detail = api.get(f"/api/v1/cases/{case.number}/")
        if response.status_code == 404:  # not yet assigned: no department's handler sees it
            assert detail.status_code == 404 and user == people.handler_x and status in ("received", "accepted")
            continue
        drawn = set(re.findall(r'data-action="([a-z_]+)"', response.content.decode()))
        offered = detail.json()["actions"]
        assert offered == sorted(offered)
        assert drawn == set(offered), (user.username, status)
        if user == people.official and status == "received":
            assert drawn == expected["received"]
        if user == people.handler_x and status == "measures_set":
            assert drawn == expected["measures_set"]
        if user == people.member_a and status == "resolved":
            assert drawn == expected["resolved"]


def test_the_closed_case_offers_officials_the_return_visit_and_the_recheck(client, people, case_at):
    from rest_framework.test import APIClient

    case = services.case_rate(case=case_at("resolved"), actor=people.member_a, rating="satisfied")
    api = APIClient()
    api.force_authenticate(people.official)
    assert set(api.get(f"/api/v1/cases/{case.number}/").json()["actions"]) == {
        "return_visit",
        "recheck",
        "classify",
        "comment",
    }
    api.force_authenticate(people.member_a)
    assert api.get(f"/api/v1/cases/{case.number}/").json()["actions"] == ["comment"]


def test_case_page_query_count_does_not_grow_with_tasks_and_links(client, people, case_at, file_case):
    case = case_at("feedback_given")
    client.force_login(people.official)
    client.get(f"/cases/{case.number}/")
    with CaptureQueriesContext(connection) as few:
        client.get(f"/cases/{case.number}/")
    bigger = case_at("feedback_given")
    services.case_resume(
        case=services.case_suspend(case=bigger, actor=people.official, reason="等"), actor=people.official
    )
    more_tasks = case_at("measures_set")
    for task in [*bigger.tasks.all(), *more_tasks.tasks.all()]:
        task.pk = None
        task.case = bigger
        task.save()
    for task in bigger.tasks.all():
        services.case_task_complete(case=bigger, task=task, actor=people.handler_x, note="完成")
    for index in range(3):
        file_case(title=f"派生{index}", origin_case=bigger)
    with CaptureQueriesContext(connection) as many:
        page = client.get(f"/cases/{bigger.number}/").content.decode()
    assert page.count("✓") == 3 and page.count("派生") >= 3
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_enterprise_sees_its_cases_awaiting_its_rating_first_until_it_rates(client, people, case_at):
    open_case = case_at("assigned", title="用电报装周期长")
    resolved = case_at("resolved", title="施工许可审批材料反复退回")
    client.force_login(people.member_a)

    body = client.get("/cases/").content.decode()
    assert open_case.number in body and resolved.number in body
    assert body.index(resolved.number) < body.index(open_case.number)  # its next step first
    assert 'data-testid="awaits-rating"' in body

    services.case_rate(case=resolved, actor=people.member_a, rating="satisfied")
    body = client.get("/cases/").content.decode()
    assert resolved.number not in body and open_case.number in body
    # A department's workbench is not changed by it: handlers do not rate.
    client.force_login(people.handler_x)
    assert 'data-testid="awaits-rating"' not in client.get("/cases/").content.decode()


def test_the_appeal_form_asks_for_consent_and_records_it_with_the_case(client, category):
    data = _intake(category)
    del data["privacy_consent"]
    page = client.post("/cases/new/", data).content.decode()
    assert "请阅读并同意隐私政策后再提交" in page and 'href="/privacy/"' in page
    assert "企业开办窗口要求重复提交材料" in page  # what was typed is kept
    assert not Case.objects.exists()

    client.post("/cases/new/", _intake(category))
    assert Case.objects.get().privacy_consent_at is not None
    assert "隐私政策" in client.get("/privacy/").content.decode()


def test_a_handlers_start_page_counts_the_departments_work_and_tasks_due(client, people, case_at):
    from complaints.models import CaseTask

    case = case_at("measures_set")
    case_at("assigned", title="用电报装周期长")
    CaseTask.objects.filter(case=case).update(deadline=dt.date.today())
    client.force_login(people.handler_x)
    page = client.get("/").content.decode()
    items = page[page.index('data-testid="start-items"') :]
    assert "本部门待办" in items and "今日到期的清单任务" in items
    start = items.index("本部门待办")
    assert ">2<" in items[start : start + 200].replace(" ", "")
    tasks = items.index("今日到期的清单任务")
    assert ">1<" in items[tasks : tasks + 200].replace(" ", "")
    client.force_login(people.handler_y)  # another department: nothing of X's
    other = client.get("/").content.decode()
    other = other[other.index("今日到期的清单任务") :]
    assert ">0<" in other[:200].replace(" ", "")
