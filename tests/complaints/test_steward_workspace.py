"""The 亲商管家's workspace (/steward/, 我联系的企业): their enterprises with open cases
and their flags, matched policies not applied for, applications in progress and the
last visit; the figures at the top; and reading (only reading) their enterprises' cases."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints import services as case_services
from complaints.models import Case, ProblemCategory, Status
from complaints.visits import services as visit_services
from policies.applications import services as policy_services
from policies.models import Policy, PolicyCategory
from policies.tasks import push_policy
from portal import roles
from portal import services as portal_services
from portal.models import Enterprise
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def steward(people):
    """马管家 at 经信局, looking after enterprise A (not B)."""
    unit = factories.department("宣城市经济和信息化局", people.x.region)
    account = factories.user(roles.STEWARD, username="steward", full_name="马管家", department=unit)
    portal_services.steward_assign(
        enterprises=Enterprise.objects.filter(pk=people.enterprise_a.pk), steward=account, actor=people.official
    )
    return account


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _file(people, *, enterprise, title="园区道路破损", member=None, confidential=False) -> Case:
    case = case_services.case_file(
        actor=member or people.member_a,
        channel="web",
        title=title,
        description="希望尽快修复。",
        category=ProblemCategory.objects.get(name="基础设施"),
        enterprise=enterprise,
        complainant_name="陈企业",
        complainant_phone="13900000001",
        is_confidential=confidential,
    )
    return case_services.case_accept(case=case, actor=people.official)


def _row(html: str, enterprise) -> str:
    """The workspace's row of one enterprise, as the page draws it."""
    match = re.search(rf'<tr data-enterprise="{enterprise.pk}">(.*?)</tr>', html, re.S)
    assert match, f"no row for {enterprise}"
    return match.group(1)


def _cell(row: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</td>', row, re.S)
    assert match, testid
    return re.sub(r"<[^>]+>", " ", match.group(1)).split()


def _policy(people, title: str) -> Policy:
    return Policy.objects.create(
        title=title,
        issuer=people.x,
        level="municipal",
        region=people.x.region,
        category=PolicyCategory.objects.get(name="资金奖补"),
        summary="对技改投入给予奖补",
        support_type="cash",
        application_method="online",
        state=Policy.State.PUBLISHED,
    )


def test_only_stewards_open_the_workspace(people, steward, client):
    assert client.get("/steward/")["Location"].startswith("/accounts/login/")
    for user in [people.member_a, people.handler_x, people.official, people.chief]:
        assert _client(user).get("/steward/").status_code == 403
    response = _client(steward).get("/steward/")
    assert response.status_code == 200
    assert "我联系的企业" in response.content.decode()


def test_each_row_says_what_waits_at_the_enterprise(people, steward):
    """Open cases with 超期 and 临期 by the case lists' own flag, matched policies still
    open and not applied for (linked to the match page the 管家 may open), applications in
    progress and the last visit."""
    a = people.enterprise_a
    overdue, due_soon, normal, closed = (_file(people, enterprise=a, title=f"问题{n}") for n in range(4))
    now = timezone.now()
    Case.objects.filter(pk=normal.pk).update(stage_due_at=now + dt.timedelta(days=10))
    Case.objects.filter(pk=overdue.pk).update(stage_due_at=now - dt.timedelta(days=2))
    Case.objects.filter(pk=due_soon.pk).update(stage_due_at=now + dt.timedelta(minutes=30))
    Case.objects.filter(pk=closed.pk).update(status=Status.CLOSED)
    # Two policies every enterprise qualifies for, pushed by the matching engine; A applies for one.
    unapplied, applied = _policy(people, "技术改造项目奖补"), _policy(people, "研发投入奖励")
    push_policy(unapplied.pk)
    push_policy(applied.pk)
    policy_services.application_start(policy=applied, enterprise=a, actor=people.member_a)
    visit_services.visit_record(
        steward=steward,
        enterprise=a,
        visited_on=timezone.localdate() - dt.timedelta(days=3),
        people_met="陈总",
        discussed="了解经营情况",
    )

    html = _client(steward).get("/steward/").content.decode()

    row = _row(html, a)
    assert _cell(row, "open-cases") == ["3", "超期", "1", "临期", "1"]
    assert _cell(row, "unapplied") == ["1"]
    assert f"/policies/matches/?enterprise={a.pk}&amp;klass=eligible" in row
    assert _cell(row, "in-progress") == ["1"]
    assert _cell(row, "last-visit")[0] == (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    assert f'data-enterprise="{people.enterprise_b.pk}"' not in html  # not theirs
    # The link leads to a page the 管家 may open.
    assert _client(steward).get(f"/policies/matches/?enterprise={a.pk}&klass=eligible").status_code == 200


def test_the_figures_at_the_top(people, steward):
    a = people.enterprise_a
    late = _file(people, enterprise=a)
    _file(people, enterprise=a, title="另一个问题")
    _file(people, enterprise=people.enterprise_b, member=people.member_b)  # not theirs
    Case.objects.filter(pk=late.pk).update(stage_due_at=timezone.now() - dt.timedelta(days=1))
    today = timezone.localdate()
    visit_services.visit_record(steward=steward, enterprise=a, visited_on=today, people_met="陈总", discussed="回访")

    html = _client(steward).get("/steward/").content.decode()

    figures = {
        key: re.search(rf'data-testid="summary-{key}">(\d+)<', html).group(1)
        for key in ["enterprises", "open", "overdue", "visits"]
    }
    assert figures == {"enterprises": "1", "open": "2", "overdue": "1", "visits": "1"}


def test_search_by_name_or_credit_code(people, steward):
    other = factories.enterprise(name="宣城丙科技有限公司", region=people.x.region)
    portal_services.steward_assign(
        enterprises=Enterprise.objects.filter(pk=other.pk), steward=steward, actor=people.official
    )
    client = _client(steward)
    by_name = client.get("/steward/", {"q": "丙科技"}).content.decode()
    assert f'data-enterprise="{other.pk}"' in by_name
    assert f'data-enterprise="{people.enterprise_a.pk}"' not in by_name
    by_code = client.get("/steward/", {"q": people.enterprise_a.credit_code.lower()}).content.decode()
    assert f'data-enterprise="{people.enterprise_a.pk}"' in by_code
    assert f'data-enterprise="{other.pk}"' not in by_code


def test_a_page_of_25_enterprises_costs_the_queries_of_one(people, steward, django_assert_num_queries):
    """Twenty per page, each with cases, matches, an application and a visit: the same
    number of queries as for one enterprise."""
    policy = _policy(people, "技术改造项目奖补")

    def arrange(enterprise):
        member = factories.enterprise_user(enterprise)
        _file(people, enterprise=enterprise, member=member)
        policy_services.application_start(
            policy=_policy(people, f"奖补{enterprise.pk}"), enterprise=enterprise, actor=member
        )
        visit_services.visit_record(
            steward=steward,
            enterprise=enterprise,
            visited_on=timezone.localdate(),
            people_met="总经理",
            discussed="走访",
        )

    arrange(people.enterprise_a)
    push_policy(policy.pk)
    client = _client(steward)
    client.get("/steward/")  # the session and the calendar warm
    with CaptureQueriesContext(connection) as one:
        assert client.get("/steward/").status_code == 200

    for n in range(24):
        enterprise = factories.enterprise(name=f"宣城企业{n:02d}有限公司", region=people.x.region)
        portal_services.steward_assign(
            enterprises=Enterprise.objects.filter(pk=enterprise.pk), steward=steward, actor=people.official
        )
        arrange(enterprise)
    push_policy(policy.pk)
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get("/steward/")
    assert len(response.context["rows"]) == 20
    assert all(row.open_cases == 1 and row.unapplied_matches == 1 for row in response.context["rows"])
    assert "1 / 2" in response.content.decode()  # 25 enterprises, 20 a page


# --- Reading the enterprises' cases -------------------------------------------------------


def test_steward_reads_the_cases_of_their_enterprises_only(people, steward):
    mine = _file(people, enterprise=people.enterprise_a, confidential=True)
    theirs = _file(people, enterprise=people.enterprise_b, member=people.member_b)
    client = _client(steward)

    page = client.get(f"/cases/{mine.number}/")
    assert page.status_code == 200
    # A confidential complainant stays masked for the 管家.
    assert "（保密）" in page.content.decode()
    assert "13900000001" not in page.content.decode()
    assert client.get(f"/cases/{theirs.number}/").status_code == 404
    listed = client.get("/cases/").content.decode()
    assert mine.number in listed and theirs.number not in listed
    api = client.get("/api/v1/cases/").json()
    assert [row["number"] for row in api["results"]] == [mine.number]


def test_steward_takes_no_action_on_a_case(people, steward):
    case = _file(people, enterprise=people.enterprise_a)
    client = _client(steward)
    assert client.post(f"/cases/{case.number}/comment/", {"note": "我来跟进"}).status_code == 403
    assert client.post(f"/api/v1/cases/{case.number}/assign/", {}, content_type="application/json").status_code == 403
    assert not case.events.filter(actor=steward).exists()


def test_enterprises_with_overdue_cases_come_first(people, steward):
    """A 管家 with two hundred firms sees first those where cases are late, then those with
    open cases, then the rest by name (the names sort quiet, busy, late)."""
    quiet = factories.enterprise(name="宣城一号企业有限公司", region=people.x.region)
    busy = factories.enterprise(name="宣城三号企业有限公司", region=people.x.region)
    late = factories.enterprise(name="宣城二号企业有限公司", region=people.x.region)
    portal_services.steward_assign(
        enterprises=Enterprise.objects.filter(pk__in=[quiet.pk, busy.pk, late.pk]),
        steward=steward,
        actor=people.official,
    )
    for enterprise in (busy, late):
        member = factories.enterprise_user(enterprise)
        case = _file(people, enterprise=enterprise, member=member, title=f"{enterprise.name}的问题")
        due = timezone.now() + (dt.timedelta(days=-1) if enterprise == late else dt.timedelta(days=5))
        Case.objects.filter(pk=case.pk).update(stage_due_at=due)

    html = _client(steward).get("/steward/").content.decode()

    order = [int(pk) for pk in re.findall(r'<tr data-enterprise="(\d+)">', html)]
    assert order[:2] == [late.pk, busy.pk]
    assert order.index(quiet.pk) > 1
