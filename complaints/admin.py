from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from complaints import services, sla
from complaints.consultations import services as consultation_services
from complaints.consultations.selectors import State as ConsultationState
from complaints.consultations.selectors import overdue_q as consultation_overdue_q
from complaints.models import (
    Case,
    CaseAttachment,
    CaseEvent,
    CaseTask,
    Checklist,
    ChecklistQuestion,
    Consultation,
    ConsultationRule,
    ExperienceOfficer,
    NonAcceptanceReason,
    ProblemCategory,
    ProblemClass,
    ServiceWindow,
    SlaPolicy,
    TypicalCase,
    Visit,
    VisitProblem,
    Walkthrough,
    WalkthroughTheme,
    WalkthroughWalker,
    WindowEscalation,
)
from complaints.walkthroughs import services as walkthrough_services
from portal import roles
from portal.admin_actions import run_for_each
from portal.archive import ArchiveAdminMixin, ArchivedListFilter, TimelineInline
from portal.models import User


@admin.register(ProblemCategory)
class ProblemCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    search_fields = ["name", "name_en"]


@admin.register(NonAcceptanceReason)
class NonAcceptanceReasonAdmin(admin.ModelAdmin):
    list_display = ["title", "title_en", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    search_fields = ["title", "title_en"]


class SlaPolicyForm(forms.ModelForm):
    tiers = forms.MultipleChoiceField(
        label=_("适用层级"),
        choices=Case._meta.get_field("tier").choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = SlaPolicy
        fields = [
            "name",
            "tiers",
            "assign_days",
            "measures_days",
            "feedback_days",
            "resolve_working_days",
            "resolve_months",
            "priority",
            "is_active",
        ]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    form = SlaPolicyForm
    list_display = [
        "name",
        "assign_days",
        "measures_days",
        "feedback_days",
        "resolve_working_days",
        "resolve_months",
        "priority",
        "is_active",
    ]
    list_filter = ["is_active"]
    readonly_fields = ["preview"]

    @admin.display(description=_("时限预览"))
    def preview(self, obj):
        """ "Filed now → these deadlines", if each step took all the time the rule gives."""
        if obj is None or obj.pk is None:
            return _("保存后显示：按此规则现在登记的诉求件各环节期限。")
        deadlines = sla.preview(obj)
        rows = [
            (_("现在登记"), timezone.localtime()),
            (_("交办期限"), deadlines.assign),
            (_("明确措施期限（交办后）"), deadlines.measures),
            (_("反馈期限（明确措施后）"), deadlines.feedback),
            (_("办结期限（交办后）"), deadlines.resolve),
        ]
        return format_html_join(
            mark_safe("<br>"), "{}：{}", ((label, f"{timezone.localtime(when):%Y-%m-%d %H:%M}") for label, when in rows)
        )


@admin.register(ProblemClass)
class ProblemClassAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "created_at"]
    list_filter = ["category"]
    search_fields = ["name", "root_cause"]


@admin.register(TypicalCase)
class TypicalCaseAdmin(admin.ModelAdmin):
    list_display = ["title", "problem_class", "is_published", "published_at"]
    list_filter = ["is_published"]
    search_fields = ["title", "summary"]
    autocomplete_fields = ["case"]


class CaseTaskInline(admin.TabularInline):
    model = CaseTask
    extra = 0
    fields = ["round", "task", "measure", "deadline", "department", "responsible_person", "done_at"]
    readonly_fields = fields
    can_delete = False  # written by the case services; the record keeps them

    def has_add_permission(self, request, obj=None):
        return False


class CaseEventInline(TimelineInline):
    model = CaseEvent
    fields = ["created_at", "kind", "actor", "from_status", "to_status", "stage", "round", "note", "is_public"]


class CaseAttachmentInline(admin.TabularInline):
    model = CaseAttachment
    extra = 0
    fields = ["original_name", "content_type", "size", "created_at"]
    readonly_fields = fields
    can_delete = False  # written by the case services; the record keeps them

    def has_add_permission(self, request, obj=None):
        return False


class CaseFilingForm(forms.ModelForm):
    """Officials register cases that arrive by hotline, phone, letter, visit or window."""

    # The clock runs from when the appeal arrived, not from when it was typed in.
    # (Not named received_at: the admin refuses a form field named after a non-editable one.)
    arrived_at = forms.DateTimeField(
        label=_("收到时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_(
            "诉求到达的时间（如来信的收件时间），交办期限从此起算；留空为现在。不能晚于现在，也不能早于30天前。"
        ),
    )

    def clean_arrived_at(self):
        return services.checked_receipt_time(self.cleaned_data.get("arrived_at"))

    class Meta:
        model = Case
        fields = [
            "channel",
            "title",
            "description",
            "category",
            "region",
            "enterprise",
            "complainant_name",
            "complainant_phone",
            "complainant_email",
            "is_confidential",
            "on_behalf_of_organisation",
        ]


@admin.register(Case)
class CaseAdmin(ArchiveAdminMixin, admin.ModelAdmin):
    list_display = [
        "number",
        "title",
        "channel",
        "category",
        "status",
        "lead_department",
        "stage_due_at",
        "complainant",
    ]
    list_filter = [
        ArchivedListFilter,
        "status",
        "channel",
        "category",
        "tier",
        "is_supervised",
        "is_confidential",
        "lead_department",
    ]
    search_fields = ["number", "title"]
    list_select_related = ["category", "lead_department"]
    autocomplete_fields = ["region", "enterprise"]
    date_hierarchy = "received_at"
    inlines = [CaseTaskInline, CaseAttachmentInline, CaseEventInline]
    actions = ["accept_cases", "archive", "unarchive"]

    def get_queryset(self, request):
        from complaints.selectors import case_list

        return case_list(user=request.user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = CaseFilingForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return [*CaseFilingForm._meta.fields, "arrived_at"]
        fields = [
            "number",
            "status",
            "channel",
            "title",
            "description",
            "category",
            "region",
            "enterprise_shown",
            "complainant",
            "complainant_contact",
            "is_confidential",
            "tier",
            "lead_department",
            "chief_officer",
            "is_escalated",
            "is_supervised",
            "round",
            "stage",
            "stage_due_at",
            "resolve_due_at",
            "suspended_at",
            "feedback_text",
            "resolution",
            "problem_class",
        ]
        return fields

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        # Changes to a case go through its page's actions (services), never a raw edit;
        # only the problem class is curated here.
        return [field for field in self.get_fields(request, obj) if field != "problem_class"]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    @admin.display(description=_("诉求人"))
    def complainant(self, obj):
        return obj.complainant_name_display

    @admin.display(description=_("联系方式"))
    def complainant_contact(self, obj):
        return " / ".join(
            str(value) for value in [obj.complainant_phone_display, obj.complainant_email_display] if value
        )

    @admin.display(description=_("企业"))
    def enterprise_shown(self, obj):
        return obj.enterprise_display or "—"

    def save_model(self, request, obj, form, change):
        if change:
            # Through the service, so the change is checked and leaves its event.
            problem_class = form.cleaned_data.get("problem_class")
            services.case_classify(case=obj, actor=request.user, problem_class=problem_class)
            return
        data = {field: form.cleaned_data[field] for field in CaseFilingForm._meta.fields}
        data["received_at"] = form.cleaned_data.get("arrived_at")
        case = services.case_file(actor=request.user, **data)
        obj.pk = case.pk
        obj.number = case.number

    def save_related(self, request, form, formsets, change):
        if change:
            super().save_related(request, form, formsets, change)

    @admin.action(description=_("受理所选诉求件"), permissions=["triage"])
    def accept_cases(self, request, queryset):
        run_for_each(self, request, queryset, services.case_accept, keyword="case", done=_("已受理 %(count)d 件。"))

    def has_triage_permission(self, request):
        return request.user.has_perm("complaints.triage_case")


# --- Walkthroughs ------------------------------------------------------------------


@admin.register(ExperienceOfficer)
class ExperienceOfficerAdmin(admin.ModelAdmin):
    list_display = ["user", "affiliation", "appointed_from", "appointed_until", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["user__username", "user__full_name", "affiliation"]
    autocomplete_fields = ["user", "enterprise"]
    list_select_related = ["user"]
    actions = ["retire"]

    def save_model(self, request, obj, form, change):
        walkthrough_services.officer_save(officer=obj, actor=request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # retired (卸任), never deleted: their walkthroughs name them

    @admin.action(description=_("卸任所选体验官"), permissions=["change"])
    def retire(self, request, queryset):
        for officer in queryset:
            walkthrough_services.officer_retire(officer=officer)
        self.message_user(request, _("已卸任 %(count)d 名体验官。") % {"count": queryset.count()}, messages.SUCCESS)


@admin.register(WalkthroughTheme)
class WalkthroughThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    search_fields = ["name", "name_en"]


class ChecklistQuestionInline(admin.TabularInline):
    model = ChecklistQuestion
    extra = 0
    fields = ["order", "text", "text_en", "problem_answer"]

    # A version that has answers is frozen: past answers must keep meaning what they meant.
    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not (obj and obj.is_in_use)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and obj.is_in_use)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.is_in_use)


@admin.register(Checklist)
class ChecklistAdmin(admin.ModelAdmin):
    list_display = ["version", "title", "is_published", "published_at", "in_use"]
    inlines = [ChecklistQuestionInline]
    readonly_fields = ["published_at"]
    actions = ["copy_as_new_version", "publish"]

    @admin.display(description=_("已有回答"), boolean=True)
    def in_use(self, obj):
        return obj.is_in_use

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_in_use:
            return ["version", "title", "published_at"]
        return self.readonly_fields

    @admin.action(description=_("复制为新版本（未发布）"), permissions=["add"])
    def copy_as_new_version(self, request, queryset):
        for checklist in queryset:
            copy = walkthrough_services.checklist_new_version(source=checklist)
            self.message_user(request, _("已创建第%(version)d版，修改后发布即可。") % {"version": copy.version})

    @admin.action(description=_("发布所选版本"), permissions=["change"])
    def publish(self, request, queryset):
        for checklist in queryset:
            walkthrough_services.checklist_publish(checklist=checklist)
        self.message_user(request, _("已发布。新的体验记录将使用最新发布的版本。"), messages.SUCCESS)


class WalkthroughWalkerInline(admin.TabularInline):
    """Who walked with the officer, leader first (read only: the officer records them)."""

    model = WalkthroughWalker
    extra = 0
    fields = ["name", "unit", "role", "is_leader", "user"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Walkthrough)
class WalkthroughAdmin(ArchiveAdminMixin, admin.ModelAdmin):
    list_display = [
        "service_item",
        "officer",
        "walked_on",
        "theme",
        "department",
        "project",
        "leader",
        "outcome",
        "status",
    ]
    list_filter = [ArchivedListFilter, "status", "theme", "outcome", "form"]
    actions = ["archive", "unarchive"]
    search_fields = ["service_item", "project", "officer__full_name", "officer__username", "walkers__name"]
    list_select_related = ["officer", "theme", "department"]
    date_hierarchy = "walked_on"
    inlines = [WalkthroughWalkerInline]

    @admin.display(description=_("带队"))
    def leader(self, obj):
        # Annotated in get_queryset: one query for the whole page.
        return obj.leader_name or "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        from django.db.models import OuterRef, Subquery

        leader = WalkthroughWalker.objects.filter(walkthrough=OuterRef("pk"), is_leader=True).values("name")[:1]
        return (
            super()
            .get_queryset(request)
            .exclude(status=Walkthrough.Status.DRAFT)
            .annotate(leader_name=Subquery(leader))
        )


# --- 办不成事 windows (complaints/windows/) ------------------------------------------


@admin.register(ServiceWindow)
class ServiceWindowAdmin(admin.ModelAdmin):
    """The windows and the 问题专员 on duty at each: kept here by the 营商办."""

    list_display = ["name", "level", "region", "address", "specialist_names", "is_active"]
    list_filter = ["level", ("region", admin.RelatedOnlyFieldListFilter), "is_active"]
    search_fields = ["name", "address", "region__name", "specialists__full_name"]
    list_select_related = ["region"]
    filter_horizontal = ["specialists"]
    autocomplete_fields = ["region"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("specialists__department")

    @admin.display(description=_("在岗问题专员"))
    def specialist_names(self, obj):
        return "、".join(user.display_name for user in obj.specialists.all()) or "—"

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "specialists":
            # Only 问题专员, by name and unit (their departments read with them).
            kwargs["queryset"] = (
                User.objects.filter(groups__name=roles.SPECIALIST, is_active=True)
                .select_related("department")
                .order_by("full_name", "pk")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(WindowEscalation)
class WindowEscalationAdmin(admin.ModelAdmin):
    """逐级上报: written only by windows.services.window_case_escalate; read here."""

    list_display = ["case", "from_window", "to_window", "escalated_by", "escalated_at"]
    list_filter = ["to_window__level"]
    search_fields = ["case__number", "from_window__name", "to_window__name"]
    list_select_related = ["case", "from_window", "to_window", "escalated_by__department"]
    date_hierarchy = "escalated_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- end of 办不成事 windows ---------------------------------------------------------


# --- 亲商管家's 走访 log (complaints/visits/) -------------------------------------------


class VisitProblemInline(admin.TabularInline):
    """The problems found, each with the case it became (转为诉求件 on the visit's page)."""

    model = VisitProblem
    fields = ["description", "case"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None):
        # Read with the visit: whoever may view visits sees their problems.
        return request.user.has_perm("complaints.view_visit")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    """走访记录: written only by visits.services (the 管家's pages and the API); read here."""

    list_display = ["visited_on", "enterprise", "steward", "people_met", "created_at"]
    search_fields = ["enterprise__name", "enterprise__credit_code", "steward__full_name", "people_met"]
    list_select_related = ["enterprise", "steward__department"]
    date_hierarchy = "visited_on"
    inlines = [VisitProblemInline]
    readonly_fields = ["steward", "enterprise", "visited_on", "people_met", "discussed", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- end of 亲商管家's 走访 log -----------------------------------------------------------


# --- 咨询 (complaints/consultations/) ---------------------------------------------------


class ConsultationRuleForm(forms.ModelForm):
    class Meta:
        model = ConsultationRule
        fields = ["answer_days"]
        help_texts = {"answer_days": _("企业提问后须在多少个工作日内答复。修改后对此后提出的咨询生效。")}

    def clean_answer_days(self):
        days = self.cleaned_data["answer_days"]
        if days is not None and days < 1:
            raise forms.ValidationError(_("答复时限至少为1个工作日。"))
        return days


@admin.register(ConsultationRule)
class ConsultationRuleAdmin(admin.ModelAdmin):
    """咨询答复时限: the single row (created by migration 0012), changed only; a change
    applies to questions asked from then on."""

    form = ConsultationRuleForm
    list_display = ["__str__", "answer_days"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        consultation_services.consultation_rule_set(actor=request.user, answer_days=obj.answer_days)


class ConsultationStateFilter(admin.SimpleListFilter):
    title = _("状态")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return ConsultationState.choices

    def queryset(self, request, queryset):
        if self.value() == ConsultationState.PENDING:
            return queryset.filter(answered_at__isnull=True, case__isnull=True)
        if self.value() == ConsultationState.ANSWERED:
            return queryset.filter(answered_at__isnull=False, case__isnull=True)
        if self.value() == ConsultationState.TO_CASE:
            return queryset.filter(case__isnull=False)
        return queryset


class ConsultationOverdueFilter(admin.SimpleListFilter):
    title = _("超期")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("已超期")), ("no", _("未超期"))]

    def queryset(self, request, queryset):
        overdue = consultation_overdue_q(timezone.now())
        if self.value() == "yes":
            return queryset.filter(overdue)
        if self.value() == "no":
            return queryset.exclude(overdue)
        return queryset


@admin.register(Consultation)
class ConsultationAdmin(admin.ModelAdmin):
    """咨询, read only: asked, answered, turned into cases and rated on the portal's pages
    and API (complaints.consultations.services)."""

    list_display = ["question_excerpt", "enterprise", "asked_by", "asked_at", "answer_due_at", "answered_at", "case"]
    list_filter = [ConsultationStateFilter, ConsultationOverdueFilter, "rating", "asked_at"]
    search_fields = ["question", "answer", "enterprise__name", "case__number"]
    list_select_related = ["enterprise", "asked_by__department", "case"]
    date_hierarchy = "asked_at"

    @admin.display(description=_("咨询内容"))
    def question_excerpt(self, obj):
        return obj.question[:40]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- end of 咨询 ---------------------------------------------------------------------

# --- 红黄黑榜规则 (complaints/rankings/admin.py) ---------------------------------------
import complaints.rankings.admin  # noqa: E402, F401
