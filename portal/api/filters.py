"""The API's filter backend: django-filter's, strict where the schema is, lenient where it is.

- A boolean parameter it does not understand (``is_active=5``, ``overdue=yes``) django-filter
  reads as "not given" and returns the unfiltered list, so a caller's typo silently widens
  the answer. The schema says these parameters are booleans; anything but ``true`` or
  ``false`` is refused with 400 and a message (found by schemathesis in tests/hostile).
- A parameter the schema gives one value (every filter but the multiple-choice ones, and
  ``page``, ``ordering``, ``search``) given twice is refused with 400: django-filter would
  silently use the last.
- An id that names no object (``category=0``, ``issuer=99999``) is a valid integer as the
  schema says, and answers an empty list rather than 400: no object of that id is in the
  answer, which is the truth. (The objects a caller may not see answer the same, so this
  says nothing about them.)
- An empty value (``?level=``) means "not given", as an HTML form's empty select does; the
  schema says so (``allowEmptyValue``, portal.api.schema).
"""

from __future__ import annotations

import re

import django_filters
from django.utils.translation import gettext as _
from django_filters import utils
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter

# Parameters of DRF's paginator, ordering and search filters: one value each.
SINGLE_VALUED = ("page", "ordering", "search")
MULTIPLE = (django_filters.MultipleChoiceFilter, django_filters.ModelMultipleChoiceFilter)
_INTEGER = re.compile(r"^-?[0-9]+$")


class PortalFilterBackend(DjangoFilterBackend):
    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        params = request.query_params
        errors = {
            name: [_("此参数只能填一个值。")]
            for name in (*SINGLE_VALUED, *(filterset.filters if filterset is not None else ()))
            if len(params.getlist(name)) > 1
            and not (filterset is not None and isinstance(filterset.filters.get(name), MULTIPLE))
        }
        if filterset is not None:
            errors |= {
                name: [_("请填写 true 或 false。")]
                for name, declared in filterset.filters.items()
                if isinstance(declared, django_filters.BooleanFilter)
                and params.get(name, "").strip().lower() not in ("", "true", "false")
            }
        if errors:
            raise ValidationError(errors)
        return filterset

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            if _only_unknown_ids(filterset, request.query_params):
                return queryset.none()
            raise utils.translate_validation(filterset.errors)
        return filterset.qs


def _only_unknown_ids(filterset, params) -> bool:
    """Whether every error is an integer id of an object choice filter that matches nothing."""
    errors = filterset.form.errors.as_data()
    for name, field_errors in errors.items():
        declared = filterset.filters.get(name)
        if not isinstance(declared, django_filters.ModelChoiceFilter | django_filters.ModelMultipleChoiceFilter):
            return False
        if any(error.code not in ("invalid_choice", "invalid_pk_value") for error in field_errors):
            return False
        # By a code or slug (to_field_name) any text is a valid value; by id, an integer.
        by_id = not declared.extra.get("to_field_name")
        if by_id and not all(_INTEGER.match(value) for value in params.getlist(name)):
            return False
    return True


class StableOrderingFilter(OrderingFilter):
    """DRF's ordering with the id as the last key: rows tied on the chosen field (cases
    due the same day) keep one order from page to page, so paging neither repeats nor
    skips them."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if not ordering:
            return ordering
        keys = [key.lstrip("-") for key in ordering]
        return ordering if "id" in keys or "pk" in keys else [*ordering, "id"]
