import logging
import sys

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal import selectors, services
from portal.api.errors import api_error_response
from portal.forms import (
    EnterpriseProfileForm,
    MembershipRequestForm,
    NotificationSettingsForm,
    SignUpForm,
    add_service_errors,
)
from portal.throttling import throttle_post

logger = logging.getLogger(__name__)


def server_error(request):
    """handler500: 503 when the cause is the database being unreachable, else Django's 500."""
    from django.views import defaults

    from portal.middleware import DATABASE_ERRORS, database_unavailable_response

    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return database_unavailable_response(request)
    return defaults.server_error(request)


def page_not_found(request, exception):
    """404 for a URL no route matches: the API's JSON error shape under /api/, the
    site's page everywhere else."""
    if request.path.startswith("/api/"):
        return api_error_response(_("请求的资源不存在。"), status=404)
    return defaults.page_not_found(request, exception)


def home(request):
    """The front door: 通知公告, the next roundtables, the newest policies, this year's
    case figures in one line and the hotline; signed in, what waits for the user."""
    from complaints import selectors as case_selectors
    from complaints.consultations import selectors as consultation_selectors
    from complaints.reporting.selectors import Period, case_figures
    from complaints.walkthroughs import selectors as walkthrough_selectors
    from policies import selectors as policy_selectors
    from policies.applications import selectors as application_selectors
    from policies.matching import selectors as matching_selectors
    from portal import pagecache
    from roundtables import selectors as roundtable_selectors

    user = request.user

    def page(extra: dict):
        start_items = []
        if user.is_authenticated:
            for app_selectors in (
                case_selectors,
                consultation_selectors,  # 咨询 to answer or to rate
                matching_selectors,
                application_selectors,
                roundtable_selectors,
                walkthrough_selectors,
            ):
                start_items += app_selectors.start_items(user=user)
        context = {
            "start_items": start_items,
            "stewards": selectors.stewards_for_member(user=user),
            "announcements": selectors.announcements_current(),
            "sessions": list(roundtable_selectors.upcoming(user=user).filter(parent__isnull=True)[:3]),
            # The same for everyone: kept (portal/pagecache.py) until a policy or a case changes.
            "policies": pagecache.fragment(
                "home:policies",
                lambda: list(policy_selectors.policy_list().order_by("-published_on", "-id")[:5]),
                depends_on=(pagecache.POLICIES,),
                timeout=600,
            ),
            "figures": pagecache.fragment(
                "home:figures",
                lambda: case_figures(Period.this_year()),
                parts=(timezone.localdate().year,),
                depends_on=(pagecache.CASE_FIGURES,),
                timeout=pagecache.FIGURES_SECONDS,
                one_rebuild=True,
            ),
            **extra,
        }
        return render(request, "portal/home.html", context)

    # Kept whole for anonymous readers; a minute at most (announcements and sessions come
    # and go with the clock, the figures with every case).
    return pagecache.shared_page(
        request,
        "home",
        page,
        depends_on=(pagecache.POLICIES, pagecache.CASE_FIGURES, pagecache.HOME),
        timeout=pagecache.FIGURES_SECONDS,
    )


@require_GET
def privacy(request):
    """隐私政策: what personal data the portal collects, why, who sees it and for how long."""
    return render(request, "portal/privacy.html")


@require_GET
def accessibility(request):
    """The accessibility statement (无障碍): what the portal offers and where to report a barrier."""
    return render(request, "portal/accessibility.html")


@never_cache
@require_GET
def healthz(request):
    """200 when the database answers, 503 when it does not. For load balancers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@require_http_methods(["GET", "POST"])
@throttle_post("registration")
def sign_up(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.caught_in_honeypot:
        # Answered as a success would be (a redirect); no account is made.
        logger.warning("Sign-up form: honeypot filled, nothing stored")
        return redirect("home")
    if request.method == "POST" and form.is_valid():
        user = services.user_sign_up(
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password1"],
            full_name=form.cleaned_data["full_name"],
            mobile=form.cleaned_data["mobile"],
            email=form.cleaned_data["email"],
            privacy_consent=form.cleaned_data["privacy_consent"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("注册成功。请认领您所在的企业，审核通过后即可代表企业办理业务。"))
        return redirect("my_enterprises")
    return render(request, "registration/sign_up.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def my_enterprises(request):
    form = MembershipRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.membership_request(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("已提交对“%(name)s”的认领申请，工作人员审核后会通知您。") % {"name": membership.enterprise.name},
            )
            return redirect("my_enterprises")
    memberships = selectors.membership_list_for_user(user=request.user)
    return render(request, "portal/my_enterprises.html", {"form": form, "memberships": memberships})


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_profile(request, pk):
    enterprise = selectors.enterprise_get_for_user(user=request.user, pk=pk)
    can_edit = selectors.enterprise_can_edit(user=request.user, enterprise=enterprise)
    form = EnterpriseProfileForm(request.POST or None, instance=enterprise)
    if request.method == "POST":
        if not can_edit:
            messages.error(request, _("您没有修改该企业信息的权限。"))
            return redirect("enterprise_profile", pk=pk)
        if form.is_valid():
            data = {field: form.cleaned_data[field] for field in form.fields}
            services.enterprise_update_profile(enterprise=enterprise, actor=request.user, data=data)
            messages.success(request, _("企业信息已保存。"))
            return redirect("enterprise_profile", pk=pk)
    return render(
        request,
        "portal/enterprise_profile.html",
        {
            "enterprise": enterprise,
            "form": form,
            "can_edit": can_edit,
            "stewards": selectors.stewards_of(enterprise=enterprise),
        },
    )


@login_required
@require_GET
def notification_inbox(request):
    page = Paginator(selectors.notification_list(user=request.user), 20).get_page(request.GET.get("page"))
    return render(request, "portal/notifications.html", {"page": page})


@login_required
@require_POST
def notification_mark_read(request):
    ids = request.POST.getlist("id")
    try:
        ids = [int(value) for value in ids] or None
    except ValueError:
        ids = []
    services.notification_mark_read(user=request.user, notification_ids=ids)
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("notifications")
    return redirect(next_url)


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request):
    form = NotificationSettingsForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update_settings(
                user=request.user, **{field: form.cleaned_data[field] for field in form.Meta.fields}
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("通知设置已保存。"))
            return redirect("notification_settings")
    return render(request, "portal/notification_settings.html", {"form": form})
