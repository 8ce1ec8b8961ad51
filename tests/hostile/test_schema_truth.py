"""The reproductions of issue #19's outside pass, one test each: no input answers 500, every
/api/ answer is in the error shape, and the schema says what the server does. The
schemathesis run over every operation is tests/hostile/test_api_fuzz.py."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from complaints.models import Case
from portal.api.parsers import MAX_DEPTH

pytestmark = pytest.mark.django_db

NUL_MESSAGE = "输入中含有无法处理的控制字符（NUL），请删除后重试。"


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.get_or_create(user=user)[0].key}"
    return client


def _error_shape(response) -> list[dict]:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    body = response.json()
    assert set(body) == {"errors"} and body["errors"], body
    assert all(set(error) == {"field", "message"} and error["message"] for error in body["errors"]), body
    return body["errors"]


@pytest.fixture
def schema() -> dict:
    return Client().get("/api/schema/?format=json").json()


# --- No 500 from any input -------------------------------------------------------------


def test_a_body_nested_1500_levels_deep_is_refused_with_400_not_a_recursion_error():
    response = Client().post("/api/v1/auth/token/", "[" * 1500 + "]" * 1500, content_type="application/json")
    assert response.status_code == 400
    assert "嵌套层数过多" in _error_shape(response)[0]["message"]


def test_no_operation_that_reads_a_body_fails_on_a_deeply_nested_one(world, schema):
    client = _client(world.official)
    body = "[" * 1500 + "]" * 1500
    failures = []
    for path, item in schema["paths"].items():
        url = re.sub(r"\{\w+\}", "1", path)
        for method in ("post", "put", "patch"):
            if method in item:
                response = getattr(client, method)(url, body, content_type="application/json")
                if response.status_code >= 500:
                    failures.append(f"{method.upper()} {url} -> {response.status_code}")
    assert not failures, "\n".join(failures)


def test_the_depth_limit_is_well_below_the_recursion_limit_and_counts_only_real_nesting():
    client = Client()
    too_deep = {"username": json.loads("[" * MAX_DEPTH + "]" * MAX_DEPTH), "password": "x"}
    response = client.post("/api/v1/auth/token/", json.dumps(too_deep), content_type="application/json")
    assert response.status_code == 400 and "嵌套层数过多" in response.content.decode()
    # Brackets inside a string nest nothing: a wrong password, not a depth refusal.
    brackets = {"username": "[" * 500 + "{" * 500, "password": '\\"[[[['}
    response = client.post("/api/v1/auth/token/", json.dumps(brackets), content_type="application/json")
    assert response.status_code == 400 and "嵌套层数过多" not in response.content.decode()


def test_a_username_longer_than_any_account_is_refused_not_a_server_error():
    # django-axes logs the failed username in 255 characters: a longer one was a 500.
    body = {"username": "u" * 1000, "password": "x"}
    response = Client().post("/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code == 400
    assert [error["field"] for error in _error_shape(response)] == ["username"]


@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_a_body_over_the_upload_limit_answers_413_in_the_error_shape(world, settings, content_type):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"title": "长" * 2000}) if content_type == "application/json" else "title=" + "a" * 2000
    response = _client(world.member_a).post("/api/v1/cases/", body, content_type=content_type)
    assert response.status_code == 413
    assert _error_shape(response) == [{"field": None, "message": "请求内容过大。"}]


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(
    "path", ["/api/v1/applications/0.5/", "/api/v1/no-such-collection/", "/api/v2/", "/api/v1/cases/x/y/z/"]
)
def test_unmatched_api_paths_answer_404_in_the_error_shape(world, settings, path, debug):
    settings.DEBUG = debug  # Django's own 404 page would be HTML, and with DEBUG a technical one
    for method in ("get", "post", "delete"):
        response = getattr(_client(world.official), method)(path)
        assert response.status_code == 404, (method, path)
        assert _error_shape(response) == [{"field": None, "message": "请求的资源不存在。"}]


def test_a_method_a_resource_does_not_offer_answers_405_in_the_error_shape(world):
    response = _client(world.official).delete("/api/v1/policies/")
    assert response.status_code == 405
    assert len(_error_shape(response)) == 1


def test_an_api_path_without_its_trailing_slash_still_redirects():
    response = Client().get("/api/v1/policies?page=1")
    assert response.status_code == 301
    assert response["Location"] == "/api/v1/policies/?page=1"


def test_options_answers_on_every_path_of_the_schema(world, schema):
    real = {"{id}": str(world.finding.pk), "{number}": world.case.number, "{problem_id}": "1"}
    client = _client(world.official)
    failures = []
    for path in schema["paths"]:
        url = re.sub(r"\{\w+\}", lambda match: real.get(match.group(), "1"), path)
        response = client.options(url)
        if response.status_code >= 500:
            failures.append(f"OPTIONS {url} -> {response.status_code}")
    assert not failures, "\n".join(failures)
    # The one the outside pass found: an action whose viewset named no serializer.
    response = client.options(f"/api/v1/findings/{world.finding.pk}/promote/")
    assert response.status_code == 200
    assert "POST" in response.json()["actions"]


@pytest.mark.parametrize("value", [1.5, True, "1.5", [1], {"id": 1}])
def test_an_id_that_is_not_an_integer_is_refused_not_coerced(world, value):
    client = _client(world.member_a)
    body = {
        "title": "施工许可审批慢",
        "description": "材料反复退回。",
        "category": "审批服务",
        "complainant_name": "张先生",
        "enterprise": value,
    }
    before = Case.objects.count()
    response = client.post("/api/v1/cases/", body, content_type="application/json")
    assert response.status_code == 400
    assert [error["field"] for error in _error_shape(response)] == ["enterprise"]
    assert Case.objects.count() == before
    # The same body with the enterprise's id is accepted: only the type was wrong.
    response = client.post(
        "/api/v1/cases/", {**body, "enterprise": world.enterprise_a.pk}, content_type="application/json"
    )
    assert response.status_code == 201, response.content


# --- The schema is the truth -------------------------------------------------------------


def test_times_of_day_are_not_declared_as_openapi_times_with_an_offset(schema):
    text = json.dumps(schema)
    assert '"format": "time"' not in text
    started_at = schema["components"]["schemas"]["Walkthrough"]["properties"]["started_at"]
    assert re.match(started_at["pattern"], "09:11:00") and re.match(started_at["pattern"], "09:11")


def test_required_text_that_refuses_blanks_says_so(schema, world):
    title = schema["components"]["schemas"]["CaseCreate"]["properties"]["title"]
    assert title["minLength"] == 1 and title["pattern"] == r"\S"
    body = {"title": "   ", "description": "材料反复退回。", "category": "审批服务", "complainant_name": "张先生"}
    response = _client(world.member_a).post("/api/v1/cases/", body, content_type="application/json")
    assert response.status_code == 400 and "title" in [error["field"] for error in _error_shape(response)]


@pytest.mark.parametrize("value", ["0", "-3", "99999999"])
def test_a_filter_id_that_names_no_object_answers_an_empty_list(world, value):
    client = _client(world.official)
    response = client.get(f"/api/v1/cases/?category={value}")
    assert response.status_code == 200 and response.json()["count"] == 0
    assert client.get("/api/v1/cases/?category=abc").status_code == 400


def test_an_empty_filter_value_means_not_given_and_the_schema_says_so(world, schema):
    client = _client(world.official)
    assert client.get("/api/v1/policies/?level=").json() == client.get("/api/v1/policies/").json()
    assert client.get("/api/v1/walkthroughs/?status=&page=").status_code == 200
    parameters = schema["paths"]["/api/v1/policies/"]["get"]["parameters"]
    assert all(parameter["allowEmptyValue"] for parameter in parameters if parameter["in"] == "query")


def test_a_single_valued_parameter_given_twice_is_refused(world):
    client = _client(world.official)
    for query in ("page=1&page=2", "status=draft&status=submitted", "ordering=name&ordering=-name"):
        path = "/api/v1/walkthroughs/" if "status" in query else "/api/v1/enterprises/"
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400, query
        assert "只能填一个值" in _error_shape(response)[0]["message"]
    # A multiple-choice filter takes several values, as the schema's array says.
    assert client.get("/api/v1/cases/?status=received&status=assigned").status_code == 200


def test_a_nul_is_answered_after_the_permission_check(world):
    anonymous = Client()
    for path in ("/api/v1/cases/?q=a%00b", "/api/v1/cases/a%00b/", "/api/v1/walkthroughs/?status=%00"):
        response = anonymous.get(path)
        assert response.status_code == 403, path
    # A public read, and a signed-in caller, get the 400 that names the NUL.
    for client, path in (
        (anonymous, "/api/v1/policies/?search=a%00b"),
        (_client(world.official), "/api/v1/cases/?q=a%00b"),
    ):
        response = client.get(path)
        assert response.status_code == 400, path
        assert _error_shape(response) == [{"field": None, "message": NUL_MESSAGE}]
    # The HTML pages still refuse it before anything else.
    assert anonymous.get("/cases/?q=a%00b").status_code == 400


def test_a_nul_in_a_json_body_is_refused_with_a_correct_chinese_message(world):
    body = {
        "title": "施工\x00许可",
        "description": "材料反复退回。",
        "category": "审批服务",
        "complainant_name": "张先生",
    }
    response = _client(world.member_a).post("/api/v1/cases/", body, content_type="application/json")
    assert response.status_code == 400
    assert {"field": "title", "message": "内容含有无法保存的空字符，请删除后再提交。"} in _error_shape(response)
    assert "不允许是用空字符串" not in response.content.decode()


def test_every_operation_documents_the_errors_any_request_can_meet(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            missing = {"400", "403", "404", "405", "413", "415"} - set(operation["responses"])
            assert not missing, f"{method.upper()} {path} does not document {sorted(missing)}"
