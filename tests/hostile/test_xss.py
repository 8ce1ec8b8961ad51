"""Free text carrying script payloads is stored as written and shown escaped on every
page that shows it.

The payloads go in through the surface each text has (the intake page, the handler's
API actions, the ask page, the appeals API, the walkthrough API, the service an admin
form calls for officials' texts), then every page that shows the text is fetched by
someone allowed to see it. A page passes when the escaped payload is there (so the
text really is shown) and no raw tag or event handler of a payload is.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from complaints import services as case_services
from complaints.models import ProblemCategory
from policies import services as policy_services
from roundtables.models import Session

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
LONG = f"{IMG}{SCRIPT}{{{{7*7}}}}javascript:alert(1)"
SHORT = "<img src=x onerror=alert(1)>"  # fits a 50-character name


def tagged(field: str) -> str:
    """The long payload marked with the field it goes into, so each field's display is checked."""
    return f"{LONG}#{field}"


# What must never reach a page as markup.
RAW_MARKERS = ["<script>alert(1)", "<img src=x onerror", "onerror=alert(1)>"]


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _assert_escaped(client: Client, url: str, payload: str, field: str):
    response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    page = response.content.decode()
    for marker in RAW_MARKERS:
        assert marker not in page, f"{field}: raw {marker!r} on {url}"
    assert escape(payload) in page, f"{field} is not shown on {url}, so the test proves nothing there"


def test_case_texts_are_escaped_on_every_page_that_shows_them(world):
    # The public files a case through the intake page.
    _client().post(
        "/cases/new/",
        {
            "title": tagged("title"),
            "description": tagged("description") + "\n第二行",
            "category": ProblemCategory.objects.get(name="审批服务").pk,
            "complainant_name": SHORT,
            "complainant_phone": "13800001111",
            "idempotency_key": "xss-1",
            "privacy_consent": "on",
        },
    )
    from complaints.models import Case

    case = Case.objects.get(idempotency_key="xss-1")
    case = case_services.case_accept(case=case, actor=world.official)
    case = case_services.case_assign(case=case, actor=world.official, lead_department=world.x, tier="ordinary")
    # The handler works it through the API, every text a payload.
    handler = _client(world.handler_x)
    api = f"/api/v1/cases/{case.number}/"
    tomorrow = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    measures = {
        "tasks": [
            {
                "task": tagged("task"),
                "measure": tagged("measure"),
                "deadline": tomorrow,
                "department": world.x.pk,
                "responsible_person": SHORT,
            }
        ],
        "note": tagged("note"),
    }
    assert handler.post(f"{api}set-measures/", measures, content_type="application/json").status_code == 200
    assert (
        handler.post(f"{api}feedback/", {"feedback": tagged("feedback")}, content_type="application/json").status_code
        == 200
    )
    assert (
        handler.post(
            f"{api}resolve/",
            {"resolution": tagged("resolution"), "open_tasks_reason": tagged("open_tasks_reason")},
            content_type="application/json",
        ).status_code
        == 200
    )

    detail = f"/cases/{case.number}/"
    official, handler_page = _client(world.official), _client(world.handler_x)
    for field in ["title", "description", "task", "measure", "note", "feedback", "resolution"]:
        _assert_escaped(official, detail, tagged(field), f"case {field}")
        _assert_escaped(handler_page, detail, tagged(field), f"case {field}")
    _assert_escaped(official, detail, SHORT, "complainant_name")
    _assert_escaped(official, "/cases/?status=resolved", tagged("title"), "case title in the list")
    _assert_escaped(handler_page, "/cases/?status=resolved", tagged("title"), "case title in the workbench")
    _assert_escaped(official, f"/admin/complaints/case/{case.pk}/change/", tagged("title"), "case title in the admin")


def test_policy_texts_questions_and_answers_are_escaped(world):
    policy = world.policy
    # Officials' texts, as the admin form saves them.
    policy.title = tagged("policy-title")
    policy.summary = tagged("summary")
    policy.interpretation = tagged("interpretation")
    policy.full_text = tagged("full_text")
    policy_services.policy_save_edit(policy=policy, actor=world.official, reason="更新政策内容")
    member = _client(world.member_a)
    assert member.post(f"/policies/{policy.pk}/ask/", {"question": tagged("question")}).status_code == 302
    question = policy.questions.get()
    policy_services.question_answer(question=question, actor=world.handler_x, answer=tagged("answer"))

    anonymous = _client()
    for field in ["policy-title", "summary", "question", "answer"]:
        _assert_escaped(anonymous, f"/policies/{policy.pk}/", tagged(field), f"policy {field}")
    # The two rich-text fields are sanitised rather than escaped: the markup is gone, the words stay.
    page = anonymous.get(f"/policies/{policy.pk}/").content.decode()
    assert "{{7*7}}javascript:alert(1)#interpretation" in page and "{{7*7}}javascript:alert(1)#full_text" in page
    _assert_escaped(anonymous, "/policies/", tagged("policy-title"), "policy title in the catalogue")
    _assert_escaped(member, "/policies/matches/", tagged("policy-title"), "policy title in matches")
    application = f"/policies/applications/{world.application.pk}/"
    _assert_escaped(member, application, tagged("policy-title"), "policy title on an application")


def test_roundtable_texts_and_appeals_are_escaped(world):
    session = world.session
    Session.objects.filter(pk=session.pk).update(theme=LONG, description=LONG, chairs=LONG, venue=LONG)
    member = _client(world.member_a)
    response = member.post(
        f"/api/v1/roundtables/{session.pk}/appeals/",
        {"enterprise": world.enterprise_a.pk, "title": LONG, "description": LONG},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content

    official = _client(world.official)
    _assert_escaped(_client(), f"/roundtables/{session.pk}/", LONG, "session texts")
    _assert_escaped(_client(), "/roundtables/", LONG, "session theme in the list")
    _assert_escaped(official, f"/roundtables/{session.pk}/appeals/", LONG, "appeal title and description")
    _assert_escaped(official, f"/roundtables/{session.pk}/sign-in-sheet/", LONG, "session theme on the sheet")


def test_walkthrough_texts_are_escaped(world):
    officer = _client(world.officer)
    walkthrough = world.walkthrough
    body = officer.get(f"/api/v1/walkthroughs/{walkthrough.pk}/").json()
    body.update({"service_item": LONG[:100], "venue": LONG[:100], "summary": LONG})
    body["findings"] = [{"id": world.finding.pk, "description": LONG, "severity": "low"}]
    response = officer.put(f"/api/v1/walkthroughs/{walkthrough.pk}/", body, content_type="application/json")
    assert response.status_code == 200, response.content
    _assert_escaped(officer, f"/walkthroughs/{walkthrough.pk}/", LONG, "finding description and summary")
    _assert_escaped(officer, f"/walkthroughs/{walkthrough.pk}/", LONG[:100], "service item and venue")
    _assert_escaped(officer, "/walkthroughs/", LONG[:100], "service item in the list")


RICH = """<h2>第一章 总则</h2>
<p onclick="alert(1)">对<strong>技术改造</strong>项目给予奖补。</p>
<ol><li>固定资产投资不低于 500 万元；</li><li>纳税信用 A 级。</li></ol>
<table><tr><th scope="col">投资额</th><th>奖补比例</th></tr><tr><td colspan="2" style="color:red">8%</td></tr></table>
<a href="https://www.xuancheng.gov.cn/policy/1">原文</a> <a href="javascript:alert(1)">点我</a>
<img src=x onerror=alert(1)><script>alert(1)</script><style>body{display:none}</style>
<iframe src="https://evil.example"></iframe>"""


def test_policy_rich_text_keeps_structure_and_loses_everything_active(world):
    policy = world.policy
    policy.interpretation = RICH
    policy.full_text = "第一条 为促进技术改造……\n\n第二条 本办法适用于 a < b 的情形。"
    policy_services.policy_save_edit(policy=policy, actor=world.official, reason="更新政策内容")

    policy.refresh_from_db()
    assert "<script" not in policy.interpretation and "onclick" not in policy.interpretation  # sanitised on save
    page = _client().get(f"/policies/{policy.pk}/").content.decode()
    for kept in [
        "<h2>第一章 总则</h2>",
        "<strong>技术改造</strong>",
        "<li>纳税信用 A 级。</li>",
        '<th scope="col">投资额</th>',
        '<td colspan="2">8%</td>',
        '<a href="https://www.xuancheng.gov.cn/policy/1" rel="noopener noreferrer nofollow">原文</a>',
    ]:
        assert kept in page
    for gone in ["onclick", "javascript:", "onerror", "<script>alert", "<style>", "<iframe", "color:red", "<img"]:
        assert gone not in page
    # Plain text stays plain text: paragraphs, with its own "<" shown, not parsed.
    assert "<p>第二条 本办法适用于 a &lt; b 的情形。</p>" in page


def test_rich_text_written_past_the_model_is_sanitised_when_shown(world):
    from policies.models import Policy

    Policy.objects.filter(pk=world.policy.pk).update(interpretation=RICH)  # a bulk load skips save()
    page = _client().get(f"/policies/{world.policy.pk}/").content.decode()
    assert "<h2>第一章 总则</h2>" in page
    assert "<script>alert" not in page and "javascript:" not in page and "onerror" not in page
