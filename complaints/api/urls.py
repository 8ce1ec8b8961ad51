from rest_framework.routers import SimpleRouter

from complaints.api import views, walkthroughs

router = SimpleRouter()
router.register("cases", views.CaseViewSet, basename="case")
router.register("walkthroughs", walkthroughs.WalkthroughViewSet, basename="walkthrough")
router.register("checklists", walkthroughs.ChecklistViewSet, basename="checklist")
router.register("findings", walkthroughs.FindingViewSet, basename="finding")

urlpatterns = router.urls
