"""Public pages kept in the cache (portal/pagecache.py): the policy catalogue, the public
statistics and the home page are served from the cache to the next reader, yet a
publish, a withdrawal or an edit shows at once, each language keeps its own copy, no
signed-in reader's name or menu reaches anyone else, and each reader gets their own
CSRF token."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from complaints.models import ProblemCategory
from policies import services, tasks
from policies.models import Policy, PolicyCategory
from portal import pagecache
from portal.models import Announcement
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(db):
    city = factories.region()
    issuer = factories.department("宣城市经济和信息化局", city)
    return {
        "city": city,
        "issuer": issuer,
        "official": factories.official(full_name="周营商"),
        "member": factories.enterprise_user(factories.enterprise(), full_name="陈企业"),
    }


def _policy(office, **fields) -> Policy:
    defaults = {
        "title": "技术改造项目奖补",
        "issuer": office["issuer"],
        "level": "municipal",
        "region": office["city"],
        "category": PolicyCategory.objects.get(name="资金奖补"),
        "summary": "对技改投入给予奖补",
        "support_type": "cash",
        "application_method": "online",
        "state": Policy.State.PUBLISHED,
        "published_on": timezone.localdate(),
    }
    defaults.update(fields)
    return Policy.objects.create(**defaults)


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page(client, url, **cookies) -> str:
    for name, value in cookies.items():
        client.cookies[name] = value
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# --- The catalogue: kept, and new at once after a change -------------------------------------


def test_a_published_policy_is_in_the_catalogue_at_once(client, office):
    _policy(office, title="已发布的技改奖补")
    draft = _policy(office, title="刚审核通过的人才政策", state=Policy.State.IN_REVIEW, published_on=None)
    public = Client()
    assert "已发布的技改奖补" in _page(public, "/policies/")
    # The next anonymous reader is served the kept page: no query at all.
    assert _queries(public, "/policies/") == 0

    # The 营商办 publish the draft on its page.
    official = _signed_in(office["official"])
    assert official.post(reverse("policies:manage_publish", args=[draft.pk])).status_code == 302
    draft.refresh_from_db()
    assert draft.state == Policy.State.PUBLISHED

    for reader in (public, Client(), _signed_in(office["member"]), official):
        assert "刚审核通过的人才政策" in _page(reader, "/policies/")


def test_a_withdrawn_or_edited_policy_changes_the_catalogue_at_once(client, office):
    policy = _policy(office, title="中小企业服务券")
    public = Client()
    assert "中小企业服务券" in _page(public, "/policies/")

    official = _signed_in(office["official"])
    official.post(
        "/admin/policies/policy/", {"action": "withdraw", "_selected_action": [policy.pk]}
    )  # the admin's 撤回所选政策
    policy.refresh_from_db()
    assert policy.state == Policy.State.WITHDRAWN
    assert "中小企业服务券" not in _page(public, "/policies/")

    official.post(reverse("policies:manage_publish", args=[policy.pk]))
    assert "中小企业服务券" in _page(public, "/policies/")
    # A published policy's edit (a new version, live at once).
    services.policy_update(
        policy=policy, actor=office["official"], data={"title": "中小企业服务券（2026年版）"}, reason="更名"
    )
    assert "中小企业服务券（2026年版）" in _page(public, "/policies/")


def test_a_policy_the_night_expires_leaves_the_kept_catalogue(client, office):
    _policy(office, title="去年的技改奖补", effective_until=timezone.localdate() - dt.timedelta(days=1))
    public = Client()
    assert "去年的技改奖补" in _page(public, "/policies/")
    assert tasks.expire_policies() == 1  # 政策到期处理, nightly
    assert "去年的技改奖补" not in _page(public, "/policies/")


def test_each_language_has_its_own_copy(client, office):
    _policy(office, title="技改奖补")
    simplified = _page(Client(), "/policies/")
    traditional = _page(Client(), "/policies/", django_language="zh-hant")
    english = _page(Client(), "/policies/", django_language="en")
    assert 'lang="zh-hans"' in simplified and "亲清政企服务平台" in simplified
    assert 'lang="zh-hant"' in traditional and "親清政企服務平臺" in traditional
    assert 'lang="en"' in english and "Enterprise support policies" in english
    # Each from its own copy the second time too.
    assert 'lang="en"' in _page(Client(), "/policies/", django_language="en")
    assert 'lang="zh-hans"' in _page(Client(), "/policies/")


def test_query_parameters_have_their_own_copies(client, office):
    _policy(office, title="市级政策", level="municipal")
    _policy(office, title="省级政策", level="provincial")
    public = Client()
    assert "省级政策" not in _page(public, "/policies/?level=municipal")
    assert "市级政策" not in _page(public, "/policies/?level=provincial")
    assert "市级政策" in _page(public, "/policies/") and "省级政策" in _page(public, "/policies/")
    assert _queries(public, "/policies/?level=provincial") == 0
    # Made-up parameters change nothing (and the address is not kept as a page of its own).
    assert "省级政策" in _page(public, "/policies/?utm_source=abc")


def test_pages_have_their_own_copies(client, office):
    for number in range(25):
        _policy(office, title=f"政策{number:02d}号")
    public = Client()
    first, second = _page(public, "/policies/"), _page(public, "/policies/?page=2")
    assert "政策24号" in first and "政策24号" not in second
    assert "政策00号" in second and "政策00号" not in first


# --- Nobody's personal bits in a shared copy --------------------------------------------------


def test_a_signed_in_readers_name_and_menus_never_reach_another_reader(client, office):
    _policy(office)
    member = _signed_in(office["member"])
    mine = _page(member, "/policies/")
    assert "陈企业" in mine and reverse("policies:my_matches") in mine
    for url in ("/policies/", "/reports/statistics/", "/"):
        _page(member, url)
        anonymous = _page(Client(), url)
        assert "陈企业" not in anonymous and reverse("policies:my_matches") not in anonymous
        assert "退出登录" not in anonymous
        official = _page(_signed_in(office["official"]), url)
        assert "陈企业" not in official and "周营商" in official
    # And the other way: an anonymous copy does not stand in for a signed-in page.
    assert "陈企业" in _page(member, "/")


def test_every_anonymous_reader_gets_a_working_csrf_token_of_their_own(client, office):
    _policy(office)
    tokens = set()
    for _ in range(3):
        reader = Client(enforce_csrf_checks=True)
        page = _page(reader, "/policies/")
        assert pagecache.CSRF_PLACEHOLDER not in page
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        tokens.add(token)
        # The language chooser, from the kept page, works.
        switched = reader.post(
            reverse("set_language"), {"language": "en", "next": "/policies/", "csrfmiddlewaretoken": token}
        )
        assert switched.status_code == 302
        assert 'lang="en"' in _page(reader, "/policies/")
    assert len(tokens) == 3


def test_a_message_for_the_reader_is_theirs_alone(client, office):
    public = Client()
    assert "无法识别所选年度" in _page(public, "/reports/statistics/?year=abc")
    # Shown once, to that reader; the page kept for everyone has none.
    assert "无法识别所选年度" not in _page(public, "/reports/statistics/")
    assert "无法识别所选年度" not in _page(Client(), "/reports/statistics/")
    assert "无法识别所选年度" in _page(Client(), "/reports/statistics/?year=abc")


# --- The figures: new after a case is filed --------------------------------------------------


def test_the_statistics_and_the_home_page_count_a_case_filed_a_moment_ago(client):
    year = timezone.localdate().year
    public = Client()
    assert f"{year}年共登记诉求 0 件" in _page(public, "/reports/statistics/")
    assert "今年以来收到企业诉求 0 件" in _page(public, "/")
    assert _queries(public, "/reports/statistics/") == 0

    filer = Client()
    filed = filer.post(
        "/cases/new/",
        {
            "title": "企业开办窗口要求重复提交材料",
            "description": "营业执照办理时被要求重复提交同一份章程。",
            "category": ProblemCategory.objects.first().pk,
            "complainant_name": "王反映",
            "complainant_phone": "13800001111",
            "idempotency_key": "page-cache-1",
            "privacy_consent": "on",
        },
    )
    assert filed.status_code == 302
    assert f"{year}年共登记诉求 1 件" in _page(public, "/reports/statistics/")
    assert "今年以来收到企业诉求 1 件" in _page(public, "/")


def test_a_new_announcement_is_on_the_home_page_at_once(client):
    public = Client()
    assert "暂无通知公告" in _page(public, "/")
    Announcement.objects.create(title="关于召开政商恳谈会的通知", published_at=timezone.now())
    assert "关于召开政商恳谈会的通知" in _page(public, "/")


def test_versions_bump_after_commit_too(django_capture_on_commit_callbacks):
    """A reader between the save and the commit may rebuild from the rows before it; the
    version changes again at the commit, so that copy is never read."""
    before = pagecache.versions([pagecache.POLICIES])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        pagecache.bump(pagecache.POLICIES)
    during = pagecache.versions([pagecache.POLICIES])
    assert during != before
    for callback in callbacks:
        callback()
    assert pagecache.versions([pagecache.POLICIES]) not in (before, during)
