"""Every URL pattern of the portal against every role, as the table in ``table.py``
decides. A pattern with no decision fails, so no page ships without one."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from portal.models import Industry
from tests.access import table
from tests.access.conftest import ROLES

pytestmark = pytest.mark.django_db

# Patterns outside the named table, decided here by their route.
UNNAMED = {
    # The admin's catch-all: unknown admin URLs send everyone but staff to log in; staff get 404.
    "admin/(?P<url>.*)$",
}


def url_patterns():
    """(route, name, takes_format) of every pattern the resolver knows, recursively."""

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            else:
                assert isinstance(pattern, URLPattern)
                name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
                yield prefix + str(pattern.pattern), name, "format" in pattern.pattern.regex.groupindex

    return list(walk(get_resolver().url_patterns, "", ""))


# --- The admin's generated patterns ----------------------------------------------------

ADMIN_VIEWS = {
    "changelist": ("view", ""),
    "add": ("add", "add/"),
    "history": ("view", "{pk}/history/"),
    "delete": ("delete", "{pk}/delete/"),
    "change": ("view", "{pk}/change/"),
}


def _admin_models():
    return {(model._meta.app_label, model._meta.model_name): model for model in admin.site._registry}


def admin_generated_names() -> set[str]:
    names = set()
    for app_label, model_name in _admin_models():
        names.update(f"admin:{app_label}_{model_name}_{view}" for view in ADMIN_VIEWS)
    names.add("admin:app_list")  # one pattern; admin_rows checks each app
    return names


def _admin_allowed(user, model, view: str) -> bool:
    """Staff with the model's permission (view, or change, for reading; add; delete),
    unless the model's admin takes the action away for everyone."""
    if user is None or not user.is_staff:
        return False
    opts = model._meta
    action = ADMIN_VIEWS[view][0]
    if action in ADMIN_ACTIONS_REMOVED.get(f"{opts.app_label}.{opts.model_name}", ()):
        return False
    codes = [action] if action != "view" else ["view", "change"]
    return any(user.has_perm(f"{opts.app_label}.{code}_{opts.model_name}") for code in codes)


# Actions a model admin removes whatever the permissions say (records written by the
# portal's services, kept for the record). Keys: "app_label.model_name".
ADMIN_ACTIONS_REMOVED: dict[str, set[str]] = {
    # Archived (归档), never deleted: portal.archive.ArchiveAdminMixin.
    "complaints.case": {"delete"},
    "complaints.walkthrough": {"delete"},
    "policies.policy": {"delete"},
    # Made by sign-up and application services only; the admin reads and archives them.
    "roundtables.registration": {"add", "delete"},
    "policies.application": {"add", "delete"},
    # Requested in the portal, decided by admin actions, revoked rather than deleted.
    "portal.enterprisemembership": {"add", "delete"},
    # Retired (卸任), never deleted.
    "complaints.experienceofficer": {"delete"},
}


def _first(model):
    # Sliced, not .exists()/.first(): pghistory's aggregate events view answers neither.
    rows = list(getattr(model, "objects", model._default_manager).all()[:1])
    return rows[0] if rows else None


def admin_rows(world):
    """(label, url, expected letter per role) for each model admin's generated views."""
    rows = []
    missing = [
        f"{app_label}.{model_name}"
        for (app_label, model_name), model in sorted(_admin_models().items())
        if not _first(model)
    ]
    assert not missing, f"the access world has no row of {missing}; add them to conftest.world"
    for (app_label, model_name), model in sorted(_admin_models().items()):
        obj = _first(model)
        for view in ADMIN_VIEWS:
            name = f"admin:{app_label}_{model_name}_{view}"
            url = reverse(name, args=[quote(obj.pk)] if "{pk}" in ADMIN_VIEWS[view][1] else [])
            expect = []
            for role in ROLES:
                user = world.users[role]
                if user is None or not user.is_staff:
                    expect.append("L")
                else:
                    expect.append("A" if _admin_allowed(user, model, view) else "F")
            rows.append((name, "get", url, None, "".join(expect)))
        # The bare object URL redirects staff to the change page.
        rows.append(
            (
                f"admin/{app_label}/{model_name}/<path:object_id>/",
                "get",
                f"/admin/{app_label}/{model_name}/{quote(obj.pk)}/",
                None,
                "".join("A" if world.users[r] is not None and world.users[r].is_staff else "L" for r in ROLES),
            )
        )
    for app_label in sorted({app for app, _ in _admin_models()}):
        expect = []
        for role in ROLES:
            user = world.users[role]
            if user is None or not user.is_staff:
                expect.append("L")
            else:
                expect.append("A" if user.has_module_perms(app_label) else "N")
        rows.append((f"admin:app_list:{app_label}", "get", f"/admin/{app_label}/", None, "".join(expect)))
    rows.append(("admin/(?P<url>.*)$", "get", "/admin/no-such-page/", None, "LLLLLNNLLL"))
    return rows


# --- Walking the table -------------------------------------------------------------------

LOGIN_PATHS = ("/accounts/login/", "/admin/login/")


def _letter(response, *, is_api: bool, anonymous: bool) -> str:
    status = response.status_code
    if status >= 500:
        return "5"
    if status in (301, 302, 303, 307, 308):
        location = urlsplit(response["Location"]).path
        return "L" if location.startswith(LOGIN_PATHS) else "A"
    if status == 401 or (status == 403 and is_api and anonymous):
        return "U"
    if status == 403:
        return "F"
    if status == 404:
        return "N"
    if status == 405:
        return "M"
    # 415: an upload endpoint read the walk's JSON body and asked for multipart instead.
    if status < 300 or status in (400, 409, 415, 422):
        return "A"
    return str(status)


def _request(client, method, url, data, is_api):
    """One request whose changes are rolled back, so each cell sees the same world."""
    cookies = client.cookies
    client.cookies = cookies.__class__(cookies)
    try:
        with transaction.atomic():
            if method == "get":
                response = client.get(url)
            elif method == "delete":
                response = client.delete(url)
            elif is_api:
                response = client.post(url, data or {}, content_type="application/json")
            else:
                response = client.post(url, data or {})
            transaction.set_rollback(True)
    finally:
        client.cookies = cookies
    return response


def _table_rows(world):
    world.objects["industry"] = Industry.objects.order_by("pk").first()
    world.objects["case_content_type"] = ContentType.objects.get_for_model(world.case).pk
    declared = {**table.PAGES, **table.API, **table.ADMIN_CUSTOM}
    rows = []
    for _route, name, takes_format in url_patterns():
        if name in declared:
            row = declared[name]
            kwargs = dict(row.kwargs(world)) if row.kwargs else {}
            if takes_format:
                kwargs["format"] = "json"
            url = reverse(name, kwargs=kwargs)
            if row.query:
                url += "?" + row.query.format(session=world.session.pk)
            data = row.data(world) if callable(row.data) else row.data
            rows.append((f"{name}{' (.json)' if takes_format else ''}", row.method, url, data, row.expect))
    return rows


def test_every_url_pattern_has_a_decision():
    declared = set(table.PAGES) | set(table.API) | set(table.ADMIN_CUSTOM) | admin_generated_names() | UNNAMED
    undecided = []
    for route, name, _ in url_patterns():
        if name in declared or route in UNNAMED:
            continue
        if name is None and route.startswith("admin/") and route.endswith("<path:object_id>/"):
            continue  # the bare object URL of a model admin: admin_rows covers each
        undecided.append(f"{route} (name={name})")
    assert not undecided, "URL patterns with no access decision in tests/access/table.py:\n" + "\n".join(undecided)
    stale = set(table.PAGES) | set(table.API) | set(table.ADMIN_CUSTOM)
    stale -= {name for _, name, _ in url_patterns()}
    assert not stale, f"table rows for URL names that no longer exist: {sorted(stale)}"


@pytest.fixture
def quiet_refusals():
    """Thousands of 403/404 answers are the point here; keep their warnings out of the log."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


def test_every_url_answers_each_role_as_the_table_decides(world, quiet_refusals, settings):
    # Every role posts every form from one address here: the brakes on the public forms
    # (portal/throttling.py) are tested in tests/hostile/test_throttles.py, not walked.
    settings.THROTTLE_RATES = {scope: "10000/min" for scope in settings.THROTTLE_RATES}
    rows = _table_rows(world) + admin_rows(world)
    mismatches = []
    for label, method, url, data, expect in rows:
        expected = expect.replace(" ", "")
        is_api = url.startswith("/api/")
        got = "".join(
            _letter(
                _request(world.clients[role], method, url, data, is_api),
                is_api=is_api,
                anonymous=world.users[role] is None,
            )
            for role in ROLES
        )
        if got != expected:
            mismatches.append(f"{label:55} {method.upper():4} {url}\n{'':55} expected {expected}  got {got}")
    checked = len(rows) * len(ROLES)
    print(f"\naccess table: {len(rows)} URLs x {len(ROLES)} roles = {checked} cells checked")
    assert not mismatches, f"{len(mismatches)} URLs answer differently from the table:\n" + "\n".join(mismatches)
