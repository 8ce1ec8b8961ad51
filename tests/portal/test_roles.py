"""Roles are groups created by a migration; each sees what its work needs."""

import pytest
from django.contrib.auth.models import Group

from portal import roles
from tests import factories

pytestmark = pytest.mark.django_db


def test_migration_creates_every_role_with_its_permissions():
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ALL)
    official = factories.official()
    assert official.has_perm("portal.change_enterprise")
    assert official.has_perm("portal.approve_membership")
    assert official.has_perm("portal.add_calendarday")
    handler = factories.handler()
    assert handler.has_perm("portal.view_department")
    assert not handler.has_perm("portal.view_enterprise")
    assert not handler.has_perm("portal.change_enterprise")
    assert not factories.enterprise_user().has_perm("portal.view_enterprise")


def test_official_works_in_the_admin(client):
    factories.enterprise(name="宣城恒达新材料科技有限公司")
    client.force_login(factories.official())
    page = client.get("/admin/portal/enterprise/?q=恒达")
    assert page.status_code == 200
    assert "宣城恒达新材料科技有限公司" in page.content.decode()
    assert "亲清政企服务平台 管理后台" in page.content.decode()


@pytest.mark.parametrize("make_user", [factories.handler, factories.enterprise_user])
def test_non_staff_are_kept_out_of_the_admin(client, make_user):
    client.force_login(make_user())
    response = client.get("/admin/portal/enterprise/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_chief_problem_officer_can_view_but_not_change_enterprises(client):
    enterprise = factories.enterprise()
    chief = factories.user(roles.CHIEF_PROBLEM_OFFICER, is_staff=True)
    client.force_login(chief)
    assert client.get("/admin/portal/enterprise/").status_code == 200
    response = client.post(f"/admin/portal/enterprise/{enterprise.pk}/change/", {"name": "改名"})
    assert response.status_code == 403


def test_history_records_who_changed_an_enterprise(client):
    from pghistory.models import MiddlewareEvents

    enterprise = factories.enterprise(name="旧名称有限公司")
    official = factories.official()
    client.force_login(official)
    data = {
        "name": "新名称有限公司",
        "credit_code": enterprise.credit_code,
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "steward_assignments-TOTAL_FORMS": "0",
        "steward_assignments-INITIAL_FORMS": "0",
    }
    response = client.post(f"/admin/portal/enterprise/{enterprise.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    event = MiddlewareEvents.objects.filter(pgh_obj_model="portal.Enterprise", pgh_label="update").latest(
        "pgh_created_at"
    )
    assert event.user == official
    assert event.pgh_diff["name"] == ["旧名称有限公司", "新名称有限公司"]
    # The admin's events page lists it.
    events_page = client.get(f"/admin/pghistory/middlewareevents/?obj=portal.Enterprise:{enterprise.pk}&method=tracks")
    assert events_page.status_code == 200
    assert "新名称有限公司" in events_page.content.decode()


def test_bulk_updates_are_recorded_too():
    from pghistory.models import Events

    from portal.models import Enterprise

    enterprise = factories.enterprise(employees=10)
    Enterprise.objects.filter(pk=enterprise.pk).update(employees=12)
    assert Events.objects.filter(
        pgh_obj_model="portal.Enterprise", pgh_obj_id=str(enterprise.pk), pgh_label="update"
    ).exists()
