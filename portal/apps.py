from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig, apps
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from pghistory.apps import PGHistoryConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("基础数据")
    # This module also holds the configurations of two third-party apps, below.
    default = True

    def ready(self):
        from django.db.models.signals import post_migrate

        # security connects the sign-in signal that starts a session's clock.
        from portal import security, text  # noqa: F401
        from portal.schedules import sync_after_migrate

        # Invisible formatting characters never reach the database (portal/text.py).
        text.install()

        # Once per migrate, after every app's migrations (django_q's tables exist by then).
        post_migrate.connect(sync_after_migrate, sender=self, dispatch_uid="portal.sync_schedules")
        # Writes of what public pages show bump the versions their cached copies are kept under.
        from portal import pagecache

        pagecache.connect()
        _admin_boolean_icons_in_the_readers_language()


def _admin_boolean_icons_in_the_readers_language() -> None:
    """The admin's yes/no icons carry alt="True"/"False" (Django writes the Python value):
    a screen reader read English in the Chinese admin. The same icons, with 是/否/未知.
    Django looks the function up on its module at each call (``display_for_field`` imports
    it there), so replacing it on the module is enough; tests/portal/test_admin_language.py
    fails if a Django upgrade moves it."""
    from django.contrib.admin.templatetags import admin_list
    from django.templatetags.static import static
    from django.utils.html import format_html

    def boolean_icon(field_val):
        icon = {True: "yes", False: "no", None: "unknown"}[field_val]
        alt = {True: _("是"), False: _("否"), None: _("未知")}[field_val]
        return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{icon}.svg"), alt)

    admin_list._boolean_icon = boolean_icon


# Third-party apps under names an official reads in the admin (INSTALLED_APPS lists these
# classes instead of the apps' own). The English words their models and fields are marked
# with are translated in the overrides catalogue (locale/overrides, portal.catalogues);
# what they never mark for translation is named here.


class AxesConfig(AxesAppConfig):
    """django-axes: the record of failed sign-ins and the lock-outs."""

    verbose_name = _("登录安全")


class PghistoryConfig(PGHistoryConfig):
    """django-pghistory: every tracked change, with who made it and from which page."""

    verbose_name = _("变更历史")

    # The aggregate models' fields that the history pages show (portal.history_admin);
    # unmanaged and proxy models, so a verbose name set here changes no migration.
    FIELD_NAMES = {
        "pgh_slug": _("记录标识"),
        "pgh_model": _("记录类型"),
        "pgh_id": _("记录编号"),
        "pgh_created_at": _("时间"),
        "pgh_label": _("事件"),
        "pgh_data": _("数据"),
        "pgh_diff": _("变更内容"),
        "pgh_context_id": _("上下文编号"),
        "pgh_context": _("上下文"),
        "pgh_obj_model": _("对象类型"),
        "pgh_obj_id": _("对象编号"),
        "user": _("操作人"),
        "url": _("页面地址"),
    }

    def ready(self):
        super().ready()
        from pghistory.models import Context, Event, Events, MiddlewareEvents

        # pghistory's models spell their names in English without marking them for
        # translation: named here, in the ready hook, rather than by proxy models.
        for model, name in [
            (Context, _("变更上下文")),
            (Events, _("变更记录")),
            (MiddlewareEvents, _("变更记录")),
        ]:
            model._meta.verbose_name = model._meta.verbose_name_plural = name
        for model in (Events, MiddlewareEvents):
            for field in model._meta.get_fields():
                if field.name in self.FIELD_NAMES:
                    field.verbose_name = self.FIELD_NAMES[field.name]
                    field.help_text = ""
        # One event model per tracked model (DepartmentEvent, CaseHistoryEvent, …), named
        # after the model it tracks: "部门变更记录". Its own verbose name is part of its
        # migration state, so it is set on _meta, not in the model's Meta.
        for model in apps.get_models():
            tracked = getattr(model, "pgh_tracked_model", None)
            if issubclass(model, Event) and tracked is not None:
                name = format_lazy(_("{model}变更记录"), model=tracked._meta.verbose_name)
                model._meta.verbose_name = model._meta.verbose_name_plural = name
