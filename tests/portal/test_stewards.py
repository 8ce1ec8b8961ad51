"""亲商管家: officials name an enterprise's 管家 in the admin, one by one or a whole
selection at once; the enterprise sees them (name, unit, work phone) on its pages and in
the API; a 管家 sees the enterprises assigned to them and no others."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from portal import roles
from portal.models import Enterprise, Region, StewardAssignment, StewardAssignmentEvent
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    city = factories.region()
    county = factories.region("341802", "宣州区", Region.Level.COUNTY, city)
    other = factories.region("341881", "宁国市", Region.Level.COUNTY, city)
    unit = factories.department("宣城市经济和信息化局", city)
    steward = factories.user(roles.STEWARD, username="steward_login", full_name="马管家", department=unit)
    steward.work_phone = "0563-3021234"
    steward.save()
    in_county = [factories.enterprise(region=county) for _ in range(3)]
    elsewhere = factories.enterprise(region=other)
    return {"county": county, "steward": steward, "in_county": in_county, "elsewhere": elsewhere}


def _run_action(client, action, steward, *, query="", selected=(), select_across=False):
    data = {"action": action, "steward": steward.pk if steward else "", "_selected_action": [e.pk for e in selected]}
    if select_across:
        data["select_across"] = "1"
    return client.post(f"/admin/portal/enterprise/{query}", data, follow=True)


def test_an_official_names_a_steward_for_every_enterprise_of_a_county_at_once(client, world):
    official = factories.official(full_name="周营商")
    client.force_login(official)
    changelist = client.get(f"/admin/portal/enterprise/?region__id__exact={world['county'].pk}").content.decode()
    assert "指派为所选企业的亲商管家" in changelist and "马管家（宣城市经济和信息化局）" in changelist
    assert "steward_login" not in changelist  # people by name and unit, never the login name

    query = f"?region__id__exact={world['county'].pk}"
    response = _run_action(
        client, "assign_steward", world["steward"], query=query, selected=world["in_county"][:1], select_across=True
    )
    page = response.content.decode()
    assert "马管家（宣城市经济和信息化局） 新任 3 家企业的亲商管家" in page
    assert set(StewardAssignment.objects.values_list("enterprise_id", flat=True)) == {e.pk for e in world["in_county"]}
    assert StewardAssignment.objects.first().assigned_by == official
    assert StewardAssignmentEvent.objects.filter(pgh_label="insert").count() == 3  # in the history

    # Again: nothing doubles.
    page = _run_action(client, "assign_steward", world["steward"], selected=world["in_county"]).content.decode()
    assert "新任 0 家企业的亲商管家" in page
    assert StewardAssignment.objects.count() == 3

    # Without a 管家 chosen, or with someone who is not one, nothing happens and the page says why.
    page = _run_action(client, "assign_steward", None, selected=[world["elsewhere"]]).content.decode()
    assert "请先在“亲商管家”中选择一位管家。" in page
    not_a_steward = factories.official(full_name="吴其他")
    page = _run_action(client, "assign_steward", not_a_steward, selected=[world["elsewhere"]]).content.decode()
    assert StewardAssignment.objects.count() == 3

    page = _run_action(client, "unassign_steward", world["steward"], selected=world["in_county"][:2]).content.decode()
    assert "不再担任 2 家企业的亲商管家" in page
    assert StewardAssignment.objects.count() == 1
    assert StewardAssignmentEvent.objects.filter(pgh_label="delete").count() == 2


def test_one_by_one_in_the_admin_and_a_pair_is_named_once(client, world):
    client.force_login(factories.official())
    enterprise = world["elsewhere"]
    data = {"enterprise": enterprise.pk, "steward": world["steward"].pk}
    assert client.post("/admin/portal/stewardassignment/add/", data).status_code == 302
    assignment = StewardAssignment.objects.get()
    again = client.post("/admin/portal/stewardassignment/add/", data)
    assert again.status_code == 200 and "亲商管家指派 已经存在" in again.content.decode()
    assert client.post(f"/admin/portal/stewardassignment/{assignment.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not StewardAssignment.objects.exists()


def test_people_without_the_permission_cannot_name_stewards(client, world):
    chief = factories.user(roles.CHIEF_PROBLEM_OFFICER, is_staff=True)
    client.force_login(chief)
    assert "指派为所选企业的亲商管家" not in client.get("/admin/portal/enterprise/").content.decode()
    _run_action(client, "assign_steward", world["steward"], selected=world["in_county"])
    assert not StewardAssignment.objects.exists()
    assert client.get("/admin/portal/stewardassignment/add/").status_code == 403


def _assign(world, enterprises):
    from portal import services

    admin_user = factories.user(is_staff=True, is_superuser=True)
    services.steward_assign(
        enterprises=Enterprise.objects.filter(pk__in=[e.pk for e in enterprises]),
        steward=world["steward"],
        actor=admin_user,
    )


def test_the_enterprise_sees_its_steward_on_its_pages_and_in_the_api(client, world):
    enterprise = world["in_county"][0]
    member = factories.enterprise_user(enterprise)
    client.force_login(member)
    profile = client.get(f"/enterprises/{enterprise.pk}/").content.decode()
    assert "尚未为企业指派亲商管家" in profile

    _assign(world, [enterprise])
    profile = client.get(f"/enterprises/{enterprise.pk}/").content.decode()
    assert "马管家（宣城市经济和信息化局）" in profile and 'href="tel:0563-3021234"' in profile
    home = client.get("/").content.decode()
    assert "您的亲商管家" in home and "马管家（宣城市经济和信息化局）" in home

    api = APIClient()
    api.force_authenticate(member)
    body = api.get(f"/api/v1/enterprises/{enterprise.pk}/").json()
    assert body["stewards"] == [{"name": "马管家", "unit": "宣城市经济和信息化局", "work_phone": "0563-3021234"}]


def test_the_enterprise_list_costs_the_same_queries_whatever_the_stewards(world):
    official = factories.official()
    api = APIClient()
    api.force_authenticate(official)
    _assign(world, world["in_county"][:1])
    api.get("/api/v1/enterprises/")  # the user's permissions, cached from then on
    with CaptureQueriesContext(connection) as few:
        api.get("/api/v1/enterprises/")
    second = factories.user(roles.STEWARD, full_name="牛管家")
    world_two = {**world, "steward": second}
    _assign(world_two, [*world["in_county"], world["elsewhere"]])
    _assign(world, world["in_county"])
    with CaptureQueriesContext(connection) as many:
        body = api.get("/api/v1/enterprises/").json()
    assert len(many) == len(few)
    assert sum(len(row["stewards"]) for row in body["results"]) == 7


def test_a_steward_sees_the_enterprises_assigned_to_them_and_no_others(world):
    _assign(world, world["in_county"][:2])
    api = APIClient()
    api.force_authenticate(world["steward"])
    listed = {row["id"] for row in api.get("/api/v1/enterprises/").json()["results"]}
    assert listed == {e.pk for e in world["in_county"][:2]}
    assert api.get(f"/api/v1/enterprises/{world['in_county'][2].pk}/").status_code == 404
    assert api.get(f"/api/v1/enterprises/{world['elsewhere'].pk}/").status_code == 404
