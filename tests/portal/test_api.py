"""The core API: authentication, reference data, and enterprise scoping."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from portal.models import EnterpriseMembership, Region
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_token_from_username_and_password(api):
    account = factories.enterprise_user(username="token-user")
    response = api.post("/api/v1/auth/token/", {"username": "token-user", "password": factories.PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]

    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/regions/").status_code == 200
    assert account.auth_token.key == token


def test_token_refused_for_a_wrong_password(api):
    factories.enterprise_user(username="token-user")
    response = api.post("/api/v1/auth/token/", {"username": "token-user", "password": "wrong"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "url", ["/api/v1/regions/", "/api/v1/departments/", "/api/v1/industries/", "/api/v1/enterprises/"]
)
def test_anonymous_calls_are_refused(api, url):
    assert api.get(url).status_code in (401, 403)


def test_industries_are_loaded_and_filterable(api):
    api.force_authenticate(factories.enterprise_user())
    sections = api.get("/api/v1/industries/", {"level": "section", "page_size": 100}).json()
    assert sections["count"] == 20
    manufacturing = api.get("/api/v1/industries/", {"parent": "C"}).json()
    assert manufacturing["count"] == 31  # divisions 13–43
    software = api.get("/api/v1/industries/", {"search": "软件和信息技术服务业"}).json()["results"]
    assert {"I", "65"} <= {row["code"] for row in software}


def test_regions_filter_by_subtree(api):
    city = factories.region()
    county = factories.region("341802", "宣州区", Region.Level.COUNTY, city)
    factories.region("341881", "宁国市", Region.Level.COUNTY, city)
    factories.region("340100", "合肥市", Region.Level.CITY)
    api.force_authenticate(factories.enterprise_user())
    rows = api.get("/api/v1/regions/", {"within": "341800"}).json()["results"]
    assert {row["code"] for row in rows} == {"341800", "341802", "341881"}
    assert county.path == "/341800/341802/"


def test_enterprise_user_sees_only_their_enterprises(api):
    mine = factories.enterprise()
    other = factories.enterprise()
    account = factories.enterprise_user(mine)
    api.force_authenticate(account)

    listed = api.get("/api/v1/enterprises/").json()
    assert [row["credit_code"] for row in listed["results"]] == [mine.credit_code]
    assert api.get(f"/api/v1/enterprises/{mine.pk}/").status_code == 200
    # Enterprise B's record does not exist as far as A's user can tell.
    assert api.get(f"/api/v1/enterprises/{other.pk}/").status_code == 404


def test_a_pending_membership_grants_nothing(api):
    claimed = factories.enterprise()
    account = factories.enterprise_user()
    EnterpriseMembership.objects.create(user=account, enterprise=claimed)
    api.force_authenticate(account)
    assert api.get("/api/v1/enterprises/").json()["count"] == 0
    assert api.get(f"/api/v1/enterprises/{claimed.pk}/").status_code == 404


def test_official_sees_every_enterprise(api):
    factories.enterprise()
    factories.enterprise()
    api.force_authenticate(factories.official())
    assert api.get("/api/v1/enterprises/").json()["count"] == 2


@pytest.mark.parametrize("make_user", [factories.handler, lambda: factories.user(factories.roles.EXPERIENCE_OFFICER)])
def test_other_roles_see_no_enterprise(api, make_user):
    enterprise = factories.enterprise()
    api.force_authenticate(make_user())
    assert api.get("/api/v1/enterprises/").json()["count"] == 0
    assert api.get(f"/api/v1/enterprises/{enterprise.pk}/").status_code == 404


def test_enterprise_filters(api):
    tag_names = ["高新技术企业", "专精特新"]
    from portal.models import EnterpriseTag

    high_tech, specialised = (EnterpriseTag.objects.create(name=name) for name in tag_names)
    both = factories.enterprise(scale="small")
    both.tags.set([high_tech, specialised])
    one = factories.enterprise(scale="small")
    one.tags.set([high_tech])
    factories.enterprise(scale="large")
    api.force_authenticate(factories.official())

    assert api.get("/api/v1/enterprises/", {"scale": "small"}).json()["count"] == 2
    rows = api.get("/api/v1/enterprises/", {"tag": [high_tech.pk, specialised.pk]}).json()["results"]
    assert [row["id"] for row in rows] == [both.pk]
    assert api.get("/api/v1/enterprises/", {"scale": "enormous"}).status_code == 400


def test_enterprise_list_runs_a_constant_number_of_queries(api, django_assert_num_queries):
    from portal.models import EnterpriseTag

    tag = EnterpriseTag.objects.create(name="规上工业企业")
    # A session login loads the user afresh per request, as in production.
    api.force_login(factories.official())

    def fill(count):
        for _ in range(count):
            factories.enterprise(region=factories.region()).tags.add(tag)

    fill(3)
    with CaptureQueriesContext(connection) as small:
        api.get("/api/v1/enterprises/")
    fill(20)
    with django_assert_num_queries(len(small.captured_queries)):
        response = api.get("/api/v1/enterprises/")
    assert response.json()["count"] == 23


def test_schema_and_docs_are_served_offline(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/enterprises/" in schema.content
    docs = client.get("/api/docs/").content.decode()
    # The Swagger UI comes from the sidecar package, not a CDN.
    assert "drf_spectacular_sidecar" in docs
    assert "cdn" not in docs.lower()
