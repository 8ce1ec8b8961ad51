"""Admin actions that run a service once per selected row: one way to do it, so every
action reports what was done and why each refused row was refused, in the same words."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError


def run_for_each(
    model_admin, request, rows: Iterable, service: Callable, *, keyword: str, done: str, **arguments
) -> int:
    """Call ``service(<keyword>=row, actor=request.user, **arguments)`` for each row, each
    in its own transaction (the services are atomic). A refused row is named with the
    reason and the others go on; ``done`` (with ``%(count)d``) reports the rest."""
    count = 0
    for row in rows:
        try:
            service(**{keyword: row, "actor": request.user}, **arguments)
        except (ValidationError, PermissionDenied) as error:
            reason = " ".join(getattr(error, "messages", [])) or str(error)
            model_admin.message_user(request, f"{row}：{reason}", messages.WARNING)
        else:
            count += 1
    if count:
        model_admin.message_user(request, done % {"count": count}, messages.SUCCESS)
    return count
