"""Brakes on the public forms: how often one address, and one account, may post.

One set of limits (``settings.THROTTLE_RATES``, also DRF's ``DEFAULT_THROTTLE_RATES``), one set
of classes, used by the API (``throttle_classes = throttles("appeal")`` on a view or action) and
by the pages (``@throttle_post("appeal")`` on a view), so a caller gets no more by switching
between the form and the API: both count in the same cache entries. Over the limit the API
answers 429 in its error shape and the page a short Chinese page, both with ``Retry-After``.

Scopes: ``appeal`` (filing a case: the public form /cases/new/ and POST /api/v1/cases/),
``roundtable_signup`` (报名, page and API), ``registration`` (new accounts), ``lookup`` (case
lookup by number and code), ``token`` (POST /api/v1/auth/token/; django-axes also locks one
user name from one address after repeated wrong passwords), ``phone_code`` (sending an SMS code:
also per phone number, ``phone_code_phone``).

Counts live in Django's default cache: with ``CACHE_URL`` (Redis) in production they are shared
by every gunicorn worker and host; the local-memory cache of development counts per process.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from functools import wraps

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _
from rest_framework.throttling import SimpleRateThrottle

from portal.security import client_ip


class PortalRateThrottle(SimpleRateThrottle):
    """DRF's rate throttle with the rate read from settings at each request (DRF reads its
    settings once, at import), and usable on a plain Django request too."""

    scope: str = ""
    kind = ""  # what is counted: address, account, key
    prefix = "throttle"

    def get_rate(self):
        return settings.THROTTLE_RATES[self.scope]

    def ident(self, request) -> str | None:
        raise NotImplementedError

    def allow(self, request) -> bool:
        """Count ``request``; False when over the limit. No view: these throttles need none."""
        return self.allow_request(request, None)  # type: ignore[arg-type]

    def get_cache_key(self, request, view):
        ident = self.ident(request)
        if ident is None:
            return None  # not counted by this throttle
        return f"{self.prefix}:{self.scope}:{self.kind}:{ident}"


class AddressThrottle(PortalRateThrottle):
    """Per client address (behind the proxy: ``portal.security.client_ip``)."""

    kind = "address"

    def ident(self, request):
        return client_ip(request) or "unknown"


class AccountThrottle(PortalRateThrottle):
    """Per signed-in account; anonymous requests are counted by address only."""

    kind = "account"

    def ident(self, request):
        user = getattr(request, "user", None)
        return str(user.pk) if user is not None and user.is_authenticated else None


class KeyThrottle(PortalRateThrottle):
    """Per value the caller names (a phone number), through ``check_key``."""

    kind = "key"


@functools.cache
def throttles(scope: str) -> tuple[type[PortalRateThrottle], ...]:
    """The throttle classes of a scope, for a DRF view's ``throttle_classes``."""
    return tuple(
        type(f"{base.__name__}_{scope}", (base,), {"scope": scope}) for base in (AddressThrottle, AccountThrottle)
    )


def _wait(denied: Sequence[SimpleRateThrottle]) -> int:
    waits = [throttle.wait() for throttle in denied]
    return max(1, math.ceil(max((wait for wait in waits if wait is not None), default=1)))


def check(request, scope: str) -> int | None:
    """Count one request of ``scope``; the seconds to wait when over a limit, else None."""
    denied = []
    for throttle_class in throttles(scope):
        throttle = throttle_class()
        if not throttle.allow(request):
            denied.append(throttle)
    return _wait(denied) if denied else None


def check_key(scope: str, key: str) -> int | None:
    """Count one use of ``key`` (e.g. a phone number) in ``scope``; seconds to wait or None."""
    throttle = type(f"KeyThrottle_{scope}", (KeyThrottle,), {"scope": scope, "ident": lambda self, request: key})()
    return None if throttle.allow(None) else _wait([throttle])


def too_many_requests(request, wait: int):
    """The page a throttled form answers: 429, with ``Retry-After``."""
    minutes = max(1, math.ceil(wait / 60))
    message = _("提交过于频繁，请%(minutes)d分钟后再试。") % {"minutes": minutes}
    response = render(request, "429.html", {"message": message, "minutes": minutes}, status=429)
    response["Retry-After"] = str(wait)
    return response


def throttle_post(scope: str) -> Callable:
    """A page's POSTs counted in ``scope`` (GETs are free): over the limit, the 429 page."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST":
                wait = check(request, scope)
                if wait is not None:
                    return too_many_requests(request, wait)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
