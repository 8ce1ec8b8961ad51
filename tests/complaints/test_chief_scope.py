"""首席问题官: a cross-department case (跨部门, or any case with co-handling departments)
needs one, as 疑难 and 重大 do; a chief officer bound to a region (User.region) sees the
cases assigned to them first, then their region's, and is suggested when a case of
that region is assigned."""

import re

import pytest
from rest_framework.test import APIClient

from complaints import services
from complaints.models import Case, Region, Tier
from portal import roles
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def regions(db):
    city = factories.region()
    county = factories.region("341802", "宣州区", Region.Level.COUNTY, city)
    township = factories.region("341802001", "澄江街道", Region.Level.TOWNSHIP, county)
    other_county = factories.region("341821", "郎溪县", Region.Level.COUNTY, city)
    return city, county, township, other_county


@pytest.fixture
def chiefs(people, regions):
    city, county, _township, _other = regions
    people.chief.region = city
    people.chief.full_name = "钱市级"
    people.chief.save()
    county_chief = factories.user(
        roles.CHIEF_PROBLEM_OFFICER, username="chief_county", full_name="孙区级", region=county, is_staff=True
    )
    return people.chief, county_chief


def accepted(people, file_case, **fields):
    return services.case_accept(case=file_case(**fields), actor=people.official)


# --- 跨部门 needs a chief officer ----------------------------------------------------------


def test_assigning_a_cross_department_case_without_a_chief_is_refused_keeping_the_input(client, people, file_case):
    case = accepted(people, file_case)
    client.force_login(people.official)
    response = client.post(
        f"/cases/{case.number}/assign/",
        {"lead_department": people.x.pk, "co_departments": [people.y.pk], "tier": Tier.CROSS_DEPARTMENT},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "跨部门、疑难、重大诉求件须指定首席问题官。" in page
    # What was chosen is still chosen.
    assert re.search(rf'<option value="{people.y.pk}" selected>', page)
    assert re.search(r'<option value="cross" selected>', page)
    assert Case.objects.get(pk=case.pk).lead_department is None

    response = client.post(
        f"/cases/{case.number}/assign/",
        {
            "lead_department": people.x.pk,
            "co_departments": [people.y.pk],
            "tier": Tier.CROSS_DEPARTMENT,
            "chief_officer": people.chief.pk,
        },
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).chief_officer == people.chief


def test_co_handling_departments_need_a_chief_whatever_the_tier(people, file_case):
    case = accepted(people, file_case)
    api = APIClient()
    api.force_authenticate(people.official)
    response = api.post(
        f"/api/v1/cases/{case.number}/assign/",
        {"lead_department": people.x.pk, "co_departments": [people.y.pk], "tier": Tier.ORDINARY},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "chief_officer", "message": "有协办单位（涉及多个部门）的诉求件须指定首席问题官。"}
    ]
    # One department alone needs none.
    response = api.post(
        f"/api/v1/cases/{case.number}/assign/",
        {"lead_department": people.x.pk, "co_departments": [people.x.pk], "tier": Tier.ORDINARY},
        format="json",
    )
    assert response.status_code == 200, response.content


def test_an_escalated_case_keeps_its_chief_officer_on_assignment(people, file_case):
    case = accepted(people, file_case)
    services.case_escalate(case=case, actor=people.official, chief_officer=people.chief)
    case = services.case_assign(
        case=case,
        actor=people.official,
        lead_department=people.x,
        co_departments=[people.y],
        tier=Tier.CROSS_DEPARTMENT,
    )
    assert case.chief_officer == people.chief


def test_the_assign_form_suggests_the_chief_bound_to_the_cases_region(client, people, file_case, regions, chiefs):
    _city, _county, township, other_county = regions
    _city_chief, county_chief = chiefs
    case = accepted(people, file_case, region=township)
    client.force_login(people.official)
    page = client.get(f"/cases/{case.number}/").content.decode()
    # The nearest region with a chief officer: the township's county.
    assert re.search(rf'<option value="{county_chief.pk}" selected>', page)
    assert "按诉求所属区划建议：孙区级" in page

    # A county without its own chief officer: the city's.
    elsewhere = accepted(people, file_case, region=other_county)
    page = client.get(f"/cases/{elsewhere.number}/").content.decode()
    assert re.search(rf'<option value="{people.chief.pk}" selected>', page)


# --- The chief officer's workbench ----------------------------------------------------------


def _rows(page: str) -> list[str]:
    return re.findall(r'<a href="/cases/(SQ\d{4}-\d{6})/">', page)


def test_assigned_to_me_first_then_my_region_then_the_rest(
    client, people, case_at, file_case, regions, chiefs, django_assert_num_queries
):
    _city, _county, township, other_county = regions
    _city_chief, county_chief = chiefs

    def assigned(region, **extra):
        case = accepted(people, file_case, region=region)
        return services.case_assign(case=case, actor=people.official, lead_department=people.x, **extra)

    # The rest are the most urgent, yet come last.
    elsewhere = [assigned(other_county) for _ in range(2)]
    Case.objects.filter(pk__in=[case.pk for case in elsewhere]).update(stage_due_at="2026-01-01T00:00:00+08:00")
    in_region = assigned(township)
    mine = assigned(other_county, tier=Tier.DIFFICULT, chief_officer=county_chief)

    client.force_login(county_chief)
    page = client.get("/cases/").content.decode()
    rows = _rows(page)
    assert rows[:2] == [mine.number, in_region.number]
    assert set(rows[2:]) == {case.number for case in elsewhere}
    assert 'data-testid="assigned-to-me"' in page

    # The tab 指派给我: theirs only.
    tabs = re.search(r'data-testid="chief-tabs">(.*?)</ul>', page, re.S).group(1)
    assert f"?chief_officer={county_chief.pk}&amp;open=true" in tabs and "?region=341802&amp;open=true" in tabs
    assert _rows(client.get("/cases/", {"chief_officer": county_chief.pk, "open": "true"}).content.decode()) == [
        mine.number
    ]
    assert _rows(client.get("/cases/", {"region": "341802", "open": "true"}).content.decode()) == [in_region.number]

    # The list costs the same queries with twice the cases.
    queries = _count_queries(client)
    for _ in range(4):
        assigned(township)
    with django_assert_num_queries(queries):
        client.get("/cases/")


def _count_queries(client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get("/cases/")
    return len(captured.captured_queries)


def test_the_workbench_of_a_chief_without_a_region_still_puts_theirs_first(client, people, file_case):
    other = services.case_assign(case=accepted(people, file_case), actor=people.official, lead_department=people.x)
    Case.objects.filter(pk=other.pk).update(stage_due_at="2026-01-01T00:00:00+08:00")
    mine = services.case_assign(
        case=accepted(people, file_case),
        actor=people.official,
        lead_department=people.x,
        tier=Tier.MAJOR,
        chief_officer=people.chief,
    )
    client.force_login(people.chief)
    assert _rows(client.get("/cases/").content.decode()) == [mine.number, other.number]


def test_the_region_filter_takes_the_subtree_in_the_api(people, file_case, regions):
    _city, county, township, other_county = regions
    inside = [accepted(people, file_case, region=region) for region in (county, township)]
    accepted(people, file_case, region=other_county)
    api = APIClient()
    api.force_authenticate(people.official)
    found = {row["number"] for row in api.get("/api/v1/cases/", {"region": "341802"}).json()["results"]}
    assert found == {case.number for case in inside}
