"""The application's record (申报记录): every step, from the page or the API, leaves
one entry saying who (by name and unit), what, when and for how much; the enterprise
and the reviewer read the same record; nobody rewrites it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, transaction
from django.utils import timezone

from policies.models import Application, ApplicationEvent, ApplicationFile, PolicyMaterial
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/applications/"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


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
    return policy


@pytest.fixture
def people(open_policy, regions):
    enterprise = factories.enterprise(name="甲科技有限公司", region=regions["xuanzhou"])
    return {
        "enterprise": enterprise,
        "applicant": factories.enterprise_user(enterprise, full_name="王经理"),
        "reviewer": factories.handler(open_policy.issuer, full_name="李审核"),
        "outsider": factories.enterprise_user(factories.enterprise(name="乙贸易有限公司")),
    }


def _json(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def _upload(client, application_id, material_id, name="申请表.pdf"):
    return client.post(
        f"{URL}{application_id}/files/",
        {"material": material_id, "file": SimpleUploadedFile(name, PDF, content_type="application/pdf")},
    )


def _kinds(body):
    return [event["kind"] for event in body["events"]]


def test_every_step_of_the_api_journey_is_on_the_record(client, open_policy, people):
    applicant, reviewer = people["applicant"], people["reviewer"]
    material = open_policy.materials.get()
    client.force_login(applicant)
    application_id = _json(client, URL, {"policy": open_policy.pk, "enterprise": people["enterprise"].pk}).json()["id"]
    assert _upload(client, application_id, material.pk, name="草稿.pdf").status_code == 201
    wrong = ApplicationFile.objects.get()
    response = client.delete(f"{URL}{application_id}/files/{wrong.pk}/")
    assert response.status_code == 200 and response.json()["files"] == []
    assert _upload(client, application_id, material.pk).status_code == 201
    response = _json(client, f"{URL}{application_id}/draft/", {"declared": {"note": "技改项目"}})
    assert response.status_code == 200 and response.json()["declared"] == {"note": "技改项目"}
    assert _json(client, f"{URL}{application_id}/submit/", {"confirmed": True}).status_code == 200

    client.force_login(reviewer)
    assert _json(client, f"{URL}{application_id}/start-review/").status_code == 200
    assert _json(client, f"{URL}{application_id}/approve/", {"amount": "80000"}).status_code == 200
    today = timezone.localdate().isoformat()
    payout = {"amount": "80000", "paid_on": today, "voucher_number": "PZ-2026-001"}
    response = _json(client, f"{URL}{application_id}/payout/", payout)
    assert response.status_code == 200

    body = response.json()
    assert _kinds(body) == [
        "started",
        "file_added",
        "file_removed",
        "file_added",
        "saved",
        "submitted",
        "review_started",
        "approved",
        "paid",
    ]
    by_kind = {event["kind"]: event for event in body["events"]}
    assert by_kind["started"]["actor"] == "王经理（甲科技有限公司）"
    assert by_kind["file_removed"]["note"] == "申请表：草稿.pdf"
    assert by_kind["submitted"]["amount"] == "100000.00"  # the estimate at submission
    assert by_kind["approved"]["actor"] == f"李审核（{open_policy.issuer.name}）"
    assert by_kind["approved"]["amount"] == "80000.00"
    assert by_kind["paid"]["amount"] == "80000.00" and "PZ-2026-001" in by_kind["paid"]["note"]
    assert by_kind["paid"]["from_status"] == "approved" and by_kind["paid"]["to_status"] == "paid"

    # The enterprise reads the same record, on the page with money as 元 with separators;
    # someone else's enterprise does not learn it exists.
    client.force_login(applicant)
    assert _kinds(client.get(f"{URL}{application_id}/").json()) == _kinds(body)
    page = client.get(f"/policies/applications/{application_id}/").content.decode()
    record = page[page.index('data-testid="application-events"') :]
    assert "核准 → 已核准 · 8万元" in " ".join(record.split()).replace("</strong>", "").replace("<strong>", "")
    assert "10万元" in record and "80000.00" not in page
    response = _json(client, f"{URL}{application_id}/rate/", {"score": 4, "comment": "很快"})
    assert response.status_code == 201 and _kinds(response.json())[-1] == "rated"
    client.force_login(people["outsider"])
    assert client.get(f"{URL}{application_id}/").status_code == 404
    assert client.delete(f"{URL}{application_id}/files/{wrong.pk}/").status_code == 404


def test_the_page_shows_the_record_to_the_enterprise_and_the_reviewer(client, open_policy, people):
    from policies.applications import services

    applicant, reviewer = people["applicant"], people["reviewer"]
    application = services.application_start(policy=open_policy, enterprise=people["enterprise"], actor=applicant)
    client.force_login(applicant)
    page = f"/policies/applications/{application.pk}/"
    upload = SimpleUploadedFile("申请表.pdf", PDF, content_type="application/pdf")
    response = client.post(page, {"action": "upload", "material": open_policy.materials.get().pk, "file": upload})
    assert response.status_code == 302
    response = client.post(page, {"action": "submit", "note": "技改", "confirmed": "on"})
    assert response.status_code == 302
    client.force_login(reviewer)
    client.post(page, {"action": "start_review"})
    client.post(page, {"action": "reject", "reason": "不符合申报条件"})

    for user in (applicant, reviewer):
        client.force_login(user)
        text = client.get(page).content.decode()
        record = text[text.index('data-testid="application-events"') :]
        for shown in (
            "发起申报",
            "上传材料",
            "提交申报",
            "开始审核",
            "不予通过",
            "不符合申报条件",
            "王经理（甲科技有限公司）",
        ):
            assert shown in record, shown
        assert f"李审核（{open_policy.issuer.name}）" in record
        assert reviewer.username not in record and applicant.username not in record


def test_a_refused_step_writes_nothing(client, open_policy, people):
    from django.core.exceptions import ValidationError

    from policies.applications import services

    application = services.application_start(
        policy=open_policy, enterprise=people["enterprise"], actor=people["applicant"]
    )
    with pytest.raises(ValidationError):
        services.application_submit(application=application, actor=people["applicant"], confirmed=True)
    with pytest.raises(ValidationError):
        services.application_rate(application=application, actor=people["applicant"], score=5)
    assert list(application.events.values_list("kind", flat=True)) == ["started"]


def test_grants_are_recorded_with_their_amounts(make_policy, regions):
    from policies.applications import services

    policy = make_policy(application_method="auto", amount_rule="fixed", amount_fixed=Decimal("20000"))
    factories.enterprise(name="丙制造有限公司", region=regions["xuanzhou"])
    official = factories.official(full_name="赵主任")
    assert services.grants_confirm(policy=policy, actor=official) >= 1
    event = ApplicationEvent.objects.get(application__policy=policy, application__enterprise__name="丙制造有限公司")
    assert event.kind == "granted" and event.amount == Decimal("20000") and event.actor == official


def test_nobody_rewrites_or_deletes_the_record(open_policy, people):
    from policies.applications import services

    application = services.application_start(
        policy=open_policy, enterprise=people["enterprise"], actor=people["applicant"]
    )
    event = application.events.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        ApplicationEvent.objects.filter(pk=event.pk).update(note="改写")
    with pytest.raises(DatabaseError), transaction.atomic():
        ApplicationEvent.objects.filter(pk=event.pk).delete()


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_upload_racing_the_submission_never_lands_after_it(open_policy, people, monkeypatch):
    """The page's upload takes the same lock as the submission: a file either arrives
    before the application is submitted or is refused, never slipped in after."""
    from django.test import Client

    from policies.applications import services
    from tests.concurrency import pause_before_saving, run_at_once

    applicant = people["applicant"]
    material = open_policy.materials.get()
    application = services.application_start(policy=open_policy, enterprise=people["enterprise"], actor=applicant)
    services.application_file_add(
        application=application,
        actor=applicant,
        material=material,
        upload=SimpleUploadedFile("申请表.pdf", PDF, content_type="application/pdf"),
        content_type="application/pdf",
    )
    pause_before_saving(monkeypatch, ApplicationFile)
    clients = []
    for _ in range(2):
        client = Client()
        client.force_login(applicant)
        clients.append(client)
    page = f"/policies/applications/{application.pk}/"

    def act(index):
        if index == 0:
            upload = SimpleUploadedFile("补充.pdf", PDF, content_type="application/pdf")
            return clients[0].post(page, {"action": "upload", "material": material.pk, "file": upload}).status_code
        return clients[1].post(page, {"action": "submit", "note": "", "confirmed": "on"}).status_code

    run_at_once(act, 2)

    application = Application.objects.get(pk=application.pk)
    assert application.status == "submitted"
    assert all(item.uploaded_at <= application.submitted_at for item in application.files.all())
    kinds = list(application.events.values_list("kind", flat=True))
    assert kinds.index("submitted") == len(kinds) - 1  # nothing after the submission


def test_the_record_costs_the_same_queries_however_long_it_is(client, open_policy, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from policies.applications import services

    applicant = people["applicant"]
    application = services.application_start(policy=open_policy, enterprise=people["enterprise"], actor=applicant)
    client.force_login(applicant)

    def queries():
        with CaptureQueriesContext(connection) as api:
            assert client.get(f"{URL}{application.pk}/").status_code == 200
        with CaptureQueriesContext(connection) as page:
            assert client.get(f"/policies/applications/{application.pk}/").status_code == 200
        return len(api), len(page)

    short = queries()
    for number in range(10):
        services.application_save_draft(application=application, actor=applicant, declared={"note": str(number)})
    assert application.events.count() == 11
    assert queries() == short
