from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    name = "policies"
    verbose_name = _("惠企政策")

    def ready(self):
        from policies import signals  # noqa: F401 - connects the re-matching receivers
