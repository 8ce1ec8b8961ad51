"""The applications API: 报 (start, upload, submit), 审 (review, return, approve), 兑
(payout) and 评 (rate) through /api/v1/applications/, scoped like the pages: the
applying enterprise's members and the policy's reviewers, 404 for anyone else."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from policies.models import Application, ApplicationFile, ApplicationRating, PolicyMaterial
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/applications/"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def api(client):
    return client


@pytest.fixture
def open_policy(make_policy):
    today = timezone.localdate()
    policy = make_policy(
        application_opens=today - dt.timedelta(days=5),
        application_closes=today + dt.timedelta(days=30),
        amount_rule="fixed",
        amount_fixed=Decimal("100000"),
        amount_cap=Decimal("100000"),
    )
    PolicyMaterial.objects.create(policy=policy, name="申请表", sort_order=1)
    PolicyMaterial.objects.create(policy=policy, name="营业执照", zero_material=True, sort_order=2)
    return policy


@pytest.fixture
def people(open_policy, regions):
    enterprise = factories.enterprise(name="甲科技有限公司", region=regions["xuanzhou"])
    return {
        "enterprise": enterprise,
        "applicant": factories.enterprise_user(enterprise),
        "reviewer": factories.handler(open_policy.issuer),
        "other_enterprise": factories.enterprise_user(factories.enterprise(name="乙贸易有限公司")),
        "other_handler": factories.handler(factories.department("宣城市教育体育局", regions["city"])),
    }


def _json(api, url, data=None):
    return api.post(url, data or {}, content_type="application/json")


def _upload(api, application_id, material_id, name="申请表.pdf", content=PDF):
    return api.post(
        f"{URL}{application_id}/files/",
        {"material": material_id, "file": SimpleUploadedFile(name, content, content_type="application/pdf")},
    )


def _start(api, policy, enterprise):
    return _json(api, URL, {"policy": policy.pk, "enterprise": enterprise.pk, "declared": {"note": "技改项目"}})


def _submitted(api, policy, people):
    """An application started, with its material, and submitted by the applicant."""
    api.force_login(people["applicant"])
    application_id = _start(api, policy, people["enterprise"]).json()["id"]
    required = policy.materials.get(zero_material=False)
    assert _upload(api, application_id, required.pk).status_code == 201
    assert _json(api, f"{URL}{application_id}/submit/", {"confirmed": True}).status_code == 200
    return application_id


def test_the_whole_journey_from_start_to_rating(api, open_policy, people):
    applicant, reviewer = people["applicant"], people["reviewer"]
    required = open_policy.materials.get(zero_material=False)
    api.force_login(applicant)

    response = _start(api, open_policy, people["enterprise"])
    assert response.status_code == 201
    body = response.json()
    application_id = body["id"]
    assert body["status"] == "draft" and body["status_display"] == "草稿"
    assert body["policy"] == {
        "id": open_policy.pk,
        "title": open_policy.title,
        "project_type": "qualification",
        "project_type_display": "资格定补",
    }
    assert body["enterprise"] == {"id": people["enterprise"].pk, "name": "甲科技有限公司"}
    assert body["declared"] == {"note": "技改项目"} and body["year"] == timezone.localdate().year
    assert body["files"] == [] and body["rating"] is None and body["review_flag"] == ""
    again = _start(api, open_policy, people["enterprise"])
    assert again.status_code == 200 and again.json()["id"] == application_id

    response = _json(api, f"{URL}{application_id}/submit/", {"confirmed": True})
    assert response.status_code == 400
    assert "申请表" in response.json()["errors"][0]["message"]

    response = _upload(api, application_id, required.pk)
    assert response.status_code == 201
    stored = ApplicationFile.objects.get(application_id=application_id)
    assert response.json() == {
        "id": stored.pk,
        "material": required.pk,
        "original_name": "申请表.pdf",
        "size": len(PDF),
    }
    assert stored.content_type == "application/pdf"

    response = _json(api, f"{URL}{application_id}/submit/", {"confirmed": False})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "confirmed"
    response = _json(api, f"{URL}{application_id}/submit/", {"confirmed": True})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "submitted" and body["eligibility"]["class"] == "eligible"
    assert body["estimated_amount"] == "100000.00" and body["policy_version"] == open_policy.version
    assert body["submitted_at"] and body["review_due_at"] > body["submitted_at"]
    assert body["review_flag"] in ("green", "yellow")
    assert body["files"][0]["original_name"] == "申请表.pdf"

    api.force_login(reviewer)
    listed = api.get(f"{URL}?role=review").json()
    assert [row["id"] for row in listed["results"]] == [application_id]
    response = _json(api, f"{URL}{application_id}/start-review/")
    assert response.status_code == 200 and response.json()["status"] == "under_review"
    response = _json(api, f"{URL}{application_id}/return/", {"correction_request": "申请表缺少盖章"})
    assert response.status_code == 200
    assert response.json()["status"] == "returned" and response.json()["correction_request"] == "申请表缺少盖章"

    api.force_login(applicant)
    assert _upload(api, application_id, required.pk, name="申请表（盖章）.pdf").status_code == 201
    response = _json(api, f"{URL}{application_id}/submit/", {"confirmed": True, "declared": {"note": "已盖章"}})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "submitted" and body["correction_request"] == "" and body["declared"] == {"note": "已盖章"}
    assert len(body["files"]) == 2

    api.force_login(reviewer)
    response = _json(api, f"{URL}{application_id}/approve/", {"amount": "150000"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "amount" and "上限" in response.json()["errors"][0]["message"]
    response = _json(api, f"{URL}{application_id}/approve/", {"amount": "100000"})
    assert response.status_code == 200
    assert response.json()["status"] == "approved" and response.json()["approved_amount"] == "100000.00"
    assert response.json()["review_flag"] == ""

    api.force_login(applicant)
    response = _json(api, f"{URL}{application_id}/rate/", {"score": 5})
    assert response.status_code == 400  # not concluded yet

    api.force_login(reviewer)
    today = timezone.localdate()
    response = _json(
        api,
        f"{URL}{application_id}/payout/",
        {"amount": "100000", "paid_on": (today + dt.timedelta(days=1)).isoformat(), "voucher_number": "PZ-001"},
    )
    assert response.status_code == 400 and {e["field"] for e in response.json()["errors"]} == {"paid_on"}
    response = _json(
        api,
        f"{URL}{application_id}/payout/",
        {"amount": "100000", "paid_on": today.isoformat(), "voucher_number": "PZ-001"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "paid" and body["status_display"] == "已兑付"
    assert body["paid_amount"] == "100000.00" and body["paid_on"] == today.isoformat()
    assert body["voucher_number"] == "PZ-001"
    response = _json(api, f"{URL}{application_id}/rate/", {"score": 5})
    assert response.status_code == 403  # the reviewer is not the enterprise side

    api.force_login(applicant)
    assert _json(api, f"{URL}{application_id}/rate/", {"score": 6}).status_code == 400
    response = _json(api, f"{URL}{application_id}/rate/", {"score": 5, "comment": "兑现及时"})
    assert response.status_code == 201
    assert response.json()["rating"]["score"] == 5 and response.json()["rating"]["comment"] == "兑现及时"
    assert _json(api, f"{URL}{application_id}/rate/", {"score": 1}).status_code == 400  # once only
    assert ApplicationRating.objects.get(application_id=application_id).score == 5
    detail = api.get(f"{URL}{application_id}/").json()
    assert detail["status"] == "paid" and detail["rating"]["score"] == 5


def test_others_get_404_and_the_wrong_side_403(api, open_policy, people):
    application_id = _submitted(api, open_policy, people)
    detail = f"{URL}{application_id}/"

    api.force_login(people["other_enterprise"])
    response = api.get(detail)
    assert response.status_code == 404 and response.json()["errors"][0]["field"] is None
    assert _json(api, f"{detail}submit/", {"confirmed": True}).status_code == 404
    assert _json(api, f"{detail}rate/", {"score": 5}).status_code == 404
    assert application_id not in [row["id"] for row in api.get(URL).json()["results"]]

    api.force_login(people["other_handler"])
    assert api.get(detail).status_code == 404
    for action, data in [
        ("start-review", {}),
        ("return", {"correction_request": "补充"}),
        ("approve", {"amount": "1"}),
        ("reject", {"reason": "不符合"}),
        ("payout", {"amount": "1", "paid_on": timezone.localdate().isoformat(), "voucher_number": "X"}),
    ]:
        assert _json(api, f"{detail}{action}/", data).status_code == 404, action
    assert api.get(URL).json()["count"] == 0
    assert api.get(f"{URL}?role=review").json()["count"] == 0

    api.force_login(people["applicant"])
    response = _json(api, f"{detail}approve/", {"amount": "100000"})
    assert response.status_code == 403 and response.json()["errors"][0]["message"]
    assert _json(api, f"{detail}start-review/").status_code == 403

    api.force_login(people["reviewer"])
    assert _json(api, f"{detail}submit/", {"confirmed": True}).status_code == 403
    required = open_policy.materials.get(zero_material=False)
    assert _upload(api, application_id, required.pk).status_code == 403
    response = _json(api, f"{detail}reject/", {"reason": "不符合条件"})
    assert response.status_code == 200 and response.json()["rejection_reason"] == "不符合条件"
    response = _json(api, f"{detail}approve/", {"amount": "1"})
    assert response.status_code == 409 and "未通过" in response.json()["errors"][0]["message"]
    assert Application.objects.get(pk=application_id).status == Application.Status.REJECTED

    assert api.get(f"{URL}abc/").status_code == 404
    assert api.get(f"{URL}999999/").status_code == 404


def test_starting_outside_the_window_or_for_another_enterprise_is_refused(api, make_policy, people):
    today = timezone.localdate()
    closed = make_policy(
        application_opens=today - dt.timedelta(days=30), application_closes=today - dt.timedelta(days=1)
    )
    api.force_login(people["applicant"])
    response = _start(api, closed, people["enterprise"])
    assert response.status_code == 400
    assert "截止" in response.json()["errors"][0]["message"]

    open_now = make_policy()
    stranger = factories.enterprise(name="丙公司")
    response = _start(api, open_now, stranger)
    assert response.status_code == 403 and response.json()["errors"][0]["message"]

    response = _json(api, URL, {"policy": make_policy(state="draft").pk, "enterprise": people["enterprise"].pk})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "policy"
    response = _json(api, URL, {"enterprise": people["enterprise"].pk, "declared": "文字"})
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"policy", "declared"}
    assert not Application.objects.exists()


def test_uploads_are_checked(api, make_policy, open_policy, people):
    api.force_login(people["applicant"])
    application_id = _start(api, open_policy, people["enterprise"]).json()["id"]
    required = open_policy.materials.get(zero_material=False)
    zero = open_policy.materials.get(zero_material=True)

    response = _upload(api, application_id, required.pk, name="申请表.pdf", content=b"#!/bin/sh\necho hi\n")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "file" and "类型" in response.json()["errors"][0]["message"]
    response = _upload(api, application_id, zero.pk)
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "material"
    other_policy_material = PolicyMaterial.objects.create(policy=make_policy(title="另一项政策"), name="别的材料")
    response = _upload(api, application_id, other_policy_material.pk)
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "material"
    assert not ApplicationFile.objects.exists()

    assert _upload(api, application_id, required.pk).status_code == 201
    assert _json(api, f"{URL}{application_id}/submit/", {"confirmed": True}).status_code == 200
    response = _upload(api, application_id, required.pk)  # a state refusal, as for every step: 409
    assert response.status_code == 409 and "已提交" in response.json()["errors"][0]["message"]
    assert ApplicationFile.objects.count() == 1


def test_the_list_filters_and_flags(api, make_policy, people, open_policy):
    enterprise = people["enterprise"]
    year = timezone.localdate().year
    now = timezone.now()
    draft = Application.objects.create(policy=open_policy, enterprise=enterprise, year=year)
    late = Application.objects.create(
        policy=make_policy(title="超期"),
        enterprise=enterprise,
        year=year,
        status=Application.Status.SUBMITTED,
        submitted_at=now - dt.timedelta(days=10),
        review_due_at=now - dt.timedelta(hours=1),
    )
    soon = Application.objects.create(
        policy=make_policy(title="临期"),
        enterprise=enterprise,
        year=year,
        status=Application.Status.UNDER_REVIEW,
        submitted_at=now - dt.timedelta(days=6),
        review_due_at=now + dt.timedelta(minutes=5),
    )
    fine = Application.objects.create(
        policy=make_policy(title="正常"),
        enterprise=enterprise,
        year=year,
        status=Application.Status.SUBMITTED,
        submitted_at=now,
        review_due_at=now + dt.timedelta(days=20),
    )
    other = Application.objects.create(
        policy=make_policy(title="别家"), enterprise=factories.enterprise(), year=year, status="submitted"
    )

    api.force_login(people["applicant"])
    body = api.get(URL).json()
    assert {row["id"] for row in body["results"]} == {draft.pk, late.pk, soon.pk, fine.pk}
    flags = {row["id"]: row["review_flag"] for row in body["results"]}
    assert flags == {draft.pk: "", late.pk: "red", soon.pk: "yellow", fine.pk: "green"}
    assert [row["id"] for row in api.get(f"{URL}?status=draft").json()["results"]] == [draft.pk]
    assert api.get(f"{URL}?role=review").json()["count"] == 0
    response = api.get(f"{URL}?status=nonsense")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "status"
    assert api.get(f"{URL}?role=boss").status_code == 400

    api.force_login(people["reviewer"])
    body = api.get(f"{URL}?role=review").json()
    assert {row["id"] for row in body["results"]} == {late.pk, soon.pk, fine.pk, other.pk}  # no drafts
    assert {row["id"] for row in api.get(f"{URL}?role=review&status=under_review").json()["results"]} == {soon.pk}

    api.force_login(factories.official())
    assert api.get(f"{URL}?role=review").json()["count"] == 4
    assert api.get(f"{URL}{late.pk}/").status_code == 200


def test_the_list_runs_a_constant_number_of_queries(api, make_policy, people):
    enterprise = people["enterprise"]
    year = timezone.localdate().year

    def add(n):
        for _ in range(n):
            policy = make_policy()
            material = PolicyMaterial.objects.create(policy=policy, name="申请表")
            application = Application.objects.create(
                policy=policy,
                enterprise=enterprise,
                year=year,
                status=Application.Status.PAID,
                submitted_at=timezone.now(),
                review_due_at=timezone.now(),
            )
            ApplicationFile.objects.create(
                application=application,
                material=material,
                file=SimpleUploadedFile("a.pdf", PDF),
                original_name="a.pdf",
                content_type="application/pdf",
                size=len(PDF),
            )
            ApplicationRating.objects.create(application=application, score=4)

    def count(user):
        api.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            response = api.get(URL)
            assert response.status_code == 200
        return len(queries), response.json()["count"]

    add(3)
    few = {name: count(people[name]) for name in ("applicant", "reviewer")}
    add(12)
    many = {name: count(people[name]) for name in ("applicant", "reviewer")}
    assert few == {"applicant": (few["applicant"][0], 3), "reviewer": (few["reviewer"][0], 3)}
    assert many == {"applicant": (few["applicant"][0], 15), "reviewer": (few["reviewer"][0], 15)}


def test_anonymous_callers_are_refused(api, open_policy, people):
    application = Application.objects.create(policy=open_policy, enterprise=people["enterprise"], year=2026)
    assert api.get(URL).status_code in (401, 403)
    assert api.get(f"{URL}{application.pk}/").status_code in (401, 403)
    assert _start(api, open_policy, people["enterprise"]).status_code in (401, 403)
    response = _json(api, f"{URL}{application.pk}/submit/", {"confirmed": True})
    assert response.status_code in (401, 403) and response.json()["errors"]
    assert Application.objects.count() == 1


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_starting_an_application_twice_at_once_opens_one(open_policy, people, monkeypatch):
    from rest_framework.test import APIClient

    from policies.models import Application
    from tests.concurrency import pause_before_saving, run_at_once

    pause_before_saving(monkeypatch, Application)
    clients = []
    for _ in range(2):
        client = APIClient()
        client.force_login(people["applicant"])
        clients.append(client)

    def start(index):
        response = clients[index].post(
            URL, {"policy": open_policy.pk, "enterprise": people["enterprise"].pk}, format="json"
        )
        return response.status_code, response.json()["id"]

    answers = run_at_once(start, 2)

    application = Application.objects.get()
    assert sorted(code for code, _ in answers) == [200, 201]
    assert {application_id for _, application_id in answers} == {application.pk}


def test_policies_and_applications_are_archived_not_deleted_and_leave_the_lists(api, open_policy, people):
    from django.test import Client

    from tests.archive_checks import assert_archived_not_deleted

    api.force_login(people["applicant"])
    application_id = _start(api, open_policy, people["enterprise"]).json()["id"]
    application = Application.objects.get(pk=application_id)

    assert_archived_not_deleted(Client(), application)
    api.force_login(people["applicant"])
    assert application_id not in {row["id"] for row in api.get(URL).json()["results"]}
    assert api.get(f"{URL}{application_id}/").status_code == 200
    assert api.delete(f"{URL}{application_id}/").status_code == 405

    assert_archived_not_deleted(Client(), open_policy)
    assert open_policy.pk not in {row["id"] for row in api.get("/api/v1/policies/").json()["results"]}
    assert api.delete(f"/api/v1/policies/{open_policy.pk}/").status_code == 405
