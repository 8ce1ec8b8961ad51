"""The policy catalogue's yes/no filters: selects reading 全部 by default, then each
filter's own words, with the API's ``true``/``false`` values."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from policies.models import Policy

pytestmark = pytest.mark.django_db


def options(html: str, name: str) -> list[tuple[str, str, bool]]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [
        (value, text.strip(), bool(selected))
        for value, selected, text in re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select)
    ]


def test_open_now_and_auto_grant_are_labelled_selects_that_filter(client, make_policy):
    open_online = make_policy(title="网上申报政策")
    auto = make_policy(title="免申政策", application_method="auto")
    closed = make_policy(title="已截止政策", application_closes=timezone.localdate() - dt.timedelta(days=1))

    page = client.get("/policies/").content.decode()
    assert 'type="checkbox"' not in page
    assert options(page, "open_now") == [
        ("", "全部", True),
        ("true", "正在申报", False),
        ("false", "不在申报期", False),
    ]
    assert options(page, "auto_grant") == [("", "全部", True), ("true", "免申即享", False), ("false", "需申报", False)]
    for name, label in (("open_now", "正在申报"), ("auto_grant", "免申即享")):
        assert re.search(rf'<label class="form-label" for="id_{name}">{label}</label><select name="{name}"', page)

    def ids(query) -> set[int]:
        page = client.get("/policies/", query).content.decode()
        return {policy.pk for policy in Policy.objects.all() if f'data-policy="{policy.pk}"' in page}

    # As the browser sends the form, untouched selects empty.
    form = {"q": "", "level": "", "support_type": "", "issuer": "", "category": "", "industry": ""}
    assert ids({**form, "open_now": "false", "auto_grant": ""}) == {closed.pk}
    assert ids({**form, "open_now": "true", "auto_grant": "false"}) == {open_online.pk}
    assert ids({**form, "open_now": "", "auto_grant": "true"}) == {auto.pk}
    assert ids({**form, "open_now": "", "auto_grant": ""}) == {open_online.pk, auto.pk, closed.pk}

    page = client.get("/policies/", {"open_now": "false"}).content.decode()
    assert ("false", "不在申报期", True) in options(page, "open_now")
    assert options(page, "auto_grant")[0] == ("", "全部", True)
