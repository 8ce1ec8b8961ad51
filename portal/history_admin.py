"""The admin's history pages (django-pghistory's events admin) in the reader's language.

pghistory's admin writes its filter titles, event labels and page subtitles in English
without marking them for translation; this subclass (PGHISTORY_ADMIN_CLASS) words them,
shows the object as its model's name and number, and the change as "字段：旧 → 新".
"""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from pghistory.admin import core as pghistory_admin

# pghistory's trackers label their events with these words (portal.models.history).
EVENT_LABELS = {
    "insert": _("新增"),
    "update": _("修改"),
    "delete": _("删除"),
    "snapshot": _("快照"),
}
METHODS = {
    "tracks": _("本对象的变更"),
    "references": _("引用本对象的变更"),
}


def event_label(label: str) -> str:
    return str(EVENT_LABELS.get(label, label))


def _model(label: str | None):
    try:
        return apps.get_model(label) if label else None
    except (LookupError, ValueError):
        return None


def model_name(label: str | None) -> str:
    """A model label ("portal.Department") as its verbose name ("部门")."""
    model = _model(label)
    return str(model._meta.verbose_name) if model else (label or "")


class LabelFilter(pghistory_admin.LabelFilter):
    title = _("事件")

    def lookups(self, request, model_admin):
        return [(label, event_label(label)) for label, _label in super().lookups(request, model_admin)]


class EventModelFilter(pghistory_admin.EventModelFilter):
    title = _("对象类型")

    def lookups(self, request, model_admin):
        event_models = pghistory_admin._filter_event_models(request)
        choices = [
            (event_model._meta.label_lower, str(event_model.pgh_tracked_model._meta.verbose_name))
            for event_model in event_models
            if event_model.pgh_tracked_model is not None
        ]
        return sorted(choices, key=lambda choice: choice[1])


class MethodFilter(pghistory_admin.MethodFilter):
    title = _("范围")

    def lookups(self, request, model_admin):
        return list(METHODS.items())


class ObjFilter(pghistory_admin.ObjFilter):
    title = _("对象")

    def lookups(self, request, model_admin):
        """The object by its name rather than pghistory's "portal.user:1"."""
        value = request.GET.get(self.parameter_name, "")
        model_label, _sep, pk = value.partition(":")
        model = _model(model_label)
        try:
            obj = model._default_manager.filter(pk=pk).first() if model and pk else None
        except (ValueError, ValidationError):
            obj = None
        return [(value, str(obj) if obj else value)] if value else []


class ModelFilter(pghistory_admin.ModelFilter):
    title = _("对象类型")


class EventsAdmin(pghistory_admin.EventsAdmin):
    """Every tracked change, newest first: when, what happened to which object, what
    changed, who did it and from which page."""

    def get_list_display(self, request):
        return ["pgh_created_at", "event", "target", "changes", "user", "url"]

    def get_list_filter(self, request):
        filters = [LabelFilter, EventModelFilter]
        if "obj" in request.GET:
            filters.extend([MethodFilter, ObjFilter, pghistory_admin.BackFilter])
        elif "model" in request.GET:
            filters.extend([ModelFilter, pghistory_admin.BackFilter])
        return filters

    @admin.display(description=_("事件"), ordering="pgh_label")
    def event(self, obj):
        return event_label(obj.pgh_label)

    @admin.display(description=_("对象"))
    def target(self, obj):
        return gettext("%(model)s #%(id)s") % {"model": model_name(obj.pgh_obj_model), "id": obj.pgh_obj_id}

    @admin.display(description=_("变更内容"))
    def changes(self, obj):
        diff = obj.pgh_diff or {}
        model = _model(obj.pgh_obj_model)

        def field_name(name):
            try:
                return str(model._meta.get_field(name).verbose_name) if model else name
            except Exception:  # a field since removed
                return name

        if not diff:
            return "—"
        lines = (
            gettext("%(field)s：%(before)s → %(after)s")
            % {"field": field_name(name), "before": _value(before), "after": _value(after)}
            for name, (before, after) in diff.items()
        )
        return format_html(
            "<ul class='pgh-diff'>{}</ul>", format_html_join("", "<li>{}</li>", ((line,) for line in lines))
        )

    def changelist_view(self, request, extra_context=None):
        """pghistory's page, with its title and subtitle worded here."""
        extra_context = extra_context or {}
        extra_context["title"] = str(self.model._meta.verbose_name_plural)
        obj = pghistory_admin._get_obj(request.GET.get("obj"))
        method = request.GET.get("method")
        model = pghistory_admin._get_model(request.GET.get("model"))
        if obj:
            obj.refresh_from_db()
            extra_context["subtitle"] = (
                gettext("%(scope)s：%(object)s") % {"scope": METHODS[method], "object": obj}
                if method in METHODS
                else str(obj)
            )
        elif model:
            extra_context["subtitle"] = str(model._meta.verbose_name)
        if "back" in request.GET:
            extra_context["pgh_back"] = request.GET["back"]
        return admin.ModelAdmin.changelist_view(self, request, extra_context=extra_context)


def _value(value) -> str:
    if value is None or value == "":
        return "—"
    return str(value)
