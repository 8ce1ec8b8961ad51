from django.urls import path
from rest_framework.routers import SimpleRouter

from complaints.api import consultations as consultation_api
from complaints.api import rankings, reports, views, visits, walkthroughs
from complaints.api import windows as window_api

router = SimpleRouter()
router.register("cases", views.CaseViewSet, basename="case")
router.register("walkthroughs", walkthroughs.WalkthroughViewSet, basename="walkthrough")
router.register("checklists", walkthroughs.ChecklistViewSet, basename="checklist")
router.register("findings", walkthroughs.FindingViewSet, basename="finding")
# 亲商管家's 走访 log (complaints/visits/).
router.register("visits", visits.VisitViewSet, basename="visit")
# 咨询 (complaints/consultations/).
router.register("consultations", consultation_api.ConsultationViewSet, basename="consultation")
# 办不成事 windows (complaints/windows/).
router.register("windows", window_api.WindowViewSet, basename="window")
router.register("window-cases", window_api.WindowCaseViewSet, basename="window-case")

urlpatterns = [
    path("reports/case-figures/", reports.CaseFiguresView.as_view(), name="case-figures"),
    # 红黄黑榜, quarterly (complaints/rankings/).
    path("supervision/rankings/", rankings.RankingView.as_view(), name="supervision-rankings"),
    *router.urls,
]
