from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from portal import views
from portal.api.errors import api_not_found

admin.site.site_header = _("亲清政企服务平台 管理后台")
admin.site.site_title = _("亲清政企服务平台 管理后台")
admin.site.index_title = _("管理后台")

# A database outage that escapes the views still answers 503, not 500.
handler500 = "portal.views.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("privacy/", views.privacy, name="privacy"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Accounts
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/signup/", views.sign_up, name="sign_up"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    # Enterprises and the inbox
    path("my/enterprises/", views.my_enterprises, name="my_enterprises"),
    path("enterprises/<int:pk>/", views.enterprise_profile, name="enterprise_profile"),
    path("notifications/", views.notification_inbox, name="notifications"),
    path("notifications/read/", views.notification_mark_read, name="notifications_mark_read"),
    path("notifications/settings/", views.notification_settings, name="notification_settings"),
    path("cases/", include("complaints.urls")),
    path("reports/", include("complaints.reporting.urls")),
    path("walkthroughs/report/", include("complaints.walkthroughs.report_urls")),
    path("roundtables/reports/", include("roundtables.reporting.urls")),
    path("roundtables/", include("roundtables.urls")),
    path("policies/applications/", include("policies.applications.urls")),
    path("policies/supervision/", include("policies.supervision.urls")),  # #18 三色图 and 督办
    path("policies/", include("policies.urls")),
    path("walkthroughs/", include("complaints.walkthroughs.urls")),
    # 咨询: questions that are not complaints (complaints/consultations/).
    path("consultations/", include("complaints.consultations.urls")),
    # 亲商管家: the workspace and the 走访 log (complaints/visits/).
    path("steward/", include("complaints.visits.urls")),
    # 办不成事 windows and their 问题专员 (complaints/windows/).
    path("windows/", include("complaints.windows.urls")),
    # 红黄黑榜, quarterly, and 约谈 (complaints/rankings/).
    path("rankings/", include("complaints.rankings.urls")),
    # API
    path("api/v1/", include("portal.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # The split view serves Swagger UI's start-up script as a file rather than inline,
    # so the CSP needs no 'unsafe-inline' for scripts; its page keeps one <style> block.
    path(
        "api/docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(SpectacularSwaggerSplitView.as_view(url_name="api_schema")),
        name="api_docs",
    ),
    path("admin/", admin.site.urls),
    # Last: any other /api/ URL answers 404 in the API's error shape, DEBUG or not.
    re_path(r"^api/", api_not_found, name="api_not_found"),
]

# An /api/ URL that matches no route answers in the API's error shape, not an HTML page.
handler404 = "portal.views.page_not_found"
# A request Django refuses before any view (a body over the upload limit): 413/400 in the
# error shape under /api/.
handler400 = "portal.api.errors.bad_request"
