"""The sessions' filters as the browsable API draws them: Chinese labels, checkboxes for
the states, date pickers and a 全部/尚有名额/名额已满 select; the parameters unchanged."""

import re

import pytest
from rest_framework.test import APIClient

from roundtables.models import Session

pytestmark = pytest.mark.django_db

SESSIONS = "/api/v1/roundtables/"


def test_the_browsable_api_draws_the_session_filters_as_chinese_choices(make_session):
    make_session()
    html = APIClient().get(SESSIONS, {"state": "announced", "has_seats": "true"}, HTTP_ACCEPT="text/html")
    assert html.status_code == 200
    html = html.content.decode()

    states = re.findall(r'type="checkbox"[^>]*name="state" value="(\w+)"', html)
    assert states == Session.State.values
    assert re.findall(r'type="checkbox"[^>]*name="state" value="(\w+)"[^>]*checked', html) == ["announced"]
    assert re.search(r"<legend[^>]*>\s*状态\s*</legend>", html)
    assert re.search(r'<input type="date" name="starts_after"[^>]*class="[^"]*form-control', html)
    assert re.search(r'<input type="date" name="starts_before"', html)
    seats = re.search(r'<select name="has_seats"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', seats) == [
        ("", "", "全部"),
        ("true", " selected", "尚有名额"),
        ("false", "", "名额已满"),
    ]
    assert "未知" not in html
