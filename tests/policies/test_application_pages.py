"""Application pages: apply, upload, submit, review, return, resubmit, approve, payout,
rate; who sees what; the reviewers' workbench; 免申即享 grants; supervision."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from policies import supervision
from policies.models import Application, ApplicationRating, PolicyMaterial
from portal.models import Region
from tests import factories

pytestmark = pytest.mark.django_db


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
    PolicyMaterial.objects.create(policy=policy, name="申请表")
    PolicyMaterial.objects.create(policy=policy, name="营业执照", zero_material=True)
    return policy


def _messages(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def _pdf(name="申请表.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n", content_type="application/pdf")


def _detail(application):
    return reverse("policy_applications:detail", args=[application.pk])


def test_apply_upload_submit_return_resubmit_approve_pay_and_rate(client, open_policy, regions):
    enterprise = factories.enterprise(region=regions["xuanzhou"])
    applicant = factories.enterprise_user(enterprise)
    client.force_login(applicant)

    response = client.post(
        reverse("policy_applications:start", args=[open_policy.pk]) + f"?enterprise={enterprise.pk}",
        {"enterprise": enterprise.pk},
    )
    application = Application.objects.get(policy=open_policy, enterprise=enterprise)
    assert response.status_code == 302 and response["Location"] == _detail(application)

    page = client.get(_detail(application))
    assert page.status_code == 200
    assert "数据核验，无需上传" in page.content.decode()

    # Submitting without the material or the confirmation fails and keeps the note.
    response = client.post(_detail(application), {"action": "submit", "note": "技改项目投资800万元", "confirmed": "on"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "请上传：申请表" in body and "技改项目投资800万元" in body

    # A file that is not what it claims is refused.
    material = open_policy.materials.get(zero_material=False)
    bad = SimpleUploadedFile("申请表.pdf", b"just text", content_type="application/pdf")
    response = client.post(_detail(application), {"action": "upload", "material": material.pk, "file": bad})
    assert response.status_code == 400 and "类型不受支持" in response.content.decode()

    response = client.post(_detail(application), {"action": "upload", "material": material.pk, "file": _pdf()})
    assert response.status_code == 302
    assert application.files.get().material == material

    response = client.post(_detail(application), {"action": "submit", "note": "技改项目投资800万元"})
    assert response.status_code == 400 and "请确认所填信息真实有效" in response.content.decode()
    response = client.post(_detail(application), {"action": "submit", "note": "技改项目投资800万元", "confirmed": "on"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert application.declared["note"] == "技改项目投资800万元"
    body = client.get(_detail(application)).content.decode()
    assert "符合全部条件" in body and "10万元" in body

    # The issuing department's handler reviews and returns for correction.
    reviewer = factories.handler(open_policy.issuer)
    client.force_login(reviewer)
    page = client.get(_detail(application))
    assert page.status_code == 200 and 'data-testid="review-actions"' in page.content.decode()
    assert client.post(_detail(application), {"action": "start_review"}).status_code == 302
    response = client.post(_detail(application), {"action": "return", "correction_request": "  "})
    assert response.status_code == 400
    response = client.post(_detail(application), {"action": "return", "correction_request": "申请表缺少盖章"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.RETURNED
    # Enterprise-only actions are not the reviewer's.
    assert client.post(_detail(application), {"action": "submit", "confirmed": "on"}).status_code == 400

    client.force_login(applicant)
    body = client.get(_detail(application)).content.decode()
    assert "申请表缺少盖章" in body and "重新提交" in body
    client.post(_detail(application), {"action": "upload", "material": material.pk, "file": _pdf("盖章版.pdf")})
    response = client.post(_detail(application), {"action": "submit", "note": "已盖章", "confirmed": "on"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED and application.files.count() == 2
    # The enterprise cannot approve its own application.
    assert client.post(_detail(application), {"action": "approve", "amount": "1"}).status_code == 400

    client.force_login(reviewer)
    page = client.get(_detail(application)).content.decode()
    assert 'value="100000.00"' in page  # the approval amount is prefilled with the estimate
    response = client.post(_detail(application), {"action": "approve", "amount": "150000"})
    assert response.status_code == 400 and "上限" in response.content.decode()
    assert 'value="150000"' in response.content.decode()
    assert client.post(_detail(application), {"action": "approve", "amount": "100000"}).status_code == 302
    response = client.post(
        _detail(application),
        {"action": "payout", "amount": "100000", "paid_on": timezone.localdate().isoformat(), "voucher_number": " "},
    )
    assert response.status_code == 400
    response = client.post(
        _detail(application),
        {"action": "payout", "amount": "100000", "paid_on": timezone.localdate().isoformat(), "voucher_number": "PZ-1"},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.PAID and application.voucher_number == "PZ-1"

    client.force_login(applicant)
    body = client.get(_detail(application)).content.decode()
    assert "已兑付" in body and "PZ-1" in body and 'data-testid="rating-form"' in body
    assert client.post(_detail(application), {"action": "rate", "score": "9"}).status_code == 400
    response = client.post(_detail(application), {"action": "rate", "score": "5", "comment": "兑付很快"})
    assert response.status_code == 302
    assert ApplicationRating.objects.get(application=application).score == 5
    mine = client.get(reverse("policy_applications:mine")).content.decode()
    assert "已兑付" in mine and "已评价" in mine


def test_others_get_404(client, open_policy, regions):
    enterprise = factories.enterprise()
    applicant = factories.enterprise_user(enterprise)
    application = Application.objects.create(
        policy=open_policy, enterprise=enterprise, applicant=applicant, year=2026, status="submitted"
    )
    item = application.files.create(
        material=open_policy.materials.first(),
        file=_pdf(),
        original_name="a.pdf",
        content_type="application/pdf",
        size=9,
    )
    other_enterprise_user = factories.enterprise_user(factories.enterprise())
    other_handler = factories.handler(factories.department("宣城市教育体育局", regions["city"]))
    for user in [other_enterprise_user, other_handler]:
        client.force_login(user)
        assert client.get(_detail(application)).status_code == 404
        assert client.post(_detail(application), {"action": "start_review"}).status_code == 404
        assert client.get(reverse("policy_applications:file", args=[application.pk, item.pk])).status_code == 404
    client.force_login(applicant)
    response = client.get(reverse("policy_applications:file", args=[application.pk, item.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    client.force_login(factories.official())
    assert client.get(_detail(application)).status_code == 200


def test_a_closed_window_says_why_and_goes_back(client, make_policy):
    today = timezone.localdate()
    policy = make_policy(application_opens=today - dt.timedelta(days=30), application_closes=today - dt.timedelta(1))
    enterprise = factories.enterprise()
    client.force_login(factories.enterprise_user(enterprise))
    response = client.post(reverse("policy_applications:start", args=[policy.pk]), {"enterprise": enterprise.pk})
    assert response.status_code == 302 and response["Location"] == reverse("policies:detail", args=[policy.pk])
    assert any("截止" in message for message in _messages(response))
    assert not Application.objects.exists()


def test_only_represented_enterprises_may_apply(client, open_policy):
    client.force_login(factories.enterprise_user(factories.enterprise()))
    stranger = factories.enterprise()
    response = client.post(reverse("policy_applications:start", args=[open_policy.pk]), {"enterprise": stranger.pk})
    assert response.status_code == 400
    assert not Application.objects.exists()


def _submitted(policy, due, **fields):
    return Application.objects.create(
        policy=policy,
        enterprise=factories.enterprise(),
        year=2026,
        status=Application.Status.SUBMITTED,
        submitted_at=timezone.now() - dt.timedelta(days=3),
        review_due_at=due,
        **fields,
    )


def test_review_list_flags_scope_and_constant_queries(client, open_policy, make_policy, regions):
    now = timezone.now()
    red = _submitted(open_policy, now - dt.timedelta(hours=2))
    yellow = _submitted(open_policy, now + dt.timedelta(minutes=30))
    green = _submitted(open_policy, now + dt.timedelta(days=30))
    other_department = factories.department("宣城市教育体育局", regions["city"])
    elsewhere = _submitted(make_policy(issuer=other_department), now + dt.timedelta(days=30))

    handler = factories.handler(open_policy.issuer)
    client.force_login(handler)
    url = reverse("policy_applications:review_list")
    with CaptureQueriesContext(connection) as small:
        response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    rows = [f'data-application="{a.pk}"' for a in (red, yellow, green)]
    assert all(row in body for row in rows)
    assert body.index(rows[0]) < body.index(rows[1]) < body.index(rows[2])
    assert f'data-application="{elsewhere.pk}"' not in body
    assert 'data-flag="red"' in body and "超期" in body
    assert 'data-flag="yellow"' in body and "临期" in body
    assert 'data-flag="green"' in body and "正常" in body

    for _ in range(9):
        _submitted(open_policy, now + dt.timedelta(days=10))
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert response.content.decode().count('data-testid="application"') == 12
    assert len(large) == len(small)

    Application.objects.filter(pk=green.pk).update(status=Application.Status.PAID)
    body = client.get(url, {"status": "paid"}).content.decode()
    assert f'data-application="{green.pk}"' in body and f'data-application="{red.pk}"' not in body

    client.force_login(factories.official())
    assert f'data-application="{elsewhere.pk}"' in client.get(url).content.decode()
    client.force_login(factories.enterprise_user(factories.enterprise()))
    assert client.get(url).status_code == 403


def test_my_applications_constant_queries(client, open_policy, make_policy):
    enterprise = factories.enterprise()
    user = factories.enterprise_user(enterprise)
    Application.objects.create(policy=open_policy, enterprise=enterprise, year=2026)
    client.force_login(user)
    url = reverse("policy_applications:mine")
    with CaptureQueriesContext(connection) as one:
        body = client.get(url).content.decode()
    assert "上传材料、确认后提交" in body
    for _ in range(5):
        Application.objects.create(policy=make_policy(), enterprise=enterprise, year=2026, status="approved")
    with CaptureQueriesContext(connection) as six:
        body = client.get(url).content.decode()
    assert body.count('data-testid="application"') == 6 and "等待资金兑付" in body
    assert len(one) == len(six)


def test_grants_preview_and_confirm(client, make_policy, tags):
    policy = make_policy(
        application_method="auto", tags_all=[tags["专精特新"]], amount_rule="fixed", amount_fixed=Decimal("3000")
    )
    first = factories.enterprise(name="甲公司")
    second = factories.enterprise(name="乙公司")
    for enterprise in (first, second):
        enterprise.tags.add(tags["专精特新"])
    factories.enterprise(name="丙公司")
    url = reverse("policy_applications:grants", args=[policy.pk])

    client.force_login(factories.handler(policy.issuer))
    assert client.get(url).status_code == 403

    client.force_login(factories.official())
    body = client.get(url).content.decode()
    assert "甲公司" in body and "乙公司" in body and "丙公司" not in body and "合计 6,000" in body
    response = client.post(url)
    assert response.status_code == 302
    assert any("2家" in message for message in _messages(response))
    assert Application.objects.filter(policy=policy, is_auto_grant=True, status="approved").count() == 2
    body = client.get(url).content.decode()
    assert "暂无符合条件且尚未兑现的企业" in body

    online = make_policy()
    response = client.post(reverse("policy_applications:grants", args=[online.pk]))
    assert response.status_code == 400 and "免申即享" in response.content.decode()


def _at(day: dt.date):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


def test_supervision_figures_and_permission(client, make_policy, regions):
    department_a = make_policy().issuer
    policy_a = make_policy(title="甲政策")
    department_b = factories.department("宣城市科学技术局", regions["city"])
    policy_b = make_policy(title="乙政策", issuer=department_b)
    township = factories.region("341881100", "宁国市某镇", Region.Level.TOWNSHIP, regions["ningguo"])
    in_xuanzhou = factories.enterprise(region=regions["xuanzhou"])
    in_township = factories.enterprise(region=township)
    in_ningguo = factories.enterprise(region=regions["ningguo"])
    start = dt.date(2025, 3, 3)
    now = timezone.now()

    def app(policy, enterprise, status, **fields):
        fields.setdefault("year", 2025)
        return Application.objects.create(policy=policy, enterprise=enterprise, status=status, **fields)

    # Department A: paid after 10 and 20 days, one rejected, one approved, one overdue, one draft.
    app(policy_a, in_xuanzhou, "paid", submitted_at=_at(start), paid_on=start + dt.timedelta(10), paid_amount=1000)
    app(policy_a, in_township, "paid", submitted_at=_at(start), paid_on=start + dt.timedelta(20), paid_amount=2500)
    app(policy_a, in_ningguo, "rejected", submitted_at=_at(start))
    app(policy_a, factories.enterprise(region=regions["xuanzhou"]), "approved", submitted_at=_at(start))
    app(policy_a, in_ningguo, "submitted", submitted_at=now, review_due_at=now - dt.timedelta(hours=1), year=2026)
    app(policy_a, in_xuanzhou, "draft", year=2026)
    # Department B: one awaiting review, not overdue.
    app(policy_b, in_township, "submitted", submitted_at=now, review_due_at=now + dt.timedelta(days=3))

    with CaptureQueriesContext(connection) as queries:
        report = supervision.report()
    assert len(queries) == 5  # four for the applications, one for the policies' page views
    departments = {row["name"]: row for row in report["departments"]}
    a = departments[department_a.name]
    assert a["applications"] == 5 and a["decided"] == 4 and a["approved"] == 3
    assert a["approval_percent"] == 75.0 and a["paid_amount"] == Decimal("3500")
    assert a["median_days"] == 15 and a["overdue"] == 1 and a["colour"] == "yellow"
    b = departments[department_b.name]
    assert b["applications"] == 1 and b["approval_rate"] is None and b["colour"] == "green"
    assert report["departments"][0]["name"] == department_b.name  # green ranks first

    regions_by_name = {row["name"]: row for row in report["regions"]}
    assert regions_by_name["宣州区"]["applications"] == 2
    assert regions_by_name["宁国市"]["applications"] == 4  # the township counts with its county
    assert regions_by_name["宁国市"]["paid_amount"] == Decimal("2500")
    assert report["totals"]["applications"] == 6 and report["totals"]["overdue"] == 1

    url = reverse("policy_applications:supervision")
    client.force_login(factories.handler(department_a))
    assert client.get(url).status_code == 403
    client.force_login(factories.enterprise_user(in_xuanzhou))
    assert client.get(url).status_code == 403
    client.force_login(factories.official())
    response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert "黄色（关注）" in body and "绿色（良好）" in body and "75.0%" in body and 'id="chart-departments"' in body


def test_supervision_thresholds_come_from_settings(settings):
    settings.POLICY_SUPERVISION_THRESHOLDS = {
        "green": {"max_overdue": 5, "max_median_days": 100},
        "yellow": {"max_overdue": 6, "max_median_days": 200},
    }
    assert supervision.colour({"overdue": 3, "median_days": 50.0}) == "green"
    settings.POLICY_SUPERVISION_THRESHOLDS = supervision.DEFAULT_THRESHOLDS
    assert supervision.colour({"overdue": 3, "median_days": 50.0}) == "red"


def test_a_user_of_two_enterprises_chooses_one(client, open_policy):
    first, second = factories.enterprise(name="甲公司"), factories.enterprise(name="乙公司")
    user = factories.enterprise_user(first)
    user.memberships.create(enterprise=second, status="approved")
    client.force_login(user)
    url = reverse("policy_applications:start", args=[open_policy.pk])
    body = client.get(url).content.decode()
    assert "甲公司" in body and "乙公司" in body and 'data-testid="start-form"' in body
    response = client.post(url, {"enterprise": second.pk})
    assert response.status_code == 302
    assert Application.objects.get().enterprise == second


@pytest.mark.parametrize("rows", [5, 50])
def test_the_grants_page_runs_the_same_queries_for_5_or_50(client, make_policy, tags, regions, rows):
    from policies.applications import services

    policy = make_policy(
        application_method="auto", tags_all=[tags["专精特新"]], amount_rule="fixed", amount_fixed=Decimal("3000")
    )
    official = factories.official()
    client.force_login(official)
    url = reverse("policy_applications:grants", args=[policy.pk])

    def eligible(start, stop):
        for index in range(start, stop):
            factories.enterprise(name=f"免申企业{index:02d}", region=regions["xuanzhou"]).tags.add(tags["专精特新"])

    def count():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured.captured_queries), response.content.decode()

    # The preview of enterprises still to be granted.
    eligible(0, 1)
    one, _ = count()
    eligible(1, rows)
    queries, body = count()
    assert queries == one
    assert body.count('data-testid="preview-row"') == rows and f"免申企业{rows - 1:02d}" in body

    # The record of grants made.
    assert services.grants_confirm(policy=policy, actor=official) == rows
    granted, body = count()
    assert body.count('data-testid="preview-row"') == 0
    eligible(rows, rows + 1)
    services.grants_confirm(policy=policy, actor=official)
    queries, body = count()
    assert queries == granted
    assert body.count("免申企业") == rows + 1
