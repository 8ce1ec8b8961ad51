"""Changes to the quarterly lists and the 约谈: draft a quarter, move a unit with a
reason, publish; record a 约谈 with its three lists, sign an item off for a month.
Keyword-only and atomic, like the case services; every model here but the monthly
sign-offs is in the history (pghistory), with the acting user from the request's
context. A published list is frozen: these services refuse to touch it, and a
database trigger (migration 0013) refuses too."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import (
    Interview,
    InterviewItem,
    InterviewLevel,
    ItemKind,
    ItemSignOff,
    QuarterRanking,
    RankingEntry,
    RankingList,
    RankingState,
)
from complaints.rankings import selectors
from complaints.reporting.selectors import CaseFigures, department_figures
from portal.models import Department, User

MAX_ITEMS = 30


class RankingError(ValidationError):
    """A change the list's state or the input does not allow."""


def _refuse_published(ranking: QuarterRanking) -> None:
    if ranking.is_published:
        raise RankingError(_("%(quarter)s 榜单已公布，不能再修改。") % {"quarter": ranking.code}, code="published")


def _entry_values(rule, figures) -> dict:
    on_time = figures.on_time_rate
    satisfaction = figures.satisfaction_rate
    drafted = selectors.apply_rule(
        rule,
        accepted=figures.accepted,
        on_time=on_time,
        resolution=figures.resolution_rate,
        satisfaction=satisfaction,
        overdue=figures.overdue_open,
    )
    return {
        "drafted_list": drafted,
        "received": figures.received,
        "accepted": figures.accepted,
        "resolved": figures.resolved,
        "on_time": on_time.numerator,
        "on_time_of": on_time.denominator,
        "satisfied": satisfaction.numerator,
        "rated": satisfaction.denominator,
        "visited": figures.visited,
        "overdue_open": figures.overdue_open,
    }


@transaction.atomic
def ranking_draft(
    *,
    year: int,
    quarter: int,
    actor: User,
    now: dt.datetime | None = None,
    fill_in: Mapping[int, CaseFigures] | None = None,
) -> QuarterRanking:
    """Draft (or draft again) a quarter's list: every active 承办单位 with its figures
    over the cases received in the quarter (``complaints.reporting.selectors``, the one
    definition of each) and the list the rule in the admin puts it on. Drafting again
    refreshes the figures and the drafted lists and keeps the moves officials made
    (with their reasons). Refused for a published quarter.

    ``now`` dates the draft and is the moment the figures are taken at (a quarter's
    end). ``fill_in`` gives figures, by department id, for units that had no case in
    the quarter — the demo's, whose cases reach only a few units (like the 三色图's
    ``snapshot_store``); a unit's own figures always win."""
    if not selectors.may_manage(actor):
        raise PermissionDenied
    if not 1 <= quarter <= 4:
        raise RankingError({"quarter": _("季度应为1至4。")}, code="quarter")
    now = now or timezone.now()
    ranking = QuarterRanking.objects.select_for_update().filter(year=year, quarter=quarter).first()
    if ranking is None:
        ranking = QuarterRanking.objects.create(year=year, quarter=quarter, drafted_at=now, drafted_by=actor)
    else:
        _refuse_published(ranking)
        ranking.drafted_at, ranking.drafted_by = now, actor
        ranking.save(update_fields=["drafted_at", "drafted_by"])
    rule = selectors.current_rule()
    by_department = {
        department.id: department.figures
        for department in department_figures(selectors.quarter_period(year, quarter), now=now)
    }
    for department_id, figures in (fill_in or {}).items():
        by_department.setdefault(department_id, figures)
    existing = {entry.department_id: entry for entry in ranking.entries.all()}
    for department in Department.objects.filter(is_active=True).order_by("pk"):
        values = _entry_values(rule, by_department.get(department.pk, CaseFigures()))
        entry = existing.get(department.pk)
        if entry is None:
            RankingEntry.objects.create(ranking=ranking, department=department, list=values["drafted_list"], **values)
            continue
        for name, value in values.items():
            setattr(entry, name, value)
        if not entry.moved_reason:
            entry.list = entry.drafted_list
        entry.save()
    return ranking


@transaction.atomic
def ranking_move(
    *, entry: RankingEntry, to_list: str, reason: str, actor: User, now: dt.datetime | None = None
) -> RankingEntry:
    """Move a unit of a draft list to another list, with the reason (required), at
    ``now`` (by default the present). Refused once the list is published."""
    if not selectors.may_manage(actor):
        raise PermissionDenied
    entry = RankingEntry.objects.select_for_update().select_related("ranking").get(pk=entry.pk)
    _refuse_published(entry.ranking)
    if to_list not in RankingList.values:
        raise RankingError({"to_list": _("请选择榜单。")}, code="list")
    reason = (reason or "").strip()
    if not reason:
        raise RankingError({"reason": _("调整榜单须说明理由。")}, code="reason")
    if to_list == entry.list:
        raise RankingError({"to_list": _("该单位已在此榜单中。")}, code="same_list")
    entry.list = to_list
    entry.moved_reason = reason
    entry.moved_by = actor
    entry.moved_at = now or timezone.now()
    entry.save(update_fields=["list", "moved_reason", "moved_by", "moved_at"])
    return entry


@transaction.atomic
def ranking_publish(*, ranking: QuarterRanking, actor: User, now: dt.datetime | None = None) -> QuarterRanking:
    """Publish a draft list: from now on it is public, dated and frozen (its figures are
    those of the last draft). Refused when already published."""
    if not selectors.may_manage(actor):
        raise PermissionDenied
    ranking = QuarterRanking.objects.select_for_update().get(pk=ranking.pk)
    _refuse_published(ranking)
    ranking.state = RankingState.PUBLISHED
    ranking.published_at = now or timezone.now()
    ranking.published_by = actor
    ranking.save(update_fields=["state", "published_at", "published_by"])
    return ranking


@transaction.atomic
def interview_record(
    *,
    entry: RankingEntry,
    level: int,
    held_on: dt.date,
    interviewer: str,
    interviewee: str,
    actor: User,
    notes: str = "",
    items: Sequence[tuple[str, str]] = (),
) -> Interview:
    """Record a 约谈 of a unit on a published list, with its 任务、问题、责任 items
    (``(kind, text)``; blank ones left out)."""
    if not selectors.may_record_interviews(actor):
        raise PermissionDenied
    entry = RankingEntry.objects.select_related("ranking").get(pk=entry.pk)
    if not entry.ranking.is_published:
        raise RankingError(_("只能对已公布榜单中的单位进行约谈。"), code="not_published")
    if held_on > timezone.localdate():
        raise RankingError({"held_on": _("约谈日期不能晚于今天。")}, code="future")
    if level not in InterviewLevel.values:
        raise RankingError({"level": _("约谈级别应为一级至三级。")}, code="level")
    rows = [(kind, text.strip()) for kind, text in items if text and text.strip()]
    if any(kind not in ItemKind.values for kind, _text in rows):
        raise RankingError({"items": _("清单类别有误。")}, code="kind")
    if len(rows) > MAX_ITEMS:
        raise RankingError({"items": _("一次约谈最多 %(count)d 个清单事项。") % {"count": MAX_ITEMS}}, code="too_many")
    interview = Interview(
        entry=entry,
        level=level,
        held_on=held_on,
        interviewer=interviewer.strip(),
        interviewee=interviewee.strip(),
        notes=notes.strip(),
        recorded_by=actor,
    )
    interview.full_clean()
    interview.save()
    InterviewItem.objects.bulk_create(InterviewItem(interview=interview, kind=kind, text=text) for kind, text in rows)
    return interview


@transaction.atomic
def item_sign_off(
    *,
    item: InterviewItem,
    month: dt.date,
    progress: str,
    done: bool,
    actor: User,
    today: dt.date | None = None,
) -> ItemSignOff:
    """The monthly 对账 of one item; ``done`` closes it (销号) on ``today`` (the demo
    signs off past months with their own dates). Once a month per item; refused for a
    closed item and for a month not yet begun."""
    if not selectors.may_record_interviews(actor):
        raise PermissionDenied
    today = today or timezone.localdate()
    item = InterviewItem.objects.select_for_update().get(pk=item.pk)
    month = month.replace(day=1)
    if item.closed_on:
        raise RankingError(_("该事项已销号。"), code="closed")
    if month > today.replace(day=1):
        raise RankingError({"month": _("对账月份不能晚于本月。")}, code="future")
    if ItemSignOff.objects.filter(item=item, month=month).exists():
        raise RankingError({"month": _("该事项本月已对账。")}, code="twice")
    progress = (progress or "").strip()
    if not progress:
        raise RankingError({"progress": _("请填写进展情况。")}, code="progress")
    sign_off = ItemSignOff.objects.create(item=item, month=month, progress=progress, done=done, signed_by=actor)
    if done:
        item.closed_on = today
        item.save(update_fields=["closed_on"])
    return sign_off
