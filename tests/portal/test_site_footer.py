"""Every page ends with what a government site must say about itself: who runs it, how
to reach them, the privacy policy, and the filing numbers once they are set."""

import pytest

from portal import services
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_footer_names_the_site_its_contacts_and_filing_numbers(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.site_settings_update(
            actor=factories.official(),
            icp="皖ICP备12345678号",
            police_record="皖公网安备 34180202000001号",
            site_code="3418000001",
        )
    for url in ("/", "/policies/", "/cases/new/", "/privacy/"):
        page = client.get(url).content.decode()
        footer = page[page.index('data-testid="site-footer"') :]
        assert "主办单位：宣城市优化营商环境办公室" in footer, url
        assert 'href="/privacy/"' in footer and 'href="tel:12345"' in footer
        assert "皖ICP备12345678号" in footer and "网站标识码：3418000001" in footer


def test_unset_filing_numbers_leave_no_empty_line(client):
    page = client.get("/").content.decode()
    assert "网站标识码" not in page[page.index('data-testid="site-footer"') :]


def test_a_traditional_page_names_the_organisations_in_traditional_characters(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hant"
    page = client.get("/").content.decode()
    footer = page[page.index('data-testid="site-footer"') :]
    assert "宣城市優化營商環境辦公室" in footer and "优化营商环境办公室" not in footer
