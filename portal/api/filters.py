"""The API's filter backend: django-filter's, strict about booleans.

django-filter reads a boolean parameter it does not understand (``is_active=5``,
``overdue=yes``) as "not given" and returns the unfiltered list, so a caller's typo
silently widens the answer. The schema says these parameters are booleans; anything
but ``true`` or ``false`` is refused with 400 and a message (found by schemathesis in
tests/hostile). The HTML pages keep django-filter's own select widgets.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError


class PortalFilterBackend(DjangoFilterBackend):
    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is None:
            return None
        errors = {
            name: [_("请填写 true 或 false。")]
            for name, declared in filterset.filters.items()
            if isinstance(declared, django_filters.BooleanFilter)
            and request.query_params.get(name, "").strip().lower() not in ("", "true", "false")
        }
        if errors:
            raise ValidationError(errors)
        return filterset
