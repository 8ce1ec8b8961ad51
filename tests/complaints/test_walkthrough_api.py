"""The walkthroughs API: drafts written as one nested document, scoping, submission,
promotion of findings to cases, the current checklist, errors and query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from complaints.models import (
    Case,
    Channel,
    Checklist,
    ChecklistQuestion,
    Finding,
    ProblemCategory,
    Status,
    Walkthrough,
    WalkthroughTheme,
)
from complaints.walkthroughs import services as services
from portal import roles
from tests import factories

pytestmark = pytest.mark.django_db

WALKTHROUGHS = "/api/v1/walkthroughs/"
CHECKLIST = "/api/v1/checklists/current/"


# --- Helpers -----------------------------------------------------------------------


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def officer():
    return factories.user(roles.EXPERIENCE_OFFICER, full_name="体验官甲", mobile="13900001111")


@pytest.fixture
def official():
    return factories.official()


@pytest.fixture
def department():
    return factories.department()


def url(walkthrough=None, action: str = "") -> str:
    if walkthrough is None:
        return WALKTHROUGHS
    pk = walkthrough if isinstance(walkthrough, int) else walkthrough.pk
    return f"{WALKTHROUGHS}{pk}/" + (f"{action}/" if action else "")


def promote_url(finding) -> str:
    pk = finding if isinstance(finding, int) else finding.pk
    return f"/api/v1/findings/{pk}/promote/"


def questions() -> list[ChecklistQuestion]:
    return list(Checklist.current().questions.all())


def theme() -> WalkthroughTheme:
    return WalkthroughTheme.objects.first()


def category(name: str = "审批服务") -> ProblemCategory:
    return ProblemCategory.objects.get(name=name)


def complete(department=None, **overrides) -> dict:
    """A body with everything submitting asks for."""
    first, *rest = questions()
    body = {
        "walked_on": timezone.localdate().isoformat(),
        "form": Walkthrough.Form.DIRECTOR_LED,
        "identity": Walkthrough.Identity.APPLICANT,
        "theme": theme().pk,
        "service_item": "企业开办登记",
        "department": department.pk if department else None,
        "venue": "宣城市政务服务中心",
        "window": "3号窗口",
        "started_at": "09:00",
        "ended_at": "09:45",
        "outcome": Walkthrough.Outcome.NOT_DONE,
        "summary": "材料反复退回。",
        "steps": [
            {
                "action": "取号",
                "minutes_waited": 20,
                "minutes_handled": 2,
                "materials": [],
            },
            {
                "action": "窗口受理",
                "minutes_waited": 5,
                "minutes_handled": 15,
                "trips_to_other_windows": 2,
                "materials": [
                    {"name": "营业执照复印件", "is_necessary": False},
                    {"name": "法定代表人身份证"},
                ],
            },
        ],
        "answers": [
            {"question": first.pk, "answer": "no", "comment": "未一次告知"},
            *({"question": question.pk, "answer": "yes"} for question in rest),
        ],
        "findings": [
            {
                "description": "窗口未一次告知所需材料，往返三次。\n第二行细节",
                "cause": "一次性告知单未随办事指南更新",
                "severity": "high",
                "question": first.pk,
                "category": category().pk,
            }
        ],
    }
    return {**body, **overrides}


def create(api, body) -> dict:
    response = api.post(WALKTHROUGHS, body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def errors(response) -> list[dict]:
    body = response.json()
    assert set(body) == {"errors"}, body
    return body["errors"]


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def submitted(api, officer, department=None, **overrides) -> dict:
    api.force_authenticate(officer)
    created = create(api, complete(department, **overrides))
    response = api.post(url(created["id"], "submit"))
    assert response.status_code == 200, response.content
    api.force_authenticate(None)
    return response.json()


# --- Authentication ---------------------------------------------------------------


def test_anonymous_calls_are_refused(api, officer):
    walkthrough = services.walkthrough_start(officer=officer)
    finding = Finding.objects.create(walkthrough=walkthrough, description="问题")
    responses = [
        api.get(WALKTHROUGHS),
        api.post(WALKTHROUGHS, {}, format="json"),
        api.get(url(walkthrough)),
        api.patch(url(walkthrough), {"summary": "x"}, format="json"),
        api.post(url(walkthrough, "submit")),
        api.get(CHECKLIST),
        api.post(promote_url(finding), {}, format="json"),
    ]
    for response in responses:
        assert response.status_code in (401, 403)
        assert errors(response)[0]["field"] is None
    assert Walkthrough.objects.count() == 1


def test_only_officers_and_officials_start_walkthroughs(api, department):
    for account in (factories.enterprise_user(), factories.handler(department)):
        api.force_authenticate(account)
        response = api.post(WALKTHROUGHS, {"summary": "x"}, format="json")
        assert response.status_code == 403
        assert errors(response) == [{"field": None, "message": "只有营商环境体验官和营商办工作人员可以记录换位体验。"}]
        # They may list: nothing.
        assert ids(api.get(WALKTHROUGHS)) == set()
    assert not Walkthrough.objects.exists()

    # 局长走流程: officials walk too.
    api.force_authenticate(factories.official())
    assert create(api, {"service_item": "施工许可"})["status"] == "draft"


# --- Drafts -------------------------------------------------------------------------


def test_an_officer_creates_updates_and_reads_back_a_draft(api, officer, department):
    first, second, *_ = questions()
    api.force_authenticate(officer)
    response = api.post(WALKTHROUGHS, complete(department), format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert response["Location"].endswith(url(created["id"]))
    assert created["officer"] == {"id": officer.pk, "name": "体验官甲"}
    assert created["status"] == "draft"
    assert created["status_display"] == "草稿"
    assert created["checklist_version"] == 1
    assert created["theme"] == theme().pk
    assert created["department"] == department.pk
    assert created["started_at"] == "09:00:00"
    assert created["minutes_spent"] == 45
    assert created["submitted_at"] is None
    assert created["steps"] == [
        {"action": "取号", "minutes_waited": 20, "minutes_handled": 2, "trips_to_other_windows": 0, "materials": []},
        {
            "action": "窗口受理",
            "minutes_waited": 5,
            "minutes_handled": 15,
            "trips_to_other_windows": 2,
            "materials": [
                {"name": "营业执照复印件", "is_necessary": False},
                {"name": "法定代表人身份证", "is_necessary": True},
            ],
        },
    ]
    assert len(created["answers"]) == 12
    assert created["answers"][0] == {"question": first.pk, "answer": "no", "comment": "未一次告知"}
    [finding] = created["findings"]
    assert finding["id"] == Finding.objects.get().pk
    assert finding["severity"] == "high"
    assert finding["severity_display"] == "严重"
    assert finding["question"] == first.pk
    assert finding["category"] == category().pk
    assert finding["case"] is None

    # PATCH: only what the body names. An answer upserted, a finding changed by id
    # (its left-out fields kept), one added.
    response = api.patch(
        url(created["id"]),
        {
            "summary": "补充：窗口人员态度尚可。",
            "answers": [{"question": second.pk, "answer": "no", "comment": "要求重复提交"}],
            "findings": [
                {"id": finding["id"], "severity": "medium"},
                {"description": "办事指南与窗口要求不一致", "category": category("融资").pk},
            ],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    patched = response.json()
    assert patched["summary"] == "补充：窗口人员态度尚可。"
    assert patched["service_item"] == "企业开办登记"
    assert patched["steps"] == created["steps"]
    answers = {row["question"]: row for row in patched["answers"]}
    assert len(answers) == 12
    assert answers[first.pk]["answer"] == "no"
    assert answers[second.pk] == {"question": second.pk, "answer": "no", "comment": "要求重复提交"}
    kept, added = patched["findings"]
    assert kept["id"] == finding["id"]
    assert kept["severity"] == "medium"
    assert kept["description"] == finding["description"]
    assert kept["question"] == first.pk
    assert added["description"] == "办事指南与窗口要求不一致"
    assert added["severity"] == "low"
    assert added["question"] is None

    # PUT replaces the record: left-out fields are cleared and left-out steps mean none.
    # A finding goes away only with "delete".
    response = api.put(
        url(created["id"]),
        {
            "service_item": "食品经营许可",
            "steps": [{"action": "网上申报", "materials": [{"name": "  "}]}],
            "findings": [{"id": added["id"], "delete": True}],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    replaced = response.json()
    assert replaced["service_item"] == "食品经营许可"
    assert replaced["walked_on"] is None
    assert replaced["theme"] is None
    assert replaced["department"] is None
    assert replaced["form"] == replaced["venue"] == replaced["summary"] == ""
    assert replaced["steps"] == [
        {
            "action": "网上申报",
            "minutes_waited": None,
            "minutes_handled": None,
            "trips_to_other_windows": 0,
            "materials": [],
        }
    ]
    assert [row["id"] for row in replaced["findings"]] == [finding["id"]]
    assert len(replaced["answers"]) == 12

    response = api.put(url(created["id"]), {"service_item": "食品经营许可"}, format="json")
    assert response.json()["steps"] == []

    assert api.get(url(created["id"])).json() == response.json()
    [row] = api.get(WALKTHROUGHS).json()["results"]
    assert row == response.json()


def test_a_draft_is_its_officers_alone(api, officer, official):
    api.force_authenticate(officer)
    draft = create(api, complete())
    mine = draft["id"]

    for account in (factories.user(roles.EXPERIENCE_OFFICER), official):
        api.force_authenticate(account)
        assert mine not in ids(api.get(WALKTHROUGHS))
        for response in (
            api.get(url(mine)),
            api.patch(url(mine), {"summary": "改一下"}, format="json"),
            api.put(url(mine), {"summary": "改一下"}, format="json"),
            api.post(url(mine, "submit")),
            api.post(promote_url(draft["findings"][0]["id"]), {}, format="json"),
        ):
            assert response.status_code == 404, response.content
            assert errors(response)[0]["field"] is None
    assert Walkthrough.objects.get(pk=mine).summary == "材料反复退回。"
    assert Walkthrough.objects.get(pk=mine).status == "draft"

    api.force_authenticate(officer)
    assert ids(api.get(WALKTHROUGHS)) == {mine}
    assert api.get(url(999999999)).status_code == 404
    assert api.get(f"{WALKTHROUGHS}abc/").status_code == 404
    assert api.get(f"{WALKTHROUGHS}²/").status_code == 404
    assert api.get(f"{WALKTHROUGHS}{'9' * 30}/").status_code == 404
    assert api.post(promote_url(10**20), {}, format="json").status_code == 404


def test_another_officers_submitted_walkthrough_is_read_only_for_officials(api, officer, official):
    done = submitted(api, officer)
    api.force_authenticate(official)
    assert done["id"] in ids(api.get(WALKTHROUGHS))
    assert api.get(url(done["id"])).json()["status"] == "submitted"
    # Only its officer writes a walkthrough, even one the reader sees.
    assert api.patch(url(done["id"]), {"summary": "改"}, format="json").status_code == 404
    assert api.post(url(done["id"], "submit")).status_code == 404

    # Another officer does not see it at all.
    api.force_authenticate(factories.user(roles.EXPERIENCE_OFFICER))
    assert ids(api.get(WALKTHROUGHS)) == set()
    assert api.get(url(done["id"])).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"theme": 999999}, "theme"),
        ({"theme": "abc"}, "theme"),
        ({"department": 999999}, "department"),
        ({"form": "walking"}, "form"),
        ({"walked_on": "yesterday"}, "walked_on"),
        ({"started_at": "25:00"}, "started_at"),
        ({"service_item": "x" * 201}, "service_item"),
        ({"steps": "not a list"}, "steps"),
        ({"steps": [{"action": "取号"}, {"minutes_waited": -1}]}, "steps.1.minutes_waited"),
        ({"steps": [{"action": "取号", "materials": [{"is_necessary": True}]}]}, "steps.0.materials.0.name"),
        ({"answers": [{"question": 999999, "answer": "yes"}]}, "answers.0.question"),
        ({"answers": [{"question": "OTHER_CHECKLIST", "answer": "yes"}]}, "answers.0.question"),
        ({"answers": [{"question": "abc", "answer": "yes"}]}, "answers.0.question"),
        ({"answers": [{"question": "²", "answer": "yes"}]}, "answers.0.question"),
        ({"answers": [{"question": 10**30, "answer": "yes"}]}, "answers.0.question"),
        ({"answers": [{"question": "FIRST", "answer": "maybe"}]}, "answers.0.answer"),
        ({"answers": [{"question": "FIRST"}, {"question": "FIRST", "answer": "no"}]}, "answers"),
        ({"findings": [{"description": "d", "category": 999999}]}, "findings.0.category"),
        ({"findings": [{"description": "d", "question": 999999}]}, "findings.0.question"),
        ({"findings": [{"description": "d", "severity": "fatal"}]}, "findings.0.severity"),
        ({"findings": [{"id": 999999, "description": "d"}]}, "findings.0.id"),
    ],
)
def test_bad_input_is_400_with_the_field_path(api, officer, body, field):
    api.force_authenticate(officer)
    other = Checklist.objects.create(version=99, title="未发布的新版本")
    stray = ChecklistQuestion.objects.create(checklist=other, order=1, text="另一版本的检查项")
    substitutes = {"OTHER_CHECKLIST": stray.pk, "FIRST": questions()[0].pk}
    for answer in body.get("answers", []):
        answer["question"] = substitutes.get(answer["question"], answer["question"])

    # Creating: refused whole, nothing started.
    response = api.post(WALKTHROUGHS, body, format="json")
    assert response.status_code == 400, response.content
    assert field in [error["field"] for error in errors(response)]
    assert all(error["message"] for error in errors(response))
    assert not Walkthrough.objects.exists()

    # Updating: refused, nothing saved.
    draft = create(api, complete())
    response = api.patch(url(draft["id"]), {**body, "summary": "不应保存"}, format="json")
    assert response.status_code == 400, response.content
    assert field in [error["field"] for error in errors(response)]
    assert api.get(url(draft["id"])).json() == draft


def test_findings_of_another_walkthrough_and_blank_findings(api, officer):
    api.force_authenticate(officer)
    first = create(api, complete())
    second = create(api, complete())
    theirs = first["findings"][0]["id"]

    # Another walkthrough's finding is not this one's to change.
    response = api.patch(url(second["id"]), {"findings": [{"id": theirs, "description": "改"}]}, format="json")
    assert response.status_code == 400
    assert errors(response) == [{"field": "findings.0.id", "message": f"本记录没有编号为 {theirs} 的问题。"}]

    # A kept finding needs a description; a new blank one is not saved.
    mine = second["findings"][0]["id"]
    response = api.patch(url(second["id"]), {"findings": [{"id": mine, "description": "  "}]}, format="json")
    assert response.status_code == 400
    assert errors(response) == [{"field": "findings.0.description", "message": "请填写问题描述，或删除该问题。"}]
    response = api.patch(url(second["id"]), {"findings": [{"description": ""}]}, format="json")
    assert [row["id"] for row in response.json()["findings"]] == [mine]
    response = api.patch(url(second["id"]), {"findings": [{"id": mine}, {"id": mine}]}, format="json")
    assert errors(response)[0]["field"] == "findings"
    assert Finding.objects.get(pk=theirs).description.startswith("窗口未一次告知")


def test_the_models_own_validation_answers_in_the_same_shape(api, officer):
    api.force_authenticate(officer)
    response = api.post(WALKTHROUGHS, {"started_at": "10:00", "ended_at": "09:00"}, format="json")
    assert response.status_code == 400
    assert errors(response)[0]["field"] is None
    assert not Walkthrough.objects.exists()


# --- Submission ---------------------------------------------------------------------


def test_submitting_an_incomplete_walkthrough_lists_everything_missing(api, officer):
    api.force_authenticate(officer)
    draft = create(api, {"steps": [{"minutes_waited": 10}], "outcome": "not_done"})
    response = api.post(url(draft["id"], "submit"))
    assert response.status_code == 400
    messages = [error["message"] for error in errors(response)]
    assert all(error["field"] is None for error in errors(response))
    assert messages == [
        "请填写：体验形式、体验身份、体验主题、办理事项、办理地点。",
        "第1个办理环节未填写做了什么。",
        "检查清单第1、2、3、4、5、6、7、8、9、10、11、12项尚未回答。",
        "办不成的事项请至少记录一个发现的问题。",
    ]

    api.patch(url(draft["id"]), {"steps": []}, format="json")
    messages = [error["message"] for error in errors(api.post(url(draft["id"], "submit")))]
    assert "请至少记录一个办理环节。" in messages
    assert Walkthrough.objects.get(pk=draft["id"]).status == "draft"


def test_a_complete_walkthrough_submits_and_is_then_read_only(api, officer, official):
    api.force_authenticate(officer)
    draft = create(api, complete())
    response = api.post(url(draft["id"], "submit"))
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "submitted"
    assert response.json()["submitted_at"]
    assert official.notifications.filter(kind="walkthrough.submitted").exists()

    for response in (
        api.patch(url(draft["id"]), {"summary": "再改"}, format="json"),
        api.put(url(draft["id"]), {"summary": "再改"}, format="json"),
        api.post(url(draft["id"], "submit")),
    ):
        assert response.status_code == 400
        assert errors(response) == [{"field": None, "message": "该记录已提交，不能再修改。"}]

    assert ids(api.get(WALKTHROUGHS, {"status": "submitted"})) == {draft["id"]}
    assert ids(api.get(WALKTHROUGHS, {"status": "draft"})) == set()
    assert errors(api.get(WALKTHROUGHS, {"status": "lost"}))[0]["field"] == "status"


# --- Promotion ----------------------------------------------------------------------


def test_an_official_promotes_a_finding_once(api, officer, official, department):
    done = submitted(api, officer, department)
    finding_id = done["findings"][0]["id"]

    api.force_authenticate(official)
    assert done["id"] in ids(api.get(WALKTHROUGHS))
    response = api.post(promote_url(finding_id), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["created"] is True
    case = Case.objects.get(number=body["case"]["number"])
    assert response["Location"].endswith(f"/api/v1/cases/{case.number}/")
    assert body["case"] == {"number": case.number, "status": "assigned", "status_display": "已交办"}
    assert case.channel == Channel.WALKTHROUGH
    assert case.status == Status.ASSIGNED
    assert case.accepted_at is not None
    assert case.lead_department == department
    assert case.category == category()
    assert case.title == "【走流程】企业开办登记：窗口未一次告知所需材料，往返三次。"
    assert case.complainant_name == "体验官甲"
    assert Finding.objects.get(pk=finding_id).case == case

    again = api.post(promote_url(finding_id), {"department": factories.department().pk}, format="json")
    assert again.status_code == 200, again.content
    assert again.json() == {"case": body["case"], "created": False}
    assert Case.objects.count() == 1

    # The officer sees the case on their finding, and may not promote.
    api.force_authenticate(officer)
    [finding] = api.get(url(done["id"])).json()["findings"]
    assert finding["case"] == body["case"]
    response = api.post(promote_url(finding_id), format="json")
    assert response.status_code == 403
    assert errors(response)[0]["field"] is None
    # Another officer does not know the finding exists.
    api.force_authenticate(factories.user(roles.EXPERIENCE_OFFICER))
    assert api.post(promote_url(finding_id), format="json").status_code == 404


def test_promotion_takes_a_department_and_category_or_only_accepts(api, officer, official):
    done = submitted(api, officer)
    first = done["findings"][0]["id"]
    api.force_authenticate(officer)
    second_walk = submitted(api, officer)["findings"][0]["id"]

    api.force_authenticate(official)
    # Without a department anywhere the case is accepted, not assigned.
    body = api.post(promote_url(first), {}, format="json").json()
    assert body["created"] is True
    assert body["case"]["status"] == "accepted"
    assert Case.objects.get(number=body["case"]["number"]).lead_department is None

    chosen = factories.department()
    response = api.post(
        promote_url(second_walk), {"department": chosen.pk, "category": category("融资").pk}, format="json"
    )
    assert response.status_code == 201, response.content
    case = Case.objects.get(number=response.json()["case"]["number"])
    assert case.lead_department == chosen
    assert case.category == category("融资")

    for payload, field in (({"department": 999999}, "department"), ({"category": "abc"}, "category")):
        another = Finding.objects.create(walkthrough_id=done["id"], description="另一个问题")
        response = api.post(promote_url(another), payload, format="json")
        assert response.status_code == 400
        assert errors(response)[0]["field"] == field
        assert Finding.objects.get(pk=another.pk).case is None


def test_a_finding_of_a_draft_cannot_be_promoted(api, official):
    # An official's own draft: they see it and may promote, but it is not submitted.
    api.force_authenticate(official)
    draft = create(api, complete())
    response = api.post(promote_url(draft["findings"][0]["id"]), format="json")
    assert response.status_code == 400
    assert errors(response) == [{"field": None, "message": "记录尚未提交，不能转为诉求件。"}]
    assert not Case.objects.exists()


# --- The checklist -------------------------------------------------------------------


def test_the_current_checklist(api):
    api.force_authenticate(factories.enterprise_user())
    response = api.get(CHECKLIST)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["version"] == 1
    assert body["title"] == "换位体验检查清单"
    assert len(body["questions"]) == 12
    assert [row["order"] for row in body["questions"]] == list(range(1, 13))
    assert body["questions"][0] == {
        "id": questions()[0].pk,
        "order": 1,
        "text": "是否一次告知所需材料",
        "problem_answer": "no",
    }
    assert body["questions"][1]["problem_answer"] == "yes"

    Checklist.objects.update(is_published=False)
    response = api.get(CHECKLIST)
    assert response.status_code == 404
    assert errors(response) == [{"field": None, "message": "尚未发布检查清单。"}]


# --- Query counts ----------------------------------------------------------------------


@pytest.mark.parametrize("reader", ["official", "officer"])
def test_the_list_runs_a_constant_number_of_queries(api, officer, official, reader, django_assert_num_queries):
    department = factories.department()
    first, second, *_ = questions()

    def fill(count):
        for index in range(count):
            walkthrough = services.walkthrough_start(officer=officer)
            services.walkthrough_save_draft(
                walkthrough=walkthrough,
                actor=officer,
                fields={"service_item": f"事项{index}", "department": department, "theme": theme()},
                steps=[
                    {"action": "取号", "materials": [("身份证", True), ("复印件", False)]},
                    {"action": "受理", "minutes_waited": 3, "materials": [("申请表", True)]},
                ],
                answers={first.pk: ("no", "未告知"), second.pk: ("yes", "")},
                findings=[
                    {"description": f"问题{index}甲", "question": first, "category": category()},
                    {"description": f"问题{index}乙"},
                ],
            )
            # Submitted, so that the official lists them too; some findings promoted.
            Walkthrough.objects.filter(pk=walkthrough.pk).update(status=Walkthrough.Status.SUBMITTED)
            if index % 3:
                services.finding_promote(finding=walkthrough.findings.first(), actor=official)

    # A session login loads the user and their permissions afresh per request.
    api.force_login({"official": official, "officer": officer}[reader])
    fill(3)
    api.get(WALKTHROUGHS)
    with CaptureQueriesContext(connection) as small:
        assert api.get(WALKTHROUGHS).json()["count"] == 3
    fill(12)
    with django_assert_num_queries(len(small.captured_queries)):
        response = api.get(WALKTHROUGHS)
    rows = response.json()["results"]
    assert len(rows) == 15
    assert all(len(row["steps"]) == 2 and len(row["findings"]) == 2 for row in rows)
    assert sum(1 for row in rows for finding in row["findings"] if finding["case"]) == 10


# --- Schema ---------------------------------------------------------------------------


def test_the_schema_documents_the_walkthroughs_api_without_warnings(client):
    from drf_spectacular.drainage import GENERATOR_STATS

    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        response = client.get("/api/schema/")
    assert response.status_code == 200
    content = response.content.decode()
    for path in (
        "/api/v1/walkthroughs/",
        "/api/v1/walkthroughs/{id}/",
        "/api/v1/walkthroughs/{id}/submit/",
        "/api/v1/checklists/current/",
        "/api/v1/findings/{id}/promote/",
    ):
        assert f"{path}:" in content
    assert "WalkthroughWrite:" in content
    messages = [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
    ours = ("walkthrough", "Walkthrough", "Finding", "Checklist", "status", "answer", "severity", "form", "outcome")
    assert [message for message in messages if any(word in message for word in ours)] == []
