from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from complaints import services, sla
from complaints.models import (
    Case,
    CaseAttachment,
    CaseEvent,
    CaseTask,
    Checklist,
    ChecklistQuestion,
    ExperienceOfficer,
    NonAcceptanceReason,
    ProblemCategory,
    ProblemClass,
    SlaPolicy,
    TypicalCase,
    Walkthrough,
    WalkthroughTheme,
)
from complaints.walkthroughs import services as walkthrough_services
from portal.admin_actions import run_for_each
from portal.archive import ArchiveAdminMixin, ArchivedListFilter, TimelineInline


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


@admin.register(Walkthrough)
class WalkthroughAdmin(ArchiveAdminMixin, admin.ModelAdmin):
    list_display = ["service_item", "officer", "walked_on", "theme", "department", "outcome", "status"]
    list_filter = [ArchivedListFilter, "status", "theme", "outcome", "form"]
    actions = ["archive", "unarchive"]
    search_fields = ["service_item", "officer__full_name", "officer__username"]
    list_select_related = ["officer", "theme", "department"]
    date_hierarchy = "walked_on"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(status=Walkthrough.Status.DRAFT)
