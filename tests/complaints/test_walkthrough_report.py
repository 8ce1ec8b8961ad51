"""The monthly walkthrough sharing report (换位体验月报): its figures, page and workbook."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
from pathlib import Path
from urllib.parse import unquote

import openpyxl
import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints.models import (
    Case,
    Checklist,
    ChecklistAnswer,
    Finding,
    ProblemCategory,
    StepMaterial,
    Walkthrough,
    WalkthroughStep,
    WalkthroughTheme,
    WalkthroughWalker,
)
from complaints.walkthroughs import reports as reports
from complaints.walkthroughs.reports import Figures
from portal import roles
from tests import factories

pytestmark = pytest.mark.django_db

NOVEMBER = dt.date(2026, 11, 1)
URL = "/walkthroughs/report/monthly/"
EXPORT_URL = "/walkthroughs/report/monthly.xlsx"
_numbers = itertools.count(1)


# --- Building data straight with the ORM -------------------------------------------


def walk(officer, walked_on, *, status="submitted", theme=None, department=None, outcome="done", **fields):
    fields.setdefault("service_item", f"事项{next(_numbers)}")
    return Walkthrough.objects.create(
        officer=officer,
        status=status,
        walked_on=walked_on,
        theme=theme or WalkthroughTheme.objects.order_by("sort_order").first(),
        department=department,
        outcome=outcome,
        checklist=Checklist.current(),
        **fields,
    )


def step(walkthrough, action, waited, *materials):
    """A step; ``materials`` are (name, is_necessary) pairs."""
    order = walkthrough.steps.count() + 1
    made = WalkthroughStep.objects.create(walkthrough=walkthrough, order=order, action=action, minutes_waited=waited)
    for name, necessary in materials:
        StepMaterial.objects.create(step=made, name=name, is_necessary=necessary)
    return made


def find(walkthrough, case_status=None, *, fixed_on_spot=False):
    """A finding; promoted to a case in ``case_status`` when one is given."""
    finding = Finding.objects.create(
        walkthrough=walkthrough,
        description=f"问题{next(_numbers)}",
        cause="窗口未更新告知单",
        fixed_on_spot=fixed_on_spot,
    )
    if case_status:
        n = next(_numbers)
        finding.case = Case.objects.create(
            number=f"SQ2026-{n:06d}",
            lookup_code=f"X{n}",
            channel="walkthrough",
            title=f"走流程发现的问题{n}",
            description="说明",
            category=ProblemCategory.objects.first(),
            complainant_name="体验官",
            status=case_status,
        )
        finding.save(update_fields=["case"])
    return finding


def walker(walkthrough, name, *, role="applicant", is_leader=False):
    return WalkthroughWalker.objects.create(
        walkthrough=walkthrough, name=name, unit=f"{name}单位", role=role, is_leader=is_leader
    )


def answer(walkthrough, order, value):
    question = walkthrough.checklist.questions.get(order=order)
    return ChecklistAnswer.objects.create(walkthrough=walkthrough, question=question, answer=value)


@pytest.fixture
def themes():
    return list(WalkthroughTheme.objects.order_by("sort_order", "name"))


@pytest.fixture
def november(themes):
    """Three counted walkthroughs in November 2026 by two officers, plus a draft in
    November and submitted ones in October and December (which only the cumulative
    figures count)."""
    first, second = themes[0], themes[1]
    a, b = factories.department("甲局"), factories.department("乙局")
    o1, o2, o3 = (factories.user(roles.EXPERIENCE_OFFICER) for _ in range(3))

    w1 = walk(o1, dt.date(2026, 11, 3), theme=first, department=a, service_item="企业开办")
    step(w1, "取号", 45, ("身份证复印件", False), ("营业执照", True))
    step(w1, "窗口受理", 10, ("身份证复印件", False), ("租赁合同", False))
    find(w1, "closed")
    find(w1)
    answer(w1, 1, "no")  # 是否一次告知所需材料: "否" is the problem
    answer(w1, 2, "yes")  # 是否存在要求重复提交材料: "是" is the problem
    answer(w1, 8, "no")

    w2 = walk(
        o1,
        dt.date(2026, 11, 15),
        status="reviewed",
        theme=first,
        department=b,
        outcome="not_done",
        service_item="不动产登记",
    )
    step(w2, "补交材料", 90, ("身份证复印件", False), (" 户口本 ", False))
    find(w2, "resolved")
    find(w2, "assigned")
    find(w2)
    answer(w2, 1, "no")
    answer(w2, 2, "no")
    answer(w2, 8, "na")

    w3 = walk(o2, dt.date(2026, 11, 30), theme=second, outcome="not_done", service_item="社保登记")
    step(w3, "等候叫号", 90, ("户口本", False))
    step(w3, "自助终端", 0)
    step(w3, "网上预审", None)
    answer(w3, 1, "yes")
    answer(w3, 8, "yes")  # 是否需要跑多个窗口: "是" is the problem

    # Left out of November: a draft, the last day of October, the first of December.
    draft = walk(o3, dt.date(2026, 11, 10), status="draft", department=a, outcome="not_done")
    step(draft, "草稿环节", 999, ("身份证复印件", False))
    find(draft, "closed")
    answer(draft, 1, "no")
    october = walk(o3, dt.date(2026, 10, 31), theme=second, department=a, outcome="not_done")
    step(october, "上月环节", 500, ("营业执照副本", False))
    find(october, "closed")
    december = walk(o3, dt.date(2026, 12, 1), department=b)
    find(december)

    return {"w1": w1, "w2": w2, "w3": w3, "draft": draft, "departments": (a, b)}


@pytest.fixture
def official_client(client):
    client.force_login(factories.official())
    return client


# --- The figures -----------------------------------------------------------------


def test_month_and_cumulative_figures(november):
    report = reports.monthly_report(NOVEMBER)
    assert report.month == NOVEMBER
    assert report.end == dt.date(2026, 12, 1)
    # w1, w2, w3 by two officers; findings f1–f5, of which 3 promoted and 2 of
    # those resolved or closed; w2 and w3 were 办不成.
    assert report.figures == Figures(walkthroughs=3, participants=2, found=5, promoted=3, solved=2, not_done=2)
    # Plus October's and December's walkthroughs (never the draft).
    assert report.cumulative == Figures(walkthroughs=5, participants=3, found=7, promoted=4, solved=3, not_done=3)


def test_fixed_on_the_spot_counts_as_solved_and_walkers_are_counted(themes):
    """局长带头 with a colleague at the window, a project carried across departments, and
    findings fixed on the spot: those count as solved (问题整改) without becoming cases."""
    officer, other = factories.user(roles.EXPERIENCE_OFFICER), factories.user(roles.EXPERIENCE_OFFICER)
    led = walk(officer, dt.date(2026, 11, 5), form="director")
    walker(led, "周局长", is_leader=True)
    walker(led, "陈科长", role="window")
    find(led, fixed_on_spot=True)
    find(led, fixed_on_spot=True)
    find(led, "closed")
    find(led)
    crossed = walk(other, dt.date(2026, 11, 6), project="新材料项目拿地即开工")
    crossed.departments.set([factories.department(), factories.department(), factories.department()])
    walker(crossed, "吴局长", is_leader=True)
    walker(crossed, "孙局长")
    walker(crossed, "刘副主任", role="accompanying")
    find(crossed, "assigned")
    find(crossed, fixed_on_spot=True)
    plain = walk(officer, dt.date(2026, 11, 7))
    find(plain)
    # A draft's walkers and fixes count for nothing.
    draft = walk(other, dt.date(2026, 11, 8), status="draft", project="草稿项目")
    walker(draft, "草稿局长", is_leader=True)
    find(draft, fixed_on_spot=True)

    report = reports.monthly_report(NOVEMBER)
    assert report.figures == Figures(
        walkthroughs=3,
        participants=2,
        walkers=5,
        led=2,
        cross=1,
        found=7,
        fixed_on_spot=3,
        promoted=2,
        solved=4,  # three fixed on the spot and one closed case
        not_done=0,
    )
    by_theme = {row.name: row.figures for row in report.by_theme}
    theme = themes[0].display_name
    assert (by_theme[theme].walkers, by_theme[theme].led, by_theme[theme].fixed_on_spot) == (5, 2, 3)


def test_the_page_and_workbook_show_fixes_and_walkers(official_client, themes):
    officer = factories.user(roles.EXPERIENCE_OFFICER)
    led = walk(officer, dt.date(2026, 11, 5))
    walker(led, "周局长", is_leader=True)
    find(led, fixed_on_spot=True)
    find(led)
    page = official_client.get(URL, {"month": "2026-11"}).content.decode()
    assert "本月开展换位体验 1 人次，发现问题 2 个，当场整改 1 个，转为诉求件 0 个，已解决 1 个" in page
    assert "其中领导带队 1 次，同行人员 1 人次，带项目交叉走 0 次" in page
    summary = dict(
        (row[0], row[1:]) for row in _rows(_workbook(official_client.get(EXPORT_URL, {"month": "2026-11"}))["总体情况"])
    )
    assert summary["当场整改"] == (1, 1)
    assert summary["已解决"] == (1, 1)
    assert summary["领导带队"] == (1, 1)


def test_figures_by_theme(november, themes):
    rows = reports.monthly_report(NOVEMBER).by_theme
    # Every active theme, in its order, zeros included; no "unfilled" row.
    assert [row.name for row in rows] == [theme.name for theme in themes if theme.is_active]
    assert rows[0].figures == Figures(walkthroughs=2, participants=1, found=5, promoted=3, solved=2, not_done=1)
    assert rows[1].figures == Figures(walkthroughs=1, participants=1, found=0, promoted=0, solved=0, not_done=1)
    assert all(row.figures == Figures() for row in rows[2:])


def test_retired_themes_with_walkthroughs_and_unfilled_themes_are_listed(themes):
    officer = factories.user(roles.EXPERIENCE_OFFICER)
    retired = WalkthroughTheme.objects.create(name="已停用主题", sort_order=99, is_active=False)
    WalkthroughTheme.objects.create(name="停用且无记录", sort_order=100, is_active=False)
    walk(officer, dt.date(2026, 11, 2), theme=retired)
    no_theme = walk(officer, dt.date(2026, 11, 2))
    Walkthrough.objects.filter(pk=no_theme.pk).update(theme=None)

    rows = reports.monthly_report(NOVEMBER).by_theme
    names = [row.name for row in rows]
    assert names[-2:] == ["已停用主题", "未填写"]
    assert "停用且无记录" not in names
    assert rows[-1].is_unfilled
    assert rows[-1].figures.walkthroughs == rows[-2].figures.walkthroughs == 1


def test_figures_by_department(november):
    rows = reports.monthly_report(NOVEMBER).by_department
    # Most walked first, then most problems found; walkthroughs without a department last.
    assert [(row.name, row.figures) for row in rows] == [
        ("乙局", Figures(walkthroughs=1, participants=1, found=3, promoted=2, solved=1, not_done=1)),
        ("甲局", Figures(walkthroughs=1, participants=1, found=2, promoted=1, solved=1, not_done=0)),
        ("未填写", Figures(walkthroughs=1, participants=1, found=0, promoted=0, solved=0, not_done=1)),
    ]
    assert rows[-1].is_unfilled


def test_longest_waits(november):
    waits = reports.monthly_report(NOVEMBER).longest_waits
    # Ties by date; steps of none or unknown minutes, the draft's and October's are left out.
    assert [(wait.action, wait.minutes) for wait in waits] == [
        ("补交材料", 90),
        ("等候叫号", 90),
        ("取号", 45),
        ("窗口受理", 10),
    ]
    first = waits[0]
    assert first.service_item == "不动产登记"
    assert first.department == "乙局"
    assert first.walked_on == dt.date(2026, 11, 15)
    assert first.url == f"/walkthroughs/{november['w2'].pk}/"
    assert waits[1].department == ""


def test_longest_waits_keep_the_top_ten():
    officer = factories.user(roles.EXPERIENCE_OFFICER)
    walkthrough = walk(officer, dt.date(2026, 11, 5))
    for minutes in range(1, 13):
        step(walkthrough, f"环节{minutes}", minutes)
    waits = reports.monthly_report(NOVEMBER).longest_waits
    assert [wait.minutes for wait in waits] == list(range(12, 2, -1))


def test_unnecessary_materials(november):
    materials = reports.monthly_report(NOVEMBER).unnecessary_materials
    # 身份证复印件 three times (not the draft's), " 户口本 " and 户口本 counted together,
    # the necessary 营业执照 and October's 营业执照副本 left out.
    assert [(material.name, material.count) for material in materials] == [
        ("身份证复印件", 3),
        ("户口本", 2),
        ("租赁合同", 1),
    ]


def test_checklist_items_answered_with_their_problem_answer(november):
    items = reports.monthly_report(NOVEMBER).checklist_problems
    assert items[0].question == "是否一次告知所需材料"
    assert (items[0].problems, items[0].answered, str(items[0].problem_answer_label)) == (2, 3, "否")
    rest = {item.question: (item.problems, item.answered, str(item.problem_answer_label)) for item in items[1:]}
    assert rest == {
        "是否存在要求重复提交材料": (1, 2, "是"),
        "是否需要跑多个窗口": (1, 2, "是"),  # w2's 不适用 is not an answer
    }


def test_an_empty_month():
    report = reports.monthly_report(NOVEMBER)
    assert report.figures == report.cumulative == Figures()
    assert report.by_department == report.longest_waits == report.unnecessary_materials == []
    assert report.checklist_problems == []


@pytest.mark.parametrize(
    ("value", "expected", "understood"),
    [
        ("2026-11", dt.date(2026, 11, 1), True),
        (" 2026-01 ", dt.date(2026, 1, 1), True),
        (None, dt.date(2026, 5, 1), True),
        ("", dt.date(2026, 5, 1), True),
        ("2026-13", dt.date(2026, 5, 1), False),
        ("2026-00", dt.date(2026, 5, 1), False),
        ("0000-01", dt.date(2026, 5, 1), False),
        ("9999-12", dt.date(2026, 5, 1), False),
        ("2026-11-01", dt.date(2026, 5, 1), False),
        ("2026-1", dt.date(2026, 5, 1), False),
        ("十一月", dt.date(2026, 5, 1), False),
        ("2026-1１", dt.date(2026, 5, 1), False),
    ],
)
def test_parse_month(value, expected, understood):
    assert reports.parse_month(value, today=dt.date(2026, 5, 20)) == (expected, understood)


# --- The page --------------------------------------------------------------------


def test_the_page_shows_the_month(official_client, november):
    response = official_client.get(URL, {"month": "2026-11"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "2026年11月换位体验月报" in page
    assert "本月开展换位体验 3 人次，发现问题 5 个，当场整改 0 个，转为诉求件 3 个，已解决 2 个" in page
    assert "其中领导带队 0 次，同行人员 0 人次，带项目交叉走 0 次" in page
    assert "累计开展换位体验 5 人次，发现问题 7 个，已解决 3 个" in page

    department = page[page.index('data-testid="by-department"') : page.index('data-testid="longest-waits"')]
    assert department.index("乙局") < department.index("甲局") < department.index("未填写")
    waits = page[page.index('data-testid="longest-waits"') : page.index('data-testid="unnecessary-materials"')]
    assert waits.index(f'href="/walkthroughs/{november["w2"].pk}/"') < waits.index(
        f'href="/walkthroughs/{november["w3"].pk}/"'
    )
    assert f'href="/walkthroughs/{november["draft"].pk}/"' not in page
    materials = page[page.index('data-testid="unnecessary-materials"') :]
    assert re.search(r"身份证复印件</th><td[^>]*>3</td>", materials)
    assert "是否一次告知所需材料" in page

    # Every table says what it is.
    assert page.count("<table") == page.count("<caption>") == 6
    # Printable: a button and a print stylesheet hiding the navigation and footer.
    assert "data-print" in page
    assert "/static/complaints/walkthrough-report-print.css" in page
    stylesheet = Path(finders.find("complaints/walkthrough-report-print.css")).read_text()
    assert re.search(r"@media print \{\s*header, footer", stylesheet)
    assert re.search(r"<script>\S", page) is None
    assert f'href="{EXPORT_URL}?month=2026-11"' in page
    # Links to the neighbouring months.
    assert 'href="?month=2026-10"' in page


def test_the_page_defaults_to_this_month_in_shanghai(official_client):
    officer = factories.user(roles.EXPERIENCE_OFFICER)
    walk(officer, timezone.localdate())
    response = official_client.get(URL)
    assert response.status_code == 200
    assert response.context["report"].month == timezone.localdate().replace(day=1)
    assert response.context["report"].figures.walkthroughs == 1
    assert "本月开展换位体验 1 人次" in response.content.decode()
    assert "无法识别所选月份" not in response.content.decode()


@pytest.mark.parametrize("value", ["2026-13", "abc", "0000-01", "2026-11-01", "9999-12", "2026-1"])
def test_a_bad_month_shows_this_month_with_a_message(official_client, value):
    response = official_client.get(URL, {"month": value})
    assert response.status_code == 200
    assert response.context["report"].month == timezone.localdate().replace(day=1)
    assert "无法识别所选月份" in response.content.decode()


def test_user_text_is_escaped(official_client):
    officer = factories.user(roles.EXPERIENCE_OFFICER)
    walkthrough = walk(officer, dt.date(2026, 11, 2), service_item="<script>alert(1)</script>事项")
    step(walkthrough, "<b>取号</b>", 30, ("<i>材料</i>", False))
    page = official_client.get(URL, {"month": "2026-11"}).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;事项" in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;b&gt;取号&lt;/b&gt;" in page
    assert "&lt;i&gt;材料&lt;/i&gt;" in page


def test_the_walkthrough_list_links_to_the_report(official_client):
    page = official_client.get("/walkthroughs/").content.decode()
    assert f'href="{URL}"' in page


# --- Who may see it --------------------------------------------------------------


@pytest.mark.parametrize("url", [URL, EXPORT_URL])
def test_anonymous_users_are_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("url", [URL, EXPORT_URL])
def test_experience_officers_and_handlers_are_refused(client, url):
    client.force_login(factories.user(roles.EXPERIENCE_OFFICER))
    assert client.get(url).status_code == 403
    client.force_login(factories.handler())
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", [URL, EXPORT_URL])
def test_chief_problem_officers_may_see_it(client, url):
    client.force_login(factories.user(roles.CHIEF_PROBLEM_OFFICER))
    assert client.get(url).status_code == 200


def test_only_get(official_client):
    assert official_client.post(URL).status_code == 405
    assert official_client.post(EXPORT_URL).status_code == 405


# --- The workbook ----------------------------------------------------------------


def _workbook(response):
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def _rows(sheet):
    return list(sheet.iter_rows(values_only=True))


def test_the_workbook(official_client, november):
    response = official_client.get(EXPORT_URL, {"month": "2026-11"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = unquote(response["Content-Disposition"])
    assert disposition.startswith("attachment;")
    assert "换位体验月报-2026-11.xlsx" in disposition

    workbook = _workbook(response)
    assert workbook.sheetnames == [
        "总体情况",
        "按体验主题",
        "按办理部门",
        "等候最久的环节",
        "不必要的材料",
        "检查项问题",
    ]
    figure_headers = (
        "体验人次",
        "参与人数",
        "同行人员",
        "领导带队",
        "带项目交叉走",
        "发现问题",
        "当场整改",
        "转为诉求件",
        "已解决",
        "办不成",
    )

    assert _rows(workbook["总体情况"]) == [
        ("指标", "本月", "累计"),
        ("体验人次", 3, 5),
        ("参与人数", 2, 3),
        ("同行人员", 0, 0),
        ("领导带队", 0, 0),
        ("带项目交叉走", 0, 0),
        ("发现问题", 5, 7),
        ("当场整改", 0, 0),
        ("转为诉求件", 3, 4),
        ("已解决", 2, 3),
        ("办不成", 2, 3),
    ]
    themes = _rows(workbook["按体验主题"])
    assert themes[0] == ("体验主题", *figure_headers)
    assert themes[1][1:] == (2, 1, 0, 0, 0, 5, 0, 3, 2, 1)
    assert themes[2][1:] == (1, 1, 0, 0, 0, 0, 0, 0, 0, 1)
    assert len(themes) == 1 + WalkthroughTheme.objects.filter(is_active=True).count()

    assert _rows(workbook["按办理部门"]) == [
        ("办理部门", *figure_headers),
        ("乙局", 1, 1, 0, 0, 0, 3, 0, 2, 1, 1),
        ("甲局", 1, 1, 0, 0, 0, 2, 0, 1, 1, 0),
        ("未填写", 1, 1, 0, 0, 0, 0, 0, 0, 0, 1),
    ]

    waits = _rows(workbook["等候最久的环节"])
    assert waits[0] == ("体验日期", "办理事项", "办理部门", "办理环节", "等候（分钟）", "体验记录")
    assert waits[1][:5] == (dt.datetime(2026, 11, 15), "不动产登记", "乙局", "补交材料", 90)
    assert waits[1][5].endswith(f"/walkthroughs/{november['w2'].pk}/")
    assert waits[1][5].startswith("http")
    assert [row[4] for row in waits[1:]] == [90, 90, 45, 10]

    assert _rows(workbook["不必要的材料"]) == [
        ("材料名称", "索要次数"),
        ("身份证复印件", 3),
        ("户口本", 2),
        ("租赁合同", 1),
    ]
    checklist = _rows(workbook["检查项问题"])
    assert checklist[0] == ("检查项", "提示问题的回答", "提示问题次数", "作答次数")
    assert checklist[1] == ("是否一次告知所需材料", "否", 2, 3)
    assert len(checklist) == 4


def test_the_workbook_keeps_formulas_as_text(official_client):
    officer = factories.user(roles.EXPERIENCE_OFFICER)
    walkthrough = walk(officer, dt.date(2026, 11, 2), service_item='=HYPERLINK("http://evil.example")')
    step(walkthrough, "=1+1", 30, ("=2+2", False))
    workbook = _workbook(official_client.get(EXPORT_URL, {"month": "2026-11"}))
    wait = workbook["等候最久的环节"]
    assert wait["B2"].value == '=HYPERLINK("http://evil.example")'
    assert wait["B2"].data_type == "s"
    assert wait["D2"].data_type == "s"
    assert workbook["不必要的材料"]["A2"].data_type == "s"


def test_the_workbook_of_a_bad_month_is_this_months(official_client):
    response = official_client.get(EXPORT_URL, {"month": "2026-99"})
    assert response.status_code == 200
    assert f"换位体验月报-{timezone.localdate():%Y-%m}.xlsx" in unquote(response["Content-Disposition"])


# --- Cost ------------------------------------------------------------------------


def _fill(count: int) -> None:
    """Walkthroughs in November 2026 with steps, materials, answers and findings,
    spread over departments, themes and officers."""
    themes = list(WalkthroughTheme.objects.all())
    for i in range(count):
        walkthrough = walk(
            factories.user(roles.EXPERIENCE_OFFICER),
            dt.date(2026, 11, 1 + i % 28),
            theme=themes[i % len(themes)],
            department=factories.department() if i % 3 else None,
            outcome="not_done" if i % 2 else "done",
        )
        step(walkthrough, "取号", 10 + i, (f"材料{i % 4}", False), ("营业执照", True))
        step(walkthrough, "受理", 5 + i, (f"材料{i % 5}", False))
        answer(walkthrough, 1, "no" if i % 2 else "yes")
        answer(walkthrough, 2, "yes")
        find(walkthrough, "closed" if i % 2 else "assigned")
        find(walkthrough)
        find(walkthrough, fixed_on_spot=True)
        walker(walkthrough, "局长", is_leader=bool(i % 2))
        walker(walkthrough, "科长", role="window")


@pytest.mark.parametrize("url", [URL, EXPORT_URL])
def test_a_constant_number_of_queries(official_client, django_assert_num_queries, url):
    _fill(2)
    with CaptureQueriesContext(connection) as small:
        assert official_client.get(url, {"month": "2026-11"}).status_code == 200
    _fill(10)
    with django_assert_num_queries(len(small.captured_queries)):
        response = official_client.get(url, {"month": "2026-11"})
    assert response.status_code == 200
    assert reports.monthly_report(NOVEMBER).figures.walkthroughs == 12


def test_the_report_itself_runs_seven_queries(django_assert_num_queries):
    _fill(3)
    with django_assert_num_queries(7):
        reports.monthly_report(NOVEMBER)
