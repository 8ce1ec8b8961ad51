"""Demo 咨询: questions of the demo enterprise answered by its 管家 马管家 (one rated, one
awaiting its rating), one past its limit unanswered, one turned into a case, one still in
time; and one of enterprise2 (no 管家) answered by the 营商办. Through the real services,
then asked earlier so the limits have run. Idempotent: nothing is added once they exist."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from complaints.consultations import services
from complaints.models import Consultation, ProblemCategory, Rating
from portal.models import User
from portal.workdays import WorkCalendar

# (question, days ago, what happens: "rated", "answered", "overdue", "case", "waiting")
QUESTIONS = [
    (
        "我公司今年想申报高新技术企业，研发费用占比按哪一年的销售收入计算？需要专项审计报告吗？",
        12,
        "rated",
        "按近三个会计年度的研发费用总额占同期销售收入总额的比例计算，需由中介机构出具专项审计报告。"
        "申报前可到经信局参加政策辅导会。",
    ),
    (
        "技改项目设备投入奖补，进口设备的发票可以计入投资额吗？",
        6,
        "answered",
        "可以，以海关进口增值税专用缴款书和付款凭证为准，需与项目备案内容一致。",
    ),
    ("厂区周边道路长期破损，货车进出困难，这个问题可以找哪个部门？", 9, "case", ""),
    ("新招的外地员工子女入学，需要企业出具哪些证明？", 8, "overdue", ""),
    ("专精特新中小企业的认定今年什么时候开始申报？", 0, "waiting", ""),
]
OFFICE_QUESTION = (
    "小微企业吸纳高校毕业生的社保补贴在哪里申请？",
    5,
    "answered",
    "在皖事通“就业补贴”栏目在线申请，人社局审核后按季度拨付。",
)


def _backdate(consultation: Consultation, days: int, calendar: WorkCalendar) -> Consultation:
    """Ask it ``days`` days ago, mid-morning, with the deadline that would have given."""
    asked_at = timezone.localtime() - dt.timedelta(days=days)
    asked_at = asked_at.replace(hour=10, minute=0, second=0, microsecond=0)
    due = services.answer_deadline(asked_at=asked_at, calendar=calendar)
    Consultation.objects.filter(pk=consultation.pk).update(asked_at=asked_at, answer_due_at=due)
    consultation.refresh_from_db()
    return consultation


def _answered_in_time(consultation: Consultation) -> None:
    """An answer given the day after the question (demo answers were on time)."""
    answered_at = consultation.asked_at + dt.timedelta(days=1)
    Consultation.objects.filter(pk=consultation.pk).update(answered_at=min(answered_at, consultation.answer_due_at))


@transaction.atomic
def seed(stdout=None) -> None:
    enterprise_user = User.objects.get(username="enterprise")
    enterprise = enterprise_user.memberships.get().enterprise
    if Consultation.objects.filter(enterprise=enterprise).exists():
        if stdout:
            stdout.write("Demo consultations already present.")
        return
    steward = User.objects.get(username="steward")
    official = User.objects.get(username="official")
    calendar = WorkCalendar()
    category = ProblemCategory.objects.get(name="基础设施")
    for question, days_ago, outcome, answer in QUESTIONS:
        consultation = services.consultation_ask(actor=enterprise_user, enterprise=enterprise, question=question)
        consultation = _backdate(consultation, days_ago, calendar)
        if outcome in ("rated", "answered"):
            services.consultation_answer(consultation=consultation, actor=steward, answer=answer)
            _answered_in_time(consultation)
        if outcome == "rated":
            services.consultation_rate(
                consultation=consultation,
                actor=enterprise_user,
                rating=Rating.SATISFIED,
                comment="答复很及时，讲得清楚。",
            )
        if outcome == "case":
            services.consultation_to_case(consultation=consultation, actor=steward, category=category)
    # enterprise2 has no 管家: the 营商办 answers.
    enterprise_user2 = User.objects.get(username="enterprise2")
    question, days_ago, _outcome, answer = OFFICE_QUESTION
    consultation = services.consultation_ask(
        actor=enterprise_user2, enterprise=enterprise_user2.memberships.get().enterprise, question=question
    )
    consultation = _backdate(consultation, days_ago, calendar)
    services.consultation_answer(consultation=consultation, actor=official, answer=answer)
    _answered_in_time(consultation)
    # The one past its limit is flagged now rather than at the cluster's next sweep.
    services.consultation_sweep_overdue()
    if stdout:
        stdout.write(f"Demo consultations: {len(QUESTIONS) + 1}, answered by 马管家 and the 营商办.")
