"""一企一策 prepared by staff: the enterprise's 管家 previews the report, writes the
recommendations and saves it as a dated record; it prints and downloads as .xlsx; the
enterprise's members list and read it; other enterprises and 管家 get 404. A saved
report keeps what it said even after the policies change."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import InternalError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from policies.models import PolicyPlan
from policies.plans import services
from portal import roles
from portal.models import Notification, StewardAssignment
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def firm(regions, make_policy, tags):
    enterprise = factories.enterprise(name="宣城甲科技有限公司", region=regions["xuanzhou"], employees=80)
    enterprise.tags.set([tags["高新技术企业"]])
    today = timezone.localdate()
    window = {"application_opens": today - dt.timedelta(days=5), "application_closes": today + dt.timedelta(days=30)}
    qualifies = make_policy(
        title="高新技术企业认定奖励",
        amount_rule="fixed",
        amount_fixed=Decimal("200000"),
        tags_all=[tags["高新技术企业"]],
        **window,
    )
    almost = make_policy(
        title="专精特新中小企业奖励",
        amount_rule="fixed",
        amount_fixed=Decimal("300000"),
        tags_all=[tags["专精特新"]],
        **window,
    )
    steward = factories.user(roles.STEWARD, full_name="马管家", department=qualifies.issuer)
    StewardAssignment.objects.create(enterprise=enterprise, steward=steward)
    other_firm = factories.enterprise(name="宣城乙贸易有限公司")
    other_steward = factories.user(roles.STEWARD, full_name="牛管家")
    StewardAssignment.objects.create(enterprise=other_firm, steward=other_steward)
    return {
        "enterprise": enterprise,
        "member": factories.enterprise_user(enterprise, full_name="陈企业"),
        "steward": steward,
        "other_steward": other_steward,
        "other_member": factories.enterprise_user(other_firm),
        "qualifies": qualifies,
        "almost": almost,
    }


def test_steward_previews_and_saves_a_report_the_enterprise_reads(client, firm):
    enterprise = firm["enterprise"]
    client.force_login(firm["steward"])
    url = reverse("policies:plan_new", args=[enterprise.pk])
    preview = client.get(url).content.decode()
    assert "高新技术企业认定奖励" in preview and "专精特新中小企业奖励" in preview and "还差" in preview

    # Without recommendations nothing is saved, and the page says why.
    response = client.post(url, {"recommendations": "  "})
    assert response.status_code == 400 and not PolicyPlan.objects.exists()
    response = client.post(url, {"recommendations": "先申报高新技术企业认定奖励；争取专精特新认定。"})
    plan = PolicyPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("policies:plan_detail", args=[plan.pk])
    assert plan.prepared_by == firm["steward"] and plan.total_amount == Decimal("200000")
    assert [item["klass"] for item in plan.items] == ["eligible", "almost"]
    assert plan.items[1]["unmet"] and "专精特新" in plan.items[1]["unmet"][0]
    assert Notification.objects.filter(recipient=firm["member"], kind="policy.plan").exists()

    # The enterprise's member lists and reads it: printable, with the recommendations.
    client.force_login(firm["member"])
    listing = client.get(reverse("policies:plan_list")).content.decode()
    assert f'data-plan="{plan.pk}"' in listing and "马管家" in listing
    page = client.get(reverse("policies:plan_detail", args=[plan.pk])).content.decode()
    assert "先申报高新技术企业认定奖励" in page and "data-print" in page
    assert "enterprise-report-print.css" in page and "20万元" in page

    # …and downloads it as .xlsx: the policies on one sheet, the recommendations on another.
    response = client.get(reverse("policies:plan_export", args=[plan.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    policies, advice = workbook.worksheets
    rows = list(policies.iter_rows(values_only=True))
    assert rows[0][:2] == ("类别", "政策名称")
    assert [row[1] for row in rows[1:]] == ["高新技术企业认定奖励", "专精特新中小企业奖励"]
    assert rows[1][0] == "符合" and rows[2][0] == "差一项"
    assert ("工作建议", "先申报高新技术企业认定奖励；争取专精特新认定。") in list(advice.iter_rows(values_only=True))


def test_a_saved_report_keeps_what_it_said(client, firm):
    plan = services.plan_create(enterprise=firm["enterprise"], actor=firm["steward"], recommendations="尽快申报。")
    firm["qualifies"].title = "改名后的政策"
    firm["qualifies"].save()
    client.force_login(firm["member"])
    page = client.get(reverse("policies:plan_detail", args=[plan.pk])).content.decode()
    assert "高新技术企业认定奖励" in page and "改名后的政策" not in page
    # Frozen in the database too.
    with pytest.raises(InternalError), transaction.atomic():
        PolicyPlan.objects.filter(pk=plan.pk).update(recommendations="改写")


def test_other_enterprises_and_stewards_get_404(client, firm):
    plan = services.plan_create(enterprise=firm["enterprise"], actor=firm["steward"], recommendations="尽快申报。")
    detail = reverse("policies:plan_detail", args=[plan.pk])
    export = reverse("policies:plan_export", args=[plan.pk])
    new = reverse("policies:plan_new", args=[firm["enterprise"].pk])
    for user in (firm["other_member"], firm["other_steward"]):
        client.force_login(user)
        assert client.get(detail).status_code == 404
        assert client.get(export).status_code == 404
        assert client.get(new).status_code == 404
        assert f'data-plan="{plan.pk}"' not in client.get(reverse("policies:plan_list")).content.decode()
    # The enterprise's member reads reports but does not write them.
    client.force_login(firm["member"])
    assert client.get(new).status_code == 403
    # An official prepares for any enterprise and reads every report.
    client.force_login(factories.official())
    assert client.get(new).status_code == 200
    assert client.get(detail).status_code == 200


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode().count('data-testid="plan"')


def test_plan_list_takes_a_constant_number_of_queries(client, firm):
    services.plan_create(enterprise=firm["enterprise"], actor=firm["steward"], recommendations="建议")
    mine = reverse("policies:plan_list")
    theirs = f"{mine}?enterprise={firm['enterprise'].pk}"
    client.force_login(firm["member"])
    one_member = _queries(client, mine)
    client.force_login(firm["steward"])
    one_steward = _queries(client, theirs)
    for index in range(5):
        services.plan_create(enterprise=firm["enterprise"], actor=firm["steward"], recommendations=f"建议{index}")
    client.force_login(firm["member"])
    assert _queries(client, mine) == (one_member[0], 6)
    client.force_login(firm["steward"])
    assert _queries(client, theirs) == (one_steward[0], 6)
