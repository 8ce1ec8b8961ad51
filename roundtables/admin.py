"""The officials' main tool for roundtables: series, sessions and their actions."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from portal.admin_actions import run_for_each
from portal.archive import ArchiveAdminMixin, ArchivedListFilter
from portal.models import Enterprise, EnterpriseTag, Industry, Region
from portal.portraits import TagsByDimensionField
from roundtables import services
from roundtables.models import Appeal, Invitation, Registration, Series, Session, SessionAttachment, Slot


class GenerateForm(forms.Form):
    months = forms.IntegerField(label=_("生成未来几个月的会议"), min_value=1, max_value=12, initial=3)


class SlotsForm(forms.Form):
    minutes = forms.IntegerField(label=_("每个时段（分钟）"), min_value=5, max_value=240, initial=services.SLOT_MINUTES)
    capacity = forms.IntegerField(label=_("每个时段可预约企业数"), min_value=1, max_value=100, initial=1)


class PublishForm(forms.Form):
    reason = forms.CharField(
        label=_("提前不足7天发布的理由"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("按规定应提前一周发布公告；距开会不足7天时必须填写。"),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("取消原因"), widget=forms.Textarea(attrs={"rows": 2}))


class InviteForm(forms.Form):
    """点名: choose the enterprises to invite by their profile."""

    industry = forms.ModelChoiceField(
        label=_("行业"), queryset=Industry.objects.filter(level__in=["section", "division"]), required=False
    )
    region = forms.ModelChoiceField(label=_("区划"), queryset=Region.objects.all(), required=False)
    # Grouped by the portrait's dimensions (portal.portraits).
    tags = TagsByDimensionField(
        label=_("企业标签（须全部具备）"), queryset=EnterpriseTag.objects.filter(is_active=True), required=False
    )
    scale = forms.MultipleChoiceField(
        label=_("企业规模"), choices=Enterprise.Scale.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def enterprises(self):
        data = self.cleaned_data
        queryset = Enterprise.objects.all()
        if data.get("industry"):
            queryset = queryset.filter(industry__path__startswith=data["industry"].path)
        if data.get("region"):
            queryset = queryset.filter(region__path__startswith=data["region"].path)
        for tag in data.get("tags") or []:
            queryset = queryset.filter(tags=tag)
        if data.get("scale"):
            queryset = queryset.filter(scale__in=data["scale"])
        return queryset.order_by("name")


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region", "rrule", "default_capacity", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    autocomplete_fields = ["region", "host_department"]
    actions = ["generate_sessions"]

    def get_urls(self):
        return [
            path(
                "<int:pk>/generate/",
                self.admin_site.admin_view(self.generate_view),
                name="roundtables_series_generate",
            ),
            *super().get_urls(),
        ]

    @admin.action(description=_("生成未来几个月的会议草稿"))
    def generate_sessions(self, request, queryset):
        series = queryset.first()
        return HttpResponseRedirect(reverse("admin:roundtables_series_generate", args=[series.pk]))

    def generate_view(self, request, pk):
        series = get_object_or_404(Series, pk=pk)
        if not services.can_manage(request.user):
            raise PermissionDenied
        form = GenerateForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            created, skipped = services.series_generate_sessions(
                series=series, months=form.cleaned_data["months"], actor=request.user
            )
            self.message_user(
                request,
                _("已生成 %(created)d 期会议草稿，跳过已有会议的日期 %(skipped)d 个。")
                % {"created": len(created), "skipped": skipped},
                messages.SUCCESS,
            )
            for session in created:
                if session.calendar_note:
                    self.message_user(
                        request,
                        _("%(date)s 为%(note)s，请确认是否保留或调整日期。")
                        % {"date": session.starts_at.date(), "note": session.calendar_note},
                        messages.WARNING,
                    )
            return HttpResponseRedirect(reverse("admin:roundtables_session_changelist") + f"?series__id__exact={pk}")
        context = {**self.admin_site.each_context(request), "title": _("生成会议"), "form": form, "object": series}
        return render(request, "admin/roundtables/form_page.html", context)


class RegistrationInline(admin.TabularInline):
    model = Registration
    extra = 0
    fields = [
        "enterprise",
        "attendee_name",
        "attendee_title",
        "mode",
        "slot",
        "pool",
        "status",
        "code",
        "checked_in_at",
    ]
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("enterprise", "slot")

    def has_delete_permission(self, request, obj=None):
        return False  # a registration is cancelled or archived, never deleted

    def has_add_permission(self, request, obj=None):
        return False


class InvitationInline(admin.TabularInline):
    model = Invitation
    extra = 0
    fields = ["enterprise", "status", "invited_at", "responded_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class AppealInline(admin.TabularInline):
    model = Appeal
    extra = 0
    fields = ["case_link", "source", "case_status", "on_site_answer"]
    readonly_fields = ["case_link", "source", "case_status", "on_site_answer"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("诉求件"))
    def case_link(self, obj):
        return format_html(
            '<a href="{}">{}</a> {}',
            reverse("complaints:case_detail", args=[obj.case.number]),
            obj.case.number,
            obj.case.title,
        )

    @admin.display(description=_("办理状态"))
    def case_status(self, obj):
        return obj.case.get_status_display()

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("case")


class SlotFormSet(forms.BaseInlineFormSet):
    """A booked slot keeps room for those who booked it (deleting it is refused: the
    registrations protect it)."""

    def clean(self):
        super().clean()
        for form in self.forms:
            slot = form.instance
            if not slot.pk:
                continue
            # Deleting a booked one is refused by the admin's protected-object check.
            if self.can_delete and self._should_delete_form(form):
                continue
            booked = services.slot_places_taken(slot)
            if form.cleaned_data.get("capacity") is not None and form.cleaned_data["capacity"] < booked:
                raise ValidationError(
                    _("时段%(slot)s已有%(booked)d家企业预约，可预约企业数不能少于%(booked)d。")
                    % {"slot": slot, "booked": booked},
                    code="below_booked",
                )


class SlotInline(admin.TabularInline):
    """预约时段 of a reception day or a 直通车 session; "生成预约时段" cuts the session's
    time into equal ones."""

    model = Slot
    formset = SlotFormSet
    extra = 0
    fields = ["starts_at", "ends_at", "capacity", "booked"]
    readonly_fields = ["booked"]

    @admin.display(description=_("已预约"))
    def booked(self, obj):
        return obj.booked if obj.pk else "—"

    def get_queryset(self, request):
        from django.db.models import Count, Q

        return (
            super()
            .get_queryset(request)
            .annotate(booked=Count("registrations", filter=Q(registrations__status=Registration.Status.CONFIRMED)))
        )


# Links typed without a scheme become https:// (Django 6's default, adopted now).
HTTPS_LINKS = {models.URLField: {"assume_scheme": "https"}}


class AttachmentInline(admin.TabularInline):
    model = SessionAttachment
    extra = 0
    formfield_overrides = HTTPS_LINKS


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "theme", "starts_at", "state", "seats", "calendar_note"]
    list_filter = ["state", "series__kind", "series", "region"]
    search_fields = ["theme", "venue"]
    date_hierarchy = "starts_at"
    list_select_related = ["series", "region", "parent"]
    autocomplete_fields = ["region", "departments", "industries"]
    formfield_overrides = HTTPS_LINKS
    readonly_fields = ["year", "number", "published_at", "early_publish_reason", "calendar_note", "tools"]
    inlines = [AttachmentInline, SlotInline, InvitationInline, RegistrationInline, AppealInline]

    def get_inlines(self, request, obj):
        # Time slots belong to the kinds that book them (企业接待日, 直通车).
        if obj is None or not obj.takes_slots:
            return [inline for inline in self.inlines if inline is not SlotInline]
        return self.inlines

    def has_delete_permission(self, request, obj=None):
        # Deleting a session would take its registrations with it; one that has any
        # is cancelled instead (the database refuses to delete registrations).
        return super().has_delete_permission(request, obj) and not (obj and obj.registrations.exists())

    def delete_queryset(self, request, queryset):
        kept = queryset.filter(registrations__isnull=False).distinct()
        if kept.exists():
            self.message_user(
                request,
                _("有报名的恳谈会不能删除，请改为取消：%(sessions)s") % {"sessions": "、".join(map(str, kept))},
                messages.WARNING,
            )
        super().delete_queryset(request, queryset.filter(registrations__isnull=True))

    actions = [
        "publish",
        "close_registration",
        "mark_held",
        "start_follow_up",
        "close",
        "cancel",
        "create_county_sessions",
        "generate_slots",
        "invite",
        "export_registrations",
        "follow_up_report",
    ]
    fieldsets = [
        (None, {"fields": ["series", "parent", "region", "year", "number", "state", "theme", "description", "chairs"]}),
        (_("时间地点"), {"fields": ["starts_at", "ends_at", "venue", "online_link", "calendar_note"]}),
        (
            _("接待领导与参会部门"),
            {
                "fields": ["leader_title", "leader_name", "departments"],
                "description": _("企业接待日由市领导率各职能部门现场接待企业，请填写出席的领导和部门。"),
            },
        ),
        (_("报名"), {"fields": ["capacity", "reserved_seats", "registration_closes_at", "industries"]}),
        (_("发布"), {"fields": ["published_at", "early_publish_reason"]}),
        (_("会后"), {"fields": ["minutes", "video_url", "tools"]}),
    ]

    def get_queryset(self, request):
        from django.db.models import Count, Q

        return (
            super()
            .get_queryset(request)
            .annotate(
                _seats=Count(
                    "registrations",
                    filter=Q(registrations__status="confirmed", registrations__mode="in_person"),
                )
            )
        )

    def get_readonly_fields(self, request, obj=None):
        # The state changes through the actions (services), never by editing it.
        return [*self.readonly_fields, "state", "series", "parent"] if obj else ["state", "tools"]

    @admin.display(description=_("类型"), ordering="series__kind")
    def kind(self, obj):
        return obj.series.get_kind_display()

    @admin.display(description=_("已确认/名额"))
    def seats(self, obj):
        return f"{obj._seats}/{obj.capacity}"

    @admin.display(description=_("会务"))
    def tools(self, obj):
        if not obj.pk:
            return "—"
        links = [
            (reverse("roundtables:check_in", args=[obj.pk]), _("现场签到")),
            (reverse("roundtables:sign_in_sheet", args=[obj.pk]), _("签到表")),
            (reverse("roundtables:session_appeals", args=[obj.pk]), _("诉求与现场答复")),
            (reverse("roundtable_reports:follow_up") + f"?session={obj.pk}", _("回访情况报告")),
        ]
        return format_html_join(" · ", '<a href="{}">{}</a>', links)

    def get_urls(self):
        return [
            path(
                "<int:pk>/publish/", self.admin_site.admin_view(self.publish_view), name="roundtables_session_publish"
            ),
            path("<int:pk>/cancel/", self.admin_site.admin_view(self.cancel_view), name="roundtables_session_cancel"),
            path("<int:pk>/invite/", self.admin_site.admin_view(self.invite_view), name="roundtables_session_invite"),
            path("<int:pk>/slots/", self.admin_site.admin_view(self.slots_view), name="roundtables_session_slots"),
            *super().get_urls(),
        ]

    def _apply(self, request, queryset, service, done):
        run_for_each(self, request, queryset, service, keyword="session", done=done)

    def save_model(self, request, obj, form, change):
        moved = services.session_save(session=obj, actor=request.user)
        if moved:
            self.message_user(
                request,
                _("会议改期：%(count)d 件报名时提出的诉求改为在新的召开时间登记，交办期限随之调整。")
                % {"count": moved},
                messages.INFO,
            )

    @admin.action(description=_("发布（开始报名）"))
    def publish(self, request, queryset):
        return HttpResponseRedirect(reverse("admin:roundtables_session_publish", args=[queryset.first().pk]))

    def publish_view(self, request, pk):
        session = get_object_or_404(Session, pk=pk)
        if not services.can_manage(request.user):
            raise PermissionDenied
        form = PublishForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.session_publish(session=session, actor=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                self.message_user(request, _("已发布，报名已开放。"), messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:roundtables_session_change", args=[pk]))
        context = {**self.admin_site.each_context(request), "title": _("发布会议"), "form": form, "object": session}
        return render(request, "admin/roundtables/form_page.html", context)

    @admin.action(description=_("截止报名"))
    def close_registration(self, request, queryset):
        self._apply(request, queryset, services.session_close_registration, _("已截止 %(count)d 期会议的报名。"))

    @admin.action(description=_("标记为已召开"))
    def mark_held(self, request, queryset):
        self._apply(request, queryset, services.session_mark_held, _("已标记 %(count)d 期会议为已召开。"))

    @admin.action(description=_("转入跟踪办理"))
    def start_follow_up(self, request, queryset):
        self._apply(request, queryset, services.session_start_follow_up, _("%(count)d 期会议转入跟踪办理。"))

    @admin.action(description=_("结束"))
    def close(self, request, queryset):
        self._apply(request, queryset, services.session_close, _("已结束 %(count)d 期会议。"))

    @admin.action(description=_("取消会议"))
    def cancel(self, request, queryset):
        return HttpResponseRedirect(reverse("admin:roundtables_session_cancel", args=[queryset.first().pk]))

    def cancel_view(self, request, pk):
        session = get_object_or_404(Session, pk=pk)
        if not services.can_manage(request.user):
            raise PermissionDenied
        form = CancelForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.session_cancel(session=session, actor=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                self.message_user(request, _("会议已取消，已报名企业将收到通知。"), messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:roundtables_session_change", args=[pk]))
        context = {**self.admin_site.each_context(request), "title": _("取消会议"), "form": form, "object": session}
        return render(request, "admin/roundtables/form_page.html", context)

    @admin.action(description=_("创建县级同步分会场"))
    def create_county_sessions(self, request, queryset):
        for session in queryset:
            try:
                created = services.session_create_county_sessions(session=session, actor=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.WARNING)
                continue
            self.message_user(
                request,
                _("“%(session)s”已创建 %(count)d 个县级分会场。") % {"session": session, "count": len(created)},
                messages.SUCCESS,
            )

    @admin.action(description=_("生成预约时段（企业接待日、直通车）"))
    def generate_slots(self, request, queryset):
        return HttpResponseRedirect(reverse("admin:roundtables_session_slots", args=[queryset.first().pk]))

    def slots_view(self, request, pk):
        session = get_object_or_404(Session.objects.select_related("series"), pk=pk)
        if not services.can_manage(request.user):
            raise PermissionDenied
        form = SlotsForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                created, skipped = services.slots_generate(
                    session=session,
                    actor=request.user,
                    minutes=form.cleaned_data["minutes"],
                    capacity=form.cleaned_data["capacity"],
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                self.message_user(
                    request,
                    _("已生成 %(created)d 个预约时段，跳过已有的 %(skipped)d 个。")
                    % {"created": len(created), "skipped": skipped},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:roundtables_session_change", args=[pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("生成预约时段"),
            "form": form,
            "object": session,
        }
        return render(request, "admin/roundtables/form_page.html", context)

    @admin.action(description=_("点名邀请企业"))
    def invite(self, request, queryset):
        return HttpResponseRedirect(reverse("admin:roundtables_session_invite", args=[queryset.first().pk]))

    def invite_view(self, request, pk):
        session = get_object_or_404(Session, pk=pk)
        if not services.can_manage(request.user):
            raise PermissionDenied
        # The filters travel in the query string; the POST only confirms them.
        form = InviteForm(request.GET or None)
        matches = None
        if form.is_bound and form.is_valid():
            matches = form.enterprises()
            if request.method == "POST" and request.POST.get("confirm"):
                try:
                    count = services.invitations_send(session=session, enterprises=matches, actor=request.user)
                except ValidationError as error:
                    self.message_user(request, " ".join(error.messages), messages.ERROR)
                else:
                    self.message_user(request, _("已邀请 %(count)d 家企业。") % {"count": count}, messages.SUCCESS)
                    return HttpResponseRedirect(reverse("admin:roundtables_session_change", args=[pk]))
        pending = session.invitations.filter(status=Invitation.Status.PENDING).select_related("enterprise")
        context = {
            **self.admin_site.each_context(request),
            "title": _("点名邀请"),
            "form": form,
            "object": session,
            "matches": matches[:50] if matches is not None else None,
            "match_count": matches.count() if matches is not None else None,
            "pending": pending,
        }
        return render(request, "admin/roundtables/invite.html", context)

    @admin.action(description=_("导出报名名单（Excel）"))
    def export_registrations(self, request, queryset):
        session = queryset.first()
        return HttpResponseRedirect(reverse("roundtable_reports:registrations_export") + f"?session={session.pk}")

    @admin.action(description=_("生成回访情况报告"))
    def follow_up_report(self, request, queryset):
        session = queryset.first()
        return HttpResponseRedirect(reverse("roundtable_reports:follow_up") + f"?session={session.pk}")


@admin.register(Registration)
class RegistrationAdmin(ArchiveAdminMixin, admin.ModelAdmin):
    """Registrations across sessions, read-only: they change through the portal's
    sign-up and cancellation; here they are only archived (归档)."""

    list_display = ["enterprise", "session", "attendee_name", "mode", "status", "created_at"]
    list_filter = [ArchivedListFilter, "status", "mode", "session__series__kind", "session__series"]
    search_fields = ["enterprise__name", "attendee_name", "code"]
    list_select_related = ["enterprise", "session__series", "session__region"]
    actions = ["archive", "unarchive"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
