"""The case's life through its services: every allowed and refused transition,
deadlines on the working-day clock, suspension, dissatisfaction and supervision."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from complaints import services
from complaints.models import (
    Case,
    CaseEvent,
    EventKind,
    NonAcceptanceReason,
    Rating,
    RatingMethod,
    SlaPolicy,
    Stage,
    Status,
    Tier,
)
from complaints.services import CaseError
from portal.models import Notification

SHANGHAI = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def at(*args):
    return dt.datetime(*args, tzinfo=SHANGHAI)


class FrozenNow:
    """Pins django.utils.timezone.now for the services (the clock is what is tested)."""

    def __init__(self, monkeypatch):
        self.monkeypatch = monkeypatch

    def __call__(self, moment):
        from django.utils import timezone

        self.monkeypatch.setattr(timezone, "now", lambda: moment)


@pytest.fixture
def freeze(monkeypatch):
    return FrozenNow(monkeypatch)


def test_filing_numbers_cases_by_year_without_gaps(file_case):
    first = file_case()
    second = file_case()
    year = dt.date.today().year
    assert first.number.startswith(f"SQ{year}-")
    assert int(second.number[-6:]) == int(first.number[-6:]) + 1
    assert first.status == Status.RECEIVED
    assert len(first.lookup_code) == 8
    assert first.events.get().kind == EventKind.RECEIVED


def test_the_same_form_twice_files_one_case(file_case):
    first = file_case(idempotency_key="form-123")
    again = file_case(idempotency_key="form-123")
    assert first.pk == again.pk
    assert Case.objects.count() == 1


def test_filing_for_an_enterprise_one_does_not_represent_is_refused(people, file_case):
    with pytest.raises(CaseError) as refused:
        file_case(actor=people.member_b, enterprise=people.enterprise_a)
    assert "enterprise" in refused.value.message_dict


def test_full_life_to_closed(people, case_at):
    case = case_at("resolved")
    case = services.case_rate(case=case, actor=people.member_a, rating=Rating.SATISFIED)
    assert case.status == Status.CLOSED
    assert case.closed_at is not None
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == [
        EventKind.RECEIVED,
        EventKind.ACCEPTED,
        EventKind.ASSIGNED,
        EventKind.MEASURES_SET,
        EventKind.FEEDBACK,
        EventKind.TASK_DONE,
        EventKind.RESOLVED,
        EventKind.RATED,
        EventKind.CLOSED,
    ]
    assert case.tasks.get().department == people.x


# Every action against every status it must refuse.
ACTIONS = {
    "accept": lambda p, case: services.case_accept(case=case, actor=p.official),
    "reject": lambda p, case: services.case_reject(
        case=case, actor=p.official, reason=NonAcceptanceReason.objects.first(), reply="不属于受理范围"
    ),
    "assign": lambda p, case: services.case_assign(case=case, actor=p.official, lead_department=p.x),
    "measures": lambda p, case: services.case_set_measures(
        case=case,
        actor=p.official,
        tasks=[
            {
                "task": "t",
                "measure": "m",
                "deadline": dt.date.today(),
                "department": p.x,
                "responsible_person": "r",
            }
        ],
    ),
    "feedback": lambda p, case: services.case_give_feedback(case=case, actor=p.official, feedback="f"),
    "resolve": lambda p, case: services.case_resolve(
        case=case, actor=p.official, resolution="r", open_tasks_reason="措施已落实，任务待补录销号"
    ),
    "rate": lambda p, case: services.case_rate(case=case, actor=p.member_a, rating=Rating.SATISFIED),
}
ALLOWED_FROM = {
    "accept": "received",
    "reject": "received",
    "assign": "accepted",
    "measures": "assigned",
    "feedback": "measures_set",
    "resolve": "feedback_given",
    "rate": "resolved",
}
STATUSES = ["received", "accepted", "assigned", "measures_set", "feedback_given", "resolved"]


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("status", STATUSES)
def test_each_transition_is_allowed_only_from_its_state(people, case_at, action, status):
    case = case_at(status)
    if ALLOWED_FROM[action] == status:
        ACTIONS[action](people, case)
        return
    before = Case.objects.get(pk=case.pk)
    with pytest.raises(CaseError) as refused:
        ACTIONS[action](people, case)
    assert f"当前状态为“{before.get_status_display()}”" in refused.value.messages[0]
    after = Case.objects.get(pk=case.pk)
    assert (after.status, after.round) == (before.status, before.round)


def test_closed_and_not_accepted_cases_refuse_everything(people, case_at):
    closed = services.case_rate(case=case_at("resolved"), actor=people.member_a, rating=Rating.SATISFIED)
    declined = services.case_reject(
        case=case_at("received"),
        actor=people.official,
        reason=NonAcceptanceReason.objects.first(),
        reply="请走诉讼程序",
    )
    for case in (closed, declined):
        for action in ACTIONS.values():
            with pytest.raises(CaseError):
                action(people, case)


@pytest.mark.parametrize(
    ("who", "action", "status"),
    [
        ("handler_x", "accept", "received"),
        ("member_a", "accept", "received"),
        ("handler_x", "assign", "accepted"),
        ("handler_y", "measures", "assigned"),
        ("member_a", "feedback", "measures_set"),
        ("handler_y", "resolve", "feedback_given"),
        ("member_b", "rate", "resolved"),
        ("handler_x", "rate", "resolved"),
    ],
)
def test_the_wrong_person_is_refused(people, case_at, who, action, status):
    case = case_at(status)

    class Acting:
        pass

    acting = Acting()
    acting.__dict__.update(people.__dict__)
    acting.official = acting.member_a = getattr(people, who)
    with pytest.raises(PermissionDenied):
        ACTIONS[action](acting, case)
    assert Case.objects.get(pk=case.pk).status == status


def test_handler_of_the_lead_department_takes_the_case_to_resolved(people, case_at):
    case = case_at("resolved")
    assert case.status == Status.RESOLVED
    actors = set(case.events.exclude(kind__in=[EventKind.RECEIVED]).values_list("actor__username", flat=True))
    assert "handler_x" in actors


def test_reject_needs_a_reply(people, case_at):
    with pytest.raises(CaseError) as refused:
        services.case_reject(
            case=case_at("received"), actor=people.official, reason=NonAcceptanceReason.objects.first(), reply=" "
        )
    assert "reply" in refused.value.message_dict


def test_the_database_refuses_not_accepted_without_a_reason(case_at):
    case = case_at("received")
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(status=Status.NOT_ACCEPTED)


def test_difficult_cases_need_a_chief_officer(people, case_at):
    case = case_at("accepted")
    with pytest.raises(CaseError) as refused:
        services.case_assign(case=case, actor=people.official, lead_department=people.x, tier=Tier.DIFFICULT)
    assert "chief_officer" in refused.value.message_dict
    case = services.case_assign(
        case=case, actor=people.official, lead_department=people.x, tier=Tier.DIFFICULT, chief_officer=people.chief
    )
    assert case.chief_officer == people.chief
    # The owning chief officer may act on it like a handler.
    services.case_set_measures(
        case=case,
        actor=people.chief,
        tasks=[
            {
                "task": "t",
                "measure": "m",
                "deadline": dt.date.today(),
                "department": people.y,
                "responsible_person": "r",
            }
        ],
    )


def test_assignment_notifies_the_departments_handlers(people, case_at):
    case = case_at("assigned")
    notification = Notification.objects.get(recipient=people.handler_x, kind="case.assigned")
    assert case.number in notification.title
    assert not Notification.objects.filter(recipient=people.handler_y).exists()


def test_unsatisfied_once_reassigns_with_a_fresh_clock(people, case_at):
    case = case_at("resolved")
    with pytest.raises(CaseError):
        services.case_rate(case=case, actor=people.member_a, rating=Rating.UNSATISFIED, comment="")
    case = services.case_rate(case=case, actor=people.member_a, rating=Rating.UNSATISFIED, comment="问题没解决")
    assert case.status == Status.ASSIGNED
    assert case.round == 2
    assert case.stage == Stage.MEASURES
    assert case.measures_due_at > case.assigned_at
    assert not case.is_supervised
    assert case.events.filter(kind=EventKind.REASSIGNED).count() == 1


def test_unsatisfied_twice_goes_under_supervision(people, case_at):
    case = case_at("resolved")
    case = services.case_rate(case=case, actor=people.member_a, rating=Rating.UNSATISFIED, comment="没解决")
    for step in (
        lambda c: services.case_set_measures(
            case=c,
            actor=people.handler_x,
            tasks=[
                {
                    "task": "t",
                    "measure": "m",
                    "deadline": dt.date.today(),
                    "department": people.x,
                    "responsible_person": "r",
                }
            ],
        ),
        lambda c: services.case_give_feedback(case=c, actor=people.handler_x, feedback="再次反馈"),
        lambda c: services.case_resolve(
            case=c, actor=people.handler_x, resolution="再次办结", open_tasks_reason="已当面解决"
        ),
    ):
        case = step(case)
    case = services.case_rate(case=case, actor=people.member_a, rating=Rating.UNSATISFIED, comment="还是没解决")
    assert case.is_supervised
    assert case.round == 3
    assert case.events.filter(kind=EventKind.SUPERVISED).count() == 1
    assert Notification.objects.filter(recipient=people.chief, kind="case.supervised").exists()
    assert case.ratings.count() == 2


def test_an_official_records_a_return_visit(people, case_at):
    case = services.case_rate(
        case=case_at("resolved"), actor=people.official, rating=Rating.BASICALLY_SATISFIED, method=RatingMethod.PHONE
    )
    assert case.status == Status.CLOSED
    with pytest.raises(PermissionDenied):
        services.case_rate(
            case=case_at("resolved"), actor=people.member_a, rating=Rating.SATISFIED, method=RatingMethod.PHONE
        )


def test_deadlines_follow_the_1_2_3_rule_across_national_day(people, file_case, freeze):
    freeze(at(2026, 9, 30, 10, 0))
    case = services.case_accept(case=file_case(), actor=people.official)
    assert case.stage == Stage.ASSIGN
    assert case.stage_due_at == at(2026, 10, 8, 17, 30)
    # One calendar month, ending on a working day.
    assert case.resolve_due_at == at(2026, 10, 30, 17, 30)

    freeze(at(2026, 10, 8, 9, 0))
    case = services.case_assign(case=case, actor=people.official, lead_department=people.x)
    assert case.stage_due_at == at(2026, 10, 10, 17, 30)  # two working days, the adjusted Saturday counts

    freeze(at(2026, 10, 9, 16, 0))
    case = services.case_set_measures(
        case=case,
        actor=people.handler_x,
        tasks=[
            {
                "task": "t",
                "measure": "m",
                "deadline": dt.date(2026, 10, 20),
                "department": people.x,
                "responsible_person": "r",
            }
        ],
    )
    assert case.stage == Stage.FEEDBACK
    assert case.stage_due_at == at(2026, 10, 13, 17, 30)  # Sat 10th (adjusted), Mon 12th, Tue 13th


def test_the_rule_for_the_assigned_tier_sets_the_round_deadlines(people, file_case, freeze):
    SlaPolicy.objects.create(
        name="简单件快办",
        tiers=["simple"],
        assign_days=1,
        measures_days=1,
        feedback_days=1,
        resolve_working_days=1,
        priority=50,
    )
    freeze(at(2026, 11, 2, 9, 0))  # a Monday
    case = services.case_accept(case=file_case(channel="hotline"), actor=people.official)
    assert case.sla_policy.name == "宣城 1-2-3"  # filed as 一般: the default rule's 交办 day
    case = services.case_assign(case=case, actor=people.official, lead_department=people.x, tier="simple")
    assert case.sla_policy.name == "简单件快办"
    assert case.stage_due_at == at(2026, 11, 3, 17, 30)
    assert case.resolve_due_at == at(2026, 11, 3, 17, 30)  # recomputed at 交办, one working day
    other = services.case_accept(case=file_case(channel="hotline"), actor=people.official)
    other = services.case_assign(case=other, actor=people.official, lead_department=people.x)
    assert other.sla_policy.name == "宣城 1-2-3"
    assert other.resolve_due_at == at(2026, 12, 2, 17, 30)


def test_suspension_stops_the_clock(people, case_at, freeze):
    freeze(at(2026, 11, 2, 9, 0))  # Monday
    case = case_at("assigned")
    assert case.stage_due_at == at(2026, 11, 4, 17, 30)
    freeze(at(2026, 11, 3, 10, 0))
    case = services.case_suspend(case=case, actor=people.handler_x, reason="等待企业补充材料")
    with pytest.raises(CaseError):
        services.case_suspend(case=case, actor=people.handler_x, reason="again")
    # Suspended over a weekend: Tue → next Tue is five working days.
    freeze(at(2026, 11, 10, 15, 0))
    case = services.case_resume(case=case, actor=people.handler_x)
    assert case.stage_due_at == at(2026, 11, 11, 17, 30)
    assert not case.is_suspended
    changed = case.events.get(kind=EventKind.DEADLINE_CHANGED)
    assert "顺延" in changed.note


def test_suspended_cases_refuse_progress_until_resumed(people, case_at):
    case = services.case_suspend(case=case_at("assigned"), actor=people.handler_x, reason="等待材料")
    task = {"task": "t", "measure": "m", "deadline": dt.date.today(), "department": people.x, "responsible_person": "r"}
    with pytest.raises(CaseError, match="暂停"):
        services.case_set_measures(case=case, actor=people.handler_x, tasks=[task])
    case = services.case_resume(case=case, actor=people.handler_x)
    assert services.case_set_measures(case=case, actor=people.handler_x, tasks=[task]).status == Status.MEASURES_SET


def test_escalation_hands_the_case_to_a_chief_officer(people, case_at):
    case = services.case_escalate(case=case_at("assigned"), actor=people.official, chief_officer=people.chief)
    assert case.is_escalated and case.chief_officer == people.chief
    with pytest.raises(CaseError):
        services.case_escalate(case=case, actor=people.official, chief_officer=people.handler_x)
    with pytest.raises(PermissionDenied):
        services.case_escalate(case=case, actor=people.handler_x, chief_officer=people.chief)


def test_comments_from_the_enterprise_are_public_and_staff_may_keep_theirs_internal(people, case_at):
    case = case_at("assigned")
    public = services.case_comment(case=case, actor=people.member_a, note="补充：已提交电子材料")
    internal = services.case_comment(case=case, actor=people.handler_x, note="内部：需协调规划局")
    assert public.is_public and not internal.is_public
    with pytest.raises(PermissionDenied):
        services.case_comment(case=case, actor=people.handler_y, note="不相干")


def test_the_timeline_is_append_only(case_at):
    event = case_at("received").events.get()
    with pytest.raises(Exception, match="Cannot"), transaction.atomic():
        CaseEvent.objects.filter(pk=event.pk).update(note="rewritten")
    with pytest.raises(Exception, match="Cannot"), transaction.atomic():
        CaseEvent.objects.filter(pk=event.pk).delete()
