"""Operations on walkthroughs: start, save a draft, submit, review, promote a
finding to a case, add photos. Keyword-only and atomic, like the case services."""

from __future__ import annotations

import datetime as dt
from typing import cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Field
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import services as case_services
from complaints.models import (
    Case,
    Channel,
    Checklist,
    ChecklistAnswer,
    Finding,
    FindingPhoto,
    ProblemCategory,
    StepMaterial,
    Walkthrough,
    WalkthroughStep,
    WalkthroughWalker,
)
from portal import roles
from portal.models import Department, User
from portal.services import notification_send
from portal.uploads import check_upload, display_name

# Fields of the walkthrough itself that a draft save may set.
WALKTHROUGH_FIELDS = [
    "walked_on",
    "form",
    "identity",
    "theme",
    "service_item",
    "department",
    "venue",
    "window",
    "project",
    "started_at",
    "ended_at",
    "outcome",
    "summary",
]
REQUIRED_ON_SUBMIT = ["walked_on", "form", "identity", "theme", "service_item", "venue", "outcome"]


def can_walk(user) -> bool:
    """Experience officers and officials log walkthroughs (局长走流程 too)."""
    return bool(
        user.is_authenticated
        and (roles.has_role(user, roles.EXPERIENCE_OFFICER) or roles.is_official(user))
        and user.is_active
    )


def walker_accounts():
    """The accounts a walker may be picked from (以企业身份走 / 坐窗口 / 陪同): government
    staff — officials, department handlers, chief officers, 管家 and 问题专员 — with their
    unit loaded, so a list of them names each by 姓名（单位） without a query per person.
    The walkthrough's own officer is never a walker: they are its 体验人 already."""
    from django.db.models import Exists, OuterRef

    staff_roles = [roles.OFFICIAL, roles.HANDLER, roles.CHIEF_PROBLEM_OFFICER, roles.STEWARD, roles.SPECIALIST]
    in_staff_role = User.groups.through.objects.filter(user_id=OuterRef("pk"), group__name__in=staff_roles)
    return (
        User.objects.filter(Exists(in_staff_role), is_active=True)
        .select_related("department")
        .order_by("full_name", "pk")
    )


def _require_own_draft(walkthrough: Walkthrough, actor: User) -> None:
    if walkthrough.officer_id != actor.pk:
        raise PermissionDenied
    if not walkthrough.is_draft:
        raise ValidationError(_("该记录已提交，不能再修改。"), code="not_draft")


@transaction.atomic
def walkthrough_start(*, officer: User) -> Walkthrough:
    """A draft on today's date with the current checklist to fill in: the officer's
    untouched one if there is one (a second tap of 开始走流程 opens the same form rather
    than leaving another empty draft behind), else a new one."""
    if not can_walk(officer):
        raise PermissionDenied
    untouched = (
        Walkthrough.objects.filter(
            officer=officer,
            status=Walkthrough.Status.DRAFT,
            archived_at__isnull=True,
            service_item="",
            summary="",
            project="",
            walkers__isnull=True,
            steps__isnull=True,
            answers__isnull=True,
            findings__isnull=True,
        )
        .order_by("-created_at")
        .first()
    )
    if untouched is not None:
        return untouched
    return Walkthrough.objects.create(officer=officer, walked_on=timezone.localdate(), checklist=Checklist.current())


@transaction.atomic
def walkthrough_discard(*, walkthrough: Walkthrough, actor: User) -> Walkthrough:
    """放弃草稿: the officer's own draft leaves their list (archived, as nothing is
    deleted); a submitted walkthrough cannot be discarded."""
    walkthrough = Walkthrough.objects.select_for_update().get(pk=walkthrough.pk)
    if walkthrough.officer_id != actor.pk:
        raise PermissionDenied
    if not walkthrough.is_draft:
        raise ValidationError(_("已提交的体验记录不能放弃。"), code="invalid_state")
    walkthrough.archived_at = timezone.now()
    walkthrough.save(update_fields=["archived_at", "updated_at"])
    return walkthrough


@transaction.atomic
def walkthrough_save_draft(
    *,
    walkthrough: Walkthrough,
    actor: User,
    fields: dict,
    steps: list[dict] | None = None,
    answers: dict[int, tuple[str, str]] | None = None,
    findings: list[dict] | None = None,
    walkers: list[dict] | None = None,
    departments: list[Department] | None = None,
) -> Walkthrough:
    """Save whatever the officer has typed so far; nothing is required yet, except that
    a walkthrough has one leader at most (带队), which the database guards too.

    ``steps``: ``[{"action", "minutes_waited", "minutes_handled", "trips_to_other_windows",
    "materials": [(name, is_necessary), ...]}]`` in order, replacing the saved ones.
    ``answers``: ``{question_id: (answer, comment)}``. ``findings``: ``[{"id"?,
    "description", "cause", "fixed_on_spot", "severity", "question", "category",
    "DELETE"?}]``; findings keep their ids (photos hang on them) and the list comes back
    with the ids set. ``walkers``: ``[{"user"?, "name", "unit", "role", "is_leader"}]``,
    replacing the saved ones (the officer is not among them: they are the 体验人); a
    walker picked from the accounts and left unnamed takes the account's name and unit.
    ``departments``: the departments a project is carried across (带项目交叉走).
    """
    walkthrough = Walkthrough.objects.select_for_update().get(pk=walkthrough.pk)
    _require_own_draft(walkthrough, actor)
    for name in WALKTHROUGH_FIELDS:
        if name in fields:
            setattr(walkthrough, name, fields[name] if fields[name] is not None else _blank(name))
    walkthrough.full_clean(exclude=["officer", "checklist"])
    walkthrough.save()
    if walkers is not None:
        _replace_walkers(walkthrough, walkers)
    if departments is not None:
        walkthrough.departments.set(departments)
    if steps is not None:
        _replace_steps(walkthrough, steps)
    if answers is not None:
        _save_answers(walkthrough, answers)
    if findings is not None:
        _save_findings(walkthrough, findings)
    return walkthrough


def _blank(name: str):
    field = Walkthrough._meta.get_field(name)
    return None if field.null else ""


def _replace_steps(walkthrough: Walkthrough, steps: list[dict]) -> None:
    walkthrough.steps.all().delete()
    kept = [step for step in steps if any(step.get(key) for key in ("action", "minutes_waited", "minutes_handled"))]
    created = WalkthroughStep.objects.bulk_create(
        WalkthroughStep(
            walkthrough=walkthrough,
            order=order,
            action=step.get("action") or "",
            minutes_waited=step.get("minutes_waited"),
            minutes_handled=step.get("minutes_handled"),
            trips_to_other_windows=step.get("trips_to_other_windows") or 0,
        )
        for order, step in enumerate(kept, start=1)
    )
    StepMaterial.objects.bulk_create(
        StepMaterial(step=step, name=name[:100], is_necessary=necessary)
        for step, data in zip(created, kept, strict=True)
        for name, necessary in data.get("materials", [])
        if name.strip()
    )


def _replace_walkers(walkthrough: Walkthrough, walkers: list[dict]) -> None:
    """Replace the walkers wholesale. Blank rows are dropped; a row with a unit but no
    name is kept (a draft), and submitting asks for the name."""
    kept = [walker for walker in walkers if not walker.get("DELETE") and _walker_has_input(walker)]
    if sum(1 for walker in kept if walker.get("is_leader")) > 1:
        raise ValidationError(_("一次体验只能有一位带队人员。"), code="two_leaders")
    users = [walker["user"] for walker in kept if walker.get("user") is not None]
    if any(user.pk == walkthrough.officer_id for user in users):
        raise ValidationError(_("体验人本人无需列入同行人员。"), code="officer_as_walker")
    if len({user.pk for user in users}) != len(users):
        raise ValidationError(_("同一账号只能列入一次同行人员。"), code="walker_twice")
    if users and walker_accounts().filter(pk__in=[user.pk for user in users]).count() != len(users):
        raise ValidationError(_("同行人员只能从工作人员账号中选择。"), code="not_staff")
    walkthrough.walkers.all().delete()
    WalkthroughWalker.objects.bulk_create(
        WalkthroughWalker(
            walkthrough=walkthrough,
            user=walker.get("user"),
            name=((walker.get("name") or "").strip() or _account_name(walker.get("user")))[:50],
            unit=((walker.get("unit") or "").strip() or _account_unit(walker.get("user")))[:100],
            role=walker.get("role") or WalkthroughWalker.Role.AS_APPLICANT,
            is_leader=bool(walker.get("is_leader")),
        )
        for walker in kept
    )


def _walker_has_input(walker: dict) -> bool:
    return bool(walker.get("user") or (walker.get("name") or "").strip() or (walker.get("unit") or "").strip())


def _account_name(user: User | None) -> str:
    return user.full_name if user is not None else ""


def _account_unit(user: User | None) -> str:
    department = user.department if user is not None and user.department_id else None
    return department.display_name if department is not None else ""


def _save_answers(walkthrough: Walkthrough, answers: dict[int, tuple[str, str]]) -> None:
    checklist = walkthrough.checklist
    if checklist is None:
        return
    questions = set(checklist.questions.values_list("pk", flat=True))
    rows = [
        ChecklistAnswer(walkthrough=walkthrough, question_id=question_id, answer=answer or "", comment=comment or "")
        for question_id, (answer, comment) in answers.items()
        if question_id in questions
    ]
    ChecklistAnswer.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["walkthrough", "question"],
        update_fields=["answer", "comment"],
    )


def _save_findings(walkthrough: Walkthrough, findings: list[dict]) -> None:
    existing = {finding.pk: finding for finding in walkthrough.findings.all()}
    for item in findings:
        finding = existing.get(item["id"]) if item.get("id") else None
        if item.get("DELETE"):
            if finding is not None:
                finding.delete()
            item["id"] = None
            continue
        if finding is None:
            if not (item.get("description") or "").strip():
                item["id"] = None
                continue
            finding = Finding(walkthrough=walkthrough)
        finding.description = item.get("description") or ""
        finding.cause = item.get("cause") or ""
        finding.fixed_on_spot = bool(item.get("fixed_on_spot"))
        finding.severity = item.get("severity") or Finding.Severity.LOW
        finding.question = item.get("question")
        finding.category = item.get("category")
        finding.save()
        item["id"] = finding.pk


def submission_problems(walkthrough: Walkthrough) -> list[str]:
    """What is still missing before the walkthrough can be submitted, in words."""
    problems = []
    # REQUIRED_ON_SUBMIT names the model's own fields, never a reverse relation.
    labels = {name: cast(Field, Walkthrough._meta.get_field(name)).verbose_name for name in REQUIRED_ON_SUBMIT}
    missing = [str(labels[name]) for name in REQUIRED_ON_SUBMIT if getattr(walkthrough, name) in (None, "")]
    if missing:
        problems.append(_("请填写：%(fields)s。") % {"fields": "、".join(missing)})
    steps = list(walkthrough.steps.all())
    if not steps:
        problems.append(_("请至少记录一个办理环节。"))
    problems.extend(
        _("第%(order)d个办理环节未填写做了什么。") % {"order": step.order} for step in steps if not step.action
    )
    if walkthrough.checklist is not None:
        answered = set(walkthrough.answers.exclude(answer="").values_list("question_id", flat=True))
        unanswered = [q.order for q in walkthrough.checklist.questions.all() if q.pk not in answered]
        if unanswered:
            problems.append(
                _("检查清单第%(items)s项尚未回答。") % {"items": "、".join(str(order) for order in unanswered)}
            )
    findings = list(walkthrough.findings.all())
    problems.extend(
        _("第%(index)d个发现的问题未填写描述。") % {"index": index}
        for index, finding in enumerate(findings, start=1)
        if not finding.description.strip()
    )
    problems.extend(
        _("第%(index)d个发现的问题未分析产生原因。") % {"index": index}
        for index, finding in enumerate(findings, start=1)
        if not finding.cause.strip()
    )
    walkers = list(walkthrough.walkers.all())
    problems.extend(
        _("第%(index)d位同行人员未填写姓名。") % {"index": index}
        for index, walker in enumerate(walkers, start=1)
        if not walker.name.strip()
    )
    if sum(1 for walker in walkers if walker.is_leader) > 1:
        problems.append(_("一次体验只能有一位带队人员。"))
    crossed = walkthrough.departments.exists()
    if walkthrough.project.strip() and not crossed:
        problems.append(_("带项目交叉走请选择涉及的部门。"))
    if crossed and not walkthrough.project.strip():
        problems.append(_("交叉走请填写所带的项目。"))
    if walkthrough.outcome == Walkthrough.Outcome.NOT_DONE and not findings:
        problems.append(_("办不成的事项请至少记录一个发现的问题。"))
    return problems


@transaction.atomic
def walkthrough_submit(*, walkthrough: Walkthrough, actor: User) -> Walkthrough:
    """Submit for review. Refused with the full list of what is missing."""
    walkthrough = Walkthrough.objects.select_for_update().get(pk=walkthrough.pk)
    _require_own_draft(walkthrough, actor)
    problems = submission_problems(walkthrough)
    if problems:
        raise ValidationError(problems, code="incomplete")
    walkthrough.status = Walkthrough.Status.SUBMITTED
    walkthrough.submitted_at = timezone.now()
    walkthrough.save(update_fields=["status", "submitted_at", "updated_at"])
    link = reverse("walkthroughs:detail", args=[walkthrough.pk])
    for official in User.objects.filter(groups__name=roles.OFFICIAL, is_active=True):
        notification_send(
            recipient=official,
            kind="walkthrough.submitted",
            title=_("新的换位体验记录待审阅：%(item)s") % {"item": walkthrough.service_item},
            link=link,
            dedup_key=f"walkthrough.submitted:{walkthrough.pk}",
        )
    return walkthrough


@transaction.atomic
def walkthrough_mark_reviewed(*, walkthrough: Walkthrough, actor: User) -> Walkthrough:
    if not actor.has_perm("complaints.promote_finding"):
        raise PermissionDenied
    walkthrough = Walkthrough.objects.select_for_update().get(pk=walkthrough.pk)
    if walkthrough.status != Walkthrough.Status.SUBMITTED:
        raise ValidationError(_("只有已提交的记录可以标记为已审阅。"), code="not_submitted")
    walkthrough.status = Walkthrough.Status.REVIEWED
    walkthrough.save(update_fields=["status", "updated_at"])
    return walkthrough


@transaction.atomic
def finding_promote(
    *,
    finding: Finding,
    actor: User,
    department: Department | None = None,
    category: ProblemCategory | None = None,
) -> tuple[Case, bool]:
    """Turn a finding into a case (channel 走流程), accepted and, when a department is
    known, assigned to it. A finding makes one case only: promoting it again returns
    the existing case. Returns ``(case, created)``."""
    if not actor.has_perm("complaints.promote_finding"):
        raise PermissionDenied
    finding = (
        Finding.objects.select_for_update(of=("self",))
        .select_related("walkthrough__officer", "walkthrough__theme")
        .get(pk=finding.pk)
    )
    if finding.case is not None:
        return finding.case, False
    walkthrough = finding.walkthrough
    if walkthrough.is_draft:
        raise ValidationError(_("记录尚未提交，不能转为诉求件。"), code="draft")
    if finding.fixed_on_spot:
        # Solved while the walkers were there (当场整改): the monthly report counts it as
        # solved already, and a case would only be closed again.
        raise ValidationError(_("该问题已当场整改，无需转为诉求件。"), code="fixed_on_spot")
    department = department or walkthrough.department
    category = category or finding.category or ProblemCategory.objects.get(name="审批服务")
    officer = walkthrough.officer
    context = "；".join(
        part
        for part in [
            _("办理事项：%(item)s") % {"item": walkthrough.service_item},
            _("地点：%(venue)s %(window)s") % {"venue": walkthrough.venue, "window": walkthrough.window},
            _("体验日期：%(date)s") % {"date": _date(walkthrough.walked_on)},
            _("主题：%(theme)s") % {"theme": walkthrough.theme} if walkthrough.theme_id else "",
            _("带办项目：%(project)s") % {"project": walkthrough.project} if walkthrough.project else "",
        ]
        if part
    )
    cause = finding.cause.strip()
    description = finding.description
    if cause:
        description = f"{description}\n\n" + _("产生原因：%(cause)s") % {"cause": cause}
    case = case_services.case_file(
        actor=actor,
        channel=Channel.WALKTHROUGH,
        title=_("【走流程】%(item)s：%(problem)s")
        % {"item": walkthrough.service_item[:60], "problem": (finding.description.strip() or "—").splitlines()[0][:80]},
        description=f"{description}\n\n{context}",
        category=category,
        region=department.region if department else None,
        complainant_name=officer.get_full_name(),
        complainant_phone=officer.mobile,
        complainant_email=officer.email,
    )
    if cause:
        # The case's own 原因分析 starts from the walkers' analysis (逐一分析产生原因).
        case.cause_analysis = cause
        case.save(update_fields=["cause_analysis"])
    finding.case = case
    finding.save(update_fields=["case"])
    case = case_services.case_accept(case=case, actor=actor, note=_("由换位体验发现的问题转入。"))
    if department is not None:
        case = case_services.case_assign(case=case, actor=actor, lead_department=department)
    notification_send(
        recipient=officer,
        kind="finding.promoted",
        title=_("您发现的问题已转为诉求件 %(number)s") % {"number": case.number},
        link=reverse("walkthroughs:detail", args=[walkthrough.pk]),
        dedup_key=f"finding.promoted:{finding.pk}",
    )
    return case, True


def _date(value: dt.date | None) -> str:
    return value.strftime("%Y-%m-%d") if value else "—"


IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp", "image/heic"}


@transaction.atomic
def finding_photo_add(*, finding: Finding, actor: User, upload) -> FindingPhoto:
    """Attach a photo (checked by content: images only, 20 MB at most)."""
    _require_own_draft(finding.walkthrough, actor)
    content_type = check_upload(upload)
    if content_type not in IMAGE_TYPES:
        raise ValidationError(_("“%(name)s”不是图片，请上传照片。") % {"name": upload.name}, code="not_image")
    return FindingPhoto.objects.create(
        finding=finding,
        file=upload,
        original_name=display_name(upload.name),
        content_type=content_type,
        size=upload.size,
    )


# --- Officers and checklists (admin) ---------------------------------------------------


@transaction.atomic
def officer_save(*, officer, actor) -> None:
    """Appoint an officer or save an edit of the appointment (the admin form); the
    officer's role follows ``is_active``."""
    if not actor.has_perm("complaints.change_experienceofficer" if officer.pk else "complaints.add_experienceofficer"):
        raise PermissionDenied
    officer.save()
    officer_sync_role(officer=officer)


@transaction.atomic
def officer_sync_role(*, officer) -> None:
    """An active officer is in the experience officers' group; a retired one is not."""
    from django.contrib.auth.models import Group

    group = Group.objects.get(name=roles.EXPERIENCE_OFFICER)
    if officer.is_active:
        officer.user.groups.add(group)
    else:
        officer.user.groups.remove(group)


@transaction.atomic
def officer_retire(*, officer) -> None:
    officer.is_active = False
    officer.appointed_until = officer.appointed_until or max(timezone.localdate(), officer.appointed_from)
    officer.save(update_fields=["is_active", "appointed_until"])
    officer_sync_role(officer=officer)


@transaction.atomic
def checklist_new_version(*, source: Checklist) -> Checklist:
    """Copy a checklist into the next version, unpublished, for officials to edit.
    Past answers keep pointing at the questions of their own version."""
    from django.db.models import Max

    from complaints.models import ChecklistQuestion

    version = (Checklist.objects.aggregate(latest=Max("version"))["latest"] or 0) + 1
    copy = Checklist.objects.create(version=version, title=source.title)
    ChecklistQuestion.objects.bulk_create(
        ChecklistQuestion(
            checklist=copy, order=q.order, text=q.text, text_en=q.text_en, problem_answer=q.problem_answer
        )
        for q in source.questions.all()
    )
    return copy


@transaction.atomic
def checklist_publish(*, checklist: Checklist) -> Checklist:
    if not checklist.questions.exists():
        raise ValidationError(_("检查清单没有检查项，不能发布。"), code="empty")
    checklist.is_published = True
    checklist.published_at = checklist.published_at or timezone.now()
    checklist.save(update_fields=["is_published", "published_at"])
    return checklist
