"""The portal's roles. Each is a Django group, created and granted its permissions
by migrations (``portal/migrations/0002_roles.py`` for the core; each app grants its
own with :func:`sync_groups` in a migration of its own, so the grants are frozen
with the schema they refer to)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

OFFICIAL = "营商办工作人员"  # business-environment office staff; run the admin
HANDLER = "承办单位经办人"  # department handler; sees the cases of their department
CHIEF_PROBLEM_OFFICER = "首席问题官"  # owns escalated and cross-department cases
ENTERPRISE_USER = "企业用户"
EXPERIENCE_OFFICER = "营商环境体验官"  # volunteer who walks service processes
STEWARD = "亲商管家"  # an official named to look after given enterprises (StewardAssignment)
SPECIALIST = "问题专员"  # on duty at 办不成事 windows (complaints.ServiceWindow)

ALL = [OFFICIAL, HANDLER, CHIEF_PROBLEM_OFFICER, ENTERPRISE_USER, EXPERIENCE_OFFICER, STEWARD, SPECIALIST]


def has_role(user, role: str) -> bool:
    """Whether the user belongs to the role's group. Uses the groups cached on the
    user by :func:`role_names`, so a page asking several times costs one query."""
    return role in role_names(user)


def role_names(user) -> frozenset[str]:
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._role_names = cached
    return cached


def is_official(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or has_role(user, OFFICIAL)))


def sync_groups(apps, permissions: dict[str, list[str]]) -> None:
    """Create the role groups and grant them permissions, given as
    ``{role: ["app_label.codename", ...]}``. For migrations (``apps`` is the
    migration's app registry); safe to run again."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations ran; create them now
    # so the groups can be granted them in the same migrate.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codes in permissions.items():
        group, _ = Group.objects.get_or_create(name=role)
        for code in codes:
            app_label, codename = code.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
