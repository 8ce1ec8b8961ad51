"""Officials curate the catalogue in the admin and see whom a policy reaches before publishing."""

import pytest

from policies.models import Policy
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_admin_shows_the_reach_and_publishes(client, make_policy, regions, tags):
    policy = make_policy(state=Policy.State.DRAFT, tags_all=[tags["高新技术企业"]])
    for _ in range(3):
        factories.enterprise().tags.add(tags["高新技术企业"])
    factories.enterprise()
    client.force_login(factories.official())
    page = client.get(f"/admin/policies/policy/{policy.pk}/change/").content.decode()
    assert "将覆盖 3 家企业" in page
    client.post("/admin/policies/policy/", {"action": "publish", "_selected_action": [policy.pk]})
    policy.refresh_from_db()
    assert policy.state == Policy.State.PUBLISHED and policy.published_on


def test_the_admin_sets_a_tax_credit_grade_condition_and_counts_its_reach(client, make_policy):
    policy = make_policy(state=Policy.State.DRAFT, tax_credit_grades=["A"])
    for grade in ["A", "A", "B", ""]:
        factories.enterprise(tax_credit_grade=grade)
    client.force_login(factories.official())
    page = client.get(f"/admin/policies/policy/{policy.pk}/change/").content.decode()
    assert 'name="tax_credit_grades" value="A"' in page and "纳税信用等级" in page
    assert "将覆盖 2 家企业" in page


def test_a_bad_advanced_condition_is_refused_in_the_admin(client, make_policy):
    policy = make_policy(state=Policy.State.DRAFT)
    policy.advanced_condition = {"field": "salary", "op": ">", "value": 1}
    with pytest.raises(Exception, match=r"\$"):
        policy.full_clean()


def test_handlers_and_enterprise_users_cannot_reach_the_catalogue_admin(client, make_policy):
    policy = make_policy()
    for person in (factories.handler(), factories.enterprise_user()):
        client.force_login(person)
        assert client.get(f"/admin/policies/policy/{policy.pk}/change/").status_code == 302


def test_editing_a_published_policy_makes_a_new_version_and_decisions_keep_theirs(client, make_policy):
    from decimal import Decimal

    from policies.models import Application

    policy = make_policy(amount_rule="fixed", amount_fixed=Decimal("100000"))
    decided = Application.objects.create(policy=policy, enterprise=factories.enterprise(), year=2026, policy_version=1)
    client.force_login(factories.official())
    page = client.get(f"/admin/policies/policy/{policy.pk}/change/")
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        if isinstance(value, list | tuple):
            data[name] = [getattr(v, "pk", v) for v in value]
        else:
            data[name] = getattr(value, "pk", value)
    data.update({"amount_fixed": "150000", "materials-TOTAL_FORMS": "0", "materials-INITIAL_FORMS": "0"})
    data["reason"] = "提高补助标准"  # a published policy's edit says why (修订记录)
    data.update({"questions-TOTAL_FORMS": "0", "questions-INITIAL_FORMS": "0"})
    response = client.post(f"/admin/policies/policy/{policy.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    policy.refresh_from_db()
    assert (policy.version, policy.amount_fixed) == (2, Decimal("150000"))
    decided.refresh_from_db()
    assert decided.policy_version == 1
    from pghistory.models import Events

    assert Events.objects.filter(pgh_obj_model="policies.Policy", pgh_obj_id=str(policy.pk)).count() >= 2


def test_the_catalogue_goes_to_a_spreadsheet_and_back(make_policy):
    import tablib

    from policies.resources import PolicyResource

    make_policy(document_number="宣经信〔2026〕1号", title="技改奖补")
    exported = PolicyResource().export()
    assert "宣经信〔2026〕1号" in exported.csv and "宣城市经济和信息化局" in exported.csv

    data = tablib.Dataset(headers=exported.headers)
    row = list(exported[0])
    row[exported.headers.index("document_number")] = "宣经信〔2026〕2号"
    row[exported.headers.index("title")] = "数字化改造奖补"
    data.append(row)
    result = PolicyResource().import_data(data, dry_run=False, raise_errors=True)
    assert not result.has_errors()
    imported = Policy.objects.get(document_number="宣经信〔2026〕2号")
    assert imported.state == Policy.State.DRAFT and imported.title == "数字化改造奖补"


def test_the_admin_offers_import_and_export(client, make_policy):
    make_policy()
    client.force_login(factories.user(is_staff=True, is_superuser=True))
    page = client.get("/admin/policies/policy/").content.decode()
    assert "/admin/policies/policy/import/" in page and "/admin/policies/policy/export/" in page


def test_expired_policies_are_closed_by_the_daily_task(make_policy):
    import datetime as dt

    from django.utils import timezone

    from policies import tasks

    old = make_policy(effective_until=timezone.localdate() - dt.timedelta(days=1))
    current = make_policy(effective_until=timezone.localdate())
    assert tasks.expire_policies() == 1
    old.refresh_from_db()
    current.refresh_from_db()
    assert (old.state, current.state) == (Policy.State.EXPIRED, Policy.State.PUBLISHED)


def test_the_admin_shows_push_progress(client, make_policy, tags):
    from policies import tasks

    policy = make_policy(tags_all=[tags["高新技术企业"]])
    for _ in range(2):
        factories.enterprise().tags.add(tags["高新技术企业"])
    client.force_login(factories.official())
    assert "尚未推送" in client.get(f"/admin/policies/policy/{policy.pk}/change/").content.decode()
    tasks.push_policy(policy.pk)
    assert "已完成：已推送 2 / 2 家企业" in client.get(f"/admin/policies/policy/{policy.pk}/change/").content.decode()


def test_attachments_are_checked_and_downloaded_through_the_portal(client, make_policy):
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    from policies.models import PolicyAttachment

    policy = make_policy()
    document = PolicyAttachment(
        policy=policy,
        title="政策原文",
        file=SimpleUploadedFile("原文.pdf", b"%PDF-1.4\n%x\n", content_type="application/pdf"),
    )
    document.full_clean()
    document.save()
    assert document.content_type == "application/pdf" and "原文" not in document.file.name
    bad = PolicyAttachment(
        policy=policy, title="x", file=SimpleUploadedFile("a.pdf", b"MZ\x90\x00", content_type="application/pdf")
    )
    with pytest.raises(ValidationError):
        bad.full_clean()

    response = client.get(f"/policies/{policy.pk}/attachments/{document.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "政策原文" in client.get(f"/policies/{policy.pk}/").content.decode()
    policy.state = Policy.State.DRAFT
    policy.save()
    assert client.get(f"/policies/{policy.pk}/attachments/{document.pk}/").status_code == 404
