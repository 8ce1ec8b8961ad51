from django.urls import path

from complaints import views

app_name = "complaints"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("new/", views.case_new, name="case_new"),
    path("new/phone-code/", views.case_phone_code, name="case_phone_code"),
    path("lookup/", views.case_lookup, name="case_lookup"),
    path("submitted/<str:number>/", views.case_submitted, name="case_submitted"),
    # Before the case's own URL, which would read these as case numbers.
    path("return-visits/", views.return_visit_list, name="return_visit_list"),
    path("rechecks/", views.recheck_list, name="recheck_list"),
    path("<str:number>/", views.case_detail, name="case_detail"),
    path("<str:number>/attachments/<int:attachment_id>/", views.attachment_download, name="attachment_download"),
    path("<str:number>/<slug:action>/", views.case_action, name="case_action"),
]
