"""The navigation bar shows each role the pages it may open, and only those: the
officials' work in one 工作 menu (with 政策兑现监督, linked from nowhere before), the
API documentation in the account menu of those who use it."""

import pytest

from portal import roles
from tests import factories

pytestmark = pytest.mark.django_db


def _nav(client, user):
    client.force_login(user)
    page = client.get("/").content.decode()
    return page[page.index('id="main-nav"') : page.index("</nav>")]


def test_an_official_finds_every_work_page_in_the_work_menu(client):
    nav = _nav(client, factories.official())
    menu = nav[nav.index('data-testid="work-menu"') :]
    for url in (
        "/policies/applications/review/",
        "/policies/questions/",
        "/policies/applications/supervision/",
        "/reports/dashboard/",
        "/admin/",
    ):
        assert f'href="{url}"' in menu, url
    assert 'href="/api/docs/"' in nav


def test_an_enterprise_user_sees_its_own_pages_and_no_work_menu(client):
    nav = _nav(client, factories.enterprise_user(factories.enterprise()))
    assert 'href="/policies/matches/"' in nav and 'href="/policies/applications/"' in nav
    assert 'data-testid="work-menu"' not in nav
    assert 'href="/api/docs/"' not in nav and "/policies/applications/supervision/" not in nav


def test_a_handler_without_official_rights_is_not_offered_supervision(client):
    handler = factories.handler(factories.department("宣城市经济和信息化局", factories.region()))
    assert roles.HANDLER in roles.role_names(handler)
    nav = _nav(client, handler)
    assert "/policies/applications/supervision/" not in nav
