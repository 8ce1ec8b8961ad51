"""The monthly 三色图 (issue #18): a month's snapshot reproduced from the applications, the
same rows when the month is retaken, and the automatic 督办 after two months in the last
two places (none after one), with the responsible staff told."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from policies.models import (
    Application,
    ApplicationEvent,
    MonthlySnapshot,
    PolicyMaterial,
    PolicyPush,
    SupervisionNotice,
)
from policies.supervision import tasks
from policies.supervision.services import snapshot_take
from portal.models import Notification, Region
from tests import factories

pytestmark = pytest.mark.django_db

MARCH = dt.date(2025, 3, 1)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def event(application: Application, kind: str, day: dt.date) -> None:
    ApplicationEvent.objects.create(application=application, kind=kind, created_at=at(day))


def application(policy, enterprise, status, **fields) -> Application:
    fields.setdefault("year", 2025)
    return Application.objects.create(policy=policy, enterprise=enterprise, status=status, **fields)


@pytest.fixture
def march(make_policy, regions):
    """Department A's policy in March 2025, pushed to four firms in two counties."""
    policy = make_policy()
    PolicyMaterial.objects.create(policy=policy, name="技改投入发票", zero_material=False)
    township = factories.region("341881100", "宁国市某镇", Region.Level.TOWNSHIP, regions["ningguo"])
    firms = [
        factories.enterprise(region=regions["xuanzhou"]),
        factories.enterprise(region=regions["xuanzhou"]),
        factories.enterprise(region=township),
        factories.enterprise(region=regions["ningguo"]),
    ]
    for firm in firms:
        PolicyPush.objects.create(policy=policy, enterprise=firm)
    PolicyPush.objects.update(pushed_at=at(dt.date(2025, 2, 20)))
    # Submitted Monday 3 March, approved within its limit, paid on the 20th: 13 working days.
    paid = application(
        policy,
        firms[0],
        "paid",
        submitted_at=at(dt.date(2025, 3, 3)),
        review_due_at=at(dt.date(2025, 3, 14), 17),
        paid_on=dt.date(2025, 3, 20),
        paid_amount=Decimal("1000"),
    )
    event(paid, ApplicationEvent.Kind.SUBMITTED, dt.date(2025, 3, 3))
    event(paid, ApplicationEvent.Kind.APPROVED, dt.date(2025, 3, 10))
    # 免申即享 to the firm in the township: counts for 宁国市.
    granted = application(
        policy, firms[2], "paid", is_auto_grant=True, paid_on=dt.date(2025, 3, 25), paid_amount=Decimal("500")
    )
    event(granted, ApplicationEvent.Kind.GRANTED, dt.date(2025, 3, 25))
    # Returned for 补正, then rejected after its limit.
    late = application(
        policy, firms[3], "rejected", submitted_at=at(dt.date(2025, 3, 5)), review_due_at=at(dt.date(2025, 3, 14), 17)
    )
    event(late, ApplicationEvent.Kind.SUBMITTED, dt.date(2025, 3, 5))
    event(late, ApplicationEvent.Kind.RETURNED, dt.date(2025, 3, 7))
    event(late, ApplicationEvent.Kind.REJECTED, dt.date(2025, 3, 20))
    # Paid in April: not March's.
    later = application(
        policy, firms[1], "paid", submitted_at=at(dt.date(2025, 3, 28)), paid_on=dt.date(2025, 4, 2), paid_amount=9
    )
    event(later, ApplicationEvent.Kind.SUBMITTED, dt.date(2025, 4, 1))
    return {"policy": policy, "department": policy.issuer, "regions": regions}


def test_a_months_snapshot_is_reproduced_from_the_applications(march):
    snapshot_take(month=MARCH)

    department = MonthlySnapshot.objects.get(month=MARCH, department=march["department"])
    assert (department.eligible_firms, department.benefited_firms, department.payments) == (4, 2, 2)
    assert department.paid_amount == Decimal("1500")
    assert department.median_workdays == 13
    assert (department.decided, department.decided_on_time) == (2, 1)
    assert (department.easy_payments, department.submitted, department.not_returned) == (1, 2, 1)
    assert (department.strength_score, department.speed_score, department.convenience_score) == (50, 50, 50)
    assert department.overall_score == 50
    # Default thresholds: 力度 green from 60, yellow from 30; overall green 80, yellow 60.
    assert (department.strength_colour, department.speed_colour, department.colour) == ("yellow", "red", "red")
    assert (department.rank, department.ranked_units) == (1, 1)

    xuanzhou = MonthlySnapshot.objects.get(month=MARCH, region=march["regions"]["xuanzhou"])
    ningguo = MonthlySnapshot.objects.get(month=MARCH, region=march["regions"]["ningguo"])
    assert (xuanzhou.eligible_firms, xuanzhou.benefited_firms, xuanzhou.speed_score) == (2, 1, 100)
    assert xuanzhou.convenience_score == 50 and xuanzhou.overall_score == pytest.approx(66.7)
    # The township's firm counts with its county.
    assert (ningguo.eligible_firms, ningguo.benefited_firms, ningguo.paid_amount) == (2, 1, Decimal("500"))
    assert (ningguo.speed_score, ningguo.convenience_score) == (0, 50)
    assert (xuanzhou.rank, ningguo.rank) == (1, 2)
    assert (xuanzhou.colour, ningguo.colour) == ("yellow", "red")


def test_retaking_a_month_gives_the_same_rows(march):
    snapshot_take(month=MARCH)
    first = list(MonthlySnapshot.objects.order_by("unit_kind", "rank").values(*FIELDS))
    call_command("supervision_snapshot", month="2025-03")
    assert list(MonthlySnapshot.objects.order_by("unit_kind", "rank").values(*FIELDS)) == first
    assert MonthlySnapshot.objects.count() == 3


FIELDS = ["unit_kind", "region_id", "department_id", "paid_amount", "overall_score", "colour", "rank"]


def test_thresholds_set_by_officials_decide_the_colours(march):
    from policies.models import ColourThreshold

    ColourThreshold.objects.filter(dimension="overall").update(green_from=45, yellow_from=20)
    snapshot_take(month=MARCH)
    assert MonthlySnapshot.objects.get(month=MARCH, department=march["department"]).colour == "green"


def test_the_scheduled_task_takes_last_month_once(march, time_machine):
    time_machine.move_to(at(dt.date(2025, 4, 1), 2))
    assert tasks.snapshot_last_month() == 3
    assert tasks.snapshot_last_month() == 0


# --- 督办 ---------------------------------------------------------------------------------


def decided(policy, month: dt.date, on_time: int, late: int) -> None:
    """Reviews decided in the month: ``on_time`` within their limit, ``late`` after it."""
    firm = factories.enterprise()
    for number in range(on_time + late):
        due = month + dt.timedelta(days=10)
        done = month + dt.timedelta(days=5 if number < on_time else 20)
        row = application(policy, firm, "rejected", year=2000 + month.month * 10 + number, review_due_at=at(due, 17))
        event(row, ApplicationEvent.Kind.REJECTED, done)


@pytest.fixture
def four_departments(make_policy, regions):
    names = ["甲局", "乙局", "丙局", "丁局"]
    return {name: make_policy(issuer=factories.department(name, regions["city"])) for name in names}


def test_two_months_in_the_last_two_places_give_one_notice_and_none_after_one(four_departments):
    jan, feb = dt.date(2025, 1, 1), dt.date(2025, 2, 1)
    on_time_out_of_four = {"甲局": (4, 4), "乙局": (3, 1), "丙局": (2, 2), "丁局": (0, 0)}
    for name, (january, february) in on_time_out_of_four.items():
        decided(four_departments[name], jan, january, 4 - january)
        decided(four_departments[name], feb, february, 4 - february)
    ding = four_departments["丁局"].issuer
    handler = factories.handler(ding, full_name="丁局经办人")
    other = factories.handler(four_departments["丙局"].issuer)

    snapshot_take(month=jan)  # 丙局 and 丁局 last: one month only
    assert not SupervisionNotice.objects.exists()

    snapshot_take(month=feb)  # 乙局 and 丁局 last: 丁局 twice
    notice = SupervisionNotice.objects.get()
    assert (notice.department, notice.month, notice.unit_kind) == (ding, feb, "department")
    assert "连续两个月位于末两位" in notice.subject
    assert list(notice.respondents.all()) == [handler]
    assert notice.due_on == dt.date(2025, 3, 14)  # ten working days after 28 February
    told = Notification.objects.get(recipient=handler, kind="supervision.notice")
    assert "丁局" in told.title and "2025-03-14" in told.title
    assert not Notification.objects.filter(recipient=other).exists()

    snapshot_take(month=feb)  # retaken: still one notice, told once
    assert SupervisionNotice.objects.count() == 1
    assert Notification.objects.filter(kind="supervision.notice").count() == 1


def test_no_notice_when_only_two_units_are_ranked(four_departments):
    jan, feb = dt.date(2025, 1, 1), dt.date(2025, 2, 1)
    for month in (jan, feb):
        decided(four_departments["甲局"], month, 4, 0)
        decided(four_departments["乙局"], month, 0, 4)
    snapshot_take(month=jan)
    snapshot_take(month=feb)
    assert not SupervisionNotice.objects.exists()
