from django.urls import path

from roundtables import views

app_name = "roundtables"

urlpatterns = [
    path("", views.session_list, name="session_list"),
    path("my/", views.my_registrations, name="my_registrations"),
    path("<int:pk>/", views.session_detail, name="session_detail"),
    path("<int:pk>/signup/", views.sign_up, name="signup"),
    path("<int:pk>/appeal/", views.written_appeal, name="appeal"),
    path("<int:pk>/calendar.ics", views.session_ics, name="session_ics"),
    path("<int:pk>/check-in/", views.check_in, name="check_in"),
    path("<int:pk>/sign-in-sheet/", views.sign_in_sheet, name="sign_in_sheet"),
    path("<int:pk>/appeals/", views.session_appeals, name="session_appeals"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path("registrations/<int:pk>/cancel/", views.cancel_registration, name="cancel"),
    path("invitations/<int:pk>/decline/", views.decline_invitation, name="invitation_decline"),
    path("series/<int:pk>/calendar.ics", views.series_feed, name="series_feed"),
]
