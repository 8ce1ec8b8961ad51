from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("基础数据")

    def ready(self):
        # Connects the sign-in signal that starts a session's clock.
        from portal import security  # noqa: F401
