"""Roundtable pages as people use them: the public list and session page, signing up
and its answers, cancelling, invitations, written appeals, the staff's check-in,
sign-in sheet and appeals, and who is refused."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints import sla
from complaints.models import Case, Channel, ProblemCategory
from complaints.models import Status as CaseStatus
from portal import deadlines
from portal.models import Notification
from roundtables import services
from roundtables.models import Appeal, Invitation, Registration, Session
from tests import factories

pytestmark = pytest.mark.django_db


def sign_up(session, user, enterprise, **fields):
    fields.setdefault("attendee_name", "王总")
    fields.setdefault("attendee_mobile", "13900001234")
    return services.registration_create(session=session, actor=user, enterprise=enterprise, **fields)


def form(enterprise, **extra):
    data = {
        "enterprise": enterprise.pk,
        "attendee_name": "张总经理",
        "attendee_title": "总经理",
        "attendee_mobile": "13912345678",
        "mode": "in_person",
        "intended_problems": "",
        "category": "",
        "privacy_consent": "on",
    }
    data.update(extra)
    return data


def page_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- Public list and session page ----------------------------------------------------


def test_the_public_list_shows_published_sessions_and_hides_drafts(client, make_session, official):
    announced = make_session(theme="数字经济赋能制造业", calendar_note="国庆节假期")
    make_session(Session.State.DRAFT, days=40, theme="尚未发布的主题")
    held = make_session(Session.State.HELD, days=-20, theme="往期：融资难融资贵")
    page = page_of(client, "/roundtables/")
    assert "数字经济赋能制造业" in page and "往期：融资难融资贵" in page
    assert "尚未发布的主题" not in page
    assert f"/roundtables/{announced.pk}/" in page and f"/roundtables/{held.pk}/" in page
    assert timezone.localtime(announced.starts_at).strftime("%Y-%m-%d %H:%M") in page
    assert "剩余3席" in page  # one of the four seats is kept for invited enterprises
    # The upcoming session comes before the past ones.
    assert page.index("数字经济赋能制造业") < page.index("往期：融资难融资贵")
    # The holiday note is for the officials who decide.
    assert "国庆节假期" not in page
    client.force_login(official)
    page = page_of(client, "/roundtables/")
    assert "国庆节假期" in page and "尚未发布的主题" in page


def test_the_list_says_when_a_session_is_full_and_groups_county_sessions(client, make_session, member, official):
    session = make_session(capacity=1, reserved=0, chairs="李市长\n王副市长")
    user, enterprise = member()
    sign_up(session, user, enterprise)
    services.session_create_county_sessions(session=session, actor=official)
    sub = session.sub_sessions.get(region__name="宁国市")
    Session.objects.filter(pk=sub.pk).update(state=Session.State.ANNOUNCED, venue="宁国市民中心")
    page = page_of(client, "/roundtables/")
    assert "已满，可候补" in page
    assert "李市长<br>王副市长" in page
    card = page[page.index(f'data-session="{session.pk}"') :]
    assert f"/roundtables/{sub.pk}/" in card and "宁国市民中心" in card
    # The other county's sub-session is still a draft: not shown to the public.
    assert "宣州区" not in page
    detail = page_of(client, f"/roundtables/{session.pk}/")
    assert f"/roundtables/{sub.pk}/" in detail
    assert "宁国市分会场" in page_of(client, f"/roundtables/{sub.pk}/")


def test_past_sessions_are_paginated_latest_first(client, make_session):
    for i in range(22):
        make_session(Session.State.CLOSED, days=-(i + 1) * 7, theme=f"往期主题{i:02d}")
    first = page_of(client, "/roundtables/")
    assert "1 / 2" in first and "?page=2" in first
    assert "往期主题00" in first and "往期主题19" in first and "往期主题20" not in first
    assert first.index("往期主题00") < first.index("往期主题01")
    second = page_of(client, "/roundtables/?page=2")
    assert "往期主题20" in second and "往期主题21" in second and "往期主题00" not in second


def test_upcoming_sessions_are_paginated_soonest_first_keeping_the_past_page(client, make_session):
    for i in range(22):
        make_session(Session.State.ANNOUNCED, days=(i + 1) * 7, theme=f"即将主题{i:02d}")
    for i in range(22):
        make_session(Session.State.CLOSED, days=-(i + 1) * 7, theme=f"往期主题{i:02d}")
    first = page_of(client, "/roundtables/")
    assert "即将主题00" in first and "即将主题19" in first and "即将主题20" not in first
    assert first.index("即将主题00") < first.index("即将主题01")
    assert "?upcoming_page=2" in first
    # Paging through upcoming sessions keeps the page of past ones the reader is on, and back.
    second = page_of(client, "/roundtables/?page=2&upcoming_page=2")
    assert "即将主题20" in second and "即将主题21" in second and "即将主题00" not in second
    assert "往期主题20" in second and "往期主题00" not in second
    assert "?page=2&amp;upcoming_page=1" in second
    assert "?upcoming_page=2&amp;page=1" in second


def test_drafts_are_not_found_except_by_officials(client, make_session, official):
    draft = make_session(Session.State.DRAFT, theme="草稿主题")
    assert client.get(f"/roundtables/{draft.pk}/").status_code == 404
    client.force_login(official)
    page = page_of(client, f"/roundtables/{draft.pk}/")
    assert "草稿主题" in page and "现场签到" in page


def test_the_session_page_shows_everything_about_the_session(client, make_session):
    session = make_session(
        Session.State.HELD,
        days=-3,
        theme="优化营商环境",
        description="围绕企业开办和融资问题恳谈。",
        chairs="李市长\n王局长",
        online_link="https://meeting.example.com/123",
        video_url="https://video.example.com/topic",
        minutes="会议议定三项事项。",
    )
    session.attachments.create(title="会议议程", link="https://example.com/agenda.pdf")
    page = page_of(client, f"/roundtables/{session.pk}/")
    for text in [
        "优化营商环境",
        "围绕企业开办和融资问题恳谈。",
        "李市长<br>王局长",
        "https://meeting.example.com/123",
        "https://video.example.com/topic",
        "会议议程",
        "会议议定三项事项。",
        f"/roundtables/{session.pk}/calendar.ics",
        f"/roundtables/series/{session.series_id}/calendar.ics",
    ]:
        assert text in page, text
    # Staff pages are not linked for the public.
    assert "现场签到" not in page


# --- Sign-up -----------------------------------------------------------------------


def test_an_enterprise_user_signs_up_and_a_second_sign_up_shows_the_registration(client, make_session, member):
    session = make_session()
    user, enterprise = member(full_name="张三")
    other_user, _ = member()
    client.force_login(user)
    page = page_of(client, f"/roundtables/{session.pk}/")
    assert 'data-testid="signup-form"' in page
    assert 'value="张三"' in page and 'value="13900001234"' in page
    assert enterprise.name in page
    # Another enterprise is not offered.
    assert "现场参会" in page and "仅书面反映" in page

    response = client.post(f"/roundtables/{session.pk}/signup/", form(enterprise))
    registration = Registration.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/roundtables/{session.pk}/#registration-{registration.pk}"
    assert registration.status == Registration.Status.CONFIRMED and registration.signed_up_by == user
    page = client.get(response["Location"]).content.decode()
    assert "已确认参会" in page and registration.code in page
    assert 'data-testid="signup-form"' not in page
    assert 'data-testid="registration"' in page

    response = client.post(f"/roundtables/{session.pk}/signup/", form(enterprise), follow=True)
    page = response.content.decode()
    assert "已报名本期恳谈会" in page and registration.code in page
    assert Registration.objects.count() == 1
    # The other member's page does not show this registration.
    client.force_login(other_user)
    assert registration.code not in page_of(client, f"/roundtables/{session.pk}/")


def test_signing_up_an_enterprise_one_does_not_represent_is_forbidden(client, make_session, member):
    session = make_session()
    user, _ = member()
    _, someone_elses = member()
    client.force_login(user)
    assert client.post(f"/roundtables/{session.pk}/signup/", form(someone_elses)).status_code == 403
    assert not Registration.objects.exists()
    client.logout()
    response = client.post(f"/roundtables/{session.pk}/signup/", form(someone_elses))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_bad_input_keeps_what_was_typed(client, make_session, member):
    session = make_session()
    user, enterprise = member()
    client.force_login(user)
    response = client.post(
        f"/roundtables/{session.pk}/signup/",
        form(enterprise, attendee_mobile="123", intended_problems="园区道路破损，货车通行困难"),
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "请输入有效的11位手机号码" in page
    assert "园区道路破损，货车通行困难" in page and "张总经理" in page
    assert not Registration.objects.exists()


def test_a_full_session_waitlists_and_shows_the_position(client, make_session, member):
    session = make_session(capacity=2, reserved=0)
    for _ in range(2):
        sign_up(session, *member())
    first, first_enterprise = member()
    second, second_enterprise = member()
    client.force_login(first)
    response = client.post(f"/roundtables/{session.pk}/signup/", form(first_enterprise), follow=True)
    assert "已进入候补，当前排第1位" in response.content.decode()
    client.force_login(second)
    response = client.post(f"/roundtables/{session.pk}/signup/", form(second_enterprise), follow=True)
    page = response.content.decode()
    assert "当前排第2位" in page
    assert "候补第2位" in page
    assert "候补第2位" in page_of(client, "/roundtables/my/")
    assert Registration.objects.filter(status=Registration.Status.WAITLISTED).count() == 2


def test_problems_raised_at_sign_up_become_cases(client, make_session, member):
    session = make_session()
    user, enterprise = member()
    client.force_login(user)
    category = ProblemCategory.objects.get(name="审批服务")
    response = client.post(
        f"/roundtables/{session.pk}/signup/",
        form(enterprise, intended_problems="施工许可审批材料反复退回", category=category.pk),
        follow=True,
    )
    case = Case.objects.get()
    assert case.channel == Channel.ROUNDTABLE and case.category == category
    assert case.number in response.content.decode()


def test_cancelling_promotes_the_first_waiting_who_is_told(client, make_session, member):
    session = make_session(capacity=1, reserved=0)
    user, enterprise = member()
    confirmed = sign_up(session, user, enterprise)
    waiting_user, waiting_enterprise = member()
    waiting = sign_up(session, waiting_user, waiting_enterprise)
    assert waiting.status == Registration.Status.WAITLISTED

    # Someone else's registration is not found.
    client.force_login(waiting_user)
    assert client.post(f"/roundtables/registrations/{confirmed.pk}/cancel/").status_code == 404

    client.force_login(user)
    page = page_of(client, "/roundtables/my/")
    assert f'action="/roundtables/registrations/{confirmed.pk}/cancel/"' in page
    response = client.post(f"/roundtables/registrations/{confirmed.pk}/cancel/")
    assert response.status_code == 302 and response["Location"] == "/roundtables/my/"
    confirmed.refresh_from_db()
    waiting.refresh_from_db()
    assert confirmed.status == Registration.Status.CANCELLED
    assert waiting.status == Registration.Status.CONFIRMED
    assert Notification.objects.filter(recipient=waiting_user, kind="roundtable.promoted").count() == 1
    page = page_of(client, "/roundtables/my/")
    assert "已取消" in page
    assert f'action="/roundtables/registrations/{confirmed.pk}/cancel/"' not in page

    # From the session page, the cancel button comes back to the session page.
    client.force_login(waiting_user)
    response = client.post(f"/roundtables/registrations/{waiting.pk}/cancel/", {"next": f"/roundtables/{session.pk}/"})
    assert response["Location"] == f"/roundtables/{session.pk}/"
    response = client.post(f"/roundtables/registrations/{waiting.pk}/cancel/", {"next": "https://evil.example.com/"})
    assert response["Location"] == "/roundtables/my/"


def test_sign_up_outside_the_window_says_why(client, make_session, member):
    closed = make_session(days=5, registration_closes_at=timezone.now() - dt.timedelta(hours=1))
    user, enterprise = member()
    client.force_login(user)
    page = page_of(client, f"/roundtables/{closed.pk}/")
    closes = timezone.localtime(closed.registration_closes_at).strftime("%Y-%m-%d %H:%M")
    assert f"报名已于{closes}截止" in page
    assert 'data-testid="signup-form"' not in page
    response = client.post(f"/roundtables/{closed.pk}/signup/", form(enterprise))
    assert response.status_code == 400
    page = response.content.decode()
    assert f"报名已于{closes}截止" in page and "张总经理" in page
    assert not Registration.objects.exists()

    held = make_session(Session.State.HELD, days=-2)
    assert "本期恳谈会已召开，不能报名" in page_of(client, f"/roundtables/{held.pk}/")


# --- Written appeals -----------------------------------------------------------------


def test_a_written_appeal_becomes_a_case_the_enterprise_follows(client, make_session, member):
    session = make_session(Session.State.REGISTRATION_CLOSED)
    user, enterprise = member()
    client.force_login(user)
    assert 'data-testid="appeal-form"' in page_of(client, f"/roundtables/{session.pk}/")
    response = client.post(
        f"/roundtables/{session.pk}/appeal/",
        {"enterprise": enterprise.pk, "title": "用电报装时间过长", "description": "报装等了两个月。", "category": ""},
    )
    assert response.status_code == 302
    appeal = Appeal.objects.select_related("case").get()
    case = appeal.case
    assert appeal.source == Appeal.Source.WRITTEN and appeal.session == session
    assert case.channel == Channel.ROUNDTABLE and case.status == CaseStatus.ACCEPTED
    assert case.enterprise == enterprise and case.category.name == "其他"
    assert case.number in client.get(response["Location"]).content.decode()
    assert "用电报装时间过长" in page_of(client, f"/cases/{case.number}/")
    # Nobody else's business.
    stranger, _ = member()
    client.force_login(stranger)
    assert client.get(f"/cases/{case.number}/").status_code == 404
    response = client.post(
        f"/roundtables/{session.pk}/appeal/",
        {"enterprise": enterprise.pk, "title": "冒名", "description": "冒名", "category": ""},
    )
    assert response.status_code == 403


def test_written_appeals_close_after_the_session_and_bad_input_is_kept(client, make_session, member):
    closed = make_session(Session.State.CLOSED, days=-30)
    open_session = make_session()
    user, enterprise = member()
    client.force_login(user)
    assert 'data-testid="appeal-form"' not in page_of(client, f"/roundtables/{closed.pk}/")
    response = client.post(
        f"/roundtables/{closed.pk}/appeal/",
        {"enterprise": enterprise.pk, "title": "迟到的诉求", "description": "会后才想起", "category": ""},
    )
    assert response.status_code == 400
    assert "不再接收书面诉求" in response.content.decode()
    response = client.post(
        f"/roundtables/{open_session.pk}/appeal/",
        {"enterprise": enterprise.pk, "title": "", "description": "只写了内容", "category": ""},
    )
    assert response.status_code == 400 and "只写了内容" in response.content.decode()
    assert not Case.objects.exists()


# --- Invitations ----------------------------------------------------------------------


def test_an_invited_enterprise_takes_a_reserved_seat_or_declines(client, make_session, member, official):
    session = make_session(capacity=2, reserved=1)
    sign_up(session, *member())  # the only open seat is taken
    invited_user, invited = member()
    declining_user, declining = member()
    services.invitations_send(session=session, enterprises=[invited, declining], actor=official)

    client.force_login(invited_user)
    page = page_of(client, f"/roundtables/{session.pk}/")
    assert "受邀参加本期恳谈会" in page and 'data-testid="signup-form"' in page
    assert "接受并报名" in page_of(client, "/roundtables/my/")
    client.post(f"/roundtables/{session.pk}/signup/", form(invited))
    registration = Registration.objects.get(enterprise=invited)
    assert (registration.status, registration.pool) == (Registration.Status.CONFIRMED, Registration.Pool.RESERVED)
    assert "受邀参加本期恳谈会" not in page_of(client, f"/roundtables/{session.pk}/")

    invitation = Invitation.objects.get(enterprise=declining)
    # Only those who represent the enterprise answer for it.
    assert client.post(f"/roundtables/invitations/{invitation.pk}/decline/").status_code == 404
    client.force_login(declining_user)
    page = page_of(client, "/roundtables/my/")
    assert f"/roundtables/invitations/{invitation.pk}/decline/" in page
    response = client.post(f"/roundtables/invitations/{invitation.pk}/decline/")
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.DECLINED
    assert f"/roundtables/invitations/{invitation.pk}/decline/" not in page_of(client, "/roundtables/my/")
    page = page_of(client, f"/roundtables/{session.pk}/")
    assert "受邀参加本期恳谈会" not in page


# --- Staff pages ------------------------------------------------------------------------


def test_staff_check_in_by_search_and_by_code(client, make_session, member, official):
    session = make_session()
    user_a, enterprise_a = member()
    user_b, enterprise_b = member()
    a = sign_up(session, user_a, enterprise_a, attendee_name="赵参会")
    b = sign_up(session, user_b, enterprise_b, attendee_name="钱参会", attendee_mobile="13811112222")
    url = f"/roundtables/{session.pk}/check-in/"

    client.force_login(user_a)
    assert client.get(url).status_code == 403
    assert client.post(url, {"registration": a.pk}).status_code == 403
    client.logout()
    assert "/accounts/login/" in client.get(url)["Location"]

    client.force_login(official)
    page = page_of(client, url)
    assert "赵参会" in page and "钱参会" in page
    assert "13811112222" not in page and "尾号2222" in page
    page = page_of(client, f"{url}?q=赵参会")
    assert "赵参会" in page and "钱参会" not in page
    page = page_of(client, f"{url}?q=1111")
    assert "钱参会" in page and "赵参会" not in page
    assert "钱参会" in page_of(client, f"{url}?q={b.code.lower()}")
    assert "赵参会" in page_of(client, f"{url}?q={enterprise_a.name}")

    response = client.post(url, {"registration": a.pk, "q": "赵参会"})
    assert response.status_code == 302 and "q=" in response["Location"]
    a.refresh_from_db()
    assert a.checked_in_at is not None
    response = client.post(url, {"code": f" {b.code.lower()} "}, follow=True)
    b.refresh_from_db()
    assert b.checked_in_at is not None
    page = response.content.decode()
    assert "签到成功" in page and "已签到 2" in page and "未到 0" in page
    page = client.post(url, {"code": b.code}, follow=True).content.decode()
    assert "无需重复签到" in page
    page = client.post(url, {"code": "ZZZZZZ"}, follow=True).content.decode()
    assert "没有签到码为“ZZZZZZ”的报名" in page


def test_waitlisted_registrations_cannot_check_in(client, make_session, member, official):
    session = make_session(capacity=1, reserved=0)
    sign_up(session, *member())
    waiting = sign_up(session, *member())
    client.force_login(official)
    page = client.post(f"/roundtables/{session.pk}/check-in/", {"code": waiting.code}, follow=True).content.decode()
    assert "不能签到" in page
    waiting.refresh_from_db()
    assert waiting.checked_in_at is None


def test_the_sign_in_sheet_masks_mobiles(client, make_session, member, official):
    session = make_session()
    user, enterprise = member()
    sign_up(session, user, enterprise, attendee_name="孙参会", attendee_title="董事长", attendee_mobile="13912345678")
    url = f"/roundtables/{session.pk}/sign-in-sheet/"
    client.force_login(user)
    assert client.get(url).status_code == 403
    client.force_login(official)
    page = page_of(client, url)
    assert "孙参会" in page and "董事长" in page and enterprise.name in page and "现场参会" in page
    assert "5678" in page and "13912345678" not in page and "1391234" not in page
    assert "data-print" in page and "签名" in page
    assert "roundtables/roundtables.css" in page


def test_session_appeals_show_the_live_case_state_and_staff_record_on_site_ones(
    client, make_session, member, official, chief
):
    session = make_session(Session.State.HELD, days=-1)
    user, enterprise = member()
    registration = Registration.objects.create(
        session=session,
        enterprise=enterprise,
        attendee_name="周参会",
        attendee_mobile="13900005678",
        status=Registration.Status.CONFIRMED,
    )
    written = services.appeal_file(
        session=session,
        actor=user,
        enterprise=enterprise,
        title="厂房租金补贴迟迟未兑现",
        description="申请已半年。",
        source="written",
    )
    url = f"/roundtables/{session.pk}/appeals/"
    for outsider in (user, chief):
        client.force_login(outsider)
        assert client.get(url).status_code == 403

    client.force_login(official)
    page = page_of(client, url)
    assert f'href="/cases/{written.case.number}/"' in page
    assert enterprise.name in page and "书面反映" in page
    assert 'data-testid="case-status">已受理' in page
    flag = Case.objects.annotate(flag=sla.flag_expression(deadlines.yellow_threshold())).get(pk=written.case_id).flag
    assert flag
    assert 'data-testid="case-flag"><span class="badge text-bg-' in page
    assert str(deadlines.FLAG_LABELS[flag]) in page.split('data-testid="case-flag"')[1][:120]

    response = client.post(
        url,
        {
            "credit_code": enterprise.credit_code.lower(),
            "title": "园区道路破损",
            "description": "货车通行困难。",
            "category": "",
            "on_site_answer": "交通局当场表示本月内修复",
            "complainant_name": "",
            "complainant_phone": "",
        },
    )
    assert response.status_code == 302
    appeal = Appeal.objects.select_related("case").get(source=Appeal.Source.ON_SITE)
    assert appeal.registration == registration
    assert appeal.case.complainant_name == "周参会" and appeal.case.enterprise == enterprise
    page = client.get(response["Location"]).content.decode()
    assert appeal.case.number in page and "交通局当场表示本月内修复" in page

    response = client.post(url, {"credit_code": "91341800XXXXXXXXXX", "title": "x", "description": "y"})
    assert response.status_code == 400 and "未找到统一社会信用代码" in response.content.decode()


def test_session_appeals_include_the_county_sub_sessions(client, make_session, member, official):
    session = make_session()
    services.session_create_county_sessions(session=session, actor=official)
    sub = session.sub_sessions.get(region__name="宣州区")
    Session.objects.filter(pk=sub.pk).update(state=Session.State.ANNOUNCED)
    sub.refresh_from_db()
    user, enterprise = member()
    appeal = services.appeal_file(
        session=sub, actor=user, enterprise=enterprise, title="县里的诉求", description="d", source="written"
    )
    client.force_login(official)
    page = page_of(client, f"/roundtables/{session.pk}/appeals/")
    assert appeal.case.number in page and "宣州区分会场" in page


# --- Constant queries -------------------------------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_session_list_costs_the_same_for_3_or_12_sessions(client, make_session, member, official):
    def add(count, offset):
        for i in range(count):
            days = (offset + i + 1) * (1 if i % 2 else -1)
            session = make_session(Session.State.ANNOUNCED if days > 0 else Session.State.HELD, days=days)
            if days > 0:
                sign_up(session, *member())

    add(3, 0)
    client.force_login(official)
    few = _queries(client, "/roundtables/")
    client.logout()
    few_public = _queries(client, "/roundtables/")
    add(9, 10)
    client.force_login(official)
    assert _queries(client, "/roundtables/") == few
    client.logout()
    assert _queries(client, "/roundtables/") == few_public


def test_my_registrations_costs_the_same_for_2_or_10_registrations(client, make_session, member, official):
    user, enterprise = member()

    def add(count):
        for i in range(count):
            session = make_session(capacity=1, reserved=0)
            if i % 2:
                sign_up(session, *member())  # ours waits
            sign_up(session, user, enterprise)
            invited = make_session()
            services.invitations_send(session=invited, enterprises=[enterprise], actor=official)

    add(2)
    client.force_login(user)
    few = _queries(client, "/roundtables/my/")
    add(8)
    assert Registration.objects.filter(enterprise=enterprise).count() == 10
    assert _queries(client, "/roundtables/my/") == few
    page = page_of(client, "/roundtables/my/")
    assert page.count('data-testid="registration"') == 10
    assert page.count('data-testid="invitation"') == 10
    assert "候补第1位" in page


def test_the_navigation_links_the_roundtables(client):
    page = page_of(client, "/roundtables/")
    assert 'href="/roundtables/"' in page and "政商恳谈会" in page


def test_my_registrations_cost_the_same_for_5_or_50_registrations(client, make_session, member):
    """The enterprise's registrations page, over 5 and over 50 sessions."""
    user, enterprise = member()
    client.force_login(user)

    def register(count):
        for _ in range(count):
            session = make_session(days=10 + Registration.objects.count())
            Registration.objects.create(
                session=session,
                enterprise=enterprise,
                signed_up_by=user,
                attendee_name="王经理",
                attendee_mobile="13900001234",
                status=Registration.Status.CONFIRMED,
            )

    register(5)
    five = _queries(client, "/roundtables/my/")
    register(45)
    assert Registration.objects.filter(enterprise=enterprise).count() == 50
    assert _queries(client, "/roundtables/my/") == five


@pytest.mark.parametrize("rows", [5, 50])
def test_the_sign_in_sheet_costs_the_same_for_5_or_50_attendees(client, make_session, official, rows):
    session = make_session(capacity=60, reserved=0)
    client.force_login(official)

    def register(count):
        for _ in range(count):
            Registration.objects.create(
                session=session,
                enterprise=factories.enterprise(),
                attendee_name=f"参会人{Registration.objects.count()}",
                attendee_mobile="13900001234",
                status=Registration.Status.CONFIRMED,
            )

    register(1)
    one = _queries(client, f"/roundtables/{session.pk}/sign-in-sheet/")
    register(rows - 1)
    assert _queries(client, f"/roundtables/{session.pk}/sign-in-sheet/") == one
    assert f"参会人{rows - 1}" in page_of(client, f"/roundtables/{session.pk}/sign-in-sheet/")


@pytest.mark.parametrize("rows", [5, 50])
def test_the_session_appeals_page_runs_the_same_queries_for_5_or_50(client, make_session, member, official, rows):
    from complaints import services as case_services

    session = make_session(Session.State.HELD, days=-1, capacity=rows + 1, reserved=0)
    department = factories.department("宣城市交通运输局")

    def appeal(index):
        _user, enterprise = member()
        registration = Registration.objects.create(
            session=session,
            enterprise=enterprise,
            attendee_name=f"参会人{index}",
            attendee_mobile="13900005678",
            status=Registration.Status.CONFIRMED,
        )
        filed = services.appeal_file(
            session=session,
            actor=official,
            enterprise=enterprise,
            title=f"现场诉求{index}",
            description="d",
            source=Appeal.Source.ON_SITE,
            registration=registration,
        )
        case_services.case_assign(case=filed.case, actor=official, lead_department=department)

    appeal(0)
    client.force_login(official)
    url = f"/roundtables/{session.pk}/appeals/"
    one = _queries(client, url)
    for index in range(1, rows):
        appeal(index)
    assert _queries(client, url) == one
    page = page_of(client, url)
    assert page.count("<tr data-case=") == rows and f"现场诉求{rows - 1}" in page and "宣城市交通运输局" in page


def test_a_past_session_shows_what_came_of_it_not_seats(client, make_session, member, official):
    held = make_session(Session.State.HELD, days=-3)
    quiet = make_session(Session.State.HELD, days=-40)
    upcoming = make_session(Session.State.ANNOUNCED, days=5)
    _user, enterprise = member()
    cases = [
        services.appeal_file(
            session=held,
            actor=official,
            enterprise=enterprise,
            title=title,
            description="会上提出。",
            source="on_site",
        ).case
        for title in ("厂房租金补贴迟迟未兑现", "用电报装周期长")
    ]
    Case.objects.filter(pk=cases[0].pk).update(status=CaseStatus.RESOLVED, resolved_at=timezone.now())

    page = client.get("/roundtables/").content.decode()
    held_card = page[page.index(f'data-session="{held.pk}"') :]
    held_card = held_card[: held_card.index("</article>")]
    assert "反映问题 2 个，已办结 1 个，办结率 50" in held_card and "现场名额" not in held_card
    quiet_card = page[page.index(f'data-session="{quiet.pk}"') :]
    assert "本期未登记诉求" in quiet_card[: quiet_card.index("</article>")]
    upcoming_card = page[page.index(f'data-session="{upcoming.pk}"') :]
    assert "现场名额" in upcoming_card[: upcoming_card.index("</article>")]


def test_signing_up_asks_for_consent_and_records_it(client, make_session, member):
    session = make_session()
    user, enterprise = member()
    client.force_login(user)
    data = form(enterprise)
    del data["privacy_consent"]
    page = client.post(f"/roundtables/{session.pk}/signup/", data).content.decode()
    assert "请阅读并同意隐私政策后再报名" in page and not Registration.objects.exists()
    client.post(f"/roundtables/{session.pk}/signup/", form(enterprise))
    assert Registration.objects.get().privacy_consent_at is not None
