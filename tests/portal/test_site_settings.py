"""网站设置: the footer's site information (主办单位, hotline, ICP备案号…) is one record that
officials keep in the admin; pages read it from the cache, so it costs them no query."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from portal import roles, selectors, services
from portal.models import SiteSettings
from tests import factories

pytestmark = pytest.mark.django_db

CHANGE_URL = "/admin/portal/sitesettings/1/change/"


def _form(**changes):
    data = {
        "sponsor": "宣城市优化营商环境办公室",
        "organiser": "宣城市数据资源管理局",
        "address": "",
        "hotline": "12345",
        "email": "",
        "icp": "",
        "police_record": "",
        "site_code": "",
        "_save": "保存",
    }
    return {**data, **changes}


def _footer(page) -> str:
    html = page.content.decode()
    return html[html.index('data-testid="site-footer"') :]


def _hotline(page) -> str:
    html = page.content.decode()
    start = html.index('data-testid="hotline"')
    return html[start : html.index("</p>", start)]


def test_a_fresh_site_shows_what_the_environment_said(settings):
    site = SiteSettings.objects.get()
    assert (site.sponsor, site.hotline, site.icp) == (
        settings.SITE_FOOTER["sponsor"],
        settings.SITE_FOOTER["hotline"],
        settings.SITE_FOOTER["icp"],
    )


def test_an_official_edits_the_footer_and_the_next_page_shows_it(client, django_capture_on_commit_callbacks):
    official = factories.official()
    client.force_login(official)
    assert "tel:12345" in _hotline(client.get("/"))  # the old values, now cached

    # The list is the one record.
    listing = client.get("/admin/portal/sitesettings/")
    assert listing.status_code == 302 and listing["Location"] == CHANGE_URL
    form_page = client.get(CHANGE_URL).content.decode()
    assert "ICP备案号" in form_page and "公安机关备案号" in form_page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            CHANGE_URL,
            _form(hotline="0563-2345678", icp="皖ICP备12345678号", address="宣城市宣州区鳌峰中路1号"),
        )
    assert response.status_code == 302, response.content.decode()[:2000]

    home = client.get("/")
    assert "0563-2345678" in _hotline(home) and "12345" not in _hotline(home)
    footer = _footer(home)
    assert 'href="tel:0563-2345678"' in footer
    assert "皖ICP备12345678号" in footer and "地址：宣城市宣州区鳌峰中路1号" in footer
    client.logout()
    assert "请拨打服务热线 0563-2345678" in client.get("/privacy/").content.decode()


def test_a_wrong_hotline_is_refused_and_nothing_changes(client):
    client.force_login(factories.official())
    response = client.post(CHANGE_URL, _form(hotline="请拨 12345"))
    assert response.status_code == 200
    assert "只含数字和连字符" in response.content.decode()
    assert SiteSettings.objects.get().hotline == "12345"


def test_there_is_nothing_to_add_or_delete(client):
    client.force_login(factories.official())
    assert client.get("/admin/portal/sitesettings/add/").status_code == 403
    assert client.post("/admin/portal/sitesettings/1/delete/", {"post": "yes"}).status_code == 403
    assert SiteSettings.objects.count() == 1


@pytest.mark.parametrize("make_user", [factories.enterprise_user, factories.handler])
def test_someone_without_the_permission_cannot_edit_it(client, make_user):
    client.force_login(make_user())
    response = client.post(CHANGE_URL, _form(hotline="110"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert SiteSettings.objects.get().hotline == "12345"


def test_staff_without_the_permission_are_refused(client):
    chief = factories.user(roles.CHIEF_PROBLEM_OFFICER, is_staff=True)
    client.force_login(chief)
    assert client.get("/admin/portal/sitesettings/").status_code == 403
    assert client.get(CHANGE_URL).status_code == 403
    assert client.post(CHANGE_URL, _form(hotline="110")).status_code == 403
    with pytest.raises(PermissionDenied):
        services.site_settings_update(actor=chief, hotline="110")
    assert SiteSettings.objects.get().hotline == "12345"


def test_a_warm_cache_spends_no_query_on_the_footer(client, django_assert_num_queries):
    selectors.site_settings_forget()
    with CaptureQueriesContext(connection) as cold:
        assert "tel:12345" in _footer(client.get("/privacy/"))
    assert sum("portal_sitesettings" in query["sql"] for query in cold.captured_queries) == 1
    with django_assert_num_queries(len(cold.captured_queries) - 1) as warm:
        assert "tel:12345" in _footer(client.get("/privacy/"))
    assert not any("portal_sitesettings" in query["sql"] for query in warm.captured_queries)


def test_a_change_is_read_once_then_cached_again(client, django_assert_num_queries, django_capture_on_commit_callbacks):
    client.get("/privacy/")
    with CaptureQueriesContext(connection) as warm:
        client.get("/privacy/")
    with django_capture_on_commit_callbacks(execute=True):
        services.site_settings_update(actor=factories.official(), hotline="0563-1111111")
    with django_assert_num_queries(len(warm.captured_queries) + 1):
        assert "tel:0563-1111111" in _footer(client.get("/privacy/"))
    with django_assert_num_queries(len(warm.captured_queries)):
        assert "tel:0563-1111111" in _footer(client.get("/privacy/"))


def test_there_is_only_ever_one_row():
    with pytest.raises(IntegrityError), transaction.atomic():
        SiteSettings.objects.create(pk=2, sponsor="另一个主办单位")
    with pytest.raises(IntegrityError), transaction.atomic():
        SiteSettings.objects.create(sponsor="另一个主办单位")  # the fixed key, taken
    assert list(SiteSettings.objects.values_list("pk", "sponsor")) == [(1, "宣城市优化营商环境办公室")]


def test_the_history_records_who_changed_what(client):
    from pghistory.models import MiddlewareEvents

    official = factories.official()
    client.force_login(official)
    response = client.post(CHANGE_URL, _form(site_code="3418000001"))
    assert response.status_code == 302
    event = MiddlewareEvents.objects.filter(pgh_obj_model="portal.SiteSettings", pgh_label="update").latest(
        "pgh_created_at"
    )
    assert event.user == official
    assert event.pgh_diff["site_code"] == ["", "3418000001"]


def test_without_the_row_pages_show_the_starting_values_and_a_save_restores_it(
    client, django_capture_on_commit_callbacks
):
    SiteSettings.objects.all().delete()
    selectors.site_settings_forget()
    assert "主办单位：宣城市优化营商环境办公室" in _footer(client.get("/"))
    client.force_login(factories.official())
    assert client.get(CHANGE_URL).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(CHANGE_URL, _form(hotline="0563-3333333")).status_code == 302
    assert SiteSettings.objects.get().hotline == "0563-3333333"
    assert "tel:0563-3333333" in _footer(client.get("/"))
