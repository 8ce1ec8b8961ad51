"""Public pages and fragments kept in Django's cache, with versioned invalidation.

What is kept is only what is the same for everyone: whole pages for anonymous readers (the
policy catalogue, the public statistics, the home page), and for signed-in readers the
parts of those pages that do not depend on who reads them (the catalogue's list, a year's
figures). Nothing personal enters a shared entry: a signed-in reader's page is rendered
for them around the shared parts, and an anonymous page keeps a placeholder where the CSRF
token goes, filled in for each reader.

The cache is Django's default one: Redis with ``CACHE_URL`` in production, shared by every
process and host; local memory otherwise (each process its own). Entries are keyed by
the *versions* of what they show. A version is a random token kept in the cache under
the name of a kind of content (``POLICIES``, ``CASE_FIGURES``, ``HOME``, ``SITE``); a
write of such content bumps it (the receivers below, connected by :func:`connect`), and
every key built on it changes at once: the next reader rebuilds, nobody is served what
was kept before the write. A version is bumped when the row is saved, so the writer's own
next page is new, and again once the transaction commits, so that a page rebuilt by
another reader between the two (from the rows before the commit) is never read.

Each entry also expires (``timeout``): a safety net for writes that send no signal
(``QuerySet.update``), and for what changes with the clock (an announcement's publication
time, a session that has started). The case figures change with every case, so pages
showing them are kept 60 seconds at most, and rebuilt by one process at a time: while one
rebuilds, the others show the figures last built (at most a minute old).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable
from functools import partial

from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone, translation

# Kinds of content, each with its version.
POLICIES = "policies"  # the catalogue: policies, their issuers' and categories' names
CASE_FIGURES = "case_figures"  # figures of cases: cases, ratings, return visits, categories
HOME = "home"  # the home page's announcements and roundtable sessions
SITE = "site"  # the footer's site settings, on every page

PREFIX = "pagecache"
# Where a kept anonymous page has its CSRF token: letters only, so no escaping changes it.
CSRF_PLACEHOLDER = "PAGECACHECSRFTOKENPLACEHOLDER"
# The case figures: how long a page or figures may be shown, and how long one process
# may take to rebuild them before another tries.
FIGURES_SECONDS = 60
REBUILD_LOCK_SECONDS = 30

_MISSING = object()


# --- Versions -------------------------------------------------------------------------


def _version_key(kind: str) -> str:
    return f"{PREFIX}:version:{kind}"


def versions(kinds: Iterable[str]) -> tuple[str, ...]:
    """The current version of each kind, in order (one round trip to the cache). A kind
    without one (never bumped, or evicted) gets a new one: whatever was kept under the
    old one is no longer read."""
    kinds = tuple(kinds)
    if not kinds:
        return ()
    keys = [_version_key(kind) for kind in kinds]
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            cache.add(key, secrets.token_hex(8), None)
            found[key] = cache.get(key)
    return tuple(str(found[key]) for key in keys)


def _new_version(kind: str) -> None:
    cache.set(_version_key(kind), secrets.token_hex(8), None)


def bump(*kinds: str) -> None:
    """Everything kept that shows these kinds of content is stale: now, and again when
    the current transaction commits (at once outside one)."""
    for kind in kinds:
        _new_version(kind)
        transaction.on_commit(partial(_new_version, kind))


# --- Fragments and pages --------------------------------------------------------------


def _key(name: str, parts: Iterable, kinds: Iterable[str]) -> str:
    """The entry's key: its name, what it varies by (the language, the day, query
    parameters…) and the versions of what it shows, hashed to a fixed length."""
    text = repr((tuple(str(part) for part in parts), versions(kinds)))
    return f"{PREFIX}:{name}:{hashlib.sha256(text.encode()).hexdigest()[:32]}"


def fragment(
    name: str,
    build: Callable[[], object],
    *,
    parts: Iterable = (),
    depends_on: Iterable[str],
    timeout: int,
    one_rebuild: bool = False,
):
    """``build()``'s value (rendered HTML, or data such as figures), kept ``timeout``
    seconds under a key of ``name``, the active language, ``parts`` and the versions of
    ``depends_on``. With ``one_rebuild`` a missing entry is rebuilt by one process at a
    time; the others meanwhile take the value last built, whatever its versions, if it
    is at most ``timeout`` seconds old."""
    parts = (translation.get_language(), *parts)
    key = _key(name, parts, depends_on)
    value = cache.get(key, _MISSING)
    if value is not _MISSING:
        return value
    if not one_rebuild:
        value = build()
        cache.set(key, value, timeout)
        return value
    latest = _key(f"{name}:latest", parts, ())
    lock = f"{latest}:rebuilding"
    if not cache.add(lock, 1, REBUILD_LOCK_SECONDS):
        value = cache.get(latest, _MISSING)
        if value is not _MISSING:
            return value
    try:
        value = build()
        cache.set_many({key: value, latest: value}, timeout)
    finally:
        cache.delete(lock)
    return value


def _has_messages(request: HttpRequest) -> bool:
    storage = messages.get_messages(request)
    # len() reads the stored messages without marking them shown.
    return bool(len(storage)) or bool(getattr(storage, "added_new", False))


def shared_page(
    request: HttpRequest,
    name: str,
    render: Callable[[dict], HttpResponse],
    *,
    depends_on: Iterable[str],
    timeout: int,
    params: Iterable[str] = (),
) -> HttpResponse:
    """The page ``render(extra_context)`` makes, kept whole for anonymous readers.

    Kept only when it is the same for every anonymous reader of this address in this
    language today: a GET whose query parameters are all among ``params`` (an unknown
    one is rendered but not kept, so made-up addresses cannot fill the cache), no
    message waiting for the reader or added while rendering, a 200. The CSRF token (the
    language chooser's form) is a placeholder in the kept page, replaced by the reader's
    own token on the way out, which also sets their CSRF cookie as a render would.
    Signed-in readers get ``render`` as it is (their pages have their names and menus)."""
    keepable = (
        request.method == "GET"
        and not request.user.is_authenticated
        and set(request.GET) <= set(params)
        and not _has_messages(request)
    )
    if not keepable:
        return render({})
    depends_on = (*depends_on, SITE)
    parts = (translation.get_language(), request.get_full_path(), timezone.localdate())
    key = _key(name, parts, depends_on)
    kept = cache.get(key)
    if kept is None:
        response = render({"csrf_token": CSRF_PLACEHOLDER})
        if response.status_code != 200 or _has_messages(request) or getattr(response, "streaming", False):
            # Rendered with the placeholder: give this reader a real token.
            return _with_token(request, response.status_code, response.content, dict(response.items()))
        kept = (response.content, dict(response.items()))
        cache.set(key, kept, timeout)
    content, headers = kept
    return _with_token(request, 200, content, headers)


def _with_token(request: HttpRequest, status: int, content: bytes, headers: dict) -> HttpResponse:
    response = HttpResponse(
        content.replace(CSRF_PLACEHOLDER.encode(), get_token(request).encode()),
        status=status,
        content_type=headers.get("Content-Type"),
    )
    for header, value in headers.items():
        if header.lower() not in ("content-type", "content-length"):
            response[header] = value
    return response


# --- What bumps which version ---------------------------------------------------------

# (model, kinds of content it shows in); models named lazily, connected by connect().
BUMPED_BY: list[tuple[str, tuple[str, ...]]] = [
    ("policies.Policy", (POLICIES,)),
    ("policies.PolicyCategory", (POLICIES,)),
    ("portal.Department", (POLICIES, HOME)),
    ("complaints.Case", (CASE_FIGURES,)),
    ("complaints.CaseRating", (CASE_FIGURES,)),
    ("complaints.ReturnVisit", (CASE_FIGURES,)),
    ("complaints.ProblemCategory", (CASE_FIGURES,)),
    ("roundtables.Appeal", (CASE_FIGURES,)),  # ties a case to the session whose figures count it
    ("portal.Announcement", (HOME,)),
    ("roundtables.Session", (HOME,)),
    ("roundtables.Series", (HOME,)),
    ("portal.SiteSettings", (SITE,)),
]
# Many-to-many fields the catalogue filters by.
M2M_BUMPED_BY: list[tuple[str, str, tuple[str, ...]]] = [("policies.Policy", "industries", (POLICIES,))]


def _receiver(kinds: tuple[str, ...]):
    def bumped(sender, raw=False, action="post", **kwargs):
        # Not for fixtures being loaded, nor before a many-to-many change is made.
        if not raw and action.startswith("post"):
            bump(*kinds)

    return bumped


_receivers: list = []  # signals keep weak references


def connect() -> None:
    """Connect the receivers (PortalConfig.ready)."""
    from django.apps import apps

    for label, kinds in BUMPED_BY:
        model = apps.get_model(label)
        receiver = _receiver(kinds)
        _receivers.append(receiver)
        post_save.connect(receiver, sender=model, dispatch_uid=f"pagecache.save.{label}")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"pagecache.delete.{label}")
    for label, field, kinds in M2M_BUMPED_BY:
        through = getattr(apps.get_model(label), field).through
        receiver = _receiver(kinds)
        _receivers.append(receiver)
        m2m_changed.connect(receiver, sender=through, dispatch_uid=f"pagecache.m2m.{label}.{field}")
