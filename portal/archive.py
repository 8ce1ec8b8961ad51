"""Nothing is deleted: cases, registrations, applications, walkthroughs and policies are
archived (归档) instead. Archived records leave the everyday lists but stay readable by
link, in reports and in the history; the database itself refuses to delete them."""

from __future__ import annotations

import pgtrigger
from django.contrib import admin, messages
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def archived_at_field():
    return models.DateTimeField(_("归档时间"), null=True, blank=True, editable=False, db_index=True)


def protect_from_delete():
    """A row-level trigger that makes any DELETE on the table fail, whoever sends it
    (the admin, a shell, a cascade from a parent row, raw SQL). TRUNCATE, used only by
    the test suite's flush, is not a DELETE."""
    return pgtrigger.Protect(name="archive_not_delete", operation=pgtrigger.Delete)


class ArchivedListFilter(admin.SimpleListFilter):
    """The admin list shows what is not archived unless asked otherwise."""

    title = _("归档")
    parameter_name = "archived"

    def lookups(self, request, model_admin):
        return [("yes", _("已归档")), ("all", _("全部"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(archived_at__isnull=False)
        if self.value() == "all":
            return queryset
        return queryset.filter(archived_at__isnull=True)


class ArchiveAdminMixin:
    """No delete in the admin (neither the button nor the bulk action); "归档" instead.
    Put it before ``admin.ModelAdmin`` and list ``ArchivedListFilter`` in ``list_filter``."""

    def has_delete_permission(self, request, obj=None):
        return False

    def has_archive_permission(self, request):
        opts = self.model._meta
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    @admin.action(description=_("归档所选记录"), permissions=["archive"])
    def archive(self, request, queryset):
        # An UPDATE, so pghistory records it with the acting user from the request.
        count = queryset.filter(archived_at__isnull=True).update(archived_at=timezone.now())
        self.message_user(request, _("已归档 %(count)d 条记录。") % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("取消归档所选记录"), permissions=["archive"])
    def unarchive(self, request, queryset):
        count = queryset.filter(archived_at__isnull=False).update(archived_at=None)
        self.message_user(request, _("已取消归档 %(count)d 条记录。") % {"count": count}, messages.SUCCESS)


class TimelineInline(admin.TabularInline):
    """A record's timeline (办理记录, 申报记录) under it in the admin: written by the
    services, append-only in the database, so nothing is added, changed or deleted here.
    Subclasses name the ``model`` and the ``fields``, all shown read-only."""

    extra = 0
    can_delete = False
    ordering = ["created_at", "id"]

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
