"""Journey 9: a 企业接待日 (the mayor and two departments receive firms in half-hour slots):
an enterprise's member books a slot on the session page; the slot's places left drop, on
the page and in the list; the official's check-in page shows the firm at its slot and
checks it in."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from portal.models import Region
from roundtables.models import Registration, Series, Session, Slot
from tests import factories
from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_member_books_a_reception_day_slot_places_drop_and_the_official_checks_the_firm_in(journey):
    city = factories.region("341800", "宣城市", Region.Level.CITY)
    series = Series.objects.create(
        name="宣城市企业接待日",
        kind=Series.Kind.RECEPTION_DAY,
        region=city,
        rrule="FREQ=MONTHLY;BYDAY=3TH",
        default_capacity=4,
        default_reserved_seats=0,
    )
    day = timezone.localdate() + dt.timedelta(days=10)
    starts = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))
    session = Session.objects.create(
        series=series,
        region=city,
        year=day.year,
        number=1,
        theme="市领导现场接待企业",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=3),
        venue="宣城市政务服务中心三楼接待室",
        capacity=4,
        reserved_seats=0,
        state=Session.State.ANNOUNCED,
        registration_closes_at=starts - dt.timedelta(days=1),
        leader_title="市长",
        leader_name="张三",
    )
    session.departments.set(
        [factories.department("宣城市经济和信息化局", city), factories.department("宣城市人力资源和社会保障局", city)]
    )
    slots = [
        Slot.objects.create(
            session=session,
            starts_at=starts + dt.timedelta(minutes=30 * n),
            ends_at=starts + dt.timedelta(minutes=30 * (n + 1)),
            capacity=capacity,
        )
        for n, capacity in enumerate([2, 1, 1])
    ]
    factories.official(username="organiser", full_name="李组织")
    enterprise = factories.enterprise(name="宣城接待日示范有限公司", region=city)
    factories.enterprise_user(enterprise, username="boss", full_name="赵总", mobile="13955556666")
    title = f"宣城市企业接待日 {day.year}年第1期"

    # The member finds the reception day in the list, filtered by its kind.
    boss = journey.log_in("boss")
    boss.goto("/roundtables/?kind=reception_day")
    listed = boss.locator(f"[data-session='{session.pk}']")
    expect(listed.get_by_test_id("session-kind")).to_have_text("企业接待日")
    expect(listed.get_by_test_id("seats-left")).to_have_text("可预约4家")
    assert_accessible(boss)
    journey.shot(boss, "list")
    listed.get_by_role("link", name=title).click()
    boss.wait_for_url(f"**/roundtables/{session.pk}/")
    expect(boss.get_by_test_id("leader")).to_have_text("市长 张三")
    expect(boss.get_by_role("main")).to_contain_text("宣城市经济和信息化局")
    expect(boss.get_by_role("main")).to_contain_text("宣城市人力资源和社会保障局")
    expect(boss.get_by_test_id("slot")).to_have_count(3)
    expect(boss.get_by_test_id("places-left")).to_have_text(["2", "1", "1"])
    form = boss.get_by_test_id("signup-form")
    expect(form.get_by_label(re.compile("09:00–09:30（尚可预约2家）"))).to_be_visible()
    assert_accessible(boss)
    journey.shot(boss, "session-with-slots")

    # Books the first slot, in person.
    form.get_by_label("报名企业").select_option(label="宣城接待日示范有限公司")
    form.get_by_label("参会人*", exact=True).fill("赵总")
    form.get_by_label("职务").fill("总经理")
    form.get_by_label("手机号码").fill("13955556666")
    form.get_by_label(re.compile("09:00–09:30")).check()
    form.get_by_label("我已阅读并同意《隐私政策》", exact=False).check()
    journey.shot(boss, "booking")
    form.get_by_role("button", name="提交报名").click()
    registration = Registration.objects.get(session=session, enterprise=enterprise)
    expect(boss.get_by_role("alert").first).to_contain_text(
        f"预约成功：宣城接待日示范有限公司已预约{slots[0]}，签到码 {registration.code}"
    )
    expect(boss.get_by_test_id("registration-slot")).to_have_text(str(slots[0]))
    expect(boss.get_by_test_id("registration-status")).to_contain_text("已确认")
    # The slot has one place fewer.
    expect(boss.get_by_test_id("places-left")).to_have_text(["1", "1", "1"])
    assert_accessible(boss)
    journey.shot(boss, "booked")
    boss.goto("/roundtables/?kind=reception_day")
    expect(boss.locator(f"[data-session='{session.pk}']").get_by_test_id("seats-left")).to_have_text("可预约3家")

    # The official's check-in page lists the firm at its slot; one tap checks it in.
    official = journey.log_in("organiser")
    official.goto(f"/roundtables/{session.pk}/")
    official.get_by_test_id("staff-links").get_by_role("link", name="现场签到").click()
    official.wait_for_url(f"**/roundtables/{session.pk}/check-in/")
    entry = official.locator(f"[data-registration='{registration.pk}']")
    expect(entry).to_contain_text("宣城接待日示范有限公司")
    expect(entry).to_contain_text("赵总，总经理 · 尾号6666")
    expect(entry.get_by_test_id("slot")).to_have_text("预约时段 09:00–09:30")
    expect(official.get_by_test_id("counts")).to_contain_text("未到 1")
    assert_accessible(official)
    journey.shot(official, "check-in")
    entry.get_by_role("button", name="签到").click()
    expect(official.locator(f"[data-registration='{registration.pk}']")).to_contain_text("已签到")
    expect(official.get_by_test_id("counts")).to_contain_text("已签到 1")
    assert_accessible(official)
    journey.shot(official, "checked-in")
    registration.refresh_from_db()
    assert registration.checked_in_at is not None
