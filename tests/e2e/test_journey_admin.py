"""Journey 6: an official filters the cases, exports what is shown to Excel, and in the
admin generates the next months' sessions of a roundtable series."""

import datetime as dt
import re

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from complaints import services
from complaints.models import Case, ProblemCategory, Tier
from portal.models import Region
from roundtables.models import Series, Session
from tests import factories
from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_official_filters_cases_exports_excel_and_generates_sessions(journey, cluster, tmp_path):
    city = factories.region("341800", "宣城市", Region.Level.CITY)
    planning = factories.department("宣城市自然资源和规划局", city)
    development = factories.department("宣城市发展和改革委员会", city)
    official = factories.official(username="clerk", full_name="周科员")
    category = ProblemCategory.objects.get(name="审批服务")
    numbers = {}
    for title, department in [
        ("用地规划许可迟迟不批", planning),
        ("规划条件变更无人答复", planning),
        ("项目备案系统无法提交", development),
    ]:
        case = services.case_file(
            actor=official,
            channel="hotline",
            title=title,
            description=title + "，请尽快协调。",
            category=category,
            complainant_name="陈先生",
            complainant_phone="13800001111",
        )
        case = services.case_accept(case=case, actor=official)
        services.case_assign(case=case, actor=official, lead_department=department, tier=Tier.ORDINARY)
        numbers[title] = case.number
    # One case is past its stage deadline: red, and the flag says 超期 in words too.
    Case.objects.filter(number=numbers["用地规划许可迟迟不批"]).update(
        stage_due_at=timezone.now() - dt.timedelta(hours=2)
    )
    Series.objects.create(name="宣城市政商恳谈会", region=city, rrule="FREQ=MONTHLY;BYDAY=1SA", default_capacity=30)

    page = journey.log_in("clerk")
    page.get_by_role("link", name="诉求件").click()
    page.get_by_text("筛选", exact=True).first.click()
    page.get_by_label("承办单位").select_option(label="宣城市自然资源和规划局")
    assert_accessible(page)
    page.get_by_role("button", name="筛选").click()
    table = page.get_by_role("table")
    expect(table).to_contain_text(numbers["用地规划许可迟迟不批"])
    expect(table).to_contain_text(numbers["规划条件变更无人答复"])
    expect(table).not_to_contain_text(numbers["项目备案系统无法提交"])
    overdue_row = table.get_by_role("row").filter(has_text=numbers["用地规划许可迟迟不批"])
    expect(overdue_row.locator(".badge.text-bg-danger")).to_have_text("超期")
    on_time_row = table.get_by_role("row").filter(has_text=numbers["规划条件变更无人答复"])
    expect(on_time_row.locator(".badge")).to_have_text(re.compile("正常|临期"))
    for badge in table.locator(".badge").all():
        assert badge.inner_text().strip(), "a flag shown by colour alone"
    assert_accessible(page)
    journey.shot(page, "cases-filtered")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="导出Excel").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    cells = {str(cell) for row in openpyxl.load_workbook(saved).active.iter_rows(values_only=True) for cell in row}
    assert numbers["用地规划许可迟迟不批"] in cells
    assert numbers["规划条件变更无人答复"] in cells
    assert numbers["项目备案系统无法提交"] not in cells

    page.goto("/admin/roundtables/series/")
    page.get_by_role("row").filter(has_text="宣城市政商恳谈会").get_by_role("checkbox").check()
    page.get_by_label("动作").select_option(label="生成未来几个月的会议草稿")
    page.get_by_role("button", name="执行").click()
    page.get_by_label("生成未来几个月的会议").fill("3")
    journey.shot(page, "generate-form")
    page.get_by_role("button", name="确定").click()
    expect(page.locator(".messagelist")).to_contain_text("已生成 3 期会议草稿")
    assert Session.objects.filter(series__name="宣城市政商恳谈会", state=Session.State.DRAFT).count() == 3
    expect(page.locator("#result_list tbody tr")).to_have_count(3)
    journey.shot(page, "sessions-generated")
