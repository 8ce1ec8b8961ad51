"""Lists cost the same number of queries for 5 rows as for 50 (the inbox pages 20 at a
time, so 50 rows fill its page)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.models import Industry, Region
from portal.services import notification_send
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("rows", [5, 50])
def test_the_notification_inbox_runs_the_same_queries_for_5_or_50(client, rows):
    user = factories.user()
    client.force_login(user)

    def inbox_queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/notifications/")
        assert response.status_code == 200
        return len(captured.captured_queries), response.content.decode()

    notification_send(recipient=user, kind="test", title="第一条通知", dedup_key="test:0")
    one, _ = inbox_queries()
    for index in range(1, rows):
        notification_send(recipient=user, kind="test", title=f"通知{index}", dedup_key=f"test:{index}")
    queries, page = inbox_queries()
    assert queries == one
    assert f"通知{rows - 1}" in page


def _queries_and_page(client, url, **params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return len(captured.captured_queries), response


@pytest.mark.parametrize("rows", [5, 50])
def test_my_enterprises_runs_the_same_queries_for_5_or_50(client, rows):
    from portal.services import membership_request

    user = factories.user()
    client.force_login(user)
    membership_request(user=user, credit_code=factories.credit_code(), enterprise_name="认领企业0有限公司")
    one, _ = _queries_and_page(client, "/my/enterprises/")
    for index in range(1, rows):
        membership_request(user=user, credit_code=factories.credit_code(), enterprise_name=f"认领企业{index}有限公司")
    queries, response = _queries_and_page(client, "/my/enterprises/")
    assert queries == one
    page = response.content.decode()
    assert all(f"认领企业{index}有限公司" in page for index in range(rows))


def _county():
    city = factories.region("341800", "宣城市", Region.Level.CITY)
    return factories.region("341802", "宣州区", Region.Level.COUNTY, city)


@pytest.mark.parametrize("rows", [5, 50])
def test_the_region_api_list_runs_the_same_queries_for_5_or_50(client, rows):
    county = _county()
    client.force_login(factories.user())

    def township(index):
        factories.region(f"341802{index:03d}", f"测试镇{index}", Region.Level.TOWNSHIP, county)

    township(0)
    one, _ = _queries_and_page(client, "/api/v1/regions/", parent="341802", page_size=100)
    for index in range(1, rows):
        township(index)
    queries, response = _queries_and_page(client, "/api/v1/regions/", parent="341802", page_size=100)
    assert queries == one
    listed = response.json()["results"]
    assert len(listed) == rows and {row["parent"] for row in listed} == {"341802"}


@pytest.mark.parametrize("rows", [5, 50])
def test_the_industry_api_list_runs_the_same_queries_for_5_or_50(client, rows):
    section = Industry.objects.create(code="Z", name="测试门类", level=Industry.Level.SECTION)
    client.force_login(factories.user())

    def division(index):
        Industry.objects.create(code=f"Z{index:03d}", name=f"测试大类{index}", level="division", parent=section)

    division(0)
    one, _ = _queries_and_page(client, "/api/v1/industries/", parent="Z", page_size=100)
    for index in range(1, rows):
        division(index)
    queries, response = _queries_and_page(client, "/api/v1/industries/", parent="Z", page_size=100)
    assert queries == one
    listed = response.json()["results"]
    assert len(listed) == rows and {row["parent"] for row in listed} == {"Z"}


@pytest.mark.parametrize("rows", [5, 50])
def test_the_department_api_list_runs_the_same_queries_for_5_or_50(client, rows):
    county = _county()
    client.force_login(factories.user())
    factories.department("测试局0", county)
    one, _ = _queries_and_page(client, "/api/v1/departments/", region="341802", page_size=100)
    for index in range(1, rows):
        factories.department(f"测试局{index}", county)
    queries, response = _queries_and_page(client, "/api/v1/departments/", region="341802", page_size=100)
    assert queries == one
    listed = response.json()["results"]
    assert len(listed) == rows and {row["region"] for row in listed} == {"341802"}
