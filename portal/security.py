"""Account and session safeguards: the client's address for login throttling and
the clock a signed-in session runs on."""

import base64
import hashlib
import math
import time

from csp.decorators import csp_update
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.shortcuts import render
from django.utils.translation import gettext as _

from portal.api.errors import api_error_response

# Session keys: when the user signed in, and when they were last seen (epoch seconds).
SIGNED_IN_AT = "security.signed_in_at"
LAST_SEEN_AT = "security.last_seen_at"
# The last-seen stamp is refreshed at most this often, so a busy user costs one
# session write a minute rather than one per request.
LAST_SEEN_RESOLUTION = 60


def client_ip(request) -> str | None:
    """The address a request came from, as django-axes should count it.

    Behind TRUSTED_PROXY_COUNT reverse proxies, each appending the address it saw to
    X-Forwarded-For, the client is that many entries from the right; anything further
    left was written by the client and is not believed. Without proxies the socket's
    address is the client's.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


@receiver(user_logged_in, dispatch_uid="portal.security.start_session_clock")
def start_session_clock(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    now = int(time.time())
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN_AT] = now


def lockout_response(request, original_response=None, credentials=None):
    """What a locked-out username+address sees (django-axes AXES_LOCKOUT_CALLABLE):
    a page, or the API's error shape, saying when to try again. 429, as axes does."""
    minutes = math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    message = _("登录失败次数过多，该账号在此网络下已被暂时锁定。请%(minutes)d分钟后再试，或联系管理员。") % {
        "minutes": minutes
    }
    if request.path.startswith("/api/"):
        return api_error_response(message, status=429)
    return render(request, "registration/locked_out.html", {"message": message, "minutes": minutes}, status=429)


# django-import-export's export page has one inline handler, on its "select all"
# box, and two style attributes. The CSP lets exactly those attributes apply, by
# their hashes, on that page only.
IMPORT_EXPORT_INLINE_HANDLERS = ["onSelectToggleChange(event)"]
IMPORT_EXPORT_INLINE_STYLES = ["padding: 0;", "font-weight: bold;"]


def _csp_hash(source: str) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(source.encode()).digest()).decode()}'"


IMPORT_EXPORT_CSP = {
    "script-src": ["'unsafe-hashes'", *map(_csp_hash, IMPORT_EXPORT_INLINE_HANDLERS)],
    "style-src": ["'unsafe-hashes'", *map(_csp_hash, IMPORT_EXPORT_INLINE_STYLES)],
}


class ImportExportCspMixin:
    """For a ModelAdmin using django-import-export: its export page keeps working
    under the portal's Content Security Policy."""

    def export_action(self, request):
        return csp_update(IMPORT_EXPORT_CSP)(super().export_action)(request)
