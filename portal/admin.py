from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import redirect
from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from portal import roles, selectors, services, workdays
from portal.admin_actions import run_for_each
from portal.models import (
    Announcement,
    CalendarDay,
    Department,
    Enterprise,
    EnterpriseMembership,
    EnterpriseTag,
    HolidaySchedule,
    Industry,
    Notification,
    Region,
    SiteSettings,
    StewardAssignment,
    TagDimension,
    User,
)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name", "name_en"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]


@admin.register(Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name", "name_en"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "name_en", "region", "lead", "phone", "is_active"]
    list_filter = ["is_active", "region"]
    search_fields = ["name", "short_name"]
    autocomplete_fields = ["region", "lead"]
    list_select_related = ["region", "lead"]


@admin.register(TagDimension)
class TagDimensionAdmin(admin.ModelAdmin):
    """标签维度: the portrait's dimensions (钱塘's five); their tags listed on the page."""

    list_display = ["name", "name_en", "position", "tag_count"]
    list_editable = ["position"]
    search_fields = ["name", "name_en"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(tag_count=Count("tags"))

    @admin.display(description=_("标签数"), ordering="tag_count")
    def tag_count(self, obj):
        return obj.tag_count


@admin.register(EnterpriseTag)
class EnterpriseTagAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "dimension", "description", "is_active"]
    list_filter = ["dimension", "is_active"]
    list_select_related = ["dimension"]
    # By dimension, as the portrait shows them; a dimension's name finds its tags.
    ordering = ["dimension__position", "name"]
    search_fields = ["name", "name_en", "dimension__name"]


class MembershipInline(admin.TabularInline):
    model = EnterpriseMembership
    fk_name = "enterprise"
    extra = 0
    fields = ["user", "position", "status", "requested_at", "decided_by", "decided_at"]
    # Requested by the user in the portal and decided with the actions of 企业成员, so
    # that every decision goes through portal.services and is recorded.
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


def steward_choices():
    return User.objects.filter(groups__name=roles.STEWARD, is_active=True).select_related("department")


class StewardChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name  # 姓名（单位）, never the login name


class StewardInline(admin.TabularInline):
    """The enterprise's 管家, read here; named and removed with the actions of the
    enterprise list (one or a whole selection) or in 亲商管家指派, through portal.services."""

    model = StewardAssignment
    fk_name = "enterprise"
    extra = 0
    fields = ["steward", "assigned_at", "assigned_by"]
    readonly_fields = fields
    can_delete = False
    verbose_name_plural = _("亲商管家")

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("steward__department", "assigned_by")


class StewardActionForm(helpers.ActionForm):
    """The enterprise list's action bar with the 管家 to name or remove."""

    steward = StewardChoiceField(queryset=steward_choices(), required=False, label=_("亲商管家"))


class IndustrySectionFilter(admin.SimpleListFilter):
    """行业门类: the top of the industry tree (A 农、林、牧、渔业 … T), with everything under it."""

    title = _("行业门类")
    parameter_name = "section"

    def lookups(self, request, model_admin):
        sections = Industry.objects.filter(parent__isnull=True).order_by("code")
        return [(node.code, node.display_name) for node in sections]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(industry__path__startswith=f"/{self.value()}/")
        return queryset


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "industry", "scale", "ownership", "region", "employees"]
    list_filter = ["scale", "ownership", "tax_credit_grade", "region", IndustrySectionFilter, "tags"]
    search_fields = ["name", "credit_code", "contact_person"]
    autocomplete_fields = ["industry", "region", "tags"]
    list_select_related = ["industry", "region"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [StewardInline, MembershipInline]
    action_form = StewardActionForm
    actions = ["assign_steward", "unassign_steward"]

    def _chosen_steward(self, request):
        try:
            steward = StewardChoiceField(queryset=steward_choices(), required=False).clean(request.POST.get("steward"))
        except ValidationError:
            steward = None  # no longer a 管家 since the page was drawn
        if steward is not None:
            return steward
        self.message_user(request, gettext("请先在“亲商管家”中选择一位管家。"), messages.WARNING)
        return None

    @admin.action(description=_("指派为所选企业的亲商管家"), permissions=["add_steward"])
    def assign_steward(self, request, queryset):
        steward = self._chosen_steward(request)
        if steward is None:
            return
        try:
            added = services.steward_assign(enterprises=queryset, steward=steward, actor=request.user)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return
        self.message_user(
            request,
            gettext("%(steward)s 新任 %(added)d 家企业的亲商管家（共选 %(selected)d 家，其余已是其管家）。")
            % {"steward": steward.display_name, "added": added, "selected": queryset.count()},
            messages.SUCCESS,
        )

    @admin.action(description=_("取消所选企业的这位亲商管家"), permissions=["delete_steward"])
    def unassign_steward(self, request, queryset):
        steward = self._chosen_steward(request)
        if steward is None:
            return
        removed = services.steward_unassign(enterprises=queryset, steward=steward, actor=request.user)
        self.message_user(
            request,
            gettext("%(steward)s 不再担任 %(removed)d 家企业的亲商管家。")
            % {"steward": steward.display_name, "removed": removed},
            messages.SUCCESS,
        )

    def has_add_steward_permission(self, request):
        return request.user.has_perm("portal.add_stewardassignment")

    def has_delete_steward_permission(self, request):
        return request.user.has_perm("portal.delete_stewardassignment")

    fieldsets = [
        (None, {"fields": ["name", "credit_code", "industry", "scale", "ownership", "region", "founded_on"]}),
        (
            _("经营数据"),
            {"fields": ["employees", "annual_revenue", "tax_paid", "tax_credit_grade", "rd_spend", "tags"]},
        ),
        (_("联系方式"), {"fields": ["address", "contact_person", "contact_phone"]}),
        (_("记录"), {"fields": ["created_at", "updated_at"]}),
    ]


@admin.register(EnterpriseMembership)
class EnterpriseMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "enterprise", "position", "status", "requested_at", "decided_by", "decided_at"]
    list_filter = ["status"]
    search_fields = ["user__username", "user__full_name", "enterprise__name", "enterprise__credit_code"]
    autocomplete_fields = ["user", "enterprise"]
    list_select_related = ["user", "enterprise", "decided_by"]
    readonly_fields = ["status", "requested_at", "decided_by", "decided_at"]
    actions = ["approve", "reject", "revoke"]

    # A membership is requested in the portal (membership_request) and changes only by
    # the actions below; revoked, never deleted.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _decide(self, request, queryset, service, done_message):
        rows = queryset.select_related("enterprise", "user")
        run_for_each(self, request, rows, service, keyword="membership", done=done_message)

    @admin.action(description=_("通过所选申请"), permissions=["approve"])
    def approve(self, request, queryset):
        self._decide(request, queryset, services.membership_approve, _("已通过 %(count)d 条申请。"))

    @admin.action(description=_("驳回所选申请"), permissions=["approve"])
    def reject(self, request, queryset):
        self._decide(request, queryset, services.membership_reject, _("已驳回 %(count)d 条申请。"))

    @admin.action(description=_("撤销所选成员资格"), permissions=["approve"])
    def revoke(self, request, queryset):
        self._decide(request, queryset, services.membership_revoke, _("已撤销 %(count)d 个成员资格。"))

    def has_approve_permission(self, request):
        return request.user.has_perm("portal.approve_membership")


# Django stores a permission's name once, in English ("Can add access attempt"), when the
# model is migrated; the lists of permissions (a group's, a user's) name them afresh in
# the reader's language from the model's verbose name, and the portal's own permissions
# (Meta.permissions, whose names are msgids) through the catalogue.
PERMISSION_ACTIONS = {
    "add": pgettext_lazy("permission", "添加"),
    "change": pgettext_lazy("permission", "修改"),
    "delete": pgettext_lazy("permission", "删除"),
    "view": pgettext_lazy("permission", "查看"),
}


def permission_label(permission: Permission) -> str:
    content_type = permission.content_type
    model = content_type.model_class()
    action, _sep, model_name = permission.codename.partition("_")
    if model is None:
        # A model since removed (its content type and permissions stay until
        # remove_stale_contenttypes): said so, in the reader's language.
        try:
            app = apps.get_app_config(content_type.app_label).verbose_name
        except LookupError:
            app = content_type.app_label
        model_label = gettext("已删除的数据类型 %(model)s") % {"model": content_type.model}
        name = PERMISSION_ACTIONS.get(action, permission.name) if model_name == content_type.model else permission.name
        return f"{app} | {model_label} | {name}"
    # Django's own add/change/delete/view permissions, also those left under an older name
    # of a renamed model (Django renames the content type, not the permissions).
    if action in PERMISSION_ACTIONS and (
        model_name == model._meta.model_name or permission.name.startswith(f"Can {action} ")
    ):
        name = gettext("可以%(action)s%(model)s") % {
            "action": PERMISSION_ACTIONS[action],
            "model": model._meta.verbose_name,
        }
    else:
        name = gettext(permission.name)
    return f"{model._meta.app_config.verbose_name} | {model._meta.verbose_name} | {name}"


class PermissionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return permission_label(obj)


class PermissionLabelsMixin:
    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        if db_field.name in {"permissions", "user_permissions"}:
            kwargs["form_class"] = PermissionChoiceField
        return super().formfield_for_manytomany(db_field, request, **kwargs)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(PermissionLabelsMixin, DjangoGroupAdmin):
    pass


class UserCreationForm(AdminUserCreationForm):
    """Every account has a name: lists of people show names, never login names."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["full_name"].required = True


@admin.register(User)
class UserAdmin(PermissionLabelsMixin, DjangoUserAdmin):
    add_form = UserCreationForm
    list_display = ["username", "full_name", "mobile", "department", "is_staff", "is_active"]
    list_filter = ["groups", "department", "is_staff", "is_active"]
    search_fields = ["username", "full_name", "mobile", "email"]
    autocomplete_fields = ["department", "region"]
    list_select_related = ["department"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        # region: 负责区域 of a chief problem officer, whose region's cases come first.
        (_("个人信息"), {"fields": ["full_name", "mobile", "email", "department", "region"]}),
        (_("权限"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("重要日期"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "full_name", "mobile", "password1", "password2"]}),
    ]


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 3
    fields = ["date", "is_working_day", "name"]


@admin.register(HolidaySchedule)
class HolidayScheduleAdmin(admin.ModelAdmin):
    list_display = ["year", "document_number", "day_count"]
    search_fields = ["year", "document_number"]
    inlines = [CalendarDayInline]

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(_day_count=Count("days"))

    @admin.display(description=_("调整天数"), ordering="_day_count")
    def day_count(self, obj):
        return obj._day_count

    def changelist_view(self, request, extra_context=None):
        _warn_missing_schedules(request)
        return super().changelist_view(request, extra_context)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "is_working_day", "name", "schedule"]
    list_filter = ["is_working_day", "schedule"]
    search_fields = ["name"]
    date_hierarchy = "date"
    list_select_related = ["schedule"]

    @admin.display(description=_("星期"))
    def weekday(self, obj):
        return date_format(obj.date, "l")

    def changelist_view(self, request, extra_context=None):
        _warn_missing_schedules(request)
        return super().changelist_view(request, extra_context)


def _warn_missing_schedules(request):
    """Warn about this year, and from 1 November next year, when no official schedule
    is known for them: the same warnings as on the admin index and the dashboard."""
    for warning in workdays.schedule_warnings():
        messages.warning(request, warning)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "kind", "created_at", "read_at", "emailed_at", "texted_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "recipient__username", "dedup_key"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin):
    """通知公告 on the home page, shown from the publishing time until the end time."""

    list_display = ["title", "published_at", "expires_at", "is_pinned"]
    list_filter = ["is_pinned"]
    search_fields = ["title", "body"]
    date_hierarchy = "published_at"


@admin.register(SiteSettings)
class SiteSettingsAdmin(admin.ModelAdmin):
    """网站设置: one record, so the list goes straight to it; changed only, through
    services.site_settings_update (which checks the permission and refreshes the pages)."""

    fieldsets = [
        (None, {"fields": ["sponsor", "organiser", "address"]}),
        (_("联系方式"), {"fields": ["hotline", "email"]}),
        (_("备案信息"), {"fields": ["icp", "police_record", "site_code"]}),
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return redirect("admin:portal_sitesettings_change", SiteSettings.SINGLETON_PK)

    def get_object(self, request, object_id, from_field=None):
        site = super().get_object(request, object_id, from_field)
        if site is None and str(object_id) == str(SiteSettings.SINGLETON_PK):
            # The migration's row gone (a flushed database): edit what the pages show, saved as the row.
            site = selectors.site_settings()
        return site

    def save_model(self, request, obj, form, change):
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        services.site_settings_update(actor=request.user, **changes)


class StewardAssignmentForm(forms.ModelForm):
    steward = StewardChoiceField(queryset=steward_choices(), label=_("亲商管家"))

    class Meta:
        model = StewardAssignment
        fields = ["enterprise", "steward"]


@admin.register(StewardAssignment)
class StewardAssignmentAdmin(admin.ModelAdmin):
    """One enterprise's 管家 at a time; for a whole selection use the actions of the enterprise list."""

    form = StewardAssignmentForm
    list_display = ["enterprise", "steward", "assigned_at", "assigned_by"]
    list_filter = ["enterprise__region"]
    search_fields = ["enterprise__name", "enterprise__credit_code", "steward__full_name"]
    autocomplete_fields = ["enterprise"]
    list_select_related = ["enterprise", "steward__department", "assigned_by"]

    def has_change_permission(self, request, obj=None):
        # A pair names who looks after whom: replaced by removing one and adding another.
        return False

    def save_model(self, request, obj, form, change):
        services.steward_assign(
            enterprises=Enterprise.objects.filter(pk=obj.enterprise_id), steward=obj.steward, actor=request.user
        )
        saved = StewardAssignment.objects.get(enterprise_id=obj.enterprise_id, steward=obj.steward)
        obj.pk, obj.assigned_at, obj.assigned_by_id = saved.pk, saved.assigned_at, saved.assigned_by_id

    def delete_model(self, request, obj):
        services.steward_unassign(
            enterprises=Enterprise.objects.filter(pk=obj.enterprise_id), steward=obj.steward, actor=request.user
        )

    def delete_queryset(self, request, queryset):
        for assignment in queryset.select_related("steward"):
            self.delete_model(request, assignment)
