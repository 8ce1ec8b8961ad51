from django.urls import path

from policies import views
from policies.manage import views as manage
from policies.plans import views as plans

app_name = "policies"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/ask/", views.ask, name="ask"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path("matches/", views.my_matches, name="my_matches"),
    path("questions/", views.questions_to_answer, name="questions"),
    path("matches/report/", views.enterprise_report, name="enterprise_report"),
    # 一企一策 reports prepared by staff
    path("plans/", plans.plan_list, name="plan_list"),
    path("plans/new/<int:enterprise_id>/", plans.plan_new, name="plan_new"),
    path("plans/<int:pk>/", plans.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/xlsx/", plans.plan_export, name="plan_export"),
    # 本部门政策 and 待审核发布: kept by the issuing departments, published by the 营商办 (#18)
    path("manage/", manage.manage_list, name="manage_list"),
    path("manage/new/", manage.manage_new, name="manage_new"),
    path("manage/review/", manage.review_queue, name="review_queue"),
    path("manage/<int:pk>/", manage.manage_edit, name="manage_edit"),
    path("manage/<int:pk>/submit/", manage.manage_submit, name="manage_submit"),
    path("manage/<int:pk>/publish/", manage.manage_publish, name="manage_publish"),
    path("manage/<int:pk>/return/", manage.manage_return, name="manage_return"),
    path("manage/<int:pk>/revisions/", manage.revisions, name="revisions"),
]
