"""Policies kept by the departments that issue them (#18): the issuer drafts, edits and
submits its own department's policies and no other's; the 营商办 returns them with a
reason or publishes them; every step is a line of the 修订记录 with who, why and which
fields; a published policy's edit needs a reason, is a new version and goes live at once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from policies import services
from policies.models import Policy, PolicyCategory, PolicyRevision
from portal.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def units(regions):
    city = regions["city"]
    x = factories.department("宣城市发展和改革委员会", city)
    y = factories.department("宣城市自然资源和规划局", city)
    return {
        "x": x,
        "y": y,
        "handler_x": factories.handler(x, full_name="李经办"),
        "handler_y": factories.handler(y, full_name="王经办"),
        "official": factories.official(full_name="周营商"),
        "member": factories.enterprise_user(factories.enterprise(region=city), full_name="陈企业"),
    }


def _policy(units, regions, **fields):
    defaults = {
        "title": "中小企业服务券",
        "issuer": units["x"],
        "level": "municipal",
        "region": regions["city"],
        "category": PolicyCategory.objects.get(name="资金奖补"),
        "summary": "向中小企业发放服务券",
        "support_type": "voucher",
        "application_method": "online",
        "contact_phone": "0563-2020000",
        "state": Policy.State.DRAFT,
    }
    defaults.update(fields)
    return Policy.objects.create(**defaults)


def _form_data(policy=None, **changes):
    """What the manage form posts for the policy as it is, with ``changes``."""
    fields = {
        "title": "中小企业服务券",
        "short_title": "",
        "document_number": "宣发改〔2026〕8号",
        "category": PolicyCategory.objects.get(name="资金奖补").pk,
        "level": "municipal",
        "region": None,
        "keywords": "",
        "summary": "向中小企业发放服务券",
        "full_text": "",
        "interpretation": "",
        "source_url": "",
        "support_type": "voucher",
        "amount_rule": "fixed",
        "amount_fixed": "20000",
        "application_method": "online",
        "project_type": "qualification",
        "joint_review_days": "5",
        "contact_department": "",
        "contact_person": "",
        "contact_phone": "0563-2020000",
        "industries": "",
        "reason": "",
    }
    if policy is not None:
        fields.update(
            {
                "title": policy.title,
                "document_number": policy.document_number,
                "category": policy.category_id,
                "region": policy.region_id,
                "summary": policy.summary,
                "support_type": policy.support_type,
                "amount_rule": policy.amount_rule,
                "amount_fixed": "" if policy.amount_fixed is None else str(policy.amount_fixed),
                "application_method": policy.application_method,
                "contact_phone": policy.contact_phone,
            }
        )
    fields.update(changes)
    return {key: value for key, value in fields.items() if value is not None}


def _client(client, user):
    client.force_login(user)
    return client


# --- The issuer keeps its own department's policies ---------------------------------------


def test_an_issuer_drafts_edits_and_submits_its_own_departments_policy(client, units, regions):
    handler = units["handler_x"]
    _client(client, handler)
    page = client.get(reverse("policies:manage_new"))
    assert page.status_code == 200
    assert "issuer" not in page.context["form"].fields  # the department is fixed: their own

    response = client.post(
        reverse("policies:manage_new"),
        _form_data(region=regions["city"].pk, issuer=units["y"].pk, reason="年度服务券政策"),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    policy = Policy.objects.get(title="中小企业服务券")
    assert (policy.issuer, policy.state, policy.version) == (units["x"], Policy.State.DRAFT, 1)
    created = policy.revisions.get()
    assert (created.kind, created.actor, created.reason) == (PolicyRevision.Kind.CREATED, handler, "年度服务券政策")
    assert {"title", "summary", "contact_phone", "amount_fixed"} <= set(created.changed_fields)

    response = client.post(
        reverse("policies:manage_edit", args=[policy.pk]),
        _form_data(policy, contact_phone="0563-2021111", contact_person="李科长"),
    )
    assert response.status_code == 302
    edited = policy.revisions.latest("id")
    assert (edited.kind, edited.version, edited.reason) == (PolicyRevision.Kind.EDITED, 1, "")
    assert sorted(edited.changed_fields) == ["contact_person", "contact_phone"]

    response = client.post(reverse("policies:manage_submit", args=[policy.pk]))
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.state == Policy.State.IN_REVIEW
    assert policy.revisions.latest("id").kind == PolicyRevision.Kind.SUBMITTED
    told = Notification.objects.get(recipient=units["official"])
    assert "待审核发布" in told.title and told.link == reverse("policies:review_queue")

    listed = client.get(reverse("policies:manage_list"))
    assert [p.pk for p in listed.context["policies"]] == [policy.pk]
    assert "待审核发布" in listed.content.decode()


def test_an_issuer_cannot_draft_for_or_touch_another_department(units, regions):
    other = _policy(units, regions, issuer=units["y"])
    handler = units["handler_x"]
    with pytest.raises(PermissionDenied):
        services.policy_create(
            actor=handler,
            data={"title": "越权起草", "issuer": units["y"], "level": "municipal", "region": regions["city"]},
        )
    with pytest.raises(PermissionDenied):
        services.policy_update(policy=other, actor=handler, data={"contact_phone": "110"})
    with pytest.raises(PermissionDenied):
        services.policy_submit(policy=other, actor=handler)
    mine = _policy(units, regions)
    with pytest.raises(PermissionDenied):  # nor give its own policy away
        services.policy_update(policy=mine, actor=handler, data={"issuer": units["y"]})
    with pytest.raises(PermissionDenied):  # publishing is the 营商办's
        services.policy_publish(policy=mine, actor=handler)
    other.refresh_from_db()
    assert other.contact_phone == "0563-2020000" and not other.revisions.exists()


def test_another_departments_handler_gets_404_on_every_page_and_in_the_api(client, units, regions):
    policy = _policy(units, regions, state=Policy.State.PUBLISHED)
    _client(client, units["handler_y"])
    for name in ["manage_edit", "revisions", "manage_submit"]:
        method = client.post if name == "manage_submit" else client.get
        assert method(reverse(f"policies:{name}", args=[policy.pk])).status_code == 404, name
    response = client.post(reverse("policies:manage_edit", args=[policy.pk]), _form_data(policy, title="改掉"))
    assert response.status_code == 404
    assert client.get(f"/api/v1/policies/{policy.pk}/revisions/").status_code == 404
    assert list(client.get(reverse("policies:manage_list")).context["policies"]) == []
    policy.refresh_from_db()
    assert policy.title == "中小企业服务券"


def test_enterprise_users_and_the_public_are_refused(client, units, regions):
    policy = _policy(units, regions, state=Policy.State.PUBLISHED)
    urls = [
        reverse("policies:manage_list"),
        reverse("policies:manage_new"),
        reverse("policies:review_queue"),
        reverse("policies:manage_edit", args=[policy.pk]),
        reverse("policies:revisions", args=[policy.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # to the login page
    assert client.get(f"/api/v1/policies/{policy.pk}/revisions/").status_code in (401, 403)
    _client(client, units["member"])
    for url in urls:
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("policies:manage_publish", args=[policy.pk])).status_code == 403
    assert client.get(f"/api/v1/policies/{policy.pk}/revisions/").status_code == 403
    # The public page shows the version, not the record.
    page = client.get(reverse("policies:detail", args=[policy.pk])).content.decode()
    assert "版本 1 · 更新于" in page and reverse("policies:revisions", args=[policy.pk]) not in page


def test_handlers_cannot_publish_or_return_and_see_no_queue(client, units, regions):
    policy = _policy(units, regions, state=Policy.State.IN_REVIEW)
    _client(client, units["handler_x"])
    assert client.get(reverse("policies:review_queue")).status_code == 403
    assert client.post(reverse("policies:manage_publish", args=[policy.pk])).status_code == 403
    assert client.post(reverse("policies:manage_return", args=[policy.pk]), {"reason": "x"}).status_code == 403
    policy.refresh_from_db()
    assert policy.state == Policy.State.IN_REVIEW


# --- The 营商办 returns with a reason, and publishes ------------------------------------------


def test_the_office_returns_with_a_reason_then_publishes(client, units, regions):
    handler, official = units["handler_x"], units["official"]
    policy = _policy(units, regions)
    services.policy_submit(policy=policy, actor=handler, reason="请审核")
    _client(client, official)
    queue = client.get(reverse("policies:review_queue"))
    assert [p.pk for p in queue.context["policies"]] == [policy.pk]
    assert "李经办（宣城市发展和改革委员会）" in queue.content.decode()

    refused = client.post(reverse("policies:manage_return", args=[policy.pk]), {"reason": " "})
    assert refused.status_code == 400
    policy.refresh_from_db()
    assert policy.state == Policy.State.IN_REVIEW

    response = client.post(reverse("policies:manage_return", args=[policy.pk]), {"reason": "申报截止日期未填写"})
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.state == Policy.State.DRAFT
    returned = policy.revisions.latest("id")
    assert (returned.kind, returned.actor, returned.reason) == (
        PolicyRevision.Kind.RETURNED,
        official,
        "申报截止日期未填写",
    )
    told = Notification.objects.get(recipient=handler)
    assert "退回修改" in told.title and "申报截止日期未填写" in told.title

    # The department sees it flagged in its list, with the reason, and on the timeline.
    _client(client, handler)
    listed = client.get(reverse("policies:manage_list")).content.decode()
    assert "已退回修改" in listed and "申报截止日期未填写" in listed
    closes = (timezone.localdate() + dt.timedelta(days=60)).isoformat()
    client.post(reverse("policies:manage_edit", args=[policy.pk]), _form_data(policy, application_closes=closes))
    client.post(reverse("policies:manage_submit", args=[policy.pk]))

    _client(client, official)
    response = client.post(reverse("policies:manage_publish", args=[policy.pk]))
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.state == Policy.State.PUBLISHED and policy.published_on == timezone.localdate()
    kinds = list(policy.revisions.values_list("kind", flat=True))
    assert kinds == ["submitted", "returned", "edited", "submitted", "published"]
    assert Notification.objects.filter(recipient=handler, title__contains="已发布").exists()
    assert list(client.get(reverse("policies:review_queue")).context["policies"]) == []


def test_only_a_policy_in_review_is_returned(units, regions):
    policy = _policy(units, regions)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.policy_return(policy=policy, actor=units["official"], reason="不对")
    with pytest.raises(ValidationError):  # a policy in review is not submitted twice
        services.policy_submit(policy=policy, actor=units["handler_x"])
        services.policy_submit(policy=policy, actor=units["handler_x"])


# --- A published policy's edit -------------------------------------------------------------


def test_a_published_policys_edit_needs_a_reason_is_a_new_version_and_goes_live(client, units, regions):
    policy = _policy(units, regions, state=Policy.State.PUBLISHED, published_on=timezone.localdate())
    handler = units["handler_x"]
    _client(client, handler)
    url = reverse("policies:manage_edit", args=[policy.pk])
    refused = client.post(url, _form_data(policy, contact_phone="0563-2029999"))
    assert refused.status_code == 400
    assert "请填写修改说明" in refused.content.decode()
    policy.refresh_from_db()
    assert (policy.version, policy.contact_phone) == (1, "0563-2020000")

    response = client.post(url, _form_data(policy, contact_phone="0563-2029999", reason="咨询电话变更"))
    assert response.status_code == 302
    policy.refresh_from_db()
    assert (policy.version, policy.state, policy.contact_phone) == (2, Policy.State.PUBLISHED, "0563-2029999")
    revision = policy.revisions.get()
    assert (revision.kind, revision.version, revision.actor, revision.reason, revision.changed_fields) == (
        PolicyRevision.Kind.EDITED,
        2,
        handler,
        "咨询电话变更",
        ["contact_phone"],
    )
    # Live at once, and the 营商办 told so they can check it.
    public = client.get(reverse("policies:detail", args=[policy.pk])).content.decode()
    assert "0563-2029999" in public and "版本 2 · 更新于" in public
    told = Notification.objects.get(recipient=units["official"])
    assert "第2版" in told.title and "咨询电话变更" in told.title
    assert told.link == reverse("policies:revisions", args=[policy.pk])


def test_saving_without_a_change_writes_nothing(client, units, regions):
    policy = _policy(units, regions, state=Policy.State.PUBLISHED, amount_rule="fixed", amount_fixed=20000)
    _client(client, units["handler_x"])
    response = client.post(reverse("policies:manage_edit", args=[policy.pk]), _form_data(policy))
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.version == 1 and not policy.revisions.exists()


def test_an_expired_policy_is_not_edited(client, units, regions):
    policy = _policy(units, regions, state=Policy.State.EXPIRED)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.policy_update(policy=policy, actor=units["handler_x"], data={"contact_phone": "1"})
    _client(client, units["handler_x"])
    page = client.get(reverse("policies:manage_edit", args=[policy.pk]))
    assert page.status_code == 200 and 'data-testid="policy-form"' not in page.content.decode()


def test_the_timeline_names_people_by_unit_and_fields_by_their_labels(client, units, regions):
    policy = _policy(units, regions, state=Policy.State.PUBLISHED)
    services.policy_update(
        policy=policy,
        actor=units["handler_x"],
        data={"contact_phone": "0563-2023333", "application_closes": timezone.localdate()},
        reason="更新申报截止日期",
    )
    # The policy page links its keepers to the record.
    _client(client, units["handler_x"])
    detail = client.get(reverse("policies:detail", args=[policy.pk])).content.decode()
    assert reverse("policies:revisions", args=[policy.pk]) in detail
    services.policy_withdraw(policy=policy, actor=units["official"], reason="待补充细则")
    _client(client, units["handler_x"])
    page = client.get(reverse("policies:revisions", args=[policy.pk])).content.decode()
    assert "李经办（宣城市发展和改革委员会）" in page
    assert "联系电话" in page and "申报截止" in page and "更新申报截止日期" in page
    assert "撤回" in page and "待补充细则" in page


def test_the_keepers_read_the_revisions_in_the_api(client, units, regions):
    policy = _policy(units, regions)
    services.policy_submit(policy=policy, actor=units["handler_x"], reason="请审核")
    services.policy_publish(policy=policy, actor=units["official"])
    for user in (units["handler_x"], units["official"]):
        _client(client, user)
        body = client.get(f"/api/v1/policies/{policy.pk}/revisions/").json()
        assert [(row["kind"], row["actor"], row["version"]) for row in body] == [
            ("submitted", "李经办（宣城市发展和改革委员会）", 1),
            ("published", "周营商", 1),
        ]
        assert body[0]["reason"] == "请审核" and body[0]["kind_display"] == "提交审核"


# --- The admin ---------------------------------------------------------------------------


def _admin_data(client, policy, **changes):
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
    for prefix in ["materials", "questions"]:
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.update(changes)
    return data


def test_an_officials_admin_edit_of_a_published_policy_needs_a_reason_and_is_recorded(client, units, regions):
    policy = _policy(units, regions, state=Policy.State.PUBLISHED, amount_rule="fixed", amount_fixed=20000)
    official = units["official"]
    _client(client, official)
    url = f"/admin/policies/policy/{policy.pk}/change/"
    response = client.post(url, _admin_data(client, policy, amount_fixed="30000"))
    assert response.status_code == 200  # the form again, asking why
    assert "请填写修改说明" in response.content.decode()
    response = client.post(url, _admin_data(client, policy, amount_fixed="30000", reason="提高补助标准"))
    assert response.status_code == 302, response.content.decode()[:2000]
    policy.refresh_from_db()
    assert policy.version == 2
    revision = policy.revisions.get()
    assert (revision.kind, revision.actor, revision.reason, revision.changed_fields) == (
        PolicyRevision.Kind.EDITED,
        official,
        "提高补助标准",
        ["amount_fixed"],
    )
    page = client.get(url).content.decode()
    assert "提高补助标准" in page and "固定金额（元）" in page  # the read-only 修订记录


# --- Constant queries --------------------------------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_lists_take_a_constant_number_of_queries(client, units, regions):
    def add(count):
        for index in range(count):
            policy = _policy(units, regions, title=f"政策{index}", application_closes=timezone.localdate())
            services.policy_update(policy=policy, actor=units["handler_x"], data={"contact_person": f"联系人{index}"})
            services.policy_submit(policy=policy, actor=units["handler_x"] if index % 2 else units["official"])

    add(1)
    _client(client, units["handler_x"])
    mine = _queries(client, reverse("policies:manage_list"))
    _client(client, units["official"])
    everyone = _queries(client, reverse("policies:manage_list"))
    queue = _queries(client, reverse("policies:review_queue"))
    add(5)
    assert _queries(client, reverse("policies:manage_list")) == everyone
    assert _queries(client, reverse("policies:review_queue")) == queue
    _client(client, units["handler_x"])
    assert _queries(client, reverse("policies:manage_list")) == mine
    # The manage page's timeline too.
    policy = Policy.objects.filter(issuer=units["x"]).first()
    one = _queries(client, reverse("policies:revisions", args=[policy.pk]))
    for index in range(4):
        services.policy_update(policy=policy, actor=units["handler_x"], data={"contact_person": f"新联系人{index}"})
    assert _queries(client, reverse("policies:revisions", args=[policy.pk])) == one


def test_a_published_policys_new_conditions_reach_the_firms_they_admit(
    units, regions, django_capture_on_commit_callbacks
):
    from django_q.models import OrmQ

    from policies import tasks

    policy = _policy(units, regions, state=Policy.State.PUBLISHED, min_employees=100)
    firm = factories.enterprise(region=regions["city"], employees=50)
    member = factories.enterprise_user(firm)
    with django_capture_on_commit_callbacks(execute=True):  # a contact change pushes nothing
        services.policy_update(policy=policy, actor=units["handler_x"], data={"contact_person": "李"}, reason="联系人")
    assert not OrmQ.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.policy_update(
            policy=policy, actor=units["handler_x"], data={"min_employees": 20}, reason="放宽从业人数条件"
        )
    assert OrmQ.objects.exists()
    tasks.push_policy(policy.pk)
    assert Notification.objects.filter(recipient=member, kind="policy.matched").count() == 1
