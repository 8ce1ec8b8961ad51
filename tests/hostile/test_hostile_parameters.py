"""Hostile values in every search, filter, ordering and page parameter of every list page
and API list: SQL metacharacters, a 1 MB string, bytes that are not UTF-8, a NUL
character, full-width digits and values of the wrong type. Each answers below 500;
a 400 says what was wrong, in Chinese; a NUL is refused with 400 everywhere.

Each value goes into one parameter at a time, so a value one field refuses cannot hide
what another field would do with it. The API lists and their parameters are read from
the OpenAPI schema, so a new list or filter is covered without editing this file.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

NUL = "a%00b"
# Raw, already percent-encoded query values. Every parameter gets the first set; the
# first parameter of each list and ``page`` get the second as well (it mostly repeats
# the first set's classes, so it is not worth the time on every parameter).
HOSTILE = {
    "sql-quote": quote("' OR 1=1--"),
    "like-percent": "%25",
    "backslash": "%5C",
    "nul": NUL,
    "surrogate-utf8": "%ED%A0%80",  # a lone surrogate as UTF-8 would spell it: not valid UTF-8
    "full-width-digits": quote("１２"),
}
MORE_HOSTILE = {
    "integer-overflow": "99999999999999999999",
    "bad-date": "2026-13-45",
    "sql-drop": quote("1; DROP TABLE portal_user;--"),
    "like-underscore": "_",
    "invalid-utf8": "%FF%FE",
    "negative": "-1",
    "fraction": "1.5",
    "word": "abc",
    "list-syntax": quote("[1,2]"),
    "overlong-1MB": "a" * 1_000_000,
}

# Pages with a list, their parameters, and who can see them. {x} stands for an object of the world.
PAGES = [
    ("anonymous", "/policies/", ["q", "level", "issuer", "category", "industry", "support_type", "open_now", "page"]),
    ("anonymous", "/roundtables/", ["page", "upcoming_page"]),
    ("anonymous", "/reports/typical-cases/", ["page"]),
    ("anonymous", "/cases/lookup/", ["number", "lookup_code"]),
    (
        "official",
        "/cases/",
        ["q", "status", "channel", "category", "department", "overdue", "open", "received_after", "tier", "page"],
    ),
    ("handler", "/cases/", ["q", "overdue", "received_before", "is_supervised"]),
    ("official", "/reports/dashboard/", ["q", "status", "category", "department", "received_after", "open"]),
    ("official", "/reports/export.xlsx", ["q", "status", "department", "received_after"]),
    ("officer", "/walkthroughs/", ["page"]),
    ("official", "/walkthroughs/report/monthly/", ["month"]),
    ("official", "/walkthroughs/report/monthly.xlsx", ["month"]),
    ("member", "/policies/matches/", ["enterprise", "show", "sort"]),
    ("member", "/policies/matches/report/", ["enterprise"]),
    ("member", "/policies/applications/", ["page"]),
    ("handler", "/policies/applications/review/", ["status", "page"]),
    ("official", "/policies/applications/supervision/", ["year", "page"]),
    ("member", "/roundtables/my/", ["page"]),
    ("official", "/roundtables/{session}/check-in/", ["q"]),
    ("official", "/roundtables/reports/follow-up/", ["session", "period"]),
    ("official", "/roundtables/reports/figures/", ["year"]),
    ("official", "/roundtables/reports/registrations.xlsx", ["session"]),
    ("member", "/notifications/", ["page"]),
]


def _api_lists() -> list[tuple[str, str, list[str]]]:
    """Every API list (a GET without a path parameter) and its query parameters."""
    client = Client()
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    lists = []
    for path, item in schema["paths"].items():
        get = item.get("get")
        if get is None or "{" in path:
            continue
        names = [p["name"] for p in get.get("parameters", []) if p["in"] == "query"]
        if names:
            # The official sees every list unscoped; the filters are the same for everyone.
            lists.append(("official", path, names))
    return lists


def _send(client: Client, path: str, query: str):
    response = client.get(f"{path}?{query}")
    # An export answers a spreadsheet when all is well, and a page or text when it is not.
    content = response.content.decode("utf-8", "replace") if response.status_code >= 400 else ""
    return response.status_code, content


def _check_every_parameter(client, path: str, names: list[str]) -> list[str]:
    problems = []
    for index, name in enumerate(names):
        values = {**HOSTILE, **MORE_HOSTILE} if index == 0 or name == "page" else HOSTILE
        for label, value in values.items():
            status, content = _send(client, path, f"{name}={value}")
            where = f"{path}?{name}=<{label}>"
            if status >= 500:
                problems.append(f"{where} -> {status}")
            elif value == NUL and status != 400:
                problems.append(f"{where} -> {status}, not 400")
            elif status == 400 and not content.strip():
                problems.append(f"{where} -> 400 without a message")
    return problems


def _client_for(world, role: str) -> Client:
    client = Client()
    user = world.user(role)
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize(("role", "path", "names"), PAGES, ids=[f"{r}:{p}" for r, p, _ in PAGES])
def test_list_pages_refuse_hostile_parameters_without_a_server_error(world, role, path, names):
    path = path.format(session=world.session.pk)
    client = _client_for(world, role)
    assert client.get(path).status_code == 200, "the page must be reachable for the role, or the test proves nothing"
    problems = _check_every_parameter(client, path, names)
    assert not problems, "\n".join(problems)


def test_api_lists_refuse_hostile_parameters_without_a_server_error(world):
    lists = _api_lists()
    assert len(lists) >= 8, "the schema lists fewer API lists than the portal has"
    problems = []
    for role, path, names in lists:
        client = _client_for(world, role)
        assert client.get(path).status_code == 200, f"{role} cannot read {path}: the test would prove nothing"
        problems += [f"[{role}] {problem}" for problem in _check_every_parameter(client, path, names)]
    assert not problems, "\n".join(problems)


def test_nul_is_refused_with_a_message_in_chinese(world):
    page = Client().get(f"/policies/?q={NUL}")
    assert page.status_code == 400
    assert "无法处理的控制字符" in page.content.decode()

    api = _client_for(world, "official").get(f"/api/v1/cases/?q={NUL}")
    assert api.status_code == 400
    assert api.json() == {"errors": [{"field": None, "message": "输入中含有无法处理的控制字符（NUL），请删除后重试。"}]}


def test_nul_in_a_posted_form_is_refused_before_any_view(world):
    client = _client_for(world, "member")
    response = client.post("/cases/new/", {"title": "标题\x00", "description": "说明"})
    assert response.status_code == 400
    assert "无法处理的控制字符" in response.content.decode()
