"""简体 | 繁體版 | English: chosen in the header, remembered, and the pages speak it."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tests import factories

pytestmark = pytest.mark.django_db

SIMPLIFIED_NAME = "亲清政企服务平台"
TRADITIONAL_NAME = "親清政企服務平臺"
ENGLISH_NAME = "Qinqing Government–Enterprise Service Portal"


def choose(client: Client, language: str, next_url: str = "/") -> None:
    """Press a language in the header, as a browser does: the form's CSRF token and all."""
    page = client.get(next_url).content.decode()
    chooser = page[page.index('data-testid="language-chooser"') :]
    chooser = chooser[: chooser.index("</form>")]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', chooser).group(1)
    assert f'name="language" value="{language}"' in chooser
    next_field = re.search(r'name="next" type="hidden" value="([^"]*)"', chooser).group(1)
    response = client.post("/i18n/setlang/", {"csrfmiddlewaretoken": token, "language": language, "next": next_field})
    assert response.status_code == 302
    assert response["Location"] == next_url


@pytest.fixture
def browser():
    return Client(enforce_csrf_checks=True)


def test_header_offers_the_languages_large_text_and_accessibility(browser):
    page = browser.get("/").content.decode()
    tools = page[page.index('data-testid="site-tools"') : page.index("</nav>")]
    chooser = tools[: tools.index("</form>")]
    assert 'action="/i18n/setlang/" method="post"' in chooser
    assert "csrfmiddlewaretoken" in chooser
    labels = re.findall(r'name="language" value="([\w-]+)" lang="[\w-]+"[^>]*>([^<]+)</button>', chooser)
    assert labels == [("zh-hans", "简体"), ("zh-hant", "繁體版"), ("en", "English")]
    # The language in force is marked for screen readers, not only in bold.
    assert re.search(r'value="zh-hans"[^>]*aria-current="true"', chooser)
    assert not re.search(r'value="(zh-hant|en)"[^>]*aria-current', chooser)
    assert "data-large-text-toggle" in tools
    assert 'href="/accessibility/">无障碍</a>' in tools


def test_choosing_traditional_renders_traditional_and_is_remembered(browser):
    choose(browser, "zh-hant", next_url="/policies/")
    cookie = browser.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "zh-hant"
    assert int(cookie["max-age"]) >= 365 * 24 * 60 * 60 - 1  # outlives the browser session

    page = browser.get("/policies/").content.decode()
    assert '<html lang="zh-hant">' in page
    assert TRADITIONAL_NAME in page
    assert SIMPLIFIED_NAME not in page
    assert "登錄" in page and "註冊" in page  # 登录, 注册: only the characters change, not the wording

    # The next request, on another page, still speaks traditional Chinese.
    response = browser.get("/accounts/login/")
    assert response["Content-Language"] == "zh-hant"
    page = response.content.decode()
    assert TRADITIONAL_NAME in page
    assert re.search(r'value="zh-hant"[^>]*aria-current="true"', page)


def test_choosing_english_is_remembered_and_back_to_simplified(browser):
    choose(browser, "en")
    page = browser.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in page
    assert ENGLISH_NAME in page
    assert SIMPLIFIED_NAME not in page
    assert browser.get("/").headers["Content-Language"] == "en"

    choose(browser, "zh-hans")
    page = browser.get("/").content.decode()
    assert '<html lang="zh-hans">' in page
    assert SIMPLIFIED_NAME in page


def test_a_traditional_chinese_browser_still_gets_simplified_until_it_chooses(client):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-TW,zh;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in page
    assert SIMPLIFIED_NAME in page


@pytest.mark.parametrize(("cookie", "expected"), [("zh-Hant", "zh-hant"), ("zh-tw", "zh-hant"), ("fr", "zh-hans")])
def test_other_spellings_of_a_language_in_the_cookie(client, cookie, expected):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = cookie
    assert client.get("/").headers["Content-Language"] == expected


def test_choosing_a_language_without_the_csrf_token_is_refused(browser):
    response = browser.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 403
    assert '<html lang="zh-hans">' in browser.get("/").content.decode()


@pytest.mark.parametrize(
    ("language", "heading", "feature"),
    [
        ("zh-hans", "无障碍说明", "跳到主要内容"),
        ("zh-hant", "無障礙說明", "跳到主要內容"),
        ("en", "Accessibility statement", "Skip to main content"),
    ],
)
def test_accessibility_statement_in_each_language(client, language, heading, feature):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get("/accessibility/").content.decode()
    assert f'<h1 class="h3 mb-3">{heading}</h1>' in page
    features = page[page.index('data-testid="accessibility-features"') :]
    assert len(re.findall(r"<li>", features[: features.index("</ul>")])) == 5
    assert feature in features
    assert 'href="/cases/new/"' in page  # where to report a barrier


@pytest.mark.parametrize(
    ("language", "label"),
    [("zh-hant", "統計期間："), ("zh-hans", "统计期间："), ("en", "")],
)
def test_month_names_follow_the_language(client, language, label):
    """The dashboard's period is written with YEAR_MONTH_FORMAT: 2026年11月 in both Chinese
    scripts (Django's zh-hant formats), "November 2026" in English."""
    client.force_login(factories.official())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get("/reports/dashboard/").content.decode()
    today = timezone.localdate()
    if language == "en":
        assert f"{today:%B} {today.year}" in page
    else:
        assert f"至{today.year}年{today.month}月" in page
        assert label in page
