"""帮办代办 and 委托代办: a 亲商管家 (or an official) prepares an application for an
enterprise; its member sees it marked 代办, confirms the 信用承诺 and submits it — or,
under the enterprise's standing mandate, the preparer submits it. The record says who
prepared and who submitted; other 管家 and enterprises get 404. The counts per unit and
per person on the supervision page; the API shows the preparer."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from policies.applications import services
from policies.models import Application, ApplicationEvent, ApplicationMandate, PolicyMaterial
from portal import roles
from portal.models import Notification, StewardAssignment
from tests import factories

pytestmark = pytest.mark.django_db

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
    PolicyMaterial.objects.create(policy=policy, name="营业执照", zero_material=True, sort_order=2)
    return policy


@pytest.fixture
def firm(regions, open_policy):
    """The enterprise, its member, its 管家 马管家 at 经信局, another 管家 and another firm's member."""
    enterprise = factories.enterprise(name="宣城甲科技有限公司", region=regions["xuanzhou"])
    bureau = open_policy.issuer  # 宣城市经济和信息化局
    steward = factories.user(roles.STEWARD, username="ma", full_name="马管家", department=bureau)
    StewardAssignment.objects.create(enterprise=enterprise, steward=steward)
    other_firm = factories.enterprise(name="宣城乙贸易有限公司", region=regions["xuanzhou"])
    other_steward = factories.user(roles.STEWARD, username="niu", full_name="牛管家", department=bureau)
    StewardAssignment.objects.create(enterprise=other_firm, steward=other_steward)
    return {
        "enterprise": enterprise,
        "member": factories.enterprise_user(enterprise, full_name="陈企业"),
        "steward": steward,
        "other_steward": other_steward,
        "other_member": factories.enterprise_user(other_firm, full_name="林企业"),
        "other_firm": other_firm,
    }


def _detail(application):
    return reverse("policy_applications:detail", args=[application.pk])


def _prepare(client, firm, policy):
    client.force_login(firm["steward"])
    response = client.post(reverse("policy_applications:prepare", args=[firm["enterprise"].pk]), {"policy": policy.pk})
    application = Application.objects.get(policy=policy, enterprise=firm["enterprise"])
    assert response.status_code == 302 and response["Location"] == _detail(application)
    return application


def _fill_in(client, application, policy):
    """The preparer uploads the material and writes the note, as the enterprise would."""
    material = policy.materials.get(zero_material=False)
    upload = SimpleUploadedFile("申请表.pdf", PDF, content_type="application/pdf")
    response = client.post(_detail(application), {"action": "upload", "material": material.pk, "file": upload})
    assert response.status_code == 302
    response = client.post(_detail(application), {"action": "save", "note": "技改项目投资800万元"})
    assert response.status_code == 302


def _kinds_and_actors(application):
    return [
        (event.kind, event.actor.get_full_name(), event.note)
        for event in ApplicationEvent.objects.filter(application=application).select_related("actor")
    ]


def test_steward_prepares_member_sees_it_as_assisted_confirms_and_submits(client, firm, open_policy):
    application = _prepare(client, firm, open_policy)
    assert application.prepared_by == firm["steward"] and application.status == Application.Status.DRAFT
    _fill_in(client, application, open_policy)

    # Without a mandate the preparer hands it over; submitting is refused, nothing lost.
    response = client.post(_detail(application), {"action": "submit", "note": "技改项目投资800万元"})
    assert response.status_code == 400
    assert "该企业没有委托代办" in response.content.decode()
    response = client.post(_detail(application), {"action": "send_to_confirm", "note": "技改项目投资800万元"})
    assert response.status_code == 302
    notice = Notification.objects.get(recipient=firm["member"], kind="policy.application")
    assert notice.title.startswith("马管家（宣城市经济和信息化局）已为贵企业代为填报")

    # The member sees it in 我的申报, marked 代办 with who prepared it.
    client.force_login(firm["member"])
    mine = client.get(reverse("policy_applications:mine")).content.decode()
    assert 'data-testid="prepared"' in mine and "代为填报" in mine and "马管家" in mine
    assert "核对代办内容，确认信用承诺后提交" in mine
    page = client.get(_detail(application)).content.decode()
    assert 'data-testid="prepared-notice"' in page and "技改项目投资800万元" in page

    # Submitting without the 信用承诺 is refused; with it, submitted.
    response = client.post(_detail(application), {"action": "submit", "note": "技改项目投资800万元"})
    assert response.status_code == 400 and "请确认所填信息真实有效" in response.content.decode()
    response = client.post(_detail(application), {"action": "submit", "note": "技改项目投资800万元", "confirmed": "on"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED and application.confirmed
    assert application.applicant == firm["member"] and application.mandate is None

    # The record: 马管家 started, uploaded, handed over; 陈企业 submitted.
    trail = _kinds_and_actors(application)
    assert trail[0][:2] == ("started", "马管家") and "帮办代办" in trail[0][2]
    assert ("sent_to_confirm", "马管家") in [row[:2] for row in trail]
    assert trail[-1][:2] == ("submitted", "陈企业") and "确认信用承诺" in trail[-1][2]
    page = client.get(_detail(application)).content.decode()
    assert "由 马管家（宣城市经济和信息化局）代为填报" in page

    # The preparer still reads it, and finds it on their list.
    client.force_login(firm["steward"])
    assert client.get(_detail(application)).status_code == 200
    listing = client.get(reverse("policy_applications:prepared_list")).content.decode()
    assert f'data-application="{application.pk}"' in listing and "企业确认后提交" in listing


def test_standing_mandate_lets_the_preparer_submit_until_revoked(client, firm, open_policy, make_policy):
    enterprise, member = firm["enterprise"], firm["member"]
    client.force_login(member)
    url = reverse("policy_applications:mandate", args=[enterprise.pk])
    # Granting needs the 信用承诺 agreed to.
    response = client.post(url, {"action": "grant"})
    assert response.status_code == 400 and "请阅读并同意" in response.content.decode()
    assert client.post(url, {"action": "grant", "agreed": "on"}).status_code == 302
    mandate = ApplicationMandate.objects.get(enterprise=enterprise)
    assert mandate.granted_by == member and "视同本企业提交" in mandate.pledge
    # One in force at a time: a second grant is refused, and the database holds the line.
    response = client.post(url, {"action": "grant", "agreed": "on"})
    assert response.status_code == 400 and "已有生效的委托代办" in response.content.decode()
    with pytest.raises(IntegrityError), transaction.atomic():
        ApplicationMandate.objects.create(enterprise=enterprise, granted_by=member, pledge="x")

    application = _prepare(client, firm, open_policy)
    _fill_in(client, application, open_policy)
    page = client.get(_detail(application)).content.decode()
    assert "依委托代为提交" in page and 'name="confirmed"' not in page
    response = client.post(_detail(application), {"action": "submit", "note": "技改项目投资800万元"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED and application.mandate == mandate
    submitted = ApplicationEvent.objects.get(application=application, kind="submitted")
    assert submitted.actor == firm["steward"] and submitted.note.startswith("依委托代为提交")
    assert Notification.objects.filter(recipient=member, title__contains="依贵企业的委托代为提交").exists()

    # Revoked: the next prepared application waits for the member again.
    client.force_login(member)
    assert client.post(url, {"action": "revoke"}).status_code == 302
    mandate.refresh_from_db()
    assert mandate.revoked_by == member and mandate.revoked_at is not None
    page = client.get(url).content.decode()
    assert "未委托代办" in page and "生效中" not in page
    # The mandate's record keeps what was submitted under it.
    assert '<td data-label="依委托提交的申报">1</td>' in page
    second = services.application_prepare(
        policy=make_policy(title="专精特新奖励"), enterprise=enterprise, actor=firm["steward"]
    )
    with pytest.raises(Exception, match="没有委托代办"):
        services.application_submit(application=second, actor=firm["steward"])


def test_other_stewards_and_enterprises_are_refused(client, firm, open_policy, make_policy):
    application = _prepare(client, firm, open_policy)
    prepare_url = reverse("policy_applications:prepare", args=[firm["enterprise"].pk])
    # Another 管家: the enterprise and its application do not exist for them.
    client.force_login(firm["other_steward"])
    assert client.get(prepare_url).status_code == 404
    assert client.post(prepare_url, {"policy": open_policy.pk}).status_code == 404
    assert client.get(_detail(application)).status_code == 404
    # Another enterprise's member: 404 as well; the enterprise's own member may not "prepare".
    client.force_login(firm["other_member"])
    assert client.get(prepare_url).status_code == 404
    assert client.get(_detail(application)).status_code == 404
    assert client.get(reverse("policy_applications:mandate", args=[firm["enterprise"].pk])).status_code == 404
    client.force_login(firm["member"])
    assert client.get(prepare_url).status_code == 403
    # A 管家 reads the mandate page of their firm but cannot grant for it.
    client.force_login(firm["steward"])
    url = reverse("policy_applications:mandate", args=[firm["enterprise"].pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"action": "grant", "agreed": "on"}).status_code == 403
    assert not ApplicationMandate.objects.exists()
    # An enterprise's own draft stays its own: staff cannot take it over.
    own = services.application_start(
        policy=make_policy(title="专精特新奖励"), enterprise=firm["other_firm"], actor=firm["other_member"]
    )
    client.force_login(firm["other_steward"])
    assert client.get(_detail(own)).status_code == 404
    with pytest.raises(Exception, match="已自行申报"):
        services.application_prepare(policy=own.policy, enterprise=firm["other_firm"], actor=firm["other_steward"])


def test_an_official_prepares_for_any_enterprise(client, firm, open_policy):
    official = factories.official(full_name="周营商")
    client.force_login(official)
    page = client.get(reverse("policy_applications:prepare", args=[firm["other_firm"].pk]))
    assert page.status_code == 200 and open_policy.title in page.content.decode()
    response = client.post(
        reverse("policy_applications:prepare", args=[firm["other_firm"].pk]), {"policy": open_policy.pk}
    )
    assert response.status_code == 302
    assert Application.objects.get(enterprise=firm["other_firm"]).prepared_by == official


def test_prepared_list_and_mine_take_a_constant_number_of_queries(
    client, firm, open_policy, make_policy, django_assert_max_num_queries
):
    _prepare(client, firm, open_policy)
    for index in range(4):
        policy = make_policy(title=f"政策{index}")
        services.application_prepare(policy=policy, enterprise=firm["enterprise"], actor=firm["steward"])
    client.force_login(firm["steward"])
    with django_assert_max_num_queries(8):
        response = client.get(reverse("policy_applications:prepared_list"))
    assert response.content.decode().count('data-testid="application"') == 5
    client.force_login(firm["member"])
    with django_assert_max_num_queries(9):
        response = client.get(reverse("policy_applications:mine"))
    assert response.content.decode().count('data-testid="prepared"') == 5


def test_supervision_counts_assisted_applications_per_unit_and_person(
    client, firm, open_policy, make_policy, django_assert_num_queries
):
    from policies import supervision

    application = services.application_prepare(policy=open_policy, enterprise=firm["enterprise"], actor=firm["steward"])
    ApplicationMandate.objects.create(enterprise=firm["enterprise"], granted_by=firm["member"], pledge="承诺")
    material = open_policy.materials.get(zero_material=False)
    services.application_file_add(
        application=application,
        actor=firm["steward"],
        material=material,
        upload=SimpleUploadedFile("申请表.pdf", PDF, content_type="application/pdf"),
        content_type="application/pdf",
    )
    services.application_submit(application=application, actor=firm["steward"])
    services.application_prepare(
        policy=make_policy(title="另一项政策"), enterprise=firm["other_firm"], actor=firm["other_steward"]
    )
    official = factories.official(full_name="周营商")
    services.application_prepare(policy=make_policy(title="第三项政策"), enterprise=firm["other_firm"], actor=official)

    with django_assert_num_queries(3):
        report = supervision.assisted_report()
    totals = report["totals"]
    assert (totals["prepared"], totals["enterprises"], totals["submitted"], totals["under_mandate"]) == (3, 2, 1, 1)
    people = {row["name"]: row for row in report["people"]}
    assert people["马管家"]["submitted"] == 1 and people["牛管家"]["submitted"] == 0
    units = {row["unit"]: row["prepared"] for row in report["units"]}
    assert units == {"宣城市经济和信息化局": 2, "未填写单位": 1}

    client.force_login(official)
    page = client.get(reverse("policy_applications:supervision")).content.decode()
    assert "为2家企业帮办代办3件，已提交1件（其中依委托代为提交1件），已核准0件。" in page


def test_api_shows_the_preparer_and_lets_staff_prepare_and_submit_under_mandate(client, firm, open_policy):
    client.force_login(firm["steward"])
    body = {"policy": open_policy.pk, "enterprise": firm["enterprise"].pk, "declared": {"note": "技改"}}
    response = client.post("/api/v1/applications/prepare/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["prepared_by"] == {"name": "马管家", "unit": "宣城市经济和信息化局"}
    assert data["submitted_under_mandate"] is False
    pk = data["id"]
    # Again: the same application.
    again = client.post("/api/v1/applications/prepare/", body, content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == pk
    # Another 管家's firm: 404; a member: 403.
    other = {**body, "enterprise": firm["other_firm"].pk}
    assert client.post("/api/v1/applications/prepare/", other, content_type="application/json").status_code == 404
    client.force_login(firm["member"])
    assert client.post("/api/v1/applications/prepare/", body, content_type="application/json").status_code == 403

    # Upload as the preparer, then submit: refused without a mandate, accepted with one.
    client.force_login(firm["steward"])
    material = open_policy.materials.get(zero_material=False)
    upload = SimpleUploadedFile("申请表.pdf", PDF, content_type="application/pdf")
    assert (
        client.post(f"/api/v1/applications/{pk}/files/", {"material": material.pk, "file": upload}).status_code == 201
    )
    response = client.post(f"/api/v1/applications/{pk}/submit/", {}, content_type="application/json")
    assert response.status_code == 400 and "没有委托代办" in response.content.decode()
    services.mandate_grant(enterprise=firm["enterprise"], actor=firm["member"], agreed=True)
    response = client.post(f"/api/v1/applications/{pk}/submit/", {}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["submitted_under_mandate"] is True and response.json()["status"] == "submitted"
    # The member's list shows who prepared it.
    client.force_login(firm["member"])
    rows = client.get("/api/v1/applications/").json()["results"]
    assert rows[0]["prepared_by"]["name"] == "马管家" and rows[0]["submitted_under_mandate"] is True
    # Another steward: 404.
    client.force_login(firm["other_steward"])
    assert client.get(f"/api/v1/applications/{pk}/").status_code == 404
