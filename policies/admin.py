from django import forms
from django.contrib import admin
from django.db import models
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from policies import matching, services
from policies.manage.forms import REASON_HELP, REASON_LABEL, PolicyFieldsForm
from policies.manage.selectors import field_label, revisions
from policies.models import (
    Application,
    ApplicationEvent,
    ApplicationMandate,
    ColourThreshold,
    MonthlySnapshot,
    Policy,
    PolicyAttachment,
    PolicyCategory,
    PolicyMaterial,
    PolicyPlan,
    PolicyQuestion,
    SupervisionNotice,
)
from policies.resources import PolicyResource
from portal.admin_actions import run_for_each
from portal.archive import ArchiveAdminMixin, ArchivedListFilter, TimelineInline
from portal.security import ImportExportCspMixin


@admin.register(PolicyCategory)
class PolicyCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]


class MaterialInline(admin.TabularInline):
    model = PolicyMaterial
    extra = 1


class AttachmentInline(admin.TabularInline):
    model = PolicyAttachment
    extra = 0
    fields = ["title", "file"]


class QuestionInline(admin.TabularInline):
    """问政策, read-only here: enterprises ask on the policy page and the issuing
    department answers on 政策问答 (policies:questions), through the services."""

    model = PolicyQuestion
    extra = 0
    fields = ["question", "answer", "is_published"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class PolicyForm(PolicyFieldsForm):
    """The admin's policy form: every key element and condition, and the 修改说明 that
    goes into the 修订记录 (required when the policy is published: the edit is a new
    version)."""

    reason = forms.CharField(
        label=REASON_LABEL,
        required=False,
        max_length=2000,
        help_text=REASON_HELP,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = Policy
        # The admin's fieldsets decide what is shown; the state changes by the actions only.
        fields = [
            field.name
            for field in Policy._meta.get_fields()
            if getattr(field, "editable", False)
            and not field.auto_created
            and field.name not in {"state", "id", "created_at", "updated_at"}
        ]


@admin.register(Policy)
class PolicyAdmin(ArchiveAdminMixin, ImportExportCspMixin, ImportExportModelAdmin):
    form = PolicyForm
    resource_classes = [PolicyResource]
    list_display = [
        "__str__",
        "issuer",
        "level",
        "category",
        "application_method",
        "application_closes",
        "state",
        "version",
    ]
    list_filter = [
        ArchivedListFilter,
        "state",
        "level",
        "category",
        "application_method",
        "support_type",
        "project_type",
    ]
    search_fields = ["title", "short_title", "document_number", "keywords"]
    autocomplete_fields = [
        "supersedes",
        "issuer",
        "co_issuers",
        "region",
        "regions",
        "industries",
        "joint_review_departments",
    ]
    list_select_related = ["issuer", "category"]
    readonly_fields = ["state", "version", "reach", "push_progress", "revision_record"]
    inlines = [MaterialInline, AttachmentInline, QuestionInline]
    actions = ["publish", "withdraw", "archive", "unarchive"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (
            _("基本信息"),
            {
                "fields": [
                    "title",
                    "short_title",
                    "document_number",
                    "supersedes",
                    "issuer",
                    "co_issuers",
                    "level",
                    "region",
                    "category",
                    "keywords",
                    "state",
                    "version",
                    "push_progress",
                ]
            },
        ),
        (_("内容"), {"fields": ["summary", "full_text", "interpretation", "source_url"]}),
        (
            _("时间"),
            {
                "fields": [
                    "published_on",
                    "effective_from",
                    "effective_until",
                    "application_opens",
                    "application_closes",
                ]
            },
        ),
        (
            _("支持内容"),
            {
                "fields": [
                    "support_type",
                    "amount_rule",
                    "amount_fixed",
                    "amount_field",
                    "amount_rate",
                    "amount_cap",
                    "total_budget",
                ]
            },
        ),
        (_("申报"), {"fields": ["application_method", "contact_department", "contact_person", "contact_phone"]}),
        (_("项目类型与联审"), {"fields": ["project_type", "joint_review_departments", "joint_review_days"]}),
        (
            _("申报条件"),
            {
                "fields": [
                    "reach",
                    "regions",
                    "industries",
                    "scales",
                    "ownerships",
                    "tax_credit_grades",
                    "tags_all",
                    "tags_any",
                    "tags_excluded",
                    ("min_employees", "max_employees"),
                    ("min_annual_revenue", "max_annual_revenue"),
                    "min_tax_paid",
                    "min_rd_intensity",
                    ("min_years_since_founding", "max_years_since_founding"),
                    "advanced_condition",
                ]
            },
        ),
        (_("修改说明"), {"fields": ["reason"]}),
        (_("修订记录"), {"fields": ["revision_record"]}),
    ]

    def save_model(self, request, obj, form, change):
        services.policy_save_edit(
            policy=obj,
            actor=request.user,
            reason=form.cleaned_data.get("reason", ""),
            changed_fields=[name for name in form.changed_data if name != "reason"],
        )

    @admin.display(description=_("修订记录"))
    def revision_record(self, obj):
        """Who changed the policy, when, why and which fields (written by the services),
        read-only: a list rather than an inline, which would add a formset to every save."""
        if not obj.pk:
            return "—"
        rows = [
            (
                localtime(revision.created_at).strftime("%Y-%m-%d %H:%M"),
                revision.get_kind_display(),
                _("第%(version)d版") % {"version": revision.version},
                revision.actor.display_name if revision.actor else _("系统"),
                revision.reason or "—",
                "、".join(field_label(name) for name in revision.changed_fields) or "—",
            )
            for revision in revisions(policy=obj)
        ]
        if not rows:
            return _("暂无修订记录。")
        return format_html(
            '<table class="revision-record"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th>'
            "<th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("时间"),
            _("类型"),
            _("版本"),
            _("操作人"),
            _("修改说明"),
            _("修改的字段"),
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )

    @admin.display(description=_("覆盖企业"))
    def reach(self, obj):
        # One COUNT over the enterprises: shown before publishing ("will reach N").
        if not obj.pk:
            return _("保存后显示符合条件的企业数。")
        return _("按当前条件，将覆盖 %(count)d 家企业。") % {"count": matching.eligible_enterprises(obj).count()}

    @admin.display(description=_("推送进度"))
    def push_progress(self, obj):
        run = getattr(obj, "push_run", None) if obj.pk else None
        if run is None:
            return _("尚未推送（发布后自动推送给符合条件的企业）")
        pushed = obj.pushes.count()
        state = _("已完成") if run.finished_at else _("推送中")
        return _("%(state)s：已推送 %(pushed)d / %(total)d 家企业") % {
            "state": state,
            "pushed": pushed,
            "total": run.total,
        }

    def _apply(self, request, queryset, service, done):
        run_for_each(self, request, queryset, service, keyword="policy", done=done)

    @admin.action(description=_("发布所选政策"), permissions=["publish"])
    def publish(self, request, queryset):
        self._apply(request, queryset, services.policy_publish, _("已发布 %(count)d 项政策。"))

    @admin.action(description=_("撤回所选政策"), permissions=["publish"])
    def withdraw(self, request, queryset):
        self._apply(request, queryset, services.policy_withdraw, _("已撤回 %(count)d 项政策。"))

    def has_publish_permission(self, request):
        return request.user.has_perm("policies.publish_policy")


class ApplicationEventInline(TimelineInline):
    model = ApplicationEvent
    fields = ["created_at", "kind", "actor", "from_status", "to_status", "amount", "note"]


@admin.register(Application)
class ApplicationAdmin(ArchiveAdminMixin, admin.ModelAdmin):
    """Applications, read-only: they change through the application pages and API
    (submit, review, payout); here they are only archived (归档)."""

    list_display = ["policy", "enterprise", "year", "status", "submitted_at", "prepared_by"]
    list_filter = [ArchivedListFilter, "status", "year", ("prepared_by", admin.EmptyFieldListFilter)]
    search_fields = ["policy__title", "enterprise__name"]
    list_select_related = ["policy", "enterprise", "prepared_by", "prepared_by__department"]
    actions = ["archive", "unarchive"]
    inlines = [ApplicationEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by the services only; the admin lists and shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApplicationMandate)
class ApplicationMandateAdmin(ReadOnlyAdmin):
    """委托代办, read-only: enterprises grant and revoke them on their own page."""

    list_display = ["enterprise", "granted_by", "granted_at", "revoked_by", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "granted_at"]
    search_fields = ["enterprise__name", "enterprise__credit_code"]
    list_select_related = ["enterprise", "granted_by", "granted_by__department", "revoked_by", "revoked_by__department"]
    fields = ["enterprise", "pledge", "granted_by", "granted_at", "revoked_by", "revoked_at"]


@admin.register(PolicyPlan)
class PolicyPlanAdmin(ReadOnlyAdmin):
    """一企一策 reports, read-only: staff prepare them on the enterprise's page."""

    list_display = ["enterprise", "prepared_at", "prepared_by", "total_amount"]
    list_filter = ["prepared_at", "prepared_by__department", "enterprise__region"]
    search_fields = ["enterprise__name", "enterprise__credit_code", "prepared_by__full_name"]
    list_select_related = ["enterprise", "prepared_by", "prepared_by__department"]
    date_hierarchy = "prepared_at"
    fields = ["enterprise", "prepared_by", "prepared_at", "total_amount", "recommendations", "items"]


# --- 三色图 and 督办 (issue #18) ---------------------------------------------------------------


@admin.register(ColourThreshold)
class ColourThresholdAdmin(admin.ModelAdmin):
    """The 三色图 thresholds officials decide; they colour the snapshots taken afterwards."""

    list_display = ["dimension", "green_from", "yellow_from", "updated_at"]


@admin.register(MonthlySnapshot)
class MonthlySnapshotAdmin(ReadOnlyAdmin):
    """Month-end 三色图 rows, read-only: taken by the scheduled task or ``supervision_snapshot``."""

    list_display = ["month", "unit_kind", "region", "department", "overall_score", "colour", "rank"]
    list_filter = ["month", "unit_kind", "colour"]
    list_select_related = ["region", "department"]


@admin.register(SupervisionNotice)
class SupervisionNoticeAdmin(ReadOnlyAdmin):
    """督办, read-only here: issued automatically, answered and evaluated on the 督办 page."""

    list_display = ["month", "unit_kind", "region", "department", "due_on", "verdict", "published"]
    list_filter = ["month", "verdict", "published"]
    list_select_related = ["region", "department"]
