"""Walkthroughs as the seeds describe them (issue #17): several walkers with one leader
(局长 以企业身份走 or 坐窗口), one project carried across departments (带项目交叉走), and each
finding with its cause (逐一分析产生原因) and whether it was fixed on the spot (当场整改).

The officer who records a walkthrough is its 体验人 and is never listed among the walkers:
the walkers are the people who walked with them."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from complaints.models import Case, Finding, ProblemCategory, Walkthrough, WalkthroughWalker
from complaints.walkthroughs import services as services
from portal import roles
from portal.models import Department, User
from tests import factories
from tests.complaints.test_walkthrough_api import complete
from tests.complaints.test_walkthroughs import _post_data, _start

pytestmark = pytest.mark.django_db

CAUSE = "窗口未接入不动产登记信息共享，仍按旧办事指南索要复印件"


@pytest.fixture
def officer(db):
    return factories.user(roles.EXPERIENCE_OFFICER, username="officer", full_name="何体验", mobile="13900002222")


@pytest.fixture
def bureaus(db):
    city = factories.region()
    return [
        factories.department("宣城市自然资源和规划局", city),
        factories.department("宣城市住房和城乡建设局", city),
        factories.department("宣城市发展和改革委员会", city),
    ]


@pytest.fixture
def director(bureaus):
    """A department's head with an account: picked from the accounts, not typed."""
    return factories.handler(bureaus[0], username="director", full_name="吴建国")


def _walkers(*rows, leader=""):
    """The walkers section as the form posts it: ``rows`` of (user, name, unit, role)."""
    data = {
        "walkers-TOTAL_FORMS": str(len(rows)),
        "walkers-INITIAL_FORMS": "0",
        "walkers-MIN_NUM_FORMS": "0",
        "walkers-MAX_NUM_FORMS": "20",
        "walkers-leader": leader,
    }
    for index, (user, name, unit, role) in enumerate(rows):
        data.update(
            {
                f"walkers-{index}-user": str(user.pk) if user else "",
                f"walkers-{index}-name": name,
                f"walkers-{index}-unit": unit,
                f"walkers-{index}-role": role,
            }
        )
    return data


def _project(departments, name="新材料项目“拿地即开工”"):
    return {"w-project": name, "w-departments": [str(department.pk) for department in departments]}


# --- The officer's form ------------------------------------------------------------


def test_a_director_led_cross_walk_is_recorded_and_shown_leader_first(client, officer, bureaus, director):
    walkthrough = _start(client, officer)
    page = client.get(f"/walkthroughs/{walkthrough.pk}/edit/").content.decode()
    assert 'data-testid="walkers-section"' in page and "添加同行人员" in page
    assert "体验人：何体验（本人" in page
    # The accounts are named with their unit; the officer is not offered as a walker.
    assert "吴建国（宣城市自然资源和规划局）" in page
    choices = page[page.index('name="walkers-__prefix__-user"') :]
    choices = choices[: choices.index("</select>")]
    assert f'value="{director.pk}"' in choices and f'value="{officer.pk}"' not in choices

    data = {
        **_post_data(walkthrough, **{"w-form": "director"}),
        **_walkers(
            (None, "孙海涛", "宣城市住房和城乡建设局局长", "applicant"),
            (director, "", "", "applicant"),
            (None, "陈晓梅", "政务服务科科长", "window"),
            leader="1",
        ),
        **_project(bureaus),
    }
    response = client.post(f"/walkthroughs/{walkthrough.pk}/edit/", {**data, "save": "1"})
    assert response.status_code == 302
    # The draft comes back with the leader's radio checked on the reloaded form.
    page = client.get(f"/walkthroughs/{walkthrough.pk}/edit/").content.decode()
    assert 'value="0" id="id_walkers-0-leader" checked' in page  # leader first once saved
    assert 'value="新材料项目“拿地即开工”"' in page

    response = client.post(f"/walkthroughs/{walkthrough.pk}/edit/", {**data, "submit": "1"})
    assert response.status_code == 302, response.content.decode()[:3000]
    walkthrough.refresh_from_db()
    assert walkthrough.status == Walkthrough.Status.SUBMITTED
    walkers = list(walkthrough.walkers.all())
    # Picked from the accounts and left unnamed: the account's name and unit.
    assert [(w.name, w.unit, w.role, w.is_leader, w.user) for w in walkers] == [
        ("吴建国", "宣城市自然资源和规划局", "applicant", True, director),
        ("孙海涛", "宣城市住房和城乡建设局局长", "applicant", False, None),
        ("陈晓梅", "政务服务科科长", "window", False, None),
    ]
    assert set(walkthrough.departments.all()) == set(bureaus)

    client.force_login(factories.official())
    page = client.get(f"/walkthroughs/{walkthrough.pk}/").content.decode()
    walkers_html = page[page.index('data-testid="walkers"') :]
    assert walkers_html.index("吴建国") < walkers_html.index("孙海涛") < walkers_html.index("陈晓梅")
    assert "带队" in walkers_html and "以企业身份走" in walkers_html and "坐窗口" in walkers_html
    assert "体验人 何体验（记录人）" in walkers_html
    assert "新材料项目“拿地即开工”" in page
    for bureau in bureaus:
        assert bureau.name in page[page.index('data-testid="walkthrough-departments"') :]
    assert CAUSE in page

    listing = client.get("/walkthroughs/").content.decode()
    assert "带队：吴建国（宣城市自然资源和规划局）" in listing
    assert "同行 3 人" in listing and "带项目交叉走" in listing


def test_submitting_asks_for_walker_names_causes_and_the_departments_crossed(client, officer, bureaus):
    walkthrough = _start(client, officer)
    data = {
        **_post_data(walkthrough, **{"findings-0-cause": ""}),
        **_walkers((None, "", "市数据资源局局长", "applicant")),
        "w-project": "新材料项目",
    }
    response = client.post(f"/walkthroughs/{walkthrough.pk}/edit/", {**data, "submit": "1"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "第1位同行人员未填写姓名。" in page
    assert "第1个发现的问题未分析产生原因。" in page
    assert "带项目交叉走请选择涉及的部门。" in page
    # What was typed is kept.
    assert 'value="市数据资源局局长"' in page
    walkthrough.refresh_from_db()
    assert walkthrough.is_draft and walkthrough.walkers.get().unit == "市数据资源局局长"

    # Departments without a project say so too.
    data = {**data, "w-project": "", "w-departments": [str(bureaus[0].pk)]}
    page = client.post(f"/walkthroughs/{walkthrough.pk}/edit/", {**data, "submit": "1"}).content.decode()
    assert "交叉走请填写所带的项目。" in page


def test_autosave_keeps_walkers_and_a_page_without_them_leaves_them_alone(client, officer):
    walkthrough = _start(client, officer)
    data = {**_post_data(walkthrough), **_walkers((None, "周立新", "局长", "applicant"), leader="0")}
    body = client.post(f"/walkthroughs/{walkthrough.pk}/edit/", data, HTTP_X_AUTOSAVE="1").json()
    assert body["saved"] is True
    assert walkthrough.walkers.get().is_leader
    # A page loaded before walkers existed posts no walkers section: they stay.
    older = {key: value for key, value in _post_data(walkthrough).items() if not key.startswith("walkers-")}
    assert client.post(f"/walkthroughs/{walkthrough.pk}/edit/", older, HTTP_X_AUTOSAVE="1").json()["saved"]
    assert walkthrough.walkers.get().name == "周立新"
    # A removed row goes.
    data["walkers-0-DELETE"] = "on"
    client.post(f"/walkthroughs/{walkthrough.pk}/edit/", data, HTTP_X_AUTOSAVE="1")
    assert not walkthrough.walkers.exists()


def test_one_leader_at_most_the_service_and_the_database_refuse_a_second(officer):
    walkthrough = services.walkthrough_start(officer=officer)
    two = [{"name": "甲局长", "is_leader": True}, {"name": "乙局长", "is_leader": True}]
    with pytest.raises(ValidationError, match="只能有一位带队人员"):
        services.walkthrough_save_draft(walkthrough=walkthrough, actor=officer, fields={}, walkers=two)
    assert not walkthrough.walkers.exists()
    WalkthroughWalker.objects.create(walkthrough=walkthrough, name="甲局长", is_leader=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        WalkthroughWalker.objects.create(walkthrough=walkthrough, name="乙局长", is_leader=True)


def test_the_officer_is_not_their_own_walker_and_an_account_walks_once(officer, director):
    officer.groups.add(*director.groups.all())  # an official walking, say: still the 体验人
    walkthrough = services.walkthrough_start(officer=officer)
    with pytest.raises(ValidationError, match="体验人本人无需列入"):
        services.walkthrough_save_draft(
            walkthrough=walkthrough, actor=officer, fields={}, walkers=[{"user": officer, "name": ""}]
        )
    with pytest.raises(ValidationError, match="只能从工作人员账号中选择"):
        services.walkthrough_save_draft(
            walkthrough=walkthrough, actor=officer, fields={}, walkers=[{"user": factories.enterprise_user()}]
        )
    with pytest.raises(ValidationError, match="只能列入一次"):
        services.walkthrough_save_draft(
            walkthrough=walkthrough, actor=officer, fields={}, walkers=[{"user": director}, {"user": director}]
        )


# --- Findings: cause and fixed on the spot -------------------------------------------


@pytest.fixture
def submitted_with_a_fix(client, officer, people):
    """A submitted walkthrough with two findings: one fixed on the spot, one not."""
    walkthrough = _start(client, officer)
    data = _post_data(
        walkthrough,
        department=people.x.pk,
        **{
            "findings-TOTAL_FORMS": "2",
            "findings-1-id": "",
            "findings-1-description": "办事指南与窗口要求不一致",
            "findings-1-cause": "指南更新后未同步到一次性告知单",
            "findings-1-fixed_on_spot": "on",
            "findings-1-severity": "low",
            "findings-1-question": "",
            "findings-1-category": "",
        },
    )
    assert client.post(f"/walkthroughs/{walkthrough.pk}/edit/", {**data, "submit": "1"}).status_code == 302
    walkthrough.refresh_from_db()
    fixed = walkthrough.findings.get(fixed_on_spot=True)
    open_one = walkthrough.findings.get(fixed_on_spot=False)
    return walkthrough, fixed, open_one


def test_a_finding_fixed_on_the_spot_is_not_promoted(client, people, submitted_with_a_fix):
    walkthrough, fixed, open_one = submitted_with_a_fix
    assert fixed.cause == "指南更新后未同步到一次性告知单"
    client.force_login(people.official)
    page = client.get(f"/walkthroughs/{walkthrough.pk}/").content.decode()
    # One promote button (the open finding's), and the fixed one says why it has none.
    assert f"/findings/{open_one.pk}/promote/" in page
    assert f"/findings/{fixed.pk}/promote/" not in page
    assert "已当场整改，计入已解决，无需转为诉求件。" in page
    assert 'data-testid="fixed-on-spot"' in page

    # Posting anyway is refused with the reason, and no case is filed.
    response = client.post(f"/walkthroughs/{walkthrough.pk}/findings/{fixed.pk}/promote/", {}, follow=True)
    assert "该问题已当场整改，无需转为诉求件。" in response.content.decode()
    api = APIClient()
    api.force_authenticate(people.official)
    response = api.post(f"/api/v1/findings/{fixed.pk}/promote/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "该问题已当场整改，无需转为诉求件。"
    assert not Case.objects.exists()


def test_promotion_carries_the_cause_into_the_case(client, people, submitted_with_a_fix):
    walkthrough, _fixed, open_one = submitted_with_a_fix
    client.force_login(people.official)
    category = ProblemCategory.objects.get(name="审批服务")
    client.post(
        f"/walkthroughs/{walkthrough.pk}/findings/{open_one.pk}/promote/",
        {"department": people.x.pk, "category": category.pk},
    )
    case = Finding.objects.get(pk=open_one.pk).case
    assert case.cause_analysis == CAUSE
    assert f"产生原因：{CAUSE}" in case.description
    assert CAUSE in client.get(f"/cases/{case.number}/").content.decode()


# --- The API -------------------------------------------------------------------------


def test_the_api_reads_and_writes_walkers_project_departments_cause_and_fix(officer, bureaus, director):
    api = APIClient()
    api.force_authenticate(officer)
    body = complete(
        walkers=[
            {"user": director.pk, "role": "window", "is_leader": True},
            {"name": "孙海涛", "unit": "住建局局长"},
        ],
        project="新材料项目",
        departments=[bureau.pk for bureau in bureaus],
    )
    body["findings"][0].update({"cause": CAUSE, "fixed_on_spot": True})
    response = api.post("/api/v1/walkthroughs/", body, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["walkers"] == [
        {
            "user": director.pk,
            "name": "吴建国",
            "unit": "宣城市自然资源和规划局",
            "role": "window",
            "role_display": "坐窗口",
            "is_leader": True,
        },
        {
            "user": None,
            "name": "孙海涛",
            "unit": "住建局局长",
            "role": "applicant",
            "role_display": "以企业身份走",
            "is_leader": False,
        },
    ]
    assert created["project"] == "新材料项目"
    assert sorted(created["departments"]) == sorted(bureau.pk for bureau in bureaus)
    assert (created["findings"][0]["cause"], created["findings"][0]["fixed_on_spot"]) == (CAUSE, True)

    # Two leaders, an account that is not staff, or the officer themself: 400, with the field.
    url = f"/api/v1/walkthroughs/{created['id']}/"
    for walkers in (
        [{"name": "甲", "is_leader": True}, {"name": "乙", "is_leader": True}],
        [{"user": factories.enterprise_user().pk}],
        [{"user": officer.pk}],
    ):
        response = api.patch(url, {"walkers": walkers}, format="json")
        assert response.status_code == 400, walkers
        assert response.json()["errors"][0]["field"].startswith("walkers"), response.json()

    # The body read is a body that can be written back (PUT); without walkers there are none.
    read = api.get(url).json()
    assert api.put(url, read, format="json").status_code == 200
    assert len(api.get(url).json()["walkers"]) == 2
    read.pop("walkers")
    read.pop("departments")
    assert api.put(url, read, format="json").status_code == 200
    after = api.get(url).json()
    assert after["walkers"] == [] and after["departments"] == []

    # Submitting asks for each finding's cause.
    response = api.patch(url, {"findings": [{"id": created["findings"][0]["id"], "cause": " "}]}, format="json")
    assert response.status_code == 200
    response = api.post(f"{url}submit/")
    assert response.status_code == 400
    assert "第1个发现的问题未分析产生原因。" in [error["message"] for error in response.json()["errors"]]


def test_the_api_list_keeps_a_constant_number_of_queries(officer, django_assert_num_queries):
    api = APIClient()
    api.force_authenticate(officer)

    def add(count):
        for index in range(count):
            walkthrough = services.walkthrough_start(officer=officer)
            services.walkthrough_save_draft(
                walkthrough=walkthrough,
                actor=officer,
                fields={"service_item": f"事项{index}", "project": "项目"},
                walkers=[{"name": "局长", "is_leader": True}, {"name": "科长", "role": "window"}],
                departments=[factories.department(), factories.department()],
                findings=[{"description": "问题", "cause": "原因", "fixed_on_spot": True}],
            )

    add(2)
    api.get("/api/v1/walkthroughs/")  # caches warmed (content types, the session)
    with CaptureQueriesContext(connection) as few:
        assert api.get("/api/v1/walkthroughs/").status_code == 200
        assert _list_page_status(officer) == 200
    add(8)
    with django_assert_num_queries(len(few.captured_queries)):
        assert api.get("/api/v1/walkthroughs/").status_code == 200
        assert _list_page_status(officer) == 200


def _list_page_status(user) -> int:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.get("/walkthroughs/").status_code


# --- The admin -----------------------------------------------------------------------


def test_the_admin_shows_the_walkers_read_only(client, officer, people, submitted_with_a_fix):
    walkthrough, _fixed, _open = submitted_with_a_fix
    WalkthroughWalker.objects.create(walkthrough=walkthrough, name="周立新", unit="数据资源局局长", is_leader=True)
    client.force_login(people.official)
    listing = client.get("/admin/complaints/walkthrough/").content.decode()
    assert "周立新" in listing
    page = client.get(f"/admin/complaints/walkthrough/{walkthrough.pk}/change/").content.decode()
    assert "体验人员" in page and "周立新" in page and "数据资源局局长" in page
    assert 'name="walkers-0-name"' not in page  # read only


# --- The demo ------------------------------------------------------------------------


def test_the_demo_has_a_director_leading_and_a_project_across_three_departments(db):
    from complaints.walkthroughs import demo

    city = factories.region()
    for name in ["宣城市数据资源管理局", *demo.PROJECT_DEPARTMENTS]:
        factories.department(name, city)
    factories.official(username="official", full_name="吴科长")
    factories.handler(Department.objects.get(name="宣城市发展和改革委员会"), username="handler", full_name="郑发改")
    demo.seed()
    demo.seed()
    officer = User.objects.get(username="officer")
    led = Walkthrough.objects.filter(officer=officer, walkers__is_leader=True).distinct()
    assert led.count() == 2
    director = led.get(project="")
    assert director.walkers.first().unit == "宣城市数据资源管理局局长"
    assert director.walkers.first().role == WalkthroughWalker.Role.AS_APPLICANT
    assert director.walkers.filter(role=WalkthroughWalker.Role.AT_WINDOW).exists()
    cross = led.exclude(project="").get()
    assert cross.departments.count() == 3
    findings = Finding.objects.filter(walkthrough__in=led)
    assert not findings.filter(cause="").exists()
    assert findings.filter(fixed_on_spot=True, case__isnull=True).exists()
    assert not findings.filter(fixed_on_spot=True, case__isnull=False).exists()
    assert not findings.filter(fixed_on_spot=False, case__isnull=True).exists()
    # The generated ones have causes too, and fixed ones were never promoted.
    generated = Finding.objects.filter(walkthrough__officer__username__startswith="officer")
    assert generated.count() > findings.count() and not generated.filter(cause="").exists()
    assert not generated.filter(fixed_on_spot=True, case__isnull=False).exists()
