"""Changes to the 走访 log: record a visit, turn a problem found into a case.
Keyword-only and atomic, like the case services; ``Visit`` is in the history
(pghistory), with the acting user from the request's context."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import services as case_services
from complaints.models import Case, Channel, ProblemCategory, Visit, VisitProblem
from complaints.visits import selectors
from portal.models import Enterprise, StewardAssignment, User

# A visit lists at most this many problems found (a form's rows, an API body's list).
MAX_PROBLEMS = 20
DEFAULT_CATEGORY = "其他"


class VisitError(ValidationError):
    """A change the visit's state or the input does not allow."""


@transaction.atomic
def visit_record(
    *,
    steward: User,
    enterprise: Enterprise,
    visited_on: dt.date,
    people_met: str,
    discussed: str,
    problems: Sequence[str] = (),
) -> Visit:
    """Record a 管家's visit to an enterprise they look after, with the problems found
    (blank ones left out). Refused for anyone but a 管家 of that enterprise, and for a
    date in the future."""
    if not selectors.is_steward(steward):
        raise PermissionDenied
    if not StewardAssignment.objects.filter(steward=steward, enterprise=enterprise).exists():
        raise VisitError({"enterprise": _("您不是该企业的亲商管家，不能记录对它的走访。")}, code="not_steward")
    if visited_on > timezone.localdate():
        raise VisitError({"visited_on": _("走访日期不能晚于今天。")}, code="future")
    descriptions = [text.strip() for text in problems if text and text.strip()]
    if len(descriptions) > MAX_PROBLEMS:
        raise VisitError(
            {"problems": _("一次走访最多记录 %(count)d 个问题。") % {"count": MAX_PROBLEMS}}, code="too_many"
        )
    visit = Visit(
        steward=steward,
        enterprise=enterprise,
        visited_on=visited_on,
        people_met=people_met.strip(),
        discussed=discussed.strip(),
    )
    visit.full_clean()
    visit.save()
    VisitProblem.objects.bulk_create(VisitProblem(visit=visit, description=text) for text in descriptions)
    return visit


@transaction.atomic
def visit_problem_to_case(*, problem: VisitProblem, actor: User, category: ProblemCategory | None = None) -> Case:
    """File a problem found on a visit as a case (channel 走访) for the visited
    enterprise, the acting 管家 (or official) as its filer, and accept it: like the
    appeals taken at a roundtable, a problem a 管家 brings back is accepted by rule, and
    its 1-2-3 clock runs from now, as for every case staff register. The problem keeps
    the case; a second conversion is refused (``invalid_state``, answered 409), and the
    one-to-one ``VisitProblem.case`` refuses it in the database too."""
    problem = (
        VisitProblem.objects.select_for_update(of=("self",))
        .select_related("visit__enterprise__region", "visit__steward", "case")
        .get(pk=problem.pk)
    )
    visit = problem.visit
    if not selectors.may_convert(actor, visit):
        raise PermissionDenied
    if problem.case is not None:
        raise VisitError(
            _("该问题已转为诉求件 %(number)s，不能重复转办。") % {"number": problem.case.number},
            code="invalid_state",
        )
    enterprise = visit.enterprise
    first_line = (problem.description.strip() or "—").splitlines()[0]
    case = case_services.case_file(
        actor=actor,
        channel=Channel.STEWARD_VISIT,
        title=(_("【走访】%(enterprise)s：%(problem)s") % {"enterprise": enterprise.name[:60], "problem": first_line})[
            :200
        ],
        description=problem.description
        + "\n\n"
        + _("亲商管家%(steward)s于%(date)s走访时发现；接待人员：%(people)s。")
        % {
            "steward": visit.steward.get_full_name(),
            "date": visit.visited_on.strftime("%Y-%m-%d"),
            "people": visit.people_met or "—",
        },
        category=category or ProblemCategory.objects.get(name=DEFAULT_CATEGORY),
        enterprise=enterprise,
        # The enterprise is the 诉求人; its members hear of the case (case_services._notify_complainant).
        complainant_name=(enterprise.contact_person or enterprise.name)[:50],
        complainant_phone=enterprise.contact_phone,
    )
    problem.case = case
    problem.save(update_fields=["case"])
    return case_services.case_accept_on_intake(case=case, note=_("亲商管家走访发现的问题，登记即受理。"))
