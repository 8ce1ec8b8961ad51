"""Walkthroughs as the officer and the official use them: the draft that survives a
reload, submission that says what is missing, promotion to one case, and the loop
closing on the officer's page."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from complaints import services as case_services
from complaints.models import (
    Case,
    Checklist,
    ChecklistAnswer,
    ExperienceOfficer,
    Finding,
    Status,
    Walkthrough,
    WalkthroughTheme,
)
from complaints.walkthroughs import services as services
from portal import roles
from portal.models import Notification
from tests import factories
from tests.complaints.test_views import PNG

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(db):
    return factories.user(roles.EXPERIENCE_OFFICER, username="officer", full_name="何体验", mobile="13900002222")


def _post_data(walkthrough, **overrides):
    """The form as a phone would post it: everything filled in."""
    checklist = walkthrough.checklist if walkthrough is not None else Checklist.current()
    data = {
        "w-walked_on": "2026-11-18",
        "w-form": "windows",
        "w-identity": "applicant",
        "w-theme": WalkthroughTheme.objects.get(name="窗口服务作风").pk,
        "w-service_item": "企业开办登记",
        "w-department": overrides.pop("department", ""),
        "w-venue": "宣城市政务服务中心",
        "w-window": "A12",
        "w-started_at": "09:00",
        "w-ended_at": "10:40",
        "w-outcome": "not_done",
        "w-summary": "材料被要求重复提交。",
        "steps-TOTAL_FORMS": "2",
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "50",
        "steps-0-action": "取号排队",
        "steps-0-minutes_waited": "35",
        "steps-0-minutes_handled": "0",
        "steps-0-trips_to_other_windows": "0",
        "steps-1-action": "窗口受理",
        "steps-1-minutes_waited": "5",
        "steps-1-minutes_handled": "20",
        "steps-1-trips_to_other_windows": "2",
        "steps-1-materials_needed": "营业执照申请书\n法定代表人身份证",
        "steps-1-materials_unneeded": "房产证复印件",
        "findings-TOTAL_FORMS": "1",
        "findings-INITIAL_FORMS": "0",
        "findings-MIN_NUM_FORMS": "0",
        "findings-MAX_NUM_FORMS": "30",
        "findings-0-id": "",
        "findings-0-description": "窗口要求提供可共享获取的房产证复印件",
        "findings-0-cause": "窗口未接入不动产登记信息共享，仍按旧办事指南索要复印件",
        "findings-0-severity": "medium",
        "findings-0-question": "",
        "findings-0-category": "",
        "walkers-TOTAL_FORMS": "0",
        "walkers-INITIAL_FORMS": "0",
        "walkers-MIN_NUM_FORMS": "0",
        "walkers-MAX_NUM_FORMS": "20",
    }
    for question in checklist.questions.all():
        data[f"a-q_{question.pk}"] = "yes" if question.problem_answer == "no" else "no"
        data[f"a-c_{question.pk}"] = ""
    data.update(overrides)
    return data


def _blank_post_data():
    """The blank form as the autosave posts it before anything is typed: today's date."""
    from django.utils import timezone

    data = {"w-walked_on": timezone.localdate().isoformat()}
    for prefix in ("steps", "findings", "walkers"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MIN_NUM_FORMS": "0"})
    for question in Checklist.current().questions.all():
        data[f"a-c_{question.pk}"] = ""
    return data


def _start(client, officer):
    """A draft made by the officer's first saved input on the blank form."""
    client.force_login(officer)
    response = client.post("/walkthroughs/new/", {**_blank_post_data(), "w-service_item": "企业开办登记", "save": "1"})
    walkthrough = Walkthrough.objects.get(officer=officer)
    assert response["Location"] == f"/walkthroughs/{walkthrough.pk}/edit/"
    return walkthrough


def test_a_draft_survives_a_reload_and_another_device(client, officer, client_factory=None):
    walkthrough = _start(client, officer)
    data = _post_data(walkthrough, **{"w-outcome": "", "steps-TOTAL_FORMS": "1"})
    response = client.post(f"/walkthroughs/{walkthrough.pk}/edit/", {**data, "save": "1"})
    assert response.status_code == 302

    from django.test import Client

    other_device = Client()
    other_device.force_login(officer)
    page = other_device.get(f"/walkthroughs/{walkthrough.pk}/edit/").content.decode()
    assert 'value="企业开办登记"' in page
    assert 'value="取号排队"' in page
    assert "窗口要求提供可共享获取的房产证复印件" in page
    walkthrough.refresh_from_db()
    assert walkthrough.status == Walkthrough.Status.DRAFT


def test_autosave_answers_json_and_keeps_finding_ids(client, officer):
    walkthrough = _start(client, officer)
    data = _post_data(walkthrough)
    first = client.post(f"/walkthroughs/{walkthrough.pk}/edit/", data, HTTP_X_AUTOSAVE="1")
    assert first.status_code == 200
    body = first.json()
    assert body["saved"] is True
    finding_id = body["findings"][0]
    assert Finding.objects.get(pk=finding_id).walkthrough == walkthrough

    # The script puts the id back into the form; saving again does not duplicate it.
    data["findings-0-id"] = str(finding_id)
    data["findings-0-description"] = "改：窗口要求提供房产证复印件"
    client.post(f"/walkthroughs/{walkthrough.pk}/edit/", data, HTTP_X_AUTOSAVE="1")
    assert list(walkthrough.findings.values_list("description", flat=True)) == ["改：窗口要求提供房产证复印件"]
    assert walkthrough.steps.count() == 2
    assert sorted(walkthrough.steps.get(order=2).materials.values_list("name", "is_necessary")) == [
        ("房产证复印件", False),
        ("法定代表人身份证", True),
        ("营业执照申请书", True),
    ]


def test_submitting_an_incomplete_walkthrough_says_what_is_missing(client, officer):
    walkthrough = _start(client, officer)
    data = _post_data(walkthrough, **{"w-service_item": "", "steps-TOTAL_FORMS": "0", "findings-TOTAL_FORMS": "0"})
    first_question = walkthrough.checklist.questions.get(order=1)
    data[f"a-q_{first_question.pk}"] = ""
    response = client.post(f"/walkthroughs/{walkthrough.pk}/edit/", {**data, "submit": "1"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "请填写：办理事项" in page
    assert "请至少记录一个办理环节" in page
    assert "检查清单第1项尚未回答" in page
    assert "办不成的事项请至少记录一个发现的问题" in page
    # What was typed is kept, on the page and in the draft.
    assert 'value="宣城市政务服务中心"' in page
    walkthrough.refresh_from_db()
    assert walkthrough.status == Walkthrough.Status.DRAFT
    assert walkthrough.venue == "宣城市政务服务中心"


def test_a_complete_walkthrough_is_submitted_and_officials_are_told(client, officer):
    official = factories.official()
    walkthrough = _start(client, officer)
    response = client.post(f"/walkthroughs/{walkthrough.pk}/edit/", {**_post_data(walkthrough), "submit": "1"})
    assert response.status_code == 302
    walkthrough.refresh_from_db()
    assert walkthrough.status == Walkthrough.Status.SUBMITTED
    assert walkthrough.answers.count() == 12
    assert Notification.objects.filter(recipient=official, kind="walkthrough.submitted").exists()
    # A submitted walkthrough is no longer editable.
    assert client.get(f"/walkthroughs/{walkthrough.pk}/edit/")["Location"] == f"/walkthroughs/{walkthrough.pk}/"
    with pytest.raises(Exception, match="已提交"):
        services.walkthrough_save_draft(walkthrough=walkthrough, actor=officer, fields={"summary": "改"})


def test_an_officer_cannot_read_another_officers_walkthrough(client, officer):
    walkthrough = _start(client, officer)
    stranger = factories.user(roles.EXPERIENCE_OFFICER)
    client.force_login(stranger)
    assert client.get(f"/walkthroughs/{walkthrough.pk}/").status_code == 404
    assert client.get(f"/walkthroughs/{walkthrough.pk}/edit/").status_code == 404
    assert client.post(f"/walkthroughs/{walkthrough.pk}/edit/", {"w-summary": "x"}).status_code == 404
    assert str(walkthrough.pk) not in client.get("/walkthroughs/").content.decode().split("/walkthroughs/new/")[0][-50:]
    # Officials see submitted records, not drafts.
    client.force_login(factories.official())
    assert client.get(f"/walkthroughs/{walkthrough.pk}/").status_code == 404


def test_people_without_the_role_cannot_start_one(client):
    client.force_login(factories.enterprise_user())
    assert client.post("/walkthroughs/new/").status_code == 403


@pytest.fixture
def submitted(client, officer, people):
    walkthrough = _start(client, officer)
    response = client.post(
        f"/walkthroughs/{walkthrough.pk}/edit/", {**_post_data(walkthrough, department=people.x.pk), "submit": "1"}
    )
    assert response.status_code == 302
    return walkthrough


def test_promotion_makes_one_case_and_the_officer_sees_the_loop_close(client, officer, people, submitted):
    finding = submitted.findings.get()
    client.force_login(people.official)
    page = client.get(f"/walkthroughs/{submitted.pk}/").content.decode()
    assert "转为诉求件" in page
    url = f"/walkthroughs/{submitted.pk}/findings/{finding.pk}/promote/"
    category = finding.category or people.x  # any category
    from complaints.models import ProblemCategory

    category = ProblemCategory.objects.get(name="审批服务")
    client.post(url, {"department": people.x.pk, "category": category.pk})
    client.post(url, {"department": people.x.pk, "category": category.pk})
    finding.refresh_from_db()
    case = finding.case
    assert Case.objects.filter(channel="walkthrough").count() == 1
    assert case.status == Status.ASSIGNED
    assert case.lead_department == people.x
    assert case.complainant_name == "何体验"
    assert "企业开办登记" in case.title

    # The handler resolves it; the officer sees it resolved on their page and can open the case.
    for step in (
        lambda c: case_services.case_set_measures(
            case=c,
            actor=people.handler_x,
            tasks=[
                {
                    "task": "停止索要可共享材料",
                    "measure": "改为部门间共享核验",
                    "deadline": dt.date.today(),
                    "department": people.x,
                    "responsible_person": "窗口负责人",
                }
            ],
        ),
        lambda c: case_services.case_give_feedback(case=c, actor=people.handler_x, feedback="已整改"),
        lambda c: case_services.case_resolve(
            case=c, actor=people.handler_x, resolution="已取消该材料要求", open_tasks_reason="材料要求已当场取消"
        ),
    ):
        case = step(case)
    client.force_login(officer)
    page = client.get(f"/walkthroughs/{submitted.pk}/").content.decode()
    assert case.number in page and "已办结" in page
    assert client.get(f"/cases/{case.number}/").status_code == 200
    assert Notification.objects.filter(recipient=officer, kind="finding.promoted").exists()


def test_the_database_refuses_a_second_case_for_a_finding(people, submitted, file_case):
    case = file_case()
    finding = submitted.findings.get()
    finding.case = case
    finding.save()
    other = Finding.objects.create(walkthrough=submitted, description="另一个问题")
    other.case = case
    with pytest.raises(IntegrityError), transaction.atomic():
        other.save()


def test_an_officer_cannot_promote(client, officer, submitted):
    finding = submitted.findings.get()
    client.force_login(officer)
    assert client.post(f"/walkthroughs/{submitted.pk}/findings/{finding.pk}/promote/", {}).status_code == 403
    assert not Case.objects.exists()


def test_a_draft_finding_cannot_be_promoted(people, officer):
    walkthrough = services.walkthrough_start(officer=officer)
    finding = Finding.objects.create(walkthrough=walkthrough, description="草稿中的问题")
    with pytest.raises(Exception, match="尚未提交"):
        services.finding_promote(finding=finding, actor=people.official)


def test_photos_are_images_checked_by_content_and_served_with_permission(client, officer):
    walkthrough = _start(client, officer)
    data = _post_data(walkthrough)
    data["findings-0-photos"] = [SimpleUploadedFile("现场.png", PNG, content_type="image/png")]
    client.post(f"/walkthroughs/{walkthrough.pk}/edit/", {**data, "save": "1"})
    photo = walkthrough.findings.get().photos.get()
    assert photo.content_type == "image/png" and "现场" not in photo.file.name

    data["findings-0-id"] = str(walkthrough.findings.get().pk)
    data["findings-0-photos"] = [SimpleUploadedFile("说明.pdf", b"%PDF-1.4\n", content_type="application/pdf")]
    page = client.post(f"/walkthroughs/{walkthrough.pk}/edit/", {**data, "save": "1"}).content.decode()
    assert "不是图片" in page
    assert walkthrough.findings.get().photos.count() == 1

    assert client.get(f"/walkthroughs/photos/{photo.pk}/").status_code == 200
    client.force_login(factories.user(roles.EXPERIENCE_OFFICER))
    assert client.get(f"/walkthroughs/photos/{photo.pk}/").status_code == 404


def test_a_new_checklist_version_leaves_past_answers_alone(client, officer, submitted):
    old = submitted.checklist
    new = services.checklist_new_version(source=old)
    question = new.questions.get(order=1)
    question.text = "是否一次性告知全部所需材料（含容缺受理）"
    question.save()
    services.checklist_publish(checklist=new)
    assert Checklist.current() == new

    answer = ChecklistAnswer.objects.get(walkthrough=submitted, question__order=1)
    assert answer.question.checklist == old
    assert answer.question.text == "是否一次告知所需材料"
    later = services.walkthrough_start(officer=officer)
    assert later.checklist == new

    # The admin freezes the questions of a version that has answers.
    client.force_login(factories.official())
    page = client.get(f"/admin/complaints/checklist/{old.pk}/change/").content.decode()
    assert 'name="questions-0-text"' not in page
    page = client.get(f"/admin/complaints/checklist/{new.pk}/change/").content.decode()
    assert 'name="questions-0-text"' in page


def test_officials_appoint_and_retire_officers_in_the_admin(client):
    client.force_login(factories.official())
    volunteer = factories.user(username="volunteer")
    response = client.post(
        "/admin/complaints/experienceofficer/add/",
        {"user": volunteer.pk, "affiliation": "宣城市工商联", "appointed_from": "2026-01-01", "is_active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert roles.has_role(volunteer, roles.EXPERIENCE_OFFICER)
    officer = ExperienceOfficer.objects.get(user=volunteer)
    client.post("/admin/complaints/experienceofficer/", {"action": "retire", "_selected_action": [officer.pk]})
    officer.refresh_from_db()
    volunteer = type(volunteer).objects.get(pk=volunteer.pk)
    assert not officer.is_active and officer.appointed_until is not None
    assert not roles.has_role(volunteer, roles.EXPERIENCE_OFFICER)


def test_list_and_record_pages_keep_a_constant_number_of_queries(client, officer, people):
    def add(count):
        for _ in range(count):
            walkthrough = services.walkthrough_start(officer=officer)
            services.walkthrough_save_draft(
                walkthrough=walkthrough,
                actor=officer,
                fields={"service_item": "不动产登记"},
                steps=[{"action": "排队", "minutes_waited": 10, "materials": [("身份证", True)]}],
                findings=[{"description": "排队时间长"}],
            )

    client.force_login(officer)
    add(2)
    with CaptureQueriesContext(connection) as few:
        client.get("/walkthroughs/")
    add(10)
    with CaptureQueriesContext(connection) as many:
        client.get("/walkthroughs/")
    assert len(many.captured_queries) == len(few.captured_queries)

    walkthrough = Walkthrough.objects.filter(officer=officer).first()
    with CaptureQueriesContext(connection) as small:
        client.get(f"/walkthroughs/{walkthrough.pk}/")
    services.walkthrough_save_draft(
        walkthrough=walkthrough,
        actor=officer,
        fields={},
        steps=[{"action": f"环节{i}", "materials": [("材料", False)]} for i in range(8)],
        findings=[{"description": f"问题{i}"} for i in range(6)],
    )
    with CaptureQueriesContext(connection) as large:
        client.get(f"/walkthroughs/{walkthrough.pk}/")
    assert len(large.captured_queries) == len(small.captured_queries)


def test_a_finding_emptied_after_saving_blocks_submission(client, officer):
    walkthrough = _start(client, officer)
    data = _post_data(walkthrough)
    client.post(f"/walkthroughs/{walkthrough.pk}/edit/", {**data, "save": "1"})
    data["findings-0-id"] = str(walkthrough.findings.get().pk)
    data["findings-0-description"] = ""
    page = client.post(f"/walkthroughs/{walkthrough.pk}/edit/", {**data, "submit": "1"}).content.decode()
    assert "第1个发现的问题未填写描述" in page
    assert Walkthrough.objects.get(pk=walkthrough.pk).status == Walkthrough.Status.DRAFT


def test_a_walkthrough_is_archived_not_deleted_and_leaves_the_lists(client, officer, submitted):
    from django.test import Client

    from tests.archive_checks import assert_archived_not_deleted

    assert_archived_not_deleted(Client(), submitted)
    client.force_login(officer)
    assert submitted.pk not in {row["id"] for row in client.get("/api/v1/walkthroughs/").json()["results"]}
    assert client.get(f"/api/v1/walkthroughs/{submitted.pk}/").status_code == 200
    assert client.delete(f"/api/v1/walkthroughs/{submitted.pk}/").status_code == 405


def test_a_tap_on_start_stores_nothing_until_the_first_input_is_saved(client, officer):
    client.force_login(officer)
    assert 'href="/walkthroughs/new/"' in client.get("/walkthroughs/").content.decode()
    form = client.get("/walkthroughs/new/")
    assert form.status_code == 200
    page = form.content.decode()
    assert "已答 0/" in page and 'data-autosave-url="/walkthroughs/new/"' in page
    assert 'data-testid="discard-form"' not in page  # nothing to discard yet
    assert not Walkthrough.objects.filter(officer=officer).exists()

    # An autosave of an untouched form and a save of an empty one create nothing.
    blank = _blank_post_data()
    assert client.post("/walkthroughs/new/", blank, HTTP_X_AUTOSAVE="1").json() == {"saved": False, "errors": []}
    response = client.post("/walkthroughs/new/", {**blank, "save": "1"})
    assert response.status_code == 400
    assert "还没有填写任何内容，草稿未创建。" in response.content.decode()
    assert not Walkthrough.objects.filter(officer=officer).exists()

    # The first input creates the draft; the script is told its address and carries on there.
    first = client.post("/walkthroughs/new/", {**blank, "w-service_item": "企业开办登记"}, HTTP_X_AUTOSAVE="1")
    walkthrough = Walkthrough.objects.get(officer=officer)
    assert first.json()["saved"] is True
    assert first.json()["url"] == f"/walkthroughs/{walkthrough.pk}/edit/"
    assert walkthrough.service_item == "企业开办登记" and walkthrough.is_draft
    again = client.post(
        f"/walkthroughs/{walkthrough.pk}/edit/", {**blank, "w-service_item": "企业开办"}, HTTP_X_AUTOSAVE="1"
    )
    assert "url" not in again.json()
    assert Walkthrough.objects.filter(officer=officer).count() == 1

    # An unwanted draft is discarded and leaves the list.
    assert 'data-testid="discard-form"' in client.get(first.json()["url"]).content.decode()
    response = client.post(f"/walkthroughs/{walkthrough.pk}/discard/")
    assert response.status_code == 302
    walkthrough.refresh_from_db()
    assert walkthrough.archived_at is not None
    assert f"/walkthroughs/{walkthrough.pk}/" not in client.get("/walkthroughs/").content.decode()


def test_submitting_a_complete_form_at_once_creates_and_submits_it(client, officer):
    client.force_login(officer)
    response = client.post("/walkthroughs/new/", {**_post_data(None), "submit": "1"})
    walkthrough = Walkthrough.objects.get(officer=officer)
    assert response["Location"] == f"/walkthroughs/{walkthrough.pk}/"
    assert walkthrough.status == Walkthrough.Status.SUBMITTED


def test_an_incomplete_first_submission_keeps_the_draft_and_says_what_is_missing(client, officer):
    client.force_login(officer)
    response = client.post(
        "/walkthroughs/new/", {**_blank_post_data(), "w-service_item": "企业开办登记", "submit": "1"}
    )
    walkthrough = Walkthrough.objects.get(officer=officer)
    assert response["Location"] == f"/walkthroughs/{walkthrough.pk}/edit/"
    assert walkthrough.is_draft and walkthrough.service_item == "企业开办登记"
    page = client.get(response["Location"]).content.decode()
    assert "企业开办登记" in page and "alert-danger" in page
