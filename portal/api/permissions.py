"""Permission questions asked of an API view from outside it."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.views import APIView


def refuses_caller(request, view_func, view_args, view_kwargs) -> bool:
    """Would the DRF view behind ``view_func`` refuse this caller (401/403) before reading
    any input? Authentication and the view's permission classes, as the view itself would
    run them (no throttles, no object permissions)."""
    view_class = getattr(view_func, "cls", None)
    if view_class is None or not issubclass(view_class, APIView):
        return False
    view = view_class(**getattr(view_func, "initkwargs", {}))
    actions = getattr(view_func, "actions", None)
    if actions is not None:  # a viewset: its action decides its permissions
        view.action_map = actions
        view.action = actions.get(request.method.lower())
    view.args, view.kwargs = view_args, view_kwargs
    view.format_kwarg = None
    drf_request = view.initialize_request(request, *view_args, **view_kwargs)
    view.request = drf_request
    try:
        view.perform_authentication(drf_request)
        view.check_permissions(drf_request)
    except (exceptions.NotAuthenticated, exceptions.AuthenticationFailed, exceptions.PermissionDenied):
        return True
    return False
