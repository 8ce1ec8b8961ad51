"""办不成事 windows as the 问题专员 use them: registering a case with its 原因分析, escalating
it 村→乡→县→市 for 会商联办, who is told, and who sees the case."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from complaints.models import Case, EventKind, ServiceWindow, Status, WindowEscalation, WindowLevel
from complaints.windows import services
from portal import roles
from portal.models import Notification, Region, User
from tests import factories

pytestmark = pytest.mark.django_db


class Chain:
    """One chain of windows (社区 → 街道 → 宣州区 → 宣城市), a 专员 at each, another
    district's window and 专员, an official and three chief officers."""


@pytest.fixture
def chain(db):
    c = Chain()
    c.city = factories.region("341800", "宣城市", Region.Level.CITY)
    c.county = factories.region("341802", "宣州区", Region.Level.COUNTY, parent=c.city)
    c.other_county = factories.region("341821", "郎溪县", Region.Level.COUNTY, parent=c.city)
    c.township = factories.region("341802001", "澄江街道", Region.Level.TOWNSHIP, parent=c.county)
    centre = factories.department("宣州区政务服务中心", c.county)

    def window(name, level, region, *specialists):
        created = ServiceWindow.objects.create(name=name, level=level, region=region, address="一楼")
        created.specialists.add(*specialists)
        return created

    def specialist(username, name):
        return factories.user(roles.SPECIALIST, username=username, full_name=name, department=centre)

    c.s_village = specialist("s_village", "周专员")
    c.s_township = specialist("s_township", "吴专员")
    c.s_county = specialist("s_county", "钱专员")
    c.s_city = specialist("s_city", "孙专员")
    c.s_other = specialist("s_other", "李专员")
    c.village = window("梅园社区窗口", WindowLevel.VILLAGE, c.township, c.s_village)
    c.township_window = window("澄江街道窗口", WindowLevel.TOWNSHIP, c.township, c.s_township)
    c.county_window = window("宣州区窗口", WindowLevel.COUNTY, c.county, c.s_county)
    c.city_window = window("宣城市窗口", WindowLevel.CITY, c.city, c.s_city)
    c.other_window = window("郎溪县窗口", WindowLevel.COUNTY, c.other_county, c.s_other)
    c.official = factories.official(username="official")
    c.chief_county = factories.user(
        roles.CHIEF_PROBLEM_OFFICER, username="chief_xz", full_name="宣首席", region=c.county
    )
    c.chief_other = factories.user(
        roles.CHIEF_PROBLEM_OFFICER, username="chief_lx", full_name="郎首席", region=c.other_county
    )
    c.chief_all = factories.user(roles.CHIEF_PROBLEM_OFFICER, username="chief_all", full_name="全首席")
    c.enterprise = factories.enterprise(name="宣城甲企业有限公司", region=c.county)
    return c


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(category, **extra):
    data = {
        "title": "个体户变更经营范围需跑区里办理",
        "description": "社区窗口无法受理，被告知去区政务服务中心。",
        "category": category.pk,
        "enterprise": "",
        "complainant_name": "汪女士",
        "complainant_phone": "13905630001",
        "complainant_email": "",
        "cause_analysis": "经营范围变更未下放到社区，社区窗口无受理权限。",
        "idempotency_key": "k1",
    }
    data.update(extra)
    return data


def _register(chain, category, **extra) -> Case:
    fields = {
        "window": chain.village,
        "actor": chain.s_village,
        "title": "个体户变更经营范围需跑区里办理",
        "description": "社区窗口无法受理。",
        "category": category,
        "complainant_name": "汪女士",
        "complainant_phone": "13905630001",
        "cause_analysis": "社区窗口无受理权限。",
    }
    fields.update(extra)
    return services.window_case_register(**fields)


# --- Registering ----------------------------------------------------------------------


def test_a_specialist_registers_a_window_case_with_its_cause_analysis(chain, category):
    client = _client(chain.s_village)
    home = client.get("/windows/").content.decode()
    assert "梅园社区窗口" in home and "郎溪县窗口" not in home
    assert f"/windows/{chain.village.pk}/cases/new/" in home
    response = client.post(
        f"/windows/{chain.village.pk}/cases/new/", _form(category, enterprise=chain.enterprise.credit_code)
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.channel, case.window, case.current_window) == ("window", chain.village, chain.village)
    assert case.cause_analysis == "经营范围变更未下放到社区，社区窗口无受理权限。"
    assert case.enterprise == chain.enterprise and case.region == chain.township
    # Accepted at once, for the 营商办 to assign; the 专员 is its registrar, not its 诉求人.
    assert case.status == Status.ACCEPTED and case.filed_by == chain.s_village
    page = client.get(response["Location"]).content.decode()
    assert "经营范围变更未下放到社区" in page and "梅园社区窗口" in page
    assert case.number in client.get("/windows/").content.decode()


def test_the_cause_analysis_is_required_and_the_input_is_kept(chain, category):
    client = _client(chain.s_village)
    response = client.post(f"/windows/{chain.village.pk}/cases/new/", _form(category, cause_analysis="  "))
    assert response.status_code == 400
    page = response.content.decode()
    assert "请填写原因分析" in page
    assert "个体户变更经营范围需跑区里办理" in page  # what was typed stays
    assert not Case.objects.exists()
    unknown = client.post(f"/windows/{chain.village.pk}/cases/new/", _form(category, enterprise="91341802MA2XXXXXX0"))
    assert unknown.status_code == 400 and "未找到统一社会信用代码" in unknown.content.decode()


def test_only_the_specialists_on_duty_register_at_a_window(chain, category):
    assert _client(chain.s_other).get(f"/windows/{chain.village.pk}/cases/new/").status_code == 404
    assert _client(chain.official).get("/windows/").status_code == 403
    chain.village.is_active = False
    chain.village.save()
    assert _client(chain.s_village).get(f"/windows/{chain.village.pk}/cases/new/").status_code == 404


# --- Escalating -------------------------------------------------------------------------


def test_a_case_goes_up_the_chain_to_the_city_and_no_further(chain, category):
    case = _register(chain, category)
    steps = [
        (chain.s_village, chain.township_window),
        (chain.s_township, chain.county_window),
        (chain.s_county, chain.city_window),
    ]
    for actor, upper in steps:
        response = _client(actor).post(f"/windows/cases/{case.number}/escalate/", {"reason": "本级协调不了"})
        assert response.status_code == 302, response.content.decode()[:500]
        case.refresh_from_db()
        assert case.current_window == upper
    assert list(WindowEscalation.objects.filter(case=case).values_list("to_window__level", flat=True)) == [
        "township",
        "county",
        "city",
    ]
    assert case.events.filter(kind=EventKind.WINDOW_ESCALATED).count() == 3
    assert case.window == chain.village  # where it was registered stays

    top = _client(chain.s_city).post(f"/windows/cases/{case.number}/escalate/", {"reason": "再上报"})
    assert top.status_code == 400
    assert "没有更上一级的窗口" in top.content.decode()
    assert WindowEscalation.objects.filter(case=case).count() == 3


def test_escalation_is_refused_without_a_window_above_or_a_reason(chain, category):
    case = _register(chain, category)
    response = _client(chain.s_village).post(f"/windows/cases/{case.number}/escalate/", {"reason": ""})
    assert response.status_code == 400 and "请填写上报理由" in response.content.decode()
    chain.township_window.is_active = False
    chain.township_window.save()
    response = _client(chain.s_village).post(f"/windows/cases/{case.number}/escalate/", {"reason": "协调不了"})
    assert response.status_code == 400
    assert "上一级没有启用的办不成事窗口" in response.content.decode()
    case.refresh_from_db()
    assert case.current_window == chain.village


def test_after_escalating_the_lower_specialist_can_no_longer_escalate(chain, category):
    """Two escalations of the same case at once: the second finds it already up."""
    case = _register(chain, category)
    stale = Case.objects.get(pk=case.pk)
    services.window_case_escalate(case=case, actor=chain.s_village, reason="协调不了")
    with pytest.raises(services.CaseError) as refused:
        services.window_case_escalate(case=stale, actor=chain.s_village, reason="协调不了")
    assert refused.value.code == "invalid_state"
    assert "已在“澄江街道窗口”会商联办" in refused.value.messages[0]
    assert WindowEscalation.objects.filter(case=case).count() == 1


def test_escalation_tells_the_upper_specialists_and_the_region_s_chief_officers(chain, category):
    case = _register(chain, category)
    services.window_case_escalate(case=case, actor=chain.s_village, reason="协调不了")
    told = set(Notification.objects.filter(kind="window.escalated").values_list("recipient__username", flat=True))
    # The chief bound to 宣州区 covers its 街道; an unbound chief covers the city; not 郎溪县's.
    assert told == {"s_township", "chief_xz", "chief_all"}
    notice = Notification.objects.get(kind="window.escalated", recipient=chain.s_township)
    assert case.number in notice.title and "澄江街道窗口" in notice.title
    assert notice.link == f"/windows/cases/{case.number}/"


def test_with_no_chief_covering_the_region_every_chief_is_told(chain, category):
    chain.chief_all.region = chain.other_county
    chain.chief_all.save()
    case = _register(chain, category)
    chain.chief_county.region = chain.other_county
    chain.chief_county.save()
    services.window_case_escalate(case=case, actor=chain.s_village, reason="协调不了")
    told = set(Notification.objects.filter(kind="window.escalated").values_list("recipient__username", flat=True))
    assert told == {"s_township", "chief_xz", "chief_lx", "chief_all"}


def test_a_closed_case_is_not_escalated(chain, category):
    case = _register(chain, category)
    Case.objects.filter(pk=case.pk).update(status=Status.RESOLVED)
    response = _client(chain.s_village).post(f"/windows/cases/{case.number}/escalate/", {"reason": "协调不了"})
    assert response.status_code == 409
    assert "不能上报会商联办" in response.content.decode()


# --- Who sees what ----------------------------------------------------------------------


def test_another_window_s_specialist_gets_404_and_the_upper_one_sees_it_once_escalated(chain, category):
    case = _register(chain, category)
    for url in (f"/windows/cases/{case.number}/", f"/cases/{case.number}/"):
        assert _client(chain.s_other).get(url).status_code == 404
        assert _client(chain.s_township).get(url).status_code == 404
        assert _client(chain.s_village).get(url).status_code == 200
    assert case.number not in _client(chain.s_township).get("/windows/").content.decode()

    services.window_case_escalate(case=case, actor=chain.s_village, reason="协调不了")
    upper = _client(chain.s_township)
    assert upper.get(f"/windows/cases/{case.number}/").status_code == 200
    assert upper.get(f"/cases/{case.number}/").status_code == 200
    assert case.number in upper.get("/windows/").content.decode()
    # The window it came from keeps following it; another district's still does not see it.
    assert _client(chain.s_village).get(f"/windows/cases/{case.number}/").status_code == 200
    assert _client(chain.s_other).get(f"/cases/{case.number}/").status_code == 404
    # Only the window consulting on it now may escalate it further.
    assert "上报上一级会商联办" not in _client(chain.s_village).get(f"/windows/cases/{case.number}/").content.decode()
    assert "上报上一级会商联办" in upper.get(f"/windows/cases/{case.number}/").content.decode()


def test_a_confidential_complainant_is_masked_for_the_specialists(chain, category):
    case = _register(chain, category, is_confidential=True, complainant_name="张保密")
    for url in (f"/windows/cases/{case.number}/", f"/cases/{case.number}/"):
        page = _client(chain.s_village).get(url).content.decode()
        assert "张保密" not in page and "（保密）" in page
    assert "张保密" in _client(chain.official).get(f"/cases/{case.number}/").content.decode()


def test_the_specialist_updates_the_cause_and_comments_on_the_case_page(chain, category):
    case = _register(chain, category)
    client = _client(chain.s_village)
    response = client.post(f"/windows/cases/{case.number}/cause-analysis/", {"cause_analysis": "区市场监管局未授权。"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.cause_analysis == "区市场监管局未授权。"
    assert (
        _client(chain.s_village)
        .post(f"/windows/cases/{case.number}/cause-analysis/", {"cause_analysis": ""})
        .status_code
        == 400
    )
    # 协调处理、跟踪督办: the case page's own comment action, a staff note by default.
    response = client.post(f"/cases/{case.number}/comment/", {"note": "已电话联系区市场监管局"})
    assert response.status_code == 302
    note = case.events.get(kind=EventKind.COMMENT, note="已电话联系区市场监管局")
    assert note.actor == chain.s_village and not note.is_public
    # The 专员 neither rates the case nor is told as its 诉求人.
    assert "rate" not in _client(chain.s_village).get(f"/cases/{case.number}/").context["actions"]
    assert _client(chain.s_other).post(f"/cases/{case.number}/comment/", {"note": "x"}).status_code == 404


def test_the_window_list_costs_the_same_queries_for_more_cases(chain, category):
    client = _client(chain.s_village)
    _register(chain, category)
    client.get("/windows/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/windows/").status_code == 200
    for index in range(5):
        case = _register(chain, category, title=f"第{index}件")
        if index % 2:
            services.window_case_escalate(case=case, actor=chain.s_village, reason="协调不了")
    with CaptureQueriesContext(connection) as many:
        page = client.get("/windows/").content.decode()
    assert page.count("/windows/cases/SQ") == 6
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_the_demo_windows_show_the_chain_and_load_twice(db):
    from complaints.windows import demo

    city = factories.region("341800", "宣城市", Region.Level.CITY)
    factories.region("341802", "宣州区", Region.Level.COUNTY, parent=city)
    demo.seed()
    demo.seed()
    assert sorted(ServiceWindow.objects.values_list("level", flat=True)) == sorted(WindowLevel.values)
    specialist = User.objects.select_related("department").get(username="specialist")
    assert specialist.display_name == "周专员（宣州区政务服务中心）"
    assert specialist.service_windows.count() == 2
    cases = Case.objects.filter(channel="window")
    assert cases.count() == 4 and not cases.filter(cause_analysis="").exists()
    twice = cases.get(title="个体户变更经营范围需跑区里办理")
    assert twice.window_escalations.count() == 2 and twice.current_window.level == WindowLevel.COUNTY
    assert twice.number in _client(specialist).get("/windows/").content.decode()


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_specialists_escalating_one_case_at_once_one_wins_the_other_gets_409(chain, category):
    from django.urls import reverse
    from rest_framework.test import APIClient

    from tests.concurrency import run_at_once

    second = factories.user(roles.SPECIALIST, username="s_village2", full_name="郑专员")
    chain.village.specialists.add(second)
    case = _register(chain, category)
    clients = []
    for user in (chain.s_village, second):
        client = APIClient()
        client.force_login(user)
        clients.append(client)
    url = reverse("window-case-escalate", kwargs={"number": case.number})

    def escalate(index):
        response = clients[index].post(url, {"reason": f"协调不了 {index}"}, format="json")
        return response.status_code, response.json()

    answers = run_at_once(escalate, 2)

    assert sorted(code for code, _ in answers) == [200, 409], answers
    conflict = next(body for code, body in answers if code == 409)
    assert "已在“澄江街道窗口”会商联办" in conflict["errors"][0]["message"]
    case.refresh_from_db()
    assert case.current_window == chain.township_window
    assert WindowEscalation.objects.filter(case=case).count() == 1
    assert case.events.filter(kind=EventKind.WINDOW_ESCALATED).count() == 1
