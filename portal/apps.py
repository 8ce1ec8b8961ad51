from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("基础数据")

    def ready(self):
        from django.db.models.signals import post_migrate

        # Connects the sign-in signal that starts a session's clock.
        from portal import security  # noqa: F401
        from portal.schedules import sync_after_migrate

        # Once per migrate, after every app's migrations (django_q's tables exist by then).
        post_migrate.connect(sync_after_migrate, sender=self, dispatch_uid="portal.sync_schedules")
