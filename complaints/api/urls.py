from django.urls import path
from rest_framework.routers import SimpleRouter

from complaints.api import reports, views, walkthroughs

router = SimpleRouter()
router.register("cases", views.CaseViewSet, basename="case")
router.register("walkthroughs", walkthroughs.WalkthroughViewSet, basename="walkthrough")
router.register("checklists", walkthroughs.ChecklistViewSet, basename="checklist")
router.register("findings", walkthroughs.FindingViewSet, basename="finding")

urlpatterns = [
    path("reports/case-figures/", reports.CaseFiguresView.as_view(), name="case-figures"),
    *router.urls,
]
