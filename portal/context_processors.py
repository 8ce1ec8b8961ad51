from django.conf import settings

from portal import roles, selectors


def navigation(request):
    """Role menus and the unread-notification badge for the navigation bar."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {}, "unread_notifications": 0}
    return {
        "nav": selectors.navigation_roles(user=user),
        "unread_notifications": selectors.notification_unread_count(user=user),
    }


def language_chooser(request):
    """The header's 简体 | 繁體版 | English, each named in itself. Not Django's
    get_available_languages: that translates the names ("English" would read 英语)."""
    return {"language_choices": settings.LANGUAGES}


def site_footer(request):
    """The footer's site information (网站设置, kept in the admin; cached, so no query once
    warm), on every page; the organisations' names in 繁體 on a 繁體 page, like every
    stored name."""
    from portal.localized import localized

    site = selectors.site_settings()
    return {
        "site": {
            "sponsor": localized(site.sponsor),
            "organiser": localized(site.organiser),
            "address": localized(site.address),
            "hotline": site.hotline,
            "email": site.email,
            "icp": site.icp,
            "police_record": site.police_record,
            "site_code": site.site_code,
        }
    }


# Government-side roles: the footer tells them which database served a report.
REPORT_SOURCE_ROLES = frozenset(
    {roles.OFFICIAL, roles.HANDLER, roles.CHIEF_PROBLEM_OFFICER, roles.STEWARD, roles.SPECIALIST}
)


def report_source(request):
    """On a report read through portal.replica (only with a replica configured), the
    footer's line for staff: from the read replica and how far behind, or from the
    primary and why. Nothing for enterprises and the public, and nothing elsewhere."""
    source = getattr(request, "report_source", None)
    user = getattr(request, "user", None)
    if source is None or user is None or not user.is_authenticated:
        return {}
    if not (user.is_superuser or roles.role_names(user) & REPORT_SOURCE_ROLES):
        return {}
    return {"report_source": source.note()}
