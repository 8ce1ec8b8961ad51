"""Lists on a phone and in 长辈版: every list table becomes a card list under 576 px (and in
长辈版 at any width) — no sideways scrolling, each cell named by its column, the record's link
heading the card and tall enough for a finger — while a desktop keeps its table."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from complaints import services as case_services
from complaints.models import ProblemCategory, Tier
from policies.applications import services as application_services
from policies.models import Policy, PolicyCategory
from portal.models import Region
from tests import factories
from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}

# The first row of the page's list table, cell by cell, as the reader sees it: the column's
# heading, the name shown before the cell (its ::before content), where the cell is drawn.
FIRST_ROW = """table => {
    const headings = Array.from(table.tHead.rows[0].cells).map(cell => cell.textContent.trim());
    const row = table.tBodies[0].rows[0];
    return {
        headerHeight: table.tHead.getBoundingClientRect().height,
        cells: Array.from(row.cells).map((cell, index) => {
            const rect = cell.getBoundingClientRect();
            const link = cell.querySelector('a');
            return {
                heading: headings[index],
                label: getComputedStyle(cell, '::before').content,
                display: getComputedStyle(cell).display,
                shown: rect.height > 0,
                isTitle: cell.classList.contains('table-cards-title'),
                top: rect.top,
                right: rect.right,
                linkHeight: link ? link.getBoundingClientRect().height : null,
            };
        }),
    };
}"""


@pytest.fixture
def lists():
    """One case assigned to a department and one submitted policy application, each on the
    lists of the enterprise that filed it, the department's handler and the office."""
    city = factories.region("341800", "宣城市", Region.Level.CITY)
    department = factories.department("宣城市发展和改革委员会", city)
    official = factories.official(username="dispatcher")
    factories.handler(department, username="handler")
    enterprise = factories.enterprise(name="宣城卡片列表示范科技有限公司", region=city)
    member = factories.enterprise_user(enterprise, username="owner", full_name="钱老板")
    case = case_services.case_file(
        actor=member,
        channel="web",
        title="厂房扩建用地规划调整迟迟没有答复",
        description="规划调整申请提交两个月未见答复。",
        category=ProblemCategory.objects.get(name="审批服务"),
        enterprise=enterprise,
        complainant_name="钱老板",
        complainant_phone="13912345678",
    )
    case = case_services.case_accept(case=case, actor=official)
    case_services.case_assign(case=case, actor=official, lead_department=department, tier=Tier.ORDINARY)

    today = timezone.localdate()
    policy = Policy.objects.create(
        title="中小企业数字化转型改造专项奖补",
        issuer=department,
        level="municipal",
        region=city,
        category=PolicyCategory.objects.get(name="资金奖补"),
        summary="对数字化改造投入给予奖补",
        support_type="cash",
        application_method="online",
        amount_rule="fixed",
        amount_fixed=Decimal("200000"),
        amount_cap=Decimal("200000"),
        application_opens=today - dt.timedelta(days=1),
        application_closes=today + dt.timedelta(days=30),
        state=Policy.State.PUBLISHED,
    )
    policy.regions.set([city])
    application = application_services.application_start(policy=policy, enterprise=enterprise, actor=member)
    application_services.application_submit(application=application, actor=member, confirmed=True)
    return {"case": case.number, "policy": policy.title}


def first_row(page) -> dict:
    return page.locator("main table.table-cards").first.evaluate(FIRST_ROW)


def assert_fits_the_screen(page):
    width = page.evaluate("window.innerWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{page.url} scrolls sideways"


def assert_cards(row: dict, width: int):
    """The row reads as a card: headings out of sight, every cell on its own line named by its
    column, the title cell on top with a finger-sized link, nothing beyond the screen's edge."""
    assert row["headerHeight"] <= 1
    shown = [cell for cell in row["cells"] if cell["shown"]]
    title = next(cell for cell in shown if cell["isTitle"])
    for cell in shown:
        assert cell["display"] != "table-cell", cell
        assert cell["right"] <= width, cell
        if cell is not title and cell["heading"]:
            assert cell["label"] == f'"{cell["heading"]}"', cell
    assert title["top"] < min(cell["top"] for cell in shown if cell is not title)
    assert title["linkHeight"] >= 44
    # The columns a narrow table hid are all on the card.
    assert len(shown) == len([cell for cell in row["cells"] if cell["heading"]])


@pytest.mark.parametrize(
    "username, path, record",
    [
        ("owner", "/cases/", "case"),
        ("handler", "/cases/", "case"),
        ("dispatcher", "/policies/applications/review/", "policy"),
        ("owner", "/policies/applications/", "policy"),
    ],
    ids=["enterprise-cases", "handler-workbench", "official-review", "enterprise-applications"],
)
def test_a_list_is_a_card_list_on_a_phone_and_a_table_on_a_desktop(journey, lists, username, path, record):
    page = journey.log_in(username, viewport=PHONE)
    page.goto(path)
    row = page.get_by_role("row").filter(has_text=lists[record])
    expect(row).to_be_visible()

    assert_fits_the_screen(page)
    assert_cards(first_row(page), PHONE["width"])
    # Still a table to assistive technology: the headings are there, only out of sight.
    expect(page.get_by_role("columnheader").first).to_be_attached()
    assert_accessible(page)
    journey.shot(page, "phone")

    page.set_viewport_size(DESKTOP)
    desktop = first_row(page)
    assert desktop["headerHeight"] > 1
    assert {cell["display"] for cell in desktop["cells"] if cell["shown"]} == {"table-cell"}
    assert {cell["label"] for cell in desktop["cells"]} == {"none"}
    tops = {round(cell["top"]) for cell in desktop["cells"] if cell["shown"]}
    assert len(tops) == 1, "a desktop row is one line of cells"
    journey.shot(page, "desktop")


def test_large_text_mode_shows_cards_on_a_wide_screen_too(journey, lists):
    page = journey.log_in("handler", viewport=DESKTOP)
    page.goto("/cases/")
    assert first_row(page)["headerHeight"] > 1

    page.get_by_role("button", name="长辈版").click()
    expect(page.locator("html")).to_have_class(re.compile(r"\blarge-text\b"))
    expect(page.get_by_role("row").filter(has_text=lists["case"])).to_be_visible()
    assert_fits_the_screen(page)
    assert_cards(first_row(page), DESKTOP["width"])
    assert_accessible(page)
    journey.shot(page, "large-text-desktop")
