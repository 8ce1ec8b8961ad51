"""精准推送 exactly once, re-matching on profile change, applications to payout, 免申即享."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from policies import services, tasks
from policies.applications import services as application_services
from policies.models import Application, ApplicationFile, Policy, PolicyMaterial, PolicyPush, PushRun
from portal.models import Notification
from tests import factories
from tests.cluster import run_cluster_until

pytestmark = pytest.mark.django_db


@pytest.fixture
def high_tech(make_policy, tags):
    return make_policy(tags_all=[tags["高新技术企业"]], amount_rule="fixed", amount_fixed=Decimal("200000"))


def _member_of_tagged(tags, name="高新技术企业"):
    enterprise = factories.enterprise()
    enterprise.tags.add(tags[name])
    return factories.enterprise_user(enterprise), enterprise


def test_push_tells_each_eligible_enterprise_once_even_when_retried(high_tech, tags):
    people = [_member_of_tagged(tags) for _ in range(5)]
    outsider = factories.enterprise_user(factories.enterprise())
    assert tasks.push_policy(high_tech.pk, batch_size=2) == 5
    assert tasks.push_policy(high_tech.pk, batch_size=2) == 0
    for user, _enterprise in people:
        assert Notification.objects.filter(recipient=user, kind="policy.matched").count() == 1
    assert not Notification.objects.filter(recipient=outsider).exists()
    run = PushRun.objects.get(policy=high_tech)
    assert run.total == 5 and run.finished_at is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        PolicyPush.objects.create(policy=high_tech, enterprise=people[0][1])


def test_a_push_that_died_midway_resumes_without_repeating(high_tech, tags, monkeypatch):
    people = [_member_of_tagged(tags) for _ in range(4)]
    calls = {"n": 0}
    from django.db.backends.utils import CursorWrapper

    real_execute = CursorWrapper.execute

    def dying_execute(self, sql, params=None):
        if "policies_policypush" in sql and "INSERT" in sql:
            calls["n"] += 1
            if calls["n"] == 2:
                raise RuntimeError("worker killed")
        return real_execute(self, sql, params)

    monkeypatch.setattr(CursorWrapper, "execute", dying_execute)
    with pytest.raises(RuntimeError):
        tasks.push_policy(high_tech.pk, batch_size=2)
    monkeypatch.undo()
    assert PolicyPush.objects.filter(policy=high_tech).count() == 2
    assert tasks.push_policy(high_tech.pk, batch_size=2) == 2
    for user, _enterprise in people:
        assert Notification.objects.filter(recipient=user, kind="policy.matched").count() == 1


def test_publishing_queues_the_push(make_policy, tags, django_capture_on_commit_callbacks):
    from django_q.models import OrmQ

    policy = make_policy(state=Policy.State.DRAFT, tags_all=[tags["高新技术企业"]])
    with django_capture_on_commit_callbacks(execute=True):
        services.policy_publish(policy=policy, actor=factories.official())
    assert OrmQ.objects.filter(key="qinqing").exists()


def test_a_profile_change_rematches_and_tells_once(high_tech, tags):
    user = factories.enterprise_user(enterprise := factories.enterprise())
    assert tasks.rematch_enterprise(enterprise.pk) == 0
    enterprise.tags.add(tags["高新技术企业"])
    assert tasks.rematch_enterprise(enterprise.pk) == 1
    assert tasks.rematch_enterprise(enterprise.pk) == 0
    assert Notification.objects.filter(recipient=user, kind="policy.matched").count() == 1


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_cluster_pushes_a_published_policy(make_policy, tags):
    people = [_member_of_tagged(tags) for _ in range(3)]
    policy = make_policy(state=Policy.State.DRAFT, tags_all=[tags["高新技术企业"]])
    services.policy_publish(policy=policy, actor=factories.official())

    def finished():
        return PushRun.objects.filter(policy=policy, finished_at__isnull=False).exists()

    done, output = run_cluster_until(finished, timeout=60)
    assert done, output
    for user, _enterprise in people:
        assert Notification.objects.filter(recipient=user, kind="policy.matched").count() == 1


# --- Applications ------------------------------------------------------------------------


@pytest.fixture
def open_policy(make_policy, regions):
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


def _upload(application, policy):
    material = policy.materials.get(zero_material=False)
    upload = SimpleUploadedFile("申请表.pdf", b"%PDF-1.4\n", content_type="application/pdf")
    ApplicationFile.objects.create(
        application=application,
        material=material,
        file=upload,
        original_name="申请表.pdf",
        content_type="application/pdf",
        size=9,
    )


def test_an_application_goes_from_draft_to_payout(open_policy, regions):
    enterprise = factories.enterprise(region=regions["xuanzhou"])
    applicant = factories.enterprise_user(enterprise)
    reviewer = factories.handler(open_policy.issuer)
    application = application_services.application_start(policy=open_policy, enterprise=enterprise, actor=applicant)
    assert (
        application_services.application_start(policy=open_policy, enterprise=enterprise, actor=applicant)
        == application
    )

    with pytest.raises(ValidationError, match="请上传：申请表"):
        application_services.application_submit(application=application, actor=applicant, confirmed=True)
    _upload(application, open_policy)
    with pytest.raises(ValidationError):
        application_services.application_submit(application=application, actor=applicant, confirmed=False)
    application = application_services.application_submit(application=application, actor=applicant, confirmed=True)
    assert application.status == Application.Status.SUBMITTED
    assert application.eligibility["class"] == "eligible"
    assert application.estimated_amount == Decimal("100000")
    assert application.review_due_at > application.submitted_at

    application = application_services.application_return(
        application=application, actor=reviewer, correction_request="申请表缺少盖章"
    )
    assert Notification.objects.filter(recipient=applicant, title__contains="申请表缺少盖章").exists()
    application = application_services.application_submit(application=application, actor=applicant, confirmed=True)
    application = application_services.application_start_review(application=application, actor=reviewer)
    with pytest.raises(ValidationError, match="上限"):
        application_services.application_approve(application=application, actor=reviewer, amount=Decimal("150000"))
    application = application_services.application_approve(
        application=application, actor=reviewer, amount=Decimal("100000")
    )
    application = application_services.application_record_payout(
        application=application,
        actor=reviewer,
        amount=Decimal("100000"),
        paid_on=timezone.localdate(),
        voucher_number="PZ-001",
    )
    assert application.status == Application.Status.PAID
    with pytest.raises(ValidationError, match="已兑付"):
        application_services.application_approve(application=application, actor=reviewer, amount=Decimal("1"))


def test_one_active_application_per_policy_enterprise_and_year(open_policy):
    enterprise = factories.enterprise()
    Application.objects.create(policy=open_policy, enterprise=enterprise, year=2026)
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(policy=open_policy, enterprise=enterprise, year=2026)
    Application.objects.create(policy=open_policy, enterprise=enterprise, year=2025)


def test_outside_the_window_the_service_says_when(make_policy):
    today = timezone.localdate()
    enterprise = factories.enterprise()
    user = factories.enterprise_user(enterprise)
    later = make_policy(application_opens=today + dt.timedelta(days=3))
    with pytest.raises(ValidationError, match="开始"):
        application_services.application_start(policy=later, enterprise=enterprise, actor=user)
    closed = make_policy(
        application_opens=today - dt.timedelta(days=30), application_closes=today - dt.timedelta(days=1)
    )
    with pytest.raises(ValidationError, match="截止"):
        application_services.application_start(policy=closed, enterprise=enterprise, actor=user)


def test_only_the_issuing_departments_reviewers(open_policy, regions):
    enterprise = factories.enterprise()
    applicant = factories.enterprise_user(enterprise)
    application = application_services.application_start(policy=open_policy, enterprise=enterprise, actor=applicant)
    _upload(application, open_policy)
    application_services.application_submit(application=application, actor=applicant, confirmed=True)
    other = factories.handler(factories.department("宣城市教育体育局", regions["city"]))
    with pytest.raises(PermissionDenied):
        application_services.application_start_review(application=application, actor=other)
    with pytest.raises(PermissionDenied):
        application_services.application_start(policy=open_policy, enterprise=factories.enterprise(), actor=applicant)


def test_auto_grant_pays_the_eligible_without_applications(make_policy, tags):
    policy = make_policy(
        application_method="auto",
        tags_all=[tags["专精特新"]],
        amount_rule="per_unit",
        amount_field="employees",
        amount_rate=Decimal("100"),
        amount_cap=Decimal("5000"),
    )
    small = factories.enterprise(employees=20)
    small.tags.add(tags["专精特新"])
    big = factories.enterprise(employees=500)
    big.tags.add(tags["专精特新"])
    member = factories.enterprise_user(small)
    factories.enterprise()
    preview = application_services.grants_preview(policy=policy)
    assert {(e.pk, amount) for e, amount in preview} == {(small.pk, Decimal("2000.00")), (big.pk, Decimal("5000"))}
    official = factories.official()
    assert application_services.grants_confirm(policy=policy, actor=official) == 2
    assert application_services.grants_confirm(policy=policy, actor=official) == 0
    grant = Application.objects.get(enterprise=small)
    assert (
        grant.status == Application.Status.APPROVED
        and grant.is_auto_grant
        and grant.approved_amount == Decimal("2000.00")
    )
    assert Notification.objects.filter(recipient=member, title__contains="无需申请").exists()
    with pytest.raises(ValidationError, match="免申即享"):
        application_services.application_start(policy=policy, enterprise=small, actor=member)
