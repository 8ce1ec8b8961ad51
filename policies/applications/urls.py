from django.urls import path

from policies.applications import views

app_name = "policy_applications"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("new/<int:policy_id>/", views.start, name="start"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/files/<int:file_pk>/", views.file_download, name="file"),
    path("review/", views.review_list, name="review_list"),
    path("joint/", views.joint_list, name="joint_list"),  # 待联审
    path("grants/<int:policy_id>/", views.grants, name="grants"),
    path("supervision/", views.supervision, name="supervision"),
    # 帮办代办 and 委托代办
    path("prepare/<int:enterprise_id>/", views.prepare, name="prepare"),
    path("prepared/", views.prepared_list, name="prepared_list"),
    path("mandate/<int:enterprise_id>/", views.mandate, name="mandate"),
]
