"""The admin speaks Chinese to a zh-hans official: the headings and buttons of the
portal's apps and of the third-party ones (pghistory, django-axes, django-q2, DRF's
tokens, auth), the permission lists and the history pages."""

import html
import re

import pytest
from axes.models import AccessLog
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import translation
from django_q.models import Schedule

from portal.admin import permission_label
from portal.models import Department, DepartmentEvent
from tests import factories

pytestmark = pytest.mark.django_db

# Words that are English in Chinese text too, or names of things.
ALLOWED_WORDS = {
    "API",
    "ID",
    "IP",
    "Excel",
    "ICP",
    "URL",
    "UTC",
    "SHA",
    "HTTP",
    "GET",
    "POST",
    "Accept",
    "Cron",
    # Django's hint under a multiple select: 按住 Control，或者 Mac 上的 Command
    "Control",
    "Command",
    "Mac",
    # The language chooser names each language in itself.
    "English",
}
WORD = re.compile(r"[A-Za-z]{2,}")


def visible_text(page: str) -> str:
    """What a reader sees or hears: the text between tags, and titles and labels."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    # A list's row checkboxes are labelled with the row's name: data, not a heading.
    page = re.sub(r'<input type="checkbox" name="_selected_action"[^>]*>', " ", page)
    # Not alt: Django writes its yes/no icons' alt text as Python's True, False and None.
    attributes = " ".join(re.findall(r'(?:title|aria-label|placeholder)="([^"]*)"', page))
    return html.unescape(re.sub(r"<[^>]+>", " ", page) + " " + attributes)


def english_words(text: str) -> set[str]:
    return {word for word in WORD.findall(text) if word not in ALLOWED_WORDS}


@pytest.fixture
def superuser_client(client):
    client.force_login(factories.user(is_staff=True, is_superuser=True, full_name="系统管理员"))
    return client


def test_the_scan_finds_english():
    assert english_words(visible_text('<h2 title="Axes">Pghistory</h2><p>按住 Control 可多选 API</p>')) == {
        "Axes",
        "Pghistory",
    }


def test_admin_index_and_every_app_index_are_in_chinese(superuser_client):
    index = superuser_client.get("/admin/")
    assert index.status_code == 200
    app_urls = sorted(set(re.findall(r'href="(/admin/[a-z_]+/)"', index.content.decode())))
    assert "/admin/pghistory/" in app_urls and "/admin/axes/" in app_urls and "/admin/django_q/" in app_urls
    problems = {}
    for url in ["/admin/", *app_urls]:
        response = superuser_client.get(url)
        assert response.status_code == 200, url
        words = english_words(visible_text(response.content.decode()))
        if words:
            problems[url] = sorted(words)
    assert not problems, problems
    page = index.content.decode()
    assert "变更历史" in page and "变更记录" in page and "登录安全" in page and "登录失败累计" in page


def test_third_party_lists_and_forms_are_in_chinese(superuser_client):
    """The lists of pghistory, django-axes, django-q2 and auth, and the forms with a
    permission list. A schedule's function path and a sign-in's user agent are data,
    not headings."""
    urls = [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
        if model._meta.app_label in {"pghistory", "axes", "django_q", "authtoken", "auth"}
    ]
    # Permissions of models since removed name the removed model: not a heading either.
    for content_type in ContentType.objects.all():
        if content_type.model_class() is None:
            content_type.delete()
    urls += ["/admin/auth/group/add/", "/admin/portal/user/add/", "/admin/django_q/schedule/add/"]
    data = set()
    for schedule in Schedule.objects.all():
        data |= set(WORD.findall(schedule.func))
    for log in AccessLog.objects.all():  # the sign-in of the fixture: a username, "<unknown>" agent
        data |= set(WORD.findall(f"{log.username} {log.user_agent} {log.path_info}"))
    problems = {}
    for url in urls:
        response = superuser_client.get(url)
        assert response.status_code == 200, url
        words = english_words(visible_text(response.content.decode())) - data
        # django-q2's help texts give Python examples (module.tasks.function, name='John').
        if url.endswith("/schedule/add/"):
            words -= {"module", "tasks", "function", "result", "John", "name"}
        if words:
            problems[url] = sorted(words)
    assert not problems, problems


def test_permissions_are_named_in_the_readers_language():
    permissions = Permission.objects.select_related("content_type")
    labels = [permission_label(p) for p in permissions if p.content_type.model_class() is not None]
    assert len(labels) > 100
    assert not {label for label in labels if english_words(label)}
    case_add = Permission.objects.get(codename="add_case")
    access_log = Permission.objects.get(codename="view_accesslog")
    assert permission_label(case_add) == "诉求办理 | 诉求件 | 可以添加诉求件"
    assert permission_label(access_log) == "登录安全 | 登录日志 | 可以查看登录日志"
    with translation.override("en"):
        assert permission_label(case_add).endswith("| Can add Cases")


def test_history_models_are_named_after_what_they_track():
    with translation.override("zh-hans"):
        assert str(DepartmentEvent._meta.verbose_name) == "部门变更记录"
        assert str(apps.get_model("pghistory", "MiddlewareEvents")._meta.verbose_name_plural) == "变更记录"
    with translation.override("en"):
        assert str(DepartmentEvent._meta.verbose_name) == "Department changes"


def test_history_page_says_what_changed_in_chinese(superuser_client):
    department = factories.department("宣城市商务局")
    Department.objects.filter(pk=department.pk).update(phone="0563-1234567")
    url = f"/admin/pghistory/middlewareevents/?method=tracks&obj=portal.department:{department.pk}"
    page = superuser_client.get(url).content.decode()
    text = visible_text(page)
    assert "修改" in text and "新增" in text
    assert "联系电话：— → 0563-1234567" in text
    assert "本对象的变更：宣城市商务局" in text
    assert not english_words(text), english_words(text)
    # The button on a tracked model's page.
    change = superuser_client.get(f"/admin/portal/department/{department.pk}/change/").content.decode()
    assert "变更记录" in change and ">Events<" not in change and "Events\n" not in change


def test_the_yes_no_icons_say_yes_and_no_in_the_readers_language(client):
    from roundtables.models import Series

    city = factories.region()
    Series.objects.create(name="宣城市政商恳谈会", region=city, rrule="FREQ=MONTHLY", is_active=True)
    Series.objects.create(name="宁国市政商恳谈会", region=city, rrule="FREQ=MONTHLY", is_active=False)
    client.force_login(factories.user(username="root", is_staff=True, is_superuser=True))
    page = client.get("/admin/roundtables/series/").content.decode()
    assert 'icon-yes.svg" alt="是"' in page and 'icon-no.svg" alt="否"' in page
    assert 'alt="True"' not in page and 'alt="False"' not in page
    client.cookies["django_language"] = "en"
    page = client.get("/admin/roundtables/series/").content.decode()
    assert 'icon-yes.svg" alt="Yes"' in page
