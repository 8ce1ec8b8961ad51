from django.conf import settings

from portal import selectors


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
