"""Journey 8: an enterprise's member asks a question that is not a complaint (我的咨询 →
我要咨询); its 亲商管家 finds it under 咨询答复 with its flag, beside an older question
already late, and answers it; the member reads the answer and rates it."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from complaints.consultations import services
from complaints.models import Consultation, Rating
from portal import roles
from portal import services as portal_services
from portal.models import Enterprise
from tests import factories
from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_member_asks_the_steward_answers_on_time_and_the_member_rates_the_answer(journey):
    city = factories.region()
    unit = factories.department("宣城市经济和信息化局", city)
    steward = factories.user(
        roles.STEWARD, username="guanjia", full_name="郑管家", department=unit, work_phone="0563-3021234"
    )
    enterprise = factories.enterprise(name="宣城咨询示范有限公司", region=city)
    boss = factories.enterprise_user(enterprise, username="boss", full_name="陈总")
    portal_services.steward_assign(
        enterprises=Enterprise.objects.filter(pk=enterprise.pk),
        steward=steward,
        actor=factories.official(username="assigner"),
    )
    # A question asked a fortnight ago and still waiting: late.
    late = services.consultation_ask(actor=boss, enterprise=enterprise, question="厂房租金补贴每年什么时候申报？")
    two_weeks_ago = timezone.now() - dt.timedelta(days=14)
    Consultation.objects.filter(pk=late.pk).update(
        asked_at=two_weeks_ago, answer_due_at=two_weeks_ago + dt.timedelta(days=3)
    )

    # The member asks from 我的咨询; their one enterprise is chosen already.
    member = journey.log_in("boss")
    member.get_by_role("navigation", name="主导航").get_by_role("link", name="我的咨询").click()
    member.wait_for_url("**/consultations/")
    member.get_by_test_id("ask").click()
    member.wait_for_url("**/consultations/new/")
    expect(member.get_by_role("main")).to_contain_text("将在3个工作日内答复")
    expect(member.get_by_label("企业")).to_have_value(str(enterprise.pk))
    member.get_by_label("咨询内容").fill("我公司去年研发投入增长30%，能否享受研发费用加计扣除以外的市级奖补？")
    assert_accessible(member)
    journey.shot(member, "ask")
    member.get_by_role("button", name="提交咨询").click()
    consultation = Consultation.objects.exclude(pk=late.pk).get()
    member.wait_for_url(f"**/consultations/{consultation.pk}/")
    due = timezone.localtime(consultation.answer_due_at).strftime("%Y-%m-%d %H:%M")
    expect(member.get_by_role("alert").first).to_contain_text(f"咨询已提交，将于{due}前答复")
    expect(member.get_by_test_id("consultation-state")).to_have_text("待答复")
    stewards = member.get_by_test_id("stewards")
    expect(stewards).to_contain_text("郑管家")
    expect(stewards.get_by_role("link", name="0563-3021234")).to_have_attribute("href", "tel:0563-3021234")
    assert_accessible(member)
    journey.shot(member, "asked")

    # The 管家's 咨询答复: the new question on time, the old one late, in words.
    answerer = journey.log_in("guanjia")
    answerer.get_by_role("navigation", name="主导航").get_by_role("link", name="咨询答复").click()
    answerer.wait_for_url("**/consultations/answers/")
    fresh = answerer.locator(f"tr[data-consultation='{consultation.pk}']")
    expect(fresh).to_contain_text("宣城咨询示范有限公司")
    expect(fresh).to_contain_text("待答复")
    expect(fresh.get_by_test_id("flag")).to_have_attribute("data-flag", "green")
    expect(fresh.get_by_test_id("flag")).to_have_text("正常")
    overdue = answerer.locator(f"tr[data-consultation='{late.pk}']")
    expect(overdue.get_by_test_id("flag")).to_have_attribute("data-flag", "red")
    expect(overdue.get_by_test_id("flag")).to_have_text("超期")
    assert_accessible(answerer)
    journey.shot(answerer, "answers-list")

    fresh.get_by_role("link").first.click()
    answerer.wait_for_url(f"**/consultations/{consultation.pk}/")
    answer_form = answerer.locator("form[data-action='answer']")
    answer_form.get_by_label("答复内容").fill(
        "可以申报市级研发投入奖补：按上年度研发投入增量的10%给予奖励，每年4月在“惠企政策”中申报，我可上门协助准备材料。"
    )
    assert_accessible(answerer)
    journey.shot(answerer, "answer")
    answer_form.get_by_role("button", name="提交答复").click()
    expect(answerer.get_by_role("alert").first).to_contain_text("已答复，提问人将收到通知")
    expect(answerer.get_by_test_id("consultation-state")).to_have_text("已答复")
    expect(answerer.locator("form[data-action='answer']")).to_have_count(0)
    journey.shot(answerer, "answered")

    # The member reads the answer and rates it.
    member.goto("/consultations/")
    row = member.locator(f"tr[data-consultation='{consultation.pk}']")
    expect(row).to_contain_text("已答复")
    expect(row.get_by_test_id("awaits-rating")).to_have_text("待评价")
    row.get_by_role("link").first.click()
    expect(member.get_by_test_id("answer")).to_contain_text("按上年度研发投入增量的10%给予奖励")
    expect(member.get_by_role("main")).to_contain_text("郑管家")
    rate = member.locator("form[data-action='rate']")
    rate.get_by_label("满意", exact=True).check()
    rate.get_by_label("评价意见").fill("答复及时清楚，还主动提出上门协助。")
    assert_accessible(member)
    journey.shot(member, "rate")
    rate.get_by_role("button", name="提交评价").click()
    expect(member.get_by_role("alert").first).to_contain_text("感谢您的评价")
    expect(member.get_by_test_id("rating")).to_contain_text("满意 — 答复及时清楚，还主动提出上门协助。")
    expect(member.locator("form[data-action='rate']")).to_have_count(0)
    assert_accessible(member)
    journey.shot(member, "rated")

    consultation.refresh_from_db()
    assert consultation.answered_by == steward
    assert consultation.rating == Rating.SATISFIED
    assert consultation.answered_at <= consultation.answer_due_at  # on time
    member.goto("/consultations/")
    expect(member.locator(f"tr[data-consultation='{consultation.pk}']").get_by_test_id("awaits-rating")).to_have_count(
        0
    )
