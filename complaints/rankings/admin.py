"""红黄黑榜规则 in the admin: the single row (created by migration 0013), changed only.
Imported by ``complaints.admin``; the lists themselves are drafted, moved and
published on the officials' pages (``/rankings/drafts/``), through the services."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from complaints.models import RankingRule


@admin.register(RankingRule)
class RankingRuleAdmin(admin.ModelAdmin):
    list_display = ["__str__", "red_on_time", "red_resolution", "red_satisfaction", "black_min_overdue"]
    fieldsets = [
        (None, {"fields": ["min_cases"]}),
        (_("红榜"), {"fields": ["red_on_time", "red_resolution", "red_satisfaction", "red_max_overdue"]}),
        (
            _("黄榜下限（低于任一项列入黑榜）"),
            {"fields": ["yellow_on_time", "yellow_resolution", "yellow_satisfaction", "black_min_overdue"]},
        ),
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
