"""Every change to a 咨询: ask, answer, turn into a case, rate; the sweep that flags
those past their limit; and the limit itself. Keyword-only and atomic, like the case
services; who may act is checked here (``permissions``), under the row's lock.

A refused step raises :class:`ConsultationError` with a message in the user's language.
One the consultation's state no longer allows (answered already, a case already, rated
already) has the code ``invalid_state``: the API answers 409 and the page says so.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import services as case_services
from complaints.consultations import permissions
from complaints.consultations.selectors import answerers, overdue_q
from complaints.models import Case, Channel, Consultation, ConsultationRule, ProblemCategory, Rating
from portal import roles
from portal.models import Enterprise, User
from portal.selectors import is_approved_member
from portal.services import notification_send, notifications_insert_sql
from portal.workdays import WorkCalendar

# The limit when the rule's row is missing (a flushed test database); migration 0012 stores 3.
DEFAULT_ANSWER_DAYS = 3
QUESTION_MAX_LENGTH = 5000
ANSWER_MAX_LENGTH = 5000


class ConsultationError(ValidationError):
    """A step the consultation's state or the actor's role does not allow."""


def _lock(consultation: Consultation) -> Consultation:
    """Re-read under a row lock: a 管家 and an official answering at once take turns."""
    return Consultation.objects.select_for_update(of=("self",)).select_related("asked_by").get(pk=consultation.pk)


def _format(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


def _excerpt(text: str, length: int = 40) -> str:
    line = (text.strip().splitlines() or [""])[0].strip()
    return line if len(line) <= length else line[: length - 1] + "…"


def _link(consultation: Consultation) -> str:
    return reverse("consultations:detail", args=[consultation.pk])


# --- The limit ------------------------------------------------------------------------


def answer_days() -> int:
    """Working days an answer may take (咨询答复时限, kept in the admin)."""
    rule = ConsultationRule.objects.filter(pk=1).first()
    return rule.answer_days if rule is not None else DEFAULT_ANSWER_DAYS


def answer_deadline(*, asked_at: dt.datetime, calendar: WorkCalendar | None = None) -> dt.datetime:
    """End of office hours on the N-th working day after the question (a question after
    hours or on a day off counts from the next working morning, as cases do)."""
    return (calendar or WorkCalendar()).deadline(asked_at, answer_days())


@transaction.atomic
def consultation_rule_set(*, actor: User, answer_days: int) -> ConsultationRule:
    """Change the answer limit. It applies to questions asked from now on; those already
    asked keep the deadline they were given."""
    if not actor.has_perm("complaints.change_consultationrule"):
        raise PermissionDenied
    if answer_days < 1:
        raise ConsultationError({"answer_days": _("答复时限至少为1个工作日。")}, code="too_short")
    rule, _created = ConsultationRule.objects.select_for_update().get_or_create(pk=1)
    rule.answer_days = answer_days
    rule.full_clean()
    rule.save(update_fields=["answer_days"])
    return rule


# --- Asking ---------------------------------------------------------------------------


@transaction.atomic
def consultation_ask(*, actor: User, enterprise: Enterprise, question: str) -> Consultation:
    """An approved member of the enterprise asks; the answer is due N working days from
    now. The enterprise's 管家 are told, or, for a firm with none, the 营商办's officials."""
    if not is_approved_member(user=actor, enterprise=enterprise):
        raise ConsultationError({"enterprise": _("您尚未获准代表该企业。")}, code="not_member")
    question = question.strip()
    if not question:
        raise ConsultationError({"question": _("请填写咨询内容。")}, code="question_required")
    if len(question) > QUESTION_MAX_LENGTH:
        raise ConsultationError(
            {"question": _("咨询内容不能超过%(limit)d个字。") % {"limit": QUESTION_MAX_LENGTH}}, code="too_long"
        )
    now = timezone.now()
    consultation = Consultation(
        enterprise=enterprise,
        asked_by=actor,
        question=question,
        asked_at=now,
        answer_due_at=answer_deadline(asked_at=now),
    )
    consultation.full_clean()
    consultation.save()
    # The question, not the firm: the page behind the link names it to those who may see it.
    title = _("新的企业咨询：%(question)s") % {"question": _excerpt(question)}
    for recipient in answerers(enterprise_id=enterprise.pk):
        notification_send(
            recipient=recipient,
            kind="consultation.asked",
            title=title,
            body=_("请于%(due)s前答复。") % {"due": _format(consultation.answer_due_at)},
            link=_link(consultation),
            dedup_key=f"consultation.asked:{consultation.pk}",
            email=True,
        )
    return consultation


# --- Answering --------------------------------------------------------------------------


def _refuse_if_case(consultation: Consultation) -> None:
    case = consultation.case
    if case is not None:
        raise ConsultationError(
            _("该咨询已转为诉求件 %(number)s，请在诉求件中办理。") % {"number": case.number},
            code="invalid_state",
        )


@transaction.atomic
def consultation_answer(*, consultation: Consultation, actor: User, answer: str) -> Consultation:
    """Answer the question, once: the enterprise's 管家 or an official. The asker is told."""
    consultation = _lock(consultation)
    if not permissions.can_answer(actor, consultation):
        raise PermissionDenied
    answer = answer.strip()
    if not answer:
        raise ConsultationError({"answer": _("请填写答复内容。")}, code="answer_required")
    if len(answer) > ANSWER_MAX_LENGTH:
        raise ConsultationError(
            {"answer": _("答复内容不能超过%(limit)d个字。") % {"limit": ANSWER_MAX_LENGTH}}, code="too_long"
        )
    _refuse_if_case(consultation)
    if consultation.answered_at is not None:
        raise ConsultationError(
            _("该咨询已于%(when)s答复，不能重复答复。") % {"when": _format(consultation.answered_at)},
            code="invalid_state",
        )
    consultation.answer = answer
    consultation.answered_by = actor
    consultation.answered_at = timezone.now()
    consultation.save(update_fields=["answer", "answered_by", "answered_at"])
    asker = consultation.asked_by
    if asker.is_active:
        notification_send(
            recipient=asker,
            kind="consultation.answered",
            title=_("您的咨询已答复：%(question)s") % {"question": _excerpt(consultation.question)},
            body=_("答复人：%(name)s。欢迎对答复作出评价。") % {"name": actor.display_name},
            link=_link(consultation),
            dedup_key=f"consultation.answered:{consultation.pk}",
            email=True,
            sms=True,
        )
    return consultation


def default_category() -> ProblemCategory | None:
    """The category a case made from a question gets unless one is chosen: the last
    active one in the officials' order (其他, as the list ships)."""
    return ProblemCategory.objects.filter(is_active=True).order_by("-sort_order", "-pk").first()


@transaction.atomic
def consultation_to_case(*, consultation: Consultation, actor: User, category: ProblemCategory | None = None) -> Case:
    """转为诉求件: the question turned out to be a problem. Files a case (channel 咨询)
    for the enterprise with the asker as 诉求人 and the question as its text, received
    now and accepted by rule, so its 1-2-3 clock runs from this moment; the consultation
    keeps the link (one case per consultation: a second call is refused). The asker is
    told, and follows the case as any case of their enterprise."""
    consultation = _lock(consultation)
    if not permissions.can_answer(actor, consultation):
        raise PermissionDenied
    _refuse_if_case(consultation)
    category = category or default_category()
    if category is None:
        raise ConsultationError({"category": _("请选择问题分类。")}, code="category_required")
    asker = consultation.asked_by
    enterprise = consultation.enterprise
    lines = [
        consultation.question,
        "",
        _("（由企业咨询转入，提问时间：%(when)s）") % {"when": _format(consultation.asked_at)},
    ]
    if consultation.answered_at is not None:
        lines.append(_("已答复：%(answer)s") % {"answer": consultation.answer})
    # Filed with no acting user: the 管家 does not speak for the enterprise (case_file
    # would refuse them); the asker is the 诉求人, and the trail names who turned it.
    case = case_services.case_file(
        actor=None,
        channel=Channel.CONSULTATION,
        title=_excerpt(consultation.question, 100),
        description="\n".join(lines),
        category=category,
        enterprise=enterprise,
        region=enterprise.region,
        complainant_name=asker.get_full_name(),
        complainant_phone=asker.mobile,
        complainant_email=asker.email,
    )
    case = case_services.case_accept_on_intake(
        case=case, note=_("由%(name)s将企业咨询转为诉求件，按规则受理。") % {"name": actor.display_name}
    )
    consultation.case = case
    consultation.save(update_fields=["case"])
    if asker.is_active:
        notification_send(
            recipient=asker,
            kind="consultation.to_case",
            title=_("您的咨询已转为诉求件 %(number)s 办理") % {"number": case.number},
            link=reverse("complaints:case_detail", args=[case.number]),
            dedup_key=f"consultation.to_case:{consultation.pk}",
            email=True,
        )
    return case


# --- Rating ------------------------------------------------------------------------------


@transaction.atomic
def consultation_rate(*, consultation: Consultation, actor: User, rating: str, comment: str = "") -> Consultation:
    """The enterprise rates the answer, once, after it is answered. Its answerer is told."""
    consultation = _lock(consultation)
    if not permissions.is_member(actor, consultation):
        raise PermissionDenied
    if rating not in Rating.values:
        raise ConsultationError({"rating": _("请选择评价。")}, code="rating_required")
    if consultation.answered_at is None:
        raise ConsultationError(_("该咨询尚未答复，答复后才能评价。"), code="invalid_state")
    if consultation.rating:
        raise ConsultationError(
            _("该咨询已于%(when)s评价，每条咨询只能评价一次。") % {"when": _format(consultation.rated_at)},
            code="invalid_state",
        )
    consultation.rating = rating
    consultation.rating_comment = comment.strip()
    consultation.rated_at = timezone.now()
    consultation.save(update_fields=["rating", "rating_comment", "rated_at"])
    answerer = consultation.answered_by
    if answerer is not None and answerer.is_active:
        notification_send(
            recipient=answerer,
            kind="consultation.rated",
            title=_("企业评价了您的咨询答复：%(rating)s") % {"rating": Rating(rating).label},
            link=_link(consultation),
            dedup_key=f"consultation.rated:{consultation.pk}",
        )
    return consultation


# --- The overdue sweep -----------------------------------------------------------------
#
# As the case sweep (complaints/tasks.py), one statement whatever the number of late
# questions: flag every consultation past its limit unanswered and not yet flagged
# ("overdue" is selectors.overdue_q, compiled by the ORM into the first CTE), and put a
# notice in the inbox of each of the enterprise's 管家 (a unique key per recipient makes a
# second run a no-op). Officials get one summary per sweep, which covers the firms with
# no 管家. Running it again finds nothing unflagged and changes nothing.
_SWEEP_STEPS = """
WITH candidates AS ({candidates}
), overdue AS (
    UPDATE complaints_consultation c
       SET overdue_at = %s
      FROM candidates
     WHERE c.id = candidates.id
 RETURNING c.id, c.enterprise_id, c.question
), recipients AS (
    SELECT o.id AS consultation_id, o.question, s.steward_id AS user_id
      FROM overdue o
      JOIN portal_stewardassignment s ON s.enterprise_id = o.enterprise_id
      JOIN portal_user u ON u.id = s.steward_id AND u.is_active
), notified AS (
"""

SWEEP_SQL = (
    _SWEEP_STEPS  # noqa: S608 - assembled from constant SQL only; every value is a bound parameter
    + notifications_insert_sql(
        """SELECT user_id AS recipient_id, 'consultation.overdue' AS kind, %s || left(question, 150) AS title,
           %s || consultation_id || '/' AS link, 'consultation.overdue:' || consultation_id AS dedup_key,
           %s AS created_at
      FROM recipients"""
    )
    + """
)
SELECT count(*) FROM overdue
"""
)


def _sweep_candidates(now: dt.datetime):
    """The consultations to flag, as SQL, locked so that an answer being given waits."""
    queryset = (
        Consultation.objects.filter(overdue_q(now), overdue_at__isnull=True)
        .order_by()
        .values("id")
        .select_for_update(of=("self",))
    )
    return queryset.query.sql_with_params()


def consultation_sweep_overdue() -> int:
    """Flag consultations newly past their limit unanswered and tell their 管家; officials
    get one summary. Returns how many were new."""
    now = timezone.now()
    link_prefix = reverse("consultations:detail", args=[0])[:-2]
    with transaction.atomic(), connection.cursor() as cursor:
        candidates_sql, candidates_params = _sweep_candidates(now)
        params = [*candidates_params, now, _("咨询超期未答复："), link_prefix, now]
        cursor.execute(SWEEP_SQL.format(candidates=candidates_sql), params)
        count = cursor.fetchone()[0]
        if count:
            for official in User.objects.filter(groups__name=roles.OFFICIAL, is_active=True).distinct():
                notification_send(
                    recipient=official,
                    kind="consultation.overdue.summary",
                    title=_("新增超期未答复咨询 %(count)d 条") % {"count": count},
                    link=reverse("consultations:answers") + "?overdue=true",
                    dedup_key=f"consultation.overdue.summary:{now.isoformat()}",
                )
    return count
